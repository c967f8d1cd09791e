/* The launch command parser (plugins/common/launch_cmd.c): argv, shell -c
 * strings as nix-darwin and home-manager write them, env, wait4path,
 * quoting, and wrapper scripts read under a root (a temporary directory),
 * followed one level deep and no further. Each case renders the simple
 * commands as "ORIGIN LINE: WORDS" so a table can say what is expected. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "result.h"

#include "../../plugins/common/launch_cmd.h"

#define HASH "z3n6ml62lc6l9glpaz6fq7fvi2rks9vq"
#define WRAPPER "/nix/store/" HASH "-node-commander-wrapper/bin/node-commander"

/* "a0: w w w" per command (a argv, c -c string, s script), one a line; the
 * program's index shown as "^" before its word. */
static void render(const struct launch_cmd *lc, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < lc->n; i++) {
        const struct launch_simple *c = &lc->cmds[i];
        used += (size_t)snprintf(out + used, size - used, "%s%c%u:",
                                 i ? "\n" : "", "acs"[c->from], c->line);
        for (size_t k = 0; k < c->argc && used < size; k++)
            used += (size_t)snprintf(out + used, size - used, " %s%s",
                                     k == c->prog ? "^" : "", c->argv[k]);
        if (used >= size)
            break;
    }
}

struct argv_case {
    const char *name;
    const char *argv[8];
    const char *commands; /* render() of the result */
    const char *target;
    int shell_c;
    int target_store;
    const char *wait_path;
};

static const struct argv_case argv_cases[] = {
    {"plain argv", {"/usr/local/bin/agent", "--serve", NULL},
     "a0: ^/usr/local/bin/agent --serve", "/usr/local/bin/agent", 0, 0, NULL},
    {"env -i VAR= PROG", {"/usr/bin/env", "-i", "FOO=1", "BAR=a b", "/opt/bin/prog", "x", NULL},
     "a0: /usr/bin/env -i FOO=1 BAR=a b ^/opt/bin/prog x", "/opt/bin/prog", 0, 0, NULL},
    {"sh -c with && ; || | and newlines",
     {"/bin/sh", "-c", "a 1 && b 2; c || d | e\nf", NULL},
     "a0: ^/bin/sh -c a 1 && b 2; c || d | e\nf\nc1: ^a 1\nc1: ^b 2\nc1: ^c\nc1: ^d\nc1: ^e\nc2: ^f",
     "f", 1, 0, NULL},
    {"nix-darwin: wait4path && exec STOREPATH",
     {"/bin/sh", "-c", "/bin/wait4path /nix/store && exec " WRAPPER, NULL},
     "a0: ^/bin/sh -c /bin/wait4path /nix/store && exec " WRAPPER
     "\nc1: ^/bin/wait4path /nix/store\nc1: exec ^" WRAPPER,
     WRAPPER, 1, 1, "/nix/store"},
    {"the last exec decides, not the last command",
     {"/bin/bash", "-lc", "exec /usr/bin/a; echo never", NULL},
     "a0: ^/bin/bash -lc exec /usr/bin/a; echo never\nc1: exec ^/usr/bin/a\nc1: ^echo never",
     "/usr/bin/a", 1, 0, NULL},
    {"zsh -ec cluster, exec env VAR=",
     {"/bin/zsh", "-ec", "exec env HOME=/x /usr/bin/p -v", NULL},
     "a0: ^/bin/zsh -ec exec env HOME=/x /usr/bin/p -v\nc1: exec env HOME=/x ^/usr/bin/p -v",
     "/usr/bin/p", 1, 0, NULL},
    {"dash -e -c, options apart", {"/usr/bin/dash", "-e", "-c", "p 1", NULL},
     "a0: ^/usr/bin/dash -e -c p 1\nc1: ^p 1", "p", 1, 0, NULL},
    {"env in argv before the shell", {"/usr/bin/env", "bash", "-c", "exec q", NULL},
     "a0: /usr/bin/env ^bash -c exec q\nc1: exec ^q", "q", 1, 0, NULL},
    {"quotes: single, double with escapes, backslash",
     {"/bin/sh", "-c", "exec p 'a b' \"c \\\"d\\\" $X\" e\\ f '' \"\\z\"", NULL},
     "a0: ^/bin/sh -c exec p 'a b' \"c \\\"d\\\" $X\" e\\ f '' \"\\z\"\n"
     "c1: exec ^p a b c \"d\" $X e f  \\z",
     "p", 1, 0, NULL},
    {"comments and continuation lines",
     {"/bin/sh", "-c", "# start\nexec p \\\n  --x # trailing\n#q\n", NULL},
     "a0: ^/bin/sh -c # start\nexec p \\\n  --x # trailing\n#q\n\nc2: exec ^p --x",
     "p", 1, 0, NULL},
    {"a # inside a word is not a comment", {"/bin/sh", "-c", "p a#b", NULL},
     "a0: ^/bin/sh -c p a#b\nc1: ^p a#b", "p", 1, 0, NULL},
    {"redirections are not words",
     {"/bin/sh", "-c", "exec podman run img >/tmp/log 2>&1 </dev/null", NULL},
     "a0: ^/bin/sh -c exec podman run img >/tmp/log 2>&1 </dev/null\nc1: exec ^podman run img",
     "podman", 1, 0, NULL},
    {"$( ) and backquotes: their commands too",
     {"/bin/sh", "-c", "D=\"$(readlink -f \"$0\")\"; exec p `date -d x`", NULL},
     "a0: ^/bin/sh -c D=\"$(readlink -f \"$0\")\"; exec p `date -d x`\n"
     "c1: ^readlink -f $0\nc1: D=$(readlink -f \"$0\")\nc1: ^date -d x\n"
     "c1: exec ^p `date -d x`",
     "p", 1, 0, NULL},
    {"if/then keywords and block ends",
     {"/bin/sh", "-c", "if [ -x /a ]; then exec /a; fi", NULL},
     "a0: ^/bin/sh -c if [ -x /a ]; then exec /a; fi\nc1: if ^[ -x /a ]\nc1: then exec ^/a",
     "/a", 1, 0, NULL},
    {"sh SCRIPT: the script is the target", {"/bin/bash", "/opt/run.sh", "x", NULL},
     "a0: ^/bin/bash /opt/run.sh x", "/opt/run.sh", 0, 0, NULL},
    {"an unterminated quote ends the text", {"/bin/sh", "-c", "exec p 'a b", NULL},
     "a0: ^/bin/sh -c exec p 'a b\nc1: exec ^p a b", "p", 1, 0, NULL},
};

static void test_argv_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof argv_cases / sizeof argv_cases[0]; i++) {
        const struct argv_case *k = &argv_cases[i];
        struct launch_cmd lc;
        char got[4096];
        size_t argc = 0;
        while (k->argv[argc])
            argc++;
        assert_int_equal(launch_cmd_parse(NULL, k->argv, argc, &lc), 0);
        render(&lc, got, sizeof got);
        if (strcmp(got, k->commands) != 0)
            fail_msg("%s: commands\n%s\nwanted\n%s", k->name, got, k->commands);
        if (!lc.target || strcmp(lc.target, k->target) != 0)
            fail_msg("%s: target %s, wanted %s", k->name, lc.target ? lc.target : "(none)",
                     k->target);
        if (lc.shell_c != k->shell_c || lc.target_store != k->target_store)
            fail_msg("%s: shell_c %d store %d", k->name, lc.shell_c, lc.target_store);
        if ((lc.wait_path == NULL) != (k->wait_path == NULL) ||
            (k->wait_path && strcmp(lc.wait_path, k->wait_path) != 0))
            fail_msg("%s: wait path %s", k->name, lc.wait_path ? lc.wait_path : "(none)");
        /* Without a context nothing is read: whether it exists is unknown. */
        assert_int_equal(lc.target_exists, -1);
        assert_int_equal(lc.script, LAUNCH_NO_SCRIPT);
        launch_cmd_free(&lc);
    }
}

static void test_store_paths(void **state)
{
    char name[64];
    (void)state;
    assert_true(launch_store_path(WRAPPER, name, sizeof name));
    assert_string_equal(name, "node-commander-wrapper");
    assert_true(launch_store_path("/nix/store/" HASH "-x", name, sizeof name));
    assert_string_equal(name, "x");
    assert_false(launch_store_path("/nix/store/" HASH, NULL, 0));
    assert_false(launch_store_path("/nix/store/" HASH "-", NULL, 0));
    assert_false(launch_store_path("/nix/store/short-x/bin/y", NULL, 0));
    assert_false(launch_store_path("/nix/var/nix/profiles/default/bin/y", NULL, 0));
    /* 'e', 'o', 'u', 't' are not in Nix's base-32 alphabet. */
    assert_false(launch_store_path("/nix/store/e3n6ml62lc6l9glpaz6fq7fvi2rks9vq-x", NULL, 0));
}

static void test_summary(void **state)
{
    const char *argv[] = {"/bin/sh", "-c",
                          "exec /opt/homebrew/bin/podman run --rm -v /Users/a:/a "
                          "ghcr.io/x/y:latest",
                          NULL};
    struct launch_cmd lc;
    char text[256];
    (void)state;
    assert_int_equal(launch_cmd_parse(NULL, argv, 3, &lc), 0);
    launch_cmd_summary(&lc.cmds[1], text, sizeof text);
    assert_string_equal(text, "podman run ... ghcr.io/x/y:latest");
    launch_cmd_join(&lc.cmds[1], text, sizeof text);
    assert_string_equal(text, "/opt/homebrew/bin/podman run --rm -v /Users/a:/a "
                              "ghcr.io/x/y:latest");
    launch_cmd_summary(&lc.cmds[0], text, 8);
    assert_string_equal(text, "sh ...."); /* cut: ends in "..." */
    launch_cmd_free(&lc);
    {
        const char *shortv[] = {"/bin/sh", "-c", "set -e; exec " WRAPPER " -x", NULL};
        assert_int_equal(launch_cmd_parse(NULL, shortv, 3, &lc), 0);
        launch_cmd_summary(&lc.cmds[1], text, sizeof text);
        assert_string_equal(text, "set -e"); /* short: whole */
        launch_cmd_summary(&lc.cmds[2], text, sizeof text);
        assert_string_equal(text, "node-commander -x");
        launch_cmd_account(&lc, text, sizeof text);
        assert_string_equal(text, "`set -e`, then `exec node-commander -x`");
        launch_cmd_free(&lc);
    }
}

static void test_gnu_only(void **state)
{
    static const struct {
        const char *text, *want; /* want NULL: BSD tools take it */
    } cases[] = {
        {"readlink -f x", "readlink -f"},   {"/usr/bin/readlink -nf x", "readlink -f"},
        {"readlink x", NULL},               {"sed -i s/a/b/ f", "sed -i"},
        {"sed -i -e s/a/b/ f", "sed -i"},   {"sed --in-place s/a/b/ f", "sed -i"},
        {"sed -i '' s/a/b/ f", NULL},       {"sed -i.bak s/a/b/ f", NULL},
        {"sed -i .bak s/a/b/ f", NULL},     {"sed -n p f", NULL},
        {"date -d yesterday", "date -d"},   {"date +%s --date=x", "date -d"},
        {"date -u +%s", NULL},              {"grep -P x f", "grep -P"},
        {"grep -qP x f", "grep -P"},        {"grep -E x f", NULL},
        {"stat -c %s f", "stat -c"},        {"stat -f %z f", NULL},
        {"exec env A=1 stat --format=%s f", "stat -c"},
        {"echo readlink -f", NULL},         {"grep -- -P f", NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct launch_cmd lc;
        const char *hint = NULL, *got;
        memset(&lc, 0, sizeof lc);
        assert_int_equal(launch_cmd_split(&lc, cases[i].text, strlen(cases[i].text),
                                          LAUNCH_FROM_SCRIPT, 1), 0);
        assert_int_equal(lc.n, 1);
        got = launch_gnu_only(&lc.cmds[0], &hint);
        if ((got == NULL) != (cases[i].want == NULL) ||
            (got && strcmp(got, cases[i].want) != 0))
            fail_msg("'%s': %s, wanted %s", cases[i].text, got ? got : "(none)",
                     cases[i].want ? cases[i].want : "(none)");
        if (got)
            assert_non_null(hint);
        launch_cmd_free(&lc);
    }
}

/* ---- scripts under a root ---------------------------------------------------- */

struct fixture {
    char root[64];
    char id[32], plugin[8], check[8];
    struct sos_check_decl decl;
    struct sos_check_result result;
    sourceos_ctx *ctx;
};

static void put(struct fixture *fx, const char *path, const char *text, size_t len)
{
    char file[512];
    FILE *f;
    snprintf(file, sizeof file, "%s%s", fx->root, path);
    for (char *p = file + strlen(fx->root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(file, 0755);
        *p = '/';
    }
    f = fopen(file, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct sos_ctx_config config;
    if (!fx)
        return -1;
    snprintf(fx->root, sizeof fx->root, "/tmp/test_launch_cmd.XXXXXX");
    if (!mkdtemp(fx->root))
        return -1;
    snprintf(fx->id, sizeof fx->id, "test.launch-cmd");
    snprintf(fx->plugin, sizeof fx->plugin, "launchd");
    snprintf(fx->check, sizeof fx->check, "lint");
    fx->decl.id = fx->id;
    fx->decl.plugin = fx->plugin;
    fx->decl.check = fx->check;
    memset(&config, 0, sizeof config);
    config.decl = &fx->decl;
    config.root = fx->root;
    config.offline = 1;
    fx->ctx = sos_ctx_new(&config, &fx->result);
    *state = fx;
    return fx->ctx ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[128];
    sos_ctx_free(fx->ctx);
    sos_check_result_free(&fx->result);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->root);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

#define PUT(fx, path, text) put(fx, path, text, sizeof text - 1)

static void test_script_followed_once(void **state)
{
    struct fixture *fx = *state;
    const char *argv[] = {"/bin/sh", "-c", "/bin/wait4path /nix/store && exec " WRAPPER, NULL};
    struct launch_cmd lc;
    char got[4096];
    PUT(fx, WRAPPER, "#!/bin/sh\n# node-commander\nset -e\n"
                     "exec /opt/homebrew/bin/podman run --rm \\\n"
                     "  -v /Users/alice:/home ghcr.io/acme/nc:latest\n");
    assert_int_equal(launch_cmd_parse(fx->ctx, argv, 3, &lc), 0);
    render(&lc, got, sizeof got);
    assert_string_equal(got,
                        "a0: ^/bin/sh -c /bin/wait4path /nix/store && exec " WRAPPER "\n"
                        "c1: ^/bin/wait4path /nix/store\n"
                        "c1: exec ^" WRAPPER "\n"
                        "s3: ^set -e\n"
                        "s4: exec ^/opt/homebrew/bin/podman run --rm -v /Users/alice:/home "
                        "ghcr.io/acme/nc:latest");
    assert_int_equal(lc.target_exists, 1);
    assert_int_equal(lc.target_store, 1);
    assert_int_equal(lc.script, LAUNCH_SCRIPT_READ);
    assert_int_equal(lc.script_first, 3);
    assert_non_null(strstr(lc.script_text, "# node-commander"));
    assert_ptr_equal(lc.final, &lc.cmds[4]);
    assert_string_equal(lc.final_program, "/opt/homebrew/bin/podman");
    assert_int_equal(lc.final_store, 0);
    launch_cmd_free(&lc);
}

static void test_script_not_twice(void **state)
{
    struct fixture *fx = *state;
    const char *argv[] = {"/opt/one.sh", NULL};
    struct launch_cmd lc;
    char got[1024];
    PUT(fx, "/opt/one.sh", "#!/usr/bin/env bash\necho one\nexec /opt/two.sh --x\n");
    PUT(fx, "/opt/two.sh", "#!/bin/sh\nexec podman run docker.io/x\n");
    assert_int_equal(launch_cmd_parse(fx->ctx, argv, 1, &lc), 0);
    render(&lc, got, sizeof got);
    assert_string_equal(got, "a0: ^/opt/one.sh\ns2: ^echo one\ns3: exec ^/opt/two.sh --x");
    assert_string_equal(lc.final_program, "/opt/two.sh");
    launch_cmd_free(&lc);
    /* Run by a shell, a script needs no #! line. */
    PUT(fx, "/opt/three", "exec /usr/bin/p\n");
    {
        const char *sh[] = {"/bin/sh", "/opt/three", NULL};
        assert_int_equal(launch_cmd_parse(fx->ctx, sh, 2, &lc), 0);
        assert_int_equal(lc.script, LAUNCH_SCRIPT_READ);
        assert_string_equal(lc.final_program, "/usr/bin/p");
        launch_cmd_free(&lc);
    }
}

static void test_script_too_large(void **state)
{
    struct fixture *fx = *state;
    size_t len = LAUNCH_SCRIPT_MAX_BYTES + 100;
    char *text = malloc(len);
    const char *argv[] = {"/opt/big.sh", NULL};
    struct launch_cmd lc;
    assert_non_null(text);
    memset(text, '\n', len);
    memcpy(text, "#!/bin/sh\nexec podman run x\n", 28);
    put(fx, "/opt/big.sh", text, len);
    free(text);
    assert_int_equal(launch_cmd_parse(fx->ctx, argv, 1, &lc), 0);
    assert_int_equal(lc.script, LAUNCH_SCRIPT_TOO_LARGE);
    assert_int_equal(lc.target_exists, 1);
    assert_int_equal(lc.n, 1); /* nothing of it was split */
    assert_null(lc.script_text);
    /* Not a store path, and still said: a lint reports the cut. */
    {
        char what[512];
        assert_int_equal(launch_cmd_cuts(&lc, what, sizeof what), 1);
        assert_non_null(strstr(what, "the script /opt/big.sh, larger than 256 KiB, not read"));
    }
    launch_cmd_free(&lc);
}

static void test_script_missing_or_binary(void **state)
{
    struct fixture *fx = *state;
    const char *argv[] = {"/bin/sh", "-c", "exec " WRAPPER, NULL};
    const char *bin[] = {"/opt/bin/agent", NULL};
    struct launch_cmd lc;
    assert_int_equal(launch_cmd_parse(fx->ctx, argv, 3, &lc), 0);
    assert_int_equal(lc.target_exists, 0);
    assert_int_equal(lc.target_error, -ENOENT);
    assert_int_equal(lc.script, LAUNCH_NO_SCRIPT);
    assert_string_equal(lc.final_program, WRAPPER);
    assert_int_equal(lc.final_store, 1);
    launch_cmd_free(&lc);
    put(fx, "/opt/bin/agent", "\177ELF\2\1\1\0\0\0", 10);
    assert_int_equal(launch_cmd_parse(fx->ctx, bin, 1, &lc), 0);
    assert_int_equal(lc.target_exists, 1);
    assert_int_equal(lc.script, LAUNCH_SCRIPT_BINARY);
    assert_int_equal(lc.n, 1);
    assert_string_equal(lc.final_program, "/opt/bin/agent");
    launch_cmd_free(&lc);
}

/* A copied tree (--root, not live) often leaves programs out: a shell's
 * exec target outside the store is judged missing only when its directory
 * is in the tree; a store path whenever the tree has /nix/store. */
static void test_missing_on_copies(void **state)
{
    struct fixture *fx = *state;
    const char *argv[] = {"/bin/sh", "-c", "exec /opt/homebrew/bin/podman run x", NULL};
    const char *store[] = {"/bin/sh", "-c", "exec " WRAPPER, NULL};
    const char *missing[2];
    struct launch_cmd lc;
    assert_int_equal(launch_cmd_parse(fx->ctx, argv, 3, &lc), 0);
    assert_int_equal(lc.target_exists, 0);
    assert_int_equal(launch_cmd_missing(fx->ctx, &lc, missing), 0);
    PUT(fx, "/opt/homebrew/bin/brew", "#!/bin/sh\n");
    assert_int_equal(launch_cmd_missing(fx->ctx, &lc, missing), 1);
    assert_string_equal(missing[0], "/opt/homebrew/bin/podman");
    launch_cmd_free(&lc);
    PUT(fx, "/nix/store/.links", "");
    assert_int_equal(launch_cmd_parse(fx->ctx, store, 3, &lc), 0);
    assert_int_equal(launch_cmd_missing(fx->ctx, &lc, missing), 1);
    assert_string_equal(missing[0], WRAPPER);
    launch_cmd_free(&lc);
}

/* Deep nesting and long text do not crash or run away. */
static void test_hostile(void **state)
{
    size_t len = 100000;
    char *text = malloc(len + 1);
    const char *argv[] = {"/bin/sh", "-c", text, NULL};
    struct launch_cmd lc;
    (void)state;
    assert_non_null(text);
    for (size_t i = 0; i < len; i++)
        text[i] = "$(\"`"[i % 4];
    text[len] = '\0';
    assert_int_equal(launch_cmd_parse(NULL, argv, 3, &lc), 0);
    launch_cmd_free(&lc);
    memset(text, ';', len);
    memcpy(text, "a;", 2);
    for (size_t i = 0; i + 1 < len; i += 2)
        text[i] = 'a';
    assert_int_equal(launch_cmd_parse(NULL, argv, 3, &lc), 0);
    assert_true(lc.n <= 1 + LAUNCH_MAX_COMMANDS);
    assert_int_equal(lc.n - 1 + lc.cut_commands, len / 2);
    assert_true(lc.cut);
    launch_cmd_free(&lc);
    free(text);
}

/* Padding cannot push what runs out of sight: past LAUNCH_MAX_COMMANDS the
 * oldest commands go, the last exec (and early exec lines) stay, and the
 * cut is counted for the lint to say. */
static void test_cut_keeps_last_exec(void **state)
{
    size_t n = 2100, size = n * 5 + 200, used = 0;
    char *text = malloc(size), what[512];
    const char *argv[] = {"/bin/sh", "-c", text, NULL};
    struct launch_cmd lc;
    (void)state;
    assert_non_null(text);
    used += (size_t)snprintf(text, size, "exec /early/one\n");
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(text + used, size - used, "true\n");
    snprintf(text + used, size - used, "exec podman run ghcr.io/evil/x:latest\n");
    assert_int_equal(launch_cmd_parse(NULL, argv, 3, &lc), 0);
    assert_true(lc.cut);
    assert_true(lc.cut_commands > 0);
    assert_int_equal(lc.n - 2 + lc.cut_commands, n + 1); /* argv, -c text */
    assert_string_equal(lc.target, "podman");
    assert_string_equal(lc.final_program, "podman");
    assert_string_equal(lc.cmds[lc.n - 1].argv[lc.cmds[lc.n - 1].argc - 1],
                        "ghcr.io/evil/x:latest");
    assert_string_equal(lc.cmds[1].argv[1], "/early/one");
    assert_int_equal(launch_cmd_cuts(&lc, what, sizeof what), 1);
    /* the older half of the 2048 went, but for its one exec line */
    assert_int_equal(lc.cut_commands, 1023);
    assert_non_null(strstr(what, "1023 simple commands dropped (the oldest: at most 2048 are kept)"));
    launch_cmd_free(&lc);
    free(text);
}

/* A podman run with 140 -e flags keeps its mount and its image; beyond
 * LAUNCH_MAX_WORDS words are dropped and counted. */
static void test_cut_words(void **state)
{
    size_t size = 64 * 1024, used = 0;
    char *text = malloc(size), what[512];
    const char *argv[] = {"/bin/sh", "-c", text, NULL};
    struct launch_cmd lc;
    const struct launch_simple *c;
    (void)state;
    assert_non_null(text);
    used += (size_t)snprintf(text, size, "exec podman run");
    for (int i = 0; i < 140; i++)
        used += (size_t)snprintf(text + used, size - used, " -e V%d=1", i);
    snprintf(text + used, size - used, " -v /Users/alice:/h ghcr.io/evil/x:latest");
    assert_int_equal(launch_cmd_parse(NULL, argv, 3, &lc), 0);
    assert_false(lc.cut);
    assert_int_equal(launch_cmd_cuts(&lc, what, sizeof what), 0);
    assert_string_equal(what, "");
    c = &lc.cmds[1];
    assert_int_equal(c->argc, 1 + 2 + 280 + 2 + 1);
    assert_string_equal(c->argv[c->argc - 2], "/Users/alice:/h");
    assert_string_equal(c->argv[c->argc - 1], "ghcr.io/evil/x:latest");
    launch_cmd_free(&lc);
    used = (size_t)snprintf(text, size, "exec podman run");
    for (int i = 0; i < LAUNCH_MAX_WORDS; i++)
        used += (size_t)snprintf(text + used, size - used, " x");
    assert_int_equal(launch_cmd_parse(NULL, argv, 3, &lc), 0);
    assert_true(lc.cut);
    assert_int_equal(lc.cut_words, 3);
    assert_int_equal(launch_cmd_cuts(&lc, what, sizeof what), 1);
    assert_non_null(strstr(what, "3 words of commands longer than 4096 words"));
    launch_cmd_free(&lc);
    free(text);
}

/* A substitution nested too deep is not split: its commands are said to
 * be unseen, not dropped in silence. */
static void test_cut_nested(void **state)
{
    const char *argv[] = {"/bin/sh", "-c",
                          "echo $(a $(b $(c $(d $(e $(f $(g $(h $(i podman run x)))))))))", NULL};
    struct launch_cmd lc;
    char what[512];
    (void)state;
    assert_int_equal(launch_cmd_parse(NULL, argv, 3, &lc), 0);
    assert_true(lc.cut);
    assert_int_equal(lc.cut_nested, 1);
    assert_int_equal(launch_cmd_cuts(&lc, what, sizeof what), 1);
    assert_non_null(strstr(what, "1 command substitutions nested deeper than 8"));
    launch_cmd_free(&lc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_argv_table),
        cmocka_unit_test(test_store_paths),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_gnu_only),
        cmocka_unit_test_setup_teardown(test_script_followed_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_not_twice, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_missing_or_binary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_on_copies, setup, teardown),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_cut_keeps_last_exec),
        cmocka_unit_test(test_cut_words),
        cmocka_unit_test(test_cut_nested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

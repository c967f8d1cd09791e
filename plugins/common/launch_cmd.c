/* The launch command parser (see launch_cmd.h): argv, shell text and one
 * level of wrapper script, to the simple commands that really run. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launch_cmd.h"
#include "plugin_util.h"

static void append(char *out, size_t size, size_t *used, const char *text);

/* $( ) and backquotes nest; deeper than this they are kept as text only,
 * so hostile input cannot exhaust the stack. */
#define MAX_NESTING 8

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int one_of(const char *w, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(w, list[i]) == 0)
            return 1;
    return 0;
}

static int is_shell(const char *program)
{
    static const char *const shells[] = {"sh", "bash", "zsh", "dash", "ksh", "ash", NULL};
    return one_of(base_of(program), shells);
}

/* NAME=value, NAME a shell variable name: an assignment, not a program. */
static int is_assignment(const char *w)
{
    size_t n = strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789_");
    return n > 0 && w[n] == '=' && !(w[0] >= '0' && w[0] <= '9');
}

/* ---- building one simple command -------------------------------------------- */

struct builder {
    struct launch_cmd *lc;
    size_t floor;       /* cmds[0..floor) are not this text's: never dropped */
    enum launch_origin from;
    unsigned line;      /* the line being read */
    unsigned cmd_line;  /* where the command being built started; 0: none yet */
    char *word;         /* the word being built */
    size_t wlen, wcap;
    int in_word;
    int drop_word;      /* the word being built is a redirection's target */
    char **words;
    size_t n, cap;
    int failed;         /* out of memory */
};

static void word_char(struct builder *b, char c)
{
    if (b->wlen + 1 >= b->wcap) {
        size_t cap = b->wcap ? b->wcap * 2 : 64;
        char *w = realloc(b->word, cap);
        if (!w) {
            b->failed = 1;
            return;
        }
        b->word = w;
        b->wcap = cap;
    }
    b->word[b->wlen++] = c;
    b->in_word = 1;
    if (!b->cmd_line)
        b->cmd_line = b->line;
}

/* A word starts here, even if it stays empty ('' is a word). */
static void start_word(struct builder *b)
{
    b->in_word = 1;
    if (!b->cmd_line)
        b->cmd_line = b->line;
}

static void word_text(struct builder *b, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        word_char(b, text[i]);
}

static void end_word(struct builder *b)
{
    char *w;
    int drop = b->drop_word;
    if (!b->in_word)
        return;
    b->in_word = 0;
    b->drop_word = 0;
    if (drop || b->failed) {
        b->wlen = 0;
        return;
    }
    if (b->n >= LAUNCH_MAX_WORDS) {
        b->lc->cut = 1;
        b->lc->cut_words++;
        b->wlen = 0;
        return;
    }
    if (b->n + 1 >= b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        char **v = realloc(b->words, cap * sizeof *v);
        if (!v) {
            b->failed = 1;
            return;
        }
        b->words = v;
        b->cap = cap;
    }
    w = malloc(b->wlen + 1);
    if (!w) {
        b->failed = 1;
        return;
    }
    if (b->wlen)
        memcpy(w, b->word, b->wlen);
    w[b->wlen] = '\0';
    b->words[b->n++] = w;
    b->wlen = 0;
}

/* Where the program stands in C: after shell keywords, `exec` (and its
 * options), `env` (and its options), NAME=value and `nohup`. */
static void find_program(struct launch_simple *c)
{
    static const char *const keywords[] = {"if", "then", "else", "elif", "do", "while",
                                           "until", "!", "{", "time", NULL};
    size_t i = 0;
    while (i < c->argc && one_of(c->argv[i], keywords))
        i++;
    if (i < c->argc && strcmp(c->argv[i], "exec") == 0) {
        c->exec = 1;
        for (i++; i < c->argc && c->argv[i][0] == '-'; i++)
            if (strcmp(c->argv[i], "-a") == 0)
                i++; /* exec -a NAME */
    }
    for (;;) {
        if (i < c->argc && is_assignment(c->argv[i])) {
            i++;
        } else if (i < c->argc && (strcmp(base_of(c->argv[i]), "env") == 0 ||
                                   strcmp(base_of(c->argv[i]), "nohup") == 0)) {
            int env = strcmp(base_of(c->argv[i]), "env") == 0;
            for (i++; env && i < c->argc && c->argv[i][0] == '-'; i++)
                if (strcmp(c->argv[i], "-u") == 0 || strcmp(c->argv[i], "-C") == 0)
                    i++; /* env -u NAME, env -C DIR */
        } else {
            break;
        }
    }
    c->prog = i < c->argc ? i : c->argc;
}

static void free_words(char **words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(words[i]);
    free(words);
}

/* cmds[FLOOR..n) is full: drops its older half, keeping the exec lines of
 * that half while they fill at most half of it. What decides the run is
 * the last exec (or the last command), so the newest commands stay; and
 * each call frees a quarter of the range at least, so a long script costs
 * linear time. */
static void make_room(struct launch_cmd *lc, size_t floor)
{
    size_t half = (lc->n - floor) / 2, keep = half / 2, to = floor;
    for (size_t i = floor; i < floor + half; i++) {
        struct launch_simple *c = &lc->cmds[i];
        if (c->exec && to - floor < keep) {
            lc->cmds[to++] = *c;
            continue;
        }
        free_words(c->argv, c->argc);
        lc->cut_commands++;
    }
    memmove(&lc->cmds[to], &lc->cmds[floor + half],
            (lc->n - floor - half) * sizeof *lc->cmds);
    lc->n -= floor + half - to;
    lc->cut = 1;
}

/* Stores C in LC, after the oldest commands of cmds[FLOOR..n) when that
 * range is full: 1, or -1 out of memory (C's words are then the caller's). */
static int add_command(struct launch_cmd *lc, struct launch_simple *c, size_t floor)
{
    if (lc->n - floor >= LAUNCH_MAX_COMMANDS)
        make_room(lc, floor);
    if (lc->n >= lc->cap) {
        size_t cap = lc->cap ? lc->cap * 2 : 4;
        struct launch_simple *v = realloc(lc->cmds, cap * sizeof *v);
        if (!v)
            return -1;
        lc->cmds = v;
        lc->cap = cap;
    }
    lc->cmds[lc->n++] = *c;
    return 1;
}

/* Ends the command being built: kept when it has a word that is not only
 * a shell keyword closing a block. */
static void end_command(struct builder *b)
{
    static const char *const closers[] = {"fi", "done", "esac", "}", "then", "else", "do",
                                          NULL};
    struct launch_simple c;
    int rc;
    end_word(b);
    memset(&c, 0, sizeof c);
    c.from = b->from;
    c.line = b->cmd_line;
    b->cmd_line = 0;
    if (b->failed || b->n == 0 || (b->n == 1 && one_of(b->words[0], closers))) {
        free_words(b->words, b->n);
        b->words = NULL;
        b->n = b->cap = 0;
        return;
    }
    b->words[b->n] = NULL;
    c.argc = b->n;
    c.argv = b->words;
    find_program(&c);
    b->words = NULL;
    b->n = b->cap = 0;
    rc = add_command(b->lc, &c, b->floor);
    if (rc < 0) {
        free_words(c.argv, c.argc);
        b->failed = 1;
    }
}

/* ---- shell text ------------------------------------------------------------------ */

static int split_at(struct launch_cmd *lc, const char *t, size_t len,
                    enum launch_origin from, unsigned line, int depth, size_t floor);

/* The index of what closes the "$(" or "`" whose content starts at I
 * (CLOSER ')' or '`'), or LEN: quotes and nested "$(" are skipped over. */
static size_t find_close(const char *t, size_t len, size_t i, char closer, int depth)
{
    int parens = 1;
    char q = 0;
    for (; i < len; i++) {
        char c = t[i];
        if (c == '\\' && q != '\'') {
            i++;
            continue;
        }
        if (q) {
            if (c == q)
                q = 0;
            continue;
        }
        if (closer == '`') {
            if (c == '`')
                return i;
            continue;
        }
        if (c == '\'' || c == '"') {
            q = c;
        } else if (c == '$' && i + 1 < len && t[i + 1] == '(' && depth < MAX_NESTING) {
            i = find_close(t, len, i + 2, ')', depth + 1);
        } else if (c == '(') {
            parens++;
        } else if (c == ')' && --parens == 0) {
            return i;
        }
    }
    return len;
}

/* "$(...)" or "`...`" at T[I]: its commands are split on their own (they
 * run first), its text stays in the word. Returns the index of its last
 * character. */
static size_t substitution(struct builder *b, const char *t, size_t len, size_t i,
                           int depth)
{
    int backquote = t[i] == '`';
    size_t start = i + (backquote ? 1 : 2);
    size_t end = find_close(t, len, start, backquote ? '`' : ')', depth);
    int arithmetic = !backquote && start < len && t[start] == '(';
    if (!arithmetic && depth >= MAX_NESTING) {
        b->lc->cut = 1; /* its commands run, unseen: said */
        b->lc->cut_nested++;
    } else if (!arithmetic && split_at(b->lc, t + start, end - start, b->from, b->line,
                                       depth + 1, b->floor) < 0) {
        b->failed = 1;
    }
    word_text(b, t + i, (end < len ? end + 1 : len) - i);
    for (size_t k = start; k < end; k++)
        b->line += t[k] == '\n';
    return end < len ? end : len - 1;
}

/* A redirection at T[I] ('<' or '>'): its operator and target are not
 * words of the command. A word of digits just before it is its fd. */
static size_t redirection(struct builder *b, const char *t, size_t len, size_t i)
{
    size_t digits = 0;
    while (digits < b->wlen && b->word[digits] >= '0' && b->word[digits] <= '9')
        digits++;
    if (b->in_word && b->wlen > 0 && digits == b->wlen)
        b->drop_word = 1;
    end_word(b);
    while (i + 1 < len && strchr("<>|", t[i + 1]))
        i++;
    if (i + 1 < len && t[i + 1] == '&') {
        i++;
        while (i + 1 < len && strchr("0123456789-", t[i + 1]))
            i++;
        if (i > 0 && t[i] != '&')
            return i; /* >&2: the target was the fd */
    }
    b->drop_word = 1; /* the next word is the file */
    return i;
}

static int split_at(struct launch_cmd *lc, const char *t, size_t len,
                    enum launch_origin from, unsigned line, int depth, size_t floor)
{
    struct builder b;
    char q = 0;
    memset(&b, 0, sizeof b);
    b.lc = lc;
    b.floor = floor;
    b.from = from;
    b.line = line;
    for (size_t i = 0; i < len && !b.failed; i++) {
        char c = t[i];
        if (q == '\'') {
            if (c == '\'')
                q = 0;
            else
                word_char(&b, c);
            b.line += c == '\n';
            continue;
        }
        if (c == '\\' && i + 1 < len) {
            char next = t[++i];
            if (next == '\n') {
                b.line++; /* a continuation line */
            } else if (q == '"' && !strchr("$`\"\\", next)) {
                word_char(&b, '\\');
                word_char(&b, next);
            } else {
                word_char(&b, next);
            }
            continue;
        }
        if (q == '"') {
            if (c == '"')
                q = 0;
            else if ((c == '$' && i + 1 < len && t[i + 1] == '(') || c == '`')
                i = substitution(&b, t, len, i, depth);
            else
                word_char(&b, c);
            b.line += c == '\n';
            continue;
        }
        if (c == '\'' || c == '"') {
            q = c;
            start_word(&b);
        } else if (c == '$' && i + 1 < len && t[i + 1] == '\'') {
            q = '\''; /* $'...': near enough */
            i++;
            start_word(&b);
        } else if ((c == '$' && i + 1 < len && t[i + 1] == '(') || c == '`') {
            i = substitution(&b, t, len, i, depth);
        } else if (c == '#' && !b.in_word) {
            while (i + 1 < len && t[i + 1] != '\n')
                i++;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            end_word(&b);
        } else if (c == '<' || c == '>') {
            i = redirection(&b, t, len, i);
        } else if (c == '&' && i + 1 < len && t[i + 1] == '>') {
            end_word(&b);
            i = redirection(&b, t, len, i + 1);
        } else if (strchr("\n;&|()", c)) {
            end_command(&b);
            b.line += c == '\n';
        } else {
            word_char(&b, c);
        }
    }
    end_command(&b);
    free(b.word);
    free_words(b.words, b.n);
    return b.failed ? -1 : 0;
}

int launch_cmd_split(struct launch_cmd *lc, const char *text, size_t len,
                     enum launch_origin from, unsigned first_line)
{
    return split_at(lc, text, len, from, first_line, 0, lc->n);
}

/* ---- the launch command ---------------------------------------------------------- */

int launch_store_path(const char *path, char *out, size_t size)
{
    static const char prefix[] = "/nix/store/";
    const char *p = path, *dash, *end;
    if (strncmp(p, prefix, sizeof prefix - 1) != 0)
        return 0;
    p += sizeof prefix - 1;
    /* HASH: 32 characters of Nix's base-32 alphabet, then "-NAME". */
    if (strspn(p, "0123456789abcdfghijklmnpqrsvwxyz") != 32 || p[32] != '-')
        return 0;
    dash = p + 32;
    end = strchr(dash, '/');
    if (!end)
        end = dash + strlen(dash);
    if (end == dash + 1)
        return 0;
    if (out && size)
        snprintf(out, size, "%.*s", (int)(end - dash - 1), dash + 1);
    return 1;
}

static int argv_command(struct launch_cmd *lc, const char *const *argv, size_t argc)
{
    struct launch_simple c;
    size_t n = argc < LAUNCH_MAX_WORDS ? argc : LAUNCH_MAX_WORDS;
    memset(&c, 0, sizeof c);
    c.from = LAUNCH_FROM_ARGV;
    lc->cut |= n < argc;
    lc->cut_words += argc - n;
    c.argv = calloc(n + 1, sizeof *c.argv);
    if (!c.argv)
        return -1;
    for (c.argc = 0; c.argc < n; c.argc++)
        if (!(c.argv[c.argc] = strdup(argv[c.argc] ? argv[c.argc] : ""))) {
            free_words(c.argv, c.argc);
            return -1;
        }
    find_program(&c);
    if (add_command(lc, &c, lc->n) != 1) {
        free_words(c.argv, c.argc);
        return -1;
    }
    return 0;
}

/* The command of cmds[FIRST..n) that decides what runs: the last `exec`,
 * else the last command; (size_t)-1 when the range is empty. */
static size_t deciding(const struct launch_cmd *lc, size_t first)
{
    for (size_t i = lc->n; i > first; i--)
        if (lc->cmds[i - 1].exec && lc->cmds[i - 1].prog < lc->cmds[i - 1].argc)
            return i - 1;
    for (size_t i = lc->n; i > first; i--)
        if (lc->cmds[i - 1].prog < lc->cmds[i - 1].argc)
            return i - 1;
    return (size_t)-1;
}

/* SHELL [options] -c STRING | SHELL [options] SCRIPT, from argv's
 * program at cmds[0]. Returns -1 on memory, else 0 with the target's
 * command index in *AT (or the script path in lc->target). */
static int shell_launch(struct launch_cmd *lc, size_t *at)
{
    const struct launch_simple *c = &lc->cmds[0];
    int dash_c = 0;
    size_t i = c->prog + 1;
    lc->shell = c->argv[c->prog];
    for (; i < c->argc; i++) {
        const char *w = c->argv[i];
        if (strcmp(w, "--") == 0) {
            i++;
            break;
        }
        if ((w[0] != '-' && w[0] != '+') || w[1] == '\0')
            break;
        if (w[1] == '-')
            continue; /* --login, --norc ... */
        if (strchr(w + 1, 'c'))
            dash_c = 1;
        if (strchr(w + 1, 'o'))
            i++; /* -o OPTION */
    }
    if (i >= c->argc) {
        lc->target = lc->shell; /* an interactive shell: it is what runs */
        return 0;
    }
    if (!dash_c) {
        lc->target = c->argv[i];
        return 0;
    }
    lc->shell_c = 1;
    lc->shell_text = c->argv[i];
    if (launch_cmd_split(lc, lc->shell_text, strlen(lc->shell_text), LAUNCH_FROM_SHELL,
                         1) < 0)
        return -1;
    for (size_t k = 1; k < lc->n; k++) {
        const struct launch_simple *s = &lc->cmds[k];
        if (s->prog + 1 < s->argc && strcmp(base_of(s->argv[s->prog]), "wait4path") == 0)
            lc->wait_path = s->argv[s->prog + 1];
    }
    *at = deciding(lc, 1);
    if (*at != (size_t)-1)
        lc->target = lc->cmds[*at].argv[lc->cmds[*at].prog];
    return 0;
}

/* Reads the target when it is a script and splits it: one level only. */
static int follow_script(sourceos_ctx *ctx, struct launch_cmd *lc, int via_shell)
{
    const char *data = NULL;
    size_t len = 0;
    int rc, err = sourceos_host_path_error(ctx, lc->target);
    lc->target_error = err;
    lc->target_exists = err == 0 ? 1 : err == -ENOENT || err == -ENOTDIR ? 0 : -1;
    if (lc->target_exists != 1)
        return 0;
    rc = sourceos_read_file(ctx, lc->target, LAUNCH_SCRIPT_MAX_BYTES, &data, &len);
    if (rc < 0) {
        lc->script = rc == -EISDIR ? LAUNCH_NO_SCRIPT : LAUNCH_SCRIPT_UNREADABLE;
        lc->script_error = rc;
        return 0;
    }
    /* `sh SCRIPT` needs no #! line; a program run directly does. */
    if (!(len >= 2 && data[0] == '#' && data[1] == '!') &&
        !(via_shell && !memchr(data, '\0', len))) {
        lc->script = LAUNCH_SCRIPT_BINARY;
        return 0;
    }
    if (rc == 1) {
        lc->script = LAUNCH_SCRIPT_TOO_LARGE;
        return 0;
    }
    lc->script = LAUNCH_SCRIPT_READ;
    lc->script_text = data;
    lc->script_len = len;
    lc->script_first = lc->n;
    return launch_cmd_split(lc, data, len, LAUNCH_FROM_SCRIPT, 1);
}

int launch_cmd_parse(sourceos_ctx *ctx, const char *const *argv, size_t argc,
                     struct launch_cmd *out)
{
    size_t at = 0, final;
    int via_shell = 0;
    memset(out, 0, sizeof *out);
    out->target_exists = -1;
    if (argc == 0)
        return 0;
    if (argv_command(out, argv, argc) < 0)
        goto oom;
    out->program = out->cmds[0].argv[0];
    if (out->cmds[0].prog >= out->cmds[0].argc)
        return 0;
    out->target = out->cmds[0].argv[out->cmds[0].prog];
    if (is_shell(out->target)) {
        if (shell_launch(out, &at) < 0)
            goto oom;
        via_shell = !out->shell_c && out->target != out->shell;
    }
    if (!out->target)
        return 0;
    out->target_store = launch_store_path(out->target, NULL, 0);
    if (ctx && out->target[0] == '/' && follow_script(ctx, out, via_shell) < 0)
        goto oom;
    final = out->script == LAUNCH_SCRIPT_READ ? deciding(out, out->script_first)
            : via_shell                       ? (size_t)-1
                                              : at;
    if (final != (size_t)-1) {
        out->final = &out->cmds[final];
        out->final_program = out->final->argv[out->final->prog];
    } else if (out->script != LAUNCH_SCRIPT_READ) {
        out->final_program = out->target;
    }
    out->final_store = out->final_program && launch_store_path(out->final_program, NULL, 0);
    return 0;
oom:
    launch_cmd_free(out);
    out->target_exists = -1;
    return -1;
}

int launch_cmd_cuts(const struct launch_cmd *lc, char *out, size_t size)
{
    size_t used = 0;
    char one[PATH_MAX + 128];
    out[0] = '\0';
    if (lc->cut_commands) {
        snprintf(one, sizeof one, "%zu simple commands dropped (the oldest: at most %d are kept)",
                 lc->cut_commands, LAUNCH_MAX_COMMANDS);
        append(out, size, &used, one);
    }
    if (lc->cut_words) {
        snprintf(one, sizeof one, "%s%zu words of commands longer than %d words",
                 used ? ", " : "", lc->cut_words, LAUNCH_MAX_WORDS);
        append(out, size, &used, one);
    }
    if (lc->cut_nested) {
        snprintf(one, sizeof one, "%s%zu command substitutions nested deeper than %d",
                 used ? ", " : "", lc->cut_nested, MAX_NESTING);
        append(out, size, &used, one);
    }
    if (lc->script == LAUNCH_SCRIPT_TOO_LARGE) {
        snprintf(one, sizeof one, "%sthe script %s, larger than %u KiB, not read",
                 used ? ", " : "", lc->target, LAUNCH_SCRIPT_MAX_BYTES / 1024u);
        append(out, size, &used, one);
    }
    return used > 0;
}

void launch_cmd_free(struct launch_cmd *lc)
{
    for (size_t i = 0; i < lc->n; i++)
        free_words(lc->cmds[i].argv, lc->cmds[i].argc);
    free(lc->cmds);
    memset(lc, 0, sizeof *lc);
}

/* ---- text for messages ----------------------------------------------------------- */

static void append(char *out, size_t size, size_t *used, const char *text)
{
    int w;
    if (*used >= size)
        return;
    w = snprintf(out + *used, size - *used, "%s", text);
    if (w > 0)
        *used += (size_t)w;
    if (*used >= size && size > 4)
        memcpy(out + size - 4, "...", 4);
}

/* A word as shown: a store path as its object's name. */
static const char *shown(const char *w, char *buf, size_t size)
{
    if (launch_store_path(w, buf, size))
        return buf;
    return w;
}

/* A command this short is shown whole. */
#define SUMMARY_WHOLE 40

void launch_cmd_summary(const struct launch_simple *c, char *out, size_t size)
{
    char name[256];
    size_t used = 0, i = c->prog, shown_to, whole = 0;
    out[0] = '\0';
    if (i >= c->argc)
        return;
    for (size_t k = i + 1; k < c->argc; k++)
        whole += 1 + strlen(shown(c->argv[k], name, sizeof name));
    append(out, size, &used, base_of(c->argv[i]));
    if (whole + used <= SUMMARY_WHOLE) {
        for (i++; i < c->argc; i++) {
            append(out, size, &used, " ");
            append(out, size, &used, shown(c->argv[i], name, sizeof name));
        }
        return;
    }
    for (i++; i < c->argc && i < c->prog + 4 && c->argv[i][0] != '-'; i++) {
        append(out, size, &used, " ");
        append(out, size, &used, shown(c->argv[i], name, sizeof name));
    }
    shown_to = i;
    if (shown_to >= c->argc)
        return;
    append(out, size, &used, " ...");
    if (c->argv[c->argc - 1][0] != '-') {
        append(out, size, &used, " ");
        append(out, size, &used, shown(c->argv[c->argc - 1], name, sizeof name));
    }
}

void launch_cmd_join(const struct launch_simple *c, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = c->prog; i < c->argc; i++) {
        if (i > c->prog)
            append(out, size, &used, " ");
        append(out, size, &used, c->argv[i]);
    }
}

void launch_cmd_account(const struct launch_cmd *lc, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < lc->n && used + 1 < size; i++) {
        char one[256];
        if (lc->cmds[i].from != LAUNCH_FROM_SHELL)
            continue;
        launch_cmd_summary(&lc->cmds[i], one, sizeof one);
        if (!one[0])
            continue;
        snprintf(out + used, size - used, "%s`%s%s`", used ? ", then " : "",
                 lc->cmds[i].exec ? "exec " : "", one);
        used += strlen(out + used);
    }
}

/* The run looks at a machine itself (this one, or a replay of one): host.live
 * and no --root. */
static int live_host(sourceos_ctx *ctx)
{
    const char *live = sourceos_fact_get(ctx, "host.live");
    return live && strcmp(live, "true") == 0 && plugin_own_files(ctx);
}

/* PATH's directory exists under the root: the tree holds that part of
 * the file system, so a program missing from it is missing. */
static int parent_exists(sourceos_ctx *ctx, const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash || (size_t)(slash - path) >= sizeof dir)
        return 0;
    snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    return sourceos_host_path_error(ctx, dir) == 0;
}

/* PATH is absent under the root. A store path counts only when the tree
 * has a /nix/store; another only on the live host or when its directory
 * is in the tree. */
static int absent(sourceos_ctx *ctx, const char *path, int store)
{
    int err = sourceos_host_path_error(ctx, path);
    if (err != -ENOENT && err != -ENOTDIR)
        return 0;
    if (store)
        return sourceos_host_path_error(ctx, "/nix/store") == 0;
    return live_host(ctx) || parent_exists(ctx, path);
}

size_t launch_cmd_missing(sourceos_ctx *ctx, const struct launch_cmd *lc,
                          const char *missing[2])
{
    const char *paths[2] = {NULL, NULL};
    size_t n = 0;
    if (!ctx)
        return 0;
    if (lc->program && lc->program[0] == '/' && launch_store_path(lc->program, NULL, 0) &&
        lc->program != lc->target)
        paths[0] = lc->program;
    if (lc->target && lc->target[0] == '/' && (lc->target_store || lc->shell))
        paths[1] = lc->target;
    for (size_t i = 0; i < 2; i++)
        if (paths[i] && absent(ctx, paths[i], launch_store_path(paths[i], NULL, 0)))
            missing[n++] = paths[i];
    return n;
}

/* ---- GNU-only options --------------------------------------------------------------- */

/* W is a short-option cluster (-xyz, not --long) holding LETTER. */
static int cluster_has(const char *w, char letter)
{
    return w[0] == '-' && w[1] != '-' && w[1] != '\0' && strchr(w + 1, letter) != NULL;
}

/* sed's -i: BSD sed takes the suffix as the next word ('' or .bak), GNU's
 * takes none (or glued: -i.bak, which BSD reads the same). */
static int sed_gnu_in_place(const struct launch_simple *c, size_t i)
{
    const char *w = c->argv[i];
    if (strcmp(w, "--in-place") == 0 || strncmp(w, "--in-place=", 11) == 0)
        return 1;
    if (strcmp(w, "-i") != 0)
        return 0;
    if (i + 1 >= c->argc)
        return 1;
    w = c->argv[i + 1];
    return !(w[0] == '\0' || (w[0] == '.' && !strchr(w, ' ')));
}

const char *launch_gnu_only(const struct launch_simple *c, const char **hint)
{
    const char *tool;
    if (c->prog >= c->argc)
        return NULL;
    tool = base_of(c->argv[c->prog]);
    for (size_t i = c->prog + 1; i < c->argc; i++) {
        const char *w = c->argv[i];
        if (strcmp(w, "--") == 0)
            break;
        if (strcmp(tool, "readlink") == 0 && (cluster_has(w, 'f') ||
                                               strcmp(w, "--canonicalize") == 0)) {
            *hint = "use `realpath` (macOS 13 and later) or `cd \"$(dirname \"$f\")\" && "
                    "pwd -P`";
            return "readlink -f";
        }
        if (strcmp(tool, "sed") == 0 && sed_gnu_in_place(c, i)) {
            *hint = "give the suffix as its own word, `sed -i '' ...` (BSD sed), or write "
                    "to a temporary file and move it";
            return "sed -i";
        }
        if (strcmp(tool, "date") == 0 && (cluster_has(w, 'd') || strcmp(w, "--date") == 0 ||
                                          strncmp(w, "--date=", 7) == 0)) {
            *hint = "use `date -j -f FORMAT TEXT` (BSD date) to read a date";
            return "date -d";
        }
        if (strcmp(tool, "grep") == 0 && (cluster_has(w, 'P') ||
                                          strcmp(w, "--perl-regexp") == 0)) {
            *hint = "use `grep -E` (extended regular expressions)";
            return "grep -P";
        }
        if (strcmp(tool, "stat") == 0 && (cluster_has(w, 'c') || strcmp(w, "--format") == 0 ||
                                          strncmp(w, "--format=", 9) == 0 ||
                                          strncmp(w, "--printf", 8) == 0)) {
            *hint = "use `stat -f FORMAT` (BSD stat)";
            return "stat -c";
        }
        /* Options end at the first operand for these tools' purposes,
         * except sed and grep, whose script or pattern may come first. */
        if (w[0] != '-' && strcmp(tool, "sed") != 0 && strcmp(tool, "grep") != 0 &&
            strcmp(tool, "date") != 0)
            break;
    }
    return NULL;
}

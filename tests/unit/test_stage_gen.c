/* The stage generators (core/gen_*.c): golden output for a model, and
 * hostile values in every field, which each generator must quote or
 * refuse with an error naming the field. Quoting is proven by reading the
 * output back: the wrapper is run against a stand-in podman that records
 * its argv, the plist is read by libplist, the unit by systemd-analyze. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <plist/plist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "command.h"
#include "gen.h"
#include "stage_model.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_stage_gen.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[512];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct sos_gen_target launchd_mac(void)
{
    struct sos_gen_target t = {SOS_BACKEND_LAUNCHD, SOS_GEN_OS_MACOS, STAGE_HOME, NULL,
                               STAGE_HOME "/.local/state/sourceos/agents/web",
                               STAGE_HOME "/.local/state/sourceos/agents/web/generations/1/wrapper"};
    return t;
}

static struct sos_gen_target systemd_linux(void)
{
    struct sos_gen_target t = launchd_mac();
    t.backend = SOS_BACKEND_SYSTEMD;
    t.os = SOS_GEN_OS_LINUX;
    return t;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = calloc(1, (size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void expect_golden(const char *got, const char *fixture)
{
    char path[512];
    char *want;
    const char *dir = getenv("SOS_TEST_FIXTURES");
    snprintf(path, sizeof path, "%s/stage/%s", dir ? dir : SOS_SRCDIR "/tests/fixtures", fixture);
    /* Regenerating the golden files after a deliberate change:
     * SOS_STAGE_GOLDEN_UPDATE=1 writes them instead (then review the diff). */
    if (getenv("SOS_STAGE_GOLDEN_UPDATE")) {
        write_file(path, got, 0644);
        return;
    }
    want = slurp(path);
    if (!want)
        fail_msg("cannot read %s", path);
    if (strcmp(got, want) != 0) {
        char out[600];
        snprintf(out, sizeof out, "%s/%s.got", tmpdir, fixture);
        write_file(out, got, 0644);
        fail_msg("%s differs from %s (written to %s)", fixture, path, out);
    }
    free(want);
}

/* Runs ARGV (in the test's directory) and returns its exit status; its
 * output goes to *OUT when non-NULL. */
static int run(const char *const argv[], char **out)
{
    char *envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};
    struct sos_cmd_output o = {0};
    int rc;
    assert_int_equal(sos_command_run(argv, envp, 60, 1 << 20, NULL, NULL, &o), 0);
    rc = o.not_started ? -127 : o.exit_status;
    if (out) {
        if (asprintf(out, "%s%s", o.out ? o.out : "", o.err ? o.err : "") < 0)
            *out = NULL;
    }
    sos_cmd_output_free(&o);
    return rc;
}

/* The wrapper parses (sh -n) and shellcheck accepts it. */
static void expect_clean_sh(const char *script)
{
    char path[512], *said = NULL;
    const char *shn[] = {"sh", "-n", path, NULL};
    const char *sc[] = {"shellcheck", "--shell=sh", path, NULL};
    int rc;
    snprintf(path, sizeof path, "%s/wrapper-check", tmpdir);
    write_file(path, script, 0700);
    assert_int_equal(run(shn, NULL), 0);
    rc = run(sc, &said);
    if (rc != 0)
        fail_msg("shellcheck (%d): %s", rc, said ? said : "");
    free(said);
}

/* ---- golden output ---- */

static void test_wrapper_golden_launchd(void **state)
{
    struct stage_fixture f;
    struct sos_gen_target t = launchd_mac();
    sos_error err = {{0}};
    char *w;
    (void)state;
    stage_model_init(&f);
    w = sos_gen_wrapper(&f.m, &t, &err);
    if (!w)
        fail_msg("%s", err.msg);
    expect_golden(w, "wrapper-launchd-macos");
    expect_clean_sh(w);
    free(w);
}

static void test_wrapper_golden_systemd(void **state)
{
    struct stage_fixture f;
    struct sos_gen_target t = systemd_linux();
    sos_error err = {{0}};
    char *w;
    (void)state;
    stage_model_init(&f);
    f.m.podman.connection = "podman-machine-default-root";
    w = sos_gen_wrapper(&f.m, &t, &err);
    if (!w)
        fail_msg("%s", err.msg);
    expect_golden(w, "wrapper-systemd-linux");
    expect_clean_sh(w);
    /* Linux: no machine check unless asked, the restart budget too (a
     * daemon-reload forgets systemd's start count), no launchd PATH. */
    assert_null(strstr(w, "machine inspect"));
    assert_non_null(strstr(w, "budget_file"));
    assert_null(strstr(w, "/opt/homebrew"));
    free(w);
}

static void test_plist_golden(void **state)
{
    struct stage_fixture f;
    struct sos_gen_target t = launchd_mac();
    sos_error err = {{0}};
    char *p;
    (void)state;
    stage_model_init(&f);
    p = sos_gen_plist(&f.m, &t, &err);
    if (!p)
        fail_msg("%s", err.msg);
    expect_golden(p, "org.sourceos.agent.web.plist");
    free(p);
}

static void test_unit_golden(void **state)
{
    struct stage_fixture f;
    struct sos_gen_target t = systemd_linux();
    sos_error err = {{0}};
    char *u;
    (void)state;
    stage_model_init(&f);
    u = sos_gen_unit(&f.m, &t, &err);
    if (!u)
        fail_msg("%s", err.msg);
    expect_golden(u, "sourceos-agent@web.service");
    free(u);
}

static void test_declaration_golden(void **state)
{
    struct stage_fixture f;
    sos_error err = {{0}};
    char *d;
    (void)state;
    stage_model_init(&f);
    d = sos_gen_declaration_json(&f.m, &err);
    if (!d)
        fail_msg("%s", err.msg);
    expect_golden(d, "declaration.json");
    free(d);
}

/* ---- what the lifecycle and scope change ---- */

static void test_manual_restart(void **state)
{
    struct stage_fixture f;
    struct sos_gen_target tl = launchd_mac(), ts = systemd_linux();
    sos_error err = {{0}};
    char *p, *u;
    (void)state;
    stage_model_init(&f);
    f.m.lifecycle.restart = SOS_RESTART_MANUAL;
    f.m.lifecycle.run_at_load = 0;
    p = sos_gen_plist(&f.m, &tl, &err);
    u = sos_gen_unit(&f.m, &ts, &err);
    assert_non_null(p);
    assert_non_null(u);
    assert_null(strstr(p, "KeepAlive"));
    assert_non_null(strstr(p, "<key>RunAtLoad</key>\n\t<false/>"));
    assert_non_null(strstr(u, "Restart=no\n"));
    assert_null(strstr(u, "StartLimitBurst"));
    free(p);
    free(u);
}

static void test_bounded_zero_refused(void **state)
{
    struct stage_fixture f;
    struct sos_gen_target t = systemd_linux();
    sos_error err = {{0}};
    (void)state;
    stage_model_init(&f);
    f.m.lifecycle.max_restarts_per_hour = 0;
    assert_null(sos_gen_unit(&f.m, &t, &err));
    assert_non_null(strstr(err.msg, "lifecycle.maxRestartsPerHour"));
    f.m.lifecycle.max_restarts_per_hour = 7;
    char *u = sos_gen_unit(&f.m, &t, &err);
    assert_non_null(strstr(u, "StartLimitBurst=7\n"));
    free(u);
}

static void test_system_scope(void **state)
{
    struct stage_fixture f;
    struct sos_gen_target tl = launchd_mac(), ts = systemd_linux();
    sos_error err = {{0}};
    char *p, *u, *path;
    (void)state;
    stage_model_init(&f);
    f.m.scope = SOS_SCOPE_SYSTEM;
    assert_null(sos_gen_plist(&f.m, &tl, &err));
    assert_non_null(strstr(err.msg, "account"));
    tl.user = ts.user = "_sourceos";
    p = sos_gen_plist(&f.m, &tl, &err);
    u = sos_gen_unit(&f.m, &ts, &err);
    assert_non_null(strstr(p, "<key>UserName</key>\n\t<string>_sourceos</string>"));
    assert_non_null(strstr(u, "\nUser=_sourceos\n"));
    /* Rootful podman's paths, /run whole: what it makes there at its first
     * run after boot would stay read-only as a missing '-' path
     * (tests/cli/lifecycle-nspawn.sh runs it under real systemd). */
    assert_non_null(strstr(u, "\nReadWritePaths=-/var/lib/containers /run -/etc/containers/networks -/var/tmp\n"));
    assert_non_null(strstr(u, "WantedBy=multi-user.target"));
    /* The place is the model's (the loader computes it from scope, label
     * and name, or takes an adopted service's): the generators only pick
     * the backend's. */
    f.m.service.plist = "/Library/LaunchDaemons/org.sourceos.agent.web.plist";
    f.m.service.unit = "/srv/adopted/web.service";
    path = sos_gen_install_path(&f.m, &tl, &err);
    assert_string_equal(path, "/Library/LaunchDaemons/org.sourceos.agent.web.plist");
    free(path);
    path = sos_gen_install_path(&f.m, &ts, &err);
    assert_string_equal(path, "/srv/adopted/web.service");
    free(path);
    f.m.service.unit = "web.service"; /* a unit name of the deprecated key: no place */
    assert_null(sos_gen_install_path(&f.m, &ts, &err));
    assert_non_null(strstr(err.msg, "unit"));
    f.m.service.plist = STAGE_HOME "/Library/LaunchAgents/org.sourceos.agent.web.plist";
    f.m.service.unit = STAGE_HOME "/.config/systemd/user/sourceos-agent@web.service";
    tl.user = "root;x";
    assert_null(sos_gen_plist(&f.m, &tl, &err));
    assert_non_null(strstr(err.msg, "user"));
    free(p);
    free(u);
    f.m.scope = SOS_SCOPE_USER;
    path = sos_gen_install_path(&f.m, &tl, &err);
    assert_string_equal(path, STAGE_HOME "/Library/LaunchAgents/org.sourceos.agent.web.plist");
    free(path);
    path = sos_gen_install_path(&f.m, &ts, &err);
    assert_string_equal(path, STAGE_HOME "/.config/systemd/user/sourceos-agent@web.service");
    free(path);
}

/* ---- hostile values ---- */

enum field { F_NAME, F_LABEL, F_CONTAINER, F_IMAGE, F_CONNECTION, F_AUTHFILE, F_LOG_APP,
             F_LOG_STDOUT, F_ENV, F_MOUNT_HOST, F_MOUNT_CONTAINER, F_ARG, F_HOME };

static void set_field(struct stage_fixture *f, struct sos_gen_target *t, enum field which,
                      char *v)
{
    switch (which) {
    case F_NAME: f->m.name = v; break;
    case F_LABEL: f->m.label = v; break;
    case F_CONTAINER: f->m.container_name = v; break;
    case F_IMAGE: f->m.image = v; break;
    case F_CONNECTION: f->m.podman.connection = v; break;
    case F_AUTHFILE: f->m.auth.authfile = v; break;
    case F_LOG_APP: f->m.logs.app = v; break;
    case F_LOG_STDOUT: f->m.logs.stdout_path = v; break;
    case F_ENV: f->env[0] = v; break;
    case F_MOUNT_HOST: f->mounts[0].host = v; break;
    case F_MOUNT_CONTAINER: f->mounts[0].container = v; break;
    case F_ARG: f->args[0] = v; break;
    case F_HOME: t->home = v; break;
    }
}

struct refusal {
    enum field which;
    char *value;
    const char *named; /* what the error must name */
};

/* Each generator refuses these, with an error naming the field. */
static const struct refusal REFUSED[] = {
    {F_NAME, "web;rm -rf ~", "name"},
    {F_NAME, "..", "name"},
    {F_NAME, "web\n", "name"},
    {F_LABEL, "org.x/../../evil", "label"},
    {F_LABEL, "org.x'$(id)", "label"},
    {F_LABEL, "org.x\nKeepAlive", "label"},
    {F_LABEL, "..", "label"},
    {F_CONTAINER, "--privileged", "containerName"},
    {F_CONTAINER, "../x", "containerName"},
    {F_CONTAINER, "a`id`", "containerName"},
    {F_IMAGE, "localhost/web:1\nexec evil", "image"},
    {F_IMAGE, "--privileged", "image"},
    {F_IMAGE, "", "image"},
    {F_CONNECTION, "c;touch x", "podman.connection"},
    {F_CONNECTION, "--url=tcp://evil", "podman.connection"},
    {F_AUTHFILE, "~/../../etc/shadow", "auth.authfile"},
    {F_AUTHFILE, "relative/auth.json", "auth.authfile"},
    {F_AUTHFILE, "/a\rb", "auth.authfile"},
    {F_LOG_APP, "/logs/../../etc/passwd", "logs.app"},
    {F_LOG_APP, "/logs/web\n.log", "logs.app"},
};

/* Only where the field is used: the plist's logs, the wrapper's env,
 * mounts and args. */
static const struct refusal REFUSED_WRAPPER[] = {
    {F_ENV, "K=a\nb", "env[0]"},
    {F_ENV, "1K=x", "env[0]"},
    {F_ENV, "--privileged", "env[0]"},
    {F_ENV, "K$(id)=x", "env[0]"},
    {F_MOUNT_HOST, "/srv/../etc", "mounts[0].host"},
    {F_MOUNT_HOST, "/srv/a:/etc", "mounts[0]"},
    {F_MOUNT_HOST, "srv", "mounts[0].host"},
    {F_MOUNT_CONTAINER, "/data,relabel", "mounts[0]"},
    {F_MOUNT_CONTAINER, "/data/..", "mounts[0].container"},
    {F_ARG, "a\nb", "args[0]"},
    {F_ARG, "a\x1b[2Jb", "args[0]"},
    {F_HOME, "/home/a\nb", "home"},
};

static void expect_refused(char *got, const sos_error *err, const struct refusal *r,
                           const char *what)
{
    if (got)
        fail_msg("%s accepted %s '%s':\n%s", what, r->named, r->value, got);
    if (!strstr(err->msg, r->named))
        fail_msg("%s: refusal of '%s' does not name %s: %s", what, r->value, r->named,
                 err->msg);
}

static void test_hostile_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof REFUSED / sizeof *REFUSED; i++) {
        const struct refusal *r = &REFUSED[i];
        struct stage_fixture f;
        struct sos_gen_target tl = launchd_mac(), ts = systemd_linux();
        sos_error err = {{0}};
        stage_model_init(&f);
        set_field(&f, &tl, r->which, r->value);
        set_field(&f, &ts, r->which, r->value);
        expect_refused(sos_gen_wrapper(&f.m, &tl, &err), &err, r, "wrapper");
        if (r->which != F_LOG_APP && r->which != F_AUTHFILE) /* not in a plist */
            expect_refused(sos_gen_plist(&f.m, &tl, &err), &err, r, "plist");
        if (r->which != F_AUTHFILE && r->which != F_LABEL)   /* not in a unit */
            expect_refused(sos_gen_unit(&f.m, &ts, &err), &err, r, "unit");
    }
    for (size_t i = 0; i < sizeof REFUSED_WRAPPER / sizeof *REFUSED_WRAPPER; i++) {
        const struct refusal *r = &REFUSED_WRAPPER[i];
        struct stage_fixture f;
        struct sos_gen_target t = launchd_mac();
        sos_error err = {{0}};
        stage_model_init(&f);
        set_field(&f, &t, r->which, r->value);
        if (r->which == F_HOME)
            f.mounts[0].host = "~/data";
        expect_refused(sos_gen_wrapper(&f.m, &t, &err), &err, r, "wrapper");
    }
}

static void test_hostile_plist_paths(void **state)
{
    struct stage_fixture f;
    struct sos_gen_target t = launchd_mac();
    sos_error err = {{0}};
    char *p, *got = NULL;
    plist_t root = NULL;
    (void)state;
    stage_model_init(&f);
    f.m.logs.stdout_path = "/logs/</string><key>KeepAlive</key><true/>&'\"$(id).log";
    p = sos_gen_plist(&f.m, &t, &err);
    if (!p)
        fail_msg("%s", err.msg);
    /* libplist reads back exactly the text, as a string, and no extra key. */
    plist_from_memory(p, (uint32_t)strlen(p), &root);
    assert_non_null(root);
    plist_get_string_val(plist_dict_get_item(root, "StandardOutPath"), &got);
    assert_string_equal(got, f.m.logs.stdout_path);
    assert_int_equal(plist_get_node_type(plist_dict_get_item(root, "KeepAlive")), PLIST_DICT);
    assert_int_equal(plist_dict_get_size(root), 9);
    free(got);
    plist_free(root);
    free(p);
    f.m.logs.stderr_path = "/logs/x\n";
    assert_null(sos_gen_plist(&f.m, &t, &err));
    assert_non_null(strstr(err.msg, "logs.stderr"));
}

/* The quoted values reach podman as exactly the words the model has: the
 * wrapper runs against a stand-in podman that records its argv. */
static void test_hostile_values_reach_podman_as_words(void **state)
{
    char bin[300], podman[320], argv_file[320], state_dir[300], auth[300], log[300],
        wrapper[300], script[1024], *got;
    char *mount_host;
    const char *sh[] = {"sh", wrapper, NULL};
    struct stage_fixture f;
    struct sos_gen_target t = systemd_linux();
    sos_error err = {{0}};
    char *w, *want;
    (void)state;
    snprintf(bin, sizeof bin, "%s/bin", tmpdir);
    snprintf(podman, sizeof podman, "%s/podman", bin);
    snprintf(argv_file, sizeof argv_file, "%s/argv", tmpdir);
    snprintf(state_dir, sizeof state_dir, "%s/st'a te$(id)", tmpdir);
    snprintf(auth, sizeof auth, "%s/auth `x`.json", tmpdir);
    snprintf(log, sizeof log, "%s/web \"q\".log", tmpdir);
    snprintf(wrapper, sizeof wrapper, "%s/wrapper", tmpdir);
    mkdir(bin, 0700);
    mkdir(state_dir, 0700);
    /* The stand-in answers every check and prints the run's words. */
    snprintf(script, sizeof script,
             "#!/bin/sh\ncase \"$*\" in *' run '*) printf '%%s\\n' \"$@\" > '%s';; esac\nexit 0\n",
             argv_file);
    write_file(podman, script, 0700);
    write_file(auth, SOS_EMPTY_AUTH "\n", 0600);
    stage_model_init(&f);
    t.state_dir = state_dir;
    f.m.auth.authfile = auth;
    f.m.logs.app = log;
    f.m.image = "localhost/web:1$(id)`id`'q'${HOME}";
    f.m.container_name = "sourceos-web";
    f.m.podman.connection = "ssh-machine@host";
    f.env[0] = "MSG=it's $(touch PWNED) `id` \"q\" ${HOME} \\ .. ;";
    mount_host = "/srv/it's $HOME/`x`";
    f.mounts[0].host = mount_host;
    f.mounts[0].mode = SOS_MOUNT_RW;
    f.args[0] = "$(touch PWNED); echo '..' \"\" `id` \\";
    f.m.args.n = 1;
    w = sos_gen_wrapper(&f.m, &t, &err);
    if (!w)
        fail_msg("%s", err.msg);
    expect_clean_sh(w);
    write_file(wrapper, w, 0700);
    {
        char *envp_path;
        char *envp[4];
        struct sos_cmd_output o = {0};
        assert_true(asprintf(&envp_path, "PATH=%s:/usr/bin:/bin", bin) > 0);
        envp[0] = envp_path;
        envp[1] = "LC_ALL=C";
        envp[2] = NULL;
        assert_int_equal(sos_command_run(sh, envp, 60, 1 << 16, NULL, NULL, &o), 0);
        if (o.exit_status != 0)
            fail_msg("wrapper exited %d: %s", o.exit_status, o.err ? o.err : "");
        sos_cmd_output_free(&o);
        free(envp_path);
    }
    got = slurp(argv_file);
    assert_non_null(got);
    assert_true(asprintf(&want,
                         "--connection\nssh-machine@host\nrun\n--rm\n--replace\n--name\n"
                         "sourceos-web\n--label\nsourceos.agent=web\n--pull=never\n--authfile\n"
                         "%s\n-v\n%s:/data:rw\n-e\n%s\n"
                         "%s\n%s\n",
                         auth, mount_host, f.env[0], f.m.image, f.args[0]) > 0);
    assert_string_equal(got, want);
    assert_int_equal(access("PWNED", F_OK), -1);
    free(want);
    free(got);
    free(w);
}

/* The unit's words survive systemd's own reading: specifiers and variables
 * in a path are literal (`systemd-analyze verify` finds the wrapper by the
 * path as written). */
static void test_unit_specifiers_are_literal(void **state)
{
    struct stage_fixture f;
    struct sos_gen_target t = systemd_linux();
    sos_error err = {{0}};
    char *u;
    (void)state;
    stage_model_init(&f);
    t.wrapper_path = "/st %h $HOME/wrapper";
    u = sos_gen_unit(&f.m, &t, &err);
    assert_non_null(u);
    assert_non_null(strstr(u, "ExecStart=\"/st %%h $$HOME/wrapper\"\n"));
    free(u);
    t.wrapper_path = "/st\"x/wrapper";
    assert_null(sos_gen_unit(&f.m, &t, &err));
    assert_non_null(strstr(err.msg, "wrapper path"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrapper_golden_launchd),
        cmocka_unit_test(test_wrapper_golden_systemd),
        cmocka_unit_test(test_plist_golden),
        cmocka_unit_test(test_unit_golden),
        cmocka_unit_test(test_declaration_golden),
        cmocka_unit_test(test_manual_restart),
        cmocka_unit_test(test_bounded_zero_refused),
        cmocka_unit_test(test_system_scope),
        cmocka_unit_test(test_hostile_refused),
        cmocka_unit_test(test_hostile_plist_paths),
        cmocka_unit_test(test_hostile_values_reach_podman_as_words),
        cmocka_unit_test(test_unit_specifiers_are_literal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

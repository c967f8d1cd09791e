/* launchd's activate as a lifecycle transaction (core/lifecycle.c):
 * install-plist, enable, bootstrap, kickstart, under --root of a temporary
 * macOS tree with tests/launchctl-model.py (its --shim) as launchctl. All
 * steps done; a failing step (no GUI login, the label loaded from another
 * plist, a disabled label) undoing the ones before it; the process killed
 * right after each step and the next run rolling it back. After each, the
 * invariant: never a loaded job whose plist is missing, no journal left. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal.h"
#include "lifecycle.h"

#define LABEL "org.sourceos.agent.web"
#define AGENTS "/Users/u/Library/LaunchAgents"
#define PLIST AGENTS "/" LABEL ".plist"
#define SOURCE "/state/generations/1/" LABEL ".plist"
#define BACKUP "/state/generations/1/replaced.plist"
#define MODEL SOS_TEST_SRCDIR "/tests/launchctl-model.py"
#define PLIST_TEXT                                                                           \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n"        \
    "<key>Label</key><string>" LABEL "</string>\n"                                           \
    "<key>ProgramArguments</key><array><string>/bin/sh</string><string>-c</string>"          \
    "<string>exit 0</string></array>\n<key>RunAtLoad</key><true/>\n</dict>\n</plist>\n"

static char root[64], state_dir[128], bin[128], uid[16], service[128];

static const struct sos_lc_step activate[] = {
    {"install-plist", "launchd", "install-plist"},
    {"enable", "launchd", "enable"},
    {"bootstrap", "launchd", "bootstrap"},
    {"kickstart", "launchd", "kickstart"},
};
#define N_STEPS (sizeof activate / sizeof activate[0])

/* activate without the enable: a disabled label makes bootstrap fail */
static const struct sos_lc_step load[] = {
    {"install-plist", "launchd", "install-plist"},
    {"bootstrap", "launchd", "bootstrap"},
    {"kickstart", "launchd", "kickstart"},
};

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *under(const char *path)
{
    static char buf[4][640];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s%s", root, path);
    return buf[k];
}

static void shim(const char *env)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "env %s python3 '%s' --shim '%s' > /dev/null", env, MODEL, bin);
    assert_int_equal(system(cmd), 0);
}

/* launchctl ARGS as the test sees launchd: its exit status, stdout in OUT. */
static int model(const char *args, char *out, size_t size)
{
    char cmd[1024];
    size_t n;
    FILE *p;
    int status;
    snprintf(cmd, sizeof cmd, "'%s/launchctl' %s 2>&1", bin, args);
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int setup(void **state)
{
    char cmd[512], path[256], *p;
    (void)state;
    snprintf(root, sizeof root, "/tmp/sos-ldlc.XXXXXX");
    assert_non_null(mkdtemp(root));
    snprintf(cmd, sizeof cmd, "mkdir -p %s/Users/u/Library %s/state/generations/1", root, root);
    assert_int_equal(system(cmd), 0);
    snprintf(state_dir, sizeof state_dir, "%s/state", root);
    snprintf(bin, sizeof bin, "%s/bin", root);
    snprintf(uid, sizeof uid, "%u", getuid() == 0 ? 501u : (unsigned)getuid());
    snprintf(service, sizeof service, "gui/%s/" LABEL, uid);
    put(under(SOURCE), PLIST_TEXT);
    snprintf(path, sizeof path, "%s/model.json", root);
    setenv("LAUNCHCTL_MODEL_STATE", path, 1);
    setenv("LAUNCHCTL_MODEL_ROOT", root, 1);
    unsetenv("LAUNCHCTL_MODEL_LOG");
    shim("");
    assert_true(asprintf(&p, "%s:/usr/bin:/bin", bin) > 0);
    setenv("PATH", p, 1);
    free(p);
    setenv("HOME", "/Users/u", 1);
    unsetenv("SOURCEOS_TEST_KILL_AFTER");
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static struct sos_param params[6];
static char *plist_v[] = {PLIST}, *source_v[] = {SOURCE}, *backup_v[] = {BACKUP},
            *label_v[] = {LABEL}, *user_v[] = {"true"}, *uid_v[] = {uid};

static struct sos_lifecycle lifecycle(void)
{
    struct sos_lifecycle lc = {0};
    params[0] = (struct sos_param){.key = "plist", .values = plist_v, .n_values = 1};
    params[1] = (struct sos_param){.key = "source", .values = source_v, .n_values = 1};
    params[2] = (struct sos_param){.key = "backup", .values = backup_v, .n_values = 1};
    params[3] = (struct sos_param){.key = "label", .values = label_v, .n_values = 1};
    params[4] = (struct sos_param){.key = "user", .values = user_v, .n_values = 1};
    params[5] = (struct sos_param){.key = "uid", .values = uid_v, .n_values = 1};
    lc.state_dir = state_dir;
    lc.plugin_dir = SOS_PLUGIN_BUILD_DIR;
    lc.root = root;
    lc.generation = 1;
    lc.params = params;
    lc.n_params = 6;
    lc.step_timeout = 30;
    return lc;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(under(path), &st) == 0;
}

/* The path launchd has our label loaded from, into FROM; 0 not loaded. */
static int loaded(char *from, size_t size)
{
    char out[8192], args[256], *p;
    snprintf(args, sizeof args, "print %s", service);
    if (model(args, out, sizeof out) != 0)
        return 0;
    p = strstr(out, "\tpath = ");
    assert_non_null(p);
    snprintf(from, size, "%.*s", (int)strcspn(p + 8, "\n"), p + 8);
    return 1;
}

static int disabled(void)
{
    char out[8192], args[256];
    snprintf(args, sizeof args, "print-disabled gui/%s", uid);
    assert_int_equal(model(args, out, sizeof out), 0);
    return strstr(out, "\"" LABEL "\" => disabled") != NULL;
}

/* Never a loaded job whose plist is missing; no journal left. */
static void assert_invariant(void)
{
    char from[512];
    if (loaded(from, sizeof from))
        assert_true(exists(from));
    assert_false(exists("/state/journal"));
}

static void assert_nothing_left(void)
{
    char from[512];
    assert_false(loaded(from, sizeof from));
    assert_false(exists(PLIST));
    assert_invariant();
}

static void test_all_steps_done(void **state)
{
    struct sos_lifecycle lc = lifecycle();
    struct sos_lc_report rep;
    char from[512], out[8192];
    sos_error err;
    (void)state;
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), 0);
    assert_int_equal(rep.run.n_entries, 4);
    assert_string_equal(rep.run.entries[2].decl->id, "activate.bootstrap");
    for (size_t i = 0; i < rep.run.n_entries; i++)
        assert_int_equal(rep.run.entries[i].result.status, SOS_ST_OK);
    assert_true(loaded(from, sizeof from));
    assert_string_equal(from, PLIST);
    assert_false(disabled());
    {
        char args[256];
        snprintf(args, sizeof args, "print %s", service);
        model(args, out, sizeof out);
        assert_non_null(strstr(out, "\tstate = running\n"));
        assert_non_null(strstr(out, "\truns = 2\n")); /* RunAtLoad, then kickstart -k */
    }
    assert_invariant();
    sos_lc_report_free(&rep);

    /* activating again: the plist in place, bootstrap finds it loaded */
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), 0);
    assert_int_equal(rep.run.entries[0].result.n_changes, 1); /* the plist kept for the undo */
    assert_int_equal(rep.run.entries[0].result.changes[0].done, 1);
    assert_string_equal(rep.run.entries[2].result.findings[0].code,
                        "launchd.action-already-loaded");
    sos_lc_report_free(&rep);
}

/* No GUI login: the model has no gui/UID domain, so enable already fails
 * (112) and the plist is taken back. */
static void test_no_gui_rolls_back(void **state)
{
    struct sos_lifecycle lc = lifecycle();
    struct sos_lc_report rep;
    sos_error err;
    (void)state;
    shim("LAUNCHCTL_MODEL_NO_GUI=1");
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), 1);
    assert_string_equal(rep.failed_step, "enable");
    assert_int_equal(rep.rolled_back, 1);
    assert_non_null(strstr(rep.run.entries[1].result.findings[0].message, "has no session"));
    assert_string_equal(rep.run.entries[2].decl->id, "activate.install-plist.undo");
    assert_int_equal(rep.run.n_entries, 3);
    sos_lc_report_free(&rep);
    shim("");
    assert_nothing_left();
}

/* The label loaded from an older plist: bootstrap fails, enable and
 * install-plist are undone (newest first); the other job is left alone. */
static void test_failing_bootstrap_rolls_back(void **state)
{
    struct sos_lifecycle lc = lifecycle();
    struct sos_lc_report rep;
    char out[8192], args[512], from[512];
    sos_error err;
    (void)state;
    snprintf(args, sizeof args, "mkdir -p '%s" AGENTS "'", root);
    assert_int_equal(system(args), 0);
    put(under(AGENTS "/old.plist"), PLIST_TEXT);
    chmod(under(AGENTS "/old.plist"), 0644);
    snprintf(args, sizeof args, "bootstrap gui/%s " AGENTS "/old.plist", uid);
    assert_int_equal(model(args, out, sizeof out), 0);
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), 1);
    assert_string_equal(rep.failed_step, "bootstrap");
    assert_int_equal(rep.rolled_back, 1);
    assert_non_null(strstr(rep.run.entries[2].result.findings[0].message,
                           "is loaded already, from " AGENTS "/old.plist"));
    assert_int_equal(rep.run.n_entries, 5);
    assert_string_equal(rep.run.entries[3].decl->id, "activate.enable.undo");
    assert_string_equal(rep.run.entries[4].decl->id, "activate.install-plist.undo");
    assert_false(exists(PLIST));
    assert_true(disabled()); /* enable's undo */
    assert_true(loaded(from, sizeof from));
    assert_string_equal(from, AGENTS "/old.plist");
    assert_invariant();
    sos_lc_report_free(&rep);
}

/* A disabled label and no enable step: bootstrap is refused (119 as
 * root, 5 otherwise) and install-plist is undone. */
static void test_disabled_label_rolls_back(void **state)
{
    struct sos_lifecycle lc = lifecycle();
    struct sos_lc_report rep;
    char out[8192], args[256];
    sos_error err;
    (void)state;
    snprintf(args, sizeof args, "disable %s", service);
    assert_int_equal(model(args, out, sizeof out), 0);
    for (int as_root = 1; as_root >= 0; as_root--) {
        shim(as_root ? "LAUNCHCTL_MODEL_AS_ROOT=1" : "");
        assert_int_equal(sos_lifecycle_run(&lc, "load", load, 3, &rep, &err), 1);
        assert_string_equal(rep.failed_step, "bootstrap");
        assert_non_null(strstr(rep.run.entries[1].result.findings[0].message,
                               as_root ? "(error 119: " : "(error 5: "));
        assert_string_equal(rep.run.entries[2].decl->id, "load.install-plist.undo");
        sos_lc_report_free(&rep);
        assert_nothing_left();
    }
}

static void test_killed_after_each_step(void **state)
{
    (void)state;
    for (size_t k = 0; k < N_STEPS; k++) {
        struct sos_lifecycle lc = lifecycle();
        struct sos_lc_report rep;
        struct sos_journal j;
        sos_error err;
        char from[512];
        int status;
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            setenv("SOURCEOS_TEST_KILL_AFTER", activate[k].name, 1);
            sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err);
            _exit(0); /* not reached: killed */
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        assert_int_equal(sos_journal_read(state_dir, &j, &err), 0);
        assert_string_equal(sos_journal_in_flight(&j)->step, activate[k].name);
        sos_journal_free(&j);
        /* what the killed run left: the step's change is made */
        assert_true(exists(PLIST));
        assert_int_equal(loaded(from, sizeof from), k >= 2);
        /* the next run rolls it back first */
        assert_int_equal(sos_lifecycle_recover(&lc, activate, N_STEPS, &rep, &err), 0);
        assert_string_equal(rep.recovered, "activate");
        assert_int_equal(rep.run.n_entries, k + 1);
        for (size_t i = 0; i < rep.run.n_entries; i++)
            assert_int_equal(rep.run.entries[i].result.status, SOS_ST_OK);
        assert_nothing_left();
        if (k >= 1)
            assert_true(disabled()); /* enable undone */
        sos_lc_report_free(&rep);
        /* and activating afterwards works */
        assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), 0);
        assert_true(loaded(from, sizeof from));
        assert_string_equal(from, PLIST);
        assert_invariant();
        sos_lc_report_free(&rep);
        {
            char cmd[512];
            snprintf(cmd, sizeof cmd, "rm -f '%s" PLIST "' '%s/model.json'", root, root);
            assert_int_equal(system(cmd), 0);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_all_steps_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_gui_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_bootstrap_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled_label_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_after_each_step, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* launchd's activate as a lifecycle transaction (core/lifecycle.c, the
 * steps of core/lifecycle_plan.c): prior, install-plist, enable,
 * bootstrap, kickstart, under --root of a temporary macOS tree with
 * tests/launchctl-model.py (its --shim) as launchctl. All steps done; a
 * failing step (no GUI login, the label loaded from another plist, a
 * disabled label) undoing the ones before it; the process killed right
 * after each step and the next run rolling it back. Over a job that was
 * loaded and running, a rollback (a failing kickstart or enable, a kill
 * after each step, a failing uninstall) leaves it loaded from the previous
 * plist and running, and a new generation that succeeds is the definition
 * launchd runs. After each, the invariant: never a loaded job whose plist
 * is missing, no journal left. */
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
#include "lifecycle_plan.h"

#define LABEL "org.sourceos.agent.web"
#define AGENTS "/Users/u/Library/LaunchAgents"
#define PLIST AGENTS "/" LABEL ".plist"
#define SOURCE "/state/generations/1/" LABEL ".plist"
#define BACKUP "/state/generations/1/replaced.plist"
#define SOURCE2 "/state/generations/2/" LABEL ".plist"
#define BACKUP2 "/state/generations/2/replaced.plist"
#define MODEL SOS_TEST_SRCDIR "/tests/launchctl-model.py"
#define PLIST_TEXT                                                                           \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n"        \
    "<key>Label</key><string>" LABEL "</string>\n"                                           \
    "<key>ProgramArguments</key><array><string>/bin/sh</string><string>-c</string>"          \
    "<string>exit 0</string></array>\n<key>RunAtLoad</key><true/>\n</dict>\n</plist>\n"
/* generation 2: another definition (what it runs says which) */
#define PLIST_TEXT2                                                                          \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n"        \
    "<key>Label</key><string>" LABEL "</string>\n"                                           \
    "<key>ProgramArguments</key><array><string>/bin/sh</string><string>-c</string>"          \
    "<string>echo gen2</string></array>\n<key>RunAtLoad</key><true/>\n</dict>\n</plist>\n"

static char root[64], state_dir[128], bin[128], uid[16], service[128];

static const struct sos_lc_step *activate;
static size_t n_activate;
#define N_STEPS n_activate

/* activate without the enable: a disabled label makes bootstrap fail */
static const struct sos_lc_step load[] = {
    {"prior", "launchd", "prior"},
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
    snprintf(cmd, sizeof cmd, "mkdir -p %s/Users/u/Library %s/state/generations/1 %s/state/generations/2",
             root, root, root);
    assert_int_equal(system(cmd), 0);
    snprintf(state_dir, sizeof state_dir, "%s/state", root);
    snprintf(bin, sizeof bin, "%s/bin", root);
    snprintf(uid, sizeof uid, "%u", getuid() == 0 ? 501u : (unsigned)getuid());
    snprintf(service, sizeof service, "gui/%s/" LABEL, uid);
    put(under(SOURCE), PLIST_TEXT);
    put(under(SOURCE2), PLIST_TEXT2);
    activate = sos_lc_plan(SOS_BACKEND_LAUNCHD, "activate", &n_activate);
    assert_non_null(activate);
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

/* The transaction for generation GEN (1 or 2), the previous one before. */
static struct sos_lifecycle lifecycle_of(unsigned gen)
{
    struct sos_lifecycle lc = {0};
    source_v[0] = gen == 2 ? SOURCE2 : SOURCE;
    backup_v[0] = gen == 2 ? BACKUP2 : BACKUP;
    params[0] = (struct sos_param){.key = "plist", .values = plist_v, .n_values = 1};
    params[1] = (struct sos_param){.key = "source", .values = source_v, .n_values = 1};
    params[2] = (struct sos_param){.key = "backup", .values = backup_v, .n_values = 1};
    params[3] = (struct sos_param){.key = "label", .values = label_v, .n_values = 1};
    params[4] = (struct sos_param){.key = "user", .values = user_v, .n_values = 1};
    params[5] = (struct sos_param){.key = "uid", .values = uid_v, .n_values = 1};
    lc.state_dir = state_dir;
    lc.plugin_dir = SOS_PLUGIN_BUILD_DIR;
    lc.root = root;
    lc.generation = gen;
    lc.previous = gen - 1;
    lc.params = params;
    lc.n_params = 6;
    lc.step_timeout = 30;
    return lc;
}

static struct sos_lifecycle lifecycle(void)
{
    return lifecycle_of(1);
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
    assert_int_equal(rep.run.n_entries, 5);
    assert_string_equal(rep.run.entries[0].decl->id, "activate.prior");
    assert_string_equal(rep.run.entries[3].decl->id, "activate.bootstrap");
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
    assert_int_equal(rep.run.entries[1].result.n_changes, 1); /* the plist kept for the undo */
    assert_int_equal(rep.run.entries[1].result.changes[0].done, 1);
    assert_string_equal(rep.run.entries[3].result.findings[0].code,
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
    assert_non_null(strstr(rep.run.entries[2].result.findings[0].message, "has no session"));
    assert_string_equal(rep.run.entries[3].decl->id, "activate.install-plist.undo");
    assert_string_equal(rep.run.entries[4].decl->id, "activate.prior.undo");
    assert_int_equal(rep.run.n_entries, 5);
    sos_lc_report_free(&rep);
    shim("");
    assert_nothing_left();
}

/* The label loaded from an older plist: bootstrap fails, enable and
 * install-plist are undone (newest first); the other job is left alone, and
 * the label is not disabled (it was not before: enable's undo leaves it). */
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
    assert_non_null(strstr(rep.run.entries[3].result.findings[0].message,
                           "is loaded already, from " AGENTS "/old.plist"));
    assert_int_equal(rep.run.n_entries, 7);
    assert_string_equal(rep.run.entries[4].decl->id, "activate.enable.undo");
    assert_string_equal(rep.run.entries[5].decl->id, "activate.install-plist.undo");
    assert_string_equal(rep.run.entries[6].decl->id, "activate.prior.undo");
    assert_false(exists(PLIST));
    assert_false(disabled());
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
        assert_int_equal(sos_lifecycle_run(&lc, "load", load, 4, &rep, &err), 1);
        assert_string_equal(rep.failed_step, "bootstrap");
        assert_non_null(strstr(rep.run.entries[2].result.findings[0].message,
                               as_root ? "(error 119: " : "(error 5: "));
        assert_string_equal(rep.run.entries[3].decl->id, "load.install-plist.undo");
        sos_lc_report_free(&rep);
        assert_nothing_left();
        assert_true(disabled()); /* as it was */
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
        assert_int_equal(exists(PLIST), k >= 1);
        assert_int_equal(loaded(from, sizeof from), k >= 3);
        /* the next run rolls it back first */
        assert_int_equal(sos_lifecycle_recover(&lc, activate, N_STEPS, &rep, &err), 0);
        assert_string_equal(rep.recovered, "activate");
        assert_int_equal(rep.run.n_entries, k + 1);
        for (size_t i = 0; i < rep.run.n_entries; i++)
            assert_int_equal(rep.run.entries[i].result.status, SOS_ST_OK);
        assert_nothing_left();
        assert_false(disabled()); /* not disabled before: enable's undo leaves it */
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

/* What launchd runs for our label: loaded from PLIST, running, and its
 * arguments' last word (the definition it read at load). */
static const char *job_runs(void)
{
    static char what[256];
    char out[8192], args[256], *p;
    snprintf(args, sizeof args, "print %s", service);
    if (model(args, out, sizeof out) != 0)
        return "(not loaded)";
    if (!strstr(out, "\tpath = " PLIST "\n"))
        return "(loaded from another plist)";
    if (!strstr(out, "\tstate = running\n"))
        return "(not running)";
    p = strstr(out, "\t\t-c\n\t\t");
    assert_non_null(p);
    p += strlen("\t\t-c\n\t\t");
    snprintf(what, sizeof what, "%.*s", (int)strcspn(p, "\n"), p);
    return what;
}

static const char *job_pid(void)
{
    static char pid[32];
    char out[8192], args[256], *p;
    snprintf(args, sizeof args, "print %s", service);
    if (model(args, out, sizeof out) != 0 || !(p = strstr(out, "\tpid = ")))
        return "";
    snprintf(pid, sizeof pid, "%.*s", (int)strcspn(p + 7, "\n"), p + 7);
    return pid;
}

/* Generation 1 activated: its plist, loaded, running. */
static void gen1_running(void)
{
    struct sos_lifecycle lc = lifecycle_of(1);
    struct sos_lc_report rep;
    sos_error err;
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), 0);
    sos_lc_report_free(&rep);
    assert_string_equal(job_runs(), "exit 0");
}

static void assert_gen1_back(void)
{
    char text[4096];
    FILE *f = fopen(under(PLIST), "r");
    size_t n;
    assert_non_null(f);
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    assert_string_equal(text, PLIST_TEXT);
    assert_string_equal(job_runs(), "exit 0");
    assert_false(disabled());
    assert_false(exists(BACKUP2));
    assert_invariant();
}

/* (a) generation 2 over a running generation 1, its kickstart failing:
 * rolled back, generation 1's plist back, loaded and running (not booted
 * out), the previous generation current. */
static void test_failed_kickstart_over_running_gen(void **state)
{
    struct sos_lifecycle lc;
    struct sos_lc_report rep;
    sos_error err;
    char link[64];
    ssize_t n;
    (void)state;
    gen1_running();
    shim("LAUNCHCTL_MODEL_FAIL=kickstart:gen2");
    lc = lifecycle_of(2);
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), 1);
    assert_string_equal(rep.failed_step, "kickstart");
    assert_int_equal(rep.rolled_back, 1);
    assert_string_equal(rep.run.entries[rep.run.n_entries - 1].decl->id, "activate.prior.undo");
    assert_int_equal(rep.run.entries[rep.run.n_entries - 1].result.status, SOS_ST_OK);
    sos_lc_report_free(&rep);
    shim("");
    assert_gen1_back();
    n = readlink(under("/state/current"), link, sizeof link - 1);
    assert_true(n > 0);
    link[n] = '\0';
    assert_string_equal(link, "generations/1");
}

/* (b) the same with enable failing: generation 1 was never unloaded (the
 * same process runs). */
static void test_failed_enable_over_running_gen(void **state)
{
    struct sos_lifecycle lc;
    struct sos_lc_report rep;
    sos_error err;
    char pid[32];
    (void)state;
    gen1_running();
    snprintf(pid, sizeof pid, "%s", job_pid());
    assert_true(pid[0] != '\0');
    shim("LAUNCHCTL_MODEL_FAIL=enable");
    lc = lifecycle_of(2);
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), 1);
    assert_string_equal(rep.failed_step, "enable");
    sos_lc_report_free(&rep);
    shim("");
    assert_gen1_back();
    assert_string_equal(job_pid(), pid);
}

/* (c) killed after each step of generation 2's activate over a running
 * generation 1, then rolled back: generation 1 loaded and running again. */
static void test_killed_over_running_gen(void **state)
{
    size_t n_all;
    const struct sos_lc_step *all = sos_lc_all_steps(SOS_BACKEND_LAUNCHD, &n_all);
    (void)state;
    gen1_running();
    for (size_t k = 0; k < N_STEPS; k++) {
        struct sos_lifecycle lc = lifecycle_of(2);
        struct sos_lc_report rep;
        sos_error err;
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
        if (k >= 3) /* bootstrap loaded generation 2 */
            assert_string_equal(job_runs(), "echo gen2");
        assert_int_equal(sos_lifecycle_recover(&lc, all, n_all, &rep, &err), 0);
        assert_string_equal(rep.recovered, "activate");
        for (size_t i = 0; i < rep.run.n_entries; i++)
            assert_int_equal(rep.run.entries[i].result.status, SOS_ST_OK);
        sos_lc_report_free(&rep);
        assert_gen1_back();
    }
}

/* (d) uninstall failing (its bootout refused) over a running job: loaded
 * and running again, its plist in place; over one that was installed but
 * not loaded, it is not loaded (bootout's inverse would bootstrap it).
 * (uninstall is prior, bootout, remove-plist: no launchctl verb after the
 * bootout to refuse.) */
static void test_failed_uninstall_over_running_gen(void **state)
{
    struct sos_lifecycle lc = lifecycle_of(1);
    struct sos_lc_report rep;
    size_t n;
    const struct sos_lc_step *uninstall = sos_lc_plan(SOS_BACKEND_LAUNCHD, "uninstall", &n);
    sos_error err;
    (void)state;
    gen1_running();
    shim("LAUNCHCTL_MODEL_FAIL=bootout");
    assert_int_equal(sos_lifecycle_run(&lc, "uninstall", uninstall, n, &rep, &err), 1);
    assert_string_equal(rep.failed_step, "bootout");
    assert_int_equal(rep.rolled_back, 1);
    sos_lc_report_free(&rep);
    shim("");
    assert_gen1_back();

    {
        char out[8192], args[256];
        snprintf(args, sizeof args, "bootout %s", service);
        assert_int_equal(model(args, out, sizeof out), 0); /* installed, not loaded */
    }
    shim("LAUNCHCTL_MODEL_FAIL=bootout");
    assert_int_equal(sos_lifecycle_run(&lc, "uninstall", uninstall, n, &rep, &err), 1);
    sos_lc_report_free(&rep);
    shim("");
    assert_true(exists(PLIST));
    assert_string_equal(job_runs(), "(not loaded)");
    assert_invariant();
}

/* (e) generation 2 over a running generation 1, succeeding: launchd runs
 * generation 2's definition (the job was booted out and bootstrapped
 * again; kickstart -k alone restarts the definition loaded before). */
static void test_new_gen_is_what_runs(void **state)
{
    struct sos_lifecycle lc;
    struct sos_lc_report rep;
    sos_error err;
    (void)state;
    gen1_running();
    lc = lifecycle_of(2);
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), 0);
    sos_lc_report_free(&rep);
    assert_string_equal(job_runs(), "echo gen2");
    assert_false(disabled());
    assert_invariant();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_all_steps_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_gui_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_bootstrap_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disabled_label_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_after_each_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_kickstart_over_running_gen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_enable_over_running_gen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_over_running_gen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_uninstall_over_running_gen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_gen_is_what_runs, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Transactions of the lifecycle (core/lifecycle.c) with systemd's actions
 * under --root and a systemctl stand-in that keeps what is enabled and
 * started: all steps done, or a failing step undoing the ones before it, or
 * a process killed right after each step (the fault seam) and the next run
 * rolling it back. After each, the invariant: never an enabled or started
 * unit whose file is missing, never a journal left behind. */
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

#define UNIT "/home/u/.config/systemd/user/sourceos-agent@web.service"
#define SOURCE "/state/generations/1/sourceos-agent@web.service"
#define BACKUP "/state/generations/1/replaced.service"

static char root[64], state_dir[128];

static const struct sos_lc_step activate[] = {
    {"install-unit", "systemd", "install-unit"},
    {"daemon-reload", "systemd", "daemon-reload"},
    {"enable", "systemd", "enable"},
    {"start", "systemd", "start"},
};
#define N_STEPS (sizeof activate / sizeof activate[0])

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *under(const char *path)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s%s", root, path);
    return buf[k];
}

/* The stand-in keeps `enabled` and `active` marker files; a `fail-VERB`
 * file makes VERB fail. */
static const char standin[] =
    "#!/bin/sh\n"
    "d=${0%/bin/*}; [ \"$1\" = --user ] && shift\n"
    "echo \"$*\" >> \"$d/calls\"\n"
    "[ -f \"$d/fail-$1\" ] && { echo \"Failed to $1 unit\" >&2; exit 1; }\n"
    "case $1 in\n"
    "enable) : > \"$d/enabled\" ;; disable) rm -f \"$d/enabled\" ;;\n"
    "start) : > \"$d/active\" ;; stop) rm -f \"$d/active\" ;;\n"
    "esac\n";

static int setup(void **state)
{
    char cmd[512], *path;
    (void)state;
    snprintf(root, sizeof root, "/tmp/sos-lc.XXXXXX");
    assert_non_null(mkdtemp(root));
    snprintf(cmd, sizeof cmd, "mkdir -p %s/home/u %s/state/generations/1 %s/bin", root, root,
             root);
    assert_int_equal(system(cmd), 0);
    snprintf(state_dir, sizeof state_dir, "%s/state", root);
    put(under(SOURCE), "[Service]\nExecStart=/bin/true\n");
    put(under("/bin/systemctl"), standin);
    chmod(under("/bin/systemctl"), 0755);
    assert_true(asprintf(&path, "%s/bin:/usr/bin:/bin", root) > 0);
    setenv("PATH", path, 1);
    free(path);
    setenv("HOME", "/home/u", 1);
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

static struct sos_param params[4];
static char *unit_v[] = {UNIT}, *source_v[] = {SOURCE}, *backup_v[] = {BACKUP}, *user_v[] = {"true"};

static struct sos_lifecycle lifecycle(int dry_run)
{
    struct sos_lifecycle lc = {0};
    params[0] = (struct sos_param){.key = "unit", .values = unit_v, .n_values = 1};
    params[1] = (struct sos_param){.key = "source", .values = source_v, .n_values = 1};
    params[2] = (struct sos_param){.key = "backup", .values = backup_v, .n_values = 1};
    params[3] = (struct sos_param){.key = "user", .values = user_v, .n_values = 1};
    lc.state_dir = state_dir;
    lc.plugin_dir = SOS_PLUGIN_BUILD_DIR;
    lc.root = root;
    lc.generation = 1;
    lc.params = params;
    lc.n_params = 4;
    lc.dry_run = dry_run;
    lc.step_timeout = 20;
    return lc;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(under(path), &st) == 0;
}

/* Never enabled or started without its unit file; no journal left. */
static void assert_invariant(void)
{
    if (!exists(UNIT)) {
        assert_false(exists("/enabled"));
        assert_false(exists("/active"));
    }
    assert_false(exists("/state/journal"));
}

static void test_all_steps_done(void **state)
{
    struct sos_lifecycle lc = lifecycle(0);
    struct sos_lc_report rep;
    sos_error err;
    (void)state;
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), 0);
    assert_int_equal(rep.run.n_entries, 4);
    assert_string_equal(rep.run.entries[2].decl->id, "activate.enable");
    assert_true(exists(UNIT) && exists("/enabled") && exists("/active"));
    assert_invariant();
    sos_lc_report_free(&rep);
}

static void test_failing_step_rolls_back(void **state)
{
    struct sos_lifecycle lc = lifecycle(0);
    struct sos_lc_report rep;
    sos_error err;
    (void)state;
    put(under("/fail-start"), "");
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), 1);
    assert_string_equal(rep.failed_step, "start");
    assert_int_equal(rep.rolled_back, 1);
    /* start failed; enable, daemon-reload, install-unit undone, newest first */
    assert_string_equal(rep.run.entries[4].decl->id, "activate.enable.undo");
    assert_string_equal(rep.run.entries[5].decl->id, "activate.daemon-reload.undo");
    assert_string_equal(rep.run.entries[6].decl->id, "activate.install-unit.undo");
    assert_false(exists(UNIT));
    assert_false(exists("/enabled"));
    assert_invariant();
    sos_lc_report_free(&rep);
}

static void test_killed_after_each_step(void **state)
{
    (void)state;
    for (size_t k = 0; k < N_STEPS; k++) {
        struct sos_lifecycle lc = lifecycle(0);
        struct sos_lc_report rep;
        struct sos_journal j;
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
        /* the journal has the step in flight */
        assert_int_equal(sos_journal_read(state_dir, &j, &err), 0);
        assert_string_equal(sos_journal_in_flight(&j)->step, activate[k].name);
        sos_journal_free(&j);
        /* the next run rolls it back first */
        assert_int_equal(sos_lifecycle_recover(&lc, activate, N_STEPS, &rep, &err), 0);
        assert_string_equal(rep.recovered, "activate");
        assert_int_equal(rep.run.n_entries, k + 1); /* every step done or in flight, undone */
        assert_false(exists(UNIT));
        assert_false(exists("/enabled"));
        assert_false(exists("/active"));
        assert_invariant();
        sos_lc_report_free(&rep);
        /* and activating afterwards works */
        assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), 0);
        assert_true(exists(UNIT) && exists("/enabled") && exists("/active"));
        sos_lc_report_free(&rep);
        assert_int_equal(system("true"), 0);
        {
            char cmd[512];
            snprintf(cmd, sizeof cmd, "rm -f '%s%s' '%s/enabled' '%s/active'", root, UNIT, root,
                     root);
            assert_int_equal(system(cmd), 0);
        }
    }
}

static void test_dry_run_changes_nothing(void **state)
{
    struct sos_lifecycle lc = lifecycle(1);
    struct sos_lc_report rep;
    sos_error err;
    (void)state;
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), 0);
    assert_int_equal(rep.run.n_entries, 4);
    for (size_t i = 0; i < rep.run.n_entries; i++)
        for (size_t c = 0; c < rep.run.entries[i].result.n_changes; c++)
            assert_int_equal(rep.run.entries[i].result.changes[c].done, 0);
    assert_false(exists(UNIT));
    assert_false(exists("/calls"));
    assert_false(exists("/state/journal"));
    sos_lc_report_free(&rep);
}

static void test_one_at_a_time(void **state)
{
    struct sos_lifecycle lc = lifecycle(0);
    struct sos_lc_report rep;
    sos_error err;
    int lock;
    (void)state;
    assert_int_equal(sos_journal_lock(state_dir, &lock, &err), 0);
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, N_STEPS, &rep, &err), -1);
    assert_non_null(strstr(err.msg, "another sourceos-agent is changing this agent"));
    sos_journal_unlock(lock);
    sos_lc_report_free(&rep);
    assert_false(exists(UNIT));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_all_steps_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_step_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_after_each_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_at_a_time, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

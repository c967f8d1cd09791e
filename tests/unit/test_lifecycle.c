/* Transactions of the lifecycle (core/lifecycle.c) with systemd's actions
 * and the steps of core/lifecycle_plan.c, under --root with a systemctl
 * stand-in that keeps what is enabled, what definition the manager loaded
 * (daemon-reload) and what runs (the definition it was started with, and
 * an invocation number per start): all steps done, or a failing step
 * undoing the ones before it, or a process killed right after each step
 * (the fault seam) and the next run rolling it back. Over an agent that
 * was enabled and running, a rollback leaves it enabled and running the
 * previous generation (the prior record), and a new generation that
 * succeeds is the one that runs (start restarts it). After each, the
 * invariant: never an enabled or started unit whose file is missing,
 * never a journal left behind. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
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

#define UNIT "/home/u/.config/systemd/user/sourceos-agent@web.service"
#define SOURCE "/state/generations/1/sourceos-agent@web.service"
#define BACKUP "/state/generations/1/replaced.service"
#define SOURCE2 "/state/generations/2/sourceos-agent@web.service"
#define BACKUP2 "/state/generations/2/replaced.service"
#define GEN1 "[Service]\nExecStart=/state/generations/1/wrapper\n"
#define GEN2 "[Service]\nExecStart=/state/generations/2/wrapper\n"

static char root[64], state_dir[128];
static const struct sos_lc_step *activate;
static size_t n_activate;

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

static char *slurp(const char *path)
{
    static char buf[2][4096];
    static int k;
    FILE *f = fopen(path, "r");
    size_t n;
    k = (k + 1) % 2;
    if (!f)
        return NULL;
    n = fread(buf[k], 1, sizeof buf[k] - 1, f);
    fclose(f);
    buf[k][n] = '\0';
    return buf[k];
}

/* The stand-in keeps `enabled`, `loaded` (the unit file as the last
 * daemon-reload read it), `active` (the loaded definition it was started
 * with) and `invocation` (a number per start) marker files. A `fail-VERB`
 * file makes VERB fail: every time when empty, else only while the loaded
 * definition holds its text (a failed restart leaves the unit stopped).
 * `show` answers with UnitFileState, ActiveState and InvocationID. */
static const char standin[] =
    "#!/bin/sh\n"
    "d=${0%/bin/*}; [ \"$1\" = --user ] && shift\n"
    "u=\"$d" UNIT "\"\n"
    "echo \"$*\" >> \"$d/calls\"\n"
    "if [ -f \"$d/fail-$1\" ]; then\n"
    "  if [ ! -s \"$d/fail-$1\" ] || grep -qF -f \"$d/fail-$1\" \"$d/loaded\" 2>/dev/null; then\n"
    "    [ \"$1\" = restart ] && rm -f \"$d/active\"\n"
    "    echo \"Failed to $1 unit\" >&2; exit 1\n"
    "  fi\n"
    "fi\n"
    "next() { echo $(( $(cat \"$d/invocation\" 2>/dev/null || echo 0) + 1 )) > \"$d/invocation\"; }\n"
    "case $1 in\n"
    "show)\n"
    "  if [ -f \"$d/enabled\" ]; then echo UnitFileState=enabled\n"
    "  elif [ -f \"$u\" ]; then echo UnitFileState=disabled; else echo UnitFileState=; fi\n"
    "  if [ -f \"$d/active\" ]; then echo ActiveState=active; echo \"InvocationID=i$(cat \"$d/invocation\")\"\n"
    "  else echo ActiveState=inactive; echo InvocationID=; fi ;;\n"
    "daemon-reload) if [ -f \"$u\" ]; then cp \"$u\" \"$d/loaded\"; else rm -f \"$d/loaded\"; fi ;;\n"
    "enable) [ -f \"$u\" ] || { echo 'Unit file does not exist.' >&2; exit 1; }; : > \"$d/enabled\" ;;\n"
    "disable) rm -f \"$d/enabled\" ;;\n"
    "start) [ -f \"$d/active\" ] || { [ -f \"$d/loaded\" ] || exit 5; cp \"$d/loaded\" \"$d/active\"; next; } ;;\n"
    "restart) [ -f \"$d/loaded\" ] || exit 5; cp \"$d/loaded\" \"$d/active\"; next ;;\n"
    "stop) rm -f \"$d/active\" ;;\n"
    "esac\n";

static int setup(void **state)
{
    char cmd[512], *path;
    (void)state;
    snprintf(root, sizeof root, "/tmp/sos-lc.XXXXXX");
    assert_non_null(mkdtemp(root));
    snprintf(cmd, sizeof cmd, "mkdir -p %s/home/u %s/state/generations/1 %s/state/generations/2 %s/bin",
             root, root, root, root);
    assert_int_equal(system(cmd), 0);
    snprintf(state_dir, sizeof state_dir, "%s/state", root);
    put(under(SOURCE), GEN1);
    put(under(SOURCE2), GEN2);
    put(under("/bin/systemctl"), standin);
    chmod(under("/bin/systemctl"), 0755);
    assert_true(asprintf(&path, "%s/bin:/usr/bin:/bin", root) > 0);
    setenv("PATH", path, 1);
    free(path);
    setenv("HOME", "/home/u", 1);
    unsetenv("SOURCEOS_TEST_KILL_AFTER");
    activate = sos_lc_plan(SOS_BACKEND_SYSTEMD, "activate", &n_activate);
    assert_non_null(activate);
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

/* The transaction for generation GEN (1 or 2), the previous one in
 * service before it. */
static struct sos_lifecycle lifecycle_of(unsigned gen, int dry_run)
{
    struct sos_lifecycle lc = {0};
    source_v[0] = gen == 2 ? SOURCE2 : SOURCE;
    backup_v[0] = gen == 2 ? BACKUP2 : BACKUP;
    params[0] = (struct sos_param){.key = "unit", .values = unit_v, .n_values = 1};
    params[1] = (struct sos_param){.key = "source", .values = source_v, .n_values = 1};
    params[2] = (struct sos_param){.key = "backup", .values = backup_v, .n_values = 1};
    params[3] = (struct sos_param){.key = "user", .values = user_v, .n_values = 1};
    lc.state_dir = state_dir;
    lc.plugin_dir = SOS_PLUGIN_BUILD_DIR;
    lc.root = root;
    lc.generation = gen;
    lc.previous = gen - 1;
    lc.params = params;
    lc.n_params = 4;
    lc.dry_run = dry_run;
    lc.step_timeout = 20;
    return lc;
}

static struct sos_lifecycle lifecycle(int dry_run)
{
    return lifecycle_of(1, dry_run);
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

/* What runs: the definition its start loaded, and which start it was. */
static const char *running(void)
{
    return exists("/active") ? slurp(under("/active")) : "(nothing)";
}

static int invocation(void)
{
    const char *n = slurp(under("/invocation"));
    return n ? atoi(n) : 0;
}

/* Generation 1 activated: installed, enabled, running. */
static void gen1_running(void)
{
    struct sos_lifecycle lc = lifecycle_of(1, 0);
    struct sos_lc_report rep;
    sos_error err;
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, n_activate, &rep, &err), 0);
    sos_lc_report_free(&rep);
    assert_string_equal(slurp(under(UNIT)), GEN1);
    assert_true(exists("/enabled"));
    assert_string_equal(running(), GEN1);
}

/* Generation 1 back as it was: its file, loaded by the manager (a restart
 * it does on its own runs generation 1), enabled, running; no journal. */
static void assert_gen1_back(void)
{
    assert_string_equal(slurp(under(UNIT)), GEN1);
    assert_string_equal(slurp(under("/loaded")), GEN1);
    assert_true(exists("/enabled"));
    assert_string_equal(running(), GEN1);
    assert_false(exists(BACKUP2));
    assert_invariant();
}

static void test_all_steps_done(void **state)
{
    struct sos_lifecycle lc = lifecycle(0);
    struct sos_lc_report rep;
    sos_error err;
    (void)state;
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, n_activate, &rep, &err), 0);
    assert_int_equal(rep.run.n_entries, 5);
    assert_string_equal(rep.run.entries[0].decl->id, "activate.prior");
    assert_string_equal(rep.run.entries[3].decl->id, "activate.enable");
    /* the record: nothing before */
    assert_int_equal(rep.run.entries[0].result.n_changes, 0);
    assert_int_equal(rep.run.entries[0].result.n_facts, 4);
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
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, n_activate, &rep, &err), 1);
    assert_string_equal(rep.failed_step, "start");
    assert_int_equal(rep.rolled_back, 1);
    /* start failed; enable, daemon-reload, install-unit, prior undone, newest first */
    assert_int_equal(rep.run.n_entries, 9);
    assert_string_equal(rep.run.entries[5].decl->id, "activate.enable.undo");
    assert_string_equal(rep.run.entries[6].decl->id, "activate.daemon-reload.undo");
    assert_string_equal(rep.run.entries[7].decl->id, "activate.install-unit.undo");
    assert_string_equal(rep.run.entries[8].decl->id, "activate.prior.undo");
    assert_false(exists(UNIT));
    assert_false(exists("/enabled"));
    assert_invariant();
    sos_lc_report_free(&rep);
}

static void test_killed_after_each_step(void **state)
{
    (void)state;
    for (size_t k = 0; k < n_activate; k++) {
        struct sos_lifecycle lc = lifecycle(0);
        struct sos_lc_report rep;
        struct sos_journal j;
        size_t n_all;
        const struct sos_lc_step *all = sos_lc_all_steps(SOS_BACKEND_SYSTEMD, &n_all);
        sos_error err;
        int status;
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            setenv("SOURCEOS_TEST_KILL_AFTER", activate[k].name, 1);
            sos_lifecycle_run(&lc, "activate", activate, n_activate, &rep, &err);
            _exit(0); /* not reached: killed */
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        /* the journal has the step in flight */
        assert_int_equal(sos_journal_read(state_dir, &j, &err), 0);
        assert_string_equal(sos_journal_in_flight(&j)->step, activate[k].name);
        sos_journal_free(&j);
        /* the next run rolls it back first */
        assert_int_equal(sos_lifecycle_recover(&lc, all, n_all, &rep, &err), 0);
        assert_string_equal(rep.recovered, "activate");
        assert_int_equal(rep.run.n_entries, k + 1); /* every step done or in flight, undone */
        assert_false(exists(UNIT));
        assert_false(exists("/enabled"));
        assert_false(exists("/active"));
        assert_invariant();
        sos_lc_report_free(&rep);
        /* and activating afterwards works */
        assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, n_activate, &rep, &err), 0);
        assert_true(exists(UNIT) && exists("/enabled") && exists("/active"));
        sos_lc_report_free(&rep);
        {
            char cmd[512];
            snprintf(cmd, sizeof cmd, "rm -f '%s%s' '%s/enabled' '%s/active'", root, UNIT, root,
                     root);
            assert_int_equal(system(cmd), 0);
        }
    }
}

/* (a) generation 2 over a running generation 1, its start failing: rolled
 * back, and generation 1 is back enabled and running (not disabled and
 * stopped by the inverse of enable and start), `current` at generation 1. */
static void test_failed_start_over_running_gen(void **state)
{
    struct sos_lifecycle lc;
    struct sos_lc_report rep;
    char link[64];
    ssize_t n;
    sos_error err;
    (void)state;
    gen1_running();
    put(under("/fail-restart"), "generations/2");
    put(under("/fail-start"), "generations/2");
    lc = lifecycle_of(2, 0);
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, n_activate, &rep, &err), 1);
    assert_string_equal(rep.failed_step, "start");
    assert_int_equal(rep.rolled_back, 1);
    assert_string_equal(rep.run.entries[rep.run.n_entries - 1].decl->id, "activate.prior.undo");
    sos_lc_report_free(&rep);
    assert_gen1_back();
    /* the previous generation is current again */
    n = readlink(under("/state/current"), link, sizeof link - 1);
    assert_true(n > 0);
    link[n] = '\0';
    assert_string_equal(link, "generations/1");
}

/* (b) the same with enable failing: generation 1 never stopped (the same
 * invocation runs), still enabled. */
static void test_failed_enable_over_running_gen(void **state)
{
    struct sos_lifecycle lc;
    struct sos_lc_report rep;
    sos_error err;
    int before;
    (void)state;
    gen1_running();
    before = invocation();
    put(under("/fail-enable"), "");
    lc = lifecycle_of(2, 0);
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, n_activate, &rep, &err), 1);
    assert_string_equal(rep.failed_step, "enable");
    sos_lc_report_free(&rep);
    assert_gen1_back();
    assert_int_equal(invocation(), before);
}

/* (c) killed after each step of generation 2's activate over a running
 * generation 1, then rolled back (as repair does): generation 1 enabled
 * and running again, after every step. */
static void test_killed_over_running_gen(void **state)
{
    size_t n_all;
    const struct sos_lc_step *all = sos_lc_all_steps(SOS_BACKEND_SYSTEMD, &n_all);
    (void)state;
    gen1_running();
    for (size_t k = 0; k < n_activate; k++) {
        struct sos_lifecycle lc = lifecycle_of(2, 0);
        struct sos_lc_report rep;
        sos_error err;
        int status;
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            setenv("SOURCEOS_TEST_KILL_AFTER", activate[k].name, 1);
            sos_lifecycle_run(&lc, "activate", activate, n_activate, &rep, &err);
            _exit(0); /* not reached: killed */
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        if (strcmp(activate[k].name, "start") == 0)
            assert_string_equal(running(), GEN2); /* the kill left generation 2 running */
        assert_int_equal(sos_lifecycle_recover(&lc, all, n_all, &rep, &err), 0);
        assert_string_equal(rep.recovered, "activate");
        for (size_t i = 0; i < rep.run.n_entries; i++)
            assert_int_equal(rep.run.entries[i].result.status, SOS_ST_OK);
        sos_lc_report_free(&rep);
        assert_gen1_back();
    }
}

/* (d) uninstall failing midway (disable refused, after the stop) over a
 * running agent: it runs again, enabled, its file in place; over an agent
 * that was stopped, it is not started (stop's inverse would start it). */
static void test_failed_uninstall_over_running_gen(void **state)
{
    struct sos_lifecycle lc = lifecycle_of(1, 0);
    struct sos_lc_report rep;
    size_t n;
    const struct sos_lc_step *uninstall = sos_lc_plan(SOS_BACKEND_SYSTEMD, "uninstall", &n);
    sos_error err;
    (void)state;
    gen1_running();
    put(under("/fail-disable"), "");
    assert_int_equal(sos_lifecycle_run(&lc, "uninstall", uninstall, n, &rep, &err), 1);
    assert_string_equal(rep.failed_step, "disable");
    assert_int_equal(rep.rolled_back, 1);
    sos_lc_report_free(&rep);
    assert_string_equal(slurp(under(UNIT)), GEN1);
    assert_true(exists("/enabled"));
    assert_string_equal(running(), GEN1);
    assert_invariant();

    assert_int_equal(unlink(under("/active")), 0); /* stopped, still enabled */
    assert_int_equal(sos_lifecycle_run(&lc, "uninstall", uninstall, n, &rep, &err), 1);
    sos_lc_report_free(&rep);
    assert_string_equal(slurp(under(UNIT)), GEN1);
    assert_true(exists("/enabled"));
    assert_false(exists("/active"));
    assert_invariant();
}

/* (e) generation 2 over a running generation 1, succeeding: generation 2
 * runs (restarted: `start` of a running unit would leave generation 1 in
 * service); activating it again restarts nothing. */
static void test_new_gen_is_what_runs(void **state)
{
    struct sos_lifecycle lc;
    struct sos_lc_report rep;
    sos_error err;
    int before;
    (void)state;
    gen1_running();
    before = invocation();
    lc = lifecycle_of(2, 0);
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, n_activate, &rep, &err), 0);
    sos_lc_report_free(&rep);
    assert_string_equal(slurp(under(UNIT)), GEN2);
    assert_true(exists("/enabled"));
    assert_string_equal(running(), GEN2);
    assert_int_equal(invocation(), before + 1);
    assert_non_null(strstr(slurp(under("/calls")), "restart sourceos-agent@web.service\n"));
    assert_invariant();
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, n_activate, &rep, &err), 0);
    sos_lc_report_free(&rep);
    assert_string_equal(running(), GEN2);
    assert_int_equal(invocation(), before + 1);
}

static void test_dry_run_changes_nothing(void **state)
{
    struct sos_lifecycle lc = lifecycle(1);
    struct sos_lc_report rep;
    sos_error err;
    (void)state;
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, n_activate, &rep, &err), 0);
    assert_int_equal(rep.run.n_entries, 5);
    for (size_t i = 0; i < rep.run.n_entries; i++)
        for (size_t c = 0; c < rep.run.entries[i].result.n_changes; c++)
            assert_int_equal(rep.run.entries[i].result.changes[c].done, 0);
    assert_false(exists(UNIT));
    /* asked, not changed: prior's one `show` */
    assert_string_equal(slurp(under("/calls")),
                        "show -p UnitFileState -p ActiveState -p InvocationID "
                        "sourceos-agent@web.service\n");
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
    assert_int_equal(sos_lifecycle_run(&lc, "activate", activate, n_activate, &rep, &err), -1);
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
        cmocka_unit_test_setup_teardown(test_failed_start_over_running_gen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_enable_over_running_gen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_over_running_gen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_uninstall_over_running_gen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_gen_is_what_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_at_a_time, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

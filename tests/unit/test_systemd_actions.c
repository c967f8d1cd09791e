/* systemd's actions through the runner, under --root with a stand-in
 * systemctl that records its argv: the unit file installed (missing unit
 * directories made, one it replaces kept and put back by the undo), the
 * manager's verbs with their undos, and what --dry-run leaves alone; prior
 * publishing the unit's state, and the undos going by that record (or,
 * without one, the inverse of their step). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph.h"
#include "loader.h"
#include "runner.h"

#define UNIT "/home/u/.config/systemd/user/sourceos-agent@web.service"
#define SOURCE "/state/generations/1/sourceos-agent@web.service"
#define BACKUP "/state/generations/1/replaced.service"

struct fixture {
    char root[64], bin[96], log[128];
    struct sos_plugin_set plugins;
    const struct sourceos_plugin *sd;
};

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *path)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    size_t n;
    if (!f)
        return NULL;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    const struct sos_loaded_plugin *lp;
    char cmd[512], path[256], *old_path, *new_path;
    sos_error err;
    assert_non_null(f);
    snprintf(f->root, sizeof f->root, "/tmp/sos-sdact.XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(cmd, sizeof cmd, "mkdir -p %s/home/u %s/state/generations/1 %s/bin", f->root, f->root,
             f->root);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s" SOURCE, f->root);
    put(path, "[Service]\nExecStart=/bin/true\n");
    snprintf(f->bin, sizeof f->bin, "%s/bin", f->root);
    snprintf(f->log, sizeof f->log, "%s/calls", f->root);
    snprintf(path, sizeof path, "%s/systemctl", f->bin);
    put(path, "#!/bin/sh\necho \"$*\" >> \"${0%/bin/*}/calls\"\n"
              "if [ -f \"${0%/bin/*}/fail\" ]; then echo 'Failed to enable unit: Unit file is masked.' >&2; exit 1; fi\n"
              "case \"$*\" in *' show '*) cat \"${0%/bin/*}/show\" 2>/dev/null ;; esac\n");
    chmod(path, 0755);
    old_path = getenv("PATH");
    assert_true(asprintf(&new_path, "%s:%s", f->bin, old_path ? old_path : "/usr/bin:/bin") > 0);
    setenv("PATH", new_path, 1);
    setenv("HOME", "/home/u", 1);
    free(new_path);
    assert_int_equal(sos_plugin_set_init(&f->plugins, SOS_PLUGIN_BUILD_DIR, &err), 0);
    lp = sos_plugin_set_load(&f->plugins, "systemd");
    assert_non_null(lp);
    if (!lp->plugin)
        fail_msg("systemd did not load: %s", lp->error);
    f->sd = lp->plugin;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->root);
    assert_int_equal(system(cmd), 0);
    sos_plugin_set_free(&f->plugins);
    free(f);
    return 0;
}

/* The prior record as the core hands it on: "ENABLED ACTIVE UNIT
 * INVOCATION" (e.g. "true true other i7"), or NULL for none. */
static const char *record;

static void run_action(struct fixture *f, const char *name, enum sos_action_phase phase,
                       int dry_run, const char *user, struct sos_check_result *res)
{
    char *unit_v[] = {UNIT}, *source_v[] = {SOURCE}, *backup_v[] = {BACKUP},
         *user_v[] = {(char *)user}, rec[4][32], *rec_v[4];
    struct sos_param params[8] = {
        {.key = "unit", .values = unit_v, .n_values = 1},
        {.key = "source", .values = source_v, .n_values = 1},
        {.key = "backup", .values = backup_v, .n_values = 1},
        {.key = "user", .values = user_v, .n_values = 1},
    };
    static const char *const rec_keys[] = {"prior.enabled", "prior.active", "prior.unit",
                                           "prior.invocation"};
    struct sos_check_decl decl = {.id = "t.step", .plugin = "systemd", .check = (char *)name,
                                  .params = params, .n_params = 4, .timeout = 10};
    if (record) {
        assert_int_equal(sscanf(record, "%31s %31s %31s %31s", rec[0], rec[1], rec[2], rec[3]), 4);
        for (int i = 0; i < 4; i++) {
            rec_v[i] = rec[i];
            params[4 + i] = (struct sos_param){.key = (char *)rec_keys[i], .values = &rec_v[i],
                                               .n_values = 1};
        }
        decl.n_params = 8;
    }
    struct sos_run_entry entry = {.decl = &decl};
    struct sos_graph_node node = {&decl, NULL};
    struct sos_graph g;
    struct sos_run run = {.tool = "t", .version = "1", .command = "t", .entries = &entry,
                          .n_entries = 1};
    struct sos_runner_job job = {0};
    struct sos_runner_opts opts = {.root = f->root, .jobs = 1, .default_timeout = 10,
                                   .dry_run = dry_run};
    sos_error err;
    decl.origin.file = "t.yaml";
    for (const struct sourceos_action *a = f->sd->actions; a && a->name; a++)
        if (strcmp(a->name, name) == 0)
            job.action = a;
    assert_non_null(job.action);
    job.phase = phase;
    assert_int_equal(sos_graph_build(&node, 1, 0, &g, &err), 0);
    run.graph = &g;
    assert_int_equal(sos_runner_run(&run, &job, &opts, &err), 0);
    sos_graph_free(&g);
    *res = entry.result;
}

static const char *under(const struct fixture *f, const char *path)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s%s", f->root, path);
    return buf[k];
}

static void test_install_fresh_and_undo(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    struct stat st;
    run_action(f, "install-unit", SOS_PHASE_APPLY, 1, "true", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_int_equal(stat(under(f, "/home/u/.config"), &st), -1); /* dry run: nothing */
    assert_true(r.n_changes >= 1);
    assert_int_equal(r.changes[r.n_changes - 1].done, 0);
    sos_check_result_free(&r);

    run_action(f, "install-unit", SOS_PHASE_APPLY, 0, "true", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_int_equal(r.n_changes, 4); /* .config, systemd, user, the file */
    assert_string_equal(r.changes[0].op, "mkdir");
    assert_string_equal(r.changes[0].path, "/home/u/.config");
    assert_int_equal(r.changes[0].mode, 0700);
    assert_int_equal(r.changes[2].mode, 0755);
    assert_string_equal(r.changes[3].op, "write");
    assert_int_equal(r.changes[3].mode, 0644);
    assert_string_equal(slurp(under(f, UNIT)), "[Service]\nExecStart=/bin/true\n");
    assert_int_equal(stat(under(f, UNIT), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    sos_check_result_free(&r);

    /* the same file again: the unit is left alone, kept for the undo, which
     * must put back what was there (not remove a unit that was in place) */
    run_action(f, "install-unit", SOS_PHASE_APPLY, 0, "true", &r);
    assert_int_equal(r.n_changes, 1);
    assert_string_equal(r.changes[0].path, BACKUP);
    sos_check_result_free(&r);
    run_action(f, "install-unit", SOS_PHASE_UNDO, 0, "true", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_string_equal(slurp(under(f, UNIT)), "[Service]\nExecStart=/bin/true\n");
    assert_int_equal(stat(under(f, BACKUP), &st), -1);
    sos_check_result_free(&r);

    /* undo of a fresh install: no unit left */
    assert_int_equal(unlink(under(f, UNIT)), 0);
    run_action(f, "install-unit", SOS_PHASE_APPLY, 0, "true", &r);
    sos_check_result_free(&r);
    run_action(f, "install-unit", SOS_PHASE_UNDO, 0, "true", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_int_equal(stat(under(f, UNIT), &st), -1);
    sos_check_result_free(&r);
}

static void test_replaced_file_comes_back(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    struct stat st;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/home/u/.config/systemd/user", f->root);
    assert_int_equal(system(cmd), 0);
    put(under(f, UNIT), "[Service]\nExecStart=/old\n");
    run_action(f, "install-unit", SOS_PHASE_APPLY, 0, "true", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_string_equal(slurp(under(f, BACKUP)), "[Service]\nExecStart=/old\n");
    assert_string_equal(slurp(under(f, UNIT)), "[Service]\nExecStart=/bin/true\n");
    sos_check_result_free(&r);
    run_action(f, "install-unit", SOS_PHASE_UNDO, 0, "true", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_string_equal(slurp(under(f, UNIT)), "[Service]\nExecStart=/old\n");
    assert_int_equal(stat(under(f, BACKUP), &st), -1);
    sos_check_result_free(&r);

    /* a backup an earlier run left is not put back by a later undo */
    put(under(f, BACKUP), "[Service]\nExecStart=/stale\n");
    assert_int_equal(unlink(under(f, UNIT)), 0);
    run_action(f, "install-unit", SOS_PHASE_APPLY, 0, "true", &r);
    assert_int_equal(stat(under(f, BACKUP), &st), -1);
    sos_check_result_free(&r);
    run_action(f, "install-unit", SOS_PHASE_UNDO, 0, "true", &r);
    assert_int_equal(stat(under(f, UNIT), &st), -1);
    sos_check_result_free(&r);
    put(under(f, UNIT), "[Service]\nExecStart=/old\n");

    /* remove-unit keeps it for its undo */
    run_action(f, "remove-unit", SOS_PHASE_APPLY, 0, "true", &r);
    assert_int_equal(stat(under(f, UNIT), &st), -1);
    assert_string_equal(slurp(under(f, BACKUP)), "[Service]\nExecStart=/old\n");
    sos_check_result_free(&r);
    run_action(f, "remove-unit", SOS_PHASE_UNDO, 0, "true", &r);
    assert_string_equal(slurp(under(f, UNIT)), "[Service]\nExecStart=/old\n");
    sos_check_result_free(&r);
}

static void test_manager_verbs(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    run_action(f, "enable", SOS_PHASE_APPLY, 0, "true", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    sos_check_result_free(&r);
    run_action(f, "enable", SOS_PHASE_UNDO, 0, "true", &r);
    sos_check_result_free(&r);
    run_action(f, "start", SOS_PHASE_APPLY, 0, "false", &r);
    sos_check_result_free(&r);
    run_action(f, "daemon-reload", SOS_PHASE_APPLY, 0, "true", &r);
    sos_check_result_free(&r);
    run_action(f, "stop", SOS_PHASE_APPLY, 1, "true", &r); /* dry run: not asked */
    assert_int_equal(r.changes[0].done, 0);
    sos_check_result_free(&r);
    assert_string_equal(slurp(f->log),
                        "--user enable sourceos-agent@web.service\n"
                        "--user disable sourceos-agent@web.service\n"
                        "reset-failed sourceos-agent@web.service\n"
                        "start sourceos-agent@web.service\n"
                        "--user daemon-reload\n");
    put(under(f, "/fail"), "");
    run_action(f, "enable", SOS_PHASE_APPLY, 0, "true", &r);
    assert_int_equal(r.status, SOS_ST_FAILURE);
    assert_string_equal(r.findings[0].code, "systemd.action-failed");
    assert_string_equal(r.findings[0].message,
                        "`systemctl --user enable sourceos-agent@web.service` failed: exit 1: "
                        "Failed to enable unit: Unit file is masked.");
    sos_check_result_free(&r);
}

static const char *fact(const struct sos_check_result *r, const char *key)
{
    for (size_t i = 0; i < r->n_facts; i++)
        if (strcmp(r->facts[i].key, key) == 0)
            return r->facts[i].value;
    return NULL;
}

/* prior asks `show` once and publishes what it says, changing nothing. */
static void test_prior_records(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    char cmd[512];
    put(under(f, "/show"), "InvocationID=0f3c\nUnitFileState=enabled\nActiveState=active\n");
    snprintf(cmd, sizeof cmd, "mkdir -p %s/home/u/.config/systemd/user", f->root);
    assert_int_equal(system(cmd), 0);
    put(under(f, UNIT), "[Service]\nExecStart=/old\n");
    record = NULL;
    run_action(f, "prior", SOS_PHASE_APPLY, 0, "true", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_int_equal(r.n_changes, 0);
    assert_string_equal(fact(&r, "prior.enabled"), "true");
    assert_string_equal(fact(&r, "prior.active"), "true");
    assert_string_equal(fact(&r, "prior.invocation"), "0f3c");
    assert_string_equal(fact(&r, "prior.unit"), "other");
    sos_check_result_free(&r);
    put(under(f, "/show"), "UnitFileState=disabled\nActiveState=failed\nInvocationID=\n");
    unlink(under(f, UNIT));
    run_action(f, "prior", SOS_PHASE_APPLY, 0, "true", &r);
    assert_string_equal(fact(&r, "prior.enabled"), "false");
    assert_string_equal(fact(&r, "prior.active"), "false");
    assert_string_equal(fact(&r, "prior.invocation"), "none");
    assert_string_equal(fact(&r, "prior.unit"), "absent");
    sos_check_result_free(&r);
    assert_string_equal(slurp(f->log),
                        "--user show -p UnitFileState -p ActiveState -p InvocationID "
                        "sourceos-agent@web.service\n"
                        "--user show -p UnitFileState -p ActiveState -p InvocationID "
                        "sourceos-agent@web.service\n");
    /* no record to undo to (killed before it was written): nothing */
    unlink(f->log);
    run_action(f, "prior", SOS_PHASE_UNDO, 0, "true", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_null(slurp(f->log));
    sos_check_result_free(&r);
}

/* With the record, an undo takes down only what was not up before, and
 * leaves bringing things back to prior's undo; start restarts a unit that
 * ran before this transaction replaced its file. */
static void test_undos_by_the_record(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    static const char *const steps[] = {"enable", "disable", "start", "stop", "daemon-reload"};
    char cmd[512];
    record = "true true other i1"; /* it was enabled and running */
    for (size_t i = 0; i < 5; i++) {
        run_action(f, steps[i], SOS_PHASE_UNDO, 0, "true", &r);
        assert_int_equal(r.status, SOS_ST_OK);
        sos_check_result_free(&r);
    }
    assert_null(slurp(f->log)); /* nothing asked of the manager */
    record = "false false absent none"; /* nothing was up */
    run_action(f, "enable", SOS_PHASE_UNDO, 0, "true", &r);
    sos_check_result_free(&r);
    run_action(f, "start", SOS_PHASE_UNDO, 0, "true", &r);
    sos_check_result_free(&r);
    run_action(f, "stop", SOS_PHASE_UNDO, 0, "true", &r); /* was not running: stays stopped */
    sos_check_result_free(&r);
    assert_string_equal(slurp(f->log), "--user disable sourceos-agent@web.service\n"
                                       "--user stop sourceos-agent@web.service\n");
    unlink(f->log);

    /* start: restart when it ran and its file is the generated one now */
    snprintf(cmd, sizeof cmd, "mkdir -p %s/home/u/.config/systemd/user", f->root);
    assert_int_equal(system(cmd), 0);
    put(under(f, UNIT), "[Service]\nExecStart=/bin/true\n");
    record = "true true other i1";
    run_action(f, "start", SOS_PHASE_APPLY, 0, "true", &r);
    sos_check_result_free(&r);
    record = "true true same i1"; /* the same file: nothing new to put in service */
    run_action(f, "start", SOS_PHASE_APPLY, 0, "true", &r);
    sos_check_result_free(&r);
    assert_string_equal(slurp(f->log), "--user reset-failed sourceos-agent@web.service\n"
                                       "--user restart sourceos-agent@web.service\n"
                                       "--user reset-failed sourceos-agent@web.service\n"
                                       "--user start sourceos-agent@web.service\n");
    unlink(f->log);

    /* prior's undo: reloaded, then enabled and running as before; a unit
     * running another invocation after its file was replaced, restarted */
    record = "true true other i1";
    put(under(f, "/show"), "UnitFileState=disabled\nActiveState=inactive\nInvocationID=\n");
    run_action(f, "prior", SOS_PHASE_UNDO, 0, "true", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    sos_check_result_free(&r);
    put(under(f, "/show"), "UnitFileState=enabled\nActiveState=active\nInvocationID=i2\n");
    run_action(f, "prior", SOS_PHASE_UNDO, 0, "true", &r);
    sos_check_result_free(&r);
    put(under(f, "/show"), "UnitFileState=enabled\nActiveState=active\nInvocationID=i1\n");
    run_action(f, "prior", SOS_PHASE_UNDO, 0, "true", &r); /* as it was: only reloaded */
    sos_check_result_free(&r);
    record = "false false absent none";
    run_action(f, "prior", SOS_PHASE_UNDO, 0, "true", &r); /* up now, down before */
    sos_check_result_free(&r);
    assert_string_equal(slurp(f->log),
                        "--user daemon-reload\n"
                        "--user show -p UnitFileState -p ActiveState -p InvocationID sourceos-agent@web.service\n"
                        "--user enable sourceos-agent@web.service\n"
                        "--user reset-failed sourceos-agent@web.service\n"
                        "--user start sourceos-agent@web.service\n"
                        "--user daemon-reload\n"
                        "--user show -p UnitFileState -p ActiveState -p InvocationID sourceos-agent@web.service\n"
                        "--user restart sourceos-agent@web.service\n"
                        "--user daemon-reload\n"
                        "--user show -p UnitFileState -p ActiveState -p InvocationID sourceos-agent@web.service\n"
                        "--user daemon-reload\n"
                        "--user show -p UnitFileState -p ActiveState -p InvocationID sourceos-agent@web.service\n"
                        "--user disable sourceos-agent@web.service\n"
                        "--user stop sourceos-agent@web.service\n");
    record = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_install_fresh_and_undo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replaced_file_comes_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manager_verbs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prior_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undos_by_the_record, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

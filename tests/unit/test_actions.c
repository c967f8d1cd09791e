/* Actions through the runner (ABI 1.4): apply changes the tree under --root
 * and records each change; plan and --dry-run record the same changes and
 * do nothing; undo reverts; a check is refused every change; a path that
 * leaves the root through a symlink is refused. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checksd.h"
#include "graph.h"
#include "loader.h"
#include "runner.h"

struct fixture {
    char root[64];
    struct sos_plugin_set plugins;
    const struct sourceos_plugin *act;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    const struct sos_loaded_plugin *lp;
    sos_error err;
    assert_non_null(f);
    snprintf(f->root, sizeof f->root, "/tmp/sos-actions.XXXXXX");
    assert_non_null(mkdtemp(f->root));
    assert_int_equal(sos_plugin_set_init(&f->plugins, SOS_TEST_PLUGIN_DIR, &err), 0);
    lp = sos_plugin_set_load(&f->plugins, "act");
    assert_non_null(lp);
    if (!lp->plugin)
        fail_msg("act did not load: %s", lp->error);
    f->act = lp->plugin;
    *state = f;
    return 0;
}

static int remove_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    nftw(f->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    sos_plugin_set_free(&f->plugins);
    free(f);
    return 0;
}

static const struct sourceos_action *action(const struct fixture *f, const char *name)
{
    for (const struct sourceos_action *a = f->act->actions; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    fail_msg("no action %s", name);
    return NULL;
}

/* Runs one job (an action phase, or the check `sneaky`) with params PATH,
 * TEXT, under F's root; the result in *RES (free it). */
static void run_one(struct fixture *f, const char *what, enum sos_action_phase phase,
                    int dry_run, const char *path, struct sos_check_result *res)
{
    char *path_v[] = {(char *)path}, *text_v[] = {"hello\n"};
    struct sos_param params[] = {
        {.key = "path", .values = path_v, .n_values = 1},
        {.key = "text", .values = text_v, .n_values = 1},
    };
    struct sos_check_decl decl = {.id = "t.job", .plugin = "act", .check = (char *)what,
                                  .params = params, .n_params = 2, .timeout = 10};
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
    if (strcmp(what, "sneaky") == 0)
        job.check = &f->act->checks[0];
    else {
        job.action = action(f, what);
        job.phase = phase;
    }
    assert_int_equal(sos_graph_build(&node, 1, 0, &g, &err), 0);
    run.graph = &g;
    assert_int_equal(sos_runner_run(&run, &job, &opts, &err), 0);
    sos_graph_free(&g);
    *res = entry.result;
}

static char *under(const struct fixture *f, const char *path)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s%s", f->root, path);
    return buf;
}

static void test_apply_plan_undo(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    struct stat st;
    char target[256];
    ssize_t n;
    assert_int_equal(mkdir(under(f, "/etc"), 0755), 0);

    /* plan: recorded, not done */
    run_one(f, "put", SOS_PHASE_PLAN, 0, "/etc/agent.conf", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_int_equal(r.n_changes, 2);
    assert_string_equal(r.changes[0].op, "write");
    assert_string_equal(r.changes[0].path, "/etc/agent.conf");
    assert_int_equal(r.changes[0].mode, 0644);
    assert_int_equal(r.changes[0].bytes, 6);
    assert_int_equal(r.changes[0].done, 0);
    assert_string_equal(r.changes[1].op, "symlink");
    assert_string_equal(r.changes[1].target, "/etc/agent.conf");
    assert_string_equal(r.findings[0].message, "planning=1");
    assert_int_equal(lstat(under(f, "/etc/agent.conf"), &st), -1);
    sos_check_result_free(&r);

    /* apply under --dry-run: the same */
    run_one(f, "put", SOS_PHASE_APPLY, 1, "/etc/agent.conf", &r);
    assert_int_equal(r.changes[0].done, 0);
    assert_int_equal(lstat(under(f, "/etc/agent.conf"), &st), -1);
    sos_check_result_free(&r);

    /* apply: done, under the root, atomically (no temporary left) */
    run_one(f, "put", SOS_PHASE_APPLY, 0, "/etc/agent.conf", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_int_equal(r.changes[0].done, 1);
    assert_int_equal(r.changes[1].done, 1);
    assert_int_equal(stat(under(f, "/etc/agent.conf"), &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(st.st_size, 6);
    n = readlink(under(f, "/etc/agent.conf.link"), target, sizeof target - 1);
    assert_true(n > 0);
    target[n] = '\0';
    assert_string_equal(target, "/etc/agent.conf");
    assert_int_equal(lstat(under(f, "/etc/.agent.conf.tmp"), &st), -1);
    sos_check_result_free(&r);

    /* undo: both gone, each removal recorded */
    run_one(f, "put", SOS_PHASE_UNDO, 0, "/etc/agent.conf", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_int_equal(r.n_changes, 2);
    assert_string_equal(r.changes[0].op, "remove");
    assert_int_equal(r.changes[0].done, 1);
    assert_int_equal(lstat(under(f, "/etc/agent.conf"), &st), -1);
    assert_int_equal(lstat(under(f, "/etc/agent.conf.link"), &st), -1);
    sos_check_result_free(&r);
}

static void test_check_is_refused(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    struct stat st;
    assert_int_equal(mkdir(under(f, "/var"), 0755), 0);
    run_one(f, "sneaky", SOS_PHASE_APPLY, 0, "/var/x", &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_string_equal(r.findings[0].message,
                        "write=-1 remove=-1 symlink=-1 run_errno=1 planning=1");
    assert_int_equal(r.n_changes, 4);
    for (size_t i = 0; i < r.n_changes; i++) {
        assert_int_equal(r.changes[i].done, 0);
        assert_int_equal(r.changes[i].error, EPERM);
    }
    assert_int_equal(r.n_commands, 0);
    assert_int_equal(lstat(under(f, "/var/x"), &st), -1);
    sos_check_result_free(&r);
}

static void test_escape_and_missing_dir(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    struct stat st;
    /* /out is a symlink climbing out of the root (an absolute target would
     * be read inside it, as the tree's own /tmp) */
    assert_int_equal(symlink("../../../../../../tmp", under(f, "/out")), 0);
    run_one(f, "put", SOS_PHASE_APPLY, 0, "/out/escape.conf", &r);
    assert_int_equal(r.status, SOS_ST_FAILURE);
    assert_int_equal(r.changes[0].done, 0);
    assert_int_equal(r.changes[0].error, EXDEV);
    assert_int_equal(lstat("/tmp/escape.conf", &st), -1);
    sos_check_result_free(&r);
    run_one(f, "put", SOS_PHASE_APPLY, 0, "/nodir/a.conf", &r);
    assert_int_equal(r.status, SOS_ST_FAILURE);
    assert_int_equal(r.changes[0].error, ENOENT);
    sos_check_result_free(&r);
    run_one(f, "put", SOS_PHASE_APPLY, 0, "relative.conf", &r);
    assert_int_equal(r.changes[0].error, EINVAL);
    sos_check_result_free(&r);
}

static void test_run_change(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    struct stat st;
    char marker[4096];
    snprintf(marker, sizeof marker, "%s/marker", f->root);
    run_one(f, "touch", SOS_PHASE_PLAN, 0, marker, &r);
    assert_string_equal(r.findings[0].message, "exit=0 planned=1");
    assert_int_equal(r.n_commands, 0);
    assert_int_equal(r.n_changes, 1);
    assert_string_equal(r.changes[0].op, "run");
    assert_int_equal(r.changes[0].argc, 2);
    assert_string_equal(r.changes[0].argv[0], "touch");
    assert_int_equal(r.changes[0].done, 0);
    assert_int_equal(lstat(marker, &st), -1);
    sos_check_result_free(&r);
    run_one(f, "touch", SOS_PHASE_APPLY, 0, marker, &r);
    assert_string_equal(r.findings[0].message, "exit=0 planned=0");
    assert_int_equal(r.n_commands, 1);
    assert_int_equal(r.changes[0].done, 1);
    assert_int_equal(lstat(marker, &st), 0);
    sos_check_result_free(&r);
    run_one(f, "fail", SOS_PHASE_APPLY, 0, marker, &r);
    assert_int_equal(r.status, SOS_ST_FAILURE);
    assert_string_equal(r.findings[0].code, "act.failed");
    sos_check_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_apply_plan_undo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escape_and_missing_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_change, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

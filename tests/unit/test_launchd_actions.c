/* launchd's actions through the runner, under --root of a temporary macOS
 * tree with tests/launchctl-model.py (its --shim) as launchctl: the plist
 * installed mode 0644 (LaunchAgents made, a replaced plist kept and put
 * back, never into /Library/LaunchAgents), the model loading, enabling and
 * starting it, each of launchd's refusals giving its own finding, each
 * undo, and what --dry-run leaves alone. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "graph.h"
#include "loader.h"
#include "runner.h"

#define LABEL "org.sourceos.agent.web"
#define AGENTS "/Users/u/Library/LaunchAgents"
#define PLIST AGENTS "/" LABEL ".plist"
#define SOURCE "/state/generations/1/" LABEL ".plist"
#define BACKUP "/state/generations/1/replaced.plist"
#define MODEL SOS_TEST_SRCDIR "/tests/launchctl-model.py"

#define PLIST_HEAD                                                                          \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n"       \
    "<key>Label</key><string>" LABEL "</string>\n"
#define PLIST_TEXT                                                                          \
    PLIST_HEAD "<key>ProgramArguments</key><array><string>/bin/sh</string><string>-c</string>" \
               "<string>exit 0</string></array>\n<key>RunAtLoad</key><true/>\n</dict>\n</plist>\n"

struct fixture {
    char root[64], bin[96], uid[16], service[128];
    struct sos_plugin_set plugins;
    const struct sourceos_plugin *ld;
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
    static char buf[16384];
    FILE *f = fopen(path, "r");
    size_t n;
    if (!f)
        return NULL;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static const char *under(const struct fixture *f, const char *path)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s%s", f->root, path);
    return buf[k];
}

/* (Re)writes the shim with the model's options ENV ("" none) baked in:
 * sourceos runs launchctl with a cleaned environment. */
static void shim(struct fixture *f, const char *env)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "env %s python3 '%s' --shim '%s' > /dev/null", env, MODEL, f->bin);
    assert_int_equal(system(cmd), 0);
}

/* launchctl ARGS through the shim, as the test sees launchd; its exit status
 * and stdout in OUT. */
static int model(const struct fixture *f, const char *args, char *out, size_t size)
{
    char cmd[1024];
    size_t n;
    FILE *p;
    int status;
    snprintf(cmd, sizeof cmd, "'%s/launchctl' %s 2>&1", f->bin, args);
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    const struct sos_loaded_plugin *lp;
    char cmd[512], path[256], *new_path;
    sos_error err;
    assert_non_null(f);
    snprintf(f->root, sizeof f->root, "/tmp/sos-ldact.XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(cmd, sizeof cmd, "mkdir -p %s/Users/u %s/state/generations/1 %s/Library", f->root,
             f->root, f->root);
    assert_int_equal(system(cmd), 0);
    put(under(f, SOURCE), PLIST_TEXT);
    /* 501 as on a Mac when the test can own files for it; else the test's
     * own uid (launchd takes a plist root or its domain's user owns) */
    snprintf(f->uid, sizeof f->uid, "%u", getuid() == 0 ? 501u : (unsigned)getuid());
    snprintf(f->service, sizeof f->service, "gui/%s/" LABEL, f->uid);
    snprintf(f->bin, sizeof f->bin, "%s/bin", f->root);
    snprintf(path, sizeof path, "%s/model.json", f->root);
    setenv("LAUNCHCTL_MODEL_STATE", path, 1);
    snprintf(path, sizeof path, "%s/argv.log", f->root);
    setenv("LAUNCHCTL_MODEL_LOG", path, 1);
    setenv("LAUNCHCTL_MODEL_ROOT", f->root, 1);
    shim(f, "");
    assert_true(asprintf(&new_path, "%s:/usr/bin:/bin", f->bin) > 0);
    setenv("PATH", new_path, 1);
    setenv("HOME", "/Users/u", 1);
    free(new_path);
    assert_int_equal(sos_plugin_set_init(&f->plugins, SOS_PLUGIN_BUILD_DIR, &err), 0);
    lp = sos_plugin_set_load(&f->plugins, "launchd");
    assert_non_null(lp);
    if (!lp->plugin)
        fail_msg("launchd did not load: %s", lp->error);
    f->ld = lp->plugin;
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

/* Runs action NAME's PHASE with the default params (plist, source, backup,
 * label, user true, uid) changed by EXTRA: "key=value" sets one, "key"
 * leaves it out. */
static void run_action(struct fixture *f, const char *name, enum sos_action_phase phase,
                       int dry_run, const char *const extra[], struct sos_check_result *res)
{
    static char keys[12][32], vals[12][512];
    static char *values[12][1];
    struct sos_param params[12];
    const char *defaults[] = {"plist=" PLIST, "source=" SOURCE, "backup=" BACKUP,
                              "label=" LABEL, "user=true", NULL, NULL};
    char uid[32];
    size_t n = 0;
    struct sos_check_decl decl = {.id = "t.step", .plugin = "launchd", .check = (char *)name,
                                  .timeout = 20};
    struct sos_run_entry entry = {.decl = &decl};
    struct sos_graph_node node = {&decl, NULL};
    struct sos_graph g;
    struct sos_run run = {.tool = "t", .version = "1", .command = "t", .entries = &entry,
                          .n_entries = 1};
    struct sos_runner_job job = {0};
    struct sos_runner_opts opts = {.root = f->root, .jobs = 1, .default_timeout = 20,
                                   .dry_run = dry_run};
    sos_error err;
    snprintf(uid, sizeof uid, "uid=%s", f->uid);
    defaults[5] = uid;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; pass == 0 ? defaults[i] != NULL : extra && extra[i]; i++) {
            const char *kv = pass == 0 ? defaults[i] : extra[i], *eq = strchr(kv, '=');
            size_t klen = eq ? (size_t)(eq - kv) : strlen(kv), k;
            for (k = 0; k < n && !(strlen(keys[k]) == klen && !strncmp(keys[k], kv, klen)); k++)
                ;
            if (!eq) { /* left out */
                if (k < n)
                    keys[k][0] = '\0';
                continue;
            }
            if (k == n)
                n++;
            snprintf(keys[k], sizeof keys[k], "%.*s", (int)klen, kv);
            snprintf(vals[k], sizeof vals[k], "%s", eq + 1);
        }
    decl.n_params = 0;
    for (size_t k = 0; k < n; k++)
        if (keys[k][0]) {
            values[k][0] = vals[k];
            params[decl.n_params++] =
                (struct sos_param){.key = keys[k], .values = values[k], .n_values = 1};
        }
    decl.params = params;
    decl.origin.file = "t.yaml";
    for (const struct sourceos_action *a = f->ld->actions; a && a->name; a++)
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

static void apply_ok(struct fixture *f, const char *name, enum sos_action_phase phase)
{
    struct sos_check_result r;
    run_action(f, name, phase, 0, NULL, &r);
    if (r.status != SOS_ST_OK)
        fail_msg("%s: %s", name, r.n_findings ? r.findings[0].message : "failed");
    sos_check_result_free(&r);
}

/* The finding CODE of R, which must be there. */
static const struct sos_finding_rec *finding(const struct sos_check_result *r, const char *code)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].code, code) == 0)
            return &r->findings[i];
    fail_msg("no finding %s (%zu findings, first: %s)", code, r->n_findings,
             r->n_findings ? r->findings[0].message : "-");
    return NULL;
}

static int has_command(const struct sos_finding_rec *fd, const char *command)
{
    for (size_t i = 0; i < fd->n_commands; i++)
        if (strcmp(fd->commands[i], command) == 0)
            return 1;
    return 0;
}

static void assert_loaded(const struct fixture *f, int loaded)
{
    char out[8192], args[256];
    snprintf(args, sizeof args, "print %s", f->service);
    assert_int_equal(model(f, args, out, sizeof out), loaded ? 0 : 113);
    if (loaded)
        assert_non_null(strstr(out, "\tpath = " PLIST "\n"));
}

static void test_install_plist_and_undo(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    struct stat st;
    run_action(f, "install-plist", SOS_PHASE_APPLY, 1, NULL, &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_int_equal(stat(under(f, "/Users/u/Library"), &st), -1); /* dry run: nothing */
    assert_int_equal(r.n_changes, 3);
    assert_int_equal(r.changes[2].done, 0);
    sos_check_result_free(&r);

    run_action(f, "install-plist", SOS_PHASE_APPLY, 0, NULL, &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_int_equal(r.n_changes, 3); /* ~/Library, LaunchAgents, the plist */
    assert_string_equal(r.changes[0].op, "mkdir");
    assert_string_equal(r.changes[0].path, "/Users/u/Library");
    assert_int_equal(r.changes[0].mode, 0700);
    assert_string_equal(r.changes[1].path, AGENTS);
    assert_int_equal(r.changes[1].mode, 0755);
    assert_string_equal(r.changes[2].op, "write");
    assert_int_equal(r.changes[2].mode, 0644);
    assert_string_equal(slurp(under(f, PLIST)), PLIST_TEXT);
    assert_int_equal(stat(under(f, PLIST), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(stat(under(f, AGENTS), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755);
    sos_check_result_free(&r);

    /* in place: the plist left alone, kept for the undo, which puts it back
     * (a plist that was there before is not removed) */
    run_action(f, "install-plist", SOS_PHASE_APPLY, 0, NULL, &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_int_equal(r.n_changes, 1);
    sos_check_result_free(&r);
    run_action(f, "install-plist", SOS_PHASE_UNDO, 0, NULL, &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_int_equal(stat(under(f, PLIST), &st), 0);
    assert_int_equal(stat(under(f, BACKUP), &st), -1);
    sos_check_result_free(&r);
    /* undo of a fresh install: no plist left */
    assert_int_equal(unlink(under(f, PLIST)), 0);
    apply_ok(f, "install-plist", SOS_PHASE_APPLY);
    run_action(f, "install-plist", SOS_PHASE_UNDO, 0, NULL, &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_int_equal(stat(under(f, PLIST), &st), -1);
    sos_check_result_free(&r);

    /* a backup an earlier run left is not what this install replaced */
    put(under(f, BACKUP), PLIST_HEAD "<key>Program</key><string>/stale</string></dict></plist>\n");
    apply_ok(f, "install-plist", SOS_PHASE_APPLY);
    assert_int_equal(stat(under(f, BACKUP), &st), -1);
    apply_ok(f, "install-plist", SOS_PHASE_UNDO);
    assert_int_equal(stat(under(f, PLIST), &st), -1);
}

static void test_install_refuses_wrong_places(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    struct stat st;
    static const struct {
        const char *plist, *user, *why;
    } bad[] = {
        {"/Library/LaunchAgents/" LABEL ".plist", "true", "every user's login session"},
        {"/Library/LaunchAgents/" LABEL ".plist", "false", "every user's login session"},
        {PLIST, "false", "goes in /Library/LaunchDaemons"},
        {"/Library/LaunchDaemons/" LABEL ".plist", "true", "~/Library/LaunchAgents"},
        {"/Users/u/Library/LaunchAgents/../../../Library/LaunchAgents/x.plist", "true",
         "plain form"},
        {"/System/Library/LaunchAgents/" LABEL ".plist", "true", "belongs to macOS"},
        {AGENTS "/" LABEL, "true", "end in .plist"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char plist[256], user[32];
        snprintf(plist, sizeof plist, "plist=%s", bad[i].plist);
        snprintf(user, sizeof user, "user=%s", bad[i].user);
        run_action(f, "install-plist", SOS_PHASE_APPLY, 0, (const char *const[]){plist, user, NULL},
                   &r);
        assert_int_equal(r.status, SOS_ST_FAILURE);
        assert_int_equal(r.n_changes, 0);
        assert_non_null(strstr(finding(&r, "launchd.action-refused")->message, bad[i].why));
        sos_check_result_free(&r);
    }
    assert_int_equal(stat(under(f, "/Library/LaunchAgents"), &st), -1);
    /* a daemon's goes in /Library/LaunchDaemons, made when missing */
    run_action(f, "install-plist", SOS_PHASE_APPLY, 0,
               (const char *const[]){"plist=/Library/LaunchDaemons/" LABEL ".plist",
                                     "user=false", NULL},
               &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_string_equal(r.changes[0].path, "/Library/LaunchDaemons");
    assert_int_equal(r.changes[0].mode, 0755);
    assert_string_equal(slurp(under(f, "/Library/LaunchDaemons/" LABEL ".plist")), PLIST_TEXT);
    sos_check_result_free(&r);
}

static void test_replaced_plist_comes_back(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    struct stat st;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p %s" AGENTS, f->root);
    assert_int_equal(system(cmd), 0);
    put(under(f, PLIST), PLIST_HEAD "<key>Program</key><string>/old</string></dict></plist>\n");
    run_action(f, "install-plist", SOS_PHASE_APPLY, 0, NULL, &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_non_null(strstr(slurp(under(f, BACKUP)), "/old"));
    assert_string_equal(slurp(under(f, PLIST)), PLIST_TEXT);
    sos_check_result_free(&r);
    apply_ok(f, "install-plist", SOS_PHASE_UNDO);
    assert_non_null(strstr(slurp(under(f, PLIST)), "/old"));
    assert_int_equal(stat(under(f, BACKUP), &st), -1);

    /* without a backup, an undo never removes a plist it did not write */
    apply_ok(f, "install-plist", SOS_PHASE_UNDO);
    assert_non_null(strstr(slurp(under(f, PLIST)), "/old"));

    /* remove-plist keeps it for its undo */
    apply_ok(f, "remove-plist", SOS_PHASE_APPLY);
    assert_int_equal(stat(under(f, PLIST), &st), -1);
    assert_non_null(strstr(slurp(under(f, BACKUP)), "/old"));
    apply_ok(f, "remove-plist", SOS_PHASE_UNDO);
    assert_non_null(strstr(slurp(under(f, PLIST)), "/old"));
    assert_int_equal(stat(under(f, PLIST), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
}

static void test_verbs_and_undos(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    char out[8192], args[256], want[4096];
    apply_ok(f, "install-plist", SOS_PHASE_APPLY);
    /* dry run of each: launchctl is not asked */
    for (const char *const *v = (const char *const[]){"enable", "bootstrap", "kickstart",
                                                      "bootout", "disable", NULL};
         *v; v++) {
        run_action(f, *v, SOS_PHASE_APPLY, 1, NULL, &r);
        assert_int_equal(r.status, SOS_ST_OK);
        assert_int_equal(r.n_changes, 1);
        assert_string_equal(r.changes[0].op, "run");
        assert_int_equal(r.changes[0].done, 0);
        sos_check_result_free(&r);
    }
    assert_null(slurp(under(f, "/argv.log")));

    apply_ok(f, "enable", SOS_PHASE_APPLY);
    snprintf(args, sizeof args, "print-disabled gui/%s", f->uid);
    model(f, args, out, sizeof out);
    assert_non_null(strstr(out, "\"" LABEL "\" => enabled"));
    apply_ok(f, "bootstrap", SOS_PHASE_APPLY);
    assert_loaded(f, 1);
    snprintf(args, sizeof args, "print %s", f->service);
    model(f, args, out, sizeof out);
    assert_non_null(strstr(out, "\tstate = running\n")); /* RunAtLoad */
    assert_non_null(strstr(out, "\truns = 1\n"));
    apply_ok(f, "kickstart", SOS_PHASE_APPLY);
    model(f, args, out, sizeof out);
    assert_non_null(strstr(out, "\truns = 2\n")); /* -k: killed and started again */
    apply_ok(f, "kickstart", SOS_PHASE_UNDO);    /* nothing to undo */
    assert_loaded(f, 1);
    apply_ok(f, "bootstrap", SOS_PHASE_UNDO);
    assert_loaded(f, 0);
    apply_ok(f, "bootstrap", SOS_PHASE_UNDO); /* not loaded: done */
    apply_ok(f, "enable", SOS_PHASE_UNDO);
    snprintf(args, sizeof args, "print-disabled gui/%s", f->uid);
    model(f, args, out, sizeof out);
    assert_non_null(strstr(out, "\"" LABEL "\" => disabled"));
    apply_ok(f, "disable", SOS_PHASE_UNDO); /* enable */
    model(f, args, out, sizeof out);
    assert_non_null(strstr(out, "\"" LABEL "\" => enabled"));

    apply_ok(f, "bootout", SOS_PHASE_APPLY); /* not loaded: done */
    apply_ok(f, "bootout", SOS_PHASE_UNDO);  /* bootstrap again */
    assert_loaded(f, 1);
    apply_ok(f, "bootout", SOS_PHASE_APPLY);
    assert_loaded(f, 0);
    apply_ok(f, "disable", SOS_PHASE_APPLY);
    snprintf(want, sizeof want,
             "[\"launchctl\", \"enable\", \"%1$s\"]\n"
             "[\"launchctl\", \"bootstrap\", \"gui/%2$s\", \"" PLIST "\"]\n"
             "[\"launchctl\", \"kickstart\", \"-k\", \"%1$s\"]\n"
             "[\"launchctl\", \"bootout\", \"%1$s\"]\n"
             "[\"launchctl\", \"bootout\", \"%1$s\"]\n"
             "[\"launchctl\", \"disable\", \"%1$s\"]\n"
             "[\"launchctl\", \"enable\", \"%1$s\"]\n"
             "[\"launchctl\", \"bootout\", \"%1$s\"]\n"
             "[\"launchctl\", \"bootstrap\", \"gui/%2$s\", \"" PLIST "\"]\n"
             "[\"launchctl\", \"bootout\", \"%1$s\"]\n"
             "[\"launchctl\", \"disable\", \"%1$s\"]\n",
             f->service, f->uid);
    /* the test's own print and print-disabled calls are in the log too */
    {
        char *log = slurp(under(f, "/argv.log")), kept[4096] = "", *line, *save;
        for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            if (!strstr(line, "\"print"))
                strcat(strcat(kept, line), "\n");
        assert_string_equal(kept, want);
    }
}

static void test_system_domain(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    const char *const sys[] = {"plist=/Library/LaunchDaemons/" LABEL ".plist", "user=false",
                               NULL};
    char out[8192];
    run_action(f, "install-plist", SOS_PHASE_APPLY, 0, sys, &r);
    assert_int_equal(r.status, SOS_ST_OK);
    sos_check_result_free(&r);
    run_action(f, "enable", SOS_PHASE_APPLY, 0, sys, &r);
    assert_int_equal(r.status, SOS_ST_OK);
    assert_string_equal(r.changes[0].argv[2], "system/" LABEL);
    sos_check_result_free(&r);
    if (getuid() != 0)
        skip(); /* a daemon's plist must be root's: only root can make one */
    run_action(f, "bootstrap", SOS_PHASE_APPLY, 0, sys, &r);
    assert_int_equal(r.status, SOS_ST_OK);
    sos_check_result_free(&r);
    assert_int_equal(model(f, "print system/" LABEL, out, sizeof out), 0);
    run_action(f, "bootstrap", SOS_PHASE_UNDO, 0, sys, &r);
    sos_check_result_free(&r);
    assert_int_equal(model(f, "print system/" LABEL, out, sizeof out), 113);
}

/* A second bootstrap of the same plist: launchd says 5 (or 37) and the
 * loaded job is ours, so it is done; the same label from another plist is
 * a failure naming it. */
static void test_already_loaded(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    const struct sos_finding_rec *fd;
    char out[8192], args[512];
    apply_ok(f, "install-plist", SOS_PHASE_APPLY);
    apply_ok(f, "bootstrap", SOS_PHASE_APPLY);
    for (int k = 0; k < 2; k++) {
        shim(f, k == 0 ? "" : "LAUNCHCTL_MODEL_ALREADY_LOADED=37");
        run_action(f, "bootstrap", SOS_PHASE_APPLY, 0, NULL, &r);
        assert_int_equal(r.status, SOS_ST_OK);
        fd = finding(&r, "launchd.action-already-loaded");
        assert_int_equal(fd->severity, SOURCEOS_SEV_INFO);
        assert_non_null(strstr(fd->message, "is loaded already from " PLIST));
        sos_check_result_free(&r);
    }
    /* loaded from an older copy elsewhere */
    apply_ok(f, "bootstrap", SOS_PHASE_UNDO);
    put(under(f, "/Users/u/Library/LaunchAgents/old.plist"), PLIST_TEXT);
    chmod(under(f, "/Users/u/Library/LaunchAgents/old.plist"), 0644);
    snprintf(args, sizeof args, "bootstrap gui/%s " AGENTS "/old.plist", f->uid);
    assert_int_equal(model(f, args, out, sizeof out), 0);
    for (int k = 0; k < 2; k++) {
        shim(f, k == 0 ? "" : "LAUNCHCTL_MODEL_ALREADY_LOADED=37");
        run_action(f, "bootstrap", SOS_PHASE_APPLY, 0, NULL, &r);
        assert_int_equal(r.status, SOS_ST_FAILURE);
        fd = finding(&r, "launchd.action-failed");
        snprintf(args, sizeof args,
                 "(error %d): %s is loaded already, from " AGENTS "/old.plist, not from " PLIST,
                 k == 0 ? 5 : 37, f->service);
        assert_non_null(strstr(fd->message, args));
        snprintf(args, sizeof args, "launchctl bootout %s", f->service);
        assert_true(has_command(fd, args));
        sos_check_result_free(&r);
    }
}

/* Each of launchd's refusals, and what the finding says of it. */
static void test_refusals(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    const struct sos_finding_rec *fd;
    char out[8192], args[512], cmd[512];
    apply_ok(f, "install-plist", SOS_PHASE_APPLY);

    /* 119: disabled (as root launchctl names it), 5 for a caller who is not */
    snprintf(args, sizeof args, "disable %s", f->service);
    assert_int_equal(model(f, args, out, sizeof out), 0);
    shim(f, "LAUNCHCTL_MODEL_AS_ROOT=1");
    run_action(f, "bootstrap", SOS_PHASE_APPLY, 0, NULL, &r);
    assert_int_equal(r.status, SOS_ST_FAILURE);
    fd = finding(&r, "launchd.action-failed");
    snprintf(cmd, sizeof cmd, "`launchctl bootstrap gui/%s " PLIST "` failed (error 119: "
             PLIST ": Service is disabled): the label is disabled", f->uid);
    assert_non_null(strstr(fd->message, cmd));
    snprintf(cmd, sizeof cmd, "launchctl enable %s", f->service);
    assert_true(has_command(fd, cmd));
    sos_check_result_free(&r);
    shim(f, "");
    run_action(f, "bootstrap", SOS_PHASE_APPLY, 0, NULL, &r);
    fd = finding(&r, "launchd.action-failed");
    assert_non_null(strstr(fd->message, "(error 5: Bootstrap failed: 5: Input/output error): "));
    assert_non_null(strstr(fd->message, "a disabled label, bad ownership or permissions"));
    snprintf(cmd, sizeof cmd, "launchctl bootout %s", f->service);
    assert_true(has_command(fd, cmd));
    assert_true(has_command(fd, "plutil -lint " PLIST));
    assert_int_equal(fd->n_commands, 2); /* the plist itself is fine */
    sos_check_result_free(&r);
    snprintf(args, sizeof args, "enable %s", f->service);
    assert_int_equal(model(f, args, out, sizeof out), 0);

    /* 122 / 5: a group-writable plist */
    chmod(under(f, PLIST), 0664);
    shim(f, "LAUNCHCTL_MODEL_AS_ROOT=1");
    run_action(f, "bootstrap", SOS_PHASE_APPLY, 0, NULL, &r);
    assert_int_equal(r.status, SOS_ST_FAILURE);
    fd = finding(&r, "launchd.action-failed");
    assert_non_null(strstr(fd->message, "(error 122: " PLIST
                                        ": Path had bad ownership/permissions): launchd loads "
                                        "a plist only when root or the domain's user owns it"));
    assert_non_null(strstr(fd->message, PLIST " is writable by group or others"));
    assert_true(has_command(fd, "chmod 644 " PLIST));
    sos_check_result_free(&r);
    shim(f, "");
    run_action(f, "bootstrap", SOS_PHASE_APPLY, 0, NULL, &r);
    assert_int_equal(r.status, SOS_ST_FAILURE);
    fd = finding(&r, "launchd.action-failed");
    assert_non_null(strstr(fd->message, "(error 5: Bootstrap failed: 5: Input/output error): "
                                        PLIST " is writable by group or others; "));
    assert_true(has_command(fd, "chmod 644 " PLIST));
    sos_check_result_free(&r);
    assert_loaded(f, 0);
    chmod(under(f, PLIST), 0644);

    /* 125 / 112: no GUI login */
    shim(f, "LAUNCHCTL_MODEL_NO_GUI=1");
    run_action(f, "bootstrap", SOS_PHASE_APPLY, 0, NULL, &r);
    fd = finding(&r, "launchd.action-failed");
    snprintf(cmd, sizeof cmd, "(error 125: Bootstrap failed: 125: Domain does not support "
             "specified action): gui/%s has no session", f->uid);
    assert_non_null(strstr(fd->message, cmd));
    assert_non_null(strstr(fd->remediation, "Log in as that user at the console"));
    assert_non_null(strstr(fd->remediation, "launchctl asuser"));
    sos_check_result_free(&r);
    run_action(f, "enable", SOS_PHASE_APPLY, 0, NULL, &r);
    fd = finding(&r, "launchd.action-failed");
    snprintf(cmd, sizeof cmd, "(error 112: Could not find domain for user gui: %s): gui/%s "
             "has no session", f->uid, f->uid);
    assert_non_null(strstr(fd->message, cmd));
    sos_check_result_free(&r);
    shim(f, "");

    /* 113: kickstart of a job that is not loaded */
    run_action(f, "kickstart", SOS_PHASE_APPLY, 0, NULL, &r);
    assert_int_equal(r.status, SOS_ST_FAILURE);
    fd = finding(&r, "launchd.action-failed");
    assert_non_null(strstr(fd->message, "(error 113: Could not find service"));
    assert_non_null(strstr(fd->message, "the job is not loaded"));
    snprintf(cmd, sizeof cmd, "launchctl bootstrap gui/%s " PLIST, f->uid);
    assert_true(has_command(fd, cmd));
    sos_check_result_free(&r);

    /* 5: a plist launchd cannot read */
    put(under(f, PLIST), "not a plist\n");
    run_action(f, "bootstrap", SOS_PHASE_APPLY, 0, NULL, &r);
    fd = finding(&r, "launchd.action-failed");
    assert_non_null(strstr(fd->message, "(error 5: "));
    assert_true(has_command(fd, "plutil -lint " PLIST));
    sos_check_result_free(&r);

    /* launchctl missing */
    run_action(f, "enable", SOS_PHASE_APPLY, 0, (const char *const[]){"launchctl=/nonexistent", NULL},
               &r);
    fd = finding(&r, "launchd.action-failed");
    assert_non_null(strstr(fd->message, "could not be run"));
    sos_check_result_free(&r);
}

/* Bad params: refused before launchctl is asked. */
static void test_params(void **state)
{
    struct fixture *f = *state;
    struct sos_check_result r;
    static const char *const cases[][3] = {
        {"enable", "label=gui/0/other", "needs the param label"},
        {"bootstrap", "label=x;$(touch PWN)", "needs the param label"},
        {"kickstart", "label", "needs the param label"},
        {"bootstrap", "plist", "needs the param plist"},
        {"bootstrap", "plist=relative.plist", "needs the param plist"},
        {"disable", "uid=501x", "is not a number"},
        {"install-plist", "source", "needs the param source"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_action(f, cases[i][0], SOS_PHASE_APPLY, 0, (const char *const[]){cases[i][1], NULL},
                   &r);
        assert_int_equal(r.status, SOS_ST_FAILURE);
        assert_non_null(strstr(finding(&r, "launchd.action-params")->message, cases[i][2]));
        assert_int_equal(r.n_changes, 0);
        sos_check_result_free(&r);
    }
    assert_null(slurp(under(f, "/argv.log")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_install_plist_and_undo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_refuses_wrong_places, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replaced_plist_comes_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verbs_and_undos, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_already_loaded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

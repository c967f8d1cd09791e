/* The doctor's own lints on a staged service definition: the core cannot
 * link the plugins, so it runs them as the doctor does, through a checks.d
 * of its own (in the generation, beside what it lints) and the runner:
 * launchd.lint on the plist (which also reads the wrapper it runs, for
 * GNU-only syntax and an ungoverned podman run) or systemd.lint on the
 * unit. A generated file passes with no finding above info. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "session.h"
#include "stage.h"
#include "strbuf.h"

#define DOCTOR_LINT_TIMEOUT_S 30.0
#define LINT_CONFIG "lint-config"

static void put(struct sos_strbuf *b, const char *s)
{
    sos_strbuf_put(b, s, strlen(s));
}

/* PATH as a YAML double-quoted scalar (checked: no control character). */
static void put_yaml_string(struct sos_strbuf *b, const char *path)
{
    put(b, "\"");
    for (const char *p = path; *p; p++) {
        if (*p == '"' || *p == '\\')
            put(b, "\\");
        sos_strbuf_put(b, p, 1);
    }
    put(b, "\"");
}

/* GEN/lint-config/checks.d/50-stage.yaml: the one lint for SERVICE. */
static int write_config(int genfd, int launchd, const char *service, sos_error *err)
{
    struct sos_strbuf b = {0};
    int cfg = -1, checks = -1, rc = -1;
    if (sos_gen_check("service definition path", service, err) < 0)
        return -1;
    put(&b, "# Written by sourceos-agent stage: the doctor's lint of this generation.\n"
            "checks:\n");
    put(&b, launchd ? "  - {id: stage.launchd-lint, plugin: launchd, check: lint, params: {plist: "
                    : "  - {id: stage.systemd-lint, plugin: systemd, check: lint, params: {unit: ");
    put_yaml_string(&b, service);
    put(&b, "}}\n");
    if (b.failed) {
        sos_fail(err, "lint config: out of memory");
        goto out;
    }
    if ((mkdirat(genfd, LINT_CONFIG, 0700) < 0 && errno != EEXIST) ||
        (cfg = openat(genfd, LINT_CONFIG, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
        (mkdirat(cfg, "checks.d", 0700) < 0 && errno != EEXIST) ||
        (checks = openat(cfg, "checks.d", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        sos_fail(err, LINT_CONFIG "/checks.d: %s", strerror(errno));
        goto out;
    }
    rc = sos_atomic_write(checks, "50-stage.yaml", b.p, b.len, 0600, 0, err);
out:
    if (checks >= 0)
        close(checks);
    if (cfg >= 0)
        close(cfg);
    free(b.p);
    return rc;
}

/* One lint result from the run's entry: pass when the check ran and found
 * nothing above info. */
static int record(struct sos_lint_results *out, const char *name, const struct sos_run_entry *e)
{
    const struct sos_check_result *r = &e->result;
    struct sos_strbuf d = {0};
    int bad = r->status != SOS_ST_OK && r->status != SOS_ST_WARNING &&
              r->status != SOS_ST_FAILURE;
    int rc;
    if (bad) {
        put(&d, sos_status_name(r->status));
        if (r->reason) {
            put(&d, ": ");
            put(&d, r->reason);
        }
        put(&d, "\n");
    }
    for (size_t i = 0; i < r->n_findings; i++) {
        if (r->findings[i].severity <= SOURCEOS_SEV_INFO)
            continue;
        bad = 1;
        put(&d, r->findings[i].code);
        put(&d, " (");
        put(&d, sos_severity_name(r->findings[i].severity));
        put(&d, "): ");
        put(&d, r->findings[i].message);
        put(&d, "\n");
    }
    rc = sos_lint_add(out, name, bad ? SOS_LINT_FAIL : SOS_LINT_PASS, d.p);
    free(d.p);
    return rc;
}

int sos_stage_lint_doctor(const struct sos_stage_options *o, int genfd, const char *gen_dir,
                          const char *service, struct sos_lint_results *out, sos_error *err)
{
    int launchd = o->backend == SOS_BACKEND_LAUNCHD;
    const char *name = launchd ? "launchd.lint" : "systemd.lint";
    char *config_dir = NULL;
    struct sos_session s;
    struct sos_session_config c = {0};
    struct sos_runner_opts ro = {0};
    int rc = -1;
    if (!o->plugin_dir)
        return sos_lint_add(out, name, SOS_LINT_SKIPPED, "no plugin directory given") < 0
                   ? sos_fail(err, "lint: out of memory")
                   : 0;
    if (write_config(genfd, launchd, service, err) < 0)
        return sos_wrap(err, "%s", name);
    if (asprintf(&config_dir, "%s/" LINT_CONFIG, gen_dir) < 0)
        return sos_fail(err, "%s: out of memory", name);
    c.config_dir = config_dir;
    c.plugin_dir = o->plugin_dir;
    /* Staged into a tree: the lint reads the files it names there. */
    c.root = o->root;
    ro.root = o->root;
    c.scope = -1;
    c.command = "stage";
    ro.jobs = 1;
    ro.default_timeout = DOCTOR_LINT_TIMEOUT_S;
    memset(&s, 0, sizeof s);
    if (sos_session_open(&s, &c, err) != 0 || sos_runner_run(&s.run, s.jobs, &ro, err) != 0) {
        sos_wrap(err, "%s", name);
        goto out;
    }
    rc = 0;
    for (size_t i = 0; rc == 0 && i < s.run.n_entries; i++)
        if (record(out, name, &s.run.entries[i]) < 0)
            rc = sos_fail(err, "lint: out of memory");
    if (rc == 0 && s.run.n_entries == 0)
        rc = sos_lint_add(out, name, SOS_LINT_FAIL, "the lint did not run") < 0 ? -1 : 0;
out:
    sos_session_close(&s);
    free(config_dir);
    return rc;
}

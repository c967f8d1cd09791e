/* status and logs: the profile they run, and what its results and the
 * state directory say together. The backend and podman are asked only
 * through the runner (the plugins' launchd.state, systemd.state,
 * podman.container, podman.image and the `logs` check), never directly:
 * the core does not link plugin code. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "redact_run.h"
#include "status.h"
#include "strbuf.h"
#include "sourceos/plugin.h"

/* Timeouts of the profile's checks (seconds), as checks.d declares them. */
#define T_BACKEND 20
#define T_PODMAN 30
#define T_LOGS 10

enum sos_agent_backend sos_status_backend(const struct sos_agent_model *m)
{
    if (m->backend != SOS_BACKEND_AUTO)
        return m->backend;
#ifdef __APPLE__
    return SOS_BACKEND_LAUNCHD;
#else
    return SOS_BACKEND_SYSTEMD;
#endif
}

/* ---- the profile ---------------------------------------------------------- */

static void put(struct sos_strbuf *b, const char *s)
{
    sos_strbuf_put(b, s, strlen(s));
}

/* S as a YAML double-quoted scalar; the model refuses control characters
 * in the values used here, so only '"' and '\' need escaping. */
static void put_quoted(struct sos_strbuf *b, const char *s)
{
    put(b, "\"");
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\')
            put(b, "\\");
        sos_strbuf_put(b, p, 1);
    }
    put(b, "\"");
}

static void put_check(struct sos_strbuf *b, const char *id, const char *plugin,
                      const char *check, int timeout)
{
    char t[16];
    snprintf(t, sizeof t, "%d", timeout);
    put(b, "  - id: ");
    put(b, id);
    put(b, "\n    plugin: ");
    put(b, plugin);
    put(b, "\n    check: ");
    put(b, check);
    put(b, "\n    scope: agent\n    timeout: ");
    put(b, t);
    put(b, "\n    params:\n");
}

static int put_backend(struct sos_strbuf *b, const struct sos_agent *a,
                       enum sos_agent_backend backend, sos_error *err)
{
    char *unit;
    if (backend == SOS_BACKEND_LAUNCHD) {
        put_check(b, "launchd.state", "launchd", "state", T_BACKEND);
        put(b, "      label: \"${agent.label}\"\n");
        if (a->model.scope == SOS_SCOPE_SYSTEM)
            put(b, "      domain: system\n");
        return 0;
    }
    if (!(unit = sos_gen_unit_name(&a->model, err)))
        return -1;
    put_check(b, "systemd.state", "systemd", "state", T_BACKEND);
    put(b, "      unit: ");
    put_quoted(b, unit);
    put(b, "\n      user: \"${agent.user}\"\n");
    free(unit);
    return 0;
}

static void put_podman(struct sos_strbuf *b)
{
    put_check(b, "podman.container", "podman-machine", "container", T_PODMAN);
    put(b, "      container: \"${agent.container}\"\n      stopping_threshold_ms: 3000\n");
    put_check(b, "podman.image", "podman-machine", "image", T_PODMAN);
    put(b, "      image: \"${agent.image}\"\n");
}

static void put_logs(struct sos_strbuf *b, const struct sos_agent_model *m,
                     enum sos_agent_backend backend, unsigned lines)
{
    const char *files[] = {m->logs.app, m->logs.stdout_path, m->logs.stderr_path};
    char n[16];
    put_check(b, backend == SOS_BACKEND_LAUNCHD ? "launchd.logs" : "systemd.logs",
              backend == SOS_BACKEND_LAUNCHD ? "launchd" : "systemd", "logs",
              T_LOGS);
    snprintf(n, sizeof n, "%u", lines);
    put(b, "      lines: ");
    put(b, n);
    put(b, "\n      files: [");
    for (size_t i = 0, shown = 0; i < 3; i++) {
        int dup = !files[i][0];
        for (size_t j = 0; j < i && !dup; j++)
            dup = strcmp(files[i], files[j]) == 0;
        if (dup)
            continue;
        put(b, shown++ ? ", " : "");
        put_quoted(b, files[i]);
    }
    put(b, "]\n");
}

char *sos_status_profile(const struct sos_agent *a, enum sos_agent_backend backend,
                         unsigned what, unsigned lines, sos_error *err)
{
    struct sos_strbuf b = {0};
    put(&b, "# The profile of sourceos-agent status / logs (core/status.c).\nchecks:\n");
    if ((what & SOS_PROFILE_STATUS) && put_backend(&b, a, backend, err) < 0) {
        free(b.p);
        return NULL;
    }
    if ((what & SOS_PROFILE_STATUS) && a->model.runtime == SOS_RUNTIME_PODMAN)
        put_podman(&b);
    put_logs(&b, &a->model, backend, lines);
    if (b.failed) {
        free(b.p);
        sos_fail(err, "status profile: out of memory");
        return NULL;
    }
    return b.p;
}

/* ---- reading the results ----------------------------------------------------- */

static const struct sos_run_entry *entry(const struct sos_run *run, const char *id)
{
    for (size_t i = 0; i < run->n_entries; i++)
        if (run->entries[i].decl && strcmp(run->entries[i].decl->id, id) == 0)
            return &run->entries[i];
    return NULL;
}

static const struct sos_finding_rec *finding(const struct sos_run_entry *e, const char *code)
{
    for (size_t i = 0; e && i < e->result.n_findings; i++)
        if (strcmp(e->result.findings[i].code, code) == 0)
            return &e->result.findings[i];
    return NULL;
}

/* KEY of the first finding of E that has it, or NULL. */
static const char *evidence(const struct sos_run_entry *e, const char *key)
{
    for (size_t i = 0; e && i < e->result.n_findings; i++)
        for (size_t k = 0; k < e->result.findings[i].n_evidence; k++)
            if (strcmp(e->result.findings[i].evidence[k].key, key) == 0)
                return e->result.findings[i].evidence[k].value;
    return NULL;
}

static const char *fact(const struct sos_run_entry *e, const char *key)
{
    for (size_t i = 0; e && i < e->result.n_facts; i++)
        if (strcmp(e->result.facts[i].key, key) == 0)
            return e->result.facts[i].value;
    return NULL;
}

static int ran(const struct sos_run_entry *e)
{
    return e && e->result.status <= SOS_ST_FAILURE;
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *time_or_null(time_t t)
{
    char buf[32];
    struct tm tm;
    if (t <= 0 || !gmtime_r(&t, &tm))
        return json_null();
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

/* What the backend says: loaded 1, not loaded 0, cannot tell -1. */
struct backend_view {
    int loaded, running, failing;
    const char *service, *state, *pid, *runs, *exit_code, *exit_reason;
};

static void read_launchd(const struct sos_run_entry *e, struct backend_view *b)
{
    b->loaded = -1;
    if (!ran(e))
        return;
    if (finding(e, "launchd.job-not-loaded"))
        b->loaded = 0;
    else if (evidence(e, "state"))
        b->loaded = 1;
    b->service = evidence(e, "service");
    b->state = evidence(e, "state");
    b->pid = evidence(e, "pid");
    b->runs = evidence(e, "runs");
    b->exit_code = evidence(e, "last_exit_code");
    b->exit_reason = evidence(e, "last_exit_reason");
    if (!b->exit_reason && evidence(e, "signal"))
        b->exit_reason = evidence(e, "signal");
    b->running = b->state && strcmp(b->state, "running") == 0;
    b->failing = finding(e, "launchd.job-failing") || finding(e, "launchd.respawn-loop");
}

static void read_systemd(const struct sos_run_entry *e, struct backend_view *b)
{
    const char *load, *active, *pid;
    b->loaded = -1;
    if (!ran(e))
        return;
    load = evidence(e, "load_state");
    active = evidence(e, "active_state");
    if (load)
        b->loaded = strcmp(load, "loaded") == 0;
    b->service = evidence(e, "unit");
    b->state = active;
    pid = evidence(e, "main_pid");
    b->pid = pid && strcmp(pid, "0") != 0 ? pid : NULL;
    b->runs = evidence(e, "n_restarts");
    b->exit_code = evidence(e, "exec_main_status");
    b->exit_reason = evidence(e, "main_exit");
    if (!b->exit_reason)
        b->exit_reason = evidence(e, "result");
    b->running = active && (strcmp(active, "active") == 0 || strcmp(active, "activating") == 0);
    b->failing = finding(e, "systemd.unit-failed") || finding(e, "systemd.respawn-loop");
}

/* ---- the status document ------------------------------------------------------ */

struct verdict {
    int exit;
    json_t *findings;
};

static void see(struct verdict *v, int exit)
{
    if (exit > v->exit)
        v->exit = exit;
}

static void note(struct verdict *v, const char *code, int severity, const char *message,
                 const char *remediation)
{
    json_t *f = json_pack("{s:s, s:s, s:s}", "code", code, "severity",
                          sos_severity_name(severity), "message", message);
    if (f && remediation)
        json_object_set_new(f, "remediation", json_string(remediation));
    if (f)
        json_array_append_new(v->findings, f);
    see(v, severity >= SOURCEOS_SEV_CRITICAL ? 2 : severity >= SOURCEOS_SEV_WARNING ? 1 : 0);
}

static const char *loaded_word(int loaded)
{
    return loaded > 0 ? "loaded" : loaded == 0 ? "not loaded" : "unknown";
}

/* The state directory and the backend disagree: a finding each way. */
static void reconcile(struct verdict *v, const char *backend, const struct backend_view *b,
                      const struct sos_state_view *s, int container_running)
{
    char msg[1024];
    enum sos_installed_state rec = s->record.state;
    if (b->loaded == 1 && rec == SOS_INSTALLED_NONE) {
        snprintf(msg, sizeof msg, "%s has %s loaded, but the state directory records no "
                 "install by sourceos-agent (no state.json)", backend,
                 b->service ? b->service : "the agent's service");
        note(v, "status.loaded-not-installed", SOURCEOS_SEV_WARNING, msg,
             "Something else installed or loaded it: find out what (sourceos doctor "
             "local-runtime lists every service), then remove it or install the agent "
             "with sourceos-agent install NAME.");
    }
    if (b->loaded == 0 && rec == SOS_INSTALLED_ENABLED) {
        snprintf(msg, sizeof msg, "the state directory records the agent as enabled, but %s "
                 "does not have it loaded", backend);
        note(v, "status.installed-not-loaded", SOURCEOS_SEV_WARNING, msg,
             "Someone unloaded it by hand, or the install was interrupted: run "
             "sourceos-agent repair NAME, or sourceos-agent install NAME again.");
    }
    if (b->loaded == 1 && rec == SOS_INSTALLED_QUARANTINED) {
        snprintf(msg, sizeof msg, "the agent is quarantined, but %s has it loaded again",
                 backend);
        note(v, "status.quarantined-but-loaded", SOURCEOS_SEV_CRITICAL, msg,
             "Something brought it back after the quarantine: capture again with "
             "sourceos-agent quarantine NAME and find what reloaded it.");
    }
    if (container_running && b->loaded == 0) {
        note(v, "status.container-without-service", SOURCEOS_SEV_WARNING,
             "the agent's container runs, but its service is not loaded: it was started "
             "by something else",
             "Stop the container (podman stop -- CONTAINER) or start the agent through "
             "its service.");
    }
    if (s->record.generation && s->current && s->record.generation != s->current) {
        snprintf(msg, sizeof msg, "generation %u is current (staged) but generation %u is "
                 "installed", s->current, s->record.generation);
        note(v, "status.generation-not-installed", SOURCEOS_SEV_INFO, msg,
             "sourceos-agent install NAME installs the current generation.");
    }
}

static const char *lifecycle(const struct sos_state_view *s, const struct backend_view *b)
{
    if (s->record.state == SOS_INSTALLED_QUARANTINED)
        return "quarantined";
    if (s->tripped)
        return "tripped";
    if (b->running)
        return "running";
    if (s->record.state == SOS_INSTALLED_ENABLED)
        return "enabled";
    if (s->record.state == SOS_INSTALLED_INSTALLED)
        return "installed";
    if (s->current)
        return "staged";
    return "declared";
}

static json_t *backend_json(const char *name, const struct sos_run_entry *e,
                            const struct backend_view *b)
{
    return json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "name", name,
                     "service", str_or_null(b->service), "loaded", loaded_word(b->loaded),
                     "state", str_or_null(b->state), "pid", str_or_null(b->pid), "runs",
                     str_or_null(b->runs), "last_exit_code", str_or_null(b->exit_code),
                     "last_exit_reason", str_or_null(b->exit_reason), "check_codes",
                     json_array(), "check",
                     e ? sos_status_name(e->result.status) : "not run");
}

static void add_codes(json_t *obj, const struct sos_run_entry *e)
{
    json_t *codes = json_object_get(obj, "check_codes");
    for (size_t i = 0; e && codes && i < e->result.n_findings; i++)
        json_array_append_new(codes, json_string(e->result.findings[i].code));
}

static json_t *container_json(const struct sos_agent *a, const struct sos_run_entry *e)
{
    json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:s}", "name",
                          a->model.container_name, "state", str_or_null(evidence(e, "state")),
                          "exit_code", str_or_null(evidence(e, "exit_code")), "restarts",
                          str_or_null(evidence(e, "restart_count")), "started_at",
                          str_or_null(evidence(e, "started_at")), "check_codes", json_array(),
                          "check", e ? sos_status_name(e->result.status) : "not run");
    if (o && finding(e, "podman.container-missing"))
        json_object_set_new(o, "state", json_string("missing"));
    add_codes(o, e);
    return o;
}

static json_t *image_json(const struct sos_agent *a, const struct sos_run_entry *e)
{
    json_t *o = json_pack("{s:s, s:o, s:o, s:o, s:s}", "ref", a->model.image, "id",
                          str_or_null(evidence(e, "id")), "digest",
                          str_or_null(evidence(e, "digest")), "check_codes", json_array(),
                          "check", e ? sos_status_name(e->result.status) : "not run");
    add_codes(o, e);
    return o;
}

static json_t *state_json(const char *dir, const struct sos_state_view *s)
{
    return json_pack("{s:s, s:b, s:i, s:o, s:o, s:s, s:o, s:o, s:b, s:o, s:i}", "path", dir,
                     "exists", s->exists, "generations", (int)s->generations, "current",
                     s->current ? json_integer(s->current) : json_null(), "current_made",
                     time_or_null(s->current_made), "installed",
                     sos_installed_state_name(s->record.state), "installed_generation",
                     s->record.generation ? json_integer(s->record.generation) : json_null(),
                     "service", str_or_null(s->record.service), "tripped", s->tripped,
                     "tripped_at", time_or_null(s->tripped_at), "starts_last_hour",
                     (int)s->starts_last_hour);
}

static json_t *logs_paths(const struct sos_agent_model *m, const char *last_failure)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "app", m->logs.app, "stdout",
                     m->logs.stdout_path, "stderr", m->logs.stderr_path, "last_failure",
                     str_or_null(last_failure));
}

/* What the run's checks and the state say of the agent's health. */
static void judge(struct verdict *v, const char *life, const struct backend_view *b,
                  const struct sos_run_entry *be, const struct sos_run_entry *ce,
                  const struct sos_state_view *s, const char *view_err)
{
    char msg[1200];
    if (view_err) {
        snprintf(msg, sizeof msg, "the state directory cannot be read: %s", view_err);
        note(v, "status.state-unreadable", SOURCEOS_SEV_WARNING, msg,
             "Fix or remove what the message names; sourceos-agent stage NAME makes a "
             "fresh generation.");
        see(v, 3);
    }
    if (!ran(be) || b->loaded < 0)
        see(v, 3); /* the backend did not answer: cannot tell */
    if (s->tripped) {
        snprintf(msg, sizeof msg, "the wrapper spent its restart budget (%u starts in the "
                 "last hour) and left the agent down", s->starts_last_hour);
        note(v, "status.tripped", SOURCEOS_SEV_CRITICAL, msg,
             "Read why it kept failing (sourceos-agent logs NAME), fix it, then start it "
             "again: the next start clears the trip.");
    }
    if (b->failing)
        see(v, 2);
    if (strcmp(life, "declared") == 0)
        note(v, "status.not-staged", SOURCEOS_SEV_WARNING,
             "the agent is declared but nothing is staged: no generation is current",
             "sourceos-agent stage NAME generates and lints its wrapper and service.");
    if (strcmp(life, "enabled") == 0 && b->loaded == 1)
        see(v, 1); /* enabled by us and loaded, but not running */
    if (ce && ce->result.status == SOS_ST_FAILURE && b->loaded == 1)
        see(v, 2);
    else if (ce && ce->result.status >= SOS_ST_ERROR && ce->result.status != SOS_ST_SKIPPED &&
             b->running)
        see(v, 3);
}

static int redact(const struct sos_run *run, json_t *doc)
{
    struct sos_redactor *rd = sos_run_redactor(run);
    int rc = rd ? sos_redact_json(rd, doc) : -1;
    sos_redactor_free(rd);
    return rc;
}

json_t *sos_status_json(const struct sos_run *run, const struct sos_agent *a,
                        enum sos_agent_backend backend, const char *state_dir,
                        const struct sos_state_view *v, const char *view_err, time_t now,
                        int *exit)
{
    int launchd = backend == SOS_BACKEND_LAUNCHD;
    const struct sos_run_entry *be = entry(run, launchd ? "launchd.state" : "systemd.state");
    const struct sos_run_entry *ce = entry(run, "podman.container");
    const struct sos_run_entry *ie = entry(run, "podman.image");
    const struct sos_run_entry *le = entry(run, launchd ? "launchd.logs" : "systemd.logs");
    struct backend_view b = {0};
    struct verdict vd = {0, json_array()};
    const char *life, *cstate = evidence(ce, "state"), *last_failure = fact(le, "logs.last_failure");
    static const char *const verdicts[] = {"ok", "degraded", "failed", "unknown"};
    json_t *doc, *bj;
    if (launchd)
        read_launchd(be, &b);
    else
        read_systemd(be, &b);
    life = lifecycle(v, &b);
    reconcile(&vd, launchd ? "launchd" : "systemd", &b, v,
              cstate && strcmp(cstate, "running") == 0);
    judge(&vd, life, &b, be, ce, v, view_err);
    bj = backend_json(launchd ? "launchd" : "systemd", be, &b);
    add_codes(bj, be);
    if (!b.exit_reason && last_failure)
        json_object_set_new(bj, "last_exit_reason", json_string(last_failure));
    doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:s, s:s, s:o, s:o, s:o, s:o}",
                    "schema", "sourceos-agent-status/1", "agent", a->name, "declaration",
                    a->path, "lifecycle", life, "verdict", verdicts[vd.exit], "exit", vd.exit,
                    "time", time_or_null(now), "backend", bj, "container",
                    a->model.runtime == SOS_RUNTIME_PODMAN ? container_json(a, ce) : json_null(),
                    "auth_mode", sos_auth_mode_name(a->model.auth.mode), "authfile",
                    a->model.auth.authfile, "image",
                    a->model.runtime == SOS_RUNTIME_PODMAN ? image_json(a, ie) : json_null(),
                    "logs", logs_paths(&a->model, last_failure), "state_dir",
                    state_json(state_dir, v), "findings", vd.findings);
    *exit = vd.exit;
    if (!doc || redact(run, doc) < 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- the logs document -------------------------------------------------------- */

json_t *sos_logs_json(const struct sos_run *run, const struct sos_agent *a,
                      enum sos_agent_backend backend, int *exit)
{
    int launchd = backend == SOS_BACKEND_LAUNCHD;
    const struct sos_run_entry *le = entry(run, launchd ? "launchd.logs" : "systemd.logs");
    const struct sos_run_entry *be = entry(run, launchd ? "launchd.state" : "systemd.state");
    const char *reason = evidence(be, "last_exit_reason");
    json_t *files = json_array(), *doc;
    *exit = ran(le) ? 0 : 3;
    if (!reason)
        reason = evidence(be, "main_exit");
    if (!reason)
        reason = fact(le, "logs.last_failure");
    for (size_t i = 0; le && files && i < le->result.n_findings; i++) {
        const struct sos_finding_rec *f = &le->result.findings[i];
        const char *path = NULL, *tail = NULL, *lines = NULL, *collapsed = NULL;
        for (size_t k = 0; k < f->n_evidence; k++) {
            const struct sos_kv *kv = &f->evidence[k];
            if (!strcmp(kv->key, "path")) path = kv->value;
            else if (!strcmp(kv->key, "tail")) tail = kv->value;
            else if (!strcmp(kv->key, "lines")) lines = kv->value;
            else if (!strcmp(kv->key, "collapsed")) collapsed = kv->value;
        }
        if (!path)
            continue;
        if (strcmp(f->code, "logs.unreadable") == 0)
            *exit = *exit > 1 ? *exit : 1;
        json_array_append_new(
            files, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "path", path, "code", f->code,
                             "message", f->message, "tail", str_or_null(tail), "lines",
                             lines ? json_integer(atol(lines)) : json_null(), "collapsed",
                             collapsed ? json_integer(atol(collapsed)) : json_null()));
    }
    doc = json_pack("{s:s, s:s, s:s, s:o, s:o}", "schema", "sourceos-agent-logs/1", "agent",
                    a->name, "backend", backend == SOS_BACKEND_LAUNCHD ? "launchd" : "systemd",
                    "last_exit_reason", str_or_null(reason), "files", files);
    if (!doc || redact(run, doc) < 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

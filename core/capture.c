#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "capture_parts.h"
#include "command.h"
#include "ctx.h"
#include "homes.h"
#include "redact_run.h"
#include "report.h"

/* Each command the capture runs itself is bounded so. */
#define OWN_TIMEOUT 15.0
#define OWN_CAPTURE (1024u * 1024u)

struct sos_capture {
    const struct sos_qtarget *target;
    struct sos_session session;
    int session_open;
    struct sos_bundle *b;
    struct sos_redactor *rd;
    char **secrets; /* every secret the run read, for the read-back scan */
    size_t n_secrets;
    const char *root;
    uint64_t log_bytes;
    unsigned n_commands;
    json_t *actions; /* also in the manifest: for remediation.md */
    char *restore;
    char *name;      /* the bundle's file name */
};

static void capture_free(struct sos_capture *c)
{
    if (!c)
        return;
    if (c->session_open)
        sos_session_close(&c->session);
    sos_bundle_abort(c->b);
    sos_redactor_free(c->rd);
    for (size_t i = 0; i < c->n_secrets; i++) {
        memset(c->secrets[i], 0, strlen(c->secrets[i]));
        free(c->secrets[i]);
    }
    free(c->secrets);
    json_decref(c->actions);
    free(c->restore);
    free(c->name);
    free(c);
}

void sos_capture_abort(struct sos_capture *c)
{
    capture_free(c);
}

const struct sos_run *sos_capture_run(const struct sos_capture *c)
{
    return &c->session.run;
}

/* ---- the doctor, with everything kept ------------------------------------ */

static int run_doctor(struct sos_capture *c, const struct sos_capture_config *cfg,
                      sos_error *err)
{
    struct sos_runner_opts opts = *cfg->run_opts;
    if (sos_session_open(&c->session, cfg->doctor, err) != 0) {
        sos_session_close(&c->session);
        return -1;
    }
    c->session_open = 1;
    opts.capture = 1;
    if (sos_runner_run(&c->session.run, c->session.jobs, &opts, err) != 0)
        return -1;
    if (c->session.run.interrupted_by)
        return sos_fail(err, "the capture's doctor run was interrupted: nothing was captured");
    return 0;
}

static int keep_secret(struct sos_capture *c, const char *s)
{
    char **grown;
    if (!s || strlen(s) < SOS_REDACT_MIN_SECRET)
        return 0;
    grown = realloc(c->secrets, (c->n_secrets + 1) * sizeof *grown);
    if (!grown)
        return -1;
    c->secrets = grown;
    if (!(grown[c->n_secrets] = strdup(s)))
        return -1;
    c->n_secrets++;
    return 0;
}

/* The secrets of the run and of this process's environment: what the
 * redactor removes and the read-back scan looks for. */
static int gather_secrets(struct sos_capture *c, sos_error *err)
{
    extern char **environ;
    const struct sos_run *run = &c->session.run;
    for (size_t i = 0; i < run->n_entries; i++) {
        const struct sos_check_result *r = &run->entries[i].result;
        for (size_t k = 0; k < r->n_secrets; k++)
            if (keep_secret(c, r->secrets[k]) != 0)
                return sos_fail(err, "capture: out of memory");
    }
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        char name[256];
        if (!eq || (size_t)(eq - *e) >= sizeof name)
            continue;
        memcpy(name, *e, (size_t)(eq - *e));
        name[eq - *e] = '\0';
        if (sos_redact_key_is_secret(name) && keep_secret(c, eq + 1) != 0)
            return sos_fail(err, "capture: out of memory");
    }
    if (!(c->rd = sos_run_redactor(run)))
        return sos_fail(err, "capture: out of memory");
    return 0;
}

/* ---- the bundle ---------------------------------------------------------- */

static const char *extension(enum sos_bundle_compression z)
{
    return z == SOS_BUNDLE_ZSTD ? ".tar.zst" : z == SOS_BUNDLE_GZIP ? ".tar.gz" : ".tar";
}

/* NAME-YYYYmmddTHHMMSSZ.tar.zst, NAME made one safe segment. */
static char *bundle_name(const char *name, enum sos_bundle_compression z, time_t now)
{
    char stamp[32], safe[128], *out = NULL;
    size_t n = 0;
    struct tm tm;
    for (const char *p = name; *p && n < sizeof safe - 1; p++)
        safe[n++] = (strchr("._-", *p) || (*p >= '0' && *p <= '9') ||
                     (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
                        ? *p
                        : '_';
    safe[n] = '\0';
    if (n == 0 || safe[0] == '.')
        safe[0] = '_';
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    if (asprintf(&out, "%s-%s%s", n ? safe : "_", stamp, extension(z)) < 0)
        return NULL;
    return out;
}

static int make_dirs(const char *dir, sos_error *err)
{
    char path[4096];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof path)
        return sos_fail(err, "capture: the output directory '%s' is not usable", dir);
    memcpy(path, dir, len + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return sos_fail(err, "capture: cannot make %s: %s", path, strerror(errno));
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return sos_fail(err, "capture: cannot make %s: %s", path, strerror(errno));
    return 0;
}

static json_t *time_json(double t)
{
    char buf[32];
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

/* A redacted JSON string of LEN bytes of DATA (not UTF-8: the bytes are
 * repaired, and the entry says so). */
static json_t *redacted_text(struct sos_capture *c, const char *data, size_t len)
{
    size_t n = 0;
    char *clean = sos_redact_text(c->rd, data ? data : "", data ? len : 0, &n);
    json_t *v;
    if (!clean)
        return NULL;
    v = json_stringn(clean, n);
    if (!v) /* not UTF-8 or a NUL: keep what is printable */
        v = sos_json_text(clean, n);
    free(clean);
    return v;
}

static json_t *argv_json(struct sos_capture *c, char **argv, size_t argc)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < argc; i++) {
        char *item = sos_redact_argv_item(c->rd, i ? argv[i - 1] : NULL, argv[i]);
        if (!item || json_array_append_new(a, sos_json_text(item, strlen(item))) != 0) {
            free(item);
            json_decref(a);
            return NULL;
        }
        free(item);
    }
    return a;
}

/* commands/NNN.json for REC (run by CHECK, NULL for the capture's own),
 * and its line in the manifest's commands. */
static int add_command(struct sos_capture *c, const struct sos_command_rec *rec,
                       const char *check, sos_error *err)
{
    char name[64], *text;
    json_t *doc, *entry;
    int rc;
    snprintf(name, sizeof name, "commands/%03u.json", ++c->n_commands);
    doc = json_pack("{s:o, s:i, s:i, s:b, s:b, s:i, s:f, s:o, s:o, s:o, s:o, s:b}", "argv",
                    argv_json(c, rec->argv, rec->argc), "exit_status", rec->exit_status,
                    "term_signal", rec->term_signal, "timed_out", rec->timed_out,
                    "not_started", rec->not_started, "start_errno", rec->start_errno,
                    "duration", rec->duration, "time", time_json(rec->time), "check",
                    check ? json_string(check) : json_null(), "stdout",
                    redacted_text(c, rec->out, rec->out_len), "stderr",
                    redacted_text(c, rec->err, rec->err_len), "truncated", rec->truncated);
    if (!doc || !(text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS))) {
        json_decref(doc);
        return sos_fail(err, "capture: out of memory");
    }
    rc = sos_bundle_add_mem(c->b, name, text, strlen(text), 0600, (time_t)rec->time,
                            SOS_BUNDLE_REDACTED, NULL, err);
    free(text);
    entry = json_pack("{s:s, s:O, s:i, s:f, s:o}", "member", name, "argv",
                      json_object_get(doc, "argv"), "exit_status", rec->exit_status,
                      "duration", rec->duration, "check",
                      check ? json_string(check) : json_null());
    json_decref(doc);
    if (rc != 0)
        return -1;
    return sos_bundle_add_command(c->b, entry, err);
}

static int add_checks_commands(struct sos_capture *c, sos_error *err)
{
    const struct sos_run *run = &c->session.run;
    for (size_t i = 0; i < run->n_entries; i++) {
        const struct sos_run_entry *e = &run->entries[i];
        for (size_t k = 0; k < e->result.n_commands; k++)
            if (e->result.commands[k].out &&
                add_command(c, &e->result.commands[k], e->decl->id, err) != 0)
                return -1;
    }
    return 0;
}

/* Runs ARGV (the capture's own question) and adds it; its stdout in *OUT
 * (malloc'd) when OUT is not NULL. */
static int run_own_out(struct sos_capture *c, const char *const argv[], const char *const *env,
                       char **out, sos_error *err)
{
    struct sos_cmd_output o;
    struct sos_command_rec rec;
    char **envp = sos_command_env(env);
    double started = sos_now_wall();
    size_t argc = 0;
    int rc;
    if (!envp)
        return sos_fail(err, "capture: out of memory");
    while (argv[argc])
        argc++;
    memset(&o, 0, sizeof o);
    if (sos_command_run(argv, envp, OWN_TIMEOUT, OWN_CAPTURE, NULL, NULL, &o) != 0) {
        o.exit_status = -1;
        o.not_started = 1;
        o.start_errno = errno;
    }
    sos_strv_free(envp);
    rec = (struct sos_command_rec){
        .argv = (char **)argv, .argc = argc, .exit_status = o.exit_status,
        .term_signal = o.term_signal, .timed_out = o.timed_out, .not_started = o.not_started,
        .truncated = o.truncated, .duration = o.duration, .start_errno = o.start_errno,
        .time = started, .out = o.out, .err = o.err, .out_len = o.out_len,
        .err_len = o.err_len,
    };
    rc = add_command(c, &rec, NULL, err);
    if (rc == 0 && out && o.exit_status == 0 && o.out && !(*out = strdup(o.out)))
        rc = sos_fail(err, "capture: out of memory");
    sos_cmd_output_free(&o);
    return rc;
}

static int run_own(struct sos_capture *c, const char *const argv[], const char *const *env,
                   sos_error *err)
{
    return run_own_out(c, argv, env, NULL, err);
}

/* The image ID of `podman container inspect`'s first container, or NULL. */
static char *image_of(const char *inspect)
{
    json_t *doc = inspect ? json_loads(inspect, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(json_array_get(doc, 0), "Image"));
    char *copy = id && *id && id[0] != '-' ? strdup(id) : NULL;
    json_decref(doc);
    return copy;
}

/* What the service manager and podman say about the target. */
static int add_backend_view(struct sos_capture *c, const struct sos_capture_config *cfg,
                            sos_error *err)
{
    const struct sos_qtarget *t = c->target;
    char service[512];
    int rc = 0;
    if (t->backend == SOS_BACKEND_LAUNCHD && t->label && t->domain) {
        snprintf(service, sizeof service, "%s/%s", t->domain, t->label);
        rc = run_own(c, (const char *const[]){"launchctl", "print", service, NULL}, NULL, err);
        if (rc == 0)
            rc = run_own(c, (const char *const[]){"launchctl", "print-disabled", t->domain,
                                                  NULL},
                         NULL, err);
    } else if (t->backend == SOS_BACKEND_SYSTEMD && t->unit) {
        const char *scope = t->user_scope ? "--user" : "--system";
        rc = run_own(c, (const char *const[]){"systemctl", scope, "show", t->unit,
                                              "--no-pager", NULL},
                     NULL, err);
        if (rc == 0)
            rc = run_own(c, (const char *const[]){"systemctl", scope, "status", t->unit,
                                                  "--no-pager", "--full", NULL},
                         NULL, err);
        if (rc == 0)
            rc = run_own(c, (const char *const[]){"journalctl", t->user_scope ? "--user" : "--system",
                                                  "-u", t->unit, "-n", "1000", "--no-pager",
                                                  "-o", "short-iso", NULL},
                         NULL, err);
    }
    if (rc != 0)
        return rc;
    rc = run_own(c, (const char *const[]){"podman", "machine", "list", "--format", "json", NULL},
                 cfg->podman_env, err);
    if (rc == 0)
        rc = run_own(c, (const char *const[]){"podman", "info", "--format", "json", NULL},
                     cfg->podman_env, err);
    if (rc == 0)
        rc = run_own(c, (const char *const[]){"podman", "ps", "-a", "--format", "json", NULL},
                     cfg->podman_env, err);
    if (rc == 0 && t->container) {
        char *inspect = NULL, *image;
        rc = run_own_out(c, (const char *const[]){"podman", "container", "inspect",
                                                  t->container, NULL},
                         cfg->podman_env, &inspect, err);
        image = image_of(inspect);
        free(inspect);
        /* the image's metadata: Id, Digest, RepoDigests, Created,
         * Architecture, Labels */
        if (rc == 0 && image)
            rc = run_own(c, (const char *const[]){"podman", "image", "inspect", image, NULL},
                         cfg->podman_env, err);
        free(image);
    }
    return rc;
}

/* ---- report.json --------------------------------------------------------- */

static int add_report(struct sos_capture *c, const struct sos_capture_config *cfg,
                      sos_error *err)
{
    json_t *doc = sos_report_to_json(&c->session.run);
    json_t *host = doc ? json_object_get(doc, "host") : NULL;
    char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    int rc;
    if (!text) {
        json_decref(doc);
        return sos_fail(err, "capture: out of memory writing report.json");
    }
    rc = sos_bundle_add_mem(c->b, "report.json", text, strlen(text), 0600, time(NULL),
                            SOS_BUNDLE_REDACTED, NULL, err);
    free(text);
    if (rc == 0 && host)
        rc = sos_bundle_set(c->b, "host_facts", json_incref(host), err);
    json_decref(doc);
    if (rc == 0)
        rc = sos_bundle_set(c->b, "report",
                            json_pack("{s:s, s:s?}", "command", cfg->doctor->command,
                                      "agent", c->target->agent),
                            err);
    return rc;
}

/* ---- the start ------------------------------------------------------------ */

static int open_bundle(struct sos_capture *c, const struct sos_capture_config *cfg,
                       sos_error *err)
{
    char host[256] = "";
    time_t now = time(NULL);
    struct sos_bundle_info info = {NULL, host, c->target->name, now};
    if (make_dirs(cfg->output_dir, err) != 0)
        return -1;
    sos_bundle_clean_stale(cfg->output_dir);
    snprintf(host, sizeof host, "%s", c->session.run.host.hostname);
    if (!(c->name = bundle_name(c->target->name, cfg->compression, now)))
        return sos_fail(err, "capture: out of memory");
    c->b = sos_bundle_open(cfg->output_dir, c->name, cfg->compression, &info, err);
    return c->b ? 0 : -1;
}

struct sos_capture *sos_capture_start(const struct sos_capture_config *cfg, sos_error *err)
{
    struct sos_capture *c = calloc(1, sizeof *c);
    struct sos_capture_files files;
    const char **agents = NULL;
    size_t n_agents = 0;
    int rc;
    if (!c) {
        sos_fail(err, "capture: out of memory");
        return NULL;
    }
    c->target = cfg->target;
    c->root = cfg->run_opts->root && *cfg->run_opts->root ? cfg->run_opts->root : "/";
    c->log_bytes = cfg->log_bytes ? cfg->log_bytes : SOS_CAPTURE_LOG_BYTES;
    if (!(c->actions = json_array())) {
        sos_fail(err, "capture: out of memory");
        goto fail;
    }
    if (run_doctor(c, cfg, err) != 0 || gather_secrets(c, err) != 0 ||
        open_bundle(c, cfg, err) != 0 || add_report(c, cfg, err) != 0 ||
        add_checks_commands(c, err) != 0 || add_backend_view(c, cfg, err) != 0)
        goto fail;
    if (!(agents = calloc(c->session.n_agents + 1, sizeof *agents))) {
        sos_fail(err, "capture: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < c->session.n_agents; i++)
        if (c->session.agents[i].name)
            agents[n_agents++] = c->session.agents[i].name;
    files = (struct sos_capture_files){
        .b = c->b, .rd = c->rd, .root = c->root, .log_bytes = c->log_bytes,
        .run = &c->session.run, .target = c->target,
        .config_dir = cfg->doctor->config_dir, .agents = agents, .n_agents = n_agents,
    };
    rc = sos_capture_files_add(&files, err);
    free(agents);
    if (rc != 0 ||
        sos_bundle_set(c->b, "root", json_string(c->root), err) != 0 ||
        sos_bundle_set(c->b, "uid", json_integer((json_int_t)getuid()), err) != 0)
        goto fail;
    return c;
fail:
    capture_free(c);
    return NULL;
}

int sos_capture_add_action(struct sos_capture *c, json_t *action, sos_error *err)
{
    if (!json_is_object(action)) {
        json_decref(action);
        return sos_fail(err, "capture: an action must be a JSON object");
    }
    if (sos_redact_json(c->rd, action) != 0 || json_array_append(c->actions, action) != 0) {
        json_decref(action);
        return sos_fail(err, "capture: out of memory");
    }
    return sos_bundle_add_action(c->b, action, err);
}

int sos_capture_set_restore(struct sos_capture *c, const char *how, sos_error *err)
{
    free(c->restore);
    if (!(c->restore = strdup(how)))
        return sos_fail(err, "capture: out of memory");
    return 0;
}

int sos_capture_finish(struct sos_capture *c, char **path, sos_error *err)
{
    char *text = NULL, *where = NULL;
    int rc;
    if (!(text = sos_capture_remediation(&c->session.run, c->target, c->actions, c->restore,
                                         c->rd))) {
        capture_free(c);
        return sos_fail(err, "capture: out of memory writing remediation.md");
    }
    rc = sos_bundle_add_mem(c->b, "remediation.md", text, strlen(text), 0600, time(NULL),
                            SOS_BUNDLE_REDACTED, NULL, err);
    free(text);
    if (rc == 0)
        rc = sos_bundle_close(c->b, &where, err);
    else
        sos_bundle_abort(c->b);
    c->b = NULL;
    if (rc == 0)
        rc = sos_bundle_scan(where, (const char *const *)c->secrets, c->n_secrets, err);
    if (rc == 0 && path)
        *path = where;
    else
        free(where);
    capture_free(c);
    return rc;
}

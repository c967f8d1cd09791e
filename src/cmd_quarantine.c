/* `sourceos-agent quarantine NAME` and `release NAME` (DESIGN.md:
 * Quarantine bundle). quarantine matches NAME (core/qmatch.c), captures the
 * service into a bundle (core/capture.c), then contains it reversibly: one
 * lifecycle transaction (core/lifecycle.c: journaled, under the record's
 * lock, rolled back on a failure) stops and disables it and moves its
 * definition aside as FILE.disabled, then the container is stopped and
 * everything verified; the actions and the verification go into the
 * bundle's manifest and remediation.md, the prior state into the
 * quarantine record (STATE/sourceos/quarantined/NAME/quarantine.json).
 * release puts back exactly what the record says. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "atomic.h"
#include "capture.h"
#include "cli.h"
#include "command.h"
#include "ctx.h"
#include "host.h"
#include "journal.h"
#include "lifecycle.h"
#include "lifecycle_plan.h"
#include "qmatch.h"
#include "redact.h"
#include "redact_run.h"
#include "rootfs.h"
#include "scratch.h"
#include "shquote.h"
#include "state.h"
#include "verbs.h"

extern char **environ;

#define RECORD_FILE "quarantine.json"
#define COMMAND_TIMEOUT_S 60.0
#define MAX_PARAMS 8

struct params {
    struct sos_param v[MAX_PARAMS];
    char *values[MAX_PARAMS];
    size_t n;
};

static void put(struct params *p, const char *key, const char *value)
{
    if (!value || p->n >= MAX_PARAMS)
        return;
    p->values[p->n] = (char *)value;
    p->v[p->n].key = (char *)key;
    p->v[p->n].values = &p->values[p->n];
    p->v[p->n].n_values = 1;
    p->n++;
}

static const char *config_dir(const struct cli *cli)
{
    return cli->config_dir ? cli->config_dir : cli_default_config_dir();
}

static const char *plugin_dir(const struct cli *cli)
{
    return cli->plugin_dir ? cli->plugin_dir : cli_default_plugin_dir();
}

/* The tree the service's files are under: --root (with --live: acted on). */
static const char *tree_of(const struct cli *cli)
{
    return cli->root && strcmp(cli->root, "/") != 0 ? cli->root : NULL;
}

/* Where the records and the default bundles go: $XDG_STATE_HOME/sourceos,
 * else ~/.local/state/sourceos. */
static int state_base(char *out, size_t size)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    int n = xdg && xdg[0] == '/' ? snprintf(out, size, "%s/sourceos", xdg)
            : home && home[0] == '/' ? snprintf(out, size, "%s/.local/state/sourceos", home)
                                     : -1;
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* A target's name as a file name: what is not [A-Za-z0-9._@:-] becomes '_'. */
static void file_name(const char *name, char *out, size_t size)
{
    size_t i = 0;
    for (; name[i] && i + 1 < size; i++)
        out[i] = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@:-",
                        name[i]) ? name[i] : '_';
    out[i] = '\0';
    if (out[0] == '.' || !out[0])
        out[0] = '_';
}

static int record_dir(const char *name, char *out, size_t size)
{
    char base[PATH_MAX], safe[256];
    file_name(name, safe, sizeof safe);
    if (state_base(base, sizeof base) != 0)
        return -1;
    return (size_t)snprintf(out, size, "%s/quarantined/%s", base, safe) >= size ? -1 : 0;
}

/* The record of NAME: its own, else the one record whose name contains NAME
 * (a service quarantined is no longer where matching looks). 0 with OUT;
 * -1 none; 1 more than one. */
static int find_record(const char *name, char *out, size_t size)
{
    char base[PATH_MAX], dir[PATH_MAX + 16], found[512] = "";
    struct stat st;
    DIR *d;
    struct dirent *e;
    int n = 0;
    if (record_dir(name, out, size) != 0)
        return -1;
    snprintf(dir, sizeof dir, "%s/%s", out, RECORD_FILE);
    if (stat(dir, &st) == 0)
        return 0;
    if (state_base(base, sizeof base) != 0)
        return -1;
    snprintf(dir, sizeof dir, "%s/quarantined", base);
    if (!(d = opendir(dir)))
        return -1;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && strstr(e->d_name, name) && n++ == 0)
            snprintf(found, sizeof found, "%s", e->d_name);
    closedir(d);
    if (n != 1)
        return n ? 1 : -1;
    return record_dir(found, out, size) == 0 ? 0 : -1;
}

static int mkdirs(const char *path, mode_t mode)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, mode) != 0 && errno != EEXIST ? -1 : 0;
}

/* The default output directory: ~/Desktop/sourceos-quarantine on macOS,
 * STATE/sourceos/quarantine elsewhere. */
static int default_output(const struct cli *cli, char *out, size_t size)
{
    struct sos_host h;
    const char *home = getenv("HOME");
    char base[PATH_MAX];
    sos_host_detect(tree_of(cli), &h);
    if (strcmp(h.os, "macos") == 0 && home && home[0] == '/')
        return (size_t)snprintf(out, size, "%s/Desktop/sourceos-quarantine", home) >= size ? -1 : 0;
    if (state_base(base, sizeof base) != 0)
        return -1;
    return (size_t)snprintf(out, size, "%s/quarantine", base) >= size ? -1 : 0;
}

/* Writes NAME in the directory DIR atomically. */
static int write_in(const char *dir, const char *name, const void *data, size_t len,
                    sos_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), rc;
    if (fd < 0)
        return sos_fail(err, "%s: %s", dir, strerror(errno));
    rc = sos_atomic_write(fd, name, data, len, 0600, 0, err);
    close(fd);
    return rc;
}

/* ---- the definition's paths ------------------------------------------------- */

static const char *definition(const struct sos_qtarget *t)
{
    return t->backend == SOS_BACKEND_LAUNCHD ? t->plist
           : t->backend == SOS_BACKEND_SYSTEMD && t->unit_path && *t->unit_path ? t->unit_path
                                                                                : NULL;
}

static void aside_of(const struct sos_qtarget *t, char *out, size_t size)
{
    const char *d = definition(t);
    snprintf(out, size, "%s.disabled", d ? d : "");
}

/* Whether PATH (host view) is a file under the tree. */
static int exists_in_tree(const struct cli *cli, const char *path)
{
    char *real = NULL;
    struct stat st;
    int yes = sos_rootfs_resolve(tree_of(cli), path, 0, &real) == 0 && lstat(real, &st) == 0;
    free(real);
    return yes;
}

/* Whether PATH (host view) is a link to /dev/null under the tree: a unit
 * systemctl masked. Its directory is resolved, not the link itself. */
static int masked_in_tree(const struct cli *cli, const char *path)
{
    const char *base = strrchr(path, '/');
    char dir[PATH_MAX], *real = NULL, to[16];
    ssize_t n = -1;
    int dfd;
    if (!base || base == path || (size_t)(base - path) >= sizeof dir)
        return 0;
    memcpy(dir, path, (size_t)(base - path));
    dir[base - path] = '\0';
    if (sos_rootfs_resolve(tree_of(cli), dir, 0, &real) == 0 &&
        (dfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
        n = readlinkat(dfd, base + 1, to, sizeof to - 1);
        close(dfd);
    }
    free(real);
    if (n < 0)
        return 0;
    to[n] = '\0';
    return strcmp(to, "/dev/null") == 0;
}

/* Copies the definition into the record (kept there as found). */
static int keep_copy(const struct cli *cli, const struct sos_qtarget *t, const char *rec,
                     sos_error *err)
{
    const char *d = definition(t), *base;
    char *data = NULL;
    size_t len = 0;
    int rc;
    if (!d)
        return 0;
    base = strrchr(d, '/') ? strrchr(d, '/') + 1 : d;
    if ((rc = sos_rootfs_read(tree_of(cli), d, 4u << 20, &data, &len)) != 0)
        return sos_fail(err, "cannot read %s: %s", d, strerror(rc < 0 ? -rc : EFBIG));
    rc = write_in(rec, base, data, len, err);
    free(data);
    return rc;
}

/* ---- the service manager's params ---------------------------------------------- */

static void target_params(const struct sos_qtarget *t, const char *aside, struct params *p,
                          char *uid, size_t uid_size)
{
    if (t->backend == SOS_BACKEND_LAUNCHD) {
        int system = t->domain && strcmp(t->domain, "system") == 0;
        snprintf(uid, uid_size, "%s", system || !t->domain ? "0" : t->domain + 4);
        put(p, "plist", t->plist);
        put(p, "label", t->label);
        put(p, "user", system ? "false" : "true");
        if (!system)
            put(p, "uid", uid);
    } else {
        put(p, "unit", t->unit_path);
        put(p, "user", t->user_scope ? "true" : "false");
    }
    put(p, "backup", aside);
    put(p, "timeout_ms", "120000");
}

/* ---- running a command of its own (container, verification) ------------------ */

static int run(const char *const argv[], struct sos_cmd_output *o)
{
    return sos_command_run(argv, environ, COMMAND_TIMEOUT_S, 1u << 20, NULL, NULL, o);
}

/* The first line of O's stdout, trimmed, in BUF. */
static const char *first_line(const struct sos_cmd_output *o, char *buf, size_t size)
{
    size_t n = o->out ? strcspn(o->out, "\r\n") : 0;
    snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), o->out ? o->out : "");
    return buf;
}

static json_t *check_json(const char *what, int ok, const char *evidence)
{
    char *clean = sos_redact_str(NULL, evidence);
    json_t *j = json_pack("{s:s, s:b, s:s}", "what", what, "ok", ok, "evidence",
                          clean ? clean : "");
    free(clean);
    return j;
}

/* Whether the container runs: 1 yes, 0 no (or not there), -1 unknown. */
static int container_running(const char *name, char *evidence, size_t size)
{
    const char *argv[] = {"podman", "inspect", "--format", "{{.State.Running}}", name, NULL};
    struct sos_cmd_output o;
    char line[64];
    int rc;
    if (run(argv, &o) != 0)
        return -1;
    first_line(&o, line, sizeof line);
    rc = o.not_started ? -1 : o.exit_status != 0 ? 0 : strcmp(line, "true") == 0;
    snprintf(evidence, size, "podman inspect: %s", o.not_started ? "podman not found"
                                                   : o.exit_status != 0 ? "no such container"
                                                                        : line);
    sos_cmd_output_free(&o);
    return rc;
}

/* podman stop -t T NAME, then podman kill when it still runs. */
static json_t *stop_container(const struct sos_qtarget *t, int *was_running, int *ok)
{
    char tbuf[16], ev[256];
    const char *stop[] = {"podman", "stop", "-t", tbuf, t->container, NULL};
    const char *kill[] = {"podman", "kill", t->container, NULL};
    struct sos_cmd_output o;
    json_t *a;
    snprintf(tbuf, sizeof tbuf, "%u", t->stop_timeout ? t->stop_timeout : 10);
    *was_running = container_running(t->container, ev, sizeof ev) == 1;
    if (!*was_running) {
        *ok = 1;
        return json_pack("{s:s, s:s, s:s}", "step", "container-stop", "status", "skipped",
                         "detail", ev);
    }
    if (run(stop, &o) == 0)
        sos_cmd_output_free(&o);
    if (container_running(t->container, ev, sizeof ev) == 1 && run(kill, &o) == 0)
        sos_cmd_output_free(&o);
    *ok = container_running(t->container, ev, sizeof ev) != 1;
    a = json_pack("{s:s, s:s, s:[s,s,s,s,s], s:s}", "step", "container-stop", "status",
                  *ok ? "done" : "failed", "argv", "podman", "stop", "-t", tbuf, t->container,
                  "detail", ev);
    return a;
}

/* ---- verification ------------------------------------------------------------------ */

static int verify_launchd(const struct sos_qtarget *t, json_t *checks)
{
    char service[512], line[1024];
    const char *print[] = {"launchctl", "print", service, NULL};
    const char *disabled[] = {"launchctl", "print-disabled", t->domain, NULL};
    struct sos_cmd_output o;
    int all = 1, ok;
    snprintf(service, sizeof service, "%s/%s", t->domain, t->label);
    if (run(print, &o) != 0)
        return 0;
    ok = !o.not_started && o.exit_status != 0;
    snprintf(line, sizeof line, "launchctl print %s: exit %d", service, o.exit_status);
    json_array_append_new(checks, check_json("not loaded", ok, line));
    all &= ok;
    sos_cmd_output_free(&o);
    if (run(disabled, &o) != 0)
        return 0;
    {
        char needle[300];
        const char *at;
        snprintf(needle, sizeof needle, "\"%s\" => ", t->label);
        at = o.out ? strstr(o.out, needle) : NULL;
        ok = at && (strncmp(at + strlen(needle), "disabled", 8) == 0 ||
                    strncmp(at + strlen(needle), "true", 4) == 0);
        snprintf(line, sizeof line, "launchctl print-disabled %s: %s", t->domain,
                 at ? at : "no override");
        line[strcspn(line, "\n")] = '\0';
        json_array_append_new(checks, check_json("disabled override", ok, line));
        all &= ok;
    }
    sos_cmd_output_free(&o);
    return all;
}

static int verify_systemd(const struct sos_qtarget *t, json_t *checks)
{
    const char *active[] = {"systemctl", t->user_scope ? "--user" : "--system", "is-active",
                            t->unit, NULL};
    const char *enabled[] = {"systemctl", t->user_scope ? "--user" : "--system", "is-enabled",
                             t->unit, NULL};
    struct sos_cmd_output o;
    char line[64], ev[256];
    int all = 1, ok;
    if (run(active, &o) != 0)
        return 0;
    first_line(&o, line, sizeof line);
    ok = !o.not_started && strcmp(line, "active") != 0 && strcmp(line, "activating") != 0 &&
         strcmp(line, "reloading") != 0;
    snprintf(ev, sizeof ev, "systemctl is-active %s: %s", t->unit, line);
    json_array_append_new(checks, check_json("not running", ok, ev));
    all &= ok;
    sos_cmd_output_free(&o);
    if (run(enabled, &o) != 0)
        return 0;
    first_line(&o, line, sizeof line);
    ok = !o.not_started && strncmp(line, "enabled", 7) != 0;
    snprintf(ev, sizeof ev, "systemctl is-enabled %s: %s", t->unit, line[0] ? line : "not-found");
    json_array_append_new(checks, check_json("not enabled", ok, ev));
    all &= ok;
    sos_cmd_output_free(&o);
    return all;
}

static json_t *verify(const struct cli *cli, const struct sos_qtarget *t, const char *aside,
                      int *all)
{
    json_t *checks = json_array();
    char ev[PATH_MAX + 64];
    *all = 1;
    if (t->backend == SOS_BACKEND_LAUNCHD)
        *all &= verify_launchd(t, checks);
    else if (t->backend == SOS_BACKEND_SYSTEMD)
        *all &= verify_systemd(t, checks);
    if (definition(t)) {
        /* with --mask, the definition's place is the mask's link */
        int gone = !exists_in_tree(cli, definition(t)) ||
                   (cli->q_mask && masked_in_tree(cli, definition(t)));
        int kept = exists_in_tree(cli, aside), moved = gone && kept;
        snprintf(ev, sizeof ev, "%s: %s", aside,
                 moved  ? (cli->q_mask ? "in place of the definition, which is masked"
                                       : "in place of the definition")
                 : kept ? "there, but so is the definition"
                        : "missing");
        json_array_append_new(checks, check_json("definition moved aside", moved, ev));
        *all &= moved;
    }
    if (t->container) {
        int r = container_running(t->container, ev, sizeof ev);
        json_array_append_new(checks, check_json("container not running", r == 0, ev));
        *all &= r == 0 || r == -1; /* no podman here: nothing of it runs */
    }
    return json_pack("{s:s, s:s, s:o}", "step", "verify", "status", *all ? "done" : "failed",
                     "checks", checks);
}

/* ---- the transaction -------------------------------------------------------------- */

static json_t *steps_json(const struct sos_lc_report *rep)
{
    json_t *a = json_array();
    for (size_t i = 0; i < rep->run.n_entries; i++) {
        const struct sos_run_entry *e = &rep->run.entries[i];
        const char *id = e->decl->id, *dot = strchr(id, '.');
        json_t *changes = json_array();
        for (size_t k = 0; k < e->result.n_changes; k++) {
            const struct sos_change_rec *c = &e->result.changes[k];
            char *shown = NULL;
            if (c->argv) {
                const char **argv = calloc(c->argc + 1, sizeof *argv);
                sos_error ignored;
                for (size_t w = 0; argv && w < c->argc; w++)
                    argv[w] = c->argv[w];
                shown = argv ? sos_shquote_argv(argv, &ignored) : NULL;
                free(argv);
            }
            json_array_append_new(changes, json_pack("{s:s, s:s?, s:s?, s:b}", "op", c->op,
                                                     "path", c->path, "command", shown, "done",
                                                     c->done));
            free(shown);
        }
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o}", "step", dot ? dot + 1 : id,
                                           "status", sos_status_name(e->result.status), "detail",
                                           e->result.reason ? e->result.reason : "", "changes",
                                           changes));
    }
    return a;
}

static const char *fact_of(const struct sos_lc_report *rep, const char *key)
{
    for (size_t i = 0; i < rep->run.n_entries; i++)
        for (size_t k = 0; k < rep->run.entries[i].result.n_facts; k++)
            if (strcmp(rep->run.entries[i].result.facts[k].key, key) == 0)
                return rep->run.entries[i].result.facts[k].value;
    return NULL;
}

/* The lifecycle of target T, journaled under its record REC (the params
 * point into ASIDE and UID). */
struct target_lc {
    struct sos_lifecycle lc;
    struct params p;
    char aside[PATH_MAX], uid[32];
};

static void target_lc(struct cli *cli, const struct sos_qtarget *t, const char *rec,
                      struct target_lc *x)
{
    memset(x, 0, sizeof *x);
    aside_of(t, x->aside, sizeof x->aside);
    target_params(t, x->aside, &x->p, x->uid, sizeof x->uid);
    x->lc.state_dir = rec;
    x->lc.plugin_dir = plugin_dir(cli);
    x->lc.root = tree_of(cli);
    x->lc.dry_run = cli->dry_run;
    x->lc.step_timeout = cli->timeout_given ? cli->timeout : 120;
    x->lc.params = x->p.v;
    x->lc.n_params = x->p.n;
}

/* Rolls back the transaction a killed run left under REC: 1 when there
 * was one (its name in NAME), 0 when none, -1 with ERR. */
static int recover(struct cli *cli, const struct sos_qtarget *t, const char *rec, char *name,
                   size_t name_size, sos_error *err)
{
    struct target_lc x;
    struct sos_lc_report r;
    size_t n_all;
    const struct sos_lc_step *all = sos_lc_all_steps(t->backend, &n_all);
    int found;
    target_lc(cli, t, rec, &x);
    if (sos_lifecycle_recover(&x.lc, all, n_all, &r, err) != 0)
        return -1;
    found = r.recovered != NULL;
    if (found && name)
        snprintf(name, name_size, "%s", r.recovered);
    sos_lc_report_free(&r);
    return found;
}

static int run_steps(struct cli *cli, const struct sos_qtarget *t, const char *rec,
                     const char *transaction, const struct sos_lc_step *steps, size_t n,
                     struct sos_lc_report *rep, sos_error *err)
{
    struct target_lc x;
    /* a transaction a killed run left is rolled back first */
    if (!cli->dry_run && recover(cli, t, rec, NULL, 0, err) < 0)
        return -1;
    target_lc(cli, t, rec, &x);
    return sos_lifecycle_run(&x.lc, transaction, steps, n, rep, err);
}

/* ---- the record ------------------------------------------------------------------- */

static json_t *target_json(const struct sos_qtarget *t)
{
    static const char *const kinds[] = {"agent", "launchd", "systemd", "container"};
    return json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:b, s:s?, s:s?, s:i}",
                     "name", t->name, "kind", kinds[t->kind], "agent", t->agent, "backend",
                     sos_agent_backend_name(t->backend), "label", t->label, "plist", t->plist,
                     "domain", t->domain, "unit", t->unit, "unit_path", t->unit_path,
                     "user_scope", t->user_scope, "user", t->user, "container", t->container,
                     "stop_timeout", (int)t->stop_timeout);
}

static char *jdup(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? strdup(v) : NULL;
}

static int target_from_json(const json_t *j, struct sos_qtarget *t)
{
    const char *kind = json_string_value(json_object_get(j, "kind"));
    const char *backend = json_string_value(json_object_get(j, "backend"));
    memset(t, 0, sizeof *t);
    if (!kind || !backend)
        return -1;
    t->kind = !strcmp(kind, "agent")     ? SOS_QT_AGENT
              : !strcmp(kind, "launchd") ? SOS_QT_LAUNCHD
              : !strcmp(kind, "systemd") ? SOS_QT_SYSTEMD
                                         : SOS_QT_CONTAINER;
    t->backend = !strcmp(backend, "launchd")   ? SOS_BACKEND_LAUNCHD
                 : !strcmp(backend, "systemd") ? SOS_BACKEND_SYSTEMD
                                               : SOS_BACKEND_AUTO;
    t->name = jdup(j, "name");
    t->agent = jdup(j, "agent");
    t->label = jdup(j, "label");
    t->plist = jdup(j, "plist");
    t->domain = jdup(j, "domain");
    t->unit = jdup(j, "unit");
    t->unit_path = jdup(j, "unit_path");
    t->user_scope = json_is_true(json_object_get(j, "user_scope"));
    t->user = jdup(j, "user");
    t->container = jdup(j, "container");
    t->stop_timeout = (unsigned)json_integer_value(json_object_get(j, "stop_timeout"));
    if (!t->name || (t->backend == SOS_BACKEND_LAUNCHD && (!t->label || !t->plist || !t->domain)) ||
        (t->backend == SOS_BACKEND_SYSTEMD && (!t->unit || !t->unit_path))) {
        sos_qtarget_free(t);
        return -1;
    }
    return 0;
}

static int write_record(const char *rec, json_t *doc, sos_error *err)
{
    char *text = json_dumps(doc, JSON_INDENT(2));
    int rc = text ? write_in(rec, RECORD_FILE, text, strlen(text), err)
                  : sos_fail(err, "out of memory");
    free(text);
    return rc;
}

static json_t *read_record(const char *rec, sos_error *err)
{
    char path[PATH_MAX];
    json_error_t je;
    json_t *doc;
    snprintf(path, sizeof path, "%s/%s", rec, RECORD_FILE);
    if (!(doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je)) || !json_is_object(doc)) {
        json_decref(doc);
        sos_fail(err, "%s: %s", path, access(path, F_OK) != 0 ? "not quarantined (no record)"
                                                               : je.text);
        return NULL;
    }
    return doc;
}

/* The record REC goes: the definition's copy BASE (or NULL), the record,
 * the journal and the lock, then the directory. */
static int remove_record(const char *rec, const char *base)
{
    int dfd = open(rec, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd >= 0) {
        if (base)
            unlinkat(dfd, base, 0);
        unlinkat(dfd, RECORD_FILE, 0);
        unlinkat(dfd, "journal", 0);
        unlinkat(dfd, "lock", 0);
        close(dfd);
    }
    return rmdir(rec);
}

static const char *base_of(const char *path)
{
    return path && strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
}

/* Whether REC holds a journal: a transaction that was not rolled back. */
static int has_journal(const char *rec)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/journal", rec) >= sizeof path)
        return 1; /* cannot tell: keep the record */
    return access(path, F_OK) == 0;
}

/* A declared agent's state.json: STATE (quarantined, or back to what it
 * was). Nothing when it has no state directory. */
static void set_agent_state(struct cli *cli, const char *agent, const char *state)
{
    struct sos_agent_model_opts mo;
    struct sos_agent a;
    struct sos_state_view v;
    sos_error err;
    char *dir;
    if (!agent || cli_agent_model_opts(cli, &mo, &err) != 0 ||
        sos_agent_load_with(config_dir(cli), agent, &mo, &a, &err) != 0)
        return;
    if ((dir = cli_state_dir(cli, &a.model, &mo, &err)) &&
        sos_state_read(dir, time(NULL), &v, &err) == 0) {
        if (v.record.state != SOS_INSTALLED_NONE) {
            v.record.state = !strcmp(state, "quarantined") ? SOS_INSTALLED_QUARANTINED
                             : !strcmp(state, "enabled")   ? SOS_INSTALLED_ENABLED
                                                           : SOS_INSTALLED_INSTALLED;
            if (sos_state_write(dir, &v.record, time(NULL), &err) != 0)
                cli_error(cli, "warning: %s", err.msg);
        }
        sos_state_view_free(&v);
    }
    free(dir);
    sos_agent_free(&a);
}

/* ---- output ------------------------------------------------------------------------ */

static char *release_command(const struct cli *cli, const char *name)
{
    const char *argv[8];
    size_t n = 0;
    sos_error ignored;
    argv[n++] = "sourceos-agent";
    argv[n++] = "release";
    argv[n++] = name;
    if (tree_of(cli)) {
        argv[n++] = "--root";
        argv[n++] = cli->root;
        argv[n++] = "--live";
    }
    argv[n] = NULL;
    return sos_shquote_argv(argv, &ignored);
}

static void print_steps(const json_t *steps)
{
    size_t i;
    json_t *s;
    json_array_foreach(steps, i, s) {
        const char *detail = json_string_value(json_object_get(s, "detail"));
        char *clean = sos_redact_str(NULL, detail ? detail : "");
        char shown[512];
        printf("    %-16s %s%s%s\n", json_string_value(json_object_get(s, "step")),
               json_string_value(json_object_get(s, "status")), clean && *clean ? ": " : "",
               clean ? cli_escape(clean, shown, sizeof shown) : "");
        free(clean);
    }
}

static void print_checks(const json_t *verify)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(verify, "checks"), i, c) {
        char shown[512];
        printf("    %-24s %s (%s)\n", json_string_value(json_object_get(c, "what")),
               json_is_true(json_object_get(c, "ok")) ? "yes" : "NO",
               cli_escape(json_string_value(json_object_get(c, "evidence")), shown, sizeof shown));
    }
}

static int emit_json(struct cli *cli, json_t *doc, int rc)
{
    int printed;
    json_object_set_new(doc, "exit_code", json_integer(rc));
    printed = cli_print_json(cli, doc);
    return printed ? printed : rc;
}

/* ---- quarantine -------------------------------------------------------------------- */

struct quarantine {
    struct cli *cli;
    struct sos_qtarget t;
    char rec[PATH_MAX];
    char out_dir[PATH_MAX];
    char aside[PATH_MAX];
    struct sos_capture *cap;
    struct sos_lc_report rep;
    int reported;
    int blind;   /* contained after a failed capture (--contain-anyway): no bundle */
    char **podman_env; /* what podman runs with: the plugins' command environment */
    json_t *doc; /* the command's own report */
};

static int match(struct quarantine *q, char **operands)
{
    struct cli *cli = q->cli;
    struct sos_agent_model_opts mo;
    struct sos_qcandidates c;
    sos_error err;
    const char *name = cli->q_label       ? cli->q_label
                       : cli->q_unit      ? cli->q_unit
                       : cli->q_plist     ? cli->q_plist
                       : cli->q_container ? cli->q_container
                                          : operands[0];
    struct sos_qmatch_opts o = {
        .config_dir = config_dir(cli),
        .mo = &mo,
        .root = tree_of(cli),
        .ask_podman = !cli_offline(cli),
        .podman_envp = q->podman_env,
        .by = cli->q_label ? SOS_QM_LABEL
              : cli->q_unit ? SOS_QM_UNIT
              : cli->q_plist ? SOS_QM_PLIST
              : cli->q_container ? SOS_QM_CONTAINER
                                 : SOS_QM_ANY,
    };
    int rc;
    if (!name) {
        cli_error(cli, "quarantine needs NAME, or --label, --unit, --plist or --container");
        return SOS_EXIT_USAGE;
    }
    if (cli_agent_model_opts(cli, &mo, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    rc = sos_qmatch(&o, name, &q->t, &c, &err);
    if (rc < 0) {
        cli_error(cli, "quarantine %s: %s; nothing was changed", name, err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    if (rc > 0 && c.n == 0) {
        char rec[PATH_MAX];
        if (find_record(name, rec, sizeof rec) == 0) {
            /* killed after it moved the definition aside: the record says
             * what it was quarantining, and this run finishes the job */
            json_t *old = read_record(rec, &err);
            int resumed = json_is_true(json_object_get(old, "containing")) &&
                          target_from_json(json_object_get(old, "target"), &q->t) == 0;
            json_decref(old);
            if (resumed)
                return 0;
            cli_error(cli, "%s is quarantined already (%s/%s); 'sourceos-agent release' it "
                           "first",
                      name, rec, RECORD_FILE);
            return SOS_EXIT_REFUSED;
        }
    }
    if (rc > 0) {
        char shown[512];
        cli_error(cli, "%s matches %s; nothing was changed", cli_escape(name, shown, sizeof shown),
                  c.n ? "more than one service: name one of them exactly (or use --label, "
                        "--unit, --plist, --container)"
                      : "no declared agent, launchd job, systemd unit or container");
        for (size_t i = 0; i < c.n; i++)
            fprintf(stderr, "  %s\n", cli_escape(c.v[i], shown, sizeof shown));
        sos_qcandidates_free(&c);
        return SOS_EXIT_USAGE;
    }
    return 0;
}

static int start_capture(struct quarantine *q, sos_error *err)
{
    struct cli *cli = q->cli;
    struct sos_agent_model_opts mo;
    struct sos_session_config doctor = {
        .config_dir = config_dir(cli),
        .plugin_dir = plugin_dir(cli),
        .root = tree_of(cli),
        .scope = SOS_SCOPE_RUNTIME,
        .command = "doctor local-runtime",
        .all_agents = 1,
        .agent_opts = &mo,
    };
    struct sos_runner_opts run_opts = {
        .root = tree_of(cli),
        .offline = cli_offline(cli),
        .jobs = cli->jobs,
        .default_timeout = 30,
        .max_timeout = cli->timeout_given ? cli->timeout : 0,
    };
    struct sos_capture_config c = {
        .target = &q->t,
        .doctor = &doctor,
        .run_opts = &run_opts,
        .output_dir = q->out_dir,
        .compression = cli->q_compress,
        .log_bytes = cli->q_log_bytes,
        .podman_env = (const char *const *)q->podman_env,
    };
    if (cli_agent_model_opts(cli, &mo, err) != 0)
        return -1;
    q->cap = sos_capture_start(&c, err);
    return q->cap ? 0 : -1;
}

static int contain(struct quarantine *q, json_t *actions, int *verified)
{
    struct cli *cli = q->cli;
    const char *transaction = cli->q_mask ? "quarantine-mask" : "quarantine";
    size_t n;
    const struct sos_lc_step *steps = q->t.backend == SOS_BACKEND_AUTO
                                          ? NULL
                                          : sos_lc_plan(q->t.backend, transaction, &n);
    sos_error err;
    int was_running = 0, ok = 1, rc = 0;
    *verified = 0;
    if (steps) {
        /* a run killed while containing is rolled back before anything,
         * so the definition copied is the one it found */
        if (!cli->dry_run && recover(cli, &q->t, q->rec, NULL, 0, &err) < 0) {
            cli_error(cli, "quarantine %s: %s; nothing was contained", q->t.name, err.msg);
            return SOS_EXIT_UNDECIDED;
        }
        if (!cli->dry_run && keep_copy(cli, &q->t, q->rec, &err) != 0) {
            cli_error(cli, "quarantine %s: %s; nothing was contained", q->t.name, err.msg);
            return SOS_EXIT_UNDECIDED;
        }
        rc = run_steps(cli, &q->t, q->rec, transaction, steps, n, &q->rep, &err);
        q->reported = rc >= 0;
        if (rc < 0) {
            cli_error(cli, "quarantine %s: %s", q->t.name, err.msg);
            return SOS_EXIT_UNDECIDED;
        }
        json_t *done = steps_json(&q->rep);
        json_array_extend(actions, done);
        json_decref(done);
        if (rc > 0)
            return SOS_EXIT_UNDECIDED; /* a step failed: the ones before it were undone */
        json_object_set_new(q->doc, "prior", json_pack("{s:s?, s:s?, s:s?, s:s?}", "disabled",
                                                      fact_of(&q->rep, "prior.disabled"),
                                                      "loaded", fact_of(&q->rep, "prior.loaded"),
                                                      "enabled", fact_of(&q->rep, "prior.enabled"),
                                                      "active", fact_of(&q->rep, "prior.active")));
        json_object_set_new(json_object_get(q->doc, "prior"), "running",
                            fact_of(&q->rep, "prior.running")
                                ? json_string(fact_of(&q->rep, "prior.running"))
                                : json_null());
    }
    if (q->t.container && !cli->dry_run) {
        json_t *a = stop_container(&q->t, &was_running, &ok);
        json_array_append_new(actions, a);
        json_object_set_new(q->doc, "container_was_running", json_boolean(was_running));
    } else if (q->t.container) {
        json_array_append_new(actions, json_pack("{s:s, s:s, s:s}", "step", "container-stop",
                                                 "status", "planned", "detail", q->t.container));
    }
    if (!cli->dry_run) {
        json_t *v = verify(cli, &q->t, q->aside, verified);
        json_array_append(actions, v);
        json_object_set_new(q->doc, "verify", v);
    }
    return ok ? 0 : SOS_EXIT_UNDECIDED;
}

static void print_quarantine(const struct quarantine *q, const char *bundle, int rc)
{
    const json_t *d = q->doc;
    char *how = release_command(q->cli, q->t.name);
    printf("%s: %s (%s", q->t.name,
           q->cli->dry_run ? "planned (dry run: nothing changed)"
           : q->blind      ? "quarantined WITHOUT evidence (the capture failed; --contain-anyway)"
           : rc == 0       ? "quarantined"
                           : "NOT quarantined",
           json_string_value(json_object_get(json_object_get(d, "target"), "kind")));
    if (q->t.label)
        printf(" %s, %s", q->t.label, q->t.domain);
    if (q->t.unit)
        printf(" %s%s", q->t.unit, q->t.user_scope ? ", user manager" : "");
    printf(")\n");
    if (bundle)
        printf("  bundle:   %s\n", bundle);
    else if (q->cli->dry_run)
        printf("  bundle:   would be written into %s\n", q->out_dir);
    if (json_array_size(json_object_get(d, "actions"))) {
        printf("  %s\n", q->cli->dry_run ? "would run:" : "contained:");
        print_steps(json_object_get(d, "actions"));
    }
    if (json_object_get(d, "verify")) {
        printf("  verified:\n");
        print_checks(json_object_get(d, "verify"));
    }
    if (!q->cli->dry_run && (rc == 0 || q->blind)) {
        printf("  record:   %s\n", q->rec);
        printf("  restore:  %s\n", how ? how : "sourceos-agent release NAME");
    }
    free(how);
}

static int put_back(struct cli *cli, const struct sos_qtarget *t, const char *rec,
                    const json_t *record, json_t *doc);

/* The containment of Q undone, as release would (its record read back). */
static void undo_containment(struct quarantine *q)
{
    sos_error err;
    json_t *record = read_record(q->rec, &err), *undo = json_object();
    int rc = record && undo ? put_back(q->cli, &q->t, q->rec, record, undo) : SOS_EXIT_UNDECIDED;
    if (rc == 0)
        cli_error(q->cli, "quarantine %s: the containment was undone: the service is as it "
                          "was (--contain-anyway would keep it contained)",
                  q->t.name);
    else
        cli_error(q->cli, "quarantine %s: the containment could not be undone; it stays "
                          "contained: 'sourceos-agent release %s' puts it back",
                  q->t.name, q->t.name);
    json_object_set_new(undo, "status", json_string(rc == 0 ? "done" : "failed"));
    json_object_set_new(q->doc, "undone", undo);
    json_decref(record);
}

static int quarantine(struct quarantine *q, char **operands)
{
    struct cli *cli = q->cli;
    json_t *actions;
    char *bundle = NULL, *how;
    sos_error err;
    int rc, verified = 0, captured, contained;
    if ((rc = match(q, operands)) != 0)
        return rc;
    aside_of(&q->t, q->aside, sizeof q->aside);
    if (record_dir(q->t.name, q->rec, sizeof q->rec) != 0 ||
        (cli->q_output ? (size_t)snprintf(q->out_dir, sizeof q->out_dir, "%s", cli->q_output) >=
                             sizeof q->out_dir
                       : default_output(cli, q->out_dir, sizeof q->out_dir) != 0)) {
        cli_error(cli, "quarantine %s: no state directory (HOME and XDG_STATE_HOME are unset)",
                  q->t.name);
        return SOS_EXIT_UNDECIDED;
    }
    q->doc = json_pack("{s:s, s:o, s:b, s:s}", "command", "quarantine", "target",
                       target_json(&q->t), "dry_run", cli->dry_run, "record", q->rec);
    if (!cli->dry_run) {
        json_t *old;
        /* a record still "containing" is a run that was killed: this one
         * rolls its transaction back (run_steps) and quarantines */
        if ((old = read_record(q->rec, &err)) && !json_is_true(json_object_get(old, "released")) &&
            !json_is_true(json_object_get(old, "containing"))) {
            json_decref(old);
            cli_error(cli, "%s is quarantined already (%s/%s); 'sourceos-agent release %s' "
                           "first",
                      q->t.name, q->rec, RECORD_FILE, q->t.name);
            return SOS_EXIT_REFUSED;
        }
        json_decref(old);
        if (mkdirs(q->rec, 0700) != 0) {
            cli_error(cli, "quarantine %s: cannot make %s: %s", q->t.name, q->rec,
                      strerror(errno));
            return SOS_EXIT_UNDECIDED;
        }
        /* 1: capture. A failed capture changes nothing, unless told. */
        captured = start_capture(q, &err) == 0;
        if (!captured) {
            cli_error(cli, "quarantine %s: the capture failed: %s; %s", q->t.name, err.msg,
                      cli->q_contain_anyway ? "containing anyway (--contain-anyway)"
                                            : "nothing was changed");
            if (!cli->q_contain_anyway) {
                rmdir(q->rec);
                return SOS_EXIT_UNDECIDED;
            }
            json_object_set_new(q->doc, "capture_error", json_string(err.msg));
        }
    } else {
        captured = 0;
    }
    /* 2: contain, reversibly. The record says "containing" first, so that
     * after a kill release knows what to roll back. */
    if (!cli->dry_run && !cli->q_no_stop) {
        json_t *pending = json_deep_copy(q->doc);
        int written = -1;
        if (pending) {
            json_object_set_new(pending, "containing", json_true());
            json_object_set_new(pending, "aside", json_string(q->aside));
            written = write_record(q->rec, pending, &err);
            json_decref(pending);
        } else {
            snprintf(err.msg, sizeof err.msg, "out of memory");
        }
        if (written != 0) {
            cli_error(cli, "quarantine %s: the record cannot be written: %s; nothing was "
                           "changed",
                      q->t.name, err.msg);
            remove_record(q->rec, NULL);
            return SOS_EXIT_UNDECIDED;
        }
    }
    actions = json_array();
    rc = cli->q_no_stop ? 0 : contain(q, actions, &verified);
    if (cli->q_no_stop)
        json_array_append_new(actions, json_pack("{s:s, s:s, s:s}", "step", "contain", "status",
                                                 "skipped", "detail", "--no-stop"));
    json_object_set(q->doc, "actions", actions);
    if (!cli->dry_run && rc == 0 && !cli->q_no_stop) {
        json_t *record = json_deep_copy(q->doc);
        json_object_set_new(record, "quarantined", json_integer((json_int_t)time(NULL)));
        json_object_set_new(record, "masked", json_boolean(cli->q_mask));
        json_object_set_new(record, "aside", json_string(q->aside));
        if (write_record(q->rec, record, &err) != 0) {
            cli_error(cli, "quarantine %s: contained, but the record is not written: %s",
                      q->t.name, err.msg);
            rc = SOS_EXIT_UNDECIDED;
        }
        json_decref(record);
        set_agent_state(cli, q->t.agent, "quarantined");
    } else if (!cli->dry_run && (cli->q_no_stop || rc != 0) && !has_journal(q->rec)) {
        remove_record(q->rec, base_of(definition(&q->t))); /* rolled back: nothing to release */
    }
    if (rc == 0 && !verified && !cli->dry_run && !cli->q_no_stop)
        rc = SOS_EXIT_UNDECIDED;
    /* Contained as asked, but the evidence is missing: not a success. */
    if (rc == 0 && !cli->dry_run && !captured) {
        q->blind = !cli->q_no_stop;
        rc = SOS_EXIT_UNDECIDED;
    }
    /* 3: the bundle, with what was done. It can still fail (the read-back
     * scan finds a secret): then the containment is undone, as a failed
     * capture changes nothing, unless --contain-anyway. */
    contained = !cli->dry_run && !cli->q_no_stop && rc == 0;
    if (q->cap) {
        size_t i;
        json_t *a;
        int ok = 1;
        json_array_foreach(actions, i, a)
            ok = ok && sos_capture_add_action(q->cap, json_deep_copy(a), &err) == 0;
        how = release_command(cli, q->t.name);
        if (!ok || sos_capture_set_restore(q->cap, rc == 0 && !cli->q_no_stop && how ? how
                                                   : "nothing was changed: nothing to restore",
                                           &err) != 0 ||
            sos_capture_finish(q->cap, &bundle, &err) != 0) {
            cli_error(cli, "quarantine %s: the bundle was not written: %s", q->t.name, err.msg);
            rc = SOS_EXIT_UNDECIDED;
            if (contained && cli->q_contain_anyway)
                cli_error(cli, "quarantine %s: kept contained (--contain-anyway)", q->t.name);
            else if (contained)
                undo_containment(q);
        }
        free(how);
        q->cap = NULL;
    }
    if (bundle)
        json_object_set_new(q->doc, "bundle", json_string(bundle));
    if (cli->format == FORMAT_JSON)
        rc = emit_json(cli, q->doc, rc);
    else
        print_quarantine(q, bundle, rc);
    free(bundle);
    json_decref(actions);
    return rc;
}

int cmd_quarantine(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    struct quarantine q;
    int rc;
    (void)verb;
    memset(&q, 0, sizeof q);
    q.cli = cli;
    /* the PATH and the variables podman reads, as the doctor's checks run
     * it: the same podman, the same storage */
    if (!(q.podman_env = sos_command_env(NULL))) {
        cli_error(cli, "quarantine: out of memory");
        return SOS_EXIT_UNDECIDED;
    }
    if (tree_of(cli) && !cli->live && !cli->dry_run) {
        cli_error(cli, "quarantine acts on the machine: with --root TREE it needs --live (the "
                       "service manager's commands run here, the files are TREE's), or "
                       "--dry-run");
        return SOS_EXIT_USAGE;
    }
    rc = quarantine(&q, operands);
    sos_capture_abort(q.cap);
    if (q.reported)
        sos_lc_report_free(&q.rep);
    sos_qtarget_free(&q.t);
    json_decref(q.doc);
    sos_strv_free(q.podman_env);
    return rc;
}

/* ---- release ----------------------------------------------------------------------- */

/* The steps that put back what the record says was there. */
static size_t release_steps(const struct sos_qtarget *t, const json_t *record,
                            struct sos_lc_step *out)
{
    const json_t *prior = json_object_get(record, "prior");
    const char *names[8];
    size_t n = 0, k = 0;
#define PRIOR(key) (json_string_value(json_object_get(prior, key)) && \
                    strcmp(json_string_value(json_object_get(prior, key)), "true") == 0)
    names[n++] = "prior";
    if (t->backend == SOS_BACKEND_LAUNCHD) {
        names[n++] = "restore-plist";
        if (!PRIOR("disabled"))
            names[n++] = "enable";
        if (PRIOR("loaded"))
            names[n++] = "bootstrap";
    } else {
        /* the mask's link is where the unit goes back: it goes first */
        if (json_is_true(json_object_get(record, "masked")))
            names[n++] = "unmask";
        names[n++] = "restore-unit";
        names[n++] = "daemon-reload";
        if (PRIOR("enabled"))
            names[n++] = "enable";
        if (PRIOR("active"))
            names[n++] = "start";
    }
#undef PRIOR
    for (size_t i = 0; i < n; i++) {
        const struct sos_lc_step *s = sos_lc_step_named(t->backend, names[i]);
        if (s)
            out[k++] = *s;
    }
    return k;
}

/* A preflight before the service comes back: a declared agent's own; for
 * any service, the moved-aside definition there and its place free. */
static int release_preflight(struct cli *cli, const struct sos_qtarget *t, const json_t *record,
                             int *failed)
{
    const char *aside = json_string_value(json_object_get(record, "aside"));
    int masked = json_is_true(json_object_get(record, "masked"));
    *failed = 0;
    if (definition(t) && (!aside || !exists_in_tree(cli, aside))) {
        cli_error(cli, "release %s: the definition moved aside (%s) is not there", t->name,
                  aside ? aside : "?");
        *failed = 1;
    } else if (definition(t) && exists_in_tree(cli, definition(t)) &&
               !(masked && masked_in_tree(cli, definition(t)))) {
        cli_error(cli, "release %s: %s exists again: it is left as it is", t->name,
                  definition(t));
        *failed = 1;
    }
    if (t->agent) {
        struct sos_agent_model_opts mo;
        struct sos_agent a;
        sos_error err;
        int verdict = 0, rc;
        if (cli_agent_model_opts(cli, &mo, &err) != 0 ||
            sos_agent_load_with(config_dir(cli), t->agent, &mo, &a, &err) != 0) {
            cli_error(cli, "release %s: %s", t->name, err.msg);
            return SOS_EXIT_UNDECIDED;
        }
        rc = cli_preflight_guard(cli, &a, &mo, CLI_PREFLIGHT_RELEASE, &verdict);
        sos_agent_free(&a);
        if (rc != 0)
            return rc;
        *failed |= verdict == SOS_EXIT_REFUSED;
    }
    return 0;
}

/* Puts back what the quarantine record RECORD (under REC) says was there:
 * the steps of release, the container started if it ran, the agent's
 * state, then the record goes. The steps done go into DOC's actions. 0, or
 * an exit code (the steps done were undone). */
static int put_back(struct cli *cli, const struct sos_qtarget *t, const char *rec,
                    const json_t *record, json_t *doc)
{
    struct sos_lc_report rep;
    struct sos_lc_step steps[8];
    sos_error err;
    int rc = 0;
    if (t->backend != SOS_BACKEND_AUTO) {
        size_t n = release_steps(t, record, steps);
        rc = run_steps(cli, t, rec, "release", steps, n, &rep, &err);
        if (rc < 0) {
            cli_error(cli, "release %s: %s", t->name, err.msg);
            rc = SOS_EXIT_UNDECIDED;
        } else {
            json_object_set_new(doc, "actions", steps_json(&rep));
            sos_lc_report_free(&rep);
            rc = rc > 0 ? SOS_EXIT_UNDECIDED : 0;
        }
    }
    if (rc == 0 && t->container && !cli->dry_run &&
        json_is_true(json_object_get(record, "container_was_running")) &&
        t->kind == SOS_QT_CONTAINER) {
        const char *start[] = {"podman", "start", t->container, NULL};
        struct sos_cmd_output o;
        if (run(start, &o) != 0 || o.exit_status != 0)
            rc = SOS_EXIT_UNDECIDED;
        if (rc == 0 || o.out)
            sos_cmd_output_free(&o);
    }
    if (rc == 0 && !cli->dry_run) {
        const json_t *prior = json_object_get(record, "prior");
        int up = json_is_string(json_object_get(prior, "enabled"))
                     ? !strcmp(json_string_value(json_object_get(prior, "enabled")), "true")
                     : json_is_string(json_object_get(prior, "disabled")) &&
                           !strcmp(json_string_value(json_object_get(prior, "disabled")), "false");
        set_agent_state(cli, t->agent, up ? "enabled" : "installed");
        if (remove_record(rec, base_of(definition(t))) != 0)
            cli_error(cli, "warning: %s is left: %s", rec, strerror(errno));
    }
    return rc;
}

/* release of a quarantine killed while it contained: its transaction is
 * rolled back (what it had done undone, newest first), which leaves the
 * service as it was; no preflight, since nothing new is started. */
/* Rolls back the quarantine of T killed while it contained (record REC):
 * 0 done (its transaction NAME undone, the record gone), or an exit code,
 * said as VERB. With no transaction in flight it was killed after it
 * contained, before its record was complete: the record and the copy of
 * the definition are kept, for the quarantine that finishes it. */
static int roll_back_interrupted(struct cli *cli, const char *verb, const struct sos_qtarget *t,
                                 const char *rec, char *name, size_t name_size)
{
    sos_error err;
    int found = recover(cli, t, rec, name, name_size, &err);
    if (found < 0) {
        cli_error(cli, "%s %s: the interrupted quarantine cannot be rolled back: %s", verb,
                  t->name, err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    if (!found) {
        cli_error(cli, "%s %s: the quarantine was interrupted after it contained the "
                       "service, before its record was complete, so there is nothing to roll "
                       "back and no prior state to restore: run 'sourceos-agent quarantine %s' "
                       "again to finish it, then release it",
                  verb, t->name, t->name);
        return SOS_EXIT_UNDECIDED;
    }
    if (remove_record(rec, base_of(definition(t))) != 0)
        cli_error(cli, "warning: %s is left: %s", rec, strerror(errno));
    return 0;
}

static int release_interrupted(struct cli *cli, const struct sos_qtarget *t, const char *rec)
{
    char name[64] = "";
    json_t *doc;
    int rc = 0;
    if (!cli->dry_run && (rc = roll_back_interrupted(cli, "release", t, rec, name, sizeof name)))
        return rc;
    doc = json_pack("{s:s, s:o, s:b, s:s}", "command", "release", "target", target_json(t),
                    "dry_run", cli->dry_run, "recovered", cli->dry_run ? "" : name);
    if (cli->format == FORMAT_JSON) {
        rc = emit_json(cli, doc, rc);
    } else {
        printf("%s: %s\n", t->name,
               cli->dry_run ? "release planned (dry run: nothing changed): the interrupted "
                              "quarantine's transaction would be rolled back"
                            : "released: the interrupted quarantine was rolled back, the "
                              "service is as it was before it");
    }
    json_decref(doc);
    return rc;
}

int cli_quarantine_recover(struct cli *cli, const char *name, int *recovered)
{
    char rec[PATH_MAX], what[64] = "";
    struct sos_qtarget t;
    sos_error err;
    json_t *record;
    int rc = 0;
    *recovered = 0;
    if (record_dir(name, rec, sizeof rec) != 0 || access(rec, F_OK) != 0)
        return 0;
    if (!(record = read_record(rec, &err)))
        return 0; /* no record: nothing of a quarantine to roll back */
    if (!json_is_true(json_object_get(record, "containing"))) {
        json_decref(record);
        return 0; /* quarantined, and that is release's to undo */
    }
    if (target_from_json(json_object_get(record, "target"), &t) != 0) {
        cli_error(cli, "repair %s: %s/%s does not say what was being quarantined", name, rec,
                  RECORD_FILE);
        json_decref(record);
        return SOS_EXIT_UNDECIDED;
    }
    if (!cli->dry_run && (rc = roll_back_interrupted(cli, "repair", &t, rec, what,
                                                     sizeof what)) == 0)
        *recovered = 1;
    sos_qtarget_free(&t);
    json_decref(record);
    return rc;
}

int cmd_release(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    struct sos_qtarget t;
    char rec[PATH_MAX] = "";
    json_t *record, *doc;
    sos_error err;
    int rc, failed;
    (void)verb;
    if (tree_of(cli) && !cli->live && !cli->dry_run) {
        cli_error(cli, "release acts on the machine: with --root TREE it needs --live");
        return SOS_EXIT_USAGE;
    }
    if (find_record(operands[0], rec, sizeof rec) > 0) {
        cli_error(cli, "release %s: more than one quarantined service has that in its name: "
                       "name it exactly",
                  operands[0]);
        return SOS_EXIT_USAGE;
    }
    if (!(record = read_record(rec, &err))) {
        cli_error(cli, "release %s: %s; nothing was changed", operands[0], err.msg);
        return SOS_EXIT_REFUSED;
    }
    if (target_from_json(json_object_get(record, "target"), &t) != 0) {
        cli_error(cli, "release %s: %s/%s does not say what was quarantined; nothing was "
                       "changed",
                  operands[0], rec, RECORD_FILE);
        json_decref(record);
        return SOS_EXIT_UNDECIDED;
    }
    if (json_is_true(json_object_get(record, "containing"))) {
        rc = release_interrupted(cli, &t, rec);
        sos_qtarget_free(&t);
        json_decref(record);
        return rc;
    }
    if ((rc = release_preflight(cli, &t, record, &failed)) != 0 || (failed && !cli->q_force)) {
        if (rc == 0)
            cli_error(cli, "release %s: the preflight failed; nothing was changed (--force "
                           "releases anyway)",
                      t.name);
        sos_qtarget_free(&t);
        json_decref(record);
        return rc ? rc : SOS_EXIT_REFUSED;
    }
    doc = json_pack("{s:s, s:o, s:b, s:b}", "command", "release", "target", target_json(&t),
                    "dry_run", cli->dry_run, "despite_preflight", failed);
    rc = put_back(cli, &t, rec, record, doc);
    if (cli->format == FORMAT_JSON) {
        rc = emit_json(cli, doc, rc);
    } else {
        printf("%s: %s\n", t.name,
               cli->dry_run ? "release planned (dry run: nothing changed)"
               : rc == 0    ? "released: the definition, the overrides and the enablement are "
                              "back as recorded"
                            : "NOT released (the steps done were undone)");
        if (json_array_size(json_object_get(doc, "actions")))
            print_steps(json_object_get(doc, "actions"));
    }
    json_decref(doc);
    json_decref(record);
    sos_qtarget_free(&t);
    return rc;
}

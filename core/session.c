#include "config.h"

#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "trust.h"

static int load_declarations(struct sos_session *s, const char *config_dir,
                             sos_error *err)
{
    char *dir = NULL;
    int rc;
    /* Who can write the config directory can replace checks.d. */
    if (sos_trust_dir("config directory", config_dir, err) != 0)
        return -1;
    if (asprintf(&dir, "%s/checks.d", config_dir) < 0)
        return sos_fail(err, "out of memory");
    rc = sos_checksd_load_dir(dir, &s->checks, err);
    free(dir);
    if (rc != 0)
        return -1;
    s->order = calloc(s->checks.n + 1, sizeof *s->order);
    if (!s->order)
        return sos_fail(err, "out of memory");
    return sos_checksd_resolve(&s->checks, s->order, err);
}

static char *entry_error(const struct sos_check_decl *d,
                         const struct sos_loaded_plugin *lp)
{
    char *msg = NULL;
    int n;
    if (!lp)
        n = asprintf(&msg, "out of memory loading plugin %s", d->plugin);
    else if (!lp->plugin)
        n = asprintf(&msg, "%s:%d:%d: plugin '%s' did not load: %s",
                     d->origin.file, d->origin.line, d->origin.column,
                     d->plugin, lp->error ? lp->error : "unknown error");
    else
        n = asprintf(&msg,
                     "%s:%d:%d: plugin '%s' (%s) has no check '%s'",
                     d->origin.file, d->origin.line, d->origin.column,
                     d->plugin, lp->path, d->check);
    return n < 0 ? NULL : msg;
}

static int selected(const struct sos_check_decl *d, int scope)
{
    return scope < 0 || (int)d->scope == scope;
}

static int prepare_entries(struct sos_session *s, int scope, sos_error *err)
{
    size_t n = 0;
    s->run.entries = calloc(s->checks.n + 1, sizeof *s->run.entries);
    s->jobs = calloc(s->checks.n + 1, sizeof *s->jobs);
    s->job_errors = calloc(s->checks.n + 1, sizeof *s->job_errors);
    if (!s->run.entries || !s->jobs || !s->job_errors)
        return sos_fail(err, "out of memory");
    for (size_t k = 0; k < s->checks.n; k++) {
        const struct sos_check_decl *d = &s->checks.v[s->order[k]];
        const struct sos_loaded_plugin *lp;
        const struct sourceos_check *check = NULL;
        if (!selected(d, scope))
            continue;
        lp = sos_plugin_set_load(&s->plugins, d->plugin);
        if (lp && lp->plugin)
            check = sos_plugin_find_check(lp->plugin, d->check);
        s->run.entries[n].decl = d;
        s->run.entries[n].summary = d->summary ? d->summary
                                               : check ? check->summary : NULL;
        s->jobs[n].check = check;
        if (!check) {
            s->job_errors[n] = entry_error(d, lp);
            s->jobs[n].load_error = s->job_errors[n];
        }
        n++;
    }
    s->run.n_entries = n;
    return 0;
}

int sos_session_open(struct sos_session *s, const struct sos_session_config *c,
                     sos_error *err)
{
    memset(s, 0, sizeof *s);
    if (load_declarations(s, c->config_dir, err) != 0)
        return -1;
    if (c->agent && sos_agent_apply(c->agent, &s->checks, err) != 0)
        return -1;
    if (sos_plugin_set_init(&s->plugins, c->plugin_dir, err) != 0)
        return -1;
    s->run.tool = "sourceos";
    s->run.version = PACKAGE_VERSION;
    s->run.command = c->command;
    sos_host_detect(c->root, &s->run.host);
    return prepare_entries(s, c->scope, err);
}

void sos_session_close(struct sos_session *s)
{
    for (size_t i = 0; i < s->run.n_entries; i++)
        sos_check_result_free(&s->run.entries[i].result);
    for (size_t i = 0; s->job_errors && i < s->run.n_entries; i++)
        free(s->job_errors[i]);
    free(s->job_errors);
    free(s->jobs);
    free(s->run.entries);
    sos_plugin_set_free(&s->plugins);
    free(s->order);
    sos_checks_free(&s->checks);
    memset(s, 0, sizeof *s);
}

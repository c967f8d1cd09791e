#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "checksd.h"
#include "cli.h"
#include "verbs.h"
#include "loader.h"
#include "redact_run.h"
#include "session.h"

static int emit_json(struct cli *cli, json_t *doc)
{
    int rc = cli_print_json(cli, doc);
    json_decref(doc);
    return rc ? -1 : 0;
}

static json_t *names_json(const char *const *names, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(names[i]));
    return a;
}

static json_t *plugin_json(const struct sos_loaded_plugin *lp)
{
    json_t *o = json_pack("{s:s, s:s}", "name", lp->name, "path", lp->path);
    json_t *checks = json_array(), *actions = json_array();
    const struct sourceos_plugin *p = lp->plugin;
    if (!p) {
        json_object_set_new(o, "loaded", json_false());
        json_object_set_new(o, "error", json_string(lp->error ? lp->error : ""));
        json_decref(checks);
        json_decref(actions);
        return o;
    }
    for (const struct sourceos_check *c = p->checks; c && c->name; c++)
        json_array_append_new(checks, json_pack("{s:s, s:s?}", "name", c->name,
                                                "summary", c->summary));
    for (const struct sourceos_action *a = p->actions; a && a->name; a++)
        json_array_append_new(actions, json_pack("{s:s, s:s?}", "name", a->name,
                                                 "summary", a->summary));
    json_object_set_new(o, "loaded", json_true());
    json_object_set_new(o, "version", json_string(p->version));
    json_object_set_new(o, "abi", json_sprintf("%u.%u",
                                               SOURCEOS_ABI_MAJOR_OF(p->abi_version),
                                               SOURCEOS_ABI_MINOR_OF(p->abi_version)));
    json_object_set_new(o, "checks", checks);
    json_object_set_new(o, "actions", actions);
    return o;
}

static void print_plugin(const struct sos_loaded_plugin *lp)
{
    const struct sourceos_plugin *p = lp->plugin;
    if (!p) {
        printf("%-20s NOT LOADED  %s\n", lp->name, lp->error ? lp->error : "");
        return;
    }
    printf("%-20s %-10s ABI %u.%u  %s\n", p->name, p->version,
           SOURCEOS_ABI_MAJOR_OF(p->abi_version),
           SOURCEOS_ABI_MINOR_OF(p->abi_version), lp->path);
    for (const struct sourceos_check *c = p->checks; c && c->name; c++)
        printf("    check  %-20s %s\n", c->name, c->summary ? c->summary : "");
    for (const struct sourceos_action *a = p->actions; a && a->name; a++)
        printf("    action %-20s %s\n", a->name, a->summary ? a->summary : "");
}

/* Plugins named in checks.d count too, so a declared plugin that is missing
 * from the directory shows up; an invalid checks.d does not stop the list. */
static void load_declared(struct sos_plugin_set *set, const char *config_dir)
{
    struct sos_checks checks = {0};
    char *dir = NULL;
    sos_error err;
    if (asprintf(&dir, "%s/checks.d", config_dir) >= 0 &&
        sos_checksd_load_dir(dir, &checks, &err) == 0)
        for (size_t i = 0; i < checks.n; i++)
            sos_plugin_set_load(set, checks.v[i].plugin);
    free(dir);
    sos_checks_free(&checks);
}

int cmd_plugins(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    struct sos_plugin_set set;
    const char *dir = cli->plugin_dir ? cli->plugin_dir : cli_default_plugin_dir();
    sos_error err;
    json_t *list = NULL;
    int failed = 0;

    (void)verb;
    (void)operands;
    if (sos_plugin_set_init(&set, dir, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    sos_plugin_set_load_all(&set);
    load_declared(&set, cli->config_dir ? cli->config_dir : cli_default_config_dir());
    if (cli->format != FORMAT_HUMAN)
        list = json_array();
    for (size_t i = 0; i < set.n; i++) {
        failed |= set.v[i].plugin == NULL;
        if (list)
            json_array_append_new(list, plugin_json(&set.v[i]));
        else
            print_plugin(&set.v[i]);
    }
    if (list && emit_json(cli, json_pack("{s:s, s:o}", "plugin_dir", dir,
                                         "plugins", list)) != 0)
        failed = 1;
    sos_plugin_set_free(&set);
    return failed ? SOS_EXIT_FAILURE : SOS_EXIT_OK;
}

static json_t *check_json(const struct sos_run_entry *e,
                          const struct sos_runner_job *job)
{
    const struct sos_check_decl *d = e->decl;
    char os[64];
    json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:o, s:o, s:b}",
                          "id", d->id, "plugin", d->plugin, "check", d->check,
                          "summary", e->summary, "scope",
                          sos_scope_name(d->scope), "severity",
                          d->severity == SOS_DECL_WARNING ? "warning" : "critical",
                          "os", sos_os_list(d->when_os, os, sizeof os), "needs",
                          names_json((const char *const *)d->needs, d->n_needs),
                          "after",
                          names_json((const char *const *)d->after, d->n_after),
                          "runnable", job->check != NULL);
    if (o && !job->check)
        json_object_set_new(o, "error", json_string(job->load_error));
    if (o)
        json_object_set_new(o, "declared_at",
                            json_sprintf("%s:%d:%d", d->origin.file,
                                         d->origin.line, d->origin.column));
    return o;
}

static void print_check(const struct sos_run_entry *e,
                        const struct sos_runner_job *job)
{
    const struct sos_check_decl *d = e->decl;
    char os[64];
    printf("%-28s %s/%s  scope=%s os=%s", d->id, d->plugin, d->check, sos_scope_name(d->scope),
           sos_os_list(d->when_os, os, sizeof os));
    for (size_t i = 0; i < d->n_needs; i++)
        printf("%s%s", i ? "," : "  needs=", d->needs[i]);
    putchar('\n');
    if (!job->check)
        printf("    cannot run: %s\n", job->load_error);
}

int cmd_checks(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    struct sos_session s;
    struct sos_session_config config = {
        .config_dir = cli->config_dir ? cli->config_dir : cli_default_config_dir(),
        .plugin_dir = cli->plugin_dir ? cli->plugin_dir : cli_default_plugin_dir(),
        .root = cli->root,
        .scope = SOS_SESSION_EVERY_SCOPE,
        .command = "checks",
    };
    sos_error err;
    json_t *list = NULL;
    int broken = 0;

    (void)verb;
    (void)operands;
    if (sos_session_open(&s, &config, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        sos_session_close(&s);
        return SOS_EXIT_UNDECIDED;
    }
    if (cli->format != FORMAT_HUMAN)
        list = json_array();
    for (size_t i = 0; i < s.run.n_entries; i++) {
        broken |= s.jobs[i].check == NULL;
        if (list)
            json_array_append_new(list, check_json(&s.run.entries[i], &s.jobs[i]));
        else
            print_check(&s.run.entries[i], &s.jobs[i]);
    }
    if (list && emit_json(cli, json_pack("{s:o}", "checks", list)) != 0)
        broken = 1;
    sos_session_close(&s);
    return broken ? SOS_EXIT_FAILURE : SOS_EXIT_OK;
}

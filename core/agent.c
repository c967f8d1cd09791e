#include "config.h"

#include "agent.h"
#include "trust.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_NAME_LEN 64

const char *const sos_agent_keys[] = {
    "name",    "description", "backend", "scope", "image", "container",
    "command", "auth",        "authfile", "env",  "log_dir",
    /* the installed service: launchd plist and label, systemd unit */
    "plist",   "label",       "unit",    "user",  NULL,
};

struct enum_key {
    const char *key;
    const char *const values[4];
};

static const struct enum_key enum_keys[] = {
    {"backend", {"launchd", "systemd", "auto", NULL}},
    {"scope", {"user", "system", NULL}},
    {"auth", {"empty-authfile", "host", NULL}},
    {"user", {"true", "false", NULL}},
    {NULL, {NULL}},
};

/* Keys that take one value; `command` and `env` may be lists. */
static const char *const scalar_keys[] = {
    "name", "description", "backend", "scope", "image", "container", "auth",
    "authfile", "log_dir", "plist", "label", "unit", "user", NULL,
};

int sos_agent_name_valid(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len > MAX_NAME_LEN || name[0] == '-')
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) &&
            name[i] != '-')
            return 0;
    return 1;
}

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

static int env_entry_valid(const char *entry)
{
    const char *eq = strchr(entry, '=');
    if (!eq || eq == entry || isdigit((unsigned char)entry[0]))
        return 0;
    for (const char *c = entry; c < eq; c++)
        if (!isalnum((unsigned char)*c) && *c != '_')
            return 0;
    return 1;
}

/* Fails with "FILE:LINE:COLUMN: message" at value I of P, or at its key
 * when the value has no position (I past the end, or P not from a file). */
static int fail_at_param(sos_error *err, const struct sos_agent *a,
                         const struct sos_param *p, size_t i, const char *format, ...)
    __attribute__((format(printf, 5, 6)));

static int fail_at_param(sos_error *err, const struct sos_agent *a,
                         const struct sos_param *p, size_t i, const char *format, ...)
{
    struct sos_pos at = p->value_at && i < p->n_values ? p->value_at[i] : p->key_at;
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, format);
    vsnprintf(msg, sizeof msg, format, ap);
    va_end(ap);
    return sos_fail(err, "%s:%d:%d: %.900s", a->path, at.line, at.column, msg);
}

static int check_enum(const struct sos_agent *a, const struct sos_param *p,
                      sos_error *err)
{
    for (const struct enum_key *e = enum_keys; e->key; e++)
        if (strcmp(p->key, e->key) == 0 && !in_list(p->values[0], e->values))
            return fail_at_param(err, a, p, 0, "'%s' is '%s'; expected one of: %s%s%s%s%s",
                                 p->key, p->values[0], e->values[0],
                                 e->values[1] ? ", " : "", e->values[1] ? e->values[1] : "",
                                 e->values[2] ? ", " : "", e->values[2] ? e->values[2] : "");
    return 0;
}

/* `env` is what the agent's container gets: a list, each KEY=VALUE. */
static int check_env(const struct sos_agent *a, const struct sos_param *p,
                     sos_error *err)
{
    if (!p->is_list)
        return fail_at_param(err, a, p, 0, "'env' must be a list of KEY=VALUE "
                                           "(env: [KEY=VALUE, ...]), not one value");
    for (size_t i = 0; i < p->n_values; i++)
        if (!env_entry_valid(p->values[i]))
            return fail_at_param(err, a, p, i, "env entry %zu is not KEY=VALUE", i + 1);
    return 0;
}

static int check_value(const struct sos_agent *a, const struct sos_param *p,
                       sos_error *err)
{
    if (in_list(p->key, scalar_keys) && (p->is_list || p->n_values != 1))
        return fail_at_param(err, a, p, p->n_values, "'%s' must be one value, not a list",
                             p->key);
    if (check_enum(a, p, err) != 0)
        return -1;
    if (strcmp(p->key, "name") == 0 && strcmp(p->values[0], a->name) != 0)
        return fail_at_param(err, a, p, 0, "declares name '%s', but the file is for agent '%s'",
                             p->values[0], a->name);
    if (strcmp(p->key, "env") == 0 && check_env(a, p, err) != 0)
        return -1;
    for (size_t i = 0; i < p->n_values; i++)
        if (p->values[i][0] == '\0' && strcmp(p->key, "description") != 0)
            return fail_at_param(err, a, p, i, "'%s' is empty", p->key);
    return 0;
}

/* The file must say whose it is: a copy renamed without editing is caught
 * by the name check, a declaration without one is not. */
static int check_has_name(const struct sos_agent *a, sos_error *err)
{
    if (sos_decl_param(&a->decl, "name"))
        return 0;
    return sos_fail(err, "%s:1:1: 'name' is missing: the declaration must say "
                         "name: %s", a->path, a->name);
}

/* Sets KEY to a copy of VALUES in DECL, replacing a value already there. */
static int set_param(struct sos_check_decl *decl, const char *key,
                     char *const *values, size_t n, int is_list)
{
    struct sos_param fresh = {0};
    struct sos_param *slot = NULL;
    fresh.key = strdup(key);
    fresh.values = calloc(n ? n : 1, sizeof *fresh.values);
    fresh.is_list = is_list;
    if (!fresh.key || !fresh.values)
        goto oom;
    for (; fresh.n_values < n; fresh.n_values++)
        if (!(fresh.values[fresh.n_values] = strdup(values[fresh.n_values])))
            goto oom;
    for (size_t i = 0; i < decl->n_params; i++)
        if (strcmp(decl->params[i].key, key) == 0)
            slot = &decl->params[i];
    if (!slot) {
        struct sos_param *grown =
            realloc(decl->params, (decl->n_params + 1) * sizeof *grown);
        if (!grown)
            goto oom;
        decl->params = grown;
        slot = &decl->params[decl->n_params++];
    } else {
        for (size_t i = 0; i < slot->n_values; i++)
            free(slot->values[i]);
        free(slot->values);
        free(slot->value_at);
        free(slot->key);
    }
    *slot = fresh;
    return 0;
oom:
    for (size_t i = 0; i < fresh.n_values; i++)
        free(fresh.values[i]);
    free(fresh.values);
    free(fresh.key);
    return -1;
}

static int set_default(struct sos_check_decl *decl, const char *key,
                       const char *value)
{
    char *values[] = {(char *)value};
    if (sos_decl_param(decl, key))
        return 0;
    return set_param(decl, key, values, 1, 0);
}

static int add_defaults(struct sos_agent *a, sos_error *err)
{
    char container[MAX_NAME_LEN + 16];
    snprintf(container, sizeof container, "sourceos-%s", a->name);
    if (set_default(&a->decl, "container", container) != 0 ||
        set_default(&a->decl, "auth", "empty-authfile") != 0)
        return sos_fail(err, "%s: out of memory", a->path);
    return 0;
}

/* A declaration is as trustworthy as the directories that hold it: who can
 * write them can replace it (its own file is checked when it is read). */
static int trust_directories(const char *config_dir, sos_error *err)
{
    char *dir = NULL;
    int rc;
    if (sos_trust_dir("config directory", config_dir, err) != 0)
        return -1;
    if (asprintf(&dir, "%s/agents.d", config_dir) < 0)
        return sos_fail(err, "out of memory");
    rc = sos_trust_dir("agents.d directory", dir, err);
    free(dir);
    return rc;
}

int sos_agent_load(const char *config_dir, const char *name,
                   struct sos_agent *out, sos_error *err)
{
    struct stat st;
    memset(out, 0, sizeof *out);
    if (!sos_agent_name_valid(name))
        return sos_fail(err, "'%s' is not an agent name (lower-case letters, digits "
                             "and '-', at most %d characters)",
                        name ? name : "", MAX_NAME_LEN);
    out->name = strdup(name);
    if (!out->name || asprintf(&out->path, "%s/agents.d/%s.yaml", config_dir, name) < 0) {
        out->path = NULL;
        sos_agent_free(out);
        return sos_fail(err, "out of memory");
    }
    if (stat(out->path, &st) != 0) {
        int saved = errno;
        sos_fail(err, "no agent '%s': %s: %s", name, out->path,
                 saved == ENOENT ? "no such declaration" : strerror(saved));
        sos_agent_free(out);
        return -1;
    }
    if (trust_directories(config_dir, err) != 0 ||
        sos_params_load_file(out->path, sos_agent_keys, &out->decl, err) != 0) {
        sos_agent_free(out);
        return -1;
    }
    for (size_t i = 0; i < out->decl.n_params; i++)
        if (check_value(out, &out->decl.params[i], err) != 0) {
            sos_agent_free(out);
            return -1;
        }
    if (check_has_name(out, err) != 0 || add_defaults(out, err) != 0) {
        sos_agent_free(out);
        return -1;
    }
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NAME.yaml's NAME, or NULL when FILE is hidden or not a .yaml file. */
static char *declaration_stem(const char *file)
{
    size_t len = strlen(file);
    if (file[0] == '.' || len <= 5 || strcmp(file + len - 5, ".yaml") != 0)
        return NULL;
    return strndup(file, len - 5);
}

int sos_agents_list(const char *config_dir, char ***names_out, size_t *n_out,
                    sos_error *err)
{
    char *dir = NULL;
    DIR *d;
    struct dirent *ent;
    char **names = NULL;
    size_t n = 0;
    *names_out = NULL;
    *n_out = 0;
    if (asprintf(&dir, "%s/agents.d", config_dir) < 0)
        return sos_fail(err, "out of memory");
    d = opendir(dir);
    if (!d) {
        int saved = errno;
        if (saved == ENOENT) { /* no agent declared: nothing to list */
            free(dir);
            return 0;
        }
        sos_fail(err, "cannot read the agents.d directory %s: %s", dir, strerror(saved));
        free(dir);
        return -1;
    }
    free(dir);
    while ((ent = readdir(d)) != NULL) {
        char *stem = declaration_stem(ent->d_name);
        char **grown = stem ? realloc(names, (n + 2) * sizeof *names) : NULL;
        if (!stem)
            continue;
        if (!grown) {
            free(stem);
            closedir(d);
            sos_agents_list_free(names, n);
            return sos_fail(err, "out of memory");
        }
        names = grown;
        names[n++] = stem;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, compare_names);
    *names_out = names;
    *n_out = n;
    return 0;
}

void sos_agents_list_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* "${agent.KEY}" as the whole of VALUE: KEY, else NULL. */
static const char *reference_in(const char *value, char *key, size_t size)
{
    size_t len = strlen(value);
    if (len < 10 || strncmp(value, "${agent.", 8) != 0 || value[len - 1] != '}' ||
        len - 9 >= size)
        return NULL;
    memcpy(key, value + 8, len - 9);
    key[len - 9] = '\0';
    return key;
}

/* Replaces each ${agent.KEY} value of P by the agent's KEY (all its values
 * when it is a list); a reference to a key the agent lacks drops the value,
 * so the check sees the param as unset. */
static int expand_param(const struct sos_agent *agent, const struct sos_check_decl *d,
                        struct sos_param *p, sos_error *err)
{
    char **out = NULL;
    size_t n = 0;
    int is_list = p->is_list;
    for (size_t i = 0; i < p->n_values; i++) {
        char key[128];
        const struct sos_param *a = NULL;
        const char *ref = reference_in(p->values[i], key, sizeof key);
        size_t add = 1;
        char **grown;
        if (!ref && strstr(p->values[i], "${agent."))
            return sos_fail(err, "%s:%d:%d: check %s, param '%s': '%s' must be the "
                                 "whole value",
                            d->origin.file, d->origin.line, d->origin.column, d->id,
                            p->key, p->values[i]);
        if (ref) {
            a = sos_decl_param(&agent->decl, ref);
            add = a ? a->n_values : 0;
            is_list |= a && a->is_list;
        }
        grown = realloc(out, (n + add + 1) * sizeof *out);
        if (!grown)
            goto oom;
        out = grown;
        for (size_t k = 0; k < add; k++)
            if (!(out[n++] = strdup(ref ? a->values[k] : p->values[i])))
                goto oom;
    }
    for (size_t i = 0; i < p->n_values; i++)
        free(p->values[i]);
    free(p->values);
    free(p->value_at); /* the values came from elsewhere: no positions */
    p->value_at = NULL;
    p->values = out;
    p->n_values = n;
    p->is_list = is_list;
    return 0;
oom:
    for (size_t k = 0; out && k < n; k++)
        free(out[k]);
    free(out);
    return sos_fail(err, "out of memory");
}

int sos_agent_apply(const struct sos_agent *agent, struct sos_checks *checks,
                    sos_error *err)
{
    char *name[] = {agent->name};
    for (size_t k = 0; k < checks->n; k++) {
        struct sos_check_decl *d = &checks->v[k];
        if (d->scope != SOS_SCOPE_AGENT)
            continue;
        for (size_t i = 0; i < d->n_params; i++)
            if (expand_param(agent, d, &d->params[i], err) != 0)
                return -1;
        if (set_param(d, "agent", name, 1, 0) != 0)
            return sos_fail(err, "out of memory");
    }
    return 0;
}

void sos_agent_free(struct sos_agent *agent)
{
    if (!agent)
        return;
    sos_decl_free(&agent->decl);
    free(agent->name);
    free(agent->path);
    memset(agent, 0, sizeof *agent);
}

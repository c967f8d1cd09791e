#include "config.h"

#include "checksd.h"
#include "graph.h"
#include "idindex.h"
#include "trust.h"
#include "yaml.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The checks.d schema (keys, types, enums, the id rules) over the strict
 * reader of core/yaml.h; the dependency graph is core/graph.c.
 *
 * Loading works on a private list of checks and appends it to the caller's
 * only when the whole call succeeded: on error the caller's list is left
 * exactly as it was, and everything parsed so far is freed.
 */

#define MAX_ID_LEN 128
#define MAX_NAME_LEN 64
#define MAX_PARAM_KEY_LEN 128
#define MAX_TIMEOUT 3600.0
#define SHOWN_VALUE_MAX SOS_YAML_SHOWN_MAX

#define ID_PATTERN "^[a-z0-9][a-z0-9_-]*(\\.[a-z0-9][a-z0-9_-]*)+$"
#define NAME_PATTERN "^[a-z0-9][a-z0-9-]*$"
#define PARAM_KEY_PATTERN "^[a-z0-9_][a-z0-9_.-]*$"

/* ------------------------------------------------------------------ */
/* Small string helpers                                                 */

static char *dup_bytes(const char *s, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

static int is_lower_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* One dot-separated part of an id: ^[a-z0-9][a-z0-9_-]*$ */
static int is_id_part(const char *s, size_t len)
{
    if (len == 0 || !is_lower_alnum((unsigned char)s[0]))
        return 0;
    for (size_t i = 1; i < len; i++) {
        int c = (unsigned char)s[i];
        if (!is_lower_alnum(c) && c != '_' && c != '-')
            return 0;
    }
    return 1;
}

static int is_valid_id(const char *s)
{
    size_t len = strlen(s);
    size_t parts = 0;
    const char *p = s;

    if (len == 0 || len > MAX_ID_LEN)
        return 0;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t part_len = dot ? (size_t)(dot - p) : strlen(p);
        if (!is_id_part(p, part_len))
            return 0;
        parts++;
        if (!dot)
            break;
        p = dot + 1;
    }
    return parts >= 2;
}

static int is_valid_name(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > MAX_NAME_LEN || !is_lower_alnum((unsigned char)s[0]))
        return 0;
    for (size_t i = 1; i < len; i++) {
        int c = (unsigned char)s[i];
        if (!is_lower_alnum(c) && c != '-')
            return 0;
    }
    return 1;
}

static int is_valid_param_key(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > MAX_PARAM_KEY_LEN)
        return 0;
    if (!is_lower_alnum((unsigned char)s[0]) && s[0] != '_')
        return 0;
    for (size_t i = 1; i < len; i++) {
        int c = (unsigned char)s[i];
        if (!is_lower_alnum(c) && c != '_' && c != '.' && c != '-')
            return 0;
    }
    return 1;
}

/* A plausible YAML key: 1 to 64 letters, digits, '_', '-', '.'. */
static int is_key_name(const char *s, size_t len)
{
    if (len == 0 || len > 64)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Freeing                                                              */

static void origin_free(struct sos_origin *o)
{
    free(o->file);
    o->file = NULL;
}

static void id_list_free(char **ids, struct sos_origin *origins, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(ids[i]);
        origin_free(&origins[i]);
    }
    free(ids);
    free(origins);
}

static void param_free(struct sos_param *p)
{
    for (size_t i = 0; i < p->n_values; i++)
        free(p->values[i]);
    free(p->values);
    free(p->value_at);
    free(p->key);
}

static void decl_free(struct sos_check_decl *d)
{
    free(d->id);
    free(d->plugin);
    free(d->check);
    free(d->summary);
    free(d->preflight_what);
    free(d->inapplicable);
    id_list_free(d->needs, d->needs_origin, d->n_needs);
    id_list_free(d->after, d->after_origin, d->n_after);
    for (size_t i = 0; i < d->n_params; i++)
        param_free(&d->params[i]);
    free(d->params);
    origin_free(&d->origin);
    memset(d, 0, sizeof *d);
}

void sos_checks_free(struct sos_checks *checks)
{
    if (!checks)
        return;
    for (size_t i = 0; i < checks->n; i++)
        decl_free(&checks->v[i]);
    free(checks->v);
    checks->v = NULL;
    checks->n = 0;
}

/* ------------------------------------------------------------------ */
/* Public small functions                                               */

static const struct {
    const char *name;
    unsigned bit;
} os_names[] = {
    {"macos", SOS_OS_MACOS},
    {"linux", SOS_OS_LINUX},
    {"windows", SOS_OS_WINDOWS},
    {"wsl", SOS_OS_WSL},
};

#define N_OS (sizeof os_names / sizeof os_names[0])

unsigned sos_os_from_name(const char *name)
{
    if (!name)
        return 0;
    for (size_t i = 0; i < N_OS; i++)
        if (strcmp(name, os_names[i].name) == 0)
            return os_names[i].bit;
    return 0;
}

const char *sos_os_name(unsigned os)
{
    for (size_t i = 0; i < N_OS; i++)
        if (os == os_names[i].bit)
            return os_names[i].name;
    return "unknown";
}

const struct sos_param *sos_decl_param(const struct sos_check_decl *decl,
                                       const char *key)
{
    if (!decl || !key)
        return NULL;
    for (size_t i = 0; i < decl->n_params; i++)
        if (strcmp(decl->params[i].key, key) == 0)
            return &decl->params[i];
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Checks lists                                                         */

static int checks_append(struct sos_checks *dst, struct sos_checks *src)
{
    struct sos_check_decl *v;

    if (src->n == 0)
        return 0;
    v = realloc(dst->v, (dst->n + src->n) * sizeof *v);
    if (!v)
        return -1;
    memcpy(v + dst->n, src->v, src->n * sizeof *v);
    dst->v = v;
    dst->n += src->n;
    free(src->v);
    src->v = NULL;
    src->n = 0;
    return 0;
}

static struct sos_check_decl *checks_grow(struct sos_checks *c, size_t *cap)
{
    if (c->n == *cap) {
        size_t new_cap = *cap >= 4 ? *cap * 2 : 8;
        struct sos_check_decl *v = realloc(c->v, new_cap * sizeof *v);
        if (!v)
            return NULL;
        c->v = v;
        *cap = new_cap;
    }
    memset(&c->v[c->n], 0, sizeof c->v[c->n]);
    return &c->v[c->n];
}

int sos_origin_fail(sos_error *err, const struct sos_origin *o,
                    const char *format, ...)
{
    char msg[sizeof err->msg];
    va_list ap;

    va_start(ap, format);
    vsnprintf(msg, sizeof msg, format, ap);
    va_end(ap);
    return sos_fail(err, "%s:%d:%d: %.900s", o->file, o->line, o->column, msg);
}

/* Ids must be unique across A then B (B may be NULL). */
static int check_unique_ids(const struct sos_checks *a,
                            const struct sos_checks *b, sos_error *err)
{
    struct sos_id_index ix;
    size_t na = a->n, nb = b ? b->n : 0;

    if (sos_id_index_init(&ix, na + nb) < 0)
        return sos_fail(err, "checks.d: out of memory");
    for (size_t i = 0; i < na + nb; i++) {
        const struct sos_check_decl *d = i < na ? &a->v[i] : &b->v[i - na];
        size_t first = sos_id_index_put(&ix, d->id, i);
        if (first != SOS_ID_NOT_FOUND) {
            const struct sos_check_decl *f =
                first < na ? &a->v[first] : &b->v[first - na];
            sos_id_index_free(&ix);
            return sos_origin_fail(err, &d->origin,
                                   "duplicate id '%s' (first declared at %s:%d:%d)",
                                  d->id, f->origin.file, f->origin.line,
                                  f->origin.column);
        }
    }
    sos_id_index_free(&ix);
    return 0;
}

/* ------------------------------------------------------------------ */
/* YAML: the loader state and its error helpers                         */

/* A schema's walk over one document: the reader's state first, so that a
 * callback of sos_yaml_for_each_pair() gets its loader back (loader_of). */
struct loader {
    struct sos_yaml y;
    const char *check_id;      /* id of the check being parsed, for messages */
    const char *const *allowed_params; /* when set, the only param keys allowed */
};

static struct loader *loader_of(struct sos_yaml *y)
{
    return (struct loader *)y;
}

static int fail_at(const struct loader *ld, const yaml_node_t *node,
                   const char *format, ...) __attribute__((format(printf, 3, 4)));

static int fail_at(const struct loader *ld, const yaml_node_t *node,
                   const char *format, ...)
{
    va_list ap;
    int rc;

    va_start(ap, format);
    rc = sos_yaml_vfail_at(&ld->y, node, format, ap);
    va_end(ap);
    return rc;
}

static int fail_oom(const struct loader *ld)
{
    return sos_yaml_fail_oom(&ld->y);
}

static int origin_set(const struct loader *ld, struct sos_origin *o,
                      const yaml_node_t *node)
{
    o->file = strdup(ld->y.name);
    if (!o->file)
        return fail_oom(ld);
    o->line = sos_yaml_line(node);
    o->column = sos_yaml_column(node);
    return 0;
}

static yaml_node_t *node_at(const struct loader *ld, int index)
{
    return sos_yaml_node(&ld->y, index);
}

static int is_one_of(const char *s, size_t len, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == len && memcmp(s, *words, len) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Check fields                                                         */

static const char *const check_keys[] = {
    "id", "plugin", "check", "summary", "needs", "after",
    "params", "severity", "timeout", "when", "scope", "preflight", NULL};

#define CHECK_KEYS_TEXT \
    "id, plugin, check, summary, needs, after, params, severity, timeout, when, scope, " \
    "preflight"

static char *validated(const struct loader *ld, const yaml_node_t *n,
                       const char *what, int (*valid)(const char *),
                       const char *expected)
{
    char *s = sos_yaml_string(&ld->y, n, what);
    if (s && !valid(s)) {
        char shown[SHOWN_VALUE_MAX + 4];
        sos_yaml_shown(shown, sizeof shown, s, strlen(s));
        fail_at(ld, n, "%s '%s' is not valid (expected %s)", what, shown, expected);
        free(s);
        return NULL;
    }
    return s;
}

static int parse_name(struct loader *ld, yaml_node_t *n, const char *what,
                      char **dst)
{
    *dst = validated(ld, n, what, is_valid_name,
                     NAME_PATTERN ", at most 64 characters");
    return *dst ? 0 : -1;
}

static int parse_id(struct loader *ld, yaml_node_t *n, char **dst)
{
    *dst = validated(ld, n, "'id'", is_valid_id,
                     "lowercase dotted names like 'podman.binary': " ID_PATTERN
                     ", at most 128 characters");
    return *dst ? 0 : -1;
}

/* needs: / after: a list of ids, or one id. KEY is "needs" or "after". */
static int parse_id_list(struct loader *ld, yaml_node_t *n, const char *key,
                         char ***ids, struct sos_origin **origins,
                         size_t *count)
{
    yaml_node_item_t *items, single;
    size_t n_items;
    char what[48];

    if (n->type == YAML_MAPPING_NODE)
        return fail_at(ld, n, "'%s' must be a list of check ids or one id, not a mapping",
                       key);
    n_items = sos_yaml_items(&ld->y, n, &items, &single);
    if (n_items == 0)
        return 0;
    *ids = calloc(n_items, sizeof **ids);
    *origins = calloc(n_items, sizeof **origins);
    if (!*ids || !*origins)
        return fail_oom(ld);
    snprintf(what, sizeof what, "an entry of '%s'", key);
    for (size_t i = 0; i < n_items; i++) {
        yaml_node_t *item = node_at(ld, items[i]);
        char *id;

        if (!item)
            return sos_yaml_fail_malformed(&ld->y);
        if (item->type != YAML_SCALAR_NODE)
            return fail_at(ld, item, "entries of '%s' must be check ids, not %s", key,
                           sos_yaml_kind(item));
        id = validated(ld, item, what, is_valid_id,
                       "a check id like 'podman.binary': " ID_PATTERN);
        if (!id)
            return -1;
        for (size_t j = 0; j < *count; j++) {
            if (strcmp((*ids)[j], id) == 0) {
                fail_at(ld, item, "'%s' lists '%s' twice (first at line %d, column %d)",
                        key, id, (*origins)[j].line, (*origins)[j].column);
                free(id);
                return -1;
            }
        }
        if (origin_set(ld, &(*origins)[*count], item) < 0) {
            free(id);
            return -1;
        }
        (*ids)[(*count)++] = id;
    }
    return 0;
}

static int parse_enum(struct loader *ld, yaml_node_t *n, const char *key,
                      const char *const *words, int *dst)
{
    char *s = sos_yaml_string(&ld->y, n, key);
    char expected[128] = "";

    if (!s)
        return -1;
    for (int i = 0; words[i]; i++) {
        if (strcmp(s, words[i]) == 0) {
            *dst = i;
            free(s);
            return 0;
        }
    }
    for (int i = 0; words[i]; i++) {
        size_t used = strlen(expected);
        snprintf(expected + used, sizeof expected - used, "%s'%s'",
                 i == 0 ? "" : (words[i + 1] ? ", " : " or "), words[i]);
    }
    {
        char shown[SHOWN_VALUE_MAX + 4];
        sos_yaml_shown(shown, sizeof shown, s, strlen(s));
        fail_at(ld, n, "%s must be %s, not '%s'", key, expected, shown);
    }
    free(s);
    return -1;
}

/* A decimal number of seconds, written unquoted: 10, 0.5, 10. */
static int is_decimal(const char *s)
{
    size_t digits = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        digits++;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            digits++;
    return digits > 0 && *s == '\0';
}

static int parse_timeout(struct loader *ld, yaml_node_t *n, double *dst)
{
    char shown[SHOWN_VALUE_MAX + 4] = "";
    const char *quoted = "";

    if (n->type == YAML_SCALAR_NODE) {
        const char *s = (const char *)n->data.scalar.value;
        size_t len = n->data.scalar.length;
        sos_yaml_shown(shown, sizeof shown, s, len);
        if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
            quoted = " (a quoted string; write the number unquoted)";
        } else if (!memchr(s, '\0', len) && is_decimal(s)) {
            double t = strtod(s, NULL);
            if (t > 0 && t <= MAX_TIMEOUT) {
                *dst = t;
                return 0;
            }
        }
    } else {
        snprintf(shown, sizeof shown, "%s", sos_yaml_kind(n));
    }
    return fail_at(ld, n,
                   "'timeout' must be a number of seconds between 0 and 3600, not '%s'%s",
                   shown, quoted);
}

static int parse_param_value(struct loader *ld, yaml_node_t *n, struct sos_param *p)
{
    yaml_node_item_t *items, single;
    size_t n_items;

    if (n->type == YAML_MAPPING_NODE)
        return fail_at(ld, n,
                       "param '%s' must be a string, a number or a list of them, not a mapping",
                       p->key);
    p->is_list = n->type == YAML_SEQUENCE_NODE;
    n_items = sos_yaml_items(&ld->y, n, &items, &single);
    if (n_items == 0)
        return 0;
    p->values = calloc(n_items, sizeof *p->values);
    p->value_at = calloc(n_items, sizeof *p->value_at);
    if (!p->values || !p->value_at)
        return fail_oom(ld);
    for (size_t i = 0; i < n_items; i++) {
        yaml_node_t *item = node_at(ld, items[i]);
        char what[MAX_PARAM_KEY_LEN + 32];

        if (!item)
            return sos_yaml_fail_malformed(&ld->y);
        snprintf(what, sizeof what, "param '%s'", p->key);
        if (item->type != YAML_SCALAR_NODE)
            return fail_at(ld, item, "%s: list entries must be strings or numbers, not %s",
                           what, sos_yaml_kind(item));
        if (sos_yaml_is_null(item))
            return fail_at(ld, item, "%s has an empty value (null); quote it if you mean \"\"",
                           what);
        p->values[i] = sos_yaml_text(&ld->y, item, what);
        if (!p->values[i])
            return -1;
        p->value_at[i].line = (int)item->start_mark.line + 1;
        p->value_at[i].column = (int)item->start_mark.column + 1;
        p->n_values++;
    }
    return 0;
}

struct params_ctx {
    struct sos_check_decl *decl;
};

static int parse_param(struct sos_yaml *y, yaml_node_t *key, yaml_node_t *value,
                       void *ctx)
{
    struct loader *ld = loader_of(y);
    struct sos_check_decl *d = ((struct params_ctx *)ctx)->decl;
    struct sos_param *p = &d->params[d->n_params];

    memset(p, 0, sizeof *p);
    p->key = validated(ld, key, "param key", is_valid_param_key,
                       PARAM_KEY_PATTERN ", at most 128 characters");
    if (!p->key)
        return -1;
    if (ld->allowed_params &&
        !is_one_of(p->key, strlen(p->key), ld->allowed_params)) {
        char expected[512], shown[SHOWN_VALUE_MAX + 4];
        size_t used = 0;
        expected[0] = '\0';
        sos_yaml_shown(shown, sizeof shown, (const char *)key->data.scalar.value,
                    key->data.scalar.length);
        for (size_t i = 0; ld->allowed_params[i] && used < sizeof expected; i++)
            used += (size_t)snprintf(expected + used, sizeof expected - used, "%s%s",
                                     i ? ", " : "", ld->allowed_params[i]);
        free(p->key);
        p->key = NULL;
        return fail_at(ld, key, "unknown key '%s' (expected: %s)", shown, expected);
    }
    p->key_at.line = (int)key->start_mark.line + 1;
    p->key_at.column = (int)key->start_mark.column + 1;
    d->n_params++; /* counted now so that an error below frees the key */
    return parse_param_value(ld, value, p);
}

static int parse_params(struct loader *ld, yaml_node_t *n, struct sos_check_decl *d)
{
    size_t n_pairs;
    struct params_ctx ctx = {d};

    if (n->type != YAML_MAPPING_NODE)
        return fail_at(ld, n, "'params' must be a mapping of keys to values, not %s",
                       sos_yaml_kind(n));
    n_pairs = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (n_pairs == 0)
        return 0;
    d->params = calloc(n_pairs, sizeof *d->params);
    if (!d->params)
        return fail_oom(ld);
    return sos_yaml_for_each_pair(&ld->y, n, "in 'params'", parse_param, &ctx);
}

static int parse_os_list(struct loader *ld, yaml_node_t *n, unsigned *mask)
{
    yaml_node_item_t *items, single;
    size_t n_items;

    if (n->type == YAML_MAPPING_NODE)
        return fail_at(ld, n, "'os' must be a list of macos, linux, windows, wsl, not a mapping");
    n_items = sos_yaml_items(&ld->y, n, &items, &single);
    if (n_items == 0)
        return fail_at(ld, n, "'os' must name at least one of macos, linux, windows, wsl");
    for (size_t i = 0; i < n_items; i++) {
        yaml_node_t *item = node_at(ld, items[i]);
        char *name;
        unsigned bit;

        if (!item)
            return sos_yaml_fail_malformed(&ld->y);
        name = sos_yaml_string(&ld->y, item, "an entry of 'os'");
        if (!name)
            return -1;
        bit = sos_os_from_name(name);
        if (bit == 0 || (*mask & bit)) {
            char shown[SHOWN_VALUE_MAX + 4];
            sos_yaml_shown(shown, sizeof shown, name, strlen(name));
            free(name);
            return fail_at(ld, item,
                           bit ? "'os' lists '%s' twice"
                               : "unknown os '%s' (expected one of: macos, linux, windows, wsl)",
                           shown);
        }
        free(name);
        *mask |= bit;
    }
    return 0;
}

static const char *const runtime_names[] = {"podman", "native", "nix-app", "systemd", NULL};

unsigned sos_runtime_bit_from_name(const char *name)
{
    for (unsigned i = 0; runtime_names[i]; i++)
        if (strcmp(name, runtime_names[i]) == 0)
            return 1u << i;
    return 0;
}

const char *sos_runtime_list(unsigned mask, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; runtime_names[i] && used < size; i++)
        if (mask & (1u << i)) {
            int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                             runtime_names[i]);
            used += n > 0 ? (size_t)n : 0;
        }
    return buf;
}

static int parse_runtime_list(struct loader *ld, yaml_node_t *n, unsigned *mask)
{
    yaml_node_item_t *items, single;
    size_t n_items;

    if (n->type == YAML_MAPPING_NODE)
        return fail_at(ld, n, "'runtime' must be a list of podman, native, nix-app, systemd, not a mapping");
    n_items = sos_yaml_items(&ld->y, n, &items, &single);
    if (n_items == 0)
        return fail_at(ld, n, "'runtime' must name at least one of podman, native, nix-app, systemd");
    for (size_t i = 0; i < n_items; i++) {
        yaml_node_t *item = node_at(ld, items[i]);
        char *name, shown[SHOWN_VALUE_MAX + 4];
        unsigned bit;

        if (!item)
            return sos_yaml_fail_malformed(&ld->y);
        name = sos_yaml_string(&ld->y, item, "an entry of 'runtime'");
        if (!name)
            return -1;
        bit = sos_runtime_bit_from_name(name);
        sos_yaml_shown(shown, sizeof shown, name, strlen(name));
        free(name);
        if (bit == 0 || (*mask & bit))
            return fail_at(ld, item,
                           bit ? "'runtime' lists '%s' twice"
                               : "unknown runtime '%s' (expected one of: podman, native, nix-app, systemd)",
                           shown);
        *mask |= bit;
    }
    return 0;
}

static int parse_when_pair(struct sos_yaml *y, yaml_node_t *key, yaml_node_t *value,
                           void *ctx)
{
    struct loader *ld = loader_of(y);
    struct sos_check_decl *d = ctx;
    if (sos_yaml_scalar_is(key, "os"))
        return parse_os_list(ld, value, &d->when_os);
    if (sos_yaml_scalar_is(key, "runtime"))
        return parse_runtime_list(ld, value, &d->when_runtime);
    {
        char shown[SHOWN_VALUE_MAX + 4];
        sos_yaml_shown(shown, sizeof shown, (const char *)key->data.scalar.value,
                    key->data.scalar.length);
        return fail_at(ld, key, "unknown key '%s' in 'when' (expected: os, runtime)", shown);
    }
}

static int parse_when(struct loader *ld, yaml_node_t *n, struct sos_check_decl *d)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(ld, n, "'when' must be a mapping like {os: [linux]}, not %s",
                       sos_yaml_kind(n));
    return sos_yaml_for_each_pair(&ld->y, n, "in 'when'", parse_when_pair, d);
}

static int parse_step(struct loader *ld, yaml_node_t *n, unsigned *dst)
{
    if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
        !memchr(n->data.scalar.value, '\0', n->data.scalar.length)) {
        const char *s = (const char *)n->data.scalar.value;
        char *end;
        unsigned long v;
        if (s[0] >= '1' && s[0] <= '9') {
            v = strtoul(s, &end, 10);
            if (*end == '\0' && v <= SOS_PREFLIGHT_MAX_STEP) {
                *dst = (unsigned)v;
                return 0;
            }
        }
    }
    return fail_at(ld, n, "'step' must be a whole number from 1 to %d", SOS_PREFLIGHT_MAX_STEP);
}

static int parse_preflight_pair(struct sos_yaml *y, yaml_node_t *key, yaml_node_t *value,
                                void *ctx)
{
    struct loader *ld = loader_of(y);
    struct sos_check_decl *d = ctx;
    if (sos_yaml_scalar_is(key, "step"))
        return parse_step(ld, value, &d->preflight_step);
    if (sos_yaml_scalar_is(key, "what")) {
        d->preflight_what = sos_yaml_string(&ld->y, value, "'what'");
        if (!d->preflight_what)
            return -1;
        if (!d->preflight_what[0] || strpbrk(d->preflight_what, "\n\r\t:"))
            return fail_at(ld, value, "'what' must be a short name on one line, "
                                      "without ':' (it is printed as '- WHAT: state')");
        return 0;
    }
    {
        char shown[SHOWN_VALUE_MAX + 4];
        sos_yaml_shown(shown, sizeof shown, (const char *)key->data.scalar.value,
                    key->data.scalar.length);
        return fail_at(ld, key, "unknown key '%s' in 'preflight' (expected: step, what)",
                       shown);
    }
}

static int parse_preflight(struct loader *ld, yaml_node_t *n, struct sos_check_decl *d)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(ld, n, "'preflight' must be a mapping like {step: 1, what: platform}, "
                              "not %s", sos_yaml_kind(n));
    if (sos_yaml_for_each_pair(&ld->y, n, "in 'preflight'", parse_preflight_pair, d) != 0)
        return -1;
    if (!d->preflight_step || !d->preflight_what)
        return fail_at(ld, n, "'preflight' needs both 'step' and 'what'");
    return 0;
}

static int key_index(const yaml_node_t *key)
{
    for (int i = 0; check_keys[i]; i++)
        if (sos_yaml_scalar_is(key, check_keys[i]))
            return i;
    return -1;
}

static const char *const scope_names[] = {"runtime", "agent", "machine", NULL};

const char *sos_scope_name(enum sos_scope scope)
{
    return scope_names[scope];
}

static int parse_check_pair(struct sos_yaml *y, yaml_node_t *key, yaml_node_t *value,
                            void *ctx)
{
    struct loader *ld = loader_of(y);
    static const char *const severities[] = {"critical", "warning", NULL};
    static const char *const *const scopes = scope_names;
    struct sos_check_decl *d = ctx;
    int e;

    switch (key_index(key)) {
    case 0:
        return parse_id(ld, value, &d->id);
    case 1:
        return parse_name(ld, value, "'plugin'", &d->plugin);
    case 2:
        return parse_name(ld, value, "'check'", &d->check);
    case 3:
        d->summary = sos_yaml_string(&ld->y, value, "'summary'");
        return d->summary ? 0 : -1;
    case 4:
        return parse_id_list(ld, value, "needs", &d->needs,
                             &d->needs_origin, &d->n_needs);
    case 5:
        return parse_id_list(ld, value, "after", &d->after,
                             &d->after_origin, &d->n_after);
    case 6:
        return parse_params(ld, value, d);
    case 7:
        if (parse_enum(ld, value, "'severity'", severities, &e) < 0)
            return -1;
        d->severity = e == 1 ? SOS_DECL_WARNING : SOS_DECL_CRITICAL;
        return 0;
    case 8:
        return parse_timeout(ld, value, &d->timeout);
    case 9:
        return parse_when(ld, value, d);
    case 10:
        if (parse_enum(ld, value, "'scope'", scopes, &e) < 0)
            return -1;
        d->scope = (enum sos_scope)e; /* the list's order is the enum's */
        return 0;
    case 11:
        return parse_preflight(ld, value, d);
    default: {
        char shown[SHOWN_VALUE_MAX + 4];
        sos_yaml_shown(shown, sizeof shown, (const char *)key->data.scalar.value,
                    key->data.scalar.length);
        if (ld->check_id)
            return fail_at(ld, key, "unknown key '%s' in check '%s' (expected one of: %s)",
                           shown, ld->check_id, CHECK_KEYS_TEXT);
        return fail_at(ld, key, "unknown key '%s' in check (expected one of: %s)", shown,
                       CHECK_KEYS_TEXT);
    }
    }
}

/* The check's id as written, when it is a valid one, so that messages
 * about keys before `id:` can still name the check. */
static char *peek_check_id(const struct loader *ld, const yaml_node_t *map)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
         p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *key = node_at(ld, p->key);
        yaml_node_t *value = node_at(ld, p->value);
        if (key && value && sos_yaml_scalar_is(key, "id") && value->type == YAML_SCALAR_NODE &&
            !memchr(value->data.scalar.value, '\0', value->data.scalar.length)) {
            char *id = dup_bytes((const char *)value->data.scalar.value,
                                 value->data.scalar.length);
            if (id && !is_valid_id(id)) {
                free(id);
                id = NULL;
            }
            return id;
        }
    }
    return NULL;
}

static int parse_check(struct loader *ld, yaml_node_t *map, struct sos_check_decl *d)
{
    static const char *const required[] = {"id", "plugin", "check"};
    char *label;
    int rc;

    if (map->type != YAML_MAPPING_NODE)
        return fail_at(ld, map, "each entry of 'checks' must be a mapping (one check), not %s",
                       sos_yaml_kind(map));
    if (origin_set(ld, &d->origin, map) < 0)
        return -1;
    label = peek_check_id(ld, map);
    ld->check_id = label;
    rc = sos_yaml_for_each_pair(&ld->y, map, "in check", parse_check_pair, d);
    if (rc == 0) {
        char *fields[] = {d->id, d->plugin, d->check};
        for (size_t i = 0; i < 3 && rc == 0; i++) {
            if (fields[i])
                continue;
            if (label)
                rc = fail_at(ld, map, "check '%s' is missing required key '%s'", label,
                             required[i]);
            else
                rc = fail_at(ld, map, "check is missing required key '%s'", required[i]);
        }
    }
    if (rc == 0 && d->scope != SOS_SCOPE_AGENT && (d->preflight_step || d->when_runtime))
        rc = fail_at(ld, map, "check '%s' has %s, which only a check of scope agent can have",
                     d->id, d->preflight_step ? "'preflight'" : "'when: runtime'");
    ld->check_id = NULL;
    free(label);
    return rc;
}

static int parse_checks_list(struct loader *ld, yaml_node_t *seq,
                             struct sos_checks *out)
{
    /* OUT may already hold the checks of earlier files, in an array at least
     * that long: growing from there never writes past its end. */
    size_t cap = out->n;

    if (seq->type != YAML_SEQUENCE_NODE)
        return fail_at(ld, seq, "'checks' must be a list of checks, not %s", sos_yaml_kind(seq));
    for (yaml_node_item_t *it = seq->data.sequence.items.start;
         it < seq->data.sequence.items.top; it++) {
        yaml_node_t *item = node_at(ld, *it);
        struct sos_check_decl *d;

        if (!item)
            return sos_yaml_fail_malformed(&ld->y);
        d = checks_grow(out, &cap);
        if (!d)
            return fail_oom(ld);
        if (parse_check(ld, item, d) < 0) {
            decl_free(d);
            return -1;
        }
        out->n++;
    }
    return 0;
}

struct top_ctx {
    struct sos_checks *out;
    int seen_checks;
};

static int parse_top_pair(struct sos_yaml *y, yaml_node_t *key, yaml_node_t *value,
                          void *ctx)
{
    struct loader *ld = loader_of(y);
    struct top_ctx *top = ctx;
    if (!sos_yaml_scalar_is(key, "checks")) {
        char shown[SHOWN_VALUE_MAX + 4];
        /* A file that is not ours at all (a symlink to a shadow file, a
         * key file) shows its first line here: quote only what is a name. */
        if (!is_key_name((const char *)key->data.scalar.value, key->data.scalar.length))
            return fail_at(ld, key, "the top-level key is not a name (not shown; "
                                    "expected: checks): is this a checks.d file?");
        sos_yaml_shown(shown, sizeof shown, (const char *)key->data.scalar.value,
                    key->data.scalar.length);
        return fail_at(ld, key, "unknown top-level key '%s' (expected: checks)", shown);
    }
    top->seen_checks = 1;
    return parse_checks_list(ld, value, top->out);
}

static int parse_document(struct loader *ld, struct sos_checks *out)
{
    yaml_node_t *root = sos_yaml_root(&ld->y);
    struct top_ctx top = {out, 0};

    if (!root)
        return 0; /* empty file, or only comments */
    if (root->type != YAML_MAPPING_NODE)
        return fail_at(ld, root,
                       "the top level must be a mapping with the key 'checks', not %s",
                       sos_yaml_kind(root));
    if (sos_yaml_for_each_pair(&ld->y, root, "at the top level", parse_top_pair, &top) < 0)
        return -1;
    if (!top.seen_checks)
        return fail_at(ld, root, "missing required top-level key 'checks'");
    return 0;
}

typedef int (*document_parser)(struct loader *ld, void *out);

static int parse_checks_document(struct loader *ld, void *out)
{
    return parse_document(ld, out);
}

static int parse_params_document(struct loader *ld, void *out)
{
    yaml_node_t *root = sos_yaml_root(&ld->y);
    if (!root)
        return sos_fail(ld->y.err, "%s: empty file", ld->y.name);
    if (root->type != YAML_MAPPING_NODE)
        return fail_at(ld, root, "the top level must be a mapping of keys to values, not %s",
                       sos_yaml_kind(root));
    return parse_params(ld, root, out);
}

/* Loads DATA, or the file NAME when DATA is NULL, and walks it with PARSE. */
static int parse_yaml(const char *name, const char *data, size_t len,
                      document_parser parse, const char *const *allowed_params,
                      void *out, sos_error *err)
{
    struct loader ld;
    int rc;

    memset(&ld, 0, sizeof ld);
    ld.allowed_params = allowed_params;
    rc = data ? sos_yaml_load_buffer(&ld.y, name, data, len, err)
              : sos_yaml_load_file(&ld.y, name, err);
    if (rc == 0)
        rc = parse(&ld, out);
    sos_yaml_free(&ld.y);
    return rc;
}

static int load_yaml(const char *name, const char *data, size_t len,
                     struct sos_checks *out, sos_error *err)
{
    return parse_yaml(name, data, len, parse_checks_document, NULL, out, err);
}

int sos_checksd_load_buffer(const char *name, const char *data, size_t len,
                            struct sos_checks *out, sos_error *err)
{
    struct sos_checks fresh = {NULL, 0};

    if (!name || (!data && len) || !out)
        return sos_fail(err, "checks.d: invalid arguments");
    if (load_yaml(name, data ? data : "", len, &fresh, err) < 0 ||
        check_unique_ids(out, &fresh, err) < 0) {
        sos_checks_free(&fresh);
        return -1;
    }
    if (checks_append(out, &fresh) < 0) {
        sos_checks_free(&fresh);
        return sos_fail(err, "%s: out of memory", name);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Directories and files                                                */

static int has_yaml_suffix(const char *name)
{
    size_t len = strlen(name);
    return (len > 5 && strcmp(name + len - 5, ".yaml") == 0) ||
           (len > 4 && strcmp(name + len - 4, ".yml") == 0);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The *.yaml / *.yml names of DIR, hidden ones skipped, in strcmp order. */
static int list_yaml_names(const char *dir, char ***names_out, size_t *n_out,
                           sos_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    char **names = NULL;
    size_t n = 0, cap = 0;

    if (!d)
        return sos_fail(err, "cannot open checks.d directory '%s': %s", dir,
                        strerror(errno));
    for (;;) {
        errno = 0;
        ent = readdir(d);
        if (!ent)
            break;
        if (ent->d_name[0] == '.' || !has_yaml_suffix(ent->d_name))
            continue;
        if (n == cap) {
            size_t new_cap = cap ? cap * 2 : 16;
            char **grown = realloc(names, new_cap * sizeof *grown);
            if (!grown)
                goto oom;
            names = grown;
            cap = new_cap;
        }
        names[n] = strdup(ent->d_name);
        if (!names[n])
            goto oom;
        n++;
    }
    if (errno != 0) {
        int saved = errno;
        closedir(d);
        free_names(names, n);
        return sos_fail(err, "cannot read checks.d directory '%s': %s", dir,
                        strerror(saved));
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    *names_out = names;
    *n_out = n;
    return 0;
oom:
    closedir(d);
    free_names(names, n);
    return sos_fail(err, "reading checks.d directory '%s': out of memory", dir);
}

int sos_params_load_file(const char *path, const char *const *allowed,
                         struct sos_check_decl *out, sos_error *err)
{
    int rc;
    memset(out, 0, sizeof *out);
    rc = parse_yaml(path, NULL, 0, parse_params_document, allowed, out, err);
    if (rc < 0)
        decl_free(out);
    return rc;
}

void sos_decl_free(struct sos_check_decl *decl)
{
    if (decl)
        decl_free(decl);
}

/* ------------------------------------------------------------------ */
/* Copying                                                              */

static int copy_str(const char *src, char **dst)
{
    *dst = src ? strdup(src) : NULL;
    return src && !*dst ? -1 : 0;
}

static int copy_origin(const struct sos_origin *src, struct sos_origin *dst)
{
    *dst = *src;
    return copy_str(src->file, &dst->file);
}

/* N_OUT counts the entries copied so far (with the one that failed), so
 * decl_free() frees exactly those. */
static int copy_id_list(char *const *ids, const struct sos_origin *origins, size_t n,
                        char ***ids_out, struct sos_origin **origins_out,
                        size_t *n_out)
{
    *ids_out = calloc(n + 1, sizeof **ids_out);
    *origins_out = calloc(n + 1, sizeof **origins_out);
    if (!*ids_out || !*origins_out)
        return -1;
    for (size_t i = 0; i < n; i++) {
        *n_out = i + 1;
        if (copy_str(ids[i], &(*ids_out)[i]) != 0 ||
            copy_origin(&origins[i], &(*origins_out)[i]) != 0)
            return -1;
    }
    return 0;
}

static int copy_param(const struct sos_param *src, struct sos_param *dst)
{
    memset(dst, 0, sizeof *dst);
    dst->is_list = src->is_list;
    dst->key_at = src->key_at;
    if (copy_str(src->key, &dst->key) != 0 ||
        !(dst->values = calloc(src->n_values + 1, sizeof *dst->values)))
        return -1;
    if (src->value_at) {
        dst->value_at = malloc((src->n_values + 1) * sizeof *dst->value_at);
        if (!dst->value_at)
            return -1;
        memcpy(dst->value_at, src->value_at, src->n_values * sizeof *dst->value_at);
    }
    for (; dst->n_values < src->n_values; dst->n_values++)
        if (copy_str(src->values[dst->n_values], &dst->values[dst->n_values]) != 0)
            return -1;
    return 0;
}

/* Every pointer of DST is either NULL or its own allocation at each step,
 * so decl_free() can undo a copy that ran out of memory half way. */
int sos_decl_copy(const struct sos_check_decl *src, struct sos_check_decl *dst)
{
    memset(dst, 0, sizeof *dst);
    dst->severity = src->severity;
    dst->timeout = src->timeout;
    dst->when_os = src->when_os;
    dst->when_runtime = src->when_runtime;
    dst->preflight_step = src->preflight_step;
    dst->scope = src->scope;
    dst->origin.line = src->origin.line;
    dst->origin.column = src->origin.column;
    if (copy_str(src->id, &dst->id) != 0 || copy_str(src->plugin, &dst->plugin) != 0 ||
        copy_str(src->check, &dst->check) != 0 ||
        copy_str(src->summary, &dst->summary) != 0 ||
        copy_str(src->preflight_what, &dst->preflight_what) != 0 ||
        copy_str(src->inapplicable, &dst->inapplicable) != 0 ||
        copy_str(src->origin.file, &dst->origin.file) != 0 ||
        copy_id_list(src->needs, src->needs_origin, src->n_needs, &dst->needs,
                     &dst->needs_origin, &dst->n_needs) != 0 ||
        copy_id_list(src->after, src->after_origin, src->n_after, &dst->after,
                     &dst->after_origin, &dst->n_after) != 0)
        goto oom;
    dst->params = calloc(src->n_params + 1, sizeof *dst->params);
    if (!dst->params)
        goto oom;
    for (; dst->n_params < src->n_params; dst->n_params++)
        if (copy_param(&src->params[dst->n_params], &dst->params[dst->n_params]) != 0) {
            dst->n_params++; /* its half-copied values are freed with it */
            goto oom;
        }
    return 0;
oom:
    decl_free(dst);
    return -1;
}

static char *join_path(const char *dir, const char *name)
{
    size_t dlen = strlen(dir);
    int slash = dlen > 0 && dir[dlen - 1] != '/';
    char *path = malloc(dlen + (size_t)slash + strlen(name) + 1);
    if (path) {
        memcpy(path, dir, dlen);
        if (slash)
            path[dlen] = '/';
        strcpy(path + dlen + (size_t)slash, name);
    }
    return path;
}

static int load_file(const char *path, struct sos_checks *out, sos_error *err)
{
    return load_yaml(path, NULL, 0, out, err);
}

int sos_checksd_load_dir(const char *dir, struct sos_checks *out, sos_error *err)
{
    struct sos_checks fresh = {NULL, 0};
    char **names = NULL;
    size_t n_names = 0;
    int rc = 0;

    if (!dir || !out)
        return sos_fail(err, "checks.d: invalid arguments");
    if (sos_trust_dir("checks.d directory", dir, err) < 0)
        return -1;
    if (list_yaml_names(dir, &names, &n_names, err) < 0)
        return -1;
    for (size_t i = 0; i < n_names && rc == 0; i++) {
        char *path = join_path(dir, names[i]);
        if (!path) {
            rc = sos_fail(err, "%s: out of memory", dir);
            break;
        }
        rc = load_file(path, &fresh, err);
        free(path);
    }
    free_names(names, n_names);
    if (rc == 0)
        rc = check_unique_ids(out, &fresh, err);
    if (rc == 0 && checks_append(out, &fresh) < 0)
        rc = sos_fail(err, "%s: out of memory", dir);
    sos_checks_free(&fresh);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Resolving: the dependency graph (core/graph.c) of the host's checks  */

int sos_checksd_resolve(const struct sos_checks *checks, size_t *order,
                        sos_error *err)
{
    struct sos_graph_node *nodes;
    struct sos_graph g;
    int rc;

    if (!checks || (checks->n > 0 && !order))
        return sos_fail(err, "checks.d: invalid arguments");
    if (checks->n == 0)
        return 0;
    if (check_unique_ids(checks, NULL, err) < 0)
        return -1;
    nodes = calloc(checks->n, sizeof *nodes);
    if (!nodes)
        return sos_fail(err, "checks.d: out of memory");
    for (size_t i = 0; i < checks->n; i++)
        nodes[i].decl = &checks->v[i];
    rc = sos_graph_build(nodes, checks->n, SOS_GRAPH_STRICT, &g, err);
    if (rc == 0)
        rc = sos_graph_order(&g, nodes, order, err);
    sos_graph_free(&g);
    free(nodes);
    return rc;
}

const char *sos_os_list(unsigned mask, char *buf, size_t size)
{
    static const unsigned all[] = {SOS_OS_MACOS, SOS_OS_LINUX, SOS_OS_WINDOWS,
                                   SOS_OS_WSL};
    size_t used = 0;
    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (!mask) {
        snprintf(buf, size, "any");
        return buf;
    }
    for (size_t k = 0; k < sizeof all / sizeof all[0] && used < size; k++)
        if (mask & all[k])
            used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                     used ? "," : "", sos_os_name(all[k]));
    return buf;
}

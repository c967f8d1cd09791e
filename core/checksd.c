#include "config.h"

#include "checksd.h"
#include "trust.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

/*
 * Loading works on a private list of checks and appends it to the caller's
 * only when the whole call succeeded: on error the caller's list is left
 * exactly as it was, and everything parsed so far is freed.
 */

#define MAX_FILE_SIZE (1024 * 1024)
#define MAX_ID_LEN 128
#define MAX_NAME_LEN 64
#define MAX_PARAM_KEY_LEN 128
#define MAX_TIMEOUT 3600.0
#define MAX_DEPTH 32 /* a check needs 5 */
#define SHOWN_VALUE_MAX 60

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

/* Copies S for an error message: bounded, control characters replaced, so
 * a hostile file cannot write escape sequences to the user's terminal. */
static void shown_value(char *buf, size_t size, const char *s, size_t len)
{
    size_t n = len;
    size_t i;

    if (n > SHOWN_VALUE_MAX) {
        n = SHOWN_VALUE_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* do not cut a UTF-8 sequence in half */
    }
    if (n + 4 > size)
        n = size > 4 ? size - 4 : 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (n < len && size >= 4) {
        memcpy(buf + i, "...", 3);
        i += 3;
    }
    buf[i] = '\0';
}

/* ------------------------------------------------------------------ */
/* An id -> index hash table (open addressing), for unique ids, the     */
/* dependency graph and params keys: keeps everything linear.           */

struct id_slot {
    const char *key;
    size_t value;
};

struct id_index {
    struct id_slot *slots;
    size_t mask;
};

#define ID_NOT_FOUND SIZE_MAX

static uint64_t hash_string(const char *s)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static int id_index_init(struct id_index *ix, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2)
        cap *= 2;
    ix->slots = calloc(cap, sizeof *ix->slots);
    ix->mask = cap - 1;
    return ix->slots ? 0 : -1;
}

static void id_index_free(struct id_index *ix)
{
    free(ix->slots);
    ix->slots = NULL;
}

/* Inserts KEY -> VALUE unless KEY is present; returns the value already
 * stored for KEY, or ID_NOT_FOUND when it was inserted. The table never
 * fills: it was sized for twice the number of keys. */
static size_t id_index_put(struct id_index *ix, const char *key, size_t value)
{
    size_t i = (size_t)hash_string(key) & ix->mask;
    while (ix->slots[i].key) {
        if (strcmp(ix->slots[i].key, key) == 0)
            return ix->slots[i].value;
        i = (i + 1) & ix->mask;
    }
    ix->slots[i].key = key;
    ix->slots[i].value = value;
    return ID_NOT_FOUND;
}

static size_t id_index_get(const struct id_index *ix, const char *key)
{
    size_t i = (size_t)hash_string(key) & ix->mask;
    while (ix->slots[i].key) {
        if (strcmp(ix->slots[i].key, key) == 0)
            return ix->slots[i].value;
        i = (i + 1) & ix->mask;
    }
    return ID_NOT_FOUND;
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

static int fail_at_origin(sos_error *err, const struct sos_origin *o,
                          const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at_origin(sos_error *err, const struct sos_origin *o,
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
    struct id_index ix;
    size_t na = a->n, nb = b ? b->n : 0;

    if (id_index_init(&ix, na + nb) < 0)
        return sos_fail(err, "checks.d: out of memory");
    for (size_t i = 0; i < na + nb; i++) {
        const struct sos_check_decl *d = i < na ? &a->v[i] : &b->v[i - na];
        size_t first = id_index_put(&ix, d->id, i);
        if (first != ID_NOT_FOUND) {
            const struct sos_check_decl *f =
                first < na ? &a->v[first] : &b->v[first - na];
            id_index_free(&ix);
            return fail_at_origin(err, &d->origin,
                                  "duplicate id '%s' (first declared at %s:%d:%d)",
                                  d->id, f->origin.file, f->origin.line,
                                  f->origin.column);
        }
    }
    id_index_free(&ix);
    return 0;
}

/* ------------------------------------------------------------------ */
/* YAML: the loader state and its error helpers                         */

struct loader {
    const char *name;          /* file name for messages */
    yaml_document_t *doc;
    sos_error *err;
    const char *check_id;      /* id of the check being parsed, for messages */
    const char *const *allowed_params; /* when set, the only param keys allowed */
};

static int fail_at(const struct loader *ld, const yaml_node_t *node,
                   const char *format, ...) __attribute__((format(printf, 3, 4)));

static int fail_at(const struct loader *ld, const yaml_node_t *node,
                   const char *format, ...)
{
    char msg[sizeof ld->err->msg];
    va_list ap;

    va_start(ap, format);
    vsnprintf(msg, sizeof msg, format, ap);
    va_end(ap);
    return sos_fail(ld->err, "%s:%zu:%zu: %.900s", ld->name,
                    node->start_mark.line + 1, node->start_mark.column + 1, msg);
}

static int fail_oom(const struct loader *ld)
{
    return sos_fail(ld->err, "%s: out of memory", ld->name);
}

static int origin_set(const struct loader *ld, struct sos_origin *o,
                      const yaml_node_t *node)
{
    o->file = strdup(ld->name);
    if (!o->file)
        return fail_oom(ld);
    o->line = (int)node->start_mark.line + 1;
    o->column = (int)node->start_mark.column + 1;
    return 0;
}

static yaml_node_t *node_at(const struct loader *ld, int index)
{
    return yaml_document_get_node(ld->doc, index);
}

static int scalar_is(const yaml_node_t *n, const char *s)
{
    size_t len = strlen(s);
    return n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
           memcmp(n->data.scalar.value, s, len) == 0;
}

static int is_one_of(const char *s, size_t len, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == len && memcmp(s, *words, len) == 0)
            return 1;
    return 0;
}

static size_t span_of(const char *s, size_t len, const char *set)
{
    size_t i = 0;
    while (i < len && s[i] && strchr(set, s[i]))
        i++;
    return i;
}

/* Whether a plain scalar is a number under YAML 1.1, as PyYAML reads it:
 * ints (decimal, 0x, 0b, 0-prefixed octal) and floats with a dot, .inf,
 * .nan. (Sexagesimal 1:30 is left out; nobody writes it by accident.) */
static int yaml11_is_number(const char *s, size_t len)
{
    static const char *const specials[] = {".inf", ".Inf", ".INF", ".nan",
                                           ".NaN", ".NAN", NULL};
    const char *digits = "0123456789_";
    size_t sign = len > 0 && (s[0] == '+' || s[0] == '-');
    const char *r = s + sign;
    size_t n = len - sign, a, b, p;

    if (is_one_of(r, n, specials))
        return 1;
    if (n == 0)
        return 0;
    if (n > 2 && r[0] == '0' && (r[1] == 'x' || r[1] == 'b'))
        return span_of(r + 2, n - 2, r[1] == 'x' ? "0123456789abcdefABCDEF_" : "01_") ==
               n - 2;
    a = span_of(r, n, digits);
    if (a > 0 && r[0] == '_')
        return 0;
    if (a == n)
        return 1;
    if (r[a] != '.')
        return 0;
    b = span_of(r + a + 1, n - a - 1, digits);
    if (a == 0 && b == 0)
        return 0;
    p = a + 1 + b;
    if (p == n)
        return 1;
    if ((r[p] != 'e' && r[p] != 'E') || p + 2 >= n || (r[p + 1] != '+' && r[p + 1] != '-'))
        return 0;
    return span_of(r + p + 2, n - p - 2, "0123456789") == n - p - 2;
}

/* The JSON type a plain scalar becomes under YAML 1.1, or NULL for a string;
 * the loader refuses where the schema would, so both agree on every file. */
static const char *plain_scalar_type(const yaml_node_t *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const bools[] = {
        "yes", "Yes", "YES", "no",  "No",  "NO",  "true", "True", "TRUE",
        "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", NULL};
    const char *s = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;

    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return NULL;
    if (is_one_of(s, len, nulls))
        return "null";
    if (is_one_of(s, len, bools))
        return "a boolean";
    if (yaml11_is_number(s, len))
        return "a number";
    return NULL;
}

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_SCALAR_NODE: {
        const char *t = plain_scalar_type(n);
        return t ? t : "a string";
    }
    default:
        return "nothing";
    }
}

static int is_null_node(const yaml_node_t *n)
{
    const char *t = n->type == YAML_SCALAR_NODE ? plain_scalar_type(n) : NULL;
    return t && strcmp(t, "null") == 0;
}

/* The text of a scalar node, or NULL with the error set. WHAT names the
 * value in messages ("'plugin'", "an entry of 'needs'"). */
static char *scalar_text(const struct loader *ld, const yaml_node_t *n,
                         const char *what)
{
    char *s;

    if (memchr(n->data.scalar.value, '\0', n->data.scalar.length)) {
        fail_at(ld, n, "%s contains a NUL character", what);
        return NULL;
    }
    s = dup_bytes((const char *)n->data.scalar.value, n->data.scalar.length);
    if (!s)
        fail_oom(ld);
    return s;
}

/* A string value: a scalar that YAML does not read as null, bool or number. */
static char *string_value(const struct loader *ld, const yaml_node_t *n,
                          const char *what)
{
    const char *kind = node_kind(n);

    if (n->type != YAML_SCALAR_NODE || strcmp(kind, "a string") != 0) {
        char shown[SHOWN_VALUE_MAX + 4] = "";
        if (n->type == YAML_SCALAR_NODE)
            shown_value(shown, sizeof shown, (const char *)n->data.scalar.value,
                        n->data.scalar.length);
        fail_at(ld, n, "%s must be a string, not %s%s%s%s", what, kind,
                shown[0] ? " '" : "", shown, shown[0] ? "' (quote it)" : "");
        return NULL;
    }
    return scalar_text(ld, n, what);
}

/* Walks the pairs of mapping MAP, refusing non-scalar and duplicate keys.
 * FN is called with each key and value. */
typedef int (*pair_fn)(struct loader *ld, yaml_node_t *key, yaml_node_t *value,
                       void *ctx);

static int for_each_pair(struct loader *ld, yaml_node_t *map, const char *where,
                         pair_fn fn, void *ctx)
{
    yaml_node_pair_t *start = map->data.mapping.pairs.start;
    yaml_node_pair_t *top = map->data.mapping.pairs.top;
    size_t n = (size_t)(top - start);
    struct id_index seen;
    char **keys;
    int rc = 0;

    if (n == 0)
        return 0;
    keys = calloc(n, sizeof *keys);
    if (!keys || id_index_init(&seen, n) < 0) {
        free(keys);
        return fail_oom(ld);
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        yaml_node_t *key = node_at(ld, start[i].key);
        yaml_node_t *value = node_at(ld, start[i].value);
        size_t first;

        if (!key || !value) {
            rc = sos_fail(ld->err, "%s: malformed YAML document", ld->name);
            break;
        }
        if (key->type != YAML_SCALAR_NODE) {
            rc = fail_at(ld, key, "keys %s must be strings, not %s", where,
                         node_kind(key));
            break;
        }
        keys[i] = scalar_text(ld, key, "a key");
        if (!keys[i]) {
            rc = -1;
            break;
        }
        first = id_index_put(&seen, keys[i], i);
        if (first != ID_NOT_FOUND) {
            yaml_node_t *prev = node_at(ld, start[first].key);
            char shown[SHOWN_VALUE_MAX + 4];
            shown_value(shown, sizeof shown, keys[i], strlen(keys[i]));
            rc = fail_at(ld, key, "duplicate key '%s' %s (first at line %zu, column %zu)",
                         shown, where, prev->start_mark.line + 1,
                         prev->start_mark.column + 1);
            break;
        }
        rc = fn(ld, key, value, ctx);
    }
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    id_index_free(&seen);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Check fields                                                         */

static const char *const check_keys[] = {
    "id", "plugin", "check", "summary", "needs", "after",
    "params", "severity", "timeout", "when", "scope", NULL};

#define CHECK_KEYS_TEXT \
    "id, plugin, check, summary, needs, after, params, severity, timeout, when, scope"

static char *validated(const struct loader *ld, const yaml_node_t *n,
                       const char *what, int (*valid)(const char *),
                       const char *expected)
{
    char *s = string_value(ld, n, what);
    if (s && !valid(s)) {
        char shown[SHOWN_VALUE_MAX + 4];
        shown_value(shown, sizeof shown, s, strlen(s));
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

/* The items of a "list or single string" value: a scalar counts as one. */
static size_t list_items(yaml_node_t *n, yaml_node_item_t **items,
                         yaml_node_item_t *single_storage, int self_index)
{
    if (n->type == YAML_SEQUENCE_NODE) {
        *items = n->data.sequence.items.start;
        return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    }
    *single_storage = self_index;
    *items = single_storage;
    return 1;
}

/* needs: / after: a list of ids, or one id. KEY is "needs" or "after". */
static int parse_id_list(struct loader *ld, yaml_node_t *n, int node_index,
                         const char *key, char ***ids, struct sos_origin **origins,
                         size_t *count)
{
    yaml_node_item_t *items, single;
    size_t n_items;
    char what[48];

    if (n->type == YAML_MAPPING_NODE)
        return fail_at(ld, n, "'%s' must be a list of check ids or one id, not a mapping",
                       key);
    n_items = list_items(n, &items, &single, node_index);
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
            return sos_fail(ld->err, "%s: malformed YAML document", ld->name);
        if (item->type != YAML_SCALAR_NODE)
            return fail_at(ld, item, "entries of '%s' must be check ids, not %s", key,
                           node_kind(item));
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
    char *s = string_value(ld, n, key);
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
        shown_value(shown, sizeof shown, s, strlen(s));
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
        shown_value(shown, sizeof shown, s, len);
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
        snprintf(shown, sizeof shown, "%s", node_kind(n));
    }
    return fail_at(ld, n,
                   "'timeout' must be a number of seconds between 0 and 3600, not '%s'%s",
                   shown, quoted);
}

static int parse_param_value(struct loader *ld, yaml_node_t *n, int node_index,
                             struct sos_param *p)
{
    yaml_node_item_t *items, single;
    size_t n_items;

    if (n->type == YAML_MAPPING_NODE)
        return fail_at(ld, n,
                       "param '%s' must be a string, a number or a list of them, not a mapping",
                       p->key);
    p->is_list = n->type == YAML_SEQUENCE_NODE;
    n_items = list_items(n, &items, &single, node_index);
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
            return sos_fail(ld->err, "%s: malformed YAML document", ld->name);
        snprintf(what, sizeof what, "param '%s'", p->key);
        if (item->type != YAML_SCALAR_NODE)
            return fail_at(ld, item, "%s: list entries must be strings or numbers, not %s",
                           what, node_kind(item));
        if (is_null_node(item))
            return fail_at(ld, item, "%s has an empty value (null); quote it if you mean \"\"",
                           what);
        p->values[i] = scalar_text(ld, item, what);
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

static int parse_param(struct loader *ld, yaml_node_t *key, yaml_node_t *value,
                       void *ctx)
{
    struct sos_check_decl *d = ((struct params_ctx *)ctx)->decl;
    struct sos_param *p = &d->params[d->n_params];
    int value_index = (int)(value - ld->doc->nodes.start) + 1;

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
        shown_value(shown, sizeof shown, (const char *)key->data.scalar.value,
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
    return parse_param_value(ld, value, value_index, p);
}

static int parse_params(struct loader *ld, yaml_node_t *n, struct sos_check_decl *d)
{
    size_t n_pairs;
    struct params_ctx ctx = {d};

    if (n->type != YAML_MAPPING_NODE)
        return fail_at(ld, n, "'params' must be a mapping of keys to values, not %s",
                       node_kind(n));
    n_pairs = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (n_pairs == 0)
        return 0;
    d->params = calloc(n_pairs, sizeof *d->params);
    if (!d->params)
        return fail_oom(ld);
    return for_each_pair(ld, n, "in 'params'", parse_param, &ctx);
}

static int parse_os_list(struct loader *ld, yaml_node_t *n, int node_index,
                         unsigned *mask)
{
    yaml_node_item_t *items, single;
    size_t n_items;

    if (n->type == YAML_MAPPING_NODE)
        return fail_at(ld, n, "'os' must be a list of macos, linux, windows, wsl, not a mapping");
    n_items = list_items(n, &items, &single, node_index);
    if (n_items == 0)
        return fail_at(ld, n, "'os' must name at least one of macos, linux, windows, wsl");
    for (size_t i = 0; i < n_items; i++) {
        yaml_node_t *item = node_at(ld, items[i]);
        char *name;
        unsigned bit;

        if (!item)
            return sos_fail(ld->err, "%s: malformed YAML document", ld->name);
        name = string_value(ld, item, "an entry of 'os'");
        if (!name)
            return -1;
        bit = sos_os_from_name(name);
        if (bit == 0 || (*mask & bit)) {
            char shown[SHOWN_VALUE_MAX + 4];
            shown_value(shown, sizeof shown, name, strlen(name));
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

static int parse_when_pair(struct loader *ld, yaml_node_t *key, yaml_node_t *value,
                           void *ctx)
{
    unsigned *mask = ctx;
    if (!scalar_is(key, "os")) {
        char shown[SHOWN_VALUE_MAX + 4];
        shown_value(shown, sizeof shown, (const char *)key->data.scalar.value,
                    key->data.scalar.length);
        return fail_at(ld, key, "unknown key '%s' in 'when' (expected: os)", shown);
    }
    return parse_os_list(ld, value, (int)(value - ld->doc->nodes.start) + 1, mask);
}

static int parse_when(struct loader *ld, yaml_node_t *n, unsigned *mask)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(ld, n, "'when' must be a mapping like {os: [linux]}, not %s",
                       node_kind(n));
    return for_each_pair(ld, n, "in 'when'", parse_when_pair, mask);
}

static int key_index(const yaml_node_t *key)
{
    for (int i = 0; check_keys[i]; i++)
        if (scalar_is(key, check_keys[i]))
            return i;
    return -1;
}

static int parse_check_pair(struct loader *ld, yaml_node_t *key, yaml_node_t *value,
                            void *ctx)
{
    static const char *const severities[] = {"critical", "warning", NULL};
    static const char *const scopes[] = {"runtime", "agent", NULL};
    struct sos_check_decl *d = ctx;
    int value_index = (int)(value - ld->doc->nodes.start) + 1;
    int e;

    switch (key_index(key)) {
    case 0:
        return parse_id(ld, value, &d->id);
    case 1:
        return parse_name(ld, value, "'plugin'", &d->plugin);
    case 2:
        return parse_name(ld, value, "'check'", &d->check);
    case 3:
        d->summary = string_value(ld, value, "'summary'");
        return d->summary ? 0 : -1;
    case 4:
        return parse_id_list(ld, value, value_index, "needs", &d->needs,
                             &d->needs_origin, &d->n_needs);
    case 5:
        return parse_id_list(ld, value, value_index, "after", &d->after,
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
        return parse_when(ld, value, &d->when_os);
    case 10:
        if (parse_enum(ld, value, "'scope'", scopes, &e) < 0)
            return -1;
        d->scope = e == 1 ? SOS_SCOPE_AGENT : SOS_SCOPE_RUNTIME;
        return 0;
    default: {
        char shown[SHOWN_VALUE_MAX + 4];
        shown_value(shown, sizeof shown, (const char *)key->data.scalar.value,
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
        if (key && value && scalar_is(key, "id") && value->type == YAML_SCALAR_NODE &&
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
                       node_kind(map));
    if (origin_set(ld, &d->origin, map) < 0)
        return -1;
    label = peek_check_id(ld, map);
    ld->check_id = label;
    rc = for_each_pair(ld, map, "in check", parse_check_pair, d);
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
        return fail_at(ld, seq, "'checks' must be a list of checks, not %s", node_kind(seq));
    for (yaml_node_item_t *it = seq->data.sequence.items.start;
         it < seq->data.sequence.items.top; it++) {
        yaml_node_t *item = node_at(ld, *it);
        struct sos_check_decl *d;

        if (!item)
            return sos_fail(ld->err, "%s: malformed YAML document", ld->name);
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

static int parse_top_pair(struct loader *ld, yaml_node_t *key, yaml_node_t *value,
                          void *ctx)
{
    struct top_ctx *top = ctx;
    if (!scalar_is(key, "checks")) {
        char shown[SHOWN_VALUE_MAX + 4];
        /* A file that is not ours at all (a symlink to a shadow file, a
         * key file) shows its first line here: quote only what is a name. */
        if (!is_key_name((const char *)key->data.scalar.value, key->data.scalar.length))
            return fail_at(ld, key, "the top-level key is not a name (not shown; "
                                    "expected: checks): is this a checks.d file?");
        shown_value(shown, sizeof shown, (const char *)key->data.scalar.value,
                    key->data.scalar.length);
        return fail_at(ld, key, "unknown top-level key '%s' (expected: checks)", shown);
    }
    top->seen_checks = 1;
    return parse_checks_list(ld, value, top->out);
}

static int parse_document(struct loader *ld, struct sos_checks *out)
{
    yaml_node_t *root = yaml_document_get_root_node(ld->doc);
    struct top_ctx top = {out, 0};

    if (!root)
        return 0; /* empty file, or only comments */
    if (root->type != YAML_MAPPING_NODE)
        return fail_at(ld, root,
                       "the top level must be a mapping with the key 'checks', not %s",
                       node_kind(root));
    if (for_each_pair(ld, root, "at the top level", parse_top_pair, &top) < 0)
        return -1;
    if (!top.seen_checks)
        return fail_at(ld, root, "missing required top-level key 'checks'");
    return 0;
}

/* ------------------------------------------------------------------ */
/* YAML: syntax, and what the document API cannot show                  */

/* libyaml reports reader errors (bad encoding) as a byte offset only. */
static void line_column_at(const char *data, size_t len, size_t offset,
                           size_t *line, size_t *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset && i < len; i++) {
        if (data[i] == '\n') {
            (*line)++;
            *column = 1;
        } else if (((unsigned char)data[i] & 0xC0) != 0x80) {
            (*column)++;
        }
    }
}

static int fail_syntax(const struct loader *ld, const yaml_parser_t *parser,
                       const char *data, size_t len)
{
    size_t line, column;
    const char *problem = parser->problem ? parser->problem : "unknown problem";

    if (parser->error == YAML_MEMORY_ERROR)
        return fail_oom(ld);
    if (parser->error == YAML_READER_ERROR) {
        line_column_at(data, len, parser->problem_offset, &line, &column);
        return sos_fail(ld->err, "%s:%zu:%zu: YAML syntax error: %s", ld->name, line,
                        column, problem);
    }
    line = parser->problem_mark.line + 1;
    column = parser->problem_mark.column + 1;
    if (parser->context)
        return sos_fail(ld->err, "%s:%zu:%zu: YAML syntax error: %s (%s)", ld->name,
                        line, column, problem, parser->context);
    return sos_fail(ld->err, "%s:%zu:%zu: YAML syntax error: %s", ld->name, line,
                    column, problem);
}

static int fail_event(const struct loader *ld, const yaml_event_t *ev,
                      const char *format, ...) __attribute__((format(printf, 3, 4)));

static int fail_event(const struct loader *ld, const yaml_event_t *ev,
                      const char *format, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, format);
    vsnprintf(msg, sizeof msg, format, ap);
    va_end(ap);
    return sos_fail(ld->err, "%s:%zu:%zu: %s", ld->name, ev->start_mark.line + 1,
                    ev->start_mark.column + 1, msg);
}

/* Anchor and tag of an event that can carry them. */
static void event_anchor_tag(const yaml_event_t *ev, const yaml_char_t **anchor,
                             const yaml_char_t **tag)
{
    *anchor = NULL;
    *tag = NULL;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        *anchor = ev->data.scalar.anchor;
        *tag = ev->data.scalar.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        *anchor = ev->data.sequence_start.anchor;
        *tag = ev->data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        *anchor = ev->data.mapping_start.anchor;
        *tag = ev->data.mapping_start.tag;
        break;
    default:
        break;
    }
}

struct event_state {
    int documents;
    int depth;
};

static int check_event(const struct loader *ld, const yaml_event_t *ev,
                       struct event_state *st)
{
    const yaml_char_t *anchor, *tag;
    char shown[SHOWN_VALUE_MAX + 4];

    if (ev->type == YAML_DOCUMENT_START_EVENT && ++st->documents > 1)
        return fail_event(ld, ev, "only one YAML document per file is allowed");
    if (ev->type == YAML_SEQUENCE_END_EVENT || ev->type == YAML_MAPPING_END_EVENT)
        st->depth--;
    if ((ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) &&
        ++st->depth > MAX_DEPTH)
        return fail_event(ld, ev, "nesting deeper than %d levels", MAX_DEPTH);
    if (ev->type == YAML_ALIAS_EVENT) {
        const char *a = (const char *)ev->data.alias.anchor;
        shown_value(shown, sizeof shown, a, strlen(a));
        return fail_event(ld, ev, "YAML anchors and aliases are not allowed (alias *%s)", shown);
    }
    event_anchor_tag(ev, &anchor, &tag);
    if (anchor) {
        shown_value(shown, sizeof shown, (const char *)anchor, strlen((const char *)anchor));
        return fail_event(ld, ev, "YAML anchors and aliases are not allowed (anchor &%s)", shown);
    }
    if (tag) {
        shown_value(shown, sizeof shown, (const char *)tag, strlen((const char *)tag));
        return fail_event(ld, ev, "YAML tags are not allowed (%s); write plain values",
                          shown);
    }
    return 0;
}

/* A first pass over the events: syntax errors, anchors, aliases (which the
 * document API silently shares, so a billion-laughs file would explode in
 * our walk), explicit tags, multiple documents, and deep nesting (libyaml's
 * scanner is quadratic in the depth: 1 MiB of '[' takes minutes). */
static int prescan(const struct loader *ld, const char *data, size_t len)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct event_state st = {0, 0};
    int rc = 0;

    if (!yaml_parser_initialize(&parser))
        return fail_oom(ld);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    for (;;) {
        int done;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = fail_syntax(ld, &parser, data, len);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = check_event(ld, &ev, &st);
        yaml_event_delete(&ev);
        if (rc < 0 || done)
            break;
    }
    yaml_parser_delete(&parser);
    return rc;
}

typedef int (*document_parser)(struct loader *ld, void *out);

static int parse_checks_document(struct loader *ld, void *out)
{
    return parse_document(ld, out);
}

static int parse_params_document(struct loader *ld, void *out)
{
    yaml_node_t *root = yaml_document_get_root_node(ld->doc);
    if (!root)
        return sos_fail(ld->err, "%s: empty file", ld->name);
    if (root->type != YAML_MAPPING_NODE)
        return fail_at(ld, root, "the top level must be a mapping of keys to values, not %s",
                       node_kind(root));
    return parse_params(ld, root, out);
}

static int parse_yaml(const char *name, const char *data, size_t len,
                      document_parser parse, const char *const *allowed_params,
                      void *out, sos_error *err)
{
    struct loader ld = {name, NULL, err, NULL, allowed_params};
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc;

    if (memchr(data, '\0', len))
        return sos_fail(err, "%s: binary file (contains a NUL byte at offset %zu)", name,
                        (size_t)((const char *)memchr(data, '\0', len) - data));
    if (prescan(&ld, data, len) < 0)
        return -1;
    if (!yaml_parser_initialize(&parser))
        return fail_oom(&ld);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = fail_syntax(&ld, &parser, data, len);
        yaml_parser_delete(&parser);
        return rc;
    }
    ld.doc = &doc;
    rc = parse(&ld, out);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
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

static int fail_too_large(const char *path, long long size, sos_error *err)
{
    return sos_fail(err, "%s: file too large (%lld bytes; at most %d bytes)", path, size,
                    MAX_FILE_SIZE);
}

/* Reads at most MAX_FILE_SIZE bytes of PATH, which must be a regular file
 * that only root or the user running sourceos can change (its directory is
 * checked by the caller): what it declares is run. */
static int read_small_file(const char *path, char **data_out, size_t *len_out,
                           sos_error *err)
{
    struct stat st;
    char *data;
    size_t len = 0;
    int fd;

    fd = sos_trust_open_file(path, err);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0) {
        int saved = errno;
        close(fd);
        return sos_fail(err, "%s: cannot read: %s", path, strerror(saved));
    }
    if (st.st_size > MAX_FILE_SIZE) {
        close(fd);
        return fail_too_large(path, (long long)st.st_size, err);
    }
    data = malloc(MAX_FILE_SIZE + 1);
    if (!data) {
        close(fd);
        return sos_fail(err, "%s: out of memory", path);
    }
    for (;;) {
        ssize_t got = read(fd, data + len, MAX_FILE_SIZE + 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int saved = errno;
            free(data);
            close(fd);
            return sos_fail(err, "%s: cannot read: %s", path, strerror(saved));
        }
        if (got == 0)
            break;
        len += (size_t)got;
        if (len > MAX_FILE_SIZE) { /* it grew since fstat */
            free(data);
            close(fd);
            return fail_too_large(path, (long long)len, err);
        }
    }
    close(fd);
    *data_out = data;
    *len_out = len;
    return 0;
}

int sos_params_load_file(const char *path, const char *const *allowed,
                         struct sos_check_decl *out, sos_error *err)
{
    char *data = NULL;
    size_t len = 0;
    int rc;
    memset(out, 0, sizeof *out);
    if (read_small_file(path, &data, &len, err) < 0)
        return -1;
    rc = parse_yaml(path, data, len, parse_params_document, allowed, out, err);
    free(data);
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
    dst->scope = src->scope;
    dst->origin.line = src->origin.line;
    dst->origin.column = src->origin.column;
    if (copy_str(src->id, &dst->id) != 0 || copy_str(src->plugin, &dst->plugin) != 0 ||
        copy_str(src->check, &dst->check) != 0 ||
        copy_str(src->summary, &dst->summary) != 0 ||
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
    char *data = NULL;
    size_t len = 0;
    int rc;

    if (read_small_file(path, &data, &len, err) < 0)
        return -1;
    rc = load_yaml(path, data, len, out, err);
    free(data);
    return rc;
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
/* Resolving: the dependency graph                                      */

/* Edges are stored twice in compressed rows: deps (what a check waits for,
 * needs first, then after, in file order) and dependents (the reverse). */
struct graph {
    size_t n;
    size_t *dep_start; /* n + 1 */
    size_t *dep;       /* edges */
    size_t *rdep_start;
    size_t *rdep;
    size_t *indegree;
};

static void graph_free(struct graph *g)
{
    free(g->dep_start);
    free(g->dep);
    free(g->rdep_start);
    free(g->rdep);
    free(g->indegree);
}

static const struct sos_origin *edge_origin(const struct sos_check_decl *d, size_t k)
{
    return k < d->n_needs ? &d->needs_origin[k] : &d->after_origin[k - d->n_needs];
}

static const char *edge_target(const struct sos_check_decl *d, size_t k)
{
    return k < d->n_needs ? d->needs[k] : d->after[k - d->n_needs];
}

static int fail_bad_edge(const struct sos_check_decl *d, size_t k, int self,
                         sos_error *err)
{
    const struct sos_origin *o = edge_origin(d, k);
    int is_needs = k < d->n_needs;

    if (self)
        return fail_at_origin(err, o, is_needs ? "check '%s' needs itself"
                                               : "check '%s' is ordered after itself",
                              d->id);
    return fail_at_origin(err, o,
                          is_needs ? "check '%s' needs '%s', which is not declared"
                                   : "check '%s' is ordered after '%s', which is not declared",
                          d->id, edge_target(d, k));
}

static int graph_build(const struct sos_checks *checks, const struct id_index *ix,
                       struct graph *g, sos_error *err)
{
    size_t n = checks->n, edges = 0;

    memset(g, 0, sizeof *g);
    g->n = n;
    for (size_t i = 0; i < n; i++)
        edges += checks->v[i].n_needs + checks->v[i].n_after;
    g->dep_start = calloc(n + 1, sizeof *g->dep_start);
    g->rdep_start = calloc(n + 2, sizeof *g->rdep_start);
    g->dep = calloc(edges ? edges : 1, sizeof *g->dep);
    g->rdep = calloc(edges ? edges : 1, sizeof *g->rdep);
    g->indegree = calloc(n ? n : 1, sizeof *g->indegree);
    if (!g->dep_start || !g->rdep_start || !g->dep || !g->rdep || !g->indegree)
        return sos_fail(err, "checks.d: out of memory");

    for (size_t i = 0, e = 0; i < n; i++) {
        const struct sos_check_decl *d = &checks->v[i];
        size_t k_max = d->n_needs + d->n_after;
        g->dep_start[i] = e;
        for (size_t k = 0; k < k_max; k++) {
            size_t j = id_index_get(ix, edge_target(d, k));
            if (j == ID_NOT_FOUND || j == i)
                return fail_bad_edge(d, k, j == i, err);
            g->dep[e++] = j;
            g->rdep_start[j + 2]++; /* counted, shifted for the prefix sum below */
        }
        g->indegree[i] = k_max;
    }
    g->dep_start[n] = edges;
    for (size_t j = 2; j < n + 2; j++)
        g->rdep_start[j] += g->rdep_start[j - 1];
    for (size_t i = 0; i < n; i++)
        for (size_t e = g->dep_start[i]; e < g->dep_start[i + 1]; e++)
            g->rdep[g->rdep_start[g->dep[e] + 1]++] = i;
    return 0;
}

/* A binary min-heap of indices: the ready check declared first runs first. */
static void heap_push(size_t *heap, size_t *len, size_t v)
{
    size_t i = (*len)++;
    while (i > 0 && heap[(i - 1) / 2] > v) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = v;
}

static size_t heap_pop(size_t *heap, size_t *len)
{
    size_t top = heap[0];
    size_t last = heap[--*len];
    size_t i = 0;

    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= *len)
            break;
        if (child + 1 < *len && heap[child + 1] < heap[child])
            child++;
        if (heap[child] >= last)
            break;
        heap[i] = heap[child];
        i = child;
    }
    if (*len > 0)
        heap[i] = last;
    return top;
}

/* Kahn's algorithm; returns how many checks were placed in ORDER. */
static size_t topo_sort(struct graph *g, size_t *heap, size_t *order)
{
    size_t heap_len = 0, placed = 0;

    for (size_t i = 0; i < g->n; i++)
        if (g->indegree[i] == 0)
            heap_push(heap, &heap_len, i);
    while (heap_len > 0) {
        size_t v = heap_pop(heap, &heap_len);
        order[placed++] = v;
        for (size_t e = g->rdep_start[v]; e < g->rdep_start[v + 1]; e++)
            if (--g->indegree[g->rdep[e]] == 0)
                heap_push(heap, &heap_len, g->rdep[e]);
    }
    return placed;
}

static int append_text(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t add = strlen(s);
    if (*len + add + 1 > *cap) {
        size_t new_cap = (*len + add + 1) * 2;
        char *grown = realloc(*buf, new_cap);
        if (!grown)
            return -1;
        *buf = grown;
        *cap = new_cap;
    }
    memcpy(*buf + *len, s, add + 1);
    *len += add;
    return 0;
}

/* After an incomplete sort, every unplaced check still waits on an unplaced
 * dependency; following those from any of them must close a cycle. */
static int fail_cycle(const struct sos_checks *checks, const struct graph *g,
                      sos_error *err)
{
    size_t n = g->n, start = 0, steps = 0, v, first, lowest;
    size_t *step_of = malloc(n * sizeof *step_of);
    size_t *path = malloc(n * sizeof *path);
    size_t *path_edge = malloc(n * sizeof *path_edge);
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc;

    if (!step_of || !path || !path_edge) {
        rc = sos_fail(err, "checks.d: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        step_of[i] = SIZE_MAX;
    while (g->indegree[start] == 0)
        start++;
    for (v = start; step_of[v] == SIZE_MAX;) {
        size_t e = g->dep_start[v];
        while (g->indegree[g->dep[e]] == 0)
            e++;
        step_of[v] = steps;
        path[steps] = v;
        path_edge[steps++] = e - g->dep_start[v];
        v = g->dep[e];
    }
    /* The cycle is path[step_of[v] .. steps-1]; print it from its first-declared check. */
    first = step_of[v];
    lowest = first;
    for (size_t s = first; s < steps; s++)
        if (path[s] < path[lowest])
            lowest = s;
    rc = 0;
    for (size_t k = 0; k <= steps - first && rc == 0; k++) {
        size_t s = first + (lowest - first + k) % (steps - first);
        if (k > 0)
            rc = append_text(&text, &len, &cap, " -> ");
        if (rc == 0)
            rc = append_text(&text, &len, &cap, checks->v[path[s]].id);
    }
    if (rc < 0) {
        rc = sos_fail(err, "checks.d: out of memory");
        goto out;
    }
    rc = fail_at_origin(err, edge_origin(&checks->v[path[lowest]], path_edge[lowest]),
                        "dependency cycle: %s", text);
out:
    free(text);
    free(step_of);
    free(path);
    free(path_edge);
    return rc;
}

int sos_checksd_resolve(const struct sos_checks *checks, size_t *order,
                        sos_error *err)
{
    struct id_index ix;
    struct graph g;
    size_t *heap;
    int rc;

    if (!checks || (checks->n > 0 && !order))
        return sos_fail(err, "checks.d: invalid arguments");
    if (checks->n == 0)
        return 0;
    if (check_unique_ids(checks, NULL, err) < 0)
        return -1;
    if (id_index_init(&ix, checks->n) < 0)
        return sos_fail(err, "checks.d: out of memory");
    for (size_t i = 0; i < checks->n; i++)
        id_index_put(&ix, checks->v[i].id, i);
    rc = graph_build(checks, &ix, &g, err);
    id_index_free(&ix);
    heap = rc == 0 ? malloc(checks->n * sizeof *heap) : NULL;
    if (rc == 0 && !heap)
        rc = sos_fail(err, "checks.d: out of memory");
    if (rc == 0 && topo_sort(&g, heap, order) < checks->n)
        rc = fail_cycle(checks, &g, err);
    free(heap);
    graph_free(&g);
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

#include "config.h"

#include "yaml.h"
#include "idindex.h"
#include "trust.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

void sos_yaml_shown(char *buf, size_t size, const char *s, size_t len)
{
    size_t n = len;
    size_t i;

    if (n > SOS_YAML_SHOWN_MAX) {
        n = SOS_YAML_SHOWN_MAX;
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
/* Errors and nodes                                                     */

int sos_yaml_vfail_at(const struct sos_yaml *y, const yaml_node_t *n,
                      const char *format, va_list ap)
{
    char msg[sizeof y->err->msg];

    vsnprintf(msg, sizeof msg, format, ap);
    return sos_fail(y->err, "%s:%zu:%zu: %.900s", y->name, n->start_mark.line + 1,
                    n->start_mark.column + 1, msg);
}

int sos_yaml_fail_at(const struct sos_yaml *y, const yaml_node_t *n,
                     const char *format, ...)
{
    va_list ap;
    int rc;

    va_start(ap, format);
    rc = sos_yaml_vfail_at(y, n, format, ap);
    va_end(ap);
    return rc;
}

int sos_yaml_fail_oom(const struct sos_yaml *y)
{
    return sos_fail(y->err, "%s: out of memory", y->name);
}

int sos_yaml_fail_malformed(const struct sos_yaml *y)
{
    return sos_fail(y->err, "%s: malformed YAML document", y->name);
}

yaml_node_t *sos_yaml_root(const struct sos_yaml *y)
{
    return y->loaded ? yaml_document_get_root_node((yaml_document_t *)&y->doc) : NULL;
}

yaml_node_t *sos_yaml_node(const struct sos_yaml *y, int index)
{
    return y->loaded ? yaml_document_get_node((yaml_document_t *)&y->doc, index) : NULL;
}

int sos_yaml_line(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

int sos_yaml_column(const yaml_node_t *n)
{
    return (int)n->start_mark.column + 1;
}

int sos_yaml_scalar_is(const yaml_node_t *n, const char *s)
{
    size_t len = strlen(s);
    return n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
           memcmp(n->data.scalar.value, s, len) == 0;
}

/* ------------------------------------------------------------------ */
/* Scalars as YAML 1.1 reads them                                       */

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

const char *sos_yaml_kind(const yaml_node_t *n)
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

int sos_yaml_is_null(const yaml_node_t *n)
{
    const char *t = n->type == YAML_SCALAR_NODE ? plain_scalar_type(n) : NULL;
    return t && strcmp(t, "null") == 0;
}

char *sos_yaml_text(const struct sos_yaml *y, const yaml_node_t *n, const char *what)
{
    char *s;

    if (memchr(n->data.scalar.value, '\0', n->data.scalar.length)) {
        sos_yaml_fail_at(y, n, "%s contains a NUL character", what);
        return NULL;
    }
    s = dup_bytes((const char *)n->data.scalar.value, n->data.scalar.length);
    if (!s)
        sos_yaml_fail_oom(y);
    return s;
}

char *sos_yaml_string(const struct sos_yaml *y, const yaml_node_t *n, const char *what)
{
    const char *kind = sos_yaml_kind(n);

    if (n->type != YAML_SCALAR_NODE || strcmp(kind, "a string") != 0) {
        char shown[SOS_YAML_SHOWN_MAX + 4] = "";
        if (n->type == YAML_SCALAR_NODE)
            sos_yaml_shown(shown, sizeof shown, (const char *)n->data.scalar.value,
                           n->data.scalar.length);
        sos_yaml_fail_at(y, n, "%s must be a string, not %s%s%s%s", what, kind,
                         shown[0] ? " '" : "", shown, shown[0] ? "' (quote it)" : "");
        return NULL;
    }
    return sos_yaml_text(y, n, what);
}

int sos_yaml_bool(const struct sos_yaml *y, const yaml_node_t *n, const char *key, int *dst)
{
    if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        if (sos_yaml_scalar_is(n, "true"))
            return *dst = 1, 0;
        if (sos_yaml_scalar_is(n, "false"))
            return *dst = 0, 0;
    }
    return sos_yaml_fail_at(y, n, "'%s' must be true or false, not %s", key, sos_yaml_kind(n));
}

int sos_yaml_enum(const struct sos_yaml *y, const yaml_node_t *n, const char *key,
                  const char *const *names, int *dst)
{
    char what[80], list[200] = "", shown[SOS_YAML_SHOWN_MAX + 4];
    char *s;
    snprintf(what, sizeof what, "'%s'", key);
    if (!(s = sos_yaml_string(y, n, what)))
        return -1;
    for (int i = 0; names[i]; i++)
        if (strcmp(s, names[i]) == 0) {
            free(s);
            return *dst = i, 0;
        }
    for (size_t i = 0; names[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 names[i]);
    sos_yaml_shown(shown, sizeof shown, s, strlen(s));
    free(s);
    return sos_yaml_fail_at(y, n, "'%s' is '%s'; expected one of: %s", key, shown, list);
}

/* ------------------------------------------------------------------ */
/* Mappings and lists                                                   */

int sos_yaml_for_each_pair(struct sos_yaml *y, yaml_node_t *map, const char *where,
                           sos_yaml_pair_fn fn, void *ctx)
{
    yaml_node_pair_t *start = map->data.mapping.pairs.start;
    yaml_node_pair_t *top = map->data.mapping.pairs.top;
    size_t n = (size_t)(top - start);
    struct sos_id_index seen;
    char **keys;
    int rc = 0;

    if (n == 0)
        return 0;
    keys = calloc(n, sizeof *keys);
    if (!keys || sos_id_index_init(&seen, n) < 0) {
        free(keys);
        return sos_yaml_fail_oom(y);
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        yaml_node_t *key = sos_yaml_node(y, start[i].key);
        yaml_node_t *value = sos_yaml_node(y, start[i].value);
        size_t first;

        if (!key || !value) {
            rc = sos_yaml_fail_malformed(y);
            break;
        }
        if (key->type != YAML_SCALAR_NODE) {
            rc = sos_yaml_fail_at(y, key, "keys %s must be strings, not %s", where,
                                  sos_yaml_kind(key));
            break;
        }
        keys[i] = sos_yaml_text(y, key, "a key");
        if (!keys[i]) {
            rc = -1;
            break;
        }
        first = sos_id_index_put(&seen, keys[i], i);
        if (first != SOS_ID_NOT_FOUND) {
            yaml_node_t *prev = sos_yaml_node(y, start[first].key);
            char shown[SOS_YAML_SHOWN_MAX + 4];
            sos_yaml_shown(shown, sizeof shown, keys[i], strlen(keys[i]));
            rc = sos_yaml_fail_at(y, key,
                                  "duplicate key '%s' %s (first at line %zu, column %zu)",
                                  shown, where, prev->start_mark.line + 1,
                                  prev->start_mark.column + 1);
            break;
        }
        rc = fn(y, key, value, ctx);
    }
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    sos_id_index_free(&seen);
    return rc;
}

size_t sos_yaml_items(const struct sos_yaml *y, yaml_node_t *n,
                      yaml_node_item_t **items, yaml_node_item_t *single)
{
    if (n->type == YAML_SEQUENCE_NODE) {
        *items = n->data.sequence.items.start;
        return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    }
    /* Nodes are numbered from 1 in the document's array. */
    *single = (yaml_node_item_t)(n - y->doc.nodes.start) + 1;
    *items = single;
    return 1;
}

/* ------------------------------------------------------------------ */
/* Syntax, and what the document API cannot show                        */

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

static int fail_syntax(const struct sos_yaml *y, const yaml_parser_t *parser,
                       const char *data, size_t len)
{
    size_t line, column;
    const char *problem = parser->problem ? parser->problem : "unknown problem";

    if (parser->error == YAML_MEMORY_ERROR)
        return sos_yaml_fail_oom(y);
    if (parser->error == YAML_READER_ERROR) {
        line_column_at(data, len, parser->problem_offset, &line, &column);
        return sos_fail(y->err, "%s:%zu:%zu: YAML syntax error: %s", y->name, line,
                        column, problem);
    }
    line = parser->problem_mark.line + 1;
    column = parser->problem_mark.column + 1;
    if (parser->context)
        return sos_fail(y->err, "%s:%zu:%zu: YAML syntax error: %s (%s)", y->name,
                        line, column, problem, parser->context);
    return sos_fail(y->err, "%s:%zu:%zu: YAML syntax error: %s", y->name, line,
                    column, problem);
}

static int fail_event(const struct sos_yaml *y, const yaml_event_t *ev,
                      const char *format, ...) __attribute__((format(printf, 3, 4)));

static int fail_event(const struct sos_yaml *y, const yaml_event_t *ev,
                      const char *format, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, format);
    vsnprintf(msg, sizeof msg, format, ap);
    va_end(ap);
    return sos_fail(y->err, "%s:%zu:%zu: %s", y->name, ev->start_mark.line + 1,
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

static int check_event(const struct sos_yaml *y, const yaml_event_t *ev,
                       struct event_state *st)
{
    const yaml_char_t *anchor, *tag;
    char shown[SOS_YAML_SHOWN_MAX + 4];

    if (ev->type == YAML_DOCUMENT_START_EVENT && ++st->documents > 1)
        return fail_event(y, ev, "only one YAML document per file is allowed");
    if (ev->type == YAML_SEQUENCE_END_EVENT || ev->type == YAML_MAPPING_END_EVENT)
        st->depth--;
    if ((ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) &&
        ++st->depth > SOS_YAML_MAX_DEPTH)
        return fail_event(y, ev, "nesting deeper than %d levels", SOS_YAML_MAX_DEPTH);
    if (ev->type == YAML_ALIAS_EVENT) {
        const char *a = (const char *)ev->data.alias.anchor;
        sos_yaml_shown(shown, sizeof shown, a, strlen(a));
        return fail_event(y, ev, "YAML anchors and aliases are not allowed (alias *%s)",
                          shown);
    }
    event_anchor_tag(ev, &anchor, &tag);
    if (anchor) {
        sos_yaml_shown(shown, sizeof shown, (const char *)anchor,
                       strlen((const char *)anchor));
        return fail_event(y, ev, "YAML anchors and aliases are not allowed (anchor &%s)",
                          shown);
    }
    if (tag) {
        sos_yaml_shown(shown, sizeof shown, (const char *)tag, strlen((const char *)tag));
        return fail_event(y, ev, "YAML tags are not allowed (%s); write plain values",
                          shown);
    }
    return 0;
}

/* A first pass over the events: syntax errors, anchors, aliases (which the
 * document API silently shares, so a billion-laughs file would explode in
 * our walk), explicit tags, multiple documents, and deep nesting (libyaml's
 * scanner is quadratic in the depth: 1 MiB of '[' takes minutes). */
static int prescan(const struct sos_yaml *y, const char *data, size_t len)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct event_state st = {0, 0};
    int rc = 0;

    if (!yaml_parser_initialize(&parser))
        return sos_yaml_fail_oom(y);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    for (;;) {
        int done;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = fail_syntax(y, &parser, data, len);
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        rc = check_event(y, &ev, &st);
        yaml_event_delete(&ev);
        if (rc < 0 || done)
            break;
    }
    yaml_parser_delete(&parser);
    return rc;
}

int sos_yaml_load_buffer(struct sos_yaml *y, const char *name, const char *data,
                         size_t len, sos_error *err)
{
    yaml_parser_t parser;
    int rc = 0;

    memset(y, 0, sizeof *y);
    y->name = name;
    y->err = err;
    if (!data)
        data = "";
    if (memchr(data, '\0', len))
        return sos_fail(err, "%s: binary file (contains a NUL byte at offset %zu)", name,
                        (size_t)((const char *)memchr(data, '\0', len) - data));
    if (prescan(y, data, len) < 0)
        return -1;
    if (!yaml_parser_initialize(&parser))
        return sos_yaml_fail_oom(y);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    if (!yaml_parser_load(&parser, &y->doc))
        rc = fail_syntax(y, &parser, data, len);
    else
        y->loaded = 1;
    yaml_parser_delete(&parser);
    return rc;
}

void sos_yaml_free(struct sos_yaml *y)
{
    if (y && y->loaded)
        yaml_document_delete(&y->doc);
    if (y)
        y->loaded = 0;
}

/* ------------------------------------------------------------------ */
/* Files                                                                */

static int fail_too_large(const char *path, long long size, sos_error *err)
{
    return sos_fail(err, "%s: file too large (%lld bytes; at most %d bytes)", path, size,
                    SOS_YAML_MAX_FILE);
}

/* Reads at most SOS_YAML_MAX_FILE bytes of PATH, which must be a regular
 * file that only root or the user running sourceos can change (its
 * directory is checked by the caller): what it declares is run. */
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
    if (st.st_size > SOS_YAML_MAX_FILE) {
        close(fd);
        return fail_too_large(path, (long long)st.st_size, err);
    }
    data = malloc(SOS_YAML_MAX_FILE + 1);
    if (!data) {
        close(fd);
        return sos_fail(err, "%s: out of memory", path);
    }
    for (;;) {
        ssize_t got = read(fd, data + len, SOS_YAML_MAX_FILE + 1 - len);
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
        if (len > SOS_YAML_MAX_FILE) { /* it grew since fstat */
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

int sos_yaml_load_file(struct sos_yaml *y, const char *path, sos_error *err)
{
    char *data = NULL;
    size_t len = 0;
    int rc;

    memset(y, 0, sizeof *y);
    y->name = path;
    y->err = err;
    if (read_small_file(path, &data, &len, err) < 0)
        return -1;
    rc = sos_yaml_load_buffer(y, path, data, len, err);
    free(data);
    return rc;
}

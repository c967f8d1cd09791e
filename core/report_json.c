#include "config.h"

#include "report.h"
#include "redact_run.h"
#include "utf8.h"

#include <math.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * A result is also what a check's child process sends to the runner, so the
 * parser treats its input as hostile: every member is type-checked, strings
 * must not hold NULs, and sizes are bounded so that a runaway plugin cannot
 * make the runner allocate without limit. Unknown members are ignored, so
 * that an entry (a result plus id, plugin, ...) parses as its result.
 */
#define SOS_WIRE_MAX_ITEMS 10000           /* findings, facts, commands, ... */
#define SOS_WIRE_MAX_STRING (1024 * 1024)  /* bytes in one string */
#define SOS_WIRE_MAX_OUTPUT (1024 * 1024)  /* bytes of a captured output */

/* ---- Text: JSON strings must be UTF-8, plugin text need not be --------- */


/* A copy of S in which every byte that is not valid UTF-8 became U+FFFD. */
static char *utf8_repaired(const char *s, size_t len)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    const unsigned char *in = (const unsigned char *)s;
    char *copy = malloc(len * 3 + 1);
    size_t o = 0;

    if (!copy)
        return NULL;
    for (size_t i = 0; i < len;) {
        size_t n = sos_utf8_sequence_length(in + i, len - i);
        if (n == 0) {
            memcpy(copy + o, replacement, 3);
            o += 3;
            i++;
        } else {
            memcpy(copy + o, in + i, n);
            o += n;
            i += n;
        }
    }
    copy[o] = '\0';
    return copy;
}

/* A JSON string from plugin-supplied text of LEN bytes; NULL on ENOMEM. */
static json_t *json_text_n(const char *s, size_t len)
{
    char *clean = utf8_repaired(s, len);
    json_t *v;

    if (!clean)
        return NULL;
    v = json_string_nocheck(clean);
    free(clean);
    return v;
}

json_t *sos_json_text(const char *s, size_t len)
{
    return json_text_n(s ? s : "", s ? len : 0);
}

static json_t *json_text(const char *s)
{
    return json_text_n(s ? s : "", s ? strlen(s) : 0);
}

/* A JSON string from a fixed-size char array that may lack its NUL. */
static json_t *json_text_fixed(const char *buf, size_t size)
{
    return json_text_n(buf, strnlen(buf, size));
}

/* Sets KEY (plugin-supplied, repaired like values) to VALUE, taking VALUE. */
static int set_with_text_key(json_t *obj, const char *key, json_t *value)
{
    char *clean = utf8_repaired(key, strlen(key));
    int rc;

    if (!clean) {
        json_decref(value);
        return -1;
    }
    rc = json_object_set_new_nocheck(obj, clean, value);
    free(clean);
    return rc;
}

/* json_real refuses NaN and infinities; a report must still come out. */
static json_t *json_seconds(double seconds)
{
    return json_real(isfinite(seconds) ? seconds : 0.0);
}

/* ---- Result -> JSON ---------------------------------------------------- */

static json_t *strv_to_json(char *const *v, size_t n)
{
    json_t *array = json_array();

    if (!array)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (json_array_append_new(array, json_text(v[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

/* Pairs with a NULL key or value carry nothing and are left out. */
static json_t *kvs_to_json(const struct sos_kv *kv, size_t n)
{
    json_t *obj = json_object();

    if (!obj)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!kv[i].key || !kv[i].value)
            continue;
        if (set_with_text_key(obj, kv[i].key, json_text(kv[i].value)) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

static json_t *finding_to_json(const struct sos_finding_rec *f)
{
    json_t *obj = json_object();

    if (!obj)
        return NULL;
    if (json_object_set_new(obj, "code", json_text(f->code)) != 0 ||
        json_object_set_new(obj, "severity",
                            json_string(sos_severity_name(f->severity))) != 0 ||
        json_object_set_new(obj, "message", json_text(f->message)) != 0 ||
        (f->remediation &&
         json_object_set_new(obj, "remediation", json_text(f->remediation)) != 0) ||
        json_object_set_new(obj, "commands",
                            strv_to_json(f->commands, f->n_commands)) != 0 ||
        (f->path && json_object_set_new(obj, "path", json_text(f->path)) != 0) ||
        json_object_set_new(obj, "evidence",
                            kvs_to_json(f->evidence, f->n_evidence)) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *command_to_json(const struct sos_command_rec *c)
{
    json_t *obj = json_object();

    if (!obj)
        return NULL;
    if (json_object_set_new(obj, "argv", strv_to_json(c->argv, c->argc)) != 0 ||
        json_object_set_new(obj, "exit_status", json_integer(c->exit_status)) != 0 ||
        (c->term_signal &&
         json_object_set_new(obj, "signal", json_integer(c->term_signal)) != 0) ||
        json_object_set_new(obj, "timed_out", json_boolean(c->timed_out)) != 0 ||
        json_object_set_new(obj, "not_started", json_boolean(c->not_started)) != 0 ||
        json_object_set_new(obj, "truncated", json_boolean(c->truncated)) != 0 ||
        json_object_set_new(obj, "duration", json_seconds(c->duration)) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *change_to_json(const struct sos_change_rec *c)
{
    json_t *obj = json_pack("{s:s, s:b}", "op", c->op ? c->op : "", "done", c->done);
    char mode[16];
    if (!obj)
        return NULL;
    snprintf(mode, sizeof mode, "%04o", c->mode > 0 ? (unsigned)c->mode : 0u);
    if ((c->path && json_object_set_new(obj, "path", json_text(c->path)) != 0) ||
        (c->target && json_object_set_new(obj, "target", json_text(c->target)) != 0) ||
        (c->argv && json_object_set_new(obj, "argv", strv_to_json(c->argv, c->argc)) != 0) ||
        (c->mode >= 0 && json_object_set_new(obj, "mode", json_string(mode)) != 0) ||
        (c->bytes >= 0 && json_object_set_new(obj, "bytes", json_integer(c->bytes)) != 0) ||
        (c->error && json_object_set_new(obj, "error", json_integer(c->error)) != 0)) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *changes_to_json(const struct sos_check_result *r)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < r->n_changes; i++)
        if (json_array_append_new(array, change_to_json(&r->changes[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    return array;
}

static json_t *findings_to_json(const struct sos_check_result *r)
{
    json_t *array = json_array();

    if (!array)
        return NULL;
    for (size_t i = 0; i < r->n_findings; i++) {
        if (json_array_append_new(array, finding_to_json(&r->findings[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

static json_t *commands_to_json(const struct sos_check_result *r)
{
    json_t *array = json_array();

    if (!array)
        return NULL;
    for (size_t i = 0; i < r->n_commands; i++) {
        if (json_array_append_new(array, command_to_json(&r->commands[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

json_t *sos_result_to_json(const struct sos_check_result *r)
{
    json_t *obj = json_object();

    if (!obj)
        return NULL;
    if (json_object_set_new(obj, "status", json_string(sos_status_name(r->status))) != 0 ||
        (r->reason && json_object_set_new(obj, "reason", json_text(r->reason)) != 0) ||
        (r->term_signal &&
         json_object_set_new(obj, "signal", json_integer(r->term_signal)) != 0) ||
        json_object_set_new(obj, "started", json_seconds(r->started)) != 0 ||
        json_object_set_new(obj, "duration", json_seconds(r->duration)) != 0 ||
        json_object_set_new(obj, "findings", findings_to_json(r)) != 0 ||
        json_object_set_new(obj, "facts", kvs_to_json(r->facts, r->n_facts)) != 0 ||
        json_object_set_new(obj, "commands", commands_to_json(r)) != 0 ||
        (r->n_changes && json_object_set_new(obj, "changes", changes_to_json(r)) != 0)) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

static json_t *hex_string(const char *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *hex = malloc(2 * len + 1);
    json_t *v;
    if (!hex)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[(unsigned char)data[i] >> 4];
        hex[2 * i + 1] = digits[(unsigned char)data[i] & 15];
    }
    v = json_stringn_nocheck(hex, 2 * len);
    free(hex);
    return v;
}

/* A capture's outputs ride along on the wire, hex-encoded (any bytes),
 * with when and why; reports never show them. */
static int outputs_to_wire(const struct sos_check_result *r, json_t *obj)
{
    json_t *commands = json_object_get(obj, "commands");
    for (size_t i = 0; i < r->n_commands; i++) {
        const struct sos_command_rec *c = &r->commands[i];
        json_t *o = json_array_get(commands, i);
        if (!c->out || !o)
            continue;
        if (json_object_set_new(o, "stdout_hex", hex_string(c->out, c->out_len)) != 0 ||
            json_object_set_new(o, "stderr_hex", hex_string(c->err, c->err_len)) != 0 ||
            json_object_set_new(o, "start_errno", json_integer(c->start_errno)) != 0 ||
            json_object_set_new(o, "time", json_real(c->time)) != 0)
            return -1;
    }
    return 0;
}

static int seen_to_wire(const struct sos_check_result *r, json_t *obj)
{
    json_t *array = json_array();
    if (!array || json_object_set_new(obj, "seen", array) != 0)
        return -1;
    for (size_t i = 0; i < r->n_seen; i++) {
        const struct sos_seen_rec *s = &r->seen[i];
        json_t *o = json_pack("{s:s, s:s, s:i}", "kind",
                              s->kind == SOS_SEEN_ENV ? "env" : "path", "name", s->name,
                              "error", s->error);
        if (!o || (s->value && json_object_set_new(o, "value", json_string(s->value)) != 0) ||
            json_array_append_new(array, o) != 0) {
            json_decref(o);
            return -1;
        }
    }
    return 0;
}

json_t *sos_result_to_wire(const struct sos_check_result *r)
{
    json_t *obj = sos_result_to_json(r);

    if (obj && (outputs_to_wire(r, obj) != 0 ||
                (r->n_seen && seen_to_wire(r, obj) != 0))) {
        json_decref(obj);
        return NULL;
    }
    if (obj && r->n_secrets > 0 &&
        json_object_set_new(obj, "secrets", strv_to_json(r->secrets, r->n_secrets)) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* ---- JSON -> result ---------------------------------------------------- */

/* A copy of string V, refused when not a string, too long or holding a NUL
 * (which would silently cut it in C). */
static int copy_string(const json_t *v, char **out)
{
    size_t len;
    const char *s;

    if (!json_is_string(v))
        return -1;
    len = json_string_length(v);
    s = json_string_value(v);
    if (len > SOS_WIRE_MAX_STRING || memchr(s, '\0', len))
        return -1;
    *out = strndup(s, len);
    return *out ? 0 : -1;
}

static int get_string(const json_t *obj, const char *key, char **out)
{
    return copy_string(json_object_get(obj, key), out);
}

/* An optional member: absent leaves *OUT NULL. */
static int get_optional_string(const json_t *obj, const char *key, char **out)
{
    const json_t *v = json_object_get(obj, key);

    return v ? copy_string(v, out) : 0;
}

static int get_seconds(const json_t *obj, const char *key, double *out)
{
    const json_t *v = json_object_get(obj, key);

    if (!json_is_number(v))
        return -1;
    *out = json_number_value(v);
    return isfinite(*out) && *out >= 0 ? 0 : -1;
}

static int get_int(const json_t *obj, const char *key, int min, int *out)
{
    const json_t *v = json_object_get(obj, key);
    json_int_t n;

    if (!json_is_integer(v))
        return -1;
    n = json_integer_value(v);
    if (n < min || n > INT_MAX)
        return -1;
    *out = (int)n;
    return 0;
}

/* A signal number, absent meaning 0. */
static int get_optional_signal(const json_t *obj, const char *key, int *out)
{
    *out = 0;
    return json_object_get(obj, key) ? get_int(obj, key, 0, out) : 0;
}

static int get_bool(const json_t *obj, const char *key, int *out)
{
    const json_t *v = json_object_get(obj, key);

    if (!json_is_boolean(v))
        return -1;
    *out = json_is_true(v);
    return 0;
}

static int parse_status(const json_t *v, enum sos_status *out)
{
    const char *s = json_string_value(v);

    if (!s)
        return -1;
    for (int st = 0; st < SOS_ST_COUNT; st++) {
        if (strcmp(s, sos_status_name((enum sos_status)st)) == 0) {
            *out = (enum sos_status)st;
            return 0;
        }
    }
    return -1;
}

static int parse_severity(const json_t *v, int *out)
{
    const char *s = json_string_value(v);

    if (!s)
        return -1;
    for (int sev = 0; sev <= 2; sev++) {
        if (strcmp(s, sos_severity_name(sev)) == 0) {
            *out = sev;
            return 0;
        }
    }
    return -1;
}

/* An array small enough to take in. */
static int check_array(const json_t *v)
{
    return json_is_array(v) && json_array_size(v) <= SOS_WIRE_MAX_ITEMS ? 0 : -1;
}

/* Zeroed room for N items, so a partly parsed array frees cleanly; NULL
 * (with nothing to free) for none. Sets *FAILED on ENOMEM. */
static void *alloc_items(size_t n, size_t item_size, int *failed)
{
    void *items;

    if (n == 0)
        return NULL;
    items = calloc(n, item_size);
    if (!items)
        *failed = 1;
    return items;
}

/* Fills *V / *N from an array of strings; *N counts what needs freeing. */
static int parse_strv(const json_t *array, char ***v, size_t *n)
{
    int failed = 0;

    *n = 0;
    if (check_array(array) != 0)
        return -1;
    *v = alloc_items(json_array_size(array), sizeof **v, &failed);
    if (failed)
        return -1;
    for (size_t i = 0; i < json_array_size(array); i++) {
        if (copy_string(json_array_get(array, i), &(*v)[i]) != 0)
            return -1;
        (*n)++;
    }
    return 0;
}

static int parse_kv_pair(const char *key, const json_t *value, struct sos_kv *kv)
{
    if (strlen(key) > SOS_WIRE_MAX_STRING)
        return -1;
    kv->key = strdup(key);
    if (!kv->key)
        return -1;
    return copy_string(value, &kv->value);
}

/* Fills *KV / *N from an object whose values are all strings. */
static int parse_kvs(const json_t *obj, struct sos_kv **kv, size_t *n)
{
    const char *key;
    json_t *value;
    size_t size;

    *n = 0;
    *kv = NULL;
    if (!json_is_object(obj))
        return -1;
    size = json_object_size(obj);
    if (size > SOS_WIRE_MAX_ITEMS)
        return -1;
    if (size == 0)
        return 0;
    *kv = calloc(size, sizeof **kv);
    if (!*kv)
        return -1;
    /* jansson's iterators take a non-const object but do not modify it. */
    json_object_foreach ((json_t *)obj, key, value) {
        if (*n == size)
            return -1;
        (*n)++;
        if (parse_kv_pair(key, value, &(*kv)[*n - 1]) != 0)
            return -1;
    }
    return 0;
}

static int parse_finding(const json_t *obj, struct sos_finding_rec *f)
{
    if (!json_is_object(obj))
        return -1;
    if (get_string(obj, "code", &f->code) != 0 ||
        parse_severity(json_object_get(obj, "severity"), &f->severity) != 0 ||
        get_string(obj, "message", &f->message) != 0 ||
        get_optional_string(obj, "remediation", &f->remediation) != 0 ||
        parse_strv(json_object_get(obj, "commands"), &f->commands, &f->n_commands) != 0 ||
        get_optional_string(obj, "path", &f->path) != 0 ||
        parse_kvs(json_object_get(obj, "evidence"), &f->evidence, &f->n_evidence) != 0)
        return -1;
    return 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes the hex string under KEY (absent: *OUT stays NULL). */
static int get_hex(const json_t *obj, const char *key, char **out, size_t *len)
{
    const json_t *v = json_object_get(obj, key);
    const char *s;
    size_t n;
    if (!v)
        return 0;
    if (!json_is_string(v) || (n = json_string_length(v)) % 2 ||
        n / 2 > SOS_WIRE_MAX_OUTPUT || !(*out = malloc(n / 2 + 1)))
        return -1;
    s = json_string_value(v);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        (*out)[i] = (char)(hi << 4 | lo);
    }
    (*out)[n / 2] = '\0';
    *len = n / 2;
    return 0;
}

static int parse_outputs(const json_t *obj, struct sos_command_rec *c)
{
    const json_t *t = json_object_get(obj, "time");
    if (get_hex(obj, "stdout_hex", &c->out, &c->out_len) != 0 ||
        get_hex(obj, "stderr_hex", &c->err, &c->err_len) != 0 ||
        (json_object_get(obj, "start_errno") &&
         get_int(obj, "start_errno", 0, &c->start_errno) != 0))
        return -1;
    if (t && !json_is_number(t))
        return -1;
    c->time = t ? json_number_value(t) : 0;
    if ((c->out == NULL) != (c->err == NULL))
        return -1;
    return 0;
}

static int parse_command(const json_t *obj, struct sos_command_rec *c)
{
    if (!json_is_object(obj))
        return -1;
    if (parse_outputs(obj, c) != 0)
        return -1;
    if (parse_strv(json_object_get(obj, "argv"), &c->argv, &c->argc) != 0 ||
        get_int(obj, "exit_status", -1, &c->exit_status) != 0 ||
        get_optional_signal(obj, "signal", &c->term_signal) != 0 ||
        get_bool(obj, "timed_out", &c->timed_out) != 0 ||
        get_bool(obj, "not_started", &c->not_started) != 0 ||
        get_bool(obj, "truncated", &c->truncated) != 0 ||
        get_seconds(obj, "duration", &c->duration) != 0)
        return -1;
    return 0;
}

static int parse_mode(const json_t *obj, int *mode)
{
    const char *s = json_string_value(json_object_get(obj, "mode"));
    char *end;
    long v;
    *mode = -1;
    if (!json_object_get(obj, "mode"))
        return 0;
    if (!s)
        return -1;
    v = strtol(s, &end, 8);
    if (*end || v < 0 || v > 07777)
        return -1;
    *mode = (int)v;
    return 0;
}

static int parse_change(const json_t *obj, struct sos_change_rec *c)
{
    const json_t *bytes = json_object_get(obj, "bytes");
    c->mode = -1;
    c->bytes = -1;
    if (!json_is_object(obj) || get_string(obj, "op", &c->op) != 0 ||
        get_optional_string(obj, "path", &c->path) != 0 ||
        get_optional_string(obj, "target", &c->target) != 0 ||
        (json_object_get(obj, "argv") &&
         parse_strv(json_object_get(obj, "argv"), &c->argv, &c->argc) != 0) ||
        parse_mode(obj, &c->mode) != 0 || get_bool(obj, "done", &c->done) != 0 ||
        (json_object_get(obj, "error") && get_int(obj, "error", 0, &c->error) != 0))
        return -1;
    if (bytes) {
        if (!json_is_integer(bytes) || json_integer_value(bytes) < 0)
            return -1;
        c->bytes = json_integer_value(bytes);
    }
    return 0;
}

static int parse_changes(const json_t *array, struct sos_check_result *r)
{
    int failed = 0;
    if (!array)
        return 0;
    if (check_array(array) != 0)
        return -1;
    r->changes = alloc_items(json_array_size(array), sizeof *r->changes, &failed);
    if (failed)
        return -1;
    for (size_t i = 0; i < json_array_size(array); i++) {
        r->n_changes++;
        if (parse_change(json_array_get(array, i), &r->changes[i]) != 0)
            return -1;
    }
    return 0;
}

static int parse_findings(const json_t *array, struct sos_check_result *r)
{
    int failed = 0;

    if (check_array(array) != 0)
        return -1;
    r->findings = alloc_items(json_array_size(array), sizeof *r->findings, &failed);
    if (failed)
        return -1;
    for (size_t i = 0; i < json_array_size(array); i++) {
        r->n_findings++; /* before parsing: a half-filled one is freed too */
        if (parse_finding(json_array_get(array, i), &r->findings[i]) != 0)
            return -1;
    }
    return 0;
}

static int parse_commands(const json_t *array, struct sos_check_result *r)
{
    int failed = 0;

    if (check_array(array) != 0)
        return -1;
    r->commands = alloc_items(json_array_size(array), sizeof *r->commands, &failed);
    if (failed)
        return -1;
    for (size_t i = 0; i < json_array_size(array); i++) {
        r->n_commands++;
        if (parse_command(json_array_get(array, i), &r->commands[i]) != 0)
            return -1;
    }
    return 0;
}

static int parse_seen(const json_t *array, struct sos_check_result *r)
{
    int failed = 0;
    if (!array)
        return 0;
    if (check_array(array) != 0)
        return -1;
    r->seen = alloc_items(json_array_size(array), sizeof *r->seen, &failed);
    if (failed)
        return -1;
    for (size_t i = 0; i < json_array_size(array); i++) {
        const json_t *o = json_array_get(array, i);
        const char *kind = json_string_value(json_object_get(o, "kind"));
        struct sos_seen_rec *s = &r->seen[r->n_seen++];
        if (!kind || (strcmp(kind, "env") != 0 && strcmp(kind, "path") != 0))
            return -1;
        s->kind = strcmp(kind, "env") == 0 ? SOS_SEEN_ENV : SOS_SEEN_PATH;
        if (get_string(o, "name", &s->name) != 0 ||
            get_optional_string(o, "value", &s->value) != 0 ||
            get_int(o, "error", 0, &s->error) != 0)
            return -1;
    }
    return 0;
}

static int parse_result(const json_t *obj, struct sos_check_result *r)
{
    if (!json_is_object(obj))
        return -1;
    if (parse_status(json_object_get(obj, "status"), &r->status) != 0 ||
        get_optional_string(obj, "reason", &r->reason) != 0 ||
        get_optional_signal(obj, "signal", &r->term_signal) != 0 ||
        get_seconds(obj, "started", &r->started) != 0 ||
        get_seconds(obj, "duration", &r->duration) != 0 ||
        parse_findings(json_object_get(obj, "findings"), r) != 0 ||
        parse_kvs(json_object_get(obj, "facts"), &r->facts, &r->n_facts) != 0 ||
        parse_commands(json_object_get(obj, "commands"), r) != 0 ||
        parse_changes(json_object_get(obj, "changes"), r) != 0 ||
        parse_seen(json_object_get(obj, "seen"), r) != 0 ||
        (json_object_get(obj, "secrets") &&
         parse_strv(json_object_get(obj, "secrets"), &r->secrets, &r->n_secrets) != 0))
        return -1;
    return 0;
}

int sos_result_from_json(const json_t *json, struct sos_check_result *out)
{
    struct sos_check_result r;

    memset(&r, 0, sizeof r);
    if (parse_result(json, &r) != 0) {
        sos_check_result_free(&r);
        memset(out, 0, sizeof *out);
        return -1;
    }
    *out = r;
    return 0;
}

/* ---- Entries and the report ------------------------------------------- */

static const char *decl_severity_name(enum sos_decl_severity severity)
{
    return severity == SOS_DECL_WARNING ? "warning" : "critical";
}

/* Adds every member of the result's JSON to OBJ. */
static int add_result_members(json_t *obj, const struct sos_check_result *r)
{
    json_t *result = sos_result_to_json(r);
    int rc;

    if (!result)
        return -1;
    rc = json_object_update(obj, result);
    json_decref(result);
    return rc;
}

json_t *sos_entry_to_json(const struct sos_run_entry *e)
{
    const struct sos_check_decl *d = e->decl;
    json_t *obj = json_object();

    if (!obj)
        return NULL;
    if (json_object_set_new(obj, "id", json_text(d->id)) != 0 ||
        json_object_set_new(obj, "plugin", json_text(d->plugin)) != 0 ||
        json_object_set_new(obj, "check", json_text(d->check)) != 0 ||
        json_object_set_new(obj, "summary",
                            e->summary ? json_text(e->summary) : json_null()) != 0 ||
        json_object_set_new(obj, "severity",
                            json_string(decl_severity_name(d->severity))) != 0 ||
        json_object_set_new(obj, "scope", json_string(sos_scope_name(d->scope))) != 0 ||
        (e->agent && json_object_set_new(obj, "agent", json_text(e->agent)) != 0) ||
        add_result_members(obj, &e->result) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* The last second RFC 3339's four-digit years can write (9999-12-31). */
#define SOS_MAX_TIMESTAMP 253402300799.0

/* RFC 3339 in UTC with milliseconds, e.g. 2024-05-01T12:34:56.789Z. */
static json_t *json_timestamp(double epoch_seconds)
{
    long long total_ms;
    time_t t;
    struct tm tm;
    char date[32], stamp[64];

    if (!isfinite(epoch_seconds) || epoch_seconds < 0 || epoch_seconds > SOS_MAX_TIMESTAMP)
        epoch_seconds = 0;
    total_ms = (long long)(epoch_seconds * 1000.0 + 0.5);
    t = (time_t)(total_ms / 1000);
    if (!gmtime_r(&t, &tm) || strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        return NULL;
    snprintf(stamp, sizeof stamp, "%s.%03dZ", date, (int)(total_ms % 1000));
    return json_string(stamp);
}

static json_t *host_to_json(const struct sos_host *h)
{
    json_t *obj = json_object();

    if (!obj)
        return NULL;
    if (json_object_set_new(obj, "os", json_text_fixed(h->os, sizeof h->os)) != 0 ||
        json_object_set_new(obj, "os_name",
                            json_text_fixed(h->os_name, sizeof h->os_name)) != 0 ||
        json_object_set_new(obj, "os_version",
                            json_text_fixed(h->os_version, sizeof h->os_version)) != 0 ||
        json_object_set_new(obj, "arch", json_text_fixed(h->arch, sizeof h->arch)) != 0 ||
        json_object_set_new(obj, "kernel",
                            json_text_fixed(h->kernel, sizeof h->kernel)) != 0 ||
        json_object_set_new(obj, "hostname",
                            json_text_fixed(h->hostname, sizeof h->hostname)) != 0 ||
        json_object_set_new(obj, "wsl", json_boolean(h->wsl)) != 0 ||
        json_object_set_new(obj, "container", json_boolean(h->container)) != 0 ||
        json_object_set_new(obj, "root", json_boolean(h->root)) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

json_t *sos_summary_to_json(const struct sos_run *run)
{
    json_t *obj = json_object();
    json_int_t total = 0;

    if (!obj)
        return NULL;
    for (int st = 0; st < SOS_ST_COUNT; st++)
        total += run->counts[st];
    if (json_object_set_new(obj, "total", json_integer(total)) != 0)
        goto fail;
    for (int st = 0; st < SOS_ST_COUNT; st++) {
        if (json_object_set_new(obj, sos_status_name((enum sos_status)st),
                                json_integer(run->counts[st])) != 0)
            goto fail;
    }
    return obj;
fail:
    json_decref(obj);
    return NULL;
}

static json_t *entries_to_json(const struct sos_run *run)
{
    json_t *array = json_array();

    if (!array)
        return NULL;
    for (size_t i = 0; i < run->n_entries; i++) {
        if (json_array_append_new(array, sos_entry_to_json(&run->entries[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

json_t *sos_report_to_json(const struct sos_run *run)
{
    json_t *obj = json_object();
    struct sos_redactor *rd = sos_run_redactor(run);

    if (!obj || !rd) {
        json_decref(obj);
        sos_redactor_free(rd);
        return NULL;
    }
    if (json_object_set_new(obj, "tool", json_text(run->tool)) != 0 ||
        json_object_set_new(obj, "version", json_text(run->version)) != 0 ||
        json_object_set_new(obj, "command", json_text(run->command)) != 0 ||
        json_object_set_new(obj, "host", host_to_json(&run->host)) != 0 ||
        json_object_set_new(obj, "started", json_timestamp(run->started)) != 0 ||
        json_object_set_new(obj, "duration", json_seconds(run->duration)) != 0 ||
        json_object_set_new(obj, "exit_code", json_integer(run->exit_code)) != 0 ||
        json_object_set_new(obj, "summary", sos_summary_to_json(run)) != 0 ||
        json_object_set_new(obj, "checks", entries_to_json(run)) != 0 ||
        sos_redact_json(rd, obj) != 0) {
        json_decref(obj);
        obj = NULL;
    }
    sos_redactor_free(rd);
    return obj;
}

#include "config.h"

#include "wire.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redact.h"
#include "report.h"
#include "sourceos/plugin.h"

/* Room kept under SOURCEOS_MAX_RESULT_BYTES for the final line, which the
 * core writes itself (status, reason, the truncation finding). */
#define FINAL_RESERVE 8192u

static const char truncated_code[] = "core.result-truncated";

/* ---- a core.result-truncated finding ---------------------------------- */

struct count {
    const char *key;
    size_t value;
};

/* Appends to R a core.result-truncated finding with MESSAGE and, as
 * evidence, each count of COUNTS that is not 0. */
static int push_truncation(struct sos_check_result *r, const char *message,
                           const struct count *counts, size_t n_counts)
{
    struct sos_finding_rec *grown, *f;
    grown = realloc(r->findings, (r->n_findings + 1) * sizeof *grown);
    if (!grown)
        return -1;
    r->findings = grown;
    f = &r->findings[r->n_findings++];
    memset(f, 0, sizeof *f);
    f->severity = SOURCEOS_SEV_WARNING;
    f->code = strdup(truncated_code);
    f->message = strdup(message);
    f->remediation = strdup("the check recorded more than the core keeps "
                            "(sourceos-plugin(3), LIMITS): make it record "
                            "less, or look at what it checks directly");
    f->evidence = calloc(n_counts + 1, sizeof *f->evidence);
    if (!f->code || !f->message || !f->remediation || !f->evidence)
        return -1;
    for (size_t i = 0; i < n_counts; i++) {
        struct sos_kv *kv = &f->evidence[f->n_evidence];
        if (counts[i].value == 0)
            continue;
        kv->key = strdup(counts[i].key);
        if (!kv->key || asprintf(&kv->value, "%zu", counts[i].value) < 0) {
            free(kv->key);
            kv->key = NULL;
            return -1;
        }
        f->n_evidence++;
    }
    return 0;
}

/* ---- writing, in the check's process ---------------------------------- */

struct out {
    int fd;
    int failed;
    size_t sent; /* bytes of item lines */
    size_t len;
    char buf[65536]; /* lines are batched: a small result is one write */
};

static void write_all(struct out *o, const char *data, size_t len)
{
    while (len > 0 && !o->failed) {
        ssize_t n = write(o->fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            o->failed = 1;
            return;
        }
        data += n;
        len -= (size_t)n;
    }
}

static void out_flush(struct out *o)
{
    write_all(o, o->buf, o->len);
    o->len = 0;
}

static void out_put(struct out *o, const char *data, size_t len)
{
    if (o->len + len > sizeof o->buf)
        out_flush(o);
    if (len >= sizeof o->buf) {
        write_all(o, data, len);
        return;
    }
    memcpy(o->buf + o->len, data, len);
    o->len += len;
}

/* {"KIND":VIEW} as one line with its newline, malloc'd; NULL on ENOMEM. */
static char *wire_line(const char *kind, const struct sos_check_result *view,
                       size_t *len)
{
    json_t *result = sos_result_to_wire(view);
    json_t *wire = result ? json_pack("{s:o}", kind, result) : NULL;
    char *text = wire ? json_dumps(wire, JSON_COMPACT) : NULL;
    char *line = NULL;
    json_decref(wire);
    if (text && asprintf(&line, "%s\n", text) < 0)
        line = NULL;
    free(text);
    if (line)
        *len = strlen(line);
    return line;
}

static size_t text_size(const char *s)
{
    return s ? strlen(s) : 0;
}

static size_t kvs_size(const struct sos_kv *kv, size_t n)
{
    size_t size = 0;
    for (size_t i = 0; i < n; i++)
        size += text_size(kv[i].key) + text_size(kv[i].value);
    return size;
}

/* A lower bound of VIEW's line length (its texts, unescaped), so that once
 * the result is full the rest is dropped without encoding each item. */
static size_t size_floor(const struct sos_check_result *view)
{
    size_t size = kvs_size(view->facts, view->n_facts);
    for (size_t i = 0; i < view->n_findings; i++) {
        const struct sos_finding_rec *f = &view->findings[i];
        size += text_size(f->code) + text_size(f->message) +
                text_size(f->remediation) + text_size(f->path) +
                kvs_size(f->evidence, f->n_evidence);
        for (size_t k = 0; k < f->n_commands; k++)
            size += text_size(f->commands[k]);
    }
    for (size_t i = 0; i < view->n_commands; i++) {
        for (size_t k = 0; k < view->commands[i].argc; k++)
            size += text_size(view->commands[i].argv[k]);
        size += 2 * (view->commands[i].out_len + view->commands[i].err_len);
    }
    for (size_t i = 0; i < view->n_seen; i++)
        size += text_size(view->seen[i].name) + text_size(view->seen[i].value);
    for (size_t i = 0; i < view->n_changes; i++) {
        size += text_size(view->changes[i].path) + text_size(view->changes[i].target);
        for (size_t k = 0; k < view->changes[i].argc; k++)
            size += text_size(view->changes[i].argv[k]);
    }
    return size;
}

/* Sends VIEW as an item line when it fits; returns 0 when it did not. */
static int send_item(struct out *o, const struct sos_check_result *view)
{
    size_t len = 0;
    char *line;
    if (o->sent + size_floor(view) > SOURCEOS_MAX_RESULT_BYTES - FINAL_RESERVE)
        return 0;
    line = wire_line("item", view, &len);
    int fits = line && len <= SOS_WIRE_LINE_MAX &&
               o->sent + len <= SOURCEOS_MAX_RESULT_BYTES - FINAL_RESERVE;
    if (fits) {
        out_put(o, line, len);
        o->sent += len;
    }
    free(line);
    return fits;
}

struct cut {
    size_t findings, facts, commands; /* dropped for the result's size */
};

static void send_items(struct out *o, const struct sos_check_result *res,
                       struct cut *cut)
{
    struct sos_check_result view;
    for (size_t i = 0; i < res->n_findings; i++) {
        memset(&view, 0, sizeof view);
        view.findings = &res->findings[i];
        view.n_findings = 1;
        cut->findings += !send_item(o, &view);
    }
    for (size_t i = 0; i < res->n_facts; i++) {
        memset(&view, 0, sizeof view);
        view.facts = &res->facts[i];
        view.n_facts = 1;
        cut->facts += !send_item(o, &view);
    }
    for (size_t i = 0; i < res->n_commands; i++) {
        memset(&view, 0, sizeof view);
        view.commands = &res->commands[i];
        view.n_commands = 1;
        cut->commands += !send_item(o, &view);
    }
    for (size_t i = 0; i < res->n_seen; i++) {
        memset(&view, 0, sizeof view);
        view.seen = &res->seen[i];
        view.n_seen = 1;
        cut->commands += !send_item(o, &view);
    }
    /* A change dropped for size would hide what was done: counted with the
     * commands, and the result says so. */
    for (size_t i = 0; i < res->n_changes; i++) {
        memset(&view, 0, sizeof view);
        view.changes = &res->changes[i];
        view.n_changes = 1;
        cut->commands += !send_item(o, &view);
    }
}

/* "N findings past the limit ...; ..." for what the limits cut. */
static char *cut_message(const struct sos_check_result *res,
                         const struct cut *cut)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    const char *sep = "";
    if (!f)
        return NULL;
    fputs("the check's result was cut to the core's limits: ", f);
    if (res->findings_dropped) {
        fprintf(f, "%zu finding%s past the limit of %d per check dropped",
                res->findings_dropped, res->findings_dropped == 1 ? "" : "s",
                SOURCEOS_MAX_FINDINGS);
        sep = "; ";
    }
    if (res->texts_cut) {
        fprintf(f, "%s%zu text%s cut to %d bytes", sep, res->texts_cut,
                res->texts_cut == 1 ? "" : "s", SOURCEOS_MAX_MESSAGE_BYTES);
        sep = "; ";
    }
    if (cut->findings || cut->facts || cut->commands)
        fprintf(f, "%s%zu findings, %zu facts and %zu commands dropped to "
                   "keep the result under %d bytes",
                sep, cut->findings, cut->facts, cut->commands,
                SOURCEOS_MAX_RESULT_BYTES);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static int send_final(struct out *o, const struct sos_check_result *res,
                      const struct cut *cut)
{
    struct sos_check_result view, extra;
    char *line, *message = NULL;
    size_t len = 0;
    memset(&view, 0, sizeof view);
    memset(&extra, 0, sizeof extra);
    view.status = res->status;
    view.reason = res->reason;
    view.term_signal = res->term_signal;
    view.started = res->started;
    view.duration = res->duration;
    if (res->findings_dropped || res->texts_cut || cut->findings ||
        cut->facts || cut->commands) {
        const struct count counts[] = {
            {"findings_past_limit", res->findings_dropped},
            {"texts_cut", res->texts_cut},
            {"findings_over_size", cut->findings},
            {"facts_over_size", cut->facts},
            {"commands_over_size", cut->commands},
        };
        message = cut_message(res, cut);
        if (message)
            push_truncation(&extra, message, counts,
                            sizeof counts / sizeof counts[0]);
        view.findings = extra.findings;
        view.n_findings = extra.n_findings;
    }
    line = wire_line("result", &view, &len);
    if (line)
        out_put(o, line, len);
    free(line);
    free(message);
    sos_check_result_free(&extra);
    return line ? 0 : -1;
}

void sos_wire_send_pgid(int fd, pid_t pgid)
{
    struct out o;
    char line[64];
    int len = snprintf(line, sizeof line, "{\"pgid\":%ld}\n", (long)pgid);
    o.fd = fd;
    o.failed = 0;
    o.len = 0;
    write_all(&o, line, (size_t)len);
}

/* Secrets go hex-encoded (they need not be UTF-8, which JSON strings must
 * be), in lines of at most this many bytes, well under SOS_WIRE_LINE_MAX. */
#define SECRETS_LINE_BYTES (256u * 1024u)

static char *hex_of(const char *s, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *hex = malloc(2 * len + 1);
    if (!hex)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[(unsigned char)s[i] >> 4];
        hex[2 * i + 1] = digits[(unsigned char)s[i] & 15];
    }
    hex[2 * len] = '\0';
    return hex;
}

static void send_secrets_line(struct out *o, json_t *batch)
{
    json_t *wire = json_pack("{s:o}", "secrets", batch);
    char *text = wire ? json_dumps(wire, JSON_COMPACT) : NULL;
    if (text) {
        out_put(o, text, strlen(text));
        out_put(o, "\n", 1);
    }
    free(text);
    json_decref(wire);
}

/* The secrets the check read, first, so that whatever of its result
 * arrives can be redacted with them. */
static void send_secrets(struct out *o, const struct sos_check_result *res)
{
    json_t *batch = NULL;
    size_t bytes = 0;
    for (size_t i = 0; i < res->n_secrets; i++) {
        char *hex = hex_of(res->secrets[i], strlen(res->secrets[i]));
        if (!hex)
            continue;
        if (!batch && !(batch = json_array())) {
            free(hex);
            return;
        }
        bytes += strlen(hex) + 3;
        json_array_append_new(batch, json_string(hex));
        free(hex);
        if (bytes >= SECRETS_LINE_BYTES) {
            send_secrets_line(o, batch);
            batch = NULL;
            bytes = 0;
        }
    }
    if (batch)
        send_secrets_line(o, batch);
}

int sos_wire_send_result(int fd, const struct sos_check_result *res)
{
    struct out *o = calloc(1, sizeof *o);
    struct cut cut = {0, 0, 0};
    int rc;
    if (!o)
        return -1;
    o->fd = fd;
    send_secrets(o, res);
    send_items(o, res, &cut);
    rc = send_final(o, res, &cut);
    out_flush(o);
    rc = rc == 0 && !o->failed ? 0 : -1;
    free(o);
    return rc;
}

/* ---- reading, in the runner ------------------------------------------- */

void sos_wire_reader_init(struct sos_wire_reader *w)
{
    memset(w, 0, sizeof *w);
}

void sos_wire_reader_free(struct sos_wire_reader *w)
{
    free(w->line);
    free(w->pgids);
    sos_check_result_free(&w->got);
    memset(w, 0, sizeof *w);
}

static void drop_line(struct sos_wire_reader *w, size_t bytes)
{
    w->dropped_lines++;
    w->dropped_bytes += bytes;
}

static void remember_pgid(struct sos_wire_reader *w, const json_t *value)
{
    json_int_t pgid = json_integer_value(value);
    if (pgid <= 1 || pgid != (pid_t)pgid)
        return; /* never kill(-1) or kill(-0) on a child's word */
    if (!w->pgids) {
        w->pgids = calloc(SOS_WIRE_PGIDS_MAX, sizeof *w->pgids);
        if (!w->pgids)
            return;
    }
    w->pgids[w->n_pgids % SOS_WIRE_PGIDS_MAX] = (pid_t)pgid;
    w->n_pgids++;
}

/* Appends K items of SIZE bytes from SRC to *ARR (*N used, *CAP room),
 * growing it geometrically so that appending is linear overall. */
static int append_items(void **arr, size_t *n, size_t *cap, const void *src,
                        size_t k, size_t size)
{
    if (k == 0)
        return 0;
    if (*n + k > *cap) {
        size_t room = *cap ? *cap : 16;
        void *grown;
        while (room < *n + k)
            room *= 2;
        grown = realloc(*arr, room * size);
        if (!grown)
            return -1;
        *arr = grown;
        *cap = room;
    }
    memcpy((char *)*arr + *n * size, src, k * size);
    *n += k;
    return 0;
}

/* Moves PART's findings, facts, commands and changes to the end of what W got;
 * what could not be moved stays in PART, for the caller to free. */
static void merge(struct sos_wire_reader *w, struct sos_check_result *part)
{
    struct sos_check_result *g = &w->got;
    if (append_items((void **)&g->findings, &g->n_findings, &w->findings_cap,
                     part->findings, part->n_findings, sizeof *part->findings) == 0)
        part->n_findings = 0;
    if (append_items((void **)&g->facts, &g->n_facts, &w->facts_cap,
                     part->facts, part->n_facts, sizeof *part->facts) == 0)
        part->n_facts = 0;
    if (append_items((void **)&g->commands, &g->n_commands, &w->commands_cap,
                     part->commands, part->n_commands, sizeof *part->commands) == 0)
        part->n_commands = 0;
    if (append_items((void **)&g->changes, &g->n_changes, &w->changes_cap,
                     part->changes, part->n_changes, sizeof *part->changes) == 0)
        part->n_changes = 0;
    if (append_items((void **)&g->seen, &g->n_seen, &w->seen_cap, part->seen, part->n_seen,
                     sizeof *part->seen) == 0)
        part->n_seen = 0;
}

static void take_item(struct sos_wire_reader *w, const json_t *value,
                      size_t len)
{
    struct sos_check_result part;
    if (w->have_result || w->kept + len > SOURCEOS_MAX_RESULT_BYTES ||
        sos_result_from_json(value, &part) != 0) {
        drop_line(w, len);
        return;
    }
    if (w->got.n_findings + part.n_findings > SOURCEOS_MAX_FINDINGS) {
        drop_line(w, len); /* the child keeps to the limit; this one did not */
    } else {
        merge(w, &part);
        w->kept += len;
    }
    sos_check_result_free(&part);
}

static void take_final(struct sos_wire_reader *w, const json_t *value,
                       size_t len)
{
    struct sos_check_result final;
    if (w->have_result || sos_result_from_json(value, &final) != 0) {
        w->malformed += !w->have_result;
        drop_line(w, len);
        return;
    }
    w->have_result = 1;
    w->got.status = final.status;
    w->got.reason = final.reason;
    final.reason = NULL;
    w->got.term_signal = final.term_signal;
    w->got.started = final.started;
    w->got.duration = final.duration;
    merge(w, &final);
    sos_check_result_free(&final);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Each hex-encoded secret of VALUE becomes one of the run's secrets (to
 * redact with, never shown). Anything not well formed is ignored. */
static void take_secrets(struct sos_wire_reader *w, const json_t *value)
{
    size_t i;
    json_t *item;
    if (!json_is_array(value))
        return;
    json_array_foreach(value, i, item) {
        const char *hex = json_string_value(item);
        size_t len = hex ? strlen(hex) : 1, n = len / 2, k;
        char *raw;
        if (len % 2 || n > SOS_REDACT_MAX_SECRET || !(raw = malloc(n + 1)))
            continue;
        for (k = 0; k < n; k++) {
            int hi = hex_digit(hex[2 * k]), lo = hex_digit(hex[2 * k + 1]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                break;
            raw[k] = (char)(hi << 4 | lo);
        }
        raw[k] = '\0';
        if (k == n)
            sos_result_add_secret(&w->got, raw);
        memset(raw, 0, n);
        free(raw);
    }
}

static void take_line(struct sos_wire_reader *w, const char *text, size_t len)
{
    json_t *doc = json_loadb(text, len, 0, NULL);
    json_t *v;
    if (!json_is_object(doc))
        drop_line(w, len);
    else if ((v = json_object_get(doc, "pgid")))
        remember_pgid(w, v);
    else if ((v = json_object_get(doc, "secrets")))
        take_secrets(w, v);
    else if ((v = json_object_get(doc, "item")))
        take_item(w, v, len + 1);
    else if ((v = json_object_get(doc, "result")))
        take_final(w, v, len + 1);
    else
        drop_line(w, len);
    json_decref(doc);
}

/* Keeps N more bytes of the line being received; -1 on ENOMEM. */
static int keep_bytes(struct sos_wire_reader *w, const char *data, size_t n)
{
    if (w->len + n > w->cap) {
        size_t room = w->cap ? w->cap : 4096;
        char *grown;
        while (room < w->len + n)
            room *= 2;
        grown = realloc(w->line, room);
        if (!grown)
            return -1;
        w->line = grown;
        w->cap = room;
    }
    memcpy(w->line + w->len, data, n);
    w->len += n;
    return 0;
}

/* Done with the line buffer: a big one is not kept for the next line. */
static void reset_line(struct sos_wire_reader *w)
{
    w->len = 0;
    if (w->cap > 65536) {
        free(w->line);
        w->line = NULL;
        w->cap = 0;
    }
}

void sos_wire_feed(struct sos_wire_reader *w, const char *data, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(data, '\n', n);
        size_t part = nl ? (size_t)(nl - data) : n;
        if (w->skipping) {
            w->dropped_bytes += part;
            w->skipping = !nl;
        } else if (w->len + part > SOS_WIRE_LINE_MAX) {
            drop_line(w, w->len + part);
            reset_line(w);
            w->skipping = !nl;
        } else if (nl && w->len == 0) {
            take_line(w, data, part); /* whole in this read: no copy */
        } else if (keep_bytes(w, data, part) != 0) {
            drop_line(w, w->len + part);
            reset_line(w);
            w->skipping = !nl;
        } else if (nl) {
            take_line(w, w->line, w->len);
            reset_line(w);
        }
        if (!nl)
            return;
        data = nl + 1;
        n -= part + 1;
    }
}

int sos_wire_take_result(struct sos_wire_reader *w,
                         struct sos_check_result *out)
{
    memset(out, 0, sizeof *out);
    if (!w->have_result)
        return -1;
    if (w->dropped_lines) {
        const struct count counts[] = {
            {"lines_dropped", w->dropped_lines},
            {"bytes_dropped", w->dropped_bytes},
        };
        char *message = NULL;
        if (asprintf(&message,
                     "the check's process sent more than the core keeps or "
                     "can read: %zu line%s (%zu bytes) dropped",
                     w->dropped_lines, w->dropped_lines == 1 ? "" : "s",
                     w->dropped_bytes) >= 0)
            push_truncation(&w->got, message, counts, 2);
        free(message);
    }
    *out = w->got;
    memset(&w->got, 0, sizeof w->got);
    w->findings_cap = w->facts_cap = w->commands_cap = w->changes_cap = 0;
    return 0;
}

/* hyperv: reads `Get-VM -Name NAME | ConvertTo-Json -Depth 1`. One VM is a
 * JSON object, several (Hyper-V does not keep names unique) an array of
 * them. Windows PowerShell 5.1 prints State as a number, dates as
 * "\/Date(ms)\/", Uptime as a TimeSpan object and anything nested deeper
 * than -Depth as its type name; PowerShell 7 may print State as a name.
 * Only the fields below are read; the rest is ignored, whatever its type.
 *
 * The JSON is read through the core (sourceos_json_get and friends), as
 * every plugin reads JSON. The core hands scalars over as text, so a
 * number and a string of the same digits read alike ("State": "2" is
 * state 2, "Name": 7 is a VM named "7"); the string "null" reads as null.
 * Nothing else here needs the context: bytes in, a struct or an error out. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hyperv.h"

/* The decoded output, from where the JSON starts. */
struct getvm_doc {
    sourceos_ctx *ctx;
    const char *text;
    size_t len;
    const char *output; /* the whole output: TEXT is where the JSON starts */
};

/* The value at PREFIX KEY as the core writes it ("null" for null), or NULL
 * when absent, an object or an array. PREFIX is "" or ends in '.'. */
static const char *value_at(const struct getvm_doc *d, const char *prefix, const char *key)
{
    char path[64];
    snprintf(path, sizeof path, "%s%s", prefix, key);
    return sourceos_json_get(d->ctx, d->text, d->len, path);
}

/* The scalar at PREFIX KEY as text, or NULL when absent, null, an object
 * or an array. */
static const char *scalar_at(const struct getvm_doc *d, const char *prefix, const char *key)
{
    const char *v = value_at(d, prefix, key);
    return v && strcmp(v, "null") ? v : NULL;
}

static void copy_scalar(const struct getvm_doc *d, const char *prefix, const char *key,
                        char *out, size_t size)
{
    const char *s = scalar_at(d, prefix, key);
    snprintf(out, size, "%s", s ? s : "");
}

static int skip_digits(const char **t)
{
    const char *start = *t;
    while (isdigit((unsigned char)**t))
        (*t)++;
    return *t > start;
}

/* Whether TEXT is a number as JSON writes one, -?d+(.d+)?([eE][+-]?d+)?
 * (strtod alone would also take " 2", "0x2" or "inf"); *REAL says it has
 * a fraction or an exponent. */
static int number_syntax(const char *t, int *real)
{
    *real = 0;
    if (*t == '-')
        t++;
    if (!skip_digits(&t))
        return 0;
    if (*t == '.') {
        t++;
        *real = 1;
        if (!skip_digits(&t))
            return 0;
    }
    if (*t == 'e' || *t == 'E') {
        t++;
        *real = 1;
        if (*t == '+' || *t == '-')
            t++;
        if (!skip_digits(&t))
            return 0;
    }
    return *t == '\0';
}

/* TEXT as an integer when it is one; 0, or -1 (not an integer, or beyond
 * long long). */
static int integer_text(const char *text, long long *out)
{
    int real;
    if (!number_syntax(text, &real) || real)
        return -1;
    errno = 0;
    *out = strtoll(text, NULL, 10);
    return errno ? -1 : 0;
}

/* The number at PREFIX KEY when it is whole (an integer, or a real such as
 * 2.0 between 0 and 9e15), else -1. */
static long long integer_member(const struct getvm_doc *d, const char *prefix, const char *key)
{
    const char *text = scalar_at(d, prefix, key);
    long long n;
    double r;
    int real;
    if (!text || !number_syntax(text, &real))
        return -1;
    if (!real)
        return integer_text(text, &n) == 0 ? n : -1;
    r = strtod(text, NULL);
    if (!isfinite(r) || r < 0 || r > 9e15 || r != (double)(long long)r)
        return -1;
    return (long long)r;
}

/* What the object or array at PREFIX KEY is, for a finding to show; "" when
 * absent. The core tells an object from an array only by its member names,
 * so an empty one is either. */
static void describe_container(const struct getvm_doc *d, const char *prefix,
                               const char *key, char *out, size_t size)
{
    char path[64];
    long n;
    snprintf(path, sizeof path, "%s%s", prefix, key);
    n = sourceos_json_count(d->ctx, d->text, d->len, path);
    if (n < 0)
        snprintf(out, size, "%s", "");
    else if (n == 0)
        snprintf(out, size, "(an empty JSON object or array)");
    else if (sourceos_json_key_at(d->ctx, d->text, d->len, path, 0))
        snprintf(out, size, "(a JSON object)");
    else
        snprintf(out, size, "(a JSON array)");
}

/* State as a number (5.1) or a name (7); anything else is kept as "what
 * was given" only, for the finding to show. */
static void read_state(const struct getvm_doc *d, const char *prefix, struct hyperv_vm *vm)
{
    const char *v = value_at(d, prefix, "State");
    long long n;
    int real;
    vm->state_number = -1;
    vm->state = NULL;
    if (!v) {
        describe_container(d, prefix, "State", vm->state_given, sizeof vm->state_given);
        return;
    }
    if (!strcmp(v, "null")) {
        snprintf(vm->state_given, sizeof vm->state_given, "(a JSON null)");
        return;
    }
    snprintf(vm->state_given, sizeof vm->state_given, "%s", v);
    if (number_syntax(v, &real)) {
        if (integer_text(v, &n) == 0 && n >= 0 && n <= 0xFFFF) {
            vm->state_number = (long)n;
            vm->state = hyperv_state_by_number((long)n);
        }
        return;
    }
    vm->state = hyperv_state_by_name(v);
    if (vm->state)
        vm->state_number = vm->state->number;
}

/* Uptime as TimeSpan prints itself, [d.]hh:mm:ss: a string as given, or
 * the members of the TimeSpan object 5.1 serializes. */
static void read_uptime(const struct getvm_doc *d, const char *prefix, struct hyperv_vm *vm)
{
    const char *s = scalar_at(d, prefix, "Uptime");
    char span[48];
    long long days, h, m, sec;
    vm->uptime[0] = '\0';
    if (s) {
        snprintf(vm->uptime, sizeof vm->uptime, "%s", s);
        return;
    }
    snprintf(span, sizeof span, "%sUptime.", prefix);
    days = integer_member(d, span, "Days");
    h = integer_member(d, span, "Hours");
    m = integer_member(d, span, "Minutes");
    sec = integer_member(d, span, "Seconds");
    if (days < 0 || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
        return;
    if (days)
        snprintf(vm->uptime, sizeof vm->uptime, "%lld.%02lld:%02lld:%02lld", days, h, m, sec);
    else
        snprintf(vm->uptime, sizeof vm->uptime, "%02lld:%02lld:%02lld", h, m, sec);
}

static void read_vm(const struct getvm_doc *d, const char *prefix, struct hyperv_vm *vm)
{
    copy_scalar(d, prefix, "Name", vm->name, sizeof vm->name);
    read_state(d, prefix, vm);
    copy_scalar(d, prefix, "Status", vm->status, sizeof vm->status);
    read_uptime(d, prefix, vm);
    vm->processor_count = integer_member(d, prefix, "ProcessorCount");
    vm->memory_assigned = integer_member(d, prefix, "MemoryAssigned");
    vm->generation = integer_member(d, prefix, "Generation");
    copy_scalar(d, prefix, "Version", vm->version, sizeof vm->version);
    copy_scalar(d, prefix, "Path", vm->path, sizeof vm->path);
}

/* Where item I is: "" for a lone object, "[I]." in an array. */
static void item_prefix(int is_array, size_t i, char *out, size_t size)
{
    if (is_array)
        snprintf(out, size, "[%zu].", i);
    else
        snprintf(out, size, "%s", "");
}

/* Picks the VM named WANT among the N items (an object, or an array of
 * them): an exact match first, else one that differs only in case. Sets
 * PREFIX to where it is; returns whether there is one. */
static int pick(const struct getvm_doc *d, int is_array, size_t n, const char *want,
                struct hyperv_vm *vm, char *prefix, size_t size)
{
    char item[32];
    int exact = 0, found = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name;
        item_prefix(is_array, i, item, sizeof item);
        name = scalar_at(d, item, "Name");
        if (!name)
            continue;
        vm->vms++;
        if (strcasecmp(name, want))
            continue;
        vm->matches++;
        if (!exact && !strcmp(name, want)) {
            exact = 1;
            snprintf(prefix, size, "%s", item);
        } else if (!found) {
            snprintf(prefix, size, "%s", item);
        }
        found = 1;
    }
    return found;
}

/* PowerShell may put warnings (a module loaded through the compatibility
 * session) on stdout before the JSON: skip whole lines until one starts
 * the document. */
static const char *json_start(const char *text)
{
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p == '{' || *p == '[' || strncmp(p, "WARNING:", 8))
            return p;
        p += strcspn(p, "\n");
    }
    return p;
}

/* Where the output (from its first character, warnings included) stops
 * being JSON: the parser's place in the document, moved past the skipped
 * warning lines. */
static enum hyperv_parse_status not_json(const struct getvm_doc *d, struct hyperv_vm *vm,
                                         char *why, size_t why_size)
{
    unsigned line = 0, column = 0, lines_before = 0, columns_before = 0;
    const char *reason = "";
    for (const char *p = d->output; p < d->text; p++) {
        if (*p == '\n') {
            lines_before++;
            columns_before = 0;
        } else if (((unsigned char)*p & 0xc0) != 0x80) {
            columns_before++;
        }
    }
    sourceos_json_error(d->ctx, d->text, d->len, &line, &column, &reason);
    vm->json_line = line + lines_before;
    vm->json_column = line == 1 ? column + columns_before : column;
    snprintf(why, why_size, "not JSON (or cut short): line %u, column %u: %s",
             vm->json_line, vm->json_column, reason);
    return HYPERV_PARSE_NOT_JSON;
}

/* The document's items: an object is one, an array its elements. Returns
 * HYPERV_PARSE_OK with *IS_ARRAY and *N set, or the error with WHY. */
static enum hyperv_parse_status items(const struct getvm_doc *d, struct hyperv_vm *vm,
                                      int *is_array, size_t *n, char *why, size_t why_size)
{
    long count = sourceos_json_count(d->ctx, d->text, d->len, "");
    if (sourceos_json_get(d->ctx, d->text, d->len, "")) {
        snprintf(why, why_size, "JSON of the wrong shape: neither a VM object nor an array of them");
        return HYPERV_PARSE_WRONG_SHAPE;
    }
    if (count < 0)
        return not_json(d, vm, why, why_size);
    *is_array = count > 0 && !sourceos_json_key_at(d->ctx, d->text, d->len, "", 0);
    if (*is_array && count > HYPERV_MAX_VMS) {
        snprintf(why, why_size, "JSON of the wrong shape: an array of %ld items, more VMs than "
                 "a Hyper-V host holds (%u)", count, HYPERV_MAX_VMS);
        return HYPERV_PARSE_WRONG_SHAPE;
    }
    *n = *is_array ? (size_t)count : 1;
    return HYPERV_PARSE_OK;
}

static enum hyperv_parse_status parse_decoded(sourceos_ctx *ctx, const char *text, size_t len,
                                              const char *want, struct hyperv_vm *vm,
                                              char *why, size_t why_size)
{
    const char *start = json_start(text);
    struct getvm_doc d = {ctx, start, len - (size_t)(start - text), text};
    enum hyperv_parse_status st;
    char prefix[32];
    int is_array;
    size_t n;
    if (!*start) {
        snprintf(why, why_size, "no output");
        return HYPERV_PARSE_EMPTY;
    }
    st = items(&d, vm, &is_array, &n, why, why_size);
    if (st != HYPERV_PARSE_OK)
        return st;
    if (!pick(&d, is_array, n, want, vm, prefix, sizeof prefix)) {
        if (!vm->vms) {
            snprintf(why, why_size, "JSON of the wrong shape: no object with a Name");
            return HYPERV_PARSE_WRONG_SHAPE;
        }
        snprintf(why, why_size, "%zu VM(s) in the output, none named '%s'", vm->vms, want);
        return HYPERV_PARSE_NO_MATCH;
    }
    read_vm(&d, prefix, vm);
    return HYPERV_PARSE_OK;
}

enum hyperv_parse_status hyperv_parse_getvm(sourceos_ctx *ctx, const char *data, size_t len,
                                            const char *want, struct hyperv_vm *vm,
                                            char *why, size_t why_size)
{
    char *text;
    size_t text_len;
    enum hyperv_parse_status st;
    memset(vm, 0, sizeof *vm);
    vm->state_number = vm->processor_count = vm->memory_assigned = vm->generation = -1;
    if (hyperv_text_decode(data, len, &text, &text_len, why, why_size) < 0)
        return HYPERV_PARSE_BAD_TEXT;
    st = parse_decoded(ctx, text, text_len, want, vm, why, why_size);
    free(text);
    return st;
}

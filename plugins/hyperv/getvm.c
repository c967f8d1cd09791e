/* hyperv: reads `Get-VM -Name NAME | ConvertTo-Json -Depth 1`. One VM is a
 * JSON object, several (Hyper-V does not keep names unique) an array of
 * them. Windows PowerShell 5.1 prints State as a number, dates as
 * "\/Date(ms)\/", Uptime as a TimeSpan object and anything nested deeper
 * than -Depth as its type name; PowerShell 7 may print State as a name.
 * Only the fields below are read; the rest is ignored, whatever its type.
 *
 * The plugin links jansson itself (as launchd links libplist) rather than
 * going through sourceos_json_get(), so this parser needs no sourceos_ctx
 * and the unit test runs it on hostile input directly. */
#include "config.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hyperv.h"

/* Copies the string member KEY of OBJ into OUT; "" when absent or not a
 * string. */
static void copy_string(json_t *obj, const char *key, char *out, size_t size)
{
    const char *s = json_string_value(json_object_get(obj, key));
    snprintf(out, size, "%s", s ? s : "");
}

/* The integer member KEY of OBJ (a whole real counts), or -1. */
static long long integer_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    double d;
    if (json_is_integer(v))
        return json_integer_value(v);
    if (!json_is_real(v))
        return -1;
    d = json_real_value(v);
    if (!isfinite(d) || d < 0 || d > 9e15 || d != (double)(long long)d)
        return -1;
    return (long long)d;
}

/* State as a number (5.1) or a name (7); anything else is kept as "what
 * was given" only, for the finding to show. */
static void read_state(json_t *obj, struct hyperv_vm *vm)
{
    json_t *v = json_object_get(obj, "State");
    vm->state_number = -1;
    vm->state = NULL;
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        snprintf(vm->state_given, sizeof vm->state_given, "%" JSON_INTEGER_FORMAT, n);
        if (n >= 0 && n <= 0xFFFF) {
            vm->state_number = (long)n;
            vm->state = hyperv_state_by_number((long)n);
        }
    } else if (json_is_string(v)) {
        snprintf(vm->state_given, sizeof vm->state_given, "%s", json_string_value(v));
        vm->state = hyperv_state_by_name(json_string_value(v));
        if (vm->state)
            vm->state_number = vm->state->number;
    } else if (v) {
        snprintf(vm->state_given, sizeof vm->state_given, "(a JSON %s)",
                 json_is_null(v) ? "null" : json_is_object(v) ? "object"
                 : json_is_array(v) ? "array" : json_is_boolean(v) ? "boolean" : "real");
    } else {
        vm->state_given[0] = '\0';
    }
}

/* Uptime as TimeSpan prints itself, [d.]hh:mm:ss: a string as given, or
 * the members of the TimeSpan object 5.1 serializes. */
static void read_uptime(json_t *obj, struct hyperv_vm *vm)
{
    json_t *v = json_object_get(obj, "Uptime");
    long long d, h, m, s;
    vm->uptime[0] = '\0';
    if (json_is_string(v)) {
        snprintf(vm->uptime, sizeof vm->uptime, "%s", json_string_value(v));
        return;
    }
    if (!json_is_object(v))
        return;
    d = integer_member(v, "Days");
    h = integer_member(v, "Hours");
    m = integer_member(v, "Minutes");
    s = integer_member(v, "Seconds");
    if (d < 0 || h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 59)
        return;
    if (d)
        snprintf(vm->uptime, sizeof vm->uptime, "%lld.%02lld:%02lld:%02lld", d, h, m, s);
    else
        snprintf(vm->uptime, sizeof vm->uptime, "%02lld:%02lld:%02lld", h, m, s);
}

static void read_vm(json_t *obj, struct hyperv_vm *vm)
{
    copy_string(obj, "Name", vm->name, sizeof vm->name);
    read_state(obj, vm);
    copy_string(obj, "Status", vm->status, sizeof vm->status);
    read_uptime(obj, vm);
    vm->processor_count = integer_member(obj, "ProcessorCount");
    vm->memory_assigned = integer_member(obj, "MemoryAssigned");
    vm->generation = integer_member(obj, "Generation");
    copy_string(obj, "Version", vm->version, sizeof vm->version);
    copy_string(obj, "Path", vm->path, sizeof vm->path);
}

/* Picks the VM named WANT among the objects of DOC (an object or an array
 * of them): an exact match first, else one that differs only in case. */
static json_t *pick(json_t *doc, const char *want, struct hyperv_vm *vm)
{
    json_t *exact = NULL, *folded = NULL, *item;
    size_t i, n = json_is_array(doc) ? json_array_size(doc) : 1;
    for (i = 0; i < n; i++) {
        const char *name;
        item = json_is_array(doc) ? json_array_get(doc, i) : doc;
        if (!json_is_object(item))
            continue;
        name = json_string_value(json_object_get(item, "Name"));
        if (!name)
            continue;
        vm->vms++;
        if (strcasecmp(name, want))
            continue;
        vm->matches++;
        if (!exact && !strcmp(name, want))
            exact = item;
        if (!folded)
            folded = item;
    }
    return exact ? exact : folded;
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

static enum hyperv_parse_status parse_decoded(const char *text, size_t len,
                                              const char *want, struct hyperv_vm *vm,
                                              char *why, size_t why_size)
{
    const char *start = json_start(text);
    json_error_t err;
    json_t *doc, *match;
    if (!*start) {
        snprintf(why, why_size, "no output");
        return HYPERV_PARSE_EMPTY;
    }
    doc = json_loadb(start, len - (size_t)(start - text), JSON_DECODE_ANY, &err);
    if (!doc) {
        snprintf(why, why_size, "not JSON: %s at line %d, column %d", err.text, err.line,
                 err.column);
        return HYPERV_PARSE_NOT_JSON;
    }
    if (!json_is_object(doc) && !json_is_array(doc)) {
        snprintf(why, why_size, "JSON of the wrong shape: neither a VM object nor an array of them");
        json_decref(doc);
        return HYPERV_PARSE_WRONG_SHAPE;
    }
    match = pick(doc, want, vm);
    if (!match) {
        enum hyperv_parse_status st = vm->vms ? HYPERV_PARSE_NO_MATCH : HYPERV_PARSE_WRONG_SHAPE;
        if (vm->vms)
            snprintf(why, why_size, "%zu VM(s) in the output, none named '%s'", vm->vms, want);
        else
            snprintf(why, why_size, "JSON of the wrong shape: no object with a string Name");
        json_decref(doc);
        return st;
    }
    read_vm(match, vm);
    json_decref(doc);
    return HYPERV_PARSE_OK;
}

enum hyperv_parse_status hyperv_parse_getvm(const char *data, size_t len,
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
    st = parse_decoded(text, text_len, want, vm, why, why_size);
    free(text);
    return st;
}

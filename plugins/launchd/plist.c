/* launchd: reading one plist, XML or binary, without trusting it. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "launchd.h"

static int starts_with(const char *data, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(data, prefix, n) == 0;
}

/* The XML text, with any trailing whitespace, ends with WORD. */
static int ends_with(const char *data, size_t len, const char *word)
{
    size_t n = strlen(word);
    while (len > 0 && (data[len - 1] == ' ' || data[len - 1] == '\t' ||
                       data[len - 1] == '\r' || data[len - 1] == '\n'))
        len--;
    return len >= n && memcmp(data + len - n, word, n) == 0;
}

static unsigned count_occurrences(const char *data, size_t len,
                                  const char *word)
{
    size_t n = strlen(word);
    unsigned count = 0;
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(data + i, word, n) == 0)
            count++;
    return count;
}

/* Keys libplist kept, counted through the whole tree. A plist nested deeper
 * than launchd's ever are is not walked further. */
static unsigned count_keys(plist_t node, int depth)
{
    unsigned count = 0;
    if (!node || depth > 32)
        return 0;
    if (plist_get_node_type(node) == PLIST_DICT) {
        plist_dict_iter it = NULL;
        char *key = NULL;
        plist_t value = NULL;
        plist_dict_new_iter(node, &it);
        if (!it)
            return 0;
        for (;;) {
            plist_dict_next_item(node, it, &key, &value);
            if (!value)
                break;
            count += 1 + count_keys(value, depth + 1);
            free(key);
            key = NULL;
        }
        free(key);
        free(it);
    } else if (plist_get_node_type(node) == PLIST_ARRAY) {
        uint32_t n = plist_array_get_size(node);
        for (uint32_t i = 0; i < n; i++)
            count += count_keys(plist_array_get_item(node, i), depth + 1);
    }
    return count;
}

/* A string value holding a NUL byte. libplist 2.2 reads one from XML or a
 * binary plist, then plist_get_string_val() aborts the process on it (its
 * assertion compares the length with strlen()); launchd would not load such
 * a file. Its node API gives the length, so look before anyone asks. */
static int has_nul_string(plist_t node, int depth)
{
    if (!node || depth > 32)
        return 0;
    switch (plist_get_node_type(node)) {
    case PLIST_STRING: {
        uint64_t len = 0;
        const char *s = plist_get_string_ptr(node, &len);
        return s && memchr(s, '\0', (size_t)len) != NULL;
    }
    case PLIST_DICT: {
        plist_dict_iter it = NULL;
        plist_t value = NULL;
        int found = 0;
        plist_dict_new_iter(node, &it);
        if (!it)
            return 0;
        for (;;) {
            plist_dict_next_item(node, it, NULL, &value);
            if (!value || found)
                break;
            found = has_nul_string(value, depth + 1);
        }
        free(it);
        return found;
    }
    case PLIST_ARRAY: {
        uint32_t n = plist_array_get_size(node);
        for (uint32_t i = 0; i < n; i++)
            if (has_nul_string(plist_array_get_item(node, i), depth + 1))
                return 1;
        return 0;
    }
    default:
        return 0;
    }
}

static void stat_file(sourceos_ctx *ctx, struct launchd_plist *p)
{
    const char *real = sourceos_host_path(ctx, p->path);
    p->have_stat = real && stat(real, &p->st) == 0;
    if (p->have_stat)
        plugin_as_captured(ctx, p->path, &p->st);
}

/* Why DATA is no plist: said so the user knows what they are looking at. */
static const char *why_unparsable(const char *data, size_t len)
{
    if (len == 0)
        return "the file is empty";
    if (starts_with(data, len, "bplist00"))
        return "a binary plist that is truncated or corrupt";
    if (memchr(data, '\0', len))
        return "binary data that is not a property list";
    return "text that is not a valid property list";
}

/* libplist 2.2 accepts some broken XML (a key without a value, a missing
 * </plist>) as a smaller document; launchd does not. */
static void check_xml_shape(const char *data, size_t len,
                            struct launchd_plist *p)
{
    p->keys_written = count_occurrences(data, len, "<key>") +
                      count_occurrences(data, len, "<key/>");
    p->keys_read = count_keys(p->root, 0);
    if (!ends_with(data, len, "</plist>"))
        plugin_textf(p->malformed, sizeof p->malformed,
                     "the XML does not end with </plist>: it is truncated "
                     "or malformed");
}

static void parse(const char *data, size_t len, struct launchd_plist *p)
{
    int binary = starts_with(data, len, "bplist00");
    p->format = binary ? "binary" : "xml";
    /* libplist 2.2 says nothing about bad input but a NULL root. */
    if (len > 0)
        plist_from_memory(data, (uint32_t)len, &p->root);
    if (!p->root) {
        if (!binary && (len == 0 || memchr(data, '\0', len)))
            p->format = "unknown";
        plugin_textf(p->malformed, sizeof p->malformed, "%s",
                     why_unparsable(data, len));
        return;
    }
    if (has_nul_string(p->root, 0)) {
        plist_free(p->root);
        p->root = NULL;
        plugin_textf(p->malformed, sizeof p->malformed,
                     "a string in it holds a NUL byte, which launchd does "
                     "not accept");
        return;
    }
    if (!binary)
        check_xml_shape(data, len, p);
    else
        p->keys_written = p->keys_read = 0;
}

void launchd_plist_load(sourceos_ctx *ctx, const char *path,
                        struct launchd_plist *p)
{
    const char *data = NULL;
    size_t len = 0;
    int rc;

    memset(p, 0, sizeof *p);
    p->path = path;
    p->format = "unknown";
    stat_file(ctx, p);
    rc = sourceos_read_file(ctx, path, LAUNCHD_PLIST_MAX_BYTES, &data, &len);
    if (rc < 0) {
        p->read_error = rc;
        return;
    }
    if (rc == 1) {
        p->too_large = 1;
        return;
    }
    parse(data, len, p);
}

void launchd_plist_release(struct launchd_plist *p)
{
    if (p->root)
        plist_free(p->root);
    p->root = NULL;
}

/* ---- reading values ---------------------------------------------------- */

static plist_t item_of_type(plist_t dict, const char *key, plist_type type)
{
    plist_t node;
    if (!dict || plist_get_node_type(dict) != PLIST_DICT)
        return NULL;
    node = plist_dict_get_item(dict, key);
    return node && plist_get_node_type(node) == type ? node : NULL;
}

const char *launchd_plist_string(plist_t dict, const char *key, char *out,
                                 size_t size)
{
    plist_t node = item_of_type(dict, key, PLIST_STRING);
    char *value = NULL;
    if (!node)
        return NULL;
    plist_get_string_val(node, &value);
    if (!value)
        return NULL;
    plugin_textf(out, size, "%s", value);
    free(value);
    return out;
}

int launchd_plist_bool(plist_t dict, const char *key, int *value)
{
    plist_t node = item_of_type(dict, key, PLIST_BOOLEAN);
    uint8_t b = 0;
    if (!node)
        return 0;
    plist_get_bool_val(node, &b);
    *value = b != 0;
    return 1;
}

int launchd_plist_integer(plist_t dict, const char *key, long long *value)
{
    plist_t node = item_of_type(dict, key, PLIST_UINT);
    if (node) {
        uint64_t u = 0;
        plist_get_uint_val(node, &u);
        /* libplist 2.2 keeps negative integers as their two's complement. */
        *value = (long long)u;
        return 1;
    }
    node = item_of_type(dict, key, PLIST_REAL);
    if (node) {
        double d = 0;
        plist_get_real_val(node, &d);
        /* NaN or infinity is no number of seconds; converting it is
         * undefined behaviour. */
        if (!isfinite(d))
            return 0;
        *value = d > 1e15 ? (long long)1e15 : d < -1e15 ? (long long)-1e15
                                                        : (long long)d;
        return 1;
    }
    return 0;
}

void launchd_argv_add(struct launchd_argv *a, const char *word, size_t len)
{
    if (a->n >= LAUNCHD_ARGV_MAX) {
        a->cut = 1;
        a->dropped++;
        return;
    }
    if (a->used + len + 1 > sizeof a->store) {
        size_t room = sizeof a->store - a->used;
        if (room == 0) { /* full: the word keeps its place, empty */
            a->v[a->n] = "";
            if (!a->truncated++)
                a->first_truncated = a->n;
            a->n++;
            a->cut = 1;
            return;
        }
        if (!a->truncated++)
            a->first_truncated = a->n;
        a->cut = 1;
        len = room - 1;
    }
    memcpy(a->store + a->used, word, len);
    a->store[a->used + len] = '\0';
    a->v[a->n++] = a->store + a->used;
    a->used += len + 1;
}

int launchd_plist_strings(plist_t dict, const char *key,
                          struct launchd_argv *a)
{
    plist_t array = item_of_type(dict, key, PLIST_ARRAY);
    uint32_t n;
    if (!array)
        return 0;
    n = plist_array_get_size(array);
    for (uint32_t i = 0; i < n; i++) {
        plist_t item = plist_array_get_item(array, i);
        char *value = NULL;
        /* launchd refuses a non-string argument; keep the place visible. */
        if (!item || plist_get_node_type(item) != PLIST_STRING) {
            launchd_argv_add(a, "?", 1);
            continue;
        }
        plist_get_string_val(item, &value);
        launchd_argv_add(a, value ? value : "", value ? strlen(value) : 0);
        free(value);
    }
    return 1;
}

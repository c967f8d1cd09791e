#include "config.h"

#include "idindex.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_string(const char *s)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

int sos_id_index_init(struct sos_id_index *ix, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2)
        cap *= 2;
    ix->slots = calloc(cap, sizeof *ix->slots);
    ix->mask = cap - 1;
    return ix->slots ? 0 : -1;
}

void sos_id_index_free(struct sos_id_index *ix)
{
    free(ix->slots);
    ix->slots = NULL;
}

/* The table never fills: it was sized for twice the number of keys. */
size_t sos_id_index_put(struct sos_id_index *ix, const char *key, size_t value)
{
    size_t i = (size_t)hash_string(key) & ix->mask;
    while (ix->slots[i].key) {
        if (strcmp(ix->slots[i].key, key) == 0)
            return ix->slots[i].value;
        i = (i + 1) & ix->mask;
    }
    ix->slots[i].key = key;
    ix->slots[i].value = value;
    return SOS_ID_NOT_FOUND;
}

size_t sos_id_index_get(const struct sos_id_index *ix, const char *key)
{
    size_t i = (size_t)hash_string(key) & ix->mask;
    while (ix->slots[i].key) {
        if (strcmp(ix->slots[i].key, key) == 0)
            return ix->slots[i].value;
        i = (i + 1) & ix->mask;
    }
    return SOS_ID_NOT_FOUND;
}

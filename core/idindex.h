/* A string -> index hash table (open addressing) for unique ids, YAML keys
 * and the dependency graph: keeps every lookup linear in the input. */
#ifndef SOS_IDINDEX_H
#define SOS_IDINDEX_H

#include <stddef.h>
#include <stdint.h>

#define SOS_ID_NOT_FOUND SIZE_MAX

struct sos_id_slot {
    const char *key;
    size_t value;
};

struct sos_id_index {
    struct sos_id_slot *slots;
    size_t mask;
};

/* Sized for EXPECTED keys: the table never fills. Returns 0, or -1 on ENOMEM. */
int sos_id_index_init(struct sos_id_index *ix, size_t expected);
void sos_id_index_free(struct sos_id_index *ix);

/* Inserts KEY -> VALUE unless KEY is present (KEY is not copied: it must
 * outlive the table); returns the value already stored for KEY, or
 * SOS_ID_NOT_FOUND when it was inserted. At most EXPECTED keys. */
size_t sos_id_index_put(struct sos_id_index *ix, const char *key, size_t value);

/* The value stored for KEY, or SOS_ID_NOT_FOUND. */
size_t sos_id_index_get(const struct sos_id_index *ix, const char *key);

#endif

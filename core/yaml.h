/* The strict YAML reader every declaration loader shares (checks.d,
 * agents.d): one document per file, bounded, with errors that name
 * FILE:LINE:COLUMN. Core-internal: it hands out libyaml's nodes, so it must
 * never be included by include/sourceos/plugin.h or a plugin.
 *
 * What it refuses, before any schema looks at the document:
 *   - a file larger than SOS_YAML_MAX_FILE bytes, one that only root or the
 *     invoking user cannot change (sos_trust_open_file), a NUL byte;
 *   - syntax errors (a tab as indentation, bad UTF-8: libyaml's reader);
 *   - more than one document, nesting deeper than SOS_YAML_MAX_DEPTH,
 *     anchors and aliases (no billion laughs), explicit tags;
 *   - in for-each-pair: keys that are not scalars, duplicate keys (naming
 *     both places).
 * What a schema then asks for: sos_yaml_string() refuses a plain scalar that
 * YAML 1.1 reads as null, a boolean (yes, on, ...) or a number (0755, 1e3)
 * where a string is expected, so the loader and a JSON Schema validator
 * (reading YAML 1.1, as PyYAML does) agree on every file. */
#ifndef SOS_YAML_H
#define SOS_YAML_H

#include <stdarg.h>
#include <stddef.h>

#include <yaml.h>

#include "error.h"

#define SOS_YAML_MAX_FILE (1024 * 1024) /* bytes */
#define SOS_YAML_MAX_DEPTH 32           /* a check needs 5 */
#define SOS_YAML_SHOWN_MAX 60           /* bytes of a value quoted in a message */

/* One loaded document. NAME (the file as given) is not copied: it must
 * outlive the document. ERR receives every error of the sos_yaml_* calls. */
struct sos_yaml {
    const char *name;
    sos_error *err;
    yaml_document_t doc;
    int loaded;
};

/* Parses DATA (LEN bytes, NAME used in messages) into Y. Returns 0, or -1
 * with ERR set ("NAME:LINE:COLUMN: YAML syntax error: ...", ...) and Y
 * empty. sos_yaml_free() it in either case. */
int sos_yaml_load_buffer(struct sos_yaml *y, const char *name, const char *data,
                         size_t len, sos_error *err);

/* Reads PATH (a regular file nobody but root or the user can change, at
 * most SOS_YAML_MAX_FILE bytes) and parses it as sos_yaml_load_buffer(). */
int sos_yaml_load_file(struct sos_yaml *y, const char *path, sos_error *err);

void sos_yaml_free(struct sos_yaml *y);

/* The root node, or NULL for an empty file (or one of only comments). */
yaml_node_t *sos_yaml_root(const struct sos_yaml *y);

/* The node a pair or an item refers to by INDEX, or NULL. */
yaml_node_t *sos_yaml_node(const struct sos_yaml *y, int index);

/* 1-based position of N, for messages and origins. */
int sos_yaml_line(const yaml_node_t *n);
int sos_yaml_column(const yaml_node_t *n);

/* Sets ERR to "NAME:LINE:COLUMN: message" at N and returns -1. */
int sos_yaml_fail_at(const struct sos_yaml *y, const yaml_node_t *n,
                     const char *format, ...) __attribute__((format(printf, 3, 4)));
int sos_yaml_vfail_at(const struct sos_yaml *y, const yaml_node_t *n,
                      const char *format, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* "NAME: out of memory" and "NAME: malformed YAML document"; -1. */
int sos_yaml_fail_oom(const struct sos_yaml *y);
int sos_yaml_fail_malformed(const struct sos_yaml *y);

/* What N is, for messages: "a mapping", "a list", "a string", and for a
 * plain scalar YAML 1.1 reads otherwise "null", "a boolean", "a number". */
const char *sos_yaml_kind(const yaml_node_t *n);
/* Whether N is a plain scalar YAML 1.1 reads as null (~, null, empty). */
int sos_yaml_is_null(const yaml_node_t *n);
/* Whether N is the scalar S, byte for byte. */
int sos_yaml_scalar_is(const yaml_node_t *n, const char *s);

/* A copy of scalar N's text (malloc'd), or NULL with ERR set (a NUL
 * character; WHAT names the value: "'plugin'", "an entry of 'needs'"). */
char *sos_yaml_text(const struct sos_yaml *y, const yaml_node_t *n, const char *what);
/* Like sos_yaml_text(), but N must be a string: not a mapping, a list, or a
 * plain null, boolean or number ("WHAT must be a string, not a boolean
 * 'yes' (quote it)"). */
char *sos_yaml_string(const struct sos_yaml *y, const yaml_node_t *n, const char *what);

/* N as a boolean: a plain true or false, else -1 with "'KEY' must be true
 * or false, not ..." at N. */
int sos_yaml_bool(const struct sos_yaml *y, const yaml_node_t *n, const char *key, int *dst);
/* N as one of NAMES (NULL-terminated), its index in *DST; else -1 with
 * "'KEY' is 'x'; expected one of: a, b" at N. */
int sos_yaml_enum(const struct sos_yaml *y, const yaml_node_t *n, const char *key,
                  const char *const *names, int *dst);

/* Calls FN with each key and value of mapping MAP, in file order, after
 * refusing a key that is not a scalar ("keys WHERE must be strings") or
 * repeats an earlier one ("duplicate key 'k' WHERE (first at line L,
 * column C)"). WHERE reads like "in 'params'". Stops at FN's first error. */
typedef int (*sos_yaml_pair_fn)(struct sos_yaml *y, yaml_node_t *key,
                                yaml_node_t *value, void *ctx);
int sos_yaml_for_each_pair(struct sos_yaml *y, yaml_node_t *map, const char *where,
                           sos_yaml_pair_fn fn, void *ctx);

/* The items of a "list, or one value" node N: a list's items, or N alone
 * (stored in SINGLE) as a one-item list. Look each up with sos_yaml_node(). */
size_t sos_yaml_items(const struct sos_yaml *y, yaml_node_t *n,
                      yaml_node_item_t **items, yaml_node_item_t *single);

/* Copies S (LEN bytes) for a message into BUF: at most SOS_YAML_SHOWN_MAX
 * bytes then "...", control characters as '?', so a hostile file cannot
 * write escape sequences to the user's terminal. SIZE >= SHOWN_MAX + 4. */
void sos_yaml_shown(char *buf, size_t size, const char *s, size_t len);

#endif

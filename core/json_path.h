/* Walking a JSON document by a path such as `a.b[0]["gcr.io"].c`. */
#ifndef SOS_JSON_PATH_H
#define SOS_JSON_PATH_H

#include <jansson.h>

/* The value at PATH under ROOT (a borrowed reference), or NULL when absent
 * or PATH is malformed. "" is ROOT itself. */
json_t *sos_json_path(json_t *root, const char *path);

/* A scalar as text: strings as they are, numbers and booleans as JSON
 * writes them, null as "null". malloc'd; NULL for objects and arrays. */
char *sos_json_scalar_text(const json_t *value);

#endif

#include "config.h"

#include "json_path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a quoted member name starting after `["`; returns a malloc'd name
 * and sets *END past the closing `"]`, or NULL when malformed. */
static char *quoted_member(const char *p, const char **end)
{
    size_t cap = strlen(p) + 1, n = 0;
    char *name = malloc(cap);
    if (!name)
        return NULL;
    while (*p && *p != '"') {
        if (*p == '\\' && p[1])
            p++;
        name[n++] = *p++;
    }
    if (p[0] != '"' || p[1] != ']') {
        free(name);
        return NULL;
    }
    name[n] = '\0';
    *end = p + 2;
    return name;
}

static json_t *step_index(json_t *cur, const char **p)
{
    char *end;
    long idx;
    if (**p == '"') {
        char *name = quoted_member(*p + 1, p);
        json_t *next = name && json_is_object(cur) ? json_object_get(cur, name)
                                                   : NULL;
        free(name);
        return next;
    }
    idx = strtol(*p, &end, 10);
    if (end == *p || *end != ']' || idx < 0 || !json_is_array(cur))
        return NULL;
    *p = end + 1;
    return json_array_get(cur, (size_t)idx);
}

static json_t *step_member(json_t *cur, const char **p)
{
    size_t len = strcspn(*p, ".[");
    char *name;
    json_t *next;
    if (len == 0 || !json_is_object(cur))
        return NULL;
    name = strndup(*p, len);
    if (!name)
        return NULL;
    next = json_object_get(cur, name);
    free(name);
    *p += len;
    return next;
}

json_t *sos_json_path(json_t *root, const char *path)
{
    json_t *cur = root;
    const char *p = path ? path : "";
    while (cur && *p) {
        if (*p == '[') {
            p++;
            cur = step_index(cur, &p);
        } else {
            if (*p == '.')
                p++;
            cur = step_member(cur, &p);
        }
    }
    return cur;
}

char *sos_json_scalar_text(const json_t *value)
{
    char *text = NULL;
    if (!value || json_is_object(value) || json_is_array(value))
        return NULL;
    if (json_is_string(value))
        return strndup(json_string_value(value), json_string_length(value));
    if (json_is_integer(value)) {
        if (asprintf(&text, "%" JSON_INTEGER_FORMAT, json_integer_value(value)) < 0)
            return NULL;
        return text;
    }
    return json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* ${PREFIX.KEY} in a check's params: an agent's keys (${agent.KEY}) for
 * agent-scope checks, a profile's (${profile.KEY}) for machine-scope ones. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"

/* "${PREFIX.KEY}" as the whole of VALUE: KEY, else NULL. */
static const char *reference_in(const char *prefix, const char *value, char *key, size_t size)
{
    size_t len = strlen(value), p = strlen(prefix) + 3; /* "${" PREFIX "." */
    if (len < p + 2 || strncmp(value, "${", 2) != 0 || strncmp(value + 2, prefix, p - 3) != 0 ||
        value[p - 1] != '.' || value[len - 1] != '}' || len - p - 1 >= size)
        return NULL;
    memcpy(key, value + p, len - p - 1);
    key[len - p - 1] = '\0';
    return key;
}

int sos_param_expand(const char *prefix, const struct sos_check_decl *values,
                     const struct sos_check_decl *d, struct sos_param *p, sos_error *err)
{
    char **out = NULL;
    size_t n = 0;
    int is_list = p->is_list;
    for (size_t i = 0; i < p->n_values; i++) {
        char key[128];
        const struct sos_param *a = NULL;
        const char *ref = reference_in(prefix, p->values[i], key, sizeof key);
        char open[80];
        size_t add = 1;
        char **grown;
        snprintf(open, sizeof open, "${%s.", prefix);
        if (!ref && strstr(p->values[i], open))
            return sos_fail(err, "%s:%d:%d: check %s, param '%s': '%s' must be the "
                                 "whole value",
                            d->origin.file, d->origin.line, d->origin.column, d->id,
                            p->key, p->values[i]);
        if (ref) {
            a = sos_decl_param(values, ref);
            add = a ? a->n_values : 0;
            is_list |= a && a->is_list;
        }
        grown = realloc(out, (n + add + 1) * sizeof *out);
        if (!grown)
            goto oom;
        out = grown;
        for (size_t k = 0; k < add; k++)
            if (!(out[n++] = strdup(ref ? a->values[k] : p->values[i])))
                goto oom;
    }
    for (size_t i = 0; i < p->n_values; i++)
        free(p->values[i]);
    free(p->values);
    free(p->value_at); /* the values came from elsewhere: no positions */
    p->value_at = NULL;
    p->values = out;
    p->n_values = n;
    p->is_list = is_list;
    return 0;
oom:
    for (size_t k = 0; out && k < n; k++)
        free(out[k]);
    free(out);
    return sos_fail(err, "out of memory");
}

int sos_param_set(struct sos_check_decl *decl, const char *key, char *const *values,
                  size_t n, int is_list)
{
    struct sos_param fresh = {0};
    struct sos_param *slot = NULL;
    fresh.key = strdup(key);
    fresh.values = calloc(n ? n : 1, sizeof *fresh.values);
    fresh.is_list = is_list;
    if (!fresh.key || !fresh.values)
        goto oom;
    for (; fresh.n_values < n; fresh.n_values++)
        if (!(fresh.values[fresh.n_values] = strdup(values[fresh.n_values])))
            goto oom;
    for (size_t i = 0; i < decl->n_params; i++)
        if (strcmp(decl->params[i].key, key) == 0)
            slot = &decl->params[i];
    if (!slot) {
        struct sos_param *grown =
            realloc(decl->params, (decl->n_params + 1) * sizeof *grown);
        if (!grown)
            goto oom;
        decl->params = grown;
        slot = &decl->params[decl->n_params++];
    } else {
        for (size_t i = 0; i < slot->n_values; i++)
            free(slot->values[i]);
        free(slot->values);
        free(slot->value_at);
        free(slot->key);
    }
    *slot = fresh;
    return 0;
oom:
    for (size_t i = 0; i < fresh.n_values; i++)
        free(fresh.values[i]);
    free(fresh.values);
    free(fresh.key);
    return -1;
}

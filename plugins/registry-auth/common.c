/* registry-auth: helpers every check shares: lists, JSON member paths. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "registry.h"

void registry_list_add(struct list *l, const char *a, const char *b)
{
    size_t used = strlen(l->text), room = sizeof l->text - used;
    int n;
    if (l->cut)
        return;
    n = snprintf(l->text + used, room, "%s%s%s%s", l->count ? "," : "", a,
                 b ? "=" : "", b ? b : "");
    /* Keep room for the ",..." that says the list was cut. */
    if (n < 0 || (size_t)n + 5 > room) {
        plugin_textf(l->text + used, sizeof l->text - used, "%s...",
                     l->count ? "," : "");
        l->cut = 1;
    }
    l->count++;
}

const char *registry_list_or(const struct list *l, const char *none)
{
    return l->count ? l->text : none;
}

int registry_fact_is(sourceos_ctx *ctx, const char *key, const char *value)
{
    const char *v = sourceos_fact_get(ctx, key);
    return v && strcmp(v, value) == 0;
}

int registry_member_path(char *out, size_t size, const char *parent,
                         const char *name, const char *child)
{
    size_t n = 0;
    int w = snprintf(out, size, "%s[\"", parent);
    if (w < 0 || (size_t)w >= size)
        return -1;
    n = (size_t)w;
    for (const char *p = name; *p; p++) {
        if (n + 3 >= size)
            return -1;
        if (*p == '"' || *p == '\\')
            out[n++] = '\\';
        out[n++] = *p;
    }
    w = snprintf(out + n, size - n, "\"]%s%s", child ? "." : "",
                 child ? child : "");
    return w < 0 || (size_t)w >= size - n ? -1 : 0;
}

const char *registry_nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

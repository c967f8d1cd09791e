/* A profile as ${profile.KEY} values for the machine-scope checks of
 * `sourceosctl agent-machine doctor`, the mount policy's verdicts included
 * (the plugins cannot ask it: it is the core's). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine_launch.h"
#include "machine_params.h"
#include "params.h"

static int put(struct sos_check_decl *d, const char *key, const char *value)
{
    char *v[] = {(char *)value};
    return value && *value ? sos_param_set(d, key, v, 1, 0) : 0;
}

static int put_list(struct sos_check_decl *d, const char *key, char *const *v, size_t n)
{
    return n ? sos_param_set(d, key, v, n, 1) : 0;
}

/* The refusals of the launch the profile plans, each "PATH: rule". */
static int put_denials(struct sos_check_decl *d, const struct sos_am_profile *p,
                       const char *home, const char *repo)
{
    struct sos_am_launch l;
    struct sos_am_launch_req req = {.home = home, .repo = repo, .authfile = "/dev/null"};
    sos_error err;
    json_t *item;
    size_t i, n = 0;
    char **v;
    int rc = sos_am_launch_plan(p, &req, &l, &err);
    if (rc < 0) {
        sos_am_launch_free(&l);
        return -1;
    }
    v = calloc(json_array_size(l.denied) + 1, sizeof *v);
    json_array_foreach(l.denied, i, item) if (v)
        v[n++] = (char *)json_string_value(json_object_get(item, "reason"));
    rc = v ? put_list(d, "mount_denials", v, n) : -1;
    if (rc == 0) {
        char count[32];
        snprintf(count, sizeof count, "%zu", json_array_size(l.mounts));
        rc = put(d, "mounts_allowed", count);
    }
    free(v);
    sos_am_launch_free(&l);
    return rc;
}

int sos_am_profile_params(const struct sos_am_profile *p, const char *home, const char *repo,
                          struct sos_check_decl *out, sos_error *err)
{
    char *tools[64], *ref = sos_am_image_ref(p);
    size_t n_tools = 0;
    int rc;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < p->n_tools && n_tools < 64; i++)
        if (p->tools[i].enabled)
            tools[n_tools++] = p->tools[i].name;
    rc = put(out, "name", p->name) | put(out, "adapter", sos_am_adapter_name(p->adapter)) |
         put(out, "provider", sos_am_provider_name(p->provider)) |
         put(out, "machine", p->machine) | put(out, "image", p->image) |
         put(out, "image_ref", ref) | put(out, "digest", p->digest) |
         put(out, "network", sos_am_network_name(p->network)) |
         put(out, "control_plane", p->control_plane) | put(out, "repo", repo) |
         put_list(out, "allowed_roots", p->allowed_roots.v, p->allowed_roots.n) |
         put_list(out, "tools", tools, n_tools) | put_denials(out, p, home, repo);
    free(ref);
    if (rc != 0) {
        sos_decl_free(out);
        return sos_fail(err, "profile %s: out of memory", p->name);
    }
    return 0;
}

int sos_am_profile_apply(const struct sos_check_decl *values, const char *name,
                         struct sos_checks *checks, sos_error *err)
{
    char *v[] = {(char *)name};
    for (size_t k = 0; k < checks->n; k++) {
        struct sos_check_decl *d = &checks->v[k];
        if (d->scope != SOS_SCOPE_MACHINE)
            continue;
        for (size_t i = 0; i < d->n_params; i++)
            if (sos_param_expand("profile", values, d, &d->params[i], err) != 0)
                return -1;
        if (sos_param_set(d, "profile", v, 1, 0) != 0)
            return sos_fail(err, "out of memory");
    }
    return 0;
}

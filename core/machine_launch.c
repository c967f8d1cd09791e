#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "machine_launch.h"
#include "mount_policy.h"

struct argv_buf {
    char **v;
    size_t n, cap;
    int failed;
};

static void add(struct argv_buf *a, const char *s)
{
    char *copy;
    if (a->failed)
        return;
    if (a->n + 2 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 32;
        char **grown = realloc(a->v, cap * sizeof *grown);
        if (!grown) {
            a->failed = 1;
            return;
        }
        a->v = grown;
        a->cap = cap;
    }
    if (!(copy = strdup(s))) {
        a->failed = 1;
        return;
    }
    a->v[a->n++] = copy;
    a->v[a->n] = NULL;
}

static void addf(struct argv_buf *a, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void addf(struct argv_buf *a, const char *format, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, format);
    if (vasprintf(&s, format, ap) < 0)
        s = NULL;
    va_end(ap);
    if (!s)
        a->failed = 1;
    else
        add(a, s);
    free(s);
}

char *sos_am_image_ref(const struct sos_am_profile *p)
{
    const char *slash, *colon;
    char *out = NULL;
    if (!*p->digest)
        return strdup(p->image);
    slash = strrchr(p->image, '/');
    colon = strrchr(slash ? slash : p->image, ':');
    if (strchr(p->image, '@'))
        colon = strchr(p->image, '@');
    if (asprintf(&out, "%.*s@%s", (int)(colon ? (size_t)(colon - p->image) : strlen(p->image)),
                 p->image, p->digest) < 0)
        return NULL;
    return out;
}

static int read_only(enum sos_am_access a)
{
    return a == SOS_AM_READ_ONLY || a == SOS_AM_BROWSER_RW_AGENT_RO;
}

/* One evidence mounts[] entry. */
static json_t *mount_entry(const char *id, const char *cls, const char *agent,
                           enum sos_am_access access, const char *host_ref, int exists)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:b}", "mountId", id, "pathClass", cls,
                     "agentPath", agent, "accessMode", sos_am_access_name(access),
                     "secretsProhibited", 1, "hostPathRef", host_ref, "existsAtRunStart",
                     exists);
}

static int deny(struct sos_am_launch *out, const char *path, const char *home,
                const sos_error *why)
{
    char *ref = sos_mount_path_ref(path, home);
    int rc = ref ? json_array_append_new(out->denied,
                                         json_pack("{s:s, s:s}", "pathRef", ref, "reason",
                                                   why->msg))
                 : -1;
    free(ref);
    return rc;
}

/* Judges one host path; on 0 *RESOLVED is set. A comma would end podman's
 * --mount value early, so such a path is refused too. */
static int judge(const struct sos_am_profile *p, const struct sos_am_launch_req *req,
                 const char *host_path, char **resolved, sos_error *why)
{
    struct sos_mount_policy pol = {
        .home = req->home,
        .fold_case = p->adapter != SOS_AM_LINUX,
        .allowed = (const char *const *)p->allowed_roots.v,
        .n_allowed = p->allowed_roots.n,
        .denied = (const char *const *)p->denied.v,
        .n_denied = p->denied.n,
    };
    int rc = sos_mount_check(&pol, host_path, resolved, why);
    if (rc == 0 && strchr(*resolved, ',')) {
        sos_fail(why, "%s: holds a ',' which podman's --mount cannot take; rename it",
                 host_path);
        free(*resolved);
        *resolved = NULL;
        return 1;
    }
    return rc;
}

static void add_mount(struct argv_buf *a, const char *src, const char *dst, int ro)
{
    addf(a, "--mount=type=bind,src=%s,dst=%s%s", src, dst, ro ? ",ro=true" : "");
}

static int plan_mounts(const struct sos_am_profile *p, const struct sos_am_launch_req *req,
                       struct sos_am_launch *out, struct argv_buf *a, sos_error *err)
{
    int refused = 0;
    sos_error why;
    if (req->repo) {
        char *r = NULL, *ref = sos_mount_path_ref(req->repo, req->home);
        struct stat st;
        int rc = judge(p, req, req->repo, &r, &why);
        if (rc == 0 && (stat(r, &st) != 0 || !S_ISDIR(st.st_mode))) {
            sos_fail(&why, "%s: not a directory; give the repository's worktree", req->repo);
            free(r);
            r = NULL;
            rc = 1;
        }
        if (rc < 0 || (rc == 1 && deny(out, req->repo, req->home, &why) != 0)) {
            free(ref);
            return sos_fail(err, "%s", why.msg);
        }
        if (rc == 1 && !refused++)
            *err = why;
        if (rc == 0) {
            json_array_append_new(out->mounts,
                                  mount_entry("repo", "code", p->repo_agent_path,
                                              p->repo_access, ref ? ref : "", 1));
            add_mount(a, r, p->repo_agent_path, read_only(p->repo_access));
            out->repo = r;
        }
        free(ref);
    }
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct sos_am_mount *m = &p->mounts[i];
        char *r = NULL, *ref;
        struct stat st;
        int rc = judge(p, req, m->host_path, &r, &why), exists;
        if (rc < 0)
            return sos_fail(err, "%s", why.msg);
        if (rc == 1) {
            if (deny(out, m->host_path, req->home, &why) != 0)
                return sos_fail(err, "out of memory");
            if (!refused++)
                *err = why;
            continue;
        }
        exists = stat(r, &st) == 0;
        if (!exists && !m->create_if_missing) {
            sos_fail(&why, "%s (mount %s): does not exist; create it, or set "
                     "createIfMissing: true", m->host_path, m->id);
            free(r);
            if (deny(out, m->host_path, req->home, &why) != 0)
                return sos_fail(err, "out of memory");
            if (!refused++)
                *err = why;
            continue;
        }
        ref = sos_mount_path_ref(r, req->home);
        json_array_append_new(out->mounts, mount_entry(m->id, m->path_class, m->agent_path,
                                                       m->access, ref ? ref : "", exists));
        free(ref);
        add_mount(a, r, m->agent_path, read_only(m->access));
        if (!exists) {
            char **grown = realloc(out->create, (out->n_create + 1) * sizeof *grown);
            if (!grown) {
                free(r);
                return sos_fail(err, "out of memory");
            }
            out->create = grown;
            out->create[out->n_create++] = r;
        } else {
            free(r);
        }
    }
    return refused ? 2 : 0;
}

static void add_network(struct argv_buf *a, enum sos_am_network n)
{
    if (n == SOS_AM_NET_NONE)
        add(a, "--network=none");
    else if (n == SOS_AM_NET_RESTRICTED)
        add(a, "--network=slirp4netns:allow_host_loopback=false");
    /* default: podman's own */
}

int sos_am_launch_plan(const struct sos_am_profile *p, const struct sos_am_launch_req *req,
                       struct sos_am_launch *out, sos_error *err)
{
    struct argv_buf a = {0};
    int rc;
    memset(out, 0, sizeof *out);
    out->mounts = json_array();
    out->denied = json_array();
    if (!out->mounts || !out->denied || sos_am_policy_hash(p, out->policy_hash,
                                                          sizeof out->policy_hash) != 0 ||
        !(out->image = sos_am_image_ref(p)))
        return sos_fail(err, "out of memory");
    add(&a, "podman");
    if (*p->machine) /* the machine's connection, not whatever is the default */
        addf(&a, "--connection=%s", p->machine);
    add(&a, "run");
    add(&a, "--rm");
    if (req->interactive)
        add(&a, "--interactive");
    if (req->tty)
        add(&a, "--tty");
    add(&a, "--pull=never");
    add(&a, "--cap-drop=all");
    add(&a, "--security-opt=no-new-privileges");
    addf(&a, "--userns=%s", p->user_mapping);
    add(&a, "--read-only");
    add_network(&a, p->network);
    addf(&a, "--authfile=%s", req->authfile);
    for (size_t i = 0; i < p->pass_env.n; i++)
        addf(&a, "--env=%s", p->pass_env.v[i]); /* by name: podman reads the value */
    if (req->evidence_id)
        addf(&a, "--label=dev.sourceos.agent-machine.evidence=%s", req->evidence_id);
    addf(&a, "--label=dev.sourceos.agent-machine.profile=%s", p->name);
    if ((rc = plan_mounts(p, req, out, &a, err)) < 0) {
        for (size_t i = 0; i < a.n; i++)
            free(a.v[i]);
        free(a.v);
        return -1;
    }
    if (out->repo)
        addf(&a, "--workdir=%s", p->repo_agent_path);
    add(&a, out->image);
    if (req->tool)
        for (size_t i = 0; i < req->tool->command.n; i++)
            add(&a, req->tool->command.v[i]);
    else
        add(&a, "/bin/sh");
    for (size_t i = 0; i < req->n_args; i++)
        add(&a, req->args[i]);
    out->argv = a.v;
    if (a.failed)
        return sos_fail(err, "out of memory");
    return rc;
}

void sos_am_launch_free(struct sos_am_launch *l)
{
    for (size_t i = 0; l->argv && l->argv[i]; i++)
        free(l->argv[i]);
    free(l->argv);
    json_decref(l->mounts);
    json_decref(l->denied);
    free(l->repo);
    free(l->image);
    for (size_t i = 0; i < l->n_create; i++)
        free(l->create[i]);
    free(l->create);
    memset(l, 0, sizeof *l);
}

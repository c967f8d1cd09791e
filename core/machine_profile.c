#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine_profile.h"
#include "mount_policy.h"
#include "sha256.h"
#include "yaml.h"

#define MAX_ITEMS 64

static const char *const adapter_names[] = {"macos", "linux", "windows", NULL};
static const char *const provider_names[] = {"applehv", "libkrun", "qemu", "wsl", "hyperv",
                                             "native", NULL};
static const char *const network_names[] = {"none", "restricted", "default", NULL};
static const char *const access_names[] = {"read-only", "read-write",
                                           "browser-read-write-agent-read-only",
                                           "write-only-artifacts", NULL};
static const char *const path_classes[] = {"code", "documents", "downloads", "cache",
                                           "artifacts", "media", "app-bridge", NULL};
static const char *const storage_names[] = {"podman-machine-bind", "wsl-bind", "native-bind",
                                            NULL};
static const char *const mapping_names[] = {"keep-id", NULL};
/* stereosd's own rule: never over these in the guest. */
static const char *const system_dirs[] = {"/", "/nix", "/etc", "/bin", "/sbin", "/boot",
                                          "/dev", "/proc", "/sys", "/run", "/usr", "/lib",
                                          "/lib64", "/var", NULL};

const char *sos_am_adapter_name(enum sos_am_adapter a) { return adapter_names[a]; }
const char *sos_am_provider_name(enum sos_am_provider p) { return provider_names[p]; }
const char *sos_am_network_name(enum sos_am_network n) { return network_names[n]; }
const char *sos_am_access_name(enum sos_am_access a) { return access_names[a]; }

/* ---- Loading -------------------------------------------------------------- */

struct ld {
    struct sos_yaml y;
    const char *home;
    struct sos_am_profile *p;
    int has_api, has_kind, has_name, has_image;
};

typedef int (*reader)(struct ld *ld, yaml_node_t *k, yaml_node_t *v);
struct key { const char *key; reader read; };

static int str(struct ld *ld, const yaml_node_t *n, const char *key, char **dst)
{
    char what[80], *s;
    snprintf(what, sizeof what, "'%s'", key);
    if (!(s = sos_yaml_string(&ld->y, n, what)))
        return -1;
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            free(s);
            return sos_yaml_fail_at(&ld->y, n, "'%s' holds a newline or another control character", key);
        }
    free(*dst);
    *dst = s;
    return 0;
}

static int is_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int id(struct ld *ld, const yaml_node_t *n, const char *key, char **dst)
{
    if (str(ld, n, key, dst) != 0)
        return -1;
    if (!is_id(*dst))
        return sos_yaml_fail_at(&ld->y, n, "'%s' must be lower-case letters, digits and '-', starting "
                       "with a letter or digit, at most 64 (one path segment)", key);
    return 0;
}

static int items(struct ld *ld, yaml_node_t *n, const char *key, yaml_node_item_t **start,
                 size_t *count)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return sos_yaml_fail_at(&ld->y, n, "'%s' must be a list, not %s", key, sos_yaml_kind(n));
    *start = n->data.sequence.items.start;
    *count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (*count > MAX_ITEMS)
        return sos_yaml_fail_at(&ld->y, n, "'%s' has more than %d entries", key, MAX_ITEMS);
    return 0;
}

static int strlist(struct ld *ld, yaml_node_t *n, const char *key,
                   struct sos_agent_strings *dst)
{
    yaml_node_item_t *it;
    size_t count;
    sos_strings_free(dst);
    if (items(ld, n, key, &it, &count) != 0)
        return -1;
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = sos_yaml_node(&ld->y, it[i]);
        char what[80], *s = NULL;
        if (!item)
            return sos_yaml_fail_malformed(&ld->y);
        snprintf(what, sizeof what, "entry %zu of '%s'", i + 1, key);
        if (str(ld, item, what, &s) != 0)
            return -1;
        if (!*s) {
            free(s);
            return sos_yaml_fail_at(&ld->y, item, "entry %zu of '%s' is empty", i + 1, key);
        }
        if (sos_strings_push(dst, s) != 0)
            return sos_yaml_fail_oom(&ld->y);
    }
    return 0;
}

static int enumv(struct ld *ld, const yaml_node_t *n, const char *key,
                 const char *const *names, int *dst)
{
    return sos_yaml_enum(&ld->y, n, key, names, dst);
}

struct map { struct ld *ld; const struct key *keys; const char *where; };

static int one_pair(struct sos_yaml *y, yaml_node_t *k, yaml_node_t *v, void *vctx)
{
    struct map *m = vctx;
    char list[400] = "", shown[SOS_YAML_SHOWN_MAX + 4];
    (void)y;
    for (const struct key *key = m->keys; key->key; key++)
        if (sos_yaml_scalar_is(k, key->key))
            return key->read(m->ld, k, v);
    for (const struct key *key = m->keys; key->key; key++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 key == m->keys ? "" : ", ", key->key);
    sos_yaml_shown(shown, sizeof shown, (const char *)k->data.scalar.value,
                   k->data.scalar.length);
    return sos_yaml_fail_at(&m->ld->y, k, "unknown key '%s' %s (expected: %s)", shown, m->where, list);
}

static int mapping(struct ld *ld, yaml_node_t *n, const char *name, const struct key *keys)
{
    char where[80];
    struct map m = {ld, keys, where};
    if (n->type != YAML_MAPPING_NODE)
        return sos_yaml_fail_at(&ld->y, n, "'%s' must be a mapping, not %s", name, sos_yaml_kind(n));
    snprintf(where, sizeof where, "in '%s'", name);
    return sos_yaml_for_each_pair(&ld->y, n, where, one_pair, &m);
}

#define P (ld->p)
#define UNUSED (void)k

static int r_api(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    char *s = NULL;
    UNUSED;
    if (str(ld, v, "apiVersion", &s) != 0)
        return -1;
    ld->has_api = strcmp(s, SOS_AM_API_VERSION) == 0;
    free(s);
    return ld->has_api ? 0 : sos_yaml_fail_at(&ld->y, v, "'apiVersion' must be %s", SOS_AM_API_VERSION);
}

static int r_kind(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    char *s = NULL;
    UNUSED;
    if (str(ld, v, "kind", &s) != 0)
        return -1;
    ld->has_kind = strcmp(s, SOS_AM_KIND) == 0;
    free(s);
    return ld->has_kind ? 0 : sos_yaml_fail_at(&ld->y, v, "'kind' must be %s", SOS_AM_KIND);
}

static int r_name(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    ld->has_name = 1;
    return id(ld, v, "name", &P->name);
}

static int r_adapter(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    UNUSED;
    if (enumv(ld, v, "adapter", adapter_names, &i) != 0)
        return -1;
    P->adapter = (enum sos_am_adapter)i;
    return 0;
}

static int r_storage(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    UNUSED;
    if (enumv(ld, v, "storageBackend", storage_names, &i) != 0)
        return -1;
    free(P->storage_backend);
    return (P->storage_backend = strdup(storage_names[i])) ? 0 : sos_yaml_fail_oom(&ld->y);
}

static int r_host(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    static const struct key keys[] = {{"adapter", r_adapter}, {"storageBackend", r_storage},
                                      {NULL, NULL}};
    UNUSED;
    return mapping(ld, v, "host", keys);
}

static int r_machine(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    if (str(ld, v, "machine", &P->machine) != 0)
        return -1;
    if (*P->machine && !is_id(P->machine))
        return sos_yaml_fail_at(&ld->y, v, "'machine' must be a Podman machine name: lower-case letters, "
                       "digits and '-'");
    return 0;
}

static int r_provider(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    UNUSED;
    if (enumv(ld, v, "provider", provider_names, &i) != 0)
        return -1;
    P->provider = (enum sos_am_provider)i;
    return 0;
}

static int r_control_plane(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    if (str(ld, v, "controlPlane", &P->control_plane) != 0)
        return -1;
    if (*P->control_plane && strncmp(P->control_plane, "tcp://", 6) != 0 &&
        strncmp(P->control_plane, "vsock://", 8) != 0)
        return sos_yaml_fail_at(&ld->y, v, "'controlPlane' must be tcp://HOST:PORT or vsock://CID:PORT "
                       "(stereosd)");
    return 0;
}

static int r_vm(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    static const struct key keys[] = {{"machine", r_machine}, {"provider", r_provider},
                                      {"controlPlane", r_control_plane}, {NULL, NULL}};
    UNUSED;
    return mapping(ld, v, "vm", keys);
}

static int r_image(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    if (str(ld, v, "image", &P->image) != 0)
        return -1;
    if (!*P->image || strchr(P->image, ' ') || P->image[0] == '-')
        return sos_yaml_fail_at(&ld->y, v, "'image' must be an image reference (registry/name:tag)");
    ld->has_image = 1;
    return 0;
}

static int r_digest(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    const char *d;
    UNUSED;
    if (str(ld, v, "digest", &P->digest) != 0)
        return -1;
    d = P->digest;
    if (*d && (strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71 ||
               strspn(d + 7, "0123456789abcdef") != 64))
        return sos_yaml_fail_at(&ld->y, v, "'digest' must be sha256: and 64 hex digits (or empty until the "
                       "image is pinned)");
    return 0;
}

static int r_network(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    UNUSED;
    if (enumv(ld, v, "network", network_names, &i) != 0)
        return -1;
    P->network = (enum sos_am_network)i;
    return 0;
}

static int r_pass_env(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    if (strlist(ld, v, "passEnv", &P->pass_env) != 0)
        return -1;
    for (size_t i = 0; i < P->pass_env.n; i++) {
        const char *s = P->pass_env.v[i];
        if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
                strlen(s) || (s[0] >= '0' && s[0] <= '9'))
            return sos_yaml_fail_at(&ld->y, v, "entry %zu of 'passEnv' must be a variable's name (a value "
                           "is never written in a profile)", i + 1);
    }
    return 0;
}

static int r_container(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    static const struct key keys[] = {{"image", r_image}, {"digest", r_digest},
                                      {"network", r_network}, {"passEnv", r_pass_env},
                                      {NULL, NULL}};
    UNUSED;
    return mapping(ld, v, "container", keys);
}

static int r_mapping(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    UNUSED;
    if (enumv(ld, v, "mapping", mapping_names, &i) != 0)
        return -1;
    free(P->user_mapping);
    return (P->user_mapping = strdup(mapping_names[i])) ? 0 : sos_yaml_fail_oom(&ld->y);
}

static int r_user(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    static const struct key keys[] = {{"mapping", r_mapping}, {NULL, NULL}};
    UNUSED;
    return mapping(ld, v, "user", keys);
}

/* An agentPath: absolute, no "..", not a system directory of the guest. */
static int agent_path(struct ld *ld, yaml_node_t *v, const char *key, char **dst)
{
    if (str(ld, v, key, dst) != 0)
        return -1;
    if ((*dst)[0] != '/' || strstr(*dst, "/../") || strstr(*dst, "/./") ||
        (strlen(*dst) >= 3 && strcmp(*dst + strlen(*dst) - 3, "/..") == 0))
        return sos_yaml_fail_at(&ld->y, v, "'%s' must be an absolute path without '.' or '..'", key);
    for (size_t i = 0; system_dirs[i]; i++)
        if (strcmp(*dst, system_dirs[i]) == 0)
            return sos_yaml_fail_at(&ld->y, v, "'%s' is %s, a system directory of the container; mount "
                           "under /workspace or another directory of its own", key, *dst);
    return 0;
}

/* An allowed root may not be the home directory or hold it: that would
 * allow every mount the denied list forgot. */
static int root_rule(struct ld *ld, yaml_node_t *v)
{
    for (size_t i = 0; i < P->allowed_roots.n; i++) {
        char *full = sos_mount_expand(P->allowed_roots.v[i], ld->home);
        int wide = full && (full[0] != '/' || sos_path_within(ld->home, full, 0));
        free(full);
        if (wide)
            return sos_yaml_fail_at(&ld->y, v, "entry %zu of 'allowedRoots' (%s) %s; name the directory "
                           "that holds your projects, like ~/dev", i + 1,
                           P->allowed_roots.v[i],
                           full ? "is the home directory or holds it" : "is not absolute");
    }
    return 0;
}

static int r_roots(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    return strlist(ld, v, "allowedRoots", &P->allowed_roots) != 0 ? -1 : root_rule(ld, v);
}

static int r_repo_path(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    return agent_path(ld, v, "agentPath", &P->repo_agent_path);
}

static int r_repo_access(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    UNUSED;
    if (enumv(ld, v, "accessMode", access_names, &i) != 0)
        return -1;
    P->repo_access = (enum sos_am_access)i;
    return 0;
}

static int r_repo(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    static const struct key keys[] = {{"allowedRoots", r_roots}, {"agentPath", r_repo_path},
                                      {"accessMode", r_repo_access}, {NULL, NULL}};
    UNUSED;
    return mapping(ld, v, "repo", keys);
}

/* ---- tools ---- */

static struct sos_am_tool *cur_tool(struct ld *ld) { return &P->tools[P->n_tools - 1]; }

static int r_tool_name(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    return id(ld, v, "name", &cur_tool(ld)->name);
}

static int r_tool_command(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    if (strlist(ld, v, "command", &cur_tool(ld)->command) != 0)
        return -1;
    return cur_tool(ld)->command.n ? 0 : sos_yaml_fail_at(&ld->y, v, "'command' is empty");
}

static int r_tool_version(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    return strlist(ld, v, "versionCommand", &cur_tool(ld)->version_command);
}

static int r_tool_enabled(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    return sos_yaml_bool(&ld->y, v, "enabled", &cur_tool(ld)->enabled);
}

static int r_tools(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    static const struct key keys[] = {{"name", r_tool_name}, {"command", r_tool_command},
                                      {"versionCommand", r_tool_version},
                                      {"enabled", r_tool_enabled}, {NULL, NULL}};
    yaml_node_item_t *it;
    size_t count;
    UNUSED;
    if (items(ld, v, "tools", &it, &count) != 0)
        return -1;
    if (!(P->tools = calloc(count ? count : 1, sizeof *P->tools)))
        return sos_yaml_fail_oom(&ld->y);
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = sos_yaml_node(&ld->y, it[i]);
        struct sos_am_tool *t;
        if (!item)
            return sos_yaml_fail_malformed(&ld->y);
        P->n_tools++;
        t = cur_tool(ld);
        t->enabled = 1;
        if (mapping(ld, item, "tools", keys) != 0)
            return -1;
        if (!t->name || !t->command.n)
            return sos_yaml_fail_at(&ld->y, item, "tool %zu needs 'name' and 'command'", i + 1);
        for (size_t j = 0; j + 1 < P->n_tools; j++)
            if (strcmp(P->tools[j].name, t->name) == 0)
                return sos_yaml_fail_at(&ld->y, item, "tool '%s' is listed twice", t->name);
    }
    return 0;
}

static int r_agent(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    static const struct key keys[] = {{"tools", r_tools}, {NULL, NULL}};
    UNUSED;
    return mapping(ld, v, "agent", keys);
}

/* ---- mounts ---- */

static struct sos_am_mount *cur_mount(struct ld *ld) { return &P->mounts[P->n_mounts - 1]; }

static int r_mount_id(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    return id(ld, v, "mountId", &cur_mount(ld)->id);
}

static int r_mount_class(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    UNUSED;
    if (enumv(ld, v, "pathClass", path_classes, &i) != 0)
        return -1;
    free(cur_mount(ld)->path_class);
    return (cur_mount(ld)->path_class = strdup(path_classes[i])) ? 0
                                                                 : sos_yaml_fail_oom(&ld->y);
}

static int r_mount_host(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    if (str(ld, v, "hostPath", &cur_mount(ld)->host_path) != 0)
        return -1;
    if (cur_mount(ld)->host_path[0] != '/' && cur_mount(ld)->host_path[0] != '~')
        return sos_yaml_fail_at(&ld->y, v, "'hostPath' must be absolute or start with ~/");
    return 0;
}

static int r_mount_agent(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    return agent_path(ld, v, "agentPath", &cur_mount(ld)->agent_path);
}

static int r_mount_access(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    UNUSED;
    if (enumv(ld, v, "accessMode", access_names, &i) != 0)
        return -1;
    cur_mount(ld)->access = (enum sos_am_access)i;
    return 0;
}

static int r_mount_create(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    return sos_yaml_bool(&ld->y, v, "createIfMissing", &cur_mount(ld)->create_if_missing);
}

static int r_mount_secrets(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    if (sos_yaml_bool(&ld->y, v, "secretsProhibited", &cur_mount(ld)->secrets_prohibited))
        return -1;
    return cur_mount(ld)->secrets_prohibited
               ? 0 : sos_yaml_fail_at(&ld->y, v, "'secretsProhibited' can only be true: no mount carries "
                             "secrets (the Secrets Door will)");
}

static int r_mount_exec(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    return sos_yaml_bool(&ld->y, v, "directExecutionAllowed",
                         &cur_mount(ld)->direct_execution_allowed);
}

static int r_mounts(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    static const struct key keys[] = {
        {"mountId", r_mount_id},       {"pathClass", r_mount_class},
        {"hostPath", r_mount_host},    {"agentPath", r_mount_agent},
        {"accessMode", r_mount_access}, {"createIfMissing", r_mount_create},
        {"secretsProhibited", r_mount_secrets}, {"directExecutionAllowed", r_mount_exec},
        {NULL, NULL}};
    yaml_node_item_t *it;
    size_t count;
    UNUSED;
    if (items(ld, v, "mounts", &it, &count) != 0)
        return -1;
    if (!(P->mounts = calloc(count ? count : 1, sizeof *P->mounts)))
        return sos_yaml_fail_oom(&ld->y);
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = sos_yaml_node(&ld->y, it[i]);
        struct sos_am_mount *m;
        if (!item)
            return sos_yaml_fail_malformed(&ld->y);
        P->n_mounts++;
        m = cur_mount(ld);
        m->secrets_prohibited = 1;
        m->access = SOS_AM_READ_ONLY;
        if (mapping(ld, item, "mounts", keys) != 0)
            return -1;
        if (!m->id || !m->path_class || !m->host_path || !m->agent_path)
            return sos_yaml_fail_at(&ld->y, item, "mount %zu needs mountId, pathClass, hostPath and "
                           "agentPath", i + 1);
        for (size_t j = 0; j + 1 < P->n_mounts; j++) {
            if (strcmp(P->mounts[j].id, m->id) == 0)
                return sos_yaml_fail_at(&ld->y, item, "mountId '%s' is used twice", m->id);
            if (strcmp(P->mounts[j].agent_path, m->agent_path) == 0)
                return sos_yaml_fail_at(&ld->y, item, "two mounts go to %s", m->agent_path);
        }
    }
    return 0;
}

static int r_denied(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    if (strlist(ld, v, "deniedPatterns", &P->denied) != 0)
        return -1;
    for (size_t i = 0; i < P->denied.n; i++)
        if (P->denied.v[i][0] != '/' && P->denied.v[i][0] != '~')
            return sos_yaml_fail_at(&ld->y, v, "entry %zu of 'deniedPatterns' must be absolute or start "
                           "with ~/", i + 1);
    return 0;
}

/* ---- secrets: references only ---- */

static struct sos_am_secret *cur_secret(struct ld *ld)
{
    return &P->secrets[P->n_secrets - 1];
}

static int r_secret_name(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    return id(ld, v, "name", &cur_secret(ld)->name);
}

static int r_secret_ref(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    const char *s;
    UNUSED;
    if (str(ld, v, "ref", &cur_secret(ld)->ref) != 0)
        return -1;
    s = cur_secret(ld)->ref;
    if (!strstr(s, "://") || strchr(s, '@'))
        return sos_yaml_fail_at(&ld->y, v, "'ref' must be a reference (scheme://path), not a value");
    return 0;
}

static int r_secret_value(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)v;
    return sos_yaml_fail_at(&ld->y, k, "a secret's value is never written in a profile; give a 'ref' "
                   "(for the Secrets Door) and remove '%s'", (const char *)k->data.scalar.value);
}

static int r_secrets(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    static const struct key keys[] = {{"name", r_secret_name}, {"ref", r_secret_ref},
                                      {"value", r_secret_value}, {"secret", r_secret_value},
                                      {"password", r_secret_value}, {"token", r_secret_value},
                                      {NULL, NULL}};
    yaml_node_item_t *it;
    size_t count;
    UNUSED;
    if (items(ld, v, "secrets", &it, &count) != 0)
        return -1;
    if (!(P->secrets = calloc(count ? count : 1, sizeof *P->secrets)))
        return sos_yaml_fail_oom(&ld->y);
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = sos_yaml_node(&ld->y, it[i]);
        if (!item)
            return sos_yaml_fail_malformed(&ld->y);
        if (item->type == YAML_SCALAR_NODE)
            return sos_yaml_fail_at(&ld->y, item, "secret %zu is a bare value; a profile holds only "
                           "references: {name, ref}", i + 1);
        P->n_secrets++;
        if (mapping(ld, item, "secrets", keys) != 0)
            return -1;
        if (!cur_secret(ld)->name || !cur_secret(ld)->ref)
            return sos_yaml_fail_at(&ld->y, item, "secret %zu needs 'name' and 'ref'", i + 1);
    }
    return 0;
}

static int r_evidence_dir(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    UNUSED;
    if (str(ld, v, "directory", &P->evidence_dir) != 0)
        return -1;
    if (P->evidence_dir[0] != '/' && strncmp(P->evidence_dir, "~/", 2) != 0)
        return sos_yaml_fail_at(&ld->y, v, "'directory' must be absolute or start with ~/");
    return 0;
}

static int r_evidence(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    static const struct key keys[] = {{"directory", r_evidence_dir}, {NULL, NULL}};
    UNUSED;
    return mapping(ld, v, "evidence", keys);
}

static int r_root(struct sos_yaml *y, yaml_node_t *k, yaml_node_t *v, void *vctx)
{
    static const struct key keys[] = {
        {"apiVersion", r_api}, {"kind", r_kind},   {"name", r_name},
        {"host", r_host},      {"vm", r_vm},       {"container", r_container},
        {"user", r_user},      {"repo", r_repo},   {"agent", r_agent},
        {"mounts", r_mounts},  {"deniedPatterns", r_denied},
        {"secrets", r_secrets}, {"evidence", r_evidence}, {NULL, NULL}};
    struct map m = {vctx, keys, "at the top"};
    return one_pair(y, k, v, &m);
}

static int set_defaults(struct sos_am_profile *p)
{
    p->adapter = SOS_AM_LINUX;
    p->provider = SOS_AM_NATIVE;
    p->network = SOS_AM_NET_NONE;
    p->repo_access = SOS_AM_READ_WRITE;
    return (p->storage_backend = strdup("native-bind")) && (p->machine = strdup("")) &&
                   (p->control_plane = strdup("")) && (p->digest = strdup("")) &&
                   (p->user_mapping = strdup("keep-id")) &&
                   (p->repo_agent_path = strdup("/workspace")) &&
                   (p->evidence_dir = strdup("~/.local/state/sourceos/agent-machine/evidence"))
               ? 0 : -1;
}

int sos_am_profile_load(const char *path, const char *name, const char *home,
                        struct sos_am_profile *out, sos_error *err)
{
    struct ld ld = {.home = home, .p = out};
    yaml_node_t *root;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (set_defaults(out) != 0) {
        sos_fail(err, "%s: out of memory", path);
        goto done;
    }
    if (sos_yaml_load_file(&ld.y, path, err) != 0)
        goto done;
    if (!(root = sos_yaml_root(&ld.y)) || root->type != YAML_MAPPING_NODE) {
        sos_fail(err, "%s: a profile is a mapping (apiVersion, kind, name, ...)", path);
        goto done;
    }
    if (sos_yaml_for_each_pair(&ld.y, root, "at the top", r_root, &ld) != 0)
        goto done;
    if (!ld.has_api || !ld.has_kind || !ld.has_name || !ld.has_image) {
        sos_fail(err, "%s: a profile needs apiVersion: %s, kind: %s, name and "
                 "container.image", path, SOS_AM_API_VERSION, SOS_AM_KIND);
        goto done;
    }
    if (name && strcmp(name, out->name) != 0) {
        sos_fail(err, "%s: declares name '%s', but the file is for profile '%s'", path,
                 out->name, name);
        goto done;
    }
    if (out->provider != SOS_AM_NATIVE && !*out->machine) {
        sos_fail(err, "%s: vm.provider %s needs vm.machine (the Podman machine's name)",
                 path, provider_names[out->provider]);
        goto done;
    }
    rc = 0;
done:
    sos_yaml_free(&ld.y);
    if (rc != 0)
        sos_am_profile_free(out);
    return rc;
}

void sos_am_profile_free(struct sos_am_profile *p)
{
    free(p->name);
    free(p->storage_backend);
    free(p->machine);
    free(p->control_plane);
    free(p->image);
    free(p->digest);
    sos_strings_free(&p->pass_env);
    free(p->user_mapping);
    sos_strings_free(&p->allowed_roots);
    free(p->repo_agent_path);
    for (size_t i = 0; i < p->n_tools; i++) {
        free(p->tools[i].name);
        sos_strings_free(&p->tools[i].command);
        sos_strings_free(&p->tools[i].version_command);
    }
    free(p->tools);
    for (size_t i = 0; i < p->n_mounts; i++) {
        free(p->mounts[i].id);
        free(p->mounts[i].path_class);
        free(p->mounts[i].host_path);
        free(p->mounts[i].agent_path);
    }
    free(p->mounts);
    sos_strings_free(&p->denied);
    for (size_t i = 0; i < p->n_secrets; i++) {
        free(p->secrets[i].name);
        free(p->secrets[i].ref);
    }
    free(p->secrets);
    free(p->evidence_dir);
    memset(p, 0, sizeof *p);
}

/* ---- The policy hash ------------------------------------------------------ */

json_t *sos_am_mounts_json(const struct sos_am_profile *p)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < p->n_mounts; i++) {
        const struct sos_am_mount *m = &p->mounts[i];
        if (json_array_append_new(
                a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "mountId", m->id,
                             "pathClass", m->path_class, "hostPath", m->host_path,
                             "agentPath", m->agent_path, "accessMode",
                             access_names[m->access], "createIfMissing",
                             m->create_if_missing, "secretsProhibited",
                             m->secrets_prohibited, "directExecutionAllowed",
                             m->direct_execution_allowed)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

json_t *sos_am_denied_json(const struct sos_am_profile *p)
{
    json_t *denied = json_array();
    for (size_t i = 0; denied && sos_mount_denied_builtin[i]; i++)
        json_array_append_new(denied, json_string(sos_mount_denied_builtin[i]));
    for (size_t i = 0; denied && i < p->denied.n; i++)
        json_array_append_new(denied, json_string(p->denied.v[i]));
    return denied;
}

/* Jansson writes \u00E9 where Python writes \u00e9: the hex made lower
 * case, escape by escape, so both tools hash the same bytes. */
static void lower_unicode_escapes(char *t)
{
    for (size_t i = 0; t && t[i]; i++) {
        if (t[i] != '\\' || !t[i + 1])
            continue;
        if (t[i + 1] == 'u')
            for (size_t k = i + 2; k < i + 6 && t[k]; k++)
                if (t[k] >= 'A' && t[k] <= 'F')
                    t[k] = (char)(t[k] - 'A' + 'a');
        i++; /* past the escaped character: "\\u" is a backslash, then u */
    }
}

int sos_am_policy_hash(const struct sos_am_profile *p, char *out, size_t size)
{
    json_t *doc;
    char *text, hex[65];
    struct sos_sha256 h;
    doc = json_pack("{s:o, s:o}", "mounts", sos_am_mounts_json(p), "deniedPatterns",
                    sos_am_denied_json(p));
    /* Python's json.dumps(sort_keys=True, separators=(",", ":")), which
     * escapes every non-ASCII character, as devtools hashes it */
    text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
    json_decref(doc);
    lower_unicode_escapes(text);
    if (!text || size < 72) {
        free(text);
        return -1;
    }
    sos_sha256_init(&h);
    sos_sha256_update(&h, text, strlen(text));
    sos_sha256_hex(&h, hex);
    free(text);
    snprintf(out, size, "sha256:%s", hex);
    return 0;
}

#include "config.h"

#include "agent_model.h"
#include "capabilities.h"
#include "yaml.h"

#include <ctype.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * agents.d/NAME.yaml -> struct sos_agent_model. One pass over the document:
 * each mapping has a table of its keys, each key a reader that validates
 * and stores its value; then the defaults fill what was not given, then the
 * rules that span keys (image for podman, command for native, capabilities
 * for system scope). schemas/agent.schema.json says the same; tests/cli/
 * agent-model.sh runs both over the same good and bad files.
 */

#define MAX_NAME_LEN 64
#define MAX_LABEL_LEN 128
#define MAX_WORD_LEN 512
#define MAX_PATH_LEN 1024
#define MAX_LIST 256
#define MAX_RESTARTS 100
#define MAX_TIMEOUT 3600

struct ld {
    struct sos_yaml y;
    const char *name;
    const struct sos_agent_model_opts *opts;
    struct sos_agent_model *m;
    /* what was given, so defaults and cross-key rules know */
    int has_container_name, has_authfile, has_scope, has_name;
    const yaml_node_t *user_at, *capabilities_at, *command_at, *account_at;
    enum sos_agent_scope user_scope; /* what the deprecated `user` said */
    char *log_dir; /* deprecated log_dir */
};

static int fail_at(struct ld *ld, const yaml_node_t *n, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct ld *ld, const yaml_node_t *n, const char *format, ...)
{
    va_list ap;
    int rc;
    va_start(ap, format);
    rc = sos_yaml_vfail_at(&ld->y, n, format, ap);
    va_end(ap);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Spellings                                                            */

static const char *const scope_names[] = {"user", "system", NULL};
static const char *const runtime_names[] = {"podman", "native", "nix-app", "systemd", NULL};
static const char *const backend_names[] = {"auto", "launchd", "systemd", NULL};
static const char *const auth_names[] = {"empty-authfile", "service-account", "none",
                                         "forbidden-ambient", NULL};
static const char *const pull_names[] = {"never", "explicit", "always", NULL};
static const char *const restart_names[] = {"manual", "bounded", "supervised", NULL};
static const char *const mount_mode_names[] = {"ro", "rw", NULL};

const char *sos_agent_scope_name(enum sos_agent_scope s) { return scope_names[s]; }
const char *sos_agent_runtime_name(enum sos_agent_runtime r) { return runtime_names[r]; }
const char *sos_agent_backend_name(enum sos_agent_backend b) { return backend_names[b]; }
const char *sos_auth_mode_name(enum sos_auth_mode m) { return auth_names[m]; }
const char *sos_pull_policy_name(enum sos_pull_policy p) { return pull_names[p]; }
const char *sos_restart_policy_name(enum sos_restart_policy r) { return restart_names[r]; }

/* ------------------------------------------------------------------ */
/* Value rules                                                          */

static int is_name(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > MAX_NAME_LEN || s[0] == '-')
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
            return 0;
    return 1;
}

/* ^[A-Za-z0-9._-]+$, and not "." or "..": it becomes LABEL.plist. */
static int is_label(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > MAX_LABEL_LEN || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789._-") == len;
}

/* podman's container names: ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$ */
static int is_container_name(const char *s)
{
    size_t len = strlen(s);
    return len > 0 && len <= MAX_LABEL_LEN && isalnum((unsigned char)s[0]) &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789_.-") == len;
}

/* An image reference as one word: what a reference may hold (registry,
 * path, tag, digest), nothing a shell or an argv could split or expand. */
static int is_image(const char *s)
{
    size_t len = strlen(s);
    return len > 0 && len <= MAX_WORD_LEN && isalnum((unsigned char)s[0]) &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789._/:@-") == len;
}

/* A podman connection name, or a capability: one word of a small set. */
static int is_word(const char *s, const char *set, size_t max)
{
    size_t len = strlen(s);
    return len > 0 && len <= max && s[0] != '-' && strspn(s, set) == len;
}

static int has_line_break(const char *s)
{
    return strchr(s, '\n') || strchr(s, '\r');
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* Whether PATH has a ".." segment. */
static int has_dotdot(const char *path)
{
    for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2)
        if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
            return 1;
    return 0;
}

/* Absolute, no "..", no control character, no ':' or ',' (they split
 * podman's -v and --mount words): a path a mount or a file may name. */
static const char *path_problem(const char *path)
{
    if (path[0] != '/')
        return "must be an absolute path";
    if (strlen(path) > MAX_PATH_LEN)
        return "is too long";
    if (has_control(path))
        return "holds a newline or another control character";
    if (has_dotdot(path))
        return "must not contain a '..' segment";
    return NULL;
}

int sos_agent_path_is_home(const char *path, const char *home)
{
    static const char *const parents[] = {"/Users/", "/home/", "/var/home/", NULL};
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--; /* "/home/alice/" is "/home/alice" */
    if (len == 1 && path[0] == '/')
        return 1; /* the root holds every home */
    if (len == 5 && strncmp(path, "/root", 5) == 0)
        return 1;
    if (home && home[0]) {
        size_t h = strlen(home);
        while (h > 1 && home[h - 1] == '/')
            h--;
        if (len == h && strncmp(path, home, h) == 0)
            return 1;
    }
    for (size_t i = 0; parents[i]; i++) {
        size_t p = strlen(parents[i]);
        if (len > p && strncmp(path, parents[i], p) == 0 && !memchr(path + p, '/', len - p))
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Scalars                                                              */

static int read_string(struct ld *ld, const yaml_node_t *n, const char *key, char **dst)
{
    char what[80];
    char *s;
    snprintf(what, sizeof what, "'%s'", key);
    if (!(s = sos_yaml_string(&ld->y, n, what)))
        return -1;
    free(*dst);
    *dst = s;
    return 0;
}

/* A string with no control character (owner, description, health). */
static int read_text(struct ld *ld, const yaml_node_t *n, const char *key, char **dst)
{
    if (read_string(ld, n, key, dst) != 0)
        return -1;
    if (has_control(*dst))
        return fail_at(ld, n, "'%s' holds a newline or another control character", key);
    return 0;
}

static int read_enum(struct ld *ld, const yaml_node_t *n, const char *key,
                     const char *const *names, int *dst)
{
    return sos_yaml_enum(&ld->y, n, key, names, dst);
}

static int read_bool(struct ld *ld, const yaml_node_t *n, const char *key, int *dst)
{
    return sos_yaml_bool(&ld->y, n, key, dst);
}

static int read_uint(struct ld *ld, const yaml_node_t *n, const char *key, unsigned lo,
                     unsigned hi, unsigned *dst)
{
    const char *s = n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
    size_t len = strlen(s);
    unsigned long v;
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
        len == 0 || len > 6 || strspn(s, "0123456789") != len || (len > 1 && s[0] == '0'))
        return fail_at(ld, n, "'%s' must be a whole number, not %s", key, sos_yaml_kind(n));
    v = strtoul(s, NULL, 10);
    if (v < lo || v > hi)
        return fail_at(ld, n, "'%s' is %lu; it must be %u to %u", key, v, lo, hi);
    *dst = (unsigned)v;
    return 0;
}

/* A path in the agent user's home may be written "~/...". */
static int read_path(struct ld *ld, const yaml_node_t *n, const char *key, char **dst)
{
    const char *why;
    if (read_string(ld, n, key, dst) != 0)
        return -1;
    if (strncmp(*dst, "~/", 2) == 0) {
        char *full = NULL;
        if (asprintf(&full, "%s%s", ld->opts->home, *dst + 1) < 0)
            return sos_yaml_fail_oom(&ld->y);
        free(*dst);
        *dst = full;
    }
    if ((why = path_problem(*dst)) != NULL)
        return fail_at(ld, n, "'%s' %s", key, why);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Lists                                                                */

void sos_strings_free(struct sos_agent_strings *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->n = 0;
    l->v = NULL;
}

int sos_strings_push(struct sos_agent_strings *l, char *s)
{
    char **grown = s ? realloc(l->v, (l->n + 2) * sizeof *grown) : NULL;
    if (!grown) {
        free(s);
        return -1;
    }
    l->v = grown;
    l->v[l->n++] = s;
    l->v[l->n] = NULL;
    return 0;
}

typedef int (*item_rule)(struct ld *ld, const yaml_node_t *n, const char *key,
                         size_t i, const char *s);

/* A list of strings, each passing RULE; a scalar is refused ("must be a
 * list"), so `env: A=1` cannot be half-meant. */
static int read_list(struct ld *ld, yaml_node_t *n, const char *key, item_rule rule,
                     struct sos_agent_strings *dst)
{
    sos_strings_free(dst);
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_at(ld, n, "'%s' must be a list, not %s", key, sos_yaml_kind(n));
    for (yaml_node_item_t *it = n->data.sequence.items.start;
         it < n->data.sequence.items.top; it++) {
        size_t i = (size_t)(it - n->data.sequence.items.start);
        yaml_node_t *item = sos_yaml_node(&ld->y, *it);
        char what[80];
        char *s;
        if (!item)
            return sos_yaml_fail_malformed(&ld->y);
        if (i >= MAX_LIST)
            return fail_at(ld, item, "'%s' has more than %d entries", key, MAX_LIST);
        snprintf(what, sizeof what, "entry %zu of '%s'", i + 1, key);
        if (!(s = sos_yaml_string(&ld->y, item, what)))
            return -1;
        if (rule && rule(ld, item, key, i, s) != 0) {
            free(s);
            return -1;
        }
        if (sos_strings_push(dst, s) != 0)
            return sos_yaml_fail_oom(&ld->y);
    }
    return 0;
}

/* An argv word: anything but a control character (newlines, NUL), and not
 * empty. */
static int word_rule(struct ld *ld, const yaml_node_t *n, const char *key, size_t i,
                     const char *s)
{
    if (s[0] == '\0')
        return fail_at(ld, n, "entry %zu of '%s' is empty", i + 1, key);
    if (has_control(s))
        return fail_at(ld, n, "entry %zu of '%s' holds a newline or another control "
                              "character", i + 1, key);
    return 0;
}

/* KEY=VALUE, KEY ^[A-Za-z_][A-Za-z0-9_]*$, VALUE without a line break. */
static int env_rule(struct ld *ld, const yaml_node_t *n, const char *key, size_t i,
                    const char *s)
{
    const char *eq = strchr(s, '=');
    int ok = eq && eq > s && !isdigit((unsigned char)s[0]);
    for (const char *c = s; ok && c < eq; c++)
        ok = isalnum((unsigned char)*c) || *c == '_';
    if (!ok)
        return fail_at(ld, n, "env entry %zu is not KEY=VALUE (KEY: letters, digits "
                              "and '_', not starting with a digit)", i + 1);
    if (has_line_break(eq + 1))
        return fail_at(ld, n, "env entry %zu holds a line break in its value", i + 1);
    (void)key;
    return 0;
}

static int capability_rule(struct ld *ld, const yaml_node_t *n, const char *key,
                           size_t i, const char *s)
{
    char cap[64];
    if (sos_cap_normalize(s, cap, sizeof cap) != 0)
        return fail_at(ld, n, "entry %zu of '%s' is not a Linux capability (like "
                              "cap_net_bind_service)", i + 1, key);
    return 0;
}

/* Each declared capability in its one spelling, CAP_NAME. */
static int normalize_capabilities(struct sos_agent_model *m)
{
    for (size_t i = 0; i < m->capabilities.n; i++) {
        char cap[64], *copy;
        if (sos_cap_normalize(m->capabilities.v[i], cap, sizeof cap) != 0 ||
            !(copy = strdup(cap)))
            return -1;
        free(m->capabilities.v[i]);
        m->capabilities.v[i] = copy;
    }
    return 0;
}

/* `command` as a list (argv), or one line of plain words: anything a
 * shell would read differently is refused there, so that one word is one
 * argument. */
static int read_command(struct ld *ld, yaml_node_t *n, const char *key,
                        struct sos_agent_strings *dst)
{
    char *line = NULL;
    if (n->type == YAML_SEQUENCE_NODE)
        return read_list(ld, n, key, word_rule, dst);
    if (read_string(ld, n, key, &line) != 0)
        return -1;
    sos_strings_free(dst);
    if (strpbrk(line, "\"'\\$`;&|<>(){}*?[]~#") || has_control(line)) {
        free(line);
        return fail_at(ld, n, "'%s' as one line may hold only plain words: give it as "
                              "a list ([PROGRAM, ARG, ...])", key);
    }
    for (char *save = NULL, *w = strtok_r(line, " ", &save); w;
         w = strtok_r(NULL, " ", &save))
        if (sos_strings_push(dst, strdup(w)) != 0) {
            free(line);
            return sos_yaml_fail_oom(&ld->y);
        }
    free(line);
    if (dst->n == 0)
        return fail_at(ld, n, "'%s' is empty", key);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Mappings                                                             */

struct key_reader {
    const char *key;
    int (*read)(struct ld *ld, yaml_node_t *key, yaml_node_t *value);
};

struct map_ctx {
    struct ld *ld;
    const struct key_reader *keys;
    const char *where; /* "", "in 'auth'" */
};

static int read_pair(struct sos_yaml *y, yaml_node_t *key, yaml_node_t *value, void *vctx)
{
    struct map_ctx *c = vctx;
    char list[600];
    (void)y;
    for (const struct key_reader *k = c->keys; k->key; k++)
        if (sos_yaml_scalar_is(key, k->key))
            return k->read(c->ld, key, value);
    list[0] = '\0';
    for (const struct key_reader *k = c->keys; k->key; k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 k == c->keys ? "" : ", ", k->key);
    {
        char shown[SOS_YAML_SHOWN_MAX + 4];
        sos_yaml_shown(shown, sizeof shown, (const char *)key->data.scalar.value,
                       key->data.scalar.length);
        return fail_at(c->ld, key, "unknown key '%s'%s%s (expected: %s)", shown,
                       c->where[0] ? " " : "", c->where, list);
    }
}

static int read_map(struct ld *ld, yaml_node_t *n, const char *name,
                    const struct key_reader *keys)
{
    char where[80];
    struct map_ctx c = {ld, keys, where};
    if (n->type != YAML_MAPPING_NODE)
        return fail_at(ld, n, "'%s' must be a mapping, not %s", name, sos_yaml_kind(n));
    snprintf(where, sizeof where, "in '%s'", name);
    return sos_yaml_for_each_pair(&ld->y, n, where, read_pair, &c);
}

/* One reader per key: small, so each says its own rule. */
#define M (ld->m)

static int r_name(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    char *s = NULL;
    (void)k;
    if (read_string(ld, v, "name", &s) != 0)
        return -1;
    if (strcmp(s, ld->name) != 0) {
        char shown[SOS_YAML_SHOWN_MAX + 4];
        sos_yaml_shown(shown, sizeof shown, s, strlen(s));
        free(s);
        return fail_at(ld, v, "declares name '%s', but the file is for agent '%s'", shown,
                       ld->name);
    }
    free(s);
    ld->has_name = 1;
    return 0;
}

static int r_enable(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_bool(ld, v, "enable", &M->enable);
}

static int r_description(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_text(ld, v, "description", &M->description);
}

static int r_scope(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    (void)k;
    if (read_enum(ld, v, "scope", scope_names, &i) != 0)
        return -1;
    M->scope = (enum sos_agent_scope)i;
    ld->has_scope = 1;
    return 0;
}

static int r_runtime(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    (void)k;
    if (read_enum(ld, v, "runtime", runtime_names, &i) != 0)
        return -1;
    M->runtime = (enum sos_agent_runtime)i;
    return 0;
}

static int r_backend(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    (void)k;
    if (read_enum(ld, v, "backend", backend_names, &i) != 0)
        return -1;
    M->backend = (enum sos_agent_backend)i;
    return 0;
}

static int r_command(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    ld->command_at = v;
    return read_command(ld, v, "command", &M->command);
}

static int r_image(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    if (v->type == YAML_SEQUENCE_NODE)
        return fail_at(ld, k, "'image' must be one value, not a list");
    if (read_string(ld, v, "image", &M->image) != 0)
        return -1;
    if (!is_image(M->image))
        return fail_at(ld, v, "'image' must be one image reference (letters, digits and "
                              "._/:@-, starting with a letter or digit)");
    return 0;
}

static int container_name(struct ld *ld, yaml_node_t *v, const char *key)
{
    if (ld->has_container_name)
        return fail_at(ld, v, "'%s': the container's name is given twice (containerName "
                              "and the deprecated container)", key);
    ld->has_container_name = 1;
    if (read_string(ld, v, key, &M->container_name) != 0)
        return -1;
    if (!is_container_name(M->container_name))
        return fail_at(ld, v, "'%s' is not a container name (^[a-zA-Z0-9][a-zA-Z0-9_.-]*$)",
                       key);
    return 0;
}

static int r_container_name(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return container_name(ld, v, "containerName");
}

static int r_label(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    if (read_string(ld, v, "label", &M->label) != 0)
        return -1;
    if (!is_label(M->label))
        return fail_at(ld, v, "'label' must match ^[A-Za-z0-9._-]+$ (at most %d, not . "
                              "or ..)", MAX_LABEL_LEN);
    return 0;
}

static int r_env(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    if (v->type != YAML_SEQUENCE_NODE)
        return fail_at(ld, v, "'env' must be a list of KEY=VALUE (env: [KEY=VALUE, ...]), "
                              "not one value");
    return read_list(ld, v, "env", env_rule, &M->env);
}

static int r_args(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_list(ld, v, "args", word_rule, &M->args);
}

/* An account name as useradd takes it, written bare into UserName= and
 * User=. */
static int r_account(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    ld->account_at = k;
    if (read_string(ld, v, "account", &M->account) != 0)
        return -1;
    if (!is_word(M->account, "abcdefghijklmnopqrstuvwxyz0123456789_-", 32) ||
        (M->account[0] >= '0' && M->account[0] <= '9'))
        return fail_at(ld, v, "'account' must be an account name ([a-z_][a-z0-9_-]*, at "
                              "most 32 characters)");
    return 0;
}

static int r_capabilities(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    ld->capabilities_at = k;
    return read_list(ld, v, "capabilities", capability_rule, &M->capabilities);
}

/* owner{project, component, contact} */
static int r_owner_project(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_text(ld, v, "project", &M->owner.project);
}
static int r_owner_component(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_text(ld, v, "component", &M->owner.component);
}
static int r_owner_contact(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_text(ld, v, "contact", &M->owner.contact);
}
static const struct key_reader owner_keys[] = {
    {"project", r_owner_project}, {"component", r_owner_component},
    {"contact", r_owner_contact}, {NULL, NULL},
};
static int r_owner(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_map(ld, v, "owner", owner_keys);
}

/* auth{mode, authfile, allowAmbientDockerConfig, allowInteractiveCredentialHelper} */
static int r_auth_mode(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    (void)k;
    if (read_enum(ld, v, "mode", auth_names, &i) != 0)
        return -1;
    M->auth.mode = (enum sos_auth_mode)i;
    return 0;
}
static int authfile(struct ld *ld, yaml_node_t *v, const char *key)
{
    if (ld->has_authfile)
        return fail_at(ld, v, "'%s': the auth file is given twice (auth.authfile and the "
                              "deprecated authfile)", key);
    ld->has_authfile = 1;
    return read_path(ld, v, key, &M->auth.authfile);
}
static int r_auth_authfile(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return authfile(ld, v, "authfile");
}
static int r_auth_ambient(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_bool(ld, v, "allowAmbientDockerConfig", &M->auth.allow_ambient_docker_config);
}
static int r_auth_interactive(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_bool(ld, v, "allowInteractiveCredentialHelper",
                     &M->auth.allow_interactive_credential_helper);
}
static const struct key_reader auth_keys[] = {
    {"mode", r_auth_mode},
    {"authfile", r_auth_authfile},
    {"allowAmbientDockerConfig", r_auth_ambient},
    {"allowInteractiveCredentialHelper", r_auth_interactive},
    {NULL, NULL},
};

static int warn_deprecated(struct ld *ld, const yaml_node_t *k, const char *old,
                           const char *instead)
{
    char *w = NULL;
    if (asprintf(&w, "%s:%d:%d: '%s' is deprecated (still read in this release): %s",
                 ld->y.name, sos_yaml_line(k), sos_yaml_column(k), old, instead) < 0 ||
        sos_strings_push(&M->warnings, w) != 0)
        return sos_yaml_fail_oom(&ld->y);
    return 0;
}

/* `auth` is the spec's mapping; the flat `auth: empty-authfile|host` of
 * before still reads, deprecated ("host": the host's credentials, i.e. mode
 * none with the ambient configuration allowed). */
static int r_auth(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    static const char *const old_names[] = {"empty-authfile", "host", NULL};
    int i;
    if (v->type == YAML_MAPPING_NODE)
        return read_map(ld, v, "auth", auth_keys);
    if (v->type != YAML_SCALAR_NODE || sos_yaml_is_null(v))
        return fail_at(ld, v, "'auth' must be a mapping, not %s", sos_yaml_kind(v));
    if (read_enum(ld, v, "auth", old_names, &i) != 0)
        return -1;
    M->auth.mode = i == 0 ? SOS_AUTH_EMPTY_AUTHFILE : SOS_AUTH_NONE;
    M->auth.allow_ambient_docker_config = i == 1;
    return warn_deprecated(ld, k, "auth as a string",
                           i == 0 ? "use the auth mapping, with mode empty-authfile"
                                  : "use the auth mapping, with mode none and "
                                    "allowAmbientDockerConfig true");
}

/* podman{connection, pull, requireMachine, requireLocalImage, rootless} */
static int r_podman_connection(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    if (read_string(ld, v, "connection", &M->podman.connection) != 0)
        return -1;
    if (!is_container_name(M->podman.connection))
        return fail_at(ld, v, "'connection' is not a podman connection name "
                              "(^[a-zA-Z0-9][a-zA-Z0-9_.-]*$)");
    return 0;
}
static int r_podman_pull(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    (void)k;
    if (read_enum(ld, v, "pull", pull_names, &i) != 0)
        return -1;
    M->podman.pull = (enum sos_pull_policy)i;
    return 0;
}
static int r_podman_machine(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_bool(ld, v, "requireMachine", &M->podman.require_machine);
}
static int r_podman_local(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_bool(ld, v, "requireLocalImage", &M->podman.require_local_image);
}
static int r_podman_rootless(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_bool(ld, v, "rootless", &M->podman.rootless);
}
static const struct key_reader podman_keys[] = {
    {"connection", r_podman_connection}, {"pull", r_podman_pull},
    {"requireMachine", r_podman_machine}, {"requireLocalImage", r_podman_local},
    {"rootless", r_podman_rootless},      {NULL, NULL},
};
static int r_podman(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_map(ld, v, "podman", podman_keys);
}

/* lifecycle{runAtLoad, keepAlive, restart, maxRestartsPerHour, ...Seconds} */
static int r_life_load(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_bool(ld, v, "runAtLoad", &M->lifecycle.run_at_load);
}
static int r_life_alive(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_bool(ld, v, "keepAlive", &M->lifecycle.keep_alive);
}
static int r_life_restart(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    int i;
    (void)k;
    if (read_enum(ld, v, "restart", restart_names, &i) != 0)
        return -1;
    M->lifecycle.restart = (enum sos_restart_policy)i;
    return 0;
}
static int r_life_max(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_uint(ld, v, "maxRestartsPerHour", 1, MAX_RESTARTS,
                     &M->lifecycle.max_restarts_per_hour);
}
static int r_life_start(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_uint(ld, v, "startupTimeoutSeconds", 1, MAX_TIMEOUT,
                     &M->lifecycle.startup_timeout_seconds);
}
static int r_life_stop(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_uint(ld, v, "shutdownTimeoutSeconds", 1, MAX_TIMEOUT,
                     &M->lifecycle.shutdown_timeout_seconds);
}
static const struct key_reader lifecycle_keys[] = {
    {"runAtLoad", r_life_load},
    {"keepAlive", r_life_alive},
    {"restart", r_life_restart},
    {"maxRestartsPerHour", r_life_max},
    {"startupTimeoutSeconds", r_life_start},
    {"shutdownTimeoutSeconds", r_life_stop},
    {NULL, NULL},
};
static int r_lifecycle(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_map(ld, v, "lifecycle", lifecycle_keys);
}

/* logs{app, stdout, stderr}: never under /tmp or /var/tmp (the incident's
 * logs went there, where anyone may plant or remove them). */
static int log_path(struct ld *ld, yaml_node_t *v, const char *key, char **dst)
{
    if (read_path(ld, v, key, dst) != 0)
        return -1;
    /* As written: "~/..." is the user's home wherever that is. */
    if (v->type == YAML_SCALAR_NODE &&
        (strncmp((const char *)v->data.scalar.value, "/tmp/", 5) == 0 ||
         strncmp((const char *)v->data.scalar.value, "/var/tmp/", 9) == 0 ||
         strncmp((const char *)v->data.scalar.value, "/private/tmp/", 13) == 0))
        return fail_at(ld, v, "'%s' is under a temporary directory: logs go in the "
                              "user's log directory", key);
    return 0;
}
static int r_logs_app(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return log_path(ld, v, "app", &M->logs.app);
}
static int r_logs_out(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return log_path(ld, v, "stdout", &M->logs.stdout_path);
}
static int r_logs_err(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return log_path(ld, v, "stderr", &M->logs.stderr_path);
}
static const struct key_reader logs_keys[] = {
    {"app", r_logs_app}, {"stdout", r_logs_out}, {"stderr", r_logs_err}, {NULL, NULL},
};
static int r_logs(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_map(ld, v, "logs", logs_keys);
}

/* health{type, expected, command} */
static int health_word(struct ld *ld, yaml_node_t *v, const char *key, char **dst)
{
    if (read_string(ld, v, key, dst) != 0)
        return -1;
    if (!is_word(*dst, "abcdefghijklmnopqrstuvwxyz0123456789-", 64))
        return fail_at(ld, v, "'%s' must be a word of lower-case letters, digits and '-'",
                       key);
    return 0;
}
static int r_health_type(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return health_word(ld, v, "type", &M->health.type);
}
static int r_health_expected(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return health_word(ld, v, "expected", &M->health.expected);
}
static int r_health_command(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_command(ld, v, "command", &M->health.command);
}
static const struct key_reader health_keys[] = {
    {"type", r_health_type},
    {"expected", r_health_expected},
    {"command", r_health_command},
    {NULL, NULL},
};
static int r_health(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_map(ld, v, "health", health_keys);
}

/* quarantine{capture...}: what a quarantine bundle takes. */
#define CAPTURE(fn, key, field)                                                     \
    static int fn(struct ld *ld, yaml_node_t *k, yaml_node_t *v)                    \
    {                                                                               \
        (void)k;                                                                    \
        return read_bool(ld, v, key, &M->quarantine.field);                         \
    }
CAPTURE(r_q_def, "captureServiceDefinition", service_definition)
CAPTURE(r_q_logs, "captureLogs", logs)
CAPTURE(r_q_state, "captureRuntimeState", runtime_state)
CAPTURE(r_q_image, "captureImageMetadata", image_metadata)
CAPTURE(r_q_auth, "captureRedactedAuthConfig", redacted_auth_config)
static const struct key_reader quarantine_keys[] = {
    {"captureServiceDefinition", r_q_def},   {"captureLogs", r_q_logs},
    {"captureRuntimeState", r_q_state},      {"captureImageMetadata", r_q_image},
    {"captureRedactedAuthConfig", r_q_auth}, {NULL, NULL},
};
static int r_quarantine(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    (void)k;
    return read_map(ld, v, "quarantine", quarantine_keys);
}

/* mounts: [{host, container, mode}] */
struct mount_ctx {
    struct ld *ld;
    struct sos_agent_mount *mt;
    const yaml_node_t *host_at;
};

static int mount_path(struct ld *ld, yaml_node_t *v, const char *key, char **dst)
{
    const char *why;
    if (read_string(ld, v, key, dst) != 0)
        return -1;
    if ((why = path_problem(*dst)) != NULL)
        return fail_at(ld, v, "mount '%s' %s", key, why);
    if (strpbrk(*dst, ":,"))
        return fail_at(ld, v, "mount '%s' must not hold ':' or ',' (they split podman's "
                              "mount option)", key);
    return 0;
}

static int read_mount_pair(struct sos_yaml *y, yaml_node_t *key, yaml_node_t *value,
                           void *vctx)
{
    struct mount_ctx *c = vctx;
    (void)y;
    if (sos_yaml_scalar_is(key, "host")) {
        c->host_at = value;
        if (mount_path(c->ld, value, "host", &c->mt->host) != 0)
            return -1;
        if (sos_agent_path_is_home(c->mt->host, c->ld->opts->home))
            return fail_at(c->ld, value, "mount 'host' is a whole home directory (or /): "
                                         "mount the one directory the agent needs");
        return 0;
    }
    if (sos_yaml_scalar_is(key, "container"))
        return mount_path(c->ld, value, "container", &c->mt->container);
    if (sos_yaml_scalar_is(key, "mode")) {
        int i;
        if (read_enum(c->ld, value, "mode", mount_mode_names, &i) != 0)
            return -1;
        c->mt->mode = (enum sos_mount_mode)i;
        return 0;
    }
    return fail_at(c->ld, key, "unknown key in a mount (expected: host, container, mode)");
}

static int r_mounts(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    size_t n;
    (void)k;
    if (v->type != YAML_SEQUENCE_NODE)
        return fail_at(ld, v, "'mounts' must be a list of {host, container, mode}, not %s",
                       sos_yaml_kind(v));
    n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n > MAX_LIST)
        return fail_at(ld, v, "'mounts' has more than %d entries", MAX_LIST);
    M->mounts = calloc(n + 1, sizeof *M->mounts);
    if (!M->mounts)
        return sos_yaml_fail_oom(&ld->y);
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = sos_yaml_node(&ld->y, v->data.sequence.items.start[i]);
        struct mount_ctx c = {ld, &M->mounts[i], NULL};
        M->n_mounts = i + 1;
        if (!item)
            return sos_yaml_fail_malformed(&ld->y);
        if (item->type != YAML_MAPPING_NODE)
            return fail_at(ld, item, "mount %zu must be a mapping {host, container, mode}, "
                                     "not %s", i + 1, sos_yaml_kind(item));
        if (sos_yaml_for_each_pair(&ld->y, item, "in a mount", read_mount_pair, &c) != 0)
            return -1;
        if (!c.mt->host || !c.mt->container)
            return fail_at(ld, item, "mount %zu needs both 'host' and 'container'", i + 1);
    }
    return 0;
}

/* The flat keys of before, read for one release with a warning each. */
static int r_old_container(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    if (container_name(ld, v, "container") != 0)
        return -1;
    return warn_deprecated(ld, k, "container", "use containerName");
}

static int r_old_authfile(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    if (authfile(ld, v, "authfile") != 0)
        return -1;
    return warn_deprecated(ld, k, "authfile", "use authfile inside the auth mapping");
}

static int r_old_log_dir(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    if (read_path(ld, v, "log_dir", &ld->log_dir) != 0)
        return -1;
    return warn_deprecated(ld, k, "log_dir", "use logs: {app, stdout, stderr}");
}

static int r_old_plist(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    if (read_path(ld, v, "plist", &M->service.plist) != 0)
        return -1;
    M->service.adopted |= SOS_ADOPTED_PLIST;
    return warn_deprecated(ld, k, "plist", "the plist's place follows from scope and "
                                           "label; drop it once the agent is installed "
                                           "by sourceos-agent");
}

/* A unit may be a path or a unit name (systemctl finds it). */
static int r_old_unit(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    if (read_string(ld, v, "unit", &M->service.unit) != 0)
        return -1;
    if (M->service.unit[0] != '/' &&
        !is_word(M->service.unit, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789._@-", MAX_LABEL_LEN))
        return fail_at(ld, v, "'unit' must be an absolute path or a unit name");
    if (M->service.unit[0] == '/' && path_problem(M->service.unit))
        return fail_at(ld, v, "'unit' %s", path_problem(M->service.unit));
    M->service.adopted |= SOS_ADOPTED_UNIT;
    return warn_deprecated(ld, k, "unit", "the unit's place follows from scope and name; "
                                          "drop it once the agent is installed by "
                                          "sourceos-agent");
}

/* `user: "true"` was a systemctl --user unit: scope user; "false" system. */
static int r_old_user(struct ld *ld, yaml_node_t *k, yaml_node_t *v)
{
    static const char *const old_names[] = {"true", "false", NULL};
    int i;
    if (v->type == YAML_SCALAR_NODE && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
        (sos_yaml_scalar_is(v, "true") || sos_yaml_scalar_is(v, "false")))
        i = sos_yaml_scalar_is(v, "true") ? 0 : 1;
    else if (read_enum(ld, v, "user", old_names, &i) != 0)
        return -1;
    ld->user_at = v;
    ld->user_scope = i == 0 ? SOS_SCOPE_USER : SOS_SCOPE_SYSTEM;
    return warn_deprecated(ld, k, "user", i == 0 ? "use scope: user" : "use scope: system");
}

#undef M

static const struct key_reader top_keys[] = {
    {"name", r_name},
    {"enable", r_enable},
    {"description", r_description},
    {"scope", r_scope},
    {"runtime", r_runtime},
    {"command", r_command},
    {"image", r_image},
    {"containerName", r_container_name},
    {"owner", r_owner},
    {"auth", r_auth},
    {"podman", r_podman},
    {"lifecycle", r_lifecycle},
    {"logs", r_logs},
    {"health", r_health},
    {"quarantine", r_quarantine},
    {"backend", r_backend},
    {"label", r_label},
    {"env", r_env},
    {"mounts", r_mounts},
    {"args", r_args},
    {"capabilities", r_capabilities},
    {"account", r_account},
    /* deprecated, read for one release */
    {"container", r_old_container},
    {"authfile", r_old_authfile},
    {"log_dir", r_old_log_dir},
    {"plist", r_old_plist},
    {"unit", r_old_unit},
    {"user", r_old_user},
    {NULL, NULL},
};

/* ------------------------------------------------------------------ */
/* Defaults                                                             */

static void set_base_defaults(struct sos_agent_model *m, const struct sos_agent_model_opts *o)
{
    m->enable = 1;
    m->scope = SOS_SCOPE_USER;
    m->runtime = SOS_RUNTIME_PODMAN;
    m->auth.mode = SOS_AUTH_EMPTY_AUTHFILE;
    m->podman.pull = SOS_PULL_NEVER;
    m->podman.require_machine = o->os == SOS_AGENT_OS_MACOS;
    m->podman.require_local_image = 1;
    m->podman.rootless = 1;
    m->lifecycle.run_at_load = 1;
    m->lifecycle.restart = SOS_RESTART_BOUNDED;
    m->lifecycle.max_restarts_per_hour = 3;
    m->lifecycle.startup_timeout_seconds = 20;
    m->lifecycle.shutdown_timeout_seconds = 10;
    m->quarantine.service_definition = m->quarantine.logs = m->quarantine.runtime_state =
        m->quarantine.image_metadata = m->quarantine.redacted_auth_config = 1;
    m->backend = SOS_BACKEND_AUTO;
}

/* *DST = the formatted string unless one is already there. */
static int fill(char **dst, const char *format, ...) __attribute__((format(printf, 2, 3)));

static int fill(char **dst, const char *format, ...)
{
    va_list ap;
    int rc;
    if (*dst)
        return 0;
    va_start(ap, format);
    rc = vasprintf(dst, format, ap);
    va_end(ap);
    if (rc < 0)
        *dst = NULL;
    return rc < 0 ? -1 : 0;
}

/* The log directory: the user's own (macOS ~/Library/Logs/SourceOS, else
 * $XDG_STATE_HOME/sourceos/logs), the system's for a system agent. */
static int log_dir(const struct ld *ld, char **dir)
{
    const struct sos_agent_model_opts *o = ld->opts;
    if (ld->log_dir)
        return (*dir = strdup(ld->log_dir)) ? 0 : -1;
    if (ld->m->scope == SOS_SCOPE_SYSTEM)
        return (*dir = strdup(o->os == SOS_AGENT_OS_MACOS ? "/Library/Logs/SourceOS"
                                                          : "/var/log/sourceos"))
                   ? 0
                   : -1;
    if (o->os == SOS_AGENT_OS_MACOS)
        return asprintf(dir, "%s/Library/Logs/SourceOS", o->home) < 0 ? -1 : 0;
    if (o->xdg_state_home && o->xdg_state_home[0] == '/')
        return asprintf(dir, "%s/sourceos/logs", o->xdg_state_home) < 0 ? -1 : 0;
    return asprintf(dir, "%s/.local/state/sourceos/logs", o->home) < 0 ? -1 : 0;
}

static int fill_defaults(struct ld *ld)
{
    struct sos_agent_model *m = ld->m;
    const char *home = ld->opts->home;
    const char *name = m->name;
    int mac = ld->opts->os == SOS_AGENT_OS_MACOS;
    char *dir = NULL;
    int rc;
    if (log_dir(ld, &dir) != 0)
        return -1;
    rc = fill(&m->container_name, "sourceos-%s", name) |
         fill(&m->label, "org.sourceos.agent.%s", name) |
         fill(&m->auth.authfile, "%s/.config/containers/sourceos-empty-auth.json", home) |
         fill(&m->logs.app, "%s/%s.log", dir, name) |
         fill(&m->logs.stdout_path, "%s/%s.%s.out.log", dir, name, mac ? "launchd" : "service") |
         fill(&m->logs.stderr_path, "%s/%s.%s.err.log", dir, name, mac ? "launchd" : "service") |
         fill(&m->health.type, "podman-container") | fill(&m->health.expected, "running") |
         fill(&m->description, "%s", "") | fill(&m->image, "%s", "") |
         fill(&m->account, "%s", "") |
         fill(&m->podman.connection, "%s", "") | fill(&m->owner.project, "%s", "") |
         fill(&m->owner.component, "%s", "") | fill(&m->owner.contact, "%s", "");
    free(dir);
    if (rc != 0)
        return -1;
    if (m->scope == SOS_SCOPE_SYSTEM)
        rc = fill(&m->service.plist, "/Library/LaunchDaemons/%s.plist", m->label) |
             fill(&m->service.unit, "/etc/systemd/system/sourceos-agent@%s.service", name);
    else
        rc = fill(&m->service.plist, "%s/Library/LaunchAgents/%s.plist", home, m->label) |
             fill(&m->service.unit, "%s/.config/systemd/user/sourceos-agent@%s.service",
                  home, name);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Rules across keys                                                    */

static int check_across(struct ld *ld, const yaml_node_t *root)
{
    struct sos_agent_model *m = ld->m;
    /* The file says whose it is: a copy renamed without editing is caught
     * by the name rule, a declaration without one would not be. */
    if (!ld->has_name)
        return fail_at(ld, root, "'name' is missing: the declaration must say name: %s",
                       ld->name);
    if (m->runtime == SOS_RUNTIME_PODMAN && m->image[0] == '\0')
        return fail_at(ld, root, "'image' is missing: a podman agent runs a local image "
                                 "(image: localhost/NAME:TAG)");
    if ((m->runtime == SOS_RUNTIME_NATIVE || m->runtime == SOS_RUNTIME_NIX_APP) &&
        m->command.n == 0)
        return fail_at(ld, root, "'command' is missing: a %s agent runs its command",
                       sos_agent_runtime_name(m->runtime));
    if (m->capabilities.n > 0 && m->scope != SOS_SCOPE_SYSTEM)
        return fail_at(ld, ld->capabilities_at, "'capabilities' are for scope system only: "
                                                "a user agent gets none");
    if (normalize_capabilities(m) != 0)
        return fail_at(ld, root, "out of memory");
    if (m->account[0] && m->scope != SOS_SCOPE_SYSTEM)
        return fail_at(ld, ld->account_at, "'account' is for scope system only: a user "
                                           "agent runs as the user whose manager runs it");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Loading                                                              */

static int parse(struct ld *ld)
{
    yaml_node_t *root = sos_yaml_root(&ld->y);
    struct map_ctx c = {ld, top_keys, ""};
    yaml_node_t empty; /* an empty file: errors point at 1:1 */
    memset(&empty, 0, sizeof empty);
    if (!root || sos_yaml_is_null(root))
        root = &empty;
    else if (root->type != YAML_MAPPING_NODE)
        return fail_at(ld, root, "an agent declaration is a mapping, not %s",
                       sos_yaml_kind(root));
    else if (sos_yaml_for_each_pair(&ld->y, root, "at the top level", read_pair, &c) != 0)
        return -1;
    /* The deprecated `user` gives the scope, unless `scope` does. */
    if (ld->user_at && ld->has_scope && ld->m->scope != ld->user_scope)
        return fail_at(ld, ld->user_at, "the deprecated 'user' contradicts 'scope'");
    if (ld->user_at)
        ld->m->scope = ld->user_scope;
    if (fill_defaults(ld) != 0)
        return sos_yaml_fail_oom(&ld->y);
    return check_across(ld, root);
}

/* After sos_yaml_load_*() returned LOADED (0 or -1, ERR set): the model
 * from the document, or OUT freed. */
static int load(struct ld *ld, const char *name, const struct sos_agent_model_opts *opts,
                struct sos_agent_model *out, int loaded)
{
    int rc = -1;
    ld->name = name;
    ld->opts = opts;
    ld->m = out;
    if (loaded == 0) {
        set_base_defaults(out, opts);
        if (!(out->name = strdup(name)) || !(out->path = strdup(ld->y.name)))
            sos_yaml_fail_oom(&ld->y);
        else
            rc = parse(ld);
    }
    free(ld->log_dir);
    sos_yaml_free(&ld->y);
    if (rc != 0) {
        sos_agent_model_free(out);
        return -1;
    }
    return 0;
}

static int check_args(const char *name, const struct sos_agent_model_opts *opts,
                      struct sos_agent_model *out, sos_error *err)
{
    memset(out, 0, sizeof *out);
    if (!name || !is_name(name))
        return sos_fail(err, "'%s' is not an agent name (lower-case letters, digits and "
                             "'-', at most %d characters)",
                        name ? name : "", MAX_NAME_LEN);
    if (!opts || !opts->home || opts->home[0] != '/')
        return sos_fail(err, "the agent's home directory must be an absolute path");
    return 0;
}

int sos_agent_model_load_file(const char *path, const char *name,
                              const struct sos_agent_model_opts *opts,
                              struct sos_agent_model *out, sos_error *err)
{
    struct ld ld = {0};
    if (check_args(name, opts, out, err) != 0)
        return -1;
    return load(&ld, name, opts, out, sos_yaml_load_file(&ld.y, path, err));
}

int sos_agent_model_load_buffer(const char *file, const char *name, const char *data,
                                size_t len, const struct sos_agent_model_opts *opts,
                                struct sos_agent_model *out, sos_error *err)
{
    struct ld ld = {0};
    if (check_args(name, opts, out, err) != 0)
        return -1;
    return load(&ld, name, opts, out, sos_yaml_load_buffer(&ld.y, file, data, len, err));
}

int sos_agent_model_opts_default(struct sos_agent_model_opts *opts, sos_error *err)
{
    const char *home = getenv("HOME");
    memset(opts, 0, sizeof *opts);
#ifdef __APPLE__
    opts->os = SOS_AGENT_OS_MACOS;
#else
    opts->os = SOS_AGENT_OS_LINUX;
#endif
    if (!home || home[0] != '/') {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home || home[0] != '/')
        return sos_fail(err, "no home directory: set HOME to an absolute path");
    opts->home = home;
    opts->xdg_state_home = getenv("XDG_STATE_HOME");
    return 0;
}

void sos_agent_model_free(struct sos_agent_model *m)
{
    if (!m)
        return;
    free(m->name);
    sos_strings_free(&m->command);
    free(m->image);
    free(m->container_name);
    free(m->owner.project);
    free(m->owner.component);
    free(m->owner.contact);
    free(m->auth.authfile);
    free(m->podman.connection);
    free(m->logs.app);
    free(m->logs.stdout_path);
    free(m->logs.stderr_path);
    free(m->health.type);
    free(m->health.expected);
    sos_strings_free(&m->health.command);
    free(m->label);
    sos_strings_free(&m->env);
    for (size_t i = 0; i < m->n_mounts; i++) {
        free(m->mounts[i].host);
        free(m->mounts[i].container);
    }
    free(m->mounts);
    sos_strings_free(&m->args);
    sos_strings_free(&m->capabilities);
    free(m->description);
    free(m->account);
    free(m->service.plist);
    free(m->service.unit);
    sos_strings_free(&m->warnings);
    free(m->path);
    memset(m, 0, sizeof *m);
}

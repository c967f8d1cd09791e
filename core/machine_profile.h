/* An AgentMachineProfile (schemas/agent-machine-profile.schema.json): the
 * typed model of ~/.config/sourceos/agent-machine/NAME.yaml, its loader,
 * and the profiles `init` renders. The planes stay apart: host (adapter,
 * storage backend), vm (the Podman machine), container (image, network,
 * environment), user (the mapping), repo (allowed roots, where the repo
 * goes), agent (its tools), then mounts, denied paths, secret references
 * and the evidence directory. Every command reads a profile through this
 * one struct; nothing else parses the file. */
#ifndef SOS_MACHINE_PROFILE_H
#define SOS_MACHINE_PROFILE_H

#include <stddef.h>

#include <jansson.h>

#include "agent_model.h"
#include "error.h"

#define SOS_AM_API_VERSION "sourceos.dev/v1alpha1"
#define SOS_AM_KIND "AgentMachineProfile"

enum sos_am_adapter { SOS_AM_MACOS, SOS_AM_LINUX, SOS_AM_WINDOWS };
enum sos_am_provider { SOS_AM_APPLEHV, SOS_AM_LIBKRUN, SOS_AM_QEMU, SOS_AM_WSL, SOS_AM_HYPERV,
                       SOS_AM_NATIVE };
enum sos_am_network { SOS_AM_NET_NONE, SOS_AM_NET_RESTRICTED, SOS_AM_NET_DEFAULT };
enum sos_am_access { SOS_AM_READ_ONLY, SOS_AM_READ_WRITE, SOS_AM_BROWSER_RW_AGENT_RO,
                     SOS_AM_WRITE_ONLY_ARTIFACTS };

struct sos_am_mount {
    char *id;          /* mountId: ^[a-z0-9][a-z0-9-]*$ */
    char *path_class;  /* code|documents|downloads|cache|artifacts|media|app-bridge */
    char *host_path;   /* as written ("~/..." allowed) */
    char *agent_path;  /* absolute, not a system directory */
    enum sos_am_access access;
    int create_if_missing, secrets_prohibited, direct_execution_allowed;
};

struct sos_am_tool {
    char *name;
    struct sos_agent_strings command;         /* argv in the image */
    struct sos_agent_strings version_command; /* argv, may be empty */
    int enabled;
};

struct sos_am_secret {
    char *name;
    char *ref; /* a reference (scheme://...), never a value */
};

struct sos_am_profile {
    char *name;
    enum sos_am_adapter adapter;
    char *storage_backend;    /* podman-machine-bind|wsl-bind|native-bind */
    char *machine;            /* the Podman machine; "" for native Podman */
    enum sos_am_provider provider;
    char *control_plane;      /* "" or tcp://HOST:PORT or vsock://CID:PORT (stereosd) */
    char *image;              /* the agent image reference */
    char *digest;             /* "" or sha256:HEX, pinned once known */
    enum sos_am_network network;
    struct sos_agent_strings pass_env; /* host variables passed by name */
    char *user_mapping;       /* keep-id */
    struct sos_agent_strings allowed_roots;
    char *repo_agent_path;    /* where --repo is mounted, default /workspace */
    enum sos_am_access repo_access;
    struct sos_am_tool *tools;
    size_t n_tools;
    struct sos_am_mount *mounts;
    size_t n_mounts;
    struct sos_agent_strings denied; /* deniedPatterns: added to the built-in list */
    struct sos_am_secret *secrets;
    size_t n_secrets;
    char *evidence_dir;       /* as written ("~/..." allowed) */
};

const char *sos_am_adapter_name(enum sos_am_adapter a);
const char *sos_am_provider_name(enum sos_am_provider p);
const char *sos_am_network_name(enum sos_am_network n);
const char *sos_am_access_name(enum sos_am_access a);

/* Reads PATH (trusted, bounded: sos_yaml_load_file) into OUT. Errors name
 * PATH:LINE:COLUMN and the rule: unknown keys, wrong kinds, an inline
 * secret value, a relative or system agentPath, duplicate mountIds or tool
 * names, a root that is the home directory or holds it. NAME, when not
 * NULL, is what the file's `name` must say. */
int sos_am_profile_load(const char *path, const char *name, const char *home,
                        struct sos_am_profile *out, sos_error *err);
void sos_am_profile_free(struct sos_am_profile *p);

/* The templates `init --profile` renders. */
extern const char *const sos_am_templates[]; /* NULL-terminated */

/* The profile NAME from TEMPLATE, as JSON (what is rendered and what the
 * schema validates); REPO_ROOT ("~/..." or absolute), when not NULL, is its
 * allowed root. NULL with ERR for an unknown template. */
json_t *sos_am_template(const char *tmpl, const char *name, const char *repo_root,
                        sos_error *err);

/* DOC as block YAML (every string double-quoted, JSON's escapes, which
 * YAML reads the same): malloc'd. */
char *sos_am_yaml(const json_t *doc);

/* The policy hash (devtools' recipe): "sha256:" + hex SHA-256 of the
 * compact, key-sorted JSON of {"mounts": [...], "deniedPatterns": [...]},
 * the mounts as the profile writes them and the denied patterns the
 * built-in list followed by the profile's. In OUT (at least 72 bytes). */
int sos_am_policy_hash(const struct sos_am_profile *p, char *out, size_t size);

/* The mounts as JSON objects with the profile's keys, and the denied
 * patterns (the built-in list, then the profile's): new references. */
json_t *sos_am_mounts_json(const struct sos_am_profile *p);
json_t *sos_am_denied_json(const struct sos_am_profile *p);

#endif

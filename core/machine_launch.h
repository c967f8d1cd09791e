/* One launch of an agent machine's container (`shell`, `run`): the whole
 * `podman run` argv, from the profile and the mount policy, and what its
 * evidence file says (schemas/agent-machine-evidence.schema.json). */
#ifndef SOS_MACHINE_LAUNCH_H
#define SOS_MACHINE_LAUNCH_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "machine_profile.h"

struct sos_am_launch {
    char **argv;         /* podman ... run ... IMAGE CMD...: NULL-terminated */
    json_t *mounts;      /* the evidence's mounts[] */
    json_t *denied;      /* the evidence's deniedAttempts[] */
    char policy_hash[80];
    char *repo;          /* the repo as resolved, or NULL */
    char *image;         /* what podman runs: IMAGE, or NAME@DIGEST when pinned */
    char **create;       /* createIfMissing mounts that do not exist yet */
    size_t n_create;
};

struct sos_am_launch_req {
    const char *home;
    const char *repo;                /* --repo, or NULL */
    const struct sos_am_tool *tool;  /* run --tool; NULL for shell */
    char *const *args;               /* after the tool's command */
    size_t n_args;
    int interactive, tty;            /* -i, -t */
    const char *authfile;            /* the empty auth file */
    const char *evidence_id;         /* a label on the container */
};

/* Plans the launch of REQ with profile P: each mount and the repo judged
 * by the mount policy (sos_mount_check) and the argv built of them. 0
 * planned; 2 refused (a mount or the repo denied: OUT->denied names each,
 * ERR the first), with OUT->mounts and ->denied still filled for the
 * evidence; -1 on an error. Free OUT with sos_am_launch_free(). */
int sos_am_launch_plan(const struct sos_am_profile *p, const struct sos_am_launch_req *req,
                       struct sos_am_launch *out, sos_error *err);
void sos_am_launch_free(struct sos_am_launch *l);

/* The image reference podman is given: IMAGE when no digest is pinned,
 * else IMAGE's name (without its tag) @DIGEST. Malloc'd. */
char *sos_am_image_ref(const struct sos_am_profile *p);

#endif

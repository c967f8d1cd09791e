/* One reader of podman (and podman-remote, docker) command lines, and one
 * classifier of image references, for every plugin that judges how a
 * container is started: the launchd and systemd lints, podman.image, and
 * the wrapper generator to come. Pure: no I/O, no sourceos_ctx. */
#ifndef SOS_PODMAN_CMD_H
#define SOS_PODMAN_CMD_H

#include <stddef.h>

/* SOURCEOS_GOVERNED_MARKER: the line the core's wrapper generator writes
 * into every wrapper it makes (one definition, in the core's header).
 * Anyone can write the line, so it is only a claim: podman_governed_check
 * says whether the run bears it out. */
#include "governed.h"

#define PODMAN_CMD_TEXT_MAX 1024
#define PODMAN_CMD_VALUE_MAX 512
#define PODMAN_CMD_MAX_MOUNTS 16

enum podman_program {
    PODMAN_PROGRAM_PODMAN,
    PODMAN_PROGRAM_REMOTE, /* podman-remote */
    PODMAN_PROGRAM_DOCKER,
};

/* One -v/--volume or --mount. SOURCE is "" for an anonymous volume
 * (`-v /data`); for a named volume it is the volume's name. */
struct podman_mount {
    char source[PODMAN_CMD_VALUE_MAX];
    char target[PODMAN_CMD_VALUE_MAX];
    int read_only; /* :ro, or readonly / ro=true in --mount */
    int is_mount;  /* given with --mount, not -v */
};

/* What one `podman [global options] [container] run|create ...` says. The
 * strings are copies (cut to their buffers), so the words may go away. */
struct podman_cmd {
    enum podman_program program;
    const char *program_name; /* "podman", "podman-remote" or "docker" */
    const char *subcommand;   /* "run" or "create" */
    int remote; /* podman-remote, --remote/-r, --url, --connection/-c, docker -H */
    char command[PODMAN_CMD_TEXT_MAX]; /* the words joined by spaces, for evidence */
    char image[PODMAN_CMD_VALUE_MAX];  /* "" when the command names none */
    int has_pull;
    char pull[64];
    int has_authfile;
    char authfile[PODMAN_CMD_VALUE_MAX];
    int replace, rm;
    char name[256]; /* --name, or "" */
    size_t n_mounts;
    int mounts_cut; /* more than PODMAN_CMD_MAX_MOUNTS were given */
    struct podman_mount mounts[PODMAN_CMD_MAX_MOUNTS];
    /* The first option that is in no table, or "". It is read as a flag
     * without a value (the table holds every run/create option of podman
     * 4.x and 5.x and docker that takes one), so the word after it is the
     * image; a caller may say the reading is uncertain. */
    char unknown_option[64];
};

/* Whether ARGV[0] (ARGC words, quoting already removed) is podman,
 * podman-remote or docker (by basename, so a Nix store path counts; also
 * Nix's .NAME-wrapped) followed by global options and `run`, `create`,
 * `container run` or `container create`. 1 with OUT filled, else 0 (OUT is
 * then cleared). Options end at the first word that is not one, or at
 * `--`; that word is the image. */
int podman_cmd_parse(const char *const *argv, size_t argc, struct podman_cmd *out);

/* podman_cmd_parse at every start from ARGV[0] on (after exec, env, sudo,
 * nohup ...): the index of the first program word that starts a run or
 * create, or -1. */
long podman_cmd_find(const char *const *argv, size_t argc, struct podman_cmd *out);

/* What a mount source holds of the users' homes. */
enum podman_home_mount {
    PODMAN_MOUNT_NO_HOME = 0, /* no home, or a directory inside one */
    PODMAN_MOUNT_HOME,        /* a whole home */
    PODMAN_MOUNT_HOMES,       /* a directory holding homes: /, /Users, $HOME/.. */
};

/* Whether SOURCE, a mount source, is a whole home or a directory holding
 * one, once `.`, `..` and repeated or trailing slashes are taken out.
 * Homes: $HOME, ${HOME}, ~, ~NAME, systemd's %h, /Users/NAME, /home/NAME,
 * /var/home/NAME, /System/Volumes/Data/Users/NAME (macOS's data volume),
 * /root, /var/root and /private/var/root (macOS's root home). Holding
 * homes: every directory above one (/, /Users, /home, /var, /private ...)
 * and $HOME/.. (~/.., %h/../..). A directory inside a home is not; nor is
 * a relative source (a named volume). */
enum podman_home_mount podman_mount_is_home(const char *source);

/* What a script's SOURCEOS_GOVERNED_MARKER comes to. */
enum podman_governed {
    PODMAN_GOVERNED_NONE,     /* the text has no marker: an ordinary script */
    PODMAN_GOVERNED_VERIFIED, /* the marker, and the run does what the
                               * generated wrapper does */
    PODMAN_GOVERNED_FALSE,    /* the marker, but the run does not (or there
                               * is no run) */
};

/* Judges TEXT's claim (LEN bytes, NUL bytes and all; NULL for none) to be
 * the governed wrapper, for RUN, a `podman run` the script does (NULL when
 * it does none). The claim holds only when RUN has --pull=never, an
 * --authfile, an image in local storage (PODMAN_IMAGE_LOCAL) and no mount
 * of a home or of a directory holding one. A remote podman is allowed (on
 * a Mac every podman is a client of its machine). The file --authfile
 * names is not read: this is pure, the name may be a variable, and with
 * --pull=never and a local image nothing is pulled, so no credentials are
 * used. When the claim is false, what the run lacks, for a message
 * ("--pull=never (it has --pull=always), a local image (it runs
 * ghcr.io/x)"), is written to MISSING (SIZE bytes; MISSING may be NULL). */
enum podman_governed podman_governed_check(const char *text, size_t len,
                                           const struct podman_cmd *run, char *missing,
                                           size_t size);

/* Where an image reference leads. */
enum podman_image_kind {
    PODMAN_IMAGE_UNKNOWN,  /* empty, a shell variable or a systemd specifier */
    PODMAN_IMAGE_LOCAL,    /* local storage: localhost/NAME, an image ID,
                            * containers-storage:, docker-daemon: */
    PODMAN_IMAGE_ARCHIVE,  /* a file or directory here: oci:, oci-archive:,
                            * docker-archive:, dir: */
    PODMAN_IMAGE_LOOPBACK, /* a registry on this machine: localhost:PORT/,
                            * 127.0.0.1[:PORT]/, [::1][:PORT]/ */
    PODMAN_IMAGE_REGISTRY, /* a named registry (a first component with a dot
                            * or a port), or docker:// */
    PODMAN_IMAGE_SHORT,    /* no registry in the name: docker.io, unless a
                            * short-name alias says otherwise */
};

struct podman_image {
    enum podman_image_kind kind;
    char registry[256]; /* the registry host[:port] ("docker.io" for a short
                         * name), or "" when none is involved */
    char transport[32]; /* "oci-archive:" etc., or "" */
    int pinned;         /* @sha256: (or @sha512:), or an image ID */
    /* All hex, 12 to 63 characters: podman looks such a name up in local
     * storage first, as an image ID (or a name), and only when no image
     * has it reads it as a short name (KIND is then PODMAN_IMAGE_SHORT). A
     * full 64-hex ID or sha256:HEX is local only: podman never pulls it. */
    int maybe_id;
};

/* Classifies REF as podman reads it. Always fills OUT. */
void podman_image_classify(const char *ref, struct podman_image *out);

/* Whether KIND is pulled over the network when not already local. */
int podman_image_from_registry(enum podman_image_kind kind);

/* Where the image comes from, for a person, to follow "from": "a registry
 * (quay.io)", "a registry on this machine (localhost:5000)", "a registry
 * (docker.io, implied: the name has no registry, unless a short-name alias
 * in registries.conf says otherwise)", "local storage", ... Written into
 * OUT (SIZE bytes), which is returned. */
const char *podman_image_origin(const struct podman_image *img, char *out, size_t size);

#endif

/* The one podman/docker command-line reader and image classifier
 * (plugins/common/podman_cmd.c), table-driven: command lines as a shell
 * would have split them (quotes already removed), each with what the
 * reader must make of it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../plugins/common/podman_cmd.h"

#define MAX_WORDS 40

struct cmd_case {
    const char *words[MAX_WORDS]; /* NULL-terminated */
    long at;                      /* where the program stands; -1: not a run/create */
    const char *program;          /* podman, podman-remote, docker */
    const char *sub;              /* run, create */
    const char *image;
    const char *pull;     /* NULL: no --pull */
    const char *authfile; /* NULL: no --authfile */
    int rm, replace, remote;
    const char *name;
    const char *mounts;  /* "SRC>DST[ ro]|..." */
    const char *unknown; /* the first unknown option, or NULL */
};

/* Fields left out of a case mean: "", no, none. */
static const struct cmd_case cases[] = {
    /* 1-6: podman 4.x run options, both spellings of a value. */
    {.words = {"podman", "run", "--rm", "--pull=always", "docker.io/library/nginx:latest"},
     .at = 0, .program = "podman", .sub = "run",
     .image = "docker.io/library/nginx:latest", .pull = "always", .rm = 1},
    {.words = {"podman", "run", "--pull", "never", "--rm", "localhost/web"},
     .at = 0, .program = "podman", .sub = "run", .image = "localhost/web",
     .pull = "never", .rm = 1},
    {.words = {"/usr/bin/podman", "run", "-d", "--name", "web", "--pull", "newer", "nginx"},
     .at = 0, .program = "podman", .sub = "run", .image = "nginx", .pull = "newer",
     .name = "web"},
    {.words = {"podman", "run", "--name=web", "--authfile", "/e.json", "localhost/a"},
     .at = 0, .program = "podman", .sub = "run", .image = "localhost/a", .pull = NULL,
     .authfile = "/e.json", .name = "web"},
    {.words = {"podman", "run", "--authfile=/Users/a/empty.json", "--replace", "localhost/a"},
     .at = 0, .program = "podman", .sub = "run", .image = "localhost/a", .pull = NULL,
     .authfile = "/Users/a/empty.json", .replace = 1},
    {.words = {"podman", "run", "--env", "A=1", "-e", "B=2", "--label", "x=y", "-l", "z=w",
      "--cpu-shares", "512", "-c", "256", "alpine", "sh"},
     .at = 0, .program = "podman", .sub = "run", .image = "alpine"},
    /* 7-9: boolean flags never eat the next word; --flag=false turns one off. */
    {.words = {"podman", "run", "--rm", "--replace", "--privileged", "--init", "--read-only",
      "--tls-verify", "--sig-proxy", "--http-proxy", "--env-host", "quay.io/a/b"},
     .at = 0, .program = "podman", .sub = "run", .image = "quay.io/a/b", .rm = 1,
     .replace = 1},
    {.words = {"podman", "run", "--rm=false", "--replace=true", "--tty=false", "img:1"},
     .at = 0, .program = "podman", .sub = "run", .image = "img:1", .replace = 1},
    {.words = {"podman", "run", "--no-hosts", "--no-healthcheck", "--oom-kill-disable",
      "--read-only-tmpfs", "--passwd", "--rmi", "--rootfs", "/srv/root"},
     .at = 0, .program = "podman", .sub = "run", .image = "/srv/root"},
    /* 10-14: short clusters. */
    {.words = {"podman", "run", "-dit", "--rm", "alpine"},
     .at = 0, .program = "podman", .sub = "run", .image = "alpine", .rm = 1},
    {.words = {"podman", "run", "-it", "-v", "/a:/b", "alpine"},
     .at = 0, .program = "podman", .sub = "run", .image = "alpine", .mounts = "/a>/b"},
    {.words = {"podman", "run", "-dv/src:/dst:ro", "alpine"},
     .at = 0, .program = "podman", .sub = "run", .image = "alpine",
     .mounts = "/src>/dst ro"},
    {.words = {"podman", "run", "-p8080:80", "-p=8443:443", "-P", "-q", "nginx"},
     .at = 0, .program = "podman", .sub = "run", .image = "nginx"},
    {.words = {"podman", "run", "-u", "1000", "-w", "/work", "-h", "box", "-m", "1g", "-a",
      "stdout", "busybox"},
     .at = 0, .program = "podman", .sub = "run", .image = "busybox"},
    /* 15-18: mounts, every spelling. */
    {.words = {"podman", "run", "-v", "$HOME:/home/agent", "--volume=/Users/alice/src:/src",
      "--volume", "data:/data", "-v", "/anon", "localhost/a"},
     .at = 0, .program = "podman", .sub = "run", .image = "localhost/a",
     .mounts = "$HOME>/home/agent|/Users/alice/src>/src|data>/data|>/anon"},
    {.words = {"podman", "run", "--mount", "type=bind,source=/home/bob,target=/h,readonly",
      "--mount=type=bind,src=/tmp/x,dst=/x", "localhost/a"},
     .at = 0, .program = "podman", .sub = "run", .image = "localhost/a",
     .mounts = "/home/bob>/h ro|/tmp/x>/x"},
    {.words = {"podman", "run", "--mount", "type=volume,source=v1,destination=/v,ro=false",
      "localhost/a"},
     .at = 0, .program = "podman", .sub = "run", .image = "localhost/a", .mounts = "v1>/v"},
    {.words = {"podman", "run", "-v", "${HOME}/:/root:rw,z", "localhost/a"},
     .at = 0, .program = "podman", .sub = "run", .image = "localhost/a",
     .mounts = "${HOME}/>/root"},
    /* 19-21: podman 5.x options that take a value. */
    {.words = {"podman", "run", "--retry", "3", "--retry-delay", "5s", "--hosts-file", "none",
      "--preserve-fd", "3", "quay.io/x/y"},
     .at = 0, .program = "podman", .sub = "run", .image = "quay.io/x/y"},
    {.words = {"podman", "run", "--gpus", "all", "--rdt-class", "c1", "--health-startup-cmd",
      "true", "--health-log-destination", "local", "--health-max-log-count", "5",
      "--no-hostname", "registry.example.com/a"},
     .at = 0, .program = "podman", .sub = "run", .image = "registry.example.com/a"},
    {.words = {"podman", "create", "--init-ctr", "once", "--group-entry", "g:x:1:",
      "--shm-size-systemd", "64m", "ghcr.io/acme/agent:1"},
     .at = 0, .program = "podman", .sub = "create", .image = "ghcr.io/acme/agent:1"},
    /* 22-24: -- ends the options; an unknown option is a flag and noted. */
    {.words = {"podman", "run", "--rm", "--", "localhost/a", "--pull=always"},
     .at = 0, .program = "podman", .sub = "run", .image = "localhost/a", .rm = 1},
    {.words = {"podman", "run", "--frobnicate", "alpine", "sh"},
     .at = 0, .program = "podman", .sub = "run", .image = "alpine",
     .unknown = "--frobnicate"},
    {.words = {"podman", "run", "-Z", "--frob=1", "alpine"},
     .at = 0, .program = "podman", .sub = "run", .image = "alpine", .unknown = "-Z"},
    /* 25-30: global options before the subcommand. */
    {.words = {"podman", "--url", "unix:///x", "run", "nginx"},
     .at = 0, .program = "podman", .sub = "run", .image = "nginx", .remote = 1},
    {.words = {"podman", "--connection=machine", "run", "nginx"},
     .at = 0, .program = "podman", .sub = "run", .image = "nginx", .remote = 1},
    {.words = {"podman", "-c", "m", "run", "nginx"},
     .at = 0, .program = "podman", .sub = "run", .image = "nginx", .remote = 1},
    {.words = {"podman", "--log-level", "debug", "--root", "/s", "--runroot", "/r", "run",
      "localhost/a"},
     .at = 0, .program = "podman", .sub = "run", .image = "localhost/a"},
    {.words = {"podman", "--remote", "--identity", "/k", "container", "run", "--pull=never",
      "localhost/a@sha256:0123"},
     .at = 0, .program = "podman", .sub = "run", .image = "localhost/a@sha256:0123",
     .pull = "never", .remote = 1},
    {.words = {"podman", "--log-level=debug", "--storage-opt", "x=y", "container", "create",
      "alpine"},
     .at = 0, .program = "podman", .sub = "create", .image = "alpine"},
    /* 31-34: podman-remote, docker, Nix store paths. */
    {.words = {"podman-remote", "run", "--rm", "alpine"},
     .at = 0, .program = "podman-remote", .sub = "run", .image = "alpine", .rm = 1,
     .remote = 1},
    {.words = {"docker", "run", "-d", "--restart", "always", "--pull", "always", "nginx"},
     .at = 0, .program = "docker", .sub = "run", .image = "nginx", .pull = "always"},
    {.words = {"/usr/local/bin/docker", "-H", "tcp://10.0.0.1:2375", "container", "run", "--rm",
      "-v", "/root:/r", "busybox"},
     .at = 0, .program = "docker", .sub = "run", .image = "busybox", .rm = 1, .remote = 1,
     .mounts = "/root>/r"},
    {.words = {"/nix/store/0abc-podman-5.2.1/bin/podman", "run", "ghcr.io/acme/x:latest"},
     .at = 0, .program = "podman", .sub = "run", .image = "ghcr.io/acme/x:latest"},
    {.words = {"/nix/store/0abc-podman-5.2.1/bin/.podman-wrapped", "run", "localhost/x"},
     .at = 0, .program = "podman", .sub = "run", .image = "localhost/x"},
    /* 36-39: found after other words (exec, env, sudo). */
    {.words = {"exec", "/opt/homebrew/bin/podman", "run", "--rm", "-v", "/Users/alice:/w",
      "ghcr.io/o/node-commander:latest"},
     .at = 1, .program = "podman", .sub = "run",
     .image = "ghcr.io/o/node-commander:latest", .rm = 1, .mounts = "/Users/alice>/w"},
    {.words = {"env", "FOO=1", "podman", "run", "localhost/a"},
     .at = 2, .program = "podman", .sub = "run", .image = "localhost/a"},
    {.words = {"sudo", "-u", "alice", "podman", "create", "--name", "x", "alpine"},
     .at = 3, .program = "podman", .sub = "create", .image = "alpine", .name = "x"},
    {.words = {"nohup", "podman", "--remote", "run", "--env-file", "/e", "localhost/a"},
     .at = 1, .program = "podman", .sub = "run", .image = "localhost/a", .remote = 1},
    /* 40-47: not a run or create. */
    {.words = {"podman", "machine", "start"},
     .at = -1},
    {.words = {"podman", "ps", "-a"},
     .at = -1},
    {.words = {"podman", "pull", "alpine"},
     .at = -1},
    {.words = {"podman", "container", "start", "web"},
     .at = -1},
    {.words = {"podman", "--url", "run", "ps"},
     .at = -1}, /* "run" is --url's value */
    {.words = {"echo", "podman"},
     .at = -1},
    {.words = {"podmanx", "run", "alpine"},
     .at = -1},
    {.words = {"/usr/bin/podman"},
     .at = -1},
    /* 48-50: images in the words, as they come. */
    {.words = {"podman", "run", "$IMAGE"},
     .at = 0, .program = "podman", .sub = "run", .image = "$IMAGE"},
    {.words = {"podman", "run", "--rm", "-v", "$HOME:/h", "docker://quay.io/a/b"},
     .at = 0, .program = "podman", .sub = "run", .image = "docker://quay.io/a/b", .rm = 1,
     .mounts = "$HOME>/h"},
    {.words = {"podman", "run", "--pull", "never"},
     .at = 0, .program = "podman", .sub = "run", .image = "", .pull = "never"},
    /* 51: a value missing at the end. */
    {.words = {"podman", "run", "--name"},
     .at = 0, .program = "podman", .sub = "run", .image = ""},
};

static void mounts_text(const struct podman_cmd *c, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < c->n_mounts; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s>%s%s", i ? "|" : "",
                                 c->mounts[i].source, c->mounts[i].target,
                                 c->mounts[i].read_only ? " ro" : "");
}

static void check_case(size_t n, const struct cmd_case *t)
{
    struct podman_cmd c;
    size_t argc = 0;
    char mounts[2048];
    long at;
    while (t->words[argc])
        argc++;
    at = podman_cmd_find(t->words, argc, &c);
    if (at != t->at)
        fail_msg("case %zu (%s ...): found at %ld, want %ld", n, t->words[0], at, t->at);
    if (at < 0)
        return;
#define EQ(got, want)                                                                  \
    do {                                                                               \
        if (strcmp((got), (want)) != 0)                                                \
            fail_msg("case %zu (%s %s ...): %s is '%s', want '%s'", n, t->words[0],    \
                     t->words[1], #got, (got), (want));                                \
    } while (0)
#define IS(got, want)                                                                  \
    do {                                                                               \
        if ((got) != (want))                                                           \
            fail_msg("case %zu (%s %s ...): %s is %d, want %d", n, t->words[0],        \
                     t->words[1], #got, (int)(got), (int)(want));                      \
    } while (0)
    EQ(c.program_name, t->program);
    EQ(c.subcommand, t->sub);
    EQ(c.image, t->image);
    IS(c.has_pull, t->pull != NULL);
    EQ(c.pull, t->pull ? t->pull : "");
    IS(c.has_authfile, t->authfile != NULL);
    EQ(c.authfile, t->authfile ? t->authfile : "");
    IS(c.rm, t->rm);
    IS(c.replace, t->replace);
    IS(c.remote, t->remote);
    EQ(c.name, t->name ? t->name : "");
    mounts_text(&c, mounts, sizeof mounts);
    EQ(mounts, t->mounts ? t->mounts : "");
    EQ(c.unknown_option, t->unknown ? t->unknown : "");
#undef EQ
#undef IS
}

static void test_command_lines(void **state)
{
    size_t n = sizeof cases / sizeof cases[0];
    (void)state;
    assert_true(n >= 40);
    for (size_t i = 0; i < n; i++)
        check_case(i + 1, &cases[i]);
}

static void test_command_joined_for_evidence(void **state)
{
    const char *const w[] = {"exec", "/opt/homebrew/bin/podman", "run", "--rm", "x"};
    struct podman_cmd c;
    (void)state;
    assert_int_equal(podman_cmd_find(w, 5, &c), 1);
    assert_string_equal(c.command, "/opt/homebrew/bin/podman run --rm x");
    assert_int_equal(c.program, PODMAN_PROGRAM_PODMAN);
}

static void test_many_mounts_are_cut(void **state)
{
    const char *w[2 + 2 * 20 + 1];
    size_t n = 0;
    struct podman_cmd c;
    (void)state;
    w[n++] = "podman";
    w[n++] = "run";
    for (int i = 0; i < 20; i++) {
        w[n++] = "-v";
        w[n++] = "/a:/b";
    }
    w[n++] = "img";
    assert_int_equal(podman_cmd_parse(w, n, &c), 1);
    assert_int_equal(c.n_mounts, PODMAN_CMD_MAX_MOUNTS);
    assert_true(c.mounts_cut);
    assert_string_equal(c.image, "img");
}

struct image_case {
    const char *ref;
    enum podman_image_kind kind;
    const char *registry;
    int pinned;
    const char *origin; /* a part of podman_image_origin's text */
};

static const struct image_case images[] = {
    {"localhost/web", PODMAN_IMAGE_LOCAL, "", 0, "local storage"},
    {"localhost/sourceos/web:1@sha256:0123", PODMAN_IMAGE_LOCAL, "", 1, "local storage"},
    {"localhost:5000/x", PODMAN_IMAGE_LOOPBACK, "localhost:5000", 0,
     "a registry on this machine (localhost:5000)"},
    {"127.0.0.1:5000/agent:1", PODMAN_IMAGE_LOOPBACK, "127.0.0.1:5000", 0,
     "a registry on this machine"},
    {"127.0.0.1/agent", PODMAN_IMAGE_LOOPBACK, "127.0.0.1", 0, "on this machine"},
    {"[::1]:5000/agent", PODMAN_IMAGE_LOOPBACK, "[::1]:5000", 0, "on this machine"},
    {"alpine", PODMAN_IMAGE_SHORT, "docker.io", 0,
     "docker.io, implied: the name has no registry, unless a short-name alias in "
     "registries.conf says otherwise"},
    {"library/alpine:3", PODMAN_IMAGE_SHORT, "docker.io", 0, "docker.io"},
    {"alpine@sha256:abcd", PODMAN_IMAGE_SHORT, "docker.io", 1, "docker.io"},
    {"docker.io/library/nginx:latest", PODMAN_IMAGE_REGISTRY, "docker.io", 0, "docker.io"},
    {"quay.io/org/app:1", PODMAN_IMAGE_REGISTRY, "quay.io", 0, "quay.io"},
    {"registry:5000/app", PODMAN_IMAGE_REGISTRY, "registry:5000", 0, "registry:5000"},
    {"ghcr.io/o/a@sha256:0123", PODMAN_IMAGE_REGISTRY, "ghcr.io", 1, "ghcr.io"},
    {"docker://quay.io/a/b", PODMAN_IMAGE_REGISTRY, "quay.io", 0, "quay.io"},
    {"docker://alpine", PODMAN_IMAGE_SHORT, "docker.io", 0, "docker.io"},
    {"docker://localhost:5000/a", PODMAN_IMAGE_LOOPBACK, "localhost:5000", 0,
     "this machine"},
    /* podman pulls neither a full 64-hex ID nor sha256:HEX; a shorter
     * all-hex name it looks up locally first, then pulls as a short name. */
    {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", PODMAN_IMAGE_LOCAL,
     "", 1, "local storage"},
    {"0123456789ab", PODMAN_IMAGE_SHORT, "docker.io", 0,
     "local storage if an image has this name or ID (podman looks there first), else a "
     "registry (docker.io"},
    {"deadbeefcafe", PODMAN_IMAGE_SHORT, "docker.io", 0, "has this name or ID"},
    {"sha256:0123456789abcdef", PODMAN_IMAGE_LOCAL, "", 1, "local storage"},
    {"0123456789a", PODMAN_IMAGE_SHORT, "docker.io", 0, "docker.io"}, /* too short for an ID */
    {"containers-storage:localhost/a", PODMAN_IMAGE_LOCAL, "", 0, "containers-storage:"},
    {"docker-daemon:alpine:latest", PODMAN_IMAGE_LOCAL, "", 0, "local storage"},
    {"oci:/srv/layout:tag", PODMAN_IMAGE_ARCHIVE, "", 0, "(oci:)"},
    {"oci-archive:/tmp/a.tar", PODMAN_IMAGE_ARCHIVE, "", 0, "oci-archive:"},
    {"docker-archive:/tmp/a.tar", PODMAN_IMAGE_ARCHIVE, "", 0, "docker-archive:"},
    {"dir:/tmp/fedora", PODMAN_IMAGE_ARCHIVE, "", 0, "dir:"},
    {"$IMAGE", PODMAN_IMAGE_UNKNOWN, "", 0, "cannot tell"},
    {"${REGISTRY}/app:1", PODMAN_IMAGE_UNKNOWN, "", 0, "cannot tell"},
    {"localhost/%i", PODMAN_IMAGE_UNKNOWN, "", 0, "cannot tell"},
    {"", PODMAN_IMAGE_UNKNOWN, "", 0, "cannot tell"},
};

static void test_image_forms(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof images / sizeof images[0]; i++) {
        struct podman_image img;
        char origin[512];
        podman_image_classify(images[i].ref, &img);
        podman_image_origin(&img, origin, sizeof origin);
        if (img.kind != images[i].kind || strcmp(img.registry, images[i].registry) != 0 ||
            img.pinned != images[i].pinned || !strstr(origin, images[i].origin))
            fail_msg("'%s': kind %d registry '%s' pinned %d origin '%s'; want %d '%s' %d "
                     "'%s'", images[i].ref, img.kind, img.registry, img.pinned, origin,
                     images[i].kind, images[i].registry, images[i].pinned,
                     images[i].origin);
    }
}

static void test_registry_kinds(void **state)
{
    (void)state;
    assert_true(podman_image_from_registry(PODMAN_IMAGE_REGISTRY));
    assert_true(podman_image_from_registry(PODMAN_IMAGE_LOOPBACK));
    assert_true(podman_image_from_registry(PODMAN_IMAGE_SHORT));
    assert_false(podman_image_from_registry(PODMAN_IMAGE_LOCAL));
    assert_false(podman_image_from_registry(PODMAN_IMAGE_ARCHIVE));
    assert_false(podman_image_from_registry(PODMAN_IMAGE_UNKNOWN));
}

static void test_whole_home(void **state)
{
    static const char *const homes[] = {"$HOME", "$HOME/", "${HOME}", "${HOME}/", "~",
                                        "~/", "~alice", "%h", "/Users/alice",
                                        "/Users/alice/", "/home/bob", "/home/bob//",
                                        "/root", "/root/", "/var/home/carol",
                                        /* the same, once . and .. are worked out */
                                        "/Users/alice/.", "/Users/alice/src/..",
                                        "//home///bob/./", "$HOME/./", "~/src/..",
                                        "$HOME/../bob", "/home/../root",
                                        /* the other roots' homes */
                                        "/var/root", "/var/root/", "/private/var/root",
                                        "/System/Volumes/Data/Users/alice", NULL};
    static const char *const holding[] = {"/", "//", "/.", "/..", "/../..", "/Users",
                                          "/Users/", "/home", "/home/", "/var",
                                          "/var/home", "/var/", "/private", "/private/var",
                                          "/System", "/System/Volumes/Data/Users",
                                          "/Users/alice/..", "/Users/alice/../..",
                                          "$HOME/..", "${HOME}/../", "~/..", "~alice/..",
                                          "%h/../..", "/home/bob/x/../..", NULL};
    static const char *const not_homes[] = {"$HOME/src/repo", "${HOME}/work", "~/src",
                                            "~alice/x", "/Users/alice/src/repo",
                                            "/Users/alice/src/../src", "/home/bob/wt",
                                            "/root/x", "/rootfs", "/data", "/var/lib",
                                            "/var/rooted", "/private/tmp", "$HOME/../../x",
                                            "", "data", "data/..", "$HOMEDIR",
                                            "${HOME}x", "/homes/bob", NULL};
    (void)state;
    for (size_t i = 0; homes[i]; i++)
        if (podman_mount_is_home(homes[i]) != PODMAN_MOUNT_HOME)
            fail_msg("'%s' is a whole home (got %d)", homes[i],
                     podman_mount_is_home(homes[i]));
    for (size_t i = 0; holding[i]; i++)
        if (podman_mount_is_home(holding[i]) != PODMAN_MOUNT_HOMES)
            fail_msg("'%s' holds homes (got %d)", holding[i], podman_mount_is_home(holding[i]));
    for (size_t i = 0; not_homes[i]; i++)
        if (podman_mount_is_home(not_homes[i]) != PODMAN_MOUNT_NO_HOME)
            fail_msg("'%s' is not a whole home", not_homes[i]);
}

/* podman_cmd_parse of the NULL-terminated WORDS into C. */
static void parse_words(const char *const *words, struct podman_cmd *c)
{
    size_t n = 0;
    while (words[n])
        n++;
    assert_int_equal(podman_cmd_parse(words, n, c), 1);
}

#define MARKED "#!/bin/sh\n# sourceos-agent: governed wrapper (generated)\n"

static void test_governed_claim_verified(void **state)
{
    /* The shape the wrapper generator writes. */
    static const char *const generated[] = {
        "podman", "run", "--rm", "--replace", "--name", "agent", "--pull=never",
        "--authfile", "/Users/alice/.local/state/sourceos/empty-auth.json", "-e", "A=1",
        "-v", "/Users/alice/src/repo:/work", "localhost/agent@sha256:0123", NULL};
    static const char *const spaced[] = {"podman", "--remote", "run", "--pull", "never",
                                         "--authfile=/e.json", "localhost/a", NULL};
    struct podman_cmd c;
    char missing[512] = "x";
    (void)state;
    parse_words(generated, &c);
    assert_int_equal(podman_governed_check(MARKED, strlen(MARKED), &c, missing, sizeof missing),
                     PODMAN_GOVERNED_VERIFIED);
    assert_string_equal(missing, "");
    parse_words(spaced, &c);
    assert_int_equal(podman_governed_check(MARKED, strlen(MARKED), &c, NULL, 0),
                     PODMAN_GOVERNED_VERIFIED);
    /* No marker: no claim, whatever the run. */
    assert_int_equal(podman_governed_check("#!/bin/sh\n", 10, &c, missing, sizeof missing),
                     PODMAN_GOVERNED_NONE);
    assert_int_equal(podman_governed_check(NULL, 0, NULL, missing, sizeof missing),
                     PODMAN_GOVERNED_NONE);
}

/* The reviewer's forgery: a marker comment over a raw run. */
static void test_governed_claim_forged(void **state)
{
    static const char *const forged[] = {"podman", "run", "-v", "$HOME:/h",
                                         "ghcr.io/evil/x:latest", NULL};
    static const char nul_text[] = "#!/bin/sh\n\0# sourceos-agent: governed wrapper\n";
    struct podman_cmd c;
    char missing[1024];
    (void)state;
    parse_words(forged, &c);
    assert_int_equal(podman_governed_check(MARKED, strlen(MARKED), &c, missing, sizeof missing),
                     PODMAN_GOVERNED_FALSE);
    assert_string_equal(missing,
                        "--pull=never (it has no --pull: podman's default, missing, pulls), "
                        "--authfile (without it the host's registry credentials apply), a local "
                        "image (it runs ghcr.io/evil/x:latest, from a registry (ghcr.io)), no "
                        "mount of a home (it mounts $HOME, a whole home)");
    /* A NUL byte before the marker does not hide the claim (strstr would). */
    assert_int_equal(podman_governed_check(nul_text, sizeof nul_text - 1, &c, NULL, 0),
                     PODMAN_GOVERNED_FALSE);
    /* The marker over a script without a run. */
    assert_int_equal(podman_governed_check(MARKED, strlen(MARKED), NULL, missing, sizeof missing),
                     PODMAN_GOVERNED_FALSE);
    assert_string_equal(missing, "a `podman run` (the script runs none)");
    /* A buffer too small still says false. */
    assert_int_equal(podman_governed_check(MARKED, strlen(MARKED), &c, missing, 8),
                     PODMAN_GOVERNED_FALSE);
    assert_int_equal(strlen(missing), 7);
}

/* Each requirement alone is enough to belie the claim. */
static void test_governed_claim_each_lack(void **state)
{
    static const struct {
        const char *words[12];
        const char *lacks;
    } runs[] = {
        {{"podman", "run", "--pull=always", "--authfile", "/e", "localhost/a"},
         "--pull=never (it has --pull=always)"},
        {{"podman", "run", "--pull=never", "localhost/a"}, "--authfile ("},
        {{"podman", "run", "--pull=never", "--authfile", "/e", "deadbeefcafe"},
         "a local image (it runs deadbeefcafe, from local storage if an image"},
        {{"podman", "run", "--pull=never", "--authfile", "/e", "$IMAGE"},
         "a local image (it runs $IMAGE"},
        {{"podman", "run", "--pull=never", "--authfile", "/e", "-v", "/:/host", "localhost/a"},
         "no mount of a home (it mounts /, a directory holding the home(s))"},
        {{"podman", "run", "--pull=never", "--authfile", "/e", "-v", "$HOME/..:/x",
          "localhost/a"},
         "no mount of a home (it mounts $HOME/.., a directory holding the home(s))"},
        {{"podman", "run", "--pull=never", "--authfile", "/e", "--frobnicate", "localhost/a",
          "ghcr.io/evil/x"},
         "only options podman is known to have (it has --frobnicate, so its image is "
         "uncertain)"}, /* localhost/a may be --frobnicate's value */
        {{"podman", "run", "--pull=never", "--authfile", "/e", "--frobnicate", "ghcr.io/x",
          "localhost/a"},
         "only options podman is known to have (it has --frobnicate"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        struct podman_cmd c;
        char missing[1024];
        parse_words(runs[i].words, &c);
        if (podman_governed_check(MARKED, strlen(MARKED), &c, missing, sizeof missing) !=
                PODMAN_GOVERNED_FALSE ||
            !strstr(missing, runs[i].lacks))
            fail_msg("run %zu: missing '%s', want '%s'", i + 1, missing, runs[i].lacks);
    }
}

static void test_governed_claim_many_mounts(void **state)
{
    const char *w[6 + 2 * 20 + 1];
    size_t n = 0;
    struct podman_cmd c;
    char missing[512];
    (void)state;
    w[n++] = "podman";
    w[n++] = "run";
    w[n++] = "--pull=never";
    w[n++] = "--authfile";
    w[n++] = "/e";
    for (int i = 0; i < 20; i++) {
        w[n++] = "-v";
        w[n++] = i == 19 ? "/Users/alice:/h" : "/a:/b";
    }
    w[n++] = "localhost/a";
    assert_int_equal(podman_cmd_parse(w, n, &c), 1);
    assert_int_equal(podman_governed_check(MARKED, strlen(MARKED), &c, missing, sizeof missing),
                     PODMAN_GOVERNED_FALSE);
    assert_string_equal(missing, "at most 16 mounts (the rest were not read)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_lines),
        cmocka_unit_test(test_command_joined_for_evidence),
        cmocka_unit_test(test_many_mounts_are_cut),
        cmocka_unit_test(test_image_forms),
        cmocka_unit_test(test_registry_kinds),
        cmocka_unit_test(test_whole_home),
        cmocka_unit_test(test_governed_claim_verified),
        cmocka_unit_test(test_governed_claim_forged),
        cmocka_unit_test(test_governed_claim_each_lack),
        cmocka_unit_test(test_governed_claim_many_mounts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

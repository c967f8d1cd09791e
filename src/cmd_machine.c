/* sourceosctl agent-machine init, start, shell, run, fingerprint. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agent.h"
#include "atomic.h"
#include "command.h"
#include "ctx.h"
#include "host.h"
#include "machine_launch.h"
#include "machine_params.h"
#include "session.h"
#include "machine_profile.h"
#include "mount_policy.h"
#include "redact.h"
#include "shquote.h"
#include "verbs.h"

#define CMD_CAP (1u << 20)
#define CMD_TIMEOUT 30.0
#define MAX_PASS_ENV 64

/* ---- Where things are ----------------------------------------------------- */

static const char *home_of(struct cli *cli)
{
    const char *home = getenv("HOME");
    if (!home || home[0] != '/') {
        cli_error(cli, "HOME is not set to an absolute path; profiles and evidence live "
                       "under it");
        return NULL;
    }
    return home;
}

/* $XDG_CONFIG_HOME (or ~/.config) /sourceos/agent-machine, malloc'd. */
static char *profiles_dir(const char *home)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    char *dir = NULL;
    if (xdg && xdg[0] == '/')
        return asprintf(&dir, "%s/sourceos/agent-machine", xdg) < 0 ? NULL : dir;
    return asprintf(&dir, "%s/.config/sourceos/agent-machine", home) < 0 ? NULL : dir;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* The profile --profile names (a path when it holds a '/', else NAME.yaml
 * in the profiles directory), or the only one there. 0 with *PATH and
 * *NAME (NULL when a path: the file says) malloc'd, else an exit code. */
static int find_profile(struct cli *cli, const char *home, char **path, char **name)
{
    char *dir = profiles_dir(home), *only = NULL;
    DIR *d;
    struct dirent *e;
    size_t n = 0;
    *path = *name = NULL;
    if (!dir)
        return SOS_EXIT_UNDECIDED;
    if (cli->am_profile && strchr(cli->am_profile, '/')) {
        free(dir);
        return (*path = strdup(cli->am_profile)) ? 0 : SOS_EXIT_UNDECIDED;
    }
    if (cli->am_profile) {
        if (!sos_agent_name_valid(cli->am_profile)) {
            char shown[256];
            cli_error(cli, "'%s' is not a profile name (lower-case letters, digits, '-'); "
                           "give a path with a '/' for a file elsewhere",
                      cli_escape(cli->am_profile, shown, sizeof shown));
            free(dir);
            return SOS_EXIT_USAGE;
        }
        if (asprintf(path, "%s/%s.yaml", dir, cli->am_profile) < 0)
            *path = NULL;
        *name = strdup(cli->am_profile);
        free(dir);
        return *path && *name ? 0 : SOS_EXIT_UNDECIDED;
    }
    if ((d = opendir(dir))) {
        while ((e = readdir(d)))
            if (e->d_name[0] != '.' && ends_with(e->d_name, ".yaml")) {
                n++;
                free(only);
                only = strndup(e->d_name, strlen(e->d_name) - 5);
            }
        closedir(d);
    }
    if (n != 1) {
        if (n)
            cli_error(cli, "%zu profiles in %s: say which with --profile NAME", n, dir);
        else
            cli_error(cli, "no profile in %s: make one with 'sourceosctl agent-machine init "
                           "--profile macos-podman|linux-native|windows-wsl|windows-hyperv'",
                      dir);
        free(only);
        free(dir);
        return SOS_EXIT_USAGE;
    }
    if (asprintf(path, "%s/%s.yaml", dir, only) < 0)
        *path = NULL;
    *name = only;
    free(dir);
    return *path ? 0 : SOS_EXIT_UNDECIDED;
}

static int load_profile(struct cli *cli, const char *home, struct sos_am_profile *p)
{
    char *path, *name;
    sos_error err;
    int rc = find_profile(cli, home, &path, &name);
    if (rc != 0)
        return rc;
    if (sos_am_profile_load(path, name, home, p, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        rc = access(path, F_OK) == 0 ? SOS_EXIT_UNDECIDED : SOS_EXIT_USAGE;
    }
    free(path);
    free(name);
    return rc;
}

/* ---- Output ---------------------------------------------------------------- */

static int print_json(struct cli *cli, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL, *clean;
    if (!text) {
        cli_error(cli, "out of memory");
        return SOS_EXIT_UNDECIDED;
    }
    clean = sos_redact_str(NULL, text);
    printf("%s\n", clean ? clean : "");
    free(text);
    free(clean);
    return cli_flush_stdout(cli) == 0 ? SOS_EXIT_OK : SOS_EXIT_OUTPUT;
}

/* ARGV as one line of quoted words, for pasting or reading. */
static char *quoted(char *const argv[])
{
    sos_error err;
    return sos_shquote_argv((const char *const *)argv, &err);
}

static void iso_now(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- Commands run to learn something -------------------------------------- */

/* The first line of ARGV's stdout when it exits 0, else NULL. */
static char *ask(const char *const argv[], int *exit_status)
{
    char **env = sos_command_env(NULL), *line = NULL;
    struct sos_cmd_output out;
    if (!env)
        return NULL;
    if (sos_command_run(argv, env, CMD_TIMEOUT, CMD_CAP, NULL, NULL, &out) == 0) {
        if (exit_status)
            *exit_status = out.not_started ? 127 : out.exit_status;
        if (out.exit_status == 0 && !out.not_started)
            line = strndup(out.out, strcspn(out.out, "\n"));
        sos_cmd_output_free(&out);
    }
    sos_strv_free(env);
    return line;
}

struct git_info {
    char ref[300];
    int dirty; /* -1 unknown */
};

static void git_info(const char *repo, struct git_info *g)
{
    const char *head[] = {"git", "-C", repo, "rev-parse", "HEAD", NULL};
    const char *branch[] = {"git", "-C", repo, "rev-parse", "--abbrev-ref", "HEAD", NULL};
    const char *status[] = {"git", "-C", repo, "status", "--porcelain", "--untracked-files=no",
                            NULL};
    char **env = sos_command_env(NULL);
    char *sha = ask(head, NULL), *name = sha ? ask(branch, NULL) : NULL;
    struct sos_cmd_output out;
    g->ref[0] = '\0';
    g->dirty = -1;
    if (sha)
        snprintf(g->ref, sizeof g->ref, "%s%s%s", name && strcmp(name, "HEAD") ? name : "",
                 name && strcmp(name, "HEAD") ? "@" : "", sha);
    if (sha && env && sos_command_run(status, env, CMD_TIMEOUT, CMD_CAP, NULL, NULL, &out) == 0) {
        if (out.exit_status == 0)
            g->dirty = out.out_len > 0;
        sos_cmd_output_free(&out);
    }
    sos_strv_free(env);
    free(sha);
    free(name);
}

/* podman's argv prefix for P: the machine's connection when there is one. */
static void podman_argv(const struct sos_am_profile *p, const char **argv, size_t *n,
                        char *conn, size_t size)
{
    argv[(*n)++] = "podman";
    if (*p->machine) {
        snprintf(conn, size, "--connection=%s", p->machine);
        argv[(*n)++] = conn;
    }
}

/* The local image's digest ("" when podman does not have it). */
static void image_digest(const struct sos_am_profile *p, const char *image, char *out,
                         size_t size)
{
    const char *argv[8];
    char conn[200], *d;
    size_t n = 0;
    podman_argv(p, argv, &n, conn, sizeof conn);
    argv[n++] = "image";
    argv[n++] = "inspect";
    argv[n++] = "--format={{.Digest}}";
    argv[n++] = image;
    argv[n] = NULL;
    d = ask(argv, NULL);
    snprintf(out, size, "%s", d && strncmp(d, "sha256:", 7) == 0 ? d : "");
    free(d);
}

/* TOOL's version: its versionCommand's first line, run in the image with
 * no network and no mount; "" when it has none or it fails. */
static char *tool_version(const struct sos_am_profile *p, const char *image,
                          const struct sos_am_tool *t)
{
    const char *argv[64];
    char conn[200];
    size_t n = 0;
    if (!t->version_command.n || t->version_command.n > 40)
        return strdup("");
    podman_argv(p, argv, &n, conn, sizeof conn);
    argv[n++] = "run";
    argv[n++] = "--rm";
    argv[n++] = "--pull=never";
    argv[n++] = "--network=none";
    argv[n++] = "--cap-drop=all";
    argv[n++] = "--security-opt=no-new-privileges";
    argv[n++] = image;
    for (size_t i = 0; i < t->version_command.n; i++)
        argv[n++] = t->version_command.v[i];
    argv[n] = NULL;
    char *v = ask(argv, NULL);
    return v ? v : strdup("");
}

/* ---- init ------------------------------------------------------------------ */

/* The repo root as the profile writes it: "~/..." inside HOME. */
static char *repo_root_shown(struct cli *cli, const char *home, const char *repo)
{
    char *r = realpath(repo, NULL), *shown = NULL;
    size_t n = strlen(home);
    if (!r) {
        cli_error(cli, "--repo %s: %s", repo, strerror(errno));
        return NULL;
    }
    if (strncmp(r, home, n) == 0 && r[n] == '/') {
        if (asprintf(&shown, "~%s", r + n) < 0)
            shown = NULL;
        free(r);
        return shown;
    }
    return r;
}

int cmd_am_init(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    const char *home = home_of(cli), *tmpl = cli->am_profile;
    const char *name = cli->am_name ? cli->am_name : tmpl;
    char *dir = NULL, *root = NULL, *text = NULL, file[300];
    json_t *doc = NULL;
    sos_error err;
    int rc = SOS_EXIT_UNDECIDED, fd = -1;
    struct stat st;
    (void)verb;
    (void)operands;
    if (!home)
        return SOS_EXIT_UNDECIDED;
    if (!tmpl) {
        cli_error(cli, "init needs --profile TEMPLATE: macos-podman, linux-native, "
                       "windows-wsl or windows-hyperv");
        return SOS_EXIT_USAGE;
    }
    if (!sos_agent_name_valid(name)) {
        cli_error(cli, "--name must be lower-case letters, digits and '-' (one path segment)");
        return SOS_EXIT_USAGE;
    }
    if (cli->am_repo && !(root = repo_root_shown(cli, home, cli->am_repo)))
        return SOS_EXIT_USAGE;
    if (!(doc = sos_am_template(tmpl, name, root, &err))) {
        cli_error(cli, "%s", err.msg);
        rc = SOS_EXIT_USAGE;
        goto done;
    }
    if (!(text = sos_am_yaml(doc)) || !(dir = profiles_dir(home)))
        goto done;
    snprintf(file, sizeof file, "%s.yaml", name);
    if (cli->dry_run) {
        printf("would write %s/%s (mode 0600):\n%s", dir, file, text);
        rc = cli_flush_stdout(cli) == 0 ? SOS_EXIT_OK : SOS_EXIT_OUTPUT;
        goto done;
    }
    if ((fd = sos_private_dir_open(dir, &err)) < 0) {
        cli_error(cli, "%s", err.msg);
        goto done;
    }
    if (fstatat(fd, file, &st, AT_SYMLINK_NOFOLLOW) == 0 && !cli->q_force) {
        cli_error(cli, "%s/%s exists; nothing was changed (--force replaces it)", dir, file);
        rc = SOS_EXIT_REFUSED;
        goto done;
    }
    if (sos_atomic_write(fd, file, text, strlen(text), 0600, 0, &err) != 0) {
        cli_error(cli, "%s/%s: %s", dir, file, err.msg);
        goto done;
    }
    printf("wrote %s/%s\n", dir, file);
    rc = cli_flush_stdout(cli) == 0 ? SOS_EXIT_OK : SOS_EXIT_OUTPUT;
done:
    if (fd >= 0)
        close(fd);
    json_decref(doc);
    free(text);
    free(dir);
    free(root);
    return rc;
}

/* ---- start ----------------------------------------------------------------- */

static const char *provider_env(enum sos_am_provider p)
{
    switch (p) {
    case SOS_AM_APPLEHV: return "CONTAINERS_MACHINE_PROVIDER=applehv";
    case SOS_AM_LIBKRUN: return "CONTAINERS_MACHINE_PROVIDER=libkrun";
    case SOS_AM_QEMU: return "CONTAINERS_MACHINE_PROVIDER=qemu";
    case SOS_AM_HYPERV: return "CONTAINERS_MACHINE_PROVIDER=hyperv";
    case SOS_AM_WSL: return "CONTAINERS_MACHINE_PROVIDER=wsl";
    default: return NULL;
    }
}

/* The machine's State ("running", "stopped", ...), "absent" when podman
 * says there is none, NULL when podman could not be asked. */
static char *machine_state(const struct sos_am_profile *p)
{
    const char *argv[] = {"podman", "machine", "inspect", "--format={{.State}}", p->machine,
                          NULL};
    int status = -1;
    char *s = ask(argv, &status);
    if (!s && status > 0 && status != 127)
        return strdup("absent");
    return s;
}

int cmd_am_start(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    const char *home = home_of(cli);
    struct sos_am_profile p;
    char *state = NULL, *line = NULL;
    int rc;
    (void)verb;
    (void)operands;
    if (!home)
        return SOS_EXIT_UNDECIDED;
    if ((rc = load_profile(cli, home, &p)) != 0)
        return rc;
    if (p.provider == SOS_AM_NATIVE) {
        printf("profile %s runs native rootless Podman: there is no machine to start\n", p.name);
        goto out;
    }
    if (!(state = machine_state(&p))) {
        cli_error(cli, "podman machine inspect %s did not answer: is podman installed?",
                  p.machine);
        rc = SOS_EXIT_UNDECIDED;
        goto out;
    }
    if (strcmp(state, "absent") == 0) {
        const char *init[] = {provider_env(p.provider), "podman", "machine", "init",
                              p.machine, NULL};
        const char *const *words = init[0] ? init : init + 1;
        sos_error err;
        line = sos_shquote_argv(words, &err);
        cli_error(cli, "the machine %s does not exist; nothing was created. Make it with:\n"
                       "  %s\nthen run 'sourceosctl agent-machine start' again",
                  p.machine, line ? line : "podman machine init");
        rc = SOS_EXIT_REFUSED;
        goto out;
    }
    if (strcmp(state, "running") == 0) {
        printf("machine %s is already running\n", p.machine);
        goto out;
    }
    {
        const char *argv[] = {"podman", "machine", "start", p.machine, NULL};
        char **env = sos_command_env(NULL);
        int err_no = 0, status;
        line = quoted((char *const *)argv);
        if (cli->dry_run) {
            printf("would run: %s\n", line ? line : "");
            sos_strv_free(env);
            goto out;
        }
        status = env ? sos_command_foreground(argv, env, &err_no) : -1;
        sos_strv_free(env);
        if (status != 0) {
            cli_error(cli, "%s failed (exit %d%s%s)", line ? line : "podman machine start",
                      status, err_no ? ": " : "", err_no ? strerror(err_no) : "");
            rc = SOS_EXIT_UNDECIDED;
        }
    }
out:
    cli_flush_stdout(cli);
    free(state);
    free(line);
    sos_am_profile_free(&p);
    return rc;
}

/* ---- fingerprint ----------------------------------------------------------- */

static json_t *podman_facts(const struct sos_am_profile *p)
{
    const char *argv[6];
    char conn[200], *client, *server = NULL, *state;
    size_t n = 0;
    json_t *o;
    podman_argv(p, argv, &n, conn, sizeof conn);
    argv[n++] = "version";
    argv[n++] = "--format={{.Client.Version}}";
    argv[n] = NULL;
    client = ask(argv, NULL);
    if (*p->machine) {
        argv[n - 1] = "--format={{.Server.Version}}";
        server = ask(argv, NULL);
    }
    state = p->provider == SOS_AM_NATIVE ? strdup("native") : machine_state(p);
    o = json_pack("{s:s?, s:s?, s:s, s:s, s:s}", "clientVersion", client, "serverVersion",
                  server ? server : (p->provider == SOS_AM_NATIVE ? client : NULL), "machine",
                  p->machine, "provider", sos_am_provider_name(p->provider), "state",
                  state ? state : "unknown");
    free(client);
    free(server);
    free(state);
    return o;
}

static json_t *host_facts(void)
{
    struct sos_host h;
    sos_host_detect(NULL, &h);
    return json_pack("{s:s, s:s, s:s}", "os", h.os, "version", h.os_version, "arch", h.arch);
}

static json_t *repo_facts(const char *home, const char *repo)
{
    struct git_info g;
    char *ref = sos_mount_path_ref(repo, home);
    json_t *o;
    git_info(repo, &g);
    o = json_pack("{s:s, s:s, s:o}", "path", ref ? ref : repo, "gitRef", g.ref, "dirty",
                  g.dirty < 0 ? json_null() : json_boolean(g.dirty));
    free(ref);
    return o;
}

static json_t *tool_versions(const struct sos_am_profile *p, const char *image,
                             const struct sos_am_tool *only)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < p->n_tools; i++) {
        const struct sos_am_tool *t = &p->tools[i];
        char *v;
        if ((only && t != only) || !t->enabled)
            continue;
        v = tool_version(p, image, t);
        json_array_append_new(a, json_pack("{s:s, s:s}", "name", t->name, "version",
                                           v ? v : ""));
        free(v);
    }
    return a;
}

int cmd_am_fingerprint(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    const char *home = home_of(cli);
    struct sos_am_profile p;
    char hash[80], digest[80], now[32], *image, *repo = NULL;
    json_t *doc, *mounts;
    int rc;
    (void)verb;
    (void)operands;
    if (!home)
        return SOS_EXIT_UNDECIDED;
    if ((rc = load_profile(cli, home, &p)) != 0)
        return rc;
    if (cli->am_repo && !(repo = realpath(cli->am_repo, NULL))) {
        cli_error(cli, "--repo %s: %s", cli->am_repo, strerror(errno));
        sos_am_profile_free(&p);
        return SOS_EXIT_USAGE;
    }
    image = sos_am_image_ref(&p);
    sos_am_policy_hash(&p, hash, sizeof hash);
    image_digest(&p, image ? image : p.image, digest, sizeof digest);
    mounts = sos_am_mounts_json(&p);
    iso_now(now, sizeof now);
    doc = json_pack("{s:s, s:s, s:s, s:o, s:o, s:{s:s, s:s}, s:o, s:o, s:o, s:s, s:o, s:s,"
                    " s:s}",
                    "kind", "AgentMachineFingerprint", "schemaVersion", "0.1", "profile",
                    p.name, "host", host_facts(), "podman", podman_facts(&p), "image",
                    "reference", p.image, "digest", *p.digest ? p.digest : digest, "repo",
                    repo ? repo_facts(home, repo) : json_null(), "mounts", mounts,
                    "deniedPatterns", sos_am_denied_json(&p),
                    "policyHash", hash, "tools",
                    tool_versions(&p, image ? image : p.image, NULL), "sourceosVersion",
                    PACKAGE_VERSION, "time", now);
    rc = print_json(cli, doc);
    json_decref(doc);
    free(image);
    free(repo);
    sos_am_profile_free(&p);
    return rc;
}

/* ---- shell and run: one launch, its evidence first ------------------------- */

/* The evidence directory, made private; its descriptor or -1. */
static int evidence_dir(struct cli *cli, const struct sos_am_profile *p, const char *home,
                        char **shown)
{
    char *dir = sos_mount_expand(p->evidence_dir, home);
    sos_error err;
    int fd = dir ? sos_private_dir_open(dir, &err) : -1;
    if (fd < 0)
        cli_error(cli, "evidence directory %s: %s", p->evidence_dir,
                  dir ? err.msg : "out of memory");
    *shown = dir;
    return fd;
}

/* The podman argv as the evidence keeps it: each word redacted. */
static json_t *argv_redacted(char *const argv[], int *changed)
{
    json_t *a = json_array();
    *changed = 0;
    for (size_t i = 0; a && argv[i]; i++) {
        char *r = sos_redact_str(NULL, argv[i]);
        *changed += r && strcmp(r, argv[i]) != 0;
        json_array_append_new(a, json_string(r ? r : ""));
        free(r);
    }
    return a;
}

struct launch_doc {
    json_t *doc;
    int fd;
    char name[128];
};

static int write_evidence(struct cli *cli, struct launch_doc *e)
{
    char *text = json_dumps(e->doc, JSON_INDENT(2)), *clean;
    sos_error err;
    int rc = -1;
    clean = text ? sos_redact_str(NULL, text) : NULL;
    if (clean) {
        size_t n = strlen(clean);
        clean[n] = '\n'; /* the NUL becomes the final newline; write n + 1 */
        rc = sos_atomic_write(e->fd, e->name, clean, n + 1, 0600, 0, &err);
        if (rc != 0)
            cli_error(cli, "evidence %s: %s", e->name, err.msg);
    } else {
        cli_error(cli, "evidence: out of memory");
    }
    free(text);
    free(clean);
    return rc;
}

static int launch(struct cli *cli, const struct sos_am_tool *tool, const char *command,
                  char **args, size_t n_args, const struct sos_am_profile *p, const char *home)
{
    struct sos_am_launch l;
    struct sos_am_launch_req req = {0};
    struct launch_doc e = {.fd = -1};
    struct git_info g = {.dirty = -1};
    char *evdir = NULL, *repo_ref = NULL, *line = NULL, authfile[PATH_MAX], digest[80],
         started[32], ended[32];
    json_t *launch_o;
    sos_error err;
    int planned, rc = SOS_EXIT_UNDECIDED, changed, status, err_no = 0;
    char **env = NULL;

    iso_now(started, sizeof started);
    if (cli->dry_run ? !(evdir = sos_mount_expand(p->evidence_dir, home))
                     : (e.fd = evidence_dir(cli, p, home, &evdir)) < 0)
        goto done; /* a dry run makes no directory */
    snprintf(e.name, sizeof e.name, "launch-%.4s%.2s%.2sT%.2s%.2s%.2sZ-%ld-%s.json", started,
             started + 5, started + 8, started + 11, started + 14, started + 17,
             (long)getpid(), tool ? tool->name : "shell");
    snprintf(authfile, sizeof authfile, "%s/empty-auth.json", evdir);
    req.home = home;
    req.repo = cli->am_repo;
    req.tool = tool;
    req.args = args;
    req.n_args = n_args;
    req.interactive = !tool;
    req.tty = !tool && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    req.authfile = authfile;
    req.evidence_id = e.name;
    planned = sos_am_launch_plan(p, &req, &l, &err);
    if (planned < 0) {
        cli_error(cli, "%s", err.msg);
        goto done;
    }
    if (l.repo)
        git_info(l.repo, &g);
    repo_ref = cli->am_repo ? sos_mount_path_ref(l.repo ? l.repo : cli->am_repo, home) : NULL;
    digest[0] = '\0';
    if (!cli->dry_run) /* a dry run runs nothing, podman included */
        image_digest(p, l.image, digest, sizeof digest);
    line = quoted(l.argv);
    launch_o = json_pack("{s:s, s:s?, s:s, s:{s:s, s:s}, s:{s:s?, s:s, s:o}, s:o, s:o, s:s,"
                         " s:n, s:n, s:s?, s:s}",
                         "command", command, "tool", tool ? tool->name : NULL, "profile",
                         p->name, "image", "reference", l.image, "digest", digest, "repo",
                         "pathRef", repo_ref, "gitRef", g.ref, "dirty",
                         g.dirty < 0 ? json_null() : json_boolean(g.dirty), "toolVersions",
                         planned == 0 && tool && !cli->dry_run ? tool_versions(p, l.image, tool) : json_array(),
                         "podmanArgv", argv_redacted(l.argv, &changed), "startedAt", started,
                         "endedAt", "exitStatus", "refused", planned ? err.msg : NULL,
                         "sourceosVersion", PACKAGE_VERSION);
    e.doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:O, s:{s:s, s:i},"
                      " s:o}",
                      "kind", "AgentMachineMountEvidence", "schemaVersion", "0.1",
                      "capturedAt", started, "workspaceId", p->name, "executor",
                      "sourceosctl agent-machine", "backendIntent", "agent-machine",
                      "storageBackend", p->storage_backend, "policyHash", l.policy_hash,
                      "gitRef", g.ref, "mounts", l.mounts, "deniedAttempts", l.denied,
                      "redactionSummary", "filter", "sourceos redaction filter",
                      "argvWordsRedacted", changed, "launch", launch_o);
    if (!e.doc) {
        cli_error(cli, "evidence: out of memory");
        goto free_plan;
    }
    if (cli->dry_run) {
        printf("would write %s/%s (mode 0600)\n", evdir, e.name);
        for (size_t i = 0; i < l.n_create; i++)
            printf("would create %s (mode 0700)\n", l.create[i]);
        if (planned == 0)
            printf("would run: %s\n", line ? line : "");
        rc = planned ? SOS_EXIT_REFUSED : SOS_EXIT_OK;
        if (planned)
            cli_error(cli, "refused: %s", err.msg);
        goto free_plan;
    }
    if (planned == 0 && !*digest) {
        planned = 2;
        snprintf(err.msg, sizeof err.msg, "the image %s is not in podman's local storage; "
                 "pull it explicitly (podman pull %s), then pin its digest in the profile",
                 l.image, l.image);
        json_object_set_new(launch_o, "refused", json_string(err.msg));
    }
    if (write_evidence(cli, &e) != 0)
        goto free_plan;
    if (planned) {
        cli_error(cli, "refused: %s\nevidence: %s/%s", err.msg, evdir, e.name);
        rc = SOS_EXIT_REFUSED;
        goto free_plan;
    }
    for (size_t i = 0; i < l.n_create; i++)
        if (mkdir(l.create[i], 0700) != 0 && errno != EEXIST) {
            cli_error(cli, "cannot create %s: %s", l.create[i], strerror(errno));
            goto free_plan;
        }
    if (sos_atomic_write(e.fd, "empty-auth.json", "{}\n", 3, 0600, 0, &err) != 0) {
        cli_error(cli, "%s: %s", authfile, err.msg);
        goto free_plan;
    }
    fprintf(stderr, "%s: evidence: %s/%s\n", cli->program, evdir, e.name);
    {
        const char *extra[MAX_PASS_ENV + 1];
        size_t n = 0;
        char *pairs[MAX_PASS_ENV];
        for (size_t i = 0; i < p->pass_env.n && n < MAX_PASS_ENV; i++) {
            const char *v = getenv(p->pass_env.v[i]);
            if (v && asprintf(&pairs[n], "%s=%s", p->pass_env.v[i], v) >= 0)
                extra[n] = pairs[n], n++;
        }
        extra[n] = NULL;
        env = sos_command_env(extra);
        for (size_t i = 0; i < n; i++)
            free(pairs[i]);
    }
    status = env ? sos_command_foreground((const char *const *)l.argv, env, &err_no) : -1;
    iso_now(ended, sizeof ended);
    json_object_set_new(launch_o, "endedAt", json_string(ended));
    json_object_set_new(launch_o, "exitStatus", json_integer(status));
    if (status == 127 && err_no)
        cli_error(cli, "podman could not be started: %s", strerror(err_no));
    rc = write_evidence(cli, &e) != 0 ? SOS_EXIT_UNDECIDED : status < 0 ? SOS_EXIT_UNDECIDED
                                                                      : status;
free_plan:
    sos_am_launch_free(&l);
done:
    sos_strv_free(env);
    json_decref(e.doc);
    if (e.fd >= 0)
        close(e.fd);
    free(evdir);
    free(repo_ref);
    free(line);
    return rc;
}

int cmd_am_shell(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    const char *home = home_of(cli);
    struct sos_am_profile p;
    int rc;
    (void)verb;
    (void)operands;
    if (!home)
        return SOS_EXIT_UNDECIDED;
    if (!cli->am_repo) {
        cli_error(cli, "shell needs --repo PATH: the worktree the agent works in");
        return SOS_EXIT_USAGE;
    }
    if ((rc = load_profile(cli, home, &p)) != 0)
        return rc;
    rc = launch(cli, NULL, "shell", NULL, 0, &p, home);
    sos_am_profile_free(&p);
    return rc;
}

int cmd_am_run(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    const char *home = home_of(cli);
    const struct sos_am_tool *tool = NULL;
    struct sos_am_profile p;
    size_t n_args = 0;
    int rc;
    (void)verb;
    if (!home)
        return SOS_EXIT_UNDECIDED;
    if (!cli->am_tool || !cli->am_repo) {
        cli_error(cli, "run needs --tool NAME and --repo PATH");
        return SOS_EXIT_USAGE;
    }
    if ((rc = load_profile(cli, home, &p)) != 0)
        return rc;
    for (size_t i = 0; i < p.n_tools; i++)
        if (strcmp(p.tools[i].name, cli->am_tool) == 0 && p.tools[i].enabled)
            tool = &p.tools[i];
    if (!tool) {
        char list[400] = "";
        char shown[128];
        for (size_t i = 0; i < p.n_tools; i++)
            if (p.tools[i].enabled)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                         *list ? ", " : "", p.tools[i].name);
        cli_error(cli, "profile %s has no enabled tool '%s' (enabled: %s)", p.name,
                  cli_escape(cli->am_tool, shown, sizeof shown), *list ? list : "none");
        sos_am_profile_free(&p);
        return SOS_EXIT_USAGE;
    }
    while (operands[n_args])
        n_args++;
    rc = launch(cli, tool, "run", operands, n_args, &p, home);
    sos_am_profile_free(&p);
    return rc;
}

/* ---- doctor ---------------------------------------------------------------- */

int cmd_am_doctor(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    const char *home = home_of(cli);
    struct sos_am_profile p;
    struct sos_check_decl values;
    char *repo = NULL;
    sos_error err;
    int rc;
    (void)verb;
    (void)operands;
    if (!home)
        return SOS_EXIT_UNDECIDED;
    if ((rc = load_profile(cli, home, &p)) != 0)
        return rc;
    if (cli->am_repo && !(repo = realpath(cli->am_repo, NULL)))
        repo = strdup(cli->am_repo); /* the repo check says it is missing */
    if (sos_am_profile_params(&p, home, repo, &values, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        rc = SOS_EXIT_UNDECIDED;
    } else {
        struct sos_session_config config = {
            .config_dir = cli->config_dir ? cli->config_dir : cli_default_config_dir(),
            .plugin_dir = cli->plugin_dir ? cli->plugin_dir : cli_default_plugin_dir(),
            .scope = SOS_SCOPE_MACHINE,
            .command = "agent-machine doctor",
            .profile = &values,
            .profile_name = p.name,
        };
        rc = cli_run_doctor(cli, &config, NULL);
        sos_decl_free(&values);
    }
    free(repo);
    sos_am_profile_free(&p);
    return rc;
}

/* launchd: the lint rules, applied to one plist, and the lint check. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launchd.h"
#include "../common/log_tail.h"
#include "../common/launch_cmd.h"
#include "../common/governed_claim.h"

/* What one plist asks launchd to do, read once for every rule. */
struct service {
    sourceos_ctx *ctx;
    struct verdict *v;
    size_t problems;
    const char *path;
    const struct launchd_plist *plist;
    struct launchd_place place;
    plist_t dict; /* the top-level dict, or NULL */
    char label[256];
    int has_label;
    char program[PATH_MAX]; /* Program, else ProgramArguments[0] */
    int has_program;
    struct launchd_argv args;
    enum { KA_ABSENT, KA_FALSE, KA_TRUE, KA_DICT, KA_OTHER } keep_alive;
    char keep_alive_text[128];
    int restarts_on_failure; /* KeepAlive {SuccessfulExit false | Crashed true} */
    int has_throttle;
    long long throttle;
    int run_at_load;
    char out_path[PATH_MAX];
    char err_path[PATH_MAX];
    struct launch_cmd launch; /* what ProgramArguments really runs */
};

/* A `podman run` (or create, or docker's) found in what the service runs. */
struct podman_use {
    int found;
    int governed; /* in the script the service execs, whose claim to be the
                   * governed wrapper holds (governed_claim_holds) */
    char where[PATH_MAX + 32];
    struct podman_cmd cmd;
};

/* ---- small helpers --------------------------------------------------------- */

static const char *basename_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The name launchd expects as Label: the file name without ".plist". */
static void expected_label(const char *path, char *out, size_t size)
{
    const char *base = basename_of(path);
    size_t n = strlen(base);
    if (n > 6 && strcmp(base + n - 6, ".plist") == 0)
        n -= 6;
    plugin_textf(out, size, "%.*s", (int)n, base);
}

static void join_words(const struct launchd_argv *a, size_t from, char *out,
                       size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = from; i < a->n && used + 1 < size; i++) {
        int w = snprintf(out + used, size - used, "%s%s", i > from ? " " : "",
                         a->v[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (used >= size && size > 4)
        memcpy(out + size - 4, "...", 4);
}

static void add_evidence(sourceos_finding *fd, const struct service *s)
{
    const struct launchd_plist *p = s->plist;
    char text[64];
    sourceos_finding_evidence(fd, "label", s->has_label ? s->label : "");
    sourceos_finding_evidence(fd, "program", s->has_program ? s->program : "");
    sourceos_finding_evidence(fd, "keep_alive", s->keep_alive_text);
    if (s->has_throttle) {
        plugin_textf(text, sizeof text, "%lld", s->throttle);
        sourceos_finding_evidence(fd, "throttle_interval", text);
    } else {
        sourceos_finding_evidence(fd, "throttle_interval", "");
    }
    sourceos_finding_evidence(fd, "stdout", s->out_path);
    sourceos_finding_evidence(fd, "stderr", s->err_path);
    if (p->have_stat) {
        plugin_textf(text, sizeof text, "%u", (unsigned)p->st.st_uid);
        sourceos_finding_evidence(fd, "owner_uid", text);
        plugin_textf(text, sizeof text, "0%03o", (unsigned)(p->st.st_mode & 07777));
        sourceos_finding_evidence(fd, "mode", text);
    }
    sourceos_finding_evidence(fd, "format", p->format);
}

/* Records a problem with this plist: named, with the file's evidence. */
static sourceos_finding *problem(struct service *s, const char *code,
                                 sourceos_severity sev, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

static sourceos_finding *problem(struct service *s, const char *code,
                                 sourceos_severity sev, const char *format, ...)
{
    sourceos_finding *fd;
    va_list ap;
    va_start(ap, format);
    fd = plugin_vnote(s->ctx, s->v, code, sev, NULL, format, ap);
    va_end(ap);
    sourceos_finding_path(fd, s->path);
    add_evidence(fd, s);
    if (s->place.kind == LAUNCHD_USER_AGENTS)
        sourceos_finding_evidence(fd, "user", s->place.user);
    if (sev > SOURCEOS_SEV_INFO)
        s->problems++;
    return fd;
}

/* System locations are root's: their fixes need sudo. */
static int needs_sudo(const struct service *s)
{
    return s->place.kind == LAUNCHD_SYSTEM_AGENTS ||
           s->place.kind == LAUNCHD_SYSTEM_DAEMONS;
}

/* Adds the command WORDS (NULL-terminated, at most 10), after "sudo" when
 * SUDO; the core quotes each word, so paths and labels stay one word. */
static void add_command(sourceos_finding *fd, int sudo, const char *const words[])
{
    const char *argv[12];
    size_t n = 0;
    if (sudo)
        argv[n++] = "sudo";
    for (size_t i = 0; words[i] && n + 1 < sizeof argv / sizeof *argv; i++)
        argv[n++] = words[i];
    argv[n] = NULL;
    sourceos_finding_command_argv(fd, argv);
}

/* ---- reading the service --------------------------------------------------- */

static void read_keep_alive(struct service *s)
{
    plist_t ka = plist_dict_get_item(s->dict, "KeepAlive");
    int successful_exit = 1, crashed = 0, b = 0;
    s->keep_alive = KA_ABSENT;
    plugin_textf(s->keep_alive_text, sizeof s->keep_alive_text, "absent");
    if (!ka)
        return;
    if (launchd_plist_bool(s->dict, "KeepAlive", &b)) {
        s->keep_alive = b ? KA_TRUE : KA_FALSE;
        plugin_textf(s->keep_alive_text, sizeof s->keep_alive_text, "%s",
                     b ? "true" : "false");
        return;
    }
    if (plist_get_node_type(ka) != PLIST_DICT) {
        s->keep_alive = KA_OTHER;
        plugin_textf(s->keep_alive_text, sizeof s->keep_alive_text,
                     "not a boolean or dict");
        return;
    }
    s->keep_alive = KA_DICT;
    launchd_plist_bool(ka, "SuccessfulExit", &successful_exit);
    launchd_plist_bool(ka, "Crashed", &crashed);
    s->restarts_on_failure = !successful_exit || crashed;
    plugin_textf(s->keep_alive_text, sizeof s->keep_alive_text,
                 "{SuccessfulExit: %s, Crashed: %s}",
                 plist_dict_get_item(ka, "SuccessfulExit")
                     ? (successful_exit ? "true" : "false")
                     : "unset",
                 plist_dict_get_item(ka, "Crashed") ? (crashed ? "true" : "false")
                                                    : "unset");
}

static void read_service(struct service *s)
{
    s->dict = s->plist->root &&
                      plist_get_node_type(s->plist->root) == PLIST_DICT
                  ? s->plist->root
                  : NULL;
    plugin_textf(s->keep_alive_text, sizeof s->keep_alive_text, "absent");
    if (!s->dict)
        return;
    s->has_label = launchd_plist_string(s->dict, "Label", s->label,
                                        sizeof s->label) != NULL;
    launchd_plist_strings(s->dict, "ProgramArguments", &s->args);
    if (launchd_plist_string(s->dict, "Program", s->program, sizeof s->program))
        s->has_program = 1;
    else if (s->args.n > 0) {
        plugin_textf(s->program, sizeof s->program, "%s", s->args.v[0]);
        s->has_program = 1;
    }
    read_keep_alive(s);
    s->has_throttle = launchd_plist_integer(s->dict, "ThrottleInterval",
                                            &s->throttle);
    launchd_plist_bool(s->dict, "RunAtLoad", &s->run_at_load);
    launchd_plist_string(s->dict, "StandardOutPath", s->out_path,
                         sizeof s->out_path);
    launchd_plist_string(s->dict, "StandardErrorPath", s->err_path,
                         sizeof s->err_path);
}

/* ---- the file itself: readable, owner, mode ------------------------------- */

static void report_read_failure(struct service *s)
{
    const struct launchd_plist *p = s->plist;
    sourceos_finding *fd;
    if (p->too_large) {
        fd = problem(s, "launchd.plist-too-large", SOURCEOS_SEV_WARNING,
                     "%s is larger than %u KiB and was not linted: a launchd "
                     "plist is normally a few KiB",
                     s->path, LAUNCHD_PLIST_MAX_BYTES / 1024u);
        sourceos_finding_remediation(
            fd, "Look at what was written there; remove it if it is not a "
                "service definition someone installed on purpose.");
        return;
    }
    switch (p->read_error) {
    case -EACCES:
        /* Not allowed to look is not broken: launchd reads it as root. */
        plugin_denied(s->ctx, s->v, "launchd.permission-denied", s->path,
                      s->place.kind == LAUNCHD_USER_AGENTS ? s->place.user : NULL);
        break;
    case -ENOENT:
        fd = problem(s, "launchd.plist-missing", SOURCEOS_SEV_WARNING,
                     "%s does not exist (or is a symlink to nothing)", s->path);
        sourceos_finding_remediation(
            fd, "Install the service's plist there, or remove the dangling "
                "link and the declaration that names it.");
        break;
    case -EXDEV:
        fd = problem(s, "launchd.plist-outside-root", SOURCEOS_SEV_WARNING,
                     "%s is a symlink that leads out of the --root tree; it "
                     "was not read", s->path);
        sourceos_finding_remediation(
            fd, "Copy the file the link points to into the tree, or run "
                "without --root on the machine itself.");
        break;
    case -EISDIR:
    case -EINVAL:
        fd = problem(s, "launchd.plist-not-a-file", SOURCEOS_SEV_WARNING,
                     "%s is %s, not a plist file: launchd cannot load it",
                     s->path, p->read_error == -EISDIR ? "a directory"
                                                       : "not a regular file");
        sourceos_finding_remediation(
            fd, "Remove what is in its place, or move it out of the launch "
                "directory.");
        break;
    default:
        fd = problem(s, "launchd.plist-unreadable", SOURCEOS_SEV_WARNING,
                     "%s cannot be read: %s", s->path, strerror(-p->read_error));
        sourceos_finding_remediation(
            fd, "Run as a user who can read it (launchd reads it as root), "
                "or fix its owner and mode.");
        break;
    }
}

static void report_mode(struct service *s)
{
    const struct stat *st = &s->plist->st;
    sourceos_finding *fd;
    if (!(st->st_mode & 022))
        return;
    fd = problem(s, "launchd.plist-permissions", SOURCEOS_SEV_CRITICAL,
                 "%s is writable by %s (mode 0%03o): launchd refuses to load "
                 "it (error 122, bad ownership or permissions), and anyone "
                 "who can write it decides what runs",
                 s->path,
                 (st->st_mode & 022) == 022 ? "group and others"
                 : st->st_mode & 020        ? "its group"
                                            : "others",
                 (unsigned)(st->st_mode & 07777));
    sourceos_finding_remediation(
        fd, "Make it writable by its owner only, then check nobody changed "
            "what it runs.");
    add_command(fd, needs_sudo(s), (const char *const[]){"chmod", "644", s->path, NULL});
}

static void report_owner(struct service *s)
{
    const struct stat *st = &s->plist->st;
    const struct launchd_place *pl = &s->place;
    char who[320], owner[320];
    sourceos_finding *fd;
    if (!pl->owner_known || st->st_uid == pl->owner_uid)
        return;
    if (pl->user[0])
        plugin_textf(who, sizeof who, "%s (uid %u)", pl->user,
                     (unsigned)pl->owner_uid);
    else
        plugin_textf(who, sizeof who, "uid %u", (unsigned)pl->owner_uid);
    fd = problem(s, "launchd.plist-owner", SOURCEOS_SEV_CRITICAL,
                 "%s is owned by uid %u, not by %s to whom %s belongs: "
                 "launchd refuses to load it (error 122, bad ownership or "
                 "permissions), and uid %u can change what runs",
                 s->path, (unsigned)st->st_uid, who,
                 pl->kind == LAUNCHD_USER_AGENTS ? "the home" : pl->dir,
                 (unsigned)st->st_uid);
    sourceos_finding_remediation(
        fd, "Give the file to the owner of its launch directory (it was often "
            "written with sudo by an installer), then check what it runs.");
    /* A user's name comes from the host: "--" keeps it an operand. */
    if (pl->kind == LAUNCHD_SYSTEM_AGENTS || pl->kind == LAUNCHD_SYSTEM_DAEMONS)
        plugin_textf(owner, sizeof owner, "root:wheel");
    else if (pl->user[0])
        plugin_textf(owner, sizeof owner, "%s", pl->user);
    else
        plugin_textf(owner, sizeof owner, "%u", (unsigned)pl->owner_uid);
    add_command(fd, 1, (const char *const[]){"chown", "--", owner, s->path, NULL});
}

static void report_system_wide_agent(struct service *s)
{
    sourceos_finding *fd;
    if (s->place.kind != LAUNCHD_SYSTEM_AGENTS || s->plist->st.st_uid != 0)
        return;
    fd = problem(s, "launchd.system-wide-agent", SOURCEOS_SEV_CRITICAL,
                 "%s is a root-owned agent in /Library/LaunchAgents: a "
                 "per-user agent installed system-wide, started in every "
                 "user's session, which no user can stop for good",
                 s->path);
    sourceos_finding_remediation(
        fd, "Install an agent for the user who needs it, in that user's "
            "~/Library/LaunchAgents and owned by them; if it really must run "
            "for the whole machine, make it a LaunchDaemon with UserName. "
            "Then remove this file.");
}

static void report_file(struct service *s)
{
    if (!s->plist->have_stat || !S_ISREG(s->plist->st.st_mode))
        return;
    report_owner(s);
    report_mode(s);
    report_system_wide_agent(s);
}

/* ---- the document ------------------------------------------------------- */

/* 0 when the document cannot be linted further. */
static int report_document(struct service *s)
{
    const struct launchd_plist *p = s->plist;
    sourceos_finding *fd;
    if (p->malformed[0]) {
        fd = problem(s, "launchd.plist-malformed", SOURCEOS_SEV_CRITICAL,
                     "%s is not a plist launchd can load: %s", s->path,
                     p->malformed);
        sourceos_finding_remediation(
            fd, "Regenerate the file from its source, or fix it ('plutil "
                "-lint' on the Mac shows where it breaks); remove it if "
                "nobody installed it on purpose.");
        sourceos_finding_evidence(fd, "problem", p->malformed);
        return 0;
    }
    if (!s->dict) {
        fd = problem(s, "launchd.plist-not-a-dict", SOURCEOS_SEV_CRITICAL,
                     "%s is a property list but not a dictionary at the top "
                     "level: launchd cannot load it as a service", s->path);
        sourceos_finding_remediation(
            fd, "A launchd plist is one <dict> with Label and Program or "
                "ProgramArguments; regenerate it from its source.");
        return 0;
    }
    if (p->keys_written > p->keys_read) {
        char text[32];
        fd = problem(s, "launchd.plist-keys-lost", SOURCEOS_SEV_WARNING,
                     "%s has %u <key> elements but only %u were read: a key "
                     "without a value, or a key given twice; launchd may see "
                     "a different service than this lint did",
                     s->path, p->keys_written, p->keys_read);
        sourceos_finding_remediation(
            fd, "Give every key exactly one value, once per dictionary.");
        plugin_textf(text, sizeof text, "%u", p->keys_written);
        sourceos_finding_evidence(fd, "keys_written", text);
        plugin_textf(text, sizeof text, "%u", p->keys_read);
        sourceos_finding_evidence(fd, "keys_read", text);
    }
    return 1;
}

/* ---- the rules ---------------------------------------------------------- */

static void report_label(struct service *s)
{
    char want[256];
    sourceos_finding *fd;
    expected_label(s->path, want, sizeof want);
    if (!s->has_label) {
        fd = problem(s, "launchd.label-missing", SOURCEOS_SEV_WARNING,
                     "%s has no Label (a string): launchd refuses a job "
                     "without one, and nothing can name this service",
                     s->path);
        sourceos_finding_remediation(fd, "Set Label to the file name without "
                                         ".plist.");
        add_command(fd, needs_sudo(s), (const char *const[]){
                        "plutil", "-insert", "Label", "-string", want, s->path, NULL});
        return;
    }
    if (strcmp(s->label, want) == 0)
        return;
    fd = problem(s, "launchd.label-mismatch", SOURCEOS_SEV_WARNING,
                 "%s has Label '%s', not '%s' as its file name says: "
                 "launchctl and the logs name one, the file system the other",
                 s->path, s->label, want);
    sourceos_finding_remediation(
        fd, "Name the file LABEL.plist (unload it first), or set Label to "
            "the file name.");
    add_command(fd, needs_sudo(s), (const char *const[]){
                    "plutil", "-replace", "Label", "-string", want, s->path, NULL});
}

static void report_program(struct service *s)
{
    sourceos_finding *fd;
    if (!s->has_program) {
        fd = problem(s, "launchd.program-missing", SOURCEOS_SEV_CRITICAL,
                     "%s has neither Program nor ProgramArguments: launchd "
                     "has nothing to run", s->path);
        sourceos_finding_remediation(
            fd, "Set ProgramArguments to the absolute path of the program "
                "and its arguments.");
        return;
    }
    if (s->program[0] == '/')
        return;
    fd = problem(s, "launchd.program-relative", SOURCEOS_SEV_CRITICAL,
                 "%s runs '%s', not an absolute path: which binary runs "
                 "depends on launchd's PATH and working directory, not on "
                 "this file", s->path, s->program);
    sourceos_finding_remediation(
        fd, "Give Program (or ProgramArguments[0]) as an absolute path.");
}

static void report_keep_alive(struct service *s)
{
    const char *const throttle[] = {"plutil", "-replace", "ThrottleInterval", "-integer",
                                    "30", s->path, NULL};
    sourceos_finding *fd;
    if (s->keep_alive == KA_TRUE) {
        /* RunAtLoad is part of this finding: it is what starts the loop at
         * every login or boot, not a problem of its own. */
        fd = problem(s, "launchd.keepalive-unbounded", SOURCEOS_SEV_CRITICAL,
                     "%s has KeepAlive true%s: launchd restarts it whenever it "
                     "exits, for any reason and without bound; a service "
                     "that cannot start respawns thousands of times",
                     s->path, s->run_at_load ? " and RunAtLoad true (it starts "
                                               "at every load)" : "");
        sourceos_finding_remediation(
            fd, "Restart only on failure, with a pause between tries: "
                "KeepAlive {SuccessfulExit: false} and a ThrottleInterval of "
                "at least 10 seconds. A service that keeps failing should stay "
                "down and be looked at.");
        add_command(fd, needs_sudo(s), (const char *const[]){
                        "plutil", "-replace", "KeepAlive", "-xml",
                        "<dict><key>SuccessfulExit</key><false/></dict>", s->path, NULL});
        add_command(fd, needs_sudo(s), throttle);
        sourceos_finding_evidence(fd, "run_at_load", s->run_at_load ? "true" : "false");
        return;
    }
    if (s->keep_alive != KA_DICT || !s->restarts_on_failure ||
        (s->has_throttle && s->throttle >= LAUNCHD_MIN_THROTTLE))
        return;
    fd = problem(s, "launchd.keepalive-unthrottled", SOURCEOS_SEV_WARNING,
                 "%s restarts on failure (KeepAlive %s) with %s: a service "
                 "that fails at start respawns in a tight loop",
                 s->path, s->keep_alive_text,
                 s->has_throttle ? "a ThrottleInterval under 10 seconds"
                                 : "no ThrottleInterval");
    sourceos_finding_remediation(
        fd, "Set ThrottleInterval to at least 10 seconds (30 is a good "
            "start) so failures are spaced out.");
    add_command(fd, needs_sudo(s), throttle);
    sourceos_finding_evidence(fd, "run_at_load", s->run_at_load ? "true" : "false");
}

/* PATH is in a world-writable temporary directory (or is one). */
static int under_tmp(const char *path)
{
    static const char *const tmp_dirs[] = {"/tmp", "/var/tmp", "/private/tmp",
                                           "/private/var/tmp", NULL};
    char clean[PATH_MAX];
    size_t n = 0;
    /* "//tmp/./x" is /tmp/x to the kernel: collapse repeated slashes and
     * "." components before comparing. */
    for (const char *p = path; *p && n + 1 < sizeof clean;) {
        if (p[0] == '/' && p[1] == '/')
            p++;
        else if (p[0] == '/' && p[1] == '.' && (p[2] == '/' || !p[2]))
            p += 2;
        else
            clean[n++] = *p++;
    }
    clean[n] = '\0';
    for (size_t i = 0; tmp_dirs[i]; i++) {
        size_t len = strlen(tmp_dirs[i]);
        if (strncmp(clean, tmp_dirs[i], len) == 0 &&
            (clean[len] == '/' || clean[len] == '\0'))
            return 1;
    }
    return 0;
}

/* Where this service's logs belong, or 0 when that depends on a user we
 * cannot name. */
static int log_dir_for(const struct service *s, char *out, size_t size)
{
    char label[256];
    if (s->has_label)
        plugin_textf(label, sizeof label, "%s", s->label);
    else
        expected_label(s->path, label, sizeof label);
    switch (s->place.kind) {
    case LAUNCHD_USER_AGENTS:
        plugin_textf(out, size, "/Users/%s/Library/Logs/%s", s->place.user, label);
        return 1;
    case LAUNCHD_SYSTEM_AGENTS:
    case LAUNCHD_SYSTEM_DAEMONS:
        plugin_textf(out, size, "/Library/Logs/%s", label);
        return 1;
    default:
        return 0;
    }
}

/* The fix of a log path: make the label's log directory, point KEY at
 * FILE in it. */
static void add_log_fix(struct service *s, sourceos_finding *fd, const char *key,
                        const char *file)
{
    char dir[PATH_MAX], target[PATH_MAX * 2];
    if (!log_dir_for(s, dir, sizeof dir))
        return;
    add_command(fd, needs_sudo(s), (const char *const[]){"mkdir", "-p", dir, NULL});
    plugin_textf(target, sizeof target, "%s/%s", dir, file);
    add_command(fd, needs_sudo(s), (const char *const[]){
                    "plutil", "-replace", key, "-string", target, s->path, NULL});
}

/* launchd opens the path as given: no `~`, no $HOME, nothing relative. */
static void report_log_relative(struct service *s, const char *key, const char *value,
                                const char *stream, const char *file)
{
    sourceos_finding *fd = problem(
        s, "launchd.log-path-relative", SOURCEOS_SEV_WARNING,
        "%s sends its %s (%s) to '%s', not an absolute path: launchd expands no "
        "'~' or variable and resolves a relative path from /, so the log is not "
        "where the file says (or is not written at all)",
        s->path, stream, key, value);
    sourceos_finding_remediation(fd, "Give the log's absolute path: ~/Library/Logs/LABEL "
                                     "written out for an agent, /Library/Logs/LABEL for a "
                                     "daemon.");
    sourceos_finding_evidence(fd, "key", key);
    add_log_fix(s, fd, key, file);
}

static void report_log(struct service *s, const char *key, const char *value,
                       const char *stream, const char *file)
{
    sourceos_finding *fd;
    if (value[0] && value[0] != '/') {
        report_log_relative(s, key, value, stream, file);
        return;
    }
    if (!value[0] || !under_tmp(value))
        return;
    fd = problem(s, "launchd.log-in-tmp", SOURCEOS_SEV_CRITICAL,
                 "%s sends its %s (%s) to %s: under a world-writable "
                 "temporary directory anyone can create or replace that "
                 "file first, the logs are lost at reboot, and nobody looks "
                 "for a service's logs there",
                 s->path, stream, key, value);
    sourceos_finding_remediation(
        fd, "Log to a directory the service's user owns: "
            "~/Library/Logs/LABEL for an agent, /Library/Logs/LABEL for a "
            "daemon.");
    sourceos_finding_evidence(fd, "key", key);
    add_log_fix(s, fd, key, file);
}

/* One failure repeated in a log: launchd ran the job again and again and
 * it failed the same way each time. */
static void report_log_repeat(struct service *s, const char *key, const char *path,
                              const struct log_summary *sum, const struct log_repeat *r)
{
    char when[LOG_TIME_MAX * 2 + 48];
    sourceos_finding *fd;
    log_repeat_when(r, when, sizeof when);
    fd = problem(s, "launchd.log-repeated-failure", SOURCEOS_SEV_WARNING,
                 "%s: its log %s (%s) repeats one failure %zu times (%s): \"%s\"; "
                 "the offline sign of a respawn loop",
                 s->path, path, key, r->count, when, r->example);
    sourceos_finding_remediation(
        fd, "The job fails the same way at every start and launchd starts it "
            "again: fix what the line names, and restart only on failure with "
            "a ThrottleInterval of 30 s or more. Read the log's end.");
    sourceos_finding_evidence(fd, "key", key);
    sourceos_finding_evidence(fd, "log", path);
    log_repeat_evidence(fd, sum, r);
    sourceos_finding_command_argv(fd, (const char *const[]){"tail", "-n", "50", "--",
                                                            path, NULL});
}

/* A log that is not the service's user's: what the plist names is read
 * only when that user could read it, so a user's agent cannot make a root
 * run quote a root-only file. Its content is never looked at. */
static void report_log_not_owned(struct service *s, const char *key, const char *path,
                                 uid_t owner, uid_t found)
{
    char text[32];
    sourceos_finding *fd = problem(
        s, "launchd.log-not-owned", SOURCEOS_SEV_INFO,
        "%s: its log %s (%s) belongs to uid %lu, not to uid %lu, the "
        "service's user: not read, since the plist may name a file its user "
        "could not read",
        s->path, path, key, (unsigned long)found, (unsigned long)owner);
    sourceos_finding_remediation(
        fd, "If the file is this job's log, give it to the job's user (chown); "
            "if it is not, the plist names someone else's file: find out why.");
    sourceos_finding_evidence(fd, "key", key);
    sourceos_finding_evidence(fd, "log", path);
    plugin_textf(text, sizeof text, "%lu", (unsigned long)found);
    sourceos_finding_evidence(fd, "owner_uid", text);
    plugin_textf(text, sizeof text, "%lu", (unsigned long)owner);
    sourceos_finding_evidence(fd, "expected_uid", text);
}

/* A log that could not be read: not there yet says nothing; not allowed to
 * look is the plugin's permission-denied; a link out of --root is refused. */
static void report_log_unread(struct service *s, const char *key, const char *path,
                              int rc)
{
    sourceos_finding *fd;
    if (rc == -ENOENT || rc == -ENOTDIR)
        return;
    if (rc == -EACCES) {
        plugin_denied(s->ctx, s->v, "launchd.permission-denied", path,
                      s->place.kind == LAUNCHD_USER_AGENTS ? s->place.user : NULL);
        return;
    }
    if (rc == -EXDEV) {
        fd = problem(s, "launchd.log-unreadable", SOURCEOS_SEV_WARNING,
                     "%s: its log %s (%s) is a symlink that leads out of the "
                     "root: refused, not followed",
                     s->path, path, key);
        sourceos_finding_remediation(
            fd, "A service's log is a plain file in its log directory; find "
                "out who made the link and where it points.");
    } else {
        fd = problem(s, "launchd.log-unreadable", SOURCEOS_SEV_INFO,
                     "%s: its log %s (%s) was not read: %s", s->path, path, key,
                     rc == -EISDIR || rc == -EINVAL ? "not a regular file"
                     : rc == -ELOOP                 ? "a symlink, not followed"
                                                    : strerror(-rc));
    }
    sourceos_finding_evidence(fd, "key", key);
    sourceos_finding_evidence(fd, "log", path);
}

/* What a log says, read tail-capped under --root. */
static void report_log_content(struct service *s, const char *key, const char *path)
{
    struct log_limits lim;
    struct log_summary *sum;
    uid_t owner;
    int rc;
    if (path[0] != '/' || log_owner_for(s->ctx, s->path, &owner) < 0)
        return;
    sum = malloc(sizeof *sum);
    if (!sum)
        return;
    log_limits_from_params(s->ctx, &lim);
    rc = log_tail_summarize(s->ctx, path, owner, &lim, sum);
    if (rc == -EPERM)
        report_log_not_owned(s, key, path, owner, sum->found_owner);
    else if (rc < 0)
        report_log_unread(s, key, path, rc);
    for (size_t i = 0; rc == 0 && i < sum->n_repeats; i++)
        report_log_repeat(s, key, path, sum, &sum->repeats[i]);
    free(sum);
}

static void report_logs(struct service *s)
{
    report_log(s, "StandardOutPath", s->out_path, "standard output", "stdout.log");
    report_log(s, "StandardErrorPath", s->err_path, "standard error", "stderr.log");
    if (strcmp(s->out_path, s->err_path) == 0) {
        report_log_content(s, "StandardOutPath, StandardErrorPath", s->out_path);
        return;
    }
    report_log_content(s, "StandardOutPath", s->out_path);
    report_log_content(s, "StandardErrorPath", s->err_path);
}

static void report_network_state(struct service *s)
{
    plist_t ka = plist_dict_get_item(s->dict, "KeepAlive");
    int top = plist_dict_get_item(s->dict, "NetworkState") != NULL;
    int in_keep_alive = s->keep_alive == KA_DICT &&
                        plist_dict_get_item(ka, "NetworkState") != NULL;
    sourceos_finding *fd;
    if (!top && !in_keep_alive)
        return;
    fd = problem(s, "launchd.networkstate-obsolete", SOURCEOS_SEV_WARNING,
                 "%s uses %s, which launchd no longer implements (since "
                 "macOS 10.10): the condition is ignored, so the job does not "
                 "wait for the network as it was meant to",
                 s->path, top ? "NetworkState" : "KeepAlive.NetworkState");
    sourceos_finding_remediation(
        fd, "Remove the key and make the program wait for (or retry) the "
            "network itself.");
    add_command(fd, needs_sudo(s), (const char *const[]){
                    "plutil", "-remove", top ? "NetworkState" : "KeepAlive.NetworkState",
                    s->path, NULL});
}

/* ---- podman run ------------------------------------------------------------ */

/* Where command C of the launch command was written, for the evidence. */
static void where_of(const struct service *s, const struct launch_simple *c, char *out,
                     size_t size)
{
    const struct launch_cmd *lc = &s->launch;
    switch (c->from) {
    case LAUNCH_FROM_ARGV:
        plugin_textf(out, size, "ProgramArguments");
        break;
    case LAUNCH_FROM_SHELL:
        plugin_textf(out, size, "the %s -c command", basename_of(lc->shell));
        break;
    case LAUNCH_FROM_SCRIPT:
        plugin_textf(out, size, "the script %s, line %u", lc->target, c->line);
        break;
    }
}

/* Looks for `podman [global options] [container] run|create` (or
 * podman-remote's, or docker's) in every simple command the service runs:
 * ProgramArguments, a shell's -c command, and the script it execs, wherever
 * podman stands in it (after exec, env, sudo, a Nix path). */
static void find_podman_run(struct service *s, struct podman_use *u)
{
    const struct launch_cmd *lc = &s->launch;
    for (size_t i = 0; i < lc->n && !u->found; i++) {
        const struct launch_simple *c = &lc->cmds[i];
        if (podman_cmd_find((const char *const *)c->argv, c->argc, &u->cmd) < 0)
            continue;
        u->found = 1;
        /* The marker speaks for the script's own runs only. */
        u->governed = c->from == LAUNCH_FROM_SCRIPT && governed_claim_holds(lc);
        where_of(s, c, u->where, sizeof u->where);
    }
}

static void podman_evidence(sourceos_finding *fd, const struct podman_use *u)
{
    const struct podman_cmd *c = &u->cmd;
    char mounts[LAUNCHD_TEXT_MAX];
    size_t used = 0;
    mounts[0] = '\0';
    for (size_t i = 0; i < c->n_mounts && used + 1 < sizeof mounts; i++) {
        int w = snprintf(mounts + used, sizeof mounts - used, "%s%s:%s%s", i ? ", " : "",
                         c->mounts[i].source, c->mounts[i].target,
                         c->mounts[i].read_only ? ":ro" : "");
        if (w < 0)
            break;
        used += (size_t)w;
    }
    sourceos_finding_evidence(fd, "where", u->where);
    sourceos_finding_evidence(fd, "podman_command", c->command);
    sourceos_finding_evidence(fd, "program", c->program_name);
    sourceos_finding_evidence(fd, "remote", c->remote ? "yes" : "no");
    sourceos_finding_evidence(fd, "image", c->image);
    sourceos_finding_evidence(fd, "pull", c->has_pull ? c->pull : "(podman's default: missing)");
    sourceos_finding_evidence(
        fd, "authfile",
        c->has_authfile ? "given"
                        : "none: the host's auth files and credential helpers "
                          "apply");
    sourceos_finding_evidence(fd, "replace", c->replace ? "yes" : "no");
    sourceos_finding_evidence(fd, "rm", c->rm ? "yes" : "no");
    sourceos_finding_evidence(fd, "mounts", mounts);
    if (c->unknown_option[0])
        sourceos_finding_evidence(fd, "unknown_option", c->unknown_option);
}

/* Every mount of a whole home, or of a directory holding homes: the
 * container can read (and unless :ro, change) everything the user (or
 * every user) has, so one finding per such mount. */
static void report_home_mounts(struct service *s, const struct podman_use *u)
{
    const struct podman_cmd *c = &u->cmd;
    for (size_t i = 0; i < c->n_mounts; i++) {
        const struct podman_mount *m = &c->mounts[i];
        enum podman_home_mount home = podman_mount_is_home(m->source);
        char what[PODMAN_CMD_VALUE_MAX + 64];
        sourceos_finding *fd;
        if (home == PODMAN_MOUNT_NO_HOME)
            continue;
        if (home == PODMAN_MOUNT_HOME)
            plugin_textf(what, sizeof what, "the whole home %s", m->source);
        else
            plugin_textf(what, sizeof what, "%s, a directory holding the home(s),",
                         m->source);
        fd = problem(s, "launchd.home-mounted", SOURCEOS_SEV_CRITICAL,
                     "%s mounts %s into the container (at %s, in %s): "
                     "what runs there can read%s every file of %s, SSH keys, "
                     "registry credentials and shell startup files included",
                     s->path, what, m->target[0] ? m->target : "?", u->where,
                     m->read_only ? "" : " and change",
                     home == PODMAN_MOUNT_HOME ? "the user" : "every user whose home is in it");
        sourceos_finding_remediation(
            fd, "Mount only the repository or worktree the agent needs (for "
                "example -v $HOME/src/REPO:/work), read-only where it can be.");
        podman_evidence(fd, u);
        sourceos_finding_evidence(fd, "mount_source", m->source);
        sourceos_finding_evidence(fd, "mount_target", m->target);
        sourceos_finding_evidence(fd, "read_only", m->read_only ? "yes" : "no");
    }
}

/* The script claims to be the governed wrapper and is not: it is judged
 * as raw (report_podman), and the false claim is a finding of its own, as
 * it is what hid the run before. */
static void report_governed_claim(struct service *s)
{
    const struct launch_cmd *lc = &s->launch;
    struct governed_claim g;
    struct podman_use u;
    sourceos_finding *fd;
    governed_claim_judge(lc, &g);
    if (g.state != PODMAN_GOVERNED_FALSE)
        return;
    if (g.cmd) {
        memset(&u, 0, sizeof u);
        u.found = 1;
        u.cmd = g.run;
        where_of(s, g.cmd, u.where, sizeof u.where);
        fd = problem(s, "launchd.governed-claim-false", SOURCEOS_SEV_CRITICAL,
                     "%s runs %s, which claims to be sourceos-agent's governed "
                     "wrapper (it carries `%s`), but its `%s %s` (in %s) lacks %s: "
                     "it is judged as a raw run",
                     s->path, lc->target, SOURCEOS_GOVERNED_MARKER, g.run.program_name,
                     g.run.subcommand, u.where, g.missing);
        podman_evidence(fd, &u);
    } else {
        fd = problem(s, "launchd.governed-claim-false", SOURCEOS_SEV_CRITICAL,
                     "%s runs %s, which claims to be sourceos-agent's governed "
                     "wrapper (it carries `%s`), but it lacks %s: it is judged as "
                     "any other script", s->path, lc->target, SOURCEOS_GOVERNED_MARKER,
                     g.missing);
    }
    sourceos_finding_remediation(
        fd, "Install the agent with sourceos-agent, whose generated wrapper runs a "
            "local image with --pull=never and an empty auth file and mounts no "
            "home; remove the marker from any script sourceos-agent did not "
            "generate.");
    sourceos_finding_evidence(fd, "wrapper", lc->target);
    sourceos_finding_evidence(fd, "missing", g.missing);
}

static void report_podman(struct service *s)
{
    struct podman_use u;
    const struct podman_cmd *c = &u.cmd;
    struct podman_image img;
    char origin[512];
    sourceos_finding *fd;
    report_governed_claim(s);
    memset(&u, 0, sizeof u);
    find_podman_run(s, &u);
    if (!u.found)
        return;
    if (!u.governed) {
        fd = problem(s, "launchd.raw-podman-run", SOURCEOS_SEV_CRITICAL,
                     "%s runs `%s %s` directly (in %s) instead of the "
                     "governed wrapper: nothing checks the Podman machine "
                     "first, and %s",
                     s->path, c->program_name, c->subcommand, u.where,
                     c->has_authfile ? "a failure is respawned as it is"
                                     : "without --authfile the host's registry "
                                       "credentials and helpers apply");
        sourceos_finding_remediation(
            fd, "Run the agent through the wrapper sourceos-agent generates: "
                "it checks the runtime, then runs a local image with "
                "--pull=never and an empty auth file.");
        podman_evidence(fd, &u);
    }
    if (strcmp(c->pull, "always") == 0 || strcmp(c->pull, "newer") == 0) {
        fd = problem(s, "launchd.podman-pull-at-start", SOURCEOS_SEV_CRITICAL,
                     "%s runs podman with --pull=%s (in %s): every start, and "
                     "every respawn, goes to the registry (and its credential "
                     "helper); an outage or a moved tag stops or changes the "
                     "service",
                     s->path, c->pull, u.where);
        sourceos_finding_remediation(
            fd, "Pull the image once, on purpose; pin it by digest and run "
                "with --pull=never.");
        podman_evidence(fd, &u);
    }
    podman_image_classify(c->image, &img);
    if (podman_image_from_registry(img.kind)) {
        fd = problem(s, "launchd.registry-image", SOURCEOS_SEV_WARNING,
                     "%s runs %s (in %s), an image from %s: unless it is "
                     "already local it is pulled at start, over the network "
                     "stack, with the credentials podman finds",
                     s->path, c->image, u.where,
                     podman_image_origin(&img, origin, sizeof origin));
        sourceos_finding_remediation(
            fd, "Run a local image (localhost/NAME, imported or built on the "
                "machine) pinned by digest.");
        podman_evidence(fd, &u);
        sourceos_finding_evidence(fd, "registry", img.registry);
        sourceos_finding_evidence(fd, "pinned", img.pinned ? "yes" : "no");
    }
    report_home_mounts(s, &u);
}

/* ---- the launch command: sh -c, Nix store wrappers, GNU-only syntax -------- */

/* Parses what the service runs: ProgramArguments, with Program (when set)
 * as the program launchd executes. */
static void parse_launch(struct service *s)
{
    const char **argv;
    size_t n = 0;
    if (!s->has_program)
        return;
    argv = calloc(s->args.n + 2, sizeof *argv);
    if (argv) {
        argv[n++] = s->program;
        for (size_t i = 1; i < s->args.n; i++)
            argv[n++] = s->args.v[i];
    }
    if (!argv || launch_cmd_parse(s->ctx, argv, n, &s->launch) < 0)
        plugin_note(s->ctx, s->v, "launchd.out-of-memory", SOURCEOS_SEV_WARNING,
                    "out of memory: what %s runs was not followed", s->path);
    free(argv);
}

/* What the lint did not see: ProgramArguments cut to fit, or commands,
 * words or a script launch_cmd did not follow. Said as a problem, so that
 * padding cannot hide a `podman run` and leave the lint passing. */
static void report_launch_cut(struct service *s)
{
    const struct launchd_argv *a = &s->args;
    char what[LAUNCHD_TEXT_MAX], args[256] = "", count[32];
    size_t used = 0;
    sourceos_finding *fd;
    int cuts = launch_cmd_cuts(&s->launch, what, sizeof what);
    if (!a->cut && !cuts)
        return;
    if (a->truncated)
        used += (size_t)snprintf(args, sizeof args,
                                 "ProgramArguments[%zu] cut short (%zu words over "
                                 "%u KiB in all)",
                                 a->first_truncated, a->truncated,
                                 LAUNCHD_ARGV_STORE / 1024u);
    if (a->dropped && used < sizeof args)
        snprintf(args + used, sizeof args - used,
                 "%s%zu ProgramArguments words beyond the %d read", used ? ", " : "",
                 a->dropped, LAUNCHD_ARGV_MAX);
    fd = problem(s, "launchd.launch-cut", SOURCEOS_SEV_WARNING,
                 "%s runs more than the lint can follow (%s%s%s): what it left out "
                 "is not judged, and may hold a raw podman run",
                 s->path, args, args[0] && cuts ? ", " : "", what);
    sourceos_finding_remediation(
        fd, "Make the launch command short enough to read: the program and its "
            "arguments in ProgramArguments, or the wrapper sourceos-agent generates.");
    plugin_textf(count, sizeof count, "%zu", a->truncated);
    sourceos_finding_evidence(fd, "arguments_truncated", count);
    plugin_textf(count, sizeof count, "%zu", a->dropped);
    sourceos_finding_evidence(fd, "arguments_dropped", count);
    plugin_textf(count, sizeof count, "%zu", s->launch.cut_commands);
    sourceos_finding_evidence(fd, "commands_dropped", count);
    plugin_textf(count, sizeof count, "%zu", s->launch.cut_words);
    sourceos_finding_evidence(fd, "words_dropped", count);
    sourceos_finding_evidence(fd, "script_too_large",
                              s->launch.script == LAUNCH_SCRIPT_TOO_LARGE ? s->launch.target
                                                                          : "");
}

static void report_shell_launch(struct service *s)
{
    const struct launch_cmd *lc = &s->launch;
    char what[LAUNCHD_TEXT_MAX];
    sourceos_finding *fd;
    if (!lc->shell_c || governed_claim_holds(lc))
        return;
    launch_cmd_account(lc, what, sizeof what);
    fd = problem(s, "launchd.shell-launch", SOURCEOS_SEV_WARNING,
                 "%s launches through `%s -c`, not a command sourceos-agent "
                 "generated: the shell runs %s%s",
                 s->path, basename_of(lc->shell), what[0] ? what : "nothing",
                 lc->wait_path ? " (nix-darwin's wait for /nix/store)" : "");
    sourceos_finding_remediation(
        fd, "Name the program and its arguments in ProgramArguments, one word "
            "each, so launchd runs it and shows it; or install the agent with "
            "sourceos-agent, whose generated wrapper checks the runtime first.");
    sourceos_finding_evidence(fd, "shell", lc->shell);
    sourceos_finding_evidence(fd, "shell_command", lc->shell_text);
    sourceos_finding_evidence(fd, "exec_target", lc->target ? lc->target : "");
    if (lc->wait_path)
        sourceos_finding_evidence(fd, "wait4path", lc->wait_path);
}

static void report_opaque_wrapper(struct service *s)
{
    const struct launch_cmd *lc = &s->launch;
    char name[256] = "", runs[512], line[32];
    sourceos_finding *fd;
    if (!lc->target || !lc->target_store || lc->target_exists != 1 || governed_claim_holds(lc))
        return;
    launch_store_path(lc->target, name, sizeof name);
    if (lc->script == LAUNCH_SCRIPT_READ && lc->final) {
        launch_cmd_summary(lc->final, runs, sizeof runs);
        fd = problem(s, "launchd.opaque-store-wrapper", SOURCEOS_SEV_WARNING,
                     "%s shows only a Nix store wrapper (%s); the wrapper runs "
                     "`%s` (its line %u)", s->path, name, runs, lc->final->line);
        launch_cmd_join(lc->final, runs, sizeof runs);
        sourceos_finding_evidence(fd, "runs", runs);
        plugin_textf(line, sizeof line, "%u", lc->final->line);
        sourceos_finding_evidence(fd, "wrapper_line", line);
    } else {
        fd = problem(s, "launchd.opaque-store-wrapper", SOURCEOS_SEV_WARNING,
                     "%s shows only a program in the Nix store (%s)%s: what it "
                     "runs cannot be seen from the service definition",
                     s->path, name,
                     lc->script == LAUNCH_SCRIPT_TOO_LARGE
                         ? ", a script too large to read"
                         : lc->script == LAUNCH_SCRIPT_BINARY ? ", a binary" : "");
    }
    sourceos_finding_remediation(
        fd, "Make the command visible where the operator looks: the real "
            "program and its arguments in ProgramArguments, or the wrapper "
            "sourceos-agent generates (it names the image and the checks it "
            "makes).");
    sourceos_finding_evidence(fd, "wrapper", lc->target);
}

static void report_target_missing(struct service *s)
{
    const char *missing[2];
    size_t n = launch_cmd_missing(s->ctx, &s->launch, missing);
    for (size_t i = 0; i < n; i++) {
        int store = launch_store_path(missing[i], NULL, 0);
        sourceos_finding *fd = problem(
            s, "launchd.wrapper-target-missing", SOURCEOS_SEV_CRITICAL,
            "%s runs %s, which does not exist%s: launchd fails to start it "
            "(at the next boot at the latest)",
            s->path, missing[i], store ? " (a garbage-collected Nix store path)" : "");
        sourceos_finding_evidence(fd, "missing", missing[i]);
        if (!store) {
            sourceos_finding_remediation(
                fd, "Install the program it names, or point the service at "
                    "the one that exists.");
            continue;
        }
        sourceos_finding_remediation(
            fd, "Rebuild the configuration that wrote this service, so it "
                "points at a store path that exists (and is a GC root), or "
                "remove the service.");
        if (s->place.kind == LAUNCHD_USER_AGENTS)
            add_command(fd, 0, (const char *const[]){"home-manager", "switch", NULL});
        else
            add_command(fd, 1, (const char *const[]){"darwin-rebuild", "switch", NULL});
    }
}

/* macOS has BSD tools: a wrapper written for GNU's fails there, often
 * half-way, and launchd respawns it. */
static void report_gnu_only(struct service *s)
{
    const struct launch_cmd *lc = &s->launch;
    unsigned reported = 0;
    for (size_t i = 0; i < lc->n && reported < 8; i++) {
        const struct launch_simple *c = &lc->cmds[i];
        const char *hint = NULL, *what;
        char where[PATH_MAX + 64], line[32];
        sourceos_finding *fd;
        if (c->from == LAUNCH_FROM_ARGV || !(what = launch_gnu_only(c, &hint)))
            continue;
        where_of(s, c, where, sizeof where);
        fd = problem(s, "launchd.gnu-only-syntax", SOURCEOS_SEV_WARNING,
                     "%s runs `%s` (in %s): GNU-only syntax that macOS's BSD "
                     "tools refuse or read differently, so the wrapper fails "
                     "on the Mac", s->path, what, where);
        sourceos_finding_remediation(fd, hint);
        sourceos_finding_evidence(fd, "where", where);
        plugin_textf(line, sizeof line, "%u", c->line);
        sourceos_finding_evidence(fd, "line", line);
        sourceos_finding_evidence(fd, "construct", what);
        reported++;
    }
}

static void report_launch(struct service *s)
{
    report_launch_cut(s);
    report_shell_launch(s);
    report_opaque_wrapper(s);
    report_target_missing(s);
    report_gnu_only(s);
}

/* ---- one file --------------------------------------------------------------- */

static void describe(struct service *s)
{
    sourceos_finding *fd = problem(
        s, "launchd.plist", SOURCEOS_SEV_INFO, "%s: %s runs %s (%s plist)",
        s->path, s->has_label ? s->label : "(no label)",
        s->has_program ? s->program : "(nothing)", s->plist->format);
    char arguments[LAUNCHD_TEXT_MAX];
    join_words(&s->args, 0, arguments, sizeof arguments);
    sourceos_finding_evidence(fd, "arguments", arguments);
    sourceos_finding_evidence(fd, "run_at_load", s->run_at_load ? "true" : "false");
}

size_t launchd_lint_file(sourceos_ctx *ctx, struct verdict *v,
                         const char *path, int describe_it)
{
    struct launchd_plist plist;
    struct service *s = calloc(1, sizeof *s);
    size_t problems;
    if (!s) {
        plugin_note(ctx, v, "launchd.out-of-memory", SOURCEOS_SEV_WARNING,
                    "out of memory: %s was not linted", path);
        return 1;
    }
    launchd_plist_load(ctx, path, &plist);
    s->ctx = ctx;
    s->v = v;
    s->path = path;
    s->plist = &plist;
    launchd_place_of(ctx, path, &s->place);
    read_service(s);
    if (plist.read_error || plist.too_large) {
        report_read_failure(s);
        report_file(s);
    } else {
        report_file(s);
        if (report_document(s)) {
            report_label(s);
            report_program(s);
            report_keep_alive(s);
            report_logs(s);
            report_network_state(s);
            parse_launch(s);
            report_podman(s);
            report_launch(s);
            if (describe_it)
                describe(s);
        }
    }
    problems = s->problems;
    launch_cmd_free(&s->launch);
    launchd_plist_release(&plist);
    free(s);
    return problems;
}

/* ---- the lint check ------------------------------------------------------------ */

sourceos_status launchd_check_lint(sourceos_ctx *ctx)
{
    struct verdict v = {0};
    const char *path = sourceos_param(ctx, "plist");
    sourceos_finding *fd;
    if (!path || !path[0]) {
        plugin_note(ctx, NULL, "launchd.no-plist", SOURCEOS_SEV_INFO,
                    "no plist to lint: the agent declares none (param plist)");
        return SOURCEOS_SKIPPED;
    }
    if (path[0] != '/') {
        fd = plugin_note(ctx, NULL, "launchd.plist-param-invalid",
                         SOURCEOS_SEV_WARNING,
                         "param plist '%s' is not an absolute path", path);
        sourceos_finding_remediation(
            fd, "Give the plist's absolute path as the host sees it.");
        return SOURCEOS_ERROR;
    }
    launchd_lint_file(ctx, &v, path, 1);
    return verdict_status(&v);
}

/* systemd: the policy rules, applied to one parsed unit and its drop-ins. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "systemd.h"
#include "../common/log_tail.h"
#include "../common/launch_cmd.h"
#include "../common/governed_claim.h"

/* systemd's defaults (DefaultStartLimitIntervalSec=10s, Burst=5, and
 * RestartSec=100ms) when a unit does not set them. */
#define DEFAULT_START_LIMIT_INTERVAL_USEC 10000000ull
#define DEFAULT_START_LIMIT_BURST 5ull
#define DEFAULT_RESTART_USEC 100000ull
#define MAX_EXECS 32

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int is_user_scope(const char *path)
{
    return strstr(path, "/systemd/user/") != NULL;
}

/* A drop-in that runs after every other (systemd applies them in name
 * order), so the fix it holds is what systemd ends up with. Its text is
 * printf's FORMAT (constant, with one %s) and ARG (which may come from the
 * unit): printf puts ARG in as it is, whatever it holds. */
static void add_dropin_fix(sourceos_finding *f, const struct unit *u, const char *name,
                           const char *format, const char *arg)
{
    char dir[PATH_MAX + 8], file[PATH_MAX + 64];
    plugin_textf(dir, sizeof dir, "%s.d", u->path);
    plugin_textf(file, sizeof file, "%s/zz-sourceos-%s.conf", dir, name);
    sourceos_finding_commandf(f,
                              is_user_scope(u->path)
                                  ? "mkdir -p %s && printf %s %s > %s && "
                                    "systemctl --user daemon-reload"
                                  : "mkdir -p %s && printf %s %s > %s && "
                                    "systemctl daemon-reload",
                              dir, format, arg, file);
}

/* ---- ExecStart -------------------------------------------------------- */

/* An Exec*= value's words, in buffers sized to the value: systemd reads
 * lines of up to 1 MiB, and a fixed buffer would cut the end of a long
 * `sh -c` string, where the podman run is, without a word. */
struct exec_line {
    char *buf;
    char **words;
    size_t n;
};

static void exec_line_free(struct exec_line *l)
{
    free(l->buf);
    free(l->words);
    memset(l, 0, sizeof *l);
}

/* The words of an Exec*= value without systemd's prefixes (-@:+!|) into
 * L; with `@` the second word is only argv[0]'s name, so it is dropped.
 * Returns L->n (0 also when out of memory). */
static size_t exec_words(const char *value, struct exec_line *l)
{
    int at = 0;
    size_t len, max;
    memset(l, 0, sizeof *l);
    while (*value && strchr("-@:+!|", *value))
        at |= *value++ == '@';
    /* Words are separated, so LEN bytes hold at most LEN/2 + 1 of them,
     * and their text with a NUL each fits in LEN + 1 bytes. */
    len = strlen(value);
    max = len / 2 + 2;
    l->buf = malloc(len + 1);
    l->words = malloc(max * sizeof *l->words);
    if (!l->buf || !l->words) {
        exec_line_free(l);
        return 0;
    }
    l->n = systemd_split_words(value, l->buf, len + 1, l->words, max);
    if (at && l->n >= 2) {
        memmove(l->words + 1, l->words + 2, (l->n - 2) * sizeof *l->words);
        l->n--;
    }
    return l->n;
}

static void check_exec(sourceos_ctx *ctx, struct verdict *v, const struct unit *u)
{
    const struct unit_setting *execs[MAX_EXECS];
    const struct unit_setting *type = unit_get(u, "Service", "Type");
    int oneshot = type && strcmp(type->value, "oneshot") == 0;
    size_t n = unit_list(u, "Service", "ExecStart", execs, MAX_EXECS);
    sourceos_finding *f;
    if (strcmp(u->kind, "service") != 0)
        return;
    if (n == 0 && !(oneshot && (unit_get(u, "Service", "ExecStop") ||
                                unit_get(u, "Service", "SuccessAction")))) {
        /* Point at the empty ExecStart= that reset the list, if one did. */
        const struct unit_setting *reset = NULL;
        for (size_t i = 0; i < u->n; i++)
            if (strcmp(u->settings[i].section, "Service") == 0 &&
                strcmp(u->settings[i].key, "ExecStart") == 0)
                reset = &u->settings[i];
        f = systemd_note(ctx, v, reset ? reset->file : u->path, reset ? reset->line : 0,
                         "systemd.exec-missing", SOURCEOS_SEV_CRITICAL,
                         reset ? "ExecStart= resets the command and none follows: "
                                 "systemd refuses to start the service"
                               : "no ExecStart=: systemd refuses to start the service");
        sourceos_finding_remediation(f, "Give the service the absolute path of the program "
                                        "to run in ExecStart= (or Type=oneshot with ExecStop=).");
        return;
    }
    if (n > 1 && !oneshot) {
        f = systemd_note(ctx, v, execs[1]->file, execs[1]->line, "systemd.exec-multiple",
                         SOURCEOS_SEV_CRITICAL,
                         "%zu ExecStart= commands: only Type=oneshot services may have "
                         "more than one; systemd refuses this one", n);
        sourceos_finding_remediation(f, "Keep one ExecStart= (an empty ExecStart= in a "
                                        "drop-in clears the unit's own first).");
    }
    for (size_t i = 0; i < n && i < MAX_EXECS; i++) {
        struct exec_line l;
        if (exec_words(execs[i]->value, &l) == 0 || l.words[0][0] == '/') {
            exec_line_free(&l);
            continue;
        }
        f = systemd_note(ctx, v, execs[i]->file, execs[i]->line, "systemd.exec-relative",
                         SOURCEOS_SEV_WARNING,
                         strchr(l.words[0], '/')
                             ? "ExecStart=%s is a relative path: systemd rejects it"
                             : "ExecStart=%s is not an absolute path: systemd looks it up "
                               "in its own fixed search path, not the user's PATH",
                         l.words[0]);
        sourceos_finding_evidence(f, "exec_start", l.words[0]);
        sourceos_finding_remediation(f, "Use the program's absolute path.");
        exec_line_free(&l);
    }
}

/* ---- Restart= and the start rate limit ---------------------------------- */

struct span {
    uint64_t usec;
    char text[96]; /* as written, or the default, for the evidence */
};

static void read_span(sourceos_ctx *ctx, struct verdict *v, const struct unit_setting *s,
                      uint64_t fallback, const char *fallback_text, struct span *out)
{
    out->usec = fallback;
    plugin_textf(out->text, sizeof out->text, "%s (default)", fallback_text);
    if (!s)
        return;
    if (systemd_parse_timespan(s->value, &out->usec) != 0) {
        sourceos_finding *f = systemd_note(
            ctx, v, s->file, s->line, "systemd.bad-value", SOURCEOS_SEV_WARNING,
            "%s=%s is not a time span: systemd ignores it and uses %s", s->key,
            s->value, fallback_text);
        sourceos_finding_remediation(f, "Write a time span such as 5s, 500ms or 1min 30s.");
        out->usec = fallback;
        return;
    }
    plugin_textf(out->text, sizeof out->text, "%s", s->value);
}

static int restart_policy_valid(const char *value)
{
    static const char *const valid[] = {"no", "on-success", "on-failure", "on-abnormal",
                                        "on-watchdog", "on-abort", "always", NULL};
    for (size_t i = 0; valid[i]; i++)
        if (strcmp(value, valid[i]) == 0)
            return 1;
    return 0;
}

/* Burst × RestartSec ≥ Interval: the Burst+1-th start never falls inside
 * the interval, so the limit never triggers. Saturates instead of
 * overflowing. */
static int limit_never_triggers(uint64_t interval, uint64_t burst, uint64_t restart)
{
    if (interval == 0 || burst == 0)
        return 1;
    if (restart != 0 && burst > UINT64_MAX / restart)
        return 1;
    return burst * restart >= interval;
}

/* Where systemd reads the start rate limit (src/core/load-fragment-gperf.gperf.in,
 * the same in systemd 252 and today): in [Unit], StartLimitIntervalSec=, its
 * old name StartLimitInterval= and StartLimitBurst=; in [Service], "for
 * compatibility", only the old names StartLimitInterval= and
 * StartLimitBurst=. Every name writes the one value the unit has, so the
 * last assignment wins wherever it is. Anywhere else a limit key is unknown
 * and ignored; `systemd-analyze verify` says, e.g., "Unknown key
 * 'StartLimitIntervalSec' in section [Service], ignoring." */
enum limit_place { LIMIT_NOT_A_LIMIT, LIMIT_UNIT, LIMIT_SERVICE_ALIAS, LIMIT_IGNORED };

static int is_interval_key(const char *key)
{
    return strcmp(key, "StartLimitIntervalSec") == 0 || strcmp(key, "StartLimitInterval") == 0;
}

static enum limit_place limit_place(const struct unit *u, const struct unit_setting *s)
{
    if (!is_interval_key(s->key) && strcmp(s->key, "StartLimitBurst") != 0)
        return LIMIT_NOT_A_LIMIT;
    if (strcmp(s->section, "Unit") == 0)
        return LIMIT_UNIT;
    if (strcmp(s->section, "Service") == 0 && strcmp(u->kind, "service") == 0 &&
        strcmp(s->key, "StartLimitIntervalSec") != 0)
        return LIMIT_SERVICE_ALIAS;
    return LIMIT_IGNORED;
}

/* A limit key outside [Unit]: ignored (a warning, with a drop-in that puts
 * the value where systemd reads it), or the old [Service] alias systemd
 * still honours (info: it works, but belongs in [Unit]). */
static void check_limit_keys(sourceos_ctx *ctx, struct verdict *v, const struct unit *u)
{
    for (size_t i = 0; i < u->n; i++) {
        const struct unit_setting *s = &u->settings[i];
        enum limit_place place = limit_place(u, s);
        int burst = strcmp(s->key, "StartLimitBurst") == 0;
        sourceos_finding *f;
        if (place == LIMIT_NOT_A_LIMIT || place == LIMIT_UNIT)
            continue;
        if (place == LIMIT_SERVICE_ALIAS)
            f = systemd_note(ctx, v, s->file, s->line, "systemd.start-limit-misplaced",
                             SOURCEOS_SEV_INFO,
                             "%s=%s in [Service]: systemd still reads this old spelling, "
                             "for compatibility, as [Unit]'s %s=", s->key, s->value,
                             burst ? "StartLimitBurst" : "StartLimitIntervalSec");
        else
            f = systemd_note(ctx, v, s->file, s->line, "systemd.start-limit-misplaced",
                             SOURCEOS_SEV_WARNING,
                             "%s=%s in [%s]: systemd does not know this key there and "
                             "ignores it (\"Unknown key '%s' in section [%s], ignoring.\"); "
                             "the start rate limit is set in [Unit]", s->key, s->value,
                             s->section, s->key, s->section);
        sourceos_finding_evidence(f, "key", s->key);
        sourceos_finding_evidence(f, "section", s->section);
        sourceos_finding_evidence(f, "value", s->value);
        sourceos_finding_remediation(f, "Move the line to [Unit] (as StartLimitIntervalSec= "
                                        "or StartLimitBurst=) and delete it here.");
        if (place == LIMIT_IGNORED)
            add_dropin_fix(f, u, burst ? "start-limit-burst" : "start-limit-interval",
                           burst ? "[Unit]\\nStartLimitBurst=%s\\n"
                                 : "[Unit]\\nStartLimitIntervalSec=%s\\n",
                           s->value);
    }
}

/* A count as systemd's config_parse_unsigned takes it: decimal digits. */
static int parse_count(const char *text, uint64_t *out)
{
    char *end;
    unsigned long long n;
    if (text[0] < '0' || text[0] > '9')
        return -1;
    errno = 0;
    n = strtoull(text, &end, 10);
    if (errno || *end)
        return -1;
    *out = n;
    return 0;
}

/* The interval (or, with BURST, the burst) systemd ends up with: the last
 * assignment where systemd reads one that parses. A line it cannot parse
 * (an empty one included) it ignores, keeping what came before
 * ("Failed to parse sec value, ignoring"). */
static void read_limit(sourceos_ctx *ctx, struct verdict *v, const struct unit *u, int burst,
                       uint64_t *value, char *text, size_t size)
{
    for (size_t i = 0; i < u->n; i++) {
        const struct unit_setting *s = &u->settings[i];
        enum limit_place place = limit_place(u, s);
        uint64_t parsed;
        if ((place != LIMIT_UNIT && place != LIMIT_SERVICE_ALIAS) ||
            burst != (strcmp(s->key, "StartLimitBurst") == 0))
            continue;
        if (burst ? parse_count(s->value, &parsed) != 0
                  : systemd_parse_timespan(s->value, &parsed) != 0) {
            sourceos_finding *f = systemd_note(
                ctx, v, s->file, s->line, "systemd.bad-value", SOURCEOS_SEV_WARNING,
                "%s=%s is not a %s: systemd ignores this line", s->key, s->value,
                burst ? "number" : "time span");
            sourceos_finding_remediation(f, burst ? "Write a count such as 3."
                                                  : "Write a time span such as 60s or 5min.");
            continue;
        }
        *value = parsed;
        plugin_textf(text, size, "%s", s->value);
    }
}

static void check_restart(sourceos_ctx *ctx, struct verdict *v, const struct unit *u)
{
    const struct unit_setting *restart = unit_get(u, "Service", "Restart");
    struct span restart_sec, interval = {DEFAULT_START_LIMIT_INTERVAL_USEC, "10s (default)"};
    uint64_t burst = DEFAULT_START_LIMIT_BURST;
    char burst_text[96] = "5 (default)";
    sourceos_finding *f;

    check_limit_keys(ctx, v, u);
    if (!restart)
        return;
    if (!restart_policy_valid(restart->value)) {
        f = systemd_note(ctx, v, restart->file, restart->line, "systemd.bad-value",
                         SOURCEOS_SEV_WARNING,
                         "Restart=%s is not a restart policy: systemd ignores it (no "
                         "restarts)", restart->value);
        sourceos_finding_remediation(f, "Use Restart=on-failure with a start limit, or "
                                        "Restart=no.");
        return;
    }
    if (strcmp(restart->value, "no") == 0)
        return;
    read_span(ctx, v, unit_get(u, "Service", "RestartSec"), DEFAULT_RESTART_USEC, "100ms",
              &restart_sec);
    read_limit(ctx, v, u, 0, &interval.usec, interval.text, sizeof interval.text);
    read_limit(ctx, v, u, 1, &burst, burst_text, sizeof burst_text);

    if (limit_never_triggers(interval.usec, burst, restart_sec.usec)) {
        const char *why = interval.usec == 0
                              ? "StartLimitIntervalSec=0 disables the start rate limit"
                          : burst == 0
                              ? "StartLimitBurst=0 disables the start rate limit"
                              : "StartLimitBurst restarts RestartSec apart never fit inside "
                                "StartLimitIntervalSec, so the rate limit never triggers";
        f = systemd_note(ctx, v, restart->file, restart->line, "systemd.restart-unbounded",
                         SOURCEOS_SEV_CRITICAL,
                         "Restart=%s restarts without bound: %s (RestartSec=%s, "
                         "StartLimitBurst=%s, StartLimitIntervalSec=%s)",
                         restart->value, why, restart_sec.text, burst_text, interval.text);
        sourceos_finding_evidence(f, "restart", restart->value);
        sourceos_finding_evidence(f, "restart_sec", restart_sec.text);
        sourceos_finding_evidence(f, "start_limit_interval", interval.text);
        sourceos_finding_evidence(f, "start_limit_burst", burst_text);
        sourceos_finding_remediation(
            f, "Bound the restarts: in [Unit] set StartLimitIntervalSec= and "
               "StartLimitBurst= so that Burst x RestartSec is well below the interval "
               "(e.g. RestartSec=5, StartLimitBurst=3, StartLimitIntervalSec=60), or set "
               "Restart=no.");
        add_dropin_fix(f, u, "restart-bound",
                       "[Unit]\\nStartLimitIntervalSec=60\\nStartLimitBurst=3\\n"
                       "[Service]\\nRestart=%s\\nRestartSec=5\\n",
                       strcmp(restart->value, "always") == 0 ? "on-failure"
                                                              : restart->value);
    }
    if (restart_sec.usec < 1000000) {
        f = systemd_note(ctx, v, restart->file, restart->line, "systemd.restart-fast",
                         SOURCEOS_SEV_WARNING,
                         "Restart=%s with RestartSec=%s: restarts come less than a "
                         "second apart", restart->value, restart_sec.text);
        sourceos_finding_evidence(f, "restart_sec", restart_sec.text);
        sourceos_finding_remediation(f, "Wait between restarts: RestartSec=5 or more.");
    }
}

/* ---- logs --------------------------------------------------------------- */

/* The file StandardOutput=/StandardError= writes to, or NULL. */
static const char *log_file_of(const char *value)
{
    static const char *const kinds[] = {"file:", "append:", "truncate:", NULL};
    for (size_t i = 0; kinds[i]; i++)
        if (starts_with(value, kinds[i]))
            return value + strlen(kinds[i]);
    return NULL;
}

static int in_tmp(const char *path)
{
    /* %T and %V are systemd's specifiers for /tmp and /var/tmp. */
    static const char *const dirs[] = {"/tmp", "/var/tmp", "%T", "%V", NULL};
    for (size_t i = 0; dirs[i]; i++) {
        size_t n = strlen(dirs[i]);
        if (strncmp(path, dirs[i], n) == 0 && (path[n] == '/' || path[n] == '\0'))
            return 1;
    }
    return 0;
}

/* One failure repeated in a log: systemd restarted the service again and
 * again and it failed the same way each time. */
static void note_log_repeat(sourceos_ctx *ctx, struct verdict *v,
                            const struct unit_setting *s, const char *path,
                            const struct log_summary *sum, const struct log_repeat *r)
{
    char when[LOG_TIME_MAX * 2 + 48];
    sourceos_finding *f;
    log_repeat_when(r, when, sizeof when);
    f = systemd_note(ctx, v, s->file, s->line, "systemd.log-repeated-failure",
                     SOURCEOS_SEV_WARNING,
                     "%s=%s: the log repeats one failure %zu times (%s): \"%s\"; "
                     "the offline sign of a restart loop",
                     s->key, s->value, r->count, when, r->example);
    sourceos_finding_remediation(
        f, "The service fails the same way at every start and systemd starts it "
           "again: fix what the line names, and bound restarts (RestartSec=, "
           "StartLimitBurst= in [Unit]). Read the log's end.");
    sourceos_finding_evidence(f, "log", path);
    log_repeat_evidence(f, sum, r);
    sourceos_finding_command_argv(f, (const char *const[]){"tail", "-n", "50", "--",
                                                           path, NULL});
}

/* A log that is not the unit's user's: what the unit names is read only
 * when that user could read it, so a user's unit cannot make a root run
 * quote a root-only file. Its content is never looked at. */
static void note_log_not_owned(sourceos_ctx *ctx, struct verdict *v,
                               const struct unit_setting *s, const char *path,
                               uid_t owner, uid_t found)
{
    char text[32];
    sourceos_finding *f = systemd_note(
        ctx, v, s->file, s->line, "systemd.log-not-owned", SOURCEOS_SEV_INFO,
        "%s=%s: the log belongs to uid %lu, not to uid %lu, the unit's user: "
        "not read, since the unit may name a file its user could not read",
        s->key, s->value, (unsigned long)found, (unsigned long)owner);
    sourceos_finding_remediation(f, "If the file is this unit's log, give it to the unit's "
                                    "user (chown); if it is not, the unit names someone "
                                    "else's file: find out why.");
    sourceos_finding_evidence(f, "log", path);
    plugin_textf(text, sizeof text, "%lu", (unsigned long)found);
    sourceos_finding_evidence(f, "owner_uid", text);
    plugin_textf(text, sizeof text, "%lu", (unsigned long)owner);
    sourceos_finding_evidence(f, "expected_uid", text);
}

/* A log that could not be read: not there yet says nothing; not allowed to
 * look is the plugin's permission-denied; a link out of --root is refused. */
static void note_log_unread(sourceos_ctx *ctx, struct verdict *v,
                            const struct unit_setting *s, const char *path, int rc)
{
    sourceos_finding *f;
    if (rc == -ENOENT || rc == -ENOTDIR)
        return;
    if (rc == -EACCES) {
        plugin_denied(ctx, v, "systemd.permission-denied", path, NULL);
        return;
    }
    if (rc == -EXDEV) {
        f = systemd_note(ctx, v, s->file, s->line, "systemd.log-unreadable",
                         SOURCEOS_SEV_WARNING,
                         "%s=%s: the log is a symlink that leads out of the root: "
                         "refused, not followed",
                         s->key, s->value);
        sourceos_finding_remediation(f, "A service's log is a plain file; find out who "
                                        "made the link and where it points.");
    } else {
        f = systemd_note(ctx, v, s->file, s->line, "systemd.log-unreadable",
                         SOURCEOS_SEV_INFO, "%s=%s: the log was not read: %s", s->key,
                         s->value,
                         rc == -EISDIR || rc == -EINVAL ? "not a regular file"
                         : rc == -ELOOP                 ? "a symlink, not followed"
                                                        : strerror(-rc));
    }
    sourceos_finding_evidence(f, "log", path);
}

/* What the files StandardOutput=/StandardError= write say, read
 * tail-capped under --root; a file both name is read once. Paths with
 * specifiers (%h, %T, ...) are not resolved here and not read. */
static void check_log_contents(sourceos_ctx *ctx, struct verdict *v, const struct unit *u)
{
    static const char *const keys[] = {"StandardOutput", "StandardError", NULL};
    const char *done = NULL;
    struct log_limits lim;
    struct log_summary *sum = NULL;
    uid_t owner;
    log_limits_from_params(ctx, &lim);
    for (size_t i = 0; keys[i]; i++) {
        const struct unit_setting *s = unit_get(u, "Service", keys[i]);
        const char *file = s ? log_file_of(s->value) : NULL;
        int rc;
        if (!file || file[0] != '/' || strchr(file, '%') || (done && strcmp(done, file) == 0))
            continue;
        done = file;
        /* The unit's user, from where the unit lives (a drop-in elsewhere
         * cannot make it someone else's). */
        if (log_owner_for(ctx, u->path, &owner) < 0)
            continue;
        if (!sum && !(sum = malloc(sizeof *sum)))
            return;
        rc = log_tail_summarize(ctx, file, owner, &lim, sum);
        if (rc == -EPERM)
            note_log_not_owned(ctx, v, s, file, owner, sum->found_owner);
        else if (rc < 0)
            note_log_unread(ctx, v, s, file, rc);
        for (size_t r = 0; rc == 0 && r < sum->n_repeats; r++)
            note_log_repeat(ctx, v, s, file, sum, &sum->repeats[r]);
    }
    free(sum);
}

static void check_logs(sourceos_ctx *ctx, struct verdict *v, const struct unit *u)
{
    static const char *const keys[] = {"StandardOutput", "StandardError", NULL};
    for (size_t i = 0; keys[i]; i++) {
        const struct unit_setting *s = unit_get(u, "Service", keys[i]);
        const char *file = s ? log_file_of(s->value) : NULL;
        sourceos_finding *f;
        if (!file || !in_tmp(file))
            continue;
        f = systemd_note(ctx, v, s->file, s->line, "systemd.log-in-tmp",
                         SOURCEOS_SEV_CRITICAL,
                         "%s=%s logs under a world-writable temporary directory: anyone "
                         "can read, pre-create or replace the file, and it vanishes",
                         s->key, s->value);
        sourceos_finding_evidence(f, "log", file);
        sourceos_finding_remediation(f, "Log to the journal, or to a file in the service's "
                                        "own log directory (LogsDirectory=).");
        add_dropin_fix(f, u, i == 0 ? "stdout" : "stderr", "[Service]\\n%s=journal\\n",
                       keys[i]);
    }
    check_log_contents(ctx, v, u);
}

/* ---- podman run --------------------------------------------------------- */

/* Where a podman command was found: the unit's Exec line, and the wrapper
 * script's line when it came from one. */
struct site {
    const struct unit_setting *exec;
    const char *script;
    int script_line;
};

/* The index of the program word when WORDS[AT] starts a `podman run` or
 * `podman container run` (or create, podman-remote's, docker's), read into
 * CMD by the one podman parser; else -1. */
static long podman_run_index(char **words, size_t n, size_t at, struct podman_cmd *cmd)
{
    return podman_cmd_parse((const char *const *)words + at, n - at, cmd) ? (long)at : -1;
}

/* What the podman parser read, for every podman finding. */
static void podman_evidence(sourceos_finding *f, const struct podman_cmd *cmd)
{
    char mounts[2048];
    size_t used = 0;
    mounts[0] = '\0';
    for (size_t i = 0; i < cmd->n_mounts && used + 1 < sizeof mounts; i++) {
        int w = snprintf(mounts + used, sizeof mounts - used, "%s%s:%s%s", i ? ", " : "",
                         cmd->mounts[i].source, cmd->mounts[i].target,
                         cmd->mounts[i].read_only ? ":ro" : "");
        if (w < 0)
            break;
        used += (size_t)w;
    }
    sourceos_finding_evidence(f, "podman_command", cmd->command);
    sourceos_finding_evidence(f, "program", cmd->program_name);
    sourceos_finding_evidence(f, "remote", cmd->remote ? "yes" : "no");
    sourceos_finding_evidence(f, "image", cmd->image);
    sourceos_finding_evidence(f, "pull", cmd->has_pull ? cmd->pull
                                                       : "(podman's default: missing)");
    sourceos_finding_evidence(f, "authfile", cmd->has_authfile ? "given" : "none");
    sourceos_finding_evidence(f, "replace", cmd->replace ? "yes" : "no");
    sourceos_finding_evidence(f, "rm", cmd->rm ? "yes" : "no");
    sourceos_finding_evidence(f, "mounts", mounts);
    if (cmd->unknown_option[0])
        sourceos_finding_evidence(f, "unknown_option", cmd->unknown_option);
}

static sourceos_finding *note_podman(sourceos_ctx *ctx, struct verdict *v,
                                     const struct site *at, const struct podman_cmd *cmd,
                                     const char *code, sourceos_severity sev,
                                     const char *what, const char *remedy)
{
    sourceos_finding *f;
    char where[4200] = "";
    if (at->script)
        plugin_textf(where, sizeof where, " (in %s, which %s=%s runs, line %d)", at->script,
                 at->exec->key, base_name(at->script), at->script_line);
    f = systemd_note(ctx, v, at->exec->file, at->exec->line, code, sev, "%s%s", what, where);
    if (at->script) {
        char line[32];
        plugin_textf(line, sizeof line, "%d", at->script_line);
        sourceos_finding_evidence(f, "wrapper", at->script);
        sourceos_finding_evidence(f, "wrapper_line", line);
    }
    sourceos_finding_remediation(f, remedy);
    podman_evidence(f, cmd);
    return f;
}

/* The `podman run` CMD: itself, its pull policy, its image, its mounts. */
/* GOVERNED: the command is in sourceos-agent's own wrapper, so it is not a
 * raw run; its pull policy, image and mounts are judged all the same (the
 * launchd lint judges them alike). */
static void check_podman_run(sourceos_ctx *ctx, struct verdict *v, const struct site *at,
                             const struct podman_cmd *cmd, int governed)
{
    char what[2048], origin[512];
    struct podman_image img;
    sourceos_finding *f;
    plugin_textf(what, sizeof what, "a raw `%s %s` instead of the governed wrapper: nothing "
                 "checks the runtime, the image or the credentials before it runs",
                 cmd->program_name, cmd->subcommand);
    if (!governed)
        note_podman(ctx, v, at, cmd, "systemd.raw-podman-run", SOURCEOS_SEV_CRITICAL, what,
                    "Run the agent through the wrapper sourceos-agent generates (it checks "
                    "the runtime, then runs a local image with --pull=never and an empty "
                    "auth file).");
    if (strcmp(cmd->pull, "always") == 0 || strcmp(cmd->pull, "newer") == 0) {
        plugin_textf(what, sizeof what, "`%s %s --pull=%s` pulls the image from "
                     "a registry at every start", cmd->program_name, cmd->subcommand,
                     cmd->pull);
        note_podman(ctx, v, at, cmd, "systemd.pull-at-start", SOURCEOS_SEV_CRITICAL, what,
                    "Use --pull=never with a local image pinned by digest.");
    }
    podman_image_classify(cmd->image, &img);
    if (podman_image_from_registry(img.kind)) {
        plugin_textf(what, sizeof what, "`%s %s` image %s comes from %s, not local "
                     "storage: pulled over the network stack when missing",
                     cmd->program_name, cmd->subcommand, cmd->image,
                     podman_image_origin(&img, origin, sizeof origin));
        f = note_podman(ctx, v, at, cmd, "systemd.registry-image", SOURCEOS_SEV_WARNING,
                        what, "Run a local image (localhost/NAME@sha256:...) that was "
                              "pulled and verified beforehand.");
        sourceos_finding_evidence(f, "registry", img.registry);
        sourceos_finding_evidence(f, "pinned", img.pinned ? "yes" : "no");
    }
    for (size_t i = 0; i < cmd->n_mounts; i++) {
        const struct podman_mount *m = &cmd->mounts[i];
        enum podman_home_mount home = podman_mount_is_home(m->source);
        if (home == PODMAN_MOUNT_NO_HOME)
            continue;
        plugin_textf(what, sizeof what, "`%s %s` mounts %s%s%s into the container (at "
                     "%s): what runs there can read%s every file of %s, SSH keys, "
                     "registry credentials and shell startup files included",
                     cmd->program_name, cmd->subcommand,
                     home == PODMAN_MOUNT_HOME ? "the whole home " : "", m->source,
                     home == PODMAN_MOUNT_HOME ? "" : ", a directory holding the home(s),",
                     m->target[0] ? m->target : "?", m->read_only ? "" : " and change",
                     home == PODMAN_MOUNT_HOME ? "the user" : "every user whose home is in it");
        f = note_podman(ctx, v, at, cmd, "systemd.home-mounted", SOURCEOS_SEV_CRITICAL, what,
                        "Mount only the repository or worktree the agent needs (for "
                        "example -v %h/src/REPO:/work), read-only where it can be.");
        sourceos_finding_evidence(f, "mount_source", m->source);
        sourceos_finding_evidence(f, "mount_target", m->target);
        sourceos_finding_evidence(f, "read_only", m->read_only ? "yes" : "no");
    }
}

/* The script claims to be the governed wrapper and is not: its runs are
 * judged as raw (check_podman_in), and the false claim is a finding of its
 * own, as it is what hid them before. */
static void check_governed_claim(sourceos_ctx *ctx, struct verdict *v,
                                 const struct unit_setting *exec, const struct launch_cmd *lc,
                                 const struct governed_claim *g)
{
    static const char remedy[] =
        "Install the agent with sourceos-agent, whose generated wrapper runs a local "
        "image with --pull=never and an empty auth file and mounts no home; remove the "
        "marker from any script sourceos-agent did not generate.";
    char what[2048];
    sourceos_finding *f;
    if (g->state != PODMAN_GOVERNED_FALSE)
        return;
    if (g->cmd) {
        struct site at = {exec, lc->target, (int)g->cmd->line};
        plugin_textf(what, sizeof what, "%s claims to be sourceos-agent's governed wrapper "
                     "(it carries `%s`), but its `%s %s` lacks %s: it is judged as a raw run",
                     base_name(lc->target), SOURCEOS_GOVERNED_MARKER, g->run.program_name,
                     g->run.subcommand, g->missing);
        f = note_podman(ctx, v, &at, &g->run, "systemd.governed-claim-false",
                        SOURCEOS_SEV_CRITICAL, what, remedy);
    } else {
        f = systemd_note(ctx, v, exec->file, exec->line, "systemd.governed-claim-false",
                         SOURCEOS_SEV_CRITICAL,
                         "%s= runs %s, which claims to be sourceos-agent's governed wrapper "
                         "(it carries `%s`), but it lacks %s: it is judged as any other "
                         "script", exec->key, lc->target, SOURCEOS_GOVERNED_MARKER,
                         g->missing);
        sourceos_finding_remediation(f, remedy);
        sourceos_finding_evidence(f, "wrapper", lc->target);
    }
    sourceos_finding_evidence(f, "missing", g->missing);
}

/* Every `podman run` among the simple commands an Exec line runs: its
 * words, through env and a shell's -c, and the script it execs (a raw run
 * unless that is the governed wrapper, whose claim is checked first). */
static void check_podman_in(sourceos_ctx *ctx, struct verdict *v,
                            const struct unit_setting *exec, const struct launch_cmd *lc)
{
    struct governed_claim g;
    int governed;
    governed_claim_judge(lc, &g);
    check_governed_claim(ctx, v, exec, lc, &g);
    governed = g.state == PODMAN_GOVERNED_VERIFIED;
    for (size_t i = 0; i < lc->n; i++) {
        const struct launch_simple *c = &lc->cmds[i];
        struct site at = {exec, NULL, 0};
        if (c->from == LAUNCH_FROM_SCRIPT)
            at.script = lc->target;
        at.script_line = (int)c->line;
        for (size_t w = c->prog; w < c->argc; w++) {
            struct podman_cmd cmd;
            if (podman_run_index(c->argv, c->argc, w, &cmd) >= 0) {
                check_podman_run(ctx, v, &at, &cmd,
                                 governed && c->from == LAUNCH_FROM_SCRIPT);
                break; /* a simple command runs one program */
            }
        }
    }
}

/* ---- what ExecStart really runs: sh -c, Nix store wrappers ------------------- */

/* What launch_cmd did not follow (commands, words, a script too large):
 * said as a problem, so that padding cannot hide a `podman run` and leave
 * the lint passing. */
static void check_launch_cut(sourceos_ctx *ctx, struct verdict *v,
                             const struct unit_setting *exec, const struct launch_cmd *lc)
{
    char what[1024], count[32];
    sourceos_finding *f;
    if (!launch_cmd_cuts(lc, what, sizeof what))
        return;
    f = systemd_note(ctx, v, exec->file, exec->line, "systemd.launch-cut",
                     SOURCEOS_SEV_WARNING,
                     "%s= runs more than the lint can follow (%s): what it left out is "
                     "not judged, and may hold a raw podman run",
                     exec->key, what);
    sourceos_finding_remediation(f, "Make the command short enough to read: the program "
                                    "and its arguments in the Exec line, or the wrapper "
                                    "sourceos-agent generates.");
    plugin_textf(count, sizeof count, "%zu", lc->cut_commands);
    sourceos_finding_evidence(f, "commands_dropped", count);
    plugin_textf(count, sizeof count, "%zu", lc->cut_words);
    sourceos_finding_evidence(f, "words_dropped", count);
    sourceos_finding_evidence(f, "script_too_large",
                              lc->script == LAUNCH_SCRIPT_TOO_LARGE ? lc->target : "");
}

static void check_shell_launch(sourceos_ctx *ctx, struct verdict *v,
                               const struct unit_setting *exec, const struct launch_cmd *lc)
{
    char what[2048];
    sourceos_finding *f;
    if (!lc->shell_c || governed_claim_holds(lc))
        return;
    launch_cmd_account(lc, what, sizeof what);
    f = systemd_note(ctx, v, exec->file, exec->line, "systemd.shell-launch",
                     SOURCEOS_SEV_WARNING,
                     "%s= launches through `%s -c`, not a command sourceos-agent "
                     "generated: the shell runs %s",
                     exec->key, base_name(lc->shell), what[0] ? what : "nothing");
    sourceos_finding_remediation(f, "Give the program and its arguments in ExecStart= "
                                    "directly, so systemd runs it and shows it; or "
                                    "install the agent with sourceos-agent, whose "
                                    "generated wrapper checks the runtime first.");
    sourceos_finding_evidence(f, "shell", lc->shell);
    sourceos_finding_evidence(f, "shell_command", lc->shell_text);
    sourceos_finding_evidence(f, "exec_target", lc->target ? lc->target : "");
}

static void check_opaque_wrapper(sourceos_ctx *ctx, struct verdict *v,
                                 const struct unit_setting *exec, const struct launch_cmd *lc)
{
    char name[256] = "", runs[1024], line[32];
    sourceos_finding *f;
    if (!lc->target || !lc->target_store || lc->target_exists != 1 || governed_claim_holds(lc))
        return;
    launch_store_path(lc->target, name, sizeof name);
    if (lc->script == LAUNCH_SCRIPT_READ && lc->final) {
        launch_cmd_summary(lc->final, runs, sizeof runs);
        f = systemd_note(ctx, v, exec->file, exec->line, "systemd.opaque-store-wrapper",
                         SOURCEOS_SEV_WARNING,
                         "%s= shows only a Nix store wrapper (%s); the wrapper runs `%s` "
                         "(its line %u)", exec->key, name, runs, lc->final->line);
        launch_cmd_join(lc->final, runs, sizeof runs);
        sourceos_finding_evidence(f, "runs", runs);
        plugin_textf(line, sizeof line, "%u", lc->final->line);
        sourceos_finding_evidence(f, "wrapper_line", line);
    } else {
        f = systemd_note(ctx, v, exec->file, exec->line, "systemd.opaque-store-wrapper",
                         SOURCEOS_SEV_WARNING,
                         "%s= shows only a program in the Nix store (%s)%s: what it runs "
                         "cannot be seen from the unit", exec->key, name,
                         lc->script == LAUNCH_SCRIPT_TOO_LARGE ? ", a script too large to read"
                         : lc->script == LAUNCH_SCRIPT_BINARY  ? ", a binary"
                                                               : "");
    }
    sourceos_finding_remediation(f, "Make the command visible where the operator looks: "
                                    "the real program and its arguments in ExecStart=, or "
                                    "the wrapper sourceos-agent generates (it names the "
                                    "image and the checks it makes).");
    sourceos_finding_evidence(f, "wrapper", lc->target);
}

static void check_target_missing(sourceos_ctx *ctx, struct verdict *v, const struct unit *u,
                                 const struct unit_setting *exec, const struct launch_cmd *lc)
{
    const char *missing[2];
    size_t n = launch_cmd_missing(ctx, lc, missing);
    for (size_t i = 0; i < n; i++) {
        int store = launch_store_path(missing[i], NULL, 0);
        sourceos_finding *f = systemd_note(
            ctx, v, exec->file, exec->line, "systemd.wrapper-target-missing",
            SOURCEOS_SEV_CRITICAL,
            "%s= runs %s, which does not exist%s: the service fails at its next start",
            exec->key, missing[i], store ? " (a garbage-collected Nix store path)" : "");
        sourceos_finding_evidence(f, "missing", missing[i]);
        if (!store) {
            sourceos_finding_remediation(f, "Install the program it names, or point "
                                            "ExecStart= at the one that exists.");
            continue;
        }
        sourceos_finding_remediation(f, "Rebuild the configuration that wrote this unit, so "
                                        "it points at a store path that exists (and is a GC "
                                        "root), or remove the unit.");
        /* Constant commands: no word from the host. */
        if (is_user_scope(u->path))
            sourceos_finding_command(f, "home-manager switch");
        else
            sourceos_finding_command(f, "sudo nixos-rebuild switch");
    }
}

/* Each Exec line: the commands it really runs (launch_cmd), their podman
 * runs, and for ExecStart= how it launches. */
static void check_podman(sourceos_ctx *ctx, struct verdict *v, const struct unit *u)
{
    static const char *const keys[] = {"ExecStartPre", "ExecStart", "ExecStartPost", NULL};
    for (size_t k = 0; keys[k]; k++) {
        const struct unit_setting *execs[MAX_EXECS];
        size_t n = unit_list(u, "Service", keys[k], execs, MAX_EXECS);
        for (size_t i = 0; i < n && i < MAX_EXECS; i++) {
            struct exec_line l;
            struct launch_cmd lc;
            size_t nw = exec_words(execs[i]->value, &l);
            int rc = nw ? launch_cmd_parse(ctx, (const char *const *)l.words, nw, &lc) : -1;
            exec_line_free(&l);
            if (rc < 0)
                continue;
            check_launch_cut(ctx, v, execs[i], &lc);
            check_podman_in(ctx, v, execs[i], &lc);
            if (strcmp(keys[k], "ExecStart") == 0) {
                check_shell_launch(ctx, v, execs[i], &lc);
                check_opaque_wrapper(ctx, v, execs[i], &lc);
                check_target_missing(ctx, v, u, execs[i], &lc);
            }
            launch_cmd_free(&lc);
        }
    }
}

/* ---- owner and mode ----------------------------------------------------- */

/* Who should own a unit: root for the system directories, else whoever
 * owns the directory it is in (the user, for ~/.config/systemd/user). */
static long expected_owner(sourceos_ctx *ctx, const char *path)
{
    static const char *const system_dirs[] = {"/etc/", "/usr/", "/lib/", "/run/", NULL};
    char dir[4096];
    const char *host, *slash;
    struct stat st;
    for (size_t i = 0; system_dirs[i]; i++)
        if (starts_with(path, system_dirs[i]))
            return 0;
    slash = strrchr(path, '/');
    plugin_textf(dir, sizeof dir, "%.*s", slash && slash != path ? (int)(slash - path) : 1, path);
    host = sourceos_host_path(ctx, dir);
    if (!host || stat(host, &st) != 0)
        return -1;
    plugin_as_captured(ctx, dir, &st);
    return (long)st.st_uid;
}

static int stat_unit(sourceos_ctx *ctx, const char *path, struct stat *st)
{
    const char *host = sourceos_host_path(ctx, path);
    if (!host || stat(host, st) != 0)
        return -1;
    plugin_as_captured(ctx, path, st);
    return 0;
}

static void check_ownership(sourceos_ctx *ctx, struct verdict *v, const struct unit *u)
{
    struct stat st;
    long owner;
    char uid[32];
    sourceos_finding *f;
    for (size_t i = 0; i < u->n_files; i++) {
        const char *file = u->files[i];
        if (stat_unit(ctx, file, &st) != 0)
            continue;
        owner = expected_owner(ctx, u->path);
        if (owner >= 0 && (long)st.st_uid != owner) {
            f = systemd_note(ctx, v, file, 0, "systemd.unit-owner", SOURCEOS_SEV_CRITICAL,
                             "owned by uid %ld, not uid %ld (%s): that user can change "
                             "what runs", (long)st.st_uid, owner,
                             owner == 0 ? "root, for a system directory"
                                        : "the owner of its directory");
            plugin_textf(uid, sizeof uid, "%ld", owner);
            sourceos_finding_remediation(f, "Give the file to the owner of its directory.");
            sourceos_finding_commandf(f, "chown %s %s", owner == 0 ? "root:root" : uid, file);
        }
        if (st.st_mode & (S_IWGRP | S_IWOTH)) {
            f = systemd_note(ctx, v, file, 0, "systemd.unit-permissions",
                             SOURCEOS_SEV_CRITICAL,
                             "mode 0%03o: writable by %s, who can then change what runs",
                             (unsigned)(st.st_mode & 07777),
                             st.st_mode & S_IWOTH ? "anyone" : "its group");
            sourceos_finding_remediation(f, "Make it writable by its owner only.");
            sourceos_finding_commandf(f, "chmod 644 %s", file);
        }
    }
}

/* ---- per-user services installed system-wide ---------------------------- */

static int points_home(const char *value)
{
    return strstr(value, "/home/") || strstr(value, "%h");
}

static void check_system_wide_user_unit(sourceos_ctx *ctx, struct verdict *v,
                                        const struct unit *u)
{
    static const char *const keys[] = {"ExecStartPre", "ExecStart", "ExecStartPost",
                                       "WorkingDirectory", "Environment",
                                       "EnvironmentFile", NULL};
    const struct unit_setting *user = unit_get(u, "Service", "User");
    const struct unit_setting *dynamic = unit_get(u, "Service", "DynamicUser");
    if (!starts_with(u->path, "/etc/systemd/system/"))
        return;
    if (user && strcmp(user->value, "root") != 0 && strcmp(user->value, "0") != 0)
        return;
    if (dynamic && strchr("yt1", dynamic->value[0]))
        return;
    for (size_t k = 0; keys[k]; k++) {
        const struct unit_setting *vals[MAX_EXECS];
        size_t n = unit_list(u, "Service", keys[k], vals, MAX_EXECS);
        for (size_t i = 0; i < n && i < MAX_EXECS; i++) {
            const char *home = strstr(vals[i]->value, "/home/");
            char owner[128] = "", target[PATH_MAX + 256];
            sourceos_finding *f;
            if (!points_home(vals[i]->value))
                continue;
            f = systemd_note(ctx, v, vals[i]->file, vals[i]->line,
                             "systemd.user-unit-system-wide", SOURCEOS_SEV_CRITICAL,
                             "%s=%s points into a home directory, but the unit is "
                             "installed system-wide without User=: it runs as root",
                             vals[i]->key, vals[i]->value);
            sourceos_finding_remediation(f, "Install it as a user service in that user's "
                                            "~/.config/systemd/user (or set User=).");
            if (home && sscanf(home, "/home/%127[^/ ]", owner) == 1) {
                plugin_textf(target, sizeof target, "/home/%s/.config/systemd/user/%s",
                             owner, base_name(u->path));
                sourceos_finding_commandf(f,
                                          "systemctl disable --now -- %s && install -D -m 644 "
                                          "-o %s -- %s %s && rm -- %s",
                                          base_name(u->path), owner, u->path, target,
                                          u->path);
            }
            return; /* one finding says it; the rest is the same cause */
        }
    }
}

/* ---- the unit as a whole ------------------------------------------------ */

static void note_unit(sourceos_ctx *ctx, const struct unit *u)
{
    const struct unit_setting *restart = unit_get(u, "Service", "Restart");
    const struct unit_setting *execs[1];
    char owner[32] = "?", mode[16] = "?", dropins[16];
    struct exec_line l = {0};
    const char *exec = "(none)";
    struct stat st;
    sourceos_finding *f;
    if (unit_list(u, "Service", "ExecStart", execs, 1) &&
        exec_words(execs[0]->value, &l) > 0)
        exec = l.words[0];
    if (stat_unit(ctx, u->path, &st) == 0) {
        plugin_textf(owner, sizeof owner, "%ld", (long)st.st_uid);
        plugin_textf(mode, sizeof mode, "0%03o", (unsigned)(st.st_mode & 07777));
    }
    plugin_textf(dropins, sizeof dropins, "%zu", u->n_files - 1);
    f = systemd_note(ctx, NULL, u->path, 0, "systemd.unit", SOURCEOS_SEV_INFO,
                     "Restart=%s, ExecStart=%s", restart ? restart->value : "no", exec);
    sourceos_finding_evidence(f, "path", u->path);
    sourceos_finding_evidence(f, "restart", restart ? restart->value : "no (default)");
    sourceos_finding_evidence(f, "exec_start", exec);
    sourceos_finding_evidence(f, "owner", owner);
    sourceos_finding_evidence(f, "mode", mode);
    sourceos_finding_evidence(f, "dropins", dropins);
    exec_line_free(&l);
}

void systemd_lint_unit(sourceos_ctx *ctx, struct verdict *v, const struct unit *u)
{
    note_unit(ctx, u);
    check_exec(ctx, v, u);
    check_restart(ctx, v, u);
    check_logs(ctx, v, u);
    check_podman(ctx, v, u);
    check_ownership(ctx, v, u);
    check_system_wide_user_unit(ctx, v, u);
}

void systemd_lint_path(sourceos_ctx *ctx, struct verdict *v, const char *path,
                       int via_symlink)
{
    struct unit u;
    if (unit_load(ctx, v, path, via_symlink, &u) == 0)
        systemd_lint_unit(ctx, v, &u);
    unit_free(&u);
}

sourceos_status systemd_check_lint(sourceos_ctx *ctx)
{
    const char *path = sourceos_param(ctx, "unit");
    struct verdict v = {0, SOURCEOS_SEV_INFO};
    if (!path || !*path) {
        sourceos_finding_add(ctx, "systemd.lint-no-unit", SOURCEOS_SEV_INFO,
                             "no unit to lint: param `unit` is unset (the agent declares "
                             "no systemd unit yet)");
        return SOURCEOS_SKIPPED;
    }
    if (path[0] != '/') {
        sourceos_finding *f = sourceos_finding_add(
            ctx, "systemd.params", SOURCEOS_SEV_CRITICAL,
            "param `unit` must be an absolute path, not '%s'", path);
        sourceos_finding_remediation(f, "Give the unit file's absolute path.");
        return SOURCEOS_ERROR;
    }
    systemd_lint_path(ctx, &v, path, 0);
    return verdict_status(&v);
}

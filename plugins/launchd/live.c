/* launchd: live state of one job, as `launchctl print` and
 * `launchctl print-disabled` report it. Read-only: this check never asks
 * launchctl to change anything (no bootstrap, bootout, enable, disable,
 * kickstart); the commands it suggests are for the user to run. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launchd.h"

/* launchctl answers locally in milliseconds; a hang means launchd itself is
 * wedged, which is worth saying long before the check's own deadline. */
#define LIVE_DEFAULT_TIMEOUT_MS 10000u
/* A job that has run this often and last failed is being respawned. */
#define LIVE_DEFAULT_RUNS_LIMIT 10L

/* launchctl's own error numbers (`launchctl error N` explains each). */
enum launchctl_error {
    LAUNCHCTL_NOT_LOADED = LAUNCHD_ERROR_NOT_LOADED, /* 113 */
    LAUNCHCTL_DISABLED = LAUNCHD_ERROR_DISABLED,     /* 119 */
    LAUNCHCTL_BAD_OWNERSHIP = 122,  /* Path had bad ownership/permissions */
    LAUNCHCTL_WRONG_SESSION = 134,  /* Service cannot load in requested session */
    LAUNCHCTL_BLOCKED_BY_BTM = 161  /* Background Task Management said no */
};

/* ---- params ------------------------------------------------------------------- */

/* Labels and domains go into a command line the user may paste and into a
 * service target; anything beyond these characters is a mistake. */
int launchd_target_word(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("._-/@:", *s))
            return 0;
    return 1;
}

static unsigned long param_number(sourceos_ctx *ctx, const char *key,
                                  unsigned long fallback, unsigned long max)
{
    const char *t = sourceos_param(ctx, key);
    char *end;
    unsigned long v;
    if (!t || !*t || !isdigit((unsigned char)*t))
        return fallback;
    v = strtoul(t, &end, 10);
    return *end || v == 0 || v > max ? fallback : v;
}

/* "gui/UID" for an agent of the invoking user (or of param uid); param
 * domain overrides, e.g. "system" for a daemon. */
static void pick_domain(sourceos_ctx *ctx, char *out, size_t size)
{
    const char *domain = sourceos_param(ctx, "domain");
    const char *uid = sourceos_param(ctx, "uid");
    if (domain && *domain)
        plugin_textf(out, size, "%s", domain);
    else if (uid && *uid)
        plugin_textf(out, size, "gui/%s", uid);
    else
        plugin_textf(out, size, "gui/%u", (unsigned)plugin_uid(ctx));
}

/* 0 and T filled in, or -1 after recording why the params are unusable. */
static int read_target(sourceos_ctx *ctx, struct launchd_target *t)
{
    const char *uid = sourceos_param(ctx, "uid");
    const char *launchctl = sourceos_param(ctx, "launchctl");
    sourceos_finding *fd;
    t->label = sourceos_param(ctx, "label");
    t->launchctl = launchctl && *launchctl ? launchctl : "launchctl";
    t->timeout_ms = (unsigned)param_number(ctx, "timeout_ms",
                                           LIVE_DEFAULT_TIMEOUT_MS, 3600000ul);
    t->runs_limit = (long)param_number(ctx, "runs_limit",
                                       LIVE_DEFAULT_RUNS_LIMIT, 1000000000ul);
    pick_domain(ctx, t->domain, sizeof t->domain);
    if (launchd_target_word(t->label) && !strchr(t->label, '/') &&
        launchd_target_word(t->domain) &&
        (!uid || !*uid || strspn(uid, "0123456789") == strlen(uid))) {
        plugin_textf(t->service, sizeof t->service, "%s/%s", t->domain,
                     t->label);
        return 0;
    }
    fd = plugin_note(ctx, NULL, "launchd.state-param-invalid",
                     SOURCEOS_SEV_WARNING,
                     "cannot ask launchctl about label '%s' in domain '%s': "
                     "a label is a reverse-DNS name, a domain 'gui/UID', "
                     "'user/UID' or 'system', a uid a number",
                     t->label, t->domain);
    sourceos_finding_remediation(
        fd, "Fix the label, domain or uid param in checks.d or the agent's "
            "declaration.");
    return -1;
}

/* ---- reading `launchctl print` ------------------------------------------------ */

/* Where each top-level key we read is kept. */
struct job_key {
    const char *name;
    size_t offset;
    size_t size;
};

#define JOB_KEY(name, field) \
    {name, offsetof(struct launchd_job, field), sizeof(((struct launchd_job *)0)->field)}

static const struct job_key job_keys[] = {
    JOB_KEY("state", state),
    JOB_KEY("pid", pid),
    JOB_KEY("runs", runs),
    JOB_KEY("last exit code", last_exit_code),
    JOB_KEY("last terminating signal", last_signal),
    JOB_KEY("last exit reason", last_exit_reason),
    JOB_KEY("path", path),
    JOB_KEY("program", program),
    JOB_KEY("properties", properties),
    JOB_KEY("stdout path", stdout_path),
    JOB_KEY("stderr path", stderr_path),
};

/* Keeps VALUE when KEY is one the check reads. */
static void keep_job_key(struct launchd_job *job, const char *key, size_t key_len,
                         const char *value, size_t value_len)
{
    for (size_t i = 0; i < sizeof job_keys / sizeof job_keys[0]; i++) {
        const struct job_key *k = &job_keys[i];
        if (strlen(k->name) != key_len || memcmp(k->name, key, key_len) != 0)
            continue;
        plugin_textf((char *)job + k->offset, k->size, "%.*s",
                     (int)value_len, value);
        job->keys_read++;
        return;
    }
}

/* One line, without its indentation and line end: LEN bytes from LINE. */
static void read_print_line(struct launchd_job *job, const char *line, size_t len,
                            int *depth, int top)
{
    const char *eq;
    int opens = len >= 1 && line[len - 1] == '{';
    if (len == 1 && line[0] == '}') {
        if (*depth > 0)
            (*depth)--;
        return;
    }
    /* A block's own name (e.g. "endpoints = {") is not a value; blocks'
     * contents (arguments, environment, endpoints) are not the job's keys
     * even where their names match ("port", "active", a nested "state"). */
    if (*depth == top && !opens) {
        /* Searched within the trimmed line only: "state = " loses its
         * last blank to the trim, and a search past LEN would find the
         * next line's " = " (or run off an exactly sized buffer). A key
         * with nothing after " =" has an empty value. */
        eq = memmem(line, len, " = ", 3);
        if (eq && eq > line)
            keep_job_key(job, line, (size_t)(eq - line), eq + 3,
                         len - (size_t)(eq + 3 - line));
        else if (!eq && len > 2 && memcmp(line + len - 2, " =", 2) == 0)
            keep_job_key(job, line, len - 2, line + len, 0);
    }
    if (opens)
        (*depth)++;
}

/* Reads the top-level keys of TEXT. The output is one block named after the
 * service ("gui/501/LABEL = {"), its keys one tab in; when launchctl ever
 * prints the keys bare, they are read at depth 0 instead. */
void launchd_parse_print(const char *text, size_t size, struct launchd_job *job)
{
    int depth = 0, top = -1;
    const char *p = text, *end = text + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        const char *s = p;
        size_t len;
        while (s < stop && (*s == '\t' || *s == ' '))
            s++;
        len = (size_t)(stop - s);
        while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == ' '))
            len--;
        if (len > 0) {
            if (top < 0)
                top = s[len - 1] == '{' && s == p ? 1 : 0;
            read_print_line(job, s, len, &depth, top);
        }
        p = stop + 1;
    }
}

/* ---- judging the job ------------------------------------------------------------ */

/* "(never exited)" and 0 are fine; a number other than 0 is a failure. */
static int exit_code_failed(const char *code)
{
    char *end;
    long v;
    if (!code[0] || !(isdigit((unsigned char)code[0]) || code[0] == '-'))
        return 0;
    v = strtol(code, &end, 10);
    return end != code && v != 0;
}

int launchd_exit_failed(const struct launchd_job *job)
{
    return job->last_signal[0] || exit_code_failed(job->last_exit_code);
}

/* "exit code 125" or "signal Segmentation fault: 11", for messages. */
static void describe_last_exit(const struct launchd_job *job, char *out, size_t size)
{
    if (job->last_signal[0])
        plugin_textf(out, size, "killed by signal %s", job->last_signal);
    else if (job->last_exit_code[0])
        plugin_textf(out, size, "exit code %s", job->last_exit_code);
    else
        plugin_textf(out, size, "no exit recorded");
}

void launchd_job_evidence(sourceos_finding *fd, const struct launchd_target *t,
                             const struct launchd_job *job)
{
    static const struct {
        const char *key;
        size_t offset;
    } shown[] = {
        {"state", offsetof(struct launchd_job, state)},
        {"pid", offsetof(struct launchd_job, pid)},
        {"runs", offsetof(struct launchd_job, runs)},
        {"last_exit_code", offsetof(struct launchd_job, last_exit_code)},
        {"signal", offsetof(struct launchd_job, last_signal)},
        {"last_exit_reason", offsetof(struct launchd_job, last_exit_reason)},
        {"program", offsetof(struct launchd_job, program)},
        {"properties", offsetof(struct launchd_job, properties)},
        {"stdout", offsetof(struct launchd_job, stdout_path)},
        {"stderr", offsetof(struct launchd_job, stderr_path)},
    };
    sourceos_finding_evidence(fd, "service", t->service);
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        const char *value = (const char *)job + shown[i].offset;
        if (value[0])
            sourceos_finding_evidence(fd, shown[i].key, value);
    }
    if (job->path[0])
        sourceos_finding_path(fd, job->path);
}

/* Where the job's output went, for a remediation to point at. */
static void describe_logs(const struct launchd_target *t, const struct launchd_job *job,
                          char *out, size_t size)
{
    if (job->stdout_path[0] || job->stderr_path[0])
        plugin_textf(out, size,
                     "Its output goes to %s and %s; launchd's own record is "
                     "in `log show --last 1h --predicate 'process == "
                     "\"launchd\"' | grep %s`.",
                     job->stdout_path[0] ? job->stdout_path : "(nowhere)",
                     job->stderr_path[0] ? job->stderr_path : "(nowhere)",
                     t->label);
    else
        plugin_textf(out, size,
                     "It has no StandardOutPath or StandardErrorPath, so its "
                     "output is lost; launchd's own record is in `log show "
                     "--last 1h --predicate 'process == \"launchd\"' | grep "
                     "%s`.",
                     t->label);
}

static long runs_of(const struct launchd_job *job)
{
    return job->runs[0] ? strtol(job->runs, NULL, 10) : 0;
}

static void note_respawn_loop(sourceos_ctx *ctx, struct verdict *v,
                              const struct launchd_target *t, const struct launchd_job *job)
{
    char last[256], logs[2 * PATH_MAX + 256], text[3 * PATH_MAX];
    sourceos_finding *fd;
    describe_last_exit(job, last, sizeof last);
    fd = plugin_note(ctx, v, "launchd.respawn-loop", SOURCEOS_SEV_CRITICAL,
                     "%s has run %s times (limit %ld) and its last run "
                     "failed (%s): launchd is respawning it in a loop",
                     t->service, job->runs, t->runs_limit, last);
    describe_logs(t, job, logs, sizeof logs);
    plugin_textf(text, sizeof text,
                 "Stop the loop first: `launchctl bootout %s` (the plist "
                 "stays; nothing is deleted). %s Fix the cause, bound the "
                 "restarts (KeepAlive {SuccessfulExit false} with "
                 "ThrottleInterval), then load it again.",
                 t->service, logs);
    sourceos_finding_remediation(fd, text);
    sourceos_finding_command_argv(fd, (const char *const[]){"launchctl", "bootout",
                                                            t->service, NULL});
    launchd_job_evidence(fd, t, job);
}

static void note_failing(sourceos_ctx *ctx, struct verdict *v,
                         const struct launchd_target *t, const struct launchd_job *job)
{
    char last[256], logs[2 * PATH_MAX + 256], text[3 * PATH_MAX];
    sourceos_finding *fd;
    describe_last_exit(job, last, sizeof last);
    fd = plugin_note(ctx, v, "launchd.job-failing", SOURCEOS_SEV_CRITICAL,
                     "%s is %s and its last run failed: %s%s%s",
                     t->service, job->state[0] ? job->state : "not running",
                     last, job->last_exit_reason[0] ? ", reason " : "",
                     job->last_exit_reason);
    describe_logs(t, job, logs, sizeof logs);
    plugin_textf(text, sizeof text,
                 "%s Once fixed, start it with `launchctl kickstart %s`.",
                 logs, t->service);
    sourceos_finding_remediation(fd, text);
    launchd_job_evidence(fd, t, job);
}

static void note_state(sourceos_ctx *ctx, const struct launchd_target *t,
                       const struct launchd_job *job)
{
    char last[256];
    sourceos_finding *fd;
    describe_last_exit(job, last, sizeof last);
    if (strcmp(job->state, "running") == 0)
        fd = plugin_note(ctx, NULL, "launchd.job-running", SOURCEOS_SEV_INFO,
                         "%s is running as pid %s (%s runs, last: %s)",
                         t->service, job->pid[0] ? job->pid : "?",
                         job->runs[0] ? job->runs : "?", last);
    else
        fd = plugin_note(ctx, NULL, "launchd.job-state", SOURCEOS_SEV_INFO,
                         "%s is %s (%s runs, last: %s)", t->service,
                         job->state[0] ? job->state : "in an unknown state",
                         job->runs[0] ? job->runs : "0", last);
    launchd_job_evidence(fd, t, job);
}

static void publish_job_facts(sourceos_ctx *ctx, const struct launchd_job *job)
{
    if (job->state[0])
        sourceos_fact_set(ctx, "launchd.job.state", job->state);
    if (job->pid[0])
        sourceos_fact_set(ctx, "launchd.job.pid", job->pid);
    if (job->runs[0])
        sourceos_fact_set(ctx, "launchd.job.runs", job->runs);
}

int launchd_judge_exit(sourceos_ctx *ctx, struct verdict *v,
                       const struct launchd_target *t,
                       const struct launchd_job *job)
{
    int running = strcmp(job->state, "running") == 0;
    if (launchd_exit_failed(job) && runs_of(job) >= t->runs_limit)
        note_respawn_loop(ctx, v, t, job);
    else if (!running && launchd_exit_failed(job))
        note_failing(ctx, v, t, job);
    else
        return 0;
    return 1;
}

static void judge_job(sourceos_ctx *ctx, struct verdict *v,
                      const struct launchd_target *t, const struct launchd_job *job)
{
    note_state(ctx, t, job);
    publish_job_facts(ctx, job);
    launchd_judge_exit(ctx, v, t, job);
}

/* ---- launchctl's refusals ------------------------------------------------------ */

/* launchctl's error number: its exit status, or (when a wrapper changed the
 * status) recognised from its message. 0 when neither says. */
int launchd_launchctl_error(const struct sourceos_cmd *r)
{
    static const struct {
        const char *text;
        int error;
    } said[] = {
        {"Could not find service", LAUNCHCTL_NOT_LOADED},
        {"Service is disabled", LAUNCHCTL_DISABLED},
        {"bad ownership/permissions", LAUNCHCTL_BAD_OWNERSHIP},
        {"cannot load in requested session", LAUNCHCTL_WRONG_SESSION},
        {"Background Task Management", LAUNCHCTL_BLOCKED_BY_BTM},
    };
    switch (r->exit_status) {
    case LAUNCHCTL_NOT_LOADED:
    case LAUNCHCTL_DISABLED:
    case LAUNCHCTL_BAD_OWNERSHIP:
    case LAUNCHCTL_WRONG_SESSION:
    case LAUNCHCTL_BLOCKED_BY_BTM:
        return r->exit_status;
    default:
        break;
    }
    for (size_t i = 0; i < sizeof said / sizeof said[0]; i++)
        if (strstr(r->err, said[i].text) || strstr(r->out, said[i].text))
            return said[i].error;
    return 0;
}

/* The first line launchctl wrote to stderr (or stdout), for messages. */
static void first_line(const struct sourceos_cmd *r, char *out, size_t size)
{
    const char *text = r->err_len ? r->err : r->out;
    size_t len;
    while (*text == '\n' || *text == ' ')
        text++;
    len = strcspn(text, "\n");
    plugin_textf(out, size, "%.*s", (int)len, text);
}

/* Where an agent's or a daemon's plist is normally installed. */
static void usual_plist(const struct launchd_target *t, char *out, size_t size)
{
    if (strcmp(t->domain, "system") == 0)
        plugin_textf(out, size, "/Library/LaunchDaemons/%s.plist", t->label);
    else
        plugin_textf(out, size, "~/Library/LaunchAgents/%s.plist", t->label);
}

static void note_not_loaded(sourceos_ctx *ctx, struct verdict *v,
                            const struct launchd_target *t, const char *said)
{
    char plist[PATH_MAX], text[2 * PATH_MAX];
    sourceos_finding *fd =
        plugin_note(ctx, v, "launchd.job-not-loaded", SOURCEOS_SEV_WARNING,
                    "%s is not loaded: launchd does not know it (error 113: "
                    "%s)",
                    t->service, said);
    usual_plist(t, plist, sizeof plist);
    plugin_textf(text, sizeof text,
                 "Nothing runs it now. If it should run, install it with "
                 "`sourceos-agent install`, or load its plist: `launchctl "
                 "bootstrap %s %s`. If it was removed on purpose, nothing "
                 "to do.",
                 t->domain, plist);
    sourceos_finding_remediation(fd, text);
    sourceos_finding_evidence(fd, "service", t->service);
    sourceos_finding_evidence(fd, "error", "113");
}

static void note_disabled(sourceos_ctx *ctx, struct verdict *v,
                          const struct launchd_target *t, const char *why)
{
    char text[1024];
    sourceos_finding *fd =
        plugin_note(ctx, v, "launchd.job-disabled", SOURCEOS_SEV_WARNING,
                    "%s is disabled (%s): launchd will not load it, even at "
                    "login or boot",
                    t->service, why);
    plugin_textf(text, sizeof text,
                 "If it should run: `launchctl enable %s`, then load it. A "
                 "disabled override for a job that no longer exists is a "
                 "stale leftover: it does no harm.",
                 t->service);
    sourceos_finding_remediation(fd, text);
    sourceos_finding_command_argv(fd, (const char *const[]){"launchctl", "enable",
                                                            t->service, NULL});
    sourceos_finding_evidence(fd, "service", t->service);
}

static void note_bad_ownership(sourceos_ctx *ctx, struct verdict *v,
                               const struct launchd_target *t, const char *said)
{
    char plist[PATH_MAX], text[3 * PATH_MAX];
    sourceos_finding *fd = plugin_note(
        ctx, v, "launchd.job-bad-ownership", SOURCEOS_SEV_CRITICAL,
        "launchd refuses %s: its plist has bad ownership or permissions "
        "(error 122: %s)",
        t->service, said);
    usual_plist(t, plist, sizeof plist);
    plugin_textf(text, sizeof text,
                 "launchd loads a plist only when its owner is the domain's "
                 "user (root for /Library) and group and others cannot "
                 "write it: `chmod 644 %s` and chown it to that user; "
                 "`sourceos doctor local-runtime` (launchd.scan) names the "
                 "file.",
                 plist);
    sourceos_finding_remediation(fd, text);
    sourceos_finding_evidence(fd, "service", t->service);
    sourceos_finding_evidence(fd, "error", "122");
}

static void note_wrong_session(sourceos_ctx *ctx, struct verdict *v,
                               const struct launchd_target *t, const char *said)
{
    char text[1024];
    sourceos_finding *fd = plugin_note(
        ctx, v, "launchd.job-wrong-session", SOURCEOS_SEV_CRITICAL,
        "%s cannot load in this session (error 134: %s): its "
        "LimitLoadToSessionType does not match domain %s",
        t->service, said, t->domain);
    plugin_textf(text, sizeof text,
                 "An agent for a logged-in user belongs in gui/UID (session "
                 "Aqua), a daemon in system; fix LimitLoadToSessionType or "
                 "the domain (param domain) so they agree.");
    sourceos_finding_remediation(fd, text);
    sourceos_finding_evidence(fd, "service", t->service);
    sourceos_finding_evidence(fd, "error", "134");
}

static void note_blocked_by_btm(sourceos_ctx *ctx, struct verdict *v,
                                const struct launchd_target *t, const char *said)
{
    sourceos_finding *fd = plugin_note(
        ctx, v, "launchd.job-blocked", SOURCEOS_SEV_CRITICAL,
        "%s is blocked by Background Task Management (error 161: %s): the "
        "user or a management profile turned it off",
        t->service, said);
    sourceos_finding_remediation(
        fd, "Allow it in System Settings > General > Login Items & "
            "Extensions (\"Allow in the Background\"), or have the MDM "
            "profile allow it; `sfltool dumpbtm` lists what BTM decided.");
    sourceos_finding_evidence(fd, "service", t->service);
    sourceos_finding_evidence(fd, "error", "161");
}

/* An answer the check cannot read: launchctl works, but not as expected. */
static void note_launchctl_failed(sourceos_ctx *ctx, const struct launchd_target *t,
                                  const struct sourceos_cmd *r,
                                  const char *said)
{
    char status[32];
    sourceos_finding *fd = plugin_note(
        ctx, NULL, "launchd.launchctl-failed", SOURCEOS_SEV_WARNING,
        "`%s print %s` failed (exit %d%s%s): %s", t->launchctl, t->service,
        r->exit_status, r->term_signal ? ", signal " : "",
        r->term_signal ? strsignal(r->term_signal) : "",
        said[0] ? said : "no message");
    plugin_textf(status, sizeof status, "%d", r->exit_status);
    sourceos_finding_remediation(
        fd, "`launchctl error N` explains launchctl's error numbers; run the "
            "command by hand to see the whole answer.");
    sourceos_finding_evidence(fd, "service", t->service);
    sourceos_finding_evidence(fd, "exit_status", status);
}

/* Records what a failed print means. 1 when the check could not decide. */
int launchd_judge_refusal(sourceos_ctx *ctx, struct verdict *v,
                         const struct launchd_target *t, const struct sourceos_cmd *r,
                         int *reported_disabled)
{
    char said[512];
    first_line(r, said, sizeof said);
    switch (launchd_launchctl_error(r)) {
    case LAUNCHCTL_NOT_LOADED:
        note_not_loaded(ctx, v, t, said);
        return 0;
    case LAUNCHCTL_DISABLED:
        note_disabled(ctx, v, t, "launchctl print: error 119");
        *reported_disabled = 1;
        return 0;
    case LAUNCHCTL_BAD_OWNERSHIP:
        note_bad_ownership(ctx, v, t, said);
        return 0;
    case LAUNCHCTL_WRONG_SESSION:
        note_wrong_session(ctx, v, t, said);
        return 0;
    case LAUNCHCTL_BLOCKED_BY_BTM:
        note_blocked_by_btm(ctx, v, t, said);
        return 0;
    default:
        note_launchctl_failed(ctx, t, r, said);
        return 1;
    }
}

/* ---- running launchctl ------------------------------------------------------- */

/* 0 when R ran to an exit; else records why not and returns -1. */
int launchd_launchctl_ran(sourceos_ctx *ctx, const struct launchd_target *t,
                         const struct sourceos_cmd *r, const char *what)
{
    char text[PATH_MAX + 256];
    sourceos_finding *fd;
    if (r->not_started) {
        fd = plugin_note(ctx, NULL, "launchd.launchctl-missing",
                         SOURCEOS_SEV_WARNING,
                         "cannot run '%s %s': %s", t->launchctl, what,
                         strerror(r->start_errno));
        plugin_textf(text, sizeof text,
                     "launchctl is part of macOS (/bin/launchctl); check "
                     "PATH, or the launchctl param ('%s').",
                     t->launchctl);
        sourceos_finding_remediation(fd, text);
        return -1;
    }
    if (r->timed_out || r->exit_status < 0) {
        fd = plugin_note(ctx, NULL, "launchd.launchctl-timeout",
                         SOURCEOS_SEV_WARNING,
                         "'%s %s' %s after %.1f s", t->launchctl, what,
                         r->timed_out ? "did not answer" : "was killed",
                         r->duration);
        sourceos_finding_remediation(
            fd, "launchd is not answering: look at `log show --last 10m "
                "--predicate 'process == \"launchd\"'`; a reboot clears a "
                "wedged launchd.");
        return -1;
    }
    return 0;
}

const struct sourceos_cmd *launchd_launchctl(sourceos_ctx *ctx,
                                             const struct launchd_target *t,
                                             const char *verb, const char *arg)
{
    const char *argv[] = {t->launchctl, verb, arg, NULL};
    return sourceos_run(ctx, argv, NULL, t->timeout_ms);
}

/* ---- `launchctl print-disabled DOMAIN` ------------------------------------------ */

/* The label an override line names: `"LABEL" => true|false|disabled|enabled`
 * (the first two from older macOS, the last two from newer). 1 and *DISABLED
 * set when LINE is such a line for LABEL. */
static int override_for(const char *line, size_t len, const char *label,
                        int *disabled)
{
    size_t n = strlen(label);
    const char *value;
    size_t value_len;
    if (len < n + 6 || line[0] != '"' || memcmp(line + 1, label, n) != 0 ||
        line[n + 1] != '"' || memcmp(line + n + 2, " => ", 4) != 0)
        return 0;
    value = line + n + 6;
    value_len = len - (n + 6);
    if ((value_len == 4 && memcmp(value, "true", 4) == 0) ||
        (value_len == 8 && memcmp(value, "disabled", 8) == 0))
        *disabled = 1;
    else if ((value_len == 5 && memcmp(value, "false", 5) == 0) ||
             (value_len == 7 && memcmp(value, "enabled", 7) == 0))
        *disabled = 0;
    else
        return 0;
    return 1;
}

/* -1 when no override names LABEL, else 1 disabled or 0 enabled. Only the
 * "disabled services" block counts: newer launchctl prints other blocks
 * (login item associations) with the same line shape. */
int launchd_parse_overrides(const char *text, size_t size, const char *label)
{
    const char *p = text, *end = text + size;
    int in_block = 0, result = -1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        const char *s = p;
        size_t len;
        int disabled;
        while (s < stop && (*s == '\t' || *s == ' '))
            s++;
        len = (size_t)(stop - s);
        while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == ' '))
            len--;
        if (len >= 19 && memcmp(s, "disabled services =", 19) == 0)
            in_block = 1;
        else if (len == 1 && s[0] == '}')
            in_block = 0;
        else if (in_block && override_for(s, len, label, &disabled))
            result = disabled; /* the last word wins, as in launchd */
        p = stop + 1;
    }
    return result;
}

static void check_overrides(sourceos_ctx *ctx, struct verdict *v,
                            const struct launchd_target *t, int reported_disabled)
{
    char what[256];
    const struct sourceos_cmd *r;
    int state;
    plugin_textf(what, sizeof what, "print-disabled %s", t->domain);
    r = launchd_launchctl(ctx, t, "print-disabled", t->domain);
    if (launchd_launchctl_ran(ctx, t, r, what) != 0)
        return;
    if (r->exit_status != 0) {
        char said[512];
        first_line(r, said, sizeof said);
        plugin_note(ctx, NULL, "launchd.overrides-unknown", SOURCEOS_SEV_INFO,
                    "could not read the disabled overrides of %s (exit %d: "
                    "%s)",
                    t->domain, r->exit_status, said);
        return;
    }
    state = launchd_parse_overrides(r->out, r->out_len, t->label);
    sourceos_fact_set(ctx, "launchd.job.disabled",
                      state == 1 ? "true" : "false");
    if (state == 1 && !reported_disabled)
        note_disabled(ctx, v, t, "launchctl print-disabled");
}

/* ---- the check ------------------------------------------------------------------- */

sourceos_status launchd_check_state(sourceos_ctx *ctx)
{
    struct verdict v = {0};
    struct launchd_target t = {0};
    struct launchd_job *job;
    const struct sourceos_cmd *r;
    int undecided = 0, reported_disabled = 0;
    const char *label = sourceos_param(ctx, "label");
    if (!label || !label[0]) {
        plugin_note(ctx, NULL, "launchd.no-label", SOURCEOS_SEV_INFO,
                    "no launchd job to look at: the agent declares no label "
                    "(param label)");
        return SOURCEOS_SKIPPED;
    }
    if (read_target(ctx, &t) != 0)
        return SOURCEOS_ERROR;
    r = launchd_launchctl(ctx, &t, "print", t.service);
    if (launchd_launchctl_ran(ctx, &t, r, "print") != 0)
        return SOURCEOS_ERROR; /* print-disabled would fail the same way */
    if (r->exit_status != 0) {
        undecided = launchd_judge_refusal(ctx, &v, &t, r, &reported_disabled);
    } else {
        job = calloc(1, sizeof *job);
        if (!job) {
            plugin_note(ctx, NULL, "launchd.out-of-memory",
                        SOURCEOS_SEV_WARNING, "out of memory");
            return SOURCEOS_ERROR;
        }
        launchd_parse_print(r->out, r->out_len, job);
        if (job->keys_read == 0) {
            note_launchctl_failed(ctx, &t, r, "no job state in its answer");
            undecided = 1;
        } else {
            judge_job(ctx, &v, &t, job);
        }
        free(job);
    }
    check_overrides(ctx, &v, &t, reported_disabled);
    if (undecided && !(v.any && v.worst == SOURCEOS_SEV_CRITICAL))
        return SOURCEOS_ERROR;
    return verdict_status(&v);
}

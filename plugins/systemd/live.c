/* systemd: the live state of the agent's unit, as `systemctl show` reports
 * it: loaded or not, running or failed, how often systemd restarted it and
 * how its main process last ended. The lint checks read files; this check
 * asks the running manager, which is the only one that knows. */
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "systemd.h"

/* systemctl answers from memory in milliseconds; a manager that takes this
 * long is hung, and waiting for the check's whole budget would hide that. */
#define LIVE_DEFAULT_TIMEOUT_MS 10000u
/* Restarts at which a unit is a respawn loop when StartLimitBurst does not
 * say sooner (param `restart_limit`). */
#define LIVE_DEFAULT_RESTART_LIMIT 5L
#define LIVE_MAX_VALUE 1024

/* The properties this check reads, in the order they are shown as
 * evidence. systemctl show omits empty ones, so absent stays "". */
enum live_prop {
    P_LOAD_STATE,
    P_ACTIVE_STATE,
    P_SUB_STATE,
    P_RESULT,
    P_N_RESTARTS,
    P_EXEC_MAIN_CODE,
    P_EXEC_MAIN_STATUS,
    P_UNIT_FILE_STATE,
    P_FRAGMENT_PATH,
    P_DROP_IN_PATHS,
    P_RESTART,
    P_START_LIMIT_BURST,
    P_NEED_DAEMON_RELOAD,
    P_MAIN_PID, /* for status: the running process */
    P_COUNT
};

/* LEN: strlen(PROPERTY), so a line's key is compared without measuring
 * every name again (50 units make 700 lines). */
#define LIVE_PROP(property, evidence) {property, sizeof property - 1, evidence}

static const struct {
    const char *property; /* as systemctl names it */
    size_t len;
    const char *evidence; /* as our reports name keys */
} live_props[P_COUNT] = {
    [P_LOAD_STATE] = LIVE_PROP("LoadState", "load_state"),
    [P_ACTIVE_STATE] = LIVE_PROP("ActiveState", "active_state"),
    [P_SUB_STATE] = LIVE_PROP("SubState", "sub_state"),
    [P_RESULT] = LIVE_PROP("Result", "result"),
    [P_N_RESTARTS] = LIVE_PROP("NRestarts", "n_restarts"),
    [P_EXEC_MAIN_CODE] = LIVE_PROP("ExecMainCode", "exec_main_code"),
    [P_EXEC_MAIN_STATUS] = LIVE_PROP("ExecMainStatus", "exec_main_status"),
    [P_UNIT_FILE_STATE] = LIVE_PROP("UnitFileState", "unit_file_state"),
    [P_FRAGMENT_PATH] = LIVE_PROP("FragmentPath", "fragment_path"),
    [P_DROP_IN_PATHS] = LIVE_PROP("DropInPaths", "drop_in_paths"),
    [P_RESTART] = LIVE_PROP("Restart", "restart"),
    [P_START_LIMIT_BURST] = LIVE_PROP("StartLimitBurst", "start_limit_burst"),
    [P_NEED_DAEMON_RELOAD] = LIVE_PROP("NeedDaemonReload", "need_daemon_reload"),
    [P_MAIN_PID] = LIVE_PROP("MainPID", "main_pid"),
};

/* What the check knows about the unit, for every finding it records. */
struct live {
    char unit[256];
    int user;               /* systemctl --user */
    const char *systemctl;  /* the program run */
    char value[P_COUNT][LIVE_MAX_VALUE];
    char main_exit[128];    /* "exit code 3", "killed by signal 11 (SIGSEGV)" */
    char id[256];           /* Id= and Names= as shown: which unit a block of */
    char names[LIVE_MAX_VALUE]; /* a multi-unit show is about; not evidence */
    struct verdict v;
};

static const char *prop(const struct live *l, enum live_prop p)
{
    return l->value[p];
}

static int is_true(const char *text)
{
    return text && (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "1"));
}

static unsigned live_timeout_ms(sourceos_ctx *ctx)
{
    return plugin_param_uint(ctx, "timeout_ms", 1, 3599999, LIVE_DEFAULT_TIMEOUT_MS);
}

static long number_or(const char *text, long fallback)
{
    char *end;
    long n;
    if (!text || !*text)
        return fallback;
    n = strtol(text, &end, 10);
    return *end ? fallback : n;
}

/* ---- Reading `systemctl show` -------------------------------------------- */

/* OUT = the first LEN bytes of TEXT (up to a NUL), cut to SIZE - 1: what
 * "%.*s" stores, without a printf per property. */
static void copy_value(char *out, size_t size, const char *text, size_t len)
{
    size_t n = strnlen(text, len);
    if (n >= size)
        n = size - 1;
    memcpy(out, text, n);
    out[n] = '\0';
}

/* Stores the value of each Key=Value line this check reads and returns how
 * many it found. Only the first '=' separates: values (command lines,
 * environment) may hold more. */
static int parse_show(struct live *l, const char *out, size_t len)
{
    const char *line = out, *end = out + len;
    int found = 0;
    while (line < end) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *stop = nl ? nl : end;
        const char *eq = memchr(line, '=', (size_t)(stop - line));
        if (eq) {
            size_t klen = (size_t)(eq - line);
            size_t vlen = (size_t)(stop - eq - 1);
            if (vlen > 0 && eq[vlen] == '\r')
                vlen--; /* a capture that went through Windows */
            if (klen == 2 && !memcmp(line, "Id", 2))
                copy_value(l->id, sizeof l->id, eq + 1, vlen);
            else if (klen == 5 && !memcmp(line, "Names", 5))
                copy_value(l->names, sizeof l->names, eq + 1, vlen);
            for (int p = 0; p < P_COUNT; p++) {
                if (live_props[p].len == klen && !memcmp(line, live_props[p].property, klen)) {
                    copy_value(l->value[p], sizeof l->value[p], eq + 1, vlen);
                    found++;
                    break; /* the names differ: no other can match */
                }
            }
        }
        line = stop + 1;
    }
    return found;
}

/* SIGSEGV rather than "Segmentation fault": the name people search for. */
static const char *signal_name(long sig)
{
    static const struct { int number; const char *name; } names[] = {
        {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"},
        {SIGILL, "SIGILL"},   {SIGTRAP, "SIGTRAP"}, {SIGABRT, "SIGABRT"},
        {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"},
        {SIGUSR1, "SIGUSR1"}, {SIGSEGV, "SIGSEGV"}, {SIGUSR2, "SIGUSR2"},
        {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"},
        {SIGSYS, "SIGSYS"},   {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].number == sig)
            return names[i].name;
    return NULL;
}

/* Says how the main process last ended, from ExecMainCode (the siginfo
 * si_code: 1 exited, 2 killed, 3 dumped) and ExecMainStatus (the exit code,
 * or the signal number when killed). Empty when it never ended. */
static void describe_main_exit(struct live *l)
{
    long code = number_or(prop(l, P_EXEC_MAIN_CODE), 0);
    long status = number_or(prop(l, P_EXEC_MAIN_STATUS), 0);
    const char *name = code == 2 || code == 3 ? signal_name(status) : NULL;
    char sig[64] = "";
    if (name)
        plugin_textf(sig, sizeof sig, "signal %ld (%s)", status, name);
    else if (code == 2 || code == 3)
        plugin_textf(sig, sizeof sig, "signal %ld", status);
    switch (code) {
    case 1:
        plugin_textf(l->main_exit, sizeof l->main_exit, "exited with exit code %ld", status);
        break;
    case 2:
        plugin_textf(l->main_exit, sizeof l->main_exit, "killed by %s", sig);
        break;
    case 3:
        plugin_textf(l->main_exit, sizeof l->main_exit, "killed by %s, core dumped", sig);
        break;
    default:
        l->main_exit[0] = '\0';
    }
}

/* ---- Findings --------------------------------------------------------------- */

/* "systemctl [--user] VERB -- UNIT": the unit's name is a word from the
 * host, and "--" keeps a name starting with '-' from being an option. */
static void systemctl_command(sourceos_finding *f, const struct live *l, const char *verb)
{
    sourceos_finding_commandf(f, l->user ? "systemctl --user %s -- %s" : "systemctl %s -- %s",
                              verb, l->unit);
}

/* The same as text, for the remediation's words. */
static void journal_command(const struct live *l, char *out, size_t size)
{
    plugin_textf(out, size, "journalctl %s-u %s -n 50 --no-pager",
                 l->user ? "--user " : "", l->unit);
}

/* -u takes the next word as its value, so no "--" is needed. */
static void add_journal_command(sourceos_finding *f, const struct live *l)
{
    sourceos_finding_commandf(f,
                              l->user ? "journalctl --user -u %s -n 50 --no-pager"
                                      : "journalctl -u %s -n 50 --no-pager",
                              l->unit);
}

/* Every finding about the unit carries what systemd said, so a report read
 * later (or elsewhere) explains itself. */
static sourceos_finding *live_note(sourceos_ctx *ctx, struct live *l,
                                   const char *code, sourceos_severity sev,
                                   const char *format, ...)
    __attribute__((format(printf, 5, 6)));

static sourceos_finding *live_note(sourceos_ctx *ctx, struct live *l,
                                   const char *code, sourceos_severity sev,
                                   const char *format, ...)
{
    sourceos_finding *f;
    va_list ap;
    va_start(ap, format);
    f = plugin_vnote(ctx, &l->v, code, sev, l->unit, format, ap);
    va_end(ap);
    sourceos_finding_evidence(f, "unit", l->unit);
    sourceos_finding_evidence(f, "manager", l->user ? "user" : "system");
    for (int p = 0; p < P_COUNT; p++)
        if (l->value[p][0])
            sourceos_finding_evidence(f, live_props[p].evidence, l->value[p]);
    if (l->main_exit[0])
        sourceos_finding_evidence(f, "main_exit", l->main_exit);
    return f;
}

static void note_not_found(sourceos_ctx *ctx, struct live *l)
{
    sourceos_finding *f = live_note(ctx, l, "systemd.unit-not-found", SOURCEOS_SEV_CRITICAL,
                                    "systemd has no such unit (LoadState=not-found)");
    sourceos_finding_remediation(
        f, l->user ? "Install the unit in ~/.config/systemd/user and run "
                     "`systemctl --user daemon-reload`, or fix the unit's name."
                   : "Install the unit in /etc/systemd/system and run "
                     "`systemctl daemon-reload`, or fix the unit's name.");
}

static void note_masked(sourceos_ctx *ctx, struct live *l)
{
    sourceos_finding *f = live_note(ctx, l, "systemd.unit-masked-live", SOURCEOS_SEV_WARNING,
                                    "the unit is masked: systemd refuses to start it");
    sourceos_finding_remediation(f, "Unmask it if the agent should run here.");
    systemctl_command(f, l, "unmask");
}

/* A unit systemd keeps restarting: either it has used up its start limit
 * (the next failure leaves it failed) or it is past what we accept. */
static int is_respawn_loop(sourceos_ctx *ctx, const struct live *l)
{
    long restarts = number_or(prop(l, P_N_RESTARTS), 0);
    long burst = number_or(prop(l, P_START_LIMIT_BURST), 0);
    long limit = number_or(sourceos_param(ctx, "restart_limit"), LIVE_DEFAULT_RESTART_LIMIT);
    if (restarts <= 0)
        return 0;
    return (burst > 0 && restarts >= burst) || (limit > 0 && restarts >= limit);
}

static void note_respawn_loop(sourceos_ctx *ctx, struct live *l)
{
    char cmd[512], text[1024];
    sourceos_finding *f = live_note(
        ctx, l, "systemd.respawn-loop", SOURCEOS_SEV_CRITICAL,
        "respawn loop: systemd restarted it %s times (StartLimitBurst=%s, Restart=%s)%s%s",
        prop(l, P_N_RESTARTS), *prop(l, P_START_LIMIT_BURST) ? prop(l, P_START_LIMIT_BURST) : "?",
        *prop(l, P_RESTART) ? prop(l, P_RESTART) : "?",
        l->main_exit[0] ? "; last run " : "", l->main_exit);
    journal_command(l, cmd, sizeof cmd);
    plugin_textf(text, sizeof text,
                 "Read why it dies (`%s`), then stop the loop until it is fixed "
                 "(`systemctl %sstop %s`).",
                 cmd, l->user ? "--user " : "", l->unit);
    sourceos_finding_remediation(f, text);
    add_journal_command(f, l);
    systemctl_command(f, l, "stop");
}

static void note_failed(sourceos_ctx *ctx, struct live *l)
{
    sourceos_finding *f = live_note(
        ctx, l, "systemd.unit-failed", SOURCEOS_SEV_CRITICAL,
        "the unit failed (Result=%s)%s%s", *prop(l, P_RESULT) ? prop(l, P_RESULT) : "?",
        l->main_exit[0] ? ": main process " : "", l->main_exit);
    sourceos_finding_remediation(f, "Read the journal, fix the cause, then reset and start it.");
    add_journal_command(f, l);
    systemctl_command(f, l, "reset-failed");
    systemctl_command(f, l, "start");
}

/* systemd keeps a loaded unit in memory after its file is deleted: it may
 * still run, but the next daemon-reload drops it. systemd 252 then shows
 * UnitFileState=bad and NeedDaemonReload=yes, so the file's absence, not the
 * enablement, is what tells. A file changed since it was loaded is the
 * milder case: the service runs a definition that is no longer on disk. */
/* The agent's own unit and a unit the scan found (SCANNED) keep separate
 * codes: for the latter the file found exists, and the gone one is
 * another. */
static const char *stale_code(int scanned)
{
    if (scanned)
        return "systemd.unit-stale-loaded";
    return "systemd.unit-stale";
}

/* FOUND: the unit file the scan found (it exists), or NULL. */
static void check_fragment(sourceos_ctx *ctx, struct live *l, int scanned,
                           const char *found)
{
    const char *fragment = prop(l, P_FRAGMENT_PATH);
    sourceos_finding *f;
    if (!*fragment || strcmp(prop(l, P_LOAD_STATE), "loaded"))
        return;
    if ((found && !strcmp(found, fragment)) || sourceos_host_path(ctx, fragment)) {
        if (!is_true(prop(l, P_NEED_DAEMON_RELOAD)))
            return;
        f = live_note(ctx, l, "systemd.unit-changed", SOURCEOS_SEV_WARNING,
                      "its unit file %s (or a drop-in) changed after systemd loaded it: "
                      "the unit runs by the old definition until a daemon-reload",
                      fragment);
        sourceos_finding_path(f, fragment);
        sourceos_finding_remediation(f, "Reload systemd, then restart the unit to apply the change.");
        sourceos_finding_commandf(f,
                                  l->user ? "systemctl --user daemon-reload && "
                                            "systemctl --user restart -- %s"
                                          : "systemctl daemon-reload && "
                                            "systemctl restart -- %s",
                                  l->unit);
        return;
    }
    f = live_note(ctx, l, stale_code(scanned), SOURCEOS_SEV_WARNING,
                  "its unit file %s no longer exists (unit file state %s): systemd keeps "
                  "a copy in memory that the next daemon-reload drops",
                  fragment, *prop(l, P_UNIT_FILE_STATE) ? prop(l, P_UNIT_FILE_STATE) : "unknown");
    sourceos_finding_path(f, fragment);
    sourceos_finding_remediation(f, "Reinstall the unit file, or stop and disable the unit and reload.");
    systemctl_command(f, l, "disable");
}

static void note_state(sourceos_ctx *ctx, struct live *l)
{
    const char *active = prop(l, P_ACTIVE_STATE);
    sourceos_finding *f;
    if (!strcmp(active, "active")) {
        live_note(ctx, l, "systemd.unit-running", SOURCEOS_SEV_INFO,
                  "%s (%s), restarted %s times, unit file %s", active, prop(l, P_SUB_STATE),
                  *prop(l, P_N_RESTARTS) ? prop(l, P_N_RESTARTS) : "0",
                  *prop(l, P_UNIT_FILE_STATE) ? prop(l, P_UNIT_FILE_STATE) : "state unknown");
        return;
    }
    if (!strcmp(active, "inactive")) {
        f = live_note(ctx, l, "systemd.unit-inactive", SOURCEOS_SEV_WARNING,
                      "not running (%s/%s, Result=%s)", active, prop(l, P_SUB_STATE),
                      *prop(l, P_RESULT) ? prop(l, P_RESULT) : "?");
        sourceos_finding_remediation(f, "Start it if the agent should be running.");
        systemctl_command(f, l, "start");
        return;
    }
    /* activating, deactivating, reloading: in passing, nothing to fix yet. */
    live_note(ctx, l, "systemd.unit-running", SOURCEOS_SEV_INFO, "%s (%s)", active,
              prop(l, P_SUB_STATE));
}

static void publish_facts(sourceos_ctx *ctx, const struct live *l)
{
    sourceos_fact_set(ctx, "systemd.load_state", prop(l, P_LOAD_STATE));
    sourceos_fact_set(ctx, "systemd.active_state", prop(l, P_ACTIVE_STATE));
    sourceos_fact_set(ctx, "systemd.sub_state", prop(l, P_SUB_STATE));
    sourceos_fact_set(ctx, "systemd.n_restarts",
                      *prop(l, P_N_RESTARTS) ? prop(l, P_N_RESTARTS) : "0");
}

/* Judges the unit from the properties read. */
static sourceos_status judge(sourceos_ctx *ctx, struct live *l)
{
    const char *load = prop(l, P_LOAD_STATE);
    describe_main_exit(l);
    publish_facts(ctx, l);
    if (!strcmp(load, "not-found")) {
        note_not_found(ctx, l);
        return verdict_status(&l->v);
    }
    if (!strcmp(load, "masked") || !strcmp(prop(l, P_UNIT_FILE_STATE), "masked")) {
        note_masked(ctx, l);
        return verdict_status(&l->v);
    }
    if (is_respawn_loop(ctx, l))
        note_respawn_loop(ctx, l);
    if (!strcmp(prop(l, P_ACTIVE_STATE), "failed"))
        note_failed(ctx, l);
    else if (!l->v.any)
        note_state(ctx, l);
    check_fragment(ctx, l, 0, NULL);
    return verdict_status(&l->v);
}

/* ---- Running systemctl ------------------------------------------------------ */

static void first_line(const char *text, char *out, size_t size)
{
    while (*text == '\n' || *text == ' ')
        text++;
    plugin_textf(out, size, "%.*s", (int)strcspn(text, "\n"), text);
}

/* A machine without a running systemd (a container, WSL without systemd=true,
 * a chroot) says so in one of these ways; it is not a missing unit. */
int systemd_says_no_systemd(const struct sourceos_cmd *r)
{
    return strstr(r->err, "System has not been booted with systemd") ||
           strstr(r->err, "Failed to connect to bus") ||
           strstr(r->err, "Failed to connect to user scope bus") ||
           strstr(r->err, "Failed to get D-Bus connection");
}

static sourceos_status no_systemd(sourceos_ctx *ctx, const struct live *l,
                                  const struct sourceos_cmd *r, const char *why)
{
    char line[512], status[32];
    sourceos_finding *f =
        sourceos_finding_add(ctx, "systemd.no-systemd", SOURCEOS_SEV_CRITICAL,
                             "%s: cannot read the unit's state: %s", l->unit, why);
    sourceos_finding_evidence(f, "unit", l->unit);
    sourceos_finding_evidence(f, "manager", l->user ? "user" : "system");
    sourceos_finding_evidence(f, "systemctl", l->systemctl);
    if (!r->not_started && !r->timed_out) {
        plugin_textf(status, sizeof status, "%d", r->exit_status);
        sourceos_finding_evidence(f, "exit_status", status);
        first_line(r->err, line, sizeof line);
        if (*line)
            sourceos_finding_evidence(f, "stderr", line);
    }
    sourceos_finding_remediation(
        f, l->user ? "Run the agent where a systemd user manager runs (log in, or "
                     "`loginctl enable-linger`; XDG_RUNTIME_DIR must be set), or "
                     "use another service manager."
                   : "Run the agent where systemd is PID 1 (on WSL, set systemd=true "
                     "in /etc/wsl.conf), or use another service manager.");
    return SOURCEOS_ERROR;
}

static sourceos_status read_state(sourceos_ctx *ctx, struct live *l)
{
    const char *argv[6];
    const struct sourceos_cmd *r;
    char why[640], line[512];
    size_t n = 0;
    argv[n++] = l->systemctl;
    if (l->user)
        argv[n++] = "--user";
    argv[n++] = "show";
    argv[n++] = l->unit;
    argv[n++] = "--no-pager";
    argv[n] = NULL;
    r = sourceos_run(ctx, argv, NULL, live_timeout_ms(ctx));
    if (r->not_started) {
        plugin_textf(why, sizeof why, "cannot run '%s': %s", l->systemctl,
                     strerror(r->start_errno));
        return no_systemd(ctx, l, r, why);
    }
    if (r->timed_out) {
        plugin_textf(why, sizeof why, "'%s show' did not answer within %.1f s (a hung manager)",
                     l->systemctl, r->duration);
        return no_systemd(ctx, l, r, why);
    }
    if (systemd_says_no_systemd(r)) {
        first_line(r->err, line, sizeof line);
        plugin_textf(why, sizeof why, "%s", line);
        return no_systemd(ctx, l, r, why);
    }
    /* `show -p` or an older systemctl may leave LoadState out; judge what
     * is there, but output with none of the properties is not an answer. */
    if (r->exit_status != 0 || parse_show(l, r->out, r->out_len) == 0) {
        sourceos_finding *f;
        first_line(r->err, line, sizeof line);
        f = live_note(ctx, l, "systemd.show-failed", SOURCEOS_SEV_CRITICAL,
                      "'%s show' failed (exit status %d, signal %d): %s", l->systemctl,
                      r->exit_status, r->term_signal,
                      *line ? line : "no Key=Value properties in its output");
        sourceos_finding_remediation(f, "Run the command by hand and read what it says.");
        return SOURCEOS_ERROR;
    }
    return judge(ctx, l);
}

/* ---- Units the scan found (systemd.units, units.c) ------------------------------ */

/* The handle units.c holds: the same state as systemd.state's. */
struct systemd_live {
    struct live l;
};

struct systemd_live *systemd_live_new(const char *unit, int user, const char *systemctl)
{
    struct systemd_live *sl = calloc(1, sizeof *sl);
    if (!sl)
        return NULL;
    plugin_textf(sl->l.unit, sizeof sl->l.unit, "%s", unit);
    sl->l.user = user;
    sl->l.systemctl = systemctl;
    sl->l.v.worst = SOURCEOS_SEV_INFO;
    return sl;
}

void systemd_live_free(struct systemd_live *l)
{
    free(l);
}

/* Every string emptied: the same as a new state, without clearing its
 * 16 KiB again for each block. */
void systemd_live_clear(struct systemd_live *sl)
{
    struct live *l = &sl->l;
    for (int p = 0; p < P_COUNT; p++)
        l->value[p][0] = '\0';
    l->main_exit[0] = l->id[0] = l->names[0] = '\0';
    memset(&l->v, 0, sizeof l->v);
    l->v.worst = SOURCEOS_SEV_INFO;
}

void systemd_live_name(struct systemd_live *sl, const char *unit)
{
    copy_value(sl->l.unit, sizeof sl->l.unit, unit, strlen(unit));
}

int systemd_live_parse(struct systemd_live *sl, const char *text, size_t len)
{
    return parse_show(&sl->l, text, len);
}

int systemd_live_about(const struct systemd_live *sl, const char *unit)
{
    const char *p = sl->l.names;
    size_t n = strlen(unit);
    if (sl->l.id[0] && !strcmp(sl->l.id, unit))
        return 2;
    while (*p) {
        size_t w = strcspn(p, " ");
        if (w == n && !memcmp(p, unit, n))
            return 1;
        p += w;
        p += strspn(p, " ");
    }
    return 0;
}

const char *systemd_live_state(const struct systemd_live *sl, int active)
{
    return prop(&sl->l, active ? P_ACTIVE_STATE : P_LOAD_STATE);
}

const char *systemd_live_restarts(const struct systemd_live *sl)
{
    return prop(&sl->l, P_N_RESTARTS);
}

/* For a unit nobody declared, only what is wrong is a finding: inactive is
 * how most units spend their time, and a unit the manager does not know
 * is the scan's to judge (its file is linted). A respawn loop needs a
 * failing last run as well as the restarts. */
void systemd_live_judge_scanned(sourceos_ctx *ctx, struct systemd_live *sl,
                                struct verdict *v, long restart_limit,
                                const char *found)
{
    struct live *l = &sl->l;
    const char *result = prop(l, P_RESULT);
    int failed = !strcmp(prop(l, P_ACTIVE_STATE), "failed");
    describe_main_exit(l);
    if (strcmp(prop(l, P_LOAD_STATE), "loaded"))
        return;
    if ((failed || (*result && strcmp(result, "success"))) &&
        number_or(prop(l, P_N_RESTARTS), 0) >= restart_limit)
        note_respawn_loop(ctx, l);
    if (failed)
        note_failed(ctx, l);
    check_fragment(ctx, l, 1, found);
    if (l->v.any)
        verdict_see(v, l->v.worst);
}

/* ---- The check ---------------------------------------------------------------- */

/* The lifecycle hands the unit as the path it installed it at; systemctl
 * wants the name. A leading '-' would be read as an option. */
static int unit_name_from_param(const char *param, char *out, size_t size)
{
    const char *slash = strrchr(param, '/');
    const char *name = param[0] == '/' && slash ? slash + 1 : param;
    if (!*name || name[0] == '-' || strlen(name) >= size)
        return -1;
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == '/')
            return -1;
    plugin_textf(out, size, "%s", name);
    return 0;
}

sourceos_status systemd_check_state(sourceos_ctx *ctx)
{
    const char *unit = sourceos_param(ctx, "unit");
    const char *program = sourceos_param(ctx, "systemctl");
    struct live *l;
    sourceos_status status;
    if (!unit || !*unit) {
        sourceos_finding_add(ctx, "systemd.state-no-unit", SOURCEOS_SEV_INFO,
                             "no unit to ask systemd about: param `unit` is unset (the "
                             "agent declares no systemd unit yet)");
        return SOURCEOS_SKIPPED;
    }
    l = calloc(1, sizeof *l);
    if (!l) {
        sourceos_finding_add(ctx, "systemd.out-of-memory", SOURCEOS_SEV_CRITICAL,
                             "out of memory reading the unit's state");
        return SOURCEOS_ERROR;
    }
    if (unit_name_from_param(unit, l->unit, sizeof l->unit) < 0) {
        sourceos_finding *f = sourceos_finding_add(
            ctx, "systemd.params", SOURCEOS_SEV_CRITICAL,
            "param `unit` is not a unit name (or a unit file's absolute path): '%s'", unit);
        sourceos_finding_remediation(f, "Give a unit name such as sourceos-web.service.");
        free(l);
        return SOURCEOS_ERROR;
    }
    l->user = is_true(sourceos_param(ctx, "user"));
    l->systemctl = program && *program ? program : "systemctl";
    l->v.worst = SOURCEOS_SEV_INFO;
    status = read_state(ctx, l);
    free(l);
    return status;
}

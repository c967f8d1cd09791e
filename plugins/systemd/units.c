/* systemd: the live state of every unit the scan finds, declared or not.
 * The lint reads files; only the running manager knows that a unit has
 * been restarted hundreds of times, failed, or runs from a file that is
 * gone. One `systemctl show` for all the system manager's units the scan
 * lints (/etc/systemd/system), and one `systemctl --user show` for the
 * invoking user's (/etc/systemd/user and ~/.config/systemd/user): the
 * answer is one blank-line-separated block per unit, in argument order,
 * but each block is matched to its unit by its Id= (or Names=), never by
 * position alone.
 * Other users' managers answer only to them and are not asked. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "systemd.h"

/* Units asked about per run; more are counted and said, not asked. */
#define UNITS_DEFAULT_MAX 500u
/* Automatic restarts, with a failing result, that make a respawn loop
 * (param restart_limit); systemd's own default StartLimitBurst. */
#define UNITS_DEFAULT_RESTART_LIMIT 5u
#define UNITS_DEFAULT_TIMEOUT_MS 10000u

/* The units of one manager, and what it said about them. */
struct manager {
    int user;
    char **units;      /* each unit file's path (host view) */
    size_t n, cap;
    size_t asked, active, failed, not_loaded, answered;
    char unavailable[512]; /* why the manager could not be asked, or "" */
};

struct units {
    struct manager system, user;
    size_t total, max, cut;
    const char *systemctl;
    unsigned timeout_ms;
    long restart_limit;
    struct verdict v;
    int undecided; /* a manager's answer could not be read */
    struct plugin_lines runs; /* each loaded unit's name and NRestarts */
};

/* ---- what the scan found --------------------------------------------------- */

static const char *name_of(const char *path)
{
    return strrchr(path, '/') + 1;
}

/* Adds the unit file NAME in DIR to M unless a unit of that name is there
 * already from an earlier location (the first BEFORE units; one directory
 * holds a name once): a user unit in both the home and /etc/systemd/user
 * is one unit, the home's (added first). Takes NAME. */
static void add_unit(struct units *u, struct manager *m, size_t before, const char *dir,
                     char *name)
{
    size_t dir_len = strlen(dir), name_len = strlen(name);
    char *path;
    for (size_t i = 0; i < before; i++)
        if (!strcmp(name_of(m->units[i]), name)) {
            free(name);
            return;
        }
    if (u->total >= u->max) {
        u->cut++;
        free(name);
        return;
    }
    path = malloc(dir_len + name_len + 2);
    if (path) {
        memcpy(path, dir, dir_len);
        path[dir_len] = '/';
        memcpy(path + dir_len + 1, name, name_len + 1);
    }
    free(name);
    if (!path)
        return;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        char **grown = realloc(m->units, cap * sizeof *grown);
        if (!grown) {
            free(path);
            return;
        }
        m->units = grown;
        m->cap = cap;
    }
    m->units[m->n++] = path;
    u->total++;
}

static void add_location(sourceos_ctx *ctx, struct units *u, struct manager *m,
                         const char *dir)
{
    char **names;
    size_t n = systemd_scanned_units(ctx, dir, &names), before = m->n;
    for (size_t i = 0; i < n; i++)
        add_unit(u, m, before, dir, names[i]);
    free(names);
}

static void collect(sourceos_ctx *ctx, struct units *u)
{
    const char *home = sourceos_getenv(ctx, "HOME");
    add_location(ctx, u, &u->system, "/etc/systemd/system");
    if (home && home[0] == '/') {
        char dir[4200];
        plugin_textf(dir, sizeof dir, "%s/.config/systemd/user", home);
        add_location(ctx, u, &u->user, dir);
    }
    add_location(ctx, u, &u->user, "/etc/systemd/user");
}

static void free_manager(struct manager *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->units[i]);
    free(m->units);
}

/* ---- asking the manager ------------------------------------------------------ */

static const struct sourceos_cmd *show(sourceos_ctx *ctx, const struct units *u,
                                       const struct manager *m)
{
    const char **argv = calloc(m->n + 8, sizeof *argv);
    const struct sourceos_cmd *r;
    size_t n = 0;
    static const struct sourceos_cmd no_memory = {
        .exit_status = -1, .not_started = 1, .start_errno = ENOMEM, .out = "", .err = "",
    };
    if (!argv)
        return &no_memory;
    argv[n++] = u->systemctl;
    if (m->user)
        argv[n++] = "--user";
    argv[n++] = "show";
    argv[n++] = "-p";
    argv[n++] = SYSTEMD_SCANNED_PROPS;
    argv[n++] = "--no-pager";
    argv[n++] = "--"; /* a unit named "-x.service" is not an option */
    for (size_t i = 0; i < m->n; i++)
        argv[n++] = name_of(m->units[i]);
    argv[n] = NULL;
    r = sourceos_run(ctx, argv, NULL, u->timeout_ms);
    free(argv);
    return r;
}

/* The unit of M the block L is about: the POS-th asked when the block says
 * so (systemctl answers in argument order), else the first not yet TAKEN
 * whose name is the block's Id=, then one of its Names= (an alias); M->n
 * when none is: a block is never judged as another unit's. */
static size_t block_unit(const struct manager *m, const struct systemd_live *l, size_t pos,
                         const char *taken)
{
    if (pos < m->n && !taken[pos] && systemd_live_about(l, name_of(m->units[pos])))
        return pos;
    for (int want = 2; want > 0; want--)
        for (size_t i = 0; i < m->n; i++)
            if (!taken[i] && systemd_live_about(l, name_of(m->units[i])) == want)
                return i;
    return m->n;
}

/* Judges the block read into L as the unit I of M. */
static void judge_block(sourceos_ctx *ctx, struct units *u, struct manager *m, size_t i,
                        struct systemd_live *l)
{
    const char *state;
    m->answered++;
    systemd_live_name(l, name_of(m->units[i]));
    systemd_live_judge_scanned(ctx, l, &u->v, u->restart_limit, m->units[i]);
    state = systemd_live_state(l, 1);
    m->active += !strcmp(state, "active");
    m->failed += !strcmp(state, "failed");
    if (strcmp(systemd_live_state(l, 0), "loaded") != 0)
        m->not_loaded++;
    else
        plugin_lines_add(&u->runs, name_of(m->units[i]), systemd_live_restarts(l));
}

/* Where the block at P ends: at the newline before an empty line, or a
 * last newline, or END. */
static const char *block_end(const char *p, const char *end)
{
    const char *nl;
    while ((nl = memchr(p, '\n', (size_t)(end - p))) && nl + 1 < end && nl[1] != '\n')
        p = nl + 1;
    return nl ? nl : end;
}

/* Judges each block of the answer as the unit its Id=/Names= say. Each
 * block is read once, into the one state reused for all. */
static void read_blocks(sourceos_ctx *ctx, struct units *u, struct manager *m,
                        const struct sourceos_cmd *r)
{
    const char *p = r->out, *end = r->out + r->out_len;
    char *taken = calloc(m->n ? m->n : 1, 1);
    struct systemd_live *l = systemd_live_new("", m->user, u->systemctl);
    for (size_t pos = 0; taken && l && p < end; pos++) {
        const char *stop = block_end(p, end);
        size_t i;
        int kept;
        systemd_live_clear(l);
        kept = systemd_live_parse(l, p, (size_t)(stop - p));
        i = block_unit(m, l, pos, taken);
        if (i < m->n) {
            taken[i] = 1;
            if (kept > 0)
                judge_block(ctx, u, m, i, l);
        }
        /* Past the empty line; a last newline alone ends the text. */
        p = end - stop > 2 ? stop + 2 : end;
    }
    systemd_live_free(l);
    free(taken);
}

static void first_line(const char *text, char *out, size_t size)
{
    while (*text == '\n' || *text == ' ')
        text++;
    plugin_textf(out, size, "%.*s", (int)strcspn(text, "\n"), text);
}

/* 1 when the check must stop: offline, nothing may be asked at all. */
static int ask(sourceos_ctx *ctx, struct units *u, struct manager *m)
{
    const struct sourceos_cmd *r;
    char line[400];
    sourceos_finding *f;
    if (m->n == 0)
        return 0;
    r = show(ctx, u, m);
    if (r->not_started && r->start_errno == ECANCELED)
        return 1;
    if (r->not_started || r->timed_out || systemd_says_no_systemd(r)) {
        first_line(r->err, line, sizeof line);
        plugin_textf(m->unavailable, sizeof m->unavailable, "%s",
                     r->not_started ? strerror(r->start_errno)
                     : r->timed_out ? "it did not answer (a hung manager)"
                                    : line);
        return 0;
    }
    m->asked = m->n;
    if (r->exit_status != 0) {
        first_line(r->err, line, sizeof line);
        f = plugin_note(ctx, NULL, "systemd.show-failed", SOURCEOS_SEV_CRITICAL,
                        "'%s%s show' of %zu units failed (exit status %d): %s", u->systemctl,
                        m->user ? " --user" : "", m->n, r->exit_status,
                        *line ? line : "no message");
        sourceos_finding_remediation(f, "Run the command by hand and read what it says.");
        u->undecided = 1;
    }
    read_blocks(ctx, u, m, r);
    return 0;
}

/* ---- the summary ------------------------------------------------------------------- */

static void manager_text(const struct manager *m, char *out, size_t size)
{
    const char *who = m->user ? "the user manager" : "the system manager";
    if (m->n == 0)
        plugin_textf(out, size, "%s: no units", who);
    else if (m->unavailable[0])
        plugin_textf(out, size, "%s: %zu units, not asked: %s", who, m->n, m->unavailable);
    else
        plugin_textf(out, size, "%s: %zu units (%zu active, %zu failed, %zu not loaded)", who,
                     m->answered, m->active, m->failed, m->not_loaded);
}

static void evidence_count(sourceos_finding *f, const char *key, size_t n)
{
    char text[32];
    plugin_textf(text, sizeof text, "%zu", n);
    sourceos_finding_evidence(f, key, text);
}

static void report(sourceos_ctx *ctx, struct units *u)
{
    char sys[700], usr[700];
    sourceos_finding *f;
    if (u->cut) {
        f = plugin_note(ctx, &u->v, "systemd.units-truncated", SOURCEOS_SEV_WARNING,
                        "asked about the first %zu units only: the scan found %zu more, whose "
                        "live state was not read (param max_units)",
                        u->max, u->cut);
        sourceos_finding_remediation(f, "Raise max_units in checks.d to ask about all of them.");
        evidence_count(f, "limit", u->max);
        evidence_count(f, "not_asked", u->cut);
    }
    manager_text(&u->system, sys, sizeof sys);
    manager_text(&u->user, usr, sizeof usr);
    f = plugin_note(ctx, NULL, "systemd.units-summary", SOURCEOS_SEV_INFO, "%s; %s", sys, usr);
    evidence_count(f, "system_units", u->system.answered);
    evidence_count(f, "user_units", u->user.answered);
    evidence_count(f, "failed", u->system.failed + u->user.failed);
    if (u->system.unavailable[0])
        sourceos_finding_evidence(f, "system_unavailable", u->system.unavailable);
    if (u->user.unavailable[0])
        sourceos_finding_evidence(f, "user_unavailable", u->user.unavailable);
    if (u->runs.len)
        sourceos_finding_evidence(f, "service_runs", u->runs.text);
}

/* ---- the check --------------------------------------------------------------------- */

sourceos_status systemd_check_units(sourceos_ctx *ctx)
{
    const char *program = sourceos_param(ctx, "systemctl");
    struct units u = {0};
    sourceos_status status;
    u.user.user = 1;
    u.v.worst = SOURCEOS_SEV_INFO;
    u.systemctl = program && *program ? program : "systemctl";
    u.timeout_ms = plugin_param_uint(ctx, "timeout_ms", 1, 3599999, UNITS_DEFAULT_TIMEOUT_MS);
    u.restart_limit = (long)plugin_param_uint(ctx, "restart_limit", 1, 1000000000ul,
                                              UNITS_DEFAULT_RESTART_LIMIT);
    u.max = plugin_param_uint(ctx, "max_units", 1, 100000ul, UNITS_DEFAULT_MAX);
    collect(ctx, &u);
    if (u.total == 0) {
        sourceos_finding_add(ctx, "systemd.units-summary", SOURCEOS_SEV_INFO,
                             "no unit to ask about: the scan found no service units for "
                             "the system manager or this user's");
        status = SOURCEOS_OK;
    } else if (ask(ctx, &u, &u.system) || ask(ctx, &u, &u.user)) {
        status = SOURCEOS_SKIPPED; /* offline: the core says why */
    } else if ((u.system.n == 0 || u.system.unavailable[0]) &&
               (u.user.n == 0 || u.user.unavailable[0])) {
        report(ctx, &u);
        status = SOURCEOS_SKIPPED; /* no manager here to ask */
    } else {
        report(ctx, &u);
        status = u.undecided && !(u.v.any && u.v.worst == SOURCEOS_SEV_CRITICAL)
                     ? SOURCEOS_ERROR
                     : verdict_status(&u.v);
    }
    free_manager(&u.system);
    free_manager(&u.user);
    plugin_lines_free(&u.runs);
    return status;
}

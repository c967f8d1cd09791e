/* systemd: asks systemd itself about the agent's unit file. The lint checks
 * apply our policy with our reader; `systemd-analyze verify` loads the unit
 * with systemd's own parser (unknown keys, values it cannot parse, programs
 * that are not there), and `systemd-analyze security --offline=yes` rates how
 * exposed the service is. Neither needs a running systemd. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "systemd.h"

/* verify and security load one unit in well under a second; this bound
 * is for a tool stuck on something (a hung NSS lookup for User=). */
#define VERIFY_DEFAULT_TIMEOUT_MS 20000u
/* systemd-analyze rates exposure 0.0 (locked down) to 10.0 (everything
 * allowed); a unit with no sandboxing at all rates 9.6. */
#define VERIFY_DEFAULT_EXPOSURE_LIMIT 9.0
#define VERIFY_MAX_LINE 1024

/* What the check knows about the unit, for every finding it records. */
struct verify {
    const char *unit;       /* param `unit`: the host view, for findings */
    const char *real;       /* the same file under --root, for the tool */
    const char *name;       /* the unit's name, as systemd calls it */
    const char *real_name;  /* the real file's name (a symlink may differ) */
    int user;               /* --user */
    const char *program;    /* systemd-analyze */
    unsigned timeout_ms;
    char runtime_dir[4096]; /* the private XDG_RUNTIME_DIR, "" when none */
    char runtime_env[4200]; /* "XDG_RUNTIME_DIR=..." */
    int kept, ignored;      /* messages about this unit, and about others */
    int errors;             /* kept messages that are errors */
    struct verdict v;
};

static int is_true(const char *text)
{
    return text && (!strcmp(text, "true") || !strcmp(text, "yes") || !strcmp(text, "1"));
}

static unsigned verify_timeout_ms(sourceos_ctx *ctx)
{
    return plugin_param_uint(ctx, "timeout_ms", 1, 3599999, VERIFY_DEFAULT_TIMEOUT_MS);
}

static double exposure_limit(sourceos_ctx *ctx)
{
    const char *t = sourceos_param(ctx, "exposure_limit");
    char *end;
    double limit;
    if (!t || !*t)
        return VERIFY_DEFAULT_EXPOSURE_LIMIT;
    limit = strtod(t, &end);
    return *end ? VERIFY_DEFAULT_EXPOSURE_LIMIT : limit;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* ---- A private XDG_RUNTIME_DIR for --user ----------------------------------- */

/* `systemd-analyze --user` builds a user manager's paths from
 * XDG_RUNTIME_DIR and writes below it; the real one belongs to a session we
 * must not touch (and under a service there is none), so each run gets its
 * own, removed afterwards. */
static int make_runtime_dir(sourceos_ctx *ctx, struct verify *vf)
{
    const char *tmp = sourceos_getenv(ctx, "TMPDIR");
    if (!tmp || tmp[0] != '/')
        tmp = "/tmp";
    plugin_textf(vf->runtime_dir, sizeof vf->runtime_dir, "%s/sourceos-verify.XXXXXX", tmp);
    if (!mkdtemp(vf->runtime_dir)) {
        int err = errno;
        sourceos_finding *f = sourceos_finding_add(
            ctx, "systemd.verify-error", SOURCEOS_SEV_CRITICAL,
            "%s: cannot make a runtime directory under %s for `systemd-analyze --user`: %s",
            vf->unit, tmp, strerror(err));
        sourceos_finding_path(f, vf->unit);
        vf->runtime_dir[0] = '\0';
        return -1;
    }
    plugin_textf(vf->runtime_env, sizeof vf->runtime_env, "XDG_RUNTIME_DIR=%s",
                 vf->runtime_dir);
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    remove(path);
    return 0; /* remove what can be removed; the rest is a leftover in /tmp */
}

static void remove_runtime_dir(struct verify *vf)
{
    if (!vf->runtime_dir[0])
        return;
    /* FTW_PHYS: a symlink the tool left is removed, never followed. */
    nftw(vf->runtime_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    vf->runtime_dir[0] = '\0';
}

/* ---- Running systemd-analyze ------------------------------------------------- */

static const struct sourceos_cmd *run_analyze(sourceos_ctx *ctx, const struct verify *vf,
                                              const char *verb, const char *option)
{
    const char *argv[6];
    const char *env[2] = {NULL, NULL};
    size_t n = 0;
    argv[n++] = vf->program;
    if (vf->user)
        argv[n++] = "--user";
    argv[n++] = verb;
    if (option)
        argv[n++] = option;
    argv[n++] = vf->real;
    argv[n] = NULL;
    if (vf->user)
        env[0] = vf->runtime_env;
    return sourceos_run(ctx, argv, env, vf->timeout_ms);
}

static void first_line(const char *text, char *out, size_t size)
{
    while (*text == '\n' || *text == ' ')
        text++;
    plugin_textf(out, size, "%.*s", (int)strcspn(text, "\n"), text);
}

static sourceos_status tool_unavailable(sourceos_ctx *ctx, const struct verify *vf,
                                        const struct sourceos_cmd *r)
{
    sourceos_finding *f = sourceos_finding_add(
        ctx, "systemd.verify-unavailable", SOURCEOS_SEV_INFO,
        "%s: not verified: cannot run '%s': %s", vf->unit, vf->program,
        strerror(r->start_errno));
    sourceos_finding_path(f, vf->unit);
    sourceos_finding_evidence(f, "systemd_analyze", vf->program);
    sourceos_finding_remediation(f, "Install systemd (Debian: the systemd package) to have "
                                    "systemd's own parser verify the unit.");
    return SOURCEOS_SKIPPED;
}

static sourceos_status tool_timed_out(sourceos_ctx *ctx, const struct verify *vf,
                                      const struct sourceos_cmd *r, const char *verb)
{
    sourceos_finding *f = sourceos_finding_add(
        ctx, "systemd.verify-timeout", SOURCEOS_SEV_CRITICAL,
        "%s: '%s %s' did not finish within %.1f s", vf->unit, vf->program, verb,
        r->duration);
    sourceos_finding_path(f, vf->unit);
    sourceos_finding_evidence(f, "systemd_analyze", vf->program);
    sourceos_finding_remediation(f, "Run the command by hand: it may hang resolving User= "
                                    "or a dependency. Raise param `timeout_ms` if it is "
                                    "only slow.");
    return SOURCEOS_ERROR;
}

/* ---- Folding verify's messages into findings ---------------------------------- */

/* One message: "FILE:LINE: text", "NAME: text", or a bare sentence. */
struct message {
    char subject[VERIFY_MAX_LINE]; /* FILE or NAME before the first ": " */
    int line;                      /* 0 when the message names no line */
    const char *text;              /* after the subject, or the whole line */
};

static void split_message(const char *raw, struct message *m)
{
    const char *colon = strstr(raw, ": ");
    const char *subject_end = colon;
    m->subject[0] = '\0';
    m->line = 0;
    m->text = raw;
    /* A subject is one word: a path or a unit name, never a sentence. */
    if (!colon || memchr(raw, ' ', (size_t)(colon - raw)))
        return;
    /* FILE:LINE: the digits between the last ':' of the subject and ": " */
    for (const char *c = colon - 1; c > raw && *c >= '0' && *c <= '9'; c--) {
        if (c[-1] == ':') {
            m->line = atoi(c);
            subject_end = c - 1;
            break;
        }
    }
    plugin_textf(m->subject, sizeof m->subject, "%.*s", (int)(subject_end - raw), raw);
    m->text = colon + 2;
}

/* NAME appears in TEXT as a whole unit name ("Unit x.service has ..."), not
 * as part of another ("x.service.d", "ax.service"). */
static int names_word(const char *text, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
        int starts = p == text || strchr(" '\"/(", p[-1]);
        int ends = !p[len] || strchr(" '\".,:;)", p[len]);
        if (starts && ends)
            return 1;
    }
    return 0;
}

/* verify loads the unit's dependencies (and, for a service, the default
 * target's) and complains about them too; those are other people's units.
 * A message is ours when its subject is our file or name, or, without a
 * subject, when it names our unit. */
static int is_about_this_unit(const struct verify *vf, const struct message *m,
                              const char *raw)
{
    const char *s = m->subject;
    if (*s)
        return !strcmp(s, vf->real) || !strcmp(s, vf->unit) || !strcmp(s, vf->name) ||
               !strcmp(s, vf->real_name);
    return names_word(raw, vf->name) || names_word(raw, vf->real_name);
}

/* systemd says ", ignoring" when it drops a line and loads the unit anyway:
 * a warning. Other messages of a failed verify are why it failed. */
static sourceos_severity message_severity(const char *raw, int exit_status)
{
    if (exit_status == 0 || strstr(raw, "ignoring"))
        return SOURCEOS_SEV_WARNING;
    return SOURCEOS_SEV_CRITICAL;
}

static void note_message(sourceos_ctx *ctx, struct verify *vf, const char *raw,
                         int exit_status)
{
    struct message m;
    sourceos_severity sev = message_severity(raw, exit_status);
    sourceos_finding *f;
    split_message(raw, &m);
    if (!is_about_this_unit(vf, &m, raw)) {
        vf->ignored++;
        return;
    }
    vf->kept++;
    if (sev == SOURCEOS_SEV_CRITICAL)
        vf->errors++;
    f = systemd_note(ctx, &vf->v, vf->unit, m.line,
                     sev == SOURCEOS_SEV_CRITICAL ? "systemd.verify-error"
                                                  : "systemd.verify-warning",
                     sev, "%s", *m.subject ? m.text : raw);
    sourceos_finding_evidence(f, "systemd_analyze", raw);
    sourceos_finding_remediation(f, "Fix the unit as systemd says; `systemd-analyze verify "
                                    "FILE` shows the same.");
}

/* Messages go to stderr; stdout is read too, as older versions used it. */
static void fold_messages(sourceos_ctx *ctx, struct verify *vf, const char *text,
                          int exit_status)
{
    char raw[VERIFY_MAX_LINE];
    while (*text) {
        size_t len = strcspn(text, "\n");
        plugin_textf(raw, sizeof raw, "%.*s", (int)len, text);
        if (len > 0 && raw[strlen(raw) - 1] == '\r')
            raw[strlen(raw) - 1] = '\0';
        if (*raw)
            note_message(ctx, vf, raw, exit_status);
        text += len + (text[len] == '\n');
    }
}

/* A failed verify whose only messages were "ignoring" warnings (or none)
 * still failed; say so unless the failure is some other unit's. */
static void note_unexplained_failure(sourceos_ctx *ctx, struct verify *vf,
                                     const struct sourceos_cmd *r)
{
    char line[512];
    sourceos_finding *f;
    if (r->exit_status == 0 || vf->errors > 0 || vf->ignored > 0)
        return;
    first_line(r->err, line, sizeof line);
    f = systemd_note(ctx, &vf->v, vf->unit, 0, "systemd.verify-error", SOURCEOS_SEV_CRITICAL,
                     "`systemd-analyze verify` failed (exit status %d, signal %d)%s%s",
                     r->exit_status, r->term_signal, *line ? ": " : "", line);
    sourceos_finding_remediation(f, "Run `systemd-analyze verify FILE` by hand.");
}

static void note_verified(sourceos_ctx *ctx, const struct verify *vf,
                          const struct sourceos_cmd *r)
{
    char number[32];
    sourceos_finding *f = systemd_note(
        ctx, NULL, vf->unit, 0, "systemd.verified", SOURCEOS_SEV_INFO,
        "systemd-analyze verify: exit status %d, %d message(s) about this unit, %d about "
        "other units (not counted)",
        r->exit_status, vf->kept, vf->ignored);
    plugin_textf(number, sizeof number, "%d", r->exit_status);
    sourceos_finding_evidence(f, "exit_status", number);
    plugin_textf(number, sizeof number, "%d", vf->kept);
    sourceos_finding_evidence(f, "messages", number);
    plugin_textf(number, sizeof number, "%d", vf->ignored);
    sourceos_finding_evidence(f, "other_unit_messages", number);
    sourceos_finding_evidence(f, "manager", vf->user ? "user" : "system");
}

/* ---- Exposure ------------------------------------------------------------------ */

/* "→ Overall exposure level for x.service: 9.6 UNSAFE 😨" (UTF-8 arrow and
 * emoji; under LC_ALL=C "->" and ":-{"): the number and the word after the
 * unit's name, whatever surrounds them. */
static int parse_exposure(const char *out, double *score, char *level, size_t size)
{
    const char *at = strstr(out, "Overall exposure level for ");
    const char *colon;
    char word[32];
    if (!at)
        return -1;
    colon = strstr(at, ": ");
    if (!colon || memchr(at, '\n', (size_t)(colon - at)))
        return -1;
    if (sscanf(colon + 2, "%lf %31[A-Za-z]", score, word) != 2)
        return -1;
    plugin_textf(level, size, "%s", word);
    return 0;
}

static void note_exposure_unknown(sourceos_ctx *ctx, const struct verify *vf,
                                  const struct sourceos_cmd *r)
{
    char line[512];
    sourceos_finding *f;
    first_line(*r->err ? r->err : r->out, line, sizeof line);
    f = systemd_note(ctx, NULL, vf->unit, 0, "systemd.exposure-unknown", SOURCEOS_SEV_INFO,
                     "`systemd-analyze security --offline=yes` gave no exposure level "
                     "(exit status %d)%s%s",
                     r->exit_status, *line ? ": " : "", line);
    if (*line)
        sourceos_finding_evidence(f, "stderr", line);
}

static void note_exposure(sourceos_ctx *ctx, struct verify *vf, double score,
                          const char *level, double limit)
{
    char text[32], limit_text[32];
    int high = score > limit;
    sourceos_finding *f;
    plugin_textf(text, sizeof text, "%.1f", score);
    plugin_textf(limit_text, sizeof limit_text, "%.1f", limit);
    sourceos_fact_set(ctx, "systemd.exposure", text);
    f = systemd_note(ctx, &vf->v, vf->unit, 0,
                     high ? "systemd.exposure-high" : "systemd.exposure",
                     high ? SOURCEOS_SEV_WARNING : SOURCEOS_SEV_INFO,
                     "systemd rates the service's exposure %s %s (0 locked down, 10 "
                     "unrestricted; limit %s)",
                     text, level, limit_text);
    sourceos_finding_evidence(f, "exposure", text);
    sourceos_finding_evidence(f, "exposure_level", level);
    sourceos_finding_evidence(f, "exposure_limit", limit_text);
    if (high)
        sourceos_finding_remediation(
            f, "Sandbox the service (NoNewPrivileges=, ProtectSystem=strict, ProtectHome=, "
               "PrivateTmp=, CapabilityBoundingSet=, ...); `systemd-analyze security "
               "--offline=yes FILE` lists what each setting would save.");
}

/* An older systemd-analyze rates only system units offline. */
static int rejects_user_option(const struct sourceos_cmd *r)
{
    return r->exit_status != 0 &&
           (strstr(r->err, "unrecognized option") || strstr(r->err, "not supported"));
}

static int is_service(const char *unit)
{
    size_t n = strlen(unit);
    return n > 8 && strcmp(unit + n - 8, ".service") == 0;
}

static sourceos_status rate_exposure(sourceos_ctx *ctx, struct verify *vf)
{
    const struct sourceos_cmd *r = run_analyze(ctx, vf, "security", "--offline=yes");
    double score;
    char level[32];
    if (r->timed_out)
        return tool_timed_out(ctx, vf, r, "security");
    if (vf->user && rejects_user_option(r)) {
        systemd_note(ctx, NULL, vf->unit, 0, "systemd.exposure-unknown", SOURCEOS_SEV_INFO,
                     "this systemd-analyze cannot rate user units offline; exposure not "
                     "rated");
        return verdict_status(&vf->v);
    }
    if (r->not_started || parse_exposure(r->out, &score, level, sizeof level) < 0)
        note_exposure_unknown(ctx, vf, r);
    else
        note_exposure(ctx, vf, score, level, exposure_limit(ctx));
    return verdict_status(&vf->v);
}

/* ---- The check ------------------------------------------------------------------- */

static sourceos_status verify_unit(sourceos_ctx *ctx, struct verify *vf)
{
    const struct sourceos_cmd *r = run_analyze(ctx, vf, "verify", NULL);
    if (r->not_started)
        return tool_unavailable(ctx, vf, r);
    if (r->timed_out)
        return tool_timed_out(ctx, vf, r, "verify");
    fold_messages(ctx, vf, r->err, r->exit_status);
    fold_messages(ctx, vf, r->out, r->exit_status);
    note_unexplained_failure(ctx, vf, r);
    note_verified(ctx, vf, r);
    if (!is_service(vf->unit)) {
        /* security rates a service's sandbox: a timer, socket or path unit
         * runs nothing of its own, and would be scored as an empty one */
        systemd_note(ctx, NULL, vf->unit, 0, "systemd.exposure-unknown", SOURCEOS_SEV_INFO,
                     "not a service: it runs nothing of its own, so there is no sandbox "
                     "to rate (its service's is rated when that is verified)");
        return verdict_status(&vf->v);
    }
    return rate_exposure(ctx, vf);
}

static sourceos_status bad_unit_param(sourceos_ctx *ctx, const char *unit)
{
    sourceos_finding *f = sourceos_finding_add(
        ctx, "systemd.params", SOURCEOS_SEV_CRITICAL,
        "param `unit` is not a unit file's absolute path: '%s'", unit);
    sourceos_finding_remediation(f, "Give the path the unit is installed at.");
    return SOURCEOS_ERROR;
}

static sourceos_status unit_not_found(sourceos_ctx *ctx, const char *unit)
{
    sourceos_finding *f = systemd_note(ctx, NULL, unit, 0, "systemd.unit-missing",
                                       SOURCEOS_SEV_CRITICAL,
                                       "no such unit file (or it leads out of --root)");
    sourceos_finding_remediation(f, "Install the unit, or fix the path.");
    return SOURCEOS_FAILURE;
}

sourceos_status systemd_check_verify(sourceos_ctx *ctx)
{
    const char *unit = sourceos_param(ctx, "unit");
    const char *program = sourceos_param(ctx, "systemd_analyze");
    struct verify *vf;
    sourceos_status status;
    if (!unit || !*unit) {
        sourceos_finding_add(ctx, "systemd.verify-no-unit", SOURCEOS_SEV_INFO,
                             "no unit to verify: param `unit` is unset (the agent declares "
                             "no systemd unit yet)");
        return SOURCEOS_SKIPPED;
    }
    if (unit[0] != '/' || !*base_name(unit))
        return bad_unit_param(ctx, unit);
    vf = calloc(1, sizeof *vf);
    if (!vf) {
        sourceos_finding_add(ctx, "systemd.out-of-memory", SOURCEOS_SEV_CRITICAL,
                             "out of memory verifying the unit");
        return SOURCEOS_ERROR;
    }
    vf->unit = unit;
    vf->real = sourceos_host_path(ctx, unit);
    if (!vf->real) {
        free(vf);
        return unit_not_found(ctx, unit);
    }
    vf->name = base_name(unit);
    vf->real_name = base_name(vf->real);
    vf->user = is_true(sourceos_param(ctx, "user"));
    vf->program = program && *program ? program : "systemd-analyze";
    vf->timeout_ms = verify_timeout_ms(ctx);
    vf->v.worst = SOURCEOS_SEV_INFO;
    if (vf->user && make_runtime_dir(ctx, vf) < 0)
        status = SOURCEOS_ERROR;
    else
        status = verify_unit(ctx, vf);
    remove_runtime_dir(vf);
    free(vf);
    return status;
}

/*
 * example: a site plugin for sourceos-agent, written as a model for platform
 * teams. Copy this folder, rename the plugin, keep the shape.
 *
 * Checks:
 *   file-mode   params: path (required, absolute), max_mode (octal, "644")
 *               The file exists and grants no permission bit beyond max_mode.
 *   command-ok  params: argv (list, required), timeout_ms (default 5000)
 *               The command starts and exits 0.
 *
 * Finding codes are part of the plugin's interface: reports, dashboards and
 * people's runbooks match on them, so they never change once published.
 *   example.bad-params       a parameter is missing or malformed (error)
 *   example.file-missing     the file does not exist (failure)
 *   example.file-unreadable  the file exists but cannot be examined (error)
 *   example.file-too-open    the file is more permissive than allowed (failure)
 *   example.command-missing  the command cannot be started (error)
 *   example.command-failed   the command exited non-zero, was killed or timed
 *                            out (failure)
 *
 * It uses only <sourceos/plugin.h> and libc, so it builds out of tree from the
 * installed header (see Makefile). It never prints, exits or parses anything
 * itself: the core runs each check in its own child process, turns findings
 * into reports and owns every string it hands out.
 */
#define _POSIX_C_SOURCE 200809L /* stat(), struct stat's st_mode bits */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sourceos/plugin.h>

/* Defaults live in one place so the README and the code cannot disagree. */
#define DEFAULT_MAX_MODE "644"
#define DEFAULT_TIMEOUT_MS 5000u
/* Longest argv accepted: a bound keeps a typo in YAML from costing memory. */
#define MAX_ARGS 64
/* Evidence is for humans: one line of stderr is enough to point the way. */
#define MAX_EVIDENCE_LINE 200

/* ---- helpers -------------------------------------------------------------- */

/*
 * Reports bad parameters as an error, not a failure: the host may be fine,
 * the declaration is what is wrong, and "could not decide" (exit 3) says so.
 */
static sourceos_status bad_params(sourceos_ctx *ctx, const char *what)
{
    sourceos_finding *f = sourceos_finding_add(
        ctx, "example.bad-params", SOURCEOS_SEV_CRITICAL,
        "invalid parameters: %s", what);
    sourceos_finding_remediation(
        f, "Fix the check's params: in its checks.d file "
           "(see contrib/example-plugin/README.md).");
    return SOURCEOS_ERROR;
}

/*
 * Parses an octal permission string ("644", "0600"). Strict on purpose: a
 * policy that silently reads "6a4" as 6 would pass files it should not.
 */
static int parse_mode(const char *text, mode_t *mode)
{
    unsigned long v = 0;
    size_t n = text ? strlen(text) : 0;

    if (n == 0 || n > 4)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '7')
            return -1;
        v = v * 8 + (unsigned long)(text[i] - '0');
    }
    *mode = (mode_t)v;
    return 0;
}

/* Parses a decimal millisecond count; strict for the same reason as above. */
static int parse_ms(const char *text, unsigned *ms)
{
    unsigned long v = 0;

    if (!text || !*text)
        return -1;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > 3600000ul) /* an hour: longer is a typo, not a probe */
            return -1;
    }
    *ms = (unsigned)v;
    return 0;
}

/* Copies the first line of TEXT into BUF, so evidence stays one short line. */
static void first_line(const char *text, size_t len, char *buf, size_t size)
{
    size_t n = 0;

    while (n < len && n + 1 < size && text[n] != '\n' && text[n] != '\r' &&
           text[n] != '\0')
        n++;
    memcpy(buf, text, n);
    buf[n] = '\0';
}

/* ---- file-mode ------------------------------------------------------------ */

/* The finding for a file that grants more than allowed, with the exact fix. */
static void report_too_open(sourceos_ctx *ctx, const char *path, mode_t have,
                            mode_t max)
{
    char have_s[16], max_s[16], new_mode[16];
    sourceos_finding *f;

    snprintf(have_s, sizeof have_s, "%04o", (unsigned)have);
    snprintf(max_s, sizeof max_s, "%04o", (unsigned)max);
    f = sourceos_finding_add(ctx, "example.file-too-open",
                             SOURCEOS_SEV_CRITICAL,
                             "%s has mode %s, more permissive than %s", path,
                             have_s, max_s);
    sourceos_finding_remediation(
        f, "Remove the extra permission bits so that the file grants at "
           "most the allowed mode; keep the bits it already lacks.");
    /* have & max clears only the extra bits: the least change that fixes it.
     * The path is the host's: the core quotes it as one word. */
    snprintf(new_mode, sizeof new_mode, "%o", (unsigned)(have & max));
    sourceos_finding_command_argv(f, (const char *const[]){"chmod", new_mode, path, NULL});
    /* The host's view of the path, not the --root one: it is what to fix. */
    sourceos_finding_path(f, path);
    /* Evidence in chmod's own notation, the way max_mode is written. */
    snprintf(have_s, sizeof have_s, "%o", (unsigned)have);
    snprintf(max_s, sizeof max_s, "%o", (unsigned)max);
    sourceos_finding_evidence(f, "mode", have_s);
    sourceos_finding_evidence(f, "max_mode", max_s);
}

/* stat(2) failed on a path the core resolved: say what, not a guess. */
static sourceos_status report_unreadable(sourceos_ctx *ctx, const char *path,
                                         int err)
{
    sourceos_finding *f = sourceos_finding_add(
        ctx, "example.file-unreadable", SOURCEOS_SEV_CRITICAL,
        "cannot examine %s: %s", path, strerror(err));
    sourceos_finding_path(f, path);
    return SOURCEOS_ERROR;
}

static sourceos_status check_file_mode(sourceos_ctx *ctx)
{
    const char *path = sourceos_param(ctx, "path");
    const char *max_text = sourceos_param(ctx, "max_mode");
    const char *resolved;
    struct stat st;
    mode_t max, have;

    if (!path || path[0] != '/')
        return bad_params(ctx, "'path' is required and must be absolute");
    if (!max_text)
        max_text = DEFAULT_MAX_MODE;
    if (parse_mode(max_text, &max) != 0)
        return bad_params(ctx, "'max_mode' must be an octal mode such as 644");

    /* Dependents (`needs`/`after`) can read which file was examined. */
    sourceos_fact_set(ctx, "example.checked", path);

    /*
     * Never stat PATH directly: under --root the host is a copied tree, and
     * the core resolves symlinks without letting them escape it.
     */
    resolved = sourceos_host_path(ctx, path);
    if (!resolved) {
        sourceos_finding *f = sourceos_finding_add(
            ctx, "example.file-missing", SOURCEOS_SEV_CRITICAL,
            "%s does not exist", path);
        sourceos_finding_remediation(f, "Create the file, or fix 'path'.");
        sourceos_finding_path(f, path);
        return SOURCEOS_FAILURE;
    }
    if (stat(resolved, &st) != 0)
        return report_unreadable(ctx, path, errno);

    /* Setuid, setgid and sticky count too: they are permissions as well. */
    have = st.st_mode & 07777;
    if (have & ~max) {
        report_too_open(ctx, path, have, max);
        return SOURCEOS_FAILURE;
    }
    return SOURCEOS_OK;
}

/* ---- command-ok ------------------------------------------------------------ */

/* Reads the argv list; NULL-terminated as sourceos_run() wants it. */
static int collect_argv(sourceos_ctx *ctx, const char *argv[MAX_ARGS + 1])
{
    size_t n = sourceos_param_count(ctx, "argv");

    if (n == 0 || n > MAX_ARGS)
        return -1;
    for (size_t i = 0; i < n; i++) {
        argv[i] = sourceos_param_at(ctx, "argv", i);
        if (!argv[i] || !argv[i][0])
            return -1;
    }
    argv[n] = NULL;
    return 0;
}

/* The command never ran: that says nothing about the host's health. */
static sourceos_status report_not_started(sourceos_ctx *ctx, const char *cmd,
                                          const struct sourceos_cmd *r)
{
    sourceos_finding *f = sourceos_finding_add(
        ctx, "example.command-missing", SOURCEOS_SEV_CRITICAL,
        "%s cannot be run: %s", cmd, strerror(r->start_errno));
    sourceos_finding_remediation(
        f, "Install the command, or put it on the PATH of the user who runs "
           "sourceos (commands run without a shell).");
    sourceos_finding_evidence(f, "errno", strerror(r->start_errno));
    return SOURCEOS_ERROR;
}

/* The command ran and did not succeed: evidence says how it ended. */
static sourceos_status report_failed(sourceos_ctx *ctx, const char *cmd,
                                     const struct sourceos_cmd *r,
                                     unsigned timeout_ms)
{
    char num[32], line[MAX_EVIDENCE_LINE + 1];
    sourceos_finding *f;

    if (r->timed_out)
        f = sourceos_finding_add(ctx, "example.command-failed",
                                 SOURCEOS_SEV_CRITICAL,
                                 "%s did not finish within %u ms", cmd,
                                 timeout_ms);
    else if (r->exit_status < 0)
        f = sourceos_finding_add(ctx, "example.command-failed",
                                 SOURCEOS_SEV_CRITICAL,
                                 "%s was killed by signal %d", cmd,
                                 r->term_signal);
    else
        f = sourceos_finding_add(ctx, "example.command-failed",
                                 SOURCEOS_SEV_CRITICAL, "%s exited with status %d",
                                 cmd, r->exit_status);
    sourceos_finding_remediation(
        f, "Run the command by hand as the same user and read its error.");
    /* Only what is known: a killed command has no exit status. */
    if (r->exit_status >= 0) {
        snprintf(num, sizeof num, "%d", r->exit_status);
        sourceos_finding_evidence(f, "exit_status", num);
    }
    if (r->timed_out)
        sourceos_finding_evidence(f, "timed_out", "true");
    if (r->term_signal) {
        snprintf(num, sizeof num, "%d", r->term_signal);
        sourceos_finding_evidence(f, "signal", num);
    }
    if (r->err && r->err_len) {
        first_line(r->err, r->err_len, line, sizeof line);
        /* The core redacts secret-looking values; still, keep it short. */
        sourceos_finding_evidence(f, "stderr", line);
    }
    return SOURCEOS_FAILURE;
}

static sourceos_status check_command_ok(sourceos_ctx *ctx)
{
    const char *argv[MAX_ARGS + 1];
    const char *timeout_text = sourceos_param(ctx, "timeout_ms");
    unsigned timeout_ms = DEFAULT_TIMEOUT_MS;
    const struct sourceos_cmd *r;

    if (collect_argv(ctx, argv) != 0)
        return bad_params(ctx, "'argv' must be a non-empty list of at most 64 "
                               "non-empty strings");
    if (timeout_text && parse_ms(timeout_text, &timeout_ms) != 0)
        return bad_params(ctx, "'timeout_ms' must be a whole number of "
                               "milliseconds, at most 3600000");

    /* argv only, never a shell: the core records the run in the report. */
    r = sourceos_run(ctx, argv, NULL, timeout_ms);
    if (r->not_started)
        return report_not_started(ctx, argv[0], r);
    if (r->timed_out || r->exit_status != 0)
        return report_failed(ctx, argv[0], r, timeout_ms);
    return SOURCEOS_OK;
}

/* ---- the exported plugin -------------------------------------------------- */

/* Static: only sourceos_plugin_v1 is meant to be visible (see example.map). */
static const struct sourceos_check checks[] = {
    {"file-mode", "A file exists and is not more permissive than max_mode",
     check_file_mode},
    {"command-ok", "A command starts and exits 0", check_command_ok},
    {NULL, NULL, NULL},
};

/* The params each check reads (ABI 1.4): a checks.d entry that gives its
 * check any other param is refused, with where it is written. */
static const char *const file_mode_keys[] = {"path", "max_mode", NULL};
static const char *const command_ok_keys[] = {"argv", "timeout_ms", NULL};

static const struct sourceos_params params[] = {
    {"file-mode", file_mode_keys},
    {"command-ok", command_ok_keys},
    {NULL, NULL},
};

/* The one symbol the core looks up; its name carries the ABI major
 * (plugin.h declares it, so a mismatched type is a compile error). */
const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "example",
    .version = "1.0.0",
    .checks = checks,
    .actions = NULL,
    .params = params,
};

/* wsl2: the distro check: the Podman machine's WSL distro as Windows sees
 * it. On Windows, podman runs its engine in a WSL 2 distro named after
 * the machine (podman's toDist: "podman-" + NAME unless NAME starts with
 * "podman"); `wsl.exe -l -v` says whether it exists, runs, and is WSL 2,
 * and `wsl.exe --status` the defaults. Their output is UTF-16LE unless
 * WSL_UTF8=1 is honoured, so it is decoded from the bytes (text.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsl2.h"

#define DEFAULT_MACHINE "podman-machine-default"
/* wsl.exe answers in well under a second; a cold WSL service start takes
 * a few seconds. */
#define DEFAULT_TIMEOUT_MS 15000u

struct distro_run {
    struct verdict v;
    const char *wsl;           /* the program run */
    char machine[WSL_NAME_MAX];
    char distro[WSL_NAME_MAX];
    struct wsl_list list;
    struct wsl_status status;
    int have_status;
    enum wsl_encoding encoding;
    char names[512];           /* the distros listed, for evidence */
};

static const char *const utf8_env[] = {"WSL_UTF8=1", NULL};

static void first_line(const char *text, char *out, size_t size)
{
    while (*text == '\n' || *text == ' ')
        text++;
    plugin_textf(out, size, "%.*s", (int)strcspn(text, "\n"), text);
}

/* Records a finding about running wsl.exe itself; the check cannot decide. */
static sourceos_status probe_failed(sourceos_ctx *ctx, struct distro_run *d,
                                    const char *code, sourceos_severity sev,
                                    const char *args, const struct sourceos_cmd *r,
                                    const char *why)
{
    char status[32];
    sourceos_finding *f = plugin_note(ctx, &d->v, code, sev,
                                   "'%s %s': %s", d->wsl, args, why);
    sourceos_finding_evidence(f, "wsl", d->wsl);
    if (!r->not_started && !r->timed_out) {
        plugin_textf(status, sizeof status, "%d", r->exit_status);
        sourceos_finding_evidence(f, "exit_status", status);
    }
    sourceos_finding_remediation(
        f, "Run the command in a Windows terminal and read what it says; inside WSL, "
           "wsl.exe needs interop and the Windows PATH (see wsl2.inside).");
    return SOURCEOS_ERROR;
}

/* Decodes R's stdout (or stderr, when stdout is empty) into T. */
static enum wsl_text_error decode_output(const struct sourceos_cmd *r, struct wsl_text *t,
                                         int *from_stderr)
{
    *from_stderr = r->out_len == 0 && r->err_len > 0;
    if (*from_stderr)
        return wsl_text_decode((const unsigned char *)r->err, r->err_len, t);
    return wsl_text_decode((const unsigned char *)r->out, r->out_len, t);
}

static sourceos_status undecodable(sourceos_ctx *ctx, struct distro_run *d,
                                   const char *args, const struct sourceos_cmd *r,
                                   enum wsl_text_error e, const struct wsl_text *t)
{
    char why[256], num[32];
    sourceos_finding *f;
    plugin_textf(why, sizeof why, "its output cannot be decoded: %s", wsl_text_error_text(e));
    f = plugin_note(ctx, &d->v, "wsl2.output-undecodable", SOURCEOS_SEV_CRITICAL,
                 "'%s %s': %s", d->wsl, args, why);
    plugin_textf(num, sizeof num, "%zu", r->out_len);
    sourceos_finding_evidence(f, "bytes", num);
    plugin_textf(num, sizeof num, "%zu", t->offset);
    sourceos_finding_evidence(f, "at_byte", num);
    sourceos_finding_remediation(f, "Run the command in a Windows terminal; a wsl.exe "
                                    "this old or this broken is worth updating "
                                    "(`wsl.exe --update`).");
    return SOURCEOS_ERROR;
}

static sourceos_status read_list(sourceos_ctx *ctx, struct distro_run *d, unsigned timeout)
{
    const char *argv[] = {d->wsl, "-l", "-v", NULL};
    const struct sourceos_cmd *r = sourceos_run(ctx, argv, utf8_env, timeout);
    struct wsl_text t;
    enum wsl_text_error e;
    enum wsl_parse_error pe;
    char why[512], line[WSL_MESSAGE_MAX];
    int from_stderr;
    if (r->not_started) {
        plugin_textf(why, sizeof why, "cannot be run: %s", strerror(r->start_errno));
        return probe_failed(ctx, d, "wsl2.wsl-missing", SOURCEOS_SEV_CRITICAL, "-l -v", r, why);
    }
    if (r->timed_out) {
        plugin_textf(why, sizeof why, "no answer within %.1f s (a hung WSL service?)",
                  r->duration);
        return probe_failed(ctx, d, "wsl2.wsl-timeout", SOURCEOS_SEV_CRITICAL, "-l -v", r, why);
    }
    if (r->truncated)
        return probe_failed(ctx, d, "wsl2.output-undecodable", SOURCEOS_SEV_CRITICAL, "-l -v", r,
                            "more output than any list of distros (cut at the capture bound)");
    e = decode_output(r, &t, &from_stderr);
    if (e != WSL_TEXT_OK)
        return undecodable(ctx, d, "-l -v", r, e, &t);
    d->encoding = t.encoding;
    pe = wsl_parse_list(t.text, t.len, &d->list);
    first_line(t.text, line, sizeof line);
    wsl_text_free(&t);
    if (pe == WSL_PARSE_OK)
        return SOURCEOS_OK;
    if (r->exit_status != 0 || from_stderr) {
        plugin_textf(why, sizeof why, "failed (exit status %d): %s", r->exit_status,
                  *line ? line : "no message");
        return probe_failed(ctx, d, "wsl2.wsl-failed", SOURCEOS_SEV_CRITICAL, "-l -v", r, why);
    }
    plugin_textf(why, sizeof why, "no table of distros in its output (%s)",
              pe == WSL_PARSE_EMPTY ? "it printed nothing" : line);
    return probe_failed(ctx, d, "wsl2.output-unparsed", SOURCEOS_SEV_CRITICAL, "-l -v", r, why);
}

/* `--status` only adds the defaults, and older wsl.exe lack it: a failure
 * here is noted, not an error. */
static void read_status(sourceos_ctx *ctx, struct distro_run *d, unsigned timeout)
{
    const char *argv[] = {d->wsl, "--status", NULL};
    const struct sourceos_cmd *r = sourceos_run(ctx, argv, utf8_env, timeout);
    struct wsl_text t;
    const char *why = NULL;
    enum wsl_text_error e;
    int from_stderr;
    sourceos_finding *f;
    if (r->not_started || r->timed_out)
        why = r->timed_out ? "no answer in time" : "cannot be run";
    else if ((e = decode_output(r, &t, &from_stderr)) != WSL_TEXT_OK)
        why = wsl_text_error_text(e);
    else {
        d->have_status = wsl_parse_status(t.text, t.len, &d->status) == WSL_PARSE_OK;
        wsl_text_free(&t);
        why = d->have_status ? NULL : "no Default Distribution or Default Version line";
    }
    if (!why)
        return;
    f = plugin_note(ctx, NULL, "wsl2.status-unavailable", SOURCEOS_SEV_INFO,
                 "'%s --status' gave no defaults (%s); older wsl.exe lack --status",
                 d->wsl, why);
    sourceos_finding_evidence(f, "wsl", d->wsl);
}

/* ---- Judging the machine's distro ------------------------------------------ */

static void list_names(struct distro_run *d)
{
    size_t used = 0;
    d->names[0] = '\0';
    for (size_t i = 0; i < d->list.n && used + 2 < sizeof d->names; i++) {
        int n = snprintf(d->names + used, sizeof d->names - used, "%s%s%s",
                         i ? "," : "", d->list.distros[i].is_default ? "*" : "",
                         d->list.distros[i].name);
        if (n < 0 || (size_t)n >= sizeof d->names - used)
            break;
        used += (size_t)n;
    }
}

static void distro_evidence(sourceos_finding *f, const struct distro_run *d,
                            const struct wsl_distro *row)
{
    char num[16];
    sourceos_finding_evidence(f, "machine", d->machine);
    sourceos_finding_evidence(f, "distro", d->distro);
    if (row) {
        sourceos_finding_evidence(f, "state", row->state);
        plugin_textf(num, sizeof num, "%d", row->version);
        sourceos_finding_evidence(f, "version", num);
    }
    sourceos_finding_evidence(f, "distros", d->names);
    sourceos_finding_evidence(f, "encoding", wsl_encoding_text(d->encoding));
    if (d->status.default_distro[0])
        sourceos_finding_evidence(f, "default_distribution", d->status.default_distro);
    if (d->status.default_version) {
        plugin_textf(num, sizeof num, "%d", d->status.default_version);
        sourceos_finding_evidence(f, "default_version", num);
    }
}

/* "podman machine VERB" with the machine's name unless it is the default.
 * The name passed wsl_name_valid() (it starts with a letter or digit), so
 * it needs no "--"; it is quoted all the same. */
static void machine_command(sourceos_finding *f, const struct distro_run *d,
                            const char *verb)
{
    const char *const argv[] = {"podman", "machine", verb, d->machine, NULL};
    if (strcmp(d->machine, DEFAULT_MACHINE) == 0)
        sourceos_finding_commandf(f, "podman machine %s", verb);
    else
        sourceos_finding_command_argv(f, argv);
}

static void note_missing(sourceos_ctx *ctx, struct distro_run *d)
{
    sourceos_finding *f = plugin_note(
        ctx, &d->v, "wsl2.machine-missing", SOURCEOS_SEV_CRITICAL,
        "the Podman machine '%s' has no WSL distro: '%s' is not in `wsl.exe -l -v`%s",
        d->machine, d->distro,
        d->list.no_distros ? " (WSL has no installed distributions)" : "");
    distro_evidence(f, d, NULL);
    if (d->list.no_distros)
        sourceos_finding_evidence(f, "wsl_message", d->list.message);
    sourceos_finding_remediation(f, "Create the machine (podman makes its WSL distro), "
                                    "then start it.");
    machine_command(f, d, "init");
}

static void note_wsl1(sourceos_ctx *ctx, struct distro_run *d, const struct wsl_distro *row)
{
    const char *const cmd[] = {"wsl.exe", "--set-version", row->name, "2", NULL};
    sourceos_finding *f = plugin_note(
        ctx, &d->v, "wsl2.machine-wsl1", SOURCEOS_SEV_CRITICAL,
        "the Podman machine's distro '%s' runs on WSL 1: podman's engine needs WSL 2",
        row->name);
    distro_evidence(f, d, row);
    sourceos_finding_remediation(f, "Convert the distro to WSL 2 (and make 2 the "
                                    "default with `wsl.exe --set-default-version 2`).");
    sourceos_finding_command_argv(f, cmd);
}

static void note_state(sourceos_ctx *ctx, struct distro_run *d, const struct wsl_distro *row)
{
    sourceos_finding *f;
    if (!strcmp(row->state, "Running")) {
        f = plugin_note(ctx, &d->v, "wsl2.machine-running", SOURCEOS_SEV_INFO,
                     "the Podman machine's distro '%s' is running on WSL %d",
                     row->name, row->version);
        distro_evidence(f, d, row);
        return;
    }
    if (!strcmp(row->state, "Stopped")) {
        f = plugin_note(ctx, &d->v, "wsl2.machine-stopped", SOURCEOS_SEV_WARNING,
                     "the Podman machine's distro '%s' is stopped: every podman "
                     "command fails until the machine starts", row->name);
        sourceos_finding_remediation(f, "Start the machine.");
        machine_command(f, d, "start");
        distro_evidence(f, d, row);
        return;
    }
    /* Installing, Converting, Uninstalling, or a localized word. */
    f = plugin_note(ctx, &d->v, "wsl2.machine-state-other", SOURCEOS_SEV_WARNING,
                 "the Podman machine's distro '%s' is '%s', neither Running nor Stopped",
                 row->name, row->state);
    sourceos_finding_remediation(f, "Wait for WSL to finish (Installing, Converting), "
                                    "then check again; `podman machine list` shows "
                                    "podman's view.");
    distro_evidence(f, d, row);
}

static void publish(sourceos_ctx *ctx, const struct distro_run *d,
                    const struct wsl_distro *row)
{
    char num[16];
    sourceos_fact_set(ctx, "wsl.machine_distro", d->distro);
    sourceos_fact_set(ctx, "wsl.machine_state", row ? row->state : "missing");
    if (row) {
        plugin_textf(num, sizeof num, "%d", row->version);
        sourceos_fact_set(ctx, "wsl.machine_version", num);
    }
    if (d->status.default_distro[0])
        sourceos_fact_set(ctx, "wsl.default_distro", d->status.default_distro);
    if (d->status.default_version) {
        plugin_textf(num, sizeof num, "%d", d->status.default_version);
        sourceos_fact_set(ctx, "wsl.default_version", num);
    }
}

static sourceos_status judge(sourceos_ctx *ctx, struct distro_run *d)
{
    const struct wsl_distro *row = wsl_list_find(&d->list, d->distro);
    list_names(d);
    publish(ctx, d, row);
    if (!row) {
        note_missing(ctx, d);
        return verdict_status(&d->v);
    }
    if (row->version == 1)
        note_wsl1(ctx, d, row);
    note_state(ctx, d, row);
    return verdict_status(&d->v);
}

/* ---- The check ---------------------------------------------------------------- */

/* The machine: param `machine`, else the one podman.machine found. */
static const char *machine_name(sourceos_ctx *ctx)
{
    const char *name = sourceos_param(ctx, "machine");
    if (name && *name)
        return name;
    name = sourceos_fact_get(ctx, "podman.machine.name");
    return name && *name ? name : DEFAULT_MACHINE;
}

static sourceos_status bad_param(sourceos_ctx *ctx, const char *key, const char *value,
                                 const char *want)
{
    sourceos_finding *f = plugin_note(ctx, NULL, "wsl2.params", SOURCEOS_SEV_CRITICAL,
                                   "param `%s` is not %s: '%.128s'", key, want, value);
    sourceos_finding_remediation(f, "Fix the check's params in checks.d.");
    return SOURCEOS_ERROR;
}

sourceos_status wsl_check_distro(sourceos_ctx *ctx)
{
    const char *machine = machine_name(ctx);
    const char *wsl = sourceos_param(ctx, "wsl");
    unsigned timeout = plugin_param_uint(ctx, "timeout_ms", 1, 600000, DEFAULT_TIMEOUT_MS);
    struct distro_run *d;
    sourceos_status status;
    if (!wsl_name_valid(machine))
        return bad_param(ctx, "machine", machine,
                         "a Podman machine name ([A-Za-z0-9][A-Za-z0-9_.-]*)");
    if (wsl && (!*wsl || *wsl == '-'))
        return bad_param(ctx, "wsl", wsl, "a program name or path");
    d = calloc(1, sizeof *d);
    if (!d) {
        plugin_note(ctx, NULL, "wsl2.out-of-memory", SOURCEOS_SEV_CRITICAL, "out of memory");
        return SOURCEOS_ERROR;
    }
    d->wsl = wsl ? wsl : "wsl.exe";
    plugin_textf(d->machine, sizeof d->machine, "%s", machine);
    plugin_textf(d->distro, sizeof d->distro, "%s%s",
              strncmp(machine, "podman", 6) ? "podman-" : "", machine);
    status = read_list(ctx, d, timeout);
    if (status == SOURCEOS_OK) {
        read_status(ctx, d, timeout);
        status = judge(ctx, d);
    }
    free(d);
    return status;
}

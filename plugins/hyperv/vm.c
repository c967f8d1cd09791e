/* hyperv.vm: the Hyper-V VM behind a Podman machine of the hyperv
 * provider, as Hyper-V itself reports it (`Get-VM`), from Windows or from
 * WSL through interop. Podman's own view (`podman machine inspect`) says
 * what Podman believes; this says whether the VM runs, whether it exists
 * at all, and whether this user may even ask (Hyper-V Administrators).
 * Read-only: the only PowerShell it runs is Get-VM piped to ConvertTo-Json. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv.h"
#include "../common/plugin_util.h"

/* powershell.exe takes 1-3 s to start cold, longer through WSL interop on
 * a busy machine; the Hyper-V module loads on first use. */
#define VM_DEFAULT_TIMEOUT_MS 30000u
#define VM_DEFAULT_MACHINE "podman-machine-default"

/* What the check knows, for every finding it records. */
struct vm_check {
    char machine[HYPERV_MAX_NAME + 1];
    const char *machine_source; /* param machine, fact podman.machine.name, default */
    const char *powershell;
    char script[256];           /* the -Command argument */
    char pipe[HYPERV_MAX_NAME + 64];
    const char *pipe_source;
    struct hyperv_vm vm;
    int have_vm;                /* vm was parsed */
    struct verdict v;
};

/* ---- Whether it applies ------------------------------------------------------ */

/* Param `provider` when given, else what podman.machine published. Returns
 * 1 when the machine is a Hyper-V one; else 0 with WHY. */
static int uses_hyperv(sourceos_ctx *ctx, char *why, size_t size)
{
    const char *param = sourceos_param(ctx, "provider");
    const char *fact = sourceos_fact_get(ctx, "podman.machine.vmtype");
    if (param && *param) {
        if (!strcmp(param, "hyperv"))
            return 1;
        plugin_textf(why, size, "param `provider` is %s, not hyperv", param);
        return 0;
    }
    if (fact && !strcmp(fact, "hyperv"))
        return 1;
    if (fact && *fact)
        plugin_textf(why, size, "the Podman machine uses %s, not hyperv", fact);
    else
        plugin_textf(why, size,
                     "no Podman machine of the hyperv provider is known (podman.machine "
                     "published no vmtype, and param `provider` is unset)");
    return 0;
}

/* ---- Findings ------------------------------------------------------------------ */

static void evidence_number(sourceos_finding *f, const char *key, long long n)
{
    char text[32];
    if (n < 0)
        return;
    plugin_textf(text, sizeof text, "%lld", n);
    sourceos_finding_evidence(f, key, text);
}

static void evidence_text(sourceos_finding *f, const char *key, const char *value)
{
    if (value && *value)
        sourceos_finding_evidence(f, key, value);
}

/* Records a finding about the machine's VM, with everything known about
 * it as evidence, and counts it toward the verdict. */
static sourceos_finding *vm_note(sourceos_ctx *ctx, struct vm_check *c, const char *code,
                                 sourceos_severity sev, const char *format, ...)
    __attribute__((format(printf, 5, 6)));

static sourceos_finding *vm_note(sourceos_ctx *ctx, struct vm_check *c, const char *code,
                                 sourceos_severity sev, const char *format, ...)
{
    char prefix[HYPERV_MAX_NAME + 32];
    sourceos_finding *f;
    va_list ap;
    plugin_textf(prefix, sizeof prefix, "Hyper-V VM '%s'", c->machine);
    va_start(ap, format);
    f = plugin_vnote(ctx, &c->v, code, sev, prefix, format, ap);
    va_end(ap);
    sourceos_finding_evidence(f, "machine", c->machine);
    sourceos_finding_evidence(f, "machine_source", c->machine_source);
    sourceos_finding_evidence(f, "pipe", c->pipe);
    sourceos_finding_evidence(f, "pipe_source", c->pipe_source);
    if (!c->have_vm)
        return f;
    evidence_text(f, "vm_name", c->vm.name);
    evidence_text(f, "state", c->vm.state_given);
    if (c->vm.state)
        sourceos_finding_evidence(f, "state_name", c->vm.state->name);
    evidence_text(f, "status", c->vm.status);
    evidence_text(f, "uptime", c->vm.uptime);
    evidence_number(f, "generation", c->vm.generation);
    evidence_text(f, "version", c->vm.version);
    evidence_number(f, "processor_count", c->vm.processor_count);
    evidence_number(f, "memory_assigned", c->vm.memory_assigned);
    evidence_text(f, "path", c->vm.path);
    return f;
}

/* These commands are for PowerShell, whose quoting is not POSIX's: they
 * hold only a name that passed hyperv_name_is_safe(), which the core leaves
 * bare, so the line means the same in either shell. */
static void command_for(sourceos_finding *f, const struct vm_check *c, const char *verb)
{
    sourceos_finding_command_argv(f, (const char *const[]){"podman", "machine", verb,
                                                           c->machine, NULL});
}

static void note_running(sourceos_ctx *ctx, struct vm_check *c)
{
    vm_note(ctx, c, "hyperv.vm-running", SOURCEOS_SEV_INFO, "running (state %s)%s%s",
            c->vm.state_given, *c->vm.uptime ? ", up " : "", c->vm.uptime);
}

static void note_down(sourceos_ctx *ctx, struct vm_check *c)
{
    const char *name = c->vm.state->name;
    sourceos_finding *f = vm_note(
        ctx, c, "hyperv.vm-not-running", SOURCEOS_SEV_CRITICAL,
        "%s (state %s): the machine cannot serve Podman, so no agent can run on it", name,
        c->vm.state_given);
    if (!strcmp(name, "Paused")) {
        sourceos_finding_remediation(f, "Resume the VM (Hyper-V Manager, or Resume-VM from "
                                        "PowerShell as a member of Hyper-V Administrators).");
        sourceos_finding_command_argv(f, (const char *const[]){"Resume-VM", "-Name",
                                                               c->machine, NULL});
    } else {
        sourceos_finding_remediation(f, "Start the machine; if it stops again, read "
                                        "`podman machine inspect` and the Hyper-V event log.");
        command_for(f, c, "start");
    }
}

static void note_starting(sourceos_ctx *ctx, struct vm_check *c)
{
    sourceos_finding *f = vm_note(ctx, c, "hyperv.vm-starting", SOURCEOS_SEV_WARNING,
                                  "%s (state %s): not serving Podman yet", c->vm.state->name,
                                  c->vm.state_given);
    sourceos_finding_remediation(f, "Wait a minute and run the check again; if it stays "
                                    "there, stop and start the machine.");
}

static void note_critical(sourceos_ctx *ctx, struct vm_check *c)
{
    sourceos_finding *f = vm_note(
        ctx, c, "hyperv.vm-critical", SOURCEOS_SEV_CRITICAL,
        "%s (state %s): Hyper-V lost access to the VM's storage", c->vm.state->name,
        c->vm.state_given);
    sourceos_finding_remediation(f, "Make the disk holding the VM's files (evidence path) "
                                    "available again (missing, full or offline), then "
                                    "start the machine.");
    command_for(f, c, "start");
}

static void note_unknown_state(sourceos_ctx *ctx, struct vm_check *c)
{
    sourceos_finding *f = vm_note(
        ctx, c, "hyperv.vm-state-unknown", SOURCEOS_SEV_WARNING,
        "state %s is not one this check knows%s", *c->vm.state_given ? c->vm.state_given
                                                                      : "(absent)",
        c->vm.state ? "" : " (not in Hyper-V's VMState enum)");
    sourceos_finding_remediation(f, "Look at the VM in Hyper-V Manager.");
}

static void note_ambiguous(sourceos_ctx *ctx, struct vm_check *c)
{
    sourceos_finding *f = vm_note(
        ctx, c, "hyperv.vm-ambiguous", SOURCEOS_SEV_WARNING,
        "%zu Hyper-V VMs have this name (Hyper-V allows it); judged the first exact match, "
        "but Podman may manage another", c->vm.matches);
    sourceos_finding_remediation(f, "Rename or remove the VMs Podman did not create "
                                    "(Hyper-V Manager), so the name means one VM.");
}

static void judge_vm(sourceos_ctx *ctx, struct vm_check *c)
{
    enum hyperv_state_kind kind = c->vm.state ? c->vm.state->kind : HYPERV_STATE_UNKNOWN;
    sourceos_fact_set(ctx, "hyperv.vm.name", c->vm.name);
    sourceos_fact_set(ctx, "hyperv.vm.state",
                      c->vm.state ? c->vm.state->name : c->vm.state_given);
    if (c->vm.matches > 1)
        note_ambiguous(ctx, c);
    switch (kind) {
    case HYPERV_STATE_RUNNING:
        note_running(ctx, c);
        break;
    case HYPERV_STATE_STARTING:
        note_starting(ctx, c);
        break;
    case HYPERV_STATE_DOWN:
        note_down(ctx, c);
        break;
    case HYPERV_STATE_CRITICAL:
        note_critical(ctx, c);
        break;
    default:
        note_unknown_state(ctx, c);
    }
}

/* ---- What PowerShell said on failure ------------------------------------------ */

static sourceos_finding *error_note(sourceos_ctx *ctx, struct vm_check *c, const char *code,
                                    sourceos_severity sev, const struct sourceos_cmd *r,
                                    const char *line, const char *message)
{
    sourceos_finding *f = vm_note(ctx, c, code, sev, "%s", message);
    char status[32];
    plugin_textf(status, sizeof status, "%d", r->exit_status);
    sourceos_finding_evidence(f, "exit_status", status);
    evidence_text(f, "stderr", line);
    sourceos_finding_evidence(f, "powershell", c->powershell);
    return f;
}

static void note_missing(sourceos_ctx *ctx, struct vm_check *c, const struct sourceos_cmd *r,
                         const char *line)
{
    sourceos_finding *f = error_note(
        ctx, c, "hyperv.vm-missing", SOURCEOS_SEV_CRITICAL, r, line,
        "Hyper-V has no VM of this name: the machine was removed outside Podman, or never "
        "created");
    sourceos_finding_remediation(
        f, "Create the machine again. If `podman machine list` still lists it, remove "
           "Podman's record first (`podman machine rm`). If the VM does show in Hyper-V "
           "Manager, this account cannot see it: check its Hyper-V Administrators membership.");
    command_for(f, c, "init");
}

static void note_permission(sourceos_ctx *ctx, struct vm_check *c,
                            const struct sourceos_cmd *r, const char *line)
{
    sourceos_finding *f = error_note(
        ctx, c, "hyperv.permission-denied", SOURCEOS_SEV_CRITICAL, r, line,
        "this account may not manage Hyper-V VMs (it is not in the Hyper-V Administrators "
        "group): Podman's hyperv provider cannot start, stop or even list the machine");
    sourceos_finding_remediation(
        f, "From an elevated PowerShell, add the account to the local Hyper-V Administrators "
           "group (on Windows in another language, name the group by its SID: "
           "`Add-LocalGroupMember -SID S-1-5-32-578 -Member $env:USERNAME`), then log out "
           "and in again: Windows reads group membership at logon, so a new terminal is "
           "not enough.");
    sourceos_finding_command(f, "Add-LocalGroupMember -Group \"Hyper-V Administrators\" "
                                "-Member $env:USERNAME");
}

static void note_unavailable(sourceos_ctx *ctx, struct vm_check *c,
                             const struct sourceos_cmd *r, const char *line, int service)
{
    sourceos_finding *f;
    if (service) {
        f = error_note(ctx, c, "hyperv.unavailable", SOURCEOS_SEV_CRITICAL, r, line,
                       "the Hyper-V Virtual Machine Management service (vmms) is not running");
        sourceos_finding_remediation(f, "Start the service from an elevated PowerShell; if "
                                        "it runs and this persists, Hyper-V's WMI classes "
                                        "need repair (`MOFCOMP %SYSTEMROOT%\\System32\\"
                                        "WindowsVirtualization.V2.mof`). The same message can "
                                        "mean this account may not see Hyper-V objects: check "
                                        "its Hyper-V Administrators membership.");
        sourceos_finding_command(f, "Start-Service vmms");
        return;
    }
    f = error_note(ctx, c, "hyperv.unavailable", SOURCEOS_SEV_CRITICAL, r, line,
                   "Get-VM is not available: Hyper-V (or its PowerShell module) is not "
                   "enabled on this Windows");
    sourceos_finding_remediation(f, "Enable Hyper-V with its management tools from an "
                                    "elevated PowerShell and restart Windows, or use a "
                                    "Podman machine of the wsl provider.");
    sourceos_finding_command(f, "Enable-WindowsOptionalFeature -Online -FeatureName "
                                "Microsoft-Hyper-V-All");
}

static sourceos_status note_powershell_failed(sourceos_ctx *ctx, struct vm_check *c,
                                              const struct sourceos_cmd *r, const char *line)
{
    char message[768];
    sourceos_finding *f;
    if (r->term_signal)
        plugin_textf(message, sizeof message, "%s was killed by signal %d", c->powershell,
                     r->term_signal);
    else
        plugin_textf(message, sizeof message, "%s failed (exit status %d): %s",
                     c->powershell, r->exit_status, *line ? line : "no error text");
    f = error_note(ctx, c, "hyperv.powershell-failed", SOURCEOS_SEV_CRITICAL, r, line, message);
    sourceos_finding_remediation(f, "Run the command by hand and read what it says.");
    return SOURCEOS_ERROR;
}

/* Stderr decoded like stdout (it crosses WSL interop the same way); when
 * even that fails, the raw text up to its first NUL. */
static char *decoded_stderr(const struct sourceos_cmd *r)
{
    char *text, why[256];
    size_t len;
    if (hyperv_text_decode(r->err, r->err_len, &text, &len, why, sizeof why) == 0)
        return text;
    return strdup(r->err);
}

/* PowerShell wrote an error and printed no VM: say which error. */
static sourceos_status judge_error(sourceos_ctx *ctx, struct vm_check *c,
                                   const struct sourceos_cmd *r)
{
    char *err = decoded_stderr(r);
    char line[1024];
    enum hyperv_error_kind kind = hyperv_classify_error(err);
    hyperv_error_line(err, line, sizeof line);
    free(err);
    switch (kind) {
    case HYPERV_ERROR_VM_NOT_FOUND:
        note_missing(ctx, c, r, line);
        break;
    case HYPERV_ERROR_PERMISSION:
        note_permission(ctx, c, r, line);
        break;
    case HYPERV_ERROR_NO_MODULE:
    case HYPERV_ERROR_VMMS_DOWN:
        note_unavailable(ctx, c, r, line, kind == HYPERV_ERROR_VMMS_DOWN);
        break;
    default:
        return note_powershell_failed(ctx, c, r, line);
    }
    sourceos_fact_set(ctx, "hyperv.vm.state", "unknown");
    return verdict_status(&c->v);
}

/* ---- Running PowerShell --------------------------------------------------------- */

static sourceos_status powershell_missing(sourceos_ctx *ctx, struct vm_check *c,
                                          const struct sourceos_cmd *r)
{
    const char *os = sourceos_fact_get(ctx, "host.os");
    sourceos_finding *f = vm_note(ctx, c, "hyperv.powershell-missing", SOURCEOS_SEV_CRITICAL,
                                  "cannot run '%s': %s", c->powershell,
                                  strerror(r->start_errno));
    sourceos_finding_evidence(f, "powershell", c->powershell);
    if (os && !strcmp(os, "wsl"))
        sourceos_finding_remediation(
            f, "Inside WSL, powershell.exe comes from Windows through interop: enable it "
               "and the Windows PATH in /etc/wsl.conf ([interop] enabled=true, "
               "appendWindowsPath=true; then `wsl --shutdown`), or set param `powershell` to "
               "/mnt/c/Windows/System32/WindowsPowerShell/v1.0/powershell.exe.");
    else
        sourceos_finding_remediation(
            f, "Put Windows PowerShell's directory "
               "(C:\\Windows\\System32\\WindowsPowerShell\\v1.0) on PATH, or set param "
               "`powershell` to the program's full path.");
    return SOURCEOS_ERROR;
}

static sourceos_status powershell_timeout(sourceos_ctx *ctx, struct vm_check *c,
                                          const struct sourceos_cmd *r, unsigned timeout_ms)
{
    sourceos_finding *f = vm_note(
        ctx, c, "hyperv.powershell-timeout", SOURCEOS_SEV_CRITICAL,
        "'%s' did not answer within %u ms (%.1f s): a hung Hyper-V service, or a very slow "
        "PowerShell start", c->powershell, timeout_ms, r->duration);
    sourceos_finding_evidence(f, "powershell", c->powershell);
    sourceos_finding_remediation(f, "Run the command by hand to see where it hangs; raise "
                                    "param `timeout_ms` if PowerShell is only slow.");
    return SOURCEOS_ERROR;
}

static sourceos_status unparsable(sourceos_ctx *ctx, struct vm_check *c, const char *why)
{
    sourceos_finding *f = vm_note(ctx, c, "hyperv.output-unparsable", SOURCEOS_SEV_CRITICAL,
                                  "cannot read Get-VM's output: %s", why);
    sourceos_finding_evidence(f, "powershell", c->powershell);
    if (c->vm.json_line) {
        char n[16];
        plugin_textf(n, sizeof n, "%u", c->vm.json_line);
        sourceos_finding_evidence(f, "line", n);
        plugin_textf(n, sizeof n, "%u", c->vm.json_column);
        sourceos_finding_evidence(f, "column", n);
    }
    sourceos_finding_remediation(f, "Run the command by hand and compare its output with "
                                    "what Get-VM prints.");
    return SOURCEOS_ERROR;
}

static sourceos_status ask_hyperv(sourceos_ctx *ctx, struct vm_check *c)
{
    unsigned timeout_ms = plugin_param_uint(ctx, "timeout_ms", 1, 3599999, VM_DEFAULT_TIMEOUT_MS);
    const char *argv[] = {c->powershell, "-NoProfile", "-NonInteractive", "-Command",
                          c->script, NULL};
    const struct sourceos_cmd *r;
    char why[512];
    enum hyperv_parse_status st;
    plugin_textf(c->script, sizeof c->script, "Get-VM -Name '%s' | ConvertTo-Json -Depth 1",
                 c->machine);
    r = sourceos_run(ctx, argv, NULL, timeout_ms);
    if (r->not_started)
        return powershell_missing(ctx, c, r);
    if (r->timed_out)
        return powershell_timeout(ctx, c, r, timeout_ms);
    if (r->truncated)
        return unparsable(ctx, c, "the output was cut at the capture bound");
    st = hyperv_parse_getvm(ctx, r->out, r->out_len, c->machine, &c->vm, why, sizeof why);
    if (st == HYPERV_PARSE_EMPTY && r->exit_status == 0 && r->err_len == 0)
        return unparsable(ctx, c, "no output, no error");
    if (r->exit_status != 0 || r->term_signal || st == HYPERV_PARSE_EMPTY)
        return judge_error(ctx, c, r);
    if (st != HYPERV_PARSE_OK)
        return unparsable(ctx, c, why);
    c->have_vm = 1;
    judge_vm(ctx, c);
    return verdict_status(&c->v);
}

/* ---- The check ------------------------------------------------------------------ */

static int pick_machine(sourceos_ctx *ctx, struct vm_check *c)
{
    const char *param = sourceos_param(ctx, "machine");
    const char *fact = sourceos_fact_get(ctx, "podman.machine.name");
    const char *name = VM_DEFAULT_MACHINE;
    c->machine_source = "default";
    if (param && *param)
        name = param, c->machine_source = "param machine";
    else if (fact && *fact)
        name = fact, c->machine_source = "fact podman.machine.name";
    if (!hyperv_name_is_safe(name)) {
        sourceos_finding *f = sourceos_finding_add(
            ctx, "hyperv.params", SOURCEOS_SEV_CRITICAL,
            "the machine name '%.200s' (from %s) is not a Podman machine name "
            "([A-Za-z0-9][A-Za-z0-9_.-]*, at most %d characters): not put into a PowerShell "
            "command", name, c->machine_source, HYPERV_MAX_NAME);
        sourceos_finding_remediation(f, "Fix param `machine` in checks.d (or the machine's "
                                        "name).");
        return -1;
    }
    plugin_textf(c->machine, sizeof c->machine, "%s", name);
    return 0;
}

/* The named pipe the machine's connection should use: what podman.machine
 * read from `podman machine inspect`, else the name Podman gives it. */
static void pick_pipe(sourceos_ctx *ctx, struct vm_check *c)
{
    const char *fact = sourceos_fact_get(ctx, "podman.machine.pipe");
    if (fact && *fact) {
        plugin_textf(c->pipe, sizeof c->pipe, "%.*s", (int)(sizeof c->pipe - 1), fact);
        c->pipe_source = "fact podman.machine.pipe";
    } else {
        plugin_textf(c->pipe, sizeof c->pipe, "\\\\.\\pipe\\%s", c->machine);
        c->pipe_source = "derived from the machine name";
    }
}

sourceos_status hyperv_check_vm(sourceos_ctx *ctx)
{
    const char *program = sourceos_param(ctx, "powershell");
    struct vm_check *c;
    sourceos_status status;
    char why[512];
    if (!uses_hyperv(ctx, why, sizeof why)) {
        sourceos_finding_add(ctx, "hyperv.not-hyperv", SOURCEOS_SEV_INFO,
                             "not checked: %s", why);
        return SOURCEOS_SKIPPED;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        sourceos_finding_add(ctx, "hyperv.out-of-memory", SOURCEOS_SEV_CRITICAL,
                             "out of memory before asking Hyper-V");
        return SOURCEOS_ERROR;
    }
    if (pick_machine(ctx, c) < 0) {
        free(c);
        return SOURCEOS_ERROR;
    }
    c->powershell = program && *program ? program : "powershell.exe";
    pick_pipe(ctx, c);
    status = ask_hyperv(ctx, c);
    free(c);
    return status;
}

/* wsl2: the inside check: which WSL this distro runs on, whether it can
 * start Windows programs, whether systemd is PID 1 and whether the Windows
 * PATH is on the Linux PATH. Each decides what an agent can rely on here:
 * WSL 1 cannot run the Podman machine's engine, without interop wsl.exe
 * and Windows helpers are unreachable, without systemd no agent service
 * can be installed, and the Windows PATH brings Docker Desktop's
 * credential helpers in. */
#include "config.h"

#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "wsl2.h"

#define OSRELEASE_PATH "/proc/sys/kernel/osrelease"
#define BINFMT_DIR "/proc/sys/fs/binfmt_misc"
#define WSL_CONF_PATH "/etc/wsl.conf"
#define SMALL_FILE_MAX 4096u

/* WSL registers Windows executables (PE files start "MZ") with binfmt_misc
 * under these names; newer WSL uses the -late one. */
static const char *const interop_entries[] = {"WSLInterop", "WSLInterop-late"};

/* DENIED: an entry may not be read by this user; what it says is unknown. */
enum interop_state { INTEROP_ENABLED, INTEROP_DISABLED, INTEROP_ABSENT, INTEROP_DENIED };

struct inside {
    struct verdict v;
    char kernel[256];
    int version;         /* 1, 2, or 0 when unknown */
    char distro[WSL_NAME_MAX];
    enum interop_state interop;
    char interop_entry[64]; /* the entry that decided it */
    struct wsl_conf conf;
    int conf_present;
    int conf_denied;     /* wsl.conf may not be read: its settings are unknown */
};

static const char *interop_text(enum interop_state s)
{
    switch (s) {
    case INTEROP_ENABLED: return "enabled";
    case INTEROP_DISABLED: return "disabled";
    case INTEROP_ABSENT: return "absent";
    case INTEROP_DENIED: return "unknown (permission denied)";
    }
    return "?";
}

static void first_line_of(const char *data, size_t len, char *out, size_t size)
{
    size_t n = strcspn(data, "\r\n");
    if (n > len)
        n = len;
    plugin_textf(out, size, "%.*s", (int)n, data);
}

/* The core reads the kernel release (/proc/sys/kernel/osrelease under
 * --root, else uname) and tells WSL 2 from WSL 1 by it. */
static void read_kernel(sourceos_ctx *ctx, struct inside *in)
{
    const char *kernel = sourceos_fact_get(ctx, "host.kernel");
    const char *version = sourceos_fact_get(ctx, "host.wsl_version");
    plugin_textf(in->kernel, sizeof in->kernel, "%s", kernel ? kernel : "");
    in->version = version ? atoi(version) : 0;
}

static void read_interop(sourceos_ctx *ctx, struct inside *in)
{
    in->interop = INTEROP_ABSENT;
    for (size_t i = 0; i < sizeof interop_entries / sizeof *interop_entries; i++) {
        char path[128], first[32];
        const char *data;
        size_t len;
        int rc;
        plugin_textf(path, sizeof path, "%s/%s", BINFMT_DIR, interop_entries[i]);
        rc = sourceos_read_file(ctx, path, SMALL_FILE_MAX, &data, &len);
        if (rc == -EACCES && in->interop == INTEROP_ABSENT) {
            /* Not allowed to look is not "absent": say so, claim nothing. */
            plugin_denied(ctx, &in->v, "wsl2.permission-denied", path, NULL);
            in->interop = INTEROP_DENIED;
            return;
        }
        if (rc < 0)
            continue;
        first_line_of(data, len, first, sizeof first);
        if (!strcmp(first, "enabled")) {
            in->interop = INTEROP_ENABLED;
            plugin_textf(in->interop_entry, sizeof in->interop_entry, "%s", path);
            return;
        }
        in->interop = INTEROP_DISABLED;
        plugin_textf(in->interop_entry, sizeof in->interop_entry, "%s", path);
    }
}

static void read_distro_name(sourceos_ctx *ctx, struct inside *in)
{
    const char *name = sourceos_getenv(ctx, "WSL_DISTRO_NAME");
    sourceos_finding *f;
    if (name && wsl_name_valid(name)) {
        plugin_textf(in->distro, sizeof in->distro, "%s", name);
        return;
    }
    f = plugin_note(ctx, NULL, "wsl2.distro-name-unset", SOURCEOS_SEV_INFO,
                 name ? "WSL_DISTRO_NAME is not a distro name; the distro's name "
                        "is unknown (commands below say DISTRO)"
                      : "WSL_DISTRO_NAME is not set (sudo and services drop it); "
                        "the distro's name is unknown (commands below say DISTRO)");
    sourceos_finding_remediation(f, "`wsl.exe -l -v` on Windows lists the distros by name.");
}

static void read_conf(sourceos_ctx *ctx, struct inside *in)
{
    const char *data;
    size_t len;
    int rc = sourceos_read_file(ctx, WSL_CONF_PATH, WSL_CONF_MAX_BYTES, &data, &len);
    sourceos_finding *f;
    if (rc == -ENOENT)
        return;
    if (rc == 0) {
        in->conf_present = 1;
        wsl_parse_conf(data, len, &in->conf);
        return;
    }
    if (rc == -EACCES) {
        plugin_denied(ctx, &in->v, "wsl2.permission-denied", WSL_CONF_PATH, NULL);
        in->conf_denied = 1;
        return;
    }
    f = plugin_note(ctx, &in->v, "wsl2.conf-unreadable", SOURCEOS_SEV_WARNING,
                 "%s: %s; WSL's defaults are assumed (systemd off, interop on, "
                 "Windows PATH appended)",
                 WSL_CONF_PATH, rc > 0 ? "over 64 KiB, not read" : strerror(-rc));
    sourceos_finding_path(f, WSL_CONF_PATH);
    sourceos_finding_remediation(f, "Make /etc/wsl.conf a small, readable INI file.");
}

/* ---- Findings --------------------------------------------------------------- */

static const char *distro_or_placeholder(const struct inside *in)
{
    return *in->distro ? in->distro : "DISTRO";
}

static void note_wsl1(sourceos_ctx *ctx, struct inside *in)
{
    const char *const cmd[] = {"wsl.exe", "--set-version", distro_or_placeholder(in), "2",
                               NULL};
    sourceos_finding *f = plugin_note(
        ctx, &in->v, "wsl2.wsl1", SOURCEOS_SEV_CRITICAL,
        "this distro runs on WSL 1 (kernel %s): WSL 1 translates system calls "
        "and has no real Linux kernel, so it cannot run containers or the "
        "Podman machine's engine", in->kernel);
    sourceos_finding_remediation(f, "Convert the distro to WSL 2 (from Windows; it "
                                    "keeps the distro's files), then reopen it.");
    sourceos_finding_command_argv(f, cmd);
    sourceos_finding_evidence(f, "kernel", in->kernel);
    sourceos_finding_path(f, OSRELEASE_PATH);
}

static void note_conf_issues(sourceos_ctx *ctx, struct inside *in)
{
    static const char *const why[] = {
        [WSL_CONF_SYNTAX] = "not [section], key = value or a comment",
        [WSL_CONF_NOT_BOOLEAN] = "not true or false",
        [WSL_CONF_BINARY] = "a NUL byte: not a text file; the rest is not read",
    };
    for (size_t i = 0; i < in->conf.n_issues; i++) {
        const struct wsl_conf_issue *is = &in->conf.issues[i];
        sourceos_finding *f = plugin_note(
            ctx, &in->v, "wsl2.conf-syntax", SOURCEOS_SEV_WARNING,
            "%s:%d: '%s' is %s: WSL ignores it and keeps its default",
            WSL_CONF_PATH, is->line, is->text, why[is->kind]);
        sourceos_finding_path(f, WSL_CONF_PATH);
        sourceos_finding_remediation(f, "Fix the line (booleans are true or false), "
                                        "then run `wsl.exe --shutdown` to apply it.");
    }
    if (in->conf.more_issues)
        plugin_note(ctx, &in->v, "wsl2.conf-syntax", SOURCEOS_SEV_WARNING,
                 "%s: %zu more lines WSL cannot read", WSL_CONF_PATH,
                 in->conf.more_issues);
}

/* "(/etc/wsl.conf:3)" when the setting is written there, else "(default)". */
static void where_set(const struct wsl_conf_bool *b, char *out, size_t size)
{
    if (b->set)
        plugin_textf(out, size, "%s:%d", WSL_CONF_PATH, b->line);
    else
        plugin_textf(out, size, "WSL's default");
}

static void note_interop(sourceos_ctx *ctx, struct inside *in)
{
    char where[160];
    sourceos_finding *f;
    int conf_on = wsl_conf_value(&in->conf.interop, 1);
    /* Unknown entries, or an unknown wsl.conf behind an absent entry: no
     * claim about either. */
    if (in->interop == INTEROP_ENABLED || in->interop == INTEROP_DENIED ||
        (in->conf_denied && in->interop == INTEROP_ABSENT))
        return;
    where_set(&in->conf.interop, where, sizeof where);
    if (!conf_on) {
        f = plugin_note(ctx, NULL, "wsl2.interop-off", SOURCEOS_SEV_INFO,
                     "interop is turned off ([interop] enabled=false, %s): wsl.exe, "
                     "powershell.exe and Windows credential helpers cannot be run "
                     "from this distro", where);
        sourceos_finding_path(f, WSL_CONF_PATH);
        return;
    }
    if (in->interop == INTEROP_DISABLED) {
        f = plugin_note(ctx, &in->v, "wsl2.interop-disabled", SOURCEOS_SEV_WARNING,
                     "%s is registered but disabled: running wsl.exe, powershell.exe "
                     "or a Windows credential helper fails with \"Exec format error\"",
                     in->interop_entry);
        sourceos_finding_remediation(f, "Enable the entry again (or restart WSL with "
                                        "`wsl.exe --shutdown` from Windows).");
        /* tee, not `sh -c 'echo 1 > PATH'`: the path stays one word of this
         * shell, never text of another. */
        sourceos_finding_commandf(f, "echo 1 | sudo tee -- %s > /dev/null",
                                  in->interop_entry);
        sourceos_finding_path(f, in->interop_entry);
        return;
    }
    f = plugin_note(ctx, &in->v, "wsl2.interop-absent", SOURCEOS_SEV_WARNING,
                 "no WSLInterop entry under %s although wsl.conf does not turn "
                 "interop off (%s): Windows programs (wsl.exe, powershell.exe, "
                 "docker-credential-*.exe) fail with \"Exec format error\"%s",
                 BINFMT_DIR, where,
                 wsl_conf_value(&in->conf.systemd, 0)
                     ? "; with systemd on, systemd-binfmt.service can drop WSL's "
                       "registration when it loads /etc/binfmt.d"
                     : "");
    sourceos_finding_remediation(
        f, "Register WSL's interpreter for Windows executables where systemd-binfmt "
           "keeps it, then restart WSL.");
    sourceos_finding_command(
        f, "echo ':WSLInterop:M::MZ::/init:PF' | sudo tee /usr/lib/binfmt.d/WSLInterop.conf");
    sourceos_finding_command(f, "wsl.exe --shutdown");
    sourceos_finding_path(f, BINFMT_DIR);
}

static void note_systemd(sourceos_ctx *ctx, struct inside *in)
{
    char where[160];
    sourceos_finding *f;
    if (wsl_conf_value(&in->conf.systemd, 0))
        return;
    where_set(&in->conf.systemd, where, sizeof where);
    f = plugin_note(ctx, &in->v, "wsl2.systemd-off", SOURCEOS_SEV_WARNING,
                 "systemd is not PID 1 in this distro ([boot] systemd is false, %s): "
                 "agents cannot be installed as systemd services here, and the "
                 "systemd checks' systemctl will say \"System has not been booted "
                 "with systemd\"", where);
    sourceos_finding_path(f, WSL_CONF_PATH);
    sourceos_finding_remediation(f, "Set systemd=true under [boot] in /etc/wsl.conf, "
                                    "then restart the distro from Windows.");
    sourceos_finding_command(
        f, "sudo sh -c 'printf \"\\n[boot]\\nsystemd=true\\n\" >> /etc/wsl.conf'");
    sourceos_finding_command(f, "wsl.exe --shutdown");
}

static void note_windows_path(sourceos_ctx *ctx, struct inside *in)
{
    char where[160];
    sourceos_finding *f;
    if (!wsl_conf_value(&in->conf.append_windows_path, 1))
        return;
    where_set(&in->conf.append_windows_path, where, sizeof where);
    f = plugin_note(ctx, NULL, "wsl2.windows-path", SOURCEOS_SEV_INFO,
                 "the Windows PATH is appended to the Linux PATH ([interop] "
                 "appendWindowsPath is true, %s): Windows programs such as Docker "
                 "Desktop's docker-credential-*.exe resolve by name here", where);
    sourceos_finding_path(f, WSL_CONF_PATH);
    sourceos_finding_remediation(f, "Set appendWindowsPath=false under [interop] if "
                                    "agents must not reach Windows programs (the "
                                    "wsl2.interop check names the ones it found).");
}

static void summarize(sourceos_ctx *ctx, struct inside *in)
{
    char version[16];
    int systemd = wsl_conf_value(&in->conf.systemd, 0);
    int append = wsl_conf_value(&in->conf.append_windows_path, 1);
    sourceos_finding *f;
    plugin_textf(version, sizeof version, "%d", in->version);
    f = plugin_note(ctx, NULL, "wsl2.inside", SOURCEOS_SEV_INFO,
                 "WSL %s, distro %s, interop %s, systemd %s, Windows PATH %s",
                 in->version ? version : "(version unknown)",
                 *in->distro ? in->distro : "(name unknown)", interop_text(in->interop),
                 systemd ? "on" : "off", append ? "appended" : "not appended");
    sourceos_finding_evidence(f, "kernel", in->kernel);
    sourceos_finding_evidence(f, "wsl_version", in->version ? version : "unknown");
    sourceos_finding_evidence(f, "distro", in->distro);
    sourceos_finding_evidence(f, "interop", interop_text(in->interop));
    sourceos_finding_evidence(f, "systemd", systemd ? "true" : "false");
    sourceos_finding_evidence(f, "append_windows_path", append ? "true" : "false");
    sourceos_finding_evidence(f, "wsl_conf", in->conf_present ? WSL_CONF_PATH
                                             : in->conf_denied ? "unknown (permission denied)"
                                                               : "absent");

    sourceos_fact_set(ctx, "wsl.version", in->version ? version : "unknown");
    if (*in->distro)
        sourceos_fact_set(ctx, "wsl.distro", in->distro);
    sourceos_fact_set(ctx, "wsl.interop", interop_text(in->interop));
    sourceos_fact_set(ctx, "wsl.systemd", systemd ? "true" : "false");
    sourceos_fact_set(ctx, "wsl.append_windows_path", append ? "true" : "false");
}

sourceos_status wsl_check_inside(sourceos_ctx *ctx)
{
    struct inside in;
    memset(&in, 0, sizeof in);
    read_kernel(ctx, &in);
    read_interop(ctx, &in);
    read_distro_name(ctx, &in);
    read_conf(ctx, &in);
    summarize(ctx, &in);
    if (in.version == 1)
        note_wsl1(ctx, &in);
    /* What wsl.conf says is not guessed from WSL's defaults when it may not
     * be read. */
    if (!in.conf_denied)
        note_conf_issues(ctx, &in);
    note_interop(ctx, &in);
    if (!in.conf_denied) {
        note_systemd(ctx, &in);
        note_windows_path(ctx, &in);
    }
    return verdict_status(&in.v);
}

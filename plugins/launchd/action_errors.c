/* launchd: what a failed launchctl change means, for the actions' findings.
 * launchctl exits with launchd's error number (`launchctl error N` names
 * it); each the actions meet is told apart in the message and in what to
 * do: 5 (Input/output error: a loaded label, or a plist launchd refuses,
 * all that a caller who is not root is told), 37 (in progress), 112/125 (no
 * GUI login for gui/UID), 113 (not loaded), 119 (disabled), 122 (bad
 * ownership or permissions). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "launchd.h"

/* The first line launchctl wrote to stderr (or stdout). */
static void said_line(const struct sourceos_cmd *c, char *out, size_t size)
{
    const char *text = c->err_len ? c->err : c->out;
    while (*text == '\n' || *text == ' ')
        text++;
    plugin_textf(out, size, "%.*s", (int)strcspn(text, "\n"), text);
}

/* The exit status, or the N of "... failed: N: ..." when a wrapper (sudo,
 * a shell) changed the status. */
int launchd_act_error(const struct sourceos_cmd *c)
{
    const char *p;
    if (c->exit_status > 0 && c->exit_status != 1)
        return c->exit_status;
    p = strstr(c->err, "failed: ");
    if (p && p[8] >= '0' && p[8] <= '9')
        return atoi(p + 8);
    return c->exit_status;
}

/* What is wrong with the plist's owner or mode in launchd's eyes, said in
 * OUT: BAD_MODE and/or BAD_OWNER, 0 when nothing (or it cannot be looked
 * at). launchd loads a plist only when root or the domain's user owns it
 * and group and others cannot write it. */
#define BAD_MODE 1
#define BAD_OWNER 2
static int bad_ownership(sourceos_ctx *ctx, const struct launchd_act *a, char *out, size_t size)
{
    const char *real = a->plist ? sourceos_host_path(ctx, a->plist) : NULL;
    struct stat st;
    unsigned long uid = strtoul(a->uid, NULL, 10);
    int owner_ok, mode_ok;
    out[0] = '\0';
    if (!real || stat(real, &st) != 0)
        return 0;
    plugin_as_captured(ctx, a->plist, &st);
    owner_ok = st.st_uid == 0 || (!a->system && st.st_uid == uid);
    mode_ok = !(st.st_mode & (S_IWGRP | S_IWOTH));
    if (owner_ok && mode_ok)
        return 0;
    plugin_textf(out, size, "%s is %s%s%s", a->plist, mode_ok ? "" : "writable by group or others",
                 !mode_ok && !owner_ok ? " and " : "",
                 owner_ok    ? ""
                 : a->system ? "not owned by root"
                             : "not owned by root or the user");
    return (mode_ok ? 0 : BAD_MODE) | (owner_ok ? 0 : BAD_OWNER);
}

/* The commands that fix what BAD says: chmod 644, chown to root (a
 * daemon's) or to the user (sudo: the file is someone else's). */
static void ownership_commands(sourceos_finding *f, const struct launchd_act *a, int bad)
{
    /* no "--": the plist is an absolute path and the owner a name or a
     * number, never read as an option (and BSD chmod would take a "--"
     * after the mode for a file) */
    const char *chmod_argv[] = {"sudo", "chmod", "644", a->plist, NULL};
    const char *chown_argv[] = {"sudo", "chown", a->system ? "root" : a->uid, a->plist, NULL};
    if (bad & BAD_MODE)
        sourceos_finding_command_argv(f, a->system ? chmod_argv : chmod_argv + 1);
    if (bad & BAD_OWNER)
        sourceos_finding_command_argv(f, chown_argv);
}

static sourceos_finding *note(sourceos_ctx *ctx, const struct launchd_act *a, const char *shown,
                              int error, const char *said, const char *meaning)
{
    char num[16];
    sourceos_finding *f;
    f = sourceos_finding_add(ctx, "launchd.action-failed", SOURCEOS_SEV_CRITICAL,
                             "`%s` failed (error %d: %s): %s", shown, error,
                             said[0] ? said : "no message", meaning);
    plugin_textf(num, sizeof num, "%d", error);
    sourceos_finding_evidence(f, "command", shown);
    sourceos_finding_evidence(f, "error", num);
    sourceos_finding_evidence(f, "domain", a->domain);
    if (a->label)
        sourceos_finding_evidence(f, "service", a->service);
    if (a->plist)
        sourceos_finding_path(f, a->plist);
    return f;
}

static void refused_io(sourceos_ctx *ctx, const struct launchd_act *a, const char *shown,
                       const char *said)
{
    char why[PATH_MAX + 128], meaning[PATH_MAX + 512], text[2048];
    int owned_badly = bad_ownership(ctx, a, why, sizeof why);
    sourceos_finding *f;
    plugin_textf(meaning, sizeof meaning,
                 "%s%slaunchd has %s loaded already, or refuses the plist (to a caller "
                 "who is not root it says only error 5: a disabled label, bad ownership "
                 "or permissions, a plist it cannot read)",
                 owned_badly ? why : "", owned_badly ? "; " : "", a->service);
    f = note(ctx, a, shown, 5, said, meaning);
    plugin_textf(text, sizeof text,
                 "If `launchctl print %s` shows it loaded, unload it (`launchctl bootout "
                 "%s`) and run the lifecycle command again. Else check the plist with "
                 "`plutil -lint`, its owner and mode (root or the user, mode 644), and "
                 "`launchctl print-disabled %s`; as root launchctl names the reason.",
                 a->service, a->service, a->domain);
    sourceos_finding_remediation(f, text);
    sourceos_finding_command_argv(f,
                                  (const char *const[]){"launchctl", "bootout", a->service, NULL});
    if (a->plist)
        sourceos_finding_command_argv(f, (const char *const[]){"plutil", "-lint", a->plist, NULL});
    if (owned_badly)
        ownership_commands(f, a, owned_badly);
}

static void refused_ownership(sourceos_ctx *ctx, const struct launchd_act *a, const char *shown,
                              const char *said)
{
    char why[PATH_MAX + 128], meaning[PATH_MAX + 256];
    int found = bad_ownership(ctx, a, why, sizeof why);
    sourceos_finding *f;
    plugin_textf(meaning, sizeof meaning,
                 "launchd loads a plist only when root%s owns it and group and others "
                 "cannot write it%s%s",
                 a->system ? "" : " or the domain's user", found ? ": " : "", found ? why : "");
    f = note(ctx, a, shown, 122, said, meaning);
    sourceos_finding_remediation(f, "Give the plist mode 644 and the right owner (root for "
                                    "/Library/LaunchDaemons, the user for ~/Library/"
                                    "LaunchAgents), then run the lifecycle command again.");
    if (a->plist)
        ownership_commands(f, a, found ? found : BAD_MODE);
}

static void refused_disabled(sourceos_ctx *ctx, const struct launchd_act *a, const char *shown,
                             const char *said)
{
    char text[1024];
    sourceos_finding *f = note(ctx, a, shown, 119, said,
                               "the label is disabled in its domain: launchd will not load "
                               "it until it is enabled");
    plugin_textf(text, sizeof text,
                 "Enable it (`launchctl enable %s`), then run the lifecycle command again.",
                 a->service);
    sourceos_finding_remediation(f, text);
    if (a->system)
        sourceos_finding_command_argv(
            f, (const char *const[]){"sudo", "launchctl", "enable", a->service, NULL});
    else
        sourceos_finding_command_argv(
            f, (const char *const[]){"launchctl", "enable", a->service, NULL});
}

/* 112 and 125 on gui/UID: no GUI login, so no such domain. */
static void refused_no_gui(sourceos_ctx *ctx, const struct launchd_act *a, const char *shown,
                           int error, const char *said)
{
    char meaning[512], text[1024];
    sourceos_finding *f;
    plugin_textf(meaning, sizeof meaning,
                 "%s has no session: gui/UID exists only while uid %s is logged in at the "
                 "console (a session over SSH has none)",
                 a->domain, a->uid);
    f = note(ctx, a, shown, error, said, meaning);
    plugin_textf(text, sizeof text,
                 "Log in as that user at the console (or through Screen Sharing) and run the "
                 "lifecycle command again; from SSH, once that login exists, `sudo launchctl "
                 "asuser %s COMMAND` runs a command in it. A system agent (scope system, "
                 "domain system) needs no login.",
                 a->uid);
    sourceos_finding_remediation(f, text);
}

static void refused_other(sourceos_ctx *ctx, const struct launchd_act *a, const char *shown,
                          int error, const char *said)
{
    char text[512];
    sourceos_finding *f;
    switch (error) {
    case 37:
        f = note(ctx, a, shown, error, said,
                 "launchd is still loading or unloading the label (a bootout waits for the "
                 "job to exit, up to its ExitTimeOut)");
        sourceos_finding_remediation(f, "Wait a moment, then run the lifecycle command again.");
        return;
    case 113:
        f = note(ctx, a, shown, error, said, "the job is not loaded in its domain");
        plugin_textf(text, sizeof text,
                     "Load it first (`launchctl bootstrap %s PLIST`: the bootstrap step), "
                     "then run the lifecycle command again.",
                     a->domain);
        sourceos_finding_remediation(f, text);
        if (a->plist)
            sourceos_finding_command_argv(
                f, (const char *const[]){"launchctl", "bootstrap", a->domain, a->plist, NULL});
        return;
    default:
        f = note(ctx, a, shown, error, said, "launchctl refused the change");
        plugin_textf(text, sizeof text,
                     "`launchctl error %d` names the error; run the command by hand (as root "
                     "for a fuller answer) to see what launchd says.",
                     error);
        sourceos_finding_remediation(f, text);
        return;
    }
}

int launchd_act_refused(sourceos_ctx *ctx, const struct launchd_act *a, const char *shown,
                        const struct sourceos_cmd *c)
{
    char said[512];
    int error = launchd_act_error(c);
    said_line(c, said, sizeof said);
    if (!a->system && (error == 112 || error == 125))
        refused_no_gui(ctx, a, shown, error, said);
    else if (error == 5)
        refused_io(ctx, a, shown, said);
    else if (error == 122)
        refused_ownership(ctx, a, shown, said);
    else if (error == 119)
        refused_disabled(ctx, a, shown, said);
    else
        refused_other(ctx, a, shown, error, said);
    return -1;
}

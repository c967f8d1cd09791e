/* backend: the service manager the agent needs is there and answers: for
 * launchd the user's gui/UID domain (user scope: a LaunchAgent needs the
 * user logged in at the console) or the system domain; for systemd the
 * user manager (user scope) or the system manager. Read-only: `launchctl
 * print DOMAIN`, `systemctl [--user] show -p Version`. Offline (a --root
 * tree) only the program's presence in the tree is judged. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

#define BACKEND_TIMEOUT_MS 5000

static int user_scope(sourceos_ctx *ctx)
{
    const char *u = sourceos_param(ctx, "user");
    return !u || strcmp(u, "false") != 0;
}

static const char *const launchctl_paths[] = {"/bin/launchctl", NULL};
static const char *const systemctl_paths[] = {"/usr/bin/systemctl", "/bin/systemctl", NULL};

/* Offline: the program is in the tree; nothing was asked. */
static sourceos_status judge_tree(sourceos_ctx *ctx, const char *program,
                                  const char *const *paths)
{
    sourceos_finding *f;
    for (const char *const *p = paths; *p; p++)
        if (sourceos_host_path(ctx, *p)) {
            f = sourceos_finding_add(ctx, "agent.backend-available", SOURCEOS_SEV_INFO,
                                     "%s present at %s (offline: the manager was not asked)",
                                     program, *p);
            sourceos_finding_path(f, *p);
            return SOURCEOS_OK;
        }
    f = sourceos_finding_add(ctx, "agent.backend-missing", SOURCEOS_SEV_CRITICAL,
                             "%s is not in the tree (looked for %s)", program, paths[0]);
    sourceos_finding_remediation(f, "The agent's service manager must be installed and "
                                    "running on the machine the agent is for.");
    return SOURCEOS_FAILURE;
}

static sourceos_status missing(sourceos_ctx *ctx, const char *program, int errnum)
{
    sourceos_finding *f = sourceos_finding_add(
        ctx, "agent.backend-missing", SOURCEOS_SEV_CRITICAL, "%s cannot be run: %s", program,
        errnum == ENOENT ? "not found on PATH" : strerror(errnum));
    sourceos_finding_remediation(f, "The agent's service manager must be installed and "
                                    "running: without it nothing can start the agent.");
    return SOURCEOS_FAILURE;
}

/* The first line of what a failed command said, for the message. */
static void first_line(const struct sourceos_cmd *r, char *buf, size_t size)
{
    const char *s = r->err_len ? r->err : r->out;
    size_t len = strcspn(s, "\n");
    snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), s);
    if (!buf[0])
        snprintf(buf, size, "exit %d", r->exit_status);
}

static sourceos_status unreachable(sourceos_ctx *ctx, const struct sourceos_cmd *r,
                                   const char *manager, const char *remedy)
{
    char why[256];
    sourceos_finding *f;
    if (r->timed_out)
        snprintf(why, sizeof why, "no answer within %u ms", BACKEND_TIMEOUT_MS);
    else
        first_line(r, why, sizeof why);
    f = sourceos_finding_add(ctx, "agent.backend-unreachable", SOURCEOS_SEV_CRITICAL,
                             "%s does not answer: %s", manager, why);
    sourceos_finding_remediation(f, remedy);
    return SOURCEOS_FAILURE;
}

static sourceos_status ask_launchd(sourceos_ctx *ctx)
{
    char domain[32];
    const char *argv[] = {"launchctl", "print", domain, NULL};
    const struct sourceos_cmd *r;
    sourceos_finding *f;
    if (user_scope(ctx))
        snprintf(domain, sizeof domain, "gui/%u", (unsigned)plugin_uid(ctx));
    else
        snprintf(domain, sizeof domain, "system");
    r = sourceos_run(ctx, argv, NULL, BACKEND_TIMEOUT_MS);
    if (r->not_started)
        return r->start_errno == ECANCELED ? SOURCEOS_SKIPPED
                                           : missing(ctx, "launchctl", r->start_errno);
    if (r->timed_out || r->exit_status != 0)
        return unreachable(ctx, r, domain,
                           user_scope(ctx)
                               ? "A user-scope agent is a LaunchAgent of the user's gui "
                                 "domain, which exists only while the user is logged in at "
                                 "the console (not over ssh alone): log in, or declare the "
                                 "agent with scope: system and an account."
                               : "launchd's system domain must answer: run as root.");
    f = sourceos_finding_add(ctx, "agent.backend-available", SOURCEOS_SEV_INFO,
                             "launchd answers in %s", domain);
    sourceos_finding_evidence(f, "domain", domain);
    return SOURCEOS_OK;
}

static sourceos_status ask_systemd(sourceos_ctx *ctx)
{
    int user = user_scope(ctx);
    const char *user_argv[] = {"systemctl", "--user", "show", "-p", "Version", NULL};
    const char *sys_argv[] = {"systemctl", "show", "-p", "Version", NULL};
    const struct sourceos_cmd *r = sourceos_run(ctx, user ? user_argv : sys_argv, NULL,
                                                BACKEND_TIMEOUT_MS);
    const char *version;
    char shown[64];
    sourceos_finding *f;
    if (r->not_started)
        return r->start_errno == ECANCELED ? SOURCEOS_SKIPPED
                                           : missing(ctx, "systemctl", r->start_errno);
    version = strstr(r->out, "Version=");
    if (r->timed_out || r->exit_status != 0 || !version)
        return unreachable(
            ctx, r, user ? "the systemd user manager" : "the systemd system manager",
            user ? "A user-scope agent runs under the user's systemd manager: log in (or "
                   "let it run without a session: `loginctl enable-linger` for the user), "
                   "and in WSL enable systemd ([boot] systemd=true in /etc/wsl.conf)."
                 : "systemd must be PID 1 (in WSL: [boot] systemd=true in /etc/wsl.conf, "
                   "then `wsl --shutdown`).");
    version += strlen("Version=");
    snprintf(shown, sizeof shown, "%.*s", (int)strcspn(version, "\n"), version);
    f = sourceos_finding_add(ctx, "agent.backend-available", SOURCEOS_SEV_INFO,
                             "the systemd %s manager answers (systemd %s)",
                             user ? "user" : "system", shown);
    sourceos_finding_evidence(f, "version", shown);
    return SOURCEOS_OK;
}

sourceos_status agent_check_backend(sourceos_ctx *ctx)
{
    const char *backend = agent_backend(ctx);
    const char *live = sourceos_fact_get(ctx, "host.live");
    int launchd = strcmp(backend, "launchd") == 0;
    if (live && strcmp(live, "false") == 0)
        return judge_tree(ctx, launchd ? "launchctl" : "systemctl",
                          launchd ? launchctl_paths : systemctl_paths);
    return launchd ? ask_launchd(ctx) : ask_systemd(ctx);
}

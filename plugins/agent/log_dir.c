/* agent: the directories of the agent's logs (preflight step 14). launchd
 * and systemd open StandardOutPath/StandardErrorPath (and the agent its
 * app log) as the agent's user: a directory that is missing makes the
 * service fail to start, one that is not the user's cannot be written, and
 * one others can write (/tmp) lets them plant a symlink or read what the
 * agent logs. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"

static const char *const log_params[] = {"logs.app", "logs.stdout", "logs.stderr"};
#define N_LOG_PARAMS (sizeof log_params / sizeof log_params[0])

struct log_dirs {
    struct verdict v;
    char dir[N_LOG_PARAMS][PATH_MAX];
    const char *of[N_LOG_PARAMS]; /* the first param whose directory it is */
    size_t n;
};

static int add_dir(struct log_dirs *d, const char *param, const char *path)
{
    char dir[PATH_MAX];
    agent_parent(path, dir, sizeof dir);
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->dir[i], dir) == 0)
            return 0;
    plugin_textf(d->dir[d->n], sizeof d->dir[0], "%s", dir);
    d->of[d->n++] = param;
    return 0;
}

static void note_missing(sourceos_ctx *ctx, struct log_dirs *d, const char *dir,
                         const char *param, const struct agent_user *u)
{
    sourceos_finding *fd = plugin_note(
        ctx, &d->v, "agent.log-dir-missing", SOURCEOS_SEV_CRITICAL,
        "%s does not exist: the service cannot open its log (%s) and fails to start", dir,
        param);
    sourceos_finding_path(fd, dir);
    sourceos_finding_evidence(fd, "param", param);
    agent_user_evidence(fd, u);
    if (u->system && strcmp(u->name, "root") != 0) {
        sourceos_finding_remediation(fd, "Create it, private to the agent's account.");
        sourceos_finding_commandf(fd, "sudo mkdir -p -m 700 %s && sudo chown -- %s %s", dir,
                                  u->name, dir);
    } else {
        sourceos_finding_remediation(fd, u->system ? "Create it (as root), private."
                                                   : "Create it as the agent's user, private "
                                                     "to that user.");
        sourceos_finding_command_argv(
            fd, u->system ? (const char *const[]){"sudo", "mkdir", "-p", "-m", "700", dir, NULL}
                          : (const char *const[]){"mkdir", "-p", "-m", "700", dir, NULL});
    }
}

static void dir_evidence(sourceos_finding *fd, const char *dir, const char *param,
                         const struct agent_node *n, const struct agent_user *u)
{
    char mode[16], uid[32];
    agent_mode_text(n->st.st_mode, mode, sizeof mode);
    plugin_textf(uid, sizeof uid, "%u", (unsigned)n->st.st_uid);
    sourceos_finding_path(fd, dir);
    sourceos_finding_evidence(fd, "param", param);
    sourceos_finding_evidence(fd, "mode", mode);
    sourceos_finding_evidence(fd, "owner_uid", uid);
    agent_user_evidence(fd, u);
}

static void note_unsafe(sourceos_ctx *ctx, struct log_dirs *d, const char *dir,
                        const char *param, const struct agent_node *n,
                        const struct agent_user *u)
{
    int mine = u->known && n->st.st_uid == u->uid;
    char mode[16];
    sourceos_finding *fd;
    agent_mode_text(n->st.st_mode, mode, sizeof mode);
    fd = plugin_note(ctx, &d->v, "agent.log-dir-unsafe", SOURCEOS_SEV_CRITICAL,
                     "%s is writable by %s (mode %s): another user could replace the "
                     "agent's logs or read them",
                     dir, n->st.st_mode & 002 ? "every user" : "its group", mode);
    dir_evidence(fd, dir, param, n, u);
    if (mine) {
        sourceos_finding_remediation(fd, "Make it private to the agent's user.");
        sourceos_finding_command_argv(fd, (const char *const[]){"chmod", "700", dir, NULL});
    } else {
        sourceos_finding_remediation(
            fd, "Put the agent's logs in a private directory of its user's (logs.app, "
                "logs.stdout, logs.stderr in the declaration; the default is "
                "~/Library/Logs/SourceOS on macOS, ~/.local/state/sourceos/logs on Linux).");
    }
}

static void note_not_writable(sourceos_ctx *ctx, struct log_dirs *d, const char *dir,
                              const char *param, const struct agent_node *n,
                              const struct agent_user *u)
{
    sourceos_finding *fd;
    if (!S_ISDIR(n->st.st_mode)) {
        fd = plugin_note(ctx, &d->v, "agent.log-dir-not-writable", SOURCEOS_SEV_CRITICAL,
                         "%s is not a directory: the service cannot open its log (%s)", dir,
                         param);
        dir_evidence(fd, dir, param, n, u);
        sourceos_finding_remediation(fd, "Move the file aside, or point the agent's logs "
                                         "elsewhere in its declaration.");
        return;
    }
    if (n->st.st_uid != u->uid) {
        fd = plugin_note(ctx, &d->v, "agent.log-dir-not-writable", SOURCEOS_SEV_CRITICAL,
                         "%s belongs to uid %u, not to %s: the agent cannot write its log "
                         "there (%s)",
                         dir, (unsigned)n->st.st_uid, u->name, param);
        dir_evidence(fd, dir, param, n, u);
        sourceos_finding_remediation(fd, "Give the directory to the agent's user.");
        sourceos_finding_command_argv(fd, (const char *const[]){"sudo", "chown", "--", u->name,
                                                                dir, NULL});
        return;
    }
    fd = plugin_note(ctx, &d->v, "agent.log-dir-not-writable", SOURCEOS_SEV_CRITICAL,
                     "%s is %s's but not writable by its owner: the agent cannot write its "
                     "log there (%s)",
                     dir, u->name, param);
    dir_evidence(fd, dir, param, n, u);
    sourceos_finding_remediation(fd, "Let its owner write it.");
    sourceos_finding_command_argv(fd, (const char *const[]){"chmod", "700", dir, NULL});
}

/* Judges one directory; 1 when it is fine. */
static int judge_dir(sourceos_ctx *ctx, struct log_dirs *d, size_t i)
{
    const char *dir = d->dir[i], *param = d->of[i];
    struct agent_user u;
    struct agent_node n;
    agent_user_of(ctx, dir, &u);
    agent_stat(ctx, dir, &n);
    if (n.err == -ENOENT) {
        note_missing(ctx, d, dir, param, &u);
        return 0;
    }
    if (n.err) {
        agent_note_unseen(ctx, &d->v, "the log directory", dir, &n);
        return 0;
    }
    if (S_ISDIR(n.st.st_mode) && (n.st.st_mode & 022)) {
        note_unsafe(ctx, d, dir, param, &n, &u);
        return 0;
    }
    if (!S_ISDIR(n.st.st_mode) || (u.known && n.st.st_uid != u.uid) ||
        (u.known && !(n.st.st_mode & 0200))) {
        note_not_writable(ctx, d, dir, param, &n, &u);
        return 0;
    }
    return 1;
}

static void note_ok(sourceos_ctx *ctx, const struct log_dirs *d)
{
    char dirs[3 * PATH_MAX + 8] = "";
    struct agent_user u;
    sourceos_finding *fd;
    for (size_t i = 0; i < d->n; i++)
        plugin_textf(dirs + strlen(dirs), sizeof dirs - strlen(dirs), "%s%s",
                     i ? ", " : "", d->dir[i]);
    agent_user_of(ctx, d->dir[0], &u);
    fd = plugin_note(ctx, NULL, "agent.log-dir-ok", SOURCEOS_SEV_INFO,
                     "%s exist%s, %s %s%s and not writable by others", dirs,
                     d->n == 1 ? "s" : "", d->n == 1 ? "is" : "are",
                     u.known ? u.name : "the owner's", u.known ? "'s" : "");
    sourceos_finding_path(fd, d->dir[0]);
    agent_user_evidence(fd, &u);
}

sourceos_status agent_check_log_dir(sourceos_ctx *ctx)
{
    struct log_dirs d = {0};
    size_t fine = 0;
    for (size_t i = 0; i < N_LOG_PARAMS; i++) {
        const char *path = sourceos_param(ctx, log_params[i]);
        sourceos_finding *fd;
        if (!path || !*path)
            continue;
        if (!agent_abs_path(path) || !strrchr(path, '/')[1]) {
            fd = plugin_note(ctx, NULL, "agent.params", SOURCEOS_SEV_WARNING,
                             "param %s is not an absolute file path: '%s'", log_params[i],
                             path);
            sourceos_finding_remediation(fd, "Give the agent absolute logs.app, logs.stdout "
                                             "and logs.stderr paths.");
            return SOURCEOS_ERROR;
        }
        add_dir(&d, log_params[i], path);
    }
    if (d.n == 0) {
        plugin_note(ctx, NULL, "agent.log-dir-none", SOURCEOS_SEV_INFO,
                    "no log files declared (params logs.app, logs.stdout, logs.stderr)");
        return SOURCEOS_SKIPPED;
    }
    for (size_t i = 0; i < d.n; i++)
        fine += (size_t)judge_dir(ctx, &d, i);
    if (fine == d.n)
        note_ok(ctx, &d);
    return verdict_status(&d.v);
}

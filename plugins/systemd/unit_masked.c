/* systemd: the agent's unit is not masked (preflight step 15). A mask is a
 * symlink to /dev/null named after the unit (or its template) in one of
 * the manager's unit directories: systemd then refuses to start the unit,
 * whatever file is installed. The directories are read in systemd's order
 * (the first entry of a name decides, as systemd's lookup does); on this
 * machine (fact host.live) `systemctl [--user] is-enabled` is asked too. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "systemd.h"

#define MASKED_DEFAULT_TIMEOUT_MS 10000u

struct masked {
    char unit[256], tmpl[256];
    int user;
    char dirs[SYSTEMD_MAX_UNIT_DIRS][SYSTEMD_DIR_MAX];
    size_t n_dirs;
    char mask[SYSTEMD_DIR_MAX + 300]; /* the masking link (host view), or "" */
    const char *masked_name;          /* unit or tmpl */
    int by_systemctl;
    char said[64];                    /* what is-enabled answered */
};

/* 1 masked, 0 an entry that is not a mask, -1 no entry NAME in DIR. */
static int entry_in(sourceos_ctx *ctx, const char *dir, const char *name, char *path,
                    size_t size)
{
    const char *real = sourceos_host_path(ctx, dir);
    char file[SYSTEMD_DIR_MAX + 300], target[64];
    struct stat st;
    ssize_t n;
    if (!real)
        return -1;
    plugin_textf(file, sizeof file, "%s/%s", real, name);
    if (lstat(file, &st) != 0)
        return -1;
    plugin_textf(path, size, "%s/%s", dir, name);
    if (!S_ISLNK(st.st_mode))
        return 0;
    n = readlink(file, target, sizeof target - 1);
    target[n > 0 ? n : 0] = '\0';
    return strcmp(target, "/dev/null") == 0;
}

/* The first entry of NAME in the manager's directories decides. */
static int masked_by_files(sourceos_ctx *ctx, struct masked *m, const char *name)
{
    for (size_t i = 0; i < m->n_dirs; i++) {
        char path[SYSTEMD_DIR_MAX + 300];
        int r = entry_in(ctx, m->dirs[i], name, path, sizeof path);
        if (r < 0)
            continue;
        if (r == 1) {
            plugin_textf(m->mask, sizeof m->mask, "%s", path);
            m->masked_name = name;
        }
        return r;
    }
    return -1;
}

static void ask_systemctl(sourceos_ctx *ctx, struct masked *m)
{
    const char *program = sourceos_param(ctx, "systemctl");
    const char *argv[6];
    const struct sourceos_cmd *r;
    size_t n = 0;
    argv[n++] = program && *program ? program : "systemctl";
    if (m->user)
        argv[n++] = "--user";
    argv[n++] = "is-enabled";
    argv[n++] = m->unit;
    argv[n] = NULL;
    r = sourceos_run(ctx, argv, NULL,
                     plugin_param_uint(ctx, "timeout_ms", 1, 3599999, MASKED_DEFAULT_TIMEOUT_MS));
    if (r->not_started || r->timed_out)
        return; /* the files decide alone */
    plugin_textf(m->said, sizeof m->said, "%.*s", (int)strcspn(r->out, "\n"), r->out);
    if (!m->masked_name && strncmp(m->said, "masked", 6) == 0) {
        m->by_systemctl = 1;
        m->masked_name = m->unit;
    }
}

static int live(sourceos_ctx *ctx)
{
    const char *fact = sourceos_fact_get(ctx, "host.live");
    return fact && strcmp(fact, "true") == 0;
}

static void note_masked(sourceos_ctx *ctx, struct verdict *v, const struct masked *m)
{
    char by[SYSTEMD_DIR_MAX + 400];
    sourceos_finding *fd;
    if (m->by_systemctl)
        plugin_textf(by, sizeof by, "`systemctl%s is-enabled` says %s", m->user ? " --user" : "",
                     m->said);
    else
        plugin_textf(by, sizeof by, "%s is a symlink to /dev/null", m->mask);
    fd = plugin_note(ctx, v, "systemd.unit-masked", SOURCEOS_SEV_CRITICAL,
                     "%s is masked (%s): systemd refuses to start it, whatever unit file is "
                     "installed",
                     m->masked_name == m->tmpl ? m->tmpl : m->unit, by);
    sourceos_finding_remediation(fd, "Unmask it before installing the agent (unmask "
                                     "removes the link; nothing is started).");
    sourceos_finding_commandf(fd, m->user ? "systemctl --user unmask -- %s"
                                          : "systemctl unmask -- %s",
                              m->masked_name);
    if (m->mask[0])
        sourceos_finding_path(fd, m->mask);
    sourceos_finding_evidence(fd, "unit", m->unit);
    sourceos_finding_evidence(fd, "masked", m->masked_name);
    sourceos_finding_evidence(fd, "manager", m->user ? "user" : "system");
    sourceos_finding_evidence(fd, "source", m->by_systemctl ? "systemctl" : "unit directory");
}

static void note_free(sourceos_ctx *ctx, const struct masked *m, int asked)
{
    sourceos_finding *fd = plugin_note(
        ctx, NULL, "systemd.unit-not-masked", SOURCEOS_SEV_INFO,
        "%s is not masked (%zu unit director%s of the %s manager read)", m->unit, m->n_dirs,
        m->n_dirs == 1 ? "y" : "ies", m->user ? "user" : "system");
    sourceos_finding_evidence(fd, "unit", m->unit);
    sourceos_finding_evidence(fd, "manager", m->user ? "user" : "system");
    if (asked && m->said[0])
        sourceos_finding_evidence(fd, "is_enabled", m->said);
}

sourceos_status systemd_check_unit_masked(sourceos_ctx *ctx)
{
    const char *param = sourceos_param(ctx, "unit"), *user = sourceos_param(ctx, "user");
    struct masked m = {0};
    struct verdict v = {0};
    char home[SYSTEMD_DIR_MAX];
    int asked = 0;
    if (!param || !*param) {
        sourceos_finding_add(ctx, "systemd.state-no-unit", SOURCEOS_SEV_INFO,
                             "no unit to look at: param `unit` is unset");
        return SOURCEOS_SKIPPED;
    }
    if (systemd_unit_names(param, m.unit, sizeof m.unit, m.tmpl, sizeof m.tmpl) != 0) {
        sourceos_finding *f = sourceos_finding_add(
            ctx, "systemd.params", SOURCEOS_SEV_CRITICAL,
            "param `unit` is not a unit name (or a unit file's absolute path): '%s'", param);
        sourceos_finding_remediation(f, "Give a unit name such as sourceos-agent@web.service.");
        return SOURCEOS_ERROR;
    }
    m.user = !user || strcmp(user, "false") != 0;
    m.n_dirs = systemd_unit_dirs(m.user, systemd_home_of_unit(param, home, sizeof home)
                                              ? home : NULL,
                                 m.dirs, SYSTEMD_MAX_UNIT_DIRS);
    if (masked_by_files(ctx, &m, m.unit) < 0 && m.tmpl[0])
        masked_by_files(ctx, &m, m.tmpl);
    if (live(ctx)) {
        ask_systemctl(ctx, &m);
        asked = 1;
    }
    if (m.masked_name)
        note_masked(ctx, &v, &m);
    else
        note_free(ctx, &m, asked);
    return verdict_status(&v);
}

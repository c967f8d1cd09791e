/* Helpers the shipped plugins share: check status from findings, findings
 * and bounded text, params, versions. */
#include "config.h"

#include "plugin_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void verdict_see(struct verdict *v, sourceos_severity sev)
{
    if (v && sev > SOURCEOS_SEV_INFO && (!v->any || sev > v->worst)) {
        v->any = 1;
        v->worst = sev;
    }
}

sourceos_status verdict_status(const struct verdict *v)
{
    if (!v->any)
        return SOURCEOS_OK;
    return v->worst == SOURCEOS_SEV_CRITICAL ? SOURCEOS_FAILURE : SOURCEOS_WARNING;
}

sourceos_finding *plugin_vnote(sourceos_ctx *ctx, struct verdict *v, const char *code,
                               sourceos_severity sev, const char *prefix,
                               const char *format, va_list ap)
{
    char message[2048];
    vsnprintf(message, sizeof message, format, ap);
    verdict_see(v, sev);
    if (prefix)
        return sourceos_finding_add(ctx, code, sev, "%s: %s", prefix, message);
    return sourceos_finding_add(ctx, code, sev, "%s", message);
}

sourceos_finding *plugin_note(sourceos_ctx *ctx, struct verdict *v, const char *code,
                              sourceos_severity sev, const char *format, ...)
{
    sourceos_finding *f;
    va_list ap;
    va_start(ap, format);
    f = plugin_vnote(ctx, v, code, sev, NULL, format, ap);
    va_end(ap);
    return f;
}

sourceos_finding *plugin_denied(sourceos_ctx *ctx, struct verdict *v, const char *code,
                                const char *path, const char *user)
{
    sourceos_finding *f = plugin_note(ctx, v, code, SOURCEOS_SEV_WARNING,
                                      "%s%scannot read %s (permission denied): run as "
                                      "root to see it",
                                      user ? user : "", user ? ": " : "", path);
    sourceos_finding_remediation(f, "This user is not allowed to look there, so "
                                    "nothing is known about it: run the doctor as root.");
    sourceos_finding_path(f, path);
    if (user)
        sourceos_finding_evidence(f, "user", user);
    return f;
}

int plugin_json_where(sourceos_ctx *ctx, const char *text, size_t len,
                      struct plugin_json_where *w)
{
    w->line = w->column = 0;
    w->reason = "";
    w->text[0] = '\0';
    if (sourceos_json_error(ctx, text, len, &w->line, &w->column, &w->reason) == 0)
        return 0;
    plugin_textf(w->text, sizeof w->text, "line %u, column %u: %s", w->line,
                 w->column, w->reason);
    return 1;
}

void plugin_json_evidence(sourceos_finding *fd, const struct plugin_json_where *w)
{
    char n[16];
    plugin_textf(n, sizeof n, "%u", w->line);
    sourceos_finding_evidence(fd, "line", n);
    plugin_textf(n, sizeof n, "%u", w->column);
    sourceos_finding_evidence(fd, "column", n);
    sourceos_finding_evidence(fd, "reason", w->reason);
}

void plugin_textf(char *out, size_t size, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(out, size, format, ap);
    va_end(ap);
}

unsigned plugin_param_uint(sourceos_ctx *ctx, const char *key, unsigned long min,
                           unsigned long max, unsigned dflt)
{
    const char *text = sourceos_param(ctx, key);
    char *end;
    unsigned long v;
    if (!text || *text < '0' || *text > '9')
        return dflt;
    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return dflt;
    return (unsigned)v;
}

int plugin_version_at_least(const char *version, int major, int minor)
{
    int ma = 0, mi = 0;
    if (!version || sscanf(version, "%d.%d", &ma, &mi) < 1)
        return 0;
    return ma > major || (ma == major && mi >= minor);
}

int plugin_own_files(sourceos_ctx *ctx)
{
    const char *tree = sourceos_fact_get(ctx, "host.tree"), *root;
    if (tree)
        return strcmp(tree, "false") == 0;
    root = sourceos_host_path(ctx, "/");
    return root && strcmp(root, "/") == 0;
}

uid_t plugin_uid(sourceos_ctx *ctx)
{
    const char *uid = sourceos_fact_get(ctx, "host.uid");
    char *end = NULL;
    unsigned long v;
    if (uid && *uid >= '0' && *uid <= '9') {
        errno = 0;
        v = strtoul(uid, &end, 10);
        if (errno == 0 && *end == '\0' && v == (unsigned long)(uid_t)v)
            return (uid_t)v;
    }
    return getuid();
}

void plugin_as_captured(sourceos_ctx *ctx, const char *path, struct stat *st)
{
    uid_t uid;
    gid_t gid;
    mode_t mode;
    if (!path || sourceos_captured_attrs(ctx, path, &uid, &gid, &mode) != 0)
        return;
    st->st_uid = uid;
    st->st_gid = gid;
    if (mode != (mode_t)-1)
        st->st_mode = (st->st_mode & ~(mode_t)07777) | (mode & 07777);
}

void plugin_lines_add(struct plugin_lines *b, const char *name, const char *runs)
{
    size_t n = strlen(name), r = strlen(runs), need = n + 1 + r + 1;
    if (!n || !r || strcspn(name, "\t\n") != n || strspn(runs, "0123456789") != r ||
        b->len + need > PLUGIN_LINES_MAX)
        return;
    if (b->len + need + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        char *grown;
        while (cap < b->len + need + 1)
            cap *= 2;
        if (!(grown = realloc(b->text, cap)))
            return;
        b->text = grown;
        b->cap = cap;
    }
    snprintf(b->text + b->len, b->cap - b->len, "%s\t%s\n", name, runs);
    b->len += need;
}

void plugin_lines_free(struct plugin_lines *b)
{
    free(b->text);
    b->text = NULL;
    b->len = b->cap = 0;
}

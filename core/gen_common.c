/* What every generator checks before a model value goes into a file: the
 * value is writable at all, a path is absolute and plain, a name is one
 * safe segment. The generators then quote for their own format. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "gen.h"
#include "shquote.h"

int sos_gen_check(const char *field, const char *value, sos_error *err)
{
    if (!value)
        return sos_fail(err, "%s: no value", field);
    if (sos_shquote_check(value, err) < 0)
        return sos_wrap(err, "%s", field);
    return 0;
}

/* Whether P has a segment "." or ".." (which would lead elsewhere than it
 * reads) or an empty one ("//"). */
static int has_odd_segment(const char *p)
{
    for (const char *s = p; *s;) {
        while (*s == '/')
            s++;
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return 1;
        s += n;
    }
    return strstr(p, "//") != NULL;
}

char *sos_gen_path(const char *field, const char *path, const char *home, sos_error *err)
{
    char *out = NULL;
    if (sos_gen_check(field, path, err) < 0)
        return NULL;
    if (path[0] == '~' && (path[1] == '\0' || path[1] == '/')) {
        if (home && sos_gen_check("home", home, err) < 0)
            return NULL;
        if (!home || home[0] != '/') {
            sos_fail(err, "%s: '%s' needs a home directory", field, path);
            return NULL;
        }
        if (asprintf(&out, "%s%s", home, path + 1) < 0)
            out = NULL;
    } else {
        out = strdup(path);
    }
    if (!out) {
        sos_fail(err, "%s: out of memory", field);
        return NULL;
    }
    if (out[0] != '/' || has_odd_segment(out) || sos_gen_check(field, out, err) < 0) {
        if (out[0] != '/' || has_odd_segment(out))
            sos_fail(err, "%s: '%s' is not an absolute path without '.' or '..' segments",
                     field, out);
        free(out);
        return NULL;
    }
    return out;
}

int sos_gen_requires_machine(const struct sos_agent_model *m, const struct sos_gen_target *t)
{
    if (m->podman.require_machine >= 0)
        return m->podman.require_machine != 0;
    return t->os == SOS_GEN_OS_MACOS;
}

char *sos_gen_machine_name(const struct sos_agent_model *m, sos_error *err)
{
    const char *c = m->podman.connection;
    size_t n = c ? strlen(c) : 0;
    char *out;
    if (n == 0)
        return strdup("podman-machine-default");
    if (n > 5 && strcmp(c + n - 5, "-root") == 0)
        n -= 5;
    out = strndup(c, n);
    if (!out)
        sos_fail(err, "podman.connection: out of memory");
    return out;
}

/* Whether every byte of S is in ALLOWED (ASCII letters and digits always
 * are) and S is non-empty, does not start with '-' or '.', and has no "..". */
static int plain_word(const char *s, const char *allowed)
{
    if (!s || !*s || s[0] == '-' || s[0] == '.' || strstr(s, ".."))
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (c && strchr(allowed, c))))
            return 0;
    }
    return 1;
}

int sos_gen_check_identity(const struct sos_agent_model *m, sos_error *err)
{
    if (!sos_agent_name_valid(m->name))
        return sos_fail(err, "name: '%s' is not an agent name (lower-case letters, digits "
                             "and '-', at most 64 characters)", m->name ? m->name : "");
    /* The label names a file (LABEL.plist) and a launchd job. */
    if (!plain_word(m->label, "._-"))
        return sos_fail(err, "label: '%s' is not a launchd label (letters, digits, '.', "
                             "'_' and '-', one path segment)", m->label ? m->label : "");
    /* podman's own rule for names, so the name can be neither an option
     * nor a path. */
    if (!plain_word(m->container_name, "_.-"))
        return sos_fail(err, "containerName: '%s' is not a container name (letters, digits, "
                             "'_', '.' and '-', not starting with '-' or '.')",
                        m->container_name ? m->container_name : "");
    if (m->runtime != SOS_RUNTIME_PODMAN)
        return sos_fail(err, "runtime: only podman agents get a governed wrapper");
    if (sos_gen_check("image", m->image, err) < 0)
        return -1;
    if (!m->image[0] || m->image[0] == '-' || strpbrk(m->image, " \t"))
        return sos_fail(err, "image: '%s' is not an image reference", m->image);
    if (sos_gen_check("podman.connection", m->podman.connection, err) < 0)
        return -1;
    if (m->podman.connection[0] && !plain_word(m->podman.connection, "_.@:-"))
        return sos_fail(err, "podman.connection: '%s' is not a connection name",
                        m->podman.connection);
    /* explicit: pulled by hand beforehand; the run itself never pulls. */
    if (m->podman.pull == SOS_PULL_ALWAYS)
        return sos_fail(err, "podman.pull: always would pull from a registry at every start; "
                             "the wrapper runs local images only (never or explicit)");
    if (m->lifecycle.restart != SOS_RESTART_MANUAL && m->lifecycle.max_restarts_per_hour == 0)
        return sos_fail(err, "lifecycle.maxRestartsPerHour: 0 with restart %s would never start",
                        m->lifecycle.restart == SOS_RESTART_BOUNDED ? "bounded" : "supervised");
    return 0;
}

/* One place decides where a service is installed: the model's loader
 * (core/agent_model.c), which also knows a service adopted through the
 * deprecated keys. This only picks the backend's. */
char *sos_gen_install_path(const struct sos_agent_model *m, const struct sos_gen_target *t,
                           sos_error *err)
{
    int launchd = t->backend == SOS_BACKEND_LAUNCHD;
    const char *path = launchd ? m->service.plist : m->service.unit;
    char *out;
    if (!path || path[0] != '/') {
        sos_fail(err, "%s: '%s' is not a path to install to (a unit name of the deprecated "
                      "key `unit`?)", launchd ? "plist" : "unit", path ? path : "");
        return NULL;
    }
    if (!(out = strdup(path)))
        sos_fail(err, "out of memory");
    return out;
}

int sos_gen_check_user(const char *user, sos_error *err)
{
    if (!user || !user[0])
        return sos_fail(err, "scope: a system agent needs the account it runs as");
    for (const char *p = user; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p == '_') ||
              (p > user && ((*p >= '0' && *p <= '9') || *p == '-'))))
            return sos_fail(err, "user: '%s' is not an account name", user);
    return 0;
}

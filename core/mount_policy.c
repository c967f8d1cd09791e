#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mount_policy.h"

const char *const sos_mount_denied_builtin[] = {
    "~/.ssh",
    "~/.gnupg",
    "~/Library/Keychains",
    "~/Library/Application Support/Google/Chrome",
    "~/Library/Application Support/Firefox",
    "~/.mozilla",
    "~/.config/google-chrome",
    "~/.config/chromium",
    "~/.aws",
    "~/.config/gcloud",
    "~/.azure",
    "~/.kube",
    "~/.docker",
    "~/.config/containers/auth.json",
    "~/.npmrc",
    "~/.pypirc",
    "~/.netrc",
    "~/.git-credentials",
    "~/Downloads",
    NULL,
};

char *sos_mount_expand(const char *path, const char *home)
{
    char *out = NULL;
    if (strcmp(path, "~") == 0)
        return strdup(home);
    if (strncmp(path, "~/", 2) == 0)
        return asprintf(&out, "%s%s", home, path + 1) < 0 ? NULL : out;
    return strdup(path);
}

char *sos_mount_path_ref(const char *path, const char *home)
{
    char *out = NULL;
    size_t n = strlen(home);
    if (n > 1 && strncmp(path, home, n) == 0 && (path[n] == '\0' || path[n] == '/'))
        return asprintf(&out, "$HOME%s", path + n) < 0 ? NULL : out;
    return strdup(path);
}

static int same_prefix(const char *a, const char *b, size_t n, int fold_case)
{
    return fold_case ? strncasecmp(a, b, n) == 0 : strncmp(a, b, n) == 0;
}

int sos_path_within(const char *path, const char *base, int fold_case)
{
    size_t n = strlen(base);
    while (n > 1 && base[n - 1] == '/')
        n--;
    if (n == 1 && base[0] == '/')
        return path[0] == '/';
    return same_prefix(path, base, n, fold_case) && (path[n] == '\0' || path[n] == '/');
}

/* PATH (absolute) with symlinks and ".." resolved as far as it exists; the
 * part that does not exist yet is appended as written, and may hold no
 * "." or ".." (where it would lead cannot be known). NULL with errno:
 * EINVAL for such a part, else realpath's. */
static char *resolve(const char *path)
{
    char *r = realpath(path, NULL), *copy, *slash, *parent, *out = NULL;
    const char *last;
    if (r || (errno != ENOENT && errno != ENOTDIR))
        return r;
    if (!(copy = strdup(path)))
        return NULL;
    while ((slash = strrchr(copy, '/')) && slash != copy && slash[1] == '\0')
        *slash = '\0'; /* "a/b/" is "a/b" */
    slash = strrchr(copy, '/');
    if (!slash || slash == copy + strlen(copy) - 1) {
        free(copy);
        errno = ENOENT;
        return NULL;
    }
    last = slash + 1;
    if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0) {
        free(copy);
        errno = EINVAL;
        return NULL;
    }
    *slash = '\0';
    parent = resolve(slash == copy ? "/" : copy);
    if (parent && asprintf(&out, "%s%s%s", parent, strcmp(parent, "/") == 0 ? "" : "/",
                           last) < 0)
        out = NULL;
    free(parent);
    free(copy);
    return out;
}

/* Whether R meets the denied path D (as written, "~" expanded): 1 inside
 * it, 2 containing it, else 0. Both D and what D resolves to are tried. */
static int meets_denied(const struct sos_mount_policy *p, const char *r, const char *d,
                        const char **which)
{
    char *full = sos_mount_expand(d, p->home), *res = full ? resolve(full) : NULL;
    const char *forms[2] = {full, res};
    int met = 0;
    for (int i = 0; i < 2 && !met; i++) {
        if (!forms[i])
            continue;
        if (sos_path_within(r, forms[i], p->fold_case))
            met = 1;
        else if (sos_path_within(forms[i], r, p->fold_case))
            met = 2;
    }
    *which = d;
    free(full);
    free(res);
    return met;
}

static int refuse(sos_error *why, const char *shown, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(sos_error *why, const char *shown, const char *format, ...)
{
    char rule[700];
    va_list ap;
    va_start(ap, format);
    vsnprintf(rule, sizeof rule, format, ap);
    va_end(ap);
    sos_fail(why, "%s: %s", shown, rule);
    return 1;
}

static int check_denied(const struct sos_mount_policy *p, const char *r, const char *shown,
                        sos_error *why)
{
    const char *which = NULL;
    int met;
    for (size_t i = 0; sos_mount_denied_builtin[i]; i++)
        if ((met = meets_denied(p, r, sos_mount_denied_builtin[i], &which)) != 0)
            goto denied;
    for (size_t i = 0; i < p->n_denied; i++)
        if ((met = meets_denied(p, r, p->denied[i], &which)) != 0)
            goto denied;
    return 0;
denied:
    if (met == 1)
        return refuse(why, shown, "inside the denied path %s (credentials and private data "
                      "never reach an agent); mount a project directory instead", which);
    return refuse(why, shown, "contains the denied path %s; mount a directory that holds "
                  "only the project, not a parent of credentials", which);
}

static int check_allowed(const struct sos_mount_policy *p, const char *r, const char *shown,
                         sos_error *why)
{
    char roots[400] = "";
    for (size_t i = 0; i < p->n_allowed; i++) {
        char *full = sos_mount_expand(p->allowed[i], p->home);
        char *res = full ? resolve(full) : NULL;
        int in = res && sos_path_within(r, res, p->fold_case);
        free(full);
        free(res);
        if (in)
            return 0;
        snprintf(roots + strlen(roots), sizeof roots - strlen(roots), "%s%s", i ? ", " : "",
                 p->allowed[i]);
    }
    if (p->n_allowed == 0)
        return refuse(why, shown, "the profile allows no root (repo.allowedRoots is empty); "
                      "add the directory that holds your projects");
    return refuse(why, shown, "outside the profile's allowed roots (%s); move it under one, "
                  "or add its root to repo.allowedRoots", roots);
}

int sos_mount_check(const struct sos_mount_policy *p, const char *host_path,
                    char **resolved, sos_error *why)
{
    char *full = sos_mount_expand(host_path, p->home), *home = NULL, *r = NULL;
    int rc;
    *resolved = NULL;
    if (!full)
        return sos_fail(why, "%s: out of memory", host_path);
    if (full[0] != '/') {
        free(full);
        return refuse(why, host_path, "not an absolute path; write it from / or ~/");
    }
    if (!(r = resolve(full))) {
        int e = errno;
        free(full);
        if (e == EINVAL)
            return refuse(why, host_path, "does not exist and its missing part holds '.' or "
                          "'..'; write the path it means");
        return sos_fail(why, "%s: cannot resolve it: %s", host_path, strerror(e));
    }
    free(full);
    home = resolve(p->home);
    if (home && (sos_path_within(home, r, p->fold_case) ||
                 sos_path_within(p->home, r, p->fold_case)))
        rc = refuse(why, host_path, "%s your home directory; mount a project directory "
                    "inside it instead", sos_path_within(r, home, p->fold_case) ||
                    sos_path_within(r, p->home, p->fold_case) ? "is" : "contains");
    else if ((rc = check_denied(p, r, host_path, why)) == 0)
        rc = check_allowed(p, r, host_path, why);
    free(home);
    if (rc == 0)
        *resolved = r;
    else
        free(r);
    return rc;
}

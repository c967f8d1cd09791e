#include "config.h"

#include "loader.h"
#include "trust.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ltdl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PLUGIN_NAME_MAX 64

int sos_plugin_name_valid(const char *name)
{
    size_t len;
    if (!name || !*name)
        return 0;
    len = strlen(name);
    if (len > PLUGIN_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 (c == '-' && i > 0);
        if (!ok)
            return 0;
    }
    return 1;
}

int sos_plugin_set_init(struct sos_plugin_set *set, const char *dir,
                        sos_error *err)
{
    memset(set, 0, sizeof *set);
    if (lt_dlinit() != 0)
        return sos_fail(err, "cannot initialise libltdl: %s", lt_dlerror());
    set->dir = strdup(dir);
    if (!set->dir) {
        lt_dlexit();
        return sos_fail(err, "out of memory");
    }
    return 0;
}

/* Trusting a plugin means trusting whoever can write it: the directory and
 * the file must pass the same rules as every file sourceos acts on. */
static int check_directory(const char *dir, sos_error *err)
{
    return sos_trust_dir("plugin directory", dir, err);
}

/* Checks the file on the descriptor we will load from, so the file cannot
 * be swapped between the check and the load. */
static int open_plugin_file(const char *path, sos_error *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ELOOP)
            return sos_fail(err, "plugin %s is a symlink: refusing to load it",
                            path);
        return sos_fail(err, "plugin %s: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sos_fail(err, "plugin %s is not a regular file", path);
    }
    if (sos_trust_stat("plugin", path, &st, err) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* libltdl's own dlopen loader binds lazily, which would let a plugin with a
 * missing symbol load and crash later. Binding it now first turns that into
 * a load error with the linker's message; libltdl then gets the same,
 * already bound, object. */
static void *bind_now(const char *path, sos_error *err)
{
    void *probe = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!probe) {
        const char *why = dlerror();
        sos_fail(err,
                 "cannot load plugin %s: %s (check it was built for this "
                 "machine against sourceos-plugin; `ldd %s` shows missing "
                 "libraries)",
                 path, why ? why : "unknown dlopen error", path);
        return NULL;
    }
    return probe;
}

static int validate_actions(const struct sourceos_plugin *p, const char *path,
                            sos_error *err)
{
    if (!p->actions)
        return 0;
    for (const struct sourceos_action *a = p->actions; a->name; a++) {
        if (!sos_plugin_name_valid(a->name))
            return sos_fail(err, "plugin %s: action name '%s' is not valid",
                            path, a->name);
        if (!a->plan || !a->apply || !a->undo)
            return sos_fail(err,
                            "plugin %s: action '%s' has a NULL %s callback",
                            path, a->name,
                            !a->plan ? "plan" : !a->apply ? "apply" : "undo");
    }
    return 0;
}

static int validate_checks(const struct sourceos_plugin *p, const char *path,
                           sos_error *err)
{
    if (!p->checks)
        return 0;
    for (const struct sourceos_check *c = p->checks; c->name; c++) {
        if (!sos_plugin_name_valid(c->name))
            return sos_fail(err, "plugin %s: check name '%s' is not valid",
                            path, c->name);
        if (!c->run)
            return sos_fail(err, "plugin %s: check '%s' has a NULL run callback",
                            path, c->name);
        for (const struct sourceos_check *d = p->checks; d < c; d++)
            if (strcmp(d->name, c->name) == 0)
                return sos_fail(err, "plugin %s: check '%s' is declared twice",
                                path, c->name);
    }
    return 0;
}

/* The params a plugin of 1.4 declares: for checks and actions it has, each
 * once, each key a name checks.d can write. */
static int has_callable(const struct sourceos_plugin *p, const char *name)
{
    for (const struct sourceos_check *c = p->checks; c && c->name; c++)
        if (strcmp(c->name, name) == 0)
            return 1;
    for (const struct sourceos_action *a = p->actions; a && a->name; a++)
        if (strcmp(a->name, name) == 0)
            return 1;
    return 0;
}

static int param_key_valid(const char *key)
{
    size_t len = strlen(key);
    if (len == 0 || len > 64 || !((key[0] >= 'a' && key[0] <= 'z')))
        return 0;
    return strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
           len;
}

const struct sourceos_params *sos_plugin_params(const struct sourceos_plugin *p)
{
    return p && p->abi_version >= SOURCEOS_ABI_MKVERSION(1, 4) ? p->params : NULL;
}

static int validate_params(const struct sourceos_plugin *p, const char *path, sos_error *err)
{
    const struct sourceos_params *params = sos_plugin_params(p);
    for (const struct sourceos_params *e = params; e && e->name; e++) {
        if (!has_callable(p, e->name))
            return sos_fail(err, "plugin %s: params are declared for '%s', which is "
                                 "neither a check nor an action of it",
                            path, e->name);
        for (const struct sourceos_params *f = params; f < e; f++)
            if (strcmp(f->name, e->name) == 0)
                return sos_fail(err, "plugin %s: the params of '%s' are declared twice",
                                path, e->name);
        for (const char *const *k = e->keys; k && *k; k++)
            if (!param_key_valid(*k))
                return sos_fail(err, "plugin %s: '%s' declares the param name '%s', "
                                     "which checks.d cannot write",
                                path, e->name, *k);
    }
    return 0;
}

const char *const *sos_plugin_param_keys(const struct sourceos_plugin *p, const char *name)
{
    static const char *const none[] = {NULL};
    for (const struct sourceos_params *e = sos_plugin_params(p); e && e->name; e++)
        if (strcmp(e->name, name) == 0)
            return e->keys ? e->keys : none;
    return NULL;
}

static int validate_plugin(const struct sourceos_plugin *p, const char *name,
                           const char *path, sos_error *err)
{
    unsigned major = SOURCEOS_ABI_MAJOR_OF(p->abi_version);
    unsigned minor = SOURCEOS_ABI_MINOR_OF(p->abi_version);
    if (major != SOURCEOS_ABI_MAJOR)
        return sos_fail(err,
                        "plugin %s was built for plugin ABI %u.%u; this core "
                        "speaks %u.%u: rebuild it against this sourceos-plugin",
                        path, major, minor, SOURCEOS_ABI_MAJOR,
                        SOURCEOS_ABI_MINOR);
    if (!p->name || strcmp(p->name, name) != 0)
        return sos_fail(err, "plugin %s declares the name '%s', not '%s'", path,
                        p->name ? p->name : "(null)", name);
    if (!p->version)
        return sos_fail(err, "plugin %s has no version string", path);
    if (validate_checks(p, path, err) != 0 || validate_actions(p, path, err) != 0)
        return -1;
    return validate_params(p, path, err);
}

static const struct sos_loaded_plugin *find_by_declared_name(
    const struct sos_plugin_set *set, const char *declared)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->v[i].plugin && strcmp(set->v[i].plugin->name, declared) == 0)
            return &set->v[i];
    return NULL;
}

/* The file we checked must be the file that got loaded: compare the
 * descriptor we checked with what the path names after loading. */
static int same_file(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

static lt_dlhandle open_checked(const char *path, sos_error *err)
{
    int fd = open_plugin_file(path, err);
    void *probe;
    lt_dlhandle handle;
    if (fd < 0)
        return NULL;
    probe = bind_now(path, err);
    if (!probe) {
        close(fd);
        return NULL;
    }
    handle = lt_dlopen(path);
    dlclose(probe);
    if (!handle) {
        sos_fail(err, "cannot load plugin %s: %s", path, lt_dlerror());
    } else if (!same_file(fd, path)) {
        lt_dlclose(handle);
        handle = NULL;
        sos_fail(err, "plugin %s changed while it was being loaded: refusing it",
                 path);
    }
    close(fd);
    return handle;
}

static int load_into(struct sos_plugin_set *set, struct sos_loaded_plugin *lp,
                     sos_error *err)
{
    lt_dlhandle handle;
    const struct sourceos_plugin *p;
    const struct sos_loaded_plugin *dup;

    if (!sos_plugin_name_valid(lp->name))
        return sos_fail(err,
                        "plugin name '%s' is not valid: names match "
                        "^[a-z0-9][a-z0-9-]*$",
                        lp->name);
    if (check_directory(set->dir, err) != 0)
        return -1;
    handle = open_checked(lp->path, err);
    if (!handle)
        return -1;
    p = lt_dlsym(handle, SOURCEOS_PLUGIN_SYMBOL_NAME);
    if (!p) {
        lt_dlclose(handle);
        return sos_fail(err,
                        "plugin %s does not export %s: it is not a sourceos "
                        "plugin, or it was built for another ABI major (this "
                        "core speaks %u.%u)",
                        lp->path, SOURCEOS_PLUGIN_SYMBOL_NAME,
                        SOURCEOS_ABI_MAJOR, SOURCEOS_ABI_MINOR);
    }
    dup = p->name ? find_by_declared_name(set, p->name) : NULL;
    if (dup) {
        /* p lives in the object: say what it is before unloading it. */
        sos_fail(err,
                 "plugin %s declares the name '%s', already loaded from %s: "
                 "refusing the duplicate",
                 lp->path, p->name, dup->path);
        lt_dlclose(handle);
        return -1;
    }
    if (validate_plugin(p, lp->name, lp->path, err) != 0) {
        lt_dlclose(handle);
        return -1;
    }
    lp->handle = handle;
    lp->plugin = p;
    return 0;
}

static struct sos_loaded_plugin *find_loaded(struct sos_plugin_set *set,
                                             const char *name)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->v[i].name, name) == 0)
            return &set->v[i];
    return NULL;
}

static struct sos_loaded_plugin *append_entry(struct sos_plugin_set *set,
                                              const char *name)
{
    struct sos_loaded_plugin *v = realloc(set->v, (set->n + 1) * sizeof *v);
    struct sos_loaded_plugin *lp;
    if (!v)
        return NULL;
    set->v = v;
    lp = &v[set->n];
    memset(lp, 0, sizeof *lp);
    lp->name = strdup(name);
    if (!lp->name || asprintf(&lp->path, "%s/%s.so", set->dir, name) < 0) {
        free(lp->name);
        return NULL;
    }
    set->n++;
    return lp;
}

const struct sos_loaded_plugin *sos_plugin_set_load(struct sos_plugin_set *set,
                                                    const char *name)
{
    struct sos_loaded_plugin *lp = find_loaded(set, name);
    sos_error err;
    if (lp)
        return lp;
    lp = append_entry(set, name);
    if (!lp)
        return NULL;
    if (load_into(set, lp, &err) != 0)
        lp->error = strdup(err.msg);
    return lp;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void sos_plugin_set_load_all(struct sos_plugin_set *set)
{
    DIR *d = opendir(set->dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    if (!d)
        return;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        char **grown;
        if (len <= 3 || strcmp(de->d_name + len - 3, ".so") != 0)
            continue;
        grown = realloc(names, (n + 1) * sizeof *names);
        if (!grown)
            break;
        names = grown;
        names[n] = strndup(de->d_name, len - 3);
        if (names[n])
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n; i++) {
        sos_plugin_set_load(set, names[i]);
        free(names[i]);
    }
    free(names);
}

const struct sourceos_check *sos_plugin_find_check(const struct sourceos_plugin *p,
                                                   const char *name)
{
    if (!p || !p->checks)
        return NULL;
    for (const struct sourceos_check *c = p->checks; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

const struct sourceos_action *sos_plugin_find_action(const struct sourceos_plugin *p,
                                                     const char *name)
{
    if (!p || !p->actions)
        return NULL;
    for (const struct sourceos_action *a = p->actions; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

void sos_plugin_set_free(struct sos_plugin_set *set)
{
    if (!set->dir)
        return;
    for (size_t i = 0; i < set->n; i++) {
        if (set->v[i].handle)
            lt_dlclose(set->v[i].handle);
        free(set->v[i].name);
        free(set->v[i].path);
        free(set->v[i].error);
    }
    free(set->v);
    free(set->dir);
    lt_dlexit();
    memset(set, 0, sizeof *set);
}

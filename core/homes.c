#include "config.h"

#include "homes.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rootfs.h"

struct list {
    struct sos_home *items;
    size_t n;
};

static int is_tree(const char *root)
{
    return root && *root && strspn(root, "/") != strlen(root);
}

static int listed(const struct list *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].path, path) == 0)
            return 1;
    return 0;
}

static int add(struct list *l, const char *user, const char *path)
{
    struct sos_home *grown;
    char *u, *p;
    if (listed(l, path))
        return 0;
    grown = realloc(l->items, (l->n + 1) * sizeof *grown);
    if (!grown)
        return -ENOMEM;
    l->items = grown;
    u = strdup(user);
    p = strdup(path);
    if (!u || !p) {
        free(u);
        free(p);
        return -ENOMEM;
    }
    l->items[l->n].user = u;
    l->items[l->n++].path = p;
    return 0;
}

/* Whether host path PATH is a directory in the tree. One a user cannot
 * search still counts (it exists): the checks then say they were not
 * allowed to look, rather than that there is nothing. */
static int is_dir(const char *root, const char *path)
{
    char *real = NULL;
    struct stat st;
    int ok = sos_rootfs_resolve(root, path, 0, &real) == 0 &&
             stat(real, &st) == 0 && S_ISDIR(st.st_mode);
    free(real);
    return ok;
}

static int visible(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* Each directory under PARENT (host view), in name order. macOS keeps
 * /Users/Shared for everyone; it is nobody's home. */
static int add_children(struct list *l, const char *root, const char *parent)
{
    char *real = NULL;
    struct dirent **names = NULL;
    int n, rc = 0;
    if (sos_rootfs_resolve(root, parent, 0, &real) != 0)
        return 0;
    n = scandir(real, &names, visible, alphasort);
    free(real);
    for (int i = 0; i < n; i++) {
        char path[4096];
        const char *name = names[i]->d_name;
        int len = snprintf(path, sizeof path, "%s/%s", parent, name);
        if (rc == 0 && len > 0 && (size_t)len < sizeof path &&
            strcmp(name, "Shared") != 0 && is_dir(root, path))
            rc = add(l, name, path);
        free(names[i]);
    }
    free(names);
    return rc;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

int sos_homes_list(const char *root, const char *invoking_home,
                   const char *invoking_user, struct sos_home **out,
                   size_t *n)
{
    struct list l = {NULL, 0};
    int rc = 0;
    if (is_tree(root)) {
        rc = add_children(&l, root, "/Users");
        if (rc == 0)
            rc = add_children(&l, root, "/home");
        if (rc == 0 && is_dir(root, "/root"))
            rc = add(&l, "root", "/root");
    }
    if (rc == 0 && invoking_home && invoking_home[0] == '/')
        rc = add(&l, invoking_user && *invoking_user
                         ? invoking_user
                         : base_name(invoking_home),
                 invoking_home);
    if (rc != 0) {
        sos_homes_free(l.items, l.n);
        return rc;
    }
    *out = l.items;
    *n = l.n;
    return 0;
}

void sos_homes_free(struct sos_home *homes, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(homes[i].user);
        free(homes[i].path);
    }
    free(homes);
}

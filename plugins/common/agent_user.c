/* Who an agent runs as: its account (system scope) or the owner of the
 * home its files are in (user scope). */
#include "config.h"

#include "agent_user.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_util.h"

int agent_user_own_tree(sourceos_ctx *ctx)
{
    return plugin_own_files(ctx);
}

static int system_scope(sourceos_ctx *ctx)
{
    const char *user = sourceos_param(ctx, "user");
    const char *scope = sourceos_param(ctx, "scope");
    if (user && *user)
        return strcmp(user, "false") == 0;
    return scope && strcmp(scope, "system") == 0;
}

/* The owner of the directory DIR (host view) under the root. */
static int owner_of(sourceos_ctx *ctx, const char *dir, uid_t *uid)
{
    const char *real = sourceos_host_path(ctx, dir);
    struct stat st;
    if (!real || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
        return 0;
    plugin_as_captured(ctx, dir, &st);
    *uid = st.st_uid;
    return 1;
}

static void set_user(struct agent_user *u, uid_t uid, const char *name, const char *how)
{
    u->known = 1;
    u->uid = uid;
    plugin_textf(u->name, sizeof u->name, "%s", name);
    plugin_textf(u->how, sizeof u->how, "%s", how);
}

static void account_user(sourceos_ctx *ctx, const char *account, struct agent_user *u)
{
    static const char *const homes[] = {"/Users", "/home"};
    char dir[512], how[600];
    uid_t uid;
    plugin_textf(u->name, sizeof u->name, "%s", account);
    if (agent_user_own_tree(ctx)) {
        struct passwd *pw = getpwnam(account);
        if (pw)
            set_user(u, pw->pw_uid, account, "the account in this machine's password database");
        else
            plugin_textf(u->how, sizeof u->how, "account %s is not in this machine's "
                                                "password database", account);
        return;
    }
    for (size_t i = 0; i < sizeof homes / sizeof homes[0]; i++) {
        plugin_textf(dir, sizeof dir, "%s/%s", homes[i], account);
        if (owner_of(ctx, dir, &uid)) {
            plugin_textf(how, sizeof how, "the owner of the tree's %s", dir);
            set_user(u, uid, account, how);
            return;
        }
    }
    plugin_textf(u->how, sizeof u->how, "account %s has no home in the tree", account);
}

/* The home of sourceos_home_at that holds PATH, or NULL. */
static const char *home_holding(sourceos_ctx *ctx, const char *path, const char **user)
{
    size_t n = sourceos_home_count(ctx);
    for (size_t i = 0; path && i < n; i++) {
        const char *home = sourceos_home_at(ctx, i, user);
        size_t len = home ? strlen(home) : 0;
        if (len > 1 && strncmp(path, home, len) == 0 && path[len] == '/')
            return home;
    }
    return NULL;
}

void agent_user_of(sourceos_ctx *ctx, const char *path, struct agent_user *u)
{
    const char *account = sourceos_param(ctx, "account");
    const char *user = NULL, *home;
    char how[600];
    uid_t uid;
    memset(u, 0, sizeof *u);
    u->system = system_scope(ctx);
    if (u->system) {
        if (account && *account)
            account_user(ctx, account, u);
        else
            set_user(u, 0, "root", "a system agent without an account runs as root");
        return;
    }
    home = home_holding(ctx, path, &user);
    if (home && owner_of(ctx, home, &uid)) {
        plugin_textf(how, sizeof how, "the owner of %s", home);
        set_user(u, uid, user && *user ? user : home, how);
        return;
    }
    if (agent_user_own_tree(ctx)) {
        uid_t me = plugin_uid(ctx);
        struct passwd *pw = getpwuid(me);
        char name[32];
        plugin_textf(name, sizeof name, "%u", (unsigned)me);
        set_user(u, me, pw ? pw->pw_name : name, "the invoking user");
        return;
    }
    plugin_textf(u->name, sizeof u->name, "the agent's user");
    plugin_textf(u->how, sizeof u->how, "no home of the tree holds %s", path ? path : "its files");
}

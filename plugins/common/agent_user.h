/* Who an agent runs as, for the checks that judge its files' owners and its
 * launchd domain. Shared by the agent and launchd plugins. */
#ifndef SOS_PLUGIN_AGENT_USER_H
#define SOS_PLUGIN_AGENT_USER_H

#include <sys/types.h>

#include "sourceos/plugin.h"

struct agent_user {
    int known;       /* uid holds the user's uid */
    int system;      /* a system-scope agent (param user "false") */
    uid_t uid;
    char name[256];  /* "alice", "root", the account, or the uid as text */
    char how[256];   /* how it was worked out, for evidence */
};

/* The agent's user. System scope (param user "false", or param scope
 * "system"): param account, else root (launchd and systemd run a system
 * service without UserName=/User= as root); its uid from the password
 * database on this machine, or under --root from the owner of the tree's
 * /Users/ACCOUNT or /home/ACCOUNT. User scope: the user whose home (one of
 * sourceos_home_at's) holds PATH, whose uid is the home's owner, as
 * launchd.scan decides a copied tree's owners; else, on this machine, the
 * invoking user. PATH (host view) may be NULL. */
void agent_user_of(sourceos_ctx *ctx, const char *path, struct agent_user *u);

/* Whether the run looks at this machine's own files (no --root). */
int agent_user_own_tree(sourceos_ctx *ctx);

#endif

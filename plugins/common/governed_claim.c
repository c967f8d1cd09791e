/* The governed-wrapper claim of a launch command's script. */
#include "config.h"

#include <string.h>

#include "governed_claim.h"

void governed_claim_judge(const struct launch_cmd *lc, struct governed_claim *g)
{
    size_t runs = 0;
    memset(g, 0, sizeof *g);
    g->state = podman_governed_check(lc->script_text, lc->script_len, NULL, NULL, 0);
    if (g->state == PODMAN_GOVERNED_NONE)
        return;
    for (size_t i = 0; i < lc->n; i++) {
        const struct launch_simple *c = &lc->cmds[i];
        if (c->from != LAUNCH_FROM_SCRIPT ||
            podman_cmd_find((const char *const *)c->argv, c->argc, &g->run) < 0)
            continue;
        runs++;
        g->state = podman_governed_check(lc->script_text, lc->script_len, &g->run,
                                         g->missing, sizeof g->missing);
        if (g->state != PODMAN_GOVERNED_VERIFIED) {
            g->cmd = c;
            return;
        }
    }
    if (runs == 0)
        g->state = podman_governed_check(lc->script_text, lc->script_len, NULL, g->missing,
                                         sizeof g->missing);
}

int governed_claim_holds(const struct launch_cmd *lc)
{
    struct governed_claim g;
    governed_claim_judge(lc, &g);
    return g.state == PODMAN_GOVERNED_VERIFIED;
}

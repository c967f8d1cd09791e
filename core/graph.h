/* The dependency graph: check declarations (and their instances per agent)
 * to edges by index, and a run order. Built once; checks.d's validation and
 * the runner read the same edges, nobody looks ids up again. */
#ifndef SOS_GRAPH_H
#define SOS_GRAPH_H

#include <stddef.h>

#include "checksd.h"
#include "error.h"

/* One instance of a declared check. AGENT names the agents.d declaration an
 * agent-scope instance runs for; NULL for the host's checks (and for the
 * checks of doctor NAME, whose command names the agent). */
struct sos_graph_node {
    const struct sos_check_decl *decl;
    const char *agent;
};

/* Node I waits for dep[dep_start[I] .. dep_start[I + 1]): its `needs` first
 * (n_needs[I] of them), then its `after`, each in declaration order. */
struct sos_graph {
    size_t n;
    size_t *dep_start;           /* n + 1 */
    size_t *dep;                 /* node indices */
    const struct sos_origin **dep_origin; /* where each edge was declared */
    size_t *n_needs;             /* n */
    const char **missing_need;   /* n: the first `needs` not found, or NULL */
};

/* Every `needs` and `after` must name a node, and none its own (checks.d's
 * rule: the error names the file:line:column of the entry). Without it, a
 * `needs` not found is recorded in missing_need and an `after` not found
 * orders nothing (a run of only some of the checks). */
#define SOS_GRAPH_STRICT 1u

/* Resolves the edges of NODES (N of them) into G: an id names the node of
 * the same agent, else the first host node with that id (an agent's
 * podman.image needs the one podman.connection); a host node sees only host
 * nodes. Returns 0, or -1 with ERR (G is then empty). */
int sos_graph_build(const struct sos_graph_node *nodes, size_t n, unsigned flags,
                    struct sos_graph *g, sos_error *err);

/* Fills ORDER (G->n entries) with a topological order of node indices,
 * stable by index (the ready node first in NODES runs first). A cycle is an
 * error at the edge that closes it, naming its ids from the first-declared:
 * "dependency cycle: a -> b -> a". */
int sos_graph_order(const struct sos_graph *g, const struct sos_graph_node *nodes,
                    size_t *order, sos_error *err);

void sos_graph_free(struct sos_graph *g);

#endif

#include "config.h"

#include "graph.h"
#include "idindex.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sos_graph_free(struct sos_graph *g)
{
    if (!g)
        return;
    free(g->dep_start);
    free(g->dep);
    free(g->dep_origin);
    free(g->n_needs);
    free(g->missing_need);
    memset(g, 0, sizeof *g);
}

/* ------------------------------------------------------------------ */
/* Looking ids up: the node's own agent first, then the host            */

/* Two tables: host ids, and "AGENT/ID" for agent instances ('/' is in
 * neither an agent name nor an id, so the keys cannot collide). */
struct lookup {
    struct sos_id_index host;
    struct sos_id_index agent;
    char **keys; /* the agent keys, owned */
    size_t n_keys;
};

static char *agent_key(const char *agent, const char *id)
{
    char *key = NULL;
    return asprintf(&key, "%s/%s", agent, id) < 0 ? NULL : key;
}

static void lookup_free(struct lookup *lk)
{
    for (size_t i = 0; i < lk->n_keys; i++)
        free(lk->keys[i]);
    free(lk->keys);
    sos_id_index_free(&lk->host);
    sos_id_index_free(&lk->agent);
}

/* The first node of each (agent, id) is the one an id names. */
static int lookup_init(struct lookup *lk, const struct sos_graph_node *nodes, size_t n)
{
    lk->keys = calloc(n + 1, sizeof *lk->keys);
    if (!lk->keys || sos_id_index_init(&lk->host, n) < 0 ||
        sos_id_index_init(&lk->agent, n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!nodes[i].agent) {
            sos_id_index_put(&lk->host, nodes[i].decl->id, i);
            continue;
        }
        lk->keys[lk->n_keys] = agent_key(nodes[i].agent, nodes[i].decl->id);
        if (!lk->keys[lk->n_keys])
            return -1;
        sos_id_index_put(&lk->agent, lk->keys[lk->n_keys++], i);
    }
    return 0;
}

/* The node ID names for a node of AGENT, or SOS_ID_NOT_FOUND; LOOKUP_OOM
 * when out of memory. */
#define LOOKUP_OOM (SOS_ID_NOT_FOUND - 1)

static size_t lookup_find(const struct lookup *lk, const char *agent, const char *id)
{
    if (agent) {
        char *key = agent_key(agent, id);
        size_t j;
        if (!key)
            return LOOKUP_OOM;
        j = sos_id_index_get(&lk->agent, key);
        free(key);
        if (j != SOS_ID_NOT_FOUND)
            return j;
    }
    return sos_id_index_get(&lk->host, id);
}

/* ------------------------------------------------------------------ */
/* Edges                                                                */

static const struct sos_origin *edge_origin(const struct sos_check_decl *d, size_t k)
{
    return k < d->n_needs ? &d->needs_origin[k] : &d->after_origin[k - d->n_needs];
}

static const char *edge_target(const struct sos_check_decl *d, size_t k)
{
    return k < d->n_needs ? d->needs[k] : d->after[k - d->n_needs];
}

static int fail_bad_edge(const struct sos_check_decl *d, size_t k, int self,
                         sos_error *err)
{
    const struct sos_origin *o = edge_origin(d, k);
    int is_needs = k < d->n_needs;

    if (self)
        return sos_origin_fail(err, o, is_needs ? "check '%s' needs itself"
                                                : "check '%s' is ordered after itself",
                               d->id);
    return sos_origin_fail(err, o,
                           is_needs ? "check '%s' needs '%s', which is not declared"
                                    : "check '%s' is ordered after '%s', which is not declared",
                           d->id, edge_target(d, k));
}

static int graph_alloc(struct sos_graph *g, const struct sos_graph_node *nodes, size_t n)
{
    size_t edges = 0;

    for (size_t i = 0; i < n; i++)
        edges += nodes[i].decl->n_needs + nodes[i].decl->n_after;
    g->n = n;
    g->dep_start = calloc(n + 1, sizeof *g->dep_start);
    g->dep = calloc(edges + 1, sizeof *g->dep);
    g->dep_origin = calloc(edges + 1, sizeof *g->dep_origin);
    g->n_needs = calloc(n + 1, sizeof *g->n_needs);
    g->missing_need = calloc(n + 1, sizeof *g->missing_need);
    return g->dep_start && g->dep && g->dep_origin && g->n_needs && g->missing_need ? 0
                                                                                   : -1;
}

/* Node I's edges from E on; returns the next free edge, or SIZE_MAX with
 * ERR set. */
static size_t resolve_node(struct sos_graph *g, const struct sos_graph_node *nodes,
                           size_t i, const struct lookup *lk, unsigned flags, size_t e,
                           sos_error *err)
{
    const struct sos_check_decl *d = nodes[i].decl;
    size_t k_max = d->n_needs + d->n_after;

    g->dep_start[i] = e;
    for (size_t k = 0; k < k_max; k++) {
        size_t j = lookup_find(lk, nodes[i].agent, edge_target(d, k));
        if (j == LOOKUP_OOM) {
            sos_fail(err, "checks.d: out of memory");
            return SIZE_MAX;
        }
        if ((flags & SOS_GRAPH_STRICT) && (j == SOS_ID_NOT_FOUND || j == i)) {
            fail_bad_edge(d, k, j == i, err);
            return SIZE_MAX;
        }
        if (j == SOS_ID_NOT_FOUND) {
            /* an `after` outside this run orders nothing */
            if (k < d->n_needs && !g->missing_need[i])
                g->missing_need[i] = d->needs[k];
            continue;
        }
        g->dep_origin[e] = edge_origin(d, k);
        g->dep[e++] = j;
        if (k < d->n_needs)
            g->n_needs[i]++;
    }
    return e;
}

int sos_graph_build(const struct sos_graph_node *nodes, size_t n, unsigned flags,
                    struct sos_graph *g, sos_error *err)
{
    struct lookup lk;
    size_t e = 0;
    int rc = 0;

    memset(g, 0, sizeof *g);
    memset(&lk, 0, sizeof lk);
    if (graph_alloc(g, nodes, n) < 0 || lookup_init(&lk, nodes, n) < 0) {
        lookup_free(&lk);
        sos_graph_free(g);
        return sos_fail(err, "checks.d: out of memory");
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        e = resolve_node(g, nodes, i, &lk, flags, e, err);
        if (e == SIZE_MAX)
            rc = -1;
    }
    g->dep_start[n] = rc == 0 ? e : 0;
    lookup_free(&lk);
    if (rc != 0)
        sos_graph_free(g);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Order                                                                */

/* A binary min-heap of indices: the ready check declared first runs first. */
static void heap_push(size_t *heap, size_t *len, size_t v)
{
    size_t i = (*len)++;
    while (i > 0 && heap[(i - 1) / 2] > v) {
        heap[i] = heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    heap[i] = v;
}

static size_t heap_pop(size_t *heap, size_t *len)
{
    size_t top = heap[0];
    size_t last = heap[--*len];
    size_t i = 0;

    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= *len)
            break;
        if (child + 1 < *len && heap[child + 1] < heap[child])
            child++;
        if (heap[child] >= last)
            break;
        heap[i] = heap[child];
        i = child;
    }
    if (*len > 0)
        heap[i] = last;
    return top;
}

/* The reverse edges (who waits for each node), in compressed rows. */
struct reverse {
    size_t *start; /* n + 2, see reverse_build */
    size_t *node;
    size_t *indegree;
};

static void reverse_free(struct reverse *r)
{
    free(r->start);
    free(r->node);
    free(r->indegree);
}

static int reverse_build(const struct sos_graph *g, struct reverse *r)
{
    size_t n = g->n, edges = g->dep_start[n];

    r->start = calloc(n + 2, sizeof *r->start);
    r->node = calloc(edges + 1, sizeof *r->node);
    r->indegree = calloc(n + 1, sizeof *r->indegree);
    if (!r->start || !r->node || !r->indegree)
        return -1;
    for (size_t i = 0; i < n; i++) {
        r->indegree[i] = g->dep_start[i + 1] - g->dep_start[i];
        for (size_t e = g->dep_start[i]; e < g->dep_start[i + 1]; e++)
            r->start[g->dep[e] + 2]++; /* counted, shifted for the prefix sum */
    }
    for (size_t j = 2; j < n + 2; j++)
        r->start[j] += r->start[j - 1];
    for (size_t i = 0; i < n; i++)
        for (size_t e = g->dep_start[i]; e < g->dep_start[i + 1]; e++)
            r->node[r->start[g->dep[e] + 1]++] = i;
    return 0;
}

/* Kahn's algorithm; returns how many nodes were placed in ORDER. */
static size_t topo_sort(const struct sos_graph *g, struct reverse *r, size_t *heap,
                        size_t *order)
{
    size_t heap_len = 0, placed = 0;

    for (size_t i = 0; i < g->n; i++)
        if (r->indegree[i] == 0)
            heap_push(heap, &heap_len, i);
    while (heap_len > 0) {
        size_t v = heap_pop(heap, &heap_len);
        order[placed++] = v;
        for (size_t e = r->start[v]; e < r->start[v + 1]; e++)
            if (--r->indegree[r->node[e]] == 0)
                heap_push(heap, &heap_len, r->node[e]);
    }
    return placed;
}

static int append_text(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t add = strlen(s);
    if (*len + add + 1 > *cap) {
        size_t new_cap = (*len + add + 1) * 2;
        char *grown = realloc(*buf, new_cap);
        if (!grown)
            return -1;
        *buf = grown;
        *cap = new_cap;
    }
    memcpy(*buf + *len, s, add + 1);
    *len += add;
    return 0;
}

/* After an incomplete sort, every unplaced node still waits on an unplaced
 * dependency; following those from any of them must close a cycle. */
static int fail_cycle(const struct sos_graph *g, const struct sos_graph_node *nodes,
                      const size_t *indegree, sos_error *err)
{
    size_t n = g->n, start = 0, steps = 0, v, first, lowest;
    size_t *step_of = malloc(n * sizeof *step_of);
    size_t *path = malloc(n * sizeof *path);
    size_t *path_edge = malloc(n * sizeof *path_edge);
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc;

    if (!step_of || !path || !path_edge) {
        rc = sos_fail(err, "checks.d: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        step_of[i] = SIZE_MAX;
    while (indegree[start] == 0)
        start++;
    for (v = start; step_of[v] == SIZE_MAX;) {
        size_t e = g->dep_start[v];
        while (indegree[g->dep[e]] == 0)
            e++;
        step_of[v] = steps;
        path[steps] = v;
        path_edge[steps++] = e;
        v = g->dep[e];
    }
    /* The cycle is path[step_of[v] .. steps-1]; print it from its first-declared node. */
    first = step_of[v];
    lowest = first;
    for (size_t s = first; s < steps; s++)
        if (path[s] < path[lowest])
            lowest = s;
    rc = 0;
    for (size_t k = 0; k <= steps - first && rc == 0; k++) {
        size_t s = first + (lowest - first + k) % (steps - first);
        if (k > 0)
            rc = append_text(&text, &len, &cap, " -> ");
        if (rc == 0)
            rc = append_text(&text, &len, &cap, nodes[path[s]].decl->id);
    }
    if (rc < 0) {
        rc = sos_fail(err, "checks.d: out of memory");
        goto out;
    }
    rc = sos_origin_fail(err, g->dep_origin[path_edge[lowest]], "dependency cycle: %s",
                         text);
out:
    free(text);
    free(step_of);
    free(path);
    free(path_edge);
    return rc;
}

int sos_graph_order(const struct sos_graph *g, const struct sos_graph_node *nodes,
                    size_t *order, sos_error *err)
{
    struct reverse r = {NULL, NULL, NULL};
    size_t *heap = NULL;
    int rc = 0;

    if (g->n == 0)
        return 0;
    heap = malloc(g->n * sizeof *heap);
    if (!heap || reverse_build(g, &r) < 0)
        rc = sos_fail(err, "checks.d: out of memory");
    if (rc == 0 && topo_sort(g, &r, heap, order) < g->n)
        rc = fail_cycle(g, nodes, r.indegree, err);
    free(heap);
    reverse_free(&r);
    return rc;
}

/* core/graph: declarations and their agent instances to edges by index. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "graph.h"

/* A declaration by hand: ID, then its needs and after as "id" or NULL. */
#define MAX_EDGES 4
struct decl_store {
    struct sos_check_decl decl;
    char *needs[MAX_EDGES], *after[MAX_EDGES];
    struct sos_origin needs_origin[MAX_EDGES], after_origin[MAX_EDGES];
};

static void declare(struct decl_store *s, int line, const char *id,
                    const char *const *needs, const char *const *after)
{
    memset(s, 0, sizeof *s);
    s->decl.id = (char *)id;
    s->decl.origin = (struct sos_origin){(char *)"g.yaml", line, 3};
    s->decl.needs = s->needs;
    s->decl.needs_origin = s->needs_origin;
    s->decl.after = s->after;
    s->decl.after_origin = s->after_origin;
    for (size_t k = 0; needs && needs[k]; k++) {
        s->needs[k] = (char *)needs[k];
        s->needs_origin[k] = (struct sos_origin){(char *)"g.yaml", line + 1, (int)k + 10};
        s->decl.n_needs++;
    }
    for (size_t k = 0; after && after[k]; k++) {
        s->after[k] = (char *)after[k];
        s->after_origin[k] = (struct sos_origin){(char *)"g.yaml", line + 2, (int)k + 10};
        s->decl.n_after++;
    }
}

#define IDS(...) ((const char *const[]){__VA_ARGS__, NULL})

static size_t deps_of(const struct sos_graph *g, size_t i, const size_t **deps)
{
    *deps = g->dep + g->dep_start[i];
    return g->dep_start[i + 1] - g->dep_start[i];
}

static void test_edges_needs_then_after(void **state)
{
    struct decl_store s[3];
    struct sos_graph_node nodes[3];
    struct sos_graph g;
    sos_error err = {""};
    const size_t *deps;
    (void)state;
    declare(&s[0], 1, "t.a", NULL, NULL);
    declare(&s[1], 10, "t.b", NULL, NULL);
    declare(&s[2], 20, "t.c", IDS("t.b"), IDS("t.a"));
    for (size_t i = 0; i < 3; i++)
        nodes[i] = (struct sos_graph_node){&s[i].decl, NULL};
    assert_int_equal(sos_graph_build(nodes, 3, SOS_GRAPH_STRICT, &g, &err), 0);
    assert_int_equal(deps_of(&g, 0, &deps), 0);
    assert_int_equal(deps_of(&g, 2, &deps), 2);
    assert_int_equal(deps[0], 1); /* needs first */
    assert_int_equal(deps[1], 0);
    assert_int_equal(g.n_needs[2], 1);
    assert_ptr_equal(g.dep_origin[g.dep_start[2] + 1], &s[2].after_origin[0]);
    assert_null(g.missing_need[2]);
    sos_graph_free(&g);
}

static void test_order_is_stable(void **state)
{
    /* t.a needs t.d; t.b and t.c are free: declaration order, except that
     * t.a waits for t.d. */
    struct decl_store s[4];
    struct sos_graph_node nodes[4];
    struct sos_graph g;
    sos_error err = {""};
    size_t order[4];
    (void)state;
    declare(&s[0], 1, "t.a", IDS("t.d"), NULL);
    declare(&s[1], 10, "t.b", NULL, NULL);
    declare(&s[2], 20, "t.c", NULL, IDS("t.b"));
    declare(&s[3], 30, "t.d", NULL, NULL);
    for (size_t i = 0; i < 4; i++)
        nodes[i] = (struct sos_graph_node){&s[i].decl, NULL};
    assert_int_equal(sos_graph_build(nodes, 4, SOS_GRAPH_STRICT, &g, &err), 0);
    assert_int_equal(sos_graph_order(&g, nodes, order, &err), 0);
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 2);
    assert_int_equal(order[2], 3);
    assert_int_equal(order[3], 0);
    sos_graph_free(&g);
}

static void test_cycle_names_its_ids(void **state)
{
    struct decl_store s[4];
    struct sos_graph_node nodes[4];
    struct sos_graph g;
    sos_error err = {""};
    size_t order[4];
    (void)state;
    declare(&s[0], 1, "t.free", NULL, NULL);
    declare(&s[1], 10, "t.c", IDS("t.a"), NULL);
    declare(&s[2], 20, "t.a", NULL, IDS("t.b"));
    declare(&s[3], 30, "t.b", IDS("t.free", "t.c"), NULL);
    for (size_t i = 0; i < 4; i++)
        nodes[i] = (struct sos_graph_node){&s[i].decl, NULL};
    assert_int_equal(sos_graph_build(nodes, 4, SOS_GRAPH_STRICT, &g, &err), 0);
    assert_int_equal(sos_graph_order(&g, nodes, order, &err), -1);
    /* From the first-declared check of the cycle, at its edge into it. */
    assert_string_equal(err.msg, "g.yaml:11:10: dependency cycle: t.c -> t.a -> t.b -> t.c");
    sos_graph_free(&g);
}

static void test_missing_dependency(void **state)
{
    struct decl_store s[2];
    struct sos_graph_node nodes[2];
    struct sos_graph g;
    sos_error err = {""};
    const size_t *deps;
    (void)state;
    declare(&s[0], 1, "t.a", NULL, NULL);
    declare(&s[1], 10, "t.b", IDS("t.a", "t.gone", "t.lost"), IDS("t.away", "t.a"));
    for (size_t i = 0; i < 2; i++)
        nodes[i] = (struct sos_graph_node){&s[i].decl, NULL};
    /* checks.d: an error at the entry. */
    assert_int_equal(sos_graph_build(nodes, 2, SOS_GRAPH_STRICT, &g, &err), -1);
    assert_string_equal(err.msg, "g.yaml:11:11: check 't.b' needs 't.gone', which is not declared");
    assert_null(g.dep);
    /* A run of only some checks: the first missing need is recorded, a
     * missing after orders nothing. */
    assert_int_equal(sos_graph_build(nodes, 2, 0, &g, &err), 0);
    assert_string_equal(g.missing_need[1], "t.gone");
    assert_int_equal(deps_of(&g, 1, &deps), 2);
    assert_int_equal(g.n_needs[1], 1);
    assert_int_equal(deps[0], 0);
    assert_int_equal(deps[1], 0);
    sos_graph_free(&g);
    /* After a missing one. */
    declare(&s[1], 10, "t.b", NULL, IDS("t.away"));
    assert_int_equal(sos_graph_build(nodes, 2, SOS_GRAPH_STRICT, &g, &err), -1);
    assert_string_equal(err.msg,
                        "g.yaml:12:10: check 't.b' is ordered after 't.away', which is not declared");
}

static void test_self_dependency(void **state)
{
    struct decl_store s[1];
    struct sos_graph_node nodes[1];
    struct sos_graph g;
    sos_error err = {""};
    (void)state;
    declare(&s[0], 1, "t.a", IDS("t.a"), NULL);
    nodes[0] = (struct sos_graph_node){&s[0].decl, NULL};
    assert_int_equal(sos_graph_build(nodes, 1, SOS_GRAPH_STRICT, &g, &err), -1);
    assert_string_equal(err.msg, "g.yaml:2:10: check 't.a' needs itself");
}

/* doctor local-runtime: the host's checks, then each agent's instances of
 * the agent-scope ones. An id names the agent's own instance first, then
 * the host's; never another agent's; a host check never an agent's. */
static void test_agent_instance_looks_in_its_agent_first(void **state)
{
    struct decl_store s[4];
    struct sos_graph_node nodes[7];
    struct sos_graph g;
    sos_error err = {""};
    const size_t *deps;
    (void)state;
    declare(&s[0], 1, "podman.connection", NULL, NULL);
    declare(&s[1], 10, "podman.machine", NULL, NULL);
    declare(&s[2], 20, "podman.image", IDS("podman.connection", "podman.machine"), NULL);
    declare(&s[3], 30, "host.late", IDS("podman.image"), NULL);
    nodes[0] = (struct sos_graph_node){&s[0].decl, NULL};       /* host */
    nodes[1] = (struct sos_graph_node){&s[1].decl, NULL};       /* host */
    nodes[2] = (struct sos_graph_node){&s[3].decl, NULL};       /* host needs an agent-only id */
    nodes[3] = (struct sos_graph_node){&s[0].decl, "web"};      /* web's own connection */
    nodes[4] = (struct sos_graph_node){&s[2].decl, "web"};
    nodes[5] = (struct sos_graph_node){&s[2].decl, "db"};       /* db has none of its own */
    nodes[6] = (struct sos_graph_node){&s[0].decl, "web-db"};   /* another agent, similar name */
    assert_int_equal(sos_graph_build(nodes, 7, 0, &g, &err), 0);
    assert_int_equal(deps_of(&g, 4, &deps), 2);
    assert_int_equal(deps[0], 3); /* web's podman.connection */
    assert_int_equal(deps[1], 1); /* the host's podman.machine */
    assert_int_equal(deps_of(&g, 5, &deps), 2);
    assert_int_equal(deps[0], 0); /* the host's podman.connection, not web's */
    assert_int_equal(deps[1], 1);
    assert_int_equal(deps_of(&g, 2, &deps), 0);
    assert_string_equal(g.missing_need[2], "podman.image");
    sos_graph_free(&g);
}

static void test_empty_graph(void **state)
{
    struct sos_graph g;
    sos_error err = {""};
    (void)state;
    assert_int_equal(sos_graph_build(NULL, 0, SOS_GRAPH_STRICT, &g, &err), 0);
    assert_int_equal(sos_graph_order(&g, NULL, NULL, &err), 0);
    sos_graph_free(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges_needs_then_after),
        cmocka_unit_test(test_order_is_stable),
        cmocka_unit_test(test_cycle_names_its_ids),
        cmocka_unit_test(test_missing_dependency),
        cmocka_unit_test(test_self_dependency),
        cmocka_unit_test(test_agent_instance_looks_in_its_agent_first),
        cmocka_unit_test(test_empty_graph),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

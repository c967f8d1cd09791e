/* A test driver: runs one phase of one plugin action through the runner,
 * as the lifecycle does, and prints the JSON report of that one entry, for
 * the shell tests that judge an action's findings (remediation-quoting.sh).
 *
 * usage: run-action --plugin-dir DIR [--root TREE] [--dry-run]
 *                   PLUGIN ACTION plan|apply|undo [KEY=VALUE...]
 *
 * Exit 0 when the phase ran (whatever its status), 2 on a usage error, 1
 * when it could not be run. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "loader.h"
#include "report.h"
#include "runner.h"

#define MAX_PARAMS 32

static int usage(void)
{
    fprintf(stderr, "usage: run-action --plugin-dir DIR [--root TREE] [--dry-run] "
                    "PLUGIN ACTION plan|apply|undo [KEY=VALUE...]\n");
    return 2;
}

static const struct sourceos_action *find_action(const struct sourceos_plugin *p,
                                                 const char *name)
{
    for (const struct sourceos_action *a = p->actions; a && a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

int main(int argc, char **argv)
{
    static char *values[MAX_PARAMS][1];
    struct sos_param params[MAX_PARAMS];
    const char *plugin_dir = NULL, *root = NULL;
    int dry_run = 0, i = 1, rc;
    struct sos_plugin_set plugins;
    const struct sos_loaded_plugin *lp;
    struct sos_check_decl decl = {.timeout = 60};
    struct sos_run_entry entry = {.decl = &decl};
    struct sos_graph_node node = {&decl, NULL};
    struct sos_graph g;
    struct sos_run run = {.tool = "run-action", .version = PACKAGE_VERSION,
                          .command = "run-action", .entries = &entry, .n_entries = 1};
    struct sos_runner_job job = {0};
    struct sos_runner_opts opts = {.jobs = 1, .default_timeout = 60};
    sos_error err;
    json_t *report;

    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--plugin-dir") == 0 && i + 1 < argc)
            plugin_dir = argv[++i];
        else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
            root = argv[++i];
        else if (strcmp(argv[i], "--dry-run") == 0)
            dry_run = 1;
        else
            return usage();
    }
    if (!plugin_dir || argc - i < 3 || argc - i - 3 > MAX_PARAMS)
        return usage();
    decl.plugin = argv[i];
    decl.check = argv[i + 1];
    if (strcmp(argv[i + 2], "plan") == 0)
        job.phase = SOS_PHASE_PLAN;
    else if (strcmp(argv[i + 2], "apply") == 0)
        job.phase = SOS_PHASE_APPLY;
    else if (strcmp(argv[i + 2], "undo") == 0)
        job.phase = SOS_PHASE_UNDO;
    else
        return usage();
    for (int k = i + 3; k < argc; k++) {
        char *eq = strchr(argv[k], '=');
        size_t n = decl.n_params++;
        if (!eq)
            return usage();
        *eq = '\0';
        values[n][0] = eq + 1;
        params[n] = (struct sos_param){.key = argv[k], .values = values[n], .n_values = 1};
    }
    decl.params = params;
    decl.id = "action";
    decl.origin.file = "(run-action)";

    if (sos_plugin_set_init(&plugins, plugin_dir, &err) != 0) {
        fprintf(stderr, "run-action: %s\n", err.msg);
        return 1;
    }
    lp = sos_plugin_set_load(&plugins, decl.plugin);
    if (!lp || !lp->plugin || !(job.action = find_action(lp->plugin, decl.check))) {
        fprintf(stderr, "run-action: no action %s in plugin %s%s%s\n", decl.check, decl.plugin,
                lp && lp->error ? ": " : "", lp && lp->error ? lp->error : "");
        sos_plugin_set_free(&plugins);
        return 1;
    }
    opts.root = root;
    opts.dry_run = dry_run;
    rc = sos_graph_build(&node, 1, 0, &g, &err) == 0 ? 0 : -1;
    run.graph = &g;
    if (rc == 0 && sos_runner_run(&run, &job, &opts, &err) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "run-action: %s\n", err.msg);
        sos_plugin_set_free(&plugins);
        return 1;
    }
    run.counts[entry.result.status]++;
    report = sos_report_to_json(&run);
    rc = report && json_dumpf(report, stdout, JSON_INDENT(1)) == 0 ? 0 : 1;
    putchar('\n');
    json_decref(report);
    sos_graph_free(&g);
    sos_check_result_free(&entry.result);
    sos_plugin_set_free(&plugins);
    return rc;
}

/* The lints every generation passes before it can become current: the
 * shell's own reading of the wrapper (shellcheck --shell=sh), systemd's of
 * the unit (systemd-analyze verify), and a libplist round trip of the
 * plist. Each tool runs through the core's command runner (argv, no shell,
 * a timeout, LC_ALL=C from the caller's environment). */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <plist/plist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "scratch.h"
#include "stage.h"

#define LINT_TIMEOUT_S 60.0
#define LINT_OUTPUT_CAP (64 * 1024)
#define DETAIL_MAX 2000
/* Why an external tool was not run when the caller said to leave them out. */
#define SKIP_NOTE "external lints left out (SOURCEOS_STAGE_SKIP_EXTERNAL=1)"

int sos_lint_add(struct sos_lint_results *out, const char *name, enum sos_lint_status st,
                 const char *detail)
{
    struct sos_lint_result *v = realloc(out->v, (out->n + 1) * sizeof *v);
    if (!v)
        return -1;
    out->v = v;
    v[out->n].name = strdup(name);
    v[out->n].status = st;
    v[out->n].detail = strndup(detail ? detail : "", DETAIL_MAX);
    if (!v[out->n].name || !v[out->n].detail) {
        free(v[out->n].name);
        free(v[out->n].detail);
        return -1;
    }
    out->n++;
    return 0;
}

void sos_lint_results_free(struct sos_lint_results *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].name);
        free(r->v[i].detail);
    }
    free(r->v);
    r->v = NULL;
    r->n = 0;
}

int sos_lint_results_pass(const struct sos_lint_results *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].status == SOS_LINT_FAIL)
            return 0;
    return 1;
}

char *sos_lint_results_json(const struct sos_lint_results *r)
{
    static const char *const STATUS[] = {"pass", "fail", "skipped"};
    json_t *a = json_array();
    char *out;
    for (size_t i = 0; a && i < r->n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "lint", r->v[i].name, "status",
                                           STATUS[r->v[i].status], "detail", r->v[i].detail));
    out = a ? json_dumps(a, JSON_INDENT(2)) : NULL;
    json_decref(a);
    return out;
}

/* Runs ARGV and records NAME: pass on exit 0 (and, when QUIET_ABOUT is
 * given, no message naming it), skipped when the tool is not installed,
 * fail otherwise with what it printed. */
static int run_tool(struct sos_lint_results *out, const char *name, const char *const argv[],
                    char *const envp[], const char *quiet_about)
{
    struct sos_cmd_output o = {0};
    enum sos_lint_status st;
    char *detail = NULL;
    int rc;
    if (sos_command_run(argv, envp, LINT_TIMEOUT_S, LINT_OUTPUT_CAP, NULL, NULL, &o) < 0)
        return sos_lint_add(out, name, SOS_LINT_FAIL, strerror(errno));
    if (o.not_started) {
        rc = sos_lint_add(out, name, SOS_LINT_SKIPPED,
                          o.start_errno == ENOENT ? "not installed" : strerror(o.start_errno));
        sos_cmd_output_free(&o);
        return rc;
    }
    st = o.exit_status == 0 ? SOS_LINT_PASS : SOS_LINT_FAIL;
    if (quiet_about && ((o.err && strstr(o.err, quiet_about)) || (o.out && strstr(o.out, quiet_about))))
        st = SOS_LINT_FAIL;
    if (o.timed_out)
        st = SOS_LINT_FAIL;
    if (asprintf(&detail, "%s%s%s", o.timed_out ? "timed out; " : "", o.out ? o.out : "",
                 o.err ? o.err : "") < 0)
        detail = NULL;
    rc = sos_lint_add(out, name, st, detail ? detail : "");
    free(detail);
    sos_cmd_output_free(&o);
    return rc;
}

/* The plist as libplist reads it back: a dictionary with the same Label,
 * and written again, the same XML. */
static int plist_round_trip(struct sos_lint_results *out, const struct sos_agent_model *m,
                            const char *path)
{
    FILE *f = fopen(path, "rb");
    char buf[64 * 1024], *again = NULL;
    size_t len;
    uint32_t again_len = 0;
    plist_t root = NULL, label;
    char *got = NULL;
    const char *why = NULL;
    int rc;
    if (!f)
        return sos_lint_add(out, "plist round trip", SOS_LINT_FAIL, strerror(errno));
    len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    plist_from_memory(buf, (uint32_t)len, &root);
    if (!root || plist_get_node_type(root) != PLIST_DICT)
        why = "libplist does not read it as a dictionary";
    else if (!(label = plist_dict_get_item(root, "Label")) ||
             plist_get_node_type(label) != PLIST_STRING)
        why = "it has no Label string";
    else {
        plist_get_string_val(label, &got);
        if (!got || strcmp(got, m->label) != 0)
            why = "its Label is not the agent's";
        plist_to_xml(root, &again, &again_len);
        if (!why && (!again || again_len != len || memcmp(again, buf, len) != 0))
            why = "written again, it is not the same XML";
    }
    free(got);
    if (again)
        plist_to_xml_free(again);
    if (root)
        plist_free(root);
    rc = sos_lint_add(out, "plist round trip", why ? SOS_LINT_FAIL : SOS_LINT_PASS, why);
    return rc;
}

/* systemd-analyze verify of the unit; --user with a private
 * XDG_RUNTIME_DIR (the real one belongs to a session we must not touch). */
static int verify_unit(struct sos_lint_results *out, const struct sos_stage_options *o,
                       const struct sos_agent_model *m, const char *unit)
{
    char *dir, env_rt[4200];
    char *envp[64];
    sos_error err;
    size_t n = 0;
    const char *base = strrchr(unit, '/') ? strrchr(unit, '/') + 1 : unit;
    const char *user_argv[] = {"systemd-analyze", "verify", "--user", unit, NULL};
    const char *sys_argv[] = {"systemd-analyze", "verify", unit, NULL};
    int rc;
    if (!(dir = sos_scratch_make("sourceos-stage-verify", &err)))
        return sos_lint_add(out, "systemd-analyze verify", SOS_LINT_FAIL, err.msg);
    snprintf(env_rt, sizeof env_rt, "XDG_RUNTIME_DIR=%s", dir);
    for (size_t i = 0; o->envp && o->envp[i] && n < 62; i++)
        if (strncmp(o->envp[i], "XDG_RUNTIME_DIR=", 16) != 0)
            envp[n++] = o->envp[i];
    envp[n++] = env_rt;
    envp[n] = NULL;
    rc = run_tool(out, "systemd-analyze verify",
                  m->scope == SOS_SCOPE_USER ? user_argv : sys_argv, envp, base);
    sos_scratch_remove(dir);
    free(dir);
    return rc;
}

int sos_stage_lint_files(const struct sos_stage_options *o, const struct sos_agent_model *m,
                         const char *wrapper, const char *service,
                         struct sos_lint_results *out, sos_error *err)
{
    const char *sc[] = {"shellcheck", "--shell=sh", "--format=gcc", wrapper, NULL};
    int launchd = o->backend == SOS_BACKEND_LAUNCHD, rc;
    if (o->skip_external)
        rc = sos_lint_add(out, "shellcheck", SOS_LINT_SKIPPED, SKIP_NOTE);
    else
        rc = run_tool(out, "shellcheck", sc, o->envp, NULL);
    if (rc == 0 && launchd)
        rc = plist_round_trip(out, m, service);
    else if (rc == 0 && o->skip_external)
        rc = sos_lint_add(out, "systemd-analyze verify", SOS_LINT_SKIPPED, SKIP_NOTE);
    else if (rc == 0 && o->root && strcmp(o->root, "/") != 0)
        /* It checks the unit's executables on this machine, not in the
         * tree (its --root does not change that): it cannot judge them. */
        rc = sos_lint_add(out, "systemd-analyze verify", SOS_LINT_SKIPPED,
                          "staged into a --root tree: systemd-analyze verify checks the "
                          "executables a unit names on this machine, not in the tree");
    else if (rc == 0)
        rc = verify_unit(out, o, m, service);
    if (rc < 0)
        return sos_fail(err, "lint: out of memory");
    return 0;
}

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sourceos/plugin.h>

#include "preflight.h"
#include "redact_run.h"
#include "report.h"

/* Left out by `when:` (another OS, another runtime): the step is decided by
 * another of its checks, or does not apply. */
static int left_out(const struct sos_run *run, const struct sos_run_entry *e)
{
    const struct sos_check_decl *d = e->decl;
    return e->result.status == SOS_ST_SKIPPED &&
           (d->inapplicable || (d->when_os && !(d->when_os & run->host.os_mask)));
}

static int is_step(const struct sos_run_entry *e, const char *agent)
{
    return e->decl->preflight_step &&
           (!agent || !e->agent || strcmp(e->agent, agent) == 0);
}

/* The entry shown for STEP: its first check not left out, else its first. */
static const struct sos_run_entry *entry_of_step(const struct sos_run *run, const char *agent,
                                                 unsigned step)
{
    const struct sos_run_entry *first = NULL;
    for (size_t i = 0; i < run->n_entries; i++) {
        const struct sos_run_entry *e = &run->entries[i];
        if (!is_step(e, agent) || e->decl->preflight_step != step)
            continue;
        if (!left_out(run, e))
            return e;
        if (!first)
            first = e;
    }
    return first;
}

static const struct sos_finding_rec *worst_finding(const struct sos_check_result *r)
{
    const struct sos_finding_rec *worst = NULL;
    for (size_t i = 0; i < r->n_findings; i++)
        if (r->findings[i].message && (!worst || r->findings[i].severity > worst->severity))
            worst = &r->findings[i];
    return worst;
}

/* What the step's line says, before redaction. */
static char *state_text(const struct sos_run_entry *e)
{
    const struct sos_check_result *r = &e->result;
    const struct sos_finding_rec *f = worst_finding(r);
    char *s = NULL;
    switch (r->status) {
    case SOS_ST_SKIPPED:
        if (asprintf(&s, "not checked: %s", r->reason ? r->reason : "skipped") < 0)
            s = NULL;
        return s;
    case SOS_ST_ERROR:
    case SOS_ST_TIMEOUT:
    case SOS_ST_INTERRUPTED:
        if (asprintf(&s, "could not check: %s",
                     f && f->severity > SOURCEOS_SEV_INFO ? f->message
                     : r->reason                          ? r->reason
                                                          : sos_status_name(r->status)) < 0)
            s = NULL;
        return s;
    default:
        return strdup(f ? f->message : sos_status_name(r->status));
    }
}

static int rank(enum sos_status st)
{
    switch (st) {
    case SOS_ST_OK:
    case SOS_ST_SKIPPED:
        return 0;
    case SOS_ST_WARNING:
        return 1;
    default:
        return 2;
    }
}

/* Adds "run `COMMAND`", or TEXT as it is when COMMAND is 0. */
static int add_action(struct sos_preflight *p, const struct sos_redactor *rd, int command,
                      const char *text)
{
    char *raw, *shown, **grown;
    if ((command ? asprintf(&raw, "run `%s`", text) : asprintf(&raw, "%s", text)) < 0)
        return -1;
    shown = sos_redact_str(rd, raw);
    free(raw);
    if (!shown)
        return -1;
    for (size_t i = 0; i < p->n_actions; i++)
        if (strcmp(p->actions[i], shown) == 0) {
            free(shown);
            return 0; /* two checks, one fix */
        }
    grown = realloc(p->actions, (p->n_actions + 1) * sizeof *grown);
    if (!grown) {
        free(shown);
        return -1;
    }
    p->actions = grown;
    p->actions[p->n_actions++] = shown;
    return 0;
}

/* Each problem's commands, or its remediation when it has none. */
static int add_actions(struct sos_preflight *p, const struct sos_redactor *rd,
                       const struct sos_check_result *r)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        const struct sos_finding_rec *f = &r->findings[i];
        if (f->severity == SOURCEOS_SEV_INFO)
            continue;
        for (size_t c = 0; c < f->n_commands; c++)
            if (add_action(p, rd, 1, f->commands[c]) != 0)
                return -1;
        if (f->n_commands == 0 && f->remediation && add_action(p, rd, 0, f->remediation) != 0)
            return -1;
    }
    return 0;
}

static unsigned next_step(const struct sos_run *run, const char *agent, unsigned after)
{
    unsigned best = 0;
    for (size_t i = 0; i < run->n_entries; i++) {
        unsigned s = run->entries[i].decl->preflight_step;
        if (is_step(&run->entries[i], agent) && s > after && (!best || s < best))
            best = s;
    }
    return best;
}

static int add_steps(struct sos_preflight *p, const struct sos_run *run,
                     const struct sos_redactor *rd)
{
    p->steps = calloc(run->n_entries + 1, sizeof *p->steps);
    if (!p->steps)
        return -1;
    for (unsigned s = next_step(run, p->agent, 0); s; s = next_step(run, p->agent, s)) {
        struct sos_preflight_step *st = &p->steps[p->n_steps++];
        char *raw;
        st->step = s;
        st->entry = entry_of_step(run, p->agent, s);
        if (!(raw = state_text(st->entry)))
            return -1;
        st->state = sos_redact_str(rd, raw);
        free(raw);
        if (!st->state || (rank(st->entry->result.status) > 0 &&
                           add_actions(p, rd, &st->entry->result) != 0))
            return -1;
    }
    return 0;
}

int sos_preflight_build(const struct sos_run *run, const char *agent, const char *persistence,
                        struct sos_preflight *out, sos_error *err)
{
    struct sos_redactor *rd = sos_run_redactor(run);
    int worst = 0;
    memset(out, 0, sizeof *out);
    out->agent = agent;
    out->persistence = persistence;
    if (!rd || add_steps(out, run, rd) != 0) {
        sos_redactor_free(rd);
        sos_preflight_free(out);
        return sos_fail(err, "out of memory");
    }
    sos_redactor_free(rd);
    for (size_t i = 0; i < run->n_entries; i++)
        if (rank(run->entries[i].result.status) > worst)
            worst = rank(run->entries[i].result.status);
    out->exit_code = worst;
    out->verdict = worst == 0 ? "passed" : worst == 1 ? "passed with warnings" : "failed";
    return 0;
}

void sos_preflight_print_human(FILE *out, const struct sos_preflight *p)
{
    sos_put_safe(out, p->agent);
    fprintf(out, " preflight: %s\n", p->verdict);
    for (size_t i = 0; i < p->n_steps; i++) {
        fputs("- ", out);
        sos_put_safe(out, p->steps[i].entry->decl->preflight_what);
        fputs(": ", out);
        sos_put_safe(out, p->steps[i].state);
        fputc('\n', out);
    }
    for (size_t i = 0; i < p->n_actions; i++) {
        fputs("- action: ", out);
        sos_put_safe(out, p->actions[i]);
        fputc('\n', out);
    }
    fputs("- persistence: ", out);
    sos_put_safe(out, p->persistence);
    fputc('\n', out);
}

json_t *sos_preflight_to_json(const struct sos_preflight *p)
{
    json_t *steps = json_array(), *actions = json_array();
    for (size_t i = 0; steps && i < p->n_steps; i++) {
        const struct sos_preflight_step *st = &p->steps[i];
        if (json_array_append_new(steps,
                                  json_pack("{s:I, s:s, s:s, s:s, s:s}", "step",
                                            (json_int_t)st->step, "what",
                                            st->entry->decl->preflight_what, "check",
                                            st->entry->decl->id, "status",
                                            sos_status_name(st->entry->result.status),
                                            "state", st->state)) != 0) {
            json_decref(steps);
            steps = NULL;
        }
    }
    for (size_t i = 0; actions && i < p->n_actions; i++)
        if (json_array_append_new(actions, json_string(p->actions[i])) != 0) {
            json_decref(actions);
            actions = NULL;
        }
    if (!steps || !actions) {
        json_decref(steps);
        json_decref(actions);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:i, s:o, s:o, s:s}", "agent", p->agent, "verdict",
                     p->verdict, "exit_code", p->exit_code, "steps", steps, "actions", actions,
                     "persistence", p->persistence);
}

void sos_preflight_free(struct sos_preflight *p)
{
    for (size_t i = 0; i < p->n_steps; i++)
        free(p->steps[i].state);
    free(p->steps);
    for (size_t i = 0; i < p->n_actions; i++)
        free(p->actions[i]);
    free(p->actions);
    memset(p, 0, sizeof *p);
}

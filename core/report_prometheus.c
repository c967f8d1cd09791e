#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "redact_run.h"
#include "report_prometheus.h"
#include "sourceos/plugin.h"

/* A label value longer than this is cut: an id, a code or a service name
 * is far shorter, and a long one would only grow every scrape. */
#define LABEL_MAX 200
/* Service names read from one summary line: more is not a name. */
#define SERVICE_NAME_MAX 512

/* The writer's state: where to, with which redactor, and whether a write
 * or an allocation failed. */
struct prom {
    FILE *out;
    struct sos_redactor *rd;
    int failed;
};

/* S as a label value into OUT (LABEL_MAX + 1 bytes): redacted, cut,
 * bytes outside printable ASCII as '_' (names and ids are ASCII; this
 * keeps the output UTF-8 whatever a host says). */
static void clean_label(struct prom *p, const char *s, char *out)
{
    char *clean = sos_redact_str(p->rd, s ? s : "");
    size_t n = 0;
    if (!clean)
        p->failed = 1;
    for (const unsigned char *c = (const unsigned char *)(clean ? clean : ""); *c && n < LABEL_MAX;
         c++)
        out[n++] = *c >= 0x20 && *c < 0x7f ? (char)*c : '_';
    out[n] = '\0';
    free(clean);
}

/* S as a label value, `\` and `"` escaped as the format says. */
static void put_label_value(struct prom *p, const char *s)
{
    char label[LABEL_MAX + 1];
    clean_label(p, s, label);
    for (const char *c = label; *c; c++) {
        if (*c == '\\' || *c == '"')
            fputc('\\', p->out);
        fputc(*c, p->out);
    }
}

/* NAME{k1="v1",...} VALUE: LABELS alternate keys and values, NULL-ended. */
static void put_series(struct prom *p, const char *name, const char *const *labels,
                       const char *value)
{
    fputs(name, p->out);
    if (labels && labels[0]) {
        fputc('{', p->out);
        for (size_t i = 0; labels[i]; i += 2) {
            fprintf(p->out, "%s%s=\"", i ? "," : "", labels[i]);
            put_label_value(p, labels[i + 1]);
            fputc('"', p->out);
        }
        fputc('}', p->out);
    }
    fprintf(p->out, " %s\n", value);
}

static void put_family(struct prom *p, const char *name, const char *help)
{
    fprintf(p->out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* sourceos_check_status's value: the status's number, an interrupted
 * check counted as one that could not decide. */
static int status_value(enum sos_status s)
{
    return s == SOS_ST_INTERRUPTED ? SOS_ST_ERROR : (int)s;
}

static void put_checks(struct prom *p, const struct sos_run *run, const char *agent)
{
    put_family(p, "sourceos_check_status",
               "Each check's status: 0 ok, 1 warning, 2 failure, 3 error, 4 skipped, 5 timeout.");
    for (size_t i = 0; i < run->n_entries; i++) {
        const struct sos_run_entry *e = &run->entries[i];
        const char *who = e->agent ? e->agent
                          : e->decl->scope == SOS_SCOPE_AGENT && agent ? agent : "";
        const char *labels[] = {"check", e->decl->id, "plugin", e->decl->plugin, "scope",
                                sos_scope_name(e->decl->scope), "agent", who, NULL};
        char v[8];
        snprintf(v, sizeof v, "%d", status_value(e->result.status));
        put_series(p, "sourceos_check_status", labels, v);
    }
}

struct code_count {
    const char *code;
    int severity;
    long n;
};

static void put_findings(struct prom *p, const struct sos_run *run)
{
    struct code_count *c = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < run->n_entries; i++) {
        const struct sos_check_result *r = &run->entries[i].result;
        for (size_t f = 0; f < r->n_findings; f++) {
            size_t k = 0;
            while (k < n && !(c[k].severity == r->findings[f].severity &&
                              strcmp(c[k].code, r->findings[f].code) == 0))
                k++;
            if (k == n) {
                if (n == cap) {
                    struct code_count *grown = realloc(c, (cap = cap ? cap * 2 : 64) * sizeof *c);
                    if (!grown) {
                        p->failed = 1;
                        free(c);
                        return;
                    }
                    c = grown;
                }
                c[n++] = (struct code_count){r->findings[f].code, r->findings[f].severity, 0};
            }
            c[k].n++;
        }
    }
    put_family(p, "sourceos_findings", "Findings of the run by severity and code.");
    for (size_t k = 0; k < n; k++) {
        const char *labels[] = {"severity", sos_severity_name(c[k].severity), "code",
                                c[k].code, NULL};
        char v[24];
        snprintf(v, sizeof v, "%ld", c[k].n);
        put_series(p, "sourceos_findings", labels, v);
    }
    free(c);
}

static void put_agents(struct prom *p, const struct sos_prom_extra *x)
{
    put_family(p, "sourceos_agent_state", "1 for each agent's current lifecycle state.");
    for (size_t i = 0; x && i < x->n_agents; i++) {
        const char *labels[] = {"agent", x->agents[i].name, "state", x->agents[i].state, NULL};
        if (x->agents[i].state)
            put_series(p, "sourceos_agent_state", labels, "1");
    }
    put_family(p, "sourceos_agent_restarts",
               "Starts of each agent's wrapper in the last hour (its restart budget).");
    for (size_t i = 0; x && i < x->n_agents; i++) {
        const char *labels[] = {"agent", x->agents[i].name, "backend", x->agents[i].backend,
                                NULL};
        char v[24];
        if (x->agents[i].restarts < 0)
            continue;
        snprintf(v, sizeof v, "%ld", x->agents[i].restarts);
        put_series(p, "sourceos_agent_restarts", labels, v);
    }
}

/* The evidence VALUE of KEY in finding F, or NULL. */
static const char *evidence_of(const struct sos_finding_rec *f, const char *key)
{
    for (size_t i = 0; i < f->n_evidence; i++)
        if (strcmp(f->evidence[i].key, key) == 0)
            return f->evidence[i].value;
    return NULL;
}

/* Whether the label NAME of BACKEND was put already: a label loaded in two
 * domains is one series, its first; so are two names that clean to one
 * label (cut at LABEL_MAX, or differing in bytes shown as '_'). */
static int service_seen(char (*seen)[SERVICE_NAME_MAX], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(seen[i], name) == 0)
            return 1;
    return 0;
}

/* One summary's "NAME\tRUNS" lines. */
static void put_service_lines(struct prom *p, const char *backend, const char *lines,
                              char (**seen)[SERVICE_NAME_MAX], size_t *n, size_t *cap)
{
    for (const char *l = lines; *l;) {
        size_t len = strcspn(l, "\n"), name_len = strcspn(l, "\t");
        char name[SERVICE_NAME_MAX], label[LABEL_MAX + 1], *end;
        long runs;
        if (name_len < len && name_len > 0 && name_len < sizeof name) {
            memcpy(name, l, name_len);
            name[name_len] = '\0';
            clean_label(p, name, label);
            runs = strtol(l + name_len + 1, &end, 10);
            if (end == l + len && end > l + name_len + 1 && runs >= 0 &&
                !service_seen(*seen, *n, label)) {
                const char *labels[] = {"label_or_unit", name, "backend", backend, NULL};
                char v[24];
                if (*n == *cap) {
                    char(*grown)[SERVICE_NAME_MAX] =
                        realloc(*seen, (*cap = *cap ? *cap * 2 : 64) * sizeof **seen);
                    if (!grown) {
                        p->failed = 1;
                        return;
                    }
                    *seen = grown;
                }
                memcpy((*seen)[(*n)++], label, strlen(label) + 1);
                snprintf(v, sizeof v, "%ld", runs);
                put_series(p, "sourceos_service_runs", labels, v);
            }
        }
        l += len + (l[len] == '\n');
    }
}

static void put_services(struct prom *p, const struct sos_run *run)
{
    static const char *const backends[] = {"launchd", "systemd"};
    put_family(p, "sourceos_service_runs",
               "Runs of each service the host scan asked its manager about "
               "(launchd runs, systemd NRestarts).");
    for (size_t b = 0; b < 2; b++) {
        char(*seen)[SERVICE_NAME_MAX] = NULL;
        size_t n = 0, cap = 0;
        for (size_t i = 0; i < run->n_entries && !p->failed; i++) {
            const struct sos_run_entry *e = &run->entries[i];
            if (strcmp(e->decl->plugin, backends[b]) != 0)
                continue;
            for (size_t f = 0; f < e->result.n_findings; f++) {
                const char *lines = evidence_of(&e->result.findings[f], SOS_PROM_SERVICE_RUNS);
                if (lines)
                    put_service_lines(p, backends[b], lines, &seen, &n, &cap);
            }
        }
        free(seen);
    }
}

int sos_report_print_prometheus(FILE *out, const struct sos_run *run,
                                const struct sos_prom_extra *extra)
{
    struct prom p = {out, sos_run_redactor(run), 0};
    p.failed = !p.rd;
    char abi[16], v[32];
    const char *build[] = {"version", run->version, "abi", abi, NULL};

    snprintf(abi, sizeof abi, "%d.%d", SOURCEOS_ABI_MAJOR, SOURCEOS_ABI_MINOR);
    put_family(&p, "sourceos_build_info", "The sourceos version and plugin ABI, always 1.");
    put_series(&p, "sourceos_build_info", build, "1");
    put_checks(&p, run, extra ? extra->agent : NULL);
    put_findings(&p, run);
    put_agents(&p, extra);
    put_services(&p, run);
    put_family(&p, "sourceos_run_duration_seconds", "How long the run took.");
    snprintf(v, sizeof v, "%.3f", run->duration);
    put_series(&p, "sourceos_run_duration_seconds", NULL, v);
    put_family(&p, "sourceos_last_run_timestamp_seconds",
               "When the run ended, in seconds since the epoch.");
    snprintf(v, sizeof v, "%.3f", run->started + run->duration);
    put_series(&p, "sourceos_last_run_timestamp_seconds", NULL, v);
    sos_redactor_free(p.rd);
    return p.failed || ferror(out) ? -1 : 0;
}

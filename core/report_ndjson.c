#include "config.h"

#include "report.h"
#include "redact_run.h"

#include <math.h>
#include <time.h>

/* One event per line, flushed at once: a consumer follows the run live.
 * 16 digits keep epoch times to the microsecond and print 0.42 as 0.42. */
static void emit_line(FILE *out, json_t *event)
{
    if (!event)
        return;
    if (json_dumpf(event, out, JSON_COMPACT | JSON_REAL_PRECISION(16)) == 0)
        fputc('\n', out);
    fflush(out);
    json_decref(event);
}

/* An object whose first member is "event", so readers can dispatch early. */
static json_t *new_event(const char *name)
{
    json_t *event = json_object();

    if (event && json_object_set_new(event, "event", json_string(name)) != 0) {
        json_decref(event);
        return NULL;
    }
    return event;
}

/* Adds MEMBERS (taken) to EVENT; on failure drops both. */
static json_t *with_members(json_t *event, json_t *members)
{
    if (!event || !members || json_object_update(event, members) != 0) {
        json_decref(event);
        json_decref(members);
        return NULL;
    }
    json_decref(members);
    return event;
}

/* When the runner has not stamped the start yet, the event's time is now. */
static double start_time(const struct sos_run_entry *e)
{
    struct timespec now;

    if (e->result.started > 0 && isfinite(e->result.started))
        return e->result.started;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0)
        return 0;
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* EVENT redacted with the secrets RUN knows now; NULL (nothing printed)
 * when that cannot be done. */
static json_t *redacted(const struct sos_run *run, json_t *event)
{
    struct sos_redactor *rd = event ? sos_run_redactor(run) : NULL;

    if (!rd || sos_redact_json(rd, event) != 0) {
        json_decref(event);
        event = NULL;
    }
    sos_redactor_free(rd);
    return event;
}

void sos_ndjson_check_started(FILE *out, const struct sos_run_entry *e)
{
    const struct sos_check_decl *d = e->decl;
    json_t *members = json_pack("{s:s?, s:s?, s:s?, s:f}", "id", d->id, "plugin",
                                d->plugin, "check", d->check, "time", start_time(e));

    /* Which agent's instance of the check, as in the finished event. */
    if (members && e->agent &&
        json_object_set_new(members, "agent", json_string(e->agent)) != 0) {
        json_decref(members);
        members = NULL;
    }

    /* json_pack with s? writes null for a NULL string; never expected here. */
    emit_line(out, redacted(NULL, with_members(new_event("check-started"), members)));
}

void sos_ndjson_check_finished(FILE *out, const struct sos_run *run,
                               const struct sos_run_entry *e)
{
    emit_line(out, redacted(run, with_members(new_event("check-finished"),
                                              sos_entry_to_json(e))));
}

void sos_ndjson_summary(FILE *out, const struct sos_run *run)
{
    double duration = isfinite(run->duration) ? run->duration : 0.0;
    json_t *members = json_pack("{s:o, s:i, s:f}", "summary", sos_summary_to_json(run),
                                "exit_code", run->exit_code, "duration", duration);

    emit_line(out, with_members(new_event("summary"), members));
}

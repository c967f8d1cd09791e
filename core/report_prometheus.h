/* A run in the Prometheus text exposition format (version 0.0.4), for
 * node_exporter's textfile collector: one machine's doctor as series a
 * fleet's Prometheus can query. The names and labels are an interface
 * (README "Prometheus"): added to, never renamed. */
#ifndef SOS_REPORT_PROMETHEUS_H
#define SOS_REPORT_PROMETHEUS_H

#include <stdio.h>

#include "run.h"

/* One agent's lifecycle, from its status (core/status.c). */
struct sos_prom_agent {
    const char *name;
    const char *state;   /* declared, staged, installed, enabled, running, tripped,
                            quarantined; NULL: no series */
    const char *backend; /* launchd, systemd */
    long restarts;       /* the wrapper's starts in the last hour; -1 unknown */
};

struct sos_prom_extra {
    const char *agent; /* the agent of a `doctor NAME` run: its checks' label */
    const struct sos_prom_agent *agents;
    size_t n_agents;
};

/* The evidence key of launchd.jobs-summary and systemd.units-summary that
 * lists each service asked about: lines "NAME<TAB>RUNS". */
#define SOS_PROM_SERVICE_RUNS "service_runs"

/* Writes RUN's series to OUT: sourceos_build_info, sourceos_check_status,
 * sourceos_findings, sourceos_agent_state, sourceos_agent_restarts,
 * sourceos_service_runs, sourceos_run_duration_seconds and
 * sourceos_last_run_timestamp_seconds. Label values are ids, codes and
 * service names only (never a message), redacted with the run's secrets,
 * cut to 200 bytes and escaped as the format says. 0, or -1 on ENOMEM or
 * a failed write. */
int sos_report_print_prometheus(FILE *out, const struct sos_run *run,
                                const struct sos_prom_extra *extra);

#endif

/* `sourceos-agent status NAME` and `logs NAME`, the core's half: the
 * profile of agent-scope checks they run through the runner (the backend's
 * view, podman's, the log files), and what their results and the state
 * directory (core/state.h) say together, as one redacted JSON document
 * (schemas/status.schema.json, schemas/logs.schema.json) that src/ prints. */
#ifndef SOS_STATUS_H
#define SOS_STATUS_H

#include <jansson.h>
#include <time.h>

#include "agent.h"
#include "run.h"
#include "state.h"

enum { SOS_PROFILE_STATUS = 1u << 0, SOS_PROFILE_LOGS = 1u << 1 };

/* The backend an agent runs under here: its declared one, else launchd on
 * macOS and systemd elsewhere (the OS this was built for). */
enum sos_agent_backend sos_status_backend(const struct sos_agent_model *m);

/* The checks.d text of the profile: with SOS_PROFILE_STATUS launchd.state
 * or systemd.state (by BACKEND) and, for a podman agent, podman.container
 * and podman.image; with SOS_PROFILE_LOGS the backend plugin's `logs` check
 * on the agent's log files, LINES of each. Every check is scope agent, its
 * values ${agent.KEY} or quoted words of the model. NULL with ERR. */
char *sos_status_profile(const struct sos_agent *a, enum sos_agent_backend backend,
                         unsigned what, unsigned lines, sos_error *err);

/* The status document of agent A from RUN (the profile's run), the state
 * directory STATE_DIR read into V (VIEW_ERR: why it could not be read, or
 * NULL), as of NOW; *EXIT: 0 running or staged as intended, 1 degraded,
 * 2 failed or tripped, 3 cannot tell. Redacted. NULL on ENOMEM. */
json_t *sos_status_json(const struct sos_run *run, const struct sos_agent *a,
                        enum sos_agent_backend backend, const char *state_dir,
                        const struct sos_state_view *v, const char *view_err, time_t now,
                        int *exit);

/* The logs document: each file's path and tail (from the `logs` check),
 * the last exit reason (the backend's, else the last failure line).
 * *EXIT: 0, 1 when a file could not be read, 3 when the check did not run.
 * Redacted. NULL on ENOMEM. */
json_t *sos_logs_json(const struct sos_run *run, const struct sos_agent *a,
                      enum sos_agent_backend backend, int *exit);

#endif

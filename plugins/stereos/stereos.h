/* stereos: the guest control plane of an agent machine (stereosd), asked
 * over its NDJSON protocol for ping and get_health only: never a message
 * that changes the guest. */
#ifndef SOS_STEREOS_H
#define SOS_STEREOS_H

#include "sourceos/plugin.h"

/* What stereosd's health says, in the doctor's terms. */
enum stereos_state {
    STEREOS_READY,    /* ready, healthy: ok */
    STEREOS_BOOTING,  /* booting, degraded: a warning */
    STEREOS_DEGRADED,
    STEREOS_SHUTDOWN, /* shutdown: a failure */
    STEREOS_UNKNOWN,  /* a state the protocol does not have */
};

/* The state named NAME (stereosd's word). */
enum stereos_state stereos_state_of(const char *name);

/* Judges ANSWER, the line that came back for REQUEST ("ping" or
 * "get_health") from URL: records a finding and returns the check's
 * status when it is not the answer the protocol gives (not JSON, not an
 * object, the wrong type, no state); SOURCEOS_OK when it is. */
sourceos_status stereos_answer_shape(sourceos_ctx *ctx, const char *url, const char *request,
                                     const struct sourceos_line *answer, const char *want_type);

/* Judges a well-shaped health answer: the state, its agents, the uptime. */
sourceos_status stereos_judge_health(sourceos_ctx *ctx, const char *url,
                                     const struct sourceos_line *answer);

/* The command that starts the profile's machine, on F. */
void stereos_start_command(sourceos_ctx *ctx, sourceos_finding *f);

#endif

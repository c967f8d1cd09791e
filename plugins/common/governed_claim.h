/* Whether the script a service execs is sourceos-agent's governed wrapper:
 * the marker is only a claim (anyone can write the line), so every `podman
 * run` in the script is held to it. One judgement for the launchd and the
 * systemd lint, so they cannot disagree. */
#ifndef SOS_GOVERNED_CLAIM_H
#define SOS_GOVERNED_CLAIM_H

#include "launch_cmd.h"
#include "podman_cmd.h"

struct governed_claim {
    enum podman_governed state;
    const struct launch_simple *cmd; /* the run that belies it, or NULL */
    struct podman_cmd run;           /* that run, read */
    char missing[1024];              /* what it lacks */
};

/* Judges LC's script: NONE without the marker; VERIFIED only when the script
 * has a `podman run` and each one bears the claim out (a compliant decoy
 * must not cover the run after it); else the first run that belies it (or
 * none at all) in G. */
void governed_claim_judge(const struct launch_cmd *lc, struct governed_claim *g);

/* The script LC execs is the governed wrapper (claim VERIFIED). */
int governed_claim_holds(const struct launch_cmd *lc);

#endif

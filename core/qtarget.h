/* What `quarantine NAME` acts on, once NAME is matched (a declared agent, a
 * launchd label or plist, a systemd unit, a container): the capture, the
 * containment and `release` all take this, so they cannot disagree on
 * which service it is. Every path is as seen on the host (under --root,
 * the path inside the tree). */
#ifndef SOS_QTARGET_H
#define SOS_QTARGET_H

#include "agent_model.h"

enum sos_qtarget_kind {
    SOS_QT_AGENT,     /* declared in agents.d */
    SOS_QT_LAUNCHD,   /* a launchd job nobody declared */
    SOS_QT_SYSTEMD,   /* a systemd unit nobody declared */
    SOS_QT_CONTAINER, /* a podman container alone */
};

struct sos_qtarget {
    enum sos_qtarget_kind kind;
    char *name;   /* what the bundle and the quarantine record are named after:
                   * the agent's name, the label, the unit, the container */
    char *agent;  /* the agents.d name, NULL when undeclared */
    enum sos_agent_backend backend; /* SOS_BACKEND_AUTO: none (a container alone) */
    char *label;  /* launchd: the job's label */
    char *plist;  /* launchd: the plist's path */
    char *domain; /* launchd: "system" or "gui/UID" */
    char *unit;   /* systemd: the unit's name */
    char *unit_path; /* systemd: the unit file's path ("" when only loaded) */
    int user_scope;  /* systemd: the user's manager (--user), not the system's */
    char *user;      /* the account whose manager runs it ("" for the system) */
    char *container; /* the podman container, NULL when none */
    unsigned stop_timeout; /* seconds `podman stop -t` waits (shutdownTimeoutSeconds) */
};

void sos_qtarget_free(struct sos_qtarget *t);

#endif

/* Which service `quarantine NAME` means (core/qtarget.h): a declared agent
 * first (agents.d/NAME.yaml), then a launchd job (its label, or its plist's
 * file name), a systemd unit (NAME or NAME.service), a podman container, in
 * that order. An exact name wins; otherwise the one service whose name
 * contains NAME; otherwise the candidates, for the CLI to list (exit 64).
 *
 * Where each is looked for, under the tree (--root) or on this machine:
 * launchd: /Library/LaunchAgents (domain gui/UID of the console user: the
 * owner of the first home under /Users, else this process's uid),
 * /Library/LaunchDaemons (system), HOME/Library/LaunchAgents of each home
 * (gui/ the home's owner); systemd: /etc/systemd/system, /run/systemd/system,
 * /usr/lib/systemd/system, /lib/systemd/system (the system manager) and
 * HOME/.config/systemd/user of each home (that user's manager); podman:
 * `podman ps -a`, only when the run may ask this machine. */
#ifndef SOS_QMATCH_H
#define SOS_QMATCH_H

#include <stddef.h>

#include "agent_model.h"
#include "error.h"
#include "qtarget.h"

enum sos_qmatch_by {
    SOS_QM_ANY,       /* NAME alone: every kind, in order */
    SOS_QM_LABEL,     /* --label */
    SOS_QM_PLIST,     /* --plist PATH (host view) */
    SOS_QM_UNIT,      /* --unit */
    SOS_QM_CONTAINER, /* --container */
};

struct sos_qmatch_opts {
    const char *config_dir;                /* holds agents.d/ */
    const struct sos_agent_model_opts *mo; /* a declared agent's defaults */
    const char *root;                      /* NULL or "/": this machine */
    int ask_podman;                        /* may run `podman ps -a` */
    char *const *podman_envp;              /* its environment ("K=V"), may be NULL */
    enum sos_qmatch_by by;
};

/* What did not decide: each "KIND NAME (WHERE)". */
struct sos_qcandidates {
    char **v;
    size_t n;
};

/* Matches NAME. 0 with *OUT filled (sos_qtarget_free); 1 when nothing or
 * more than one service matches (C lists the candidates, none when
 * nothing matched); -1 with ERR (a declared agent that does not load, out
 * of memory). */
int sos_qmatch(const struct sos_qmatch_opts *o, const char *name, struct sos_qtarget *out,
               struct sos_qcandidates *c, sos_error *err);

void sos_qcandidates_free(struct sos_qcandidates *c);

#endif

/* Which steps each lifecycle transaction runs on each backend, and the
 * params the backend's actions get from the agent's model: one table, so
 * install, the CLI and repair cannot disagree on what a transaction does. */
#ifndef SOS_LIFECYCLE_PLAN_H
#define SOS_LIFECYCLE_PLAN_H

#include "agent_model.h"
#include "checksd.h"
#include "error.h"
#include "lifecycle.h"

/* The steps of TRANSACTION ("install", "enable", "start", "stop",
 * "restart", "uninstall", "activate", repair's "repair-installed" and
 * "repair-enabled", quarantine's "quarantine" and "quarantine-mask") on
 * BACKEND (launchd or systemd), or NULL when there is no such
 * transaction; *N their number. */
const struct sos_lc_step *sos_lc_plan(enum sos_agent_backend backend, const char *transaction,
                                      size_t *n);

/* Every step of every transaction of BACKEND (for recovering a journal). */
const struct sos_lc_step *sos_lc_all_steps(enum sos_agent_backend backend, size_t *n);

/* The step NAME of BACKEND (release composes its steps from the
 * quarantine record), NULL when there is none. */
const struct sos_lc_step *sos_lc_step_named(enum sos_agent_backend backend, const char *name);

/* The actions' params for M on BACKEND, with the files of the generation
 * directory GEN_DIR: systemd unit/source/backup/user, launchd
 * plist/source/backup/label/user. Free with sos_lc_params_free(). */
int sos_lc_params(const struct sos_agent_model *m, enum sos_agent_backend backend,
                  const char *gen_dir, struct sos_param **params, size_t *n, sos_error *err);
void sos_lc_params_free(struct sos_param *params, size_t n);

#endif

#ifndef SOS_MACHINE_PARAMS_H
#define SOS_MACHINE_PARAMS_H

#include "checksd.h"
#include "error.h"
#include "machine_profile.h"

/* P (with HOME, and REPO when given) as the ${profile.KEY} values: name,
 * adapter, provider, machine, image, image_ref (pinned by digest when one
 * is), digest, network, control_plane, repo, allowed_roots and tools (lists),
 * mount_denials (each refusal of the mount policy, "PATH: rule") and
 * mounts_allowed (how many mounts pass). An absent value is left out. */
int sos_am_profile_params(const struct sos_am_profile *p, const char *home, const char *repo,
                          struct sos_check_decl *out, sos_error *err);

/* In every machine-scope check of CHECKS: ${profile.KEY} expanded from
 * VALUES, and param `profile` set to NAME. */
int sos_am_profile_apply(const struct sos_check_decl *values, const char *name,
                         struct sos_checks *checks, sos_error *err);

#endif

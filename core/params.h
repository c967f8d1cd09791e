#ifndef SOS_PARAMS_H
#define SOS_PARAMS_H

#include "checksd.h"
#include "error.h"

/* Replaces each "${PREFIX.KEY}" value of P (a param of check D) by the
 * values of KEY in VALUES (all of them when it is a list); a reference to a
 * key VALUES lacks drops the value, so the check sees the param as unset.
 * A reference that is only part of a value is an error naming D. */
int sos_param_expand(const char *prefix, const struct sos_check_decl *values,
                     const struct sos_check_decl *d, struct sos_param *p, sos_error *err);

/* Sets KEY to a copy of the N VALUES in DECL (a list when IS_LIST),
 * replacing a value already there. 0, or -1 on ENOMEM. */
int sos_param_set(struct sos_check_decl *decl, const char *key, char *const *values,
                  size_t n, int is_list);

#endif

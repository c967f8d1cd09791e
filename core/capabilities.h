/* Capabilities of system agents: an allowlist that fails closed (DESIGN.md:
 * privileges). A declared capability is normalised (case, the `cap_`
 * prefix: cap_net_raw, NET_RAW and CAP_NET_RAW are CAP_NET_RAW) and must be
 * a Linux capability and listed in CONFIG/capabilities.allow, a root-owned
 * file nobody else can write (one name a line, `#` comments; absent: none
 * allowed). Anything outside it refuses the whole stage or install. */
#ifndef SOS_CAPABILITIES_H
#define SOS_CAPABILITIES_H

#include <stddef.h>

#include "agent_model.h"
#include "error.h"

/* The canonical CAP_NAME of IN into OUT; -1 when IN is not a Linux
 * capability. */
int sos_cap_normalize(const char *in, char *out, size_t size);

/* Reads CONFIG_DIR/capabilities.allow into OUT (normalised); none when it
 * does not exist. A file not owned by root, writable by others, or naming
 * something that is not a capability is an error naming the file and line. */
int sos_cap_allowlist_load(const char *config_dir, struct sos_agent_strings *out,
                           sos_error *err);

/* 0 when every capability M declares is in ALLOWED; else -1 with ERR
 * naming the first that is not, and the allowlist file. */
int sos_cap_check(const struct sos_agent_model *m, const struct sos_agent_strings *allowed,
                  const char *config_dir, sos_error *err);

void sos_cap_strings_free(struct sos_agent_strings *s);

#endif

/* host: the checks of the host plugin, one file each. */
#ifndef SOS_PLUGIN_HOST_H
#define SOS_PLUGIN_HOST_H

#include "sourceos/plugin.h"

/* mdm.c: whether this Mac is managed (fact host.mdm). */
sourceos_status host_check_management(sourceos_ctx *ctx);

#endif

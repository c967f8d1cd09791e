/* agent: the preflight's checks of the agent itself, beside the host's
 * service manager and runtime: platform, backend adapter, runtime, and the
 * lints of the generation stage makes. */
#ifndef SOS_AGENT_PLUGIN_H
#define SOS_AGENT_PLUGIN_H

#include "../common/plugin_util.h"

sourceos_status agent_check_platform(sourceos_ctx *ctx);
sourceos_status agent_check_backend(sourceos_ctx *ctx);
sourceos_status agent_check_runtime(sourceos_ctx *ctx);
sourceos_status agent_check_generated_lint(sourceos_ctx *ctx);

/* The backend the agent uses on this host: its declared one, or for
 * "auto" (and when absent) launchd on macOS and systemd elsewhere. */
const char *agent_backend(sourceos_ctx *ctx);

#endif

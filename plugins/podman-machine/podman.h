/* podman-machine: shared helpers of the Podman runtime checks. */
#ifndef SOS_PLUGIN_PODMAN_H
#define SOS_PLUGIN_PODMAN_H

#include "sourceos/plugin.h"
#include "../common/plugin_util.h"
#include "../common/podman_cmd.h"

#define PODMAN_DEFAULT_TIMEOUT_MS 10000u

/* The podman program to run (param `podman`, default "podman"). */
const char *podman_program(sourceos_ctx *ctx);

/* The bound of one podman command (param `timeout_ms`). */
unsigned podman_timeout_ms(sourceos_ctx *ctx);

/* Runs podman with ARGS (NULL-terminated), adding `--remote --url URL` when
 * podman.connection found a remote endpoint, so dependents talk to the
 * endpoint that was checked rather than whatever podman would pick. */
const struct sourceos_cmd *podman_run(sourceos_ctx *ctx,
                                      const char *const args[]);

/* The first line of TEXT, cut to fit OUT. */
void podman_first_line(const char *text, char *out, size_t size);

/* The version in `podman --version`'s OUT ("podman version 4.3.1"; podman.exe
 * says the same) into VERSION (SIZE bytes): 0, or -1 when it names none. */
int podman_parse_version(const char *out, char *version, size_t size);

/* Whether a podman error message says the object does not exist. */
int podman_says_missing(const char *err);

/* Records a finding for a podman command that could not be run or timed out;
 * returns SOURCEOS_ERROR, or SOURCEOS_OK when the command did run. */
sourceos_status podman_command_trouble(sourceos_ctx *ctx,
                                       const struct sourceos_cmd *r,
                                       const char *what);


sourceos_status podman_check_binary(sourceos_ctx *ctx);
sourceos_status podman_check_machine(sourceos_ctx *ctx);
sourceos_status podman_check_connection(sourceos_ctx *ctx);
sourceos_status podman_check_info(sourceos_ctx *ctx);
sourceos_status podman_check_image(sourceos_ctx *ctx);
sourceos_status podman_check_container(sourceos_ctx *ctx);
sourceos_status podman_check_version(sourceos_ctx *ctx);
sourceos_status podman_check_tag(sourceos_ctx *ctx);
sourceos_status podman_check_container_name(sourceos_ctx *ctx);

#endif

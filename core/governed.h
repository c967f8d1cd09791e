/* The line every wrapper the stage generator writes carries. A script with
 * it checks the runtime and runs a local image with --pull=never and an
 * empty auth file, so the lints read its `podman run` as governed rather
 * than raw. Defined once here: the generator (core/gen_wrapper.c) writes
 * it and plugins/common/podman_cmd.h hands it to the lints. */
#ifndef SOS_GOVERNED_H
#define SOS_GOVERNED_H

#define SOURCEOS_GOVERNED_MARKER "sourceos-agent: governed wrapper"

#endif

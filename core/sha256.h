/* SHA-256 (FIPS 180-4), incremental, for the members of evidence bundles.
 * Nettle's (the hash library libarchive already links): it picks the
 * CPU's SHA extensions at run time, four times the portable C's speed,
 * and bundles are hashed twice (writing, then inspect). */
#ifndef SOS_SHA256_H
#define SOS_SHA256_H

#include <stddef.h>

#include <nettle/sha2.h>

struct sos_sha256 {
    struct sha256_ctx ctx;
};

void sos_sha256_init(struct sos_sha256 *s);
void sos_sha256_update(struct sos_sha256 *s, const void *data, size_t len);
/* The digest as 64 lower-case hex digits and a NUL in HEX. */
void sos_sha256_hex(struct sos_sha256 *s, char hex[65]);

#endif

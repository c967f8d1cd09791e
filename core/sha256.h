/* SHA-256 (FIPS 180-4), incremental, for the members of evidence bundles:
 * the core has no other hash and links no crypto library. */
#ifndef SOS_SHA256_H
#define SOS_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sos_sha256 {
    uint32_t h[8];
    uint64_t len; /* bytes hashed so far */
    unsigned char buf[64];
    size_t used;
};

void sos_sha256_init(struct sos_sha256 *s);
void sos_sha256_update(struct sos_sha256 *s, const void *data, size_t len);
/* The digest as 64 lower-case hex digits and a NUL in HEX. */
void sos_sha256_hex(struct sos_sha256 *s, char hex[65]);

#endif

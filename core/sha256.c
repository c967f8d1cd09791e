#include "config.h"

#include "sha256.h"

void sos_sha256_init(struct sos_sha256 *s)
{
    sha256_init(&s->ctx);
}

void sos_sha256_update(struct sos_sha256 *s, const void *data, size_t len)
{
    sha256_update(&s->ctx, len, data);
}

void sos_sha256_hex(struct sos_sha256 *s, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    uint8_t digest[SHA256_DIGEST_SIZE];

    sha256_digest(&s->ctx, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[64] = '\0';
}

/* Fuzz harness: redaction's entry points (core/redact.h): is a key, is a value
 * secret. Small on purpose: redaction is being rewritten into one filter;
 * extend this to it. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    (void)sos_redact_key_is_secret(s);
    (void)sos_redact_value_is_secret(s);
    free(s);
    return 0;
}

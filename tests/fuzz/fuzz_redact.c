/* Fuzz harness: the one redaction filter (core/redact.h). The input's first
 * line lists exact secrets (separated by NUL bytes), the rest is the text:
 * sos_redact_text() must take any bytes, also its own output (which is
 * what a report redacted twice is). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "redact.h"

#define MAX_SECRETS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    size_t head = nl ? (size_t)(nl - p) : 0;
    char *secrets_text = malloc(head + 1);
    const char *secrets[MAX_SECRETS];
    size_t n = 0, out_len = 0, again_len = 0;
    struct sos_redactor *rd;
    char *out, *again;

    if (!secrets_text)
        return 0;
    memcpy(secrets_text, p, head);
    secrets_text[head] = '\0';
    for (size_t at = 0; at < head && n < MAX_SECRETS;) {
        secrets[n++] = secrets_text + at;
        at += strlen(secrets_text + at) + 1;
    }
    rd = sos_redactor_new(secrets, n);
    out = sos_redact_text(rd, p + (nl ? head + 1 : 0), size - (nl ? head + 1 : 0),
                          &out_len);
    if (out) {
        again = sos_redact_text(rd, out, out_len, &again_len);
        free(again);
    }
    (void)sos_redact_key_is_secret(secrets_text);
    free(out);
    sos_redactor_free(rd);
    free(secrets_text);
    return 0;
}

#include "config.h"

#include "redact.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

static const char *const secret_words[] = {
    "identitytoken", "registrytoken", "password", "passwd", "secret",
    "token",         "apikey",        "api_key",  "privatekey", "private_key",
    NULL,
};

/* "auth" alone is the base64 user:password of an auth.json entry; "authfile"
 * or "auth_mode" are not secret, so "auth" only counts as a whole word. */
static int is_auth_word(const char *key)
{
    size_t len = strlen(key);
    if (len < 4 || strcasecmp(key + len - 4, "auth") != 0)
        return 0;
    return len == 4 || !isalnum((unsigned char)key[len - 5]);
}

int sos_redact_key_is_secret(const char *key)
{
    if (!key)
        return 0;
    if (is_auth_word(key))
        return 1;
    for (size_t i = 0; secret_words[i]; i++)
        if (strcasestr(key, secret_words[i]))
            return 1;
    return 0;
}

int sos_redact_value_is_secret(const char *value)
{
    if (!value)
        return 0;
    if (strstr(value, "PRIVATE KEY-----"))
        return 1;
    return strncasecmp(value, "Basic ", 6) == 0 ||
           strncasecmp(value, "Bearer ", 7) == 0;
}

#include "config.h"

#include "error.h"
#include "redact.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Errors quote files, values and commands; what looks secret goes before
 * the message can reach anyone. On ENOMEM the message is withheld whole. */
static void redact_message(sos_error *err)
{
    char *clean = sos_redact_str(NULL, err->msg);
    snprintf(err->msg, sizeof err->msg, "%s",
             clean ? clean : "(error message withheld: out of memory while redacting it)");
    free(clean);
}

int sos_fail(sos_error *err, const char *format, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, format);
        vsnprintf(err->msg, sizeof err->msg, format, ap);
        va_end(ap);
        redact_message(err);
    }
    return -1;
}

int sos_wrap(sos_error *err, const char *format, ...)
{
    if (err) {
        char prefix[256];
        char old[sizeof err->msg];
        int room;
        va_list ap;
        va_start(ap, format);
        vsnprintf(prefix, sizeof prefix, format, ap);
        va_end(ap);
        memcpy(old, err->msg, sizeof old);
        /* The old message is cut, not the context, when both do not fit. */
        room = (int)(sizeof err->msg - strlen(prefix) - 3);
        snprintf(err->msg, sizeof err->msg, "%s: %.*s", prefix,
                 room > 0 ? room : 0, old);
        redact_message(err);
    }
    return -1;
}

#include "config.h"

#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sos_fail(sos_error *err, const char *format, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, format);
        vsnprintf(err->msg, sizeof err->msg, format, ap);
        va_end(ap);
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
    }
    return -1;
}

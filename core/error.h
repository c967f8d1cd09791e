/* Errors as values: a message with context (what, which file or command, why). */
#ifndef SOS_ERROR_H
#define SOS_ERROR_H

#include <stddef.h>

typedef struct sos_error {
    char msg[1024];
} sos_error;

/* Formats the message into ERR (when non-NULL) and returns -1, so callers
 * can write `return sos_fail(err, "...")`. The message is redacted
 * (redact.h: key and shape rules), as is sos_wrap()'s. */
int sos_fail(sos_error *err, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefixes context to an existing message: "CONTEXT: old message". */
int sos_wrap(sos_error *err, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif

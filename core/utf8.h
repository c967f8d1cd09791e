/* UTF-8: plugin text is untrusted and need not be valid. */
#ifndef SOS_UTF8_H
#define SOS_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence starting at S (AVAIL bytes left), or 0
 * when S does not start one (overlong, surrogate, out of range, cut). */
size_t sos_utf8_sequence_length(const unsigned char *s, size_t avail);

#endif

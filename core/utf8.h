/* UTF-8: plugin text is untrusted and need not be valid. */
#ifndef SOS_UTF8_H
#define SOS_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence starting at S (AVAIL bytes left), or 0
 * when S does not start one (overlong, surrogate, out of range, cut). */
size_t sos_utf8_sequence_length(const unsigned char *s, size_t avail);

/* The code point of the valid sequence of LEN bytes at S (LEN as
 * sos_utf8_sequence_length() gave it, 1 to 4). */
uint32_t sos_utf8_decode(const unsigned char *s, size_t len);

#endif

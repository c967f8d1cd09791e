/* Where and why a text is not JSON, for findings that point at the place. */
#ifndef SOS_JSON_ERROR_H
#define SOS_JSON_ERROR_H

#include <stddef.h>

/* 0 when TEXT (LEN bytes) parses as sourceos_json_get() parses it, else 1
 * with *LINE and *COLUMN (both from 1, the column in characters) at the last
 * character the parser read (a newline counts as the end of its line), and
 * WHY the parser's reason without the text it quotes (that text may be a
 * secret). Any output pointer may be NULL. */
int sos_json_error(const char *text, size_t len, unsigned *line,
                   unsigned *column, char *why, size_t why_size);

#endif

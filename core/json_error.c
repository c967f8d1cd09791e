/* Where and why a text is not JSON: jansson knows, and a finding about a
 * broken file or command output is only useful if it says where. */
#include "config.h"

#include "json_error.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"

/* The characters of line LINE (from 1) of TEXT, counting UTF-8 lead bytes
 * as jansson does, up to and including its newline. */
static unsigned line_width(const char *text, size_t len, unsigned line)
{
    unsigned at = 1, width = 0;
    for (size_t i = 0; i < len && at <= line; i++) {
        unsigned char c = (unsigned char)text[i];
        if (at == line && (c & 0xc0) != 0x80)
            width++;
        if (c == '\n')
            at++;
    }
    return width;
}

/* jansson says column 0 when the last character it read was a newline (it
 * has already counted the next line): put the place back on the newline,
 * where an editor shows the end of that line. Nothing read at all is the
 * first character of the first line. */
static void place(const char *text, size_t len, const json_error_t *e,
                  unsigned *line, unsigned *column)
{
    unsigned l = e->line > 0 ? (unsigned)e->line : 1;
    unsigned c = e->column > 0 ? (unsigned)e->column : 0;
    if (c == 0 && l > 1) {
        l--;
        c = line_width(text, len, l);
    }
    if (line)
        *line = l;
    if (column)
        *column = c > 0 ? c : 1;
}

/* jansson ends its message with " near 'TOKEN'": the token is the file's
 * own text, which in an auth file may be part of a credential. */
static void reason(const json_error_t *e, char *why, size_t why_size)
{
    const char *near = strstr(e->text, " near '");
    size_t n = near ? (size_t)(near - e->text) : strlen(e->text);
    if (!why || why_size == 0)
        return;
    if (n == 0) {
        snprintf(why, why_size, "not JSON");
        return;
    }
    if (n >= why_size)
        n = why_size - 1;
    memcpy(why, e->text, n);
    why[n] = '\0';
}

int sos_json_error(const char *text, size_t len, unsigned *line,
                   unsigned *column, char *why, size_t why_size)
{
    json_error_t e;
    /* The flags of the parse behind sourceos_json_get() (core/ctx.c). */
    json_t *doc = json_loadb(text ? text : "", text ? len : 0,
                             JSON_DECODE_ANY, &e);
    if (doc) {
        json_decref(doc);
        return 0;
    }
    place(text ? text : "", text ? len : 0, &e, line, column);
    reason(&e, why, why_size);
    return 1;
}

int sourceos_json_error(sourceos_ctx *ctx, const char *text, size_t len,
                        unsigned *line, unsigned *column, const char **why)
{
    char buf[JSON_ERROR_TEXT_LENGTH];
    char *kept;
    if (sos_json_error(text, len, line, column, buf, sizeof buf) == 0)
        return 0;
    if (why) {
        kept = ctx ? sos_ctx_own(ctx, strdup(buf)) : NULL;
        *why = kept ? kept : "not JSON";
    }
    return 1;
}

#include "config.h"

#include <string.h>

#include "cli.h"

/* What the user typed (an option, an agent name) is echoed in errors; a
 * control character or a stray byte must show as what it is, not act on
 * the terminal, so all but printable ASCII is written as \xNN. */
const char *cli_escape(const char *s, char *buf, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t used = 0;

    if (size < 8)
        return "";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (used + 8 >= size) {
            memcpy(buf + used, "...", 4);
            return buf;
        }
        if (*p < 0x20 || *p >= 0x7f || *p == '\\') {
            buf[used++] = '\\';
            buf[used++] = 'x';
            buf[used++] = hex[*p >> 4];
            buf[used++] = hex[*p & 15];
        } else {
            buf[used++] = (char)*p;
        }
    }
    buf[used] = '\0';
    return buf;
}

/* hyperv: what powershell.exe printed, as UTF-8. Windows PowerShell 5.1
 * writes in the console's code page, may start with a UTF-8 BOM, and when
 * its output crosses WSL interop from a redirected console it arrives as
 * UTF-16LE. The JSON parser takes only UTF-8, so everything is turned into
 * that first; what cannot be decoded becomes U+FFFD rather than a reason
 * to give up, except a cut UTF-16 stream, which is a truncated answer. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv.h"

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Appends code point CP as UTF-8 at OUT; returns the bytes written. */
static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the valid UTF-8 sequence at S (AVAIL bytes), or 0 when S does
 * not start one (overlong, surrogate, above U+10FFFF, cut short). */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
    size_t n;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2, cp = s[0] & 0x1Fu;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3, cp = s[0] & 0x0Fu;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4, cp = s[0] & 0x07u;
    else
        return 0;
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* Copies UTF-8 text, each byte that starts no valid sequence (and NUL,
 * which no JSON text holds raw) replaced by U+FFFD. */
static char *from_utf8(const unsigned char *in, size_t len, size_t *out_len)
{
    char *out = malloc(len * 3 + 1), *o = out;
    size_t i = 0;
    if (!out)
        return NULL;
    while (i < len) {
        size_t n = in[i] ? utf8_sequence(in + i, len - i) : 0;
        if (n) {
            memcpy(o, in + i, n);
            o += n;
            i += n;
        } else {
            memcpy(o, replacement, 3);
            o += 3;
            i++;
        }
    }
    *o = '\0';
    *out_len = (size_t)(o - out);
    return out;
}

/* Converts UTF-16LE (an even LEN) to UTF-8; an unpaired surrogate or a NUL
 * becomes U+FFFD. */
static char *from_utf16le(const unsigned char *in, size_t len, size_t *out_len)
{
    char *out = malloc(len / 2 * 3 + 1), *o = out;
    size_t i = 0;
    if (!out)
        return NULL;
    while (i + 1 < len) {
        uint32_t unit = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;
        i += 2;
        if (unit >= 0xD800 && unit <= 0xDBFF && i + 1 < len) {
            uint32_t low = (uint32_t)in[i] | (uint32_t)in[i + 1] << 8;
            if (low >= 0xDC00 && low <= 0xDFFF) {
                i += 2;
                o += put_utf8(o, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
                continue;
            }
        }
        if (unit == 0 || (unit >= 0xD800 && unit <= 0xDFFF)) {
            memcpy(o, replacement, 3);
            o += 3;
        } else {
            o += put_utf8(o, unit);
        }
    }
    *o = '\0';
    *out_len = (size_t)(o - out);
    return out;
}

/* UTF-16LE without a BOM still shows itself: JSON and PowerShell's error
 * text start with ASCII, whose high byte is NUL. */
static int looks_utf16le(const unsigned char *in, size_t len)
{
    return len >= 2 && in[0] != 0 && in[1] == 0;
}

int hyperv_text_decode(const char *data, size_t len, char **out, size_t *out_len,
                       char *why, size_t why_size)
{
    const unsigned char *in = (const unsigned char *)data;
    int utf16 = 0;
    *out = NULL;
    *out_len = 0;
    if (len > HYPERV_MAX_OUTPUT) {
        snprintf(why, why_size, "%zu bytes of output, more than the %u one VM's answer can be",
                 len, HYPERV_MAX_OUTPUT);
        return -1;
    }
    if (len >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF) {
        in += 3, len -= 3;
    } else if (len >= 2 && in[0] == 0xFF && in[1] == 0xFE) {
        in += 2, len -= 2, utf16 = 1;
    } else if (len >= 2 && in[0] == 0xFE && in[1] == 0xFF) {
        snprintf(why, why_size, "UTF-16BE output (a byte order mark FE FF), which PowerShell does not write");
        return -1;
    } else {
        utf16 = looks_utf16le(in, len);
    }
    if (utf16 && len % 2) {
        snprintf(why, why_size, "UTF-16 output of an odd number of bytes (%zu): cut short", len);
        return -1;
    }
    *out = utf16 ? from_utf16le(in, len, out_len) : from_utf8(in, len, out_len);
    if (!*out) {
        snprintf(why, why_size, "out of memory decoding %zu bytes of output", len);
        return -1;
    }
    return 0;
}

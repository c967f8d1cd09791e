/* wsl2: command output to UTF-8 text. wsl.exe writes UTF-16LE without a
 * BOM and with CRLF line ends; with WSL_UTF8=1 (WSL 0.64 and later) it
 * writes UTF-8. Which one came back is told from the bytes, and anything
 * that is not clean text is an error value, never a guess. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wsl2.h"

/* How many leading bytes decide between UTF-16LE and UTF-8. */
#define SNIFF_BYTES 512u

struct sink {
    char *buf;
    size_t len;
    int after_cr;
};

/* Appends code point CP as UTF-8, turning CRLF and a lone CR into LF. */
static void put_char(struct sink *s, uint32_t cp)
{
    if (cp == '\n' && s->after_cr) {
        s->after_cr = 0;
        return;
    }
    s->after_cr = cp == '\r';
    if (cp == '\r')
        cp = '\n';
    if (cp < 0x80) {
        s->buf[s->len++] = (char)cp;
    } else if (cp < 0x800) {
        s->buf[s->len++] = (char)(0xC0 | (cp >> 6));
        s->buf[s->len++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        s->buf[s->len++] = (char)(0xE0 | (cp >> 12));
        s->buf[s->len++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s->buf[s->len++] = (char)(0x80 | (cp & 0x3F));
    } else {
        s->buf[s->len++] = (char)(0xF0 | (cp >> 18));
        s->buf[s->len++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        s->buf[s->len++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        s->buf[s->len++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* UTF-16LE of mostly ASCII text (every line of wsl.exe has padding spaces)
 * has a NUL in most high bytes; UTF-8 text has none. */
static int looks_utf16le(const unsigned char *b, size_t len)
{
    size_t n = len < SNIFF_BYTES ? len : SNIFF_BYTES;
    size_t pairs = n / 2, zero_high = 0, zero_low = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        zero_low += b[i] == 0;
        zero_high += b[i + 1] == 0;
    }
    return pairs > 0 && zero_high * 2 >= pairs && zero_low < zero_high;
}

static int is_high_surrogate(uint32_t u) { return u >= 0xD800 && u <= 0xDBFF; }
static int is_low_surrogate(uint32_t u) { return u >= 0xDC00 && u <= 0xDFFF; }

static enum wsl_text_error decode_utf16le(const unsigned char *b, size_t len,
                                          struct sink *s, size_t *offset)
{
    size_t i = 0;
    if (len % 2) {
        *offset = len - 1;
        return WSL_TEXT_ODD_LENGTH;
    }
    while (i < len) {
        uint32_t u = (uint32_t)b[i] | (uint32_t)b[i + 1] << 8;
        *offset = i;
        if (is_high_surrogate(u)) {
            uint32_t low;
            if (i + 2 >= len)
                return WSL_TEXT_TRUNCATED_PAIR;
            low = (uint32_t)b[i + 2] | (uint32_t)b[i + 3] << 8;
            if (!is_low_surrogate(low))
                return WSL_TEXT_UNPAIRED;
            u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
            i += 2;
        } else if (is_low_surrogate(u)) {
            return WSL_TEXT_UNPAIRED;
        }
        if (u == 0)
            return WSL_TEXT_NUL;
        put_char(s, u);
        i += 2;
    }
    return WSL_TEXT_OK;
}

/* The length of the UTF-8 sequence led by byte C, or 0 when C cannot lead. */
static size_t utf8_sequence_length(unsigned char c)
{
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return 2;
    if (c >= 0xE0 && c <= 0xEF) return 3;
    if (c >= 0xF0 && c <= 0xF4) return 4;
    return 0;
}

/* Decodes the sequence at B (N bytes available) into *CP; returns its
 * length, or 0 when it is malformed, overlong, a surrogate or too large. */
static size_t utf8_decode_one(const unsigned char *b, size_t n, uint32_t *cp)
{
    static const uint32_t min_of[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t k = utf8_sequence_length(b[0]);
    uint32_t u;
    if (k == 0 || k > n)
        return 0;
    u = k == 1 ? b[0] : (uint32_t)(b[0] & (0x7F >> k));
    for (size_t j = 1; j < k; j++) {
        if ((b[j] & 0xC0) != 0x80)
            return 0;
        u = u << 6 | (b[j] & 0x3F);
    }
    if (u < min_of[k] || u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF))
        return 0;
    *cp = u;
    return k;
}

static enum wsl_text_error decode_utf8(const unsigned char *b, size_t len,
                                       struct sink *s, size_t *offset)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp = 0;
        size_t k = utf8_decode_one(b + i, len - i, &cp);
        *offset = i;
        if (k == 0)
            return WSL_TEXT_INVALID_UTF8;
        if (cp == 0)
            return WSL_TEXT_NUL;
        put_char(s, cp);
        i += k;
    }
    return WSL_TEXT_OK;
}

static enum wsl_encoding sniff(const unsigned char *b, size_t len, size_t *skip)
{
    *skip = 0;
    if (len >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
        *skip = 2;
        return WSL_ENC_UTF16LE_BOM;
    }
    if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        *skip = 3;
        return WSL_ENC_UTF8_BOM;
    }
    return looks_utf16le(b, len) ? WSL_ENC_UTF16LE : WSL_ENC_UTF8;
}

enum wsl_text_error wsl_text_decode(const unsigned char *bytes, size_t len,
                                    struct wsl_text *out)
{
    struct sink s = {0};
    size_t skip, offset = 0;
    enum wsl_text_error e;
    memset(out, 0, sizeof *out);
    if (len > WSL_TEXT_MAX_BYTES)
        return WSL_TEXT_TOO_LARGE;
    if (len >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF)
        return WSL_TEXT_UTF16BE;
    out->encoding = sniff(bytes, len, &skip);
    /* A UTF-16 unit gives at most 3 bytes of UTF-8 (a pair, 4 for 4 bytes);
     * UTF-8 re-encodes to its own length. */
    s.buf = malloc(len / 2 * 3 + len % 2 + 1);
    if (!s.buf)
        return WSL_TEXT_NO_MEMORY;
    if (out->encoding == WSL_ENC_UTF16LE || out->encoding == WSL_ENC_UTF16LE_BOM)
        e = decode_utf16le(bytes + skip, len - skip, &s, &offset);
    else
        e = decode_utf8(bytes + skip, len - skip, &s, &offset);
    if (e != WSL_TEXT_OK) {
        free(s.buf);
        out->offset = offset + skip;
        return e;
    }
    s.buf[s.len] = '\0';
    out->text = s.buf;
    out->len = s.len;
    return WSL_TEXT_OK;
}

void wsl_text_free(struct wsl_text *t)
{
    free(t->text);
    t->text = NULL;
    t->len = 0;
}

const char *wsl_text_error_text(enum wsl_text_error e)
{
    switch (e) {
    case WSL_TEXT_OK: return "no error";
    case WSL_TEXT_TOO_LARGE: return "more output than any wsl.exe answer (over 1 MiB)";
    case WSL_TEXT_ODD_LENGTH: return "an odd number of bytes for UTF-16 (cut short)";
    case WSL_TEXT_TRUNCATED_PAIR: return "UTF-16 that ends inside a surrogate pair (cut short)";
    case WSL_TEXT_UNPAIRED: return "an unpaired UTF-16 surrogate";
    case WSL_TEXT_NUL: return "a NUL character in the text";
    case WSL_TEXT_INVALID_UTF8: return "bytes that are neither UTF-16LE nor valid UTF-8";
    case WSL_TEXT_UTF16BE: return "big-endian UTF-16, which wsl.exe never writes";
    case WSL_TEXT_NO_MEMORY: return "out of memory";
    }
    return "unknown error";
}

const char *wsl_encoding_text(enum wsl_encoding e)
{
    switch (e) {
    case WSL_ENC_UTF8: return "UTF-8";
    case WSL_ENC_UTF8_BOM: return "UTF-8 with a BOM";
    case WSL_ENC_UTF16LE: return "UTF-16LE";
    case WSL_ENC_UTF16LE_BOM: return "UTF-16LE with a BOM";
    }
    return "?";
}

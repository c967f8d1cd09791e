#include "config.h"

#include "shquote.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"

#define SAFE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
                   "0123456789_@%+=:,./-"
/* How much of a refused word the error shows. */
#define SHOWN_MAX 120

/* ---- a growing string ------------------------------------------------------ */

static void puts_text(struct sos_strbuf *t, const char *s)
{
    sos_strbuf_put(t, s, strlen(s));
}

/* The finished string, or NULL (and ERR) when memory ran out. */
static char *finish(struct sos_strbuf *t, sos_error *err)
{
    if (t->failed || !t->p) {
        free(t->p);
        sos_fail(err, "out of memory");
        return NULL;
    }
    return t->p;
}

/* ---- what may not be pasted -------------------------------------------------- */

/* Characters that change what a pasted line does (C0 controls run or
 * complete on paste) or hide what it is (bidi overrides, zero-width). */
static int is_refused(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C ||
           (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

int sos_shquote_check(const char *text, sos_error *err)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t avail = strlen(text);
    for (size_t i = 0; i < avail;) {
        size_t len = sos_utf8_sequence_length(s + i, avail - i);
        if (len == 0)
            return sos_fail(err, "byte %zu is not UTF-8", i + 1);
        if (is_refused(sos_utf8_decode(s + i, len)))
            return sos_fail(err, "byte %zu is %s", i + 1,
                            s[i] == '\n' ? "a newline"
                            : s[i] == '\t' ? "a tab"
                            : len == 1   ? "a control character"
                                         : "an invisible or direction control");
        i += len;
    }
    return 0;
}

char *sos_shquote_escape(const char *text, size_t max)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t avail = strlen(text);
    struct sos_strbuf t = {0};
    char buf[16];
    size_t i = 0;
    puts_text(&t, "");
    while (i < avail && t.len < max) {
        size_t len = sos_utf8_sequence_length(s + i, avail - i);
        uint32_t cp = len ? sos_utf8_decode(s + i, len) : 0;
        if (len == 0 || (len == 1 && is_refused(cp))) {
            if (s[i] == '\n' || s[i] == '\t')
                puts_text(&t, s[i] == '\n' ? "\\n" : "\\t");
            else {
                snprintf(buf, sizeof buf, "\\x%02X", (unsigned)s[i]);
                puts_text(&t, buf);
            }
            i++;
            continue;
        }
        if (is_refused(cp)) {
            snprintf(buf, sizeof buf, "\\u{%04X}", (unsigned)cp);
            puts_text(&t, buf);
        } else if (cp == '\\')
            puts_text(&t, "\\\\");
        else
            sos_strbuf_put(&t, text + i, len);
        i += len;
    }
    if (i < avail)
        puts_text(&t, "...");
    return finish(&t, NULL);
}

/* ---- quoting --------------------------------------------------------------- */

int sos_shquote_is_bare(const char *word)
{
    return word[0] != '\0' && word[0] != '=' && strspn(word, SAFE_CHARS) == strlen(word);
}

/* Says which word is refused and shows it escaped, so the reader can find
 * the file or name without the core pasting it. */
static int refuse_word(const char *word, size_t index, sos_error *err)
{
    char *shown = sos_shquote_escape(word, SHOWN_MAX);
    sos_error why;
    sos_shquote_check(word, &why);
    sos_fail(err, "word %zu (\"%s\"): %s", index, shown ? shown : "?", why.msg);
    free(shown);
    return -1;
}

/* Appends WORD as one shell word: 'it'\''s' for a quote inside (the quote
 * ends the quoting, an escaped quote follows, the quoting resumes). */
static int put_word(struct sos_strbuf *t, const char *word, size_t index, sos_error *err)
{
    if (sos_shquote_check(word, NULL) != 0)
        return refuse_word(word, index, err);
    if (sos_shquote_is_bare(word)) {
        puts_text(t, word);
        return 0;
    }
    sos_strbuf_put(t, "'", 1);
    for (const char *p = word; *p; p++) {
        if (*p == '\'')
            puts_text(t, "'\\''");
        else
            sos_strbuf_put(t, p, 1);
    }
    sos_strbuf_put(t, "'", 1);
    return 0;
}

char *sos_shquote_argv(const char *const argv[], sos_error *err)
{
    struct sos_strbuf t = {0};
    if (!argv || !argv[0]) {
        sos_fail(err, "a command needs at least one word");
        return NULL;
    }
    for (size_t i = 0; argv[i]; i++) {
        if (i)
            sos_strbuf_put(&t, " ", 1);
        if (put_word(&t, argv[i], i + 1, err) != 0) {
            free(t.p);
            return NULL;
        }
    }
    return finish(&t, err);
}

/* ---- templates --------------------------------------------------------------- */

enum quoting { BARE, SINGLE, DOUBLE };

/* Handles the conversion at *P (just after a '%') and moves past it. */
static int put_conversion(struct sos_strbuf *t, const char **p, enum quoting q, va_list *ap,
                          size_t *words, sos_error *err)
{
    const char *word;
    if (**p == '%') {
        sos_strbuf_put(t, "%", 1);
        (*p)++;
        return 0;
    }
    if (**p == '\0')
        return sos_fail(err, "template: a lone %% at its end");
    if (**p != 's')
        return sos_fail(err, "template: only %%s and %%%% are allowed, not %%%c", **p);
    if (q != BARE)
        return sos_fail(err, "template: %%s inside quotes would not stay one word");
    if (t->len && t->p[t->len - 1] == '$')
        return sos_fail(err, "template: %%s right after '$' would be expanded");
    word = va_arg(*ap, const char *);
    if (!word)
        return sos_fail(err, "template: argument %zu is NULL", *words + 1);
    (*p)++;
    return put_word(t, word, ++*words, err);
}

/* Tracks the template's own quoting, so a word is only put where a shell
 * reads it as one word. */
static enum quoting next_quoting(enum quoting q, char c)
{
    if (q == BARE)
        return c == '\'' ? SINGLE : c == '"' ? DOUBLE : BARE;
    if ((q == SINGLE && c == '\'') || (q == DOUBLE && c == '"'))
        return BARE;
    return q;
}

char *sos_shquote_vformat(const char *template, va_list ap, sos_error *err)
{
    struct sos_strbuf t = {0};
    enum quoting q = BARE;
    size_t words = 0;
    va_list args;
    int rc = 0;
    if (!template || !*template) {
        sos_fail(err, "template: empty");
        return NULL;
    }
    va_copy(args, ap);
    for (const char *p = template; *p && rc == 0;) {
        if (*p == '%') {
            p++;
            rc = put_conversion(&t, &p, q, &args, &words, err);
        } else if (*p == '\\' && q != SINGLE && p[1]) {
            sos_strbuf_put(&t, p, 2); /* an escaped character is not a quote */
            p += 2;
        } else {
            q = next_quoting(q, *p);
            sos_strbuf_put(&t, p++, 1);
        }
    }
    va_end(args);
    if (rc == 0 && q != BARE)
        rc = sos_fail(err, "template: unterminated quote");
    if (rc == 0 && sos_shquote_check(t.p ? t.p : "", NULL) != 0)
        rc = sos_fail(err, "template: a control character in the template itself");
    if (rc != 0) {
        free(t.p);
        return NULL;
    }
    return finish(&t, err);
}

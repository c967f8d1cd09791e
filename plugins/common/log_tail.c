/* Logs as evidence: tail-capped reading, repeated failure lines, the last
 * failure line. See log_tail.h. */
#include "config.h"

#include "log_tail.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plugin_util.h"

/* ---- characters ------------------------------------------------------------ */

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_alnum(char c) { return is_digit(c) || is_alpha(c); }
static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static int is_hex(char c)
{
    return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

/* Exactly K digits at P (N bytes left) into *V. */
static int digits(const char *p, size_t n, size_t k, int *v)
{
    int x = 0;
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        if (!is_digit(p[i]))
            return 0;
        x = x * 10 + (p[i] - '0');
    }
    *v = x;
    return 1;
}

/* The month (1-12) of the English abbreviation at P, or 0. */
static int month_of(const char *p, size_t n)
{
    static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    if (n < 3)
        return 0;
    for (int m = 0; m < 12; m++)
        if (lower(p[0]) == names[m * 3] && lower(p[1]) == names[m * 3 + 1] &&
            lower(p[2]) == names[m * 3 + 2])
            return m + 1;
    return 0;
}

static int weekday_at(const char *p, size_t n)
{
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    if (n < 4 || p[3] != ' ')
        return 0;
    for (size_t i = 0; i < 7; i++)
        if (lower(p[0]) == days[i][0] && lower(p[1]) == days[i][1] &&
            lower(p[2]) == days[i][2])
            return 1;
    return 0;
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static long long days_from_civil(long long y, int m, int d)
{
    long long era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static long long civil_seconds(int y, int mo, int d, int h, int mi, int s)
{
    return days_from_civil(y, mo, d) * 86400 + h * 3600LL + mi * 60LL + s;
}

/* ---- timestamps ------------------------------------------------------------ */

/* HH:MM:SS with an optional fraction at P: its length, 0 when none. */
static size_t match_clock(const char *p, size_t n, int *h, int *mi, int *s)
{
    size_t i = 8;
    if (n < 8 || !digits(p, n, 2, h) || p[2] != ':' || !digits(p + 3, n - 3, 2, mi) ||
        p[5] != ':' || !digits(p + 6, n - 6, 2, s) || *h > 23 || *mi > 59 || *s > 60)
        return 0;
    if (i + 1 < n && (p[i] == '.' || p[i] == ',') && is_digit(p[i + 1]))
        for (i++; i < n && is_digit(p[i]); i++)
            ;
    return i;
}

/* A zone after a time: Z, +HH, +HHMM, +HH:MM; its length, *OFF seconds. */
static size_t match_zone(const char *p, size_t n, long long *off)
{
    int hh, mm = 0;
    size_t i = 3;
    *off = 0;
    if (n >= 1 && p[0] == 'Z')
        return 1;
    if (n < 3 || (p[0] != '+' && p[0] != '-') || !digits(p + 1, n - 1, 2, &hh))
        return 0;
    if (i < n && p[i] == ':')
        i++;
    if (digits(p + i, n - i, 2, &mm))
        i += 2;
    else if (p[i - 1] == ':')
        i--;
    *off = (hh * 3600LL + mm * 60LL) * (p[0] == '-' ? -1 : 1);
    return i;
}

/* ISO 8601 / RFC 3339: YYYY-MM-DD[(T| )HH:MM[:SS[.f]]][zone]. */
static size_t match_iso(const char *p, size_t n, long long *secs)
{
    int y, mo, d, h = 0, mi = 0, s = 0;
    size_t i = 10, c;
    long long off = 0;
    if (!digits(p, n, 4, &y) || n < 10 || p[4] != '-' || !digits(p + 5, n - 5, 2, &mo) ||
        p[7] != '-' || !digits(p + 8, n - 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return 0;
    if (i + 1 < n && (p[i] == 'T' || p[i] == ' ') &&
        (c = match_clock(p + i + 1, n - i - 1, &h, &mi, &s)) > 0) {
        i += 1 + c;
        i += match_zone(p + i, n - i, &off);
    } else if (i + 6 <= n && p[i] == 'T' && digits(p + i + 1, n - i - 1, 2, &h) &&
               p[i + 3] == ':' && digits(p + i + 4, n - i - 4, 2, &mi)) {
        i += 6; /* THH:MM without seconds */
        i += match_zone(p + i, n - i, &off);
    }
    *secs = civil_seconds(y, mo, d, h, mi, s) - off;
    return i;
}

/* syslog's `Mon DD HH:MM:SS` (DD may be space-padded), after an optional
 * weekday and with an optional year after (ctime: `Sat Nov 28 03:14:07 2026`).
 * Without a year, seconds are counted within 2001. */
static size_t match_syslog(const char *p, size_t n, long long *secs)
{
    size_t i = weekday_at(p, n) ? 4 : 0, c;
    int mo = month_of(p + i, n - i), d, h, mi, s, y = 2001;
    if (!mo || i + 4 > n || p[i + 3] != ' ')
        return 0;
    i += 4;
    if (i < n && p[i] == ' ')
        i++;
    if (digits(p + i, n - i, 2, &d))
        i += 2;
    else if (digits(p + i, n - i, 1, &d))
        i += 1;
    else
        return 0;
    if (d < 1 || d > 31 || i >= n || p[i] != ' ' ||
        (c = match_clock(p + i + 1, n - i - 1, &h, &mi, &s)) == 0)
        return 0;
    i += 1 + c;
    if (i + 5 <= n && p[i] == ' ' && digits(p + i + 1, n - i - 1, 4, &y) &&
        (i + 5 == n || !is_alnum(p[i + 5])))
        i += 5;
    *secs = civil_seconds(y, mo, d, h, mi, s);
    return i;
}

/* Apache's `DD/Mon/YYYY:HH:MM:SS[ +ZZZZ]`. */
static size_t match_apache(const char *p, size_t n, long long *secs)
{
    int d, mo, y, h, mi, s;
    size_t i = 12, c;
    long long off = 0;
    if (!digits(p, n, 2, &d) || n < 12 || p[2] != '/' || !(mo = month_of(p + 3, n - 3)) ||
        p[6] != '/' || !digits(p + 7, n - 7, 4, &y) || p[11] != ':' ||
        (c = match_clock(p + i, n - i, &h, &mi, &s)) == 0)
        return 0;
    i += c;
    if (i + 1 < n && p[i] == ' ') {
        size_t z = match_zone(p + i + 1, n - i - 1, &off);
        if (z > 1)
            i += 1 + z;
    }
    *secs = civil_seconds(y, mo, d, h, mi, s) - off;
    return i;
}

/* The kernel's and many tools' `[   123.456789]`: seconds since boot. */
static size_t match_uptime(const char *p, size_t n, long long *secs)
{
    size_t i = 1, at;
    long long v = 0;
    if (n < 4 || p[0] != '[')
        return 0;
    while (i < n && p[i] == ' ')
        i++;
    for (at = i; i < n && is_digit(p[i]) && i - at < 12; i++)
        v = v * 10 + (p[i] - '0');
    if (i == at || i + 1 >= n || p[i] != '.' || !is_digit(p[i + 1]))
        return 0;
    for (i++; i < n && is_digit(p[i]); i++)
        ;
    if (i >= n || p[i] != ']')
        return 0;
    *secs = v;
    return i + 1;
}

static size_t match_bare_time(const char *p, size_t n, long long *secs)
{
    int h, mi, s;
    size_t c = match_clock(p, n, &h, &mi, &s);
    if (c == 0 || (c < n && (is_alnum(p[c]) || p[c] == ':')))
        return 0;
    *secs = h * 3600LL + mi * 60LL + s;
    return c;
}

/* A timestamp's own text at P (not a logfmt key): its length, 0 when none. */
static size_t match_stamp(const char *p, size_t n, long long *secs)
{
    size_t m;
    *secs = -1;
    if ((m = match_iso(p, n, secs)) || (m = match_syslog(p, n, secs)) ||
        (m = match_apache(p, n, secs)) || (m = match_uptime(p, n, secs)) ||
        (m = match_bare_time(p, n, secs)))
        return m;
    *secs = -1;
    return 0;
}

/* logfmt's `time="..."` (also ts=, timestamp=, t=): the whole pair's
 * length; *INNER and *INNER_LEN the quoted text. */
static size_t match_logfmt(const char *p, size_t n, const char **inner,
                           size_t *inner_len, long long *secs)
{
    static const char *const keys[] = {"time=\"", "ts=\"", "timestamp=\"", "t=\"", NULL};
    for (size_t k = 0; keys[k]; k++) {
        size_t kl = strlen(keys[k]), i;
        if (n < kl || memcmp(p, keys[k], kl) != 0)
            continue;
        for (i = kl; i < n && p[i] != '"' && i - kl < LOG_TIME_MAX; i++)
            ;
        if (i >= n || p[i] != '"')
            return 0;
        *inner = p + kl;
        *inner_len = i - kl;
        if (match_stamp(*inner, *inner_len, secs) == 0)
            *secs = -1;
        return i + 1;
    }
    return 0;
}

/* ---- the grouping key ------------------------------------------------------ */

struct key_out {
    char *out;
    size_t size, used;
    int timed; /* the line's first timestamp was seen */
};

static void put(struct key_out *k, char c)
{
    if (k->used + 1 < k->size)
        k->out[k->used++] = c;
}

static void put_text(struct key_out *k, const char *s)
{
    while (*s)
        put(k, *s++);
}

/* The length of a word at P that is a number or hexadecimal id (all hex
 * digits with at least one decimal digit, or 0x...), else 0. */
static size_t number_word(const char *p, size_t n)
{
    size_t i = 0;
    int has_digit = 0;
    if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && is_hex(p[2])) {
        for (i = 2; i < n && is_hex(p[i]); i++)
            ;
        return i < n && is_alnum(p[i]) ? 0 : i;
    }
    for (; i < n && is_alnum(p[i]); i++) {
        if (!is_hex(p[i]))
            return 0;
        has_digit |= is_digit(p[i]);
    }
    return has_digit ? i : 0;
}

static void keep_time(const char *p, size_t n, char *time, size_t time_size)
{
    if (!time || time_size == 0)
        return;
    plugin_textf(time, time_size, "%.*s", (int)(n < time_size ? n : time_size - 1), p);
}

/* At a word start: a timestamp or a number becomes one symbol. Returns the
 * bytes consumed, 0 when P starts neither. */
static size_t symbol_at(struct key_out *k, const char *p, size_t n, char *time,
                        size_t time_size, long long *seconds)
{
    const char *inner = NULL, *stamp = p;
    size_t inner_len = 0, m;
    long long secs = -1;
    if ((m = match_logfmt(p, n, &inner, &inner_len, &secs)) > 0) {
        stamp = inner;
    } else if ((m = match_stamp(p, n, &secs)) > 0) {
        inner_len = m;
    } else if ((m = number_word(p, n)) > 0) {
        put(k, '#');
        return m;
    } else {
        return 0;
    }
    if (!k->timed) {
        k->timed = 1;
        keep_time(stamp, inner_len, time, time_size);
        *seconds = secs;
    }
    put_text(k, "<t>");
    return m;
}

size_t log_normalize(const char *line, size_t len, char *out, size_t size,
                     char *time, size_t time_size, long long *seconds)
{
    struct key_out k = {out, size < LOG_KEY_MAX ? size : LOG_KEY_MAX, 0, 0};
    long long unused = -1;
    size_t i = 0;
    if (time && time_size)
        time[0] = '\0';
    if (!seconds)
        seconds = &unused;
    *seconds = -1;
    while (i < len && k.used + 1 < k.size) {
        char c = line[i];
        size_t m;
        if ((i == 0 || !is_alnum(line[i - 1])) &&
            (m = symbol_at(&k, line + i, len - i, time, time_size, seconds)) > 0) {
            i += m;
        } else if (is_digit(c)) {
            put(&k, '#');
            while (i < len && is_digit(line[i]))
                i++;
        } else if (is_blank(c)) {
            if (k.used > 0 && k.out[k.used - 1] != ' ')
                put(&k, ' ');
            while (i < len && is_blank(line[i]))
                i++;
        } else {
            put(&k, c);
            i++;
        }
    }
    while (k.used > 0 && k.out[k.used - 1] == ' ')
        k.used--;
    if (size)
        out[k.used] = '\0';
    return k.used;
}

/* ---- failure lines --------------------------------------------------------- */

/* A word goes on through letters, digits and '_' (error_count is a key's
 * name, not an error). */
static int is_word_char(char c) { return is_alnum(c) || c == '_'; }

/* The length of WORD (lower case) at LINE[I], case-insensitive, with a
 * plural s, when a word ends there ("errors", not "errorless"); else 0. */
static size_t word_at(const char *line, size_t len, size_t i, const char *word)
{
    size_t n;
    if (lower(line[i]) != word[0]) /* every word of every line is tried */
        return 0;
    n = strlen(word);
    if (i + n > len)
        return 0;
    for (size_t j = 0; j < n; j++)
        if (lower(line[i + j]) != word[j])
            return 0;
    if (i + n < len && lower(line[i + n]) == 's' &&
        (i + n + 1 == len || !is_word_char(line[i + n + 1])))
        return n + 1;
    return i + n < len && is_word_char(line[i + n]) ? 0 : n;
}

/* Whether the N bytes at P are a number that is zero ("0", "000"). */
static int is_zero(const char *p, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] != '0')
            return 0;
    return 1;
}

/* Whether the N bytes at P are WORD (lower case), case-insensitive. */
static int is_word(const char *p, size_t n, const char *word)
{
    if (n != strlen(word))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(p[i]) != word[i])
            return 0;
    return 1;
}

/* The failure word at LINE[START, END) counts none: "0 errors", "no
 * error(s)", "zero failures", "without errors" before it, or a zero value
 * after it ("errors: 0", "failed=0"). A healthy run's summary says these. */
static int negated(const char *line, size_t len, size_t start, size_t end)
{
    size_t j = start, w, k;
    while (j > 0 && is_blank(line[j - 1]))
        j--;
    for (w = j; w > 0 && is_alnum(line[w - 1]); w--)
        ;
    if (is_zero(line + w, j - w) || is_word(line + w, j - w, "no") ||
        is_word(line + w, j - w, "zero") || is_word(line + w, j - w, "without"))
        return 1;
    for (j = end; j < len && is_blank(line[j]); j++)
        ;
    if (j >= len || (line[j] != ':' && line[j] != '='))
        return 0;
    for (j++; j < len && is_blank(line[j]); j++)
        ;
    for (k = j; k < len && is_digit(line[k]); k++)
        ;
    return is_zero(line + j, k - j) && (k == len || (!is_alnum(line[k]) && line[k] != '.'));
}

/* After "exit status" and the like: a number other than 0 follows. */
static int nonzero_after(const char *line, size_t len, size_t i)
{
    int any = 0;
    while (i < len && (line[i] == ' ' || line[i] == ':' || line[i] == '=' || line[i] == '-'))
        i++;
    if (i >= len || !is_digit(line[i]))
        return 0;
    for (; i < len && is_digit(line[i]); i++)
        any |= line[i] != '0';
    return any;
}

/* The first letters of log_is_failure's words, both cases. */
static const unsigned char starts_a_failure_word[256] = {
    ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['p'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
    ['u'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['P'] = 1, ['R'] = 1, ['S'] = 1,
    ['T'] = 1, ['U'] = 1};

int log_is_failure(const char *line, size_t len)
{
    static const char *const words[] = {
        "error", "errored", "failed", "failure", "fatal", "denied", "refused", "cannot",
        "can't", "unable to", "panic", "exception", "traceback", "timed out",
        "segmentation fault", NULL};
    static const char *const exits[] = {
        "exit status", "exit code", "exit_code", "exitcode", "exited with code",
        "exited with status", NULL};
    for (size_t i = 0; i < len; i++) {
        size_t n;
        char c = lower(line[i]);
        /* First letters before anything else: a 200 MiB capture spent a
         * sixth of its CPU trying every word at every word start. */
        if (!starts_a_failure_word[(unsigned char)line[i]] || (i > 0 && is_alpha(line[i - 1])))
            continue;
        for (size_t w = 0; words[w]; w++)
            if (words[w][0] == c && (n = word_at(line, len, i, words[w])) > 0 &&
                !negated(line, len, i, i + n))
                return 1;
        for (size_t w = 0; exits[w]; w++)
            if (exits[w][0] == c && word_at(line, len, i, exits[w]) &&
                nonzero_after(line, len, i + strlen(exits[w])))
                return 1;
    }
    return 0;
}

/* ---- grouping -------------------------------------------------------------- */

struct group {
    uint64_t hash;
    size_t key_off, key_len;
    size_t count;
    size_t order; /* when first seen */
    char first_time[LOG_TIME_MAX];
    char last_time[LOG_TIME_MAX];
    long long first_secs, last_secs;
    const char *example; /* into the text being summarised */
    size_t example_len;
};

struct groups {
    struct group *v;
    size_t n, cap;
    uint32_t *index; /* open addressing: group number + 1, 0 when empty */
    size_t index_size;  /* a power of two, at least twice cap */
    char *keys;
    size_t keys_used, keys_size;
};

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static int groups_init(struct groups *g, size_t max_groups)
{
    memset(g, 0, sizeof *g);
    g->cap = max_groups ? max_groups : 1;
    g->index_size = 16;
    while (g->index_size < g->cap * 2)
        g->index_size *= 2;
    g->v = calloc(g->cap, sizeof *g->v);
    g->index = calloc(g->index_size, sizeof *g->index);
    if (!g->v || !g->index)
        return -ENOMEM;
    return 0;
}

static void groups_free(struct groups *g)
{
    free(g->v);
    free(g->index);
    free(g->keys);
}

static int keys_append(struct groups *g, const char *key, size_t n, size_t *off)
{
    if (g->keys_used + n > g->keys_size) {
        size_t bigger = g->keys_size ? g->keys_size : 4096;
        char *grown;
        while (bigger < g->keys_used + n)
            bigger *= 2;
        grown = realloc(g->keys, bigger);
        if (!grown)
            return -ENOMEM;
        g->keys = grown;
        g->keys_size = bigger;
    }
    memcpy(g->keys + g->keys_used, key, n);
    *off = g->keys_used;
    g->keys_used += n;
    return 0;
}

/* The group of KEY, made when new; NULL on ENOMEM or when full (cannot be:
 * cap is the number of lines). */
static struct group *groups_find(struct groups *g, const char *key, size_t n)
{
    uint64_t h = fnv1a(key, n);
    size_t slot = (size_t)h & (g->index_size - 1);
    struct group *gr;
    while (g->index[slot]) {
        gr = &g->v[g->index[slot] - 1];
        if (gr->hash == h && gr->key_len == n && memcmp(g->keys + gr->key_off, key, n) == 0)
            return gr;
        slot = (slot + 1) & (g->index_size - 1);
    }
    if (g->n == g->cap)
        return NULL;
    gr = &g->v[g->n];
    if (keys_append(g, key, n, &gr->key_off) < 0)
        return NULL;
    gr->hash = h;
    gr->key_len = n;
    gr->order = g->n;
    gr->first_secs = gr->last_secs = -1;
    g->index[slot] = (uint32_t)++g->n;
    return gr;
}

static void group_add(struct group *gr, const char *line, size_t len,
                      const char *time, long long secs)
{
    if (time[0]) {
        if (!gr->first_time[0]) {
            plugin_textf(gr->first_time, sizeof gr->first_time, "%s", time);
            gr->first_secs = secs;
        }
        plugin_textf(gr->last_time, sizeof gr->last_time, "%s", time);
        gr->last_secs = secs;
    }
    gr->example = line;
    gr->example_len = len;
    gr->count++;
}

/* ---- the summary ----------------------------------------------------------- */

/* LEN bytes at TEXT into OUT, cut at a blank when too long: never through
 * the middle of a word, which could be a secret the core's shape rules
 * would no longer recognise once cut. */
static void copy_line(char *out, size_t size, const char *text, size_t len)
{
    size_t n = len;
    if (n >= size) {
        n = size - 4;
        while (n > 0 && !is_blank(text[n]))
            n--;
        plugin_textf(out, size, "%.*s...", (int)n, text);
        return;
    }
    plugin_textf(out, size, "%.*s", (int)n, text);
}

/* Where the lines looked at start: after a partial first line when the
 * head was cut, and no more than MAX_LINES before the end. */
static size_t first_line(const char *text, size_t len, int head_cut, size_t max_lines,
                         struct log_summary *out)
{
    size_t start = 0, end = len, seen = 0;
    if (head_cut) {
        const char *nl = memchr(text, '\n', len);
        start = nl ? (size_t)(nl - text) + 1 : len;
    }
    if (end > start && text[end - 1] == '\n')
        end--;
    for (size_t i = end; i > start; i--) {
        if (text[i - 1] != '\n')
            continue;
        if (++seen == max_lines) {
            out->lines_cut = 1;
            return i;
        }
    }
    return start;
}

static int by_count(const void *a, const void *b)
{
    const struct group *x = *(const struct group *const *)a;
    const struct group *y = *(const struct group *const *)b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void group_to_repeat(const struct group *gr, struct log_repeat *r)
{
    r->count = gr->count;
    plugin_textf(r->first_time, sizeof r->first_time, "%s", gr->first_time);
    plugin_textf(r->last_time, sizeof r->last_time, "%s", gr->last_time);
    r->span_seconds = gr->first_secs >= 0 && gr->last_secs >= gr->first_secs
                          ? gr->last_secs - gr->first_secs
                          : -1;
    copy_line(r->example, sizeof r->example, gr->example, gr->example_len);
}

/* The groups over the threshold, the most repeated first. */
static int pick_repeats(const struct groups *g, size_t threshold, struct log_summary *out)
{
    const struct group **big;
    size_t n = 0;
    if (g->n == 0)
        return 0;
    big = malloc(g->n * sizeof *big);
    if (!big)
        return -ENOMEM;
    for (size_t i = 0; i < g->n; i++)
        if (g->v[i].count > threshold)
            big[n++] = &g->v[i];
    qsort(big, n, sizeof *big, by_count);
    for (size_t i = 0; i < n && i < LOG_MAX_REPEATS; i++)
        group_to_repeat(big[i], &out->repeats[out->n_repeats++]);
    free(big);
    return 0;
}

/* One line (without its newline) of the tail. */
static int take_line(struct groups *g, const char *line, size_t len, struct log_summary *out,
                     const char **last, size_t *last_len)
{
    char key[LOG_KEY_MAX], time[LOG_TIME_MAX];
    long long secs;
    struct group *gr;
    size_t n;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (len == 0)
        return 0;
    if (memchr(line, '\0', len)) {
        out->binary_lines++;
        return 0;
    }
    out->lines++;
    if (!log_is_failure(line, len))
        return 0;
    out->failures++;
    *last = line;
    *last_len = len;
    n = log_normalize(line, len, key, sizeof key, time, sizeof time, &secs);
    gr = groups_find(g, key, n);
    if (!gr)
        return -ENOMEM;
    group_add(gr, line, len, time, secs);
    return 0;
}

static size_t count_lines(const char *text, size_t len)
{
    size_t n = 1;
    for (const char *p = text; (p = memchr(p, '\n', len - (size_t)(p - text))) != NULL; p++)
        n++;
    return n;
}

int log_summarize(const char *text, size_t len, int head_cut,
                  const struct log_limits *lim, struct log_summary *out)
{
    struct groups g;
    const char *last = NULL;
    size_t last_len = 0, pos;
    int rc;
    memset(out, 0, sizeof *out);
    out->bytes_cut = head_cut;
    pos = first_line(text, len, head_cut, lim->max_lines, out);
    rc = groups_init(&g, count_lines(text + pos, len - pos));
    while (rc == 0 && pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        rc = take_line(&g, text + pos, end - pos, out, &last, &last_len);
        pos = end + 1;
    }
    if (rc == 0)
        rc = pick_repeats(&g, lim->threshold, out);
    if (rc == 0 && last) {
        out->has_last_failure = 1;
        copy_line(out->last_failure, sizeof out->last_failure, last, last_len);
    }
    groups_free(&g);
    return rc;
}

void log_span_text(long long seconds, char *out, size_t size)
{
    long long d = seconds / 86400, h = seconds / 3600 % 24, m = seconds / 60 % 60,
              s = seconds % 60;
    if (seconds < 0)
        plugin_textf(out, size, "unknown");
    else if (d > 0)
        plugin_textf(out, size, "%lldd%02lldh%02lldm", d, h, m);
    else if (h > 0)
        plugin_textf(out, size, "%lldh%02lldm%02llds", h, m, s);
    else if (m > 0)
        plugin_textf(out, size, "%lldm%02llds", m, s);
    else
        plugin_textf(out, size, "%llds", s);
}

void log_repeat_when(const struct log_repeat *r, char *out, size_t size)
{
    char span[32];
    if (!r->first_time[0]) {
        plugin_textf(out, size, "no timestamps");
        return;
    }
    if (r->span_seconds < 0) {
        plugin_textf(out, size, "from %s to %s", r->first_time, r->last_time);
        return;
    }
    log_span_text(r->span_seconds, span, sizeof span);
    plugin_textf(out, size, "from %s to %s, %s", r->first_time, r->last_time, span);
}

/* ---- through the core ------------------------------------------------------ */

void log_limits_from_params(sourceos_ctx *ctx, struct log_limits *lim)
{
    lim->max_bytes = plugin_param_uint(ctx, "log_tail_bytes", 4096, 64u << 20, LOG_TAIL_BYTES);
    lim->max_lines = plugin_param_uint(ctx, "log_tail_lines", 1, 1000000, LOG_TAIL_LINES);
    lim->threshold = plugin_param_uint(ctx, "log_repeat_threshold", 1, 1000000,
                                       LOG_REPEAT_THRESHOLD);
}

/* The home (host view) PATH lies in, into HOME: one the core lists, else
 * /Users/NAME, /home/NAME, /var/home/NAME or /root by its name. */
static int home_of(sourceos_ctx *ctx, const char *path, char *home, size_t size)
{
    static const char *const bases[] = {"/Users/", "/home/", "/var/home/", NULL};
    size_t n = sourceos_home_count(ctx);
    for (size_t i = 0; i < n; i++) {
        const char *h = sourceos_home_at(ctx, i, NULL);
        size_t len = h ? strlen(h) : 0;
        if (len > 1 && strncmp(path, h, len) == 0 && path[len] == '/') {
            plugin_textf(home, size, "%s", h);
            return 1;
        }
    }
    if (strncmp(path, "/root/", 6) == 0) {
        plugin_textf(home, size, "/root");
        return 1;
    }
    for (size_t b = 0; bases[b]; b++) {
        size_t len = strlen(bases[b]), name = strcspn(path + len, "/");
        if (strncmp(path, bases[b], len) == 0 && name > 0 && path[len + name] == '/') {
            plugin_textf(home, size, "%.*s", (int)(len + name), path);
            return 1;
        }
    }
    return 0;
}

int log_owner_for(sourceos_ctx *ctx, const char *service_file, uid_t *owner)
{
    char home[4096];
    const char *of = home_of(ctx, service_file, home, sizeof home) ? home : service_file;
    const char *real = sourceos_host_path(ctx, of);
    struct stat st;
    if (!real)
        return sourceos_host_path_error(ctx, of);
    if (stat(real, &st) < 0)
        return -errno;
    plugin_as_captured(ctx, of, &st);
    *owner = st.st_uid;
    return 0;
}

int log_tail_summarize(sourceos_ctx *ctx, const char *path, uid_t owner,
                       const struct log_limits *lim, struct log_summary *out)
{
    const char *data = NULL;
    size_t len = 0;
    uid_t found = owner;
    int rc = sourceos_read_file_tail_owned(ctx, path, lim->max_bytes, owner, &found, &data,
                                           &len);
    if (rc < 0) {
        memset(out, 0, sizeof *out);
        out->found_owner = found;
        return rc;
    }
    return log_summarize(data, len, rc == 1, lim, out);
}

int log_tail_last_failure(sourceos_ctx *ctx, const char *path, uid_t owner, char *out,
                          size_t size)
{
    struct log_limits lim;
    struct log_summary *s = malloc(sizeof *s);
    int rc;
    if (!s)
        return -ENOMEM;
    log_limits_from_params(ctx, &lim);
    rc = log_tail_summarize(ctx, path, owner, &lim, s);
    if (rc == 0 && s->has_last_failure) {
        plugin_textf(out, size, "%s", s->last_failure);
        rc = 1;
    } else if (rc == 0 && size) {
        out[0] = '\0';
    }
    free(s);
    return rc;
}

void log_repeat_evidence(sourceos_finding *fd, const struct log_summary *s,
                         const struct log_repeat *r)
{
    char text[32];
    plugin_textf(text, sizeof text, "%zu", r->count);
    sourceos_finding_evidence(fd, "count", text);
    sourceos_finding_evidence(fd, "first_seen", r->first_time);
    sourceos_finding_evidence(fd, "last_seen", r->last_time);
    if (r->span_seconds >= 0)
        plugin_textf(text, sizeof text, "%lld", r->span_seconds);
    else
        text[0] = '\0';
    sourceos_finding_evidence(fd, "span_seconds", text);
    sourceos_finding_evidence(fd, "example", r->example);
    plugin_textf(text, sizeof text, "%zu", s->lines);
    sourceos_finding_evidence(fd, "lines_read", text);
    sourceos_finding_evidence(fd, "tail_cut", s->bytes_cut   ? "bytes"
                                              : s->lines_cut ? "lines"
                                                             : "no");
}

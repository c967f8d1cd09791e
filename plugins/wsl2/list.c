/* wsl2: what `wsl.exe -l -v` and `wsl.exe --status` say, from their
 * decoded text. The table's header and states are localized (German
 * Windows prints "STATUS" and "Wird ausgeführt"), so rows are read by
 * shape, not by words: an optional '*', a name without spaces, a state,
 * and the version as the last word. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wsl2.h"

#define MAX_WORDS 16
#define LINE_MAX_BYTES 1024

/* What wsl.exe prints instead of a table when there is nothing to list
 * (the message, or the error code newer versions add below it). */
static const char *const no_distro_markers[] = {
    "has no installed distributions",
    "WSL_E_DEFAULT_DISTRO_NOT_FOUND",
};

struct line {
    char text[LINE_MAX_BYTES];
    char *words[MAX_WORDS];
    size_t n_words;
    int too_long; /* cut at LINE_MAX_BYTES or MAX_WORDS */
};

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Copies the line [START, END) and splits it into words in place. */
static void split_line(const char *start, const char *end, struct line *l)
{
    size_t n = (size_t)(end - start);
    char *p;
    l->too_long = n >= sizeof l->text;
    if (l->too_long)
        n = sizeof l->text - 1;
    memcpy(l->text, start, n);
    l->text[n] = '\0';
    l->n_words = 0;
    p = l->text;
    for (;;) {
        while (is_blank(*p))
            *p++ = '\0';
        if (!*p)
            break;
        if (l->n_words == MAX_WORDS) {
            l->too_long = 1;
            break;
        }
        l->words[l->n_words++] = p;
        while (*p && !is_blank(*p))
            p++;
    }
}

static int says_no_distros(const char *start, const char *end)
{
    for (size_t i = 0; i < sizeof no_distro_markers / sizeof *no_distro_markers; i++) {
        size_t m = strlen(no_distro_markers[i]);
        for (const char *p = start; p + m <= end; p++)
            if (memcmp(p, no_distro_markers[i], m) == 0)
                return 1;
    }
    return 0;
}

static int version_of(const char *word)
{
    if (!strcmp(word, "1"))
        return 1;
    if (!strcmp(word, "2"))
        return 2;
    return 0;
}

/* Joins WORDS[FROM, TO) with single spaces into OUT; -1 when it does not
 * fit. */
static int join_words(char *const *words, size_t from, size_t to, char *out,
                      size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = from; i < to; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i > from ? " " : "", words[i]);
        if (n < 0 || (size_t)n >= size - used)
            return -1;
        used += (size_t)n;
    }
    return 0;
}

/* Reads L as a row into D; -1 when it is not one. */
static int parse_row(const struct line *l, struct wsl_distro *d)
{
    char *const *w = l->words;
    size_t n = l->n_words, first = 0;
    memset(d, 0, sizeof *d);
    if (l->too_long || n == 0)
        return -1;
    if (!strcmp(w[0], "*")) {
        d->is_default = 1;
        first = 1;
    } else if (w[0][0] == '*') {
        d->is_default = 1; /* "*Name": no space after the marker */
    }
    if (n - first < 3 || !(d->version = version_of(w[n - 1])))
        return -1;
    if (snprintf(d->name, sizeof d->name, "%s", w[first] + (w[first][0] == '*')) >=
            (int)sizeof d->name ||
        !d->name[0])
        return -1;
    return join_words(w, first + 1, n - 1, d->state, sizeof d->state);
}

static void note_line(struct wsl_list *out, const struct line *l,
                      const char *start, const char *end)
{
    struct wsl_distro d;
    if (says_no_distros(start, end)) {
        out->no_distros = 1;
        return;
    }
    if (parse_row(l, &d) == 0) {
        if (out->n < WSL_LIST_MAX)
            out->distros[out->n++] = d;
        else
            out->cut = 1;
        return;
    }
    /* The header is the first line that is not a row, before any row. */
    if (!out->header && out->n == 0 && l->n_words >= 3 && !l->too_long)
        out->header = 1;
    else
        out->unknown_lines++;
}

enum wsl_parse_error wsl_parse_list(const char *text, size_t len,
                                    struct wsl_list *out)
{
    const char *p = text, *end = text + len;
    struct line line, *l = &line;
    int any = 0;
    memset(out, 0, sizeof *out);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        split_line(p, stop, l);
        if (l->n_words > 0) {
            if (!any)
                snprintf(out->message, sizeof out->message, "%.*s",
                         (int)(stop - p < WSL_MESSAGE_MAX ? stop - p : WSL_MESSAGE_MAX - 1), p);
            any = 1;
            note_line(out, l, p, stop);
        }
        p = stop + 1;
    }
    if (!any)
        return WSL_PARSE_EMPTY;
    return out->n > 0 || out->no_distros ? WSL_PARSE_OK : WSL_PARSE_NO_TABLE;
}

const struct wsl_distro *wsl_list_find(const struct wsl_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcasecmp(l->distros[i].name, name) == 0)
            return &l->distros[i];
    return NULL;
}

/* The value after "KEY:" at the start of L (case-insensitive), or NULL. */
static const char *value_after(const char *line, const char *key)
{
    size_t k = strlen(key);
    const char *v;
    if (strncasecmp(line, key, k) != 0 || line[k] != ':')
        return NULL;
    v = line + k + 1;
    while (is_blank(*v))
        v++;
    return v;
}

static void read_status_line(const char *line, struct wsl_status *out, int *seen)
{
    const char *v;
    if ((v = value_after(line, "Default Distribution")) != NULL) {
        if (*v && strlen(v) < sizeof out->default_distro && !strpbrk(v, " \t")) {
            snprintf(out->default_distro, sizeof out->default_distro, "%s", v);
            *seen = 1;
        }
    } else if ((v = value_after(line, "Default Version")) != NULL) {
        out->default_version = version_of(v);
        *seen |= out->default_version != 0;
    }
}

enum wsl_parse_error wsl_parse_status(const char *text, size_t len,
                                      struct wsl_status *out)
{
    const char *p = text, *end = text + len;
    char line[LINE_MAX_BYTES];
    int any = 0, seen = 0;
    memset(out, 0, sizeof *out);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        size_t n = (size_t)(stop - p);
        while (p < stop && is_blank(*p))
            p++, n--;
        while (n > 0 && is_blank(p[n - 1]))
            n--;
        if (n > 0 && n < sizeof line) {
            memcpy(line, p, n);
            line[n] = '\0';
            read_status_line(line, out, &seen);
        }
        any |= n > 0;
        p = stop + 1;
    }
    if (!any)
        return WSL_PARSE_EMPTY;
    return seen ? WSL_PARSE_OK : WSL_PARSE_NO_TABLE;
}

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edit_distance.h"
#include "findings_doc.h"
#include "rootfs.h"

/* A row's cells: code, severity, meaning, what to do. */
enum { CELLS = 4 };

void sos_findings_doc_free(struct sos_findings_doc *doc)
{
    for (size_t i = 0; doc && i < doc->n; i++) {
        struct sos_finding_doc *r = &doc->rows[i];
        free(r->code);
        free(r->severity);
        free(r->section);
        free(r->meaning);
        free(r->todo);
    }
    if (doc) {
        free(doc->rows);
        doc->rows = NULL;
        doc->n = 0;
    }
}

/* S[0..LEN) without surrounding blanks and with GFM's `\|` (a pipe inside
 * a cell, code spans too) read as `|`. */
static char *cell_text(const char *s, size_t len)
{
    char *out, *o;
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    o = out = malloc(len + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len && s[i + 1] == '|')
            i++;
        *o++ = s[i];
    }
    *o = '\0';
    return out;
}

/* Splits LINE ("| a | b |", LEN bytes, no newline) at its unescaped pipes
 * into exactly CELLS cells: 0, or -1 when it has another count. */
static int split_cells(const char *line, size_t len, char *cells[CELLS])
{
    size_t start = 1, n = 0;
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\r'))
        len--;
    if (len < 2 || line[0] != '|' || line[len - 1] != '|')
        return -1;
    for (size_t i = 1; i < len; i++) {
        if (line[i] != '|' || line[i - 1] == '\\')
            continue;
        if (n == CELLS || !(cells[n] = cell_text(line + start, i - start)))
            goto fail;
        n++;
        start = i + 1;
    }
    if (n == CELLS)
        return 0;
fail:
    while (n > 0)
        free(cells[--n]);
    return -1;
}

/* The code of a code cell: `plugin.name`, backticks stripped; NULL when
 * the cell is not one code in backticks. */
static char *code_of(const char *cell)
{
    size_t len = strlen(cell);
    if (len < 3 || cell[0] != '`' || cell[len - 1] != '`' ||
        memchr(cell + 1, '`', len - 2) || !memchr(cell + 1, '.', len - 2))
        return NULL;
    return strndup(cell + 1, len - 2);
}

/* The heading's first word: "## launchd (launchd plugin...)" -> launchd. */
static char *section_of(const char *line, size_t len)
{
    size_t start = 3, end;
    while (start < len && line[start] == ' ')
        start++;
    end = start;
    while (end < len && line[end] != ' ' && line[end] != '\r')
        end++;
    return strndup(line + start, end - start);
}

static void free_cells(char *cells[CELLS])
{
    for (int i = 0; i < CELLS; i++)
        free(cells[i]);
}

/* Takes CELLS and CODE, on failure too. */
static int add_row(struct sos_findings_doc *doc, char *cells[CELLS], char *code,
                   const char *section, size_t *cap)
{
    struct sos_finding_doc *r;
    if (doc->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        struct sos_finding_doc *grown = realloc(doc->rows, ncap * sizeof *grown);
        if (!grown) {
            free_cells(cells);
            free(code);
            return -1;
        }
        doc->rows = grown;
        *cap = ncap;
    }
    r = &doc->rows[doc->n];
    r->code = code;
    r->severity = cells[1];
    r->meaning = cells[2];
    r->todo = cells[3];
    r->section = strdup(section ? section : "");
    free(cells[0]);
    if (!r->section) {
        free(r->code), free(r->severity), free(r->meaning), free(r->todo);
        return -1;
    }
    doc->n++;
    return 0;
}

int sos_findings_doc_parse(const char *text, size_t len, const char *name,
                           struct sos_findings_doc *doc, sos_error *err)
{
    const char *p = text, *end = text + len;
    char *section = NULL;
    size_t cap = 0, lineno = 0;
    int rc = 0;

    doc->rows = NULL;
    doc->n = 0;
    if (memchr(text, '\0', len))
        return sos_fail(err, "%s: a NUL byte: not the findings page (text)", name);
    for (; p < end && rc == 0; lineno++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *cells[CELLS], *code;

        if (n >= 3 && strncmp(p, "## ", 3) == 0) {
            free(section);
            if (!(section = section_of(p, n)))
                rc = sos_fail(err, "%s: out of memory", name);
        } else if (n >= 3 && strncmp(p, "| `", 3) == 0) {
            if (split_cells(p, n, cells) != 0)
                rc = sos_fail(err, "%s:%zu: a code row needs 4 cells "
                              "(| `code` | severity | meaning | what to do |)", name, lineno + 1);
            else if (!(code = code_of(cells[0]))) {
                rc = sos_fail(err, "%s:%zu: the first cell is not one `plugin.code`", name,
                              lineno + 1);
                free_cells(cells);
            } else if (sos_findings_doc_find(doc, code)) {
                rc = sos_fail(err, "%s:%zu: code %s is listed twice", name, lineno + 1, code);
                free(code);
                free_cells(cells);
            } else if (add_row(doc, cells, code, section, &cap) != 0)
                rc = sos_fail(err, "%s: out of memory", name);
        }
        p += n + (nl != NULL);
    }
    free(section);
    if (rc == 0 && doc->n == 0)
        rc = sos_fail(err, "%s: no finding code rows: not the findings page", name);
    if (rc != 0)
        sos_findings_doc_free(doc);
    return rc;
}

int sos_findings_doc_load(const char *path, struct sos_findings_doc *doc, sos_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = sos_rootfs_read("/", path, SOS_FINDINGS_DOC_MAX, &text, &len);
    doc->rows = NULL;
    doc->n = 0;
    if (rc < 0)
        return sos_fail(err, "cannot read %s: %s", path, strerror(-rc));
    if (rc == 1) {
        free(text);
        return sos_fail(err, "%s: larger than %u MiB: not the findings page", path,
                        SOS_FINDINGS_DOC_MAX >> 20);
    }
    rc = sos_findings_doc_parse(text, len, path, doc, err);
    free(text);
    return rc;
}

const struct sos_finding_doc *sos_findings_doc_find(const struct sos_findings_doc *doc,
                                                    const char *code)
{
    for (size_t i = 0; i < doc->n; i++)
        if (strcmp(doc->rows[i].code, code) == 0)
            return &doc->rows[i];
    return NULL;
}

struct candidate {
    const struct sos_finding_doc *row;
    size_t rank; /* lower is nearer */
};

static int by_rank(const void *a, const void *b)
{
    const struct candidate *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row; /* the page's order */
}

/* Ranks, nearest first: a typo (two edits), then a code one name holds
 * within the other ("keepalive" in launchd.keepalive-crashed), then one a
 * few edits away, then one of the same plugin; SIZE_MAX for none. */
static size_t rank_of(const char *code, const char *other)
{
    size_t len = strlen(code), d = sos_edit_distance(code, len, other, strlen(other));
    size_t limit = len / 3 > 2 ? len / 3 : 2, prefix = strcspn(code, ".");
    const char *name = code[prefix] ? code + prefix + 1 : code;
    const char *other_name = strchr(other, '.') ? strchr(other, '.') + 1 : other;
    if (d > SOS_EDIT_DISTANCE_MAX)
        d = SOS_EDIT_DISTANCE_MAX;
    if (d <= 2)
        return d;
    if (strlen(name) >= 3 && (strstr(other_name, name) ||
                  (strlen(other_name) >= 4 && strstr(name, other_name))))
        return 1 * (SOS_EDIT_DISTANCE_MAX + 1) + d;
    if (d <= limit)
        return 2 * (SOS_EDIT_DISTANCE_MAX + 1) + d;
    if (code[prefix] == '.' && strncmp(other, code, prefix + 1) == 0)
        return 3 * (SOS_EDIT_DISTANCE_MAX + 1) + d;
    return SIZE_MAX;
}

size_t sos_findings_doc_nearest(const struct sos_findings_doc *doc, const char *code,
                                const struct sos_finding_doc **out, size_t max)
{
    size_t n = 0;
    struct candidate *c = calloc(doc->n ? doc->n : 1, sizeof *c);
    if (!c)
        return 0;
    for (size_t i = 0; i < doc->n; i++) {
        size_t rank = rank_of(code, doc->rows[i].code);
        if (rank != SIZE_MAX)
            c[n++] = (struct candidate){&doc->rows[i], rank};
    }
    qsort(c, n, sizeof *c, by_rank);
    if (n > max)
        n = max;
    for (size_t i = 0; i < n; i++)
        out[i] = c[i].row;
    free(c);
    return n;
}

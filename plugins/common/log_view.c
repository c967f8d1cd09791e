/* The `logs` check: each log file's last lines, read through the core's
 * tail reader (under --root; a symlink leaving the root is not followed),
 * with repeated failure lines collapsed by log_tail.c's grouping key. The
 * lines leave as finding evidence, so the core redacts every one of them. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log_tail.h"
#include "log_view.h"
#include "plugin_util.h"

/* What is read of each file: enough for LOG_VIEW_LINES_MAX long lines. */
#define LOG_VIEW_BYTES (4u * 1024u * 1024u)

struct line {
    const char *p;
    size_t len;
};

/* The lines of TEXT (LEN bytes), the first dropped when HEAD_CUT (partial);
 * NULL on ENOMEM. A trailing newline ends the last line, it starts none. */
static struct line *split_lines(const char *text, size_t len, int head_cut, size_t *n)
{
    struct line *v;
    size_t cap = 1, k = 0;
    const char *p = text, *end = text + len;
    for (size_t i = 0; i < len; i++)
        cap += text[i] == '\n';
    if (!(v = calloc(cap, sizeof *v)))
        return NULL;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        size_t l = (size_t)(stop - p);
        if (l > 0 && p[l - 1] == '\r')
            l--;
        if (!(head_cut && p == text)) {
            v[k].p = p;
            v[k].len = l;
            k++;
        }
        p = stop + 1;
    }
    *n = k;
    return v;
}

/* Whether lines A and B are the same failure: both failure lines, with one
 * grouping key (timestamps, pids and counters aside). */
static int same_failure(const struct line *a, const struct line *b)
{
    char ka[LOG_KEY_MAX], kb[LOG_KEY_MAX];
    size_t la, lb;
    if (!log_is_failure(a->p, a->len) || !log_is_failure(b->p, b->len))
        return 0;
    la = log_normalize(a->p, a->len, ka, sizeof ka, NULL, 0, NULL);
    lb = log_normalize(b->p, b->len, kb, sizeof kb, NULL, 0, NULL);
    return la == lb && memcmp(ka, kb, la) == 0;
}

/* Appends to OUT the last WANT lines of V (a collapsed run counting as
 * one), oldest first; *COLLAPSED is the number of lines folded away. */
static int render(const struct line *v, size_t n, size_t want, char **out, size_t *shown,
                  size_t *collapsed)
{
    size_t start = n, runs = 0, used = 0, cap = 1;
    char *buf;
    /* Walk back over runs until WANT of them are taken. */
    while (start > 0 && runs < want) {
        size_t first = start - 1;
        while (first > 0 && same_failure(&v[first - 1], &v[start - 1]))
            first--;
        start = first;
        runs++;
    }
    for (size_t i = start; i < n; i++)
        cap += v[i].len + 32;
    if (!(buf = malloc(cap)))
        return -1;
    *shown = *collapsed = 0;
    for (size_t i = start; i < n;) {
        size_t j = i + 1;
        while (j < n && same_failure(&v[i], &v[j]))
            j++;
        /* The run's last line stands for it: the newest timestamp. */
        memcpy(buf + used, v[j - 1].p, v[j - 1].len);
        used += v[j - 1].len;
        if (j - i > 1)
            used += (size_t)snprintf(buf + used, cap - used, " [repeated %zu times]", j - i);
        buf[used++] = '\n';
        *collapsed += j - i - 1;
        (*shown)++;
        i = j;
    }
    buf[used] = '\0';
    *out = buf;
    return 0;
}

static unsigned wanted_lines(sourceos_ctx *ctx)
{
    return plugin_param_uint(ctx, "lines", 1, LOG_VIEW_LINES_MAX, LOG_VIEW_LINES);
}

/* A file that cannot be shown: not written yet, or refused. */
static void note_unreadable(sourceos_ctx *ctx, const char *path, int rc)
{
    sourceos_finding *f;
    if (rc == -ENOENT || rc == -ENOTDIR) {
        f = sourceos_finding_add(ctx, "logs.missing", SOURCEOS_SEV_INFO,
                                 "%s does not exist (nothing logged yet)", path);
    } else {
        f = sourceos_finding_add(ctx, "logs.unreadable", SOURCEOS_SEV_WARNING,
                                 "%s cannot be read: %s", path,
                                 rc == -EXDEV ? "a symlink that leaves the root (not followed)"
                                              : strerror(-rc));
        sourceos_finding_remediation(f, "Point the agent's logs at a regular file it owns "
                                        "(agents.d: logs.app, logs.stdout, logs.stderr).");
    }
    sourceos_finding_path(f, path);
    sourceos_finding_evidence(f, "path", path);
}

/* One file: its tail as a logs.tail finding. 1 when it has a failure line
 * (copied to LAST), 0 when not, -1 when it could not be read. */
static int view_file(sourceos_ctx *ctx, const char *path, unsigned want, char *last,
                     size_t last_size)
{
    const char *data = NULL;
    size_t len = 0, n = 0, shown = 0, collapsed = 0;
    struct line *v;
    char *tail = NULL, num[32];
    int rc = sourceos_read_file_tail(ctx, path, LOG_VIEW_BYTES, &data, &len), failure = 0;
    sourceos_finding *f;
    if (rc < 0) {
        note_unreadable(ctx, path, rc);
        return -1;
    }
    if (!(v = split_lines(data, len, rc == 1, &n)) ||
        render(v, n, want, &tail, &shown, &collapsed) < 0) {
        free(v);
        sourceos_finding_add(ctx, "logs.unreadable", SOURCEOS_SEV_WARNING,
                             "%s: out of memory reading it", path);
        return -1;
    }
    for (size_t i = n; i > 0 && !failure; i--)
        if (log_is_failure(v[i - 1].p, v[i - 1].len)) {
            plugin_textf(last, last_size, "%.*s", (int)v[i - 1].len, v[i - 1].p);
            failure = 1;
        }
    f = sourceos_finding_add(ctx, "logs.tail", SOURCEOS_SEV_INFO, "%s: last %zu of %zu lines",
                             path, shown, n);
    sourceos_finding_path(f, path);
    sourceos_finding_evidence(f, "path", path);
    sourceos_finding_evidence(f, "tail", tail);
    plugin_textf(num, sizeof num, "%zu", n);
    sourceos_finding_evidence(f, "lines", num);
    plugin_textf(num, sizeof num, "%zu", collapsed);
    sourceos_finding_evidence(f, "collapsed", num);
    if (failure)
        sourceos_finding_evidence(f, "last_failure", last);
    free(tail);
    free(v);
    return failure;
}

sourceos_status log_view_check(sourceos_ctx *ctx)
{
    size_t n = sourceos_param_count(ctx, "files");
    unsigned want = wanted_lines(ctx);
    char last[LOG_EXAMPLE_MAX] = "", line[LOG_EXAMPLE_MAX];
    int unreadable = 0;
    for (size_t i = 0; i < n; i++) {
        const char *path = sourceos_param_at(ctx, "files", i);
        int rc;
        if (!path || !*path)
            continue;
        rc = view_file(ctx, path, want, line, sizeof line);
        if (rc < 0)
            unreadable = 1;
        else if (rc == 1)
            plugin_textf(last, sizeof last, "%s", line);
    }
    if (last[0])
        sourceos_fact_set(ctx, "logs.last_failure", last);
    return unreadable ? SOURCEOS_WARNING : SOURCEOS_OK;
}

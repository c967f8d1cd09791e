/* Fuzz harness: log normalising and repeated-failure grouping
 * (plugins/common/log_tail.c). The input is a log's tail: log_summarize with
 * small limits (a few lines, the head cut, every repeat reported) and with
 * the defaults, then each line, in an allocation of its own length (the
 * functions take lengths, not strings), through log_is_failure and
 * log_normalize with room to spare and with little room. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/common/log_tail.h"

static void summarize(const char *text, size_t len, int head_cut,
                      const struct log_limits *lim)
{
    struct log_summary *s = malloc(sizeof *s);
    char when[256], small[8];
    if (s && log_summarize(text, len, head_cut, lim, s) == 0)
        for (size_t i = 0; i < s->n_repeats; i++) {
            log_repeat_when(&s->repeats[i], when, sizeof when);
            log_repeat_when(&s->repeats[i], small, sizeof small);
            log_span_text(s->repeats[i].span_seconds, small, sizeof small);
        }
    free(s);
}

static void one_line(const uint8_t *data, size_t len)
{
    char *line = malloc(len ? len : 1);
    char key[LOG_KEY_MAX], small[4], time[LOG_TIME_MAX], tiny[3];
    long long secs;
    if (!line)
        return;
    memcpy(line, data, len);
    (void)log_is_failure(line, len);
    (void)log_normalize(line, len, key, sizeof key, time, sizeof time, &secs);
    (void)log_normalize(line, len, small, sizeof small, tiny, sizeof tiny, &secs);
    (void)log_normalize(line, len, key, sizeof key, NULL, 0, NULL);
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct log_limits small = {.max_bytes = 4096, .max_lines = 8,
                                            .threshold = 1};
    static const struct log_limits defaults = {.max_bytes = LOG_TAIL_BYTES,
                                               .max_lines = LOG_TAIL_LINES,
                                               .threshold = LOG_REPEAT_THRESHOLD};
    /* An allocation of exactly SIZE bytes, so a read past the end is caught. */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    summarize(text, size, 1, &small);
    summarize(text, size, 0, &defaults);
    for (size_t i = 0; i < size;) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t len = nl ? (size_t)(nl - (data + i)) : size - i;
        one_line(data + i, len);
        i += len + 1;
    }
    free(text);
    return 0;
}

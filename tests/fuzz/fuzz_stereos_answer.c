/* Fuzz harness: an answer line of stereosd, as the stereos plugin reads it
 * (the shape of a pong and of a health, then the health's state and
 * agents), and the core's line splitter on the same bytes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "line_exchange.h"
#include "../../plugins/stereos/stereos.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly SIZE bytes plus the NUL the core hands over. */
    char *line = malloc(size + 1);
    sourceos_ctx *ctx;
    struct sourceos_line answer;
    if (!line)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0';
    (void)sos_line_first(line, size, size > 64 ? size - 64 : size);
    answer = (struct sourceos_line){.line = line, .line_len = size};
    ctx = fuzz_ctx_new();
    if (ctx) {
        (void)stereos_answer_shape(ctx, "tcp://127.0.0.1:1024", "ping", &answer, "pong");
        if (stereos_answer_shape(ctx, "tcp://127.0.0.1:1024", "get_health", &answer,
                                 "health") == SOURCEOS_OK)
            (void)stereos_judge_health(ctx, "tcp://127.0.0.1:1024", &answer);
    }
    fuzz_ctx_free(ctx);
    free(line);
    return 0;
}

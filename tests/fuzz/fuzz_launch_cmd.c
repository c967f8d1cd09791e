/* Fuzz harness: the launch command parser (plugins/common/launch_cmd.c) on
 * one service's argv. The input up to a line "#--script--" is the argv, its
 * words separated by NUL bytes (a trailing NUL ends the last word); the rest,
 * when present, is the script every absolute target reads as, and every host
 * path then exists. Without it no path exists, so nothing is followed. Files
 * and paths come from the stub (probe_stub.c), never from this machine. Then
 * what the lints ask of the result: the accounts for messages, the missing
 * paths, and the GNU-only options of every simple command. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/common/launch_cmd.h"

#define SEP "\n#--script--\n"

/* The input being run (test code: one input at a time). */
static struct {
    const char **argv;
    size_t argc;
    int has_script;
} In;

static const char *host_path(const char *path)
{
    (void)path;
    return In.has_script ? fuzz_tmpdir() : NULL;
}

static int file(const char *path, const char *input, size_t input_len,
                const char **text, size_t *len)
{
    const uint8_t *second;
    size_t first_len, second_len;
    (void)path;
    fuzz_split((const uint8_t *)input, input_len, SEP, &first_len, &second, &second_len);
    if (!In.has_script)
        return 0;
    *text = (const char *)second;
    *len = second_len;
    return 1;
}

static void judge(const struct launch_cmd *lc)
{
    char text[512], small[8];
    const char *hint = NULL;
    for (size_t i = 0; i < lc->n; i++) {
        launch_cmd_summary(&lc->cmds[i], text, sizeof text);
        launch_cmd_summary(&lc->cmds[i], small, sizeof small);
        launch_cmd_join(&lc->cmds[i], text, sizeof text);
        launch_cmd_join(&lc->cmds[i], small, sizeof small);
        (void)launch_gnu_only(&lc->cmds[i], &hint);
    }
    launch_cmd_account(lc, text, sizeof text);
    launch_cmd_account(lc, small, sizeof small);
    if (lc->target)
        (void)launch_store_path(lc->target, text, sizeof text);
    if (lc->final_program)
        (void)launch_store_path(lc->final_program, small, sizeof small);
}

static sourceos_status check(sourceos_ctx *ctx)
{
    struct launch_cmd lc;
    const char *missing[2];
    if (launch_cmd_parse(ctx, In.argv, In.argc, &lc) == 0) {
        judge(&lc);
        (void)launch_cmd_missing(ctx, &lc, missing);
    }
    launch_cmd_free(&lc);
    return SOURCEOS_OK;
}

/* The argv part's words (DATA, LEN bytes, NUL-separated), each in its own
 * allocation so that reading past a word's end is caught. */
static size_t split_words(const uint8_t *data, size_t len, char **argv)
{
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        const uint8_t *nul = memchr(data + i, '\0', len - i);
        size_t wlen = nul ? (size_t)(nul - (data + i)) : len - i;
        if (!(argv[n] = malloc(wlen + 1)))
            break;
        memcpy(argv[n], data + i, wlen);
        argv[n++][wlen] = '\0';
        i += wlen + 1;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fuzz_routes routes = {.file = file, .host_path = host_path};
    const uint8_t *second;
    size_t first_len, second_len;
    char **words;
    fuzz_split(data, size, SEP, &first_len, &second, &second_len);
    In.has_script = first_len < size;
    words = malloc((first_len + 1) * sizeof *words);
    if (words) {
        In.argc = split_words(data, first_len, words);
        In.argv = (const char **)words;
        fuzz_check(check, NULL, NULL, &routes, data, size);
        for (size_t i = 0; i < In.argc; i++)
            free(words[i]);
    }
    free(words);
    In.argv = NULL;
    In.argc = 0;
    return 0;
}

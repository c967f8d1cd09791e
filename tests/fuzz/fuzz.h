/* What the libFuzzer harnesses share: a stub of the probe API (commands,
 * files, host paths, HTTP, environment) answering with the fuzzer's input,
 * and a way to run a plugin's check on it with a real core context (so
 * findings, facts and JSON reading are the core's own). Linked with
 * -Wl,--wrap for each probe, so the plugins' calls reach the stub while the
 * rest of the core stays real. See tests/fuzz/README.md. */
#ifndef SOS_FUZZ_H
#define SOS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "sourceos/plugin.h"

struct fuzz_kv {
    const char *key;
    const char *value;
};

/* Answers for one run: the harness may route a command (by its argv) or a
 * file (by its path) to a fixed text instead of the input, and make host
 * directories exist. Each returns non-zero when it handled the request. */
struct fuzz_routes {
    /* Sets *TEXT to what ARGV prints (NUL-terminated, static). */
    int (*command)(const char *const argv[], const char **text);
    /* Sets *TEXT and *LEN to the contents of PATH; may point into the input. */
    int (*file)(const char *path, const char *input, size_t input_len,
                const char **text, size_t *len);
    /* A real path standing for host path PATH, or NULL (absent); also what
     * sourceos_host_path_error() answers (0, or -ENOENT). */
    const char *(*host_path)(const char *path);
};

/* Runs CHECK twice on DATA: once as the standard output of every command
 * (exit 0) and the contents of every file, once as the standard error of
 * every command (exit 1). PARAMS and FACTS end with {NULL, NULL}; ROUTES may
 * be NULL. */
void fuzz_check(sourceos_status (*check)(sourceos_ctx *ctx),
                const struct fuzz_kv *params, const struct fuzz_kv *facts,
                const struct fuzz_routes *routes, const uint8_t *data,
                size_t len);

/* A context for parsers that read JSON through the core; freed with
 * fuzz_ctx_free(). */
sourceos_ctx *fuzz_ctx_new(void);
void fuzz_ctx_free(sourceos_ctx *ctx);

/* A private directory made once per process (for harnesses that need a
 * real file), and DATA written to NAME in it; returns the path. */
const char *fuzz_tmpdir(void);
const char *fuzz_write_file(const char *name, const uint8_t *data, size_t len);

/* Splits DATA at the first SEP: *SECOND_LEN is 0 when there is none. */
void fuzz_split(const uint8_t *data, size_t len, const char *sep,
                size_t *first_len, const uint8_t **second, size_t *second_len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

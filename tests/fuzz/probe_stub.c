/* The probe API's stub for the fuzz harnesses (see fuzz.h): every command,
 * file and HTTP answer is the fuzzer's input unless the harness routes it.
 * Test code: the state of the one input being run is kept in globals. */
#include "config.h"

#include "fuzz.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctx.h"
#include "result.h"

static struct {
    char *input; /* NUL-terminated copy of the input */
    size_t len;
    int as_error; /* second pass: commands fail, input on stderr */
    const struct fuzz_routes *routes;
    void **made; /* answers handed out during this input */
    size_t n_made;
} S;

static void *made(void *p)
{
    void **grown = p ? realloc(S.made, (S.n_made + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(p);
        return NULL;
    }
    S.made = grown;
    S.made[S.n_made++] = p;
    return p;
}

static void forget_made(void)
{
    for (size_t i = 0; i < S.n_made; i++)
        free(S.made[i]);
    free(S.made);
    S.made = NULL;
    S.n_made = 0;
}

const struct sourceos_cmd *__wrap_sourceos_run(sourceos_ctx *ctx,
                                               const char *const argv[],
                                               const char *const env[],
                                               unsigned timeout_ms);
const struct sourceos_cmd *__wrap_sourceos_run(sourceos_ctx *ctx,
                                               const char *const argv[],
                                               const char *const env[],
                                               unsigned timeout_ms)
{
    static const struct sourceos_cmd not_started = {
        .exit_status = -1, .not_started = 1, .start_errno = ENOENT,
        .out = "", .err = ""};
    struct sourceos_cmd *r = made(calloc(1, sizeof *r));
    const char *fixed = NULL;
    (void)ctx, (void)env, (void)timeout_ms;
    if (!r)
        return &not_started;
    r->out = r->err = "";
    if (S.routes && S.routes->command && argv && S.routes->command(argv, &fixed)) {
        r->out = fixed;
        r->out_len = strlen(fixed);
    } else if (S.as_error) {
        r->exit_status = 1;
        r->err = S.input;
        r->err_len = S.len;
    } else {
        r->out = S.input;
        r->out_len = S.len;
    }
    r->duration = 0.001;
    return r;
}

int __wrap_sourceos_read_file(sourceos_ctx *ctx, const char *path,
                              size_t max_bytes, const char **data, size_t *len);
int __wrap_sourceos_read_file(sourceos_ctx *ctx, const char *path,
                              size_t max_bytes, const char **data, size_t *len)
{
    const char *text = S.input;
    size_t n = S.len;
    char *copy;
    (void)ctx;
    if (!path || !data || !len)
        return -EINVAL;
    if (path[0] != '/')
        return -EINVAL;
    if (S.routes && S.routes->file &&
        !S.routes->file(path, S.input, S.len, &text, &n))
        return -ENOENT;
    /* As the core does: cut at MAX_BYTES, always NUL-terminated, owned. */
    copy = made(malloc((n > max_bytes ? max_bytes : n) + 1));
    if (!copy)
        return -ENOMEM;
    memcpy(copy, text, n > max_bytes ? max_bytes : n);
    copy[n > max_bytes ? max_bytes : n] = '\0';
    *data = copy;
    *len = n > max_bytes ? max_bytes : n;
    return n > max_bytes;
}

/* As the core's tail read: the input's last MAX_BYTES bytes, 1 when cut. */
int __wrap_sourceos_read_file_tail(sourceos_ctx *ctx, const char *path,
                                   size_t max_bytes, const char **data, size_t *len);
int __wrap_sourceos_read_file_tail(sourceos_ctx *ctx, const char *path,
                                   size_t max_bytes, const char **data, size_t *len)
{
    const char *text = S.input;
    size_t n = S.len, keep;
    char *copy;
    (void)ctx;
    if (!path || !data || !len || path[0] != '/')
        return -EINVAL;
    if (S.routes && S.routes->file &&
        !S.routes->file(path, S.input, S.len, &text, &n))
        return -ENOENT;
    keep = n > max_bytes ? max_bytes : n;
    copy = made(malloc(keep + 1));
    if (!copy)
        return -ENOMEM;
    memcpy(copy, text + (n - keep), keep);
    copy[keep] = '\0';
    *data = copy;
    *len = keep;
    return n > max_bytes;
}

/* As the core's owned tail read: the input, whoever the owner asked. */
int __wrap_sourceos_read_file_tail_owned(sourceos_ctx *ctx, const char *path,
                                         size_t max_bytes, uid_t owner, uid_t *found,
                                         const char **data, size_t *len);
int __wrap_sourceos_read_file_tail_owned(sourceos_ctx *ctx, const char *path,
                                         size_t max_bytes, uid_t owner, uid_t *found,
                                         const char **data, size_t *len)
{
    (void)owner;
    (void)found;
    return __wrap_sourceos_read_file_tail(ctx, path, max_bytes, data, len);
}

const char *__wrap_sourceos_host_path(sourceos_ctx *ctx, const char *path);
const char *__wrap_sourceos_host_path(sourceos_ctx *ctx, const char *path)
{
    (void)ctx;
    if (path && S.routes && S.routes->host_path)
        return S.routes->host_path(path);
    return NULL;
}

/* Whether a host path exists, as sourceos_host_path() answers it: 0 when the
 * harness routes PATH to a real path, else -ENOENT (the harnesses' root does
 * not exist), so no check stats the fuzzing machine. */
int __wrap_sourceos_host_path_error(sourceos_ctx *ctx, const char *path);
int __wrap_sourceos_host_path_error(sourceos_ctx *ctx, const char *path)
{
    (void)ctx;
    if (!path)
        return -EINVAL;
    return __wrap_sourceos_host_path(ctx, path) ? 0 : -ENOENT;
}

const struct sourceos_http *__wrap_sourceos_http_get(sourceos_ctx *ctx,
                                                     const char *url,
                                                     const char *target,
                                                     unsigned timeout_ms);
const struct sourceos_http *__wrap_sourceos_http_get(sourceos_ctx *ctx,
                                                     const char *url,
                                                     const char *target,
                                                     unsigned timeout_ms)
{
    static struct sourceos_http refused = {.error = -ECONNREFUSED, .body = ""};
    struct sourceos_http *h = made(calloc(1, sizeof *h));
    (void)ctx, (void)url, (void)target, (void)timeout_ms;
    if (!h || S.as_error)
        return &refused;
    h->status = 200;
    h->body = S.input;
    h->body_len = S.len;
    h->duration = 0.001;
    return h;
}

/* A fixed environment, so runs do not depend on the fuzzing machine's. */
const char *__wrap_sourceos_getenv(sourceos_ctx *ctx, const char *name);
const char *__wrap_sourceos_getenv(sourceos_ctx *ctx, const char *name)
{
    static const struct fuzz_kv env[] = {
        {"HOME", "/home/fz"},
        {"USER", "fz"},
        {"XDG_RUNTIME_DIR", "/run/user/1000"},
        {"REGISTRY_AUTH_FILE", "/home/fz/auth.json"},
        {"DOCKER_CONFIG", "/home/fz/.docker"},
        {NULL, NULL},
    };
    (void)ctx;
    for (size_t i = 0; name && env[i].key; i++)
        if (strcmp(env[i].key, name) == 0)
            return env[i].value;
    return NULL;
}

/* ---- contexts ------------------------------------------------------------- */

struct fuzz_run {
    struct sos_check_decl decl;
    struct sos_param params[16];
    char *values[16];
    struct sos_kv facts[16];
    struct sos_check_result result;
};

static sourceos_ctx *ctx_for(struct fuzz_run *fr, const struct fuzz_kv *params,
                             const struct fuzz_kv *facts)
{
    struct sos_ctx_config config;
    size_t n = 0;
    memset(fr, 0, sizeof *fr);
    fr->decl.id = (char *)"fuzz.check";
    fr->decl.plugin = (char *)"fuzz";
    fr->decl.check = (char *)"check";
    for (; params && params[n].key && n < 16; n++) {
        fr->values[n] = (char *)params[n].value;
        fr->params[n].key = (char *)params[n].key;
        fr->params[n].values = &fr->values[n];
        fr->params[n].n_values = 1;
    }
    fr->decl.params = fr->params;
    fr->decl.n_params = n;
    memset(&config, 0, sizeof config);
    config.decl = &fr->decl;
    config.root = "/nonexistent/sourceos-fuzz-root";
    for (n = 0; facts && facts[n].key && n < 16; n++) {
        fr->facts[n].key = (char *)facts[n].key;
        fr->facts[n].value = (char *)facts[n].value;
    }
    config.facts = fr->facts;
    config.n_facts = n;
    return sos_ctx_new(&config, &fr->result);
}

static struct fuzz_run lone_run;

sourceos_ctx *fuzz_ctx_new(void)
{
    return ctx_for(&lone_run, NULL, NULL);
}

void fuzz_ctx_free(sourceos_ctx *ctx)
{
    sos_ctx_free(ctx);
    sos_check_result_free(&lone_run.result);
}

void fuzz_check(sourceos_status (*check)(sourceos_ctx *ctx),
                const struct fuzz_kv *params, const struct fuzz_kv *facts,
                const struct fuzz_routes *routes, const uint8_t *data,
                size_t len)
{
    S.input = malloc(len + 1);
    if (!S.input)
        return;
    memcpy(S.input, data, len);
    S.input[len] = '\0';
    S.len = len;
    S.routes = routes;
    for (S.as_error = 0; S.as_error < 2; S.as_error++) {
        struct fuzz_run fr;
        sourceos_ctx *ctx = ctx_for(&fr, params, facts);
        if (ctx)
            (void)check(ctx);
        sos_ctx_free(ctx);
        sos_check_result_free(&fr.result);
        forget_made();
    }
    free(S.input);
    S.input = NULL;
}

/* ---- files ---------------------------------------------------------------- */

static char tmp_dir[64];

static int remove_one(const char *path, const struct stat *st, int type,
                      struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    (void)remove(path);
    return 0;
}

/* The private directory goes when the fuzzer exits. */
static void remove_tmpdir(void)
{
    if (tmp_dir[0])
        nftw(tmp_dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_tmpdir(void)
{
    char *dir = tmp_dir;
    if (!dir[0]) {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(dir, sizeof tmp_dir, "%s/sos-fuzz.XXXXXX", base);
        if (!mkdtemp(dir))
            abort();
        atexit(remove_tmpdir);
    }
    return dir;
}

const char *fuzz_write_file(const char *name, const uint8_t *data, size_t len)
{
    static char path[256];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", fuzz_tmpdir(), name);
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        abort();
    return path;
}

void fuzz_split(const uint8_t *data, size_t len, const char *sep,
                size_t *first_len, const uint8_t **second, size_t *second_len)
{
    const uint8_t *at = memmem(data, len, sep, strlen(sep));
    *first_len = at ? (size_t)(at - data) : len;
    *second = at ? at + strlen(sep) : data + len;
    *second_len = at ? len - *first_len - strlen(sep) : 0;
}

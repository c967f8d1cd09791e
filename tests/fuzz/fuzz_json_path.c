/* Fuzz harness: the JSON path reader: the first line is a path, the rest a
 * document, read through sos_json_path() and the plugin API (get, count,
 * and a walk of every member of the object the path names). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include <jansson.h>

#include "json_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nl = memchr(data, '\n', size);
    size_t plen = nl ? (size_t)(nl - (const char *)data) : size;
    const char *doc = nl ? nl + 1 : (const char *)data + size;
    size_t dlen = size - plen - (nl ? 1 : 0);
    char *path = malloc(plen + 1);
    sourceos_ctx *ctx;
    json_t *root;
    long n;
    if (!path)
        return 0;
    memcpy(path, data, plen);
    path[plen] = '\0';
    root = json_loadb(doc, dlen, JSON_DECODE_ANY, NULL);
    free(sos_json_scalar_text(sos_json_path(root, path)));
    json_decref(root);
    ctx = fuzz_ctx_new();
    if (ctx) {
        (void)sourceos_json_get(ctx, doc, dlen, path);
        n = sourceos_json_count(ctx, doc, dlen, path);
        for (long i = 0; i < n && i < 100000; i++)
            (void)sourceos_json_key_at(ctx, doc, dlen, path, (size_t)i);
    }
    fuzz_ctx_free(ctx);
    free(path);
    return 0;
}

/* Fuzz harness: the podman/docker command-line reader and the image
 * classifier (plugins/common/podman_cmd.c). The input is one simple
 * command's words, separated by NUL bytes (a trailing NUL ends the last
 * word): podman_cmd_parse and podman_cmd_find on them, then every word, and
 * what the parse found (image, mounts), through podman_image_classify,
 * podman_image_origin and podman_mount_is_home. Pure: no context. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../../plugins/common/podman_cmd.h"

static void classify(const char *ref)
{
    struct podman_image img;
    char text[256], small[8];
    podman_image_classify(ref, &img);
    (void)podman_image_from_registry(img.kind);
    (void)podman_image_origin(&img, text, sizeof text);
    (void)podman_image_origin(&img, small, sizeof small);
    (void)podman_mount_is_home(ref);
}

static void judge(const struct podman_cmd *c)
{
    classify(c->image);
    classify(c->authfile);
    for (size_t i = 0; i < c->n_mounts; i++) {
        (void)podman_mount_is_home(c->mounts[i].source);
        (void)podman_mount_is_home(c->mounts[i].target);
    }
}

/* DATA's words (LEN bytes, NUL-separated), each in its own allocation so
 * that reading past a word's end is caught. */
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
    argv[n] = NULL;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char **words = malloc((size + 1) * sizeof *words);
    struct podman_cmd *c = malloc(sizeof *c);
    size_t argc;
    if (words && c) {
        const char *const *argv = (const char *const *)words;
        argc = split_words(data, size, words);
        if (podman_cmd_parse(argv, argc, c))
            judge(c);
        if (podman_cmd_find(argv, argc, c) >= 0)
            judge(c);
        for (size_t i = 0; i < argc; i++)
            classify(argv[i]);
        for (size_t i = 0; i < argc; i++)
            free(words[i]);
    }
    free(c);
    free(words);
    return 0;
}

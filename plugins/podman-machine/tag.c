/* podman.tag: the agent's image is named under an allowed prefix (param
 * `allowed`, a list; default localhost/), so the service runs an image of
 * local storage and no start can reach a registry. A pure reading of the
 * name: nothing is run. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "podman.h"

#define DEFAULT_PREFIX "localhost/"

static size_t n_allowed(sourceos_ctx *ctx)
{
    return sourceos_param_count(ctx, "allowed");
}

static const char *allowed_at(sourceos_ctx *ctx, size_t i)
{
    return n_allowed(ctx) ? sourceos_param_at(ctx, "allowed", i) : DEFAULT_PREFIX;
}

/* The allowed prefix IMAGE starts with, or NULL. */
static const char *allowed_prefix(sourceos_ctx *ctx, const char *image)
{
    size_t n = n_allowed(ctx) ? n_allowed(ctx) : 1;
    for (size_t i = 0; i < n; i++) {
        const char *p = allowed_at(ctx, i);
        if (p && *p && strncmp(image, p, strlen(p)) == 0)
            return p;
    }
    return NULL;
}

/* "localhost/ or quay.io/me/", for a message. */
static void join_allowed(sourceos_ctx *ctx, char *out, size_t size)
{
    size_t n = n_allowed(ctx) ? n_allowed(ctx) : 1, used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        const char *p = allowed_at(ctx, i);
        int w = snprintf(out + used, size - used, "%s%s",
                         i == 0 ? "" : i + 1 == n ? " or " : ", ", p ? p : "");
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* The name IMAGE would have under localhost/: its repository path without
 * the transport and registry, its tag kept, a digest dropped (podman tag
 * gives such a name :latest). "ghcr.io/org/app:1" -> "localhost/org/app:1". */
static void local_name(const char *image, const struct podman_image *img, char *out,
                       size_t size)
{
    const char *path = image, *at;
    size_t len;
    if (strncmp(path, "docker://", 9) == 0)
        path += 9;
    if ((img->kind == PODMAN_IMAGE_REGISTRY || img->kind == PODMAN_IMAGE_LOOPBACK) &&
        strchr(path, '/'))
        path = strchr(path, '/') + 1;
    at = strchr(path, '@');
    len = at ? (size_t)(at - path) : strlen(path);
    plugin_textf(out, size, "localhost/%.*s", (int)len, path);
}

static sourceos_status remote(sourceos_ctx *ctx, const char *image)
{
    struct podman_image img;
    sourceos_finding *f;
    char allowed[512], origin[512], target[1024], text[1400];
    const char *argv[] = {"podman", "tag", "--", image, target, NULL};
    podman_image_classify(image, &img);
    join_allowed(ctx, allowed, sizeof allowed);
    podman_image_origin(&img, origin, sizeof origin);
    if (podman_image_from_registry(img.kind))
        f = sourceos_finding_add(ctx, "podman.image-tag-remote", SOURCEOS_SEV_CRITICAL,
                                 "%s is a registry image; the service must run a %s image",
                                 image, allowed);
    else
        f = sourceos_finding_add(ctx, "podman.image-tag-remote", SOURCEOS_SEV_CRITICAL,
                                 "%s is not named under %s (it names %s); the service "
                                 "must run a %s image",
                                 image, allowed, origin, allowed);
    local_name(image, &img, target, sizeof target);
    plugin_textf(text, sizeof text,
                 "Pull it once by hand (podman pull), tag it as %s, and declare "
                 "that name (pinned by digest) as the agent's image.", target);
    sourceos_finding_remediation(f, text);
    sourceos_finding_command_argv(f, argv);
    sourceos_finding_evidence(f, "image", image);
    sourceos_finding_evidence(f, "allowed", allowed);
    sourceos_finding_evidence(f, "local_name", target);
    return SOURCEOS_FAILURE;
}

sourceos_status podman_check_tag(sourceos_ctx *ctx)
{
    const char *image = sourceos_param(ctx, "image");
    const char *prefix;
    sourceos_finding *f;

    if (!image || !*image) {
        sourceos_finding_add(ctx, "podman.image-unset", SOURCEOS_SEV_CRITICAL,
                             "no image to check: set param 'image'");
        return SOURCEOS_ERROR;
    }
    prefix = allowed_prefix(ctx, image);
    if (!prefix)
        return remote(ctx, image);
    f = sourceos_finding_add(ctx, "podman.image-tag-allowed", SOURCEOS_SEV_INFO,
                             "%s is a %s image", image, prefix);
    sourceos_finding_evidence(f, "image", image);
    sourceos_finding_evidence(f, "prefix", prefix);
    return SOURCEOS_OK;
}

/* podman.image: the agent's image is local (never pulled at start) and
 * pinned by digest. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "podman.h"

static void join_list(sourceos_ctx *ctx, const struct sourceos_cmd *r,
                      const char *path, char *out, size_t size)
{
    long n = sourceos_json_count(ctx, r->out, r->out_len, path);
    size_t used = 0;
    char item[512];
    out[0] = '\0';
    for (long i = 0; i < n && used < size; i++) {
        const char *v;
        snprintf(item, sizeof item, "%s[%ld]", path, i);
        v = sourceos_json_get(ctx, r->out, r->out_len, item);
        if (v)
            used += (size_t)snprintf(out + used, size - used, "%s%s",
                                     used ? "," : "", v);
    }
}

/* A local-storage image (localhost/NAME, an ID, a local transport) that is
 * missing: nothing would pull it, so the service cannot start until it is
 * built or loaded here. */
static sourceos_status missing_local(sourceos_ctx *ctx, const char *image,
                                     const struct podman_image *img)
{
    char origin[256];
    sourceos_finding *f =
        sourceos_finding_add(ctx, "podman.image-missing-local", SOURCEOS_SEV_CRITICAL,
                             "image %s is not in local storage: build or `podman load` "
                             "it (it names %s, which no registry serves: the agent "
                             "cannot start until then)",
                             image, podman_image_origin(img, origin, sizeof origin));
    sourceos_finding_remediation(
        f, "Build the image on this machine (podman build -t NAME) or load it from "
           "an archive (podman load -i FILE), then pin its digest in the agent's "
           "declaration.");
    sourceos_finding_evidence(f, "image", image);
    sourceos_finding_evidence(f, "origin", origin);
    return SOURCEOS_FAILURE;
}

static sourceos_status not_local(sourceos_ctx *ctx, const char *image)
{
    struct podman_image img;
    char origin[512];
    sourceos_finding *f;
    podman_image_classify(image, &img);
    if (img.kind == PODMAN_IMAGE_LOCAL || img.kind == PODMAN_IMAGE_ARCHIVE)
        return missing_local(ctx, image, &img);
    f = sourceos_finding_add(ctx, "podman.direct-registry-image",
                             SOURCEOS_SEV_CRITICAL,
                             "image %s is not local: starting the agent would "
                             "pull it from %s (a direct registry runtime image)",
                             image,
                             img.kind == PODMAN_IMAGE_UNKNOWN
                                 ? "a registry"
                                 : podman_image_origin(&img, origin, sizeof origin));
    sourceos_finding_remediation(
        f, "Pull or import the image once, outside the service, pin it by "
           "digest in the agent's declaration, and run it with --pull=never.");
    sourceos_finding_commandf(f, "podman pull -- %s && podman image inspect --format "
                              "'{{.Digest}}' -- %s", image, image);
    sourceos_finding_evidence(f, "image", image);
    sourceos_finding_evidence(f, "registry", img.registry);
    return SOURCEOS_FAILURE;
}

static void image_evidence(sourceos_ctx *ctx, sourceos_finding *f,
                           const struct sourceos_cmd *r)
{
    static const char *const keys[][2] = {
        {"[0].Id", "id"},           {"[0].Digest", "digest"},
        {"[0].Created", "created"}, {"[0].Architecture", "architecture"},
    };
    char list[2048];
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = sourceos_json_get(ctx, r->out, r->out_len, keys[i][0]);
        if (v)
            sourceos_finding_evidence(f, keys[i][1], v);
    }
    join_list(ctx, r, "[0].RepoDigests", list, sizeof list);
    sourceos_finding_evidence(f, "repo_digests", list);
}

sourceos_status podman_check_image(sourceos_ctx *ctx)
{
    const char *image = sourceos_param(ctx, "image");
    const char *args[] = {"image", "inspect", image, NULL};
    const struct sourceos_cmd *r;
    const char *digest;
    sourceos_finding *f;
    sourceos_status st;
    char why[256], text[1024];

    if (!image || !*image) {
        sourceos_finding_add(ctx, "podman.image-unset", SOURCEOS_SEV_CRITICAL,
                             "no image to check: set param 'image'");
        return SOURCEOS_ERROR;
    }
    r = podman_run(ctx, args);
    st = podman_command_trouble(ctx, r, "image inspect");
    if (st != SOURCEOS_OK)
        return st;
    if (r->exit_status != 0 && podman_says_missing(r->err))
        return not_local(ctx, image);
    digest = sourceos_json_get(ctx, r->out, r->out_len, "[0].Digest");
    if (r->exit_status != 0 || !digest) {
        podman_first_line(r->err_len ? r->err : r->out, why, sizeof why);
        sourceos_finding_add(ctx, "podman.image-inspect-failed",
                             SOURCEOS_SEV_CRITICAL,
                             "'podman image inspect %s' failed (exit %d): %s",
                             image, r->exit_status, why);
        return SOURCEOS_ERROR;
    }
    sourceos_fact_set(ctx, "podman.image.digest", digest);
    if (strstr(image, "@sha256:")) {
        f = sourceos_finding_add(ctx, "podman.image-local", SOURCEOS_SEV_INFO,
                                 "image %s is local and pinned by digest", image);
        image_evidence(ctx, f, r);
        return SOURCEOS_OK;
    }
    f = sourceos_finding_add(ctx, "podman.image-not-pinned", SOURCEOS_SEV_WARNING,
                             "image %s is local but not pinned by digest: the "
                             "tag can move to other content",
                             image);
    snprintf(text, sizeof text,
             "Refer to the image by its digest in the agent's declaration: "
             "%s@%s", image, digest);
    sourceos_finding_remediation(f, text);
    image_evidence(ctx, f, r);
    return SOURCEOS_WARNING;
}

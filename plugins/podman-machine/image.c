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

/* Params `pull` ("${agent.podman.pull}") and `require_local`
 * ("${agent.podman.requireLocalImage}"), the agent's word on pulling. Both
 * absent: the check judges the image alone, as it always has. */
enum pull_word {
    PULL_UNSAID,   /* neither param: the image alone decides */
    PULL_NEVER,    /* never, explicit (pulled by hand before), or require_local */
    PULL_AT_START, /* missing, always, newer: the run may pull */
    PULL_BAD,      /* a `pull` no policy has */
};

static enum pull_word pull_word(sourceos_ctx *ctx)
{
    static const char *const never[] = {"never", "explicit", NULL};
    static const char *const at_start[] = {"missing", "always", "newer", NULL};
    const char *pull = sourceos_param(ctx, "pull");
    const char *local = sourceos_param(ctx, "require_local");
    if (local && strcmp(local, "true") == 0)
        return PULL_NEVER;
    if (!pull)
        return local ? PULL_AT_START : PULL_UNSAID;
    for (size_t i = 0; never[i]; i++)
        if (strcmp(pull, never[i]) == 0)
            return PULL_NEVER;
    for (size_t i = 0; at_start[i]; i++)
        if (strcmp(pull, at_start[i]) == 0)
            return PULL_AT_START;
    return PULL_BAD;
}

/* "pull: never", "requireLocalImage", for a message. */
static const char *pull_reason(sourceos_ctx *ctx, char *out, size_t size)
{
    const char *pull = sourceos_param(ctx, "pull");
    const char *local = sourceos_param(ctx, "require_local");
    if (local && strcmp(local, "true") == 0)
        plugin_textf(out, size, "requireLocalImage");
    else
        plugin_textf(out, size, "pull: %s", pull ? pull : "?");
    return out;
}

/* A registry's image that the agent never pulls (pull never or explicit,
 * or requireLocalImage): it must be pulled by hand before the start. */
static sourceos_status never_pulled(sourceos_ctx *ctx, const char *image,
                                    const struct podman_image *img)
{
    char origin[512], why[64];
    const char *const argv[] = {"podman", "pull", "--", image, NULL};
    sourceos_finding *f = sourceos_finding_add(
        ctx, "podman.image-missing-local", SOURCEOS_SEV_CRITICAL,
        "image %s is not in local storage, and the agent never pulls (%s): it "
        "cannot start until the image is pulled by hand from %s",
        image, pull_reason(ctx, why, sizeof why),
        podman_image_origin(img, origin, sizeof origin));
    sourceos_finding_remediation(
        f, "Pull the image once by hand (or build or load it here), then pin its "
           "digest in the agent's declaration.");
    sourceos_finding_command_argv(f, argv);
    sourceos_finding_evidence(f, "image", image);
    sourceos_finding_evidence(f, "registry", img->registry);
    return SOURCEOS_FAILURE;
}

/* Absent, and the agent's policy lets its start pull it. */
static sourceos_status will_pull(sourceos_ctx *ctx, const char *image,
                                 const struct podman_image *img)
{
    char origin[512], why[64];
    sourceos_finding *f = sourceos_finding_add(
        ctx, "podman.image-will-pull", SOURCEOS_SEV_WARNING,
        "image %s is not local: the agent's start will pull it from %s (%s)", image,
        podman_image_origin(img, origin, sizeof origin), pull_reason(ctx, why, sizeof why));
    sourceos_finding_remediation(
        f, "Pull it once by hand and pin it by digest, so the start does not depend "
           "on the registry.");
    sourceos_finding_evidence(f, "image", image);
    sourceos_finding_evidence(f, "registry", img->registry);
    return SOURCEOS_WARNING;
}

static sourceos_status not_local(sourceos_ctx *ctx, const char *image)
{
    struct podman_image img;
    char origin[512];
    sourceos_finding *f;
    podman_image_classify(image, &img);
    if (img.kind == PODMAN_IMAGE_LOCAL || img.kind == PODMAN_IMAGE_ARCHIVE)
        return missing_local(ctx, image, &img);
    if (pull_word(ctx) == PULL_NEVER)
        return never_pulled(ctx, image, &img);
    if (pull_word(ctx) == PULL_AT_START)
        return will_pull(ctx, image, &img);
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
    if (pull_word(ctx) == PULL_BAD) {
        sourceos_finding_add(ctx, "podman.image-params", SOURCEOS_SEV_CRITICAL,
                             "param 'pull' is '%s'; expected never, explicit, missing, "
                             "always or newer",
                             sourceos_param(ctx, "pull"));
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

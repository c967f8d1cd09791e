/* A driver the shell tests make bundles with (tests/cli/evidence.sh):
 *   make-bundle DIR NAME zstd|gzip|none [-c CAP] [-s SECRET]... \
 *       MEMBER=FILE... [-m MEMBER=TEXT]... [-a ACTION-JSON]...
 * writes DIR/NAME through core/bundle.c (files tail-capped at CAP bytes
 * when given), scans it back for the SECRETs and prints its path; exit 1
 * with the error on stderr when anything fails (the bundle is then gone). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"

int main(int argc, char **argv)
{
    struct sos_bundle_info info = {NULL, "test-host", "test-agent", 0};
    const char *secrets[16];
    size_t n_secrets = 0;
    unsigned long long cap = 0;
    struct sos_bundle *b;
    sos_error err;
    char *path = NULL;
    int comp;

    if (argc < 4 || (comp = sos_bundle_compression_of(argv[3])) < 0) {
        fprintf(stderr, "usage: make-bundle DIR NAME zstd|gzip|none [-c CAP] [-s SECRET] "
                        "MEMBER=FILE... [-m MEMBER=TEXT] [-a ACTION-JSON]\n");
        return 2;
    }
    if (!(b = sos_bundle_open(argv[1], argv[2], (enum sos_bundle_compression)comp, &info,
                              &err)))
        goto fail;
    for (int i = 4; i < argc; i++) {
        char *eq;
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            cap = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc && n_secrets < 16) {
            secrets[n_secrets++] = argv[++i];
        } else if (strcmp(argv[i], "-a") == 0 && i + 1 < argc) {
            if (sos_bundle_add_action(b, json_loads(argv[++i], 0, NULL), &err) != 0)
                goto fail_open;
        } else if (strcmp(argv[i], "-m") == 0 && i + 1 < argc && (eq = strchr(argv[++i], '='))) {
            *eq = '\0';
            if (sos_bundle_add_mem(b, argv[i], eq + 1, strlen(eq + 1), 0644, 1700000000,
                                   SOS_BUNDLE_REDACTED, NULL, &err) != 0)
                goto fail_open;
        } else if ((eq = strchr(argv[i], '='))) {
            int fd;
            *eq = '\0';
            if ((fd = open(eq + 1, O_RDONLY | O_CLOEXEC)) < 0) {
                sos_fail(&err, "%s: cannot open", eq + 1);
                goto fail_open;
            }
            if (sos_bundle_add_fd(b, argv[i], fd, 0, -1, 0, eq + 1, cap, &err) != 0) {
                close(fd);
                goto fail_open;
            }
            close(fd);
        } else {
            sos_fail(&err, "unknown argument '%s'", argv[i]);
            goto fail_open;
        }
    }
    if (sos_bundle_close(b, &path, &err) != 0 || !path)
        goto fail;
    if (sos_bundle_scan(path, secrets, n_secrets, &err) != 0)
        goto fail;
    printf("%s\n", path);
    free(path);
    return 0;
fail_open:
    sos_bundle_abort(b);
fail:
    free(path);
    fprintf(stderr, "make-bundle: %s\n", err.msg);
    return 1;
}

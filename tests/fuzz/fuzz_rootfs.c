/* Fuzz harness: `--root` path resolution: the input is a host path, resolved
 * and read under a small tree of hostile symlinks (loops, escapes,
 * absolute and relative targets). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs.h"

static const char *tree(void)
{
    static char root[256];
    char p[400];
    if (root[0])
        return root;
    snprintf(root, sizeof root, "%s/root", fuzz_tmpdir());
    mkdir(root, 0700);
    snprintf(p, sizeof p, "%s/etc", root);
    mkdir(p, 0700);
    fuzz_write_file("root/etc/os-release", (const uint8_t *)"ID=debian\n", 10);
#define LINK(target, name)                                \
    snprintf(p, sizeof p, "%s/%s", root, name);           \
    if (symlink(target, p) != 0)                          \
        abort();
    LINK("../../../../etc/passwd", "etc/escape")
    LINK("/etc/os-release", "etc/abs")
    LINK("loop2", "etc/loop1")
    LINK("loop1", "etc/loop2")
    LINK(".", "etc/self")
    LINK("/", "up")
    LINK("etc/self/self/os-release", "deep")
    return root;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *root = tree();
    char *path = malloc(size + 1), *out = NULL, *buf = NULL;
    size_t len = 0;
    if (!path)
        return 0;
    memcpy(path, data, size);
    path[size] = '\0';
    if (sos_rootfs_resolve(root, path, size & 1, &out) == 0 &&
        strncmp(out, root, strlen(root)) != 0)
        abort(); /* resolved outside the root */
    free(out);
    (void)sos_rootfs_read(root, path, 4096, &buf, &len);
    free(buf);
    free(path);
    return 0;
}

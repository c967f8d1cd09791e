#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scratch.h"

char *sos_scratch_make(const char *prefix, sos_error *err)
{
    const char *tmp = getenv("TMPDIR");
    char *dir;
    if (asprintf(&dir, "%s/%s.XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp", prefix) < 0) {
        sos_fail(err, "out of memory");
        return NULL;
    }
    if (!mkdtemp(dir)) {
        sos_fail(err, "cannot make a temporary directory %s: %s", dir, strerror(errno));
        free(dir);
        return NULL;
    }
    return dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void sos_scratch_remove(const char *dir)
{
    if (dir)
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Test plugin: what a hostile check could reach. It looks at every
 * descriptor from 3 to 1023, says which are open (and what they are), and
 * tries to read each readable one, as a plugin stealing another check's
 * result would. The core should hand it its own result pipe only. */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sourceos/plugin.h"

static const char *kind_of(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return "?";
    if (S_ISFIFO(st.st_mode))
        return "fifo";
    if (S_ISSOCK(st.st_mode))
        return "socket";
    if (S_ISREG(st.st_mode))
        return "file";
    if (S_ISDIR(st.st_mode))
        return "dir";
    if (S_ISCHR(st.st_mode))
        return "char";
    return "other"; /* pidfds, eventfds and the like */
}

static const char *access_of(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return "?";
    switch (flags & O_ACCMODE) {
    case O_RDONLY: return "r";
    case O_WRONLY: return "w";
    default: return "rw";
    }
}

/* Bytes read from FD if it has any to give right now, else 0. */
static long steal(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    char buf[4096];
    ssize_t n;
    if (strcmp(access_of(fd), "w") == 0 || poll(&p, 1, 0) != 1 ||
        !(p.revents & POLLIN))
        return 0;
    n = read(fd, buf, sizeof buf);
    return n > 0 ? (long)n : 0;
}

static void append(char *list, size_t size, const char *item)
{
    size_t used = strlen(list);
    snprintf(list + used, size - used, "%s%s", used ? "," : "", item);
}

static sourceos_status check_fds(sourceos_ctx *ctx)
{
    char open_list[4096] = "", read_list[4096] = "", item[64];
    sourceos_finding *f;
    for (int fd = 3; fd < 1024; fd++) {
        long got;
        if (fcntl(fd, F_GETFD) < 0)
            continue;
        snprintf(item, sizeof item, "%d:%s:%s", fd, kind_of(fd), access_of(fd));
        append(open_list, sizeof open_list, item);
        if ((got = steal(fd)) > 0) {
            snprintf(item, sizeof item, "%d:%ld", fd, got);
            append(read_list, sizeof read_list, item);
        }
    }
    f = sourceos_finding_add(ctx, "fdprobe.fds", SOURCEOS_SEV_INFO,
                             "descriptors open: %s", open_list);
    sourceos_finding_evidence(f, "open", open_list);
    sourceos_finding_evidence(f, "read", read_list);
    return strcmp(open_list, "3:fifo:w") == 0 ? SOURCEOS_OK : SOURCEOS_FAILURE;
}

static const struct sourceos_check checks[] = {
    {"fds", "lists and reads the descriptors it was given", check_fds},
    {NULL, NULL, NULL},
};

const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL = {
    .abi_version = SOURCEOS_ABI_VERSION,
    .name = "fdprobe",
    .version = "1",
    .checks = checks,
    .actions = NULL,
};

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "checksd.h"
#include "host.h"
#include "stage.h"

/* A tree that is not there, not a directory or not readable would make
 * every check report "absent" about files it never saw, so it is refused
 * before anything runs. Listing it proves read and search permission for
 * this user, whoever the mode bits say may. */
int cli_check_root(const struct cli *cli)
{
    struct stat st;
    DIR *dir;
    int fd;
    if (!cli->root)
        return 0;
    if (stat(cli->root, &st) != 0) {
        cli_error(cli, "--root %s: %s", cli->root,
                  errno == ENOENT ? "no such directory" : strerror(errno));
        return SOS_EXIT_USAGE;
    }
    if (!S_ISDIR(st.st_mode)) {
        cli_error(cli, "--root %s is not a directory: give the top of a "
                       "copied tree", cli->root);
        return SOS_EXIT_USAGE;
    }
    fd = open(cli->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir || access(cli->root, X_OK) != 0) {
        int err = errno;
        if (dir)
            closedir(dir);
        else if (fd >= 0)
            close(fd);
        cli_error(cli, "--root %s cannot be read (%s): run as a user who "
                       "can read the tree",
                  cli->root, strerror(err));
        return SOS_EXIT_USAGE;
    }
    closedir(dir);
    return 0;
}

int cli_offline(const struct cli *cli)
{
    char real[PATH_MAX];
    if (!cli->root || cli->live)
        return 0;
    /* --root / (however spelt) is this machine itself. */
    return !realpath(cli->root, real) || strcmp(real, "/") != 0;
}

const char *cli_install_root(const struct cli *cli)
{
    char real[PATH_MAX];
    if (!cli->root || !cli->live)
        return NULL;
    return realpath(cli->root, real) && strcmp(real, "/") == 0 ? NULL : cli->root;
}

int cli_agent_model_opts(const struct cli *cli, struct sos_agent_model_opts *opts, sos_error *err)
{
    struct sos_host host;
    if (sos_agent_model_opts_default(opts, err) != 0)
        return -1;
    if (!cli->root)
        return 0;
    /* A copied Mac read on Linux: its agents' defaults are a Mac's
     * (a Podman machine required, logs in ~/Library/Logs/SourceOS). */
    sos_host_detect(cli->root, &host);
    if (host.os_mask & SOS_OS_MACOS)
        opts->os = SOS_AGENT_OS_MACOS;
    else if (host.os_mask & (SOS_OS_LINUX | SOS_OS_WSL))
        opts->os = SOS_AGENT_OS_LINUX;
    return 0;
}

char *cli_state_dir(const struct cli *cli, const struct sos_agent_model *m,
                    const struct sos_agent_model_opts *mo, sos_error *err)
{
    char *dir = sos_stage_state_dir(m, mo->home, mo->xdg_state_home, err), *under;
    if (!dir || !cli->root || strcmp(cli->root, "/") == 0)
        return dir;
    if (asprintf(&under, "%s%s", cli->root, dir) < 0)
        under = NULL;
    free(dir);
    if (!under)
        sos_fail(err, "out of memory");
    return under;
}

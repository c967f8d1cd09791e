#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Run from the build tree (no `make install`), the binary uses the plugins
 * and checks.d next to it; otherwise only the installed ones. */
static int running_from_build_tree(void)
{
    char exe[PATH_MAX];
    char build[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash;
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    if (!realpath(SOS_BUILDDIR, build))
        return 0;
    return strcmp(exe, build) == 0;
}

const char *cli_default_plugin_dir(void)
{
    return running_from_build_tree() ? SOS_BUILDDIR "/plugins/.libs"
                                     : SOS_PLUGINDIR;
}

const char *cli_default_config_dir(void)
{
    return running_from_build_tree() ? SOS_SRCDIR : SOS_CONFDIR;
}

const char *cli_default_findings_doc(void)
{
    return running_from_build_tree() ? SOS_SRCDIR "/docs/findings.md"
                                     : SOS_DATADIR "/findings.md";
}

#include "config.h"

#include <string.h>

#include "cli.h"
#include "verbs.h"

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int main(int argc, char **argv)
{
    struct cli cli;
    int rc;
    memset(&cli, 0, sizeof cli);
    cli.argv0 = argc > 0 ? argv[0] : "sourceos";
    cli.program = base_name(cli.argv0);
    if (strcmp(cli.program, "sourceos-agent") != 0 &&
        strcmp(cli.program, "sourceosctl") != 0)
        cli.program = "sourceos";
    if (cli_check_stdout_open(&cli) != 0)
        return SOS_EXIT_OUTPUT;
    rc = cli_parse(&cli, argc, argv);
    if (rc == 1)
        rc = SOS_EXIT_OK;
    else if (rc == 0 && cli_check_root(&cli) != 0)
        rc = SOS_EXIT_USAGE;
    else if (rc == 0)
        rc = sos_verb_dispatch(&cli);
    return cli_close_stdout(&cli, rc);
}

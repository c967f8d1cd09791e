#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "redact_run.h"

/*
 * The report is the product: a write to stdout that fails (a full disk, a
 * reader that went away while SIGPIPE is ignored, stdout closed) must not
 * look like success. stdio remembers a failed write (ferror) but not why,
 * so the first failure is reported with the errno seen then, once.
 */

static void report_write_error(struct cli *cli, int error)
{
    if (cli->output_failed)
        return;
    cli->output_failed = 1;
    cli_error(cli, "cannot write to standard output: %s",
              strerror(error ? error : EIO));
}

int cli_check_stdout_open(struct cli *cli)
{
    /* Closed, fd 1 would be reused by the first pipe or file the run opens,
     * and the report written into it. */
    if (fcntl(STDOUT_FILENO, F_GETFD) < 0 && errno == EBADF) {
        report_write_error(cli, EBADF);
        return -1;
    }
    return 0;
}

/* errno is not reset first: when the failed write was an earlier one (a
 * JSON dump, an NDJSON event), its errno is still the reason. */
int cli_flush_stdout(struct cli *cli)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        report_write_error(cli, errno);
        return -1;
    }
    return 0;
}

int cli_close_stdout(struct cli *cli, int rc)
{
    int error;

    if (cli_flush_stdout(cli) != 0)
        rc = SOS_EXIT_OUTPUT;
    errno = 0;
    if (fclose(stdout) != 0) {
        error = errno;
        report_write_error(cli, error);
        rc = SOS_EXIT_OUTPUT;
    }
    return cli->output_failed ? SOS_EXIT_OUTPUT : rc;
}

void cli_print_wrapped(const char *text, size_t len, size_t col, size_t indent)
{
    const char *p = text, *end = text + len;
    int first = 1;
    while (p < end) {
        size_t word = strcspn(p, " ");
        if (p + word > end)
            word = (size_t)(end - p);
        if (!first && col + 1 + word > CLI_TEXT_WIDTH) {
            printf("\n%*s", (int)indent, "");
            col = indent;
        } else if (!first) {
            putchar(' ');
            col++;
        }
        printf("%.*s", (int)word, p);
        col += word;
        first = 0;
        p += word;
        while (p < end && *p == ' ')
            p++;
    }
    putchar('\n');
}

int cli_print_json(struct cli *cli, json_t *doc)
{
    if (!doc) {
        cli_error(cli, "out of memory building the JSON");
        return SOS_EXIT_UNDECIDED;
    }
    /* the last gate: a document may quote what a file or a command held */
    if (sos_redact_json(NULL, doc) != 0) {
        cli_error(cli, "out of memory: the JSON cannot be redacted, so it is not shown");
        return SOS_EXIT_UNDECIDED;
    }
    if (json_dumpf(doc, stdout, JSON_INDENT(2)) != 0 || fputc('\n', stdout) == EOF) {
        cli_flush_stdout(cli); /* says why */
        return SOS_EXIT_OUTPUT;
    }
    return 0;
}

/* The child-result wire: what a check's process sends the runner over its
 * pipe, and the runner's reader of it.
 *
 * One JSON object per line:
 *   {"pgid":N}        a command the check started (its group is killed too)
 *   {"secrets":[HEX]} secrets the check read, hex-encoded, sent first: the
 *                     runner redacts every report with them, never shows them
 *   {"item":RESULT}   findings, facts or commands to append (one per line)
 *   {"result":RESULT} the check's status, reason and times; the last line
 * RESULT is a check result as sos_result_to_json() writes it. Small lines
 * let the runner parse as the bytes arrive, a bounded amount at a time, so
 * a big result never holds up another check's deadline. The writer applies
 * the limits of sourceos/plugin.h before sending; the reader applies them
 * again, since a plugin can write to its pipe whatever it likes. */
#ifndef SOS_WIRE_H
#define SOS_WIRE_H

#include <stddef.h>
#include <sys/types.h>

#include "result.h"

/* The longest line either side accepts: one finding with every text at
 * SOURCEOS_MAX_MESSAGE_BYTES fits several times over, and so does a
 * captured command with both outputs at their 1 MiB bound, hex-encoded.
 * A longer one is dropped (and counted). */
#define SOS_WIRE_LINE_MAX (5u * 1024u * 1024u)

/* Process groups remembered per check: each command announces one; past
 * this the oldest are forgotten (their commands were killed as they ended). */
#define SOS_WIRE_PGIDS_MAX 4096u

/* ---- In the check's process ---- */

/* Announces a command's process group. */
void sos_wire_send_pgid(int fd, pid_t pgid);

/* Sends RES as item lines and a final result line, keeping what fits in
 * SOURCEOS_MAX_RESULT_BYTES; when anything was cut (here or while the check
 * ran, see RES->findings_dropped and texts_cut) the final line carries one
 * core.result-truncated finding saying what. Returns 0, or -1 when the pipe
 * failed (the runner then reports the check's process as having sent no
 * result). */
int sos_wire_send_result(int fd, const struct sos_check_result *res);

/* ---- In the runner ---- */

struct sos_wire_reader {
    char *line; /* the incomplete line so far */
    size_t len, cap;
    int skipping;          /* in a line over SOS_WIRE_LINE_MAX: drop to its end */
    size_t kept;           /* bytes of item lines taken */
    size_t dropped_lines;  /* over a limit or malformed */
    size_t dropped_bytes;
    struct sos_check_result got; /* what the lines said so far */
    size_t findings_cap, facts_cap, commands_cap, changes_cap, seen_cap;
    int have_result;
    int malformed;         /* a result line that did not parse */
    pid_t *pgids;          /* a ring of the last SOS_WIRE_PGIDS_MAX */
    size_t n_pgids;
};

void sos_wire_reader_init(struct sos_wire_reader *w);
void sos_wire_reader_free(struct sos_wire_reader *w);

/* Takes N more bytes from the pipe. Linear: each byte is looked at for a
 * newline once, copied at most once, and each line parsed once. */
void sos_wire_feed(struct sos_wire_reader *w, const char *data, size_t n);

/* Moves the result received into OUT (emptied first) and returns 0, or
 * returns -1 when no result line came. Lines the reader had to drop are
 * said in a core.result-truncated finding. */
int sos_wire_take_result(struct sos_wire_reader *w,
                         struct sos_check_result *out);

#endif

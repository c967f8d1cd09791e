/* Fuzz harness: an agent's state directory as the lifecycle reads it: the
 * input as state.json (sos_state_read) and as the journal
 * (sos_journal_read); a tampered file must be refused, never crash. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "journal.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[256];
    struct sos_state_view v;
    struct sos_journal j;
    sos_error err;
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/state", fuzz_tmpdir());
        mkdir(dir, 0700);
    }
    fuzz_write_file("state/state.json", data, size);
    fuzz_write_file("state/journal", data, size);
    if (sos_state_read(dir, 1700000000, &v, &err) == 0)
        sos_state_view_free(&v);
    if (sos_journal_read(dir, &j, &err) == 0) {
        (void)sos_journal_in_flight(&j);
        sos_journal_free(&j);
    }
    return 0;
}

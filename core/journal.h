/* The transaction journal and lock of an agent's state directory
 * (DESIGN.md: Agents and their state). One change at a time: `lock` is
 * flock'd for the whole transaction. Before each host-changing step its
 * intent is written to `journal`, after it the outcome, each write atomic;
 * a journal with a step still `intent` is a transaction whose process was
 * killed in the middle of that step, for repair to finish or undo. The
 * file is JSON:
 *
 *   {"schema": 1, "transaction": "activate", "generation": 3, "previous": 2,
 *    "steps": [{"step": "prior", "state": "done",
 *               "facts": {"prior.enabled": "true", "prior.active": "true"}},
 *              {"step": "install", "state": "done"},
 *              {"step": "enable", "state": "intent"}]}
 *
 * state is one of intent, done, failed, undone. facts (optional) are what
 * the step's apply published, kept with its outcome `done` in the same
 * write: the record a later phase (and a rollback after a kill) is given as
 * params. A journal of the release before facts reads the same; one with
 * facts is read by that release too (it ignores them). */
#ifndef SOS_JOURNAL_H
#define SOS_JOURNAL_H

#include "error.h"
#include "result.h"

/* Bounds of a step's facts in the journal (it is at most 64 KiB). */
#define SOS_JOURNAL_MAX_FACTS 16
#define SOS_JOURNAL_MAX_FACT_BYTES 512

enum sos_step_state { SOS_STEP_INTENT, SOS_STEP_DONE, SOS_STEP_FAILED, SOS_STEP_UNDONE };

struct sos_journal_step {
    char *step;                 /* a name: ^[a-z0-9][a-z0-9-]*$ */
    enum sos_step_state state;
    struct sos_kv *facts;       /* what its apply published; n_facts 0 none */
    size_t n_facts;
};

struct sos_journal {
    char *transaction;          /* activate, install, ... */
    unsigned generation;        /* the generation being put in service */
    unsigned previous;          /* the one current before, 0 none */
    struct sos_journal_step *steps;
    size_t n_steps;
};

/* Takes the agent's lock (STATE_DIR/lock, made 0600 if absent, never
 * followed through a symlink) without waiting: 0 with *FD held until
 * sos_journal_unlock(); -1 with ERR, saying another sourceos-agent is
 * changing the agent when the lock is held. STATE_DIR must exist. */
int sos_journal_lock(const char *state_dir, int *fd, sos_error *err);
void sos_journal_unlock(int fd);

/* Reads STATE_DIR/journal into J: 1 when there is none (J empty), 0 when
 * read, -1 with ERR naming the file when it is not the format above (or a
 * symlink, or larger than 64 KiB). */
int sos_journal_read(const char *state_dir, struct sos_journal *j, sos_error *err);

/* Starts a transaction: J becomes TRANSACTION for GENERATION (PREVIOUS
 * current before), no steps, and is written. Here and below, a STATE_DIR
 * of NULL keeps J in memory only (a dry run: nothing is written). */
int sos_journal_begin(const char *state_dir, struct sos_journal *j, const char *transaction,
                      unsigned generation, unsigned previous, sos_error *err);

/* Appends STEP as `intent` and writes J (before the step is done). */
int sos_journal_intent(const char *state_dir, struct sos_journal *j, const char *step,
                       sos_error *err);

/* Sets the last step (or, for undone, step I) to STATE and writes J. */
int sos_journal_outcome(const char *state_dir, struct sos_journal *j, size_t i,
                        enum sos_step_state state, sos_error *err);

/* Sets step I to done with copies of the N FACTS its apply published (past
 * the bounds above: -1 with ERR, nothing changed) and writes J: the
 * outcome and the record in one atomic write. */
int sos_journal_done(const char *state_dir, struct sos_journal *j, size_t i,
                     const struct sos_kv *facts, size_t n, sos_error *err);

/* The transaction ended (done or rolled back): the journal is removed. */
int sos_journal_finish(const char *state_dir, sos_error *err);

/* The step left in flight (state intent), or NULL. */
const struct sos_journal_step *sos_journal_in_flight(const struct sos_journal *j);

const char *sos_step_state_name(enum sos_step_state s);

void sos_journal_free(struct sos_journal *j);

#endif

/* The verb table: every command of the three programs is one row, and the
 * dispatcher, `--help`, `PROG help CMD`, each program's usage and the
 * "unknown command" error are all made from the rows. A new command is a
 * row here (src/verbs.c) and a handler in its group's src/cmd_*.c. */
#ifndef SOS_VERBS_H
#define SOS_VERBS_H

#include <jansson.h>

#include "cli.h"

enum sos_program { SOS_PROG_SOURCEOS, SOS_PROG_AGENT, SOS_PROG_CTL, SOS_PROG_COUNT };

enum sos_verb_flags {
    VERB_NO_NDJSON = 1 << 0,   /* a listing: no events to stream */
    VERB_AGENT_NAME = 1 << 1,  /* its one operand is an agent's name */
    VERB_RUN_EXITS = 1 << 2,   /* exits as a run does: its help lists them */
};

struct sos_verb {
    enum sos_program program;
    const char *words;    /* "doctor local-runtime", "plugins" */
    const char *operand;  /* as shown after the words: NULL, "NAME", "[COMMAND]" */
    int min_operands, max_operands;
    unsigned options;     /* CLI_OPT_* it reads; its help lists these */
    unsigned flags;       /* VERB_* */
    const char *summary;  /* one line, in the program's --help */
    const char *usage;    /* `PROG WORDS --help`, after its Usage: line */
    int (*run)(struct cli *cli, const struct sos_verb *verb, char **operands);
};

struct sos_program_info {
    const char *name;      /* argv[0]'s base name */
    const char *synopsis;  /* after "Usage: NAME " */
    const char *about;     /* prose before the commands, or NULL */
    const char *const *planned; /* commands of DESIGN.md not in this release */
    int exits;             /* its --help lists the run's exit codes */
};

/* The rows, in the order each program's --help lists them; n in *N. */
const struct sos_verb *sos_verbs(size_t *n);
const struct sos_program_info *sos_program_info(enum sos_program p);
enum sos_program sos_program_of(const char *name);

/* How many of WORDS[0..N) VERB's words match: its word count when all do,
 * else 0. */
int sos_verb_matches(const struct sos_verb *verb, char **words, int n);

/* The row of PROGRAM that WORDS (command words and operands) name: the
 * one whose words all match, else the group's first row (its first word),
 * else NULL. *MATCHED is the number of words the row's words took (0 when
 * only the group matched). */
const struct sos_verb *sos_verb_find(enum sos_program program, char **words,
                                     int n, int *matched);

/* The row of PROGRAM whose first word is nearest to WORD (at most two
 * edits, and fewer than half its letters), or NULL. */
const struct sos_verb *sos_verb_nearest(enum sos_program program,
                                        const char *word);

/* Whether WORD is a command of DESIGN.md that PROGRAM does not have yet. */
int sos_verb_planned(enum sos_program program, const char *word);

/* Runs the command line CLI holds: the exit code (enum sos_exit). */
int sos_verb_dispatch(struct cli *cli);

/* cmd_help.c: the texts made from the table. */
void sos_help_program(enum sos_program program);
void sos_help_verb(const struct sos_verb *verb);
/* "PROG help" when PROGRAM has a help row, else "PROG --help". */
const char *sos_help_hint(enum sos_program program, char *buf, size_t size);

/* The handlers, one file per command group. */
int cmd_help(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_doctor(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_agent_doctor(struct cli *cli, const struct sos_verb *verb,
                     char **operands);
int cmd_plugins(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_checks(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_explain(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_status(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_logs(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_stage(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_preflight(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_quarantine(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_release(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_change(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_evidence_inspect(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_evidence_extract(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_am_init(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_am_start(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_am_shell(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_am_run(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_am_fingerprint(struct cli *cli, const struct sos_verb *verb, char **operands);
int cmd_am_doctor(struct cli *cli, const struct sos_verb *verb, char **operands);

/* The status document of agent NAME (cmd_status.c): its status profile
 * run, its state directory read. 0 with *DOC (redacted; the caller frees
 * it) and *EXIT as `status` exits, or an exit code after saying why. */
int cli_agent_status(struct cli *cli, const char *name, json_t **doc, int *exit);

struct sos_session_config;
struct sos_replay;
struct sos_session;
/* S's run as Prometheus metrics (metrics.c), when the CLI asks for them: on
 * stdout with --format prometheus, into DIR/sourceos.prom with --textfile
 * DIR; each agent's state from its status, none in a REPLAY. 0, or an
 * exit code after saying why. */
int cli_emit_metrics(struct cli *cli, const struct sos_session *s,
                     const struct sos_session_config *config, int replay);
/* Runs the checks CONFIG selects and prints the report in the CLI's
 * format (cmd_doctor.c): the run's exit code. */
int cli_run_doctor(struct cli *cli, const struct sos_session_config *config,
                   const struct sos_replay *replay);

struct sos_agent;
struct sos_stage_options;
/* The stage options for M on BACKEND in STATE_DIR (cmd_lifecycle.c): one
 * place, so stage, activate and install's verification generate alike. */
void cli_stage_options(const struct cli *cli, const struct sos_agent_model *m,
                       enum sos_agent_backend backend, const struct sos_agent_model_opts *mo,
                       const char *state_dir, struct sos_stage_options *o);
/* The preflight as a guard of a lifecycle command (cmd_preflight.c): runs
 * STEPS of it (bit N = step N; 0 all) for AGENT, prints it only when it
 * failed, and sets *VERDICT (0 passed, 1 warnings, 2 failed). 0, or an
 * exit code when it could not run. */
int cli_preflight_guard(struct cli *cli, struct sos_agent *agent,
                        const struct sos_agent_model_opts *mo, unsigned long steps,
                        int *verdict);

/* The steps of the preflight's runtime half (steps 3-12 and 14: runtime,
 * podman, its version, the machine, the socket, the image, the auth
 * files, the log directory), which start re-runs: what the wrapper needs
 * to run, not what installing needs. */
#define CLI_PREFLIGHT_RUNTIME                                                                 \
    ((((1ul << 13) - 1) & ~((1ul << 3) - 1)) | (1ul << 14))
/* Every step (1 to 18) but 15 ("label not disabled", "unit not masked"):
 * what release asks before its own transaction enables the label a
 * quarantine disabled, or unmasks the unit --mask masked. */
/* repair NAME, first thing: a quarantine of NAME killed while it contained
 * (its record still "containing") has its transaction rolled back and its
 * record removed; *RECOVERED says whether there was one. 0, or an exit
 * code: also when it was killed after containing, with nothing in flight
 * (the record is kept for the quarantine that finishes it). */
int cli_quarantine_recover(struct cli *cli, const char *name, int *recovered);

#define CLI_PREFLIGHT_RELEASE (((1ul << 19) - 2) & ~(1ul << 15))

#endif

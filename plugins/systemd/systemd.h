/* systemd: shared declarations of the unit file linter. */
#ifndef SOS_PLUGIN_SYSTEMD_H
#define SOS_PLUGIN_SYSTEMD_H

#include <stdint.h>
#include <sys/types.h>

#include "sourceos/plugin.h"
#include "../common/plugin_util.h"
#include "../common/podman_cmd.h"

/* A unit file larger than this is not analysed (systemd's own units are a
 * few KiB; a bigger one is not a unit someone wrote by hand). */
#define SYSTEMD_MAX_UNIT_BYTES (1024u * 1024u)
/* Drop-ins read per unit, and files the scan lints in all. */
#define SYSTEMD_MAX_DROPINS 64
#define SYSTEMD_MAX_SCAN_FILES 2000

/* A time span in microseconds; SYSTEMD_INFINITY for "infinity". */
#define SYSTEMD_INFINITY UINT64_MAX


/* One Key=Value assignment, where it was written. */
struct unit_setting {
    char *section;
    char *key;
    char *value;
    const char *file; /* host view: the unit or one of its drop-ins */
    int line;
};

/* A unit file and its drop-ins, parsed in the order systemd applies them. */
struct unit {
    char path[4096]; /* host view */
    const char *kind; /* the suffix after the last dot, e.g. "service" */
    struct unit_setting *settings;
    size_t n, cap;
    char *files[SYSTEMD_MAX_DROPINS + 1]; /* the unit, then its drop-ins */
    size_t n_files;
};

/* Records a finding about FILE (host view) at LINE (0: the whole file):
 * the message starts "FILE:LINE: ", the finding's path is FILE, and a
 * warning or critical one counts toward V. */
sourceos_finding *systemd_note(sourceos_ctx *ctx, struct verdict *v,
                               const char *file, int line, const char *code,
                               sourceos_severity sev, const char *format, ...)
    __attribute__((format(printf, 7, 8)));


/* Reads the unit at PATH (host view) and its drop-ins PATH.d/\*.conf.
 * A file that cannot be used (missing, binary, too large, outside --root,
 * a directory) is a finding and returns -1; STALE_LINK says PATH is a
 * symlink, so a missing target is stale enablement rather than a typo. */
int unit_load(sourceos_ctx *ctx, struct verdict *v, const char *path,
              int stale_link, struct unit *u);

void unit_free(struct unit *u);

/* The effective value of a single-valued KEY in SECTION: the last
 * assignment, or NULL when unset or reset by an empty assignment. */
const struct unit_setting *unit_get(const struct unit *u, const char *section,
                                    const char *key);

/* The effective values of a list KEY (ExecStart=, Environment=): the
 * assignments after the last empty one. Stores up to MAX, returns how many
 * there are. */
size_t unit_list(const struct unit *u, const char *section, const char *key,
                 const struct unit_setting **out, size_t max);

/* Parses a systemd time span ("90", "500ms", "1min 30s", "infinity");
 * a bare number is in seconds. Returns 0, or -1 when it is not one. */
int systemd_parse_timespan(const char *text, uint64_t *usec);

/* Splits a command line as systemd does (quotes, backslashes) into at most
 * MAX words stored in BUF; returns the number of words. A BUF of
 * strlen(TEXT) + 1 bytes and MAX of strlen(TEXT) / 2 + 1 always hold them
 * all (systemd's lines go to 1 MiB: size them to the text, never fixed). */
size_t systemd_split_words(const char *text, char *buf, size_t size,
                           char **words, size_t max);

/* Lints the parsed unit U: every rule, plus one info finding with the
 * unit's evidence (path, restart, exec_start, owner, mode). */
void systemd_lint_unit(sourceos_ctx *ctx, struct verdict *v,
                       const struct unit *u);

/* Reads and lints the unit at PATH (the whole job of both checks). */
void systemd_lint_path(sourceos_ctx *ctx, struct verdict *v, const char *path,
                       int via_symlink);

/* The names of the *.service units systemd.scan lints in DIR (host view):
 * not masked, not an alias of a vendor unit; sorted, in *NAMES (free each
 * and the array). Returns how many; 0 when DIR cannot be listed. */
size_t systemd_scanned_units(sourceos_ctx *ctx, const char *dir, char ***names);

/* ---- the directories a manager reads units from (scan.c) ------------------ */

#define SYSTEMD_DIR_MAX 4096
#define SYSTEMD_MAX_UNIT_DIRS 8

/* The unit directories of the user manager (USER; HOME's ~ directories
 * only when HOME is not NULL) or of the system manager, in systemd's
 * order of precedence, highest first, into DIRS; returns how many. */
size_t systemd_unit_dirs(int user, const char *home, char dirs[][SYSTEMD_DIR_MAX], size_t max);

/* HOME of a unit at HOME/.config/systemd/user/NAME; 0 when PATH is not one. */
int systemd_home_of_unit(const char *path, char *home, size_t size);

/* The unit name PARAM gives (a name, or a unit file's absolute path), and
 * its template (sourceos-agent@.service for sourceos-agent@web.service, ""
 * for a unit that is no instance). -1 when PARAM is not a unit name. */
int systemd_unit_names(const char *param, char *unit, size_t unit_size, char *tmpl,
                       size_t tmpl_size);

/* ---- live state of a unit (live.c) ---------------------------------------- */

/* What `systemctl show -p` is asked about every unit the scan finds. */
#define SYSTEMD_SCANNED_PROPS                                                   \
    "Id,Names,LoadState,ActiveState,SubState,Result,NRestarts,ExecMainCode,"  \
    "ExecMainStatus,UnitFileState,NeedDaemonReload,FragmentPath,Restart,"     \
    "StartLimitBurst"

/* One unit as a manager describes it (opaque). */
struct systemd_live;

/* A unit UNIT of the user (USER) or system manager, asked with SYSTEMCTL;
 * NULL when out of memory. */
struct systemd_live *systemd_live_new(const char *unit, int user, const char *systemctl);
void systemd_live_free(struct systemd_live *l);

/* Forgets what was read (and judged): L is as systemd_live_new left it,
 * to read the next block of a multi-unit show. */
void systemd_live_clear(struct systemd_live *l);

/* Names the unit L is about (the findings' unit), once a block is matched. */
void systemd_live_name(struct systemd_live *l, const char *unit);

/* Reads one unit's Key=Value lines of `systemctl show`; returns how many
 * properties it kept. */
int systemd_live_parse(struct systemd_live *l, const char *text, size_t len);

/* Whether the block read is about UNIT: 2 when its Id= is UNIT, 1 when
 * its Names= (the unit's aliases) holds it, else 0. */
int systemd_live_about(const struct systemd_live *l, const char *unit);

/* ActiveState (ACTIVE) or LoadState as read, "" when absent. */
const char *systemd_live_state(const struct systemd_live *l, int active);

/* NRestarts as read, "" when absent. */
const char *systemd_live_restarts(const struct systemd_live *l);

/* Judges a unit the scan found at FOUND (host view): a respawn loop
 * (NRestarts at RESTART_LIMIT with a failing result), failed, loaded from a
 * file that is gone (systemd.unit-stale-loaded) or changed; V keeps the
 * worst. */
void systemd_live_judge_scanned(sourceos_ctx *ctx, struct systemd_live *l,
                                struct verdict *v, long restart_limit,
                                const char *found);

/* Whether a failed systemctl says there is no systemd (or bus) to ask. */
int systemd_says_no_systemd(const struct sourceos_cmd *r);

sourceos_status systemd_check_lint(sourceos_ctx *ctx);
sourceos_status systemd_check_scan(sourceos_ctx *ctx);
/* live.c: asks the running manager (`systemctl show`) about the unit. */
sourceos_status systemd_check_state(sourceos_ctx *ctx);
/* verify.c: `systemd-analyze verify` and `security --offline=yes` on the
 * unit file. */
sourceos_status systemd_check_verify(sourceos_ctx *ctx);
/* units.c: the live state of every unit the scan finds. */
sourceos_status systemd_check_units(sourceos_ctx *ctx);
/* unit_masked.c: the agent's unit is not masked. */
sourceos_status systemd_check_unit_masked(sourceos_ctx *ctx);
/* unit_conflict.c: no other unit file or drop-in claims the agent's unit. */
sourceos_status systemd_check_unit_conflict(sourceos_ctx *ctx);

/* The actions (actions.c), for the lifecycle commands. */
extern const struct sourceos_action systemd_actions[];

#endif

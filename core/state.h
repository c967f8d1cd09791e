/* Reading an agent's state directory (DESIGN.md: Agents and their state;
 * docs/stage.md: its layout), for `status` and the commands that follow.
 * Read-only: nothing here writes.
 *
 * state.json is written by install (a later issue); its minimal schema,
 * defined here so readers and the writer agree (docs/state.md):
 *
 *   {"schema": 1,
 *    "state": "installed" | "enabled" | "quarantined",
 *    "backend": "launchd" | "systemd",
 *    "service": "/absolute/path/of/the/installed/plist/or/unit",
 *    "generation": N,                   the generation installed
 *    "changed": "2025-01-01T00:00:00Z", when it was last changed (optional)
 *    "despite_preflight": true}         enabled with --enable-despite-preflight
 *                                       (optional; absent = false)
 *
 * Unknown keys are ignored (later versions append); a missing state.json
 * means "not installed by us". */
#ifndef SOS_STATE_H
#define SOS_STATE_H

#include <time.h>

#include "error.h"

enum sos_installed_state {
    SOS_INSTALLED_NONE,        /* no state.json: not installed by us */
    SOS_INSTALLED_INSTALLED,   /* files in place, not enabled */
    SOS_INSTALLED_ENABLED,     /* loaded / enabled in the service manager */
    SOS_INSTALLED_QUARANTINED, /* captured and disabled */
};

struct sos_state_record {
    enum sos_installed_state state;
    char *backend;      /* "" when absent */
    char *service;      /* "" when absent */
    unsigned generation;
    char *changed;      /* "" when absent */
    int despite_preflight; /* enabled although the preflight failed */
};

struct sos_state_view {
    int exists;              /* the state directory exists */
    unsigned generations;    /* how many generations/N there are */
    unsigned newest;         /* the highest N, 0 with none */
    unsigned current;        /* N that `current` points at, 0 when none */
    time_t current_made;     /* the mtime of generations/N (when it was made) */
    int tripped;             /* the wrapper spent the restart budget since its last start */
    time_t tripped_at;       /* from `tripped`, 0 when none */
    unsigned starts_last_hour; /* start times in `restarts` within the hour before NOW */
    time_t last_start;       /* the newest of them, 0 when none */
    struct sos_state_record record; /* state.json, SOS_INSTALLED_NONE when absent */
};

/* Reads DIR (a state directory of sos_stage_state_dir()) as of NOW. A
 * directory that does not exist is not an error (EXISTS 0). A `current`
 * that is not a symlink to "generations/N" with N a generation there, a
 * state directory or member that is a symlink, or a state.json that is not
 * the schema above fail with ERR naming the file. */
int sos_state_read(const char *dir, time_t now, struct sos_state_view *out, sos_error *err);

const char *sos_installed_state_name(enum sos_installed_state s);

/* Writes R as DIR/state.json (the schema above; "changed" is NOW), mode
 * 0600, atomically. SOS_INSTALLED_NONE removes it: not installed by us. */
int sos_state_write(const char *dir, const struct sos_state_record *r, time_t now,
                    sos_error *err);

void sos_state_view_free(struct sos_state_view *v);

/* Removes the state directory DIR and everything in it (generations,
 * `current`, state.json, the restart budget), never following a symlink
 * or crossing into another file system: uninstall's "staged artifacts".
 * DIR that does not exist is done. -1 with ERR naming what could not be
 * removed. */
int sos_state_remove(const char *dir, sos_error *err);

#endif

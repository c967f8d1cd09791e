/* A service's launch command as it really runs: launchd's ProgramArguments
 * (or Program), systemd's ExecStart= words after its prefixes. nix-darwin
 * and home-manager hide the program behind `/bin/sh -c "/bin/wait4path
 * /nix/store && exec /nix/store/...-wrapper"`, and the wrapper is a script
 * whose last `exec` is what runs; the lints judge that, not the shell.
 *
 * One parser for both lints. It splits shell text into simple commands the
 * way a reader would (quotes, escapes, comments, continuation lines,
 * `&&`, `||`, `;`, `|`, `&`, newlines, `$(...)` and backquotes), follows
 * `env`, `exec` and `wait4path`, and reads the program the launch command
 * execs, when it is a script, under --root and one level deep: the
 * script's own exec target is named, never read. Not a shell: no
 * expansion, no control flow; enough to see what is run and with what. */
#ifndef SOS_PLUGIN_LAUNCH_CMD_H
#define SOS_PLUGIN_LAUNCH_CMD_H

#include <stddef.h>

#include "sourceos/plugin.h"

/* A script the launch command runs is read only this far; a longer one is
 * not followed (LAUNCH_SCRIPT_TOO_LARGE). */
#define LAUNCH_SCRIPT_MAX_BYTES (256u * 1024u)
/* At most this many simple commands are kept of each text (the -c string,
 * the script). Beyond it the oldest are dropped (cut_commands), exec lines
 * last: what runs in the end is the last exec, so that one always stays. */
#define LAUNCH_MAX_COMMANDS 2048
/* Words of one simple command beyond this are dropped (cut_words). */
#define LAUNCH_MAX_WORDS 4096

/* Where a simple command was written. */
enum launch_origin {
    LAUNCH_FROM_ARGV,   /* the argv itself */
    LAUNCH_FROM_SHELL,  /* the string of `SHELL -c STRING` */
    LAUNCH_FROM_SCRIPT  /* the script the launch command runs */
};

/* One simple command: its words as written (quotes removed) and where. */
struct launch_simple {
    enum launch_origin from;
    unsigned line;    /* line in the -c string or the script, from 1; 0 for argv */
    int exec;         /* started with `exec` */
    size_t argc;
    char **argv;      /* NULL-terminated; owned by the launch_cmd */
    size_t prog;      /* index of the program: after exec, env and its
                       * options, and VAR=value words; == argc when none */
};

/* What happened to the script the launch command runs. */
enum launch_script_state {
    LAUNCH_NO_SCRIPT,        /* the target is not absolute, or not a file */
    LAUNCH_SCRIPT_READ,      /* read and split: its commands are in cmds */
    LAUNCH_SCRIPT_BINARY,    /* exists but has no #! line: a program */
    LAUNCH_SCRIPT_TOO_LARGE, /* longer than LAUNCH_SCRIPT_MAX_BYTES */
    LAUNCH_SCRIPT_UNREADABLE /* exists (or may) but cannot be read: see error */
};

struct launch_cmd {
    struct launch_simple *cmds; /* argv / -c commands, then the script's */
    size_t n, cap;
    /* What was not followed: a lint reports it (launch_cmd_cuts), so that
     * padding cannot hide a command from it. */
    int cut;                    /* any of the three below */
    size_t cut_commands;        /* simple commands dropped (LAUNCH_MAX_COMMANDS) */
    size_t cut_words;           /* words dropped (LAUNCH_MAX_WORDS) */
    size_t cut_nested;          /* $(...) or `...` too deeply nested to split */

    /* The launch command itself. */
    const char *program;        /* argv[0] */
    int shell_c;                /* SHELL [options] -c STRING */
    const char *shell;          /* the shell (its path as written), or NULL */
    const char *shell_text;     /* the -c STRING, or NULL */
    const char *wait_path;      /* wait4path's PATH, or NULL */

    /* The program the launch command execs: argv's program, or the -c
     * string's last exec (else its last simple command), or the script of
     * `SHELL SCRIPT`. NULL when there is none (an empty argv). */
    const char *target;
    int target_store;           /* target is /nix/store/HASH-NAME/... */
    int target_exists;          /* 1 exists, 0 absent, -1 cannot tell */
    int target_error;           /* sourceos_host_path_error() when not 1 */

    /* When the target is a script (#! line): its text and commands. */
    enum launch_script_state script;
    int script_error;           /* negative errno when UNREADABLE */
    const char *script_text;    /* owned by the core; NULL unless READ */
    size_t script_len;
    size_t script_first;        /* cmds[script_first..n) are the script's */

    /* What really runs in the end: the script's last exec (else its last
     * simple command) when the target is a script, else the target's. */
    const struct launch_simple *final;
    const char *final_program;  /* its program word, or NULL */
    int final_store;            /* final_program is a store path */
};

/* Parses the launch command ARGV (ARGC words) into OUT, reading the target
 * script through CTX (under --root). CTX may be NULL: nothing is read.
 * Returns 0, or -1 when out of memory (OUT is then empty but valid). */
int launch_cmd_parse(sourceos_ctx *ctx, const char *const *argv, size_t argc,
                     struct launch_cmd *out);

/* Splits shell TEXT (LEN bytes) into simple commands appended to LC, each
 * marked FROM with its line (from FIRST_LINE). Returns 0 or -1 (memory). */
int launch_cmd_split(struct launch_cmd *lc, const char *text, size_t len,
                     enum launch_origin from, unsigned first_line);

/* What of LC was not followed, in words for a message ("1024 simple
 * commands dropped (the oldest: at most 2048 are kept), ..."): the cuts above, and a
 * script too large to read (store path or not). Returns 1 when there is
 * any, else 0 with OUT "". */
int launch_cmd_cuts(const struct launch_cmd *lc, char *out, size_t size);

/* Frees what LC holds (not the core's script text). */
void launch_cmd_free(struct launch_cmd *lc);

/* 1 when PATH is inside a Nix store object (/nix/store/HASH-NAME/... or the
 * object itself), with NAME (the part after "HASH-") copied into OUT when
 * OUT is not NULL. */
int launch_store_path(const char *path, char *out, size_t size);

/* A short account of C for a message: the program's base name and its
 * words when that is short, else the words up to the first option, " ...",
 * and the last word when it is not an option (e.g. "podman run ...
 * ghcr.io/x:latest"). Store paths in the words are shown as their NAME. */
void launch_cmd_summary(const struct launch_simple *c, char *out, size_t size);

/* The words of C from its program on, joined by spaces (cut to SIZE). */
void launch_cmd_join(const struct launch_simple *c, char *out, size_t size);

/* "`a`, then `exec b`": what the -c string runs, each simple command in
 * short (launch_cmd_summary), for a message. "" when it runs nothing. */
void launch_cmd_account(const struct launch_cmd *lc, char *out, size_t size);

/* The paths the launch command runs that do not exist under the root, at
 * most two, into MISSING; returns how many. Judged: the program when it
 * is a store path (a store shell), and the target when it is a store path
 * or a shell wrapper execs it. A plain program outside the store is not
 * (copied trees often leave binaries out), nor a store path when the tree
 * has no /nix/store at all (nothing can be said of collected paths). A
 * path outside the store that a shell execs is judged only on the live
 * host (fact host.live "true", no --root) or when its directory exists in
 * the tree: a copy that left /opt/homebrew out says nothing of podman. */
size_t launch_cmd_missing(sourceos_ctx *ctx, const struct launch_cmd *lc,
                          const char *missing[2]);

/* When C uses an option only GNU's tools have (macOS's BSD tools refuse it
 * or do something else): `readlink -f`, `sed -i` without a suffix (`sed -i
 * ''` and `sed -i.bak` are fine), `date -d`, `grep -P`, `stat -c`. Returns
 * the construct ("sed -i") and, in *HINT, what to write instead; else NULL. */
const char *launch_gnu_only(const struct launch_simple *c, const char **hint);

#endif

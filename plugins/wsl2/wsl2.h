/* wsl2: shared declarations of the WSL checks. The parsers (text.c,
 * list.c, conf.c) are pure: bytes in, a struct or an error out, with no
 * sourceos_ctx, so tests/unit/test_wsl_parse.c compiles them directly. */
#ifndef SOS_PLUGIN_WSL2_H
#define SOS_PLUGIN_WSL2_H

#include <stddef.h>

#include "sourceos/plugin.h"
#include "../common/plugin_util.h"

/* ---- Decoding command output (text.c) ------------------------------------ */

/* wsl.exe's output is a few hundred bytes; the core caps a capture at
 * 1 MiB, and nothing larger is decoded. */
#define WSL_TEXT_MAX_BYTES (1024u * 1024u)

enum wsl_text_error {
    WSL_TEXT_OK = 0,
    WSL_TEXT_TOO_LARGE,        /* over WSL_TEXT_MAX_BYTES */
    WSL_TEXT_ODD_LENGTH,       /* UTF-16 with an odd number of bytes */
    WSL_TEXT_TRUNCATED_PAIR,   /* ends in the middle of a surrogate pair */
    WSL_TEXT_UNPAIRED,         /* a surrogate without its partner */
    WSL_TEXT_NUL,              /* a NUL character in the text */
    WSL_TEXT_INVALID_UTF8,     /* bytes that are not UTF-8 */
    WSL_TEXT_UTF16BE,          /* a big-endian BOM: wsl.exe never writes it */
    WSL_TEXT_NO_MEMORY,
};

enum wsl_encoding {
    WSL_ENC_UTF8,
    WSL_ENC_UTF8_BOM,
    WSL_ENC_UTF16LE,
    WSL_ENC_UTF16LE_BOM,
};

/* Text decoded to UTF-8 with LF line ends; TEXT is NUL-terminated and
 * malloc'd (free with wsl_text_free). On error, OFFSET is the byte of the
 * input where decoding stopped. */
struct wsl_text {
    char *text;
    size_t len;
    enum wsl_encoding encoding;
    size_t offset;
};

/* Decodes LEN bytes of command output: UTF-16LE (with a BOM, or without one
 * when NULs sit in the high bytes, as wsl.exe writes it) or UTF-8 (with or
 * without a BOM), CRLF and lone CR to LF. */
enum wsl_text_error wsl_text_decode(const unsigned char *bytes, size_t len,
                                    struct wsl_text *out);

void wsl_text_free(struct wsl_text *t);

/* What went wrong, in words ("an odd number of bytes for UTF-16"). */
const char *wsl_text_error_text(enum wsl_text_error e);

/* "UTF-16LE", "UTF-8 with a BOM", ... */
const char *wsl_encoding_text(enum wsl_encoding e);

/* ---- `wsl.exe -l -v` and `wsl.exe --status` (list.c) --------------------- */

#define WSL_NAME_MAX 128
#define WSL_STATE_MAX 64
#define WSL_LIST_MAX 64
#define WSL_MESSAGE_MAX 256

struct wsl_distro {
    char name[WSL_NAME_MAX];
    char state[WSL_STATE_MAX]; /* as printed: Running, Stopped, or localized */
    int version;               /* 1 or 2 */
    int is_default;            /* marked '*' */
};

struct wsl_list {
    struct wsl_distro distros[WSL_LIST_MAX];
    size_t n;
    int header;            /* a header line was seen */
    int no_distros;        /* wsl.exe said there are none */
    size_t unknown_lines;  /* lines that are neither header nor row */
    int cut;               /* more than WSL_LIST_MAX rows */
    char message[WSL_MESSAGE_MAX]; /* the first line, when it is not a table */
};

enum wsl_parse_error {
    WSL_PARSE_OK = 0,
    WSL_PARSE_EMPTY,     /* no text at all */
    WSL_PARSE_NO_TABLE,  /* text, but neither rows nor a known message */
};

/* Parses `wsl.exe -l -v`: a header line, then rows `[*] NAME STATE
 * VERSION`. STATE may be localized and hold spaces (NAME never does);
 * VERSION is the last word. "... has no installed distributions." is a
 * valid answer (no_distros). */
enum wsl_parse_error wsl_parse_list(const char *text, size_t len,
                                    struct wsl_list *out);

/* The row named NAME (WSL compares names case-insensitively), or NULL. */
const struct wsl_distro *wsl_list_find(const struct wsl_list *l,
                                       const char *name);

struct wsl_status {
    char default_distro[WSL_NAME_MAX]; /* "" when not said */
    int default_version;               /* 0 when not said */
};

/* Parses `wsl.exe --status`: the "Default Distribution: X" and "Default
 * Version: N" lines; other (and localized) lines are ignored. EMPTY when
 * there is no text, NO_TABLE when neither line is there. */
enum wsl_parse_error wsl_parse_status(const char *text, size_t len,
                                      struct wsl_status *out);

/* ---- /etc/wsl.conf (conf.c) ---------------------------------------------- */

#define WSL_CONF_MAX_BYTES (64u * 1024u)
#define WSL_CONF_MAX_ISSUES 16

/* One boolean setting; unset settings keep WSL's default. */
struct wsl_conf_bool {
    int set;
    int value;
    int line;
};

enum wsl_conf_issue_kind {
    WSL_CONF_SYNTAX,      /* neither [section], key=value nor a comment */
    WSL_CONF_NOT_BOOLEAN, /* a known boolean key with another value */
    WSL_CONF_BINARY,      /* a NUL byte: not a text file */
};

struct wsl_conf_issue {
    enum wsl_conf_issue_kind kind;
    int line;
    char text[96]; /* the line (cut), for the finding */
};

struct wsl_conf {
    struct wsl_conf_bool systemd;             /* [boot] systemd, default false */
    struct wsl_conf_bool interop;             /* [interop] enabled, default true */
    struct wsl_conf_bool append_windows_path; /* [interop] appendWindowsPath, default true */
    struct wsl_conf_issue issues[WSL_CONF_MAX_ISSUES];
    size_t n_issues;    /* stored, at most WSL_CONF_MAX_ISSUES */
    size_t more_issues; /* beyond those */
};

/* Parses wsl.conf (an INI file: [section], key = value, # or ; comments;
 * booleans true/false in any case; the last assignment wins). Never fails:
 * what it cannot read becomes an issue with its line number. */
void wsl_parse_conf(const char *text, size_t len, struct wsl_conf *out);

/* The value of B, or DFLT when unset. */
int wsl_conf_value(const struct wsl_conf_bool *b, int dflt);

/* ---- Shared by the checks (plugin.c) ------------------------------------- */

/* Whether NAME is a name podman accepts for a machine (and WSL for a
 * distro): [A-Za-z0-9][A-Za-z0-9_.-]*, at most WSL_NAME_MAX - 8 bytes; safe
 * to show in a command. */
int wsl_name_valid(const char *name);

/* The commands a finding offers to turn off the Windows PATH in a distro. */
void wsl_command_no_windows_path(sourceos_finding *f);

sourceos_status wsl_check_inside(sourceos_ctx *ctx);
sourceos_status wsl_check_interop(sourceos_ctx *ctx);
sourceos_status wsl_check_distro(sourceos_ctx *ctx);

#endif

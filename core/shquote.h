/* Shell quoting of remediation commands: the lines under `$` that people
 * copy into a shell. Every word that comes from the host passes through
 * here, so a hostile path, label or URL stays one inert word. */
#ifndef SOS_SHQUOTE_H
#define SOS_SHQUOTE_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

/* Non-zero when WORD can be pasted without quotes: non-empty, only
 * [A-Za-z0-9_@%+=:,./-], and not starting with '=' (zsh expands =cmd). */
int sos_shquote_is_bare(const char *word);

/* 0 when TEXT holds nothing that a pasted command must not carry; -1 with
 * ERR saying what and where otherwise: a control character (C0, DEL, C1),
 * an invisible or direction-changing character (bidi controls, zero-width
 * ones, line separators), or bytes that are not UTF-8. A newline or a tab
 * runs or completes things on paste; the others hide what is pasted. */
int sos_shquote_check(const char *text, sos_error *err);

/* The command line of the words ARGV (NULL-terminated, at least one): each
 * word bare when sos_shquote_is_bare(), else in POSIX single quotes ('\''
 * for a quote inside). NULL with ERR when a word fails sos_shquote_check()
 * or memory runs out. The caller frees the result. */
char *sos_shquote_argv(const char *const argv[], sos_error *err);

/* A command line from TEMPLATE, constant shell text written by the plugin,
 * in which each `%s` becomes the next argument as one quoted word (as in
 * sos_shquote_argv) and `%%` a percent sign. NULL with ERR when an argument
 * fails sos_shquote_check(), or when the template is unusable: another
 * conversion, a `%s` inside quotes or right after `$` (where quoting would
 * not hold), an unterminated quote, a NULL argument. */
char *sos_shquote_vformat(const char *template, va_list ap, sos_error *err);

/* TEXT escaped for one line that shows it (at most about MAX bytes of it):
 * \n, \t, \\, \xNN for other control bytes and non-UTF-8, \u{N} for the
 * characters sos_shquote_check() refuses. Never NULL unless memory runs out. */
char *sos_shquote_escape(const char *text, size_t max);

#endif

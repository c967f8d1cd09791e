/* Redaction: the one filter every string leaving the process passes through.
 *
 * Three rules, applied to any text:
 *  - by exact value: every secret the run read (auth files' `auth`,
 *    `identitytoken`, `registrytoken`, values read under a secret key,
 *    what plugins declared with sourceos_secret()), and the password part of
 *    a value that is base64 of "user:password";
 *  - by key name: the value after `KEY=`, `KEY: `, `"KEY": "`, `--KEY=`,
 *    `--KEY ` when KEY looks secret (password, token, secret, auth, ...);
 *  - by value shape: Authorization Bearer/Basic values, URL userinfo, PEM
 *    private keys, JWTs, crypt(3) hashes, and the published token formats
 *    (GitHub, GitLab, Slack, AWS, Google, OpenAI, Anthropic, npm, Docker
 *    Hub, Hugging Face, Stripe, PyPI).
 *
 * What is removed becomes `<redacted:KIND>` (KIND says what it was: bearer,
 * github-token, password, ...); names and structure around it are kept.
 * The filter is one pass per rule over the text, linear in its length (the
 * exact values are found with Aho-Corasick), and takes arbitrary bytes.
 */
#ifndef SOS_REDACT_H
#define SOS_REDACT_H

#include <stddef.h>

/* The marker a redacted value starts with. */
#define SOS_REDACTED_PREFIX "<redacted"

/* Exact values shorter than this are not looked for: a two-letter password
 * would otherwise blank every word holding those letters. */
#define SOS_REDACT_MIN_SECRET 6
/* Exact values longer than this are cut to it before they are looked for
 * (a prefix of a secret is still a secret), and at most this many are kept. */
#define SOS_REDACT_MAX_SECRET 4096
#define SOS_REDACT_MAX_SECRETS 4096

/* The known secrets of a run, compiled for searching. Immutable once built,
 * so one redactor can serve every report of the run. */
struct sos_redactor;

/* A redactor for the N NUL-terminated SECRETS (may be NULL when N is 0);
 * values too short are ignored. NULL on ENOMEM. */
struct sos_redactor *sos_redactor_new(const char *const *secrets, size_t n);
void sos_redactor_free(struct sos_redactor *rd);

/* THE entry point: a redacted copy of the LEN bytes at TEXT (any bytes,
 * NULs included), NUL-terminated, its length in *OUT_LEN when OUT_LEN is not
 * NULL. RD may be NULL: then only the key and shape rules apply. Returns
 * NULL only on ENOMEM. */
char *sos_redact_text(const struct sos_redactor *rd, const char *text, size_t len,
                      size_t *out_len);

/* Where the LEN bytes at TEXT can be cut so that redacting the two parts
 * apart gives what redacting them whole would: just after the last newline
 * that is not inside a PEM block. 0 when there is no such place. */
size_t sos_redact_cut(const char *text, size_t len);

/* Redacts LEN bytes of IN_FD from offset START into OUT_FD (written at its
 * offset), in pieces cut by sos_redact_cut(), so memory stays bounded
 * whatever LEN is. A piece with no safe cut within SOS_REDACT_PIECE_MAX
 * bytes (one huge line) is cut where it ends. *CHANGED is set when the
 * output differs from the input. Returns the bytes written, or -1 with
 * errno set (ENOMEM, a read or write error, or EIO when IN_FD ends first). */
#define SOS_REDACT_PIECE (1024 * 1024)
#define SOS_REDACT_PIECE_MAX (4 * SOS_REDACT_PIECE)
long long sos_redact_fd(const struct sos_redactor *rd, int in_fd, unsigned long long start,
                        unsigned long long len, int out_fd, int *changed);

/* sos_redact_text() of a NUL-terminated string; NULL for NULL. */
char *sos_redact_str(const struct sos_redactor *rd, const char *s);

/* A redacted copy of VALUE stored under KEY (evidence, facts): the whole
 * value becomes `<redacted:KIND>` when KEY or VALUE's shape is secret, else
 * the value goes through sos_redact_text(). NULL on ENOMEM. */
char *sos_redact_value(const struct sos_redactor *rd, const char *key,
                       const char *value);

/* What a value under KEY is, when KEY names a secret ("password", "token",
 * "auth", ...; case-insensitive, as a key or a key's suffix); else NULL.
 * Not secret: authfile, auth_mode, oauth2, token_count, password_file. */
const char *sos_redact_key_kind(const char *key);

/* Non-zero when a value stored under KEY is a secret by its name. */
int sos_redact_key_is_secret(const char *key);

/* Non-zero when VALUE itself is a secret as a whole: a PEM private key, or
 * a "Basic"/"Bearer" authorization value. */
int sos_redact_value_is_secret(const char *value);

/* The password of a base64 "user:password" (an auth.json `auth`), malloc'd,
 * or NULL when VALUE is not one. */
char *sos_redact_basic_password(const char *value);

#endif

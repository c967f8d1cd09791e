#include "config.h"

#include "redact.h"
#include "strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * The filter is a scanner, not a set of regular expressions: every rule
 * starts at a word boundary or at one special byte, looks ahead a bounded
 * distance or consumes what it looked at, so each byte is looked at a
 * constant number of times. Rules that fail never rewind further than the
 * word they started at.
 */

/* ---- Output buffer ------------------------------------------------------- */

static void put_marker(struct sos_strbuf *o, const char *kind)
{
    sos_strbuf_put(o, SOS_REDACTED_PREFIX ":", sizeof SOS_REDACTED_PREFIX);
    sos_strbuf_put(o, kind, strlen(kind));
    sos_strbuf_put(o, ">", 1);
}

/* What the shape rules write: the text as it is, but for the spans rules
 * replace with a marker. Unchanged text goes in one piece when the next
 * marker (or the end) comes, not word by word. */
struct shaped {
    struct sos_strbuf buf;
    const char *t;
    size_t copied; /* t[0, copied) is in buf */
};

/* T[START, END) becomes the marker of KIND; START is never before what
 * was copied, since rules only look ahead of where the scan is. */
static void replace(struct shaped *o, size_t start, size_t end, const char *kind)
{
    sos_strbuf_put(&o->buf, o->t + o->copied, start - o->copied);
    put_marker(&o->buf, kind);
    o->copied = end;
}

static char *finish(struct sos_strbuf *o, size_t *out_len)
{
    sos_strbuf_put(o, "", 0); /* an empty input still gets its NUL */
    if (o->failed) {
        free(o->p);
        return NULL;
    }
    if (out_len)
        *out_len = o->len;
    return o->p;
}

/* ---- Character classes --------------------------------------------------- */

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* A word: what keys, flags and tokens are made of. A table, since every
 * byte of every log the filter reads is classed by it. */
static const unsigned char word_bytes[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] =
    1, ['8'] = 1, ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,
    ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] =
    1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
    ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] =
    1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
    ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] =
    1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1, ['_'] = 1, ['-'] = 1, ['.'] = 1,
};

static int is_word(unsigned char c)
{
    return word_bytes[c];
}

static int is_b64url(unsigned char c)
{
    return is_alnum(c) || c == '_' || c == '-';
}

/* RFC 7235 token68, what Bearer and Basic credentials are made of. */
static int is_token68(unsigned char c)
{
    return is_alnum(c) || strchr("-._~+/=", c) != NULL;
}

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

static int is_space(unsigned char c)
{
    return is_blank(c) || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static size_t span(const char *t, size_t i, size_t n, int (*cls)(unsigned char))
{
    size_t j = i;
    while (j < n && cls((unsigned char)t[j]))
        j++;
    return j;
}

static int has_prefix_ci(const char *t, size_t i, size_t n, const char *p)
{
    size_t len = strlen(p);
    return n - i >= len && strncasecmp(t + i, p, len) == 0;
}

static int has_prefix(const char *t, size_t i, size_t n, const char *p)
{
    size_t len = strlen(p);
    return n - i >= len && memcmp(t + i, p, len) == 0;
}

/* ---- Keys ---------------------------------------------------------------- */

struct key_rule {
    const char *suffix;
    size_t len;
    const char *kind;
};

#define KEY(suffix, kind) {suffix, sizeof suffix - 1, kind}

/* Matched as a suffix of the lower-cased key, longest first where one is a
 * suffix of another, so AWS_SECRET_ACCESS_KEY says what it is. */
static const struct key_rule key_rules[] = {
    KEY("secret_access_key", "aws-secret-key"),
    KEY("secretaccesskey", "aws-secret-key"),
    KEY("password", "password"),  KEY("passwd", "password"),
    KEY("passphrase", "password"), KEY("secret", "secret"),
    KEY("token", "token"),        KEY("apikey", "api-key"),
    KEY("api_key", "api-key"),    KEY("api-key", "api-key"),
    KEY("privatekey", "private-key"), KEY("private_key", "private-key"),
    KEY("private-key", "private-key"), KEY("secret_key", "secret"),
    KEY("secretkey", "secret"),   KEY("access_key", "secret"),
    KEY("accesskey", "secret"),
    KEY("creds", "credentials"),  KEY("cookie", "cookie"),
    {NULL, 0, NULL},
};

#define KEY_MAX 128

static char lower(char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* Whether KEY (LEN bytes) ends with SUFFIX (N bytes, lower case),
 * case-insensitively. */
static int ends_with_ci(const char *key, size_t len, const char *suffix, size_t n)
{
    if (len < n)
        return 0;
    key += len - n;
    for (size_t k = 0; k < n; k++)
        if (lower(key[k]) != suffix[k])
            return 0;
    return 1;
}

/* The last bytes of the suffixes below and of "auth". */
static int ends_a_key(char c)
{
    switch (c) {
    case 'y': case 'd': case 'e': case 't': case 'n': case 's': case 'h':
        return 1;
    default:
        return 0;
    }
}

/* The kind of a key of LEN bytes, or NULL. Called for many words of every
 * log the redaction filter reads, hence the last-byte tests first. */
static const char *key_kind_n(const char *key, size_t len)
{
    char last;

    while (len > 0 && key[0] == '-') { /* a flag: --password */
        key++;
        len--;
    }
    if (len < 4 || len > KEY_MAX || !ends_a_key(last = lower(key[len - 1])))
        return NULL;
    for (size_t i = 0; key_rules[i].suffix; i++)
        if (key_rules[i].suffix[key_rules[i].len - 1] == last &&
            ends_with_ci(key, len, key_rules[i].suffix, key_rules[i].len))
            return key_rules[i].kind;
    /* "auth" alone is the base64 user:password of an auth.json entry, also
     * as a dotted or underscored suffix (registry.auth, http_auth); authfile,
     * auth_mode, oauth and a plugin named registry-auth are not secrets. */
    if (last == 'h' && ends_with_ci(key, len, "auth", 4) &&
        (len == 4 || key[len - 5] == '.' || key[len - 5] == '_'))
        return "auth";
    return NULL;
}

const char *sos_redact_key_kind(const char *key)
{
    return key ? key_kind_n(key, strlen(key)) : NULL;
}

int sos_redact_key_is_secret(const char *key)
{
    return sos_redact_key_kind(key) != NULL;
}

/* ---- Published token formats --------------------------------------------- */

struct token_rule {
    const char *prefix;
    const char *kind;
    size_t min_body; /* bytes of body after the prefix */
    int (*body)(unsigned char);
};

static int is_upper_alnum(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || is_digit(c);
}

static int is_google_body(unsigned char c)
{
    return is_b64url(c) || c == '.';
}

static const struct token_rule token_rules[] = {
    {"github_pat_", "github-token", 22, is_b64url},
    {"ghp_", "github-token", 30, is_alnum},
    {"gho_", "github-token", 30, is_alnum},
    {"ghs_", "github-token", 30, is_alnum},
    {"ghu_", "github-token", 30, is_alnum},
    {"ghr_", "github-token", 30, is_alnum},
    {"glpat-", "gitlab-token", 20, is_b64url},
    {"xoxa-", "slack-token", 10, is_b64url},
    {"xoxb-", "slack-token", 10, is_b64url},
    {"xoxp-", "slack-token", 10, is_b64url},
    {"xoxo-", "slack-token", 10, is_b64url},
    {"xoxs-", "slack-token", 10, is_b64url},
    {"xoxr-", "slack-token", 10, is_b64url},
    {"ya29.", "google-token", 20, is_google_body},
    {"AIza", "google-api-key", 35, is_b64url},
    {"sk-ant-", "anthropic-key", 20, is_b64url},
    {"sk-proj-", "openai-key", 20, is_b64url},
    {"sk-", "openai-key", 20, is_b64url},
    {"sk_live_", "stripe-key", 20, is_alnum},
    {"rk_live_", "stripe-key", 20, is_alnum},
    {"npm_", "npm-token", 30, is_alnum},
    {"dckr_pat_", "docker-token", 20, is_b64url},
    {"hf_", "huggingface-token", 30, is_alnum},
    {"pypi-", "pypi-token", 50, is_b64url},
    {NULL, NULL, 0, NULL},
};

/* AKIA/ASIA and 16 upper-case letters or digits: an AWS access key id. */
static size_t aws_key_id_at(const char *t, size_t i, size_t n)
{
    size_t j;
    if (t[i] != 'A' || (!has_prefix(t, i, n, "AKIA") && !has_prefix(t, i, n, "ASIA")))
        return 0;
    j = span(t, i + 4, n, is_upper_alnum);
    return j - i == 20 && (j == n || !is_alnum((unsigned char)t[j])) ? j : 0;
}

/* header.payload.signature, base64url, the header a JSON object ("eyJ"). */
static size_t jwt_at(const char *t, size_t i, size_t n)
{
    size_t a, b, c;
    if (t[i] != 'e' || !has_prefix(t, i, n, "eyJ"))
        return 0;
    a = span(t, i, n, is_b64url);
    if (a - i < 10 || a >= n || t[a] != '.')
        return 0;
    b = span(t, a + 1, n, is_b64url);
    if (b - a - 1 < 10 || b >= n || t[b] != '.')
        return 0;
    c = span(t, b + 1, n, is_b64url);
    return c;
}

/* The first bytes of the formats above, of AWS key ids and of JWTs: a word
 * starting with any other byte is none of them (test_redact has one of each,
 * so a rule added without its byte here fails it). */
static const unsigned char token_start[256] = {
    ['A'] = 1, ['d'] = 1, ['e'] = 1, ['g'] = 1, ['h'] = 1, ['n'] = 1,
    ['p'] = 1, ['r'] = 1, ['s'] = 1, ['x'] = 1, ['y'] = 1,
};

/* Whether a token of the formats above (or an AWS key id, or a JWT) can
 * start with the bytes A B: every word starting with a token's first
 * letter gets here, and most are no token. test_redact has one of each. */
static int token_pair(char a, char b)
{
    switch (a) {
    case 'g': return b == 'i' || b == 'h' || b == 'l';
    case 'A': return b == 'I' || b == 'K' || b == 'S';
    case 'x': return b == 'o';
    case 'y': return b == 'a';
    case 's': case 'r': return b == 'k';
    case 'n': return b == 'p';
    case 'd': return b == 'c';
    case 'h': return b == 'f';
    case 'p': case 'e': return b == 'y';
    default: return 0;
    }
}

/* End of a token in a published format starting at I, or 0; *KIND set. */
static size_t token_at(const char *t, size_t i, size_t n, const char **kind)
{
    size_t end;

    if (i + 1 >= n || !token_pair(t[i], t[i + 1]))
        return 0;
    if ((end = aws_key_id_at(t, i, n))) {
        *kind = "aws-access-key-id";
        return end;
    }
    if ((end = jwt_at(t, i, n))) {
        *kind = "jwt";
        return end;
    }
    for (size_t r = 0; token_rules[r].prefix; r++) {
        const struct token_rule *rule = &token_rules[r];
        size_t body;
        if (rule->prefix[0] != t[i] || i + 1 >= n || rule->prefix[1] != t[i + 1] ||
            !has_prefix(t, i, n, rule->prefix))
            continue; /* the first two bytes decide for almost every word */
        body = i + strlen(rule->prefix);
        end = span(t, body, n, rule->body);
        if (end - body >= rule->min_body) {
            *kind = rule->kind;
            return end;
        }
        return 0; /* a longer prefix matched and failed: not a shorter one */
    }
    return 0;
}

/* ---- Shapes that span more than a word ------------------------------------ */

/* A PEM private key from "-----BEGIN" at I: writes the armour lines with a
 * marker between them; returns where to go on, or 0 when it is not one. */
static size_t pem_at(struct shaped *o, const char *t, size_t i, size_t n)
{
    static const char begin[] = "-----BEGIN ";
    size_t label = i + sizeof begin - 1, close, body, end;
    const char *found;

    if (!has_prefix(t, i, n, begin))
        return 0;
    for (close = label; close < n && close - label < 64 && t[close] != '-' &&
                        t[close] != '\n'; close++)
        ;
    if (!has_prefix(t, close, n, "-----"))
        return 0;
    found = NULL;
    for (size_t k = label; k + 11 <= close; k++)
        if (memcmp(t + k, "PRIVATE KEY", 11) == 0)
            found = t + k;
    if (!found)
        return 0;
    body = close + 5;
    found = memmem(t + body, n - body, "-----END ", 9);
    if (!found) { /* cut short: everything after the header is the key */
        replace(o, body, n, "private-key");
        return n;
    }
    replace(o, body, (size_t)(found - t), "private-key");
    end = (size_t)(found - t) + 9;
    while (end < n && end - (size_t)(found - t) < 80 && t[end] != '\n' &&
           !has_prefix(t, end, n, "-----"))
        end++;
    if (has_prefix(t, end, n, "-----"))
        end += 5;
    return end;
}

/* A crypt(3) hash ($1$, $5$, $6$, $y$, $2b$, $argon2id$...) at I. */
static size_t crypt_hash_at(const char *t, size_t i, size_t n)
{
    size_t id = i + 1, end, j;
    if (t[i] != '$')
        return 0;
    static const char *const ids[] = {"1", "2a", "2b", "2y", "5", "6", "7", "y",
                                      "gy", "md5", "sha1", "argon2i",
                                      "argon2d", "argon2id", NULL};
    int known = 0;
    j = span(t, id, n, is_alnum);
    if (j >= n || t[j] != '$')
        return 0;
    for (size_t k = 0; ids[k]; k++)
        if (j - id == strlen(ids[k]) && memcmp(t + id, ids[k], j - id) == 0)
            known = 1;
    if (!known)
        return 0;
    end = j;
    while (end < n && (is_alnum((unsigned char)t[end]) || t[end] == '.' ||
                       t[end] == '/' || t[end] == '$' || t[end] == '=' ||
                       t[end] == ','))
        end++;
    return end - i >= 20 ? end : 0;
}

/* Where a quoted value starting after quote Q at I ends (at the quote,
 * or at the line's end when it is not closed). Backslash escapes skip. */
static size_t quoted_end(const char *t, size_t i, size_t n, char q)
{
    size_t j = i;
    while (j < n && t[j] != q && t[j] != '\n') {
        if (t[j] == '\\' && j + 1 < n && t[j + 1] != '\n')
            j++;
        j++;
    }
    return j < n ? j : n;
}

/* An unquoted value ends at a space or a delimiter of what holds it. */
static int ends_plain(unsigned char c)
{
    return is_space(c) || c == '"' || c == '\'' || c == ',' || c == ';' ||
           c == '&' || c == '}' || c == ']' || c == ')' || c == '\\' ||
           c == '<' || c == '>';
}

static size_t plain_end(const char *t, size_t i, size_t n)
{
    size_t j = i;
    while (j < n && !ends_plain((unsigned char)t[j]))
        j++;
    return j;
}

struct value {
    size_t start, end; /* the bytes that become the marker */
    char quote;        /* its opening quote, or 0 */
    int escaped;       /* the quote was \" (inside a JSON string) */
};

/* Finds the value at I (quoted or not); 0 when there is none, or it is a
 * marker already. WHOLE_LINE: an unquoted value runs to the end of the line
 * (an Authorization header's). */
static int value_span(const char *t, size_t i, size_t n, int whole_line,
                      struct value *v)
{
    memset(v, 0, sizeof *v);
    if (i + 1 < n && t[i] == '\\' && t[i + 1] == '"') {
        v->escaped = 1;
        i++;
    }
    if (i < n && (t[i] == '"' || t[i] == '\'')) {
        v->quote = t[i];
        v->start = i + 1;
        if (v->escaped) { /* ends at the next \" (or ") */
            size_t e = v->start;
            while (e < n && t[e] != '"' && t[e] != '\n' &&
                   !(t[e] == '\\' && e + 1 < n && t[e + 1] == '"'))
                e++;
            v->end = e;
        } else {
            v->end = quoted_end(t, v->start, n, v->quote);
        }
    } else if (whole_line) {
        size_t end = i;
        while (end < n && t[end] != '\n' && t[end] != '\r' && t[end] != '"' &&
               t[end] != '\'')
            end++;
        while (end > i && is_blank((unsigned char)t[end - 1]))
            end--;
        v->start = i;
        v->end = end;
    } else {
        v->start = i;
        v->end = plain_end(t, i, n);
    }
    return v->end > v->start &&
           !has_prefix(t, v->start, n, SOS_REDACTED_PREFIX);
}

/* The value becomes the marker of KIND; returns where it ended. */
static size_t put_value(struct shaped *o, const struct value *v, const char *kind)
{
    replace(o, v->start, v->end, kind);
    return v->end;
}

/* Skips up to 4 blanks, so "key = value" and "key: value" are seen. */
static size_t skip_blanks(const char *t, size_t i, size_t n)
{
    size_t j = i;
    while (j < n && j - i < 4 && is_blank((unsigned char)t[j]))
        j++;
    return j;
}

/* After a key word ending at J: an optional closing quote, blanks, '=' or
 * ':' (not "://", not "::"), blanks. Returns where the value starts, or 0. */
static size_t separator_after(const char *t, size_t j, size_t n, char opened)
{
    size_t k = j;
    if (opened && k < n && t[k] == opened)
        k++;
    else if (k + 1 < n && t[k] == '\\' && t[k + 1] == '"')
        k += 2; /* \"key\": inside a JSON string */
    k = skip_blanks(t, k, n);
    if (k >= n || (t[k] != '=' && t[k] != ':'))
        return 0;
    if (t[k] == ':' && k + 1 < n && (t[k + 1] == '/' || t[k + 1] == ':'))
        return 0;
    return skip_blanks(t, k + 1, n);
}

/* The Authorization value at V (KEY_START..V already read), keeping its
 * scheme; returns where it ended, or 0 when there is no value. */
static size_t authorization_value(struct shaped *o, const char *t, size_t v, size_t n)
{
    static const struct { const char *scheme; const char *kind; } schemes[] = {
        {"Bearer", "bearer"}, {"Basic", "basic"}, {"Token", "token"},
        {"Digest", "digest"}, {NULL, NULL},
    };
    size_t q = v < n && (t[v] == '"' || t[v] == '\'') ? 1 : 0;
    struct value val;

    for (size_t s = 0; schemes[s].scheme; s++) {
        size_t len = strlen(schemes[s].scheme), after = v + q + len + 1;
        if (has_prefix_ci(t, v + q, n, schemes[s].scheme) && after <= n &&
            is_blank((unsigned char)t[after - 1])) {
            if (!value_span(t, after, n, 1, &val))
                return 0;
            /* the quote, if any, ends it */
            if (q) {
                size_t close = quoted_end(t, after, n, t[v]);
                val.end = close < val.end ? close : val.end;
            }
            return put_value(o, &val, schemes[s].kind);
        }
    }
    if (!value_span(t, v, n, 1, &val))
        return 0;
    return put_value(o, &val, "authorization");
}

/* "Bearer X" / "Basic X" in running text: X must look like a credential,
 * so that "Basic authentication" stays as it is. */
static size_t scheme_credential(struct shaped *o, const char *t, size_t i,
                                size_t j, size_t n)
{
    const char *kind;
    size_t v = j, end;
    int strong = 0;

    if ((t[i] | 0x20) != 'b') /* a cheap no for most of the words of a log */
        return 0;
    if (j - i == 6 && strncasecmp(t + i, "bearer", 6) == 0)
        kind = "bearer";
    else if (j - i == 5 && strncasecmp(t + i, "basic", 5) == 0)
        kind = "basic";
    else
        return 0;
    if (v >= n || t[v] != ' ')
        return 0;
    v++;
    end = span(t, v, n, is_token68);
    for (size_t k = v; k < end; k++)
        if (is_digit((unsigned char)t[k]) || strchr("+/=_-~", t[k]))
            strong = 1;
    if (end - v < 12 || !strong)
        return 0;
    replace(o, v, end, kind);
    return end;
}

/* scheme://user:password@host: keeps the user and the host. */
static size_t url_userinfo(struct shaped *o, const char *t, size_t i, size_t j,
                           size_t n)
{
    size_t a = j + 3, k, colon = 0;

    if (j >= n || t[j] != ':' || !has_prefix(t, j, n, "://"))
        return 0;
    for (k = a; k < n; k++) {
        unsigned char c = (unsigned char)t[k];
        if (c == '/' || c == '?' || c == '#' || c == '@' || is_space(c) ||
            c == '"' || c == '\'' || c == '<' || c == '>')
            break;
        if (c == ':' && !colon)
            colon = k;
    }
    if (k >= n || t[k] != '@' || !colon || colon + 1 == k)
        return 0;
    replace(o, colon + 1, k, "userinfo");
    return k;
}

/* A value at V that holds no secret itself: JSON's and YAML's null and
 * booleans, or the start of a list or an object (whose own keys are looked
 * at in turn). `"authorization": null` in `podman info` stays valid JSON. */
static int structural_value(const char *t, size_t v, size_t n)
{
    static const char *const literals[] = {"null", "true", "false", "~", NULL};
    if (v < n && (t[v] == '[' || t[v] == '{'))
        return 1;
    for (size_t k = 0; literals[k]; k++) {
        size_t len = strlen(literals[k]);
        if (has_prefix(t, v, n, literals[k]) && (v + len == n || ends_plain((unsigned char)t[v + len])))
            return 1;
    }
    return 0;
}

/* A word at I..J that is a secret key, followed by its value. */
static size_t key_value(struct shaped *o, const char *t, size_t i, size_t j,
                        size_t n)
{
    char opened = i > 0 && (t[i - 1] == '"' || t[i - 1] == '\'') ? t[i - 1] : 0;
    size_t key_end = j, v;
    const char *kind;
    struct value val;

    while (key_end > i && t[key_end - 1] == '.')
        key_end--; /* "the password." ends a sentence */
    if (key_end - i == 13 && strncasecmp(t + i, "authorization", 13) == 0)
        kind = "authorization";
    else if (key_end - i == 19 && strncasecmp(t + i, "proxy-authorization", 19) == 0)
        kind = "authorization";
    else
        kind = key_kind_n(t + i, key_end - i);
    if (!kind || key_end != j)
        return 0;
    v = separator_after(t, j, n, opened);
    if (v && structural_value(t, v, n))
        return 0;
    if (v && strcmp(kind, "authorization") == 0)
        return authorization_value(o, t, v, n);
    if (v)
        return value_span(t, v, n, 0, &val) ? put_value(o, &val, kind) : 0;
    /* --password VALUE: a flag and its argument */
    if (t[i] == '-' && j + 1 < n && t[j] == ' ' && t[j + 1] != '-' &&
        value_span(t, j + 1, n, 0, &val))
        return put_value(o, &val, kind);
    return 0;
}

/* The word I..J, with the tokens that start inside it after a '-', '_' or
 * '.' (a file named sync-ghp_...) replaced. JWTs are looked for at word
 * starts only: a failing prefix costs less than its minimum body, a
 * failing JWT the rest of the word, so only the first keeps this linear. */
static size_t word_tokens(struct shaped *o, const char *t, size_t i, size_t j)
{
    for (size_t k = i + 1; k < j; k++) {
        const char *kind;
        size_t end;
        char before = t[k - 1];
        if ((before != '-' && before != '_' && before != '.') ||
            !is_alnum((unsigned char)t[k]) ||
            has_prefix(t, k, j, "eyJ") || !(end = token_at(t, k, j, &kind)))
            continue;
        replace(o, k, end, kind);
        k = end;
    }
    return j;
}

/* Whether a separator ('=' or ':') may follow a key ending at J: after a
 * quote or a backslash-quote, up to 4 blanks. Looser than
 * separator_after(), never stricter. */
static int separator_may_follow(const char *t, size_t j, size_t n)
{
    size_t k = j;
    if (k < n && (t[k] == '"' || t[k] == '\'' || t[k] == '\\'))
        k++;
    if (k < n && t[k] == '"')
        k++;
    k = skip_blanks(t, k, n);
    return k < n && (t[k] == '=' || t[k] == ':');
}

/* Whether any rule can start in the word I..J: the first test each of
 * them makes, together. Most words of a log pass none, and are skipped
 * without a call. INNER: a token's first byte after a '-', '_' or '.'. */
static int word_may_match(const char *t, size_t i, size_t j, size_t n, int inner)
{
    return inner || (j > i + 1 && token_pair(t[i], t[i + 1])) || /* token_at */
           (j < n && t[j] == ':') ||                     /* url_userinfo */
           (t[i] | 0x20) == 'b' ||                       /* scheme_credential */
           (ends_a_key(lower(t[j - 1])) &&               /* key_value */
            (t[i] == '-' || separator_may_follow(t, j, n)));
}

/* One word at I (a word start): returns where the rule that matched it
 * ended, or the word's end. */
static size_t word_at(struct shaped *o, const char *t, size_t i, size_t n)
{
    size_t j = i + 1, end;
    int inner = 0;
    const char *kind;

    for (; j < n && is_word((unsigned char)t[j]); j++)
        if (token_start[(unsigned char)t[j]] &&
            (t[j - 1] == '-' || t[j - 1] == '_' || t[j - 1] == '.'))
            inner = 1;
    if (!word_may_match(t, i, j, n, inner))
        return j;
    if ((end = token_at(t, i, n, &kind))) {
        replace(o, i, end, kind);
        return end;
    }
    if ((end = url_userinfo(o, t, i, j, n)) || (end = key_value(o, t, i, j, n)) ||
        (end = scheme_credential(o, t, i, j, n)))
        return end;
    return word_tokens(o, t, i, j);
}

static void redact_shapes(struct sos_strbuf *out, const char *t, size_t n)
{
    struct shaped o = {.t = t};
    size_t i = 0;

    while (i < n && !o.buf.failed) {
        unsigned char c = (unsigned char)t[i];
        size_t end;
        if (c == '-' && (end = pem_at(&o, t, i, n))) {
            i = end;
        } else if (c == '$' && (end = crypt_hash_at(t, i, n))) {
            replace(&o, i, end, "password-hash");
            i = end;
        } else if (is_word(c) && (i == 0 || !is_word((unsigned char)t[i - 1]))) {
            i = word_at(&o, t, i, n);
        } else { /* a run no rule starts in */
            i++;
            while (i < n && t[i] != '$' && !is_word((unsigned char)t[i]))
                i++;
        }
    }
    sos_strbuf_put(&o.buf, t + o.copied, n - o.copied);
    *out = o.buf;
}

/* ---- Exact values: Aho-Corasick ------------------------------------------ */

struct ac_node {
    uint32_t child;   /* first child, 0 for none (the root is never a child) */
    uint32_t sibling; /* next child of the same parent */
    uint32_t fail;
    uint32_t out;     /* length of the longest secret ending here, or 0 */
    unsigned char byte;
};

struct sos_redactor {
    struct ac_node *nodes;
    size_t n_nodes, cap;
    uint32_t root[256]; /* the root's children by byte: most bytes stay there */
};

static uint32_t ac_child(const struct sos_redactor *rd, uint32_t node,
                         unsigned char c)
{
    for (uint32_t k = rd->nodes[node].child; k; k = rd->nodes[k].sibling)
        if (rd->nodes[k].byte == c)
            return k;
    return 0;
}

static int ac_insert(struct sos_redactor *rd, const char *s, size_t len)
{
    uint32_t node = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        uint32_t next = ac_child(rd, node, c);
        if (!next) {
            if (rd->n_nodes == rd->cap) {
                size_t cap = rd->cap * 2;
                struct ac_node *grown = realloc(rd->nodes, cap * sizeof *grown);
                if (!grown)
                    return -1;
                rd->nodes = grown;
                rd->cap = cap;
            }
            next = (uint32_t)rd->n_nodes++;
            memset(&rd->nodes[next], 0, sizeof rd->nodes[next]);
            rd->nodes[next].byte = c;
            rd->nodes[next].sibling = rd->nodes[node].child;
            rd->nodes[node].child = next;
        }
        node = next;
    }
    if (rd->nodes[node].out < len)
        rd->nodes[node].out = (uint32_t)len;
    return 0;
}

/* Failure links, breadth first, and each node's longest match along them. */
static int ac_link(struct sos_redactor *rd)
{
    uint32_t *queue = malloc(rd->n_nodes * sizeof *queue);
    size_t head = 0, tail = 0;

    if (!queue)
        return -1;
    for (uint32_t k = rd->nodes[0].child; k; k = rd->nodes[k].sibling) {
        rd->nodes[k].fail = 0;
        queue[tail++] = k;
    }
    for (uint32_t k = rd->nodes[0].child; k; k = rd->nodes[k].sibling)
        rd->root[rd->nodes[k].byte] = k;
    while (head < tail) {
        uint32_t node = queue[head++];
        for (uint32_t k = rd->nodes[node].child; k; k = rd->nodes[k].sibling) {
            uint32_t f = rd->nodes[node].fail, to;
            while (f && !ac_child(rd, f, rd->nodes[k].byte))
                f = rd->nodes[f].fail;
            to = ac_child(rd, f, rd->nodes[k].byte);
            rd->nodes[k].fail = to != k ? to : 0;
            if (rd->nodes[rd->nodes[k].fail].out > rd->nodes[k].out)
                rd->nodes[k].out = rd->nodes[rd->nodes[k].fail].out;
            queue[tail++] = k;
        }
    }
    free(queue);
    return 0;
}

static int add_secret(struct sos_redactor *rd, const char *s, size_t *total)
{
    size_t len = strnlen(s, SOS_REDACT_MAX_SECRET);
    char *password;
    int rc = 0;

    if (len < SOS_REDACT_MIN_SECRET || *total + len > (size_t)UINT32_MAX / 2)
        return 0;
    *total += len;
    if (ac_insert(rd, s, len) != 0)
        return -1;
    password = sos_redact_basic_password(s);
    if (password) {
        rc = add_secret(rd, password, total);
        free(password);
    }
    return rc;
}

struct sos_redactor *sos_redactor_new(const char *const *secrets, size_t n)
{
    struct sos_redactor *rd = calloc(1, sizeof *rd);
    size_t total = 0;

    if (!rd)
        return NULL;
    rd->cap = 64;
    rd->n_nodes = 1;
    rd->nodes = calloc(rd->cap, sizeof *rd->nodes);
    if (!rd->nodes)
        goto fail;
    if (n > SOS_REDACT_MAX_SECRETS)
        n = SOS_REDACT_MAX_SECRETS;
    for (size_t i = 0; i < n; i++)
        if (secrets[i] && add_secret(rd, secrets[i], &total) != 0)
            goto fail;
    if (ac_link(rd) != 0)
        goto fail;
    return rd;
fail:
    sos_redactor_free(rd);
    return NULL;
}

void sos_redactor_free(struct sos_redactor *rd)
{
    if (!rd)
        return;
    free(rd->nodes);
    free(rd);
}

/* Replaces every occurrence of a known secret (overlaps merged). */
static void redact_exact(const struct sos_redactor *rd, struct sos_strbuf *o,
                         const char *t, size_t n)
{
    uint32_t state = 0;
    size_t copied = 0, cut_start = 0, cut_end = 0; /* pending [start, end) */
    int pending = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        uint32_t next = 0;
        while (state && !(next = ac_child(rd, state, c)))
            state = rd->nodes[state].fail;
        state = state ? next : rd->root[c];
        if (!state || !rd->nodes[state].out)
            continue;
        {
            size_t start = i + 1 - rd->nodes[state].out;
            if (pending && start <= cut_end) {
                if (start < cut_start)
                    cut_start = start < copied ? copied : start;
                cut_end = i + 1;
                continue;
            }
            if (pending) {
                sos_strbuf_put(o, t + copied, cut_start - copied);
                put_marker(o, "known-secret");
                copied = cut_end;
            }
            cut_start = start < copied ? copied : start;
            cut_end = i + 1;
            pending = 1;
        }
    }
    if (pending) {
        sos_strbuf_put(o, t + copied, cut_start - copied);
        put_marker(o, "known-secret");
        copied = cut_end;
    }
    sos_strbuf_put(o, t + copied, n - copied);
}

/* ---- Entry points -------------------------------------------------------- */

char *sos_redact_text(const struct sos_redactor *rd, const char *text, size_t len,
                      size_t *out_len)
{
    struct sos_strbuf exact = {0}, shaped = {0};

    if (!text)
        len = 0;
    if (rd && rd->nodes[0].child) {
        redact_exact(rd, &exact, text ? text : "", len);
        if (exact.failed)
            return finish(&exact, NULL);
        redact_shapes(&shaped, exact.p ? exact.p : "", exact.len);
        free(exact.p);
    } else {
        redact_shapes(&shaped, text ? text : "", len);
    }
    return finish(&shaped, out_len);
}

/* Every rule but the PEM one matches within a line (a quoted value ends at
 * the line's end, blanks are not newlines), so a cut after a newline is
 * safe unless a "-----BEGIN " above it has no "-----END " yet. */
size_t sos_redact_cut(const char *text, size_t len)
{
    const char *begin = NULL, *end = NULL, *p;
    size_t limit = len;

    for (p = text; (p = memmem(p, (size_t)(text + len - p), "-----BEGIN ", 11)); p++)
        begin = p;
    if (begin) {
        end = memmem(begin, (size_t)(text + len - begin), "-----END ", 9);
        /* the open block's line and all after it wait */
        if (!end || !memchr(end, '\n', (size_t)(text + len - end)))
            limit = (size_t)(begin - text);
    }
    while (limit > 0 && text[limit - 1] != '\n')
        limit--;
    return limit;
}

char *sos_redact_str(const struct sos_redactor *rd, const char *s)
{
    return s ? sos_redact_text(rd, s, strlen(s), NULL) : NULL;
}

int sos_redact_value_is_secret(const char *value)
{
    if (!value)
        return 0;
    if (strstr(value, "PRIVATE KEY-----"))
        return 1;
    return strncasecmp(value, "Basic ", 6) == 0 ||
           strncasecmp(value, "Bearer ", 7) == 0;
}

char *sos_redact_value(const struct sos_redactor *rd, const char *key,
                       const char *value)
{
    const char *kind = sos_redact_key_kind(key);

    if (!value)
        return NULL;
    if (!kind && sos_redact_value_is_secret(value))
        kind = strncasecmp(value, "Basic ", 6) == 0    ? "basic"
               : strncasecmp(value, "Bearer ", 7) == 0 ? "bearer"
                                                       : "private-key";
    if (kind && *value && strncmp(value, SOS_REDACTED_PREFIX,
                                  sizeof SOS_REDACTED_PREFIX - 1) != 0) {
        char *marker;
        if (asprintf(&marker, SOS_REDACTED_PREFIX ":%s>", kind) < 0)
            return NULL;
        return marker;
    }
    return sos_redact_str(rd, value);
}

/* ---- Basic credentials --------------------------------------------------- */

static int b64_digit(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (is_digit(c))
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

char *sos_redact_basic_password(const char *value)
{
    size_t len = value ? strnlen(value, SOS_REDACT_MAX_SECRET) : 0, o = 0;
    unsigned acc = 0;
    int bits = 0;
    char *plain, *colon, *password;

    while (len > 0 && value[len - 1] == '=')
        len--;
    if (len < 4 || !(plain = malloc(len)))
        return NULL;
    for (size_t i = 0; i < len; i++) {
        int d = b64_digit((unsigned char)value[i]);
        if (d < 0) {
            free(plain);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            plain[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    /* user:password, printable: anything else is not what Basic holds */
    for (size_t i = 0; i < o; i++)
        if ((unsigned char)plain[i] < 0x20 || plain[i] == 0x7F) {
            free(plain);
            return NULL;
        }
    plain[o] = '\0';
    colon = memchr(plain, ':', o);
    password = colon && colon[1] ? strdup(colon + 1) : NULL;
    free(plain);
    return password;
}

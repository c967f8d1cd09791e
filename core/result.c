#include "config.h"

#include "result.h"

#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "sourceos/plugin.h"

const char *sos_status_name(enum sos_status status)
{
    switch (status) {
    case SOS_ST_OK: return "ok";
    case SOS_ST_WARNING: return "warning";
    case SOS_ST_FAILURE: return "failure";
    case SOS_ST_ERROR: return "error";
    case SOS_ST_SKIPPED: return "skipped";
    case SOS_ST_TIMEOUT: return "timeout";
    case SOS_ST_INTERRUPTED: return "interrupted";
    }
    return "unknown";
}

const char *sos_severity_name(int severity)
{
    switch (severity) {
    case SOURCEOS_SEV_INFO: return "info";
    case SOURCEOS_SEV_WARNING: return "warning";
    case SOURCEOS_SEV_CRITICAL: return "critical";
    }
    return "unknown";
}

int sos_exit_code(const int counts[SOS_ST_COUNT])
{
    /* A failure is a decision, so it outranks "could not decide". */
    if (counts[SOS_ST_FAILURE] > 0)
        return 2;
    if (counts[SOS_ST_ERROR] > 0 || counts[SOS_ST_TIMEOUT] > 0)
        return 3;
    if (counts[SOS_ST_WARNING] > 0)
        return 1;
    return 0;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void free_kvs(struct sos_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

static void free_finding(struct sos_finding_rec *f)
{
    free(f->code);
    free(f->message);
    free(f->remediation);
    free_strv(f->commands, f->n_commands);
    free(f->path);
    free_kvs(f->evidence, f->n_evidence);
}

void sos_check_result_keep_findings(struct sos_check_result *r, size_t keep)
{
    while (r->n_findings > keep)
        free_finding(&r->findings[--r->n_findings]);
}

void sos_change_rec_free(struct sos_change_rec *c)
{
    free(c->op);
    free(c->path);
    free(c->target);
    free_strv(c->argv, c->argc);
    memset(c, 0, sizeof *c);
}

void sos_check_result_free(struct sos_check_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_changes; i++)
        sos_change_rec_free(&r->changes[i]);
    free(r->changes);
    free(r->reason);
    for (size_t i = 0; i < r->n_findings; i++)
        free_finding(&r->findings[i]);
    free(r->findings);
    free_kvs(r->facts, r->n_facts);
    for (size_t i = 0; i < r->n_commands; i++) {
        free_strv(r->commands[i].argv, r->commands[i].argc);
        free(r->commands[i].out);
        free(r->commands[i].err);
    }
    free(r->commands);
    for (size_t i = 0; i < r->n_seen; i++) {
        free(r->seen[i].name);
        free(r->seen[i].value);
    }
    free(r->seen);
    for (size_t i = 0; i < r->n_secrets; i++) {
        /* wiped: a freed secret should not linger in the heap */
        memset(r->secrets[i], 0, strlen(r->secrets[i]));
        free(r->secrets[i]);
    }
    free(r->secrets);
    memset(r, 0, sizeof *r);
}

/* Where to cut TEXT (LEN bytes) to at most MAX bytes without splitting a
 * UTF-8 character: the cut backs off over continuation bytes. */
static size_t cut_point(const char *text, size_t len, size_t max)
{
    size_t at = max;
    if (len <= max)
        return len;
    while (at > 0 && ((unsigned char)text[at] & 0xC0) == 0x80)
        at--;
    return at;
}

void sos_result_cut_text(struct sos_check_result *r, char *text)
{
    size_t len;
    if (!text)
        return;
    len = strnlen(text, SOURCEOS_MAX_MESSAGE_BYTES + 1);
    if (len <= SOURCEOS_MAX_MESSAGE_BYTES)
        return;
    text[cut_point(text, len, SOURCEOS_MAX_MESSAGE_BYTES)] = '\0';
    r->texts_cut++;
}

char *sos_result_text(struct sos_check_result *r, const char *text)
{
    size_t len;
    char *copy;
    if (!text)
        return NULL;
    len = strnlen(text, SOURCEOS_MAX_MESSAGE_BYTES + 1);
    if (len > SOURCEOS_MAX_MESSAGE_BYTES) {
        len = cut_point(text, len, SOURCEOS_MAX_MESSAGE_BYTES);
        r->texts_cut++;
    }
    copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, text, len);
        copy[len] = '\0';
    }
    return copy;
}

int sos_result_finding_room(struct sos_check_result *r)
{
    if (r->n_findings < SOURCEOS_MAX_FINDINGS)
        return 1;
    r->findings_dropped++;
    return 0;
}

/* A repeat is looked for among the last secrets added only: a plugin that
 * declares a value again does so right after reading it, and a scan of all
 * of them made a walk over a big auth file quadratic. */
#define SECRETS_RECENT 64

int sos_result_add_secret(struct sos_check_result *r, const char *secret)
{
    char **grown;
    char *copy;

    if (!secret || strlen(secret) < SOS_REDACT_MIN_SECRET ||
        strncmp(secret, SOS_REDACTED_PREFIX, sizeof SOS_REDACTED_PREFIX - 1) == 0)
        return 0;
    if (r->n_secrets >= SOS_REDACT_MAX_SECRETS)
        return -1;
    for (size_t i = r->n_secrets > SECRETS_RECENT ? r->n_secrets - SECRETS_RECENT : 0;
         i < r->n_secrets; i++)
        if (strcmp(r->secrets[i], secret) == 0)
            return 0;
    copy = strndup(secret, SOS_REDACT_MAX_SECRET);
    grown = copy ? realloc(r->secrets, (r->n_secrets + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(copy);
        return -1;
    }
    r->secrets = grown;
    r->secrets[r->n_secrets++] = copy;
    return 0;
}

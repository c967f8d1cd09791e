#include "config.h"

#include "redact_run.h"

#include <stdlib.h>
#include <string.h>

extern char **environ;

/* ---- The run's redactor ---------------------------------------------------- */

static size_t count_secrets(const struct sos_run *run)
{
    size_t n = 0;
    for (char **e = environ; e && *e; e++)
        n++;
    for (size_t i = 0; run && i < run->n_entries; i++)
        n += run->entries[i].result.n_secrets;
    return n;
}

struct sos_redactor *sos_run_redactor(const struct sos_run *run)
{
    const char **secrets = malloc((count_secrets(run) + 1) * sizeof *secrets);
    struct sos_redactor *rd;
    size_t n = 0;

    if (!secrets)
        return NULL;
    for (size_t i = 0; run && i < run->n_entries; i++)
        for (size_t k = 0; k < run->entries[i].result.n_secrets; k++)
            secrets[n++] = run->entries[i].result.secrets[k];
    /* A check may print what it was given in its environment. */
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        char name[129];
        size_t len = eq ? (size_t)(eq - *e) : 0;
        if (!eq || len >= sizeof name)
            continue;
        memcpy(name, *e, len);
        name[len] = '\0';
        if (sos_redact_key_is_secret(name))
            secrets[n++] = eq + 1;
    }
    rd = sos_redactor_new(secrets, n);
    free(secrets);
    return rd;
}

/* ---- Argv ------------------------------------------------------------------ */

/* `--password`, `--creds`: a flag whose next word is its secret value. */
static const char *secret_flag_kind(const char *word)
{
    if (!word || strncmp(word, "--", 2) != 0 || strchr(word, '=') || strchr(word, ' '))
        return NULL;
    return sos_redact_key_kind(word + 2);
}

char *sos_redact_argv_item(const struct sos_redactor *rd, const char *prev,
                           const char *item)
{
    const char *kind = secret_flag_kind(prev);
    if (kind && item && *item && item[0] != '-')
        return sos_redact_value(rd, prev + 2, item);
    return sos_redact_str(rd, item);
}

/* ---- JSON ------------------------------------------------------------------ */

/* Replaces the string V with REDACTED (taken). */
static int set_string(json_t *v, char *redacted)
{
    int rc;
    if (!redacted)
        return -1;
    /* a secret cut at SOS_REDACT_MAX_SECRET may end inside a UTF-8
     * sequence: then the whole string goes, rather than invalid JSON */
    rc = strcmp(redacted, json_string_value(v)) == 0 ? 0
         : json_string_set(v, redacted) == 0        ? 0
                                   : json_string_set(v, SOS_REDACTED_PREFIX ":text>");
    free(redacted);
    return rc;
}

static int redact_array(const struct sos_redactor *rd, json_t *array)
{
    char *prev = NULL; /* the previous item as it was, before redaction */
    size_t i;
    json_t *item;
    int rc = 0;

    json_array_foreach (array, i, item) {
        const char *s = json_string_value(item);
        char *orig = s ? strdup(s) : NULL;
        if (s && !orig) {
            rc = -1;
            break;
        }
        rc = s ? set_string(item, sos_redact_argv_item(rd, prev, s))
               : sos_redact_json(rd, item);
        free(prev);
        prev = orig;
        if (rc != 0)
            break;
    }
    free(prev);
    return rc;
}

static int redact_object(const struct sos_redactor *rd, json_t *obj)
{
    const char *key;
    json_t *value;

    json_object_foreach (obj, key, value) {
        const char *s = json_string_value(value);
        if (s ? set_string(value, sos_redact_value(rd, key, s)) != 0
              : sos_redact_json(rd, value) != 0)
            return -1;
    }
    return 0;
}

int sos_redact_json(const struct sos_redactor *rd, json_t *doc)
{
    if (json_is_object(doc))
        return redact_object(rd, doc);
    if (json_is_array(doc))
        return redact_array(rd, doc);
    if (json_is_string(doc))
        return set_string(doc, sos_redact_str(rd, json_string_value(doc)));
    return 0;
}

/* ---- Results ---------------------------------------------------------------- */

static int copy_text(const struct sos_redactor *rd, const char *in, char **out)
{
    *out = NULL;
    if (!in)
        return 0;
    *out = sos_redact_str(rd, in);
    return *out ? 0 : -1;
}

static int copy_kvs(const struct sos_redactor *rd, const struct sos_kv *in,
                    size_t n, struct sos_kv **out, size_t *out_n)
{
    *out_n = 0;
    *out = n ? calloc(n, sizeof **out) : NULL;
    if (n && !*out)
        return -1;
    for (size_t i = 0; i < n; i++) {
        (*out_n)++;
        if (!in[i].key || !in[i].value)
            continue;
        (*out)[i].key = strdup(in[i].key);
        (*out)[i].value = sos_redact_value(rd, in[i].key, in[i].value);
        if (!(*out)[i].key || !(*out)[i].value)
            return -1;
    }
    return 0;
}

static int copy_argv(const struct sos_redactor *rd, char *const *in, size_t n,
                     char ***out, size_t *out_n)
{
    *out_n = 0;
    *out = n ? calloc(n, sizeof **out) : NULL;
    if (n && !*out)
        return -1;
    for (size_t i = 0; i < n; i++) {
        (*out)[i] = sos_redact_argv_item(rd, i ? in[i - 1] : NULL, in[i]);
        (*out_n)++;
        if (!(*out)[i])
            return -1;
    }
    return 0;
}

static int copy_finding(const struct sos_redactor *rd,
                        const struct sos_finding_rec *in, struct sos_finding_rec *out)
{
    out->severity = in->severity;
    return copy_text(rd, in->code, &out->code) || copy_text(rd, in->message, &out->message) ||
                   copy_text(rd, in->remediation, &out->remediation) ||
                   copy_argv(rd, in->commands, in->n_commands, &out->commands,
                             &out->n_commands) ||
                   copy_text(rd, in->path, &out->path) ||
                   copy_kvs(rd, in->evidence, in->n_evidence, &out->evidence,
                            &out->n_evidence)
               ? -1
               : 0;
}

static int copy_findings(const struct sos_redactor *rd,
                         const struct sos_check_result *in, struct sos_check_result *out)
{
    out->findings = in->n_findings ? calloc(in->n_findings, sizeof *out->findings) : NULL;
    if (in->n_findings && !out->findings)
        return -1;
    for (size_t i = 0; i < in->n_findings; i++) {
        out->n_findings++;
        if (copy_finding(rd, &in->findings[i], &out->findings[i]) != 0)
            return -1;
    }
    return 0;
}

static int copy_commands(const struct sos_redactor *rd,
                         const struct sos_check_result *in, struct sos_check_result *out)
{
    out->commands = in->n_commands ? calloc(in->n_commands, sizeof *out->commands) : NULL;
    if (in->n_commands && !out->commands)
        return -1;
    for (size_t i = 0; i < in->n_commands; i++) {
        const struct sos_command_rec *c = &in->commands[i];
        struct sos_command_rec *d = &out->commands[i];
        out->n_commands++;
        *d = *c;
        d->argv = NULL;
        d->argc = 0;
        /* the outputs a capture keeps are redacted by the capture, not in
         * a report (which never shows them) */
        d->out = d->err = NULL;
        d->out_len = d->err_len = 0;
        if (copy_argv(rd, c->argv, c->argc, &d->argv, &d->argc) != 0)
            return -1;
    }
    return 0;
}

static int copy_changes(const struct sos_redactor *rd,
                        const struct sos_check_result *in, struct sos_check_result *out)
{
    out->changes = in->n_changes ? calloc(in->n_changes, sizeof *out->changes) : NULL;
    if (in->n_changes && !out->changes)
        return -1;
    for (size_t i = 0; i < in->n_changes; i++) {
        const struct sos_change_rec *c = &in->changes[i];
        struct sos_change_rec *d = &out->changes[i];
        out->n_changes++;
        d->mode = c->mode;
        d->bytes = c->bytes;
        d->done = c->done;
        d->error = c->error;
        if (copy_text(rd, c->op, &d->op) || copy_text(rd, c->path, &d->path) ||
            copy_text(rd, c->target, &d->target) ||
            (c->argv && copy_argv(rd, c->argv, c->argc, &d->argv, &d->argc)))
            return -1;
    }
    return 0;
}

int sos_redact_result(const struct sos_redactor *rd,
                      const struct sos_check_result *in, struct sos_check_result *out)
{
    memset(out, 0, sizeof *out);
    out->status = in->status;
    out->term_signal = in->term_signal;
    out->started = in->started;
    out->duration = in->duration;
    if (copy_text(rd, in->reason, &out->reason) != 0 || copy_findings(rd, in, out) != 0 ||
        copy_kvs(rd, in->facts, in->n_facts, &out->facts, &out->n_facts) != 0 ||
        copy_commands(rd, in, out) != 0 || copy_changes(rd, in, out) != 0) {
        sos_check_result_free(out);
        return -1;
    }
    return 0;
}

#include "config.h"

#include "ctx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "homes.h"
#include "http.h"
#include "line_exchange.h"
#include "json_path.h"
#include "redact.h"
#include "rootfs.h"
#include "shquote.h"

#define CAPTURE_BOUND (1024u * 1024u)
#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"

struct sourceos_finding {
    sourceos_ctx *ctx;
    size_t index; /* into ctx->result->findings; SIZE_MAX: lost */
};

struct json_cache;
static void json_cache_free(struct json_cache *c);

struct sourceos_ctx {
    struct sos_ctx_config config;
    struct sos_check_result *result;
    /* Everything handed to the plugin stays valid until the check returns. */
    void **owned;
    size_t n_owned;
    struct sos_cmd_output **outputs;
    struct sourceos_cmd **cmds;
    size_t n_cmds;
    struct sos_home *homes; /* listed on first use */
    size_t n_homes;
    int homes_listed;
    size_t refused;        /* probes the offline gate (or a replay) refused */
    size_t refused_after;  /* findings recorded before the first refusal */
    char *refused_why;     /* why the first was refused; NULL: offline */
    struct sos_replay_cursor replayed; /* what a replay answered so far */
    /* Every JSON text parsed for this check, so that reading many members
     * of one document parses it once (see json_doc_of()). */
    struct json_cache *json;
};

sourceos_ctx *sos_ctx_new(const struct sos_ctx_config *config,
                          struct sos_check_result *result)
{
    sourceos_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->config = *config;
    ctx->result = result;
    return ctx;
}

void sos_ctx_free(sourceos_ctx *ctx)
{
    if (!ctx)
        return;
    for (size_t i = 0; i < ctx->n_owned; i++)
        free(ctx->owned[i]);
    free(ctx->owned);
    for (size_t i = 0; i < ctx->n_cmds; i++) {
        sos_cmd_output_free(ctx->outputs[i]);
        free(ctx->outputs[i]);
        free(ctx->cmds[i]);
    }
    free(ctx->outputs);
    free(ctx->cmds);
    json_cache_free(ctx->json);
    sos_homes_free(ctx->homes, ctx->n_homes);
    free(ctx->refused_why);
    sos_replay_cursor_free(&ctx->replayed);
    free(ctx);
}

/* Room for N + 1 items of SIZE in an array of N grown by this rule alone:
 * doubled whenever N is a power of two (0 too), so that recording up to the
 * limits costs linear time, not a copy per item. */
static void *grow_items(void *items, size_t n, size_t size)
{
    if (n & (n - 1))
        return items; /* room left since the last doubling */
    return realloc(items, (n ? 2 * n : 1) * size);
}

/* Takes ownership of P (freed with the context); returns P, or NULL (and
 * frees P) when it cannot be tracked. */
static void *own(sourceos_ctx *ctx, void *p)
{
    void **grown;
    if (!p)
        return NULL;
    grown = grow_items(ctx->owned, ctx->n_owned, sizeof *grown);
    if (!grown) {
        free(p);
        return NULL;
    }
    ctx->owned = grown;
    ctx->owned[ctx->n_owned++] = p;
    return p;
}

const struct sos_ctx_config *sos_ctx_config_of(const sourceos_ctx *ctx)
{
    return &ctx->config;
}

struct sos_check_result *sos_ctx_result(sourceos_ctx *ctx)
{
    return ctx->result;
}

void *sos_ctx_own(sourceos_ctx *ctx, void *p)
{
    return own(ctx, p);
}

/* ---- params --------------------------------------------------------------- */

static const struct sos_param *find_param(sourceos_ctx *ctx, const char *key)
{
    if (!ctx || !key || !ctx->config.decl)
        return NULL;
    return sos_decl_param(ctx->config.decl, key);
}

const char *sourceos_param(sourceos_ctx *ctx, const char *key)
{
    const struct sos_param *p = find_param(ctx, key);
    if (!p || p->is_list || p->n_values != 1)
        return NULL;
    return p->values[0];
}

size_t sourceos_param_count(sourceos_ctx *ctx, const char *key)
{
    const struct sos_param *p = find_param(ctx, key);
    return p ? p->n_values : 0;
}

const char *sourceos_param_at(sourceos_ctx *ctx, const char *key, size_t i)
{
    const struct sos_param *p = find_param(ctx, key);
    if (!p || i >= p->n_values)
        return NULL;
    return p->values[i];
}

/* ---- facts ---------------------------------------------------------------- */

static int fact_key_valid(const char *key)
{
    const char *dot = strchr(key, '.');
    if (!dot || dot == key || !dot[1] || strlen(key) > 128)
        return 0;
    for (const char *c = key; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '_' || *c == '-'))
            return 0;
    return 1;
}

/* The copy of VALUE (under KEY) that is kept: a value that is secret by its
 * key or shape becomes a marker, and is remembered as a secret of the run
 * so that it is also removed wherever else it shows up. */
static char *kept_value(sourceos_ctx *ctx, const char *key, const char *value)
{
    if (sos_redact_key_is_secret(key) || sos_redact_value_is_secret(value)) {
        sos_result_add_secret(ctx->result, value);
        return sos_redact_value(NULL, key, value);
    }
    return strdup(value);
}

void sourceos_secret(sourceos_ctx *ctx, const char *value)
{
    if (ctx && value)
        sos_result_add_secret(ctx->result, value);
}

int sourceos_fact_set(sourceos_ctx *ctx, const char *key, const char *value)
{
    struct sos_check_result *r;
    struct sos_kv *grown;
    char *copy;
    if (!ctx || !key || !value || !fact_key_valid(key))
        return -1;
    r = ctx->result;
    copy = kept_value(ctx, key, value);
    sos_result_cut_text(r, copy);
    if (!copy)
        return -1;
    for (size_t i = 0; i < r->n_facts; i++) {
        if (strcmp(r->facts[i].key, key) == 0) {
            free(r->facts[i].value);
            r->facts[i].value = copy;
            return 0;
        }
    }
    grown = realloc(r->facts, (r->n_facts + 1) * sizeof *grown);
    if (!grown) {
        free(copy);
        return -1;
    }
    r->facts = grown;
    r->facts[r->n_facts].key = strdup(key);
    if (!r->facts[r->n_facts].key) {
        free(copy);
        return -1;
    }
    r->facts[r->n_facts++].value = copy;
    return 0;
}

const char *sourceos_fact_get(sourceos_ctx *ctx, const char *key)
{
    if (!ctx || !key)
        return NULL;
    for (size_t i = 0; i < ctx->result->n_facts; i++)
        if (strcmp(ctx->result->facts[i].key, key) == 0)
            return ctx->result->facts[i].value;
    for (size_t i = 0; i < ctx->config.n_facts; i++)
        if (strcmp(ctx->config.facts[i].key, key) == 0)
            return ctx->config.facts[i].value;
    return NULL;
}

/* ---- findings ------------------------------------------------------------- */

static struct sos_finding_rec *finding_rec(sourceos_finding *f)
{
    if (!f || !f->ctx || f->index >= f->ctx->result->n_findings)
        return NULL;
    return &f->ctx->result->findings[f->index];
}

sourceos_finding *sourceos_finding_add(sourceos_ctx *ctx, const char *code,
                                       sourceos_severity severity,
                                       const char *format, ...)
{
    /* A handle that records nothing, for the out-of-memory path, so plugins
     * never have to check for NULL. */
    static sourceos_finding lost = {NULL, (size_t)-1};
    struct sos_check_result *r;
    struct sos_finding_rec *grown, *rec;
    sourceos_finding *handle;
    va_list ap;
    char *message = NULL;
    int n;

    if (!ctx || !code || !format)
        return &lost;
    r = ctx->result;
    if (!sos_result_finding_room(r))
        return &lost; /* counted, for core.result-truncated */
    va_start(ap, format);
    n = vasprintf(&message, format, ap);
    va_end(ap);
    if (n < 0)
        return &lost;
    sos_result_cut_text(r, message);
    handle = own(ctx, calloc(1, sizeof *handle));
    grown = handle ? grow_items(r->findings, r->n_findings, sizeof *grown)
                   : NULL;
    if (!grown) {
        free(message);
        return &lost;
    }
    r->findings = grown;
    rec = &r->findings[r->n_findings];
    memset(rec, 0, sizeof *rec);
    rec->code = strdup(code);
    rec->message = message;
    if (severity < SOURCEOS_SEV_INFO || severity > SOURCEOS_SEV_CRITICAL)
        severity = SOURCEOS_SEV_CRITICAL;
    rec->severity = (int)severity;
    if (!rec->code) {
        free(message);
        return &lost;
    }
    handle->ctx = ctx;
    handle->index = r->n_findings++;
    return handle;
}

static void replace_string(sourceos_finding *finding, char **slot,
                           const char *value)
{
    char *copy;
    if (!value)
        return;
    copy = sos_result_text(finding->ctx->result, value);
    if (!copy)
        return;
    free(*slot);
    *slot = copy;
}

void sourceos_finding_remediation(sourceos_finding *finding, const char *text)
{
    struct sos_finding_rec *rec = finding_rec(finding);
    if (rec)
        replace_string(finding, &rec->remediation, text);
}

void sourceos_finding_path(sourceos_finding *finding, const char *path)
{
    struct sos_finding_rec *rec = finding_rec(finding);
    if (rec)
        replace_string(finding, &rec->path, path);
}

static void push_withheld(struct sos_finding_rec *rec, const char *why);

/* Appends COMMAND (taken over) to the finding's commands. A command over
 * the message limit is withheld, not cut: a cut one may end inside a quote. */
static void push_command(struct sos_finding_rec *rec, char *command)
{
    char **grown;
    if (!command)
        return;
    if (strlen(command) > SOURCEOS_MAX_MESSAGE_BYTES) {
        free(command);
        push_withheld(rec, "it is longer than SOURCEOS_MAX_MESSAGE_BYTES");
        return;
    }
    grown = realloc(rec->commands, (rec->n_commands + 1) * sizeof *grown);
    if (!grown) {
        free(command);
        return;
    }
    rec->commands = grown;
    rec->commands[rec->n_commands++] = command;
}

/* What stands in for a command that cannot be shown safely: a shell
 * comment, so pasting it does nothing, that says why. */
static void push_withheld(struct sos_finding_rec *rec, const char *why)
{
    char *line;
    if (asprintf(&line, "# command withheld, not safe to paste: %s", why) < 0)
        return;
    push_command(rec, line);
}

void sourceos_finding_command(sourceos_finding *finding, const char *command)
{
    struct sos_finding_rec *rec = finding_rec(finding);
    sos_error err;
    if (!rec || !command)
        return;
    /* Text from the plugin as it is: one line of visible characters. */
    if (sos_shquote_check(command, &err) != 0) {
        char *shown = sos_shquote_escape(command, 160);
        sos_wrap(&err, "\"%s\"", shown ? shown : "?");
        free(shown);
        push_withheld(rec, err.msg);
        return;
    }
    push_command(rec, strdup(command));
}

void sourceos_finding_command_argv(sourceos_finding *finding, const char *const argv[])
{
    struct sos_finding_rec *rec = finding_rec(finding);
    sos_error err;
    char *line;
    if (!rec)
        return;
    if (!(line = sos_shquote_argv(argv, &err)))
        push_withheld(rec, err.msg);
    else
        push_command(rec, line);
}

void sourceos_finding_commandf(sourceos_finding *finding, const char *template, ...)
{
    struct sos_finding_rec *rec = finding_rec(finding);
    sos_error err;
    va_list ap;
    char *line;
    if (!rec)
        return;
    va_start(ap, template);
    line = sos_shquote_vformat(template, ap, &err);
    va_end(ap);
    if (!line)
        push_withheld(rec, err.msg);
    else
        push_command(rec, line);
}

void sourceos_finding_evidence(sourceos_finding *finding, const char *key,
                               const char *value)
{
    struct sos_finding_rec *rec = finding_rec(finding);
    struct sos_kv *grown;
    char *k, *v;
    if (!rec || !key || !value)
        return;
    k = strdup(key);
    v = kept_value(finding->ctx, key, value);
    sos_result_cut_text(finding->ctx->result, v);
    grown = (k && v) ? realloc(rec->evidence,
                               (rec->n_evidence + 1) * sizeof *grown)
                     : NULL;
    if (!grown) {
        free(k);
        free(v);
        return;
    }
    rec->evidence = grown;
    rec->evidence[rec->n_evidence].key = k;
    rec->evidence[rec->n_evidence++].value = v;
}

/* ---- commands ------------------------------------------------------------- */

static const char *const passed_variables[] = {
    "HOME",           "USER",         "LOGNAME",         "XDG_RUNTIME_DIR",
    "XDG_CONFIG_HOME", "DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "CONTAINER_HOST",
    "CONTAINER_CONNECTION", "CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF",
    "CONTAINERS_REGISTRIES_CONF", "WSL_DISTRO_NAME", "WSL_UTF8", "TMPDIR", NULL,
};

void sos_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

static int env_push(char ***env, size_t *n, const char *name, const char *value)
{
    char *entry;
    char **grown;
    size_t name_len = strlen(name);
    if (asprintf(&entry, "%s=%s", name, value) < 0)
        return -1;
    for (size_t i = 0; i < *n; i++) {
        if (strncmp((*env)[i], name, name_len) == 0 &&
            (*env)[i][name_len] == '=') {
            free((*env)[i]);
            (*env)[i] = entry;
            return 0;
        }
    }
    grown = realloc(*env, (*n + 2) * sizeof *grown);
    if (!grown) {
        free(entry);
        return -1;
    }
    *env = grown;
    (*env)[(*n)++] = entry;
    (*env)[*n] = NULL;
    return 0;
}

static int env_push_assignment(char ***env, size_t *n, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    char *name;
    int rc;
    if (!eq || eq == assignment)
        return 0; /* not K=V: ignored rather than passed malformed */
    name = strndup(assignment, (size_t)(eq - assignment));
    if (!name)
        return -1;
    rc = env_push(env, n, name, eq + 1);
    free(name);
    return rc;
}

char **sos_command_env(const char *const extra[])
{
    char **env = calloc(1, sizeof *env);
    size_t n = 0;
    const char *path = getenv("PATH");
    int rc;
    if (!env)
        return NULL;
    rc = env_push(&env, &n, "LC_ALL", "C");
    rc |= env_push(&env, &n, "PATH", path && *path ? path : DEFAULT_PATH);
    for (size_t i = 0; passed_variables[i]; i++) {
        const char *value = getenv(passed_variables[i]);
        if (value)
            rc |= env_push(&env, &n, passed_variables[i], value);
    }
    for (size_t i = 0; extra && extra[i]; i++)
        rc |= env_push_assignment(&env, &n, extra[i]);
    if (rc != 0) {
        sos_strv_free(env);
        return NULL;
    }
    return env;
}

static double command_timeout(sourceos_ctx *ctx, unsigned timeout_ms)
{
    double bound = timeout_ms ? timeout_ms / 1000.0 : 0;
    if (ctx->config.deadline > 0) {
        double left = ctx->config.deadline - sos_now_monotonic();
        if (left < 0.001)
            left = 0.001;
        if (bound <= 0 || left < bound)
            bound = left;
    }
    return bound;
}

static char *copy_bytes(const char *data, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy) {
        if (len)
            memcpy(copy, data, len);
        copy[len] = '\0';
    }
    return copy;
}

/* The whole output of a command, for the capture. */
static int keep_capture(struct sos_command_rec *rec, const struct sos_cmd_output *o)
{
    rec->start_errno = o->start_errno;
    rec->time = sos_now_wall() - o->duration;
    rec->out = copy_bytes(o->out ? o->out : "", o->out ? o->out_len : 0);
    rec->err = copy_bytes(o->err ? o->err : "", o->err ? o->err_len : 0);
    if (!rec->out || !rec->err) {
        free(rec->out);
        free(rec->err);
        rec->out = rec->err = NULL;
        return -1;
    }
    rec->out_len = o->out ? o->out_len : 0;
    rec->err_len = o->err ? o->err_len : 0;
    return 0;
}

/* Remembers, when the run captures, what the check looked at. A repeat of
 * the one just recorded is left out (scans resolve the same path often). */
static void record_seen(sourceos_ctx *ctx, enum sos_seen_kind kind, const char *name,
                        const char *value, int error)
{
    struct sos_check_result *r = ctx->result;
    struct sos_seen_rec *grown, *last;
    if (!ctx->config.capture || !name)
        return;
    last = r->n_seen ? &r->seen[r->n_seen - 1] : NULL;
    if (last && last->kind == kind && strcmp(last->name, name) == 0 && last->error == error)
        return;
    grown = realloc(r->seen, (r->n_seen + 1) * sizeof *grown);
    if (!grown)
        return;
    r->seen = grown;
    grown[r->n_seen] = (struct sos_seen_rec){.kind = kind, .error = error};
    grown[r->n_seen].name = strdup(name);
    grown[r->n_seen].value = value ? strdup(value) : NULL;
    if (!grown[r->n_seen].name || (value && !grown[r->n_seen].value)) {
        free(grown[r->n_seen].name);
        free(grown[r->n_seen].value);
        return;
    }
    r->n_seen++;
}

static int record_command(sourceos_ctx *ctx, const char *const argv[],
                          const struct sos_cmd_output *o)
{
    struct sos_check_result *r = ctx->result;
    struct sos_command_rec *grown, *rec;
    size_t argc = 0;
    while (argv[argc])
        argc++;
    grown = realloc(r->commands, (r->n_commands + 1) * sizeof *grown);
    if (!grown)
        return -1;
    r->commands = grown;
    rec = &r->commands[r->n_commands];
    memset(rec, 0, sizeof *rec);
    rec->argv = calloc(argc + 1, sizeof *rec->argv);
    if (!rec->argv)
        return -1;
    for (size_t i = 0; i < argc; i++) {
        rec->argv[i] = strdup(argv[i]);
        if (!rec->argv[i]) {
            sos_strv_free(rec->argv);
            rec->argv = NULL;
            return -1;
        }
    }
    rec->argc = argc;
    if (ctx->config.capture && keep_capture(rec, o) != 0)
        return -1;
    rec->exit_status = o->exit_status;
    rec->term_signal = o->term_signal;
    rec->timed_out = o->timed_out;
    rec->not_started = o->not_started;
    rec->truncated = o->truncated;
    rec->duration = o->duration;
    r->n_commands++;
    return 0;
}

/* What a plugin gets when the core could not even try to run its command
 * (bad arguments, no memory): a result that says so, never NULL. */
static const struct sourceos_cmd *not_run(int errnum)
{
    static const struct sourceos_cmd no_memory = {
        .exit_status = -1, .not_started = 1, .start_errno = ENOMEM,
        .out = "", .err = "",
    };
    static const struct sourceos_cmd bad_argv = {
        .exit_status = -1, .not_started = 1, .start_errno = EINVAL,
        .out = "", .err = "",
    };
    return errnum == EINVAL ? &bad_argv : &no_memory;
}

static int keep_output(sourceos_ctx *ctx, struct sos_cmd_output *o,
                       struct sourceos_cmd *c)
{
    struct sos_cmd_output **outs =
        realloc(ctx->outputs, (ctx->n_cmds + 1) * sizeof *outs);
    struct sourceos_cmd **cmds;
    if (!outs)
        return -1;
    ctx->outputs = outs;
    cmds = realloc(ctx->cmds, (ctx->n_cmds + 1) * sizeof *cmds);
    if (!cmds)
        return -1;
    ctx->cmds = cmds;
    ctx->outputs[ctx->n_cmds] = o;
    ctx->cmds[ctx->n_cmds++] = c;
    return 0;
}

/* Counts a refused probe; the first one's findings count and WHY (for a
 * replay: the command not captured, quoted; NULL offline) are kept. */
static void refuse(sourceos_ctx *ctx, const char *const argv[])
{
    if (ctx->refused++ != 0)
        return;
    ctx->refused_after = ctx->result->n_findings;
    if (ctx->config.replay) {
        sos_error err;
        char *quoted = sos_shquote_argv(argv, &err);
        if (asprintf(&ctx->refused_why, "%s: %s", SOS_REPLAY_REASON,
                     quoted ? quoted : argv[0]) < 0)
            ctx->refused_why = NULL;
        free(quoted);
    }
}

/* Offline, a tree is analysed on its own: this machine's commands and
 * sockets would answer about the analyst's host, not the tree. The check
 * gets a recognisable "not started, ECANCELED" and the runner turns it
 * into skipped (sos_ctx_refused). */
static int offline_refuses(sourceos_ctx *ctx, const char *const argv[])
{
    if (!ctx->config.offline)
        return 0;
    refuse(ctx, argv);
    return 1;
}

size_t sos_ctx_refused(const sourceos_ctx *ctx, size_t *first_finding, const char **reason)
{
    if (first_finding)
        *first_finding = ctx->refused_after;
    if (reason)
        *reason = ctx->refused_why      ? ctx->refused_why
                  : ctx->config.replay ? SOS_REPLAY_REASON
                                       : SOS_OFFLINE_REASON;
    return ctx->refused;
}

/* A replay answers ARGV from the bundle's capture of it (copied into O for
 * the record and the plugin, the capture in *ANSWER); -1 when it was not
 * captured, -2 on ENOMEM. */
static int replay_answer(sourceos_ctx *ctx, const char *const argv[], struct sos_cmd_output *o,
                         const struct sos_replay_cmd **answer)
{
    const struct sos_replay_cmd *c =
        sos_replay_match(ctx->config.replay, ctx->config.decl ? ctx->config.decl->id : NULL,
                         argv, &ctx->replayed);
    if (!(*answer = c))
        return -1;
    o->out = malloc(c->out_len + 1);
    o->err = malloc(c->err_len + 1);
    if (!o->out || !o->err) {
        free(o->out);
        free(o->err);
        o->out = o->err = NULL;
        return -2;
    }
    memcpy(o->out, c->out, c->out_len + 1);
    memcpy(o->err, c->err, c->err_len + 1);
    o->out_len = c->out_len;
    o->err_len = c->err_len;
    o->exit_status = c->exit_status;
    o->term_signal = c->term_signal;
    o->timed_out = c->timed_out;
    o->not_started = c->not_started;
    o->start_errno = c->start_errno;
    o->truncated = c->truncated;
    o->duration = c->duration;
    return 0;
}

const struct sourceos_cmd *sourceos_run(sourceos_ctx *ctx,
                                        const char *const argv[],
                                        const char *const env[],
                                        unsigned timeout_ms)
{
    static const struct sourceos_cmd offline = {
        .exit_status = -1, .not_started = 1, .start_errno = ECANCELED,
        .out = "", .err = "",
    };
    const struct sos_replay_cmd *answer = NULL;
    struct sos_cmd_output *o;
    struct sourceos_cmd *c;
    char **envp;
    int rc;
    if (!ctx || !argv || !argv[0])
        return not_run(EINVAL);
    if (offline_refuses(ctx, argv))
        return &offline;
    envp = ctx->config.replay ? NULL : sos_command_env(env);
    o = calloc(1, sizeof *o);
    c = calloc(1, sizeof *c);
    if ((!envp && !ctx->config.replay) || !o || !c || keep_output(ctx, o, c) != 0) {
        sos_strv_free(envp);
        free(o);
        free(c);
        return not_run(ENOMEM);
    }
    /* A replay never runs anything: the capture answers, or nothing does. */
    if (ctx->config.replay) {
        rc = replay_answer(ctx, argv, o, &answer);
        if (rc == -2)
            return not_run(ENOMEM);
        if (rc != 0) {
            refuse(ctx, argv);
            return &offline;
        }
    } else {
        rc = sos_command_run(argv, envp, command_timeout(ctx, timeout_ms),
                             CAPTURE_BOUND, ctx->config.pgid_hook,
                             ctx->config.pgid_hook_data, o);
    }
    sos_strv_free(envp);
    if (rc != 0) {
        o->exit_status = -1;
        o->not_started = 1;
        o->start_errno = errno;
    }
    /* replayed, the command as captured: the report names the host's
     * paths, not the private tree's */
    record_command(ctx, answer ? (const char *const *)answer->argv : argv, o);
    *c = (struct sourceos_cmd){
        .exit_status = o->exit_status,
        .term_signal = o->term_signal,
        .timed_out = o->timed_out,
        .not_started = o->not_started,
        .start_errno = o->start_errno,
        .out = o->out ? o->out : "",
        .out_len = o->out_len,
        .err = o->err ? o->err : "",
        .err_len = o->err_len,
        .truncated = o->truncated,
        .duration = o->duration,
    };
    return c;
}

/* ---- HTTP probes ---------------------------------------------------------- */

static const struct sourceos_http *http_not_run(int errnum)
{
    static const struct sourceos_http no_memory = {.error = -ENOMEM, .body = ""};
    static const struct sourceos_http bad_url = {.error = -EINVAL, .body = ""};
    return errnum == EINVAL ? &bad_url : &no_memory;
}

/* Recorded like a command, so a report shows every probe a check made:
 * ARGV names it, ERROR is 0 or why it got no answer, STATUS its exit. */
static void record_probe(sourceos_ctx *ctx, const char *const argv[], int error, int status,
                         double duration)
{
    struct sos_cmd_output o = {
        .exit_status = error ? -1 : status,
        .timed_out = error == -ETIMEDOUT,
        .not_started = error != 0 && error != -ETIMEDOUT,
        .start_errno = -error,
        .duration = duration,
    };
    record_command(ctx, argv, &o);
}

const struct sourceos_http *sourceos_http_get(sourceos_ctx *ctx,
                                              const char *url,
                                              const char *target,
                                              unsigned timeout_ms)
{
    static const struct sourceos_http offline = {.error = -ECANCELED,
                                                 .body = ""};
    struct sos_http_reply reply;
    struct sourceos_http *h;
    const char *const probe[] = {"GET", url, target, NULL};
    if (!ctx || !url || !target)
        return http_not_run(EINVAL);
    /* a bundle holds no HTTP answer: a replay refuses every probe */
    if (offline_refuses(ctx, probe))
        return &offline;
    if (ctx->config.replay) {
        refuse(ctx, probe);
        return &offline;
    }
    sos_http_get(ctx->config.root, url, target,
                 command_timeout(ctx, timeout_ms), &reply);
    record_probe(ctx, probe, reply.error, reply.status, reply.duration);
    h = own(ctx, calloc(1, sizeof *h));
    if (!h) {
        free(reply.body);
        return http_not_run(ENOMEM);
    }
    if (!reply.body || !own(ctx, reply.body))
        return http_not_run(ENOMEM);
    *h = (struct sourceos_http){
        .error = reply.error,
        .status = reply.status,
        .body = reply.body,
        .body_len = reply.body_len,
        .duration = reply.duration,
    };
    return h;
}

/* ---- line exchanges -------------------------------------------------------- */

static const struct sourceos_line *line_not_run(int errnum)
{
    static const struct sourceos_line no_memory = {.error = -ENOMEM, .line = ""};
    static const struct sourceos_line bad_request = {.error = -EINVAL, .line = ""};
    return errnum == EINVAL ? &bad_request : &no_memory;
}

const struct sourceos_line *sourceos_line_exchange(sourceos_ctx *ctx, const char *url,
                                                   const char *request, size_t max_len,
                                                   unsigned timeout_ms)
{
    static const struct sourceos_line offline = {.error = -ECANCELED, .line = ""};
    const char *const probe[] = {"EXCHANGE", url, request, NULL};
    struct sos_line_reply reply;
    struct sourceos_line *l;
    if (!ctx || !url || !request)
        return line_not_run(EINVAL);
    /* a bundle holds no answer of a live service: a replay refuses */
    if (offline_refuses(ctx, probe))
        return &offline;
    if (ctx->config.replay) {
        refuse(ctx, probe);
        return &offline;
    }
    sos_line_exchange(ctx->config.root, url, request, max_len,
                      command_timeout(ctx, timeout_ms), &reply);
    record_probe(ctx, probe, reply.error, 0, reply.duration);
    l = own(ctx, calloc(1, sizeof *l));
    if (!l) {
        free(reply.line);
        return line_not_run(ENOMEM);
    }
    if (!reply.line || !own(ctx, reply.line))
        return line_not_run(ENOMEM);
    *l = (struct sourceos_line){
        .error = reply.error,
        .line = reply.line,
        .line_len = reply.line_len,
        .duration = reply.duration,
    };
    return l;
}

/* ---- files and environment ------------------------------------------------ */

/* What a read of the root returned (RC, BUF of N bytes) handed to the
 * plugin: the buffer lives as long as the check's context. */
static int hand_over(sourceos_ctx *ctx, int rc, char *buf, size_t n, const char **data,
                     size_t *len)
{
    if (rc < 0)
        return rc;
    if (!own(ctx, buf))
        return -ENOMEM;
    *data = buf;
    *len = n;
    return rc;
}

int sourceos_read_file(sourceos_ctx *ctx, const char *path, size_t max_bytes,
                       const char **data, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    int rc;
    if (!ctx || !path || !data || !len)
        return -EINVAL;
    if (!(rc = sos_replay_denied(ctx->config.replay, path)))
        rc = sos_rootfs_read(ctx->config.root, path, max_bytes, &buf, &n);
    record_seen(ctx, SOS_SEEN_PATH, path, NULL, rc < 0 ? -rc : 0);
    return hand_over(ctx, rc, buf, n, data, len);
}

int sourceos_read_file_tail(sourceos_ctx *ctx, const char *path, size_t max_bytes,
                            const char **data, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    int rc;
    if (!ctx || !path || !data || !len)
        return -EINVAL;
    if (!(rc = sos_replay_denied(ctx->config.replay, path)))
        rc = sos_rootfs_read_tail(ctx->config.root, path, max_bytes, &buf, &n);
    record_seen(ctx, SOS_SEEN_PATH, path, NULL, rc < 0 ? -rc : 0);
    return hand_over(ctx, rc, buf, n, data, len);
}

int sourceos_read_file_tail_owned(sourceos_ctx *ctx, const char *path, size_t max_bytes,
                                  uid_t owner, uid_t *found, const char **data,
                                  size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    uid_t there = 0, recorded;
    gid_t gid;
    mode_t mode;
    int rc;
    if (!ctx || !path || !data || !len)
        return -EINVAL;
    if (!(rc = sos_replay_denied(ctx->config.replay, path)))
        rc = sos_rootfs_read_tail_owned(ctx->config.root, path, max_bytes, owner, &there, &buf,
                                        &n);
    /* a replay's extracted file may not have its owner (a non-root
     * analyst's): the owner the capture recorded is the one that counts */
    if (rc == -EPERM && sourceos_captured_attrs(ctx, path, &recorded, &gid, &mode) == 0) {
        if (recorded == owner)
            rc = sos_rootfs_read_tail_owned(ctx->config.root, path, max_bytes, there, &there,
                                            &buf, &n);
        else
            there = recorded;
    }
    if (rc == -EPERM && found)
        *found = there;
    record_seen(ctx, SOS_SEEN_PATH, path, NULL, rc < 0 ? -rc : 0);
    return hand_over(ctx, rc, buf, n, data, len);
}

const char *sourceos_host_path(sourceos_ctx *ctx, const char *path)
{
    char *resolved = NULL;
    int rc;
    if (!ctx || !path)
        return NULL;
    if (!(rc = sos_replay_denied(ctx->config.replay, path)))
        rc = sos_rootfs_resolve(ctx->config.root, path, 0, &resolved);
    record_seen(ctx, SOS_SEEN_PATH, path, NULL, rc < 0 ? -rc : 0);
    if (rc != 0)
        return NULL;
    return own(ctx, resolved);
}

int sourceos_host_path_error(sourceos_ctx *ctx, const char *path)
{
    char *resolved = NULL;
    int rc;
    if (!ctx || !path)
        return -EINVAL;
    if (!(rc = sos_replay_denied(ctx->config.replay, path)))
        rc = sos_rootfs_resolve(ctx->config.root, path, 0, &resolved);
    free(resolved);
    record_seen(ctx, SOS_SEEN_PATH, path, NULL, rc < 0 ? -rc : 0);
    return rc;
}

int sourceos_captured_attrs(sourceos_ctx *ctx, const char *path, uid_t *uid, gid_t *gid,
                            mode_t *mode)
{
    if (!ctx || !path || !uid || !gid || !mode)
        return -EINVAL;
    char *real = NULL;
    const char *canonical = path;
    size_t root_len = ctx->config.root ? strlen(ctx->config.root) : 0;
    int found;
    if (!ctx->config.replay)
        return -ENOENT;
    /* as stat(2) would: the capture recorded canonical paths, the replay's
     * tree resolves the links as the host's did */
    if (sos_rootfs_resolve(ctx->config.root, path, 0, &real) == 0 && root_len > 1 &&
        strncmp(real, ctx->config.root, root_len) == 0 && real[root_len] == '/')
        canonical = real + root_len;
    found = sos_replay_attrs(ctx->config.replay, canonical, uid, gid, mode) ||
            sos_replay_attrs(ctx->config.replay, path, uid, gid, mode);
    free(real);
    return found ? 0 : -ENOENT;
}

/* ---- user homes ----------------------------------------------------------- */

/* The invoking user's home counts only when the run may ask this machine:
 * offline, a tree is about its own users, not the analyst; a replay's
 * tree too (the captured home is in it). */
static void list_homes(sourceos_ctx *ctx)
{
    const char *home = ctx->config.offline || ctx->config.replay ? NULL : getenv("HOME");
    const char *user = getenv("USER");
    if (ctx->homes_listed)
        return;
    ctx->homes_listed = 1;
    if (ctx->config.replay &&
        sos_replay_homes(ctx->config.replay, &ctx->homes, &ctx->n_homes) != 0)
        return; /* the capture's, or none when they cannot be copied */
    if (sos_homes_list(ctx->config.root, home, user, &ctx->homes,
                       &ctx->n_homes) != 0) {
        ctx->homes = NULL;
        ctx->n_homes = 0;
    }
}

size_t sourceos_home_count(sourceos_ctx *ctx)
{
    if (!ctx)
        return 0;
    list_homes(ctx);
    return ctx->n_homes;
}

const char *sourceos_home_at(sourceos_ctx *ctx, size_t i, const char **user)
{
    if (user)
        *user = NULL;
    if (!ctx)
        return NULL;
    list_homes(ctx);
    if (i >= ctx->n_homes)
        return NULL;
    if (user)
        *user = ctx->homes[i].user;
    return ctx->homes[i].path;
}

const char *sourceos_getenv(sourceos_ctx *ctx, const char *name)
{
    /* a replay answers with what the checks read at capture */
    const char *value = !name                            ? NULL
                        : ctx && ctx->config.replay ? sos_replay_getenv(ctx->config.replay, name)
                                                    : getenv(name);
    if (ctx && value && sos_redact_key_is_secret(name))
        sos_result_add_secret(ctx->result, value);
    if (ctx)
        record_seen(ctx, SOS_SEEN_ENV, name, value, 0);
    return value;
}

/* ---- JSON ----------------------------------------------------------------- */

/* A value read under a secret key (auths.X.auth, identitytoken, ...) is a
 * secret of the run; returns VALUE. */
static const char *remembered(sourceos_ctx *ctx, const char *path,
                              const char *value)
{
    const char *last = path ? strrchr(path, '.') : NULL;
    if (value && sos_redact_key_is_secret(last ? last + 1 : path))
        sos_result_add_secret(ctx->result, value);
    return value;
}


/* A text is recognised by its address and length plus this many bytes
 * sampled across it: O(1) per call. Comparing the whole text (as this did)
 * made each call O(n) and a loop over a document's members O(n^2). */
#define JSON_SAMPLES 64
/* Documents looked up per call (newest first); older ones stay alive, since
 * the plugin may still hold names borrowed from them, but are not looked
 * up, so a plugin parsing thousands of texts does not pay for all of them. */
#define JSON_LOOKUP 16
/* Objects per document whose member names are indexed at a time. */
#define JSON_INDEXED 8

/* One object's member names in document order: member I in O(1). The
 * names are borrowed from the document. */
struct json_index {
    const json_t *object;
    const char **keys;
    size_t n;
};

struct json_doc {
    const char *text; /* the plugin's pointer, only compared; NULL: replaced */
    size_t len;
    unsigned char sample[JSON_SAMPLES];
    json_t *doc; /* NULL when the text is not JSON */
    struct json_index index[JSON_INDEXED];
    size_t next_index; /* the slot replaced next */
};

struct json_cache {
    struct json_doc *docs;
    size_t n, cap;
};

static void json_cache_free(struct json_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        for (size_t k = 0; k < JSON_INDEXED; k++)
            free(c->docs[i].index[k].keys);
        json_decref(c->docs[i].doc);
    }
    free(c->docs);
    free(c);
}

static void json_sample(const char *text, size_t len,
                        unsigned char out[JSON_SAMPLES])
{
    memset(out, 0, JSON_SAMPLES);
    for (size_t i = 0; len > 0 && i < JSON_SAMPLES; i++)
        out[i] = (unsigned char)text[(i * (len - 1)) / (JSON_SAMPLES - 1)];
}

static struct json_doc *json_doc_add(sourceos_ctx *ctx, const char *text,
                                     size_t len, const unsigned char *sample)
{
    struct json_cache *c = ctx->json;
    struct json_doc *d;
    if (!c && !(c = ctx->json = calloc(1, sizeof *c)))
        return NULL;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 4;
        struct json_doc *grown = realloc(c->docs, cap * sizeof *grown);
        if (!grown)
            return NULL;
        c->docs = grown;
        c->cap = cap;
    }
    d = &c->docs[c->n++];
    memset(d, 0, sizeof *d);
    d->text = text;
    d->len = len;
    memcpy(d->sample, sample, JSON_SAMPLES);
    d->doc = json_loadb(text, len, JSON_DECODE_ANY, NULL);
    return d;
}

/* The parsed document of TEXT: parsed on first use, then found again by
 * address, length and sample. A buffer reused for new content (same
 * address and length, other bytes) is parsed anew. */
static struct json_doc *json_doc_of(sourceos_ctx *ctx, const char *text,
                                    size_t len)
{
    unsigned char sample[JSON_SAMPLES];
    struct json_cache *c;
    if (!ctx || !text)
        return NULL;
    c = ctx->json;
    json_sample(text, len, sample);
    for (size_t k = 0; c && k < c->n && k < JSON_LOOKUP; k++) {
        struct json_doc *d = &c->docs[c->n - 1 - k];
        if (d->text != text || d->len != len)
            continue;
        if (memcmp(d->sample, sample, JSON_SAMPLES) == 0)
            return d;
        d->text = NULL; /* stale: kept alive, never found again */
    }
    return json_doc_add(ctx, text, len, sample);
}

static json_t *parsed(sourceos_ctx *ctx, const char *text, size_t len)
{
    struct json_doc *d = json_doc_of(ctx, text, len);
    return d ? d->doc : NULL;
}

/* The member names of OBJECT (in D's document), indexed on first use. */
static const struct json_index *json_index_of(struct json_doc *d,
                                              const json_t *object)
{
    struct json_index *ix;
    const char *key;
    json_t *member;
    size_t n = 0;
    for (size_t k = 0; k < JSON_INDEXED; k++)
        if (d->index[k].object == object && d->index[k].keys)
            return &d->index[k];
    ix = &d->index[d->next_index];
    d->next_index = (d->next_index + 1) % JSON_INDEXED;
    free(ix->keys);
    memset(ix, 0, sizeof *ix);
    ix->keys = malloc((json_object_size(object) + 1) * sizeof *ix->keys);
    if (!ix->keys)
        return NULL;
    json_object_foreach((json_t *)object, key, member) {
        (void)member;
        ix->keys[n++] = key;
    }
    ix->n = n;
    ix->object = object;
    return ix;
}

const char *sourceos_json_get(sourceos_ctx *ctx, const char *text, size_t len,
                              const char *path)
{
    json_t *doc = parsed(ctx, text, len);
    return remembered(ctx, path,
                      doc ? own(ctx, sos_json_scalar_text(sos_json_path(doc, path)))
                          : NULL);
}

long sourceos_json_count(sourceos_ctx *ctx, const char *text, size_t len,
                         const char *path)
{
    json_t *v = sos_json_path(parsed(ctx, text, len), path);
    if (json_is_array(v))
        return (long)json_array_size(v);
    if (json_is_object(v))
        return (long)json_object_size(v);
    return -1;
}

const char *sourceos_json_key_at(sourceos_ctx *ctx, const char *text,
                                 size_t len, const char *path, size_t i)
{
    struct json_doc *d = json_doc_of(ctx, text, len);
    json_t *v = d ? sos_json_path(d->doc, path) : NULL;
    const struct json_index *ix;
    if (!json_is_object(v))
        return NULL;
    ix = json_index_of(d, v);
    return ix && i < ix->n ? ix->keys[i] : NULL;
}

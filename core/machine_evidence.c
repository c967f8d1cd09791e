#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine_evidence.h"

int sos_am_evidence_looks_json(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r'))
        i++;
    return i < len && text[i] == '{';
}

int sos_am_evidence_read(const char *path, json_t **doc, sos_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    json_error_t je;
    char *buf;
    ssize_t n;
    size_t got = 0;
    *doc = NULL;
    if (fd < 0)
        return sos_fail(err, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sos_fail(err, "%s: not a regular file", path);
    }
    if ((unsigned long long)st.st_size > SOS_AM_EVIDENCE_MAX) {
        close(fd);
        return sos_fail(err, "%s: %lld bytes, more than an evidence file has (at most %u)",
                        path, (long long)st.st_size, SOS_AM_EVIDENCE_MAX);
    }
    if (!(buf = malloc((size_t)st.st_size + 1))) {
        close(fd);
        return sos_fail(err, "%s: out of memory", path);
    }
    while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
        got += (size_t)n;
    close(fd);
    *doc = json_loadb(buf, got, JSON_REJECT_DUPLICATES, &je);
    free(buf);
    if (!*doc)
        return sos_fail(err, "%s:%d:%d: not JSON: %s", path, je.line, je.column, je.text);
    return 0;
}

/* ---- The shapes ------------------------------------------------------------ */

enum kind { STR, INT, BOOL, ARR, OBJ, STR_OR_NULL, INT_OR_NULL, BOOL_OR_NULL, OBJ_OR_NULL,
            TIME, HASH, DIGEST };

struct field {
    const char *key;
    enum kind kind;
    const struct field *inner; /* OBJ: its fields; ARR: its items' (objects) */
    int optional;
};

static const char *kind_text(enum kind k)
{
    switch (k) {
    case STR: return "a string";
    case INT: return "an integer";
    case BOOL: return "true or false";
    case ARR: return "a list";
    case OBJ: return "an object";
    case STR_OR_NULL: return "a string or null";
    case INT_OR_NULL: return "an integer or null";
    case BOOL_OR_NULL: return "true, false or null";
    case OBJ_OR_NULL: return "an object or null";
    case TIME: return "a UTC time YYYY-mm-ddTHH:MM:SSZ";
    case HASH: return "sha256: and 64 hex digits";
    case DIGEST: return "empty or sha256: and 64 hex digits";
    }
    return "?";
}

static int is_hash(const char *s)
{
    return strncmp(s, "sha256:", 7) == 0 && strlen(s) == 71 &&
           strspn(s + 7, "0123456789abcdef") == 64;
}

static int is_time(const char *s)
{
    static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(s) != sizeof form - 1)
        return 0;
    for (size_t i = 0; form[i]; i++)
        if (form[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != form[i])
            return 0;
    return 1;
}

static int fits(const json_t *v, enum kind k)
{
    switch (k) {
    case STR: return json_is_string(v);
    case INT: return json_is_integer(v);
    case BOOL: return json_is_boolean(v);
    case ARR: return json_is_array(v);
    case OBJ: return json_is_object(v);
    case STR_OR_NULL: return json_is_string(v) || json_is_null(v);
    case INT_OR_NULL: return json_is_integer(v) || json_is_null(v);
    case BOOL_OR_NULL: return json_is_boolean(v) || json_is_null(v);
    case OBJ_OR_NULL: return json_is_object(v) || json_is_null(v);
    case TIME: return json_is_string(v) && is_time(json_string_value(v));
    case HASH: return json_is_string(v) && is_hash(json_string_value(v));
    case DIGEST:
        return json_is_string(v) && (!*json_string_value(v) || is_hash(json_string_value(v)));
    }
    return 0;
}

static int check_object(const json_t *o, const struct field *fields, const char *path,
                        sos_error *err)
{
    const char *key;
    json_t *v;
    char sub[300];
    for (const struct field *f = fields; f->key; f++) {
        v = json_object_get(o, f->key);
        snprintf(sub, sizeof sub, "%s.%s", path, f->key);
        if (!v) {
            if (f->optional)
                continue;
            return sos_fail(err, "%s: missing", sub);
        }
        if (!fits(v, f->kind))
            return sos_fail(err, "%s: must be %s", sub, kind_text(f->kind));
        if (f->inner && json_is_object(v) && check_object(v, f->inner, sub, err) != 0)
            return 1;
        if (f->inner && json_is_array(v)) {
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item) {
                char at[340];
                snprintf(at, sizeof at, "%s[%zu]", sub, i);
                if (!json_is_object(item))
                    return sos_fail(err, "%s: must be an object", at);
                if (check_object(item, f->inner, at, err) != 0)
                    return 1;
            }
        }
    }
    json_object_foreach((json_t *)o, key, v) {
        int known = 0;
        for (const struct field *f = fields; f->key && !known; f++)
            known = strcmp(f->key, key) == 0;
        if (!known)
            return sos_fail(err, "%s.%s: not a key of this document", path, key);
    }
    return 0;
}

static const struct field ev_mount[] = {
    {"mountId", STR, NULL, 0},    {"pathClass", STR, NULL, 0},
    {"agentPath", STR, NULL, 0},  {"accessMode", STR, NULL, 0},
    {"secretsProhibited", BOOL, NULL, 0}, {"hostPathRef", STR, NULL, 0},
    {"existsAtRunStart", BOOL, NULL, 0}, {NULL, 0, NULL, 0}};
static const struct field ev_denied[] = {
    {"pathRef", STR, NULL, 0}, {"reason", STR, NULL, 0}, {NULL, 0, NULL, 0}};
static const struct field ev_redaction[] = {
    {"filter", STR, NULL, 0}, {"argvWordsRedacted", INT, NULL, 0}, {NULL, 0, NULL, 0}};
static const struct field ev_image[] = {
    {"reference", STR, NULL, 0}, {"digest", DIGEST, NULL, 0}, {NULL, 0, NULL, 0}};
static const struct field ev_repo[] = {
    {"pathRef", STR_OR_NULL, NULL, 1}, {"gitRef", STR, NULL, 0},
    {"dirty", BOOL_OR_NULL, NULL, 0}, {NULL, 0, NULL, 0}};
static const struct field tool_version[] = {
    {"name", STR, NULL, 0}, {"version", STR, NULL, 0}, {NULL, 0, NULL, 0}};
static const struct field ev_launch[] = {
    {"command", STR, NULL, 0},       {"tool", STR_OR_NULL, NULL, 1},
    {"profile", STR, NULL, 0},       {"image", OBJ, ev_image, 0},
    {"repo", OBJ, ev_repo, 0},       {"toolVersions", ARR, tool_version, 0},
    {"podmanArgv", ARR, NULL, 0},    {"startedAt", TIME, NULL, 0},
    {"endedAt", STR_OR_NULL, NULL, 0}, {"exitStatus", INT_OR_NULL, NULL, 0},
    {"refused", STR_OR_NULL, NULL, 1}, {"sourceosVersion", STR, NULL, 0},
    {NULL, 0, NULL, 0}};
static const struct field evidence[] = {
    {"kind", STR, NULL, 0},          {"schemaVersion", STR, NULL, 0},
    {"capturedAt", TIME, NULL, 0},   {"workspaceId", STR, NULL, 0},
    {"executor", STR, NULL, 0},      {"backendIntent", STR, NULL, 0},
    {"storageBackend", STR, NULL, 0}, {"policyHash", HASH, NULL, 0},
    {"gitRef", STR, NULL, 0},        {"mounts", ARR, ev_mount, 0},
    {"deniedAttempts", ARR, ev_denied, 0}, {"redactionSummary", OBJ, ev_redaction, 0},
    {"launch", OBJ, ev_launch, 0},   {NULL, 0, NULL, 0}};

static const struct field fp_host[] = {
    {"os", STR, NULL, 0}, {"version", STR, NULL, 0}, {"arch", STR, NULL, 0},
    {NULL, 0, NULL, 0}};
static const struct field fp_podman[] = {
    {"clientVersion", STR_OR_NULL, NULL, 0}, {"serverVersion", STR_OR_NULL, NULL, 0},
    {"machine", STR, NULL, 0}, {"provider", STR, NULL, 0}, {"state", STR, NULL, 0},
    {NULL, 0, NULL, 0}};
static const struct field fp_mount[] = {
    {"mountId", STR, NULL, 0},   {"pathClass", STR, NULL, 0},
    {"hostPath", STR, NULL, 0},  {"agentPath", STR, NULL, 0},
    {"accessMode", STR, NULL, 0}, {"createIfMissing", BOOL, NULL, 0},
    {"secretsProhibited", BOOL, NULL, 0}, {"directExecutionAllowed", BOOL, NULL, 0},
    {NULL, 0, NULL, 0}};
static const struct field fp_repo[] = {
    {"path", STR, NULL, 0}, {"gitRef", STR, NULL, 0}, {"dirty", BOOL_OR_NULL, NULL, 0},
    {NULL, 0, NULL, 0}};
static const struct field fingerprint[] = {
    {"kind", STR, NULL, 0},      {"schemaVersion", STR, NULL, 0},
    {"profile", STR, NULL, 0},   {"host", OBJ, fp_host, 0},
    {"podman", OBJ, fp_podman, 0}, {"image", OBJ, ev_image, 0},
    {"repo", OBJ_OR_NULL, fp_repo, 0}, {"mounts", ARR, fp_mount, 0},
    {"deniedPatterns", ARR, NULL, 0}, {"policyHash", HASH, NULL, 0},
    {"tools", ARR, tool_version, 0}, {"sourceosVersion", STR, NULL, 0},
    {"time", TIME, NULL, 0},     {NULL, 0, NULL, 0}};

static int strings_only(const json_t *a, const char *path, sos_error *err)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if (!json_is_string(v))
        return sos_fail(err, "%s[%zu]: must be a string", path, i);
    return 0;
}

int sos_am_evidence_check(const json_t *doc, const char **kind, sos_error *err)
{
    const char *k = json_string_value(json_object_get(doc, "kind"));
    const char *v = json_string_value(json_object_get(doc, "schemaVersion"));
    *kind = k;
    if (!json_is_object(doc))
        return sos_fail(err, "$: must be an object"), 1;
    if (!k || (strcmp(k, "AgentMachineMountEvidence") != 0 &&
               strcmp(k, "AgentMachineFingerprint") != 0))
        return sos_fail(err, "$.kind: must be AgentMachineMountEvidence or "
                        "AgentMachineFingerprint"), 1;
    if (!v || strcmp(v, "0.1") != 0)
        return sos_fail(err, "$.schemaVersion: must be 0.1"), 1;
    if (strcmp(k, "AgentMachineFingerprint") == 0)
        return check_object(doc, fingerprint, "$", err) != 0 ||
               strings_only(json_object_get(doc, "deniedPatterns"), "$.deniedPatterns", err);
    if (check_object(doc, evidence, "$", err) != 0)
        return 1;
    if (!json_is_string(json_object_get(doc, "backendIntent")) ||
        strcmp(json_string_value(json_object_get(doc, "backendIntent")), "agent-machine") != 0)
        return sos_fail(err, "$.backendIntent: must be agent-machine"), 1;
    return strings_only(json_object_get(json_object_get(doc, "launch"), "podmanArgv"),
                        "$.launch.podmanArgv", err) != 0;
}

/* The declaration as evaluated: the typed model, every default filled, as
 * JSON with the canonical spec's field names. A generation keeps it beside
 * the files made from it, so what was staged can be read back without the
 * agents.d file it came from. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>

#include "gen.h"

static json_t *strings(const struct sos_agent_strings *s)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < s->n; i++)
        json_array_append_new(a, json_string(s->v[i]));
    return a;
}

static const char *const SCOPE[] = {"user", "system"};
static const char *const RUNTIME[] = {"podman", "native", "nix-app", "systemd"};
static const char *const BACKEND[] = {"auto", "launchd", "systemd"};
static const char *const AUTH[] = {"empty-authfile", "service-account", "none",
                                   "forbidden-ambient"};
static const char *const PULL[] = {"never", "explicit", "always"};
static const char *const RESTART[] = {"manual", "bounded", "supervised"};

static json_t *mounts(const struct sos_agent_model *m)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < m->n_mounts; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "host", m->mounts[i].host,
                                           "container", m->mounts[i].container, "mode",
                                           m->mounts[i].mode == SOS_MOUNT_RW ? "rw" : "ro"));
    return a;
}

static json_t *model_json(const struct sos_agent_model *m)
{
    json_t *require_machine = m->podman.require_machine < 0
                                  ? json_string("auto")
                                  : json_boolean(m->podman.require_machine);
    return json_pack(
        "{s:s, s:b, s:s, s:s, s:o, s:s, s:s,"
        " s:{s:s, s:s, s:s},"
        " s:{s:s, s:s, s:b, s:b},"
        " s:{s:s, s:s, s:o, s:b, s:b},"
        " s:{s:b, s:b, s:s, s:I, s:I, s:I},"
        " s:{s:s, s:s, s:s},"
        " s:{s:s, s:s, s:o},"
        " s:{s:b, s:b, s:b, s:b, s:b},"
        " s:s, s:s, s:o, s:o, s:o, s:o}",
        "name", m->name, "enable", m->enable, "scope", SCOPE[m->scope], "runtime",
        RUNTIME[m->runtime], "command", strings(&m->command), "image", m->image,
        "containerName", m->container_name,
        "owner", "project", m->owner.project, "component", m->owner.component, "contact",
        m->owner.contact,
        "auth", "mode", AUTH[m->auth.mode], "authfile", m->auth.authfile,
        "allowAmbientDockerConfig", m->auth.allow_ambient_docker_config,
        "allowInteractiveCredentialHelper", m->auth.allow_interactive_credential_helper,
        "podman", "connection", m->podman.connection, "pull", PULL[m->podman.pull],
        "requireMachine", require_machine, "requireLocalImage", m->podman.require_local_image,
        "rootless", m->podman.rootless,
        "lifecycle", "runAtLoad", m->lifecycle.run_at_load, "keepAlive",
        m->lifecycle.keep_alive, "restart", RESTART[m->lifecycle.restart],
        "maxRestartsPerHour", (json_int_t)m->lifecycle.max_restarts_per_hour,
        "startupTimeoutSeconds", (json_int_t)m->lifecycle.startup_timeout_seconds,
        "shutdownTimeoutSeconds", (json_int_t)m->lifecycle.shutdown_timeout_seconds,
        "logs", "app", m->logs.app, "stdout", m->logs.stdout_path, "stderr",
        m->logs.stderr_path,
        "health", "type", m->health.type, "expected", m->health.expected, "command",
        strings(&m->health.command),
        "quarantine", "captureServiceDefinition", m->quarantine.service_definition,
        "captureLogs", m->quarantine.logs, "captureRuntimeState", m->quarantine.runtime_state,
        "captureImageMetadata", m->quarantine.image_metadata, "captureRedactedAuthConfig",
        m->quarantine.redacted_auth_config,
        "backend", BACKEND[m->backend], "label", m->label, "env", strings(&m->env), "mounts",
        mounts(m), "args", strings(&m->args), "capabilities", strings(&m->capabilities));
}

char *sos_gen_declaration_json(const struct sos_agent_model *m, sos_error *err)
{
    json_t *j = model_json(m);
    char *out;
    if (!j) {
        sos_fail(err, "declaration: cannot write the model as JSON (a string that is not "
                      "UTF-8, or out of memory)");
        return NULL;
    }
    out = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(j);
    if (!out)
        sos_fail(err, "declaration: out of memory");
    return out;
}

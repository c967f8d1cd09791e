/* A filled agent model for the stage tests, as the loader would leave it
 * (every default in place), built in C so the generators are tested
 * without the agents.d reader. Strings point at the fixture's own
 * buffers; a test changes a field by pointing it elsewhere. */
#ifndef SOS_TEST_STAGE_MODEL_H
#define SOS_TEST_STAGE_MODEL_H

#include <string.h>

#include "agent_model.h"

#define STAGE_HOME "/home/ada"

struct stage_fixture {
    struct sos_agent_model m;
    char *env[2], *args[2];
    struct sos_agent_mount mounts[1];
};

/* C string literals are char[] in C: the model's char * fields take them. */
static inline void stage_model_init(struct stage_fixture *f)
{
    struct sos_agent_model *m = &f->m;
    memset(f, 0, sizeof *f);
    m->name = "web";
    m->enable = 1;
    m->scope = SOS_SCOPE_USER;
    m->runtime = SOS_RUNTIME_PODMAN;
    m->image = "localhost/sourceos/web:1";
    m->container_name = "sourceos-web";
    m->owner.project = "sourceos";
    m->owner.component = "web";
    m->owner.contact = "ops@example.org";
    m->auth.mode = SOS_AUTH_EMPTY_AUTHFILE;
    m->auth.authfile = "~/.config/containers/sourceos-empty-auth.json";
    m->podman.connection = "";
    m->podman.pull = SOS_PULL_NEVER;
    m->podman.require_machine = -1;
    m->podman.require_local_image = 1;
    m->podman.rootless = 1;
    m->lifecycle.run_at_load = 1;
    m->lifecycle.restart = SOS_RESTART_BOUNDED;
    m->lifecycle.max_restarts_per_hour = 3;
    m->lifecycle.startup_timeout_seconds = 20;
    m->lifecycle.shutdown_timeout_seconds = 10;
    m->logs.app = "~/.local/state/sourceos/logs/web.log";
    m->logs.stdout_path = "~/.local/state/sourceos/logs/web.out.log";
    m->logs.stderr_path = "~/.local/state/sourceos/logs/web.err.log";
    m->health.type = "podman-container";
    m->health.expected = "running";
    m->quarantine.service_definition = m->quarantine.logs = m->quarantine.runtime_state =
        m->quarantine.image_metadata = m->quarantine.redacted_auth_config = 1;
    m->backend = SOS_BACKEND_AUTO;
    m->label = "org.sourceos.agent.web";
    m->service.plist = STAGE_HOME "/Library/LaunchAgents/org.sourceos.agent.web.plist";
    m->service.unit = STAGE_HOME "/.config/systemd/user/sourceos-agent@web.service";
    f->env[0] = "APP_MODE=serve";
    m->env.n = 1;
    m->env.v = f->env;
    f->mounts[0].host = "~/work/web-data";
    f->mounts[0].container = "/data";
    f->mounts[0].mode = SOS_MOUNT_RO;
    m->n_mounts = 1;
    m->mounts = f->mounts;
    f->args[0] = "serve";
    m->args.n = 1;
    m->args.v = f->args;
}

#endif

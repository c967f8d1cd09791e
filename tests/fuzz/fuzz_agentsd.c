/* Fuzz harness: agents.d, one declaration (CONFIG/agents.d/fz.yaml) read by
 * sos_agent_load() and applied to agent-scope checks. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include <stdio.h>
#include <sys/stat.h>

#include "agent.h"
#include "checksd.h"

static const char checks_yaml[] =
    "checks:\n"
    "  - id: a.one\n    plugin: p\n    check: c\n    scope: agent\n"
    "    params: {image: \"${agent.image}\", env: [\"${agent.env}\"], x: lit}\n"
    "  - id: a.two\n    plugin: p\n    check: c\n    scope: agent\n"
    "    params: {auth: \"${agent.auth}\", user: \"${agent.user}\"}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char config[256];
    struct sos_agent agent;
    struct sos_checks checks = {0};
    sos_error err;
    if (!config[0]) {
        char dir[300];
        snprintf(config, sizeof config, "%s/config", fuzz_tmpdir());
        snprintf(dir, sizeof dir, "%s/agents.d", config);
        mkdir(config, 0700);
        mkdir(dir, 0700);
    }
    fuzz_write_file("config/agents.d/fz.yaml", data, size);
    memset(&agent, 0, sizeof agent);
    if (sos_agent_load(config, "fz", &agent, &err) == 0 &&
        sos_checksd_load_buffer("checks.yaml", checks_yaml, sizeof checks_yaml - 1,
                                &checks, &err) == 0)
        (void)sos_agent_apply(&agent, &checks, &err);
    sos_checks_free(&checks);
    sos_agent_free(&agent);
    return 0;
}

/* runtime: the agent's runtime is one this host can run. A podman agent
 * names its image (the podman steps that follow judge the binary, machine
 * and image); a native or nix-app agent's command must be an absolute path
 * to an executable file, under --root as seen in the tree: a Nix store
 * path that was garbage-collected fails here, before the service would. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"

static sourceos_status command_problem(sourceos_ctx *ctx, const char *code,
                                       sourceos_severity sev, const char *program,
                                       const char *what, const char *remedy)
{
    sourceos_finding *f = sourceos_finding_add(ctx, code, sev, "%s %s", program, what);
    sourceos_finding_remediation(f, remedy);
    sourceos_finding_path(f, program);
    return SOURCEOS_FAILURE;
}

static sourceos_status judge_command(sourceos_ctx *ctx, const char *runtime)
{
    const char *program = sourceos_param_at(ctx, "command", 0);
    const char *seen;
    struct stat st;
    int nix = strcmp(runtime, "nix-app") == 0;
    sourceos_finding *f;
    if (!program)
        return command_problem(ctx, "agent.runtime-command-missing", SOURCEOS_SEV_CRITICAL, "(none)",
                               "is the command: the declaration gives no command",
                               "Give the agent's command as an absolute path and its "
                               "arguments (command: [/path/to/program, ...]).");
    if (program[0] != '/')
        return command_problem(ctx, "agent.runtime-command-relative", SOURCEOS_SEV_CRITICAL, program,
                               "is not an absolute path: the service manager does not "
                               "search the user's PATH",
                               "Write the command's program as an absolute path.");
    seen = sourceos_host_path(ctx, program);
    if (!seen) {
        int e = sourceos_host_path_error(ctx, program);
        if (e == -EACCES) {
            plugin_denied(ctx, NULL, "agent.permission-denied", program, NULL);
            return SOURCEOS_WARNING;
        }
        return command_problem(
            ctx, "agent.runtime-command-missing", SOURCEOS_SEV_CRITICAL, program,
            nix ? "does not exist: the store path was garbage-collected or never built; the "
                  "service would fail at every start"
                : "does not exist",
            nix ? "Rebuild the agent's package (home-manager switch / darwin-rebuild switch) "
                  "and point the declaration at the new store path; keep it as a GC root."
                : "Install the program, or fix the path in the declaration.");
    }
    if (stat(seen, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
        return command_problem(ctx, "agent.runtime-command-not-executable", SOURCEOS_SEV_CRITICAL, program,
                               "is not an executable file",
                               "Point the command at the program itself (mode +x), not a "
                               "directory or a data file.");
    f = sourceos_finding_add(ctx, "agent.runtime-ready", SOURCEOS_SEV_INFO, "%s: %s", runtime,
                             program);
    sourceos_finding_path(f, program);
    return SOURCEOS_OK;
}

sourceos_status agent_check_runtime(sourceos_ctx *ctx)
{
    const char *runtime = sourceos_param(ctx, "runtime");
    const char *image = sourceos_param(ctx, "image");
    sourceos_finding *f;
    if (!runtime)
        runtime = "podman";
    if (strcmp(runtime, "podman") == 0) {
        if (!image) {
            f = sourceos_finding_add(ctx, "agent.runtime-image-missing", SOURCEOS_SEV_CRITICAL,
                                     "podman runtime without an image");
            sourceos_finding_remediation(f, "Give the agent's image (image: localhost/...).");
            return SOURCEOS_FAILURE;
        }
        sourceos_finding_add(ctx, "agent.runtime-ready", SOURCEOS_SEV_INFO, "podman, image %s",
                             image);
        return SOURCEOS_OK;
    }
    if (strcmp(runtime, "native") == 0 || strcmp(runtime, "nix-app") == 0)
        return judge_command(ctx, runtime);
    f = sourceos_finding_add(ctx, "agent.runtime-unsupported", SOURCEOS_SEV_CRITICAL,
                             "runtime %s cannot be staged by this release (podman, native and "
                             "nix-app can)",
                             runtime);
    sourceos_finding_remediation(f, "Declare the agent with runtime podman, native or nix-app.");
    return SOURCEOS_FAILURE;
}

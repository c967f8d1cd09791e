/* core/agent_model: every default filled, per target OS and home, and each
 * validation rule refusing with FILE:LINE:COLUMN. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "agent_model.h"

static const struct sos_agent_model_opts linux_opts = {SOS_AGENT_OS_LINUX, "/home/alice", NULL};
static const struct sos_agent_model_opts xdg_opts = {SOS_AGENT_OS_LINUX, "/home/alice",
                                                     "/home/alice/state"};
static const struct sos_agent_model_opts mac_opts = {SOS_AGENT_OS_MACOS, "/Users/alice", NULL};

static int load_as(const struct sos_agent_model_opts *o, const char *yaml,
                   struct sos_agent_model *m, sos_error *err)
{
    return sos_agent_model_load_buffer("a.yaml", "web", yaml, strlen(yaml), o, m, err);
}

/* YAML must be refused with a message starting "a.yaml:WHERE: " and
 * holding WHAT. */
static void refused(const char *yaml, const char *where, const char *what)
{
    struct sos_agent_model m;
    sos_error err;
    char prefix[64];
    if (load_as(&linux_opts, yaml, &m, &err) == 0) {
        sos_agent_model_free(&m);
        fail_msg("accepted: %s", yaml);
    }
    snprintf(prefix, sizeof prefix, "a.yaml:%s: ", where);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0 || !strstr(err.msg, what))
        fail_msg("for %s\nexpected \"%s...%s\"\ngot \"%s\"", yaml, prefix, what, err.msg);
    assert_null(m.name); /* zeroed on error */
}

static void test_defaults_linux(void **state)
{
    struct sos_agent_model m;
    sos_error err;
    (void)state;
    assert_int_equal(load_as(&linux_opts, "name: web\nimage: localhost/web:1\n", &m, &err), 0);
    assert_string_equal(m.name, "web");
    assert_int_equal(m.enable, 1);
    assert_int_equal(m.scope, SOS_SCOPE_USER);
    assert_int_equal(m.runtime, SOS_RUNTIME_PODMAN);
    assert_string_equal(m.container_name, "sourceos-web");
    assert_int_equal(m.auth.mode, SOS_AUTH_EMPTY_AUTHFILE);
    assert_string_equal(m.auth.authfile, "/home/alice/.config/containers/sourceos-empty-auth.json");
    assert_int_equal(m.auth.allow_ambient_docker_config, 0);
    assert_int_equal(m.auth.allow_interactive_credential_helper, 0);
    assert_string_equal(m.podman.connection, "");
    assert_int_equal(m.podman.pull, SOS_PULL_NEVER);
    assert_int_equal(m.podman.require_machine, 0); /* Linux: native podman */
    assert_int_equal(m.podman.require_local_image, 1);
    assert_int_equal(m.podman.rootless, 1);
    assert_int_equal(m.lifecycle.run_at_load, 1);
    assert_int_equal(m.lifecycle.keep_alive, 0);
    assert_int_equal(m.lifecycle.restart, SOS_RESTART_BOUNDED);
    assert_int_equal(m.lifecycle.max_restarts_per_hour, 3);
    assert_int_equal(m.lifecycle.startup_timeout_seconds, 20);
    assert_int_equal(m.lifecycle.shutdown_timeout_seconds, 10);
    assert_string_equal(m.logs.app, "/home/alice/.local/state/sourceos/logs/web.log");
    assert_string_equal(m.logs.stdout_path, "/home/alice/.local/state/sourceos/logs/web.service.out.log");
    assert_string_equal(m.logs.stderr_path, "/home/alice/.local/state/sourceos/logs/web.service.err.log");
    assert_string_equal(m.health.type, "podman-container");
    assert_string_equal(m.health.expected, "running");
    assert_int_equal(m.quarantine.service_definition + m.quarantine.logs +
                         m.quarantine.runtime_state + m.quarantine.image_metadata +
                         m.quarantine.redacted_auth_config,
                     5);
    assert_int_equal(m.backend, SOS_BACKEND_AUTO);
    assert_string_equal(m.label, "org.sourceos.agent.web");
    assert_int_equal(m.env.n + m.n_mounts + m.args.n + m.capabilities.n + m.command.n, 0);
    assert_string_equal(m.description, "");
    assert_string_equal(m.owner.project, "");
    assert_string_equal(m.service.unit, "/home/alice/.config/systemd/user/sourceos-agent@web.service");
    assert_int_equal(m.service.adopted, 0);
    assert_int_equal(m.warnings.n, 0);
    assert_string_equal(m.path, "a.yaml");
    sos_agent_model_free(&m);
}

static void test_defaults_macos_and_xdg(void **state)
{
    struct sos_agent_model m;
    sos_error err;
    (void)state;
    assert_int_equal(load_as(&mac_opts, "name: web\nimage: localhost/web:1\n", &m, &err), 0);
    assert_string_equal(m.logs.app, "/Users/alice/Library/Logs/SourceOS/web.log");
    assert_string_equal(m.logs.stdout_path, "/Users/alice/Library/Logs/SourceOS/web.launchd.out.log");
    assert_string_equal(m.logs.stderr_path, "/Users/alice/Library/Logs/SourceOS/web.launchd.err.log");
    assert_int_equal(m.podman.require_machine, 1); /* macOS: a Podman machine */
    assert_string_equal(m.service.plist, "/Users/alice/Library/LaunchAgents/org.sourceos.agent.web.plist");
    assert_string_equal(m.auth.authfile, "/Users/alice/.config/containers/sourceos-empty-auth.json");
    sos_agent_model_free(&m);
    assert_int_equal(load_as(&xdg_opts, "name: web\nimage: localhost/web:1\n", &m, &err), 0);
    assert_string_equal(m.logs.app, "/home/alice/state/sourceos/logs/web.log");
    sos_agent_model_free(&m);
    assert_int_equal(load_as(&mac_opts, "name: web\nimage: a\nscope: system\nlabel: org.x.web\n",
                             &m, &err), 0);
    assert_string_equal(m.service.plist, "/Library/LaunchDaemons/org.x.web.plist");
    assert_string_equal(m.logs.app, "/Library/Logs/SourceOS/web.log");
    assert_string_equal(m.account, ""); /* not declared: the generators refuse it */
    sos_agent_model_free(&m);
}

/* A system agent's account is declared, never the invoking user. */
static void test_account(void **state)
{
    struct sos_agent_model m;
    sos_error err;
    (void)state;
    assert_int_equal(load_as(&mac_opts, "name: web\nimage: a\nscope: system\naccount: _sourceos\n",
                             &m, &err), 0);
    assert_string_equal(m.account, "_sourceos");
    sos_agent_model_free(&m);
    assert_int_equal(load_as(&mac_opts, "name: web\nimage: a\n", &m, &err), 0);
    assert_string_equal(m.account, "");
    sos_agent_model_free(&m);
    refused("name: web\nimage: a\naccount: _sourceos\n", "3:1", "'account' is for scope system only");
    refused("name: web\nimage: a\nscope: system\naccount: \"root;id\"\n", "4:10",
            "'account' must be an account name");
    refused("name: web\nimage: a\nscope: system\naccount: 0day\n", "4:10",
            "'account' must be an account name");
}

static void test_spec_shape(void **state)
{
    struct sos_agent_model m;
    sos_error err;
    (void)state;
    assert_int_equal(
        load_as(&linux_opts,
                "name: web\nimage: localhost/web:1\ncontainerName: web-c\n"
                "owner: {project: p, component: c, contact: x@y}\n"
                "auth: {mode: forbidden-ambient, authfile: ~/a.json}\n"
                "podman: {connection: podman-machine-default, pull: explicit, "
                "requireMachine: true, rootless: false}\n"
                "lifecycle: {keepAlive: true, restart: manual, maxRestartsPerHour: 7, "
                "startupTimeoutSeconds: 5, shutdownTimeoutSeconds: 6}\n"
                "logs: {app: ~/l/a.log}\n"
                "quarantine: {captureLogs: false}\n"
                "env: [A=1, B=x=y]\n"
                "mounts: [{host: /home/alice/src, container: /src}, "
                "{host: /srv/d, container: /d, mode: rw}]\n"
                "args: [serve, --port, '8080']\n",
                &m, &err),
        0);
    assert_string_equal(m.container_name, "web-c");
    assert_string_equal(m.owner.contact, "x@y");
    assert_int_equal(m.auth.mode, SOS_AUTH_FORBIDDEN_AMBIENT);
    assert_string_equal(m.auth.authfile, "/home/alice/a.json");
    assert_string_equal(m.podman.connection, "podman-machine-default");
    assert_int_equal(m.podman.pull, SOS_PULL_EXPLICIT);
    assert_int_equal(m.podman.require_machine, 1);
    assert_int_equal(m.podman.rootless, 0);
    assert_int_equal(m.lifecycle.keep_alive, 1);
    assert_int_equal(m.lifecycle.restart, SOS_RESTART_MANUAL);
    assert_int_equal(m.lifecycle.max_restarts_per_hour, 7);
    assert_int_equal(m.lifecycle.startup_timeout_seconds, 5);
    assert_int_equal(m.lifecycle.shutdown_timeout_seconds, 6);
    assert_string_equal(m.logs.app, "/home/alice/l/a.log");
    assert_string_equal(m.logs.stdout_path, "/home/alice/.local/state/sourceos/logs/web.service.out.log");
    assert_int_equal(m.quarantine.logs, 0);
    assert_int_equal(m.quarantine.runtime_state, 1);
    assert_int_equal(m.env.n, 2);
    assert_string_equal(m.env.v[1], "B=x=y");
    assert_int_equal(m.n_mounts, 2);
    assert_int_equal(m.mounts[0].mode, SOS_MOUNT_RO);
    assert_int_equal(m.mounts[1].mode, SOS_MOUNT_RW);
    assert_string_equal(m.mounts[1].container, "/d");
    assert_int_equal(m.args.n, 3);
    assert_string_equal(m.args.v[2], "8080");
    sos_agent_model_free(&m);
}

static void test_native_command(void **state)
{
    struct sos_agent_model m;
    sos_error err;
    (void)state;
    assert_int_equal(load_as(&linux_opts, "name: web\nruntime: native\ncommand: /bin/x --a b\n",
                             &m, &err), 0);
    assert_int_equal(m.command.n, 3);
    assert_string_equal(m.command.v[0], "/bin/x");
    assert_string_equal(m.command.v[2], "b");
    assert_string_equal(m.image, "");
    sos_agent_model_free(&m);
    assert_int_equal(load_as(&linux_opts, "name: web\nruntime: nix-app\ncommand: [/bin/x, 'a b']\n",
                             &m, &err), 0);
    assert_int_equal(m.command.n, 2);
    assert_string_equal(m.command.v[1], "a b");
    sos_agent_model_free(&m);
}

static void test_deprecated_keys(void **state)
{
    struct sos_agent_model m;
    sos_error err;
    (void)state;
    assert_int_equal(load_as(&linux_opts,
                             "name: web\nimage: a\ncontainer: c1\nauth: host\n"
                             "authfile: /x/a.json\nlog_dir: /var/log/web\n"
                             "plist: /Users/a/Library/LaunchAgents/w.plist\n"
                             "unit: w.service\nuser: \"false\"\n",
                             &m, &err),
                     0);
    assert_string_equal(m.container_name, "c1");
    assert_int_equal(m.auth.mode, SOS_AUTH_NONE);
    assert_int_equal(m.auth.allow_ambient_docker_config, 1);
    assert_string_equal(m.auth.authfile, "/x/a.json");
    assert_string_equal(m.logs.app, "/var/log/web/web.log");
    assert_string_equal(m.service.plist, "/Users/a/Library/LaunchAgents/w.plist");
    assert_string_equal(m.service.unit, "w.service");
    assert_int_equal(m.service.adopted, SOS_ADOPTED_PLIST | SOS_ADOPTED_UNIT);
    assert_int_equal(m.scope, SOS_SCOPE_SYSTEM);
    assert_int_equal(m.warnings.n, 7);
    assert_string_equal(m.warnings.v[0], "a.yaml:3:1: 'container' is deprecated (still read in "
                                         "this release): use containerName");
    assert_non_null(strstr(m.warnings.v[6], "a.yaml:9:1: 'user' is deprecated"));
    assert_non_null(strstr(m.warnings.v[6], "use scope: system"));
    sos_agent_model_free(&m);
}

static void test_structure_rules(void **state)
{
    (void)state;
    refused("image: a\n", "1:1", "'name' is missing");
    refused("name: other\nimage: a\n", "1:7", "declares name 'other'");
    refused("name: web\nimage: a\nbogus: 1\n", "3:1", "unknown key 'bogus'");
    refused("name: web\nimage: a\nlifecycle: {bogus: 1}\n", "3:13", "unknown key 'bogus' in 'lifecycle'");
    refused("name: web\nimage: a\nowner: x\n", "3:8", "'owner' must be a mapping");
    refused("- a\n", "1:1", "an agent declaration is a mapping");
    refused("name: web\nimage: a\nimage: b\n", "3:1", "duplicate key 'image'");
}

static void test_type_rules(void **state)
{
    (void)state;
    refused("name: web\nimage: a\nenable: yes\n", "3:9", "'enable' must be true or false");
    refused("name: web\nimage: a\nlifecycle: {keepAlive: \"true\"}\n", "3:24",
            "'keepAlive' must be true or false");
    refused("name: web\nimage: a\nlifecycle: {maxRestartsPerHour: three}\n", "3:33",
            "must be a whole number");
    refused("name: web\nimage: a\nlifecycle: {maxRestartsPerHour: 101}\n", "3:33",
            "'maxRestartsPerHour' is 101; it must be 1 to 100");
    refused("name: web\nimage: a\nlifecycle: {startupTimeoutSeconds: 0}\n", "3:36",
            "it must be 1 to 3600");
    refused("name: web\nimage: 12\n", "2:8", "must be a string");
    refused("name: web\nimage: a\nargs: serve\n", "3:7", "'args' must be a list");
}

static void test_enum_rules(void **state)
{
    (void)state;
    refused("name: web\nimage: a\nscope: root\n", "3:8", "expected one of: user, system");
    refused("name: web\nimage: a\nruntime: docker\n", "3:10",
            "expected one of: podman, native, nix-app, systemd");
    refused("name: web\nimage: a\nbackend: cron\n", "3:10", "expected one of: auto, launchd, systemd");
    refused("name: web\nimage: a\nauth: {mode: host}\n", "3:14", "'mode' is 'host'");
    refused("name: web\nimage: a\nauth: borrowed\n", "3:7", "expected one of: empty-authfile, host");
    refused("name: web\nimage: a\npodman: {pull: sometimes}\n", "3:16", "'pull' is 'sometimes'");
    refused("name: web\nimage: a\nlifecycle: {restart: always}\n", "3:22",
            "expected one of: manual, bounded, supervised");
}

static void test_name_label_image_rules(void **state)
{
    (void)state;
    refused("name: web\nimage: a\nlabel: \"a/b\"\n", "3:8", "'label' must match");
    refused("name: web\nimage: a\nlabel: \"..\"\n", "3:8", "'label' must match");
    refused("name: web\nimage: a\nlabel: \"a b\"\n", "3:8", "'label' must match");
    refused("name: web\nimage: a\ncontainerName: \"-x\"\n", "3:16", "is not a container name");
    refused("name: web\nimage: \"a b\"\n", "2:8", "one image reference");
    refused("name: web\nimage: \"a\\nb\"\n", "2:8", "one image reference");
    refused("name: web\nimage: \"-a\"\n", "2:8", "one image reference");
    refused("name: web\nimage: \"a$(id)\"\n", "2:8", "one image reference");
    refused("name: web\nimage: [a, b]\n", "2:1", "'image' must be one value");
    refused("name: web\nscope: user\n", "1:1", "'image' is missing");
    refused("name: web\nruntime: native\n", "1:1", "'command' is missing");
    refused("name: web\nruntime: native\ncommand: \"x; rm -rf /\"\n", "3:10", "only plain words");
    refused("name: web\nruntime: native\ncommand: [x, \"a\\nb\"]\n", "3:14", "entry 2 of 'command'");
    refused("name: web\nimage: a\npodman: {connection: \"a b\"}\n", "3:22", "not a podman connection");
}

static void test_env_rules(void **state)
{
    (void)state;
    refused("name: web\nimage: a\nenv: A=1\n", "3:6", "'env' must be a list");
    refused("name: web\nimage: a\nenv: [NOEQUALS]\n", "3:7", "env entry 1 is not KEY=VALUE");
    refused("name: web\nimage: a\nenv: [\"=x\"]\n", "3:7", "env entry 1 is not KEY=VALUE");
    refused("name: web\nimage: a\nenv: [\"1A=x\"]\n", "3:7", "env entry 1 is not KEY=VALUE");
    refused("name: web\nimage: a\nenv: [\"A-B=x\"]\n", "3:7", "env entry 1 is not KEY=VALUE");
    refused("name: web\nimage: a\nenv: [A=1, \"B=x\\ny\"]\n", "3:12", "entry 2 holds a line break");
    refused("name: web\nimage: a\nenv: [\"B=x\\ry\"]\n", "3:7", "entry 1 holds a line break");
    refused("name: web\nimage: a\nenv: [\"B=x\\0y\"]\n", "3:7", "NUL");
}

static void test_mount_rules(void **state)
{
    (void)state;
    refused("name: web\nimage: a\nmounts: [{host: src, container: /s}]\n", "3:17",
            "must be an absolute path");
    refused("name: web\nimage: a\nmounts: [{host: /s, container: s}]\n", "3:32",
            "mount 'container' must be an absolute path");
    refused("name: web\nimage: a\nmounts: [{host: /a/../b, container: /s}]\n", "3:17", "'..'");
    refused("name: web\nimage: a\nmounts: [{host: /a/.., container: /s}]\n", "3:17", "'..'");
    refused("name: web\nimage: a\nmounts: [{host: /s, container: /x/../etc}]\n", "3:32", "'..'");
    refused("name: web\nimage: a\nmounts: [{host: \"/a\\nb\", container: /s}]\n", "3:17", "newline");
    refused("name: web\nimage: a\nmounts: [{host: /home/alice, container: /s}]\n", "3:17",
            "whole home directory");
    refused("name: web\nimage: a\nmounts: [{host: /home/bob/, container: /s}]\n", "3:17",
            "whole home directory");
    refused("name: web\nimage: a\nmounts: [{host: /Users/carol, container: /s}]\n", "3:17",
            "whole home directory");
    refused("name: web\nimage: a\nmounts: [{host: /root, container: /s}]\n", "3:17",
            "whole home directory");
    refused("name: web\nimage: a\nmounts: [{host: /, container: /s}]\n", "3:17",
            "whole home directory");
    refused("name: web\nimage: a\nmounts: [{host: /s, container: /s, mode: rwx}]\n", "3:42",
            "expected one of: ro, rw");
    refused("name: web\nimage: a\nmounts: [{host: /s}]\n", "3:10", "needs both");
    refused("name: web\nimage: a\nmounts: [{host: /s, container: /s, x: 1}]\n", "3:36",
            "unknown key in a mount");
    refused("name: web\nimage: a\nmounts: [/s]\n", "3:10", "mount 1 must be a mapping");
    refused("name: web\nimage: a\nmounts: [{host: \"/a:/etc\", container: /s}]\n", "3:17",
            "must not hold ':'");
}

/* The agent user's own home is refused wherever it lives. */
static void test_home_rule(void **state)
{
    (void)state;
    assert_true(sos_agent_path_is_home("/srv/people/alice", "/srv/people/alice/"));
    assert_true(sos_agent_path_is_home("/srv/people/alice/", "/srv/people/alice"));
    assert_false(sos_agent_path_is_home("/srv/people/alice/src", "/srv/people/alice"));
    assert_false(sos_agent_path_is_home("/home/alice/src", "/home/alice"));
    assert_false(sos_agent_path_is_home("/home", "/home/alice"));
    assert_true(sos_agent_path_is_home("/var/home/dan", NULL));
}

static void test_scope_rules(void **state)
{
    struct sos_agent_model m;
    sos_error err;
    (void)state;
    refused("name: web\nimage: a\ncapabilities: [NET_BIND_SERVICE]\n", "3:1",
            "for scope system only");
    refused("name: web\nimage: a\nscope: system\ncapabilities: [\"net raw\"]\n", "4:16",
            "is not a Linux capability");
    refused("name: web\nimage: a\nscope: system\ncapabilities: [cap_frobnicate]\n", "4:16",
            "entry 1 of 'capabilities' is not a Linux capability (like cap_net_bind_service)");
    refused("name: web\nimage: a\nscope: user\nuser: \"false\"\n", "4:7", "contradicts 'scope'");
    refused("name: web\nimage: a\nlogs: {app: /tmp/web.log}\n", "3:13", "temporary directory");
    refused("name: web\nimage: a\nlogs: {stderr: /var/tmp/web.log}\n", "3:16", "temporary directory");
    refused("name: web\nimage: a\nlogs: {app: web.log}\n", "3:13", "must be an absolute path");
    refused("name: web\nimage: a\ncontainerName: a\ncontainer: b\n", "4:12", "given twice");
    refused("name: web\nimage: a\nauthfile: /a\nauth: {authfile: /b}\n", "4:18", "given twice");
    assert_int_equal(load_as(&linux_opts,
                             "name: web\nimage: a\nscope: system\n"
                             "capabilities: [NET_BIND_SERVICE, cap_net_raw, Cap_Sys_Nice]\n",
                             &m, &err),
                     0);
    /* one spelling: CAP_NAME */
    assert_int_equal(m.capabilities.n, 3);
    assert_string_equal(m.capabilities.v[0], "CAP_NET_BIND_SERVICE");
    assert_string_equal(m.capabilities.v[1], "CAP_NET_RAW");
    assert_string_equal(m.capabilities.v[2], "CAP_SYS_NICE");
    assert_string_equal(m.service.unit, "/etc/systemd/system/sourceos-agent@web.service");
    assert_string_equal(m.logs.app, "/var/log/sourceos/web.log");
    sos_agent_model_free(&m);
}

static void test_bad_arguments(void **state)
{
    struct sos_agent_model m;
    sos_error err;
    struct sos_agent_model_opts rel = {SOS_AGENT_OS_LINUX, "home", NULL};
    (void)state;
    assert_int_equal(sos_agent_model_load_buffer("a.yaml", "../x", "", 0, &linux_opts, &m, &err), -1);
    assert_non_null(strstr(err.msg, "not an agent name"));
    assert_int_equal(sos_agent_model_load_buffer("a.yaml", "web", "", 0, &rel, &m, &err), -1);
    assert_non_null(strstr(err.msg, "absolute"));
    assert_int_equal(sos_agent_model_load_buffer("a.yaml", "web", "", 0, &linux_opts, &m, &err), -1);
    assert_string_equal(err.msg, "a.yaml:1:1: 'name' is missing: the declaration must say name: web");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_linux),
        cmocka_unit_test(test_defaults_macos_and_xdg),
        cmocka_unit_test(test_spec_shape),
        cmocka_unit_test(test_native_command),
        cmocka_unit_test(test_deprecated_keys),
        cmocka_unit_test(test_structure_rules),
        cmocka_unit_test(test_type_rules),
        cmocka_unit_test(test_enum_rules),
        cmocka_unit_test(test_name_label_image_rules),
        cmocka_unit_test(test_env_rules),
        cmocka_unit_test(test_mount_rules),
        cmocka_unit_test(test_home_rule),
        cmocka_unit_test(test_scope_rules),
        cmocka_unit_test(test_account),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

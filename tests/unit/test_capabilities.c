/* Capabilities of system agents: one spelling, a root-owned allowlist that
 * fails closed, and where the allowed ones go (the container: podman
 * agents are the ones this release generates). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capabilities.h"
#include "gen.h"
#include "stage_model.h"

static void test_normalize(void **state)
{
    char out[64];
    (void)state;
    assert_int_equal(sos_cap_normalize("cap_net_raw", out, sizeof out), 0);
    assert_string_equal(out, "CAP_NET_RAW");
    assert_int_equal(sos_cap_normalize("NET_BIND_SERVICE", out, sizeof out), 0);
    assert_string_equal(out, "CAP_NET_BIND_SERVICE");
    assert_int_equal(sos_cap_normalize("Cap_Sys_Nice", out, sizeof out), 0);
    assert_string_equal(out, "CAP_SYS_NICE");
    assert_int_equal(sos_cap_normalize("cap_frobnicate", out, sizeof out), -1);
    assert_int_equal(sos_cap_normalize("cap_", out, sizeof out), -1);
    assert_int_equal(sos_cap_normalize("", out, sizeof out), -1);
    assert_int_equal(sos_cap_normalize("net raw", out, sizeof out), -1);
}

static void write_allow(const char *dir, const char *text, mode_t mode)
{
    char path[256];
    FILE *f;
    snprintf(path, sizeof path, "%s/capabilities.allow", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void test_allowlist(void **state)
{
    char dir[64];
    struct sos_agent_strings allowed;
    struct stage_fixture fx;
    char *caps[] = {"CAP_NET_RAW", "CAP_SYS_ADMIN"};
    sos_error err;
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sos-caps.XXXXXX");
    assert_non_null(mkdtemp(dir));
    chmod(dir, 0755);
    stage_model_init(&fx);
    fx.m.scope = SOS_SCOPE_SYSTEM;
    fx.m.capabilities.v = caps;
    fx.m.capabilities.n = 1;
    /* no file: none allowed, fail closed */
    assert_int_equal(sos_cap_allowlist_load(dir, &allowed, &err), 0);
    assert_int_equal(allowed.n, 0);
    assert_int_equal(sos_cap_check(&fx.m, &allowed, dir, &err), -1);
    assert_non_null(strstr(err.msg, "capability CAP_NET_RAW is not in"));
    assert_non_null(strstr(err.msg, "/capabilities.allow: refused"));
    if (getuid() != 0) {
        skip(); /* the allowlist must be root's */
        return;
    }
    write_allow(dir, "# what web may have\nnet_raw\n  CAP_NET_BIND_SERVICE  # port 80\n\n", 0644);
    assert_int_equal(sos_cap_allowlist_load(dir, &allowed, &err), 0);
    assert_int_equal(allowed.n, 2);
    assert_string_equal(allowed.v[0], "CAP_NET_RAW");
    assert_string_equal(allowed.v[1], "CAP_NET_BIND_SERVICE");
    assert_int_equal(sos_cap_check(&fx.m, &allowed, dir, &err), 0);
    fx.m.capabilities.n = 2; /* CAP_SYS_ADMIN too: refused, naming it */
    assert_int_equal(sos_cap_check(&fx.m, &allowed, dir, &err), -1);
    assert_non_null(strstr(err.msg, "capability CAP_SYS_ADMIN is not in"));
    sos_cap_strings_free(&allowed);
    write_allow(dir, "net_raw\ncap_teleport\n", 0644);
    assert_int_equal(sos_cap_allowlist_load(dir, &allowed, &err), -1);
    assert_non_null(strstr(err.msg, "capabilities.allow:2: 'cap_teleport' is not a Linux capability"));
    write_allow(dir, "net_raw\n", 0666); /* anyone could grant anything */
    assert_int_equal(sos_cap_allowlist_load(dir, &allowed, &err), -1);
    {
        char path[256];
        snprintf(path, sizeof path, "%s/capabilities.allow", dir);
        chmod(path, 0644);
        assert_int_equal(chown(path, 4242, 4242), 0);
        assert_int_equal(sos_cap_allowlist_load(dir, &allowed, &err), -1);
        assert_non_null(strstr(err.msg, "capabilities.allow"));
        unlink(path);
    }
    rmdir(dir);
}

static void test_where_they_go(void **state)
{
    struct stage_fixture fx;
    char *caps[] = {"CAP_NET_BIND_SERVICE", "CAP_NET_RAW"};
    struct sos_gen_target t = {SOS_BACKEND_SYSTEMD, SOS_GEN_OS_LINUX, STAGE_HOME, "webd",
                               "/var/lib/sourceos/agents/web",
                               "/var/lib/sourceos/agents/web/generations/1/wrapper"};
    sos_error err;
    char *unit, *wrapper;
    (void)state;
    stage_model_init(&fx);
    fx.m.scope = SOS_SCOPE_SYSTEM;
    fx.m.account = "webd";
    fx.m.service.unit = "/etc/systemd/system/sourceos-agent@web.service";
    fx.m.capabilities.v = caps;
    fx.m.capabilities.n = 2;
    /* podman: the container gets them, podman itself none */
    unit = sos_gen_unit(&fx.m, &t, &err);
    wrapper = sos_gen_wrapper(&fx.m, &t, &err);
    assert_non_null(unit);
    assert_non_null(wrapper);
    assert_null(strstr(unit, "Capabilit"));
    assert_non_null(strstr(wrapper, "--cap-drop=all --cap-add=CAP_NET_BIND_SERVICE --cap-add=CAP_NET_RAW"));
    free(unit);
    free(wrapper);
    /* none declared: no --cap flags */
    fx.m.capabilities.n = 0;
    wrapper = sos_gen_wrapper(&fx.m, &t, &err);
    assert_non_null(wrapper);
    assert_null(strstr(wrapper, "--cap-"));
    free(wrapper);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_allowlist),
        cmocka_unit_test(test_where_they_go),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

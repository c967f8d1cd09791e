/* state.json written by the lifecycle and read back by status: the one
 * schema, both ways; NONE removes it. */
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

#include "state.h"

static void test_write_read_back(void **state)
{
    char dir[64], path[128];
    struct sos_state_record r = {SOS_INSTALLED_ENABLED, "systemd",
                                 "/home/u/.config/systemd/user/sourceos-agent@web.service", 4,
                                 NULL, 1};
    struct sos_state_view v;
    struct stat st;
    sos_error err;
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/sos-state.XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(sos_state_write(dir, &r, 1700000000, &err), 0);
    snprintf(path, sizeof path, "%s/state.json", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(sos_state_read(dir, 1700000000, &v, &err), 0);
    assert_int_equal(v.record.state, SOS_INSTALLED_ENABLED);
    assert_string_equal(v.record.backend, "systemd");
    assert_string_equal(v.record.service, r.service);
    assert_int_equal(v.record.generation, 4);
    assert_string_equal(v.record.changed, "2023-11-14T22:13:20Z");
    assert_int_equal(v.record.despite_preflight, 1);
    sos_state_view_free(&v);
    r.state = SOS_INSTALLED_INSTALLED;
    r.despite_preflight = 0;
    assert_int_equal(sos_state_write(dir, &r, 1700000000, &err), 0);
    assert_int_equal(sos_state_read(dir, 1700000000, &v, &err), 0);
    assert_int_equal(v.record.state, SOS_INSTALLED_INSTALLED);
    assert_int_equal(v.record.despite_preflight, 0);
    sos_state_view_free(&v);
    r.state = SOS_INSTALLED_NONE;
    assert_int_equal(sos_state_write(dir, &r, 1700000000, &err), 0);
    assert_int_equal(stat(path, &st), -1);
    assert_int_equal(sos_state_read(dir, 1700000000, &v, &err), 0);
    assert_int_equal(v.record.state, SOS_INSTALLED_NONE);
    sos_state_view_free(&v);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Paths into JSON documents (what plugins read command output with), and
 * which names and values count as secret. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "json_path.h"
#include "redact.h"

static const char doc_text[] =
    "[{\"Name\":\"podman-machine-default\",\"State\":\"\","
    "\"ConnectionInfo\":{\"PodmanSocket\":{\"Path\":\"/run/podman.sock\"}},"
    "\"Resources\":{\"CPUs\":2,\"Rootful\":false,\"Ratio\":1.5,\"None\":null}},"
    "{\"auths\":{\"gcr.io\":{\"auth\":\"c2VjcmV0\"},\"a\\\"b\":{\"auth\":\"x\"}}}]";

static void expect_text(json_t *doc, const char *path, const char *want)
{
    char *got = sos_json_scalar_text(sos_json_path(doc, path));
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_paths(void **state)
{
    json_t *doc = json_loads(doc_text, 0, NULL);
    (void)state;
    assert_non_null(doc);
    expect_text(doc, "[0].Name", "podman-machine-default");
    expect_text(doc, "[0].State", "");
    expect_text(doc, "[0].ConnectionInfo.PodmanSocket.Path", "/run/podman.sock");
    expect_text(doc, "[0].Resources.CPUs", "2");
    expect_text(doc, "[0].Resources.Rootful", "false");
    expect_text(doc, "[0].Resources.Ratio", "1.5");
    expect_text(doc, "[0].Resources.None", "null");
    expect_text(doc, "[1].auths[\"gcr.io\"].auth", "c2VjcmV0");
    expect_text(doc, "[1].auths[\"a\\\"b\"].auth", "x");
    /* Objects, arrays, absent members and malformed paths give nothing. */
    expect_text(doc, "[0].Resources", NULL);
    expect_text(doc, "", NULL);
    expect_text(doc, "[2].Name", NULL);
    expect_text(doc, "[0].Missing", NULL);
    expect_text(doc, "[x]", NULL);
    expect_text(doc, "[-1].Name", NULL);
    expect_text(doc, "[0", NULL);
    expect_text(doc, "[1].auths[\"gcr.io\"", NULL);
    expect_text(doc, "Name", NULL); /* a member of an array */
    assert_ptr_equal(sos_json_path(doc, ""), doc);
    assert_null(sos_json_path(NULL, "[0]"));
    json_decref(doc);
}

static void test_secret_names(void **state)
{
    (void)state;
    assert_true(sos_redact_key_is_secret("auth"));
    assert_true(sos_redact_key_is_secret("Auth"));
    assert_true(sos_redact_key_is_secret("registry.auth"));
    assert_true(sos_redact_key_is_secret("identitytoken"));
    assert_true(sos_redact_key_is_secret("registrytoken"));
    assert_true(sos_redact_key_is_secret("password"));
    assert_true(sos_redact_key_is_secret("DB_PASSWD"));
    assert_true(sos_redact_key_is_secret("client_secret"));
    assert_true(sos_redact_key_is_secret("api_key"));
    assert_true(sos_redact_key_is_secret("private_key"));
    assert_false(sos_redact_key_is_secret("authfile"));
    assert_false(sos_redact_key_is_secret("auth_mode"));
    assert_false(sos_redact_key_is_secret("oauth2"));
    assert_false(sos_redact_key_is_secret("registry"));
    assert_false(sos_redact_key_is_secret("credHelpers"));
    assert_false(sos_redact_key_is_secret(NULL));
}

static void test_secret_values(void **state)
{
    (void)state;
    assert_true(sos_redact_value_is_secret("-----BEGIN RSA PRIVATE KEY-----\nMII"));
    assert_true(sos_redact_value_is_secret("Bearer abc.def"));
    assert_true(sos_redact_value_is_secret("basic dXNlcjpwYXNz"));
    assert_false(sos_redact_value_is_secret("gcr.io"));
    assert_false(sos_redact_value_is_secret("-----BEGIN CERTIFICATE-----"));
    assert_false(sos_redact_value_is_secret(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_secret_names),
        cmocka_unit_test(test_secret_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

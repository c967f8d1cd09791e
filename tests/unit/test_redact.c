/* The redaction filter: each kind of secret it removes, what it keeps, that
 * ordinary text passes unchanged, and that it stays linear on hostile input. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <unistd.h>

#include "redact.h"
#include "redact_run.h"
#include "report.h"
#include "strbuf.h"

/* Fake values in the published formats (never real credentials). */
#define GHP "ghp_Zq8mN3vB7xK2pL9wR4tY6uI1oA5sD0fGhJ3k"
#define GHPAT "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
#define GLPAT "glpat-Xy7Zq8mN3vB7xK2pL9wR"
#define SLACK "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
#define AKIA "AKIAIOSFODNN7EXAMPLQ"
#define AWSSK "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYQ"
#define YA29 "ya29.a0AfH6SMBx7Zq8mN3vB7xK2pL9wR4tY6uI1oA5sD0f"
#define SKANT "sk-ant-api03-Zq8mN3vB7xK2pL9wR4tY6uI1oA5sD0fGhJ3kQ"
#define SKPROJ "sk-proj-Zq8mN3vB7xK2pL9wR4tY6uI1oA5sD0fGhJ3kQ"
#define NPM "npm_Zq8mN3vB7xK2pL9wR4tY6uI1oA5sD0fGhJ3k"
#define DCKR "dckr_pat_Zq8mN3vB7xK2pL9wR4tY6uI1oA"
#define JWT "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

/* Redacts TEXT with RD and checks the result is WANT. */
static void expect(const struct sos_redactor *rd, const char *text, const char *want)
{
    size_t len = 0;
    char *got = sos_redact_text(rd, text, strlen(text), &len);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(len, strlen(want));
    free(got);
}

static void same(const char *text)
{
    expect(NULL, text, text);
}

static void test_token_formats(void **state)
{
    (void)state;
    expect(NULL, "token " GHP " here", "token <redacted:github-token> here");
    expect(NULL, GHPAT, "<redacted:github-token>");
    expect(NULL, "gho_Zq8mN3vB7xK2pL9wR4tY6uI1oA5sD0fGhJ3k ghs_Zq8mN3vB7xK2pL9wR4tY6uI1oA5sD0fGhJ3k",
           "<redacted:github-token> <redacted:github-token>");
    expect(NULL, "ghu_Zq8mN3vB7xK2pL9wR4tY6uI1oA5sD0fGhJ3k,ghr_Zq8mN3vB7xK2pL9wR4tY6uI1oA5sD0fGhJ3k.",
           "<redacted:github-token>,<redacted:github-token>.");
    expect(NULL, "(" GLPAT ")", "(<redacted:gitlab-token>)");
    expect(NULL, SLACK, "<redacted:slack-token>");
    expect(NULL, "id " AKIA ".", "id <redacted:aws-access-key-id>.");
    expect(NULL, YA29, "<redacted:google-token>");
    expect(NULL, "AIzaSyA1234567890abcdefghijklmnopqrstuv", "<redacted:google-api-key>");
    expect(NULL, SKANT, "<redacted:anthropic-key>");
    expect(NULL, SKPROJ, "<redacted:openai-key>");
    expect(NULL, "sk-Zq8mN3vB7xK2pL9wR4tY6uI1oA5sD0fGhJ3kQ", "<redacted:openai-key>");
    expect(NULL, NPM, "<redacted:npm-token>");
    expect(NULL, DCKR, "<redacted:docker-token>");
    expect(NULL, "hf_Zq8mN3vB7xK2pL9wR4tY6uI1oA5sD0fGhJ3k", "<redacted:huggingface-token>");
    expect(NULL, "sk_live_Zq8mN3vB7xK2pL9wR4tY6uI1", "<redacted:stripe-key>");
    expect(NULL, "rk_live_Zq8mN3vB7xK2pL9wR4tY6uI1", "<redacted:stripe-key>");
    expect(NULL, "ASIAIOSFODNN7EXAMPLQ", "<redacted:aws-access-key-id>");
    expect(NULL, "xoxa-1234567890-AbCdEf xoxp-1234567890-AbCdEf xoxo-1234567890-AbCdEf",
           "<redacted:slack-token> <redacted:slack-token> <redacted:slack-token>");
    expect(NULL, "xoxs-1234567890-AbCdEf xoxr-1234567890-AbCdEf",
           "<redacted:slack-token> <redacted:slack-token>");
    expect(NULL, "pypi-AgEIcHlwaS5vcmcCJDk4ZjM5YjU1LTU1ZTQtNGYxYi1iZjQ5LWM2OGM5ZDE0MGQ2NQ",
           "<redacted:pypi-token>");
    expect(NULL, "tok=" JWT "&x=1", "tok=<redacted:jwt>&x=1");
    /* inside a file name, after - _ or . */
    expect(NULL, "/etc/sync-" GHP ".service", "/etc/sync-<redacted:github-token>.service");
    expect(NULL, "log_" NPM ".txt", "log_<redacted:npm-token>.txt");
    same("my-sk-thing disk-usage");
}

static void test_headers_and_urls(void **state)
{
    (void)state;
    expect(NULL, "Authorization: Bearer abc.DEF-123_xyz", "Authorization: Bearer <redacted:bearer>");
    expect(NULL, "curl -H 'Authorization: Basic dXNlcjpodW50ZXIy' https://x/",
           "curl -H 'Authorization: Basic <redacted:basic>' https://x/");
    expect(NULL, "{\"Authorization\": \"Bearer s3cr3t value\"}",
           "{\"Authorization\": \"Bearer <redacted:bearer>\"}");
    expect(NULL, "proxy-authorization=opaque-thing", "proxy-authorization=<redacted:authorization>");
    expect(NULL, "sent Bearer 0123456789abcdef to it", "sent Bearer <redacted:bearer> to it");
    expect(NULL, "pull https://deploy:hunter2@registry.example.com/v2/ failed",
           "pull https://deploy:<redacted:userinfo>@registry.example.com/v2/ failed");
    expect(NULL, "tcp://u:p@h:2376", "tcp://u:<redacted:userinfo>@h:2376");
    same("ssh://git@github.com/x/y.git");
    same("Basic authentication is off; Bearer tokens too");
    same("https://registry.example.com:5000/v2/");
}

static void test_keys(void **state)
{
    (void)state;
    expect(NULL, "DB_PASSWORD=hunter2 next", "DB_PASSWORD=<redacted:password> next");
    expect(NULL, "podman login --password=hunter2 quay.io",
           "podman login --password=<redacted:password> quay.io");
    expect(NULL, "podman login --password hunter2 quay.io",
           "podman login --password <redacted:password> quay.io");
    expect(NULL, "{\"client_secret\": \"abc def\", \"name\": \"x\"}",
           "{\"client_secret\": \"<redacted:secret>\", \"name\": \"x\"}");
    /* a secret key holding null, a boolean, a list or an object: nothing
     * to redact there, and the JSON stays valid (podman info's plugins) */
    expect(NULL, "\"authorization\": null\n  },", "\"authorization\": null\n  },");
    expect(NULL, "{\"password\": false, \"token\": [\"ghp\"], \"auth\": {\"x\": 1}}",
           "{\"password\": false, \"token\": [\"ghp\"], \"auth\": {\"x\": 1}}");
    expect(NULL, "token: ~\npassword: nullable-but-secret",
           "token: ~\npassword: <redacted:password>");
    expect(NULL, "\"authorization\": \"nullx\"", "\"authorization\": \"<redacted:authorization>\"");
    expect(NULL, "{\\\"identitytoken\\\":\\\"abcdef\\\"}",
           "{\\\"identitytoken\\\":\\\"<redacted:token>\\\"}");
    expect(NULL, "aws_secret_access_key = " AWSSK, "aws_secret_access_key = <redacted:aws-secret-key>");
    expect(NULL, "Environment=\"API_TOKEN=abc123\" X=1", "Environment=\"API_TOKEN=<redacted:token>\" X=1");
    expect(NULL, "<string>--token=abc123</string>", "<string>--token=<redacted:token></string>");
    expect(NULL, "auth: c2VjcmV0", "auth: <redacted:auth>");
    expect(NULL, "registry.auth=c2VjcmV0", "registry.auth=<redacted:auth>");
    same("token_count=3 authfile=/run/containers/0/auth.json auth_mode=x");
    same("password_file=/etc/pw registry-auth: ok, oauth2: yes, host.root=true");
    same("the password. password");
}

static void test_blocks(void **state)
{
    (void)state;
    expect(NULL, "k: -----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAA\n-----END RSA PRIVATE KEY-----\nafter",
           "k: -----BEGIN RSA PRIVATE KEY-----<redacted:private-key>-----END RSA PRIVATE KEY-----\nafter");
    expect(NULL, "{\"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n\"}",
           "{\"private_key\": \"<redacted:private-key>\"}");
    expect(NULL, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn", "-----BEGIN OPENSSH PRIVATE KEY-----<redacted:private-key>");
    same("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----");
    expect(NULL, "root:$6$saltsalt$0123456789abcdefghijABCDEFGHIJ./:19000:0:99999:7:::",
           "root:<redacted:password-hash>:19000:0:99999:7:::");
    same("echo $HOME$PATH $XDG_RUNTIME_DIR/containers");
}

static void test_ordinary_text(void **state)
{
    (void)state;
    same("/home/user/.config/containers/auth.json: 2 registries, no credentials helper");
    same("image quay.io/podman/stable@sha256:"
         "4b6fb0c3c9e5d5a0b1c9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3");
    same("machine 123e4567-e89b-12d3-a456-426614174000 is running");
    same("podman system connection list --format json");
    same("launchctl print gui/501/com.example.agent");
    same("disk-usage sk-1 ghp_short AKIAshort eyJhbGciOi.x");
    same("key = registry, value = gcr.io, skipped: not macos");
    same("");
}

static void test_exact_values(void **state)
{
    /* the auth of "deploy:Pa55w0rd-xyz" and an identity token */
    const char *secrets[] = {"ZGVwbG95OlBhNTV3MHJkLXh5eg==", "opaque-identity-0042", "abc"};
    struct sos_redactor *rd = sos_redactor_new(secrets, 3);
    (void)state;
    assert_non_null(rd);
    expect(rd, "auth is ZGVwbG95OlBhNTV3MHJkLXh5eg== here", "auth is <redacted:known-secret> here");
    expect(rd, "login with Pa55w0rd-xyz now", "login with <redacted:known-secret> now");
    expect(rd, "xopaque-identity-0042opaque-identity-0042y", "x<redacted:known-secret>y");
    expect(rd, "abc stays: too short to look for", "abc stays: too short to look for");
    sos_redactor_free(rd);
}

static void test_overlapping_values(void **state)
{
    const char *secrets[] = {"aaaaaab", "aaaab999", "zzzzzz"};
    struct sos_redactor *rd = sos_redactor_new(secrets, 3);
    (void)state;
    assert_non_null(rd);
    expect(rd, "aaaaaaab999 zzzzzzz", "a<redacted:known-secret> <redacted:known-secret>");
    sos_redactor_free(rd);
}

static void test_values_and_argv(void **state)
{
    char *v;
    (void)state;
    v = sos_redact_value(NULL, "password", "hunter2");
    assert_string_equal(v, "<redacted:password>");
    free(v);
    v = sos_redact_value(NULL, "header", "Bearer xyz");
    assert_string_equal(v, "<redacted:bearer>");
    free(v);
    v = sos_redact_value(NULL, "registry", "gcr.io");
    assert_string_equal(v, "gcr.io");
    free(v);
    v = sos_redact_argv_item(NULL, "--password", "hunter2");
    assert_string_equal(v, "<redacted:password>");
    free(v);
    v = sos_redact_argv_item(NULL, "--creds", "u:p");
    assert_string_equal(v, "<redacted:credentials>");
    free(v);
    v = sos_redact_argv_item(NULL, "--authfile", "/x/auth.json");
    assert_string_equal(v, "/x/auth.json");
    free(v);
    v = sos_redact_basic_password("dXNlcjpodW50ZXIy");
    assert_string_equal(v, "hunter2");
    free(v);
    assert_null(sos_redact_basic_password("bm9jb2xvbg=="));
    assert_null(sos_redact_basic_password("not base64!"));
}

static void test_json_walk(void **state)
{
    json_t *doc = json_pack("{s:[s,s,s], s:{s:s, s:s}, s:s}", "argv", "podman",
                            "--password", "hunter22", "evidence", "token", "t0ken-value",
                            "registry", "gcr.io", "message", "Bearer 0123456789abcdef");
    (void)state;
    assert_int_equal(sos_redact_json(NULL, doc), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "argv"), 2)),
                        "<redacted:password>");
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "evidence"), "token")),
                        "<redacted:token>");
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "evidence"), "registry")),
                        "gcr.io");
    assert_string_equal(json_string_value(json_object_get(doc, "message")), "<redacted:bearer>");
    json_decref(doc);
}

/* Redacting its own output changes nothing. */
static void test_idempotent(void **state)
{
    const char *text = "password=x Authorization: Bearer 0123456789abcdef " GHP
                       " https://u:p@h/ --token t";
    char *once = sos_redact_str(NULL, text), *twice;
    (void)state;
    assert_non_null(once);
    twice = sos_redact_str(NULL, once);
    assert_string_equal(once, twice);
    free(once);
    free(twice);
}

/* Arbitrary bytes, NULs included, come out with their length. */
static void test_binary(void **state)
{
    static const char bin[] = "a\0password=\xff\xfe x\0\x80ghp_";
    size_t len = 0;
    char *got = sos_redact_text(NULL, bin, sizeof bin - 1, &len);
    (void)state;
    assert_non_null(got);
    assert_int_equal(len, sizeof "a\0password=<redacted:password> x\0\x80ghp_" - 1);
    assert_memory_equal(got, "a\0password=<redacted:password> x\0\x80ghp_", len);
    free(got);
}

static double seconds_for(const struct sos_redactor *rd, const char *text, size_t len)
{
    clock_t start = clock();
    free(sos_redact_text(rd, text, len, NULL));
    return (double)(clock() - start) / CLOCKS_PER_SEC;
}

/* Inputs that would make a naive matcher quadratic: 8x the input costs
 * about 8x the time, not 64x. */
static void test_linear(void **state)
{
    static const char *const units[] = {"a", "ghp_", "-----BEGIN ", "://:", "password ",
                                        "eyJaaaaaaaaaaaa.", "$6$", "\"token\"", "Bearer ",
                                        "x-eyJ", "-sk-a", "_ghp_a"};
    char secret[2048];
    const char *secrets[] = {secret};
    struct sos_redactor *rd;
    (void)state;
    memset(secret, 'a', sizeof secret - 2);
    secret[sizeof secret - 2] = 'b';
    secret[sizeof secret - 1] = '\0';
    rd = sos_redactor_new(secrets, 1);
    assert_non_null(rd);
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t small = 1 << 17, big = small * 8, ulen = strlen(units[u]);
        char *text = malloc(big);
        double t_small, t_big;
        assert_non_null(text);
        for (size_t i = 0; i < big; i++)
            text[i] = units[u][i % ulen];
        t_small = seconds_for(rd, text, small) + 1e-3;
        t_big = seconds_for(rd, text, big);
        if (t_big > t_small * 24)
            fail_msg("'%s' x%zu: %.3fs vs %.3fs", units[u], big, t_big, t_small);
        free(text);
    }
    sos_redactor_free(rd);
}

/* Where a text may be cut: after a newline, never inside a key block. */
static void test_cut(void **state)
{
    static const char open_key[] = "a\nb\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\nAAAA";
    static const char closed[] = "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\nz";
    static const char end_open[] = "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----";
    (void)state;
    assert_int_equal(sos_redact_cut("abc", 3), 0);
    assert_int_equal(sos_redact_cut("ab\ncd", 5), 3);
    assert_int_equal(sos_redact_cut(open_key, strlen(open_key)), 4);
    assert_int_equal(sos_redact_cut(closed, strlen(closed)), strlen(closed) - 1);
    assert_int_equal(sos_redact_cut(end_open, strlen(end_open)), 2);
}

static void put_str(struct sos_strbuf *b, const char *s)
{
    sos_strbuf_put(b, s, strlen(s));
}

static FILE *file_of(const char *text, size_t len)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fflush(f), 0);
    return f;
}

/* Piece by piece gives what whole gives, whatever falls on a piece's edge:
 * key blocks, tokens, exact values, lines longer than a piece. */
static void test_stream_equals_whole(void **state)
{
    static const char *const lines[] = {
        "2026-12-01T10:00:00Z GET /v2/ 200 Authorization: Bearer " GHP "\n",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
        "AAAAMwAAAAtzc2gtZWQyNTUxOQAAACDx\n-----END OPENSSH PRIVATE KEY-----\n",
        "{\"auth\": \"dXNlcjpzM2NyZXQtdmFsdWU=\", \"password\": \"hunter2hunter2\"}\n",
        "retrying with opaque-secret-42 in 5s\n",
        "ordinary line, nothing to see\n",
    };
    const char *secrets[] = {"opaque-secret-42"};
    struct sos_redactor *rd = sos_redactor_new(secrets, 1);
    struct sos_strbuf text = {0};
    size_t whole_len = 0, i = 0;
    char *whole, *got;
    FILE *in, *out;
    long long n;
    int changed = 0;
    (void)state;
    assert_non_null(rd);
    /* ~6 MiB of lines, then one 2.5 MiB line with a token at its end */
    while (text.len < 6u * 1024 * 1024)
        put_str(&text, lines[i++ % 5]);
    for (size_t k = 0; k < 2621440 / 8; k++)
        put_str(&text, "xxxxxxx ");
    put_str(&text, GLPAT "\n");
    put_str(&text, lines[1]);
    assert_false(text.failed);
    in = file_of(text.p, text.len);
    /* the whole file, and a tail that starts mid-line */
    for (size_t start = 0; start <= 12345; start += 12345) {
        out = tmpfile();
        assert_non_null(out);
        whole = sos_redact_text(rd, text.p + start, text.len - start, &whole_len);
        n = sos_redact_fd(rd, fileno(in), start, text.len - start, fileno(out), &changed);
        assert_int_equal(n, (long long)whole_len);
        assert_int_equal(changed, 1);
        got = malloc(whole_len + 1);
        assert_non_null(got);
        assert_int_equal(pread(fileno(out), got, whole_len, 0), (ssize_t)whole_len);
        assert_memory_equal(got, whole, whole_len);
        assert_null(memmem(got, whole_len, GHP, strlen(GHP)));
        assert_null(memmem(got, whole_len, "b3BlbnNzaC1rZXkt", 16));
        free(got);
        free(whole);
        fclose(out);
    }
    /* nothing to redact: unchanged; a file shorter than asked: EIO */
    out = tmpfile();
    assert_non_null(out);
    n = sos_redact_fd(rd, fileno(in), text.len - 30, 30, fileno(out), &changed);
    assert_int_equal(n, 30);
    assert_int_equal(changed, 0);
    assert_int_equal(sos_redact_fd(rd, fileno(in), text.len - 30, 60, fileno(out), &changed), -1);
    assert_int_equal(errno, EIO);
    fclose(out);
    fclose(in);
    free(text.p);
    sos_redactor_free(rd);
}

/* Secrets travel from the check's process to the parent beside the result,
 * and only there: the result as reported has no "secrets". */
static void test_secrets_on_the_wire(void **state)
{
    struct sos_check_result r, back;
    json_t *wire, *shown;
    (void)state;
    memset(&r, 0, sizeof r);
    assert_int_equal(sos_result_add_secret(&r, "opaque-secret-1"), 0);
    assert_int_equal(sos_result_add_secret(&r, "opaque-secret-1"), 0);
    assert_int_equal(sos_result_add_secret(&r, "short"), 0);
    assert_int_equal(r.n_secrets, 1);
    wire = sos_result_to_wire(&r);
    shown = sos_result_to_json(&r);
    assert_non_null(json_object_get(wire, "secrets"));
    assert_null(json_object_get(shown, "secrets"));
    assert_int_equal(sos_result_from_json(wire, &back), 0);
    assert_int_equal(back.n_secrets, 1);
    assert_string_equal(back.secrets[0], "opaque-secret-1");
    json_decref(wire);
    json_decref(shown);
    sos_check_result_free(&back);
    sos_check_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_formats),
        cmocka_unit_test(test_headers_and_urls),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_ordinary_text),
        cmocka_unit_test(test_exact_values),
        cmocka_unit_test(test_overlapping_values),
        cmocka_unit_test(test_values_and_argv),
        cmocka_unit_test(test_json_walk),
        cmocka_unit_test(test_idempotent),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_stream_equals_whole),
        cmocka_unit_test(test_secrets_on_the_wire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

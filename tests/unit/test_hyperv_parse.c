/* The hyperv plugin's pure parsers on the fixtures and on hostile input:
 * encodings (BOM, UTF-16LE, odd byte counts), Get-VM's JSON in both
 * PowerShell dialects, wrong shapes and types, PowerShell's error texts,
 * and which machine names may reach a PowerShell command. The Get-VM
 * parser reads JSON through the core, so it runs on a context of its own
 * (one per test) made as the runner makes one for a check. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "result.h"

#include "../../plugins/hyperv/hyperv.h"

#define VM "podman-machine-default"

/* A context for a check that is never run: what sourceos_json_get needs. */
struct ctx_fixture {
    char id[32], plugin[8], check[8];
    struct sos_check_decl decl;
    struct sos_check_result result;
    sourceos_ctx *ctx;
};

static int ctx_setup(void **state)
{
    struct ctx_fixture *fx = calloc(1, sizeof *fx);
    struct sos_ctx_config config;
    if (!fx)
        return -1;
    snprintf(fx->id, sizeof fx->id, "test.hyperv-parse");
    snprintf(fx->plugin, sizeof fx->plugin, "hyperv");
    snprintf(fx->check, sizeof fx->check, "vm");
    fx->decl.id = fx->id;
    fx->decl.plugin = fx->plugin;
    fx->decl.check = fx->check;
    memset(&config, 0, sizeof config);
    config.decl = &fx->decl;
    fx->ctx = sos_ctx_new(&config, &fx->result);
    *state = fx;
    return fx->ctx ? 0 : -1;
}

static int ctx_teardown(void **state)
{
    struct ctx_fixture *fx = *state;
    /* A parser records nothing: no finding, fact or command. */
    int recorded = fx->result.n_findings + fx->result.n_facts + fx->result.n_commands != 0;
    sos_ctx_free(fx->ctx);
    sos_check_result_free(&fx->result);
    free(fx);
    return recorded ? -1 : 0;
}

static sourceos_ctx *ctx_of(void **state)
{
    return ((struct ctx_fixture *)*state)->ctx;
}

static char *read_fixture(const char *name, size_t *len)
{
    char path[4096];
    FILE *f;
    char *data;
    long n;
    snprintf(path, sizeof path, "%s/tests/fixtures/hyperv/%s", SOS_SRCDIR, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    rewind(f);
    data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    data[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return data;
}

static enum hyperv_parse_status parse_text(sourceos_ctx *ctx, const char *text,
                                           struct hyperv_vm *vm)
{
    char why[512];
    return hyperv_parse_getvm(ctx, text, strlen(text), VM, vm, why, sizeof why);
}

static enum hyperv_parse_status parse_fixture(sourceos_ctx *ctx, const char *name,
                                              struct hyperv_vm *vm)
{
    size_t len;
    char *data = read_fixture(name, &len), why[512];
    enum hyperv_parse_status st = hyperv_parse_getvm(ctx, data, len, VM, vm, why, sizeof why);
    free(data);
    return st;
}

/* ---- text.c ----------------------------------------------------------------- */

static void expect_decoded(const char *in, size_t len, const char *want)
{
    char *out, why[256];
    size_t out_len;
    assert_int_equal(hyperv_text_decode(in, len, &out, &out_len, why, sizeof why), 0);
    assert_string_equal(out, want);
    assert_int_equal(out_len, strlen(want));
    free(out);
}

static void expect_refused(const char *in, size_t len, const char *why_part)
{
    char *out = (char *)1, why[256] = "";
    size_t out_len;
    assert_int_equal(hyperv_text_decode(in, len, &out, &out_len, why, sizeof why), -1);
    assert_null(out);
    assert_non_null(strstr(why, why_part));
}

static void test_decode(void **state)
{
    char *huge;
    (void)state;
    expect_decoded("{}", 2, "{}");
    expect_decoded("\xEF\xBB\xBF{}", 5, "{}");                 /* UTF-8 BOM */
    expect_decoded("\xFF\xFE{\0}\0", 6, "{}");                 /* UTF-16LE BOM */
    expect_decoded("{\0\"\0\xE9\0\"\0}\0", 10, "{\"\xC3\xA9\"}"); /* no BOM, e-acute */
    expect_decoded("A\0\x3D\xD8\x00\xDE", 6, "A\xF0\x9F\x98\x80"); /* surrogate pair */
    expect_decoded("A\0\x00\xD8" "B\0", 6, "A\xEF\xBF\xBD" "B");   /* lone high surrogate */
    expect_decoded("A\0\x00\xDC", 4, "A\xEF\xBF\xBD");         /* lone low surrogate */
    expect_decoded("\xFF\xFE", 2, "");                         /* a BOM alone */
    /* A legacy code page (0xE9 in cp1252) and raw NULs: replaced, kept going. */
    expect_decoded("J\xE9r", 3, "J\xEF\xBF\xBDr");
    expect_decoded("ab\0c", 4, "ab\xEF\xBF\xBD" "c");
    expect_decoded("\xC0\xAF", 2, "\xEF\xBF\xBD\xEF\xBF\xBD"); /* overlong '/' */
    expect_decoded("\xE2\x82", 2, "\xEF\xBF\xBD\xEF\xBF\xBD"); /* cut sequence */
    expect_decoded("\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); /* surrogate */
    expect_decoded("", 0, "");
    /* Odd byte counts: a UTF-16 stream cut in the middle of a unit. */
    expect_refused("\xFF\xFE{\0}", 5, "odd number");
    expect_refused("{\0}\0\n", 5, "odd number");
    expect_refused("\xFE\xFF\0{", 4, "UTF-16BE");
    huge = calloc(1, HYPERV_MAX_OUTPUT + 1);
    assert_non_null(huge);
    memset(huge, ' ', HYPERV_MAX_OUTPUT + 1);
    expect_refused(huge, HYPERV_MAX_OUTPUT + 1, "more than");
    free(huge);
}

/* ---- state.c -------------------------------------------------------------------- */

static void test_states(void **state)
{
    (void)state;
    assert_string_equal(hyperv_state_by_number(2)->name, "Running");
    assert_int_equal(hyperv_state_by_number(3)->kind, HYPERV_STATE_DOWN);
    assert_int_equal(hyperv_state_by_number(4)->kind, HYPERV_STATE_DOWN);
    assert_int_equal(hyperv_state_by_number(6)->kind, HYPERV_STATE_DOWN);
    assert_int_equal(hyperv_state_by_number(9)->kind, HYPERV_STATE_DOWN);
    assert_int_equal(hyperv_state_by_number(10)->kind, HYPERV_STATE_STARTING);
    assert_int_equal(hyperv_state_by_number(32777)->kind, HYPERV_STATE_STARTING);
    assert_int_equal(hyperv_state_by_number(32785)->kind, HYPERV_STATE_CRITICAL);
    assert_int_equal(hyperv_state_by_number(1)->kind, HYPERV_STATE_UNKNOWN);
    assert_null(hyperv_state_by_number(0));
    assert_null(hyperv_state_by_number(5));
    assert_null(hyperv_state_by_number(-2));
    assert_int_equal(hyperv_state_by_name("running")->number, 2);
    assert_int_equal(hyperv_state_by_name("OffCritical")->kind, HYPERV_STATE_CRITICAL);
    assert_null(hyperv_state_by_name("Runnin"));
    assert_null(hyperv_state_by_name(""));
    assert_null(hyperv_state_by_name(NULL));
}

/* ---- getvm.c: the fixtures --------------------------------------------------- */

static void expect_running_vm(const struct hyperv_vm *vm)
{
    assert_string_equal(vm->name, VM);
    assert_int_equal(vm->state_number, 2);
    assert_non_null(vm->state);
    assert_string_equal(vm->state->name, "Running");
    assert_string_equal(vm->status, "Operating normally");
    assert_string_equal(vm->uptime, "03:25:07");
    assert_int_equal(vm->processor_count, 2);
    assert_int_equal(vm->memory_assigned, 2147483648LL);
    assert_int_equal(vm->generation, 2);
    assert_string_equal(vm->version, "11.0");
    assert_string_equal(vm->path,
                        "C:\\Users\\alice\\.local\\share\\containers\\podman\\machine\\hyperv");
    assert_int_equal(vm->vms, 1);
    assert_int_equal(vm->matches, 1);
}

static void test_fixtures(void **state)
{
    sourceos_ctx *ctx = ctx_of(state);
    struct hyperv_vm vm;
    assert_int_equal(parse_fixture(ctx, "getvm-ps51-running.json", &vm), HYPERV_PARSE_OK);
    expect_running_vm(&vm);
    assert_string_equal(vm.state_given, "2");
    assert_int_equal(parse_fixture(ctx, "getvm-ps51-bom.json", &vm), HYPERV_PARSE_OK);
    expect_running_vm(&vm);
    assert_int_equal(parse_fixture(ctx, "getvm-ps51-utf16le.json", &vm), HYPERV_PARSE_OK);
    expect_running_vm(&vm);
    assert_int_equal(parse_fixture(ctx, "getvm-ps7-running.json", &vm), HYPERV_PARSE_OK);
    expect_running_vm(&vm);
    assert_string_equal(vm.state_given, "Running");
    assert_int_equal(parse_fixture(ctx, "getvm-ps51-off.json", &vm), HYPERV_PARSE_OK);
    assert_string_equal(vm.state->name, "Off");
    assert_string_equal(vm.uptime, "00:00:00");
    assert_int_equal(parse_fixture(ctx, "getvm-ps7-starting.json", &vm), HYPERV_PARSE_OK);
    assert_int_equal(vm.state->kind, HYPERV_STATE_STARTING);
    /* Two VMs: the one named VM is picked, not the first. */
    assert_int_equal(parse_fixture(ctx, "getvm-ps51-two.json", &vm), HYPERV_PARSE_OK);
    assert_string_equal(vm.name, VM);
    assert_string_equal(vm.state->name, "Saved");
    assert_int_equal(vm.vms, 2);
    assert_int_equal(vm.matches, 1);
}

static void test_fixture_cut_anywhere(void **state)
{
    sourceos_ctx *ctx = ctx_of(state);
    size_t len;
    char *data = read_fixture("getvm-ps51-running.json", &len), why[512];
    struct hyperv_vm vm;
    /* Every prefix is refused with a reason, never a crash or a VM. Cut
     * just after the closing brace, only the CRLF is missing: fine. */
    for (size_t cut = 0; cut + 3 < len; cut++) {
        enum hyperv_parse_status st = hyperv_parse_getvm(ctx, data, cut, VM, &vm, why, sizeof why);
        assert_int_not_equal(st, HYPERV_PARSE_OK);
        assert_true(why[0] != '\0');
    }
    free(data);
    data = read_fixture("getvm-ps51-utf16le.json", &len);
    for (size_t cut = 8; cut + 6 < len; cut += 7) {
        enum hyperv_parse_status st = hyperv_parse_getvm(ctx, data, cut, VM, &vm, why, sizeof why);
        assert_int_equal(st, cut % 2 ? HYPERV_PARSE_BAD_TEXT : HYPERV_PARSE_NOT_JSON);
    }
    free(data);
}

/* ---- getvm.c: hostile and odd input -------------------------------------------- */

/* Parses TEXT, expecting status WANT and a WHY that says WHY_PART. */
static void expect_refusal(sourceos_ctx *ctx, const char *text, enum hyperv_parse_status want,
                           const char *why_part)
{
    struct hyperv_vm vm;
    char why[512] = "";
    assert_int_equal(hyperv_parse_getvm(ctx, text, strlen(text), VM, &vm, why, sizeof why), want);
    if (!strstr(why, why_part))
        fail_msg("'%s': why is '%s', not saying '%s'", text, why, why_part);
}

/* An array of N VMs named "vm-0" ... and, last, VM. */
static char *vm_array(size_t n)
{
    size_t size = n * 32 + 64, used = 1;
    char *doc = malloc(size);
    assert_non_null(doc);
    strcpy(doc, "[");
    for (size_t i = 0; i + 1 < n; i++)
        used += (size_t)snprintf(doc + used, size - used, "{\"Name\": \"vm-%zu\"},", i);
    snprintf(doc + used, size - used, "{\"Name\": \"" VM "\", \"State\": 2}]");
    return doc;
}

static void test_not_vms(void **state)
{
    sourceos_ctx *ctx = ctx_of(state);
    struct hyperv_vm vm;
    char *huge;
    char why[512];
    expect_refusal(ctx, "", HYPERV_PARSE_EMPTY, "no output");
    expect_refusal(ctx, " \r\n\r\n", HYPERV_PARSE_EMPTY, "no output");
    expect_refusal(ctx, "Get-VM : something went wrong\r\n", HYPERV_PARSE_NOT_JSON,
                   "not JSON (or cut short)");
    expect_refusal(ctx, "{\"Name\": \"" VM "\", \"State\": 2", HYPERV_PARSE_NOT_JSON, "not JSON");
    expect_refusal(ctx, "{\"Name\": \"" VM "\"} trailing", HYPERV_PARSE_NOT_JSON, "not JSON");
    expect_refusal(ctx, "\x01\x02\x03\xff\xfe", HYPERV_PARSE_NOT_JSON, "not JSON");
    /* Where it breaks, counted in the whole output (the warning line too). */
    expect_refusal(ctx, "WARNING: a module\r\n{\"Name\": \"" VM "\",\r\n \"State\": 2,,\r\n}",
                   HYPERV_PARSE_NOT_JSON, "line 3, column 13: string or '}' expected");
    assert_int_equal(hyperv_parse_getvm(ctx, "  {\"Name\": x}", 13, VM, &vm, why, sizeof why),
                     HYPERV_PARSE_NOT_JSON);
    assert_int_equal(vm.json_line, 1);
    assert_int_equal(vm.json_column, 12); /* the x, after two spaces */
    expect_refusal(ctx, "2", HYPERV_PARSE_WRONG_SHAPE, "neither a VM object nor an array");
    expect_refusal(ctx, "\"Running\"", HYPERV_PARSE_WRONG_SHAPE, "neither a VM object");
    expect_refusal(ctx, "null", HYPERV_PARSE_WRONG_SHAPE, "neither a VM object");
    expect_refusal(ctx, "[]", HYPERV_PARSE_WRONG_SHAPE, "no object with a Name");
    expect_refusal(ctx, "{}", HYPERV_PARSE_WRONG_SHAPE, "no object with a Name");
    expect_refusal(ctx, "[1, \"x\", null, [], [{\"Name\": \"" VM "\"}]]", HYPERV_PARSE_WRONG_SHAPE,
                   "no object with a Name");
    expect_refusal(ctx, "{\"State\": 2}", HYPERV_PARSE_WRONG_SHAPE, "no object with a Name");
    expect_refusal(ctx, "{\"Name\": null, \"State\": 2}", HYPERV_PARSE_WRONG_SHAPE,
                   "no object with a Name");
    expect_refusal(ctx, "{\"Name\": {\"x\": 1}, \"State\": 2}", HYPERV_PARSE_WRONG_SHAPE,
                   "no object with a Name");
    /* The core gives scalars as text, so a number is a name like any
     * (jansson alone refused this as the wrong shape). */
    expect_refusal(ctx, "{\"Name\": 7, \"State\": 2}", HYPERV_PARSE_NO_MATCH,
                   "1 VM(s) in the output, none named '" VM "'");
    expect_refusal(ctx, "{\"Name\": \"other\", \"State\": 2}", HYPERV_PARSE_NO_MATCH,
                   "1 VM(s) in the output, none named '" VM "'");
    assert_int_equal(parse_text(ctx, "{\"Name\": \"other\", \"State\": 2}", &vm),
                     HYPERV_PARSE_NO_MATCH);
    assert_int_equal(vm.vms, 1);
    /* As many VMs as a host holds are read, the match last; one more is
     * not Get-VM's answer. */
    huge = vm_array(HYPERV_MAX_VMS);
    assert_int_equal(parse_text(ctx, huge, &vm), HYPERV_PARSE_OK);
    assert_int_equal(vm.vms, HYPERV_MAX_VMS);
    assert_int_equal(vm.state_number, 2);
    free(huge);
    huge = vm_array(HYPERV_MAX_VMS + 1);
    expect_refusal(ctx, huge, HYPERV_PARSE_WRONG_SHAPE, "more VMs than a Hyper-V host holds");
    free(huge);
    /* Nesting far beyond any VM: the JSON parser's depth bound refuses it. */
    huge = malloc(200001);
    assert_non_null(huge);
    memset(huge, '[', 100000);
    memset(huge + 100000, ']', 100000);
    huge[200000] = '\0';
    assert_int_equal(hyperv_parse_getvm(ctx, huge, 200000, VM, &vm, why, sizeof why),
                     HYPERV_PARSE_NOT_JSON);
    free(huge);
    /* Over the bound: refused before parsing. */
    huge = calloc(1, HYPERV_MAX_OUTPUT + 2);
    assert_non_null(huge);
    memset(huge, ' ', HYPERV_MAX_OUTPUT + 1);
    huge[0] = '{';
    assert_int_equal(hyperv_parse_getvm(ctx, huge, HYPERV_MAX_OUTPUT + 1, VM, &vm, why,
                                        sizeof why),
                     HYPERV_PARSE_BAD_TEXT);
    assert_non_null(strstr(why, "more than"));
    free(huge);
    assert_int_equal(hyperv_parse_getvm(ctx, "\xFF\xFE{\0}", 5, VM, &vm, why, sizeof why),
                     HYPERV_PARSE_BAD_TEXT);
    assert_non_null(strstr(why, "odd number"));
}

/* Parses {"Name": VM, MEMBERS}, which must succeed. */
static void parse_members(sourceos_ctx *ctx, const char *members, struct hyperv_vm *vm)
{
    char doc[1024];
    snprintf(doc, sizeof doc, "{\"Name\": \"%s\", %s}", VM, members);
    assert_int_equal(parse_text(ctx, doc, vm), HYPERV_PARSE_OK);
}

static void test_field_types(void **state)
{
    sourceos_ctx *ctx = ctx_of(state);
    struct hyperv_vm vm;
    /* Nulls and wrong types everywhere: a VM with nothing known. */
    parse_members(ctx, "\"State\": null, \"Status\": [3], \"Uptime\": [1], "
                       "\"ProcessorCount\": \"two\", \"MemoryAssigned\": -1.5, "
                       "\"Generation\": true, \"Version\": {}, \"Path\": null", &vm);
    assert_int_equal(vm.state_number, -1);
    assert_null(vm.state);
    assert_string_equal(vm.state_given, "(a JSON null)");
    assert_string_equal(vm.status, "");
    assert_string_equal(vm.uptime, "");
    assert_int_equal(vm.processor_count, -1);
    assert_int_equal(vm.memory_assigned, -1);
    assert_int_equal(vm.generation, -1);
    assert_string_equal(vm.version, "");
    assert_string_equal(vm.path, "");
    /* What the core cannot tell apart, as it gives scalars as text: a
     * number and a string of its digits, a boolean and "true". */
    parse_members(ctx, "\"State\": \"2\", \"Status\": 3, \"ProcessorCount\": \"2\"", &vm);
    assert_string_equal(vm.state->name, "Running");
    assert_string_equal(vm.status, "3");
    assert_int_equal(vm.processor_count, 2);
    parse_members(ctx, "\"State\": true", &vm);
    assert_string_equal(vm.state_given, "true");
    assert_null(vm.state);
    /* Not numbers, though strtod would take them. */
    parse_members(ctx, "\"ProcessorCount\": \" 2\", \"Generation\": \"0x2\", "
                       "\"MemoryAssigned\": \"inf\", \"State\": \"0x2\"", &vm);
    assert_int_equal(vm.processor_count, -1);
    assert_int_equal(vm.generation, -1);
    assert_int_equal(vm.memory_assigned, -1);
    assert_null(vm.state);
    /* Whole reals count as integers (ConvertTo-Json prints a [double]
     * so); fractions, negatives and reals beyond 9e15 do not. */
    parse_members(ctx, "\"MemoryAssigned\": 2147483648.0, \"ProcessorCount\": 2e0, "
                       "\"Generation\": 1.5", &vm);
    assert_int_equal(vm.memory_assigned, 2147483648LL);
    assert_int_equal(vm.processor_count, 2);
    assert_int_equal(vm.generation, -1);
    parse_members(ctx, "\"MemoryAssigned\": 9e16, \"ProcessorCount\": -2.0, "
                       "\"Generation\": -3", &vm);
    assert_int_equal(vm.memory_assigned, -1);
    assert_int_equal(vm.processor_count, -1);
    assert_int_equal(vm.generation, -3);
    /* State absent, an object, an array, empty, a real. */
    parse_members(ctx, "\"Status\": \"x\"", &vm);
    assert_string_equal(vm.state_given, "");
    parse_members(ctx, "\"State\": {\"value\": 2}", &vm);
    assert_null(vm.state);
    assert_string_equal(vm.state_given, "(a JSON object)");
    parse_members(ctx, "\"State\": [2]", &vm);
    assert_null(vm.state);
    assert_string_equal(vm.state_given, "(a JSON array)");
    parse_members(ctx, "\"State\": []", &vm);
    assert_string_equal(vm.state_given, "(an empty JSON object or array)");
    parse_members(ctx, "\"State\": {}", &vm);
    assert_string_equal(vm.state_given, "(an empty JSON object or array)");
    parse_members(ctx, "\"State\": 2.0", &vm);
    assert_null(vm.state);
    assert_int_equal(vm.state_number, -1);
    assert_string_equal(vm.state_given, "2.0");
    /* Numbers outside the enum, negative, beyond 16 bits, beyond 64. */
    parse_members(ctx, "\"State\": 12345", &vm);
    assert_int_equal(vm.state_number, 12345);
    assert_null(vm.state);
    assert_string_equal(vm.state_given, "12345");
    parse_members(ctx, "\"State\": -3", &vm);
    assert_int_equal(vm.state_number, -1);
    assert_null(vm.state);
    assert_string_equal(vm.state_given, "-3");
    parse_members(ctx, "\"State\": 4294967298", &vm);
    assert_int_equal(vm.state_number, -1);
    assert_null(vm.state);
    parse_members(ctx, "\"State\": \"99999999999999999999\"", &vm);
    assert_int_equal(vm.state_number, -1);
    assert_null(vm.state);
    assert_int_equal(parse_text(ctx, "{\"Name\": \"" VM "\", \"State\": 1e400}", &vm),
                     HYPERV_PARSE_NOT_JSON);
    /* State by name, any case, and names not in the enum. */
    parse_members(ctx, "\"State\": \"saved\"", &vm);
    assert_int_equal(vm.state_number, 6);
    assert_string_equal(vm.state_given, "saved");
    parse_members(ctx, "\"State\": \"Runnin\"", &vm);
    assert_null(vm.state);
    assert_int_equal(vm.state_number, -1);
    /* Uptime: a string as given, null as absent; out-of-range members of
     * the TimeSpan object are not formatted; days are. */
    parse_members(ctx, "\"Uptime\": \"1.02:03:04\"", &vm);
    assert_string_equal(vm.uptime, "1.02:03:04");
    parse_members(ctx, "\"Uptime\": null", &vm);
    assert_string_equal(vm.uptime, "");
    parse_members(ctx, "\"Uptime\": {\"Days\": 3, \"Hours\": 4, \"Minutes\": 5, \"Seconds\": 6}",
                  &vm);
    assert_string_equal(vm.uptime, "3.04:05:06");
    parse_members(ctx, "\"Uptime\": {\"Days\": 0, \"Hours\": 99, \"Minutes\": 5, \"Seconds\": 6}",
                  &vm);
    assert_string_equal(vm.uptime, "");
    parse_members(ctx, "\"Uptime\": {\"Days\": 0, \"Hours\": 1, \"Minutes\": 5}", &vm);
    assert_string_equal(vm.uptime, "");
}

static void test_names(void **state)
{
    sourceos_ctx *ctx = ctx_of(state);
    struct hyperv_vm vm;
    char why[512];
    const char *quoted = "{\"Name\": \"it's \\\"odd\\\"\", \"State\": 2}";
    const char *dup = "[{\"Name\": \"PODMAN-machine-default\", \"State\": 2},"
                      " {\"Name\": \"" VM "\", \"State\": 3},"
                      " {\"Name\": \"" VM "\", \"State\": 2}]";
    /* A name with quotes in the output is data, nothing more. */
    assert_int_equal(hyperv_parse_getvm(ctx, quoted, strlen(quoted), "it's \"odd\"", &vm, why,
                                        sizeof why), HYPERV_PARSE_OK);
    assert_string_equal(vm.name, "it's \"odd\"");
    /* Several with the name: the first exact match, all counted. */
    assert_int_equal(parse_text(ctx, dup, &vm), HYPERV_PARSE_OK);
    assert_string_equal(vm.name, VM);
    assert_int_equal(vm.state_number, 3);
    assert_int_equal(vm.vms, 3);
    assert_int_equal(vm.matches, 3);
    /* Only a case-folded match: taken (Hyper-V ignores case). */
    assert_int_equal(parse_text(ctx, "[{\"Name\": \"Podman-Machine-Default\", \"State\": 2}]", &vm),
                     HYPERV_PARSE_OK);
    assert_string_equal(vm.name, "Podman-Machine-Default");
    /* A huge name is cut, not overflowed. */
    {
        size_t n = 5000;
        char *doc = malloc(n + 64);
        assert_non_null(doc);
        strcpy(doc, "{\"Name\": \"");
        memset(doc + 10, 'a', n);
        strcpy(doc + 10 + n, "\"}");
        assert_int_equal(parse_text(ctx, doc, &vm), HYPERV_PARSE_NO_MATCH);
        free(doc);
    }
    /* Warnings before the JSON (a module loaded through the compatibility
     * session) are skipped. */
    assert_int_equal(parse_text(ctx, "WARNING: Module Hyper-V is loaded in Windows PowerShell using "
                                "WinPSCompatSession remoting session\r\n{\"Name\": \"" VM
                                "\", \"State\": \"Running\"}\r\n", &vm), HYPERV_PARSE_OK);
    assert_int_equal(vm.state_number, 2);
}

/* ---- errors.c and name.c ---------------------------------------------------------- */

static enum hyperv_error_kind classify_fixture(const char *name)
{
    size_t len;
    char *data = read_fixture(name, &len);
    enum hyperv_error_kind kind = hyperv_classify_error(data);
    free(data);
    return kind;
}

static void test_errors(void **state)
{
    char line[256];
    (void)state;
    assert_int_equal(classify_fixture("err-ps51-not-found.txt"), HYPERV_ERROR_VM_NOT_FOUND);
    assert_int_equal(classify_fixture("err-ps7-not-found.txt"), HYPERV_ERROR_VM_NOT_FOUND);
    assert_int_equal(classify_fixture("err-ps51-permission.txt"), HYPERV_ERROR_PERMISSION);
    assert_int_equal(classify_fixture("err-ps7-permission.txt"), HYPERV_ERROR_PERMISSION);
    assert_int_equal(classify_fixture("err-ps51-not-recognized.txt"), HYPERV_ERROR_NO_MODULE);
    assert_int_equal(classify_fixture("err-ps51-vmms.txt"), HYPERV_ERROR_VMMS_DOWN);
    /* A localized message still carries the English id. */
    assert_int_equal(hyperv_classify_error("Get-VM : Hyper-V n'a pas pu trouver ...\r\n"
                                           "    + FullyQualifiedErrorId : InvalidParameter,"
                                           "Microsoft.HyperV.PowerShell.Commands.GetVM\r\n"),
                     HYPERV_ERROR_VM_NOT_FOUND);
    assert_int_equal(hyperv_classify_error(""), HYPERV_ERROR_OTHER);
    assert_int_equal(hyperv_classify_error(NULL), HYPERV_ERROR_OTHER);
    assert_int_equal(hyperv_classify_error("Get-VM : Generic failure\r\n"), HYPERV_ERROR_OTHER);
    assert_int_equal(hyperv_classify_error("InvalidParameter,Microsoft.HyperV.PowerShell.Comm"),
                     HYPERV_ERROR_OTHER);
    hyperv_error_line("\r\n  \r\nGet-VM : boom\r\nAt line:1\r\n", line, sizeof line);
    assert_string_equal(line, "Get-VM : boom");
    hyperv_error_line("#< CLIXML\r\n<Objs Version=\"1.1.0.1\"><S S=\"Error\">x</S></Objs>", line,
                      sizeof line);
    assert_string_equal(line, "<Objs Version=\"1.1.0.1\"><S S=\"Error\">x</S></Objs>");
    hyperv_error_line("", line, sizeof line);
    assert_string_equal(line, "");
    hyperv_error_line(NULL, line, sizeof line);
    assert_string_equal(line, "");
    hyperv_error_line("0123456789", line, 5);
    assert_string_equal(line, "0123");
}

static void test_safe_names(void **state)
{
    char longest[HYPERV_MAX_NAME + 2];
    (void)state;
    assert_true(hyperv_name_is_safe("podman-machine-default"));
    assert_true(hyperv_name_is_safe("dev_2.test-1"));
    assert_true(hyperv_name_is_safe("A"));
    assert_false(hyperv_name_is_safe(""));
    assert_false(hyperv_name_is_safe(NULL));
    assert_false(hyperv_name_is_safe("-x"));
    assert_false(hyperv_name_is_safe(".x"));
    assert_false(hyperv_name_is_safe("../x"));
    assert_false(hyperv_name_is_safe("x'; Start-VM -Name 'y"));
    assert_false(hyperv_name_is_safe("x\"y"));
    assert_false(hyperv_name_is_safe("x`y"));
    assert_false(hyperv_name_is_safe("x$y"));
    assert_false(hyperv_name_is_safe("x;y"));
    assert_false(hyperv_name_is_safe("x y"));
    assert_false(hyperv_name_is_safe("x*"));
    assert_false(hyperv_name_is_safe("x\xE2\x80\x99y")); /* a typographic quote */
    memset(longest, 'a', sizeof longest);
    longest[HYPERV_MAX_NAME] = '\0';
    assert_true(hyperv_name_is_safe(longest));
    longest[HYPERV_MAX_NAME] = 'a';
    longest[HYPERV_MAX_NAME + 1] = '\0';
    assert_false(hyperv_name_is_safe(longest));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_states),
        cmocka_unit_test_setup_teardown(test_fixtures, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_fixture_cut_anywhere, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_not_vms, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_field_types, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_names, ctx_setup, ctx_teardown),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_safe_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

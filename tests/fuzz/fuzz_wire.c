/* Fuzz harness: the child-result wire format as the runner reads it today:
 * newline-separated JSON lines, {"pgid": N} or {"result": {...}},
 * the result read back by sos_result_from_json(). (runner.c's take_line()
 * is static and being reworked; this follows it through the exposed
 * sos_result_from_json(). Point it at the new reader when it lands.) */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include <jansson.h>

#include "report.h"
#include "result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        json_t *doc = json_loadb(p, len, 0, NULL);
        json_t *result = json_object_get(doc, "result");
        if (result) {
            struct sos_check_result got;
            memset(&got, 0, sizeof got);
            if (sos_result_from_json(result, &got) == 0) {
                json_t *again = sos_result_to_json(&got);
                json_decref(again);
                sos_check_result_free(&got);
            }
        }
        (void)json_integer_value(json_object_get(doc, "pgid"));
        json_decref(doc);
        p += len + 1;
    }
    return 0;
}

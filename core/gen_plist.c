/* The launchd job of an agent, built as a libplist dictionary and written
 * as XML by libplist (which escapes every string), so model text is data,
 * never markup. Its one program argument is the generated wrapper: no
 * `sh -c`, nothing for launchd to interpret. */
#include "config.h"

#include <plist/plist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* The launchd minimum between two starts we accept; launchd's own default
 * is 10 as well, written out so a lint sees it. */
#define THROTTLE_SECONDS 10

char *sos_gen_plist_name(const struct sos_agent_model *m, sos_error *err)
{
    char *out;
    if (sos_gen_check_identity(m, err) < 0)
        return NULL;
    if (asprintf(&out, "%s.plist", m->label) < 0) {
        sos_fail(err, "label: out of memory");
        return NULL;
    }
    return out;
}

/* KEY = the path FIELD names, expanded and checked. */
static int set_path(plist_t dict, const char *key, const char *field, const char *value,
                    const char *home, sos_error *err)
{
    char *p = sos_gen_path(field, value, home, err);
    if (!p)
        return -1;
    plist_dict_set_item(dict, key, plist_new_string(p));
    free(p);
    return 0;
}

static int fill(plist_t d, const struct sos_agent_model *m, const struct sos_gen_target *t,
                sos_error *err)
{
    plist_t args = plist_new_array();
    char *wrapper = sos_gen_path("wrapper path", t->wrapper_path, t->home, err);
    if (!wrapper) {
        plist_free(args);
        return -1;
    }
    plist_dict_set_item(d, "Label", plist_new_string(m->label));
    plist_array_append_item(args, plist_new_string(wrapper));
    free(wrapper);
    plist_dict_set_item(d, "ProgramArguments", args);
    plist_dict_set_item(d, "RunAtLoad", plist_new_bool(m->lifecycle.run_at_load != 0));
    /* Restarted only after a failed exit: the wrapper exits 0 once its
     * restart budget is spent, and launchd then leaves it down. */
    if (m->lifecycle.restart != SOS_RESTART_MANUAL) {
        plist_t keep = plist_new_dict();
        plist_dict_set_item(keep, "SuccessfulExit", plist_new_bool(0));
        plist_dict_set_item(d, "KeepAlive", keep);
    }
    plist_dict_set_item(d, "ThrottleInterval", plist_new_uint(THROTTLE_SECONDS));
    plist_dict_set_item(d, "ProcessType", plist_new_string("Background"));
    if (m->lifecycle.shutdown_timeout_seconds)
        plist_dict_set_item(d, "ExitTimeOut",
                            plist_new_uint(m->lifecycle.shutdown_timeout_seconds + 5));
    if (set_path(d, "StandardOutPath", "logs.stdout", m->logs.stdout_path, t->home, err) < 0 ||
        set_path(d, "StandardErrorPath", "logs.stderr", m->logs.stderr_path, t->home, err) < 0)
        return -1;
    if (m->scope == SOS_SCOPE_SYSTEM) {
        if (sos_gen_check_user(t->user, err) < 0)
            return -1;
        plist_dict_set_item(d, "UserName", plist_new_string(t->user));
    }
    return 0;
}

char *sos_gen_plist(const struct sos_agent_model *m, const struct sos_gen_target *t,
                    sos_error *err)
{
    plist_t d;
    char *xml = NULL, *out;
    uint32_t len = 0;
    if (sos_gen_check_identity(m, err) < 0)
        return NULL;
    d = plist_new_dict();
    if (fill(d, m, t, err) < 0) {
        plist_free(d);
        return NULL;
    }
    plist_to_xml(d, &xml, &len);
    plist_free(d);
    if (!xml) {
        sos_fail(err, "plist: libplist wrote nothing");
        return NULL;
    }
    out = strndup(xml, len); /* ours to free() */
    plist_to_xml_free(xml);
    if (!out)
        sos_fail(err, "plist: out of memory");
    return out;
}

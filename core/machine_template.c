/* The profiles `sourceosctl agent-machine init` renders, and the YAML
 * they are written as. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "machine_profile.h"
#include "strbuf.h"

const char *const sos_am_templates[] = {"macos-podman", "linux-native", "windows-wsl",
                                        "windows-hyperv", NULL};

struct plane {
    const char *tmpl, *adapter, *storage, *machine, *provider;
};

static const struct plane planes[] = {
    {"macos-podman", "macos", "podman-machine-bind", "sourceos-agent", "applehv"},
    {"linux-native", "linux", "native-bind", "", "native"},
    {"windows-wsl", "windows", "wsl-bind", "sourceos-agent", "wsl"},
    {"windows-hyperv", "windows", "podman-machine-bind", "sourceos-agent", "hyperv"},
};

json_t *sos_am_template(const char *tmpl, const char *name, const char *repo_root,
                        sos_error *err)
{
    const struct plane *pl = NULL;
    for (size_t i = 0; i < sizeof planes / sizeof planes[0]; i++)
        if (strcmp(planes[i].tmpl, tmpl) == 0)
            pl = &planes[i];
    if (!pl) {
        sos_fail(err, "no profile template '%s' (templates: macos-podman, linux-native, "
                 "windows-wsl, windows-hyperv)", tmpl);
        return NULL;
    }
    json_t *doc = json_pack(
        "{s:s, s:s, s:s,"
        " s:{s:s, s:s}, s:{s:s, s:s, s:s},"
        " s:{s:s, s:s, s:s, s:[s, s]},"
        " s:{s:s}, s:{s:[s], s:s, s:s},"
        " s:{s:[{s:s, s:[s], s:b, s:[s, s]}]},"
        " s:[], s:[], s:[], s:{s:s}}",
        "apiVersion", SOS_AM_API_VERSION, "kind", SOS_AM_KIND, "name", name,
        "host", "adapter", pl->adapter, "storageBackend", pl->storage,
        "vm", "machine", pl->machine, "provider", pl->provider, "controlPlane", "",
        "container", "image", "ghcr.io/sourceos/agent-workspace:0.1", "digest", "",
        "network", "none", "passEnv", "TERM", "LANG",
        "user", "mapping", "keep-id",
        "repo", "allowedRoots", repo_root ? repo_root : "~/dev", "agentPath", "/workspace",
        "accessMode", "read-write",
        "agent", "tools", "name", "codex", "command", "codex", "enabled", 1,
        "versionCommand", "codex", "--version",
        "mounts", "deniedPatterns", "secrets",
        "evidence", "directory", "~/.local/state/sourceos/agent-machine/evidence");
    if (!doc)
        sos_fail(err, "out of memory");
    return doc;
}

static void indent(struct sos_strbuf *o, int n)
{
    for (int i = 0; i < n; i++)
        sos_strbuf_put(o, " ", 1);
}

static void scalar(struct sos_strbuf *o, const json_t *v)
{
    char *s = json_dumps(v, JSON_ENCODE_ANY);
    if (!s) {
        o->failed = 1;
        return;
    }
    sos_strbuf_put(o, s, strlen(s));
    free(s);
}

static int is_empty_container(const json_t *v)
{
    return (json_is_array(v) && json_array_size(v) == 0) ||
           (json_is_object(v) && json_object_size(v) == 0);
}

static void value(struct sos_strbuf *o, const json_t *v, int depth);

/* A mapping's pairs; the first continues the current line when FIRST_INLINE
 * (a list item's "- "). */
static void pairs(struct sos_strbuf *o, const json_t *obj, int depth, int first_inline)
{
    const char *key;
    json_t *v;
    int first = 1;
    json_object_foreach((json_t *)obj, key, v) {
        if (!(first && first_inline))
            indent(o, depth * 2);
        first = 0;
        sos_strbuf_put(o, key, strlen(key));
        sos_strbuf_put(o, ":", 1);
        if (is_empty_container(v) || !(json_is_object(v) || json_is_array(v))) {
            sos_strbuf_put(o, " ", 1);
            if (is_empty_container(v))
                sos_strbuf_put(o, json_is_array(v) ? "[]" : "{}", 2);
            else
                scalar(o, v);
            sos_strbuf_put(o, "\n", 1);
        } else {
            sos_strbuf_put(o, "\n", 1);
            value(o, v, depth + 1);
        }
    }
}

static void value(struct sos_strbuf *o, const json_t *v, int depth)
{
    size_t i;
    json_t *item;
    if (json_is_object(v)) {
        pairs(o, v, depth, 0);
        return;
    }
    json_array_foreach((json_t *)v, i, item) {
        indent(o, depth * 2);
        sos_strbuf_put(o, "- ", 2);
        if (json_is_object(item) && json_object_size(item))
            pairs(o, item, depth + 1, 1);
        else {
            if (is_empty_container(item))
                sos_strbuf_put(o, json_is_array(item) ? "[]" : "{}", 2);
            else
                scalar(o, item);
            sos_strbuf_put(o, "\n", 1);
        }
    }
}

char *sos_am_yaml(const json_t *doc)
{
    struct sos_strbuf o = {0};
    static const char head[] = "# An AgentMachineProfile (schemas/agent-machine-profile.schema.json).\n"
                               "# No secrets here: only references under 'secrets'.\n";
    sos_strbuf_put(&o, head, sizeof head - 1);
    pairs(&o, doc, 0, 0);
    if (o.failed) {
        free(o.p);
        return NULL;
    }
    return o.p;
}

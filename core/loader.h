/* Loading plugins: <plugindir>/<name>.so, checked before and after dlopen. */
#ifndef SOS_LOADER_H
#define SOS_LOADER_H

#include <stddef.h>

#include "error.h"
#include "sourceos/plugin.h"

struct sos_loaded_plugin {
    char *name;
    char *path; /* <dir>/<name>.so */
    void *handle; /* lt_dlhandle; NULL when loading failed */
    const struct sourceos_plugin *plugin; /* NULL when loading failed */
    char *error; /* why it did not load; NULL when loaded */
};

/* The plugins of one run, each loaded at most once. */
struct sos_plugin_set {
    char *dir;
    struct sos_loaded_plugin *v;
    size_t n;
};

/* Plugin (and check) names: ^[a-z0-9][a-z0-9-]*$, at most 64 characters. */
int sos_plugin_name_valid(const char *name);

int sos_plugin_set_init(struct sos_plugin_set *set, const char *dir,
                        sos_error *err);

/* Loads NAME into SET unless already there, and returns its entry (loaded
 * or not: a failure is kept, with its message, so every check of that
 * plugin reports the same error). Returns NULL only on ENOMEM. */
const struct sos_loaded_plugin *sos_plugin_set_load(struct sos_plugin_set *set,
                                                    const char *name);

/* Loads every NAME.so of the directory, in name order (for `sourceos plugins`). */
void sos_plugin_set_load_all(struct sos_plugin_set *set);

/* The check NAME of a loaded plugin, or NULL. */
const struct sourceos_check *sos_plugin_find_check(const struct sourceos_plugin *p,
                                                   const char *name);

/* The params P declares (ABI 1.4), or NULL for an older plugin or none. */
const struct sourceos_params *sos_plugin_params(const struct sourceos_plugin *p);

/* The param keys P declares for its check or action NAME (NULL-terminated),
 * or NULL when it declares none for it: anything goes. */
const char *const *sos_plugin_param_keys(const struct sourceos_plugin *p, const char *name);

/* The action NAME of a loaded plugin, or NULL. */
const struct sourceos_action *sos_plugin_find_action(const struct sourceos_plugin *p,
                                                     const char *name);

void sos_plugin_set_free(struct sos_plugin_set *set);

#endif

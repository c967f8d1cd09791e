/* wsl2: the interop check: Windows credential helpers that podman or
 * docker inside WSL would run through interop. registry-auth has already
 * read the auth files and resolved their helpers (facts
 * registry.cred_helpers, registry.creds_store, registry.helper_states);
 * this check adds what is WSL's own: which of them are Windows programs,
 * what interop and the Windows PATH mean for them, and the Windows
 * docker-credential-* programs the PATH reaches before anyone names them. */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "wsl2.h"

#define HELPER_PREFIX "docker-credential-"
#define MAX_PATH_DIRS 256
#define MAX_DIR_ENTRIES 100000
#define MAX_FOUND 32
#define ITEM_MAX 512

struct found {
    char name[NAME_MAX + 1]; /* docker-credential-X */
    char dir[PATH_MAX];
};

struct interop {
    struct verdict v;
    const char *helper_states; /* facts of registry.cred-helpers, or NULL */
    const char *cred_helpers;
    const char *creds_store;
    struct found found[MAX_FOUND];
    size_t n_found;
    size_t dirs_scanned;
    int scan_cut;
};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Copies item I of the comma-separated LIST (a registry-auth fact) into
 * OUT; 0 when there is no such item. The "..." a cut list ends with is
 * not an item. */
static int list_item(const char *list, size_t i, char *out, size_t size)
{
    const char *p = list;
    for (size_t k = 0; p && *p; k++) {
        size_t n = strcspn(p, ",");
        if (k == i) {
            plugin_textf(out, size, "%.*s", (int)n, p);
            return strcmp(out, "...") != 0;
        }
        p = p[n] ? p + n + 1 : NULL;
    }
    return 0;
}

/* Splits "A=B" at its last '=' into A (in place) and returns B, or NULL. */
static char *split_pair(char *item)
{
    char *eq = strrchr(item, '=');
    if (!eq)
        return NULL;
    *eq = '\0';
    return eq + 1;
}

/* ---- The Windows drives on the PATH ---------------------------------------- */

/* /mnt/c or /mnt/c/...: a Windows drive WSL mounts (drvfs). */
static int on_windows_drive(const char *dir, size_t len)
{
    return len >= 6 && strncmp(dir, "/mnt/", 5) == 0 &&
           ((dir[5] >= 'a' && dir[5] <= 'z') || (dir[5] >= 'A' && dir[5] <= 'Z')) &&
           (len == 6 || dir[6] == '/');
}

static int already_found(const struct interop *io, const char *name)
{
    for (size_t i = 0; i < io->n_found; i++)
        if (strcmp(io->found[i].name, name) == 0)
            return 1;
    return 0;
}

static void scan_dir(sourceos_ctx *ctx, struct interop *io, const char *dir)
{
    const char *real = sourceos_host_path(ctx, dir);
    struct dirent *e;
    size_t seen = 0;
    DIR *d = real ? opendir(real) : NULL;
    if (!d)
        return;
    io->dirs_scanned++;
    while ((e = readdir(d)) != NULL) {
        char path[PATH_MAX + NAME_MAX + 2];
        struct stat st;
        if (++seen > MAX_DIR_ENTRIES) {
            io->scan_cut = 1;
            break;
        }
        if (strncmp(e->d_name, HELPER_PREFIX, strlen(HELPER_PREFIX)) != 0 ||
            already_found(io, e->d_name))
            continue;
        plugin_textf(path, sizeof path, "%s/%s", real, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (io->n_found == MAX_FOUND) {
            io->scan_cut = 1;
            break;
        }
        plugin_textf(io->found[io->n_found].name, sizeof io->found[0].name, "%s", e->d_name);
        plugin_textf(io->found[io->n_found].dir, sizeof io->found[0].dir, "%s", dir);
        io->n_found++;
    }
    closedir(d);
}

static void scan_path(sourceos_ctx *ctx, struct interop *io)
{
    const char *p = sourceos_getenv(ctx, "PATH");
    size_t dirs = 0;
    while (p && *p) {
        size_t n = strcspn(p, ":");
        if (++dirs > MAX_PATH_DIRS) {
            io->scan_cut = 1;
            return;
        }
        if (n < PATH_MAX && on_windows_drive(p, n)) {
            char dir[PATH_MAX];
            plugin_textf(dir, sizeof dir, "%.*s", (int)n, p);
            scan_dir(ctx, io, dir);
        }
        p = p[n] ? p + n + 1 : NULL;
    }
}

/* The PATH entry under /mnt/ that holds docker-credential-HELPER, or NULL. */
static const char *found_dir_of(const struct interop *io, const char *helper)
{
    char program[ITEM_MAX + 32];
    plugin_textf(program, sizeof program, HELPER_PREFIX "%s", helper);
    for (size_t i = 0; i < io->n_found; i++)
        if (strcmp(io->found[i].name, program) == 0)
            return io->found[i].dir;
    return NULL;
}

/* ---- Findings --------------------------------------------------------------- */

static void interop_evidence(sourceos_ctx *ctx, sourceos_finding *f)
{
    const char *interop = sourceos_fact_get(ctx, "wsl.interop");
    const char *append = sourceos_fact_get(ctx, "wsl.append_windows_path");
    sourceos_finding_evidence(f, "interop", interop ? interop : "unknown");
    sourceos_finding_evidence(f, "append_windows_path", append ? append : "unknown");
}

static const char *const linux_helper_advice =
    "Inside WSL use a Linux credential helper (pass or secretservice: `sudo "
    "apt-get install golang-docker-credential-helpers`, then name it in "
    "credHelpers), or remove the Windows helper from the files podman reads; "
    "then set appendWindowsPath=false under [interop] in /etc/wsl.conf and "
    "restart WSL so no Windows helper resolves by name. Agents are isolated "
    "either way: the governed wrapper runs podman with an empty auth file.";

/* The registries the cred_helpers fact maps to HELPER, comma-separated. */
static void registries_of(const struct interop *io, const char *helper, char *out,
                          size_t size)
{
    char item[ITEM_MAX];
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; io->cred_helpers && list_item(io->cred_helpers, i, item, sizeof item); i++) {
        char *value = split_pair(item);
        if (value && strcmp(value, helper) == 0 && used + strlen(item) + 2 < size)
            used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", item);
    }
}

static void note_cred_helper(sourceos_ctx *ctx, struct interop *io, const char *helper,
                             const char *state)
{
    char registries[1024], program[ITEM_MAX + 32];
    const char *dir = found_dir_of(io, helper);
    sourceos_finding *f;
    registries_of(io, helper, registries, sizeof registries);
    plugin_textf(program, sizeof program, HELPER_PREFIX "%s", helper);
    f = plugin_note(ctx, &io->v, "wsl2.windows-cred-helper", SOURCEOS_SEV_WARNING,
                 "podman in this WSL distro would run the Windows program %s (credHelpers "
                 "for %s) through interop%s: it needs a logged-in Windows session and "
                 "working interop, which a service started by systemd inside WSL does "
                 "not have, so pulls and remote runs fail there",
                 program, *registries ? registries : "some registries",
                 strcmp(state, "missing") ? ""
                                          : ", and it is not on the Linux PATH now "
                                            "(appendWindowsPath or interop is off)");
    sourceos_finding_remediation(f, linux_helper_advice);
    wsl_command_no_windows_path(f);
    sourceos_finding_evidence(f, "helper", helper);
    sourceos_finding_evidence(f, "state", state);
    if (dir)
        sourceos_finding_evidence(f, "windows_dir", dir);
    interop_evidence(ctx, f);
}

static void note_creds_store(sourceos_ctx *ctx, struct interop *io, const char *store)
{
    const char *dir = found_dir_of(io, store);
    sourceos_finding *f;
    if (!ends_with(store, ".exe") && !dir)
        return;
    f = plugin_note(ctx, &io->v, "wsl2.windows-creds-store", SOURCEOS_SEV_WARNING,
                 "credsStore names the Windows helper '%s' (Docker Desktop's WSL "
                 "integration writes it): docker inside WSL stores and reads every "
                 "registry's password in the Windows credential manager through "
                 "interop; podman ignores credsStore, but a Linux docker or a tool "
                 "that honours it fails wherever interop does", store);
    sourceos_finding_remediation(
        f, "Remove \"credsStore\" from the docker config inside WSL (or set it to a "
           "Linux helper such as \"pass\"), and set appendWindowsPath=false under "
           "[interop] in /etc/wsl.conf, then restart WSL.");
    wsl_command_no_windows_path(f);
    sourceos_finding_evidence(f, "creds_store", store);
    if (dir)
        sourceos_finding_evidence(f, "windows_dir", dir);
    interop_evidence(ctx, f);
}

/* Whether docker-credential-X (PROGRAM) is named by a fact already. */
static int is_configured(const struct interop *io, const char *program)
{
    const char *name = program + strlen(HELPER_PREFIX);
    char item[ITEM_MAX];
    for (size_t i = 0; io->helper_states && list_item(io->helper_states, i, item, sizeof item); i++) {
        split_pair(item);
        if (strcmp(item, name) == 0)
            return 1;
    }
    for (size_t i = 0; io->creds_store && list_item(io->creds_store, i, item, sizeof item); i++)
        if (strcmp(item, name) == 0)
            return 1;
    return 0;
}

static void note_reachable(sourceos_ctx *ctx, struct interop *io, const struct found *fd)
{
    char path[PATH_MAX + NAME_MAX + 2];
    sourceos_finding *f;
    if (is_configured(io, fd->name))
        return;
    plugin_textf(path, sizeof path, "%s/%s", fd->dir, fd->name);
    f = plugin_note(ctx, NULL, "wsl2.windows-helper-on-path", SOURCEOS_SEV_INFO,
                 "the Windows credential helper %s is on the Linux PATH (%s, appended "
                 "from Windows): nothing names it yet, but a credHelpers or credsStore "
                 "entry naming '%s' would run it through interop",
                 fd->name, fd->dir, fd->name + strlen(HELPER_PREFIX));
    sourceos_finding_path(f, path);
    sourceos_finding_remediation(f, "Set appendWindowsPath=false under [interop] in "
                                    "/etc/wsl.conf and restart WSL, so Windows "
                                    "programs are not found by name inside WSL.");
    wsl_command_no_windows_path(f);
    interop_evidence(ctx, f);
}

static void note_configured(sourceos_ctx *ctx, struct interop *io)
{
    char item[ITEM_MAX];
    for (size_t i = 0; io->helper_states && list_item(io->helper_states, i, item, sizeof item); i++) {
        char *state = split_pair(item);
        if (state && (!strcmp(state, "windows-interop") || ends_with(item, ".exe") ||
                      found_dir_of(io, item)))
            note_cred_helper(ctx, io, item, state);
    }
    for (size_t i = 0; io->creds_store && list_item(io->creds_store, i, item, sizeof item); i++)
        note_creds_store(ctx, io, item);
}

sourceos_status wsl_check_interop(sourceos_ctx *ctx)
{
    struct interop io;
    sourceos_finding *f;
    char count[32];
    memset(&io, 0, sizeof io);
    io.helper_states = sourceos_fact_get(ctx, "registry.helper_states");
    io.cred_helpers = sourceos_fact_get(ctx, "registry.cred_helpers");
    io.creds_store = sourceos_fact_get(ctx, "registry.creds_store");
    if (!io.helper_states && !io.creds_store)
        plugin_note(ctx, NULL, "wsl2.interop-no-registry-facts", SOURCEOS_SEV_INFO,
                 "registry.cred-helpers did not run before this check: the helpers "
                 "the auth files name are unknown, only the PATH was searched");
    scan_path(ctx, &io);
    note_configured(ctx, &io);
    for (size_t i = 0; i < io.n_found; i++)
        note_reachable(ctx, &io, &io.found[i]);
    plugin_textf(count, sizeof count, "%zu", io.dirs_scanned);
    f = plugin_note(ctx, NULL, "wsl2.interop-helpers", SOURCEOS_SEV_INFO,
                 "%zu Windows docker-credential-* program(s) on the PATH, in %zu "
                 "directories under /mnt/%s", io.n_found, io.dirs_scanned,
                 io.scan_cut ? " (search cut at its bound)" : "");
    sourceos_finding_evidence(f, "windows_dirs_scanned", count);
    interop_evidence(ctx, f);
    return verdict_status(&io.v);
}

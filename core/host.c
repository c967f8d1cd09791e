#include "config.h"

#include "host.h"

#include <ctype.h>
#include <plist/plist.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "checksd.h"
#include "rootfs.h"

#define SMALL_FILE (64u * 1024u)
#define MAC_VERSION_PLIST "/System/Library/CoreServices/SystemVersion.plist"

static int is_live(const char *root)
{
    return !root || !*root || strcmp(root, "/") == 0;
}

static char *read_small(const char *root, const char *path)
{
    char *data = NULL;
    size_t len = 0;
    if (sos_rootfs_read(root, path, SMALL_FILE, &data, &len) < 0)
        return NULL;
    return data;
}

static int exists_under(const char *root, const char *path)
{
    char *resolved = NULL;
    int rc = sos_rootfs_resolve(root, path, 0, &resolved);
    free(resolved);
    return rc == 0;
}

static void copy_field(char *dst, size_t size, const char *src)
{
    /* Long values are cut: these are labels, not data to act on. */
    snprintf(dst, size, "%.*s", (int)size - 1, src && *src ? src : "unknown");
}

static void trim_line(char *s)
{
    size_t len = strcspn(s, "\r\n");
    s[len] = '\0';
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        s[--len] = '\0';
}

/* os-release values may be quoted; only the simple forms matter here. */
static int os_release_value(const char *data, const char *key, char *out,
                            size_t size)
{
    size_t key_len = strlen(key);
    for (const char *line = data; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len > key_len && strncmp(line, key, key_len) == 0 &&
            line[key_len] == '=') {
            const char *v = line + key_len + 1;
            size_t vlen = len - key_len - 1;
            if (vlen >= 2 && (v[0] == '"' || v[0] == '\'') && v[vlen - 1] == v[0]) {
                v++;
                vlen -= 2;
            }
            snprintf(out, size, "%.*s", (int)vlen, v);
            return 1;
        }
        line = end ? end + 1 : NULL;
    }
    return 0;
}

static void read_os_release(const char *root, struct sos_host *h)
{
    char *data = read_small(root, "/etc/os-release");
    if (!data)
        data = read_small(root, "/usr/lib/os-release");
    if (!data)
        return;
    if (!os_release_value(data, "PRETTY_NAME", h->os_name, sizeof h->os_name))
        os_release_value(data, "NAME", h->os_name, sizeof h->os_name);
    os_release_value(data, "VERSION_ID", h->os_version, sizeof h->os_version);
    free(data);
}

static void plist_string(plist_t dict, const char *key, char *out, size_t size)
{
    plist_t node = plist_dict_get_item(dict, key);
    uint64_t len = 0;
    const char *value;
    if (!node || plist_get_node_type(node) != PLIST_STRING)
        return;
    /* Not plist_get_string_val(): libplist 2.2 aborts the process on a
     * string holding a NUL byte. Such a value is no version: left unset. */
    value = plist_get_string_ptr(node, &len);
    if (value && !memchr(value, '\0', (size_t)len))
        snprintf(out, size, "%.*s", (int)(len < size ? len : size), value);
}

int sos_plist_file_string(const char *root, const char *path, const char *key, char *out,
                          size_t size)
{
    char *data = NULL;
    size_t len = 0;
    plist_t dict = NULL;
    out[0] = '\0';
    if (sos_rootfs_read(root, path, SMALL_FILE, &data, &len) < 0)
        return -1;
    plist_from_memory(data, (uint32_t)len, &dict);
    free(data);
    if (dict && plist_get_node_type(dict) == PLIST_DICT)
        plist_string(dict, key, out, size);
    if (dict)
        plist_free(dict);
    return out[0] ? 0 : -1;
}

/* SystemVersion.plist may be XML or binary; libplist reads both and gives a
 * NULL root (not always an error code) when it cannot. */
static int read_mac_version(const char *root, struct sos_host *h)
{
    char *data = NULL;
    size_t len = 0;
    plist_t dict = NULL;
    if (sos_rootfs_read(root, MAC_VERSION_PLIST, SMALL_FILE, &data, &len) < 0)
        return 0;
    plist_from_memory(data, (uint32_t)len, &dict);
    free(data);
    if (dict && plist_get_node_type(dict) == PLIST_DICT) {
        char name[64] = "", version[64] = "";
        plist_string(dict, "ProductName", name, sizeof name);
        plist_string(dict, "ProductVersion", version, sizeof version);
        snprintf(h->os_name, sizeof h->os_name, "%s %s", name, version);
        trim_line(h->os_name);
        snprintf(h->os_version, sizeof h->os_version, "%s", version);
    }
    if (dict)
        plist_free(dict);
    return 1;
}

/* WSL kernels say so in their release: "...-microsoft-standard-WSL2". */
static int wsl_generation(const char *kernel)
{
    char lower[128];
    size_t i;
    for (i = 0; kernel[i] && i < sizeof lower - 1; i++)
        lower[i] = (char)tolower((unsigned char)kernel[i]);
    lower[i] = '\0';
    if (!strstr(lower, "microsoft"))
        return 0;
    return strstr(lower, "wsl2") || strstr(lower, "microsoft-standard") ? 2 : 1;
}

static void set_os(struct sos_host *h, unsigned mask)
{
    h->os_mask = mask;
    copy_field(h->os, sizeof h->os, sos_os_name(mask));
}

static int in_container(const char *root, int live)
{
    char *cgroup;
    int found;
    if (exists_under(root, "/.dockerenv") ||
        exists_under(root, "/run/.containerenv"))
        return 1;
    if (!live)
        return 0;
    if (getenv("container"))
        return 1;
    cgroup = read_small(NULL, "/proc/1/cgroup");
    found = cgroup && (strstr(cgroup, "docker") || strstr(cgroup, "libpod") ||
                       strstr(cgroup, "kubepods") || strstr(cgroup, "containerd"));
    free(cgroup);
    return found;
}

static void detect_live(struct sos_host *h)
{
    struct utsname u;
    char *osrelease;
    if (uname(&u) == 0) {
        copy_field(h->arch, sizeof h->arch, u.machine);
        copy_field(h->kernel, sizeof h->kernel, u.release);
        copy_field(h->hostname, sizeof h->hostname, u.nodename);
        if (strcmp(u.sysname, "Darwin") == 0) {
            set_os(h, SOS_OS_MACOS);
            read_mac_version(NULL, h);
            return;
        }
        if (strcmp(u.sysname, "Linux") != 0)
            return;
    }
    osrelease = read_small(NULL, "/proc/sys/kernel/osrelease");
    if (osrelease)
        trim_line(osrelease);
    h->wsl = wsl_generation(osrelease ? osrelease : h->kernel);
    free(osrelease);
    set_os(h, h->wsl ? SOS_OS_WSL : SOS_OS_LINUX);
    read_os_release(NULL, h);
}

static void detect_tree(const char *root, struct sos_host *h)
{
    char *osrelease = read_small(root, "/proc/sys/kernel/osrelease");
    char *hostname = read_small(root, "/etc/hostname");
    if (osrelease) {
        trim_line(osrelease);
        copy_field(h->kernel, sizeof h->kernel, osrelease);
        h->wsl = wsl_generation(osrelease);
    }
    if (hostname) {
        trim_line(hostname);
        copy_field(h->hostname, sizeof h->hostname, hostname);
    }
    free(osrelease);
    free(hostname);
    if (read_mac_version(root, h)) {
        set_os(h, SOS_OS_MACOS);
    } else if (exists_under(root, "/Windows/System32")) {
        set_os(h, SOS_OS_WINDOWS);
        copy_field(h->os_name, sizeof h->os_name, "Windows");
    } else if (exists_under(root, "/etc/os-release") ||
               exists_under(root, "/usr/lib/os-release")) {
        set_os(h, h->wsl ? SOS_OS_WSL : SOS_OS_LINUX);
        read_os_release(root, h);
    }
}

void sos_host_detect(const char *root, struct sos_host *out)
{
    int live = is_live(root);
    memset(out, 0, sizeof *out);
    copy_field(out->os, sizeof out->os, NULL);
    copy_field(out->os_name, sizeof out->os_name, NULL);
    copy_field(out->os_version, sizeof out->os_version, NULL);
    copy_field(out->arch, sizeof out->arch, NULL);
    copy_field(out->kernel, sizeof out->kernel, NULL);
    copy_field(out->hostname, sizeof out->hostname, NULL);
    if (live)
        detect_live(out);
    else
        detect_tree(root, out);
    out->container = in_container(live ? NULL : root, live);
    out->root = geteuid() == 0;
    out->uid = (long)getuid();
    out->tree = !live;
}

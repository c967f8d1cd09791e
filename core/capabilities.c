#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capabilities.h"
#include "trust.h"

#define ALLOW_MAX (64 * 1024)

/* Linux's capabilities (capability.h, 6.x), without the CAP_ prefix. */
static const char *const known[] = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
    "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",
    "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE",
    "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME",
    "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
    "PERFMON", "BPF", "CHECKPOINT_RESTORE", NULL,
};

int sos_cap_normalize(const char *in, char *out, size_t size)
{
    char name[64];
    size_t len;
    if (!in)
        return -1;
    if (strncasecmp(in, "cap_", 4) == 0)
        in += 4;
    len = strlen(in);
    if (len == 0 || len >= sizeof name)
        return -1;
    for (size_t i = 0; i <= len; i++)
        name[i] = (char)toupper((unsigned char)in[i]);
    for (const char *const *k = known; *k; k++)
        if (strcmp(*k, name) == 0)
            return (size_t)snprintf(out, size, "CAP_%s", name) < size ? 0 : -1;
    return -1;
}

void sos_cap_strings_free(struct sos_agent_strings *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static int add(struct sos_agent_strings *s, const char *cap)
{
    char **grown = realloc(s->v, (s->n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    s->v = grown;
    return (s->v[s->n] = strdup(cap)) ? (int)(s->n++, 0) : -1;
}

static int parse_lines(const char *path, char *text, struct sos_agent_strings *out,
                       sos_error *err)
{
    int line = 0;
    for (char *p = text, *next; p && *p; p = next) {
        char *end, cap[64];
        next = strchr(p, '\n');
        if (next)
            *next++ = '\0';
        line++;
        if ((end = strchr(p, '#')) != NULL)
            *end = '\0';
        while (isspace((unsigned char)*p))
            p++;
        end = p + strlen(p);
        while (end > p && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (!*p)
            continue;
        if (sos_cap_normalize(p, cap, sizeof cap) != 0)
            return sos_fail(err, "%s:%d: '%.64s' is not a Linux capability", path, line, p);
        if (add(out, cap) != 0)
            return sos_fail(err, "out of memory");
    }
    return 0;
}

int sos_cap_allowlist_load(const char *config_dir, struct sos_agent_strings *out,
                           sos_error *err)
{
    char path[4096], *text;
    struct stat st;
    ssize_t n;
    int fd, rc;
    out->v = NULL;
    out->n = 0;
    snprintf(path, sizeof path, "%s/capabilities.allow", config_dir);
    if (lstat(path, &st) != 0 && errno == ENOENT)
        return 0; /* none allowed */
    if ((fd = sos_trust_open_file(path, err)) < 0)
        return -1;
    if (fstat(fd, &st) != 0 || st.st_uid != 0) {
        close(fd);
        return sos_fail(err, "%s must be owned by root: it grants system agents privileges "
                             "(sudo chown root -- %s)",
                        path, path);
    }
    if (!(text = malloc(ALLOW_MAX + 1))) {
        close(fd);
        return sos_fail(err, "out of memory");
    }
    n = read(fd, text, ALLOW_MAX);
    close(fd);
    if (n < 0) {
        free(text);
        return sos_fail(err, "%s: %s", path, strerror(errno));
    }
    text[n] = '\0';
    rc = parse_lines(path, text, out, err);
    free(text);
    if (rc != 0)
        sos_cap_strings_free(out);
    return rc;
}

int sos_cap_check(const struct sos_agent_model *m, const struct sos_agent_strings *allowed,
                  const char *config_dir, sos_error *err)
{
    for (size_t i = 0; i < m->capabilities.n; i++) {
        int ok = 0;
        for (size_t k = 0; allowed && k < allowed->n && !ok; k++)
            ok = strcmp(m->capabilities.v[i], allowed->v[k]) == 0;
        if (!ok)
            return sos_fail(err, "capability %s is not in %s/capabilities.allow: refused, "
                                 "nothing is staged or installed (an administrator lists it "
                                 "there, one name a line, in a file only root can change)",
                            m->capabilities.v[i], config_dir ? config_dir : "(the config directory)");
    }
    return 0;
}

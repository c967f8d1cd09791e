/* nix-gen: pure helpers on names and links. Generation link names, store
 * path shapes, and resolving a symlink chain under a root one hop at a time
 * (the plugin reports the chain itself, which a plain realpath() loses).
 * Everything here takes hostile input: link targets and names come from the
 * analysed tree. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nix.h"

/* snprintf that cuts silently (lengths are checked before it matters);
 * links.c is compiled alone into its unit test, so it has its own. */
static void put(char *out, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void put(char *out, size_t size, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(out, size, format, ap);
    va_end(ap);
}

/* Nix's base32 alphabet: digits and lower-case letters without e, o, u, t. */
static const char nix_base32[] = "0123456789abcdfghijklmnpqrsvwxyz";

int nix_generation_name(const char *name, char *profile, size_t size,
                        unsigned long *number)
{
    static const char suffix[] = "-link";
    size_t len = strlen(name), slen = sizeof suffix - 1, digits = 0;
    const char *end, *start;
    unsigned long n = 0;
    if (len <= slen + 2 || strcmp(name + len - slen, suffix) != 0 || strchr(name, '/'))
        return -1;
    end = name + len - slen; /* one past the number's last digit */
    start = end;
    while (start > name && start[-1] >= '0' && start[-1] <= '9')
        start--;
    digits = (size_t)(end - start);
    /* Nine digits at most (so no overflow) and no leading zero: Nix counts
     * from 1 and writes plain decimals. */
    if (digits == 0 || digits > 9 || *start == '0' || start - name < 2 || start[-1] != '-')
        return -1;
    for (const char *c = start; c < end; c++)
        n = n * 10 + (unsigned long)(*c - '0');
    if (n > NIX_MAX_GENERATION)
        return -1;
    if (profile) {
        size_t plen = (size_t)(start - 1 - name);
        if (plen >= size)
            return -1;
        memcpy(profile, name, plen);
        profile[plen] = '\0';
    }
    *number = n;
    return 0;
}

/* Characters Nix allows in a store path's name. */
static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("+-._?=", c) != NULL;
}

size_t nix_store_element(const char *path)
{
    static const char prefix[] = NIX_STORE_DIR "/";
    size_t plen = sizeof prefix - 1, name_len = 0;
    const char *hash = path + plen, *name;
    if (strncmp(path, prefix, plen) != 0)
        return 0;
    for (size_t i = 0; i < NIX_HASH_LEN; i++)
        if (!hash[i] || !strchr(nix_base32, hash[i]))
            return 0;
    if (hash[NIX_HASH_LEN] != '-')
        return 0;
    name = hash + NIX_HASH_LEN + 1;
    while (name[name_len] && name[name_len] != '/') {
        if (!is_name_char(name[name_len]) || ++name_len > NIX_NAME_MAX)
            return 0;
    }
    if (name_len == 0 || name[0] == '.')
        return 0;
    return (size_t)(name + name_len - path);
}

enum nix_target nix_classify_target(const char *target)
{
    const char *base = strrchr(target, '/');
    unsigned long n;
    if (!*target)
        return NIX_TARGET_INVALID;
    for (const char *c = target; *c; c++)
        if ((unsigned char)*c < ' ' || *c == 0x7f)
            return NIX_TARGET_INVALID;
    if (nix_store_element(target))
        return NIX_TARGET_STORE;
    if (nix_generation_name(base ? base + 1 : target, NULL, 0, &n) == 0)
        return NIX_TARGET_GENERATION;
    return target[0] == '/' ? NIX_TARGET_ABSOLUTE : NIX_TARGET_RELATIVE;
}

/* ---- resolving a chain --------------------------------------------------- */

static enum nix_chain_end chain_stop(struct nix_chain *c, enum nix_chain_end end,
                                     const char *where)
{
    c->end = end;
    if (where)
        put(c->resolved, sizeof c->resolved, "%s", where);
    return end;
}

/* Takes the next component off the front of REST into COMP; 0 when none. */
static int next_component(char *rest, char *comp, size_t size)
{
    char *start = rest, *slash;
    size_t len;
    while (*start == '/')
        start++;
    if (!*start) {
        rest[0] = '\0';
        return 0;
    }
    slash = strchr(start, '/');
    len = slash ? (size_t)(slash - start) : strlen(start);
    if (len >= size)
        len = size - 1; /* cannot happen: REST is shorter than COMP's size */
    memcpy(comp, start, len);
    comp[len] = '\0';
    start += len;
    while (*start == '/')
        start++; /* so the same way to go is always the same string */
    memmove(rest, start, strlen(start) + 1);
    return 1;
}

/* A chain that reaches the same link with the same way still to go has
 * come round: resolving is deterministic, so it would never end. */
static int seen_before(const struct nix_chain *c, const char *link, const char *rest)
{
    for (size_t i = 0; i < c->n_hops; i++)
        if (!strcmp(c->hops[i].link, link) && !strcmp(c->hops[i].rest, rest))
            return 1;
    return 0;
}

/* Follows the link at CANDIDATE: records the hop and puts its target in
 * front of REST. DONE restarts at the root for an absolute target. */
static enum nix_chain_end follow_link(int root_fd, struct nix_chain *c,
                                      const char *candidate, char *done, char *rest)
{
    struct nix_hop *hop;
    char target[NIX_PATH_MAX];
    ssize_t n;
    if (c->n_hops == NIX_MAX_HOPS)
        return chain_stop(c, NIX_CHAIN_TOO_MANY, candidate);
    n = readlinkat(root_fd, candidate + 1, target, sizeof target);
    if (n < 0) {
        c->err_no = errno;
        if (errno == EACCES)
            return chain_stop(c, NIX_CHAIN_DENIED, done[0] ? done : "/");
        return chain_stop(c, NIX_CHAIN_IO, candidate);
    }
    if ((size_t)n >= sizeof target)
        return chain_stop(c, NIX_CHAIN_TOO_LONG, candidate);
    target[n] = '\0';
    if (n == 0 || strlen(target) != (size_t)n)
        return chain_stop(c, NIX_CHAIN_INVALID, candidate);
    if (seen_before(c, candidate, rest))
        return chain_stop(c, NIX_CHAIN_LOOP, candidate);
    hop = &c->hops[c->n_hops++];
    put(hop->link, sizeof hop->link, "%s", candidate);
    put(hop->target, sizeof hop->target, "%s", target);
    put(hop->rest, sizeof hop->rest, "%s", rest);
    if (strlen(target) + 1 + strlen(rest) >= NIX_PATH_MAX)
        return chain_stop(c, NIX_CHAIN_TOO_LONG, candidate);
    put(rest, NIX_PATH_MAX, "%s%s%s", target, hop->rest[0] ? "/" : "", hop->rest);
    if (target[0] == '/')
        done[0] = '\0';
    return NIX_CHAIN_OK;
}

enum nix_chain_end nix_resolve(int root_fd, const char *path, struct nix_chain *c)
{
    char done[NIX_PATH_MAX] = "", rest[NIX_PATH_MAX], comp[NIX_PATH_MAX];
    memset(c, 0, sizeof *c);
    if (path[0] != '/')
        return chain_stop(c, NIX_CHAIN_INVALID, path);
    if (strlen(path) >= sizeof rest)
        return chain_stop(c, NIX_CHAIN_TOO_LONG, NULL);
    put(rest, sizeof rest, "%s", path);
    while (next_component(rest, comp, sizeof comp)) {
        char candidate[NIX_PATH_MAX];
        struct stat st;
        if (!strcmp(comp, "."))
            continue;
        if (!strcmp(comp, "..")) {
            char *slash = strrchr(done, '/');
            if (!slash)
                return chain_stop(c, NIX_CHAIN_ESCAPE, "/..");
            *slash = '\0';
            continue;
        }
        if (strlen(done) + 1 + strlen(comp) >= sizeof candidate)
            return chain_stop(c, NIX_CHAIN_TOO_LONG, done);
        put(candidate, sizeof candidate, "%s/%s", done, comp);
        if (fstatat(root_fd, candidate + 1, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            c->err_no = errno;
            /* DONE was looked at, so it is the directory this user may not
             * search: whether CANDIDATE exists is not known. */
            if (errno == EACCES)
                return chain_stop(c, NIX_CHAIN_DENIED, done[0] ? done : "/");
            return chain_stop(c, errno == ENOENT || errno == ENOTDIR ? NIX_CHAIN_MISSING
                                                                     : NIX_CHAIN_IO,
                              candidate);
        }
        if (S_ISLNK(st.st_mode)) {
            if (follow_link(root_fd, c, candidate, done, rest) != NIX_CHAIN_OK)
                return c->end;
            continue;
        }
        put(done, sizeof done, "%s", candidate);
    }
    return chain_stop(c, NIX_CHAIN_OK, done[0] ? done : "/");
}

size_t nix_chain_store_path(const struct nix_chain *c, char *out, size_t size)
{
    const char *from = c->resolved;
    size_t len = nix_store_element(from);
    for (size_t i = c->n_hops; !len && i-- > 0;) {
        from = c->hops[i].target;
        len = nix_store_element(from);
    }
    put(out, size, "%.*s", (int)len, from);
    return len < size ? len : 0;
}

const char *nix_chain_end_text(enum nix_chain_end end)
{
    switch (end) {
    case NIX_CHAIN_OK:
        return "resolves";
    case NIX_CHAIN_MISSING:
        return "leads to a path that does not exist";
    case NIX_CHAIN_ESCAPE:
        return "climbs out of the root with ..";
    case NIX_CHAIN_LOOP:
        return "is a symlink loop";
    case NIX_CHAIN_TOO_MANY:
        return "follows too many symlinks";
    case NIX_CHAIN_TOO_LONG:
        return "is too long";
    case NIX_CHAIN_INVALID:
        return "is not an absolute path, or holds an empty link";
    case NIX_CHAIN_IO:
        return "cannot be read";
    case NIX_CHAIN_DENIED:
        return "cannot be read (permission denied)";
    }
    return "?";
}

int nix_parse_deriver(const char *out, size_t len, char *deriver, size_t size)
{
    const char *nl = memchr(out, '\n', len);
    size_t line = nl ? (size_t)(nl - out) : len;
    static const char unknown[] = "unknown-deriver";
    if (line == 0 || line >= size || memchr(out, '\0', line))
        return -1;
    memcpy(deriver, out, line);
    deriver[line] = '\0';
    if (!strcmp(deriver, unknown))
        return 0;
    if (line > 4 && nix_store_element(deriver) == line && !strcmp(deriver + line - 4, ".drv"))
        return 0;
    deriver[0] = '\0';
    return -1;
}

/* systemd: reads a unit file and its drop-ins as systemd does, keeping the
 * file and line of every assignment so findings can point at it. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "systemd.h"

/* Sections systemd reads in a unit of KIND; X-* sections are for other
 * tools and systemd ignores them, so they are never unknown. */
static int section_known(const char *kind, const char *name)
{
    static const char *const kinds[] = {"service", "socket", "timer", "path",
                                        "mount", "automount", "swap", "slice",
                                        "scope", NULL};
    if (strncmp(name, "X-", 2) == 0 || strcmp(name, "Unit") == 0 ||
        strcmp(name, "Install") == 0)
        return 1;
    for (size_t i = 0; kinds[i]; i++) {
        /* [Service] belongs to .service, [Socket] to .socket, ... */
        if (strcmp(kind, kinds[i]) == 0 && strlen(name) == strlen(kinds[i]) &&
            (name[0] | 0x20) == kinds[i][0] && strcmp(name + 1, kinds[i] + 1) == 0)
            return 1;
    }
    return 0;
}

static char *trimmed_copy(const char *start, const char *end)
{
    char *out;
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    out = malloc((size_t)(end - start) + 1);
    if (out) {
        memcpy(out, start, (size_t)(end - start));
        out[end - start] = '\0';
    }
    return out;
}

static int add_setting(struct unit *u, const char *section, const char *line,
                       const char *eq, const char *file, int lineno)
{
    struct unit_setting *s;
    if (u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 32;
        struct unit_setting *grown = realloc(u->settings, cap * sizeof *grown);
        if (!grown)
            return -1;
        u->settings = grown;
        u->cap = cap;
    }
    s = &u->settings[u->n];
    s->section = strdup(section);
    s->key = trimmed_copy(line, eq);
    s->value = trimmed_copy(eq + 1, eq + strlen(eq));
    s->file = file;
    s->line = lineno;
    if (!s->section || !s->key || !s->value) {
        free(s->section);
        free(s->key);
        free(s->value);
        return -1;
    }
    u->n++;
    return 0;
}

/* One logical line (continuations joined) of FILE starting at LINENO. */
static void parse_line(sourceos_ctx *ctx, struct verdict *v, struct unit *u,
                       char *section, size_t section_size, const char *text,
                       const char *file, int lineno)
{
    const char *eq;
    while (*text == ' ' || *text == '\t')
        text++;
    if (*text == '\0' || *text == '#' || *text == ';')
        return;
    if (*text == '[') {
        const char *close = strchr(text, ']');
        size_t len = close ? (size_t)(close - text - 1) : 0;
        if (!close || len == 0 || len >= section_size || close[1 + strspn(close + 1, " \t")]) {
            systemd_note(ctx, v, file, lineno, "systemd.syntax", SOURCEOS_SEV_WARNING,
                         "not a section header: %.120s", text);
            section[0] = '\0';
            return;
        }
        memcpy(section, text + 1, len);
        section[len] = '\0';
        if (!section_known(u->kind, section))
            systemd_note(ctx, v, file, lineno, "systemd.unknown-section",
                         SOURCEOS_SEV_WARNING,
                         "unknown section [%s] in a .%s unit: systemd ignores "
                         "everything in it", section, u->kind);
        return;
    }
    eq = strchr(text, '=');
    if (!eq || eq == text) {
        systemd_note(ctx, v, file, lineno, "systemd.syntax", SOURCEOS_SEV_WARNING,
                     "not a Key=Value line: %.120s", text);
        return;
    }
    if (section[0] == '\0') {
        systemd_note(ctx, v, file, lineno, "systemd.syntax", SOURCEOS_SEV_WARNING,
                     "assignment outside of any section (systemd ignores it): %.120s",
                     text);
        return;
    }
    if (add_setting(u, section, text, eq, file, lineno) != 0)
        systemd_note(ctx, v, file, lineno, "systemd.out-of-memory",
                     SOURCEOS_SEV_CRITICAL, "out of memory");
}

/* Splits DATA into lines and joins a line ending in a backslash with the
 * next one (with a space, as systemd does); comment lines inside such a
 * continuation are skipped, also as systemd does. */
static void parse_text(sourceos_ctx *ctx, struct verdict *v, struct unit *u,
                       char *data, size_t len, const char *file)
{
    char section[256] = "";
    char *logical = NULL;
    size_t logical_len = 0;
    int start_line = 0, lineno = 0;
    char *p = data, *end = data + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        size_t n;
        int continues;
        lineno++;
        if (eol > p && eol[-1] == '\r')
            eol--;
        if (logical && (p[strspn(p, " \t")] == '#' || p[strspn(p, " \t")] == ';')) {
            p = nl ? nl + 1 : end;
            continue;
        }
        continues = eol > p && eol[-1] == '\\';
        n = (size_t)(eol - p) - (continues ? 1 : 0);
        {
            char *grown = realloc(logical, logical_len + n + 2);
            if (!grown)
                break;
            logical = grown;
        }
        if (logical_len == 0)
            start_line = lineno;
        else
            logical[logical_len++] = ' ';
        memcpy(logical + logical_len, p, n);
        logical_len += n;
        logical[logical_len] = '\0';
        if (!continues) {
            parse_line(ctx, v, u, section, sizeof section, logical, file, start_line);
            logical_len = 0;
            logical[0] = '\0';
        }
        p = nl ? nl + 1 : end;
    }
    if (logical && logical_len > 0) /* a backslash on the last line */
        parse_line(ctx, v, u, section, sizeof section, logical, file, start_line);
    free(logical);
}

/* Reads FILE; a file that cannot be used is a finding. */
static int read_unit_file(sourceos_ctx *ctx, struct verdict *v, const char *file,
                          int stale_link, int is_dropin, char **out, size_t *out_len)
{
    const char *data;
    size_t len;
    int rc = sourceos_read_file(ctx, file, SYSTEMD_MAX_UNIT_BYTES, &data, &len);
    sourceos_finding *f;
    if (rc == -ENOENT && stale_link) {
        f = systemd_note(ctx, v, file, 0, "systemd.unit-stale-link", SOURCEOS_SEV_WARNING,
                         "symlink to a unit that does not exist (stale enablement)");
        sourceos_finding_remediation(f, "Remove the link, or reinstall the unit it names.");
        return -1;
    }
    if (rc == -ENOENT) {
        f = systemd_note(ctx, v, file, 0, "systemd.unit-missing",
                         is_dropin ? SOURCEOS_SEV_WARNING : SOURCEOS_SEV_CRITICAL,
                         "no such unit file");
        sourceos_finding_remediation(f, "Install the unit where it is declared, or fix the path.");
        return -1;
    }
    if (rc == -EXDEV) {
        f = systemd_note(ctx, v, file, 0, "systemd.unit-outside-root", SOURCEOS_SEV_WARNING,
                         "a symlink leading out of the analysed root: not followed");
        sourceos_finding_remediation(f, "Copy the real file into the tree to analyse it.");
        return -1;
    }
    if (rc < 0) {
        f = systemd_note(ctx, v, file, 0, "systemd.unit-unreadable", SOURCEOS_SEV_WARNING,
                         "cannot be read: %s", strerror(-rc));
        sourceos_finding_remediation(f, rc == -EISDIR
                                            ? "Remove the directory that has a unit's name."
                                            : "Make the unit a readable regular file.");
        return -1;
    }
    if (rc == 1) {
        f = systemd_note(ctx, v, file, 0, "systemd.unit-too-large", SOURCEOS_SEV_WARNING,
                         "larger than %u bytes: not analysed", SYSTEMD_MAX_UNIT_BYTES);
        sourceos_finding_remediation(f, "Look at it: a unit file is a few lines of text.");
        return -1;
    }
    if (memchr(data, '\0', len)) {
        f = systemd_note(ctx, v, file, 0, "systemd.unit-binary", SOURCEOS_SEV_WARNING,
                         "contains NUL bytes: not a text unit file");
        sourceos_finding_remediation(f, "Look at it and replace it with the text unit it should be.");
        return -1;
    }
    /* A private copy: the parser writes nothing into it, but keeps it simple
     * to hand around as char *. */
    *out = malloc(len + 1);
    if (!*out)
        return -1;
    memcpy(*out, data, len + 1);
    *out_len = len;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The drop-ins PATH.d/\*.conf in name order, the order systemd applies them. */
static size_t list_dropins(sourceos_ctx *ctx, const char *path, char **names, size_t max)
{
    char dir[4200];
    const char *host;
    DIR *d;
    struct dirent *e;
    size_t n = 0;
    plugin_textf(dir, sizeof dir, "%s.d", path);
    host = sourceos_host_path(ctx, dir);
    if (!host || !(d = opendir(host)))
        return 0;
    while ((e = readdir(d)) && n < max) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".conf") == 0 && e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
        if (n && !names[n - 1])
            n--;
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    return n;
}

static int parse_file(sourceos_ctx *ctx, struct verdict *v, struct unit *u,
                      const char *file, int stale_link, int is_dropin)
{
    char *data;
    size_t len;
    char *copy;
    if (u->n_files >= sizeof u->files / sizeof u->files[0])
        return -1;
    if (read_unit_file(ctx, v, file, stale_link, is_dropin, &data, &len) != 0)
        return -1;
    if (!(copy = strdup(file))) {
        free(data);
        return -1;
    }
    u->files[u->n_files++] = copy;
    parse_text(ctx, v, u, data, len, copy);
    free(data);
    return 0;
}

int unit_load(sourceos_ctx *ctx, struct verdict *v, const char *path,
              int stale_link, struct unit *u)
{
    char *names[SYSTEMD_MAX_DROPINS];
    size_t n;
    const char *dot;
    memset(u, 0, sizeof *u);
    plugin_textf(u->path, sizeof u->path, "%s", path);
    dot = strrchr(path, '.');
    u->kind = dot && !strchr(dot, '/') ? dot + 1 : "service";
    if (parse_file(ctx, v, u, path, stale_link, 0) != 0)
        return -1;
    n = list_dropins(ctx, path, names, SYSTEMD_MAX_DROPINS);
    for (size_t i = 0; i < n; i++) {
        char file[4400];
        plugin_textf(file, sizeof file, "%s.d/%s", path, names[i]);
        parse_file(ctx, v, u, file, 0, 1);
        free(names[i]);
    }
    return 0;
}

void unit_free(struct unit *u)
{
    for (size_t i = 0; i < u->n; i++) {
        free(u->settings[i].section);
        free(u->settings[i].key);
        free(u->settings[i].value);
    }
    free(u->settings);
    for (size_t i = 0; i < u->n_files; i++)
        free(u->files[i]);
    memset(u, 0, sizeof *u);
}

static int matches(const struct unit_setting *s, const char *section, const char *key)
{
    return strcmp(s->section, section) == 0 && strcmp(s->key, key) == 0;
}

const struct unit_setting *unit_get(const struct unit *u, const char *section,
                                    const char *key)
{
    for (size_t i = u->n; i-- > 0;)
        if (matches(&u->settings[i], section, key))
            return u->settings[i].value[0] ? &u->settings[i] : NULL;
    return NULL;
}

size_t unit_list(const struct unit *u, const char *section, const char *key,
                 const struct unit_setting **out, size_t max)
{
    size_t first = 0, n = 0;
    for (size_t i = 0; i < u->n; i++)
        if (matches(&u->settings[i], section, key) && u->settings[i].value[0] == '\0')
            first = i + 1; /* an empty assignment resets the list */
    for (size_t i = first; i < u->n; i++)
        if (matches(&u->settings[i], section, key)) {
            if (n < max)
                out[n] = &u->settings[i];
            n++;
        }
    return n;
}

/* ---- values ------------------------------------------------------------ */

static uint64_t unit_multiplier(const char *unit, size_t len)
{
    static const struct {
        const char *name;
        uint64_t usec;
    } units[] = {
        {"usec", 1}, {"us", 1}, {"\xc2\xb5s", 1}, {"msec", 1000}, {"ms", 1000},
        {"seconds", 1000000}, {"second", 1000000}, {"sec", 1000000}, {"s", 1000000},
        {"minutes", 60000000}, {"minute", 60000000}, {"min", 60000000}, {"m", 60000000},
        {"hours", 3600000000ull}, {"hour", 3600000000ull}, {"hr", 3600000000ull},
        {"h", 3600000000ull}, {"days", 86400000000ull}, {"day", 86400000000ull},
        {"d", 86400000000ull}, {"weeks", 604800000000ull}, {"week", 604800000000ull},
        {"w", 604800000000ull}, {"months", 2629800000000ull},
        {"month", 2629800000000ull}, {"M", 2629800000000ull},
        {"years", 31557600000000ull}, {"year", 31557600000000ull},
        {"y", 31557600000000ull},
    };
    if (len == 0)
        return 1000000; /* a bare number is seconds */
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == len && memcmp(units[i].name, unit, len) == 0)
            return units[i].usec;
    return 0;
}

int systemd_parse_timespan(const char *text, uint64_t *usec)
{
    const char *p = text;
    uint64_t total = 0;
    int parts = 0;
    p += strspn(p, " \t");
    if (strcmp(p, "infinity") == 0) {
        *usec = SYSTEMD_INFINITY;
        return 0;
    }
    while (*p) {
        uint64_t whole = 0, mult;
        double frac = 0, scale = 0.1;
        const char *unit;
        if (*p < '0' || *p > '9')
            return -1;
        for (; *p >= '0' && *p <= '9'; p++) {
            if (whole > (UINT64_MAX - 9) / 10)
                return -1;
            whole = whole * 10 + (uint64_t)(*p - '0');
        }
        if (*p == '.')
            for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
                frac += (*p - '0') * scale;
        p += strspn(p, " \t");
        unit = p;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (unsigned char)*p >= 0x80)
            p++;
        mult = unit_multiplier(unit, (size_t)(p - unit));
        if (mult == 0 || (whole && whole > UINT64_MAX / mult) ||
            total > UINT64_MAX - whole * mult - (uint64_t)(frac * (double)mult))
            return -1;
        total += whole * mult + (uint64_t)(frac * (double)mult);
        parts++;
        p += strspn(p, " \t");
    }
    if (parts == 0)
        return -1;
    *usec = total;
    return 0;
}

size_t systemd_split_words(const char *text, char *buf, size_t size,
                           char **words, size_t max)
{
    size_t n = 0, used = 0;
    const char *p = text;
    while (n < max) {
        char quote = 0;
        p += strspn(p, " \t");
        if (!*p)
            break;
        words[n] = buf + used;
        while (*p && (quote || (*p != ' ' && *p != '\t'))) {
            char c = *p++;
            if (!quote && (c == '"' || c == '\'')) {
                quote = c;
                continue;
            }
            if (quote && c == quote) {
                quote = 0;
                continue;
            }
            if (c == '\\' && *p && quote != '\'')
                c = *p++;
            if (used + 1 < size)
                buf[used++] = c;
        }
        if (used >= size)
            break;
        buf[used++] = '\0';
        n++;
    }
    return n;
}

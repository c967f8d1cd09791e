/* wsl2: the settings of /etc/wsl.conf that decide what an agent can rely
 * on inside a distro: [boot] systemd (is systemd PID 1), [interop]
 * enabled (can Linux start Windows programs) and appendWindowsPath (is
 * the Windows PATH, with Docker Desktop's docker-credential-*.exe, on the
 * Linux PATH). WSL reads an INI file and ignores what it cannot parse, so
 * nothing here fails: a bad line is an issue with its number. */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wsl2.h"

#define CONF_LINE_MAX 1024

struct known_key {
    const char *section;
    const char *key;
    size_t field; /* offset of the struct wsl_conf_bool in struct wsl_conf */
};

static const struct known_key known_keys[] = {
    {"boot", "systemd", offsetof(struct wsl_conf, systemd)},
    {"interop", "enabled", offsetof(struct wsl_conf, interop)},
    {"interop", "appendWindowsPath", offsetof(struct wsl_conf, append_windows_path)},
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Trims S in place and returns its first non-space character. */
static char *trim(char *s)
{
    size_t n;
    while (is_space(*s))
        s++;
    n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

static void add_issue(struct wsl_conf *c, enum wsl_conf_issue_kind kind,
                      int line, const char *text)
{
    struct wsl_conf_issue *i;
    if (c->n_issues == WSL_CONF_MAX_ISSUES) {
        c->more_issues++;
        return;
    }
    i = &c->issues[c->n_issues++];
    i->kind = kind;
    i->line = line;
    /* The line is shown cut: enough to find it. */
    snprintf(i->text, sizeof i->text, "%.*s", (int)sizeof i->text - 1, text);
}

/* 1 for true, 0 for false, -1 for anything else; quotes are allowed. */
static int parse_bool(char *value)
{
    size_t n = strlen(value);
    if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
        value[n - 1] = '\0';
        value++;
    }
    if (!strcasecmp(value, "true"))
        return 1;
    if (!strcasecmp(value, "false"))
        return 0;
    return -1;
}

/* A '#' after a space starts a comment, as in `systemd=true  # for agents`. */
static void cut_comment(char *value)
{
    for (char *p = value; *p; p++)
        if (*p == '#' && p > value && is_space(p[-1])) {
            *p = '\0';
            return;
        }
}

static void read_assignment(struct wsl_conf *c, const char *section, char *line,
                            int number, const char *original)
{
    char *eq = strchr(line, '=');
    char *key, *value;
    if (!eq) {
        add_issue(c, WSL_CONF_SYNTAX, number, original);
        return;
    }
    *eq = '\0';
    key = trim(line);
    value = eq + 1;
    cut_comment(value);
    value = trim(value);
    for (size_t i = 0; i < sizeof known_keys / sizeof *known_keys; i++) {
        struct wsl_conf_bool *b;
        int v;
        if (strcasecmp(section, known_keys[i].section) ||
            strcasecmp(key, known_keys[i].key))
            continue;
        b = (struct wsl_conf_bool *)((char *)c + known_keys[i].field);
        if ((v = parse_bool(value)) < 0) {
            add_issue(c, WSL_CONF_NOT_BOOLEAN, number, original);
            return;
        }
        b->set = 1;
        b->value = v;
        b->line = number;
    }
}

static void read_line(struct wsl_conf *c, char *section, size_t section_size,
                      char *raw, int number)
{
    char original[CONF_LINE_MAX];
    char *line = trim(raw);
    size_t n = strlen(line);
    snprintf(original, sizeof original, "%s", line);
    if (!*line || *line == '#' || *line == ';')
        return;
    if (*line == '[') {
        if (line[n - 1] != ']' || n < 3) {
            add_issue(c, WSL_CONF_SYNTAX, number, original);
            return;
        }
        line[n - 1] = '\0';
        snprintf(section, section_size, "%s", trim(line + 1));
        return;
    }
    read_assignment(c, section, line, number, original);
}

void wsl_parse_conf(const char *text, size_t len, struct wsl_conf *out)
{
    const char *p = text, *end = text + len;
    char section[128] = "", line[CONF_LINE_MAX];
    int number = 0;
    memset(out, 0, sizeof *out);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        size_t n = (size_t)(stop - p);
        number++;
        if (memchr(p, '\0', n)) {
            add_issue(out, WSL_CONF_BINARY, number, "(a NUL byte)");
            return;
        }
        if (n >= sizeof line) {
            add_issue(out, WSL_CONF_SYNTAX, number, "(a line over 1 KiB)");
        } else {
            memcpy(line, p, n);
            line[n] = '\0';
            read_line(out, section, sizeof section, line, number);
        }
        p = stop + 1;
    }
}

int wsl_conf_value(const struct wsl_conf_bool *b, int dflt)
{
    return b->set ? b->value : dflt;
}

/* sourceos-agent status NAME and logs NAME: run the status profile
 * (core/status.c) through the runner, read the state directory, and print
 * the redacted document the core makes of both; logs -f follows the log
 * files (or a systemd agent's journal) with every line redacted. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "redact_run.h"
#include "session.h"
#include "signals.h"
#include "gen.h"
#include "stage.h"
#include "state.h"
#include "status.h"
#include "verbs.h"

/* How often -f looks for appended lines (ms). */
#define FOLLOW_POLL_MS 200
#define FOLLOW_MAX_FILES 3
#define FOLLOW_LINE_MAX 65536

/* One profile run for agent A: the session, run, and its results. */
struct profile_run {
    struct sos_agent agent;
    struct sos_session session;
    enum sos_agent_backend backend;
    char *yaml;
    char *command;
};

static const char *config_dir(const struct cli *cli)
{
    return cli->config_dir ? cli->config_dir : cli_default_config_dir();
}

static void profile_free(struct profile_run *p)
{
    sos_session_close(&p->session);
    sos_agent_free(&p->agent);
    free(p->yaml);
    free(p->command);
}

/* Loads NAME and runs the profile WHAT. 0, or an exit code after saying why. */
static int profile_run(struct cli *cli, const char *verb, const char *name, unsigned what,
                       unsigned lines, struct profile_run *p)
{
    struct sos_session_config c = {0};
    struct sos_runner_opts ro = {
        .root = cli->root,
        .offline = cli_offline(cli),
        .jobs = cli->jobs,
        .default_timeout = cli->timeout,
        .max_timeout = cli->timeout_given ? cli->timeout : 0,
    };
    struct sos_agent_model_opts mo;
    sos_error err;
    memset(p, 0, sizeof *p);
    if (cli_agent_model_opts(cli, &mo, &err) != 0 ||
        sos_agent_load_with(config_dir(cli), name, &mo, &p->agent, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    for (size_t i = 0; i < p->agent.model.warnings.n; i++)
        cli_error(cli, "warning: %s", p->agent.model.warnings.v[i]);
    p->backend = sos_status_backend(&p->agent.model);
    if (!(p->yaml = sos_status_profile(&p->agent, p->backend, what, lines, &err)) ||
        asprintf(&p->command, "%s %s", verb, name) < 0) {
        p->command = NULL;
        cli_error(cli, "%s", p->yaml ? "out of memory" : err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    c.config_dir = config_dir(cli);
    c.plugin_dir = cli->plugin_dir ? cli->plugin_dir : cli_default_plugin_dir();
    c.root = cli->root;
    c.scope = -1;
    c.command = p->command;
    c.agent = &p->agent;
    c.checks_yaml = p->yaml;
    c.checks_name = "status profile";
    if (sos_session_open(&p->session, &c, &err) != 0 ||
        sos_runner_run(&p->session.run, p->session.jobs, &ro, &err) != 0) {
        cli_error(cli, "%s", err.msg);
        return SOS_EXIT_UNDECIDED;
    }
    if (p->session.run.interrupted_by)
        return p->session.run.exit_code;
    return 0;
}

/* S, or "-" when the document has null there. */
static const char *s_of(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

/* ---- status ------------------------------------------------------------------- */

static void print_status_human(json_t *d)
{
    json_t *b = json_object_get(d, "backend"), *c = json_object_get(d, "container");
    json_t *img = json_object_get(d, "image"), *l = json_object_get(d, "logs");
    json_t *s = json_object_get(d, "state_dir"), *f;
    size_t i;
    printf("%s status: %s (%s)\n", s_of(d, "agent"), s_of(d, "lifecycle"), s_of(d, "verdict"));
    printf("- backend: %s %s: %s, state %s, pid %s, runs/restarts %s\n", s_of(b, "name"),
           s_of(b, "service"), s_of(b, "loaded"), s_of(b, "state"), s_of(b, "pid"),
           s_of(b, "runs"));
    printf("- last exit: code %s, reason %s\n", s_of(b, "last_exit_code"),
           s_of(b, "last_exit_reason"));
    if (json_is_object(c))
        printf("- container: %s %s, exit code %s, restarts %s, started %s\n", s_of(c, "name"),
               s_of(c, "state"), s_of(c, "exit_code"), s_of(c, "restarts"),
               s_of(c, "started_at"));
    if (json_is_object(img))
        printf("- image: %s, id %s, digest %s\n", s_of(img, "ref"), s_of(img, "id"),
               s_of(img, "digest"));
    printf("- auth: %s (%s)\n", s_of(d, "auth_mode"), s_of(d, "authfile"));
    printf("- logs: app %s, stdout %s, stderr %s\n", s_of(l, "app"), s_of(l, "stdout"),
           s_of(l, "stderr"));
    if (json_is_integer(json_object_get(s, "current")))
        printf("- generation: %lld current, made %s; installed: %s\n",
               (long long)json_integer_value(json_object_get(s, "current")),
               s_of(s, "current_made"), s_of(s, "installed"));
    else
        printf("- generation: none staged (%s); installed: %s\n", s_of(s, "path"),
               s_of(s, "installed"));
    json_array_foreach(json_object_get(d, "findings"), i, f) {
        printf("- %s %s: %s\n", s_of(f, "severity"), s_of(f, "code"), s_of(f, "message"));
        if (json_is_string(json_object_get(f, "remediation")))
            printf("  action: %s\n", s_of(f, "remediation"));
    }
}

int cli_agent_status(struct cli *cli, const char *name, json_t **doc, int *exit)
{
    struct profile_run p;
    struct sos_agent_model_opts mo;
    struct sos_state_view v;
    sos_error err, view_err;
    char *dir = NULL;
    int rc, view_ok;
    time_t now = time(NULL);
    *doc = NULL;
    *exit = SOS_EXIT_UNDECIDED;
    rc = profile_run(cli, "status", name, SOS_PROFILE_STATUS, 1, &p);
    if (rc != 0) {
        profile_free(&p);
        return rc;
    }
    if (cli_agent_model_opts(cli, &mo, &err) != 0 ||
        !(dir = cli_state_dir(cli, &p.agent.model, &mo, &err))) {
        cli_error(cli, "%s", err.msg);
        profile_free(&p);
        return SOS_EXIT_UNDECIDED;
    }
    view_ok = sos_state_read(dir, now, &v, &view_err) == 0;
    *doc = sos_status_json(&p.session.run, &p.agent, p.backend, dir, &v,
                           view_ok ? NULL : view_err.msg, now, exit);
    if (!*doc) {
        cli_error(cli, "out of memory: the status cannot be redacted, so it is not shown");
        rc = SOS_EXIT_UNDECIDED;
    }
    sos_state_view_free(&v);
    free(dir);
    profile_free(&p);
    return rc;
}

int cmd_status(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    json_t *doc;
    int exit, rc = cli_agent_status(cli, operands[0], &doc, &exit);
    (void)verb;
    if (rc != 0)
        return rc;
    if (cli->format == FORMAT_JSON)
        rc = cli_print_json(cli, doc);
    else
        print_status_human(doc);
    json_decref(doc);
    return rc == 0 ? exit : rc;
}

/* ---- logs ----------------------------------------------------------------------- */

static void print_logs_human(json_t *d)
{
    json_t *f;
    size_t i;
    printf("%s logs (%s)\n", s_of(d, "agent"), s_of(d, "backend"));
    printf("last exit reason: %s\n", s_of(d, "last_exit_reason"));
    json_array_foreach(json_object_get(d, "files"), i, f) {
        const char *tail = json_string_value(json_object_get(f, "tail"));
        printf("==> %s <==\n", s_of(f, "path"));
        if (strcmp(s_of(f, "code"), "logs.tail") != 0)
            printf("(%s)\n", s_of(f, "message"));
        else if (tail)
            fputs(tail, stdout);
    }
}

/* A followed file: where it was read to, and which file that was. */
struct followed {
    char *path;
    int fd;
    off_t offset;
    dev_t dev;
    ino_t ino;
    char *partial; /* a line not ended yet */
    size_t partial_len;
};

/* Lines printed one by one; a run of one line is said once with its count. */
struct printer {
    struct cli *cli;
    const struct sos_redactor *rd;
    const char *current; /* the file whose header was printed last */
    char *last;          /* the last line printed (redacted) */
    size_t repeats;      /* how often LAST came again since */
};

static void flush_repeats(struct printer *pr)
{
    if (pr->repeats) {
        printf("[previous line repeated %zu more times]\n", pr->repeats);
        pr->repeats = 0;
    }
    cli_flush_stdout(pr->cli);
}

static void print_line(struct printer *pr, const char *file, const char *line, size_t len)
{
    char *clean = sos_redact_text(pr->rd, line, len, NULL);
    if (!clean)
        return;
    if (pr->last && strcmp(pr->last, clean) == 0 && (!file || file == pr->current)) {
        pr->repeats++;
        free(clean);
        return;
    }
    flush_repeats(pr);
    if (file && file != pr->current) {
        printf("==> %s <==\n", file);
        pr->current = file;
    }
    printf("%s\n", clean);
    free(pr->last);
    pr->last = clean;
}

/* Feeds LEN new bytes of F to the printer, keeping a partial last line. */
static void feed(struct printer *pr, struct followed *f, const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (f->partial_len + n > FOLLOW_LINE_MAX)
            n = FOLLOW_LINE_MAX - f->partial_len; /* a runaway line is cut */
        char *grown = realloc(f->partial, f->partial_len + n + 1);
        if (!grown)
            return;
        f->partial = grown;
        memcpy(f->partial + f->partial_len, p, n);
        f->partial_len += n;
        if (!nl)
            break;
        print_line(pr, f->path, f->partial, f->partial_len);
        f->partial_len = 0;
        p = nl + 1;
    }
}

/* (Re)opens F when its path names another file now (rotation), or starts
 * over when it got shorter (truncation); then reads what was appended. */
static void poll_file(struct printer *pr, struct followed *f)
{
    struct stat st, cur;
    char buf[8192];
    ssize_t n;
    if (stat(f->path, &st) < 0 || !S_ISREG(st.st_mode))
        return; /* gone for now: rotation in progress */
    if (f->fd < 0 || st.st_dev != f->dev || st.st_ino != f->ino) {
        if (f->fd >= 0)
            close(f->fd);
        f->fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (f->fd < 0 || fstat(f->fd, &cur) < 0)
            return;
        f->dev = cur.st_dev;
        f->ino = cur.st_ino;
        f->offset = 0;
        f->partial_len = 0;
    } else if (st.st_size < f->offset) {
        f->offset = 0; /* truncated in place */
        f->partial_len = 0;
    }
    while ((n = pread(f->fd, buf, sizeof buf, f->offset)) > 0) {
        f->offset += n;
        feed(pr, f, buf, (size_t)n);
    }
}

/* Waits up to MS for a signal; its number, or 0. */
static int wait_signal(int ms)
{
    struct pollfd pfd = {sos_signals_fd(), POLLIN, 0};
    if (pfd.fd >= 0)
        poll(&pfd, 1, ms);
    return sos_signals_caught();
}

/* The files from their current end: what the tail already showed. */
static size_t open_followed(json_t *doc, struct followed *f)
{
    json_t *file;
    size_t i, n = 0;
    json_array_foreach(json_object_get(doc, "files"), i, file) {
        const char *code = s_of(file, "code");
        struct stat st;
        if (n >= FOLLOW_MAX_FILES || strcmp(code, "logs.unreadable") == 0)
            continue; /* refused by the check: not followed either */
        memset(&f[n], 0, sizeof f[n]);
        f[n].fd = -1;
        f[n].path = strdup(s_of(file, "path"));
        if (!f[n].path)
            continue;
        f[n].fd = open(f[n].path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (f[n].fd >= 0 && fstat(f[n].fd, &st) == 0) {
            f[n].dev = st.st_dev;
            f[n].ino = st.st_ino;
            f[n].offset = st.st_size;
        }
        n++;
    }
    return n;
}

static int follow_files(struct printer *pr, json_t *doc)
{
    struct followed f[FOLLOW_MAX_FILES];
    size_t n = open_followed(doc, f);
    int sig = 0;
    while (!(sig = wait_signal(FOLLOW_POLL_MS))) {
        for (size_t i = 0; i < n; i++)
            poll_file(pr, &f[i]);
        flush_repeats(pr);
    }
    for (size_t i = 0; i < n; i++) {
        if (f[i].fd >= 0)
            close(f[i].fd);
        free(f[i].path);
        free(f[i].partial);
    }
    return sig;
}

/* journalctl -f of the agent's unit, its output redacted line by line;
 * its process group is killed and reaped before returning. */
static int follow_journal(struct printer *pr, const struct sos_agent_model *m, const char *unit)
{
    const char *argv[] = {"journalctl", m->scope == SOS_SCOPE_USER ? "--user" : "-q", "-u", unit,
                          "-f", "-n", "0", "-o", "cat", NULL};
    struct followed f = {.path = NULL, .fd = -1};
    int out[2], sig = 0, status;
    char buf[8192];
    pid_t pid;
    if (pipe2(out, O_CLOEXEC) < 0)
        return -1;
    if ((pid = fork()) < 0) {
        close(out[0]);
        close(out[1]);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        sos_signals_child();
        dup2(out[1], STDOUT_FILENO);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    setpgid(pid, pid);
    close(out[1]);
    for (;;) {
        struct pollfd p[2] = {{out[0], POLLIN, 0}, {sos_signals_fd(), POLLIN, 0}};
        ssize_t n;
        poll(p, 2, -1);
        if ((sig = sos_signals_caught()))
            break;
        if (!(p[0].revents & (POLLIN | POLLHUP)))
            continue;
        if ((n = read(out[0], buf, sizeof buf)) <= 0)
            break;
        feed(pr, &f, buf, (size_t)n);
        flush_repeats(pr);
    }
    kill(-pid, SIGTERM);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    close(out[0]);
    free(f.partial);
    return sig;
}

/* Whether any of the document's files exists: else a systemd agent's
 * output is in its journal. */
static int any_file(json_t *doc)
{
    json_t *file;
    size_t i;
    json_array_foreach(json_object_get(doc, "files"), i, file)
        if (strcmp(s_of(file, "code"), "logs.tail") == 0)
            return 1;
    return 0;
}

static int follow(struct cli *cli, struct profile_run *p, json_t *doc)
{
    struct sos_signals sigs = {0};
    struct sos_redactor *rd = sos_run_redactor(&p->session.run);
    struct printer pr = {cli, rd, NULL, NULL, 0};
    int sig;
    char *unit = NULL;
    sos_error err;
    if (!rd || sos_signals_catch(&sigs) != 0) {
        sos_redactor_free(rd);
        cli_error(cli, "cannot follow: %s", rd ? strerror(errno) : "out of memory");
        return SOS_EXIT_UNDECIDED;
    }
    cli_flush_stdout(cli);
    if (!any_file(doc) && p->backend == SOS_BACKEND_SYSTEMD &&
        (unit = sos_gen_unit_name(&p->agent.model, &err)))
        sig = follow_journal(&pr, &p->agent.model, unit);
    else
        sig = follow_files(&pr, doc);
    flush_repeats(&pr);
    sos_signals_release(&sigs);
    free(unit);
    free(pr.last);
    sos_redactor_free(rd);
    if (sig < 0) {
        cli_error(cli, "cannot run journalctl: %s", strerror(errno));
        return SOS_EXIT_UNDECIDED;
    }
    return SOS_EXIT_SIGNAL_BASE + sig;
}

int cmd_logs(struct cli *cli, const struct sos_verb *verb, char **operands)
{
    struct profile_run p;
    json_t *doc;
    int rc, exit = SOS_EXIT_UNDECIDED;
    (void)verb;
    if (cli->follow && (cli_offline(cli) || cli->format != FORMAT_HUMAN)) {
        cli_error(cli, "-f follows this machine's logs as lines: not with --root "
                       "(without --live) or --format json");
        return SOS_EXIT_USAGE;
    }
    rc = profile_run(cli, "logs", operands[0], SOS_PROFILE_LOGS | SOS_PROFILE_STATUS,
                     cli->lines, &p);
    if (rc != 0) {
        profile_free(&p);
        return rc;
    }
    doc = sos_logs_json(&p.session.run, &p.agent, p.backend, &exit);
    if (!doc) {
        cli_error(cli, "out of memory: the logs cannot be redacted, so they are not shown");
        rc = SOS_EXIT_UNDECIDED;
    } else if (cli->format == FORMAT_JSON) {
        rc = cli_print_json(cli, doc);
    } else {
        print_logs_human(doc);
        if (cli->follow)
            rc = follow(cli, &p, doc);
    }
    if (rc == 0)
        rc = exit;
    json_decref(doc);
    profile_free(&p);
    return rc;
}

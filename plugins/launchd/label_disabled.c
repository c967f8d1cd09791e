/* launchd: the agent's label is not disabled (preflight step 15). A
 * disabled override outlives the service it was set for: an install of the
 * same label is then silently never loaded, at login or boot. The override
 * files are read as launchd.overrides reads them (overrides.c); on this
 * machine (fact host.live) `launchctl print-disabled DOMAIN` is asked too. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launchd.h"
#include "../common/agent_user.h"

#define LABEL_DEFAULT_TIMEOUT_MS 10000u

struct label_state {
    const char *label;
    char domain[128];   /* "system", "gui/UID", or "" when the uid is unknown */
    /* What disabled it, the first such: file and domain, or launchctl. */
    int disabled;
    char by_file[PATH_MAX + 64];
    char by_domain[128];
    int by_launchctl;
    char enabled_file[PATH_MAX + 64]; /* an enabled override, for the evidence */
    size_t unreadable;
};

/* An override for the label in the agent's domain (any gui domain when its
 * uid is unknown). The last word of a file wins, as in launchd. */
static void visit_override(sourceos_ctx *ctx, void *arg, const char *domain,
                           const char *file, const char *label, int disabled)
{
    struct label_state *s = arg;
    int ours;
    (void)ctx;
    if (!label) {
        s->unreadable++;
        return;
    }
    ours = s->domain[0] ? strcmp(domain, s->domain) == 0 : strncmp(domain, "gui/", 4) == 0;
    if (!ours || strcmp(label, s->label) != 0)
        return;
    if (disabled && !s->disabled) {
        s->disabled = 1;
        plugin_textf(s->by_file, sizeof s->by_file, "%s", file);
        plugin_textf(s->by_domain, sizeof s->by_domain, "%s", domain);
    } else if (!disabled) {
        if (s->disabled && strcmp(s->by_file, file) == 0)
            s->disabled = 0; /* enabled again later in the same file */
        plugin_textf(s->enabled_file, sizeof s->enabled_file, "%s", file);
    }
}

/* Whether the run may ask this machine's launchctl. */
static int live(sourceos_ctx *ctx)
{
    const char *fact = sourceos_fact_get(ctx, "host.live");
    return fact && strcmp(fact, "true") == 0;
}

static void ask_launchctl(sourceos_ctx *ctx, struct label_state *s)
{
    const char *program = sourceos_param(ctx, "launchctl");
    struct launchd_target t = {0};
    const struct sourceos_cmd *r;
    char what[256];
    t.label = s->label;
    t.launchctl = program && *program ? program : "launchctl";
    t.timeout_ms = plugin_param_uint(ctx, "timeout_ms", 1, 3600000ul,
                                     LABEL_DEFAULT_TIMEOUT_MS);
    plugin_textf(t.domain, sizeof t.domain, "%s", s->domain);
    plugin_textf(t.service, sizeof t.service, "%s/%s", s->domain, s->label);
    plugin_textf(what, sizeof what, "print-disabled %s", s->domain);
    r = launchd_launchctl(ctx, &t, "print-disabled", s->domain);
    if (launchd_launchctl_ran(ctx, &t, r, what) != 0 || r->exit_status != 0)
        return; /* the files decide alone; launchctl-missing says why */
    if (launchd_parse_overrides(r->out, r->out_len, s->label) == 1) {
        s->by_launchctl = 1;
        if (!s->disabled)
            plugin_textf(s->by_domain, sizeof s->by_domain, "%s", s->domain);
        s->disabled = 1;
    }
}

/* The agent's domain: param domain, else system for a system agent, else
 * gui/UID of param uid or of the agent's user. */
static void pick_domain(sourceos_ctx *ctx, struct label_state *s, const struct agent_user *u)
{
    const char *domain = sourceos_param(ctx, "domain");
    const char *uid = sourceos_param(ctx, "uid");
    if (domain && *domain)
        plugin_textf(s->domain, sizeof s->domain, "%s", domain);
    else if (u->system)
        plugin_textf(s->domain, sizeof s->domain, "system");
    else if (uid && *uid && strspn(uid, "0123456789") == strlen(uid))
        plugin_textf(s->domain, sizeof s->domain, "gui/%s", uid);
    else if (u->known)
        plugin_textf(s->domain, sizeof s->domain, "gui/%u", (unsigned)u->uid);
}

static void note_disabled(sourceos_ctx *ctx, struct verdict *v, const struct label_state *s)
{
    char service[700], by[PATH_MAX + 128], text[1024];
    int system = strcmp(s->by_domain, "system") == 0;
    sourceos_finding *fd;
    if (s->by_file[0])
        plugin_textf(by, sizeof by, "an override in %s%s", s->by_file,
                     s->by_launchctl ? ", and launchctl print-disabled says so" : "");
    else
        plugin_textf(by, sizeof by, "launchctl print-disabled");
    fd = plugin_note(ctx, v, "launchd.label-disabled", SOURCEOS_SEV_CRITICAL,
                     "%s is disabled in the %s domain (%s): launchd will not load it, even "
                     "at login or boot",
                     s->label, s->by_domain, by);
    plugin_textf(service, sizeof service, "%s/%s", s->by_domain, s->label);
    plugin_textf(text, sizeof text,
                 "Enable the label before installing the agent (`launchctl enable` records "
                 "it as enabled; nothing is loaded or started)%s.",
                 system ? ", as root" : "");
    sourceos_finding_remediation(fd, text);
    if (system)
        sourceos_finding_command_argv(fd, (const char *const[]){"sudo", "launchctl", "enable",
                                                                service, NULL});
    else
        sourceos_finding_command_argv(fd, (const char *const[]){"launchctl", "enable",
                                                                service, NULL});
    sourceos_finding_evidence(fd, "label", s->label);
    sourceos_finding_evidence(fd, "domain", s->by_domain);
    if (s->by_file[0]) {
        sourceos_finding_path(fd, s->by_file);
        sourceos_finding_evidence(fd, "file", s->by_file);
    }
    sourceos_finding_evidence(fd, "source", s->by_file[0] ? "override file" : "launchctl");
}

static void note_enabled(sourceos_ctx *ctx, const struct label_state *s, int asked)
{
    char unread[64] = "";
    sourceos_finding *fd;
    if (s->unreadable)
        plugin_textf(unread, sizeof unread, "; %zu override file%s unreadable", s->unreadable,
                     s->unreadable == 1 ? "" : "s");
    fd = plugin_note(ctx, NULL, "launchd.label-enabled", SOURCEOS_SEV_INFO,
                     "%s is not disabled in %s%s%s", s->label,
                     s->domain[0] ? "the " : "any gui domain",
                     s->domain[0] ? s->domain : "", s->domain[0] ? " domain" : "");
    sourceos_finding_evidence(fd, "label", s->label);
    if (s->domain[0])
        sourceos_finding_evidence(fd, "domain", s->domain);
    if (s->enabled_file[0])
        sourceos_finding_evidence(fd, "enabled_override", s->enabled_file);
    if (unread[0])
        sourceos_finding_evidence(fd, "unreadable", unread + 2);
    sourceos_finding_evidence(fd, "launchctl", asked ? "asked" : "not asked (offline)");
}

sourceos_status launchd_check_label_disabled(sourceos_ctx *ctx)
{
    struct label_state s = {0};
    struct verdict v = {0};
    struct agent_user u;
    int asked = 0;
    s.label = sourceos_param(ctx, "label");
    if (!s.label || !s.label[0]) {
        plugin_note(ctx, NULL, "launchd.no-label", SOURCEOS_SEV_INFO,
                    "no launchd job to look at: the agent declares no label (param label)");
        return SOURCEOS_SKIPPED;
    }
    agent_user_of(ctx, sourceos_param(ctx, "plist"), &u);
    pick_domain(ctx, &s, &u);
    launchd_read_overrides(ctx, visit_override, &s);
    if (live(ctx) && s.domain[0]) {
        ask_launchctl(ctx, &s);
        asked = 1;
    }
    if (s.disabled)
        note_disabled(ctx, &v, &s);
    else
        note_enabled(ctx, &s, asked);
    return verdict_status(&v);
}

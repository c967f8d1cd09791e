/* host: whether this Mac is managed (MDM enrollment, Automated Device
 * Enrollment), so that a security team reading a report knows whether an
 * organisation could push the configuration it sees.
 *
 * Live, `profiles status -type enrollment` (macOS 10.13+, no root needed)
 * answers with two lines:
 *     Enrolled via DEP: Yes
 *     MDM enrollment: Yes (User Approved)
 * ("No" for either; "(User Approved)" from 10.13.4, absent for an
 * enrollment the user has not approved).
 *
 * In a copied tree, Setup Assistant's markers in
 * /var/db/ConfigurationProfiles/Settings/ say what Apple's activation
 * service told the Mac: .cloudConfigRecordFound and
 * .cloudConfigHasActivationRecord (an Automated Device Enrollment record:
 * the Mac is assigned to an organisation), .cloudConfigRecordNotFound (no
 * record), .cloudConfigProfileInstalled (the enrollment profile from that
 * record was installed); /var/db/ConfigurationProfiles/Store/ holds the
 * installed profiles (ConfigProfiles.binary). The MDM bypass scripts people
 * publish delete the first two and create the last two, which is how they
 * are known to mean that. The markers cannot show a manual enrollment or
 * user approval, so the tree's answer is weaker than the live one and says
 * so. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

#define PROFILES_TIMEOUT_MS 5000u
#define SETTINGS_DIR "/var/db/ConfigurationProfiles/Settings"
#define STORE_DIR "/var/db/ConfigurationProfiles/Store"

/* ---- live: profiles status -type enrollment ----------------------------- */

struct enrollment {
    int dep;           /* 1 yes, 0 no, -1 not said */
    int mdm;           /* the same */
    int user_approved; /* "(User Approved)" after MDM's Yes */
    char dep_line[256], mdm_line[256];
};

/* The value after "LABEL:" on a line of TEXT: 1 Yes, 0 No, -1 absent or
 * neither; LINE receives the whole line for the evidence. */
static int yes_no(const char *text, const char *label, char *line, size_t size,
                  const char **rest)
{
    size_t n = strlen(label);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        const char *s = p, *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (*s == ' ' || *s == '\t')
            s++;
        if (strncmp(s, label, n) != 0)
            continue;
        snprintf(line, size, "%.*s", (int)(len - (size_t)(s - p)), s);
        s += n;
        while (*s == ' ')
            s++;
        *rest = s;
        if (strncmp(s, "Yes", 3) == 0)
            return 1;
        if (strncmp(s, "No", 2) == 0)
            return 0;
        return -1;
    }
    return -1;
}

static void parse_enrollment(const char *out, struct enrollment *e)
{
    const char *rest = "";
    memset(e, 0, sizeof *e);
    e->dep = yes_no(out, "Enrolled via DEP:", e->dep_line, sizeof e->dep_line, &rest);
    e->mdm = yes_no(out, "MDM enrollment:", e->mdm_line, sizeof e->mdm_line, &rest);
    /* On the MDM line only: the rest of the output is other lines. */
    e->user_approved = e->mdm == 1 && strstr(e->mdm_line, "(User Approved)") != NULL;
}

static const char *enrollment_value(const struct enrollment *e)
{
    if (e->mdm == 1 && e->dep == 1)
        return e->user_approved ? "dep-user-approved" : "dep-enrolled";
    if (e->mdm == 1)
        return e->user_approved ? "enrolled-user-approved" : "enrolled";
    if (e->mdm == 0)
        return e->dep == 1 ? "dep-not-enrolled" : "not-enrolled";
    return "unknown";
}

static const char *enrollment_words(const char *value)
{
    static const char *const words[][2] = {
        {"dep-user-approved", "managed: enrolled in MDM through Automated Device "
                              "Enrollment (DEP), user approved"},
        {"dep-enrolled", "managed: enrolled in MDM through Automated Device Enrollment "
                         "(DEP)"},
        {"enrolled-user-approved", "managed: enrolled in MDM by hand, user approved"},
        {"enrolled", "managed: enrolled in MDM by hand, not user approved (the MDM "
                     "server cannot use every payload)"},
        {"dep-not-enrolled", "assigned to an organisation (DEP) but not enrolled in MDM"},
        {"not-enrolled", "not managed: no MDM enrollment"},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(value, words[i][0]) == 0)
            return words[i][1];
    return "cannot tell whether this Mac is managed";
}

/* Why profiles gave no answer, in words, or NULL when it answered. */
static const char *profiles_failure(const struct sourceos_cmd *r, char *buf, size_t size)
{
    if (r->not_started)
        snprintf(buf, size, "`profiles` could not be run (%s)", strerror(r->start_errno));
    else if (r->timed_out)
        snprintf(buf, size, "`profiles` did not answer within %u s", PROFILES_TIMEOUT_MS / 1000);
    else if (r->exit_status != 0)
        snprintf(buf, size, "`profiles status -type enrollment` failed (exit %d)",
                 r->exit_status);
    else
        return NULL;
    return buf;
}

/* Records the live answer; returns 0, or -1 when profiles gave none. */
static int live_enrollment(sourceos_ctx *ctx, const struct sourceos_cmd *r)
{
    struct enrollment e;
    const char *value;
    char why[160];
    sourceos_finding *f;
    if (profiles_failure(r, why, sizeof why))
        return -1;
    parse_enrollment(r->out, &e);
    value = enrollment_value(&e);
    if (strcmp(value, "unknown") == 0)
        return -1;
    sourceos_fact_set(ctx, "host.mdm", value);
    f = sourceos_finding_add(ctx, "host.mdm-enrollment", SOURCEOS_SEV_INFO, "%s",
                             enrollment_words(value));
    sourceos_finding_evidence(f, "mdm", value);
    sourceos_finding_evidence(f, "source", "profiles status -type enrollment");
    if (e.dep_line[0])
        sourceos_finding_evidence(f, "dep_line", e.dep_line);
    if (e.mdm_line[0])
        sourceos_finding_evidence(f, "mdm_line", e.mdm_line);
    return 0;
}

/* ---- a tree: Setup Assistant's markers ---------------------------------- */

struct markers {
    int denied;        /* a directory could not be read */
    int settings_seen; /* the Settings directory exists */
    int record_found, has_activation_record, record_not_found, profile_installed;
    size_t store_files;
    char found[256]; /* the markers present, for the evidence */
};

static int marker(sourceos_ctx *ctx, struct markers *m, const char *name)
{
    char path[256];
    int rc;
    snprintf(path, sizeof path, "%s/%s", SETTINGS_DIR, name);
    rc = sourceos_host_path_error(ctx, path);
    if (rc == -EACCES)
        m->denied = 1;
    if (rc != 0)
        return 0;
    snprintf(m->found + strlen(m->found), sizeof m->found - strlen(m->found), "%s%s",
             m->found[0] ? " " : "", name);
    return 1;
}

/* Entries of the Store directory other than . and .. (0 when absent). */
static size_t count_store(sourceos_ctx *ctx, struct markers *m)
{
    const char *dir = sourceos_host_path(ctx, STORE_DIR);
    size_t n = 0;
    struct dirent *de;
    DIR *d;
    if (!dir) {
        m->denied |= sourceos_host_path_error(ctx, STORE_DIR) == -EACCES;
        return 0;
    }
    d = opendir(dir);
    if (!d) {
        m->denied |= errno == EACCES;
        return 0;
    }
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void read_markers(sourceos_ctx *ctx, struct markers *m)
{
    int rc = sourceos_host_path_error(ctx, SETTINGS_DIR);
    memset(m, 0, sizeof *m);
    m->denied = rc == -EACCES;
    m->settings_seen = rc == 0;
    m->record_found = marker(ctx, m, ".cloudConfigRecordFound");
    m->has_activation_record = marker(ctx, m, ".cloudConfigHasActivationRecord");
    m->record_not_found = marker(ctx, m, ".cloudConfigRecordNotFound");
    m->profile_installed = marker(ctx, m, ".cloudConfigProfileInstalled");
    m->store_files = count_store(ctx, m);
}

/* What the markers allow one to say: an ADE record with its profile
 * installed is an enrollment, a record alone an assignment; no record and
 * an empty store is no management; the rest is unknown. */
static const char *markers_value(const struct markers *m)
{
    int record = m->record_found || m->has_activation_record;
    if (record)
        return m->profile_installed ? "dep-enrolled" : "dep-not-enrolled";
    if (m->record_not_found && m->store_files == 0 && !m->profile_installed && !m->denied)
        return "not-enrolled";
    return "unknown";
}

/* Records the markers' answer; WHY_NOT_LIVE and FAILED (may be NULL) say
 * why `profiles` gave none on this machine. */
static void tree_enrollment(sourceos_ctx *ctx, const char *why_not_live,
                            const struct sourceos_cmd *failed)
{
    struct markers m;
    const char *value;
    char store[32];
    sourceos_finding *f;
    read_markers(ctx, &m);
    value = markers_value(&m);
    sourceos_fact_set(ctx, "host.mdm", value);
    if (strcmp(value, "unknown") != 0)
        f = sourceos_finding_add(ctx, "host.mdm-enrollment", SOURCEOS_SEV_INFO,
                                 "%s (from " SETTINGS_DIR "; a manual enrollment or "
                                 "user approval is not recorded there)",
                                 enrollment_words(value));
    else if (m.denied)
        f = sourceos_finding_add(ctx, "host.mdm-enrollment", SOURCEOS_SEV_INFO,
                                 "cannot tell whether this Mac is managed: cannot read "
                                 "/var/db/ConfigurationProfiles (permission denied): run "
                                 "as root to see it");
    else if (!m.settings_seen && m.store_files == 0)
        f = sourceos_finding_add(ctx, "host.mdm-enrollment", SOURCEOS_SEV_INFO,
                                 "cannot tell whether this Mac is managed: no "
                                 SETTINGS_DIR " in this tree");
    else
        f = sourceos_finding_add(ctx, "host.mdm-enrollment", SOURCEOS_SEV_INFO,
                                 "cannot tell whether this Mac is managed: %s",
                                 m.store_files ? "profiles are installed (" STORE_DIR
                                                 ") but no enrollment record says who "
                                                 "installed them"
                                               : "no enrollment record");
    sourceos_finding_evidence(f, "mdm", value);
    sourceos_finding_evidence(f, "source", SETTINGS_DIR);
    sourceos_finding_evidence(f, "markers", m.found[0] ? m.found : "none");
    snprintf(store, sizeof store, "%zu", m.store_files);
    sourceos_finding_evidence(f, "store_files", store);
    if (why_not_live)
        sourceos_finding_evidence(f, "live", why_not_live);
    if (failed && failed->err_len)
        sourceos_finding_evidence(f, "stderr", failed->err);
}

/* ---- the check ------------------------------------------------------------ */

/* Offline (host.live false: a tree, no --live) the tree's markers are the
 * answer. Otherwise `profiles` answers; when it cannot, the markers (of
 * the tree, or of this Mac) are the answer, with why `profiles` gave none:
 * one finding either way. */
sourceos_status host_check_management(sourceos_ctx *ctx)
{
    static const char *const argv[] = {"profiles", "status", "-type", "enrollment", NULL};
    const char *live = sourceos_fact_get(ctx, "host.live");
    const struct sourceos_cmd *r;
    char why[160];

    if (live && strcmp(live, "false") == 0) {
        tree_enrollment(ctx, NULL, NULL);
        return SOURCEOS_OK;
    }
    r = sourceos_run(ctx, argv, NULL, PROFILES_TIMEOUT_MS);
    if (live_enrollment(ctx, r) == 0)
        return SOURCEOS_OK;
    if (!profiles_failure(r, why, sizeof why))
        snprintf(why, sizeof why, "`profiles status -type enrollment` said neither "
                                  "\"MDM enrollment: Yes\" nor \"No\"");
    tree_enrollment(ctx, why, r);
    return SOURCEOS_OK;
}

/* Reading and verifying a quarantine bundle (bundle.h writes them), for a
 * security team that must not trust it: a hostile archive is refused, not
 * unpacked. Nothing is written anywhere; memory stays bounded (members are
 * hashed in SOS_BUNDLE_CHUNK pieces, only manifest.json is held, up to
 * SOS_BUNDLE_MANIFEST_MAX), and time is bounded by the size caps, which are
 * checked against each member's header before its data is decompressed, so
 * a zstd bomb stops at its header. */
#ifndef SOS_BUNDLE_READ_H
#define SOS_BUNDLE_READ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define SOS_BUNDLE_MANIFEST_MAX (16u * 1024 * 1024)

struct sos_bundle_limits {
    uint64_t max_member;  /* bytes of one member, uncompressed */
    uint64_t max_total;   /* bytes of all members, uncompressed */
    size_t max_members;
};
/* The defaults: logs are tail-capped at capture (8 MiB each by default),
 * so a real bundle is far below these. */
#define SOS_BUNDLE_MAX_MEMBER (1024ull * 1024 * 1024)
#define SOS_BUNDLE_MAX_TOTAL (4ull * 1024 * 1024 * 1024)
#define SOS_BUNDLE_MAX_MEMBERS 100000

enum sos_bundle_verdict {
    SOS_BUNDLE_VERIFIED = 0,
    SOS_BUNDLE_TAMPERED = 2,   /* readable, but not what its manifest says */
    SOS_BUNDLE_UNREADABLE = 3, /* refused: broken or hostile archive */
};

/* A member as the archive holds it. */
struct sos_bundle_seen {
    char *name;
    uint64_t size;
    char sha256[65];
};

/* One way the archive differs from its manifest. KIND is "missing",
 * "extra", "size", "sha256" or "manifest"; MEMBER the member's name (NULL
 * for the manifest as a whole); DETAIL says how. */
struct sos_bundle_problem {
    const char *kind;
    char *member;
    char *detail;
};

struct sos_bundle_check {
    enum sos_bundle_verdict verdict;
    const char *compression;   /* "zstd", "gzip", "none" */
    json_t *manifest;          /* the parsed manifest, NULL when there was none */
    char manifest_sha256[65];  /* of manifest.json's bytes, "" when there was none */
    struct sos_bundle_seen *seen; /* in archive order, manifest.json excluded */
    size_t n_seen;
    struct sos_bundle_problem *problems;
    size_t n_problems;
    sos_error err;             /* why, when SOS_BUNDLE_UNREADABLE */
};

/* Reads the bundle at PATH within LIMITS (NULL: the defaults) and fills
 * OUT; returns OUT->verdict. Free OUT with sos_bundle_check_free(). */
enum sos_bundle_verdict sos_bundle_verify(const char *path, const struct sos_bundle_limits *limits,
                                          struct sos_bundle_check *out);
void sos_bundle_check_free(struct sos_bundle_check *c);

/* Whether DOC is a valid manifest (schemas/quarantine-manifest.schema.json,
 * checked by hand: the core has no schema validator); else why in WHY.
 * Besides the members, commands and actions, the fields a replay reads
 * (capture.h) are checked when present: "root" (an absolute path),
 * "paths" ({"path" absolute with safe segments, "type" file|dir|symlink|
 * missing|unreadable|other, "target" for a symlink only, "member" a listed
 * member for a file only, "mode" and "error" integers}), "report"
 * ({"command", "agent"}), "env" and "homes" (arrays of objects), and
 * "host_facts", the report's host facts (os, os_name, os_version, arch,
 * kernel, hostname as strings; wsl, container, root as booleans); "host"
 * is the hostname. */
int sos_bundle_manifest_valid(const json_t *doc, char *why, size_t why_size);

#endif

/* Facts about the host being analysed (the live one, or a tree under --root). */
#ifndef SOS_HOST_H
#define SOS_HOST_H

#include <stddef.h>

#include "error.h"

struct sos_host {
    char os[16];          /* macos, linux, windows, wsl, or unknown */
    unsigned os_mask;     /* enum sos_os bit, 0 when unknown */
    char os_name[128];    /* PRETTY_NAME / ProductName */
    char os_version[64];  /* VERSION_ID / ProductVersion */
    char arch[32];        /* uname machine; "unknown" under --root */
    char kernel[128];     /* uname release, or the tree's osrelease */
    char hostname[256];
    int wsl;              /* 1 inside WSL (2 for WSL2), else 0 */
    int container;        /* inside a container */
    int root;             /* running as uid 0 */
    long uid;             /* the invoking user's uid; a replay's: the capture's, -1 unknown */
    int tree;             /* the checks read a --root tree, not this machine's own files */
};

/* Detects host facts. ROOT NULL or "/" means the live host; otherwise the OS
 * comes from the tree (/etc/os-release, or macOS's
 * /System/Library/CoreServices/SystemVersion.plist). Never fails hard:
 * unknown facts read "unknown". */
void sos_host_detect(const char *root, struct sos_host *out);

/* The string KEY of the plist (XML or binary) at PATH under ROOT, in OUT
 * (cut to SIZE); 0, or -1 when it cannot be read or has no such string. */
int sos_plist_file_string(const char *root, const char *path, const char *key, char *out,
                          size_t size);

#endif

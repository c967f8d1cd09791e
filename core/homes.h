/* The user homes per-user checks look at: every home of a --root tree,
 * and the invoking user's own when the run may ask this machine. */
#ifndef SOS_HOMES_H
#define SOS_HOMES_H

#include <stddef.h>

struct sos_home {
    char *user; /* the directory's name, or the invoking user's name */
    char *path; /* host view, e.g. "/Users/alice" */
};

/* Lists into *OUT (malloc'd, *N entries) the homes of the tree ROOT (NULL
 * or "/" is this machine: none): each directory /Users/NAME (not Shared),
 * /home/NAME, and /root that exists there, in that order and in name order;
 * then, when INVOKING_HOME is not NULL and not already listed, the invoking
 * user's home as USER. Returns 0, or -ENOMEM. */
int sos_homes_list(const char *root, const char *invoking_home,
                   const char *invoking_user, struct sos_home **out,
                   size_t *n);
void sos_homes_free(struct sos_home *homes, size_t n);

#endif

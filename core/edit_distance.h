/* How far apart two short words are: for "did you mean" suggestions. */
#ifndef SOS_EDIT_DISTANCE_H
#define SOS_EDIT_DISTANCE_H

#include <stddef.h>

/* Longest word compared; a longer one is at distance SIZE_MAX. */
#define SOS_EDIT_DISTANCE_MAX 127

/* The Levenshtein distance of A (LA bytes) and B (LB bytes): insertions,
 * deletions and substitutions of bytes, each costing one. */
size_t sos_edit_distance(const char *a, size_t la, const char *b, size_t lb);

#endif

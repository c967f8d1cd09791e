#include "config.h"

#include <stdint.h>

#include "edit_distance.h"

size_t sos_edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t row[SOS_EDIT_DISTANCE_MAX + 1], prev;
    if (la > SOS_EDIT_DISTANCE_MAX || lb > SOS_EDIT_DISTANCE_MAX)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t diag = prev + (a[i - 1] != b[j - 1]);
            size_t best = (row[j] < row[j - 1] ? row[j] : row[j - 1]) + 1;
            prev = row[j];
            row[j] = diag < best ? diag : best;
        }
    }
    return row[lb];
}

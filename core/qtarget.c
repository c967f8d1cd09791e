#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "qtarget.h"

void sos_qtarget_free(struct sos_qtarget *t)
{
    if (!t)
        return;
    free(t->name);
    free(t->agent);
    free(t->label);
    free(t->plist);
    free(t->domain);
    free(t->unit);
    free(t->unit_path);
    free(t->user);
    free(t->container);
    memset(t, 0, sizeof *t);
}

/* hyperv: which machine names may go into a PowerShell command. The name
 * ends up inside single quotes in `Get-VM -Name 'NAME'`; a quote, a
 * backtick, `$`, `;` or a wildcard would change what PowerShell runs or
 * matches, so only the characters Podman itself allows in machine names
 * pass. */
#include "config.h"

#include <string.h>

#include "hyperv.h"

static int is_alnum_ascii(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int hyperv_name_is_safe(const char *name)
{
    size_t n;
    if (!name || !is_alnum_ascii(name[0]))
        return 0;
    n = strlen(name);
    if (n > HYPERV_MAX_NAME)
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!is_alnum_ascii(name[i]) && name[i] != '_' && name[i] != '.' && name[i] != '-')
            return 0;
    return 1;
}

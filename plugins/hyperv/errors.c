/* hyperv: what PowerShell's error text on stderr means. Get-VM's errors
 * name their FullyQualifiedErrorId; the messages are matched too, because
 * PowerShell 7 prints the short "ConciseView" by default: the message
 * without the id. Messages are localized, ids are not; the permission
 * error has only the generic id Unspecified,...GetVM, so on a Windows in
 * another language it is not told apart. Texts and
 * their sources: tests/fixtures/hyperv/README.md. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hyperv.h"

static const struct {
    const char *text; /* matched ignoring case */
    enum hyperv_error_kind kind;
} patterns[] = {
    /* Not a member of Hyper-V Administrators (nor elevated). */
    {"You do not have the required permission to complete this task", HYPERV_ERROR_PERMISSION},
    /* No VM of that name: "Hyper-V was unable to find a virtual machine
     * with name "NAME"."; id InvalidParameter,...GetVM (5.1 may print
     * ...GetVMCommand). */
    {"unable to find a virtual machine with name", HYPERV_ERROR_VM_NOT_FOUND},
    {"InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM", HYPERV_ERROR_VM_NOT_FOUND},
    /* The Hyper-V module is absent: the feature (or its PowerShell part)
     * is not enabled. 5.1 says "as the name of a cmdlet", 7 "as a name". */
    {"'Get-VM' is not recognized", HYPERV_ERROR_NO_MODULE},
    {"CommandNotFoundException", HYPERV_ERROR_NO_MODULE},
    /* The module is there, the service behind it is not (or its WMI
     * classes are gone): "Hyper-V encountered an error trying to access an
     * object on computer 'HOST' because the object was not found. ...
     * Verify that the Virtual Machine Management service on the computer
     * is running." */
    {"Virtual Machine Management service", HYPERV_ERROR_VMMS_DOWN},
    {"ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.GetVM", HYPERV_ERROR_VMMS_DOWN},
};

/* strcasestr without _GNU_SOURCE's promise about locales: ASCII only. */
static int contains_ignoring_case(const char *text, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = text; *p; p++) {
        size_t i = 0;
        while (i < n && p[i]) {
            char a = p[i], b = needle[i];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (char)(b - 'A' + 'a');
            if (a != b)
                break;
            i++;
        }
        if (i == n)
            return 1;
    }
    return 0;
}

enum hyperv_error_kind hyperv_classify_error(const char *text)
{
    for (size_t i = 0; text && i < sizeof patterns / sizeof patterns[0]; i++)
        if (contains_ignoring_case(text, patterns[i].text))
            return patterns[i].kind;
    return HYPERV_ERROR_OTHER;
}

void hyperv_error_line(const char *text, char *out, size_t size)
{
    const char *p = text ? text : "";
    out[0] = '\0';
    while (*p) {
        size_t n;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        n = strcspn(p, "\r\n");
        if (n && strncmp(p, "#< CLIXML", 9)) {
            snprintf(out, size, "%.*s", (int)(n > 4096 ? 4096 : n), p);
            return;
        }
        p += n;
    }
}

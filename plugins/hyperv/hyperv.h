/* hyperv: shared declarations. The parsers (text.c, state.c, getvm.c,
 * errors.c) are pure: bytes in, a struct or an error out, no findings and
 * no commands (getvm.c takes a sourceos_ctx only to read JSON through the
 * core), so tests/unit/test_hyperv_parse.c compiles them directly and links
 * the core. vm.c is the check that runs PowerShell and judges what the
 * parsers made of it. */
#ifndef SOS_PLUGIN_HYPERV_H
#define SOS_PLUGIN_HYPERV_H

#include <stddef.h>

#include "sourceos/plugin.h"

/* One VM as `Get-VM | ConvertTo-Json -Depth 1` prints it is 3-6 KiB (UTF-16
 * doubles that); output this large is not Get-VM's answer about one name. */
#define HYPERV_MAX_OUTPUT (256u * 1024u)
/* Hyper-V refuses VM names longer than 100 characters. */
#define HYPERV_MAX_NAME 100
/* A Hyper-V host holds at most 1024 VMs: a longer array is not Get-VM's
 * answer, and each item costs a lookup in the core. */
#define HYPERV_MAX_VMS 1024u

/* ---- text.c: what powershell.exe printed, as UTF-8 ---------------------- */

/* Decodes IN (LEN bytes) into a NUL-terminated UTF-8 string in *OUT (to
 * free), length in *OUT_LEN: a UTF-8 BOM is dropped, UTF-16LE (a BOM, or a
 * NUL after the first byte: a console redirected through WSL interop) is
 * converted, and bytes that are not UTF-8 (a legacy code page) become
 * U+FFFD. Returns 0, or -1 with WHY filled (too large, UTF-16BE, an odd
 * number of UTF-16 bytes, out of memory). */
int hyperv_text_decode(const char *in, size_t len, char **out, size_t *out_len,
                       char *why, size_t why_size);

/* ---- state.c: the Hyper-V VMState enum ----------------------------------- */

/* What a state means for a Podman machine. */
enum hyperv_state_kind {
    HYPERV_STATE_UNKNOWN = 0, /* Other, a number or name not in the enum */
    HYPERV_STATE_RUNNING,
    HYPERV_STATE_STARTING,    /* on its way up: Starting, Resuming, Reset */
    HYPERV_STATE_DOWN,        /* cannot serve: Off, Saved, Paused, Stopping... */
    HYPERV_STATE_CRITICAL     /* *Critical: Hyper-V lost the VM's storage */
};

struct hyperv_state {
    long number;      /* Microsoft.HyperV.PowerShell.VMState */
    const char *name; /* as PowerShell names it */
    enum hyperv_state_kind kind;
};

/* The enum member numbered NUMBER, or NULL. */
const struct hyperv_state *hyperv_state_by_number(long number);
/* The enum member named NAME (any case), or NULL. */
const struct hyperv_state *hyperv_state_by_name(const char *name);

/* ---- getvm.c: `Get-VM -Name NAME | ConvertTo-Json -Depth 1` ------------- */

enum hyperv_parse_status {
    HYPERV_PARSE_OK = 0,
    HYPERV_PARSE_EMPTY,       /* nothing printed (Get-VM found nothing) */
    HYPERV_PARSE_BAD_TEXT,    /* too large, truncated UTF-16, ... */
    HYPERV_PARSE_NOT_JSON,    /* not JSON, or JSON cut short */
    HYPERV_PARSE_WRONG_SHAPE, /* JSON, but not VM objects with a Name, or
                                 more than HYPERV_MAX_VMS of them */
    HYPERV_PARSE_NO_MATCH     /* VMs, none of them named NAME */
};

/* The fields of one VM this plugin reads; "" or -1 when absent, null, or
 * of a type Get-VM does not print there. The core gives scalars as text, so
 * a string field may hold a number's digits and a number field a string
 * of digits. */
struct hyperv_vm {
    char name[HYPERV_MAX_NAME * 3 + 1];
    char state_given[64];     /* State as printed: "2", "Running" */
    long state_number;        /* -1 when State was not a number */
    const struct hyperv_state *state; /* NULL when not in the enum */
    char status[256];         /* "Operating normally" */
    char uptime[64];          /* "1.02:03:04" (days.hh:mm:ss) */
    long long processor_count;
    long long memory_assigned; /* bytes */
    long long generation;
    char version[32];         /* configuration version, "9.0" */
    char path[1024];
    size_t vms;               /* VM objects in the output */
    size_t matches;           /* of them, named NAME (more than 1: ambiguous) */
    unsigned json_line;       /* HYPERV_PARSE_NOT_JSON: where in the output */
    unsigned json_column;     /* (both from 1) its JSON breaks; else 0 */
};

/* Parses DATA (LEN bytes, any of the encodings hyperv_text_decode takes)
 * and fills VM with the VM named WANT: an exact match, else one that
 * matches ignoring case (Hyper-V names are case-insensitive). WHY says what
 * was wrong when the result is not HYPERV_PARSE_OK. Reads the JSON with
 * sourceos_json_get() and friends on CTX; records nothing there. */
enum hyperv_parse_status hyperv_parse_getvm(sourceos_ctx *ctx, const char *data, size_t len,
                                            const char *want, struct hyperv_vm *vm,
                                            char *why, size_t why_size);

/* ---- errors.c: what PowerShell wrote to stderr -------------------------- */

enum hyperv_error_kind {
    HYPERV_ERROR_OTHER = 0,
    HYPERV_ERROR_VM_NOT_FOUND,  /* no VM of that name */
    HYPERV_ERROR_PERMISSION,    /* not in Hyper-V Administrators, not elevated */
    HYPERV_ERROR_NO_MODULE,     /* Get-VM not recognized: Hyper-V not enabled */
    HYPERV_ERROR_VMMS_DOWN      /* the Virtual Machine Management service */
};

/* Classifies TEXT (decoded stderr, NUL-terminated). */
enum hyperv_error_kind hyperv_classify_error(const char *text);

/* The first line of TEXT that says something (not blank, not the
 * "#< CLIXML" header), cut to SIZE. */
void hyperv_error_line(const char *text, char *out, size_t size);

/* ---- name.c --------------------------------------------------------------- */

/* Whether NAME is a machine name this plugin will put into a PowerShell
 * command: [A-Za-z0-9][A-Za-z0-9_.-]*, at most HYPERV_MAX_NAME long. */
int hyperv_name_is_safe(const char *name);

/* ---- vm.c: the check -------------------------------------------------------- */

sourceos_status hyperv_check_vm(sourceos_ctx *ctx);

#endif

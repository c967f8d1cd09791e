/* hyperv: the VMState enum of the Hyper-V PowerShell module
 * (Microsoft.HyperV.PowerShell.VMState), which Windows PowerShell 5.1's
 * ConvertTo-Json prints as a number and PowerShell 7 (through its Windows
 * PowerShell compatibility session, or -EnumsAsStrings) as the name.
 *
 * The numbers up to 32782 are the same in every version of the module.
 * Above that they moved: newer modules added Hibernated (32783) and
 * ComponentServicing (32784) before the *Critical states (32785-32796),
 * older ones numbered the *Critical states from 32783. This table follows
 * the newer module; a name, where PowerShell prints one, is unambiguous. */
#include "config.h"

#include <strings.h>

#include "hyperv.h"

static const struct hyperv_state states[] = {
    {1, "Other", HYPERV_STATE_UNKNOWN},
    {2, "Running", HYPERV_STATE_RUNNING},
    {3, "Off", HYPERV_STATE_DOWN},
    {4, "Stopping", HYPERV_STATE_DOWN},
    {6, "Saved", HYPERV_STATE_DOWN},
    {9, "Paused", HYPERV_STATE_DOWN},
    {10, "Starting", HYPERV_STATE_STARTING},
    {11, "Reset", HYPERV_STATE_STARTING},
    {32773, "Saving", HYPERV_STATE_DOWN},
    {32776, "Pausing", HYPERV_STATE_DOWN},
    {32777, "Resuming", HYPERV_STATE_STARTING},
    {32779, "FastSaved", HYPERV_STATE_DOWN},
    {32780, "FastSaving", HYPERV_STATE_DOWN},
    {32781, "ForceShutdown", HYPERV_STATE_DOWN},
    {32782, "ForceReboot", HYPERV_STATE_STARTING},
    {32783, "Hibernated", HYPERV_STATE_DOWN},
    {32784, "ComponentServicing", HYPERV_STATE_STARTING},
    {32785, "RunningCritical", HYPERV_STATE_CRITICAL},
    {32786, "OffCritical", HYPERV_STATE_CRITICAL},
    {32787, "StoppingCritical", HYPERV_STATE_CRITICAL},
    {32788, "SavedCritical", HYPERV_STATE_CRITICAL},
    {32789, "PausedCritical", HYPERV_STATE_CRITICAL},
    {32790, "StartingCritical", HYPERV_STATE_CRITICAL},
    {32791, "ResetCritical", HYPERV_STATE_CRITICAL},
    {32792, "SavingCritical", HYPERV_STATE_CRITICAL},
    {32793, "PausingCritical", HYPERV_STATE_CRITICAL},
    {32794, "ResumingCritical", HYPERV_STATE_CRITICAL},
    {32795, "FastSavedCritical", HYPERV_STATE_CRITICAL},
    {32796, "FastSavingCritical", HYPERV_STATE_CRITICAL},
};

#define N_STATES (sizeof states / sizeof states[0])

const struct hyperv_state *hyperv_state_by_number(long number)
{
    for (size_t i = 0; i < N_STATES; i++)
        if (states[i].number == number)
            return &states[i];
    return NULL;
}

const struct hyperv_state *hyperv_state_by_name(const char *name)
{
    for (size_t i = 0; name && i < N_STATES; i++)
        if (!strcasecmp(states[i].name, name))
            return &states[i];
    return NULL;
}

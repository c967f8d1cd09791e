#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "edit_distance.h"
#include "verbs.h"

/* What `doctor` reads: every global option, and --from-bundle. */
#define DOCTOR_OPTS (CLI_OPTS_ALL | CLI_OPT_FROM_BUNDLE | CLI_OPT_TEXTFILE)
/* What `status` and `logs` read (cmd_status.c). */
#define STATUS_OPTS (CLI_OPT_ROOT | CLI_OPT_LIVE | CLI_OPT_CONFIG_DIR | CLI_OPT_PLUGIN_DIR | \
                     CLI_OPT_FORMAT | CLI_OPT_TIMEOUT | CLI_OPTS_ALWAYS)
#define LOGS_OPTS (STATUS_OPTS | CLI_OPT_LINES | CLI_OPT_FOLLOW)
/* What the commands that change the host read (cmd_change.c). */
#define CHANGE_OPTS (CLI_OPT_ROOT | CLI_OPT_LIVE | CLI_OPT_CONFIG_DIR | CLI_OPT_PLUGIN_DIR | \
                     CLI_OPT_FORMAT | CLI_OPT_TIMEOUT | CLI_OPT_VERBOSE | CLI_OPT_DRY_RUN | \
                     CLI_OPTS_ALWAYS)
#define CHANGE_EXITS \
    "Exit status: 0 done, 2 refused (nothing was changed), 3 a step failed and\n" \
    "the steps before it were undone, 64 usage error, 74 the report could not\n" \
    "be written.\n"
#define CHANGE_COMMON \
    "Each step is a plugin action run in a child, under the agent's lock\n" \
    "(state directory `lock`), its intent written to the journal before it and\n" \
    "its outcome after; a step that fails undoes the ones before it, newest\n" \
    "first, and a transaction left in the journal by a killed run is rolled\n" \
    "back first. --dry-run prints the files each step would write and the\n" \
    "commands it would run, and changes nothing. --root TREE --live installs\n" \
    "into TREE: its files (state directory, plist or unit) go under TREE and\n" \
    "name TREE's paths, the service manager's commands run here; --root\n" \
    "without --live is refused.\n\n"
/* What the doctors say of --from-bundle. */
#define REPLAY_HELP \
    "\n--from-bundle FILE replays a quarantine bundle instead: it is verified\n" \
    "(a tampered or unreadable one is refused, exit 3, nothing run) and\n" \
    "extracted into a private temporary directory (0700, removed after, on\n" \
    "an error or Ctrl-C too) with its recorded directories and symlinks,\n" \
    "and the same checks run with its root/ as the tree, the host facts\n" \
    "the capture recorded (host.live true, as at capture) and every command\n" \
    "answered from its commands/NNN.json (argv matched; the capture's root\n" \
    "prefix read as the replay's tree): nothing runs on this machine. A\n" \
    "check that asks for a command the bundle did not capture, or probes a\n" \
    "socket, is skipped: \"not captured in the bundle: COMMAND\". The report's\n" \
    "command says \"(from bundle FILE)\". Not with --root or --live.\n"
/* `evidence inspect`'s help, the same for sourceos and sourceosctl. */
#define EVIDENCE_INSPECT_HELP \
    "Verifies the quarantine bundle FILE (a tar archive, zstd, gzip or\n" \
    "uncompressed) against its manifest.json: every member present with\n" \
    "the manifest's size and sha256, none missing, none extra, the\n" \
    "manifest itself valid (schemas/quarantine-manifest.schema.json).\n" \
    "Hostile archives are refused before anything is unpacked: absolute\n" \
    "or '..' names, links, devices, duplicate names, a member over 1 GiB\n" \
    "or more than 4 GiB in all (checked on each header, so a compression\n" \
    "bomb stops there), a truncated stream. Nothing is written. Prints the\n" \
    "agent, host, capture time, members with their sizes, what was\n" \
    "truncated or redacted and the actions taken, or with --json the\n" \
    "verdict, the differences and the manifest's fields.\n" \
    "FILE may also be an agent-machine launch's evidence file or a\n" \
    "fingerprint (JSON: schemas/agent-machine-evidence.schema.json,\n" \
    "agent-machine-fingerprint.schema.json): checked against its schema's\n" \
    "shape, the first wrong key named by its path ($.launch.exitStatus),\n" \
    "and summarized (launch, exit, image, repo, mounts, denials).\n\n" \
    "Exit status: 0 verified, 2 tampered (each difference named: member,\n" \
    "size or sha256 mismatch, extra, missing, manifest invalid), 3\n" \
    "unreadable or refused, 64 usage error.\n"
/* `evidence extract`'s help, the same for sourceos and sourceosctl. */
#define EVIDENCE_EXTRACT_HELP \
    "Verifies the quarantine bundle FILE as 'evidence inspect' does and,\n" \
    "only when it verifies, extracts it into DIR, which must not exist or\n" \
    "be an empty directory; DIR is made with mode 0700. Each member lands\n" \
    "at its name: DIR/manifest.json, report.json, remediation.md,\n" \
    "commands/NNN.json, and DIR/root/PATH, the host's files laid out as\n" \
    "on the host; the directories of the manifest's \"paths\" are made\n" \
    "too. The members are written into a temporary directory beside DIR,\n" \
    "hashed again on the way (a bundle changed since it was verified is\n" \
    "refused), and renamed to DIR only when all are written: a tampered or\n" \
    "hostile bundle, a failed write or Ctrl-C leaves nothing. No symlink\n" \
    "is followed or created: directories are opened with O_NOFOLLOW, files\n" \
    "created with O_EXCL, and the symlinks the manifest records are listed\n" \
    "(\"not created: symlink PATH -> TARGET\"). Modes are the manifest's,\n" \
    "without setuid, setgid or sticky bits, at most 0644 (0755 for an\n" \
    "executable); mtimes the manifest's. --json prints {file, dir,\n" \
    "outcome, verdict, compression, problems, extracted, files,\n" \
    "directories, not_created, error}.\n\n" \
    "Exit status: 0 extracted, 2 tampered (each difference named, nothing\n" \
    "written), 3 unreadable, refused or not written (nothing left), 64\n" \
    "usage error (DIR exists and is not an empty directory), 128+N\n" \
    "interrupted by signal N (nothing left).\n"
/* What `preflight` reads (cmd_preflight.c). */
#define PREFLIGHT_OPTS (STATUS_OPTS | CLI_OPT_JOBS)

/* ---- The rows ------------------------------------------------------------
 * One per command, in the order each program's --help lists them. A
 * command of DESIGN.md that is not built yet has no row: it is in its
 * program's `planned` list below until it does. */
static const struct sos_verb verbs[] = {
    {SOS_PROG_SOURCEOS, "doctor local-runtime", NULL, 0, 0, DOCTOR_OPTS,
     VERB_RUN_EXITS,
     "run every check of scope runtime, then each agents.d agent's checks "
     "(scope agent)",
     "Runs every check of scope runtime declared in checks.d, in\n"
     "dependency order, then the checks of scope agent once for each\n"
     "<config-dir>/agents.d/NAME.yaml (sorted by name, each under its\n"
     "agent's name), and reports each result with its findings and\n"
     "their remediation.\n" REPLAY_HELP,
     cmd_doctor},
    {SOS_PROG_SOURCEOS, "plugins", NULL, 0, 0,
     CLI_OPT_CONFIG_DIR | CLI_OPT_PLUGIN_DIR | CLI_OPT_FORMAT | CLI_OPTS_ALWAYS,
     VERB_NO_NDJSON, "plugins in the plugin directory, loaded or not",
     "Loads every plugin of the plugin directory and each plugin that\n"
     "checks.d names, and lists name, version, ABI, checks and actions,\n"
     "or why it did not load. Exit 2 when one did not load.\n",
     cmd_plugins},
    {SOS_PROG_SOURCEOS, "checks", NULL, 0, 0,
     CLI_OPT_ROOT | CLI_OPT_CONFIG_DIR | CLI_OPT_PLUGIN_DIR | CLI_OPT_FORMAT |
         CLI_OPTS_ALWAYS,
     VERB_NO_NDJSON, "checks declared in checks.d, in run order",
     "Lists the checks declared in checks.d in run order: id, plugin and\n"
     "check, scope, systems, dependencies, and whether the plugin has\n"
     "it. Exit 2 when a check cannot run, 3 when checks.d is invalid.\n",
     cmd_checks},
    {SOS_PROG_SOURCEOS, "explain", "[CODE]", 0, 1,
     CLI_OPT_LIST | CLI_OPT_FORMAT | CLI_OPTS_ALWAYS, VERB_NO_NDJSON,
     "what a finding code means, what to do",
     "Prints what the finding CODE (launchd.keepalive-unbounded, core.offline)\n"
     "means, its severity, the plugin section it belongs to and what to do\n"
     "about it, from the findings page (docs/findings.md, installed as\n"
     "$datadir/sourceos/findings.md). --list lists every code with its\n"
     "severity and section. An unknown CODE is a usage error that names the\n"
     "nearest codes. --format json prints {code, severity, section, meaning,\n"
     "what_to_do} (--list: an array of {code, severity, section}).\n\n"
     "Exit status: 0, 3 the findings page could not be read, 64 usage error\n"
     "(an unknown code: the nearest are named).\n",
     cmd_explain},
    {SOS_PROG_SOURCEOS, "help", "[COMMAND]", 0, 2, CLI_OPTS_ALWAYS, 0,
     "this help, or a command's",
     "Prints this program's help, or COMMAND's: the same text as\n"
     "'sourceos COMMAND --help'.\n",
     cmd_help},

    {SOS_PROG_AGENT, "doctor", "NAME", 1, 1, DOCTOR_OPTS,
     VERB_AGENT_NAME | VERB_RUN_EXITS,
     "the host's runtime checks and the agent's own (scope agent), which "
     "take the agent's image, container, auth file and environment from "
     "<config-dir>/agents.d/NAME.yaml",
     "Runs every check of scope runtime, then the checks of scope agent\n"
     "with the keys of <config-dir>/agents.d/NAME.yaml as their params\n"
     "(image, container, auth, authfile, env, ...), in dependency order.\n"
     "A declaration looks like:\n\n"
     "  name: NAME\n"
     "  image: localhost/agent@sha256:...\n"
     "  container: sourceos-NAME          # the default\n"
     "  auth: empty-authfile              # the default; or host\n"
     "  authfile: /home/me/.config/sourceos/empty-auth.json\n"
     "  env: [HOME=/home/me, DOCKER_CONFIG=/home/me/.config/sourceos/docker]\n" REPLAY_HELP,
     cmd_agent_doctor},
    {SOS_PROG_AGENT, "preflight", "NAME", 1, 1, PREFLIGHT_OPTS,
     VERB_AGENT_NAME | VERB_NO_NDJSON,
     "read-only: can NAME be installed safely now? The spec's checks, in its "
     "order, each with its state and the exact fix",
     "Runs the checks of checks.d that carry a `preflight:` step (scope agent;\n"
     "checks.d/50-preflight.yaml has the spec's 18: platform, backend\n"
     "adapter, runtime, podman binary and version, machine exists and\n"
     "running, socket, local image, allowed tag, auth file, host auth,\n"
     "container name, log directory, label not disabled, label not owned by\n"
     "another service, generated service definition and wrapper) with the\n"
     "keys of <config-dir>/agents.d/NAME.yaml, and prints one line per step:\n\n"
     "  NAME preflight: failed\n"
     "  - podman machine: podman-machine-default exists but is not running\n"
     "  - action: run `podman machine start podman-machine-default`\n"
     "  - persistence: staged but not enabled (generation 3)\n\n"
     "The last two steps lint the current generation when it was staged from\n"
     "the declaration as it is now, else a scratch generation made in a\n"
     "temporary directory and removed. Nothing is changed: no file outside\n"
     "that directory is written and only read-only commands are run.\n"
     "--json prints the report (schemas/report.schema.json) with a\n"
     "`preflight` member. The steps run 8 at a time unless -j says.\n\n"
     "Exit status: 0 every step passed, 1 warnings, 2 a step failed or could\n"
     "not decide, 3 the declaration or checks.d is invalid, 64 usage error,\n"
     "74 the report could not be written.\n",
     cmd_preflight},
    {SOS_PROG_AGENT, "install", "NAME", 1, 1, CHANGE_OPTS | CLI_OPT_DESPITE, VERB_AGENT_NAME | VERB_NO_NDJSON,
     "install the current generation's service definition (refused when the preflight fails)",
     "Runs the preflight; when it passes, installs the current generation's\n"
     "plist (~/Library/LaunchAgents/LABEL.plist, /Library/LaunchDaemons for\n"
     "scope system) or unit (~/.config/systemd/user/sourceos-agent@NAME.service,\n"
     "/etc/systemd/system) and reloads systemd; a file it replaces is kept in\n"
     "the generation for the undo. Nothing is enabled. A failed preflight is\n"
     "printed and refuses (exit 2) unless --enable-despite-preflight.\n\n" CHANGE_COMMON
     CHANGE_EXITS,
     cmd_change},
    {SOS_PROG_AGENT, "activate", "NAME", 1, 1, CHANGE_OPTS | CLI_OPT_DESPITE,
     VERB_AGENT_NAME | VERB_NO_NDJSON,
     "stage, preflight, install, enable and start NAME, stopping at the first failure",
     "The guarded pipeline Nix activation calls: stages a new generation\n"
     "(generate, lint), runs the preflight, and only when it passed installs\n"
     "the service definition, enables it and starts it (systemd: install-unit,\n"
     "daemon-reload, enable, start; launchd: install-plist, enable, bootstrap,\n"
     "kickstart). A failed preflight leaves the generation staged, prints the\n"
     "preflight with its remediation and exits 2 with nothing installed or\n"
     "enabled; --enable-despite-preflight goes on (named in the output,\n"
     "recorded in state.json).\n\n" CHANGE_COMMON CHANGE_EXITS,
     cmd_change},
    {SOS_PROG_AGENT, "start", "NAME", 1, 1, CHANGE_OPTS | CLI_OPT_DESPITE, VERB_AGENT_NAME | VERB_NO_NDJSON,
     "start the installed agent (systemd start; launchd bootstrap, kickstart)",
     "Starts the agent through its service manager (systemd: reset-failed and\n"
     "start; launchd: bootstrap, as stop booted it out, then kickstart -k),\n"
     "after the runtime half of the preflight (runtime, podman, the machine,\n"
     "the socket, the image, the auth files, the log directory) passed: a\n"
     "failure is printed and refuses (exit 2) unless --enable-despite-preflight.\n\n" CHANGE_COMMON CHANGE_EXITS,
     cmd_change},
    {SOS_PROG_AGENT, "stop", "NAME", 1, 1, CHANGE_OPTS, VERB_AGENT_NAME | VERB_NO_NDJSON,
     "stop the agent (systemd stop; launchd bootout)",
     "Stops the agent through its service manager (systemd: stop; launchd:\n"
     "bootout, which also unloads it).\n\n" CHANGE_COMMON CHANGE_EXITS,
     cmd_change},
    {SOS_PROG_AGENT, "restart", "NAME", 1, 1, CHANGE_OPTS | CLI_OPT_DESPITE, VERB_AGENT_NAME | VERB_NO_NDJSON,
     "stop, then start the agent",
     "One transaction: systemd stop then start; launchd bootstrap (when not\n"
     "loaded) then kickstart -k (kills the running instance and starts it\n"
     "again), after the runtime half of the preflight passed, as start.\n\n"
     CHANGE_COMMON CHANGE_EXITS,
     cmd_change},
    {SOS_PROG_AGENT, "uninstall", "NAME", 1, 1, CHANGE_OPTS, VERB_AGENT_NAME | VERB_NO_NDJSON,
     "stop, disable and remove the agent's service definition",
     "Stops and disables the agent and removes its plist or unit (systemd:\n"
     "stop, disable, remove-unit, daemon-reload; launchd: bootout,\n"
     "remove-plist), then its state directory (every generation, state.json,\n"
     "the restart budget). Twice is fine: with no state directory and no\n"
     "service definition it is done; a definition installed without our\n"
     "state directory is refused (exit 2), not removed blindly.\n\n" CHANGE_COMMON
     CHANGE_EXITS,
     cmd_change},
    {SOS_PROG_AGENT, "quarantine", "[NAME]", 0, 1,
     CHANGE_OPTS | CLI_OPT_JOBS | CLI_OPT_QUARANTINE, VERB_NO_NDJSON,
     "capture a service into a verifiable bundle, then stop it reversibly",
     "NAME is a declared agent (agents.d/NAME.yaml), else a launchd job (its\n"
     "label or plist name), a systemd unit, or a podman container: an exact\n"
     "name, or the one service whose name contains NAME (more than one, or\n"
     "none: they are listed, exit 64). --label, --unit, --plist, --container\n"
     "name one exactly.\n\n"
     "First the capture: the doctor runs with everything kept and one bundle\n"
     "is written (see 'sourceos evidence inspect'): report.json, the service\n"
     "definition and what it execs, logs (tail-capped), the service manager's\n"
     "view, podman's, the auth files redacted, every command as\n"
     "commands/NNN.json, remediation.md, manifest.json; read back and scanned\n"
     "for every secret the run read (a hit deletes it, exit 3). A failed\n"
     "capture changes nothing, unless --contain-anyway.\n\n"
     "Then, unless --no-stop, one transaction (journaled, under the record's\n"
     "lock, rolled back on a failure): launchd bootout, disable, the plist\n"
     "moved aside as PLIST.disabled; systemd stop, disable, the unit moved\n"
     "aside as UNIT.disabled (and masked with --mask), daemon-reload; then\n"
     "podman stop -t shutdownTimeoutSeconds (kill if it still runs), and a\n"
     "verification (not loaded or running, disabled, moved aside, container\n"
     "down) recorded in the bundle. The prior state and a copy of the\n"
     "definition are kept in $XDG_STATE_HOME/sourceos/quarantined/NAME/;\n"
     "'sourceos-agent release NAME' puts it back. --dry-run prints the plan\n"
     "and touches nothing. With --root TREE --live the files are TREE's.\n\n"
     "Exit status: 0 captured and contained, 2 refused (quarantined already),\n"
     "3 the capture or a step failed (what a step did is undone), 64 usage\n"
     "or NAME not one service.\n",
     cmd_quarantine},
    {SOS_PROG_AGENT, "release", "NAME", 1, 1, CHANGE_OPTS | CLI_OPT_FORCE, VERB_NO_NDJSON,
     "put a quarantined service back exactly as its record says",
     "Puts back what 'quarantine NAME' took down, as its record says: the\n"
     "definition moved aside, then (as they were before) the override, the\n"
     "enablement and the running job or unit, in one transaction rolled back\n"
     "on a failure. First a preflight (a declared agent's own; for any\n"
     "service, the moved-aside definition there and its place free): a failed\n"
     "one refuses (exit 2) unless --force. The record goes when it is done.\n\n"
     CHANGE_EXITS,
     cmd_release},
    {SOS_PROG_AGENT, "repair", "NAME", 1, 1, CHANGE_OPTS, VERB_AGENT_NAME | VERB_NO_NDJSON,
     "back to the declared, last good state: an interrupted transaction rolled back, a "
     "deleted or changed service definition put back, a tripped restart budget cleared",
     "Rolls back a transaction a killed run left in the journal; puts the\n"
     "current generation's plist or unit back when the installed one is gone\n"
     "or differs (and enables and starts it again when state.json says\n"
     "enabled); clears a tripped restart budget when the preflight passes,\n"
     "and starts the agent. Says so when there is nothing to repair.\n\n" CHANGE_COMMON
     CHANGE_EXITS,
     cmd_change},
    {SOS_PROG_AGENT, "status", "NAME", 1, 1, STATUS_OPTS, VERB_AGENT_NAME | VERB_NO_NDJSON,
     "the agent's lifecycle state (declared, staged, installed, enabled, "
     "running, tripped, quarantined) from its state directory, reconciled "
     "with the service manager's and podman's view",
     "Reads the agent's state directory (the current generation and when it\n"
     "was made, state.json, the wrapper's restart budget) and asks the\n"
     "service manager (launchctl print / systemctl show) and podman\n"
     "(container and image inspect) through the checks launchd.state or\n"
     "systemd.state, podman.container and podman.image, read-only. Shows\n"
     "PID, runs/restarts, the last exit code and reason, image ID and\n"
     "digest, auth mode, log paths; a disagreement between the state\n"
     "directory and the service manager is a finding (status.*).\n"
     "Exit 0 running or staged as intended, 1 degraded, 2 failed or\n"
     "tripped, 3 cannot tell.\n",
     cmd_status},
    {SOS_PROG_AGENT, "logs", "NAME", 1, 1, LOGS_OPTS, VERB_AGENT_NAME | VERB_NO_NDJSON,
     "the agent's log paths, last exit reason and the last lines of each "
     "log (-n N), redacted; -f follows",
     "Shows each of the agent's log files (logs.app, logs.stdout,\n"
     "logs.stderr) with its last N lines (-n, default 80), runs of one\n"
     "failure line collapsed into one with its count, and the last exit\n"
     "reason (the service manager's, else the last failure line). Every\n"
     "line is redacted. -f keeps printing what is appended (following\n"
     "truncation and rotation; without log files a systemd agent's journal,\n"
     "journalctl -f) until Ctrl-C, which exits 130. Exit 1 when a log\n"
     "cannot be read (a symlink out of --root is refused).\n",
     cmd_logs},
    {SOS_PROG_AGENT, "stage", "NAME", 1, 1,
     CLI_OPT_ROOT | CLI_OPT_LIVE | CLI_OPT_CONFIG_DIR | CLI_OPT_PLUGIN_DIR | CLI_OPT_FORMAT |
         CLI_OPT_SCRATCH | CLI_OPT_DRY_RUN | CLI_OPTS_ALWAYS,
     VERB_AGENT_NAME | VERB_NO_NDJSON,
     "generate and lint the agent's wrapper and plist or unit into a new "
     "generation of its state directory; never touches persistence",
     "Reads <config-dir>/agents.d/NAME.yaml, generates the governed wrapper\n"
     "and the launchd plist or systemd unit into a new generation\n"
     "(generations/N of the agent's state directory: $XDG_STATE_HOME or\n"
     "~/.local/state + /sourceos/agents/NAME; system scope\n"
     "/var/lib/sourceos/agents/NAME), lints them (shellcheck, a libplist round\n"
     "trip or systemd-analyze verify, the doctor's launchd.lint or\n"
     "systemd.lint) and points `current` at it only when every lint passed.\n"
     "Nothing is installed. --root TREE --live stages into TREE (the state\n"
     "directory under it, the files naming TREE's paths, for TREE's OS);\n"
     "--root without --live is refused. --scratch stages into a private\n"
     "temporary state directory instead and removes it after the lints: the\n"
     "report says what a generation would be, nothing is kept (the probe\n"
     "preflight runs when nothing current was staged from the declaration);\n"
     "--dry-run is the same.\n\n"
     "Exit status: 0 the new generation is current, 2 a lint failed (the\n"
     "previous generation stays current), 3 the declaration is invalid or\n"
     "nothing could be staged, 64 usage error, 74 the report could not be\n"
     "written.\n",
     cmd_stage},
    {SOS_PROG_SOURCEOS, "evidence inspect", "FILE", 1, 1, CLI_OPT_FORMAT | CLI_OPTS_ALWAYS, VERB_NO_NDJSON,
     "verify and summarize a bundle",
     EVIDENCE_INSPECT_HELP,
     cmd_evidence_inspect},
    {SOS_PROG_SOURCEOS, "evidence extract", "FILE DIR", 2, 2, CLI_OPT_FORMAT | CLI_OPTS_ALWAYS,
     VERB_NO_NDJSON, "verify and safely extract a bundle",
     EVIDENCE_EXTRACT_HELP,
     cmd_evidence_extract},
    {SOS_PROG_CTL, "agent-machine doctor", NULL, 0, 0,
     CLI_OPT_MACHINE | CLI_OPT_CONFIG_DIR | CLI_OPT_PLUGIN_DIR | CLI_OPT_FORMAT | CLI_OPT_JOBS |
         CLI_OPT_TIMEOUT | CLI_OPT_NO_COLOR | CLI_OPT_QUIET | CLI_OPT_VERBOSE | CLI_OPT_TEXTFILE |
         CLI_OPTS_ALWAYS,
     VERB_RUN_EXITS, "read-only checks of the profile",
     "Runs the checks of scope machine of checks.d for the profile (--profile P)\n"
     "and --repo PATH, read-only, through the same runner, report and exit\n"
     "codes as the doctor: the host, Podman, the profile's machine (or native\n"
     "rootless Podman), Git and Nix, the repo, the mounts against the mount\n"
     "policy, the agent image (present, pinned) and, when the profile names\n"
     "one, the stereOS guest's control plane. Their params read the profile\n"
     "as ${profile.KEY}.\n",
     cmd_am_doctor},
    {SOS_PROG_CTL, "agent-machine init", NULL, 0, 0,
     CLI_OPT_MACHINE | CLI_OPT_FORCE | CLI_OPT_DRY_RUN | CLI_OPTS_ALWAYS, VERB_NO_NDJSON,
     "write a profile from a template",
     "Renders the template --profile TEMPLATE (macos-podman, linux-native,\n"
     "windows-wsl, windows-hyperv) as an AgentMachineProfile\n"
     "(schemas/agent-machine-profile.schema.json) named --name N (default: the\n"
     "template's) into $XDG_CONFIG_HOME (or ~/.config)/sourceos/agent-machine/\n"
     "N.yaml, mode 0600, written atomically. --repo PATH makes PATH the one\n"
     "allowed root (default ~/dev). An existing profile is kept unless --force\n"
     "is given. The planes stay apart: host, vm (the Podman machine), container\n"
     "(image, pinned digest, network none by default), user (keep-id), repo,\n"
     "agent (tools), mounts, deniedPatterns, secrets (references only: a value\n"
     "is refused) and the evidence directory. --dry-run prints the file.\n\n"
     "Exit status: 0 written, 2 the profile exists (nothing changed), 3 it could\n"
     "not be written, 64 usage error.\n",
     cmd_am_init},
    {SOS_PROG_CTL, "agent-machine start", NULL, 0, 0,
     CLI_OPT_MACHINE | CLI_OPT_DRY_RUN | CLI_OPTS_ALWAYS, VERB_NO_NDJSON,
     "start the profile's Podman machine",
     "Starts the profile's machine (podman machine start NAME) when it exists\n"
     "and is stopped. When it does not exist, prints the podman machine init\n"
     "command for the profile and exits 2, creating nothing. With native\n"
     "rootless Podman (linux-native) there is nothing to start. --dry-run\n"
     "prints the command.\n\n"
     "Exit status: 0 running (or nothing to start), 2 no such machine, 3 podman\n"
     "failed, 64 usage error.\n",
     cmd_am_start},
    {SOS_PROG_CTL, "agent-machine shell", NULL, 0, 0,
     CLI_OPT_MACHINE | CLI_OPT_DRY_RUN | CLI_OPTS_ALWAYS, VERB_NO_NDJSON,
     "a shell in the agent container",
     "One podman run --rm of the profile's image with --repo PATH mounted at\n"
     "repo.agentPath and the profile's mounts, nothing else: --cap-drop=all,\n"
     "--security-opt=no-new-privileges, --userns=keep-id, --read-only, the\n"
     "profile's network, only the host variables passEnv names, an empty auth\n"
     "file, --pull=never; --interactive, and --tty on a terminal. Every mount\n"
     "and the repo pass the mount policy first (deny by default: never $HOME,\n"
     "a credential store or a parent of one, after resolving symlinks and\n"
     "'..'; only inside repo.allowedRoots); a refusal names the path, the rule\n"
     "and what to do. Before the container starts, an evidence file\n"
     "(schemas/agent-machine-evidence.schema.json) is written to the profile's\n"
     "evidence directory, mode 0600; its exit status and end time are added\n"
     "when it exits. --dry-run prints the evidence path and the podman argv.\n\n"
     "Exit status: the shell's, 2 refused by the mount policy (the evidence\n"
     "records deniedAttempts) or the image is not local, 3 could not start,\n"
     "64 usage error.\n",
     cmd_am_shell},
    {SOS_PROG_CTL, "agent-machine run", "[-- ARGS]", 0, 64,
     CLI_OPT_MACHINE | CLI_OPT_DRY_RUN | CLI_OPTS_ALWAYS, VERB_NO_NDJSON,
     "run a tool in the agent container",
     "As shell, but not interactive, and the command is the --tool NAME's\n"
     "(one the profile enables) followed by ARGS; its version (versionCommand,\n"
     "run in the image) is in the evidence. A disabled or unknown tool is\n"
     "refused (64), naming the profile's tools.\n\n"
     "Exit status: the tool's, 2 refused by the mount policy or the image is\n"
     "not local, 3 could not start, 64 usage error.\n",
     cmd_am_run},
    {SOS_PROG_CTL, "agent-machine fingerprint", NULL, 0, 0, CLI_OPT_MACHINE | CLI_OPTS_ALWAYS,
     VERB_NO_NDJSON, "this machine and profile, as JSON",
     "Prints an AgentMachineFingerprint\n"
     "(schemas/agent-machine-fingerprint.schema.json): host (os, version,\n"
     "arch), Podman (client and server version, machine, provider, state), the\n"
     "image (reference, digest), the repo (--repo: path with $HOME, git ref,\n"
     "dirty), the mounts, the policy hash, the enabled tools' versions, the\n"
     "sourceos version and the time. Keys in a fixed order; the same host gives\n"
     "the same fingerprint apart from the time.\n\n"
     "Exit status: 0, 3 the profile could not be read, 64 usage error (also\n"
     "when there is no profile, or more than one and no --profile).\n",
     cmd_am_fingerprint},
    {SOS_PROG_CTL, "agent-machine evidence inspect", "FILE", 1, 1, CLI_OPT_FORMAT | CLI_OPTS_ALWAYS, VERB_NO_NDJSON,
     "verify and summarize a bundle",
     EVIDENCE_INSPECT_HELP,
     cmd_evidence_inspect},
    {SOS_PROG_CTL, "agent-machine evidence extract", "FILE DIR", 2, 2,
     CLI_OPT_FORMAT | CLI_OPTS_ALWAYS, VERB_NO_NDJSON,
     "verify and safely extract a bundle",
     EVIDENCE_EXTRACT_HELP,
     cmd_evidence_extract},
    {SOS_PROG_AGENT, "help", "[COMMAND]", 0, 2, CLI_OPTS_ALWAYS, 0,
     "this help, or a command's",
     "Prints this program's help, or COMMAND's: the same text as\n"
     "'sourceos-agent COMMAND --help'.\n",
     cmd_help},
};

static const char *const planned_sourceos[] = {NULL};
static const char *const planned_agent[] = {NULL};
static const char *const planned_ctl[] = {NULL};

static const struct sos_program_info programs[SOS_PROG_COUNT] = {
    [SOS_PROG_SOURCEOS] = {"sourceos", "[OPTIONS] COMMAND",
                           "Checks that local agent services and their Podman runtime are\n"
                           "safe on this machine.\n",
                           planned_sourceos, 1},
    [SOS_PROG_AGENT] = {"sourceos-agent", "[OPTIONS] COMMAND NAME", NULL,
                        planned_agent, 1},
    [SOS_PROG_CTL] = {"sourceosctl", "agent-machine COMMAND",
                      "Podman-first agent workspaces: a profile (init), its checks\n"
                      "(doctor), its machine (start), a governed container with declared\n"
                      "mounts only (shell, run), a fingerprint, and evidence for every\n"
                      "launch.\n",
                      planned_ctl, 0},
};

const struct sos_verb *sos_verbs(size_t *n)
{
    *n = sizeof verbs / sizeof verbs[0];
    return verbs;
}

const struct sos_program_info *sos_program_info(enum sos_program p)
{
    return &programs[p];
}

enum sos_program sos_program_of(const char *name)
{
    for (int p = 0; p < SOS_PROG_COUNT; p++)
        if (strcmp(programs[p].name, name) == 0)
            return (enum sos_program)p;
    return SOS_PROG_SOURCEOS;
}

/* ---- Finding the row ---------------------------------------------------- */

/* The length of the I-th word of WORDS ("doctor local-runtime"), its start
 * in *START; 0 past the last. */
static size_t word_at(const char *words, int i, const char **start)
{
    const char *p = words;
    for (; i > 0 && *p; i--) {
        p += strcspn(p, " ");
        p += *p == ' ';
    }
    *start = p;
    return strcspn(p, " ");
}

static int word_is(const char *words, int i, const char *word)
{
    const char *start;
    size_t len = word_at(words, i, &start);
    return len > 0 && strlen(word) == len && strncmp(start, word, len) == 0;
}

int sos_verb_matches(const struct sos_verb *verb, char **words, int n)
{
    const char *start;
    int i = 0;
    for (; word_at(verb->words, i, &start) > 0; i++)
        if (i >= n || !word_is(verb->words, i, words[i]))
            return 0;
    return i;
}

const struct sos_verb *sos_verb_find(enum sos_program program, char **words,
                                     int n, int *matched)
{
    const struct sos_verb *group = NULL;
    *matched = 0;
    if (n < 1)
        return NULL;
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        const struct sos_verb *v = &verbs[i];
        int m;
        if (v->program != program || !word_is(v->words, 0, words[0]))
            continue;
        m = sos_verb_matches(v, words, n);
        if (m > 0) {
            *matched = m;
            return v;
        }
        if (!group)
            group = v;
    }
    return group;
}

int sos_verb_planned(enum sos_program program, const char *word)
{
    for (const char *const *p = programs[program].planned; p && *p; p++)
        if (strcmp(*p, word) == 0)
            return 1;
    return 0;
}

/* The planned command ("agent-machine doctor") WORDS begin with, or NULL. */
static const char *planned_words(enum sos_program program, char **words, int n)
{
    for (const char *const *p = programs[program].planned; p && *p; p++) {
        const char *rest = *p;
        int i = 0;
        for (; i < n && *rest; i++) {
            size_t len = strlen(words[i]);
            if (strncmp(rest, words[i], len) != 0 || (rest[len] != ' ' && rest[len] != '\0'))
                break;
            rest += len + (rest[len] == ' ');
        }
        if (!*rest && i > 0)
            return *p;
    }
    return NULL;
}

const struct sos_verb *sos_verb_nearest(enum sos_program program, const char *word)
{
    size_t best = SIZE_MAX, len = strlen(word);
    const struct sos_verb *found = NULL;
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        const char *start;
        size_t d;
        if (verbs[i].program != program)
            continue;
        d = sos_edit_distance(start = verbs[i].words, word_at(verbs[i].words, 0, &start),
                              word, len);
        if (d < best) {
            best = d;
            found = &verbs[i];
        }
    }
    return found && best <= 2 && best * 2 < len ? found : NULL;
}

/* ---- Dispatch ----------------------------------------------------------- */

/* "unknown command 'WORD'" with the nearest command, if one is near. */
static int unknown_command(struct cli *cli, enum sos_program program,
                           const char *what, const char *word)
{
    char shown[256], hint[64], near[96] = "";
    const struct sos_verb *v = sos_verb_nearest(program, word);
    if (v)
        snprintf(near, sizeof near, " (did you mean '%.*s'?)",
                 (int)strcspn(v->words, " "), v->words);
    cli_error(cli, "%s '%s'%s; see '%s'", what, cli_escape(word, shown, sizeof shown),
              near, sos_help_hint(program, hint, sizeof hint));
    return SOS_EXIT_USAGE;
}

/* "usage: PROG WORDS OPERAND" of every row of VERB's group. */
static int group_usage(struct cli *cli, const struct sos_verb *verb)
{
    char text[512];
    size_t used = 0, n;
    const struct sos_verb *all = sos_verbs(&n);
    size_t group = strcspn(verb->words, " ");
    for (size_t i = 0; i < n; i++) {
        const struct sos_verb *v = &all[i];
        if (v->program != verb->program || strcspn(v->words, " ") != group ||
            strncmp(v->words, verb->words, group) != 0 || used >= sizeof text)
            continue;
        used += (size_t)snprintf(text + used, sizeof text - used, "%s%s %s%s%s",
                                 used ? " | " : "", cli->program, v->words,
                                 v->operand ? " " : "", v->operand ? v->operand : "");
    }
    cli_error(cli, "usage: %s (see '%s %.*s --help')", text, cli->program,
              (int)group, verb->words);
    return SOS_EXIT_USAGE;
}

/* NDJSON is the event stream of a run; a listing has no events, and
 * printing JSON instead would break a reader that asked for lines. */
static int refuse_ndjson(struct cli *cli, const struct sos_verb *verb)
{
    cli_error(cli, "--format ndjson streams the events of a doctor run; '%s %s' "
                   "has none: use --format json",
              cli->program, verb->words);
    return SOS_EXIT_USAGE;
}

/* An option the command does not read would be ignored: a --root that
 * is not looked at, a --profile for nothing. Refused, named as typed. */
static int refuse_option(struct cli *cli, const struct sos_verb *verb)
{
    unsigned extra = cli->given & ~(verb->options | CLI_OPTS_ALWAYS);
    char name[128], shown[512];
    int i = 0;
    while (!(extra & (1u << i)))
        i++;
    snprintf(name, sizeof name, "%.*s", (int)strcspn(cli->given_as[i], "="), cli->given_as[i]);
    cli_error(cli, "option '%s' is not one '%s %s' reads; see '%s %s --help'",
              cli_escape(name, shown, sizeof shown), cli->program, verb->words, cli->program,
              verb->words);
    return SOS_EXIT_USAGE;
}

/* A name that could be a path is the caller's mistake, not a broken
 * declaration. */
static int refuse_name(struct cli *cli, const char *name)
{
    char shown[256];
    cli_error(cli, "'%s' is not an agent name: lower-case letters, digits and "
                   "'-', at most 64 characters, not starting with '-'",
              cli_escape(name, shown, sizeof shown));
    return SOS_EXIT_USAGE;
}

int sos_verb_dispatch(struct cli *cli)
{
    enum sos_program program = sos_program_of(cli->program);
    const struct sos_verb *verb;
    char hint[64];
    int matched, n_operands;

    if (cli->n_words == 0) {
        if (cli->help) {
            sos_help_program(program);
            return SOS_EXIT_OK;
        }
        cli_error(cli, "no command given; see '%s'",
                  sos_help_hint(program, hint, sizeof hint));
        return SOS_EXIT_USAGE;
    }
    verb = sos_verb_find(program, cli->words, cli->n_words, &matched);
    if ((!verb || !matched) && planned_words(program, cli->words, cli->n_words)) {
        cli_error(cli, "'%s' is not in this release; see '%s --help'",
                  planned_words(program, cli->words, cli->n_words), cli->program);
        return SOS_EXIT_USAGE;
    }
    if (!verb)
        return unknown_command(cli, program, "unknown command", cli->words[0]);
    if (cli->help) {
        sos_help_verb(verb);
        return SOS_EXIT_OK;
    }
    n_operands = cli->n_words - matched;
    if (!matched || n_operands < verb->min_operands || n_operands > verb->max_operands)
        return group_usage(cli, verb);
    if ((cli->lines_given && !(verb->options & CLI_OPT_LINES)) ||
        (cli->follow && !(verb->options & CLI_OPT_FOLLOW))) {
        cli_error(cli, "options -n and -f are for 'logs'; see '%s %s --help'", cli->program,
                  verb->words);
        return SOS_EXIT_USAGE;
    }
    if ((cli->dry_run && !(verb->options & CLI_OPT_DRY_RUN)) ||
        (cli->despite_preflight && !(verb->options & CLI_OPT_DESPITE))) {
        cli_error(cli, "option %s is for the commands that change the host (install, "
                       "activate, ...); '%s %s' changes nothing",
                  cli->dry_run && !(verb->options & CLI_OPT_DRY_RUN) ? "--dry-run"
                                                                     : "--enable-despite-preflight",
                  cli->program, verb->words);
        return SOS_EXIT_USAGE;
    }
    if (cli->am_given && !(verb->options & CLI_OPT_MACHINE)) {
        cli_error(cli, "options --profile, --repo, --name and --tool are for 'sourceosctl "
                       "agent-machine'; see '%s %s --help'", cli->program, verb->words);
        return SOS_EXIT_USAGE;
    }
    if ((cli->q_given && !(verb->options & CLI_OPT_QUARANTINE)) ||
        (cli->q_force && !(verb->options & CLI_OPT_FORCE))) {
        cli_error(cli, "option %s is for '%s'; see '%s %s --help'",
                  cli->q_force && !(verb->options & CLI_OPT_FORCE) ? "--force"
                                                                    : "--label/--unit/--plist/"
                                                                      "--container/--output/"
                                                                      "--compress/--log-bytes/"
                                                                      "--no-stop/--contain-anyway/"
                                                                      "--mask",
                  cli->q_force && !(verb->options & CLI_OPT_FORCE) ? "release' and 'agent-machine init"
                                                                    : "quarantine",
                  cli->program, verb->words);
        return SOS_EXIT_USAGE;
    }
    if (cli->from_bundle && !(verb->options & CLI_OPT_FROM_BUNDLE)) {
        cli_error(cli, "option --from-bundle is for 'doctor'; see '%s %s --help'", cli->program,
                  verb->words);
        return SOS_EXIT_USAGE;
    }
    if (cli->from_bundle && (cli->root || cli->live)) {
        cli_error(cli, "--from-bundle reads the bundle's own tree and captures: it cannot be "
                       "combined with %s", cli->root ? "--root" : "--live");
        return SOS_EXIT_USAGE;
    }
    if ((cli->textfile || cli->format == FORMAT_PROMETHEUS) &&
        !(verb->options & CLI_OPT_TEXTFILE)) {
        cli_error(cli, "%s is for the doctors' runs (doctor local-runtime, doctor NAME, "
                       "agent-machine doctor); see '%s %s --help'",
                  cli->textfile ? "--textfile" : "--format prometheus", cli->program,
                  verb->words);
        return SOS_EXIT_USAGE;
    }
    if (cli->list && !(verb->options & CLI_OPT_LIST)) {
        cli_error(cli, "option --list is for 'sourceos explain'; see '%s %s --help'",
                  cli->program, verb->words);
        return SOS_EXIT_USAGE;
    }
    if (cli->scratch && !(verb->options & CLI_OPT_SCRATCH)) {
        cli_error(cli, "option --scratch is for 'stage'; see '%s %s --help'", cli->program,
                  verb->words);
        return SOS_EXIT_USAGE;
    }
    if (cli->given & ~(verb->options | CLI_OPTS_ALWAYS))
        return refuse_option(cli, verb);
    if ((verb->flags & VERB_NO_NDJSON) && cli->format == FORMAT_NDJSON)
        return refuse_ndjson(cli, verb);
    if ((verb->flags & VERB_AGENT_NAME) && !sos_agent_name_valid(cli->words[matched]))
        return refuse_name(cli, cli->words[matched]);
    return verb->run(cli, verb, cli->words + matched);
}

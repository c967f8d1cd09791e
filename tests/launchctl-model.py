#!/usr/bin/env python3
"""A stand-in `launchctl` that models launchd, for tests on a machine without it.

Usage:
  launchctl-model.py VERB ARGS...      behave as `launchctl VERB ARGS...`
  launchctl-model.py --shim DIR        write DIR/launchctl, a sh shim that runs
                                       this model with the LAUNCHCTL_MODEL_*
                                       variables of the moment baked in as
                                       defaults (sourceos runs commands with a
                                       cleaned environment, so they would
                                       not reach it otherwise)

Environment:
  LAUNCHCTL_MODEL_STATE  (required) JSON file holding launchd's state; created
                         on first use. Invocations lock it (flock on STATE.lock)
                         and replace it atomically.
  LAUNCHCTL_MODEL_LOG    every invocation's argv, ["launchctl", ARGS...], one
                         JSON array a line, appended before anything is done.
  LAUNCHCTL_MODEL_ROOT   a --root tree: plist, program, log and working
                         directory paths name macOS paths and are read under it;
                         the disabled overrides are read from and written to
                         ROOT/var/db/com.apple.xpc.launchd/disabled[.UID].plist
  LAUNCHCTL_MODEL_NO_GUI=1  no GUI login (an SSH session): the gui/UID domains
                         do not exist.
  LAUNCHCTL_MODEL_AS_ROOT=1|0  whether the caller is root, which decides how
                         much launchctl says on a refusal (below). Default:
                         root for the system domain, not root for the others.
  LAUNCHCTL_MODEL_ALREADY_LOADED=5|37  bootstrap's error for a loaded label:
                         5 (default; every macOS) or 37 (newer ones, also seen
                         while a bootout drains).
  LAUNCHCTL_MODEL_DRAIN=N  a bootout of a running job drains: the next N
                         bootstraps of its label answer "Bootstrap failed:
                         37: Operation already in progress" and load
                         nothing (real launchd waits up to ExitTimeOut for
                         the job to exit; default 0, at once).
  LAUNCHCTL_MODEL_DIALECT=new|old  print-disabled's dialect (default new:
                         `=> disabled|enabled`; old: `=> true|false`).
  LAUNCHCTL_MODEL_RUN=1  really execute a job's program when it starts; off
                         (default), a start only marks the job running with a
                         made-up pid.
  LAUNCHCTL_MODEL_MAX_RUNS  cap on a job's runs (default 50): a KeepAlive loop
                         stops there, in state "spawn scheduled".
  LAUNCHCTL_MODEL_TIMEOUT   seconds one run may take (default 20); a job still
                         running then is killed and recorded as running (it is
                         a long-running job; the model runs jobs synchronously).
  LAUNCHCTL_MODEL_PATH   PATH a job gets (default /usr/bin:/bin:/usr/sbin:/sbin,
                         launchd's).
  LAUNCHCTL_MODEL_HOME   HOME a job gets (default: the uid's passwd entry).
  LAUNCHCTL_MODEL_JOB_ENV  JSON object of extra variables for every job (a test
                         hook, not launchd's; the plist's EnvironmentVariables
                         win over it).
  LAUNCHCTL_MODEL_FAIL   VERB[:TEXT],... (a test hook, not launchd's): each VERB
                         named is refused before it changes anything, "VERB
                         failed: 1: Operation not permitted", exit 1; with
                         :TEXT only when the job it names (its loaded
                         definition, or for bootstrap the plist) has TEXT in
                         its program or arguments, so that a rollback that
                         goes back to another definition is not refused too.

What it models (and where the reference captures in tests/fixtures/launchd
and shared/reference/ecosystem.md are silent, what it assumes; every
assumption is marked ASSUMED):

State. Domains `gui/UID`, `user/UID` and `system`. Per domain: the loaded
services and the disabled overrides (label -> bool, true = disabled; they
outlive bootout, as launchd's do). Per service: the plist path, Program,
ProgramArguments, KeepAlive, RunAtLoad, ThrottleInterval, log paths,
EnvironmentVariables, WorkingDirectory, state (running / not running / spawn
scheduled), pid, runs, last exit code or last terminating signal, and the
model-clock times of its last starts. The model clock never sleeps: it is at
least the wall clock, and each spawn is at least ThrottleInterval (default
10, launchd's) after the previous one.

bootstrap DOMAIN PLIST...: checks, in this order (ASSUMED order):
  - gui/UID without a GUI login: "Bootstrap failed: 125: Domain does not
    support specified action", exit 125.
  - a missing file: "PATH: No such file or directory" and "Bootstrap failed:
    2: No such file or directory", exit 2 (as bootout says it in public
    reports; ASSUMED the same for bootstrap).
  - ownership: the owner must be root or the domain's user (root only for
    system); group- or world-writable is refused.
  - the plist must parse (XML or binary, plistlib) to a dict with a string
    Label and a Program or a non-empty ProgramArguments.
  - the label must not be disabled in the domain.
  - the label must not be loaded already.
  A refusal by a caller who is not root is always "Bootstrap failed: 5:
  Input/output error" and "Try re-running the command as root for richer
  errors.", exit 5 (macOS 12 and later; public reports show it for disabled
  labels, loaded labels, and bad plists alike). As root, launchd names a
  disabled label: "PATH: Service is disabled" and "Bootstrap failed: 119:
  Service is disabled", exit 119 (a public report, system domain), and
  bad ownership: "PATH: Path had bad ownership/permissions" and "Bootstrap
  failed: 122: Path had bad ownership/permissions", exit 122 (ASSUMED by
  analogy with 119; launchd's error 122 has that text); the others stay
  "Bootstrap failed: 5: Input/output error", without the hint. A loaded
  label is 5, or 37 "Operation already in progress" with
  LAUNCHCTL_MODEL_ALREADY_LOADED=37.
  Loading starts the job when RunAtLoad is true, when KeepAlive is true, or
  when KeepAlive is a dict with SuccessfulExit (launchd.plist(5): that key
  "implies that RunAtLoad is set to true").

bootout DOMAIN/LABEL | DOMAIN PLIST...: unloads (a running job is stopped:
  ASSUMED at once; real launchd drains for up to ExitTimeOut). The disabled
  override is untouched (bootout does not disable; `unload -w` did). Not
  loaded: "Boot-out failed: 3: No such process", exit 3 for a service
  target, and "Boot-out failed: 5: Input/output error", exit 5 for a plist
  path (both as public reports show them; older macOS may have said 113
  "Could not find specified service", which the model does not). A missing
  plist: "PATH: No such file or directory" and "Boot-out failed: 2: No such
  file or directory", exit 2.

enable / disable DOMAIN/LABEL: record the override (enable records false, it
  does not delete the key: plugins/launchd/overrides.c says the same of launchd).
  With LAUNCHCTL_MODEL_ROOT, also written as launchd's own override plist
  (XML; dict of label -> bool). disable does not stop a loaded job.

kickstart [-k] [-p] DOMAIN/LABEL: starts a loaded job (runs + 1). A running
  job is left alone without -k; with -k it is killed first (ASSUMED: its last
  terminating signal is recorded as "Killed: 9"). -p prints the pid. Not
  loaded: the print refusal (113). ASSUMED: a disabled but loaded job can be
  kickstarted.

print DOMAIN/LABEL: the shape of the captured output (a block named after the
  service, keys one tab in, nested blocks for arguments and environment),
  with the keys plugins/launchd/live.c reads: state, path, program, runs,
  pid (while running), last exit code ("(never exited)" before the first
  exit) or last terminating signal, stdout/stderr path, properties. Not
  loaded: 'Could not find service "LABEL" in domain for user gui: UID' (the
  capture), exit 113; ASSUMED "in domain for uid: UID" for user/UID and "in
  domain for system" for system. print DOMAIN prints a short domain block.

print-disabled DOMAIN: the captured new (or old) dialect.
list: "PID\tStatus\tLabel" for the caller's gui domain (the uid the model
  runs as), Status the last exit code, or minus the signal.
error N: launchctl's text for an error number.

Without a GUI login every other verb on gui/UID says "Could not find domain
for user gui: UID" (a public report), exit 112 (ASSUMED: launchd's "Could not
find specified domain").

Running (LAUNCHCTL_MODEL_RUN=1): the job's program is executed synchronously
the way launchd would spawn it: Program (or ProgramArguments[0]) with
ProgramArguments as argv, stdin /dev/null, stdout/stderr appended to
StandardOutPath/StandardErrorPath (else /dev/null), cwd WorkingDirectory (else
/), and launchd's small environment (PATH, HOME, USER, LOGNAME, SHELL, TMPDIR,
XPC_SERVICE_NAME) plus EnvironmentVariables; not the caller's. Under a root
tree the program is executed from ROOT/PATH with argv as the plist says; a
script still sees its host path as $0 (the kernel passes it; no chroot). A program that
cannot be executed, or a log file that cannot be opened, is a spawn failure:
ASSUMED exit code 78 (EX_CONFIG, which launchd reports for those). After each
exit, KeepAlive decides: true restarts always; a dict restarts when any of its
conditions holds: SuccessfulExit false on a non-zero exit or a signal,
SuccessfulExit true on exit 0, Crashed true on a signal, Crashed false on no
signal (launchd.plist(5)); its other keys (NetworkState, PathState,
OtherJobEnabled...) are ignored (ASSUMED never true). UserName, GroupName,
Umask and the session type are ignored: the job runs as the caller.
"""

import contextlib
import fcntl
import json
import os
import plistlib
import pwd
import signal
import stat
import subprocess
import sys
import tempfile
import time

SCHEMA = 1
DEFAULT_THROTTLE = 10
DEFAULT_EXIT_TIMEOUT = 5
DEFAULT_MAX_RUNS = 50
DEFAULT_RUN_TIMEOUT = 20.0
LAUNCHD_PATH = "/usr/bin:/bin:/usr/sbin:/sbin"
ASID = 100015  # the captures' audit session id
OVERRIDE_DIR = "/var/db/com.apple.xpc.launchd"
EX_CONFIG = 78
FIRST_PID = 40000

# launchctl's error texts (`launchctl error N`): errno values, then launchd's own.
ERRORS = {
    1: "Operation not permitted",
    2: "No such file or directory",
    3: "No such process",
    5: "Input/output error",
    37: "Operation already in progress",
    64: "Usage error",
    107: "Malformed bundle",
    108: "Invalid path",
    109: "Invalid property list",
    110: "Invalid or missing service identifier",
    111: "Invalid or missing Program/ProgramArguments",
    112: "Could not find specified domain",
    113: "Could not find specified service",
    119: "Service is disabled",
    122: "Path had bad ownership/permissions",
    125: "Domain does not support specified action",
    134: "Service cannot load in requested session",
}

ROOT_HINT = "Try re-running the command as root for richer errors."
SIGNAL_TEXT = {
    signal.SIGHUP: "Hangup: 1", signal.SIGINT: "Interrupt: 2",
    signal.SIGQUIT: "Quit: 3", signal.SIGILL: "Illegal instruction: 4",
    signal.SIGABRT: "Abort trap: 6", signal.SIGKILL: "Killed: 9",
    signal.SIGBUS: "Bus error: 10", signal.SIGSEGV: "Segmentation fault: 11",
    signal.SIGPIPE: "Broken pipe: 13", signal.SIGTERM: "Terminated: 15",
}
# launchd.plist(5): Crashed is about signals "typically associated with a crash".
CRASH_SIGNALS = {signal.SIGILL, signal.SIGABRT, signal.SIGBUS, signal.SIGSEGV,
                 signal.SIGFPE, signal.SIGSYS, signal.SIGTRAP}


class Refusal(Exception):
    """launchctl's answer to a request it refuses: stderr lines and exit code."""

    def __init__(self, code, *lines):
        super().__init__(code)
        self.code = code
        self.lines = lines


def env_flag(name, default=False):
    v = os.environ.get(name)
    if v is None or v == "":
        return default
    return v not in ("0", "false", "no")


def env_int(name, default):
    try:
        return int(os.environ.get(name, ""))
    except ValueError:
        return default


# ---- paths under the root ---------------------------------------------------

def root():
    return os.environ.get("LAUNCHCTL_MODEL_ROOT") or ""


def host_path(path):
    """PATH (a macOS path) as a path on this machine: under the root if given.
    A path already inside the root is taken as it is."""
    r = root()
    if not r or not path.startswith("/"):
        return path
    r = r.rstrip("/")
    if path == r or path.startswith(r + "/"):
        return path
    return r + path


# ---- domains ------------------------------------------------------------------

class Domain:
    def __init__(self, name, kind, uid):
        self.name, self.kind, self.uid = name, kind, uid

    def owners(self):
        return {0} if self.kind == "system" else {0, self.uid}

    def not_found(self, label):
        if self.kind == "gui":
            where = "user gui: %d" % self.uid
        elif self.kind == "user":
            where = "uid: %d" % self.uid
        else:
            where = "system"
        return 'Could not find service "%s" in domain for %s' % (label, where)

    def override_file(self):
        if self.kind == "system":
            return OVERRIDE_DIR + "/disabled.plist"
        return OVERRIDE_DIR + "/disabled.%d.plist" % self.uid

    def as_root(self):
        return env_flag("LAUNCHCTL_MODEL_AS_ROOT", self.kind == "system")

    def missing(self):
        return self.kind == "gui" and env_flag("LAUNCHCTL_MODEL_NO_GUI")


def usage(text):
    return Refusal(64, "Unrecognized target specifier.", text)


def parse_domain(word):
    if word == "system":
        return Domain("system", "system", 0)
    kind, _, uid = word.partition("/")
    if kind in ("gui", "user") and uid.isdigit():
        return Domain("%s/%d" % (kind, int(uid)), kind, int(uid))
    raise usage("Usage: launchctl <subcommand> <domain-target> ...: '%s' is not "
                "system, gui/<uid> or user/<uid>" % word)


def parse_service(word):
    head, sep, label = word.rpartition("/")
    if not sep or not label:
        raise usage("<service-target> takes a form of <domain-target>/<service-id>.")
    return parse_domain(head), label


def domain_must_exist(d):
    if d.missing():
        raise Refusal(112, "Could not find domain for user gui: %d" % d.uid)


# ---- state --------------------------------------------------------------------

class State:
    def __init__(self, path):
        self.path = path
        self.data = {"schema": SCHEMA, "clock": 0.0, "next_pid": FIRST_PID,
                     "domains": {}}
        try:
            with open(path, encoding="utf-8") as f:
                self.data = json.load(f)
        except FileNotFoundError:
            pass
        self.data["clock"] = max(float(self.data.get("clock", 0)), time.time())

    def domain(self, d):
        dom = self.data["domains"].setdefault(d.name, {"services": {}, "disabled": {}})
        if root():
            dom["disabled"] = read_overrides(d, dom["disabled"])
        return dom

    def pid(self):
        self.data["next_pid"] += 1
        return self.data["next_pid"]

    def save(self):
        d = os.path.dirname(os.path.abspath(self.path))
        fd, tmp = tempfile.mkstemp(prefix=".launchctl-model.", dir=d)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self.data, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(tmp, self.path)


@contextlib.contextmanager
def locked_state():
    path = os.environ.get("LAUNCHCTL_MODEL_STATE")
    if not path:
        raise Refusal(70, "launchctl-model: LAUNCHCTL_MODEL_STATE is not set")
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = State(path)
        try:
            yield state
        except Refusal:
            state.save()  # what was done before the refusal stays done
            raise
        state.save()


def read_overrides(d, fallback):
    """The domain's override plist under the root, launchd's source of truth."""
    p = host_path(d.override_file())
    try:
        with open(p, "rb") as f:
            data = plistlib.load(f)
    except FileNotFoundError:
        return fallback
    except Exception:
        return {}  # launchd ignores a broken override file
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, bool)}


def write_overrides(d, overrides):
    if not root():
        return
    p = host_path(d.override_file())
    os.makedirs(os.path.dirname(p), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".disabled.", dir=os.path.dirname(p))
    with os.fdopen(fd, "wb") as f:
        plistlib.dump(dict(sorted(overrides.items())), f, fmt=plistlib.FMT_XML)
    os.chmod(tmp, 0o644)
    os.replace(tmp, p)


# ---- reading a plist the way launchd does ----------------------------------------

def refuse_bootstrap(d, path, code, why):
    """The refusal as launchctl words it for this caller."""
    if not d.as_root():
        return Refusal(5, "Bootstrap failed: 5: Input/output error", ROOT_HINT)
    if code in (119, 122):
        return Refusal(code, "%s: %s" % (path, why),
                       "Bootstrap failed: %d: %s" % (code, ERRORS[code]))
    return Refusal(5, "Bootstrap failed: 5: Input/output error")


def load_plist(d, path):
    """The job PATH describes, or a Refusal as launchd gives it."""
    real = host_path(path)
    try:
        st = os.stat(real)
    except FileNotFoundError:
        raise Refusal(2, "%s: No such file or directory" % path,
                      "Bootstrap failed: 2: No such file or directory")
    if st.st_uid not in d.owners() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise refuse_bootstrap(d, path, 122, ERRORS[122])
    try:
        with open(real, "rb") as f:
            p = plistlib.load(f)
    except Exception:
        raise refuse_bootstrap(d, path, 109, ERRORS[109])
    if not isinstance(p, dict) or not isinstance(p.get("Label"), str) or not p["Label"]:
        raise refuse_bootstrap(d, path, 110, ERRORS[110])
    args = p.get("ProgramArguments")
    prog = p.get("Program")
    if args is not None and (not isinstance(args, list) or
                             not all(isinstance(a, str) for a in args)):
        raise refuse_bootstrap(d, path, 111, ERRORS[111])
    if not (isinstance(prog, str) and prog) and not args:
        raise refuse_bootstrap(d, path, 111, ERRORS[111])
    return p


def job_from_plist(path, p):
    args = list(p.get("ProgramArguments") or [])
    program = p.get("Program") if isinstance(p.get("Program"), str) else None
    keepalive = p.get("KeepAlive", False)
    if not isinstance(keepalive, (bool, dict)):
        keepalive = False
    throttle = p.get("ThrottleInterval", DEFAULT_THROTTLE)
    exit_timeout = p.get("ExitTimeOut", DEFAULT_EXIT_TIMEOUT)
    env = p.get("EnvironmentVariables")
    return {
        "path": path,
        "label": p["Label"],
        "program": program,
        "arguments": args,
        "keepalive": keepalive,
        "run_at_load": p.get("RunAtLoad") is True,
        "throttle_interval": throttle if isinstance(throttle, int) and throttle >= 0
        else DEFAULT_THROTTLE,
        "exit_timeout": exit_timeout if isinstance(exit_timeout, int) else DEFAULT_EXIT_TIMEOUT,
        "stdout_path": p.get("StandardOutPath") if isinstance(p.get("StandardOutPath"), str) else None,
        "stderr_path": p.get("StandardErrorPath") if isinstance(p.get("StandardErrorPath"), str) else None,
        "working_directory": p.get("WorkingDirectory") if isinstance(p.get("WorkingDirectory"), str) else None,
        "environment": {k: v for k, v in env.items() if isinstance(v, str)}
        if isinstance(env, dict) else {},
        "state": "not running",
        "pid": None,
        "runs": 0,
        "last_exit_code": None,
        "last_signal": None,
        "starts": [],
    }


def starts_at_load(job):
    ka = job["keepalive"]
    return job["run_at_load"] or ka is True or (isinstance(ka, dict) and "SuccessfulExit" in ka)


# ---- running a job ------------------------------------------------------------------

def job_env(d, job):
    try:
        pw = pwd.getpwuid(d.uid)
        home, user = pw.pw_dir, pw.pw_name
    except KeyError:
        home, user = "/", str(d.uid)
    env = {
        "PATH": os.environ.get("LAUNCHCTL_MODEL_PATH") or LAUNCHD_PATH,
        "HOME": os.environ.get("LAUNCHCTL_MODEL_HOME") or home,
        "USER": user, "LOGNAME": user, "SHELL": "/bin/sh",
        "TMPDIR": os.environ.get("TMPDIR") or "/tmp",
        "XPC_SERVICE_NAME": job["label"], "XPC_FLAGS": "0x0",
    }
    extra = os.environ.get("LAUNCHCTL_MODEL_JOB_ENV")
    if extra:
        env.update({k: str(v) for k, v in json.loads(extra).items()})
    env.update(job["environment"])
    return env


def open_log(path):
    if not path:
        return open(os.devnull, "wb")
    return open(host_path(path), "ab")


def execute(d, job):
    """One run of JOB: (exit code, signal number, still running pid)."""
    argv = job["arguments"] or [job["program"]]
    exe = job["program"] or argv[0]
    exe_host = host_path(exe) if os.path.exists(host_path(exe)) else exe
    cwd = host_path(job["working_directory"]) if job["working_directory"] else (root() or "/")
    try:
        out, err = open_log(job["stdout_path"]), open_log(job["stderr_path"])
    except OSError:
        return EX_CONFIG, None, None
    try:
        proc = subprocess.Popen(argv, executable=exe_host, cwd=cwd, env=job_env(d, job),
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True)
    except OSError:
        return EX_CONFIG, None, None
    finally:
        out.close()
        err.close()
    timeout = float(os.environ.get("LAUNCHCTL_MODEL_TIMEOUT") or DEFAULT_RUN_TIMEOUT)
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return None, None, proc.pid
    return (rc, None, None) if rc >= 0 else (None, -rc, None)


def wants_restart(job, code, sig):
    ka = job["keepalive"]
    if ka is True:
        return True
    if not isinstance(ka, dict):
        return False
    failed = sig is not None or code != 0
    crashed = sig in CRASH_SIGNALS
    if ka.get("SuccessfulExit") is False and failed:
        return True
    if ka.get("SuccessfulExit") is True and not failed:
        return True
    if ka.get("Crashed") is True and crashed:
        return True
    if ka.get("Crashed") is False and sig is None:
        return True
    return False


def spawn_time(state, job):
    t = state.data["clock"]
    if job["starts"]:
        t = max(t, job["starts"][-1] + job["throttle_interval"])
    state.data["clock"] = t
    job["starts"] = (job["starts"] + [t])[-100:]


def start(state, d, job):
    """Starts JOB as launchd would, and keeps it alive as its KeepAlive says."""
    cap = max(1, env_int("LAUNCHCTL_MODEL_MAX_RUNS", DEFAULT_MAX_RUNS))
    while True:
        spawn_time(state, job)
        job["runs"] += 1
        if not env_flag("LAUNCHCTL_MODEL_RUN"):
            job["state"], job["pid"] = "running", state.pid()
            return
        began = time.monotonic()
        code, sig, alive = execute(d, job)
        state.data["clock"] += time.monotonic() - began
        if alive is not None:
            job["state"], job["pid"] = "running", alive
            return
        job["pid"] = None
        job["last_exit_code"], job["last_signal"] = code, sig
        if not wants_restart(job, code, sig):
            job["state"] = "not running"
            return
        if job["runs"] >= cap:
            job["state"] = "spawn scheduled"  # what launchd shows between respawns
            return


def stop(job, sig=signal.SIGTERM):
    if job["state"] == "running":
        job["last_exit_code"], job["last_signal"] = None, int(sig)
    job["state"], job["pid"] = "not running", None


# ---- injected failures -----------------------------------------------------------------

def injected(verb, job_args):
    """Whether LAUNCHCTL_MODEL_FAIL refuses VERB for a job of JOB_ARGS (a
    list of its program and arguments, or None when it names no job)."""
    for item in (os.environ.get("LAUNCHCTL_MODEL_FAIL") or "").split(","):
        name, sep, text = item.partition(":")
        if name != verb:
            continue
        if not sep or (job_args is not None and any(text in a for a in job_args)):
            return True
    return False


def maybe_fail(state, verb, args):
    if not os.environ.get("LAUNCHCTL_MODEL_FAIL"):
        return
    job_args = None
    targets = [a for a in args if not a.startswith("-")]
    try:
        if verb == "bootstrap" and len(targets) >= 2:
            with open(host_path(targets[1]), "rb") as f:
                p = plistlib.load(f)
            job_args = [p.get("Program") or ""] + list(p.get("ProgramArguments") or [])
        elif targets:
            d, label = parse_service(targets[-1])
            job = state.domain(d)["services"].get(label)
            if job:
                job_args = [job["program"] or ""] + job["arguments"]
    except Exception:
        job_args = None
    if injected(verb, job_args):
        raise Refusal(1, "%s failed: 1: %s" % (verb.capitalize(), ERRORS[1]))


# ---- verbs ----------------------------------------------------------------------------

def v_bootstrap(state, args, out):
    if len(args) < 2:
        raise Refusal(64, "Usage: launchctl bootstrap <domain-target> [service-path ...]")
    d = parse_domain(args[0])
    if d.missing():
        raise Refusal(125, "Bootstrap failed: 125: %s" % ERRORS[125])
    dom = state.domain(d)
    for path in args[1:]:
        p = load_plist(d, path)
        label = p["Label"]
        if dom["disabled"].get(label) is True:
            raise refuse_bootstrap(d, path, 119, ERRORS[119])
        draining = dom.setdefault("draining", {})
        if draining.get(label, 0) > 0:
            draining[label] -= 1
            if not draining[label]:
                del draining[label]
            raise Refusal(37, "Bootstrap failed: 37: %s" % ERRORS[37])
        if label in dom["services"]:
            if env_int("LAUNCHCTL_MODEL_ALREADY_LOADED", 5) == 37:
                raise Refusal(37, "Bootstrap failed: 37: %s" % ERRORS[37])
            raise refuse_bootstrap(d, path, 5, ERRORS[5])
        job = job_from_plist(path, p)
        dom["services"][label] = job
        if starts_at_load(job):
            start(state, d, job)


def v_bootout(state, args, out):
    if not args:
        raise Refusal(64, "Usage: launchctl bootout <domain-target> [service-path1, service-path2, ...] | <service-target>")
    if len(args) == 1:
        d, label = parse_service(args[0])
        domain_must_exist(d)
        dom = state.domain(d)
        if label not in dom["services"]:
            raise Refusal(3, "Boot-out failed: 3: %s" % ERRORS[3])
        job = dom["services"].pop(label)
        if job.get("state") == "running" and env_int("LAUNCHCTL_MODEL_DRAIN", 0) > 0:
            dom.setdefault("draining", {})[label] = env_int("LAUNCHCTL_MODEL_DRAIN", 0)
        stop(job)
        return
    d = parse_domain(args[0])
    domain_must_exist(d)
    dom = state.domain(d)
    for path in args[1:]:
        real = host_path(path)
        if not os.path.exists(real):
            raise Refusal(2, "%s: No such file or directory" % path,
                          "Boot-out failed: 2: No such file or directory")
        try:
            with open(real, "rb") as f:
                label = plistlib.load(f).get("Label")
        except Exception:
            label = None
        if not isinstance(label, str) or label not in dom["services"]:
            raise Refusal(5, "Boot-out failed: 5: %s" % ERRORS[5])
        stop(dom["services"].pop(label))


def set_override(state, args, disabled):
    if len(args) != 1:
        raise Refusal(64, "Usage: launchctl %s <service-target>" %
                      ("disable" if disabled else "enable"))
    d, label = parse_service(args[0])
    domain_must_exist(d)
    dom = state.domain(d)
    dom["disabled"][label] = disabled
    write_overrides(d, dom["disabled"])


def v_enable(state, args, out):
    set_override(state, args, False)


def v_disable(state, args, out):
    set_override(state, args, True)


def loaded_job(state, word):
    d, label = parse_service(word)
    domain_must_exist(d)
    job = state.domain(d)["services"].get(label)
    if job is None:
        raise Refusal(113, d.not_found(label))
    return d, job


def v_kickstart(state, args, out):
    flags = [a for a in args if a.startswith("-")]
    targets = [a for a in args if not a.startswith("-")]
    if len(targets) != 1 or any(f not in ("-k", "-p", "-s", "-kp", "-pk") for f in flags):
        raise Refusal(64, "Usage: launchctl kickstart [-k] [-p] <service-target>")
    kill = any("k" in f for f in flags)
    d, job = loaded_job(state, targets[0])
    if job["state"] == "running":
        if not kill:
            if any("p" in f for f in flags):
                out.append(str(job["pid"]))
            return
        stop(job, signal.SIGKILL)
    start(state, d, job)
    if any("p" in f for f in flags) and job["pid"]:
        out.append(str(job["pid"]))


def properties(job):
    props = []
    if job["keepalive"] is True or isinstance(job["keepalive"], dict):
        props.append("keepalive")
    if job["run_at_load"]:
        props.append("runatload")
    if not job["program"]:
        props.append("inferred program")
    return " | ".join(props) if props else "(none)"


def last_exit(job):
    if job["last_signal"] is not None:
        s = job["last_signal"]
        return "\tlast terminating signal = %s" % SIGNAL_TEXT.get(s, "Signal %d: %d" % (s, s))
    if job["last_exit_code"] is None:
        return "\tlast exit code = (never exited)"
    return "\tlast exit code = %d" % job["last_exit_code"]


def v_print(state, args, out):
    if len(args) != 1:
        raise Refusal(64, "Usage: launchctl print <domain-target> | <service-target>")
    try:
        d = parse_domain(args[0])
    except Refusal:
        d = None
    if d is not None:
        return print_domain(state, d, out)
    d, job = loaded_job(state, args[0])
    running = job["state"] == "running"
    lines = ["%s/%s = {" % (d.name, job["label"]),
             "\tactive count = %d" % (1 if running else 0),
             "\tpath = %s" % job["path"],
             "\ttype = %s" % ("LaunchDaemon" if d.kind == "system" else "LaunchAgent"),
             "\tstate = %s" % job["state"],
             "",
             "\tprogram = %s" % (job["program"] or job["arguments"][0])]
    if job["arguments"]:
        lines += ["\targuments = {"] + ["\t\t%s" % a for a in job["arguments"]] + ["\t}"]
    lines.append("")
    if job["working_directory"]:
        lines.append("\tworking directory = %s" % job["working_directory"])
    if job["stdout_path"]:
        lines.append("\tstdout path = %s" % job["stdout_path"])
    if job["stderr_path"]:
        lines.append("\tstderr path = %s" % job["stderr_path"])
    if job["environment"]:
        lines += ["\tenvironment = {"] + \
            ["\t\t%s => %s" % kv for kv in sorted(job["environment"].items())] + ["\t}"]
    lines.append("")
    if d.kind == "gui":
        lines += ["\tdomain = %s [%d]" % (d.name, ASID), "\tasid = %d" % ASID]
    else:
        lines.append("\tdomain = %s" % d.name)
    lines += ["\tminimum runtime = %d" % job["throttle_interval"],
              "\texit timeout = %d" % job["exit_timeout"],
              "\truns = %d" % job["runs"]]
    if running and job["pid"]:
        lines.append("\tpid = %d" % job["pid"])
    lines += [last_exit(job), "", "\tspawn type = daemon (3)", "\tjobs = 0",
              "\tproperties = %s" % properties(job), "}"]
    out.extend(lines)


def print_domain(state, d, out):
    domain_must_exist(d)
    dom = state.domain(d)
    out.append("%s = {" % d.name)
    out.append("\ttype = %s" % {"gui": "login", "user": "background", "system": "system"}[d.kind])
    out.append("\tservices = {")
    for label, job in sorted(dom["services"].items()):
        out.append("\t\t%s\t%s\t%s" % (job["pid"] or 0, status_of(job), label))
    out += ["\t}", "}"]


def v_print_disabled(state, args, out):
    if len(args) != 1:
        raise Refusal(64, "Usage: launchctl print-disabled <domain-target>")
    d = parse_domain(args[0])
    domain_must_exist(d)
    overrides = sorted(state.domain(d)["disabled"].items())
    if os.environ.get("LAUNCHCTL_MODEL_DIALECT") == "old":
        out.append("disabled services = {")
        out += ['\t"%s" => %s' % (k, "true" if v else "false") for k, v in overrides]
        out.append("}")
        return
    out.append("\tdisabled services = {")
    out += ['\t\t"%s" => %s' % (k, "disabled" if v else "enabled") for k, v in overrides]
    out += ["\t}", "", "\tlogin item associations = {", "\t}"]


def status_of(job):
    if job["last_signal"] is not None:
        return str(-job["last_signal"])
    return str(job["last_exit_code"] or 0)


def v_list(state, args, out):
    if args:
        raise Refusal(64, "Usage: launchctl list (the model does not take a label)")
    d = Domain("gui/%d" % os.getuid(), "gui", os.getuid())
    domain_must_exist(d)
    out.append("PID\tStatus\tLabel")
    for label, job in sorted(state.domain(d)["services"].items()):
        out.append("%s\t%s\t%s" % (job["pid"] or "-", status_of(job), label))


def v_error(state, args, out):
    if len(args) != 1 or not args[0].isdigit():
        raise Refusal(64, "Usage: launchctl error <code>")
    out.append(ERRORS.get(int(args[0]), "Unknown error: %s" % args[0]))


VERBS = {
    "bootstrap": v_bootstrap, "bootout": v_bootout, "enable": v_enable,
    "disable": v_disable, "kickstart": v_kickstart, "print": v_print,
    "print-disabled": v_print_disabled, "list": v_list, "error": v_error,
}


# ---- the shim ---------------------------------------------------------------------------

def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def write_shim(directory):
    os.makedirs(directory, exist_ok=True)
    lines = ["#!/bin/sh",
             "# launchctl stand-in: tests/launchctl-model.py (generated by --shim)."]
    for k, v in sorted(os.environ.items()):
        if k.startswith("LAUNCHCTL_MODEL_"):
            lines.append('[ -n "${%s+set}" ] || %s=%s; export %s' % (k, k, sh_quote(v), k))
    lines.append("exec %s %s \"$@\"" % (sh_quote(sys.executable),
                                        sh_quote(os.path.abspath(__file__))))
    path = os.path.join(directory, "launchctl")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o755)
    return path


# ---- main ---------------------------------------------------------------------------------

def log_argv(argv):
    path = os.environ.get("LAUNCHCTL_MODEL_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(["launchctl"] + argv) + "\n")


def main(argv):
    if len(argv) == 2 and argv[0] == "--shim":
        print(write_shim(argv[1]))
        return 0
    log_argv(argv)
    out = []
    try:
        if not argv or argv[0] not in VERBS:
            raise Refusal(64, "Unrecognized subcommand: %s" % (argv[0] if argv else ""),
                          "Usage: launchctl <subcommand> ... | help [subcommand]")
        with locked_state() as state:
            maybe_fail(state, argv[0], argv[1:])
            VERBS[argv[0]](state, argv[1:], out)
    except Refusal as r:
        sys.stdout.write("".join(line + "\n" for line in out))
        sys.stderr.write("".join(line + "\n" for line in r.lines))
        return r.code
    sys.stdout.write("".join(line + "\n" for line in out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

/*
 * sourceos/plugin.h: the plugin ABI of sourceos-agent.
 *
 * This header is a promise to every team that writes a plugin. A plugin is a
 * shared object that exports exactly one const data symbol,
 * SOURCEOS_PLUGIN_SYMBOL (sourceos_plugin_v1), of type struct sourceos_plugin.
 * The core finds it by name, checks its ABI version and calls its checks and
 * actions in a child process, one child per check.
 *
 * Rules of the ABI:
 *  - The first member of struct sourceos_plugin is the ABI version,
 *    SOURCEOS_ABI_VERSION (major << 16 | minor). A core refuses a plugin of
 *    another major; the major is also part of the symbol's name.
 *  - Minor versions only append members to the end of struct
 *    sourceos_plugin and of the structs the core hands out, and add
 *    functions. A core reads a newer plugin's known members; it checks
 *    `abi_version >= SOURCEOS_ABI_MKVERSION(1, N)` before reading a member
 *    added in minor N.
 *  - struct sourceos_check, struct sourceos_action and struct
 *    sourceos_params are elements of arrays a plugin hands over: the core
 *    steps through them by their size, so their layout is frozen as it is
 *    here. Nothing is ever appended to them; what a later minor says about
 *    a check or an action comes as a new array in struct sourceos_plugin,
 *    keyed by the check's or action's name (as `params`, since 1.4).
 *  - Plugins see the host only through the functions below, which take the
 *    opaque context handed to run(), plan(), apply() and undo(). They never
 *    print, never exit, and never parse JSON, YAML or tar themselves.
 *  - Memory returned by the core belongs to the core and stays valid until the
 *    callback that received the context returns. Plugins free nothing they did
 *    not allocate.
 *
 * Initialise struct sourceos_plugin with designated initializers
 * (`.abi_version = SOURCEOS_ABI_VERSION, .name = "x", ...`): members are
 * appended in later minors, and a positional initializer then leaves the
 * new ones out with a warning (-Wmissing-field-initializers).
 *
 * Build a plugin from one C file:
 *   cc -shared -fPIC $(pkg-config --cflags sourceos-plugin) -o NAME.so NAME.c
 * and install it as <plugindir>/NAME.so, where NAME matches
 * ^[a-z0-9][a-z0-9-]*$ and equals the plugin's name member.
 */
#ifndef SOURCEOS_PLUGIN_H
#define SOURCEOS_PLUGIN_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Builds an ABI version number from its major and minor parts. */
#define SOURCEOS_ABI_MKVERSION(major, minor) (((major) << 16) | (minor))
/** The major part of an ABI version number. */
#define SOURCEOS_ABI_MAJOR_OF(version) ((unsigned)(version) >> 16)
/** The minor part of an ABI version number. */
#define SOURCEOS_ABI_MINOR_OF(version) ((unsigned)(version) & 0xffffu)

#define SOURCEOS_ABI_MAJOR 1
#define SOURCEOS_ABI_MINOR 8
/** The ABI version this header describes; put it first in your plugin. */
#define SOURCEOS_ABI_VERSION \
    SOURCEOS_ABI_MKVERSION(SOURCEOS_ABI_MAJOR, SOURCEOS_ABI_MINOR)

/** The name of the one symbol a plugin exports (carries the major). */
#define SOURCEOS_PLUGIN_SYMBOL sourceos_plugin_v1
/** The same name as a string, for dlsym. */
#define SOURCEOS_PLUGIN_SYMBOL_NAME "sourceos_plugin_v1"

/** Opaque context of one check or action run. Valid only during the call. */
typedef struct sourceos_ctx sourceos_ctx;

/** Opaque handle of a finding being recorded; see sourceos_finding_add(). */
typedef struct sourceos_finding sourceos_finding;

/** What a check concluded. The values match monitoring-plugins' states. */
typedef enum sourceos_status {
    SOURCEOS_OK = 0,      /**< everything checked is fine */
    SOURCEOS_WARNING = 1, /**< works, but something should be fixed */
    SOURCEOS_FAILURE = 2, /**< broken, or unsafe by policy */
    SOURCEOS_ERROR = 3,   /**< could not decide (bad params, probe failed) */
    SOURCEOS_SKIPPED = 4  /**< does not apply here; say why in a finding */
} sourceos_status;

/** How much a finding matters. */
typedef enum sourceos_severity {
    SOURCEOS_SEV_INFO = 0,    /**< a fact worth showing, nothing to fix */
    SOURCEOS_SEV_WARNING = 1, /**< should be fixed */
    SOURCEOS_SEV_CRITICAL = 2 /**< must be fixed before an agent is safe */
} sourceos_severity;

/** A check: a name unique in its plugin, a one-line summary and run(). */
struct sourceos_check {
    /** Name used in checks.d `check:`; matches ^[a-z0-9][a-z0-9-]*$. */
    const char *name;
    /** One line shown by `sourceos checks` and in reports. */
    const char *summary;
    /** Runs the check; records findings and facts through ctx. Never NULL. */
    sourceos_status (*run)(sourceos_ctx *ctx);
};

/**
 * An action changes the host (install, enable, start, stop, capture, ...).
 * Each callback returns 0 on success or -1 with a finding explaining why.
 *
 * Since ABI 1.5, what apply() publishes with sourceos_fact_set() is the
 * record of a lifecycle transaction: when apply() succeeds, the core keeps
 * those facts (at most 16, values of at most 512 bytes) with the step's
 * outcome in the transaction's journal, in one atomic write, and hands them
 * to every later phase of that transaction, applies and undos, as params
 * of the same keys (sourceos_param(ctx, "prior.enabled")); also to the
 * undos a later run does when the process was killed. A transaction's
 * first step, `prior`, records this way the state the undos put back. An
 * action finds no such param under a core before 1.5, nor when the process
 * was killed before the record was written (then nothing had changed): its
 * undo must be safe without it.
 */
struct sourceos_action {
    /** Name of the action, unique in its plugin. */
    const char *name;
    /** One line shown by `sourceos plugins`. */
    const char *summary;
    /** Records, as findings, exactly what apply() would do (--dry-run). */
    int (*plan)(sourceos_ctx *ctx);
    /** Does it. */
    int (*apply)(sourceos_ctx *ctx);
    /** Puts back the state from before the transaction: with a record
     *  (above) what the record says, not the inverse of apply() (a service
     *  that was enabled before stays enabled); used to roll back. Also run
     *  for an apply() the process was killed in, so it is idempotent and
     *  harmless when apply() did nothing. */
    int (*undo)(sourceos_ctx *ctx);
};

/**
 * The params one check or action reads (since ABI 1.4). NAME is the check's
 * or action's name, KEYS the names of the params it reads, NULL-terminated.
 * A checks.d entry that gives the check a param not in KEYS is refused (that
 * check errors, naming the file, line and column of the key and the params
 * the check takes; the others run), so a misspelt param is never silently
 * ignored. `agent`, which the core sets for agent-scope checks, is always
 * allowed. A check with no entry here is not checked.
 */
struct sourceos_params {
    const char *name;
    const char *const *keys;
};

/** The struct a plugin exports as SOURCEOS_PLUGIN_SYMBOL. */
struct sourceos_plugin {
    /** Must be SOURCEOS_ABI_VERSION as this header had it when built. */
    unsigned int abi_version;
    /** Plugin name; equals the file name without ".so". */
    const char *name;
    /** The plugin's own version, free-form (e.g. "1.2.0"). */
    const char *version;
    /** Checks, terminated by an entry whose name is NULL. May be NULL. */
    const struct sourceos_check *checks;
    /** Actions, terminated by an entry whose name is NULL. May be NULL. */
    const struct sourceos_action *actions;
    /** Since 1.4: the params of each check and action, terminated by an
     *  entry whose name is NULL. May be NULL: no entry's params are checked. */
    const struct sourceos_params *params;
};

/** Every plugin defines this one symbol (declared here so it is checked). */
extern const struct sourceos_plugin SOURCEOS_PLUGIN_SYMBOL;

/* ---- Parameters (from the check's `params:` in checks.d) ---------------- */

/**
 * The scalar parameter KEY, or NULL when absent or a list.
 * Values are strings as written in YAML (numbers and booleans included).
 */
const char *sourceos_param(sourceos_ctx *ctx, const char *key);

/** Number of items of list parameter KEY; 1 for a scalar, 0 when absent. */
size_t sourceos_param_count(sourceos_ctx *ctx, const char *key);

/** Item I of list parameter KEY (a scalar is a list of one), or NULL. */
const char *sourceos_param_at(sourceos_ctx *ctx, const char *key, size_t i);

/* ---- Facts --------------------------------------------------------------- */

/**
 * Publishes a fact KEY=VALUE for the checks that depend on this one (`needs`
 * or `after`). Keys are dotted, e.g. "podman.version". Returns 0, or -1 when
 * KEY or VALUE is NULL or KEY is not dotted lower-case.
 * Every check also sees the host facts the core publishes: host.os (macos,
 * linux, windows, wsl), host.arch, host.kernel, host.os_name,
 * host.os_version, host.hostname, host.wsl, host.container, host.root
 * ("true"/"false"), host.wsl_version ("2", "1", or "0" outside WSL),
 * host.live ("false" when the run analyses a tree offline, so sourceos_run
 * and sourceos_http_get are refused; since ABI 1.3), host.tree ("true"
 * when the checks read a --root tree, "false" when this machine's own
 * files or, in a replay of a bundle, a capture of a machine's own files;
 * since ABI 1.6), host.uid (the invoking user's uid, in a replay the
 * capture's: compare owners with it, never with getuid(); "unknown" when a
 * bundle does not say; since ABI 1.6).
 * (tests/unit/test_host_facts checks this list against the core's.)
 * An action's facts are its transaction's record (struct sourceos_action).
 */
int sourceos_fact_set(sourceos_ctx *ctx, const char *key, const char *value);

/** A fact published by a check this one depends on, or NULL. */
const char *sourceos_fact_get(sourceos_ctx *ctx, const char *key);

/* ---- Findings ------------------------------------------------------------ */

/**
 * Records a finding: CODE is stable and documented (e.g.
 * "podman.binary-missing"), MESSAGE says what is wrong, printf-style.
 * Returns a handle to add detail to, valid until the callback returns.
 * Never returns NULL (on allocation failure the core records the loss and
 * returns a handle that ignores further detail).
 */
sourceos_finding *sourceos_finding_add(sourceos_ctx *ctx, const char *code,
                                       sourceos_severity severity,
                                       const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/** Sets what to do about the finding, in words. */
void sourceos_finding_remediation(sourceos_finding *finding, const char *text);

/**
 * Appends a command that fixes it (shown under `$` for people to paste,
 * never run by the core). COMMAND is taken as it is: use this only for a
 * constant command. Anything with a word from the host (a path, a label, a
 * name, a URL, an environment value) goes through
 * sourceos_finding_command_argv() or sourceos_finding_commandf(), which
 * quote it. A command holding a control character (newline, tab, ...), an
 * invisible or direction-changing character or bytes that are not UTF-8 is
 * withheld: the core records a `# command withheld, ...` comment instead.
 */
void sourceos_finding_command(sourceos_finding *finding, const char *command);

/**
 * Appends the command made of the words ARGV (NULL-terminated): each word
 * is left bare when it is only [A-Za-z0-9_@%+=:,./-] (and does not start
 * with '='), else put in POSIX single quotes ('\'' for a quote inside), so
 * a shell reads exactly these words. Quoting cannot stop a program from
 * reading a word that starts with '-' as an option: put "--" before such
 * operands when the program takes it. A word that fails the checks above
 * withholds the command (a comment saying which word and why).
 * Since ABI 1.2.
 */
void sourceos_finding_command_argv(sourceos_finding *finding, const char *const argv[]);

/**
 * Appends a command composed from TEMPLATE, constant shell text (it may
 * hold `&&`, `|`, `>` and quotes of its own), in which each `%s` becomes
 * the next argument as one quoted word, as sourceos_finding_command_argv()
 * quotes it, and `%%` a percent sign. Example:
 * `sourceos_finding_commandf(f, "mkdir -p %s && printf '{}' > %s", dir, file)`.
 * No other conversion is allowed, nor a `%s` inside the template's quotes or
 * right after `$`; a template that breaks these rules, a NULL argument or an
 * argument that fails the checks withholds the command (a comment saying
 * why). Never pass host text as TEMPLATE. Since ABI 1.2.
 */
void sourceos_finding_commandf(sourceos_finding *finding, const char *template, ...)
    __attribute__((format(printf, 2, 3)));

/** Sets the path the finding is about (as seen on the host, not under --root). */
void sourceos_finding_path(sourceos_finding *finding, const char *path);

/**
 * Adds evidence KEY=VALUE. Values that look secret are redacted by the core
 * before they reach any report; do not pass secrets.
 */
void sourceos_finding_evidence(sourceos_finding *finding, const char *key,
                               const char *value);

/**
 * Declares VALUE a secret this check read (a password, a token, an auth
 * file's `auth`), so that the core removes it from every output of the run
 * wherever it appears: messages, evidence, commands, other checks' reports.
 * The value is never printed; for a base64 "user:password" the password is
 * removed too. Values shorter than 6 bytes are not looked for. Values read
 * with sourceos_json_get() under a secret key (auth, identitytoken,
 * registrytoken, password, token, ...) and with sourceos_getenv() under a
 * secret name are declared by the core itself. Since ABI 1.2.
 */
void sourceos_secret(sourceos_ctx *ctx, const char *value);

/* ---- Limits --------------------------------------------------------------- */

/*
 * What the core keeps of one check run. Past a limit it keeps what fits,
 * drops or cuts the rest, and adds one finding, core.result-truncated
 * (severity warning), saying what was cut; the check's own status stands.
 */

/** Findings kept per check run; later sourceos_finding_add() calls record
 *  nothing (the handle they return ignores further detail). */
#define SOURCEOS_MAX_FINDINGS 10000

/** Bytes kept of each text: a finding's message, remediation, path, each
 *  command and evidence value, and each fact value. Longer texts are cut at
 *  a UTF-8 character boundary. */
#define SOURCEOS_MAX_MESSAGE_BYTES 65536

/** Bytes of a check run's whole result as the core encodes it (JSON: about
 *  the size of its texts plus some 100 bytes per item). Findings, facts and
 *  commands that would take it past this are dropped, in recording order. */
#define SOURCEOS_MAX_RESULT_BYTES (16 * 1024 * 1024)

/* ---- Host probes ---------------------------------------------------------- */

/** The outcome of sourceos_run(); owned by the core. */
struct sourceos_cmd {
    /** Exit status when the command exited, else -1. */
    int exit_status;
    /** Signal that ended it, or 0. */
    int term_signal;
    /** Non-zero when it was killed at its timeout. */
    int timed_out;
    /** Non-zero when it could not be started (not found, not executable). */
    int not_started;
    /** errno of the failed start when not_started. */
    int start_errno;
    /** Captured standard output, NUL-terminated (may contain NULs before). */
    const char *out;
    /** Bytes in out, excluding the terminating NUL. */
    size_t out_len;
    /** Captured standard error, NUL-terminated. */
    const char *err;
    /** Bytes in err. */
    size_t err_len;
    /** Non-zero when out or err was cut at the capture bound. */
    int truncated;
    /** Wall time in seconds. */
    double duration;
    /** Since 1.4: non-zero when the command was only planned, not run
     *  (sourceos_run_change() while planning); it then reads as exit 0. */
    int planned;
};

/**
 * Runs ARGV (argv[0] is looked up on the invoking user's PATH; no shell) with
 * standard input from /dev/null and an explicit environment: LC_ALL=C, PATH,
 * HOME, USER, and the container-related variables of the invoking
 * environment (XDG_RUNTIME_DIR, XDG_CONFIG_HOME, DOCKER_CONFIG,
 * REGISTRY_AUTH_FILE, CONTAINER_HOST, CONTAINER_CONNECTION, CONTAINERS_CONF,
 * CONTAINERS_STORAGE_CONF, CONTAINERS_REGISTRIES_CONF, WSL_DISTRO_NAME,
 * WSL_UTF8, TMPDIR), then ENV ("KEY=VALUE" strings, NULL-terminated, may be
 * NULL) which overrides. TIMEOUT_MS bounds it (0: the check's remaining
 * time); at the bound its whole process group is killed. Each of stdout and
 * stderr is captured up to 1 MiB. Every run is recorded in the report.
 * Offline (--root without --live) nothing is run: the outcome is
 * not_started with start_errno ECANCELED, and the core reports the check
 * as skipped ("offline analysis of a tree; --live to ask this machine"),
 * dropping the findings recorded after the refusal; a problem found before
 * it still decides the status. Replaying a bundle (--from-bundle) nothing
 * is run either: the bundle's capture of the same argv answers, and one it
 * did not capture is refused as offline ("not captured in the bundle:
 * COMMAND"). Never returns NULL.
 */
const struct sourceos_cmd *sourceos_run(sourceos_ctx *ctx,
                                        const char *const argv[],
                                        const char *const env[],
                                        unsigned timeout_ms);

/**
 * Reads the file PATH (absolute, as seen on the host) under --root, up to
 * MAX_BYTES. Symlinks are followed only while they stay inside the root.
 * On success stores a NUL-terminated buffer owned by the core in *DATA and
 * its length in *LEN and returns 0, or 1 when the file was longer than
 * MAX_BYTES and was cut. On failure returns a negative errno: -ENOENT,
 * -EACCES, -EISDIR, -EXDEV (a symlink leads out of the root), -EINVAL (bad
 * path). -EACCES also when a directory on the way cannot be searched: then
 * the file may or may not exist, and a check says it was not allowed to
 * look ("cannot read PATH (permission denied): run as root to see it"), a
 * warning, never that the file is absent or broken.
 */
int sourceos_read_file(sourceos_ctx *ctx, const char *path, size_t max_bytes,
                       const char **data, size_t *len);

/**
 * Reads the last MAX_BYTES bytes of the file PATH under --root, with the
 * checks and errors of sourceos_read_file(): for a log, whose newest lines
 * are at the end of a file that may be gigabytes, without reading the rest.
 * Returns 0 when *DATA holds the whole file, 1 when its beginning was left
 * out (the first line in *DATA is then likely partial: drop it). The tail is
 * taken from the size the file has when opened; a file that reports no size
 * is read from its start and the last MAX_BYTES bytes read are kept.
 * Since ABI 1.3.
 */
int sourceos_read_file_tail(sourceos_ctx *ctx, const char *path, size_t max_bytes,
                            const char **data, size_t *len);

/**
 * As sourceos_read_file_tail(), for a file that a service's configuration
 * names, such as its log: a user's plist or unit can name any path, and a
 * check run as root must not read for them what they could not. The
 * directories of PATH are resolved as always; its last component is
 * opened with O_NOFOLLOW (a symlink there is -ELOOP, or -EXDEV when it
 * leads out of the root), and the open descriptor's owner must be OWNER.
 * When it is not, nothing is read, *FOUND (may be NULL) receives the
 * owner's uid and -EPERM is returned. Since ABI 1.3.
 */
int sourceos_read_file_tail_owned(sourceos_ctx *ctx, const char *path, size_t max_bytes,
                                  uid_t owner, uid_t *found, const char **data,
                                  size_t *len);

/**
 * The path PATH (absolute, host view) resolved under --root, owned by the
 * core, for plugins that must stat or list it. NULL when it escapes the root
 * or does not exist.
 */
const char *sourceos_host_path(sourceos_ctx *ctx, const char *path);

/**
 * Why sourceos_host_path(PATH) is NULL: 0 when it resolves, else a negative
 * errno: -ENOENT (or -ENOTDIR) absent, -EACCES not allowed to look (a
 * directory on the way is not searchable by this user: the path may well
 * exist), -EXDEV a symlink leads out of the root, -EINVAL a bad path.
 * Since ABI 1.2.
 */
int sourceos_host_path_error(sourceos_ctx *ctx, const char *path);

/**
 * The owner and permission bits the capture recorded for PATH (absolute,
 * host view; symlinks followed, as stat(2) follows them), when the checks
 * replay a bundle (--from-bundle): 0 with *UID,
 * *GID and *MODE (the 07777 bits; (mode_t)-1 when only the owner was
 * recorded). -ENOENT otherwise: not a replay, or nothing recorded; then
 * what stat(2) says is the truth. An analyst who is not root cannot give
 * the extracted files their owners, so a check that judges an owner or a
 * mode asks this after its stat. Since ABI 1.7.
 */
int sourceos_captured_attrs(sourceos_ctx *ctx, const char *path, uid_t *uid, gid_t *gid,
                            mode_t *mode);

/**
 * The number of user homes a per-user check looks at. Without --root, and
 * with --root --live, the invoking user's $HOME is one of them. Under
 * --root, every home of the tree is: each directory /Users/NAME (except
 * /Users/Shared), /home/NAME and /root that exists there, in that order and
 * in name order, then the invoking user's home when --live (not twice).
 * Since ABI 1.2.
 */
size_t sourceos_home_count(sourceos_ctx *ctx);

/**
 * Home I (host view, e.g. "/Users/alice"; combine it with
 * sourceos_read_file(), which applies the root), or NULL when I is out of
 * range. USER, when not NULL, receives the user's name: the directory's
 * name, or $USER for the invoking user's home. Name the user in every
 * finding about a home's files. Since ABI 1.2.
 */
const char *sourceos_home_at(sourceos_ctx *ctx, size_t i, const char **user);

/**
 * A variable of the invoking user's environment (HOME, XDG_*, DOCKER_CONFIG,
 * ...), or NULL. Under --root, HOME and the XDG variables are not rewritten:
 * combine them with sourceos_read_file(), which applies the root.
 */
const char *sourceos_getenv(sourceos_ctx *ctx, const char *name);

/** The outcome of sourceos_http_get(); owned by the core. Since ABI 1.1. */
struct sourceos_http {
    /**
     * 0 when an HTTP answer came back, else a negative errno saying why not:
     * -ENOENT no such socket file, -ENOTSOCK a file that is not a socket,
     * -ECONNREFUSED nobody listens, -EACCES not allowed, -ETIMEDOUT no
     * (whole) answer within the bound, -EPROTO an answer that is not HTTP,
     * -EXDEV the socket path leads out of --root, -EINVAL a bad URL,
     * -ECANCELED not tried: offline (--root without --live), or a replay
     * (--from-bundle: a bundle holds no HTTP answer), handled as for
     * sourceos_run().
     */
    int error;
    /** HTTP status code (e.g. 200) when error is 0, else 0. */
    int status;
    /** The answer's body, NUL-terminated ("" when none). */
    const char *body;
    /** Bytes in body. */
    size_t body_len;
    /** Wall time in seconds. */
    double duration;
    /** Since 1.4: non-zero when the command was only planned, not run
     *  (sourceos_run_change() while planning); it then reads as exit 0. */
    int planned;
};

/**
 * GETs TARGET (e.g. "/_ping") from the API at URL, talking to the socket
 * directly rather than trusting a tool's opinion of it. URL is
 * "unix:///path" (the path is taken under --root) or "tcp://host:port".
 * HTTP/1.0, no TLS; the answer is bounded to 256 KiB. TIMEOUT_MS bounds
 * connecting, sending and reading together (0: the check's remaining
 * time). The probe is recorded in the report like a command, as
 * argv ["GET", URL, TARGET] with the HTTP status as its exit status.
 * Never returns NULL. Since ABI 1.1.
 */
const struct sourceos_http *sourceos_http_get(sourceos_ctx *ctx,
                                              const char *url,
                                              const char *target,
                                              unsigned timeout_ms);

/** The outcome of sourceos_line_exchange(); owned by the core. Since ABI 1.8. */
struct sourceos_line {
    /**
     * 0 when an answer line came back, else a negative errno saying why
     * not: -ECONNREFUSED nobody listens, -ETIMEDOUT no whole line within
     * the bound (connect included), -ENODATA the peer closed before a
     * newline, -ECONNRESET it reset the connection, -EMSGSIZE the line is
     * longer than MAX_LEN, -EAFNOSUPPORT no vsock here (not Linux, or no
     * transport reaches the CID), -EHOSTUNREACH a host name that does not
     * resolve, -ENOENT/-ENOTSOCK/-EXDEV a unix path as for
     * sourceos_http_get(), -EINVAL a bad URL or a request that is not one
     * line, -ECANCELED not tried (offline or a replay, as for
     * sourceos_http_get()).
     */
    int error;
    /** The answer line without its newline (and a '\r' before it),
     *  NUL-terminated; "" when none. */
    const char *line;
    /** Bytes in line. */
    size_t line_len;
    /** Wall time in seconds. */
    double duration;
};

/**
 * One request, one answer, as a line-oriented control plane such as
 * stereosd's NDJSON speaks it: connects to URL ("tcp://host:port",
 * "vsock://CID:PORT" on Linux, or "unix:///path", taken under --root),
 * sends REQUEST (one line: no newline in it; the core adds one), reads one
 * answer line of at most MAX_LEN bytes (0: 1 MiB, also the most) and
 * closes. TIMEOUT_MS bounds connecting, sending and reading together (0:
 * the check's remaining time). Send only what reads: a diagnostic check
 * never asks a service to change. Recorded in the report like a command,
 * as argv ["EXCHANGE", URL, REQUEST] with exit status 0 when a line came
 * back. Never returns NULL. Since ABI 1.8.
 */
const struct sourceos_line *sourceos_line_exchange(sourceos_ctx *ctx, const char *url,
                                                   const char *request, size_t max_len,
                                                   unsigned timeout_ms);

/* ---- Changing the host (actions only; since ABI 1.4) --------------------- */

/*
 * What an action's plan(), apply() and undo() change, they change through
 * these, so that every change is recorded in the report (op, path, mode,
 * bytes, done or planned) and --dry-run holds: while planning (plan(), or
 * apply() under --dry-run) each records what it would do and does nothing.
 * In a check each refuses with -EPERM (recorded as refused): checks never
 * change the host. PATH is absolute, as seen on the host; under --root it
 * is inside the tree. Its directory must exist; a symlink on the way that
 * leads out of the root is -EXDEV; PATH's own last component is never
 * followed.
 */

/** 1 while planning (nothing is changed), 0 while acting; 1 in a check. */
int sourceos_planning(sourceos_ctx *ctx);

/**
 * Writes LEN bytes of DATA as the file PATH with MODE, atomically: a
 * temporary file in the same directory, fsync, rename over PATH, fsync of
 * the directory (a reader sees the old file or the new, also across a
 * crash). Returns 0 or a negative errno.
 */
int sourceos_write_file(sourceos_ctx *ctx, const char *path, const void *data,
                        size_t len, mode_t mode);

/** Removes the file or symlink PATH (never a directory: -EISDIR); 0 also
 *  when it did not exist. */
int sourceos_remove_file(sourceos_ctx *ctx, const char *path);

/** Makes PATH a symlink to TARGET, replacing what was there in one rename. */
int sourceos_make_symlink(sourceos_ctx *ctx, const char *target, const char *path);

/** Makes the directory PATH with MODE (its parent must exist); 0 also when
 *  a directory is there already (recorded as such, not as made). */
int sourceos_make_dir(sourceos_ctx *ctx, const char *path, mode_t mode);

/**
 * Runs ARGV as sourceos_run() does, for a command that changes the host
 * (`launchctl bootstrap`, `systemctl enable`). While planning it is not
 * run: the outcome reads as exit 0 with `planned` set. In a check it is
 * refused: not_started with start_errno EPERM.
 */
const struct sourceos_cmd *sourceos_run_change(sourceos_ctx *ctx,
                                               const char *const argv[],
                                               const char *const env[],
                                               unsigned timeout_ms);

/* ---- Reading command output --------------------------------------------- */

/**
 * The value at PATH in the JSON document TEXT (LEN bytes), as a string owned
 * by the core: strings as they are, numbers and booleans as JSON writes them,
 * null as "null". PATH is a dotted path with array indices, e.g.
 * "Client.Version", "[0].State", "ConnectionInfo.PodmanSocket.Path",
 * "auths"; "" is the document itself. Returns NULL when TEXT is not JSON,
 * PATH is absent, or it names an object or array (use
 * sourceos_json_count()). Plugins read JSON only through these functions.
 */
const char *sourceos_json_get(sourceos_ctx *ctx, const char *text, size_t len,
                              const char *path);

/**
 * Number of elements of the array, or members of the object, at PATH;
 * -1 when TEXT is not JSON or PATH is absent or a scalar.
 */
long sourceos_json_count(sourceos_ctx *ctx, const char *text, size_t len,
                         const char *path);

/**
 * The name of member I of the object at PATH (in document order), or NULL.
 * Names may contain dots: to go below one, use sourceos_json_get() with
 * the member quoted in the path as ["name"], e.g. "auths[\"gcr.io\"].auth".
 *
 * TEXT is parsed once per check and found again by its address and length
 * (and a sample of its bytes); an object's members are indexed on first
 * use, so a loop over every member is linear in the document's size. Pass
 * changed content in a new buffer, not changed in place.
 */
const char *sourceos_json_key_at(sourceos_ctx *ctx, const char *text,
                                 size_t len, const char *path, size_t i);

/**
 * Where TEXT is not JSON, for a finding that says so: returns 0 when TEXT
 * parses (as the functions above parse it), else 1 with *LINE and *COLUMN
 * (both from 1; the column counts characters) at the last character the
 * parser read, a newline counting as the end of its line, and *WHY the
 * parser's reason (e.g. "'}' expected near end of file"), owned by the core,
 * without the text near the error, which may be a secret. Each output may
 * be NULL. Say it as "FILE:LINE:COLUMN: ..." or "line L, column C", with
 * evidence "line" and "column". Since ABI 1.2.
 */
int sourceos_json_error(sourceos_ctx *ctx, const char *text, size_t len,
                        unsigned *line, unsigned *column, const char **why);

#ifdef __cplusplus
}
#endif

#endif /* SOURCEOS_PLUGIN_H */

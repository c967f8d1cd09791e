#!/usr/bin/env python3
"""The params each shipped check reads, found in its plugin's C sources, against
the params its plugin declares (ABI 1.4, struct sourceos_params).

    param-keys.py SRCDIR PLUGIN_DIR... [--so NAME=PATH]... [--checksd FILE]...

For each plugin directory (plugins/agent, contrib/example-plugin, ...) the
sources are that directory's .c files and, for one under plugins/, the
shared plugins/common/*.c; a common function counts for the plugin only when
the plugin's own code reaches it.

A param is read by sourceos_param(), sourceos_param_count() or
sourceos_param_at(), or by a helper that passes one of its own arguments to
one of them as the key (plugin_param_uint, launchd's param_number, ...:
found, not listed, so a new helper is followed too). The key is a string
literal, an element of a named array of literals (log_params[i]), or a
struct member set by designated initializers (env->param with
`.param = "env"`); any other key expression is an error, so no read can
hide from this census.

The declaration is read from the plugin's source: `static const char *const
NAME[] = {"key", ..., NULL};` arrays and the `params[] = {{"check", NAME},
...}` table; with --so, also from the built plugin (ctypes), and the two
must agree.

Checked, one TAP line each:
  - every check of the plugin has a params entry;
  - every key read in the plugin is declared for at least one check of it;
  - every declared key is read somewhere in the plugin;
  - per check, the declared keys are exactly those read by the functions its
    run() reaches (calls and references to functions, or to tables holding
    them), but for the few UNREACHED below;
  - with --checksd, every param of every entry of those checks.d files is
    one its check declares (or `agent` or `profile`, which the core always allows).
"""
import ctypes
import os
import re
import sys

READERS = {"sourceos_param": 1, "sourceos_param_count": 1, "sourceos_param_at": 1}

# Keys a check's run() reaches in the call graph but never reads, because a
# condition the graph cannot see stops it; each says which. A key listed here
# that the graph no longer reaches is an error too, so the list stays true.
UNREACHED = {
    ("launchd", "label-conflict"): (
        {"log_tail_bytes", "log_tail_lines", "log_repeat_threshold"},
        "launchd_walk_all() hands scan_dir() a visitor, and scan_dir() lints "
        "(and reads the plists' logs) only without one"),
}

TOKEN = re.compile(
    r'"(?:\\.|[^"\\])*"'          # string literal
    r"|'(?:\\.|[^'\\])*'"         # char literal
    r"|[A-Za-z_][A-Za-z0-9_]*"    # identifier
    r"|0[xX][0-9a-fA-F]+|\d+\w*"  # number
    r"|->|\+\+|--|&&|\|\||[<>=!]=|<<|>>"
    r"|\S")


def strip(text):
    """TEXT without comments and preprocessor lines (strings kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    lines = []
    cont = False
    for line in "".join(out).split("\n"):
        is_pp = cont or line.lstrip().startswith("#")
        cont = is_pp and line.rstrip().endswith("\\")
        lines.append("" if is_pp else line)
    return "\n".join(lines)


def tokens(text):
    return TOKEN.findall(strip(text))


def is_ident(t):
    return re.match(r"[A-Za-z_]\w*$", t) is not None


def is_string(t):
    return t.startswith('"')


def literal(t):
    return t[1:-1]


def match(toks, i, open_, close):
    """Index of the token closing the OPEN_ at TOKS[I]."""
    depth = 0
    for j in range(i, len(toks)):
        if toks[j] == open_:
            depth += 1
        elif toks[j] == close:
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced %s" % open_)


def split_args(toks):
    """The comma-separated top-level parts of TOKS."""
    parts, cur, depth = [], [], 0
    for t in toks:
        if t in "([{":
            depth += 1
        elif t in ")]}":
            depth -= 1
        if t == "," and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        parts.append(cur)
    return parts


class Func:
    def __init__(self, name, file, static, params, body):
        self.name, self.file, self.static = name, file, static
        self.params, self.body = params, body


class Source:
    """One .c file: its functions and its top-level initialized tables."""

    def __init__(self, path):
        self.path = path
        self.funcs = []
        self.tables = {}  # name -> tokens of its initializer
        toks = tokens(open(path, encoding="utf-8").read())
        start = 0  # first token of the current top-level declaration
        i = 0
        while i < len(toks):
            t = toks[i]
            if t == ";":
                start = i + 1
            elif t == "{" and i > 0 and toks[i - 1] == ")":
                close = match(toks, i, "{", "}")
                self.add_func(toks, start, i, close)
                i = close
                start = i + 1
            elif t == "{":
                close = match(toks, i, "{", "}")
                decl = toks[start:i]
                if "=" in decl:
                    self.add_table(decl, toks[i:close + 1])
                i = close  # a struct/enum body or an initializer
            i += 1

    def add_func(self, toks, start, brace, close):
        paren = brace - 1
        depth = 0
        for j in range(paren, start - 1, -1):
            if toks[j] == ")":
                depth += 1
            elif toks[j] == "(":
                depth -= 1
                if depth == 0:
                    break
        name = toks[j - 1]
        params = []
        for part in split_args(toks[j + 1:paren]):
            idents = [t for t in part if is_ident(t)]
            if idents:
                params.append(idents[-1])
        self.funcs.append(Func(name, self.path, "static" in toks[start:j], params,
                               toks[brace + 1:close]))

    def add_table(self, decl, init):
        eq = decl.index("=")
        names = [t for t in decl[:eq] if is_ident(t)]
        if names:
            self.tables[names[-1]] = init


def local_tables(body):
    """Arrays initialized inside a function: name -> initializer tokens."""
    out = {}
    for i, t in enumerate(body):
        if t == "=" and i + 1 < len(body) and body[i + 1] == "{":
            j = i - 1
            while j >= 0 and body[j] in ("]", "["):
                j -= 1
            if j >= 0 and is_ident(body[j]):
                out[body[j]] = body[i + 1:match(body, i + 1, "{", "}") + 1]
    return out


def field_keys(body, fields):
    """Literals BODY sets members FIELDS to: `.param = "env"`."""
    out = set()
    for i in range(len(body) - 3):
        if body[i] == "." and body[i + 1] in fields and body[i + 2] == "=" \
                and is_string(body[i + 3]):
            out.add(literal(body[i + 3]))
    return out


def calls(body):
    """(name, [arg tokens...]) for each call in BODY."""
    for i, t in enumerate(body):
        if is_ident(t) and i + 1 < len(body) and body[i + 1] == "(":
            close = match(body, i + 1, "(", ")")
            yield t, split_args(body[i + 2:close])


class Plugin:
    def __init__(self, srcdir, pdir):
        self.dir = pdir
        own = sorted(os.path.join(pdir, f) for f in os.listdir(pdir) if f.endswith(".c"))
        common_dir = os.path.join(srcdir, "plugins", "common")
        common = []
        if os.path.dirname(os.path.abspath(pdir)) == os.path.abspath(
                os.path.join(srcdir, "plugins")):
            common = sorted(os.path.join(common_dir, f) for f in os.listdir(common_dir)
                            if f.endswith(".c"))
        self.sources = [Source(p) for p in own + common]
        self.own = set(own)
        self.funcs = [f for s in self.sources for f in s.funcs]
        self.errors = []
        self.find_helpers()
        self.find_key_fields()

    # -- resolving names ------------------------------------------------------
    def func(self, name, file):
        """The function NAME as seen from FILE: its own static one, else the
        plugin's external one."""
        for f in self.funcs:
            if f.name == name and f.file == file:
                return f
        for f in self.funcs:
            if f.name == name and not f.static:
                return f
        return None

    def table(self, name, file):
        for s in self.sources:
            if s.path == file and name in s.tables:
                return s.tables[name]
        return None

    # -- key-taking helpers ---------------------------------------------------
    def find_helpers(self):
        """name -> index of the argument that is a param key."""
        self.helpers = dict(READERS)
        changed = True
        while changed:
            changed = False
            for f in self.funcs:
                if f.name in self.helpers:
                    continue
                for name, args in calls(f.body):
                    k = self.helpers.get(name)
                    if k is None or k >= len(args):
                        continue
                    arg = args[k]
                    if len(arg) == 1 and arg[0] in f.params:
                        self.helpers[f.name] = f.params.index(arg[0])
                        changed = True
                        break

    def find_key_fields(self):
        """Struct members used as a key (env->param): the key is read where
        the member is set to a literal with a designated initializer."""
        self.key_fields = set()
        for f in self.funcs:
            for name, args in calls(f.body):
                k = self.helpers.get(name)
                if k is not None and k < len(args):
                    arg = args[k]
                    if len(arg) == 3 and arg[1] in ("->", ".") and is_ident(arg[2]):
                        self.key_fields.add(arg[2])

    def key_values(self, f, arg, locals_):
        """The keys the key expression ARG (in F) can be, or None when it is
        F's own parameter (the callers say which)."""
        if len(arg) == 1 and is_string(arg[0]):
            return [literal(arg[0])]
        if len(arg) == 1 and arg[0] in f.params and f.name in self.helpers:
            return None
        if len(arg) >= 3 and is_ident(arg[0]) and arg[1] == "[":
            init = locals_.get(arg[0]) or self.table(arg[0], f.file)
            if init:
                return [literal(t) for t in init if is_string(t)]
        if len(arg) == 3 and arg[1] in ("->", ".") and arg[2] in self.key_fields:
            return None  # read where the member is set (field_keys)
        self.errors.append("%s: %s(): cannot tell which param the key '%s' names"
                           % (os.path.relpath(f.file), f.name, " ".join(arg)))
        return []

    def direct_keys(self, f):
        """Keys F reads itself or through a helper call with a known key."""
        keys = set()
        locals_ = local_tables(f.body)
        for name, args in calls(f.body):
            k = self.helpers.get(name)
            if k is None or k >= len(args):
                continue
            vals = self.key_values(f, args[k], locals_)
            keys.update(vals or [])
        return keys | field_keys(f.body, self.key_fields)

    # -- reachability ---------------------------------------------------------
    def edges(self, f):
        """Functions F calls or names (a callback), also through the tables it
        names."""
        out, seen_tables = [], set()

        def visit(toks):
            for t in toks:
                if not is_ident(t):
                    continue
                g = self.func(t, f.file)
                if g is not None and g is not f:
                    out.append(g)
                elif t not in seen_tables:
                    init = self.table(t, f.file)
                    if init is not None:
                        seen_tables.add(t)
                        visit(init)
        visit(f.body)
        return out

    def reach(self, roots):
        seen, todo = set(), list(roots)
        while todo:
            f = todo.pop()
            if id(f) in seen:
                continue
            seen.add(id(f))
            todo.extend(self.edges(f))
            yield f

    def keys_of(self, roots):
        keys = set()
        for f in self.reach(roots):
            keys |= self.direct_keys(f)
        return keys

    # -- the plugin's tables --------------------------------------------------
    def checks(self):
        """(check name, run function) from the checks[] table."""
        for s in self.sources:
            init = s.tables.get("checks")
            if init is None or s.path not in self.own:
                continue
            out = []
            for entry in split_args(init[1:-1]):
                parts = split_args(entry[1:-1])
                if parts and len(parts[0]) == 1 and is_string(parts[0][0]):
                    run = parts[-1][-1]
                    out.append((literal(parts[0][0]), self.func(run, s.path)))
            return out
        return []

    def declared(self):
        """check name -> list of keys, from the params[] table."""
        for s in self.sources:
            init = s.tables.get("params")
            if init is None or s.path not in self.own:
                continue
            out = {}
            for entry in split_args(init[1:-1]):
                parts = split_args(entry[1:-1])
                if len(parts) != 2 or not is_string(parts[0][0]):
                    continue
                keys = s.tables.get(parts[1][0], [])
                out[literal(parts[0][0])] = [literal(t) for t in keys if is_string(t)]
            return out
        return None


# ---- the declaration in the built plugin (ctypes) ----------------------------
class CParams(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("keys", ctypes.POINTER(ctypes.c_char_p))]


class CCheck(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("summary", ctypes.c_char_p),
                ("run", ctypes.c_void_p)]


class CPlugin(ctypes.Structure):
    _fields_ = [("abi_version", ctypes.c_uint), ("name", ctypes.c_char_p),
                ("version", ctypes.c_char_p), ("checks", ctypes.POINTER(CCheck)),
                ("actions", ctypes.c_void_p), ("params", ctypes.POINTER(CParams))]


def built_declaration(path):
    """(check names, check name -> keys) of the plugin at PATH."""
    lib = ctypes.CDLL(path, mode=os.RTLD_LAZY | os.RTLD_LOCAL)
    p = CPlugin.in_dll(lib, "sourceos_plugin_v1")
    checks, params = [], {}
    i = 0
    while p.checks and p.checks[i].name:
        checks.append(p.checks[i].name.decode())
        i += 1
    i = 0
    while p.params and p.params[i].name:
        keys, k = [], 0
        while p.params[i].keys and p.params[i].keys[k]:
            keys.append(p.params[i].keys[k].decode())
            k += 1
        params[p.params[i].name.decode()] = keys
        i += 1
    return checks, params


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, detail=""):
        self.n += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, what))
        if not cond:
            self.failed += 1
            for line in detail.splitlines():
                print("#   " + line)


def checksd_entries(path):
    """(line, id, plugin, check, [(key, line, column)]) of each entry of the
    checks.d file PATH, positions from 1."""
    import yaml
    with open(path, encoding="utf-8") as f:
        root = yaml.compose(f)
    if root is None:
        return
    for key, value in root.value:
        if key.value != "checks":
            continue
        for entry in value.value:
            fields = {k.value: v for k, v in entry.value}
            params = fields.get("params")
            keys = [(k.value, k.start_mark.line + 1, k.start_mark.column + 1)
                    for k, _ in (params.value if params is not None else [])]
            yield (entry.start_mark.line + 1,
                   fields["id"].value if "id" in fields else "?",
                   fields["plugin"].value, fields["check"].value, keys)


def check_checksd(tap, files, declared):
    """Every param of every entry of FILES is one its check declares."""
    for path in files:
        bad = []
        n = 0
        for line, eid, plugin, check, keys in checksd_entries(path):
            n += 1
            takes = declared.get(plugin, {}).get(check)
            if takes is None:
                bad.append("%s:%d: %s: plugin %s declares no params for check %s"
                           % (path, line, eid, plugin, check))
                continue
            for key, kl, kc in keys:
                if key not in ("agent", "profile") and key not in takes:
                    bad.append("%s:%d:%d: %s (%s.%s) gives param '%s'; it takes: %s"
                               % (path, kl, kc, eid, plugin, check, key,
                                  ", ".join(takes) or "none"))
        tap.ok(n and not bad, "%s: the %d entries give only declared params"
               % (os.path.basename(path), n), "\n".join(bad))


def main(argv):
    so = {}
    args = []
    checksd = []
    it = iter(argv[1:])
    for a in it:
        if a == "--so":
            name, path = next(it).split("=", 1)
            so[name] = path
        elif a == "--checksd":
            checksd.append(next(it))
        else:
            args.append(a)
    srcdir, pdirs = args[0], args[1:]
    tap = Tap()
    all_declared = {}
    for pdir in pdirs:
        pl = Plugin(srcdir, pdir)
        label = os.path.relpath(pdir, srcdir)
        checks = pl.checks()
        declared = pl.declared()
        tap.ok(checks and all(run for _, run in checks),
               "%s: the checks table and each check's run() are found" % label)
        tap.ok(declared is not None, "%s: the plugin declares params" % label)
        declared = declared or {}
        missing = [c for c, _ in checks if c not in declared]
        tap.ok(not missing, "%s: every check has a params entry" % label,
               "no entry: " + ", ".join(missing))
        own = [f for f in pl.funcs if f.file in pl.own]
        read = pl.keys_of(own + [run for _, run in checks if run])
        tap.ok(not pl.errors, "%s: every key expression is understood" % label,
               "\n".join(pl.errors))
        union = set(k for keys in declared.values() for k in keys)
        tap.ok(read <= union, "%s: every param read is declared" % label,
               "read, declared for no check: " + ", ".join(sorted(read - union)))
        tap.ok(union <= read, "%s: every declared param is read" % label,
               "declared, never read: " + ", ".join(sorted(union - read)))
        base = os.path.basename(os.path.normpath(pdir))
        plugin_name = "example" if base == "example-plugin" else base
        for name, run in checks:
            if run is None or name not in declared:
                continue
            want = pl.keys_of([run])
            unreached, why = UNREACHED.get((plugin_name, name), (set(), ""))
            if unreached:
                tap.ok(unreached <= want,
                       "%s: %s reaches the keys it is said not to read (%s)"
                       % (label, name, why),
                       "no longer reached: " + ", ".join(sorted(unreached - want)))
            want -= unreached
            have = set(declared[name])
            tap.ok(want == have and len(have) == len(declared[name]),
                   "%s: %s declares exactly the params it reads (%d)"
                   % (label, name, len(have)),
                   "read, not declared: %s\ndeclared, not read: %s"
                   % (", ".join(sorted(want - have)) or "-",
                      ", ".join(sorted(have - want)) or "-"))
        all_declared[plugin_name] = declared
        if plugin_name in so:
            b_checks, b_params = built_declaration(so[plugin_name])
            tap.ok(b_checks == [c for c, _ in checks] and
                   b_params == {c: k for c, k in declared.items()},
                   "%s: the built plugin declares what its source says" % label,
                   "built: %r %r\nsource: %r %r" % (b_checks, b_params,
                                                   [c for c, _ in checks], declared))
    check_checksd(tap, checksd, all_declared)
    print("1..%d" % tap.n)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

# The one translation of a declaration `sourceos.localAgents.<name>` into
# the content of agents.d/<name>.yaml. Builtins only (no nixpkgs, no lib):
# nix-darwin.nix, home-manager.nix and nixos.nix import it, and
# tests/cli/nix-modules.sh evaluates it with plain nix-instantiate.
#
#   (import ./lib.nix) "web" { image = "localhost/sourceos/web:1"; }
#   => "{\"image\":\"localhost/sourceos/web:1\",\"name\":\"web\"}\n"
#
# The fields are the canonical spec's, as schemas/agent.schema.json has
# them (its deprecated flat keys are not offered). JSON is YAML: the file is
# builtins.toJSON of the declaration with its name added. A null (an option
# a module left unset) is left out, and so is an object left empty by that,
# so sourceos-agent's loader fills in its own defaults. An unknown field is
# an evaluation error here, as it would be one for the loader.
name: decl:
let
  # Every field; for an object (for mounts: each item), the keys inside it.
  fields = {
    enable = null; description = null; scope = null; runtime = null;
    command = null; image = null; containerName = null;
    owner = [ "project" "component" "contact" ];
    auth = [ "mode" "authfile" "allowAmbientDockerConfig" "allowInteractiveCredentialHelper" ];
    podman = [ "connection" "pull" "requireMachine" "requireLocalImage" "rootless" ];
    lifecycle = [ "runAtLoad" "keepAlive" "restart" "maxRestartsPerHour"
                  "startupTimeoutSeconds" "shutdownTimeoutSeconds" ];
    logs = [ "app" "stdout" "stderr" ];
    health = [ "type" "expected" "command" ];
    quarantine = [ "captureServiceDefinition" "captureLogs" "captureRuntimeState"
                   "captureImageMetadata" "captureRedactedAuthConfig" ];
    backend = null; label = null; env = null;
    mounts = [ "host" "container" "mode" ];
    args = null; account = null; capabilities = null;
  };

  # The name becomes agents.d/NAME.yaml and the state directory
  # .../sourceos/agents/NAME: one path segment, by the loader's rule
  # (core/agent.c, the schema's agentName).
  validName = builtins.isString name && builtins.stringLength name <= 64
    && builtins.match "[a-z0-9][a-z0-9-]*" name != null;
  where = "sourceos.localAgents.${if builtins.isString name then builtins.toJSON name else "<a ${builtins.typeOf name}>"}";
  fail = msg: builtins.throw "${where}: ${msg}";
  words = builtins.concatStringsSep ", ";

  # ATTRS, or an error naming the keys of it that are not in KNOWN.
  keysIn = what: known: attrs:
    let unknown = builtins.filter (k: !builtins.elem k known) (builtins.attrNames attrs); in
    if !builtins.isAttrs attrs then fail "${what} must be an attribute set, not a ${builtins.typeOf attrs}"
    else if unknown != [ ] then fail "unknown ${what}: ${words unknown} (known: ${words known})"
    else attrs;

  checkField = k: v:
    let inner = fields.${k}; in
    if v == null || inner == null then v
    else if k == "mounts" then
      (if builtins.isList v then builtins.genList (i: keysIn "key in mounts[${toString i}]" inner (builtins.elemAt v i)) (builtins.length v)
       else fail "mounts must be a list, not a ${builtins.typeOf v}")
    else keysIn "key in ${k}" inner v;

  # Nulls and the objects they leave empty go; a derivation (a store path
  # in command, say) is not taken apart.
  prune = v:
    if builtins.isAttrs v && !(v ? outPath) then
      let p = builtins.mapAttrs (_: prune) v; in
      removeAttrs p (builtins.filter (k: p.${k} == null || p.${k} == { }) (builtins.attrNames p))
    else if builtins.isList v then map prune v
    else v;

  body = keysIn "field" (builtins.attrNames fields) (removeAttrs decl [ "name" ]);
in
if !validName then
  fail ("not an agent name: it becomes agents.d/NAME.yaml and a state directory, so it must be one"
    + " path segment (no '/', no '..'): lower-case letters, digits and '-', starting with a letter"
    + " or digit, at most 64 characters")
else if !builtins.isAttrs decl then fail "the declaration must be an attribute set, not a ${builtins.typeOf decl}"
else if decl ? name && decl.name != name then fail "its name field says ${builtins.toJSON decl.name}: leave it out, or make it the attribute's name"
else builtins.toJSON (prune (builtins.mapAttrs checkField body) // { inherit name; }) + "\n"

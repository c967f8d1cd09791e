# nix-darwin module: sourceos.localAgents.<name> -> configDir/agents.d/<name>.yaml
# (default /etc/sourceos), then `sourceos-agent activate <name>` for each
# enabled agent at the end of system activation (postActivation, as root).
#
# The declarations are copied as regular files, root-owned, 0644: the loader
# refuses an agents.d file that is a symlink out of its directory, which is
# what environment.etc would make. User-scope agents are activated as
# sourceos.user (their ~/Library/LaunchAgents, their gui/UID domain, their
# HOME); system-scope agents as root. activate is the guarded pipeline: a
# failed preflight leaves the new generation staged, prints the preflight and
# its remediation and exits 2 with nothing installed or enabled. Its output
# is printed; activation goes on whatever it says.
{ config, lib, pkgs, ... }:
let
  agentFile = import ./lib.nix;
  cfg = config.sourceos;
  q = lib.escapeShellArg;
  sos = "${cfg.package}/bin/sourceos-agent";
  dir = cfg.configDir;
  enabled = lib.filterAttrs (_: a: a.enable) cfg.localAgents;
  declFile = name: decl: pkgs.writeText "sourceos-agent-${name}.yaml" (agentFile name decl);
  asWho = decl: lib.optionalString (decl.scope != "system") "sudo -H -u ${q cfg.user} -- ";

  copy = name: decl: ''
    install -m 0644 ${declFile name decl} ${q "${dir}/agents.d/${name}.yaml"}
  '';
  activate = name: decl: ''
    echo "sourceos-agent activate ${name}:"
    rc=0
    ${asWho decl}env PATH=${q (lib.concatStringsSep ":" cfg.path)} \
      ${sos} activate ${q name} --config-dir ${q dir} || rc=$?
    case $rc in
      0) ;;
      2) echo "sourceos: ${name}: not installed: the preflight failed (above); the generation is staged" >&2 ;;
      *) echo "sourceos: ${name}: activate exited $rc (3: a step failed and the steps before it were undone)" >&2 ;;
    esac
  '';
in
{
  options.sourceos = import ./options.nix {
    inherit lib;
    defaults = {
      checksDir = "${cfg.package}/etc/sourceos/checks.d";
      configDir = "/etc/sourceos";
      user = config.system.primaryUser or null;
      path = [ "/run/current-system/sw/bin" "/opt/podman/bin" "/opt/homebrew/bin" "/usr/local/bin"
               "/usr/bin" "/bin" "/usr/sbin" "/sbin" ];
    };
  };

  config = lib.mkIf (cfg.localAgents != { }) {
    assertions = lib.mapAttrsToList (name: a: {
      assertion = a.scope == "system" || cfg.user != null;
      message = "sourceos.localAgents.${name} is a user agent: set sourceos.user (or system.primaryUser) to its user.";
    }) cfg.localAgents;

    system.activationScripts.postActivation.text = lib.mkAfter ''
      echo "sourceos: declarations in ${dir}/agents.d" >&2
      install -d -m 0755 ${q dir} ${q "${dir}/agents.d"}
      if [ -L ${q "${dir}/checks.d"} ] || [ ! -e ${q "${dir}/checks.d"} ]; then
        ln -sfn ${q cfg.checksDir} ${q "${dir}/checks.d"}
      else
        echo "sourceos: ${dir}/checks.d is not a symlink: left as it is" >&2
      fi
      ${lib.concatStrings (lib.mapAttrsToList copy cfg.localAgents)}
      ${lib.concatStrings (lib.mapAttrsToList activate enabled)}
    '';
  };
}

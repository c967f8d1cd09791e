# home-manager module: sourceos.localAgents.<name> -> configDir/agents.d/<name>.yaml
# (default ~/.config/sourceos), then `sourceos-agent activate <name>` for
# each enabled agent, as the user, after home-manager has written its files
# (home.activation, entryAfter writeBoundary).
#
# The declarations are copied as regular files, 0644: the loader refuses an
# agents.d file that is a symlink out of its directory, which is what
# home.file or xdg.configFile would make. User scope only (a system agent
# needs root: declare it in the nix-darwin module). activate is the guarded
# pipeline: a failed preflight leaves the new generation staged, prints the
# preflight and its remediation and exits 2 with nothing installed or
# enabled. Its output is printed; activation goes on whatever it says.
# `home-manager switch -n` (DRY_RUN) only prints the commands.
{ config, lib, pkgs, ... }:
let
  agentFile = import ./lib.nix;
  cfg = config.sourceos;
  q = lib.escapeShellArg;
  sos = "${cfg.package}/bin/sourceos-agent";
  dir = cfg.configDir;
  enabled = lib.filterAttrs (_: a: a.enable) cfg.localAgents;
  declFile = name: decl: pkgs.writeText "sourceos-agent-${name}.yaml" (agentFile name decl);

  copy = name: decl: ''
    run install -m 0644 ${declFile name decl} ${q "${dir}/agents.d/${name}.yaml"}
  '';
  activate = name: decl: ''
    echo "sourceos-agent activate ${name}:"
    rc=0
    run env PATH=${q (lib.concatStringsSep ":" cfg.path)} \
      ${sos} activate ${q name} --config-dir ${q dir} || rc=$?
    case $rc in
      0) ;;
      2) warnEcho "sourceos: ${name}: not installed: the preflight failed (above); the generation is staged" ;;
      *) warnEcho "sourceos: ${name}: activate exited $rc (3: a step failed and the steps before it were undone)" ;;
    esac
  '';
in
{
  options.sourceos = import ./options.nix {
    inherit lib;
    defaults = {
      checksDir = "${cfg.package}/etc/sourceos/checks.d";
      configDir = "${config.xdg.configHome}/sourceos";
      configDirText = lib.literalExpression ''"''${config.xdg.configHome}/sourceos"'';
      path = [ "${config.home.profileDirectory}/bin" "/run/wrappers/bin" "/run/current-system/sw/bin"
               "/opt/podman/bin" "/opt/homebrew/bin" "/usr/local/bin" "/usr/bin" "/bin" "/usr/sbin" "/sbin" ];
    };
  };

  config = lib.mkIf (cfg.localAgents != { }) {
    assertions = lib.mapAttrsToList (name: a: {
      assertion = a.scope != "system";
      message = "sourceos.localAgents.${name}: scope = \"system\" needs root; declare it in the nix-darwin module.";
    }) cfg.localAgents;

    home.activation.sourceosAgents = lib.hm.dag.entryAfter [ "writeBoundary" ] ''
      run install -d -m 0755 ${q dir} ${q "${dir}/agents.d"}
      if [ -L ${q "${dir}/checks.d"} ] || [ ! -e ${q "${dir}/checks.d"} ]; then
        run ln -sfn ${q cfg.checksDir} ${q "${dir}/checks.d"}
      else
        warnEcho "sourceos: ${dir}/checks.d is not a symlink: left as it is"
      fi
      ${lib.concatStrings (lib.mapAttrsToList copy cfg.localAgents)}
      ${lib.concatStrings (lib.mapAttrsToList activate enabled)}
    '';
  };
}

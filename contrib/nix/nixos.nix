# NixOS module: sourceos.localAgents.<name> -> /etc/sourceos/agents.d/<name>.yaml,
# and per enabled agent a oneshot user unit sourceos-agent-activate-<name>
# that runs `sourceos-agent activate <name>` in sourceos.user's systemd
# manager: at its login (or boot, with users.users.<user>.linger = true), and
# again on every switch (system.userActivationScripts).
#
# The declarations are copied, root-owned, 0644 (environment.etc with a
# mode): the loader refuses an agents.d file that is a symlink out of its
# directory, which environment.etc makes by default. activate is the guarded
# pipeline: a failed preflight leaves the new generation staged, logs the
# preflight and its remediation (journalctl --user -u
# sourceos-agent-activate-<name>) and exits 2, the unit fails, and nothing is
# installed or enabled.
#
# Two limits, both from how activate works:
#  - user scope only: activate installs a system agent's unit into
#    /etc/systemd/system, which on NixOS is a read-only link into the store.
#  - the oneshot is not ordered Before= the agent's unit
#    (sourceos-agent@<name>.service): activate starts that unit itself with a
#    blocking `systemctl start`, whose job would wait for the oneshot that
#    is waiting for it (seen with systemd 252: hangs until a timeout, and a
#    failed start step undoes the install).
{ config, lib, pkgs, utils, ... }:
let
  agentFile = import ./lib.nix;
  cfg = config.sourceos;
  q = lib.escapeShellArg;
  sos = "${cfg.package}/bin/sourceos-agent";
  etcDir = lib.removePrefix "/etc/" cfg.configDir;
  enabled = lib.filterAttrs (_: a: a.enable) cfg.localAgents;
  declFile = name: decl: pkgs.writeText "sourceos-agent-${name}.yaml" (agentFile name decl);
  unit = name: "sourceos-agent-activate-${name}";
in
{
  options.sourceos = import ./options.nix {
    inherit lib;
    defaults = {
      checksDir = "${cfg.package}/etc/sourceos/checks.d";
      configDir = "/etc/sourceos";
      user = null;
      path = [ "/run/wrappers/bin" "/etc/profiles/per-user/${toString cfg.user}/bin"
               "/run/current-system/sw/bin" ];
    };
  };

  config = lib.mkIf (cfg.localAgents != { }) {
    assertions = [
      { assertion = cfg.user != null; message = "sourceos.localAgents: set sourceos.user to the user whose agents these are."; }
      { assertion = lib.hasPrefix "/etc/" cfg.configDir; message = "sourceos.configDir must be under /etc (environment.etc writes it)."; }
    ] ++ lib.mapAttrsToList (name: a: {
      assertion = a.scope != "system";
      message = "sourceos.localAgents.${name}: scope = \"system\" is not supported on NixOS: activate installs system units into /etc/systemd/system, which NixOS keeps read-only.";
    }) cfg.localAgents;

    environment.etc = {
      "${etcDir}/checks.d".source = cfg.checksDir;
    } // lib.mapAttrs' (name: decl: lib.nameValuePair "${etcDir}/agents.d/${name}.yaml" {
      source = declFile name decl;
      mode = "0644";
    }) cfg.localAgents;

    systemd.user.services = lib.mapAttrs' (name: decl: lib.nameValuePair (unit name) {
      description = "sourceos-agent activate ${name}: stage, preflight, install only if it passed";
      wantedBy = [ "default.target" ];
      unitConfig.ConditionUser = cfg.user;
      restartTriggers = [ (declFile name decl) ];
      serviceConfig = {
        Type = "oneshot";
        RemainAfterExit = true;
        ExecStart = utils.escapeSystemdExecArgs [
          "${pkgs.coreutils}/bin/env" "PATH=${lib.concatStringsSep ":" cfg.path}"
          sos "activate" name "--config-dir" cfg.configDir
        ];
      };
    }) enabled;

    system.userActivationScripts.sourceosAgents = lib.mkIf (enabled != { }) ''
      if [ "$(id -un)" = ${q cfg.user} ]; then
        for u in ${lib.concatMapStringsSep " " (n: q "${unit n}.service") (lib.attrNames enabled)}; do
          ${config.systemd.package}/bin/systemctl --user restart "$u" ||
            echo "sourceos: $u did not complete: journalctl --user -u $u" >&2
        done
      fi
    '';
  };
}

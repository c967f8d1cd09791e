# The options the three modules share, under `sourceos`: package, checksDir,
# configDir, path, user (nix-darwin and NixOS) and localAgents.<name>, whose
# fields are the canonical spec's declaration (schemas/agent.schema.json).
# A field left unset is null: lib.nix leaves it out of agents.d/NAME.yaml and
# sourceos-agent's loader fills in its default, so every default lives in one
# place. This file uses the module system's lib; it declares options only:
# the translation into agents.d is lib.nix's alone.
#
#   options.sourceos = import ./options.nix { inherit lib; defaults = { ... }; };
#
# defaults: checksDir, configDir (and configDirText, how the manual shows
# it), path (a list of bin directories), and user when the module runs as
# root and needs to know whose user agents they are.
{ lib, defaults }:
let
  inherit (lib) mkOption types;
  opt = type: description: mkOption { type = types.nullOr type; default = null; inherit description; };
  group = description: options: mkOption {
    type = types.submodule { inherit options; };
    default = { };
    inherit description;
  };
  argv = types.listOf types.str;
  command = types.either argv types.str;
  seconds = types.ints.between 1 3600;

  agent = types.submodule {
    options = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = ''
          Write the declaration and run `sourceos-agent activate` for it. false:
          the declaration is written (enable: false) but not activated; a service
          installed earlier stays until `sourceos-agent uninstall NAME`.
        '';
      };
      description = opt types.str "One line on what the agent does.";
      scope = opt (types.enum [ "user" "system" ]) "user (default) or system (only when justified; needs account).";
      runtime = opt (types.enum [ "podman" "native" "nix-app" "systemd" ]) "Default podman.";
      command = opt command "The program, as an argv list (or one line of plain words); required for native and nix-app.";
      image = opt types.str "Required for podman: a local image, localhost/sourceos/NAME:TAG.";
      containerName = opt types.str "Default sourceos-NAME.";
      owner = group "Who answers for the agent." {
        project = opt types.str "Project.";
        component = opt types.str "Component.";
        contact = opt types.str "Contact.";
      };
      auth = group "Registry auth at run time." {
        mode = opt (types.enum [ "empty-authfile" "service-account" "none" "forbidden-ambient" ]) "Default empty-authfile.";
        authfile = opt types.str "Default ~/.config/containers/sourceos-empty-auth.json (exactly {\"auths\":{}}).";
        allowAmbientDockerConfig = opt types.bool "Default false.";
        allowInteractiveCredentialHelper = opt types.bool "Default false.";
      };
      podman = group "The Podman runtime." {
        connection = opt types.str "A podman connection, e.g. podman-machine-default.";
        pull = opt (types.enum [ "never" "explicit" "always" ]) "Default never.";
        requireMachine = opt types.bool "Default true on macOS, false on Linux.";
        requireLocalImage = opt types.bool "Default true.";
        rootless = opt types.bool "Default true.";
      };
      lifecycle = group "Starts and restarts." {
        runAtLoad = opt types.bool "Default true.";
        keepAlive = opt types.bool "Default false.";
        restart = opt (types.enum [ "manual" "bounded" "supervised" ]) "Default bounded.";
        maxRestartsPerHour = opt (types.ints.between 1 100) "Default 3.";
        startupTimeoutSeconds = opt seconds "Default 20.";
        shutdownTimeoutSeconds = opt seconds "Default 10.";
      };
      logs = group "Log files (never under /tmp)." {
        app = opt types.str "The wrapper's own log.";
        stdout = opt types.str "The service's standard output.";
        stderr = opt types.str "The service's standard error.";
      };
      health = group "How health is judged." {
        type = opt types.str "Default podman-container.";
        expected = opt types.str "Default running.";
        command = opt command "A health command.";
      };
      quarantine = group "What a quarantine captures (each default true)." {
        captureServiceDefinition = opt types.bool "";
        captureLogs = opt types.bool "";
        captureRuntimeState = opt types.bool "";
        captureImageMetadata = opt types.bool "";
        captureRedactedAuthConfig = opt types.bool "";
      };
      backend = opt (types.enum [ "auto" "launchd" "systemd" ]) "Default auto.";
      label = opt types.str "launchd's label; default org.sourceos.agent.NAME.";
      env = opt (types.listOf types.str) "KEY=VALUE entries for the container (no secrets: they would sit in the Nix store).";
      mounts = opt (types.listOf (types.submodule {
        options = {
          host = mkOption { type = types.str; description = "Absolute host path (never a whole home directory)."; };
          container = mkOption { type = types.str; description = "Absolute path in the container."; };
          mode = opt (types.enum [ "ro" "rw" ]) "Default ro.";
        };
      })) "Bind mounts, deny by default.";
      args = opt argv "Arguments after the image.";
      account = opt types.str "scope = system only: the account the agent runs as.";
      capabilities = opt (types.listOf types.str) "scope = system only: Linux capabilities, each in CONFIG/capabilities.allow.";
    };
  };
in
{
  package = mkOption {
    type = types.package;
    description = ''
      sourceos-agent, built from this repository (nixpkgs has no package for it).
      Build it with --sysconfdir=/etc if hand-run commands should find /etc/sourceos
      without --config-dir.
    '';
  };
  checksDir = mkOption {
    type = types.str;
    default = defaults.checksDir;
    defaultText = lib.literalExpression ''"''${config.sourceos.package}/etc/sourceos/checks.d"'';
    description = "The checks.d the package installs (preflight reads it); linked as configDir/checks.d.";
  };
  configDir = mkOption {
    type = types.str;
    default = defaults.configDir;
    defaultText = defaults.configDirText or defaults.configDir;
    description = "Holds agents.d/ (the declarations, copied as regular files) and checks.d; passed to activate as --config-dir.";
  };
  path = mkOption {
    type = types.listOf types.str;
    default = defaults.path;
    description = "PATH of the activate run: where podman, systemctl or launchctl, shellcheck are.";
  };
  localAgents = mkOption {
    type = types.attrsOf agent;
    default = { };
    description = ''
      Local agents, as the canonical spec declares them (sourceos.localAgents.<name>).
      Each becomes configDir/agents.d/<name>.yaml (lib.nix) and is activated with
      `sourceos-agent activate <name>`: stage, preflight, and install only when the
      preflight passed.
    '';
  };
}
// lib.optionalAttrs (defaults ? user) {
  user = mkOption {
    type = types.nullOr types.str;
    default = defaults.user;
    description = "The user whose user-scope agents these are (activate runs as this user).";
  };
}

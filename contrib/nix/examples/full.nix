# Every field of the canonical spec's declaration (sourceos-spec
# local-agent-runtime), most of them at their defaults, to show them; a real
# declaration can leave those out. Nothing here is a secret: the file ends
# up in the Nix store, readable by every user.
{
  sourceos.localAgents.node-commander = {
    enable = true;
    description = "Node commander: the local control API";
    scope = "user";
    runtime = "podman";
    image = "localhost/sourceos/node-commander:0.4.2";
    containerName = "sourceos-node-commander";
    owner = {
      project = "socioprophet";
      component = "node-commander";
      contact = "platform@example.org";
    };
    auth = {
      mode = "empty-authfile";
      authfile = "~/.config/containers/sourceos-empty-auth.json";
      allowAmbientDockerConfig = false;
      allowInteractiveCredentialHelper = false;
    };
    podman = {
      connection = "podman-machine-default";
      pull = "never";
      requireMachine = true;
      requireLocalImage = true;
      rootless = true;
    };
    lifecycle = {
      runAtLoad = true;
      keepAlive = false;
      restart = "bounded";
      maxRestartsPerHour = 3;
      startupTimeoutSeconds = 20;
      shutdownTimeoutSeconds = 10;
    };
    logs = {
      app = "~/Library/Logs/SourceOS/node-commander.log";
      stdout = "~/Library/Logs/SourceOS/node-commander.launchd.out.log";
      stderr = "~/Library/Logs/SourceOS/node-commander.launchd.err.log";
    };
    health = {
      type = "podman-container";
      expected = "running";
    };
    quarantine = {
      captureServiceDefinition = true;
      captureLogs = true;
      captureRuntimeState = true;
      captureImageMetadata = true;
      captureRedactedAuthConfig = true;
    };
    backend = "auto";
    label = "org.socioprophet.node-commander";
    env = [ "NODE_ENV=production" "LOG_LEVEL=info" ];
    mounts = [
      { host = "/srv/node-commander/config"; container = "/etc/node-commander"; mode = "ro"; }
      { host = "/srv/node-commander/data"; container = "/var/lib/node-commander"; mode = "rw"; }
    ];
    args = [ "node-commander" "serve" "--listen" "127.0.0.1:8080" ];
  };
}

# The least a podman agent needs: its image, a local one. Everything else
# is sourceos-agent's default (user scope, empty auth file, pull never,
# keepAlive false, at most 3 restarts an hour, logs in the user's own log
# directory).
{
  sourceos.localAgents.hello = {
    image = "localhost/sourceos/hello:1.0";
  };
}

# A native agent: no container, its own command (an argv list; in a real
# configuration often "${pkgs.something}/bin/something"). Only what differs
# from the defaults is said.
{
  sourceos.localAgents.notes-sync = {
    description = "Syncs the notes directory to the team share";
    runtime = "native";
    command = [ "/usr/local/bin/notes-sync" "--interval" "300" ];
    owner = { project = "notes"; component = "sync"; contact = "notes@example.org"; };
    lifecycle = { restart = "supervised"; maxRestartsPerHour = 6; };
  };
}

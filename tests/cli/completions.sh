#!/bin/sh
# The shell completions made from the verb table: bash's through its
# completion function (COMP_WORDS in, COMPREPLY out) and `complete -p`,
# zsh's with `zsh -n` and a scripted completion (compadd recorded), fish's
# with `fish --no-execute` and `complete -C`. Every command and option the
# programs' --help lists is completed, so a row added to the table and not
# to the completions (or the other way) fails here.
. "$SOS_SRCDIR/tests/lib.sh"
C="$SOS_BUILDDIR/completions"
AGENT="$SOS_BUILDDIR/sourceos-agent"
CTL="$SOS_BUILDDIR/sourceosctl"
CFG="$TMP/cfg"
mkdir -p "$CFG/agents.d" "$TMP/xdg/sourceos/agent-machine"
: > "$CFG/agents.d/alpha.yaml"
: > "$CFG/agents.d/beta.yaml"
: > "$CFG/agents.d/notes.txt"
: > "$TMP/xdg/sourceos/agent-machine/work.yaml"
export XDG_CONFIG_HOME="$TMP/xdg"

# ---- bash ----------------------------------------------------------------
command -v bash >/dev/null || skip_all "bash is not installed"
bcomp() { # bcomp WORD... (the last is the one being completed): the candidates, sorted
    bash -c '. "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
        _sourceos "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' bash "$C/sourceos.bash" "$@" | sort | tr '\n' ' '
}
is "$(bash -c '. "$1"; complete -p sourceos sourceos-agent sourceosctl' bash "$C/sourceos.bash")" \
"complete -F _sourceos sourceos
complete -F _sourceos sourceos-agent
complete -F _sourceos sourceosctl" "complete -p: the three programs use the one function"
out=$(bash -n "$C/sourceos.bash" 2>&1); is "$?|$out" "0|" "bash -n: it parses"
if command -v shellcheck >/dev/null; then
    out=$(shellcheck -s bash "$C/sourceos.bash" 2>&1); is "$?|$out" "0|" "shellcheck: clean"
else
    skip "shellcheck is not installed"
fi

# The commands of PROG's --help, first words, sorted: what "PROG <TAB>" must offer.
first_words() { "$1" --help | awk '/^Commands:/ {on=1; next} /^$/ {on=0} on && /^  [a-z]/ {print $1}' | sort -u | tr '\n' ' '; }
for p in sourceos sourceos-agent; do
    is "$(bcomp "$p" '')" "$(first_words "$SOS_BUILDDIR/$p")" "bash: '$p <TAB>' offers exactly the commands of its --help"
done
is "$(bcomp sourceosctl '')" "agent-machine " "bash: sourceosctl's one group"
want=$("$CTL" --help | awk '/^Commands:/ {on=1; next} /^$/ {on=0} on && /^  agent-machine/ {print $2}' | sort -u | tr '\n' ' ')
is "$(bcomp sourceosctl agent-machine '')" "$want" "bash: 'sourceosctl agent-machine <TAB>': every agent-machine command"
is "$(bcomp sourceos ev)" "evidence " "bash: a prefix"
is "$(bcomp sourceos evidence '')" "extract inspect " "bash: a command's second word"

# Every command's options, as its --help lists them.
options_of() { # options_of PROG WORDS...: the option words of its --help, sorted
    # (its Options list, or, for a command of few options, its Usage line;
    # -h, --help and --version every command takes)
    p=$1; shift
    { "$SOS_BUILDDIR/$p" "$@" --help | awk '/^Options:/ {on=1; next} /^$/ {on=0} on && /^  -/' |
          sed 's/^  //; s/  .*//; s/ [A-Za-z]*$//; s/,//' | tr ' ' '\n'
      "$SOS_BUILDDIR/$p" "$@" --help | sed '/^$/q' | grep -o '\[--*[a-z][a-z-]*' | tr -d '['
      printf '%s\n' -h --help --version; } | grep '^-' | sort -u | tr '\n' ' '
}
bad=""
n=0
for p in sourceos sourceos-agent sourceosctl; do
    cmds=$("$SOS_BUILDDIR/$p" --help | awk '/^Commands:/ {on=1; next} /^$/ {on=0} on && /^  [a-z]/' |
        sed 's/^  //; s/  .*//; s/ [A-Z[].*//')
    while IFS= read -r cmd; do
        [ -n "$cmd" ] || continue
        n=$((n + 1))
        # shellcheck disable=SC2086 # the command's words
        got=$(bcomp "$p" $cmd -)
        # shellcheck disable=SC2086
        want=$(options_of "$p" $cmd)
        [ "$got" = "$want" ] || bad="$bad
$p $cmd: completes '$got', --help lists '$want'"
    done <<EOF
$cmds
EOF
done
ok $(( n < 25 )) "the commands of the three --help ($n)"
is "$bad" "" "bash: each command's options are the ones its --help lists"

is "$(bcomp sourceos-agent stage --config-dir "$CFG" '')" "alpha beta " "bash: agent names from --config-dir's agents.d"
is "$(bcomp sourceos-agent --config-dir "$CFG" doctor a)" "alpha " "bash: options before the command are skipped, --config-dir kept"
is "$(bcomp sourceosctl agent-machine doctor --profile '')" "work " "bash: profiles from ~/.config/sourceos/agent-machine"
is "$(bcomp sourceosctl agent-machine init --profile '')" "linux-native macos-podman windows-hyperv windows-wsl " "bash: init --profile: the templates"
is "$(bcomp sourceos doctor local-runtime --format '')" "human json ndjson prometheus " "bash: --format of a doctor"
is "$(bcomp sourceos checks --format '')" "human json ndjson " "bash: --format of a listing: no prometheus"
is "$(bcomp sourceos-agent quarantine --compress '')" "gzip none zstd " "bash: --compress"
is "$(bcomp "$SOS" explain launchd.keepalive-un)" "launchd.keepalive-unbounded launchd.keepalive-unthrottled " "bash: explain's codes, from explain --list"
codes=$("$SOS" explain --list | wc -l)
is "$(bcomp "$SOS" explain '' | wc -w)" "$codes" "bash: every code"
mkdir -p "$TMP/d/sub"; : > "$TMP/d/file"
is "$(bcomp sourceos evidence extract "$TMP/d/file" "$TMP/d/")" "$TMP/d/sub " "bash: extract's DIR: directories"
is "$(bcomp sourceos evidence inspect "$TMP/d/f")" "$TMP/d/file " "bash: inspect's FILE: files"
is "$(bcomp sourceosctl agent-machine run --tool x -- '')" "" "bash: after --, the tool's arguments: nothing offered"
mkdir -p "$TMP/d/with space"
is "$(bcomp sourceos doctor local-runtime --root "$TMP/d/wi" | sed 's/ $//')" "$TMP/d/with space" "bash: a directory with a space is one candidate"
is "$(bcomp sourceos doctor --format = json local)" "local-runtime " "bash: --format=json (split by bash at '=') is an option and its value, not a command word"
is "$(bcomp sourceos doctor local-runtime --format = j)" "json " "bash: --format=<TAB>: its values"
is "$(bcomp sourceos-agent stage --config-dir = "$CFG" '')" "alpha beta " "bash: --config-dir=DIR is read"
mkdir -p "$TMP/h"; cp -R "$CFG" "$TMP/h/cfg"
is "$(HOME="$TMP/h" bcomp sourceos-agent stage --config-dir '~/cfg' '')" "alpha beta " "bash: a ~ in --config-dir is the home"
is "$(bcomp sourceos help '')" "$(first_words "$SOS")" "bash: help COMMAND: the commands"

# ---- zsh -------------------------------------------------------------------
if command -v zsh >/dev/null; then
    out=$(zsh -n "$C/_sourceos" 2>&1); is "$?|$out" "0|" "zsh -n: it parses"
    is "$(head -1 "$C/_sourceos")" "#compdef sourceos sourceos-agent sourceosctl" "zsh: #compdef names the three programs"
    zcomp() { # zcomp WORD...: what _sourceos hands compadd (and _files), in order
        zsh -f -c 'compdef() { : }
            compset() { : }
            compadd() { [[ $1 == -- ]] && shift; print -r -- "$@" }
            _files() { print -r -- "_files $*" }
            source "$1"; shift
            words=("$@"); CURRENT=$#
            _sourceos' zsh "$C/_sourceos" "$@" | tr '\n' ' '
    }
    is "$(zcomp sourceos '')" "doctor plugins checks explain help evidence " "zsh: the commands"
    is "$(zcomp sourceos evidence '')" "inspect extract " "zsh: a command's second word"
    is "$(zcomp sourceos-agent stage --config-dir "$CFG" '')" "alpha beta " "zsh: agent names"
    is "$(zcomp sourceos doctor local-runtime --format '')" "human json ndjson prometheus " "zsh: --format"
    is "$(zcomp sourceosctl agent-machine shell --profile '')" "work " "zsh: profiles"
    is "$(zcomp sourceos evidence extract f '')" "_files -/ " "zsh: extract's DIR through _files -/"
    is "$(HOME="$TMP/h" zcomp sourceos-agent stage --config-dir '~/cfg' '')" "alpha beta " "zsh: a ~ in --config-dir is the home"
    is "$(zcomp sourceos-agent stage "--config-dir=$CFG" '')" "alpha beta " "zsh: --config-dir=DIR is read"
    is "$(zcomp "$SOS" explain x | wc -w)" "$codes" "zsh: explain's codes"
    is "$(zcomp sourceos-agent logs - | tr ' ' '\n' | grep . | sort | tr '\n' ' ')" "$(options_of sourceos-agent logs)" \
        "zsh: logs' options, as its --help lists them"
else
    skip "zsh is not installed (apt-get install zsh)"
fi

# ---- fish ------------------------------------------------------------------
if command -v fish >/dev/null; then
    out=$(fish --no-execute "$C/sourceos.fish" 2>&1); is "$?|$out" "0|" "fish --no-execute: it parses"
    fcomp() { # fcomp COMMANDLINE: fish's own completions of it, sorted
        fish -N -c 'source $argv[1]; complete -C$argv[2]' "$C/sourceos.fish" "$1" | cut -f1 | sort | tr '\n' ' '
    }
    is "$(fcomp 'sourceos ')" "$(first_words "$SOS")" "fish: the commands of sourceos --help"
    is "$(fcomp 'sourceos-agent ')" "$(first_words "$AGENT")" "fish: the commands of sourceos-agent --help"
    is "$(fcomp 'sourceos evidence ')" "extract inspect " "fish: a command's second word"
    is "$(fcomp "sourceos-agent stage --config-dir $CFG ")" "alpha beta " "fish: agent names"
    is "$(fcomp 'sourceos doctor local-runtime --format ')" "human json ndjson prometheus " "fish: --format"
    is "$(fcomp 'sourceosctl agent-machine init --profile ')" "linux-native macos-podman windows-hyperv windows-wsl " "fish: the templates"
    is "$(fcomp "$SOS explain launchd.keepalive-un")" "launchd.keepalive-unbounded launchd.keepalive-unthrottled " "fish: explain's codes"
    is "$(fcomp 'sourceos doctor local-runtime --format=')" "--format=human --format=json --format=ndjson --format=prometheus " "fish: --format=<TAB>"
    is "$(HOME="$TMP/h" fcomp "sourceos-agent stage --config-dir ~/cfg ")" "alpha beta " "fish: a ~ in --config-dir is the home"
    is "$(fcomp "sourceos-agent stage --config-dir=$CFG ")" "alpha beta " "fish: --config-dir=DIR is read"
    is "$(fcomp 'sourceos-agent logs -')" "$(options_of sourceos-agent logs)" "fish: logs' options, as its --help lists them"
else
    skip "fish is not installed (apt-get install fish)"
fi
done_testing

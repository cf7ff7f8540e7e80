# The bash completion, as bash runs it: sourced, COMP_WORDS and COMP_CWORD
# set, the function called, COMPREPLY read. What it offers must be what the
# program takes: its commands, each command's options and choices from
# --help, check IDs from list, profiles from the profile folder.
. "$MR_TESTS/cli/lib.sh"
need jq jq
completion=$MR_TESTS/../packaging/bash-completion/migready
# shellcheck source=/dev/null
. "$completion"
complete -p migready | grep -q -- '-F _migready' || fail "no completion registered for migready"

# complete WORD...: the completions of the last word, sorted, one a line.
complete_words() {
    COMP_WORDS=("$MIGREADY" "$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"
    COMPREPLY=()
    _migready
    printf '%s\n' "${COMPREPLY[@]}" | sort
}
sorted() { printf '%s\n' "$@" | sort; }
expect() {
    local want=$1 got
    shift
    got=$(complete_words "$@")
    [ "$got" = "$want" ] || fail "completing '$*': got [$(echo $got)], want [$(echo $want)]"
}

commands=$("$MIGREADY" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
expect "$(sorted $commands help --help --version)" ""
expect "$(sorted migrate-test)" mi
expect "$(sorted $commands)" help ""

# Every long option each command's help prints, and no other.
for cmd in $commands; do
    run_mr 0 "$cmd" --help
    want=$(printf '%s\n' "$OUT" | grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+' | sort)
    [ "$(printf '%s\n' "$want" | wc -l)" -ge 6 ] || fail "$cmd --help: options [$want]"
    expect "$want" "$cmd" --
done
expect "$(sorted --root)" check --ro
# After an option that takes a value: its choices, whichever spelling.
expect "$(sorted text json junit tap prometheus)" check --format ""
expect "$(sorted prometheus)" check --root /tmp --format p
expect "$(sorted prometheus)" check --format = p
expect "$(sorted text json)" list --format ""
expect "$(sorted tcp tls ssh)" migrate-test --transport ""
expect "json" facts --format j

# Check IDs, also after a comma, from list.
run_mr 0 list --format json
ids=$(printf '%s' "$OUT" | jq -r '.[].id' | sort)
expect "$ids" check --only ""
expect "$(printf '%s' "$OUT" | jq -r '.[].id | select(startswith("nova."))' | sort)" fix --skip nova
expect "$(printf '%s' "$OUT" | jq -r '.[].id | select(startswith("libvirt.")) | "nova.cpu-mode," + .' | sort)" \
    check --only nova.cpu-mode,libvirt.

# Profiles: the profile folder's, or, without one, those --help names.
profiles=$(cd "$MIGREADY_PROFILE_DIR" && ls *.ini | sed 's/\.ini$//' | sort)
expect "$profiles" check --profile ""
mkdir "$SCRATCH/profiles"
touch "$SCRATCH/profiles/only-this.ini"
MIGREADY_PROFILE_DIR=$SCRATCH/profiles expect "only-this" fix --profile ""
MIGREADY_PROFILE_DIR=$SCRATCH/none expect "$(sorted shared-nfs block volume nfs-server tcp tls ssh)" \
    facts --profile ""
# Files and folders where the option wants them.
mkdir "$SCRATCH/rootdir"
touch "$SCRATCH/rootfile"
expect "$SCRATCH/rootdir" check --root "$SCRATCH/root"
expect "$(sorted "$SCRATCH/rootdir" "$SCRATCH/rootfile")" check --config "$SCRATCH/root"
echo ok

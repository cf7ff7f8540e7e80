# Shared helpers for the command-line tests (sourced).
set -eu

: "${MIGREADY:?MIGREADY must name the binary under test}"
: "${MR_TESTS:?MR_TESTS must name the tests folder}"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/migready-cli-XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

skip() {
    echo "SKIP: $*" >&2
    exit 77
}

need() {
    command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed (apt-get install $2)"
}

# Copies the fixture root NAME to a scratch folder (see tests/mkroot) and
# prints its path.
mk_root() {
    local dest rc=0
    dest=$(mktemp -d "$SCRATCH/root-XXXXXX")
    "$MR_TESTS/mkroot" "$MR_TESTS/roots/$1" "$dest" || rc=$?
    [ "$rc" = 0 ] || { [ "$rc" = 77 ] && skip "fixture $1 needs root"; fail "mkroot $1"; }
    echo "$dest"
}

# run_mr EXPECTED_RC ARGS...: runs migready, keeps stdout in $OUT and stderr
# in $ERR, and checks the exit code.
run_mr() {
    local want=$1 rc=0
    shift
    "$MIGREADY" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
    OUT=$(cat "$SCRATCH/out")
    ERR=$(cat "$SCRATCH/err")
    if [ "$rc" != "$want" ]; then
        echo "--- stdout" >&2
        cat "$SCRATCH/out" >&2
        echo "--- stderr" >&2
        cat "$SCRATCH/err" >&2
        fail "migready $* exited $rc, expected $want"
    fi
    # A signal is never an answer to bad input.
    [ "$rc" -lt 128 ] || fail "migready $* died of signal $((rc - 128))"
}

# status_of ID: the status of check ID in the JSON in $OUT.
status_of() {
    printf '%s' "$OUT" | jq -r --arg id "$1" '.results[] | select(.id == $id) | .status'
}

field_of() {
    printf '%s' "$OUT" | jq -r --arg id "$1" --arg f "$2" \
        '.results[] | select(.id == $id) | .[$f] // empty'
}

# statuses: "id status" per line, for comparing two runs.
statuses() {
    printf '%s' "$OUT" | jq -r '.results[] | "\(.id) \(.status)"'
}

assert_contains() {
    case "$1" in
    *"$2"*) ;;
    *) fail "expected to find '$2' in: $1" ;;
    esac
}

assert_not_contains() {
    case "$1" in
    *"$2"*) fail "did not expect '$2' in: $1" ;;
    *) ;;
    esac
}

# no_state COPY: migready's own state (backups, fix's lock) out of a copy,
# and the folders made only to hold it.
no_state() {
    rm -rf "$1/var/lib/migready"
    rmdir "$1/var/lib" 2>/dev/null && rmdir "$1/var" 2>/dev/null || true
}

# snapshot ROOT NAME: a copy to compare with later (backups excluded).
snapshot() {
    rm -rf "$SCRATCH/snap-$2"
    cp -a "$1" "$SCRATCH/snap-$2"
    no_state "$SCRATCH/snap-$2"
}

# unchanged ROOT NAME: no byte, owner, mode or link differs from the snapshot.
unchanged() {
    local a="$SCRATCH/snap-$2" b="$SCRATCH/cmp-$2"
    rm -rf "$b"
    cp -a "$1" "$b"
    no_state "$b"
    diff -r --no-dereference "$a" "$b" >&2 || fail "$2: files changed"
    [ "$(cd "$a" && find . -printf '%p %U:%G %m %l\n' | sort)" = \
        "$(cd "$b" && find . -printf '%p %U:%G %m %l\n' | sort)" ] || fail "$2: metadata changed"
}

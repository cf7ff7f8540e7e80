# migready fix stopped by SIGTERM or SIGINT cleans up after itself, without
# waiting for the next run, and dies of that signal (exit status 128+N):
# - while it waits for the lock another process holds;
# - at its question (a terminal), when the nova key pair it planned is in
#   its scratch folder inside the root: the folder goes, nothing is changed.
. "$MR_TESTS/cli/lib.sh"
need ssh-keygen openssh-client
need flock util-linux
need script bsdutils

only='hosts.resolution,nfs.*,ssh.keys,firewall.ports'
base=$(mk_root fix-host)
export TMPDIR="$SCRATCH/hosttmp"
mkdir -p "$TMPDIR"

# Waits up to 10 s for TEXT in FILE.
wait_for() {
    local i
    for i in $(seq 1 100); do
        grep -qF "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "--- $1" >&2
    cat "$1" >&2 || true
    fail "'$2' did not appear in $1"
}

left_behind() { # ROOT: what an interrupted run must not leave
    local r=$1 t
    t=$(find "$r" -name '.*.migready-*')
    [ -z "$t" ] || fail "temporary files left: $t"
    [ -z "$(ls -A "$r/var/lib/migready/tmp" 2>/dev/null)" ] ||
        fail "a scratch folder left: $(ls -A "$r/var/lib/migready/tmp")"
    [ ! -e "$r/var/lib/migready/journal" ] || fail "the journal of temporary files left"
    [ -z "$(ls -A "$TMPDIR")" ] || fail "files in the host's temporary folder: $(ls "$TMPDIR")"
}

for sig in TERM INT; do
    want=$((128 + $(kill -l "$sig")))

    # 1. Waiting for the lock.
    r="$SCRATCH/lock-$sig"
    cp -a "$base" "$r"
    snapshot "$r" "lock-$sig"
    mkdir -p "$r/var/lib/migready"
    chmod 0700 "$r/var/lib/migready"
    exec 9>"$r/var/lib/migready/lock"
    flock 9
    # A background job of a script ignores SIGINT; setsid runs it without
    # that inheritance.
    setsid "$MIGREADY" fix --root "$r" --only "$only" --profile shared-nfs \
        --profile nfs-server --yes >"$SCRATCH/out" 2>"$SCRATCH/err" </dev/null &
    pid=$!
    wait_for "$SCRATCH/err" "waiting for the lock"
    kill -"$sig" "$pid"
    rc=0
    wait "$pid" || rc=$?
    exec 9>&-
    [ "$rc" = "$want" ] || { cat "$SCRATCH/err" >&2; fail "SIG$sig at the lock: exit $rc, expected $want"; }
    assert_contains "$(cat "$SCRATCH/err")" "interrupted while waiting for the lock"
    assert_contains "$(cat "$SCRATCH/err")" "interrupted by SIG$sig"
    left_behind "$r"
    unchanged "$r" "lock-$sig"

    # 2. At the question, with the planned key pair in the scratch folder.
    r="$SCRATCH/ask-$sig"
    cp -a "$base" "$r"
    snapshot "$r" "ask-$sig"
    cmd="echo \$\$ >'$SCRATCH/pid'; exec '$MIGREADY' fix --root '$r' --only '$only' --profile shared-nfs --profile nfs-server 2>'$SCRATCH/err'"
    rm -f "$SCRATCH/pid" "$SCRATCH/in"
    # A terminal whose input stays open and silent: fix waits at the question.
    mkfifo "$SCRATCH/in"
    exec 8<>"$SCRATCH/in"
    setsid script -qec "$cmd" /dev/null >"$SCRATCH/out" <&8 &
    spid=$!
    wait_for "$SCRATCH/err" "apply these changes?"
    [ -n "$(ls -A "$r/var/lib/migready/tmp" 2>/dev/null)" ] ||
        fail "no scratch folder while fix asks: the test shows nothing"
    kill -"$sig" "$(cat "$SCRATCH/pid")"
    rc=0
    wait "$spid" || rc=$?
    exec 8>&-
    # script reports the child's death by a signal as 128+N.
    [ "$rc" = "$want" ] || { cat "$SCRATCH/err" >&2; fail "SIG$sig at the question: exit $rc, expected $want"; }
    assert_contains "$(cat "$SCRATCH/err")" "interrupted by SIG$sig"
    left_behind "$r"
    unchanged "$r" "ask-$sig"
done
echo "SIGTERM and SIGINT, at the lock and at the question: cleaned up, exit 143 and 130"

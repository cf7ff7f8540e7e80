# migready fix killed with SIGKILL at random moments (a deterministic seed;
# MR_KILL_ROUNDS rounds, 40 by default, MR_KILL_SEED to vary), on copies of
# the fix-host root (hosts, exports, fstab, rules.v4, a new key pair):
# - every target is whole: the original or the fixed file, never torn;
# - the next fix leaves no temporary file, no scratch folder, no key outside
#   the root and no backup folder without a MANIFEST that is not marked
#   INCOMPLETE, and fixes everything;
# - a fix after that changes nothing.
. "$MR_TESTS/cli/lib.sh"
need jq jq
need ssh-keygen openssh-client

rounds=${MR_KILL_ROUNDS:-40}
RANDOM=${MR_KILL_SEED:-12}
only='hosts.resolution,nfs.*,ssh.keys,firewall.ports'
ssh=/var/lib/nova/.ssh
exp="$MR_TESTS/roots/fix-host.expected"
targets=$(cd "$exp" && find . -type f | sed 's/^\.//')
base=$(mk_root fix-host)
# The host's temporary folder, watched for keys: fix must not use it.
export TMPDIR="$SCRATCH/hosttmp"
mkdir -p "$TMPDIR"

fix() {
    "$MIGREADY" fix --root "$1" --only "$only" --profile shared-nfs --profile nfs-server \
        --yes "${@:2}"
}

# How long a whole run takes: the kills fall within it.
r="$SCRATCH/timing"
cp -a "$base" "$r"
t0=$(date +%s%N)
fix "$r" >/dev/null 2>&1 || fail "the untimed fix failed"
span=$((($(date +%s%N) - t0) / 1000 + 1)) # microseconds
rm -rf "$r"

whole() { # ROUND ROOT: each target is the original or the fixed file
    local f
    for f in $targets; do
        [ -e "$2$f" ] || fail "round $1: $f is gone"
        cmp -s "$2$f" "$base$f" || cmp -s "$2$f" "$exp$f" || {
            diff -u "$base$f" "$2$f" >&2 || true
            fail "round $1: $f is neither the original nor the fixed file"
        }
    done
    if [ -e "$2$ssh/id_ed25519" ]; then
        ssh-keygen -y -f "$2$ssh/id_ed25519" >/dev/null 2>&1 || fail "round $1: a torn private key"
    fi
    if [ -e "$2$ssh/id_ed25519.pub" ]; then
        grep -q '^ssh-ed25519 [A-Za-z0-9+/=]* ' "$2$ssh/id_ed25519.pub" || fail "round $1: a torn public key"
    fi
}

killed=0 leftovers=0 incomplete=0
for i in $(seq 1 "$rounds"); do
    r="$SCRATCH/round"
    rm -rf "$r"
    cp -a "$base" "$r"
    delay=$(((RANDOM * 32768 + RANDOM) % span))
    fix "$r" >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '0.%06d' "$delay")"
    kill -KILL "$pid" 2>/dev/null || true
    rc=0
    wait "$pid" || rc=$?
    [ "$rc" = 137 ] && killed=$((killed + 1))
    whole "$i" "$r"
    n=$(find "$r" -name '.*.migready-*' | wc -l)
    [ -z "$(ls -A "$r/var/lib/migready/tmp" 2>/dev/null)" ] || n=$((n + 1))
    [ "$n" = 0 ] || leftovers=$((leftovers + 1))

    # The next run: cleans up and fixes everything.
    run_mr 0 fix --root "$r" --only "$only" --profile shared-nfs --profile nfs-server --yes
    whole "$i" "$r"
    for f in $targets; do
        cmp -s "$r$f" "$exp$f" || fail "round $i: $f not fixed by the next run"
    done
    ssh-keygen -y -f "$r$ssh/id_ed25519" >"$SCRATCH/derived" || fail "round $i: no private key"
    [ "$(cut -d' ' -f1,2 "$r$ssh/id_ed25519.pub")" = "$(cut -d' ' -f1,2 "$SCRATCH/derived")" ] ||
        fail "round $i: the public key is not the private key's"
    grep -qF "$(cut -d' ' -f2 "$SCRATCH/derived")" "$r$ssh/authorized_keys" ||
        fail "round $i: the key is not authorized"
    tmp=$(find "$r" -name '.*.migready-*')
    [ -z "$tmp" ] || fail "round $i: temporary files left: $tmp"
    [ -z "$(ls -A "$r/var/lib/migready/tmp" 2>/dev/null)" ] || fail "round $i: a scratch folder left"
    [ -z "$(ls -A "$TMPDIR")" ] || fail "round $i: files in the host's temporary folder: $(ls "$TMPDIR")"
    for b in "$r"/var/lib/migready/backups/*/; do
        [ -d "$b" ] || continue
        [ -f "$b/MANIFEST" ] && continue
        [ -f "$b/INCOMPLETE" ] || fail "round $i: $b has no MANIFEST and no INCOMPLETE mark"
        incomplete=$((incomplete + 1))
        assert_contains "$OUT" "incomplete backup /var/lib/migready/backups/$(basename "$b") (no MANIFEST)"
    done

    # And then nothing to do.
    snapshot "$r" "again"
    run_mr 0 fix --root "$r" --only "$only" --profile shared-nfs --profile nfs-server --yes
    unchanged "$r" "again"
done
echo "$rounds rounds (runs of ${span} us), $killed killed before they finished, $leftovers left temporary files that the next run removed, $incomplete left a backup without a MANIFEST that the next run marked"
echo "ok killed fixes"

# Two `migready fix` runs at once on one root, each fixing a different
# option of nova.conf (nova.vnc-listen and nova.migration-transport): both
# changes land, or a run says it waited or refused; never both FIXED with
# one change lost. MR_LOCK_ROUNDS trials (50 by default). Then the lock
# itself: --no-wait refuses with exit 2 while another process holds it, and
# the default waits, saying for whom.
. "$MR_TESTS/cli/lib.sh"
need jq jq
need flock util-linux

rounds=${MR_LOCK_ROUNDS:-50}
vnc='server_listen = 0.0.0.0'
uri='#live_migration_uri = qemu+ssh'
base=$(mk_root fix-nova)
lost=0 waited=0
for i in $(seq 1 "$rounds"); do
    r="$SCRATCH/trial"
    rm -rf "$r"
    cp -a "$base" "$r"
    "$MIGREADY" fix --root "$r" --yes --only nova.vnc-listen --format json \
        >"$SCRATCH/a.out" 2>"$SCRATCH/a.err" &
    a=$!
    "$MIGREADY" fix --root "$r" --yes --only nova.migration-transport --format json \
        >"$SCRATCH/b.out" 2>"$SCRATCH/b.err" &
    b=$!
    ra=0 rb=0
    wait "$a" || ra=$?
    wait "$b" || rb=$?
    [ "$ra" -lt 128 ] && [ "$rb" -lt 128 ] || fail "trial $i: a run died of a signal ($ra, $rb)"
    sa=$(jq -r '.results[] | select(.id == "nova.vnc-listen") | .status' "$SCRATCH/a.out")
    sb=$(jq -r '.results[] | select(.id == "nova.migration-transport") | .status' "$SCRATCH/b.out")
    conf=$(cat "$r/etc/nova/nova.conf")
    have_a=0 have_b=0
    case "$conf" in *"$vnc"*) have_a=1 ;; esac
    case "$conf" in *"$uri"*) have_b=1 ;; esac
    if grep -q 'waiting for the lock' "$SCRATCH/a.err" "$SCRATCH/b.err"; then
        waited=$((waited + 1))
    fi
    # A run that says FIXED must have its change in the file.
    if { [ "$sa" = fixed ] && [ "$have_a" = 0 ]; } || { [ "$sb" = fixed ] && [ "$have_b" = 0 ]; }; then
        lost=$((lost + 1))
        echo "trial $i: a=$sa ($ra) b=$sb ($rb), file has vnc=$have_a uri=$have_b" >&2
        continue
    fi
    # Without --no-wait, neither run refuses: both changes land.
    [ "$sa" = fixed ] && [ "$sb" = fixed ] || {
        cat "$SCRATCH/a.err" "$SCRATCH/b.err" >&2
        fail "trial $i: a=$sa ($ra) b=$sb ($rb)"
    }
done
echo "$rounds trials: $lost lost updates, $waited runs that waited"
[ "$lost" = 0 ] || fail "$lost of $rounds trials lost an update"
echo "ok concurrent fixes"

# The lock held by someone else: --no-wait refuses, the default waits.
r=$(mk_root fix-nova)
mkdir -p "$r/var/lib/migready"
lock="$r/var/lib/migready/lock"
: >"$lock"
chmod 600 "$lock"
flock "$lock" sh -c 'echo $$ >"$1"; sleep 2' sh "$lock" &
holder=$!
sleep 0.3
snapshot "$r" held
run_mr 2 fix --root "$r" --yes --no-wait --only nova.vnc-listen
assert_contains "$ERR" "held by PID"
assert_contains "$ERR" "$lock"
unchanged "$r" held
echo "ok --no-wait refuses"
run_mr 0 fix --root "$r" --yes --only nova.vnc-listen
assert_contains "$ERR" "waiting for the lock held by PID"
wait "$holder"
assert_contains "$(cat "$r/etc/nova/nova.conf")" "$vnc"
[ "$(stat -c %a "$lock")" = 600 ] || fail "lock mode $(stat -c %a "$lock")"
echo "ok the second run waits"

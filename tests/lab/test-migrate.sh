#!/usr/bin/env bash
# tests/lab/test-migrate.sh - `migready migrate-test` against the lab's real
# libvirtds (tests/lab/lab), run inside hv1 towards hv2:
#   1. shared storage (read-only probe disk on the instances path)  -> exit 0
#   2. --block (a local raw disk copied)                            -> exit 0
#   3. check --migrate --only migrate.roundtrip                     -> PASS
#   4. hv2 rejects the migration port range                         -> 1, firewall.ports
#   5. SIGINT in the middle of a (rate-limited) migration           -> 1, interrupted
#   6. --timeout during a (rate-limited) migration                  -> 1, timed out
#   7. hv2's libvirtd stopped (by its recorded PID)                 -> 1, libvirt.listen
#   8. a lab with --same-host-uuid                                  -> 1, libvirt.host-uuid
#   9. the URIs Nova builds (hv2's facts fetched over SSH): with hv2's
#      live_migration_inbound_addr (the lab's nova.conf) qemu+tcp://192.0.2.12/system
#      and tcp://192.0.2.12; without it qemu+tcp://hv2/system and no migration
#      address; both round trips pass and print the URI and address they used
# After every run: no probe domain, storage pool, file or QEMU process left
# on either host. The lab is brought down on any exit.
#
# MIGREADY: the binary under test (absolute path; the lab's hosts share the
# file system). Exit: 0 passed, 1 failed, 77 skipped (not root, or the lab
# is unavailable here).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/lab
export MIGREADY_LAB_STATE=${MIGREADY_LAB_STATE:-/run/migready-lab-migrate}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
MIGREADY=${MIGREADY:-$HERE/../../migready}
T0=$(date +%s.%N)
FAILED=0 UP=0
OUT=$(mktemp /tmp/migready-test-migrate-XXXXXX)

skip() { echo "test-migrate: SKIP: $*"; exit 77; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
ok() { echo "ok   $*"; }

[ "$(id -u)" = 0 ] || skip "needs root (network, mount and UTS namespaces, libvirtd)"
[ -x "$MIGREADY" ] || skip "no migready binary at $MIGREADY (set MIGREADY)"
command -v jq >/dev/null || skip "jq is not installed (apt-get install jq)"
MIGREADY=$(cd "$(dirname "$MIGREADY")" && pwd)/$(basename "$MIGREADY")

finish() {
    local rc=$?
    rm -f "$OUT" "$OUT.pid"
    if [ "$UP" = 1 ]; then
        "$LAB" down --quiet || rc=1
    fi
    printf 'test-migrate: total %ss\n' \
        "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
    exit "$rc"
}
trap finish EXIT
trap 'exit 1' INT TERM

up() {
    local rc=0
    "$LAB" up --quiet "$@" || rc=$?
    [ "$rc" = 77 ] && skip "the lab is unavailable here (see the message above)"
    [ "$rc" = 0 ] || { echo "test-migrate: lab up $* failed ($rc)"; exit 1; }
    UP=1
}

on() { local h=$1; shift; "$LAB" exec "$h" "$@"; }

# leftovers NAME [HOSTS...]: nothing of a probe may remain where libvirt runs.
leftovers() {
    local name=$1 h left="" out
    shift
    for h in "${@:-hv1 hv2}"; do
        for h in $h; do
            out=$(on "$h" virsh list --all --name 2>/dev/null | grep migready-probe || true)
            out+=$(on "$h" virsh pool-list --all --name 2>/dev/null | grep migready-probe || true)
            out+=$(on "$h" sh -c 'ls -A /var/lib/nova/instances /var/lib/libvirt/images 2>/dev/null' |
                grep migready-probe || true)
            [ -z "$out" ] || left+=" $h: $out"
        done
    done
    # QEMU processes of a probe (hv1 and hv2 share /proc)
    out=$(grep -las 'guest=migready-prob[e]' /proc/[0-9]*/cmdline || true)
    [ -z "$out" ] || left+=" qemu: $out"
    if [ -n "$left" ]; then bad "$name: left behind:$left"; else ok "$name: nothing left behind"; fi
}

# mt NAME WANT_RC ARGS...: migrate-test inside hv1, JSON in $OUT.
mt() {
    local name=$1 want=$2 rc=0
    shift 2
    on hv1 "$MIGREADY" migrate-test --peer hv2 --format json "$@" >"$OUT" 2>"$OUT.err" || rc=$?
    if [ "$rc" != "$want" ]; then
        bad "$name: exit $rc, want $want: $(cat "$OUT" "$OUT.err")"
        return 1
    fi
    jq -e . "$OUT" >/dev/null || { bad "$name: not JSON: $(cat "$OUT")"; return 1; }
}

j() { jq -r "$1" "$OUT"; }

# A completed round trip: two legs with time, downtime and bytes, the way
# back ending on hv1.
roundtrip_ok() {
    local name=$1
    if [ "$(j '.ok')" != true ] || [ "$(j '.legs | length')" != 2 ] ||
        [ "$(j '.legs[1].to')" != hv1 ] || [ "$(j '.legs[0].to')" != hv2 ] ||
        [ "$(j '[.legs[] | select(.ok and .time_ms > 0 and .downtime_ms >= 0 and .bytes > 0)] | length')" != 2 ]; then
        bad "$name: $(cat "$OUT")"
        return
    fi
    ok "$name: $(j '[.legs[] | "\(.from)->\(.to) \(.time_ms) ms, downtime \(.downtime_ms) ms, \(.bytes) B, \(.memory_iterations) it"] | join("; ")')"
}

# failure_ok NAME CHECK WORD...: exit 1 explained, naming CHECK.
failure_ok() {
    local name=$1 check=$2 w all
    shift 2
    all=$(j '.error | "\(.message) \(.cause) \(.remedy)"')
    if [ "$(j '.ok')" != false ] || [ "$(j '.error.check')" != "$check" ]; then
        bad "$name: want check $check: $(cat "$OUT")"
        return
    fi
    for w in "$@"; do
        [[ $all == *"$w"* ]] || { bad "$name: '$w' not in: $all"; return; }
    done
    ok "$name: $(j '.error.message') -> $check"
}

# Slows hv1's outgoing traffic so that a leg lasts seconds, not 0.5 s.
slow() { on hv1 tc qdisc add dev eth0 root tbf rate 256kbit burst 16kbit latency 2s; }
fast() { on hv1 tc qdisc del dev eth0 root 2>/dev/null || true; }

up

# 1-2: round trips.
if mt shared 0; then roundtrip_ok "shared storage"; fi
[ "$(j '.storage')" = shared ] && [[ $(j '.probe.disk') == /var/lib/nova/instances/* ]] ||
    bad "shared: probe disk not on the instances path: $(j '.probe.disk')"
leftovers "shared"
if mt block 0 --block; then roundtrip_ok "--block"; fi
[ "$(j '.storage')" = block ] || bad "--block: storage $(j '.storage')"
leftovers "--block"

# 9: the URI and the migration address, as Nova's source builds them from
# the destination's facts (hv1 fetches hv2's over SSH: remote_migready).
printf 'remote_migready = %s\n' "$MIGREADY" >>"$("$LAB" path hv1)/etc/migready/migready.conf"
# uris NAME URI STREAM: a text run and a JSON run; both print what they used.
uris() {
    local name=$1 uri=$2 stream=$3 rc=0 text
    text=$(on hv1 "$MIGREADY" migrate-test --peer hv2 --no-color 2>&1) || rc=$?
    [ "$rc" = 0 ] || { bad "$name: text run exit $rc: $text"; return; }
    grep -F "note    to hv2: URI $uri, migration address" <<<"$text" >/dev/null ||
        { bad "$name: no 'to hv2: URI $uri' line in: $text"; return; }
    echo "$text" | grep -E "note    to hv[12]:|via " | sed "s/^/     $name| /"
    mt "$name" 0 || return
    roundtrip_ok "$name"
    if [ "$(j '.legs[0].uri')" != "$uri" ] || [ "$(j '.legs[0].migrate_uri')" != "$stream" ]; then
        bad "$name: leg 1 via $(j '.legs[0].uri') stream $(j '.legs[0].migrate_uri'), want $uri $stream"
        return
    fi
    ok "$name: leg 1 via $(j '.legs[0].uri'), migration address $(j '.legs[0].migrate_uri')"
}
# The lab's nova.conf sets live_migration_inbound_addr on every host.
uris "inbound addr" qemu+tcp://192.0.2.12/system tcp://192.0.2.12
leftovers "inbound addr"
NOVA2=$("$LAB" path hv2)/etc/nova/nova.conf
cp -p "$NOVA2" "$OUT.nova"
# Rewritten in place: the file is a bind mount inside hv2.
sed '/^live_migration_inbound_addr/d' "$OUT.nova" >"$NOVA2"
uris "no inbound addr" qemu+tcp://hv2/system null
leftovers "no inbound addr"
cat "$OUT.nova" >"$NOVA2"
rm -f "$OUT.nova"

# 3: as a check.
rc=0
out=$(on hv1 "$MIGREADY" check --migrate --peer hv2 --only migrate.roundtrip --no-color 2>&1) || rc=$?
if grep -q '^PASS *migrate\.roundtrip.*hv1 -> hv2 -> hv1' <<<"$out" && [ "$rc" = 0 ]; then
    ok "check --migrate: $(grep -m1 migrate.roundtrip <<<"$out")"
else
    bad "check --migrate (exit $rc): $out"
fi
leftovers "check --migrate"

# 4: hv2 rejects the whole migration range (lab's firewall, live).
on hv2 nft insert rule inet filter input tcp dport 49152-49215 reject comment '"test-migrate"'
if mt ports-closed 1; then failure_ok "migration ports closed" firewall.ports "Connection refused" "hv2"; fi
out=$(on hv1 "$MIGREADY" migrate-test --peer hv2 --no-color 2>&1) || true
[[ $out == *"found by: firewall.ports"* ]] || bad "ports closed, text: $out"
handle=$(on hv2 nft -a list chain inet filter input | sed -n 's/.*"test-migrate".*handle \([0-9]*\).*/\1/p')
on hv2 nft delete rule inet filter input handle "$handle"
leftovers "migration ports closed"

# 5: SIGINT in the middle of a leg.
slow
on hv1 sh -c "echo \$\$ >$OUT.pid; exec '$MIGREADY' migrate-test --peer hv2 --format json --timeout 120" \
    >"$OUT" 2>/dev/null &
bg=$!
seen=0
for _ in $(seq 200); do
    if on hv2 virsh list --name 2>/dev/null | grep -q migready-probe; then seen=1; break; fi
    sleep 0.1
done
[ "$seen" = 1 ] || bad "sigint: the migration never reached hv2"
sleep 1
kill -INT "$(cat "$OUT.pid")"
rc=0
wait "$bg" || rc=$?
fast
if [ "$rc" != 1 ]; then
    bad "sigint: exit $rc, want 1: $(cat "$OUT")"
elif [ "$(j '.error.interrupted')" != true ] || [ "$(j '.legs[0].ok')" != false ]; then
    bad "sigint: $(cat "$OUT")"
else
    ok "sigint: $(j '.error.message') after $(j '.legs[0].seconds | floor') s"
fi
leftovers "sigint"

# 6: --timeout aborts the job.
slow
if mt timeout 1 --timeout 5; then
    if [ "$(j '.error.timed_out')" = true ] && [[ $(j '.error.cause') == *"within 5 s"* ]]; then
        ok "timeout: $(j '.error.cause')"
    else
        bad "timeout: $(cat "$OUT")"
    fi
fi
fast
leftovers "timeout"

# 7: hv2's libvirtd stopped by the PID the lab recorded.
pid=$("$LAB" pids | awk '$1 == "hv2/libvirtd" { print $2 }')
[[ $pid =~ ^[0-9]+$ ]] || { bad "no libvirtd PID for hv2"; exit 1; }
kill "$pid"
for _ in $(seq 100); do
    st=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null || echo gone)
    [ "$st" = gone ] || [ "$st" = Z ] && break
    sleep 0.1
done
if mt libvirt-stopped 1; then failure_ok "hv2's libvirtd stopped" libvirt.listen "16509" "Connection refused"; fi
leftovers "hv2's libvirtd stopped" hv1

# 8: the same host UUID (a cloned image).
up --same-host-uuid
if mt same-uuid 1; then failure_ok "same host UUID" libvirt.host-uuid "same host"; fi
leftovers "same host UUID"

[ "$FAILED" = 0 ] || exit 1
echo "test-migrate: all passed"

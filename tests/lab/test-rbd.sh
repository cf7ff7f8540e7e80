#!/usr/bin/env bash
# tests/lab/test-rbd.sh - Ceph RBD storage in the lab (tests/lab/lab up
# --storage rbd: one mon and one memstore OSD in nfs, pool vms, client.nova,
# a libvirt secret on hv1 and hv2), migready run inside hv1 towards hv2:
#   1. check --peer hv2 (rbd.*) is ready; migrate-test passes with the probe
#      image's data read back intact, and no image is left in the pool
#   2. hv2's libvirt secret undefined     -> check fails naming hv2 and the UUID
#   3. hv2's secret holds another key      -> check fails naming hv2, key mismatch
#   4. hv2's packets to the mon dropped    -> check fails naming hv2 and the monitor
#   In 2-4 migrate-test fails within a bound (no 300 s hang), names the
#   check, and leaves no domain and no image.
# Ceph comes up once: the breakages are applied to hv2 in place, as the lab's
# --hv2-no-ceph-secret, --hv2-ceph-wrong-key and --hv2-no-mon-route do at
# `up`, and undone after each case.
#
# MIGREADY: the binary under test (absolute path; hv2 runs it as nova for
# `migready facts`). Exit: 0 passed, 1 failed, 77 skipped.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/lab
export MIGREADY_LAB_STATE=${MIGREADY_LAB_RBD_STATE:-/run/migready-lab-rbd}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
MIGREADY=${MIGREADY:-$HERE/../../migready}
T0=$(date +%s.%N)
FAILED=0 UP=0
# migrate-test must fail fast; a hang on the monitor would last 300 s.
MIGRATE_BOUND=60

skip() { echo "test-rbd: SKIP: $*"; exit 77; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
ok() { echo "ok   $*"; }

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, libvirtd, Ceph daemons)"
[ -x "$MIGREADY" ] || skip "no migready binary at $MIGREADY (set MIGREADY)"
command -v jq >/dev/null || skip "jq is not installed (apt-get install jq)"
command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null ||
    skip "ceph-mon and ceph-osd are not installed (tests/deps)"
MIGREADY=$(cd "$(dirname "$MIGREADY")" && pwd)/$(basename "$MIGREADY")

finish() {
    local rc=$?
    if [ "$UP" = 1 ]; then
        "$LAB" down --quiet || rc=1
    fi
    printf 'test-rbd: total %ss\n' "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
    exit "$rc"
}
trap finish EXIT
trap 'exit 1' INT TERM

on() { local h=$1; shift; "$LAB" exec "$h" "$@"; }

rc=0
"$LAB" up --quiet --storage rbd || rc=$?
[ "$rc" = 77 ] && skip "the lab is unavailable here (see the message above)"
[ "$rc" = 0 ] || { echo "test-rbd: lab up --storage rbd failed ($rc)"; exit 1; }
UP=1
for h in hv1 hv2; do
    printf 'remote_migready = %s\n' "$MIGREADY" >>"$("$LAB" path "$h")/etc/migready/migready.conf"
done
UUID=$(cat "$MIGREADY_LAB_STATE/rbd-secret-uuid")
KEYRING=/etc/ceph/ceph.client.nova.keyring

# check_rbd: `check --peer hv2` of the rbd checks, JSON in $OUT, status in $RC.
check_rbd() {
    RC=0
    OUT=$(on hv1 "$MIGREADY" check --peer hv2 --only 'rbd.*' --format json 2>&1) || RC=$?
}
status_of() { printf '%s' "$OUT" | jq -r --arg id "$1" '.results[] | select(.id == $id) | .status'; }
# fail_naming ID WORDS...: a fail finding of ID whose message holds every word.
fail_naming() {
    local id=$1 w
    shift
    local msgs
    msgs=$(printf '%s' "$OUT" | jq -r --arg id "$id" \
        '.results[] | select(.id == $id) | (.findings // [.]) | .[] | select(.status == "fail") | .message' 2>/dev/null || true)
    for w in "$@"; do
        grep -qF -- "$w" <<<"$msgs" || return 1
    done
    [ -n "$msgs" ]
}

images() { on nfs rbd -p vms ls 2>/dev/null | grep migready- || true; }
domains() {
    local h
    for h in hv1 hv2; do on "$h" virsh list --all --name 2>/dev/null | grep migready-probe || true; done
}

# migrate_fails CHECK: migrate-test exits 1 within the bound naming CHECK,
# and leaves nothing.
migrate_fails() {
    local check=$1 t out rc=0 secs
    t=$(date +%s)
    out=$(timeout $((MIGRATE_BOUND + 30)) "$LAB" exec hv1 "$MIGREADY" migrate-test --peer hv2 \
        --timeout "$MIGRATE_BOUND" --format json 2>&1) || rc=$?
    secs=$(($(date +%s) - t))
    [ "$rc" = 1 ] || bad "$CASE: migrate-test exited $rc, not 1: $out"
    [ "$secs" -le "$MIGRATE_BOUND" ] || bad "$CASE: migrate-test took ${secs}s"
    [ "$(printf '%s' "$out" | jq -r .error.check 2>/dev/null)" = "$check" ] ||
        bad "$CASE: migrate-test does not name $check: $out"
    [ -z "$(domains)" ] || bad "$CASE: domains left: $(domains)"
    [ -z "$(images)" ] || bad "$CASE: images left: $(images)"
    ok "$CASE: migrate-test fails in ${secs}s naming $check, nothing left"
}

# 1. ready, and a round trip with the data intact.
CASE=ready
check_rbd
if [ "$RC" = 0 ] && [ "$(status_of rbd.secret)" = pass ] && [ "$(status_of rbd.access)" = pass ]; then
    ok "$CASE: check --peer hv2 (rbd.*) is ready"
else
    bad "$CASE: check --peer hv2 exited $RC: $OUT"
fi
on hv2 "$MIGREADY" facts --format json | jq -e '.rbd.secret.present == true and (.rbd | tostring | test("AQ") | not)' >/dev/null ||
    bad "$CASE: hv2's facts lack the secret, or hold a key"
# A leftover of an earlier (killed) run is swept first.
on hv1 rbd --id nova -p vms create --size 1 migready-probe-hv1-deadbeef >/dev/null
RC=0
MOUT=$(on hv1 "$MIGREADY" migrate-test --peer hv2 --timeout 120 --format json 2>&1) || RC=$?
printf '%s' "$MOUT" | jq -e '.notes | any(test("removed 1 leftover image"))' >/dev/null ||
    bad "$CASE: the leftover image was not reported removed: $MOUT"
if [ "$RC" = 0 ] && [ "$(printf '%s' "$MOUT" | jq -r .storage)" = rbd ] &&
    printf '%s' "$MOUT" | jq -e '.probe.disk | startswith("rbd:vms/")' >/dev/null; then
    ok "$CASE: migrate-test with an RBD disk passes (data read back intact)"
else
    bad "$CASE: migrate-test exited $RC: $MOUT"
fi
[ -z "$(images)" ] || bad "$CASE: images left in vms: $(images)"
[ -z "$(domains)" ] || bad "$CASE: domains left: $(domains)"

# 2. no secret on hv2.
CASE=no-ceph-secret
on hv2 virsh -q secret-undefine "$UUID" >/dev/null
check_rbd
if [ "$RC" = 1 ] && fail_naming rbd.secret hv2 "$UUID" "Secret not found"; then
    ok "$CASE: check fails naming hv2 and $UUID"
else
    bad "$CASE: check --peer hv2 exited $RC: $OUT"
fi
migrate_fails rbd.secret
# put it back, with the keyring's key
on hv2 sh -c "printf \"<secret ephemeral='no' private='no'><uuid>%s</uuid><usage type='ceph'><name>client.nova secret</name></usage></secret>\" $UUID >/run/lab-secret.xml && virsh -q secret-define /run/lab-secret.xml && rm -f /run/lab-secret.xml" >/dev/null
on hv2 sh -c "sed -n 's/^[[:space:]]*key = //p' $KEYRING >/run/lab-key && virsh -q secret-set-value --secret $UUID --file /run/lab-key; rm -f /run/lab-key" >/dev/null

# 3. another key in hv2's secret.
CASE=ceph-wrong-key
on hv2 sh -c "ceph-authtool --gen-print-key >/run/lab-key && virsh -q secret-set-value --secret $UUID --file /run/lab-key; rm -f /run/lab-key" >/dev/null
check_rbd
if [ "$RC" = 1 ] && fail_naming rbd.secret hv2 "$UUID" "key mismatch"; then
    ok "$CASE: check fails naming hv2 and the key mismatch"
else
    bad "$CASE: check --peer hv2 exited $RC: $OUT"
fi
migrate_fails rbd.secret
on hv2 sh -c "sed -n 's/^[[:space:]]*key = //p' $KEYRING >/run/lab-key && virsh -q secret-set-value --secret $UUID --file /run/lab-key; rm -f /run/lab-key" >/dev/null

# 4. hv2 cannot reach the monitor.
CASE=no-mon-route
on hv2 sh -c 'nft add table ip lab_no_mon_route &&
    nft add chain ip lab_no_mon_route out "{ type filter hook output priority 0; }" &&
    nft add rule ip lab_no_mon_route out ip daddr 192.0.2.20 tcp dport "{ 3300, 6789, 6800-7300 }" drop'
check_rbd
if [ "$RC" = 1 ] && fail_naming rbd.access hv2 "monitor 192.0.2.20"; then
    ok "$CASE: check fails naming hv2 and the unreachable monitor"
else
    bad "$CASE: check --peer hv2 exited $RC: $OUT"
fi
migrate_fails rbd.access
on hv2 nft delete table ip lab_no_mon_route

# Back to ready: the breakages were undone.
CASE=restored
check_rbd
[ "$RC" = 0 ] && ok "$CASE: ready again" || bad "$CASE: check --peer hv2 exited $RC: $OUT"

[ "$FAILED" = 0 ] || { echo "test-rbd: $FAILED failure(s)"; exit 1; }
echo "test-rbd: all passed"

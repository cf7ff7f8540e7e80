#!/usr/bin/env bash
# tests/lab/test-shipped.sh - the binary as shipped, which loads libvirt on
# first use (src/live/virt-dl.c), against the lab's real peers, inside hv1:
#   1. check --peer hv2 (the cluster checks)         -> exit 0, libvirt asked
#   2. migrate-test --peer hv2                       -> exit 0, there and back
#   3. migrate-test with libvirt unloadable on hv1   -> exit 2, the error names
#      libvirt.so.0, nothing left behind on either host
# The other lab tests run against the sanitizer build, which links libvirt;
# on such a binary this test skips, and CI runs it in `make distcheck`
# (tests/run), whose binary is built from the release tarball.
#
# MIGREADY: the binary under test (absolute path; the lab's hosts share the
# file system, and hv2 runs it as nova for `migready facts`). Exit: 0
# passed, 1 failed, 77 skipped (not root, the lab unavailable, libvirt linked).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/lab
export MIGREADY_LAB_STATE=${MIGREADY_LAB_SHIPPED_STATE:-/run/migready-lab-shipped}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
MIGREADY=${MIGREADY:-$HERE/../../migready}
# As in test-cluster.sh: the lab fails nfs.fstab and warns on libvirt.auth
# by design, so only the checks that talk to the peer are asked.
CLUSTER=ssh.peers,ids.nova,hosts.resolution,libvirt.versions,libvirt.cpu-compat,libvirt.host-uuid,nova.cpu-mode,nova.instances-path,firewall.reachability
T0=$(date +%s.%N)
FAILED=0 UP=0
OUT=$(mktemp "${TMPDIR:-/tmp}/migready-test-shipped-XXXXXX")

say() { echo "test-shipped: $*"; }
skip() { say "SKIP: $*"; exit 77; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
ok() { echo "ok   $*"; }

[ "$(id -u)" = 0 ] || skip "needs root (network, mount and UTS namespaces, libvirtd)"
[ -x "$MIGREADY" ] || skip "no migready binary at $MIGREADY (set MIGREADY)"
command -v jq >/dev/null || skip "jq is not installed (apt-get install jq)"
MIGREADY=$(cd "$(dirname "$MIGREADY")" && pwd)/$(basename "$MIGREADY")
# No early exit in these pipelines (grep -q, awk's exit): under pipefail the
# writer's SIGPIPE would make them fail, at random.
if readelf -d "$MIGREADY" 2>/dev/null | grep 'NEEDED.*libvirt' >/dev/null; then
    skip "$MIGREADY links libvirt (a sanitizer build): not the binary this test is for"
fi
LIB=$(ldconfig -p | awk '$1 == "libvirt.so.0" && !found { print $NF; found = 1 }')
[ -n "$LIB" ] || skip "libvirt.so.0 is not installed"

finish() {
    local rc=$?
    trap - EXIT
    rm -f "$OUT" "$OUT.err"
    if [ "$UP" = 1 ]; then
        "$LAB" down --quiet || rc=1
    fi
    [ "$FAILED" = 0 ] || rc=1
    say "total $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
    exit "$rc"
}
trap finish EXIT
trap 'exit 1' INT TERM

rc=0
"$LAB" up --quiet || rc=$?
[ "$rc" = 77 ] && skip "the lab is unavailable here (see the message above)"
[ "$rc" = 0 ] || { say "lab up failed ($rc)"; exit 1; }
UP=1
for h in hv1 hv2; do
    printf 'remote_migready = %s\n' "$MIGREADY" >>"$("$LAB" path "$h")/etc/migready/migready.conf"
done
"$LAB" exec -u nova hv2 test -x "$MIGREADY" ||
    { say "nova cannot run $MIGREADY (a parent folder not searchable by others?)"; exit 1; }

on() { local h=$1; shift; "$LAB" exec "$h" "$@"; }
j() { jq -r "$1" "$OUT"; }

# leftovers NAME: nothing of a probe may remain on hv1 or hv2.
leftovers() {
    local h left="" out
    for h in hv1 hv2; do
        out=$(on "$h" virsh list --all --name 2>/dev/null | grep migready-probe || true)
        out+=$(on "$h" virsh pool-list --all --name 2>/dev/null | grep migready-probe || true)
        out+=$(on "$h" sh -c 'ls -A /var/lib/nova/instances /var/lib/libvirt/images 2>/dev/null' |
            grep migready-probe || true)
        [ -z "$out" ] || left+=" $h: $out"
    done
    out=$(grep -las 'guest=migready-prob[e]' /proc/[0-9]*/cmdline || true)
    [ -z "$out" ] || left+=" qemu: $out"
    if [ -n "$left" ]; then bad "$1: left behind:$left"; else ok "$1: nothing left behind"; fi
}

# 1: the cluster checks: libvirt here (loaded now) and hv2's facts over SSH.
rc=0
on hv1 "$MIGREADY" check --peer hv2 --only "$CLUSTER" --format json >"$OUT" 2>"$OUT.err" || rc=$?
if [ "$rc" != 0 ] || [ ! -s "$OUT" ] || ! jq -e . "$OUT" >/dev/null 2>&1; then
    bad "check --peer hv2: exit $rc: $(cat "$OUT" "$OUT.err")"
elif [ "$(j '[.results[] | select(.status != "pass")] | length')" != 0 ]; then
    bad "check --peer hv2: not all pass: $(j '[.results[] | select(.status != "pass") | "\(.id) \(.status) \(.message)"]')"
else
    ok "check --peer hv2: $(j '.results | length') checks pass; libvirt.versions: $(j '.results[] | select(.id == "libvirt.versions") | .message')"
fi

# 2: a real round trip.
rc=0
on hv1 "$MIGREADY" migrate-test --peer hv2 --format json >"$OUT" 2>"$OUT.err" || rc=$?
if [ "$rc" != 0 ] || [ "$(j '.ok')" != true ] || [ "$(j '.legs | length')" != 2 ] ||
    [ "$(j '.legs[1].to')" != hv1 ]; then
    bad "migrate-test: exit $rc: $(cat "$OUT" "$OUT.err")"
else
    ok "migrate-test: $(j '[.legs[] | "\(.from)->\(.to) \(.time_ms) ms"] | join("; ")')"
fi
leftovers "migrate-test"

# 3: libvirt unloadable on hv1 (a mount namespace inside hv1 binds /dev/null
# over the library): a set-up error returned, not an exit from the loader,
# so migrate-test still prints its report and cleans up.
rc=0
on hv1 unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$LIB" \
    "$MIGREADY" migrate-test --peer hv2 --format json >"$OUT" 2>"$OUT.err" || rc=$?
if [ "$rc" != 2 ] || [ ! -s "$OUT" ] || ! jq -e . "$OUT" >/dev/null 2>&1; then
    bad "migrate-test without libvirt: exit $rc, want 2 and a report: $(cat "$OUT" "$OUT.err")"
elif [ "$(j '.error.step')" != "load libvirt" ] || [[ $(j '.error.message') != *libvirt.so.0* ]]; then
    bad "migrate-test without libvirt: $(cat "$OUT" "$OUT.err")"
else
    ok "migrate-test without libvirt: exit 2, $(j '.error.step'): $(j '.error.message')"
fi
leftovers "migrate-test without libvirt"

[ "$FAILED" = 0 ] || exit 1
say "all passed"

#!/usr/bin/env bash
# tests/lab/test-nfs-access.sh - nfs.access against the lab's real nfs-ganesha.
#
# Brings the lab up (tests/lab/lab), then runs `migready check --only
# nfs.access` inside hv1, where the site configuration names the server
# (nfs_server = nfs) and fstab the export:
#   1. as set up (export owned 162:162)         -> pass
#   2. export folder root:root, mode 0700        -> fail, "permission denied"
#   3. ganesha stopped                           -> fail, "server unreachable"
# and brings the lab down on any exit.
#
# MIGREADY: the binary under test (absolute path; the lab's hosts share the
# file system apart from their bind mounts). Exit: 0 passed, 1 failed, 77
# skipped (not root, or the lab is unavailable here).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/lab
export MIGREADY_LAB_STATE=${MIGREADY_LAB_STATE:-/run/migready-lab-nfs-access}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
MIGREADY=${MIGREADY:-$HERE/../../migready}
EXPORT=/var/lib/nova/instances
T0=$(date +%s.%N)
FAILED=0 UP=0

skip() { echo "test-nfs-access: SKIP: $*"; exit 77; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }

[ "$(id -u)" = 0 ] || skip "needs root (network, mount and UTS namespaces)"
[ -x "$MIGREADY" ] || skip "no migready binary at $MIGREADY (set MIGREADY)"
MIGREADY=$(cd "$(dirname "$MIGREADY")" && pwd)/$(basename "$MIGREADY")
# Two runs of this test (two build trees, or make check and distcheck at
# once) would tear down each other's lab: one at a time per state dir.
mkdir -p /run/lock
exec {LOCK}>"/run/lock/$(basename "$MIGREADY_LAB_STATE").lock"
flock -w 600 "$LOCK" || { echo "test-nfs-access: another run holds the lock on $MIGREADY_LAB_STATE"; exit 1; }

finish() {
    local rc=$?
    if [ "$UP" = 1 ]; then
        "$LAB" down --quiet || rc=1
    fi
    printf 'test-nfs-access: total %ss\n' \
        "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
    exit "$rc"
}
trap finish EXIT
trap 'exit 1' INT TERM

rc=0
"$LAB" up --quiet || rc=$?
[ "$rc" = 77 ] && skip "the lab is unavailable here (see the message above)"
[ "$rc" = 0 ] || { echo "test-nfs-access: lab up failed ($rc)"; exit 1; }
UP=1

# expect NAME STATUS WORD...: runs the check in hv1 and matches its output.
expect() {
    local name=$1 want=$2 out rc=0 t
    shift 2
    t=$(date +%s.%N)
    out=$("$LAB" exec hv1 "$MIGREADY" check --only nfs.access --no-color 2>&1) || rc=$?
    t=$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    local line
    line=$(printf '%s\n' "$out" | grep -m1 'nfs\.access' || true)
    if [[ $line != "$want "* ]]; then
        bad "$name: want $want, got: $out"
        return
    fi
    local w
    for w in "$@"; do
        if [[ $out != *"$w"* ]]; then
            bad "$name: '$w' not in: $out"
            return
        fi
    done
    if [ "$want" = PASS ] && [ "$rc" != 0 ]; then bad "$name: exit $rc"; return; fi
    if [ "$want" = FAIL ] && [ "$rc" != 1 ]; then bad "$name: exit $rc"; return; fi
    echo "ok   $name (${t}s): $line"
}

expect as-set-up PASS "nfs:$EXPORT mounts over NFSv" "owner 162:162" "and deleted"
# The probe leaves nothing behind.
leftover=$("$LAB" exec nfs sh -c "ls -A $EXPORT | grep -c '^\.migready-probe' || true")
[ "$leftover" = 0 ] || bad "probe files left in $EXPORT on nfs: $leftover"

"$LAB" exec nfs sh -c "chown root:root $EXPORT && chmod 0700 $EXPORT"
expect root-owned-0700 FAIL "permission denied" "UID 162, GID 162" "cannot create a file" \
    "NFS4ERR_ACCESS" "chown 162:162 $EXPORT"
"$LAB" exec nfs sh -c "chown 162:162 $EXPORT && chmod 0755 $EXPORT"
expect restored PASS "owner 162:162"

# Stop ganesha by the PID it wrote, and wait until it is gone.
pid=$("$LAB" exec nfs cat /run/ganesha/ganesha.pid)
[[ $pid =~ ^[0-9]+$ ]] || { bad "no ganesha PID ($pid)"; exit 1; }
"$LAB" exec nfs kill "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && bad "ganesha ($pid) did not stop"
expect server-down FAIL "server unreachable" "nfs (192.0.2.20) port 2049" "Connection refused" \
    "start the NFS server on nfs"

[ "$FAILED" = 0 ] || exit 1
echo "test-nfs-access: all passed"

#!/usr/bin/env bash
# tests/lab/test-ids-live.sh - issue 15's live renumbering: hv2's nova has
# UID/GID N (the site says 162). With a domain running on hv2,
# `migready fix --only ids.nova` inside hv2 changes nothing and says why;
# with no domain and hv2's libvirtd stopped (by its recorded PID), it
# renumbers, and `check --peer hv2` from hv1 passes ids.nova.
#
# A lab host's / is this machine's own root file system, and the live walk
# covers it: N must be an ID that nothing on the machine owns, which is
# checked before the lab comes up (and the test skips otherwise).
#
# MIGREADY: the binary under test. Exit: 0 passed, 1 failed, 77 skipped.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/lab
STATE=${MIGREADY_LAB_IDS_STATE:-${MIGREADY_LAB_STATE:-/run/migready-lab-ids}}
export MIGREADY_LAB_STATE=$STATE
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export MIGREADY_LENS_DIR=${MIGREADY_LENS_DIR:-$HERE/../../fixers/lenses}
export MIGREADY_PROFILE_DIR=${MIGREADY_PROFILE_DIR:-$HERE/../../profiles}
export NO_COLOR=1
MIGREADY=${MIGREADY:-$HERE/../../migready}
N=${MIGREADY_TEST_IDS_OLD:-61234}
T0=$(date +%s.%N)
FAILED=0 UP=0
TMP=$(mktemp -d /tmp/migready-test-ids-XXXXXX)
chmod 0755 "$TMP"

skip() { echo "test-ids-live: SKIP: $*"; exit 77; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
ok() { echo "ok   $*"; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" = 0 ] || skip "needs root (namespaces, libvirtd)"
[ -x "$MIGREADY" ] || skip "no migready binary at $MIGREADY (set MIGREADY)"
command -v jq >/dev/null || skip "jq is not installed (apt-get install jq)"
MIGREADY=$(cd "$(dirname "$MIGREADY")" && pwd)/$(basename "$MIGREADY")
MIGREADY_LENS_DIR=$(cd "$MIGREADY_LENS_DIR" && pwd)
MIGREADY_PROFILE_DIR=$(cd "$MIGREADY_PROFILE_DIR" && pwd)

finish() {
    local rc=$?
    rm -rf "$TMP"
    if [ "$UP" = 1 ]; then
        "$LAB" down --state "$STATE" --quiet || rc=1
    fi
    printf 'test-ids-live: total %ss\n' "$(elapsed "$T0")"
    exit "$rc"
}
trap finish EXIT
trap 'exit 1' INT TERM

st=0
"$LAB" status --state "$STATE" >/dev/null 2>&1 || st=$?
[ "$st" = 3 ] || skip "a lab is already up in $STATE (status $st); not touching it"

# The walk inside hv2 reaches the whole machine: nothing but hv2 may own N.
if getent passwd "$N" >/dev/null || getent group "$N" >/dev/null; then
    skip "ID $N is an account of this machine (set MIGREADY_TEST_IDS_OLD)"
fi
owned=$(find / -xdev \( -uid "$N" -o -gid "$N" \) -print -quit 2>/dev/null || true)
[ -z "$owned" ] || skip "$owned is owned by $N on this machine (set MIGREADY_TEST_IDS_OLD)"
ok "nothing on this machine owns $N"

t=$(date +%s.%N)
rc=0
# --copy-files: passwd and group are replaced by rename, which a bind-mounted file refuses.
"$LAB" up --state "$STATE" --quiet --copy-files --hv2-nova-uid "$N" --hv2-nova-gid "$N" || rc=$?
[ "$rc" = 77 ] && skip "the lab is unavailable here (see the message above)"
[ "$rc" = 0 ] || { echo "test-ids-live: lab up failed ($rc)"; exit 1; }
UP=1
echo "test-ids-live: lab up in $(elapsed "$t")s"

on() { local h=$1; shift; "$LAB" exec --state "$STATE" "$h" "$@"; }
nova_ids() { on hv2 sh -c 'grep "^nova:" /etc/passwd | cut -d: -f3,4; grep "^nova:" /etc/group | cut -d: -f3'; }
before=$(nova_ids | tr '\n' ' ')
[ "$before" = "$N:$N $N " ] || bad "hv2's nova is '$before', expected $N:$N"
n_before=$(on hv2 find /var/lib/nova -uid "$N" | wc -l)
[ "$n_before" -gt 0 ] || bad "hv2 has no files of $N under /var/lib/nova"

# 1. A running domain (and libvirtd): nothing changes, and fix says why.
cat >"$TMP/dom.xml" <<'EOF'
<domain type='qemu'>
  <name>ids-live</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices><controller type='usb' model='none'/><memballoon model='none'/></devices>
</domain>
EOF
on hv2 virsh -q -c qemu:///system create "$TMP/dom.xml" >/dev/null
rc=0
on hv2 "$MIGREADY" fix --only ids.nova --yes >"$TMP/out" 2>&1 || rc=$?
out=$(cat "$TMP/out")
[ "$rc" = 1 ] || bad "with a domain: fix exited $rc, expected 1: $out"
for w in "not renumbered on this live host" "libvirtd (PID" "domain ids-live is running"; do
    [[ $out == *"$w"* ]] || bad "with a domain: '$w' not in: $out"
done
[ "$(nova_ids | tr '\n' ' ')" = "$before" ] || bad "with a domain: nova's IDs changed"
[ "$(on hv2 find /var/lib/nova -uid "$N" | wc -l)" = "$n_before" ] ||
    bad "with a domain: files under /var/lib/nova were re-owned"
ok "with a domain: $(grep -m1 'not renumbered' "$TMP/out" | sed 's/^ *//')"

# 2. No domain, libvirtd stopped by its recorded PID: renumbered.
on hv2 virsh -q -c qemu:///system destroy ids-live >/dev/null
read -r pid _ <"$STATE/hosts/hv2/pids/libvirtd.pid"
[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = libvirtd ] || bad "hv2's recorded libvirtd ($pid) is not libvirtd"
kill -TERM "$pid"
for _ in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
[ ! -d "/proc/$pid" ] || bad "hv2's libvirtd ($pid) did not stop"
t=$(date +%s.%N)
rc=0
on hv2 "$MIGREADY" fix --only ids.nova --yes >"$TMP/out" 2>&1 || rc=$?
out=$(cat "$TMP/out")
[ "$rc" = 0 ] || bad "stopped: fix exited $rc, expected 0: $out"
[[ $out == *"FIXED  ids.nova"* ]] || bad "stopped: no FIXED line in: $out"
[ "$(nova_ids | tr '\n' ' ')" = "162:162 162 " ] || bad "stopped: hv2's nova is $(nova_ids | tr '\n' ' ')"
left=$(on hv2 find /var/lib/nova /var/log/nova /etc/nova -xdev \( -uid "$N" -o -gid "$N" \) -print -quit)
[ -z "$left" ] || bad "stopped: $left still has $N"
ok "stopped ($(elapsed "$t")s): $(grep -m1 'FIXED' "$TMP/out")"

# 3. hv1 sees hv2's new IDs (hv2's libvirtd back first: the peer's facts ask it).
on hv2 "$HERE/restart-service" libvirtd || bad "hv2's libvirtd did not start again"
rc=0
on hv1 "$MIGREADY" check --only ids.nova --peer hv2 --format json >"$TMP/out" 2>"$TMP/err" || rc=$?
st=$(jq -r '.results[] | select(.id == "ids.nova") | .status' "$TMP/out" 2>/dev/null || true)
[ "$st" = pass ] || bad "check --peer hv2 from hv1: ids.nova is '$st' (exit $rc): $(cat "$TMP/out" "$TMP/err")"
[ "$st" = pass ] && ok "check --peer hv2 from hv1: ids.nova passes"

[ "$FAILED" = 0 ] || { echo "test-ids-live: $FAILED failure(s)"; exit 1; }
echo "test-ids-live: all passed"

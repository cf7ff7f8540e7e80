#!/usr/bin/env bash
# tests/lab/test-fix.sh - issue 5's lab acceptance: hv2 broken three ways
# (libvirtd not listening, /etc/hosts mapping hv2 to 127.0.1.1, port 16509
# rejected by its firewall), `migready fix --yes --restart` inside hv2
# repairs it, and `migready migrate-test --peer hv2` from hv1 succeeds.
#
# The lab has no systemd: hv2's site configuration gets
# `restart_command = tests/lab/restart-service %s`, which restarts libvirtd
# by the PID in its pid file (with the LIBVIRTD_ARGS the fix wrote) and
# reloads nftables.conf. The lab runs with --copy-files: a bind-mounted
# /etc/hosts cannot be replaced by rename, as migready writes.
#
# MIGREADY: the binary under test (absolute path; the lab's hosts share the
# file system). Exit: 0 passed, 1 failed, 77 skipped (not root, or the lab
# is unavailable here).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/lab
STATE=${MIGREADY_LAB_FIX_STATE:-/run/migready-lab-fix}
export MIGREADY_LAB_STATE=$STATE
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export MIGREADY_LENS_DIR=${MIGREADY_LENS_DIR:-$HERE/../../fixers/lenses}
export MIGREADY_PROFILE_DIR=${MIGREADY_PROFILE_DIR:-$HERE/../../profiles}
export NO_COLOR=1
MIGREADY=${MIGREADY:-$HERE/../../migready}
T0=$(date +%s.%N)
FAILED=0 UP=0
OUT=$(mktemp /tmp/migready-test-fix-XXXXXX)

skip() { echo "test-fix: SKIP: $*"; exit 77; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
ok() { echo "ok   $*"; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" = 0 ] || skip "needs root (network, mount and UTS namespaces, libvirtd)"
[ -x "$MIGREADY" ] || skip "no migready binary at $MIGREADY (set MIGREADY)"
command -v jq >/dev/null || skip "jq is not installed (apt-get install jq)"
MIGREADY=$(cd "$(dirname "$MIGREADY")" && pwd)/$(basename "$MIGREADY")
MIGREADY_LENS_DIR=$(cd "$MIGREADY_LENS_DIR" && pwd)
MIGREADY_PROFILE_DIR=$(cd "$MIGREADY_PROFILE_DIR" && pwd)

finish() {
    local rc=$?
    rm -f "$OUT"
    if [ "$UP" = 1 ]; then
        "$LAB" down --state "$STATE" --quiet || rc=1
    fi
    printf 'test-fix: total %ss\n' "$(elapsed "$T0")"
    exit "$rc"
}
trap finish EXIT
trap 'exit 1' INT TERM

# Someone else's lab in this state dir is theirs: never torn down from here.
st=0
"$LAB" status --state "$STATE" >/dev/null 2>&1 || st=$?
[ "$st" = 3 ] || skip "a lab is already up in $STATE (status $st); not touching it"

t=$(date +%s.%N)
rc=0
"$LAB" up --state "$STATE" --quiet --copy-files --hv2-no-listen --hv2-hosts-127 \
    --hv2-firewall-close 16509 || rc=$?
[ "$rc" = 77 ] && skip "the lab is unavailable here (see the message above)"
[ "$rc" = 0 ] || { echo "test-fix: lab up failed ($rc)"; exit 1; }
UP=1
echo "test-fix: lab up in $(elapsed "$t")s"

on() { local h=$1; shift; "$LAB" exec --state "$STATE" "$h" "$@"; }
status_of() { jq -r --arg id "$1" '.results[] | select(.id == $id) | .status' "$OUT"; }
message_of() { jq -r --arg id "$1" '.results[] | select(.id == $id) | .message' "$OUT"; }
broken='libvirt.listen hosts.resolution firewall.ports'

# 1. hv2 is broken as asked.
rc=0
on hv2 "$MIGREADY" check --format json --only 'libvirt.listen,hosts.resolution,firewall.*' >"$OUT" || rc=$?
for id in $broken; do
    [ "$(status_of "$id")" = fail ] && ok "before: $id fails on hv2" ||
        bad "before: $id is $(status_of "$id") on hv2: $(message_of "$id")"
done

# 2. migready fix --yes --restart inside hv2.
printf 'restart_command = %s/restart-service %%s\n' "$HERE" \
    >>"$("$LAB" path --state "$STATE" hv2)/etc/migready/migready.conf"
t=$(date +%s.%N)
rc=0
# ssh.peers runs migready on the peers over SSH, and the lab's hosts do not
# have it installed: it would end in an error that says nothing about fix.
on hv2 "$MIGREADY" fix --yes --restart --skip ssh.peers --format json >"$OUT" 2>"$OUT.diff" ||
    rc=$?
echo "test-fix: fix --yes --restart in hv2 took $(elapsed "$t")s (exit $rc)"
# What may stay failing: nfs.fstab, as the lab's instances are a bind mount
# of the export, not an NFS mount (fix never mounts).
left=$(jq -r '.results[] | select(.status == "fail" or .status == "error") | .id' "$OUT" |
    grep -vx nfs.fstab || true)
[ -z "$left" ] && ok "fix: nothing but nfs.fstab (the lab's bind mount) left failing (exit $rc)" ||
    bad "fix exited $rc, still failing: $left"
for id in $broken; do
    [ "$(status_of "$id")" = fixed ] && ok "fix: $id fixed" ||
        bad "fix: $id is $(status_of "$id"): $(message_of "$id")"
done
grep -q '^restarted libvirtd (restart_command)' "$OUT.diff" && ok "fix: libvirtd restarted" ||
    bad "libvirtd not restarted: $(grep -i restart "$OUT.diff" || true)"
grep -q '^restarted nftables (restart_command)' "$OUT.diff" && ok "fix: nftables reloaded" ||
    bad "nftables not reloaded"
grep -q '^+192.0.2.12	hv2.lab.example hv2$' "$OUT.diff" && ok "fix: /etc/hosts line replaced" ||
    bad "the diff lacks hv2's new /etc/hosts line"
jq -r '.results[] | "   \(.status) \(.id)"' "$OUT"
rm -f "$OUT.diff"

# 3. A second fix changes nothing among the fixed checks.
rc=0
on hv2 "$MIGREADY" fix --yes --only 'libvirt.listen,hosts.resolution,firewall.ports' \
    --format json >"$OUT" 2>/dev/null || rc=$?
[ "$rc" = 0 ] && ok "second fix: nothing left (exit 0)" || bad "second fix exited $rc"
for id in $broken; do
    [ "$(status_of "$id")" = pass ] || bad "second fix: $id is $(status_of "$id")"
done

# 4. From hv1: the peer passes the checks, and a real migration there and back works.
rc=0
on hv1 "$MIGREADY" check --peer hv2 --format json \
    --only 'libvirt.listen,hosts.resolution,firewall.*' >"$OUT" 2>/dev/null || rc=$?
for id in libvirt.listen hosts.resolution firewall.ports firewall.reachability; do
    case "$(status_of "$id")" in
    pass | warn | skip) ok "hv1 check --peer hv2: $id $(status_of "$id")" ;;
    *) bad "hv1 check --peer hv2: $id is $(status_of "$id"): $(message_of "$id")" ;;
    esac
done
t=$(date +%s.%N)
rc=0
on hv1 "$MIGREADY" migrate-test --peer hv2 --format json >"$OUT" 2>/dev/null || rc=$?
if [ "$rc" = 0 ]; then
    ok "migrate-test --peer hv2 from hv1 succeeded ($(elapsed "$t")s)"
else
    bad "migrate-test --peer hv2 exited $rc: $(jq -c '.error // .' "$OUT" 2>/dev/null || cat "$OUT")"
fi

[ "$FAILED" = 0 ] || { echo "test-fix: $FAILED failure(s)"; exit 1; }
echo "test-fix: all passed"

#!/usr/bin/env bash
# tests/lab/test-cluster.sh - the cluster checks against real peers in the lab.
#
# Runs `migready check --peer hv2` inside hv1 (libssh to hv2's real sshd as
# nova, `migready facts` there, TCP connects to hv2's libvirtd and firewall):
#   as set up                              -> every cluster check passes
#   hv2's /etc/hosts maps hv1 elsewhere    -> hosts.resolution   (same lab, then restored)
#   hv2's sshd host key regenerated        -> ssh.peers, naming the new fingerprint
#   --hv2-nova-uid 163                     -> ids.nova
#   --hv2-firewall-close 16509             -> firewall.reachability (and, inside hv2,
#                                             firewall.ports on hv2's live rules: issue 3)
#   --no-authorized-key                    -> ssh.peers
#   --same-host-uuid                       -> libvirt.host-uuid
# Each breakage must fail exactly its check, with a message naming hv2; the
# other cluster checks pass (or skip where hv2's facts could not be fetched).
# The two breakages made after `up` share the first lab; the others need
# their own `up`. After every `down` (also when a step fails: a trap) the
# test asserts that nothing is left: no process of the lab's recorded PIDs,
# no mount under the state dir, the state dir gone.
#
# MIGREADY: the binary under test (absolute path; the lab's hosts share /work
# and /tmp, and hv2 runs it as nova for `migready facts`, through the site
# key remote_migready). Exit: 0 passed, 1 failed, 77 skipped (not root, or
# no namespaces here).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/lab
export MIGREADY_LAB_STATE=${MIGREADY_LAB_CLUSTER_STATE:-/run/migready-lab-cluster}
STATE=$MIGREADY_LAB_STATE
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
MIGREADY=${MIGREADY:-$HERE/../../migready}
# The cluster checks, and only they: in the lab, nfs.fstab fails by design
# (the instances folder is a bind mount, not an NFS mount: this kernel has
# no NFS client) and libvirt.auth warns (auth_tcp = "none"), which would
# hide whether a breakage flips exactly its own check.
CLUSTER=ssh.peers,ids.nova,hosts.resolution,libvirt.versions,libvirt.cpu-compat,libvirt.host-uuid,nova.cpu-mode,nova.instances-path,firewall.reachability
T0=$(date +%s.%N)
FAILED=0 UP=0 PIDS_FILE="" UP_TIMES=()

say() { echo "test-cluster: $*"; }
skip() { say "SKIP: $*"; exit 77; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" = 0 ] || skip "needs root (network, mount and UTS namespaces, daemons)"
command -v jq >/dev/null || skip "jq is not installed (apt-get install jq)"
[ -x "$MIGREADY" ] || skip "no migready binary at $MIGREADY (set MIGREADY)"
MIGREADY=$(cd "$(dirname "$MIGREADY")" && pwd)/$(basename "$MIGREADY")

# Two runs of this test (two build trees) would tear down each other's lab.
LOCKF=/run/lock/$(basename "$STATE").lock
mkdir -p /run/lock
exec {LOCK}>"$LOCKF"
flock -w 600 "$LOCK" || { say "another test-cluster holds $LOCKF"; exit 1; }

# Nothing of the lab may survive `down`: none of the PIDs it recorded (with
# the same start time, not a zombie), no mount under the state dir, no state.
assert_gone() {
    local name pid start st
    if [ -n "$PIDS_FILE" ] && [ -s "$PIDS_FILE" ]; then
        while read -r name pid start; do
            [ -r "/proc/$pid/stat" ] || continue
            st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null) || continue
            # shellcheck disable=SC2086
            set -- $st
            [ "$1" = Z ] || [ "$1" = X ] && continue
            [ "${20}" = "$start" ] && bad "after down: $name (PID $pid) still runs"
        done <"$PIDS_FILE"
    fi
    if awk -v s="$STATE" '$5 == s || index($5, s "/") == 1 { found = 1 } END { exit !found }' \
        /proc/self/mountinfo; then
        bad "after down: mounts left under $STATE"
    fi
    [ ! -e "$STATE" ] || bad "after down: $STATE still exists"
    local rc=0
    "$LAB" status >/dev/null 2>&1 || rc=$?
    [ "$rc" = 3 ] || bad "after down: lab status says $rc, not 3 (not up)"
}

lab_down() {
    [ "$UP" = 1 ] || return 0
    # What the lab recorded, to prove afterwards that all of it is gone.
    "$LAB" pids >"$PIDS_FILE" 2>/dev/null || true
    UP=0
    "$LAB" down --quiet || bad "lab down failed"
    assert_gone
}

finish() {
    local rc=$?
    trap - EXIT
    lab_down || rc=1
    [ "$FAILED" = 0 ] || rc=1
    rm -f "$PIDS_FILE" "$ERRF"
    say "lab up: ${UP_TIMES[*]:-none} s; whole test $(since "$T0") s"
    exit "$rc"
}
PIDS_FILE=$(mktemp "${TMPDIR:-/tmp}/migready-lab-cluster-pids.XXXXXX")
ERRF=$(mktemp "${TMPDIR:-/tmp}/migready-lab-cluster-err.XXXXXX")
trap finish EXIT
trap 'exit 1' INT TERM

# lab_up [OPTIONS]: a fresh lab whose hosts run $MIGREADY for `facts`.
lab_up() {
    local rc=0 t
    t=$(date +%s.%N)
    "$LAB" up --quiet "$@" || rc=$?
    [ "$rc" = 77 ] && skip "the lab is unavailable here (see the message above)"
    [ "$rc" = 0 ] || { say "lab up $* failed ($rc)"; exit 1; }
    UP=1
    UP_TIMES+=("$(since "$t")")
    local h
    for h in hv1 hv2; do
        printf 'remote_migready = %s\n' "$MIGREADY" >>"$("$LAB" path "$h")/etc/migready/migready.conf"
    done
    "$LAB" exec -u nova hv2 test -x "$MIGREADY" ||
        { say "nova cannot run $MIGREADY (a parent folder not searchable by others?)"; exit 1; }
}

# run_on HOST ONLY [ARGS...]: the check's JSON in $OUT, its exit status in $RC.
run_on() {
    local h=$1 only=$2
    shift 2
    RC=0
    OUT=$("$LAB" exec "$h" "$MIGREADY" check --only "$only" --format json "$@" 2>"$ERRF") ||
        RC=$?
    if ! printf '%s' "$OUT" | jq -e .results >/dev/null 2>&1; then
        bad "migready on $h printed no JSON (exit $RC): $OUT $(cat "$ERRF")"
        OUT='{"results": []}'
    fi
}

status_of() { printf '%s' "$OUT" | jq -r --arg id "$1" '.results[] | select(.id == $id) | .status'; }
# Every message of check ID: its own and its details'.
text_of() {
    printf '%s' "$OUT" | jq -r --arg id "$1" \
        '.results[] | select(.id == $id) | [.message, .remedy, (.details // [] | .[] | .message, .remedy)] | map(select(. != null)) | join("\n")'
}

# expect NAME FAILING-ID WORD...: runs the cluster checks in hv1; FAILING-ID
# ("" for none) must fail, naming hv2 and every WORD; every other check
# passes (or skips).
expect() {
    local name=$1 want=$2 t id st text w ok=1
    shift 2
    t=$(date +%s.%N)
    run_on hv1 "$CLUSTER" --peer hv2
    t=$(since "$t")
    for id in ${CLUSTER//,/ }; do
        st=$(status_of "$id")
        if [ "$id" = "$want" ]; then
            if [ "$st" != fail ]; then
                bad "$name: $id is '$st', expected fail: $(text_of "$id")"
                ok=0
                continue
            fi
            text=$(text_of "$id")
            for w in hv2 "$@"; do
                [[ $text == *"$w"* ]] || { bad "$name: '$w' not in $id: $text"; ok=0; }
            done
        elif [ "$st" != pass ] && [ "$st" != skip ]; then
            bad "$name: $id is '$st', expected pass: $(text_of "$id")"
            ok=0
        fi
    done
    local want_rc=1
    [ -z "$want" ] && want_rc=0
    [ "$RC" = "$want_rc" ] || { bad "$name: migready exited $RC, expected $want_rc"; ok=0; }
    if [ "$ok" = 1 ]; then
        if [ -n "$want" ]; then
            echo "ok   $name (${t}s): $want fails: $(text_of "$want" | grep -m1 hv2)"
        else
            echo "ok   $name (${t}s): every cluster check passes"
        fi
    fi
}

# ---- as set up, then two breakages made after `up`
lab_up
expect as-set-up ""
# Every check really compared with hv2 (a skip would also count as "not failed").
for id in ${CLUSTER//,/ }; do
    [ "$(status_of "$id")" = pass ] || bad "as-set-up: $id is $(status_of "$id"), not pass"
done

hosts=$("$LAB" path hv2)/etc/hosts
saved=$(cat "$hosts")
# In place: /etc/hosts is a file bind mount, a new inode would not show.
printf '%s\n' "$saved" | sed 's/^192\.0\.2\.11\([[:space:]]\)/192.0.2.99\1/' >"$hosts"
grep -q '^192\.0\.2\.99' "$hosts" || bad "could not edit hv2's /etc/hosts"
expect hv2-resolves-hv1-elsewhere hosts.resolution "192.0.2.99" "hv1"
printf '%s\n' "$saved" >"$hosts"
expect hosts-restored ""

# hv2 gets a new host key; its sshd (recorded PID) re-executes on SIGHUP and
# loads it, keeping its PID.
key=$("$LAB" path hv2)/etc/ssh/ssh_host_ed25519_key
rm -f "$key" "$key.pub"
ssh-keygen -q -t ed25519 -N '' -C root@hv2 -f "$key"
fp=$(ssh-keygen -lf "$key.pub" | awk '{ print $2 }')
sshd_pid=$("$LAB" pids | awk '$1 == "hv2/sshd" { print $2 }')
[[ $sshd_pid =~ ^[0-9]+$ ]] || { bad "no sshd PID recorded for hv2"; exit 1; }
kill -HUP "$sshd_pid"
newkey=$(cut -d' ' -f2 "$key.pub")
for _ in $(seq 50); do
    "$LAB" exec hv1 ssh-keyscan -T 2 -t ed25519 hv2 2>/dev/null | grep -qF "$newkey" && break
    sleep 0.1
done
expect hv2-host-key-changed ssh.peers "$fp" "/var/lib/nova/.ssh/known_hosts" "ssh-keyscan" \
    "ssh-keygen -R hv2"
lab_down

# ---- breakages the lab makes at `up`
lab_up --hv2-nova-uid 163
expect hv2-nova-uid-163 ids.nova "UID 163" "UID 162"
lab_down

lab_up --hv2-firewall-close 16509
expect hv2-rejects-16509 firewall.reachability "refuses TCP 16509" "REJECT"
# Issue 3's lab point: inside hv2, firewall.ports reads hv2's live rules
# (for its site peer hv1).
run_on hv2 firewall.ports
if [ "$(status_of firewall.ports)" = fail ] && [[ $(text_of firewall.ports) == *16509* ]] &&
    [[ $(text_of firewall.ports) == *"loaded nftables rules"* ]]; then
    echo "ok   hv2-rejects-16509: firewall.ports on hv2 fails: $(printf '%s' "$OUT" | jq -r '.results[0].message')"
else
    bad "hv2-rejects-16509: firewall.ports on hv2 is $(status_of firewall.ports): $(text_of firewall.ports)"
fi
lab_down

lab_up --no-authorized-key
expect no-authorized-key ssh.peers "refuses nova's key" "ssh-copy-id"
lab_down

lab_up --same-host-uuid
expect same-host-uuid libvirt.host-uuid "same host UUID"
lab_down

[ "$FAILED" = 0 ] || exit 1
say "all passed"

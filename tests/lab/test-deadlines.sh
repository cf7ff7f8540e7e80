#!/usr/bin/env bash
# tests/lab/test-deadlines.sh - a peer that accepts TCP and never answers
# cannot hang migready (issue 12, item 8; README "Deadlines").
#
# hv2's daemons are stopped with SIGSTOP (by their recorded PIDs): the kernel
# still completes TCP handshakes on their listening sockets, but nothing
# ever replies, the case a plain connect timeout does not cover.
#   sshd and libvirtd stopped -> `check --peer hv2` in hv1 ends within the
#                                SSH deadline (5 s) plus the TCP probes
#                                (1.5 s), ssh.peers fails "Timeout connecting"
#   libvirtd stopped          -> `check --peer hv2`: hv2's `migready facts`
#                                ends within libvirt's deadline (15 s) and its
#                                note reaches hv1 ("did not answer within 15 s");
#                                `migrate-test --peer hv2` ends within 15 s
#                                (hv2's facts over SSH: its own libvirt
#                                deadline) + 3 s (TCP) + 15 s (libvirt) with
#                                exit 1, naming the peer's libvirt;
#                                `facts` inside hv2 itself likewise
# Then SIGCONT, and the first check passes again. The times measured are
# printed. MIGREADY: the binary under test (absolute path; hv2 runs it as
# nova through the site key remote_migready). Exit: 0 passed, 1 failed,
# 77 skipped (not root, or no namespaces here).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/lab
export MIGREADY_LAB_STATE=${MIGREADY_LAB_DEADLINES_STATE:-/run/migready-lab-deadlines}
STATE=$MIGREADY_LAB_STATE
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
MIGREADY=${MIGREADY:-$HERE/../../migready}
CLUSTER=ssh.peers,ids.nova,hosts.resolution,libvirt.versions,libvirt.cpu-compat,libvirt.host-uuid,nova.cpu-mode,nova.instances-path,firewall.reachability
# The documented deadlines (README "Deadlines"), and what a run may add to
# them: the local checks, starting migready inside a namespace.
SSH_CONNECT_S=5 TCP_PROBE_S=1.5 LIBVIRT_S=15 LIBVIRT_TCP_S=3 SLACK_S=4
FAILED=0 UP=0 STOPPED=()

say() { echo "test-deadlines: $*"; }
skip() { say "SKIP: $*"; exit 77; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# le A B: A <= B (decimals)
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
sum() { awk -v a="$1" -v b="$2" -v c="${3:-0}" -v d="${4:-0}" 'BEGIN { printf "%.1f", a + b + c + d }'; }

[ "$(id -u)" = 0 ] || skip "needs root (network, mount and UTS namespaces, daemons)"
command -v jq >/dev/null || skip "jq is not installed (apt-get install jq)"
[ -x "$MIGREADY" ] || skip "no migready binary at $MIGREADY (set MIGREADY)"
MIGREADY=$(cd "$(dirname "$MIGREADY")" && pwd)/$(basename "$MIGREADY")

LOCKF=/run/lock/$(basename "$STATE").lock
mkdir -p /run/lock
exec {LOCK}>"$LOCKF"
flock -w 600 "$LOCK" || { say "another test-deadlines holds $LOCKF"; exit 1; }

# PID of hv2's daemon NAME, as the lab recorded it (start time checked).
daemon_pid() {
    local name pid start
    while read -r name pid start; do
        [ "$name" = "hv2/$1" ] || continue
        [ "$(awk '{ sub(/.*\) /, ""); split($0, f, " "); print f[20] }' "/proc/$pid/stat" 2>/dev/null)" = "$start" ] ||
            { say "hv2/$1 (PID $pid) is not the process the lab started"; return 1; }
        echo "$pid"
        return 0
    done < <("$LAB" pids)
    say "the lab recorded no hv2/$1"
    return 1
}

stop() { # NAME...
    local n pid
    for n in "$@"; do
        pid=$(daemon_pid "$n") || exit 1
        kill -STOP "$pid"
        STOPPED+=("$pid")
        # The signal is delivered asynchronously: a daemon busy in the kernel
        # (or just continued) shows T a moment later.
        local i=0
        until grep -q '^State:.*T' "/proc/$pid/status"; do
            i=$((i + 1))
            [ "$i" -le 50 ] || { bad "hv2/$n (PID $pid) did not stop within 5 s"; break; }
            sleep 0.1
        done
        say "stopped hv2/$n (PID $pid)"
    done
}

cont_all() {
    local pid
    for pid in "${STOPPED[@]}"; do
        kill -CONT "$pid" 2>/dev/null || true
    done
    STOPPED=()
}

finish() {
    local rc=$?
    trap - EXIT
    cont_all
    if [ "$UP" = 1 ]; then
        "$LAB" down --quiet || { bad "lab down failed"; rc=1; }
    fi
    [ "$FAILED" = 0 ] || rc=1
    rm -f "${ERRF:-}"
    exit "$rc"
}
ERRF=$(mktemp "${TMPDIR:-/tmp}/migready-lab-deadlines-err.XXXXXX")
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

# check_peer: the cluster checks in hv1 against hv2; JSON in $OUT, exit
# status in $RC, seconds in $T. A hard cap of 120 s keeps a regression
# from hanging the test (timeout kills it: exit 124).
check_peer() {
    local t
    t=$(now)
    RC=0
    OUT=$(timeout -s KILL 120 "$LAB" exec hv1 "$MIGREADY" check --only "$CLUSTER" --format json \
        --peer hv2 2>"$ERRF") || RC=$?
    T=$(since "$t")
    printf '%s' "$OUT" | jq -e .results >/dev/null 2>&1 ||
        { bad "no JSON from check (exit $RC, ${T}s): $(cat "$ERRF")"; OUT='{"results": []}'; }
}
status_of() { printf '%s' "$OUT" | jq -r --arg id "$1" '.results[] | select(.id == $id) | .status'; }
text_of() {
    printf '%s' "$OUT" | jq -r --arg id "$1" \
        '.results[] | select(.id == $id) | [.message, .remedy, (.details // [] | .[] | .message, .remedy)] | map(select(. != null)) | join("\n")'
}
all_text() { printf '%s' "$OUT" | jq -r '[.. | strings] | join("\n")'; }

# ---- as set up: ssh.peers passes (the failures below come from the stops)
check_peer
[ "$(status_of ssh.peers)" = pass ] || bad "as set up: ssh.peers is $(status_of ssh.peers): $(text_of ssh.peers)"
say "as set up: check --peer hv2 took ${T}s"

# ---- sshd and libvirtd stopped
stop sshd libvirtd
check_peer
bound=$(sum "$SSH_CONNECT_S" "$TCP_PROBE_S" "$SLACK_S")
le "$T" "$bound" || bad "sshd+libvirtd stopped: check took ${T}s, more than ${bound}s"
[ "$RC" = 1 ] || bad "sshd+libvirtd stopped: exit $RC, expected 1"
[ "$(status_of ssh.peers)" = fail ] || bad "sshd+libvirtd stopped: ssh.peers is $(status_of ssh.peers)"
text=$(text_of ssh.peers)
[[ $text == *hv2* && $text == *Timeout* ]] || bad "sshd+libvirtd stopped: ssh.peers says: $text"
say "sshd+libvirtd stopped: check --peer hv2 took ${T}s (bound ${bound}s); ssh.peers: $(printf '%s' "$text" | grep -m1 hv2)"
cont_all

# ---- libvirtd alone stopped: hv2's facts, and migrate-test to hv2
stop libvirtd
check_peer
bound=$(sum "$LIBVIRT_S" "$TCP_PROBE_S" "$SLACK_S")
le "$T" "$bound" || bad "libvirtd stopped: check took ${T}s, more than ${bound}s"
[ "$(status_of ssh.peers)" = pass ] || bad "libvirtd stopped: ssh.peers is $(status_of ssh.peers): $(text_of ssh.peers)"
text=$(text_of libvirt.versions)
[[ $text == *hv2*"did not answer within ${LIBVIRT_S} s"* ]] ||
    bad "libvirtd stopped: nothing says hv2's libvirt did not answer: $(printf '%s' "$OUT" | jq -c '[.results[] | {id, status, message}]')"
say "libvirtd stopped: check --peer hv2 took ${T}s (bound ${bound}s), exit $RC; $(printf '%s' "$text" | grep -m1 'did not answer')"

t=$(now)
rc=0
fout=$(timeout -s KILL 120 "$LAB" exec hv2 "$MIGREADY" facts --format json 2>"$ERRF") || rc=$?
T=$(since "$t")
bound=$(sum "$LIBVIRT_S" "$SLACK_S")
le "$T" "$bound" || bad "libvirtd stopped: facts in hv2 took ${T}s, more than ${bound}s"
[[ $fout == *"did not answer within ${LIBVIRT_S} s"* ]] || bad "libvirtd stopped: facts in hv2 (exit $rc): $fout $(cat "$ERRF")"
say "libvirtd stopped: facts inside hv2 took ${T}s (bound ${bound}s), exit $rc"

t=$(now)
rc=0
mout=$(timeout -s KILL 120 "$LAB" exec hv1 "$MIGREADY" migrate-test --peer hv2 --format json 2>"$ERRF") || rc=$?
T=$(since "$t")
bound=$(sum "$LIBVIRT_S" "$LIBVIRT_TCP_S" "$LIBVIRT_S" "$SLACK_S")
le "$T" "$bound" || bad "libvirtd stopped: migrate-test took ${T}s, more than ${bound}s"
[ "$rc" = 1 ] || bad "libvirtd stopped: migrate-test exited $rc, expected 1"
[[ $mout == *"did not answer within ${LIBVIRT_S} s"* && $mout == *hv2* ]] ||
    bad "libvirtd stopped: migrate-test said: $mout $(cat "$ERRF")"
say "libvirtd stopped: migrate-test --peer hv2 took ${T}s (bound ${bound}s), exit $rc: $(printf '%s' "$mout" | jq -r '.error.message // empty' 2>/dev/null)"
cont_all

# ---- continued: everything answers again
check_peer
[ "$(status_of ssh.peers)" = pass ] || bad "continued: ssh.peers is $(status_of ssh.peers): $(text_of ssh.peers)"
all_text | grep -q 'did not answer' && bad "continued: still 'did not answer'"
say "continued: check --peer hv2 took ${T}s"
[ "$FAILED" = 0 ] && say "all passed"

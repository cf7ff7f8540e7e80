#!/usr/bin/env bash
# tests/lab/test-fleet.sh - the README's fleet run, Ansible over SSH, in the lab.
#
# A lab of four computes (tests/lab/lab up --computes 4) where nova has UID
# 163 on hv3 and 162 elsewhere. From hv1, the controller, the README's
#   ansible-playbook -i inventory.yml packaging/ansible/playbooks/check.yml
# reaches hv1..hv4 over SSH (root's lab keys), writes each site
# configuration from the inventory, runs `migready check` on every host,
# brings their facts to hv1 and runs `migready fleet` there:
#   as set up        -> the play fails; its summary names hv3 (ids.nova, and
#                       fleet.ids-nova when this migready has `fleet`) and
#                       no other host; the JUnit report (valid against
#                       tests/data/junit.xsd) fails hv3's ids.nova only
#   hv3 fixed in place (usermod -u 162 nova, as ids.nova's remedy says)
#                    -> the same command passes, now with a ring of
#                       migrate-tests (each host to the next and back)
#
# MIGREADY: the binary under test (absolute path; the lab's hosts share /work
# and /tmp, so every host runs it in place: migready_binary, nothing is
# installed). Exit: 0 passed, 1 failed, 77 skipped (not root, no namespaces,
# no ansible-playbook).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
LAB=$HERE/lab
export MIGREADY_LAB_STATE=${MIGREADY_LAB_FLEET_STATE:-/run/migready-lab-fleet}
STATE=$MIGREADY_LAB_STATE
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
MIGREADY=${MIGREADY:-$SRC/migready}
T0=$(date +%s.%N)
FAILED=0 UP=0 WORK=""

say() { echo "test-fleet: $*"; }
skip() { say "SKIP: $*"; exit 77; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" = 0 ] || skip "needs root (network, mount and UTS namespaces, daemons)"
command -v ansible-playbook >/dev/null || skip "ansible-playbook is not installed (apt-get install ansible-core)"
command -v xmllint >/dev/null || skip "xmllint is not installed (apt-get install libxml2-utils)"
[ -x "$MIGREADY" ] || skip "no migready binary at $MIGREADY (set MIGREADY)"
MIGREADY=$(cd "$(dirname "$MIGREADY")" && pwd)/$(basename "$MIGREADY")

# Two runs of this test (two build trees) would tear down each other's lab.
LOCKF=/run/lock/$(basename "$STATE").lock
mkdir -p /run/lock
exec {LOCK}>"$LOCKF"
flock -w 600 "$LOCK" || { say "another test-fleet holds $LOCKF"; exit 1; }

finish() {
    local rc=$?
    trap - EXIT
    if [ "$UP" = 1 ]; then
        "$LAB" down --quiet || { bad "lab down failed"; rc=1; }
    fi
    [ "$FAILED" = 0 ] || rc=1
    [ -n "$WORK" ] && rm -rf "$WORK"
    say "whole test $(since "$T0") s"
    exit "$rc"
}
trap finish EXIT
trap 'exit 1' INT TERM

# Shared with the lab's hosts (/tmp is the machine's), readable by Ansible on hv1.
WORK=$(mktemp -d /tmp/migready-test-fleet.XXXXXX)
chmod 0755 "$WORK"

# The README's inventory, with the build tree's binary in place of the package
# and nfs.fstab left out (the lab's instances folder is a bind mount, not NFS).
cat >"$WORK/inventory.yml" <<EOF
compute:
  hosts:
    hv1:
    hv2:
    hv3:
    hv4:
  vars:
    ansible_python_interpreter: /usr/bin/python3
    migready_binary: $MIGREADY
    migready_check_args: [--skip, nfs.fstab]
    migready_report_dir: $WORK/report
    migready_site:
      profile: shared-nfs, tcp
      instances_path: /var/lib/nova/instances
      nova_user: nova
      nova_uid: 162
      nova_gid: 162
      nfs_server: nfs
      migration_port_min: 49152
      migration_port_max: 49215
EOF

# --copy-files: /etc/passwd is a file of hv3's own, which usermod can replace.
t=$(date +%s.%N)
rc=0
"$LAB" up --quiet --computes 4 --nova-uid hv3=163 --copy-files || rc=$?
[ "$rc" = 77 ] && skip "the lab is unavailable here (see the message above)"
[ "$rc" = 0 ] || { say "lab up failed ($rc)"; exit 1; }
UP=1
say "lab up (4 computes) in $(since "$t") s"

# play LOG [EXTRA ARGS...]: the README's command on hv1; its exit status in RC.
play() {
    local log=$1
    shift
    RC=0
    (cd "$SRC" && "$LAB" exec hv1 env HOME=/root LC_ALL=C.UTF-8 ANSIBLE_NOCOLOR=1 \
        ANSIBLE_PIPELINING=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
        ansible-playbook -i "$WORK/inventory.yml" packaging/ansible/playbooks/check.yml \
        "$@") </dev/null >"$log" 2>&1 || RC=$?
}

# The summary lines of the play (the debug task's list), one per line.
problems() { sed -n '/"migready_problems": \[/,/^ *\]/p' "$1" | sed -n 's/^ *"\(.*\)",\{0,1\}$/\1/p'; }

junit_valid() {
    xmllint --noout --schema "$SRC/tests/data/junit.xsd" "$WORK/report/migready.xml" 2>"$WORK/xsd" ||
        bad "$1: the JUnit report does not validate against tests/data/junit.xsd: $(cat "$WORK/xsd")"
}
# junit_failed SUITE: the IDs of the failing testcases of testsuite SUITE.
junit_failed() {
    xmllint --xpath "//testsuite[@name='$1']/testcase[failure]/@name" "$WORK/report/migready.xml" 2>/dev/null |
        sed 's/ name="\([^"]*\)"/\1\n/g' | sed '/^$/d' || true
}

# 1. As set up: the play fails, naming hv3 and no other host.
t=$(date +%s.%N)
play "$WORK/play1.log"
say "play with hv3 broken: exit $RC in $(since "$t") s"
P=$(problems "$WORK/play1.log")
printf '%s\n' "$P" | sed 's/^/  | /'
[ "$RC" != 0 ] || bad "the play passed with nova's UID 163 on hv3"
grep -q 'migready: the fleet is not ready' "$WORK/play1.log" || bad "no failed task with the summary"
printf '%s\n' "$P" | grep -q '^hv3: ids.nova FAIL: .*163' || bad "the summary does not name hv3's ids.nova (UID 163)"
if printf '%s\n' "$P" | grep -q '^hv[124]: '; then
    bad "the summary names a clean host: $(printf '%s\n' "$P" | grep '^hv[124]: ' | head -1)"
fi
printf '%s\n' "$P" | grep -q '^fleet: fleet.ids-nova FAIL: .*hv3' || bad "the summary has no fleet.ids-nova naming hv3"
junit_valid "hv3 broken"
[ "$(junit_failed hv3)" != "" ] && junit_failed hv3 | grep -qx ids.nova || bad "JUnit: hv3's ids.nova is not a failure: $(junit_failed hv3)"
for h in hv1 hv2 hv4; do
    [ -z "$(junit_failed "$h")" ] || bad "JUnit: $h has failures: $(junit_failed "$h" | tr '\n' ' ')"
done
xmllint --xpath "string(//testsuite[@name='fleet']/testcase[@name='fleet.ids-nova']/failure/@message)" \
    "$WORK/report/migready.xml" 2>/dev/null | grep -q hv3 || bad "JUnit: fleet.ids-nova does not fail naming hv3"
[ "$(ls "$WORK/report/facts" | wc -l)" = 4 ] ||
    bad "the controller did not get four facts files: $(ls "$WORK/report/facts" | tr '\n' ' ')"
grep -q '^nova_uid = 162$' "$("$LAB" path hv3)/etc/migready/migready.conf" ||
    bad "hv3's site configuration was not written from the inventory"

# 2. hv3 fixed in place, as ids.nova's remedy says (usermod also moves nova's
# home, hv3's own /var/lib/nova; /var/log/nova is hv3's too).
"$LAB" exec hv3 sh -c 'usermod -u 162 nova && chown 162 /var/log/nova' || bad "usermod on hv3 failed"
t=$(date +%s.%N)
play "$WORK/play2.log" -e migready_ring=true
say "play with hv3 fixed, ring of migrate-tests: exit $RC in $(since "$t") s"
if [ "$RC" != 0 ]; then
    bad "the play failed once hv3 was fixed (exit $RC)"
    problems "$WORK/play2.log" | sed 's/^/  | /'
    tail -n 30 "$WORK/play2.log"
fi
grep -q 'migready: 4 host(s) ready' "$WORK/play2.log" || bad "no 'migready: 4 host(s) ready' in the play's output"
junit_valid "hv3 fixed"
n=$(xmllint --xpath 'count(//testcase[failure or error])' "$WORK/report/migready.xml" 2>/dev/null || echo '?')
[ "$n" = 0 ] || bad "JUnit: $n failures or errors once hv3 was fixed"
n=$(xmllint --xpath "count(//testsuite[@name='migrate-test']/testcase)" "$WORK/report/migready.xml" 2>/dev/null || echo '?')
[ "$n" = 4 ] || bad "JUnit: $n migrate-tests in the ring, not 4"

# 3. The fleet's CPU on the lab's hosts: fleet.cpu's baseline (libvirt's,
# asked on hv1) is what `virsh hypervisor-cpu-baseline` gives on hv1 over the
# CPU descriptions in the same four facts documents.
for f in "$WORK"/report/facts/*.json; do
    jq -r '.cpu.xml // empty' "$f" | sed '/<?xml/d'
done >"$WORK/cpus.xml"
[ "$(grep -c '<cpu' "$WORK/cpus.xml")" = 4 ] || bad "the facts carry $(grep -c '<cpu' "$WORK/cpus.xml") CPU descriptions, not 4"
want_model=$("$LAB" exec hv1 virsh -q hypervisor-cpu-baseline "$WORK/cpus.xml" 2>&1 |
    sed -n 's:.*<model[^>]*>\(.*\)</model>.*:\1:p') || true
got=$(jq -r '.results[] | select(.id == "fleet.cpu") | ([.] + (.details // [])) | .[] | .message' \
    "$WORK/report/fleet.json" 2>/dev/null | grep "libvirt's baseline CPU" || true)
say "fleet.cpu: ${got:-nothing}; virsh hypervisor-cpu-baseline on hv1: ${want_model:-nothing}"
[ -n "$want_model" ] || bad "virsh hypervisor-cpu-baseline gave no model on hv1"
case $got in
*"model $want_model,"*) ;;
*) bad "fleet.cpu's baseline is not virsh's model $want_model: $got" ;;
esac

[ "$FAILED" = 0 ] && say "PASS" || say "$FAILED failure(s)"

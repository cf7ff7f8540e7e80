# packaging/ansible: every playbook passes `ansible-playbook --syntax-check`,
# and check.yml runs on this machine (connection local) over three copies of
# seed-good read with --root, nova's UID changed in one (c2): the play fails
# with a summary naming c2 (its ssh.keys, and fleet.ids-nova: the site sets
# no nova_uid, so only the fleet comparison sees the UID itself) and no
# other host, the JUnit report validates and fails c2 only; fix.yml under
# --check (fix --dry-run) shows c2's diff and changes nothing. The lab's
# tests/lab/test-fleet.sh runs the same over SSH against live hosts.
. "$MR_TESTS/cli/lib.sh"
need ansible-playbook ansible-core
need xmllint libxml2-utils
ansible=$MR_TESTS/../packaging/ansible
# Ansible's own files in the scratch folder, never in ~/.ansible.
export ANSIBLE_LOCAL_TEMP=$SCRATCH/ansible-tmp ANSIBLE_REMOTE_TEMP=$SCRATCH/ansible-tmp
export ANSIBLE_HOME=$SCRATCH/ansible-home ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
export LC_ALL=C.UTF-8

n=0
for pb in "$ansible"/playbooks/*.yml; do
    [ -f "$pb" ] || continue
    ansible-playbook --syntax-check -i localhost, "$pb" >"$SCRATCH/syntax" 2>&1 ||
        fail "ansible-playbook --syntax-check $pb: $(cat "$SCRATCH/syntax")"
    n=$((n + 1))
done
[ "$n" -ge 2 ] || fail "expected check.yml and fix.yml in $ansible/playbooks, found $n playbooks"

# The fixture's owners need root (tests/mkroot).
if [ "$(id -u)" != 0 ]; then
    echo "syntax checked; the playbook run needs root (fixture owners): not run" >&2
    exit 0
fi
for h in c1 c2 c3; do
    r=$(mk_root seed-good)
    mv "$r" "$SCRATCH/$h"
    echo "$h" >"$SCRATCH/$h/etc/hostname"
done
sed -i 's/^nova:x:162:/nova:x:163:/' "$SCRATCH/c2/etc/passwd"
cat >"$SCRATCH/inventory.yml" <<EOF
compute:
  hosts:
    c1: {migready_common_args: [--root, $SCRATCH/c1]}
    c2: {migready_common_args: [--root, $SCRATCH/c2]}
    c3: {migready_common_args: [--root, $SCRATCH/c3]}
  vars:
    ansible_connection: local
    ansible_python_interpreter: $(command -v python3)
    migready_binary: $MIGREADY
    migready_report_dir: $SCRATCH/report
EOF
fleet=1
"$MIGREADY" --help 2>&1 | grep -q '^ *fleet ' || fleet=0
extra=()
[ "$fleet" = 1 ] || extra=(-e migready_fleet=false)

rc=0
ansible-playbook -i "$SCRATCH/inventory.yml" "$ansible/playbooks/check.yml" "${extra[@]}" \
    >"$SCRATCH/play" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "check.yml passed over roots that fail: $(tail -20 "$SCRATCH/play")"
grep -q '"c2: ssh.keys FAIL: .*UID 163' "$SCRATCH/play" ||
    fail "the summary does not name c2's ssh.keys: $(tail -30 "$SCRATCH/play")"
! grep -q '"c[13]: ' "$SCRATCH/play" || fail "the summary names a clean host: $(grep '"c[13]: ' "$SCRATCH/play")"
grep -q 'fatal: \[localhost\]: FAILED! .*migready: the fleet is not ready' "$SCRATCH/play" ||
    fail "the play did not fail with the summary: $(tail -30 "$SCRATCH/play")"
if [ "$fleet" = 1 ]; then
    grep -q '"fleet: fleet.ids-nova FAIL: .*c2' "$SCRATCH/play" ||
        fail "the summary has no fleet.ids-nova naming c2: $(tail -30 "$SCRATCH/play")"
    [ "$(ls "$SCRATCH/report/facts")" = "$(printf 'c1.json\nc2.json\nc3.json')" ] ||
        fail "facts on the controller: $(ls "$SCRATCH/report/facts")"
fi
xmllint --noout --schema "$MR_TESTS/data/junit.xsd" "$SCRATCH/report/migready.xml" 2>"$SCRATCH/xsd" ||
    fail "the JUnit report does not validate: $(cat "$SCRATCH/xsd")"
got=$(xmllint --xpath "string(//testsuite[@name='c2']/testcase[@name='ssh.keys']/failure/@type)" \
    "$SCRATCH/report/migready.xml")
[ "$got" = fail ] || fail "JUnit: c2's ssh.keys is not a failure ($got)"
for h in c1 c3; do
    got=$(xmllint --xpath "count(//testsuite[@name='$h']/testcase[failure or error])" "$SCRATCH/report/migready.xml")
    [ "$got" = 0 ] || fail "JUnit: $got failures on the clean $h"
done

# fix.yml --check: migready fix --dry-run, nothing changes.
before=$(stat -c '%u:%g %a' "$SCRATCH"/c*/var/lib/nova/instances "$SCRATCH"/c*/var/lib/nova/.ssh)
rc=0
ansible-playbook -i "$SCRATCH/inventory.yml" "$ansible/playbooks/fix.yml" --check --diff \
    >"$SCRATCH/fix" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "fix.yml --check failed (exit $rc): $(tail -30 "$SCRATCH/fix")"
grep -q '^chown 163:162 /var/lib/nova/instances (was 162:162)' "$SCRATCH/fix" ||
    fail "fix.yml --check --diff does not show c2's chown: $(tail -30 "$SCRATCH/fix")"
grep -q 'changed: \[c2\]' "$SCRATCH/fix" || fail "fix.yml --check does not report c2 as changed"
! grep -q 'changed: \[c[13]\]' "$SCRATCH/fix" || fail "fix.yml --check reports a clean host as changed"
after=$(stat -c '%u:%g %a' "$SCRATCH"/c*/var/lib/nova/instances "$SCRATCH"/c*/var/lib/nova/.ssh)
[ "$before" = "$after" ] || fail "fix.yml --check changed the roots: $before -> $after"
exit 0

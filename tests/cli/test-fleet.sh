#!/bin/sh
# migready fleet: a generated fleet (tests/fleet/gen-fleet, derived from this
# machine's own facts) with one inconsistency per check planted on its own
# hosts: each is found by host name, no clean host is named, a clean fleet
# exits 0; the formats, the exit codes, bad input (exit 2 naming the file
# and the position) and facts of an older migready (a skip naming the
# field). MR_FLEET_HOSTS sets the fleet's size (default 2000; `make
# check-fleet-10k` runs 10,000).
. "$MR_TESTS/cli/lib.sh"
need jq jq
n=${MR_FLEET_HOSTS:-2000}
gen=$MR_TESTS/fleet/gen-fleet

"$MIGREADY" facts --format json >"$SCRATCH/base.json" 2>/dev/null || true
jq -e '.tool == "migready"' "$SCRATCH/base.json" >/dev/null || fail "facts of this machine"
"$gen" --base "$SCRATCH/base.json" "$n" "$SCRATCH/planted" || fail "gen-fleet"
"$gen" --base "$SCRATCH/base.json" --clean "$n" "$SCRATCH/clean" || fail "gen-fleet --clean"
[ "$(ls "$SCRATCH/planted"/*.json | wc -l)" = "$n" ] || fail "gen-fleet wrote no $n documents"

# Each fleet check names exactly its planted hosts in what does not pass.
run_mr 1 fleet --format json "$SCRATCH/planted"
[ "$(printf '%s' "$OUT" | jq -r '.summary.error')" = 0 ] || fail "errors: $OUT"
for id in $(cut -d' ' -f1 "$SCRATCH/planted/planted" | sort -u); do
    want=$(awk -v id="$id" '$1 == id {print $2}' "$SCRATCH/planted/planted" | sort -u | tr '\n' ' ')
    got=$(printf '%s' "$OUT" | jq -r --arg id "$id" '.results[] | select(.id == $id) |
        ([.] + (.details // [])) | .[] | select(.status != "pass" and .status != "skip") |
        .message, (.remedy // "")' | grep -oE 'hv[0-9]{5}' | sort -u | tr '\n' ' ')
    [ "$got" = "$want" ] || fail "$id names [$got], planted [$want]"
    st=$(status_of "$id")
    [ "$st" = fail ] || [ "$st" = warn ] || fail "$id: $st"
done
# The checks that need no libvirt pass where nothing was planted.
printf '%s' "$OUT" | jq -e '[.results[] | select(.status == "pass")] | length == 0' >/dev/null ||
    fail "a check passed on the planted fleet: $OUT"

# A clean fleet is ready; without a libvirt, fleet.cpu says why it skips.
run_mr 0 fleet --format json "$SCRATCH/clean"
printf '%s' "$OUT" | jq -e '.ready == true and .summary.fail == 0 and .summary.warn == 0' \
    >/dev/null || fail "clean fleet: $OUT"
[ "$(status_of fleet.ids-nova)" = pass ] || fail "clean ids: $OUT"
assert_contains "$(field_of fleet.ids-nova message)" "on all $n hosts"
assert_not_contains "$(printf '%s' "$OUT" | jq -r '.results[].message')" "hv0"

# Formats and exit codes, as check's.
run_mr 1 fleet "$SCRATCH/planted"
assert_contains "$OUT" "FAIL   fleet.ids-nova"
assert_contains "$OUT" "fleet of $n hosts: not ready"
run_mr 1 fleet -q "$SCRATCH/planted"
assert_not_contains "$OUT" "PASS "
run_mr 1 fleet --format tap "$SCRATCH/planted"
assert_contains "$OUT" "TAP version 13"
assert_contains "$OUT" "not ok 1 - fleet.ids-nova"
run_mr 1 fleet --format junit "$SCRATCH/planted"
assert_contains "$OUT" '<testcase classname="migready.fleet" name="fleet.ids-nova"'
run_mr 0 fleet --format junit --output "$SCRATCH/out.xml" "$SCRATCH/clean"
grep -q '<testsuites' "$SCRATCH/out.xml" || fail "--output wrote no JUnit"
# Files and folders together; a file named twice counts twice.
run_mr 0 fleet --format json "$SCRATCH/clean/hv00001.json" "$SCRATCH/clean/hv00002.json"
[ "$(printf '%s' "$OUT" | jq -r .host)" = "fleet of 2 hosts" ] || fail "two files: $OUT"

# Bad input: exit 2, the file named, with json-c's position.
printf '{"tool": "migready",\n "host": x}\n' >"$SCRATCH/clean/zz-bad.json"
run_mr 2 fleet "$SCRATCH/clean"
assert_contains "$ERR" "zz-bad.json': not JSON at line 2, column 10"
printf '{"tool": "migready", "host": "a"' >"$SCRATCH/clean/zz-bad.json"
run_mr 2 fleet "$SCRATCH/clean"
assert_contains "$ERR" "unexpected end of the document"
printf '{"tool": "migready", "nova_uid": "x"}' >"$SCRATCH/clean/zz-bad.json"
run_mr 2 fleet "$SCRATCH/clean"
assert_contains "$ERR" "zz-bad.json': facts: 'nova_uid' is not an integer"
printf '[1]' >"$SCRATCH/clean/zz-bad.json"
run_mr 2 fleet "$SCRATCH/clean"
assert_contains "$ERR" "zz-bad.json': facts: the JSON is not an object"
run_mr 2 fleet "$SCRATCH/nowhere"
assert_contains "$ERR" "cannot read '$SCRATCH/nowhere'"
mkdir "$SCRATCH/empty"
run_mr 2 fleet "$SCRATCH/empty"
assert_contains "$ERR" "holds no facts document"
run_mr 2 fleet
assert_contains "$ERR" "PATH... is required"
run_mr 2 fleet --format prometheus "$SCRATCH/empty"
run_mr 2 fleet --root / "$SCRATCH/empty"

# Facts of an older migready (no fingerprints, no Nova release, no
# addresses): skips naming the field, never a fail.
mkdir "$SCRATCH/old"
for h in hv1 hv2 hv3; do
    jq -c --arg h "$h" '{tool, version, host: $h, nova_user, nova_uid: 162, nova_gid: 162,
        instances_path: "/var/lib/nova/instances", hosts: [], transport: "tcp",
        cpu_mode: "host-model", virt_type: "kvm", qemu_version: "8.2.0"}' \
        "$SCRATCH/base.json" >"$SCRATCH/old/$h.json"
done
run_mr 0 fleet --format json "$SCRATCH/old"
[ "$(status_of fleet.ssh-keys)" = skip ] || fail "old ssh-keys: $OUT"
assert_contains "$(field_of fleet.ssh-keys message)" "key_fingerprints"
assert_contains "$(field_of fleet.versions message)" "nova_release"
[ "$(status_of fleet.host-uuid)" = skip ] || fail "old host-uuid: $OUT"
assert_contains "$(field_of fleet.tls-ca message)" "tls.ca_fingerprint"
exit 0

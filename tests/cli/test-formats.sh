# The formats as their consumers read them: JSON by jq, JUnit by an XML
# schema check, TAP by its grammar.
. "$MR_TESTS/cli/lib.sh"
need jq jq
need xmllint libxml2-utils

root=$(mk_root seed-good)
run_mr 0 check --root "$root" --format json
for key in tool version host root profiles nova ready summary results; do
    [ "$(printf '%s' "$OUT" | jq "has(\"$key\")")" = true ] || fail "JSON lacks $key"
done
[ "$(printf '%s' "$OUT" | jq -r .root)" = "$root" ] || fail "JSON root"
[ "$(printf '%s' "$OUT" | jq '[.results[] | has("id") and has("title") and has("status") and has("message") and has("fixable")] | all')" = true ] ||
    fail "a JSON result lacks a key"
# Paths are as seen from the root, never prefixed by it.
assert_not_contains "$OUT" "\"file\": \"$root"
# The Nova release whose rules applied: none installed, so the newest.
[ "$(printf '%s' "$OUT" | jq -c .nova)" = '{"version":null,"release":"2026.1","source":null}' ] ||
    fail "JSON nova without metadata: $(printf '%s' "$OUT" | jq -c .nova)"
# Debian's package metadata names it; the site key nova_release overrides it.
meta=/usr/lib/python3/dist-packages/nova-24.2.0.egg-info/PKG-INFO
mkdir -p "$(dirname "$root$meta")"
printf 'Metadata-Version: 1.2\nName: nova\nVersion: 24.2.0\n' >"$root$meta"
run_mr 0 check --root "$root" --format json --only nova.vnc-listen
[ "$(printf '%s' "$OUT" | jq -c .nova)" = "{\"version\":\"24.2.0\",\"release\":\"2021.2\",\"source\":\"$meta\"}" ] ||
    fail "JSON nova from metadata: $(printf '%s' "$OUT" | jq -c .nova)"
run_mr 0 check --root "$root" --only nova.vnc-listen
assert_contains "$OUT" "rules of: Nova 2021.2 (Xena, 24.2.0), from $meta"
printf '[site]\nnova_release = 2024.1\n' >"$SCRATCH/site.conf"
run_mr 0 check --root "$root" --config "$SCRATCH/site.conf" --format json --only nova.vnc-listen
[ "$(printf '%s' "$OUT" | jq -c .nova)" = "{\"version\":null,\"release\":\"2024.1\",\"source\":\"$SCRATCH/site.conf\"}" ] ||
    fail "JSON nova from nova_release: $(printf '%s' "$OUT" | jq -c .nova)"
rm -rf "$root/usr"

run_mr 0 check --root "$root" --format junit
printf '%s' "$OUT" >"$SCRATCH/junit.xml"
xmllint --noout --schema "$MR_TESTS/data/junit.xsd" "$SCRATCH/junit.xml" 2>"$SCRATCH/xsd" ||
    { cat "$SCRATCH/xsd" >&2; fail "JUnit output does not validate"; }
n=$(xmllint --xpath 'count(//testcase)' "$SCRATCH/junit.xml")
[ "$n" = "$(printf '%s' "$(run_mr 0 list --format json; printf '%s' "$OUT")" | jq length)" ] ||
    fail "JUnit has $n testcases"

run_mr 0 check --root "$root" --format tap
printf '%s\n' "$OUT" | head -1 | grep -qx 'TAP version 13' || fail "TAP header"
plan=$(printf '%s\n' "$OUT" | sed -n 2p)
count=$(printf '%s\n' "$OUT" | grep -cE '^(not )?ok [0-9]+ - ')
[ "$plan" = "1..$count" ] || fail "TAP plan '$plan' for $count results"
# A failing root: "not ok" lines with a YAML block.
sed -i 's/^listen_tcp *=.*/listen_tcp = 0/' "$root/etc/libvirt/libvirtd.conf"
run_mr 1 check --root "$root" --format tap
assert_contains "$OUT" "not ok"
assert_contains "$OUT" "  ---"
run_mr 1 check --root "$root" --format junit
printf '%s' "$OUT" >"$SCRATCH/junit.xml"
xmllint --noout --schema "$MR_TESTS/data/junit.xsd" "$SCRATCH/junit.xml" 2>"$SCRATCH/xsd" ||
    { cat "$SCRATCH/xsd" >&2; fail "failing JUnit output does not validate"; }
[ "$(xmllint --xpath 'count(//failure)' "$SCRATCH/junit.xml")" = 1 ] || fail "JUnit failure count"
echo "ok"

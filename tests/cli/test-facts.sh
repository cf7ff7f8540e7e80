#!/bin/sh
# migready facts: JSON only, offline parts named in "notes", nothing secret;
# the cluster checks skip under --root.
. "$MR_TESTS/cli/lib.sh"
need jq jq

root=$(mk_root seed-good)

run_mr 0 facts --root "$root" --format json
printf '%s' "$OUT" | jq -e . >/dev/null || fail "facts is not JSON"
[ "$(printf '%s' "$OUT" | jq -r .host)" = compute-1 ] || fail "host: $OUT"
[ "$(printf '%s' "$OUT" | jq -r .fqdn)" = compute-1.example.org ] || fail "fqdn: $OUT"
[ "$(printf '%s' "$OUT" | jq -r '.nova_uid, .nova_gid' | tr '\n' ' ')" = "162 162 " ] ||
    fail "nova IDs: $OUT"
[ "$(printf '%s' "$OUT" | jq -r .ports.libvirt)" = 16509 ] || fail "libvirt port: $OUT"
[ "$(printf '%s' "$OUT" | jq -r .libvirt_version)" = null ] || fail "libvirt offline: $OUT"
printf '%s' "$OUT" | jq -e '.notes | map(select(test("offline \\(--root\\)"))) | length >= 2' \
    >/dev/null || fail "no offline notes: $OUT"
for secret in RABBIT_PASS NOVA_DBPASS NOVA_PASS "PRIVATE KEY"; do
    assert_not_contains "$OUT" "$secret"
done
[ -z "$ERR" ] || fail "facts wrote to stderr: $ERR"

# --format json is the default and the only format.
run_mr 0 facts --root "$root"
printf '%s' "$OUT" | jq -e .host >/dev/null || fail "default format is not JSON"
run_mr 2 facts --root "$root" --format text
assert_contains "$ERR" "unknown format 'text' (known: json)"
run_mr 2 facts --root "$root" --strict
run_mr 2 facts --root "$SCRATCH/nowhere" --format json
assert_contains "$ERR" "cannot open root"

# Under --root the cluster checks skip, with or without peers.
printf '[site]\npeers = hv2\n' >"$SCRATCH/site.conf"
run_mr 0 check --root "$root" --config "$SCRATCH/site.conf" --format json \
    --only 'libvirt.versions,libvirt.cpu-compat,libvirt.host-uuid,ids.nova'
for id in libvirt.versions libvirt.cpu-compat libvirt.host-uuid; do
    [ "$(status_of "$id")" = skip ] || fail "$id is $(status_of "$id") under --root"
    [ "$(field_of "$id" message)" = "offline (--root)" ] || fail "$id: $(field_of "$id" message)"
done
[ "$(status_of ids.nova)" = pass ] || fail "ids.nova: $(status_of ids.nova)"
assert_not_contains "$(field_of ids.nova message)" "hv2"

# The command line as the contract fixes it: commands, options, exit codes.
. "$MR_TESTS/cli/lib.sh"
need jq jq

run_mr 0 --help
assert_contains "$OUT" "check"
run_mr 0 --version
assert_contains "$OUT" "migready 0.1.0"
run_mr 2
run_mr 2 frobnicate
assert_contains "$ERR" "unknown command 'frobnicate'"
run_mr 2 check --bogus
assert_contains "$ERR" "unknown option '--bogus'"
run_mr 2 check --root
assert_contains "$ERR" "needs a value"
run_mr 2 check --format xml --root /
assert_contains "$ERR" "unknown format 'xml'"
run_mr 2 list --format junit
run_mr 2 check --only no.such-check --root /
assert_contains "$ERR" "no check matches 'no.such-check'"
run_mr 2 check --profile no-such-profile --root "$SCRATCH"
assert_contains "$ERR" "unknown profile 'no-such-profile'"
assert_contains "$ERR" "shared-nfs"
run_mr 2 check --profile tcp --profile tls --root "$SCRATCH"
assert_contains "$ERR" "'tcp' and 'tls'"
run_mr 2 check --root "$SCRATCH/does-not-exist"
assert_contains "$ERR" "cannot open root '$SCRATCH/does-not-exist'"
run_mr 2 check --root "$SCRATCH" --config "$SCRATCH/missing.conf"
assert_contains "$ERR" "cannot read configuration '$SCRATCH/missing.conf'"

# list: every check of the contract implemented so far, text and JSON.
run_mr 0 list
for id in nova.vnc-listen nova.instances-path nova.migration-transport nova.migration-tuning \
    nova.cpu-mode nova.config-drive libvirt.listen libvirt.auth qemu.migration-ports; do
    assert_contains "$OUT" "$id"
done
run_mr 0 list --format json
[ "$(printf '%s' "$OUT" | jq 'length')" -ge 9 ] || fail "list --format json is short"

# --only and --skip with globs select checks.
root=$(mk_root seed-good)
run_mr 0 check --root "$root" --only 'nova.*' --format json
[ "$(printf '%s' "$OUT" | jq '[.results[].id | startswith("nova.")] | all')" = true ] ||
    fail "--only nova.* ran other checks"
run_mr 0 check --root "$root" --only 'nova.*,qemu.migration-ports' --skip nova.cpu-mode --format json
[ -z "$(status_of nova.cpu-mode)" ] || fail "--skip nova.cpu-mode did not skip it"
[ -n "$(status_of qemu.migration-ports)" ] || fail "--only list with a comma lost an item"
# --strict: the seed root's auth_tcp = "none" warning makes it not ready.
run_mr 1 check --root "$root" --strict --format json
[ "$(printf '%s' "$OUT" | jq .ready)" = false ] || fail "--strict with a warning is ready"
# -q keeps only what does not pass; colour only on request of a terminal.
run_mr 0 check --root "$root" -q
assert_not_contains "$OUT" "PASS "
assert_contains "$OUT" "WARN "
assert_not_contains "$OUT" "$(printf '\033')"
echo "ok"

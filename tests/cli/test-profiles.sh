# A profile that names a check which does not exist is refused when it is
# loaded: exit 2, a message with the profile's file and line, nothing run.
. "$MR_TESTS/cli/lib.sh"

root=$(mk_root seed-good)
dir="$SCRATCH/profiles"
mkdir "$dir"
cp "$MIGREADY_PROFILE_DIR"/*.ini "$dir/"
printf '[profile]\nkind = role\n\n[checks]\nenable = nfs.exports, nfs.exprots\n' >"$dir/typo.ini"

MIGREADY_PROFILE_DIR="$dir" run_mr 2 check --root "$root" --profile typo
assert_contains "$ERR" "$dir/typo.ini:5: no check matches 'nfs.exprots' in [checks] enable"
[ -z "$OUT" ] || fail "a refused profile still printed a report: $OUT"
MIGREADY_PROFILE_DIR="$dir" run_mr 2 fix --root "$root" --profile typo --dry-run
assert_contains "$ERR" "typo.ini:5"

# A shipped profile with a typo is refused even when only loaded by default.
sed -i 's/^enable = nfs.fstab, nfs.access$/enable = nfs.fstab, nfs.acess/' "$dir/shared-nfs.ini"
MIGREADY_PROFILE_DIR="$dir" run_mr 2 check --root "$root"
assert_contains "$ERR" "$dir/shared-nfs.ini:10: no check matches 'nfs.acess'"

# The shipped profiles load.
run_mr 0 check --root "$root" --only nova.vnc-listen

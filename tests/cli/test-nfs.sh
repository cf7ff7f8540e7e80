# nfs.fstab on the seed root and nfs.exports on an NFS server's root: each
# misconfiguration flips exactly its check, with file, line and remedy; bad
# input is named with its place and never crashes; nfs.access needs the
# live host.
. "$MR_TESTS/cli/lib.sh"
need jq jq

# expect NAME ID STATUS FILE LINE RC [migready args...]: runs check on
# $root, asserts that only ID changed from $ref, to STATUS, at FILE:LINE.
expect() {
    local name=$1 id=$2 st=$3 file=$4 line=$5 rc=$6
    shift 6
    run_mr "$rc" check --root "$root" --format json "$@"
    [ "$(status_of "$id")" = "$st" ] || fail "$name: $id is $(status_of "$id"), want $st"
    [ "$(field_of "$id" file)" = "$file" ] || fail "$name: $id file is '$(field_of "$id" file)'"
    [ "$(field_of "$id" line)" = "$line" ] || fail "$name: $id line is '$(field_of "$id" line)'"
    [ -n "$(field_of "$id" remedy)" ] || fail "$name: $id has no remedy"
    local changed
    changed=$(diff <(printf '%s\n' "$ref") <(statuses) | grep '^>' | cut -d' ' -f2 || true)
    [ "$changed" = "$id" ] || fail "$name: changed checks are '$changed', want only $id"
    echo "ok $name: $(field_of "$id" message)"
}

# ---- nfs.fstab on the seed root (the guide's line) ----
root=$(mk_root seed-good)
run_mr 0 check --root "$root" --format json
[ "$(status_of nfs.fstab)" = pass ] || fail "seed: nfs.fstab is $(status_of nfs.fstab)"
[ "$(field_of nfs.fstab line)" = 7 ] || fail "seed: nfs.fstab line is $(field_of nfs.fstab line)"
[ "$(status_of nfs.access)" = skip ] || fail "seed: nfs.access is $(status_of nfs.access)"
assert_contains "$(field_of nfs.access message)" "offline (--root)"
[ "$(status_of nfs.exports)" = skip ] || fail "seed: nfs.exports is $(status_of nfs.exports)"
ref=$(statuses)

# A bind mount where the NFS mount should be.
sed -i 's|^nfs-server:/ .*|/srv/instances /var/lib/nova/instances none bind 0 0|' "$root/etc/fstab"
expect fstab-bind nfs.fstab fail /etc/fstab 7 1
assert_contains "$(field_of nfs.fstab message)" "as none, not NFS"

# No NFS entry at all: the instances are on the root file system.
root=$(mk_root seed-good)
sed -i '/^nfs-server:/d' "$root/etc/fstab"
expect fstab-missing nfs.fstab fail /etc/fstab 4 1
assert_contains "$(field_of nfs.fstab message)" "has no entry for /var/lib/nova/instances"

# soft: a warning, the host stays ready.
root=$(mk_root seed-good)
sed -i 's|nfs4 defaults|nfs4 soft,intr|' "$root/etc/fstab"
expect fstab-soft nfs.fstab warn /etc/fstab 7 0

# A mount from another server than the site's.
root=$(mk_root seed-good)
mkdir -p "$root/etc/migready"
printf '[site]\nnfs_server = filer.example.org\n' >"$root/etc/migready/migready.conf"
printf '192.0.2.30\tfiler.example.org filer\n' >>"$root/etc/hosts"
expect fstab-other-server nfs.fstab fail /etc/fstab 7 1

# Bad input: a truncated line is an error at its place, exit 2, no crash.
root=$(mk_root seed-good)
printf 'nfs-server:/backup /mnt/backup\n' >>"$root/etc/fstab"
expect fstab-truncated nfs.fstab error /etc/fstab 8 2
assert_contains "$(field_of nfs.fstab message)" "/etc/fstab:8 has 2 fields"
run_mr 2 check --root "$root" --only nfs.fstab
assert_contains "$OUT" "ERROR"
assert_contains "$OUT" "/etc/fstab:8"

# ---- nfs.exports on an NFS server ----
root=$(mk_root nfs-server)
run_mr 0 check --root "$root" --format json --only 'nfs.exports'
[ "$(status_of nfs.exports)" = pass ] || fail "server: nfs.exports is $(status_of nfs.exports)"
[ "$(field_of nfs.exports line)" = 12 ] || fail "server: line $(field_of nfs.exports line)"
ref=$(statuses)
# Without the nfs-server profile it is not run.
run_mr 0 check --root "$root" --format json --only 'nfs.exports' --profile shared-nfs
[ "$(status_of nfs.exports)" = skip ] || fail "nfs.exports ran without the nfs-server profile"

fresh() {
    root=$(mk_root nfs-server)
}

fresh
sed -i 's/,no_root_squash//' "$root/etc/exports"
expect exports-root-squash nfs.exports fail /etc/exports 12 1 --only 'nfs.exports'
assert_contains "$(field_of nfs.exports message)" "root_squash"

fresh
sed -i 's/(rw,sync,no_root/(rw,async,no_root/' "$root/etc/exports"
expect exports-async nfs.exports warn /etc/exports 12 0 --only 'nfs.exports'

fresh
sed -i 's|192.0.2.0/24(|192.0.2.8/30(|' "$root/etc/exports"
expect exports-not-covered nfs.exports fail /etc/exports 12 1 --only 'nfs.exports'
assert_contains "$(field_of nfs.exports message)" "compute-2 (192.0.2.12) is not among the clients"

# The classic pitfall: a blank between the path and the options.
fresh
printf '/var/lib/nova/instances (rw,sync,no_root_squash)\n' >"$root/etc/exports"
expect exports-world nfs.exports warn /etc/exports 1 0 --only 'nfs.exports'
assert_contains "$(field_of nfs.exports message)" "every host in the world"

# Bad input: options with no path to export.
fresh
printf '(rw,sync,no_root_squash)\n' >>"$root/etc/exports"
expect exports-no-path nfs.exports error /etc/exports 14 2 --only 'nfs.exports'
assert_contains "$(field_of nfs.exports message)" "but no path to export"

echo "ok"

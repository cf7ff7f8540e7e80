# migready fix on copies of fixture roots: the fixed files equal the expected
# ones under tests/roots/SCENARIO.expected (only the lines that must change
# change), the check passes afterwards, a second fix changes no byte,
# --dry-run changes nothing; links out of the root, immutable files and files
# the lens cannot parse end in a clear error, exit 2, the original untouched.
# Then the same on Debian's real files.
. "$MR_TESTS/cli/lib.sh"
need jq jq

# expect_fixed SCENARIO ONLY [PROFILE...]: fix, compare, check, fix again.
expect_fixed() {
    local s=$1 only=$2 r
    shift 2
    r=$(mk_root "$s")
    snapshot "$r" "$s-before"
    run_mr 0 fix --root "$r" --yes --only "$only" "$@" --format json
    for id in $(printf '%s' "$OUT" | jq -r '.results[] | select(.status != "skip") | .id'); do
        st=$(status_of "$id")
        case "$st" in fixed | pass | warn) ;; *) fail "$s: $id is $st after fix" ;; esac
    done
    [ "$(printf '%s' "$OUT" | jq '.summary.fixed')" -ge 1 ] || fail "$s: nothing fixed"
    # Every expected file, byte for byte; every other file untouched.
    (cd "$MR_TESTS/roots/$s.expected" && find . -type f) | while read -r f; do
        cmp "$MR_TESTS/roots/$s.expected/$f" "$r/$f" || {
            diff -u "$MR_TESTS/roots/$s.expected/$f" "$r/$f" >&2
            fail "$s: $f differs from the expected file"
        }
    done
    (cd "$r" && find . -path ./var/lib/migready -prune -o -type f -print) | while read -r f; do
        [ -f "$MR_TESTS/roots/$s.expected/$f" ] && continue
        cmp -s "$SCRATCH/snap-$s-before/$f" "$r/$f" || fail "$s: $f changed but no expected file says so"
    done
    # The backup holds the originals, 0600 whatever their mode; the MANIFEST
    # says what the mode and owner were.
    b=$(ls -d "$r"/var/lib/migready/backups/*/ | head -n1)
    [ -n "$b" ] || fail "$s: no backup folder"
    (cd "$MR_TESTS/roots/$s.expected" && find . -type f) | while read -r f; do
        [ -f "$SCRATCH/snap-$s-before/$f" ] || continue
        cmp "$SCRATCH/snap-$s-before/$f" "$b/$f" || fail "$s: backup of $f differs from the original"
        [ "$(stat -c %a "$b/$f")" = 600 ] || fail "$s: backup of $f is $(stat -c %a "$b/$f")"
        grep -qxF "file ${f#.} $(stat -c '%u:%g %04a' "$SCRATCH/snap-$s-before/$f")" "$b/MANIFEST" ||
            fail "$s: the MANIFEST lacks the mode and owner of $f"
    done
    run_mr 0 check --root "$r" --only "$only" "$@" --format json
    # A second fix changes no byte.
    snapshot "$r" "$s-after"
    run_mr 0 fix --root "$r" --yes --only "$only" "$@"
    unchanged "$r" "$s-after"
    echo "ok $s"
}

expect_fixed fix-nova 'nova.*'
expect_fixed libvirt-listen-off libvirt.listen
# Ubuntu 16.04's layout: libvirtd_opts in /etc/default/libvirt-bin.
expect_fixed libvirt-bin-no-listen libvirt.listen
expect_fixed libvirt-socket-listen libvirt.listen
expect_fixed libvirt-ports-bad qemu.migration-ports

# The link that enables the TCP socket, and nothing else under systemd.
r=$(mk_root libvirt-socket-listen)
run_mr 0 fix --root "$r" --only libvirt.listen --no-backup </dev/null
[ "$(readlink "$r/etc/systemd/system/sockets.target.wants/libvirtd-tcp.socket")" = \
    /lib/systemd/system/libvirtd-tcp.socket ] || fail "libvirtd-tcp.socket not enabled"
[ ! -e "$r/var/lib/migready/backups" ] || fail "--no-backup made a backup"
assert_contains "$OUT" "restart libvirtd-tcp.socket and libvirtd for this to take effect"
echo "ok socket activation (no terminal: no question)"

# Metadata changes are shown like a diff and applied.
r=$(mk_root fix-nova)
run_mr 1 fix --root "$r" --only nova.instances-path --dry-run
assert_contains "$OUT" "chown 162:162 /var/lib/nova/instances (was 0:0)"
assert_contains "$OUT" "chmod 0751 /var/lib/nova (was 0750)"
[ "$(stat -c %u:%a "$r/var/lib/nova/instances")" = "0:755" ] || fail "--dry-run changed owners"
run_mr 0 fix --root "$r" --only nova.instances-path
[ "$(stat -c %u:%g "$r/var/lib/nova/instances")" = "162:162" ] || fail "instances not chowned"
[ "$(stat -c %a "$r/var/lib/nova")" = 751 ] || fail "/var/lib/nova not o+x"
echo "ok instances path"

# --dry-run: the diff with paths as seen in the root, no byte changed.
r=$(mk_root fix-nova)
snapshot "$r" dry
run_mr 1 fix --root "$r" --dry-run
assert_contains "$OUT" "--- /etc/nova/nova.conf"
assert_contains "$OUT" "+++ /etc/nova/nova.conf"
assert_contains "$OUT" "+server_listen = 0.0.0.0"
assert_contains "$OUT" "migready fix would:"
assert_not_contains "$OUT" "$r"
assert_not_contains "$OUT" "s3cr3t"
unchanged "$r" dry
[ ! -e "$r/var/lib/migready" ] || fail "--dry-run made a backup"
# With --format json the diff goes to standard error.
run_mr 1 fix --root "$r" --dry-run --format json --only nova.vnc-listen
[ "$(status_of nova.vnc-listen)" = fail ] || fail "dry run changed the status"
assert_contains "$ERR" "+server_listen = 0.0.0.0"
unchanged "$r" dry
echo "ok dry run"

# Options belong to fix only.
run_mr 2 check --dry-run
run_mr 2 list --yes
echo "ok usage"

# A file the lens cannot parse: error naming file and line, untouched.
r=$(mk_root libvirt-bad-key)
snapshot "$r" badkey
run_mr 2 fix --root "$r" --yes --only libvirt.listen --format json
[ "$(status_of libvirt.listen)" = error ] || fail "bad key: $(status_of libvirt.listen)"
assert_contains "$(field_of libvirt.listen message)" "/etc/libvirt/libvirtd.conf:30: cannot parse"
unchanged "$r" badkey
echo "ok unparseable file"

# Links out of the root: absolute (inside the root it would name another
# file of the root), relative with enough ".." to climb out, and a
# /proc/self/root trick. Never written through, on either side.
outside="$SCRATCH/outside"
mkdir -p "$outside"
for kind in absolute relative proc; do
    r=$(mk_root libvirt-listen-off)
    mkdir -p "$r/srv"
    cp "$r/etc/libvirt/libvirtd.conf" "$r/srv/libvirtd.conf"
    cp "$r/etc/libvirt/libvirtd.conf" "$outside/libvirtd.conf"
    rm "$r/etc/libvirt/libvirtd.conf"
    case $kind in
    absolute) target=/srv/libvirtd.conf ;;
    relative) target=../../../../../../../../../../..$outside/libvirtd.conf
        # Inside the root the climb stops at the root: give it a file there.
        mkdir -p "$r$outside" && cp "$outside/libvirtd.conf" "$r$outside/libvirtd.conf" ;;
    proc) target=/proc/self/root$outside/libvirtd.conf ;;
    esac
    ln -s "$target" "$r/etc/libvirt/libvirtd.conf"
    snapshot "$r" "link-$kind"
    cp "$outside/libvirtd.conf" "$SCRATCH/outside-before"
    run_mr 2 fix --root "$r" --yes --only libvirt.listen --format json
    [ "$(status_of libvirt.listen)" = error ] || fail "$kind link: $(status_of libvirt.listen)"
    msg=$(field_of libvirt.listen message)
    assert_contains "$msg" "refusing to write /etc/libvirt/libvirtd.conf"
    assert_contains "$msg" "symbolic link"
    unchanged "$r" "link-$kind"
    cmp "$outside/libvirtd.conf" "$SCRATCH/outside-before" || fail "$kind link: wrote outside the root"
    echo "ok $kind link refused"
done
# A folder on the way that is a link is refused too.
r=$(mk_root libvirt-listen-off)
mv "$r/etc/libvirt" "$r/etc/libvirt.real"
ln -s libvirt.real "$r/etc/libvirt"
snapshot "$r" linkdir
run_mr 2 fix --root "$r" --yes --only libvirt.listen --format json
assert_contains "$(field_of libvirt.listen message)" "/etc/libvirt is a symbolic link"
unchanged "$r" linkdir
echo "ok linked folder refused"

# A read-only file: immutable (chattr +i) where the file system allows it,
# else a read-only bind mount in a private mount namespace.
ro_test() {
    local how=$1 r rc
    r=$(mk_root libvirt-listen-off)
    snapshot "$r" "ro-$how"
    if [ "$how" = immutable ]; then
        chattr +i "$r/etc/libvirt/libvirtd.conf" 2>/dev/null || return 77
        rc=0
        "$MIGREADY" fix --root "$r" --yes --only libvirt.listen --format json \
            >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
        chattr -i "$r/etc/libvirt/libvirtd.conf"
    else
        command -v unshare >/dev/null && [ "$(id -u)" = 0 ] || return 77
        unshare -m true 2>/dev/null || return 77
        rc=0
        unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" &&
            exec "$2" fix --root "$3" --yes --only libvirt.listen --format json' sh \
            "$r/etc/libvirt/libvirtd.conf" "$MIGREADY" "$r" >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
    fi
    OUT=$(cat "$SCRATCH/out")
    [ "$rc" = 2 ] || { cat "$SCRATCH/err" "$SCRATCH/out" >&2; fail "$how: exit $rc"; }
    [ "$(status_of libvirt.listen)" = error ] || fail "$how: $(status_of libvirt.listen)"
    assert_contains "$(field_of libvirt.listen message)" "cannot write /etc/libvirt/libvirtd.conf"
    assert_contains "$(field_of libvirt.listen message)" "left untouched"
    unchanged "$r" "ro-$how"
    echo "ok $how file"
}
done_ro=0
for how in immutable romount; do
    rc=0
    ro_test "$how" || rc=$?
    [ "$rc" = 0 ] && done_ro=$((done_ro + 1))
    [ "$rc" = 0 ] || [ "$rc" = 77 ] || exit "$rc"
done
[ "$done_ro" -gt 0 ] || [ "$(id -u)" != 0 ] || fail "no way to make a read-only file as root"

# Debian's real files (nova-common's nova.conf sample, libvirt-daemon-system's
# libvirtd.conf, qemu.conf and /etc/default/libvirtd): fix, then check shows
# no fail among the fixable checks; a second fix changes no byte.
need dpkg-deb dpkg
cache=${MR_DEBIAN_CACHE:-${TMPDIR:-/tmp}/migready-debian-cache}
if ! "$MR_TESTS/fetch-debian-files" "$cache"; then
    echo "SKIP: Debian's packages could not be downloaded; fixture tests passed" >&2
    exit 0
fi
x="$cache/tree"
debian_root() {
    local r="$SCRATCH/debian-$1"
    mkdir -p "$r/etc/nova" "$r/etc/libvirt" "$r/etc/default" "$r/var/lib/nova"
    cp "$x/usr/share/nova-common/nova.conf" "$r/etc/nova/nova.conf"
    cp "$x/etc/libvirt/libvirtd.conf" "$x/etc/libvirt/qemu.conf" "$r/etc/libvirt/"
    cp "$x/etc/default/libvirtd" "$r/etc/default/"
    # What the packages' maintainer scripts make: the users, the folders.
    cp -a "$x/var/lib/nova/instances" "$r/var/lib/nova/"
    printf 'root:x:0:0:root:/root:/bin/bash\nnova:x:64060:64060::/var/lib/nova:/bin/sh\nlibvirt-qemu:x:64055:108::/var/lib/libvirt:/usr/sbin/nologin\n' >"$r/etc/passwd"
    printf 'root:x:0:\nkvm:x:108:\nnova:x:64060:\nlibvirt-qemu:x:64055:\n' >"$r/etc/group"
    echo "12.0" >"$r/etc/debian_version"
    echo compute-1 >"$r/etc/hostname"
    # The site names its NFS server, so that nfs.fstab's fixer can write the entry.
    mkdir -p "$r/etc/migready"
    printf '[site]\nnfs_server = nfs-server.example.org\n' >"$r/etc/migready/migready.conf"
    if [ "$1" = socket ]; then
        # libvirt-daemon-system enables libvirtd.socket and libvirtd.service.
        mkdir -p "$r/lib/systemd/system" "$r/etc/systemd/system/sockets.target.wants" \
            "$r/etc/systemd/system/multi-user.target.wants"
        cp "$x"/lib/systemd/system/libvirtd*.s* "$r/lib/systemd/system/"
        for u in libvirtd.socket libvirtd-ro.socket libvirtd-admin.socket; do
            ln -s "/lib/systemd/system/$u" "$r/etc/systemd/system/sockets.target.wants/$u"
        done
        ln -s /lib/systemd/system/libvirtd.service "$r/etc/systemd/system/multi-user.target.wants/"
    fi
    echo "$r"
}
fixable=$("$MIGREADY" list --format json | jq -r '.[] | select(.fixable) | .id' | paste -sd, -)
for variant in plain socket; do
    r=$(debian_root "$variant")
    snapshot "$r" "deb-$variant"
    run_mr 1 fix --root "$r" --dry-run
    if [ "$variant" = socket ]; then
        assert_contains "$OUT" "ln -sf /lib/systemd/system/libvirtd-tcp.socket /etc/systemd/system/sockets.target.wants/libvirtd-tcp.socket"
    else
        assert_contains "$OUT" "+++ /etc/libvirt/libvirtd.conf"
    fi
    unchanged "$r" "deb-$variant"
    rc=0
    "$MIGREADY" fix --yes --root "$r" --only "$fixable" --format json >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
    OUT=$(cat "$SCRATCH/out")
    [ "$rc" = 0 ] || { cat "$SCRATCH/err" >&2; printf '%s\n' "$OUT" >&2; fail "debian $variant: fix exited $rc"; }
    rc=0
    "$MIGREADY" check --root "$r" --format json >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
    OUT=$(cat "$SCRATCH/out")
    bad=$(printf '%s' "$OUT" | jq -r '.results[] | select(.fixable and (.status == "fail" or .status == "error")) | "\(.id): \(.message)"')
    [ -z "$bad" ] || fail "debian $variant: still failing after fix: $bad"
    snapshot "$r" "deb-$variant-after"
    run_mr 0 fix --yes --root "$r" --only "$fixable"
    unchanged "$r" "deb-$variant-after"
    # Only the lines that had to change did: comments stay.
    [ "$(diff "$x/etc/libvirt/libvirtd.conf" "$r/etc/libvirt/libvirtd.conf" | grep -c '^<')" = 0 ] ||
        fail "debian $variant: a line of libvirtd.conf was removed"
    echo "ok debian $variant"
done

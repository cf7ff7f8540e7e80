# Real files that nobody here wrote: the nova.conf sample that Debian's
# nova-common ships and libvirt-daemon-system's libvirtd.conf, qemu.conf and
# /etc/default/libvirtd parse with no error.
. "$MR_TESTS/cli/lib.sh"
need jq jq
need dpkg-deb dpkg

cache=${MR_DEBIAN_CACHE:-${TMPDIR:-/tmp}/migready-debian-cache}
"$MR_TESTS/fetch-debian-files" "$cache" ||
    skip "Debian's packages could not be downloaded (no Debian mirror reachable?)"
x="$cache/tree"
root="$SCRATCH/root"
mkdir -p "$root/etc/nova" "$root/etc/libvirt" "$root/etc/default"
# nova-common installs its sample as /etc/nova/nova.conf.
cp "$x/usr/share/nova-common/nova.conf" "$root/etc/nova/nova.conf"
cp "$x/etc/libvirt/libvirtd.conf" "$x/etc/libvirt/qemu.conf" "$root/etc/libvirt/"
cp "$x/etc/default/libvirtd" "$root/etc/default/"
lines=$(wc -l <"$root/etc/nova/nova.conf")
[ "$lines" -gt 5000 ] || fail "the nova.conf sample has only $lines lines"

rc=0
"$MIGREADY" check --root "$root" --format json >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
OUT=$(cat "$SCRATCH/out")
[ "$rc" = 0 ] || [ "$rc" = 1 ] || { cat "$SCRATCH/err" "$SCRATCH/out" >&2; fail "exit $rc"; }
errors=$(printf '%s' "$OUT" | jq -r '.results[] | select(.status == "error") | "\(.id): \(.message)"')
[ -z "$errors" ] || fail "errors on Debian's files: $errors"
# Debian's defaults: libvirtd does not listen on TCP, so the tcp transport fails,
# and the message says the value is libvirt's default.
[ "$(status_of libvirt.listen)" = fail ] || fail "libvirt.listen is $(status_of libvirt.listen)"
assert_contains "$(field_of libvirt.listen message)" "libvirt's default"
# nova.conf's sample sets nothing: the VNC address is Nova's default.
assert_contains "$(field_of nova.vnc-listen message)" "Nova's default"
printf '%s' "$OUT" | jq -r '.results[] | "\(.status) \(.id): \(.message)"'
echo "ok ($lines lines of nova.conf)"

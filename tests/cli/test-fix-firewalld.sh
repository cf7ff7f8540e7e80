# firewall.ports on firewalld (tests/roots/fix-firewalld): DefaultZone=public
# whose zone lacks 16509 and the migration range, an "internal" zone bound
# to 198.51.100.0/24 that accepts libvirt. The firewalld.conf and the
# services in usr/lib/firewalld/services are Debian's firewalld
# 1.3.3-1~deb12u2 files as shipped. The check fails naming the zone file;
# fix adds <port> elements (no peers) or rich rules (peers named), keeps the
# comment and the indentation, firewall-offline-cmd --check-config accepts
# the result, and a second fix changes nothing.
. "$MR_TESTS/cli/lib.sh"
need jq jq
need firewall-offline-cmd firewalld

# offline_check ROOT: firewalld's own verdict on the zone files of ROOT,
# with the installed package's stock configuration as the default one (the
# host's /etc/firewalld is never read nor written).
offline_check() {
    firewall-offline-cmd --system-config "$1/etc/firewalld" --default-config /usr/lib/firewalld \
        --check-config >"$SCRATCH/offline" 2>&1 || { cat "$SCRATCH/offline" >&2; fail "firewall-offline-cmd refuses $1"; }
}

r=$(mk_root fix-firewalld)
offline_check "$r"
run_mr 1 check --root "$r" --only firewall.ports --format json
[ "$(status_of firewall.ports)" = fail ] || fail "before: $(status_of firewall.ports)"
msg=$(field_of firewall.ports message)
assert_contains "$msg" "firewalld (/etc/firewalld) rejects new connections to the migration ports 49152-49215"
assert_contains "$msg" "/etc/firewalld/zones/public.xml:3 (zone public"
[ "$(field_of firewall.ports file)" = /etc/firewalld/zones/public.xml ] || fail "file: $(field_of firewall.ports file)"
assert_contains "$(field_of firewall.ports remedy)" "firewall-cmd --permanent --zone=public --add-port=49152-49215/tcp"
echo "ok check names the zone"

# A peer in the internal zone's source: that zone decides, and accepts libvirt.
printf '[site]\npeers = 198.51.100.7\n' >"$SCRATCH/internal.conf"
run_mr 1 check --root "$r" --config "$SCRATCH/internal.conf" --only firewall.ports --format json
assert_contains "$OUT" "/etc/firewalld/zones/internal.xml"
assert_not_contains "$OUT" "rejects new connections to libvirt's port 16509"
echo "ok zone by source"

snapshot "$r" before
run_mr 0 fix --root "$r" --only firewall.ports --yes --format json
[ "$(status_of firewall.ports)" = fixed ] || fail "fix: $(status_of firewall.ports)"
cmp "$MR_TESTS/roots/fix-firewalld.expected/etc/firewalld/zones/public.xml" \
    "$r/etc/firewalld/zones/public.xml" || {
    diff -u "$MR_TESTS/roots/fix-firewalld.expected/etc/firewalld/zones/public.xml" \
        "$r/etc/firewalld/zones/public.xml" >&2
    fail "public.xml differs from the expected file"
}
offline_check "$r"
snapshot "$r" after
run_mr 0 fix --root "$r" --only firewall.ports --yes
unchanged "$r" after
echo "ok fix adds the ports"

# Peers named: one rich rule per peer address and port; the shipped zone
# (no /etc/firewalld/zones/public.xml) is copied to /etc, as firewalld does.
r=$(mk_root fix-firewalld)
rm "$r/etc/firewalld/zones/public.xml"
printf '[site]\npeers = 192.0.2.12, 192.0.2.13\n' >"$SCRATCH/peers.conf"
run_mr 1 check --root "$r" --config "$SCRATCH/peers.conf" --only firewall.ports --format json
assert_contains "$(field_of firewall.ports message)" "/usr/lib/firewalld/zones/public.xml"
run_mr 0 fix --root "$r" --config "$SCRATCH/peers.conf" --only firewall.ports --yes --format json
[ "$(status_of firewall.ports)" = fixed ] || fail "peers: $(status_of firewall.ports)"
z=$r/etc/firewalld/zones/public.xml
[ -f "$z" ] || fail "no zone in /etc/firewalld/zones"
[ "$(grep -c '<rule family="ipv4">' "$z")" = 4 ] || { cat "$z" >&2; fail "not 4 rich rules"; }
grep -q '<source address="192.0.2.13"/>' "$z" || fail "no rule for 192.0.2.13"
grep -q '<port port="49152-49215" protocol="tcp"/>' "$z" || fail "no rule for the range"
! grep -q '^  <port ' "$z" || fail "a port open to every address"
cmp "$r/usr/lib/firewalld/zones/public.xml" "$SCRATCH/snap-before/usr/lib/firewalld/zones/public.xml" ||
    fail "the shipped zone changed"
offline_check "$r"
snapshot "$r" peers-after
run_mr 0 fix --root "$r" --config "$SCRATCH/peers.conf" --only firewall.ports --yes
unchanged "$r" peers-after
echo "ok fix adds rich rules for the peers"

# Installed is not running: without the multi-user.target.wants link (not
# enabled), or with the unit masked, firewalld never loads these zones at
# boot, so they are not judged (Debian hosts that run nftables.conf may
# carry the package).
r=$(mk_root fix-firewalld)
rm "$r/etc/systemd/system/multi-user.target.wants/firewalld.service"
run_mr 0 check --root "$r" --only firewall.ports --format json -v
[ "$(status_of firewall.ports)" = pass ] || fail "not enabled: $(status_of firewall.ports)"
assert_contains "$OUT" "firewalld is installed but not enabled"
assert_not_contains "$OUT" "zones/public.xml"
ln -s /usr/lib/systemd/system/firewalld.service \
    "$r/etc/systemd/system/multi-user.target.wants/firewalld.service"
ln -s /dev/null "$r/etc/systemd/system/firewalld.service"
run_mr 0 check --root "$r" --only firewall.ports --format json -v
assert_contains "$OUT" "firewalld is masked"
echo "ok firewalld not enabled or masked: zones not judged"

# firewall.ports: a saved rules.v4 that rejects libvirt's port flips only
# firewall.ports to fail, with the file, the line and the rule to add.
. "$MR_TESTS/cli/lib.sh"
need jq jq

root=$(mk_root seed-good)
run_mr 0 check --root "$root" --format json
[ "$(status_of firewall.ports)" = pass ] || fail "seed root: firewall.ports is $(status_of firewall.ports)"
baseline=$(statuses)

# The guides' rules with a REJECT of 16509 before the ACCEPT (a real
# iptables-save capture, tests/data/firewall/reject-16509.iptables-save).
cp "$MR_TESTS/data/firewall/reject-16509.iptables-save" "$root/etc/iptables/rules.v4"
run_mr 1 check --root "$root" --format json
[ "$(status_of firewall.ports)" = fail ] || fail "reject: firewall.ports is $(status_of firewall.ports)"
[ "$(field_of firewall.ports file)" = /etc/iptables/rules.v4 ] || fail "file is '$(field_of firewall.ports file)'"
[ "$(field_of firewall.ports line)" = 10 ] || fail "line is '$(field_of firewall.ports line)'"
assert_contains "$(field_of firewall.ports message)" "16509"
assert_contains "$(field_of firewall.ports remedy)" "-A INPUT -p tcp -m tcp --dport 16509 -j ACCEPT"
changed=$(diff <(printf '%s\n' "$baseline") <(statuses) | grep '^>' | cut -d' ' -f2 || true)
[ "$changed" = firewall.ports ] || fail "changed checks are '$changed', want only firewall.ports"

# The text output shows the rule and the remedy.
run_mr 1 check --root "$root" --only firewall.ports
assert_contains "$OUT" "FAIL"
assert_contains "$OUT" "/etc/iptables/rules.v4:10"
assert_contains "$OUT" "iptables-restore < /etc/iptables/rules.v4"

# The same with nftables: only /etc/nftables.conf, rejecting 16509.
root=$(mk_root seed-good)
rm "$root/etc/iptables/rules.v4"
cp "$MR_TESTS/data/firewall/nft-reject-16509.nft" "$root/etc/nftables.conf"
run_mr 1 check --root "$root" --format json --only firewall.ports
[ "$(field_of firewall.ports file)" = /etc/nftables.conf ] || fail "nft file is '$(field_of firewall.ports file)'"
[ "$(field_of firewall.ports line)" = 10 ] || fail "nft line is '$(field_of firewall.ports line)'"
assert_contains "$(field_of firewall.ports remedy)" 'tcp dport 16509 accept'

# A rules file of junk: an error naming the file, never a crash.
root=$(mk_root seed-good)
head -c 4096 /dev/urandom >"$root/etc/iptables/rules.v4"
run_mr 2 check --root "$root" --format json --only firewall.ports
[ "$(status_of firewall.ports)" = error ] || fail "junk: firewall.ports is $(status_of firewall.ports)"
assert_contains "$(field_of firewall.ports message)" "/etc/iptables/rules.v4"
echo ok

# A kolla-ansible host (tests/roots/kolla: kolla-ansible's own templates
# rendered with ordinary values, see its README) is read from /etc/kolla
# without any flag, and its results name the files there. --profile kolla
# forces the layout where the files alone would not choose it.
. "$MR_TESTS/cli/lib.sh"
need jq jq

root=$(mk_root kolla)
checks=nova.vnc-listen,libvirt.listen,libvirt.auth,ssh.keys
run_mr 0 check --root "$root" --format json --only "$checks"
printf '%s' "$OUT" | jq -e '.profiles | index("kolla")' >/dev/null ||
    fail "kolla not detected: profiles $(printf '%s' "$OUT" | jq -c .profiles)"
for id in nova.vnc-listen libvirt.listen libvirt.auth ssh.keys; do
    [ "$(status_of $id)" = pass ] || fail "$id is $(status_of $id): $(field_of $id message)"
done
[ "$(field_of nova.vnc-listen file):$(field_of nova.vnc-listen line)" = \
    /etc/kolla/nova-compute/nova.conf:16 ] ||
    fail "nova.vnc-listen names $(field_of nova.vnc-listen file):$(field_of nova.vnc-listen line)"
[ "$(field_of libvirt.auth file)" = /etc/kolla/nova-libvirt/libvirtd.conf ] ||
    fail "libvirt.auth names $(field_of libvirt.auth file)"
assert_contains "$(field_of libvirt.listen message)" "--listen in /etc/kolla/nova-libvirt/config.json"
assert_contains "$(field_of libvirt.listen message)" "/etc/kolla/nova-libvirt/libvirtd.conf:1"
[ "$(field_of ssh.keys file)" = /etc/kolla/nova-ssh/id_rsa ] ||
    fail "ssh.keys names $(field_of ssh.keys file)"
# No finding points into the standard places, which this host does not have.
bad=$(printf '%s' "$OUT" | jq -r '.results[] | .file // empty' | grep -E '^/etc/(nova|libvirt)/' || true)
[ -z "$bad" ] || fail "results name files the kolla host does not use: $bad"
echo "ok detected: $(field_of libvirt.listen message)"

# The text output names them too.
run_mr 0 check --root "$root" --only nova.vnc-listen
assert_contains "$OUT" "(/etc/kolla/nova-compute/nova.conf:16)"

# A host with /etc/nova/nova.conf keeps the standard layout, unless told.
mkdir -p "$root/etc/nova"
printf '[vnc]\nserver_listen = 198.51.100.1\n' >"$root/etc/nova/nova.conf"
run_mr 0 check --root "$root" --format json --only nova.vnc-listen
printf '%s' "$OUT" | jq -e '.profiles | index("kolla") | not' >/dev/null ||
    fail "kolla chosen although /etc/nova/nova.conf exists"
[ "$(field_of nova.vnc-listen file)" = /etc/nova/nova.conf ] ||
    fail "standard layout names $(field_of nova.vnc-listen file)"
run_mr 0 check --root "$root" --profile kolla --format json --only nova.vnc-listen
[ "$(field_of nova.vnc-listen file)" = /etc/kolla/nova-compute/nova.conf ] ||
    fail "--profile kolla names $(field_of nova.vnc-listen file)"
echo "ok forced"

# The standard fixture is never taken for kolla.
run_mr 0 check --root "$(mk_root seed-good)" --format json --only nova.vnc-listen
printf '%s' "$OUT" | jq -e '.profiles | index("kolla") | not' >/dev/null ||
    fail "seed-good detected as kolla"

# fix writes a setting Nova leaves at its default into the layout's
# nova.conf, never a new /etc/nova/nova.conf (which would also turn the
# host into a "standard" one for the next run).
root=$(mk_root kolla)
run_mr 1 fix --root "$root" --profile tls --only nova.migration-transport --dry-run
assert_contains "$OUT" "+++ /etc/kolla/nova-compute/nova.conf"
assert_contains "$OUT" "+live_migration_scheme = tls"
assert_not_contains "$OUT" "/etc/nova/nova.conf"
echo "ok fix edits the layout's nova.conf"

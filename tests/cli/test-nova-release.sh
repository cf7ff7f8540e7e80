# The Nova release decides which rules apply: a Xena host's legacy
# [DEFAULT] vncserver_listen is honoured; the same nova.conf under the
# newest rules (no metadata) is a warning that Nova 25.0.0 removed it
# (Nova's commit "Remove deprecated opts from VNC conf", nova/conf/vnc.py).
. "$MR_TESTS/cli/lib.sh"
need jq jq

root=$(mk_root nova-xena)
meta=/usr/lib/python3/dist-packages/nova-24.2.0.egg-info/PKG-INFO
run_mr 0 check --root "$root" --format json --only nova.vnc-listen
[ "$(status_of nova.vnc-listen)" = pass ] || fail "Xena: nova.vnc-listen is $(status_of nova.vnc-listen)"
[ "$(printf '%s' "$OUT" | jq -r '.nova.version + " " + .nova.release + " " + .nova.source')" = \
    "24.2.0 2021.2 $meta" ] || fail "Xena: JSON nova is $(printf '%s' "$OUT" | jq -c .nova)"
echo "ok xena: $(field_of nova.vnc-listen message)"

rm -r "$root/usr"
run_mr 0 check --root "$root" --format json --only nova.vnc-listen
[ "$(status_of nova.vnc-listen)" = warn ] || fail "newest: nova.vnc-listen is $(status_of nova.vnc-listen)"
msg=$(field_of nova.vnc-listen message)
assert_contains "$msg" "[DEFAULT] vncserver_listen = 0.0.0.0 is ignored: removed in 25.0.0 (Yoga)"
assert_contains "$msg" "Nova uses [vnc] server_listen's default 127.0.0.1"
[ "$(field_of nova.vnc-listen line)" = 5 ] || fail "newest: line $(field_of nova.vnc-listen line)"
[ "$(printf '%s' "$OUT" | jq -c .nova)" = '{"version":null,"release":"2026.1","source":null}' ] ||
    fail "newest: JSON nova is $(printf '%s' "$OUT" | jq -c .nova)"
echo "ok newest: $msg"

# The site key brings the old rules back without metadata (kolla).
printf '[site]\nnova_release = 24.2.0\n' >"$SCRATCH/site.conf"
run_mr 0 check --root "$root" --config "$SCRATCH/site.conf" --format json --only nova.vnc-listen
[ "$(status_of nova.vnc-listen)" = pass ] || fail "nova_release: $(status_of nova.vnc-listen)"
[ "$(printf '%s' "$OUT" | jq -r .nova.source)" = "$SCRATCH/site.conf" ] || fail "nova_release source"
echo "ok"

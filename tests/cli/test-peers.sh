# check --peer: accepted by check alone, validated, added to the site's
# peers; the peer checks need the live host (the lab tests run them there).
. "$MR_TESTS/cli/lib.sh"
need jq jq

root=$(mk_root seed-good)
peer_checks=ssh.peers,firewall.reachability

# Without peers the peer checks say how to name one (live, but skipped
# before any traffic: a site configuration without peers).
printf '[site]\nnova_user = nova\n' >"$SCRATCH/site.conf"
run_mr 0 check --config "$SCRATCH/site.conf" --only "$peer_checks" --format json
[ "$(status_of ssh.peers)" = skip ] || fail "ssh.peers without peers: $(status_of ssh.peers)"
assert_contains "$(field_of ssh.peers message)" "--peer HOST"

# With --peer (repeatable), offline: skipped for that reason, not for lack of peers.
run_mr 0 check --root "$root" --peer hv2 --peer hv3.example.org --only "$peer_checks" --format json
for id in ssh.peers firewall.reachability; do
    [ "$(status_of "$id")" = skip ] || fail "$id with --peer under --root: $(status_of "$id")"
    assert_contains "$(field_of "$id" message)" "offline (--root)"
done

# The contract's order: ssh.peers after ssh.keys, firewall.reachability after firewall.ports.
run_mr 0 list --format json
order=$(printf '%s' "$OUT" | jq -r '.[].id' | grep -nE '^(ssh\.keys|ssh\.peers|firewall\.ports|firewall\.reachability)$' | cut -d: -f2 | tr '\n' ' ')
[ "$order" = "ssh.keys ssh.peers firewall.ports firewall.reachability " ] || fail "order: $order"
printf '%s' "$OUT" | jq -e '.[] | select(.id == "ssh.peers") | .needs | index("peers")' >/dev/null ||
    fail "ssh.peers does not need peers"

# Usage errors: no value, a value that is an option or a list, a command without --peer.
run_mr 2 check --root "$root" --peer
assert_contains "$ERR" "needs a value"
run_mr 2 check --root "$root" --peer --only
run_mr 2 check --root "$root" --peer 'hv2, hv3'
assert_contains "$ERR" "--peer needs a host name"
run_mr 2 list --peer hv2
assert_contains "$ERR" "unknown option '--peer'"
echo "ok"

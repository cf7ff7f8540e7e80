#!/bin/sh
# The differential test of firewall.ports against the kernel. Seeded random
# rule sets (tests/kernel/fwdiff gen), half iptables-save and half
# nftables.conf, are each loaded into a network namespace of ours; from a
# peer namespace (192.0.2.20, over a veth) a connection is made to 16509,
# 22 and every port of 49152-49215, and a port counts as open only when the
# byte that a listener on it writes comes back. The kernel's answer is
# compared port by port with the evaluator's (fwdiff eval, the code
# firewall.ports runs) and rule set by rule set with the status of
# `migready check --only firewall.ports` on a root holding the same file.
#
# Tally: false ready (migready accepts what the kernel does not), false fail
# (the other way), error (migready cannot read a file the kernel loaded),
# undecided (each names its rule and unknown). Any false ready, false fail
# or error fails the test; so do more than 2% undecided.
#
# FWDIFF_N rule sets of each syntax (30 by default, `make
# check-firewall-long` runs 500), from seed FWDIFF_SEED (1). FWDIFF_SEEDS
# runs just those seeds ("ipt:17 nft:4"), as regression fixtures do.
# Root only (namespaces); exits 77 with the reason otherwise.
set -eu

: "${MIGREADY:?MIGREADY must name the binary under test}"
: "${MR_FWDIFF:?MR_FWDIFF must name tests/kernel/fwdiff}"

skip() {
    echo "SKIP: $*" >&2
    exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
for t in ip nft iptables-restore jq; do
    command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done

N=${FWDIFF_N:-30}
SEED=${FWDIFF_SEED:-1}
H=mrfw-h-$$
P=mrfw-p-$$
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/mrfw-XXXXXX")
LISTENER=

cleanup() {
    [ -z "$LISTENER" ] || kill "$LISTENER" 2>/dev/null || true
    [ -z "$LISTENER" ] || wait "$LISTENER" 2>/dev/null || true
    ip netns del "$H" 2>/dev/null || true
    ip netns del "$P" 2>/dev/null || true
    rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$H" || skip "cannot make a network namespace"
ip netns add "$P"
ip -n "$H" link add eth1 type veth peer name eth0 netns "$P"
ip -n "$H" addr add 192.0.2.10/24 dev eth1
ip -n "$P" addr add 192.0.2.20/24 dev eth0
ip -n "$H" link set lo up
ip -n "$H" link set eth1 up
ip -n "$P" link set lo up
ip -n "$P" link set eth0 up

ip netns exec "$H" "$MR_FWDIFF" listen >"$SCRATCH/listen.out" 2>&1 &
LISTENER=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
    grep -q listening "$SCRATCH/listen.out" 2>/dev/null && break
    sleep 0.1
done
grep -q listening "$SCRATCH/listen.out" || { cat "$SCRATCH/listen.out" >&2; exit 1; }

# The root migready reads: the rule file and the site's peer and interface.
R=$SCRATCH/root
mkdir -p "$R/etc/migready" "$R/etc/iptables"
printf '[site]\npeers = 192.0.2.20\ninterface = eth1\n' >"$R/etc/migready/migready.conf"

sets=0 agree=0 false_ready=0 false_fail=0 errors=0 undecided=0 refused=0
bad=0

# one SYNTAX SEED: generates, loads, probes, compares and tallies one rule set.
one() {
    syn=$1 seed=$2
    f=$SCRATCH/rules
    "$MR_FWDIFF" gen "$seed" "$syn" >"$f"
    ip netns exec "$H" nft flush ruleset
    if [ "$syn" = ipt ]; then
        ip netns exec "$H" iptables-restore <"$f" 2>"$SCRATCH/load.err" || {
            refused=$((refused + 1)); echo "refused $syn:$seed: $(head -1 "$SCRATCH/load.err")"; return 0; }
    else
        ip netns exec "$H" nft -f "$f" 2>"$SCRATCH/load.err" || {
            refused=$((refused + 1)); echo "refused $syn:$seed: $(head -1 "$SCRATCH/load.err")"; return 0; }
    fi
    sets=$((sets + 1))
    ip netns exec "$P" "$MR_FWDIFF" probe 192.0.2.10 >"$SCRATCH/kernel"
    "$MR_FWDIFF" eval "$f" "$syn" 192.0.2.20 eth1 >"$SCRATCH/mr"

    rm -f "$R/etc/iptables/rules.v4" "$R/etc/nftables.conf"
    if [ "$syn" = ipt ]; then cp "$f" "$R/etc/iptables/rules.v4"; else cp "$f" "$R/etc/nftables.conf"; fi
    "$MIGREADY" check --root "$R" --only firewall.ports --format json >"$SCRATCH/json" 2>/dev/null || true
    status=$(jq -r '.results[] | select(.id == "firewall.ports") | .status' "$SCRATCH/json")

    verdict=agree
    if grep -q '^error' "$SCRATCH/mr" || [ "$status" = error ]; then
        verdict=error
    else
        # Port by port: the kernel's open/closed against the evaluator's.
        d=$(paste -d' ' "$SCRATCH/kernel" "$SCRATCH/mr" | awk '
            $2 == "open" && $4 == "closed" { ff++ }
            $2 == "closed" && $4 == "open" { fr++ }
            $4 == "undecided" { un++ }
            END { print (fr ? "false-ready" : ff ? "false-fail" : un ? "undecided" : "agree") }')
        verdict=$d
        allopen=$(awk '$2 != "open" { c++ } END { print c ? "no" : "yes" }' "$SCRATCH/kernel")
        if [ "$verdict" = agree ]; then
            if [ "$allopen" = yes ] && [ "$status" != pass ]; then verdict=false-fail; fi
            if [ "$allopen" = no ] && [ "$status" = pass ]; then verdict=false-ready; fi
        fi
    fi
    case $verdict in
    agree) agree=$((agree + 1)); return 0 ;;
    false-ready) false_ready=$((false_ready + 1)) ;;
    false-fail) false_fail=$((false_fail + 1)) ;;
    error) errors=$((errors + 1)) ;;
    undecided) undecided=$((undecided + 1)) ;;
    esac
    echo "$verdict $syn:$seed (check: $status)"
    if [ "$verdict" = undecided ]; then
        grep -m1 undecided "$SCRATCH/mr" | sed 's/^/    /'
    else
        [ "$verdict" = error ] && grep '^error' "$SCRATCH/mr" | sed 's/^/    /'
        paste -d' ' "$SCRATCH/kernel" "$SCRATCH/mr" |
            awk '($2 == "open") != ($4 == "open") { print "    port " $1 ": kernel " $2 ", migready " $4 }' |
            head -3
        [ -z "${FWDIFF_SHOW:-}" ] || sed 's/^/    | /' "$f"
    fi
}

start=$(date +%s)
if [ -n "${FWDIFF_SEEDS:-}" ]; then
    for s in $FWDIFF_SEEDS; do one "${s%%:*}" "${s#*:}"; done
else
    i=0
    while [ "$i" -lt "$N" ]; do
        one ipt $((SEED + i))
        one nft $((SEED + i))
        i=$((i + 1))
    done
fi
secs=$(($(date +%s) - start))

echo "rule sets: $sets in ${secs}s (kernel refused $refused)"
echo "agree $agree, false ready $false_ready, false fail $false_fail, error $errors, undecided $undecided"
[ "$refused" = 0 ] || { echo "FAIL: the generator wrote rule sets the kernel refused" >&2; bad=1; }
[ $((false_ready + false_fail + errors)) = 0 ] || bad=1
[ $((undecided * 50)) -le "$sets" ] || { echo "FAIL: more than 2% undecided" >&2; bad=1; }
exit $bad

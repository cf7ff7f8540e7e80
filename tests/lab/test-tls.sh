#!/usr/bin/env bash
# tests/lab/test-tls.sh - the TLS transport against the lab's real libvirtds
# (tests/lab/lab up --transport tls: a certtool PKI, libvirtd with
# listen_tls = 1, nova.conf live_migration_scheme = tls, profile tls), run
# inside hv1 towards hv2. One lab; hv2's certificates are swapped with
# `lab tls-cert hv2 KIND`, which restarts hv2's libvirtd by its recorded PID.
#   as set up: check --peer hv2 is ready (nfs.fstab skipped: the lab's
#              instances folder is a bind mount by design), tls.certs passes
#              with a real handshake; migrate-test passes over qemu+tls://,
#              and with --native-tls (QEMU's own TLS stream)
#   native TLS really used: without hv2's /etc/pki/qemu/ca-cert.pem,
#              --native-tls fails naming tls.certs, plain TLS still passes
#   each --hv2-cert breakage: check --peer hv2 fails in tls.certs with a
#              finding naming hv2 and the reason in words, and migrate-test
#              fails naming tls.certs:
#     expired        "expired on DATE" (DATE read from hv2's certificate)
#     wrong-name     "lacks the name ADDR" (hv2's live_migration_inbound_addr)
#     other-ca       "another CA"
#     no-client-cert "no client certificate" (migrate-test: on the way back)
# libvirt's own log lines on migready's stderr fail any step.
# After every migrate-test: no probe domain, file or QEMU process left.
#
# MIGREADY: the binary under test (absolute path; the lab's hosts share the
# file system, and hv2 runs it for `migready facts`). Exit: 0 passed,
# 1 failed, 77 skipped (not root, or the lab is unavailable here).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/lab
export MIGREADY_LAB_STATE=${MIGREADY_LAB_STATE:-/run/migready-lab-tls-test}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
MIGREADY=${MIGREADY:-$HERE/../../migready}
T0=$(date +%s.%N)
FAILED=0 UP=0
OUT=$(mktemp /tmp/migready-test-tls-XXXXXX)

say() { echo "test-tls: $*"; }
skip() { say "SKIP: $*"; exit 77; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
ok() { echo "ok   $*"; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" = 0 ] || skip "needs root (network, mount and UTS namespaces, libvirtd)"
[ -x "$MIGREADY" ] || skip "no migready binary at $MIGREADY (set MIGREADY)"
command -v jq >/dev/null || skip "jq is not installed (apt-get install jq)"
command -v certtool >/dev/null || skip "certtool is not installed (apt-get install gnutls-bin)"
MIGREADY=$(cd "$(dirname "$MIGREADY")" && pwd)/$(basename "$MIGREADY")

finish() {
    local rc=$?
    trap - EXIT
    rm -f "$OUT" "$OUT.err"
    if [ "$UP" = 1 ]; then
        "$LAB" down --quiet || rc=1
    fi
    [ "$FAILED" = 0 ] || rc=1
    say "total $(since "$T0")s"
    exit "$rc"
}
trap finish EXIT
trap 'exit 1' INT TERM

on() { local h=$1; shift; "$LAB" exec "$h" "$@"; }
j() { jq -r "$1" "$OUT"; }

t=$(date +%s.%N)
rc=0
"$LAB" up --quiet --transport tls || rc=$?
[ "$rc" = 77 ] && skip "the lab is unavailable here (see the message above)"
[ "$rc" = 0 ] || { say "lab up --transport tls failed ($rc)"; exit 1; }
UP=1
say "lab up --transport tls in $(since "$t")s"
for h in hv1 hv2; do
    printf 'remote_migready = %s\n' "$MIGREADY" >>"$("$LAB" path "$h")/etc/migready/migready.conf"
done
"$LAB" exec -u nova hv2 test -x "$MIGREADY" ||
    { say "nova cannot run $MIGREADY (a parent folder not searchable by others?)"; exit 1; }

# leftovers NAME: nothing of a probe may remain on either host.
leftovers() {
    local name=$1 h left="" out
    for h in hv1 hv2; do
        out=$(on "$h" virsh -c qemu:///system list --all --name 2>/dev/null | grep migready-probe || true)
        out+=$(on "$h" sh -c 'ls -A /var/lib/nova/instances /var/lib/libvirt/images 2>/dev/null' |
            grep migready-probe || true)
        [ -z "$out" ] || left+=" $h: $out"
    done
    out=$(grep -las 'guest=migready-prob[e]' /proc/[0-9]*/cmdline || true)
    [ -z "$out" ] || left+=" qemu: $out"
    [ -z "$left" ] || bad "$name: left behind:$left"
}

# libvirt's client log (its warning on every refused certificate) stays out
# of migready's output.
quiet_stderr() {
    if grep -q 'virNet[A-Za-z]*:[0-9]' "$OUT.err"; then
        bad "$1: libvirt's log lines on stderr: $(grep -m2 'virNet' "$OUT.err")"
    fi
}

# check_json ARGS...: `check --peer hv2` in hv1, JSON in $OUT, status in $RC.
check_json() {
    RC=0
    on hv1 "$MIGREADY" check --peer hv2 --format json "$@" >"$OUT" 2>"$OUT.err" || RC=$?
    jq -e .results "$OUT" >/dev/null 2>&1 || { bad "check $*: no JSON (exit $RC): $(cat "$OUT" "$OUT.err")"; return 1; }
    quiet_stderr "check $*"
}
# Every message and remedy of tls.certs: its own and its details'.
tls_text() {
    j '.results[] | select(.id == "tls.certs") | [.message, .remedy, (.details // [] | .[] | .message, .remedy)] | map(select(. != null)) | join("\n")'
}

# mt NAME WANT_RC ARGS...: migrate-test inside hv1 towards hv2, JSON in $OUT.
mt() {
    local name=$1 want=$2 rc=0
    shift 2
    on hv1 "$MIGREADY" migrate-test --peer hv2 --format json "$@" >"$OUT" 2>"$OUT.err" || rc=$?
    if [ "$rc" != "$want" ]; then
        bad "$name: migrate-test exit $rc, want $want: $(cat "$OUT" "$OUT.err")"
        return 1
    fi
    jq -e . "$OUT" >/dev/null 2>&1 || { bad "$name: not JSON: $(cat "$OUT")"; return 1; }
    quiet_stderr "$name"
}

# roundtrip_ok NAME NATIVE: both legs over qemu+tls://, back on hv1.
roundtrip_ok() {
    local name=$1 native=$2
    if [ "$(j '.ok')" != true ] || [ "$(j '.transport')" != tls ] ||
        [ "$(j '.native_tls')" != "$native" ] || [ "$(j '.legs | length')" != 2 ] ||
        [ "$(j '.legs[0].to')" != hv2 ] || [ "$(j '.legs[1].to')" != hv1 ] ||
        [ "$(j '[.legs[] | select(.ok and .bytes > 0 and (.uri | startswith("qemu+tls://")))] | length')" != 2 ]; then
        bad "$name: $(cat "$OUT")"
        return
    fi
    ok "$name: $(j '[.legs[] | "\(.from)->\(.to) via \(.uri) \(.time_ms) ms"] | join("; ")')"
}

# ---- as set up
check_json --skip nfs.fstab
notpass=$(j '[.results[] | select(.status != "pass" and .status != "skip") | "\(.id): \(.status): \(.message)"] | join("; ")')
hs=$(j '.results[] | select(.id == "tls.certs") | [.message, (.details // [] | .[] | .message)] | map(select(test("TLS handshake"))) | .[0] // ""')
if [ "$RC" != 0 ] || [ -n "$notpass" ] || [ "$(j '.results[] | select(.id == "tls.certs") | .status')" != pass ]; then
    bad "as set up: check --peer hv2 exit $RC, not passing: ${notpass:-(tls.certs did not run)}"
elif [[ $hs != *hv2* || $hs != *succeeds* ]]; then
    bad "as set up: no successful handshake with hv2 in tls.certs: $(tls_text)"
else
    ok "as set up: check --peer hv2 is ready; $hs"
fi
if mt "as set up" 0; then roundtrip_ok "migrate-test over TLS" false; fi
leftovers "migrate-test over TLS"
if mt "native TLS" 0 --native-tls; then roundtrip_ok "migrate-test --native-tls" true; fi
leftovers "migrate-test --native-tls"

# QEMU's own TLS is really used: it reads /etc/pki/qemu at each migration.
QCA=$("$LAB" path hv2)/etc/pki/qemu/ca-cert.pem
mv "$QCA" "$QCA.away"
if mt "native TLS, hv2 without QEMU's CA" 1 --native-tls; then
    if [ "$(j '.error.check')" = tls.certs ] && [[ $(j '.error.message') == *ca-cert.pem* ]]; then
        ok "--native-tls without hv2's /etc/pki/qemu/ca-cert.pem: $(j '.error.message') -> tls.certs"
    else
        bad "native TLS without QEMU's CA on hv2: $(cat "$OUT")"
    fi
fi
leftovers "native TLS without QEMU's CA"
if mt "plain TLS, hv2 without QEMU's CA" 0; then roundtrip_ok "migrate-test without --native-tls needs no /etc/pki/qemu" false; fi
mv "$QCA.away" "$QCA"
leftovers "plain TLS without QEMU's CA"

# ---- hv2's certificate breakages
# swap KIND: hv2 gets the KIND certificates, its libvirtd restarted.
swap() {
    local t
    t=$(date +%s.%N)
    "$LAB" tls-cert --quiet hv2 "$1" || { bad "$1: lab tls-cert hv2 $1 failed"; return 1; }
    SWAP_T=$(since "$t")
}
# breakage KIND WORD...: check and migrate-test fail in tls.certs, naming hv2 and each WORD.
breakage() {
    local kind=$1 w text all
    shift
    check_json --only tls.certs || return
    text=$(tls_text)
    if [ "$RC" != 1 ] || [ "$(j '.results[] | select(.id == "tls.certs") | .status')" != fail ]; then
        bad "$kind: check --peer hv2 exit $RC, tls.certs $(j '.results[0].status'): $text"
    else
        for w in hv2 "$@"; do
            [[ $text == *"$w"* ]] || { bad "$kind: '$w' not in tls.certs: $text"; return; }
        done
        ok "$kind (hv2 swapped in ${SWAP_T}s): tls.certs fails: $(grep -F -m1 "$1" <<<"$text")"
    fi
    if mt "$kind" 1; then
        all=$(j '.error | "\(.message) \(.cause) \(.remedy)"')
        if [ "$(j '.error.check')" != tls.certs ] || [[ $all != *hv2* ]]; then
            bad "$kind: migrate-test does not name tls.certs and hv2: $(cat "$OUT")"
        else
            ok "$kind: migrate-test fails at '$(j '.error.step')': $(j '.error.message') -> $(j '.error.check'): $(j '.error.cause')"
        fi
    fi
    leftovers "$kind"
}

# The date as tls.certs writes it ("2021-01-01 00:00 UTC"), from the certificate itself.
cert_date() {
    local na
    na=$(certtool -i --infile "$1" | sed -n 's/^[[:space:]]*Not After: //p' | head -n 1)
    date -u -d "$na" '+%Y-%m-%d %H:%M UTC'
}

if swap expired; then
    breakage expired "expired on $(cert_date "$("$LAB" path hv2)/etc/pki/libvirt/servercert.pem")"
fi
# What Nova's source connects to: hv2's live_migration_inbound_addr.
ADDR2=$(sed -n 's/^live_migration_inbound_addr *= *//p' "$("$LAB" path hv2)/etc/nova/nova.conf")
[ -n "$ADDR2" ] || bad "no live_migration_inbound_addr in hv2's nova.conf"
if swap wrong-name; then breakage wrong-name "lacks the name $ADDR2"; fi
if swap other-ca; then breakage other-ca "another CA"; fi
if swap no-client-cert; then breakage no-client-cert "no client certificate"; fi

swap good
check_json --only tls.certs
[ "$RC" = 0 ] || bad "hv2's good certificates back: tls.certs still fails: $(tls_text)"

[ "$FAILED" = 0 ] || exit 1
say "all passed"

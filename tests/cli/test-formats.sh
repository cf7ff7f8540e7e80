# The formats as their consumers read them: JSON by jq, JUnit by an XML
# schema check, TAP by its grammar.
. "$MR_TESTS/cli/lib.sh"
need jq jq
need xmllint libxml2-utils

root=$(mk_root seed-good)
run_mr 0 check --root "$root" --format json
for key in tool version host root profiles nova ready summary results; do
    [ "$(printf '%s' "$OUT" | jq "has(\"$key\")")" = true ] || fail "JSON lacks $key"
done
[ "$(printf '%s' "$OUT" | jq -r .root)" = "$root" ] || fail "JSON root"
[ "$(printf '%s' "$OUT" | jq '[.results[] | has("id") and has("title") and has("status") and has("message") and has("fixable")] | all')" = true ] ||
    fail "a JSON result lacks a key"
# Paths are as seen from the root, never prefixed by it.
assert_not_contains "$OUT" "\"file\": \"$root"
# The Nova release whose rules applied: none installed, so the newest.
[ "$(printf '%s' "$OUT" | jq -c .nova)" = '{"version":null,"release":"2026.1","source":null}' ] ||
    fail "JSON nova without metadata: $(printf '%s' "$OUT" | jq -c .nova)"
# Debian's package metadata names it; the site key nova_release overrides it.
meta=/usr/lib/python3/dist-packages/nova-24.2.0.egg-info/PKG-INFO
mkdir -p "$(dirname "$root$meta")"
printf 'Metadata-Version: 1.2\nName: nova\nVersion: 24.2.0\n' >"$root$meta"
run_mr 0 check --root "$root" --format json --only nova.vnc-listen
[ "$(printf '%s' "$OUT" | jq -c .nova)" = "{\"version\":\"24.2.0\",\"release\":\"2021.2\",\"source\":\"$meta\"}" ] ||
    fail "JSON nova from metadata: $(printf '%s' "$OUT" | jq -c .nova)"
run_mr 0 check --root "$root" --only nova.vnc-listen
assert_contains "$OUT" "rules of: Nova 2021.2 (Xena, 24.2.0), from $meta"
printf '[site]\nnova_release = 2024.1\n' >"$SCRATCH/site.conf"
run_mr 0 check --root "$root" --config "$SCRATCH/site.conf" --format json --only nova.vnc-listen
[ "$(printf '%s' "$OUT" | jq -c .nova)" = "{\"version\":null,\"release\":\"2024.1\",\"source\":\"$SCRATCH/site.conf\"}" ] ||
    fail "JSON nova from nova_release: $(printf '%s' "$OUT" | jq -c .nova)"
rm -rf "$root/usr"

run_mr 0 check --root "$root" --format junit
printf '%s' "$OUT" >"$SCRATCH/junit.xml"
xmllint --noout --schema "$MR_TESTS/data/junit.xsd" "$SCRATCH/junit.xml" 2>"$SCRATCH/xsd" ||
    { cat "$SCRATCH/xsd" >&2; fail "JUnit output does not validate"; }
n=$(xmllint --xpath 'count(//testcase)' "$SCRATCH/junit.xml")
[ "$n" = "$(printf '%s' "$(run_mr 0 list --format json; printf '%s' "$OUT")" | jq length)" ] ||
    fail "JUnit has $n testcases"

run_mr 0 check --root "$root" --format tap
printf '%s\n' "$OUT" | head -1 | grep -qx 'TAP version 13' || fail "TAP header"
plan=$(printf '%s\n' "$OUT" | sed -n 2p)
count=$(printf '%s\n' "$OUT" | grep -cE '^(not )?ok [0-9]+ - ')
[ "$plan" = "1..$count" ] || fail "TAP plan '$plan' for $count results"
# A failing root: "not ok" lines with a YAML block.
sed -i 's/^listen_tcp *=.*/listen_tcp = 0/' "$root/etc/libvirt/libvirtd.conf"
run_mr 1 check --root "$root" --format tap
assert_contains "$OUT" "not ok"
assert_contains "$OUT" "  ---"
run_mr 1 check --root "$root" --format junit
printf '%s' "$OUT" >"$SCRATCH/junit.xml"
xmllint --noout --schema "$MR_TESTS/data/junit.xsd" "$SCRATCH/junit.xml" 2>"$SCRATCH/xsd" ||
    { cat "$SCRATCH/xsd" >&2; fail "failing JUnit output does not validate"; }
[ "$(xmllint --xpath 'count(//failure)' "$SCRATCH/junit.xml")" = 1 ] || fail "JUnit failure count"
# Control characters from files reach no format as they are. A nova.conf.d
# name holding a newline would otherwise start a forged result line, and an
# escape sequence in a value would drive the terminal.
root=$(mk_root seed-good)
mkdir -p "$root/etc/nova/nova.conf.d"
forged='x
PASS   nova.vnc-listen  forged'
printf '[vnc]\nserver_listen = 192.0.2.99\033[2J\033]0;pwned\007\n' \
    >"$root/etc/nova/nova.conf.d/$forged.conf"
name=$(printf 'c\001\t\033[31m\177')
printf '[libvirt]\nvirt_type = kvm\n' >"$root/etc/nova/nova.conf.d/$name.conf"
# Only the bytes below 0x20 but newline, and 0x7f, are left to count.
controls() {
    LC_ALL=C tr -d '\n\040-\176\200-\377' <"$SCRATCH/out" | wc -c
}
for v in -q "" -v; do
    run_mr 1 check --root "$root" --only 'nova.*' $v
    n=$(controls)
    [ "$n" = 0 ] || fail "text${v:+ $v}: $n control bytes: $(cat -v "$SCRATCH/out")"
    ! grep -q '^PASS *nova.vnc-listen' "$SCRATCH/out" || fail "text${v:+ $v}: a forged PASS line"
    grep -q '^FAIL *nova.vnc-listen' "$SCRATCH/out" || fail "text${v:+ $v}: vnc-listen is not FAIL"
    # Shown escaped, as systemd and git show such names.
    assert_contains "$OUT" 'nova.conf.d/x\nPASS   nova.vnc-listen  forged.conf'
    assert_contains "$OUT" 'server_listen = 192.0.2.99\x1b[2J\x1b]0;pwned\x07'
done
run_mr 1 check --root "$root" --only 'nova.*' --format tap
[ "$(controls)" = 0 ] || fail "TAP: control bytes: $(cat -v "$SCRATCH/out")"
count=$(grep -cE '^(not )?ok [0-9]+ - ' "$SCRATCH/out")
[ "$(sed -n 2p "$SCRATCH/out")" = "1..$count" ] || fail "TAP: plan for $count result lines"
grep -q '^not ok [0-9]* - nova.vnc-listen: ' "$SCRATCH/out" || fail "TAP: vnc-listen not 'not ok'"
run_mr 1 check --root "$root" --only 'nova.*' --format junit
[ "$(controls)" = 0 ] || fail "JUnit: control bytes: $(cat -v "$SCRATCH/out")"
cp "$SCRATCH/out" "$SCRATCH/junit.xml"
xmllint --noout --schema "$MR_TESTS/data/junit.xsd" "$SCRATCH/junit.xml" 2>"$SCRATCH/xsd" ||
    { cat "$SCRATCH/xsd" >&2; fail "JUnit with control characters does not validate"; }
# JSON escapes controls by itself (\u001b; DEL is allowed), and keeps the name as it is.
run_mr 1 check --root "$root" --only 'nova.*' --format json
[ "$(LC_ALL=C tr -d '\n\040-\377' <"$SCRATCH/out" | wc -c)" = 0 ] || fail "JSON: control bytes"
[ "$(field_of nova.vnc-listen file)" = "/etc/nova/nova.conf.d/$forged.conf" ] ||
    fail "JSON: file $(field_of nova.vnc-listen file)"
# Prometheus: node_exporter's textfile collector reads the exposition
# format; promtool checks it when Debian's prometheus package is there, and
# this strict reading always does: names, labels and their escapes, a value,
# HELP and TYPE once and before the samples, no series twice.
prom_lint() {
    LC_ALL=C awk '
    function bad(why) { printf "line %d: %s: %s\n", NR, why, $0; err = 1; exit 1 }
    /^# HELP / {
        if ($0 !~ /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* [^\n]*$/) bad("HELP")
        if (help[$3]++ || seen[$3]) bad("HELP again or after samples"); next
    }
    /^# TYPE / {
        if ($0 !~ /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (gauge|counter|untyped|summary|histogram)$/) bad("TYPE")
        if (type[$3]++ || seen[$3]) bad("TYPE again or after samples"); next
    }
    /^#/ { bad("a comment that is neither HELP nor TYPE") }
    {
        if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*")*\})? [-+]?([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|NaN|[-+]?Inf)$/)
            bad("not a sample")
        name = $0; sub(/[{ ].*/, "", name)
        if (!type[name]) bad("no TYPE before the sample")
        if (name != last && seen[name]) bad("samples of a metric apart")
        seen[name] = 1; last = name
        series = $0; sub(/ [^ ]*$/, "", series)
        if (dup[series]++) bad("series twice")
    }
    END { if (!NR && !err) { print "empty"; exit 1 } }' "$1"
}
root=$(mk_root seed-good)
run_mr 0 check --root "$root" --format prometheus
prom_lint "$SCRATCH/out" || fail "prometheus output is not the exposition format"
if command -v promtool >/dev/null 2>&1; then
    promtool check metrics <"$SCRATCH/out" || fail "promtool check metrics"
fi
# One series per check and status, exactly one of them 1 per check.
n=$(run_mr 0 list --format json; printf '%s' "$OUT" | jq length)
run_mr 0 check --root "$root" --format prometheus
[ "$(grep -c '^migready_check_status{' "$SCRATCH/out")" = $((n * 6)) ] || fail "prometheus: series"
[ "$(grep -c '^migready_check_status{.*} 1$' "$SCRATCH/out")" = "$n" ] || fail "prometheus: ones"
assert_contains "$OUT" 'migready_check_status{check="nova.vnc-listen",status="pass"} 1'
assert_contains "$OUT" 'migready_ready 1'
ts=$(sed -n 's/^migready_run_timestamp_seconds //p' "$SCRATCH/out")
[ "${ts%.*}" -ge $(($(date +%s) - 600)) ] && [ "${ts%.*}" -le "$(date +%s)" ] ||
    fail "prometheus: run timestamp $ts"
grep -q '^migready_run_duration_seconds [0-9]' "$SCRATCH/out" || fail "prometheus: duration"
# A not-ready host: the failing check's series, and --output writes the
# file whole (a temporary file renamed over the old one) for the textfile
# collector, readable by its user, with the exit code of the run.
sed -i 's/^listen_tcp *=.*/listen_tcp = 0/' "$root/etc/libvirt/libvirtd.conf"
mkdir "$SCRATCH/textfile"
echo stale >"$SCRATCH/textfile/migready.prom"
run_mr 1 check --root "$root" --format prometheus --output "$SCRATCH/textfile/migready.prom"
[ -z "$OUT" ] || fail "--output also wrote to standard output"
prom_lint "$SCRATCH/textfile/migready.prom" || fail "--output: not the exposition format"
grep -qx 'migready_check_status{check="libvirt.listen",status="fail"} 1' \
    "$SCRATCH/textfile/migready.prom" || fail "--output: libvirt.listen is not fail"
grep -qx 'migready_ready 0' "$SCRATCH/textfile/migready.prom" || fail "--output: ready"
[ "$(stat -c %a "$SCRATCH/textfile/migready.prom")" = 644 ] || fail "--output: mode"
[ "$(ls -A "$SCRATCH/textfile")" = migready.prom ] || fail "--output left $(ls -A "$SCRATCH/textfile")"
run_mr 2 check --root "$root" --format prometheus --output "$SCRATCH/nowhere/migready.prom"
assert_contains "$ERR" "cannot write '$SCRATCH/nowhere/migready.prom'"
echo "ok"

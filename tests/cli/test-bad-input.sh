# Bad input: a clear message naming the file (and line), exit 2, never a crash.
. "$MR_TESTS/cli/lib.sh"
need jq jq

# nova.conf of binary junk.
root=$(mk_root seed-good)
head -c 65536 /dev/urandom >"$root/etc/nova/nova.conf"
run_mr 2 check --root "$root" --format json
[ "$(status_of nova.vnc-listen)" = error ] || fail "junk nova.conf: vnc-listen $(status_of nova.vnc-listen)"
assert_contains "$(field_of nova.vnc-listen message)" "/etc/nova/nova.conf"
run_mr 2 check --root "$root"
assert_contains "$OUT" "ERROR"

# nova.conf of 50 MB: refused with its size, not read into memory whole.
root=$(mk_root seed-good)
{ cat "$MR_TESTS/roots/seed-good/etc/nova/nova.conf"; head -c $((50 * 1024 * 1024)) /dev/zero | tr '\0' '#'; } \
    >"$root/etc/nova/nova.conf"
run_mr 2 check --root "$root" --format json --only 'nova.*'
assert_contains "$(field_of nova.vnc-listen message)" "too large"

# A line of 1 MB: a value that long is read; nothing crashes.
root=$(mk_root seed-good)
{ printf '[DEFAULT]\nmy_ip = '; head -c $((1024 * 1024)) /dev/zero | tr '\0' 'a'; printf '\n'; } \
    >>"$root/etc/nova/nova.conf"
run_mr 0 check --root "$root" --format json --only 'nova.*'
# ... and 1 MB of junk without "=" is a parse error naming the line.
root=$(mk_root seed-good)
n=$(($(wc -l <"$root/etc/nova/nova.conf") + 1))
{ head -c $((1024 * 1024)) /dev/zero | tr '\0' 'a'; printf '\n'; } >>"$root/etc/nova/nova.conf"
run_mr 2 check --root "$root" --format json --only nova.vnc-listen
assert_contains "$(field_of nova.vnc-listen message)" "/etc/nova/nova.conf:$n"

# A nova.conf that is a FIFO must not hang the run.
root=$(mk_root seed-good)
rm "$root/etc/nova/nova.conf"
mkfifo "$root/etc/nova/nova.conf"
timeout 10 "$MIGREADY" check --root "$root" --only nova.vnc-listen >/dev/null 2>&1 && rc=0 || rc=$?
[ "$rc" = 2 ] || fail "FIFO nova.conf: exit $rc, want 2"

# Billion laughs: 12 levels of four $references (under 300 bytes, 256 MiB if
# expanded). A clear error naming the first value beyond the bound, exit 2,
# and nothing of the value printed.
root=$(mk_root seed-good)
{
    printf '[DEFAULT]\na0 = xxxxxxxxxxxxxxxx\n'
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
        p=$((i - 1))
        printf 'a%d = $a%d$a%d$a%d$a%d\n' "$i" "$p" "$p" "$p" "$p"
    done
    printf 'host = $a12\n'
} >"$root/etc/nova/nova.conf"
[ "$(wc -c <"$root/etc/nova/nova.conf")" -lt 512 ] || fail "laughs file too large"
run_mr 2 check --root "$root" --format json --only 'nova.*'
[ "$(status_of nova.vnc-listen)" = error ] || fail "laughs: vnc-listen $(status_of nova.vnc-listen)"
assert_contains "$(field_of nova.vnc-listen message)" \
    "/etc/nova/nova.conf:9: [DEFAULT] a7 grows beyond 64 KiB through \$references"
run_mr 2 check --root "$root"
assert_contains "$OUT" "a7 grows beyond 64 KiB"
n=$(printf '%s' "$OUT" | wc -c)
[ "$n" -lt 8192 ] || fail "laughs: $n bytes of output"

# A reference loop through two options: an error naming one of them.
root=$(mk_root seed-good)
printf '[DEFAULT]\na = $b\nb = ${a}\n[vnc]\nserver_listen = $a\n' >>"$root/etc/nova/nova.conf"
run_mr 2 check --root "$root" --format json --only 'nova.*'
[ "$(status_of nova.vnc-listen)" = error ] || fail "loop: vnc-listen $(status_of nova.vnc-listen)"
assert_contains "$(field_of nova.vnc-listen message)" "refers to itself through \$references"

# 40,000 sections each referring to my_ip: read (lookups are indexed), a verdict.
root=$(mk_root seed-good)
awk 'BEGIN { for (i = 0; i < 40000; i++) printf "[s%d]\nk = $my_ip\n", i }' \
    >>"$root/etc/nova/nova.conf"
run_mr 0 check --root "$root" --format json --only 'nova.*'
[ "$(status_of nova.vnc-listen)" = pass ] ||
    fail "40000 sections: vnc-listen $(status_of nova.vnc-listen)"

# libvirtd.conf that libvirt's lens rejects.
root=$(mk_root seed-good)
printf 'listen_tcp = 1\nthis is = not "libvirt\n' >>"$root/etc/libvirt/libvirtd.conf"
run_mr 2 check --root "$root" --format json
[ "$(status_of libvirt.listen)" = error ] || fail "junk libvirtd.conf: $(status_of libvirt.listen)"
assert_contains "$(field_of libvirt.listen message)" "/etc/libvirt/libvirtd.conf"

# A site configuration that is not INI: the file and the line.
root=$(mk_root seed-good)
mkdir -p "$root/etc/migready"
printf '[site]\npeers = a\nthis line is junk\n' >"$root/etc/migready/migready.conf"
run_mr 2 check --root "$root"
assert_contains "$ERR" "/etc/migready/migready.conf"
assert_contains "$ERR" "(3)"
[ -z "$OUT" ] || fail "output written despite a bad site configuration"

# A root that is a file, a missing root, an unreadable explicit config.
run_mr 2 check --root "$root/etc/nova/nova.conf"
assert_contains "$ERR" "cannot open root"
run_mr 2 check --root "$SCRATCH/nope"
echo "ok"

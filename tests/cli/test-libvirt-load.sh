# libvirt is loaded on first use (src/virt-dl.c) outside sanitizer builds:
# a live `facts` asks the local libvirt, through the loaded library, and
# reports either its version or why it could not connect; never a crash.
. "$MR_TESTS/cli/lib.sh"
need jq jq

if readelf -d "$MIGREADY" 2>/dev/null | grep -q 'NEEDED.*libvirt'; then
    echo "# libvirt is linked (sanitizer build): the lazy loader is not in this binary"
else
    echo "# libvirt is not linked: it is loaded on first use"
fi
run_mr 0 facts --format json
printf '%s' "$OUT" | jq -e '.tool == "migready"' >/dev/null || fail "facts JSON"
v=$(printf '%s' "$OUT" | jq -r '.libvirt_version // empty')
note=$(printf '%s' "$OUT" | jq -r '[.notes[]? | select(startswith("libvirt:"))] | first // empty')
[ -n "$v" ] || [ -n "$note" ] || fail "neither a libvirt version nor a note why not: $OUT"
echo "ok: ${v:+libvirt $v}${note}"

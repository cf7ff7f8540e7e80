# libvirt is loaded on first use (src/live/virt-dl.c) outside sanitizer builds:
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

# A libvirt that cannot be loaded is an error the checks report, never an
# exit from inside the library code: `check` still prints its report, the
# checks that need libvirt end in `error` naming the library, and the exit
# code is 2 (could not judge). libvirt is hidden by binding /dev/null over
# the file the dynamic loader would open, in a mount namespace of its own.
if readelf -d "$MIGREADY" 2>/dev/null | grep -q 'NEEDED.*libvirt'; then
    echo "# libvirt is linked: the binary cannot run without it, nothing to hide"
    exit 0
fi
need unshare util-linux
lib=$(ldconfig -p 2>/dev/null | awk '$1 == "libvirt.so.0" { print $NF; exit }')
[ -n "$lib" ] || skip "libvirt.so.0 is not installed (apt-get install libvirt0)"
[ "$(id -u)" = 0 ] || skip "hiding libvirt needs root (a mount namespace)"
unshare -m true 2>/dev/null || skip "cannot make a mount namespace here"

# hidden ARGS...: runs migready with libvirt hidden, like run_mr.
hidden() {
    local want=$1 rc=0
    shift
    unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$lib" \
        "$MIGREADY" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
    OUT=$(cat "$SCRATCH/out")
    ERR=$(cat "$SCRATCH/err")
    [ "$rc" -lt 128 ] || fail "migready $* died of signal $((rc - 128)) without libvirt"
    if [ "$rc" != "$want" ]; then
        printf -- '--- stdout\n%s\n--- stderr\n%s\n' "$OUT" "$ERR" >&2
        fail "migready $* exited $rc without libvirt, expected $want"
    fi
}

# The libvirt checks run only with a peer; 127.0.0.1 keeps any traffic on
# this machine (none is sent: the checks stop before fetching peers).
hidden 2 check --only 'libvirt.*' --peer 127.0.0.1 --format json
for id in libvirt.versions libvirt.cpu-compat libvirt.host-uuid; do
    [ "$(status_of "$id")" = error ] || fail "$id is '$(status_of "$id")' without libvirt: $OUT"
    case "$(field_of "$id" message)" in
    "cannot load libvirt.so.0: "*) ;;
    *) fail "$id does not name libvirt.so.0: $OUT" ;;
    esac
done
echo "ok: check without libvirt: exit 2, $(field_of libvirt.versions message)"

# facts still answers, with a note saying why there is no libvirt version.
hidden 0 facts --format json
printf '%s' "$OUT" | jq -e '.libvirt_version == null' >/dev/null || fail "a libvirt version without libvirt"
printf '%s' "$OUT" | jq -e '[.notes[] | select(test("^libvirt: cannot load libvirt.so.0"))] | length == 1' \
    >/dev/null || fail "facts does not say libvirt cannot be loaded: $OUT"
echo "ok: facts without libvirt notes it"

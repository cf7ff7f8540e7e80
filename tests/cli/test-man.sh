# The man pages render without a warning and follow the program: every
# option each command's --help prints is documented under that command in
# migready(8) (help is printed from the option tables that parse), every
# check `list` knows has its entry, and every site key the README documents
# is in migready.conf(5).
. "$MR_TESTS/cli/lib.sh"
need groff groff
need jq jq

# Built in the build tree from doc/*.scd, or shipped in the source tree (a
# tarball built without scdoc).
man_page() {
    local d
    for d in "$(dirname "$MIGREADY")/doc" "$MR_TESTS/../doc"; do
        [ -f "$d/$1" ] && { echo "$d/$1"; return; }
    done
    fail "$1 is not built"
}
man8=$(man_page migready.8)
man5=$(man_page migready.conf.5)

for page in "$man8" "$man5"; do
    LC_ALL=C.UTF-8 groff -man -ww -z "$page" 2>"$SCRATCH/warn" || fail "groff $page"
    [ ! -s "$SCRATCH/warn" ] || fail "groff warns on $page: $(cat "$SCRATCH/warn")"
    if command -v man >/dev/null 2>&1; then
        LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >/dev/null 2>"$SCRATCH/warn" ||
            fail "man -l $page"
        [ ! -s "$SCRATCH/warn" ] || fail "man warns on $page: $(cat "$SCRATCH/warn")"
    fi
done

# The roff without font changes, one .SS subsection of migready(8) by title.
plain() {
    sed 's/\\f[BIRP]//g; s/\\-/-/g; s/\\&//g' "$1"
}
subsection() {
    plain "$man8" | awk -v t="$1" '/^\.S[HS] / { on = (substr($0, 5) == t); next } on'
}

# A heading of `migready CMD --help` and the subsection that documents it.
section_for() {
    case $2 in
    Options:) echo "Options of $1" ;;
    "Common options:") echo "Common options (check, fix, facts)" ;;
    "Other options:") echo "Other options (every command)" ;;
    *) fail "unknown heading '$2' in migready $1 --help" ;;
    esac
}

commands=$("$MIGREADY" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$commands" ] || fail "no commands in migready --help"
checked=0
for cmd in $commands; do
    plain "$man8" | grep -q "^\.SS Options of $cmd\$" || fail "migready(8) has no 'Options of $cmd'"
    run_mr 0 "$cmd" --help
    heading=""
    while IFS= read -r line; do
        case $line in
        *options:|Options:) heading=$line; continue ;;
        esac
        opts=$(printf '%s\n' "$line" | sed -n 's/^ *\(-[a-zA-Z]\), \(--[a-z0-9-]*\).*/\1 \2/p
            t
            s/^ *\(--[a-z0-9-]*\).*/\1/p')
        [ -n "$opts" ] || continue
        title=$(section_for "$cmd" "$heading")
        for o in $opts; do
            # An entry starts a line: "--root DIR", "-q, --quiet".
            subsection "$title" | grep -qE -e "^(-[a-zA-Z], )?$o( |,|\$)" ||
                fail "migready(8) lacks $o of '$cmd' under '$title'"
            checked=$((checked + 1))
        done
    done <"$SCRATCH/out"
done
[ "$checked" -gt 20 ] || fail "only $checked options found in the help"

run_mr 0 list --format json
ids=$(printf '%s' "$OUT" | jq -r '.[].id')
[ -n "$ids" ] || fail "no check IDs"
for id in $ids; do
    subsection CHECKS | grep -qx "$id" || fail "migready(8) has no entry for check $id"
done

# The README's site keys: the [site] example and the bulleted keys of its
# "Site configuration" section.
readme=$MR_TESTS/../README.md
keys=$(sed -n '/^### Site configuration/,/^##/p' "$readme" | {
    sed -n 's/^\([a-z_][a-z_]*\) = .*/\1/p
        s/^- \(`[a-z_]*`\(, `[a-z_]*`\)*\):.*/\1/p'
} | tr -d '`,' | tr ' ' '\n' | sort -u)
[ "$(printf '%s\n' "$keys" | wc -l)" -ge 14 ] || fail "README site keys: $keys"
for k in $keys; do
    # An entry of KEYS starts a line: "nova_uid, nova_gid".
    plain "$man5" | awk '/^\.SH KEYS/,/^\.SH FILES/' | grep -qE "^([a-z_]+, )*$k(,|\$)" ||
        fail "migready.conf(5) does not document the site key $k under KEYS"
done
# The packages' /etc/migready/migready.conf names every key, commented out.
conf=$MR_TESTS/../packaging/migready.conf
for k in $keys; do
    grep -q "^#$k = " "$conf" || fail "packaging/migready.conf lacks '#$k = '"
done
! grep -q '^[a-z_]* *=' "$conf" || fail "packaging/migready.conf sets a key"
echo "ok: $checked options, $(printf '%s\n' $ids | wc -l) checks, $(printf '%s\n' $keys | wc -l) keys"

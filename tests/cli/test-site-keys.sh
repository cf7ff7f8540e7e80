# Every site key the sources read, and every one a message names, is
# documented in README.md's "Site configuration" section as `key`: a message
# that says "set nova_uid in [site]" sends the reader there.
. "$MR_TESTS/cli/lib.sh"

TOP=$(cd "$MR_TESTS/.." && pwd)
SRC=$(ls "$TOP"/src/*/*.c "$TOP"/checks/*.c "$TOP"/fixers/*.c)

# Read: the string literals on the lines that ask the site configuration.
# shellcheck disable=SC2086
grep -hE 'mr_ctx_site(_id)?\(|[^_a-z]site_id\(|compare_site\(' $SRC |
    grep -oE '"[a-z][a-z0-9_]*"' | tr -d '"' >"$SCRATCH/keys"
# Named: the words messages put next to "[site]" or "the site configuration".
# shellcheck disable=SC2086
cat $SRC | grep -oE '(set|correct) [a-z][a-z0-9_]*( and [a-z][a-z0-9_]*)? in \[site\]|[a-z][a-z0-9_]* (=  *)?(in|of) the site configuration|site configuration (says|sets no) [a-z][a-z0-9_]*( and [a-z][a-z0-9_]*)?' |
    tr ' ' '\n' | grep -vxE 'set|correct|and|in|of|the|site|configuration|says|sets|no|=|\[site\]|' \
    >>"$SCRATCH/keys"
sort -u "$SCRATCH/keys" -o "$SCRATCH/keys"

# The extraction itself must work: these keys are read and named today.
for k in nova_uid nova_gid peers nfs_server instances_path migration_port_min; do
    grep -qx "$k" "$SCRATCH/keys" || fail "the key extraction missed $k: $(tr '\n' ' ' <"$SCRATCH/keys")"
done

sed -n '/^### Site configuration/,/^### [^S]/p' "$TOP/README.md" >"$SCRATCH/section"
[ -s "$SCRATCH/section" ] || fail "README.md has no Site configuration section"
missing=""
while read -r k; do
    grep -qF "\`$k\`" "$SCRATCH/section" || missing="$missing $k"
done <"$SCRATCH/keys"
[ -z "$missing" ] || fail "site keys not documented in README.md's Site configuration:$missing"
echo "ok: $(wc -l <"$SCRATCH/keys") site keys documented: $(tr '\n' ' ' <"$SCRATCH/keys")"

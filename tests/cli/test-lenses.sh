# Our Augeas lenses pass their augparse tests (with type checking).
. "$MR_TESTS/cli/lib.sh"
need augparse augeas-tools
lenses="$MR_TESTS/../fixers/lenses"
for t in "$lenses"/tests/test_*.aug; do
    augparse -I "$lenses" "$t" || fail "augparse $t"
    echo "ok $(basename "$t")"
done

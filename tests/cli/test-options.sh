# Each command's own options: its help comes from its table, what the help
# shows the parser takes, and an error quotes the word typed.
. "$MR_TESTS/cli/lib.sh"
need jq jq

# usage_err CMD WORD ARGS...: exit 2, one line naming WORD in git's style
# (lower case, no full stop), then where to look.
usage_err() {
    local cmd=$1 word=$2 first
    shift 2
    run_mr 2 "$cmd" "$@"
    first=$(printf '%s\n' "$ERR" | head -n 1)
    assert_contains "$first" "'$word'"
    case "$first" in
    "migready: $cmd: "[a-z\'-]*) ;;
    *) fail "not 'migready: $cmd: ' and a lower-case message: $first" ;;
    esac
    case "$first" in *.) fail "a full stop ends: $first" ;; esac
    [ "$(printf '%s\n' "$ERR" | sed -n 2p)" = "Try 'migready $cmd --help'." ] ||
        fail "no pointer to 'migready $cmd --help' in: $ERR"
    [ "$(printf '%s\n' "$ERR" | wc -l)" = 2 ] || fail "more than two lines: $ERR"
}

# The acceptance of issue 9.
usage_err list --root --root=/tmp
assert_contains "$ERR" "not of list"
usage_err list --root --root /tmp
usage_err facts no.such-check --skip no.such-check
usage_err facts no.such-check --only no.such-check
run_mr 0 fix --help
assert_contains "$OUT" "--dry-run"
assert_not_contains "$OUT" "--transport"
run_mr 0 check --help
assert_contains "$OUT" "--strict"
assert_not_contains "$OUT" "--dry-run"

# Bad values and missing ones, in both forms.
usage_err check yaml --format yaml
usage_err check yaml --format=yaml
usage_err facts text --format text
usage_err migrate-test x --peer h --timeout x
usage_err migrate-test 0 --peer h --timeout=0
usage_err migrate-test udp --peer h --transport udp
usage_err check --root --root
usage_err check --strict --strict=yes
usage_err check --bogus --bogus=1
usage_err check -x -qx
usage_err check extra --root / extra
usage_err migrate-test -a --peer=-a
usage_err fix --peer --peer h

# Every command the top-level help lists answers --help and -h with exit 0,
# and every option its help shows is one its parser takes: an option with a
# value, given none, says it needs one; one without, given a value, says it
# takes none. Neither is "unknown".
run_mr 0 --help
cmds=$(printf '%s\n' "$OUT" | sed -n '/^Commands:/,/^$/p' |
    awk 'NF && $1 != "Commands:" {print $1}')
[ "$(printf '%s\n' "$cmds" | wc -l)" -ge 5 ] || fail "--help lists too few commands: $cmds"
n=0
for c in $cmds; do
    run_mr 0 "$c" -h
    short_help=$OUT
    run_mr 0 "$c" --help
    [ "$OUT" = "$short_help" ] || fail "$c: -h and --help differ"
    assert_contains "$OUT" "Usage: migready $c"
    # "  -q, --quiet   help", "      --root DIR   help", "      --format a|b" (help below).
    printf '%s\n' "$OUT" | sed -nE 's/^  (-(.), |    )(--[a-z-]+)( ([^ ]+))?(  .*)?$/\3;\2;\5/p' \
        >"$SCRATCH/opts"
    [ -s "$SCRATCH/opts" ] || fail "$c --help shows no option"
    while IFS=';' read -r name short arg; do
        if [ -n "$arg" ]; then
            usage_err "$c" "$name" "$name"
            assert_contains "$ERR" "needs a value"
        else
            usage_err "$c" "$name" "$name=x"
            assert_contains "$ERR" "takes no value"
        fi
        if [ -n "$short" ]; then
            # The short form is known too: what fails is the word after it.
            "$MIGREADY" "$c" "-$short" --no-such-option >/dev/null 2>"$SCRATCH/err" || true
            assert_not_contains "$(cat "$SCRATCH/err")" "'-$short'"
        fi
        n=$((n + 1))
    done <"$SCRATCH/opts"
done
[ "$n" -ge 30 ] || fail "only $n options probed"

# --opt=value and --opt value are the same run; so is a unique prefix.
root=$(mk_root seed-good)
run_mr 0 check --root="$root" --format=json --skip=nova.cpu-mode
a=$(statuses)
run_mr 0 check --root "$root" --format json --skip nova.cpu-mode
[ "$a" = "$(statuses)" ] || fail "--opt=value and --opt value differ"
run_mr 0 check --ro "$root" --form json --sk nova.cpu-mode
[ "$a" = "$(statuses)" ] || fail "a unique prefix is not its option"
# facts takes a valid --skip, as check does.
run_mr 0 facts --root "$root" --skip nova.cpu-mode
printf '%s' "$OUT" | jq -e . >/dev/null || fail "facts --skip printed no JSON"

# help COMMAND is COMMAND --help; an unknown one is a usage error.
run_mr 0 list --help
want=$OUT
run_mr 0 help list
[ "$OUT" = "$want" ] || fail "'help list' is not 'list --help'"
run_mr 2 help frobnicate
assert_contains "$ERR" "unknown command 'frobnicate'"
echo "ok"

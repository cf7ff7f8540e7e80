# No password or transport URL from nova.conf appears in any output format.
. "$MR_TESTS/cli/lib.sh"
need jq jq

root=$(mk_root seed-good)
cat >>"$root/etc/nova/nova.conf" <<'CONF'
[DEFAULT]
transport_url = rabbit://nova:S3CRET-MQ@mq.example.org:5672/
[database]
connection = mysql+pymysql://nova:S3CRET-DB@db.example.org/nova
[keystone_authtoken]
password = S3CRET-KS
[libvirt]
live_migration_uri = qemu+tcp://admin:S3CRET-URI@%s/system
CONF
for fmt in text json junit tap prometheus; do
    rc=0
    "$MIGREADY" check --root "$root" -v --format "$fmt" >"$SCRATCH/out" 2>&1 || rc=$?
    [ "$rc" -lt 2 ] || { cat "$SCRATCH/out"; fail "$fmt: exit $rc"; }
    if grep -n 'S3CRET' "$SCRATCH/out"; then
        fail "a secret appears in the $fmt output"
    fi
done
# Nor in facts, which peers fetch, nor in fix's diff and plan.
rc=0
"$MIGREADY" facts --root "$root" --format json >"$SCRATCH/out" 2>&1 || rc=$?
[ "$rc" -lt 2 ] || { cat "$SCRATCH/out"; fail "facts: exit $rc"; }
if grep -n 'S3CRET' "$SCRATCH/out"; then
    fail "a secret appears in facts"
fi
rc=0
"$MIGREADY" fix --root "$root" --dry-run -v >"$SCRATCH/out" 2>&1 || rc=$?
[ "$rc" -lt 2 ] || { cat "$SCRATCH/out"; fail "fix --dry-run: exit $rc"; }
if grep -n 'S3CRET' "$SCRATCH/out"; then
    fail "a secret appears in fix's output"
fi
# A line that cannot be parsed is named by number, never echoed.
printf '[DEFAULT]\npassword S3CRET-BAD\n' >>"$root/etc/nova/nova.conf"
for fmt in text json junit tap; do
    rc=0
    "$MIGREADY" check --root "$root" -v --format "$fmt" >"$SCRATCH/out" 2>&1 || rc=$?
    [ "$rc" = 2 ] || { cat "$SCRATCH/out"; fail "$fmt: exit $rc, want 2"; }
    if grep -n 'S3CRET' "$SCRATCH/out"; then
        fail "a secret from an unparsable line appears in the $fmt output"
    fi
done
echo "ok"

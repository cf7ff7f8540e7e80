# migready fix on the host-level checks (hosts.resolution, nfs.exports,
# nfs.fstab, ssh.keys, firewall.ports, ids.nova), on
# copies of fixture roots: Debian's 127.0.1.1 /etc/hosts, an exports line
# with root_squash, no fstab entry for the instances, a rules.v4 that
# rejects 16509, no key pair, an nftables.conf that rejects 16509. The
# changed files equal tests/roots/SCENARIO.expected byte for byte (comments
# and unrelated lines included), generated keys are checked by content and
# mode, a second fix changes no byte and --dry-run changes nothing.
. "$MR_TESTS/cli/lib.sh"
need jq jq
need ssh-keygen openssh-client

# expected SCENARIO ROOT BEFORE [GENERATED...]: every expected file byte for
# byte; every other file as before, except the GENERATED ones.
expected() {
    local s=$1 r=$2 before=$3 f
    shift 3
    (cd "$MR_TESTS/roots/$s.expected" && find . -type f) | while read -r f; do
        cmp "$MR_TESTS/roots/$s.expected/$f" "$r/$f" || {
            diff -u "$MR_TESTS/roots/$s.expected/$f" "$r/$f" >&2
            fail "$s: $f differs from the expected file"
        }
    done
    (cd "$r" && find . -path ./var/lib/migready -prune -o -type f -print) | while read -r f; do
        [ -f "$MR_TESTS/roots/$s.expected/$f" ] && continue
        case " $* " in *" ${f#.} "*) continue ;; esac
        cmp -s "$SCRATCH/snap-$before/$f" "$r/$f" || fail "$s: $f changed but no expected file says so"
    done
}

only='hosts.resolution,nfs.*,ssh.keys,firewall.ports'
profiles='--profile shared-nfs --profile nfs-server'
ssh=/var/lib/nova/.ssh

# --dry-run: the diffs, "generate key pair" instead of a private key, no byte changed.
r=$(mk_root fix-host)
snapshot "$r" dry
# shellcheck disable=SC2086
run_mr 1 fix --root "$r" --only "$only" $profiles --dry-run
assert_contains "$OUT" "-127.0.1.1	compute-1.example.org	compute-1"
assert_contains "$OUT" "+192.0.2.11	compute-1.example.org	compute-1"
assert_contains "$OUT" "+/var/lib/nova/instances 192.0.2.0/24(rw,sync,no_subtree_check,no_root_squash)"
assert_contains "$OUT" "+nfs-server.example.org:/var/lib/nova/instances	/var/lib/nova/instances	nfs4	defaults	0 0"
assert_contains "$OUT" "+-A INPUT -s 192.0.2.12/32,192.0.2.13/32 -p tcp -m tcp --dport 16509 -j ACCEPT"
assert_contains "$OUT" "install -d -m 0700 -o 162 -g 162 $ssh"
assert_contains "$OUT" "generate key pair $ssh/id_ed25519"
assert_not_contains "$OUT" "PRIVATE KEY"
unchanged "$r" dry
[ ! -e "$r/var/lib/migready" ] || fail "--dry-run made a backup"
echo "ok dry run"

# fix: the expected files, the keys, the check passes, a second fix changes nothing.
snapshot "$r" before
# shellcheck disable=SC2086
run_mr 0 fix --root "$r" --only "$only" $profiles --yes --format json
for id in hosts.resolution nfs.exports nfs.fstab ssh.keys firewall.ports; do
    [ "$(status_of "$id")" = fixed ] || fail "$id is $(status_of "$id") after fix"
done
expected fix-host "$r" before "$ssh/id_ed25519" "$ssh/id_ed25519.pub" "$ssh/authorized_keys"
[ "$(stat -c '%u:%g %a' "$r$ssh")" = "162:162 700" ] || fail ".ssh: $(stat -c '%u:%g %a' "$r$ssh")"
[ "$(stat -c '%u:%g %a' "$r$ssh/id_ed25519")" = "162:162 600" ] || fail "private key mode"
[ "$(stat -c '%u:%g %a' "$r$ssh/id_ed25519.pub")" = "162:162 644" ] || fail "public key mode"
[ "$(stat -c '%u:%g %a' "$r$ssh/authorized_keys")" = "162:162 600" ] || fail "authorized_keys mode"
ssh-keygen -y -f "$r$ssh/id_ed25519" >"$SCRATCH/derived" || fail "the private key does not load"
[ "$(cut -d' ' -f1,2 "$SCRATCH/derived")" = "$(cut -d' ' -f1,2 "$r$ssh/id_ed25519.pub")" ] ||
    fail "the public key is not the private key's"
grep -q ' nova@compute-1$' "$r$ssh/id_ed25519.pub" || fail "the key's comment is not nova@compute-1"
[ "$(sed -n 1p "$r$ssh/authorized_keys")" = "$(cat "$r$ssh/id_ed25519.pub")" ] ||
    fail "authorized_keys lacks the own key"
sed -n 2p "$r$ssh/authorized_keys" | grep -q 'AAAAIFH7OJb1E3PcaAmpcSx0f9lDLUsJCjpS9A+VgG1/1ScI nova@compute-2$' ||
    fail "authorized_keys lacks the site's key"
# shellcheck disable=SC2086
run_mr 0 check --root "$r" --only "$only" $profiles --format json
snapshot "$r" after
# shellcheck disable=SC2086
run_mr 0 fix --root "$r" --only "$only" $profiles --yes
unchanged "$r" after
echo "ok fix-host"

# Debian's own /etc/hosts (127.0.1.1), the address from the site configuration.
printf '[site]\naddress = 192.0.2.11\n' >"$SCRATCH/site.conf"
r=$(mk_root hosts-debian)
snapshot "$r" deb
run_mr 0 fix --root "$r" --config "$SCRATCH/site.conf" --only hosts.resolution --yes --format json
[ "$(status_of hosts.resolution)" = fixed ] || fail "hosts-debian: $(status_of hosts.resolution)"
diff -u "$SCRATCH/snap-deb/etc/hosts" "$r/etc/hosts" >"$SCRATCH/d" || true
[ "$(grep -c '^[-+][^-+]' "$SCRATCH/d")" = 2 ] || { cat "$SCRATCH/d" >&2; fail "hosts-debian: more than line 2 changed"; }
grep -q '^+192.0.2.11	compute-1.example.org	compute-1$' "$SCRATCH/d" || fail "hosts-debian: no new line 2"
snapshot "$r" deb-after
run_mr 0 fix --root "$r" --config "$SCRATCH/site.conf" --only hosts.resolution --yes
unchanged "$r" deb-after
# Without an address nothing is changed: the name would stop resolving.
r=$(mk_root hosts-debian)
snapshot "$r" deb-noaddr
run_mr 1 fix --root "$r" --only hosts.resolution --yes
unchanged "$r" deb-noaddr
echo "ok hosts-debian"

# nftables: the accept rule right before the rule that rejects 16509;
# ids.nova: under --root nova is renumbered (tests/cli/test-fix-ids.sh has
# the details); the commands are printed only where it cannot be.
r=$(mk_root fix-nft)
snapshot "$r" nft
run_mr 0 fix --root "$r" --only firewall.ports,ids.nova --yes --format json
[ "$(status_of firewall.ports)" = fixed ] || fail "nft: $(status_of firewall.ports)"
[ "$(status_of ids.nova)" = fixed ] || fail "ids.nova: $(status_of ids.nova)"
expected fix-nft "$r" nft /etc/passwd /etc/group
grep -q '^nova:x:170:170:' "$r/etc/passwd" || fail "ids.nova: $(grep '^nova:' "$r/etc/passwd")"
run_mr 0 fix --root "$r" --only ids.nova --yes
assert_not_contains "$OUT" "run by hand"
sed -i '/^nova:/d' "$r/etc/group"
run_mr 1 fix --root "$r" --only ids.nova --yes
assert_contains "$OUT" "ids.nova is not fixed automatically; run by hand:"
assert_contains "$OUT" "    groupadd --system -g 170 nova"
assert_contains "$OUT" "FAIL   ids.nova"
snapshot "$r" nft-after
run_mr 0 fix --root "$r" --only firewall.ports --yes
unchanged "$r" nft-after
echo "ok nftables and ids.nova"

# A hard link inside the root to a file outside it (made in the scratch
# folder, on the same file system): authorized_keys, 0644 and root's, which
# ssh.keys would chmod, chown and add keys to. Refused as a symbolic link is,
# naming the file; the outside file keeps its mode, owner and content.
r=$(mk_root fix-host)
outside="$SCRATCH/outside-keys"
printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOutsideOutsideOutsideOutsideOutsideOutside0 out@side\n' >"$outside"
chown 0:0 "$outside" 2>/dev/null || true
chmod 0644 "$outside"
mkdir -p "$r$ssh"
chown 162:162 "$r$ssh" 2>/dev/null || true
chmod 0700 "$r$ssh"
ln "$outside" "$r$ssh/authorized_keys"
before=$(stat -c '%u:%g %a %h' "$outside")
cp "$outside" "$SCRATCH/outside-before"
snapshot "$r" hardlink
# shellcheck disable=SC2086
run_mr 2 fix --root "$r" --only ssh.keys $profiles --yes --format json
[ "$(status_of ssh.keys)" = error ] || fail "hard link: ssh.keys is $(status_of ssh.keys)"
msg=$(field_of ssh.keys message)
assert_contains "$msg" "refusing to change $ssh/authorized_keys"
assert_contains "$msg" "hard links"
[ "$(stat -c '%u:%g %a %h' "$outside")" = "$before" ] ||
    fail "hard link: the outside file went from $before to $(stat -c '%u:%g %a %h' "$outside")"
cmp "$outside" "$SCRATCH/outside-before" || fail "hard link: the outside file's content changed"
unchanged "$r" hardlink
echo "ok hard link refused"

# hosts.resolution, ids.nova and ssh.keys on copies of the seed root: each
# misconfiguration changes exactly its check, with file, line and remedy;
# bad input gives a clear message, never a crash. Nothing here asks DNS:
# under --root only the files of the root are read.
. "$MR_TESTS/cli/lib.sh"
need jq jq

# run_any ARGS...: runs migready, accepting exit 0 or 1 (the seed root's
# other checks are not this test's business).
run_any() {
    local rc=0
    "$MIGREADY" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err" || rc=$?
    OUT=$(cat "$SCRATCH/out")
    ERR=$(cat "$SCRATCH/err")
    [ "$rc" -lt 128 ] || fail "migready $* died of signal $((rc - 128))"
    [ "$rc" = 0 ] || [ "$rc" = 1 ] || { cat "$SCRATCH/err" >&2; fail "migready $* exited $rc"; }
}

site='[site]
nova_uid = 162
nova_gid = 162
'
base=$(mk_root seed-good)
mkdir -p "$base/etc/migready" && printf '%s' "$site" >"$base/etc/migready/migready.conf"
run_any check --root "$base" --format json
for id in hosts.resolution ssh.keys ids.nova; do
    [ "$(status_of $id)" = pass ] || fail "seed root: $id is $(status_of $id): $(field_of $id message)"
done
ref=$(statuses)

fresh() {
    root=$(mk_root seed-good)
    mkdir -p "$root/etc/migready" && printf '%s' "$site" >"$root/etc/migready/migready.conf"
}

# flip NAME CHECK STATUS FILE LINE: only CHECK changed from the seed root,
# to STATUS, at FILE (and LINE when not empty), with a remedy.
flip() {
    local name=$1 id=$2 want=$3 file=$4 line=$5
    run_any check --root "$root" --format json
    [ "$(status_of "$id")" = "$want" ] || fail "$name: $id is $(status_of "$id"), want $want"
    [ "$(field_of "$id" file)" = "$file" ] || fail "$name: $id file is '$(field_of "$id" file)'"
    [ "$(field_of "$id" line)" = "$line" ] || fail "$name: $id line is '$(field_of "$id" line)'"
    [ -n "$(field_of "$id" remedy)" ] || fail "$name: $id has no remedy"
    local changed
    changed=$(diff <(printf '%s\n' "$ref") <(statuses) | grep '^>' | cut -d' ' -f2 || true)
    [ "$changed" = "$id" ] || fail "$name: changed checks are '$changed', want only $id"
    echo "ok $name: $(field_of "$id" message) -> $(field_of "$id" remedy)"
}

# Debian's installer: 127.0.1.1 for the host's name.
fresh
cp "$MR_TESTS/roots/hosts-debian/etc/hosts" "$root/etc/hosts"
flip debian-127.0.1.1 hosts.resolution fail /etc/hosts 2
assert_contains "$(field_of hosts.resolution remedy)" "192.0.2.11 compute-1.example.org compute-1"
run_any check --root "$root"
assert_contains "$OUT" "FAIL   hosts.resolution"

# nova created with UID 163 (and its files with it) where the site says 162.
fresh
sed -i 's/^nova:x:162:/nova:x:163:/' "$root/etc/passwd"
chown -R 163 "$root/var/lib/nova"
flip nova-uid-163 ids.nova fail /etc/passwd 3
assert_contains "$(field_of ids.nova remedy)" "usermod -u 162 nova && find / -xdev -uid 163 -exec chown -h 162 {} +"

# ~nova/.ssh readable by others: a warning (sshd still accepts it).
fresh
chmod 0755 "$root/var/lib/nova/.ssh"
flip ssh-dir-0755 ssh.keys warn /var/lib/nova/.ssh ""
assert_contains "$(field_of ssh.keys remedy)" "chmod 0700 /var/lib/nova/.ssh"

# The private key readable by everyone: ssh refuses it.
fresh
chmod 0644 "$root/var/lib/nova/.ssh/id_ed25519"
flip private-key-0644 ssh.keys fail /var/lib/nova/.ssh/id_ed25519 ""
assert_contains "$(field_of ssh.keys message)" "UNPROTECTED PRIVATE KEY FILE"

# A junk line in authorized_keys.
fresh
printf 'ssh-ed25519 AAAA this-is-not-a-key\n' >>"$root/var/lib/nova/.ssh/authorized_keys"
flip junk-authorized-key ssh.keys fail /var/lib/nova/.ssh/authorized_keys 2

# Bad input: a binary /etc/hosts is an error naming the file and the line.
fresh
{ printf '127.0.0.1 localhost\n'; head -c 4096 /dev/urandom; } >"$root/etc/hosts"
run_mr 2 check --root "$root" --format json --only hosts.resolution
[ "$(status_of hosts.resolution)" = error ] || fail "binary hosts: $(status_of hosts.resolution)"
assert_contains "$(field_of hosts.resolution message)" "/etc/hosts is not a text file"
[ "$(field_of hosts.resolution file)" = /etc/hosts ] || fail "binary hosts: no file"

# A truncated passwd line: named with its line, no crash.
fresh
sed -i 's/^nova:.*/nova:x:16/' "$root/etc/passwd"
run_mr 1 check --root "$root" --format json --only ids.nova
assert_contains "$(field_of ids.nova message)" "/etc/passwd:3 is truncated"
run_mr 1 check --root "$root" --format json --only ssh.keys
assert_contains "$(field_of ssh.keys message)" "/etc/passwd"

# An authorized_keys of random bytes: each bad line is named, nothing crashes.
fresh
head -c 65536 /dev/urandom >"$root/var/lib/nova/.ssh/authorized_keys"
run_mr 1 check --root "$root" --format json --only ssh.keys
assert_contains "$(field_of ssh.keys message)" "/var/lib/nova/.ssh/authorized_keys:"
echo "ok"

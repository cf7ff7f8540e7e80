# A root set up as the guides describe is ready; each single
# misconfiguration flips exactly its check, with file, line and remedy.
. "$MR_TESTS/cli/lib.sh"
need jq jq

base=$(mk_root seed-good)
run_mr 0 check --root "$base" --format json
[ "$(printf '%s' "$OUT" | jq .ready)" = true ] || fail "seed root is not ready"
[ "$(status_of libvirt.auth)" = warn ] || fail "libvirt.auth is $(status_of libvirt.auth), want warn"
[ "$(printf '%s' "$OUT" | jq '.summary.fail + .summary.error')" = 0 ] || fail "seed root has fail/error"
baseline=$(statuses)

# flip NAME CHECK FILE [migready args...]: runs check on the root in $root
# and asserts that only CHECK changed from the baseline, to fail, pointing
# at FILE with a line and a remedy.
flip() {
    local name=$1 id=$2 file=$3
    shift 3
    run_mr 1 check --root "$root" --format json "$@"
    [ "$(status_of "$id")" = fail ] || fail "$name: $id is $(status_of "$id"), want fail"
    [ "$(field_of "$id" file)" = "$file" ] || fail "$name: $id file is '$(field_of "$id" file)'"
    if [ "${NO_LINE:-}" != 1 ]; then
        [ -n "$(field_of "$id" line)" ] || fail "$name: $id has no line"
    fi
    [ -n "$(field_of "$id" remedy)" ] || fail "$name: $id has no remedy"
    local changed
    changed=$(diff <(printf '%s\n' "$ref") <(statuses) | grep '^>' | cut -d' ' -f2 || true)
    [ "$changed" = "$id" ] || fail "$name: changed checks are '$changed', want only $id"
    echo "ok $name: $(field_of "$id" message)"
}

ref=$baseline
# The VNC server on the host's own address (my_ip), as kolla-ansible and
# OpenStack-Ansible set it: current Nova gives each destination's own
# address to the instance, so nothing changes.
root=$(mk_root seed-good)
sed -i 's/^server_listen *=.*/server_listen = 192.0.2.11/' "$root/etc/nova/nova.conf"
grep -q '^server_listen = 192.0.2.11' "$root/etc/nova/nova.conf" || fail "fixture edit"
run_mr 0 check --root "$root" --format json
[ "$(statuses)" = "$baseline" ] || fail "vnc-own-address changed a status"
echo "ok vnc-own-address: $(field_of nova.vnc-listen message)"
# A host name: Nova's migrate data takes only an IP address.
root=$(mk_root seed-good)
sed -i 's/^server_listen *=.*/server_listen = compute-1.example.org/' "$root/etc/nova/nova.conf"
flip vnc-host-name nova.vnc-listen /etc/nova/nova.conf

# listen_tcp off with the tcp transport.
root=$(mk_root seed-good)
sed -i 's/^listen_tcp *=.*/listen_tcp = 0/' "$root/etc/libvirt/libvirtd.conf"
flip listen-tcp-off libvirt.listen /etc/libvirt/libvirtd.conf

# --listen in LIBVIRTD_ARGS while libvirtd's sockets are enabled.
root=$(mk_root seed-good)
mkdir -p "$root/etc/systemd/system/sockets.target.wants"
ln -s /lib/systemd/system/libvirtd.socket "$root/etc/systemd/system/sockets.target.wants/libvirtd.socket"
ln -s /lib/systemd/system/libvirtd-tcp.socket "$root/etc/systemd/system/sockets.target.wants/libvirtd-tcp.socket"
flip listen-with-sockets libvirt.listen /etc/default/libvirtd

# force_config_drive = True with the block profile. The seed's nova has a
# key pair, so the copy over SSH can work: only a warning, on that check alone.
root=$(mk_root seed-good)
run_mr 0 check --root "$root" --format json --profile block
ref=$(statuses)
sed -i 's/^\[DEFAULT\]$/[DEFAULT]\nforce_config_drive = True/' "$root/etc/nova/nova.conf"
run_mr 0 check --root "$root" --format json --profile block
[ "$(status_of nova.config-drive)" = warn ] || fail "config-drive-block: $(status_of nova.config-drive)"
[ "$(field_of nova.config-drive line)" = 4 ] || fail "config-drive-block: no line"
changed=$(diff <(printf '%s\n' "$ref") <(statuses) | grep '^>' | cut -d' ' -f2 || true)
[ "$changed" = nova.config-drive ] || fail "config-drive-block: changed checks are '$changed'"
# Without nova's key pair: current Nova (31.0.0 on, and 30.1.0) copies
# nothing over SSH, so no fail here (ssh.keys fails on its own)...
rm -f "$root/var/lib/nova/.ssh/id_ed25519" "$root/var/lib/nova/.ssh/id_ed25519.pub"
run_mr 1 check --root "$root" --format json --profile block
[ "$(status_of nova.config-drive)" = warn ] || fail "config-drive-no-key: $(status_of nova.config-drive)"
[ "$(status_of ssh.keys)" = fail ] || fail "config-drive-no-key: ssh.keys $(status_of ssh.keys)"
echo "ok config-drive-no-key, current Nova: $(field_of nova.config-drive message)"
# ...but Nova 29.0.0 copies disk.config over SSH first: the copy cannot work.
mkdir -p "$root/usr/lib/python3/dist-packages/nova-29.0.0.egg-info"
printf 'Metadata-Version: 1.2\nName: nova\nVersion: 29.0.0\n' \
    >"$root/usr/lib/python3/dist-packages/nova-29.0.0.egg-info/PKG-INFO"
run_mr 1 check --root "$root" --format json --profile block
[ "$(status_of nova.config-drive)" = fail ] || fail "config-drive-no-key 29.0.0: $(status_of nova.config-drive)"
echo "ok config-drive-no-key, Nova 29.0.0: $(field_of nova.config-drive message)"
ref=$baseline

# An instances directory that qemu cannot search.
if [ "$(id -u)" = 0 ]; then
    root=$(mk_root seed-good)
    chmod 0700 "$root/var/lib/nova/instances"
    NO_LINE=1 flip instances-no-search nova.instances-path /var/lib/nova/instances
else
    echo "# not root: the search-bit case needs chown (covered by the CI run as root)"
fi
echo "ok"

#!/bin/bash
# fleet.cpu: the fleet's baseline CPU is libvirt's own answer. A private
# libvirtd (in a mount namespace of its own: its /run, /var/lib/libvirt,
# /var/cache/libvirt and /etc/libvirt are tmpfs and scratch copies, so the
# machine's stay untouched) is asked by `virsh hypervisor-cpu-baseline` and
# by `migready fleet` over the same CPU descriptions: three real hosts'
# from libvirt's test data (tests/data/cpu/README) and this machine's own.
# The two must agree, and the oldest CPU must be named as the one keeping
# the fleet back.
. "$MR_TESTS/cli/lib.sh"
need jq jq
need virsh libvirt-clients
need libvirtd libvirt-daemon-system
need unshare util-linux
[ "$(id -u)" = 0 ] || skip "a private libvirtd needs root"
[ -e /dev/kvm ] || skip "no /dev/kvm: libvirt's QEMU driver would not offer kvm"

if [ "${MR_FLEET_CPU_INNER:-}" != 1 ]; then
    unshare -m --propagation private true 2>/dev/null || skip "no mount namespaces here"
    rm -rf "$SCRATCH"
    export MR_FLEET_CPU_INNER=1
    exec unshare -m --propagation private bash "$0" "$@"
fi

# Inside the namespace: the mounts vanish with it.
for d in /run /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
    [ -d "$d" ] && mount -t tmpfs tmpfs "$d"
done
mkdir -p /run/libvirt "$SCRATCH/etc-libvirt"
cp -a /etc/libvirt/. "$SCRATCH/etc-libvirt/" 2>/dev/null || true
printf 'user = "root"\ngroup = "root"\n' >"$SCRATCH/etc-libvirt/qemu.conf"
printf 'listen_tls = 0\nlisten_tcp = 0\nunix_sock_group = "root"\n' \
    >"$SCRATCH/etc-libvirt/libvirtd.conf"
mount --bind "$SCRATCH/etc-libvirt" /etc/libvirt
# libvirt's QEMU driver looks up its built-in user before it reads qemu.conf.
cp /etc/passwd "$SCRATCH/passwd"
cp /etc/group "$SCRATCH/group"
getent passwd libvirt-qemu >/dev/null ||
    echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin' >>"$SCRATCH/passwd"
getent group libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:' >>"$SCRATCH/group"
getent group kvm >/dev/null || echo 'kvm:x:64056:' >>"$SCRATCH/group"
mount --bind "$SCRATCH/passwd" /etc/passwd
mount --bind "$SCRATCH/group" /etc/group
trap 'umount /etc/libvirt /etc/passwd /etc/group 2>/dev/null; rm -rf "$SCRATCH"' EXIT

libvirtd -f /etc/libvirt/libvirtd.conf -p /run/libvirtd.pid >"$SCRATCH/libvirtd.log" 2>&1 &
lv_pid=$!
# The bind mounts go first: a mount point cannot be removed.
trap 'kill "$lv_pid" 2>/dev/null; wait "$lv_pid" 2>/dev/null
    umount /etc/libvirt /etc/passwd /etc/group 2>/dev/null; rm -rf "$SCRATCH"' EXIT
export LIBVIRT_DEFAULT_URI=qemu:///system
for _ in $(seq 1 100); do
    virsh version >/dev/null 2>&1 && break
    kill -0 "$lv_pid" 2>/dev/null || { cat "$SCRATCH/libvirtd.log" >&2; fail "libvirtd exited"; }
    sleep 0.2
done
virsh version >/dev/null 2>&1 || fail "the private libvirtd does not answer"

# This machine's CPU, as libvirt describes the host.
virsh capabilities | sed -n '/<host>/,/<\/host>/p' | sed -n '/^ *<cpu>/,/^ *<\/cpu>/p' \
    >"$SCRATCH/this-host.xml"
grep -q '<model' "$SCRATCH/this-host.xml" || skip "libvirt names no CPU model for this host"

data=$MR_TESTS/data/cpu
this_vendor=$(sed -n 's:.*<vendor>\(.*\)</vendor>.*:\1:p' "$SCRATCH/this-host.xml" | head -1)

# doc NAME CPU_XML_FILE DIR: a facts document of a host with that CPU.
doc() {
    local model vendor
    model=$(sed -n 's:.*<model[^>]*>\(.*\)</model>.*:\1:p' "$2" | head -1)
    vendor=$(sed -n 's:.*<vendor>\(.*\)</vendor>.*:\1:p' "$2" | head -1)
    mkdir -p "$3"
    jq -n --arg h "$1" --rawfile xml "$2" --arg model "$model" --arg vendor "$vendor" '{
        tool: "migready", version: "0.1.0", host: $h, nova_uid: 162, nova_gid: 162,
        cpu: {arch: "x86_64", vendor: $vendor, model: $model, xml: $xml},
        virt_type: "kvm", cpu_mode: "host-model", cpu_models: [], transport: "tcp"}' >"$3/$1.json"
}

# compare DIR WANT_STATUS CPU_FILES...: migready's baseline over DIR against
# virsh's over the same descriptions (one file of <cpu> elements, which
# virsh wraps in a container of its own); sets $OUT and $want_model.
compare() {
    local dir=$1 st=$2 want got got_model want_features got_features rc=0 remedy
    shift 2
    cat "$@" | sed '/<?xml/d' >"$SCRATCH/all.xml"
    want=$(virsh hypervisor-cpu-baseline "$SCRATCH/all.xml") ||
        fail "virsh hypervisor-cpu-baseline $*"
    want_model=$(printf '%s\n' "$want" | sed -n 's:.*<model[^>]*>\(.*\)</model>.*:\1:p')
    want_features=$(printf '%s\n' "$want" | grep "policy='require'" |
        sed -n "s:.*name='\([^']*\)'.*:\1:p" | sort | tr '\n' ' ')
    [ -n "$want_model" ] || fail "virsh gave no model: $want"
    run_mr "$rc" fleet --format json "$dir"
    [ "$(status_of fleet.cpu)" = "$st" ] || fail "fleet.cpu of $dir: $(status_of fleet.cpu): $OUT"
    got=$(printf '%s' "$OUT" | jq -r '.results[] | select(.id == "fleet.cpu") |
        ([.] + (.details // [])) | .[] | .message | select(startswith("libvirt'"'"'s baseline CPU"))')
    got_model=$(printf '%s' "$got" | sed -n 's/.*model \([^,]*\), features.*/\1/p')
    got_features=$(printf '%s' "$got" | sed 's/.*features: //' | tr ' ' '\n' | grep -v '(none)' |
        sort | tr '\n' ' ')
    [ "$got_model" = "$want_model" ] || fail "model: migready $got_model, virsh $want_model"
    [ "$got_features" = "$want_features" ] ||
        fail "features: migready [$got_features], virsh [$want_features]"
    remedy=$(printf '%s' "$OUT" | jq -r '.results[] | select(.id == "fleet.cpu") | .remedy')
    assert_contains "$remedy" "cpu_mode = custom and cpu_models = $want_model"
}

# Three real hosts' CPUs (libvirt's test data) and, when it is an Intel
# too, this machine's.
cpus=("$data/sandybridge.xml" "$data/haswell-notsx.xml" "$data/skylake-client.xml")
doc hv1 "$data/sandybridge.xml" "$SCRATCH/fleet"
doc hv2 "$data/haswell-notsx.xml" "$SCRATCH/fleet"
doc hv3 "$data/skylake-client.xml" "$SCRATCH/fleet"
if [ "$this_vendor" = Intel ]; then
    doc hv4 "$SCRATCH/this-host.xml" "$SCRATCH/fleet"
    cpus+=("$SCRATCH/this-host.xml")
fi
compare "$SCRATCH/fleet" warn "${cpus[@]}"
# A CPU keeps the fleet back when the others' baseline, without it, is
# another model: then it is named (virsh decides which), and the newest host
# never is.
all_model=$want_model
limits=$(printf '%s' "$OUT" | jq -r '.results[] | select(.id == "fleet.cpu") | .details[] |
    select(.message | test("keeps? the fleet at")) | .message')
assert_contains "$(field_of fleet.cpu message)" "$all_model (libvirt's baseline)"
cat "${cpus[@]:1}" | sed '/<?xml/d' >"$SCRATCH/without-hv1.xml"
without=$(virsh hypervisor-cpu-baseline "$SCRATCH/without-hv1.xml" |
    sed -n 's:.*<model[^>]*>\(.*\)</model>.*:\1:p')
if [ "$without" != "$all_model" ]; then
    assert_contains "$limits" "hv1 (CPU SandyBridge) keeps the fleet at $all_model: without it every other host runs $without"
else
    assert_not_contains "$limits" "hv1 "
fi
assert_not_contains "$limits" "hv3 "
echo "baseline of the test CPUs on this host: $all_model; without hv1: $without" >&2

# This machine's own CPU, as libvirt describes it, on two hosts: a pass.
doc hv5 "$SCRATCH/this-host.xml" "$SCRATCH/own"
doc hv6 "$SCRATCH/this-host.xml" "$SCRATCH/own"
compare "$SCRATCH/own" pass "$SCRATCH/this-host.xml" "$SCRATCH/this-host.xml"
assert_contains "$(field_of fleet.cpu message)" "all 2 hosts run $want_model with"

# Another vendor beside the Intel fleet: named, a fail, never a guess.
if [ "$this_vendor" != Intel ]; then
    cp "$SCRATCH/fleet"/*.json "$SCRATCH/own/"
    run_mr 1 fleet --format json "$SCRATCH/own"
    [ "$(status_of fleet.cpu)" = fail ] || fail "vendors: $(status_of fleet.cpu): $OUT"
    msg=$(printf '%s' "$OUT" | jq -r '.results[] | select(.id == "fleet.cpu") | .message')
    assert_contains "$msg" "hv5 and hv6 are x86_64 $this_vendor, but 3 hosts x86_64 Intel"
fi

# No libvirt to ask: a skip that says why, never a fail.
LIBVIRT_DEFAULT_URI='qemu+unix:///system?socket=/nonexistent' "$MIGREADY" fleet --format json \
    "$SCRATCH/fleet" >"$SCRATCH/out" || fail "fleet without libvirt exited $?"
OUT=$(cat "$SCRATCH/out")
[ "$(status_of fleet.cpu)" = skip ] || fail "no libvirt: $(status_of fleet.cpu): $OUT"
assert_contains "$(field_of fleet.cpu message)" "no libvirt to ask"
exit 0

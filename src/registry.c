/* The one list of checks, in the order they run and are shown. */
#include "config.h"

#include "checks.h"
#include "engine.h"

const struct mr_check *const mr_checks[] = {
    &mr_check_nova_vnc_listen,
    &mr_check_nova_instances_path,
    &mr_check_nova_migration_transport,
    &mr_check_nova_migration_tuning,
    &mr_check_nova_cpu_mode,
    &mr_check_nova_config_drive,
    &mr_check_libvirt_listen,
    &mr_check_libvirt_auth,
    &mr_check_qemu_migration_ports,
    &mr_check_hosts_resolution,
    &mr_check_nfs_exports,
    &mr_check_nfs_fstab,
    &mr_check_nfs_access,
    &mr_check_ssh_keys,
    &mr_check_ssh_peers,
    &mr_check_ids_nova,
    &mr_check_firewall_ports,
    &mr_check_firewall_reachability,
    &mr_check_libvirt_versions,
    &mr_check_libvirt_cpu_compat,
    &mr_check_libvirt_host_uuid,
    &mr_check_migrate_roundtrip,
};

const size_t mr_n_checks = MR_ARRAY_SIZE(mr_checks);

/* Descriptors exported by checks/. */
#pragma once

#include "migready.h"

extern const struct mr_check mr_check_nova_vnc_listen;
extern const struct mr_check mr_check_nova_instances_path;
extern const struct mr_check mr_check_nova_migration_transport;
extern const struct mr_check mr_check_nova_migration_tuning;
extern const struct mr_check mr_check_nova_cpu_mode;
extern const struct mr_check mr_check_nova_config_drive;
extern const struct mr_check mr_check_libvirt_listen;
extern const struct mr_check mr_check_libvirt_auth;
extern const struct mr_check mr_check_qemu_migration_ports;
extern const struct mr_check mr_check_tls_certs;
extern const struct mr_check mr_check_nfs_exports;
extern const struct mr_check mr_check_nfs_fstab;
extern const struct mr_check mr_check_nfs_access;
extern const struct mr_check mr_check_rbd_config;
extern const struct mr_check mr_check_rbd_secret;
extern const struct mr_check mr_check_rbd_access;
extern const struct mr_check mr_check_hosts_resolution;
extern const struct mr_check mr_check_ssh_keys;
extern const struct mr_check mr_check_ssh_peers;
extern const struct mr_check mr_check_ids_nova;
extern const struct mr_check mr_check_firewall_ports;
extern const struct mr_check mr_check_firewall_reachability;
extern const struct mr_check mr_check_libvirt_versions;
extern const struct mr_check mr_check_libvirt_cpu_compat;
extern const struct mr_check mr_check_libvirt_host_uuid;
extern const struct mr_check mr_check_migrate_roundtrip;

/* The one list of fixers; `fix` runs the fixer of a failed check. */
#include "config.h"

#include "fixers.h"

const struct mr_fixer *const mr_fixers[] = {
    &mr_fixer_nova_vnc_listen,
    &mr_fixer_nova_instances_path,
    &mr_fixer_nova_migration_transport,
    &mr_fixer_libvirt_listen,
    &mr_fixer_qemu_migration_ports,
    &mr_fixer_hosts_resolution, /* before firewall.ports: it reads the planned /etc/hosts */
    &mr_fixer_nfs_exports,
    &mr_fixer_nfs_fstab,
    &mr_fixer_ssh_keys,
    &mr_fixer_firewall_ports,
    &mr_fixer_ids_nova,
};
const size_t mr_n_fixers = MR_ARRAY_SIZE(mr_fixers);

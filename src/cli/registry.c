/* The one table of checks and their fixers, in the order the checks run and
 * are shown. `fix` plans the fixers of the failed checks in this order too:
 * hosts.resolution must stay before firewall.ports, whose fixer reads the
 * /etc/hosts that hosts.resolution plans (tests/unit/test-registry.c). */
#include "config.h"

#include <string.h>

#include "checks.h"
#include "fixers.h"
#include "profile.h"
#include "registry.h"

const struct mr_row mr_rows[] = {
    {.check = &mr_check_nova_vnc_listen, .fixer = &mr_fixer_nova_vnc_listen},
    {.check = &mr_check_nova_instances_path, .fixer = &mr_fixer_nova_instances_path},
    {.check = &mr_check_nova_migration_transport, .fixer = &mr_fixer_nova_migration_transport},
    {.check = &mr_check_nova_migration_tuning},
    {.check = &mr_check_nova_cpu_mode},
    {.check = &mr_check_nova_config_drive},
    {.check = &mr_check_libvirt_listen, .fixer = &mr_fixer_libvirt_listen},
    {.check = &mr_check_libvirt_auth},
    {.check = &mr_check_qemu_migration_ports, .fixer = &mr_fixer_qemu_migration_ports},
    {.check = &mr_check_tls_certs},
    {.check = &mr_check_hosts_resolution, .fixer = &mr_fixer_hosts_resolution},
    {.check = &mr_check_nfs_exports, .fixer = &mr_fixer_nfs_exports},
    {.check = &mr_check_nfs_fstab, .fixer = &mr_fixer_nfs_fstab},
    {.check = &mr_check_nfs_access},
    {.check = &mr_check_rbd_config},
    {.check = &mr_check_rbd_secret},
    {.check = &mr_check_rbd_access},
    {.check = &mr_check_ssh_keys, .fixer = &mr_fixer_ssh_keys},
    {.check = &mr_check_ssh_peers},
    {
        .check = &mr_check_ids_nova,
        .fixer = &mr_fixer_ids_nova,
        .manual_only = "changing nova's uid or gid means stopping the services and "
                       "re-owning every file: the fixer prints the commands, the operator "
                       "runs them",
    },
    {.check = &mr_check_firewall_ports, .fixer = &mr_fixer_firewall_ports},
    {.check = &mr_check_firewall_reachability},
    {.check = &mr_check_libvirt_versions},
    {.check = &mr_check_libvirt_cpu_compat},
    {.check = &mr_check_libvirt_host_uuid},
    {.check = &mr_check_migrate_roundtrip},
};

const size_t mr_n_rows = MR_ARRAY_SIZE(mr_rows);

const struct mr_row *mr_row_find(const char *id)
{
    for (size_t i = 0; i < mr_n_rows; i++)
        if (strcmp(mr_rows[i].check->id, id) == 0)
            return &mr_rows[i];
    return NULL;
}

int mr_select_validate(const struct mr_select *sel, char **ret_msg)
{
    return mr_select_validate_rows(mr_rows, mr_n_rows, sel, ret_msg);
}

struct mr_run *mr_run_checks(const struct mr_ctx *ctx, const struct mr_select *sel, bool strict)
{
    return mr_run_list(ctx, mr_rows, mr_n_rows, sel, strict);
}

int mr_registry_validate_profiles(const struct mr_profile_set *set, char **ret_msg)
{
    char **ids = mr_xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < mr_n_rows; i++)
        mr_strv_push(&ids, mr_rows[i].check->id);
    int r = mr_profile_set_validate(set, ids, ret_msg);
    mr_strv_free(ids);
    return r;
}

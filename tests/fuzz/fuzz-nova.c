/* nova.conf as mr_novaconf_load() reads it from a root, then the lookups
 * the checks make (interpolation, defaults, deprecated names). */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"
#include "novaconf.h"
#include "rootfs.h"

static const char *const keys[][2] = {
    {"DEFAULT", "my_ip"},
    {"DEFAULT", "instances_path"},
    {"DEFAULT", "state_path"},
    {"DEFAULT", "host"},
    {"DEFAULT", "compute_driver"},
    {"vnc", "server_listen"},
    {"vnc", "server_proxyclient_address"},
    {"libvirt", "virt_type"},
    {"libvirt", "cpu_mode"},
    {"libvirt", "cpu_models"},
    {"libvirt", "live_migration_uri"},
    {"libvirt", "live_migration_scheme"},
    {"libvirt", "live_migration_inbound_addr"},
    {"libvirt", "live_migration_tunnelled"},
    {"libvirt", "live_migration_with_native_tls"},
    {"libvirt", "live_migration_bandwidth"},
    {"libvirt", "images_type"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_write("/etc/nova/nova.conf", data, size);
    struct mr_root *root = NULL;
    if (mr_root_open(fz_root(), &root) < 0)
        abort();
    struct mr_novaconf *conf = NULL;
    char *msg = NULL;
    if (mr_novaconf_load(root, &conf, &msg) == 0) {
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            struct mr_novaval v;
            mr_novaconf_get(conf, keys[i][0], keys[i][1], &v);
            mr_novaconf_str(conf, keys[i][0], keys[i][1]);
            mr_novaconf_bool(conf, keys[i][0], keys[i][1]);
        }
        mr_novaconf_my_ip(conf);
        mr_novaconf_files(conf);
    }
    mr_novaconf_free(conf);
    free(msg);
    mr_root_free(root);
    return 0;
}

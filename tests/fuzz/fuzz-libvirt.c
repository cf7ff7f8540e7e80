/* libvirt's configuration as mr_libvirt_conf_load() reads it through
 * Augeas: the first byte of the input chooses the file (libvirtd.conf,
 * qemu.conf or the libvirtd defaults file), the rest is its text; the other
 * two keep the fixture's text, so each input stands alone. */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"
#include "libvirtconf.h"
#include "migready.h"
#include "rootfs.h"

static const char *const files[] = {
    "/etc/libvirt/libvirtd.conf",
    "/etc/libvirt/qemu.conf",
    "/etc/default/libvirtd",
};
static char *base[3];

static const struct {
    enum mr_libvirt_file file;
    const char *key;
} keys[] = {
    {MR_LIBVIRTD_CONF, "listen_tcp"},
    {MR_LIBVIRTD_CONF, "listen_tls"},
    {MR_LIBVIRTD_CONF, "listen_addr"},
    {MR_LIBVIRTD_CONF, "tcp_port"},
    {MR_LIBVIRTD_CONF, "tls_port"},
    {MR_LIBVIRTD_CONF, "auth_tcp"},
    {MR_LIBVIRTD_CONF, "auth_tls"},
    {MR_LIBVIRTD_CONF, "key_file"},
    {MR_LIBVIRTD_CONF, "ca_file"},
    {MR_QEMU_CONF, "user"},
    {MR_QEMU_CONF, "group"},
    {MR_QEMU_CONF, "migration_port_min"},
    {MR_QEMU_CONF, "migration_port_max"},
    {MR_QEMU_CONF, "migration_address"},
    {MR_QEMU_CONF, "default_tls_x509_cert_dir"},
    {MR_LIBVIRTD_ARGS, "LIBVIRTD_ARGS"},
};

static void init(void)
{
    fz_base_host();
    struct mr_root *root = NULL;
    if (mr_root_open(fz_root(), &root) < 0)
        abort();
    for (size_t i = 0; i < MR_ARRAY_SIZE(files); i++)
        if (mr_root_read(root, files[i], 1u << 20, &base[i], NULL) < 0)
            abort();
    mr_root_free(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!base[0])
        init();
    if (size < 1)
        return 0;
    size_t pick = data[0] % MR_ARRAY_SIZE(files);
    for (size_t i = 0; i < MR_ARRAY_SIZE(files); i++) {
        if (i == pick)
            fz_write(files[i], data + 1, size - 1);
        else
            fz_write_str(files[i], base[i]);
    }
    struct mr_root *root = NULL;
    if (mr_root_open(fz_root(), &root) < 0)
        abort();
    struct mr_libvirt_conf *conf = NULL;
    char *msg = NULL;
    if (mr_libvirt_conf_load(root, &conf, &msg) == 0) {
        for (size_t i = 0; i < MR_ARRAY_SIZE(keys); i++) {
            struct mr_confval v;
            mr_libvirt_conf_get(conf, keys[i].file, keys[i].key, &v);
        }
        const char *s;
        int line;
        mr_libvirt_conf_qemu_user(conf);
        mr_libvirt_conf_qemu_group(conf);
        mr_libvirt_conf_socket_activated(conf, &s);
        mr_libvirt_conf_unit_enabled(conf, "libvirtd-tcp.socket", &s);
        mr_libvirt_conf_unit_masked(conf, "libvirtd.socket", &s);
        mr_libvirt_conf_args(conf, &s, &line);
        mr_libvirt_conf_args_listen(conf);
        mr_libvirt_conf_note(conf);
        mr_libvirt_conf_daemon(conf);
        for (int f = 0; f < _MR_LIBVIRT_FILE_LAST; f++) {
            mr_libvirt_conf_file(conf, (enum mr_libvirt_file)f);
            mr_libvirt_conf_file_name(conf, (enum mr_libvirt_file)f);
        }
    }
    mr_libvirt_conf_free(conf);
    free(msg);
    mr_root_free(root);
    return 0;
}

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "hostsfile.h"
#include "libvirtconf.h"
#include "migready.h"
#include "ops.h"
#include "firewall-targets.h"

const struct mr_fw_saved_file mr_fw_saved_files[] = {
    {"/etc/sysconfig/iptables", false, "iptables"},
    {"/etc/iptables/rules.v4", false, "netfilter-persistent"},
    {"/etc/nftables.conf", true, "nftables"},
    {"/etc/sysconfig/nftables.conf", true, "nftables"},
};
const size_t mr_fw_n_saved_files = MR_ARRAY_SIZE(mr_fw_saved_files);

const char *mr_fw_port_kind_name(enum mr_fw_port_kind kind)
{
    static const char *const name[] = {
        [MR_FW_PORT_LIBVIRT] = "libvirt",
        [MR_FW_PORT_MIGRATION] = "migration",
        [MR_FW_PORT_SSH] = "ssh",
    };
    return (size_t)kind < MR_ARRAY_SIZE(name) ? name[kind] : "?";
}

static unsigned conf_port(const struct mr_libvirt_conf *conf, enum mr_libvirt_file file,
                          const char *key, unsigned dflt)
{
    struct mr_confval v;
    long n;
    if (conf && mr_libvirt_conf_get(conf, file, key, &v) && mr_parse_long(v.value, &n) == 0 &&
        n > 0 && n <= 65535)
        return (unsigned)n;
    return dflt;
}

static void add(struct mr_fw_targets *t, enum mr_fw_port_kind kind, unsigned lo, unsigned hi)
{
    t->v[t->n].kind = kind;
    t->v[t->n].lo = lo;
    t->v[t->n].hi = hi;
    t->n++;
}

void mr_fw_targets_for(const struct mr_ctx *ctx, struct mr_fw_targets *ret)
{
    /* Each file alone: a broken libvirtd.conf leaves qemu.conf's range
     * (and the other way round); a broken one gives libvirt's defaults. */
    const struct mr_libvirt_conf *daemon = NULL, *qemu = NULL;
    const char *msg = NULL;
    if (mr_ctx_libvirt_files(ctx, MR_LIBVIRT_FILE(MR_LIBVIRTD_CONF), &daemon, &msg) < 0)
        daemon = NULL;
    if (mr_ctx_libvirt_files(ctx, MR_LIBVIRT_FILE(MR_QEMU_CONF), &qemu, &msg) < 0)
        qemu = NULL;
    const char *transport = mr_ctx_value(ctx, "transport");
    *ret = (struct mr_fw_targets){.transport = transport ? transport : "tcp"};
    if (strcmp(ret->transport, "ssh") != 0) {
        unsigned p = strcmp(ret->transport, "tls") == 0
                         ? conf_port(daemon, MR_LIBVIRTD_CONF, "tls_port", 16514)
                         : conf_port(daemon, MR_LIBVIRTD_CONF, "tcp_port", 16509);
        add(ret, MR_FW_PORT_LIBVIRT, p, p);
    }
    unsigned lo = conf_port(qemu, MR_QEMU_CONF, "migration_port_min", 49152);
    unsigned hi = conf_port(qemu, MR_QEMU_CONF, "migration_port_max", 49215);
    if (lo > hi) { /* qemu.migration-ports reports it; libvirt's default range stands in */
        lo = 49152;
        hi = 49215;
    }
    add(ret, MR_FW_PORT_MIGRATION, lo, hi);
    add(ret, MR_FW_PORT_SSH, 22, 22);
}

void mr_fw_peer_lookup(const struct mr_ctx *ctx, const char *name, const struct mr_hosts *hosts,
                       char ***out)
{
    if (ctx->live && ctx->ops && ctx->ops->resolve) {
        char **a = NULL;
        if (ctx->ops->resolve(name, &a) == 0)
            for (size_t k = 0; a && a[k]; k++)
                if (!mr_strv_contains(*out, a[k]))
                    mr_strv_push(out, a[k]);
        mr_strv_free(a);
        return;
    }
    size_t pos = 0;
    for (const struct mr_hosts_entry *e; (e = mr_hosts_next(hosts, name, &pos));)
        if (!mr_strv_contains(*out, e->addr))
            mr_strv_push(out, e->addr);
}

/* Helpers on the ops interface's types (src/core/ops.h), and the table that
 * touches nothing. No live source is reached from here. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "migready.h"
#include "ops.h"

void mr_libvirt_host_clear(struct mr_libvirt_host *h)
{
    if (!h)
        return;
    free(h->capabilities);
    *h = (struct mr_libvirt_host){0};
}

static const char *const state_names[] = {
    [MR_TCP_OPEN] = "open",
    [MR_TCP_REFUSED] = "refused",
    [MR_TCP_FILTERED] = "filtered",
    [MR_TCP_UNREACHABLE] = "unreachable",
    [MR_TCP_ERROR] = "error",
};
_Static_assert(MR_ARRAY_SIZE(state_names) == _MR_TCP_STATE_LAST, "tcp state names");

const char *mr_tcp_state_name(int state)
{
    return state >= 0 && state < _MR_TCP_STATE_LAST ? state_names[state] : "invalid";
}

static const char *const tls_state_names[] = {
    [MR_TLS_OK] = "ok",
    [MR_TLS_REFUSED] = "refused",
    [MR_TLS_TIMEOUT] = "timeout",
    [MR_TLS_UNREACHABLE] = "unreachable",
    [MR_TLS_UNTRUSTED] = "untrusted",
    [MR_TLS_NAME] = "name",
    [MR_TLS_REJECTED] = "rejected",
    [MR_TLS_HANDSHAKE] = "handshake",
    [MR_TLS_ERROR] = "error",
};
_Static_assert(MR_ARRAY_SIZE(tls_state_names) == _MR_TLS_STATE_LAST, "tls state names");

const char *mr_tls_state_name(int state)
{
    return state >= 0 && state < _MR_TLS_STATE_LAST ? tls_state_names[state] : "invalid";
}

static const char *const stage_names[] = {
    [MR_NFS_RESOLVE] = "resolve",
    [MR_NFS_CONNECT] = "connect",
    [MR_NFS_MOUNT] = "mount",
    [MR_NFS_CREATE] = "create",
    [MR_NFS_WRITE] = "write",
    [MR_NFS_READ] = "read",
    [MR_NFS_STAT] = "stat",
    [MR_NFS_UNLINK] = "unlink",
    [MR_NFS_DONE] = "done",
};
_Static_assert(MR_ARRAY_SIZE(stage_names) == MR_NFS_DONE + 1, "a name for every stage");

const char *mr_nfs_stage_name(enum mr_nfs_stage s)
{
    return (unsigned)s <= MR_NFS_DONE ? stage_names[s] : "?";
}

void mr_processes_free(struct mr_process *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].comm);
        free(v[i].argv0);
        free(v[i].argv1);
    }
    free(v);
}

static const char *const rbd_stage_names[] = {
    [MR_RBD_LOAD] = "load librados",
    [MR_RBD_CONF] = "read ceph.conf",
    [MR_RBD_CONNECT] = "connect",
    [MR_RBD_POOL] = "open the pool",
    [MR_RBD_CREATE_IMAGE] = "create the image",
    [MR_RBD_OPEN] = "open the image",
    [MR_RBD_WRITE] = "write",
    [MR_RBD_READ] = "read",
    [MR_RBD_REMOVE_IMAGE] = "remove the image",
    [MR_RBD_DONE] = "done",
};
_Static_assert(MR_ARRAY_SIZE(rbd_stage_names) == MR_RBD_DONE + 1, "a name for every rbd stage");

const char *mr_rbd_stage_name(enum mr_rbd_stage s)
{
    return (unsigned)s <= MR_RBD_DONE ? rbd_stage_names[s] : "?";
}

/* ---- mr_ops_none: every source unavailable ---- */

static int none_local_addresses(char ***ret)
{
    (void)ret;
    return -ENOSYS;
}

static int none_resolve(const char *name, char ***ret)
{
    (void)name;
    (void)ret;
    return -ENOSYS;
}

static int none_run(const char *const *argv, int timeout_ms, char **ret_out)
{
    (void)argv;
    (void)timeout_ms;
    (void)ret_out;
    return -ENOSYS;
}

static int none_mounts(char **ret)
{
    (void)ret;
    return -ENOSYS;
}

static bool none_selinux_enforcing(void)
{
    return false;
}

static int none_nfs_probe(const struct mr_nfs_probe *req, struct mr_nfs_result *res)
{
    (void)req;
    (void)res;
    return -ENOSYS;
}

static int none_libvirt_load(char **ret_msg)
{
    *ret_msg = mr_xstrdup("no live sources in this context");
    return -ENOSYS;
}

static int none_libvirt_host(const char *uri, struct mr_libvirt_host *ret, char **ret_msg)
{
    (void)uri;
    (void)ret;
    *ret_msg = mr_xstrdup("no live sources in this context");
    return -ENOSYS;
}

static int none_libvirt_compare_cpu(const char *uri, const char *virt_type, const char *cpu_xml,
                                    int *ret_verdict, char **ret_msg)
{
    (void)uri;
    (void)virt_type;
    (void)cpu_xml;
    (void)ret_verdict;
    *ret_msg = mr_xstrdup("no live sources in this context");
    return -ENOSYS;
}

static int none_libvirt_baseline_cpu(const char *uri, const char *virt_type,
                                     const char *const *cpu_xmls, size_t n, char **ret_xml,
                                     char **ret_msg)
{
    (void)uri;
    (void)virt_type;
    (void)cpu_xmls;
    (void)n;
    (void)ret_xml;
    *ret_msg = mr_xstrdup("no live sources in this context");
    return -ENOSYS;
}

static int none_peer_fetch(const struct mr_ctx *ctx, const char *peer, struct mr_peer *ret)
{
    (void)ctx;
    (void)peer;
    (void)ret;
    return -ENOSYS;
}

static int none_tcp_probe(struct mr_tcp_probe *probes, size_t n, int timeout_ms)
{
    (void)probes;
    (void)n;
    (void)timeout_ms;
    return -ENOSYS;
}

static int none_libvirt_secret(const char *uri, const char *uuid, const char *key_b64,
                               struct mr_libvirt_secret *ret, char **ret_msg)
{
    (void)uri;
    (void)uuid;
    (void)key_b64;
    (void)ret;
    *ret_msg = mr_xstrdup("no live sources in this context");
    return -ENOSYS;
}

static int none_rbd_probe(const struct mr_rbd_request *req, struct mr_rbd_result *res)
{
    (void)req;
    (void)res;
    return -ENOSYS;
}

static int none_migrate_test(const struct mr_ctx *ctx, const struct mr_migrate_opts *opts,
                             struct mr_migrate_report *ret)
{
    (void)ctx;
    (void)opts;
    (void)ret;
    return -ENOSYS;
}

static int none_processes(struct mr_process **ret, size_t *ret_n)
{
    (void)ret;
    (void)ret_n;
    return -ENOSYS;
}

const struct mr_ops mr_ops_none = {
    .local_addresses = none_local_addresses,
    .resolve = none_resolve,
    .run = none_run,
    .mounts = none_mounts,
    .selinux_enforcing = none_selinux_enforcing,
    .nfs_probe = none_nfs_probe,
    .libvirt_load = none_libvirt_load,
    .libvirt_host = none_libvirt_host,
    .libvirt_compare_cpu = none_libvirt_compare_cpu,
    .libvirt_baseline_cpu = none_libvirt_baseline_cpu,
    .peer_fetch = none_peer_fetch,
    .tcp_probe = none_tcp_probe,
    .libvirt_secret = none_libvirt_secret,
    .rbd_probe = none_rbd_probe,
    .migrate_test = none_migrate_test,
    .processes = none_processes,
};

/* The libvirt entries of the ops table (src/ops.h), reached by checks only
 * through ctx->ops. */
#pragma once

struct mr_libvirt_host;

/* The URI of the local hypervisor: $LIBVIRT_DEFAULT_URI, else qemu:///system. */
const char *mr_virt_local_uri(void);
/* The URI of PEER's libvirt for TRANSPORT (tcp, tls, ssh) as Nova's
 * live_migration_scheme builds it (caller frees). */
char *mr_virt_peer_uri(const char *transport, const char *peer);

int mr_virt_host(const char *uri, struct mr_libvirt_host *ret, char **ret_msg);
int mr_virt_compare_cpu(const char *uri, const char *virt_type, const char *cpu_xml,
                        int *ret_verdict, char **ret_msg);

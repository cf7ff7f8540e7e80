/* Comparisons with the peers' facts (src/core/facts.h, src/core/peers.h), for the
 * cluster checks of checks/cluster.c and the host checks that extend to
 * peers (ids.nova, hosts.resolution, nova.cpu-mode, nova.instances-path).
 * Every finding names the peer. A peer whose facts could not be fetched
 * gets one skip-level finding, "not compared: PEER unreachable (see
 * ssh.peers)": ssh.peers reports the failure itself, so the other checks
 * neither fail nor pass on what they could not see. */
#pragma once

#include <stdbool.h>

#include "migready.h"

/* Peers are configured and can be compared: the live host (or a unit test
 * that set them with mr_ctx_set_peers). Under --root nothing is compared. */
bool mr_cluster_active(const struct mr_ctx *ctx);

void mr_cluster_ids(const struct mr_ctx *ctx, struct mr_result *res);
void mr_cluster_hosts(const struct mr_ctx *ctx, struct mr_result *res);
void mr_cluster_cpu_mode(const struct mr_ctx *ctx, struct mr_result *res);
void mr_cluster_instances_path(const struct mr_ctx *ctx, struct mr_result *res);
/* [serial_console] enabled, the same on every host (nova.vnc-listen). */
void mr_cluster_serial_console(const struct mr_ctx *ctx, struct mr_result *res);

/* Nova's floors for the rules of Nova MAJOR (nova/virt/libvirt/driver.py's
 * MIN_LIBVIRT_VERSION, MIN_QEMU_VERSION and the NEXT_ ones): false for a
 * release older than migready's table. For fleet, which judges each host
 * by its own release; libvirt.versions reads the same table. */
struct mr_nova_floor {
    int since_major; /* the release the floor holds from */
    const char *libvirt, *qemu, *next_libvirt, *next_qemu;
};
bool mr_cluster_nova_floor(int major, struct mr_nova_floor *ret);
/* A host UUID that firmware ships on many boards (or libvirt's placeholder). */
bool mr_cluster_uuid_placeholder(const char *uuid);

/* What firewall.ports asks and its fixer answers, defined once so that the
 * two agree: the saved rule files, the ports a peer must reach, and the
 * peers' addresses. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct mr_ctx;
struct mr_hosts;

/* Stands for "any address of the compute network" when no peer is named. */
#define MR_FW_ANY_ADDR "192.0.2.1"

/* firewalld's configuration: when the folder exists, its zones are judged. */
#define MR_FW_FIREWALLD_DIR "/etc/firewalld"

/* The saved rule files, in the order they are read, with the service that
 * loads each. */
struct mr_fw_saved_file {
    const char *path;
    bool nft;
    const char *unit;
};
extern const struct mr_fw_saved_file mr_fw_saved_files[];
extern const size_t mr_fw_n_saved_files;

enum mr_fw_port_kind {
    MR_FW_PORT_LIBVIRT, /* libvirt's tcp_port or tls_port */
    MR_FW_PORT_MIGRATION,
    MR_FW_PORT_SSH,
};

/* "libvirt", "migration", "ssh": the port's name in the fixer's rule comments. */
const char *mr_fw_port_kind_name(enum mr_fw_port_kind kind);

#define MR_FW_MAX_TARGETS 3

struct mr_fw_targets {
    const char *transport; /* the transport profile: tcp, tls or ssh */
    size_t n;
    struct {
        enum mr_fw_port_kind kind;
        unsigned lo, hi;
    } v[MR_FW_MAX_TARGETS];
};

/* libvirt's port (not with the ssh transport), QEMU's migration range and
 * SSH, from libvirt's configuration; libvirt's defaults stand in for what
 * cannot be read or is out of range (libvirt.* and qemu.* report it). */
void mr_fw_targets_for(const struct mr_ctx *ctx, struct mr_fw_targets *ret);

/* Adds the addresses of NAME, a peer that is not an address, to *OUT (no
 * duplicates): the live resolver's answer when there is one, else the lines
 * of HOSTS (/etc/hosts; NULL when there is none) that name it. */
void mr_fw_peer_lookup(const struct mr_ctx *ctx, const char *name, const struct mr_hosts *hosts,
                       char ***out);

/* libvirtd.conf, qemu.conf, the libvirtd defaults file and the systemd socket
 * units, read through Augeas with only the needed lenses loaded. */
#pragma once

#include <stdbool.h>

#include "rootfs.h"

struct mr_libvirt_conf;

/* On failure returns a negative errno and *ret_msg (caller frees) names the
 * file and line. Missing files are not errors: libvirt's defaults apply.
 * When only some files cannot be read or parsed, *ret is still set, with the
 * others read: mr_libvirt_conf_error() says which files failed, so that a
 * check fails only on the files it needs. */
int mr_libvirt_conf_load(const struct mr_root *root, struct mr_libvirt_conf **ret, char **ret_msg);
/* Where a deployment keeps libvirt's files (kolla's /etc/kolla/nova-libvirt/),
 * as seen in the root; NULL members: the standard place. */
struct mr_libvirt_layout {
    const char *daemon_conf; /* the daemon's file, for libvirtd.conf */
    const char *qemu_conf;
    /* The daemon runs in a container whose command line is ARGS (kolla's
     * nova_libvirt: libvirtd --listen), set in ARGS_FILE: no defaults file
     * is read, and ARGS stands for its variable. */
    const char *args;
    const char *args_file;
};
/* The same for a deployment that keeps the files elsewhere; LAYOUT may be NULL. */
int mr_libvirt_conf_load_at(const struct mr_root *root, const struct mr_libvirt_layout *layout,
                            struct mr_libvirt_conf **ret, char **ret_msg);
void mr_libvirt_conf_free(struct mr_libvirt_conf *conf);

enum mr_libvirt_file {
    MR_LIBVIRTD_CONF,   /* /etc/libvirt/libvirtd.conf (or virtproxyd.conf when modular) */
    MR_QEMU_CONF,       /* /etc/libvirt/qemu.conf */
    MR_LIBVIRTD_ARGS,   /* /etc/sysconfig/libvirtd, /etc/default/libvirtd or libvirt-bin */
    _MR_LIBVIRT_FILE_LAST,
};

/* A set of files, for mr_libvirt_conf_error(). */
#define MR_LIBVIRT_FILE(f) (1u << (f))
#define MR_LIBVIRT_ALL_FILES ((1u << _MR_LIBVIRT_FILE_LAST) - 1)

/* The error of the first of FILES (MR_LIBVIRT_FILE(MR_QEMU_CONF) | ...) that
 * could not be read or parsed, with *ret_msg (owned by CONF) naming the file
 * and line; 0 when all of them were read (or are absent). */
int mr_libvirt_conf_error(const struct mr_libvirt_conf *conf, unsigned files,
                          const char **ret_msg);

struct mr_confval {
    const char *value; /* scalars as written, unquoted; lists joined with ", " */
    const char *file;  /* NULL for libvirt's built-in default */
    int line;
    bool is_default;
};

/* KEY of FILE, or libvirt's built-in default where one is known. Returns
 * false when unset and without a known default. */
bool mr_libvirt_conf_get(const struct mr_libvirt_conf *conf, enum mr_libvirt_file file,
                         const char *key, struct mr_confval *ret);
/* The user QEMU runs as: qemu.conf's "user", else the distribution's build
 * default (libvirt-qemu on Debian, qemu on Fedora/RHEL, found in the root's
 * passwd), else "root". */
const char *mr_libvirt_conf_qemu_user(const struct mr_libvirt_conf *conf);
/* The group QEMU runs as: qemu.conf's "group", else libvirt-qemu, kvm or qemu
 * (whichever the root's group file has first), else "root". */
const char *mr_libvirt_conf_qemu_group(const struct mr_libvirt_conf *conf);

/* The folder QEMU-native TLS migration reads its certificates from, as
 * libvirt picks it: qemu.conf's migrate_tls_x509_cert_dir; unset,
 * /etc/pki/libvirt-migrate when ROOT has it, else default_tls_x509_cert_dir.
 * *RET_V (may be NULL) is the setting that chose it (is_default when none). */
const char *mr_libvirt_migrate_tls_dir(const struct mr_libvirt_conf *conf,
                                       const struct mr_root *root, struct mr_confval *ret_v);
/* The file FILE was read from (as seen in the root), or NULL when none exists. */
const char *mr_libvirt_conf_file(const struct mr_libvirt_conf *conf, enum mr_libvirt_file file);
/* The path to name in messages and remedies for FILE, whether it exists or not
 * (e.g. /etc/libvirt/libvirtd.conf, /etc/libvirt/virtproxyd.conf when modular). */
const char *mr_libvirt_conf_file_name(const struct mr_libvirt_conf *conf,
                                      enum mr_libvirt_file file);

/* True when the modular daemons (virtproxyd, virtqemud) are in use instead of
 * the monolithic libvirtd; then virtproxyd takes libvirtd's role. */
bool mr_libvirt_conf_modular(const struct mr_libvirt_conf *conf);
/* "libvirtd" or "virtproxyd": the daemon that accepts remote connections. */
const char *mr_libvirt_conf_daemon(const struct mr_libvirt_conf *conf);

/* UNIT (e.g. "libvirtd-tcp.socket") is enabled: a link in a *.wants/ or
 * *.requires/ folder of /etc/systemd/system and not masked. *ret_path: the
 * link. Only the libvirtd, virtproxyd and virtqemud units are known. */
bool mr_libvirt_conf_unit_enabled(const struct mr_libvirt_conf *conf, const char *unit,
                                  const char **ret_path);
/* UNIT is masked (/etc/systemd/system/UNIT links to /dev/null or is empty). */
bool mr_libvirt_conf_unit_masked(const struct mr_libvirt_conf *conf, const char *unit,
                                 const char **ret_path);
/* The daemon runs socket-activated: its .socket unit is enabled, or its enabled
 * .service pulls the unmasked socket in through Wants=. *ret_reason says which,
 * with the path. Then listen_tcp, listen_tls, tcp_port, tls_port and listen_addr
 * are ignored and --listen stops the daemon from starting. */
bool mr_libvirt_conf_socket_activated(const struct mr_libvirt_conf *conf,
                                      const char **ret_reason);

/* The daemon's arguments (the variable of mr_libvirt_conf_args_var) from the
 * defaults file, words joined by one space; NULL when unset (the unit's
 * built-in "--timeout 120"). */
const char *mr_libvirt_conf_args(const struct mr_libvirt_conf *conf, const char **ret_file,
                                 int *ret_line);
/* The variable the unit passes to the daemon: LIBVIRTD_ARGS (VIRTPROXYD_ARGS
 * when modular), or libvirtd_opts where the unit or the file says so (Debian's
 * units up to 10, Ubuntu's libvirt-bin). */
const char *mr_libvirt_conf_args_var(const struct mr_libvirt_conf *conf);
/* The daemon's arguments contain --listen or -l. */
bool mr_libvirt_conf_args_listen(const struct mr_libvirt_conf *conf);
/* A remark on how the files were read (both /etc/sysconfig and /etc/default
 * present), NULL when there is none. */
const char *mr_libvirt_conf_note(const struct mr_libvirt_conf *conf);

/* ADDR (a host name or a numeric address, IPv6 brackets allowed) names this
 * machine's loopback, as libvirt judges it: a name starting "localhost" (its
 * qemu driver refuses such a migration host: "hostname on destination
 * resolved to localhost"), else mr_addr_is_loopback(). The unspecified
 * 0.0.0.0 and :: are not loopback here: as a listen address they mean all. */
bool mr_libvirt_addr_is_loopback(const char *addr);

/* libvirt's TLS client credentials: fixed paths, libvirtd.conf names only
 * the server's (virNetTLSContextLocateCredentials, src/rpc/virnettlscontext.c). */
#define MR_LIBVIRT_CLIENT_CERT "/etc/pki/libvirt/clientcert.pem"
#define MR_LIBVIRT_CLIENT_KEY "/etc/pki/libvirt/private/clientkey.pem"

/* Live sources, reached through one table so that unit tests can stub them
 * (a test sets ctx->ops to its own table) while the lab tests use the real
 * thing. Checks reach the live host only through here. */
#pragma once

#include <stdbool.h>

struct mr_nfs_probe;
struct mr_nfs_result;

struct mr_ops {
    /* The addresses of this host's interfaces, as text (NULL-terminated). */
    int (*local_addresses)(char ***ret);
    /* The addresses NAME resolves to through the system resolver (NSS:
     * files, DNS, ... in nsswitch.conf's order), as text, NULL-terminated.
     * -ENOENT when it does not resolve. */
    int (*resolve)(const char *name, char ***ret);
    /* Runs ARGV (no shell), waiting at most TIMEOUT_MS; its standard output
     * in *ret_out. Returns the exit status, or a negative errno (-ETIMEDOUT,
     * -ENOENT when the program is missing). */
    int (*run)(const char *const *argv, int timeout_ms, char **ret_out);
    /* The live mount table (/proc/self/mounts format). */
    int (*mounts)(char **ret);
    /* Whether SELinux is enforcing on this host. */
    bool (*selinux_enforcing)(void);
    /* Mounts an NFS export and, as the request's UID/GID, creates, writes,
     * reads back, stats and deletes a file (src/nfsprobe.h). 0 when the probe
     * ran (its outcome in *res), a negative errno when it could not start. */
    int (*nfs_probe)(const struct mr_nfs_probe *req, struct mr_nfs_result *res);
};

extern const struct mr_ops mr_ops_default;

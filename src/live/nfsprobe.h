/* A real NFS client probe (libnfs): mount an export and, as a given UID/GID,
 * create, write, read back, stat and delete a file. Reached through
 * mr_ops.nfs_probe so that unit tests can stub it; its request and
 * result types are part of that interface (src/core/ops.h). */
#pragma once

struct mr_nfs_probe;
struct mr_nfs_result;

/* The real probe. Returns 0 when it ran (the outcome is in *res, even a
 * failure of the server), a negative errno when it could not start. */
int mr_nfs_probe_run(const struct mr_nfs_probe *req, struct mr_nfs_result *res);

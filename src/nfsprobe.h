/* A real NFS client probe (libnfs): mount an export and, as a given UID/GID,
 * create, write, read back, stat and delete a file. Reached through
 * mr_ops.nfs_probe so that unit tests can stub it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct mr_nfs_probe {
    const char *server;      /* host name or address of the NFS server */
    const char *export_path; /* path to mount (NFSv4 pseudo path or v3 export) */
    uid_t uid;               /* credentials sent with every call (AUTH_SYS) */
    gid_t gid;
    int timeout_ms;          /* per step; the whole probe is bounded by a multiple */
    const char *probe_name;  /* name of the file to create at the export's top; NULL: generated */
};

/* The step a probe reached; a failure happened in `stage`. */
enum mr_nfs_stage {
    MR_NFS_RESOLVE, /* the server's name */
    MR_NFS_CONNECT, /* TCP to port 2049 */
    MR_NFS_MOUNT,
    MR_NFS_CREATE,
    MR_NFS_WRITE,
    MR_NFS_READ,
    MR_NFS_STAT,
    MR_NFS_UNLINK,
    MR_NFS_DONE, /* every step succeeded */
};

struct mr_nfs_result {
    enum mr_nfs_stage stage; /* where it stopped; MR_NFS_DONE on success */
    int err;                 /* negative errno of the failing step (-ETIMEDOUT when it hung) */
    int version;             /* the NFS version that mounted (4 or 3), 0 when none did */
    char address[64];        /* the server's address that was tried */
    char message[512];       /* libnfs's own words for the failure, "" when none */
    char probe_path[256];    /* the probe file, relative to the export */
    bool owner_known;
    uint64_t owner_uid; /* the probe file's owner as the server reports it */
    uint64_t owner_gid;
    bool data_mismatch; /* read back differs from what was written */
};

/* The real probe. Returns 0 when it ran (the outcome is in *res, even a
 * failure of the server), a negative errno when it could not start. */
int mr_nfs_probe_run(const struct mr_nfs_probe *req, struct mr_nfs_result *res);
const char *mr_nfs_stage_name(enum mr_nfs_stage s);

/* A disk image opened with libguestfs, without booting it: the guest's Linux
 * found by libguestfs's inspection, its file systems mounted as its fstab
 * says and served on a local folder (FUSE, guestfs_mount_local), so that
 * every check and fixer runs on it unchanged, as under --root. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

struct mr_image;

struct mr_image_opts {
    const char *const *files; /* the disks of one machine, in order; NULL-terminated */
    bool writable;            /* fix --yes: the disks are changed; else an overlay takes writes */
    FILE *progress;           /* a terminal to tell that the appliance starts; NULL: quiet */
};

/* Opens O->files and mounts the guest's file systems on a new folder under
 * $TMPDIR (mr_image_dir). Respects LIBGUESTFS_BACKEND_SETTINGS; when the
 * appliance dies under KVM and nothing forced a backend, tries once more
 * with TCG and says so in mr_image_notes. On failure everything it made is
 * undone (no mount, no appliance, no folder) and it returns a negative errno
 * with *ret_msg (caller frees): -ENOENT a missing file, -ENOMEDIUM no
 * operating system or no Linux, -EINTR stopped by mr_image_interrupt, -EIO
 * an image libguestfs cannot open. */
int mr_image_open(const struct mr_image_opts *o, struct mr_image **ret, char **ret_msg);

/* The folder the guest's root is mounted on. */
const char *mr_image_dir(const struct mr_image *img);

/* What a reader of the run should know, one line each: which guest was
 * mounted, the fallback to TCG, a file system that could not be mounted.
 * NULL-terminated; owned by IMG. */
char *const *mr_image_notes(const struct mr_image *img);

/* Unmounts, then (a writable image) flushes the guest's file systems and
 * shuts the appliance down, waiting for it; closes the handle and removes
 * the folder. Returns 0, or a negative errno with *ret_msg (caller frees)
 * when the changes may not have reached the disk or the mount would not
 * go. Frees IMG; NULL is fine. */
int mr_image_close(struct mr_image *img, char **ret_msg);

/* From a SIGINT or SIGTERM handler (async-signal-safe): a launch under way
 * stops now, its appliance killed, rather than after its boot;
 * mr_image_open then returns -EINTR. A mounted image is left alone: the
 * caller ends its run and calls mr_image_close. */
void mr_image_interrupt(void);

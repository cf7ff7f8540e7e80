/* Ceph RBD client jobs: librados connects as rbd_user with ceph.conf's
 * monitors and keyring, librbd works on one image in the pool.
 *
 * librados can block far beyond its own timeouts (a monitor that accepts
 * the connection but never completes the handshake, an OSD that stops
 * answering), so the job runs in a child process that reports each step
 * through a pipe, and the parent kills it at the deadline knowing the step
 * that hung, as the NFS probe does (src/live/nfsprobe.c). The libraries are
 * loaded only in that child: linking librados (C++, boost, ...) costs every
 * run of migready ~15 ms of start-up. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rados/librados.h>
#include <rbd/librbd.h>

#include "migready.h"
#include "ops.h"
#include "rados.h"

#define LIBRADOS "librados.so.2"
#define LIBRBD "librbd.so.1"
#define IMAGE_BYTES (4u << 20)
#define CHUNK_BYTES (64u << 10)
/* Written at the start and at the middle of the image: two objects. */
static const uint64_t chunk_offsets[] = {0, IMAGE_BYTES / 2};

static void report(int fd, const struct mr_rbd_result *res)
{
    _Static_assert(sizeof(*res) <= 4096, "one atomic pipe write");
    ssize_t n;
    do
        n = write(fd, res, sizeof(*res));
    while (n < 0 && errno == EINTR);
}

unsigned char mr_rbd_pattern(const char *name, size_t offset)
{
    /* Depends on the name so that a stale image of another run never
     * passes for this one's. */
    unsigned h = 2166136261u;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return (unsigned char)((offset * 131u + offset / 4093u + h) & 0xff);
}

/* The functions we use, looked up in the child. */
struct lib {
    int (*create)(rados_t *, const char *);
    int (*conf_read_file)(rados_t, const char *);
    int (*conf_set)(rados_t, const char *, const char *);
    int (*connect)(rados_t);
    void (*shutdown)(rados_t);
    int (*ioctx_create)(rados_t, const char *, rados_ioctx_t *);
    void (*ioctx_destroy)(rados_ioctx_t);
    int (*rbd_create2)(rados_ioctx_t, const char *, uint64_t, uint64_t, int *);
    int (*rbd_open)(rados_ioctx_t, const char *, rbd_image_t *, const char *);
    int (*rbd_open_read_only)(rados_ioctx_t, const char *, rbd_image_t *, const char *);
    ssize_t (*rbd_write)(rbd_image_t, uint64_t, size_t, const char *);
    ssize_t (*rbd_read)(rbd_image_t, uint64_t, size_t, char *);
    int (*rbd_close)(rbd_image_t);
    int (*rbd_remove)(rados_ioctx_t, const char *);
    int (*rbd_list)(rados_ioctx_t, char *, size_t *);
};

static int load(struct lib *l, struct mr_rbd_result *res)
{
    void *rados = dlopen(LIBRADOS, RTLD_NOW | RTLD_LOCAL);
    void *rbd = rados ? dlopen(LIBRBD, RTLD_NOW | RTLD_LOCAL) : NULL;
    if (!rados || !rbd) {
        snprintf(res->message, sizeof(res->message), "cannot load %s: %s (install librbd1)",
                 rados ? LIBRBD : LIBRADOS, dlerror());
        return -ELIBACC;
    }
#define SYM(h, field, name)                                                                    \
    do {                                                                                       \
        *(void **)&l->field = dlsym(h, name);                                                  \
        if (!l->field) {                                                                       \
            snprintf(res->message, sizeof(res->message), "%s lacks %s", #h, name);              \
            return -ELIBACC;                                                                   \
        }                                                                                      \
    } while (0)
    SYM(rados, create, "rados_create");
    SYM(rados, conf_read_file, "rados_conf_read_file");
    SYM(rados, conf_set, "rados_conf_set");
    SYM(rados, connect, "rados_connect");
    SYM(rados, shutdown, "rados_shutdown");
    SYM(rados, ioctx_create, "rados_ioctx_create");
    SYM(rados, ioctx_destroy, "rados_ioctx_destroy");
    SYM(rbd, rbd_create2, "rbd_create2");
    SYM(rbd, rbd_open, "rbd_open");
    SYM(rbd, rbd_open_read_only, "rbd_open_read_only");
    SYM(rbd, rbd_write, "rbd_write");
    SYM(rbd, rbd_read, "rbd_read");
    SYM(rbd, rbd_close, "rbd_close");
    SYM(rbd, rbd_remove, "rbd_remove");
    SYM(rbd, rbd_list, "rbd_list");
#undef SYM
    return 0;
}

/* Moves RES to STAGE and tells the parent. */
static void step(int fd, struct mr_rbd_result *res, enum mr_rbd_stage stage)
{
    res->stage = stage;
    report(fd, res);
}

static int fail(int fd, struct mr_rbd_result *res, int err, const char *what)
{
    res->err = err < 0 ? err : -EIO;
    snprintf(res->message, sizeof(res->message), "%s: %s", what, strerror(-res->err));
    report(fd, res);
    return res->err;
}

static int write_pattern(const struct lib *l, rbd_image_t img, const char *name)
{
    char *buf = mr_xcalloc(1, CHUNK_BYTES);
    int r = 0;
    for (size_t c = 0; c < MR_ARRAY_SIZE(chunk_offsets) && r == 0; c++) {
        for (size_t i = 0; i < CHUNK_BYTES; i++)
            buf[i] = (char)mr_rbd_pattern(name, chunk_offsets[c] + i);
        ssize_t n = l->rbd_write(img, chunk_offsets[c], CHUNK_BYTES, buf);
        if (n != (ssize_t)CHUNK_BYTES)
            r = n < 0 ? (int)n : -EIO;
    }
    free(buf);
    return r;
}

/* 0 equal, 1 different, a negative errno when it cannot be read. */
static int compare_pattern(const struct lib *l, rbd_image_t img, const char *name)
{
    char *buf = mr_xcalloc(1, CHUNK_BYTES);
    int r = 0;
    for (size_t c = 0; c < MR_ARRAY_SIZE(chunk_offsets) && r == 0; c++) {
        ssize_t n = l->rbd_read(img, chunk_offsets[c], CHUNK_BYTES, buf);
        if (n != (ssize_t)CHUNK_BYTES) {
            r = n < 0 ? (int)n : -EIO;
            break;
        }
        for (size_t i = 0; i < CHUNK_BYTES; i++)
            if ((unsigned char)buf[i] != mr_rbd_pattern(name, chunk_offsets[c] + i)) {
                r = 1;
                break;
            }
    }
    free(buf);
    return r;
}

static int sweep(int fd, const struct lib *l, rados_ioctx_t io, const char *prefix,
                 struct mr_rbd_result *res)
{
    size_t size = 4096;
    char *names = NULL;
    int r;
    for (;;) {
        /* An empty pool fills nothing: the buffer must already read as
         * an empty list. */
        free(names);
        names = mr_xcalloc(1, size + 1);
        r = l->rbd_list(io, names, &size);
        if (r != -ERANGE)
            break;
    }
    if (r < 0) {
        free(names);
        return fail(fd, res, r, "list the pool's images");
    }
    size_t used = (size_t)r; /* rbd_list returns the bytes it filled */
    step(fd, res, MR_RBD_REMOVE_IMAGE);
    for (const char *n = names; n < names + used && *n; n += strnlen(n, used) + 1) {
        if (strncmp(n, prefix, strlen(prefix)) != 0)
            continue;
        if (l->rbd_remove(io, n) == 0)
            res->removed++;
    }
    free(names);
    return 0;
}

static int job(int fd, const struct mr_rbd_request *req, struct mr_rbd_result *res)
{
    struct lib l;
    step(fd, res, MR_RBD_LOAD);
    int r = load(&l, res);
    if (r < 0) {
        res->err = r;
        report(fd, res);
        return r;
    }
    rados_t cl = NULL;
    rados_ioctx_t io = NULL;
    rbd_image_t img = NULL;
    const char *name = req->image;
    char *what = NULL;
    step(fd, res, MR_RBD_CONF);
    r = l.create(&cl, req->user);
    if (r < 0)
        return fail(fd, res, r, "create a librados handle");
    r = l.conf_read_file(cl, req->conf);
    if (r < 0) {
        what = mr_xasprintf("read %s", req->conf);
        fail(fd, res, r, what);
        goto cleanup;
    }
    /* librados's own deadlines, below ours so that it names the failure
     * itself; and nothing printed, no admin socket, no log file. */
    int s = req->timeout_ms / 2000 > 0 ? req->timeout_ms / 2000 : 1;
    char secs[16];
    snprintf(secs, sizeof(secs), "%d", s);
    static const char *const quiet[][2] = {
        {"log_to_stderr", "false"}, {"err_to_stderr", "false"}, {"log_file", ""},
        {"admin_socket", ""},       {"log_to_file", "false"},
    };
    for (size_t i = 0; i < MR_ARRAY_SIZE(quiet); i++)
        l.conf_set(cl, quiet[i][0], quiet[i][1]);
    l.conf_set(cl, "client_mount_timeout", secs);
    l.conf_set(cl, "rados_mon_op_timeout", secs);
    l.conf_set(cl, "rados_osd_op_timeout", secs);
    if (req->keyring && (r = l.conf_set(cl, "keyring", req->keyring)) < 0) {
        fail(fd, res, r, "set the keyring");
        goto cleanup;
    }

    step(fd, res, MR_RBD_CONNECT);
    r = l.connect(cl);
    if (r < 0) {
        what = mr_xasprintf("error connecting as client.%s", req->user);
        fail(fd, res, r, what);
        goto cleanup;
    }
    step(fd, res, MR_RBD_POOL);
    r = l.ioctx_create(cl, req->pool, &io);
    if (r < 0) {
        what = mr_xasprintf("open the pool %s", req->pool);
        fail(fd, res, r, what);
        io = NULL;
        goto cleanup;
    }

    if (req->action == MR_RBD_SWEEP) {
        if (sweep(fd, &l, io, name, res) == 0)
            step(fd, res, MR_RBD_DONE);
        goto cleanup;
    }
    if (req->action == MR_RBD_REMOVE) {
        step(fd, res, MR_RBD_REMOVE_IMAGE);
        r = l.rbd_remove(io, name);
        if (r < 0 && r != -ENOENT) {
            what = mr_xasprintf("remove the image %s/%s", req->pool, name);
            fail(fd, res, r, what);
        } else {
            step(fd, res, MR_RBD_DONE);
        }
        goto cleanup;
    }
    if (req->action != MR_RBD_VERIFY) {
        step(fd, res, MR_RBD_CREATE_IMAGE);
        int order = 0;
        r = l.rbd_create2(io, name, IMAGE_BYTES, RBD_FEATURE_LAYERING, &order);
        if (r < 0) {
            what = mr_xasprintf("create the image %s/%s", req->pool, name);
            fail(fd, res, r, what);
            goto cleanup;
        }
    }
    step(fd, res, MR_RBD_OPEN);
    r = req->action == MR_RBD_VERIFY ? l.rbd_open_read_only(io, name, &img, NULL)
                                     : l.rbd_open(io, name, &img, NULL);
    if (r < 0) {
        img = NULL;
        what = mr_xasprintf("open the image %s/%s", req->pool, name);
        fail(fd, res, r, what);
        goto remove;
    }
    if (req->action != MR_RBD_VERIFY) {
        step(fd, res, MR_RBD_WRITE);
        r = write_pattern(&l, img, name);
        if (r < 0) {
            what = mr_xasprintf("write to the image %s/%s", req->pool, name);
            fail(fd, res, r, what);
            goto remove;
        }
    }
    if (req->action != MR_RBD_CREATE) {
        step(fd, res, MR_RBD_READ);
        r = compare_pattern(&l, img, name);
        if (r < 0) {
            what = mr_xasprintf("read the image %s/%s", req->pool, name);
            fail(fd, res, r, what);
            goto remove;
        }
        if (r == 1) {
            res->data_mismatch = true;
            res->err = -EIO;
            snprintf(res->message, sizeof(res->message),
                     "the data read back from %s/%s differs from what was written", req->pool,
                     name);
            report(fd, res);
            goto remove;
        }
    }
    l.rbd_close(img);
    img = NULL;
    if (req->action == MR_RBD_PROBE) {
        step(fd, res, MR_RBD_REMOVE_IMAGE);
        r = l.rbd_remove(io, name);
        if (r < 0) {
            what = mr_xasprintf("remove the image %s/%s", req->pool, name);
            fail(fd, res, r, what);
            goto cleanup;
        }
    }
    step(fd, res, MR_RBD_DONE);
    goto cleanup;

remove:
    /* A probe never leaves its image behind, even half made. */
    if (img)
        l.rbd_close(img);
    img = NULL;
    if (req->action == MR_RBD_PROBE || req->action == MR_RBD_CREATE)
        l.rbd_remove(io, name);
cleanup:
    if (img)
        l.rbd_close(img);
    if (io)
        l.ioctx_destroy(io);
    l.shutdown(cl);
    free(what);
    return res->err;
}

/* The child's side of mr_child_records(). */
static void child(int fd, const void *arg)
{
    struct mr_rbd_result r = {.stage = MR_RBD_LOAD};
    job(fd, arg, &r);
}

int mr_rbd_probe_run(const struct mr_rbd_request *req, struct mr_rbd_result *res)
{
    *res = (struct mr_rbd_result){.stage = MR_RBD_LOAD};
    int t = mr_child_records(child, req, res, sizeof(*res), mr_now_ms() + req->timeout_ms);
    if (t < 0)
        return t;
    bool timed_out = t == 1;
    if (res->stage != MR_RBD_DONE && res->err == 0) {
        res->err = timed_out ? -ETIMEDOUT : -EIO;
        snprintf(res->message, sizeof(res->message), "%s",
                 timed_out ? "no answer within the deadline (a monitor or OSD that does not "
                             "answer?)"
                           : "the Ceph client process died");
        if (timed_out) {
            char *m = mr_xasprintf("%s did not finish within %d s: no answer from the cluster",
                                   mr_rbd_stage_name(res->stage),
                                   (req->timeout_ms + 999) / 1000);
            snprintf(res->message, sizeof(res->message), "%s", m);
            free(m);
        }
    }
    return 0;
}

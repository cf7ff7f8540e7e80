/* Disk images through libguestfs: the one module that links it. The
 * appliance (a small VM that reads the disks) is launched, its inspection
 * finds the guest's Linux, and guestfs_mount_local serves the guest's file
 * systems on a local folder from a thread of ours, so that the engine reads
 * and writes plain files. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <guestfs.h>

#include "image.h"
#include "migready.h"

/* libguestfs is loaded on first use, as libvirt is (src/live/virt-dl.c):
 * linking it would cost every run its ~30 extra libraries (libvirt, glib,
 * libstdc++) before main(), for the few runs that open an image. Each
 * pointer has libguestfs's own prototype (from <guestfs.h>), and the macros
 * below make the calls read as plain libguestfs calls. */
#define MR_GUESTFS_SONAME "libguestfs.so.0"
#define GUESTFS_FUNCS(X)                                                                          \
    X(guestfs_add_drive_opts) X(guestfs_close) X(guestfs_create)                                   \
    X(guestfs_get_backend_setting) X(guestfs_get_backend_settings)                                 \
    X(guestfs_inspect_get_mountpoints) X(guestfs_inspect_get_type) X(guestfs_inspect_os)           \
    X(guestfs_last_error) X(guestfs_launch) X(guestfs_list_filesystems) X(guestfs_mount)           \
    X(guestfs_mount_local) X(guestfs_mount_local_run) X(guestfs_mount_ro)                          \
    X(guestfs_set_backend_settings) X(guestfs_set_error_handler) X(guestfs_set_event_callback)     \
    X(guestfs_shutdown) X(guestfs_umount_all)

static struct {
#define GFS_DECLARE(name) __typeof__(name) *name;
    GUESTFS_FUNCS(GFS_DECLARE)
#undef GFS_DECLARE
} gfs;

/* The library and every function, once; 0 or -ENOENT with *ret_msg. */
static int load_guestfs(char **ret_msg)
{
    static void *lib;
    if (lib)
        return 0;
    void *l = dlopen(MR_GUESTFS_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!l) {
        const char *why = dlerror();
        *ret_msg = mr_xasprintf("cannot load %s: %s (apt-get install libguestfs0)",
                                MR_GUESTFS_SONAME, why ? why : "unknown error");
        return -ENOENT;
    }
#define GFS_LOAD(name)                                                                            \
    if (!(*(void **)&gfs.name = dlsym(l, #name))) {                                               \
        *ret_msg = mr_xasprintf("%s lacks %s: libguestfs 1.38 or later is needed",                \
                                MR_GUESTFS_SONAME, #name);                                        \
        dlclose(l);                                                                               \
        return -ENOENT;                                                                           \
    }
    GUESTFS_FUNCS(GFS_LOAD)
#undef GFS_LOAD
    lib = l;
    return 0;
}

#define guestfs_add_drive_opts gfs.guestfs_add_drive_opts
#define guestfs_close gfs.guestfs_close
#define guestfs_create gfs.guestfs_create
#define guestfs_get_backend_setting gfs.guestfs_get_backend_setting
#define guestfs_get_backend_settings gfs.guestfs_get_backend_settings
#define guestfs_inspect_get_mountpoints gfs.guestfs_inspect_get_mountpoints
#define guestfs_inspect_get_type gfs.guestfs_inspect_get_type
#define guestfs_inspect_os gfs.guestfs_inspect_os
#define guestfs_last_error gfs.guestfs_last_error
#define guestfs_launch gfs.guestfs_launch
#define guestfs_list_filesystems gfs.guestfs_list_filesystems
#define guestfs_mount gfs.guestfs_mount
#define guestfs_mount_local gfs.guestfs_mount_local
#define guestfs_mount_local_run gfs.guestfs_mount_local_run
#define guestfs_mount_ro gfs.guestfs_mount_ro
#define guestfs_set_backend_settings gfs.guestfs_set_backend_settings
#define guestfs_set_error_handler gfs.guestfs_set_error_handler
#define guestfs_set_event_callback gfs.guestfs_set_event_callback
#define guestfs_shutdown gfs.guestfs_shutdown
#define guestfs_umount_all gfs.guestfs_umount_all

/* The end of the appliance's log kept for the message of a failed launch
 * and to tell a KVM failure from a bad image. */
#define LOG_KEEP 8192

struct mr_image {
    guestfs_h *g;
    char *dir;       /* the mount point, NULL until made */
    bool mounted;    /* guestfs_mount_local succeeded: the thread serves it */
    bool writable;
    pthread_t thread;
    bool thread_started;
    int run_r;       /* guestfs_mount_local_run's result, from the thread */
    char *run_error; /* its error, from the thread */
    char **notes;
    /* During open only: the appliance's log and the progress shown. */
    char log[LOG_KEEP];
    size_t log_len;
    FILE *progress;
    int shown_pct;
};

/* What a signal handler may touch: whether a launch is under way and where
 * the kernel lists the children of the thread that launches it. */
static volatile sig_atomic_t launching;
static volatile sig_atomic_t interrupted;
static char children_path[64];

void mr_image_interrupt(void)
{
    interrupted = 1;
    if (!launching)
        return;
    /* open, read, kill: all async-signal-safe. The children of the
     * launching thread are the appliance's qemu, libguestfs's recovery
     * process and, on a first run, supermin: all of this launch. */
    int fd = open(children_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    char buf[512];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    long pid = 0;
    for (char *p = buf;; p++) {
        if (*p >= '0' && *p <= '9') {
            pid = pid * 10 + (*p - '0');
            continue;
        }
        if (pid > 0)
            kill((pid_t)pid, SIGKILL);
        pid = 0;
        if (!*p)
            break;
    }
}

static void note(struct mr_image *img, const char *fmt, ...) MR_PRINTF(2, 3);

static void note(struct mr_image *img, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = mr_xvasprintf(fmt, ap);
    va_end(ap);
    mr_strv_push(&img->notes, s);
    free(s);
}

/* The first line of libguestfs's last error: the rest is its advice to
 * enable debugging, which our message replaces. */
static char *last_error(guestfs_h *g)
{
    const char *e = g ? guestfs_last_error(g) : NULL;
    if (!e)
        return mr_xstrdup("unknown libguestfs error");
    return mr_xstrndup(e, strcspn(e, "\n"));
}

static void on_event(guestfs_h *g, void *opaque, uint64_t event, int event_handle, int flags,
                     const char *buf, size_t buf_len, const uint64_t *array, size_t array_len)
{
    struct mr_image *img = opaque;
    if (event == GUESTFS_EVENT_PROGRESS) {
        if (!img->progress || array_len < 4 || array[3] == 0)
            return;
        int pct = (int)(array[2] * 100 / array[3]);
        if (pct != img->shown_pct) {
            fprintf(img->progress, "\rmigready: appliance starting: %3d%%", pct);
            fflush(img->progress);
            img->shown_pct = pct;
        }
        return;
    }
    /* Log messages (qemu's, the appliance's, the library's, warnings):
     * kept, never printed. */
    if (buf_len >= LOG_KEEP) {
        buf += buf_len - (LOG_KEEP - 1);
        buf_len = LOG_KEEP - 1;
    }
    if (img->log_len + buf_len >= LOG_KEEP) {
        size_t drop = img->log_len + buf_len - (LOG_KEEP - 1);
        memmove(img->log, img->log + drop, img->log_len - drop);
        img->log_len -= drop;
    }
    memcpy(img->log + img->log_len, buf, buf_len);
    img->log_len += buf_len;
    img->log[img->log_len] = '\0';
}

static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

/* A handle with the disks added, its events routed to IMG. */
static int new_handle(struct mr_image *img, const struct mr_image_opts *o, bool force_tcg,
                      char **ret_msg)
{
    /* guestfs_create reads LIBGUESTFS_BACKEND and LIBGUESTFS_BACKEND_SETTINGS. */
    guestfs_h *g = guestfs_create();
    if (!g) {
        *ret_msg = mr_xasprintf("cannot create a libguestfs handle: %s", strerror(errno));
        return -ENOMEM;
    }
    guestfs_set_error_handler(g, NULL, NULL);
    guestfs_set_event_callback(g, on_event,
                               GUESTFS_EVENT_PROGRESS | GUESTFS_EVENT_APPLIANCE |
                                   GUESTFS_EVENT_LIBRARY | GUESTFS_EVENT_WARNING,
                               0, img);
    img->g = g;
    if (force_tcg) {
        char **settings = guestfs_get_backend_settings(g);
        mr_strv_push(&settings, "force_tcg");
        int r = guestfs_set_backend_settings(g, settings);
        mr_strv_free(settings);
        if (r < 0) {
            char *e = last_error(g);
            *ret_msg = mr_xasprintf("cannot ask libguestfs for TCG: %s", e);
            free(e);
            return -EIO;
        }
    }
    for (size_t i = 0; o->files[i]; i++) {
        if (guestfs_add_drive_opts(g, o->files[i], GUESTFS_ADD_DRIVE_OPTS_READONLY,
                                   o->writable ? 0 : 1, -1) < 0) {
            char *e = last_error(g);
            *ret_msg = mr_xasprintf("cannot add image '%s': %s", o->files[i], e);
            free(e);
            return -EIO;
        }
    }
    return 0;
}

/* Whether the user chose how the appliance runs: then we never second-guess it. */
static bool backend_forced(guestfs_h *g)
{
    char *v;
    bool forced = false;
    const char *names[] = {"force_tcg", "force_kvm"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(names); i++) {
        /* NULL (ESRCH) when the setting is absent. */
        if ((v = guestfs_get_backend_setting(g, names[i]))) {
            forced = true;
            free(v);
        }
    }
    return forced;
}

static void close_handle(struct mr_image *img)
{
    if (img->g)
        guestfs_close(img->g);
    img->g = NULL;
}

static int launch(struct mr_image *img)
{
    snprintf(children_path, sizeof(children_path), "/proc/self/task/%ld/children",
             (long)gettid());
    if (interrupted)
        return -EINTR;
    launching = 1;
    int r = guestfs_launch(img->g);
    launching = 0;
    if (interrupted)
        return -EINTR;
    return r < 0 ? -EIO : 0;
}

/* Launches the appliance; once more with TCG when KVM killed it. */
static int launch_appliance(struct mr_image *img, const struct mr_image_opts *o, char **ret_msg)
{
    const char *names = o->files[0];
    if (img->progress) {
        fprintf(img->progress,
                "migready: starting the libguestfs appliance to read %s%s (about 10 s with KVM, "
                "30 s or more without; a first run also builds it)\n",
                names, o->files[1] ? " and the other disks" : "");
        img->shown_pct = -1;
    }
    int r = new_handle(img, o, false, ret_msg);
    if (r < 0)
        return r;
    double t0 = mr_now_s();
    r = launch(img);
    /* Taken before backend_forced, whose probe sets an error of its own. */
    char *e = r == -EIO ? last_error(img->g) : NULL;
    if (r == -EIO && !backend_forced(img->g)) {
        /* Here KVM makes qemu abort ("failed to set MSR"); any other cause
         * (a corrupt image) fails again the same way, quickly. */
        bool kvm = contains_nocase(img->log, "kvm") || contains_nocase(e, "killed by signal");
        if (kvm) {
            if (img->progress)
                fprintf(img->progress, "\nmigready: the appliance failed under KVM (%s); "
                                       "trying again with software emulation (TCG)\n",
                        e);
            note(img, "libguestfs: the appliance failed under KVM (%s); it ran with software "
                      "emulation (TCG) instead: LIBGUESTFS_BACKEND_SETTINGS=force_tcg skips the "
                      "failing try",
                 e);
            close_handle(img);
            img->log_len = 0;
            img->log[0] = '\0';
            r = new_handle(img, o, true, ret_msg);
            if (r == 0)
                r = launch(img);
            free(e);
            e = r == -EIO ? last_error(img->g) : NULL;
        }
    }
    if (img->progress)
        fputc('\n', img->progress);
    if (r == -EINTR) {
        *ret_msg = mr_xstrdup("interrupted while the libguestfs appliance was starting");
    } else if (r < 0 && !*ret_msg) {
        /* qemu's own words name a damaged image ("Image is not in qcow2
         * format"); they are the log's last line that has any. */
        const char *why = NULL;
        char *last = NULL;
        for (char *line = strtok(img->log, "\r\n"); line; line = strtok(NULL, "\r\n"))
            if (strstr(line, "qemu") || strstr(line, "could not") || strstr(line, "Could not"))
                why = line;
        if (why)
            last = mr_xasprintf(" (%s)", why);
        *ret_msg = mr_xasprintf("cannot open image '%s' with libguestfs: %s%s: a corrupt image, "
                                "or an appliance that cannot start (libguestfs-test-tool says "
                                "which)",
                                names, e ? e : "launch failed", last ? last : "");
        free(last);
    } else if (r == 0 && img->progress) {
        fprintf(img->progress, "migready: appliance up in %.0f s\n", mr_now_s() - t0);
    }
    free(e);
    return r;
}

/* The first Linux among the roots inspection found; -ENOMEDIUM with a
 * message naming what is there instead. */
static int find_linux(struct mr_image *img, const struct mr_image_opts *o, char **ret_root,
                      char **ret_msg)
{
    guestfs_h *g = img->g;
    char **roots = guestfs_inspect_os(g);
    int r = -ENOMEDIUM;
    if (!roots) {
        char *e = last_error(g);
        *ret_msg = mr_xasprintf("cannot inspect image '%s': %s", o->files[0], e);
        free(e);
        return -EIO;
    }
    for (size_t i = 0; roots[i]; i++) {
        char *type = guestfs_inspect_get_type(g, roots[i]);
        if (type && strcmp(type, "linux") == 0) {
            *ret_root = mr_xstrdup(roots[i]);
            free(type);
            r = 0;
            break;
        }
        if (!*ret_msg)
            *ret_msg = mr_xasprintf("image '%s' holds %s (%s), not Linux", o->files[0],
                                    type ? type : "an unknown system", roots[i]);
        free(type);
    }
    if (!roots[0]) {
        char **fs = guestfs_list_filesystems(g);
        size_t n = 0;
        for (size_t i = 0; fs && fs[i] && fs[i + 1]; i += 2)
            if (strcmp(fs[i + 1], "unknown") != 0 && strcmp(fs[i + 1], "swap") != 0)
                n++;
        *ret_msg = n ? mr_xasprintf("no operating system found in image '%s': its %zu file "
                                    "system%s hold%s no Linux root (/etc, /bin)",
                                    o->files[0], n, n == 1 ? "" : "s", n == 1 ? "s" : "")
                     : mr_xasprintf("no operating system found in image '%s': it holds no file "
                                    "system (empty, zero-filled or corrupt)",
                                    o->files[0]);
        mr_strv_free(fs);
    }
    if (r == 0) {
        free(*ret_msg);
        *ret_msg = NULL;
    }
    mr_strv_free(roots);
    return r;
}

static int by_length(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    size_t lx = strlen(x[0]), ly = strlen(y[0]);
    return lx < ly ? -1 : lx > ly ? 1 : strcmp(x[0], y[0]);
}

/* The guest's file systems where its fstab puts them, shortest mount point
 * first so that /var/lib/nova goes on top of /var. Only the root must
 * mount; another one that does not is named in the notes. */
static int mount_guest(struct mr_image *img, const char *root, char **ret_msg)
{
    guestfs_h *g = img->g;
    char **mps = guestfs_inspect_get_mountpoints(g, root);
    if (!mps) {
        char *e = last_error(g);
        *ret_msg = mr_xasprintf("cannot read the guest's mount points: %s", e);
        free(e);
        return -EIO;
    }
    size_t n = mr_strv_len(mps) / 2;
    qsort(mps, n, 2 * sizeof(char *), by_length);
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        const char *mp = mps[2 * i], *dev = mps[2 * i + 1];
        int m = img->writable ? guestfs_mount(g, dev, mp) : guestfs_mount_ro(g, dev, mp);
        if (m == 0)
            continue;
        char *e = last_error(g);
        if (strcmp(mp, "/") == 0) {
            *ret_msg = mr_xasprintf("cannot mount the guest's root %s: %s", dev, e);
            r = -EIO;
        } else {
            note(img, "libguestfs: %s not mounted on %s: %s", dev, mp, e);
        }
        free(e);
    }
    if (r == 0)
        note(img, "image: the guest's root is %s%s", root,
             img->writable ? "" : ", opened read-only");
    mr_strv_free(mps);
    return r;
}

static void *serve(void *arg)
{
    struct mr_image *img = arg;
    /* The error handler is per thread: the engine's lstat of a file that
     * does not exist is no error to print. */
    guestfs_set_error_handler(img->g, NULL, NULL);
    img->run_r = guestfs_mount_local_run(img->g);
    if (img->run_r < 0)
        img->run_error = last_error(img->g);
    return NULL;
}

/* Mounts the guest on a new folder and serves it from a thread that takes
 * no SIGINT or SIGTERM: those are for the main thread, whose handler ends
 * the run. */
static int serve_guest(struct mr_image *img, char **ret_msg)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = mr_xasprintf("%s/migready-image-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        int r = -errno;
        *ret_msg = mr_xasprintf("cannot make a mount point %s: %s", dir, strerror(errno));
        free(dir);
        return r;
    }
    img->dir = dir;
    if (guestfs_mount_local(img->g, dir, GUESTFS_MOUNT_LOCAL_READONLY, img->writable ? 0 : 1,
                            -1) < 0) {
        char *e = last_error(img->g);
        *ret_msg = mr_xasprintf("cannot mount the image on %s (FUSE): %s", dir, e);
        free(e);
        return -EIO;
    }
    img->mounted = true;
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int r = pthread_create(&img->thread, NULL, serve, img);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r != 0) {
        *ret_msg = mr_xasprintf("cannot start the thread that serves the image: %s", strerror(r));
        return -r;
    }
    img->thread_started = true;
    return 0;
}

int mr_image_open(const struct mr_image_opts *o, struct mr_image **ret, char **ret_msg)
{
    *ret_msg = NULL;
    for (size_t i = 0; o->files[i]; i++) {
        struct stat st;
        int fd = open(o->files[i], (o->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
        int r = fd < 0 ? -errno : fstat(fd, &st) < 0 ? -errno : 0;
        /* A file without a single data extent holds only zeros: said
         * without the appliance's half minute. */
        bool zeros = r == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
                     lseek(fd, 0, SEEK_DATA) < 0 && errno == ENXIO;
        if (fd >= 0)
            close(fd);
        if (r == 0 && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
            r = -EINVAL;
        if (r == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
            r = -ENOMEDIUM;
        if (zeros) {
            *ret_msg = mr_xasprintf("no operating system found in image '%s': it holds only "
                                    "zeros",
                                    o->files[i]);
            return -ENOMEDIUM;
        }
        if (r < 0) {
            *ret_msg = mr_xasprintf("cannot open image '%s': %s", o->files[i],
                                    r == -EINVAL       ? "not a file nor a block device"
                                    : r == -ENOMEDIUM ? "empty file"
                                                      : strerror(-r));
            return r;
        }
    }
    int r = load_guestfs(ret_msg);
    if (r < 0)
        return r;
    struct mr_image *img = mr_xcalloc(1, sizeof(*img));
    img->notes = mr_xcalloc(1, sizeof(char *));
    img->writable = o->writable;
    img->progress = o->progress;
    char *root = NULL;
    interrupted = 0;
    r = launch_appliance(img, o, ret_msg);
    if (r == 0)
        r = find_linux(img, o, &root, ret_msg);
    if (r == 0)
        r = mount_guest(img, root, ret_msg);
    if (r == 0 && interrupted) {
        *ret_msg = mr_xstrdup("interrupted while the image was being opened");
        r = -EINTR;
    }
    if (r == 0)
        r = serve_guest(img, ret_msg);
    free(root);
    img->progress = NULL;
    if (r < 0) {
        char *msg = NULL;
        mr_image_close(img, &msg);
        free(msg);
        return r;
    }
    *ret = img;
    return 0;
}

const char *mr_image_dir(const struct mr_image *img)
{
    return img->dir;
}

char *const *mr_image_notes(const struct mr_image *img)
{
    return img->notes;
}

/* fusermount's -u: an unprivileged user cannot umount2 a FUSE mount. */
static int fusermount_u(const char *dir)
{
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDERR_FILENO);
        execlp("fusermount", "fusermount", "-u", "-q", dir, (char *)NULL);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EBUSY;
}

/* The mount goes; a file still open under it (a check that has not yet
 * let go) makes it busy for a moment, so try for a few seconds. */
static int unmount(const char *dir)
{
    int r = -EBUSY;
    for (int i = 0; i < 50; i++) {
        r = umount2(dir, 0) == 0 ? 0 : -errno;
        if (r == -EPERM)
            r = fusermount_u(dir);
        if (r != -EBUSY)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
    }
    /* Last resort: detached, the mount goes when its last user does, and
     * the serving thread ends with it. */
    if (r < 0 && umount2(dir, MNT_DETACH) == 0)
        r = 0;
    return r;
}

int mr_image_close(struct mr_image *img, char **ret_msg)
{
    *ret_msg = NULL;
    if (!img)
        return 0;
    int r = 0;
    if (img->mounted) {
        int u = unmount(img->dir);
        if (u < 0) {
            *ret_msg = mr_xasprintf("cannot unmount %s: %s", img->dir, strerror(-u));
            r = u;
        }
    }
    /* Only once the mount is gone does the thread end. Without that there
     * is no joining it, and the thread still uses IMG: leaking it beats
     * hanging or freeing what is in use. */
    if (img->thread_started && r < 0)
        return r;
    if (img->thread_started) {
        pthread_join(img->thread, NULL);
        if (img->run_r < 0 && img->writable) {
            *ret_msg = mr_xasprintf("serving the image failed: %s", img->run_error);
            r = -EIO;
        }
    }
    if (img->g && r == 0 && img->writable) {
        /* The changes reach the disk only through a clean shutdown. */
        if (guestfs_umount_all(img->g) < 0 || guestfs_shutdown(img->g) < 0) {
            char *e = last_error(img->g);
            *ret_msg = mr_xasprintf("the changes may not have reached the image: %s", e);
            free(e);
            r = -EIO;
        }
    }
    close_handle(img);
    if (img->dir)
        rmdir(img->dir);
    free(img->dir);
    free(img->run_error);
    mr_strv_free(img->notes);
    free(img);
    return r;
}

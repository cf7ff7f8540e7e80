/* migrate-test: a small transient probe domain live-migrates to a peer
 * peer-to-peer and back, as Nova's libvirt driver would migrate an instance.
 *
 * Storage. Nova proves shared storage with a file created in the instances
 * path on one host and looked for on the other; we do the same over SSH as
 * the migration user. With shared storage the probe's disk lives on the
 * instances path and is attached read-only: libvirt only lets a live
 * migration of a writable file disk through when it recognises the file
 * system as shared (NFS, GlusterFS, ...), and a read-only disk is safe
 * wherever it lives. That keeps the test honest on hosts (and in our lab)
 * whose shared folder is not a network file system libvirt knows, without
 * ever passing VIR_MIGRATE_UNSAFE: the destination's QEMU still has to open
 * the very file at the very path, which is what shared storage means for a
 * migration. Under --block the disk is a writable raw image (raw needs no
 * qemu-img on either host) copied with
 * VIR_MIGRATE_NON_SHARED_DISK, and its folder is a libvirt storage pool on
 * both hosts so that the peer's libvirt creates the empty target disk
 * itself (what Nova's pre_live_migration does by hand).
 *
 * Everything we create is named MR_PROBE_PREFIX<host>-<random> and removed
 * on every path out; leftovers of this host's earlier runs are removed
 * before starting, on both hosts. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "ctx.h"
#include "facts-rbd.h"
#include "facts.h"
#include "migrate.h"
#include "migready.h"
#include "netaddr.h"
#include "novaconf.h"
#include "ops.h"
#include "peers.h"
#include "sshpeer.h"
#include "tlspeers.h"
#include "uri.h"
#include "virt.h"

#define SSH_TIMEOUT_S 15
/* libvirt's client has no deadline of its own (src/live/virt.c): each side
 * must answer a bounded open and call before we hold a connection to it. */
#define LIBVIRT_PING_MS 15000
#define SHARED_DISK_BYTES (1024 * 1024)
#define BLOCK_DISK_MIB 16
/* Where the block-migration probe disk goes when the instances path turns
 * out to be shared (Nova would refuse a block migration there). */
#define LOCAL_DISK_DIR "/var/lib/libvirt/images"

/* ------------------------------------------------------------- libvirt */

struct run {
    const struct mr_ctx *ctx;
    const struct mr_migrate_opts *o;
    struct mr_migrate_report *rep;
    const struct mr_novaconf *nova;
    volatile sig_atomic_t *interrupted;
    double deadline;
    char *prefix;             /* migready-probe-<host>- */
    char *instances;          /* instances_path */
    char *out_uri, *out_stream, *back_uri, *back_stream;
    char *peer_client_uri;
    virConnectPtr lc, pc;     /* local, peer */
    char *probe_file;         /* the shared-storage probe */
    char *disk_dir;           /* block: the pool's folder */
    bool local_pool, peer_pool;
    bool shared;
    const char *type;         /* kvm or qemu */
    char *cpu;                /* the <cpu> element */
    const struct mr_rbd_facts *rbd; /* the probe disk is an RBD image (images_type = rbd) */
    bool rbd_image;           /* it was created: remove it on the way out */
};

static int last_code(void)
{
    virErrorPtr e = virGetLastError();
    return e ? e->code : 0;
}

/* With an RBD probe disk, Ceph's words (QEMU's "error connecting",
 * libvirt's "Secret not found") point at the rbd checks instead. */
static void explain_rbd(struct run *rn, const char *msg, const char *to)
{
    struct mr_migrate_cause c;
    if (!rn->rbd || !mr_migrate_explain_rbd(msg, to, rn->rbd->secret_uuid, rn->rbd->user, &c))
        return;
    mr_migrate_cause_clear(&rn->rep->why);
    rn->rep->why = c;
}

/* Records the failure of STEP (message MSG, libvirt CODE) with its cause. */
static const struct mr_facts *peer_facts(struct run *rn, const char **ret_why);

/* Over TLS, a refused connection or a failed handshake has its cause in the
 * certificates more often than libvirt's words say (an expired server
 * certificate stops the peer's libvirtd: "Connection refused"). When the
 * two hosts' facts show what tls.certs would report, that is the cause. */
static void tls_cause(struct run *rn)
{
    struct mr_migrate_cause *why = &rn->rep->why;
    if (why->check && strcmp(why->check, "tls.certs") != 0 &&
        strcmp(why->check, "libvirt.listen") != 0 && strcmp(why->check, "libvirt.auth") != 0)
        return;
    const char *msg = NULL;
    const struct mr_facts *pf = peer_facts(rn, &msg);
    if (!pf)
        return;
    struct mr_tls_issue *v = NULL;
    size_t n = 0;
    char *skip = NULL;
    if (mr_tls_peer_issues(mr_ctx_facts(rn->ctx)->tls, rn->o->peer, pf, time(NULL), &v, &n,
                           &skip) == 0 &&
        n > 0) {
        mr_migrate_cause_clear(why);
        why->check = "tls.certs";
        why->cause = mr_xstrdup(v[0].message);
        why->remedy = mr_xasprintf("%s; 'migready check --only tls.certs --peer %s' finds this",
                                   v[0].remedy, rn->o->peer);
    }
    mr_tls_issues_free(v, n);
    free(skip);
}

static int failed(struct run *rn, enum mr_migrate_outcome outcome, enum mr_migrate_phase phase,
                  const char *from, const char *to, int code, char *step, char *msg)
{
    struct mr_migrate_report *rep = rn->rep;
    if (rep->step) { /* the first failure is the one to explain */
        free(step);
        free(msg);
        return -1;
    }
    rep->outcome = outcome;
    rep->step = step;
    rep->error = msg;
    if (rep->interrupted) {
        rep->why.cause = mr_xstrdup("interrupted (SIGINT or SIGTERM): the migration was aborted");
    } else if (rep->timed_out) {
        rep->why.cause = mr_xasprintf("no round trip within %d s (--timeout): the migration "
                                      "job was aborted",
                                      rn->o->timeout_s > 0 ? rn->o->timeout_s
                                                           : MR_MIGRATE_DEFAULT_TIMEOUT);
        rep->why.remedy = mr_xstrdup("a migration of a few MiB should take seconds: look for "
                                     "dropped packets on the migration port range "
                                     "(firewall.reachability) or a saturated network");
        rep->why.check = "firewall.reachability";
    } else {
        mr_migrate_explain(phase, code, msg, from, to, &rep->why);
        if (rep->transport && strcmp(rep->transport, "tls") == 0)
            tls_cause(rn);
        explain_rbd(rn, msg, to);
    }
    return -1;
}

static void note(struct run *rn, const char *fmt, ...) MR_PRINTF(2, 3);

static void note(struct run *rn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = mr_xvasprintf(fmt, ap);
    va_end(ap);
    mr_strv_push(&rn->rep->notes, s);
    free(s);
}

static int tcp_probe(const char *uri, char **ret_msg)
{
    struct mr_virt_probe p;
    int r = mr_virt_tcp_probe(uri, &p);
    if (r < 0 && p.unresolved)
        *ret_msg = mr_xasprintf("%s does not resolve", p.host);
    else if (r < 0)
        *ret_msg = mr_xasprintf("unable to connect to server at '%s:%d': %s", p.host, p.port,
                                r == -ETIMEDOUT ? "connection timed out (no answer within 3 s)"
                                                : strerror(-r));
    free(p.host);
    return r;
}

static bool ours(const struct run *rn, const char *name)
{
    return name && strncmp(name, rn->prefix, strlen(rn->prefix)) == 0;
}

static void clean_pool(virStoragePoolPtr pool)
{
    if (virStoragePoolIsActive(pool) == 1) {
        virStoragePoolRefresh(pool, 0);
        virStorageVolPtr *vols = NULL;
        int n = virStoragePoolListAllVolumes(pool, &vols, 0);
        for (int i = 0; i < n; i++) {
            virStorageVolDelete(vols[i], 0);
            virStorageVolFree(vols[i]);
        }
        free(vols);
        virStoragePoolDestroy(pool);
    }
    virStoragePoolDelete(pool, 0); /* removes the (now empty) folder */
    virStoragePoolUndefine(pool);
}

/* Removes every domain and pool of ours on CONN; returns how many. */
static int sweep_libvirt(const struct run *rn, virConnectPtr conn)
{
    int found = 0;
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(conn, &doms, 0);
    for (int i = 0; i < n; i++) {
        if (ours(rn, virDomainGetName(doms[i]))) {
            found++;
            if (virDomainIsActive(doms[i]) == 1) {
                virDomainAbortJob(doms[i]);
                virDomainDestroy(doms[i]);
            }
            if (virDomainIsPersistent(doms[i]) == 1)
                virDomainUndefine(doms[i]);
        }
        virDomainFree(doms[i]);
    }
    free(doms);
    virStoragePoolPtr *pools = NULL;
    n = virConnectListAllStoragePools(conn, &pools, 0);
    for (int i = 0; i < n; i++) {
        if (ours(rn, virStoragePoolGetName(pools[i]))) {
            found++;
            clean_pool(pools[i]);
        }
        virStoragePoolFree(pools[i]);
    }
    free(pools);
    return found;
}

/* Our files (and folders one level deep) in DIR, removed. */
static int sweep_dir(const struct run *rn, const char *dir)
{
    int found = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!ours(rn, e->d_name))
            continue;
        found++;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0 || errno != EISDIR)
            continue;
        char *sub = mr_xasprintf("%s/%s", dir, e->d_name);
        DIR *s = opendir(sub);
        struct dirent *f;
        while (s && (f = readdir(s)))
            if (strcmp(f->d_name, ".") && strcmp(f->d_name, ".."))
                unlinkat(dirfd(s), f->d_name, 0);
        if (s)
            closedir(s);
        rmdir(sub);
        free(sub);
    }
    closedir(d);
    return found;
}

static int sweep(struct run *rn)
{
    int n = sweep_libvirt(rn, rn->lc);
    if (rn->pc)
        n += sweep_libvirt(rn, rn->pc);
    n += sweep_dir(rn, rn->instances);
    n += sweep_dir(rn, LOCAL_DISK_DIR);
    return n;
}

/* ------------------------------------------------------------- storage */

struct ssh_job {
    const char *peer, *user, *dir, *cmd;
    int r;
    char *msg;
};

static void *ssh_thread(void *p)
{
    struct ssh_job *j = p;
    j->r = mr_ssh_run(j->peer, j->user, j->dir, j->cmd, SSH_TIMEOUT_S, NULL, &j->msg);
    return NULL;
}

/* Nova's shared-storage test: a file created here, looked for there. 1
 * shared, 0 not, -1 could not tell or DURING failed (recorded as the
 * failure). DURING (may be NULL) runs while the peer looks: starting the
 * probe domain meanwhile saves the SSH round trip's time. */
static int probe_shared(struct run *rn, const char *name, int (*during)(struct run *))
{
    const struct mr_ctx *ctx = rn->ctx;
    const char *peer = rn->o->peer;
    rn->probe_file = mr_xasprintf("%s/%s.shared-storage-test", rn->instances, name);
    int fd = open(rn->probe_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        free(rn->probe_file);
        rn->probe_file = NULL;
        failed(rn, MR_MIGRATE_FAILED, MR_PHASE_STORAGE, rn->rep->host, peer, 0,
               mr_xasprintf("create a probe file in %s", rn->instances),
               mr_xasprintf("cannot create a file in %s: %s", rn->instances, strerror(e)));
        if (e == EACCES || e == EPERM || e == EROFS) {
            mr_migrate_cause_clear(&rn->rep->why);
            rn->rep->why.check = "nova.instances-path";
            rn->rep->why.cause = mr_xasprintf("the instances path %s is not writable here",
                                              rn->instances);
            rn->rep->why.remedy = mr_xstrdup("see 'migready check --only "
                                             "nova.instances-path,nfs.access'");
        } else if (e == ENOENT) {
            mr_migrate_cause_clear(&rn->rep->why);
            rn->rep->why.check = "nova.instances-path";
            rn->rep->why.cause = mr_xasprintf("the instances path %s does not exist",
                                              rn->instances);
        }
        return -1;
    }
    close(fd);
    const char *user = mr_ctx_migration_user(ctx);
    char *ssh_dir = mr_ssh_user_dir(ctx, user);
    if (!ssh_dir)
        ssh_dir = mr_xstrdup("/nonexistent/.ssh");
    char *q = mr_shell_quote(rn->probe_file);
    char *cmd = mr_xasprintf("test -e %s", q);
    struct ssh_job j = {.peer = peer, .user = user, .dir = ssh_dir, .cmd = cmd};
    pthread_t th;
    int dr = 0;
    if (during && pthread_create(&th, NULL, ssh_thread, &j) == 0) {
        dr = during(rn);
        pthread_join(th, NULL);
    } else {
        ssh_thread(&j);
        if (during)
            dr = during(rn);
    }
    char *msg = j.msg;
    int r = j.r;
    unlink(rn->probe_file);
    free(rn->probe_file);
    rn->probe_file = NULL;
    int ret;
    if (dr < 0) {
        ret = -1;
    } else if (r == 0 || r == 1) {
        ret = r == 0;
        note(rn, "%s %s shared with %s: a file created here was %s from %s over SSH as %s",
             rn->instances, ret ? "is" : "is not", peer, ret ? "seen" : "not seen", peer, user);
    } else {
        ret = -1;
        failed(rn, MR_MIGRATE_FAILED, MR_PHASE_STORAGE, rn->rep->host, peer, 0,
               mr_xasprintf("look for the probe file from %s over SSH", peer),
               msg ? msg : mr_xasprintf("'%s' on %s exited %d", cmd, peer, r));
        msg = NULL;
        if (!rn->rep->why.check) {
            mr_migrate_cause_clear(&rn->rep->why);
            rn->rep->why.check = "ssh.peers";
            rn->rep->why.cause = mr_xasprintf("key-only SSH as %s from here to %s does not work, "
                                              "so shared storage cannot be proven (nor can Nova "
                                              "resize or block-migrate)",
                                              user, peer);
            rn->rep->why.remedy = mr_xasprintf("see 'migready check --only ssh.keys,ssh.peers "
                                               "--peer %s'",
                                               peer);
        }
    }
    free(msg);
    free(cmd);
    free(q);
    free(ssh_dir);
    return ret;
}

static char *pool_xml(const char *name, const char *dir)
{
    return mr_xasprintf("<pool type='dir'><name>%s</name><target><path>%s</path></target></pool>",
                        name, dir);
}

/* A dir pool NAME on CONN for DIR, built and started. */
static int make_pool(virConnectPtr conn, const char *name, const char *dir)
{
    char *xml = pool_xml(name, dir);
    virStoragePoolPtr pool = virStoragePoolDefineXML(conn, xml, 0);
    free(xml);
    if (!pool)
        return -1;
    int r = virStoragePoolBuild(pool, 0) < 0 || virStoragePoolCreate(pool, 0) < 0 ? -1 : 0;
    virStoragePoolFree(pool);
    return r;
}

static int make_disk(struct run *rn, const char *name)
{
    struct mr_migrate_report *rep = rn->rep;
    if (!rn->o->block) {
        rep->disk = mr_xasprintf("%s/%s.img", rn->instances, name);
        int fd = open(rep->disk, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 || ftruncate(fd, SHARED_DISK_BYTES) < 0) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            return failed(rn, MR_MIGRATE_SETUP, MR_PHASE_START, rep->host, rep->host, 0,
                          mr_xstrdup("create the probe disk"),
                          mr_xasprintf("cannot create %s: %s", rep->disk, strerror(e)));
        }
        close(fd);
        return 0;
    }
    rn->disk_dir = mr_xasprintf("%s/%s", rn->shared ? LOCAL_DISK_DIR : rn->instances, name);
    rep->disk = mr_xasprintf("%s/disk", rn->disk_dir);
    if (rn->shared)
        note(rn, "%s is shared with %s, where Nova refuses a block migration; the probe disk "
                 "goes to %s, which is local to each host",
             rn->instances, rn->o->peer, LOCAL_DISK_DIR);
    if (make_pool(rn->lc, name, rn->disk_dir) < 0) {
        rn->local_pool = true;
        return failed(rn, MR_MIGRATE_SETUP, MR_PHASE_START, rep->host, rep->host, last_code(),
                      mr_xasprintf("create the storage pool %s here", rn->disk_dir),
                      mr_virt_last_error());
    }
    rn->local_pool = true;
    virStoragePoolPtr pool = virStoragePoolLookupByName(rn->lc, name);
    char *vol = mr_xasprintf("<volume><name>disk</name><capacity unit='MiB'>%d</capacity>"
                             "<target><format type='raw'/></target></volume>",
                             BLOCK_DISK_MIB);
    virStorageVolPtr v = pool ? virStorageVolCreateXML(pool, vol, 0) : NULL;
    free(vol);
    int r = 0;
    if (!v)
        r = failed(rn, MR_MIGRATE_SETUP, MR_PHASE_START, rep->host, rep->host, last_code(),
                   mr_xasprintf("create the probe disk %s", rep->disk), mr_virt_last_error());
    if (v)
        virStorageVolFree(v);
    if (pool)
        virStoragePoolFree(pool);
    if (r < 0)
        return r;
    /* The peer's libvirt creates the target disk in its pool of the same
     * folder while it prepares the incoming migration. */
    rn->peer_pool = true;
    if (make_pool(rn->pc, name, rn->disk_dir) < 0)
        return failed(rn, MR_MIGRATE_FAILED, MR_PHASE_START, rep->host, rn->o->peer, last_code(),
                      mr_xasprintf("create the storage pool %s on %s", rn->disk_dir, rn->o->peer),
                      mr_virt_last_error());
    return 0;
}

/* The RBD probe disk as Nova's libvirt driver writes an rbd instance disk:
 * a network disk authenticated with the configured secret; QEMU finds the
 * monitors in ceph.conf on each host. */
static char *rbd_disk_xml(const struct run *rn, const char *name)
{
    const struct mr_rbd_facts *r = rn->rbd;
    return mr_xasprintf("    <disk type='network' device='disk'>\n"
                        "      <driver name='qemu' type='raw' cache='writeback'/>\n"
                        "      <auth username='%s'><secret type='ceph' uuid='%s'/></auth>\n"
                        "      <source protocol='rbd' name='%s/%s'>\n"
                        "        <config file='%s'/>\n"
                        "      </source>\n"
                        "      <target dev='vda' bus='virtio'/>\n"
                        "    </disk>\n",
                        r->user, r->secret_uuid, r->pool, name, r->ceph_conf);
}

/* ------------------------------------------------------------- domain */

/* The guest CPU as Nova's libvirt driver configures it. */
static int cpu_xml(const struct run *rn, const char *type, char **ret_xml, char **ret_desc,
                   char **ret_msg)
{
    const char *mode = mr_novaconf_str(rn->nova, "libvirt", "cpu_mode");
    const char *models = mr_novaconf_str(rn->nova, "libvirt", "cpu_models");
    char **list = mr_split_list(models);
    int r = 0;
    if (!mode)
        mode = "host-model"; /* Nova's choice for kvm and qemu */
    if (strcmp(mode, "none") == 0) {
        *ret_xml = mr_xstrdup("");
        *ret_desc = mr_xasprintf("cpu_mode none (%s's default CPU)", type);
    } else if (strcmp(mode, "custom") == 0) {
        if (!list || !list[0]) {
            *ret_msg = mr_xstrdup("[libvirt] cpu_mode = custom but cpu_models is empty (Nova "
                                  "would refuse to start)");
            r = -EINVAL;
        } else {
            *ret_xml = mr_xasprintf("<cpu mode='custom' match='exact'><model "
                                    "fallback='forbid'>%s</model></cpu>",
                                    list[0]);
            *ret_desc = mr_xasprintf("cpu_mode custom, model %s", list[0]);
        }
    } else if (strcmp(mode, "host-model") == 0 || strcmp(mode, "host-passthrough") == 0) {
        *ret_xml = mr_xasprintf("<cpu mode='%s'/>", mode);
        *ret_desc = mr_xasprintf("cpu_mode %s", mode);
    } else {
        *ret_msg = mr_xasprintf("[libvirt] cpu_mode = %s is not a mode Nova knows", mode);
        r = -EINVAL;
    }
    mr_strv_free(list);
    return r;
}

static char *domain_xml(const struct run *rn, const char *name, const char *type,
                        const char *cpu)
{
    const struct mr_migrate_report *rep = rn->rep;
    char *disk = rn->rbd ? rbd_disk_xml(rn, name)
                         : mr_xasprintf("    <disk type='file' device='disk'>\n"
                                        "      <driver name='qemu' type='raw'/>\n"
                                        "      <source file='%s'/>\n"
                                        "      <target dev='vda' bus='virtio'/>%s\n"
                                        "    </disk>\n",
                                        rep->disk, rn->o->block ? "" : "\n      <readonly/>");
    char *xml = mr_xasprintf(
        "<domain type='%s'>\n"
        "  <name>%s</name>\n"
        "  <title>migready migrate-test probe (safe to remove)</title>\n"
        "  <memory unit='MiB'>%d</memory>\n"
        "  <vcpu>1</vcpu>\n"
        "  <os><type>hvm</type></os>\n"
        "  %s\n"
        "  <on_poweroff>destroy</on_poweroff>\n"
        "  <on_reboot>restart</on_reboot>\n"
        "  <on_crash>destroy</on_crash>\n"
        "  <devices>\n"
        "%s"
        "    <controller type='usb' model='none'/>\n"
        "    <memballoon model='none'/>\n"
        "  </devices>\n"
        "</domain>\n",
        type, name, MR_PROBE_MEMORY_MIB, cpu, disk);
    free(disk);
    return xml;
}

/* ------------------------------------------------------------- a leg */

struct job {
    virDomainPtr dom;
    const char *duri;
    virTypedParameterPtr params;
    int nparams;
    unsigned int flags;
    int ret;
    virErrorPtr err;
    bool done;
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

static void *job_thread(void *p)
{
    struct job *j = p;
    j->ret = virDomainMigrateToURI3(j->dom, j->duri, j->params, (unsigned)j->nparams, j->flags);
    if (j->ret < 0)
        j->err = virSaveLastError();
    pthread_mutex_lock(&j->lock);
    j->done = true;
    pthread_cond_signal(&j->cond);
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

static void show_progress(virDomainPtr dom, size_t leg, const char *from, const char *to)
{
    int type = 0, n = 0;
    virTypedParameterPtr p = NULL;
    if (virDomainGetJobStats(dom, &type, &p, &n, 0) < 0)
        return;
    unsigned long long done = 0, left = 0, total = 0;
    virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DATA_PROCESSED, &done);
    virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DATA_REMAINING, &left);
    virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DATA_TOTAL, &total);
    virTypedParamsFree(p, n);
    if (type == VIR_DOMAIN_JOB_NONE)
        return;
    char a[32], b[32], c[32];
    mr_human_bytes(a, sizeof(a), done);
    mr_human_bytes(b, sizeof(b), left);
    mr_human_bytes(c, sizeof(c), total);
    fprintf(stderr, "\r\033[Kleg %zu %s -> %s: %s processed, %s remaining, %s total", leg, from,
            to, a, b, c);
}

static void completed_stats(virDomainPtr dom, struct mr_migrate_leg *leg)
{
    int type = 0, n = 0;
    virTypedParameterPtr p = NULL;
    if (virDomainGetJobStats(dom, &type, &p, &n, VIR_DOMAIN_JOB_STATS_COMPLETED) < 0)
        return;
    if (type == VIR_DOMAIN_JOB_COMPLETED) {
        leg->have_stats = true;
        virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_TIME_ELAPSED, &leg->time_ms);
        virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DOWNTIME, &leg->downtime_ms);
        virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DATA_PROCESSED, &leg->bytes);
        virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DATA_TOTAL, &leg->total_bytes);
        virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_MEMORY_ITERATION, &leg->iterations);
        virTypedParamsGetULLong(p, n, VIR_DOMAIN_JOB_DISK_PROCESSED, &leg->disk_bytes);
    }
    virTypedParamsFree(p, n);
}

/* Migrates the probe from SRC to DST (the destination's libvirt at URI,
 * QEMU's stream at STREAM), watching the job: progress, --timeout, Ctrl-C. */
static int leg(struct run *rn, virConnectPtr src, virConnectPtr dst, const char *from,
               const char *to, const char *uri, const char *stream)
{
    struct mr_migrate_report *rep = rn->rep;
    size_t i = rep->n_legs++;
    struct mr_migrate_leg *l = &rep->legs[i];
    l->from = mr_xstrdup(from);
    l->to = mr_xstrdup(to);
    l->uri = mr_xstrdup(uri);
    l->migrate_uri = stream ? mr_xstrdup(stream) : NULL;

    virDomainPtr dom = virDomainLookupByName(src, rep->domain);
    if (!dom)
        return failed(rn, MR_MIGRATE_FAILED, MR_PHASE_MIGRATE, from, to, last_code(),
                      mr_xasprintf("leg %zu %s -> %s", i + 1, from, to),
                      mr_xasprintf("the probe is not on %s: %s", from, mr_virt_last_error()));
    unsigned int flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER;
    if (mr_novaconf_bool(rn->nova, "libvirt", "live_migration_tunnelled"))
        flags |= VIR_MIGRATE_TUNNELLED;
    if (rep->native_tls)
        flags |= VIR_MIGRATE_TLS;
    if (rn->o->block)
        flags |= VIR_MIGRATE_NON_SHARED_DISK;
    virTypedParameterPtr params = NULL;
    int nparams = 0, maxparams = 0;
    if (stream)
        virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_URI, stream);
    if (rn->o->block)
        virTypedParamsAddString(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_MIGRATE_DISKS,
                                "vda");
    long bw = 0;
    const char *bws = mr_novaconf_str(rn->nova, "libvirt", "live_migration_bandwidth");
    if (bws && mr_parse_long(bws, &bw) == 0 && bw > 0)
        virTypedParamsAddULLong(&params, &nparams, &maxparams, VIR_MIGRATE_PARAM_BANDWIDTH,
                                (unsigned long long)bw);

    struct job j = {.dom = dom, .duri = uri, .params = params, .nparams = nparams,
                    .flags = flags};
    pthread_mutex_init(&j.lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j.cond, &ca);
    pthread_condattr_destroy(&ca);
    double t0 = mr_now_s(), last_abort = 0;
    pthread_t th;
    if (pthread_create(&th, NULL, job_thread, &j) != 0) {
        virTypedParamsFree(params, nparams);
        virDomainFree(dom);
        return failed(rn, MR_MIGRATE_SETUP, MR_PHASE_MIGRATE, from, to, 0,
                      mr_xasprintf("leg %zu %s -> %s", i + 1, from, to),
                      mr_xstrdup("cannot start a thread"));
    }
    bool shown = false;
    pthread_mutex_lock(&j.lock);
    for (;;) {
        /* Woken at once when the job ends, else every 100 ms to watch it. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 100 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!j.done && pthread_cond_timedwait(&j.cond, &j.lock, &ts) == 0)
            ;
        bool finished = j.done;
        if (finished)
            break;
        pthread_mutex_unlock(&j.lock);
        double t = mr_now_s();
        bool stop = *rn->interrupted || t > rn->deadline;
        if (stop && t - last_abort > 0.5) {
            if (*rn->interrupted)
                rep->interrupted = true;
            else
                rep->timed_out = true;
            virDomainAbortJob(dom);
            last_abort = t;
        }
        if (rn->o->progress && !stop) {
            show_progress(dom, i + 1, from, to);
            shown = true;
        }
        pthread_mutex_lock(&j.lock);
    }
    pthread_mutex_unlock(&j.lock);
    pthread_join(th, NULL);
    pthread_cond_destroy(&j.cond);
    pthread_mutex_destroy(&j.lock);
    if (shown)
        fputs("\r\033[K", stderr);
    l->seconds = mr_now_s() - t0;
    virTypedParamsFree(params, nparams);
    virDomainFree(dom);
    if (j.ret < 0) {
        char *msg = mr_xstrdup(j.err && j.err->message ? j.err->message : "unknown libvirt error");
        int code = j.err ? j.err->code : 0;
        virFreeError(j.err);
        return failed(rn, MR_MIGRATE_FAILED, MR_PHASE_MIGRATE, from, to, code,
                      mr_xasprintf("leg %zu %s -> %s", i + 1, from, to), msg);
    }
    l->done = true;
    /* With peer-to-peer migration the source's domain is gone (transient);
     * the destination keeps the completed job's statistics. */
    virDomainPtr there = virDomainLookupByName(dst, rep->domain);
    if (there) {
        completed_stats(there, l);
        virDomainFree(there);
    }
    return 0;
}

/* ------------------------------------------------------------- the run */

static volatile sig_atomic_t own_flag;

static void on_signal(int sig)
{
    (void)sig;
    own_flag = 1;
}

/* The probe itself, running here on the disk made for it. */
static int create_domain(struct run *rn)
{
    struct mr_migrate_report *rep = rn->rep;
    char *xml = domain_xml(rn, rep->domain, rn->type, rn->cpu);
    virDomainPtr dom = virDomainCreateXML(rn->lc, xml, 0);
    free(xml);
    if (!dom)
        return failed(rn, MR_MIGRATE_SETUP, MR_PHASE_START, rep->host, rep->host, last_code(),
                      mr_xasprintf("start the probe domain %s here", rep->domain),
                      mr_virt_last_error());
    virDomainFree(dom);
    return 0;
}

/* The probe's disk and the probe itself, running here. */
static int start_domain(struct run *rn)
{
    if (*rn->interrupted || make_disk(rn, rn->rep->domain) < 0)
        return -1;
    return create_domain(rn);
}

/* ------------------------------------------------------------- rbd */

#define RBD_JOB_MS 20000

/* The probe disk is an RBD image when Nova keeps instance disks on Ceph
 * (and no block migration is asked for): this host's facts say which. */
static bool rbd_wanted(struct run *rn)
{
    const char *t = mr_novaconf_str(rn->nova, "libvirt", "images_type");
    if (rn->o->block || !t || strcmp(t, "rbd") != 0)
        return false;
    const struct mr_rbd_facts *r = mr_ctx_facts(rn->ctx)->rbd;
    if (r && r->pool && r->user && r->secret_uuid)
        rn->rbd = r;
    return true;
}

/* One librados job on IMAGE; -1 (recorded as STEP's failure) when it fails. */
static int rbd_job(struct run *rn, enum mr_rbd_action action, const char *image, char *step)
{
    const struct mr_rbd_facts *r = rn->rbd;
    struct mr_rbd_request req = {.action = action, .conf = r->ceph_conf, .user = r->user,
                                 .pool = r->pool, .image = image, .timeout_ms = RBD_JOB_MS};
    struct mr_rbd_result out;
    int rc = rn->ctx->ops->rbd_probe ? rn->ctx->ops->rbd_probe(&req, &out) : -ENOSYS;
    if (rc == 0 && out.stage == MR_RBD_DONE && !out.data_mismatch) {
        free(step);
        return 0;
    }
    struct mr_migrate_report *rep = rn->rep;
    failed(rn, action == MR_RBD_VERIFY ? MR_MIGRATE_FAILED : MR_MIGRATE_SETUP, MR_PHASE_START,
           rep->host, rep->host, 0, step,
           rc < 0 ? mr_xasprintf("cannot start the Ceph client: %s", strerror(-rc))
                  : mr_xstrdup(out.message));
    if (!rep->why.check) {
        mr_migrate_cause_clear(&rep->why);
        rep->why.check = "rbd.access";
        rep->why.cause = out.data_mismatch
                             ? mr_xstrdup("the probe image's data changed on the round trip")
                             : mr_xasprintf("client.%s cannot use the pool %s from here",
                                            r->user, r->pool);
        rep->why.remedy = mr_xstrdup("see 'migready check --only rbd.config,rbd.access'");
    }
    return -1;
}

/* The destination's facts, before anything is created: a secret it lacks
 * or a monitor it cannot reach fail the migration only after QEMU tried
 * (the latter after 300 s). */
static int rbd_precheck(struct run *rn)
{
    struct mr_migrate_report *rep = rn->rep;
    const char *peer = rn->o->peer;
    struct mr_peer *const *peers = NULL;
    size_t n = 0;
    const struct mr_rbd_facts *pr = NULL;
    bool known = false;
    if (mr_ctx_peer_list(rn->ctx, &peers, &n) == 0)
        for (size_t i = 0; i < n; i++)
            if (strcmp(peers[i]->name, peer) == 0 && peers[i]->facts &&
                peers[i]->facts->rbd_known) {
                known = true;
                pr = peers[i]->facts->rbd;
            }
    if (!known) {
        note(rn, "%s's Ceph facts are not known: its secret and monitors are not checked first",
             peer);
        return 0;
    }
    const char *u = rn->rbd->secret_uuid;
    char *why = NULL;
    const char *check = "rbd.secret";
    if (!pr)
        why = mr_xasprintf("%s's Nova does not use rbd (images_type)", peer);
    else if (!pr->secret_uuid || strcmp(pr->secret_uuid, u) != 0)
        why = mr_xasprintf("%s's rbd_secret_uuid is %s, not %s", peer,
                           pr->secret_uuid ? pr->secret_uuid : "unset", u);
    else if (pr->secret_present == 0)
        why = mr_xasprintf("Secret not found: %s's libvirt holds no secret %s", peer, u);
    else if (pr->secret_matches_keyring == 0 || pr->secret_has_value == 0)
        why = mr_xasprintf("%s's libvirt secret %s does not hold client.%s's key (key "
                           "mismatch)", peer, u, rn->rbd->user);
    for (size_t i = 0; pr && !why && i < pr->n_mons; i++) {
        bool any = false, probed = false;
        for (size_t k = 0; k < pr->n_mons; k++)
            if (strcmp(pr->mons[k].addr, pr->mons[i].addr) == 0) {
                any |= pr->mons[k].reachable == 1;
                probed |= pr->mons[k].reachable >= 0;
            }
        if (probed && !any) {
            why = mr_xasprintf("%s cannot reach the Ceph monitor %s on 3300 or 6789", peer,
                               pr->mons[i].addr);
            check = "rbd.access";
        }
    }
    if (!why)
        return 0;
    failed(rn, MR_MIGRATE_FAILED, MR_PHASE_STORAGE, rep->host, peer, 0,
           mr_xasprintf("check %s's Ceph access", peer), why);
    mr_migrate_cause_clear(&rep->why);
    rep->why.check = check;
    rep->why.cause = mr_xasprintf("the migration would fail on %s%s", peer,
                                  strcmp(check, "rbd.access") == 0 ? " after hanging 300 s" : "");
    rep->why.remedy = mr_xasprintf("see 'migready check --only %s --peer %s'", check, peer);
    return -1;
}

/* The probe's disk: a fresh image filled with the pattern; then the probe. */
static int rbd_prepare(struct run *rn)
{
    struct mr_migrate_report *rep = rn->rep;
    if (!rn->rbd)
        return failed(rn, MR_MIGRATE_SETUP, MR_PHASE_START, rep->host, rep->host, 0,
                      mr_xstrdup("read the rbd settings"),
                      mr_xstrdup("images_type = rbd, but images_rbd_pool, rbd_user or "
                                 "rbd_secret_uuid is missing (see rbd.config)"));
    if (rbd_precheck(rn) < 0)
        return -1;
    /* Leftovers of this host's earlier runs. */
    struct mr_rbd_request req = {.action = MR_RBD_SWEEP, .conf = rn->rbd->ceph_conf,
                                 .user = rn->rbd->user, .pool = rn->rbd->pool,
                                 .image = rn->prefix, .timeout_ms = RBD_JOB_MS};
    struct mr_rbd_result out;
    if (rn->ctx->ops->rbd_probe && rn->ctx->ops->rbd_probe(&req, &out) == 0 && out.removed > 0)
        note(rn, "removed %d leftover image(s) %s* from the pool %s", out.removed, rn->prefix,
             rn->rbd->pool);
    if (*rn->interrupted)
        return -1;
    rn->rbd_image = true;
    if (rbd_job(rn, MR_RBD_CREATE, rep->domain,
                mr_xasprintf("create the probe image %s/%s", rn->rbd->pool, rep->domain)) < 0)
        return -1;
    rep->disk = mr_xasprintf("rbd:%s/%s", rn->rbd->pool, rep->domain);
    return create_domain(rn);
}

/* The image's data, read back after the round trip. */
static int rbd_verify(struct run *rn)
{
    return rbd_job(rn, MR_RBD_VERIFY, rn->rep->domain,
                   mr_xasprintf("verify the probe image %s/%s", rn->rbd->pool, rn->rep->domain));
}

/* The image goes on every path; QEMU may hold it a moment after the
 * domain is destroyed. */
static void rbd_cleanup(struct run *rn)
{
    if (!rn->rbd_image)
        return;
    struct mr_rbd_request req = {.action = MR_RBD_REMOVE, .conf = rn->rbd->ceph_conf,
                                 .user = rn->rbd->user, .pool = rn->rbd->pool,
                                 .image = rn->rep->domain, .timeout_ms = RBD_JOB_MS};
    struct mr_rbd_result out = {0};
    for (int attempt = 0; attempt < 10; attempt++) {
        if (rn->ctx->ops->rbd_probe(&req, &out) == 0 && out.stage == MR_RBD_DONE)
            return;
        struct timespec ts = {0, 500 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    note(rn, "cleanup: the image %s/%s may be left behind (%s); run migrate-test again to "
             "remove it", rn->rbd->pool, rn->rep->domain, out.message);
}

/* Everything before the first leg; -1 when a failure is recorded. */
/* The peer as this host resolves it: never a loopback address nor one of
 * this host's own. */
static int check_peer_address(struct run *rn)
{
    const struct mr_ctx *ctx = rn->ctx;
    struct mr_migrate_report *rep = rn->rep;
    const char *peer = rn->o->peer;
    char **addrs = NULL, **own = NULL;
    int r = ctx->ops->resolve(peer, &addrs);
    if (r < 0)
        return failed(rn, MR_MIGRATE_SETUP, MR_PHASE_CONNECT, rep->host, peer, 0,
                      mr_xasprintf("resolve %s", peer),
                      mr_xasprintf("%s does not resolve here (see hosts.resolution)", peer));
    if (ctx->ops->local_addresses(&own) < 0)
        own = NULL;
    for (size_t i = 0; addrs[i]; i++) {
        bool lo = mr_addr_is_local_only(addrs[i]);
        if (lo || mr_strv_contains(own, addrs[i])) {
            failed(rn, lo ? MR_MIGRATE_FAILED : MR_MIGRATE_SETUP, MR_PHASE_CONNECT, rep->host,
                   peer, 0, mr_xasprintf("resolve %s", peer),
                   mr_xasprintf("%s resolves to %s, %s", peer, addrs[i],
                                lo ? "a loopback address" : "an address of this host"));
            if (lo) {
                mr_migrate_cause_clear(&rep->why);
                mr_migrate_explain(MR_PHASE_CONNECT, 0, "resolves to loopback", rep->host, peer,
                                   &rep->why);
            }
            mr_strv_free(addrs);
            mr_strv_free(own);
            return -1;
        }
    }
    mr_strv_free(addrs);
    mr_strv_free(own);
    return 0;
}

/* The peer's facts, when they can be fetched over SSH and tell the
 * addresses Nova uses (a migready that predates them does not); else NULL
 * with *ret_why saying which. */
static const struct mr_facts *peer_facts(struct run *rn, const char **ret_why)
{
    struct mr_peer *const *peers = NULL;
    size_t n = 0;
    *ret_why = "its facts could not be fetched";
    if (mr_ctx_peer_list(rn->ctx, &peers, &n) < 0)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(peers[i]->name, rn->o->peer) != 0)
            continue;
        if (!peers[i]->facts) {
            *ret_why = peers[i]->message ? peers[i]->message : "its facts could not be fetched";
            return NULL;
        }
        if (!peers[i]->facts->nova_addrs_known) {
            *ret_why = "its facts lack nova_addresses (an older migready there)";
            return NULL;
        }
        return peers[i]->facts;
    }
    return NULL;
}

/* Where one leg goes, as Nova's source works it out: the destination's
 * live_migration_inbound_addr when set, for both the libvirt URI and QEMU's
 * stream (nova/virt/libvirt/driver.py, LibvirtDriver._live_migration_operation
 * with migrate_data.target_connect_addr from pre_live_migration, then
 * _live_migration_uri and _migrate_uri); else the destination's compute
 * host name ([DEFAULT] host) in the URI and no stream address, so that
 * libvirt uses the name the destination's libvirtd reports. */
static int leg_uris(struct run *rn, const char *to, const char *host, const char *inbound,
                    char **ret_uri, char **ret_stream)
{
    char *msg = NULL;
    const char *dest = inbound ? inbound : host;
    if (mr_uri_migration(rn->nova, rn->o->transport, dest, inbound != NULL, ret_uri, ret_stream,
                         &msg) < 0)
        return failed(rn, MR_MIGRATE_SETUP, MR_PHASE_CONNECT, rn->rep->host, rn->o->peer, 0,
                      mr_xstrdup("build the migration URI"), msg);
    if (*ret_stream)
        note(rn, "to %s: URI %s, migration address %s (%s's live_migration_inbound_addr)", to,
             *ret_uri, *ret_stream, to);
    else if (inbound)
        note(rn, "to %s: URI %s, migration address none: tunnelled through libvirtd", to,
             *ret_uri);
    else
        note(rn, "to %s: URI %s, migration address none: libvirt uses the host name %s's "
                 "libvirtd reports (%s sets no live_migration_inbound_addr)",
             to, *ret_uri, to, to);
    return 0;
}

/* The URIs Nova would use, both ways, and the transport they imply. */
static int build_uris(struct run *rn)
{
    const struct mr_migrate_opts *o = rn->o;
    struct mr_migrate_report *rep = rn->rep;
    const char *peer = o->peer;
    const char *why = NULL;
    const struct mr_facts *pf = peer_facts(rn, &why);
    if (!pf)
        note(rn, "%s's facts are not available (%s): --peer %s is taken as its [DEFAULT] host, "
                 "its live_migration_inbound_addr is not known",
             peer, why, peer);
    const char *host = pf && pf->nova_host ? pf->nova_host : peer;
    if (leg_uris(rn, peer, host, pf ? pf->live_migration_inbound_addr : NULL, &rn->out_uri,
                 &rn->out_stream) < 0)
        return -1;
    const char *own_host = mr_novaconf_str(rn->nova, "DEFAULT", "host");
    if (leg_uris(rn, rep->host, own_host ? own_host : rep->host,
                 mr_novaconf_str(rn->nova, "libvirt", "live_migration_inbound_addr"),
                 &rn->back_uri, &rn->back_stream) < 0)
        return -1;
    /* A legacy live_migration_uri with no scheme is taken as tcp, libvirt's
     * usual transport for a migration. */
    rep->transport = o->transport ? mr_xstrdup(o->transport) : mr_uri_transport(rn->out_uri);
    if (!rep->transport)
        rep->transport = mr_xstrdup("tcp");
    rep->native_tls =
        o->native_tls || mr_novaconf_bool(rn->nova, "libvirt", "live_migration_with_native_tls");
    rn->peer_client_uri =
        strcmp(rep->transport, "ssh") == 0 && !strchr(rn->out_uri, '?')
            ? mr_xasprintf("%s?no_tty=1", rn->out_uri)
            : mr_xstrdup(rn->out_uri);

    return 0;
}

/* The probe domain's kind (kvm, else QEMU's emulation) and CPU. */
static int choose_domain(struct run *rn, const char **ret_type, char **ret_cpu)
{
    struct mr_migrate_report *rep = rn->rep;
    char *msg = NULL;
    const char *vt = mr_novaconf_str(rn->nova, "libvirt", "virt_type");
    const char *type = vt && strcmp(vt, "qemu") == 0 ? "qemu" : "kvm";
    if (strcmp(type, "kvm") == 0 && access("/dev/kvm", F_OK) < 0) {
        type = "qemu";
        note(rn, "virt_type is kvm but /dev/kvm is missing: the probe runs under QEMU's "
                 "emulation (TCG)");
    }
    rep->domain_type = mr_xstrdup(type);
    char *cpu = NULL, *desc = NULL;
    if (cpu_xml(rn, type, &cpu, &desc, &msg) < 0)
        return failed(rn, MR_MIGRATE_SETUP, MR_PHASE_START, rep->host, rn->o->peer, 0,
                      mr_xstrdup("choose the probe's CPU"), msg);
    rep->cpu = desc;

    *ret_type = type;
    *ret_cpu = cpu;
    return 0;
}

/* libvirt, here and there. */
static int connect_both(struct run *rn)
{
    struct mr_migrate_report *rep = rn->rep;
    const char *peer = rn->o->peer;
    char *msg = NULL;
    if (mr_virt_init(&msg) < 0) {
        return failed(rn, MR_MIGRATE_SETUP, MR_PHASE_START, rep->host, rep->host, 0,
                      mr_xstrdup("load libvirt"), msg);
    }
    int r = mr_virt_ping(mr_uri_local(), LIBVIRT_PING_MS, &msg);
    if (r < 0) {
        return failed(rn, MR_MIGRATE_SETUP, MR_PHASE_START, rep->host, rep->host, 0,
                      mr_xasprintf("connect to the local libvirt (%s)", mr_uri_local()), msg);
    }
    rn->lc = mr_virt_open(mr_uri_local());
    if (!rn->lc) {
        return failed(rn, MR_MIGRATE_SETUP, MR_PHASE_START, rep->host, rep->host, last_code(),
                      mr_xasprintf("connect to the local libvirt (%s)",
                                   mr_uri_local()),
                      mr_virt_last_error());
    }
    r = tcp_probe(rn->peer_client_uri, &msg);
    if (r == 0)
        r = mr_virt_ping(rn->peer_client_uri, LIBVIRT_PING_MS, &msg);
    if (r < 0) {
        return failed(rn, MR_MIGRATE_FAILED, MR_PHASE_CONNECT, rep->host, peer, 0,
                      mr_xasprintf("connect to %s", rn->out_uri), msg);
    }
    rn->pc = mr_virt_open(rn->peer_client_uri);
    if (!rn->pc) {
        return failed(rn, MR_MIGRATE_FAILED, MR_PHASE_CONNECT, rep->host, peer, last_code(),
                      mr_xasprintf("connect to %s", rn->out_uri), mr_virt_last_error());
    }

    return 0;
}

static int prepare(struct run *rn)
{
    const struct mr_ctx *ctx = rn->ctx;
    const struct mr_migrate_opts *o = rn->o;
    struct mr_migrate_report *rep = rn->rep;
    const char *peer = o->peer;
    const char *nmsg = NULL;
    if (mr_ctx_nova(ctx, &rn->nova, &nmsg) < 0)
        return failed(rn, MR_MIGRATE_SETUP, MR_PHASE_START, rep->host, peer, 0,
                      mr_xstrdup("read nova.conf"), mr_xstrdup(nmsg ? nmsg : "unreadable"));
    const char *ip = mr_novaconf_str(rn->nova, "DEFAULT", "instances_path");
    rn->instances = mr_xstrdup(ip ? ip : "/var/lib/nova/instances");
    const char *type = NULL;
    char *cpu = NULL;
    if (check_peer_address(rn) < 0 || build_uris(rn) < 0 || choose_domain(rn, &type, &cpu) < 0)
        return -1;
    if (connect_both(rn) < 0) {
        free(cpu);
        return -1;
    }

    int left = sweep(rn);
    if (left > 0)
        note(rn, "removed %d leftover(s) of an earlier run (%s*)", left, rn->prefix);

    char *id = mr_random_hex8();
    rep->domain = mr_xasprintf("%s%s", rn->prefix, id);
    free(id);

    rn->type = type;
    rn->cpu = cpu;
    if (*rn->interrupted)
        return -1;
    if (rbd_wanted(rn)) {
        rep->storage = mr_xstrdup("rbd");
        return rbd_prepare(rn);
    }
    rep->storage = mr_xstrdup(o->block ? "block" : "shared");
    /* Shared storage: the probe starts while the peer looks for the file
     * (its disk is on the instances path either way); a block migration's
     * disk folder depends on the answer. */
    int s = probe_shared(rn, rep->domain, o->block ? NULL : start_domain);
    if (s < 0)
        return -1;
    rn->shared = s == 1;
    if (!o->block && !rn->shared)
        return failed(rn, MR_MIGRATE_FAILED, MR_PHASE_STORAGE, rep->host, peer,
                      VIR_ERR_MIGRATE_UNSAFE, mr_xasprintf("prove shared storage with %s", peer),
                      mr_xasprintf("a file created in %s here is not seen from %s", rn->instances,
                                   peer));
    return o->block ? start_domain(rn) : 0;
}

static void cleanup(struct run *rn)
{
    struct mr_migrate_report *rep = rn->rep;
    if (rn->probe_file)
        unlink(rn->probe_file);
    /* Whatever a failed leg left: the domain on either side, the disk, the
     * pools. A second attempt catches what a busy job kept. */
    for (int attempt = 0; attempt < 2 && rn->lc; attempt++) {
        sweep(rn);
        struct stat st;
        bool left = false;
        if (rep->domain) {
            virDomainPtr d = virDomainLookupByName(rn->lc, rep->domain);
            if (d) {
                left = true;
                virDomainFree(d);
            }
            if (rn->pc && (d = virDomainLookupByName(rn->pc, rep->domain))) {
                left = true;
                virDomainFree(d);
            }
        }
        if (rep->disk && stat(rep->disk, &st) == 0)
            left = true;
        if (!left)
            return;
        struct timespec ts = {0, 300 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (rn->lc)
        note(rn, "cleanup: %s may be left behind; run migrate-test again to remove it",
             rep->domain ? rep->domain : rn->prefix);
}

int mr_migrate_run(const struct mr_ctx *ctx, const struct mr_migrate_opts *o,
                   struct mr_migrate_report *rep)
{
    double t0 = mr_now_s();
    *rep = (struct mr_migrate_report){0};
    struct run rn = {.ctx = ctx, .o = o, .rep = rep, .interrupted = o->interrupted};
    struct sigaction sa = {.sa_handler = on_signal}, ign = {.sa_handler = SIG_IGN};
    struct sigaction old_int, old_term, old_pipe;
    if (!rn.interrupted) {
        own_flag = 0;
        rn.interrupted = &own_flag;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
    }
    sigaction(SIGPIPE, &ign, &old_pipe);
    rn.deadline = t0 + (o->timeout_s > 0 ? o->timeout_s : MR_MIGRATE_DEFAULT_TIMEOUT);

    char *host = mr_ctx_hostname(ctx);
    rep->host = host ? host : mr_xstrdup("localhost");
    rep->peer = mr_xstrdup(o->peer);
    char *shortname = mr_xstrndup(rep->host, strcspn(rep->host, "."));
    for (char *p = shortname; *p; p++)
        if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9'))
            *p = '-';
    rn.prefix = mr_xasprintf("%s%s-", MR_PROBE_PREFIX, shortname);
    free(shortname);

    if (prepare(&rn) == 0 &&
        leg(&rn, rn.lc, rn.pc, rep->host, o->peer, rn.out_uri, rn.out_stream) == 0 &&
        leg(&rn, rn.pc, rn.lc, o->peer, rep->host, rn.back_uri, rn.back_stream) == 0) {
        virDomainPtr d = virDomainLookupByName(rn.lc, rep->domain);
        int state = 0, reason = 0;
        if (!d || virDomainGetState(d, &state, &reason, 0) < 0 || state != VIR_DOMAIN_RUNNING)
            failed(&rn, MR_MIGRATE_FAILED, MR_PHASE_MIGRATE, o->peer, rep->host, 0,
                   mr_xstrdup("find the probe back here"),
                   mr_xasprintf("%s is not running here after the way back", rep->domain));
        else if (!rn.rbd || rbd_verify(&rn) == 0)
            rep->outcome = MR_MIGRATE_OK;
        if (d)
            virDomainFree(d);
    }
    if (!rep->step && (*rn.interrupted || rep->interrupted)) {
        rep->interrupted = true;
        failed(&rn, MR_MIGRATE_FAILED, MR_PHASE_MIGRATE, rep->host, o->peer, 0,
               mr_xstrdup("interrupted"), mr_xstrdup("interrupted by a signal"));
    }
    cleanup(&rn);
    rbd_cleanup(&rn);

    if (rn.lc)
        virConnectClose(rn.lc);
    if (rn.pc)
        virConnectClose(rn.pc);
    if (!o->interrupted) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    sigaction(SIGPIPE, &old_pipe, NULL);
    free(rn.prefix);
    free(rn.instances);
    free(rn.out_uri);
    free(rn.out_stream);
    free(rn.back_uri);
    free(rn.back_stream);
    free(rn.peer_client_uri);
    free(rn.probe_file);
    free(rn.disk_dir);
    free(rn.cpu);
    rep->seconds = mr_now_s() - t0;
    return (int)rep->outcome;
}

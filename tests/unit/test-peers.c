/* Peers: fetched concurrently through ops->peer_fetch (stubbed here: no
 * SSH), cached once per run; ssh.peers and firewall.reachability on
 * stubbed outcomes (firewall.reachability's connects through a stubbed
 * ops->tcp_probe). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "checks.h"
#include "ctx.h"
#include "facts.h"
#include "migready.h"
#include "ops.h"
#include "peers.h"
#include "testutil.h"

#define FETCH_MS 300

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int calls, in_flight, max_in_flight;

static int stub_resolve(const char *name, char ***ret)
{
    if (strcmp(name, "nowhere") == 0)
        return -ENOENT;
    char **v = mr_xcalloc(1, sizeof(char *));
    char *a = mr_xasprintf("192.0.2.%zu", 100 + strlen(name));
    mr_strv_push(&v, a);
    free(a);
    *ret = v;
    return 0;
}

static struct mr_facts *facts_for(const char *host)
{
    struct mr_facts *f = NULL;
    char *msg = NULL;
    char *json = mr_xasprintf("{\"tool\": \"migready\", \"host\": \"%s\", \"transport\": \"tcp\", "
                              "\"ports\": {\"libvirt\": 16509, \"ssh\": 22, "
                              "\"migration_min\": 49152, \"migration_max\": 49215}}", host);
    if (mr_facts_from_json(json, &f, &msg) < 0)
        fail_msg("%s", msg);
    free(json);
    return f;
}

static unsigned last_port;

static int stub_fetch(const struct mr_ctx *ctx, const char *peer, struct mr_peer *ret)
{
    pthread_mutex_lock(&lock);
    calls++;
    last_port = ret->port;
    if (++in_flight > max_in_flight)
        max_in_flight = in_flight;
    pthread_mutex_unlock(&lock);
    struct timespec ts = {.tv_sec = 0, .tv_nsec = FETCH_MS * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
    if (strcmp(peer, "down") == 0) {
        ret->ssh = MR_PEER_SSH_UNREACHABLE;
        ret->message = mr_xasprintf("cannot connect to down port %u: refused", ret->port);
    } else if (strcmp(peer, "badkey") == 0) {
        ret->ssh = MR_PEER_SSH_HOSTKEY_CHANGED;
        ret->message = mr_xstrdup("badkey presents another key");
    } else {
        ret->ssh = MR_PEER_SSH_OK;
        ret->facts = facts_for(peer);
    }
    pthread_mutex_lock(&lock);
    in_flight--;
    pthread_mutex_unlock(&lock);
    return 0;
}

/* Per port: the state the stubbed connect gives. */
static enum mr_tcp_state port_state[65536];
static int probes_seen;
/* An address whose every port is filtered (NULL: none). */
static const char *filtered_address;

static int stub_probe(struct mr_tcp_probe *v, size_t n, int timeout_ms)
{
    assert_true(timeout_ms >= 1000 && timeout_ms <= 2000);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(v[i].address);
        v[i].state = filtered_address && strcmp(v[i].address, filtered_address) == 0
                         ? MR_TCP_FILTERED
                         : port_state[v[i].port];
        v[i].error = v[i].state == MR_TCP_REFUSED    ? ECONNREFUSED
                     : v[i].state == MR_TCP_FILTERED ? ETIMEDOUT
                                                     : 0;
        probes_seen++;
    }
    return 0;
}

static struct mr_ops stub_ops;

struct fixture {
    char *dir;
    struct mr_ctx *ctx;
    struct mr_result res;
};

static int setup(void **state)
{
    struct fixture *fx = mr_xcalloc(1, sizeof(*fx));
    fx->dir = mr_test_root("seed-good");
    assert_int_equal(mr_ctx_new_for_test(fx->dir, NULL, NULL, &fx->ctx), 0);
    stub_ops = mr_ops_none;
    stub_ops.resolve = stub_resolve;
    stub_ops.peer_fetch = stub_fetch;
    stub_ops.tcp_probe = stub_probe;
    fx->ctx->ops = &stub_ops;
    /* Peers are fetched on the live host only; the stubs stand in for it. */
    fx->ctx->live = true;
    mr_ctx_set_facts(fx->ctx, facts_for("hv1"));
    calls = in_flight = max_in_flight = probes_seen = 0;
    filtered_address = NULL;
    for (size_t i = 0; i < MR_ARRAY_SIZE(port_state); i++)
        port_state[i] = MR_TCP_OPEN;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    mr_result_clear(&fx->res);
    mr_ctx_free(fx->ctx);
    mr_test_rmtree(fx->dir);
    free(fx->dir);
    free(fx);
    return 0;
}

static void set_peers(struct fixture *fx, size_t n, const char *prefix)
{
    mr_strv_free(fx->ctx->peers);
    fx->ctx->peers = mr_xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        char *name = mr_xasprintf("%s%zu", prefix, i + 1);
        mr_strv_push(&fx->ctx->peers, name);
        free(name);
    }
}

/* Drops the fetched peers so that the next mr_ctx_peer_list fetches again. */
static void forget_peers(struct fixture *fx)
{
    mr_ctx_invalidate(fx->ctx, MR_SLOT_PEERS);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double timed_fetch(struct fixture *fx, size_t n)
{
    set_peers(fx, n, "hv");
    forget_peers(fx);
    struct mr_peer *const *peers = NULL;
    size_t got = 0;
    double t0 = now();
    assert_int_equal(mr_ctx_peer_list(fx->ctx, &peers, &got), 0);
    double t = now() - t0;
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++) {
        char *name = mr_xasprintf("hv%zu", i + 1);
        assert_string_equal(peers[i]->name, name); /* in the order given */
        assert_int_equal(peers[i]->ssh, MR_PEER_SSH_OK);
        assert_non_null(peers[i]->facts);
        assert_string_equal(peers[i]->facts->host, name);
        assert_non_null(peers[i]->address);
        assert_true(peers[i]->seconds >= FETCH_MS / 1000.0 * 0.9);
        free(name);
    }
    return t;
}

/* Eight peers take little longer than one: they are fetched concurrently. */
static void test_concurrent(void **state)
{
    struct fixture *fx = *state;
    double one = timed_fetch(fx, 1);
    double eight = timed_fetch(fx, 8);
    fprintf(stderr, "# 1 peer %.3f s, 8 peers %.3f s (ratio %.2f)\n", one, eight, eight / one);
    assert_true(one >= FETCH_MS / 1000.0 * 0.9);
    assert_true(eight < 2 * one);
    assert_int_equal(max_in_flight, 8);
}

/* Never more than 16 at once: 20 peers take two rounds. */
static void test_bounded(void **state)
{
    struct fixture *fx = *state;
    double one = timed_fetch(fx, 1);
    double twenty = timed_fetch(fx, 20);
    fprintf(stderr, "# 1 peer %.3f s, 20 peers %.3f s\n", one, twenty);
    assert_int_equal(max_in_flight, 16);
    assert_true(twenty < 3 * one);
}

/* Fetched once per run, however many checks ask. */
static void test_cached(void **state)
{
    struct fixture *fx = *state;
    set_peers(fx, 3, "hv");
    struct mr_peer *const *a = NULL, *const *b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(mr_ctx_peer_list(fx->ctx, &a, &na), 0);
    assert_int_equal(mr_ctx_peer_list(fx->ctx, &b, &nb), 0);
    assert_int_equal(calls, 3);
    assert_ptr_equal(a, b);
    assert_int_equal(na, 3);
}

/* A name that does not resolve is never handed to SSH; a peer whose host
 * key did not verify brings no facts. */
static void test_unresolved_and_unverified(void **state)
{
    struct fixture *fx = *state;
    mr_strv_free(fx->ctx->peers);
    fx->ctx->peers = mr_split_list("nowhere, badkey");
    struct mr_peer *const *p = NULL;
    size_t n = 0;
    assert_int_equal(mr_ctx_peer_list(fx->ctx, &p, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(calls, 1);
    assert_int_equal(p[0]->ssh, MR_PEER_SSH_UNRESOLVED);
    assert_null(p[0]->address);
    assert_non_null(strstr(p[0]->message, "nowhere does not resolve"));
    assert_int_equal(p[1]->ssh, MR_PEER_SSH_HOSTKEY_CHANGED);
    assert_null(p[1]->facts);
}

static const struct mr_result *run(struct fixture *fx, const struct mr_check *check)
{
    mr_result_clear(&fx->res);
    fx->res = (struct mr_result){.check = check};
    assert_int_equal(check->run(fx->ctx, &fx->res), 0);
    for (size_t i = 0; i < fx->res.n_findings; i++)
        if (fx->res.findings[i].status != MR_PASS && !fx->res.findings[i].remedy) {
            mr_test_dump(&fx->res);
            fail_msg("finding %zu has no remedy", i);
        }
    return &fx->res;
}

static struct mr_peer *stub_peer(const char *name, enum mr_peer_ssh st, const char *msg)
{
    struct mr_peer *p = mr_xcalloc(1, sizeof(*p));
    p->name = mr_xstrdup(name);
    p->address = mr_xstrdup("192.0.2.12");
    p->ssh = st;
    p->message = msg ? mr_xstrdup(msg) : NULL;
    p->user = mr_xstrdup("nova");
    p->key = mr_xstrdup("/var/lib/nova/.ssh/id_ed25519");
    p->known_hosts = mr_xstrdup("/var/lib/nova/.ssh/known_hosts");
    p->fingerprint = mr_xstrdup("SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG");
    p->hostkey_type = mr_xstrdup("ed25519");
    if (st == MR_PEER_SSH_OK)
        p->facts = facts_for(name);
    return p;
}

static void preload(struct fixture *fx, struct mr_peer **v, size_t n)
{
    forget_peers(fx);
    mr_strv_free(fx->ctx->peers);
    fx->ctx->peers = mr_xcalloc(1, sizeof(char *));
    struct mr_peer **peers = mr_xcalloc(n, sizeof(*peers));
    for (size_t i = 0; i < n; i++) {
        mr_strv_push(&fx->ctx->peers, v[i]->name);
        peers[i] = v[i];
    }
    mr_ctx_set_peers(fx->ctx, peers, n);
}

static void test_ssh_peers_pass(void **state)
{
    struct fixture *fx = *state;
    struct mr_peer *v[] = {stub_peer("hv2", MR_PEER_SSH_OK, NULL)};
    preload(fx, v, 1);
    const struct mr_result *r = run(fx, &mr_check_ssh_peers);
    assert_int_equal(r->status, MR_PASS);
    const struct mr_finding *f = mr_test_finding(r, "hv2 (192.0.2.12)");
    assert_non_null(strstr(f->message, "/var/lib/nova/.ssh/id_ed25519"));
    assert_non_null(strstr(f->message, "SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"));
}

static void test_ssh_peers_hostkeys(void **state)
{
    struct fixture *fx = *state;
    struct mr_peer *v[] = {
        stub_peer("hv2", MR_PEER_SSH_HOSTKEY_CHANGED,
                  "hv2 presents the ed25519 host key SHA256:abcdefghijklmnopqrstuvwxyz0123456789"
                  "ABCDEFG, but /var/lib/nova/.ssh/known_hosts holds another key for hv2"),
        stub_peer("hv3", MR_PEER_SSH_HOSTKEY_UNKNOWN,
                  "hv3 presents the ed25519 host key SHA256:abcdefghijklmnopqrstuvwxyz0123456789"
                  "ABCDEFG, which neither /var/lib/nova/.ssh/known_hosts nor "
                  "/etc/ssh/ssh_known_hosts lists"),
    };
    preload(fx, v, 2);
    const struct mr_result *r = run(fx, &mr_check_ssh_peers);
    assert_int_equal(r->status, MR_FAIL);
    const struct mr_finding *f = mr_test_finding(r, "hv2 presents");
    assert_int_equal(f->status, MR_FAIL);
    assert_non_null(strstr(f->remedy, "ssh-keygen -R hv2 -f /var/lib/nova/.ssh/known_hosts"));
    assert_non_null(strstr(f->remedy, "ssh-keyscan -t ed25519 hv2 >> "
                                      "/var/lib/nova/.ssh/known_hosts"));
    assert_non_null(strstr(f->remedy, "SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"));
    f = mr_test_finding(r, "hv3 presents");
    assert_int_equal(f->status, MR_FAIL);
    assert_non_null(strstr(f->remedy, "ssh-keyscan -t ed25519 hv3 >> "
                                      "/var/lib/nova/.ssh/known_hosts"));
    assert_null(strstr(f->remedy, "-R hv3"));
    /* Review, never an automatic accept. */
    for (size_t i = 0; i < r->n_findings; i++) {
        assert_null(strstr(r->findings[i].remedy, "StrictHostKeyChecking"));
        assert_non_null(strstr(r->findings[i].remedy, "review"));
    }
}

static void test_ssh_peers_auth_and_remote(void **state)
{
    struct fixture *fx = *state;
    struct mr_peer *v[] = {
        stub_peer("hv2", MR_PEER_SSH_AUTH, "hv2 refuses nova's key /var/lib/nova/.ssh/id_ed25519"),
        stub_peer("hv3", MR_PEER_SSH_REMOTE, "migready is not installed on hv3"),
        stub_peer("hv4", MR_PEER_SSH_UNREACHABLE, "cannot connect to hv4 port 22: refused"),
    };
    preload(fx, v, 3);
    const struct mr_result *r = run(fx, &mr_check_ssh_peers);
    const struct mr_finding *f = mr_test_finding(r, "hv2 refuses nova's key");
    assert_int_equal(f->status, MR_FAIL);
    assert_non_null(strstr(f->remedy, "ssh-copy-id -i /var/lib/nova/.ssh/id_ed25519.pub "
                                      "nova@hv2"));
    f = mr_test_finding(r, "migready is not installed on hv3");
    assert_int_equal(f->status, MR_ERROR);
    assert_non_null(strstr(f->remedy, "remote_migready"));
    f = mr_test_finding(r, "cannot connect to hv4");
    assert_int_equal(f->status, MR_FAIL);
    assert_int_equal(r->status, MR_ERROR);
}

static void test_reachability_open(void **state)
{
    struct fixture *fx = *state;
    port_state[49152] = MR_TCP_REFUSED;
    struct mr_peer *v[] = {stub_peer("hv2", MR_PEER_SSH_OK, NULL)};
    preload(fx, v, 1);
    const struct mr_result *r = run(fx, &mr_check_firewall_reachability);
    assert_int_equal(probes_seen, 3);
    assert_int_equal(r->status, MR_PASS);
    mr_test_finding(r, "hv2 (192.0.2.12): TCP 16509");
    mr_test_finding(r, "hv2 (192.0.2.12): TCP 22");
    const struct mr_finding *f = mr_test_finding(r, "TCP 49152");
    assert_int_equal(f->status, MR_PASS);
    assert_non_null(strstr(f->message, "as expected"));
    /* Facts of an older migready: Nova's names are not tried, and the skip
     * names the field; the check still passes. */
    f = mr_test_finding(r, "hv2: Nova's names for it not tried");
    assert_int_equal(f->status, MR_SKIP);
    assert_non_null(strstr(f->message, "nova_addresses"));
}

static const struct mr_result *run_nova_names(struct fixture *fx, const char *host,
                                              const char *inbound)
{
    struct mr_peer *p = stub_peer("hv2", MR_PEER_SSH_OK, NULL);
    p->facts->nova_addrs_known = true;
    p->facts->nova_host = host ? mr_xstrdup(host) : NULL;
    p->facts->live_migration_inbound_addr = inbound ? mr_xstrdup(inbound) : NULL;
    struct mr_peer *v[] = {p};
    preload(fx, v, 1);
    probes_seen = 0;
    return run(fx, &mr_check_firewall_reachability);
}

/* Nova migrates to the peer's own names, not to the name migready was
 * given: the libvirt URI to live_migration_inbound_addr when set, else to
 * [DEFAULT] host (nova/virt/libvirt/driver.py, _live_migration_operation:
 * dest = migrate_data.target_connect_addr; _live_migration_uri(dest)), and
 * QEMU's stream to tcp://<inbound addr> (_migrate_uri(dest)). Where those
 * lead elsewhere, libvirt's port and the migration range (inbound) and SSH
 * (host) are tried there too. */
static void test_reachability_nova_names(void **state)
{
    struct fixture *fx = *state;
    port_state[49152] = MR_TCP_REFUSED;
    filtered_address = "198.51.100.7";
    /* stub_resolve: hv2-mig leads to 192.0.2.107, not hv2's 192.0.2.12. */
    const struct mr_result *r = run_nova_names(fx, "hv2-mig", "198.51.100.7");
    assert_int_equal(probes_seen, 6);
    mr_test_assert_status(r, MR_FAIL);
    const struct mr_finding *f =
        mr_test_finding(r, "hv2's live_migration_inbound_addr 198.51.100.7: TCP 16509");
    assert_int_equal(f->status, MR_FAIL);
    assert_non_null(strstr(f->message, "filtered"));
    f = mr_test_finding(r, "hv2's live_migration_inbound_addr 198.51.100.7: TCP 49152, the "
                           "first port of the migration range 49152-49215, is filtered");
    assert_int_equal(f->status, MR_FAIL);
    assert_non_null(strstr(f->remedy, "hv2's firewall"));
    f = mr_test_finding(r, "hv2's [DEFAULT] host hv2-mig (192.0.2.107): TCP 22, SSH, answers");
    assert_int_equal(f->status, MR_PASS);
    /* The name's own ports pass as before. */
    f = mr_test_finding(r, "hv2 (192.0.2.12): TCP 16509");
    assert_int_equal(f->status, MR_PASS);

    /* No inbound address: the URI goes to [DEFAULT] host, so libvirt's port
     * is tried there; QEMU's stream is libvirt's choice, not Nova's. */
    r = run_nova_names(fx, "hv2-mig", NULL);
    assert_int_equal(probes_seen, 5);
    mr_test_assert_status(r, MR_PASS);
    f = mr_test_finding(r, "hv2's [DEFAULT] host hv2-mig (192.0.2.107): TCP 16509, libvirt's "
                           "port (tcp transport), answers");
    assert_int_equal(f->status, MR_PASS);

    /* Names that lead to the peer's address add nothing; one that does not
     * resolve is a skip naming it (hosts.resolution fails it). */
    r = run_nova_names(fx, "nowhere", "192.0.2.12");
    assert_int_equal(probes_seen, 3);
    mr_test_assert_status(r, MR_PASS);
    f = mr_test_finding(r, "hv2's [DEFAULT] host nowhere not tried: it does not resolve here");
    assert_int_equal(f->status, MR_SKIP);
}

static void test_reachability_refused_filtered(void **state)
{
    struct fixture *fx = *state;
    port_state[16509] = MR_TCP_REFUSED;
    port_state[22] = MR_TCP_OPEN;
    port_state[49152] = MR_TCP_FILTERED;
    /* The unreachable peer (no facts) is still tried, on this host's ports. */
    struct mr_peer *v[] = {stub_peer("hv2", MR_PEER_SSH_OK, NULL),
                           stub_peer("hv3", MR_PEER_SSH_AUTH, "refused")};
    preload(fx, v, 2);
    const struct mr_result *r = run(fx, &mr_check_firewall_reachability);
    assert_int_equal(probes_seen, 6);
    assert_int_equal(r->status, MR_FAIL);
    const struct mr_finding *f = mr_test_finding(r, "hv2 (192.0.2.12) refuses TCP 16509");
    assert_int_equal(f->status, MR_FAIL);
    assert_non_null(strstr(f->message, "REJECT"));
    assert_non_null(strstr(f->remedy, "on hv2"));
    f = mr_test_finding(r, "hv2 (192.0.2.12): TCP 49152");
    assert_int_equal(f->status, MR_FAIL);
    assert_non_null(strstr(f->message, "filtered"));
    assert_non_null(strstr(f->message, "DROP"));
    mr_test_finding(r, "hv3 (192.0.2.12) refuses TCP 16509");
}

static void test_reachability_unresolved(void **state)
{
    struct fixture *fx = *state;
    struct mr_peer *p = stub_peer("nowhere", MR_PEER_SSH_UNRESOLVED, "nowhere does not resolve");
    free(p->address);
    p->address = NULL;
    struct mr_peer *v[] = {p};
    preload(fx, v, 1);
    const struct mr_result *r = run(fx, &mr_check_firewall_reachability);
    assert_int_equal(probes_seen, 0);
    assert_int_equal(r->status, MR_SKIP);
    mr_test_finding(r, "nowhere does not resolve");
}


/* kolla-ansible runs nova's sshd in the nova_ssh container on nova_ssh_port
 * (8022, roles/nova-cell/defaults/main.yml; sshd_config.j2 "Port",
 * ssh_config.j2 "port"): the fetch is told that port, and ssh.peers names it. */
static void test_kolla_port(void **state)
{
    struct fixture *fx = *state;
    set_peers(fx, 1, "hv");
    struct mr_peer *const *p = NULL;
    size_t n = 0;
    assert_int_equal(mr_ctx_peer_list(fx->ctx, &p, &n), 0);
    assert_int_equal(last_port, 22);

    struct mr_ctx *kolla = NULL;
    char *dir = mr_test_root("kolla");
    assert_int_equal(mr_ctx_new_for_test(dir, NULL, NULL, &kolla), 0);
    kolla->ops = &stub_ops;
    kolla->live = true;
    mr_ctx_set_facts(kolla, facts_for("hv1"));
    mr_strv_free(kolla->peers);
    kolla->peers = mr_split_list("hv1, down");
    assert_int_equal(mr_ctx_peer_list(kolla, &p, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(last_port, 8022);
    assert_int_equal(p[0]->port, 8022);

    struct mr_result res = {.check = &mr_check_ssh_peers};
    assert_int_equal(mr_check_ssh_peers.run(kolla, &res), 0);
    const struct mr_finding *fi = mr_test_finding(&res, "down port 8022");
    assert_non_null(strstr(fi->remedy, "accept TCP 8022 from this host"));
    assert_non_null(strstr(fi->message, "(as nova, port 8022 from /etc/kolla/nova-ssh/ssh_config"));
    mr_result_clear(&res);
    mr_ctx_free(kolla);
    mr_test_rmtree(dir);
    free(dir);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_concurrent),
        T(test_bounded),
        T(test_cached),
        T(test_unresolved_and_unverified),
        T(test_kolla_port),
        T(test_ssh_peers_pass),
        T(test_ssh_peers_hostkeys),
        T(test_ssh_peers_auth_and_remote),
        T(test_reachability_open),
        T(test_reachability_refused_filtered),
        T(test_reachability_unresolved),
        T(test_reachability_nova_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

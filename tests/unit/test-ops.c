/* The real live sources behind the ops table. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cmocka.h>

#include "migready.h"
#include "ops-live.h"
#include "ops.h"
#include "virt.h"

static void test_run(void **state)
{
    char *out = NULL;
    const char *echo[] = {"echo", "hello world", NULL};
    assert_int_equal(mr_ops_live.run(echo, 5000, &out), 0);
    assert_string_equal(out, "hello world\n");
    free(out);
    const char *f[] = {"sh", "-c", "echo partial; echo noise >&2; exit 3", NULL};
    assert_int_equal(mr_ops_live.run(f, 5000, &out), 3);
    assert_string_equal(out, "partial\n");
    free(out);
    const char *missing[] = {"migready-no-such-program", NULL};
    out = NULL;
    assert_int_equal(mr_ops_live.run(missing, 5000, &out), -ENOENT);
    assert_null(out);
    const char *slow[] = {"sleep", "10", NULL};
    assert_int_equal(mr_ops_live.run(slow, 200, &out), -ETIMEDOUT);
    assert_null(out);
}

static void test_resolve(void **state)
{
    char **addrs = NULL;
    assert_int_equal(mr_ops_live.resolve("localhost", &addrs), 0);
    assert_true(mr_strv_contains(addrs, "127.0.0.1") || mr_strv_contains(addrs, "::1"));
    mr_strv_free(addrs);
    /* No lookup of a name that /etc/hosts lacks: it would query a name
     * server outside the test network. The lab covers failures. */
}

static void test_local(void **state)
{
    char **addrs = NULL;
    assert_int_equal(mr_ops_live.local_addresses(&addrs), 0);
    assert_true(mr_strv_contains(addrs, "127.0.0.1"));
    mr_strv_free(addrs);
    char *m = NULL;
    assert_int_equal(mr_ops_live.mounts(&m), 0);
    assert_non_null(strstr(m, " / "));
    free(m);
}

/* A daemon that accepts connections and never answers (a stopped libvirtd):
 * a listening socket nobody accepts on; the kernel completes the
 * handshakes. */
static int silent_unix(char *path, size_t size)
{
    snprintf(path, size, "/tmp/migready-test-ops-%ld.sock", (long)getpid());
    unlink(path);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 16), 0);
    return fd;
}

static int silent_tcp(int *ret_port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *ret_port = ntohs(sa.sin_port);
    return fd;
}

static void test_libvirt_deadline(void **state)
{
    char *msg = NULL;
    if (mr_virt_init(&msg) < 0) {
        print_message("libvirt cannot be loaded here (%s): not tested\n", msg);
        free(msg);
        skip();
    }
    char path[108];
    int fd = silent_unix(path, sizeof(path));
    char *uri = mr_xasprintf("qemu+unix:///system?socket=%s", path);
    struct mr_libvirt_host h = {0};
    long long t0 = mr_now_ms();
    int r = mr_virt_host_within(uri, 700, &h, &msg);
    long long took = mr_now_ms() - t0;
    assert_int_equal(r, -ETIMEDOUT);
    assert_true(took >= 650 && took < 3000);
    assert_non_null(strstr(msg, "did not answer within 1 s"));
    assert_non_null(strstr(msg, uri));
    assert_null(h.capabilities);
    free(msg);
    free(uri);
    close(fd);
    unlink(path);

    /* The TCP probe passes (the kernel accepts), the question does not. */
    int port = 0;
    fd = silent_tcp(&port);
    uri = mr_xasprintf("qemu+tcp://127.0.0.1:%d/system", port);
    int verdict = -1;
    msg = NULL;
    t0 = mr_now_ms();
    r = mr_virt_compare_cpu_within(uri, 700, "kvm", "<cpu/>", &verdict, &msg);
    took = mr_now_ms() - t0;
    assert_int_equal(r, -ETIMEDOUT);
    assert_true(took >= 650 && took < 3000);
    assert_non_null(strstr(msg, "did not answer"));
    assert_int_equal(verdict, -1);
    free(msg);
    msg = NULL;
    assert_int_equal(mr_virt_ping(uri, 300, &msg), -ETIMEDOUT);
    free(msg);
    free(uri);
    close(fd);
}

/* A refused connection is still told apart from silence. */
static void test_libvirt_refused(void **state)
{
    char *msg = NULL;
    if (mr_virt_init(&msg) < 0) {
        free(msg);
        skip();
    }
    int port = 0;
    int fd = silent_tcp(&port);
    close(fd); /* nothing listens there now */
    char *uri = mr_xasprintf("qemu+tcp://127.0.0.1:%d/system", port);
    struct mr_libvirt_host h = {0};
    int r = mr_virt_host_within(uri, 5000, &h, &msg);
    assert_true(r < 0 && r != -ETIMEDOUT);
    assert_non_null(strstr(msg, "cannot connect to"));
    free(msg);
    free(uri);
}

struct rec {
    int n;
    char text[32];
};

/* Three records, the last written in two pieces with a pause between
 * (a pipe may hand a record over in parts), then WAIT_MS more. */
static void rec_job(int fd, const void *arg)
{
    int wait_ms = *(const int *)arg;
    for (int i = 1; i <= 3; i++) {
        struct rec r = {.n = i};
        snprintf(r.text, sizeof(r.text), "record %d", i);
        if (i < 3) {
            (void)!write(fd, &r, sizeof(r));
            continue;
        }
        (void)!write(fd, &r, 5);
        usleep(50 * 1000);
        (void)!write(fd, (char *)&r + 5, sizeof(r) - 5);
    }
    usleep((useconds_t)wait_ms * 1000);
}

static void silent_job(int fd, const void *arg)
{
    (void)fd;
    (void)arg;
}

static void test_child_records(void **state)
{
    (void)state;
    struct rec last = {.n = 0};
    int wait_ms = 0;
    assert_int_equal(mr_child_records(rec_job, &wait_ms, &last, sizeof(last),
                                      mr_now_ms() + 5000), 0);
    assert_int_equal(last.n, 3);
    assert_string_equal(last.text, "record 3");

    /* A child that outlives the deadline is killed; what it said stays. */
    last = (struct rec){.n = 0};
    wait_ms = 10000;
    long long t0 = mr_now_ms();
    assert_int_equal(mr_child_records(rec_job, &wait_ms, &last, sizeof(last), t0 + 500), 1);
    assert_true(mr_now_ms() - t0 < 3000);
    assert_int_equal(last.n, 3);

    /* No record: LAST untouched. */
    last = (struct rec){.n = -7};
    assert_int_equal(mr_child_records(silent_job, NULL, &last, sizeof(last),
                                      mr_now_ms() + 5000), 0);
    assert_int_equal(last.n, -7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_local),
        cmocka_unit_test(test_libvirt_deadline),
        cmocka_unit_test(test_libvirt_refused),
        cmocka_unit_test(test_child_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

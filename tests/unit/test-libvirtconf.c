/* The libvirt configuration reader: lenses, errors with line numbers,
 * libvirt's defaults, systemd units, and Debian's shipped files. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "libvirtconf.h"
#include "migready.h"
#include "rootfs.h"
#include "testutil.h"

struct loaded {
    char *dir;
    struct mr_root *root;
    struct mr_libvirt_conf *conf;
    char *msg;
    int r;
};

static void load_dir(struct loaded *l)
{
    assert_int_equal(mr_root_open(l->dir, &l->root), 0);
    l->r = mr_libvirt_conf_load(l->root, &l->conf, &l->msg);
}

static void load_fixture(struct loaded *l, const char *name)
{
    l->dir = mr_test_root(name);
    load_dir(l);
}

static void unload(struct loaded *l)
{
    mr_libvirt_conf_free(l->conf);
    mr_root_free(l->root);
    free(l->msg);
    mr_test_rmtree(l->dir);
    free(l->dir);
}

static void link_in(const char *root, const char *target, const char *path)
{
    char *full = mr_xasprintf("%s%s", root, path);
    char *dir = mr_xstrdup(path);
    *strrchr(dir, '/') = '\0';
    mr_test_mkdir(root, dir, 0755);
    assert_int_equal(symlink(target, full), 0);
    free(dir);
    free(full);
}

static void test_seed_values(void **state)
{
    struct loaded l = {0};
    struct mr_confval v;
    load_fixture(&l, "libvirt-good");
    assert_int_equal(l.r, 0);

    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "listen_tcp", &v));
    assert_string_equal(v.value, "1");
    assert_string_equal(v.file, "/etc/libvirt/libvirtd.conf");
    assert_int_equal(v.line, 16);
    assert_false(v.is_default);

    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "auth_tcp", &v));
    assert_string_equal(v.value, "none");
    assert_int_equal(v.line, 30);

    /* Commented out: libvirt's built-in default. */
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "tcp_port", &v));
    assert_string_equal(v.value, "16509");
    assert_true(v.is_default);
    assert_null(v.file);
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "auth_tls", &v));
    assert_string_equal(v.value, "none");
    assert_false(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "listen_addr", &v));

    assert_true(mr_libvirt_conf_get(l.conf, MR_QEMU_CONF, "migration_port_max", &v));
    assert_string_equal(v.value, "49215");
    assert_string_equal(v.file, "/etc/libvirt/qemu.conf");
    assert_int_equal(v.line, 15);
    assert_false(mr_libvirt_conf_get(l.conf, MR_QEMU_CONF, "migration_address", &v));

    const char *file = NULL;
    int line = 0;
    assert_string_equal(mr_libvirt_conf_args(l.conf, &file, &line), "--listen");
    assert_string_equal(file, "/etc/default/libvirtd");
    assert_int_equal(line, 5);
    assert_true(mr_libvirt_conf_args_listen(l.conf));

    assert_false(mr_libvirt_conf_modular(l.conf));
    assert_string_equal(mr_libvirt_conf_daemon(l.conf), "libvirtd");
    assert_false(mr_libvirt_conf_socket_activated(l.conf, NULL));
    assert_null(mr_libvirt_conf_note(l.conf));
    assert_string_equal(mr_libvirt_conf_qemu_user(l.conf), "libvirt-qemu");
    assert_string_equal(mr_libvirt_conf_qemu_group(l.conf), "libvirt-qemu");
    unload(&l);
}

static void test_missing_files_defaults(void **state)
{
    struct loaded l = {.dir = mr_test_scratch()};
    struct mr_confval v;
    load_dir(&l);
    assert_int_equal(l.r, 0);
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "listen_tls", &v));
    assert_string_equal(v.value, "1");
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "listen_tcp", &v));
    assert_string_equal(v.value, "0");
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "auth_tcp", &v));
    assert_string_equal(v.value, "sasl");
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "tls_port", &v));
    assert_string_equal(v.value, "16514");
    assert_true(mr_libvirt_conf_get(l.conf, MR_QEMU_CONF, "migration_port_min", &v));
    assert_string_equal(v.value, "49152");
    assert_true(v.is_default);
    assert_null(mr_libvirt_conf_file(l.conf, MR_LIBVIRTD_CONF));
    assert_string_equal(mr_libvirt_conf_file_name(l.conf, MR_LIBVIRTD_CONF),
                        "/etc/libvirt/libvirtd.conf");
    assert_null(mr_libvirt_conf_args(l.conf, NULL, NULL));
    assert_false(mr_libvirt_conf_args_listen(l.conf));
    /* No passwd at all: QEMU would run as root. */
    assert_string_equal(mr_libvirt_conf_qemu_user(l.conf), "root");
    unload(&l);
}

/* libvirtd ignores a key it does not know, so a misspelt key leaves the
 * real one at its default: that is what the checks must see. */
static void test_unknown_key(void **state)
{
    struct loaded l = {0};
    struct mr_confval v;
    load_fixture(&l, "libvirt-bad-key");
    assert_int_equal(l.r, 0);
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "listen_tcpp", &v));
    assert_int_equal(v.line, 30);
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "listen_tcp", &v));
    assert_true(v.is_default);
    assert_string_equal(v.value, "0");
    unload(&l);
}

/* Values are read as libvirt reads them; judging them is the checks' job. */
static void test_quoted_values(void **state)
{
    struct loaded l = {.dir = mr_test_scratch()};
    struct mr_confval v;
    mr_test_write(l.dir, "/etc/libvirt/qemu.conf",
                  "# ports\nmigration_port_min = 49152\nmigration_port_max = \"lots\"\n"
                  "user = '+0'  # root\n");
    load_dir(&l);
    assert_int_equal(l.r, 0);
    assert_true(mr_libvirt_conf_get(l.conf, MR_QEMU_CONF, "migration_port_max", &v));
    assert_string_equal(v.value, "lots");
    assert_int_equal(v.line, 3);
    assert_true(mr_libvirt_conf_get(l.conf, MR_QEMU_CONF, "user", &v));
    assert_string_equal(v.value, "+0");
    unload(&l);
}

/* A file saved on Windows: libvirt's parser takes the CR as part of the line
 * end (src/util/virconf.c, IS_EOL), so must we; lines count as before. */
static void test_crlf(void **state)
{
    struct loaded l = {.dir = mr_test_scratch()};
    struct mr_confval v;
    mr_test_write(l.dir, "/etc/libvirt/libvirtd.conf",
                  "# Master libvirt daemon configuration file\r\n\r\nlisten_tls = 0\r\n"
                  "listen_tcp = 1 # migration\r\nauth_tcp = \"none\"\r\n"
                  "tls_allowed_dn_list = [\"C=GB\",\r\n  \"C=FR\"]\r\n");
    mr_test_write(l.dir, "/etc/libvirt/qemu.conf", "migration_port_min = 49200\r\n");
    load_dir(&l);
    if (l.r != 0)
        fail_msg("%s", l.msg);
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "listen_tcp", &v));
    assert_string_equal(v.value, "1");
    assert_int_equal(v.line, 4);
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "auth_tcp", &v));
    assert_string_equal(v.value, "none");
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "tls_allowed_dn_list", &v));
    assert_string_equal(v.value, "C=GB, C=FR");
    assert_true(mr_libvirt_conf_get(l.conf, MR_QEMU_CONF, "migration_port_min", &v));
    assert_string_equal(v.value, "49200");
    unload(&l);
}

static void test_garbage_line(void **state)
{
    struct loaded l = {.dir = mr_test_scratch()};
    mr_test_write(l.dir, "/etc/libvirt/libvirtd.conf", "listen_tcp = 1\n\n%%% what\n");
    load_dir(&l);
    assert_int_equal(l.r, -EINVAL);
    assert_non_null(strstr(l.msg, "/etc/libvirt/libvirtd.conf:3: cannot parse"));
    unload(&l);
    /* The key is named, the value never (qemu.conf holds console passwords). */
    l = (struct loaded){.dir = mr_test_scratch()};
    mr_test_write(l.dir, "/etc/libvirt/qemu.conf", "vnc_listen = \"0.0.0.0\"\nvnc_password = \"S3CRET\n");
    load_dir(&l);
    assert_int_equal(l.r, -EINVAL);
    assert_non_null(strstr(l.msg, "/etc/libvirt/qemu.conf:2: cannot parse the line of \"vnc_password\""));
    assert_null(strstr(l.msg, "S3CRET"));
    unload(&l);
}

static void test_no_final_newline_and_arrays(void **state)
{
    struct loaded l = {.dir = mr_test_scratch()};
    struct mr_confval v;
    mr_test_write(l.dir, "/etc/libvirt/libvirtd.conf",
                  "tls_allowed_dn_list = [\"C=GB,O=A\", \"C=GB,O=B\"]\nlisten_tcp = 1");
    mr_test_write(l.dir, "/etc/libvirt/qemu.conf", "user = \"+0\"\ngroup = \"+64055\"\n");
    mr_test_write(l.dir, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
    mr_test_write(l.dir, "/etc/group", "root:x:0:\nlibvirt-qemu:x:64055:\n");
    load_dir(&l);
    assert_int_equal(l.r, 0);
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "tls_allowed_dn_list", &v));
    assert_string_equal(v.value, "C=GB,O=A, C=GB,O=B");
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "listen_tcp", &v));
    assert_string_equal(v.value, "1");
    assert_int_equal(v.line, 2);
    assert_string_equal(mr_libvirt_conf_qemu_user(l.conf), "root");
    assert_string_equal(mr_libvirt_conf_qemu_group(l.conf), "libvirt-qemu");
    unload(&l);
}

static void test_args_variants(void **state)
{
    static const struct {
        const char *text;
        bool listen;
    } cases[] = {
        {"LIBVIRTD_ARGS=\"--timeout 120\"\n", false},
        {"LIBVIRTD_ARGS='-d -l'\n", true},
        {"LIBVIRTD_ARGS=--listen\n", true},
        {"LIBVIRTD_ARGS=\"--listen\"\nLIBVIRTD_ARGS=\"\"\n", false},
        /* Shell syntax beyond the fast lens: falls back to Shellvars. */
        {"  export LIBVIRTD_ARGS=\"--listen\" # for migration\n", true},
        {"#LIBVIRTD_ARGS=\"--listen\"\n", false},
    };
    for (size_t i = 0; i < MR_ARRAY_SIZE(cases); i++) {
        struct loaded l = {.dir = mr_test_scratch()};
        mr_test_write(l.dir, "/etc/default/libvirtd", cases[i].text);
        load_dir(&l);
        if (l.r != 0)
            fail_msg("case %zu: %s", i, l.msg);
        if (mr_libvirt_conf_args_listen(l.conf) != cases[i].listen)
            fail_msg("case %zu (%s): listen should be %d", i, cases[i].text, cases[i].listen);
        unload(&l);
    }
}

/* The layouts before LIBVIRTD_ARGS: Debian 9 and 10 (and Ubuntu up to 20.04)
 * pass $libvirtd_opts from /etc/default/libvirtd; Ubuntu up to 18.04 ran the
 * service as libvirt-bin.service with $libvirtd_opts from
 * /etc/default/libvirt-bin. The files follow those packages' comments. */
static void test_args_old_layouts(void **state)
{
    static const char debian10[] =
        "# Defaults for libvirtd initscript (/etc/init.d/libvirtd)\n"
        "# This is a POSIX shell fragment\n\n"
        "# Start libvirtd to handle qemu/kvm:\nstart_libvirtd=\"yes\"\n\n"
        "# options passed to libvirtd, see man libvirtd for details.\n"
        "# For example to enable listening on tcp add -l here\n"
        "# and set up the TLS Certificates that libvirtd will need.\n"
        "libvirtd_opts=\"%s\"\n";
    static const struct {
        const char *file;
        const char *opts;
        const char *unit; /* the unit's file, NULL: none in the root */
        const char *unit_text;
        bool listen;
        const char *var;
    } cases[] = {
        {"/etc/default/libvirtd", "-d -l", NULL, NULL, true, "libvirtd_opts"},
        {"/etc/default/libvirtd", "--listen", NULL, NULL, true, "libvirtd_opts"},
        {"/etc/default/libvirtd", "", NULL, NULL, false, "libvirtd_opts"},
        {"/etc/default/libvirt-bin", "-d -l", NULL, NULL, true, "libvirtd_opts"},
        {"/etc/default/libvirt-bin", "-d", NULL, NULL, false, "libvirtd_opts"},
        /* Debian 10's unit. */
        {"/etc/default/libvirtd", "-l", "/lib/systemd/system/libvirtd.service",
         "[Service]\nEnvironmentFile=-/etc/default/libvirtd\n"
         "ExecStart=/usr/sbin/libvirtd $libvirtd_opts\n",
         true, "libvirtd_opts"},
        /* Ubuntu 16.04's unit, enabled under its alias. */
        {"/etc/default/libvirt-bin", "-d -l", "/lib/systemd/system/libvirt-bin.service",
         "[Service]\nType=notify\nEnvironmentFile=-/etc/default/libvirt-bin\n"
         "ExecStart=/usr/sbin/libvirtd $libvirtd_opts\n[Install]\nAlias=libvirtd.service\n",
         true, "libvirtd_opts"},
        /* A current unit ignores a leftover libvirtd_opts. */
        {"/etc/default/libvirtd", "-l", "/lib/systemd/system/libvirtd.service",
         "[Service]\nEnvironment=LIBVIRTD_ARGS=\"--timeout 120\"\n"
         "EnvironmentFile=-/etc/default/libvirtd\nExecStart=/usr/sbin/libvirtd ${LIBVIRTD_ARGS}\n",
         false, "LIBVIRTD_ARGS"},
    };
    for (size_t i = 0; i < MR_ARRAY_SIZE(cases); i++) {
        struct loaded l = {.dir = mr_test_scratch()};
        char *text = mr_xasprintf(debian10, cases[i].opts);
        mr_test_write(l.dir, cases[i].file, text);
        free(text);
        mr_test_write(l.dir, "/etc/debian_version", "10.13\n");
        if (cases[i].unit)
            mr_test_write(l.dir, cases[i].unit, cases[i].unit_text);
        load_dir(&l);
        if (l.r != 0)
            fail_msg("case %zu: %s", i, l.msg);
        if (strcmp(mr_libvirt_conf_file(l.conf, MR_LIBVIRTD_ARGS), cases[i].file) != 0)
            fail_msg("case %zu: read %s", i, mr_libvirt_conf_file(l.conf, MR_LIBVIRTD_ARGS));
        if (strcmp(mr_libvirt_conf_args_var(l.conf), cases[i].var) != 0)
            fail_msg("case %zu: variable %s", i, mr_libvirt_conf_args_var(l.conf));
        if (mr_libvirt_conf_args_listen(l.conf) != cases[i].listen)
            fail_msg("case %zu (%s in %s): listen should be %d", i, cases[i].opts,
                     cases[i].file, cases[i].listen);
        unload(&l);
    }

    /* Both files: the current name is the one read, and the note says so. */
    struct loaded l = {.dir = mr_test_scratch()};
    mr_test_write(l.dir, "/etc/default/libvirtd", "LIBVIRTD_ARGS=\"--listen\"\n");
    mr_test_write(l.dir, "/etc/default/libvirt-bin", "libvirtd_opts=\"-d\"\n");
    load_dir(&l);
    assert_int_equal(l.r, 0);
    assert_string_equal(mr_libvirt_conf_file(l.conf, MR_LIBVIRTD_ARGS), "/etc/default/libvirtd");
    assert_true(mr_libvirt_conf_args_listen(l.conf));
    assert_non_null(mr_libvirt_conf_note(l.conf));
    assert_non_null(strstr(mr_libvirt_conf_note(l.conf), "both /etc/default/libvirtd and "
                                                         "/etc/default/libvirt-bin exist"));
    unload(&l);
}

static void test_both_defaults_files(void **state)
{
    struct loaded l = {.dir = mr_test_scratch()};
    mr_test_write(l.dir, "/etc/default/libvirtd", "LIBVIRTD_ARGS=\"--listen\"\n");
    mr_test_write(l.dir, "/etc/sysconfig/libvirtd", "LIBVIRTD_ARGS=\"\"\n");
    load_dir(&l);
    assert_int_equal(l.r, 0);
    /* Not Debian: the sysconfig file is the unit's. */
    assert_string_equal(mr_libvirt_conf_file(l.conf, MR_LIBVIRTD_ARGS), "/etc/sysconfig/libvirtd");
    assert_false(mr_libvirt_conf_args_listen(l.conf));
    assert_non_null(mr_libvirt_conf_note(l.conf));
    assert_non_null(strstr(mr_libvirt_conf_note(l.conf), "both /etc/sysconfig/libvirtd and "
                                                         "/etc/default/libvirtd exist"));
    unload(&l);
}

static void test_socket_units(void **state)
{
    struct loaded l = {0};
    const char *path = NULL, *reason = NULL;
    load_fixture(&l, "libvirt-socket-tcp");
    assert_int_equal(l.r, 0);
    assert_true(mr_libvirt_conf_unit_enabled(l.conf, "libvirtd.socket", &path));
    assert_string_equal(path, "/etc/systemd/system/sockets.target.wants/libvirtd.socket");
    assert_true(mr_libvirt_conf_unit_enabled(l.conf, "libvirtd-tcp.socket", NULL));
    assert_false(mr_libvirt_conf_unit_enabled(l.conf, "libvirtd-tls.socket", NULL));
    assert_true(mr_libvirt_conf_unit_enabled(l.conf, "libvirtd.service", &path));
    assert_string_equal(path, "/etc/systemd/system/multi-user.target.wants/libvirtd.service");
    assert_true(mr_libvirt_conf_socket_activated(l.conf, &reason));
    assert_string_equal(reason, "libvirtd.socket enabled at "
                                "/etc/systemd/system/sockets.target.wants/libvirtd.socket");
    assert_false(mr_libvirt_conf_args_listen(l.conf));
    unload(&l);
}

static void test_masked_units(void **state)
{
    struct loaded l = {0};
    const char *path = NULL;
    load_fixture(&l, "libvirt-masked");
    assert_int_equal(l.r, 0);
    assert_true(mr_libvirt_conf_unit_masked(l.conf, "libvirtd.socket", &path));
    assert_string_equal(path, "/etc/systemd/system/libvirtd.socket");
    /* Still linked into sockets.target.wants, but a masked unit never starts. */
    assert_false(mr_libvirt_conf_unit_enabled(l.conf, "libvirtd.socket", NULL));
    assert_true(mr_libvirt_conf_unit_enabled(l.conf, "libvirtd.service", NULL));
    assert_false(mr_libvirt_conf_socket_activated(l.conf, NULL));
    unload(&l);
}

/* Disabling libvirtd.socket is not enough: libvirtd.service wants it. */
static void test_service_wants_socket(void **state)
{
    struct loaded l = {.dir = mr_test_root("libvirt-good")};
    const char *reason = NULL;
    mr_test_write(l.dir, "/lib/systemd/system/libvirtd.service",
                  "[Unit]\nDescription=Virtualization daemon\nRequires=virtlogd.socket\n"
                  "Wants=libvirtd.socket\nWants=libvirtd-ro.socket\n\n[Service]\n"
                  "EnvironmentFile=-/etc/default/libvirtd\n");
    mr_test_write(l.dir, "/lib/systemd/system/libvirtd.socket", "[Socket]\nListenStream=x\n");
    link_in(l.dir, "/lib/systemd/system/libvirtd.service",
            "/etc/systemd/system/multi-user.target.wants/libvirtd.service");
    load_dir(&l);
    assert_int_equal(l.r, 0);
    assert_false(mr_libvirt_conf_unit_enabled(l.conf, "libvirtd.socket", NULL));
    assert_true(mr_libvirt_conf_socket_activated(l.conf, &reason));
    assert_non_null(strstr(reason, "pulls in libvirtd.socket through Wants= in "
                                   "/lib/systemd/system/libvirtd.service"));
    unload(&l);
}

static void test_modular(void **state)
{
    struct loaded l = {0};
    struct mr_confval v;
    load_fixture(&l, "libvirt-modular");
    assert_int_equal(l.r, 0);
    assert_true(mr_libvirt_conf_modular(l.conf));
    assert_string_equal(mr_libvirt_conf_daemon(l.conf), "virtproxyd");
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "auth_tcp", &v));
    assert_string_equal(v.file, "/etc/libvirt/virtproxyd.conf");
    assert_int_equal(v.line, 2);
    assert_string_equal(mr_libvirt_conf_file_name(l.conf, MR_LIBVIRTD_ARGS),
                        "/etc/sysconfig/virtproxyd");
    assert_true(mr_libvirt_conf_socket_activated(l.conf, NULL));
    assert_string_equal(mr_libvirt_conf_qemu_user(l.conf), "libvirt-qemu");
    unload(&l);
}

static void test_loopback(void **state)
{
    assert_true(mr_libvirt_addr_is_loopback("127.0.0.1"));
    assert_true(mr_libvirt_addr_is_loopback("127.1.2.3"));
    assert_true(mr_libvirt_addr_is_loopback("::1"));
    assert_true(mr_libvirt_addr_is_loopback("[::1]"));
    assert_true(mr_libvirt_addr_is_loopback("localhost"));
    assert_true(mr_libvirt_addr_is_loopback("localhost.localdomain"));
    assert_true(mr_libvirt_addr_is_loopback("::ffff:127.0.0.1"));
    assert_false(mr_libvirt_addr_is_loopback("0.0.0.0"));
    assert_false(mr_libvirt_addr_is_loopback("::"));
    assert_false(mr_libvirt_addr_is_loopback("192.0.2.10"));
    assert_false(mr_libvirt_addr_is_loopback("compute-1.example.org"));
    assert_false(mr_libvirt_addr_is_loopback(NULL));
}

/* The budget is ~20 ms for every file; a lens that loads everything blows it. */
static void test_load_is_fast(void **state)
{
    struct loaded l = {0};
    struct timespec a, b;
    l.dir = mr_test_root("libvirt-good");
    clock_gettime(CLOCK_MONOTONIC, &a);
    load_dir(&l);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_int_equal(l.r, 0);
    double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    /* Generous against slow CI and sanitizers; Shellvars.lns alone costs ~35 ms. */
    if (ms > 200)
        fail_msg("loading took %.1f ms", ms);
    unload(&l);
}

/* The files Debian's libvirt-daemon-system ships, fetched by the test
 * runner (apt-get download) into MR_DEBIAN_DATA. */
static void test_debian_files(void **state)
{
    const char *data = getenv("MR_DEBIAN_DATA");
    struct stat st;
    if (!data || !*data || stat(data, &st) < 0) {
        fprintf(stderr, "skipped: MR_DEBIAN_DATA %s\n",
                data && *data ? "does not exist" : "is not set");
        skip();
    }
    struct loaded l = {.dir = mr_test_scratch()};
    static const char *const files[] = {"/etc/libvirt/libvirtd.conf", "/etc/libvirt/qemu.conf",
                                        "/etc/default/libvirtd"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(files); i++) {
        char *src = mr_xasprintf("%s%s", data, files[i]);
        char *buf = NULL;
        FILE *f = fopen(src, "r");
        if (!f) {
            /* The runner may lay the files out flat. */
            free(src);
            src = mr_xasprintf("%s/%s", data, strrchr(files[i], '/') + 1);
            f = fopen(src, "r");
        }
        if (!f)
            fail_msg("%s: missing in MR_DEBIAN_DATA", src);
        size_t n = 0;
        FILE *m = open_memstream(&buf, &n);
        char chunk[4096];
        size_t got;
        while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
            fwrite(chunk, 1, got, m);
        fclose(m);
        fclose(f);
        mr_test_write(l.dir, files[i], buf);
        free(buf);
        free(src);
    }
    mr_test_write(l.dir, "/etc/debian_version", "12.5\n");
    load_dir(&l);
    if (l.r != 0)
        fail_msg("Debian's files do not parse: %s", l.msg);
    struct mr_confval v;
    /* Everything ships commented out: libvirt's defaults. */
    assert_true(mr_libvirt_conf_get(l.conf, MR_LIBVIRTD_CONF, "listen_tcp", &v));
    assert_true(v.is_default);
    assert_true(mr_libvirt_conf_get(l.conf, MR_QEMU_CONF, "migration_port_min", &v));
    assert_true(v.is_default);
    assert_false(mr_libvirt_conf_args_listen(l.conf));
    unload(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_values),
        cmocka_unit_test(test_missing_files_defaults),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_quoted_values),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_garbage_line),
        cmocka_unit_test(test_no_final_newline_and_arrays),
        cmocka_unit_test(test_args_variants),
        cmocka_unit_test(test_args_old_layouts),
        cmocka_unit_test(test_both_defaults_files),
        cmocka_unit_test(test_socket_units),
        cmocka_unit_test(test_masked_units),
        cmocka_unit_test(test_service_wants_socket),
        cmocka_unit_test(test_modular),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_load_is_fast),
        cmocka_unit_test(test_debian_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

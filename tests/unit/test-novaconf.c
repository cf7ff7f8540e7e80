/* nova.conf is read as oslo.config reads it. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "migready.h"
#include "novaconf.h"
#include "rootfs.h"
#include "testutil.h"

struct fixture {
    char *dir;
    struct mr_root *root;
    struct mr_novaconf *conf;
    char *msg;
};

static int setup(void **state)
{
    struct fixture *f = mr_xcalloc(1, sizeof(*f));
    f->dir = mr_test_scratch();
    assert_int_equal(mr_root_open(f->dir, &f->root), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    mr_novaconf_free(f->conf);
    free(f->msg);
    mr_root_free(f->root);
    mr_test_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

static int load(struct fixture *f)
{
    mr_novaconf_free(f->conf);
    f->conf = NULL;
    free(f->msg);
    f->msg = NULL;
    return mr_novaconf_load(f->root, &f->conf, &f->msg);
}

static void write_conf(struct fixture *f, const char *content)
{
    mr_test_write(f->dir, "/etc/nova/nova.conf", content);
}

/* The value of SECTION/KEY, which must be set or have a default. */
static struct mr_novaval val(struct fixture *f, const char *section, const char *key)
{
    struct mr_novaval v;
    assert_true(mr_novaconf_get(f->conf, section, key, &v));
    return v;
}

static void test_missing_file_gives_defaults(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(load(f), 0);
    assert_null(mr_novaconf_files(f->conf)[0]);
    struct mr_novaval v = val(f, "vnc", "server_listen");
    assert_string_equal(v.value, "127.0.0.1");
    assert_true(v.is_default);
    assert_null(v.file);
    /* $state_path/instances with the packaged state_path. */
    v = val(f, "DEFAULT", "instances_path");
    assert_string_equal(v.value, "/var/lib/nova/instances");
    assert_true(v.is_default);
    v = val(f, "libvirt", "live_migration_downtime");
    assert_string_equal(v.value, "500");
    /* No default and unset. */
    assert_false(mr_novaconf_get(f->conf, "libvirt", "cpu_mode", &v));
    assert_false(mr_novaconf_get(f->conf, "libvirt", "no_such_option", &v));
}

static void test_sections_comments_values(void **state)
{
    struct fixture *f = *state;
    write_conf(f, "# comment\n"
                  "; another comment\n"
                  "[DEFAULT]\n"
                  "my_ip=192.0.2.11\n"
                  "host :   compute 1 with spaces   \n"
                  "\n"
                  "[vnc]\n"
                  "  \n"
                  "server_listen = \"0.0.0.0\"\n"
                  "[libvirt]\n"
                  "live_migration_uri = qemu+tcp://%s/system?x=1\n"
                  "cpu_models = 'Haswell, Broadwell'\n"
                  "cpu_model_extra_flags = \"pcid'\n"
                  "live_migration_scheme = \"\n"
                  "virt_type = kvm # not a comment in oslo\n");
    assert_int_equal(load(f), 0);
    struct mr_novaval v = val(f, "DEFAULT", "my_ip");
    assert_string_equal(v.value, "192.0.2.11");
    assert_string_equal(v.file, "/etc/nova/nova.conf");
    assert_int_equal(v.line, 4);
    assert_false(v.is_default);
    assert_string_equal(val(f, "DEFAULT", "host").value, "compute 1 with spaces");
    /* Matching quotes are removed, as oslo's iniparser does. */
    v = val(f, "vnc", "server_listen");
    assert_string_equal(v.value, "0.0.0.0");
    assert_int_equal(v.line, 9);
    /* "=" before ":" splits at "="; the value keeps the rest. */
    assert_string_equal(val(f, "libvirt", "live_migration_uri").value,
                        "qemu+tcp://%s/system?x=1");
    assert_string_equal(val(f, "libvirt", "cpu_models").value, "Haswell, Broadwell");
    /* Quotes that do not match stay. */
    assert_string_equal(val(f, "libvirt", "cpu_model_extra_flags").value, "\"pcid'");
    /* A lone quote is value[1:-1] in Python: empty. */
    assert_string_equal(val(f, "libvirt", "live_migration_scheme").value, "");
    /* oslo has no inline comments. */
    assert_string_equal(val(f, "libvirt", "virt_type").value, "kvm # not a comment in oslo");
}

static void test_colon_before_equal(void **state)
{
    struct fixture *f = *state;
    write_conf(f, "[vnc]\nnovncproxy_base_url: http://ctl:6080/vnc.html?a=b\n");
    assert_int_equal(load(f), 0);
    assert_string_equal(val(f, "vnc", "novncproxy_base_url").value,
                        "http://ctl:6080/vnc.html?a=b");
}

static void test_repeated_keys_last_wins(void **state)
{
    struct fixture *f = *state;
    write_conf(f, "[vnc]\nserver_listen = 192.0.2.11\n[libvirt]\nvirt_type = qemu\n"
                  "[vnc]\nserver_listen = 0.0.0.0\n");
    assert_int_equal(load(f), 0);
    struct mr_novaval v = val(f, "vnc", "server_listen");
    assert_string_equal(v.value, "0.0.0.0");
    assert_int_equal(v.line, 6);
}

static void test_section_names(void **state)
{
    struct fixture *f = *state;
    /* oslo lower-cases group names but DEFAULT must be written as such. */
    write_conf(f, "[VNC]\nserver_listen = 0.0.0.0\n[default]\nmy_ip = 192.0.2.99\n");
    assert_int_equal(load(f), 0);
    assert_string_equal(val(f, "vnc", "server_listen").value, "0.0.0.0");
    struct mr_novaval v;
    assert_false(mr_novaconf_get(f->conf, "DEFAULT", "my_ip", &v));
}

static void test_continuation_lines(void **state)
{
    struct fixture *f = *state;
    write_conf(f, "[libvirt]\n"
                  "cpu_models = Haswell,\n"
                  "    Broadwell\n"
                  "\t  # an indented hash continues the value in oslo\n"
                  "\n"
                  "virt_type = kvm\n");
    assert_int_equal(load(f), 0);
    struct mr_novaval v = val(f, "libvirt", "cpu_models");
    assert_string_equal(v.value,
                        "Haswell,\nBroadwell\n# an indented hash continues the value in oslo");
    assert_int_equal(v.line, 2);
    assert_string_equal(val(f, "libvirt", "virt_type").value, "kvm");
}

static void test_unexpected_continuation(void **state)
{
    struct fixture *f = *state;
    write_conf(f, "[libvirt]\nvirt_type = kvm\n\n   orphan\n");
    assert_int_equal(load(f), -EINVAL);
    assert_non_null(strstr(f->msg, "/etc/nova/nova.conf:4:"));
    assert_non_null(strstr(f->msg, "continuation"));
}

static void test_interpolation(void **state)
{
    struct fixture *f = *state;
    write_conf(f, "[DEFAULT]\n"
                  "state_path = /srv/nova\n"
                  "my_ip = 192.0.2.11\n"
                  "host = ${my_ip}-$$HOME-\\$x-$-${unknown_thing}-$no_such\n"
                  "[vnc]\n"
                  "server_proxyclient_address = $my_ip\n"
                  "server_listen = ${vnc.server_proxyclient_address}\n"
                  "[libvirt]\n"
                  "snapshots_directory = $instances_path/snaps\n");
    assert_int_equal(load(f), 0);
    /* The default follows state_path from the file. */
    struct mr_novaval v = val(f, "DEFAULT", "instances_path");
    assert_true(v.is_default);
    assert_string_equal(v.value, "/srv/nova/instances");
    v = val(f, "DEFAULT", "host");
    assert_string_equal(v.value, "192.0.2.11-$HOME-$x-$-${unknown_thing}-$no_such");
    assert_string_equal(v.raw, "${my_ip}-$$HOME-\\$x-$-${unknown_thing}-$no_such");
    /* From [vnc], $my_ip falls back to DEFAULT. */
    assert_string_equal(val(f, "vnc", "server_proxyclient_address").value, "192.0.2.11");
    assert_string_equal(val(f, "vnc", "server_listen").value, "192.0.2.11");
    assert_string_equal(val(f, "libvirt", "snapshots_directory").value,
                        "/srv/nova/instances/snaps");
}

static void test_interpolation_loop(void **state)
{
    struct fixture *f = *state;
    write_conf(f, "[DEFAULT]\nstate_path = $instances_path\n\ninstances_path = $state_path/i\n");
    assert_int_equal(load(f), -ELOOP);
    assert_non_null(strstr(f->msg, "/etc/nova/nova.conf:2:"));
    assert_non_null(strstr(f->msg, "state_path"));
}

static void test_conf_d_order(void **state)
{
    struct fixture *f = *state;
    write_conf(f, "[vnc]\nserver_listen = 192.0.2.11\n[libvirt]\nvirt_type = qemu\n");
    mr_test_write(f->dir, "/etc/nova/nova.conf.d/20-late.conf", "[vnc]\nserver_listen = ::\n");
    mr_test_write(f->dir, "/etc/nova/nova.conf.d/10-early.conf",
                  "[vnc]\nserver_listen = 0.0.0.0\n[libvirt]\nvirt_type = kvm\n");
    mr_test_write(f->dir, "/etc/nova/nova.conf.d/99-ignored.conf.bak",
                  "[vnc]\nserver_listen = 10.0.0.1\n");
    assert_int_equal(load(f), 0);
    char *const *files = mr_novaconf_files(f->conf);
    assert_int_equal(mr_strv_len(files), 3);
    assert_string_equal(files[0], "/etc/nova/nova.conf");
    assert_string_equal(files[1], "/etc/nova/nova.conf.d/10-early.conf");
    assert_string_equal(files[2], "/etc/nova/nova.conf.d/20-late.conf");
    struct mr_novaval v = val(f, "vnc", "server_listen");
    assert_string_equal(v.value, "::");
    assert_string_equal(v.file, "/etc/nova/nova.conf.d/20-late.conf");
    assert_int_equal(v.line, 2);
    v = val(f, "libvirt", "virt_type");
    assert_string_equal(v.value, "kvm");
    assert_string_equal(v.file, "/etc/nova/nova.conf.d/10-early.conf");
    assert_int_equal(v.line, 4);
}

static void test_conf_d_without_nova_conf(void **state)
{
    struct fixture *f = *state;
    mr_test_write(f->dir, "/etc/nova/nova.conf.d/50-vnc.conf", "[vnc]\nenabled = false\n");
    assert_int_equal(load(f), 0);
    assert_string_equal(val(f, "vnc", "enabled").value, "false");
}

static void test_legacy_names(void **state)
{
    struct fixture *f = *state;
    write_conf(f, "[DEFAULT]\nvncserver_listen = 0.0.0.0\nvnc_enabled = False\n"
                  "[libvirt]\ncpu_model = Haswell\n");
    assert_int_equal(load(f), 0);
    struct mr_novaval v = val(f, "vnc", "server_listen");
    assert_string_equal(v.value, "0.0.0.0");
    assert_true(v.legacy);
    assert_string_equal(v.section, "DEFAULT");
    assert_string_equal(v.name, "vncserver_listen");
    assert_int_equal(v.line, 2);
    v = val(f, "vnc", "enabled");
    assert_true(v.legacy);
    assert_string_equal(v.value, "False");
    v = val(f, "libvirt", "cpu_models");
    assert_true(v.legacy);
    assert_string_equal(v.name, "cpu_model");
}

static void test_legacy_and_current_last_wins(void **state)
{
    struct fixture *f = *state;
    write_conf(f, "[vnc]\nserver_listen = 0.0.0.0\nvncserver_listen = 192.0.2.5\n");
    mr_test_write(f->dir, "/etc/nova/nova.conf.d/a.conf", "[vnc]\nserver_listen = ::\n");
    assert_int_equal(load(f), 0);
    struct mr_novaval v = val(f, "vnc", "server_listen");
    assert_string_equal(v.value, "::");
    assert_false(v.legacy);
    assert_string_equal(v.name, "server_listen");
}

static void expect_error(struct fixture *f, const char *content, const char *where,
                         const char *what)
{
    write_conf(f, content);
    assert_true(load(f) < 0);
    assert_null(f->conf);
    assert_non_null(f->msg);
    if (!strstr(f->msg, where) || !strstr(f->msg, what))
        fail_msg("message '%s' lacks '%s' or '%s'", f->msg, where, what);
}

static void test_parse_errors(void **state)
{
    struct fixture *f = *state;
    expect_error(f, "# header missing\nmy_ip = 192.0.2.1\n", "/etc/nova/nova.conf:2:",
                 "before any section");
    expect_error(f, "[DEFAULT]\nmy_ip = 1\nthis line is junk\n", "/etc/nova/nova.conf:3:",
                 "no '=' or ':'");
    expect_error(f, "[DEFAULT]\n= value\n", "/etc/nova/nova.conf:2:", "empty key");
    expect_error(f, "[DEFAULT\n", "/etc/nova/nova.conf:1:", "must end with ]");
    expect_error(f, "[]\n", "/etc/nova/nova.conf:1:", "empty section");
    expect_error(f, "\xef\xbb\xbf[DEFAULT]\n", "/etc/nova/nova.conf:1:", "byte order mark");
    expect_error(f, "[DEFAULT]\nhost = caf\xe9\n", "/etc/nova/nova.conf:2:", "UTF-8");
    /* Errors in conf.d name that file. */
    write_conf(f, "[DEFAULT]\n");
    mr_test_write(f->dir, "/etc/nova/nova.conf.d/x.conf", "[vnc]\n\njunk\n");
    assert_true(load(f) < 0);
    assert_non_null(strstr(f->msg, "/etc/nova/nova.conf.d/x.conf:3:"));
}

static void test_binary_junk(void **state)
{
    struct fixture *f = *state;
    char *path = mr_xasprintf("%s/etc/nova/nova.conf", f->dir);
    mr_test_write(f->dir, "/etc/nova/nova.conf", "");
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    static const char junk[] = "[DEFAULT]\nmy_ip = 1\x00\x01\x02\xff\xfe\n\x7f" "ELF\x00\x00";
    fwrite(junk, 1, sizeof(junk) - 1, fp);
    fclose(fp);
    assert_true(load(f) < 0);
    assert_non_null(strstr(f->msg, "/etc/nova/nova.conf:2:"));
    assert_non_null(strstr(f->msg, "NUL"));

    /* Random bytes of every value, NULs excepted, never crash the reader. */
    srand(42);
    for (int round = 0; round < 200; round++) {
        fp = fopen(path, "w");
        size_t n = (size_t)(rand() % 4096);
        for (size_t i = 0; i < n; i++) {
            int c = rand() % 256;
            fputc(c ? c : '\n', fp);
        }
        fclose(fp);
        int r = load(f);
        assert_true(r == 0 || (r < 0 && f->msg));
    }
    free(path);
}

static void test_one_megabyte_line(void **state)
{
    struct fixture *f = *state;
    size_t n = 1u << 20;
    char *big = mr_xmalloc(n + 64);
    int off = sprintf(big, "[libvirt]\ncpu_model_extra_flags = ");
    memset(big + off, 'a', n);
    strcpy(big + off + n, "\nvirt_type = qemu\n");
    write_conf(f, big);
    free(big);
    assert_int_equal(load(f), 0);
    struct mr_novaval v = val(f, "libvirt", "cpu_model_extra_flags");
    assert_int_equal(strlen(v.value), n);
    v = val(f, "libvirt", "virt_type");
    assert_string_equal(v.value, "qemu");
    assert_int_equal(v.line, 3);
}

static void test_too_large(void **state)
{
    struct fixture *f = *state;
    char *path = mr_xasprintf("%s/etc/nova/nova.conf", f->dir);
    mr_test_write(f->dir, "/etc/nova/nova.conf", "[DEFAULT]\n");
    assert_int_equal(truncate(path, (off_t)(17u << 20)), 0);
    assert_int_equal(load(f), -EFBIG);
    assert_string_equal(f->msg, "/etc/nova/nova.conf: too large (17825792 bytes, limit 16 MiB)");
    free(path);
}

static void test_errors_hide_secrets(void **state)
{
    struct fixture *f = *state;
    expect_error(f, "[keystone_authtoken]\npassword hunter2\n", "/etc/nova/nova.conf:2:",
                 "no '=' or ':'");
    assert_null(strstr(f->msg, "hunter2"));
    expect_error(f, "transport_url = rabbit://nova:hunter2@ctl\n", "/etc/nova/nova.conf:1:",
                 "section");
    assert_null(strstr(f->msg, "hunter2"));
}

/* Billion laughs: 12 levels of four references each, 271 bytes, would be
 * 256 MiB. The load fails at the first value beyond 64 KiB, naming it. */
static void test_interpolation_bounded_size(void **state)
{
    struct fixture *f = *state;
    char conf[1024];
    int off = sprintf(conf, "[DEFAULT]\na0 = xxxxxxxxxxxxxxxx\n");
    for (int i = 1; i <= 12; i++)
        off += sprintf(conf + off, "a%d = $a%d$a%d${a%d}$a%d\n", i, i - 1, i - 1, i - 1, i - 1);
    sprintf(conf + off, "host = $a12\n");
    assert_true(strlen(conf) < 512);
    write_conf(f, conf);
    assert_int_equal(load(f), -E2BIG);
    assert_null(f->conf);
    /* 16 * 4^6 = 64 KiB still fits; a7 (line 9) is the first beyond. */
    assert_string_equal(f->msg, "/etc/nova/nova.conf:9: [DEFAULT] a7 grows beyond 64 KiB "
                                "through $references (limit of a value)");
}

/* The bound is exact, and a value written out in full is not bounded by it. */
static void test_interpolation_size_limit_edge(void **state)
{
    struct fixture *f = *state;
    size_t half = 32u << 10;
    char *conf = mr_xmalloc(2 * half + 256);
    int off = sprintf(conf, "[DEFAULT]\nstate_path = ");
    memset(conf + off, 'x', half);
    off += (int)half;
    off += sprintf(conf + off, "\n");
    sprintf(conf + off, "host = $state_path${state_path}\n");
    write_conf(f, conf);
    assert_int_equal(load(f), 0);
    assert_int_equal(strlen(val(f, "DEFAULT", "host").value), 2 * half);
    /* The default of instances_path puts 10 more bytes after it. */
    assert_int_equal(strlen(val(f, "DEFAULT", "instances_path").value), half + 10);

    strcpy(conf + off, "host = $state_path${state_path}/\n");
    write_conf(f, conf);
    assert_int_equal(load(f), -E2BIG);
    assert_non_null(strstr(f->msg, "/etc/nova/nova.conf:3: [DEFAULT] host grows beyond 64 KiB"));
    free(conf);
}

/* Many copies of a long value: each is a copy (allowed), their sum is not. */
static void test_interpolation_bounded_total(void **state)
{
    struct fixture *f = *state;
    size_t big = 60u << 10, n = 2000;
    char *conf = mr_xmalloc(big + n * 32 + 64);
    int off = sprintf(conf, "[DEFAULT]\nhost = ");
    memset(conf + off, 'x', big);
    off += (int)big;
    off += sprintf(conf + off, "\n");
    for (size_t i = 0; i < n; i++)
        off += sprintf(conf + off, "[s%zu]\nk = $host\n", i);
    write_conf(f, conf);
    free(conf);
    assert_int_equal(load(f), -E2BIG);
    assert_non_null(strstr(f->msg, "/etc/nova/nova.conf:"));
    assert_non_null(strstr(f->msg, "] k exceeds the bound of all interpolation"));
}

static void test_interpolation_loop_three(void **state)
{
    struct fixture *f = *state;
    write_conf(f, "[DEFAULT]\nhost = x\n[vnc]\nserver_listen = $a\na = ${vnc.b}\nb = $a\n");
    assert_int_equal(load(f), -ELOOP);
    assert_string_equal(f->msg,
                        "/etc/nova/nova.conf:5: [vnc] a refers to itself through $references");
    /* A self-reference through an unset option's default. */
    write_conf(f, "[DEFAULT]\nstate_path = ${instances_path}\n");
    assert_int_equal(load(f), -ELOOP);
    assert_string_equal(f->msg, "/etc/nova/nova.conf:2: [DEFAULT] state_path refers to itself "
                                "through $references");
}

/* Nesting is bounded whatever the order of the lines, and a value used many
 * times is built once (a diamond of 40 levels would be 2^40 lookups). */
static void test_interpolation_depth(void **state)
{
    struct fixture *f = *state;
    char conf[4096];
    for (int levels = 16; levels <= 17; levels++) {
        int off = sprintf(conf, "[DEFAULT]\n");
        for (int i = 0; i < levels; i++)
            off += sprintf(conf + off, "c%d = <$c%d>\n", i, i + 1);
        sprintf(conf + off, "c%d = end\n", levels);
        write_conf(f, conf);
        if (levels == 16) {
            assert_int_equal(load(f), 0);
            const char *v = val(f, "DEFAULT", "c0").value;
            assert_int_equal(strlen(v), 3 + 2 * 16);
        } else {
            assert_int_equal(load(f), -ELOOP);
            assert_string_equal(f->msg, "/etc/nova/nova.conf:2: [DEFAULT] c0 nests $references "
                                        "deeper than 16 levels");
        }
    }
    /* Diamond, empty values: d(i) = $d(i+1)$d(i+1). Only 16 levels deep may
     * nest, so spread it over sections referring by group. */
    int off = sprintf(conf, "[DEFAULT]\nd0 = $d1$d1\n");
    for (int i = 1; i < 16; i++)
        off += sprintf(conf + off, "d%d = $d%d$d%d\n", i, i + 1, i + 1);
    sprintf(conf + off, "d16 =\n");
    write_conf(f, conf);
    assert_int_equal(load(f), 0);
    assert_string_equal(val(f, "DEFAULT", "d0").value, "");
}

/* CPU seconds to load the current nova.conf, best of three (the machine is
 * shared: the best is the least disturbed). */
static double load_seconds(struct fixture *f)
{
    double best = 1e9;
    for (int round = 0; round < 3; round++) {
        struct timespec a, b;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
        assert_int_equal(load(f), 0);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
        double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
        best = s < best ? s : best;
    }
    return best;
}

static void write_sections(struct fixture *f, size_t n)
{
    char *conf = mr_xmalloc(n * 32 + 64);
    int off = sprintf(conf, "[DEFAULT]\nmy_ip = 192.0.2.11\n");
    for (size_t i = 0; i < n; i++)
        off += sprintf(conf + off, "[s%zu]\nk = $my_ip\n", i);
    write_conf(f, conf);
    free(conf);
}

/* Lookups are indexed: ten times the sections is about ten times the work.
 * Compared within one run, never against a clock: a linear load gives ~10,
 * the former scan of every entry per reference ~100. */
static void test_many_sections_linear(void **state)
{
    struct fixture *f = *state;
    write_sections(f, 4000);
    double small = load_seconds(f);
    write_sections(f, 40000);
    double large = load_seconds(f);
    struct mr_novaval v;
    assert_true(mr_novaconf_get(f->conf, "s39999", "k", &v));
    assert_string_equal(v.value, "192.0.2.11");
    assert_int_equal(v.line, 2 + 2 * 40000);
    double ratio = large / (small > 1e-6 ? small : 1e-6);
    print_message("4000 sections %.4f s, 40000 sections %.4f s, ratio %.1f\n", small, large,
                  ratio);
    assert_true(ratio < 30);
}

/* Continuation lines extend a value in place, not by a copy per line. */
static void test_many_continuation_lines_linear(void **state)
{
    struct fixture *f = *state;
    double t[2];
    for (int k = 0; k < 2; k++) {
        size_t n = k ? 200000 : 20000;
        char *conf = mr_xmalloc(n * 3 + 64);
        int off = sprintf(conf, "[DEFAULT]\nhost = a\n");
        for (size_t i = 0; i < n; i++)
            off += sprintf(conf + off, " b\n");
        write_conf(f, conf);
        free(conf);
        t[k] = load_seconds(f);
        assert_int_equal(strlen(val(f, "DEFAULT", "host").value), 1 + 2 * n);
    }
    double ratio = t[1] / (t[0] > 1e-6 ? t[0] : 1e-6);
    print_message("20000 lines %.4f s, 200000 lines %.4f s, ratio %.1f\n", t[0], t[1], ratio);
    assert_true(ratio < 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_missing_file_gives_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sections_comments_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_colon_before_equal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeated_keys_last_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_section_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_continuation_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unexpected_continuation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interpolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interpolation_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conf_d_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conf_d_without_nova_conf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_legacy_and_current_last_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_junk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_megabyte_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_hide_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interpolation_bounded_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interpolation_size_limit_edge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interpolation_bounded_total, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interpolation_loop_three, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interpolation_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_sections_linear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_continuation_lines_linear, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

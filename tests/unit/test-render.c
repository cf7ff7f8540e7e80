/* The four output formats, as a CI server or a script reads them. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ctx.h"
#include "engine.h"
#include "fix.h"
#include "render.h"
#include "testutil.h"

static int run_pass(const struct mr_ctx *ctx, struct mr_result *res)
{
    mr_report(res, MR_PASS, "all good");
    return 0;
}

static int run_fail(const struct mr_ctx *ctx, struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "listen_tcp is 0 <but> \"tcp\" & more");
    mr_finding_at(f, "/etc/libvirt/libvirtd.conf", 52);
    mr_finding_remedy(f, "set listen_tcp = 1");
    mr_report(res, MR_PASS, "auth ok # not a directive");
    return 0;
}

static int run_secret(const struct mr_ctx *ctx, struct mr_result *res)
{
    /* A message that by mistake carries a URL with a password. */
    struct mr_finding *f =
        mr_report(res, MR_WARN, "cannot use rabbit://nova:s3cretPW@mq.example:5672/");
    mr_finding_remedy(f, "see mysql+pymysql://nova:s3cretPW@db/nova");
    return 0;
}

static int run_error(const struct mr_ctx *ctx, struct mr_result *res)
{
    mr_report(res, MR_ERROR, "/etc/nova/nova.conf:1: cannot parse line");
    return 0;
}

static const struct mr_check c1 = {.id = "nova.vnc-listen", .title = "VNC", .run = run_pass};
static const struct mr_check c2 = {.id = "libvirt.listen", .title = "listen", .run = run_fail};
static const struct mr_check c3 = {.id = "x.secret", .title = "secret", .run = run_secret};
static const struct mr_check c4 = {
    .id = "b.live", .title = "live", .needs = MR_NEED_LIVE, .run = run_pass};
static const struct mr_check c5 = {.id = "y.error", .title = "error", .run = run_error};
/* c2 has a fixer: JSON says it is fixable. */
static const struct mr_fixer fixer2 = {.check_id = "libvirt.listen"};
static const struct mr_row all[] = {
    {.check = &c1}, {.check = &c2, .fixer = &fixer2}, {.check = &c3}, {.check = &c4}, {.check = &c5}};

struct fixture {
    struct mr_ctx *ctx;
    struct mr_run *run;
    char *root;
};

static int setup(void **state)
{
    struct fixture *f = mr_xcalloc(1, sizeof(*f));
    f->root = mr_test_scratch();
    mr_test_write(f->root, "/etc/hostname", "compute-1\n");
    assert_int_equal(mr_ctx_new_for_test(f->root, NULL, NULL, &f->ctx), 0);
    struct mr_select sel = {0};
    f->run = mr_run_list(f->ctx, all, MR_ARRAY_SIZE(all), &sel, false);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    mr_run_free(f->run);
    mr_ctx_free(f->ctx);
    mr_test_rmtree(f->root);
    free(f->root);
    free(f);
    return 0;
}

static char *render(struct fixture *f, enum mr_format fmt, bool color, int verbosity)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    struct mr_render_opts o = {.format = fmt, .color = color, .verbosity = verbosity};
    assert_int_equal(mr_render(out, f->ctx, f->run, &o), 0);
    fclose(out);
    assert_null(strstr(buf, "s3cretPW"));
    return buf;
}

static void test_json(void **state)
{
    struct fixture *f = *state;
    char *out = render(f, MR_FORMAT_JSON, false, 0);
    json_object *root = json_tokener_parse(out);
    assert_non_null(root);
    json_object *v;
    assert_true(json_object_object_get_ex(root, "tool", &v));
    assert_string_equal(json_object_get_string(v), "migready");
    assert_true(json_object_object_get_ex(root, "host", &v));
    assert_string_equal(json_object_get_string(v), "compute-1");
    assert_true(json_object_object_get_ex(root, "ready", &v));
    assert_false(json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(root, "profiles", &v));
    assert_int_equal(json_object_array_length(v), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 0)), "shared-nfs");
    json_object *summary;
    assert_true(json_object_object_get_ex(root, "summary", &summary));
    const char *keys[] = {"pass", "warn", "fail", "skip", "error", "fixed"};
    const int want[] = {1, 1, 1, 1, 1, 0};
    for (size_t i = 0; i < 6; i++) {
        assert_true(json_object_object_get_ex(summary, keys[i], &v));
        assert_int_equal(json_object_get_int(v), want[i]);
    }
    json_object *results, *r;
    assert_true(json_object_object_get_ex(root, "results", &results));
    assert_int_equal(json_object_array_length(results), 5);
    r = json_object_array_get_idx(results, 1);
    assert_true(json_object_object_get_ex(r, "id", &v));
    assert_string_equal(json_object_get_string(v), "libvirt.listen");
    assert_true(json_object_object_get_ex(r, "status", &v));
    assert_string_equal(json_object_get_string(v), "fail");
    assert_true(json_object_object_get_ex(r, "message", &v));
    assert_string_equal(json_object_get_string(v), "listen_tcp is 0 <but> \"tcp\" & more");
    assert_true(json_object_object_get_ex(r, "remedy", &v));
    assert_true(json_object_object_get_ex(r, "file", &v));
    assert_string_equal(json_object_get_string(v), "/etc/libvirt/libvirtd.conf");
    assert_true(json_object_object_get_ex(r, "line", &v));
    assert_int_equal(json_object_get_int(v), 52);
    assert_true(json_object_object_get_ex(r, "fixable", &v));
    assert_true(json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(r, "details", &v));
    assert_int_equal(json_object_array_length(v), 2);
    /* A pass has no place and no remedy. */
    /* The Nova release whose rules applied: none installed in this root,
     * so the newest, with version and source null. */
    json_object *nova;
    assert_true(json_object_object_get_ex(root, "nova", &nova));
    assert_true(json_object_object_get_ex(nova, "version", &v));
    assert_null(v);
    assert_true(json_object_object_get_ex(nova, "release", &v));
    assert_string_equal(json_object_get_string(v), "2026.1");
    assert_true(json_object_object_get_ex(nova, "source", &v));
    assert_null(v);

    r = json_object_array_get_idx(results, 0);
    assert_false(json_object_object_get_ex(r, "file", &v));
    assert_false(json_object_object_get_ex(r, "remedy", &v));
    /* The secret is masked, the rest of the URL kept. */
    assert_non_null(strstr(out, "rabbit://nova:***@mq.example:5672/"));
    json_object_put(root);
    free(out);
}

static int count_elems(xmlNodePtr n, const char *name)
{
    int c = 0;
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
            c++;
        c += count_elems(n->children, name);
    }
    return c;
}

static void test_junit(void **state)
{
    struct fixture *f = *state;
    char *out = render(f, MR_FORMAT_JUNIT, false, 0);
    xmlDocPtr doc = xmlReadMemory(out, (int)strlen(out), "junit.xml", NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)root->name, "testsuites");
    assert_int_equal(count_elems(root, "testcase"), 5);
    assert_int_equal(count_elems(root, "failure"), 1);
    assert_int_equal(count_elems(root, "error"), 1);
    assert_int_equal(count_elems(root, "skipped"), 1);
    xmlChar *tests = xmlGetProp(root, BAD_CAST "tests");
    assert_string_equal((const char *)tests, "5");
    xmlFree(tests);
    xmlFreeDoc(doc);
    free(out);
}

static void test_tap(void **state)
{
    struct fixture *f = *state;
    char *out = render(f, MR_FORMAT_TAP, false, 0);
    assert_memory_equal(out, "TAP version 13\n1..5\n", strlen("TAP version 13\n1..5\n"));
    assert_non_null(strstr(out, "\nok 1 - nova.vnc-listen: all good\n"));
    assert_non_null(strstr(out, "\nnot ok 2 - libvirt.listen: "));
    assert_non_null(strstr(out, "  line: 52\n"));
    assert_non_null(strstr(out, "\nok 4 - b.live: offline (--root) # SKIP offline (--root)\n"));
    assert_non_null(strstr(out, "\nnot ok 5 - y.error: "));
    /* Every YAML block is closed. */
    int open = 0, close = 0;
    for (char *p = out; (p = strstr(p, "\n  ---\n")); p++)
        open++;
    for (char *p = out; (p = strstr(p, "\n  ...\n")); p++)
        close++;
    assert_int_equal(open, 3);
    assert_int_equal(close, 3);
    free(out);
}

/* node_exporter's textfile format: every check has a series per status,
 * exactly one of them 1; the run's counts, readiness and time follow. */
static void test_prometheus(void **state)
{
    struct fixture *f = *state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    struct mr_render_opts o = {
        .format = MR_FORMAT_PROMETHEUS, .started = 1700000000.25, .duration = 0.5};
    assert_int_equal(mr_render(out, f->ctx, f->run, &o), 0);
    fclose(out);
    assert_memory_equal(buf, "# HELP migready_check_status ", strlen("# HELP migready_check_status "));
    assert_non_null(strstr(buf, "\n# TYPE migready_check_status gauge\n"));
    assert_non_null(strstr(buf, "\nmigready_check_status{check=\"nova.vnc-listen\",status=\"pass\"} 1\n"));
    assert_non_null(strstr(buf, "\nmigready_check_status{check=\"nova.vnc-listen\",status=\"fail\"} 0\n"));
    assert_non_null(strstr(buf, "\nmigready_check_status{check=\"libvirt.listen\",status=\"fail\"} 1\n"));
    assert_non_null(strstr(buf, "\nmigready_check_status{check=\"b.live\",status=\"skip\"} 1\n"));
    assert_non_null(strstr(buf, "\nmigready_check_status{check=\"y.error\",status=\"error\"} 1\n"));
    assert_non_null(strstr(buf, "\nmigready_checks{status=\"warn\"} 1\n"));
    assert_non_null(strstr(buf, "\nmigready_checks{status=\"fixed\"} 0\n"));
    assert_non_null(strstr(buf, "\n# TYPE migready_ready gauge\nmigready_ready 0\n"));
    assert_non_null(strstr(buf, "\nmigready_run_timestamp_seconds 1700000000.250\n"));
    assert_non_null(strstr(buf, "\nmigready_run_duration_seconds 0.500000\n"));
    /* 5 checks x 6 statuses, each check's series summing to 1. */
    int series = 0, ones = 0;
    for (char *p = buf; (p = strstr(p, "\nmigready_check_status{")); p++) {
        series++;
        ones += strncmp(strchr(p, '}'), "} 1\n", 4) == 0;
    }
    assert_int_equal(series, 5 * _MR_STATUS_LAST);
    assert_int_equal(ones, 5);
    assert_null(strstr(buf, "s3cretPW"));
    free(buf);
}

/* Label values keep the exposition format's escapes: a quote, a backslash
 * or a newline in an ID cannot end the label or the line. */
static void test_prometheus_escapes(void **state)
{
    struct fixture *f = *state;
    static const struct mr_check odd = {.id = "a\"b\\c\nd", .title = "odd", .run = run_pass};
    const struct mr_row rows[] = {{.check = &odd}};
    struct mr_select sel = {0};
    struct mr_run *run = mr_run_list(f->ctx, rows, 1, &sel, false);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    struct mr_render_opts o = {.format = MR_FORMAT_PROMETHEUS};
    assert_int_equal(mr_render(out, f->ctx, run, &o), 0);
    fclose(out);
    assert_non_null(
        strstr(buf, "\nmigready_check_status{check=\"a\\\"b\\\\c\\nd\",status=\"pass\"} 1\n"));
    assert_non_null(strstr(buf, "\nmigready_ready 1\n"));
    /* Without a start time given, the run is dated now. */
    assert_null(strstr(buf, "migready_run_timestamp_seconds 0.000"));
    mr_run_free(run);
    free(buf);
}

static void test_text(void **state)
{
    struct fixture *f = *state;
    char *out = render(f, MR_FORMAT_TEXT, false, 0);
    /* Aligned ids, the place after the message, the remedy below. */
    assert_non_null(strstr(out, "PASS   nova.vnc-listen  all good\n"));
    assert_non_null(strstr(out, "FAIL   libvirt.listen   listen_tcp is 0 <but> \"tcp\" & more "
                                "(/etc/libvirt/libvirtd.conf:52)\n"
                                "                        -> set listen_tcp = 1\n"));
    assert_non_null(strstr(out, "compute-1: could not judge (1 pass, 1 warn, 1 fail, 1 skip, "
                                "1 error)\n"
                                "rules of: Nova (release unknown: the rules of 2026.1 "
                                "(Gazpacho) apply)\n"));
    assert_null(strchr(out, '\033'));
    free(out);
    out = render(f, MR_FORMAT_TEXT, true, 0);
    assert_non_null(strstr(out, "\033[31mFAIL \033[0m"));
    free(out);
    /* Quiet: only what does not pass. */
    out = render(f, MR_FORMAT_TEXT, false, -1);
    assert_null(strstr(out, "nova.vnc-listen"));
    assert_non_null(strstr(out, "libvirt.listen"));
    free(out);
    /* Verbose: every finding. */
    out = render(f, MR_FORMAT_TEXT, false, 1);
    assert_non_null(strstr(out, "pass: auth ok # not a directive"));
    free(out);
}

static int run_named(const struct mr_ctx *ctx, struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "listen_tcp is 0 in /etc/l.conf:16");
    mr_finding_at(f, "/etc/l.conf", 16);
    f = mr_report(res, MR_WARN, "/var/lib/nova/instances lacks o+x");
    mr_finding_at(f, "/var/lib/nova/instances", 0);
    f = mr_report(res, MR_WARN, "unset");
    mr_finding_at(f, "/etc/l.conf", 3);
    return 0;
}

/* A place the message already names is not repeated after it. */
static void test_text_place_once(void **state)
{
    struct fixture *f = *state;
    static const struct mr_check named = {.id = "x.named", .title = "named", .run = run_named};
    static const struct mr_row list[] = {{.check = &named}};
    struct mr_select sel = {0};
    mr_run_free(f->run);
    f->run = mr_run_list(f->ctx, list, 1, &sel, false);
    char *out = render(f, MR_FORMAT_TEXT, false, 1);
    assert_non_null(strstr(out, "listen_tcp is 0 in /etc/l.conf:16\n"));
    assert_non_null(strstr(out, "/var/lib/nova/instances lacks o+x\n"));
    assert_non_null(strstr(out, "unset (/etc/l.conf:3)\n"));
    free(out);
}

/* Two peers that both differ call for one remedy: it is given once per check,
 * in the text and in the JUnit body. */
static int run_shared_remedy(const struct mr_ctx *ctx, struct mr_result *res)
{
    struct mr_finding *f = mr_report(res, MR_FAIL, "compute-2 has virt_type qemu");
    mr_finding_remedy(f, "set the same [libvirt] virt_type on every compute host");
    f = mr_report(res, MR_FAIL, "compute-3 has virt_type lxc");
    mr_finding_remedy(f, "set the same [libvirt] virt_type on every compute host");
    f = mr_report(res, MR_WARN, "compute-4 did not answer");
    mr_finding_remedy(f, "start libvirtd on compute-4");
    return 0;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_remedy_once(void **state)
{
    struct fixture *f = *state;
    static const struct mr_check c = {.id = "x.shared", .title = "shared",
                                      .run = run_shared_remedy};
    static const struct mr_row list[] = {{.check = &c}};
    struct mr_select sel = {0};
    mr_run_free(f->run);
    f->run = mr_run_list(f->ctx, list, 1, &sel, false);
    for (int v = 0; v <= 1; v++) {
        char *out = render(f, MR_FORMAT_TEXT, false, v);
        assert_int_equal(count(out, "-> set the same [libvirt] virt_type on every compute host\n"),
                         1);
        assert_int_equal(count(out, "-> start libvirtd on compute-4\n"), 1);
        free(out);
    }
    char *out = render(f, MR_FORMAT_JUNIT, false, 0);
    assert_int_equal(count(out, "fix: set the same [libvirt] virt_type"), 1);
    assert_int_equal(count(out, "fix: start libvirtd on compute-4"), 1);
    free(out);
}

static void test_redact(void **state)
{
    char *s = mr_redact("a qemu+tcp://host/system b rabbit://u:p@h:1/v c http://x:y@z");
    assert_string_equal(s, "a qemu+tcp://host/system b rabbit://u:***@h:1/v c http://x:***@z");
    free(s);
}

static int run_hostile(const struct mr_ctx *ctx, struct mr_result *res)
{
    /* A value and a file name from the host, each with control characters. */
    struct mr_finding *f = mr_report(res, MR_FAIL, "server_listen = 10.0.0.1\033[2J\033]0;x\a");
    mr_finding_at(f, "/etc/nova/nova.conf.d/a\nPASS   nova.vnc-listen  forged\r.conf", 2);
    mr_finding_remedy(f, "set it in \033[31m\x7f\x01 #");
    mr_report(res, MR_PASS, "also\nPASS   forged \x9b\xc2\x9b");
    return 0;
}

/* No format lets a control character through but its own line breaks: a
 * forged line cannot start, an escape sequence cannot reach the terminal.
 * JSON is data: json-c escapes controls below 0x20 (\u001b) and leaves DEL
 * and other bytes as they are, which JSON allows. */
static void test_controls_escaped(void **state)
{
    struct fixture *f = *state;
    static const struct mr_check hostile = {
        .id = "x.hostile", .title = "t\033", .run = run_hostile};
    static const struct mr_row list[] = {{.check = &hostile}};
    struct mr_select sel = {0};
    mr_run_free(f->run);
    f->run = mr_run_list(f->ctx, list, 1, &sel, false);
    for (enum mr_format fmt = 0; fmt < _MR_FORMAT_LAST; fmt++) {
        for (int verbosity = -1; verbosity <= 1; verbosity++) {
            char *out = render(f, fmt, false, verbosity);
            for (const unsigned char *p = (const unsigned char *)out; *p; p++)
                if ((*p < 0x20 && *p != '\n') ||
                    (fmt != MR_FORMAT_JSON && (*p == 0x7f || *p == 0x9b)))
                    fail_msg("format %d verbosity %d: byte 0x%02x at %zu", (int)fmt, verbosity,
                             *p, (size_t)((const char *)p - out));
            if (fmt == MR_FORMAT_TEXT)
                assert_null(strstr(out, "\nPASS"));
            if (fmt == MR_FORMAT_TAP)
                assert_null(strstr(out, "\nok"));
            /* In JUnit a finding starts a line of the body with its status. */
            if (fmt == MR_FORMAT_JUNIT)
                assert_null(strstr(out, "\nPASS   "));
            if (fmt == MR_FORMAT_TEXT) {
                assert_non_null(strstr(out, "FAIL   x.hostile  server_listen = 10.0.0.1"
                                            "\\x1b[2J\\x1b]0;x\\x07 (/etc/nova/nova.conf.d/"
                                            "a\\nPASS   nova.vnc-listen  forged\\r.conf:2)\n"));
                assert_non_null(strstr(out, "-> set it in \\x1b[31m\\x7f\\x01 #\n"));
                if (verbosity > 0)
                    assert_non_null(strstr(out, "pass: also\\nPASS   forged \\x9b\\xc2\\x9b\n"));
            }
            free(out);
        }
    }
}

static void test_cescape(void **state)
{
    (void)state;
    char *s = mr_cescape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7 a\\b\t\r\n\x1b\x7f"
                         "\xc2\x85\xc0\xaf\xed\xa0\x80\xff\xe2\x82",
                         NULL);
    /* UTF-8 and backslashes stay; controls, C1 controls, overlong forms,
     * surrogates and cut sequences are escaped byte by byte. */
    assert_string_equal(s, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7 a\\b\\t\\r\\n\\x1b\\x7f"
                           "\\xc2\\x85\\xc0\\xaf\\xed\\xa0\\x80\\xff\\xe2\\x82");
    free(s);
    s = mr_cescape("a\nb\tc\x1b", "\n\t");
    assert_string_equal(s, "a\nb\tc\\x1b");
    free(s);
    assert_null(mr_cescape(NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_junit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prometheus, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prometheus_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_place_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remedy_once, setup, teardown),
        cmocka_unit_test(test_redact),
        cmocka_unit_test_setup_teardown(test_controls_escaped, setup, teardown),
        cmocka_unit_test(test_cescape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

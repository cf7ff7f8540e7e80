/* libvirt.listen and libvirt.auth: can a peer's libvirtd reach this one over
 * the chosen transport, and who may. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checks.h"
#include "ctx.h"
#include "libvirtconf.h"

/* Attaches the place a value was set; a built-in default has none. */
static void at_value(struct mr_finding *f, const struct mr_confval *v)
{
    if (!v->is_default && v->file)
        mr_finding_at(f, v->file, v->line);
}

/* "listen_tcp is 0 in /etc/libvirt/libvirtd.conf:52", "auth_tcp is libvirt's
 * default "sasl"": numbers bare, strings quoted as in the file. */
static char *describe(const char *key, const struct mr_confval *v)
{
    long n;
    const char *q = mr_parse_long(v->value, &n) == 0 ? "" : "\"";
    if (v->is_default)
        return mr_xasprintf("%s is libvirt's default %s%s%s", key, q, v->value, q);
    return mr_xasprintf("%s is %s%s%s in %s:%d", key, q, v->value, q, v->file, v->line);
}

static bool conf_bool(const struct mr_libvirt_conf *conf, const char *key, struct mr_confval *v)
{
    bool on = false;
    if (mr_libvirt_conf_get(conf, MR_LIBVIRTD_CONF, key, v))
        mr_parse_bool(v->value, &on);
    return on;
}

/* FILES: the files the check reads; another one that cannot be read is not
 * its error. */
static int load(const struct mr_ctx *ctx, struct mr_result *res, unsigned files,
                const struct mr_libvirt_conf **ret)
{
    const char *msg = NULL;
    if (mr_ctx_libvirt_files(ctx, files, ret, &msg) < 0) {
        mr_report(res, MR_ERROR, "%s", msg ? msg : "cannot read the libvirt configuration");
        return -1;
    }
    return 0;
}

/* libvirtd refuses to start when it must serve TLS and a certificate or key
 * is missing, whatever transport the migrations use. Returns the number of
 * missing files; with RES NULL only counts them. */
static int check_certs(const struct mr_ctx *ctx, const struct mr_libvirt_conf *conf,
                       struct mr_result *res, const char *why)
{
    static const struct {
        const char *key;
        const char *what;
    } certs[] = {
        {"ca_file", "CA certificate"},
        {"cert_file", "server certificate"},
        {"key_file", "server key"},
    };
    const char *conf_name = mr_libvirt_conf_file_name(conf, MR_LIBVIRTD_CONF);
    int missing = 0;

    for (size_t i = 0; i < MR_ARRAY_SIZE(certs); i++) {
        struct mr_confval v;
        struct stat st;
        if (!mr_libvirt_conf_get(conf, MR_LIBVIRTD_CONF, certs[i].key, &v) || !v.value[0])
            continue;
        if (mr_root_stat(ctx->root, v.value, &st, false) == 0 && S_ISREG(st.st_mode))
            continue;
        missing++;
        if (!res)
            continue;
        struct mr_finding *f = mr_report(
            res, MR_FAIL, "%s: the %s %s (%s%s) does not exist; %s will not start", why,
            certs[i].what, v.value, certs[i].key, v.is_default ? ", libvirt's default" : "",
            mr_libvirt_conf_daemon(conf));
        at_value(f, &v);
        mr_finding_remedy(f,
                          "install the host's TLS certificates (see libvirt's TLS guide, "
                          "https://libvirt.org/kbase/tlscerts.html) or point %s in %s at them",
                          certs[i].key, conf_name);
    }
    return missing;
}

static void report_ignored_keys(const struct mr_libvirt_conf *conf, struct mr_result *res)
{
    static const char *const keys[] = {"listen_tcp", "listen_tls", "tcp_port", "tls_port",
                                       "listen_addr"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(keys); i++) {
        struct mr_confval v;
        if (!mr_libvirt_conf_get(conf, MR_LIBVIRTD_CONF, keys[i], &v) || v.is_default)
            continue;
        struct mr_finding *f =
            mr_report(res, MR_PASS, "note: %s = %s in %s:%d is ignored under socket activation",
                      keys[i], v.value, v.file, v.line);
        at_value(f, &v);
    }
}

static void listen_socket_activated(const struct mr_ctx *ctx, const struct mr_libvirt_conf *conf,
                                    struct mr_result *res, const char *reason)
{
    const char *t = mr_ctx_transport(ctx);
    const char *daemon = mr_libvirt_conf_daemon(conf);
    char *unit = mr_xasprintf("%s-%s.socket", daemon, t);
    const char *path = NULL;
    struct mr_finding *f;

    if (mr_libvirt_conf_unit_masked(conf, unit, &path)) {
        f = mr_report(res, MR_FAIL,
                      "%s is socket-activated (%s) but %s is masked at %s: nothing listens for "
                      "the %s transport",
                      daemon, reason, unit, path, t);
        mr_finding_at(f, path, 0);
        mr_finding_remedy(f, "systemctl unmask %s && systemctl enable --now %s", unit, unit);
    } else if (!mr_libvirt_conf_unit_enabled(conf, unit, &path)) {
        f = mr_report(res, MR_FAIL,
                      "%s is socket-activated (%s) but %s is not enabled: nothing listens for "
                      "the %s transport (%s in %s is ignored under socket activation)",
                      daemon, reason, unit, t, strcmp(t, "tls") == 0 ? "listen_tls" : "listen_tcp",
                      mr_libvirt_conf_file_name(conf, MR_LIBVIRTD_CONF));
        mr_finding_remedy(f, "systemctl enable --now %s", unit);
        mr_finding_code(f, "socket-disabled");
        mr_finding_want(f, unit);
    } else {
        mr_report(res, MR_PASS, "%s is socket-activated (%s) and %s is enabled at %s", daemon,
                  reason, unit, path);
    }

    char *tls_unit = mr_xasprintf("%s-tls.socket", daemon);
    if (mr_libvirt_conf_unit_enabled(conf, tls_unit, &path)) {
        char *why = mr_xasprintf("%s is enabled at %s", tls_unit, path);
        check_certs(ctx, conf, res, why);
        free(why);
    }
    free(tls_unit);
    report_ignored_keys(conf, res);
    free(unit);
}

static void listen_traditional(const struct mr_ctx *ctx, const struct mr_libvirt_conf *conf,
                               struct mr_result *res)
{
    const char *t = mr_ctx_transport(ctx);
    bool tls = strcmp(t, "tls") == 0;
    const char *daemon = mr_libvirt_conf_daemon(conf);
    const char *conf_name = mr_libvirt_conf_file_name(conf, MR_LIBVIRTD_CONF);
    const char *args_name = mr_libvirt_conf_file_name(conf, MR_LIBVIRTD_ARGS);
    const char *args_var = mr_libvirt_conf_args_var(conf);
    const char *args_file = NULL;
    int args_line = 0;
    const char *args = mr_libvirt_conf_args(conf, &args_file, &args_line);
    bool listen = mr_libvirt_conf_args_listen(conf);
    struct mr_confval v_listen, v_tls, v_addr, v_port;
    const char *key = tls ? "listen_tls" : "listen_tcp";
    bool on = conf_bool(conf, key, &v_listen);
    struct mr_finding *f;
    size_t before = res->n_findings;

    /* The configuration file first: that is where most guides send people. */
    if (!on) {
        char *d = describe(key, &v_listen);
        f = mr_report(res, MR_FAIL, "%s but the transport is %s", d, t);
        free(d);
        at_value(f, &v_listen);
        mr_finding_remedy(f, "set %s = 1 in %s and restart %s", key, conf_name, daemon);
        mr_finding_code(f, "conf-set");
        mr_finding_key(f, NULL, key);
        mr_finding_want(f, "1");
    }

    if (!listen) {
        if (args)
            f = mr_report(res, MR_FAIL,
                          "%s=\"%s\" in %s:%d has no --listen: %s opens no TCP port for the %s "
                          "transport",
                          args_var, args, args_file, args_line, daemon, t);
        else
            f = mr_report(res, MR_FAIL,
                          "%s is not set in %s: %s runs without --listen and opens no TCP port "
                          "for the %s transport",
                          args_var, args_name, daemon, t);
        if (args)
            mr_finding_at(f, args_file, args_line);
        mr_finding_remedy(f, "add --listen to %s in %s (%s=\"--listen\") and restart %s",
                          args_var, args_name, args_var, daemon);
        /* With --listen and listen_tls on, libvirtd does not start without
         * the TLS certificates: a TCP host gets TLS off with the flag. */
        mr_finding_code(f, "no-listen");
        if (!tls && conf_bool(conf, "listen_tls", &v_tls) && check_certs(ctx, conf, NULL, NULL))
            mr_finding_also(f, NULL, "listen_tls", "0");
    }

    if (mr_libvirt_conf_get(conf, MR_LIBVIRTD_CONF, "listen_addr", &v_addr) &&
        mr_libvirt_addr_is_loopback(v_addr.value)) {
        f = mr_report(res, MR_FAIL,
                      "listen_addr is \"%s\" in %s:%d, a loopback address: peers cannot connect",
                      v_addr.value, v_addr.file, v_addr.line);
        at_value(f, &v_addr);
        mr_finding_remedy(f, "remove listen_addr from %s (listen on all addresses) or set it to "
                          "this host's migration address", conf_name);
        mr_finding_code(f, "loopback-address");
        mr_finding_key(f, NULL, "listen_addr");
        mr_finding_value(f, v_addr.value);
    }

    const char *port_key = tls ? "tls_port" : "tcp_port";
    const char *port_default = tls ? "16514" : "16509";
    if (mr_libvirt_conf_get(conf, MR_LIBVIRTD_CONF, port_key, &v_port) &&
        strcmp(v_port.value, port_default) != 0) {
        f = mr_report(res, MR_WARN,
                      "%s is \"%s\" in %s:%d: Nova connects to libvirt's default port %s unless "
                      "[libvirt] live_migration_uri in nova.conf names another",
                      port_key, v_port.value, v_port.file, v_port.line, port_default);
        at_value(f, &v_port);
        mr_finding_remedy(f, "remove %s from %s, or use the same port on every host and in "
                          "Nova's live_migration_uri", port_key, conf_name);
    }

    /* listen_tls defaults to 1: with --listen libvirtd serves TLS even when
     * migrations use TCP, and without certificates it does not start at all. */
    if (listen && conf_bool(conf, "listen_tls", &v_tls)) {
        char *d = describe("listen_tls", &v_tls);
        char *why = mr_xasprintf("%s and --listen is given", d);
        size_t first = res->n_findings;
        check_certs(ctx, conf, res, why);
        /* A TCP host needs no TLS listener: turning it off fixes these. */
        for (size_t i = first; !tls && i < res->n_findings; i++) {
            mr_finding_code(&res->findings[i], "conf-set");
            mr_finding_key(&res->findings[i], NULL, "listen_tls");
            mr_finding_want(&res->findings[i], "0");
        }
        free(why);
        free(d);
    }

    if (res->n_findings == before) {
        char *d = describe(key, &v_listen);
        mr_report(res, MR_PASS, "%s listens for the %s transport: --listen in %s:%d and %s",
                  daemon, t, args_file, args_line, d);
        free(d);
    }
}

static int run_listen(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_libvirt_conf *conf;
    const char *reason = NULL;
    if (load(ctx, res, MR_LIBVIRT_FILE(MR_LIBVIRTD_CONF) | MR_LIBVIRT_FILE(MR_LIBVIRTD_ARGS),
             &conf) < 0)
        return 0;

    const char *t = mr_ctx_transport(ctx);
    const char *daemon = mr_libvirt_conf_daemon(conf);
    bool socket = mr_libvirt_conf_socket_activated(conf, &reason);
    const char *args_file = NULL;
    int args_line = 0;
    mr_libvirt_conf_args(conf, &args_file, &args_line);

    /* This one stops the daemon whatever the transport, so it comes first. */
    if (socket && mr_libvirt_conf_args_listen(conf)) {
        struct mr_finding *f =
            mr_report(res, MR_FAIL,
                      "--listen in %s:%d conflicts with socket activation (%s); %s will not start",
                      args_file, args_line, reason, daemon);
        mr_finding_at(f, args_file, args_line);
        mr_finding_remedy(f,
                          "remove --listen from %s and enable %s-%s.socket (systemctl enable --now "
                          "%s-%s.socket), or mask the sockets for the traditional mode (systemctl "
                          "mask %s.socket %s-ro.socket %s-admin.socket %s-tcp.socket "
                          "%s-tls.socket)",
                          args_file, daemon, strcmp(t, "tls") == 0 ? "tls" : "tcp", daemon,
                          strcmp(t, "tls") == 0 ? "tls" : "tcp", daemon, daemon, daemon, daemon,
                          daemon);
        /* The fix: --listen out, and the transport's socket enabled unless
         * ssh needs none or the operator masked it. */
        mr_finding_code(f, "listen-conflict");
        char *unit = mr_xasprintf("%s-%s.socket", daemon, t);
        if (strcmp(t, "ssh") != 0 && !mr_libvirt_conf_unit_masked(conf, unit, NULL) &&
            !mr_libvirt_conf_unit_enabled(conf, unit, NULL))
            mr_finding_want(f, unit);
        free(unit);
    } else if (strcmp(t, "ssh") == 0) {
        mr_report(res, MR_PASS,
                  "the transport is ssh: libvirt is reached over SSH and %s needs no TCP listener",
                  daemon);
    } else if (socket) {
        listen_socket_activated(ctx, conf, res, reason);
    } else {
        listen_traditional(ctx, conf, res);
    }

    if (mr_libvirt_conf_note(conf))
        mr_report(res, MR_PASS, "note: %s", mr_libvirt_conf_note(conf));
    return 0;
}

static int run_auth(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_libvirt_conf *conf;
    struct mr_confval v;
    struct mr_finding *f;
    if (load(ctx, res, MR_LIBVIRT_FILE(MR_LIBVIRTD_CONF), &conf) < 0)
        return 0;

    const char *t = mr_ctx_transport(ctx);
    const char *conf_name = mr_libvirt_conf_file_name(conf, MR_LIBVIRTD_CONF);
    const char *daemon = mr_libvirt_conf_daemon(conf);

    if (strcmp(t, "ssh") == 0) {
        mr_report(res, MR_PASS, "the transport is ssh: authentication by SSH keys, see ssh.keys");
        return 0;
    }

    bool tls = strcmp(t, "tls") == 0;
    const char *key = tls ? "auth_tls" : "auth_tcp";
    mr_libvirt_conf_get(conf, MR_LIBVIRTD_CONF, key, &v);
    char *d = describe(key, &v);

    if (strcmp(v.value, "none") == 0 && !tls) {
        struct mr_confval port;
        mr_libvirt_conf_get(conf, MR_LIBVIRTD_CONF, "tcp_port", &port);
        f = mr_report(res, MR_WARN,
                      "%s: anyone who can reach port %s on this host controls every VM on it, "
                      "without a password and unencrypted",
                      d, port.value);
        at_value(f, &v);
        mr_finding_remedy(f,
                          "accept port %s only from the compute hosts in the firewall, or set "
                          "auth_tcp = \"sasl\" in %s, or use the tls transport (--profile tls)",
                          port.value, conf_name);
    } else if (strcmp(v.value, "none") == 0) {
        f = mr_report(res, MR_PASS, "%s: client certificates authenticate the peers", d);
        at_value(f, &v);
        check_certs(ctx, conf, res, "the transport is tls");
    } else if (strcmp(v.value, "sasl") == 0) {
        f = mr_report(res, MR_PASS,
                      "%s: peers need SASL credentials; over plain TCP the mechanism must also "
                      "encrypt (GSSAPI or a mechanism meeting tcp_min_ssf), and each host's "
                      "libvirt client needs credentials for its peers",
                      d);
        at_value(f, &v);
        if (tls)
            check_certs(ctx, conf, res, "the transport is tls");
    } else if (strcmp(v.value, "polkit") == 0) {
        f = mr_report(res, MR_FAIL, "%s: polkit only authenticates local UNIX socket clients, so "
                      "no peer can connect", d);
        at_value(f, &v);
        mr_finding_remedy(f, "set %s = \"%s\" in %s and restart %s", key, tls ? "none" : "sasl",
                          conf_name, daemon);
    } else {
        f = mr_report(res, MR_FAIL, "%s, which libvirt does not know (none, sasl); %s will not "
                      "start", d, daemon);
        at_value(f, &v);
        mr_finding_remedy(f, "set %s = \"%s\" in %s", key, tls ? "none" : "sasl", conf_name);
    }
    free(d);
    return 0;
}

const struct mr_check mr_check_libvirt_listen = {
    .id = "libvirt.listen",
    .title = "libvirtd accepts migration connections",
    .run = run_listen,
};

const struct mr_check mr_check_libvirt_auth = {
    .id = "libvirt.auth",
    .title = "libvirtd authenticates migration connections",
    .run = run_auth,
};

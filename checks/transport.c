/* nova.migration-transport: the way Nova tells libvirt to reach the peer
 * (live_migration_scheme / _inbound_addr / deprecated _uri / _tunnelled /
 * _with_native_tls) agrees with the transport profile and with libvirt. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checks.h"
#include "ctx.h"
#include "libvirtconf.h"
#include "novaconf.h"
#include "uri.h"

#define NOVA_CONF "/etc/nova/nova.conf"

static void at_nova(struct mr_finding *f, const struct mr_novaval *v)
{
    if (!v->is_default && v->file)
        mr_finding_at(f, v->file, v->line);
}

/* "live_migration_scheme = tls in /etc/nova/nova.conf:12" or "... Nova's default tcp". */
static char *describe(const char *key, const struct mr_novaval *v, const char *value)
{
    if (v->is_default || !v->file)
        return mr_xasprintf("%s is Nova's default %s", key, value);
    return mr_xasprintf("%s = %s in %s:%d", key, v->raw ? v->raw : value, v->file, v->line);
}

/* nova.conf where the layout keeps it (struct mr_novaval.conf). */
static const char *or_nova_conf(const char *conf)
{
    return conf ? conf : NOVA_CONF;
}

static bool nova_set(const struct mr_novaconf *nova, const char *key, struct mr_novaval *v)
{
    return mr_novaconf_get(nova, "libvirt", key, v) && v->value && v->value[0];
}

static bool nova_bool(const struct mr_novaconf *nova, const char *key, struct mr_novaval *v)
{
    bool on = false;
    if (nova_set(nova, key, v))
        mr_parse_bool(v->value, &on);
    return on;
}

/* What fixes a live_migration_uri that fails: it goes (commented out
 * wherever it is set), and then Nova builds the URI from
 * live_migration_scheme (tcp when unset), which is set to PROFILE in the
 * file that decides it when it names another transport. */
static void drop_uri(struct mr_finding *f, const struct mr_novaconf *nova, const char *profile)
{
    struct mr_novaval scheme;
    bool set = nova_set(nova, "live_migration_scheme", &scheme) && !scheme.is_default;
    mr_finding_code(f, "uri");
    mr_finding_alias(f, "libvirt", "live_migration_uri");
    mr_finding_want(f, profile);
    if (strcmp(mr_uri_transport_name(set ? scheme.value : "tcp"), profile) != 0)
        mr_finding_also_in(f, set && scheme.file ? scheme.file : or_nova_conf(scheme.conf),
                           "libvirt", "live_migration_scheme", profile);
}

/* The fix of a transport other than PROFILE: drop the URI that chose it,
 * else set the scheme (SCHEME, where it is set) to PROFILE. */
static void fix_scheme(struct mr_finding *f, const struct mr_novaconf *nova, bool by_uri,
                       const struct mr_novaval *scheme, const char *profile)
{
    if (by_uri) {
        drop_uri(f, nova, profile);
        return;
    }
    mr_finding_code(f, "scheme");
    mr_finding_key(f, "libvirt", "live_migration_scheme");
    mr_finding_value(f, scheme->is_default ? NULL : scheme->value);
    mr_finding_want(f, profile);
}

/* Why Nova cannot format URI with the destination's name, NULL when it
 * can. nova/virt/libvirt/driver.py, _live_migration_uri, returns
 * "uri % dest": Python's % wants exactly one conversion, %s, and takes %%
 * as a literal; anything else (no %s, two, %d, a %2F escape) raises a
 * TypeError or ValueError in the source's migration thread. */
static const char *uri_format_error(const char *uri)
{
    int n = 0;
    for (const char *p = strchr(uri, '%'); p; p = strchr(p, '%')) {
        if (p[1] == '%') {
            p += 2;
            continue;
        }
        if (p[1] != 's')
            return "has a % that is not %s or %%";
        n++;
        p += 2;
    }
    if (n == 0)
        return "has no %s for the destination";
    return n > 1 ? "has more than one %s" : NULL;
}

static void check_scheme(const struct mr_ctx *ctx, const struct mr_novaconf *nova,
                         struct mr_result *res)
{
    const char *profile = mr_ctx_transport(ctx);
    /* Where a setting Nova leaves at its default goes: the layout's nova.conf. */
    const char *conf_file = mr_ctx_path(ctx, "nova_conf", NOVA_CONF);
    struct mr_novaval uri, scheme = {0}, inbound;
    struct mr_finding *f;
    char *used = NULL, *what = NULL;
    const struct mr_novaval *src;

    if (nova_set(nova, "live_migration_uri", &uri)) {
        f = mr_report(res, MR_WARN,
                      "live_migration_uri = %s in %s:%d is deprecated, and it overrides "
                      "live_migration_scheme and live_migration_inbound_addr",
                      uri.raw ? uri.raw : uri.value, uri.file, uri.line);
        at_nova(f, &uri);
        mr_finding_remedy(f, "replace live_migration_uri in %s by live_migration_scheme = %s "
                          "(and live_migration_inbound_addr if the migration network differs)",
                          uri.file, profile);
        const char *why = uri_format_error(uri.value);
        if (why) {
            f = mr_report(res, MR_FAIL,
                          "live_migration_uri = %s in %s:%d %s: Nova puts the destination in "
                          "with Python's %% operator, which raises an error there, so every "
                          "live migration from this host fails before libvirt is called (the "
                          "error names string formatting, not the URI)",
                          uri.value, uri.file, uri.line, why);
            at_nova(f, &uri);
            mr_finding_remedy(f, "put %%s where the destination host goes "
                              "(qemu+%s://%%s/system), or use live_migration_scheme", profile);
            drop_uri(f, nova, profile);
        }
        used = mr_uri_transport(uri.value);
        what = mr_xasprintf("live_migration_uri = %s in %s:%d", uri.value, uri.file, uri.line);
        src = &uri;
    } else {
        /* Nova builds qemu+<scheme>://<dest>/system for kvm and qemu, tcp when unset. */
        if (!nova_set(nova, "live_migration_scheme", &scheme))
            scheme = (struct mr_novaval){.is_default = true};
        used = mr_xstrdup(scheme.is_default ? "tcp" : scheme.value);
        what = describe("live_migration_scheme", &scheme, used);
        src = &scheme;
    }

    if (!used) {
        f = mr_report(res, MR_FAIL, "%s names no libvirt transport (qemu+tcp://, qemu+tls://, "
                      "qemu+ssh://)", what);
        at_nova(f, src);
        mr_finding_remedy(f, "set [libvirt] live_migration_scheme = %s in %s", profile, conf_file);
        fix_scheme(f, nova, src == &uri, &scheme, profile);
    } else if (strcmp(mr_uri_transport_name(used), profile) != 0) {
        f = mr_report(res, MR_FAIL, "%s but the transport profile is %s", what, profile);
        at_nova(f, src);
        mr_finding_remedy(f, "set [libvirt] live_migration_scheme = %s in %s%s, or choose "
                          "--profile %s", profile, conf_file,
                          src == &uri ? " and remove live_migration_uri" : "",
                          mr_uri_transport_name(used));
        fix_scheme(f, nova, src == &uri, &scheme, profile);
    } else {
        f = mr_report(res, MR_PASS, "%s, as the %s transport profile expects", what, profile);
        at_nova(f, src);
    }

    if (nova_set(nova, "live_migration_inbound_addr", &inbound) &&
        mr_libvirt_addr_is_loopback(inbound.value)) {
        f = mr_report(res, MR_FAIL,
                      "live_migration_inbound_addr = %s in %s:%d is a loopback address: peers "
                      "would migrate to themselves",
                      inbound.value, inbound.file, inbound.line);
        at_nova(f, &inbound);
        mr_finding_remedy(f, "set live_migration_inbound_addr in %s to this host's address on "
                          "the migration network, or remove it", inbound.file);
    }
    free(used);
    free(what);
}

/* QEMU-native TLS reads its certificates from qemu.conf's
 * migrate_tls_x509_cert_dir; unset, libvirt takes /etc/pki/libvirt-migrate
 * when it exists, else default_tls_x509_cert_dir. */
static void check_native_tls_certs(const struct mr_ctx *ctx, struct mr_result *res)
{
    static const char *const files[] = {"ca-cert.pem", "server-cert.pem", "server-key.pem",
                                        "client-cert.pem", "client-key.pem"};
    const struct mr_libvirt_conf *conf;
    const char *msg = NULL;
    struct stat st;

    if (mr_ctx_libvirt_files(ctx, MR_LIBVIRT_FILE(MR_QEMU_CONF), &conf, &msg) < 0) {
        mr_report(res, MR_ERROR, "%s", msg ? msg : "cannot read the libvirt configuration");
        return;
    }
    const char *dir = mr_libvirt_migrate_tls_dir(conf, ctx->root, NULL);
    for (size_t i = 0; i < MR_ARRAY_SIZE(files); i++) {
        char *p = mr_xasprintf("%s/%s", dir, files[i]);
        if (mr_root_stat(ctx->root, p, &st, false) < 0 || !S_ISREG(st.st_mode)) {
            struct mr_finding *f = mr_report(res, MR_FAIL,
                                             "live_migration_with_native_tls is true but %s "
                                             "does not exist: QEMU cannot encrypt the migration",
                                             p);
            mr_finding_remedy(f, "install QEMU's TLS certificates in %s on every host (see "
                              "Nova's \"Secure live migration with QEMU-native TLS\")", dir);
        }
        free(p);
    }
}

static int run_transport(const struct mr_ctx *ctx, struct mr_result *res)
{
    const struct mr_novaconf *nova;
    const char *msg = NULL;
    struct mr_novaval tun, native;
    struct mr_finding *f;

    if (mr_ctx_nova(ctx, &nova, &msg) < 0 || !nova) {
        mr_report(res, MR_ERROR, "%s", msg ? msg : "cannot read nova.conf");
        return 0;
    }

    check_scheme(ctx, nova, res);

    bool tunnelled = nova_bool(nova, "live_migration_tunnelled", &tun);
    bool native_tls = nova_bool(nova, "live_migration_with_native_tls", &native);
    if (tunnelled && native_tls) {
        f = mr_report(res, MR_FAIL,
                      "live_migration_tunnelled (%s:%d) and live_migration_with_native_tls "
                      "(%s:%d) are both true: Nova refuses this combination",
                      tun.file, tun.line, native.file, native.line);
        at_nova(f, &tun);
        mr_finding_remedy(f, "remove live_migration_tunnelled from %s (native TLS encrypts the "
                          "migration stream itself)", tun.file);
        /* Its fix comments the key out wherever it is set (no value is wanted). */
        mr_finding_code(f, "tunnelled");
        mr_finding_key(f, "libvirt", "live_migration_tunnelled");
        mr_finding_value(f, tun.value);
    } else if (tunnelled) {
        f = mr_report(res, MR_WARN,
                      "live_migration_tunnelled = %s in %s:%d is deprecated (Nova 23.0.0, "
                      "Wallaby): tunnelling the stream through libvirtd is slow",
                      tun.raw ? tun.raw : tun.value, tun.file, tun.line);
        at_nova(f, &tun);
        mr_finding_remedy(f, "remove live_migration_tunnelled from %s and use "
                          "live_migration_with_native_tls = true to encrypt migrations", tun.file);
    }
    const char *storage = mr_ctx_value(ctx, "storage");
    if (tunnelled && storage && strcmp(storage, "block") == 0) {
        /* nova/virt/libvirt/driver.py, check_can_live_migrate_source (since
         * 14.0.0): a tunnelled block migration cannot leave volumes out of
         * the copy, so Nova's pre-check refuses instances with volumes. */
        f = mr_report(res, MR_WARN,
                      "live_migration_tunnelled = %s in %s:%d with block migration: Nova refuses "
                      "to block migrate an instance with volumes attached (\"Selective block "
                      "device migration is not supported with tunnelled block migrations\", "
                      "since Nova 14.0.0), so such instances cannot leave this host",
                      tun.raw ? tun.raw : tun.value, tun.file, tun.line);
        at_nova(f, &tun);
        mr_finding_remedy(f, "remove live_migration_tunnelled from %s and use "
                          "live_migration_with_native_tls = true to encrypt migrations", tun.file);
    }
    if (native_tls)
        check_native_tls_certs(ctx, res);
    return 0;
}

const struct mr_check mr_check_nova_migration_transport = {
    .id = "nova.migration-transport",
    .title = "Nova's live-migration transport agrees with libvirt",
    .run = run_transport,
};

/* nova.vnc-listen: [vnc] server_listen = 0.0.0.0 (and [spice] when SPICE is
 * on), in the file whose value Nova uses; a legacy vncserver_listen there is
 * commented out so that the new name alone decides. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixers.h"
#include "libvirtconf.h"
#include "novaconf.h"

/* Addresses the check does not fail: every address, or a loopback one (a
 * warning that needs a decision about console proxies, not a fix). */
static bool acceptable(const char *addr)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, addr, &a4) == 1 && a4.s_addr == 0)
        return true;
    if (inet_pton(AF_INET6, addr, &a6) == 1 &&
        (IN6_IS_ADDR_UNSPECIFIED(&a6) ||
         (IN6_IS_ADDR_V4MAPPED(&a6) && !memcmp(&a6.s6_addr[12], "\0\0\0\0", 4))))
        return true;
    return mr_libvirt_addr_is_loopback(addr) || strcasecmp(addr, "ip6-localhost") == 0;
}

static int fix_section(struct mr_change_set *cs, const struct mr_novaconf *conf,
                       const char *section)
{
    struct mr_novaval v;
    if (!mr_novaconf_get(conf, section, "server_listen", &v) || !v.value || v.is_default ||
        acceptable(v.value))
        return 0;
    const char *file = v.file ? v.file : FX_NOVA_CONF;
    struct mr_aug_edit *e = NULL;
    int r = fx_open(cs, "Nova.lns", file, &e);
    if (r < 0)
        return r;
    if (v.legacy) {
        /* Commented out, not deleted: the operator sees what it was. */
        char *pat = mr_xasprintf("%s/%s/%s", mr_aug_edit_top(e), v.section, v.name);
        char **m = NULL;
        int n = aug_match(mr_aug_edit_aug(e), pat, &m);
        for (int i = n - 1; i >= 0; i--) {
            const char *old = NULL;
            aug_get(mr_aug_edit_aug(e), m[i], &old);
            char *text = mr_xasprintf("%s = %s (replaced by [%s] server_listen)", v.name,
                                      old ? old : "", section);
            mr_aug_edit_comment_out(e, m[i], text);
            free(text);
        }
        for (int i = 0; i < n; i++)
            free(m[i]);
        free(m);
        free(pat);
        mr_change_describe(cs, "commented out the deprecated [%s] %s in %s", v.section, v.name,
                           file);
    }
    char *parent = fx_nova_section(e, section);
    r = mr_aug_edit_set(e, parent, "server_listen", "0.0.0.0");
    free(parent);
    if (r < 0) {
        mr_aug_edit_free(e);
        mr_change_error(cs, "%s: cannot set [%s] server_listen", file, section);
        return r;
    }
    mr_change_describe(cs, "set [%s] server_listen = 0.0.0.0 in %s", section, file);
    mr_change_restart(cs, "nova-compute");
    return fx_commit(cs, e, file, 0640);
}

static int run(const struct mr_ctx *ctx, const struct mr_result *res, struct mr_change_set *cs)
{
    (void)res;
    const struct mr_novaconf *conf;
    const char *msg = NULL;
    if (mr_ctx_nova(ctx, &conf, &msg) < 0 || !conf) {
        mr_change_error(cs, "%s", msg ? msg : "cannot read nova.conf");
        return -EINVAL;
    }
    struct mr_novaval v;
    bool vnc = true, spice = false;
    if (mr_novaconf_get(conf, "vnc", "enabled", &v) && v.value)
        mr_parse_bool(v.value, &vnc);
    if (mr_novaconf_get(conf, "spice", "enabled", &v) && v.value)
        mr_parse_bool(v.value, &spice);
    int r = vnc ? fix_section(cs, conf, "vnc") : 0;
    if (r >= 0 && spice)
        r = fix_section(cs, conf, "spice");
    return r;
}

const struct mr_fixer mr_fixer_nova_vnc_listen = {
    .check_id = "nova.vnc-listen",
    .run = run,
};

/* libvirt and migration URIs (src/conf/uri.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migready.h"
#include "novaconf.h"
#include "uri.h"

const char *mr_uri_local(void)
{
    const char *env = getenv("LIBVIRT_DEFAULT_URI");
    return env && *env ? env : "qemu:///system";
}

char *mr_uri_peer(const char *transport, const char *peer)
{
    /* An IPv6 literal needs brackets in a URI. */
    bool v6 = strchr(peer, ':') != NULL;
    const char *l = v6 ? "[" : "", *r = v6 ? "]" : "";
    if (transport && strcmp(transport, "ssh") == 0)
        return mr_xasprintf("qemu+ssh://%s%s%s/system?no_tty=1", l, peer, r);
    if (transport && strcmp(transport, "tls") == 0)
        return mr_xasprintf("qemu+tls://%s%s%s/system", l, peer, r);
    return mr_xasprintf("qemu+tcp://%s%s%s/system", l, peer, r);
}

int mr_uri_migration(const struct mr_novaconf *nova, const char *transport, const char *dest,
                     bool with_stream, char **ret_uri, char **ret_migrate_uri, char **ret_msg)
{
    /* oslo_netutils.escape_ipv6 */
    char *d = strchr(dest, ':') ? mr_xasprintf("[%s]", dest) : mr_xstrdup(dest);
    char *uri = NULL;
    const char *legacy = mr_novaconf_str(nova, "libvirt", "live_migration_uri");
    if (transport) {
        uri = mr_xasprintf("qemu+%s://%s/system", transport, d);
    } else if (legacy) {
        /* Nova does `live_migration_uri % dest`: exactly one %s, and %% for a
         * percent sign; anything else is a TypeError or ValueError there. */
        const char *p = legacy;
        size_t n_s = 0;
        bool bad = false;
        for (; *p; p++) {
            if (*p != '%')
                continue;
            if (p[1] == 's')
                n_s++;
            else if (p[1] != '%')
                bad = true;
            p++;
        }
        if (n_s != 1 || bad) {
            *ret_msg = mr_xasprintf("[libvirt] live_migration_uri = %s in nova.conf needs exactly "
                                    "one %%s for the destination (Nova would fail on it)",
                                    legacy);
            free(d);
            return -EINVAL;
        }
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        for (p = legacy; *p; p++) {
            if (*p == '%' && p[1] == 's') {
                fputs(d, m);
                p++;
            } else if (*p == '%' && p[1] == '%') {
                fputc('%', m);
                p++;
            } else {
                fputc(*p, m);
            }
        }
        fclose(m);
        uri = buf;
    } else {
        const char *vt = mr_novaconf_str(nova, "libvirt", "virt_type");
        if (vt && strcmp(vt, "kvm") != 0 && strcmp(vt, "qemu") != 0) {
            *ret_msg = mr_xasprintf("[libvirt] virt_type = %s: migrate-test migrates kvm and qemu "
                                    "guests only",
                                    vt);
            free(d);
            return -EINVAL;
        }
        const char *scheme = mr_novaconf_str(nova, "libvirt", "live_migration_scheme");
        uri = mr_xasprintf("qemu+%s://%s/system", scheme ? scheme : "tcp", d);
    }
    /* Nova hands QEMU a stream URI only when it knows the destination's
     * address (live_migration_inbound_addr) and the stream is not tunnelled
     * through libvirtd; otherwise libvirt uses the destination's host name. */
    bool tunnelled = mr_novaconf_bool(nova, "libvirt", "live_migration_tunnelled");
    *ret_migrate_uri = with_stream && !tunnelled ? mr_xasprintf("tcp://%s", d) : NULL;
    *ret_uri = uri;
    free(d);
    return 0;
}

const char *mr_uri_transport_name(const char *t)
{
    if (t && (strcmp(t, "libssh") == 0 || strcmp(t, "libssh2") == 0))
        return "ssh";
    return t;
}

char *mr_uri_transport(const char *uri)
{
    const char *sep = strstr(uri, "://");
    if (!sep)
        return NULL;
    char *scheme = mr_xstrndup(uri, (size_t)(sep - uri));
    char *plus = strchr(scheme, '+');
    char *ret = mr_xstrdup(plus ? mr_uri_transport_name(plus + 1) : "tls");
    free(scheme);
    return ret;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* S[0..N) with %XX decoded, as libvirt's virURIParse (libxml2) gives a
 * query parameter's value. */
static char *pct_decode(const char *s, size_t n)
{
    char *out = mr_xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = hexval((unsigned char)s[i + 1])) >= 0 &&
            (l = hexval((unsigned char)s[i + 2])) >= 0) {
            *o++ = (char)(h << 4 | l);
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = '\0';
    return out;
}

void mr_uri_ssh_login(const char *uri, char **ret_user, char **ret_keyfile)
{
    *ret_user = NULL;
    *ret_keyfile = NULL;
    const char *p = uri ? strstr(uri, "://") : NULL;
    if (!p)
        return;
    p += 3;
    size_t auth = strcspn(p, "/?#");
    const char *at = memchr(p, '@', auth);
    if (at && at > p) {
        /* user[:password]@host: libvirt's remote driver takes uri->user. */
        size_t un = strcspn(p, ":@");
        *ret_user = pct_decode(p, un);
    }
    const char *q = strchr(p, '?');
    if (!q)
        return;
    q++;
    size_t qn = strcspn(q, "#");
    /* remoteOpen's query parameters are split on '&' (and ';', libxml2). */
    for (const char *e = q; e < q + qn;) {
        size_t n = strcspn(e, "&;#");
        if (n > 8 && strncmp(e, "keyfile=", 8) == 0) {
            free(*ret_keyfile);
            *ret_keyfile = pct_decode(e + 8, n - 8);
        }
        e += n;
        if (*e == '&' || *e == ';')
            e++;
        else
            break;
    }
}

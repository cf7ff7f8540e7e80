/* This host's facts for its peers: collected from the root's files, the
 * site configuration and (live) the resolver and libvirt; written and read
 * as JSON. Only what a comparison needs, nothing secret: nova.conf is asked
 * for instances_path, virt_type, the CPU settings, one workaround and the
 * addresses Nova gives peers for this host alone, and of the
 * migration user's keys only the public halves are read. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ctx.h"
#include "facts-rbd.h"
#include "facts.h"
#include "hostsfile.h"
#include "libvirtconf.h"
#include "netaddr.h"
#include "novaconf.h"
#include "novarelease.h"
#include "ops.h"
#include "uri.h"
#include "x509.h"

#define PUBKEY_MAX (64u << 10)
#define JSON_MAX (4u << 20)
#define STRING_MAX (256u << 10)

void mr_facts_free(struct mr_facts *f)
{
    if (!f)
        return;
    free(f->tool_version);
    free(f->host);
    free(f->fqdn);
    mr_strv_free(f->addresses);
    free(f->nova_user);
    free(f->instances_path);
    for (size_t i = 0; i < f->n_hosts; i++) {
        free(f->hosts[i].name);
        free(f->hosts[i].address);
    }
    free(f->hosts);
    for (size_t i = 0; i < f->n_resolved; i++) {
        free(f->resolved[i].name);
        free(f->resolved[i].address);
    }
    free(f->resolved);
    free(f->libvirt_version);
    free(f->qemu_version);
    free(f->cpu_arch);
    free(f->cpu_vendor);
    free(f->cpu_model);
    mr_strv_free(f->cpu_features);
    free(f->cpu_xml);
    free(f->host_uuid);
    free(f->virt_type);
    free(f->cpu_mode);
    mr_strv_free(f->cpu_models);
    free(f->nova_host);
    free(f->live_migration_inbound_addr);
    free(f->migration_inbound_addr);
    free(f->lock_manager);
    free(f->transport);
    mr_facts_tls_free(f->tls);
    free(f->migration_user);
    mr_strv_free(f->public_keys);
    mr_strv_free(f->key_fingerprints);
    mr_strv_free(f->authorized_fingerprints);
    free(f->nova_version);
    mr_strv_free(f->notes);
    mr_rbd_facts_free(f->rbd);
    free(f);
}

void mr_facts_tls_free(struct mr_facts_tls *t)
{
    if (!t)
        return;
    free(t->ca_fingerprint);
    mr_strv_free(t->server.names);
    free(t->server.not_after);
    mr_strv_free(t->client.names);
    free(t->client.not_after);
    free(t);
}

static struct mr_facts *facts_new(void)
{
    struct mr_facts *f = mr_xcalloc(1, sizeof(*f));
    f->nova_uid = f->nova_gid = -1;
    f->skip_cpu_compare_on_dest = -1;
    f->serial_console_enabled = -1;
    f->notes = mr_xcalloc(1, sizeof(char *));
    return f;
}

static void note(struct mr_facts *f, const char *fmt, ...) MR_PRINTF(2, 3);

static void note(struct mr_facts *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = mr_xvasprintf(fmt, ap);
    va_end(ap);
    mr_strv_push(&f->notes, s);
    free(s);
}

static void entry_push(struct mr_host_entry **v, size_t *n, const char *name, const char *addr)
{
    for (size_t i = 0; i < *n; i++)
        if (strcasecmp((*v)[i].name, name) == 0)
            return;
    *v = mr_xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = (struct mr_host_entry){mr_xstrdup(name), mr_xstrdup(addr)};
}

const char *mr_facts_lookup(const struct mr_facts *f, const char *name)
{
    if (!f || !name)
        return NULL;
    for (size_t i = 0; i < f->n_resolved; i++)
        if (strcasecmp(f->resolved[i].name, name) == 0)
            return f->resolved[i].address;
    for (size_t i = 0; i < f->n_hosts; i++)
        if (strcasecmp(f->hosts[i].name, name) == 0)
            return f->hosts[i].address;
    return NULL;
}

long long mr_facts_version(const char *s)
{
    if (!s)
        return -1;
    long long part[3] = {0, 0, 0};
    int n = 0;
    const char *p = s;
    while (n < 3) {
        if (*p < '0' || *p > '9')
            return -1;
        long long v = 0;
        while (*p >= '0' && *p <= '9' && v < 1000000)
            v = v * 10 + (*p++ - '0');
        if (v >= 1000 && n > 0)
            return -1;
        part[n++] = v;
        if (*p != '.')
            break;
        p++;
    }
    if (*p || part[0] >= 1000000)
        return -1;
    return part[0] * 1000000 + part[1] * 1000 + part[2];
}

static char *version_string(unsigned long long v)
{
    return mr_xasprintf("%llu.%llu.%llu", v / 1000000, (v / 1000) % 1000, v % 1000);
}

/* /etc/hosts as glibc's files backend reads it: the first address of each name. */
static void collect_hosts(const struct mr_ctx *ctx, struct mr_facts *f)
{
    struct mr_hosts *h = NULL;
    int r = mr_hosts_read(ctx->root, &h, NULL);
    if (r == -EBADMSG) {
        note(f, "hosts: %s is not a text file", MR_HOSTS_PATH);
        return;
    }
    if (r < 0) {
        note(f, "hosts: cannot read %s: %s", MR_HOSTS_PATH, strerror(-r));
        return;
    }
    for (size_t i = 0; i < h->n; i++)
        for (size_t j = 0; h->v[i].names[j]; j++)
            entry_push(&f->hosts, &f->n_hosts, h->v[i].names[j], h->v[i].addr);
    mr_hosts_free(h);
}

static char *find_fqdn(const struct mr_facts *f)
{
    if (!f->host)
        return NULL;
    if (strchr(f->host, '.'))
        return mr_xstrdup(f->host);
    /* The canonical name (first name) of the first line listing the short name,
     * as 'hostname -f' finds it through the files backend. */
    const char *addr = mr_facts_lookup(f, f->host);
    for (size_t i = 0; addr && i < f->n_hosts; i++)
        if (strcmp(f->hosts[i].address, addr) == 0 && strchr(f->hosts[i].name, '.') &&
            strncasecmp(f->hosts[i].name, f->host, strlen(f->host)) == 0 &&
            f->hosts[i].name[strlen(f->host)] == '.')
            return mr_xstrdup(f->hosts[i].name);
    return NULL;
}

static void resolve_one(const struct mr_ctx *ctx, struct mr_facts *f, const char *name)
{
    if (!name || mr_addr_is_literal(name))
        return;
    char **addrs = NULL;
    int r = ctx->ops->resolve(name, &addrs);
    if (r == 0 && addrs && addrs[0])
        entry_push(&f->resolved, &f->n_resolved, name, addrs[0]);
    else
        note(f, "resolved: %s does not resolve here: %s", name,
             r < 0 ? strerror(-r) : "no address");
    mr_strv_free(addrs);
}

static void collect_live_net(const struct mr_ctx *ctx, struct mr_facts *f)
{
    if (!ctx->live) {
        note(f, "addresses: offline (--root)");
        note(f, "resolved: offline (--root)");
        return;
    }
    f->addresses = mr_xcalloc(1, sizeof(char *));
    char **all = NULL;
    if (ctx->ops && ctx->ops->local_addresses && ctx->ops->local_addresses(&all) == 0) {
        for (size_t i = 0; all && all[i]; i++)
            if (!mr_addr_is_local_only(all[i]) && strncasecmp(all[i], "fe80:", 5) != 0)
                mr_strv_push(&f->addresses, all[i]);
    } else {
        note(f, "addresses: the interfaces could not be listed");
    }
    mr_strv_free(all);
    if (!ctx->ops || !ctx->ops->resolve)
        return;
    resolve_one(ctx, f, f->host);
    if (f->fqdn && (!f->host || strcasecmp(f->fqdn, f->host) != 0))
        resolve_one(ctx, f, f->fqdn);
    for (size_t i = 0; ctx->peers && ctx->peers[i]; i++)
        resolve_one(ctx, f, ctx->peers[i]);
    resolve_one(ctx, f, mr_ctx_site(ctx, "nfs_server"));
}

static char *node_text(xmlNodePtr n)
{
    xmlChar *t = xmlNodeGetContent(n);
    if (!t)
        return NULL;
    char *raw = mr_xstrdup((const char *)t);
    xmlFree(t);
    const char *s = mr_strip(raw);
    char *copy = *s ? mr_xstrdup(s) : NULL;
    free(raw);
    return copy;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

int mr_facts_parse_capabilities(struct mr_facts *f, const char *xml, char **ret_msg)
{
    size_t len = strlen(xml);
    if (len > INT_MAX) {
        *ret_msg = mr_xstrdup("the capabilities XML is too large");
        return -EFBIG;
    }
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "capabilities.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root || strcmp((const char *)root->name, "capabilities") != 0) {
        *ret_msg = mr_xstrdup("libvirt's capabilities are not a <capabilities> XML document");
        xmlFreeDoc(doc);
        return -EBADMSG;
    }
    xmlNodePtr host = child(root, "host");
    xmlNodePtr n = child(host, "uuid");
    if (n) {
        free(f->host_uuid);
        f->host_uuid = node_text(n);
    }
    xmlNodePtr cpu = child(host, "cpu");
    if (cpu) {
        free(f->cpu_arch);
        free(f->cpu_vendor);
        free(f->cpu_model);
        f->cpu_arch = (n = child(cpu, "arch")) ? node_text(n) : NULL;
        f->cpu_vendor = (n = child(cpu, "vendor")) ? node_text(n) : NULL;
        f->cpu_model = (n = child(cpu, "model")) ? node_text(n) : NULL;
        mr_strv_free(f->cpu_features);
        f->cpu_features = mr_xcalloc(1, sizeof(char *));
        for (xmlNodePtr c = cpu->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "feature") != 0)
                continue;
            xmlChar *name = xmlGetProp(c, (const xmlChar *)"name");
            if (name && *name)
                mr_strv_push(&f->cpu_features, (const char *)name);
            xmlFree(name);
        }
        xmlBufferPtr buf = xmlBufferCreate();
        if (buf && xmlNodeDump(buf, doc, cpu, 0, 0) >= 0) {
            free(f->cpu_xml);
            f->cpu_xml = mr_xstrdup((const char *)xmlBufferContent(buf));
        }
        xmlBufferFree(buf);
    }
    xmlFreeDoc(doc);
    return 0;
}

static void collect_libvirt(const struct mr_ctx *ctx, struct mr_facts *f)
{
    if (!ctx->live) {
        note(f, "libvirt: offline (--root): versions, host CPU and host UUID are not known");
        return;
    }
    if (!ctx->ops || !ctx->ops->libvirt_host) {
        note(f, "libvirt: not available");
        return;
    }
    struct mr_libvirt_host h = {0};
    char *msg = NULL;
    const char *uri = mr_uri_local();
    int r = ctx->ops->libvirt_host(uri, &h, &msg);
    if (r < 0) {
        note(f, "libvirt: %s", msg ? msg : strerror(-r));
        free(msg);
        return;
    }
    f->libvirt_version = version_string(h.libvirt_version);
    if (h.hv_version)
        f->qemu_version = version_string(h.hv_version);
    else
        note(f, "libvirt: the hypervisor at %s does not tell its version", uri);
    if (h.capabilities && mr_facts_parse_capabilities(f, h.capabilities, &msg) < 0) {
        note(f, "libvirt: %s", msg);
        free(msg);
    }
    if (!f->cpu_xml)
        note(f, "libvirt: the capabilities at %s describe no host CPU", uri);
    mr_libvirt_host_clear(&h);
}

static void collect_nova(const struct mr_ctx *ctx, struct mr_facts *f)
{
    const struct mr_novaconf *conf = NULL;
    const char *msg = NULL;
    if (mr_ctx_nova(ctx, &conf, &msg) < 0 || !conf) {
        note(f, "nova: cannot read nova.conf: %s", msg ? msg : "unknown error");
        return;
    }
    struct mr_novaval v;
    if (mr_novaconf_get(conf, "DEFAULT", "instances_path", &v) && v.value)
        f->instances_path = mr_xstrdup(v.value);
    const char *virt = "kvm";
    if (mr_novaconf_get(conf, "libvirt", "virt_type", &v) && v.value && *v.value)
        virt = v.value;
    f->virt_type = mr_xstrdup(virt);
    if (mr_novaconf_get(conf, "libvirt", "cpu_mode", &v) && v.value && *v.value)
        f->cpu_mode = mr_xstrdup(v.value);
    else
        f->cpu_mode = mr_xstrdup(mr_facts_default_cpu_mode(virt, f->cpu_arch));
    const char *models = mr_novaconf_get(conf, "libvirt", "cpu_models", &v) ? v.value : NULL;
    f->cpu_models = mr_split_list(models);
    /* The option, and the destination's skipping of the comparison, came in
     * 26.0.0 (nova/conf/workarounds.py). */
    const struct mr_nova_release *rel = NULL;
    const char *rmsg = NULL;
    if (mr_ctx_nova_release(ctx, &rel, &rmsg) < 0)
        rel = NULL;
    f->skip_cpu_compare_on_dest =
        mr_nova_release_at_least(rel, MR_NOVA_SKIP_CPU_COMPARE_MAJOR) &&
        mr_novaconf_bool(conf, "workarounds", "skip_cpu_compare_on_dest");

    /* nova/conf/netconf.py: host defaults to socket.gethostname(). */
    const char *host = mr_novaconf_str(conf, "DEFAULT", "host");
    f->nova_host = host ? mr_xstrdup(host) : f->host ? mr_xstrdup(f->host) : NULL;
    const char *in = mr_novaconf_str(conf, "libvirt", "live_migration_inbound_addr");
    f->live_migration_inbound_addr = in ? mr_xstrdup(in) : NULL;
    if (mr_nova_release_at_least(rel, MR_NOVA_MIGRATION_INBOUND_MAJOR)) {
        /* Default $my_ip; "%s" is the host name (LibvirtDriver.get_host_ip_addr). */
        const char *mi = mr_novaconf_str(conf, "libvirt", "migration_inbound_addr");
        if (!mi)
            mi = mr_novaconf_str(conf, "DEFAULT", "my_ip");
        const char *pct = mi ? strstr(mi, "%s") : NULL;
        if (pct)
            f->migration_inbound_addr = mr_xasprintf("%.*s%s%s", (int)(pct - mi), mi,
                                                     f->host ? f->host : "", pct + 2);
        else if (mi)
            f->migration_inbound_addr = mr_xstrdup(mi);
    }
    f->nova_addrs_known = true;

    bool serial;
    if (mr_novaconf_get(conf, "serial_console", "enabled", &v) && v.value &&
        mr_parse_bool(v.value, &serial) == 0)
        f->serial_console_enabled = serial;
    else
        note(f, "nova: [serial_console] enabled is not a boolean");
}

const char *mr_facts_default_cpu_mode(const char *virt_type, const char *arch)
{
    /* nova/virt/libvirt/driver.py, _get_guest_cpu_model_config: kvm and
     * qemu get host-model, except on AArch64 (no host-model there), which
     * gets host-passthrough; other virt types get no CPU model. */
    const char *vt = virt_type ? virt_type : "kvm";
    if (strcmp(vt, "kvm") != 0 && strcmp(vt, "qemu") != 0)
        return "none";
    return arch && strcmp(arch, "aarch64") == 0 ? "host-passthrough" : "host-model";
}

/* Whose floors and rules apply here, for fleet: read apart from nova.conf,
 * which may be unreadable while the package metadata tells the release. */
static void collect_release(const struct mr_ctx *ctx, struct mr_facts *f)
{
    const struct mr_nova_release *rel = NULL;
    const char *msg = NULL;
    if (mr_ctx_nova_release(ctx, &rel, &msg) < 0 || !rel) {
        note(f, "nova_release: %s", msg ? msg : "unknown");
        return;
    }
    f->nova_major = rel->major;
    f->nova_version = rel->version ? mr_xstrdup(rel->version) : NULL;
}

static void collect_ids(const struct mr_ctx *ctx, struct mr_facts *f)
{
    f->nova_user = mr_xstrdup(mr_ctx_nova_user(ctx));
    const char *group = mr_ctx_nova_group(ctx);
    uid_t uid;
    gid_t gid;
    int r = mr_ctx_user(ctx, f->nova_user, &uid, NULL);
    if (r == 0)
        f->nova_uid = (long)uid;
    else
        note(f, "nova: the user %s: %s", f->nova_user,
             r == -ENOENT ? "does not exist" : strerror(-r));
    r = mr_ctx_group(ctx, group, &gid);
    if (r == 0)
        f->nova_gid = (long)gid;
    else
        note(f, "nova: the group %s: %s", group, r == -ENOENT ? "does not exist" : strerror(-r));
}

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 of LEN bytes, without '=' padding, as ssh-keygen -l shows it. */
static char *b64_encode(const unsigned char *p, size_t len)
{
    char *out = mr_xmalloc(len / 3 * 4 + 5);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        out[o++] = b64_chars[(v >> 18) & 63];
        out[o++] = b64_chars[(v >> 12) & 63];
        if (i + 1 < len)
            out[o++] = b64_chars[(v >> 6) & 63];
        if (i + 2 < len)
            out[o++] = b64_chars[v & 63];
    }
    out[o] = '\0';
    return out;
}

/* S (LEN characters, '=' padding allowed at the end) decoded; -1 when S is
 * not base64. */
static long b64_decode(const char *s, size_t len, unsigned char *out)
{
    unsigned v = 0;
    int bits = 0;
    long o = 0;
    size_t i = 0;
    for (; i < len && s[i] != '='; i++) {
        const char *c = strchr(b64_chars, s[i]);
        if (!c || !s[i])
            return -1;
        v = (v << 6) | (unsigned)(c - b64_chars);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(v >> bits);
        }
    }
    for (; i < len; i++)
        if (s[i] != '=')
            return -1;
    return o;
}

/* The key's type names OpenSSH gives; an authorized_keys line may start
 * with options, which never look like one. */
static bool key_type(const char *w, size_t n)
{
    static const char *const prefixes[] = {"ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"};
    for (size_t i = 0; i < MR_ARRAY_SIZE(prefixes); i++)
        if (n > strlen(prefixes[i]) && strncmp(w, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

char *mr_facts_key_fingerprint(const char *line)
{
    const char *p = line;
    while (*p) {
        p += strspn(p, " \t");
        size_t n = strcspn(p, " \t");
        if (n == 0)
            break;
        if (key_type(p, n)) {
            const char *b = p + n;
            b += strspn(b, " \t");
            size_t bn = strcspn(b, " \t\r\n");
            if (bn < 16 || bn > PUBKEY_MAX)
                return NULL;
            unsigned char *blob = mr_xmalloc(bn);
            long len = b64_decode(b, bn, blob);
            unsigned char hash[32];
            char *fp = NULL;
            if (len > 0 && gnutls_hash_fast(GNUTLS_DIG_SHA256, blob, (size_t)len, hash) == 0) {
                char *e = b64_encode(hash, sizeof(hash));
                fp = mr_xasprintf("SHA256:%s", e);
                free(e);
            }
            free(blob);
            return fp;
        }
        /* Options may hold quoted blanks: from="a, b" */
        const char *q = p;
        bool quoted = false;
        for (; *q && (quoted || (*q != ' ' && *q != '\t')); q++)
            if (*q == '"')
                quoted = !quoted;
        p = q;
    }
    return NULL;
}

/* The fingerprints of the keys in AK, the migration user's authorized_keys. */
static void collect_authorized(const struct mr_ctx *ctx, struct mr_facts *f, const char *ak)
{
    f->authorized_fingerprints = mr_xcalloc(1, sizeof(char *));
    char *buf = NULL;
    size_t len = 0;
    int r = mr_root_read(ctx->root, ak, 16u << 20, &buf, &len);
    if (r < 0) {
        if (r != -ENOENT)
            note(f, "authorized_fingerprints: cannot read %s: %s", ak, strerror(-r));
        return;
    }
    if (memchr(buf, '\0', len)) {
        note(f, "authorized_fingerprints: %s is not a text file", ak);
        free(buf);
        return;
    }
    for (char *line = buf, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        const char *l = line + strspn(line, " \t");
        char *fp = *l && *l != '#' ? mr_facts_key_fingerprint(l) : NULL;
        if (fp && !mr_strv_contains(f->authorized_fingerprints, fp))
            mr_strv_push(&f->authorized_fingerprints, fp);
        free(fp);
    }
    free(buf);
}

static void collect_keys(const struct mr_ctx *ctx, struct mr_facts *f)
{
    f->migration_user = mr_xstrdup(mr_ctx_migration_user(ctx));
    f->public_keys = mr_xcalloc(1, sizeof(char *));
    f->key_fingerprints = mr_xcalloc(1, sizeof(char *));
    char *home = mr_ctx_user_home(ctx, f->migration_user);
    if (!home) {
        note(f, "public_keys: the migration user %s has no home folder", f->migration_user);
        return;
    }
    char *dir = mr_xasprintf("%s/.ssh", strcmp(home, "/") == 0 ? "" : home);
    char **names = NULL;
    int r = mr_root_list(ctx->root, dir, ".pub", &names);
    if (r < 0)
        note(f, "public_keys: cannot list %s: %s", dir, strerror(-r));
    for (size_t i = 0; r == 0 && names[i]; i++) {
        char *path = mr_xasprintf("%s/%s", dir, names[i]);
        char *buf = NULL;
        size_t len = 0;
        if (mr_root_read(ctx->root, path, PUBKEY_MAX, &buf, &len) == 0 &&
            !memchr(buf, '\0', len)) {
            buf[strcspn(buf, "\r\n")] = '\0';
            char *line = mr_strip(buf);
            /* Only a public key: "TYPE BASE64 [COMMENT]", never a private one. */
            if (*line && !strstr(line, "PRIVATE KEY") && strchr(line, ' ')) {
                mr_strv_push(&f->public_keys, line);
                char *fp = mr_facts_key_fingerprint(line);
                if (fp)
                    mr_strv_push(&f->key_fingerprints, fp);
                free(fp);
            }
        }
        free(buf);
        free(path);
    }
    mr_strv_free(names);
    /* A layout's own authorized_keys for the nova login (kolla's nova_ssh). */
    const struct mr_ssh_identity *id = mr_ctx_ssh_identity(ctx);
    char *ak = id && id->authorized_keys ? mr_xstrdup(id->authorized_keys)
                                         : mr_xasprintf("%s/authorized_keys", dir);
    collect_authorized(ctx, f, ak);
    free(ak);
    free(dir);
    free(home);
}

static int conf_port(const struct mr_libvirt_conf *lc, enum mr_libvirt_file file, const char *key)
{
    struct mr_confval v;
    long n;
    if (!lc || !mr_libvirt_conf_get(lc, file, key, &v) || !v.value ||
        mr_parse_long(v.value, &n) < 0 || n < 1 || n > 65535)
        return 0;
    return (int)n;
}

/* The libvirt configuration for FILE alone: a parse error in another
 * file (libvirtd.conf) leaves what this one (qemu.conf) gives. NULL, and a
 * note naming the file, when FILE itself cannot be read. */
static const struct mr_libvirt_conf *libvirt_file(const struct mr_ctx *ctx, struct mr_facts *f,
                                                  enum mr_libvirt_file file, const char *what)
{
    const struct mr_libvirt_conf *lc = NULL;
    const char *msg = NULL;
    if (mr_ctx_libvirt_files(ctx, MR_LIBVIRT_FILE(file), &lc, &msg) < 0) {
        note(f, "%s: cannot read libvirt's configuration: %s", what,
             msg ? msg : "unknown error");
        return NULL;
    }
    return lc;
}

static void collect_ports(const struct mr_ctx *ctx, struct mr_facts *f)
{
    f->transport = mr_xstrdup(mr_ctx_transport(ctx));
    f->ssh_port = 22;
    if (strcmp(f->transport, "ssh") == 0)
        f->libvirt_port = 22;
    else
        f->libvirt_port = conf_port(libvirt_file(ctx, f, MR_LIBVIRTD_CONF, "libvirt port"),
                                    MR_LIBVIRTD_CONF,
                                    strcmp(f->transport, "tls") == 0 ? "tls_port" : "tcp_port");
    const struct mr_libvirt_conf *lc =
        libvirt_file(ctx, f, MR_QEMU_CONF, "migration ports, lock_manager");
    f->migration_port_min = conf_port(lc, MR_QEMU_CONF, "migration_port_min");
    f->migration_port_max = conf_port(lc, MR_QEMU_CONF, "migration_port_max");
    /* libvirt's QEMU driver loads the "nop" plugin when lock_manager is
     * unset (qemuStateInitialize). */
    struct mr_confval v;
    if (lc)
        f->lock_manager = mr_xstrdup(mr_libvirt_conf_get(lc, MR_QEMU_CONF, "lock_manager", &v) &&
                                             v.value && *v.value
                                         ? v.value
                                         : "nop");
}

/* The certificate at PATH, NULL when it is missing or does not parse
 * (tls.certs says why; facts only say it is not there). */
static struct mr_x509_cert *read_cert(const struct mr_ctx *ctx, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    struct mr_x509_cert *c = NULL;
    char *msg = NULL;
    if (!path || mr_root_read(ctx->root, path, 1u << 20, &buf, &len) < 0)
        return NULL;
    if (mr_x509_cert_parse(buf, len, &c, &msg) < 0)
        c = NULL;
    free(msg);
    free(buf);
    return c;
}

static void cert_fact(const struct mr_ctx *ctx, const char *path, struct mr_facts_cert *ret)
{
    struct mr_x509_cert *c = read_cert(ctx, path);
    if (!c)
        return;
    ret->present = true;
    ret->names = mr_x509_cert_name_strv(c);
    ret->not_after = mr_x509_time_iso(mr_x509_cert_not_after(c));
    mr_x509_cert_free(c);
}

/* libvirt's TLS credentials, for peers to compare (tls.certs): the CA's
 * fingerprint, the names and expiry of the server and client certificates.
 * Only with the tls transport or an installed CA. */
static void collect_tls(const struct mr_ctx *ctx, struct mr_facts *f)
{
    const struct mr_libvirt_conf *lc = libvirt_file(ctx, f, MR_LIBVIRTD_CONF, "tls");
    struct mr_confval v;
    const char *ca = lc && mr_libvirt_conf_get(lc, MR_LIBVIRTD_CONF, "ca_file", &v) ? v.value
                                                                                    : NULL;
    const char *server = lc && mr_libvirt_conf_get(lc, MR_LIBVIRTD_CONF, "cert_file", &v)
                             ? v.value
                             : NULL;
    struct mr_x509_cert *cac = read_cert(ctx, ca);
    f->tls_known = true;
    if (!cac && strcmp(f->transport, "tls") != 0)
        return;
    f->tls = mr_xcalloc(1, sizeof(*f->tls));
    if (cac)
        f->tls->ca_fingerprint = mr_x509_cert_fingerprint(cac);
    mr_x509_cert_free(cac);
    cert_fact(ctx, server, &f->tls->server);
    cert_fact(ctx, MR_LIBVIRT_CLIENT_CERT, &f->tls->client);
}

int mr_facts_collect(const struct mr_ctx *ctx, struct mr_facts **ret)
{
    struct mr_facts *f = facts_new();
    f->tool_version = mr_xstrdup(PACKAGE_VERSION);
    f->host = mr_ctx_hostname(ctx);
    if (!f->host)
        note(f, "host: /etc/hostname is missing or empty");
    collect_hosts(ctx, f);
    f->fqdn = find_fqdn(f);
    collect_live_net(ctx, f);
    collect_ids(ctx, f);
    collect_libvirt(ctx, f); /* first: cpu_mode's default depends on the CPU's arch */
    collect_nova(ctx, f);
    collect_release(ctx, f);
    collect_keys(ctx, f);
    collect_ports(ctx, f);
    collect_tls(ctx, f); /* after collect_ports: the transport */
    f->rbd = mr_rbd_facts_collect(ctx, &f->notes);
    f->rbd_known = true;
    *ret = f;
    return 0;
}

static void facts_slot_free(void *p)
{
    mr_facts_free(p);
}

const struct mr_facts *mr_ctx_facts(const struct mr_ctx *ctx)
{
    struct mr_facts *f = mr_ctx_slot_get(ctx, MR_SLOT_FACTS);
    if (!f) {
        if (mr_facts_collect(ctx, &f) < 0)
            f = facts_new();
        mr_ctx_slot_set(ctx, MR_SLOT_FACTS, f, facts_slot_free);
    }
    return f;
}

void mr_ctx_set_facts(const struct mr_ctx *ctx, struct mr_facts *f)
{
    mr_ctx_slot_set(ctx, MR_SLOT_FACTS, f, facts_slot_free);
}

/* ---- JSON ---- */

static json_object *jstr(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static json_object *jstrv(char *const *v)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; v && v[i]; i++)
        json_object_array_add(a, json_object_new_string(v[i]));
    return a;
}

static json_object *jint(long long v, long long unknown)
{
    return v == unknown ? NULL : json_object_new_int64(v);
}

static json_object *jentries(const struct mr_host_entry *v, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "name", json_object_new_string(v[i].name));
        json_object_object_add(e, "address", json_object_new_string(v[i].address));
        json_object_array_add(a, e);
    }
    return a;
}

static json_object *jcert(const struct mr_facts_cert *c)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "present", json_object_new_boolean(c->present));
    json_object_object_add(o, "names", jstrv(c->names));
    json_object_object_add(o, "not_after", jstr(c->not_after));
    return o;
}

static json_object *jtls(const struct mr_facts_tls *t)
{
    if (!t)
        return NULL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ca_fingerprint", jstr(t->ca_fingerprint));
    json_object_object_add(o, "server", jcert(&t->server));
    json_object_object_add(o, "client", jcert(&t->client));
    return o;
}

char *mr_facts_to_json(const struct mr_facts *f)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "tool", json_object_new_string("migready"));
    json_object_object_add(o, "version", jstr(f->tool_version ? f->tool_version
                                                               : PACKAGE_VERSION));
    json_object_object_add(o, "host", jstr(f->host));
    json_object_object_add(o, "fqdn", jstr(f->fqdn));
    json_object_object_add(o, "addresses", f->addresses ? jstrv(f->addresses) : NULL);
    json_object_object_add(o, "nova_user", jstr(f->nova_user));
    json_object_object_add(o, "nova_uid", jint(f->nova_uid, -1));
    json_object_object_add(o, "nova_gid", jint(f->nova_gid, -1));
    json_object_object_add(o, "instances_path", jstr(f->instances_path));
    json_object_object_add(o, "hosts", jentries(f->hosts, f->n_hosts));
    json_object_object_add(o, "resolved", jentries(f->resolved, f->n_resolved));
    json_object_object_add(o, "libvirt_version", jstr(f->libvirt_version));
    json_object_object_add(o, "qemu_version", jstr(f->qemu_version));
    json_object *cpu = json_object_new_object();
    json_object_object_add(cpu, "arch", jstr(f->cpu_arch));
    json_object_object_add(cpu, "vendor", jstr(f->cpu_vendor));
    json_object_object_add(cpu, "model", jstr(f->cpu_model));
    json_object_object_add(cpu, "features", f->cpu_features ? jstrv(f->cpu_features) : NULL);
    json_object_object_add(cpu, "xml", jstr(f->cpu_xml));
    json_object_object_add(o, "cpu", cpu);
    json_object_object_add(o, "host_uuid", jstr(f->host_uuid));
    json_object_object_add(o, "virt_type", jstr(f->virt_type));
    json_object_object_add(o, "cpu_mode", jstr(f->cpu_mode));
    json_object_object_add(o, "cpu_models", jstrv(f->cpu_models));
    json_object_object_add(o, "skip_cpu_compare_on_dest",
                           f->skip_cpu_compare_on_dest < 0
                               ? NULL
                               : json_object_new_boolean(f->skip_cpu_compare_on_dest));
    if (f->nova_addrs_known) {
        json_object *na = json_object_new_object();
        json_object_object_add(na, "host", jstr(f->nova_host));
        json_object_object_add(na, "live_migration_inbound_addr",
                               jstr(f->live_migration_inbound_addr));
        json_object_object_add(na, "migration_inbound_addr", jstr(f->migration_inbound_addr));
        json_object_object_add(o, "nova_addresses", na);
    }
    json_object_object_add(o, "serial_console_enabled",
                           f->serial_console_enabled < 0
                               ? NULL
                               : json_object_new_boolean(f->serial_console_enabled));
    json_object_object_add(o, "lock_manager", jstr(f->lock_manager));
    json_object_object_add(o, "transport", jstr(f->transport));
    if (f->tls_known)
        json_object_object_add(o, "tls", jtls(f->tls));
    json_object_object_add(o, "migration_user", jstr(f->migration_user));
    json_object_object_add(o, "public_keys", jstrv(f->public_keys));
    if (f->key_fingerprints)
        json_object_object_add(o, "key_fingerprints", jstrv(f->key_fingerprints));
    if (f->authorized_fingerprints)
        json_object_object_add(o, "authorized_fingerprints", jstrv(f->authorized_fingerprints));
    if (f->nova_major > 0) {
        json_object *nr = json_object_new_object();
        json_object_object_add(nr, "version", jstr(f->nova_version));
        json_object_object_add(nr, "major", json_object_new_int(f->nova_major));
        json_object_object_add(o, "nova_release", nr);
    }
    json_object *ports = json_object_new_object();
    json_object_object_add(ports, "libvirt", jint(f->libvirt_port, 0));
    json_object_object_add(ports, "migration_min", jint(f->migration_port_min, 0));
    json_object_object_add(ports, "migration_max", jint(f->migration_port_max, 0));
    json_object_object_add(ports, "ssh", jint(f->ssh_port, 0));
    json_object_object_add(o, "ports", ports);
    if (f->rbd_known)
        json_object_object_add(o, "rbd", mr_rbd_facts_to_json(f->rbd));
    json_object_object_add(o, "notes", jstrv(f->notes));
    char *s = mr_xstrdup(json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return s;
}

/* Reading what a peer printed: every value is checked for its type, and a
 * value of the wrong type is an error naming the key, never a crash. */
struct reader {
    json_object *obj;
    const char *prefix; /* "cpu." for nested objects */
    char *msg;
};

static int bad(struct reader *rd, const char *key, const char *want)
{
    if (!rd->msg)
        rd->msg = mr_xasprintf("facts: '%s%s' is not %s", rd->prefix, key, want);
    return -EBADMSG;
}

/* Present and not null: *ret is the value. Absent or null: *ret = NULL. */
static json_object *get(struct reader *rd, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(rd->obj, key, &v))
        return NULL;
    return v;
}

static bool string_ok(json_object *v)
{
    size_t len = (size_t)json_object_get_string_len(v);
    const char *s = json_object_get_string(v);
    return len <= STRING_MAX && strlen(s) == len;
}

static int read_str(struct reader *rd, const char *key, char **dst)
{
    json_object *v = get(rd, key);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_string) || !string_ok(v))
        return bad(rd, key, "a string");
    *dst = mr_xstrdup(json_object_get_string(v));
    return 0;
}

static int read_strv(struct reader *rd, const char *key, char ***dst)
{
    json_object *v = get(rd, key);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_array))
        return bad(rd, key, "a list of strings");
    char **out = mr_xcalloc(1, sizeof(char *));
    size_t n = json_object_array_length(v);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        if (!e || !json_object_is_type(e, json_type_string) || !string_ok(e)) {
            mr_strv_free(out);
            return bad(rd, key, "a list of strings");
        }
        mr_strv_push(&out, json_object_get_string(e));
    }
    *dst = out;
    return 0;
}

static int read_int(struct reader *rd, const char *key, long long min, long long max,
                    long long *dst)
{
    json_object *v = get(rd, key);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_int))
        return bad(rd, key, "an integer");
    errno = 0;
    long long n = json_object_get_int64(v);
    if (errno || n < min || n > max) {
        if (!rd->msg)
            rd->msg = mr_xasprintf("facts: '%s%s' is out of range (%lld to %lld)", rd->prefix,
                                   key, min, max);
        return -EBADMSG;
    }
    *dst = n;
    return 0;
}

/* A boolean: *dst 0 or 1; absent or null leaves *dst (-1: not reported). */
static int read_bool(struct reader *rd, const char *key, int *dst)
{
    json_object *v = get(rd, key);
    if (!v)
        return 0;
    if (!json_object_is_type(v, json_type_boolean))
        return bad(rd, key, "true or false");
    *dst = json_object_get_boolean(v) ? 1 : 0;
    return 0;
}

static int cmp_entry_name(const void *a, const void *b, void *v)
{
    const struct mr_host_entry *e = v;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcasecmp(e[x].name, e[y].name);
    return c ? c : (x > y) - (x < y);
}

/* Keeps the first entry of each name (as entry_push does), in order, by a
 * sort rather than a scan per entry: a fleet's /etc/hosts may name
 * thousands of hosts, and `fleet` reads thousands of documents. */
static void dedupe_entries(struct mr_host_entry *v, size_t *n)
{
    if (*n < 2)
        return;
    size_t *idx = mr_xcalloc(*n, sizeof(size_t));
    bool *drop = mr_xcalloc(*n, sizeof(bool));
    for (size_t i = 0; i < *n; i++)
        idx[i] = i;
    qsort_r(idx, *n, sizeof(size_t), cmp_entry_name, v);
    for (size_t i = 1; i < *n; i++)
        drop[idx[i]] = strcasecmp(v[idx[i]].name, v[idx[i - 1]].name) == 0;
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (drop[i]) {
            free(v[i].name);
            free(v[i].address);
        } else {
            v[k++] = v[i];
        }
    }
    *n = k;
    free(drop);
    free(idx);
}

static int read_entries(struct reader *rd, const char *key, struct mr_host_entry **dst,
                        size_t *n_dst)
{
    json_object *v = get(rd, key);
    if (!v)
        return 0;
    const char *want = "a list of {\"name\": STRING, \"address\": STRING}";
    if (!json_object_is_type(v, json_type_array))
        return bad(rd, key, want);
    size_t n = json_object_array_length(v);
    *dst = mr_xrealloc(*dst, (*n_dst + n + 1) * sizeof(**dst));
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(v, i), *name = NULL, *addr = NULL;
        if (!e || !json_object_is_type(e, json_type_object) ||
            !json_object_object_get_ex(e, "name", &name) ||
            !json_object_object_get_ex(e, "address", &addr) || !name || !addr ||
            !json_object_is_type(name, json_type_string) ||
            !json_object_is_type(addr, json_type_string) || !string_ok(name) || !string_ok(addr))
            return bad(rd, key, want);
        (*dst)[(*n_dst)++] = (struct mr_host_entry){mr_xstrdup(json_object_get_string(name)),
                                                    mr_xstrdup(json_object_get_string(addr))};
    }
    dedupe_entries(*dst, n_dst);
    return 0;
}

/* A sub-object KEY of RD (absent or null: *ret NULL), its errors in RD. */
static int read_obj(struct reader *rd, const char *key, json_object **ret)
{
    json_object *v = get(rd, key);
    *ret = NULL;
    if (v && !json_object_is_type(v, json_type_object))
        return bad(rd, key, "an object");
    *ret = v;
    return 0;
}

static int read_sub_done(struct reader *rd, struct reader *sub, int r)
{
    if (sub->msg && !rd->msg)
        rd->msg = sub->msg;
    else
        free(sub->msg);
    sub->msg = NULL;
    return r;
}

static int read_cert_fact(struct reader *rd, const char *key, const char *prefix,
                          struct mr_facts_cert *c)
{
    json_object *o;
    int r = read_obj(rd, key, &o);
    if (r < 0 || !o)
        return r;
    struct reader sub = {.obj = o, .prefix = prefix};
    int present = 0;
    r |= read_bool(&sub, "present", &present);
    c->present = present == 1;
    r |= read_strv(&sub, "names", &c->names);
    r |= read_str(&sub, "not_after", &c->not_after);
    return read_sub_done(rd, &sub, r);
}

/* "tls": absent in facts of an older migready (tls_known stays false). */
static int read_tls(struct reader *rd, struct mr_facts *f)
{
    json_object *o = NULL;
    if (!json_object_object_get_ex(rd->obj, "tls", &o))
        return 0;
    f->tls_known = true;
    int r = read_obj(rd, "tls", &o);
    if (r < 0 || !o)
        return r;
    f->tls = mr_xcalloc(1, sizeof(*f->tls));
    struct reader sub = {.obj = o, .prefix = "tls."};
    r |= read_str(&sub, "ca_fingerprint", &f->tls->ca_fingerprint);
    r |= read_cert_fact(&sub, "server", "tls.server.", &f->tls->server);
    r |= read_cert_fact(&sub, "client", "tls.client.", &f->tls->client);
    return read_sub_done(rd, &sub, r);
}

static int read_all(struct reader *rd, struct mr_facts *f)
{
    long long uid = -1, gid = -1, lp = 0, pmin = 0, pmax = 0, sp = 0;
    int r = 0;
    char *tool = NULL;
    r |= read_str(rd, "tool", &tool);
    if (r == 0 && (!tool || strcmp(tool, "migready") != 0)) {
        free(tool);
        rd->msg = mr_xstrdup("facts: not migready's facts (no \"tool\": \"migready\")");
        return -EBADMSG;
    }
    free(tool);
    r |= read_str(rd, "version", &f->tool_version);
    r |= read_str(rd, "host", &f->host);
    r |= read_str(rd, "fqdn", &f->fqdn);
    r |= read_strv(rd, "addresses", &f->addresses);
    r |= read_str(rd, "nova_user", &f->nova_user);
    r |= read_int(rd, "nova_uid", 0, 0xffffffffLL, &uid);
    r |= read_int(rd, "nova_gid", 0, 0xffffffffLL, &gid);
    r |= read_str(rd, "instances_path", &f->instances_path);
    r |= read_entries(rd, "hosts", &f->hosts, &f->n_hosts);
    r |= read_entries(rd, "resolved", &f->resolved, &f->n_resolved);
    r |= read_str(rd, "libvirt_version", &f->libvirt_version);
    r |= read_str(rd, "qemu_version", &f->qemu_version);
    r |= read_str(rd, "host_uuid", &f->host_uuid);
    r |= read_str(rd, "virt_type", &f->virt_type);
    r |= read_str(rd, "cpu_mode", &f->cpu_mode);
    r |= read_strv(rd, "cpu_models", &f->cpu_models);
    r |= read_bool(rd, "skip_cpu_compare_on_dest", &f->skip_cpu_compare_on_dest);
    r |= read_bool(rd, "serial_console_enabled", &f->serial_console_enabled);
    r |= read_str(rd, "lock_manager", &f->lock_manager);
    r |= read_str(rd, "transport", &f->transport);
    r |= read_tls(rd, f);
    r |= read_str(rd, "migration_user", &f->migration_user);
    r |= read_strv(rd, "public_keys", &f->public_keys);
    r |= read_strv(rd, "key_fingerprints", &f->key_fingerprints);
    r |= read_strv(rd, "authorized_fingerprints", &f->authorized_fingerprints);
    r |= read_strv(rd, "notes", &f->notes);
    json_object *cpu = get(rd, "cpu");
    if (cpu && !json_object_is_type(cpu, json_type_object)) {
        r |= bad(rd, "cpu", "an object");
    } else if (cpu) {
        struct reader sub = {.obj = cpu, .prefix = "cpu."};
        r |= read_str(&sub, "arch", &f->cpu_arch);
        r |= read_str(&sub, "vendor", &f->cpu_vendor);
        r |= read_str(&sub, "model", &f->cpu_model);
        r |= read_strv(&sub, "features", &f->cpu_features);
        r |= read_str(&sub, "xml", &f->cpu_xml);
        if (sub.msg && !rd->msg)
            rd->msg = sub.msg;
        else
            free(sub.msg);
    }
    json_object *na = get(rd, "nova_addresses");
    if (na && !json_object_is_type(na, json_type_object)) {
        r |= bad(rd, "nova_addresses", "an object");
    } else if (na) {
        struct reader sub = {.obj = na, .prefix = "nova_addresses."};
        r |= read_str(&sub, "host", &f->nova_host);
        r |= read_str(&sub, "live_migration_inbound_addr", &f->live_migration_inbound_addr);
        r |= read_str(&sub, "migration_inbound_addr", &f->migration_inbound_addr);
        f->nova_addrs_known = true;
        if (sub.msg && !rd->msg)
            rd->msg = sub.msg;
        else
            free(sub.msg);
    }
    json_object *nr = get(rd, "nova_release");
    if (nr && !json_object_is_type(nr, json_type_object)) {
        r |= bad(rd, "nova_release", "an object");
    } else if (nr) {
        struct reader sub = {.obj = nr, .prefix = "nova_release."};
        long long major = 0;
        r |= read_str(&sub, "version", &f->nova_version);
        r |= read_int(&sub, "major", 1, 999, &major);
        f->nova_major = (int)major;
        if (sub.msg && !rd->msg)
            rd->msg = sub.msg;
        else
            free(sub.msg);
    }
    json_object *rbd = NULL;
    if (json_object_object_get_ex(rd->obj, "rbd", &rbd)) {
        char *msg = NULL;
        f->rbd_known = true;
        if (mr_rbd_facts_from_json(rbd, &f->rbd, &msg) < 0) {
            r |= -EBADMSG;
            if (!rd->msg)
                rd->msg = msg;
            else
                free(msg);
        }
    }
    json_object *ports = get(rd, "ports");
    if (ports && !json_object_is_type(ports, json_type_object)) {
        r |= bad(rd, "ports", "an object");
    } else if (ports) {
        struct reader sub = {.obj = ports, .prefix = "ports."};
        r |= read_int(&sub, "libvirt", 1, 65535, &lp);
        r |= read_int(&sub, "migration_min", 1, 65535, &pmin);
        r |= read_int(&sub, "migration_max", 1, 65535, &pmax);
        r |= read_int(&sub, "ssh", 1, 65535, &sp);
        if (sub.msg && !rd->msg)
            rd->msg = sub.msg;
        else
            free(sub.msg);
    }
    f->nova_uid = (long)uid;
    f->nova_gid = (long)gid;
    f->libvirt_port = (int)lp;
    f->migration_port_min = (int)pmin;
    f->migration_port_max = (int)pmax;
    f->ssh_port = (int)sp;
    return r ? -EBADMSG : 0;
}

int mr_facts_from_json(const char *json, struct mr_facts **ret, char **ret_msg)
{
    size_t len = json ? strlen(json) : 0;
    if (len == 0) {
        *ret_msg = mr_xstrdup("facts: empty output");
        return -EBADMSG;
    }
    if (len > JSON_MAX) {
        *ret_msg = mr_xasprintf("facts: %zu bytes, more than the %u allowed", len, JSON_MAX);
        return -EFBIG;
    }
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, json, (int)len);
    enum json_tokener_error err = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!o || err != json_tokener_success) {
        /* Name where it went wrong: peers may print a banner or an error. */
        char start[41];
        snprintf(start, sizeof(start), "%s", json);
        start[strcspn(start, "\r\n")] = '\0';
        *ret_msg = mr_xasprintf("facts: not JSON (%s), output starts with \"%s\"",
                                json_tokener_error_desc(err == json_tokener_success
                                                            ? json_tokener_continue
                                                            : err),
                                start);
        json_object_put(o);
        return -EBADMSG;
    }
    for (size_t i = used; i < len; i++)
        if (!strchr(" \t\r\n", json[i])) {
            *ret_msg = mr_xasprintf("facts: unexpected text after the JSON object (byte %zu)",
                                    i);
            json_object_put(o);
            return -EBADMSG;
        }
    int r = mr_facts_from_object(o, ret, ret_msg);
    json_object_put(o);
    return r;
}

int mr_facts_from_object(json_object *o, struct mr_facts **ret, char **ret_msg)
{
    if (!json_object_is_type(o, json_type_object)) {
        *ret_msg = mr_xstrdup("facts: the JSON is not an object");
        return -EBADMSG;
    }
    struct mr_facts *f = facts_new();
    mr_strv_free(f->notes);
    f->notes = NULL;
    struct reader rd = {.obj = o, .prefix = ""};
    int r = read_all(&rd, f);
    if (r < 0) {
        mr_facts_free(f);
        *ret_msg = rd.msg ? rd.msg : mr_xstrdup("facts: invalid");
        return r;
    }
    free(rd.msg);
    if (!f->notes)
        f->notes = mr_xcalloc(1, sizeof(char *));
    *ret = f;
    return 0;
}

/* Ceph's configuration file (ceph.conf) as librados reads it: INI with
 * [sections], "key = value", ';' and '#' comments, and key names whose
 * spaces, dashes and underscores are one ("mon host" is mon_host). Pure:
 * parses text that the caller read through the root-safe helpers. */
#pragma once

#include <stddef.h>

struct mr_ceph_conf;

/* Parses TEXT (LEN bytes). -EBADMSG when a line is neither a section, a
 * setting, a comment nor blank; then *ret_line is that line (1-based). */
int mr_ceph_conf_parse(const char *text, size_t len, struct mr_ceph_conf **ret, int *ret_line);
void mr_ceph_conf_free(struct mr_ceph_conf *c);
/* The last value of KEY in SECTION (NULL when unset), *ret_line (may be NULL)
 * its line. KEY may be spelled either way (mon_host, "mon host"). */
const char *mr_ceph_conf_get(const struct mr_ceph_conf *c, const char *section, const char *key,
                             int *ret_line);

/* One monitor address of mon_host: HOST (an address or a name) and PORT
 * (0: none given, so librados tries both 3300 for msgr2 and 6789 for v1). */
struct mr_ceph_mon {
    char *host;
    int port;
};
/* Splits MON_HOST as librados does: entries separated by commas, semicolons
 * or spaces; each "HOST", "HOST:PORT", "[IPV6]:PORT", "v2:HOST:PORT" or an
 * address vector "[v2:HOST:3300,v1:HOST:6789]". *ret (free with
 * mr_ceph_mons_free) may be empty. -EINVAL on an entry it cannot read. */
int mr_ceph_mon_parse(const char *mon_host, struct mr_ceph_mon **ret, size_t *ret_n);
void mr_ceph_mons_free(struct mr_ceph_mon *v, size_t n);
/* The keyring librados takes for client.USER (CC may be NULL): ceph.conf's
 * keyring in [client.USER], [client] or [global], else
 * /etc/ceph/$cluster.$name.keyring with cluster "ceph" (Nova's RBD driver
 * names no cluster); $cluster and $name expanded. Caller frees. */
char *mr_ceph_keyring_path(const struct mr_ceph_conf *cc, const char *user);

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

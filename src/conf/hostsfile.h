/* /etc/hosts as glibc's files NSS backend reads it (hosts(5),
 * nss/nss_files/files-hosts.c): '#' ends a line anywhere, fields are
 * separated by blanks (isspace in the C locale, so a CRLF file reads as LF),
 * the first field is an address (inet_pton; a line that does not start with
 * one is skipped), the second the canonical name, the rest its aliases.
 * Names compare without case and the first line that names a host answers
 * for it. The one reader of the file: checks, facts and fixers all use it;
 * fixers that edit the file still do so through Augeas. */
#pragma once

#include <stddef.h>

struct mr_root;

#define MR_HOSTS_PATH "/etc/hosts"
/* A larger file is refused (-EFBIG) rather than read in part. */
#define MR_HOSTS_MAX (4u << 20)

struct mr_hosts_entry {
    int line;     /* 1-based, for findings */
    char *addr;   /* as written */
    char **names; /* the canonical name, then the aliases; NULL-terminated, may be empty */
};

struct mr_hosts {
    struct mr_hosts_entry *v; /* in file order */
    size_t n;
    int *skipped; /* lines glibc skips: their first field is not an address */
    size_t n_skipped;
};

/* Parses TEXT (LEN bytes; a missing last newline is fine). -EBADMSG when
 * TEXT holds a NUL byte, with its line in *RET_LINE (may be NULL): such a
 * file is not text and the names it maps cannot be judged. */
int mr_hosts_parse(const char *text, size_t len, struct mr_hosts **ret, int *ret_line);
/* Reads and parses ROOT's /etc/hosts: -ENOENT when there is none, -EFBIG
 * beyond MR_HOSTS_MAX, -EBADMSG as mr_hosts_parse(), another negative errno
 * when it cannot be read. *RET is untouched on failure. */
int mr_hosts_read(const struct mr_root *root, struct mr_hosts **ret, int *ret_line);
/* The first entry at or after *POS that names NAME; moves *POS past it.
 * NULL when there is none (H may be NULL). */
const struct mr_hosts_entry *mr_hosts_next(const struct mr_hosts *h, const char *name,
                                           size_t *pos);
/* The entry the resolver answers NAME with: the first that names it. */
const struct mr_hosts_entry *mr_hosts_lookup(const struct mr_hosts *h, const char *name);
void mr_hosts_free(struct mr_hosts *h);

/* The site's `hosts` key LIST ("name=address, ..."; may be NULL): name,
 * address, name, address..., NULL-terminated (caller frees); items without
 * a literal address, and loopback addresses, left out. */
char **mr_hosts_site_pairs(const char *list);
/* The address PAIRS give NAME (compared without case), NULL when none. */
const char *mr_hosts_pair_addr(char *const *pairs, const char *name);

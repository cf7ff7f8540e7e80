/* The Nova release a host runs, whose rules the checks apply: read from the
 * installed package's metadata inside the root, or given by the site key
 * nova_release. */
#pragma once

#include <stdbool.h>

#include "rootfs.h"

/* The newest release migready knows the rules of: applied when the host's
 * release is unknown. */
#define MR_NOVA_NEWEST_MAJOR 33

struct mr_nova_release {
    char *version;       /* "29.0.0" as the metadata or the key says; NULL when unknown */
    int major;           /* 29; MR_NOVA_NEWEST_MAJOR when unknown (newest rules) */
    const char *release; /* "2024.1"; NULL when the major is not one migready knows */
    const char *name;    /* "Caracal"; NULL likewise */
    char *source;        /* the file the version came from; NULL when unknown */
    bool known;          /* false: nothing said which release; the newest rules apply */
};

/* Finds the release: OVERRIDE (the site key nova_release: a version such as
 * "29.0.0" or a release such as "2024.1" or "Caracal", NULL when unset)
 * first, named as coming from OVERRIDE_SOURCE; else the Version field of
 * the first nova package metadata found under ROOT (Debian and Ubuntu's
 * dist-packages, the RHEL family's site-packages, OpenStack-Ansible's
 * venvs; the highest version when several are installed); else unknown.
 * Returns -EINVAL with *ret_msg (caller frees) when OVERRIDE is neither a
 * version nor a release. Nothing found is not an error. */
int mr_nova_release_find(const struct mr_root *root, const char *override,
                         const char *override_source, struct mr_nova_release **ret,
                         char **ret_msg);
void mr_nova_release_free(struct mr_nova_release *rel);

/* "2024.1 (Caracal)" for MAJOR, NULL when migready does not know it. */
const char *mr_nova_release_of(int major, const char **ret_name);
/* "25.0.0 (2022.1, Yoga)": the first version of MAJOR, with its release
 * when migready knows it ("14.0.0" otherwise), for messages that say from
 * which release a rule holds (caller frees). */
char *mr_nova_major_describe(int major);
/* Compares two versions field by field, numerically ("29.10.0" > "29.9.1"):
 * <0, 0, >0 as strcmp. */
int mr_nova_version_cmp(const char *a, const char *b);
/* Whether the rules of Nova MAJOR (or later) apply to REL. */
bool mr_nova_release_at_least(const struct mr_nova_release *rel, int major);
/* "Nova 2024.1 (29.0.0)", "Nova 2024.1", or "Nova (release unknown: the
 * rules of 2026.1 apply)", for messages (caller frees). */
char *mr_nova_release_describe(const struct mr_nova_release *rel);

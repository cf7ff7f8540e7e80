/* nova.conf read with oslo.config's semantics. */
#pragma once

#include <stdbool.h>

#include "rootfs.h"

struct mr_novaconf;

/* Where a value came from. */
struct mr_novaval {
    const char *value;   /* interpolated; NULL when unset and without default */
    const char *raw;     /* as written, before interpolation; NULL for a default */
    const char *file;    /* NULL for Nova's built-in default */
    int line;
    bool is_default;     /* Nova's built-in default, not set in any file */
    const char *section; /* the section and name actually used (a legacy one when */
    const char *name;    /*  the value came from a deprecated name) */
    bool legacy;         /* set through a deprecated or removed name */
    const char *conf;    /* the layout's nova.conf (/etc/nova/nova.conf, kolla's
                          * /etc/kolla/nova-compute/nova.conf): where to set it */
};

/* Reads /etc/nova/nova.conf and /etc/nova/nova.conf.d/\*.conf (name order,
 * later files win) inside ROOT. A missing nova.conf is not an error (an
 * empty configuration, every value its default). On failure returns a
 * negative errno and *ret_msg (caller frees) names the file and line. */
int mr_novaconf_load(const struct mr_root *root, struct mr_novaconf **ret, char **ret_msg);
/* The same for a deployment that keeps nova.conf elsewhere: CONF_PATH (as
 * seen in the root; NULL: /etc/nova/nova.conf) and CONF_PATH.d/\*.conf. */
int mr_novaconf_load_at(const struct mr_root *root, const char *conf_path,
                        struct mr_novaconf **ret, char **ret_msg);
void mr_novaconf_free(struct mr_novaconf *conf);

/* Looks up SECTION/KEY (lower case) as Nova would: the last assignment
 * wins, nova.conf.d files after nova.conf, deprecated names honoured (with
 * ret->legacy set), $name and ${name} interpolated, and Nova's built-in
 * default when nothing sets it (ret->is_default). Returns false when the
 * option is unset and has no default. */
bool mr_novaconf_get(const struct mr_novaconf *conf, const char *section, const char *key,
                     struct mr_novaval *ret);
/* As mr_novaconf_get(), through the option's current name only: what Nova
 * reads once the release that removed the deprecated names runs. */
bool mr_novaconf_get_current(const struct mr_novaconf *conf, const char *section,
                             const char *key, struct mr_novaval *ret);
/* The value of [SECTION] KEY as mr_novaconf_get() finds it (default
 * included), NULL when unset or empty; CONF may be NULL. */
const char *mr_novaconf_str(const struct mr_novaconf *conf, const char *section, const char *key);
/* [SECTION] KEY parsed as oslo.config's boolean; false when unset or bad. */
bool mr_novaconf_bool(const struct mr_novaconf *conf, const char *section, const char *key);
/* [DEFAULT] my_ip when a file sets it to an address peers can reach (not
 * loopback, not unspecified): this host's address for a remedy or a fix.
 * NULL otherwise; Nova's default is a guess from the routes, not a fact. */
const char *mr_novaconf_my_ip(const struct mr_novaconf *conf);
/* The files read, in order (NULL-terminated, paths as seen in the root). */
char *const *mr_novaconf_files(const struct mr_novaconf *conf);

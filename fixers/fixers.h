/* The fixers (one file each) and the helpers they share. See src/fix/fix.h for
 * the interface. */
#pragma once

#include "augedit.h"
#include "fix.h"
#include "netaddr.h"

#define FX_NOVA_CONF "/etc/nova/nova.conf"

extern const struct mr_fixer mr_fixer_nova_vnc_listen;
extern const struct mr_fixer mr_fixer_nova_migration_transport;
extern const struct mr_fixer mr_fixer_nova_instances_path;
extern const struct mr_fixer mr_fixer_libvirt_listen;
extern const struct mr_fixer mr_fixer_qemu_migration_ports;
extern const struct mr_fixer mr_fixer_hosts_resolution;
extern const struct mr_fixer mr_fixer_nfs_exports;
extern const struct mr_fixer mr_fixer_nfs_fstab;
extern const struct mr_fixer mr_fixer_ssh_keys;
extern const struct mr_fixer mr_fixer_firewall_ports;
extern const struct mr_fixer mr_fixer_ids_nova;

/* Opens the text PATH will have (planned by an earlier fixer, or on disk;
 * "" when it does not exist) with LENS. On failure records the reason with
 * mr_change_error() and returns a negative errno: the fixer returns it. */
int fx_open(struct mr_change_set *cs, const char *lens, const char *path,
            struct mr_aug_edit **ret);
/* Plans the edited text for PATH (MODE if it is new), then frees E. */
int fx_commit(struct mr_change_set *cs, struct mr_aug_edit *e, const char *path, mode_t mode);
/* A tree path to section SECTION of a nova.conf edit: its last occurrence,
 * or a new one at the end (caller frees). */
char *fx_nova_section(struct mr_aug_edit *e, const char *section);
/* Edits FILE through LENS: EDIT changes the tree for the findings of RES,
 * then the text is planned with MODE (when new). An EDIT that fails is an
 * error naming the file and the lens. */
typedef int (*fx_edit_fn)(const struct mr_result *res, struct mr_aug_edit *e,
                          struct mr_change_set *cs, const char *file);
int fx_edit_file(struct mr_change_set *cs, const char *lens, const char *file, mode_t mode,
                 fx_edit_fn edit, const struct mr_result *res);
/* Comments out every [SECTION] KEY of the edit as "KEY = VALUE (WHY)";
 * the number of lines commented out. */
int fx_nova_comment_out(struct mr_aug_edit *e, const char *section, const char *key,
                        const char *why);
/* Sets the key of finding F ([section] key = want) in the file F names,
 * else nova.conf; a deprecated name that set the value (F's alias) is
 * commented out there. Describes the change; records an error and returns
 * a negative errno on failure. */
int fx_nova_set(struct mr_change_set *cs, const struct mr_finding *f);

/* The site's `hosts` key ("name=address, ..."): name, address, name,
 * address..., NULL-terminated (caller frees); loopback addresses left out. */
char **fx_site_hosts(const struct mr_ctx *ctx);
const char *fx_site_host_addr(char *const *pairs, const char *name);
/* The last (innermost) node matching PATTERN whose text spans line LINE of TEXT (the
 * text the edit was parsed from); NULL when none (caller frees). */
char *fx_node_at_line(struct mr_aug_edit *e, const char *pattern, const char *text, int line);
/* The same for E opened from FILE (fx_open, fx_edit_file): the text is the
 * one FILE had then. */
char *fx_node_in_file(struct mr_change_set *cs, struct mr_aug_edit *e, const char *file,
                      const char *pattern, int line);

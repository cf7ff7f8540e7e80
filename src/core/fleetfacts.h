/* Many hosts' facts (`migready facts --format json` documents), read for
 * `migready fleet`, which compares them all at once (checks/fleet.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "facts.h"

struct mr_fleet_host {
    struct mr_facts *facts;
    const char *name; /* the facts' host name, else the document's file name */
    char *file;       /* the document, as given on the command line or found in a folder */
    /* What the TLS and Ceph checks add to facts, read here straight from the
     * document: "tls": {"ca_fingerprint"}, "rbd": {"secret_uuid", "secret":
     * {"present"}}. has_*: the document has that object (an older migready
     * has neither). */
    bool has_tls, has_rbd;
    char *tls_ca;          /* "sha256:<hex>", NULL when not reported */
    char *rbd_secret_uuid; /* NULL when not reported */
    int rbd_secret_present; /* 1, 0, or -1 when not reported */
};

struct mr_fleet {
    struct mr_fleet_host *hosts;
    size_t n;
};

/* Reads PATHS (NULL-terminated): each a facts document or a folder, whose
 * *.json files are read in name order (not its subfolders). Returns 0, or
 * a negative errno and *ret_msg (caller frees) naming the file and, for
 * JSON that does not parse, the line, column and byte where json-c's
 * tokener stopped. A folder without documents is an error too. */
int mr_fleet_load(char *const *paths, struct mr_fleet **ret, char **ret_msg);
void mr_fleet_free(struct mr_fleet *fl);

/* Profiles: INI files under the profile folder that choose checks and values. */
#pragma once

#include <stdbool.h>

#include "paths.h"

struct mr_profile {
    char *name;
    char *kind; /* "storage", "transport", "layout" or "role" */
    char *description;
    char **enable;  /* check IDs or globs that this profile turns on */
    char **disable; /* ... and off */
    char **keys;    /* [values], parallel to vals */
    char **vals;
    char **path_keys; /* [paths]: where a deployment keeps a file (nova_conf, ...), */
    char **path_vals; /*  parallel; absolute paths as seen in the root */
    char *path;       /* the INI file, for messages */
    int enable_line;  /* where [checks] enable and disable are, 0 when absent */
    int disable_line;
};

struct mr_profile_set {
    struct mr_profile **items;
    size_t n;
};

/* Names of the profiles available, sorted. */
char **mr_profile_names(void);
/* Loads NAMES (NULL or empty: the site's list, then the defaults) and
 * completes the set with the default of every kind not chosen. */
int mr_profile_set_load(char *const *names, struct mr_profile_set **ret, char **ret_msg);
void mr_profile_set_free(struct mr_profile_set *set);
/* Every check ID or glob the profiles of SET enable or disable must match
 * one of IDS (NULL-terminated): a typo would silently change nothing.
 * Returns 0, or -EINVAL with *ret_msg naming the profile's file and line. */
int mr_profile_set_validate(const struct mr_profile_set *set, char *const *ids, char **ret_msg);
const char *mr_profile_set_value(const struct mr_profile_set *set, const char *key);
/* The location [paths] KEY of the profiles of SET gives (the last profile
 * that sets it wins), NULL when none does: the reader's default applies. */
const char *mr_profile_set_path(const struct mr_profile_set *set, const char *key);
/* The profile of SET of KIND ("layout", ...), NULL when there is none. */
const struct mr_profile *mr_profile_set_kind(const struct mr_profile_set *set, const char *kind);
/* Loads profile NAME into SET (a detected layout, after the user's choice):
 * refused like mr_profile_set_load() when SET already has one of its kind. */
int mr_profile_set_add(struct mr_profile_set *set, const char *name, char **ret_msg);
bool mr_profile_set_has(const struct mr_profile_set *set, const char *name);
/* Whether the profiles turn a check on (+1), off (-1) or say nothing (0),
 * and which profile decided (for the skip message). */
int mr_profile_set_decide(const struct mr_profile_set *set, const char *id,
                          const char **ret_profile);

typedef struct _dictionary_ dictionary;
/* Loads an INI file with iniparser; a syntax error gives a message naming
 * the file and line. */
int mr_ini_load(const char *path, dictionary **ret, char **ret_msg);

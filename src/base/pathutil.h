/* Comparing the paths that fstab, exports and nova.conf spell in several
 * ways: checks and fixers must agree on what is "the same". */
#pragma once

#include <stdbool.h>

/* True when A and B name the same path, ignoring repeated and trailing slashes. */
bool mr_path_eq(const char *a, const char *b);
/* P with repeated and trailing slashes removed ("/" stays "/"); the caller frees. */
char *mr_path_norm(const char *p);
/* Number of components of MOUNT when it is PATH or one of its ancestors, else -1. */
int mr_path_covers(const char *mount, const char *path);

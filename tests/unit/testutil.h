/* Helpers shared by the unit tests. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Copies the fixture root tests/roots/NAME to a fresh scratch folder and
 * returns its path (caller frees with mr_test_rmtree + free). */
char *mr_test_root(const char *name);
/* An empty scratch folder. */
char *mr_test_scratch(void);
/* Writes CONTENT to ROOT/PATH, creating parent folders. */
void mr_test_write(const char *root, const char *path, const char *content);
void mr_test_mkdir(const char *root, const char *path, mode_t mode);
/* Removes a scratch tree. */
void mr_test_rmtree(const char *dir);
bool mr_test_is_root(void);
/* The path of a fixture or data file under tests/. */
char *mr_test_path(const char *rel);

/* Helpers shared by the unit tests. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "migready.h"

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
/* The text of a fixture or data file under tests/ (caller frees); fails the
 * test when it cannot be read. */
char *mr_test_slurp(const char *rel);

/* A check's findings on stderr, to see why an assertion failed. */
void mr_test_dump(const struct mr_result *r);
/* The first finding whose message contains NEEDLE; fails the test (after a
 * dump) when there is none. */
const struct mr_finding *mr_test_finding(const struct mr_result *r, const char *needle);
/* Fails the test (after a dump) unless the check's status is ST. */
void mr_test_assert_status(const struct mr_result *r, enum mr_status st);
/* The finding's place is FILE, line LINE. */
void mr_test_assert_at(const struct mr_finding *fi, const char *file, int line);

/* A check test's state: a copy of a fixture root, an optional site
 * configuration, the context built on them and the last result. */
struct mr_test_fixture {
    char *dir;      /* the copy of tests/roots/NAME */
    char *site_dir; /* scratch folder of the site configuration, or NULL */
    char *site;     /* host path of the site configuration, or NULL */
    struct mr_ctx *ctx;
    struct mr_result res;
};

/* Copies tests/roots/ROOT (made 0755, as a root directory is). */
struct mr_test_fixture *mr_test_fixture_new(const char *root);
/* Frees F and removes its scratch folders; NULL is fine. */
void mr_test_fixture_free(struct mr_test_fixture *f);
/* Writes CONTENT as F's site configuration (replacing an earlier one). */
void mr_test_fixture_site(struct mr_test_fixture *f, const char *content);

/* Selecting and running checks, and the outcome of a run. */
#pragma once

#include "ctx.h"
#include "migready.h"

extern const struct mr_check *const mr_checks[];
extern const size_t mr_n_checks;

struct mr_select {
    char **only; /* IDs or globs; NULL: every check */
    char **skip;
};

struct mr_run {
    struct mr_result *results;
    size_t n;
    unsigned counts[_MR_STATUS_LAST];
    bool strict;
    char *host;
};

/* Every --only/--skip item must match a known check: a typo is a usage
 * error, not an empty run. Returns 0 or -EINVAL with *ret_msg. */
int mr_select_validate(const struct mr_select *sel, char **ret_msg);
bool mr_selected(const struct mr_select *sel, const char *id);
/* Runs CHECKS (the registry, or a test's own list). */
struct mr_run *mr_run_list(const struct mr_ctx *ctx, const struct mr_check *const *checks,
                           size_t n, const struct mr_select *sel, bool strict);
struct mr_run *mr_run_checks(const struct mr_ctx *ctx, const struct mr_select *sel, bool strict);
void mr_run_free(struct mr_run *run);
/* Ready: no fail, no error, and under --strict no warn. */
bool mr_run_ready(const struct mr_run *run);
/* 0 ready, 1 not ready, 2 could not judge. */
int mr_run_exit_code(const struct mr_run *run);

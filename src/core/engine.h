/* Selecting and running checks, and the outcome of a run. */
#pragma once

#include "ctx.h"
#include "migready.h"

struct mr_fixer;

/* One row of a registry (the program's is src/cli/registry.c, tests make their
 * own): a check and what repairs it. Everything `list`, `check` and `fix`
 * know about an item comes from its row. */
struct mr_row {
    const struct mr_check *check;
    const struct mr_fixer *fixer; /* NULL: `fix` leaves a fail as it is */
    /* The written exception to "fixable = has a fixer": a fixer that changes
     * nothing and only prints commands for the operator. Says why. */
    const char *manual_only;
};

/* Whether `fix` can repair the check (list and JSON say "fixable"). */
bool mr_row_fixable(const struct mr_row *row);

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

/* Every --only/--skip item must match a check of ROWS: a typo is a usage
 * error, not an empty run. Returns 0 or -EINVAL with *ret_msg. */
int mr_select_validate_rows(const struct mr_row *rows, size_t n, const struct mr_select *sel,
                            char **ret_msg);
bool mr_selected(const struct mr_select *sel, const char *id);
/* Runs the checks of ROWS (the registry, or a test's own rows) in order. */
struct mr_run *mr_run_list(const struct mr_ctx *ctx, const struct mr_row *rows, size_t n,
                           const struct mr_select *sel, bool strict);
void mr_run_free(struct mr_run *run);
/* Ready: no fail, no error, and under --strict no warn. */
bool mr_run_ready(const struct mr_run *run);
/* 0 ready, 1 not ready, 2 could not judge. */
int mr_run_exit_code(const struct mr_run *run);

/* The program's registry: one row per check, with its fixer (src/cli/registry.c).
 * It names both checks/ and fixers/, so it sits above them, with the command
 * line; the engine and `fix` take the rows they are given. */
#pragma once

#include "engine.h"
#include "fix.h"

struct mr_profile_set;

extern const struct mr_row mr_rows[];
extern const size_t mr_n_rows;

/* The row of check ID, NULL when there is none. */
const struct mr_row *mr_row_find(const char *id);
/* mr_select_validate_rows() and mr_run_list() over the registry. */
int mr_select_validate(const struct mr_select *sel, char **ret_msg);
struct mr_run *mr_run_checks(const struct mr_ctx *ctx, const struct mr_select *sel, bool strict);
/* mr_profile_set_validate() against the registry's checks. */
int mr_registry_validate_profiles(const struct mr_profile_set *set, char **ret_msg);

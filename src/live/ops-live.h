/* The real live sources behind the ops table: what `migready` hands to
 * mr_ctx_new() (src/cli/cli.c). Nothing below the command line includes this. */
#pragma once

#include "ops.h"

extern const struct mr_ops mr_ops_live;

/* The include callback of the nftables.conf harnesses: every pattern reads
 * as one file holding the input itself, so that includes nest (up to the
 * parser's own depth limit) without a file system. */
#pragma once

#include <errno.h>

#include "migready.h"

static int fz_include(void *userdata, const char *pattern, char ***ret_paths, char ***ret_texts)
{
    const char *text = userdata;
    if (!text)
        return -ENOENT;
    char **paths = mr_xcalloc(2, sizeof(char *));
    char **texts = mr_xcalloc(2, sizeof(char *));
    paths[0] = mr_xstrdup(pattern);
    texts[0] = mr_xstrdup(text);
    *ret_paths = paths;
    *ret_texts = texts;
    return 0;
}

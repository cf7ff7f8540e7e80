/* Where the tool finds its own data: profiles and Augeas lenses. */
#pragma once

/* $MIGREADY_PROFILE_DIR, the source tree's profiles/ when run from the
 * build tree, else the installed folder. */
const char *mr_profile_dir(void);
/* $MIGREADY_LENS_DIR, the source tree's fixers/lenses/ when run from the
 * build tree, else the installed folder. */
const char *mr_lens_dir(void);

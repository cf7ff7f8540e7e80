/* What the fuzz harnesses share: libFuzzer's entry point, and a scratch root
 * made once per process whose files each input rewrites. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Each harness defines it; libFuzzer (--enable-fuzzing) or tests/fuzz/replay.c
 * calls it once per input. It returns 0 and keeps nothing between inputs. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The scratch root of this process (mode 0755, removed at exit), made on
 * first use, with the source tree's profiles and lenses chosen unless the
 * environment names others (the harnesses run from tests/fuzz/, where the
 * program would not find them by itself). */
const char *fz_root(void);
/* Writes SIZE bytes of DATA to PATH inside the root, replacing the file and
 * creating its parent folders. */
void fz_write(const char *path, const void *data, size_t size);
void fz_write_str(const char *path, const char *text);
/* Removes PATH inside the root; a missing file is fine. */
void fz_unlink(const char *path);
/* DATA as a NUL-terminated string (caller frees): the parsers take C
 * strings, so the text ends at the input's first NUL byte as a file read
 * into a string would. */
char *fz_string(const uint8_t *data, size_t size);

struct mr_check;
struct mr_ctx;
/* Builds a context on the root (the default profiles, the root's own site
 * configuration, no live source), lets ADJUST (may be NULL) change it, runs
 * CHECK and frees everything; aborts when the context cannot be built. */
void fz_run_check(const struct mr_check *check, void (*adjust)(struct mr_ctx *ctx));
/* Fills the root, once per process, with a compute host prepared as the
 * guides say (the fixture tests/roots/seed-good), plus a site configuration
 * naming peers and extra authorized keys, so that a check reaches the file
 * a harness rewrites. */
void fz_base_host(void);

/* Output formats for a run: text, json, junit, tap, prometheus (node_exporter's
 * textfile format). */
#pragma once

#include <stdio.h>

#include "ctx.h"
#include "engine.h"

enum mr_format {
    MR_FORMAT_TEXT,
    MR_FORMAT_JSON,
    MR_FORMAT_JUNIT,
    MR_FORMAT_TAP,
    MR_FORMAT_PROMETHEUS,
    _MR_FORMAT_LAST
};

struct mr_render_opts {
    enum mr_format format;
    bool color;
    int verbosity; /* -1 quiet, 0 normal, 1 verbose */
    /* When the run started (seconds since the epoch) and how long it took,
     * for the prometheus format; 0: now, and the sum of the checks' times. */
    double started;
    double duration;
    /* --image: how the text names the root (JSON's "root" is ctx->root_path),
     * and what a reader should know about how the image was opened (text:
     * "note:" lines; JSON: "notes"). NULL: none. */
    const char *image;
    char *const *notes;
};

int mr_format_parse(const char *s, enum mr_format *ret);
/* CTX NULL: a run without one host (fleet); the text and JSON leave out the
 * root, profiles and Nova release. */
int mr_render(FILE *out, const struct mr_ctx *ctx, const struct mr_run *run,
              const struct mr_render_opts *o);
/* Replaces the password of any URL ("scheme://user:secret@host") with
 * "***": a defence in depth under every renderer. Caller frees. */
char *mr_redact(const char *s);

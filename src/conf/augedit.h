/* Editing one file's text through an Augeas lens, for the fixers: the text
 * is read root-safely by the caller, parsed with aug_text_store, edited as a
 * tree and turned back into text with aug_text_retrieve, so that every
 * comment and unrelated line stays byte for byte. Augeas never opens a
 * file itself (its own saving would not honour --root's link rules). */
#pragma once

#include <augeas.h>

struct mr_aug_edit;

/* Parses TEXT with LENS ("Nova.lns", "Libvirtd.lns", "Shellvars.lns"...),
 * loading only that lens (our lens folder first, then Augeas's own). PATH
 * names the file in messages. A text the lens cannot parse is -EINVAL with
 * *ret_msg "PATH:LINE: cannot parse the line of "KEY": ..." (caller frees;
 * the value is never quoted: it may be a password). */
int mr_aug_edit_new(const char *lens, const char *path, const char *text,
                    struct mr_aug_edit **ret, char **ret_msg);
void mr_aug_edit_free(struct mr_aug_edit *e);
augeas *mr_aug_edit_aug(struct mr_aug_edit *e);
/* The tree's top: "/tree/x". Sections and keys are below it. */
const char *mr_aug_edit_top(const struct mr_aug_edit *e);
/* The edited text (caller frees), or -EINVAL with *ret_msg. */
int mr_aug_edit_text(struct mr_aug_edit *e, char **ret_text, char **ret_msg);

/* Sets KEY below PARENT (a tree path; created at the end when missing) to
 * VALUE: the last KEY node when there is one; else a new node right after the
 * last comment that reads "KEY = ..." (the commented-out default of a sample
 * file), else at the end of PARENT. Returns 1 when something changed. */
int mr_aug_edit_set(struct mr_aug_edit *e, const char *parent, const char *key,
                    const char *value);
/* Replaces the node NODE by a comment holding TEXT (commenting a line out).
 * Returns 1 when something changed. */
int mr_aug_edit_comment_out(struct mr_aug_edit *e, const char *node, const char *text);
/* Removes every node matching PATTERN; returns how many. */
int mr_aug_edit_rm(struct mr_aug_edit *e, const char *pattern);

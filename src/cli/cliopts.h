#pragma once

/* Option tables and their parser, after git's parse-options: a command's
 * table drives both the parser and the help, so the two cannot drift, and
 * every error quotes the word the user typed. */

#include <stddef.h>
#include <stdio.h>

enum mr_opt_kind {
    MR_OPT_END,     /* ends a table */
    MR_OPT_BOOL,    /* sets the bool at .off */
    MR_OPT_SET_INT, /* sets the int at .off to .val */
    MR_OPT_STRING,  /* points the const char * at .off to the value; the last one wins */
    MR_OPT_LIST,    /* appends the value's comma-separated items to the char ** at .off */
    MR_OPT_CALL,    /* .call takes the value */
    MR_OPT_HELP,    /* stops the parse: the caller prints the help */
    MR_OPT_VERSION, /* stops the parse: the caller prints its version */
    MR_OPT_ARGS,    /* the words that are no option (operands) go to the char ** at .off;
                     * .argh names them in the usage line ("PATH..."); REQUIRED: at least one */
};

enum {
    MR_OPT_REPEAT = 1 << 0,   /* may be given more than once; help says so */
    MR_OPT_REQUIRED = 1 << 1, /* the parse fails without it; the usage line shows it */
};

struct mr_opt;

/* Takes ARG for OPT into DEST. A bad value: -EINVAL and *ret_msg (caller
 * frees), which quotes ARG. */
typedef int (*mr_opt_fn)(void *dest, const struct mr_opt *opt, const char *arg, char **ret_msg);

struct mr_opt {
    enum mr_opt_kind kind;
    const char *name;           /* long name, without "--" */
    char short_name;            /* 0: none */
    const char *argh;           /* the value's name in help; NULL: takes no value */
    const char *help;
    const char *const *choices; /* the accepted values (NULL-terminated), or NULL: any */
    unsigned flags;             /* MR_OPT_REPEAT, MR_OPT_REQUIRED */
    size_t off;                 /* where in DEST the value goes */
    int val;                    /* MR_OPT_SET_INT */
    mr_opt_fn call;             /* MR_OPT_CALL */
};

/* Options shown under one heading; several commands may include a group. */
struct mr_opt_group {
    const char *title;
    const struct mr_opt *opts; /* ends with kind MR_OPT_END */
};

enum { MR_OPT_OK, MR_OPT_WANT_HELP, MR_OPT_WANT_VERSION };

/* Parses ARGV[0..ARGC) along GROUPS (NULL-terminated) into DEST:
 * "--name value", "--name=value", a unique prefix of a long name, "-x",
 * "-xy" clusters, "--" (after which any word is unexpected). Returns
 * MR_OPT_OK, MR_OPT_WANT_HELP or MR_OPT_WANT_VERSION; -ENOENT when a word
 * names no option of GROUPS, *ret_msg then being that word without its
 * value ("--root", "-x"); -EINVAL on any other error, *ret_msg saying it.
 * *ret_msg: caller frees. DEST keeps what was parsed until then. */
int mr_opt_parse(const struct mr_opt_group *const *groups, int argc, char *const *argv,
                 void *dest, char **ret_msg);

/* The option that WORD ("--name" or "-x", exactly) names in GROUPS, or NULL. */
const struct mr_opt *mr_opt_find(const struct mr_opt_group *const *groups, const char *word);

/* "Usage: PROG --required ARG [OPTIONS]", SUMMARY, then each group. */
void mr_opt_help(FILE *out, const char *prog, const char *summary,
                 const struct mr_opt_group *const *groups);

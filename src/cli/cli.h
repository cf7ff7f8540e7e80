#pragma once

#include <stddef.h>
#include <stdio.h>

#include "cliopts.h"

/* What the options of one run say (src/cli/cli.c). */
struct mr_cli_opts;

/* A command: the groups of options it takes, its own first, then the
 * shared ones it includes. */
struct mr_cli_command {
    const char *name;
    const char *summary;
    const struct mr_opt_group *const *groups; /* NULL-terminated */
    int (*run)(struct mr_cli_opts *o);
};

/* The commands, in the order `migready --help` lists them. */
extern const struct mr_cli_command mr_cli_commands[];
extern const size_t mr_n_cli_commands;

/* `migready CMD --help`, generated from CMD's groups. */
void mr_cli_help(FILE *out, const struct mr_cli_command *cmd);

/* Runs the command line; returns the exit code. */
int mr_main(int argc, char **argv);

/* SIGINT or SIGTERM when a fix was stopped by it (after cleaning up), for
 * main() to raise again; 0 otherwise. */
int mr_cli_signal(void);

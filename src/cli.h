#pragma once

/* Runs the command line; returns the exit code. */
int mr_main(int argc, char **argv);

#include "config.h"

#include <signal.h>
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
    int r = mr_main(argc, argv);
    int sig = mr_cli_signal();
    if (sig) {
        /* Die of the signal that stopped the run, as a shell expects. */
        fflush(NULL);
        signal(sig, SIG_DFL);
        raise(sig);
    }
    return r;
}

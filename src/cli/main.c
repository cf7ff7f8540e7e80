#include "config.h"

#include "cli.h"

int main(int argc, char **argv)
{
    return mr_main(argc, argv);
}

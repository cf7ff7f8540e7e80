/* A profile INI file as mr_profile_set_load() reads it (src/conf/profile.c),
 * from a scratch profile folder that also holds the shipped profiles (the
 * defaults the set is completed with), then checked against the registry
 * and asked about every check. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "migready.h"
#include "profile.h"
#include "registry.h"

static char *dir;

static void init(void)
{
    dir = mr_xasprintf("%s/profiles", fz_root());
    char *cmd = mr_xasprintf("mkdir -p '%s' && cp '%s'/profiles/*.ini '%s'", dir, MR_ABS_SRCDIR,
                             dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot copy the profiles: %s\n", cmd);
        abort();
    }
    free(cmd);
    setenv("MIGREADY_PROFILE_DIR", dir, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir)
        init();
    fz_write("/profiles/fuzz.ini", data, size);
    char *names[] = {"fuzz", NULL};
    struct mr_profile_set *set = NULL;
    char *msg = NULL;
    if (mr_profile_set_load(names, &set, &msg) == 0) {
        char *vmsg = NULL;
        mr_registry_validate_profiles(set, &vmsg);
        free(vmsg);
        for (size_t i = 0; i < mr_n_rows; i++) {
            const char *by = NULL;
            mr_profile_set_decide(set, mr_rows[i].check->id, &by);
        }
        mr_profile_set_value(set, "transport");
        mr_profile_set_value(set, "storage");
        mr_profile_set_has(set, "tcp");
    }
    mr_profile_set_free(set);
    free(msg);
    return 0;
}

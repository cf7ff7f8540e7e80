/* /etc/exports as nfs.exports reads it (its parser is static in
 * checks/nfs.c): the check runs on a prepared root whose site names peers,
 * so that clients are matched against them too. */
#include "config.h"

#include "checks.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_base_host();
    fz_write("/etc/exports", data, size);
    fz_run_check(&mr_check_nfs_exports, NULL);
    return 0;
}

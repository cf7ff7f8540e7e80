/* authorized_keys as ssh.keys reads it (its reader is static in
 * checks/ssh.c): the nova user's own file, and the same text as the site's
 * list of peer keys (read without options). */
#include "config.h"

#include "checks.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_base_host();
    fz_write("/var/lib/nova/.ssh/authorized_keys", data, size);
    fz_write("/etc/migready/peer-keys", data, size);
    fz_run_check(&mr_check_ssh_keys, NULL);
    return 0;
}

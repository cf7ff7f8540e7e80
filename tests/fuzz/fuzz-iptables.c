/* iptables-save text through mr_fw_parse_iptables(). */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"
#include "fwrules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_string(data, size);
    struct mr_fw_ruleset *rs = NULL;
    char *msg = NULL;
    if (mr_fw_parse_iptables(text, "/etc/iptables/rules.v4", true, &rs, &msg) == 0) {
        const char *file;
        int line;
        mr_fw_ruleset_open(rs);
        mr_fw_ruleset_problem(rs, &file, &line);
    }
    mr_fw_ruleset_free(rs);
    free(msg);
    free(text);
    return 0;
}

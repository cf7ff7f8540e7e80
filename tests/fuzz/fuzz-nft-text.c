/* nftables.conf (`nft -f` syntax) through mr_fw_parse_nft_text(), with
 * includes. */
#include "config.h"

#include <stdlib.h>

#include "fuzz.h"
#include "fw-include.h"
#include "fwrules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fz_string(data, size);
    struct mr_fw_ruleset *rs = NULL;
    char *msg = NULL;
    if (mr_fw_parse_nft_text(text, "/etc/nftables.conf", fz_include, text, &rs, &msg) == 0) {
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

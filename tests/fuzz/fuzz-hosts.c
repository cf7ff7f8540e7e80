/* /etc/hosts through mr_hosts_parse(), the one reader, and its lookups. */
#include "config.h"

#include "fuzz.h"
#include "hostsfile.h"

static const char *const names[] = {"localhost", "compute1", "compute1.example.org",
                                    "controller", "ip6-localhost", ""};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mr_hosts *h = NULL;
    int line = 0;
    if (mr_hosts_parse((const char *)data, size, &h, &line) < 0)
        return 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t pos = 0;
        while (mr_hosts_next(h, names[i], &pos))
            ;
        mr_hosts_lookup(h, names[i]);
    }
    /* Names taken from the input itself, so that lookups also hit (a few:
     * each lookup walks the whole file). */
    for (size_t i = 0; i < h->n && i < 8; i++)
        if (h->v[i].names[0])
            mr_hosts_lookup(h, h->v[i].names[0]);
    mr_hosts_free(h);
    return 0;
}

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "migready.h"
#include "ops.h"

static int local_addresses(char ***ret)
{
    struct ifaddrs *ifa = NULL;
    if (getifaddrs(&ifa) < 0)
        return -errno;
    char **v = mr_xcalloc(1, sizeof(char *));
    for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
        char buf[INET6_ADDRSTRLEN];
        if (!i->ifa_addr)
            continue;
        if (i->ifa_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, buf,
                      sizeof(buf));
        else if (i->ifa_addr->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, buf,
                      sizeof(buf));
        else
            continue;
        mr_strv_push(&v, buf);
    }
    freeifaddrs(ifa);
    *ret = v;
    return 0;
}

const struct mr_ops mr_ops_default = {
    .local_addresses = local_addresses,
};

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "migready.h"
#include "netaddr.h"

int mr_addr_parse(const char *s, unsigned char out[16])
{
    char *a = mr_xstrdup(s);
    a[strcspn(a, "%")] = '\0';
    int fam = inet_pton(AF_INET, a, out) == 1 ? AF_INET
              : inet_pton(AF_INET6, a, out) == 1 ? AF_INET6 : 0;
    free(a);
    return fam;
}

bool mr_addr_is_literal(const char *s)
{
    unsigned char b[16];
    return s && mr_addr_parse(s, b) != 0;
}

/* Parses S into RET: true for IPv4, a v4-mapped IPv6 address unwrapped to
 * its four bytes (the kernel sends it to that IPv4 address); else false,
 * with *RET_V6 set for any other IPv6 address, left whole in RET. */
static bool addr_v4(const char *s, unsigned char ret[16], bool *ret_v6)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    *ret_v6 = false;
    if (!s)
        return false;
    int fam = mr_addr_parse(s, ret);
    if (fam == AF_INET6 && memcmp(ret, mapped, sizeof(mapped)) == 0) {
        memmove(ret, ret + 12, 4);
        return true;
    }
    *ret_v6 = fam == AF_INET6;
    return fam == AF_INET;
}

bool mr_addr_is_loopback(const char *s)
{
    unsigned char b[16] = {0};
    bool v6;
    if (addr_v4(s, b, &v6))
        return b[0] == 127;
    struct in6_addr a6;
    memcpy(&a6, b, sizeof(a6));
    return v6 && IN6_IS_ADDR_LOOPBACK(&a6);
}

bool mr_addr_is_unspecified(const char *s)
{
    unsigned char b[16] = {0};
    bool v6;
    if (addr_v4(s, b, &v6))
        return (b[0] | b[1] | b[2] | b[3]) == 0;
    struct in6_addr a6;
    memcpy(&a6, b, sizeof(a6));
    return v6 && IN6_IS_ADDR_UNSPECIFIED(&a6);
}

bool mr_addr_is_local_only(const char *s)
{
    return mr_addr_is_loopback(s) || mr_addr_is_unspecified(s);
}

bool mr_addr_same(const char *a, const char *b)
{
    unsigned char x[16], y[16];
    int fa = mr_addr_parse(a, x);
    return fa && mr_addr_parse(b, y) == fa && memcmp(x, y, fa == AF_INET ? 4 : 16) == 0;
}

bool mr_host_eq(const char *a, const char *b)
{
    if (strcasecmp(a, b) == 0)
        return true;
    size_t la = strlen(a), lb = strlen(b);
    if (!strchr(a, '.') && lb > la && strncasecmp(a, b, la) == 0 && b[la] == '.')
        return true;
    return !strchr(b, '.') && la > lb && strncasecmp(a, b, lb) == 0 && a[lb] == '.';
}

bool mr_net_parse(const char *addr, const char *mask, struct mr_net *ret)
{
    struct mr_net n = {0};
    n.family = inet_pton(AF_INET, addr, n.addr) == 1    ? AF_INET
               : inet_pton(AF_INET6, addr, n.addr) == 1 ? AF_INET6
                                                        : 0;
    if (!n.family)
        return false;
    long len = n.family == AF_INET ? 4 : 16, bits = len * 8;
    if (mask && n.family == AF_INET && strchr(mask, '.')) {
        if (inet_pton(AF_INET, mask, n.mask) != 1)
            return false;
    } else {
        if (mask && (mr_parse_long(mask, &bits) < 0 || bits < 0 || bits > len * 8))
            return false;
        for (long b = 0; b < bits; b++)
            n.mask[b / 8] |= (unsigned char)(0x80u >> (b % 8));
    }
    *ret = n;
    return true;
}

bool mr_net_contains(const struct mr_net *net, const char *a)
{
    unsigned char have[16];
    if (!a || inet_pton(net->family, a, have) != 1)
        return false;
    size_t len = net->family == AF_INET ? 4 : 16;
    for (size_t k = 0; k < len; k++)
        if ((have[k] & net->mask[k]) != (net->addr[k] & net->mask[k]))
            return false;
    return true;
}

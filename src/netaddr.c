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

bool mr_addr_is_loopback(const char *s)
{
    unsigned char b[16];
    int fam = mr_addr_parse(s, b);
    if (fam == AF_INET)
        return b[0] == 127 || (b[0] | b[1] | b[2] | b[3]) == 0;
    if (fam == AF_INET6) {
        static const unsigned char zero[10];
        struct in6_addr a6;
        memcpy(&a6, b, 16);
        if (IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6))
            return true;
        return memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff &&
               (b[12] == 127 || (b[12] | b[13] | b[14] | b[15]) == 0);
    }
    return false;
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

/* Numbers, ports, protocols and networks as the rule readers write them. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "fw-internal.h"

bool fw_parse_uint(const char *s, unsigned max, unsigned *ret)
{
    if (!s || !*s || !isdigit((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *ret = (unsigned)v;
    return true;
}

/* A number up to MAX, or a name of TABLE (service or protocol names). */
struct named_num {
    const char *name;
    unsigned num;
};

static bool parse_named(const char *s, unsigned max, const struct named_num *table, size_t n,
                        unsigned *ret)
{
    if (fw_parse_uint(s, max, ret))
        return true;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(s, table[i].name) == 0) {
            *ret = table[i].num;
            return true;
        }
    return false;
}

static const struct named_num services[] = {
    {"ssh", 22}, {"http", 80}, {"https", 443}, {"domain", 53}, {"ntp", 123},
    {"libvirt", 16509}, {"libvirt-tls", 16514},
};

static bool parse_port(const char *s, unsigned *ret)
{
    return parse_named(s, 65535, services, MR_ARRAY_SIZE(services), ret);
}

/* "22", "ssh", "49152:49215" (iptables) or "49152-49215" (nft). */
bool fw_parse_port_range(const char *s, char sep, struct range *ret)
{
    const char *p = strchr(s, sep);
    unsigned lo, hi;
    if (!p)
        return parse_port(s, &ret->lo) && (ret->hi = ret->lo, true);
    char *a = mr_xstrndup(s, (size_t)(p - s));
    bool ok = (*a ? parse_port(a, &lo) : (lo = 0, true)) &&
              (p[1] ? parse_port(p + 1, &hi) : (hi = 65535, true));
    free(a);
    if (!ok)
        return false;
    *ret = (struct range){lo < hi ? lo : hi, lo < hi ? hi : lo};
    return true;
}

static const struct named_num protocols[] = {
    {"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"ipv6-icmp", 58}, {"icmpv6", 58}, {"sctp", 132},
    {"udplite", 136}, {"esp", 50}, {"ah", 51}, {"gre", 47}, {"igmp", 2}, {"dccp", 33},
};

bool fw_parse_proto(const char *s, unsigned *ret)
{
    return parse_named(s, 255, protocols, MR_ARRAY_SIZE(protocols), ret);
}

int fw_family_bytes(int family)
{
    return family == AF_INET ? 4 : 16;
}

/* "192.0.2.0/24", "192.0.2.1", "255.255.255.0"-style masks, "2001:db8::/32",
 * "192.0.2.1-192.0.2.9". */
bool fw_parse_net(const char *s, struct net *ret)
{
    char buf[128];
    if (strlen(s) >= sizeof(buf))
        return false;
    strcpy(buf, s);
    char *dash = strchr(buf, '-');
    if (dash && !strchr(buf, '/')) {
        *dash = '\0';
        struct net a, b;
        if (!fw_parse_net(buf, &a) || !fw_parse_net(dash + 1, &b) || a.family != b.family)
            return false;
        *ret = (struct net){.family = a.family};
        memcpy(ret->lo, a.lo, 16);
        memcpy(ret->hi, b.hi, 16);
        return true;
    }
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    struct net n = {0};
    if (inet_pton(AF_INET, buf, n.lo) == 1)
        n.family = AF_INET;
    else if (inet_pton(AF_INET6, buf, n.lo) == 1)
        n.family = AF_INET6;
    else
        return false;
    int bits = fw_family_bytes(n.family) * 8;
    unsigned len = (unsigned)bits;
    if (slash) {
        unsigned char mask[16];
        if (!fw_parse_uint(slash + 1, (unsigned)bits, &len)) {
            /* A dotted mask, as iptables accepts, contiguous or not. */
            if (n.family != AF_INET || inet_pton(AF_INET, slash + 1, mask) != 1)
                return false;
            uint32_t m = ntohl(*(uint32_t *)(void *)mask);
            len = 0;
            while (len < 32 && (m & (0x80000000u >> len)))
                len++;
            if (len < 32 && (m << len) != 0) {
                n.masked = true;
                for (int i = 0; i < 4; i++) {
                    n.mask[i] = mask[i];
                    n.hi[i] = (unsigned char)(n.lo[i] | ~mask[i]);
                    n.lo[i] &= mask[i];
                }
                *ret = n;
                return true;
            }
        }
    }
    memcpy(n.hi, n.lo, 16);
    for (int i = 0; i < bits; i++) {
        if ((unsigned)i < len)
            continue;
        n.lo[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
        n.hi[i / 8] |= (unsigned char)(0x80u >> (i % 8));
    }
    *ret = n;
    return true;
}

bool fw_tcp_flag(const char *name, unsigned *ret)
{
    static const struct {
        const char *name;
        unsigned bit;
    } flags[] = {{"fin", FW_TCP_FIN}, {"syn", FW_TCP_SYN}, {"rst", FW_TCP_RST},
                 {"psh", FW_TCP_PSH}, {"ack", FW_TCP_ACK}, {"urg", FW_TCP_URG},
                 {"ecn", FW_TCP_ECE}, {"ece", FW_TCP_ECE}, {"cwr", FW_TCP_CWR},
                 {"all", 0x3f},       {"none", 0}};
    for (size_t i = 0; i < MR_ARRAY_SIZE(flags); i++)
        if (!strcasecmp(name, flags[i].name)) {
            *ret = flags[i].bit;
            return true;
        }
    return false;
}

bool fw_net_contains(const struct net *n, const unsigned char *addr)
{
    int b = fw_family_bytes(n->family);
    if (!n->masked)
        return memcmp(addr, n->lo, (size_t)b) >= 0 && memcmp(addr, n->hi, (size_t)b) <= 0;
    for (int i = 0; i < b; i++)
        if ((addr[i] & n->mask[i]) != n->lo[i])
            return false;
    return true;
}

bool fw_net_is_any(const struct net *n)
{
    int b = fw_family_bytes(n->family);
    for (int i = 0; i < b; i++)
        if (n->lo[i] != 0 || n->hi[i] != 0xff)
            return false;
    return true;
}

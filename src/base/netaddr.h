/* Addresses and host names as the resolver's files backend reads them, so
 * that a check and the fixer that answers it judge an address alike. */
#pragma once

#include <stdbool.h>

/* Parses a literal address, an IPv6 zone ("%eth0") allowed. Returns AF_INET,
 * AF_INET6 or 0, with the binary form in OUT. */
int mr_addr_parse(const char *s, unsigned char out[16]);
/* A literal address; false for NULL. */
bool mr_addr_is_literal(const char *s);
/* The one loopback test of the tree: S parses as an address (inet_pton, a
 * zone allowed) in 127.0.0.0/8, ::1, or ::ffff:127.0.0.0/104, the v4-mapped
 * form that a dual-stack socket sends to 127/8. Not the deprecated
 * v4-compatible "::127.0.0.1": Linux routes it as an ordinary IPv6 address
 * (out through the default route), not to lo. False for names and NULL. */
bool mr_addr_is_loopback(const char *s);
/* 0.0.0.0, :: or ::ffff:0.0.0.0: "any" to a listener; connect() sends it here. */
bool mr_addr_is_unspecified(const char *s);
/* An address no other host can use to reach this one: loopback or
 * unspecified. What /etc/hosts, a resolver answer or a configured address
 * must not be for a peer. */
bool mr_addr_is_local_only(const char *s);
/* The same address written two ways ("::1" and "0:0::1"). */
bool mr_addr_same(const char *a, const char *b);
/* A network: an address and its mask, the mask's bits as written (a
 * dotted IPv4 mask may be non-contiguous, as the kernel allows). */
struct mr_net {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16], mask[16];
};
/* Parses ADDR and MASK ("24", or a dotted IPv4 mask; NULL: the whole
 * address). False when either does not parse. */
bool mr_net_parse(const char *addr, const char *mask, struct mr_net *ret);
/* Whether the literal address A lies in NET (of the same family). */
bool mr_net_contains(const struct mr_net *net, const char *a);
/* True when A and B name the same host: equal ignoring case, or one is the
 * other's short name ("nfs-server" and "nfs-server.example.org"). */
bool mr_host_eq(const char *a, const char *b);

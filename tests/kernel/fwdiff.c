/* The helper of the differential test against the kernel
 * (tests/kernel/test-firewall-kernel.sh):
 *   fwdiff gen SEED ipt|nft     a seeded random rule set, on stdout
 *   fwdiff listen               in the host namespace: every port of PORTS
 *                               accepts and writes one byte
 *   fwdiff probe ADDR           in the peer namespace: the ports of PORTS
 *                               from which a byte comes back ("open")
 *   fwdiff eval FILE ipt|nft ADDR IFACE
 *                               the evaluator's verdict for each port of PORTS
 * The generator's grammar is the shapes real hosts use (see gen_ipt and
 * gen_nft); rate limits only ever guard a LOG, since a rate is never known. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fwrules.h"
#include "migready.h"

/* libvirt's port, QEMU's migration range, SSH. */
#define MIG_LO 49152
#define MIG_HI 49215
#define N_PORTS (2 + MIG_HI - MIG_LO + 1)

static unsigned port_at(size_t i)
{
    return i == 0 ? 16509 : i == 1 ? 22 : MIG_LO + (unsigned)(i - 2);
}

/* ---- a small seeded generator (xorshift), the same on every machine ---- */

static unsigned long long rng;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static bool chance(unsigned percent)
{
    return rnd(100) < percent;
}

static const char *pick(const char *const *v, size_t n)
{
    return v[rnd((unsigned)n)];
}
#define PICK(v) pick(v, MR_ARRAY_SIZE(v))

/* Sources: the peer (192.0.2.20), nets that hold it, nets that do not,
 * masks of every form iptables takes. */
static const char *const ipt_src[] = {
    "192.0.2.20",        "192.0.2.20/32",          "192.0.2.0/24",
    "192.0.2.16/28",     "192.0.2.0/25",           "192.0.2.128/25",
    "198.51.100.0/24",   "192.0.2.21",             "192.0.2.0/255.255.255.0",
    "10.0.0.0/8",        "192.0.2.0/255.255.0.255", "0.0.0.0/0",
};
static const char *const nft_src[] = {
    "192.0.2.20",      "192.0.2.0/24",    "192.0.2.16/28", "192.0.2.0/25",
    "192.0.2.128/25",  "198.51.100.0/24", "192.0.2.21",    "10.0.0.0/8",
    "{ 192.0.2.20, 198.51.100.7 }", "{ 192.0.2.0/24, 10.0.0.0/8 }",
};
static const char *const ifaces[] = {"eth1", "eth0", "lo", "eth+", "eth1"};
/* Single ports and ranges near the targets. */
static const char *const ipt_ports[] = {
    "22", "16509", "16514", "49152:49215", "49152:49170", "49160:49300", "49200",
    "5900:5999", "80", "443", "49100:49199", "1:1024", "49215",
};
static const char *const ipt_multi[] = {
    "22,16509", "16509,49152:49215", "80,443", "22,80,443", "16509,16514",
    "49152:49183,49200:49215", "22,49152:49215",
};
static const char *const nft_ports[] = {
    "22",          "16509",         "16514",       "49152-49215",       "49152-49170",
    "49160-49300", "49200",         "5900-5999",   "{ 80, 443 }",       "{ 22, 16509 }",
    "{ 16509, 49152-49215 }",       "{ 49152-49183, 49200-49215 }",     "1-1024",
};

struct gen {
    bool nft;
    unsigned n_chains; /* user chains uc0..ucN-1; chain k jumps only to chains above k */
};

/* ---- iptables-save ---- */

/* TCP: whether the rule matches -p tcp (iptables refuses a tcp-reset otherwise). */
static void ipt_verdict(const struct gen *g, int chain, bool user_ok, bool tcp)
{
    unsigned k = rnd(user_ok && (int)g->n_chains > chain + 1 ? 10 : 7);
    switch (k) {
    case 0: case 1: case 2: printf("-j ACCEPT"); break;
    case 3: case 4: printf("-j DROP"); break;
    case 5: printf(tcp ? "-j REJECT --reject-with tcp-reset" : "-j REJECT"); break;
    case 6: printf("-j REJECT"); break;
    default: {
        unsigned to = (unsigned)(chain + 1) + rnd(g->n_chains - (unsigned)(chain + 1));
        printf("%s uc%u", chance(70) ? "-j" : "-g", to);
    }
    }
}

static void ipt_rule(const struct gen *g, const char *cname, int chain)
{
    printf("-A %s ", cname);
    switch (rnd(16)) {
    case 0:
        printf("-i lo -j ACCEPT\n");
        return;
    case 1:
        printf(chance(50) ? "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
                          : "-m state --state ESTABLISHED,RELATED -j ACCEPT\n");
        return;
    case 2:
        printf("-m conntrack --ctstate INVALID -j DROP\n");
        return;
    case 3:
        printf("-p icmp -j ACCEPT\n");
        return;
    case 4:
        printf("-m addrtype --dst-type %s ", chance(50) ? "MULTICAST" : "BROADCAST");
        ipt_verdict(g, chain, false, false);
        printf("\n");
        return;
    case 5:
        printf("-m limit --limit 5/min -j LOG --log-prefix \"fw: \"\n");
        return;
    case 6:
        printf(chance(50) ? "-p tcp ! --syn -m conntrack --ctstate NEW -j DROP\n"
                          : "-p tcp -m tcp --tcp-flags SYN,RST SYN,RST -j DROP\n");
        return;
    case 7:
        printf("-s %s ", PICK(ipt_src));
        ipt_verdict(g, chain, true, false);
        printf("\n");
        return;
    case 8:
        if (chain >= 0) {
            printf("-j RETURN\n");
            return;
        }
        /* fall through */
    case 9:
        printf("-m addrtype --dst-type LOCAL -p tcp --dport %s -j ACCEPT\n", PICK(ipt_ports));
        return;
    default:
        break;
    }
    if (chance(30))
        printf("-s %s ", PICK(ipt_src));
    if (chance(15))
        printf("%s-i %s ", chance(20) ? "! " : "", PICK(ifaces));
    printf("-p tcp ");
    if (chance(30))
        printf("-m multiport --dports %s ", PICK(ipt_multi));
    else
        printf("%s--dport %s ", chance(60) ? "-m tcp " : "", PICK(ipt_ports));
    if (chance(25))
        printf(chance(50) ? "-m conntrack --ctstate NEW " : "-m state --state NEW ");
    if (chance(10)) {
        printf(chance(50) ? "-j RETURN\n" : "-j LOG\n");
        return;
    }
    ipt_verdict(g, chain, true, true);
    printf("\n");
}

static void gen_ipt(struct gen *g)
{
    printf("# fwdiff iptables\n*filter\n");
    printf(":INPUT %s [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n",
           chance(65) ? "DROP" : "ACCEPT");
    for (unsigned c = 0; c < g->n_chains; c++)
        printf(":uc%u - [0:0]\n", c);
    unsigned n = 2 + rnd(10);
    for (unsigned i = 0; i < n; i++)
        ipt_rule(g, "INPUT", -1);
    if (chance(40))
        printf("-A INPUT -j %s\n", chance(50) ? "DROP" : "REJECT --reject-with icmp-host-prohibited");
    for (unsigned c = 0; c < g->n_chains; c++) {
        char name[16];
        snprintf(name, sizeof(name), "uc%u", c);
        unsigned m = 1 + rnd(5);
        for (unsigned i = 0; i < m; i++)
            ipt_rule(g, name, (int)c);
    }
    printf("COMMIT\n");
}

/* ---- nftables.conf ---- */

static void nft_verdict(const struct gen *g, int chain, bool user_ok)
{
    unsigned k = rnd(user_ok && (int)g->n_chains > chain + 1 ? 10 : 7);
    switch (k) {
    case 0: case 1: case 2: printf("accept"); break;
    case 3: case 4: printf("drop"); break;
    case 5: printf("reject with tcp reset"); break;
    case 6: printf("reject with icmpx type admin-prohibited"); break;
    default: {
        unsigned to = (unsigned)(chain + 1) + rnd(g->n_chains - (unsigned)(chain + 1));
        printf("%s uc%u", chance(70) ? "jump" : "goto", to);
    }
    }
}

static void nft_rule(const struct gen *g, int chain)
{
    printf("\t\t");
    switch (rnd(16)) {
    case 0:
        printf(chance(50) ? "iif lo accept\n" : "iifname \"lo\" accept\n");
        return;
    case 1:
        printf(chance(50) ? "ct state established,related accept\n"
                          : "ct state vmap { established : accept, related : accept, "
                            "invalid : drop }\n");
        return;
    case 2:
        printf("ct state invalid drop\n");
        return;
    case 3:
        printf("ip protocol icmp accept\n");
        return;
    case 4:
        printf("fib daddr type %s ", chance(50) ? "multicast" : "broadcast");
        nft_verdict(g, chain, false);
        printf("\n");
        return;
    case 5:
        printf("limit rate 5/minute log prefix \"fw: \"\n");
        return;
    case 6:
        printf("tcp flags & (fin|syn|rst|ack) != syn ct state new drop\n");
        return;
    case 7:
        printf("ip saddr %s ", PICK(nft_src));
        nft_verdict(g, chain, true);
        printf("\n");
        return;
    case 8:
        if (chain >= 0) {
            printf("return\n");
            return;
        }
        /* fall through */
    case 9:
        printf("tcp dport vmap { 22 : accept, 16509 : %s, 49152-49215 : %s }\n",
               chance(50) ? "accept" : "drop", chance(50) ? "accept" : "drop");
        return;
    case 10:
        printf("ip saddr @allowed tcp dport %s accept\n", PICK(nft_ports));
        return;
    default:
        break;
    }
    if (chance(30))
        printf("ip saddr %s ", PICK(nft_src));
    if (chance(15)) {
        const char *i = PICK(ifaces);
        if (strcmp(i, "eth+") == 0)
            i = "eth*";
        printf("iifname %s\"%s\" ", chance(20) ? "!= " : "", i);
    }
    printf("tcp dport %s ", PICK(nft_ports));
    if (chance(25))
        printf("ct state new ");
    if (chance(10)) {
        printf(chance(50) ? "counter\n" : "log\n");
        return;
    }
    if (chance(20))
        printf("counter ");
    nft_verdict(g, chain, true);
    printf("\n");
}

static void gen_nft(struct gen *g)
{
    printf("#!/usr/sbin/nft -f\nflush ruleset\n\ntable inet filter {\n");
    printf("\tset allowed {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { %s }\n\t}\n",
           chance(50) ? "192.0.2.0/24" : "198.51.100.0/24, 10.0.0.1");
    printf("\tchain input {\n\t\ttype filter hook input priority filter; policy %s;\n",
           chance(65) ? "drop" : "accept");
    unsigned n = 2 + rnd(10);
    for (unsigned i = 0; i < n; i++)
        nft_rule(g, -1);
    if (chance(40))
        printf("\t\t%s\n", chance(50) ? "drop" : "reject with icmpx type admin-prohibited");
    printf("\t}\n");
    for (unsigned c = 0; c < g->n_chains; c++) {
        printf("\tchain uc%u {\n", c);
        unsigned m = 1 + rnd(5);
        for (unsigned i = 0; i < m; i++)
            nft_rule(g, (int)c);
        printf("\t}\n");
    }
    printf("\tchain output {\n\t\ttype filter hook output priority filter; policy accept;\n\t}\n");
    printf("}\n");
}

static int cmd_gen(const char *seed, const char *syntax)
{
    rng = strtoull(seed, NULL, 10) * 2654435761ULL + 88172645463325252ULL;
    struct gen g = {.nft = strcmp(syntax, "nft") == 0, .n_chains = rnd(4)};
    if (g.nft)
        gen_nft(&g);
    else
        gen_ipt(&g);
    return 0;
}

/* ---- the kernel side ---- */

static int cmd_listen(void)
{
    struct pollfd p[N_PORTS];
    for (size_t i = 0; i < N_PORTS; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port_at(i))};
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 64) < 0) {
            fprintf(stderr, "fwdiff listen: port %u: %s\n", port_at(i), strerror(errno));
            return 1;
        }
        p[i] = (struct pollfd){.fd = s, .events = POLLIN};
    }
    printf("listening\n");
    fflush(stdout);
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        if (poll(p, N_PORTS, -1) < 0 && errno != EINTR)
            return 1;
        for (size_t i = 0; i < N_PORTS; i++)
            if (p[i].revents & POLLIN) {
                int c = accept(p[i].fd, NULL, NULL);
                if (c >= 0) {
                    (void)!write(c, "x", 1);
                    close(c);
                }
            }
    }
}

static int cmd_probe(const char *addr)
{
    int fd[N_PORTS];
    bool open_[N_PORTS] = {0}, done[N_PORTS] = {0};
    for (size_t i = 0; i < N_PORTS; i++) {
        fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port_at(i))};
        inet_pton(AF_INET, addr, &a.sin_addr);
        if (connect(fd[i], (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)
            done[i] = true;
    }
    /* A byte comes back within a round trip in a namespace; a dropped SYN
     * is retransmitted only after a second. */
    long long end = mr_now_ms() + 700;
    for (long long now; (now = mr_now_ms()) < end;) {
        struct pollfd p[N_PORTS];
        size_t idx[N_PORTS], n = 0;
        for (size_t i = 0; i < N_PORTS; i++)
            if (!done[i]) {
                p[n] = (struct pollfd){.fd = fd[i], .events = POLLIN};
                idx[n++] = i;
            }
        if (!n || poll(p, n, (int)(end - now)) <= 0)
            break;
        for (size_t k = 0; k < n; k++)
            if (p[k].revents) {
                char b;
                ssize_t r = read(fd[idx[k]], &b, 1);
                if (r == 1)
                    open_[idx[k]] = done[idx[k]] = true;
                else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
                    done[idx[k]] = true;
            }
    }
    for (size_t i = 0; i < N_PORTS; i++) {
        printf("%u %s\n", port_at(i), open_[i] ? "open" : "closed");
        close(fd[i]);
    }
    return 0;
}

/* ---- migready's side ---- */

static int cmd_eval(const char *file, const char *syntax, const char *addr, const char *iface)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return 2;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof(buf), f)) > 0;)
        fwrite(buf, 1, n, m);
    fclose(m);
    fclose(f);
    struct mr_fw_ruleset *rs = NULL;
    char *msg = NULL;
    bool nft = strcmp(syntax, "nft") == 0;
    const char *origin = nft ? "/etc/nftables.conf" : "/etc/iptables/rules.v4";
    int r = nft ? mr_fw_parse_nft_text(text, origin, NULL, NULL, &rs, &msg)
                : mr_fw_parse_iptables(text, origin, true, &rs, &msg);
    free(text);
    if (r < 0) {
        printf("error %s\n", msg ? msg : "?");
        free(msg);
        return 0;
    }
    const char *pfile = NULL;
    int pline = 0;
    const char *problem = mr_fw_ruleset_problem(rs, &pfile, &pline);
    for (size_t i = 0; i < N_PORTS; i++) {
        struct mr_fw_conn conn;
        struct mr_fw_verdict v;
        if (mr_fw_conn_init(&conn, addr, iface, port_at(i)) < 0)
            return 2;
        mr_fw_evaluate(rs, &conn, &v);
        static const char *const name[] = {"open", "closed", "closed", "undecided"};
        printf("%u %s", port_at(i), problem ? "undecided" : name[v.outcome]);
        if (problem)
            printf(" line %d: %s", pline, problem);
        else if (v.outcome == MR_FW_UNDECIDED)
            printf(" line %d: %s: %s", v.rule ? mr_fw_rule_line(v.rule) : 0,
                   v.rule ? mr_fw_rule_text(v.rule) : "-", v.reason);
        printf("\n");
    }
    mr_fw_ruleset_free(rs);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "gen") == 0)
        return cmd_gen(argv[2], argv[3]);
    if (argc == 2 && strcmp(argv[1], "listen") == 0)
        return cmd_listen();
    if (argc == 3 && strcmp(argv[1], "probe") == 0)
        return cmd_probe(argv[2]);
    if (argc == 6 && strcmp(argv[1], "eval") == 0)
        return cmd_eval(argv[2], argv[3], argv[4], argv[5]);
    fprintf(stderr, "usage: fwdiff gen SEED ipt|nft | listen | probe ADDR | "
                    "eval FILE ipt|nft ADDR IFACE\n");
    return 2;
}

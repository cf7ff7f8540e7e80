/* TCP connection attempts that tell open from refused from filtered: the
 * default ops->tcp_probe. */
#pragma once

#include <stddef.h>

struct mr_tcp_probe;

int mr_tcp_probe_run(struct mr_tcp_probe *probes, size_t n, int timeout_ms);
/* One connect of P (its address and port), waiting until DEADLINE (on
 * mr_now_ms()'s clock): the connected socket (blocking mode off), or -1 with
 * P's state saying why, as mr_tcp_probe_run tells them apart. */
int mr_tcp_connect_by(struct mr_tcp_probe *p, long long deadline);

/* TCP connection attempts that tell open from refused from filtered: the
 * default ops->tcp_probe. */
#pragma once

#include <stddef.h>

struct mr_tcp_probe;

int mr_tcp_probe_run(struct mr_tcp_probe *probes, size_t n, int timeout_ms);

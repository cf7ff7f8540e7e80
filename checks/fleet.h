/* `migready fleet`: fleet-wide comparisons over many hosts' facts
 * (src/core/fleet.h), each a result with the same statuses as check. Every
 * comparison groups the hosts by value (a sort or a hash), never pairwise:
 * 10,000 hosts cost about 10,000 times one, times a log. Findings name the
 * hosts concerned: the outliers by name, the majority by its size. A
 * comparison that needs a field some documents lack is a skip naming the
 * field and those hosts, never a fail. */
#pragma once

#include "engine.h"
#include "fleetfacts.h"
#include "ops.h"

/* The fleet checks, in the order they run (IDs fleet.NAME). */
extern const struct mr_row mr_fleet_rows[];
extern const size_t mr_n_fleet_rows;

/* Runs every fleet check over FL. OPS reaches libvirt for the CPU baseline
 * (mr_ops_none: that check skips, saying why); URI is the libvirt to ask
 * (NULL: the local one, LIBVIRT_DEFAULT_URI or qemu:///system). */
struct mr_run *mr_fleet_run(const struct mr_fleet *fl, const struct mr_ops *ops,
                            const char *uri);

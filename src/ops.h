/* Live sources, reached through one table so that unit tests can stub them. */
#pragma once

struct mr_ops {
    /* The addresses of this host's interfaces, as text (NULL-terminated). */
    int (*local_addresses)(char ***ret);
};

extern const struct mr_ops mr_ops_default;

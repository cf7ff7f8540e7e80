/* A TLS handshake with a peer's libvirtd, checked as libvirt's client
 * checks it: the default ops->tls_handshake. */
#pragma once

struct mr_tls_probe;
struct mr_tls_result;

int mr_tls_probe_run(const struct mr_tls_probe *req, struct mr_tls_result *res);

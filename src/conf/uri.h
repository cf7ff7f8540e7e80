/* libvirt and migration URIs as Nova builds them, and the transport a URI
 * selects: one definition each for the checks, the fixers, facts and
 * migrate-test. Pure: reads nova.conf's parsed values and the environment,
 * never the host. */
#pragma once

#include <stdbool.h>

struct mr_novaconf;

/* The URI of the local hypervisor: $LIBVIRT_DEFAULT_URI, else qemu:///system. */
const char *mr_uri_local(void);
/* The URI of PEER's libvirt for TRANSPORT (tcp, tls, ssh; NULL: tcp) as
 * Nova's live_migration_scheme builds it (caller frees). An IPv6 literal
 * gets brackets. */
char *mr_uri_peer(const char *transport, const char *peer);

/* The libvirt URI Nova's libvirt driver uses to reach DEST and the URI of
 * QEMU's migration stream (*ret_migrate_uri NULL when tunnelled): the
 * deprecated [libvirt] live_migration_uri with %s replaced when set, else
 * qemu+<live_migration_scheme, tcp when unset>://DEST/system. TRANSPORT
 * (tcp, tls, ssh; NULL: nova.conf) overrides both. WITH_STREAM: DEST is
 * the destination's live_migration_inbound_addr, so the stream goes to
 * tcp://DEST as Nova does; without it DEST is the destination's [DEFAULT]
 * host and libvirt picks the destination's host name. -EINVAL with *ret_msg when
 * nova.conf's values cannot make a URI. */
int mr_uri_migration(const struct mr_novaconf *nova, const char *transport, const char *dest,
                     bool with_stream, char **ret_uri, char **ret_migrate_uri, char **ret_msg);

/* libvirt's name for a transport as migready names it: libssh and libssh2
 * are ssh; anything else is returned as given. */
const char *mr_uri_transport_name(const char *t);
/* The transport a libvirt URI's scheme selects (caller frees): "qemu+tcp://"
 * is tcp, a bare "qemu://" is TLS (libvirt's default for a remote host),
 * libssh and libssh2 are ssh, another "+x" is x. NULL when URI has no
 * "scheme://". */
char *mr_uri_transport(const char *uri);

/* The login an ssh URI names (qemu+ssh://USER@HOST/system?keyfile=PATH):
 * *ret_user and *ret_keyfile (caller frees), NULL when the URI does not
 * name them. libvirt's remote driver (src/remote/remote_driver.c) passes
 * them to virNetClientNewSSH / virNetClientNewLibssh; without them the ssh
 * client runs as, and with the keys of, the process that connects. */
void mr_uri_ssh_login(const char *uri, char **ret_user, char **ret_keyfile);

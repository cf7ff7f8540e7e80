/* migrate-test's request and report (src/core/migreport.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "migready.h"
#include "migreport.h"

void mr_migrate_cause_clear(struct mr_migrate_cause *c)
{
    if (!c)
        return;
    free(c->cause);
    free(c->remedy);
    *c = (struct mr_migrate_cause){0};
}

void mr_migrate_report_clear(struct mr_migrate_report *rep)
{
    if (!rep)
        return;
    free(rep->host);
    free(rep->peer);
    free(rep->transport);
    free(rep->storage);
    free(rep->domain);
    free(rep->domain_type);
    free(rep->cpu);
    free(rep->disk);
    for (size_t i = 0; i < MR_ARRAY_SIZE(rep->legs); i++) {
        free(rep->legs[i].from);
        free(rep->legs[i].to);
        free(rep->legs[i].uri);
        free(rep->legs[i].migrate_uri);
    }
    free(rep->step);
    free(rep->error);
    mr_migrate_cause_clear(&rep->why);
    mr_strv_free(rep->notes);
    *rep = (struct mr_migrate_report){0};
}

bool mr_migrate_explain_rbd(const char *message, const char *to, const char *uuid,
                            const char *user, struct mr_migrate_cause *ret)
{
    const char *m = message ? message : "";
    const char *u = uuid ? uuid : "?", *who = user ? user : "USER";
    if (strcasestr(m, "secret not found") || strcasestr(m, "no secret with matching")) {
        *ret = (struct mr_migrate_cause){
            .check = "rbd.secret",
            .cause = mr_xasprintf("%s's libvirt lacks the Ceph secret %s, so QEMU there cannot "
                                  "open the instance's RBD disk", to, u),
            .remedy = mr_xasprintf("define the secret %s (usage type ceph) on %s and set its "
                                   "value to client.%s's key; 'migready check --only rbd.secret "
                                   "--peer %s' finds this", u, to, who, to),
        };
        return true;
    }
    if (strcasestr(m, "error connecting") &&
        (strcasestr(m, "permission denied") || strcasestr(m, "invalid argument"))) {
        bool plain = strcasestr(m, "invalid argument") != NULL;
        *ret = (struct mr_migrate_cause){
            .check = "rbd.secret",
            .cause = mr_xasprintf("the Ceph cluster refuses the key in %s's libvirt secret %s "
                                  "(%s)", to, u,
                                  plain ? "stored as base64 text: set with --plain"
                                        : "key mismatch"),
            .remedy = mr_xasprintf("set the secret's value on %s to client.%s's key (virsh "
                                   "secret-set-value, not --plain); 'migready check --only "
                                   "rbd.secret --peer %s' finds this", to, who, to),
        };
        return true;
    }
    if (strcasestr(m, "timed out") || strcasestr(m, "no route to host") ||
        strcasestr(m, "unreachable")) {
        *ret = (struct mr_migrate_cause){
            .check = "rbd.access",
            .cause = mr_xasprintf("QEMU on %s cannot reach a Ceph monitor", to),
            .remedy = mr_xasprintf("give %s a route to the monitors on 3300 and 6789; "
                                   "'migready check --only rbd.access --peer %s' finds this",
                                   to, to),
        };
        return true;
    }
    return false;
}

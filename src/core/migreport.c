/* migrate-test's request and report (src/core/migreport.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

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

/* ---- rendering: text and JSON ---- */

static const char *outcome_name(enum mr_migrate_outcome o)
{
    return o == MR_MIGRATE_OK ? "completed" : o == MR_MIGRATE_FAILED ? "failed" : "error";
}

void mr_migrate_print_text(const struct mr_migrate_report *rep, bool color)
{
    const char *g = color ? "\033[32m" : "", *r = color ? "\033[31m" : "",
               *y = color ? "\033[33m" : "", *z = color ? "\033[0m" : "";
    printf("migrate-test %s -> %s -> %s (%s%s, %s storage)\n", rep->host, rep->peer, rep->host,
           rep->transport ? rep->transport : "?", rep->native_tls ? " + QEMU native TLS" : "",
           rep->storage ? rep->storage : "?");
    if (rep->domain)
        printf("  probe   %s: %d MiB, %s, %s, disk %s%s\n", rep->domain, MR_PROBE_MEMORY_MIB,
               rep->domain_type ? rep->domain_type : "?", rep->cpu ? rep->cpu : "?",
               rep->disk ? rep->disk : "-",
               rep->storage && strcmp(rep->storage, "shared") == 0 ? " (read-only)" : "");
    for (size_t i = 0; rep->notes && rep->notes[i]; i++)
        printf("  note    %s\n", rep->notes[i]);
    for (size_t i = 0; i < rep->n_legs; i++) {
        const struct mr_migrate_leg *l = &rep->legs[i];
        if (!l->done)
            continue;
        char b[32], t[32];
        mr_human_bytes(b, sizeof(b), l->bytes);
        mr_human_bytes(t, sizeof(t), l->total_bytes);
        printf("%sPASS%s   leg %zu %s -> %s: ", g, z, i + 1, l->from, l->to);
        if (l->have_stats)
            printf("%llu ms, downtime %llu ms, %s transferred of %s, %llu iteration%s", l->time_ms,
                   l->downtime_ms, b, t, l->iterations, l->iterations == 1 ? "" : "s");
        else
            fputs("no statistics from libvirt", stdout);
        if (l->disk_bytes) {
            mr_human_bytes(b, sizeof(b), l->disk_bytes);
            printf(", disk %s", b);
        }
        printf(" (%.2f s wall)\n", l->seconds);
        printf("       via %s%s%s\n", l->uri, l->migrate_uri ? ", stream " : "",
               l->migrate_uri ? l->migrate_uri : "");
    }
    if (rep->outcome == MR_MIGRATE_OK) {
        printf("\n%s: %slive migration to %s and back works%s (%.1f s)\n", rep->host, g, rep->peer,
               z, rep->seconds);
        return;
    }
    printf("%s%s%s   %s: %s\n", rep->outcome == MR_MIGRATE_FAILED ? r : y,
           rep->outcome == MR_MIGRATE_FAILED ? "FAIL" : "ERROR", z, rep->step ? rep->step : "?",
           rep->error ? rep->error : "?");
    if (rep->why.cause)
        printf("       cause: %s\n", rep->why.cause);
    if (rep->why.check)
        printf("       found by: %s\n", rep->why.check);
    if (rep->why.remedy)
        printf("       -> %s\n", rep->why.remedy);
    printf("\n%s: %s to %s (%.1f s)\n", rep->host,
           rep->outcome == MR_MIGRATE_FAILED ? "live migration failed"
                                             : "could not test live migration",
           rep->peer, rep->seconds);
}

static json_object *jstr(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

char *mr_migrate_to_json(const struct mr_migrate_report *rep)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "tool", json_object_new_string("migready"));
    json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
    json_object_object_add(o, "host", jstr(rep->host));
    json_object_object_add(o, "peer", jstr(rep->peer));
    json_object_object_add(o, "transport", jstr(rep->transport));
    json_object_object_add(o, "storage", jstr(rep->storage));
    json_object_object_add(o, "native_tls", json_object_new_boolean(rep->native_tls));
    json_object_object_add(o, "ok", json_object_new_boolean(rep->outcome == MR_MIGRATE_OK));
    json_object_object_add(o, "outcome", json_object_new_string(outcome_name(rep->outcome)));
    json_object_object_add(o, "seconds", json_object_new_double(rep->seconds));
    json_object *probe = json_object_new_object();
    json_object_object_add(probe, "name", jstr(rep->domain));
    json_object_object_add(probe, "type", jstr(rep->domain_type));
    json_object_object_add(probe, "memory_mib", json_object_new_int(MR_PROBE_MEMORY_MIB));
    json_object_object_add(probe, "cpu", jstr(rep->cpu));
    json_object_object_add(probe, "disk", jstr(rep->disk));
    json_object_object_add(o, "probe", probe);
    json_object *legs = json_object_new_array();
    for (size_t i = 0; i < rep->n_legs; i++) {
        const struct mr_migrate_leg *l = &rep->legs[i];
        json_object *e = json_object_new_object();
        json_object_object_add(e, "from", jstr(l->from));
        json_object_object_add(e, "to", jstr(l->to));
        json_object_object_add(e, "uri", jstr(l->uri));
        json_object_object_add(e, "migrate_uri", jstr(l->migrate_uri));
        json_object_object_add(e, "ok", json_object_new_boolean(l->done));
        json_object_object_add(e, "seconds", json_object_new_double(l->seconds));
        if (l->have_stats) {
            json_object_object_add(e, "time_ms", json_object_new_int64((int64_t)l->time_ms));
            json_object_object_add(e, "downtime_ms",
                                   json_object_new_int64((int64_t)l->downtime_ms));
            json_object_object_add(e, "bytes", json_object_new_int64((int64_t)l->bytes));
            json_object_object_add(e, "total_bytes",
                                   json_object_new_int64((int64_t)l->total_bytes));
            json_object_object_add(e, "memory_iterations",
                                   json_object_new_int64((int64_t)l->iterations));
            if (l->disk_bytes)
                json_object_object_add(e, "disk_bytes",
                                       json_object_new_int64((int64_t)l->disk_bytes));
        }
        json_object_array_add(legs, e);
    }
    json_object_object_add(o, "legs", legs);
    if (rep->outcome != MR_MIGRATE_OK) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "step", jstr(rep->step));
        json_object_object_add(e, "message", jstr(rep->error));
        json_object_object_add(e, "cause", jstr(rep->why.cause));
        json_object_object_add(e, "check", jstr(rep->why.check));
        json_object_object_add(e, "remedy", jstr(rep->why.remedy));
        json_object_object_add(e, "interrupted", json_object_new_boolean(rep->interrupted));
        json_object_object_add(e, "timed_out", json_object_new_boolean(rep->timed_out));
        json_object_object_add(o, "error", e);
    }
    json_object *notes = json_object_new_array();
    for (size_t i = 0; rep->notes && rep->notes[i]; i++)
        json_object_array_add(notes, json_object_new_string(rep->notes[i]));
    json_object_object_add(o, "notes", notes);
    char *s = mr_xstrdup(json_object_to_json_string_ext(
        o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return s;
}

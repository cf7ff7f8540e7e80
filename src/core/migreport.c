/* migrate-test's request and report (src/core/migreport.h). */
#include "config.h"

#include <stdlib.h>

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

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <libxml/xmlwriter.h>

#include "novarelease.h"
#include "profile.h"
#include "render.h"

static const char *const format_names[] = {
    [MR_FORMAT_TEXT] = "text",
    [MR_FORMAT_JSON] = "json",
    [MR_FORMAT_JUNIT] = "junit",
    [MR_FORMAT_TAP] = "tap",
    [MR_FORMAT_PROMETHEUS] = "prometheus",
};
_Static_assert(MR_ARRAY_SIZE(format_names) == _MR_FORMAT_LAST, "format names");

int mr_format_parse(const char *s, enum mr_format *ret)
{
    for (size_t i = 0; i < _MR_FORMAT_LAST; i++)
        if (strcmp(s, format_names[i]) == 0) {
            *ret = (enum mr_format)i;
            return 0;
        }
    return -EINVAL;
}

char *mr_redact(const char *s)
{
    if (!s)
        return NULL;
    char *out = mr_xstrdup(s);
    char *p = out;
    while ((p = strstr(p, "://"))) {
        char *auth = p + 3;
        size_t span = strcspn(auth, "/@ \t\n\"'");
        if (auth[span] == '@') {
            char *colon = memchr(auth, ':', span);
            if (colon) {
                /* user:secret@ -> user:***@ */
                char *rest = auth + span;
                char *n = mr_xasprintf("%.*s:***%s", (int)(colon - out), out, rest);
                size_t keep = (size_t)(colon - out) + 4;
                free(out);
                out = n;
                p = out + keep;
                continue;
            }
        }
        p = auth;
    }
    return out;
}

static const char *const colors[] = {
    [MR_PASS] = "\033[32m", [MR_WARN] = "\033[33m",  [MR_FAIL] = "\033[31m",
    [MR_SKIP] = "\033[2m",  [MR_ERROR] = "\033[35m", [MR_FIXED] = "\033[36m",
};
_Static_assert(MR_ARRAY_SIZE(colors) == _MR_STATUS_LAST, "status colours");

/* S as text and JUnit show it: URL passwords masked, then controls
 * escaped, so that a file name or a value (a newline in a nova.conf.d name,
 * ESC [ in a setting) can neither start a line of its own nor drive the
 * terminal. Caller frees. */
static char *shown(const char *s)
{
    char *r = mr_redact(s);
    char *e = mr_cescape(r, NULL);
    free(r);
    return e;
}

/* The place after the message, unless the message already names it. */
static void text_place(FILE *out, const struct mr_finding *f)
{
    if (!f->file)
        return;
    char *place = f->line > 0 ? mr_xasprintf("%s:%d", f->file, f->line) : mr_xstrdup(f->file);
    if (!strstr(f->message, place)) {
        char *e = mr_cescape(place, NULL);
        fprintf(out, " (%s)", e);
        free(e);
    }
    free(place);
}

static void text_line(FILE *out, const char *label, enum mr_status st, bool color, int idw,
                      const char *id, const char *msg)
{
    if (color)
        fprintf(out, "%s%-5s\033[0m  %-*s  %s", colors[st], label, idw, id, msg);
    else
        fprintf(out, "%-5s  %-*s  %s", label, idw, id, msg);
}

/* The release whose rules were applied, and where migready learned it. */
static void text_nova(FILE *out, const struct mr_ctx *ctx)
{
    const struct mr_nova_release *rel = NULL;
    const char *msg = NULL;
    char *text;
    if (mr_ctx_nova_release(ctx, &rel, &msg) < 0) {
        text = mr_xasprintf("unknown Nova release (%s)", msg);
    } else {
        char *d = mr_nova_release_describe(rel);
        text = mr_xasprintf("%s%s%s", d, rel->source ? ", from " : "",
                            rel->source ? rel->source : "");
        free(d);
    }
    /* The source is a path found under the root, the message may quote
     * the site file: both reach a terminal escaped. */
    char *e = mr_cescape(text, NULL);
    fprintf(out, "rules of: %s\n", e);
    free(e);
    free(text);
}

/* Finding K's remedy is one an earlier finding of R that SHOWN accepts
 * already gave: several findings may share one remedy (two peers that both
 * differ, three certificates in one folder), and a reader needs it once. */
static bool remedy_given(const struct mr_result *r, size_t k,
                         bool (*shown_fn)(const struct mr_result *, size_t, int), int verbosity)
{
    for (size_t j = 0; j < k; j++)
        if (r->findings[j].remedy && (!shown_fn || shown_fn(r, j, verbosity)) &&
            strcmp(r->findings[j].remedy, r->findings[k].remedy) == 0)
            return true;
    return false;
}

/* The text output lists the remedies of the primary finding and, unless
 * verbose, of the findings at warn or worse. */
static bool text_remedy_shown(const struct mr_result *r, size_t k, int verbosity)
{
    const struct mr_finding *g = &r->findings[k];
    return g->remedy && (g == mr_result_primary(r) || verbosity > 0 ||
                         mr_status_rank(g->status) >= mr_status_rank(MR_WARN));
}

static int render_text(FILE *out, const struct mr_ctx *ctx, const struct mr_run *run,
                       const struct mr_render_opts *o)
{
    int idw = 0;
    for (size_t i = 0; i < run->n; i++) {
        int w = (int)strlen(run->results[i].check->id);
        idw = w > idw ? w : idw;
    }
    for (size_t i = 0; i < run->n; i++) {
        const struct mr_result *r = &run->results[i];
        const struct mr_finding *f = mr_result_primary(r);
        if (o->verbosity < 0 && (r->status == MR_PASS || r->status == MR_SKIP))
            continue;
        char *msg = shown(f->message);
        text_line(out, mr_status_label(r->status), r->status, o->color, idw, r->check->id, msg);
        free(msg);
        text_place(out, f);
        fputc('\n', out);
        int indent = 5 + 2 + idw + 2;
        if (o->verbosity > 0) {
            for (size_t k = 0; k < r->n_findings; k++) {
                const struct mr_finding *g = &r->findings[k];
                if (g == f)
                    continue;
                char *m = shown(g->message);
                fprintf(out, "%*s%s: %s", indent, "", mr_status_name(g->status), m);
                free(m);
                text_place(out, g);
                fputc('\n', out);
            }
        }
        if (r->status != MR_PASS && r->status != MR_SKIP) {
            for (size_t k = 0; k < r->n_findings; k++) {
                const struct mr_finding *g = &r->findings[k];
                if (!text_remedy_shown(r, k, o->verbosity) ||
                    remedy_given(r, k, text_remedy_shown, o->verbosity))
                    continue;
                char *m = shown(g->remedy);
                fprintf(out, "%*s-> %s\n", indent, "", m);
                free(m);
            }
        }
    }
    const char *verdict = run->counts[MR_ERROR] ? "could not judge"
                          : mr_run_ready(run)   ? "ready"
                                                : "not ready";
    /* The host name may come from nova.conf. */
    char *host = mr_cescape(run->host ? run->host : "host", NULL);
    fprintf(out, "\n%s: %s (%u pass, %u warn, %u fail, %u skip, %u error", host, verdict,
            run->counts[MR_PASS], run->counts[MR_WARN], run->counts[MR_FAIL], run->counts[MR_SKIP],
            run->counts[MR_ERROR]);
    free(host);
    if (run->counts[MR_FIXED])
        fprintf(out, ", %u fixed", run->counts[MR_FIXED]);
    fputs(")\n", out);
    if (ctx)
        text_nova(out, ctx);
    if (o->image) {
        char *e = mr_cescape(o->image, NULL);
        fprintf(out, "root: %s\n", e);
        free(e);
    }
    for (size_t i = 0; o->notes && o->notes[i]; i++) {
        char *e = mr_cescape(o->notes[i], NULL);
        fprintf(out, "note: %s\n", e);
        free(e);
    }
    return 0;
}

static void json_str(json_object *o, const char *key, const char *val)
{
    char *v = mr_redact(val);
    json_object_object_add(o, key, json_object_new_string(v));
    free(v);
}

/* message, remedy, file and line of a finding, the last three when set. */
static void json_finding_fields(json_object *o, const struct mr_finding *f)
{
    json_str(o, "message", f->message);
    if (f->remedy)
        json_str(o, "remedy", f->remedy);
    if (f->file)
        json_str(o, "file", f->file);
    if (f->file && f->line > 0)
        json_object_object_add(o, "line", json_object_new_int(f->line));
}

static json_object *json_str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* {"version", "release", "source"}: the Nova release whose rules were
 * applied; version and source null when unknown. */
static json_object *json_nova(const struct mr_ctx *ctx)
{
    const struct mr_nova_release *rel = NULL;
    const char *msg = NULL;
    json_object *o = json_object_new_object();
    bool ok = mr_ctx_nova_release(ctx, &rel, &msg) == 0 && rel;
    json_object_object_add(o, "version", json_str_or_null(ok ? rel->version : NULL));
    const char *release = ok && rel->known ? rel->release
                          : ok            ? mr_nova_release_of(rel->major, NULL)
                                          : NULL;
    json_object_object_add(o, "release", json_str_or_null(release));
    json_object_object_add(o, "source", json_str_or_null(ok ? rel->source : NULL));
    return o;
}

static int render_json(FILE *out, const struct mr_ctx *ctx, const struct mr_run *run,
                       const struct mr_render_opts *ro)
{
    json_object *root = json_object_new_object();
    json_str(root, "tool", "migready");
    json_str(root, "version", PACKAGE_VERSION);
    if (run->host)
        json_str(root, "host", run->host);
    else
        json_object_object_add(root, "host", NULL);
    /* Without a context (fleet: many hosts' facts) there is no root,
     * profile or release of one host to tell. */
    if (ctx) {
        json_str(root, "root", ctx->root_path);
        json_object *profiles = json_object_new_array();
        for (size_t i = 0; i < ctx->profiles->n; i++)
            json_object_array_add(profiles,
                                  json_object_new_string(ctx->profiles->items[i]->name));
        json_object_object_add(root, "profiles", profiles);
        json_object_object_add(root, "nova", json_nova(ctx));
    }
    json_object_object_add(root, "ready", json_object_new_boolean(mr_run_ready(run)));
    json_object *summary = json_object_new_object();
    for (size_t s = 0; s < _MR_STATUS_LAST; s++)
        json_object_object_add(summary, mr_status_name((enum mr_status)s),
                               json_object_new_int((int)run->counts[s]));
    json_object_object_add(root, "summary", summary);
    json_object *results = json_object_new_array();
    for (size_t i = 0; i < run->n; i++) {
        const struct mr_result *r = &run->results[i];
        const struct mr_finding *f = mr_result_primary(r);
        json_object *o = json_object_new_object();
        json_str(o, "id", r->check->id);
        json_str(o, "title", r->check->title);
        json_str(o, "status", mr_status_name(r->status));
        json_finding_fields(o, f);
        json_object_object_add(o, "fixable", json_object_new_boolean(mr_row_fixable(r->row)));
        if (r->n_findings > 1) {
            json_object *details = json_object_new_array();
            for (size_t k = 0; k < r->n_findings; k++) {
                json_object *d = json_object_new_object();
                json_str(d, "status", mr_status_name(r->findings[k].status));
                json_finding_fields(d, &r->findings[k]);
                json_object_array_add(details, d);
            }
            json_object_object_add(o, "details", details);
        }
        json_object_array_add(results, o);
    }
    json_object_object_add(root, "results", results);
    if (ro->notes && ro->notes[0]) {
        json_object *notes = json_object_new_array();
        for (size_t i = 0; ro->notes[i]; i++)
            json_object_array_add(notes, json_object_new_string(ro->notes[i]));
        json_object_object_add(root, "notes", notes);
    }
    fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE),
          out);
    fputc('\n', out);
    json_object_put(root);
    return 0;
}

/* VAL for JUnit: masked and escaped, since XML 1.0 has no way to carry
 * most controls and invalid UTF-8 makes the document unreadable. */
static int xml_attr(xmlTextWriterPtr w, const char *name, const char *val)
{
    char *v = shown(val);
    int r = xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST v);
    free(v);
    return r;
}

static void finding_text(char **buf, const struct mr_result *r, size_t k)
{
    const struct mr_finding *f = &r->findings[k];
    char *old = *buf;
    /* Each field escaped: the body's own newlines are the only ones. */
    char *msg = shown(f->message), *file = shown(f->file);
    char *remedy = f->remedy && !remedy_given(r, k, NULL, 0) ? shown(f->remedy) : NULL;
    char *place = file ? (f->line > 0 ? mr_xasprintf(" (%s:%d)", file, f->line)
                                      : mr_xasprintf(" (%s)", file))
                       : mr_xstrdup("");
    *buf = mr_xasprintf("%s%s: %s%s\n%s%s%s", old ? old : "", mr_status_label(f->status), msg,
                        place, remedy ? "  fix: " : "", remedy ? remedy : "", remedy ? "\n" : "");
    free(place);
    free(msg);
    free(file);
    free(remedy);
    free(old);
}

/* The totals that both <testsuites> and <testsuite> carry. */
static void junit_counts(xmlTextWriterPtr w, const struct mr_run *run, unsigned failures,
                         double total, bool skipped)
{
    char num[64];
    snprintf(num, sizeof(num), "%zu", run->n);
    xml_attr(w, "tests", num);
    snprintf(num, sizeof(num), "%u", failures);
    xml_attr(w, "failures", num);
    snprintf(num, sizeof(num), "%u", run->counts[MR_ERROR]);
    xml_attr(w, "errors", num);
    if (skipped) {
        snprintf(num, sizeof(num), "%u", run->counts[MR_SKIP]);
        xml_attr(w, "skipped", num);
    }
    snprintf(num, sizeof(num), "%.6f", total);
    xml_attr(w, "time", num);
}

static int render_junit(FILE *out, const struct mr_run *run)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
    if (!buf || !w)
        return -ENOMEM;
    unsigned failures = run->counts[MR_FAIL] + (run->strict ? run->counts[MR_WARN] : 0);
    double total = 0;
    for (size_t i = 0; i < run->n; i++)
        total += run->results[i].seconds;
    char num[64];
    xmlTextWriterSetIndent(w, 1);
    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
    xmlTextWriterStartElement(w, BAD_CAST "testsuites");
    xml_attr(w, "name", "migready");
    junit_counts(w, run, failures, total, false);
    xmlTextWriterStartElement(w, BAD_CAST "testsuite");
    xml_attr(w, "name", run->host ? run->host : "migready");
    if (run->host)
        xml_attr(w, "hostname", run->host);
    junit_counts(w, run, failures, total, true);
    for (size_t i = 0; i < run->n; i++) {
        const struct mr_result *r = &run->results[i];
        const struct mr_finding *f = mr_result_primary(r);
        char *area = mr_xstrndup(r->check->id, strcspn(r->check->id, "."));
        char *classname = mr_xasprintf("migready.%s", area);
        free(area);
        xmlTextWriterStartElement(w, BAD_CAST "testcase");
        xml_attr(w, "classname", classname);
        xml_attr(w, "name", r->check->id);
        snprintf(num, sizeof(num), "%.6f", r->seconds);
        xml_attr(w, "time", num);
        free(classname);
        char *body = NULL;
        for (size_t k = 0; k < r->n_findings; k++)
            finding_text(&body, r, k);
        char *safe = mr_redact(body);
        const char *elem = NULL;
        if (r->status == MR_FAIL || (r->status == MR_WARN && run->strict))
            elem = "failure";
        else if (r->status == MR_ERROR)
            elem = "error";
        else if (r->status == MR_SKIP)
            elem = "skipped";
        if (elem) {
            xmlTextWriterStartElement(w, BAD_CAST elem);
            xml_attr(w, "message", f->message);
            if (r->status != MR_SKIP) {
                xml_attr(w, "type", mr_status_name(r->status));
                xmlTextWriterWriteString(w, BAD_CAST safe);
            }
            xmlTextWriterEndElement(w);
        } else {
            xmlTextWriterStartElement(w, BAD_CAST "system-out");
            xmlTextWriterWriteString(w, BAD_CAST safe);
            xmlTextWriterEndElement(w);
        }
        free(safe);
        free(body);
        xmlTextWriterEndElement(w);
    }
    xmlTextWriterEndDocument(w);
    xmlFreeTextWriter(w);
    fputs((const char *)xmlBufferContent(buf), out);
    xmlBufferFree(buf);
    return 0;
}

/* TAP 13 YAML: quote every scalar so that a message cannot break the block. */
static void tap_yaml(FILE *out, const char *key, const char *val)
{
    char *v = mr_redact(val);
    fprintf(out, "  %s: \"", key);
    for (const char *p = v; *p;) {
        size_t l = mr_utf8_printable(p);
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (l)
            fwrite(p, 1, l, out);
        else
            fprintf(out, "\\x%02x", (unsigned char)*p);
        p += l ? l : 1;
    }
    fputs("\"\n", out);
    free(v);
}

static void tap_desc(FILE *out, const char *s)
{
    /* '#' would start a directive in the description; a control would
     * end the line or drive the terminal. */
    char *v = mr_redact(s);
    for (char *p = v; *p; p++)
        *p = *p == '#' || *p == '\n' ? ' ' : *p;
    char *e = mr_cescape(v, NULL);
    fputs(e, out);
    free(e);
    free(v);
}

static int render_tap(FILE *out, const struct mr_run *run)
{
    fprintf(out, "TAP version 13\n1..%zu\n", run->n);
    for (size_t i = 0; i < run->n; i++) {
        const struct mr_result *r = &run->results[i];
        const struct mr_finding *f = mr_result_primary(r);
        bool bad = r->status == MR_FAIL || r->status == MR_ERROR ||
                   (r->status == MR_WARN && run->strict);
        fprintf(out, "%s %zu - %s: ", bad ? "not ok" : "ok", i + 1, r->check->id);
        tap_desc(out, f->message);
        if (r->status == MR_SKIP) {
            fputs(" # SKIP ", out);
            tap_desc(out, f->message);
        }
        fputc('\n', out);
        if (r->status == MR_PASS || r->status == MR_SKIP)
            continue;
        fputs("  ---\n", out);
        tap_yaml(out, "status", mr_status_name(r->status));
        tap_yaml(out, "message", f->message);
        if (f->remedy)
            tap_yaml(out, "remedy", f->remedy);
        if (f->file)
            tap_yaml(out, "file", f->file);
        if (f->file && f->line > 0)
            fprintf(out, "  line: %d\n", f->line);
        fputs("  ...\n", out);
    }
    return 0;
}

/* A label value as the exposition format wants it: backslash, double quote
 * and newline escaped; anything else goes through as UTF-8. */
static void prom_label(FILE *out, const char *name, const char *val)
{
    fprintf(out, "%s=\"", name);
    for (const char *p = val; *p; p++) {
        if (*p == '\\' || *p == '"')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void prom_head(FILE *out, const char *name, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* node_exporter's textfile collector: one gauge per check and status (1 for
 * the check's status, 0 for the others, so that an alert on a status has a
 * series to compare with), the counts, readiness and when the run was. */
static int render_prometheus(FILE *out, const struct mr_run *run, const struct mr_render_opts *o)
{
    prom_head(out, "migready_check_status",
              "Status of a migready check: 1 for the status it has, 0 for the others.");
    for (size_t i = 0; i < run->n; i++)
        for (int s = 0; s < _MR_STATUS_LAST; s++) {
            fputs("migready_check_status{", out);
            prom_label(out, "check", run->results[i].check->id);
            fputc(',', out);
            prom_label(out, "status", mr_status_name((enum mr_status)s));
            fprintf(out, "} %d\n", run->results[i].status == (enum mr_status)s);
        }
    prom_head(out, "migready_checks", "Number of checks of the run with each status.");
    for (int s = 0; s < _MR_STATUS_LAST; s++) {
        fputs("migready_checks{", out);
        prom_label(out, "status", mr_status_name((enum mr_status)s));
        fprintf(out, "} %u\n", run->counts[s]);
    }
    prom_head(out, "migready_ready",
              "1 when the host is ready for live migration, 0 when not or undecided.");
    fprintf(out, "migready_ready %d\n", mr_run_ready(run));
    double started = o->started, duration = o->duration;
    if (started <= 0) {
        started = (double)time(NULL);
        for (size_t i = 0; i < run->n; i++)
            duration += run->results[i].seconds;
    }
    prom_head(out, "migready_run_timestamp_seconds", "When the run started, in Unix time.");
    fprintf(out, "migready_run_timestamp_seconds %.3f\n", started);
    prom_head(out, "migready_run_duration_seconds", "How long the run took.");
    fprintf(out, "migready_run_duration_seconds %.6f\n", duration);
    return 0;
}

int mr_render(FILE *out, const struct mr_ctx *ctx, const struct mr_run *run,
              const struct mr_render_opts *o)
{
    switch (o->format) {
    case MR_FORMAT_TEXT:
        return render_text(out, ctx, run, o);
    case MR_FORMAT_JSON:
        return render_json(out, ctx, run, o);
    case MR_FORMAT_JUNIT:
        return render_junit(out, run);
    case MR_FORMAT_TAP:
        return render_tap(out, run);
    case MR_FORMAT_PROMETHEUS:
        return render_prometheus(out, run, o);
    default:
        return -EINVAL;
    }
}

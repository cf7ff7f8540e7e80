/* Memory, string and result helpers shared by the whole tool. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include <time.h>
#include <sys/random.h>
#include <sys/wait.h>

#include "migready.h"

static const char *const status_names[] = {
    [MR_PASS] = "pass", [MR_WARN] = "warn",   [MR_FAIL] = "fail",
    [MR_SKIP] = "skip", [MR_ERROR] = "error", [MR_FIXED] = "fixed",
};
static const char *const status_labels[] = {
    [MR_PASS] = "PASS", [MR_WARN] = "WARN",   [MR_FAIL] = "FAIL",
    [MR_SKIP] = "SKIP", [MR_ERROR] = "ERROR", [MR_FIXED] = "FIXED",
};
static const int status_ranks[] = {
    [MR_SKIP] = 0, [MR_PASS] = 1, [MR_FIXED] = 2, [MR_WARN] = 3, [MR_FAIL] = 4, [MR_ERROR] = 5,
};
_Static_assert(MR_ARRAY_SIZE(status_names) == _MR_STATUS_LAST, "status names");
_Static_assert(MR_ARRAY_SIZE(status_labels) == _MR_STATUS_LAST, "status labels");
_Static_assert(MR_ARRAY_SIZE(status_ranks) == _MR_STATUS_LAST, "status ranks");

const char *mr_status_name(enum mr_status s)
{
    return (unsigned)s < _MR_STATUS_LAST ? status_names[s] : "invalid";
}

const char *mr_status_label(enum mr_status s)
{
    return (unsigned)s < _MR_STATUS_LAST ? status_labels[s] : "INVALID";
}

int mr_status_rank(enum mr_status s)
{
    return (unsigned)s < _MR_STATUS_LAST ? status_ranks[s] : -1;
}

static void oom(void)
{
    fputs("migready: out of memory\n", stderr);
    abort();
}

void *mr_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *mr_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *mr_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *mr_xstrdup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        oom();
    return d;
}

char *mr_xstrndup(const char *s, size_t n)
{
    char *d = strndup(s, n);
    if (!d)
        oom();
    return d;
}

char *mr_xvasprintf(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        oom();
    return s;
}

char *mr_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = mr_xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void mr_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

size_t mr_strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

void mr_strv_push(char ***v, const char *s)
{
    size_t n = mr_strv_len(*v);
    *v = mr_xrealloc(*v, (n + 2) * sizeof(char *));
    (*v)[n] = mr_xstrdup(s);
    (*v)[n + 1] = NULL;
}

bool mr_strv_contains(char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

char *mr_strv_join(char *const *v, const char *sep)
{
    size_t len = 1, n = mr_strv_len(v), lsep = strlen(sep);
    for (size_t i = 0; i < n; i++)
        len += strlen(v[i]) + (i ? lsep : 0);
    char *s = mr_xmalloc(len), *p = s;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            memcpy(p, sep, lsep);
            p += lsep;
        }
        size_t l = strlen(v[i]);
        memcpy(p, v[i], l);
        p += l;
    }
    *p = '\0';
    return s;
}

long long mr_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double mr_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char **mr_split_list(const char *s)
{
    char **v = mr_xcalloc(1, sizeof(char *));
    if (!s)
        return v;
    const char *p = s;
    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && *p != ',' && !isspace((unsigned char)*p))
            p++;
        if (p > start) {
            char *item = mr_xstrndup(start, (size_t)(p - start));
            mr_strv_push(&v, item);
            free(item);
        }
    }
    return v;
}

char *mr_text_to_lf(const char *text, enum mr_eol *ret_eol)
{
    size_t n = strlen(text), lf = 0, crlf = 0, o = 0;
    char *out = mr_xcalloc(1, n + 1);
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '\r' && text[i + 1] == '\n') {
            crlf++;
            continue;
        }
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
            lf++;
        out[o++] = text[i];
    }
    if (ret_eol)
        *ret_eol = crlf == 0 ? MR_EOL_LF : lf == 0 ? MR_EOL_CRLF : MR_EOL_MIXED;
    return out;
}

char *mr_text_to_crlf(const char *text)
{
    size_t n = strlen(text), lines = 0, o = 0;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    char *out = mr_xcalloc(1, n + lines + 1);
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '\n')
            out[o++] = '\r';
        out[o++] = text[i];
    }
    return out;
}

char *mr_strip(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

int mr_parse_bool(const char *s, bool *ret)
{
    static const char *const yes[] = {"1", "true", "yes", "on", "y", "t"};
    static const char *const no[] = {"0", "false", "no", "off", "n", "f"};
    if (!s)
        return -EINVAL;
    for (size_t i = 0; i < MR_ARRAY_SIZE(yes); i++)
        if (strcasecmp(s, yes[i]) == 0) {
            *ret = true;
            return 0;
        }
    for (size_t i = 0; i < MR_ARRAY_SIZE(no); i++)
        if (strcasecmp(s, no[i]) == 0) {
            *ret = false;
            return 0;
        }
    return -EINVAL;
}

int mr_parse_long(const char *s, long *ret)
{
    if (!s || !*s)
        return -EINVAL;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno == ERANGE)
        return -ERANGE;
    while (isspace((unsigned char)*end))
        end++;
    if (end == s || *end)
        return -EINVAL;
    *ret = v;
    return 0;
}

struct mr_finding *mr_vreport(struct mr_result *res, enum mr_status st, const char *fmt, va_list ap)
{
    res->findings = mr_xrealloc(res->findings, (res->n_findings + 1) * sizeof(*res->findings));
    struct mr_finding *f = &res->findings[res->n_findings];
    *f = (struct mr_finding){.status = st, .message = mr_xvasprintf(fmt, ap)};
    if (res->n_findings == 0 || mr_status_rank(st) > mr_status_rank(res->status)) {
        res->status = st;
        res->primary = res->n_findings;
    }
    res->n_findings++;
    return f;
}

struct mr_finding *mr_report(struct mr_result *res, enum mr_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct mr_finding *f = mr_vreport(res, st, fmt, ap);
    va_end(ap);
    return f;
}

void mr_finding_at(struct mr_finding *f, const char *file, int line)
{
    free(f->file);
    f->file = mr_xstrdup(file);
    f->line = line;
}

void mr_finding_remedy(struct mr_finding *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    free(f->remedy);
    f->remedy = mr_xvasprintf(fmt, ap);
    va_end(ap);
}

static void set_str(char **field, const char *s)
{
    free(*field);
    *field = s ? mr_xstrdup(s) : NULL;
}

void mr_finding_code(struct mr_finding *f, const char *code)
{
    set_str(&f->code, code);
}

void mr_finding_key(struct mr_finding *f, const char *section, const char *name)
{
    set_str(&f->section, section);
    set_str(&f->key, name);
}

void mr_finding_value(struct mr_finding *f, const char *value)
{
    set_str(&f->value, value);
}

void mr_finding_want(struct mr_finding *f, const char *value)
{
    set_str(&f->want, value);
}

void mr_finding_alias(struct mr_finding *f, const char *section, const char *name)
{
    set_str(&f->alias_section, section);
    set_str(&f->alias_key, name);
}

void mr_finding_also(struct mr_finding *f, const char *section, const char *name,
                     const char *want)
{
    mr_finding_also_in(f, NULL, section, name, want);
}

void mr_finding_also_in(struct mr_finding *f, const char *file, const char *section,
                        const char *name, const char *want)
{
    f->also = mr_xrealloc(f->also, (f->n_also + 1) * sizeof(*f->also));
    f->also[f->n_also++] = (struct mr_edit){
        .file = file ? mr_xstrdup(file) : NULL,
        .section = section ? mr_xstrdup(section) : NULL,
        .key = name ? mr_xstrdup(name) : NULL,
        .want = want ? mr_xstrdup(want) : NULL,
    };
}

const struct mr_edit *mr_finding_edit(const struct mr_finding *f, size_t i, struct mr_edit *buf)
{
    if (f->key) {
        if (i == 0) {
            *buf = (struct mr_edit){.section = f->section, .key = f->key, .want = f->want};
            return buf;
        }
        i--;
    }
    return i < f->n_also ? &f->also[i] : NULL;
}

bool mr_result_sets(const struct mr_result *res, size_t upto, const char *key)
{
    for (size_t i = 0; i < upto && i < res->n_findings; i++) {
        struct mr_edit buf;
        const struct mr_edit *ed;
        for (size_t k = 0; mr_finding_is(&res->findings[i], NULL) &&
                           (ed = mr_finding_edit(&res->findings[i], k, &buf));
             k++)
            if (ed->want && strcmp(ed->key, key) == 0)
                return true;
    }
    return false;
}

bool mr_finding_is(const struct mr_finding *f, const char *code)
{
    return f->status == MR_FAIL && f->code && (!code || strcmp(f->code, code) == 0);
}

bool mr_result_has(const struct mr_result *res, const char *code)
{
    for (size_t i = 0; i < res->n_findings; i++)
        if (mr_finding_is(&res->findings[i], code))
            return true;
    return false;
}

const struct mr_finding *mr_result_primary(const struct mr_result *res)
{
    return res->n_findings ? &res->findings[res->primary] : NULL;
}

void mr_result_clear(struct mr_result *res)
{
    for (size_t i = 0; i < res->n_findings; i++) {
        free(res->findings[i].message);
        free(res->findings[i].remedy);
        free(res->findings[i].file);
        free(res->findings[i].code);
        free(res->findings[i].section);
        free(res->findings[i].key);
        free(res->findings[i].value);
        free(res->findings[i].want);
        free(res->findings[i].alias_section);
        free(res->findings[i].alias_key);
        for (size_t k = 0; k < res->findings[i].n_also; k++) {
            free(res->findings[i].also[k].file);
            free(res->findings[i].also[k].section);
            free(res->findings[i].also[k].key);
            free(res->findings[i].also[k].want);
        }
        free(res->findings[i].also);
    }
    free(res->findings);
    res->findings = NULL;
    res->n_findings = 0;
    res->primary = 0;
}

char *mr_shell_quote(const char *s)
{
    size_t n = 3;
    for (const char *c = s; *c; c++)
        n += *c == '\'' ? 4 : 1;
    char *q = mr_xmalloc(n), *o = q;
    *o++ = '\'';
    for (const char *c = s; *c; c++) {
        if (*c == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *c;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return q;
}

size_t mr_utf8_printable(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x20 || u[0] == 0x7f)
        return 0;
    if (u[0] < 0x80)
        return 1;
    size_t len;
    unsigned min, cp;
    if ((u[0] & 0xe0) == 0xc0)
        len = 2, min = 0x80, cp = u[0] & 0x1fu;
    else if ((u[0] & 0xf0) == 0xe0)
        len = 3, min = 0x800, cp = u[0] & 0x0fu;
    else if ((u[0] & 0xf8) == 0xf0)
        len = 4, min = 0x10000, cp = u[0] & 0x07u;
    else
        return 0;
    /* A NUL ends the string before a continuation byte would: no overread. */
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (u[i] & 0x3fu);
    }
    /* Overlong forms, surrogates, beyond Unicode, and the C1 controls
     * (U+0080..U+009F: U+009B is a CSI to a terminal that honours C1). */
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f)
        return 0;
    return len;
}

char *mr_random_hex8(void)
{
    unsigned char b[4] = {0};
    if (getrandom(b, sizeof(b), GRND_NONBLOCK) != (ssize_t)sizeof(b)) {
        /* Too early in boot for the pool: names need only differ between runs. */
        unsigned v = (unsigned)getpid() ^ (unsigned)time(NULL);
        memcpy(b, &v, sizeof(b));
    }
    return mr_xasprintf("%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
}

void mr_human_bytes(char *buf, size_t n, unsigned long long b)
{
    if (b < 1024)
        snprintf(buf, n, "%llu B", b);
    else if (b < 1024ull * 1024)
        snprintf(buf, n, "%.1f KiB", (double)b / 1024);
    else if (b < 1024ull * 1024 * 1024)
        snprintf(buf, n, "%.1f MiB", (double)b / (1024.0 * 1024));
    else
        snprintf(buf, n, "%.2f GiB", (double)b / (1024.0 * 1024 * 1024));
}

char *mr_cescape(const char *s, const char *keep)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *out = mr_xmalloc(4 * n + 1), *o = out;
    for (const char *p = s; *p;) {
        size_t l = mr_utf8_printable(p);
        if (l) {
            memcpy(o, p, l);
            o += l, p += l;
            continue;
        }
        unsigned char c = (unsigned char)*p++;
        const char *e = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
        if (keep && strchr(keep, c)) {
            *o++ = (char)c;
        } else if (e) {
            memcpy(o, e, 2);
            o += 2;
        } else {
            o += sprintf(o, "\\x%02x", c);
        }
    }
    *o = '\0';
    return out;
}

char **mr_split_fields(const char *s, char sep)
{
    char **v = mr_xcalloc(1, sizeof(char *));
    for (const char *p = s;;) {
        const char *end = strchr(p, sep);
        char *field = mr_xstrndup(p, end ? (size_t)(end - p) : strlen(p));
        mr_strv_push(&v, field);
        free(field);
        if (!end)
            return v;
        p = end + 1;
    }
}

long mr_read_by(int fd, void *buf, size_t n, long long deadline)
{
    for (;;) {
        long long left = deadline - mr_now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int k = poll(&p, 1, left > 0x7fffffff ? 0x7fffffff : (int)left);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -errno;
        if (k == 0)
            return -ETIMEDOUT;
        ssize_t got = read(fd, buf, n);
        if (got < 0 && errno == EINTR)
            continue;
        return got < 0 ? -errno : (long)got;
    }
}

int mr_child_records(void (*job)(int fd, const void *arg), const void *arg, void *last,
                     size_t size, long long deadline)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -errno;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = -errno;
        close(pipefd[0]);
        close(pipefd[1]);
        return e;
    }
    if (pid == 0) {
        close(pipefd[0]);
        signal(SIGPIPE, SIG_IGN);
        job(pipefd[1], arg);
        _exit(0);
    }
    close(pipefd[1]);
    /* A record may come in pieces; only whole ones count. */
    char *got = mr_xmalloc(size);
    size_t have = 0;
    bool timed_out = false;
    for (;;) {
        long k = mr_read_by(pipefd[0], got + have, size - have, deadline);
        if (k == -ETIMEDOUT)
            timed_out = true;
        if (k <= 0)
            break;
        have += (size_t)k;
        if (have == size) {
            memcpy(last, got, size);
            have = 0;
        }
    }
    free(got);
    close(pipefd[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return timed_out ? 1 : 0;
}

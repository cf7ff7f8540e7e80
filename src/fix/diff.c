/* A unified line diff (Myers' O(ND) algorithm), for `fix --dry-run` and the
 * question before `fix` writes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fix.h"

/* Beyond this many differing lines the whole file is shown as replaced:
 * the trace grows with the square of the distance. */
#define MAX_D 4000
#define CONTEXT 3

struct lines {
    const char **s;
    size_t *len; /* newline included when there is one */
    size_t n;
};

static void split(const char *text, struct lines *l)
{
    *l = (struct lines){0};
    if (!text)
        return;
    size_t cap = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (l->n == cap) {
            cap = cap ? cap * 2 : 64;
            l->s = mr_xrealloc(l->s, cap * sizeof(*l->s));
            l->len = mr_xrealloc(l->len, cap * sizeof(*l->len));
        }
        l->s[l->n] = p;
        l->len[l->n++] = len;
        p += len;
    }
}

static bool same(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
    return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

enum op { OP_EQ, OP_DEL, OP_INS };
struct edit {
    enum op op;
    size_t a, b; /* line indexes in a (EQ, DEL) and b (EQ, INS) */
};

struct script {
    struct edit *e;
    size_t n, cap;
};

static void push(struct script *s, enum op op, size_t a, size_t b)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->e = mr_xrealloc(s->e, s->cap * sizeof(*s->e));
    }
    s->e[s->n++] = (struct edit){op, a, b};
}

/* Edits turning a[lo_a, hi_a) into b[lo_b, hi_b), appended to S in order. */
static void myers(const struct lines *a, size_t lo_a, size_t hi_a, const struct lines *b,
                  size_t lo_b, size_t hi_b, struct script *s)
{
    long n = (long)(hi_a - lo_a), m = (long)(hi_b - lo_b);
    long max = n + m;
    if (max == 0)
        return;
    long *v = mr_xcalloc((size_t)(2 * max + 3), sizeof(long));
    long **trace = mr_xcalloc((size_t)(max + 1), sizeof(long *));
    long off = max + 1, d, found = -1;
    for (d = 0; d <= max && d <= MAX_D && found < 0; d++) {
        trace[d] = mr_xmalloc((size_t)(2 * d + 1) * sizeof(long));
        memcpy(trace[d], &v[off - d], (size_t)(2 * d + 1) * sizeof(long));
        for (long k = -d; k <= d; k += 2) {
            long x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1]
                                                                               : v[off + k - 1] + 1;
            long y = x - k;
            while (x < n && y < m && same(a, lo_a + (size_t)x, b, lo_b + (size_t)y))
                x++, y++;
            v[off + k] = x;
            if (x >= n && y >= m) {
                found = d;
                break;
            }
        }
    }
    size_t start = s->n;
    if (found < 0) {
        /* Too different: everything out, everything in. */
        for (long i = m - 1; i >= 0; i--)
            push(s, OP_INS, lo_a + (size_t)n, lo_b + (size_t)i);
        for (long i = n - 1; i >= 0; i--)
            push(s, OP_DEL, lo_a + (size_t)i, lo_b);
    } else {
        long x = n, y = m;
        for (d = found; d >= 0; d--) {
            const long *tv = trace[d]; /* V before step d, index k + d */
            long k = x - y, pk, px, py;
            if (d == 0) {
                pk = 0, px = 0, py = 0;
            } else {
                bool down = k == -d || (k != d && tv[k - 1 + d] < tv[k + 1 + d]);
                pk = down ? k + 1 : k - 1;
                px = tv[pk + d];
                py = px - pk;
            }
            while (x > px && y > py) {
                x--, y--;
                push(s, OP_EQ, lo_a + (size_t)x, lo_b + (size_t)y);
            }
            if (d > 0) {
                if (x == px)
                    push(s, OP_INS, lo_a + (size_t)px, lo_b + (size_t)py);
                else
                    push(s, OP_DEL, lo_a + (size_t)px, lo_b + (size_t)py);
            }
            x = px, y = py;
        }
    }
    /* Collected backwards. */
    for (size_t i = start, j = s->n - 1; i < j; i++, j--) {
        struct edit t = s->e[i];
        s->e[i] = s->e[j];
        s->e[j] = t;
    }
    for (long i = 0; i <= max && i <= MAX_D; i++)
        free(trace[i]);
    free(trace);
    free(v);
}

struct buf {
    char *s;
    size_t n, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = mr_xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_line(struct buf *b, char sign, const struct lines *l, size_t i)
{
    put(b, &sign, 1);
    put(b, l->s[i], l->len[i]);
    if (l->len[i] == 0 || l->s[i][l->len[i] - 1] != '\n')
        puts_(b, "\n\\ No newline at end of file\n");
}

char *mr_diff_unified(const char *label_a, const char *a, const char *label_b, const char *b)
{
    struct lines la, lb;
    if ((!a && !b) || (a && b && strcmp(a, b) == 0))
        return NULL;
    split(a, &la);
    split(b, &lb);
    struct script s = {0};
    /* Common head and tail first: most edits touch a few lines of a big file. */
    size_t head = 0, tail = 0;
    while (head < la.n && head < lb.n && same(&la, head, &lb, head))
        head++;
    while (tail < la.n - head && tail < lb.n - head &&
           same(&la, la.n - 1 - tail, &lb, lb.n - 1 - tail))
        tail++;
    for (size_t i = 0; i < head; i++)
        push(&s, OP_EQ, i, i);
    myers(&la, head, la.n - tail, &lb, head, lb.n - tail, &s);
    for (size_t i = tail; i > 0; i--)
        push(&s, OP_EQ, la.n - i, lb.n - i);

    struct buf out = {0};
    char *hdr = mr_xasprintf("--- %s\n+++ %s\n", a ? label_a : "/dev/null",
                             b ? label_b : "/dev/null");
    puts_(&out, hdr);
    free(hdr);
    size_t i = 0;
    while (i < s.n) {
        while (i < s.n && s.e[i].op == OP_EQ)
            i++;
        if (i == s.n)
            break;
        /* A hunk: CONTEXT lines before, and on until CONTEXT * 2 equal lines. */
        size_t from = i > CONTEXT ? i - CONTEXT : 0, to = i;
        for (size_t eq = 0; to < s.n; to++) {
            eq = s.e[to].op == OP_EQ ? eq + 1 : 0;
            if (eq > 2 * CONTEXT)
                break;
        }
        /* Drop the trailing equal lines beyond CONTEXT. */
        size_t end = to;
        size_t trail = 0;
        while (end > from && s.e[end - 1].op == OP_EQ) {
            end--;
            trail++;
        }
        end += trail < CONTEXT ? trail : CONTEXT;
        size_t na = 0, nb = 0;
        for (size_t k = from; k < end; k++) {
            na += s.e[k].op != OP_INS;
            nb += s.e[k].op != OP_DEL;
        }
        size_t sa = s.e[from].a, sb = s.e[from].b;
        char *h = mr_xasprintf("@@ -%zu,%zu +%zu,%zu @@\n", na ? sa + 1 : sa, na,
                               nb ? sb + 1 : sb, nb);
        puts_(&out, h);
        free(h);
        for (size_t k = from; k < end; k++) {
            const struct edit *e = &s.e[k];
            if (e->op == OP_EQ)
                put_line(&out, ' ', &la, e->a);
            else if (e->op == OP_DEL)
                put_line(&out, '-', &la, e->a);
            else
                put_line(&out, '+', &lb, e->b);
        }
        i = end;
    }
    free(s.e);
    free(la.s);
    free(la.len);
    free(lb.s);
    free(lb.len);
    return out.s;
}

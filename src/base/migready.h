/* migready: the types shared by the harness, the checks and the tests. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MR_PRINTF(f, a) __attribute__((format(printf, f, a)))

enum mr_status {
    MR_PASS,
    MR_WARN,
    MR_FAIL,
    MR_SKIP,
    MR_ERROR,
    MR_FIXED,
    _MR_STATUS_LAST,
};

/* "pass", "warn", ... as in JSON; upper case for text. */
const char *mr_status_name(enum mr_status s);
const char *mr_status_label(enum mr_status s);
/* Order of severity, used to pick the status of a check from its findings. */
int mr_status_rank(enum mr_status s);

/* What a check needs beyond the files under the root; the harness turns a
 * missing need into a skip with the reason, checks never test for it. */
enum {
    MR_NEED_LIVE = 1u << 0,    /* the running host, not a --root copy */
    MR_NEED_LIBVIRT = 1u << 1, /* a connection to the local libvirt */
    MR_NEED_PEERS = 1u << 2,   /* at least one peer */
    MR_NEED_NET = 1u << 3,     /* network traffic to other hosts */
};

struct mr_ctx;
struct mr_result;

struct mr_check {
    const char *id;
    const char *title;
    unsigned needs;
    /* Runs only when an active profile enables it (e.g. nfs.exports with nfs-server). */
    bool optional;
    /* Negative only when the checker itself broke; what is wrong with the
     * host is reported through mr_report(). */
    int (*run)(const struct mr_ctx *ctx, struct mr_result *res);
};

/* A further setting that the fix of a finding changes (see mr_finding_also). */
struct mr_edit {
    char *file;    /* NULL: the finding's file (or the fixer's default) */
    char *section; /* NULL when the file has none */
    char *key;
    char *want;
};

struct mr_finding {
    enum mr_status status;
    char *message;
    char *remedy; /* NULL when there is nothing to do */
    char *file;   /* as seen inside the root, NULL when the finding has no place */
    int line;     /* 0 when unknown */
    /* What the check found, as data for its fixer: the fixer edits exactly
     * this instead of judging the host again. Never rendered. */
    char *code;    /* the kind of finding (the check's own words), NULL: nothing to act on */
    char *section; /* the setting: its section (NULL when the file has none) and name */
    char *key;
    char *value;   /* the value found, NULL when unset */
    char *want;    /* the value that passes, NULL when the check knows none */
    char *alias_section; /* the deprecated name that set the value, NULL when none */
    char *alias_key;
    /* Further settings the same fix must change, in order: one finding
     * whose fix is several edits (an inverted range: both ends) stays one
     * line of output. */
    struct mr_edit *also;
    size_t n_also;
};

struct mr_row;

struct mr_result {
    const struct mr_check *check;
    const struct mr_row *row; /* the registry row the check came from (src/core/engine.h) */
    enum mr_status status;
    struct mr_finding *findings;
    size_t n_findings;
    size_t primary; /* index of the finding shown as the check's message */
    double seconds; /* time the check took */
};

/* Record a finding; the check's status is the worst among its findings.
 * Returns the finding so that a place and a remedy can be attached. */
struct mr_finding *mr_report(struct mr_result *res, enum mr_status st, const char *fmt, ...)
    MR_PRINTF(3, 4);
struct mr_finding *mr_vreport(struct mr_result *res, enum mr_status st, const char *fmt, va_list ap)
    MR_PRINTF(3, 0);
void mr_finding_at(struct mr_finding *f, const char *file, int line);
void mr_finding_remedy(struct mr_finding *f, const char *fmt, ...) MR_PRINTF(2, 3);
/* The data a fixer acts on (see struct mr_finding); each copies its strings
 * and accepts NULL. */
void mr_finding_code(struct mr_finding *f, const char *code);
void mr_finding_key(struct mr_finding *f, const char *section, const char *name);
void mr_finding_value(struct mr_finding *f, const char *value);
void mr_finding_want(struct mr_finding *f, const char *value);
void mr_finding_alias(struct mr_finding *f, const char *section, const char *name);
void mr_finding_also(struct mr_finding *f, const char *section, const char *name,
                     const char *want);
/* The same, for a setting in FILE rather than in the finding's file (which
 * is where the finding is shown: the setting that decides may sit elsewhere). */
void mr_finding_also_in(struct mr_finding *f, const char *file, const char *section,
                        const char *name, const char *want);
/* The I-th setting a fix of F changes: F's own key (when it has one), then
 * those of mr_finding_also. NULL past the last; the strings are F's. */
const struct mr_edit *mr_finding_edit(const struct mr_finding *f, size_t i, struct mr_edit *buf);
/* Whether a fail with data before findings[UPTO] of RES wants KEY set: the
 * findings about one setting carry the same value, set once. */
bool mr_result_sets(const struct mr_result *res, size_t upto, const char *key);
/* Whether F is a fail of kind CODE (NULL: any kind with data). */
bool mr_finding_is(const struct mr_finding *f, const char *code);
/* Whether RES has a fail of kind CODE (NULL: any kind with data). */
bool mr_result_has(const struct mr_result *res, const char *code);
const struct mr_finding *mr_result_primary(const struct mr_result *res);
void mr_result_clear(struct mr_result *res);

/* Memory: the tool aborts with a message when memory runs out. */
void *mr_xmalloc(size_t n);
void *mr_xcalloc(size_t n, size_t size);
void *mr_xrealloc(void *p, size_t n);
char *mr_xstrdup(const char *s);
char *mr_xstrndup(const char *s, size_t n);
char *mr_xasprintf(const char *fmt, ...) MR_PRINTF(1, 2);
char *mr_xvasprintf(const char *fmt, va_list ap) MR_PRINTF(1, 0);
void mr_strv_free(char **v);
size_t mr_strv_len(char *const *v);
void mr_strv_push(char ***v, const char *s);
/* Split "a, b,c" on commas and blanks into a NULL-terminated vector. */
char **mr_split_list(const char *s);
bool mr_strv_contains(char *const *v, const char *s);
/* Split S at every SEP, empty fields kept ("a::b" gives a, "", b), as
 * passwd(5) and group(5) lines are read. */
char **mr_split_fields(const char *s, char sep);
/* V's strings with SEP between them; "" for an empty or NULL V (caller frees). */
char *mr_strv_join(char *const *v, const char *sep);
char *mr_strip(char *s);
/* Line ends of a text: MR_EOL_LF (none is CRLF), MR_EOL_CRLF (every one is),
 * MR_EOL_MIXED. */
enum mr_eol { MR_EOL_LF, MR_EOL_CRLF, MR_EOL_MIXED };
/* TEXT with each CR before a LF removed (caller frees); *ret_eol (may be
 * NULL) says what TEXT had. For files whose program reads CRLF (libvirt). */
char *mr_text_to_lf(const char *text, enum mr_eol *ret_eol);
/* TEXT with a CR before each LF (caller frees): mr_text_to_lf undone. */
char *mr_text_to_crlf(const char *text);
/* S in single quotes for a POSIX shell: 'a'\\''b' (caller frees). */
char *mr_shell_quote(const char *s);
/* Length of the printable UTF-8 character at S; 0 when S starts with a
 * control (below 0x20, 0x7f, U+0080..U+009F) or a byte that is not UTF-8. */
size_t mr_utf8_printable(const char *s);
/* S for display in text output: controls and bytes that are not UTF-8
 * become C escapes (\n, \t, \r, \xNN), as systemd's cescape() and git's
 * quote_c_style() show file names, so a newline cannot start a forged line
 * and an escape sequence cannot reach the terminal. Controls in KEEP (NULL:
 * none) stay. Backslashes stay too: this is for reading, not to be undone.
 * NULL for NULL; caller frees. */
char *mr_cescape(const char *s, const char *keep);
/* Eight random hex digits, for names of things a run creates and later
 * removes (probe domains, images). Caller frees. */
char *mr_random_hex8(void);
/* B bytes for people, into BUF of N: "512 B", "1.5 KiB", "32.0 MiB", "1.25 GiB". */
void mr_human_bytes(char *buf, size_t n, unsigned long long b);
/* Parse booleans the way oslo.config and libvirt do: true/false, yes/no, on/off, 1/0. */
int mr_parse_bool(const char *s, bool *ret);
int mr_parse_long(const char *s, long *ret);
/* Reads at most N bytes from FD into BUF, waiting until DEADLINE (on
 * mr_now_ms()'s clock) for them to come; EINTR is retried. The bytes read,
 * 0 at end of file, -ETIMEDOUT when the deadline passed first, else a
 * negative errno. */
long mr_read_by(int fd, void *buf, size_t n, long long deadline);
/* Runs JOB(FD, ARG) in a child process that reports its progress on FD in
 * records of SIZE bytes, and waits for it until DEADLINE (mr_now_ms()'s
 * clock), when it is killed: a library that hangs cannot hang us. LAST gets
 * the last whole record (untouched when none came). Returns 1 when the
 * deadline passed, 0 when the child ended first, a negative errno when it
 * could not be started. */
int mr_child_records(void (*job)(int fd, const void *arg), const void *arg, void *last,
                     size_t size, long long deadline);
/* Milliseconds on the monotonic clock: for deadlines and durations, which
 * must not jump when the wall clock is set. */
long long mr_now_ms(void);
/* The same clock in seconds, to the microsecond: how long a check took. */
double mr_now_s(void);

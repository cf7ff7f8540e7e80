/* The command line: a table of commands, each with the groups of options it
 * takes; src/cli/cliopts.c parses them and prints their help. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "ctx.h"
#include "engine.h"
#include "facts.h"
#include "fleet.h"
#include "fleetfacts.h"
#include "fix.h"
#include "image.h"
#include "migrate.h"
#include "ops-live.h"
#include "ops.h"
#include "profile.h"
#include "registry.h"
#include "render.h"
#include "rootfs.h"

struct mr_cli_opts {
    const char *root;
    char **images;      /* --image, in order: the disks of one machine */
    char *image_label;  /* how the outputs name the root under --image */
    char *const *image_notes;
    const char *config;
    char **profiles;
    struct mr_select sel;
    enum mr_format format;
    bool strict;
    bool no_color;
    int verbosity;
    bool dry_run, no_backup, yes, restart, no_wait; /* fix */
    char **peers; /* --peer, in order */
    bool migrate; /* check --migrate */
    bool block;   /* migrate-test --block */
    bool native_tls; /* migrate-test --native-tls */
    const char *transport;
    long timeout;
    const char *output; /* check --output, fleet --output */
    char **paths;       /* fleet: the facts documents and folders */
    double started;     /* wall clock when the command started, for --format prometheus */
    double started_mono;
};

static int usage_error(const char *cmd, const char *fmt, ...) MR_PRINTF(2, 3);

/* git's style: the word quoted, lower case, no full stop; then where to look. */
static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "migready: %s%s", cmd ? cmd : "", cmd ? ": " : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'migready%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
    va_end(ap);
    return 2;
}

static bool want_color(const struct mr_cli_opts *o)
{
    if (o->no_color || o->format != MR_FORMAT_TEXT)
        return false;
    const char *nc = getenv("NO_COLOR");
    if (nc && *nc)
        return false;
    const char *term = getenv("TERM");
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return isatty(STDOUT_FILENO);
}

/* The one place a context is made. */
static int build_ctx(struct mr_cli_opts *o, struct mr_ctx **ret)
{
    char *msg = NULL;
    int r = mr_ctx_new(o->root, (const char *const *)o->profiles, o->config, &mr_ops_live, ret,
                       &msg);
    if (r >= 0 && (r = mr_registry_validate_profiles((*ret)->profiles, &msg)) < 0) {
        mr_ctx_free(*ret);
        *ret = NULL;
    }
    if (r < 0) {
        fprintf(stderr, "migready: %s\n", msg ? msg : strerror(-r));
        free(msg);
        return 2;
    }
    if (o->image_label) {
        /* The mount point is ours and temporary: the image is the root. */
        free((*ret)->root_path);
        (*ret)->root_path = mr_xstrdup(o->image_label);
    }
    return 0;
}

/* The run's peers: --peer first, then the site's peers not named again. */
static void add_peers(struct mr_ctx *ctx, char *const *extra)
{
    if (!extra || !extra[0])
        return;
    char **v = mr_xcalloc(1, sizeof(char *));
    for (size_t i = 0; extra[i]; i++)
        if (!mr_strv_contains(v, extra[i]))
            mr_strv_push(&v, extra[i]);
    for (size_t i = 0; ctx->peers && ctx->peers[i]; i++)
        if (!mr_strv_contains(v, ctx->peers[i]))
            mr_strv_push(&v, ctx->peers[i]);
    mr_strv_free(ctx->peers);
    ctx->peers = v;
}

/* --only/--skip validated, then the context: 0, or the exit code. */
static int selected_ctx(const char *cmd, struct mr_cli_opts *o, struct mr_ctx **ret)
{
    char *msg = NULL;
    if (mr_select_validate(&o->sel, &msg) < 0) {
        int r = usage_error(cmd, "%s", msg);
        free(msg);
        return r;
    }
    return build_ctx(o, ret);
}

static int flush_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("migready: writing output");
        return 2;
    }
    return 0;
}

static double clock_now(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --output FILE: the run goes to a temporary file beside FILE, renamed over
 * it (mr_root_write_atomic, the folder as the root), so that a reader such
 * as node_exporter's textfile collector never sees half a run. Mode 0644:
 * that reader is another user. */
static int write_output(const char *file, const char *data, size_t len)
{
    const char *slash = strrchr(file, '/');
    const char *base = slash ? slash + 1 : file;
    char *dir = slash ? mr_xasprintf("%.*s", (int)(slash - file), file) : mr_xstrdup(".");
    char *path = mr_xasprintf("/%s", base);
    struct mr_root *root = NULL;
    int r = -EISDIR;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        goto cleanup;
    r = mr_root_open(*dir ? dir : "/", &root);
    if (r >= 0)
        r = mr_root_write_atomic(root, path, data, len, 0644, geteuid(), getegid());

cleanup:
    if (r < 0)
        fprintf(stderr, "migready: cannot write '%s': %s\n", file, strerror(-r));
    mr_root_free(root);
    free(path);
    free(dir);
    return r < 0 ? 2 : 0;
}

/* Prints RUN in the chosen format, frees it and CTX; the exit code. */
static int render_run(struct mr_cli_opts *o, struct mr_ctx *ctx, struct mr_run *run)
{
    struct mr_render_opts ro = {.format = o->format,
                                .color = !o->output && want_color(o),
                                .verbosity = o->verbosity,
                                .started = o->started,
                                .duration = clock_now(CLOCK_MONOTONIC) - o->started_mono,
                                .image = o->image_label,
                                .notes = o->image_notes};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = o->output ? open_memstream(&buf, &len) : stdout;
    if (!out) {
        perror("migready: --output");
        mr_run_free(run);
        mr_ctx_free(ctx);
        return 2;
    }
    mr_render(out, ctx, run, &ro);
    int r = mr_run_exit_code(run);
    if (o->output) {
        if (fclose(out) != 0 || write_output(o->output, buf, len))
            r = 2;
        free(buf);
    } else if (flush_stdout()) {
        r = 2;
    }
    mr_run_free(run);
    mr_ctx_free(ctx);
    return r;
}

static int cmd_check(struct mr_cli_opts *o)
{
    struct mr_ctx *ctx = NULL;
    int r = selected_ctx("check", o, &ctx);
    if (r)
        return r;
    add_peers(ctx, o->peers);
    ctx->migrate = o->migrate;
    return render_run(o, ctx, mr_run_checks(ctx, &o->sel, o->strict));
}

/* The signal that stopped fix, or a run on an --image (0: none); main()
 * raises it again once everything is cleaned up, so that the caller sees a
 * death by that signal. */
static volatile sig_atomic_t fix_signal;

static void on_fix_signal(int sig)
{
    fix_signal = sig;
    mr_image_interrupt();
}

int mr_cli_signal(void)
{
    return fix_signal;
}

/* Repairs what check found (src/fix/fix.h). The diff and the notes about
 * restarts go to standard output with the text format and to standard
 * error with the others, so that JSON, JUnit and TAP stay parseable. */
static int cmd_fix(struct mr_cli_opts *o)
{
    struct mr_ctx *ctx = NULL;
    int r = selected_ctx("fix", o, &ctx);
    if (r)
        return r;
    bool tty = isatty(STDIN_FILENO);
    struct mr_fix_opts fo = {
        .dry_run = o->dry_run,
        .no_backup = o->no_backup,
        .yes = o->yes || !tty,
        .restart = o->restart,
        .diff_out = o->format == MR_FORMAT_TEXT ? stdout : stderr,
        .tty_in = tty ? stdin : NULL,
        .tty_out = stderr,
        .no_wait = o->no_wait,
        .interrupted = &fix_signal,
    };
    /* Without SA_RESTART: the signal also ends a wait for the lock or for
     * the answer to the question. The run then cleans up on its own path. */
    struct sigaction sa = {.sa_handler = on_fix_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    /* Held until the run is rendered: the checks run again under it. A dry
     * run writes nothing, so it neither needs it nor makes the lock file. */
    struct mr_fix_lock *lock = NULL;
    if (!o->dry_run) {
        char *msg = NULL;
        if (mr_fix_lock(ctx, &fo, &lock, &msg) < 0) {
            fprintf(stderr, "migready: fix: %s\n", msg);
            free(msg);
            mr_ctx_free(ctx);
            r = 2;
            goto done;
        }
    }
    struct mr_run *run = mr_fix_run(ctx, mr_rows, mr_n_rows, &o->sel, &fo);
    if (o->format == MR_FORMAT_TEXT)
        fputc('\n', stdout);
    r = render_run(o, ctx, run);
    mr_fix_unlock(lock);

done:
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (fix_signal) {
        fprintf(stderr, "migready: fix: interrupted by %s; what was not yet written is "
                        "unchanged, temporary files removed\n",
                fix_signal == SIGINT ? "SIGINT" : "SIGTERM");
        r = 128 + fix_signal;
    }
    return r;
}

/* What peers compare (src/core/facts.h); JSON is the only format. Under --root
 * the live parts are absent and its "notes" say so. --only and --skip
 * choose no fact, but a typo in them is still a usage error, as in check. */
static int cmd_facts(struct mr_cli_opts *o)
{
    struct mr_ctx *ctx = NULL;
    int r = selected_ctx("facts", o, &ctx);
    if (r)
        return r;
    struct mr_facts *f = NULL;
    r = mr_facts_collect(ctx, &f);
    if (r < 0) {
        fprintf(stderr, "migready: cannot collect this host's facts: %s\n", strerror(-r));
        mr_ctx_free(ctx);
        return 2;
    }
    for (size_t i = 0; o->image_label && o->image_notes[i]; i++)
        mr_strv_push(&f->notes, o->image_notes[i]);
    char *json = mr_facts_to_json(f);
    puts(json);
    free(json);
    mr_facts_free(f);
    mr_ctx_free(ctx);
    return flush_stdout();
}

/* Many hosts' facts compared at once (checks/fleet.h). A document that
 * cannot be read or parsed is bad input: exit 2, naming it. */
static int cmd_fleet(struct mr_cli_opts *o)
{
    struct mr_fleet *fl = NULL;
    char *msg = NULL;
    if (mr_fleet_load(o->paths, &fl, &msg) < 0) {
        fprintf(stderr, "migready: fleet: %s\n", msg);
        free(msg);
        return 2;
    }
    struct mr_run *run = mr_fleet_run(fl, &mr_ops_live, NULL);
    int r = render_run(o, NULL, run);
    mr_fleet_free(fl);
    return r;
}

static const char *const need_names[] = {"live", "libvirt", "peers", "network"};

static json_object *check_to_json(const struct mr_row *row)
{
    const struct mr_check *c = row->check;
    json_object *e = json_object_new_object();
    json_object_object_add(e, "id", json_object_new_string(c->id));
    json_object_object_add(e, "title", json_object_new_string(c->title));
    json_object *needs = json_object_new_array();
    for (size_t b = 0; b < MR_ARRAY_SIZE(need_names); b++)
        if (c->needs & (1u << b))
            json_object_array_add(needs, json_object_new_string(need_names[b]));
    json_object_object_add(e, "needs", needs);
    json_object_object_add(e, "optional", json_object_new_boolean(c->optional));
    json_object_object_add(e, "fixable", json_object_new_boolean(mr_row_fixable(row)));
    return e;
}

static void list_json(void)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < mr_n_rows; i++)
        json_object_array_add(arr, check_to_json(&mr_rows[i]));
    puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(arr);
}

static void list_text(void)
{
    int idw = 0;
    for (size_t i = 0; i < mr_n_rows; i++) {
        int w = (int)strlen(mr_rows[i].check->id);
        idw = w > idw ? w : idw;
    }
    for (size_t i = 0; i < mr_n_rows; i++) {
        const struct mr_check *c = mr_rows[i].check;
        printf("%-*s  %s", idw, c->id, c->title);
        bool first = true;
        for (size_t b = 0; b < MR_ARRAY_SIZE(need_names); b++)
            if (c->needs & (1u << b)) {
                printf("%s%s", first ? " [needs: " : ", ", need_names[b]);
                first = false;
            }
        if (!first)
            putchar(']');
        if (c->optional)
            fputs(" [profile]", stdout);
        putchar('\n');
    }
}

static int cmd_list(struct mr_cli_opts *o)
{
    if (o->format == MR_FORMAT_JSON)
        list_json();
    else
        list_text();
    return fflush(stdout) == 0 ? 0 : 2;
}

/* A real round trip to one peer (src/live/migrate.h); exit 0 only when the probe
 * came back. The table makes --peer required; one peer is this command's. */
static int cmd_migrate_test(struct mr_cli_opts *o)
{
    if (mr_strv_len(o->peers) != 1)
        return usage_error("migrate-test", "give exactly one --peer");
    struct mr_ctx *ctx = NULL;
    int r = build_ctx(o, &ctx);
    if (r)
        return r;
    const char *storage = mr_ctx_value(ctx, "storage");
    struct mr_migrate_opts mo = {
        .peer = o->peers[0],
        .block = o->block || (storage && strcmp(storage, "block") == 0),
        .transport = o->transport,
        .native_tls = o->native_tls,
        .timeout_s = (int)o->timeout,
        .progress = o->verbosity >= 0 && isatty(STDERR_FILENO),
    };
    struct mr_migrate_report rep;
    r = ctx->ops->migrate_test(ctx, &mo, &rep);
    if (o->format == MR_FORMAT_JSON) {
        char *json = mr_migrate_to_json(&rep);
        puts(json);
        free(json);
    } else {
        mr_migrate_print_text(&rep, want_color(o));
    }
    if (flush_stdout())
        r = 2;
    mr_migrate_report_clear(&rep);
    mr_ctx_free(ctx);
    return r;
}

/* Option values that need more than storing. */

static int take_format(void *dest, const struct mr_opt *opt, const char *arg, char **ret_msg)
{
    struct mr_cli_opts *o = dest;
    if (mr_format_parse(arg, &o->format) < 0) {
        *ret_msg = mr_xasprintf("unknown format '%s'", arg);
        return -EINVAL;
    }
    return 0;
}

static int take_peer(void *dest, const struct mr_opt *opt, const char *arg, char **ret_msg)
{
    struct mr_cli_opts *o = dest;
    if (!*arg || arg[0] == '-' || strpbrk(arg, " \t,")) {
        *ret_msg = mr_xasprintf("--peer needs a host name or address, not '%s'", arg);
        return -EINVAL;
    }
    mr_strv_push(&o->peers, arg);
    return 0;
}

static int take_image(void *dest, const struct mr_opt *opt, const char *arg, char **ret_msg)
{
    struct mr_cli_opts *o = dest;
    if (!*arg) {
        *ret_msg = mr_xstrdup("--image needs a disk image file");
        return -EINVAL;
    }
    /* Never split on commas: a file name may hold one. */
    mr_strv_push(&o->images, arg);
    return 0;
}

static int take_timeout(void *dest, const struct mr_opt *opt, const char *arg, char **ret_msg)
{
    struct mr_cli_opts *o = dest;
    if (mr_parse_long(arg, &o->timeout) < 0 || o->timeout < 1 || o->timeout > 86400) {
        *ret_msg = mr_xasprintf("--timeout needs seconds (1 to 86400), not '%s'", arg);
        return -EINVAL;
    }
    return 0;
}

/* The tables. A command's own group comes first; the shared groups are
 * included, never copied. */

#define OFF(field) offsetof(struct mr_cli_opts, field)
#define END {.kind = MR_OPT_END}

static const char *const formats_all[] = {"text", "json", "junit", "tap", NULL};
static const char *const formats_check[] = {"text", "json", "junit", "tap", "prometheus", NULL};
static const char *const formats_text_json[] = {"text", "json", NULL};
static const char *const formats_json[] = {"json", NULL};
static const char *const transports[] = {"tcp", "tls", "ssh", NULL};

#define FORMAT_OPT(list)                                                                          \
    {.kind = MR_OPT_CALL, .name = "format", .argh = "FMT", .help = "the output format",            \
     .choices = (list), .call = take_format}

/* What the commands that judge this host read and run: check, fix, facts. */
static const struct mr_opt site_opts[] = {
    {.kind = MR_OPT_STRING, .name = "root", .argh = "DIR", .off = OFF(root),
     .help = "read every file inside DIR (offline; live checks skip)"},
    {.kind = MR_OPT_CALL, .name = "image", .argh = "FILE", .call = take_image,
     .flags = MR_OPT_REPEAT,
     .help = "the same on a disk image (qcow2, raw, ...; one per disk) opened with libguestfs, "
             "without booting it; only fix writes into it"},
    {.kind = MR_OPT_STRING, .name = "config", .argh = "FILE", .off = OFF(config),
     .help = "site configuration (default ROOT/etc/migready/migready.conf)"},
    {.kind = MR_OPT_LIST, .name = "profile", .argh = "NAME", .off = OFF(profiles),
     .flags = MR_OPT_REPEAT,
     .help = "shared-nfs, block, volume, nfs-server, tcp, tls, ssh"},
    {.kind = MR_OPT_LIST, .name = "only", .argh = "ID[,ID]", .off = OFF(sel.only),
     .flags = MR_OPT_REPEAT, .help = "run only these checks; globs allowed: 'nova.*'"},
    {.kind = MR_OPT_LIST, .name = "skip", .argh = "ID[,ID]", .off = OFF(sel.skip),
     .flags = MR_OPT_REPEAT, .help = "do not run these checks"},
    END,
};

/* How much to show, and help: every command takes these. */
static const struct mr_opt output_opts[] = {
    {.kind = MR_OPT_SET_INT, .name = "quiet", .short_name = 'q', .off = OFF(verbosity),
     .val = -1, .help = "show only what is not passing"},
    {.kind = MR_OPT_SET_INT, .name = "verbose", .short_name = 'v', .off = OFF(verbosity),
     .val = 1, .help = "show every finding"},
    {.kind = MR_OPT_BOOL, .name = "no-color", .off = OFF(no_color),
     .help = "no colour (also when NO_COLOR is set)"},
    {.kind = MR_OPT_HELP, .name = "help", .short_name = 'h', .help = "show this help"},
    {.kind = MR_OPT_VERSION, .name = "version", .short_name = 'V',
     .help = "print migready's version"},
    END,
};

static const struct mr_opt check_opts[] = {
    FORMAT_OPT(formats_check),
    {.kind = MR_OPT_STRING, .name = "output", .argh = "FILE", .off = OFF(output),
     .help = "write to FILE (a temporary file renamed over it) instead of standard output"},
    {.kind = MR_OPT_BOOL, .name = "strict", .off = OFF(strict),
     .help = "a warning also makes the host not ready"},
    {.kind = MR_OPT_CALL, .name = "peer", .argh = "HOST", .call = take_peer,
     .flags = MR_OPT_REPEAT, .help = "compare with this peer too; added to the site's peers"},
    {.kind = MR_OPT_BOOL, .name = "migrate", .off = OFF(migrate),
     .help = "migrate.roundtrip: a real live migration to each peer"},
    END,
};

static const struct mr_opt fix_opts[] = {
    {.kind = MR_OPT_BOOL, .name = "dry-run", .off = OFF(dry_run),
     .help = "change nothing; print the diff of what would change"},
    {.kind = MR_OPT_BOOL, .name = "yes", .off = OFF(yes),
     .help = "do not ask before writing (nor does fix without a terminal)"},
    {.kind = MR_OPT_BOOL, .name = "no-backup", .off = OFF(no_backup),
     .help = "no copy of the changed files under /var/lib/migready/backups"},
    {.kind = MR_OPT_BOOL, .name = "restart", .off = OFF(restart),
     .help = "restart the services the changes need (live host only)"},
    {.kind = MR_OPT_BOOL, .name = "no-wait", .off = OFF(no_wait),
     .help = "exit 2 if another fix holds the lock, rather than wait for it"},
    FORMAT_OPT(formats_all),
    END,
};

static const struct mr_opt fleet_opts[] = {
    {.kind = MR_OPT_ARGS, .argh = "PATH...", .off = OFF(paths), .flags = MR_OPT_REQUIRED,
     .help = "Each PATH is a facts document ('migready facts --format json' of one host)\n"
             "or a folder of them (its *.json files, not its subfolders)."},
    FORMAT_OPT(formats_all),
    {.kind = MR_OPT_STRING, .name = "output", .argh = "FILE", .off = OFF(output),
     .help = "write to FILE (a temporary file renamed over it) instead of standard output"},
    END,
};

static const struct mr_opt facts_opts[] = {FORMAT_OPT(formats_json), END};

static const struct mr_opt list_opts[] = {FORMAT_OPT(formats_text_json), END};

static const struct mr_opt migrate_test_opts[] = {
    {.kind = MR_OPT_CALL, .name = "peer", .argh = "HOST", .call = take_peer,
     .flags = MR_OPT_REQUIRED, .help = "the host to migrate the probe to, and back from"},
    {.kind = MR_OPT_BOOL, .name = "block", .off = OFF(block),
     .help = "copy the disk: a block migration"},
    {.kind = MR_OPT_STRING, .name = "transport", .argh = "T", .choices = transports,
     .off = OFF(transport), .help = "the transport (default: as nova.conf says)"},
    {.kind = MR_OPT_BOOL, .name = "native-tls", .off = OFF(native_tls),
     .help = "encrypt QEMU's stream with its own TLS (default: as nova.conf says)"},
    {.kind = MR_OPT_CALL, .name = "timeout", .argh = "SEC", .call = take_timeout,
     .help = "abort the round trip after SEC s (default 300)"},
    FORMAT_OPT(formats_text_json),
    END,
};

static const struct mr_opt_group site_group = {"Common options", site_opts};
static const struct mr_opt_group output_group = {"Other options", output_opts};

#define GROUPS(own)                                                                               \
    (const struct mr_opt_group *const[])                                                          \
    {                                                                                             \
        &(const struct mr_opt_group){"Options", own}, &site_group, &output_group, NULL            \
    }
/* list reads nothing of the host, and migrate-test works on the live host with its
 * default configuration: neither takes the site group. */
#define GROUPS_NO_SITE(own)                                                                       \
    (const struct mr_opt_group *const[])                                                          \
    {                                                                                             \
        &(const struct mr_opt_group){"Options", own}, &output_group, NULL                         \
    }

const struct mr_cli_command mr_cli_commands[] = {
    {.name = "check",
     .summary = "check this host's readiness for live migration",
     .groups = GROUPS(check_opts),
     .run = cmd_check},
    {.name = "fix",
     .summary = "repair what check found (shows a diff, asks, keeps backups)",
     .groups = GROUPS(fix_opts),
     .run = cmd_fix},
    {.name = "facts",
     .summary = "print what peers compare, as JSON",
     .groups = GROUPS(facts_opts),
     .run = cmd_facts},
    {.name = "fleet",
     .summary = "compare many hosts' facts documents at once",
     .groups = GROUPS_NO_SITE(fleet_opts),
     .run = cmd_fleet},
    {.name = "list",
     .summary = "list the checks",
     .groups = GROUPS_NO_SITE(list_opts),
     .run = cmd_list},
    {.name = "migrate-test",
     .summary = "live-migrate a probe domain to --peer HOST and back",
     .groups = GROUPS_NO_SITE(migrate_test_opts),
     .run = cmd_migrate_test},
};
const size_t mr_n_cli_commands = MR_ARRAY_SIZE(mr_cli_commands);

void mr_cli_help(FILE *out, const struct mr_cli_command *cmd)
{
    char *prog = mr_xasprintf("migready %s", cmd->name);
    mr_opt_help(out, prog, cmd->summary, cmd->groups);
    free(prog);
}

static void help(FILE *out)
{
    fputs("Usage: migready COMMAND [OPTIONS]\n\n"
          "Proves an OpenStack compute host is ready for live migration.\n\nCommands:\n",
          out);
    for (size_t i = 0; i < mr_n_cli_commands; i++)
        fprintf(out, "  %-14s%s\n", mr_cli_commands[i].name, mr_cli_commands[i].summary);
    fputs("\n'migready COMMAND --help' shows the options of COMMAND.\n"
          "\nExit status: 0 ready, 1 not ready, 2 could not judge (usage, unreadable root, "
          "error).\n",
          out);
}

static const struct mr_cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < mr_n_cli_commands; i++)
        if (strcmp(name, mr_cli_commands[i].name) == 0)
            return &mr_cli_commands[i];
    return NULL;
}

/* WORD is no option of CMD; when other commands take it, say which. */
static int unknown_option(const struct mr_cli_command *cmd, const char *word)
{
    char *takers = NULL;
    for (size_t i = 0; i < mr_n_cli_commands; i++) {
        const struct mr_cli_command *c = &mr_cli_commands[i];
        if (c == cmd || !mr_opt_find(c->groups, word))
            continue;
        char *t = mr_xasprintf("%s%s%s", takers ? takers : "", takers ? ", " : "", c->name);
        free(takers);
        takers = t;
    }
    int r = takers ? usage_error(cmd->name, "unknown option '%s' (an option of %s, not of %s)",
                                 word, takers, cmd->name)
                   : usage_error(cmd->name, "unknown option '%s'", word);
    free(takers);
    return r;
}

static void free_opts(struct mr_cli_opts *o)
{
    mr_strv_free(o->profiles);
    mr_strv_free(o->sel.only);
    mr_strv_free(o->sel.skip);
    mr_strv_free(o->peers);
    mr_strv_free(o->images);
    free(o->image_label);
    mr_strv_free(o->paths);
}

/* The words after CMD into O: -1 to go on, else the exit code. */
static int parse_command_line(const struct mr_cli_command *cmd, int argc, char **argv,
                              struct mr_cli_opts *o)
{
    char *msg = NULL;
    int r = mr_opt_parse(cmd->groups, argc, argv, o, &msg);
    if (r == -ENOENT) {
        r = unknown_option(cmd, msg);
    } else if (r < 0) {
        r = usage_error(cmd->name, "%s", msg);
    } else if (r == MR_OPT_WANT_HELP) {
        mr_cli_help(stdout, cmd);
        r = 0;
    } else if (r == MR_OPT_WANT_VERSION) {
        printf("migready %s\n", PACKAGE_VERSION);
        r = 0;
    } else {
        r = -1;
    }
    free(msg);
    return r;
}

/* --image: the image is opened and its guest mounted, CMD runs with the
 * mount as its root, and the image is closed on every path. SIGINT and
 * SIGTERM are caught from the start (fix catches them again, with the same
 * handler): during the appliance's start they stop it at once; later the
 * run ends first, the image is closed, and main() dies of the signal. */
static int run_on_image(const struct mr_cli_command *cmd, struct mr_cli_opts *o)
{
    bool fix = strcmp(cmd->name, "fix") == 0;
    if (o->root)
        return usage_error(cmd->name, "--image and --root exclude each other");
    /* fix cannot ask while the appliance waits, and a question with no
     * terminal would not be asked: the user says up front. */
    if (fix && !o->yes && !o->dry_run)
        return usage_error(cmd->name, "--image needs --yes (change the image) or --dry-run");
    struct mr_image_opts io = {
        .files = (const char *const *)o->images,
        .writable = fix && !o->dry_run,
        .progress = o->verbosity >= 0 && isatty(STDERR_FILENO) ? stderr : NULL,
    };
    struct sigaction sa = {.sa_handler = on_fix_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    struct mr_image *img = NULL;
    char *msg = NULL;
    int r = mr_image_open(&io, &img, &msg);
    if (r < 0) {
        fprintf(stderr, "migready: %s: %s\n", cmd->name, msg);
        free(msg);
        r = r == -EINTR && fix_signal ? 128 + fix_signal : 2;
        goto done;
    }
    o->root = mr_image_dir(img);
    o->image_label = mr_strv_join(o->images, ", ");
    o->image_notes = mr_image_notes(img);
    r = cmd->run(o);
    /* Nothing of the run may hold a file of the mount any more. */
    o->root = NULL;
    o->image_notes = NULL;
    if (mr_image_close(img, &msg) < 0) {
        fprintf(stderr, "migready: %s: %s\n", cmd->name, msg);
        free(msg);
        r = 2;
    }
    if (fix_signal && !fix) {
        fprintf(stderr, "migready: %s: interrupted by %s; the image is closed\n", cmd->name,
                fix_signal == SIGINT ? "SIGINT" : "SIGTERM");
        r = 128 + fix_signal;
    }

done:
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return r;
}

static int run_command(const struct mr_cli_command *cmd, int argc, char **argv)
{
    struct mr_cli_opts o = {.format = MR_FORMAT_TEXT,
                            .started = clock_now(CLOCK_REALTIME),
                            .started_mono = clock_now(CLOCK_MONOTONIC)};
    int r = parse_command_line(cmd, argc, argv, &o);
    if (r >= 0)
        goto cleanup;
    if (o.config && access(o.config, R_OK) < 0) {
        fprintf(stderr, "migready: cannot read configuration '%s': %s\n", o.config,
                strerror(errno));
        r = 2;
        goto cleanup;
    }
    r = o.images ? run_on_image(cmd, &o) : cmd->run(&o);

cleanup:
    free_opts(&o);
    return r;
}

/* `migready help [COMMAND]`. */
static int help_command(int argc, char **argv)
{
    if (argc < 1) {
        help(stdout);
        return 0;
    }
    const struct mr_cli_command *cmd = find_command(argv[0]);
    if (!cmd)
        return usage_error(NULL, "unknown command '%s'", argv[0]);
    mr_cli_help(stdout, cmd);
    return 0;
}

int mr_main(int argc, char **argv)
{
    if (argc < 2) {
        help(stderr);
        return 2;
    }
    const char *word = argv[1];
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0)
        return help_command(0, NULL);
    if (strcmp(word, "help") == 0)
        return help_command(argc - 2, argv + 2);
    if (strcmp(word, "--version") == 0) {
        printf("migready %s\n", PACKAGE_VERSION);
        return 0;
    }
    const struct mr_cli_command *cmd = find_command(word);
    if (!cmd)
        return usage_error(NULL, "unknown command '%s'", word);
    return run_command(cmd, argc - 2, argv + 2);
}

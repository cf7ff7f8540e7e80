/* The command line: one table of commands, options parsed in one place. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "ctx.h"
#include "engine.h"
#include "facts.h"
#include "fix.h"
#include "migrate.h"
#include "ops-live.h"
#include "ops.h"
#include "profile.h"
#include "render.h"

enum {
    OPT_ROOT = 0x100,
    OPT_CONFIG,
    OPT_PROFILE,
    OPT_ONLY,
    OPT_SKIP,
    OPT_FORMAT,
    OPT_STRICT,
    OPT_NO_COLOR,
    OPT_DRY_RUN,
    OPT_NO_BACKUP,
    OPT_YES,
    OPT_RESTART,
    OPT_PEER,
    OPT_MIGRATE,
    OPT_BLOCK,
    OPT_TRANSPORT,
    OPT_TIMEOUT,
};

struct opts {
    const char *root;
    const char *config;
    char **profiles;
    struct mr_select sel;
    enum mr_format format;
    bool strict;
    bool no_color;
    int verbosity;
    bool dry_run, no_backup, yes, restart; /* fix */
    char **peers; /* --peer, in order */
    bool migrate; /* check --migrate */
    bool block;   /* migrate-test --block */
    const char *transport;
    long timeout;
};

struct command {
    const char *name;
    const char *summary;
    int (*run)(struct opts *o);
    /* Options this command accepts beyond the common ones. */
    bool takes_common, takes_strict;
    const char *formats; /* accepted --format values */
    bool takes_fix;      /* --dry-run, --no-backup, --yes, --restart */
    bool takes_peer;
};

static int usage_error(const char *fmt, ...) MR_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("migready: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'migready --help'.\n", stderr);
    va_end(ap);
    return 2;
}

static bool want_color(const struct opts *o)
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

static int build_ctx(struct opts *o, struct mr_ctx **ret)
{
    char *msg = NULL;
    int r = mr_ctx_new(o->root, (const char *const *)o->profiles, o->config, &mr_ops_live, ret,
                       &msg);
    if (r < 0) {
        fprintf(stderr, "migready: %s\n", msg ? msg : strerror(-r));
        free(msg);
        return 2;
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
static int selected_ctx(struct opts *o, struct mr_ctx **ret)
{
    char *msg = NULL;
    if (mr_select_validate(&o->sel, &msg) < 0) {
        int r = usage_error("%s", msg);
        free(msg);
        return r;
    }
    return build_ctx(o, ret);
}

/* Prints RUN in the chosen format, frees it and CTX; the exit code. */
static int render_run(struct opts *o, struct mr_ctx *ctx, struct mr_run *run)
{
    struct mr_render_opts ro = {
        .format = o->format, .color = want_color(o), .verbosity = o->verbosity};
    mr_render(stdout, ctx, run, &ro);
    int r = mr_run_exit_code(run);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("migready: writing output");
        r = 2;
    }
    mr_run_free(run);
    mr_ctx_free(ctx);
    return r;
}

static int cmd_check(struct opts *o)
{
    struct mr_ctx *ctx = NULL;
    int r = selected_ctx(o, &ctx);
    if (r)
        return r;
    add_peers(ctx, o->peers);
    ctx->migrate = o->migrate;
    return render_run(o, ctx, mr_run_checks(ctx, &o->sel, o->strict));
}

/* Repairs what check found (src/fix.h). The diff and the notes about
 * restarts go to standard output with the text format and to standard
 * error with the others, so that JSON, JUnit and TAP stay parseable. */
static int cmd_fix(struct opts *o)
{
    struct mr_ctx *ctx = NULL;
    int r = selected_ctx(o, &ctx);
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
    };
    struct mr_run *run = mr_fix_run(ctx, mr_checks, mr_n_checks, &o->sel, &fo);
    if (o->format == MR_FORMAT_TEXT)
        fputc('\n', stdout);
    return render_run(o, ctx, run);
}

/* What peers compare (src/facts.h); JSON is the only format. Under --root
 * the live parts are absent and its "notes" say so. */
static int cmd_facts(struct opts *o)
{
    struct mr_ctx *ctx = NULL;
    int r = build_ctx(o, &ctx);
    if (r)
        return r;
    struct mr_facts *f = NULL;
    r = mr_facts_collect(ctx, &f);
    if (r < 0) {
        fprintf(stderr, "migready: cannot collect this host's facts: %s\n", strerror(-r));
        mr_ctx_free(ctx);
        return 2;
    }
    char *json = mr_facts_to_json(f);
    puts(json);
    free(json);
    mr_facts_free(f);
    mr_ctx_free(ctx);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("migready: writing output");
        return 2;
    }
    return 0;
}

static const char *const need_names[] = {"live", "libvirt", "peers", "network"};

static int cmd_list(struct opts *o)
{
    if (o->format == MR_FORMAT_JSON) {
        json_object *arr = json_object_new_array();
        for (size_t i = 0; i < mr_n_checks; i++) {
            const struct mr_check *c = mr_checks[i];
            json_object *e = json_object_new_object();
            json_object_object_add(e, "id", json_object_new_string(c->id));
            json_object_object_add(e, "title", json_object_new_string(c->title));
            json_object *needs = json_object_new_array();
            for (size_t b = 0; b < MR_ARRAY_SIZE(need_names); b++)
                if (c->needs & (1u << b))
                    json_object_array_add(needs, json_object_new_string(need_names[b]));
            json_object_object_add(e, "needs", needs);
            json_object_object_add(e, "optional", json_object_new_boolean(c->optional));
            json_object_object_add(e, "fixable", json_object_new_boolean(c->fixable));
            json_object_array_add(arr, e);
        }
        puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(arr);
        return fflush(stdout) == 0 ? 0 : 2;
    }
    int idw = 0;
    for (size_t i = 0; i < mr_n_checks; i++) {
        int w = (int)strlen(mr_checks[i]->id);
        idw = w > idw ? w : idw;
    }
    for (size_t i = 0; i < mr_n_checks; i++) {
        const struct mr_check *c = mr_checks[i];
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
    return fflush(stdout) == 0 ? 0 : 2;
}

/* A real round trip to one peer (src/migrate.h); exit 0 only when the probe
 * came back. */
static int cmd_migrate_test(struct opts *o)
{
    size_t n = mr_strv_len(o->peers);
    if (n != 1)
        return usage_error("migrate-test: %s", n ? "give exactly one --peer"
                                                 : "--peer HOST is required");
    struct mr_ctx *ctx = NULL;
    int r = build_ctx(o, &ctx);
    if (r)
        return r;
    const char *storage = mr_ctx_value(ctx, "storage");
    struct mr_migrate_opts mo = {
        .peer = o->peers[0],
        .block = o->block || (storage && strcmp(storage, "block") == 0),
        .transport = o->transport,
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
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("migready: writing output");
        r = 2;
    }
    mr_migrate_report_clear(&rep);
    mr_ctx_free(ctx);
    return r;
}

static const struct command commands[] = {
    {.name = "check",
     .summary = "check this host's readiness for live migration",
     .run = cmd_check,
     .takes_common = true,
     .takes_strict = true,
     .formats = "text,json,junit,tap",
     .takes_peer = true},
    {.name = "fix",
     .summary = "repair what check found (shows a diff, asks, keeps backups)",
     .run = cmd_fix,
     .takes_common = true,
     .formats = "text,json,junit,tap",
     .takes_fix = true},
    {.name = "facts",
     .summary = "print what peers compare, as JSON",
     .run = cmd_facts,
     .takes_common = true,
     .formats = "json"},
    {.name = "list", .summary = "list the checks", .run = cmd_list, .formats = "text,json"},
    {.name = "migrate-test",
     .summary = "live-migrate a probe domain to --peer HOST and back",
     .run = cmd_migrate_test,
     .formats = "text,json",
     .takes_peer = true},
};

static void help(FILE *out)
{
    fputs("Usage: migready COMMAND [OPTIONS]\n\n"
          "Proves an OpenStack compute host is ready for live migration.\n\nCommands:\n",
          out);
    for (size_t i = 0; i < MR_ARRAY_SIZE(commands); i++)
        fprintf(out, "  %-14s%s\n", commands[i].name, commands[i].summary);
    fputs("\nCommon options:\n"
          "  --root DIR        read every file inside DIR (offline; live checks skip)\n"
          "  --config FILE     site configuration (default ROOT/etc/migready/migready.conf)\n"
          "  --profile NAME    shared-nfs, block, volume, nfs-server, tcp, tls, ssh (repeatable)\n"
          "  --only ID[,ID]    run only these checks (globs allowed: 'nova.*')\n"
          "  --skip ID[,ID]    do not run these checks\n"
          "  --format FMT      text, json, junit or tap (list: text or json; facts: json)\n"
          "  --strict          a warning also makes the host not ready\n"
          "  --peer HOST       (check) compare with this peer too (repeatable; added to the\n"
          "                    site's peers)\n"
          "  --migrate         (check) migrate.roundtrip: a real live migration to each peer\n"
          "  --block           (migrate-test) copy the disk: a block migration\n"
          "  --transport T     (migrate-test) tcp, tls or ssh (default: as nova.conf says)\n"
          "  --timeout SEC     (migrate-test) abort the round trip after SEC s (default 300)\n"
          "  -q, --quiet       show only what is not passing\n"
          "  -v, --verbose     show every finding\n"
          "  --no-color        no colour (also when NO_COLOR is set)\n"
          "\nfix options:\n"
          "  --dry-run         change nothing; print the diff of what would change\n"
          "  --yes             do not ask before writing (nor does fix without a terminal)\n"
          "  --no-backup       no copy of the changed files under /var/lib/migready/backups\n"
          "  --restart         restart the services the changes need (live host only)\n"
          "\nExit status: 0 ready, 1 not ready, 2 could not judge (usage, unreadable root, "
          "error).\n",
          out);
}

static void push_list(char ***v, const char *arg)
{
    char **items = mr_split_list(arg);
    for (size_t i = 0; items[i]; i++)
        mr_strv_push(v, items[i]);
    mr_strv_free(items);
}

int mr_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"root", required_argument, NULL, OPT_ROOT},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"only", required_argument, NULL, OPT_ONLY},
        {"skip", required_argument, NULL, OPT_SKIP},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"no-color", no_argument, NULL, OPT_NO_COLOR},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"no-backup", no_argument, NULL, OPT_NO_BACKUP},
        {"yes", no_argument, NULL, OPT_YES},
        {"restart", no_argument, NULL, OPT_RESTART},
        {"peer", required_argument, NULL, OPT_PEER},
        {"migrate", no_argument, NULL, OPT_MIGRATE},
        {"block", no_argument, NULL, OPT_BLOCK},
        {"transport", required_argument, NULL, OPT_TRANSPORT},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {0},
    };
    if (argc < 2) {
        help(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        help(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("migready %s\n", PACKAGE_VERSION);
        return 0;
    }
    const struct command *cmd = NULL;
    for (size_t i = 0; i < MR_ARRAY_SIZE(commands); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            cmd = &commands[i];
    if (!cmd)
        return usage_error("unknown command '%s'", argv[1]);

    struct opts o = {.format = MR_FORMAT_TEXT};
    int ret = 2, c;
    const char *format = NULL;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc - 1, argv + 1, ":qvhV", longopts, NULL)) != -1) {
        bool common = true;
        switch (c) {
        case OPT_ROOT:
            o.root = optarg;
            break;
        case OPT_CONFIG:
            o.config = optarg;
            break;
        case OPT_PROFILE:
            push_list(&o.profiles, optarg);
            break;
        case OPT_ONLY:
            push_list(&o.sel.only, optarg);
            break;
        case OPT_SKIP:
            push_list(&o.sel.skip, optarg);
            break;
        case OPT_FORMAT:
            format = optarg;
            common = false;
            break;
        case OPT_STRICT:
            if (!cmd->takes_strict) {
                ret = usage_error("%s: unknown option '--strict'", cmd->name);
                goto cleanup;
            }
            o.strict = true;
            break;
        case OPT_NO_COLOR:
            o.no_color = true;
            break;
        case OPT_DRY_RUN:
        case OPT_NO_BACKUP:
        case OPT_YES:
        case OPT_RESTART:
            if (!cmd->takes_fix) {
                ret = usage_error("%s: unknown option '%s'", cmd->name, argv[optind]);
                goto cleanup;
            }
            if (c == OPT_DRY_RUN)
                o.dry_run = true;
            else if (c == OPT_NO_BACKUP)
                o.no_backup = true;
            else if (c == OPT_YES)
                o.yes = true;
            else
                o.restart = true;
            break;
        case OPT_PEER:
            if (!cmd->takes_peer) {
                ret = usage_error("%s: unknown option '--peer'", cmd->name);
                goto cleanup;
            }
            if (!*optarg || optarg[0] == '-' || strpbrk(optarg, " \t,")) {
                ret = usage_error("%s: --peer needs a host name or address, not '%s'", cmd->name,
                                  optarg);
                goto cleanup;
            }
            mr_strv_push(&o.peers, optarg);
            break;
        case OPT_MIGRATE:
            if (strcmp(cmd->name, "check") != 0) {
                ret = usage_error("%s: unknown option '--migrate'", cmd->name);
                goto cleanup;
            }
            o.migrate = true;
            break;
        case OPT_BLOCK:
        case OPT_TRANSPORT:
        case OPT_TIMEOUT:
            if (strcmp(cmd->name, "migrate-test") != 0) {
                ret = usage_error("%s: unknown option '--%s'", cmd->name,
                                  c == OPT_BLOCK ? "block" : c == OPT_TRANSPORT ? "transport"
                                                                                : "timeout");
                goto cleanup;
            }
            if (c == OPT_BLOCK) {
                o.block = true;
            } else if (c == OPT_TRANSPORT) {
                if (strcmp(optarg, "tcp") && strcmp(optarg, "tls") && strcmp(optarg, "ssh")) {
                    ret = usage_error("migrate-test: unknown transport '%s' (known: tcp, tls, ssh)",
                                      optarg);
                    goto cleanup;
                }
                o.transport = optarg;
            } else if (mr_parse_long(optarg, &o.timeout) < 0 || o.timeout < 1 ||
                       o.timeout > 86400) {
                ret = usage_error("migrate-test: --timeout needs seconds (1 to 86400), not '%s'",
                                  optarg);
                goto cleanup;
            }
            break;
        case 'q':
            o.verbosity = -1;
            break;
        case 'v':
            o.verbosity = 1;
            break;
        case 'h':
            help(stdout);
            ret = 0;
            goto cleanup;
        case 'V':
            printf("migready %s\n", PACKAGE_VERSION);
            ret = 0;
            goto cleanup;
        case ':':
            ret = usage_error("%s: option '%s' needs a value", cmd->name, argv[optind]);
            goto cleanup;
        default:
            ret = usage_error("%s: unknown option '%s'", cmd->name, argv[optind]);
            goto cleanup;
        }
        if (common && !cmd->takes_common &&
            (c == OPT_ROOT || c == OPT_CONFIG || c == OPT_PROFILE || c == OPT_ONLY ||
             c == OPT_SKIP)) {
            ret = usage_error("%s: unknown option '%s'", cmd->name, argv[optind - 1]);
            goto cleanup;
        }
    }
    if (optind < argc - 1) {
        ret = usage_error("%s: unexpected argument '%s'", cmd->name, argv[optind + 1]);
        goto cleanup;
    }
    if (format) {
        char **allowed = mr_split_list(cmd->formats);
        bool ok = mr_strv_contains(allowed, format) && mr_format_parse(format, &o.format) == 0;
        mr_strv_free(allowed);
        if (!ok) {
            ret = usage_error("%s: unknown format '%s' (known: %s)", cmd->name, format,
                              cmd->formats);
            goto cleanup;
        }
    }
    if (o.config && access(o.config, R_OK) < 0) {
        fprintf(stderr, "migready: cannot read configuration '%s': %s\n", o.config,
                strerror(errno));
        ret = 2;
        goto cleanup;
    }
    ret = cmd->run(&o);

cleanup:
    mr_strv_free(o.profiles);
    mr_strv_free(o.sel.only);
    mr_strv_free(o.sel.skip);
    mr_strv_free(o.peers);
    return ret;
}

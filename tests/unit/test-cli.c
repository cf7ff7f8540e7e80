/* The option tables: every option a command takes is in its help, no other
 * command's option is, and the parser behind them takes the words a user
 * types and quotes them back when they are wrong. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "cliopts.h"
#include "migready.h"

static char *help_of(const struct mr_cli_command *cmd)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    mr_cli_help(f, cmd);
    fclose(f);
    return text;
}

/* WORD ("--root", "-q, --quiet") occurs in TEXT, not as part of a longer name. */
static bool has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        char after = p[n];
        if (after != '-' && (after < 'a' || after > 'z'))
            return true;
    }
    return false;
}

static void test_help_shows_every_option(void **state)
{
    for (size_t c = 0; c < mr_n_cli_commands; c++) {
        const struct mr_cli_command *cmd = &mr_cli_commands[c];
        char *help = help_of(cmd);
        size_t n = 0;
        for (size_t g = 0; cmd->groups[g]; g++) {
            assert_non_null(strstr(help, cmd->groups[g]->title));
            for (const struct mr_opt *o = cmd->groups[g]->opts; o->kind != MR_OPT_END; o++, n++) {
                if (o->kind == MR_OPT_ARGS) {
                    /* Operands show in the usage line, by their name. */
                    if (!strstr(help, o->argh))
                        fail_msg("'migready %s --help' lacks '%s'", cmd->name, o->argh);
                    continue;
                }
                char *word = o->short_name ? mr_xasprintf("-%c, --%s", o->short_name, o->name)
                                           : mr_xasprintf("--%s", o->name);
                if (!has_word(help, word))
                    fail_msg("'migready %s --help' lacks '%s':\n%s", cmd->name, word, help);
                for (size_t k = 0; o->choices && o->choices[k]; k++)
                    if (!strstr(help, o->choices[k]))
                        fail_msg("'migready %s --help' lacks %s's value '%s'", cmd->name,
                                 word, o->choices[k]);
                free(word);
            }
        }
        assert_true(n > 0);
        free(help);
    }
}

/* What another command takes and this one does not stays out of its help. */
static void test_help_shows_no_other_option(void **state)
{
    for (size_t c = 0; c < mr_n_cli_commands; c++) {
        const struct mr_cli_command *cmd = &mr_cli_commands[c];
        char *help = help_of(cmd);
        for (size_t d = 0; d < mr_n_cli_commands; d++)
            for (size_t g = 0; mr_cli_commands[d].groups[g]; g++)
                for (const struct mr_opt *o = mr_cli_commands[d].groups[g]->opts;
                     o->kind != MR_OPT_END; o++) {
                    if (o->kind == MR_OPT_ARGS)
                        continue;
                    char *word = mr_xasprintf("--%s", o->name);
                    if (!mr_opt_find(cmd->groups, word) && has_word(help, word))
                        fail_msg("'migready %s --help' shows %s, which it does not take",
                                 cmd->name, word);
                    free(word);
                }
        free(help);
    }
}

/* Within a command, no two options share a name: the parser would take
 * the first, and the help would show both. */
static void test_names_unique(void **state)
{
    for (size_t c = 0; c < mr_n_cli_commands; c++) {
        const struct mr_cli_command *cmd = &mr_cli_commands[c];
        for (size_t g = 0; cmd->groups[g]; g++)
            for (const struct mr_opt *o = cmd->groups[g]->opts; o->kind != MR_OPT_END; o++) {
                if (o->kind == MR_OPT_ARGS) {
                    assert_null(o->name);
                    assert_non_null(o->argh);
                    continue;
                }
                char *word = mr_xasprintf("--%s", o->name);
                assert_ptr_equal(mr_opt_find(cmd->groups, word), o);
                free(word);
                if (o->short_name) {
                    char s[3] = {'-', o->short_name, '\0'};
                    assert_ptr_equal(mr_opt_find(cmd->groups, s), o);
                }
                assert_non_null(o->help);
            }
    }
}

/* A table of every kind, for the parser itself. */
struct dest {
    bool flag;
    int level;
    const char *str;
    char **list;
    const char *called;
};

static int take(void *dest, const struct mr_opt *opt, const char *arg, char **ret_msg)
{
    if (strcmp(arg, "bad") == 0) {
        *ret_msg = mr_xasprintf("--%s will not take '%s'", opt->name, arg);
        return -EINVAL;
    }
    ((struct dest *)dest)->called = arg;
    return 0;
}

static const char *const colours[] = {"red", "green", NULL};

static const struct mr_opt test_opts[] = {
    {.kind = MR_OPT_BOOL, .name = "flag", .short_name = 'f', .help = "a flag",
     .off = offsetof(struct dest, flag)},
    {.kind = MR_OPT_SET_INT, .name = "quiet", .short_name = 'q', .val = -1, .help = "less",
     .off = offsetof(struct dest, level)},
    {.kind = MR_OPT_STRING, .name = "colour", .argh = "C", .choices = colours,
     .off = offsetof(struct dest, str), .help = "a colour"},
    {.kind = MR_OPT_LIST, .name = "item", .short_name = 'i', .argh = "I", .help = "items",
     .off = offsetof(struct dest, list), .flags = MR_OPT_REPEAT},
    {.kind = MR_OPT_CALL, .name = "call", .argh = "X", .call = take, .help = "calls",
     .flags = MR_OPT_REQUIRED},
    {.kind = MR_OPT_BOOL, .name = "flat", .help = "another flag",
     .off = offsetof(struct dest, flag)},
    {.kind = MR_OPT_HELP, .name = "help", .short_name = 'h', .help = "help"},
    {.kind = MR_OPT_END},
};
static const struct mr_opt_group test_group = {"Options", test_opts};
static const struct mr_opt_group *const test_groups[] = {&test_group, NULL};

static int parse(struct dest *d, char **msg, ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, msg);
    for (char *w; (w = va_arg(ap, char *));)
        argv[argc++] = w;
    va_end(ap);
    memset(d, 0, sizeof(*d));
    return mr_opt_parse(test_groups, argc, argv, d, msg);
}

static void test_parse_forms(void **state)
{
    struct dest d;
    char *msg = NULL;
    assert_int_equal(parse(&d, &msg, "--colour=red", "--call", "x", "-fq", "-i", "a,b",
                           "-ic", "--item=d", NULL),
                     MR_OPT_OK);
    assert_null(msg);
    assert_true(d.flag);
    assert_int_equal(d.level, -1);
    assert_string_equal(d.str, "red");
    assert_string_equal(d.called, "x");
    assert_int_equal(mr_strv_len(d.list), 4);
    assert_string_equal(d.list[3], "d");
    mr_strv_free(d.list);

    /* --colour value and a unique prefix, --cal for --call. */
    assert_int_equal(parse(&d, &msg, "--colour", "green", "--cal=y", NULL), MR_OPT_OK);
    assert_string_equal(d.str, "green");
    assert_string_equal(d.called, "y");
    /* Help stops the parse before the missing required option counts. */
    assert_int_equal(parse(&d, &msg, "-fh", NULL), MR_OPT_WANT_HELP);
    assert_int_equal(parse(&d, &msg, "--call=x", "--", NULL), MR_OPT_OK);
}

static void expect_error(int want, const char *want_msg, int r, char *msg)
{
    assert_int_equal(r, want);
    assert_non_null(msg);
    if (!strstr(msg, want_msg))
        fail_msg("expected '%s' in '%s'", want_msg, msg);
    free(msg);
}

/* The message and the result of parsing the words given, NULL-terminated. */
#define EXPECT_ERROR(want, want_msg, ...)                                                         \
    do {                                                                                          \
        struct dest d_;                                                                           \
        char *msg_ = NULL;                                                                        \
        int r_ = parse(&d_, &msg_, __VA_ARGS__, NULL);                                            \
        expect_error(want, want_msg, r_, msg_);                                                   \
    } while (0)

static void test_parse_errors_quote_the_word(void **state)
{
    /* An unknown option: the word as typed, without its value. */
    EXPECT_ERROR(-ENOENT, "--root", "--root=/tmp");
    EXPECT_ERROR(-ENOENT, "-x", "-fx");
    EXPECT_ERROR(-EINVAL, "'--fl' is ambiguous", "--fl");
    EXPECT_ERROR(-EINVAL, "'--colour' needs a value", "--colour");
    EXPECT_ERROR(-EINVAL, "'-i' needs a value", "-i");
    EXPECT_ERROR(-EINVAL, "'--flag' takes no value", "--flag=1");
    EXPECT_ERROR(-EINVAL, "unknown colour 'blue' (known: red, green)", "--call=x", "--colour=blue");
    EXPECT_ERROR(-EINVAL, "--call will not take 'bad'", "--call", "bad");
    EXPECT_ERROR(-EINVAL, "unexpected argument 'extra'", "--call=x", "extra");
    EXPECT_ERROR(-EINVAL, "unexpected argument '-f'", "--", "-f");
    EXPECT_ERROR(-EINVAL, "--call X is required", "-f");
}

/* A table that takes operands: words that are no option, also after "--". */
struct paths_dest {
    bool flag;
    char **paths;
};
static const struct mr_opt paths_opts[] = {
    {.kind = MR_OPT_BOOL, .name = "flag", .short_name = 'f', .help = "a flag",
     .off = offsetof(struct paths_dest, flag)},
    {.kind = MR_OPT_ARGS, .argh = "PATH...", .help = "the paths", .flags = MR_OPT_REQUIRED,
     .off = offsetof(struct paths_dest, paths)},
    {.kind = MR_OPT_END},
};
static const struct mr_opt_group paths_group = {"Options", paths_opts};
static const struct mr_opt_group *const paths_groups[] = {&paths_group, NULL};

static void test_parse_operands(void **state)
{
    struct paths_dest d = {0};
    char *msg = NULL;
    char *argv[] = {"a", "-f", "b", "--", "-c"};
    assert_int_equal(mr_opt_parse(paths_groups, 5, argv, &d, &msg), MR_OPT_OK);
    assert_true(d.flag);
    assert_int_equal(mr_strv_len(d.paths), 3);
    assert_string_equal(d.paths[0], "a");
    assert_string_equal(d.paths[1], "b");
    assert_string_equal(d.paths[2], "-c");
    mr_strv_free(d.paths);
    d = (struct paths_dest){0};
    char *none[] = {"-f"};
    assert_int_equal(mr_opt_parse(paths_groups, 1, none, &d, &msg), -EINVAL);
    assert_string_equal(msg, "PATH... is required");
    free(msg);
    char *help = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&help, &len);
    mr_opt_help(f, "prog", "sums", paths_groups);
    fclose(f);
    assert_non_null(strstr(help, "Usage: prog [OPTIONS] PATH...\n"));
    assert_non_null(strstr(help, "the paths"));
    free(help);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_operands),
        cmocka_unit_test(test_help_shows_every_option),
        cmocka_unit_test(test_help_shows_no_other_option),
        cmocka_unit_test(test_names_unique),
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_errors_quote_the_word),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

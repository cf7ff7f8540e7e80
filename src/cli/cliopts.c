/* The option parser and the help printer behind src/cli/cliopts.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopts.h"
#include "migready.h"

#define HELP_COLUMN 24 /* where an option's help starts */
#define HELP_WIDTH 100

/* The options seen; more distinct ones than a command has cannot occur. */
#define MAX_SEEN 64

struct parse {
    const struct mr_opt_group *const *groups;
    void *dest;
    char **msg;
    const struct mr_opt *seen[MAX_SEEN];
    size_t n_seen;
};

static int fail(char **ret_msg, const char *fmt, ...) MR_PRINTF(2, 3);

static int fail(char **ret_msg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    *ret_msg = mr_xvasprintf(fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static void print_choices(FILE *out, const char *const *choices, const char *sep)
{
    for (size_t i = 0; choices[i]; i++)
        fprintf(out, "%s%s", i ? sep : "", choices[i]);
}

static bool is_choice(const char *const *choices, const char *arg)
{
    for (size_t i = 0; choices[i]; i++)
        if (strcmp(choices[i], arg) == 0)
            return true;
    return false;
}

static int bad_choice(const struct mr_opt *opt, const char *arg, char **ret_msg)
{
    char *known = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&known, &len);
    if (!f)
        return fail(ret_msg, "unknown %s '%s'", opt->name, arg);
    print_choices(f, opt->choices, ", ");
    fclose(f);
    int r = fail(ret_msg, "unknown %s '%s' (known: %s)", opt->name, arg, known);
    free(known);
    return r;
}

static void push_list(char ***v, const char *arg)
{
    char **items = mr_split_list(arg);
    for (size_t i = 0; items[i]; i++)
        mr_strv_push(v, items[i]);
    mr_strv_free(items);
}

/* Gives OPT its value ARG (NULL for an option without one). */
static int apply(struct parse *p, const struct mr_opt *opt, const char *arg)
{
    void *field = (char *)p->dest + opt->off;
    if (p->n_seen < MAX_SEEN)
        p->seen[p->n_seen++] = opt;
    if (arg && opt->choices && !is_choice(opt->choices, arg))
        return bad_choice(opt, arg, p->msg);
    switch (opt->kind) {
    case MR_OPT_BOOL:
        *(bool *)field = true;
        return MR_OPT_OK;
    case MR_OPT_SET_INT:
        *(int *)field = opt->val;
        return MR_OPT_OK;
    case MR_OPT_STRING:
        *(const char **)field = arg;
        return MR_OPT_OK;
    case MR_OPT_LIST:
        push_list((char ***)field, arg);
        return MR_OPT_OK;
    case MR_OPT_CALL:
        return opt->call(p->dest, opt, arg, p->msg);
    case MR_OPT_HELP:
        return MR_OPT_WANT_HELP;
    case MR_OPT_VERSION:
        return MR_OPT_WANT_VERSION;
    case MR_OPT_ARGS:
    case MR_OPT_END:
        break;
    }
    return fail(p->msg, "option '--%s' has no kind", opt->name);
}

/* The long option NAME (LEN bytes) names: exact, else a unique prefix. */
static int find_long(struct parse *p, const char *name, size_t len, const struct mr_opt **ret)
{
    const struct mr_opt *prefix = NULL, *other = NULL;
    if (len == 0) {
        *p->msg = mr_xstrdup("--");
        return -ENOENT;
    }
    for (size_t g = 0; p->groups[g]; g++)
        for (const struct mr_opt *o = p->groups[g]->opts; o->kind != MR_OPT_END; o++) {
            if (!o->name || strncmp(o->name, name, len) != 0)
                continue;
            if (o->name[len] == '\0') {
                *ret = o;
                return 0;
            }
            if (prefix)
                other = o;
            else
                prefix = o;
        }
    if (prefix && other)
        return fail(p->msg, "option '--%.*s' is ambiguous: --%s or --%s?", (int)len, name,
                    prefix->name, other->name);
    if (!prefix) {
        *p->msg = mr_xasprintf("--%.*s", (int)len, name);
        return -ENOENT;
    }
    *ret = prefix;
    return 0;
}

static const struct mr_opt *find_short(const struct mr_opt_group *const *groups, char c)
{
    for (size_t g = 0; groups[g]; g++)
        for (const struct mr_opt *o = groups[g]->opts; o->kind != MR_OPT_END; o++)
            if (o->short_name == c)
                return o;
    return NULL;
}

/* argv[*i] is "--name" or "--name=value"; a value may be the next word. */
static int parse_long(struct parse *p, int argc, char *const *argv, int *i)
{
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct mr_opt *opt = NULL;
    int r = find_long(p, name, len, &opt);
    if (r < 0)
        return r;
    if (!opt->argh) {
        if (eq)
            return fail(p->msg, "option '--%.*s' takes no value", (int)len, name);
        return apply(p, opt, NULL);
    }
    if (eq)
        return apply(p, opt, eq + 1);
    if (*i + 1 >= argc)
        return fail(p->msg, "option '--%.*s' needs a value", (int)len, name);
    return apply(p, opt, argv[++*i]);
}

/* argv[*i] is "-x", "-xy" or "-xVALUE"; a value may be the next word. */
static int parse_short(struct parse *p, int argc, char *const *argv, int *i)
{
    const char *w = argv[*i];
    for (size_t j = 1; w[j]; j++) {
        const struct mr_opt *opt = find_short(p->groups, w[j]);
        if (!opt) {
            *p->msg = mr_xasprintf("-%c", w[j]);
            return -ENOENT;
        }
        if (opt->argh) {
            if (w[j + 1])
                return apply(p, opt, w + j + 1);
            if (*i + 1 >= argc)
                return fail(p->msg, "option '-%c' needs a value", w[j]);
            return apply(p, opt, argv[++*i]);
        }
        int r = apply(p, opt, NULL);
        if (r != MR_OPT_OK)
            return r;
    }
    return MR_OPT_OK;
}

/* The entry that takes operands, or NULL: a word that is no option is then
 * unexpected. */
static const struct mr_opt *find_args(const struct mr_opt_group *const *groups)
{
    for (size_t g = 0; groups[g]; g++)
        for (const struct mr_opt *o = groups[g]->opts; o->kind != MR_OPT_END; o++)
            if (o->kind == MR_OPT_ARGS)
                return o;
    return NULL;
}

/* An operand W: kept when the command takes operands. */
static int operand(struct parse *p, const char *w)
{
    const struct mr_opt *args = find_args(p->groups);
    if (!args)
        return fail(p->msg, "unexpected argument '%s'", w);
    if (p->n_seen < MAX_SEEN)
        p->seen[p->n_seen++] = args;
    mr_strv_push((char ***)((char *)p->dest + args->off), w);
    return MR_OPT_OK;
}

static int check_required(struct parse *p)
{
    for (size_t g = 0; p->groups[g]; g++)
        for (const struct mr_opt *o = p->groups[g]->opts; o->kind != MR_OPT_END; o++) {
            if (!(o->flags & MR_OPT_REQUIRED))
                continue;
            bool seen = false;
            for (size_t k = 0; k < p->n_seen && !seen; k++)
                seen = p->seen[k] == o;
            if (!seen && o->kind == MR_OPT_ARGS)
                return fail(p->msg, "%s is required", o->argh);
            if (!seen)
                return fail(p->msg, "--%s %s is required", o->name, o->argh ? o->argh : "");
        }
    return MR_OPT_OK;
}

int mr_opt_parse(const struct mr_opt_group *const *groups, int argc, char *const *argv,
                 void *dest, char **ret_msg)
{
    struct parse p = {.groups = groups, .dest = dest, .msg = ret_msg};
    *ret_msg = NULL;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        int r;
        if (strcmp(w, "--") == 0) {
            /* After it every word is an operand, even one starting with '-'. */
            for (int j = i + 1; j < argc; j++)
                if ((r = operand(&p, argv[j])) != MR_OPT_OK)
                    return r;
            break;
        }
        if (w[0] != '-' || w[1] == '\0') {
            if ((r = operand(&p, w)) != MR_OPT_OK)
                return r;
            continue;
        }
        if (w[1] == '-')
            r = parse_long(&p, argc, argv, &i);
        else
            r = parse_short(&p, argc, argv, &i);
        if (r != MR_OPT_OK)
            return r;
    }
    return check_required(&p);
}

const struct mr_opt *mr_opt_find(const struct mr_opt_group *const *groups, const char *word)
{
    if (word[0] != '-')
        return NULL;
    if (word[1] != '-')
        return word[1] && !word[2] ? find_short(groups, word[1]) : NULL;
    for (size_t g = 0; groups[g]; g++)
        for (const struct mr_opt *o = groups[g]->opts; o->kind != MR_OPT_END; o++)
            if (o->name && strcmp(o->name, word + 2) == 0)
                return o;
    return NULL;
}

/* " ARG", or " a|b|c" when the values are fixed. */
static void print_argh(FILE *out, const struct mr_opt *o)
{
    if (!o->argh)
        return;
    fputc(' ', out);
    if (o->choices)
        print_choices(out, o->choices, "|");
    else
        fputs(o->argh, out);
}

/* TEXT from column COL, wrapped at HELP_WIDTH onto lines that start at
 * HELP_COLUMN. */
static void print_wrapped(FILE *out, const char *text, int col)
{
    while (*text) {
        size_t len = strcspn(text, " ");
        if (col > HELP_COLUMN && col + 1 + (int)len > HELP_WIDTH) {
            fprintf(out, "\n%*s", HELP_COLUMN, "");
            col = HELP_COLUMN;
        } else if (col > HELP_COLUMN) {
            fputc(' ', out);
            col++;
        }
        fwrite(text, 1, len, out);
        col += (int)len;
        text += len;
        text += strspn(text, " ");
    }
    fputc('\n', out);
}

static void print_option(FILE *out, const struct mr_opt *o)
{
    char *left = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&left, &len);
    if (!f)
        return;
    if (o->short_name)
        fprintf(f, "  -%c, --%s", o->short_name, o->name);
    else
        fprintf(f, "      --%s", o->name);
    print_argh(f, o);
    fclose(f);
    fputs(left, out);
    if (len + 1 >= HELP_COLUMN)
        fprintf(out, "\n%*s", HELP_COLUMN, "");
    else
        fprintf(out, "%*s", HELP_COLUMN - (int)len, "");
    char *text = mr_xasprintf("%s%s", o->help, o->flags & MR_OPT_REPEAT ? " (repeatable)" : "");
    print_wrapped(out, text, HELP_COLUMN);
    free(text);
    free(left);
}

void mr_opt_help(FILE *out, const char *prog, const char *summary,
                 const struct mr_opt_group *const *groups)
{
    fprintf(out, "Usage: %s", prog);
    for (size_t g = 0; groups[g]; g++)
        for (const struct mr_opt *o = groups[g]->opts; o->kind != MR_OPT_END; o++)
            if ((o->flags & MR_OPT_REQUIRED) && o->kind != MR_OPT_ARGS) {
                fprintf(out, " --%s", o->name);
                print_argh(out, o);
            }
    fputs(" [OPTIONS]", out);
    const struct mr_opt *args = find_args(groups);
    if (args)
        fprintf(out, args->flags & MR_OPT_REQUIRED ? " %s" : " [%s]", args->argh);
    fprintf(out, "\n\n%s\n", summary);
    if (args && args->help)
        fprintf(out, "\n%s\n", args->help);
    for (size_t g = 0; groups[g]; g++) {
        fprintf(out, "\n%s:\n", groups[g]->title);
        for (const struct mr_opt *o = groups[g]->opts; o->kind != MR_OPT_END; o++)
            if (o->kind != MR_OPT_ARGS)
                print_option(out, o);
    }
}

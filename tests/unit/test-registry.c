/* The invariants of the registry (src/cli/registry.c): what `list`, `check`,
 * `fix`, the profiles and the README say about the checks agree with its
 * rows. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "fix.h"
#include "profile.h"
#include "registry.h"
#include "testutil.h"

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* area.name: the area one lower-case word (checks/AREA.c), the name
 * lower-case words joined by single dashes. */
static bool well_formed(const char *id)
{
    const char *s = id;
    while (word_char(*s))
        s++;
    if (s == id || *s++ != '.')
        return false;
    for (;;) {
        const char *w = s;
        while (word_char(*s))
            s++;
        if (s == w)
            return false;
        if (!*s)
            return true;
        if (*s++ != '-')
            return false;
    }
}

static void test_ids(void **state)
{
    (void)state;
    assert_true(mr_n_rows > 0);
    for (size_t i = 0; i < mr_n_rows; i++) {
        const char *id = mr_rows[i].check->id;
        if (!well_formed(id))
            fail_msg("check ID '%s' is not of the form area.name", id);
        for (size_t k = 0; k < i; k++)
            if (strcmp(mr_rows[k].check->id, id) == 0)
                fail_msg("check ID '%s' is in rows %zu and %zu", id, k, i);
        assert_ptr_equal(mr_row_find(id), &mr_rows[i]);
        assert_non_null(mr_rows[i].check->title);
        assert_non_null(mr_rows[i].check->run);
    }
    assert_null(mr_row_find("no.such-check"));
    assert_true(well_formed("nova.vnc-listen"));
    assert_false(well_formed("nova"));
    assert_false(well_formed("Nova.x"));
    assert_false(well_formed("a.b.c"));
    assert_false(well_formed("a.-b"));
}

/* fixable <=> has a fixer, except the rows whose exception says why; a
 * fixer belongs to one row and names that row's check. */
static void test_fixable(void **state)
{
    (void)state;
    size_t fixable = 0;
    for (size_t i = 0; i < mr_n_rows; i++) {
        const struct mr_row *r = &mr_rows[i];
        const char *id = r->check->id;
        if (r->manual_only) {
            if (!r->fixer)
                fail_msg("%s: an exception to fixable without a fixer", id);
            if (strlen(r->manual_only) < 10)
                fail_msg("%s: the exception must say why", id);
            assert_false(mr_row_fixable(r));
        } else {
            if (mr_row_fixable(r) != (r->fixer != NULL))
                fail_msg("%s: fixable is not 'has a fixer'", id);
        }
        fixable += mr_row_fixable(r);
        if (!r->fixer)
            continue;
        assert_non_null(r->fixer->run);
        if (strcmp(r->fixer->check_id, id) != 0)
            fail_msg("row %s has the fixer of %s", id, r->fixer->check_id);
        for (size_t k = 0; k < i; k++)
            if (mr_rows[k].fixer == r->fixer)
                fail_msg("the fixer of %s is also in row %s", id, mr_rows[k].check->id);
    }
    assert_true(fixable > 0);
    assert_false(mr_row_fixable(mr_row_find("ids.nova")));
    assert_non_null(mr_row_find("ids.nova")->fixer);
}

/* fix plans in the order of the rows; the firewall.ports fixer reads the
 * /etc/hosts that the hosts.resolution fixer plans. */
static void test_fix_order(void **state)
{
    (void)state;
    const struct mr_row *hosts = mr_row_find("hosts.resolution");
    const struct mr_row *fw = mr_row_find("firewall.ports");
    assert_non_null(hosts);
    assert_non_null(fw);
    assert_true(hosts < fw);
}

/* Every check ID or glob that a profile of profiles/ names is a check. */
static void test_profiles_name_checks(void **state)
{
    (void)state;
    char *dir = mr_test_path("../profiles");
    setenv("MIGREADY_PROFILE_DIR", dir, 1);
    char **names = mr_profile_names();
    assert_true(mr_strv_len(names) > 0);
    size_t named = 0;
    for (size_t i = 0; names[i]; i++) {
        /* One at a time: two storage profiles cannot be loaded together. */
        char *one[] = {names[i], NULL};
        struct mr_profile_set *set = NULL;
        char *msg = NULL;
        if (mr_profile_set_load(one, &set, &msg) < 0)
            fail_msg("profile %s: %s", names[i], msg);
        if (mr_registry_validate_profiles(set, &msg) < 0)
            fail_msg("%s", msg);
        named += mr_strv_len(set->items[0]->enable) + mr_strv_len(set->items[0]->disable);
        mr_profile_set_free(set);
    }
    assert_true(named > 0);
    mr_strv_free(names);
    free(dir);
}

/* A profile naming a check that does not exist is refused when it is
 * loaded, with its file and line. */
static void test_profile_unknown_check(void **state)
{
    (void)state;
    char *dir = mr_test_scratch();
    mr_test_write(dir, "/bad.ini",
                  "; a typo\n[profile]\nkind = role\n\n[checks]\nenable = nfs.exports\n"
                  "disable = nfs.fstab, nfs.acess\n");
    mr_test_write(dir, "/globs.ini", "[profile]\nkind = role\n[CHECKS]\nEnable = nfs.*\n");
    mr_test_write(dir, "/noglob.ini", "[checks]\nenable = nova.zz*\n");
    mr_test_write(dir, "/shared-nfs.ini", "[profile]\nkind = storage\n");
    mr_test_write(dir, "/tcp.ini", "[profile]\nkind = transport\n");
    setenv("MIGREADY_PROFILE_DIR", dir, 1);

    const struct {
        const char *name, *msg;
    } cases[] = {
        {"bad", "/bad.ini:7: no check matches 'nfs.acess' in [checks] disable "
                "(see 'migready list')"},
        {"noglob", "/noglob.ini:2: no check matches 'nova.zz*' in [checks] enable "
                   "(see 'migready list')"},
        {"globs", NULL},
    };
    for (size_t i = 0; i < MR_ARRAY_SIZE(cases); i++) {
        char *one[] = {(char *)cases[i].name, NULL};
        struct mr_profile_set *set = NULL;
        char *msg = NULL;
        assert_int_equal(mr_profile_set_load(one, &set, &msg), 0);
        int r = mr_registry_validate_profiles(set, &msg);
        if (cases[i].msg) {
            assert_int_equal(r, -EINVAL);
            char *want = mr_xasprintf("%s%s", dir, cases[i].msg);
            assert_non_null(msg);
            assert_string_equal(msg, want);
            free(want);
        } else {
            assert_int_equal(r, 0);
        }
        free(msg);
        mr_profile_set_free(set);
    }
    char *src = mr_test_path("../profiles");
    setenv("MIGREADY_PROFILE_DIR", src, 1);
    free(src);
    mr_test_rmtree(dir);
    free(dir);
}

/* The IDs in the first column of README.md's "### Checks" table. */
static char **readme_checks(void)
{
    char *text = mr_test_slurp("../README.md");
    char **ids = mr_xcalloc(1, sizeof(char *));
    char *at = strstr(text, "\n### Checks\n");
    assert_non_null(at);
    bool in_table = false;
    for (char *line = strchr(at + 1, '\n') + 1; *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (line[0] == '|') {
            in_table = true;
            /* "| `id` | ..." ; the header and the |---| rule have no backquote. */
            char *cell = line + 1 + strspn(line + 1, " ");
            char *end = strchr(cell, '|');
            if (end && cell[0] == '`') {
                char *close = strchr(cell + 1, '`');
                assert_true(close && close < end);
                char *id = mr_xstrndup(cell + 1, (size_t)(close - cell - 1));
                mr_strv_push(&ids, id);
                free(id);
            } else if (end && strncmp(cell, "id", 2) != 0 && cell[0] != '-') {
                fail_msg("README.md: a row of the checks table without an ID: %s", line);
            }
        } else if (in_table || line[0] == '#') {
            break;
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    free(text);
    return ids;
}

static void test_readme(void **state)
{
    (void)state;
    char **ids = readme_checks();
    assert_true(mr_strv_len(ids) > 0);
    for (size_t i = 0; i < mr_n_rows; i++)
        if (!mr_strv_contains(ids, mr_rows[i].check->id))
            fail_msg("README.md's checks table lacks %s", mr_rows[i].check->id);
    for (size_t i = 0; ids[i]; i++) {
        if (!mr_row_find(ids[i]))
            fail_msg("README.md's checks table names %s, which is not a check", ids[i]);
        for (size_t k = 0; k < i; k++)
            if (strcmp(ids[k], ids[i]) == 0)
                fail_msg("README.md's checks table names %s twice", ids[i]);
    }
    mr_strv_free(ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_fixable),
        cmocka_unit_test(test_fix_order),
        cmocka_unit_test(test_profiles_name_checks),
        cmocka_unit_test(test_profile_unknown_check),
        cmocka_unit_test(test_readme),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

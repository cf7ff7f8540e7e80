/* A main() for the fuzz harnesses when libFuzzer is not linked: every file
 * named on the command line, or in a folder named there, is one input.
 * Without arguments it replays tests/fuzz/corpus/NAME for the program
 * fuzz-NAME, which is what `make check` does, so that the corpora run
 * under the sanitizer build with any compiler. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "migready.h"

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rbe");
    if (!f) {
        fprintf(stderr, "replay: cannot open '%s': %s\n", path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 65536;
            buf = mr_xrealloc(buf, cap);
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "replay: cannot read '%s'\n", path);
        free(buf);
        return -1;
    }
    /* An exact-size copy, so that ASan catches a read past the input's end. */
    unsigned char *in = mr_xmalloc(len ? len : 1);
    if (len)
        memcpy(in, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(in, len);
    free(in);
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder's regular files in name order; returns how many. */
static int replay_dir(const char *dir, int *failed)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "replay: cannot open '%s': %s\n", dir, strerror(errno));
        (*failed)++;
        return 0;
    }
    char **names = mr_xcalloc(1, sizeof(char *));
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            mr_strv_push(&names, de->d_name);
    closedir(d);
    qsort(names, mr_strv_len(names), sizeof(char *), cmp_names);
    int count = 0;
    for (size_t i = 0; names[i]; i++) {
        char *p = mr_xasprintf("%s/%s", dir, names[i]);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(p) < 0)
                (*failed)++;
            count++;
        }
        free(p);
    }
    mr_strv_free(names);
    return count;
}

static int replay_path(const char *path, int *failed)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return replay_dir(path, failed);
    if (replay_file(path) < 0)
        (*failed)++;
    return 1;
}

int main(int argc, char **argv)
{
    int failed = 0, count = 0;
    for (int i = 1; i < argc; i++)
        count += replay_path(argv[i], &failed);
    if (argc < 2) {
        const char *base = strrchr(argv[0], '/');
        base = base ? base + 1 : argv[0];
        if (strncmp(base, "fuzz-", 5) != 0) {
            fprintf(stderr, "usage: %s FILE-OR-FOLDER...\n", argv[0]);
            return 2;
        }
        const char *tests = getenv("MR_TESTS");
        char *dir = mr_xasprintf("%s/fuzz/corpus/%s", tests && *tests ? tests : MR_ABS_SRCDIR
                                 "/tests", base + 5);
        count = replay_dir(dir, &failed);
        free(dir);
        if (count == 0 && !failed) {
            fprintf(stderr, "replay: the corpus of %s is empty\n", base);
            return 1;
        }
    }
    printf("replayed %d input%s\n", count, count == 1 ? "" : "s");
    return failed ? 1 : 0;
}

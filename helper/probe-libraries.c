/* libraries: does every ELF program and library of the image find its libraries? The
 * image's own loader says (libcheck.h), inside the container. */
#include <stdio.h>
#include <string.h>

#include "libcheck.h"
#include "probes.h"
#include "util.h"

#define PROBLEMS_MAX (256u << 10)

struct problems {
        char *text;
        size_t len, n;
};

static void collect(void *userdata, const char *path, const char *problem)
{
        struct problems *p = userdata;
        size_t add = strlen(path) + strlen(problem) + 3;

        p->n++;
        if (p->len + add > PROBLEMS_MAX)
                return;
        char *text = realloc(p->text, p->len + add + 1);
        if (!text)
                return;
        p->text = text;
        p->len += (size_t) sprintf(p->text + p->len, "%s: %s\n", path, problem);
}

void probe_libraries(const struct probe_env *env, const struct item_sink *sink)
{
        struct problems problems = {};
        size_t checked = 0;
        (void) env;
        int r = lib_check_tree(collect, &problems, &checked);

        if (r < 0)
                item_add(sink, "libraries", CHECK_FAIL, -1, NULL, "cannot walk the tree: %s", strerror(-r));
        else if (problems.n == 0)
                item_add(sink, "libraries", CHECK_OK, -1, NULL, "every ELF program and library finds its libraries (%zu files)",
                         checked);
        else
                item_add(sink, "libraries", CHECK_FAIL, -1, problems.text, "%zu ELF file(s) cannot load: %.*s", problems.n,
                         (int) strcspn(problems.text ?: "", "\n"), problems.text ?: "");
        free(problems.text);
}

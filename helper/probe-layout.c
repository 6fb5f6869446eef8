/* layout: the disk layout that `rear recover` recreates (var/lib/rear/layout/disklayout.conf)
 * is there, every line is an entry ReaR knows with the fields it needs, and the programs
 * that recreating those entries runs are present and run. */
#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "probes.h"
#include "util.h"

#define LAYOUT_FILE "/var/lib/rear/layout/disklayout.conf"
#define LAYOUT_MAX (4u << 20)

static void layout_problem(void *userdata, const char *problem)
{
        char *first = userdata;
        if (!first[0])
                snprintf(first, 512, "%s", problem);
}

void probe_layout(const struct probe_env *env, const struct item_sink *sink)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0, n_programs = 0;
        const struct layout_program *programs[LAYOUT_PROGRAMS_MAX];
        char problem[512] = "", why[512];

        (void) env;
        int r = read_file(LAYOUT_FILE, LAYOUT_MAX, &text, &len);
        if (r < 0) {
                item_add(sink, "layout", CHECK_FAIL, -1, NULL, "%s: %s: rear recover has no disk layout to recreate",
                         LAYOUT_FILE, strerror(-r));
                return;
        }
        size_t entries = layout_check(text, len, programs, &n_programs, layout_problem, problem);
        if (problem[0]) {
                item_add(sink, "layout", CHECK_FAIL, -1, NULL, "%s: %s", LAYOUT_FILE, problem);
                return;
        }
        if (entries == 0) {
                item_add(sink, "layout", CHECK_FAIL, -1, NULL, "%s holds no layout entry: nothing to recreate", LAYOUT_FILE);
                return;
        }
        for (size_t i = 0; i < n_programs; i++)
                if (probe_program(programs[i]->program, programs[i]->arg, why, sizeof(why)) < 0) {
                        item_add(sink, "layout", CHECK_FAIL, -1, NULL, "recreating the layout needs %s (for '%s'): %s",
                                 programs[i]->program, programs[i]->entry, why);
                        return;
                }
        item_add(sink, "layout", CHECK_OK, -1, NULL, "%zu layout entries; the %zu program(s) recreating them run", entries, n_programs);
}

/* units: what `systemctl --failed` says inside; judged by units_judge (units.c). */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "probes.h"
#include "units.h"
#include "util.h"

#define UNITS_MAX 64

void probe_units(const struct probe_env *env, const struct item_sink *sink)
{
        static char *const argv[] = { "systemctl", "--failed", "--plain", "--no-legend", "--no-pager", NULL };
        char out[16384], copy[sizeof(out)];
        const char *names[UNITS_MAX];
        size_t n = 0;
        int status = probe_command(argv, out, sizeof(out));

        if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                item_add(sink, "units", CHECK_FAIL, -1, out, "'systemctl --failed' did not work inside the rescue system");
                return;
        }
        /* "UNIT LOAD ACTIVE SUB DESCRIPTION", one a line. */
        memcpy(copy, out, sizeof(out));
        for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line && n < UNITS_MAX; line = strtok_r(NULL, "\n", &save)) {
                line[strcspn(line, " \t")] = '\0';
                if (line[0] && strchr(line, '.'))
                        names[n++] = line;
        }
        units_judge(env, names, n, "", out, sink);
}

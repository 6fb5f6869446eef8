#include <stdio.h>

#include "log.h"
#include "timeline.h"
#include "util.h"

struct mark {
        const char *step;       /* a string constant */
        long long end_us;
};

static struct mark marks[48];
static size_t n_marks;

void timeline_mark(const char *step)
{
        if (n_marks < ARRAY_SIZE(marks))
                marks[n_marks++] = (struct mark) { step, now_us() };
}

void timeline_log(long long start_us)
{
        char line[4096];
        size_t len = 0;
        long long since = start_us;

        line[0] = '\0';
        for (size_t i = 0; i < n_marks && len < sizeof(line); i++) {
                int n = snprintf(line + len, sizeof(line) - len, "%s%lld us %s", i ? "; " : "", marks[i].end_us - since,
                                 marks[i].step);
                if (n < 0)
                        break;
                len += (size_t) n;
                since = marks[i].end_us;
        }
        log_debug("start: %s", line);
}

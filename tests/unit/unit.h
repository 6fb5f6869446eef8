/* A minimal TAP test framework for the unit tests: CHECK(cond) prints "ok N - cond" or
 * "not ok N - cond" (with where it failed), unit_done() prints the plan and returns the
 * exit code of the test program. */
#pragma once

#include <stdio.h>

static int unit_run, unit_failed;

static inline int unit_check(int ok, const char *desc, const char *file, int line)
{
        unit_run++;
        if (ok) {
                printf("ok %d - %s\n", unit_run, desc);
                return 1;
        }
        unit_failed++;
        printf("not ok %d - %s\n#   at %s:%d\n", unit_run, desc, file, line);
        return 0;
}

/* Also an expression: true when the check passed, to skip checks that depend on it. */
#define CHECK(cond) unit_check(!!(cond), #cond, __FILE__, __LINE__)

static inline int unit_done(void)
{
        printf("1..%d\n", unit_run);
        if (unit_failed)
                printf("# %d of %d checks failed\n", unit_failed, unit_run);
        fflush(stdout);
        return unit_failed ? 1 : 0;
}

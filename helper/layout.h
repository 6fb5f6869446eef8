/* ReaR's disk layout file (disklayout.conf), read as `rear recover` reads it: one entry a
 * line ("disk /dev/vda 274877906944 gpt", "fs /dev/vda1 / ext4 uuid=..."), '#' comments.
 * A pure parser over a buffer (unit-tested, fuzzable). */
#pragma once

#include <stddef.h>

#define LAYOUT_PROGRAMS_MAX 16

/* A program that recreating an entry runs, and an argument it answers harmlessly. */
struct layout_program {
        const char *entry;      /* "part", "fs ext4", ... */
        const char *program;
        const char *arg;
};

/* Checks every line of text; calls problem (once per bad line, "line 3: ...") and returns the
 * number of entries. programs receives each program needed, once (at most LAYOUT_PROGRAMS_MAX). */
size_t layout_check(const char *text, size_t len, const struct layout_program **programs, size_t *n_programs,
                    void (*problem)(void *userdata, const char *problem), void *userdata);

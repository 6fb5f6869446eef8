/* ReaR's disk layout file (var/lib/rear/layout/disklayout.conf), read as `rear recover`
 * reads it: one entry a line ("disk /dev/vda 274877906944 gpt", "fs /dev/vda1 / ext4
 * uuid=..."), '#' comments (ReaR comments out what it excluded from the recovery).
 * One table of the entries ReaR knows serves both readers below: the check of an image's
 * layout (is every line an entry with the fields it needs, which programs recreate it) and
 * the scratch disks of a rehearsal (a disk for each "disk" entry, or, before anything is
 * made, the first entry a container cannot rehearse safely).
 * Pure parsers over a buffer (unit-tested, fuzzable). */
#pragma once

#include <stddef.h>

#include "scratch.h"

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

/* Refused for a rehearsal: LVM, md RAID, LUKS, multipath, DRBD, self-encrypting disks,
 * hardware RAID controllers, DASDs (the host's own LVM, md and device-mapper would act on
 * what a rehearsal recreates, and this kind of kernel may have no device-mapper at all),
 * file systems the host's kernel lacks or the helper does not mount for the container,
 * and any entry the table does not know.
 * text: the layout file (NUL-terminated); filesystems: /proc/filesystems. Appends to specs
 * (count of max used) the disks not named there already (an explicit --scratch-disk wins).
 * 0, or -EINVAL with "disklayout.conf line N: ENTRY: why" in error. */
int layout_scratch_disks(const char *text, const char *filesystems, struct scratch_spec *specs,
                         size_t *count, size_t max, char *error, size_t error_size);

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocktraps.h"
#include "scratchlayout.h"
#include "util.h"

/* Entries that need nothing but the scratch disks and the helper's mounts. */
static const char *const rehearsable_entries[] = {
        "disk", "part", "fs", "swap",
        "btrfsdefaultsubvol", "btrfsnormalsubvol", "btrfsmountedsubvol", "btrfsnocopyonwrite",
};

static const struct refused_entry {
        const char *keyword;
        const char *why;
} refused_entries[] = {
        { "lvmdev", "LVM cannot be rehearsed in a container (the host's LVM would act on it)" },
        { "lvmgrp", "LVM cannot be rehearsed in a container (the host's LVM would act on it)" },
        { "lvmvol", "LVM cannot be rehearsed in a container (the host's LVM would act on it)" },
        { "raid", "md RAID cannot be rehearsed in a container (the host's md would assemble it)" },
        { "raiddisk", "md RAID cannot be rehearsed in a container (the host's md would assemble it)" },
        { "raidarray", "md RAID cannot be rehearsed in a container (the host's md would assemble it)" },
        { "crypt", "LUKS cannot be rehearsed in a container (it needs the host's device-mapper)" },
        { "multipath", "multipath cannot be rehearsed in a container (it needs the host's device-mapper)" },
        { "drbd", "DRBD cannot be rehearsed in a container" },
        { "opaldisk", "a self-encrypting disk cannot be rehearsed on a scratch disk" },
        { "smartarray", "a hardware RAID controller cannot be rehearsed on a scratch disk" },
        { "logicaldrive", "a hardware RAID controller cannot be rehearsed on a scratch disk" },
        { "dasd", "an s390 DASD cannot be rehearsed on a scratch disk" },
        { "dasdfmt", "an s390 DASD cannot be rehearsed on a scratch disk" },
};

static bool in_list(const char *word, const char *const *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(word, list[i]) == 0)
                        return true;
        return false;
}

/* A "disk /dev/NAME SIZE ..." entry as a spec. */
static int disk_entry(char *fields[], size_t n, struct scratch_spec *spec, const char **why)
{
        char arg[128];
        char error[256];

        if (n < 3 || strncmp(fields[1], "/dev/", 5) != 0 || strchr(fields[1] + 5, '/')) {
                *why = "not a disk the container can have (a name in /dev)";
                return -EINVAL;
        }
        snprintf(arg, sizeof(arg), "%s:%s", fields[1] + 5, fields[2]);
        if (scratch_parse_spec(arg, spec, error, sizeof(error)) < 0) {
                *why = "not a disk name and a size in bytes (a multiple of 512)";
                return -EINVAL;
        }
        return 0;
}

static int check_entry(char *fields[], size_t n, const char *filesystems, const char **why)
{
        for (size_t i = 0; i < ARRAY_SIZE(refused_entries); i++)
                if (strcmp(fields[0], refused_entries[i].keyword) == 0) {
                        *why = refused_entries[i].why;
                        return -EINVAL;
                }
        if (!in_list(fields[0], rehearsable_entries, ARRAY_SIZE(rehearsable_entries))) {
                *why = "an entry rescue-spawn does not know how to rehearse";
                return -EINVAL;
        }
        if (strcmp(fields[0], "fs") == 0) {
                if (n < 4) {
                        *why = "an fs entry without a file system type";
                        return -EINVAL;
                }
                if (!blocktraps_kernel_has(filesystems, fields[3])) {
                        *why = "this host's kernel has no such file system (/proc/filesystems)";
                        return -EINVAL;
                }
                if (!blocktraps_mountable(fields[3])) {
                        *why = "rescue-spawn does not mount this file system type for the container";
                        return -EINVAL;
                }
        }
        return 0;
}

int scratch_layout_disks(const char *text, const char *filesystems, struct scratch_spec *specs,
                         size_t *count, size_t max, char *error, size_t error_size)
{
        const size_t explicit_count = *count;
        unsigned line_no = 0;
        char line[1024];

        for (const char *p = text; p && *p;) {
                const char *end = strchr(p, '\n');
                int len = (int) (end ? (size_t) (end - p) : strlen(p));
                snprintf(line, sizeof(line), "%.*s", len, p);
                p = end ? end + 1 : NULL;
                line_no++;

                char copy[1024], *fields[8], *save = NULL;
                size_t n = 0;
                snprintf(copy, sizeof(copy), "%s", line);
                for (char *f = strtok_r(copy, " \t\r", &save); f && n < ARRAY_SIZE(fields); f = strtok_r(NULL, " \t\r", &save))
                        fields[n++] = f;
                if (n == 0 || fields[0][0] == '#')
                        continue;       /* blank, a comment, or an entry ReaR excluded */

                const char *why = NULL;
                struct scratch_spec spec;
                int r = check_entry(fields, n, filesystems, &why);
                if (r == 0 && strcmp(fields[0], "disk") == 0 && (r = disk_entry(fields, n, &spec, &why)) == 0) {
                        bool named = false;
                        for (size_t i = 0; i < explicit_count && !named; i++)
                                named = strcmp(specs[i].name, spec.name) == 0;
                        if (!named) {
                                if (*count == max) {
                                        why = "more disks than rescue-spawn gives a container";
                                        r = -EINVAL;
                                } else
                                        specs[(*count)++] = spec;
                        }
                }
                if (r < 0) {
                        snprintf(error, error_size, "disklayout.conf line %u: %s: %s", line_no, line, why);
                        return r;
                }
        }
        return 0;
}

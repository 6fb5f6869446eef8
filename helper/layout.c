#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "blockmounts.h"
#include "layout.h"
#include "util.h"

#define FIELDS_MAX 16

#define NO_LVM  "LVM cannot be rehearsed in a container (the host's LVM would act on it)"
#define NO_MD   "md RAID cannot be rehearsed in a container (the host's md would assemble it)"
#define NO_DM   "cannot be rehearsed in a container (it needs the host's device-mapper)"
#define NO_HW   "a hardware RAID controller cannot be rehearsed on a scratch disk"

/* The entries of ReaR 2.7's layout code (layout/save, layout/prepare), the fields they need,
 * and why a rehearsal on scratch disks refuses them (NULL: it can carry them). */
static const struct layout_entry {
        const char *keyword;
        unsigned min_fields;    /* the keyword included */
        const char *fields;     /* what they are, for the message */
        const char *refused;
} layout_entries[] = {
        { "disk",               3, "device, size",                                     NULL },
        { "part",               7, "disk, size, start, type or name, flags, partition", NULL },
        { "fs",                 4, "device, mount point, type",                        NULL },
        { "swap",               2, "device",                                           NULL },
        { "btrfsdefaultsubvol", 2, "device",                                           NULL },
        { "btrfsnormalsubvol",  2, "device",                                           NULL },
        { "btrfsmountedsubvol", 2, "device",                                           NULL },
        { "btrfsnocopyonwrite", 2, "path",                                             NULL },
        { "lvmdev",             3, "volume group, physical volume",                    NO_LVM },
        { "lvmgrp",             3, "volume group, extent size",                        NO_LVM },
        { "lvmvol",             4, "volume group, volume, size",                       NO_LVM },
        { "raid",               2, "device",                                           NO_MD },
        { "raidarray",          2, "device",                                           NO_MD },
        { "raiddisk",           3, "array, device",                                    NO_MD },
        { "crypt",              3, "mapping, device",                                  "LUKS " NO_DM },
        { "multipath",          2, "device",                                           "multipath " NO_DM },
        { "drbd",               2, "device",                                           "DRBD cannot be rehearsed in a container" },
        { "opaldisk",           2, "device",                   "a self-encrypting disk cannot be rehearsed on a scratch disk" },
        { "smartarray",         2, "slot",                                             NO_HW },
        { "logicaldrive",       2, "device",                                           NO_HW },
        { "dasd",               2, "device",                   "an s390 DASD cannot be rehearsed on a scratch disk" },
        { "dasdfmt",            2, "device",                   "an s390 DASD cannot be rehearsed on a scratch disk" },
};

/* Which program recreates what: "fs" entries by their type (field 4). */
static const struct layout_program layout_programs[] = {
        { "part",      "parted",      "--version" },
        { "fs ext2",   "mkfs.ext2",   "-V" },
        { "fs ext3",   "mkfs.ext3",   "-V" },
        { "fs ext4",   "mkfs.ext4",   "-V" },
        { "fs ext4",   "tune2fs",     "-l" },
        { "fs xfs",    "mkfs.xfs",    "-V" },
        { "fs btrfs",  "mkfs.btrfs",  "--version" },
        { "fs vfat",   "mkfs.vfat",   "--help" },
        { "swap",      "mkswap",      "--version" },
        { "lvmdev",    "lvm",         "version" },
        { "raid",      "mdadm",       "--version" },
        { "raidarray", "mdadm",       "--version" },
        { "crypt",     "cryptsetup",  "--version" },
};

/* One line of the file, split at blanks. */
struct layout_line {
        unsigned number;
        char text[1024];        /* the line as it is, for messages */
        char copy[1024];        /* the same, cut into fields */
        char *fields[FIELDS_MAX];
        size_t n;
};

/* Reads the next line at *off into line; false at the end. */
static bool next_line(const char *text, size_t len, size_t *off, struct layout_line *line)
{
        if (*off >= len)
                return false;
        const char *nl = memchr(text + *off, '\n', len - *off);
        size_t line_len = (nl ? (size_t) (nl - text) : len) - *off;
        snprintf(line->text, sizeof(line->text), "%.*s", (int) line_len, text + *off);
        *off += line_len + 1;
        line->number++;
        memcpy(line->copy, line->text, sizeof(line->copy));
        line->n = 0;
        for (char *save = NULL, *f = strtok_r(line->copy, " \t\r", &save); f && line->n < FIELDS_MAX;
             f = strtok_r(NULL, " \t\r", &save))
                line->fields[line->n++] = f;
        return true;
}

static bool is_entry(const struct layout_line *line)
{
        return line->n > 0 && line->fields[0][0] != '#';
}

static const struct layout_entry *find_entry(const char *keyword)
{
        for (size_t i = 0; i < ARRAY_SIZE(layout_entries); i++)
                if (strcmp(layout_entries[i].keyword, keyword) == 0)
                        return &layout_entries[i];
        return NULL;
}

static void need(const char *entry, const struct layout_program **programs, size_t *n)
{
        for (size_t i = 0; i < ARRAY_SIZE(layout_programs); i++) {
                const struct layout_program *p = &layout_programs[i];
                bool have = false;
                if (strcmp(p->entry, entry) != 0)
                        continue;
                for (size_t j = 0; j < *n && !have; j++)
                        have = strcmp(programs[j]->program, p->program) == 0;
                if (!have && *n < LAYOUT_PROGRAMS_MAX)
                        programs[(*n)++] = p;
        }
}

size_t layout_check(const char *text, size_t len, const struct layout_program **programs, size_t *n_programs,
                    void (*problem)(void *userdata, const char *problem), void *userdata)
{
        struct layout_line line = { 0 };
        size_t entries = 0, off = 0;
        char message[1200];

        *n_programs = 0;
        while (next_line(text, len, &off, &line)) {
                if (!is_entry(&line))
                        continue;
                const struct layout_entry *e = find_entry(line.fields[0]);
                if (!e)
                        snprintf(message, sizeof(message), "line %u: '%s' is no layout entry ReaR knows",
                                 line.number, line.fields[0]);
                else if (line.n < e->min_fields)
                        snprintf(message, sizeof(message), "line %u: '%s' lacks fields (needs %s)",
                                 line.number, e->keyword, e->fields);
                else {
                        bool fs = strcmp(e->keyword, "fs") == 0;
                        char entry[64];
                        snprintf(entry, sizeof(entry), "%s%s%s", e->keyword, fs ? " " : "", fs ? line.fields[3] : "");
                        need(entry, programs, n_programs);
                        entries++;
                        continue;
                }
                problem(userdata, message);
        }
        return entries;
}

/* A "disk /dev/NAME SIZE ..." entry as a spec. */
static int disk_entry(const struct layout_line *line, struct scratch_spec *spec, const char **why)
{
        char arg[128];
        char error[256];

        if (line->n < 3 || strncmp(line->fields[1], "/dev/", 5) != 0 || strchr(line->fields[1] + 5, '/')) {
                *why = "not a disk the container can have (a name in /dev)";
                return -EINVAL;
        }
        snprintf(arg, sizeof(arg), "%s:%s", line->fields[1] + 5, line->fields[2]);
        if (scratch_parse_spec(arg, spec, error, sizeof(error)) < 0) {
                *why = "not a disk name and a size in bytes (a multiple of 512)";
                return -EINVAL;
        }
        return 0;
}

static int check_rehearsable(const struct layout_line *line, const char *filesystems, const char **why)
{
        const struct layout_entry *e = find_entry(line->fields[0]);

        if (!e) {
                *why = "an entry rescue-spawn does not know how to rehearse";
                return -EINVAL;
        }
        if (e->refused) {
                *why = e->refused;
                return -EINVAL;
        }
        if (strcmp(e->keyword, "fs") == 0) {
                if (line->n < 4) {
                        *why = "an fs entry without a file system type";
                        return -EINVAL;
                }
                if (!blockmounts_kernel_has(filesystems, line->fields[3])) {
                        *why = "this host's kernel has no such file system (/proc/filesystems)";
                        return -EINVAL;
                }
                if (!blockmounts_mountable(line->fields[3])) {
                        *why = "rescue-spawn does not mount this file system type for the container";
                        return -EINVAL;
                }
        }
        return 0;
}

/* Appends the disk of a "disk" line unless an explicit one (the first explicit_count) names it. */
static int add_disk(const struct layout_line *line, struct scratch_spec *specs, size_t explicit_count,
                    size_t *count, size_t max, const char **why)
{
        struct scratch_spec spec;
        int r = disk_entry(line, &spec, why);
        if (r < 0)
                return r;
        for (size_t i = 0; i < explicit_count; i++)
                if (strcmp(specs[i].name, spec.name) == 0)
                        return 0;
        if (*count == max) {
                *why = "more disks than rescue-spawn gives a container";
                return -EINVAL;
        }
        specs[(*count)++] = spec;
        return 0;
}

int layout_scratch_disks(const char *text, const char *filesystems, struct scratch_spec *specs,
                         size_t *count, size_t max, char *error, size_t error_size)
{
        const size_t explicit_count = *count;
        struct layout_line line = { 0 };
        size_t off = 0, len = strlen(text);

        while (next_line(text, len, &off, &line)) {
                if (!is_entry(&line))
                        continue;
                const char *why = NULL;
                int r = check_rehearsable(&line, filesystems, &why);
                if (r == 0 && strcmp(line.fields[0], "disk") == 0)
                        r = add_disk(&line, specs, explicit_count, count, max, &why);
                if (r < 0) {
                        snprintf(error, error_size, "disklayout.conf line %u: %s: %s", line.number, line.text, why);
                        return r;
                }
        }
        return 0;
}

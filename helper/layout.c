#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"
#include "util.h"

#define FIELDS_MAX 16

/* The entries of ReaR 2.7's layout code (layout/save, layout/prepare) and the fields they need. */
static const struct layout_entry {
        const char *keyword;
        unsigned min_fields;    /* the keyword included */
        const char *fields;     /* what they are, for the message */
} layout_entries[] = {
        { "disk",               3, "device, size" },
        { "part",               7, "disk, size, start, type or name, flags, partition" },
        { "fs",                 4, "device, mount point, type" },
        { "swap",               2, "device" },
        { "lvmdev",             3, "volume group, physical volume" },
        { "lvmgrp",             3, "volume group, extent size" },
        { "lvmvol",             4, "volume group, volume, size" },
        { "raid",               2, "device" },
        { "raidarray",          2, "device" },
        { "raiddisk",           3, "array, device" },
        { "crypt",              3, "mapping, device" },
        { "multipath",          2, "device" },
        { "opaldisk",           2, "device" },
        { "btrfsdefaultsubvol", 2, "device" },
        { "btrfsnormalsubvol",  2, "device" },
        { "btrfsmountedsubvol", 2, "device" },
        { "btrfsnocopyonwrite", 2, "path" },
        { "dasd",               2, "device" },
        { "dasdfmt",            2, "device" },
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

/* Splits line (modified) at blanks; returns the number of fields. */
static size_t split(char *line, char *fields[FIELDS_MAX])
{
        size_t n = 0;
        for (char *save = NULL, *f = strtok_r(line, " \t", &save); f && n < FIELDS_MAX; f = strtok_r(NULL, " \t", &save))
                fields[n++] = f;
        return n;
}

static const struct layout_entry *find_entry(const char *keyword)
{
        for (size_t i = 0; i < ARRAY_SIZE(layout_entries); i++)
                if (strcmp(layout_entries[i].keyword, keyword) == 0)
                        return &layout_entries[i];
        return NULL;
}

size_t layout_check(const char *text, size_t len, const struct layout_program **programs, size_t *n_programs,
                    void (*problem)(void *userdata, const char *problem), void *userdata)
{
        size_t entries = 0, line_no = 0;
        char line[1024], message[1200], *fields[FIELDS_MAX];

        *n_programs = 0;
        for (size_t off = 0; off < len; ) {
                const char *nl = memchr(text + off, '\n', len - off);
                size_t line_len = (nl ? (size_t) (nl - text) : len) - off;
                snprintf(line, sizeof(line), "%.*s", (int) line_len, text + off);
                off += line_len + 1;
                line_no++;
                size_t n = split(line, fields);
                if (n == 0 || fields[0][0] == '#')
                        continue;
                const struct layout_entry *e = find_entry(fields[0]);
                if (!e)
                        snprintf(message, sizeof(message), "line %zu: '%s' is no layout entry ReaR knows", line_no, fields[0]);
                else if (n < e->min_fields)
                        snprintf(message, sizeof(message), "line %zu: '%s' lacks fields (needs %s)", line_no, e->keyword, e->fields);
                else {
                        char entry[64];
                        snprintf(entry, sizeof(entry), "%s%s%s", e->keyword, strcmp(e->keyword, "fs") == 0 ? " " : "",
                                 strcmp(e->keyword, "fs") == 0 ? fields[3] : "");
                        need(entry, programs, n_programs);
                        entries++;
                        continue;
                }
                problem(userdata, message);
        }
        return entries;
}

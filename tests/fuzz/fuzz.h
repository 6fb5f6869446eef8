/* Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): the parsers that read image
 * content on the host side get bytes the image could hold. Those that read a tree (the
 * ELF, ld.so.cache and ld.so.conf readers behind elf_check_tree) get a small tree in a
 * tmpfs (/dev/shm), made once per process and removed at its exit, into which each input
 * is written as the file the parser reads. */
#pragma once

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_tree[64];

static inline int fuzz_remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void) st, (void) type, (void) ftw;
        return remove(path);
}

static inline void fuzz_tree_remove(void)
{
        if (fuzz_tree[0])
                nftw(fuzz_tree, fuzz_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* PATH relative to the tree; its directories are made. Aborts on failure: a target that
 * cannot set up must not report that everything is fine. */
static inline void fuzz_write(const char *path, const void *data, size_t size)
{
        char full[256];
        snprintf(full, sizeof(full), "%s/%s", fuzz_tree, path);
        for (char *slash = strchr(full + strlen(fuzz_tree) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                mkdir(full, 0755);
                *slash = '/';
        }
        int fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        if (fd < 0 || (size && write(fd, data, size) != (ssize_t) size) || close(fd) < 0)
                abort();
}

/* A copy of a file of this machine (e.g. /bin/true) into the tree. */
static inline void fuzz_copy_in(const char *from, const char *to)
{
        FILE *f = fopen(from, "rb");
        static char buf[4 << 20];
        size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
        if (!f || n == 0)
                abort();
        fclose(f);
        fuzz_write(to, buf, n);
}

static inline void fuzz_tree_create(void)
{
        snprintf(fuzz_tree, sizeof(fuzz_tree), "/dev/shm/rt-fuzz.XXXXXX");
        if (!mkdtemp(fuzz_tree))
                abort();
        atexit(fuzz_tree_remove);
}

/* Small helpers shared by every file: cleanup attributes and error plumbing.
 * Convention: functions return 0 (or a count) on success and -errno on failure;
 * the caller decides what to log. */
#pragma once

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
                *fd = -1;
        }
}

static inline void freep(void *p)
{
        free(*(void **) p);
}

static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand an fd out of a _cleanup_close_ variable. */
static inline int take_fd(int *fd)
{
        int r = *fd;
        *fd = -1;
        return r;
}

static inline void *take_ptr(void *pp)
{
        void **p = pp;
        void *r = *p;
        *p = NULL;
        return r;
}

/* -errno of the last failed libc call, never 0. */
static inline int negative_errno(void)
{
        return errno > 0 ? -errno : -EIO;
}

/* Write all of buf, retrying on EINTR and short writes. */
int write_all(int fd, const void *buf, size_t len);
/* Write a whole small file (create or truncate) with the given mode. */
int write_file(const char *path, const char *content, int mode);
/* Read up to max bytes of a file into a NUL-terminated malloc'd buffer. */
int read_file(const char *path, size_t max, char **ret, size_t *ret_len);
/* Monotonic clock in milliseconds and microseconds. */
long long now_ms(void);
long long now_us(void);

/* Copy path (shorter than slot) into slot for a process that shares our memory and may
 * read it at any moment, even after we were killed in the middle of this (the guard,
 * cgroup.h): its first byte last, so that the reader sees "" or the whole path, never
 * a part of it, which could name a group that is not ours. */
static inline void publish_path(char *slot, const char *path)
{
        if (path[0])
                memcpy(slot + 1, path + 1, strlen(path));
        __atomic_store_n(&slot[0], path[0], __ATOMIC_RELEASE);
}

/* buf = "a/b"; -ENAMETOOLONG when it does not fit. */
int path_join(char *buf, size_t size, const char *a, const char *b);
/* The subdirectories of the open directory fd, read with getdents64: no malloc, for the
 * guard's code (cgroup.h). */
struct subdirs {
        int fd;
        char buf[4096];
        ssize_t len, off;
};
/* The next one's name ("." and ".." left out), NULL at the end or on an error. */
const char *subdirs_next(struct subdirs *d);
/* rmdir of path and of its subdirectories, deepest first: what holds a file (in a
 * cgroup: a process) stays. 0 when path is gone, else -errno of its rmdir. No malloc. */
int rmdir_tree(const char *path);

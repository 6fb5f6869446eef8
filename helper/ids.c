#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clone.h"
#include "ids.h"
#include "log.h"
#include "util.h"

/* The namespace's holder only waits to be killed. */
#define HOLDER_STACK_SIZE (16 * 1024)

static int __attribute__((noreturn)) pause_until_killed(void *unused)
{
        (void) unused;
        for (;;)
                pause();
}

/* A user namespace with the map "0 base count" (uids and gids), held by an fd. A process
 * must be in the namespace while its map is written: a child in the helper's memory that
 * only waits for the kill, reaped before returning. */
static int user_namespace_new(uid_t base, unsigned long count)
{
        _cleanup_(clone_stack_free) struct clone_stack stack = {};
        char path[64], map[64];
        int r, fd = -1;

        if ((r = clone_stack_new(&stack, HOLDER_STACK_SIZE)) < 0)
                return r;
        /* No exit signal: reaped with __WALL. */
        pid_t pid = clone(pause_until_killed, clone_stack_top(&stack), CLONE_NEWUSER | CLONE_VM, NULL);
        if (pid < 0)
                return negative_errno();
        snprintf(map, sizeof(map), "0 %u %lu\n", (unsigned) base, count);
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
        r = write_file(path, map, 0);
        snprintf(path, sizeof(path), "/proc/%d/gid_map", (int) pid);
        if (r == 0)
                r = write_file(path, map, 0);
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int) pid);
        if (r == 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
                r = negative_errno();
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
                ;
        return r < 0 ? r : fd;
}

/* Take the lock of the range at base; 0, or -EBUSY when another run holds it. */
static int lock_range(struct ids *ids, uid_t base)
{
        struct stat held;
        bool dir_made = false;

        snprintf(ids->lock_path, sizeof(ids->lock_path), IDS_LOCK_DIR "/%u", (unsigned) base);
        for (;;) {
                int fd = open(ids->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                /* The directory is made by the first run after a boot (not tried each time). */
                if (fd < 0 && errno == ENOENT && !dir_made) {
                        dir_made = true;
                        if (mkdir(IDS_LOCK_DIR, 0700) < 0 && errno != EEXIST)
                                return negative_errno();
                        continue;
                }
                if (fd < 0)
                        return negative_errno();
                if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                        int r = errno == EWOULDBLOCK ? -EBUSY : negative_errno();
                        close(fd);
                        return r;
                }
                /* A run that ended removed the file after we opened it: lock the new one.
                 * Only ids_release and ids_fall_back unlink it, nothing renames it: a file
                 * that is linked at all is still the one at lock_path. */
                if (fstat(fd, &held) == 0 && held.st_nlink > 0) {
                        ids->lock_fd = fd;
                        return 0;
                }
                close(fd);
        }
}

static int pick_range(struct ids *ids)
{
        for (unsigned i = 0; i < IDS_RANGES; i++) {
                uid_t base = IDS_FIRST_BASE + i * IDS_RANGE;
                int r = lock_range(ids, base);
                if (r == 0) {
                        ids->base = base;
                        return 0;
                }
                if (r != -EBUSY)
                        return r;
        }
        return -EUSERS;
}

int ids_setup(struct ids *ids, bool private_users)
{
        int r;

        *ids = (struct ids) { .userns_fd = -1, .lock_fd = -1 };
        if (private_users) {
                if ((r = pick_range(ids)) < 0) {
                        log_info("warning: no free range of %u host uids for the container (%s): its root is the "
                                 "host's root", IDS_RANGE, strerror(-r));
                        ids->base = 0;
                } else if ((ids->userns_fd = user_namespace_new(ids->base, IDS_RANGE)) >= 0)
                        return 0;
                else if (ids->userns_fd != -EINVAL)
                        return ids->userns_fd;
                else
                        return ids_fall_back(ids, "the kernel refused the map");
        }
        ids->userns_fd = user_namespace_new(0, 4294967295UL);
        return ids->userns_fd < 0 ? ids->userns_fd : 0;
}

int ids_fall_back(struct ids *ids, const char *why)
{
        log_info("warning: %s: the container's root is the host's root (no private uid range; "
                 "see rescue-spawn(8), --private-users)", why);
        closep(&ids->userns_fd);
        if (ids->lock_fd >= 0) {
                (void) unlink(ids->lock_path);
                closep(&ids->lock_fd);
        }
        ids->base = 0;
        ids->userns_fd = user_namespace_new(0, 4294967295UL);
        return ids->userns_fd < 0 ? ids->userns_fd : 0;
}

void ids_release(struct ids *ids)
{
        closep(&ids->userns_fd);
        /* Removed while still held: the next run that finds it gone makes a new one. */
        if (ids->lock_fd >= 0) {
                (void) unlink(ids->lock_path);
                closep(&ids->lock_fd);
        }
}

uid_t ids_host_uid(const struct ids *ids, uid_t inside)
{
        return ids->base && inside < IDS_RANGE ? ids->base + inside : inside;
}

gid_t ids_host_gid(const struct ids *ids, gid_t inside)
{
        return ids->base && inside < IDS_RANGE ? ids->base + inside : inside;
}

int ids_own(const struct ids *ids, int dirfd, const char *path, uid_t uid, gid_t gid)
{
        return fchownat(dirfd, path, ids_host_uid(ids, uid), ids_host_gid(ids, gid), AT_SYMLINK_NOFOLLOW) < 0
               ? negative_errno() : 0;
}

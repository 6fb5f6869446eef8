/* Leftovers of dead helpers (see stale.h). Their names carry the helper's PID; where no
 * process has that PID, the helper is gone and nothing will remove them: the guard that
 * runs this has just removed its own, and takes what is empty of theirs. A live helper
 * keeps its PID and so its leftovers-to-be; a PID that was given to another process
 * since keeps them until that process ends. Only rmdir: what holds a file or a process
 * stays. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/types.h>

#include "cgroup.h"
#include "stale.h"
#include "util.h"

/* "rescue-spawn-PID" (a group) or "rescue-spawn.PID.XXXXXX" (a runtime directory): the
 * PID, or 0 for any other name. */
static pid_t owner_of(const char *name, enum stale_kind kind)
{
        static const char prefix[] = "rescue-spawn";
        const char *p = name + sizeof(prefix) - 1;
        long pid = 0;

        if (strncmp(name, prefix, sizeof(prefix) - 1) != 0 || *p++ != (kind == STALE_GROUP ? '-' : '.'))
                return 0;
        for (; *p >= '0' && *p <= '9' && pid < 1L << 22; p++)
                pid = pid * 10 + (*p - '0');
        if (*p != (kind == STALE_GROUP ? '\0' : '.'))
                return 0;
        return (pid_t) pid;
}

void stale_remove_beside(const char *own_path, enum stale_kind kind)
{
        char parent[PATH_MAX], entries[4096], path[PATH_MAX];
        const char *slash = strrchr(own_path, '/');
        ssize_t n;

        if (!slash || (size_t) (slash - own_path) >= sizeof(parent))
                return;
        memcpy(parent, own_path, slash - own_path);
        parent[slash - own_path] = '\0';
        _cleanup_close_ int fd = open(parent[0] ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return;
        while ((n = getdents64(fd, entries, sizeof(entries))) > 0)
                for (ssize_t off = 0; off < n;) {
                        const struct dirent64 *de = (const struct dirent64 *) (entries + off);
                        pid_t pid = owner_of(de->d_name, kind);

                        off += de->d_reclen;
                        if (de->d_type != DT_DIR || pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH)
                                continue;
                        if (path_join(path, sizeof(path), parent, de->d_name) < 0 ||
                            (kind == STALE_GROUP && cgroup_is_populated(path)))
                                continue;
                        (void) rmdir_tree(path);
                }
}

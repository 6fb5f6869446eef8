/* Leftovers of dead helpers (see stale.h). Their names carry the helper's PID; where no
 * process has that PID, the helper is gone and nothing will remove them: the guard that
 * runs this has just removed its own, and takes what is empty of theirs. A live helper
 * keeps its PID and so its leftovers-to-be; a PID that was given to another process
 * since keeps them until that process ends. Only rmdir: what holds a file or a process
 * stays. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>

#include "cgroup.h"
#include "stale.h"
#include "util.h"

/* Policy: how each kind's name carries the PID, "rescue-spawn" SEPARATOR PID END. */
static const struct {
        char separator, end;
} names[] = {
        [STALE_GROUP] = { '-', '\0' },         /* rescue-spawn-PID */
        [STALE_RUNTIME_DIR] = { '.', '.' },     /* rescue-spawn.PID.XXXXXX */
};

/* The PID a name of that kind carries, or 0 for any other name. */
static pid_t owner_of(const char *name, enum stale_kind kind)
{
        static const char prefix[] = "rescue-spawn";
        const char *p = name + sizeof(prefix) - 1;
        long pid = 0;

        if (strncmp(name, prefix, sizeof(prefix) - 1) != 0 || *p++ != names[kind].separator)
                return 0;
        for (; *p >= '0' && *p <= '9' && pid < 1L << 22; p++)
                pid = pid * 10 + (*p - '0');
        return *p == names[kind].end ? (pid_t) pid : 0;
}

void stale_remove_beside(const char *own_path, enum stale_kind kind)
{
        char parent[PATH_MAX], path[PATH_MAX];
        const char *slash = strrchr(own_path, '/');

        if (!slash || (size_t) (slash - own_path) >= sizeof(parent))
                return;
        memcpy(parent, own_path, slash - own_path);
        parent[slash - own_path] = '\0';
        _cleanup_close_ int fd = open(parent[0] ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct subdirs d = { .fd = fd };
        if (fd < 0)
                return;
        for (const char *name; (name = subdirs_next(&d));) {
                pid_t pid = owner_of(name, kind);

                if (pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH)
                        continue;
                if (path_join(path, sizeof(path), parent, name) < 0 || (kind == STALE_GROUP && cgroup_is_populated(path)))
                        continue;
                (void) rmdir_tree(path);
        }
}

#include <dirent.h>
#include <fcntl.h>
#include <libmount.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup.h"
#include "clone.h"
#include "ids.h"
#include "stale.h"
#include "util.h"

#define DESTROY_WAIT_MS 5000
/* cgroup_destroy walks the tree with a PATH_MAX buffer per level. */
#define GUARD_STACK_SIZE (128 * 1024)

static void mnt_table_freep(struct libmnt_table **t)
{
        mnt_unref_table(*t);
}

/* Where the cgroup2 hierarchy is mounted, and the mount's own root inside it. */
static int find_cgroup2_mount(char *target, size_t tsize, char *root, size_t rsize)
{
        /* Where systemd and every distribution put it (pure v2, then hybrid): no need to
         * parse the mount table for the usual case. */
        static const char *const usual[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
        for (size_t i = 0; i < ARRAY_SIZE(usual); i++) {
                struct statfs sfs;
                if (statfs(usual[i], &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
                        snprintf(target, tsize, "%s", usual[i]);
                        snprintf(root, rsize, "/");
                        return 0;
                }
        }

        _cleanup_(mnt_table_freep) struct libmnt_table *table = mnt_new_table_from_file("/proc/self/mountinfo");
        struct libmnt_iter *iter;
        struct libmnt_fs *fs;
        int r = -ENOENT;

        if (!table)
                return -ENOMEM;
        iter = mnt_new_iter(MNT_ITER_FORWARD);
        if (!iter)
                return -ENOMEM;
        while (mnt_table_next_fs(table, iter, &fs) == 0) {
                if (strcmp(mnt_fs_get_fstype(fs) ?: "", "cgroup2") != 0)
                        continue;
                snprintf(target, tsize, "%s", mnt_fs_get_target(fs));
                snprintf(root, rsize, "%s", mnt_fs_get_root(fs) ?: "/");
                r = 0;
                break;
        }
        mnt_free_iter(iter);
        return r;
}

int cgroup_create(char *path, size_t size)
{
        char mount_point[PATH_MAX], mount_root[PATH_MAX], own[PATH_MAX];
        _cleanup_free_ char *content = NULL;
        int r;

        if ((r = find_cgroup2_mount(mount_point, sizeof(mount_point), mount_root, sizeof(mount_root))) < 0)
                return r;
        if ((r = read_file("/proc/self/cgroup", 65536, &content, NULL)) < 0)
                return r;
        /* The cgroup2 line is "0::/path". */
        const char *line = strstr(content, "0::");
        if (!line || (line != content && line[-1] != '\n'))
                return -ENOENT;
        line += 3;
        size_t len = strcspn(line, "\n");
        snprintf(own, sizeof(own), "%.*s", (int) len, line);

        const char *relative = own;
        size_t root_len = strlen(mount_root);
        if (strcmp(mount_root, "/") != 0) {
                if (strncmp(own, mount_root, root_len) != 0)
                        return -ENOENT;
                relative = own + root_len;
        }
        char made[PATH_MAX];
        int n = snprintf(made, sizeof(made), "%s%s/rescue-spawn-%d", mount_point,
                         strcmp(relative, "/") == 0 ? "" : relative, (int) getpid());
        if (n < 0 || (size_t) n >= sizeof(made) || (size_t) n >= size)
                return -ENAMETOOLONG;
        /* Known to the guard before it exists (see cgroup.h). */
        publish_path(path, made);
        if ((r = cgroup_make(made)) < 0) {
                publish_path(path, "");
                return r;
        }
        return 0;
}

bool cgroup_is_populated(const char *path)
{
        char file[PATH_MAX], events[512];

        if (path_join(file, sizeof(file), path, "cgroup.events") < 0)
                return false;
        _cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : read(fd, events, sizeof(events) - 1);
        if (n <= 0)
                return false;
        events[n] = '\0';
        return strstr(events, "populated 1") != NULL;
}

int cgroup_make(const char *path)
{
        int r;

        if (mkdir(path, 0755) == 0)
                return 0;
        if (errno != EEXIST)
                return negative_errno();
        /* Nothing but a helper makes the name, and no live process but us has the PID:
         * a helper of the same PID made it and died together with its guard. */
        if (cgroup_is_populated(path))
                return -EEXIST;
        if ((r = rmdir_tree(path)) < 0)
                return r;
        return mkdir(path, 0755) < 0 ? negative_errno() : 0;
}

int cgroup_delegate(const char *path, const struct ids *ids)
{
        /* What systemd's delegation gives a unit's payload: the group and the files
         * that move processes and enable controllers below it. */
        static const char *const files[] = { "cgroup.procs", "cgroup.threads", "cgroup.subtree_control" };
        char file[PATH_MAX];
        int r;

        if ((r = ids_own(ids, AT_FDCWD, path, 0, 0)) < 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(files); i++)
                if ((r = path_join(file, sizeof(file), path, files[i])) < 0 || (r = ids_own(ids, AT_FDCWD, file, 0, 0)) < 0)
                        return r;
        return 0;
}

/* No malloc here or in cgroup_v1_destroy: the guard runs them in the memory of a helper
 * that may have been killed in the middle of a malloc (see guard_start). */
int cgroup_destroy(const char *path)
{
        char file[PATH_MAX];
        int r;

        if ((r = path_join(file, sizeof(file), path, "cgroup.kill")) < 0)
                return r;
        /* cgroup.kill (Linux 5.14) SIGKILLs the whole subtree, including what escaped PID 1's watch. */
        (void) write_file(file, "1", 0);
        for (long long deadline = now_ms() + DESTROY_WAIT_MS; cgroup_is_populated(path) && now_ms() < deadline;)
                usleep(2000);
        return rmdir_tree(path);
}

/* A v1 group (the limits' controllers on a hybrid host, see limits.h): its processes
 * are the container's, already killed through the v2 group where there is one; kill
 * what is left, and remove the group once the kernel has let them go. No malloc. */
int cgroup_v1_destroy(const char *path)
{
        char file[PATH_MAX], pids[4096];

        if (path_join(file, sizeof(file), path, "cgroup.procs") < 0)
                return -ENAMETOOLONG;
        for (long long deadline = now_ms() + DESTROY_WAIT_MS;;) {
                if (rmdir(path) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY || now_ms() >= deadline)
                        return negative_errno();
                int fd = open(file, O_RDONLY | O_CLOEXEC);
                ssize_t n = fd < 0 ? -1 : read(fd, pids, sizeof(pids) - 1);
                if (fd >= 0)
                        close(fd);
                for (ssize_t i = 0; i < n;) {
                        long pid = 0;
                        while (i < n && pids[i] >= '0' && pids[i] <= '9')
                                pid = pid * 10 + (pids[i++] - '0');
                        if (pid > 0)
                                kill((pid_t) pid, SIGKILL);
                        i++;
                }
                usleep(2000);
        }
}

static int guard_main(void *data)
{
        const struct guard *g = data;

        /* A Ctrl-C or SIGTERM meant for the helper must not stop the cleanup. */
        static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTOU, SIGTTIN };
        for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
                signal(ignored[i], SIG_IGN);
        /* Nothing of the helper's stays open here but stderr and the pipe: a reader of
         * the helper's stdout must see EOF when the helper ends. */
        if (dup2(g->pipe_fd, 3) < 0)
                return 1;
        syscall(SYS_close_range, 4u, ~0u, 0u);
        int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd >= 0) {
                dup2(null_fd, 0);
                dup2(null_fd, 1);
        }
        prctl(PR_SET_NAME, "rescue-spawn-gd");

        /* Only system calls and libc functions that allocate nothing, here, in
         * cgroup_destroy and in stale_remove_beside: the helper runs alongside, or has
         * died, perhaps inside malloc. */
        for (;;) {
                char byte;
                ssize_t n = read(3, &byte, 1);
                if (n == 0 || (n < 0 && errno != EINTR))
                        break;
        }
        /* Each of ours, then what helpers killed together with their guards left beside it. */
        if (g->cgroup_path && g->cgroup_path[0]) {
                (void) cgroup_destroy(g->cgroup_path);
                stale_remove_beside(g->cgroup_path, STALE_GROUP);
        }
        for (size_t i = 0; i < g->n_v1; i++)
                if (g->v1_paths[i][0]) {
                        (void) cgroup_v1_destroy(g->v1_paths[i]);
                        stale_remove_beside(g->v1_paths[i], STALE_GROUP);
                }
        if (g->runtime_dir && g->runtime_dir[0]) {
                (void) rmdir(g->runtime_dir);
                stale_remove_beside(g->runtime_dir, STALE_RUNTIME_DIR);
        }
        return 0;
}

int guard_start(struct guard *g, const char *cgroup_path, const char (*v1_paths)[PATH_MAX], size_t n_v1,
                const char *runtime_dir)
{
        int fds[2], r;

        *g = (struct guard) { .pid = -1, .fd = -1, .cgroup_path = cgroup_path, .v1_paths = v1_paths, .n_v1 = n_v1,
                              .runtime_dir = runtime_dir };
        /* Before Linux 5.16 a process that dumped core first killed every process
         * sharing its memory, the guard included; one that may not dump does not. */
        if (prctl(PR_SET_DUMPABLE, 0) < 0)
                return negative_errno();
        if ((r = clone_stack_new(&g->stack, GUARD_STACK_SIZE)) < 0)
                return r;
        if (pipe2(fds, O_CLOEXEC) < 0) {
                r = negative_errno();
                clone_stack_free(&g->stack);
                return r;
        }
        g->pipe_fd = fds[0];
        g->pid = clone(guard_main, clone_stack_top(&g->stack), CLONE_VM | SIGCHLD, g);
        r = g->pid < 0 ? negative_errno() : 0;
        close(fds[0]);
        if (r < 0) {
                close(fds[1]);
                clone_stack_free(&g->stack);
                return r;
        }
        g->fd = fds[1];
        return 0;
}

void guard_stop(struct guard *g)
{
        if (g->fd < 0)
                return;
        closep(&g->fd);
        while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        clone_stack_free(&g->stack);
}

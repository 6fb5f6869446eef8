#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "blockmounts.h"
#include "blocktraps.h"
#include "ids.h"
#include "log.h"
#include "util.h"

/* File systems the helper mounts for the container: those a rescue system
 * recreates and the kernel mounts from a block device. */
static const char *const mountable_types[] = { "ext2", "ext3", "ext4", "xfs", "btrfs" };

/* mount(2) flags that make it something else than a new mount: left to the kernel. */
#define NOT_A_NEW_MOUNT (MS_REMOUNT | MS_BIND | MS_MOVE | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)

/* mount(2) flags as mount attributes; nosuid and nodev always. */
static const struct {
        unsigned long flag;
        unsigned attr;
} mount_attributes[] = {
        { MS_RDONLY, MOUNT_ATTR_RDONLY }, { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
        { MS_NOATIME, MOUNT_ATTR_NOATIME }, { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
        { MS_STRICTATIME, MOUNT_ATTR_STRICTATIME },
};

/* mount(2) flags that are superblock options. */
static const struct {
        unsigned long flag;
        const char *option;
} superblock_flags[] = {
        { MS_RDONLY, "ro" }, { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" }, { MS_LAZYTIME, "lazytime" },
};

bool blockmounts_mountable(const char *fstype)
{
        for (size_t i = 0; i < ARRAY_SIZE(mountable_types); i++)
                if (strcmp(fstype, mountable_types[i]) == 0)
                        return true;
        return false;
}
/* "nodev\text4\n" lines: is fstype one of them? */
bool blockmounts_kernel_has(const char *filesystems, const char *fstype)
{
        for (const char *line = filesystems; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t) (end - line) : strlen(line);
                const char *tab = memchr(line, '\t', len);
                const char *name = tab ? tab + 1 : line;
                size_t name_len = len - (size_t) (name - line);
                if (name_len == strlen(fstype) && strncmp(name, fstype, name_len) == 0)
                        return true;
                line = end ? end + 1 : NULL;
        }
        return false;
}

static bool kernel_has(const char *fstype)
{
        _cleanup_free_ char *text = NULL;
        size_t len;

        return read_file("/proc/filesystems", 65536, &text, &len) == 0 && blockmounts_kernel_has(text, fstype);
}

/* Mount options that reach beyond the scratch disk: a panic of the host's kernel on a
 * file system error, a journal or log on another device (by number, or by a path),
 * other devices of a file system. value NULL: whatever the value. */
static const struct {
        const char *key, *value;
} refused_options[] = {
        { "errors", "panic" }, { "fatal_errors", "panic" }, { "fatal_errors", "bug" },
        { "journal_dev", NULL }, { "journal_path", NULL }, { "logdev", NULL }, { "rtdev", NULL },
        { "device", NULL },
};

/* The ext file systems take what to do on an error from their superblock, which the
 * image writes (mkfs.ext4 -e panic): unless the image chose, never the panic. */
static const char *const errors_default_types[] = { "ext2", "ext3", "ext4" };

/* options ("a,b=c", modified) into fd; -EPERM for a refused one. */
static int apply_options(int fd, char *options, const char *fstype)
{
        bool errors_given = false;

        for (char *save = NULL, *opt = strtok_r(options, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
                char *value = strchr(opt, '=');
                if (value)
                        *value++ = '\0';
                for (size_t i = 0; i < ARRAY_SIZE(refused_options); i++)
                        if (strcmp(opt, refused_options[i].key) == 0 &&
                            (!refused_options[i].value || (value && strcmp(value, refused_options[i].value) == 0)))
                                return -EPERM;
                /* The mount's idmapping (ids.h), which /proc/mounts shows and libmount passes
                 * back on a remount (fstype NULL): a property of the mount, not a file system
                 * option. On a new mount it goes to the file system, which refuses it as a
                 * machine's kernel would (a layout that recorded it cannot be mounted there). */
                if (!fstype && strcmp(opt, "idmapped") == 0)
                        continue;
                errors_given = errors_given || strcmp(opt, "errors") == 0;
                if (fsconfig(fd, value ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, opt, value, 0) < 0)
                        return negative_errno();
        }
        for (size_t i = 0; fstype && !errors_given && i < ARRAY_SIZE(errors_default_types); i++)
                if (strcmp(fstype, errors_default_types[i]) == 0 &&
                    fsconfig(fd, FSCONFIG_SET_STRING, "errors", "remount-ro", 0) < 0)
                        return negative_errno();
        return 0;
}

static int configure(int fsfd, const char *fstype, const char *source, unsigned long flags, char *options)
{
        int r;

        if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source, 0) < 0)
                return negative_errno();
        for (size_t i = 0; i < ARRAY_SIZE(superblock_flags); i++)
                if ((flags & superblock_flags[i].flag) && fsconfig(fsfd, FSCONFIG_SET_FLAG, superblock_flags[i].option, NULL, 0) < 0)
                        return negative_errno();
        if ((r = apply_options(fsfd, options, fstype)) < 0)
                return r;
        return fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ? negative_errno() : 0;
}

struct mount_job {
        const char *fstype, *source, *target;
        unsigned long flags;
        char *options;
        struct scratch_set *set;
        int mntns_fd, root_fd, cwd_fd;
        int userns_fd;          /* bind_worker: the caller's user namespace */
};

/* Into the caller's mount namespace, root and (for a relative target) cwd. */
static int enter_caller(const struct mount_job *j)
{
        if (setns(j->mntns_fd, CLONE_NEWNS) < 0 || fchdir(j->root_fd) < 0 || chroot(".") < 0 ||
            (j->target[0] != '/' && fchdir(j->cwd_fd) < 0))
                return errno;
        return 0;
}

/* In a forked worker: the file system from the helper's own node (chroot into the
 * private directory, where /dev/NAME is the helper's), then into the caller's mount
 * namespace and root, and onto the target. Returns an exit status: 0 or an errno. */
static int mount_worker(const struct mount_job *j)
{
        unsigned attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(mount_attributes); i++)
                if (j->flags & mount_attributes[i].flag)
                        attrs |= mount_attributes[i].attr;
        if (chroot(j->set->private_root) < 0 || chdir("/") < 0)
                return errno;
        _cleanup_close_ int fsfd = fsopen(j->fstype, FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return errno;
        if ((r = configure(fsfd, j->fstype, j->source, j->flags, j->options)) < 0) {
                char message[256];
                ssize_t n = read(fsfd, message, sizeof(message) - 1);
                if (n > 0) {
                        message[n] = '\0';
                        log_debug("mount of %s: %s", j->source, message);
                }
                return -r;
        }
        _cleanup_close_ int mntfd = fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
        if (mntfd < 0)
                return errno;
        /* The file system's owners as the container sees them (its root is the range's). */
        const struct ids *ids = j->set->ids;
        struct mount_attr idmap = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = ids ? (uint64_t) ids->userns_fd : 0 };
        if (ids && ids->base && mount_setattr(mntfd, "", AT_EMPTY_PATH, &idmap, sizeof(idmap)) < 0)
                return errno;
        if ((r = enter_caller(j)) != 0)
                return r;
        if (move_mount(mntfd, "", AT_FDCWD, j->target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return errno;
        return 0;
}

/* mount(2)'s MS_REMOUNT | MS_BIND: the flags of the one mount at the target (held by
 * an fd, so exactly the one checked), as the kernel would set them for the caller —
 * but a mount of a scratch file system keeps nosuid and nodev: the helper made it, so
 * the kernel has not locked them, and the image could otherwise open a device node it
 * wrote into the disk's bytes. */
static int bind_remount_worker(const struct mount_job *j)
{
        struct mount_attr attr = { .attr_clr = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                               MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME };
        struct scratch_part *part;
        struct stat st;
        int r;

        if ((r = enter_caller(j)) != 0)
                return r;
        _cleanup_close_ int fd = open_tree(AT_FDCWD, j->target, OPEN_TREE_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0)
                return errno;
        for (size_t i = 0; i < ARRAY_SIZE(mount_attributes); i++)
                if (j->flags & mount_attributes[i].flag)
                        attr.attr_set |= mount_attributes[i].attr;
        if (j->flags & MS_NOSUID)
                attr.attr_set |= MOUNT_ATTR_NOSUID;
        if (j->flags & MS_NODEV)
                attr.attr_set |= MOUNT_ATTR_NODEV;
        /* No access time flag: the mount keeps its own. */
        if (j->flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME))
                attr.attr_clr |= MOUNT_ATTR__ATIME;
        if (scratch_find(j->set, st.st_dev, &part)) {
                attr.attr_set |= MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
                attr.attr_clr &= ~(uint64_t) (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        }
        return mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0 ? errno : 0;
}

/* mount(2)'s MS_BIND without MS_REC: in a user namespace the kernel refuses to bind
 * a mount alone whose submounts are locked (the container's /proc, /sys and /dev:
 * the helper's masks and terminals), because the copy would show what they cover. A
 * machine binds them (ReaR's finalize binds /proc, /sys and /dev into /mnt/local for
 * its chroot). The worker does it as the caller, in its user and mount namespaces,
 * recursively where the kernel refuses it alone: the locked submounts come along,
 * still locked. Nothing the caller could not do itself with MS_REC. */
static int bind_worker(const struct mount_job *j)
{
        int r;

        if (setns(j->userns_fd, CLONE_NEWUSER) < 0)
                return errno;
        if ((r = enter_caller(j)) != 0)
                return r;
        if (mount(j->source, j->target, NULL, j->flags, NULL) == 0)
                return 0;
        if (errno != EINVAL)
                return errno;
        return mount(j->source, j->target, NULL, j->flags | MS_REC, NULL) < 0 ? errno : 0;
}

static int run_worker(int (*worker)(const struct mount_job *), const struct mount_job *j)
{
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return negative_errno();
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                _exit(worker(j));
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
        if (!WIFEXITED(status))
                return -EIO;
        return -WEXITSTATUS(status);
}

/* A worker in the caller's namespaces: job->mntns_fd, root_fd and cwd_fd are the caller's. */
static int run_in_caller(struct seccomp_listener *l, int (*worker)(const struct mount_job *), struct mount_job *job)
{
        const struct seccomp_notif *req = l->req;
        _cleanup_close_ int mntns_fd = blocktraps_open_proc((pid_t) req->pid, "ns/mnt", O_RDONLY);
        _cleanup_close_ int root_fd = blocktraps_open_proc((pid_t) req->pid, "root", O_PATH | O_DIRECTORY);
        _cleanup_close_ int cwd_fd = blocktraps_open_proc((pid_t) req->pid, "cwd", O_PATH | O_DIRECTORY);
        int r;

        if (mntns_fd < 0 || root_fd < 0 || cwd_fd < 0)
                return -ESRCH;
        if ((r = seccomp_notify_id_valid(l->fd, req->id)) < 0)
                return r;
        job->mntns_fd = mntns_fd;
        job->root_fd = root_fd;
        job->cwd_fd = cwd_fd;
        return run_worker(worker, job);
}

static int mount_for_caller(struct seccomp_listener *l, struct scratch_set *set, const char *fstype)
{
        const struct seccomp_notif *req = l->req;
        char target[PATH_MAX], source[PATH_MAX], options[4096] = "";
        struct scratch_part *part;
        int r;

        if (!kernel_has(fstype))
                return -ENODEV;
        struct scratch_disk *d = blocktraps_scratch_of_path(l, set, req->data.args[0], &part, &r);
        if (!d)
                return r;
        if ((r = blocktraps_read_string(l, req->data.args[1], target, sizeof(target))) < 0 ||
            (req->data.args[4] && (r = blocktraps_read_string(l, req->data.args[4], options, sizeof(options))) < 0))
                return r;
        snprintf(source, sizeof(source), "/dev/%s", scratch_device_name(d, part));
        struct mount_job job = {
                .fstype = fstype, .source = source, .target = target, .flags = req->data.args[3],
                .options = options, .set = set,
        };
        r = run_in_caller(l, mount_worker, &job);
        log_debug("mount of scratch device %s (%s) on %s: %s", source, fstype, target, r < 0 ? strerror(-r) : "done");
        return r;
}

/* Superblock flags a remount sets, or clears when absent (mount(2)'s meaning). */
static const struct {
        unsigned long flag;
        const char *set, *clear;
} remount_flags[] = {
        { MS_RDONLY, "ro", "rw" }, { MS_SYNCHRONOUS, "sync", "async" }, { MS_LAZYTIME, "lazytime", "nolazytime" },
};

/* mount -o remount of a scratch file system (ReaR remounts /mnt/local sync and async):
 * the superblock that the caller's target resolves to now, held by an fd and checked,
 * reconfigured with fspick. 1: not a scratch file system, for the kernel to answer. */
static int remount_for_caller(struct seccomp_listener *l, struct scratch_set *set)
{
        const struct seccomp_notif *req = l->req;
        char target[PATH_MAX], options[4096] = "";
        struct scratch_part *part;
        struct stat st;
        int r;

        if ((r = blocktraps_read_string(l, req->data.args[1], target, sizeof(target))) < 0)
                return 1;
        _cleanup_close_ int fd = blocktraps_open_in_caller(l, target);
        if (fd < 0 || fstat(fd, &st) < 0 || !scratch_find(set, st.st_dev, &part))
                return 1;
        if (req->data.args[4] && (r = blocktraps_read_string(l, req->data.args[4], options, sizeof(options))) < 0)
                return r;
        _cleanup_close_ int pick = fspick(fd, "", FSPICK_EMPTY_PATH | FSPICK_CLOEXEC);
        if (pick < 0)
                return negative_errno();
        for (size_t i = 0; i < ARRAY_SIZE(remount_flags); i++) {
                const char *key = req->data.args[3] & remount_flags[i].flag ? remount_flags[i].set : remount_flags[i].clear;
                if (fsconfig(pick, FSCONFIG_SET_FLAG, key, NULL, 0) < 0)
                        return negative_errno();
        }
        if ((r = apply_options(pick, options, NULL)) < 0)
                return r;
        r = fsconfig(pick, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) < 0 ? negative_errno() : 0;
        log_debug("remount of scratch device %s on %s: %s", scratch_device_name(scratch_find(set, st.st_dev, &part), part),
                  target, r < 0 ? strerror(-r) : "done");
        return r;
}

/* A bind remount that would leave nodev or nosuid off: made by a worker, which keeps
 * them on where the mount is a scratch file system's (see bind_remount_worker). */
static int bind_remount_for_caller(struct seccomp_listener *l, struct scratch_set *set)
{
        char target[PATH_MAX];
        int r;

        if ((r = blocktraps_read_string(l, l->req->data.args[1], target, sizeof(target))) < 0)
                return r;
        struct mount_job job = { .target = target, .flags = l->req->data.args[3], .set = set };
        return run_in_caller(l, bind_remount_worker, &job);
}

static int bind_for_caller(struct seccomp_listener *l)
{
        char source[PATH_MAX], target[PATH_MAX];
        int r;

        if ((r = blocktraps_read_string(l, l->req->data.args[0], source, sizeof(source))) < 0 ||
            (r = blocktraps_read_string(l, l->req->data.args[1], target, sizeof(target))) < 0)
                return r;
        _cleanup_close_ int userns_fd = blocktraps_open_proc((pid_t) l->req->pid, "ns/user", O_RDONLY);
        if (userns_fd < 0)
                return -ESRCH;
        struct mount_job job = { .source = source, .target = target, .flags = l->req->data.args[3], .userns_fd = userns_fd };
        r = run_in_caller(l, bind_worker, &job);
        log_debug("bind of %s on %s for the container: %s", source, target, r < 0 ? strerror(-r) : "done");
        return r;
}

void blockmounts_mount(struct seccomp_listener *l, struct scratch_set *set)
{
        const struct seccomp_notif *req = l->req;
        unsigned long flags = req->data.args[3];
        char fstype[64];

        if ((flags & (MS_REMOUNT | MS_BIND)) == (MS_REMOUNT | MS_BIND)) {
                /* Asking for nodev and nosuid cannot take them away: the kernel's. */
                if ((flags & (MS_NODEV | MS_NOSUID)) == (MS_NODEV | MS_NOSUID))
                        (void) seccomp_listener_continue(l, req->id);
                else
                        blocktraps_reply(l, bind_remount_for_caller(l, set));
                return;
        }

        if ((flags & (MS_BIND | MS_REC | MS_REMOUNT | MS_MOVE)) == MS_BIND) {
                blocktraps_reply(l, bind_for_caller(l));
                return;
        }

        if ((req->data.args[3] & MS_REMOUNT) && !(req->data.args[3] & MS_BIND)) {
                int r = remount_for_caller(l, set);
                if (r == 1)
                        (void) seccomp_listener_continue(l, req->id);
                else
                        blocktraps_reply(l, r);
                return;
        }

        if ((req->data.args[3] & NOT_A_NEW_MOUNT) || blocktraps_read_string(l, req->data.args[2], fstype, sizeof(fstype)) < 0 ||
            !blockmounts_mountable(fstype)) {
                /* tmpfs, proc, binds, remounts, ...: the kernel decides, as ever. */
                (void) seccomp_listener_continue(l, req->id);
                return;
        }
        blocktraps_reply(l, mount_for_caller(l, set, fstype));
}

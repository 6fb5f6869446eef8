#include <fcntl.h>
#include <libmount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "ids.h"
#include "mounts.h"
#include "util.h"

static void mnt_context_freep(struct libmnt_context **cxt)
{
        mnt_free_context(*cxt);
}

int mount_fs(const char *source, const char *target, const char *fstype,
             unsigned long flags, const char *options)
{
        _cleanup_(mnt_context_freep) struct libmnt_context *cxt = mnt_new_context();
        int r;

        if (!cxt)
                return -ENOMEM;
        /* No /etc/mtab, no /sbin/mount.* helpers, no fstab look-ups: we say exactly what we want. */
        mnt_context_disable_mtab(cxt, 1);
        mnt_context_disable_helpers(cxt, 1);
        mnt_context_disable_canonicalize(cxt, 1);
        if ((r = mnt_context_set_source(cxt, source ? source : "none")) < 0 ||
            (r = mnt_context_set_target(cxt, target)) < 0 ||
            (fstype && (r = mnt_context_set_fstype(cxt, fstype)) < 0) ||
            (r = mnt_context_set_mflags(cxt, flags)) < 0 ||
            (options && (r = mnt_context_set_options(cxt, options)) < 0))
                return r < 0 ? r : -EINVAL;

        r = mnt_context_mount(cxt);
        if (mnt_context_syscall_called(cxt) && mnt_context_get_syscall_errno(cxt))
                return -mnt_context_get_syscall_errno(cxt);
        if (r != 0)
                return r < 0 ? r : -EINVAL;
        return 0;
}

/* how: "rprivate", "shared", ... as mount(8) spells it. */
static int set_propagation(const char *target, const char *how)
{
        _cleanup_(mnt_context_freep) struct libmnt_context *cxt = mnt_new_context();
        int r;

        if (!cxt)
                return -ENOMEM;
        mnt_context_disable_mtab(cxt, 1);
        mnt_context_disable_canonicalize(cxt, 1);
        /* Propagation only: libmount needs "none" as source or it looks in fstab. */
        if ((r = mnt_context_set_source(cxt, "none")) < 0 ||
            (r = mnt_context_set_target(cxt, target)) < 0 ||
            (r = mnt_context_set_options(cxt, how)) < 0)
                return r;
        r = mnt_context_mount(cxt);
        if (mnt_context_syscall_called(cxt) && mnt_context_get_syscall_errno(cxt))
                return -mnt_context_get_syscall_errno(cxt);
        return r == 0 ? 0 : (r < 0 ? r : -EINVAL);
}

int mounts_make_private(void)
{
        return set_propagation("/", "rprivate");
}

static int mkdir_exists_ok(const char *path, mode_t mode)
{
        if (mkdir(path, mode) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

int make_mount_point_file(const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return negative_errno();
        close(fd);
        return 0;
}

/* source at target, read-only or not, nodev, with its owners as the container sees them:
 * an idmapped bind mount when the container has a private uid range (ids.h), else a plain
 * bind. nodev: a device node in the image's tree (a hostile image's, or the copies of the
 * host's that ReaR makes) must not open a host device. The only device nodes that work
 * inside are the helper's, on its /dev. */
static int bind_tree(const char *source, const char *target, const struct ids *ids, bool read_only, bool recursive)
{
        if (!ids->base)
                return mount_fs(source, target, NULL,
                                MS_BIND | MS_NODEV | (recursive ? MS_REC : 0) | (read_only ? MS_RDONLY : 0), NULL);

        unsigned tree_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
        _cleanup_close_ int fd = open_tree(AT_FDCWD, source, tree_flags);
        struct mount_attr attr = {
                .attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_NODEV | (read_only ? MOUNT_ATTR_RDONLY : 0),
                .userns_fd = (uint64_t) ids->userns_fd,
        };
        if (fd < 0 || mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0 ||
            move_mount(fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return negative_errno();
        return 0;
}

/* What a kernel says when it cannot idmap a mount or take an idmapped overlay layer. */
static bool idmap_unsupported(int r)
{
        return r == -EINVAL || r == -ENOSYS || r == -EOPNOTSUPP || r == -EPERM;
}

/* *failed: what an idmapped ROOTFS failed at, for the warning of the fall-back. */
static int overlay_root(const char *rootfs, const char *lower, const char *upper, const char *work,
                        const char *root_dir, const struct ids *ids, const char **failed)
{
        char options[3 * PATH_MAX + 64];
        struct stat st;
        int r;

        *failed = "the file system of ROOTFS cannot be idmapped";
        if ((r = bind_tree(rootfs, lower, ids, true, false)) < 0)
                return r;
        *failed = "this kernel cannot take an idmapped lower layer for an overlay";
        /* The overlay's root takes mode and owner from the upper layer's root. */
        if (stat(rootfs, &st) < 0)
                return negative_errno();
        if ((mkdir(upper, st.st_mode & 07777) < 0 && errno != EEXIST) || chmod(upper, st.st_mode & 07777) < 0)
                return negative_errno();
        if ((r = ids_own(ids, AT_FDCWD, upper, st.st_uid, st.st_gid)) < 0)
                return r;
        r = snprintf(options, sizeof(options), "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
        if (r < 0 || (size_t) r >= sizeof(options))
                return -ENAMETOOLONG;
        return mount_fs("rescue-spawn", root_dir, "overlay", MS_NODEV, options);
}

int mounts_setup_root(const char *rootfs, const char *runtime_dir, const char *root_dir, bool in_place,
                      uint64_t writable_max, char *layer, size_t layer_size, struct ids *ids)
{
        char lower[PATH_MAX], upper[PATH_MAX], work[PATH_MAX], size[48];
        int r;

        layer[0] = '\0';
        if ((r = mkdir_exists_ok(root_dir, 0755)) < 0)
                return r;
        if (in_place) {
                r = bind_tree(rootfs, root_dir, ids, false, true);
                if (r < 0 && ids->base && idmap_unsupported(r)) {
                        char why[128];
                        snprintf(why, sizeof(why), "cannot idmap %s (%s)", rootfs, strerror(-r));
                        if ((r = ids_fall_back(ids, why)) == 0)
                                r = bind_tree(rootfs, root_dir, ids, false, true);
                }
                return r;
        }

        /* The writable layer is a tmpfs of its own, for its size limit (limits.h):
         * upper and work directory must be on one file system. A read-only bind of
         * ROOTFS gives the overlay a lowerdir path without the commas and colons that
         * overlay's option syntax cannot take. */
        if ((r = path_join(lower, sizeof(lower), runtime_dir, "lower")) < 0 ||
            (r = path_join(layer, layer_size, runtime_dir, "layer")) < 0 ||
            (r = path_join(upper, sizeof(upper), layer, "upper")) < 0 ||
            (r = path_join(work, sizeof(work), layer, "work")) < 0 ||
            (r = mkdir_exists_ok(lower, 0755)) < 0 || (r = mkdir_exists_ok(layer, 0700)) < 0)
                return r;
        snprintf(size, sizeof(size), writable_max ? "mode=0700,size=%llu" : "mode=0700",
                 (unsigned long long) writable_max);
        if ((r = mount_fs("tmpfs", layer, "tmpfs", MS_NOSUID | MS_NODEV, size)) < 0 ||
            (r = mkdir_exists_ok(work, 0700)) < 0)
                return r;
        const char *failed;
        r = overlay_root(rootfs, lower, upper, work, root_dir, ids, &failed);
        if (r < 0 && ids->base && idmap_unsupported(r)) {
                /* Before Linux 5.19 overlayfs takes no idmapped layer; overlayfs, NFS and
                 * others cannot be idmapped themselves. */
                char why[160];
                snprintf(why, sizeof(why), "%s (%s)", failed, strerror(-r));
                (void) umount2(lower, MNT_DETACH);
                if ((r = ids_fall_back(ids, why)) == 0)
                        r = overlay_root(rootfs, lower, upper, work, root_dir, ids, &failed);
        }
        return r;
}

/* Device nodes that are safe to share: none of them reaches a disk or the kernel's state. */
static const struct device_node {
        const char *name;
        unsigned major, minor;
} device_nodes[] = {
        { "null",    1, 3 },
        { "zero",    1, 5 },
        { "full",    1, 7 },
        { "random",  1, 8 },
        { "urandom", 1, 9 },
        { "tty",     5, 0 },
};

static const struct device_link {
        const char *name;
        const char *target;
} device_links[] = {
        { "ptmx",   "pts/ptmx" },
        { "fd",     "/proc/self/fd" },
        { "stdin",  "/proc/self/fd/0" },
        { "stdout", "/proc/self/fd/1" },
        { "stderr", "/proc/self/fd/2" },
};

static const char *const device_dirs[] = { "pts", "shm" };

int mounts_setup_dev(const char *root_dir, const struct ids *ids)
{
        char dev[PATH_MAX], path[PATH_MAX], options[96];
        int r;

        if ((r = path_join(dev, sizeof(dev), root_dir, "dev")) < 0 || (r = mkdir_exists_ok(dev, 0755)) < 0)
                return r;
        /* Hides the copies of host device nodes that ReaR puts into the image's /dev. */
        if ((r = mount_fs("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=0755,size=4m")) < 0 ||
            (r = ids_own(ids, AT_FDCWD, dev, 0, 0)) < 0)
                return r;

        for (size_t i = 0; i < ARRAY_SIZE(device_dirs); i++) {
                if ((r = path_join(path, sizeof(path), dev, device_dirs[i])) < 0)
                        return r;
                if (mkdir(path, i == 1 ? 01777 : 0755) < 0 || chmod(path, i == 1 ? 01777 : 0755) < 0)
                        return negative_errno();
                if ((r = ids_own(ids, AT_FDCWD, path, 0, 0)) < 0)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(device_nodes); i++) {
                if ((r = path_join(path, sizeof(path), dev, device_nodes[i].name)) < 0)
                        return r;
                if (mknod(path, S_IFCHR | 0666, makedev(device_nodes[i].major, device_nodes[i].minor)) < 0 ||
                    chmod(path, 0666) < 0)
                        return negative_errno();
                if ((r = ids_own(ids, AT_FDCWD, path, 0, 0)) < 0)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(device_links); i++) {
                if ((r = path_join(path, sizeof(path), dev, device_links[i].name)) < 0)
                        return r;
                if (symlink(device_links[i].target, path) < 0)
                        return negative_errno();
                if ((r = ids_own(ids, AT_FDCWD, path, 0, 0)) < 0)
                        return r;
        }
        if ((r = path_join(path, sizeof(path), dev, "pts")) < 0)
                return r;
        /* A devpts instance of its own: the container's ptys and ours never mix with the host's.
         * New ptys belong to the group tty (5) of the container. */
        snprintf(options, sizeof(options), "newinstance,ptmxmode=0666,mode=0620,gid=%u", (unsigned) ids_host_gid(ids, 5));
        return mount_fs("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC, options);
}

enum api_mount_kind {
        API_MOUNT,              /* a new file system instance */
        API_READ_ONLY,          /* bind the path onto itself, read-only */
        API_HIDE,               /* /dev/null over a file, an empty read-only tmpfs over a directory */
        API_CMDLINE,            /* our command line file over /proc/cmdline */
        API_VIEW,               /* a part of the block device view (blockview.h), read-only */
};

/* In this order; paths are relative to the container's root. */
static const struct api_mount {
        enum api_mount_kind kind;
        const char *path;
        const char *fstype;
        unsigned long flags;
        const char *options;
        bool cgroup;            /* only with a cgroup for the container */
} api_mounts[] = {
        { API_MOUNT,     "proc",              "proc",    MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false },
        { API_CMDLINE,   "proc/cmdline",      NULL, 0, NULL, false },
        /* The kernel's knobs stay readable but cannot be changed. */
        { API_READ_ONLY, "proc/sys",          NULL, 0, NULL, false },
        { API_READ_ONLY, "proc/sysrq-trigger", NULL, 0, NULL, false },
        { API_READ_ONLY, "proc/irq",          NULL, 0, NULL, false },
        { API_READ_ONLY, "proc/bus",          NULL, 0, NULL, false },
        { API_READ_ONLY, "proc/fs",           NULL, 0, NULL, false },
        /* What tells about the host's kernel memory, keys and timers is hidden. */
        { API_HIDE,      "proc/kcore",        NULL, 0, NULL, false },
        { API_HIDE,      "proc/keys",         NULL, 0, NULL, false },
        { API_HIDE,      "proc/key-users",    NULL, 0, NULL, false },
        { API_HIDE,      "proc/timer_list",   NULL, 0, NULL, false },
        { API_HIDE,      "proc/sched_debug",  NULL, 0, NULL, false },
        { API_HIDE,      "proc/latency_stats", NULL, 0, NULL, false },
        { API_HIDE,      "proc/kallsyms",     NULL, 0, NULL, false },
        { API_HIDE,      "proc/acpi",         NULL, 0, NULL, false },
        { API_HIDE,      "proc/asound",       NULL, 0, NULL, false },
        { API_HIDE,      "proc/scsi",         NULL, 0, NULL, false },
        { API_MOUNT,     "sys",               "sysfs",   MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, false },
        { API_HIDE,      "sys/firmware",      NULL, 0, NULL, false },
        /* Block devices: the scratch disks only (fstype: the part of the view). */
        { API_VIEW,      "sys/block",         "block", 0, NULL, false },
        { API_VIEW,      "sys/class/block",   "class-block", 0, NULL, false },
        { API_VIEW,      "sys/dev/block",     "dev-block", 0, NULL, false },
        { API_VIEW,      "proc/partitions",   "partitions", 0, NULL, false },
        /* systemd needs a writable cgroup tree: the container's own subtree. */
        { API_MOUNT,     "sys/fs/cgroup",     "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, true },
};

static int apply_api_mount(const struct api_mount *m, const char *path, const char *cmdline_file,
                           const char *view_dir)
{
        char source[PATH_MAX];
        struct stat st;
        int r;

        switch (m->kind) {
        case API_MOUNT:
                if (mkdir_exists_ok(path, 0555) < 0)
                        return negative_errno();
                return mount_fs(m->fstype, path, m->fstype, m->flags, m->options);
        case API_CMDLINE:
                return mount_fs(cmdline_file, path, NULL, MS_BIND | MS_RDONLY, NULL);
        case API_VIEW:
                if (!view_dir || lstat(path, &st) < 0)
                        return 0;
                if ((r = path_join(source, sizeof(source), view_dir, m->fstype)) < 0)
                        return r;
                return mount_fs(source, path, NULL, MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        case API_READ_ONLY:
                if (lstat(path, &st) < 0)
                        return 0;       /* not on this kernel */
                return mount_fs(path, path, NULL, MS_BIND | MS_REC | MS_RDONLY, NULL);
        case API_HIDE:
                if (lstat(path, &st) < 0)
                        return 0;
                if (S_ISDIR(st.st_mode))
                        return mount_fs("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                        "mode=0555,size=0");
                return mount_fs("/dev/null", path, NULL, MS_BIND | MS_RDONLY, NULL);
        }
        return -EINVAL;
}

int mounts_setup_api(const char *root_dir, const char *cmdline_file, bool with_cgroup,
                     const char *view_dir, const char **failed_step)
{
        char path[PATH_MAX];

        for (size_t i = 0; i < ARRAY_SIZE(api_mounts); i++) {
                const struct api_mount *m = &api_mounts[i];
                int r;

                if (m->cgroup && !with_cgroup)
                        continue;
                r = path_join(path, sizeof(path), root_dir, m->path);
                if (r == 0)
                        r = apply_api_mount(m, path, cmdline_file, view_dir);
                if (r < 0) {
                        *failed_step = m->path;
                        return r;
                }
        }
        return 0;
}

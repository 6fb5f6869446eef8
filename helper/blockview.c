#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "blockview.h"
#include "scratch.h"
#include "util.h"

static const char *const view_dirs[] = { "block", "class-block", "dev-block" };

/* Copied from the loop device's sysfs directory, as the tools read them. */
static const char *const disk_attributes[] = {
        "dev", "size", "ro", "removable", "range", "ext_range", "capability", "hidden",
        "alignment_offset", "discard_alignment", "stat", "inflight",
        "queue/logical_block_size", "queue/physical_block_size", "queue/hw_sector_size",
        "queue/rotational", "queue/minimum_io_size", "queue/optimal_io_size",
        "queue/discard_granularity", "queue/discard_max_bytes", "queue/max_sectors_kb",
        "queue/read_ahead_kb", "queue/nr_requests", "queue/scheduler", "queue/zoned",
        "queue/dax", "queue/write_cache", "queue/add_random", "queue/nomerges",
};
static const char *const part_attributes[] = {
        "dev", "size", "start", "partition", "ro", "alignment_offset", "discard_alignment",
        "stat", "inflight",
};
static const char *const disk_subdirs[] = { "queue", "holders", "slaves" };
static const char *const part_subdirs[] = { "holders" };

static int copy_file(const char *from, int to_dirfd, const char *to)
{
        char buf[4096];
        _cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return errno == ENOENT ? 0 : negative_errno();  /* not on this kernel */
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0)
                return negative_errno();
        /* Rewritten in place: the container reads it through a bind mount of the directory. */
        _cleanup_close_ int out = openat(to_dirfd, to, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0444);
        if (out < 0)
                return negative_errno();
        return write_all(out, buf, (size_t) n);
}

static int mkdirat_ok(int dirfd, const char *name)
{
        return mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST ? negative_errno() : 0;
}

static void remove_tree_at(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *dir = fd < 0 ? NULL : fdopendir(fd);

        if (!dir) {
                if (fd >= 0)
                        close(fd);
                (void) unlinkat(dirfd, name, 0);
                return;
        }
        for (struct dirent *de; (de = readdir(dir));)
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        remove_tree_at(fd, de->d_name);
        closedir(dir);
        (void) unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Everything in dir whose name is not in keep[]. */
static void remove_others(int dirfd, const char *const *keep, size_t n_keep)
{
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fd < 0 ? NULL : fdopendir(fd);

        if (!dir) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        for (struct dirent *de; (de = readdir(dir));) {
                bool kept = strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0;
                for (size_t i = 0; i < n_keep && !kept; i++)
                        kept = strcmp(de->d_name, keep[i]) == 0;
                if (!kept)
                        remove_tree_at(dirfd, de->d_name);
        }
        closedir(dir);
}

static int open_subdir(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

static int copy_attributes(const char *from_dir, int to_dirfd, const char *const *names, size_t n,
                           const char *const *subdirs, size_t n_subdirs)
{
        char from[PATH_MAX];
        int r;

        for (size_t i = 0; i < n_subdirs; i++)
                if ((r = mkdirat_ok(to_dirfd, subdirs[i])) < 0)
                        return r;
        for (size_t i = 0; i < n; i++) {
                snprintf(from, sizeof(from), "%s/%s", from_dir, names[i]);
                if ((r = copy_file(from, to_dirfd, names[i])) < 0)
                        return r;
        }
        return 0;
}

static int write_disk(int block_fd, const struct scratch_disk *d)
{
        const char *keep[SCRATCH_MAX_PARTS + ARRAY_SIZE(disk_attributes) + ARRAY_SIZE(disk_subdirs)];
        char loop_dir[64], from[PATH_MAX];
        size_t n_keep = 0;
        int r;

        snprintf(loop_dir, sizeof(loop_dir), "/sys/block/loop%d", d->loop_nr);
        if ((r = mkdirat_ok(block_fd, d->spec.name)) < 0)
                return r;
        _cleanup_close_ int disk_fd = open_subdir(block_fd, d->spec.name);
        if (disk_fd < 0)
                return disk_fd;
        if ((r = copy_attributes(loop_dir, disk_fd, disk_attributes, ARRAY_SIZE(disk_attributes),
                                 disk_subdirs, ARRAY_SIZE(disk_subdirs))) < 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(disk_attributes); i++)
                if (!strchr(disk_attributes[i], '/'))
                        keep[n_keep++] = disk_attributes[i];
        for (size_t i = 0; i < ARRAY_SIZE(disk_subdirs); i++)
                keep[n_keep++] = disk_subdirs[i];
        for (size_t i = 0; i < d->part_count; i++) {
                const struct scratch_part *p = &d->parts[i];
                char loop_part[32];
                scratch_part_name(loop_dir + strlen("/sys/block/"), p->number, loop_part, sizeof(loop_part));
                snprintf(from, sizeof(from), "%s/%s", loop_dir, loop_part);
                if ((r = mkdirat_ok(disk_fd, p->name)) < 0)
                        return r;
                _cleanup_close_ int part_fd = open_subdir(disk_fd, p->name);
                if (part_fd < 0)
                        return part_fd;
                if ((r = copy_attributes(from, part_fd, part_attributes, ARRAY_SIZE(part_attributes),
                                         part_subdirs, ARRAY_SIZE(part_subdirs))) < 0)
                        return r;
                keep[n_keep++] = p->name;
        }
        remove_others(disk_fd, keep, n_keep);
        return 0;
}

/* Links as the kernel makes them, but into the view: class/block/sda1 ->
 * ../../block/sda/sda1, dev/block/259:0 -> ../../block/sda/sda1. */
static int add_links(int class_fd, int dev_fd, const char *disk, const char *name, dev_t dev)
{
        char target[PATH_MAX], devno[32];

        if (strcmp(disk, name) == 0)
                snprintf(target, sizeof(target), "../../block/%s", disk);
        else
                snprintf(target, sizeof(target), "../../block/%s/%s", disk, name);
        snprintf(devno, sizeof(devno), "%u:%u", major(dev), minor(dev));
        if (symlinkat(target, class_fd, name) < 0 || symlinkat(target, dev_fd, devno) < 0)
                return negative_errno();
        return 0;
}

/* /proc/partitions: "major minor  #blocks  name", sizes in KiB. */
static int write_partitions(const struct scratch_set *set, const char *path)
{
        char buf[16384];
        size_t len = (size_t) snprintf(buf, sizeof(buf), "major minor  #blocks  name\n\n");

        for (size_t i = 0; i < set->count && len < sizeof(buf); i++) {
                const struct scratch_disk *d = &set->disks[i];
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%4u  %7u %10llu %s\n", major(d->dev),
                                         minor(d->dev), d->spec.size / 1024, d->spec.name);
                for (size_t j = 0; j < d->part_count && len < sizeof(buf); j++) {
                        const struct scratch_part *p = &d->parts[j];
                        len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%4u  %7u %10llu %s\n", major(p->dev),
                                                 minor(p->dev), p->sectors / 2, p->name);
                }
        }
        if (len >= sizeof(buf))
                return -ENOSPC;
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0444);
        return fd < 0 ? negative_errno() : write_all(fd, buf, len);
}

int blockview_init(struct scratch_set *set)
{
        char path[PATH_MAX];
        int r;

        if (mkdir(set->view_dir, 0755) < 0 && errno != EEXIST)
                return negative_errno();
        for (size_t i = 0; i < ARRAY_SIZE(view_dirs); i++) {
                if ((r = path_join(path, sizeof(path), set->view_dir, view_dirs[i])) < 0)
                        return r;
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        return negative_errno();
        }
        return 0;
}

int blockview_write(struct scratch_set *set)
{
        const char *names[SCRATCH_MAX_DISKS];
        char path[PATH_MAX];
        int r;

        _cleanup_close_ int view_fd = open_subdir(AT_FDCWD, set->view_dir);
        if (view_fd < 0)
                return view_fd;
        _cleanup_close_ int block_fd = open_subdir(view_fd, "block");
        _cleanup_close_ int class_fd = open_subdir(view_fd, "class-block");
        _cleanup_close_ int dev_fd = open_subdir(view_fd, "dev-block");
        if (block_fd < 0 || class_fd < 0 || dev_fd < 0)
                return -ENOENT;
        remove_others(class_fd, NULL, 0);
        remove_others(dev_fd, NULL, 0);
        for (size_t i = 0; i < set->count; i++) {
                const struct scratch_disk *d = &set->disks[i];
                names[i] = d->spec.name;
                if ((r = write_disk(block_fd, d)) < 0 ||
                    (r = add_links(class_fd, dev_fd, d->spec.name, d->spec.name, d->dev)) < 0)
                        return r;
                for (size_t j = 0; j < d->part_count; j++)
                        if ((r = add_links(class_fd, dev_fd, d->spec.name, d->parts[j].name, d->parts[j].dev)) < 0)
                                return r;
        }
        remove_others(block_fd, names, set->count);
        if ((r = path_join(path, sizeof(path), set->view_dir, "partitions")) < 0)
                return r;
        return write_partitions(set, path);
}

#include <blkid.h>
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/blkpg.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "blockview.h"
#include "log.h"
#include "ids.h"
#include "scratch.h"
#include "util.h"

/* LOOP_CTL_GET_FREE names a free device that another program may take first. */
#define ATTACH_ATTEMPTS 8

/* Every owner and mode of what the helper creates for the container's disks, in
 * one place: the container's root as the host sees it (container.c maps the
 * container's IDs identically), like a machine's root:disk 0660 without the group. */
static const struct node_owner {
        uid_t uid;
        gid_t gid;
        mode_t mode;
} node_owner = { 0, 0, 0660 };

static int parse_size(const char *s, unsigned long long *ret)
{
        static const char suffixes[] = "KMGT";
        char *end;

        if (!isdigit((unsigned char) *s))
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
                return -EINVAL;
        if (*end) {
                const char *suffix = strchr(suffixes, toupper((unsigned char) *end));
                if (!suffix || end[1])
                        return -EINVAL;
                for (const char *p = suffixes; p <= suffix; p++) {
                        if (v > (~0ULL >> 10))
                                return -EINVAL;
                        v <<= 10;
                }
        }
        *ret = v;
        return 0;
}

static bool valid_name(const char *name, size_t len)
{
        if (len == 0 || len > SCRATCH_NAME_MAX || !islower((unsigned char) name[0]))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!islower((unsigned char) name[i]) && !isdigit((unsigned char) name[i]))
                        return false;
        return true;
}

int scratch_parse_spec(const char *arg, struct scratch_spec *spec, char *error, size_t error_size)
{
        const char *colon = strchr(arg, ':');
        char size[64];

        *spec = (struct scratch_spec) {};
        if (!colon || !valid_name(arg, (size_t) (colon - arg))) {
                snprintf(error, error_size, "--scratch-disk=%s: expected NAME:SIZE[:FILE] with NAME a disk's "
                         "name (sda, vda, nvme0n1: lower-case letters and digits)", arg);
                return -EINVAL;
        }
        memcpy(spec->name, arg, (size_t) (colon - arg));
        const char *size_start = colon + 1, *file = strchr(size_start, ':');
        size_t size_len = file ? (size_t) (file - size_start) : strlen(size_start);
        if (size_len >= sizeof(size))
                size_len = sizeof(size) - 1;
        memcpy(size, size_start, size_len);
        size[size_len] = '\0';
        if (parse_size(size, &spec->size) < 0 || spec->size == 0 || spec->size % 512 != 0) {
                snprintf(error, error_size, "--scratch-disk=%s: SIZE must be a positive number of bytes, "
                         "a multiple of 512, or with K, M, G, T", arg);
                return -EINVAL;
        }
        if (file) {
                if (!file[1]) {
                        snprintf(error, error_size, "--scratch-disk=%s: empty FILE", arg);
                        return -EINVAL;
                }
                spec->file = file + 1;
        }
        return 0;
}

void scratch_part_name(const char *disk, unsigned number, char *buf, size_t size)
{
        size_t len = strlen(disk);
        /* As the kernel names them: a disk whose name ends in a digit gets a "p". */
        snprintf(buf, size, "%s%s%u", disk, len && isdigit((unsigned char) disk[len - 1]) ? "p" : "", number);
}

const char *scratch_device_name(const struct scratch_disk *disk, const struct scratch_part *part)
{
        return part ? part->name : disk->spec.name;
}

/* The user's FILE (a regular file: never a device), created sparse when missing;
 * else an unnamed file in SCRATCH_TMP_DIR. */
static int open_backing_file(const struct scratch_spec *spec, bool *created, char *error, size_t error_size)
{
        const int flags = O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
        _cleanup_close_ int fd = -1;
        struct stat st;

        *created = false;
        if (spec->file) {
                /* Made here: removed again should the run not start. */
                fd = open(spec->file, flags | O_CREAT | O_EXCL, 0600);
                if (fd >= 0)
                        *created = true;
                else if (errno == EEXIST)
                        fd = open(spec->file, flags);
                if (fd < 0 || fstat(fd, &st) < 0) {
                        snprintf(error, error_size, "scratch disk %s: cannot open %s: %s", spec->name, spec->file, strerror(errno));
                        return -EINVAL;
                }
                if (!S_ISREG(st.st_mode)) {
                        snprintf(error, error_size, "scratch disk %s: %s is not a regular file", spec->name, spec->file);
                        return -EINVAL;
                }
                if (st.st_size != 0 && (unsigned long long) st.st_size != spec->size) {
                        snprintf(error, error_size, "scratch disk %s: %s has %lld bytes, not %llu", spec->name,
                                 spec->file, (long long) st.st_size, spec->size);
                        return -EINVAL;
                }
                char real[PATH_MAX];
                if (!realpath(spec->file, real) || !strstr(real, SCRATCH_DIR_MARKER))
                        log_info("warning: scratch disk %s: %s is not in a directory called rescue-spawn-scratch: "
                                 "the package's udev rule does not recognise it", spec->name, spec->file);
        } else {
                if (mkdir(SCRATCH_TMP_DIR, 0700) < 0 && errno != EEXIST)
                        return negative_errno();
                _cleanup_close_ int dir = open(SCRATCH_TMP_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dir < 0 || fstat(dir, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022)) {
                        snprintf(error, error_size, "scratch disk %s: %s must be a directory of root's, writable by root only",
                                 spec->name, SCRATCH_TMP_DIR);
                        return -EPERM;
                }
                fd = openat(dir, ".", O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
                if (fd < 0) {
                        int r = negative_errno();
                        snprintf(error, error_size, "scratch disk %s: cannot create a file in %s: %s", spec->name,
                                 SCRATCH_TMP_DIR, strerror(-r));
                        return r;
                }
        }
        if (ftruncate(fd, (off_t) spec->size) < 0) {
                int r = negative_errno();
                snprintf(error, error_size, "scratch disk %s: cannot make it %llu bytes: %s", spec->name, spec->size, strerror(-r));
                return r;
        }
        return take_fd(&fd);
}

static int attach_loop(struct scratch_disk *d, int backing_fd, int control_fd)
{
        struct loop_config config = {
                .fd = (unsigned) backing_fd,
                .info = {
                        .lo_flags = LO_FLAGS_PARTSCAN | LO_FLAGS_AUTOCLEAR,
                        .lo_sizelimit = d->spec.size,
                },
        };
        char path[64];
        struct stat st;

        snprintf((char *) config.info.lo_file_name, sizeof(config.info.lo_file_name), "rescue-spawn:%s", d->spec.name);
        for (int attempt = 0; attempt < ATTACH_ATTEMPTS; attempt++) {
                int nr = ioctl(control_fd, LOOP_CTL_GET_FREE);
                if (nr < 0)
                        return negative_errno();
                snprintf(path, sizeof(path), "/dev/loop%d", nr);
                int fd = open(path, O_RDWR | O_CLOEXEC);
                if (fd < 0)
                        return negative_errno();
                if (ioctl(fd, LOOP_CONFIGURE, &config) == 0) {
                        if (fstat(fd, &st) < 0) {
                                int r = negative_errno();
                                close(fd);
                                return r;
                        }
                        d->loop_fd = fd;
                        d->loop_nr = nr;
                        d->dev = st.st_rdev;
                        return 0;
                }
                int r = negative_errno();
                close(fd);
                if (r != -EBUSY)
                        return r;
        }
        return -EBUSY;
}

/* owner: the container's ids (its /dev), NULL for the helper's own nodes (host root's). */
static int make_node(int dirfd, const char *name, dev_t dev, const struct ids *owner)
{
        if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT && errno != EISDIR)
                return negative_errno();
        if (errno == EISDIR && unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
                return negative_errno();
        if (mknodat(dirfd, name, S_IFBLK | node_owner.mode, dev) < 0 ||
            fchmodat(dirfd, name, node_owner.mode, 0) < 0)
                return negative_errno();
        if (owner)
                return ids_own(owner, dirfd, name, node_owner.uid, node_owner.gid);
        return fchownat(dirfd, name, node_owner.uid, node_owner.gid, AT_SYMLINK_NOFOLLOW) < 0 ? negative_errno() : 0;
}

/* In both /dev directories: the container's may have been changed by the image. */
static int nodes_add(struct scratch_set *set, const char *name, dev_t dev)
{
        int r = make_node(set->private_dirfd, name, dev, NULL);
        return r < 0 ? r : make_node(set->dev_dirfd, name, dev, set->ids);
}

static void nodes_remove(struct scratch_set *set, const char *name)
{
        (void) unlinkat(set->private_dirfd, name, 0);
        (void) unlinkat(set->dev_dirfd, name, 0);
}

/* A sysfs attribute of the loop device as a number: "/sys/block/loop0/loop0p1/start". */
static int read_sysfs_number(const char *path, unsigned long long *ret)
{
        char buf[64];
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

        if (n <= 0)
                return fd < 0 ? negative_errno() : -EIO;
        buf[n] = '\0';
        *ret = strtoull(buf, NULL, 10);
        return 0;
}

static int read_part(const char *disk_dir, const char *entry, struct scratch_part *p)
{
        char path[PATH_MAX], buf[64];
        unsigned long long number;
        unsigned maj, min;

        snprintf(path, sizeof(path), "%s/%s/partition", disk_dir, entry);
        if (read_sysfs_number(path, &number) < 0)
                return -ENOENT;         /* not a partition: queue/, holders/, ... */
        snprintf(path, sizeof(path), "%s/%s/start", disk_dir, entry);
        if (read_sysfs_number(path, &p->start) < 0)
                return -EIO;
        snprintf(path, sizeof(path), "%s/%s/size", disk_dir, entry);
        if (read_sysfs_number(path, &p->sectors) < 0)
                return -EIO;
        snprintf(path, sizeof(path), "%s/%s/dev", disk_dir, entry);
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return -EIO;
        buf[n] = '\0';
        if (sscanf(buf, "%u:%u", &maj, &min) != 2)
                return -EIO;
        p->number = (unsigned) number;
        p->dev = makedev(maj, min);
        return 0;
}

static int compare_parts(const void *a, const void *b)
{
        const struct scratch_part *x = a, *y = b;
        return (x->number > y->number) - (x->number < y->number);
}

int scratch_sync(struct scratch_set *set, struct scratch_disk *d)
{
        struct scratch_part now[SCRATCH_MAX_PARTS];
        size_t count = 0;
        char disk_dir[64];
        int r;

        snprintf(disk_dir, sizeof(disk_dir), "/sys/block/loop%d", d->loop_nr);
        DIR *dir = opendir(disk_dir);
        if (!dir)
                return negative_errno();
        for (struct dirent *de; (de = readdir(dir)) && count < SCRATCH_MAX_PARTS;) {
                if (de->d_name[0] == '.' || read_part(disk_dir, de->d_name, &now[count]) < 0)
                        continue;
                scratch_part_name(d->spec.name, now[count].number, now[count].name, sizeof(now[count].name));
                count++;
        }
        closedir(dir);
        qsort(now, count, sizeof(now[0]), compare_parts);

        for (size_t i = 0; i < d->part_count; i++) {
                bool kept = false;
                for (size_t j = 0; j < count && !kept; j++)
                        kept = now[j].number == d->parts[i].number && now[j].dev == d->parts[i].dev;
                if (!kept)
                        nodes_remove(set, d->parts[i].name);
        }
        for (size_t j = 0; j < count; j++)
                if ((r = nodes_add(set, now[j].name, now[j].dev)) < 0)
                        return r;
        memcpy(d->parts, now, count * sizeof(now[0]));
        d->part_count = count;
        return set->view_dir[0] ? blockview_write(set) : 0;
}

/* The partition table as libblkid reads it; -ENOENT without one. */
static int read_table(int fd, struct scratch_part *parts, size_t *count)
{
        blkid_probe pr = blkid_new_probe();
        int r = -ENOENT;

        *count = 0;
        if (!pr)
                return -ENOMEM;
        if (blkid_probe_set_device(pr, fd, 0, 0) == 0 && blkid_probe_enable_superblocks(pr, 0) == 0 &&
            blkid_probe_enable_partitions(pr, 1) == 0) {
                blkid_partlist list = blkid_probe_get_partitions(pr);
                int n = list ? blkid_partlist_numof_partitions(list) : 0;
                for (int i = 0; i < n && *count < SCRATCH_MAX_PARTS; i++) {
                        blkid_partition p = blkid_partlist_get_partition(list, i);
                        struct scratch_part *out = &parts[(*count)++];
                        out->number = (unsigned) blkid_partition_get_partno(p);
                        out->start = (unsigned long long) blkid_partition_get_start(p);
                        out->sectors = (unsigned long long) blkid_partition_get_size(p);
                        /* As the kernel has an MBR's extended partition: its first 1 KiB. */
                        if (blkid_partition_is_extended(p) && out->sectors > 2)
                                out->sectors = 2;
                }
                r = 0;
        }
        blkid_free_probe(pr);
        return r;
}

static int blkpg(int fd, int op, const struct scratch_part *p)
{
        struct blkpg_partition part = {
                .start = (long long) p->start * 512, .length = (long long) p->sectors * 512, .pno = (int) p->number,
        };
        struct blkpg_ioctl_arg arg = { .op = op, .datalen = sizeof(part), .data = &part };
        return ioctl(fd, BLKPG, &arg) < 0 ? negative_errno() : 0;
}

int scratch_reread(struct scratch_set *set, struct scratch_disk *d)
{
        struct scratch_part table[SCRATCH_MAX_PARTS];
        size_t count;
        int r;

        /* The kernel's own reading first (EINVAL, EBUSY: it keeps what it has); a
         * kernel without the table's parser (this project's CI has none) finds
         * nothing, so the table as libblkid reads it is applied with BLKPG, as
         * partx -u does. Where the kernel parsed it, nothing is left to do. */
        (void) ioctl(d->loop_fd, BLKRRPART);
        if ((r = scratch_sync(set, d)) < 0 || (r = read_table(d->loop_fd, table, &count)) < 0)
                return r;
        for (size_t i = 0; i < d->part_count; i++) {
                bool same = false;
                for (size_t j = 0; j < count && !same; j++)
                        same = table[j].number == d->parts[i].number && table[j].start == d->parts[i].start &&
                               table[j].sectors == d->parts[i].sectors;
                if (!same && (r = blkpg(d->loop_fd, BLKPG_DEL_PARTITION, &d->parts[i])) < 0)
                        return r;       /* EBUSY: mounted or open, as on a machine */
        }
        (void) scratch_sync(set, d);
        for (size_t j = 0; j < count; j++) {
                bool present = false;
                for (size_t i = 0; i < d->part_count && !present; i++)
                        present = table[j].number == d->parts[i].number;
                if (!present && (r = blkpg(d->loop_fd, BLKPG_ADD_PARTITION, &table[j])) < 0)
                        return r;
        }
        return scratch_sync(set, d);
}

/* Is name in the container's /dev the node of dev? */
static bool node_is(int dirfd, const char *name, dev_t dev)
{
        struct stat st;
        return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == dev;
}

void scratch_restore_nodes(struct scratch_set *set)
{
        char events[4096];

        while (read(set->watch_fd, events, sizeof(events)) > 0)
                ;
        for (size_t i = 0; i < set->count; i++) {
                const struct scratch_disk *d = &set->disks[i];
                if (!node_is(set->dev_dirfd, d->spec.name, d->dev))
                        (void) make_node(set->dev_dirfd, d->spec.name, d->dev, set->ids);
                for (size_t j = 0; j < d->part_count; j++)
                        if (!node_is(set->dev_dirfd, d->parts[j].name, d->parts[j].dev))
                                (void) make_node(set->dev_dirfd, d->parts[j].name, d->parts[j].dev, set->ids);
        }
}

struct scratch_disk *scratch_find(struct scratch_set *set, dev_t dev, struct scratch_part **part)
{
        for (size_t i = 0; i < set->count; i++) {
                struct scratch_disk *d = &set->disks[i];
                if (d->dev == dev) {
                        *part = NULL;
                        return d;
                }
                for (size_t j = 0; j < d->part_count; j++)
                        if (d->parts[j].dev == dev) {
                                *part = &d->parts[j];
                                return d;
                        }
        }
        return NULL;
}

static int open_dir(const char *path)
{
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

static int attach_all(struct scratch_set *set, const struct scratch_spec *specs, size_t count,
                      char *error, size_t error_size)
{
        _cleanup_close_ int control_fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        int r;

        if (control_fd < 0) {
                r = negative_errno();
                snprintf(error, error_size, "scratch disks need loop devices: /dev/loop-control: %s", strerror(-r));
                return r;
        }
        for (size_t i = 0; i < count; i++) {
                struct scratch_disk *d = &set->disks[i];
                *d = (struct scratch_disk) { .spec = specs[i], .loop_fd = -1 };
                set->count = i + 1;
                _cleanup_close_ int backing_fd = open_backing_file(&d->spec, &d->created_file, error, error_size);
                if (backing_fd < 0)
                        return backing_fd;
                if ((r = attach_loop(d, backing_fd, control_fd)) < 0) {
                        snprintf(error, error_size, "scratch disk %s: cannot attach a loop device: %s", d->spec.name, strerror(-r));
                        return r;
                }
                log_debug("scratch disk %s is loop%d (%u:%u), %llu bytes", d->spec.name, d->loop_nr,
                          major(d->dev), minor(d->dev), d->spec.size);
                if ((r = nodes_add(set, d->spec.name, d->dev)) < 0 || (r = scratch_reread(set, d)) < 0) {
                        snprintf(error, error_size, "scratch disk %s: cannot create its device nodes: %s", d->spec.name, strerror(-r));
                        return r;
                }
        }
        return 0;
}

int scratch_setup(struct scratch_set *set, const struct scratch_spec *specs, size_t count,
                  const char *dev_dir, const char *private_dir, const char *view_dir, const struct ids *ids,
                  char *error, size_t error_size)
{
        char path[PATH_MAX];
        int r;

        *set = (struct scratch_set) { .dev_dirfd = -1, .private_dirfd = -1, .watch_fd = -1, .ids = ids };
        snprintf(set->view_dir, sizeof(set->view_dir), "%s", view_dir ?: "");
        snprintf(set->private_root, sizeof(set->private_root), "%s", private_dir);
        if ((r = path_join(path, sizeof(path), private_dir, "dev")) < 0 ||
            ((mkdir(private_dir, 0700) < 0 || mkdir(path, 0700) < 0) && (r = negative_errno())) ||
            (r = set->private_dirfd = open_dir(path)) < 0 || (r = set->dev_dirfd = open_dir(dev_dir)) < 0) {
                snprintf(error, error_size, "cannot prepare the scratch disks' device nodes: %s", strerror(-r));
                goto fail;
        }
        if (view_dir && (r = blockview_init(set)) < 0) {
                snprintf(error, error_size, "cannot prepare the view of the scratch disks: %s", strerror(-r));
                goto fail;
        }
        if (count == 0)
                return set->view_dir[0] ? blockview_write(set) : 0;
        if ((r = attach_all(set, specs, count, error, error_size)) == 0) {
                set->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
                if (set->watch_fd < 0 || inotify_add_watch(set->watch_fd, dev_dir, IN_DELETE | IN_MOVED_FROM) < 0) {
                        r = negative_errno();
                        snprintf(error, error_size, "cannot watch the container's /dev: %s", strerror(-r));
                        goto fail;
                }
                return 0;
        }
        for (size_t i = 0; i < set->count; i++)
                if (set->disks[i].created_file)
                        (void) unlink(set->disks[i].spec.file);
fail:
        scratch_release(set);
        return r;
}

void scratch_release(struct scratch_set *set)
{
        for (size_t i = 0; i < set->count; i++)
                closep(&set->disks[i].loop_fd);
        set->count = 0;
        closep(&set->dev_dirfd);
        closep(&set->private_dirfd);
        closep(&set->watch_fd);
}

#include <fcntl.h>
#include <linux/blkpg.h>
#include <linux/fs.h>
#include <linux/hdreg.h>
#include <linux/openat2.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "blocktraps.h"
#include "log.h"
#include "util.h"

/* What a disk says of its geometry (the BIOS translation disks have had for decades);
 * the start is what callers want: grub-install finds a partition's offset with it. */
static int geometry(struct seccomp_listener *l, const struct scratch_disk *d, const struct scratch_part *part)
{
        unsigned long long sectors = d->spec.size / 512 / (255 * 63);
        struct hd_geometry geo = {
                .heads = 255, .sectors = 63, .cylinders = (unsigned short) (sectors > 65535 ? 65535 : sectors),
                .start = part ? (unsigned long) part->start : 0,
        };
        return seccomp_listener_write(l, l->req->data.args[2], &geo, sizeof(geo));
}

void blocktraps_reply(struct seccomp_listener *l, int r)
{
        (void) seccomp_listener_reply(l, l->req->id, 0, r < 0 ? -r : 0);
}

/* A NUL-terminated string of the caller's, page by page (it may end just before
 * an unmapped page). */
int blocktraps_read_string(struct seccomp_listener *l, uint64_t addr, char *buf, size_t size)
{
        size_t len = 0;

        if (!addr)
                return -EFAULT;
        while (len < size) {
                size_t chunk = 4096 - ((addr + len) & 4095);
                if (chunk > size - len)
                        chunk = size - len;
                int r = seccomp_listener_read(l, addr + len, buf + len, chunk);
                if (r < 0)
                        return r;
                void *nul = memchr(buf + len, '\0', chunk);
                if (nul)
                        return 0;
                len += chunk;
        }
        return -ENAMETOOLONG;
}

int blocktraps_open_proc(pid_t pid, const char *what, int flags)
{
        char path[64];

        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, what);
        int fd = open(path, flags | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

/* The caller's fd, as the caller has it: the same open file. */
static int fetch_fd(struct seccomp_listener *l, int target)
{
        _cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, (pid_t) l->req->pid, 0);
        if (pidfd < 0)
                return negative_errno();
        /* The PID is the caller's only while the notification is valid. */
        int r = seccomp_notify_id_valid(l->fd, l->req->id);
        if (r < 0)
                return r;
        int fd = (int) syscall(SYS_pidfd_getfd, pidfd, target, 0);
        return fd < 0 ? negative_errno() : fd;
}

/* The scratch device that fd is; NULL for anything else. */
static struct scratch_disk *scratch_of_fd(struct scratch_set *set, int fd, struct scratch_part **part)
{
        struct stat st;

        if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode))
                return NULL;
        return scratch_find(set, st.st_rdev, part);
}

/* BLKPG: the caller's request, copied once, made on the helper's fd of the disk. */
static int blkpg(struct seccomp_listener *l, struct scratch_set *set, struct scratch_disk *d)
{
        struct blkpg_ioctl_arg arg;
        struct blkpg_partition part;
        int r;

        if ((r = seccomp_listener_read(l, l->req->data.args[2], &arg, sizeof(arg))) < 0)
                return r;
        if (arg.op != BLKPG_ADD_PARTITION && arg.op != BLKPG_DEL_PARTITION && arg.op != BLKPG_RESIZE_PARTITION)
                return -EINVAL;
        if (arg.datalen < (int) sizeof(part) ||
            (r = seccomp_listener_read(l, (uint64_t) (uintptr_t) arg.data, &part, sizeof(part))) < 0)
                return r < 0 ? r : -EINVAL;
        arg.data = &part;
        arg.datalen = sizeof(part);
        if (ioctl(d->loop_fd, BLKPG, &arg) < 0)
                return negative_errno();
        return scratch_sync(set, d);
}

void blocktraps_ioctl(struct seccomp_listener *l, struct scratch_set *set)
{
        unsigned request = (unsigned) l->req->data.args[1];
        struct scratch_part *part;
        int r;

        _cleanup_close_ int fd = fetch_fd(l, (int) l->req->data.args[0]);
        struct scratch_disk *d = fd < 0 ? NULL : scratch_of_fd(set, fd, &part);
        if (!d) {
                /* Not a scratch disk: the kernel refuses it (EACCES) as ever. */
                (void) seccomp_listener_continue(l, l->req->id);
                return;
        }
        switch (request) {
        case BLKRRPART:
                r = part ? -EINVAL : scratch_reread(set, d);
                break;
        case BLKPG:
                r = part ? -EINVAL : blkpg(l, set, d);
                break;
        case BLKFLSBUF:
                r = ioctl(fd, BLKFLSBUF, 0) < 0 ? negative_errno() : 0;
                break;
        case HDIO_GETGEO:
                r = geometry(l, d, part);
                break;
        case BLKBSZSET: {
                int size;
                r = seccomp_listener_read(l, l->req->data.args[2], &size, sizeof(size));
                if (r == 0 && ioctl(fd, BLKBSZSET, &size) < 0)
                        r = negative_errno();
                break;
        }
        default:
                r = -ENOTTY;
        }
        /* parted deletes every partition number there might be: ENXIO is routine. */
        if (r != -ENXIO && request != HDIO_GETGEO)
                log_debug("ioctl 0x%x of scratch device %s: %s", request, scratch_device_name(d, part),
                          r < 0 ? strerror(-r) : "done");
        blocktraps_reply(l, r);
}

/* A path of the caller's, resolved in its root (or below its cwd), opened O_PATH:
 * what it names now, whatever the caller does to the path later. */
int blocktraps_open_in_caller(struct seccomp_listener *l, const char *path)
{
        _cleanup_close_ int dirfd = blocktraps_open_proc((pid_t) l->req->pid, path[0] == '/' ? "root" : "cwd", O_PATH | O_DIRECTORY);
        if (dirfd < 0)
                return dirfd;
        int r = seccomp_notify_id_valid(l->fd, l->req->id);
        if (r < 0)
                return r;
        struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        int fd = (int) syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        return fd < 0 ? negative_errno() : fd;
}

struct scratch_disk *blocktraps_scratch_of_path(struct seccomp_listener *l, struct scratch_set *set, uint64_t addr,
                                                struct scratch_part **part, int *error)
{
        char path[PATH_MAX];
        struct stat st;

        if ((*error = blocktraps_read_string(l, addr, path, sizeof(path))) < 0)
                return NULL;
        _cleanup_close_ int fd = blocktraps_open_in_caller(l, path);
        if (fd < 0 || fstat(fd, &st) < 0) {
                *error = fd < 0 ? fd : negative_errno();
                return NULL;
        }
        struct scratch_disk *d = S_ISBLK(st.st_mode) ? scratch_find(set, st.st_rdev, part) : NULL;
        *error = d ? 0 : S_ISBLK(st.st_mode) ? -EACCES : -ENOTBLK;
        return d;
}

/* A scratch disk's swap area is "in use" inside and nothing happens on the host:
 * the host's swap is no business of a rehearsal. Anything else is refused. */
void blocktraps_swap(struct seccomp_listener *l, struct scratch_set *set)
{
        struct scratch_part *part;
        int r;
        struct scratch_disk *d = blocktraps_scratch_of_path(l, set, l->req->data.args[0], &part, &r);

        if (d)
                log_debug("swap%s of scratch device %s: answered, nothing done", l->req->data.nr == (int) SYS_swapon ? "on" : "off",
                          scratch_device_name(d, part));
        blocktraps_reply(l, d ? 0 : -EPERM);
}

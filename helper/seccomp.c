#include <linux/blkpg.h>
#include <linux/fs.h>
#include <linux/hdreg.h>
#include <linux/kd.h>
#include <linux/loop.h>
#include <linux/netlink.h>
#include <linux/reboot.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "seccomp.h"
#include "util.h"

static const struct blocked_syscall {
        const char *name;
        int error;
} blocked_syscalls[] = {
        /* kernel code and memory */
        { "init_module", EPERM }, { "finit_module", EPERM }, { "delete_module", EPERM },
        { "kexec_load", EPERM }, { "kexec_file_load", EPERM },
        { "bpf", EPERM }, { "perf_event_open", EPERM },
        { "iopl", EPERM }, { "ioperm", EPERM },
        /* clock, quotas, accounting: host-wide state (swap: see the traps) */
        { "settimeofday", EPERM }, { "clock_settime", EPERM }, { "clock_adjtime", EPERM },
        { "quotactl", EPERM }, { "acct", EPERM },
        /* the host's keyrings and file handles */
        { "add_key", EPERM }, { "request_key", EPERM }, { "keyctl", EPERM },
        { "open_by_handle_at", EPERM },
        /* The new mount API: "not implemented", so that libmount (util-linux 2.39
         * and later) falls back to mount(2), which the helper answers (see traps). */
        { "fsopen", ENOSYS }, { "fspick", ENOSYS },
        /* and mount_setattr (libmount and systemd fall back to mount(2) too): it could
         * take nosuid and nodev off a mount the helper made (see blockmounts.c) */
        { "mount_setattr", ENOSYS },
};

/* ioctls that reconfigure a loop device: a scratch disk's loop device must stay
 * as the helper made it (autoclear is what releases it on every exit path). */
static const unsigned long refused_ioctls[] = {
        LOOP_SET_FD, LOOP_CLR_FD, LOOP_SET_STATUS, LOOP_SET_STATUS64, LOOP_CHANGE_FD,
        LOOP_SET_CAPACITY, LOOP_SET_DIRECT_IO, LOOP_SET_BLOCK_SIZE, LOOP_CONFIGURE,
        LOOP_CTL_ADD, LOOP_CTL_REMOVE, LOOP_CTL_GET_FREE,
};

/* Without traps (the processes the helper runs inside): swap is refused. */
static const char *const swap_calls[] = { "swapon", "swapoff" };

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

/* mknod(2) of a device node: the mode argument's file type is a block or character device. */
static int block_device_mknod(scmp_filter_ctx ctx)
{
        static const struct {
                const char *name;
                unsigned mode_arg;
        } calls[] = { { "mknod", 1 }, { "mknodat", 2 } };
        static const unsigned types[] = { S_IFBLK, S_IFCHR };
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(calls); i++) {
                int nr = seccomp_syscall_resolve_name(calls[i].name);
                if (nr == __NR_SCMP_ERROR)
                        continue;
                for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
                        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
                                             SCMP_CMP(calls[i].mode_arg, SCMP_CMP_MASKED_EQ, S_IFMT, types[t]));
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static const unsigned reboot_commands[] = {
        LINUX_REBOOT_CMD_POWER_OFF, LINUX_REBOOT_CMD_HALT, LINUX_REBOOT_CMD_RESTART,
        LINUX_REBOOT_CMD_RESTART2, LINUX_REBOOT_CMD_KEXEC,
};

/* Calls the helper answers itself (seccomp user notification), by syscall name
 * (ioctl: by request, below). */
static const struct trapped_syscall {
        const char *name;
        enum seccomp_trap trap;
} trapped_syscalls[] = {
        { "reboot", SECCOMP_TRAP_REBOOT },
        { "nanosleep", SECCOMP_TRAP_SLEEP },
        { "clock_nanosleep", SECCOMP_TRAP_SLEEP },
        { "mount", SECCOMP_TRAP_MOUNT },
        { "swapon", SECCOMP_TRAP_SWAP },
        { "swapoff", SECCOMP_TRAP_SWAP },
};

/* Only these ioctls reach the helper: every other one stays out of its way. */
static const struct trapped_ioctl {
        unsigned long request;
        enum seccomp_trap trap;
} trapped_ioctls[] = {
        /* how a getty tells a virtual terminal from a serial line */
        { KDGKBMODE, SECCOMP_TRAP_VT_MODE },
        /* partition tables and caches: privileges of the host's user namespace */
        { BLKRRPART, SECCOMP_TRAP_BLOCK_IOCTL },
        { BLKPG, SECCOMP_TRAP_BLOCK_IOCTL },
        { BLKFLSBUF, SECCOMP_TRAP_BLOCK_IOCTL },
        { BLKBSZSET, SECCOMP_TRAP_BLOCK_IOCTL },        /* mkfs.xfs */
        /* a disk's geometry, which loop devices lack: GRUB finds a partition's start by it */
        { HDIO_GETGEO, SECCOMP_TRAP_BLOCK_IOCTL },
};

static int add_traps(scmp_filter_ctx ctx)
{
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(reboot_commands); i++) {
                /* The command is an int: compare the low 32 bits only. */
                r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(reboot), 1,
                                     SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffu, reboot_commands[i]));
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(trapped_syscalls); i++) {
                if (trapped_syscalls[i].trap == SECCOMP_TRAP_REBOOT)
                        continue;
                int nr = seccomp_syscall_resolve_name(trapped_syscalls[i].name);
                if (nr != __NR_SCMP_ERROR && (r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0)) < 0)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(trapped_ioctls); i++) {
                r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(ioctl), 1,
                                     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, trapped_ioctls[i].request));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_refusals(scmp_filter_ctx ctx, bool traps)
{
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(refused_ioctls); i++) {
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                                     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, refused_ioctls[i]));
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; !traps && i < ARRAY_SIZE(swap_calls); i++) {
                int nr = seccomp_syscall_resolve_name(swap_calls[i]);
                if (nr != __NR_SCMP_ERROR && (r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0)) < 0)
                        return r;
        }
        return 0;
}

static enum seccomp_trap trap_of(const struct seccomp_notif *req)
{
        _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);

        if (!name)
                return SECCOMP_TRAP_OTHER;
        if (strcmp(name, "ioctl") == 0) {
                for (size_t i = 0; i < ARRAY_SIZE(trapped_ioctls); i++)
                        if ((req->data.args[1] & 0xffffffffu) == trapped_ioctls[i].request)
                                return req->data.arch == seccomp_arch_native() || trapped_ioctls[i].trap == SECCOMP_TRAP_VT_MODE
                                        ? trapped_ioctls[i].trap : SECCOMP_TRAP_OTHER;
                return SECCOMP_TRAP_OTHER;
        }
        for (size_t i = 0; i < ARRAY_SIZE(trapped_syscalls); i++) {
                if (strcmp(name, trapped_syscalls[i].name) != 0)
                        continue;
                /* A sleep's timespec is read in the native layout only; 32-bit
                 * programs' sleeps are left to the kernel. */
                if (trapped_syscalls[i].trap != SECCOMP_TRAP_REBOOT && req->data.arch != seccomp_arch_native())
                        return SECCOMP_TRAP_OTHER;
                return trapped_syscalls[i].trap;
        }
        return SECCOMP_TRAP_OTHER;
}

int seccomp_listener_init(struct seccomp_listener *l, int fd)
{
        *l = (struct seccomp_listener) { .fd = fd };
        return seccomp_notify_alloc(&l->req, &l->resp);
}

void seccomp_listener_free(struct seccomp_listener *l)
{
        seccomp_notify_free(l->req, l->resp);
        l->req = NULL;
        l->resp = NULL;
        closep(&l->fd);
}

int seccomp_listener_receive(struct seccomp_listener *l, enum seccomp_trap *trap)
{
        /* The kernel wants a zeroed buffer for every notification. */
        seccomp_notify_free(l->req, l->resp);
        l->req = NULL;
        l->resp = NULL;
        int r = seccomp_notify_alloc(&l->req, &l->resp);
        if (r < 0)
                return r;
        if ((r = seccomp_notify_receive(l->fd, l->req)) < 0)
                return r;
        *trap = trap_of(l->req);
        return 0;
}

static int respond(struct seccomp_listener *l, uint64_t id, int64_t val, int error, uint32_t flags)
{
        *l->resp = (struct seccomp_notif_resp) { .id = id, .val = val, .error = error, .flags = flags };
        return seccomp_notify_respond(l->fd, l->resp);
}

int seccomp_listener_reply(struct seccomp_listener *l, uint64_t id, int64_t val, int error)
{
        return respond(l, id, error ? -1 : val, error ? -error : 0, 0);
}

int seccomp_listener_continue(struct seccomp_listener *l, uint64_t id)
{
        return respond(l, id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
}

/* The PID of a notification is reused only after the caller is gone: checking the
 * notification after touching the memory makes sure it was the caller's. */
int seccomp_listener_read(struct seccomp_listener *l, uint64_t addr, void *buf, size_t len)
{
        struct iovec local = { .iov_base = buf, .iov_len = len };
        struct iovec remote = { .iov_base = (void *) (uintptr_t) addr, .iov_len = len };
        ssize_t n = process_vm_readv((pid_t) l->req->pid, &local, 1, &remote, 1, 0);

        if (n < 0)
                return negative_errno();
        if ((size_t) n != len)
                return -EFAULT;
        return seccomp_notify_id_valid(l->fd, l->req->id);
}

int seccomp_listener_write(struct seccomp_listener *l, uint64_t addr, const void *buf, size_t len)
{
        int r = seccomp_notify_id_valid(l->fd, l->req->id);
        struct iovec local = { .iov_base = (void *) buf, .iov_len = len };
        struct iovec remote = { .iov_base = (void *) (uintptr_t) addr, .iov_len = len };

        if (r < 0)
                return r;
        ssize_t n = process_vm_writev((pid_t) l->req->pid, &local, 1, &remote, 1, 0);
        if (n < 0)
                return negative_errno();
        return (size_t) n == len ? 0 : -EFAULT;
}

int seccomp_compile(bool traps, struct sock_fprog *program)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r;

        *program = (struct sock_fprog) {};
        if (!ctx)
                return -ENOMEM;
        /* 32-bit programs must not slip past the 64-bit rules. */
        if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
                if ((r = seccomp_arch_add(ctx, SCMP_ARCH_X86)) < 0 && r != -EEXIST)
                        return r;
                if ((r = seccomp_arch_add(ctx, SCMP_ARCH_X32)) < 0 && r != -EEXIST)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(blocked_syscalls); i++) {
                int nr = seccomp_syscall_resolve_name(blocked_syscalls[i].name);
                if (nr == __NR_SCMP_ERROR)
                        continue;
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(blocked_syscalls[i].error), nr, 0);
                if (r < 0)
                        return r;
        }
        if ((r = block_device_mknod(ctx)) < 0 || (r = add_refusals(ctx, traps)) < 0)
                return r;
        /* The host's audit subsystem: refused as if the kernel had none, as systemd expects. */
        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 2,
                             SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_EQ, NETLINK_AUDIT));
        if (r < 0)
                return r;
        if (traps && (r = add_traps(ctx)) < 0)
                return r;

        /* libseccomp (2.5) exports the BPF program to a file descriptor only. */
        _cleanup_close_ int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if ((r = seccomp_export_bpf(ctx, fd)) < 0)
                return r;
        off_t size = lseek(fd, 0, SEEK_END);
        if (size <= 0 || size % sizeof(struct sock_filter) != 0 || size > SECCOMP_PROGRAM_MAX_BYTES)
                return -EINVAL;
        struct sock_filter *filter = malloc((size_t) size);
        if (!filter)
                return -ENOMEM;
        if (pread(fd, filter, (size_t) size, 0) != size) {
                free(filter);
                return -EIO;
        }
        *program = (struct sock_fprog) { .len = (unsigned short) (size / sizeof(struct sock_filter)), .filter = filter };
        return 0;
}

void seccomp_program_free(struct sock_fprog *program)
{
        free(program->filter);
        *program = (struct sock_fprog) {};
}

int seccomp_load_program(const struct sock_fprog *program, int *listener_fd)
{
        /* setuid programs (login, su) must keep working: no no_new_privs. The caller
         * holds CAP_SYS_ADMIN in the container's user namespace, which is enough. */
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, listener_fd ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0,
                         program);
        if (r < 0)
                return negative_errno();
        if (listener_fd)
                *listener_fd = (int) r;
        return 0;
}

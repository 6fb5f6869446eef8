#include <linux/netlink.h>
#include <linux/reboot.h>
#include <seccomp.h>
#include <sys/socket.h>
#include <sys/stat.h>

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
        /* swap, clock, quotas, accounting: host-wide state */
        { "swapon", EPERM }, { "swapoff", EPERM },
        { "settimeofday", EPERM }, { "clock_settime", EPERM }, { "clock_adjtime", EPERM },
        { "quotactl", EPERM }, { "acct", EPERM },
        /* the host's keyrings and file handles */
        { "add_key", EPERM }, { "request_key", EPERM }, { "keyctl", EPERM },
        { "open_by_handle_at", EPERM },
};

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

static int trap_reboot(scmp_filter_ctx ctx)
{
        for (size_t i = 0; i < ARRAY_SIZE(reboot_commands); i++) {
                /* The command is an int: compare the low 32 bits only. */
                int r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(reboot), 1,
                                         SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffu, reboot_commands[i]));
                if (r < 0)
                        return r;
        }
        return 0;
}

int seccomp_receive_reboot(int notify_fd, unsigned *cmd)
{
        struct seccomp_notif *req = NULL;
        struct seccomp_notif_resp *resp = NULL;
        int r = seccomp_notify_alloc(&req, &resp);

        if (r < 0)
                return r;
        r = seccomp_notify_receive(notify_fd, req);
        if (r == 0)
                *cmd = (unsigned) req->data.args[2];
        seccomp_notify_free(req, resp);
        return r;
}

int seccomp_install(int *notify_fd)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r;

        if (!ctx)
                return -ENOMEM;
        /* setuid programs (login, su) must keep working: no no_new_privs. We hold
         * CAP_SYS_ADMIN in the container's user namespace, which is enough to load. */
        if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
                return r;
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
        if ((r = block_device_mknod(ctx)) < 0)
                return r;
        /* The host's audit subsystem: refused as if the kernel had none, as systemd expects. */
        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 2,
                             SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_EQ, NETLINK_AUDIT));
        if (r < 0)
                return r;
        if (notify_fd && (r = trap_reboot(ctx)) < 0)
                return r;
        if ((r = seccomp_load(ctx)) < 0)
                return r;
        if (notify_fd && (*notify_fd = seccomp_notify_fd(ctx)) < 0)
                return *notify_fd;
        return 0;
}

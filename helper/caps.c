#include <stdbool.h>
#include <sys/capability.h>

#include "caps.h"
#include "util.h"

/* What a booting rescue system needs: file ownership, users, its own mounts, signals,
 * raw sockets for ping/dhclient, reboot (ends the container). Not here, among others:
 * SYS_MODULE, SYS_RAWIO, SYS_TIME, SYSLOG, MAC_*, NET_ADMIN (the network namespace
 * is not the container's to change), BPF, PERFMON, CHECKPOINT_RESTORE, BLOCK_SUSPEND, WAKE_ALARM. */
static const cap_value_t kept_caps[] = {
        CAP_AUDIT_CONTROL, CAP_AUDIT_WRITE, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
        CAP_FOWNER, CAP_FSETID, CAP_IPC_OWNER, CAP_KILL, CAP_LEASE, CAP_LINUX_IMMUTABLE,
        CAP_MKNOD, CAP_NET_BIND_SERVICE, CAP_NET_BROADCAST, CAP_NET_RAW, CAP_SETFCAP,
        CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_ADMIN, CAP_SYS_BOOT, CAP_SYS_CHROOT,
        CAP_SYS_NICE, CAP_SYS_PTRACE, CAP_SYS_RESOURCE, CAP_SYS_TTY_CONFIG,
};

static bool is_kept(cap_value_t cap)
{
        for (size_t i = 0; i < ARRAY_SIZE(kept_caps); i++)
                if (kept_caps[i] == cap)
                        return true;
        return false;
}

static void cap_freep(cap_t *caps)
{
        if (*caps)
                cap_free(*caps);
}

int caps_restrict(void)
{
        _cleanup_(cap_freep) cap_t caps = cap_init();
        int last = (int) cap_max_bits();

        if (!caps)
                return -ENOMEM;
        for (cap_value_t cap = 0; cap < last; cap++)
                if (!is_kept(cap) && cap_drop_bound(cap) < 0)
                        return negative_errno();
        /* Inheritable stays empty: root's exec would otherwise regain what the bounding set lost. */
        if (cap_set_flag(caps, CAP_PERMITTED, (int) ARRAY_SIZE(kept_caps), kept_caps, CAP_SET) < 0 ||
            cap_set_flag(caps, CAP_EFFECTIVE, (int) ARRAY_SIZE(kept_caps), kept_caps, CAP_SET) < 0 ||
            cap_set_proc(caps) < 0 || cap_reset_ambient() < 0)
                return negative_errno();
        return 0;
}

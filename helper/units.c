#include <stdio.h>
#include <string.h>

#include "units.h"
#include "util.h"

/* Units that cannot work in any container, with the reason, reported as ignored. */
static const struct ignored_unit {
        const char *unit;
        const char *reason;
} ignored_units[] = {
        { "systemd-udev-trigger.service", "triggers kernel uevents: /sys is read-only in a container" },
        { "systemd-udevd.service", "manages kernel devices: a container has none and no uevents" },
        { "systemd-modules-load.service", "loads kernel modules: refused in a container" },
        { "systemd-sysctl.service", "sets kernel parameters: /proc/sys is read-only in a container" },
        { "systemd-remount-fs.service", "remounts the root file system: the container's is prepared for it" },
        { "systemd-vconsole-setup.service", "sets up a virtual console: a container has pseudo-terminals" },
};

/* Units whose programs ReaR copies only from a host that runs systemd. */
static const char *const systemd_tool_units[] = {
        "systemd-udevd.service", "systemd-udevd-kernel.socket", "systemd-udevd-control.socket",
        "systemd-udev-trigger.service", "systemd-journald.service",
};

/* Units of udevd: an image without it is warned about (prompt:ttyS0), not failed twice. */
static const char *const udevd_units[] = {
        "systemd-udevd.service", "systemd-udevd-kernel.socket", "systemd-udevd-control.socket",
};

static const char *unit_ignored(const struct probe_env *env, const char *unit)
{
        if (strcmp(unit, "sshd.service") == 0 && env->sshd_configured && !env->sshd_binary)
                return "the image asks for sshd but has none (no OpenSSH server on the host when mkrescue ran)";
        if (!env->has_systemctl)
                for (size_t i = 0; i < ARRAY_SIZE(systemd_tool_units); i++)
                        if (strcmp(unit, systemd_tool_units[i]) == 0)
                                return "the image has no systemd tools (ReaR adds them only when mkrescue runs on a host booted with systemd)";
        if (!env->has_udevd)
                for (size_t i = 0; i < ARRAY_SIZE(udevd_units); i++)
                        if (strcmp(unit, udevd_units[i]) == 0)
                                return "the image has no udevd (see the warnings)";
        for (size_t i = 0; i < ARRAY_SIZE(ignored_units); i++)
                if (strcmp(unit, ignored_units[i].unit) == 0)
                        return ignored_units[i].reason;
        return NULL;
}

static void append(char *list, size_t size, const char *name)
{
        size_t len = strlen(list);
        if (len + strlen(name) + 2 < size)
                snprintf(list + len, size - len, "%s%s", len ? " " : "", name);
}

void units_judge(const struct probe_env *env, const char *const *names, size_t n, const char *how,
                 const char *excerpt, const struct item_sink *sink)
{
        char failed[768] = "", ignored[768] = "";

        for (size_t i = 0; i < n; i++)
                append(unit_ignored(env, names[i]) ? ignored : failed, sizeof(failed), names[i]);
        if (ignored[0])
                item_add(sink, "units-ignored", CHECK_IGNORED, -1, NULL, "failed, but not the image's fault here: %s (see the README)",
                         ignored);
        if (failed[0])
                item_add(sink, "units", CHECK_FAIL, -1, excerpt, "failed units: %s", failed);
        else
                item_add(sink, "units", CHECK_OK, -1, NULL, "no failed systemd unit%s", how);
}

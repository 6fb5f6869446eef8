/* What the image's own files say, read from the host side before the boot: which
 * gettys it starts, whether it has systemctl, udevd, sshd, and what its power off
 * and reboot run. This is where the warnings come from: what a container cannot
 * exercise but a machine would hit. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "gettys.h"
#include "rootfs.h"

#define POWER_PATH_MAX 6

struct image_facts {
        struct getty gettys[MAX_GETTYS];
        size_t n_gettys;
        bool has_systemctl;
        bool has_udevd;
        bool sshd_configured;           /* ReaR's "ssh:" line in /etc/inittab */
        bool sshd_binary;
        unsigned sshd_port;
        /* What the power off, reboot and halt need and the image lacks:
         * "poweroff.service runs /bin/systemctl". */
        char power_missing[POWER_PATH_MAX][160];
        size_t n_power_missing;
};

/* Reads the facts of the tree at rootfs. 0 or -errno (rootfs cannot be opened). */
int image_inspect(const char *rootfs, enum init_kind kind, struct image_facts *f);

/* The program of a unit file's first ExecStart= ("-/bin/systemctl --force poweroff" ->
 * "/bin/systemctl"), into buf. 0, or -ENOENT when it has none. Pure, over a buffer. */
int unit_exec_program(const char *text, size_t len, char *buf, size_t size);

/* Which terminals the image starts a getty on, read from its files (systemd units
 * or /etc/inittab), not assumed: ReaR 2.7 with systemd uses getty@tty0 and
 * serial-getty@ttyS0, older ReaR getty@tty1..4, ReaR's inittab mingetty tty1..5. */
#pragma once

#include <stddef.h>

#include "rootfs.h"

#define MAX_GETTYS 16

struct getty {
        char tty[16];           /* as the image names it: "tty0", "tty1", "ttyS0", "console" */
        char source[96];        /* "getty@tty0.service", "/etc/inittab line 12" */
        int serial_unit;        /* systemd serial-getty@: bound to a udev device unit */
};

/* Fills at most max entries, returns the count (duplicates removed). */
size_t image_gettys(const char *rootfs, enum init_kind kind, struct getty *out, size_t max);

/* Pure parsers, exposed for the unit tests. */
size_t gettys_from_inittab(const char *text, struct getty *out, size_t n, size_t max);
/* "getty@tty1.service" -> "tty1"; returns 0, or -EINVAL when not a getty unit. */
int getty_from_unit_name(const char *name, struct getty *out);

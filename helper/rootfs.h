/* What the helper learns about ROOTFS before it boots it: is it bootable, which
 * init it runs, what the image calls itself. Bad input is found here, before
 * anything is created. */
#pragma once

#include <limits.h>
#include <stddef.h>

enum init_kind {
        INIT_SYSTEMD,
        INIT_BUSYBOX,
        INIT_SYSVINIT,          /* any other init: stopped via its poweroff command */
        INIT_COMMAND,           /* a COMMAND given on the command line */
};

struct rootfs_info {
        char init[PATH_MAX];    /* path inside the image, e.g. "/init" */
        enum init_kind init_kind;
        char hostname[65];
};

/* Fills info, or returns -errno with a one-line reason in error. */
int rootfs_inspect(const char *rootfs, char *const *command, struct rootfs_info *info,
                   char *error, size_t error_size);

/* Which init a binary is, from its bytes. */
enum init_kind init_kind_from_bytes(const char *bytes, size_t len);
const char *init_kind_name(enum init_kind kind);

/* Open a path inside the image the way the image would resolve it (symlinks stay inside). */
int rootfs_open(int root_fd, const char *path, int flags);

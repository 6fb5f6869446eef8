/* boot-files: what the boot medium of an ISO output holds, read on the host's side without
 * mounting (libarchive): the kernel and initrd its isolinux.cfg names exist, and the
 * kernel's version (from its bzImage header) is the one the image's module tree is for.
 * The parsers are pure functions over buffers (unit-tested, fuzzable). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define BOOT_NAMES_MAX 8

struct boot_medium {
        char config[64];                /* "isolinux/isolinux.cfg"; "" when none was found */
        char kernels[BOOT_NAMES_MAX][128];      /* as named, relative to the medium's root */
        size_t n_kernels;
        char initrds[BOOT_NAMES_MAX][128];
        size_t n_initrds;
        bool kernel_present[BOOT_NAMES_MAX];
        bool initrd_present[BOOT_NAMES_MAX];
        char kernel_version[128];       /* of the first kernel named; "" unknown */
        char error[256];                /* why the medium could not be read; "" */
};

/* The first kernel named that is a Linux kernel, not a syslinux module; NULL when none. */
const char *boot_medium_linux(const struct boot_medium *m);
/* Reads the ISO at path. 0, or -errno with the reason in m->error. */
int boot_medium_read_iso(const char *path, struct boot_medium *m);

/* The kernel and initrd names of an isolinux/syslinux configuration ("kernel kernel",
 * "append initrd=initrd.cgz ..."), relative to dir (the configuration's directory), each
 * once. Returns how many kernels. */
size_t isolinux_boot_names(const char *text, size_t len, const char *dir, struct boot_medium *m);
/* The version string of a Linux bzImage ("6.1.0-57-amd64" of "6.1.0-57-amd64
 * (debian-kernel@...) #1 SMP ..."), into buf. 0, or -EINVAL when it is no bzImage. */
int bzimage_version(const unsigned char *image, size_t len, char *buf, size_t size);

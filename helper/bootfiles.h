/* boot-files: what the boot medium of a ReaR output holds, read on the host's side without
 * mounting or booting: the kernel and initrd its boot loader configuration names exist,
 * and the kernel's version (from its bzImage header) is the one the image's module tree
 * is for. One reader per kind of output fills a struct boot_medium (bootfiles-iso.c: the
 * ISO through libarchive; bootfiles-dir.c: PXE and RAMDISK files on the host's file
 * system); the judge (judge.c) compares, the same way for every kind. The parsers are pure
 * functions over buffers (unit-tested, fuzzable). */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#define BOOT_NAMES_MAX 8
/* What a reader reads of a configuration, and of a kernel: its setup header and the
 * version string it points at lie in the first few KB. */
#define BOOT_CONFIG_MAX (256u << 10)
#define BOOT_KERNEL_HEAD (64u << 10)

enum boot_kind {
        BOOT_ISO,                       /* --boot-medium=[iso:]FILE */
        BOOT_PXE,                       /* --boot-medium=pxe:CONFIG [--tftp-root=DIR] */
        BOOT_RAMDISK,                   /* --boot-medium=ramdisk:INITRD */
};

struct boot_medium {
        enum boot_kind kind;
        char config[PATH_MAX];          /* what names the files: "isolinux/isolinux.cfg", the PXE
                                         * configuration's path, "ReaR's RAMDISK naming"; "" none found */
        char holder[PATH_MAX + 32];     /* where they must be: "the ISO", "the TFTP root DIR", "DIR" */
        char kernels[BOOT_NAMES_MAX][128];      /* as named, relative to the holder */
        size_t n_kernels;
        char initrds[BOOT_NAMES_MAX][128];
        size_t n_initrds;
        bool kernel_present[BOOT_NAMES_MAX];
        bool initrd_present[BOOT_NAMES_MAX];
        char kernel_version[128];       /* of the first Linux kernel named; "" unknown */
        char error[PATH_MAX + 128];     /* why the medium could not be read; "" */
};

/* Reads the boot medium that --boot-medium=SPEC names ("iso:FILE" or FILE, "pxe:CONFIG",
 * "ramdisk:INITRD"); tftp_root (NULL: the default, see bootfiles-dir.c) is where a PXE
 * configuration's names are. 0, or -errno with the reason in m->error. */
int boot_medium_read(const char *spec, const char *tftp_root, struct boot_medium *m);
/* The kind a --boot-medium SPEC names and the path after its prefix. */
enum boot_kind boot_medium_kind(const char *spec, const char **path);
/* The first kernel named that is a Linux kernel, not a syslinux module; NULL when none. */
const char *boot_medium_linux(const struct boot_medium *m);

int boot_medium_read_iso(const char *path, struct boot_medium *m);
int boot_medium_read_pxe(const char *config, const char *tftp_root, struct boot_medium *m);
int boot_medium_read_ramdisk(const char *initrd, struct boot_medium *m);

/* The kernel and initrd names of a boot loader configuration, each once: syslinux's
 * ("kernel kernel", "append initrd=initrd.cgz ...", as isolinux.cfg and pxelinux.cfg have
 * them) and GRUB's ("linux (tftp)/vm.kernel ...", "initrd (tftp)/vm.initrd.cgz", as
 * PXE_CONFIG_GRUB_STYLE writes). A name is relative to dir (the configuration's directory on
 * an ISO, "" on a TFTP root); a leading '/' or GRUB device is dropped. Returns how many kernels. */
size_t boot_config_names(const char *text, size_t len, const char *dir, struct boot_medium *m);
/* The kernel that ReaR's RAMDISK output pairs with the initrd named initrd (a base name):
 * "initramfs-SUFFIX.img" goes with "kernel-SUFFIX" (RAMDISK_SUFFIX, by default the host
 * name); with an empty RAMDISK_SUFFIX ReaR keeps the kernel's own name, so another initrd
 * goes with the one "vmlinuz*" among the n names of its directory. 0 with the name in buf;
 * -ENOENT when there is no vmlinuz, -EEXIST when there are several (buf: the first two). */
int ramdisk_kernel_name(const char *initrd, const char *const *names, size_t n, char *buf, size_t size);
/* The version string of a Linux bzImage ("6.1.0-57-amd64" of "6.1.0-57-amd64
 * (debian-kernel@...) #1 SMP ..."), into buf. 0, or -EINVAL when it is no bzImage. */
int bzimage_version(const unsigned char *image, size_t len, char *buf, size_t size);

/* What boot-files reads of a boot medium: the boot loader configuration (isolinux.cfg,
 * pxelinux.cfg, GRUB's; boot_config_names), ReaR's RAMDISK naming (ramdisk_kernel_name)
 * and a kernel's bzImage header (bzimage_version). */
#include "bootfiles.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct boot_medium m = {};
        char *text = fuzz_text(data, size), version[128], kernel[128];

        if (!text)
                return 0;
        boot_config_names(text, size, "isolinux", &m);
        (void) boot_medium_linux(&m);
        const char *names[] = { text, "vmlinuz-6.1.0-57-amd64" };
        (void) ramdisk_kernel_name(text, names, 2, kernel, sizeof(kernel));
        (void) bzimage_version((const unsigned char *) text, size + 1, version, sizeof(version));
        free(text);
        return 0;
}

/* boot-files, the part every kind of output shares: which reader a --boot-medium names,
 * and the pure parsers (boot loader configurations, ReaR's RAMDISK naming, the bzImage
 * header). See bootfiles.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bootfiles.h"
#include "util.h"

static const struct {
        const char *prefix;
        enum boot_kind kind;
} kind_prefixes[] = {
        { "iso:", BOOT_ISO },
        { "pxe:", BOOT_PXE },
        { "ramdisk:", BOOT_RAMDISK },
};

enum boot_kind boot_medium_kind(const char *spec, const char **path)
{
        for (size_t i = 0; i < ARRAY_SIZE(kind_prefixes); i++)
                if (strncmp(spec, kind_prefixes[i].prefix, strlen(kind_prefixes[i].prefix)) == 0) {
                        *path = spec + strlen(kind_prefixes[i].prefix);
                        return kind_prefixes[i].kind;
                }
        *path = spec;           /* a bare path: an ISO, as before there were other kinds */
        return BOOT_ISO;
}

int boot_medium_read(const char *spec, const char *tftp_root, struct boot_medium *m)
{
        const char *path;

        *m = (struct boot_medium) {};
        switch (m->kind = boot_medium_kind(spec, &path)) {
        case BOOT_PXE:
                return boot_medium_read_pxe(path, tftp_root, m);
        case BOOT_RAMDISK:
                return boot_medium_read_ramdisk(path, m);
        case BOOT_ISO:
                break;
        }
        return boot_medium_read_iso(path, m);
}

/* Adds the name at the start of name, up to one of the separators seps. */
static void add_name(char names[][128], size_t *n, const char *dir, const char *name, const char *seps)
{
        char full[128];

        /* GRUB names a file on the boot server as "(tftp)/name" or "(tftp,ADDRESS)/name". */
        if (name[0] == '(' && strchr(name, ')'))
                name = strchr(name, ')') + 1;
        size_t len = strcspn(name, seps);
        if (len == 0)
                return;
        if (name[0] == '/')
                snprintf(full, sizeof(full), "%.*s", (int) len - 1, name + 1);
        else
                snprintf(full, sizeof(full), "%s%s%.*s", dir, dir[0] ? "/" : "", (int) len, name);
        for (size_t i = 0; i < *n; i++)
                if (strcmp(names[i], full) == 0)
                        return;
        if (*n < BOOT_NAMES_MAX)
                snprintf(names[(*n)++], 128, "%s", full);
}

size_t boot_config_names(const char *text, size_t len, const char *dir, struct boot_medium *m)
{
        for (size_t off = 0; off < len;) {
                const char *nl = memchr(text + off, '\n', len - off);
                size_t line_len = (nl ? (size_t) (nl - text) : len) - off;
                char line[1024];
                snprintf(line, sizeof(line), "%.*s", (int) line_len, text + off);
                off += line_len + 1;
                char *word = line + strspn(line, " \t");
                if (strncasecmp(word, "kernel ", 7) == 0 || strncasecmp(word, "linux ", 6) == 0) {
                        char *name = word + strcspn(word, " \t");
                        name += strspn(name, " \t");
                        add_name(m->kernels, &m->n_kernels, dir, name, " \t\r");
                } else if (strncasecmp(word, "append ", 7) == 0 || strncasecmp(word, "initrd ", 7) == 0) {
                        char *name = strncasecmp(word, "initrd ", 7) == 0 ? word + 7 : strstr(word, "initrd=");
                        if (!name)
                                continue;
                        name += strncmp(name, "initrd=", 7) == 0 ? 7 : strspn(name, " \t");
                        add_name(m->initrds, &m->n_initrds, dir, name, " \t\r,");
                }
        }
        return m->n_kernels;
}

int ramdisk_kernel_name(const char *initrd, const char *const *names, size_t n, char *buf, size_t size)
{
        static const char prefix[] = "initramfs-", suffix[] = ".img";
        size_t len = strlen(initrd), found = 0;

        if (len > strlen(prefix) + strlen(suffix) && strncmp(initrd, prefix, strlen(prefix)) == 0 &&
            strcmp(initrd + len - strlen(suffix), suffix) == 0) {
                snprintf(buf, size, "kernel-%.*s", (int) (len - strlen(prefix) - strlen(suffix)), initrd + strlen(prefix));
                return 0;
        }
        buf[0] = '\0';
        for (size_t i = 0; i < n; i++)
                if (strncmp(names[i], "vmlinuz", 7) == 0 && found++ < 2)
                        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", found > 1 ? ", " : "", names[i]);
        return found == 1 ? 0 : found ? -EEXIST : -ENOENT;
}

int bzimage_version(const unsigned char *image, size_t len, char *buf, size_t size)
{
        /* Linux boot protocol: "HdrS" at 0x202, kernel_version (offset - 0x200) at 0x20e. */
        if (len < 0x210 || memcmp(image + 0x202, "HdrS", 4) != 0)
                return -EINVAL;
        size_t at = (size_t) (image[0x20e] | image[0x20f] << 8) + 0x200;
        if (at >= len)
                return -EINVAL;
        size_t n = strcspn((const char *) image + at, " ");
        if (at + n >= len || n == 0 || n >= size)
                return -EINVAL;
        snprintf(buf, size, "%.*s", (int) n, image + at);
        return 0;
}

/* The first kernel that is no syslinux module (chain.c32 boots the local disk). */
const char *boot_medium_linux(const struct boot_medium *m)
{
        for (size_t i = 0; i < m->n_kernels; i++)
                if (!strstr(m->kernels[i], ".c32"))
                        return m->kernels[i];
        return NULL;
}

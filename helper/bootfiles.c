#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <string.h>

#include "bootfiles.h"
#include "util.h"

#define CONFIG_MAX (256u << 10)
/* The setup header and the version string it points at lie in the first few KB. */
#define KERNEL_HEAD (64u << 10)

/* Where ReaR's ISO keeps its boot loader configuration (output/ISO/Linux-i386/). */
static const char *const config_names[] = { "isolinux/isolinux.cfg", "boot/isolinux/isolinux.cfg", "syslinux/syslinux.cfg" };

static void add_name(char names[][128], size_t *n, const char *dir, const char *name, size_t len)
{
        char full[128];

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

size_t isolinux_boot_names(const char *text, size_t len, const char *dir, struct boot_medium *m)
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
                        add_name(m->kernels, &m->n_kernels, dir, name, strcspn(name, " \t\r"));
                } else if (strncasecmp(word, "append ", 7) == 0 || strncasecmp(word, "initrd ", 7) == 0) {
                        char *name = strncasecmp(word, "initrd ", 7) == 0 ? word + 7 : strstr(word, "initrd=");
                        if (!name)
                                continue;
                        name += strncmp(name, "initrd=", 7) == 0 ? 7 : strspn(name, " \t");
                        add_name(m->initrds, &m->n_initrds, dir, name, strcspn(name, " \t\r,"));
                }
        }
        return m->n_kernels;
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

/* Reads the current entry's data, at most max bytes, into a new buffer. */
static char *entry_data(struct archive *a, size_t max, size_t *len)
{
        char *buf = malloc(max + 1);
        *len = 0;
        for (la_ssize_t n; buf && *len < max && (n = archive_read_data(a, buf + *len, max - *len)) > 0;)
                *len += (size_t) n;
        if (buf)
                buf[*len] = '\0';
        return buf;
}

/* One pass over the ISO: the configuration (it names what else matters) and every member's name. */
static int read_members(const char *path, struct boot_medium *m, char ***names, size_t *n_names)
{
        struct archive *a = archive_read_new();
        struct archive_entry *entry;
        int r = 0;

        archive_read_support_format_iso9660(a);
        if (archive_read_open_filename(a, path, 64 << 10) != ARCHIVE_OK) {
                snprintf(m->error, sizeof(m->error), "cannot read %s: %s", path, archive_error_string(a));
                archive_read_free(a);
                return -EINVAL;
        }
        while (r == 0 && archive_read_next_header(a, &entry) == ARCHIVE_OK) {
                const char *name = archive_entry_pathname(entry);
                char **more = realloc(*names, (*n_names + 1) * sizeof(**names));
                if (!more) {
                        r = -ENOMEM;
                        break;
                }
                *names = more;
                if (!(more[*n_names] = strdup(name))) {
                        r = -ENOMEM;
                        break;
                }
                (*n_names)++;
                for (size_t i = 0; i < ARRAY_SIZE(config_names) && !m->config[0]; i++)
                        if (strcmp(name, config_names[i]) == 0) {
                                size_t len;
                                _cleanup_free_ char *text = entry_data(a, CONFIG_MAX, &len);
                                const char *slash = strrchr(config_names[i], '/');
                                char dir[64];
                                snprintf(dir, sizeof(dir), "%.*s", (int) (slash - config_names[i]), config_names[i]);
                                snprintf(m->config, sizeof(m->config), "%s", name);
                                if (text)
                                        isolinux_boot_names(text, len, dir, m);
                        }
        }
        archive_read_free(a);
        return r;
}

/* The first kernel that is no syslinux module (chain.c32 boots the local disk). */
const char *boot_medium_linux(const struct boot_medium *m)
{
        for (size_t i = 0; i < m->n_kernels; i++)
                if (!strstr(m->kernels[i], ".c32"))
                        return m->kernels[i];
        return NULL;
}

/* That kernel's header: a second pass, since the configuration may come after it. */
static void read_kernel_version(const char *path, struct boot_medium *m)
{
        const char *linux_kernel = boot_medium_linux(m);

        struct archive *a = archive_read_new();
        struct archive_entry *entry;

        archive_read_support_format_iso9660(a);
        if (archive_read_open_filename(a, path, 64 << 10) == ARCHIVE_OK)
                while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
                        if (!linux_kernel || strcmp(archive_entry_pathname(entry), linux_kernel) != 0)
                                continue;
                        size_t len;
                        _cleanup_free_ char *head = entry_data(a, KERNEL_HEAD, &len);
                        if (head)
                                (void) bzimage_version((unsigned char *) head, len, m->kernel_version, sizeof(m->kernel_version));
                        break;
                }
        archive_read_free(a);
}

int boot_medium_read_iso(const char *path, struct boot_medium *m)
{
        char **names = NULL;
        size_t n_names = 0;

        *m = (struct boot_medium) {};
        int r = read_members(path, m, &names, &n_names);
        for (size_t i = 0; i < n_names; i++) {
                for (size_t k = 0; k < m->n_kernels; k++)
                        m->kernel_present[k] |= strcmp(names[i], m->kernels[k]) == 0;
                for (size_t k = 0; k < m->n_initrds; k++)
                        m->initrd_present[k] |= strcmp(names[i], m->initrds[k]) == 0;
                free(names[i]);
        }
        free(names);
        if (r == 0)
                read_kernel_version(path, m);
        return r;
}

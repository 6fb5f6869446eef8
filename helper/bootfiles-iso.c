/* boot-files of an ISO output: its isolinux.cfg and the files it names, read with
 * libarchive (nothing mounted). */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <string.h>

#include "bootfiles.h"
#include "util.h"


/* Where ReaR's ISO keeps its boot loader configuration (output/ISO/Linux-i386/). */
static const char *const config_names[] = { "isolinux/isolinux.cfg", "boot/isolinux/isolinux.cfg", "syslinux/syslinux.cfg" };

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
                                _cleanup_free_ char *text = entry_data(a, BOOT_CONFIG_MAX, &len);
                                const char *slash = strrchr(config_names[i], '/');
                                char dir[64];
                                snprintf(dir, sizeof(dir), "%.*s", (int) (slash - config_names[i]), config_names[i]);
                                snprintf(m->config, sizeof(m->config), "%s", name);
                                if (text)
                                        boot_config_names(text, len, dir, m);
                        }
        }
        archive_read_free(a);
        return r;
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
                        _cleanup_free_ char *head = entry_data(a, BOOT_KERNEL_HEAD, &len);
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

        snprintf(m->holder, sizeof(m->holder), "the ISO");
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

/* boot-files of an ISO output: its isolinux.cfg and the files it names, read with
 * libarchive (nothing mounted).
 *
 * libarchive is loaded with dlopen() here, when an ISO is read, and nowhere else: linked,
 * it and what it needs (libxml2, ICU, libstdc++, five compressors: 16 of the helper's 23
 * libraries) cost every start of the helper about 4 ms in the dynamic loader, for the one
 * mode that reads an ISO. The packages depend on it by name (no ELF NEEDED says so). */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "bootfiles.h"
#include "util.h"

#define LIBARCHIVE_SONAME "libarchive.so.13"

/* The functions used, by name: one table, filled by load_libarchive(). */
static struct {
        struct archive *(*read_new)(void);
        int (*read_support_format_iso9660)(struct archive *);
        int (*read_open_filename)(struct archive *, const char *, size_t);
        int (*read_next_header)(struct archive *, struct archive_entry **);
        la_ssize_t (*read_data)(struct archive *, void *, size_t);
        int (*read_free)(struct archive *);
        const char *(*error_string)(struct archive *);
        const char *(*entry_pathname)(struct archive_entry *);
} la;

static const struct {
        const char *symbol;
        void **slot;
} la_symbols[] = {
        { "archive_read_new",                   (void **) &la.read_new },
        { "archive_read_support_format_iso9660", (void **) &la.read_support_format_iso9660 },
        { "archive_read_open_filename",         (void **) &la.read_open_filename },
        { "archive_read_next_header",           (void **) &la.read_next_header },
        { "archive_read_data",                  (void **) &la.read_data },
        { "archive_read_free",                  (void **) &la.read_free },
        { "archive_error_string",               (void **) &la.error_string },
        { "archive_entry_pathname",             (void **) &la.entry_pathname },
};

/* Once per process; the library stays loaded. On failure m->error says why. */
static int load_libarchive(struct boot_medium *m)
{
        static void *handle;

        if (handle)
                return 0;
        void *h = dlopen(LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                snprintf(m->error, sizeof(m->error), "cannot read an ISO without %s: %s", LIBARCHIVE_SONAME, dlerror());
                return -ENOENT;
        }
        for (size_t i = 0; i < ARRAY_SIZE(la_symbols); i++) {
                *la_symbols[i].slot = dlsym(h, la_symbols[i].symbol);
                if (!*la_symbols[i].slot) {
                        snprintf(m->error, sizeof(m->error), "%s lacks %s", LIBARCHIVE_SONAME, la_symbols[i].symbol);
                        dlclose(h);
                        return -ENOENT;
                }
        }
        handle = h;
        return 0;
}

/* Where ReaR's ISO keeps its boot loader configuration (output/ISO/Linux-i386/). */
static const char *const config_names[] = { "isolinux/isolinux.cfg", "boot/isolinux/isolinux.cfg", "syslinux/syslinux.cfg" };

/* Reads the current entry's data, at most max bytes, into a new buffer. */
static char *entry_data(struct archive *a, size_t max, size_t *len)
{
        char *buf = malloc(max + 1);
        *len = 0;
        for (la_ssize_t n; buf && *len < max && (n = la.read_data(a, buf + *len, max - *len)) > 0;)
                *len += (size_t) n;
        if (buf)
                buf[*len] = '\0';
        return buf;
}

/* One pass over the ISO: the configuration (it names what else matters) and every member's name. */
static int read_members(const char *path, struct boot_medium *m, char ***names, size_t *n_names)
{
        struct archive *a = la.read_new();
        struct archive_entry *entry;
        int r = 0;

        la.read_support_format_iso9660(a);
        if (la.read_open_filename(a, path, 64 << 10) != ARCHIVE_OK) {
                snprintf(m->error, sizeof(m->error), "cannot read %s: %s", path, la.error_string(a));
                la.read_free(a);
                return -EINVAL;
        }
        while (r == 0 && la.read_next_header(a, &entry) == ARCHIVE_OK) {
                const char *name = la.entry_pathname(entry);
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
        la.read_free(a);
        return r;
}

/* That kernel's header: a second pass, since the configuration may come after it. */
static void read_kernel_version(const char *path, struct boot_medium *m)
{
        const char *linux_kernel = boot_medium_linux(m);

        struct archive *a = la.read_new();
        struct archive_entry *entry;

        la.read_support_format_iso9660(a);
        if (la.read_open_filename(a, path, 64 << 10) == ARCHIVE_OK)
                while (la.read_next_header(a, &entry) == ARCHIVE_OK) {
                        if (!linux_kernel || strcmp(la.entry_pathname(entry), linux_kernel) != 0)
                                continue;
                        size_t len;
                        _cleanup_free_ char *head = entry_data(a, BOOT_KERNEL_HEAD, &len);
                        if (head)
                                (void) bzimage_version((unsigned char *) head, len, m->kernel_version, sizeof(m->kernel_version));
                        break;
                }
        la.read_free(a);
}

int boot_medium_read_iso(const char *path, struct boot_medium *m)
{
        char **names = NULL;
        size_t n_names = 0;

        snprintf(m->holder, sizeof(m->holder), "the ISO");
        int r = load_libarchive(m);
        if (r < 0)
                return r;
        r = read_members(path, m, &names, &n_names);
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

/* boot-files of the outputs that are files on the host's file system: PXE (a pxelinux or
 * GRUB configuration naming a kernel and an initrd on the TFTP root, as
 * output/PXE/default/8*.sh writes them) and RAMDISK (a kernel and an initrd side by side, as
 * output/RAMDISK/default/900_copy_ramdisk.sh names them). Read only: nothing is opened for
 * writing, nothing is mounted. */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include "bootfiles.h"
#include "util.h"

/* Reads at most max bytes of the file at name below dir_fd into a new NUL-terminated buffer. */
static int read_head(int dir_fd, const char *name, size_t max, char **ret, size_t *len)
{
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        char *buf = malloc(max + 1);
        if (!buf)
                return -ENOMEM;
        *len = 0;
        for (ssize_t n; *len < max && (n = read(fd, buf + *len, max - *len)) != 0;) {
                if (n < 0) {
                        int r = negative_errno();
                        free(buf);
                        return r;
                }
                *len += (size_t) n;
        }
        buf[*len] = '\0';
        *ret = buf;
        return 0;
}

static bool is_file(int dir_fd, const char *name)
{
        struct stat st;
        return fstatat(dir_fd, name, &st, 0) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* Which of the named files are there, and the Linux kernel's version. */
static void look_up(int dir_fd, struct boot_medium *m)
{
        for (size_t i = 0; i < m->n_kernels; i++)
                m->kernel_present[i] = is_file(dir_fd, m->kernels[i]);
        for (size_t i = 0; i < m->n_initrds; i++)
                m->initrd_present[i] = is_file(dir_fd, m->initrds[i]);
        const char *linux_kernel = boot_medium_linux(m);
        _cleanup_free_ char *head = NULL;
        size_t len;
        if (linux_kernel && read_head(dir_fd, linux_kernel, BOOT_KERNEL_HEAD, &head, &len) == 0)
                (void) bzimage_version((unsigned char *) head, len, m->kernel_version, sizeof(m->kernel_version));
}

static int open_dir(const char *path, struct boot_medium *m)
{
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                int r = negative_errno();
                snprintf(m->error, sizeof(m->error), "cannot open the directory %s: %s", path, strerror(-r));
                return r;
        }
        return fd;
}

/* pxelinux looks up a relative name in its own directory, whose pxelinux.cfg/ holds the
 * configurations; ReaR's default puts both in /var/lib/rear/output. */
static void default_tftp_root(const char *config, char *buf, size_t size)
{
        char copy[PATH_MAX];

        snprintf(copy, sizeof(copy), "%s", config);
        char *dir = dirname(copy);
        const char *slash = strrchr(dir, '/');
        if (strcmp(slash ? slash + 1 : dir, "pxelinux.cfg") == 0)
                dir = dirname(dir);
        snprintf(buf, size, "%s", dir);
}

int boot_medium_read_pxe(const char *config, const char *tftp_root, struct boot_medium *m)
{
        char root[PATH_MAX];
        _cleanup_free_ char *text = NULL;
        size_t len;

        if (tftp_root)
                snprintf(root, sizeof(root), "%s", tftp_root);
        else
                default_tftp_root(config, root, sizeof(root));
        snprintf(m->config, sizeof(m->config), "%s", config);
        snprintf(m->holder, sizeof(m->holder), "the TFTP root %s", root);
        int r = read_head(AT_FDCWD, config, BOOT_CONFIG_MAX, &text, &len);
        if (r < 0) {
                snprintf(m->error, sizeof(m->error), "cannot read the PXE configuration %s: %s", config, strerror(-r));
                return r;
        }
        _cleanup_close_ int root_fd = open_dir(root, m);
        if (root_fd < 0)
                return root_fd;
        boot_config_names(text, len, "", m);
        look_up(root_fd, m);
        return 0;
}

static int not_dot(const struct dirent *d)
{
        return d->d_name[0] != '.';
}

/* The kernel of the initrd base; an ambiguity is the medium's error. */
static int ramdisk_kernel(const char *dir, const char *base, struct boot_medium *m)
{
        struct dirent **entries = NULL;
        int n = scandir(dir, &entries, not_dot, alphasort);
        if (n < 0) {
                int r = negative_errno();
                snprintf(m->error, sizeof(m->error), "cannot list %s: %s", dir, strerror(-r));
                return r;
        }
        const char **names = calloc((size_t) n + 1, sizeof(*names));
        for (int i = 0; names && i < n; i++)
                names[i] = entries[i]->d_name;
        int r = names ? ramdisk_kernel_name(base, names, (size_t) n, m->kernels[0], sizeof(m->kernels[0])) : -ENOMEM;
        if (r == -EEXIST)
                snprintf(m->error, sizeof(m->error), "%s holds several kernels (%s) for the RAMDISK initrd %s: which one boots is not known",
                         dir, m->kernels[0], base);
        else if (r == -ENOENT) {
                snprintf(m->kernels[0], sizeof(m->kernels[0]), "vmlinuz*");
                r = 0;
        }
        m->n_kernels = r == 0;
        free(names);
        for (int i = 0; i < n; i++)
                free(entries[i]);
        free(entries);
        return r == -ENOMEM ? r : 0;
}

int boot_medium_read_ramdisk(const char *initrd, struct boot_medium *m)
{
        char dir_copy[PATH_MAX], base_copy[PATH_MAX];

        snprintf(dir_copy, sizeof(dir_copy), "%s", initrd);
        snprintf(base_copy, sizeof(base_copy), "%s", initrd);
        const char *dir = dirname(dir_copy), *base = basename(base_copy);
        snprintf(m->holder, sizeof(m->holder), "%s", dir);
        snprintf(m->config, sizeof(m->config), "the RAMDISK output %s", base);
        snprintf(m->initrds[0], sizeof(m->initrds[0]), "%s", base);
        m->n_initrds = 1;
        _cleanup_close_ int dir_fd = open_dir(dir, m);
        if (dir_fd < 0)
                return dir_fd;
        int r = ramdisk_kernel(dir, base, m);
        if (r == 0 && !m->error[0])
                look_up(dir_fd, m);
        return r;
}

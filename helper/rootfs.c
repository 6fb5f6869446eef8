#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include "rootfs.h"
#include "util.h"

/* A static busybox is about 2 MB; systemd's PID 1 binary well under that. */
#define INIT_SCAN_BYTES (4u << 20)

int rootfs_open(int root_fd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (unsigned long long) (flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd = (int) syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        return fd < 0 ? negative_errno() : fd;
}

enum init_kind init_kind_from_bytes(const char *bytes, size_t len)
{
        if (memmem(bytes, len, "BusyBox v", 9))
                return INIT_BUSYBOX;
        /* systemd's PID 1 binary links its private libraries by name. */
        if (memmem(bytes, len, "libsystemd-shared", 17) || memmem(bytes, len, "libsystemd-core", 15))
                return INIT_SYSTEMD;
        return INIT_SYSVINIT;
}

const char *init_kind_name(enum init_kind kind)
{
        static const char *const names[] = {
                [INIT_SYSTEMD] = "systemd",
                [INIT_BUSYBOX] = "busybox init",
                [INIT_SYSVINIT] = "sysvinit",
                [INIT_COMMAND] = "command",
        };
        return names[kind];
}

/* 0: executable regular file; -ENOENT: missing; -EACCES: not executable. */
static int check_executable(int root_fd, const char *path)
{
        _cleanup_close_ int fd = rootfs_open(root_fd, path, O_PATH);
        struct stat st;

        if (fd < 0)
                return fd == -ELOOP ? -ENOENT : fd;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                return -EACCES;
        return 0;
}

static enum init_kind detect_init_kind(int root_fd, const char *path)
{
        _cleanup_close_ int fd = rootfs_open(root_fd, path, O_RDONLY);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;

        if (fd < 0)
                return INIT_SYSVINIT;
        buf = malloc(INIT_SCAN_BYTES);
        if (!buf)
                return INIT_SYSVINIT;
        while (len < INIT_SCAN_BYTES) {
                ssize_t n = read(fd, buf + len, INIT_SCAN_BYTES - len);
                if (n <= 0)
                        break;
                len += (size_t) n;
        }
        return init_kind_from_bytes(buf, len);
}

static void read_hostname(int root_fd, char *hostname, size_t size)
{
        _cleanup_close_ int fd = rootfs_open(root_fd, "/etc/hostname", O_RDONLY);
        char buf[128];
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

        snprintf(hostname, size, "rescue");
        if (n <= 0)
                return;
        buf[n] = '\0';
        n = (ssize_t) strcspn(buf, " \t\r\n");
        /* A host name has at most 64 bytes; a longer first word is not one. */
        if (n > 0 && (size_t) n < size) {
                memcpy(hostname, buf, (size_t) n);
                hostname[n] = '\0';
        }
}

int rootfs_inspect(const char *rootfs, char *const *command, struct rootfs_info *info,
                   char *error, size_t error_size)
{
        static const char *const init_candidates[] = { "/init", "/sbin/init" };
        struct stat st;
        struct statvfs sv;
        int r;

        *info = (struct rootfs_info) {};
        if (stat(rootfs, &st) < 0) {
                r = negative_errno();
                snprintf(error, error_size, "%s: %s", rootfs, strerror(-r));
                return r;
        }
        if (!S_ISDIR(st.st_mode)) {
                snprintf(error, error_size, "%s: not a directory (give the rescue system's root directory)", rootfs);
                return -ENOTDIR;
        }
        if (statvfs(rootfs, &sv) == 0 && (sv.f_flag & ST_NOEXEC)) {
                snprintf(error, error_size, "%s: is on a noexec mount, nothing in it can run (copy it elsewhere)", rootfs);
                return -EPERM;
        }

        _cleanup_close_ int root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0) {
                r = negative_errno();
                snprintf(error, error_size, "%s: %s", rootfs, strerror(-r));
                return r;
        }
        read_hostname(root_fd, info->hostname, sizeof(info->hostname));

        if (command) {
                info->init_kind = INIT_COMMAND;
                snprintf(info->init, sizeof(info->init), "%s", command[0]);
                if (command[0][0] != '/')
                        return 0;       /* looked up in PATH inside the image */
                r = check_executable(root_fd, command[0]);
                if (r == -ENOENT)
                        snprintf(error, error_size, "%s: no %s in the image", rootfs, command[0]);
                else if (r < 0)
                        snprintf(error, error_size, "%s: %s in the image is not executable", rootfs, command[0]);
                return r;
        }

        bool found_not_executable = false;
        for (size_t i = 0; i < ARRAY_SIZE(init_candidates); i++) {
                r = check_executable(root_fd, init_candidates[i]);
                if (r == 0) {
                        snprintf(info->init, sizeof(info->init), "%s", init_candidates[i]);
                        info->init_kind = detect_init_kind(root_fd, info->init);
                        return 0;
                }
                if (r == -EACCES && !found_not_executable) {
                        found_not_executable = true;
                        snprintf(error, error_size, "%s: %s is not an executable file", rootfs, init_candidates[i]);
                }
        }
        if (found_not_executable)
                return -EACCES;
        snprintf(error, error_size, "%s: no init (neither /init nor /sbin/init): is this a rescue system's root?", rootfs);
        return -ENOENT;
}

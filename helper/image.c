#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "image.h"
#include "util.h"

#define UNIT_MAX (64u << 10)

static const char *const unit_dirs[] = { "/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system" };
static const char *const systemctl_paths[] = { "/bin/systemctl", "/usr/bin/systemctl", NULL };
static const char *const udevd_paths[] = { "/usr/lib/systemd/systemd-udevd", "/lib/systemd/systemd-udevd",
                                           "/sbin/udevd", "/usr/sbin/udevd", "/bin/udevd", NULL };
static const char *const sshd_paths[] = { "/bin/sshd", "/usr/sbin/sshd", "/sbin/sshd", NULL };
/* systemd execs it as the last step of every power off, reboot and halt. */
static const char *const shutdown_paths[] = { "/usr/lib/systemd/systemd-shutdown", "/lib/systemd/systemd-shutdown", NULL };
static const char *const power_units[] = { "poweroff.service", "reboot.service", "halt.service" };

static bool has_any(int root_fd, const char *const *paths)
{
        for (; *paths; paths++) {
                int fd = rootfs_open(root_fd, *paths, O_PATH);
                if (fd >= 0) {
                        close(fd);
                        return true;
                }
        }
        return false;
}

static int read_in_image(int root_fd, const char *path, char **text, size_t *len)
{
        _cleanup_close_ int fd = rootfs_open(root_fd, path, O_RDONLY);
        char proc[64];

        if (fd < 0)
                return fd;
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        return read_file(proc, UNIT_MAX, text, len);
}

int unit_exec_program(const char *text, size_t len, char *buf, size_t size)
{
        for (size_t off = 0; off < len; ) {
                const char *nl = memchr(text + off, '\n', len - off);
                size_t line_len = (nl ? (size_t) (nl - text) : len) - off;
                const char *line = text + off;
                off += line_len + 1;
                if (line_len < 10 || strncmp(line, "ExecStart=", 10) != 0)
                        continue;
                size_t i = 10;
                while (i < line_len && strchr("-@:+! \t", line[i]))
                        i++;
                size_t end = i;
                while (end < line_len && line[end] != ' ' && line[end] != '\t')
                        end++;
                if (end == i)
                        continue;
                snprintf(buf, size, "%.*s", (int) (end - i), line + i);
                return 0;
        }
        return -ENOENT;
}

static void power_missing(struct image_facts *f, const char *unit, const char *program)
{
        if (f->n_power_missing < POWER_PATH_MAX)
                snprintf(f->power_missing[f->n_power_missing++], sizeof(f->power_missing[0]), "%.60s runs %.90s", unit, program);
}

static void inspect_power_path(int root_fd, struct image_facts *f)
{
        for (size_t u = 0; u < ARRAY_SIZE(power_units); u++)
                for (size_t d = 0; d < ARRAY_SIZE(unit_dirs); d++) {
                        char path[PATH_MAX], program[PATH_MAX];
                        _cleanup_free_ char *text = NULL;
                        size_t len;
                        snprintf(path, sizeof(path), "%s/%s", unit_dirs[d], power_units[u]);
                        if (read_in_image(root_fd, path, &text, &len) < 0)
                                continue;
                        const char *const program_paths[] = { program, NULL };
                        if (unit_exec_program(text, len, program, sizeof(program)) == 0 && !has_any(root_fd, program_paths))
                                power_missing(f, power_units[u], program);
                        break;          /* the first directory that has the unit wins */
                }
        if (!has_any(root_fd, shutdown_paths) && f->n_power_missing < POWER_PATH_MAX)
                snprintf(f->power_missing[f->n_power_missing++], sizeof(f->power_missing[0]),
                         "no systemd-shutdown (systemd's last step of every power off)");
}

/* ReaR's run-sshd starts sshd when /etc/inittab has an "ssh:" line (rescue/default/500_ssh.sh). */
static void inspect_sshd(int root_fd, struct image_facts *f)
{
        _cleanup_free_ char *inittab = NULL, *config = NULL;
        size_t len;

        f->sshd_port = 22;
        f->sshd_binary = has_any(root_fd, sshd_paths);
        if (read_in_image(root_fd, "/etc/inittab", &inittab, &len) >= 0)
                f->sshd_configured = strncmp(inittab, "ssh:", 4) == 0 || strstr(inittab, "\nssh:");
        if (read_in_image(root_fd, "/etc/ssh/sshd_config", &config, &len) < 0)
                return;
        for (char *save = NULL, *line = strtok_r(config, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned port;
                if (sscanf(line, " Port %u", &port) == 1 && port > 0 && port < 65536)
                        f->sshd_port = port;
        }
}

int image_inspect(const char *rootfs, enum init_kind kind, struct image_facts *f)
{
        _cleanup_close_ int root_fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

        *f = (struct image_facts) {};
        if (root_fd < 0)
                return negative_errno();
        f->n_gettys = image_gettys(rootfs, kind, f->gettys, MAX_GETTYS);
        f->has_systemctl = kind == INIT_SYSTEMD && has_any(root_fd, systemctl_paths);
        f->has_udevd = has_any(root_fd, udevd_paths);
        inspect_sshd(root_fd, f);
        if (kind == INIT_SYSTEMD)
                inspect_power_path(root_fd, f);
        return 0;
}

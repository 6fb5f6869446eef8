/* The container's seccomp filter (libseccomp): what no rescue system needs to
 * do to the kernel it runs on, refused even if a namespace let it through. */
#pragma once

#include <stdbool.h>

/* With notify_fd, reboot(2)'s power off, halt, restart and kexec are not refused
 * but reported to the holder of *notify_fd (a seccomp user-notification listener):
 * that is how the helper learns that the image powered itself off, and which way. */
int seccomp_install(int *notify_fd);

/* The reboot(2) command of a notification, or -errno. */
int seccomp_receive_reboot(int notify_fd, unsigned *cmd);

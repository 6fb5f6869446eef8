/* The container's seccomp filter (libseccomp): what no rescue system needs to
 * do to the kernel it runs on, refused even if a namespace let it through; and the
 * few calls the helper answers itself instead of the kernel. */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Larger than any filter built here. */
#define SECCOMP_PROGRAM_MAX_BYTES 8192

/* Builds the filter with libseccomp into a BPF program (malloc'd), in the helper:
 * the container's first process then only loads it. With traps, some calls are not
 * refused but handed to the holder of the listener: reboot(2)'s power off, halt,
 * restart and kexec (how the helper learns that the image powered itself off, and
 * which way), the sleeps (see sleeps.h), the console's keyboard-mode ioctl (see
 * terminals.h: what makes a getty treat /dev/ttyN as a virtual terminal), and the
 * block device calls and mounts that need the host's privileges (see blocktraps.h, blockmounts.h). */
int seccomp_compile(bool traps, struct sock_fprog *program);
void seccomp_program_free(struct sock_fprog *program);
/* Installs program on the calling thread; with listener_fd (a program with traps),
 * returns the listener there. */
int seccomp_load_program(const struct sock_fprog *program, int *listener_fd);

enum seccomp_trap {
        SECCOMP_TRAP_OTHER,     /* not ours to answer: let the kernel run it */
        SECCOMP_TRAP_REBOOT,    /* reboot(2), the command in args[2] */
        SECCOMP_TRAP_SLEEP,     /* nanosleep(2) or clock_nanosleep(2), native ABI */
        SECCOMP_TRAP_VT_MODE,   /* ioctl(fd, KDGKBMODE, int *) */
        SECCOMP_TRAP_BLOCK_IOCTL,       /* BLKRRPART, BLKPG, BLKFLSBUF (see blocktraps.h), native ABI */
        SECCOMP_TRAP_MOUNT,     /* mount(2), native ABI */
        SECCOMP_TRAP_SWAP,      /* swapon(2), swapoff(2), native ABI */
};

struct seccomp_listener {
        int fd;
        struct seccomp_notif *req;      /* the last notification received */
        struct seccomp_notif_resp *resp;
};

/* Takes ownership of fd. */
int seccomp_listener_init(struct seccomp_listener *l, int fd);
void seccomp_listener_free(struct seccomp_listener *l);
/* One notification into l->req, and what it is. */
int seccomp_listener_receive(struct seccomp_listener *l, enum seccomp_trap *trap);
/* The held call returns val, or fails with errno error (> 0). */
int seccomp_listener_reply(struct seccomp_listener *l, uint64_t id, int64_t val, int error);
/* The kernel runs the held call as if nobody had looked. */
int seccomp_listener_continue(struct seccomp_listener *l, uint64_t id);
/* The memory of the caller of l->req; -ENOENT when the caller has gone meanwhile. */
int seccomp_listener_read(struct seccomp_listener *l, uint64_t addr, void *buf, size_t len);
int seccomp_listener_write(struct seccomp_listener *l, uint64_t addr, const void *buf, size_t len);

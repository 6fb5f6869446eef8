/* Command line of rescue-spawn (see CONTRACT.md). Parsing is pure: no side effects. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "scratch.h"

#include "limits.h"

#define DEFAULT_TTYS 6
#define MAX_TTYS 12
#define DEFAULT_CMDLINE "BOOT_IMAGE=kernel rescue-spawn"
#define DEFAULT_CHECK_TIMEOUT_S 300
#define DEFAULT_STOP_TIMEOUT_S 15
#define MAX_BINDS 8

/* --bind-ro=HOSTDIR:PATH, --bind=HOSTDIR:PATH: a directory of the host at PATH inside. */
struct bind_spec {
        char source[4096];      /* absolute */
        const char *target;     /* absolute, inside the container */
        bool read_only;
};

enum run_mode {
        RUN_AUTO,               /* interactive on a terminal, else passive */
        RUN_CHECK,              /* unattended verdict */
};

struct options {
        const char *rootfs;
        char **command;         /* NULL: boot the image's init */
        enum run_mode mode;
        unsigned timeout_s;     /* 0: none */
        unsigned stop_timeout_s;
        const char *report_dir;
        const char *log_dir;
        const char *prometheus_file;
        int layout_changed;     /* --layout-changed: 1 yes, 0 no, -1 not given */
        unsigned ttys;
        const char *cmdline;
        const char *hostname;   /* NULL: from the image */
        const char *image_name; /* NULL: the rootfs path */
        bool in_place;
        bool real_sleeps;       /* no skipping of the image's sleeps while it idles */
        bool keys_to_console;   /* stdin goes to the console, never to a getty's tty */
        bool fail_on_warning;   /* --check: a warning makes the verdict FAIL */
        const char *boot_medium;        /* --check: the output the image came from (boot-files,
                                         * bootfiles.h: "[iso:]FILE", "pxe:CONFIG", "ramdisk:INITRD"); NULL none */
        const char *tftp_root;          /* --tftp-root: where a PXE configuration's names are; NULL default */
        struct limits limits;   /* LIMIT_DEFAULT: the default (limits_resolve), LIMIT_NONE: none */
        bool private_users;     /* the container's root is an unprivileged host uid (ids.h) */
        int verbosity;          /* -1 quiet, 0 normal, 1 verbose */
        struct scratch_spec scratch[SCRATCH_MAX_DISKS]; /* --scratch-disk, in order */
        size_t scratch_count;
        struct bind_spec binds[MAX_BINDS];      /* --bind-ro and --bind, in order */
        size_t bind_count;
        const char *scratch_layout;     /* --scratch-layout: a disklayout.conf, NULL none */
};

enum {
        OPTIONS_RUN = 0,
        OPTIONS_HELP = 1,
        OPTIONS_VERSION = 2,
};

/* Returns OPTIONS_RUN, OPTIONS_HELP, OPTIONS_VERSION, or -EINVAL with a
 * one-line reason in error (size error_size). */
int options_parse(int argc, char **argv, struct options *o, char *error, size_t error_size);

/* Words on a kernel command line that make a ReaR rescue system act on its own
 * (start "rear recover", wait at debug prompts). Returns the first one found, or NULL. */
const char *cmdline_dangerous_word(const char *cmdline);

void options_usage(void);

/* A size with an optional binary suffix (K, M, G, T; also KiB, KB...) in bytes. 0 or -1. */
int parse_size(const char *s, uint64_t *ret);

#include <errno.h>
#include <stdint.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootfiles.h"
#include "options.h"

enum {
        OPT_CHECK = 0x100,
        OPT_TIMEOUT,
        OPT_STOP_TIMEOUT,
        OPT_REPORT_DIR,
        OPT_LOG_DIR,
        OPT_PROMETHEUS,
        OPT_LAYOUT_CHANGED,
        OPT_TTYS,
        OPT_CMDLINE,
        OPT_HOSTNAME,
        OPT_IMAGE_NAME,
        OPT_IN_PLACE,
        OPT_REAL_SLEEPS,
        OPT_PIDS_MAX,
        OPT_MEMORY_MAX,
        OPT_WRITABLE_MAX,
        OPT_CPU_WEIGHT,
        OPT_PRIVATE_USERS,
        OPT_FAIL_ON_WARNING,
        OPT_BOOT_MEDIUM,
        OPT_TFTP_ROOT,
        OPT_SCRATCH_DISK,
        OPT_BIND_RO,
        OPT_BIND,
        OPT_KEYS_TO_CONSOLE,
        OPT_SCRATCH_LAYOUT,
        OPT_VERSION,
};

static const struct option long_options[] = {
        { "check",        no_argument,       NULL, OPT_CHECK },
        { "timeout",      required_argument, NULL, OPT_TIMEOUT },
        { "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
        { "report-dir",   required_argument, NULL, OPT_REPORT_DIR },
        { "log-dir",      required_argument, NULL, OPT_LOG_DIR },
        { "prometheus",   required_argument, NULL, OPT_PROMETHEUS },
        { "layout-changed", required_argument, NULL, OPT_LAYOUT_CHANGED },
        { "ttys",         required_argument, NULL, OPT_TTYS },
        { "cmdline",      required_argument, NULL, OPT_CMDLINE },
        { "hostname",     required_argument, NULL, OPT_HOSTNAME },
        { "image-name",   required_argument, NULL, OPT_IMAGE_NAME },
        { "in-place",     no_argument,       NULL, OPT_IN_PLACE },
        { "real-sleeps",  no_argument,       NULL, OPT_REAL_SLEEPS },
        { "pids-max",     required_argument, NULL, OPT_PIDS_MAX },
        { "memory-max",   required_argument, NULL, OPT_MEMORY_MAX },
        { "writable-max", required_argument, NULL, OPT_WRITABLE_MAX },
        { "cpu-weight",   required_argument, NULL, OPT_CPU_WEIGHT },
        { "private-users", required_argument, NULL, OPT_PRIVATE_USERS },
        { "fail-on-warning", no_argument,    NULL, OPT_FAIL_ON_WARNING },
        { "boot-medium",  required_argument, NULL, OPT_BOOT_MEDIUM },
        { "tftp-root",    required_argument, NULL, OPT_TFTP_ROOT },
        { "scratch-disk", required_argument, NULL, OPT_SCRATCH_DISK },
        { "bind-ro",      required_argument, NULL, OPT_BIND_RO },
        { "bind",         required_argument, NULL, OPT_BIND },
        { "keys-to-console", no_argument,    NULL, OPT_KEYS_TO_CONSOLE },
        { "scratch-layout", required_argument, NULL, OPT_SCRATCH_LAYOUT },
        { "quiet",        no_argument,       NULL, 'q' },
        { "verbose",      no_argument,       NULL, 'v' },
        { "help",         no_argument,       NULL, 'h' },
        { "version",      no_argument,       NULL, OPT_VERSION },
        {}
};

void options_usage(void)
{
        printf("Usage: rescue-spawn [OPTIONS] ROOTFS [-- COMMAND [ARGS...]]\n"
               "Boot a Relax-and-Recover rescue tree in namespaces, with a login prompt on every tty.\n"
               "\n"
               "  --check               unattended test: PASS/FAIL verdict and reports\n"
               "  --timeout=SECONDS     power off and stop after SECONDS (default: none;\n"
               "                        %d with --check)\n"
               "  --stop-timeout=SECS   wait this long for a clean power off before killing (%d)\n"
               "  --report-dir=DIR      write summary.txt, report.json, junit.xml and tty logs\n"
               "  --log-dir=DIR         write every tty's output to DIR/tty-NAME.log\n"
               "  --prometheus=FILE     write a node_exporter textfile (rear_testrescue_*)\n"
               "  --layout-changed=yes|no\n"
               "                        for the textfile: 'rear checklayout' found the host's\n"
               "                        disk layout changed since the image was made\n"
               "  --ttys=N              virtual terminals /dev/tty1..N (default %d, at most %d)\n"
               "  --cmdline=STRING      the container's /proc/cmdline (default \"%s\")\n"
               "  --hostname=NAME       hostname inside (default: the image's /etc/hostname)\n"
               "  --image-name=NAME     name of the image in reports\n"
               "  --in-place            boot ROOTFS itself read-write (default: through an\n"
               "                        overlay whose changes are thrown away)\n"
               "  --real-sleeps         the image's sleeps take their full time (default: until\n"
               "                        the first key is typed, a sleep ends as soon as\n"
               "                        nothing else in the container runs)\n"
               "  --pids-max=N          at most N processes in the container (default %d; 0: no limit)\n"
               "  --memory-max=SIZE     its memory, e.g. 512M, 2G (default 4G or half the host's\n"
               "                        memory if less; 0: no limit)\n"
               "  --writable-max=SIZE   size of the overlay's writable layer (default 2G; 0: no limit)\n"
               "  --cpu-weight=N        CPU weight 1-%d against the host's processes' 100 (default %d;\n"
               "                        0: the host's processes' own)\n"
               "  --private-users=pick|no  root inside is an unprivileged host uid of a free\n"
               "                        range (pick, the default) or the host's root (no)\n"
               "  --fail-on-warning     --check: a warning fails the verdict (default: PASS with\n"
               "                        warnings)\n"
               "  --boot-medium=[iso:]ISO | pxe:CONFIG | ramdisk:INITRD\n"
               "                        --check: the output ROOTFS came from (an ISO, the PXE\n"
               "                        configuration ReaR wrote, a RAMDISK output's initrd):\n"
               "                        check the kernel and initrd it boots\n"
               "  --tftp-root=DIR       with pxe: where the configuration's names are (default:\n"
               "                        its directory, the parent of a pxelinux.cfg directory)\n"
               "  --scratch-disk=NAME:SIZE[:FILE]\n"
               "                        a disk /dev/NAME inside (sda, vda, nvme0n1) of SIZE bytes\n"
               "                        (K, M, G, T) on the sparse FILE (default: a temporary\n"
               "                        file); repeatable, at most %d\n"
               "  --bind-ro=HOSTDIR:PATH\n"
               "                        the host's directory HOSTDIR, read-only, at PATH inside\n"
               "                        (nosuid, nodev); repeatable, at most %d with --bind\n"
               "  --bind=HOSTDIR:PATH   the same, writable (where the image is to leave logs)\n"
               "  --keys-to-console     what is typed always goes to the console (where boot\n"
               "                        scripts ask), never to a getty's terminal\n"
               "  --scratch-layout=FILE a scratch disk for each disk of ReaR's disklayout.conf\n"
               "                        FILE; refuses layouts a container cannot rehearse\n"
               "  -q, --quiet           only errors and the verdict\n"
               "  -v, --verbose         show every step\n"
               "  -h, --help            this text\n"
               "      --version         print the version\n"
               "\n"
               "Escape key on a terminal: Ctrl-] then 0 console, 1-9 ttyN, s ttyS0,\n"
               "p power off, q quit at once, ? help; Ctrl-] Ctrl-] sends Ctrl-].\n"
               "\n"
               "Exit status: 0 powered off / PASS, 1 init died, timeout / FAIL, 2 usage or\n"
               "bad input, 3 the test could not run here; with COMMAND, its exit status.\n",
               DEFAULT_CHECK_TIMEOUT_S, DEFAULT_STOP_TIMEOUT_S, DEFAULT_TTYS, MAX_TTYS, DEFAULT_CMDLINE,
               DEFAULT_PIDS_MAX, MAX_CPU_WEIGHT, DEFAULT_CPU_WEIGHT, SCRATCH_MAX_DISKS, MAX_BINDS);
}

/* "HOSTDIR:PATH", both absolute, PATH not "/" and without "..": the bind goes onto
 * the container's tree, never above it. Pure. */
static int parse_bind(const char *arg, bool read_only, struct bind_spec *b, char *error, size_t error_size)
{
        const char *colon = strchr(arg, ':');
        size_t len = colon ? (size_t) (colon - arg) : 0;

        if (!colon || arg[0] != '/' || len >= sizeof(b->source) || colon[1] != '/' || !colon[2] ||
            strstr(colon + 1, "/..")) {
                snprintf(error, error_size, "--bind%s=%s: expected HOSTDIR:PATH, both absolute, PATH not / "
                         "and without '..'", read_only ? "-ro" : "", arg);
                return -EINVAL;
        }
        memcpy(b->source, arg, len);
        b->source[len] = '\0';
        b->target = colon + 1;
        b->read_only = read_only;
        return 0;
}

static int parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *ret)
{
        char *end;
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

/* "512M", "2G", "1048576": bytes, with a binary suffix K, M, G or T (also KiB, ..., or
 * with a B); 0 is allowed (no limit). */
int parse_size(const char *s, uint64_t *ret)
{
        static const char suffixes[] = "KMGT";
        char *end;

        if (*s < '0' || *s > '9')
                return -1;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno)
                return -1;
        const char *unit = *end ? strchr(suffixes, *end) : NULL;
        unsigned shift = 0;
        if (*end) {
                if (!unit)
                        return -1;
                shift = 10 * (unsigned) (unit - suffixes + 1);
                end++;
                if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
                        end += strlen(end);
        }
        if (*end || (shift && v > (ULLONG_MAX >> shift)))
                return -1;
        *ret = (uint64_t) v << shift;
        return 0;
}

/* The limits (limits.h): 0 or -EINVAL for a bad value. */
static int parse_limit(int c, const char *arg, struct limits *l)
{
        unsigned u;

        switch (c) {
        case OPT_PIDS_MAX:
                /* A container needs a few processes to boot at all. */
                if (parse_unsigned(arg, 0, 1u << 22, &u) < 0 || (u > 0 && u < 8))
                        return -EINVAL;
                l->pids_max = u;
                return 0;
        case OPT_MEMORY_MAX:
                if (parse_size(arg, &l->memory_max) < 0 || (l->memory_max > 0 && l->memory_max < (16u << 20)))
                        return -EINVAL;
                return 0;
        case OPT_WRITABLE_MAX:
                if (parse_size(arg, &l->writable_max) < 0 || (l->writable_max > 0 && l->writable_max < (1u << 20)))
                        return -EINVAL;
                return 0;
        case OPT_CPU_WEIGHT:
                if (parse_unsigned(arg, 0, MAX_CPU_WEIGHT, &u) < 0)
                        return -EINVAL;
                l->cpu_weight = u;
                return 0;
        }
        return -EINVAL;
}

/* --scratch-disk, --bind-ro, --bind: 0 or -EINVAL with the reason in error. */
static int parse_disk_or_bind(int c, const char *arg, struct options *o, char *error, size_t error_size)
{
        if (c == OPT_SCRATCH_DISK) {
                if (o->scratch_count == SCRATCH_MAX_DISKS) {
                        snprintf(error, error_size, "at most %d --scratch-disk options", SCRATCH_MAX_DISKS);
                        return -EINVAL;
                }
                if (scratch_parse_spec(arg, &o->scratch[o->scratch_count], error, error_size) < 0)
                        return -EINVAL;
                for (size_t i = 0; i < o->scratch_count; i++)
                        if (strcmp(o->scratch[i].name, o->scratch[o->scratch_count].name) == 0) {
                                snprintf(error, error_size, "--scratch-disk: two disks called %s", o->scratch[i].name);
                                return -EINVAL;
                        }
                o->scratch_count++;
                return 0;
        }
        if (o->bind_count == MAX_BINDS) {
                snprintf(error, error_size, "at most %d --bind-ro and --bind options", MAX_BINDS);
                return -EINVAL;
        }
        if (parse_bind(arg, c == OPT_BIND_RO, &o->binds[o->bind_count], error, error_size) < 0)
                return -EINVAL;
        o->bind_count++;
        return 0;
}

/* Options whose value is a word of a few: 0 or -EINVAL. */
static int parse_choice(int c, const char *arg, struct options *o)
{
        if (c == OPT_LAYOUT_CHANGED) {
                if (strcmp(arg, "yes") != 0 && strcmp(arg, "no") != 0)
                        return -EINVAL;
                o->layout_changed = strcmp(arg, "yes") == 0;
        } else if (strcmp(arg, "pick") == 0 || strcmp(arg, "yes") == 0)
                o->private_users = true;        /* OPT_PRIVATE_USERS */
        else if (strcmp(arg, "no") == 0 || strcmp(arg, "identity") == 0)
                o->private_users = false;
        else
                return -EINVAL;
        return 0;
}

/* One option of the rest: 0, -EINVAL (a bad value: the caller says so), or -EBADMSG with
 * its own reason in error. */
static int parse_option(int c, const char *arg, struct options *o, char *error, size_t error_size)
{
        switch (c) {
        case OPT_CHECK:           o->mode = RUN_CHECK;            return 0;
        case OPT_REPORT_DIR:      o->report_dir = arg;            return 0;
        case OPT_LOG_DIR:         o->log_dir = arg;               return 0;
        case OPT_PROMETHEUS:      o->prometheus_file = arg;       return 0;
        case OPT_IMAGE_NAME:      o->image_name = arg;            return 0;
        case OPT_IN_PLACE:        o->in_place = true;             return 0;
        case OPT_REAL_SLEEPS:     o->real_sleeps = true;          return 0;
        case OPT_FAIL_ON_WARNING: o->fail_on_warning = true;      return 0;
        case OPT_BOOT_MEDIUM:     o->boot_medium = arg;           return 0;
        case OPT_TFTP_ROOT:       o->tftp_root = arg;             return 0;
        case OPT_KEYS_TO_CONSOLE: o->keys_to_console = true;      return 0;
        case OPT_SCRATCH_LAYOUT:  o->scratch_layout = arg;        return 0;
        case 'q':                 o->verbosity = -1;              return 0;
        case 'v':                 o->verbosity = 1;               return 0;
        case OPT_TIMEOUT:
                return parse_unsigned(arg, 0, 86400 * 7, &o->timeout_s) < 0 ? -EINVAL : 0;
        case OPT_STOP_TIMEOUT:
                return parse_unsigned(arg, 0, 3600, &o->stop_timeout_s) < 0 ? -EINVAL : 0;
        case OPT_TTYS:
                return parse_unsigned(arg, 1, MAX_TTYS, &o->ttys) < 0 ? -EINVAL : 0;
        case OPT_LAYOUT_CHANGED:
        case OPT_PRIVATE_USERS:
                return parse_choice(c, arg, o);
        case OPT_PIDS_MAX:
        case OPT_MEMORY_MAX:
        case OPT_WRITABLE_MAX:
        case OPT_CPU_WEIGHT:
                return parse_limit(c, arg, &o->limits);
        case OPT_SCRATCH_DISK:
        case OPT_BIND_RO:
        case OPT_BIND:
                return parse_disk_or_bind(c, arg, o, error, error_size) < 0 ? -EBADMSG : 0;
        case OPT_CMDLINE:
                if (strchr(arg, '\n')) {
                        snprintf(error, error_size, "--cmdline must be one line");
                        return -EBADMSG;
                }
                o->cmdline = arg;
                return 0;
        case OPT_HOSTNAME:
                if (!*arg || strlen(arg) > 64 || strchr(arg, '/')) {
                        snprintf(error, error_size, "--hostname: not a valid host name: '%s'", arg);
                        return -EBADMSG;
                }
                o->hostname = arg;
                return 0;
        }
        return -ENOENT;
}

/* ROOTFS [-- COMMAND...] after the options: OPTIONS_RUN or -EINVAL with the reason. */
static int parse_operands(int argc, char **argv, struct options *o, char *error, size_t error_size)
{
        if (optind >= argc) {
                snprintf(error, error_size, "no ROOTFS given (see --help)");
                return -EINVAL;
        }
        o->rootfs = argv[optind++];
        if (optind < argc) {
                if (strcmp(argv[optind], "--") != 0) {
                        snprintf(error, error_size, "unexpected argument '%s' (a COMMAND follows '--')", argv[optind]);
                        return -EINVAL;
                }
                if (++optind >= argc) {
                        snprintf(error, error_size, "no COMMAND after '--'");
                        return -EINVAL;
                }
                o->command = argv + optind;
        }
        if (o->mode == RUN_CHECK && o->command) {
                snprintf(error, error_size, "--check boots the image's init; it takes no COMMAND");
                return -EINVAL;
        }
        const char *path;
        if (o->tftp_root && (!o->boot_medium || boot_medium_kind(o->boot_medium, &path) != BOOT_PXE)) {
                snprintf(error, error_size, "--tftp-root goes with --boot-medium=pxe:CONFIG");
                return -EINVAL;
        }
        return OPTIONS_RUN;
}

int options_parse(int argc, char **argv, struct options *o, char *error, size_t error_size)
{
        *o = (struct options) {
                .ttys = DEFAULT_TTYS,
                .cmdline = DEFAULT_CMDLINE,
                .stop_timeout_s = DEFAULT_STOP_TIMEOUT_S,
                .layout_changed = -1,
                .limits = { LIMIT_DEFAULT, LIMIT_DEFAULT, LIMIT_DEFAULT, LIMIT_DEFAULT },
                .private_users = true,
        };
        bool timeout_given = false;
        int c, r;

        optind = 0;     /* glibc: full re-initialisation, so that tests can parse twice */
        opterr = 0;
        /* "+": stop at the first non-option, so that COMMAND's own options are left alone;
         * ":": a missing value is reported as such. */
        while ((c = getopt_long(argc, argv, "+:qvh", long_options, NULL)) != -1) {
                if (c == 'h')
                        return OPTIONS_HELP;
                if (c == OPT_VERSION)
                        return OPTIONS_VERSION;
                if (c == ':') {
                        snprintf(error, error_size, "option '%s' needs a value", argv[optind - 1]);
                        return -EINVAL;
                }
                r = parse_option(c, optarg, o, error, error_size);
                if (r == -ENOENT) {
                        /* Inside a group like "-xq", optind has not moved on yet: name the letter. */
                        if (optopt)
                                snprintf(error, error_size, "unknown option '-%c' (see --help)", optopt);
                        else
                                snprintf(error, error_size, "unknown option '%s' (see --help)", argv[optind - 1]);
                        return -EINVAL;
                }
                if (r == -EINVAL)
                        snprintf(error, error_size, "option '%s': invalid value '%s'", argv[optind - 1], optarg);
                if (r < 0)
                        return -EINVAL;
                timeout_given = timeout_given || c == OPT_TIMEOUT;
        }

        r = parse_operands(argc, argv, o, error, error_size);
        if (r == OPTIONS_RUN && o->mode == RUN_CHECK && !timeout_given)
                o->timeout_s = DEFAULT_CHECK_TIMEOUT_S;
        return r;
}

const char *cmdline_dangerous_word(const char *cmdline)
{
        static const char *const dangerous[] = { "unattended", "auto_recover", "automatic", "debug" };
        const char *p = cmdline;

        while (*p) {
                size_t len;
                while (*p == ' ' || *p == '\t')
                        p++;
                len = strcspn(p, " \t");
                for (size_t i = 0; i < sizeof(dangerous) / sizeof(dangerous[0]); i++) {
                        size_t dlen = strlen(dangerous[i]);
                        /* ReaR matches the bare word and "word=..." alike. */
                        if (len >= dlen && strncmp(p, dangerous[i], dlen) == 0 && (len == dlen || p[dlen] == '='))
                                return dangerous[i];
                }
                p += len;
        }
        return NULL;
}

/* options.c: options_parse (defaults, values and their bounds, ROOTFS and COMMAND,
 * error messages, parsing twice) and cmdline_dangerous_word. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "limits.h"
#include "options.h"
#include "unit.h"

static char err[256];

/* argv is NULL-terminated, as main() gets it. */
static int parse(struct options *o, char **argv)
{
        int argc = 0;

        while (argv[argc])
                argc++;
        snprintf(err, sizeof(err), "(untouched)");
        return options_parse(argc, argv, o, err, sizeof(err));
}

#define PARSE(o, ...) parse(o, (char *[]) { "rescue-spawn", __VA_ARGS__, NULL })

static void test_defaults(void)
{
        struct options o;

        CHECK(PARSE(&o, "/rootfs") == OPTIONS_RUN);
        CHECK(o.rootfs && strcmp(o.rootfs, "/rootfs") == 0);
        CHECK(o.command == NULL);
        CHECK(o.mode == RUN_AUTO);
        CHECK(o.timeout_s == 0);
        CHECK(o.stop_timeout_s == 15);
        CHECK(o.ttys == 6);
        CHECK(o.cmdline && strcmp(o.cmdline, "BOOT_IMAGE=kernel rescue-spawn") == 0);
        CHECK(o.hostname == NULL && o.image_name == NULL);
        CHECK(o.report_dir == NULL && o.log_dir == NULL && o.prometheus_file == NULL);
        CHECK(o.layout_changed == -1);
        CHECK(!o.in_place);
        CHECK(o.verbosity == 0);

        CHECK(PARSE(&o, "--report-dir=/r", "--log-dir", "/l", "--prometheus=/p.prom",
                    "--image-name=img", "--in-place", "-q", "--stop-timeout=2", "/rootfs") == OPTIONS_RUN);
        CHECK(o.report_dir && strcmp(o.report_dir, "/r") == 0);
        CHECK(o.log_dir && strcmp(o.log_dir, "/l") == 0);
        CHECK(o.prometheus_file && strcmp(o.prometheus_file, "/p.prom") == 0);
        CHECK(o.image_name && strcmp(o.image_name, "img") == 0);
        CHECK(o.in_place);
        CHECK(o.verbosity == -1);
        CHECK(o.stop_timeout_s == 2);
        CHECK(PARSE(&o, "--verbose", "/rootfs") == OPTIONS_RUN && o.verbosity == 1);
        CHECK(PARSE(&o, "--layout-changed=yes", "/rootfs") == OPTIONS_RUN && o.layout_changed == 1);
        CHECK(PARSE(&o, "--layout-changed", "no", "/rootfs") == OPTIONS_RUN && o.layout_changed == 0);
        CHECK(PARSE(&o, "--layout-changed=maybe", "/rootfs") == -EINVAL);
        CHECK(strstr(err, "--layout-changed") && strstr(err, "maybe"));
}

static void test_check_timeout(void)
{
        struct options o;

        CHECK(PARSE(&o, "--check", "/rootfs") == OPTIONS_RUN);
        CHECK(o.mode == RUN_CHECK);
        CHECK(o.timeout_s == 300);
        CHECK(PARSE(&o, "--check", "--timeout=60", "/rootfs") == OPTIONS_RUN && o.timeout_s == 60);
        CHECK(PARSE(&o, "--timeout", "60", "--check", "/rootfs") == OPTIONS_RUN && o.timeout_s == 60);
        /* An explicit 0 means "no timeout", even with --check. */
        CHECK(PARSE(&o, "--check", "--timeout=0", "/rootfs") == OPTIONS_RUN && o.timeout_s == 0);
        CHECK(PARSE(&o, "--timeout=45", "/rootfs") == OPTIONS_RUN && o.timeout_s == 45 && o.mode == RUN_AUTO);
        CHECK(PARSE(&o, "--timeout=-1", "/rootfs") == -EINVAL);
        CHECK(PARSE(&o, "--timeout=", "/rootfs") == -EINVAL);
}

static void test_ttys(void)
{
        struct options o;

        CHECK(PARSE(&o, "--ttys=1", "/rootfs") == OPTIONS_RUN && o.ttys == 1);
        CHECK(PARSE(&o, "--ttys=12", "/rootfs") == OPTIONS_RUN && o.ttys == 12);
        CHECK(PARSE(&o, "--ttys", "4", "/rootfs") == OPTIONS_RUN && o.ttys == 4);
        CHECK(PARSE(&o, "--ttys=0", "/rootfs") == -EINVAL);
        CHECK(PARSE(&o, "--ttys=13", "/rootfs") == -EINVAL);
        CHECK(strstr(err, "--ttys") && strstr(err, "13"));
        CHECK(PARSE(&o, "--ttys=abc", "/rootfs") == -EINVAL);
        CHECK(PARSE(&o, "--ttys=3x", "/rootfs") == -EINVAL);
        CHECK(PARSE(&o, "--ttys=-3", "/rootfs") == -EINVAL);
        CHECK(PARSE(&o, "--ttys=+3", "/rootfs") == -EINVAL);
        CHECK(PARSE(&o, "--ttys=", "/rootfs") == -EINVAL);
        CHECK(PARSE(&o, "--ttys=18446744073709551622", "/rootfs") == -EINVAL);
}

static void test_cmdline_hostname(void)
{
        struct options o;
        char name64[65], name65[66], arg[80];

        CHECK(PARSE(&o, "--cmdline=quiet unattended", "/rootfs") == OPTIONS_RUN &&
              strcmp(o.cmdline, "quiet unattended") == 0);
        CHECK(PARSE(&o, "--cmdline=a\nb", "/rootfs") == -EINVAL);
        CHECK(strstr(err, "--cmdline"));

        CHECK(PARSE(&o, "--hostname=rescue-1", "/rootfs") == OPTIONS_RUN &&
              o.hostname && strcmp(o.hostname, "rescue-1") == 0);
        CHECK(PARSE(&o, "--hostname=", "/rootfs") == -EINVAL);
        CHECK(strstr(err, "--hostname"));
        CHECK(PARSE(&o, "--hostname=a/b", "/rootfs") == -EINVAL);
        memset(name64, 'h', 64);
        name64[64] = '\0';
        snprintf(arg, sizeof(arg), "--hostname=%s", name64);
        CHECK(PARSE(&o, arg, "/rootfs") == OPTIONS_RUN && o.hostname && strlen(o.hostname) == 64);
        memset(name65, 'h', 65);
        name65[65] = '\0';
        snprintf(arg, sizeof(arg), "--hostname=%s", name65);
        CHECK(PARSE(&o, arg, "/rootfs") == -EINVAL);
}

static void test_command(void)
{
        struct options o;

        CHECK(PARSE(&o, "/rootfs", "--", "/bin/true") == OPTIONS_RUN);
        CHECK(o.command && strcmp(o.command[0], "/bin/true") == 0 && o.command[1] == NULL);

        /* COMMAND's own options are not the helper's. */
        CHECK(PARSE(&o, "-v", "/rootfs", "--", "/bin/sh", "-c", "x") == OPTIONS_RUN);
        CHECK(strcmp(o.rootfs, "/rootfs") == 0 && o.verbosity == 1);
        if (CHECK(o.command != NULL)) {
                CHECK(strcmp(o.command[0], "/bin/sh") == 0);
                CHECK(o.command[1] && strcmp(o.command[1], "-c") == 0);
                CHECK(o.command[2] && strcmp(o.command[2], "x") == 0);
                CHECK(o.command[3] == NULL);
        }
        CHECK(PARSE(&o, "/rootfs", "--", "/bin/ls", "--help", "--check") == OPTIONS_RUN &&
              o.mode == RUN_AUTO && o.command && strcmp(o.command[1], "--help") == 0);

        CHECK(PARSE(&o, "/rootfs", "--") == -EINVAL);
        CHECK(strstr(err, "COMMAND"));
        /* Without "--" a second word is an error, not a COMMAND. */
        CHECK(PARSE(&o, "/rootfs", "/bin/true") == -EINVAL);
        CHECK(strstr(err, "/bin/true"));
        CHECK(PARSE(&o, "/rootfs", "--check") == -EINVAL);

        CHECK(PARSE(&o, "--check", "/rootfs", "--", "/bin/true") == -EINVAL);
        CHECK(strstr(err, "--check"));
}

static void test_errors(void)
{
        struct options o;

        CHECK(parse(&o, (char *[]) { "rescue-spawn", NULL }) == -EINVAL);
        CHECK(strstr(err, "ROOTFS"));
        CHECK(PARSE(&o, "--check") == -EINVAL);
        CHECK(strstr(err, "ROOTFS"));

        CHECK(PARSE(&o, "--bogus", "/rootfs") == -EINVAL);
        CHECK(strstr(err, "unknown option") && strstr(err, "'--bogus'"));
        CHECK(PARSE(&o, "-x", "/rootfs") == -EINVAL);
        CHECK(strstr(err, "unknown option") && strstr(err, "'-x'"));
        /* An unknown short option inside a group must still be the one named. */
        CHECK(PARSE(&o, "-xq", "/rootfs") == -EINVAL);
        CHECK(strstr(err, "-x"));
        /* A known option without its value is not an unknown option. */
        CHECK(PARSE(&o, "--timeout") == -EINVAL);
        CHECK(strstr(err, "--timeout") && !strstr(err, "unknown"));

        CHECK(PARSE(&o, "--help") == OPTIONS_HELP);
        CHECK(PARSE(&o, "-h", "/rootfs") == OPTIONS_HELP);
        CHECK(PARSE(&o, "--version") == OPTIONS_VERSION);
        CHECK(PARSE(&o, "-q", "--version", "/rootfs") == OPTIONS_VERSION);
}

static void test_twice(void)
{
        struct options o;

        CHECK(PARSE(&o, "--check", "--ttys=3", "--hostname=h", "/first") == OPTIONS_RUN);
        CHECK(PARSE(&o, "/second") == OPTIONS_RUN);
        CHECK(strcmp(o.rootfs, "/second") == 0);
        CHECK(o.mode == RUN_AUTO && o.ttys == 6 && o.timeout_s == 0 && o.hostname == NULL);

        /* Stopped in the middle of a group of short options, then again from the start. */
        CHECK(PARSE(&o, "-qz", "/first") == -EINVAL);
        CHECK(PARSE(&o, "-v", "--ttys=2", "/second") == OPTIONS_RUN);
        CHECK(o.verbosity == 1 && o.ttys == 2 && strcmp(o.rootfs, "/second") == 0);
}

static int dangerous_is(const char *cmdline, const char *word)
{
        const char *w = cmdline_dangerous_word(cmdline);

        return word ? w && strcmp(w, word) == 0 : w == NULL;
}

static void test_dangerous(void)
{
        CHECK(dangerous_is(DEFAULT_CMDLINE, NULL));
        CHECK(dangerous_is("", NULL));
        CHECK(dangerous_is("unattended", "unattended"));
        CHECK(dangerous_is("quiet auto_recover", "auto_recover"));
        CHECK(dangerous_is("BOOT_IMAGE=k automatic ro", "automatic"));
        CHECK(dangerous_is("root=/dev/sda1 debug", "debug"));
        CHECK(dangerous_is("a\tdebug\tb", "debug"));
        CHECK(dangerous_is("  debug  ", "debug"));
        CHECK(dangerous_is("debug=1", "debug"));
        CHECK(dangerous_is("x unattended=yes", "unattended"));
        CHECK(dangerous_is("automatic= y", "automatic"));
        CHECK(dangerous_is("auto_recover=1 debug", "auto_recover"));

        CHECK(dangerous_is("nodebug", NULL));
        CHECK(dangerous_is("debugfs", NULL));
        CHECK(dangerous_is("automatic_x", NULL));
        CHECK(dangerous_is("rd.debug systemd.debug_shell", NULL));
        CHECK(dangerous_is("loglevel=debug", NULL));
        CHECK(dangerous_is("unattended_recovery auto_recovery noautomatic", NULL));
        CHECK(dangerous_is("debu g", NULL));
}

static void test_limits(void)
{
        struct options o;
        uint64_t v;

        CHECK(PARSE(&o, "/rootfs") == OPTIONS_RUN);
        CHECK(o.limits.pids_max == LIMIT_DEFAULT && o.limits.memory_max == LIMIT_DEFAULT);
        CHECK(o.limits.writable_max == LIMIT_DEFAULT && o.limits.cpu_weight == LIMIT_DEFAULT);
        CHECK(PARSE(&o, "--pids-max=100", "--memory-max=512M", "--writable-max=1G", "--cpu-weight=50", "/r") == OPTIONS_RUN);
        CHECK(o.limits.pids_max == 100 && o.limits.memory_max == 512ULL << 20);
        CHECK(o.limits.writable_max == 1ULL << 30 && o.limits.cpu_weight == 50);
        CHECK(PARSE(&o, "--pids-max=0", "--memory-max=0", "--writable-max=0", "/r") == OPTIONS_RUN);
        CHECK(o.limits.pids_max == 0 && o.limits.memory_max == 0 && o.limits.writable_max == 0);
        CHECK(PARSE(&o, "--pids-max=7", "/r") == -EINVAL && strstr(err, "invalid value '7'"));
        CHECK(PARSE(&o, "--memory-max=15M", "/r") == -EINVAL);
        CHECK(PARSE(&o, "--cpu-weight=0", "/r") == OPTIONS_RUN && o.limits.cpu_weight == LIMIT_NONE);
        CHECK(PARSE(&o, "--cpu-weight=10001", "/r") == -EINVAL);

        CHECK(parse_size("0", &v) == 0 && v == 0);
        CHECK(parse_size("4096", &v) == 0 && v == 4096);
        CHECK(parse_size("2K", &v) == 0 && v == 2048);
        CHECK(parse_size("3MiB", &v) == 0 && v == 3ULL << 20);
        CHECK(parse_size("4GB", &v) == 0 && v == 4ULL << 30);
        CHECK(parse_size("1T", &v) == 0 && v == 1ULL << 40);
        CHECK(parse_size("", &v) < 0 && parse_size("-1", &v) < 0 && parse_size("1X", &v) < 0);
        CHECK(parse_size("1Gx", &v) < 0 && parse_size(" 1", &v) < 0 && parse_size("1 G", &v) < 0);
        CHECK(parse_size("99999999999999999999", &v) < 0 && parse_size("17179869184G", &v) < 0);
}

static void test_limits_judge(void)
{
        struct limits l = { .pids_max = 100, .memory_max = 96ULL << 20, .writable_max = 32ULL << 20, .cpu_weight = 20 };
        struct limits_usage u = { .pids_known = true, .memory_known = true, .writable_known = true,
                                  .pids_peak = 7, .memory_peak = 3ULL << 20, .writable_used = 4096 };
        char text[512];

        CHECK(limits_judge(&l, &u, text, sizeof(text)));
        CHECK(strcmp(text, "within its limits: 7 of 100 processes at most, 3 MiB of 96 MiB memory at most, "
                           "4 KiB of 32 MiB written") == 0);
        u.pids_refused = 2;
        u.writable_full = true;
        CHECK(!limits_judge(&l, &u, text, sizeof(text)));
        CHECK(strcmp(text, "the image exceeded its limit of 100 processes: the kernel refused 2 fork(s); "
                           "the image exceeded its writable layer of 32 MiB: writes to its file system failed "
                           "with \"No space left on device\"") == 0);
        u = (struct limits_usage) {};
        CHECK(limits_judge(&l, &u, text, sizeof(text)));
        CHECK(strcmp(text, "within its limits (no usage figures on this host)") == 0);

        format_bytes(1536, text, sizeof(text));
        CHECK(strcmp(text, "1.5 KiB") == 0);
        format_bytes(4ULL << 30, text, sizeof(text));
        CHECK(strcmp(text, "4 GiB") == 0);
        format_bytes(12, text, sizeof(text));
        CHECK(strcmp(text, "12 bytes") == 0);
}

static void test_scratch_disks(void)
{
        struct options o;
        char name[16];

        CHECK(PARSE(&o, "--scratch-disk=sda:1G", "--scratch-disk=nvme0n1:512:/var/tmp/n.img", "/rootfs") == OPTIONS_RUN);
        CHECK(o.scratch_count == 2);
        CHECK(strcmp(o.scratch[0].name, "sda") == 0 && o.scratch[0].size == 1ULL << 30 && o.scratch[0].file == NULL);
        CHECK(strcmp(o.scratch[1].name, "nvme0n1") == 0 && o.scratch[1].size == 512);
        CHECK(o.scratch[1].file && strcmp(o.scratch[1].file, "/var/tmp/n.img") == 0);
        CHECK(PARSE(&o, "--scratch-disk=vda:274877906944", "/rootfs") == OPTIONS_RUN && o.scratch[0].size == 274877906944ULL);
        CHECK(PARSE(&o, "--scratch-disk=xvda:2t", "/rootfs") == OPTIONS_RUN && o.scratch[0].size == 2ULL << 40);
        CHECK(PARSE(&o, "--scratch-disk=mmcblk0:4K:f:g", "/rootfs") == OPTIONS_RUN && strcmp(o.scratch[0].file, "f:g") == 0);
        CHECK(PARSE(&o, "/rootfs") == OPTIONS_RUN && o.scratch_count == 0);

        char *bad[] = {
                "--scratch-disk=sda", "--scratch-disk=sda:", "--scratch-disk=:1G", "--scratch-disk=Sda:1G",
                "--scratch-disk=sd/a:1G", "--scratch-disk=../x:1G", "--scratch-disk=1sda:1G",
                "--scratch-disk=sda:0", "--scratch-disk=sda:1000", "--scratch-disk=sda:1X",
                "--scratch-disk=sda:1GB", "--scratch-disk=sda:-1G", "--scratch-disk=sda:99999999999T",
                "--scratch-disk=sda:1G:", "--scratch-disk=abcdefghijklmnopqrstuvwxyzabcdefg:1G",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                CHECK(PARSE(&o, bad[i], "/rootfs") == -EINVAL);
                CHECK(strstr(err, "--scratch-disk") != NULL);
        }
        CHECK(PARSE(&o, "--scratch-disk=sda:1G", "--scratch-disk=sda:2G", "/rootfs") == -EINVAL);
        CHECK(strstr(err, "two disks called sda") != NULL);

        scratch_part_name("sda", 1, name, sizeof(name));
        CHECK(strcmp(name, "sda1") == 0);
        scratch_part_name("nvme0n1", 2, name, sizeof(name));
        CHECK(strcmp(name, "nvme0n1p2") == 0);
        scratch_part_name("mmcblk0", 10, name, sizeof(name));
        CHECK(strcmp(name, "mmcblk0p10") == 0);
}

static void test_binds(void)
{
        struct options o;

        CHECK(PARSE(&o, "--bind-ro=/srv/backup:/var/backup", "--bind=/tmp/log:/var/log/rear", "--keys-to-console",
                    "/rootfs") == OPTIONS_RUN);
        CHECK(o.bind_count == 2 && o.keys_to_console);
        CHECK(strcmp(o.binds[0].source, "/srv/backup") == 0 && strcmp(o.binds[0].target, "/var/backup") == 0 &&
              o.binds[0].read_only);
        CHECK(strcmp(o.binds[1].source, "/tmp/log") == 0 && strcmp(o.binds[1].target, "/var/log/rear") == 0 &&
              !o.binds[1].read_only);
        CHECK(PARSE(&o, "/rootfs") == OPTIONS_RUN && o.bind_count == 0 && !o.keys_to_console);
        static char *bad[] = {
                "--bind-ro=/a", "--bind-ro=a:/b", "--bind-ro=/a:b", "--bind-ro=/a:/", "--bind-ro=/a:/x/../etc",
                "--bind=/a:", "--bind=:/b",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                CHECK(PARSE(&o, bad[i], "/rootfs") == -EINVAL);
                CHECK(strstr(err, "expected HOSTDIR:PATH") != NULL);
        }
        CHECK(PARSE(&o, "--bind=/a:/1", "--bind=/a:/2", "--bind=/a:/3", "--bind=/a:/4", "--bind=/a:/5",
                    "--bind=/a:/6", "--bind=/a:/7", "--bind=/a:/8", "--bind=/a:/9", "/rootfs") == -EINVAL);
        CHECK(strstr(err, "at most 8") != NULL);
}

int main(void)
{
        test_limits();
        test_limits_judge();
        test_defaults();
        test_check_timeout();
        test_ttys();
        test_cmdline_hostname();
        test_command();
        test_errors();
        test_twice();
        test_dangerous();
        test_scratch_disks();
        test_binds();
        return unit_done();
}

/* The pure parts of the readiness checks: disklayout.conf (layout.c), modules.dep and load
 * lists (kmodules.c), a unit's ExecStart (image.c), and the console rules (console.c). */
#include <errno.h>
#include <string.h>

#include "bootfiles.h"
#include "console.h"
#include "image.h"
#include "kmodules.h"
#include "layout.h"
#include "libcheck.h"
#include "unit.h"

/* The lab image's layout as ReaR 2.7 wrote it (its last fs line runs into a comment). */
static const char lab_layout[] =
        "# Disk layout dated 20261202133405 (YYYYmmddHHMMSS)\n"
        "# Disk /dev/vda\n"
        "disk /dev/vda 274877906944 \n"
        "fs /dev/vda / ext4 uuid= label= blocksize=# Swap partitions or swap files\n"
        "# Format: swap <filename> uuid=<uuid> label=<label>\n";

static char first_problem[512];
static int problems;

static void on_problem(void *userdata, const char *problem)
{
        (void) userdata;
        if (!problems++)
                snprintf(first_problem, sizeof(first_problem), "%s", problem);
}

static size_t check_layout(const char *text, const struct layout_program **programs, size_t *n)
{
        problems = 0;
        first_problem[0] = '\0';
        return layout_check(text, strlen(text), programs, n, on_problem, NULL);
}

static bool needs(const struct layout_program **programs, size_t n, const char *program)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(programs[i]->program, program) == 0)
                        return true;
        return false;
}

static void test_layout(void)
{
        const struct layout_program *programs[LAYOUT_PROGRAMS_MAX];
        size_t n;

        CHECK(check_layout(lab_layout, programs, &n) == 2 && problems == 0);
        CHECK(needs(programs, n, "mkfs.ext4") && needs(programs, n, "tune2fs") && !needs(programs, n, "parted"));
        CHECK(check_layout("disk /dev/sda 1000 gpt\npart /dev/sda 500 1 primary none /dev/sda1\nswap /dev/sda1\n",
                           programs, &n) == 3 && problems == 0);
        CHECK(needs(programs, n, "parted") && needs(programs, n, "mkswap"));
        CHECK(check_layout("disk /dev/sda 1000\npartt /dev/sda1 5\n", programs, &n) == 1 && problems == 1);
        CHECK(strcmp(first_problem, "line 2: 'partt' is no layout entry ReaR knows") == 0);
        CHECK(check_layout("fs /dev/sda1 /\n", programs, &n) == 0 && problems == 1);
        CHECK(strstr(first_problem, "line 1: 'fs' lacks fields") != NULL);
        CHECK(check_layout("", programs, &n) == 0 && problems == 0 && n == 0);
        /* No newline at the end, CR LF, a line longer than the parser's buffer. */
        char long_line[3000];
        memset(long_line, 'x', sizeof(long_line) - 1);
        long_line[sizeof(long_line) - 1] = '\0';
        CHECK(check_layout("disk /dev/sda 1000", programs, &n) == 1 && problems == 0);
        CHECK(check_layout(long_line, programs, &n) == 0 && problems == 1);
}

static int count_paths(void *userdata, const char *path)
{
        (void) path;
        ++*(int *) userdata;
        return 0;
}

static char names[8][64];
static int n_names;

static int collect_name(void *userdata, const char *name)
{
        (void) userdata;
        if (n_names < 8)
                snprintf(names[n_names++], sizeof(names[0]), "%s", name);
        return 0;
}

static void test_kmodules(void)
{
        static const char dep[] =
                "kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n"
                "kernel/drivers/virtio/virtio.ko:\n"
                "kernel/fs/ext4/ext4.ko.xz: kernel/fs/jbd2/jbd2.ko.xz kernel/lib/crc16.ko.xz\n";
        char name[64];
        int paths = 0;

        CHECK(kmod_dep_foreach(dep, strlen(dep), count_paths, &paths) == 0 && paths == 7);
        kmod_name("kernel/fs/ext4/ext4.ko.xz", name, sizeof(name));
        CHECK(strcmp(name, "ext4") == 0);
        kmod_name("intel-uncore", name, sizeof(name));
        CHECK(strcmp(name, "intel_uncore") == 0);
        CHECK(kmod_listed(dep, strlen(dep), "virtio_blk"));
        CHECK(kmod_listed(dep, strlen(dep), "virtio-blk"));
        CHECK(!kmod_listed(dep, strlen(dep), "jbd2"));        /* only a dependency, no line of its own */
        CHECK(!kmod_listed(dep, strlen(dep), "virtio_b"));

        static const char load[] = "# /etc/modules\n\nsd_mod\n; old comment\n  loop max_loop=8\r\nnvme";
        CHECK(kmod_load_list_foreach(load, strlen(load), collect_name, NULL) == 0 && n_names == 3);
        CHECK(strcmp(names[0], "sd_mod") == 0 && strcmp(names[1], "loop") == 0 && strcmp(names[2], "nvme") == 0);
}

static void test_unit_exec(void)
{
        static const char poweroff[] = "[Unit]\nDescription=Power-Off\n\n[Service]\nType=oneshot\nExecStart=/bin/systemctl --force poweroff\n";
        static const char dashed[] = "[Service]\nExecStart=-@/sbin/agetty agetty %I\n";
        char program[256];

        CHECK(unit_exec_program(poweroff, strlen(poweroff), program, sizeof(program)) == 0 &&
              strcmp(program, "/bin/systemctl") == 0);
        CHECK(unit_exec_program(dashed, strlen(dashed), program, sizeof(program)) == 0 && strcmp(program, "/sbin/agetty") == 0);
        CHECK(unit_exec_program("[Unit]\nExecStart=\n", 19, program, sizeof(program)) == -ENOENT);
        CHECK(unit_exec_program("", 0, program, sizeof(program)) == -ENOENT);
}

static void feed(struct console_watch *cw, size_t index, const char *text, long long now)
{
        console_feed(cw, index, text, strlen(text), now);
}

static void test_console_rules(void)
{
        struct terminal terms[2] = { { .name = "console" }, { .name = "tty1" } };
        struct tty_watch ttys[2] = { { .terminal = &terms[0] }, { .terminal = &terms[1] } };
        struct console_watch cw = { .ttys = ttys, .n_ttys = 2 };

        feed(&cw, 0, "Running 55-migrate-network-devices.sh...\r\n", 100);
        CHECK(strcmp(cw.found.setup_script, "55-migrate-network-devices.sh") == 0);
        feed(&cw, 0, "./etc/x: FAILED\nPossibly corrupted Relax-and-Recover rescue system\n", 200);
        CHECK(cw.found.corrupted_ms == 200);
        CHECK(strcmp(cw.found.corrupted_excerpt, "./etc/x: FAILED\nPossibly corrupted Relax-and-Recover rescue system\n") == 0);
        feed(&cw, 0, "\033[0;1;31mfoo.service: Failed with result 'exit-code'.\033[0m\n", 300);
        CHECK(cw.found.n_failed_units == 1 && strcmp(cw.found.failed_units[0], "foo.service") == 0);
        feed(&cw, 1, "\nRelax-and-Recover rescue system is ready\n", 400);
        CHECK(cw.found.ready_line_ms == 400);
        feed(&cw, 1, "vm login: ", 500);
        CHECK(ttys[1].prompt_ms == 500 && console_first_prompt(&cw) == &ttys[1]);
        feed(&cw, 1, "root\r\nRESCUE vm:~ # ", 600);
        CHECK(ttys[1].shell_prompt);
        CHECK(console_line_is_notable("agetty: Killed") && !console_line_is_notable("Failed to load configuration, ignoring"));
}

static void test_ldlist(void)
{
        char buf[256];

        CHECK(ldlist_parse_line("\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0e1c000000)", buf, sizeof(buf)) ==
              LDLIST_FOUND && strcmp(buf, "/lib/x86_64-linux-gnu/libc.so.6") == 0);
        CHECK(ldlist_parse_line("\t/lib64/ld-linux-x86-64.so.2 (0x00007f0e1c400000)", buf, sizeof(buf)) == LDLIST_FOUND &&
              strcmp(buf, "/lib64/ld-linux-x86-64.so.2") == 0);
        CHECK(ldlist_parse_line("\tlibncursesw.so.6 => not found", buf, sizeof(buf)) == LDLIST_NOT_FOUND &&
              strcmp(buf, "libncursesw.so.6") == 0);
        CHECK(ldlist_parse_line("\tlinux-vdso.so.1 (0x00007ffc5a5e6000)", buf, sizeof(buf)) == LDLIST_OTHER);
        CHECK(ldlist_parse_line("\tstatically linked", buf, sizeof(buf)) == LDLIST_OTHER);
        CHECK(ldlist_parse_line("", buf, sizeof(buf)) == LDLIST_OTHER);
}

static void test_bootfiles(void)
{
        static const char cfg[] =
                "label hd\nkernel chain.c32\nappend hd0\n"
                "label rear\n  KERNEL kernel\n  append initrd=initrd.cgz root=/dev/ram0 vga=normal rw\n"
                "label again\nkernel kernel\nappend initrd=initrd.cgz auto_recover\nlabel abs\nlinux /boot/vmlinuz\ninitrd /boot/initrd.xz";
        struct boot_medium m = {};
        unsigned char image[0x1000] = {};
        char version[64];

        CHECK(boot_config_names(cfg, strlen(cfg), "isolinux", &m) == 3);
        CHECK(strcmp(m.kernels[0], "isolinux/chain.c32") == 0 && strcmp(m.kernels[1], "isolinux/kernel") == 0 &&
              strcmp(m.kernels[2], "boot/vmlinuz") == 0);
        CHECK(m.n_initrds == 2 && strcmp(m.initrds[0], "isolinux/initrd.cgz") == 0 && strcmp(m.initrds[1], "boot/initrd.xz") == 0);
        CHECK(boot_medium_linux(&m) && strcmp(boot_medium_linux(&m), "isolinux/kernel") == 0);
        CHECK(bzimage_version(image, sizeof(image), version, sizeof(version)) == -EINVAL);
        memcpy(image + 0x202, "HdrS", 4);
        image[0x20e] = 0x00;
        image[0x20f] = 0x04;            /* 0x400 + 0x200 */
        memcpy(image + 0x600, "6.1.0-57-amd64 (debian-kernel@lists.debian.org) #1", 50);
        CHECK(bzimage_version(image, sizeof(image), version, sizeof(version)) == 0 && strcmp(version, "6.1.0-57-amd64") == 0);
        image[0x20f] = 0x40;            /* beyond the buffer */
        CHECK(bzimage_version(image, sizeof(image), version, sizeof(version)) == -EINVAL);
        CHECK(bzimage_version(image, 0x100, version, sizeof(version)) == -EINVAL);
}

/* PXE: what output/PXE/default/810_create_pxelinux_cfg.sh writes (legacy and GRUB style),
 * named relative to the TFTP root; RAMDISK: ReaR's naming of 900_copy_ramdisk.sh. */
static void test_bootfiles_pxe_ramdisk(void)
{
        static const char pxelinux[] =
                "    default hd\nprompt 1\ntimeout 300\n\nlabel hd\nlocalboot -1\n    display /vm.message\n"
                "    label rear\n\tkernel /vm.kernel\n\tappend initrd=/vm.initrd.cgz root=/dev/ram0 vga=normal rw  selinux=0 \n";
        static const char grub[] =
                "menuentry 'Relax-and-Recover v2.7' {\ninsmod tftp\nset net_default_server=192.0.2.1\n"
                "linux (tftp)/rear/vm.kernel root=/dev/ram0 vga=normal rw\necho 'Loading initial ramdisk ...'\n"
                "initrd (tftp,192.0.2.1)/rear/vm.initrd.cgz\n}\n";
        const char *listing[] = { "README", "initrd.cgz", "vmlinuz-6.1.0-57-amd64" };
        const char *two[] = { "vmlinuz-6.1.0-56-amd64", "initrd.cgz", "vmlinuz-6.1.0-57-amd64" };
        struct boot_medium m = {};
        const char *path;
        char name[128];

        CHECK(boot_config_names(pxelinux, strlen(pxelinux), "", &m) == 1);
        CHECK(strcmp(m.kernels[0], "vm.kernel") == 0 && m.n_initrds == 1 && strcmp(m.initrds[0], "vm.initrd.cgz") == 0);
        m = (struct boot_medium) {};
        CHECK(boot_config_names(grub, strlen(grub), "", &m) == 1);
        CHECK(strcmp(m.kernels[0], "rear/vm.kernel") == 0 && m.n_initrds == 1 && strcmp(m.initrds[0], "rear/vm.initrd.cgz") == 0);
        CHECK(ramdisk_kernel_name("initramfs-vm.img", NULL, 0, name, sizeof(name)) == 0 && strcmp(name, "kernel-vm") == 0);
        CHECK(ramdisk_kernel_name("initrd.cgz", listing, 3, name, sizeof(name)) == 0 && strcmp(name, "vmlinuz-6.1.0-57-amd64") == 0);
        CHECK(ramdisk_kernel_name("initrd.cgz", listing, 2, name, sizeof(name)) == -ENOENT);
        CHECK(ramdisk_kernel_name("initrd.cgz", two, 3, name, sizeof(name)) == -EEXIST &&
              strcmp(name, "vmlinuz-6.1.0-56-amd64, vmlinuz-6.1.0-57-amd64") == 0);
        CHECK(ramdisk_kernel_name("initramfs-.img", listing, 3, name, sizeof(name)) == 0 && strcmp(name, "vmlinuz-6.1.0-57-amd64") == 0);
        CHECK(boot_medium_kind("pxe:/srv/tftp/pxelinux.cfg/rear-vm", &path) == BOOT_PXE && strcmp(path, "/srv/tftp/pxelinux.cfg/rear-vm") == 0);
        CHECK(boot_medium_kind("ramdisk:/x/initramfs-vm.img", &path) == BOOT_RAMDISK && strcmp(path, "/x/initramfs-vm.img") == 0);
        CHECK(boot_medium_kind("iso:/x/rear.iso", &path) == BOOT_ISO && strcmp(path, "/x/rear.iso") == 0);
        CHECK(boot_medium_kind("/x/rear.iso", &path) == BOOT_ISO && strcmp(path, "/x/rear.iso") == 0);
}

int main(void)
{
        test_bootfiles();
        test_bootfiles_pxe_ramdisk();
        test_ldlist();
        test_layout();
        test_kmodules();
        test_unit_exec();
        test_console_rules();
        return unit_done();
}

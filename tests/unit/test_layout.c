/* layout.c: the disks of a ReaR disklayout.conf as scratch disks, and the one-line
 * refusal of every entry a container cannot rehearse. */
#include <errno.h>
#include <string.h>

#include "layout.h"
#include "unit.h"

/* This project's machine: no vfat. */
static const char filesystems[] = "nodev\tsysfs\nnodev\ttmpfs\n\text3\n\text2\n\text4\n\tsquashfs\n\txfs\n\tbtrfs\n";

static struct scratch_spec specs[SCRATCH_MAX_DISKS];
static size_t count;
static char err[1200];

static int layout(const char *text)
{
        count = 0;
        snprintf(err, sizeof(err), "(untouched)");
        return layout_scratch_disks(text, filesystems, specs, &count, SCRATCH_MAX_DISKS, err, sizeof(err));
}

static void test_disks(void)
{
        /* as ReaR 2.7 writes it, comments and excluded entries included */
        CHECK(layout("# Disk layout dated 20261202\n"
                     "# disk /dev/sdb 8589934592 gpt\n"
                     "disk /dev/vda 274877906944 gpt\n"
                     "part /dev/vda 1048576 1048576 rear-noname bios_grub /dev/vda1\n"
                     "part /dev/vda 274875809280 2097152 rear-noname none /dev/vda2\n"
                     "disk /dev/nvme0n1 1073741824 msdos\n"
                     "fs /dev/vda2 / ext4 uuid=2c5e1a0b-7d3e-4f6a-9b8c-0d1e2f3a4b5c label= blocksize=4096\n"
                     "fs /dev/nvme0n1 /srv xfs uuid=3d6f2b1c-8e4f-4a7b-8c9d-1e2f3a4b5c6d label=srv\n"
                     "swap /dev/vda3 uuid=4e7a3c2d-9f5a-4b8c-9dae-2f3a4b5c6d7e label=\n"
                     "btrfsdefaultsubvol /dev/vda4 /home 5 /\n"
                     "\n") == 0);
        CHECK(count == 2);
        CHECK(strcmp(specs[0].name, "vda") == 0 && specs[0].size == 274877906944ULL && specs[0].file == NULL);
        CHECK(strcmp(specs[1].name, "nvme0n1") == 0 && specs[1].size == 1073741824ULL);

        /* an explicit --scratch-disk of the same name wins (it may name a FILE) */
        count = 1;
        specs[0] = (struct scratch_spec) { .name = "vda", .size = 512, .file = "/x" };
        CHECK(layout_scratch_disks("disk /dev/vda 1048576 gpt\ndisk /dev/vdb 1048576 gpt\n", filesystems, specs,
                                   &count, SCRATCH_MAX_DISKS, err, sizeof(err)) == 0);
        CHECK(count == 2 && specs[0].size == 512 && strcmp(specs[0].file, "/x") == 0);
        CHECK(strcmp(specs[1].name, "vdb") == 0);
        CHECK(layout("") == 0 && count == 0);
}

static void refused(const char *text, const char *line, const char *why)
{
        CHECK(layout(text) == -EINVAL);
        CHECK(strstr(err, line) != NULL);
        CHECK(strstr(err, why) != NULL);
        CHECK(strchr(err, '\n') == NULL);
}

static void test_refused(void)
{
        refused("disk /dev/sda 1073741824 gpt\nlvmdev /dev/vg00 /dev/sda2 abc 123\n",
                "line 2: lvmdev /dev/vg00 /dev/sda2", "LVM");
        refused("lvmgrp /dev/vg00 4096 100 409600\n", "line 1: lvmgrp", "LVM");
        refused("lvmvol /dev/vg00 root 1000b linear\n", "lvmvol", "LVM");
        refused("raid /dev/md0 metadata=1.2 level=raid1 raid-devices=2\n", "raid /dev/md0", "md RAID");
        refused("raiddisk /dev/md0 /dev/sda1\n", "raiddisk", "md RAID");
        refused("crypt /dev/mapper/luks1 /dev/sda2 type=luks2\n", "crypt /dev/mapper/luks1", "LUKS");
        refused("multipath /dev/mapper/mpatha 1073741824 msdos /dev/sda,/dev/sdb\n", "multipath", "multipath");
        refused("drbd /dev/drbd0 r0 /dev/sda3\n", "drbd", "DRBD");
        refused("opaldisk /dev/nvme0n1\n", "opaldisk", "self-encrypting");
        refused("logicaldrive /dev/sda 0|A|1 raid=1 drives=1I:1:1,\n", "logicaldrive", "hardware RAID");
        refused("something /dev/sda\n", "something /dev/sda", "does not know");
        /* file systems: the kernel's, then the helper's table */
        refused("disk /dev/sda 1073741824 gpt\nfs /dev/sda1 /boot/efi vfat uuid=1234-ABCD label=\n",
                "line 2: fs /dev/sda1 /boot/efi vfat", "kernel has no such file system");
        refused("fs /dev/sda1 /data squashfs uuid=x\n", "squashfs", "does not mount this file system type");
        refused("fs /dev/sda1 /\n", "fs /dev/sda1 /", "without a file system type");
        /* disks the container cannot have under that name */
        refused("disk /dev/mapper/mpatha 1073741824 gpt\n", "/dev/mapper/mpatha", "not a disk");
        refused("disk /dev/sda 1000 gpt\n", "disk /dev/sda 1000", "multiple of 512");
        refused("disk sda 1048576 gpt\n", "disk sda", "not a disk");
}

int main(void)
{
        test_disks();
        test_refused();
        return unit_done();
}

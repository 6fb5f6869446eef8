/* Scratch disks: loop devices on sparse files that the container sees as the disks
 * of the image's layout (/dev/sda, /dev/nvme0n1p1, ...), and nothing else.
 *
 * Each disk is a loop device configured with LOOP_CONFIGURE (partition scanning,
 * autoclear) on a backing file: the user's FILE, or an anonymous O_TMPFILE file in
 * SCRATCH_TMP_DIR that has no name at any moment. The helper holds the loop
 * device open; autoclear detaches it when the last opener and the last mount are
 * gone, so even a SIGKILLed helper leaves neither a loop device nor a file. The
 * container gets device nodes of its own names in its /dev (the helper's tmpfs),
 * and the helper keeps a second set, which the container never sees, in a
 * private directory: mounts made for the container name those. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define SCRATCH_MAX_DISKS 16
#define SCRATCH_MAX_PARTS 64
#define SCRATCH_NAME_MAX 31
/* Default backing files: unnamed (O_TMPFILE) files here. The udev rule of the
 * package recognises scratch loop devices by this directory name. */
#define SCRATCH_TMP_DIR "/var/tmp/rescue-spawn-scratch"
#define SCRATCH_DIR_MARKER "/rescue-spawn-scratch/"

struct scratch_spec {
        char name[SCRATCH_NAME_MAX + 1];        /* sda, vda, nvme0n1, ... */
        unsigned long long size;                /* bytes, a multiple of 512 */
        const char *file;                       /* NULL: a temporary file */
};

struct scratch_part {
        unsigned number;
        dev_t dev;
        unsigned long long start, sectors;
        char name[SCRATCH_NAME_MAX + 8];        /* sda1, nvme0n1p1 */
};

struct scratch_disk {
        struct scratch_spec spec;
        int loop_fd;            /* held open for the whole run (autoclear) */
        int loop_nr;
        bool created_file;      /* spec.file did not exist before */
        dev_t dev;
        struct scratch_part parts[SCRATCH_MAX_PARTS];
        size_t part_count;
};

struct ids;

struct scratch_set {
        struct scratch_disk disks[SCRATCH_MAX_DISKS];
        size_t count;
        int dev_dirfd;          /* the container's /dev, as the helper reaches it */
        int private_dirfd;      /* the helper's own nodes: DIR/dev/NAME, for mounts */
        int watch_fd;           /* inotify of the container's /dev: nodes the image deletes */
        char private_root[4096];        /* DIR above: a worker chroots there to mount */
        char view_dir[4096];    /* the /sys and /proc view (see blockview.h); "" none */
        const struct ids *ids;  /* who the container's root is on the host (ids.h) */
};

/* "NAME:SIZE[:FILE]" (SIZE in bytes or with K, M, G, T). 0, or -EINVAL with a
 * reason in error. Pure. */
int scratch_parse_spec(const char *arg, struct scratch_spec *spec, char *error, size_t error_size);
/* The kernel's name of partition number of a disk: sda1, nvme0n1p1. */
void scratch_part_name(const char *disk, unsigned number, char *buf, size_t size);

/* Attach every spec (see scratch.h's top), create their nodes in dev_dir (the
 * container's /dev) and in private_dir, and write the view into view_dir. On
 * failure a one-line reason in error; what was made is released. */
int scratch_setup(struct scratch_set *set, const struct scratch_spec *specs, size_t count,
                  const char *dev_dir, const char *private_dir, const char *view_dir, const struct ids *ids,
                  char *error, size_t error_size);
/* Closes the loop devices (autoclear detaches them once nothing uses them). */
void scratch_release(struct scratch_set *set);

/* The disk or partition with device number dev; NULL when dev is no scratch device.
 * *part: the partition, NULL for the whole disk. */
struct scratch_disk *scratch_find(struct scratch_set *set, dev_t dev, struct scratch_part **part);
/* After a change of disk's partition table: the partitions as the kernel now has
 * them, into the nodes and the view. */
int scratch_sync(struct scratch_set *set, struct scratch_disk *disk);
/* Re-read disk's partition table (BLKRRPART, and where the kernel cannot parse
 * it, libblkid's reading applied with BLKPG), then scratch_sync. */
int scratch_reread(struct scratch_set *set, struct scratch_disk *disk);
/* The image deleted or replaced nodes in its /dev (ReaR's boot runs rm -Rf /dev/sd*
 * where it finds no udevd): make the scratch disks' nodes again, as udev would on a
 * machine. Call when set->watch_fd is readable. */
void scratch_restore_nodes(struct scratch_set *set);
/* A scratch device's name (sda, sda1). */
const char *scratch_device_name(const struct scratch_disk *disk, const struct scratch_part *part);

/* ReaR's disk layout (var/lib/rear/layout/disklayout.conf) as scratch disks: one for
 * each "disk" entry, under its name and of its size; or, before anything is made,
 * the first entry that a container cannot rehearse safely, in one line.
 *
 * Refused: LVM, md RAID, LUKS, multipath, DRBD, self-encrypting disks, hardware
 * RAID controllers (the host's own LVM, md and device-mapper would act on what a
 * rehearsal recreates, and this kind of kernel may have no device-mapper at all),
 * file systems the host's kernel lacks or the helper does not mount for the
 * container, and any entry this table does not know. Entries ReaR commented out
 * (excluded from the recovery) do not count. (layout.c reads the same file for the
 * readiness check of --check: which programs recreating it needs.) */
#pragma once

#include <stddef.h>

#include "scratch.h"

/* text: the layout file; filesystems: /proc/filesystems. Appends to specs (count
 * of max used) the disks not named there already (an explicit --scratch-disk wins).
 * 0, or -EINVAL with "disklayout.conf line N: ENTRY: why" in error. Pure. */
int scratch_layout_disks(const char *text, const char *filesystems, struct scratch_spec *specs,
                         size_t *count, size_t max, char *error, size_t error_size);

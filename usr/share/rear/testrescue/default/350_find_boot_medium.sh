# 350_find_boot_medium.sh
#
# What the tested rescue system boots from, so that the check 'boot-files' can see that the
# kernel and initrd it names exist and the kernel fits the image's modules:
#   an ISO                     the ISO itself
#   a PXE output's initrd      the pxelinux (or GRUB) configuration that names it: ReaR writes
#                              it as ${PXE_CONFIG_PREFIX}HOSTNAME into PXE_CONFIG_PATH (by
#                              default the TFTP directory itself, often its pxelinux.cfg/)
#   a RAMDISK output's initrd  the initrd; its kernel is the one ReaR puts next to it
#                              (initramfs-SUFFIX.img goes with kernel-SUFFIX)
# A rescue tree has no boot medium. Sets TESTRESCUE_RUN_BOOT_MEDIUM (the helper's
# --boot-medium) and TESTRESCUE_RUN_TFTP_ROOT (its --tftp-root, for PXE).
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

TESTRESCUE_RUN_BOOT_MEDIUM=""
TESTRESCUE_RUN_TFTP_ROOT=""

if test "$TESTRESCUE_RUN_KIND" = "iso" ; then
    TESTRESCUE_RUN_BOOT_MEDIUM="$TESTRESCUE_RUN_INPUT"
    return 0
fi
test "$TESTRESCUE_RUN_KIND" = "initrd" || return 0

local initrd="$TESTRESCUE_RUN_INPUT" dir base config="" candidate newest_mtime=-1 mtime
dir="$( dirname "$initrd" )"
base="$( basename "$initrd" )"

# The configuration names the initrd by its base name (after a TFTP directory); the MAC and
# IP links (PXE_CREATE_LINKS) point at it and are skipped, as are files too big to be one.
for candidate in "$dir"/* "$dir"/pxelinux.cfg/* ${PXE_CONFIG_PATH:+"$PXE_CONFIG_PATH"/*} ; do
    test -f "$candidate" -a ! -L "$candidate" || continue
    test "$( stat -c %s "$candidate" )" -lt 262144 || continue
    grep -qsF -- "$base" "$candidate" || continue
    grep -qsE '^[[:space:]]*(kernel|linux)[[:space:]]' "$candidate" || continue
    mtime="$( testrescue_mtime "$candidate" )"
    if test "$mtime" -gt "$newest_mtime" ; then
        newest_mtime=$mtime
        config="$candidate"
    fi
done

case "$base" in
    (initramfs-*.img)
        TESTRESCUE_RUN_BOOT_MEDIUM="ramdisk:$initrd"
        LogPrint "$base is a RAMDISK output: its boot files are checked in $dir"
        ;;
    (*)
        if ! test "$config" ; then
            # PXE output (HOST.initrd.cgz) whose configuration is gone, or an initrd of
            # another kind: with a kernel next to it RAMDISK (RAMDISK_SUFFIX=""), else
            # where ReaR's PXE naming puts the configuration, so that its absence FAILs.
            if compgen -G "$dir/vmlinuz*" >/dev/null && ! compgen -G "$dir/*.kernel" >/dev/null ; then
                TESTRESCUE_RUN_BOOT_MEDIUM="ramdisk:$initrd"
                LogPrint "$base is a RAMDISK output: its boot files are checked in $dir"
                return 0
            fi
            config="${PXE_CONFIG_PATH:-$dir}/$PXE_CONFIG_PREFIX${base%%.initrd*}"
            LogPrint "No PXE configuration names $base; ReaR's naming has it at $config"
        fi
        # The names are relative to the TFTP root, below which ReaR writes into
        # OUTPUT_PREFIX_PXE (empty by default).
        TESTRESCUE_RUN_TFTP_ROOT="${dir%/"$OUTPUT_PREFIX_PXE"}"
        TESTRESCUE_RUN_BOOT_MEDIUM="pxe:$config"
        LogPrint "$base is a PXE output: its boot files are checked as $config names them (TFTP root $TESTRESCUE_RUN_TFTP_ROOT)"
        ;;
esac

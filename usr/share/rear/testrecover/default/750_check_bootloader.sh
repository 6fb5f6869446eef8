# 750_check_bootloader.sh
#
# Check 'bootloader': the boot loader the layout records (var/lib/rear/recovery/
# bootloader of the image) is on a scratch disk, its configuration names a kernel
# and an initrd that exist in the restored system, and every device of the
# restored /etc/fstab resolves to a recreated file system or swap area.
# GRUB and GRUB2 for BIOS are checked; other boot loaders only by their configuration.
# shellcheck disable=SC2168 # ReaR sources stage scripts inside a function: local is valid

local start bootloader entry loop found="" cfg kernel initrd spec file mountpoint fstype rest device ids=""
local -a problems=() notes=()
start="$( testrecover_now )"
bootloader="$( cat "$TESTRESCUE_RUN_ROOTFS/var/lib/rear/recovery/bootloader" 2>/dev/null )"
test "$bootloader" || bootloader="unknown"

if ! test "$TESTRECOVER_RUN_ARCHIVE" ; then
    # BACKUP=REQUESTRESTORE or external software: ReaR installs the boot loader from
    # the restored system, and nothing was restored here.
    testrecover_record bootloader skipped "$( testrecover_seconds_since "$start" )" "BACKUP=$TESTRECOVER_RUN_BACKUP: nothing was restored here, so ReaR had no restored system to install the boot loader $bootloader from"
    return 0
fi
if test "$TESTRECOVER_RUN_MOUNTED" != "yes" ; then
    testrecover_record bootloader FAIL "$( testrecover_seconds_since "$start" )" "no restored file system could be mounted"
    return 0
fi

case "$bootloader" in
    (GRUB|GRUB2)
        # GRUB's boot sector says "GRUB" (its error messages); core.img follows in the
        # gap after the MBR (or a BIOS boot partition on GPT):
        for entry in "${TESTRECOVER_RUN_LOOPS[@]}" ; do
            loop="${entry#*:}"
            if head -c 512 "$loop" | grep -aq GRUB ; then
                found="/dev/${entry%%:*}"
                break
            fi
        done
        test "$found" && notes+=( "GRUB in the boot sector of $found" ) || problems+=( "no GRUB boot sector on any scratch disk" )
        cfg="$TESTRECOVER_RUN_TARGET/boot/grub/grub.cfg"
        test -s "$cfg" || cfg="$TESTRECOVER_RUN_TARGET/boot/grub2/grub.cfg"
        ;;
    (*)
        notes+=( "boot loader $bootloader: only its configuration is checked" )
        cfg="$TESTRECOVER_RUN_TARGET/boot/grub/grub.cfg"
        ;;
esac

if test -s "$cfg" ; then
    # The first menu entry's kernel and initrd, relative to the file system of /boot:
    kernel="$( awk '$1 == "linux" || $1 == "linux16" { print $2 ; exit }' "$cfg" )"
    initrd="$( awk '$1 == "initrd" || $1 == "initrd16" { print $2 ; exit }' "$cfg" )"
    for file in "$kernel" "$initrd" ; do
        if ! test "$file" ; then
            problems+=( "${cfg#"$TESTRECOVER_RUN_TARGET"} names no kernel or initrd" )
        elif test -s "$TESTRECOVER_RUN_TARGET$file" -o -s "$TESTRECOVER_RUN_TARGET/boot$file" ; then
            notes+=( "${cfg#"$TESTRECOVER_RUN_TARGET"} boots $file" )
        else
            problems+=( "${cfg#"$TESTRECOVER_RUN_TARGET"} names $file, which the restored system lacks" )
        fi
    done
else
    problems+=( "the restored system has no boot loader configuration (/boot/grub/grub.cfg)" )
fi

if test -s "$TESTRECOVER_RUN_TARGET/etc/fstab" ; then
    # What the recreated devices are known by, as fstab names them (UUID=..., LABEL=...):
    for entry in "${TESTRECOVER_RUN_LOOPS[@]}" ; do
        for device in "${entry#*:}" "${entry#*:}"p* ; do
            test -b "$device" || continue
            ids+="$( blkid -p -o export "$device" 2>/dev/null | sed -n -e 's/^\(UUID\|LABEL\)=/&/p' \
                     -e 's/^PART_ENTRY_UUID=/PARTUUID=/p' -e 's/^PART_ENTRY_NAME=/PARTLABEL=/p' )"$'\n'
        done
    done
    while read -r spec mountpoint fstype rest ; do
        case "$spec" in
            (UUID=*|LABEL=*|PARTUUID=*|PARTLABEL=*)
                grep -qxF "${spec//\"/}" <<<"$ids" || problems+=( "/etc/fstab: $spec ($mountpoint) is no recreated file system" )
                ;;
            (/dev/*)
                testrecover_host_device "$spec" >/dev/null || problems+=( "/etc/fstab: $spec ($mountpoint) is no recreated device" )
                ;;
        esac
    done < <( grep -v '^[[:space:]]*#' "$TESTRECOVER_RUN_TARGET/etc/fstab" | grep -v '^[[:space:]]*$' )
    test ${#problems[@]} -eq 0 && notes+=( "/etc/fstab resolves to the recreated file systems" )
else
    problems+=( "the restored system has no /etc/fstab" )
fi

if test ${#problems[@]} -gt 0 ; then
    testrecover_record bootloader FAIL "$( testrecover_seconds_since "$start" )" "$( testrecover_join "${problems[@]:0:5}" )"
else
    testrecover_record bootloader ok "$( testrecover_seconds_since "$start" )" "$bootloader: $( testrecover_join "${notes[@]}" )"
fi

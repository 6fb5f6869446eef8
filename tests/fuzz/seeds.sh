#!/bin/bash
#
# tests/fuzz/seeds.sh TARGET DIR
#
# Put a seed corpus for the libFuzzer target TARGET into DIR: what the real ReaR images
# (tests/fixtures/build-rear-image.sh, cached in $IMAGE_CACHE, default
# /var/cache/rear-testrescue-tests/*/rootfs) and this machine hold for the parser it
# fuzzes, plus the target's regression inputs (tests/fuzz/regressions/TARGET/). Without the
# images a target starts from its regressions and this machine's files.
# A new target needs one line in the table below (or none: then only its regressions).

set -u -o pipefail
target="${1:?Usage: $0 TARGET DIR}"
dir="${2:?Usage: $0 TARGET DIR}"
here="$( cd "$( dirname "${BASH_SOURCE[0]}" )" && pwd )"
cache="${IMAGE_CACHE:-/var/cache/rear-testrescue-tests}"
mkdir -p "$dir"
roots=( / )
for r in "$cache"/*/rootfs ; do
    test -d "$r" && roots+=( "$r" )
done

# add FILE...: copy each regular file of at most 256 KiB in, named by its content
function add () {
    local f sum
    for f in "$@" ; do
        test -f "$f" -a ! -L "$f" || continue
        test "$( stat -c %s "$f" )" -le 262144 || continue
        sum="$( md5sum <"$f" )"
        cp "$f" "$dir/${sum%% *}"
    done
}

# add_head FILE...: the first 64 KiB of each (long lists: the start has every form)
function add_head () {
    local f sum
    for f in "$@" ; do
        test -f "$f" || continue
        sum="$( head -c 65536 "$f" | md5sum )"
        head -c 65536 "$f" >"$dir/${sum%% *}"
    done
}

# add_names NAME...: each name as an input of its own
function add_names () {
    local n sum
    for n in "$@" ; do
        sum="$( printf '%s' "$n" | md5sum )"
        printf '%s' "$n" >"$dir/${sum%% *}"
    done
}

for r in "${roots[@]}" ; do
    case "$target" in
        (inittab) add "$r/etc/inittab" ;;
        (unit_name)
            for unit in "$r"/etc/systemd/system/*.wants/* "$r"/usr/lib/systemd/system/*.wants/* ; do
                test -e "$unit" -o -L "$unit" && add_names "${unit##*/}"
            done ;;
        (layout) add "$r/var/lib/rear/layout/disklayout.conf" ;;
        (kmod) add_head "$r"/lib/modules/*/modules.dep "$r"/lib/modules/*/modules.builtin "$r/etc/modules" \
                   "$r"/etc/modules-load.d/*.conf ;;
        (unit_exec) mapfile -t files < <( ls "$r"/usr/lib/systemd/system/*.service 2>/dev/null | head -n 40 ) ; add "${files[@]}" ;;
    esac
done
# The loader's listing, as the libraries probe reads it: this machine's loader on a few of
# its own programs (what the image's loader prints has the same forms).
if test "$target" = ldlist ; then
    for prog in /bin/true /usr/bin/bash /usr/bin/tar /usr/bin/ssh ; do
        test -x "$prog" || continue
        while IFS= read -r line ; do add_names "$line" ; done < <( /lib64/ld-linux-x86-64.so.2 --list "$prog" 2>/dev/null )
    done
    add_names $'	libmissing.so.1 => not found' $'	statically linked'
fi
# The probes' records: two well-formed ones (struct record_header of helper/probes.c, then
# name, detail and excerpt), the second without an excerpt.
if test "$target" = probe_records ; then
    python3 -c 'import struct, sys
def rec(status, name, detail, excerpt):
    e = 0xffffffff if excerpt is None else len(excerpt)
    return struct.pack("=IidIII4x", 0x72747072, status, 1.5, len(name), len(detail), e) + name + detail + (excerpt or b"")
sys.stdout.buffer.write(rec(1, b"layout", b"line 3: bad", b"excerpt\n") + rec(0, b"rear", b"rear runs", None))' \
        >"$dir/two-records"
fi
# The boot configurations and the start of a kernel: the cached ISO's isolinux.cfg and
# kernel, the PXE output's pxelinux configuration (tests/fixtures/build-rear-output.sh).
if test "$target" = boot_config ; then
    add "$cache"/plain-pxe/tftp/pxelinux.cfg/rear-*
    if test -f "$cache/plain/rear.iso" ; then
        bsdtar -xOf "$cache/plain/rear.iso" isolinux/isolinux.cfg >"$dir/isolinux.cfg" 2>/dev/null
        bsdtar -xOf "$cache/plain/rear.iso" isolinux/kernel 2>/dev/null | head -c 65536 >"$dir/kernel-head"
    fi
    add_names $'menuentry x {\nlinux (tftp)/vm.kernel rw\ninitrd (tftp,192.0.2.1)/vm.initrd.cgz\n}\n' 'initramfs-vm.img'
fi
test -d "$here/regressions/$target" && cp "$here/regressions/$target"/* "$dir/" 2>/dev/null
# libFuzzer needs at least one input to start from:
test -n "$( ls -A "$dir" )" || printf '\n' >"$dir/empty"
exit 0

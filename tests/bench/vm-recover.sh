#!/bin/bash
#
# tests/bench/vm-recover.sh [FIXTURE]
#
# The anchor of 'rear testrecover' (issue 12, point 8): the recovery fixture's ISO and backup
# (tests/fixtures/build-recovery-fixture.sh, FIXTURE default $BENCH_IMAGE_CACHE/recovery)
# recovered in a VM the way ReaR's integration tests do it, timed per phase:
#   prepare          the ISO's isolinux/kernel and isolinux/initrd.cgz extracted (xorriso), the
#                    appended initrd of this script, the backup disk, a fresh sparse target disk
#                    of the layout's size
#   rescue_ready     qemu started -> ReaR's "Relax-and-Recover rescue system is ready"
#   recover          "Launching 'rear recover' automatically in unattended mode" -> "'rear
#                    recover' finished successfully" or "... failed" (vm.recover_exit), and
#                    inside it, from the serial log: "Disk layout created.", restore =
#                    "Restoring from" to "Restored N MiB in N seconds", "Updated initramfs",
#                    "Installing GRUB2 boot loader", ReaR's "Finished 'recover'"
#   reboot           ReaR's unattended mode waits 30 s, then reboots: until qemu (-no-reboot)
#                    exits, or powered off when the image's reboot fails; after a non-zero
#                    exit of 'rear recover' (ReaR 2.7 with file://, below) ReaR does not
#                    reboot: powered off 35 s after it
#   restored_login   a second qemu boots the target disk alone (BIOS, its GRUB) -> "login:"
# then vm.total_s (prepare to the restored system's login prompt).
#
# The VM: qemu-system-x86_64 -accel kvm where /dev/kvm really runs a guest (probed: the ISO's
# kernel must reach its panic within 15 s), else -accel tcg; -smp BENCH_VM_SMP (2), -m
# BENCH_VM_MEMORY MiB (2048), no network, serial console to a file (polled every 0.5 s).
# Disks: the target as virtio /dev/vda (the layout records "disk /dev/vda"), the backup as a
# read-only virtio /dev/vdb, the ISO as an IDE cdrom.
#
# Why the kernel and initrd are booted directly (-kernel/-initrd/-append) and not through the
# ISO's isolinux: the ISO's default entry boots the local disk, and 'unattended' must be added
# to the "Recover" entry's line, i.e. keys typed into a menu at the right moment; the command
# line here is that entry's own append line plus 'unattended'. The ISO's isolinux stage (13-15 s
# of reading the initrd under TCG, booting-in-namespaces.md) is left out: the anchor is, if
# anything, faster than a VM that boots the ISO.
#
# Why an appended initrd (a second gzip cpio after initrd.cgz: the kernel unpacks both; the
# image's own files are unchanged): one file, /etc/scripts/system-setup.d/43-vm-anchor-disks.sh,
# sourced by the image's system-setup before it runs 'rear recover'. It
#   - loads virtio_pci, virtio_blk and ext4: the fixture's rescue image has no udevd (ReaR copies
#     systemd's tools only when a process named systemd runs where it builds, and the fixture's
#     mkbackup runs in a container whose PID 1 is a shell) and records no storage drivers (the
#     kernel it ran on loads no modules), so nothing else would load them in a VM; an image made
#     on a real Debian 12 machine gets them from udev;
#   - mounts the backup disk read-only where the image's BACKUP_URL=file://PATH says, which
#     is what 'rear testrecover' does with a read-only bind. ReaR's integration tests put the
#     backup into the ISO instead (BACKUP_URL=iso:///backup); that needs another image
#     configuration, and the point here is the same ISO and the same backup.
#
# Prints key=value lines (vm.*); progress and, on a failure, the end of the serial log on
# stderr. BENCH_VM_TIMEOUT (2400 s) bounds the whole run. Every qemu is ended by its PID and
# every file goes (the serial logs stay in the scratch dir with BENCH_KEEP=1).

set -e -u -o pipefail
source "$( dirname "${BASH_SOURCE[0]}" )/lib.bash"

fixture="${1:-$BENCH_IMAGE_CACHE/recovery}"
budget="${BENCH_VM_TIMEOUT:-2400}"
memory="${BENCH_VM_MEMORY:-2048}"
smp="${BENCH_VM_SMP:-2}"
backup_label=RT-VM-BACKUP

bench_require
for tool in qemu-system-x86_64:qemu-system-x86 xorriso:xorriso cpio:cpio mkfs.ext4:e2fsprogs ; do
    type -P "${tool%%:*}" >/dev/null || bench_die "${tool%%:*} is missing (apt-get install ${tool#*:})"
done
bench_scratch
work="$BENCH_SCRATCH/vm"
mkdir -p "$work"
qemu_pid=""
qemu_pids=()
function cleanup () {
    stop_qemu
    rm -f "$work"/*.img "$work/kernel" "$work"/initrd* "$work/hook.cpio.gz"
    rm -rf "$work/hook"
    test "${BENCH_KEEP:-}" = 1 || rm -rf "$work"
    bench_cleanup
}
trap cleanup EXIT

# stop_qemu: SIGTERM to our qemu (its PID), SIGKILL after 10 s
function stop_qemu () {
    test "$qemu_pid" || return 0
    if kill -0 "$qemu_pid" 2>/dev/null ; then
        kill -TERM "$qemu_pid" 2>/dev/null || true
        for _ in $( seq 100 ) ; do
            kill -0 "$qemu_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$qemu_pid" 2>/dev/null || true
    fi
    wait "$qemu_pid" 2>/dev/null || true
    qemu_pid=""
}

function now () {
    echo "$EPOCHREALTIME"
}

# since T0 [T1]: seconds from T0 to T1 (default now), 1 decimal
function since () {
    awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN { printf "%.1f", b - a }'
}

started="$( now )"
deadline=$(( ${started%.*} + budget ))
echo "vm.load_start=$( cut -d ' ' -f 1-3 /proc/loadavg )"
result=ok
failed_at=""

# fail PHASE REASON LOG: note the failure, show the end of the serial log
function fail () {
    result="$2"
    failed_at="$1"
    bench_say "VM recovery: $1: $2; the end of the serial log $3:"
    tail -n 25 "$3" 2>/dev/null | tr -d '\r' | sed 's/^/    /' >&2 || true
}

# ------------------------------------------------------------------ the fixture
# Built only when missing: the builder's stamp holds the sha256 of the script, so a work tree
# whose copy differs would rebuild a cache that others use.
if ! test -s "$fixture/stamp" ; then
    "$BENCH_WORK_TREE/tests/fixtures/build-recovery-fixture.sh" "$fixture" >/dev/null ||
        bench_die "cannot build the recovery fixture in $fixture"
fi
isos=( "$fixture"/*.iso )
iso="${isos[0]}"
layout="$fixture/rootfs/var/lib/rear/layout/disklayout.conf"
test ${#isos[@]} = 1 -a -s "$iso" -a -s "$layout" || bench_die "no single ISO or no disklayout.conf in $fixture"
# The layout's one disk: name and size (the fixture has one; more would need more disks here)
read -r disk_dev disk_bytes < <( awk '$1 == "disk" { print $2, $3 }' "$layout" )
test "$( grep -c '^disk ' "$layout" )" = 1 -a "$disk_dev" = /dev/vda ||
    bench_die "the anchor recovers one disk /dev/vda; $layout has: $( grep '^disk ' "$layout" | paste -sd ';' )"
backup_path="$( sed -n 's|^BACKUP_URL=["'\'']*file://\([^"'\'']*\).*|\1|p' "$fixture/rootfs/etc/rear/local.conf" | tail -n 1 )"
test "$backup_path" -a -d "$fixture/backup" || bench_die "the image's BACKUP_URL is not file:// (or $fixture/backup is missing)"

# ------------------------------------------------------------------ KVM or TCG
# kvm_probe KERNEL: "usable" when KVM runs the kernel to its panic (no root) within 15 s
# (TCG takes about 5 s here), else why not
function kvm_probe () {
    local log="$work/kvm-probe.log" pid
    test -c /dev/kvm || { echo "no /dev/kvm" ; return ; }
    test -r /dev/kvm -a -w /dev/kvm || { echo "/dev/kvm not accessible" ; return ; }
    qemu-system-x86_64 -accel kvm -m 256 -display none -monitor none -serial "file:$log" -no-reboot \
        -kernel "$1" -append "console=ttyS0 panic=-1" </dev/null >"$work/kvm-probe.out" 2>&1 &
    pid=$!
    qemu_pid=$pid
    qemu_pids+=( "$pid" )
    for _ in $( seq 150 ) ; do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    stop_qemu
    if grep -q 'Kernel panic' "$log" 2>/dev/null ; then
        echo usable
    elif grep -q -m 1 'error' "$work/kvm-probe.out" ; then
        echo "qemu: $( grep -m 1 'error' "$work/kvm-probe.out" | sed 's/^qemu-system-x86_64: //' )"
    else
        echo "no kernel output within 15 s"
    fi
}

# ------------------------------------------------------------------ prepare
bench_say "VM recovery of $iso: preparing the kernel, initrd, backup disk and target disk"
xorriso -osirrox on -indev "$iso" -extract /isolinux/kernel "$work/kernel" \
    -extract /isolinux/initrd.cgz "$work/initrd.cgz" -extract /isolinux/isolinux.cfg "$work/isolinux.cfg" \
    >"$work/xorriso.out" 2>&1 || { cat "$work/xorriso.out" >&2 ; bench_die "cannot extract the kernel and initrd from $iso" ; }
# The "Recover" entry (label rear) of the ISO's menu: its append line without initrd=
append="$( awk '$1 == "label" { l = $2 } l == "rear" && $1 == "append" { $1 = "" ; print ; exit }' "$work/isolinux.cfg" |
    sed 's/initrd=[^ ]*//; s/  */ /g; s/^ //; s/ $//' )"
test "$append" || bench_die "no 'label rear' entry with an append line in the ISO's isolinux.cfg"
case " $append " in
    (*" auto_recover "*|*" automatic "*|*" unattended "*) bench_die "the Recover entry already says: $append" ;;
esac

mkdir -p "$work/hook/etc/scripts/system-setup.d"
cat >"$work/hook/etc/scripts/system-setup.d/43-vm-anchor-disks.sh" <<HOOK
# Added by rear-testrescue's tests/bench/vm-recover.sh in an appended initrd (not part of the
# image): the virtio drivers that this image's missing udevd would load, and the backup disk
# mounted read-only where BACKUP_URL=file://$backup_path says.
echo "vm-anchor: modprobe virtio_pci virtio_blk ext4"
modprobe virtio_pci ; modprobe virtio_blk ; modprobe ext4
for vm_anchor_i in \$( seq 40 ) ; do
    test -b /dev/vda -a -b /dev/vdb && break
    sleep 0.25
done
for vm_anchor_dev in /dev/vd? ; do
    test "\$( blkid -o value -s LABEL \$vm_anchor_dev )" = $backup_label || continue
    mkdir -p $backup_path
    mount -o ro \$vm_anchor_dev $backup_path && echo "vm-anchor: backup disk \$vm_anchor_dev mounted read-only at $backup_path"
done
mountpoint -q $backup_path || echo "vm-anchor: no backup disk labelled $backup_label (disks: \$( echo /dev/vd* ))"
HOOK
( cd "$work/hook" && find etc/scripts/system-setup.d -type f | cpio -o -H newc -R 0:0 --quiet ) | gzip -9 >"$work/hook.cpio.gz"
cat "$work/initrd.cgz" "$work/hook.cpio.gz" >"$work/initrd.vm"

backup_mb=$(( $( du -sm "$fixture/backup" | cut -f 1 ) * 12 / 10 + 64 ))
mkfs.ext4 -q -F -L "$backup_label" -E root_owner=0:0 -d "$fixture/backup" "$work/backup.img" "${backup_mb}M" >/dev/null ||
    bench_die "cannot make the backup disk from $fixture/backup"
truncate -s "$disk_bytes" "$work/target.img"
prepared="$( now )"
echo "vm.prepare_s=$( since "$started" "$prepared" )"

kvm="$( kvm_probe "$work/kernel" )"
if test "$kvm" = usable ; then
    accel=( -accel kvm )
    echo "vm.accel=kvm"
else
    accel=( -accel tcg )
    echo "vm.accel=tcg"
fi
echo "vm.kvm=$kvm"
echo "vm.smp=$smp"
echo "vm.memory_mb=$memory"
echo "vm.cmdline=$append unattended"
probed="$( now )"
echo "vm.kvm_probe_s=$( since "$prepared" "$probed" )"

# start_qemu LOG ARGS...: qemu in the background, its serial console into LOG
function start_qemu () {
    local log="$1"
    shift
    : >"$log"
    qemu-system-x86_64 "${accel[@]}" -smp "$smp" -m "$memory" -nographic -monitor none \
        -serial "file:$log" -nic none -no-reboot "$@" </dev/null >"$log.qemu" 2>&1 &
    qemu_pid=$!
    qemu_pids+=( "$qemu_pid" )
}

# watch LOG LIMIT MARKER...: poll LOG every 0.5 s until the last MARKER appears, qemu
# exits or LIMIT (epoch seconds) passes; sets seen[MARKER]=time, returns 0 when the last
# marker appeared, 1 on qemu's exit, 2 on the limit. A marker "!TEXT" ends the watch at once
# (returns 3); "~REGEX" is an extended regular expression (systemd colours unit names).
declare -A seen
function watch () {
    local log="$1" limit="$2" m t
    shift 2
    while true ; do
        t="$( now )"
        for m in "$@" ; do
            test "${seen[$m]:-}" && continue
            if test "${m:0:1}" = "~" ; then
                grep -aqE -- "${m#\~}" "$log" || continue
            else
                grep -aqF -- "${m#!}" "$log" || continue
            fi
            seen[$m]="$t"
            test "${m:0:1}" = "!" && return 3
        done
        test "${seen[${!#}]:-}" && return 0
        kill -0 "$qemu_pid" 2>/dev/null || return 1
        test "${t%.*}" -lt "$limit" || return 2
        sleep 0.5
    done
}

# wait_exit LIMIT: until our qemu exits (0) or LIMIT (epoch seconds) passes (1)
function wait_exit () {
    while kill -0 "$qemu_pid" 2>/dev/null ; do
        test "${EPOCHSECONDS}" -lt "$1" || return 1
        sleep 0.5
    done
}

# ------------------------------------------------------------------ rescue boot and recover
ready_line="Relax-and-Recover rescue system is ready"
launch_line="Launching 'rear recover' automatically in unattended mode"
layout_line="Disk layout created."
restore_line="Restoring from '"
restored_line=" MiB in "
initramfs_line="Updated initramfs"
grub_line="Installing GRUB2 boot loader"
finished_line="Finished 'recover'"
success_line="'rear recover' finished successfully"
failure_line="'rear recover' failed"
reboot_failed_line="~Failed to start .{0,16}reboot\.service"
log1="$work/serial-rescue.log"
bench_say "VM recovery: booting the rescue system (qemu ${accel[*]}, $smp vCPUs, $memory MiB; 'unattended')"
t_boot="$( now )"
start_qemu "$log1" -kernel "$work/kernel" -initrd "$work/initrd.vm" -append "$append unattended" \
    -drive "file=$work/target.img,format=raw,if=none,id=target" -device virtio-blk-pci,drive=target,addr=0x8 \
    -drive "file=$work/backup.img,format=raw,if=none,id=backup,readonly=on" -device virtio-blk-pci,drive=backup,addr=0x9 \
    -drive "file=$iso,media=cdrom,readonly=on"
rc=0
watch "$log1" $(( ${t_boot%.*} + 1200 < deadline ? ${t_boot%.*} + 1200 : deadline )) "!$failure_line" "$ready_line" "$launch_line" || rc=$?
if test "$rc" = 0 ; then
    echo "vm.rescue_ready_s=$( since "$t_boot" "${seen[$ready_line]}" )"
    bench_say "VM recovery: rescue system ready after $( since "$t_boot" "${seen[$ready_line]}" ) s; 'rear recover' runs"
    watch "$log1" "$deadline" "!$failure_line" "$layout_line" "$restore_line" "$restored_line" \
        "$initramfs_line" "$grub_line" "$finished_line" "$success_line" || rc=$?
fi
# 'rear recover' of ReaR 2.7 with a file:// BACKUP_URL ends with a BugError at its exit tasks
# ("Directory .../outputfs not empty, cannot remove": restore/NETFS/default/400_restore_backup.sh
# makes outputfs/$NETFS_PREFIX; rear/rear#2809, removed upstream by rear/rear#3105) after its
# workflow finished: the recovery is done, its exit status is not 0.
rear_exit=0
if test "$rc" = 3 -a "${seen[$finished_line]:-}" ; then
    rear_exit="failed: $( tr -d '\r' <"$log1" | grep -a -m 1 -A 1 -E '^(ERROR: .+|BUG in )' | paste -sd ' ' )"
    rc=0
fi
echo "vm.recover_exit=$rear_exit"
case "$rc" in
    (0) t_rec="${seen[$launch_line]}"
        if test "$rear_exit" = 0 ; then t_exit="${seen[$success_line]}" ; else t_exit="${seen[!$failure_line]}" ; fi
        echo "vm.recover_s=$( since "$t_rec" "$t_exit" )"
        for k in layout:"$layout_line" restore:"$restored_line" initramfs:"$initramfs_line" bootloader:"$grub_line" finished:"$finished_line" ; do
            test "${seen[${k#*:}]:-}" || continue
            echo "vm.recover.${k%%:*}_at_s=$( since "$t_rec" "${seen[${k#*:}]}" )"
        done
        test "${seen[$restore_line]:-}" -a "${seen[$restored_line]:-}" &&
            echo "vm.recover.restore_s=$( since "${seen[$restore_line]}" "${seen[$restored_line]}" )"
        grep -a -m 1 -o 'Restored [0-9]* MiB in [0-9]* seconds[^]]*]' "$log1" | sed 's/^/vm.recover.restore_line=/' || true
        # ReaR's questions, each answered by its default when its timeout ran out
        echo "vm.recover.questions=$( grep -a -c "^(default '.*' timeout [0-9]* seconds)" "$log1" || true )"
        echo "vm.recover.question_timeouts_s=$( grep -a -o "^(default '.*' timeout [0-9]* seconds)" "$log1" |
            awk '{ s += $(NF - 1) } END { print s + 0 }' )"
        ;;
    (1|2) phase="rescue boot" ; test "${seen[$ready_line]:-}" && phase=recover
        fail "$phase" "$( test "$rc" = 1 && echo "qemu exited" || echo timeout )" "$log1" ;;
    (3) fail "recover" "rear recover failed: $( tr -d '\r' <"$log1" | grep -a -m 1 -A 1 -E '^(ERROR: .+|BUG in )' | paste -sd ' ' )" "$log1" ;;
esac

# ------------------------------------------------------------------ ReaR's reboot
if test "$result" = ok -a "$rear_exit" = 0 ; then
    bench_say "VM recovery: 'rear recover' finished after $( since "$t_rec" "$t_exit" ) s; ReaR waits 30 s and reboots"
    # The fixture's image has no /bin/systemctl, which its reboot.service runs: systemd then
    # stops every unit (the target's file systems are unmounted) but does not reboot. Then the
    # VM is powered off, as an admin at its console would.
    rc=0
    watch "$log1" $(( ${t_exit%.*} + 150 )) "$reboot_failed_line" || rc=$?
    case "$rc" in
        (1) echo "vm.reboot=ok" ;;
        (0) echo "vm.reboot=failed: reboot.service runs /bin/systemctl, which the image lacks; powered off"
            sleep 5 ;;
        (*) echo "vm.reboot=none within 150 s; powered off" ;;
    esac
    echo "vm.reboot_s=$( since "$t_exit" )"
elif test "$result" = ok ; then
    # After a failed 'rear recover' ReaR's unattended mode shows a menu and does not reboot;
    # the target stays mounted. Powered off when the guest has written back its dirty data
    # (older than 30 s: the kernel's dirty_expire), as long after as ReaR's own wait.
    bench_say "VM recovery: 'rear recover' ended after $( since "$t_rec" "$t_exit" ) s, its exit status not 0 ($rear_exit); powering off after 35 s"
    sleep "$( awk -v t="$t_exit" -v n="$EPOCHREALTIME" 'BEGIN { w = t + 35 - n; print (w > 0 ? w : 0) }' )"
    echo "vm.reboot=none: rear recover exited non-zero, ReaR does not reboot then; powered off 35 s after"
    echo "vm.reboot_s=$( since "$t_exit" )"
fi
stop_qemu

# ------------------------------------------------------------------ the restored disk boots
if test "$result" = ok ; then
    log2="$work/serial-restored.log"
    bench_say "VM recovery: booting the restored disk"
    t_boot2="$( now )"
    start_qemu "$log2" -drive "file=$work/target.img,format=raw,if=virtio" -boot c
    rc=0
    limit=$(( ${t_boot2%.*} + 900 < deadline ? ${t_boot2%.*} + 900 : deadline ))
    watch "$log2" "$limit" "login:" || rc=$?
    if test "$rc" = 0 ; then
        echo "vm.restored_login_s=$( since "$t_boot2" "${seen[login:]}" )"
        grep -a -m 1 -o '[^ ]* login:' "$log2" | tr -d '\r' | sed 's/^/vm.restored_prompt=/' || true
        # prepare and the VM's phases, without the KVM probe
        echo "vm.total_s=$( awk -v a="$( since "$probed" "${seen[login:]}" )" -v p="$( since "$started" "$prepared" )" 'BEGIN { printf "%.1f", a + p }' )"
    else
        fail "restored boot" "$( test "$rc" = 1 && echo "qemu exited" || echo "no login: within $(( limit - ${t_boot2%.*} )) s" )" "$log2"
    fi
    stop_qemu
fi

left=0
for pid in "${qemu_pids[@]}" ; do
    kill -0 "$pid" 2>/dev/null && left=$(( left + 1 ))
done
echo "vm.qemu_left=$left"
echo "vm.result=$result"
test -z "$failed_at" || echo "vm.failed_at=$failed_at"
echo "vm.seconds=$( since "$started" )"
echo "vm.load_end=$( cut -d ' ' -f 1-3 /proc/loadavg )"
test "$result" = ok

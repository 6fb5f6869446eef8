#!/bin/bash
#
# tests/bench/table.sh RESULTS [UNPACK_OUTPUT]
#
# The Markdown tables of 'make bench' from the key=value lines that overhead.sh, boot.sh
# and verdict.sh printed (RESULTS; run-bench adds meta.* lines) and the output of
# unpack.sh (UNPACK_OUTPUT). Prints them on stdout.
#
# The main table: per image, boot to the first prompt and --check start to verdict with
# rescue-spawn's default (idle sleeps of the image skipped: boot.IMAGE.rs.*, verdict.IMAGE.*)
# and with --real-sleeps (boot.IMAGE.rs_real.*, verdict.IMAGE.real.*), the image's sleeps
# before its first prompt (asked for / really taken), the verdict minus the time they took;
# the helper's overhead, peak RSS and CPU time, the ISO unpack, the recovery fixture recovered in
# a VM (vm.*). The 2 s and 3 s targets are for the default on the systemd image. Then the details
# of the systemd-nspawn runs.

set -u -o pipefail
source "$( dirname "${BASH_SOURCE[0]}" )/lib.bash"

results="${1:?Usage: $0 RESULTS [UNPACK_OUTPUT]}"
unpack_out="${2:-/nonexistent}"

function v () {
    sed -n "s/^$1=//p" "$results" | tail -n 1
}

# awk-formatted number or "—": num VALUE FORMAT [FACTOR]
function num () {
    awk -v x="$1" -v f="$2" -v k="${3:-1}" 'BEGIN { if (x == "") print "—"; else printf f, x * k }'
}

function s () { num "$1" "%.2f s" ; }
function ms_from_us () { num "$1" "%.1f ms" 0.001 ; }
function ms_from_s () { num "$1" "%.1f ms" 1000 ; }
function mb_from_kb () { num "$1" "%.2f MB" 0.0009765625 ; }

# ratio A B: A/B
function ratio () {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "—"; else printf "%.2f×", a / b }'
}

# target VALUE LIMIT TEXT: "TEXT — met" / "TEXT — missed"
function target () {
    awk -v x="$1" -v l="$2" -v t="$3" 'BEGIN { if (x == "") print t; else if (x + 0 <= l + 0) print t " — met"; else print t " — missed" }'
}

# target_min VALUE LIMIT TEXT: "TEXT — met" when VALUE >= LIMIT
function target_min () {
    awk -v x="$1" -v l="$2" -v t="$3" 'BEGIN { if (x == "") print t; else if (x + 0 >= l + 0) print t " — met"; else print t " — missed" }'
}

function runs_text () {
    test "$1" = 1 && echo "1 run" || echo "${1:-0} runs"
}

# or_dash VALUE
function or_dash () {
    test "$1" && echo "$1" || echo "—"
}

window_text="$( num "$( v boot.systemd.ns.window_s )" "%.0f s" )"

function nspawn_prompt_cell () {
    local i="$1" n
    test "$( v "boot.$i.runs" )" || { echo "—" ; return ; }
    n="$( v "boot.$i.ns.prompts" )"
    if test "${n:-0}" != 0 ; then
        echo "$( s "$( v "boot.$i.ns.login_s.median" )" ) ($n of $( runs_text "$( v "boot.$i.runs" )" ))"
    else
        echo "none in $( num "$( v "boot.$i.ns.window_s" )" "%.0f s" ): agetty died $( v "boot.$i.ns.getty_deaths.median" ) times, $( v "boot.$i.ns.getty_limit_hits.median" )× start limit hit; $( v "boot.$i.ns.getty_failures.median" ) getty failure lines"
    fi
}

function ready_cell () {
    local i="$1" n r
    r="$( v "boot.$i.runs" )"
    test "$r" || { echo "—" ; return ; }
    n="$( v "boot.$i.ns.ready_runs" )"
    if test "${n:-0}" = 0 ; then
        echo "never in $( num "$( v "boot.$i.ns.window_s" )" "%.0f s" )"
    else
        echo "$( s "$( v "boot.$i.ns.ready_s.median" )" ) ($n of $( runs_text "$r" ))"
    fi
}

# verdict_cell IMAGE [.real]: the median start to verdict, the verdicts, failed checks (and
# for .real how many times the default's verdict time it is)
function verdict_cell () {
    local i="$1" k="${2:-}" failed extra=""
    test "$( v "verdict.$i.runs" )" || { echo "—" ; return ; }
    failed="$( v "verdict.$i$k.failed" | tr ' ' '\n' | grep -v '^-$' | sort -u | paste -sd , )"
    test "$k" && extra="$( times_default "$( v "verdict.$i$k.total_seconds.median" )" "$( v "verdict.$i.total_seconds.median" )" )"
    echo "$( s "$( v "verdict.$i$k.total_seconds.median" )" ) ($( v "verdict.$i$k.verdicts" )${failed:+; failed: $failed}$extra)"
}

# sleeps_cell IMAGE [.real]: the image's sleeps asked / taken; ready line; first prompt; power off
function sleeps_cell () {
    local p="verdict.$1${2:-}"
    echo "$( s "$( v "$p.image_wait_seconds.median" )" ) / $( s "$( v "$p.image_wait_taken_seconds.median" )" ); $( s "$( v "$p.ready_seconds.median" )" ); $( s "$( v "$p.first_prompt_seconds.median" )" ); $( s "$( v "$p.shutdown_seconds.median" )" )"
}

# times A B: "N× the default" (A/B), or nothing
function times_default () {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b + 0 != 0) printf "; %.2f× the default", a / b }'
}

# maxof A B: the larger (an empty one does not count)
function maxof () {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "") print b; else if (b == "" || a + 0 >= b + 0) print a; else print b }'
}

# boot_rs_cell IMAGE rs|rs_real: the median boot to prompt, how many runs got one
function boot_rs_cell () {
    local i="$1" k="$2" extra=""
    test "$k" = rs_real && extra="$( times_default "$( v "boot.$i.rs_real.prompt_s.median" )" "$( v "boot.$i.rs.prompt_s.median" )" )"
    echo "$( s "$( v "boot.$i.$k.prompt_s.median" )" ) (prompt in $( or_dash "$( v "boot.$i.$k.prompts" )" ) of $( runs_text "$( v "boot.$i.runs" )" )$extra)"
}

unpack_rc="$( v meta.unpack_rc )"
unpack_line="$( grep '^median of' "$unpack_out" 2>/dev/null | tail -n 1 )"
unpack_iso_line="$( grep '^ISO: ' "$unpack_out" 2>/dev/null | tail -n 1 )"
u_ours="$( sed -n 's/.*rear-testrescue unpack \([0-9.]*\) s.*/\1/p' <<<"$unpack_line" )"
u_extract="$( sed -n 's/.*plain extract \([0-9.]*\) s.*/\1/p' <<<"$unpack_line" )"
u_stream="$( sed -n 's/.*plain stream \([0-9.]*\) s.*/\1/p' <<<"$unpack_line" )"
u_rear="$( sed -n 's/.*end to end (stand-in helper) \([0-9.]*\) s.*/\1/p' <<<"$unpack_line" )"
u_runs="$( sed -n 's/^median of \([0-9]*\) runs.*/\1/p' <<<"$unpack_line" )"
u_plain="$( printf '%s\n' $u_extract $u_stream | sort -n | head -n 1 )"

{
echo "| Measurement (median of the runs) | rescue-spawn | systemd-nspawn / plain pipeline | ratio | target |"
echo "| --- | --- | --- | --- | --- |"
# (run-bench testrecover: only the rehearsal and its anchor)
if test "$( v meta.parts )" != testrecover ; then
    for i in systemd plain ; do
        t="" ; test "$i" = systemd && t="$( target "$( v "boot.$i.rs.prompt_s.median" )" 2 "≤ 2 s" )"
        echo "| Boot to first \`login:\` on tty1, $i image, default: idle sleeps skipped ($( runs_text "$( v "boot.$i.runs" )" )) | $( boot_rs_cell "$i" rs ) | $( nspawn_prompt_cell "$i" ) | — | $t |"
        echo "| Boot to first \`login:\` on tty1, $i image, \`--real-sleeps\` | $( boot_rs_cell "$i" rs_real ) | (the nspawn runs above) | — | |"
    done
    for i in systemd plain ; do
        r1="$( ratio "$( v "boot.$i.ns.ready_s.median" )" "$( v "boot.$i.rs.ready_s.median" )" )"
        r2="$( ratio "$( v "boot.$i.ns.ready_s.median" )" "$( v "boot.$i.rs_real.ready_s.median" )" )"
        test "$r1$r2" = "——" && r1="—" || r1="$r1 / $r2"
        echo "| ReaR's ready line on the console, $i image, default / \`--real-sleeps\` (boot runs) | $( s "$( v "boot.$i.rs.ready_s.median" )" ) / $( s "$( v "boot.$i.rs_real.ready_s.median" )" ) | $( ready_cell "$i" ) | $r1 | |"
    done
    for i in systemd plain ; do
        for k in "" .real ; do
            t="" ; t2=""
            if test "$k" ; then
                what="\`--real-sleeps\`"
                anchor=""
            else
                what="default: idle sleeps skipped"
                anchor="no verdict; ready line: $( ready_cell "$i" )"
                test "$i" = systemd && t="$( target "$( v "verdict.$i.total_seconds.median" )" 3 "≤ 3 s" )" && t2="$( target "$( v "verdict.$i.net_seconds.median" )" 3 "≤ 3 s" )"
            fi
            echo "| \`--check\` start to verdict, $i image, $what ($( runs_text "$( v "verdict.$i.runs" )" )) | $( verdict_cell "$i" "$k" ) | $anchor | — | $t |"
            echo "| … the image's sleeps before its first prompt, asked / taken; ready line at; first prompt at; power off took | $( sleeps_cell "$i" "$k" ) | | | |"
            echo "| … verdict minus the time the image's sleeps took, $i image, $what | $( s "$( v "verdict.$i$k.net_seconds.median" )" ) | | | $t2 |"
        done
    done
    for i in systemd plain ; do
        test "$( v "anchor.$i.ratio" )" || continue
        echo "| \`--check\` start to verdict, $i image, this build ($( v "anchor.$i.checks.this" ) checks) against 0.2.1 ($( v "anchor.$i.checks.anchor" ) checks), alternating runs ($( runs_text "$( v "anchor.$i.this.seconds" | wc -w )" ) each) | $( s "$( v "anchor.$i.this.median" )" ) ($( v "anchor.$i.this.verdicts" )) | $( s "$( v "anchor.$i.anchor.median" )" ) (0.2.1: $( v "anchor.$i.anchor.verdicts" )) | $( v "anchor.$i.ratio" )× | $( target "$( v "anchor.$i.ratio" )" 1.10 "≤ 1.10×" ) |"
    done
    echo "| exec-to-init overhead of the helper: its main() to init's exec (busybox fixture, $( runs_text "$( v overhead.runs )" ); min–max) | $( ms_from_us "$( v overhead.main_us.median )" ) ($( ms_from_us "$( v overhead.main_us.min )" )–$( ms_from_us "$( v overhead.main_us.max )" )) | | | $( target "$( num "$( v overhead.main_us.median )" "%.3f" 0.001 | tr -d '—' )" 10 "≤ 10 ms" ) |"
    echo "| … counted from the helper's exec: the kernel's exec and the dynamic loading of seven libraries included (min–max) | $( ms_from_us "$( v overhead.exec_us.median )" ) ($( ms_from_us "$( v overhead.exec_us.min )" )–$( ms_from_us "$( v overhead.exec_us.max )" )) | | | $( target "$( num "$( v overhead.exec_us.median )" "%.3f" 0.001 | tr -d '—' )" 10 "≤ 10 ms" ) |"
    echo "| exec-to-init overhead on the real images, from main() / from exec (systemd; plain; default boot runs) | $( ms_from_us "$( v boot.systemd.rs.main_us.median )" ) / $( ms_from_us "$( v boot.systemd.rs.exec_us.median )" ); $( ms_from_us "$( v boot.plain.rs.main_us.median )" ) / $( ms_from_us "$( v boot.plain.rs.exec_us.median )" ) | | | |"
    echo "| Wall time of a whole run of \`-- /bin/true\` on the busybox fixture (fork + exec of a bare /bin/true: $( ms_from_s "$( v overhead.true_s.median )" )) | $( ms_from_s "$( v overhead.wall_s.median )" ) | $( ms_from_s "$( v overhead.nspawn_wall_s.median )" ) (\`-D FIXTURE /bin/true\`, $( runs_text "$( v overhead.nspawn_runs )" )) | $( ratio "$( v overhead.nspawn_wall_s.median )" "$( v overhead.wall_s.median )" ) | |"
    echo "| Setting up scratch disks: one 1 GiB disk / four (1 GiB, 1 GiB, 256 GiB, 2 TiB) ($( runs_text "$( v scratch.setup_runs )" )) | $( ms_from_us "$( v scratch.setup_one_us.median )" ) / $( ms_from_us "$( v scratch.setup_four_us.median )" ) | | | $( target "$( num "$( v scratch.setup_one_us.median )" "%.3f" 0.001 | tr -d '—' )" 50 "≤ 50 ms a disk" ) |"
    scratch_extra="$( awk -v c="$( v scratch.container_mount_us.median )" -v h="$( v scratch.host_mount_us.median )" 'BEGIN { if (c != "" && h != "") printf "%.3f", (c - h) / 1000 }' )"
    echo "| mount(2) of an ext4 made for the container (seccomp, checks, worker, fsmount, move_mount) / by root on the host (min–max, $( runs_text "$( v scratch.container_mount_us.runs )" )) | $( ms_from_us "$( v scratch.container_mount_us.median )" ) ($( ms_from_us "$( v scratch.container_mount_us.min )" )–$( ms_from_us "$( v scratch.container_mount_us.max )" )) | $( ms_from_us "$( v scratch.host_mount_us.median )" ) ($( ms_from_us "$( v scratch.host_mount_us.min )" )–$( ms_from_us "$( v scratch.host_mount_us.max )" )) | +$( or_dash "$scratch_extra" ) ms | $( target "$scratch_extra" 5 "≤ +5 ms" ) |"
    hwm_sd="$( maxof "$( v boot.systemd.rs.hwm_kb.max )" "$( v boot.systemd.rs_real.hwm_kb.max )" )"
    hwm_plain="$( maxof "$( v boot.plain.rs.hwm_kb.max )" "$( v boot.plain.rs_real.hwm_kb.max )" )"
    echo "| Peak RSS (VmHWM) of the helper at the login prompt, systemd / plain image (max of the runs, default and \`--real-sleeps\`) | $( mb_from_kb "$hwm_sd" ) / $( mb_from_kb "$hwm_plain" ) | | | $( target "$( num "$hwm_sd" "%.3f" 0.0009765625 | tr -d '—' )" 4 "≤ 4 MB" ) |"
    echo "| Peak RSS (VmHWM) of the helper through \`--check\`, systemd / plain image (default; \`--real-sleeps\`) | $( mb_from_kb "$( v verdict.systemd.hwm_kb.median )" ) / $( mb_from_kb "$( v verdict.plain.hwm_kb.median )" ) ($( mb_from_kb "$( v verdict.systemd.real.hwm_kb.median )" ) / $( mb_from_kb "$( v verdict.plain.real.hwm_kb.median )" )) | | | $( target "$( num "$( v verdict.systemd.hwm_kb.median )" "%.3f" 0.0009765625 | tr -d '—' )" 4 "≤ 4 MB" ) |"
    echo "| CPU time of the helper process itself: boot to prompt / whole \`--check\`, systemd image (default; \`--real-sleeps\`) | $( s "$( v boot.systemd.rs.cpu_s.median )" ) / $( s "$( v verdict.systemd.cpu_s.median )" ) ($( s "$( v boot.systemd.rs_real.cpu_s.median )" ) / $( s "$( v verdict.systemd.real.cpu_s.median )" )) | | | |"
    if test "$unpack_rc" ; then
        if test "$u_ours" ; then
            echo "| ISO → rootfs unpack, plain image's ISO ($( runs_text "$u_runs" )) | $( s "$u_ours" ) | $( s "$u_plain" ) (xorriso + gzip -dc + cpio: to a file $( s "$u_extract" ), streamed $( s "$u_stream" )) | $( ratio "$u_ours" "$u_plain" ) | $( target "$( ratio "$u_ours" "$u_plain" | tr -d '×—' )" 1.0 "≤ 1.0×" ) |"
            echo "| \`rear testrescue ISO\` end to end (stand-in helper: find + unpack + workflow, no boot) | $( s "$u_rear" ) | | | |"
        else
            echo "| ISO → rootfs unpack (tests/bench/unpack.sh) | failed (exit $unpack_rc) | | | |"
        fi
    fi
    if test "$( v versus.anchor )" ; then
        echo "| helper's start, main() to init / exec to init, busybox fixture ($( v versus.overhead_runs ) runs each, run by run in turn): this tree (limits and private uid range off: $( ms_from_us "$( v versus.overhead.main_us.off )" ) / $( ms_from_us "$( v versus.overhead.exec_us.off )" )) | $( ms_from_us "$( v versus.overhead.main_us.new )" ) / $( ms_from_us "$( v versus.overhead.exec_us.new )" ) | 0.2.1 ($( v versus.anchor )): $( ms_from_us "$( v versus.overhead.main_us.old )" ) / $( ms_from_us "$( v versus.overhead.exec_us.old )" ) | $( v versus.overhead.main.ratio )× / $( v versus.overhead.exec.ratio )× (against itself without them: $( v versus.overhead.main.ratio_off )×) | ≤ 1.05× |"
        if test "$( v versus.overhead.steps_us.new )" ; then
            echo "| … the same as the sum of its steps' medians (\`-v\`'s \"start:\" line; a busy moment of the machine hits one step of one run) | $( ms_from_us "$( v versus.overhead.steps_us.new )" ) | without limits and uid range: $( ms_from_us "$( v versus.overhead.steps_us.off )" ) | $( v versus.overhead.steps.ratio_off )× against without | ≤ 1.05× |"
        fi
        if test "$( v versus.syscalls.critical.new )" ; then
            echo "| … system calls on its critical path (main thread until init's exec, PID 1 until its exec; strace, one start each) | $( v versus.syscalls.critical.new ) | without limits and uid range: $( v versus.syscalls.critical.off ); 0.2.1: $( v versus.syscalls.critical.old ) | $( v versus.syscalls.critical.ratio_off )× against without | ≤ 1.05× |"
        fi
        for i in systemd plain ; do
            echo "| \`--check\` start to verdict, $i image, this tree against 0.2.1 ($( runs_text "$( v versus.runs )" ), alternating) | $( s "$( v "versus.verdict.$i.new.total_s.median" )" ) ($( v "versus.verdict.$i.new.verdicts" )) | $( s "$( v "versus.verdict.$i.old.total_s.median" )" ) ($( v "versus.verdict.$i.old.verdicts" )) | $( v "versus.verdict.$i.ratio" )× (against itself without limits and uid range, $( s "$( v "versus.verdict.$i.off.total_s.median" )" ): $( v "versus.verdict.$i.ratio_off" )×) | ≤ 1.05× |"
        done
    fi
    if test "$( v iso.runs )" ; then
        echo "| ISO path's own cost: \`rear testrescue ISO\` $( s "$( v iso.iso_s.median )" ) minus \`rear testrescue TREE\` $( s "$( v iso.tree_s.median )" ), plain image ($( runs_text "$( v iso.runs )" ); unpacked to $( v iso.area ) with \`$( v iso.decompressor )\`) | $( s "$( v iso.own_s )" ) | \`bsdtar -xOf \| gzip -dc \| cpio -idm\` to disk: $( s "$( v iso.plain_disk_s.median )" ) | $( v iso.own_ratio )× (rounds: $( v iso.own_ratio.all )) | $( target "$( v iso.own_ratio )" 0.6 "≤ 0.6×" ) |"
        echo "| … the unpack alone, into memory | $( s "$( v iso.unpack_memory_s.median )" ) | | | |"
    fi
fi
# 'rear testrecover' of the recovery fixture (testrecover.sh, testrecover.*): end to end and per check
if test "$( v testrecover.runs )" ; then
    echo "| \`rear testrecover\` of the recovery fixture end to end, from the kept tree / from the ISO ($( runs_text "$( v testrecover.runs )" ): $( v testrecover.verdicts ); load at each start: $( or_dash "$( v testrecover.loads )" )) | $( s "$( v testrecover.rootfs.total_s )" ) / $( s "$( v testrecover.iso.total_s )" ) | | | $( target "$( v testrecover.total_s )" 60 "≤ 60 s" ) |"
    # tree / ISO of testrecover.SOURCE.KEY_s
    function tree_iso () {
        echo "$( s "$( v "testrecover.rootfs.${1}_s" )" ) / $( s "$( v "testrecover.iso.${1}_s" )" )"
    }
    for check in rescue-boots recover layout restore bootloader restored-boots ; do
        echo "| … check \`$check\`, tree / ISO | $( tree_iso "check.$check" ) | | | |"
    done
    echo "| … inside \`recover\`: the rescue boot until ReaR logs its first line, tree / ISO | $( tree_iso recover.boot ) | | | |"
    for stage in init setup verify layout-prepare layout-recreate restore finalize wrapup ; do
        echo "| … inside \`recover\`, ReaR's stage $stage, tree / ISO | $( tree_iso "rear.$stage" ) | | | |"
        test "$stage" = finalize && echo "| … … of it update-initramfs in the restored system (550_rebuild_initramfs.sh), tree / ISO | $( tree_iso rear.initramfs ) | | | |"
    done
    echo "| … inside \`recover\`: after ReaR's last line until the container is gone (its exit, the power off), tree / ISO | $( tree_iso recover.end ) | | | |"
    echo "| … meanwhile, in the background: the archive's listing and sample for the check \`restore\`, tree / ISO | $( tree_iso restore-reading ) | | | |"
    echo "| … outside the rehearsal's own report: rear's start and end, tree / ISO | $( tree_iso outside-report ) | | | |"
fi
# The recovery fixture recovered in a VM (vm-recover.sh, vm.*), the anchor of 'rear testrecover'
# (its end to end figure testrecover.total_s, from tests/bench/testrecover.sh); target >= 10x
if test "$( v vm.result )" ; then
    if test "$( v vm.result )" = ok ; then
        vm_cell="$( s "$( v vm.total_s )" )"
    else
        vm_cell="failed at $( v vm.failed_at ): $( v vm.result ) (after $( s "$( v vm.seconds )" ))"
    fi
    vm_ratio="$( ratio "$( v vm.total_s )" "$( v testrecover.total_s )" )"
    vm_accel="$( v vm.accel )" ; test "$vm_accel" = tcg && vm_accel="tcg, software emulation; KVM: $( v vm.kvm )"
    echo "| \`rear testrecover\` of the recovery fixture end to end / the same ISO and backup recovered in a VM, the anchor (qemu $vm_accel; $( v vm.smp ) vCPUs, $( v vm.memory_mb ) MiB; 1 run) | $( s "$( v testrecover.total_s )" ) | $vm_cell | $vm_ratio | $( target_min "$( echo "$vm_ratio" | tr -d '×—' )" 10 "≥ 10×" ) |"
    echo "| … VM: prepare (kernel, initrd, backup disk); rescue boot to ReaR's ready line; \`rear recover\` (of it, ReaR's questions waiting out their timeouts: $( or_dash "$( v vm.recover.questions )" ), $( s "$( v vm.recover.question_timeouts_s )" )); ReaR's 30 s wait and reboot (or the power off); the restored disk's boot to \`login:\` | | $( s "$( v vm.prepare_s )" ); $( s "$( v vm.rescue_ready_s )" ); $( s "$( v vm.recover_s )" ); $( s "$( v vm.reboot_s )" ); $( s "$( v vm.restored_login_s )" ) | | |"
    echo "| … VM \`rear recover\` inside: disk layout created after; restore took (ReaR: $( or_dash "$( v vm.recover.restore_line )" )); initramfs rebuilt after; ReaR's \"Finished\" after; rear's exit status | | $( s "$( v vm.recover.layout_at_s )" ); $( s "$( v vm.recover.restore_s )" ); $( s "$( v vm.recover.initramfs_at_s )" ); $( s "$( v vm.recover.finished_at_s )" ); $( or_dash "$( v vm.recover_exit )" ) | | |"
    echo "| … VM reboot after the recovery | | $( or_dash "$( v vm.reboot )" ) | | |"
fi
if test "$( v meta.parts )" != testrecover ; then
    echo
    echo "systemd-nspawn $( systemd-nspawn --version 2>/dev/null | sed -n '1s/^systemd \([0-9]*\).*/\1/p' ) \`--register=no --keep-unit --private-network --volatile=overlay -bD ROOTFS\` on a pty, watched $window_text per run, then SIGTERM, 15 s, cgroup.kill:"
    echo
    echo "| nspawn, median (each run) | systemd image | plain image |"
    echo "| --- | --- | --- |"
    function both () {
        local key="$1" fmt="${2:-plain}" i a out=""
        for i in systemd plain ; do
            a="$( v "boot.$i.ns.$key.median" )"
            if test "$fmt" = s ; then a="$( s "$a" )" ; else a="$( or_dash "$a" )" ; fi
            out="$out | $a ($( or_dash "$( v "boot.$i.ns.$key.all" )" ))"
        done
        echo "${out# | }"
    }
    echo "| agetty deaths (\`getty@…: Main process exited\`) | $( both getty_deaths ) |"
    echo "| highest restart counter / start limit hits | $( v boot.systemd.ns.getty_restart_counter.median ) / $( v boot.systemd.ns.getty_limit_hits.median ) | $( v boot.plain.ns.getty_restart_counter.median ) / $( v boot.plain.ns.getty_limit_hits.median ) |"
    echo "| getty failure lines (\`getty@\` + Failed / failed / start request repeated / Scheduled restart) | $( both getty_failures ) |"
    echo "| first getty failure after | $( both first_getty_failure_s s ) |"
    echo "| \"Failed to start\" lines (any unit) / \`219/CGROUP\` lines | $( v boot.systemd.ns.units_failed.median ) / $( v boot.systemd.ns.cgroup_errors.median ) | $( v boot.plain.ns.units_failed.median ) / $( v boot.plain.ns.cgroup_errors.median ) |"
    echo "| ReaR ready line after | $( both ready_s s ) |"
    echo "| ReaR's sysinit.service (runs system-setup, which prints the ready line) ended with / after | $( or_dash "$( v boot.systemd.ns.sysinit_status )" ) / $( s "$( v boot.systemd.ns.sysinit_exit_s.median )" ) | $( or_dash "$( v boot.plain.ns.sysinit_status )" ) / $( s "$( v boot.plain.ns.sysinit_exit_s.median )" ) |"
    echo "| \"Possibly corrupted\" (nspawn's /tmp hides ReaR's log) after | $( both corrupted_s s ) |"
    echo "| container processes at the end of the window (outside our cgroup) | $( v boot.systemd.ns.container_processes.median ) ($( v boot.systemd.ns.outside_cgroup.median )) | $( v boot.plain.ns.container_processes.median ) ($( v boot.plain.ns.outside_cgroup.median )) |"
    echo "| SIGTERM → nspawn exited after (— = not within 15 s) | $( both stop_s s ) |"
    echo "| processes killed by cgroup.kill / alive afterwards (all runs) | $( v boot.systemd.ns.killed_by_cgroup_kill.median ) / $( or_dash "$( v boot.systemd.ns.survivors.total )" ) | $( v boot.plain.ns.killed_by_cgroup_kill.median ) / $( or_dash "$( v boot.plain.ns.survivors.total )" ) |"
    echo "| host files nspawn left (image lock, /run/systemd/nspawn/…; removed by the bench) | $( both host_files_removed ) |"
    function rs_stop_cell () {
        local i="$1"
        echo "$( s "$( v "boot.$i.rs.stop_s.median" )" ) / $( or_dash "$( v "boot.$i.rs.survivors.total" )" ) (\`--real-sleeps\`: $( s "$( v "boot.$i.rs_real.stop_s.median" )" ) / $( or_dash "$( v "boot.$i.rs_real.survivors.total" )" ))"
    }
    echo "| rescue-spawn for comparison: SIGTERM at the prompt → exit after / processes alive afterwards | $( rs_stop_cell systemd ) | $( rs_stop_cell plain ) |"
    echo "| cached rootfs unchanged after all runs | $( or_dash "$( v boot.systemd.rootfs_unchanged )" ) | $( or_dash "$( v boot.plain.rootfs_unchanged )" ) |"
fi
echo
echo "Measured $( v meta.started ) on Linux $( uname -r ), $( nproc ) CPUs, load average $( v meta.load_start ) at the start and $( v meta.load_end ) at the end (other jobs ran on the machine);"
echo "rear $( dpkg-query -W -f='${Version}' rear 2>/dev/null ), rescue-spawn $( "$BENCH_HELPER" --version 2>/dev/null | cut -d ' ' -f 2 ); the whole bench took $( v meta.seconds ) s."
test "$unpack_iso_line" && echo "Unpack: ${unpack_iso_line#ISO: }."
leftovers="$( sed -n 's/^meta\.leftover=//p' "$results" | paste -sd ';' | sed 's/;/; /g' )"
failures="$( sed -n 's/^meta\.failure=//p' "$results" | paste -sd ';' | sed 's/;/; /g' )"
if test -z "$leftovers" ; then
    if test "$( v meta.kept )" ; then
        echo "Left behind: no process, cgroup or runtime directory; the scratch directory was kept (BENCH_KEEP=1): $( v meta.kept )."
    else
        echo "Left behind: nothing (no process, cgroup or runtime directory; the scratch directory is removed)."
    fi
else
    echo "Left behind: $leftovers."
fi
test -z "$failures" || echo "Failed parts: $failures."
}


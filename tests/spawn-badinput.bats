#!/usr/bin/env bats
#
# Bad input (issue 2, point 9; exit codes of helper/CONTRACT.md): each case gets exactly
# one line on stderr ("rescue-spawn: ..."), the documented exit code, nothing on stdout,
# and leaves nothing behind (no runtime directory, cgroup, mount or process).
# Needs root.

load lib/spawn

function setup_file () {
    spawn_require_helper
    spawn_tmp_create
    spawn_build_fixture
    cat /proc/sys/user/max_user_namespaces >"$SPAWN_TMP/max_user_namespaces.saved"
}

function teardown_file () {
    restore_max_user_namespaces
    spawn_tmp_remove
}

function teardown () {
    restore_max_user_namespaces
}

# The test that sets user.max_user_namespaces to 0 must not leave it so: it is host-wide.
function restore_max_user_namespaces () {
    local saved="${SPAWN_TMP:-/nonexistent}/max_user_namespaces.saved"
    test -s "$saved" || return 0
    if test "$( cat /proc/sys/user/max_user_namespaces )" != "$( cat "$saved" )" ; then
        cat "$saved" >/proc/sys/user/max_user_namespaces
    fi
}

# status, one line on stderr with the helper's prefix, nothing on stdout, nothing left
# (a third argument "parse-only": the caller checks for leftovers once, after a loop).
function assert_bad_input () {
    local expected_status="$1" pattern="$2"
    [ "$status" -eq "$expected_status" ] || spawn_fail "exit status $status, expected $expected_status; stderr: $stderr"
    [ "${#stderr_lines[@]}" -eq 1 ] || spawn_fail "not exactly one line on stderr:" "$stderr"
    [[ "$stderr" == "rescue-spawn: "* ]] || spawn_fail "no 'rescue-spawn: ' prefix: $stderr"
    [[ "$stderr" =~ $pattern ]] || spawn_fail "stderr does not match '$pattern': $stderr"
    [ -z "$output" ] || spawn_fail "output on stdout: $output"
    test "${3:-}" = parse-only || assert_no_leftovers
}

@test "a missing ROOTFS: exit 2" {
    run --separate-stderr spawn "$SPAWN_TMP/no-such-rootfs"
    assert_bad_input 2 "no-such-rootfs.*No such file or directory"
}

@test "a ROOTFS that is not a directory: exit 2" {
    echo "not a tree" >"$SPAWN_TMP/a-file"
    run --separate-stderr spawn "$SPAWN_TMP/a-file"
    assert_bad_input 2 "a-file.*not a directory"
}

@test "a ROOTFS without init: exit 2" {
    mkdir -p "$SPAWN_TMP/empty/etc"
    run --separate-stderr spawn "$SPAWN_TMP/empty"
    assert_bad_input 2 "empty.*no init"
}

@test "a ROOTFS whose init is not executable: exit 2" {
    root="$( spawn_fixture_copy init-not-executable )"
    rm "$root/init" "$root/sbin/init"
    printf '#!/bin/sh\nexec /bin/busybox init\n' >"$root/init"
    chmod 0644 "$root/init"
    run --separate-stderr spawn "$root"
    assert_bad_input 2 "/init.*not an executable"
    # a directory is no init either
    rm "$root/init"
    mkdir "$root/init"
    run --separate-stderr spawn "$root"
    assert_bad_input 2 "/init.*not an executable"
}

@test "a COMMAND that is missing or not executable in the image: exit 2" {
    run --separate-stderr spawn "$SPAWN_FIXTURE" -- /no/such/command
    assert_bad_input 2 "/no/such/command"
    run --separate-stderr spawn "$SPAWN_FIXTURE" -- /etc/inittab
    assert_bad_input 2 "/etc/inittab.*not executable"
}

@test "a ROOTFS on a noexec mount: exit 2" {
    dir="$SPAWN_TMP/noexec"
    mkdir -p "$dir"
    # in a mount namespace of its own: the host's mounts do not change
    run --separate-stderr unshare -m --propagation private sh -c '
        mount -t tmpfs -o noexec tmpfs "$1" && cp -a "$2" "$1/r" && exec "$3" "$1/r"' \
        sh "$dir" "$SPAWN_FIXTURE" "$RESCUE_SPAWN"
    assert_bad_input 2 "noexec"
    # the tmpfs went with the namespace
    run ! grep -qF " $dir " /proc/self/mountinfo
    [ -z "$( ls -A "$dir" )" ]
}

@test "an unknown option: exit 2" {
    run --separate-stderr spawn --no-such-option "$SPAWN_FIXTURE"
    assert_bad_input 2 "no-such-option" parse-only
    run --separate-stderr spawn -x "$SPAWN_FIXTURE"
    assert_bad_input 2 "-x"
}

@test "bad --ttys values: exit 2" {
    for value in 0 13 -1 abc 3x "" 99999999999999999999 ; do
        run --separate-stderr spawn --ttys="$value" "$SPAWN_FIXTURE"
        assert_bad_input 2 "ttys" parse-only
    done
    # an option after ROOTFS is no option
    run --separate-stderr spawn "$SPAWN_FIXTURE" --ttys
    assert_bad_input 2 "." parse-only
    assert_no_leftovers
}

@test "other bad arguments: no ROOTFS, bad --timeout, --check with a COMMAND: exit 2" {
    run --separate-stderr spawn
    assert_bad_input 2 "ROOTFS" parse-only
    run --separate-stderr spawn --timeout=soon "$SPAWN_FIXTURE"
    assert_bad_input 2 "timeout" parse-only
    run --separate-stderr spawn --check "$SPAWN_FIXTURE" -- /bin/true
    assert_bad_input 2 "check" parse-only
    run --separate-stderr spawn "$SPAWN_FIXTURE" extra-word
    assert_bad_input 2 "extra-word" parse-only
    assert_no_leftovers
}

# Run ARGS with unshare(CLONE_NEWUSER) and clone(CLONE_NEWUSER) failing as they do when
# user.max_user_namespaces is 0 (ENOSPC): for a host whose root may not change that
# sysctl (no CAP_SYS_RESOURCE, e.g. inside a sandbox).
function without_user_namespaces () {
    python3 - "$@" <<'EOF'
import ctypes, os, struct, sys
machine = os.uname().machine
if machine == 'x86_64':
    arch, nrs = 0xc000003e, (272, 56)       # AUDIT_ARCH_X86_64; unshare, clone
elif machine == 'aarch64':
    arch, nrs = 0xc00000b7, (97, 220)
else:
    sys.exit('no seccomp filter for ' + machine)
def insn(code, k, jt=0, jf=0):
    return struct.pack('HBBI', code, jt, jf, k)
LD, JEQ, JSET, RET = 0x20, 0x15, 0x45, 0x06   # BPF_LD|W|ABS, BPF_JMP|JEQ|K, JSET|K, RET|K
ALLOW, ERRNO_ENOSPC = 0x7fff0000, 0x00050000 | 28
prog = b''.join([
    insn(LD, 4), insn(JEQ, arch, 1, 0), insn(RET, ALLOW),                # other ABIs: allow
    insn(LD, 0), insn(JEQ, nrs[0], 1, 0), insn(JEQ, nrs[1], 0, 3),
    insn(LD, 16), insn(JSET, 0x10000000, 0, 1),                          # flags & CLONE_NEWUSER
    insn(RET, ERRNO_ENOSPC), insn(RET, ALLOW),
])
class Fprog(ctypes.Structure):
    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_char_p)]
buf = ctypes.create_string_buffer(prog, len(prog))
fprog = Fprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_char_p))
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:      # PR_SET_SECCOMP, FILTER
    sys.exit('seccomp: ' + os.strerror(ctypes.get_errno()))
os.execvp(sys.argv[1], sys.argv[1:])
EOF
}

@test "user namespaces not available: exit 3" {
    # user.max_user_namespaces=0 for this one run (host-wide: teardown restores it);
    # where root may not write it, the same refusal by a seccomp filter
    if echo 0 2>/dev/null >/proc/sys/user/max_user_namespaces ; then
        run --separate-stderr spawn "$SPAWN_FIXTURE" -- /bin/true
        restore_max_user_namespaces
    else
        echo "# user.max_user_namespaces is read-only here: refusing CLONE_NEWUSER with seccomp" >&3
        run --separate-stderr without_user_namespaces "$RESCUE_SPAWN" "$SPAWN_FIXTURE" -- /bin/true
    fi
    assert_bad_input 3 "user namespace"
    assert_equal "$( cat /proc/sys/user/max_user_namespaces )" "$( cat "$SPAWN_TMP/max_user_namespaces.saved" )" \
        "user.max_user_namespaces"
}

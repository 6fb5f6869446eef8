# tests/lib/check.bash -- helpers of the bats tests of rescue-spawn --check on the real ReaR
# images (check.bats, check-readiness.bats, libraries.bats). Load it after lib/spawn and lib/releases (the
# images are those of REAR_TEST_SUITE); the test file's
# setup_file sets IMAGE_PLAIN and IMAGE_SYSTEMD (check_setup_images) and CHECK_TIMEOUT.
#
#   check_setup_images       build or find the cached images (of REAR_TEST_SUITE), export
#                            IMAGE_PLAIN, IMAGE_SYSTEMD
#   image_of VARIANT         the cached rootfs of plain or systemd
#   run_check DIR ROOTFS [OPTION...]       --check as cron runs it
#   break_image VARIANT NAME BREAKAGE      --check on a broken copy (an overlay)
#   item_status NAME / item_text NAME      from summary.txt of the last run
#   assert_status N, assert_item NAME STATUS [TEXT...], assert_items_ok NAME...,
#   assert_verdict_fail, show_run
#   check_teardown           after each test: the broken copy's overlay goes, nothing of the helper stays
#   check_teardown_file      after the file: its reports go (CHECK_BATS_KEEP=1 keeps them for a look)

function check_setup_images () {
    IMAGE_PLAIN="$( release_image plain )"
    IMAGE_SYSTEMD="$( release_image systemd )"
    test -x "$IMAGE_PLAIN/init" -a -x "$IMAGE_SYSTEMD/init" \
        || spawn_fail "no real ReaR image: '$IMAGE_PLAIN' '$IMAGE_SYSTEMD'"
    export IMAGE_PLAIN IMAGE_SYSTEMD
}

function check_teardown () {
    # The report of a failed test stays for a look while the file runs (in SPAWN_TMP); the
    # overlay's upper directory of a broken copy is removed at once.
    if test -n "${CASE:-}" ; then
        rm -rf --one-file-system "$CASE/upper" "$CASE/work" "$CASE/root"
    fi
    # Every test, passed or failed, ends with nothing of the helper left: no process, mount,
    # cgroup or runtime directory.
    assert_no_leftovers
}

function check_teardown_file () {
    if test -n "${CHECK_BATS_KEEP:-}" ; then
        echo "# the reports stay in $SPAWN_TMP" >&3
        return 0
    fi
    spawn_tmp_remove
}

function image_of () {
    case "$1" in
        (plain) echo "$IMAGE_PLAIN" ;;
        (systemd) echo "$IMAGE_SYSTEMD" ;;
        (*) spawn_fail "no image variant '$1'" ;;
    esac
}

# Path, type, mode, size and modification time of every entry: enough to see a write.
function image_listing () {
    find "$1" -xdev -printf '%P %y %m %s %T@ %C@\n' | LC_ALL=C sort
}

# run_check DIR ROOTFS [OPTION...]: --check as cron runs it; the exit status in $status, the
# summary (stdout) in DIR/stdout, progress in DIR/stderr, reports in DIR/report.
function run_check () {
    local dir="$1" rootfs="$2"
    shift 2
    mkdir -p "$dir"
    status=0
    "$RESCUE_SPAWN" --check --timeout="$CHECK_TIMEOUT" --report-dir="$dir/report" "$@" "$rootfs" \
        </dev/null >"$dir/stdout" 2>"$dir/stderr" || status=$?
    CASE_DIR="$dir"
}

# Functions the breakages use, run inside the broken copy's root (the current directory).

# refresh_md5sums PATH...: update md5sums.txt for PATHs (relative to the root) the way a
# build that produced them would have: a line with the new md5 for a regular file, no line
# for a missing one. Format of ReaR's md5sums.txt: "<md5> *./path".
function refresh_md5sums () {
    local path sum
    for path in "$@" ; do
        path="./${path#/}"
        awk -v entry="*$path" 'substr($0, 34) != entry' md5sums.txt >md5sums.txt.new
        if test -f "$path" -a ! -L "$path" ; then
            sum="$( md5sum <"$path" )"
            echo "${sum%% *} *$path" >>md5sums.txt.new
        fi
        mv md5sums.txt.new md5sums.txt
    done
}

# add_needed ELF LIBRARY: make ELF need LIBRARY (a DT_NEEDED entry), as if it had been linked
# with it. Debian's agetty needs libc only; no patchelf here: the entry takes a spare DT_NULL
# slot of .dynamic, the name takes the place of the name of a weak undefined symbol that
# nothing defines (_ITM_deregisterTMCloneTable), which stays weak, undefined and unused.
function add_needed () {
    python3 - "$1" "$2" <<'EOF'
import struct, sys
path, lib = sys.argv[1], sys.argv[2].encode()
data = bytearray(open(path, 'rb').read())
if data[:4] != b'\x7fELF' or data[4] != 2 or data[5] != 1:
    sys.exit(path + ": not a little-endian ELF64 file")
shoff, = struct.unpack_from('<Q', data, 0x28)
shentsize, shnum = struct.unpack_from('<HH', data, 0x3a)
sections = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
dynamic = next(s for s in sections if s[1] == 6)          # SHT_DYNAMIC
dynsym = next(s for s in sections if s[1] == 11)          # SHT_DYNSYM
strtab = sections[dynamic[6]]                             # its sh_link: .dynstr
entries = [struct.unpack_from('<qQ', data, dynamic[4] + 16 * i) for i in range(dynamic[5] // 16)]
syms = [struct.unpack_from('<IBBHQQ', data, dynsym[4] + 24 * i) for i in range(dynsym[5] // 24)]
def string(off):
    start = strtab[4] + off
    return bytes(data[start:data.index(b'\0', start)])
used = [v for t, v in entries if t == 1] + [s[0] for s in syms]
for name, info, other, shndx, value, size in syms:
    old = string(name)
    if info >> 4 == 2 and shndx == 0 and old.startswith(b'_ITM_') and len(old) > len(lib) \
            and not any(name < u <= name + len(old) for u in used):
        break
else:
    sys.exit(path + ": no unused weak undefined _ITM_ symbol whose name can be reused")
first_null = next(i for i, (t, v) in enumerate(entries) if t == 0)
if first_null + 1 >= len(entries):
    sys.exit(path + ": no spare DT_NULL slot in .dynamic")
data[strtab[4] + name:strtab[4] + name + len(old)] = lib.ljust(len(old), b'\0')
struct.pack_into('<qQ', data, dynamic[4] + 16 * first_null, 1, name)   # DT_NEEDED
with open(path, 'r+b') as f:
    f.write(data)
EOF
}

# break_image VARIANT NAME BREAKAGE: --check on a broken copy of the VARIANT image. BREAKAGE
# (bash) runs as root in the copy's root directory; then the helper checks the copy. The
# verdict as in run_check, in $SPAWN_TMP/NAME.
function break_image () {
    local variant="$1" name="$2" breakage="$3" base
    base="$( image_of "$variant" )" || return 1
    CASE="$SPAWN_TMP/$name"
    CASE_DIR="$CASE"
    if test -f "$CASE/status" ; then
        status="$( cat "$CASE/status" )"     # booted by an earlier test of this file
        return 0
    fi
    mkdir -p "$CASE/upper" "$CASE/work" "$CASE/root"
    export -f refresh_md5sums add_needed
    status=0
    unshare --mount --propagation private bash -c '
        set -e -u -o pipefail
        base=$1 case=$2 breakage=$3 helper=$4 timeout=$5 name=$6
        mount -t overlay rt-broken -o "lowerdir=$base,upperdir=$case/upper,workdir=$case/work" "$case/root" \
            || { echo "cannot mount an overlay on $base" >&2 ; exit 99 ; }
        cd "$case/root"
        # A shell of its own, so that "set -e" holds in the breakage.
        rc=0
        bash -e -u -o pipefail -c "$breakage" >"$case/breakage.log" 2>&1 || rc=$?
        if test "$rc" -ne 0 ; then
            { echo "the breakage failed ($rc):" ; cat "$case/breakage.log" ; } >&2
            exit 99
        fi
        cd /
        exec "$helper" --check --timeout="$timeout" --report-dir="$case/report" --image-name="broken-$name" \
            "$case/root" </dev/null >"$case/stdout" 2>"$case/stderr"
    ' break-image "$base" "$CASE" "$breakage" "$RESCUE_SPAWN" "$CHECK_TIMEOUT" "$name" || status=$?
    test "$status" -ne 99 || spawn_fail "could not break the image" || return 1
    echo "$status" >"$CASE/status"
}

# make_other_kernel FILE: a kernel of another version than the images' module trees, as
# far as boot-files reads one: a bzImage setup header as the boot protocol has it ("HdrS"
# at 0x202, the version string's offset - 0x200 at 0x20e) for 5.10.0-99-amd64.
function make_other_kernel () {
    python3 - "$1" <<'EOF'
import struct, sys
image = bytearray(0x1000)
image[0x202:0x206] = b'HdrS'
struct.pack_into('<H', image, 0x20e, 0x600 - 0x200)
image[0x600:0x600 + 40] = b'5.10.0-99-amd64 (debian-kernel@lists) #1'
open(sys.argv[1], 'wb').write(image)
EOF
}

# item_status NAME: ok, FAIL, ignored or warn, as summary.txt of the last run says for check NAME.
function item_status () {
    awk -v name="$1" '$2 == name && ($1 == "ok" || $1 == "FAIL" || $1 == "ignored" || $1 == "warn") { print $1 }' \
        "$CASE_DIR/report/summary.txt"
}

# item_text NAME: the line of check NAME in summary.txt and its excerpt ("| ..." lines).
function item_text () {
    awk -v name="$1" '
        /^(ok|FAIL|ignored|warn) / { shown = ($2 == name) }
        /^$/ || /^VERDICT/ { shown = 0 }
        shown' "$CASE_DIR/report/summary.txt"
}

function show_run () {
    {
        echo "--- exit status $status; summary (stdout):"
        cat "$CASE_DIR/stdout"
        echo "--- stderr:"
        tail -n 40 "$CASE_DIR/stderr"
    } >&2
}

function assert_status () {
    test "$status" -eq "$1" && return 0
    show_run
    spawn_fail "exit status $status, expected $1"
}

# assert_item NAME STATUS [TEXT...]: check NAME has STATUS and its line or excerpt has each TEXT.
function assert_item () {
    local name="$1" want="$2" text
    shift 2
    text="$( item_text "$name" )"
    if test "$( item_status "$name" )" != "$want" ; then
        show_run
        spawn_fail "check '$name' is '$( item_status "$name" )', expected '$want'"
        return 1
    fi
    local what
    for what in "$@" ; do
        assert_contains "$text" "$what" "check '$name'" || return 1
    done
}

function assert_verdict_fail () {
    assert_status 1 || return 1
    assert_contains "$( cat "$CASE_DIR/stdout" )" "VERDICT: FAIL" "stdout" || return 1
    assert_contains "$( cat "$CASE_DIR/report/summary.txt" )" "VERDICT: FAIL" "summary.txt"
}

# The checks that a broken copy still passes: the breakage is the only reason.
function assert_items_ok () {
    local name
    for name in "$@" ; do
        assert_item "$name" ok || return 1
    done
}


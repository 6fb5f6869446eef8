#!/usr/bin/env bats
#
# The libraries check (helper/libcheck.c, issue 10 point 5) against an oracle made of other
# parts: binutils' readelf on the host finds every ELF file of a real image and its
# interpreter (reading only), and the image's own dynamic loader lists each of them
# (`INTERP --list FILE`, what ldd runs) inside the container. For every ELF file of both real
# images, and of a broken copy: the check counts the same files, flags exactly the programs
# whose listing shows a problem, and flags no library that loads on its own; a library that
# does not load on its own passes only when a program's listing loaded it (that is how
# ld.so finds it: systemd's libsystemd-core finds libsystemd-shared through systemd's RUNPATH).
# Needs root and the real images. Runtime: about a minute.

load lib/spawn
load lib/releases
load lib/check

CHECK_TIMEOUT=120

function setup_file () {
    spawn_require_helper
    spawn_tmp_create
    check_setup_images
    type -P readelf >/dev/null || spawn_fail "readelf (binutils) is needed"
}

function teardown_file () {
    check_teardown_file
}

function teardown () {
    check_teardown
}

# elf_files ROOT: "PATH INTERP" (INTERP "-" for a library, "static" for no PT_DYNAMIC) for every
# ELF file of ROOT that the check looks at, by readelf: the machine's class and machine,
# ET_EXEC or ET_DYN, not separate debug info; kernel modules, firmware and *.c32 skipped.
function elf_files () {
    local root="$1" machine class
    machine="$( readelf -h /bin/sh | sed -n 's/^ *Machine: *//p' )"
    class="$( readelf -h /bin/sh | sed -n 's/^ *Class: *//p' )"
    ( cd "$root" && find . -xdev \( -path ./lib/modules -o -path ./usr/lib/modules -o -path ./lib/firmware \
        -o -path ./usr/lib/firmware \) -prune -o -type f ! -name '*.ko*' ! -name '*.c32' -size +0 -print ) |
    while IFS= read -r f ; do
        test "$( head -c 4 "$root/$f" | od -An -c | tr -d ' ' )" = '177ELF' || continue
        readelf -h -l -W "$root/$f" 2>/dev/null | awk -v path="${f#.}" -v machine="$machine" -v class="$class" '
            /^ *Class:/ { c = $0 ; sub(/^ *Class: */, "", c) }
            /^ *Machine:/ { m = $0 ; sub(/^ *Machine: */, "", m) }
            /^ *Type:/ { t = $2 }
            /Requesting program interpreter:/ { i = $NF ; sub(/\]$/, "", i) }
            $1 == "DYNAMIC" { dyn = 1 ; if ($5 == "0x000000") debug = 1 }
            END {
                if (c != class || m != machine || (t != "EXEC" && t != "DYN") || debug) exit
                print path, (!dyn ? "static" : i != "" ? i : "-")
            }'
    done
}

# The oracle inside the container: for each "PATH INTERP" line on stdin, the loader's listing
# of PATH: "PATH ok|bad LIBRARY-PATHS-IT-LOADED...".
ORACLE='
default=$( awk "\$2 != \"-\" && \$2 != \"static\" { print \$2 }" /oracle-list | sort | uniq -c | sort -rn | awk "NR == 1 { print \$2 }" )
while read -r path interp ; do
    test "$interp" = static && continue
    test "$interp" = - && interp=$default
    out=$( "$interp" --list "$path" 2>&1 ) ; rc=$?
    verdict=ok
    case "$out" in (*"not found"*|*"error while loading"*) verdict=bad ;; esac
    test $rc = 0 || verdict=bad
    echo "$path $verdict $( sed -n "s/.*=> \(\/[^ ]*\) (0x.*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p" <<<"$out" | xargs -r readlink -f | tr "\n" " " )"
done </oracle-list
'

# compare ROOT NAME [BREAKAGE]: the oracle and the check on an overlay of ROOT, broken by
# BREAKAGE (bash, run in the overlay's root) when given. readelf reads the merged tree.
function compare () {
    local root="$1" dir="$SPAWN_TMP/$2" breakage="${3:-:}"
    CASE="$dir"
    mkdir -p "$dir/upper" "$dir/work" "$dir/root"
    export -f elf_files
    unshare --mount --propagation private bash -c '
        set -e
        mount -t overlay rt-oracle -o "lowerdir=$1,upperdir=$2/upper,workdir=$2/work" "$2/root"
        ( cd "$2/root" && bash -e -c "$5" )
        elf_files "$2/root" >"$2/elf-files"
        cp "$2/elf-files" "$2/root/oracle-list"
        "$3" "$2/root" -- /bin/bash -c "$4" </dev/null >"$2/oracle" 2>"$2/oracle.err"
        rm "$2/root/oracle-list"
        "$3" --check --timeout=120 --report-dir="$2/report" "$2/root" </dev/null >"$2/stdout" 2>"$2/stderr" || true
        ' compare "$root" "$dir" "$RESCUE_SPAWN" "$ORACLE" "$breakage" || spawn_fail "the runs failed" || return 1
    test -s "$dir/elf-files" || spawn_fail "readelf found no ELF file in $root" || return 1
    CASE_DIR="$dir"
    python3 - "$dir" <<'EOF'
import json, re, sys
dir = sys.argv[1]
files = dict(line.split() for line in open(dir + '/elf-files'))
oracle, loaded = {}, set()
for line in open(dir + '/oracle'):
    words = line.replace('\r', '').split()
    if len(words) < 2:
        continue
    oracle[words[0]] = words[1]
    if files.get(words[0], '-') not in ('-', 'static') and words[1] == 'ok':
        loaded.update(words[2:])
report = json.load(open(dir + '/report/report.json'))
item = next(c for c in report['checks'] if c['name'] == 'libraries')
flagged = set()
for line in (item['excerpt'] or '').splitlines():
    m = re.match(r'(/\S+): ', line)
    if m:
        flagged.add(m.group(1))
count = int(re.search(r'\((\d+) files\)', item['detail']).group(1)) if item['status'] == 'ok' else None
problems = []
if count is not None and count != len(files):
    problems.append('the check counted %d ELF files, readelf %d' % (count, len(files)))
for path, interp in sorted(files.items()):
    if interp == 'static':
        continue
    if path not in oracle:
        problems.append('%s: the oracle did not list it' % path)
        continue
    program = interp != '-'
    bad = oracle[path] == 'bad'
    if program and bad != (path in flagged):
        problems.append('%s: the loader says %s, the check %s' % (path, oracle[path], 'FAIL' if path in flagged else 'ok'))
    if not program and path in flagged and not bad:
        problems.append('%s: the library loads on its own, but the check flags it' % path)
    if not program and bad and path not in flagged and path not in loaded:
        problems.append('%s: the library does not load on its own and no program loads it, but the check passes it' % path)
print('%d ELF files, %d listed by the loader, %d flagged by the check' % (len(files), len(oracle), len(flagged)))
for p in problems[:40]:
    print(p)
sys.exit(1 if problems else 0)
EOF
}

@test "libraries: the check agrees with the image's own ld.so --list on every ELF file of the systemd image" {
    compare "$IMAGE_SYSTEMD" oracle-systemd
    assert_item libraries ok
}

@test "libraries: the check agrees with the image's own ld.so --list on every ELF file of the plain image" {
    compare "$IMAGE_PLAIN" oracle-plain
    assert_item libraries ok
}

@test "libraries: the check agrees with ld.so --list on a copy whose libncursesw is gone" {
    compare "$IMAGE_SYSTEMD" oracle-broken 'find lib usr/lib -name "libncursesw.so.6*" -exec rm -f {} +'
    assert_item libraries FAIL "libncursesw.so.6"
}

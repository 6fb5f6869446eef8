#!/bin/bash
# "make run": from a fresh Debian 12 machine to a verdict in one command.
# Installs what is missing, builds and installs rear-testrescue, then runs
# 'rear -v testrescue' on this machine's newest rescue image, or on a small
# demo image (a busybox rescue tree) when there is none.
set -eu
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "make run: run it as root (sudo make run)" >&2; exit 1; }

needed=(build-essential pkg-config libmount-dev libcap-dev libseccomp-dev libelf-dev libarchive-dev rear
        busybox-static libarchive-tools cpio gzip xz-utils lz4 zstd bzip2)
missing=()
for p in "${needed[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

make
make install

# The workflow itself says when it finds nothing (in ReaR's log); only then the demo.
rc=0
rear -v testrescue || rc=$?
if [ "$rc" -ne 0 ] && grep -q "No rescue system found to test" "/var/log/rear/rear-$(hostname).log" 2>/dev/null; then
    demo=/var/tmp/rear-testrescue-demo
    echo "No rescue image on this machine yet ('rear mkrescue' makes one): testing a demo image in $demo"
    rm -rf "$demo"
    tests/fixtures/build-busybox-rootfs.sh "$demo" >/dev/null
    rc=0
    rear -v testrescue "$demo" || rc=$?
    rm -rf "$demo"
fi
exit "$rc"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# initramfs.sh - the guest's busybox initramfs (an uncompressed cpio: unpacking gzip under TCG
# costs more than loading the bytes).
#
#   scripts/initramfs.sh [--bench] --output FILE
#
# Holds: busybox, the Debian modules the tests and bench need (virtio_blk, virtio_net,
# virtio_mmio, virtio_pci, null_blk, veth, 9p over virtio, with their dependencies), our
# kmod/*.ko in /kmod, fio (libaio), iperf3, iproute2's ip and perf with their shared libraries,
# the bpf tools in /bpf (when built), guest/ (library, test runner and tests, bench) in /guest,
# scenarios/, and the static rr in /bin. /init is guest/init. --bench is accepted for clarity:
# the image is the same, the kernel command line picks what runs (vmsg=test | bench=1 | vmsg=sh).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
die() {
	echo "initramfs.sh: $*" >&2
	exit 1
}

OUTPUT=
while [ $# -gt 0 ]; do
	case "$1" in
	--output) OUTPUT=${2:?--output needs a file}; shift 2 ;;
	--bench) shift ;;
	*) die "unknown argument '$1' (usage: initramfs.sh [--bench] --output FILE)" ;;
	esac
done
[ -n "$OUTPUT" ] || die "usage: initramfs.sh [--bench] --output FILE"

eval "$("$ROOT/scripts/kernel.sh")"
BUSYBOX=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' ||
	die "$BUSYBOX is not static (apt-get install busybox-static)"

S=$(mktemp -d)
trap 'rm -rf "$S"' EXIT
mkdir -p "$S"/{bin,sbin,usr/bin,etc,proc,sys,dev,tmp,run,root,results,kmod,bpf,guest/tests,var/run}
cp "$BUSYBOX" "$S/bin/busybox"

# Debian modules and everything they depend on, by modules.dep
WANT="virtio_blk virtio_net virtio_mmio virtio_pci null_blk veth 9pnet_virtio 9p"
declare -A seen=()
add_mod() { # module name or path relative to $KMODS
	local rel dep
	rel=$(awk -F: -v m="$1" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko.*$/, "", n);
		gsub(/-/, "_", n); mm = m; gsub(/-/, "_", mm);
		if (n == mm || $1 == m) { print $1; exit } }' "$KMODS/modules.dep")
	[ -n "$rel" ] || die "module $1 not in $KMODS/modules.dep"
	[ -z "${seen[$rel]:-}" ] || return 0
	seen[$rel]=1
	mkdir -p "$S/lib/modules/$KVER/$(dirname "$rel")"
	cp "$KMODS/$rel" "$S/lib/modules/$KVER/$rel"
	for dep in $(awk -F: -v r="$rel" '$1 == r { print $2 }' "$KMODS/modules.dep"); do # words
		add_mod "$dep"
	done
}
for m in $WANT; do
	add_mod "$m"
done
cp "$KMODS"/modules.{order,builtin,builtin.modinfo} "$S/lib/modules/$KVER/"
depmod -b "$S" "$KVER" || die "depmod failed"
if [ -r "$ROOT/kmod/virtio_msg.ko" ] && [ -r "$ROOT/kmod/virtio_msg_loop.ko" ]; then
	cp "$ROOT"/kmod/virtio_msg.ko "$ROOT"/kmod/virtio_msg_loop.ko "$S/kmod/"
else
	echo "initramfs.sh: warning: kmod/*.ko not built (make modules): no virtio-msg in the guest" >&2
fi

# dynamic binaries with the libraries ldd names
add_bin() { # path-in-host dest-dir
	local lib
	cp -L "$1" "$S$2/"
	for lib in $(ldd "$1" | grep -o '/[^ ]*'); do
		[ -e "$S$lib" ] && continue
		mkdir -p "$S$(dirname "$lib")"
		cp -L "$lib" "$S$lib"
	done
}
for b in fio iperf3 ip; do
	p=$(command -v "$b") || die "$b not found (scripts/deps.sh installs it)"
	add_bin "$p" /usr/bin # ahead of busybox's applets in PATH
done
# perf (linux-perf) for the bench's counters; optional: guest/bench.sh goes on without it
if p=$(command -v perf); then
	add_bin "$p" /usr/bin
else
	echo "initramfs.sh: warning: perf not found (linux-perf): no perf stat counters" >&2
fi
mkdir -p "$S/lib64"
[ -e "$S/lib64/ld-linux-x86-64.so.2" ] || cp -L /lib64/ld-linux-x86-64.so.2 "$S/lib64/"
# iperf3 wants /etc/services-free numeric ports only; fio wants /tmp; ip wants /var/run/netns
mkdir -p "$S/var/run/netns" "$S/etc/iproute2"
echo "root:x:0:0:root:/root:/bin/sh" >"$S/etc/passwd"
echo "127.0.0.1 localhost" >"$S/etc/hosts"

# bench and bpf pieces (optional: the tests skip what is missing)
[ -x "$ROOT/build/bench/rr-static" ] && cp "$ROOT/build/bench/rr-static" "$S/bin/rr"
for t in msglat kicklat; do
	[ -x "$ROOT/bpf/$t" ] && cp "$ROOT/bpf/$t" "$S/bpf/"
done
cp -r "$ROOT/scenarios" "$S/scenarios"
cp "$ROOT"/guest/*.sh "$S/guest/"
cp "$ROOT"/guest/tests/t_*.sh "$S/guest/tests/"
cp "$ROOT/guest/init" "$S/init"
chmod +x "$S/init"

mkdir -p "$(dirname "$OUTPUT")"
(cd "$S" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$OUTPUT.tmp" ||
	die "cpio failed"
mv "$OUTPUT.tmp" "$OUTPUT"
echo "initramfs.sh: $OUTPUT ($(du -m "$OUTPUT" | cut -f1) MiB, kernel $KVER)" >&2

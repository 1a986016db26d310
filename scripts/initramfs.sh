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
# scenarios/, and the static rr and vmsg-blk-user (user/) in /bin. /init is guest/init. --bench is accepted for clarity:
# the image is the same, the kernel command line picks what runs (vmsg=test | bench=1 | vmsg=sh).
# ARCH=arm64 on an x86 host (scripts/arch.sh): busybox, fio, iperf3, ip and their libraries come
# from the arm64 sysroot (scripts/sysroot.sh), the libraries found by their ELF NEEDED entries
# (readelf) since ldd cannot run foreign binaries; rr and the bpf tools from their cross builds.
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
# shellcheck source=scripts/arch.sh
. "$ROOT/scripts/arch.sh"
# where the guest's userspace comes from: the host itself, or the cross sysroot
if [ "$CROSS" = 1 ]; then
	eval "$("$ROOT/scripts/sysroot.sh")"
	BUSYBOX=$SYSROOT/bin/busybox
	[ -x "$BUSYBOX" ] || die "no busybox in $SYSROOT (scripts/sysroot.sh)"
	RR_STATIC=$ROOT/build/bench/$ARCH/rr-static
	BLK_USER=$ROOT/build/user/$ARCH/vmsg-blk-user-static
	BPF_BIN=$ROOT/bpf/.output/$ARCH
else
	BUSYBOX=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
	RR_STATIC=$ROOT/build/bench/rr-static
	BLK_USER=$ROOT/build/user/vmsg-blk-user-static
	BPF_BIN=$ROOT/bpf
fi
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

# dynamic binaries with their libraries: the paths ldd names (native), or the sysroot's files
# that the ELF interpreter and NEEDED entries name, recursively (cross)
sysroot_libs() { # binary-in-sysroot -> guest paths of the interpreter and libraries, one a line
	local -A seen_lib=()
	local todo=("$1") f lib d interp rpath
	interp=$(readelf -lW "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -z "$interp" ] || echo "$interp"
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		# RUNPATH/RPATH first (fio's librados finds libceph-common in .../ceph)
		rpath=$(readelf -dW "$f" | sed -n 's/.*(R[UN]*PATH).*\[\(.*\)\]/\1/p' | tr : ' ')
		for lib in $(readelf -dW "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -z "${seen_lib[$lib]:-}" ] || continue
			seen_lib[$lib]=1
			for d in $rpath /lib/$TRIPLET /usr/lib/$TRIPLET /lib /usr/lib; do
				if [ -e "$SYSROOT$d/$lib" ]; then
					echo "$d/$lib"
					todo+=("$SYSROOT$d/$lib")
					continue 2
				fi
			done
			die "$lib (NEEDED by $f) not in $SYSROOT"
		done
	done
}
add_bin() { # path-in-host dest-dir
	local lib libs
	cp -L "$1" "$S$2/"
	if [ "$CROSS" = 1 ]; then
		libs=$(sysroot_libs "$1") || exit 1
	else
		libs=$(ldd "$1" | grep -o '/[^ ]*')
	fi
	for lib in $libs; do
		[ -e "$S$lib" ] && continue
		mkdir -p "$S$(dirname "$lib")"
		cp -L "$SYSROOT$lib" "$S$lib"
	done
}
for b in fio iperf3 ip; do
	if [ "$CROSS" = 1 ]; then
		p=$SYSROOT/usr/bin/$b
		[ -x "$p" ] || p=$SYSROOT/bin/$b
		[ -x "$p" ] || die "$b not in $SYSROOT (scripts/sysroot.sh)"
	else
		p=$(command -v "$b") || die "$b not found (scripts/deps.sh installs it)"
	fi
	add_bin "$p" /usr/bin # ahead of busybox's applets in PATH
done
# perf (linux-perf) for the bench's counters; optional: guest/bench.sh goes on without it
if [ "$CROSS" = 1 ]; then
	p=$SYSROOT/usr/bin/perf
	[ -x "$p" ] || p=""
else
	p=$(command -v perf) || p=""
fi
if [ -n "$p" ]; then
	add_bin "$p" /usr/bin
else
	echo "initramfs.sh: warning: perf not found (linux-perf): no perf stat counters" >&2
fi
if [ "$ARCH" = x86 ]; then
	mkdir -p "$S/lib64"
	[ -e "$S/lib64/ld-linux-x86-64.so.2" ] || cp -L /lib64/ld-linux-x86-64.so.2 "$S/lib64/"
fi
# iperf3 wants /etc/services-free numeric ports only; fio wants /tmp; ip wants /var/run/netns
mkdir -p "$S/var/run/netns" "$S/etc/iproute2"
echo "root:x:0:0:root:/root:/bin/sh" >"$S/etc/passwd"
echo "127.0.0.1 localhost" >"$S/etc/hosts"

# bench and bpf pieces (optional: the tests skip what is missing)
[ -x "$RR_STATIC" ] && cp "$RR_STATIC" "$S/bin/rr"
[ -x "$BLK_USER" ] && cp "$BLK_USER" "$S/bin/vmsg-blk-user"
[ -x "${BLK_USER%blk-user-static}net-user-static" ] &&
	cp "${BLK_USER%blk-user-static}net-user-static" "$S/bin/vmsg-net-user"
for t in msglat kicklat; do
	[ -x "$BPF_BIN/$t" ] && cp "$BPF_BIN/$t" "$S/bpf/"
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

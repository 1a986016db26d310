#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate bpf/vmlinux/<arch>/vmlinux.h from the BTF of the guest's kernel,
# as done for the checked-in copies.  Needs apt-get download access and bpftool.
#
# Usage: bpf/vmlinux/gen-vmlinux.sh [KVER]   x86/vmlinux.h (default KVER 6.1.0-56-amd64)
#        bpf/vmlinux/gen-vmlinux.sh arm64    arm64/vmlinux.h
#
# x86: Debian linux-image-6.1.0-56-amd64 (6.1.192-2).  vmlinuz is a compressed
# bzImage; extract-vmlinux (from linux-source-6.1, needs xz) unpacks the ELF,
# whose .BTF section bpftool turns into C.  struct virtqueue and struct
# virtio_device are in vmlinux BTF (built-in code uses them), so kicklat's
# CO-RE reads need no module BTF.
#
# arm64: Debian's arm64 vmlinuz is a plain Image, not an ELF, so there is no
# .BTF section to read: the guest kernel's own /sys/kernel/btf/vmlinux is
# taken instead.  The arm64 guest (scripts/kernel.sh: linux-image-<abi>-arm64
# of the ABI the modules build against) boots once under qemu-system-aarch64
# (scripts/qemu-run.sh, TCG, ~10 s) with the test initramfs
# (scripts/initramfs.sh) plus a second cpio whose /init copies that file onto a
# 9p share; bpftool turns it into C.  The checked-in arm64/vmlinux.h was made
# so from linux-image-6.1.0-57-arm64 (6.1.192-3).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "${1:-}" = arm64 ]; then
	root=$(cd "$here/../.." && pwd)
	ARCH=arm64 "$root/scripts/initramfs.sh" --output "$tmp/guest.cpio"
	mkdir -p "$tmp/over" "$tmp/out"
	cat >"$tmp/over/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in virtio_pci 9pnet_virtio 9p; do modprobe "$m"; done
mkdir -p /results
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /results &&
	cp /sys/kernel/btf/vmlinux /results/btf && uname -r >/results/kver
sync
umount /results
reboot -f
INIT
	chmod +x "$tmp/over/init"
	# a later cpio member replaces an earlier one of the same name
	(cd "$tmp/over" && echo init | cpio -o -H newc --quiet) >>"$tmp/guest.cpio"
	ARCH=arm64 ACCEL=${ACCEL:-tcg} "$root/scripts/qemu-run.sh" --timeout 300 --mem 512 \
		--initramfs "$tmp/guest.cpio" --virtfs "$tmp/out" >"$tmp/console.log" 2>&1 || true
	if ! [ -s "$tmp/out/btf" ]; then
		tail -n 20 "$tmp/console.log" >&2
		echo "no BTF from the arm64 guest" >&2
		exit 1
	fi
	mkdir -p "$here/arm64"
	bpftool btf dump file "$tmp/out/btf" format c >"$here/arm64/vmlinux.h"
	echo "wrote $here/arm64/vmlinux.h from $(cat "$tmp/out/kver")"
	exit 0
fi

KVER=${1:-6.1.0-56-amd64}
ARCH=x86
cd "$tmp"
apt-get download "linux-image-$KVER"
dpkg -x linux-image-"$KVER"_*.deb root
if [ -x /usr/src/linux-source-6.1/scripts/extract-vmlinux ]; then
	extract=/usr/src/linux-source-6.1/scripts/extract-vmlinux
else
	tar -xJf /usr/src/linux-source-6.1.tar.xz --wildcards '*/scripts/extract-vmlinux'
	extract=./linux-source-6.1/scripts/extract-vmlinux
fi
sh "$extract" "root/boot/vmlinuz-$KVER" >vmlinux
readelf -S vmlinux | grep -q '\.BTF ' || { echo "no .BTF in vmlinux" >&2; exit 1; }
mkdir -p "$here/$ARCH"
bpftool btf dump file vmlinux format c >"$here/$ARCH/vmlinux.h"
echo "wrote $here/$ARCH/vmlinux.h from $KVER"

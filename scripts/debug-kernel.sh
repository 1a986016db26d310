#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# debug-kernel.sh - a debug guest kernel for `make test-debug`: Debian's linux-source-6.1 with
# KASAN, lockdep (PROVE_LOCKING), kmemleak and DEBUG_ATOMIC_SLEEP on an x86_64 defconfig,
# trimmed to what the microvm guest uses: no DRM, sound, USB, wireless, netfilter, ATA/SCSI,
# Ethernet drivers or disk filesystems; the guest's modules (virtio blk/net/mmio/pci, null_blk,
# veth, 9p) as modules.
# Built once and cached in .cache/debug-kernel/<source version>/ (build time in build.time).
# Prints shell assignments for eval, like scripts/kernel.sh:
#   KVER=<release> KERNEL=<bzImage> KMODS=<.../lib/modules/KVER> KDIR=<build tree>
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
die() {
	echo "debug-kernel.sh: $*" >&2
	exit 1
}
TARBALL=/usr/src/linux-source-6.1.tar.xz
[ -r "$TARBALL" ] || die "$TARBALL missing (apt-get install linux-source-6.1)"
for t in bc bison flex gcc make; do
	command -v "$t" >/dev/null || die "$t missing (apt-get install bc bison flex libssl-dev libelf-dev)"
done
ver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
C=$ROOT/.cache/debug-kernel/$ver
SRC=$C/src
OUT=$C/out
STAGE=$C/stage

if ! [ -r "$C/done" ]; then
	rm -rf "$C"
	mkdir -p "$SRC" "$OUT" "$STAGE"
	echo "debug-kernel.sh: unpacking $TARBALL ($ver)" >&2
	tar -xaf "$TARBALL" -C "$SRC" --strip-components=1
	t0=$(date +%s)
	make -C "$SRC" O="$OUT" -s x86_64_defconfig
	# What the guest needs (microvm: ACPI, PCIe, virtio-mmio via ACPI; 9p for results; bpf
	# and kprobes for the tools) and the debug options the lane exists for.
	"$SRC"/scripts/config --file "$OUT/.config" \
		-m VIRTIO_BLK -m VIRTIO_NET -m VIRTIO_MMIO -m VIRTIO_PCI -m BLK_DEV_NULL_BLK \
		-m VETH -m NET_9P -m NET_9P_VIRTIO -m 9P_FS -e VIRTIO_MENU -e VIRTIO \
		-e NET_NS -e BPF_SYSCALL -e KPROBES -e FTRACE -e DEBUG_FS -e DEVTMPFS \
		-e BLK_DEV_INITRD -e MODULES -e MODULE_UNLOAD -d MODULE_SIG -d LOCALVERSION_AUTO \
		-d DEBUG_INFO -e DEBUG_INFO_NONE -d DEBUG_INFO_DWARF5 -d DEBUG_INFO_BTF \
		-e KASAN -e KASAN_GENERIC -e KASAN_INLINE \
		-e PROVE_LOCKING -e DEBUG_LOCKDEP -e DEBUG_ATOMIC_SLEEP \
		-e DEBUG_KMEMLEAK -d DEBUG_KMEMLEAK_DEFAULT_OFF --set-val DEBUG_KMEMLEAK_MEM_POOL_SIZE 16000 \
		-e DETECT_HUNG_TASK -e SOFTLOCKUP_DETECTOR -e HARDLOCKUP_DETECTOR \
		-d DRM -d SOUND -d WIRELESS -d WLAN -d CFG80211 -d MAC80211 -d USB_SUPPORT -d HID \
		-d NETFILTER -d ATA -d SCSI -d AGP -d FB -d ETHERNET -d NFS_FS -d MD -d PCCARD \
		-d INPUT_MOUSE -d INPUT_JOYSTICK -d INPUT_TABLET -d INPUT_TOUCHSCREEN -d INPUT_MISC \
		-d SECURITY_SELINUX -d AUDIT -d HIBERNATION -d EXT4_FS -d QUOTA -d AUTOFS_FS \
		--set-str LOCALVERSION -vmsg-debug
	make -C "$SRC" O="$OUT" -s olddefconfig
	for opt in KASAN PROVE_LOCKING DEBUG_KMEMLEAK DEBUG_ATOMIC_SLEEP VIRTIO_MMIO; do
		grep -Eq "^CONFIG_$opt=[ym]" "$OUT/.config" || die "CONFIG_$opt did not stick"
	done
	echo "debug-kernel.sh: building (measured before: about 45 min on 2 cores)" >&2
	make -C "$SRC" O="$OUT" -j"$(nproc)" bzImage modules >"$C/build.log" 2>&1 ||
		die "build failed: see $C/build.log"
	make -C "$SRC" O="$OUT" -s INSTALL_MOD_PATH="$STAGE" modules_install >>"$C/build.log" 2>&1 ||
		die "modules_install failed: see $C/build.log"
	echo "$(($(date +%s) - t0))" >"$C/build.time"
	touch "$C/done"
	echo "debug-kernel.sh: built in $(cat "$C/build.time") s" >&2
fi
KVER=$(cat "$OUT/include/config/kernel.release")
printf 'KVER=%s\nKERNEL=%s\nKMODS=%s\nKDIR=%s\n' "$KVER" "$OUT/arch/x86/boot/bzImage" \
	"$STAGE/lib/modules/$KVER" "$OUT"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# kernel.sh - the guest kernel: Debian's linux-image matching the installed linux-headers-amd64
# ABI, fetched with `apt-get download` and unpacked with `dpkg -x` into .cache/kernel/<kver>/.
# Prints shell assignments for eval:
#   KVER=6.1.0-56-amd64 KERNEL=<vmlinuz> KMODS=<.../lib/modules/KVER> KDIR=<headers build dir>
# Override with KVER=... (an ABI whose linux-image and linux-headers packages apt can fetch).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
die() {
	echo "kernel.sh: $*" >&2
	exit 1
}

if [ -z "${KVER:-}" ]; then
	# linux-headers-amd64 depends on exactly one linux-headers-<abi>-amd64
	KVER=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
		grep -o 'linux-headers-[0-9][^ ,]*-amd64' | head -n 1 | sed 's/^linux-headers-//') ||
		true
	[ -n "$KVER" ] || die "linux-headers-amd64 is not installed (run scripts/deps.sh)"
fi
KDIR=/usr/src/linux-headers-$KVER
if ! [ -r "$KDIR/Makefile" ]; then
	die "$KDIR missing: apt-get install linux-headers-$KVER (scripts/deps.sh does)"
fi

CACHE=$ROOT/.cache/kernel/$KVER
KERNEL=$CACHE/boot/vmlinuz-$KVER
KMODS=$CACHE/lib/modules/$KVER
if ! [ -r "$KERNEL" ] || ! [ -r "$KMODS/modules.dep" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	echo "kernel.sh: fetching linux-image-$KVER" >&2
	(cd "$tmp" && apt-get download -q "linux-image-$KVER" >&2) ||
		(cd "$tmp" && apt-get download -q "linux-image-$KVER-unsigned" >&2) ||
		die "apt-get download linux-image-$KVER failed (apt-get update? network?)"
	rm -rf "$CACHE"
	mkdir -p "$CACHE"
	dpkg -x "$tmp"/linux-image-*.deb "$CACHE" || die "dpkg -x failed"
	# the package's postinst would run depmod; modprobe in the guest needs modules.dep
	depmod -b "$CACHE" "$KVER" || die "depmod failed"
	[ -r "$KERNEL" ] || die "no $KERNEL in the package"
fi
printf 'KVER=%s\nKERNEL=%s\nKMODS=%s\nKDIR=%s\n' "$KVER" "$KERNEL" "$KMODS" "$KDIR"

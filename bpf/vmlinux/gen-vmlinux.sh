#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate bpf/vmlinux/x86/vmlinux.h from the BTF of the guest's kernel,
# Debian linux-image-6.1.0-56-amd64 (6.1.192-2), as done for the checked-in
# copy.  Needs apt-get download access, xz (for linux-source) and bpftool.
#
# Usage: bpf/vmlinux/gen-vmlinux.sh [KVER]   (writes next to this script)
#
# vmlinuz is a compressed bzImage; extract-vmlinux (from linux-source-6.1)
# unpacks the ELF, whose .BTF section bpftool turns into C.  struct
# virtqueue and struct virtio_device are in vmlinux BTF (built-in code uses
# them), so kicklat's CO-RE reads need no module BTF.
set -eu

KVER=${1:-6.1.0-56-amd64}
ARCH=x86
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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

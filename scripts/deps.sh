#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# deps.sh - install everything `make test` / `make bench` need, from Debian only (idempotent).
#
# Host tools (QEMU, busybox, fio, iperf3, perf, clang/bpftool/libbpf, cmocka, jansson, gnuplot,
# sparse, linux-source for checkpatch) and Debian's 6.1 linux-headers, whose ABI names the
# guest kernel image scripts/kernel.sh fetches. Prints what it installs; silent when done.
# ARCH=arm64 on an x86 host (scripts/arch.sh) adds: dpkg's arm64 architecture (for
# `apt-get download` of the arm64 kernel image and headers), qemu-system-arm, the
# aarch64-linux-gnu cross compiler, mmdebstrap, and the arm64 userspace sysroot
# (scripts/sysroot.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/arch.sh
. "$ROOT/scripts/arch.sh"

PKGS=(
	make gcc pkg-config cpio xz-utils kmod file
	"$QEMU_PKG" busybox-static
	fio iperf3 iproute2 linux-perf
	clang llvm libclang-rt-14-dev bpftool libbpf-dev libelf-dev zlib1g-dev
	libcmocka-dev libjansson-dev gnuplot-nox jq python3-yaml
	sparse linux-source-6.1 shellcheck clang-format
	"linux-headers-$HOST_DEB_ARCH"
)
[ "$CROSS" = 0 ] || PKGS+=("gcc-$TRIPLET" mmdebstrap)

# extra packages from the command line (make test-debug's kernel build tools)
PKGS+=("$@")

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing+=("$p")
done
foreign=0
if [ "$CROSS" = 1 ] && ! dpkg --print-foreign-architectures | grep -qx "$DEB_ARCH"; then
	foreign=1
fi
cross_sysroot() {
	[ "$CROSS" = 0 ] || "$ROOT/scripts/sysroot.sh" >/dev/null
}
if [ ${#missing[@]} -eq 0 ] && [ $foreign = 0 ]; then
	cross_sysroot
	exit 0
fi

SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || {
		echo "deps.sh: need root (or sudo) to install: ${missing[*]}" >&2
		exit 1
	}
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
if [ $foreign = 1 ]; then
	echo "deps.sh: dpkg --add-architecture $DEB_ARCH" >&2
	$SUDO dpkg --add-architecture "$DEB_ARCH"
fi
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps.sh: installing ${missing[*]}" >&2
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
cross_sysroot

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# deps.sh - install everything `make test` / `make bench` need, from Debian only (idempotent).
#
# Host tools (QEMU, busybox, fio, iperf3, clang/bpftool/libbpf, cmocka, jansson, gnuplot,
# sparse, linux-source for checkpatch) and Debian's 6.1 linux-headers, whose ABI names the
# guest kernel image scripts/kernel.sh fetches. Prints what it installs; silent when done.
set -euo pipefail

PKGS=(
	make gcc pkg-config cpio xz-utils kmod file
	qemu-system-x86 busybox-static
	fio iperf3 iproute2
	clang llvm libclang-rt-14-dev bpftool libbpf-dev libelf-dev zlib1g-dev
	libcmocka-dev libjansson-dev gnuplot-nox jq python3-yaml
	sparse linux-source-6.1 shellcheck clang-format
	linux-headers-amd64
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || {
		echo "deps.sh: need root (or sudo) to install: ${missing[*]}" >&2
		exit 1
	}
	SUDO=sudo
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

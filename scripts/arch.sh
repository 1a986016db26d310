# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2054 # sourced, names for its users; QEMU values are comma lists
# arch.sh - the guest's architecture and everything that differs with it, sourced by scripts/
# (the one home of the per-architecture facts: Debian names, cross tools, QEMU machine).
#
#   ARCH=x86|arm64   the kernel's name for it; default the host's (uname -m); x86_64, amd64 and
#                    aarch64 are accepted too. Exported normalised, so that make -C kmod/bpf/bench
#                    see it.
# Sets: ARCH, HOST_ARCH, DEB_ARCH (Debian's: amd64, arm64), TRIPLET (aarch64-linux-gnu),
# CROSS (1 when ARCH is not the host's), CROSS_COMPILE (exported; $TRIPLET- when cross),
# SYSROOT (exported; when cross, the guest userspace extracted by scripts/sysroot.sh into
# .cache/sysroot/ARCH; empty when native: the host's own binaries go into the guest),
# QEMU (default the ARCH's qemu-system-*), QEMU_PKG, CONSOLE (the guest's serial tty),
# SLOW (how many times longer guest work takes than on the host's arch, for default timeouts:
# 1 native; 3 cross, where TCG translates another instruction set: the arm64 test guest took
# 453 s on an idle x86 host, 900+ s on a loaded one).
# arch_qemu MODE (kvm | tcg | icount) sets ARCH_MACHINE and ARCH_CPU (QEMU arguments) and
# ARCH_CMDLINE (the start of the kernel command line).

arch_norm() { # uname -m, Debian or kernel name -> kernel name
	case "$1" in
	x86 | x86_64 | amd64) echo x86 ;;
	arm64 | aarch64) echo arm64 ;;
	*) return 1 ;;
	esac
}

HOST_ARCH=$(arch_norm "$(uname -m)") || {
	echo "arch.sh: host architecture $(uname -m) is not supported (x86_64, aarch64)" >&2
	exit 2
}
ARCH=$(arch_norm "${ARCH:-$HOST_ARCH}") || {
	echo "arch.sh: ARCH=$ARCH is not supported (x86, arm64)" >&2
	exit 2
}
case "$ARCH" in
x86) DEB_ARCH=amd64 TRIPLET=x86_64-linux-gnu QEMU_PKG=qemu-system-x86 CONSOLE=ttyS0 ;;
arm64) DEB_ARCH=arm64 TRIPLET=aarch64-linux-gnu QEMU_PKG=qemu-system-arm CONSOLE=ttyAMA0 ;;
esac
case "$HOST_ARCH" in
x86) HOST_DEB_ARCH=amd64 ;;
arm64) HOST_DEB_ARCH=arm64 ;;
esac
QEMU=${QEMU:-qemu-system-${TRIPLET%%-*}}
CROSS=0 SLOW=1
if [ "$ARCH" != "$HOST_ARCH" ]; then
	CROSS=1 SLOW=3
	CROSS_COMPILE=${CROSS_COMPILE:-$TRIPLET-}
	SYSROOT=${SYSROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.cache/sysroot/$ARCH}
else
	# native: the host's compiler and files, whatever a cross caller exported
	CROSS_COMPILE="" SYSROOT=""
fi
export ARCH CROSS_COMPILE SYSROOT

arch_qemu() { # kvm | tcg | icount
	ARCH_CPU=()
	case "$ARCH" in
	x86)
		ARCH_MACHINE=(-M microvm,pcie=on,acpi=on,rtc=on)
		# never "quiet": a TCG guest was seen to hang with it. reboot=t: a triple fault,
		# which -no-reboot turns into QEMU exiting (the microvm has no other reset QEMU
		# notices)
		ARCH_CMDLINE="console=ttyS0 panic=-1 reboot=t loglevel=4"
		local tsc_khz=""
		case "$1" in
		kvm) ARCH_CPU=(-cpu host) ;;
		# under icount the guest TSC counts virtual nanoseconds
		icount) tsc_khz=1000000 ;;
		# TCG's guest TSC is the host's. The microvm has no HPET or PM timer, so the guest
		# calibrates the TSC against the PIT, which fails about half the time under TCG
		# (then the boot hangs): tell it the rate. x86 bogomips = 2 x TSC MHz when taken
		# from the TSC.
		tcg) tsc_khz=$(awk '/^bogomips/ { printf "%d", $3 * 500; exit }' /proc/cpuinfo) ;;
		esac
		# tsc=reliable: without an HPET or PM timer to watch it, the TSC is otherwise not
		# trusted and the clocksource falls back to jiffies (4 ms resolution: fio
		# percentiles of 0 or 4014 us).
		[ -z "$tsc_khz" ] || ARCH_CMDLINE="$ARCH_CMDLINE tsc_early_khz=$tsc_khz tsc=reliable"
		;;
	arm64)
		# virt: PL011 console, GIC (v3 under TCG, the host's under KVM), 32 virtio-mmio
		# slots and a PCIe host bridge: both contenders as on the microvm. The arch timer
		# needs no calibration. reboot -f (PSCI SYSTEM_RESET) with -no-reboot exits QEMU.
		ARCH_MACHINE=(-M virt,gic-version=max)
		ARCH_CMDLINE="console=ttyAMA0 panic=-1 loglevel=4"
		if [ "$1" = kvm ]; then
			ARCH_CPU=(-cpu host)
		else
			# pauth-impdef: QEMU's own pointer-auth hash, much cheaper to emulate
			ARCH_CPU=(-cpu max,pauth-impdef=on)
		fi
		;;
	esac
}

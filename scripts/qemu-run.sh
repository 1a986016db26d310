#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# qemu-run.sh - boot the Debian guest kernel with an initramfs in a QEMU microvm (x86) or virt
# machine (arm64; ARCH=, scripts/arch.sh), serial console on stdout, under a hard timeout.
#
#   scripts/qemu-run.sh [--smp N] [--mem MiB] [--icount SHIFT] [--timeout S]
#                       --initramfs FILE [--virtfs HOSTDIR] [--append "kernel args"]
#                       [--boot-timeout S] [--boot-marker WORD] [-- extra qemu args]
#
# Accelerator: scripts/accel.sh decides (KVM only when a probe boot under KVM reached /init;
# ACCEL=tcg|kvm forces); --icount makes it single-threaded TCG with
# -icount shift=N,align=off,sleep=off (guest time counts instructions). QEMU= overrides the binary.
# TCG_THREAD=multi|single: TCG's threading without icount (default multi, a host thread per vCPU).
# Multi-threaded TCG before QEMU 8.1 can keep a stale copy of kernel code that another vCPU
# patches live (ftrace, kprobes, static keys: attaching a tracer), and that vCPU then loops for
# ever: a guest that attaches tracers while the traced code runs wants single.
# Every guest: a CPU stuck in the kernel for 20 s (soft lockup) panics the guest at once, with
# every CPU's backtrace and the whole kernel log on the console (panic_print=0x20), instead of
# running into the timeout with nothing said.
# --virtfs shares HOSTDIR read-write as 9p tag "results" (the guest mounts it on /results).
# Boot watchdog: /init prints BOOT_MARKER (VMSG-INIT) first; a guest that has not printed it
# within --boot-timeout seconds (BOOT_TIMEOUT=, default 180, 0 = off) is killed and booted once
# more (a TCG guest on a loaded host can stop early in boot).
# Exit status: the guest's (its init reports through the console), 124 on timeout, 125 when
# the guest hung in boot twice.
# QEMU option values are comma lists by design
# shellcheck disable=SC2054
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
die() {
	echo "qemu-run: $*" >&2
	exit 2
}

SMP=1 MEM=1024 ICOUNT="" TIMEOUT=300 INITRD="" VIRTFS="" APPEND=""
BOOT_TIMEOUT=${BOOT_TIMEOUT:-180} BOOT_MARKER=VMSG-INIT TCG_THREAD=${TCG_THREAD:-multi}
while [ $# -gt 0 ]; do
	case "$1" in
	--smp) SMP=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--icount) ICOUNT=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--initramfs) INITRD=$2; shift 2 ;;
	--virtfs) VIRTFS=$2; shift 2 ;;
	--append) APPEND=$2; shift 2 ;;
	--boot-timeout) BOOT_TIMEOUT=$2; shift 2 ;;
	--boot-marker) BOOT_MARKER=$2; shift 2 ;;
	--) shift; break ;;
	*) die "unknown argument '$1'" ;;
	esac
done
[ -r "$INITRD" ] || die "--initramfs FILE is required and must exist"
[[ "$SMP" =~ ^[1-9][0-9]*$ ]] || die "--smp must be a positive number"
[[ "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "--timeout must be a positive number of seconds"
[[ "$BOOT_TIMEOUT" =~ ^[0-9]+$ ]] || die "--boot-timeout must be a number of seconds (0: off)"
case "$TCG_THREAD" in single | multi) ;; *) die "TCG_THREAD must be single or multi" ;; esac
# shellcheck source=scripts/arch.sh
. "$ROOT/scripts/arch.sh"
command -v "$QEMU" >/dev/null || die "$QEMU missing (scripts/deps.sh)"

eval "$("$ROOT/scripts/kernel.sh")"

if [ -n "$ICOUNT" ]; then
	[[ "$ICOUNT" =~ ^[0-9]+$ ]] || die "--icount wants a shift (0..10)"
	accel=(-accel tcg,thread=single -icount "shift=$ICOUNT,align=off,sleep=off")
	SMP=1
	how="TCG icount shift=$ICOUNT"
	arch_qemu icount
else
	verdict=$("$ROOT/scripts/accel.sh") || die "scripts/accel.sh failed"
	eval "$verdict"
	if [ "$ACCEL" = kvm ]; then
		accel=(-accel kvm)
		how="KVM: $ACCEL_WHY"
	else
		accel=(-accel "tcg,thread=$TCG_THREAD")
		how="TCG: $ACCEL_WHY; $TCG_THREAD-threaded"
	fi
	arch_qemu "$ACCEL"
fi

share=()
if [ -n "$VIRTFS" ]; then
	[ -d "$VIRTFS" ] || die "--virtfs $VIRTFS is not a directory"
	share=(-fsdev "local,id=results,path=$VIRTFS,security_model=none"
		-device virtio-9p-pci,fsdev=results,mount_tag=results)
fi

# machine, CPU and the kernel command line's start: scripts/arch.sh
cmdline="$ARCH_CMDLINE softlockup_panic=1 softlockup_all_cpu_backtrace=1 panic_print=0x20 $APPEND"
echo "qemu-run: $KVER, $how, $SMP vCPU, ${MEM} MiB, timeout ${TIMEOUT}s" >&2
qemu=(timeout -k 10 "$TIMEOUT" "$QEMU"
	"${ARCH_MACHINE[@]}" "${accel[@]}" "${ARCH_CPU[@]}" -smp "$SMP" -m "$MEM"
	-nodefaults -no-user-config -display none -serial stdio -monitor none -no-reboot
	-global virtio-mmio.force-legacy=false
	-kernel "$KERNEL" -initrd "$INITRD" -append "$cmdline"
	"${share[@]}" "$@")

# The boot watchdog. A TCG guest on a loaded host was seen to stop early in boot (nothing after
# "Probing EDD", for 400 s) and then boot normally the next time. So the console goes through a
# file that is watched: a guest whose /init has not printed BOOT_MARKER within BOOT_TIMEOUT
# seconds is killed and booted once more, saying so; a second hang fails (exit 125).
console=$(mktemp)
trap 'rm -f "$console"' EXIT
for attempt in 1 2; do
	: >"$console"
	"${qemu[@]}" >"$console" </dev/null &
	qpid=$!
	tail -n +1 -f --pid=$qpid "$console" &
	tpid=$!
	hung=0
	if [ "$BOOT_TIMEOUT" -gt 0 ]; then
		waited=0
		while kill -0 $qpid 2>/dev/null && ! grep -aq "^$BOOT_MARKER" "$console"; do
			if [ $waited -ge "$BOOT_TIMEOUT" ]; then
				hung=1
				kill $qpid 2>/dev/null
				break
			fi
			sleep 1
			waited=$((waited + 1))
		done
	fi
	rc=0
	wait $qpid || rc=$?
	wait $tpid 2>/dev/null
	[ $hung = 1 ] || break
	last=$(tr -d '\r' <"$console" | grep -a . | tail -n 1 | cut -c1-100)
	echo "qemu-run: BOOT HANG: /init did not print $BOOT_MARKER in ${BOOT_TIMEOUT}s" \
		"(attempt $attempt; last console line: ${last:-none}); killed" >&2
	[ "$attempt" = 1 ] || exit 125
	echo "qemu-run: booting once more" >&2
done
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	echo "qemu-run: TIMEOUT: guest still running after ${TIMEOUT}s, killed" >&2
	exit 124
fi
exit "$rc"

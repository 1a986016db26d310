#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench.sh - `make bench`: run scenarios/ on every transport in one guest, one run, then write
# results/<run-id>/{raw/,summary.json,data/,plots/,report.md}.
#
#   scripts/bench.sh                 QEMU guest, 2 vCPUs: KVM if a probe boot under KVM works
#                                    (scripts/accel.sh; ACCEL=tcg|kvm forces), else TCG
#   ICOUNT=1 | ICOUNT=N              -icount shift=N,align=off,sleep=off, 1 vCPU (deterministic)
#   NATIVE=1                         no QEMU: build + insmod kmod/ on the running kernel and run
#                                    guest/bench.sh here (a board; needs root + headers)
#   SMOKE=1                          scenarios/smoke.list, REPS=1, RUNTIME=2, then check that
#                                    summary.json holds every transport and the plots exist
#   REPS=3 RUNTIME=5 LIST=default.list ONLY="pci msg" RUN_ID=name TIMEOUT=seconds
#   LOOP_PARAMS="delay_ns=2000 batch=0"   virtio_msg_loop.ko parameters for the msg contenders
#   TRACE=0                          no bpf tools during the measurements (tracer overhead)
#   TRACE=kicklat | TRACE=msglat     only that tool on the traced repetition (its own cost)
#   PERF_STAT=0                      no perf stat around the repetitions (its own cost: +3-6 % on
#                                    blk qd1 latency under ICOUNT=3)
#   ARCH=x86|arm64                   the guest's (default the host's; scripts/arch.sh): arm64 on
#                                    x86 is a TCG virt machine; run ids then carry the arch
#
# The guest side is guest/bench.sh (the same code NATIVE=1 runs); it prints "BENCH ..."
# progress lines on the serial console, which are relayed here. Results come back through a
# 9p share of results/<run-id> (qemu-run.sh --virtfs), or base64 on the console as a fallback.
# Guest launch and image: scripts/qemu-run.sh, scripts/initramfs.sh, scripts/kernel.sh.

# QEMU option values are comma lists by design
# shellcheck disable=SC2054
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

SMOKE=${SMOKE:-0}
NATIVE=${NATIVE:-0}
ICOUNT=${ICOUNT:-}
if [ "$SMOKE" = 1 ]; then
	REPS=${REPS:-1} RUNTIME=${RUNTIME:-2} LIST=${LIST:-smoke.list}
else
	REPS=${REPS:-3} RUNTIME=${RUNTIME:-5} LIST=${LIST:-default.list}
fi
ONLY=${ONLY:-}

# shellcheck source=scripts/arch.sh
. scripts/arch.sh

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

if [ "$NATIVE" = 1 ]; then
	MODE=native
elif [ -n "$ICOUNT" ]; then
	if ! [[ "$ICOUNT" =~ ^[0-9]+$ ]] || [ "$ICOUNT" -gt 10 ]; then
		die "ICOUNT must be 0..10"
	fi
	MODE=icount$ICOUNT
else
	# the accelerator qemu-run.sh will boot with: one verdict, named in the run id and
	# meta.env, and passed on so that the guest runs what they say
	verdict=$(scripts/accel.sh) || die "scripts/accel.sh failed"
	eval "$verdict"
	MODE=$ACCEL
	export ACCEL
	log "accelerator: $ACCEL ($ACCEL_WHY)"
fi
SUFFIX=""
if [ "$SMOKE" = 1 ]; then
	SUFFIX=-smoke
fi
ARCH_TAG=""
[ "$ARCH" = x86 ] || ARCH_TAG=$ARCH-
RUN_ID=${RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)-$ARCH_TAG$MODE$SUFFIX}
case "/$RUN_ID/" in
*/../* | */./* | //) die "RUN_ID must name a directory under results/: $RUN_ID" ;;
esac
OUT=$ROOT/results/$RUN_ID
# a reused run id (make test's smoke-test) starts empty: no figure of an older run survives
if [ -e "$OUT" ]; then
	log "results/$RUN_ID exists: replacing it"
	rm -rf "$OUT"
fi
mkdir -p "$OUT/raw"

# virtio-msg contenders are added when the modules are built: msg (the loop bus's load-time
# mode, thread by default), the same devices under the other bus models, and msg-user /
# msg-user-ring (guest/bench.sh)
EXPECT=null_blk,pci,mmio,veth
ntr=4
if [ -r kmod/virtio_msg.ko ] && [ -r kmod/virtio_msg_loop.ko ]; then
	EXPECT=$EXPECT,msg,msg-inline,msg-poll
	ntr=7
	# and the blk devices played from user space (vmsg-blk-user, built below), run last with
	# the loop module reloaded with a DMA window
	EXPECT=$EXPECT,msg-user,msg-user-ring
	ntr=9
fi

# cells x reps x (runtime + 1 s ramp + ~2 s setup), for the timeout and the user
ncells=0
while read -r s _; do
	case "$s" in '' | '#'*) continue ;; esac
	ncells=$((ncells + ntr))
done <"scenarios/$LIST"
estimate=$((ncells * REPS * (RUNTIME + 3)))
TIMEOUT=${TIMEOUT:-$(((estimate * 2 + 300) * SLOW))}
log "run $RUN_ID: mode $MODE, $LIST, $REPS reps x ${RUNTIME}s, ~$((estimate / 60 + 1)) min of" \
	"measurement (timeout ${TIMEOUT}s)"

make -s -C bench all rr-static >/dev/null || die "building bench/ failed"
make -s -C user static >/dev/null || die "building user/ failed"

relay() { # console lines -> console.log; BENCH lines -> terminal
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$OUT/console.log"
		case "$line" in
		BENCH-TAR-*) ;;
		BENCH\ *) log "${line#BENCH }" ;;
		esac
	done
}

GUEST_RC=0
if [ "$NATIVE" = 1 ]; then
	[ "$(id -u)" = 0 ] || die "NATIVE=1 needs root (modprobe, insmod, netns)"
	if [ -d kmod ] && [ -r "/lib/modules/$(uname -r)/build/Makefile" ]; then
		make -s -C kmod || die "building kmod/ against $(uname -r) failed"
	fi
	# a fresh checkout has no bpf tools (make setup is not run here): without them there are
	# no tracer figures (messages, notifications per I/O)
	make -s -C bpf >/dev/null 2>&1 || log "building bpf/ failed: no tracer figures"
	OUT=$OUT SCEN_DIR=$ROOT/scenarios LIST=$LIST REPS=$REPS RUNTIME=$RUNTIME ONLY=$ONLY \
		MODE=$MODE LOOP_PARAMS=${LOOP_PARAMS:-} TRACE=${TRACE:-1} PERF_STAT=${PERF_STAT:-1} \
		KMOD_DIR=$ROOT/kmod BPF_DIR=$ROOT/bpf RR=$ROOT/build/bench/rr \
		timeout "$TIMEOUT" sh guest/bench.sh 2>&1 | relay || GUEST_RC=$?
else
	if ! [ -x scripts/qemu-run.sh ] || ! [ -x scripts/initramfs.sh ]; then
		die "scripts/qemu-run.sh or scripts/initramfs.sh missing or not executable"
	fi
	# Contenders from QEMU. Every block device is a RAM-like null-co node (reads return
	# zeroes, writes are dropped) so the device model costs nothing and the transport shows.
	qargs=(
		-blockdev driver=null-co,node-name=nullpci,read-zeroes=on,size=1073741824
		-blockdev driver=null-co,node-name=nullmmio,read-zeroes=on,size=1073741824
		-device virtio-net-pci,netdev=np0,mac=52:54:00:99:02:01
		-device virtio-net-pci,netdev=np1,mac=52:54:00:99:02:02
		-device virtio-net-device,netdev=nm0,mac=52:54:00:99:03:01
		-device virtio-net-device,netdev=nm1,mac=52:54:00:99:03:02
		# two hubs with two ports each: every pair is back to back and nothing else
		-netdev hubport,id=np0,hubid=1 -netdev hubport,id=np1,hubid=1
		-netdev hubport,id=nm0,hubid=2 -netdev hubport,id=nm1,hubid=2
		-device virtio-blk-device,drive=nullmmio,serial=vmsg-bench-mmio
	)
	if [ -n "$ICOUNT" ]; then
		# With ioeventfd=on the vCPU idles while QEMU's I/O thread runs the request, and
		# under icount,sleep=off the guest clock warps over that idle time: qd1 reads
		# measured 2462-3210 us instead of 124-128 us. Off = handled inline.
		qargs+=(-device virtio-blk-pci,drive=nullpci,serial=vmsg-bench-pci,ioeventfd=off)
		runargs=(--icount "$ICOUNT" --smp 1)
	else
		qargs+=(-device virtio-blk-pci,drive=nullpci,serial=vmsg-bench-pci)
		runargs=(--smp 2)
	fi
	initrd=$OUT/initramfs.cpio
	scripts/initramfs.sh --bench --output "$initrd" || die "initramfs.sh --bench failed"
	append="bench=1 bench_reps=$REPS bench_runtime=$RUNTIME bench_list=$LIST bench_mode=$MODE"
	[ -n "$ONLY" ] && append="$append bench_only=${ONLY// /,}"
	[ -n "${LOOP_PARAMS:-}" ] && append="$append bench_loop=${LOOP_PARAMS// /,}"
	trace=${TRACE:-1}
	append="$append bench_trace=${trace// /,} bench_perf=${PERF_STAT:-1}"
	log "booting guest (serial console in $OUT/console.log)"
	scripts/qemu-run.sh "${runargs[@]}" --timeout "$TIMEOUT" --initramfs "$initrd" \
		--virtfs "$OUT" --append "$append" -- "${qargs[@]}" 2>&1 | relay || GUEST_RC=$?
	"$QEMU" --version | head -n 1 | sed 's/^/QEMU="/; s/$/"/' >>"$OUT/raw/meta.env"
	# fallback transport: base64 tar on the console
	if ! ls "$OUT"/raw/*__r1.json >/dev/null 2>&1 &&
		grep -q '^BENCH-TAR-BEGIN' "$OUT/console.log" 2>/dev/null; then
		sed -n '/^BENCH-TAR-BEGIN/,/^BENCH-TAR-END/p' "$OUT/console.log" | sed '1d;$d' |
			base64 -d | tar -C "$OUT" -xzf - || die "decoding the console results failed"
	fi
fi
grep -q '^BENCH done' "$OUT/console.log" || log "guest did not finish (rc $GUEST_RC): see $OUT/console.log"
echo "RUN_ID=$RUN_ID" >>"$OUT/raw/meta.env"
[ -z "${ACCEL_WHY:-}" ] || printf 'ACCEL_WHY="%s"\n' "${ACCEL_WHY//\"/}" >>"$OUT/raw/meta.env"

build/bench/vmsg-summary "$OUT" || die "vmsg-summary failed"
build/bench/vmsg-report "$OUT" bench/plot || die "vmsg-report failed"
ln -sfn "$RUN_ID" results/latest
log "report: $OUT/report.md"
if [ "$SMOKE" = 1 ]; then
	want=$EXPECT
	if [ -n "$ONLY" ]; then
		want=${ONLY// /,}
	fi
	build/bench/vmsg-summary --check "$OUT" "$want" || die "smoke check failed"
fi
exit "$GUEST_RC"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench.sh - run the bench scenarios on every transport present in this kernel.
#
# Runs inside the QEMU guest (busybox sh, started by guest/init with the variables below on
# the kernel command line or in its environment) and, unchanged, on a board with NATIVE=1 via
# scripts/bench.sh (lib.sh next to it is sourced). Writes
# $OUT/raw/<scenario>__<transport>__r<N>.json (fio / iperf3 / rr JSON verbatim),
# <same>.kicklat.json / .msglat.json when the bpf tools are present, <same>.perf.csv (perf stat
# -x, system-wide over the repetition) when perf is, and $OUT/raw/meta.env.
# Progress goes to stdout (the serial console) as "BENCH ..." lines, which scripts/bench.sh
# relays; the last line is "BENCH done rc=N".
#
# Contenders (found, never assumed):
#   blk: null_blk (modprobe, /dev/nullb0, the floor), virtio-blk pci / mmio (QEMU null-co, serial
#        $SERIAL_BENCH<transport>), msg (a /dev/vdX under the loop bus)
#   msg-inline, msg-poll: the same loop devices under another bus model: before each cell the
#        loop module's run-time parameter mode is set to inline / poll (msg cells: the mode
#        LOOP_PARAMS loaded, thread by default). Added when that mode is the load-time one.
#   net: veth (the floor), two virtio-net pci / mmio NICs joined by QEMU, the msg loop pair,
#        each pair by MAC (config.sh: MAC_PCI, MAC_MMIO, MAC_MSG + 1 / 2).
#        NIC pair N lives in namespaces vmN-a / vmN-b with 10.99.N.1 / 10.99.N.2.
#
# Environment:
#   SCEN_DIR   scenarios directory            (default: ./scenarios)
#   LIST       scenario list, relative to it  (default: default.list)
#   OUT        results directory              (required)
#   REPS       repetitions per cell           (default 3)
#   RUNTIME    seconds per repetition         (default 5)
#   KMOD_DIR   where virtio_msg.ko and virtio_msg_loop.ko are (optional: msg contenders)
#   BPF_DIR    where kicklat / msglat are      (optional; else looked up in PATH)
#   RR         the rr binary                   (default: rr in PATH)
#   ONLY       space-separated transports to run (default: all found)
#   MSG_MODES  bus models run as extra contenders msg-<mode> (default: "inline poll"; "" none)
#   BLK_DEVS   "name=path ..." skips blk discovery (e.g. files, for testing the script)
#   NET_LOOPBACK=1  net "lo" over 127.0.0.1 without namespaces (testing the script)
#   IP_BIN     iproute2's ip, if not in /usr/sbin, /sbin, /usr/bin or /bin (lib.sh)
#   MODE       label for meta.env (tcg, icount3, kvm, native)
#   LOOP_PARAMS virtio_msg_loop.ko parameters (default: blk_mb=1024 blk_null=1 net_pairs=1)
#   TRACE      1 (default): one extra repetition (r0) per cell with kicklat / msglat attached;
#              0: none; a list ("kicklat", "msglat"): only those tools (each one's own cost)
#   PERF_STAT  1 (default): perf stat around every repetition into <stem>.perf.csv
#              (context-switches, cpu-migrations, task-clock; MODE=native adds cycles and
#              instructions); 0: none.
#              It costs: +3 % (msg) to +6 % (pci) on blk qd1 latency under ICOUNT=3
#   PERF       the perf binary (default: perf in PATH; none found: no counters)
#   KICKLAT_ARGS    kicklat options on the traced repetition (default "": fentry; -K kprobes)
#   BPF_ATTACH_WAIT seconds to wait for the tracers' "Tracing" line before the workload (60)
#   BPF_STOP_WAIT   seconds a tracer gets to exit after SIGINT before a sysrq dump + kill (30)
#   BPF_TMP         local directory of the tracers' output until they exit (/tmp/vmsg-bpf)
#   CONSOLE_TAR=1   also print $OUT/raw as base64 tar between BENCH-TAR-BEGIN/END lines
set -u
GUEST_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=guest/lib.sh
. "$GUEST_DIR/lib.sh"

SCEN_DIR=${SCEN_DIR:-./scenarios}
LIST=${LIST:-default.list}
REPS=${REPS:-3}
RUNTIME=${RUNTIME:-5}
RR=${RR:-rr}
ONLY=${ONLY:-}
MODE=${MODE:-unknown}
# Like QEMU's null-co contenders: 1 GiB, reads return without touching data, writes dropped
LOOP_PARAMS=${LOOP_PARAMS:-blk_mb=1024 blk_null=1 net_pairs=1}
TRACE=${TRACE:-1}
MSG_MODES=${MSG_MODES-inline poll}
MODE_PARAM=/sys/module/virtio_msg_loop/parameters/mode
LOAD_MODE="" # the loop module's mode as loaded (msg cells run under it)
: "${OUT:?OUT must name the results directory}"
RAW=$OUT/raw
RR_PORT=5301
IPERF_PORT=5201

say() { echo "BENCH $*"; }
die() {
	say "error: $*"
	say "done rc=1"
	exit 1
}
case "$TRACE" in
0) TRACE_TOOLS="" ;;
1) TRACE_TOOLS="kicklat msglat" ;;
*) TRACE_TOOLS=$(echo "$TRACE" | tr , ' ') ;;
esac
for _t in $TRACE_TOOLS; do
	case $_t in kicklat | msglat) ;; *) die "TRACE=$TRACE: want 0, 1 or a list of kicklat, msglat" ;; esac
done

mkdir -p "$RAW" || die "cannot create $RAW"
[ -r "$SCEN_DIR/$LIST" ] || die "no scenario list $SCEN_DIR/$LIST"

# msg-user, msg-user1, msg-user-ring: a virtio-blk device played by a user-space process
# (vmsg-blk-user, user/, /dev/virtio-msg-lb) on a sparse file of USER_BLK_MB MiB in /tmp: up to
# 16 / 1 message(s) per read()/write() call, or the shared message rings (64 slots, the ENTER
# doorbell). msg-user and msg-user-ring run by default, msg-user1 when ONLY names it. The
# process needs the loop bus's DMA window: their cells run last, with the loop module reloaded
# with window_mb=16 added to LOOP_PARAMS (unless it has one), then reloaded as it was, so the
# other msg cells are not changed. Each process's message counts per call go to
# $OUT/<name>.stats.
USER_BLK_MB=${USER_BLK_MB:-256}
USER_PIDS=""
want_named() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
want_user() { # msg-user* contender -> 0 if selected
	[ -z "$ONLY" ] && [ "$1" != msg-user1 ] && return 0
	want_named "$1"
}
USER_NAMES=""
for _u in msg-user msg-user1 msg-user-ring; do
	want_user $_u && USER_NAMES="$USER_NAMES $_u"
done

want() { # transport name -> 0 if selected
	[ -z "$ONLY" ] && return 0
	case " $ONLY " in *" $1 "*) return 0 ;; esac
	return 1
}

# ---- contenders -------------------------------------------------------------------------------
load_modules() {
	if [ -n "${KMOD_DIR:-}" ] && [ -r "$KMOD_DIR/virtio_msg.ko" ] &&
		[ -r "$KMOD_DIR/virtio_msg_loop.ko" ]; then
		# shellcheck disable=SC2086 # one word per module parameter
		if insmod "$KMOD_DIR/virtio_msg.ko" &&
			insmod "$KMOD_DIR/virtio_msg_loop.ko" $LOOP_PARAMS; then
			say "info: virtio-msg modules loaded from $KMOD_DIR ($LOOP_PARAMS)"
			sleep 1 # let the loop bus probe its devices
			LOAD_MODE=$(cat "$MODE_PARAM" 2>/dev/null)
		else
			say "skip: msg (insmod failed, see dmesg)"
		fi
	else
		say "skip: msg (virtio_msg.ko / virtio_msg_loop.ko not built)"
	fi
}

# start_user_blk NAME: vmsg-blk-user whose disk has serial NAME; adds NAME=/dev/vdX to UBLK
UBLK=""
start_user_blk() {
	case $1 in
	msg-user) _a="-b 16" ;;
	msg-user1) _a="-b 1" ;;
	*) _a="-r 64" ;;
	esac
	dd if=/dev/zero of="/tmp/$1.img" bs=1M seek=$((USER_BLK_MB - 1)) count=1 2>/dev/null
	# shellcheck disable=SC2086 # options
	vmsg-blk-user $_a -i "$1" -s "$OUT/$1.stats" "/tmp/$1.img" >/dev/null 2>"$OUT/$1.log" &
	USER_PIDS="$USER_PIDS $!"
	for _i in $(seq 30); do
		for _d in /sys/block/vd*; do
			[ "$(cat "$_d/serial" 2>/dev/null)" = "$1" ] || continue
			UBLK="$UBLK $1=/dev/${_d##*/}"
			return
		done
		sleep 1
	done
	say "skip: $1 (no disk: $(tail -n 1 "$OUT/$1.log"))"
}
stop_user_blk() {
	for p in $USER_PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	USER_PIDS=""
	for f in "$OUT"/msg-user*.stats; do
		[ -r "$f" ] && say "info: ${f##*/}: $(tr '\n' ' ' <"$f")"
	done
}

BLK="" # "name=dev ..."
find_blk() {
	if [ -n "${BLK_DEVS:-}" ]; then
		BLK=$BLK_DEVS
		return
	fi
	if modprobe null_blk nr_devices=1 2>/dev/null && [ -b /dev/nullb0 ]; then
		BLK="null_blk=/dev/nullb0"
	else
		say "skip: null_blk (modprobe null_blk failed)"
	fi
	# Only disks that are ours: QEMU's carry serial "$SERIAL_BENCH<transport>" (bench.sh), the
	# loop disk sits under virtio-msg-loop. Anything else may be somebody's root disk, and
	# seqwrite-128k overwrites what it is given.
	for d in /sys/block/vd*; do
		[ -e "$d" ] || continue
		serial=$(cat "$d/serial" 2>/dev/null || true)
		case "$serial" in
		"$SERIAL_BENCH"*) t=${serial#"$SERIAL_BENCH"} ;;
		msg-user*) continue ;; # user_cells
		*)
			t=$(transport_of "$d/device") || continue
			[ "$t" = msg ] || continue
			;;
		esac
		case " $BLK " in *" $t="*) continue ;; esac # first device of each kind
		BLK="$BLK $t=/dev/${d##*/}"
		[ "$t" = msg ] || continue
		for m in $(msg_modes); do BLK="$BLK msg-$m=/dev/${d##*/}"; done
	done
}

# msg_modes: the bus models to run besides the load-time one (mode parameter writable)
msg_modes() {
	[ -n "$LOAD_MODE" ] && [ -w "$MODE_PARAM" ] || return 0
	for m in $MSG_MODES; do
		if [ "$m" != "$LOAD_MODE" ] && want "msg-$m"; then echo "$m"; fi
	done
}

# cell_mode TRANSPORT: the loop module's bus model for a cell of TRANSPORT
cell_mode() {
	[ -n "$LOAD_MODE" ] || return 0
	case $1 in
	msg-user*) m=$LOAD_MODE ;; # the process is the device: no bus model of ours
	msg-*) m=${1#msg-} ;;
	*) m=$LOAD_MODE ;;
	esac
	[ "$(cat "$MODE_PARAM")" = "$m" ] && return 0
	echo "$m" >"$MODE_PARAM" || say "info: cannot set mode=$m"
}

NET="" # "name:N ..." pairs set up in namespaces vmN-a / vmN-b
NETNS="" # namespaces we created, deleted on exit: physical NICs return to the root namespace
cleanup() {
	stop_user_blk
	for ns in $NETNS; do
		ip netns del "$ns" 2>/dev/null
	done
}
trap cleanup EXIT
net_pair() { # name N ifa ifb
	a=vm$2-a
	NETNS="$NETNS $a vm$2-b"
	pair_setup "10.99.$2" "$3" "$a" "$4" "vm$2-b" || return 1
	# wait (up to ~10 s) for the link to pass traffic. "ip netns exec" needs a file to exec, and
	# a busybox shell reports its applets by command -v: ask busybox by name first.
	if command -v busybox >/dev/null 2>&1; then
		ping="busybox ping"
	elif [ -x "$(command -v ping)" ]; then
		ping=ping
	else
		ping=""
	fi
	i=0
	while [ -n "$ping" ] && [ $i -lt 50 ]; do
		# shellcheck disable=SC2086 # "busybox ping" is two words
		ip netns exec "$a" $ping -c 1 -W 1 "10.99.$2.2" >/dev/null 2>&1 && break
		i=$((i + 1))
		sleep 0.2
	done
	if [ $i -ge 50 ]; then
		say "info: $1: 10.99.$2.2 does not answer ping"
		return 1
	fi
	[ -n "$ping" ] || sleep 2
	NET="$NET $1:$2"
}

find_net() {
	if [ "${NET_LOOPBACK:-0}" = 1 ]; then
		NET="lo:0"
		return
	fi
	if [ -z "$IP2" ]; then
		say "skip: net (no 'ip netns': the image needs iproute2's ip)"
		return
	fi
	if want veth && ip link add vbench0 type veth peer name vbench1 2>/dev/null; then
		net_pair veth 1 vbench0 vbench1 || say "skip: veth (setup failed)"
	else
		want veth && say "skip: veth (no veth support)"
	fi
	n=2
	for t in pci mmio msg; do
		# the msg pair also carries msg-<mode> (the plan drops what ONLY does not want)
		if ! want "$t" && { [ "$t" != msg ] || [ -z "$(msg_modes)" ]; }; then
			continue
		fi
		# NICs are picked by MAC (end A = ...1, end B = ...2), never by position, so a NIC the
		# launcher or the board adds for itself is left alone
		case $t in
		pci) mac=$MAC_PCI ;;
		mmio) mac=$MAC_MMIO ;;
		msg) mac=$MAC_MSG ;;
		esac
		ifs="$(nic_by_mac "${mac}1") $(nic_by_mac "${mac}2")"
		# shellcheck disable=SC2086 # word-splitting the interface list is intended
		set -- $ifs
		if [ $# -ge 2 ]; then
			if net_pair "$t" $n "$1" "$2"; then
				# the msg pair again under the other bus models
				[ "$t" = msg ] && for m in $(msg_modes); do NET="$NET msg-$m:$n"; done
			else
				say "skip: $t net (pair setup failed)"
			fi
		else
			say "skip: $t net (found $# NICs, need 2)"
		fi
		n=$((n + 1))
	done
}

# ---- one measurement --------------------------------------------------------------------------
# perf stat around every repetition (timed and traced alike, so the tracer cost compares like
# with like), system-wide: the device kthreads and interrupts are part of an I/O's cost.
PERF_STAT=${PERF_STAT:-1}
PERF=${PERF:-$(command -v perf 2>/dev/null)}
[ "$PERF_STAT" = 0 ] && PERF=""
PERF_EVENTS=context-switches,cpu-migrations,task-clock
[ "$MODE" = native ] && PERF_EVENTS=$PERF_EVENTS,cycles,instructions
if [ -n "$PERF" ] && ! "$PERF" stat -a -x, -e "$PERF_EVENTS" -o /dev/null true 2>/dev/null; then
	PERF="" # not runnable here (missing libraries, no perf_event_open): the bench goes on
fi
perf_pfx() { # stem ramp-seconds -> the command prefix, or nothing without perf
	[ -n "$PERF" ] || return 0
	# -D: counting starts when fio's ramp ends, so the counts match the I/Os fio reports
	echo "$PERF stat -a -x, -e $PERF_EVENTS -o $1.perf.csv -D $(($2 * 1000)) --"
}

BPF_PIDS=""
bpf_bin() { # tool -> path, or nothing
	if [ -n "${BPF_DIR:-}" ] && [ -x "$BPF_DIR/$1" ]; then
		echo "$BPF_DIR/$1"
	elif command -v "$1" >/dev/null 2>&1; then
		command -v "$1"
	fi
}
# KICKLAT_ARGS: kicklat options on the traced repetition (NATIVE=1 passes the environment);
# empty (the default): fentry/fexit (BPF trampolines), -K: kprobes. Both patch the probed
# functions live, so -K is no shelter from issue 10 (TCG stale code, see BPF_TMP below). The
# tracer's cost moves how many messages per I/O the traced repetition sees at qd32 under icount
# (msg: 1.62 with -K, 1.99 with fentry, same median): results/baseline.json was measured with
# this default, a run with -K does not compare with it.
KICKLAT_ARGS=${KICKLAT_ARGS-}
# The tools print "Tracing ..." once attached: the workload starts after that (a fixed sleep
# was shorter than kicklat's fentry attach under TCG, which then came after the workload, and
# the SIGINT that ended it was lost), or after BPF_ATTACH_WAIT seconds.
BPF_ATTACH_WAIT=${BPF_ATTACH_WAIT:-60}
# A tracer that has not exited BPF_STOP_WAIT seconds after its SIGINT is stuck (in the kernel,
# detaching): its kernel stack, the blocked tasks and every CPU's backtrace go to the console
# (sysrq w, l), and it is killed so that the bench goes on.
BPF_STOP_WAIT=${BPF_STOP_WAIT:-30}
# Attaching and detaching patches the probed virtio_ring functions (ftrace's int3 protocol,
# text_poke_bp) while the other vCPU may run them. Under multi-threaded TCG before QEMU 8.1, a
# vCPU that translates such a function while another vCPU patches it can keep stale code (QEMU
# commit deba78709ae8, "accel/tcg: Always lock pages before translation"): an int3 that the
# kernel restarts for ever with interrupts off (issue 10: soft lockup of the patching CPU, RCU
# stall of the other), or a torn call (kprobes: a call to 0). The bench's own virtio traffic
# while the tracers attach and detach was the 9p share (the tracers' output and this script
# polling it), so the tracers write to BPF_TMP (local) and their files are copied to the
# results once they have exited: the virtqueues are idle while their code is patched.
BPF_TMP=${BPF_TMP:-/tmp/vmsg-bpf}
BPF_STEM=""
bpf_start() { # stem
	BPF_PIDS=""
	BPF_STEM=$1
	mkdir -p "$BPF_TMP"
	for tool in $TRACE_TOOLS; do
		bin=$(bpf_bin $tool)
		[ -n "$bin" ] || continue
		rm -f "$BPF_TMP/$tool.json" "$BPF_TMP/$tool.log"
		if [ $tool = kicklat ]; then
			# shellcheck disable=SC2086 # options
			"$bin" $KICKLAT_ARGS -j >"$BPF_TMP/$tool.json" 2>"$BPF_TMP/$tool.log" &
		else
			"$bin" -j >"$BPF_TMP/$tool.json" 2>"$BPF_TMP/$tool.log" &
		fi
		BPF_PIDS="$BPF_PIDS $!:$tool"
	done
	for pl in $BPF_PIDS; do
		log=$BPF_TMP/${pl#*:}.log
		i=0
		while ! grep -q '^Tracing' "$log" 2>/dev/null && kill -0 "${pl%%:*}" 2>/dev/null &&
			[ $i -lt $((BPF_ATTACH_WAIT * 5)) ]; do
			sleep 0.2
			i=$((i + 1))
		done
		grep -q '^Tracing' "$log" 2>/dev/null ||
			say "info: ${BPF_STEM##*/}.${pl#*:}.log: not attached after $((i / 5))s: $(tail -n 1 "$log")"
	done
}
bpf_stop() {
	for pl in $BPF_PIDS; do
		p=${pl%%:*}
		kill -INT "$p" 2>/dev/null
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt $((BPF_STOP_WAIT * 5)) ]; do
			sleep 0.2
			i=$((i + 1))
		done
		if kill -0 "$p" 2>/dev/null; then
			say "info: tracer $(cat "/proc/$p/comm" 2>/dev/null) (pid $p) still running" \
				"${BPF_STOP_WAIT}s after SIGINT: kernel stack, sysrq w and l follow"
			sed 's/^/BENCH stack: /' "/proc/$p/stack" 2>/dev/null
			echo 8 >/proc/sys/kernel/printk
			echo w >/proc/sysrq-trigger 2>/dev/null
			echo l >/proc/sysrq-trigger 2>/dev/null
			echo 3 >/proc/sys/kernel/printk
			kill -KILL "$p" 2>/dev/null
		fi
		wait "$p" 2>/dev/null
	done
	# every tracer has exited (no probe left to patch): now the results may take the 9p share
	for pl in $BPF_PIDS; do
		for ext in json log; do
			cp "$BPF_TMP/${pl#*:}.$ext" "$BPF_STEM.${pl#*:}.$ext" 2>/dev/null
		done
	done
	BPF_PIDS=""
}

run_blk() { # scenario-file dev stem ramp-seconds
	# shellcheck disable=SC2046 # perf_pfx is a word list
	DEV=$2 RUNTIME=$RUNTIME RAMP=$4 $(perf_pfx "$3" "$4") \
		fio --output-format=json --output="$3.json" "$1" >"$3.log" 2>&1
}

run_net() { # scenario-file N stem
	if [ "$2" = 0 ]; then
		srv="" cli="" addr=127.0.0.1
	else
		srv="$IP2 netns exec vm$2-b" cli="$IP2 netns exec vm$2-a" addr=10.99.$2.2
	fi
	case $(kv_get "$1" TOOL) in
	iperf3)
		# shellcheck disable=SC2086 # $srv/$cli are command prefixes, ARGS is a word list
		$srv iperf3 -s -1 -B "$addr" -p $IPERF_PORT >"$3.srv.log" 2>&1 &
		spid=$!
		sleep 0.5
		# shellcheck disable=SC2046,SC2086
		$cli $(perf_pfx "$3" 0) iperf3 -c "$addr" -p $IPERF_PORT -t "$RUNTIME" -J \
			$(kv_get "$1" ARGS) >"$3.json" 2>"$3.log"
		rc=$?
		;;
	rr)
		# shellcheck disable=SC2086
		$srv "$RR" -s -B "$addr" -p $RR_PORT -l "$(kv_get "$1" SIZE)" >"$3.srv.log" 2>&1 &
		spid=$!
		# shellcheck disable=SC2046,SC2086
		$cli $(perf_pfx "$3" 0) "$RR" -c "$addr" -p $RR_PORT -l "$(kv_get "$1" SIZE)" \
			-n "$(kv_get "$1" COUNT)" -t "$RUNTIME" >"$3.json" 2>"$3.log"
		rc=$?
		;;
	*)
		echo "unknown TOOL in $1" >"$3.log"
		return 1
		;;
	esac
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	return $rc
}

# ---- main -------------------------------------------------------------------------------------
load_modules
find_blk
find_net
say "contenders: blk:${BLK:- none} net:${NET:- none}"

# the plan: one line per cell, so the total is known for the time-left estimate
PLAN=$RAW/.plan
: >"$PLAN"
while read -r s _; do
	case "$s" in '' | '#'*) continue ;; esac
	[ -r "$SCEN_DIR/$s" ] || die "scenario $s listed but missing"
	case "$s" in
	blk/*) for c in $BLK; do want "${c%%=*}" && echo "$s ${c%%=*} ${c#*=}"; done ;;
	net/*) for c in $NET; do want "${c%%:*}" && echo "$s ${c%%:*} ${c#*:}"; done ;;
	*) die "scenario $s: not under blk/ or net/" ;;
	esac >>"$PLAN"
done <"$SCEN_DIR/$LIST"
cells=$(wc -l <"$PLAN")
# the user-space contenders' cells (run last, user_cells): one per blk scenario each
ucells=0
if [ -n "$USER_NAMES" ] && [ -n "$LOAD_MODE" ]; then
	if command -v vmsg-blk-user >/dev/null; then
		nblk=$(grep -c '^blk/' "$SCEN_DIR/$LIST")
		for _u in $USER_NAMES; do ucells=$((ucells + nblk)); done
	else
		say "skip:$USER_NAMES (no vmsg-blk-user)"
	fi
fi
cells=$((cells + ucells))
# The bpf tools still cost per event (fentry trampolines, tracepoints): the timed repetitions
# 1..REPS run without them, and one extra repetition 0 runs traced, for the notification /
# message counts and the tracers' own overhead.
TRACED=0
_bins=""
for _t in $TRACE_TOOLS; do _bins=$_bins$(bpf_bin "$_t"); done
if [ -n "$_bins" ]; then
	TRACED=1
fi
total=$((cells * (REPS + TRACED)))
[ "$total" -gt 0 ] || die "nothing to run"
say "plan: $cells cells x ($REPS reps + $TRACED traced) x ${RUNTIME}s = $total runs"

# run_plan FILE: every cell of FILE ("scenario transport device-or-pair" lines)
run_plan() {
	while read -r s t arg; do
		name=$(echo "$s" | sed 's|/|-|; s|\.[a-z]*$||')
		r=$((1 - TRACED))
		while [ $r -le "$REPS" ]; do
			now=$(date +%s)
			if [ $step -gt 0 ]; then
				left=$(((now - start) * (total - step) / step))
			else
				left=$(((RUNTIME + 2) * total))
			fi
			step=$((step + 1))
			rl=$r/$REPS
			[ $r = 0 ] && rl=traced
			say "progress $step/$total scenario=$name transport=$t rep=$rl left=${left}s"
			stem=$RAW/${name}__${t}__r$r
			cell_mode "$t"
			[ $r = 0 ] && bpf_start "$stem"
			case "$s" in
			blk/*) run_blk "$SCEN_DIR/$s" "$arg" "$stem" $((r > 0)) ;;
			net/*) run_net "$SCEN_DIR/$s" "$arg" "$stem" ;;
			esac
			rc=$?
			[ $r = 0 ] && bpf_stop
			if [ $rc -ne 0 ]; then
				fail=$((fail + 1))
				say "fail scenario=$name transport=$t rep=$r rc=$rc: $(tail -n 2 "$stem.log" | tr '\n' ' ')"
				mv "$stem.json" "$stem.failed" 2>/dev/null
			fi
			r=$((r + 1))
		done
	done <"$1"
}

# user_cells: the msg-user* cells, with the loop module reloaded with a DMA window if it has
# none, then reloaded as it was
user_cells() {
	[ "$ucells" -gt 0 ] || return 0
	params=$LOOP_PARAMS
	case " $params " in *" window_mb="*) ;; *) params="$params window_mb=16" ;; esac
	if [ "$params" != "$LOOP_PARAMS" ]; then
		# shellcheck disable=SC2086 # one word per module parameter
		if ! rmmod virtio_msg_loop || ! insmod "$KMOD_DIR/virtio_msg_loop.ko" $params; then
			say "skip:$USER_NAMES (reloading virtio_msg_loop with $params failed)"
			return 1
		fi
		say "info: virtio_msg_loop reloaded for$USER_NAMES ($params)"
		sleep 1
	fi
	UBLK=""
	for u in $USER_NAMES; do start_user_blk "$u"; done
	while read -r s _; do
		case "$s" in blk/*) ;; *) continue ;; esac
		for c in $UBLK; do echo "$s ${c%%=*} ${c#*=}"; done
	done <"$SCEN_DIR/$LIST" >"$PLAN"
	run_plan "$PLAN"
	stop_user_blk
	if [ "$params" != "$LOOP_PARAMS" ]; then
		# shellcheck disable=SC2086
		rmmod virtio_msg_loop && insmod "$KMOD_DIR/virtio_msg_loop.ko" $LOOP_PARAMS ||
			say "info: reloading virtio_msg_loop as it was ($LOOP_PARAMS) failed"
	fi
}

start=$(date +%s)
step=0
fail=0
run_plan "$PLAN"
cell_mode msg # back to the load-time bus model
user_cells
rm -f "$PLAN"

{
	echo "MODE=$MODE"
	echo "LOOP_PARAMS=\"$LOOP_PARAMS\""
	echo "TRACE=$TRACE"
	echo "PERF_STAT=$PERF_STAT"
	echo "MSG_MODES=\"$(msg_modes | tr '\n' ' ' | sed 's/ *$//')\""
	echo "LOAD_MODE=$LOAD_MODE"
	echo "KERNEL=\"$(uname -r)\""
	echo "ARCH=$(uname -m)"
	echo "NCPU=$(grep -c ^processor /proc/cpuinfo)"
	echo "DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "REPS=$REPS"
	echo "RUNTIME=$RUNTIME"
	echo "ELAPSED=$(($(date +%s) - start))"
	echo "FAILED=$fail"
	echo "SCENARIOS=\"$(grep -v '^#' "$SCEN_DIR/$LIST" | tr '\n' ' ' | sed 's/ *$//')\""
	echo "FIO=\"$(fio --version 2>/dev/null)\""
	echo "IPERF3=\"$(iperf3 --version 2>/dev/null | head -n 1)\""
	echo "PERF=\"${PERF:+$("$PERF" --version 2>/dev/null) -e $PERF_EVENTS}\""
} >"$RAW/meta.env"

if [ "${CONSOLE_TAR:-0}" = 1 ]; then
	echo "BENCH-TAR-BEGIN"
	tar -C "$OUT" -czf - raw | base64
	echo "BENCH-TAR-END"
fi
sync
say "done rc=$([ $fail -eq 0 ] && echo 0 || echo 1) failed=$fail"
[ $fail -eq 0 ]

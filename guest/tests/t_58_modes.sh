# SPDX-License-Identifier: GPL-2.0
# modes: the bus models (mode=thread, inline, inline with inline_defer, poll), each without and
# with a DMA window (window_mb=16): fio write + crc32c verify at qd1 and qd32 and iperf3 over the
# pair; the stats show how the device was driven (poll: fewer EVENT_AVAIL than chains); with the
# window ACCESS_PLATFORM is negotiated and a buffer outside it (RAM, fault=badaddr) is a device
# error; a bad mode is refused; switching the mode at run time under qd1 I/O loses no completion
MODE_SECS=${MODE_SECS:-3}

# loop_stat NAME: the sum of counter NAME over the loop devices
loop_stat() {
	awk -v k="$1" '{ for (i = 4; i < NF; i += 2) if ($i == k) s += $(i + 1) } END { print s + 0 }' \
		$SYS_LOOP/stats
}

# iperf_once PORT: a MODE_SECS iperf3 run over the pair (set up by pair_up vmsgm 10.77.0)
iperf_once() {
	ip netns exec vmsgm iperf3 -s -1 -p "$1" >/tmp/iperf3-srv.log 2>&1 &
	_srv=$!
	_hex=$(printf '%04X' "$1")
	wait_for 10 sh -c "$IP2 netns exec vmsgm cat /proc/net/tcp /proc/net/tcp6 | grep -q ':$_hex '" ||
		fail "iperf3 server did not start"
	iperf3 -c 10.77.0.2 -p "$1" -t "$MODE_SECS" -J >/tmp/iperf3-mode.json 2>&1 ||
		{ cat /tmp/iperf3-mode.json; kill $_srv 2>/dev/null; fail "iperf3 failed"; }
	wait $_srv 2>/dev/null
	_bytes=$(grep -A 8 '"sum_received"' /tmp/iperf3-mode.json |
		sed -n 's/.*"bytes":[[:space:]]*\([0-9]*\).*/\1/p' | head -n 1)
	[ "${_bytes:-0}" -gt 0 ] || { cat /tmp/iperf3-mode.json; fail "iperf3 moved no data"; }
}

if insmod "$KMOD/virtio_msg_loop.ko" mode=bogus 2>/dev/null; then
	fail "mode=bogus was accepted"
fi
port=5210
for mw in thread inline inline_defer poll thread/w inline/w poll/w; do
	m=${mw%/w} w=""
	[ "$m" = "$mw" ] || w="window_mb=16"
	case $m in
	inline_defer) p="mode=inline inline_defer=1" ;;
	poll) p="mode=poll poll_us=2000" ;;
	*) p="mode=$m" ;;
	esac
	# shellcheck disable=SC2086 # one word per parameter
	load_msg $LOOP_PARAMS_DEFAULT $p $w
	m=$mw
	wait_for 20 test "$(msg_bound)" -ge 3 || fail "$m: expected 3 bound loop devices"
	wait_for 10 test -n "$(msg_blk)" || fail "$m: no blk device"
	[ "$(cat /sys/module/virtio_msg_loop/parameters/mode)" = "${m%%[_/]*}" ] ||
		fail "$m: mode reads $(cat /sys/module/virtio_msg_loop/parameters/mode)"
	dev=$(msg_blk)
	if [ -n "$w" ]; then
		# feature bit 33 (VIRTIO_F_ACCESS_PLATFORM) negotiated on every loop device
		for d in $(msg_devs); do
			[ "$(cut -c34 "$d/features")" = 1 ] || fail "$m: $d without ACCESS_PLATFORM"
		done
	fi
	echo 0 >$SYS_LOOP/stats
	fio_verify "$dev" 1 4k --size=8m || fail "$m: fio verify qd1 4k"
	avail=$(loop_stat avail) chains=$(loop_stat chains) used=$(loop_stat used)
	info "$m: blk verify qd1 ok: $chains chains, $avail EVENT_AVAIL, $used EVENT_USED"
	[ "$chains" -gt 0 ] && [ "$used" -gt 0 ] || fail "$m: no chains or no EVENT_USED counted"
	# polling 2 ms, the device sees most qd1 requests without a notification
	if [ "$m" = poll ] && [ "$(grep -c ^processor /proc/cpuinfo)" -gt 1 ]; then
		[ "$avail" -lt "$chains" ] || fail "poll: $avail EVENT_AVAIL for $chains chains"
	fi
	fio_verify "$dev" 32 16k --size=16m || fail "$m: fio verify qd32 16k"
	info "$m: blk verify qd32 ok"
	pair_up vmsgm 10.77.0
	iperf_once $port
	port=$((port + 1))
	info "$m: iperf3 $MODE_SECS s, $_bytes bytes"
	if [ -n "$w" ] && [ "$m" = thread/w ]; then
		# a buffer in RAM but outside the window: a device error, NEEDS_RESET, no oops
		set_param fault badaddr
		set_param fault_count 1
		ping -c 3 -W 2 10.77.0.2 >/dev/null
		set_param fault none
		[ "$(loop_stat faults)" -eq 1 ] || fail "window: fault injected $(loop_stat faults) times"
		[ "$(loop_stat errors)" -ge 1 ] || fail "window: address outside the window accepted"
		info "window: a buffer outside the window is a device error ($(loop_stat errors))"
	fi
	pair_down vmsgm
done

# run-time switches under qd1 I/O: one lost EVENT_USED stalls the only request for good
load_msg $LOOP_PARAMS_DEFAULT
wait_for 20 test "$(msg_bound)" -ge 3 || fail "expected 3 bound loop devices"
wait_for 10 test -n "$(msg_blk)" || fail "no blk device"
dev=$(msg_blk)
fio --name=modes --filename="$dev" --ioengine=libaio --direct=1 --rw=randread --bs=4k \
	--iodepth=1 --time_based --runtime="$MODE_SECS" --output-format=terse --terse-version=3 \
	>/tmp/fio-modes.out 2>&1 &
fio=$!
end=$(($(cut -d. -f1 /proc/uptime) + MODE_SECS + 20))
flips=0
while kill -0 $fio 2>/dev/null && [ "$(cut -d. -f1 /proc/uptime)" -lt $end ]; do
	for v in inline poll thread; do
		set_param mode $v || fail "set_param mode $v"
		flips=$((flips + 1))
	done
done
if kill -0 $fio 2>/dev/null; then
	kill -9 $fio
	fail "fio still running $((MODE_SECS + 20)) s after it started: lost completion"
fi
wait $fio || { cat /tmp/fio-modes.out; fail "fio exited with an error"; }
[ "$(cut -d';' -f5 /tmp/fio-modes.out | head -n 1)" = 0 ] || fail "fio reported errors"
info "run-time mode switches: $flips under qd1 randread, no error"
load_default

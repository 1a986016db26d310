# SPDX-License-Identifier: GPL-2.0
# knobs: every run-time knob flipped in a loop while fio (qd1 randread, where one lost EVENT_USED
# stalls the only request for good) runs on the blk device and iperf3 on the net pair; both must
# finish in time with no errors and the kernel log stay clean
KNOB_SECS=${KNOB_SECS:-10}

# flip_knobs PID: toggle every run-time knob until PID exits or the deadline passes; the number
# of knob writes in $flips
flip_knobs() {
	_end=$(($(cut -d. -f1 /proc/uptime) + KNOB_SECS + 20))
	flips=0
	while kill -0 "$1" 2>/dev/null && [ "$(cut -d. -f1 /proc/uptime)" -lt $_end ]; do
		for _kv in "batch 0" "zerocopy 0" "event_idx 0" "delay_ns 1000" "thread_nice 19" \
			"timeout_ms 2000" "batch 1" "zerocopy 1" "event_idx 1" "delay_ns 0" \
			"thread_nice 0" "timeout_ms 1000"; do
			# shellcheck disable=SC2086 # knob and value
			set_param $_kv || fail "set_param $_kv"
			flips=$((flips + 1))
		done
	done
}

# finished PID WHAT: PID is gone (else it is stuck: kill it and fail)
finished() {
	if kill -0 "$1" 2>/dev/null; then
		kill -9 "$1" 2>/dev/null
		fail "$2 still running $((KNOB_SECS + 20)) s after it started: lost completion"
	fi
}

load_default
dev=$(msg_blk)
fio --name=knobs --filename="$dev" --ioengine=libaio --direct=1 --rw=randread --bs=4k \
	--iodepth=1 --time_based --runtime="$KNOB_SECS" --output-format=terse --terse-version=3 \
	>/tmp/fio-knobs.out 2>&1 &
fio=$!
flip_knobs $fio
finished $fio "fio qd1 randread"
wait $fio || { cat /tmp/fio-knobs.out; fail "fio exited with an error"; }
err=$(cut -d';' -f5 /tmp/fio-knobs.out | head -n 1)
ios=$(cut -d';' -f6 /tmp/fio-knobs.out | head -n 1)
[ "$err" = 0 ] || { cat /tmp/fio-knobs.out; fail "fio reported $err errors"; }
info "blk: fio qd1 randread $KNOB_SECS s, $flips knob writes, ${ios} KiB read, 0 errors"

pair_up vmsgk 10.78.0
ip netns exec vmsgk iperf3 -s -1 -p 5203 >/tmp/iperf3-srv.log 2>&1 &
srv=$!
wait_for 10 sh -c "$IP2 netns exec vmsgk cat /proc/net/tcp /proc/net/tcp6 | grep -q ':1453 '" ||
	fail "iperf3 server did not start"
iperf3 -c 10.78.0.2 -p 5203 -t "$KNOB_SECS" -J >/tmp/iperf3-knobs.json 2>&1 &
cli=$!
flip_knobs $cli
finished $cli "iperf3"
wait $cli || { cat /tmp/iperf3-knobs.json; kill $srv 2>/dev/null; fail "iperf3 failed"; }
bytes=$(grep -A 8 '"sum_received"' /tmp/iperf3-knobs.json |
	sed -n 's/.*"bytes":[[:space:]]*\([0-9]*\).*/\1/p' | head -n 1)
[ "${bytes:-0}" -gt 0 ] || { cat /tmp/iperf3-knobs.json; fail "iperf3 moved no data"; }
info "net: iperf3 $KNOB_SECS s, $flips knob writes, $bytes bytes"
kill $srv 2>/dev/null
wait $srv 2>/dev/null
pair_down vmsgk
grep '^dev ' $SYS_LOOP/stats
# nothing left in flight: the module unloads
unload_msg
load_default

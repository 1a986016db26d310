# SPDX-License-Identifier: GPL-2.0
# modload: 20 load/unload cycles with devices bound (and the blk device just used), then bad
# module parameters must be refused with an error, not an oops
unload_msg
i=1
while [ $i -le 20 ]; do
	load_msg $LOOP_PARAMS_DEFAULT
	wait_for 20 test "$(msg_bound)" -ge 3 || fail "cycle $i: $(msg_bound) of 3 devices bound"
	if [ $((i % 5)) -eq 0 ]; then
		wait_for 10 test -n "$(msg_blk)" || fail "cycle $i: no blk device"
		dd if="$(msg_blk)" of=/dev/null bs=64k count=16 2>/dev/null || fail "cycle $i: read"
	fi
	unload_msg
	i=$((i + 1))
done
info "20 load/unload cycles ok"
insmod $KMOD/virtio_msg.ko || fail "insmod virtio_msg"
for bad in "blk_mb=-1" "blk_mb=abc" "net_pairs=99" "delay_ns=-5" "blk_queues=0" "fault=bogus" \
	"thread_nice=20"; do
	if insmod $KMOD/virtio_msg_loop.ko $bad 2>/tmp/insmod.err; then
		rmmod virtio_msg_loop
		fail "insmod with $bad was accepted"
	fi
	info "$bad refused: $(cat /tmp/insmod.err)"
done
load_default
# run-time knobs: thread_nice reaches every device kthread; bad values are refused
set_param thread_nice 19 || fail "thread_nice=19 refused"
n=0
for p in /proc/[0-9]*; do
	case "$(cat "$p/comm" 2>/dev/null)" in
	vmsg-loop/*)
		[ "$(cut -d' ' -f19 "$p/stat")" = 19 ] || fail "$(cat "$p/comm") not at nice 19"
		n=$((n + 1))
		;;
	esac
done
[ $n -eq 3 ] || fail "found $n vmsg-loop kthreads, want 3"
set_param thread_nice 0
for knob in "thread_nice 25" "delay_ns 2000000" "timeout_ms 0" "fault nope" "batch maybe"; do
	# shellcheck disable=SC2086 # knob and value
	if set_param $knob 2>/dev/null; then fail "run-time $knob accepted"; fi
done
info "thread_nice applied to $n kthreads; bad run-time values refused"

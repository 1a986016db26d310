# SPDX-License-Identifier: GPL-2.0
# lostused: a bus that loses EVENT_USED messages costs latency, not the device: fio (qd1,
# so nothing else completes on the queue) still finishes, and the transport reports the
# queues it had to look at itself
load_default
dev=$(msg_blk)
dmesg -c >/dev/null
set_param fault dropused
set_param fault_count 3
t0=$(cut -d. -f1 /proc/uptime)
timeout 60 fio --name=lost --filename="$dev" --ioengine=libaio --direct=1 --rw=randread \
	--bs=4k --iodepth=1 --size=4m --number_ios=2000 --output-format=terse >/tmp/lost.out 2>&1
rc=$?
t1=$(cut -d. -f1 /proc/uptime)
left=$(cat /sys/module/virtio_msg_loop/parameters/fault_count)
set_param fault none
info "fio rc $rc after $((t1 - t0)) s, EVENT_USED not dropped: $left of 3"
info "kernel said: $(dmesg | grep -m 1 'without EVENT_USED')"
[ "$left" -eq 0 ] || fail "the fault did not fire ($left left)"
[ "$rc" -eq 0 ] || fail "fio did not finish after lost EVENT_USED (rc $rc)"
dmesg | grep -q 'without EVENT_USED' || fail "no report of the lost events"

# SPDX-License-Identifier: GPL-2.0
# hotplug: GET_DEVICES pages through more devices than one page holds (enum_count=8, 9 devices)
# and a next_offset that does not increase is refused; devices are added and removed at run
# time through /sys/devices/virtio-msg-loop/{add,remove} (EVENT_DEVICE READY/REMOVED): a
# surprise removal under fio and iperf3 fails their I/O with errors, no hang, and add brings
# the devices back
# wait_for runs its command again each time: functions, not a $(...) expanded once
bound_is() { test "$(msg_bound)" -eq "$1"; }
count_is() { test "$(msg_count)" -eq "$1"; }
has_blk() { test -n "$(msg_blk)"; }
unload_msg
dmesg -c >/dev/null
load_msg blk_mb=16 net_pairs=4 enum_count=8
wait_for 60 bound_is 9 || fail "9 devices over 2 GET_DEVICES pages: $(msg_bound) bound"
dmesg | grep -q 'GET_DEVICES: 2 page(s) of 8' || fail "not enumerated in 2 pages of 8"
info "9 devices found over 2 GET_DEVICES pages of 8"
rmmod virtio_msg_loop || fail "rmmod"
dmesg -c >/dev/null
if insmod "$KMOD/virtio_msg_loop.ko" blk_mb=16 net_pairs=4 enum_count=8 enum_badnext=1; then
	fail "a next_offset that does not increase was taken"
fi
dmesg | grep -q 'next_offset 8 does not increase past offset 8: refused' ||
	fail "no clear error for the bad next_offset: $(dmesg | tail -n 2)"
info "bad next_offset refused: $(dmesg | grep -m 1 'next_offset')"

load_default
dev=$(msg_blk)
pair_up vmsgh 10.80.0
blk_num=$(sed -n 's/^dev \([0-9]*\) blk .*/\1/p' $SYS_LOOP/stats | head -n 1)
net_num=$(sed -n 's/^dev \([0-9]*\) net .*/\1/p' $SYS_LOOP/stats | head -n 1)
fio --name=hp --filename="$dev" --ioengine=libaio --direct=1 --rw=randrw --bs=4k --iodepth=16 \
	--time_based --runtime=60 >/tmp/fio-hp.log 2>&1 &
fpid=$!
ip netns exec vmsgh iperf3 -s -1 -p 5208 >/tmp/iperf3-hp-srv.log 2>&1 &
srv=$!
wait_for 10 sh -c "$IP2 netns exec vmsgh cat /proc/net/tcp /proc/net/tcp6 | grep -q ':1458 '" ||
	fail "iperf3 server did not start"
iperf3 -c 10.80.0.2 -p 5208 -t 60 -i 1 >/tmp/iperf3-hp.log 2>&1 &
cli=$!
# remove only once both move data: fio's requests completed, iperf3's first interval reported
vd=${dev##*/}
io0=$(awk '{ print $1 + $5 }' "/sys/block/$vd/stat")
io_moved() { test "$(awk '{ print $1 + $5 }' "/sys/block/$vd/stat")" -gt $((io0 + 200)); }
wait_for 60 io_moved || fail "fio moved no data on $dev"
wait_for 90 grep -q 'bits/sec' /tmp/iperf3-hp.log ||
	fail "iperf3 moved no data in 90 s: $(tail -n 3 /tmp/iperf3-hp.log | tr '\n' ' ')"
info "under load: $(tail -n 1 /tmp/iperf3-hp.log)"
dmesg -c >/dev/null
t0=$(cut -d. -f1 /proc/uptime)
echo "$blk_num" >$SYS_LOOP/remove || fail "remove blk dev $blk_num"
echo "$net_num" >$SYS_LOOP/remove || fail "remove net dev $net_num"
t1=$(cut -d. -f1 /proc/uptime)
info "removed blk dev $blk_num and the net pair of dev $net_num under load in $((t1 - t0)) s"
wait_for 30 sh -c "! kill -0 $fpid 2>/dev/null" || fail "fio still runs 30 s after the removal"
wait $fpid && fail "fio did not see an error from the removed disk"
info "fio: $(grep -m 1 -iE 'error|err=' /tmp/fio-hp.log)"
dmesg | grep -q 'EVENT_DEVICE dev .* state 2' || fail "no EVENT_DEVICE REMOVED"
wait_for 30 count_is 0 || fail "devices still there: $(msg_count)"
[ -z "$(msg_nic "${MAC_MSG}1")" ] || fail "$a still exists"
kill $cli $srv 2>/dev/null
wait_for 10 sh -c "! kill -0 $cli 2>/dev/null" || fail "iperf3 client cannot be stopped"
wait $cli 2>/dev/null
wait $srv 2>/dev/null
ip netns del vmsgh
info "iperf3: $(tail -n 1 /tmp/iperf3-hp.log)"
# the released devices free their numbers; then they come back
wait_for 20 sh -c "! grep -q '^dev ' $SYS_LOOP/stats" || fail "removed devices not released"
echo blk >$SYS_LOOP/add || fail "add blk"
echo net >$SYS_LOOP/add || fail "add net"
wait_for 30 bound_is 3 || fail "added devices not bound: $(msg_bound)"
dmesg | grep -q 'EVENT_DEVICE dev .* state 1' || fail "no EVENT_DEVICE READY"
wait_for 10 has_blk || fail "no disk after add"
fio_verify "$(msg_blk)" 4 4k --size=4m || fail "fio on the added disk"
pair_up vmsgh 10.80.0
ping -c 3 -W 5 10.80.0.2 >/dev/null || fail "no traffic over the added pair"
pair_down vmsgh
info "blk and net pair back after add: fio verify and ping ok"
echo bogus >$SYS_LOOP/add 2>/dev/null && fail "add took bogus"
echo 99 >$SYS_LOOP/remove 2>/dev/null && fail "remove took an absent device"
load_default

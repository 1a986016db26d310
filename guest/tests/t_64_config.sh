# SPDX-License-Identifier: GPL-2.0
# config: a device whose configuration generation moves on every read cannot livelock the
# probe (6.1's virtio_cread() retries until two generations match): the transport holds
# the generation after a bounded number of moves, and the driver comes up
N=100000
unload_msg
dmesg -c >/dev/null
load_msg blk_mb=16 net_pairs=0 fault=genchange fault_count=$N
wait_for 60 test "$(msg_bound)" -eq 1 || fail "blk probe did not finish with a moving generation"
moved=$((N - $(cat /sys/module/virtio_msg_loop/parameters/fault_count)))
set_param fault none
info "probe done after $moved GET_CONFIG with a moved generation: $(dmesg | grep -m 1 'generation moved')"
[ "$moved" -lt 1000 ] || fail "$moved generation reads: the retries are not bounded"
dmesg | grep -q 'generation moved' || fail "no warning about the moving generation"
load_default
fio_verify "$(msg_blk)" 4 4k --size=4m || fail "fio after the generation fault"
# EVENT_CONFIG: the RAM disk resized at run time (generation bumped, EVENT_CONFIG sent): the
# driver's capacity follows; a net end's link status (VIRTIO_NET_F_STATUS): its carrier follows
blk_num=$(sed -n 's/^dev \([0-9]*\) blk .*/\1/p' $SYS_LOOP/stats | head -n 1)
net_num=$(sed -n 's/^dev \([0-9]*\) net .*/\1/p' $SYS_LOOP/stats | head -n 1)
dev=$(msg_blk)
size=$(blockdev --getsize64 "$dev")
# wait_for runs its command again each time: a function, not a $(...) expanded once
cap_is() { test "$(blockdev --getsize64 "$dev")" -eq "$1"; }
echo "$blk_num 32" >$SYS_LOOP/resize || fail "resize to 32 MiB"
wait_for 10 cap_is $((32 << 20)) ||
	fail "capacity did not follow: $(blockdev --getsize64 "$dev")"
info "$dev: $size -> $(blockdev --getsize64 "$dev") bytes: $(dmesg | grep -m 1 'capacity change')"
fio_verify "$dev" 4 4k --size=32m || fail "fio on the resized disk"
echo "$blk_num 65" >$SYS_LOOP/resize 2>/dev/null && fail "resize beyond the RAM disk taken"
echo "$blk_num 64" >$SYS_LOOP/resize || fail "resize back to 64 MiB"
wait_for 10 cap_is $((64 << 20)) || fail "capacity not back"
pair_up vmsgc 10.81.0
echo "$net_num 0" >$SYS_LOOP/link || fail "link down"
wait_for 10 grep -q 0 "/sys/class/net/$a/carrier" || fail "$a keeps its carrier with link down"
info "$a (dev $net_num): link down -> carrier $(cat "/sys/class/net/$a/carrier")"
echo "$net_num 1" >$SYS_LOOP/link || fail "link up"
wait_for 10 grep -q 1 "/sys/class/net/$a/carrier" || fail "$a has no carrier with link up"
ping -c 2 -W 5 10.81.0.2 >/dev/null || fail "no traffic after link up"
info "$a: link up -> carrier 1, ping ok"
pair_down vmsgc

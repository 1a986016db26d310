# SPDX-License-Identifier: GPL-2.0
# user: a virtio-blk device played by a user-space process through /dev/virtio-msg-lb
# (vmsg-blk-user, libvmsgdev) on a file in /tmp: virtio_blk binds, fio crc32c verify at qd1 and
# qd32; kill -9 of the process under fio ends fio with I/O errors (no hang) and the disk goes;
# started again the device comes back and verifies (read()/write() and the message rings); the module unloads and reloads; a hostile
# process's malformed messages (bad size, bad token, unsolicited answers) and garbage ring
# indices and slots are refused
command -v vmsg-blk-user >/dev/null || skip "no vmsg-blk-user in the initramfs (make -C user static)"
has_blk() { test -n "$(msg_blk)"; }
no_blk() { test -z "$(msg_blk)"; }
# start_user ARGS: vmsg-blk-user on /tmp/user.img in the background, pid in $upid
start_user() {
	vmsg-blk-user "$@" -s /tmp/user.stats /tmp/user.img 2>>/tmp/user.log &
	upid=$!
	wait_for 30 has_blk || fail "no disk from vmsg-blk-user: $(tail -n 3 /tmp/user.log)"
}
unload_msg
dmesg -c >/dev/null
# the process needs the DMA window: without it the device is refused
load_msg blk_mb=0 net_pairs=0
[ -c /dev/virtio-msg-lb ] || fail "no /dev/virtio-msg-lb"
vmsg-blk-user /dev/null 2>/dev/null && fail "vmsg-blk-user ran without a usable file"
dd if=/dev/zero of=/tmp/user.img bs=1M count=32 2>/dev/null || fail "cannot make /tmp/user.img"
if timeout 10 vmsg-blk-user /tmp/user.img 2>/tmp/user.log; then
	fail "a device was created without a DMA window"
fi
grep -q 'No such device or address' /tmp/user.log || fail "no ENXIO without a window: $(cat /tmp/user.log)"
info "refused without a DMA window: $(tail -n 1 /tmp/user.log)"

load_msg blk_mb=0 net_pairs=0 window_mb=16
: >/tmp/user.log
start_user -b 16
dev=$(msg_blk)
info "vmsg-blk-user serves $dev: $(head -n 1 /tmp/user.log)"
fio_verify "$dev" 1 4k --size=8m || fail "fio verify qd1 4k on $dev"
info "qd1 4k verify: ok"
fio_verify "$dev" 32 16k --size=16m || fail "fio verify qd32 16k on $dev"
info "qd32 16k verify: ok"
grep "^dev .* user " $SYS_LOOP/stats

# kill -9 under fio: I/O errors, no hang, the disk goes away
fio --name=kill --filename="$dev" --ioengine=libaio --direct=1 --rw=randrw --bs=4k --iodepth=16 \
	--time_based --runtime=60 >/tmp/fio-user.log 2>&1 &
fpid=$!
vd=${dev##*/}
io0=$(awk '{ print $1 + $5 }' "/sys/block/$vd/stat")
io_moved() { test "$(awk '{ print $1 + $5 }' "/sys/block/$vd/stat")" -gt $((io0 + 200)); }
wait_for 60 io_moved || fail "fio moved no data on $dev"
dmesg -c >/dev/null
kill -9 $upid
wait $upid 2>/dev/null
wait_for 30 sh -c "! kill -0 $fpid 2>/dev/null" || fail "fio still runs 30 s after kill -9"
wait $fpid && fail "fio did not see an error from the dead device"
info "fio: $(grep -m 1 -iE 'error|err=' /tmp/fio-user.log)"
dmesg | grep -q 'the process went away, removed' || fail "no removal logged"
dmesg | grep -q 'EVENT_DEVICE dev .* state 2' || fail "no EVENT_DEVICE REMOVED"
wait_for 30 no_blk || fail "the disk is still there: $(msg_blk)"
wait_for 20 sh -c "! grep -q '^dev ' $SYS_LOOP/stats" || fail "the device was not released"
info "kill -9 under fio: I/O errors, disk gone"

# again, one message per read()/write() call, then up to 16: back and verifies; messages per
# call as the process counted them
per_call() { # the stats file is "key value" lines
	awk '{ v[$1] = $2 } END { printf "batch %s: %s messages in %s reads, %s in %s writes",
		v["batch"], v["msgs_in"], v["reads"], v["msgs_out"], v["writes"] }' /tmp/user.stats
}
for b in 1 16; do
	start_user -b $b
	fio_verify "$(msg_blk)" 32 4k --size=4m || fail "fio verify after restart (batch $b)"
	kill $upid
	wait $upid
	grep -q "^batch $b\$" /tmp/user.stats || fail "no stats from vmsg-blk-user"
	wait_for 30 no_blk || fail "the disk stayed after SIGTERM"
	info "restarted, $(per_call): verify ok, removed again on exit"
done

# the message rings (VMSG_LB_IOC_RING, ENTER doorbell): verify, doorbell calls per message
start_user -r 64
fio_verify "$(msg_blk)" 32 4k --size=4m || fail "fio verify over the message rings"
kill $upid
wait $upid
wait_for 30 no_blk || fail "the disk stayed after SIGTERM (rings)"
info "message rings: verify ok, $(per_call | sed 's/batch [0-9]*: //; s/reads/doorbells/; s/writes/doorbells/')"

# the module unloads and reloads with a device up and its process gone
start_user -b 16
kill -9 $upid
wait $upid 2>/dev/null
rmmod virtio_msg_loop || fail "rmmod after the process died"
load_msg blk_mb=0 net_pairs=0 window_mb=16
start_user -b 8
rmmod virtio_msg_loop 2>/dev/null && fail "rmmod while the process holds the fd"
kill $upid
wait $upid
info "unload with the fd open refused (busy), after close ok"

# a hostile process: every malformed message refused, no oops
timeout 30 vmsg-blk-user --hostile >/tmp/hostile.log 2>&1 || {
	cat /tmp/hostile.log
	fail "hostile messages not all refused"
}
sed 's/^/  /' /tmp/hostile.log
wait_for 20 sh -c "! grep -q '^dev ' $SYS_LOOP/stats" || fail "the hostile device was not released"
load_default

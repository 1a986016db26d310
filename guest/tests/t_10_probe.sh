# SPDX-License-Identifier: GPL-2.0
# probe: the loop devices enumerate on the virtio bus under our bus, with the stock drivers bound
load_default
[ "$(msg_count)" -eq 3 ] || fail "expected 3 loop devices, found $(msg_count)"
nblk=0 nnet=0
for d in $(msg_devs); do
	drv=$(basename "$(readlink -f "$d/driver")")
	id=$(cat "$d/device")
	parent=$(basename "$(dirname "$(readlink -f "$d")")")
	info "${d##*/}: device $id driver $drv parent $parent"
	[ "$parent" = virtio-msg-loop ] || fail "${d##*/}: parent is $parent"
	case "$id" in
	0x0002)
		[ "$drv" = virtio_blk ] || fail "${d##*/}: blk bound to $drv"
		nblk=$((nblk + 1))
		;;
	0x0001)
		[ "$drv" = virtio_net ] || fail "${d##*/}: net bound to $drv"
		nnet=$((nnet + 1))
		;;
	*) fail "${d##*/}: unexpected device id $id" ;;
	esac
done
[ $nblk -eq 1 ] && [ $nnet -eq 2 ] || fail "want 1 blk + 2 net, have $nblk + $nnet"
dev=$(msg_blk)
size=$(blockdev --getsize64 "$dev")
[ "$size" -eq $((64 * 1024 * 1024)) ] || fail "$dev is $size bytes, want 64 MiB"
a=$(msg_nic 02:00:00:00:00:01)
b=$(msg_nic 02:00:00:00:00:02)
[ -n "$a" ] && [ -n "$b" ] || fail "loop NICs 02:00:00:00:00:01/02 not found ($a/$b)"
info "blk $dev ($size bytes), net $a + $b"
for e in virtio_msg_xfer virtio_msg_xfer_done virtio_msg_send virtio_msg_recv; do
	[ -d "/sys/kernel/tracing/events/virtio_msg/$e" ] || fail "tracepoint virtio_msg:$e missing"
done
grep -q '^dev ' $SYS_LOOP/stats || fail "no per-device lines in $SYS_LOOP/stats"
cat $SYS_LOOP/stats

# SPDX-License-Identifier: GPL-2.0
# blk: fio write + crc32c verify over the whole loop blk device at iodepth 1 and 32
load_default
dev=$(msg_blk)
fio_verify "$dev" 1 4k || fail "fio verify qd1 4k on $dev"
info "qd1 4k verify: ok"
fio_verify "$dev" 32 16k || fail "fio verify qd32 16k on $dev"
info "qd32 16k verify: ok"
# flush and a mixed-size pass
fio_verify "$dev" 8 4k --bsrange=512-128k --fsync=16 --size=16m || fail "fio mixed/fsync"
info "mixed 512..128k + fsync: ok"
# reads beyond the end fail cleanly
if dd if="$dev" of=/dev/null bs=4096 skip=$((64 * 256)) count=1 2>/dev/null; then
	info "read at the end returned nothing (ok)"
fi
cat $SYS_LOOP/stats
# two request queues (VIRTIO_BLK_F_MQ): both carry I/O
load_msg blk_mb=16 net_pairs=0 blk_queues=2
wait_for 20 test -n "$(msg_blk)" || fail "no blk device with blk_queues=2"
dev=$(msg_blk)
nq=$(ls "/sys/block/${dev#/dev/}/mq" | wc -l)
[ "$nq" -eq 2 ] || fail "$dev has $nq hardware queues, want 2"
# two writers at once, one per half (and per vCPU, so per queue)
(FIO_OUT=/tmp/fio.q0 fio_verify "$dev" 16 4k --size=8m --offset=0 --cpus_allowed=0 >/tmp/q0.log) &
q0=$!
(FIO_OUT=/tmp/fio.q1 fio_verify "$dev" 16 4k --size=8m --offset=8m --cpus_allowed=1 >/tmp/q1.log) &
q1=$!
wait $q0 || { cat /tmp/q0.log; fail "fio verify, first half"; }
wait $q1 || { cat /tmp/q1.log; fail "fio verify, second half"; }
info "blk_queues=2: $nq hardware queues, verify ok"
grep '^dev ' $SYS_LOOP/stats
load_default

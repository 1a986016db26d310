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

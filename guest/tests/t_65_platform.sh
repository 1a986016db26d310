# SPDX-License-Identifier: GPL-2.0
# platform: a device that offers VIRTIO_F_ACCESS_PLATFORM is refused with a clear error
# (no bus gives its devices a DMA mask yet), never a WARN from the DMA API
unload_msg
dmesg -c >/dev/null
load_msg blk_mb=16 net_pairs=0 fault=platform fault_count=1
sleep 1
set_param fault none
[ "$(msg_bound)" -eq 0 ] || fail "blk bound with VIRTIO_F_ACCESS_PLATFORM"
dmesg | grep -q 'ACCESS_PLATFORM' || fail "no error naming VIRTIO_F_ACCESS_PLATFORM"
info "kernel said: $(dmesg | grep -m 1 'ACCESS_PLATFORM')"
load_default

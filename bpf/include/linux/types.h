/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * <linux/types.h> for the BPF objects only (BPF_CFLAGS has -Iinclude, the userspace loaders
 * get the real one).  vmlinux.h already defines __u8..__u64 and __le16..__le64; the system
 * header would define them again together with __kernel_fd_set, __kernel_size_t, ..., which
 * clash with vmlinux.h's BTF types (and need the target's <asm/types.h>, which -target bpf
 * does not have).  With this stand-in, msglat.bpf.c includes the wire layout
 * kmod/include/uapi/virtio_msg.h as it is.
 */
#ifndef __VMLINUX_H__
#error "a BPF object must include vmlinux.h before any uapi header"
#endif

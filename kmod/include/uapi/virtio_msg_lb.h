/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * /dev/virtio-msg-lb: devices of the virtio-msg loop bus played by a
 * user-space process (kmod/loop/user.c).  The messages themselves are the
 * wire layouts of virtio_msg.h.
 *
 * - VMSG_LB_IOC_CREATE makes a device (its number comes back); the bus
 *   announces it (EVENT_DEVICE READY) once the ioctl returned, and the
 *   transport's requests then arrive through read().
 * - read() returns whole messages, each starting on an 8-byte boundary of
 *   the buffer (zero padding in between): transport requests (the bus's
 *   token in the header: echo it in the response) and EVENT_AVAIL.  At
 *   most one message per VMSG_MAX_SIZE bytes of the buffer (so a buffer of
 *   VMSG_MAX_SIZE bytes reads one message per call, N times that up to N);
 *   blocks unless O_NONBLOCK (-EAGAIN).  A buffer smaller than
 *   VMSG_MAX_SIZE is refused (-EINVAL).
 * - write() takes messages laid out the same way: responses, EVENT_USED,
 *   EVENT_CONFIG.  Each is validated; the first bad one ends the call:
 *   the validator's error (-EBADMSG, -EMSGSIZE...), -EPROTO, -EINVAL or -ENODEV
 *   if it was the first, else the bytes
 *   taken before it.  A response nobody waits for (late, wrong token) is
 *   refused with -ENOENT.
 * - mmap() of the fd maps the bus's DMA window (window_mb > 0 is needed):
 *   every ring and buffer address the driver gives is in it.
 *   VMSG_LB_IOC_WINDOW says which bus address each part of the mapping is.
 * - Closing the fd (and unmapping: a mapping holds the fd) removes its
 *   devices by surprise: requests in flight fail with -ENODEV, the kernel
 *   completes the chains still in the rings with an error.
 */
#ifndef _UAPI_VIRTIO_MSG_LB_H
#define _UAPI_VIRTIO_MSG_LB_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VMSG_LB_DEVICE "/dev/virtio-msg-lb"
/* Messages start on multiples of this in read() and write() buffers. */
#define VMSG_LB_ALIGN 8
/* Queues a device may have. */
#define VMSG_LB_MAX_QUEUES 4
/* Pieces of the window described by VMSG_LB_IOC_WINDOW, at most. */
#define VMSG_LB_MAX_CHUNKS 64

/* VMSG_LB_IOC_CREATE */
struct vmsg_lb_create {
	__u32 device_id; /* in: virtio device id (for the kernel's own error completions) */
	__u32 num_queues; /* in: 1..VMSG_LB_MAX_QUEUES: EVENT_AVAIL indices accepted */
	__u32 flags; /* in: 0 */
	__u32 dev_num; /* out: the device number on the bus */
};

/* One physically contiguous piece of the window. */
struct vmsg_lb_chunk {
	__u64 bus_addr; /* address the driver hands out (rings, descriptors) */
	__u64 size; /* bytes */
	__u64 offset; /* where it starts in the fd's mmap() */
};

/* VMSG_LB_IOC_WINDOW */
struct vmsg_lb_window {
	__u32 num_chunks; /* out */
	__u32 reserved;
	__u64 size; /* out: bytes to mmap() from offset 0 */
	struct vmsg_lb_chunk chunk[VMSG_LB_MAX_CHUNKS]; /* out */
};

#define VMSG_LB_IOC_MAGIC 0xb7
#define VMSG_LB_IOC_CREATE _IOWR(VMSG_LB_IOC_MAGIC, 0x01, struct vmsg_lb_create)
#define VMSG_LB_IOC_WINDOW _IOR(VMSG_LB_IOC_MAGIC, 0x02, struct vmsg_lb_window)

#endif /* _UAPI_VIRTIO_MSG_LB_H */

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
 * - VMSG_LB_IOC_RING sets up a shared-memory message ring pair (once per
 *   fd), mapped at VMSG_LB_RING_OFFSET: a control page (struct
 *   vmsg_lb_ring_ctl at 0 for the to-process ring, at 64 for the
 *   to-kernel ring) and then entries slots of VMSG_LB_RING_SLOT bytes for
 *   each ring (to-process first), one message per slot.  head and tail are
 *   free-running __u32: the producer writes tail, the consumer head;
 *   tail - head <= entries.  VMSG_LB_IOC_ENTER is the doorbell: the kernel
 *   takes every message of the to-kernel ring (copied out of the slot,
 *   then validated and matched as write() does; the first bad one is
 *   consumed and ends the call with its error), moves what waits into the
 *   to-process ring, and with VMSG_LB_ENTER_WAIT sleeps (up to a second)
 *   until something arrives; it returns the messages it put in the
 *   to-process ring.  An index out of range is -ERANGE (nothing taken).
 *   The eventfd given (or -1) is signalled whenever messages wait for
 *   the process, for a process that poll()s other fds too.
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

/* The message ring pair (VMSG_LB_IOC_RING). */
#define VMSG_LB_RING_OFFSET (1ULL << 40) /* mmap() offset of the ring region */
#define VMSG_LB_RING_SLOT 264 /* bytes per slot: VMSG_MAX_SIZE */
#define VMSG_LB_RING_SLOTS 4096 /* slots start here in the region */
#define VMSG_LB_RING_MAX 256 /* entries per ring, at most (a power of 2) */

/* Control of one ring: the producer writes tail, the consumer head. */
struct vmsg_lb_ring_ctl {
	__u32 head;
	__u32 tail;
	__u32 reserved[14];
};

/* VMSG_LB_IOC_RING */
struct vmsg_lb_ring {
	__u32 entries; /* in: slots per ring, a power of 2, 2..VMSG_LB_RING_MAX */
	__s32 efd; /* in: eventfd signalled when messages wait, or -1 */
	__u32 flags; /* in: 0 */
	__u32 reserved;
	__u64 size; /* out: bytes to mmap() at VMSG_LB_RING_OFFSET */
};

/* VMSG_LB_IOC_ENTER: the argument is a value, these flags */
#define VMSG_LB_ENTER_WAIT 1u

#define VMSG_LB_IOC_MAGIC 0xb7
#define VMSG_LB_IOC_CREATE _IOWR(VMSG_LB_IOC_MAGIC, 0x01, struct vmsg_lb_create)
#define VMSG_LB_IOC_WINDOW _IOR(VMSG_LB_IOC_MAGIC, 0x02, struct vmsg_lb_window)
#define VMSG_LB_IOC_RING _IOWR(VMSG_LB_IOC_MAGIC, 0x03, struct vmsg_lb_ring)
#define VMSG_LB_IOC_ENTER _IO(VMSG_LB_IOC_MAGIC, 0x04)

#endif /* _UAPI_VIRTIO_MSG_LB_H */

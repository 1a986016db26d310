/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * libvmsgdev: play a virtio device of the virtio-msg loop bus from user space, through
 * /dev/virtio-msg-lb (kmod/include/uapi/virtio_msg_lb.h).
 *
 *   vmsgdev_open()         open the bus, map its DMA window
 *   vmsgdev_create()       a device: id, features, config space, queues, callbacks
 *   vmsgdev_run()          the message loop: reads up to `batch` messages per read(), answers
 *                          every transport request itself (device info, features, config,
 *                          status, virtqueues), calls kick() on EVENT_AVAIL, and writes the
 *                          answers and EVENT_USED, up to `batch` per write()
 *   vmsgdev_ring()         the fast path: the shared message rings and the ENTER doorbell
 *                          instead of read()/write() (one syscall per round trip)
 *   vmsgdev_watch()        one more fd the loop poll()s (a net device's socket)
 *   vmsgdev_vq_*()         split-ring helpers (device side): pop an available chain, push
 *                          a used element, EVENT_IDX notification decisions
 *
 * The driver is not trusted: every ring and buffer address goes through the window
 * translation, and a bad one is a device error (the queue stops).
 */
#ifndef VMSGDEV_H
#define VMSGDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/virtio_ring.h>

#include "include/uapi/virtio_msg.h"
#include "include/uapi/virtio_msg_lb.h"

#define VMSGDEV_MAX_QUEUES 4
#define VMSGDEV_MAX_SEGS 256
#define VMSGDEV_QUEUE_MAX 256

/* Address translation: [addr, addr + len) as a pointer, or NULL when it is not mapped. */
typedef void *(*vmsgdev_xlate_fn)(void *opaque, uint64_t addr, uint64_t len);

/* One descriptor chain: readable segments first (nout), then writable (nin). */
struct vmsgdev_chain {
	uint16_t head;
	unsigned int nout;
	unsigned int nin;
	uint32_t out_len;
	uint32_t in_len;
	struct iovec iov[VMSGDEV_MAX_SEGS];
};

/* Device side of one split virtqueue. */
struct vmsgdev_vq {
	bool ready;
	bool broken;
	bool event_idx;
	uint16_t num;
	uint64_t desc_addr;
	uint64_t avail_addr;
	uint64_t used_addr;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;
	uint16_t used_idx;
	uint16_t signalled_used;
	bool signalled_valid;
	vmsgdev_xlate_fn xlate;
	void *opaque;
};

int vmsgdev_vq_setup(struct vmsgdev_vq *vq, uint16_t num, uint64_t desc, uint64_t avail,
		     uint64_t used, bool event_idx, vmsgdev_xlate_fn xlate, void *opaque);
void vmsgdev_vq_reset(struct vmsgdev_vq *vq);
int vmsgdev_vq_pop(struct vmsgdev_vq *vq, struct vmsgdev_chain *chain);
void vmsgdev_vq_push(struct vmsgdev_vq *vq, uint16_t head, uint32_t len);
bool vmsgdev_vq_enable_notify(struct vmsgdev_vq *vq);
void vmsgdev_vq_disable_notify(struct vmsgdev_vq *vq);
bool vmsgdev_vq_should_notify(struct vmsgdev_vq *vq);
size_t vmsgdev_iov_to_buf(const struct iovec *iov, unsigned int n, size_t skip, void *buf,
			  size_t len);
size_t vmsgdev_buf_to_iov(const struct iovec *iov, unsigned int n, size_t skip, const void *buf,
			  size_t len);

/* One side of a shared message ring; @own is the index this side writes (a copy: never read
 * back from shared memory). */
struct vmsgdev_mring {
	struct vmsg_lb_ring_ctl *ctl;
	uint8_t *slots;
	uint32_t entries;
	uint32_t own;
};

void vmsgdev_mring_init(struct vmsgdev_mring *r, void *ctl, void *slots, uint32_t entries);
/* Producer: 0, -ENOSPC (full), -EMSGSIZE, -EIO (the consumer's head is out of range). */
int vmsgdev_mring_push(struct vmsgdev_mring *r, const void *msg, size_t len);
/* Consumer: the message's size, 0 (empty), -EMSGSIZE (bad size: consumed), -EIO (the
 * producer's tail is out of range: nothing consumed). */
int vmsgdev_mring_pop(struct vmsgdev_mring *r, struct vmsg *m);
/* Producer: messages not yet taken by the consumer. */
uint32_t vmsgdev_mring_queued(const struct vmsgdev_mring *r);

struct vmsgdev;
struct vmsgdev_dev;

struct vmsgdev_ops {
	/* EVENT_AVAIL on queue @vq: handle its chains (vmsgdev_used() completes them). */
	void (*kick)(struct vmsgdev_dev *d, unsigned int vq);
	/* The driver reset the device (queues already reset). */
	void (*reset)(struct vmsgdev_dev *d);
};

struct vmsgdev_dev_info {
	uint32_t device_id;
	uint32_t vendor_id;
	uint64_t features; /* offered; VERSION_1 and ACCESS_PLATFORM are added */
	const void *config;
	uint32_t config_size;
	unsigned int num_queues;
	const struct vmsgdev_ops *ops;
	void *priv;
};

struct vmsgdev_stats {
	unsigned long long reads, msgs_in, writes, msgs_out, requests, avail, used, refused;
};

struct vmsgdev *vmsgdev_open(unsigned int batch);
/* Switch @b to the shared message rings (@entries slots each way); 0 or -errno. */
int vmsgdev_ring(struct vmsgdev *b, unsigned int entries);
/* Call @ready(@opaque) from the loop when @fd is readable, while enabled (initially). */
void vmsgdev_watch(struct vmsgdev *b, int fd, void (*ready)(void *opaque), void *opaque);
void vmsgdev_watch_enable(struct vmsgdev *b, bool on);
void vmsgdev_close(struct vmsgdev *b);
void *vmsgdev_xlate(void *bus, uint64_t addr, uint64_t len);
struct vmsgdev_dev *vmsgdev_create(struct vmsgdev *b, const struct vmsgdev_dev_info *info);
uint16_t vmsgdev_dev_num(const struct vmsgdev_dev *d);
void *vmsgdev_priv(const struct vmsgdev_dev *d);
struct vmsgdev_vq *vmsgdev_queue(struct vmsgdev_dev *d, unsigned int vq);
/* Complete chain @head of queue @vq with @len bytes written; EVENT_USED when wanted. */
void vmsgdev_used(struct vmsgdev_dev *d, unsigned int vq, uint16_t head, uint32_t len);
/* Send the EVENT_USED decisions of queue @vq now (after a batch of vmsgdev_used()). */
int vmsgdev_notify(struct vmsgdev_dev *d, unsigned int vq);
/* Queue one raw message for the next write() (tests of a hostile device). */
int vmsgdev_send_raw(struct vmsgdev *b, const void *msg, size_t len);
int vmsgdev_flush(struct vmsgdev *b);
/* Loop until *stop is set or an error; returns 0 or -errno. */
int vmsgdev_run(struct vmsgdev *b, volatile int *stop);
int vmsgdev_fd(const struct vmsgdev *b);
const struct vmsgdev_stats *vmsgdev_stats(const struct vmsgdev *b);
/*
 * A command-line number: 0 and *out set when @s is a whole number in
 * [@min, @max]; else -1 with a message naming @what on stderr.
 */
int vmsgdev_parse_uint(const char *what, const char *s, unsigned int min, unsigned int max,
		       unsigned int *out);

#endif /* VMSGDEV_H */

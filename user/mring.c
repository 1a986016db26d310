// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libvmsgdev: the process's side of the shared message rings of /dev/virtio-msg-lb
 * (VMSG_LB_IOC_RING, kmod/include/uapi/virtio_msg_lb.h). One side produces (writes tail), the
 * other consumes (writes head); indices run free and each side keeps its own copy of the
 * index it owns, so a bad value written by the other side is caught (-EIO), never followed.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "vmsgdev.h"

void vmsgdev_mring_init(struct vmsgdev_mring *r, void *ctl, void *slots, uint32_t entries)
{
	r->ctl = ctl;
	r->slots = slots;
	r->entries = entries;
	r->own = 0;
}

static uint8_t *slot(const struct vmsgdev_mring *r, uint32_t i)
{
	return r->slots + (size_t)(i & (r->entries - 1)) * VMSG_LB_RING_SLOT;
}

int vmsgdev_mring_push(struct vmsgdev_mring *r, const void *msg, size_t len)
{
	uint32_t head = __atomic_load_n(&r->ctl->head, __ATOMIC_ACQUIRE);

	if (len < VMSG_HDR_SIZE || len > VMSG_LB_RING_SLOT)
		return -EMSGSIZE;
	if (r->own - head > r->entries)
		return -EIO;
	if (r->own - head == r->entries)
		return -ENOSPC;
	memcpy(slot(r, r->own), msg, len);
	r->own++;
	__atomic_store_n(&r->ctl->tail, r->own, __ATOMIC_RELEASE);
	return 0;
}

int vmsgdev_mring_pop(struct vmsgdev_mring *r, struct vmsg *m)
{
	uint32_t tail = __atomic_load_n(&r->ctl->tail, __ATOMIC_ACQUIRE);
	uint16_t size;

	if (tail - r->own > r->entries)
		return -EIO;
	if (tail == r->own)
		return 0;
	/* copied once, then checked: the other side may rewrite the slot meanwhile */
	memcpy(m, slot(r, r->own), sizeof(*m));
	r->own++;
	__atomic_store_n(&r->ctl->head, r->own, __ATOMIC_RELEASE);
	size = le16toh(m->hdr.msg_size);
	if (size < VMSG_HDR_SIZE || size > sizeof(*m))
		return -EMSGSIZE;
	return size;
}

uint32_t vmsgdev_mring_queued(const struct vmsgdev_mring *r)
{
	return r->own - __atomic_load_n(&r->ctl->head, __ATOMIC_ACQUIRE);
}

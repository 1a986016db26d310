// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libvmsgdev: device side of a split virtqueue (virtio 1.x 2.7), over memory reached
 * through a translation function. Every index and address from the driver is checked.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "vmsgdev.h"

#define VRING_DESC_F_INDIRECT_BIT VRING_DESC_F_INDIRECT

static uint16_t ld16(const __virtio16 *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE));
}

static void st16(__virtio16 *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELEASE);
}

void vmsgdev_vq_reset(struct vmsgdev_vq *vq)
{
	vmsgdev_xlate_fn xlate = vq->xlate;
	void *opaque = vq->opaque;

	memset(vq, 0, sizeof(*vq));
	vq->xlate = xlate;
	vq->opaque = opaque;
}

int vmsgdev_vq_setup(struct vmsgdev_vq *vq, uint16_t num, uint64_t desc, uint64_t avail,
		     uint64_t used, bool event_idx, vmsgdev_xlate_fn xlate, void *opaque)
{
	size_t dsize = (size_t)num * sizeof(struct vring_desc);
	size_t asize = sizeof(struct vring_avail) + ((size_t)num + 1) * sizeof(__virtio16);
	size_t usize = sizeof(struct vring_used) + (size_t)num * sizeof(struct vring_used_elem) +
		       sizeof(__virtio16);

	vq->xlate = xlate;
	vq->opaque = opaque;
	vmsgdev_vq_reset(vq);
	if (!num || num > VMSGDEV_QUEUE_MAX || (num & (num - 1)) || desc % 16 || avail % 2 ||
	    used % 4)
		return -EINVAL;
	vq->desc = xlate(opaque, desc, dsize);
	vq->avail = xlate(opaque, avail, asize);
	vq->used = xlate(opaque, used, usize);
	if (!vq->desc || !vq->avail || !vq->used) {
		vmsgdev_vq_reset(vq);
		return -EFAULT;
	}
	vq->num = num;
	vq->desc_addr = desc;
	vq->avail_addr = avail;
	vq->used_addr = used;
	vq->event_idx = event_idx;
	vq->ready = true;
	return 0;
}

static int vq_fail(struct vmsgdev_vq *vq)
{
	vq->broken = true;
	return -EIO;
}

/* Append descriptor @d to @c; readable after writable is a driver error. */
static int add_seg(struct vmsgdev_vq *vq, struct vmsgdev_chain *c, const struct vring_desc *d)
{
	uint64_t addr = le64toh(d->addr);
	uint32_t len = le32toh(d->len);
	bool write = le16toh(d->flags) & VRING_DESC_F_WRITE;
	void *p;

	if (c->nout + c->nin >= VMSGDEV_MAX_SEGS || (!write && c->nin))
		return -EIO;
	p = len ? vq->xlate(vq->opaque, addr, len) : NULL;
	if (len && !p)
		return -EFAULT;
	c->iov[c->nout + c->nin].iov_base = p;
	c->iov[c->nout + c->nin].iov_len = len;
	if (write) {
		c->nin++;
		c->in_len += len;
	} else {
		c->nout++;
		c->out_len += len;
	}
	return 0;
}

/* Walk a descriptor table of @n entries from @i (direct or indirect). */
static int walk(struct vmsgdev_vq *vq, struct vmsgdev_chain *c, const struct vring_desc *table,
		unsigned int n, unsigned int i, bool indirect)
{
	struct vring_desc d;
	unsigned int steps = 0;
	uint16_t flags;
	int ret;

	for (;;) {
		if (i >= n || ++steps > n)
			return -EIO;
		memcpy(&d, &table[i], sizeof(d));
		flags = le16toh(d.flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			uint32_t len = le32toh(d.len);
			const struct vring_desc *it;

			if (indirect || c->nout + c->nin || !len || len % sizeof(d))
				return -EIO;
			it = vq->xlate(vq->opaque, le64toh(d.addr), len);
			if (!it)
				return -EFAULT;
			return walk(vq, c, it, len / sizeof(d), 0, true);
		}
		ret = add_seg(vq, c, &d);
		if (ret)
			return ret;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = le16toh(d.next);
	}
}

/* Returns 1 with @chain filled, 0 when the ring is empty, -EIO/-EFAULT (queue broken). */
int vmsgdev_vq_pop(struct vmsgdev_vq *vq, struct vmsgdev_chain *chain)
{
	uint16_t idx, head;
	int ret;

	if (!vq->ready || vq->broken)
		return vq->broken ? -EIO : 0;
	idx = ld16(&vq->avail->idx);
	if (idx == vq->last_avail)
		return 0;
	if ((uint16_t)(idx - vq->last_avail) > vq->num)
		return vq_fail(vq);
	head = le16toh(vq->avail->ring[vq->last_avail & (vq->num - 1)]);
	if (head >= vq->num)
		return vq_fail(vq);
	chain->head = head;
	chain->nout = chain->nin = 0;
	chain->out_len = chain->in_len = 0;
	ret = walk(vq, chain, vq->desc, vq->num, head, false);
	if (ret) {
		vq->broken = true;
		return ret;
	}
	vq->last_avail++;
	return 1;
}

void vmsgdev_vq_push(struct vmsgdev_vq *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e = &vq->used->ring[vq->used_idx & (vq->num - 1)];

	e->id = htole32(head);
	e->len = htole32(len);
	vq->used_idx++;
	/* the element before the index that publishes it */
	st16(&vq->used->idx, vq->used_idx);
}

/* Notifications on again; true when chains came meanwhile (look again). */
bool vmsgdev_vq_enable_notify(struct vmsgdev_vq *vq)
{
	if (!vq->ready)
		return false;
	if (vq->event_idx)
		st16((__virtio16 *)&vq->used->ring[vq->num], vq->last_avail);
	else
		st16(&vq->used->flags, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return ld16(&vq->avail->idx) != vq->last_avail;
}

void vmsgdev_vq_disable_notify(struct vmsgdev_vq *vq)
{
	if (vq->ready && !vq->event_idx)
		st16(&vq->used->flags, VRING_USED_F_NO_NOTIFY);
}

/* Does the driver want an EVENT_USED for what was pushed since the last decision? */
bool vmsgdev_vq_should_notify(struct vmsgdev_vq *vq)
{
	uint16_t old = vq->signalled_used, new = vq->used_idx;
	bool valid = vq->signalled_valid;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(ld16(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	vq->signalled_used = new;
	vq->signalled_valid = true;
	if (!valid)
		return true;
	return vring_need_event(ld16(&vq->avail->ring[vq->num]), new, old);
}

/* Copy between @buf and the bytes of @iov from @skip on; @to_iov says which way. */
static size_t iov_copy(const struct iovec *iov, unsigned int n, size_t skip, void *buf, size_t len,
		       bool to_iov)
{
	size_t done = 0, k;
	unsigned int i;
	char *seg;

	for (i = 0; i < n && done < len; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		k = iov[i].iov_len - skip;
		if (k > len - done)
			k = len - done;
		seg = (char *)iov[i].iov_base + skip;
		if (to_iov)
			memcpy(seg, (char *)buf + done, k);
		else
			memcpy((char *)buf + done, seg, k);
		done += k;
		skip = 0;
	}
	return done;
}

size_t vmsgdev_iov_to_buf(const struct iovec *iov, unsigned int n, size_t skip, void *buf,
			  size_t len)
{
	return iov_copy(iov, n, skip, buf, len, false);
}

size_t vmsgdev_buf_to_iov(const struct iovec *iov, unsigned int n, size_t skip, const void *buf,
			  size_t len)
{
	return iov_copy(iov, n, skip, (void *)buf, len, true);
}

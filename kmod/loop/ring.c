// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-msg loopback bus: device side of a split virtqueue.
 *
 * Debian's 6.1 kernel has no vringh, so this is our own: map the rings the
 * driver gave with SET_VQUEUE, pop descriptor chains (direct and
 * VRING_DESC_F_INDIRECT) into segment lists, copy between chains and
 * kernel buffers, publish used entries, and the notification suppression
 * of virtio 1.x 2.7.7/2.7.10 (VRING_USED_F_NO_NOTIFY / avail_event one way,
 * VRING_AVAIL_F_NO_INTERRUPT / used_event the other).
 *
 * Without a DMA window the loop bus offers no VIRTIO_F_ACCESS_PLATFORM, so
 * the driver's virtio_ring hands us guest-physical addresses without the
 * DMA API; with one (window.c) it hands us window addresses, and only
 * those are accepted.  Every
 * address and length comes from the driver: a bad one is a device error
 * (the queue is marked broken, the device NEEDS_RESET, "errors" counts
 * it), never an oops.  Each range must be System RAM, every byte of it:
 * checked once per SET_VQUEUE for the rings and once per descriptor for
 * indirect tables and buffers, against the RAM ranges read at load (a
 * range outside them is looked up in the resource tree, for RAM added
 * since).  pfn_valid() alone is not enough: it is true for whole memory
 * sections, holes included.  Rings are physically contiguous
 * (virtio_ring allocates them with alloc_pages_exact()) and used through
 * the linear map; buffers are mapped page by page with kmap_local_page().
 *
 * Ordering (the driver runs concurrently on another CPU): avail->idx is
 * read before the ring entries and descriptors it covers (smp_rmb()); used
 * entries are written before used->idx (smp_wmb()); a full barrier sits
 * between publishing used->idx (or re-enabling notifications) and reading
 * the driver's suppression fields (the driver side has virtio_mb() there).
 *
 * All functions here are called with vq->lock held.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/ioport.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/virtio_ring.h>

#include "loop.h"

/* Indirect tables longer than this are refused (virtio_ring uses <= 130). */
#define VMSG_LOOP_MAX_INDIRECT 1024
/* System RAM ranges kept for the fast check; more are looked up. */
#define VMSG_LOOP_RAM_RANGES 16

/* System RAM at load, merged where adjacent; inclusive ends. */
static struct {
	u64 start;
	u64 end;
} vmsg_loop_ram[VMSG_LOOP_RAM_RANGES];
static unsigned int vmsg_loop_nram;

/* The loop bus is VIRTIO_F_VERSION_1 only: the rings are little endian. */
static inline u16 vr16(__virtio16 v)
{
	return le16_to_cpu((__force __le16)v);
}

static inline u32 vr32(__virtio32 v)
{
	return le32_to_cpu((__force __le32)v);
}

static inline u64 vr64(__virtio64 v)
{
	return le64_to_cpu((__force __le64)v);
}

static inline __virtio16 cpu_to_vr16(u16 v)
{
	return (__force __virtio16)cpu_to_le16(v);
}

static inline __virtio32 cpu_to_vr32(u32 v)
{
	return (__force __virtio32)cpu_to_le32(v);
}

void vmsg_loop_vq_error(struct vmsg_loop_vq *vq, const char *what, u64 val)
{
	if (!vq->broken) {
		pr_err_ratelimited("dev %u vq %u: %s (0x%llx): queue broken until reset\n",
				   vq->ld->vmdev.dev_num, vq->index, what, val);
		vmsg_loop_count(vq->ld, VMSG_STAT_ERRORS);
		vmsg_loop_needs_reset(vq->ld);
	}
	vq->broken = true;
}

static int vmsg_loop_ram_add(struct resource *res, void *arg)
{
	unsigned int n = vmsg_loop_nram;

	if (n && res->start == vmsg_loop_ram[n - 1].end + 1) {
		vmsg_loop_ram[n - 1].end = res->end;
	} else if (n < VMSG_LOOP_RAM_RANGES) {
		vmsg_loop_ram[n].start = res->start;
		vmsg_loop_ram[n].end = res->end;
		vmsg_loop_nram++;
	}
	return 0;
}

/* Read the System RAM ranges once, at load. */
void vmsg_loop_ram_init(void)
{
	vmsg_loop_nram = 0;
	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY, 0, U64_MAX,
			    NULL, vmsg_loop_ram_add);
}

static int vmsg_loop_ram_sum(struct resource *res, void *arg)
{
	*(u64 *)arg += resource_size(res);
	return 0;
}

/* Is every byte of [pa, pa + len) System RAM?  An empty range is. */
static bool vmsg_loop_is_ram(u64 pa, u64 len)
{
	u64 end, covered = 0;
	unsigned int i;

	if (!len)
		return true;
	if (check_add_overflow(pa, len - 1, &end))
		return false;
	/* A DMA window (window.c): nothing outside it is the driver's to give. */
	if (vmsg_loop_window_on())
		return vmsg_loop_window_contains(pa, len);
	for (i = 0; i < vmsg_loop_nram; i++)
		if (pa >= vmsg_loop_ram[i].start && end <= vmsg_loop_ram[i].end)
			return true;
	/* Spans ranges or came after load: the pieces must cover it. */
	walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY, pa, end,
			    &covered, vmsg_loop_ram_sum);
	return covered == len;
}

/* Is [pa, pa + len) RAM in the linear map?  Used for the rings. */
static void *vmsg_loop_map_ring(u64 pa, size_t len)
{
	u64 end, p;

	if (!len || check_add_overflow(pa, (u64)len - 1, &end) || !vmsg_loop_is_ram(pa, len))
		return NULL;
	for (p = pa & PAGE_MASK; p <= end; p += PAGE_SIZE) {
		if (!pfn_valid(PHYS_PFN(p)) || PageHighMem(pfn_to_page(PHYS_PFN(p))))
			return NULL;
	}
	return phys_to_virt(pa);
}

/* Copy between guest-physical memory and @buf, page by page. */
static int vmsg_loop_phys_copy(u64 pa, void *buf, u32 len, bool to_phys)
{
	while (len) {
		u32 off = offset_in_page(pa);
		u32 n = min_t(u32, len, PAGE_SIZE - off);
		void *p;

		if (!pfn_valid(PHYS_PFN(pa)))
			return -EFAULT;
		p = kmap_local_page(pfn_to_page(PHYS_PFN(pa)));
		if (to_phys)
			memcpy(p + off, buf, n);
		else
			memcpy(buf, p + off, n);
		kunmap_local(p);
		pa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/**
 * vmsg_loop_vq_map - accept SET_VQUEUE: check and map the three areas
 * @vq: the queue (not ready)
 * @num: ring size, a power of 2 up to VMSG_LOOP_VQ_MAX_SIZE
 * @desc: descriptor table, 16-byte aligned
 * @avail: driver area, 2-byte aligned
 * @used: device area, 4-byte aligned
 *
 * Alignments are those of virtio 1.x 2.7 "Virtqueue alignment".
 * Returns 0 or -EINVAL.
 */
int vmsg_loop_vq_map(struct vmsg_loop_vq *vq, u32 num, u64 desc, u64 avail, u64 used)
{
	/* With EVENT_IDX possible: used_event / avail_event trail the rings. */
	size_t dsize = (size_t)num * sizeof(struct vring_desc);
	size_t asize = sizeof(struct vring_avail) + (num + 1) * sizeof(__virtio16);
	size_t usize = sizeof(struct vring_used) + num * sizeof(struct vring_used_elem) +
		       sizeof(__virtio16);

	if (!num || num > VMSG_LOOP_VQ_MAX_SIZE || !is_power_of_2(num) ||
	    !desc || !avail || !used || desc % 16 || avail % 2 || used % 4)
		return -EINVAL;
	/* from a clean state: indices, suppression state, broken flag */
	vmsg_loop_vq_reset(vq);
	vq->desc = vmsg_loop_map_ring(desc, dsize);
	vq->avail = vmsg_loop_map_ring(avail, asize);
	vq->used = vmsg_loop_map_ring(used, usize);
	if (!vq->desc || !vq->avail || !vq->used) {
		vmsg_loop_vq_reset(vq);
		return -EINVAL;
	}
	vq->num = num;
	vq->desc_pa = desc;
	vq->avail_pa = avail;
	vq->used_pa = used;
	vq->ready = true;
	return 0;
}

/* Forget the rings: after this, nothing of the driver's memory is touched. */
void vmsg_loop_vq_reset(struct vmsg_loop_vq *vq)
{
	vq->ready = false;
	vq->broken = false;
	vq->num = 0;
	vq->desc_pa = 0;
	vq->avail_pa = 0;
	vq->used_pa = 0;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_valid = false;
	vq->unsignalled = 0;
}

/* The driver's avail->idx; the caller orders later ring reads (smp_rmb). */
u16 vmsg_loop_vq_avail_idx(struct vmsg_loop_vq *vq)
{
	return vr16(READ_ONCE(vq->avail->idx));
}

static int vmsg_loop_read_desc(struct vmsg_loop_vq *vq, u64 table, unsigned int i,
			       struct vring_desc *d)
{
	if (!table) {
		d->addr = READ_ONCE(vq->desc[i].addr);
		d->len = READ_ONCE(vq->desc[i].len);
		d->flags = READ_ONCE(vq->desc[i].flags);
		d->next = READ_ONCE(vq->desc[i].next);
		return 0;
	}
	return vmsg_loop_phys_copy(table + (u64)i * sizeof(*d), d, sizeof(*d), false);
}

/* Walk the chain starting at @head into @chain; a bad chain breaks @vq. */
static int vmsg_loop_walk(struct vmsg_loop_vq *vq, u16 head, struct vmsg_loop_chain *chain)
{
	unsigned int i = head, limit = vq->num, count = 0;
	u64 table = 0;
	struct vring_desc d;
	u16 flags;
	u32 len;

	chain->head = head;
	chain->nseg = 0;
	chain->nout = 0;
	chain->out_len = 0;
	chain->in_len = 0;
	for (;;) {
		if (i >= limit) {
			vmsg_loop_vq_error(vq, "descriptor index out of range", i);
			return -EIO;
		}
		/* A chain can visit each descriptor once: more is a loop. */
		if (++count > limit) {
			vmsg_loop_vq_error(vq, "descriptor loop at head", head);
			return -EIO;
		}
		if (vmsg_loop_read_desc(vq, table, i, &d)) {
			vmsg_loop_vq_error(vq, "indirect table not in RAM", table);
			return -EIO;
		}
		flags = vr16(d.flags);
		len = vr32(d.len);
		if (flags & VRING_DESC_F_INDIRECT) {
			/* 2.7.5.3.1: no nesting, no NEXT alongside INDIRECT. */
			if (table || (flags & VRING_DESC_F_NEXT) || !len ||
			    len % sizeof(d) || len / sizeof(d) > VMSG_LOOP_MAX_INDIRECT) {
				vmsg_loop_vq_error(vq, "bad indirect descriptor, len", len);
				return -EIO;
			}
			table = vr64(d.addr);
			if (!table || !vmsg_loop_is_ram(table, len)) {
				vmsg_loop_vq_error(vq, "indirect table not in RAM", table);
				return -EIO;
			}
			limit = len / sizeof(d);
			i = 0;
			count = 0;
			continue;
		}
		if (chain->nseg >= VMSG_LOOP_MAX_SEGS) {
			vmsg_loop_vq_error(vq, "chain too long at head", head);
			return -EIO;
		}
		if (flags & VRING_DESC_F_WRITE) {
			if (check_add_overflow(chain->in_len, len, &chain->in_len))
				goto err_len;
		} else {
			if (chain->nseg != chain->nout) {
				vmsg_loop_vq_error(vq, "readable after writable at head", head);
				return -EIO;
			}
			if (check_add_overflow(chain->out_len, len, &chain->out_len))
				goto err_len;
			chain->nout++;
		}
		chain->seg[chain->nseg].addr = vr64(d.addr);
		if ((flags & VRING_DESC_F_WRITE) && chain->nseg == chain->nout)
			vmsg_loop_fault_addr(vq->ld, &chain->seg[chain->nseg].addr);
		if (!vmsg_loop_is_ram(chain->seg[chain->nseg].addr, len)) {
			vmsg_loop_vq_error(vq, "buffer not in RAM", chain->seg[chain->nseg].addr);
			return -EIO;
		}
		chain->seg[chain->nseg].len = len;
		chain->nseg++;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = vr16(d.next);
	}
err_len:
	vmsg_loop_vq_error(vq, "chain length overflow at head", head);
	return -EIO;
}

/**
 * vmsg_loop_vq_pop - take the next available chain
 * @vq: a ready queue
 * @chain: filled with the chain's segments
 *
 * Returns 1 with a chain, 0 when the ring is empty, -EIO when the driver
 * broke the ring rules (@vq is then broken).
 */
int vmsg_loop_vq_pop(struct vmsg_loop_vq *vq, struct vmsg_loop_chain *chain)
{
	u16 idx, head;
	int ret;

	if (!vq->ready || vq->broken)
		return vq->broken ? -EIO : 0;
	idx = vmsg_loop_vq_avail_idx(vq);
	if (idx == vq->last_avail)
		return 0;
	if ((u16)(idx - vq->last_avail) > vq->num) {
		vmsg_loop_vq_error(vq, "avail idx moved too far", idx);
		return -EIO;
	}
	/* The entry and its descriptors were written before avail->idx. */
	smp_rmb();
	head = vr16(READ_ONCE(vq->avail->ring[vq->last_avail & (vq->num - 1)]));
	if (head >= vq->num) {
		vmsg_loop_vq_error(vq, "avail head out of range", head);
		return -EIO;
	}
	ret = vmsg_loop_walk(vq, head, chain);
	if (ret)
		return ret;
	vq->last_avail++;
	/* Unbatched: ask for a notification for every new buffer. */
	if (!vq->knobs.batch && vq->event_idx)
		WRITE_ONCE(*(__virtio16 *)&vq->used->ring[vq->num], cpu_to_vr16(vq->last_avail));
	return 1;
}

/* Give back the last @n popped chains (nothing was pushed for them). */
void vmsg_loop_vq_unpop(struct vmsg_loop_vq *vq, unsigned int n)
{
	vq->last_avail -= n;
}

/* Write one used entry; the driver sees it after vmsg_loop_vq_flush(). */
void vmsg_loop_vq_push(struct vmsg_loop_vq *vq, u16 head, u32 len)
{
	struct vring_used_elem *e = &vq->used->ring[vq->used_idx & (vq->num - 1)];

	WRITE_ONCE(e->id, cpu_to_vr32(head));
	WRITE_ONCE(e->len, cpu_to_vr32(len));
	vq->used_idx++;
	vq->unsignalled++;
	vmsg_loop_count(vq->ld, VMSG_STAT_CHAINS);
}

void vmsg_loop_vq_flush(struct vmsg_loop_vq *vq)
{
	/* Entries before the index that publishes them (2.7.8.2). */
	smp_wmb();
	WRITE_ONCE(vq->used->idx, cpu_to_vr16(vq->used_idx));
}

/* Stop driver notifications while draining; EVENT_IDX needs nothing. */
void vmsg_loop_vq_disable_notify(struct vmsg_loop_vq *vq)
{
	if (!vq->event_idx)
		WRITE_ONCE(vq->used->flags, cpu_to_vr16(VRING_USED_F_NO_NOTIFY));
}

/**
 * vmsg_loop_vq_enable_notify - ask for notifications again, then re-check
 * @vq: the queue
 *
 * Returns avail->idx read after notifications are on again: chains the
 * driver added while they were off came without a notification, so the
 * caller compares it with what it has seen and handles the queue again
 * (the lost wake-up check).
 */
u16 vmsg_loop_vq_enable_notify(struct vmsg_loop_vq *vq)
{
	u16 idx = vmsg_loop_vq_avail_idx(vq);

	if (vq->event_idx)
		WRITE_ONCE(*(__virtio16 *)&vq->used->ring[vq->num], cpu_to_vr16(idx));
	else
		WRITE_ONCE(vq->used->flags, 0);
	/* Publish the flag / avail_event before re-reading avail->idx. */
	smp_mb();
	return vmsg_loop_vq_avail_idx(vq);
}

/**
 * vmsg_loop_vq_should_signal - does the driver want an EVENT_USED now?
 * @vq: the queue, with used entries flushed
 *
 * EVENT_IDX: only when used_idx crossed used_event since the last signal
 * (vring_need_event()); otherwise unless VRING_AVAIL_F_NO_INTERRUPT.
 */
bool vmsg_loop_vq_should_signal(struct vmsg_loop_vq *vq)
{
	u16 old, new = vq->used_idx;
	bool valid;

	/* used->idx is visible before we read the driver's wishes. */
	smp_mb();
	if (!vq->event_idx)
		return !(vr16(READ_ONCE(vq->avail->flags)) & VRING_AVAIL_F_NO_INTERRUPT);
	old = vq->signalled_used;
	valid = vq->signalled_valid;
	vq->signalled_used = new;
	vq->signalled_valid = true;
	if (!valid)
		return true;
	return vring_need_event(vr16(READ_ONCE(vq->avail->ring[vq->num])), new, old);
}

/**
 * vmsg_loop_iter_init - iterate over a chain's readable or writable bytes
 * @it: iterator
 * @vq: queue the chain came from (its bounce page is used when zerocopy is off)
 * @chain: the chain
 * @write: the writable part (device writes) or the readable part
 */
void vmsg_loop_iter_init(struct vmsg_loop_iter *it, struct vmsg_loop_vq *vq,
			 const struct vmsg_loop_chain *chain, bool write)
{
	it->chain = chain;
	it->vq = vq;
	it->seg = write ? chain->nout : 0;
	it->end = write ? chain->nseg : chain->nout;
	it->off = 0;
}

u32 vmsg_loop_iter_left(const struct vmsg_loop_iter *it)
{
	const struct vmsg_loop_chain *c = it->chain;
	u32 left = 0;
	unsigned int i;

	for (i = it->seg; i < it->end; i++)
		left += c->seg[i].len;
	return left - it->off;
}

/* The current piece: address and length up to the end of its segment. */
static bool vmsg_loop_iter_cur(struct vmsg_loop_iter *it, u64 *pa, u32 *len)
{
	const struct vmsg_loop_chain *c = it->chain;

	while (it->seg < it->end && it->off == c->seg[it->seg].len) {
		it->seg++;
		it->off = 0;
	}
	if (it->seg >= it->end)
		return false;
	*pa = c->seg[it->seg].addr + it->off;
	*len = c->seg[it->seg].len - it->off;
	return true;
}

int vmsg_loop_iter_skip(struct vmsg_loop_iter *it, u32 len)
{
	u64 pa;
	u32 n;

	while (len) {
		if (!vmsg_loop_iter_cur(it, &pa, &n))
			return -EFAULT;
		n = min(n, len);
		it->off += n;
		len -= n;
	}
	return 0;
}

/*
 * Move @len bytes between the driver's buffer and @buf.  Zero-copy: in
 * place.  Otherwise through the queue's bounce page, as a device in another
 * domain that only sees a shared window would: copy in, then out.
 */
static int vmsg_loop_iter_xfer(struct vmsg_loop_iter *it, void *buf, u32 len, bool to_drv,
			       bool zc)
{
	u64 pa;
	u32 n;

	while (len) {
		if (!vmsg_loop_iter_cur(it, &pa, &n))
			return -EFAULT;
		n = min3(n, len, (u32)PAGE_SIZE);
		if (zc) {
			if (vmsg_loop_phys_copy(pa, buf, n, to_drv))
				goto err;
		} else if (to_drv) {
			memcpy(it->vq->bounce, buf, n);
			if (vmsg_loop_phys_copy(pa, it->vq->bounce, n, true))
				goto err;
		} else {
			if (vmsg_loop_phys_copy(pa, it->vq->bounce, n, false))
				goto err;
			memcpy(buf, it->vq->bounce, n);
		}
		it->off += n;
		buf += n;
		len -= n;
	}
	return 0;
err:
	vmsg_loop_vq_error(it->vq, "buffer not in RAM", pa);
	return -EFAULT;
}

/* Copy @len readable bytes out of the chain into @buf. */
int vmsg_loop_iter_pull(struct vmsg_loop_iter *it, void *buf, u32 len)
{
	return vmsg_loop_iter_xfer(it, buf, len, false, it->vq->knobs.zerocopy);
}

/* Copy @len bytes of @buf into the chain's writable part. */
int vmsg_loop_iter_push(struct vmsg_loop_iter *it, const void *buf, u32 len)
{
	return vmsg_loop_iter_xfer(it, (void *)buf, len, true, it->vq->knobs.zerocopy);
}

/* Copy @len bytes from one chain to another (net TX of one device to RX of its peer). */
int vmsg_loop_iter_copy(struct vmsg_loop_iter *dst, struct vmsg_loop_iter *src, u32 len)
{
	/* One mode for the whole copy: the sending queue's. */
	bool zc = src->vq->knobs.zerocopy;
	u64 spa, dpa;
	u32 sn, dn, n;
	void *s, *d;

	while (len) {
		if (!vmsg_loop_iter_cur(src, &spa, &sn) || !vmsg_loop_iter_cur(dst, &dpa, &dn))
			return -EFAULT;
		n = min3(len, sn, dn);
		n = min3(n, (u32)(PAGE_SIZE - offset_in_page(spa)),
			 (u32)(PAGE_SIZE - offset_in_page(dpa)));
		if (!zc) {
			/* Through the sender's window, then the receiver's. */
			if (vmsg_loop_iter_xfer(src, src->vq->bounce, n, false, true))
				return -EFAULT;
			memcpy(dst->vq->bounce, src->vq->bounce, n);
			if (vmsg_loop_iter_xfer(dst, dst->vq->bounce, n, true, true))
				return -EFAULT;
			len -= n;
			continue;
		}
		if (!pfn_valid(PHYS_PFN(spa))) {
			vmsg_loop_vq_error(src->vq, "buffer not in RAM", spa);
			return -EFAULT;
		}
		if (!pfn_valid(PHYS_PFN(dpa))) {
			vmsg_loop_vq_error(dst->vq, "buffer not in RAM", dpa);
			return -EFAULT;
		}
		s = kmap_local_page(pfn_to_page(PHYS_PFN(spa)));
		d = kmap_local_page(pfn_to_page(PHYS_PFN(dpa)));
		memcpy(d + offset_in_page(dpa), s + offset_in_page(spa), n);
		kunmap_local(d);
		kunmap_local(s);
		src->off += n;
		dst->off += n;
		len -= n;
	}
	return 0;
}

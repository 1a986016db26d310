// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-msg loopback bus: the DMA window.
 *
 * A real virtio-msg bus (FF-A, an AMP mailbox) cannot let the device read
 * all of the driver's memory: it shares a window.  With window_mb set, the
 * bus allocates a physically contiguous window at load (chunks of up to
 * 4 MiB), gives its root device, the parent the virtio core maps for,
 * dma_map_ops of our own that bounce every buffer into the window (as
 * swiotlb does; 6.1 offers modules no restricted pool without a device
 * tree node) and allocate rings from it, and its devices offer
 * VIRTIO_F_ACCESS_PLATFORM.  virtio_ring then hands the device window
 * addresses only, and the device side refuses every other address as a
 * device error (ring.c), not an oops.  The copy moves from the device to
 * the driver's side: what zerocopy=1 saves without a window.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-map-ops.h>
#include <linux/genalloc.h>
#include <linux/highmem.h>
#include <linux/kmemleak.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "loop.h"

/* Allocation granule: a bounce buffer starts on one (512 bytes). */
#define VMSG_WIN_GRAN_SHIFT 9
#define VMSG_WIN_GRAN (1UL << VMSG_WIN_GRAN_SHIFT)
/* Largest chunk the page allocator gives. */
#define VMSG_WIN_CHUNK_ORDER (MAX_ORDER - 1)
#define VMSG_WIN_MAX_MB 64
#define VMSG_WIN_MAX_CHUNKS 64
/* Largest single mapping: what one blk request or GSO frame needs. */
#define VMSG_WIN_MAX_MAP SZ_256K

/*
 * One physically contiguous piece of the window; @orig holds, per granule
 * of a bounce buffer, the driver address its bytes belong to.
 */
struct vmsg_win_chunk {
	phys_addr_t start;
	size_t size;
	unsigned int order;
	phys_addr_t *orig;
};

static unsigned int vmsg_win_mb;
static struct gen_pool *vmsg_win_pool;
static struct vmsg_win_chunk vmsg_win_chunks[VMSG_WIN_MAX_CHUNKS];
static unsigned int vmsg_win_nchunks;
static atomic_long_t vmsg_win_inuse = ATOMIC_LONG_INIT(0);
static struct page *vmsg_win_outside;

vmsg_loop_param_uint(window_mb, vmsg_win_mb, 0, VMSG_WIN_MAX_MB, 0444);
MODULE_PARM_DESC(window_mb, "DMA window in MiB (0..64, default 0: none): devices offer VIRTIO_F_ACCESS_PLATFORM, the driver's buffers are bounced into the window, the device refuses any other address");

bool vmsg_loop_window_on(void)
{
	return vmsg_win_nchunks;
}

static struct vmsg_win_chunk *vmsg_win_chunk_of(u64 pa, u64 len)
{
	struct vmsg_win_chunk *c;
	unsigned int i;
	u64 end;

	if (!len || check_add_overflow(pa, len - 1, &end))
		return NULL;
	for (i = 0; i < vmsg_win_nchunks; i++) {
		c = &vmsg_win_chunks[i];
		if (pa >= c->start && end < c->start + c->size)
			return c;
	}
	return NULL;
}

/* Device side: is every byte of [pa, pa + len) in the window?  Empty is. */
bool vmsg_loop_window_contains(u64 pa, u64 len)
{
	return !len || vmsg_win_chunk_of(pa, len);
}

/* A RAM address outside the window (fault=badaddr with a window). */
u64 vmsg_loop_window_outside(void)
{
	return vmsg_win_outside ? page_to_phys(vmsg_win_outside) : 0;
}

/* Piece @i of the window (user.c maps them for a process); false past the last. */
bool vmsg_loop_window_chunk(unsigned int i, phys_addr_t *start, size_t *size)
{
	if (i >= vmsg_win_nchunks)
		return false;
	*start = vmsg_win_chunks[i].start;
	*size = vmsg_win_chunks[i].size;
	return true;
}

/* ---- dma_map_ops ---------------------------------------------------------- */

static void *vmsg_win_alloc(struct device *dev, size_t size, dma_addr_t *dma, gfp_t gfp,
			    unsigned long attrs)
{
	void *va;

	size = ALIGN(size, VMSG_WIN_GRAN);
	va = (void *)gen_pool_alloc(vmsg_win_pool, size);
	if (!va)
		return NULL;
	atomic_long_add(size, &vmsg_win_inuse);
	memset(va, 0, size);
	*dma = virt_to_phys(va);
	return va;
}

static void vmsg_win_free(struct device *dev, size_t size, void *va, dma_addr_t dma,
			  unsigned long attrs)
{
	size = ALIGN(size, VMSG_WIN_GRAN);
	gen_pool_free(vmsg_win_pool, (unsigned long)va, size);
	atomic_long_sub(size, &vmsg_win_inuse);
}

/* Copy between the bounce buffer at @dma and the driver's memory. */
static void vmsg_win_copy(dma_addr_t dma, size_t size, bool to_window)
{
	struct vmsg_win_chunk *c = vmsg_win_chunk_of(dma, size);
	phys_addr_t orig;
	size_t n, off;
	void *p;

	if (WARN_ON_ONCE(!c))
		return;
	while (size) {
		off = dma - c->start;
		orig = c->orig[off >> VMSG_WIN_GRAN_SHIFT] + (off & (VMSG_WIN_GRAN - 1));
		n = min_t(size_t, size, PAGE_SIZE - offset_in_page(orig));
		n = min_t(size_t, n, VMSG_WIN_GRAN - (off & (VMSG_WIN_GRAN - 1)));
		p = kmap_local_page(pfn_to_page(PHYS_PFN(orig)));
		if (to_window)
			memcpy(phys_to_virt(dma), p + offset_in_page(orig), n);
		else
			memcpy(p + offset_in_page(orig), phys_to_virt(dma), n);
		kunmap_local(p);
		dma += n;
		size -= n;
	}
}

static dma_addr_t vmsg_win_map_page(struct device *dev, struct page *page, unsigned long offset,
				    size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	phys_addr_t orig = page_to_phys(page) + offset;
	struct vmsg_win_chunk *c;
	size_t alloc, g;
	dma_addr_t dma;
	void *va;

	if (!size || size > VMSG_WIN_MAX_MAP)
		return DMA_MAPPING_ERROR;
	alloc = ALIGN(size, VMSG_WIN_GRAN);
	va = (void *)gen_pool_alloc(vmsg_win_pool, alloc);
	if (!va)
		return DMA_MAPPING_ERROR;
	atomic_long_add(alloc, &vmsg_win_inuse);
	dma = virt_to_phys(va);
	c = vmsg_win_chunk_of(dma, alloc);
	for (g = 0; g < alloc; g += VMSG_WIN_GRAN)
		c->orig[(dma - c->start + g) >> VMSG_WIN_GRAN_SHIFT] = orig + g;
	if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
		vmsg_win_copy(dma, size, true);
	return dma;
}

static void vmsg_win_unmap_page(struct device *dev, dma_addr_t dma, size_t size,
				enum dma_data_direction dir, unsigned long attrs)
{
	size_t alloc = ALIGN(size, VMSG_WIN_GRAN);

	if (WARN_ON_ONCE(!vmsg_win_chunk_of(dma, alloc)))
		return;
	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		vmsg_win_copy(dma, size, false);
	gen_pool_free(vmsg_win_pool, (unsigned long)phys_to_virt(dma), alloc);
	atomic_long_sub(alloc, &vmsg_win_inuse);
}

static int vmsg_win_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
			   enum dma_data_direction dir, unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg->dma_address = vmsg_win_map_page(dev, sg_page(sg), sg->offset, sg->length,
						    dir, attrs);
		if (sg->dma_address == DMA_MAPPING_ERROR)
			goto err_unmap;
		sg_dma_len(sg) = sg->length;
	}
	return nents;

err_unmap:
	nents = i;
	for_each_sg(sgl, sg, nents, i)
		vmsg_win_unmap_page(dev, sg->dma_address, sg->length, DMA_NONE, attrs);
	return -ENOMEM;
}

static void vmsg_win_unmap_sg(struct device *dev, struct scatterlist *sgl, int nents,
			      enum dma_data_direction dir, unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vmsg_win_unmap_page(dev, sg->dma_address, sg->length, dir, attrs);
}

static void vmsg_win_sync_for_cpu(struct device *dev, dma_addr_t dma, size_t size,
				  enum dma_data_direction dir)
{
	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		vmsg_win_copy(dma, size, false);
}

static void vmsg_win_sync_for_device(struct device *dev, dma_addr_t dma, size_t size,
				     enum dma_data_direction dir)
{
	if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
		vmsg_win_copy(dma, size, true);
}

static size_t vmsg_win_max_mapping_size(struct device *dev)
{
	return VMSG_WIN_MAX_MAP;
}

static const struct dma_map_ops vmsg_win_ops = {
	.alloc = vmsg_win_alloc,
	.free = vmsg_win_free,
	.map_page = vmsg_win_map_page,
	.unmap_page = vmsg_win_unmap_page,
	.map_sg = vmsg_win_map_sg,
	.unmap_sg = vmsg_win_unmap_sg,
	.sync_single_for_cpu = vmsg_win_sync_for_cpu,
	.sync_single_for_device = vmsg_win_sync_for_device,
	.max_mapping_size = vmsg_win_max_mapping_size,
};

/* ---- setup ------------------------------------------------------------------ */

static void vmsg_win_free_chunks(void)
{
	struct vmsg_win_chunk *c;

	while (vmsg_win_nchunks) {
		c = &vmsg_win_chunks[--vmsg_win_nchunks];
		kvfree(c->orig);
		free_pages((unsigned long)phys_to_virt(c->start), c->order);
	}
}

/**
 * vmsg_loop_window_init - allocate the window and give @dev its DMA ops
 * @dev: the device the transport's virtio devices hang under
 *
 * Nothing without window_mb.  Returns 0 or -ENOMEM.
 */
int vmsg_loop_window_init(struct device *dev)
{
	size_t left = (size_t)vmsg_win_mb << 20;
	unsigned int order = VMSG_WIN_CHUNK_ORDER;
	struct vmsg_win_chunk *c;
	unsigned long va;
	int ret = -ENOMEM;

	if (!left)
		return 0;
	vmsg_win_pool = gen_pool_create(VMSG_WIN_GRAN_SHIFT, NUMA_NO_NODE);
	if (!vmsg_win_pool)
		return -ENOMEM;
	vmsg_win_outside = alloc_page(GFP_KERNEL);
	if (!vmsg_win_outside)
		goto err_pool;
	while (left) {
		while (order && PAGE_SIZE << order > left)
			order--;
		if (vmsg_win_nchunks == VMSG_WIN_MAX_CHUNKS)
			goto err_chunks;
		va = __get_free_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, order);
		if (!va) {
			if (order-- <= 4)
				goto err_chunks;
			continue;
		}
		c = &vmsg_win_chunks[vmsg_win_nchunks++];
		c->start = virt_to_phys((void *)va);
		c->size = PAGE_SIZE << order;
		c->order = order;
		c->orig = kvcalloc(c->size >> VMSG_WIN_GRAN_SHIFT, sizeof(*c->orig), GFP_KERNEL);
		if (!c->orig)
			goto err_chunks;
		ret = gen_pool_add_virt(vmsg_win_pool, va, c->start, c->size, NUMA_NO_NODE);
		if (ret)
			goto err_chunks;
		ret = -ENOMEM;
		left -= c->size;
	}
	dev->dma_mask = &dev->coherent_dma_mask;
	ret = dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		goto err_chunks;
	set_dma_ops(dev, &vmsg_win_ops);
	pr_info("DMA window: %u MiB in %u chunks\n", vmsg_win_mb, vmsg_win_nchunks);
	return 0;

err_chunks:
	gen_pool_destroy(vmsg_win_pool);
	vmsg_win_pool = NULL;
	vmsg_win_free_chunks();
	__free_page(vmsg_win_outside);
	vmsg_win_outside = NULL;
	return ret;
err_pool:
	gen_pool_destroy(vmsg_win_pool);
	vmsg_win_pool = NULL;
	return ret;
}

/* Every device is gone: free the window, unless the transport leaked rings in it. */
void vmsg_loop_window_exit(struct device *dev)
{
	unsigned int i;

	if (!vmsg_win_pool)
		return;
	set_dma_ops(dev, NULL);
	if (atomic_long_read(&vmsg_win_inuse)) {
		pr_warn("DMA window: %ld bytes still mapped at exit, window leaked\n",
			atomic_long_read(&vmsg_win_inuse));
		/* deliberate: tell kmemleak (the pool holds its chunk records) */
		kmemleak_not_leak(vmsg_win_pool);
		for (i = 0; i < vmsg_win_nchunks; i++)
			kmemleak_not_leak(vmsg_win_chunks[i].orig);
		return;
	}
	gen_pool_destroy(vmsg_win_pool);
	vmsg_win_pool = NULL;
	vmsg_win_free_chunks();
	__free_page(vmsg_win_outside);
	vmsg_win_outside = NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-msg loopback bus: virtio-blk device model backed by RAM.
 *
 * One disk of blk_mb MiB (vzalloc'ed), blk_queues request queues, all
 * served by the device's kthread.  Requests per virtio 1.x 5.2.6: IN, OUT,
 * FLUSH (RAM: nothing to do), GET_ID; anything else VIRTIO_BLK_S_UNSUPP, a
 * range beyond the disk VIRTIO_BLK_S_IOERR.  blk_null=1 moves no data at
 * all (reads leave the buffers as they are, writes are dropped), like
 * null_blk: the floor for transport cost.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_ids.h>

#include "loop.h"

#define VMSG_BLK_SECTOR_SHIFT 9
#define VMSG_BLK_MAX_MB 1024
#define VMSG_BLK_MAX_QUEUES VMSG_LOOP_MAX_VQS
/* Data segments per request: leaves room for header and status in a chain. */
#define VMSG_BLK_SEG_MAX (VMSG_LOOP_MAX_SEGS / 2)

unsigned int vmsg_blk_mb = 64;
static unsigned int vmsg_blk_queues = 1;
static bool vmsg_blk_null;

vmsg_loop_param_uint(blk_mb, vmsg_blk_mb, 0, VMSG_BLK_MAX_MB, 0444);
MODULE_PARM_DESC(blk_mb, "RAM disk size, MiB; 0 = no blk device (0..1024, default 64)");
vmsg_loop_param_uint(blk_queues, vmsg_blk_queues, 1, VMSG_BLK_MAX_QUEUES, 0444);
MODULE_PARM_DESC(blk_queues, "Request queues of the blk device, VIRTIO_BLK_F_MQ when > 1 (1..4, default 1)");
module_param_named(blk_null, vmsg_blk_null, bool, 0444);
MODULE_PARM_DESC(blk_null, "Move no data and allocate none: reads leave buffers untouched, writes are dropped (default 0)");

struct vmsg_blk {
	u8 *ram;
	/* Current capacity (resize) and the size allocated at creation. */
	u64 sectors;
	u64 max_sectors;
	char serial[VIRTIO_BLK_ID_BYTES];
};

/* One disk, none with blk_mb=0. */
static unsigned int vmsg_blk_instances(void)
{
	return vmsg_blk_mb ? 1 : 0;
}

static int vmsg_blk_init(struct vmsg_loop_dev *ld, unsigned int index)
{
	struct virtio_blk_config *cfg;
	struct vmsg_blk *blk;

	blk = kzalloc(sizeof(*blk), GFP_KERNEL);
	if (!blk)
		return -ENOMEM;
	blk->sectors = ((u64)vmsg_blk_mb << 20) >> VMSG_BLK_SECTOR_SHIFT;
	blk->max_sectors = blk->sectors;
	if (!vmsg_blk_null)
		blk->ram = vzalloc((size_t)vmsg_blk_mb << 20);
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if ((!vmsg_blk_null && !blk->ram) || !cfg) {
		vfree(blk->ram);
		kfree(blk);
		kfree(cfg);
		return -ENOMEM;
	}
	/* GET_ID: up to 20 bytes, NUL-padded (5.2.6). */
	snprintf(blk->serial, sizeof(blk->serial), "vmsg-loop-blk%u", index);

	cfg->capacity = (__force __virtio64)cpu_to_le64(blk->sectors);
	cfg->seg_max = (__force __virtio32)cpu_to_le32(VMSG_BLK_SEG_MAX);
	cfg->blk_size = (__force __virtio32)cpu_to_le32(1 << VMSG_BLK_SECTOR_SHIFT);
	cfg->num_queues = (__force __virtio16)cpu_to_le16(vmsg_blk_queues);
	ld->config = (u8 *)cfg;
	ld->config_size = sizeof(*cfg);
	ld->nvqs = vmsg_blk_queues;
	ld->priv = blk;
	return 0;
}

static void vmsg_blk_destroy(struct vmsg_loop_dev *ld)
{
	struct vmsg_blk *blk = ld->priv;

	vfree(blk->ram);
	kfree(blk);
	ld->priv = NULL;
}

static u64 vmsg_blk_features(struct vmsg_loop_dev *ld)
{
	u64 f = BIT_ULL(VIRTIO_BLK_F_SEG_MAX) | BIT_ULL(VIRTIO_BLK_F_BLK_SIZE) |
		BIT_ULL(VIRTIO_BLK_F_FLUSH);

	if (ld->nvqs > 1)
		f |= BIT_ULL(VIRTIO_BLK_F_MQ);
	return f;
}

/* Is [sector, sector + len bytes) on the disk? */
static bool vmsg_blk_range_ok(struct vmsg_blk *blk, u64 sector, u32 len)
{
	u64 sectors = READ_ONCE(blk->sectors);

	return sector <= sectors && len <= ((sectors - sector) << VMSG_BLK_SECTOR_SHIFT);
}

/**
 * vmsg_blk_resize - change the disk's capacity at run time
 * @ld: a blk device
 * @sectors: the new capacity, 1 up to the size allocated at creation
 *
 * Requests beyond the new end fail with VIRTIO_BLK_S_IOERR from now on.
 * The caller bumps the config generation and sends EVENT_CONFIG.
 * Returns 0 or -EINVAL.
 */
int vmsg_blk_resize(struct vmsg_loop_dev *ld, u64 sectors)
{
	struct virtio_blk_config *cfg = (struct virtio_blk_config *)ld->config;
	struct vmsg_blk *blk = ld->priv;

	if (!sectors || sectors > blk->max_sectors) {
		pr_err("dev %u: capacity %llu sectors not in 1..%llu\n", ld->vmdev.dev_num,
		       sectors, blk->max_sectors);
		return -EINVAL;
	}
	WRITE_ONCE(blk->sectors, sectors);
	/* One aligned 64-bit store: a GET_CONFIG never sees half of it. */
	WRITE_ONCE(cfg->capacity, (__force __virtio64)cpu_to_le64(sectors));
	pr_info("dev %u: capacity now %llu sectors\n", ld->vmdev.dev_num, sectors);
	return 0;
}

/*
 * One request.  Returns the bytes written into the writable part (data and
 * status byte), or -EFAULT when a buffer was bad (the queue is broken).
 */
static int vmsg_blk_request(struct vmsg_blk *blk, struct vmsg_loop_vq *vq,
			    const struct vmsg_loop_chain *c)
{
	struct virtio_blk_outhdr hdr;
	struct vmsg_loop_iter out, in;
	u32 data_in, len, written = 0;
	bool null = !blk->ram;
	u8 status = VIRTIO_BLK_S_OK;
	u64 sector;

	vmsg_loop_iter_init(&out, vq, c, false);
	vmsg_loop_iter_init(&in, vq, c, true);
	if (!c->in_len) {
		/* Nowhere to put a status: complete it empty, the driver's bug. */
		pr_err_ratelimited("dev %u vq %u: request %u without status byte\n",
				   vq->ld->vmdev.dev_num, vq->index, c->head);
		return 0;
	}
	data_in = c->in_len - 1;
	/* Removed by surprise (hotplug.c): every request fails. */
	if (c->out_len < sizeof(hdr) || READ_ONCE(vq->ld->unplugged)) {
		status = VIRTIO_BLK_S_IOERR;
		goto out_status;
	}
	if (vmsg_loop_iter_pull(&out, &hdr, sizeof(hdr)))
		return -EFAULT;
	sector = le64_to_cpu((__force __le64)hdr.sector);

	switch (le32_to_cpu((__force __le32)hdr.type)) {
	case VIRTIO_BLK_T_IN:
		len = data_in;
		if (!vmsg_blk_range_ok(blk, sector, len)) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		if (!null && vmsg_loop_iter_push(&in, blk->ram + (sector << VMSG_BLK_SECTOR_SHIFT),
						 len))
			return -EFAULT;
		written = len;
		break;
	case VIRTIO_BLK_T_OUT:
		len = c->out_len - sizeof(hdr);
		if (!vmsg_blk_range_ok(blk, sector, len)) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		if (!null && vmsg_loop_iter_pull(&out, blk->ram + (sector << VMSG_BLK_SECTOR_SHIFT),
						 len))
			return -EFAULT;
		break;
	case VIRTIO_BLK_T_FLUSH:
		break;
	case VIRTIO_BLK_T_GET_ID:
		len = min_t(u32, data_in, VIRTIO_BLK_ID_BYTES);
		if (vmsg_loop_iter_push(&in, blk->serial, len))
			return -EFAULT;
		written = len;
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
out_status:
	/* The status byte is the last writable byte (5.2.6). */
	if (vmsg_loop_iter_skip(&in, data_in - written) ||
	    vmsg_loop_iter_push(&in, &status, sizeof(status)))
		return -EFAULT;
	return written + sizeof(status);
}

static int vmsg_blk_handle_vq(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq,
			      unsigned int budget)
{
	struct vmsg_loop_chain *c = &vq->chain;
	unsigned int n;
	int ret;

	for (n = 0; n < budget; n++) {
		ret = vmsg_loop_vq_pop(vq, c);
		if (ret <= 0)
			return ret ? ret : n;
		ret = vmsg_blk_request(ld->priv, vq, c);
		if (ret < 0)
			return ret;
		vmsg_loop_vq_done(vq, c->head, ret);
	}
	return n;
}

static void vmsg_blk_reset(struct vmsg_loop_dev *ld)
{
}

const struct vmsg_loop_model vmsg_blk_model = {
	.name = "blk",
	.device_id = VIRTIO_ID_BLOCK,
	.instances = vmsg_blk_instances,
	.init = vmsg_blk_init,
	.destroy = vmsg_blk_destroy,
	.features = vmsg_blk_features,
	.handle_vq = vmsg_blk_handle_vq,
	.reset = vmsg_blk_reset,
};

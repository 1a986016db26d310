// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-msg loopback bus: devices played by a user-space process, through
 * the misc device /dev/virtio-msg-lb (ABI: include/uapi/virtio_msg_lb.h).
 *
 * The process is the device side, and it is not trusted.  The bus forwards
 * the transport's requests (with the bus's token) and EVENT_AVAIL to the
 * fd; the process answers with responses, EVENT_USED and EVENT_CONFIG,
 * each checked by the same validator as every other receiver
 * (virtio_msg_wire.c) and matched against the request that waits (device,
 * token, id): anything else is refused with an error.  It reaches rings
 * and buffers only through mmap() of the bus's DMA window (window_mb), the
 * only memory the driver's addresses point into; no other kernel memory is
 * mapped.
 *
 * A device here is a loop-bus device (bus.c) of the model "user", without
 * a kthread: model->notify wakes the fd's readers instead.  Requests wait
 * in the device's slot and time out after timeout_ms as for any device.
 *
 * The fast path (VMSG_LB_IOC_RING): a pair of message rings in memory
 * shared with the process (vmalloc_user, mmap()ed at VMSG_LB_RING_OFFSET)
 * and the doorbell ioctl VMSG_LB_IOC_ENTER, which takes the process's
 * messages, fills the to-process ring and may sleep until something
 * arrives: one syscall per round trip where read()/write() cost two.  The
 * doorbell is an ioctl rather than an eventfd the kernel waits on (as
 * vhost's kick or irqfd): the process needs a syscall to sleep anyway, and
 * an eventfd wait-queue callback runs under the eventfd's lock, so taking
 * and validating the messages would need one more hop (a work item) per
 * wakeup.  An eventfd (optional) is signalled when messages wait, for a
 * process that also poll()s other fds.  Every index the process writes is
 * checked against the ring size (-ERANGE, nothing taken), and every
 * message is copied out of its slot once, then validated and matched as
 * write() does: nothing in shared memory is read twice.
 *
 * When the fd goes (close, process exit), its devices are removed by
 * surprise (as hotplug.c's remove): requests fail with -ENODEV at once, and
 * the kernel takes over the device side of the rings the process had been
 * given (the SET_VQUEUE requests it forwarded), completing every chain
 * still there, and every chain added later, with an error (virtio-blk: the
 * status byte IOERR; other devices: an empty completion) until the driver
 * is gone.  Chains are taken from used->idx on, which is exact for a device
 * that completes in order (libvmsgdev's do).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>

#include "loop.h"
#include "include/uapi/virtio_msg_lb.h"

/* Devices one fd may create. */
#define VMSG_USER_MAX_DEVS 16
/* Largest read() or write() handled in one call. */
#define VMSG_USER_MAX_IO SZ_64K

/**
 * struct vmsg_user_mring - the shared message rings of an fd
 * @entries: slots per ring (a power of 2)
 * @size: bytes of @mem
 * @mem: the region the process maps (control page, then the slots)
 * @to_proc: control of the ring the kernel fills
 * @to_kern: control of the ring the process fills
 * @proc_slots: slots of @to_proc
 * @kern_slots: slots of @to_kern
 * @proc_tail: the kernel's own tail of @to_proc (never read back)
 * @kern_head: the kernel's own head of @to_kern (never read back)
 * @bounce: what vmsg_user_collect() gathers before it goes to the slots
 * @msg: a message of the process, copied out of its slot
 */
struct vmsg_user_mring {
	u32 entries;
	size_t size;
	void *mem;
	struct vmsg_lb_ring_ctl *to_proc;
	struct vmsg_lb_ring_ctl *to_kern;
	u8 *proc_slots;
	u8 *kern_slots;
	u32 proc_tail;
	u32 kern_head;
	u8 *bounce;
	struct vmsg msg;
};

/**
 * struct vmsg_user_ctx - one open fd
 * @ref: the fd and each of its devices hold one
 * @lock: protects @devs, @closing and every device's @ld and @announced;
 *	a device on @devs has a live @ld (destroy takes it off first)
 * @devs: its devices
 * @closing: the fd is being released: nothing more is announced
 * @wq: readers and pollers wait here
 * @announce: announces new devices (EVENT_DEVICE READY) once the ioctl
 *	returned: registration waits for the process's answers
 * @ring_mutex: serializes VMSG_LB_IOC_RING, VMSG_LB_IOC_ENTER and mmap() of the ring
 * @ring: the shared message rings, or NULL (set once, freed with the ctx)
 * @efd: signalled when messages wait (VMSG_LB_IOC_RING), or NULL
 */
struct vmsg_user_ctx {
	struct kref ref;
	spinlock_t lock;	/* see above */
	struct list_head devs;
	bool closing;
	wait_queue_head_t wq;
	struct work_struct announce;
	struct mutex ring_mutex;	/* see above */
	struct vmsg_user_mring *ring;
	struct eventfd_ctx *efd;
};

/* The SET_VQUEUE the process was given for a queue, for the takeover. */
struct vmsg_user_ring {
	bool set;
	u32 num;
	u64 desc;
	u64 avail;
	u64 used;
};

/**
 * struct vmsg_user_dev - model data of a device played by a process
 * @ref: the ioctl that creates it and the device (init to destroy)
 * @ctx: the fd (a reference)
 * @ld: the bus device, NULL once destroyed (@ctx->lock)
 * @node: on @ctx->devs
 * @device_id: virtio device id the process gave
 * @nvqs: queues
 * @announced: EVENT_DEVICE READY sent or due (@ctx->lock)
 * @dead: the process is gone: the kernel completes chains with errors
 * @rings: the rings forwarded to the process (@ctx->lock)
 * @drain: completes the chains of a dead device with errors
 */
struct vmsg_user_dev {
	struct kref ref;
	struct vmsg_user_ctx *ctx;
	struct vmsg_loop_dev *ld;
	struct list_head node;
	u32 device_id;
	unsigned int nvqs;
	bool announced;
	bool dead;
	struct vmsg_user_ring rings[VMSG_LOOP_MAX_VQS];
	struct work_struct drain;
};

static void vmsg_user_ctx_free(struct kref *ref)
{
	struct vmsg_user_ctx *ctx = container_of(ref, struct vmsg_user_ctx, ref);

	if (ctx->ring) {
		vfree(ctx->ring->mem);
		kvfree(ctx->ring->bounce);
		kfree(ctx->ring);
	}
	if (ctx->efd)
		eventfd_ctx_put(ctx->efd);
	mutex_destroy(&ctx->ring_mutex);
	kfree(ctx);
}

static void vmsg_user_dev_free(struct kref *ref)
{
	struct vmsg_user_dev *ud = container_of(ref, struct vmsg_user_dev, ref);

	kref_put(&ud->ctx->ref, vmsg_user_ctx_free);
	kfree(ud);
}

/* ---- the model ------------------------------------------------------------ */

static int vmsg_user_init(struct vmsg_loop_dev *ld, unsigned int index)
{
	struct vmsg_user_dev *ud = ld->priv;

	kref_get(&ud->ref);
	ld->nvqs = ud->nvqs;
	return 0;
}

static void vmsg_user_destroy(struct vmsg_loop_dev *ld)
{
	struct vmsg_user_dev *ud = ld->priv;

	spin_lock(&ud->ctx->lock);
	list_del_init(&ud->node);
	ud->ld = NULL;
	spin_unlock(&ud->ctx->lock);
	/* Kicks queue it no more: the driver is gone and the queues reset. */
	cancel_work_sync(&ud->drain);
	ld->priv = NULL;
	kref_put(&ud->ref, vmsg_user_dev_free);
}

/* Any context: a request or an EVENT_AVAIL waits for the process. */
static void vmsg_user_notify(struct vmsg_loop_dev *ld)
{
	struct vmsg_user_dev *ud = ld->priv;

	struct eventfd_ctx *efd;

	if (READ_ONCE(ud->dead)) {
		queue_work(system_wq, &ud->drain);
		return;
	}
	wake_up(&ud->ctx->wq);
	efd = READ_ONCE(ud->ctx->efd);
	if (efd)
		eventfd_signal(efd, 1);
}

/*
 * The process is gone: complete the chains of @vq with an error (vq lock
 * held, see device.c's process_vq).
 */
static int vmsg_user_fail_vq(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq,
			     unsigned int budget)
{
	struct vmsg_user_dev *ud = ld->priv;
	struct vmsg_loop_chain *c = &vq->chain;
	u8 status = VIRTIO_BLK_S_IOERR;
	struct vmsg_loop_iter in;
	unsigned int n = 0;
	u32 len;
	int ret;

	/*
	 * A gone net device receives nothing: its receive buffers stay posted
	 * until the removal resets the queues. Completing them empty would
	 * only bring them back (virtio_net refills at once), and again.
	 * -EAGAIN: left on purpose (process_vq).
	 */
	if (ud->device_id == VIRTIO_ID_NET && !(vq->index & 1))
		return -EAGAIN;
	while (n < budget) {
		ret = vmsg_loop_vq_pop(vq, c);
		if (ret <= 0)
			return ret ? ret : n;
		len = 0;
		if (ud->device_id == VIRTIO_ID_BLOCK && c->in_len) {
			vmsg_loop_iter_init(&in, vq, c, true);
			if (vmsg_loop_iter_skip(&in, c->in_len - 1) ||
			    vmsg_loop_iter_push(&in, &status, 1))
				return -EFAULT;
			len = 1;
		}
		vmsg_loop_vq_done(vq, c->head, len);
		n++;
	}
	return n;
}

/* Map the rings the process was given, from where it left them. */
static void vmsg_user_take_rings(struct vmsg_user_dev *ud, struct vmsg_loop_dev *ld)
{
	struct vmsg_user_ring r[VMSG_LOOP_MAX_VQS];
	struct vmsg_loop_vq *vq;
	unsigned int i;
	u16 used;

	spin_lock(&ud->ctx->lock);
	memcpy(r, ud->rings, sizeof(r));
	spin_unlock(&ud->ctx->lock);
	for (i = 0; i < ld->nvqs; i++) {
		vq = ld->vqs[i];
		spin_lock_irq(&vq->lock);
		if (r[i].set && !vq->ready &&
		    !vmsg_loop_vq_map(vq, r[i].num, r[i].desc, r[i].avail, r[i].used)) {
			used = le16_to_cpu((__force __le16)READ_ONCE(vq->used->idx));
			vq->last_avail = used;
			vq->used_idx = used;
			vmsg_loop_knobs_read(&vq->knobs);
		}
		spin_unlock_irq(&vq->lock);
		set_bit(i, &ld->avail_pending);
	}
	/* process_vq handles a queue of a running device only. */
	WRITE_ONCE(ld->status, VIRTIO_CONFIG_S_DRIVER_OK);
}

/*
 * One pass over the queues of a dead device's kicks. Never a loop here: a
 * work item that does not sleep holds up every other work item of its CPU's
 * pool (an expedited RCU grace period that the device's removal waits for,
 * for one). A kick during the pass queues this work again (notify).
 */
static void vmsg_user_drain(struct work_struct *work)
{
	struct vmsg_user_dev *ud = container_of(work, struct vmsg_user_dev, drain);
	struct vmsg_loop_dev *ld;
	unsigned int i;

	spin_lock(&ud->ctx->lock);
	ld = ud->ld;
	spin_unlock(&ud->ctx->lock);
	/* destroy cancels this work before the device goes. */
	if (!ld)
		return;
	if (!READ_ONCE(ld->status))
		vmsg_user_take_rings(ud, ld);
	for (i = 0; i < ld->nvqs; i++)
		if (test_and_clear_bit(i, &ld->avail_pending))
			vmsg_loop_process_vq(ld, ld->vqs[i], false);
	/* A queue with more than a budget left: it comes back on its own. */
	if (READ_ONCE(ld->avail_pending))
		queue_work(system_wq, &ud->drain);
}

static const struct vmsg_loop_model vmsg_user_model = {
	.name = "user",
	.init = vmsg_user_init,
	.destroy = vmsg_user_destroy,
	.handle_vq = vmsg_user_fail_vq,
	.notify = vmsg_user_notify,
};

/* ---- the fd ---------------------------------------------------------------- */

/* Announce (EVENT_DEVICE READY) the devices created since the last run. */
static void vmsg_user_announce(struct work_struct *work)
{
	struct vmsg_user_ctx *ctx = container_of(work, struct vmsg_user_ctx, announce);
	struct vmsg_user_dev *ud;
	int num;

	for (;;) {
		num = -1;
		spin_lock(&ctx->lock);
		list_for_each_entry(ud, &ctx->devs, node) {
			if (!ud->announced && !ctx->closing) {
				ud->announced = true;
				num = ud->ld->vmdev.dev_num;
				break;
			}
		}
		spin_unlock(&ctx->lock);
		if (num < 0)
			return;
		vmsg_loop_announce(num, VMSG_DEVICE_STATE_READY);
	}
}

static int vmsg_user_open(struct inode *inode, struct file *file)
{
	struct vmsg_user_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	kref_init(&ctx->ref);
	spin_lock_init(&ctx->lock);
	INIT_LIST_HEAD(&ctx->devs);
	init_waitqueue_head(&ctx->wq);
	INIT_WORK(&ctx->announce, vmsg_user_announce);
	mutex_init(&ctx->ring_mutex);
	file->private_data = ctx;
	return 0;
}

/*
 * The process is gone: every device of @ctx is removed by surprise.  The
 * kernel completes their chains with errors (vmsg_user_drain) and the bus
 * side unregisters them (EVENT_DEVICE REMOVED).
 */
static int vmsg_user_release(struct inode *inode, struct file *file)
{
	struct vmsg_user_ctx *ctx = file->private_data;
	u16 nums[VMSG_USER_MAX_DEVS];
	struct vmsg_user_dev *ud;
	struct vmsg_loop_dev *ld;
	unsigned int n = 0, i;
	bool remove;

	spin_lock(&ctx->lock);
	ctx->closing = true;
	list_for_each_entry(ud, &ctx->devs, node) {
		WRITE_ONCE(ud->dead, true);
		WRITE_ONCE(ud->ld->unplugged, true);
		/* A request in flight fails now (bus.c's xfer: -ENODEV). */
		wake_up(&ud->ld->slot.wq);
		queue_work(system_wq, &ud->drain);
		if (n < ARRAY_SIZE(nums))
			nums[n++] = ud->ld->vmdev.dev_num;
	}
	spin_unlock(&ctx->lock);
	/* A registration in progress fails fast now; none starts after. */
	flush_work(&ctx->announce);

	for (i = 0; i < n; i++) {
		/*
		 * Only devices still ours and not handed to a registration
		 * that failed (their release is under way).
		 */
		remove = false;
		mutex_lock(&vmsg_loop_lock);
		list_for_each_entry(ld, &vmsg_loop_devs, list) {
			if (ld->vmdev.dev_num == nums[i] && ld->model == &vmsg_user_model &&
			    ld->priv && ((struct vmsg_user_dev *)ld->priv)->ctx == ctx) {
				remove = ld->state == VMSG_LOOP_REGISTERED ||
					 ld->state < VMSG_LOOP_HANDED;
				break;
			}
		}
		mutex_unlock(&vmsg_loop_lock);
		if (remove) {
			pr_info("user dev %u: the process went away, removed\n", nums[i]);
			vmsg_loop_announce(nums[i], VMSG_DEVICE_STATE_REMOVED);
		}
	}
	kref_put(&ctx->ref, vmsg_user_ctx_free);
	return 0;
}

static long vmsg_user_create(struct vmsg_user_ctx *ctx, void __user *arg)
{
	struct vmsg_lb_create c;
	struct vmsg_user_dev *ud, *d;
	struct vmsg_loop_dev *ld;
	unsigned int n = 0;
	long ret = 0;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (!vmsg_loop_window_on()) {
		pr_err_ratelimited("user device: needs a DMA window (window_mb > 0)\n");
		return -ENXIO;
	}
	if (!c.num_queues || c.num_queues > VMSG_LOOP_MAX_VQS || c.flags)
		return -EINVAL;
	spin_lock(&ctx->lock);
	list_for_each_entry(d, &ctx->devs, node)
		n++;
	spin_unlock(&ctx->lock);
	if (n >= VMSG_USER_MAX_DEVS)
		return -ENOSPC;

	ud = kzalloc(sizeof(*ud), GFP_KERNEL);
	if (!ud)
		return -ENOMEM;
	kref_init(&ud->ref);
	kref_get(&ctx->ref);
	ud->ctx = ctx;
	INIT_LIST_HEAD(&ud->node);
	INIT_WORK(&ud->drain, vmsg_user_drain);
	ud->device_id = c.device_id;
	ud->nvqs = c.num_queues;

	ld = vmsg_loop_add_priv(&vmsg_user_model, ud);
	if (IS_ERR(ld)) {
		ret = PTR_ERR(ld);
		goto out_put;
	}
	c.dev_num = ld->vmdev.dev_num;
	spin_lock(&ctx->lock);
	ud->ld = ld;
	list_add_tail(&ud->node, &ctx->devs);
	spin_unlock(&ctx->lock);
	pr_info("user dev %u: device id %u, %u queue(s)\n", c.dev_num, c.device_id,
		c.num_queues);
	queue_work(system_wq, &ctx->announce);
	if (copy_to_user(arg, &c, sizeof(c)))
		ret = -EFAULT;	/* the device exists all the same, until close */
out_put:
	kref_put(&ud->ref, vmsg_user_dev_free);
	return ret;
}

static long vmsg_user_window(void __user *arg)
{
	struct vmsg_lb_window *w;
	phys_addr_t start;
	unsigned int i;
	size_t size;
	long ret = 0;

	if (!vmsg_loop_window_on())
		return -ENXIO;
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	for (i = 0; i < VMSG_LB_MAX_CHUNKS && vmsg_loop_window_chunk(i, &start, &size); i++) {
		w->chunk[i].bus_addr = start;
		w->chunk[i].size = size;
		w->chunk[i].offset = w->size;
		w->size += size;
	}
	w->num_chunks = i;
	if (copy_to_user(arg, w, sizeof(*w)))
		ret = -EFAULT;
	kfree(w);
	return ret;
}

/* @ud has something for the process.  ctx->lock held. */
static bool vmsg_user_pending(struct vmsg_user_dev *ud)
{
	return READ_ONCE(ud->ld->slot.req_pending) || READ_ONCE(ud->ld->avail_pending);
}

static bool vmsg_user_any(struct vmsg_user_ctx *ctx)
{
	struct vmsg_user_dev *ud;
	bool any = false;

	spin_lock(&ctx->lock);
	list_for_each_entry(ud, &ctx->devs, node)
		any |= vmsg_user_pending(ud);
	spin_unlock(&ctx->lock);
	return any;
}

/* Note what the process is given: the kernel may need the rings later. */
static void vmsg_user_snoop(struct vmsg_user_dev *ud, const struct vmsg *req)
{
	const struct vmsg_vqueue_set *set = vmsg_cpayload(&req->hdr);
	const struct vmsg_status *st = vmsg_cpayload(&req->hdr);
	u32 i;

	if (req->hdr.msg_id == VMSG_SET_VQUEUE) {
		i = le32_to_cpu(set->index);
		if (i >= ud->nvqs)
			return;
		ud->rings[i].set = true;
		ud->rings[i].num = le32_to_cpu(set->size);
		ud->rings[i].desc = le64_to_cpu(set->desc_addr);
		ud->rings[i].avail = le64_to_cpu(set->driver_addr);
		ud->rings[i].used = le64_to_cpu(set->device_addr);
	} else if (req->hdr.msg_id == VMSG_SET_DEVICE_STATUS && !st->status) {
		memset(ud->rings, 0, sizeof(ud->rings));
	} else if (req->hdr.msg_id == VMSG_RESET_VQUEUE) {
		i = le32_to_cpu(((const struct vmsg_index *)vmsg_cpayload(&req->hdr))->index);
		if (i < ud->nvqs)
			ud->rings[i].set = false;
	}
}

/*
 * Move what waits into @buf (@len bytes), at most one message per
 * VMSG_MAX_SIZE bytes of it; returns the bytes used.  ctx->lock held.
 */
static size_t vmsg_user_collect(struct vmsg_user_ctx *ctx, u8 *buf, size_t len)
{
	size_t left = len / VMSG_MAX_SIZE;
	struct vmsg_event_avail *ev;
	struct vmsg_user_dev *ud;
	struct vmsg_loop_slot *slot;
	size_t pos = 0, size;
	unsigned int i;
	struct vmsg *m;

	list_for_each_entry(ud, &ctx->devs, node) {
		slot = &ud->ld->slot;
		spin_lock(&slot->lock);
		size = vmsg_size(&slot->req.hdr);
		if (left && slot->req_pending && ALIGN(size, VMSG_LB_ALIGN) <= len - pos) {
			memcpy(buf + pos, &slot->req, size);
			slot->req_pending = false;
			vmsg_user_snoop(ud, (struct vmsg *)(buf + pos));
			pos += ALIGN(size, VMSG_LB_ALIGN);
			left--;
		}
		spin_unlock(&slot->lock);
		size = VMSG_HDR_SIZE + sizeof(*ev);
		for (i = 0; i < ud->nvqs && left && size <= len - pos; i++) {
			if (!test_and_clear_bit(i, &ud->ld->avail_pending))
				continue;
			m = (struct vmsg *)(buf + pos);
			ev = vmsg_init(m, 0, VMSG_EVENT_AVAIL, ud->ld->vmdev.dev_num, sizeof(*ev));
			ev->vq_index = cpu_to_le32(i);
			pos += ALIGN(size, VMSG_LB_ALIGN);
			left--;
		}
	}
	return pos;
}

static ssize_t vmsg_user_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct vmsg_user_ctx *ctx = file->private_data;
	size_t len = min_t(size_t, count, VMSG_USER_MAX_IO), got;
	u8 *buf;
	int ret;

	if (count < VMSG_MAX_SIZE)
		return -EINVAL;
	buf = kzalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		spin_lock(&ctx->lock);
		got = vmsg_user_collect(ctx, buf, len);
		spin_unlock(&ctx->lock);
		if (got)
			break;
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			goto out;
		}
		ret = wait_event_interruptible(ctx->wq, vmsg_user_any(ctx));
		if (ret)
			goto out;
	}
	ret = copy_to_user(ubuf, buf, got) ? -EFAULT : got;
out:
	kfree(buf);
	return ret;
}

/* One message from the process, validated.  ctx->lock held. */
static int vmsg_user_take(struct vmsg_user_ctx *ctx, struct vmsg *m, u16 size)
{
	const struct vmsg_event_used *used = vmsg_cpayload(&m->hdr);
	struct vmsg_user_dev *ud, *found = NULL;
	struct vmsg_loop_slot *slot;
	struct vmsg_loop_dev *ld;
	bool match;
	int ret;

	ret = vmsg_validate(&m->hdr, size, VMSG_MAX_SIZE);
	if (ret)
		return ret;
	if (vmsg_is_bus(&m->hdr))
		return -EPROTO;
	list_for_each_entry(ud, &ctx->devs, node) {
		if (ud->ld->vmdev.dev_num == vmsg_dev_num(&m->hdr)) {
			found = ud;
			break;
		}
	}
	if (!found)
		return -ENODEV;
	ld = found->ld;
	if (READ_ONCE(ld->unplugged))
		return -ENODEV;
	if (vmsg_is_response(&m->hdr)) {
		slot = &ld->slot;
		spin_lock(&slot->lock);
		match = slot->waiting && !slot->resp_ready && !slot->req_pending &&
			le16_to_cpu(m->hdr.token) == slot->token &&
			m->hdr.msg_id == slot->req.hdr.msg_id;
		spin_unlock(&slot->lock);
		if (!match) {
			vmsg_loop_count(ld, VMSG_STAT_DROPPED);
			return -ENOENT;
		}
		vmsg_loop_resp_deliver(ld, m, size);
		return 0;
	}
	switch (m->hdr.msg_id) {
	case VMSG_EVENT_USED:
		if (le32_to_cpu(used->vq_index) >= ld->nvqs)
			return -EINVAL;
		vmsg_loop_count(ld, VMSG_STAT_USED);
		fallthrough;
	case VMSG_EVENT_CONFIG:
		vmsg_loop_event_deliver(ld, m, size);
		return 0;
	}
	return -EPROTO;
}

static ssize_t vmsg_user_write(struct file *file, const char __user *ubuf, size_t count,
			       loff_t *ppos)
{
	struct vmsg_user_ctx *ctx = file->private_data;
	size_t len = min_t(size_t, count, VMSG_USER_MAX_IO), pos = 0;
	struct vmsg *m;
	u8 *buf;
	u16 size;
	int ret = 0;

	if (!count)
		return 0;
	buf = kmalloc(len, GFP_KERNEL);
	m = kmalloc(sizeof(*m), GFP_KERNEL);
	if (!buf || !m) {
		ret = -ENOMEM;
		goto out;
	}
	if (copy_from_user(buf, ubuf, len)) {
		ret = -EFAULT;
		goto out;
	}
	while (len - pos >= VMSG_HDR_SIZE) {
		size = vmsg_size((const struct vmsg_hdr *)(buf + pos));
		if (size < VMSG_HDR_SIZE || size > sizeof(*m) || size > len - pos) {
			ret = -EMSGSIZE;
			break;
		}
		memcpy(m, buf + pos, size);
		spin_lock(&ctx->lock);
		ret = vmsg_user_take(ctx, m, size);
		spin_unlock(&ctx->lock);
		if (ret)
			break;
		pos = min_t(size_t, len, pos + ALIGN(size, VMSG_LB_ALIGN));
	}
	if (!ret && pos < len)
		ret = -EMSGSIZE;	/* a piece shorter than a header */
	if (ret)
		pr_debug("user write: message at %zu refused: %d\n", pos, ret);
out:
	kfree(m);
	kfree(buf);
	return pos ? pos : ret;
}

/* ---- the shared message rings --------------------------------------------- */

static long vmsg_user_ring_setup(struct vmsg_user_ctx *ctx, void __user *arg)
{
	struct eventfd_ctx *efd = NULL;
	struct vmsg_user_mring *r;
	struct vmsg_lb_ring rs;
	long ret;

	BUILD_BUG_ON(sizeof(struct vmsg) != VMSG_LB_RING_SLOT);
	BUILD_BUG_ON(2 * sizeof(struct vmsg_lb_ring_ctl) > VMSG_LB_RING_SLOTS);
	if (copy_from_user(&rs, arg, sizeof(rs)))
		return -EFAULT;
	if (rs.flags || rs.reserved || rs.entries < 2 || rs.entries > VMSG_LB_RING_MAX ||
	    !is_power_of_2(rs.entries))
		return -EINVAL;
	if (rs.efd >= 0) {
		efd = eventfd_ctx_fdget(rs.efd);
		if (IS_ERR(efd))
			return PTR_ERR(efd);
	} else if (rs.efd != -1) {
		return -EINVAL;
	}
	ret = -ENOMEM;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		goto out_efd;
	r->entries = rs.entries;
	r->size = PAGE_ALIGN(VMSG_LB_RING_SLOTS + 2 * rs.entries * VMSG_LB_RING_SLOT);
	r->mem = vmalloc_user(r->size);
	r->bounce = kvmalloc_array(rs.entries, VMSG_MAX_SIZE, GFP_KERNEL);
	if (!r->mem || !r->bounce)
		goto out_free;
	r->to_proc = r->mem;
	r->to_kern = r->to_proc + 1;
	r->proc_slots = (u8 *)r->mem + VMSG_LB_RING_SLOTS;
	r->kern_slots = r->proc_slots + rs.entries * VMSG_LB_RING_SLOT;

	mutex_lock(&ctx->ring_mutex);
	if (ctx->ring) {
		mutex_unlock(&ctx->ring_mutex);
		ret = -EBUSY;
		goto out_free;
	}
	ctx->ring = r;
	WRITE_ONCE(ctx->efd, efd);
	mutex_unlock(&ctx->ring_mutex);
	rs.size = r->size;
	return copy_to_user(arg, &rs, sizeof(rs)) ? -EFAULT : 0;

out_free:
	vfree(r->mem);
	kvfree(r->bounce);
	kfree(r);
out_efd:
	if (efd)
		eventfd_ctx_put(efd);
	return ret;
}

static int vmsg_user_ring_mmap(struct vmsg_user_ctx *ctx, struct vm_area_struct *vma)
{
	int ret = -ENXIO;

	mutex_lock(&ctx->ring_mutex);
	if (ctx->ring)
		ret = remap_vmalloc_range(vma, ctx->ring->mem,
					  vma->vm_pgoff - (VMSG_LB_RING_OFFSET >> PAGE_SHIFT));
	mutex_unlock(&ctx->ring_mutex);
	return ret;
}

/*
 * Take the process's messages from the to-kernel ring.  Each slot is
 * copied out first, then checked: the process may change it meanwhile.
 * The first bad message is consumed and ends the call with its error.
 * ring_mutex held.
 */
static int vmsg_user_ring_take(struct vmsg_user_ctx *ctx, struct vmsg_user_mring *r)
{
	/* pairs with the process's release of tail: the slots before it are written */
	u32 tail = smp_load_acquire(&r->to_kern->tail);
	u16 size;
	int ret = 0;

	if (tail - r->kern_head > r->entries)
		return -ERANGE;
	while (!ret && r->kern_head != tail) {
		memcpy(&r->msg, r->kern_slots + (r->kern_head & (r->entries - 1)) *
		       VMSG_LB_RING_SLOT, sizeof(r->msg));
		r->kern_head++;
		size = vmsg_size(&r->msg.hdr);
		if (size < VMSG_HDR_SIZE || size > sizeof(r->msg)) {
			ret = -EMSGSIZE;
			break;
		}
		spin_lock(&ctx->lock);
		ret = vmsg_user_take(ctx, &r->msg, size);
		spin_unlock(&ctx->lock);
	}
	/* the slots are copied out before the process may reuse them */
	smp_store_release(&r->to_kern->head, r->kern_head);
	if (ret)
		pr_debug("user ring: message %u refused: %d\n", r->kern_head - 1, ret);
	return ret;
}

/*
 * Move what waits into the free slots of the to-process ring; returns the
 * messages moved, -ENOSPC when no slot is free.  ring_mutex held.
 */
static int vmsg_user_ring_fill(struct vmsg_user_ctx *ctx, struct vmsg_user_mring *r)
{
	size_t got, pos;
	int n = 0;
	u32 head, used;
	u16 size;

	/* pairs with the process's release of head: it has copied those slots out */
	head = smp_load_acquire(&r->to_proc->head);
	used = r->proc_tail - head;

	if (used > r->entries)
		return -ERANGE;
	if (used == r->entries)
		return -ENOSPC;
	spin_lock(&ctx->lock);
	got = vmsg_user_collect(ctx, r->bounce, (r->entries - used) * VMSG_MAX_SIZE);
	spin_unlock(&ctx->lock);
	for (pos = 0; pos < got; pos += ALIGN(size, VMSG_LB_ALIGN), n++) {
		size = vmsg_size((const struct vmsg_hdr *)(r->bounce + pos));
		memcpy(r->proc_slots + (r->proc_tail & (r->entries - 1)) * VMSG_LB_RING_SLOT,
		       r->bounce + pos, size);
		r->proc_tail++;
	}
	/* the slots are written before the process sees the new tail */
	smp_store_release(&r->to_proc->tail, r->proc_tail);
	return n;
}

/*
 * The doorbell: take the process's messages, hand over what waits (with
 * VMSG_LB_ENTER_WAIT, after up to a second of sleep); returns the messages
 * put in the to-process ring.
 */
static long vmsg_user_enter(struct vmsg_user_ctx *ctx, unsigned long flags)
{
	struct vmsg_user_mring *r;
	long ret, left;

	if (flags & ~(unsigned long)VMSG_LB_ENTER_WAIT)
		return -EINVAL;
	mutex_lock(&ctx->ring_mutex);
	r = ctx->ring;
	if (!r) {
		ret = -ENXIO;
		goto out;
	}
	ret = vmsg_user_ring_take(ctx, r);
	while (!ret) {
		ret = vmsg_user_ring_fill(ctx, r);
		if (ret == -ENOSPC) {
			ret = 0;	/* the process has work already */
			break;
		}
		if (ret || !(flags & VMSG_LB_ENTER_WAIT))
			break;
		mutex_unlock(&ctx->ring_mutex);
		left = wait_event_interruptible_timeout(ctx->wq, vmsg_user_any(ctx), HZ);
		mutex_lock(&ctx->ring_mutex);
		if (left <= 0) {
			ret = left;	/* -ERESTARTSYS, or 0 after a second */
			break;
		}
	}
out:
	mutex_unlock(&ctx->ring_mutex);
	return ret;
}

static long vmsg_user_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vmsg_user_ctx *ctx = file->private_data;

	switch (cmd) {
	case VMSG_LB_IOC_CREATE:
		return vmsg_user_create(ctx, (void __user *)arg);
	case VMSG_LB_IOC_WINDOW:
		return vmsg_user_window((void __user *)arg);
	case VMSG_LB_IOC_RING:
		return vmsg_user_ring_setup(ctx, (void __user *)arg);
	case VMSG_LB_IOC_ENTER:
		return vmsg_user_enter(ctx, arg);
	}
	return -ENOTTY;
}

/* The window, its chunks one after the other from offset 0. */
static int vmsg_user_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long len = vma->vm_end - vma->vm_start, addr = vma->vm_start, n;
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT, pos = 0;
	phys_addr_t start;
	unsigned int i;
	size_t size;
	int ret;

	/* Shared only: the process and the driver see the same bytes, no copy on write. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (off >= VMSG_LB_RING_OFFSET)
		return vmsg_user_ring_mmap(file->private_data, vma);
	if (!vmsg_loop_window_on())
		return -ENXIO;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	for (i = 0; len && vmsg_loop_window_chunk(i, &start, &size); i++, pos += size) {
		if (off >= pos + size)
			continue;
		n = min_t(u64, len, pos + size - off);
		ret = remap_pfn_range(vma, addr, PHYS_PFN(start + off - pos), n,
				      vma->vm_page_prot);
		if (ret)
			return ret;
		addr += n;
		off += n;
		len -= n;
	}
	return len ? -EINVAL : 0;
}

static __poll_t vmsg_user_poll(struct file *file, struct poll_table_struct *wait)
{
	struct vmsg_user_ctx *ctx = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &ctx->wq, wait);
	if (vmsg_user_any(ctx))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static const struct file_operations vmsg_user_fops = {
	.owner = THIS_MODULE,
	.open = vmsg_user_open,
	.release = vmsg_user_release,
	.read = vmsg_user_read,
	.write = vmsg_user_write,
	.poll = vmsg_user_poll,
	.unlocked_ioctl = vmsg_user_ioctl,
	.mmap = vmsg_user_mmap,
	.llseek = noop_llseek,
};

static struct miscdevice vmsg_user_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "virtio-msg-lb",
	.fops = &vmsg_user_fops,
	.mode = 0600,
};

int vmsg_loop_user_init(void)
{
	return misc_register(&vmsg_user_misc);
}

/* No fd is open: each holds the module. */
void vmsg_loop_user_exit(void)
{
	misc_deregister(&vmsg_user_misc);
}

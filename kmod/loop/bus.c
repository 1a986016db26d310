// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-msg loopback bus (virtio_msg_loop.ko)
 *
 * Plays the device side of virtio-msg inside the same kernel, so the
 * transport (virtio_msg.ko) and stock virtio drivers can be run and
 * measured without a second processor.  Modelled on drivers/vdpa/vdpa_sim:
 * this file is the core (device registry, message dispatch, the device
 * context, knobs, fault injection); ring.c is the device-side split ring;
 * blk.c and net.c only say what their device does with a chain.
 *
 * Layout.  A root device "virtio-msg-loop" parents every device.  At load
 * the devices chosen by the module parameters are created, found again
 * with a bus GET_DEVICES request, and registered with the transport.
 *
 * Device context.  Each device has a kthread of its own, as a remote
 * processor would: it serves transport requests (xfer hands the request
 * over and sleeps until the response or timeout_ms), handles the queues
 * the driver kicked with EVENT_AVAIL (at most VMSG_LOOP_BUDGET chains per
 * queue per pass, then the next queue or request: fairness is explicit),
 * and delivers EVENT_USED to the transport.  The send op only sets a bit
 * and wakes the kthread: it runs under the driver's vq lock with
 * interrupts off and must not call back into the transport.
 *
 * Requests and late answers.  One request slot per device, guarded by
 * dev->lock.  Each request gets a new token; the kthread's answer is taken
 * only if an xfer still waits for that token, and is copied into the
 * device's own buffer, never the caller's: an answer that comes after a
 * timeout is dropped and touches no freed memory.
 *
 * Lifetime.  After virtio_msg_register() a device is freed only from the
 * release op.  Release stops the kthread and forgets the rings; the memory
 * of a net pair is freed when both ends are released, because each end's
 * kthread fills the other's RX queue.  Module exit unregisters every
 * device and waits for every release.
 *
 * Knobs (module parameters, see MODULE_PARM_DESC): delay_ns, batch,
 * event_idx, zerocopy, timeout_ms, fault, fault_count; counters in
 * /sys/devices/virtio-msg-loop/stats.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>
#include <uapi/linux/virtio_config.h>

#include "loop.h"

/* Upper bounds of the ranged knobs. */
#define VMSG_LOOP_DELAY_MAX_NS 1000000
#define VMSG_LOOP_TIMEOUT_MAX_MS 60000
/* Device numbers asked for per GET_DEVICES request. */
#define VMSG_LOOP_ENUM_COUNT 64
/* Vendor id in GET_DEVICE_INFO: "VMLP", no registered vendor. */
#define VMSG_LOOP_VENDOR_ID 0x504c4d56
/* Feature bits we answer for: the 6.1 core keeps 64. */
#define VMSG_LOOP_FEATURE_BLOCKS 2

enum vmsg_loop_fault {
	VMSG_FAULT_NONE,
	VMSG_FAULT_DROP,
	VMSG_FAULT_BADSIZE,
	VMSG_FAULT_BADID,
	VMSG_FAULT_BADTOKEN,
	VMSG_FAULT_BADINDEX,
};

static const char * const vmsg_loop_fault_names[] = {
	[VMSG_FAULT_NONE] = "none",
	[VMSG_FAULT_DROP] = "drop",
	[VMSG_FAULT_BADSIZE] = "badsize",
	[VMSG_FAULT_BADID] = "badid",
	[VMSG_FAULT_BADTOKEN] = "badtoken",
	[VMSG_FAULT_BADINDEX] = "badindex",
};

/* ---- knobs ---------------------------------------------------------- */

static unsigned int vmsg_loop_delay_ns;
static unsigned int vmsg_loop_timeout_ms = 1000;
bool vmsg_loop_batch = true;
static bool vmsg_loop_event_idx = true;
bool vmsg_loop_zerocopy = true;
static int vmsg_loop_fault_type;
static atomic_t vmsg_loop_fault_left = ATOMIC_INIT(0);

/* Setter body for ranged unsigned knobs (here and in the models). */
int vmsg_loop_set_uint(const char *val, const struct kernel_param *kp,
		       unsigned int min, unsigned int max)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v < min || v > max) {
		pr_err("%s: value is not in %u..%u: %s\n", kp->name, min, max, val);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = v;
	return 0;
}

static int vmsg_loop_set_fault(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(vmsg_loop_fault_names, val);

	if (i < 0) {
		pr_err("fault: not none, drop, badsize, badid, badtoken or badindex: %s\n", val);
		return -EINVAL;
	}
	WRITE_ONCE(vmsg_loop_fault_type, i);
	return 0;
}

static int vmsg_loop_get_fault(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", vmsg_loop_fault_names[READ_ONCE(vmsg_loop_fault_type)]);
}

static const struct kernel_param_ops vmsg_loop_fault_ops = {
	.set = vmsg_loop_set_fault,
	.get = vmsg_loop_get_fault,
};

static int vmsg_loop_set_fault_count(const char *val, const struct kernel_param *kp)
{
	int v;

	if (kstrtoint(val, 0, &v) || v < 0) {
		pr_err("fault_count: not a count >= 0: %s\n", val);
		return -EINVAL;
	}
	atomic_set(&vmsg_loop_fault_left, v);
	return 0;
}

static int vmsg_loop_get_fault_count(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&vmsg_loop_fault_left));
}

static const struct kernel_param_ops vmsg_loop_fault_count_ops = {
	.set = vmsg_loop_set_fault_count,
	.get = vmsg_loop_get_fault_count,
};

vmsg_loop_param_uint(delay_ns, vmsg_loop_delay_ns, 0, VMSG_LOOP_DELAY_MAX_NS, 0644);
MODULE_PARM_DESC(delay_ns, "Bus cost per message in either direction, ns, busy-waited by the sender (0..1000000, default 0)");
vmsg_loop_param_uint(timeout_ms, vmsg_loop_timeout_ms, 1, VMSG_LOOP_TIMEOUT_MAX_MS, 0644);
MODULE_PARM_DESC(timeout_ms, "How long a request waits for its response, ms (1..60000, default 1000)");
module_param_named(batch, vmsg_loop_batch, bool, 0644);
MODULE_PARM_DESC(batch, "Suppress driver notifications while draining, one EVENT_USED per queue per pass (default 1); 0: never suppress, one EVENT_USED per chain");
module_param_named(event_idx, vmsg_loop_event_idx, bool, 0644);
MODULE_PARM_DESC(event_idx, "Offer VIRTIO_RING_F_EVENT_IDX; read at feature negotiation (default 1)");
module_param_named(zerocopy, vmsg_loop_zerocopy, bool, 0644);
MODULE_PARM_DESC(zerocopy, "Use driver buffers in place (default 1); 0: bounce every byte through a per-queue page");
module_param_cb(fault, &vmsg_loop_fault_ops, NULL, 0644);
MODULE_PARM_DESC(fault, "Fault for the next fault_count responses: none, drop, badsize, badid, badtoken, badindex (default none)");
module_param_cb(fault_count, &vmsg_loop_fault_count_ops, NULL, 0644);
MODULE_PARM_DESC(fault_count, "Responses left to inject the fault into (default 0)");

/* ---- registry -------------------------------------------------------- */

static struct device *vmsg_loop_root;
/* Protects vmsg_loop_devs and each device's list, peer, flags. */
static DEFINE_MUTEX(vmsg_loop_lock);
static LIST_HEAD(vmsg_loop_devs);

/*
 * Nice value of the device kthreads.  On a CPU shared with the driver, a
 * device thread at nice 0 preempts the submitter at every notification
 * (wake-up preemption), so it wakes once per request; at a high nice value
 * it runs when the submitter waits and drains whole batches.
 */
static int vmsg_loop_thread_nice;

static int vmsg_loop_set_nice(const char *val, const struct kernel_param *kp)
{
	struct vmsg_loop_dev *ld;
	int v;

	if (kstrtoint(val, 0, &v) || v < MIN_NICE || v > MAX_NICE) {
		pr_err("%s: value is not in %d..%d: %s\n", kp->name, MIN_NICE, MAX_NICE, val);
		return -EINVAL;
	}
	mutex_lock(&vmsg_loop_lock);
	WRITE_ONCE(vmsg_loop_thread_nice, v);
	list_for_each_entry(ld, &vmsg_loop_devs, list)
		if (ld->task && !ld->stopping)
			set_user_nice(ld->task, v);
	mutex_unlock(&vmsg_loop_lock);
	return 0;
}

static const struct kernel_param_ops vmsg_loop_nice_ops = {
	.set = vmsg_loop_set_nice,
	.get = param_get_int,
};

module_param_cb(thread_nice, &vmsg_loop_nice_ops, &vmsg_loop_thread_nice, 0644);
MODULE_PARM_DESC(thread_nice, "Nice value of the device kthreads (-20..19, default 0)");
/* Devices created and not yet released; module exit waits for 0. */
static atomic_t vmsg_loop_live = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(vmsg_loop_release_wq);
/* Runs releases (vmsg_loop_release_work()). */
static struct workqueue_struct *vmsg_loop_wq;

static inline struct vmsg_loop_dev *to_loop_dev(struct virtio_msg_device *vmdev)
{
	return container_of(vmdev, struct vmsg_loop_dev, vmdev);
}

/* The modelled cost of moving one message across the bus. */
static void vmsg_loop_bus_cost(void)
{
	unsigned int ns = READ_ONCE(vmsg_loop_delay_ns);

	if (!ns)
		return;
	if (ns >= NSEC_PER_USEC)
		udelay(ns / NSEC_PER_USEC);
	ndelay(ns % NSEC_PER_USEC);
}

bool vmsg_loop_has_feature(struct vmsg_loop_dev *ld, unsigned int bit)
{
	return !!(READ_ONCE(ld->features) & BIT_ULL(bit));
}

/* Make @ld's kthread handle queue @vq_index; any context. */
void vmsg_loop_kick(struct vmsg_loop_dev *ld, unsigned int vq_index)
{
	/* What the kicker saw in the ring is visible to the kthread. */
	smp_mb__before_atomic();
	set_bit(vq_index, &ld->avail_pending);
	wake_up(&ld->wq);
}

/* Queue set up and device running; caller holds vq->lock. */
bool vmsg_loop_vq_usable(struct vmsg_loop_vq *vq)
{
	return vq->ready && !vq->broken &&
	       (READ_ONCE(vq->ld->status) & VIRTIO_CONFIG_S_DRIVER_OK);
}

/* ---- device to driver events ----------------------------------------- */

static void vmsg_loop_send_used(struct vmsg_loop_dev *ld, unsigned int index)
{
	struct vmsg_event_used *ev;
	struct vmsg m;

	ev = vmsg_init(&m, 0, VMSG_EVENT_USED, ld->vmdev.dev_num, sizeof(*ev));
	ev->vq_index = cpu_to_le32(index);
	vmsg_loop_bus_cost();
	atomic64_inc(&ld->stats.to_drv);
	atomic64_inc(&ld->stats.used);
	mutex_lock(&ld->event_mutex);
	virtio_msg_event(&ld->vmdev, &m.hdr, vmsg_size(&m.hdr));
	mutex_unlock(&ld->event_mutex);
}

/* One EVENT_USED decision for what was completed since the last one. */
static bool vmsg_loop_vq_decide(struct vmsg_loop_vq *vq)
{
	if (!vq->ready || !vq->unsignalled)
		return false;
	vq->unsignalled = 0;
	if (vmsg_loop_vq_should_signal(vq))
		return true;
	atomic64_inc(&vq->ld->stats.suppressed);
	return false;
}

/**
 * vmsg_loop_vq_done - complete one chain
 * @vq: the queue, lock held
 * @head: the chain's head
 * @len: bytes written into its writable part
 *
 * Unbatched, the owner's kthread decides on an EVENT_USED right away; a
 * peer filling this queue leaves that to the owner, which it wakes.
 */
void vmsg_loop_vq_done(struct vmsg_loop_vq *vq, u16 head, u32 len)
{
	struct vmsg_loop_dev *ld = vq->ld;

	vmsg_loop_vq_push(vq, head, len);
	vmsg_loop_vq_flush(vq);
	if (current != ld->task) {
		vmsg_loop_vq_flush_remote(vq);
		return;
	}
	if (!READ_ONCE(vmsg_loop_batch) && vmsg_loop_vq_decide(vq))
		vmsg_loop_send_used(ld, vq->index);
}

/* A peer flushed used entries into @vq: its owner decides on EVENT_USED. */
void vmsg_loop_vq_flush_remote(struct vmsg_loop_vq *vq)
{
	/* The used entries are visible before the owner sees the bit. */
	smp_mb__before_atomic();
	set_bit(vq->index, &vq->ld->signal_pending);
	wake_up(&vq->ld->wq);
}

/* ---- transport requests, device side --------------------------------- */

static void *vmsg_loop_resp(struct vmsg_loop_dev *ld, size_t size)
{
	struct vmsg *resp = &ld->dresp;
	void *p = vmsg_init(resp, VMSG_TYPE_RESPONSE, ld->dreq.hdr.msg_id,
			    ld->vmdev.dev_num, size);

	resp->hdr.token = ld->dreq.hdr.token;
	return p;
}

static int vmsg_loop_get_info(struct vmsg_loop_dev *ld)
{
	struct vmsg_device_info *rs = vmsg_loop_resp(ld, sizeof(*rs));

	rs->device_id = cpu_to_le32(ld->model->device_id);
	rs->vendor_id = cpu_to_le32(VMSG_LOOP_VENDOR_ID);
	rs->num_feature_bits = cpu_to_le32(VMSG_LOOP_FEATURE_BLOCKS * VMSG_FEATURE_BLOCK_BITS);
	rs->config_size = cpu_to_le32(ld->config_size);
	rs->max_virtqueues = cpu_to_le32(ld->nvqs);
	return 0;
}

static u64 vmsg_loop_offer(struct vmsg_loop_dev *ld)
{
	u64 f = ld->model->features(ld) | BIT_ULL(VIRTIO_F_VERSION_1) |
		BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC);

	if (READ_ONCE(vmsg_loop_event_idx))
		f |= BIT_ULL(VIRTIO_RING_F_EVENT_IDX);
	return f;
}

static int vmsg_loop_get_features(struct vmsg_loop_dev *ld)
{
	const struct vmsg_features *rq = vmsg_cpayload(&ld->dreq.hdr);
	u32 first = le32_to_cpu(rq->block_index), n = le32_to_cpu(rq->num_blocks);
	struct vmsg_features *rs;
	u32 i;

	if (n > (VMSG_MAX_PAYLOAD - sizeof(*rs)) / sizeof(__le32))
		return -EMSGSIZE;
	ld->offered = vmsg_loop_offer(ld);
	rs = vmsg_loop_resp(ld, sizeof(*rs) + n * sizeof(__le32));
	rs->block_index = rq->block_index;
	rs->num_blocks = rq->num_blocks;
	for (i = 0; i < n; i++) {
		/* first + i < first: wrapped, no such block. */
		if (first + i >= first && first + i < VMSG_LOOP_FEATURE_BLOCKS)
			rs->features[i] = cpu_to_le32(ld->offered >>
						      ((first + i) * VMSG_FEATURE_BLOCK_BITS));
	}
	return 0;
}

static int vmsg_loop_set_features(struct vmsg_loop_dev *ld)
{
	const struct vmsg_features *rq = vmsg_cpayload(&ld->dreq.hdr);
	u32 first = le32_to_cpu(rq->block_index), n = le32_to_cpu(rq->num_blocks);
	u64 f = ld->features;
	u32 i, b;

	/* 3.1.1: features are fixed once FEATURES_OK is set. */
	if (ld->status & VIRTIO_CONFIG_S_FEATURES_OK)
		return -EPERM;
	for (i = 0; i < n; i++) {
		b = first + i;
		if (b < first || b >= VMSG_LOOP_FEATURE_BLOCKS) {
			if (rq->features[i])
				f |= BIT_ULL(63);	/* unknown bits: FEATURES_OK will fail */
			continue;
		}
		f &= ~((u64)U32_MAX << (b * VMSG_FEATURE_BLOCK_BITS));
		f |= (u64)le32_to_cpu(rq->features[i]) << (b * VMSG_FEATURE_BLOCK_BITS);
	}
	WRITE_ONCE(ld->features, f);
	vmsg_loop_resp(ld, 0);
	return 0;
}

static int vmsg_loop_get_config(struct vmsg_loop_dev *ld)
{
	const struct vmsg_config_req *rq = vmsg_cpayload(&ld->dreq.hdr);
	u32 off = le32_to_cpu(rq->offset), len = le32_to_cpu(rq->length);
	struct vmsg_config *rs;

	/* Out of range: an empty answer, which the transport rejects. */
	if (off > ld->config_size || len > ld->config_size - off ||
	    len > VMSG_MAX_PAYLOAD - sizeof(*rs))
		len = 0;
	rs = vmsg_loop_resp(ld, sizeof(*rs) + len);
	rs->generation = cpu_to_le32(ld->generation);
	rs->offset = rq->offset;
	rs->length = cpu_to_le32(len);
	if (len)
		memcpy(rs->data, ld->config + off, len);
	return 0;
}

/* No field of our config spaces is writable: every write is rejected. */
static int vmsg_loop_set_config(struct vmsg_loop_dev *ld)
{
	const struct vmsg_config *rq = vmsg_cpayload(&ld->dreq.hdr);
	struct vmsg_config *rs = vmsg_loop_resp(ld, sizeof(*rs));

	rs->generation = cpu_to_le32(ld->generation);
	rs->offset = rq->offset;
	rs->length = 0;
	return 0;
}

static void vmsg_loop_reset(struct vmsg_loop_dev *ld)
{
	unsigned int i;

	for (i = 0; i < ld->nvqs; i++) {
		mutex_lock(&ld->vqs[i]->lock);
		vmsg_loop_vq_reset(ld->vqs[i]);
		mutex_unlock(&ld->vqs[i]->lock);
	}
	WRITE_ONCE(ld->status, 0);
	WRITE_ONCE(ld->features, 0);
	/* Kicks racing with the reset find no ready queue anyway. */
	WRITE_ONCE(ld->avail_pending, 0);
	WRITE_ONCE(ld->signal_pending, 0);
	ld->model->reset(ld);
}

static int vmsg_loop_status(struct vmsg_loop_dev *ld, bool set)
{
	u32 s = ld->status, old = ld->status;
	struct vmsg_status *rs;
	unsigned int i;

	if (set) {
		s = le32_to_cpu(((const struct vmsg_status *)vmsg_cpayload(&ld->dreq.hdr))->status);
		if (!s) {
			vmsg_loop_reset(ld);
		} else {
			/* 3.1.1: FEATURES_OK only for a subset of the offer with VERSION_1. */
			if ((s & VIRTIO_CONFIG_S_FEATURES_OK) &&
			    !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
			    ((ld->features & ~ld->offered) ||
			     !(ld->features & BIT_ULL(VIRTIO_F_VERSION_1))))
				s &= ~VIRTIO_CONFIG_S_FEATURES_OK;
			WRITE_ONCE(ld->status, s & 0xff);
			/* Buffers may have been added before DRIVER_OK: look now. */
			if ((s & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK))
				for (i = 0; i < ld->nvqs; i++)
					set_bit(i, &ld->avail_pending);
		}
		s = ld->status;
	}
	rs = vmsg_loop_resp(ld, sizeof(*rs));
	rs->status = cpu_to_le32(s);
	return 0;
}

static int vmsg_loop_get_vqueue(struct vmsg_loop_dev *ld)
{
	u32 index = le32_to_cpu(((const struct vmsg_index *)vmsg_cpayload(&ld->dreq.hdr))->index);
	struct vmsg_vqueue_info *rs = vmsg_loop_resp(ld, sizeof(*rs));
	struct vmsg_loop_vq *vq;

	rs->index = cpu_to_le32(index);
	if (index >= ld->nvqs)
		return 0;	/* max_size 0: no such queue */
	vq = ld->vqs[index];
	rs->max_size = cpu_to_le32(VMSG_LOOP_VQ_MAX_SIZE);
	mutex_lock(&vq->lock);
	rs->cur_size = cpu_to_le32(vq->num);
	rs->desc_addr = cpu_to_le64(vq->desc_pa);
	rs->driver_addr = cpu_to_le64(vq->avail_pa);
	rs->device_addr = cpu_to_le64(vq->used_pa);
	mutex_unlock(&vq->lock);
	return 0;
}

static int vmsg_loop_set_vqueue(struct vmsg_loop_dev *ld)
{
	const struct vmsg_vqueue_set *rq = vmsg_cpayload(&ld->dreq.hdr);
	u32 index = le32_to_cpu(rq->index), size = le32_to_cpu(rq->size);
	struct vmsg_loop_vq *vq;
	int ret;

	if (index >= ld->nvqs) {
		dev_err_ratelimited(vmsg_loop_root, "dev %u: SET_VQUEUE index %u of %u\n",
				    ld->vmdev.dev_num, index, ld->nvqs);
		return -EINVAL;
	}
	vq = ld->vqs[index];
	mutex_lock(&vq->lock);
	/* Changing a live queue is refused (as the 2026 drafts say). */
	ret = vq->ready ? -EBUSY : vmsg_loop_vq_map(vq, size, le64_to_cpu(rq->desc_addr),
						      le64_to_cpu(rq->driver_addr),
						      le64_to_cpu(rq->device_addr));
	if (!ret)
		vq->event_idx = ld->features & BIT_ULL(VIRTIO_RING_F_EVENT_IDX);
	mutex_unlock(&vq->lock);
	if (ret) {
		/* No error message exists: no answer, the transport times out. */
		dev_err_ratelimited(vmsg_loop_root,
				    "dev %u: SET_VQUEUE %u refused (%d): size %u desc 0x%llx driver 0x%llx device 0x%llx\n",
				    ld->vmdev.dev_num, index, ret, size, le64_to_cpu(rq->desc_addr),
				    le64_to_cpu(rq->driver_addr), le64_to_cpu(rq->device_addr));
		return ret;
	}
	vmsg_loop_resp(ld, 0);
	return 0;
}

static int vmsg_loop_reset_vqueue(struct vmsg_loop_dev *ld)
{
	u32 index = le32_to_cpu(((const struct vmsg_index *)vmsg_cpayload(&ld->dreq.hdr))->index);

	if (index < ld->nvqs) {
		mutex_lock(&ld->vqs[index]->lock);
		vmsg_loop_vq_reset(ld->vqs[index]);
		mutex_unlock(&ld->vqs[index]->lock);
	}
	vmsg_loop_resp(ld, 0);
	return 0;
}

static int vmsg_loop_get_shm(struct vmsg_loop_dev *ld)
{
	const struct vmsg_index *rq = vmsg_cpayload(&ld->dreq.hdr);
	struct vmsg_shm *rs = vmsg_loop_resp(ld, sizeof(*rs));

	rs->index = rq->index;	/* length 0: no shared memory regions */
	return 0;
}

/* Build the answer to ld->dreq in ld->dresp; an error means no answer. */
static int vmsg_loop_handle(struct vmsg_loop_dev *ld)
{
	struct vmsg_hdr *h = &ld->dreq.hdr;
	int ret;

	ret = vmsg_validate(h, min_t(size_t, vmsg_size(h), sizeof(ld->dreq)), VMSG_MAX_SIZE);
	if (ret || vmsg_is_response(h) || vmsg_is_bus(h) || vmsg_is_event(h) ||
	    vmsg_dev_num(h) != ld->vmdev.dev_num)
		return ret ? ret : -EPROTO;

	switch (h->msg_id) {
	case VMSG_GET_DEVICE_INFO:
		return vmsg_loop_get_info(ld);
	case VMSG_GET_DEVICE_FEATURES:
		return vmsg_loop_get_features(ld);
	case VMSG_SET_DRIVER_FEATURES:
		return vmsg_loop_set_features(ld);
	case VMSG_GET_CONFIG:
		return vmsg_loop_get_config(ld);
	case VMSG_SET_CONFIG:
		return vmsg_loop_set_config(ld);
	case VMSG_GET_DEVICE_STATUS:
		return vmsg_loop_status(ld, false);
	case VMSG_SET_DEVICE_STATUS:
		return vmsg_loop_status(ld, true);
	case VMSG_GET_VQUEUE:
		return vmsg_loop_get_vqueue(ld);
	case VMSG_SET_VQUEUE:
		return vmsg_loop_set_vqueue(ld);
	case VMSG_RESET_VQUEUE:
		return vmsg_loop_reset_vqueue(ld);
	case VMSG_GET_SHM:
		return vmsg_loop_get_shm(ld);
	}
	return -ENOMSG;
}

/* Fault injection on a response; returns true when it is to be dropped. */
static bool vmsg_loop_fault(struct vmsg_loop_dev *ld, struct vmsg *resp)
{
	int type = READ_ONCE(vmsg_loop_fault_type);
	u16 size = vmsg_size(&resp->hdr);
	void *p = vmsg_payload(&resp->hdr);

	if (type == VMSG_FAULT_NONE || atomic_dec_if_positive(&vmsg_loop_fault_left) < 0)
		return false;
	atomic64_inc(&ld->stats.faults);
	switch (type) {
	case VMSG_FAULT_DROP:
		return true;
	case VMSG_FAULT_BADSIZE:
		resp->hdr.msg_size = cpu_to_le16(size < VMSG_MAX_SIZE ? size + 1 : size - 1);
		break;
	case VMSG_FAULT_BADID:
		resp->hdr.msg_id ^= 0x01;
		break;
	case VMSG_FAULT_BADTOKEN:
		resp->hdr.token = cpu_to_le16(le16_to_cpu(resp->hdr.token) ^ 0x8000);
		break;
	case VMSG_FAULT_BADINDEX:
		switch (resp->hdr.msg_id) {
		case VMSG_GET_VQUEUE:
			le32_add_cpu(&((struct vmsg_vqueue_info *)p)->index, 1);
			break;
		case VMSG_GET_SHM:
			le32_add_cpu(&((struct vmsg_shm *)p)->index, 1);
			break;
		case VMSG_GET_CONFIG:
			le32_add_cpu(&((struct vmsg_config *)p)->offset, 1);
			break;
		case VMSG_GET_DEVICE_FEATURES:
			le32_add_cpu(&((struct vmsg_features *)p)->block_index, 1);
			break;
		default:
			le16_add_cpu(&resp->hdr.dev_num, 1);
			break;
		}
		break;
	}
	return false;
}

/* kthread: serve the pending request, if any. */
static void vmsg_loop_serve(struct vmsg_loop_dev *ld)
{
	struct vmsg *resp = &ld->dresp;
	bool taken = false;
	int ret;

	spin_lock(&ld->lock);
	if (ld->req_pending) {
		memcpy(&ld->dreq, &ld->req, sizeof(ld->dreq));
		ld->req_pending = false;
		taken = true;
	}
	spin_unlock(&ld->lock);
	if (!taken)
		return;

	ret = vmsg_loop_handle(ld);
	if (ret) {
		/* Draft: malformed messages are dropped; the xfer times out. */
		dev_dbg(vmsg_loop_root, "dev %u: request 0x%02x dropped: %d\n",
			ld->vmdev.dev_num, ld->dreq.hdr.msg_id, ret);
		atomic64_inc(&ld->stats.dropped);
		return;
	}
	if (vmsg_loop_fault(ld, resp))
		return;
	vmsg_loop_bus_cost();
	atomic64_inc(&ld->stats.to_drv);

	spin_lock(&ld->lock);
	/* The bus matches answers by token: a late or corrupted one is dropped. */
	if (ld->waiting && !ld->resp_ready && le16_to_cpu(resp->hdr.token) == ld->token) {
		memcpy(&ld->resp, resp, sizeof(ld->resp));
		ld->resp_ready = true;
		resp = NULL;
	}
	spin_unlock(&ld->lock);
	if (resp)
		atomic64_inc(&ld->stats.dropped);
	else
		wake_up(&ld->resp_wq);
}

/* ---- queues, device side ------------------------------------------- */

static void vmsg_loop_process_vq(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq)
{
	bool batch = READ_ONCE(vmsg_loop_batch), signal = false;
	unsigned int done = 0;
	u16 start, idx;
	int ret;

	mutex_lock(&vq->lock);
	if (!vmsg_loop_vq_usable(vq))
		goto out_unlock;
	if (batch)
		vmsg_loop_vq_disable_notify(vq);
	for (;;) {
		start = vmsg_loop_vq_avail_idx(vq);
		ret = ld->model->handle_vq(ld, vq, VMSG_LOOP_BUDGET - done);
		if (ret < 0 && ret != -EAGAIN) {
			/* The model or ring.c said why; the queue is broken. */
			vq->broken = true;
			break;
		}
		/* Every round counts, so -EAGAIN rounds end too. */
		done += ret > 0 ? ret : 1;
		if (done >= VMSG_LOOP_BUDGET) {
			/* Notifications stay off: we come back on our own. */
			set_bit(vq->index, &ld->avail_pending);
			break;
		}
		idx = vmsg_loop_vq_enable_notify(vq);
		/*
		 * Lost wake-up check: a chain added while notifications were
		 * off came without EVENT_AVAIL.  After -EAGAIN the model left
		 * chains on purpose: only new ones count.
		 */
		if (idx == (ret == -EAGAIN ? start : vq->last_avail))
			break;
		if (batch)
			vmsg_loop_vq_disable_notify(vq);
	}
	if (batch)
		signal = vmsg_loop_vq_decide(vq);
out_unlock:
	mutex_unlock(&vq->lock);
	if (signal)
		vmsg_loop_send_used(ld, vq->index);
}

/* A peer completed chains on @vq. */
static void vmsg_loop_signal_vq(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq)
{
	bool signal;

	mutex_lock(&vq->lock);
	signal = vmsg_loop_vq_decide(vq);
	mutex_unlock(&vq->lock);
	if (signal)
		vmsg_loop_send_used(ld, vq->index);
}

static bool vmsg_loop_has_work(struct vmsg_loop_dev *ld)
{
	return READ_ONCE(ld->req_pending) || READ_ONCE(ld->avail_pending) ||
	       READ_ONCE(ld->signal_pending) || kthread_should_stop();
}

static int vmsg_loop_thread(void *data)
{
	struct vmsg_loop_dev *ld = data;
	unsigned int i;

	while (!kthread_should_stop()) {
		/* Interruptible: an idle device is not a hung task. */
		if (wait_event_interruptible(ld->wq, vmsg_loop_has_work(ld)))
			flush_signals(current);
		vmsg_loop_serve(ld);
		for (i = 0; i < ld->nvqs; i++) {
			if (test_and_clear_bit(i, &ld->avail_pending))
				vmsg_loop_process_vq(ld, ld->vqs[i]);
			if (test_and_clear_bit(i, &ld->signal_pending))
				vmsg_loop_signal_vq(ld, ld->vqs[i]);
		}
		cond_resched();
	}
	return 0;
}

/* ---- bus ops (driver side) ------------------------------------------ */

static int vmsg_loop_xfer(struct virtio_msg_device *vmdev, struct vmsg *req, struct vmsg *resp)
{
	struct vmsg_loop_dev *ld = to_loop_dev(vmdev);
	u16 size = vmsg_size(&req->hdr);
	long left;
	int ret;

	if (size < VMSG_HDR_SIZE || size > sizeof(*req))
		return -EMSGSIZE;
	atomic64_inc(&ld->stats.req);
	atomic64_inc(&ld->stats.to_dev);
	vmsg_loop_bus_cost();

	spin_lock(&ld->lock);
	ld->token++;
	req->hdr.token = cpu_to_le16(ld->token);
	memcpy(&ld->req, req, size);
	ld->req_pending = true;
	ld->resp_ready = false;
	ld->waiting = true;
	spin_unlock(&ld->lock);
	wake_up(&ld->wq);

	left = wait_event_timeout(ld->resp_wq, READ_ONCE(ld->resp_ready),
				  msecs_to_jiffies(READ_ONCE(vmsg_loop_timeout_ms)));

	spin_lock(&ld->lock);
	if (ld->resp_ready) {
		memcpy(resp, &ld->resp, sizeof(*resp));
		ret = 0;
	} else {
		/* Withdraw the request if the device has not taken it yet. */
		ld->req_pending = false;
		ret = -ETIMEDOUT;
	}
	ld->waiting = false;
	ld->resp_ready = false;
	spin_unlock(&ld->lock);
	if (ret)
		dev_dbg(vmsg_loop_root, "dev %u: request 0x%02x timed out (%ld)\n",
			vmdev->dev_num, req->hdr.msg_id, left);
	return ret;
}

/* EVENT_AVAIL: any context, interrupts possibly off; never calls back. */
static int vmsg_loop_send(struct virtio_msg_device *vmdev, struct vmsg *msg)
{
	struct vmsg_loop_dev *ld = to_loop_dev(vmdev);
	const struct vmsg_event_avail *ev = vmsg_cpayload(&msg->hdr);
	u32 index;

	if (vmsg_validate(&msg->hdr, min_t(size_t, vmsg_size(&msg->hdr), sizeof(*msg)),
			  VMSG_MAX_SIZE) ||
	    msg->hdr.msg_id != VMSG_EVENT_AVAIL || vmsg_is_response(&msg->hdr) ||
	    vmsg_is_bus(&msg->hdr))
		return -EPROTO;
	index = le32_to_cpu(ev->vq_index);
	if (index >= ld->nvqs)
		return -EINVAL;
	atomic64_inc(&ld->stats.to_dev);
	atomic64_inc(&ld->stats.avail);
	vmsg_loop_bus_cost();
	vmsg_loop_kick(ld, index);
	return 0;
}

static void vmsg_loop_synchronize(struct virtio_msg_device *vmdev)
{
	struct vmsg_loop_dev *ld = to_loop_dev(vmdev);

	/* Events are delivered under event_mutex only. */
	mutex_lock(&ld->event_mutex);
	mutex_unlock(&ld->event_mutex);
}

static void vmsg_loop_free(struct vmsg_loop_dev *ld)
{
	unsigned int i;

	lockdep_assert_held(&vmsg_loop_lock);
	list_del(&ld->list);
	if (ld->priv)
		ld->model->destroy(ld);
	for (i = 0; i < ld->nvqs; i++) {
		if (!ld->vqs[i])
			continue;
		free_page((unsigned long)ld->vqs[i]->bounce);
		mutex_destroy(&ld->vqs[i]->lock);
		kfree(ld->vqs[i]);
	}
	kfree(ld->config);
	mutex_destroy(&ld->event_mutex);
	kfree(ld);
}

/* Release, in process context: stop the kthread, forget the rings, free. */
static void vmsg_loop_release_work(struct work_struct *work)
{
	struct vmsg_loop_dev *ld = container_of(work, struct vmsg_loop_dev, release_work);
	unsigned int i;

	/* No nice changes from here on: the task goes away. */
	mutex_lock(&vmsg_loop_lock);
	ld->stopping = true;
	mutex_unlock(&vmsg_loop_lock);
	if (ld->task)
		kthread_stop(ld->task);
	/* The peer's kthread may still look at our RX queue: it finds none. */
	for (i = 0; i < ld->nvqs; i++) {
		if (!ld->vqs[i])
			continue;
		mutex_lock(&ld->vqs[i]->lock);
		vmsg_loop_vq_reset(ld->vqs[i]);
		mutex_unlock(&ld->vqs[i]->lock);
	}
	mutex_lock(&vmsg_loop_lock);
	ld->released = true;
	ld->registered = false;
	if (!ld->peer || ld->peer->released) {
		if (ld->peer)
			vmsg_loop_free(ld->peer);
		vmsg_loop_free(ld);
	}
	mutex_unlock(&vmsg_loop_lock);
	if (atomic_dec_and_test(&vmsg_loop_live))
		wake_up(&vmsg_loop_release_wq);
}

/*
 * The transport's last put_device() may come from any context: the
 * sleeping part runs on our workqueue, which module exit destroys (and so
 * waits for) only after every release.
 */
static void vmsg_loop_release(struct virtio_msg_device *vmdev)
{
	struct vmsg_loop_dev *ld = to_loop_dev(vmdev);

	INIT_WORK(&ld->release_work, vmsg_loop_release_work);
	queue_work(vmsg_loop_wq, &ld->release_work);
}

static const struct virtio_msg_bus_ops vmsg_loop_bus_ops = {
	.xfer = vmsg_loop_xfer,
	.send = vmsg_loop_send,
	.synchronize = vmsg_loop_synchronize,
	.release = vmsg_loop_release,
};

/* ---- bus messages ---------------------------------------------------- */

/* The bus side of GET_DEVICES: a bitmap of the device numbers in use. */
static int vmsg_loop_bus_get_devices(const struct vmsg *req, struct vmsg *resp)
{
	const struct vmsg_bus_devices_req *rq = vmsg_cpayload(&req->hdr);
	u16 off = le16_to_cpu(rq->offset), count = le16_to_cpu(rq->count);
	struct vmsg_bus_devices *rs;
	struct vmsg_loop_dev *ld;
	u16 n, next = 0;

	if (off % 8 || count % 8 || count / 8 > VMSG_MAX_PAYLOAD - sizeof(*rs))
		return -EINVAL;
	rs = vmsg_init(resp, VMSG_TYPE_BUS | VMSG_TYPE_RESPONSE, VMSG_BUS_GET_DEVICES, 0,
		       sizeof(*rs) + count / 8);
	resp->hdr.token = req->hdr.token;
	rs->offset = rq->offset;
	rs->count = rq->count;
	mutex_lock(&vmsg_loop_lock);
	list_for_each_entry(ld, &vmsg_loop_devs, list) {
		n = ld->vmdev.dev_num;
		if (n >= off && n - off < count)
			rs->bitmap[(n - off) / 8] |= BIT((n - off) % 8);
		else if (n >= off + count)
			next = off + count;
	}
	mutex_unlock(&vmsg_loop_lock);
	rs->next_offset = cpu_to_le16(next);
	return 0;
}

/* Enumerate over bus messages; marks every device reported as found. */
static int vmsg_loop_enumerate(void)
{
	struct vmsg_bus_devices_req *rq;
	const struct vmsg_bus_devices *rs;
	struct vmsg req, resp;
	struct vmsg_loop_dev *ld;
	u16 off = 0, token = 0;
	int ret;

	do {
		rq = vmsg_init(&req, VMSG_TYPE_BUS, VMSG_BUS_GET_DEVICES, 0, sizeof(*rq));
		req.hdr.token = cpu_to_le16(++token);
		rq->offset = cpu_to_le16(off);
		rq->count = cpu_to_le16(VMSG_LOOP_ENUM_COUNT);
		vmsg_loop_bus_cost();
		ret = vmsg_loop_bus_get_devices(&req, &resp);
		if (ret)
			return ret;
		vmsg_loop_bus_cost();
		ret = vmsg_validate(&resp, vmsg_size(&resp.hdr), VMSG_MAX_SIZE);
		if (!ret)
			ret = vmsg_check_response(&req.hdr, &resp.hdr);
		if (!ret && resp.hdr.token != req.hdr.token)
			ret = -EPROTO;
		if (ret)
			return ret;
		rs = vmsg_cpayload(&resp.hdr);
		mutex_lock(&vmsg_loop_lock);
		list_for_each_entry(ld, &vmsg_loop_devs, list) {
			u16 n = ld->vmdev.dev_num;

			if (n >= off && n - off < le16_to_cpu(rs->count) &&
			    (rs->bitmap[(n - off) / 8] & BIT((n - off) % 8)))
				ld->found = true;
		}
		mutex_unlock(&vmsg_loop_lock);
		/* next_offset must move forward, or a bad answer loops us. */
		if (le16_to_cpu(rs->next_offset) && le16_to_cpu(rs->next_offset) <= off)
			return -EPROTO;
		off = le16_to_cpu(rs->next_offset);
	} while (off);
	return 0;
}

/* ---- device creation and teardown ----------------------------------- */

static struct vmsg_loop_dev *vmsg_loop_create(const struct vmsg_loop_model *model,
					      unsigned int index, u16 dev_num)
{
	struct vmsg_loop_dev *ld;
	unsigned int i;
	int ret;

	ld = kzalloc(sizeof(*ld), GFP_KERNEL);
	if (!ld)
		return ERR_PTR(-ENOMEM);
	ld->model = model;
	ld->index = index;
	INIT_LIST_HEAD(&ld->list);
	init_waitqueue_head(&ld->wq);
	init_waitqueue_head(&ld->resp_wq);
	spin_lock_init(&ld->lock);
	mutex_init(&ld->event_mutex);
	ld->vmdev.ops = &vmsg_loop_bus_ops;
	ld->vmdev.bus_priv = ld;
	ld->vmdev.dev_num = dev_num;
	ld->vmdev.max_msg_size = VMSG_MAX_SIZE;

	ret = model->init(ld, index);
	if (ret)
		goto err_free;
	if (WARN_ON_ONCE(!ld->nvqs || ld->nvqs > VMSG_LOOP_MAX_VQS)) {
		ret = -EINVAL;
		goto err_destroy;
	}
	for (i = 0; i < ld->nvqs; i++) {
		struct vmsg_loop_vq *vq = kzalloc(sizeof(*vq), GFP_KERNEL);

		if (!vq) {
			ret = -ENOMEM;
			goto err_vqs;
		}
		ld->vqs[i] = vq;
		vq->ld = ld;
		vq->index = i;
		mutex_init(&vq->lock);
		vq->bounce = (void *)__get_free_page(GFP_KERNEL);
		if (!vq->bounce) {
			ret = -ENOMEM;
			goto err_vqs;
		}
	}
	ld->task = kthread_create(vmsg_loop_thread, ld, "vmsg-loop/%u", dev_num);
	if (IS_ERR(ld->task)) {
		ret = PTR_ERR(ld->task);
		goto err_vqs;
	}
	mutex_lock(&vmsg_loop_lock);
	set_user_nice(ld->task, vmsg_loop_thread_nice);
	list_add_tail(&ld->list, &vmsg_loop_devs);
	mutex_unlock(&vmsg_loop_lock);
	atomic_inc(&vmsg_loop_live);
	wake_up_process(ld->task);
	return ld;

err_vqs:
	for (i = 0; i < ld->nvqs; i++) {
		if (!ld->vqs[i])
			continue;
		free_page((unsigned long)ld->vqs[i]->bounce);
		mutex_destroy(&ld->vqs[i]->lock);
		kfree(ld->vqs[i]);
	}
err_destroy:
	model->destroy(ld);
err_free:
	kfree(ld->config);
	mutex_destroy(&ld->event_mutex);
	kfree(ld);
	pr_err("%s%u: cannot create device: %d\n", model->name, index, ret);
	return ERR_PTR(ret);
}

/*
 * Unregister every registered device, release the ones never handed to
 * the transport, and wait until every release ran.  The device lock is
 * dropped around each call: release takes it and may free entries.
 */
static void vmsg_loop_teardown(void)
{
	struct vmsg_loop_dev *ld, *target;
	bool unreg;

	for (;;) {
		target = NULL;
		unreg = false;
		mutex_lock(&vmsg_loop_lock);
		list_for_each_entry(ld, &vmsg_loop_devs, list) {
			if (ld->registered) {
				ld->registered = false;
				unreg = true;
				target = ld;
				break;
			}
			if (!ld->handed) {
				ld->handed = true;
				target = ld;
				break;
			}
		}
		mutex_unlock(&vmsg_loop_lock);
		if (!target)
			break;
		if (unreg)
			virtio_msg_unregister(&target->vmdev);
		else
			vmsg_loop_release(&target->vmdev);
	}
	wait_event(vmsg_loop_release_wq, !atomic_read(&vmsg_loop_live));
}

static int vmsg_loop_create_all(void)
{
	struct vmsg_loop_dev *a, *b;
	unsigned int i;
	u16 dev_num = 0;

	if (vmsg_blk_mb) {
		a = vmsg_loop_create(&vmsg_blk_model, 0, dev_num++);
		if (IS_ERR(a))
			return PTR_ERR(a);
	}
	for (i = 0; i < vmsg_net_pairs; i++) {
		a = vmsg_loop_create(&vmsg_net_model, 2 * i, dev_num++);
		if (IS_ERR(a))
			return PTR_ERR(a);
		b = vmsg_loop_create(&vmsg_net_model, 2 * i + 1, dev_num++);
		if (IS_ERR(b))
			return PTR_ERR(b);
		/* Before any driver exists: no kthread looks at peer yet. */
		mutex_lock(&vmsg_loop_lock);
		a->peer = b;
		b->peer = a;
		mutex_unlock(&vmsg_loop_lock);
	}
	return 0;
}

static void vmsg_loop_register_all(void)
{
	struct vmsg_loop_dev *ld, *target;
	int ret;

	for (;;) {
		target = NULL;
		mutex_lock(&vmsg_loop_lock);
		list_for_each_entry(ld, &vmsg_loop_devs, list) {
			if (ld->found && !ld->handed) {
				ld->handed = true;
				target = ld;
				break;
			}
		}
		mutex_unlock(&vmsg_loop_lock);
		if (!target)
			return;
		/*
		 * On failure the release op has the device: touch it no more.
		 * A device that does not come up is that device's error, as on
		 * any bus: the others still register.
		 */
		ret = virtio_msg_register(vmsg_loop_root, &target->vmdev);
		if (ret) {
			pr_err("a device did not register (%d); continuing without it\n", ret);
			continue;
		}
		/* Registered: only our own unregister can release it. */
		mutex_lock(&vmsg_loop_lock);
		target->registered = true;
		mutex_unlock(&vmsg_loop_lock);
	}
}

/* ---- stats ------------------------------------------------------------ */

static ssize_t stats_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vmsg_loop_dev *ld;
	int len = 0;

	mutex_lock(&vmsg_loop_lock);
	list_for_each_entry(ld, &vmsg_loop_devs, list) {
		struct vmsg_loop_stats *s = &ld->stats;

		len += sysfs_emit_at(buf, len,
				     "dev %u %s to_dev %lld to_drv %lld avail %lld used %lld req %lld chains %lld suppressed %lld faults %lld dropped %lld\n",
				     ld->vmdev.dev_num, ld->model->name,
				     (long long)atomic64_read(&s->to_dev),
				     (long long)atomic64_read(&s->to_drv),
				     (long long)atomic64_read(&s->avail),
				     (long long)atomic64_read(&s->used),
				     (long long)atomic64_read(&s->req),
				     (long long)atomic64_read(&s->chains),
				     (long long)atomic64_read(&s->suppressed),
				     (long long)atomic64_read(&s->faults),
				     (long long)atomic64_read(&s->dropped));
	}
	mutex_unlock(&vmsg_loop_lock);
	return len;
}

static ssize_t stats_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct vmsg_loop_dev *ld;

	if (!sysfs_streq(buf, "0")) {
		pr_err("stats: write 0 to reset the counters\n");
		return -EINVAL;
	}
	mutex_lock(&vmsg_loop_lock);
	list_for_each_entry(ld, &vmsg_loop_devs, list) {
		struct vmsg_loop_stats *s = &ld->stats;

		atomic64_set(&s->to_dev, 0);
		atomic64_set(&s->to_drv, 0);
		atomic64_set(&s->avail, 0);
		atomic64_set(&s->used, 0);
		atomic64_set(&s->req, 0);
		atomic64_set(&s->chains, 0);
		atomic64_set(&s->suppressed, 0);
		atomic64_set(&s->faults, 0);
		atomic64_set(&s->dropped, 0);
	}
	mutex_unlock(&vmsg_loop_lock);
	return count;
}
static DEVICE_ATTR_RW(stats);

/* ---- module ----------------------------------------------------------- */

static int __init vmsg_loop_init(void)
{
	int ret;

	vmsg_loop_wq = alloc_workqueue("vmsg_loop", 0, 0);
	if (!vmsg_loop_wq)
		return -ENOMEM;
	vmsg_loop_root = root_device_register("virtio-msg-loop");
	if (IS_ERR(vmsg_loop_root)) {
		ret = PTR_ERR(vmsg_loop_root);
		goto err_wq;
	}
	ret = device_create_file(vmsg_loop_root, &dev_attr_stats);
	if (ret)
		goto err_root;
	ret = vmsg_loop_create_all();
	if (ret)
		goto err_devices;
	ret = vmsg_loop_enumerate();
	if (ret) {
		pr_err("GET_DEVICES enumeration failed: %d\n", ret);
		goto err_devices;
	}
	vmsg_loop_register_all();
	return 0;

err_devices:
	vmsg_loop_teardown();
	device_remove_file(vmsg_loop_root, &dev_attr_stats);
err_root:
	root_device_unregister(vmsg_loop_root);
err_wq:
	destroy_workqueue(vmsg_loop_wq);
	return ret;
}

static void __exit vmsg_loop_exit(void)
{
	vmsg_loop_teardown();
	device_remove_file(vmsg_loop_root, &dev_attr_stats);
	root_device_unregister(vmsg_loop_root);
	/* Every release work has run; wait until the last one returned. */
	destroy_workqueue(vmsg_loop_wq);
}

module_init(vmsg_loop_init);
module_exit(vmsg_loop_exit);
MODULE_DESCRIPTION("virtio-msg loopback bus with blk and net device models");
MODULE_LICENSE("GPL");

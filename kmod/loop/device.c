// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-msg loopback bus: the device side of the protocol.
 *
 * What a remote processor would run, one kthread per device: it takes the
 * transport's request from the device's request slot (bus.c hands it over)
 * and answers it (device info, features, config, status, virtqueues), with
 * fault injection (fault.c) where messages pass; it handles the queues the driver kicked
 * with EVENT_AVAIL (at most VMSG_LOOP_BUDGET chains per queue per pass,
 * then the next queue or request: fairness is explicit) through the
 * model's handle_vq, and delivers EVENT_USED to the transport.
 *
 * With mode=inline (mode.c) the driver's send and the device's tasklet
 * handle the queues too, hence a spinlock per queue and events owed until
 * it is dropped.
 *
 * Knobs read here: batch, event_idx, zerocopy (ring.c).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <uapi/linux/virtio_config.h>

#include "loop.h"

/* Vendor id in GET_DEVICE_INFO: "VMLP", no registered vendor. */
#define VMSG_LOOP_VENDOR_ID 0x504c4d56
/* Feature bits we answer for: the 6.1 core keeps 64. */
#define VMSG_LOOP_FEATURE_BLOCKS 2

/* ---- knobs ---------------------------------------------------------- */

static bool vmsg_loop_batch = true;
static bool vmsg_loop_event_idx = true;
static bool vmsg_loop_zerocopy = true;
module_param_named(batch, vmsg_loop_batch, bool, 0644);
MODULE_PARM_DESC(batch, "Suppress driver notifications while draining, one EVENT_USED per queue per pass (default 1); 0: never suppress, one EVENT_USED per chain");
module_param_named(event_idx, vmsg_loop_event_idx, bool, 0644);
MODULE_PARM_DESC(event_idx, "Offer VIRTIO_RING_F_EVENT_IDX; read at feature negotiation (default 1)");
module_param_named(zerocopy, vmsg_loop_zerocopy, bool, 0644);
MODULE_PARM_DESC(zerocopy, "Use driver buffers in place (default 1); 0: bounce every byte through a per-queue page");

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
	if (ld->model->notify)
		ld->model->notify(ld);
	else
		vmsg_loop_wake(ld);
}

/*
 * Kick queue @vq_index of @ld in @delay jiffies (an earlier deadline
 * wins); any context.  Stopped by the release before the memory goes.
 */
void vmsg_loop_kick_later(struct vmsg_loop_dev *ld, unsigned int vq_index, unsigned long delay)
{
	set_bit(vq_index, &ld->timer_pending);
	timer_reduce(&ld->kick_timer, jiffies + delay);
}

void vmsg_loop_kick_timer(struct timer_list *t)
{
	struct vmsg_loop_dev *ld = from_timer(ld, t, kick_timer);
	unsigned int i;

	for (i = 0; i < ld->nvqs; i++)
		if (test_and_clear_bit(i, &ld->timer_pending))
			vmsg_loop_kick(ld, i);
}

/* Queue set up and device running; caller holds vq->lock. */
bool vmsg_loop_vq_usable(struct vmsg_loop_vq *vq)
{
	return vq->ready && !vq->broken &&
	       (READ_ONCE(vq->ld->status) & VIRTIO_CONFIG_S_DRIVER_OK);
}

void vmsg_loop_knobs_read(struct vmsg_loop_knobs *knobs)
{
	knobs->batch = READ_ONCE(vmsg_loop_batch);
	knobs->zerocopy = READ_ONCE(vmsg_loop_zerocopy);
}

/* ---- device to driver events ----------------------------------------- */

/* Deliver @len bytes of a device-to-driver event, unless the transport released us. */
void vmsg_loop_event_deliver(struct vmsg_loop_dev *ld, struct vmsg *m, u16 len)
{
	vmsg_loop_bus_cost();
	vmsg_loop_count(ld, VMSG_STAT_TO_DRV);
	spin_lock_bh(&ld->event_lock);
	/* After the release op nothing reaches the transport (bus.c). */
	if (!ld->gone)
		virtio_msg_event(&ld->vmdev, &m->hdr, len);
	spin_unlock_bh(&ld->event_lock);
}

/* Send one device-to-driver event, through fault injection. */
void vmsg_loop_send_event(struct vmsg_loop_dev *ld, struct vmsg *m)
{
	vmsg_loop_fault_event(ld, m);
}

static void vmsg_loop_send_used(struct vmsg_loop_dev *ld, unsigned int index)
{
	struct vmsg_event_used *ev;
	struct vmsg m;

	ev = vmsg_init(&m, 0, VMSG_EVENT_USED, ld->vmdev.dev_num, sizeof(*ev));
	ev->vq_index = cpu_to_le32(index);
	if (vmsg_loop_fault_take(ld, VMSG_FAULT_DROPUSED))
		return;
	vmsg_loop_count(ld, VMSG_STAT_USED);
	vmsg_loop_send_event(ld, &m);
}

/* A queue broke (ring.c): the kthread sets NEEDS_RESET; any thread. */
void vmsg_loop_needs_reset(struct vmsg_loop_dev *ld)
{
	WRITE_ONCE(ld->needs_reset, true);
	wake_up(&ld->wq);
}

/* kthread: NEEDS_RESET in the status, told with EVENT_CONFIG (2.1.2). */
static void vmsg_loop_broke(struct vmsg_loop_dev *ld)
{
	struct vmsg_event_config *ev;
	struct vmsg m;

	WRITE_ONCE(ld->needs_reset, false);
	if (!ld->status || (ld->status & VIRTIO_CONFIG_S_NEEDS_RESET))
		return;
	WRITE_ONCE(ld->status, ld->status | VIRTIO_CONFIG_S_NEEDS_RESET);
	ev = vmsg_init(&m, 0, VMSG_EVENT_CONFIG, ld->vmdev.dev_num, sizeof(*ev));
	ev->device_status = cpu_to_le32(ld->status);
	ev->generation = cpu_to_le32(ld->generation);
	vmsg_loop_send_event(ld, &m);
}

/* One EVENT_USED decision for what was completed since the last one. */
static bool vmsg_loop_vq_decide(struct vmsg_loop_vq *vq)
{
	if (!vq->ready || !vq->unsignalled)
		return false;
	vq->unsignalled = 0;
	if (vmsg_loop_vq_should_signal(vq))
		return true;
	vmsg_loop_count(vq->ld, VMSG_STAT_SUPPRESSED);
	return false;
}

/**
 * vmsg_loop_vq_done - complete one chain
 * @vq: the queue, lock held
 * @head: the chain's head
 * @len: bytes written into its writable part
 *
 * Unbatched, the owner decides on an EVENT_USED right away (sent once the
 * lock is dropped); a peer filling this queue leaves that to the owner,
 * which it wakes.
 */
void vmsg_loop_vq_done(struct vmsg_loop_vq *vq, u16 head, u32 len)
{
	vmsg_loop_vq_push(vq, head, len);
	vmsg_loop_vq_flush(vq);
	if (!vq->owner) {
		vmsg_loop_vq_flush_remote(vq);
		return;
	}
	if (!vq->knobs.batch && vmsg_loop_vq_decide(vq))
		atomic_inc(&vq->owed);
}

/*
 * Send the EVENT_USED owed on @vq, lock not held; @defer (the driver's
 * send is still running): leave them to the tasklet, raised by an
 * interrupt the sender takes once it has interrupts on again.
 */
void vmsg_loop_flush_used(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq, bool defer)
{
	int n;

	if (defer) {
		if (atomic_read(&vq->owed))
			vmsg_loop_interrupt(ld);
		return;
	}
	for (n = atomic_xchg(&vq->owed, 0); n > 0; n--)
		vmsg_loop_send_used(ld, vq->index);
}

/* A peer flushed used entries into @vq: its owner decides on EVENT_USED. */
void vmsg_loop_vq_flush_remote(struct vmsg_loop_vq *vq)
{
	/* The used entries are visible before the owner sees the bit. */
	smp_mb__before_atomic();
	set_bit(vq->index, &vq->ld->used_pending);
	vmsg_loop_wake(vq->ld);
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
	/* With a DMA window the driver must map through it. */
	if (vmsg_loop_window_on() || vmsg_loop_fault_take(ld, VMSG_FAULT_PLATFORM))
		f |= BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
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

	/*
	 * 3.1.1: features are fixed once FEATURES_OK is set.  Ignored but
	 * answered: the driver learns it from the status, not from a timeout.
	 */
	if (ld->status & VIRTIO_CONFIG_S_FEATURES_OK) {
		vmsg_loop_resp(ld, 0);
		return 0;
	}
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
	if (vmsg_loop_fault_take(ld, VMSG_FAULT_GENCHANGE))
		ld->generation++;
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
		spin_lock_irq(&ld->vqs[i]->lock);
		vmsg_loop_vq_reset(ld->vqs[i]);
		spin_unlock_irq(&ld->vqs[i]->lock);
	}
	WRITE_ONCE(ld->status, 0);
	WRITE_ONCE(ld->features, 0);
	WRITE_ONCE(ld->needs_reset, false);
	/* Kicks racing with the reset find no ready queue anyway. */
	WRITE_ONCE(ld->avail_pending, 0);
	WRITE_ONCE(ld->used_pending, 0);
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
			/* fault=noreset: keep everything, answer the old status. */
			if (!vmsg_loop_fault_take(ld, VMSG_FAULT_NORESET))
				vmsg_loop_reset(ld);
		} else {
			/* 3.1.1: FEATURES_OK only for a subset of the offer with VERSION_1. */
			if ((s & VIRTIO_CONFIG_S_FEATURES_OK) &&
			    !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
			    ((ld->features & ~ld->offered) ||
			     !(ld->features & BIT_ULL(VIRTIO_F_VERSION_1))))
				s &= ~VIRTIO_CONFIG_S_FEATURES_OK;
			/* NEEDS_RESET is the device's: only a reset clears it. */
			WRITE_ONCE(ld->status, (s & 0xff & ~VIRTIO_CONFIG_S_NEEDS_RESET) |
				   (old & VIRTIO_CONFIG_S_NEEDS_RESET));
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
	spin_lock_irq(&vq->lock);
	rs->cur_size = cpu_to_le32(vq->num);
	rs->desc_addr = cpu_to_le64(vq->desc_pa);
	rs->driver_addr = cpu_to_le64(vq->avail_pa);
	rs->device_addr = cpu_to_le64(vq->used_pa);
	spin_unlock_irq(&vq->lock);
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
		goto answer;
	}
	vq = ld->vqs[index];
	spin_lock_irq(&vq->lock);
	/* Changing a live queue is refused (as the 2026 drafts say). */
	if (vmsg_loop_fault_take(ld, VMSG_FAULT_REFUSEVQ))
		ret = -EPERM;
	else if (vq->ready)
		ret = -EBUSY;
	else
		ret = vmsg_loop_vq_map(vq, size, le64_to_cpu(rq->desc_addr),
				       le64_to_cpu(rq->driver_addr), le64_to_cpu(rq->device_addr));
	if (!ret) {
		vq->event_idx = ld->features & BIT_ULL(VIRTIO_RING_F_EVENT_IDX);
		vmsg_loop_knobs_read(&vq->knobs);
	}
	spin_unlock_irq(&vq->lock);
	if (ret) {
		/*
		 * No error message exists: answered all the same, the driver
		 * sees the refusal in GET_VQUEUE (cur_size 0), not a timeout.
		 */
		dev_err_ratelimited(vmsg_loop_root,
				    "dev %u: SET_VQUEUE %u refused (%d): size %u desc 0x%llx driver 0x%llx device 0x%llx\n",
				    ld->vmdev.dev_num, index, ret, size, le64_to_cpu(rq->desc_addr),
				    le64_to_cpu(rq->driver_addr), le64_to_cpu(rq->device_addr));
	}
answer:
	vmsg_loop_resp(ld, 0);
	return 0;
}

static int vmsg_loop_reset_vqueue(struct vmsg_loop_dev *ld)
{
	u32 index = le32_to_cpu(((const struct vmsg_index *)vmsg_cpayload(&ld->dreq.hdr))->index);

	if (index < ld->nvqs) {
		spin_lock_irq(&ld->vqs[index]->lock);
		vmsg_loop_vq_reset(ld->vqs[index]);
		spin_unlock_irq(&ld->vqs[index]->lock);
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

/* Hand @len bytes of the answer @resp to the xfer waiting for its token. */
void vmsg_loop_resp_deliver(struct vmsg_loop_dev *ld, struct vmsg *resp, u16 len)
{
	struct vmsg_loop_slot *slot = &ld->slot;
	bool taken = false;

	vmsg_loop_bus_cost();
	vmsg_loop_count(ld, VMSG_STAT_TO_DRV);

	spin_lock(&slot->lock);
	/* The bus matches answers by token: a late or corrupted one is dropped. */
	if (slot->waiting && !slot->resp_ready && le16_to_cpu(resp->hdr.token) == slot->token) {
		memcpy(&slot->resp, resp, len);
		slot->resp_len = len;
		slot->resp_ready = true;
		taken = true;
	}
	spin_unlock(&slot->lock);
	if (taken)
		wake_up(&slot->wq);
	else
		vmsg_loop_count(ld, VMSG_STAT_DROPPED);
}

/* kthread: serve the pending request, if any. */
static void vmsg_loop_serve(struct vmsg_loop_dev *ld)
{
	struct vmsg_loop_slot *slot = &ld->slot;
	unsigned int n = 0;
	int ret;

	spin_lock(&slot->lock);
	if (slot->req_pending) {
		memcpy(&ld->dreq, &slot->req, sizeof(ld->dreq));
		slot->req_pending = false;
		n = 1;
	}
	spin_unlock(&slot->lock);
	if (n)
		n = vmsg_loop_fault_req(ld, &ld->dreq);

	/* Served n times: 0 when fault injection lost it, 2 when it doubled it. */
	while (n--) {
		ret = vmsg_loop_handle(ld);
		if (ret) {
			/* Draft: malformed messages are dropped; the xfer times out. */
			dev_dbg(vmsg_loop_root, "dev %u: request 0x%02x dropped: %d\n",
				ld->vmdev.dev_num, ld->dreq.hdr.msg_id, ret);
			vmsg_loop_count(ld, VMSG_STAT_DROPPED);
			continue;
		}
		vmsg_loop_fault_resp(ld, &ld->dresp, vmsg_size(&ld->dresp.hdr));
	}
}

/* ---- queues, device side ------------------------------------------- */

/**
 * vmsg_loop_process_vq - handle the chains the driver made available
 * @ld: the device
 * @vq: one of its queues
 * @from_send: called from the driver's send (mode=inline): no event may
 *	reach the transport before it returns, the tasklet sends them
 *
 * In the kthread with mode=poll (and more than one CPU online) driver
 * notifications stay off at the end of the pass: the kthread polls the
 * ring next and turns them on again when it stops (vmsg_loop_poll()).
 */
void vmsg_loop_process_vq(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq, bool from_send)
{
	bool batch, poll = false;
	unsigned int done = 0;
	unsigned long flags;
	u16 start, idx;
	int ret;

	spin_lock_irqsave(&vq->lock, flags);
	if (!vmsg_loop_vq_usable(vq))
		goto out_unlock;
	vq->owner = true;
	/* One read for the pass: disable/enable and decide must agree. */
	vmsg_loop_knobs_read(&vq->knobs);
	batch = vq->knobs.batch;
	if (current == ld->task && vmsg_loop_mode_get() == VMSG_MODE_POLL &&
	    num_online_cpus() > 1) {
		poll = true;
		ld->poll_off = true;
	}
	if (batch || poll)
		vmsg_loop_vq_disable_notify(vq);
	for (;;) {
		start = vmsg_loop_vq_avail_idx(vq);
		ret = ld->model->handle_vq(ld, vq, VMSG_LOOP_BUDGET - done);
		if (ret < 0 && ret != -EAGAIN) {
			/* Usually the model or ring.c said why already. */
			vmsg_loop_vq_error(vq, "chain handling failed, errno", -ret);
			break;
		}
		/* Every round counts, so -EAGAIN rounds end too. */
		done += ret > 0 ? ret : 1;
		if (done >= VMSG_LOOP_BUDGET) {
			/* Notifications stay off: we come back on our own. */
			set_bit(vq->index, &ld->avail_pending);
			break;
		}
		/* Polling: notifications stay off, the poll loop looks again. */
		idx = poll ? vmsg_loop_vq_avail_idx(vq) : vmsg_loop_vq_enable_notify(vq);
		vq->poll_seen = idx;
		/*
		 * Lost wake-up check: a chain added while notifications were
		 * off came without EVENT_AVAIL.  After -EAGAIN the model left
		 * chains on purpose: only new ones count.
		 */
		if (idx == (ret == -EAGAIN ? start : vq->last_avail))
			break;
		if (batch && !poll)
			vmsg_loop_vq_disable_notify(vq);
	}
	if (batch && vmsg_loop_vq_decide(vq))
		atomic_inc(&vq->owed);
	vq->owner = false;
out_unlock:
	spin_unlock_irqrestore(&vq->lock, flags);
	vmsg_loop_flush_used(ld, vq, from_send);
}

/* A peer completed chains on @vq: kthread or tasklet. */
void vmsg_loop_signal_vq(struct vmsg_loop_dev *ld, struct vmsg_loop_vq *vq)
{
	unsigned long flags;

	spin_lock_irqsave(&vq->lock, flags);
	if (vmsg_loop_vq_decide(vq))
		atomic_inc(&vq->owed);
	spin_unlock_irqrestore(&vq->lock, flags);
	vmsg_loop_flush_used(ld, vq, false);
}

bool vmsg_loop_has_work(struct vmsg_loop_dev *ld)
{
	return READ_ONCE(ld->slot.req_pending) || READ_ONCE(ld->avail_pending) ||
	       READ_ONCE(ld->used_pending) || READ_ONCE(ld->needs_reset) ||
	       kthread_should_stop();
}

int vmsg_loop_thread(void *data)
{
	struct vmsg_loop_dev *ld = data;
	unsigned int i;

	while (!kthread_should_stop()) {
		/* mode=poll: look at the rings a while before sleeping. */
		if (!vmsg_loop_has_work(ld))
			vmsg_loop_poll(ld);
		/* Interruptible: an idle device is not a hung task. */
		if (wait_event_interruptible(ld->wq, vmsg_loop_has_work(ld)))
			flush_signals(current);
		vmsg_loop_serve(ld);
		if (READ_ONCE(ld->needs_reset))
			vmsg_loop_broke(ld);
		for (i = 0; i < ld->nvqs; i++) {
			if (test_and_clear_bit(i, &ld->avail_pending))
				vmsg_loop_process_vq(ld, ld->vqs[i], false);
			if (test_and_clear_bit(i, &ld->used_pending))
				vmsg_loop_signal_vq(ld, ld->vqs[i]);
		}
		cond_resched();
	}
	return 0;
}

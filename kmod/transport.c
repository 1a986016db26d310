// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-msg transport
 *
 * Turns the virtio_config_ops calls of the virtio core into virtio-msg
 * requests (draft 2025-12-01: GET_DEVICE_INFO, GET/SET features, config,
 * status and virtqueue messages), virtqueue notifications into EVENT_AVAIL,
 * and the device's EVENT_USED / EVENT_CONFIG into vring_interrupt() and
 * virtio_config_changed().  Virtqueues are ordinary split rings in driver
 * memory; their addresses go to the device with SET_VQUEUE.
 *
 * The transport knows nothing about how messages move.  A bus must provide
 * (see struct virtio_msg_bus_ops):
 *  - xfer: one request, one response, in order, with its own timeout; the
 *    bus owns the token and checks its echo;
 *  - send: an event, from any context, without sleeping, and without
 *    calling virtio_msg_event() before it returns (send runs inside
 *    virtqueue callbacks, which hold vq_lock: a synchronous EVENT_USED
 *    would deadlock);
 *  - synchronize: wait for virtio_msg_event() calls in flight to finish;
 *  - release: free the structure embedding the virtio_msg_device.
 * and must deliver every device-to-driver event to virtio_msg_event() from
 * process or softirq context, never hardirq.
 *
 * Everything that comes back from the device is checked before use.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bottom_half.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kmemleak.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <uapi/linux/virtio_config.h>

#include "virtio_msg.h"

#define CREATE_TRACE_POINTS
#include "virtio_msg_trace.h"

/* virtio_msg_<ev> on header @h: the tracepoints take its fields (virtio_msg_trace.h). */
#define vm_trace(ev, h, vq, ret)						\
	trace_virtio_msg_##ev((h)->type, (h)->msg_id, le16_to_cpu((h)->dev_num),	\
			      le16_to_cpu((h)->token), le16_to_cpu((h)->msg_size), vq, ret)

/* Ring size when the device allows more: what virtio_mmio/pci devices offer. */
#define VMSG_VQ_DEFAULT_SIZE 256
/* Bound on max_virtqueues from GET_DEVICE_INFO: no device we host needs more. */
#define VMSG_MAX_VQS 64
/* Feature bits the 6.1 core can hold: a u64, two 32-bit blocks. */
#define VMSG_MAX_FEATURE_BLOCKS 2
/*
 * How long a reset may take before the device is declared broken, and how
 * often its status is polled meanwhile (the draft's and Arm's figures).
 */
#define VMSG_RESET_TIMEOUT_MS 10000
#define VMSG_RESET_POLL_MS 10
/*
 * A lost EVENT_USED would hang I/O for good (6.1 virtio_blk has no timeout
 * handler): when none came for this long, the used rings are looked at.
 */
#define VMSG_USED_WATCH_MS 1000
/*
 * Smallest max_msg_size we accept: the largest fixed payload we exchange
 * (SET_VQUEUE / GET_VQUEUE, 40 bytes) plus the header.  A GET_CONFIG chunk
 * then still carries 28 bytes.
 */
#define VMSG_MIN_MSG_SIZE (VMSG_HDR_SIZE + sizeof(struct vmsg_vqueue_set))
/*
 * A config read is retried when the generation moved under it, a rejected
 * SET_CONFIG when the generation moved since it was read: at most this many
 * times, so a device whose generation moves on every read cannot livelock
 * the driver (6.1's virtio_cread() loops until two generations match).
 */
#define VMSG_CONFIG_RETRIES 5
/* GET_CONFIG response / SET_CONFIG request overhead: header + 3 u32. */
#define VMSG_CONFIG_OVERHEAD (VMSG_HDR_SIZE + sizeof(struct vmsg_config))

static struct device *vm_dev(struct virtio_msg_device *vmdev)
{
	/*
	 * The bus's device: the virtio device has no name until
	 * register_virtio_device(), and GET_DEVICE_INFO goes out before that.
	 */
	return vmdev->vdev.dev.parent;
}

/*
 * Start a request in vmdev->req.  Caller holds xfer_lock.  Returns the
 * payload to fill (never NULL for the fixed sizes used here, which all fit
 * VMSG_MIN_MSG_SIZE).
 */
static void *vm_req(struct virtio_msg_device *vmdev, u8 msg_id, size_t payload_size)
{
	lockdep_assert_held(&vmdev->xfer_lock);
	return vmsg_init(&vmdev->req, 0, msg_id, vmdev->dev_num, payload_size);
}

/*
 * Send vmdev->req and check the response in vmdev->resp.  Caller holds
 * xfer_lock (it protects req and resp, and the draft wants one request at
 * a time per device, answered in order).  @vq is for tracing only.
 */
static int vm_xfer(struct virtio_msg_device *vmdev, u32 vq)
{
	struct vmsg_hdr *req = &vmdev->req.hdr;
	struct vmsg_hdr *resp = &vmdev->resp.hdr;
	int ret;

	lockdep_assert_held(&vmdev->xfer_lock);
	vm_trace(xfer, req, vq, 0);
	/* A failed request must not leave the previous answer looking valid. */
	memset(resp, 0, VMSG_HDR_SIZE);
	ret = vmdev->ops->xfer(vmdev, &vmdev->req, &vmdev->resp);
	if (ret < 0) {
		vm_trace(xfer_done, req, vq, ret);
		dev_err_ratelimited(vm_dev(vmdev), "dev %u: %s failed: %d\n",
				    vmdev->dev_num, vmsg_id_name(0, req->msg_id), ret);
		return ret;
	}

	/*
	 * Only the bytes received count: msg_size must match them, or a
	 * short answer would pass the previous one's tail as its payload.
	 * vmsg_validate() refuses a length beyond max_msg_size (<= the buffer).
	 */
	ret = vmsg_validate(resp, ret, vmdev->max_msg_size);
	if (!ret)
		ret = vmsg_check_response(req, resp);
	if (ret) {
		vm_trace(xfer_done, req, vq, ret);
		dev_err_ratelimited(vm_dev(vmdev), "dev %u: bad %s response: %d\n",
				    vmdev->dev_num, vmsg_id_name(0, req->msg_id), ret);
		return -EPROTO;
	}
	vm_trace(xfer_done, resp, vq, 0);
	return 0;
}

/* A config, status or feature op failed and cannot say so: stop the device. */
static void vm_broken(struct virtio_msg_device *vmdev, const char *what, int err)
{
	dev_err_ratelimited(vm_dev(vmdev), "dev %u: %s failed (%d), device broken\n",
			    vmdev->dev_num, what, err);
	/* virtio_break_device() walks vdev->vqs: only valid once registered. */
	if (device_is_registered(&vmdev->vdev.dev))
		virtio_break_device(&vmdev->vdev);
}

/* Is [offset, offset + len) inside the configuration space? */
static bool vm_config_range_ok(struct virtio_msg_device *vmdev, unsigned int offset,
			       unsigned int len)
{
	return offset <= vmdev->info.config_size && len <= vmdev->info.config_size - offset;
}

static unsigned int vm_config_chunk(struct virtio_msg_device *vmdev)
{
	return vmdev->max_msg_size - VMSG_CONFIG_OVERHEAD;
}

/* One GET_CONFIG; caller holds xfer_lock.  Stores the generation. */
static int vm_get_config_chunk(struct virtio_msg_device *vmdev, unsigned int offset,
			       void *buf, unsigned int len, u32 *generation)
{
	struct vmsg_config_req *rq;
	const struct vmsg_config *rs;
	int ret;

	rq = vm_req(vmdev, VMSG_GET_CONFIG, sizeof(*rq));
	rq->offset = cpu_to_le32(offset);
	rq->length = cpu_to_le32(len);
	ret = vm_xfer(vmdev, VMSG_TRACE_NO_VQ);
	if (ret)
		return ret;
	/* vmsg_validate() made length match the payload; check the echo. */
	rs = vmsg_cpayload(&vmdev->resp.hdr);
	if (le32_to_cpu(rs->offset) != offset || le32_to_cpu(rs->length) != len) {
		dev_err_ratelimited(vm_dev(vmdev),
				    "dev %u: GET_CONFIG echoed offset %u length %u, asked %u %u\n",
				    vmdev->dev_num, le32_to_cpu(rs->offset),
				    le32_to_cpu(rs->length), offset, len);
		return -EPROTO;
	}
	memcpy(buf, rs->data, len);
	*generation = le32_to_cpu(rs->generation);
	return 0;
}

/*
 * Read [offset, offset + len) in chunks; caller holds xfer_lock.  Returns
 * -EAGAIN when the generation moved between two chunks.
 */
static int vm_get_config_locked(struct virtio_msg_device *vmdev, unsigned int offset,
				u8 *p, unsigned int len)
{
	unsigned int chunk = vm_config_chunk(vmdev);
	bool first = true, moved = false;
	u32 gen, gen0 = 0;
	int ret;

	while (len) {
		unsigned int n = min(len, chunk);

		ret = vm_get_config_chunk(vmdev, offset, p, n, &gen);
		if (ret)
			return ret;
		if (first)
			gen0 = gen;
		else if (gen != gen0)
			moved = true;
		first = false;
		p += n;
		offset += n;
		len -= n;
	}
	return moved ? -EAGAIN : 0;
}

static void vm_get(struct virtio_device *vdev, unsigned int offset, void *buf, unsigned int len)
{
	struct virtio_msg_device *vmdev = to_vmdev(vdev);
	unsigned int tries = 0;
	int ret;

	if (!vm_config_range_ok(vmdev, offset, len)) {
		/* A driver bug, not the device's: mmio/pci read garbage here. */
		dev_err_ratelimited(&vdev->dev, "config read %u+%u beyond size %u\n",
				    offset, len, vmdev->info.config_size);
		memset(buf, 0, len);
		return;
	}

	mutex_lock(&vmdev->xfer_lock);
	do {
		ret = vm_get_config_locked(vmdev, offset, buf, len);
	} while (ret == -EAGAIN && ++tries <= VMSG_CONFIG_RETRIES);
	mutex_unlock(&vmdev->xfer_lock);
	if (ret == -EAGAIN) {
		/* What the last pass read, mixed generations and all. */
		dev_warn_ratelimited(&vdev->dev,
				     "config generation moved during %u reads of %u+%u\n",
				     tries, offset, len);
	} else if (ret) {
		/* Never hand back stale stack contents to the driver. */
		memset(buf, 0, len);
		vm_broken(vmdev, "GET_CONFIG", ret);
	}
}

static void vm_set(struct virtio_device *vdev, unsigned int offset, const void *buf,
		   unsigned int len)
{
	struct virtio_msg_device *vmdev = to_vmdev(vdev);
	unsigned int chunk = vm_config_chunk(vmdev), tries = 0;
	const u8 *p = buf;
	u32 gen = 0, was;
	int ret = 0;

	if (!vm_config_range_ok(vmdev, offset, len)) {
		dev_err_ratelimited(&vdev->dev, "config write %u+%u beyond size %u\n",
				    offset, len, vmdev->info.config_size);
		return;
	}

	mutex_lock(&vmdev->xfer_lock);
	/*
	 * SET_CONFIG carries the generation the driver based its write on;
	 * a device may reject a write made against a stale one.  Read it
	 * with an empty GET_CONFIG first.
	 */
	ret = vm_get_config_chunk(vmdev, 0, NULL, 0, &gen);
	while (!ret && len) {
		unsigned int n = min(len, chunk);
		const struct vmsg_config *rs;
		struct vmsg_config *rq;

		rq = vm_req(vmdev, VMSG_SET_CONFIG, sizeof(*rq) + n);
		rq->generation = cpu_to_le32(gen);
		rq->offset = cpu_to_le32(offset);
		rq->length = cpu_to_le32(n);
		memcpy(rq->data, p, n);
		ret = vm_xfer(vmdev, VMSG_TRACE_NO_VQ);
		if (ret)
			break;
		rs = vmsg_cpayload(&vmdev->resp.hdr);
		if (le32_to_cpu(rs->offset) != offset ||
		    (rs->length && le32_to_cpu(rs->length) != n)) {
			ret = -EPROTO;
			break;
		}
		if (!rs->length) {
			/*
			 * Rejected.  Draft: re-read the generation and try
			 * again; if it did not move, the device refuses the
			 * write itself: the device is fine, the write is lost.
			 */
			was = gen;
			ret = vm_get_config_chunk(vmdev, 0, NULL, 0, &gen);
			if (ret)
				break;
			if (gen != was && ++tries <= VMSG_CONFIG_RETRIES)
				continue;
			dev_err_ratelimited(&vdev->dev,
					    "SET_CONFIG %u+%u rejected by the device (generation %u, %u tries)\n",
					    offset, n, gen, tries + 1);
			break;
		}
		p += n;
		offset += n;
		len -= n;
	}
	mutex_unlock(&vmdev->xfer_lock);
	if (ret)
		vm_broken(vmdev, "SET_CONFIG", ret);
}

/*
 * The generation is read from the device each time (an empty GET_CONFIG)
 * rather than cached from EVENT_CONFIG: virtio_cread() brackets every
 * multi-byte read with two generation reads, and only the device knows
 * whether its configuration changed in between.  virtio_cread() retries
 * until two match, with no bound: after VMSG_CONFIG_RETRIES moves in a row
 * the last value is returned until the device shows a stable one again.
 */
static u32 vm_generation(struct virtio_device *vdev)
{
	struct virtio_msg_device *vmdev = to_vmdev(vdev);
	u32 gen = 0;
	int ret;

	mutex_lock(&vmdev->xfer_lock);
	ret = vm_get_config_chunk(vmdev, 0, NULL, 0, &gen);
	if (!ret) {
		if (gen == vmdev->gen_seen) {
			vmdev->gen_moves = 0;
		} else if (vmdev->gen_moves < VMSG_CONFIG_RETRIES) {
			vmdev->gen_moves++;
			vmdev->gen_seen = gen;
		} else if (vmdev->gen_moves == VMSG_CONFIG_RETRIES) {
			vmdev->gen_moves++;
			dev_warn(&vdev->dev,
				 "config generation moved on %u reads in a row: holding %u\n",
				 VMSG_CONFIG_RETRIES, vmdev->gen_seen);
		}
	}
	gen = vmdev->gen_seen;
	mutex_unlock(&vmdev->xfer_lock);
	/* A constant answer lets virtio_cread()'s retry loop end. */
	if (ret)
		vm_broken(vmdev, "GET_CONFIG generation", ret);
	return gen;
}

static int vm_get_status_locked(struct virtio_msg_device *vmdev, u32 *status)
{
	int ret;

	vm_req(vmdev, VMSG_GET_DEVICE_STATUS, 0);
	ret = vm_xfer(vmdev, VMSG_TRACE_NO_VQ);
	if (!ret)
		*status = le32_to_cpu(((const struct vmsg_status *)
				       vmsg_cpayload(&vmdev->resp.hdr))->status);
	return ret;
}

static u8 vm_get_status(struct virtio_device *vdev)
{
	struct virtio_msg_device *vmdev = to_vmdev(vdev);
	u32 status = 0;
	int ret;

	mutex_lock(&vmdev->xfer_lock);
	/*
	 * A wedged device is broken and its rings leaked: report the reset
	 * the transport asked for.  virtio_dev_remove() WARNs on a nonzero
	 * status after remove, a check for driver bugs, not device faults.
	 */
	if (vmdev->wedged) {
		mutex_unlock(&vmdev->xfer_lock);
		return 0;
	}
	ret = vm_get_status_locked(vmdev, &status);
	mutex_unlock(&vmdev->xfer_lock);
	if (ret) {
		vm_broken(vmdev, "GET_DEVICE_STATUS", ret);
		/*
		 * The device is broken now; report the status the driver last
		 * set (0 after a confirmed reset).  Anything else makes the
		 * core WARN: virtio_dev_remove() on a nonzero status after
		 * remove, virtio_device_ready() on a DRIVER_OK it did not
		 * see in the read before, and one lost answer is no driver bug.
		 */
		return READ_ONCE(vmdev->status_set);
	}
	return status;
}

static int vm_set_status_locked(struct virtio_msg_device *vmdev, u8 status)
{
	struct vmsg_status *rq;

	rq = vm_req(vmdev, VMSG_SET_DEVICE_STATUS, sizeof(*rq));
	rq->status = cpu_to_le32(status);
	/* The resulting status comes back; the core reads it when it cares. */
	return vm_xfer(vmdev, VMSG_TRACE_NO_VQ);
}

static void vm_set_status(struct virtio_device *vdev, u8 status)
{
	struct virtio_msg_device *vmdev = to_vmdev(vdev);
	int ret;

	/* We should never be setting status to 0: that is vm_reset(). */
	WARN_ON_ONCE(status == 0);
	mutex_lock(&vmdev->xfer_lock);
	WRITE_ONCE(vmdev->status_set, status);
	ret = vm_set_status_locked(vmdev, status);
	mutex_unlock(&vmdev->xfer_lock);
	if (ret)
		vm_broken(vmdev, "SET_DEVICE_STATUS", ret);
}

/*
 * Draft "Device reset": write status 0, then read it until it reads 0.
 * Caller holds xfer_lock.  Returns 0 once the device confirmed it.
 *
 * A reset is never given up early: a SET_DEVICE_STATUS 0 that failed (the
 * bus withdrew it on timeout) is written again until VMSG_RESET_TIMEOUT_MS
 * is over.  A device that never confirms is wedged: memory it may still
 * use is leaked from then on, never freed (vm_leak_vq()).
 */
static int vm_reset_locked(struct virtio_msg_device *vmdev)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(VMSG_RESET_TIMEOUT_MS);
	bool written = false;
	u32 status = 0;
	int ret;

	for (;;) {
		ret = written ? 0 : vm_set_status_locked(vmdev, 0);
		/*
		 * -ENODEV: the bus says the device is gone (removed, or the
		 * bus itself is broken): no answer will ever come, so do not
		 * wait for one.  Rings it may have used are leaked.
		 */
		if (ret == -ENODEV) {
			if (!vmdev->wedged)
				dev_err(vm_dev(vmdev),
					"dev %u: device gone, reset not possible: rings will be leaked\n",
					vmdev->dev_num);
			vmdev->wedged = true;
			return ret;
		}
		written = !ret;
		if (written) {
			ret = vm_get_status_locked(vmdev, &status);
			if (!ret && !status)
				break;
			if (ret == -ENODEV) {
				written = false;
				continue;
			}
		}
		if (time_after(jiffies, timeout)) {
			if (!vmdev->wedged)
				dev_err(vm_dev(vmdev),
					"dev %u: reset not confirmed in %u ms (%d, status 0x%x): rings it may use will be leaked\n",
					vmdev->dev_num, VMSG_RESET_TIMEOUT_MS, ret, status);
			vmdev->wedged = true;
			return ret ? ret : -ETIMEDOUT;
		}
		msleep(VMSG_RESET_POLL_MS);
	}
	vmdev->quiesced = true;
	vmdev->wedged = false;
	WRITE_ONCE(vmdev->status_set, 0);
	return 0;
}

/*
 * The device may still read or write @vq's rings: take it off the core's
 * list and never free it.  The leak is deliberate: kmemleak is told so
 * (@vq starts virtio_ring's allocation, which holds its other pieces).
 * Caller holds xfer_lock.
 */
static void vm_leak_vq(struct virtio_msg_device *vmdev, struct virtqueue *vq)
{
	spin_lock(&vmdev->vdev.vqs_list_lock);
	list_del(&vq->list);
	spin_unlock(&vmdev->vdev.vqs_list_lock);
	kmemleak_not_leak(vq);
	vmdev->leaked_vqs++;
}

static void vm_reset(struct virtio_device *vdev)
{
	struct virtio_msg_device *vmdev = to_vmdev(vdev);
	int ret;

	/* No callback after a reset: find_vqs starts the watch again. */
	cancel_delayed_work_sync(&vmdev->used_watch);
	mutex_lock(&vmdev->xfer_lock);
	ret = vm_reset_locked(vmdev);
	mutex_unlock(&vmdev->xfer_lock);
	if (ret)
		vm_broken(vmdev, "reset", ret);
}

static bool vm_notify(struct virtqueue *vq)
{
	struct virtio_msg_device *vmdev = to_vmdev(vq->vdev);
	struct vmsg_event_avail *ev;
	struct vmsg msg;
	int ret;

	/*
	 * Runs in atomic context, concurrently with requests: a message of
	 * its own on the stack, never vmdev->req.  Only header + payload
	 * (msg_size bytes) are initialised and sent.
	 */
	ev = vmsg_init(&msg, 0, VMSG_EVENT_AVAIL, vmdev->dev_num, sizeof(*ev));
	ev->vq_index = cpu_to_le32(vq->index);
	/* next_offset is 0 unless VIRTIO_F_NOTIFICATION_DATA, never offered. */
	ev->next_offset = 0;
	/* Traced before the send so a tool sees it before the EVENT_USED. */
	vm_trace(send, &msg.hdr, vq->index, 0);
	ret = vmdev->ops->send(vmdev, &msg);
	if (ret) {
		dev_err_ratelimited(&vq->vdev->dev, "EVENT_AVAIL vq %u failed: %d\n",
				    vq->index, ret);
		return false;
	}
	return true;
}

static u64 vm_get_features(struct virtio_device *vdev)
{
	struct virtio_msg_device *vmdev = to_vmdev(vdev);
	u32 nblocks = min_t(u32, vmdev->info.num_feature_bits / VMSG_FEATURE_BLOCK_BITS,
			    VMSG_MAX_FEATURE_BLOCKS);
	const struct vmsg_features *rs;
	struct vmsg_features *rq;
	u64 features = 0;
	int ret;
	u32 i;

	if (!nblocks)
		return 0;
	mutex_lock(&vmdev->xfer_lock);
	rq = vm_req(vmdev, VMSG_GET_DEVICE_FEATURES, sizeof(*rq));
	rq->block_index = 0;
	rq->num_blocks = cpu_to_le32(nblocks);
	ret = vm_xfer(vmdev, VMSG_TRACE_NO_VQ);
	if (ret)
		goto out_unlock;
	rs = vmsg_cpayload(&vmdev->resp.hdr);
	/* vmsg_validate() tied num_blocks to the payload size. */
	if (le32_to_cpu(rs->block_index) != 0 || le32_to_cpu(rs->num_blocks) != nblocks) {
		ret = -EPROTO;
		goto out_unlock;
	}
	for (i = 0; i < nblocks; i++)
		features |= (u64)le32_to_cpu(rs->features[i]) << (i * VMSG_FEATURE_BLOCK_BITS);
out_unlock:
	mutex_unlock(&vmdev->xfer_lock);
	if (ret) {
		vm_broken(vmdev, "GET_DEVICE_FEATURES", ret);
		return 0;
	}
	return features;
}

static int vm_finalize_features(struct virtio_device *vdev)
{
	struct virtio_msg_device *vmdev = to_vmdev(vdev);
	u32 nblocks = min_t(u32, vmdev->info.num_feature_bits / VMSG_FEATURE_BLOCK_BITS,
			    VMSG_MAX_FEATURE_BLOCKS);
	struct vmsg_features *rq;
	int ret;
	u32 i;

	/* Give virtio_ring a chance to accept features. */
	vring_transport_features(vdev);

	/* virtio-msg has no legacy interface: like modern virtio_mmio. */
	if (!__virtio_test_bit(vdev, VIRTIO_F_VERSION_1)) {
		dev_err(&vdev->dev, "device does not offer VIRTIO_F_VERSION_1\n");
		return -EINVAL;
	}

	/*
	 * The device wants the DMA API for ring and buffer addresses: only a
	 * bus that gave our parent DMA ops and a mask can have it, else
	 * virtio_ring would WARN and fail on every mapping.
	 */
	if (__virtio_test_bit(vdev, VIRTIO_F_ACCESS_PLATFORM) && !vmdev->access_platform) {
		dev_err(&vdev->dev,
			"device offers VIRTIO_F_ACCESS_PLATFORM, which bus %s does not support\n",
			dev_name(vm_dev(vmdev)));
		return -EINVAL;
	}

	mutex_lock(&vmdev->xfer_lock);
	rq = vm_req(vmdev, VMSG_SET_DRIVER_FEATURES, sizeof(*rq) + nblocks * sizeof(__le32));
	rq->block_index = 0;
	rq->num_blocks = cpu_to_le32(nblocks);
	for (i = 0; i < nblocks; i++)
		rq->features[i] = cpu_to_le32(vdev->features >> (i * VMSG_FEATURE_BLOCK_BITS));
	ret = vm_xfer(vmdev, VMSG_TRACE_NO_VQ);
	mutex_unlock(&vmdev->xfer_lock);
	return ret;
}

/*
 * Run @vq's callback if its used ring has news, as an EVENT_USED would.
 * Caller holds vq_lock with bottom halves disabled.
 */
static bool vm_vq_interrupt(struct virtqueue *vq)
{
	return vring_interrupt(0, vq) == IRQ_HANDLED;
}

/*
 * Every VMSG_USED_WATCH_MS while virtqueues exist: if no EVENT_USED came
 * since the last look, look at every used ring, so that a lost event costs
 * latency, not the device.  The event path only sets a flag.
 */
static void vm_used_watch(struct work_struct *work)
{
	struct virtio_msg_device *vmdev = container_of(to_delayed_work(work),
						       struct virtio_msg_device, used_watch);
	struct virtqueue *vq;
	unsigned int i, n = 0;
	unsigned long flags;

	if (READ_ONCE(vmdev->used_seen)) {
		WRITE_ONCE(vmdev->used_seen, false);
	} else {
		local_bh_disable();
		spin_lock_irqsave(&vmdev->vq_lock, flags);
		for (i = 0; i < vmdev->nvqs; i++) {
			vq = vmdev->vqs[i];
			if (!vq)
				continue;
			if (vm_vq_interrupt(vq))
				n++;
			/*
			 * Buffers out and nothing back: the EVENT_AVAIL may
			 * be what was lost.  A spurious one costs a look.
			 */
			if (vq->num_free < virtqueue_get_vring_size(vq))
				virtqueue_notify(vq);
		}
		spin_unlock_irqrestore(&vmdev->vq_lock, flags);
		local_bh_enable();
	}
	if (n) {
		vmdev->used_rescued += n;
		dev_warn_ratelimited(&vmdev->vdev.dev,
				     "used buffers without EVENT_USED for %u ms: %u queues run (%lu in all)\n",
				     VMSG_USED_WATCH_MS, n, vmdev->used_rescued);
	}
	schedule_delayed_work(&vmdev->used_watch, msecs_to_jiffies(VMSG_USED_WATCH_MS));
}

static void vm_del_vqs(struct virtio_device *vdev)
{
	struct virtio_msg_device *vmdev = to_vmdev(vdev);
	struct virtqueue *vq, *n;
	unsigned long flags;
	unsigned int leaked;

	cancel_delayed_work_sync(&vmdev->used_watch);
	/* Detach first, so no new event reaches a queue being freed... */
	spin_lock_irqsave(&vmdev->vq_lock, flags);
	list_for_each_entry(vq, &vdev->vqs, list)
		if (vq->index < vmdev->nvqs)
			vmdev->vqs[vq->index] = NULL;
	spin_unlock_irqrestore(&vmdev->vq_lock, flags);
	/* ...and wait out events that found one before that. */
	vmdev->ops->synchronize(vmdev);

	/*
	 * Rings go only to a device that confirmed a reset: drivers reset
	 * before del_vqs, find_vqs's error path does not.  RESET_VQUEUE is
	 * not an option: it needs VIRTIO_F_RING_RESET, which the 6.1 core
	 * never negotiates (vring_transport_features() clears it).
	 */
	mutex_lock(&vmdev->xfer_lock);
	/* A wedged device already had its VMSG_RESET_TIMEOUT_MS. */
	if (!vmdev->quiesced && !vmdev->wedged)
		vm_reset_locked(vmdev);
	leaked = vmdev->leaked_vqs;
	list_for_each_entry_safe(vq, n, &vdev->vqs, list) {
		if (vmdev->quiesced)
			vring_del_virtqueue(vq);
		else
			vm_leak_vq(vmdev, vq);
	}
	if (vmdev->leaked_vqs != leaked)
		dev_err(&vdev->dev, "no confirmed reset: %u virtqueues leaked, not freed (%u in all)\n",
			vmdev->leaked_vqs - leaked, vmdev->leaked_vqs);
	mutex_unlock(&vmdev->xfer_lock);
}

static void vm_synchronize_cbs(struct virtio_device *vdev)
{
	struct virtio_msg_device *vmdev = to_vmdev(vdev);

	vmdev->ops->synchronize(vmdev);
}

/*
 * GET_VQUEUE @index; caller holds xfer_lock.  On success the answer is in
 * vmdev->resp, its index checked.
 */
static const struct vmsg_vqueue_info *vm_get_vq_locked(struct virtio_msg_device *vmdev,
						       unsigned int index, int *err)
{
	const struct vmsg_vqueue_info *rs;
	struct vmsg_index *rq;

	rq = vm_req(vmdev, VMSG_GET_VQUEUE, sizeof(*rq));
	rq->index = cpu_to_le32(index);
	*err = vm_xfer(vmdev, index);
	if (*err)
		return NULL;
	rs = vmsg_cpayload(&vmdev->resp.hdr);
	if (le32_to_cpu(rs->index) != index) {
		dev_err(&vmdev->vdev.dev, "GET_VQUEUE %u answered for vq %u\n",
			index, le32_to_cpu(rs->index));
		*err = -EPROTO;
		return NULL;
	}
	return rs;
}

/*
 * Draft: a device may refuse SET_VQUEUE and still answer it; the driver
 * reads the queue back.  Caller holds xfer_lock, vmdev->req holds the
 * SET_VQUEUE that was answered.
 */
static int vm_confirm_vq(struct virtio_msg_device *vmdev, unsigned int index)
{
	const struct vmsg_vqueue_set set = *(const struct vmsg_vqueue_set *)
		vmsg_cpayload(&vmdev->req.hdr);
	const struct vmsg_vqueue_info *rs;
	int ret;

	rs = vm_get_vq_locked(vmdev, index, &ret);
	if (!rs)
		return ret;
	if (rs->cur_size != set.size || rs->desc_addr != set.desc_addr ||
	    rs->driver_addr != set.driver_addr || rs->device_addr != set.device_addr) {
		dev_err(&vmdev->vdev.dev,
			"vq %u: device did not take SET_VQUEUE (size %u, asked %u)\n",
			index, le32_to_cpu(rs->cur_size), le32_to_cpu(set.size));
		return -EIO;
	}
	return 0;
}

static struct virtqueue *vm_setup_vq(struct virtio_device *vdev, unsigned int index,
				     void (*callback)(struct virtqueue *vq),
				     const char *name, bool ctx)
{
	struct virtio_msg_device *vmdev = to_vmdev(vdev);
	const struct vmsg_vqueue_info *rs;
	struct vmsg_vqueue_set *set;
	struct virtqueue *vq;
	unsigned long flags;
	u32 max_size, cur_size;
	int ret;

	if (index >= vmdev->nvqs)
		return ERR_PTR(-ENOENT);

	mutex_lock(&vmdev->xfer_lock);
	rs = vm_get_vq_locked(vmdev, index, &ret);
	if (!rs) {
		mutex_unlock(&vmdev->xfer_lock);
		return ERR_PTR(ret);
	}
	max_size = le32_to_cpu(rs->max_size);
	cur_size = le32_to_cpu(rs->cur_size);
	mutex_unlock(&vmdev->xfer_lock);
	/* Draft GET_VQUEUE: max_size 0 = queue not usable. */
	if (!max_size)
		return ERR_PTR(-ENOENT);
	/* cur_size != 0: configured, though the device was reset (as mmio). */
	if (cur_size) {
		dev_err(&vdev->dev, "vq %u already set up (size %u)\n", index, cur_size);
		return ERR_PTR(-ENOENT);
	}

	vq = vring_create_virtqueue(index, min_t(u32, max_size, VMSG_VQ_DEFAULT_SIZE),
				    SMP_CACHE_BYTES, vdev, true, true, ctx, vm_notify,
				    callback, name);
	if (!vq)
		return ERR_PTR(-ENOMEM);

	mutex_lock(&vmdev->xfer_lock);
	/* From here on the device may hold this ring, even if SET_VQUEUE fails. */
	vmdev->quiesced = false;
	set = vm_req(vmdev, VMSG_SET_VQUEUE, sizeof(*set));
	set->index = cpu_to_le32(index);
	set->size = cpu_to_le32(virtqueue_get_vring_size(vq));
	set->desc_addr = cpu_to_le64(virtqueue_get_desc_addr(vq));
	set->driver_addr = cpu_to_le64(virtqueue_get_avail_addr(vq));
	set->device_addr = cpu_to_le64(virtqueue_get_used_addr(vq));
	ret = vm_xfer(vmdev, index);
	if (!ret)
		ret = vm_confirm_vq(vmdev, index);
	if (ret)
		goto err_reset;
	mutex_unlock(&vmdev->xfer_lock);

	spin_lock_irqsave(&vmdev->vq_lock, flags);
	vmdev->vqs[index] = vq;
	spin_unlock_irqrestore(&vmdev->vq_lock, flags);
	return vq;

err_reset:
	/* The device may have taken the ring all the same. */
	if (vm_reset_locked(vmdev)) {
		vm_leak_vq(vmdev, vq);
		dev_err(&vdev->dev, "vq %u: SET_VQUEUE failed, no confirmed reset: ring leaked\n",
			index);
	} else {
		vring_del_virtqueue(vq);
	}
	mutex_unlock(&vmdev->xfer_lock);
	return ERR_PTR(ret);
}

static int vm_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
		       struct virtqueue *vqs[], vq_callback_t *callbacks[],
		       const char * const names[], const bool *ctx,
		       struct irq_affinity *desc)
{
	unsigned int i, queue_idx = 0;

	for (i = 0; i < nvqs; ++i) {
		/* 6.1: a NULL name means no queue, and uses no index. */
		if (!names[i]) {
			vqs[i] = NULL;
			continue;
		}
		vqs[i] = vm_setup_vq(vdev, queue_idx++, callbacks[i], names[i],
				     ctx ? ctx[i] : false);
		if (IS_ERR(vqs[i])) {
			int ret = PTR_ERR(vqs[i]);

			vm_del_vqs(vdev);
			return ret;
		}
	}
	schedule_delayed_work(&to_vmdev(vdev)->used_watch, msecs_to_jiffies(VMSG_USED_WATCH_MS));
	return 0;
}

static const char *vm_bus_name(struct virtio_device *vdev)
{
	return dev_name(vdev->dev.parent);
}

static bool vm_get_shm_region(struct virtio_device *vdev, struct virtio_shm_region *region,
			      u8 id)
{
	struct virtio_msg_device *vmdev = to_vmdev(vdev);
	const struct vmsg_shm *rs;
	struct vmsg_index *rq;
	bool found = false;

	mutex_lock(&vmdev->xfer_lock);
	rq = vm_req(vmdev, VMSG_GET_SHM, sizeof(*rq));
	rq->index = cpu_to_le32(id);
	if (vm_xfer(vmdev, VMSG_TRACE_NO_VQ))
		goto out_unlock;
	rs = vmsg_cpayload(&vmdev->resp.hdr);
	if (le32_to_cpu(rs->index) != id) {
		dev_err_ratelimited(&vdev->dev, "GET_SHM %u answered for %u\n",
				    id, le32_to_cpu(rs->index));
		goto out_unlock;
	}
	/* Draft GET_SHM: length 0 = no such region. */
	region->len = le64_to_cpu(rs->length);
	region->addr = le64_to_cpu(rs->address);
	found = region->len != 0;
out_unlock:
	mutex_unlock(&vmdev->xfer_lock);
	return found;
}

static const struct virtio_config_ops virtio_msg_config_ops = {
	.get			= vm_get,
	.set			= vm_set,
	.generation		= vm_generation,
	.get_status		= vm_get_status,
	.set_status		= vm_set_status,
	.reset			= vm_reset,
	.find_vqs		= vm_find_vqs,
	.del_vqs		= vm_del_vqs,
	.synchronize_cbs	= vm_synchronize_cbs,
	.get_features		= vm_get_features,
	.finalize_features	= vm_finalize_features,
	.bus_name		= vm_bus_name,
	.get_shm_region		= vm_get_shm_region,
};

static void virtio_msg_release_dev(struct device *dev)
{
	struct virtio_msg_device *vmdev = to_vmdev(dev_to_virtio(dev));
	struct virtqueue **vqs;
	unsigned long flags;

	/*
	 * The bus may deliver events until ops->release: a late one must find
	 * no array, so the bound goes with it, under the lock events take.
	 */
	spin_lock_irqsave(&vmdev->vq_lock, flags);
	vqs = vmdev->vqs;
	vmdev->vqs = NULL;
	vmdev->nvqs = 0;
	spin_unlock_irqrestore(&vmdev->vq_lock, flags);
	kfree(vqs);
	mutex_destroy(&vmdev->xfer_lock);
	vmdev->ops->release(vmdev);
}

/* GET_DEVICE_INFO: the only message allowed before the device is active. */
static int virtio_msg_get_info(struct virtio_msg_device *vmdev)
{
	const struct vmsg_device_info *rs;
	int ret;

	mutex_lock(&vmdev->xfer_lock);
	vm_req(vmdev, VMSG_GET_DEVICE_INFO, 0);
	ret = vm_xfer(vmdev, VMSG_TRACE_NO_VQ);
	if (ret)
		goto out_unlock;
	rs = vmsg_cpayload(&vmdev->resp.hdr);
	vmdev->info.device_id = le32_to_cpu(rs->device_id);
	vmdev->info.vendor_id = le32_to_cpu(rs->vendor_id);
	vmdev->info.num_feature_bits = le32_to_cpu(rs->num_feature_bits);
	vmdev->info.config_size = le32_to_cpu(rs->config_size);
	vmdev->info.max_virtqueues = le32_to_cpu(rs->max_virtqueues);
	/* Device id 0 is reserved (virtio 1.3 "Device Types"). */
	if (!vmdev->info.device_id ||
	    vmdev->info.num_feature_bits % VMSG_FEATURE_BLOCK_BITS ||
	    vmdev->info.max_virtqueues > VMSG_MAX_VQS ||
	    vmdev->info.config_size > VMSG_SIZE_LIMIT) {
		dev_err(vm_dev(vmdev),
			"dev %u: bad device info: id %u features %u config %u vqs %u\n",
			vmdev->dev_num, vmdev->info.device_id, vmdev->info.num_feature_bits,
			vmdev->info.config_size, vmdev->info.max_virtqueues);
		ret = -EPROTO;
	}
out_unlock:
	mutex_unlock(&vmdev->xfer_lock);
	return ret;
}

/**
 * virtio_msg_register - register a device found on a virtio-msg bus
 * @parent: the bus's device, parent of the virtio device
 * @vmdev: the device; the bus has set @ops, @bus_priv, @dev_num and
 *	@max_msg_size, the rest must be zero
 *
 * Asks the device for its GET_DEVICE_INFO, then registers a virtio device
 * with the core, which probes a driver for it.  virtio_msg_event() may be
 * called as soon as this function has been entered (a driver's probe
 * needs EVENT_USED before it returns).
 *
 * Ownership: from this call on, whether it succeeds or fails, @vmdev is
 * freed only through @ops->release.  On failure @ops->release has already
 * been called when this returns, and the bus must not touch @vmdev again.
 * The one exception is an @ops table without @release (a bus bug): then
 * -EINVAL is returned and @vmdev stays the caller's.
 *
 * Return: 0 or a negative errno.
 */
int virtio_msg_register(struct device *parent, struct virtio_msg_device *vmdev)
{
	const struct virtio_msg_bus_ops *ops = vmdev->ops;
	int ret;

	if (WARN_ON_ONCE(!ops || !ops->release))
		return -EINVAL;
	vmdev->vdev.dev.parent = parent;
	mutex_init(&vmdev->xfer_lock);
	spin_lock_init(&vmdev->vq_lock);
	INIT_DELAYED_WORK(&vmdev->used_watch, vm_used_watch);
	vmdev->vqs = NULL;
	vmdev->nvqs = 0;

	if (!ops->xfer || !ops->send || !ops->synchronize) {
		dev_err(parent, "dev %u: incomplete bus ops\n", vmdev->dev_num);
		ret = -EINVAL;
		goto err_release;
	}
	if (vmdev->max_msg_size < VMSG_MIN_MSG_SIZE || vmdev->max_msg_size > VMSG_MAX_SIZE) {
		dev_err(parent, "dev %u: bus max message size %u out of range %zu..%u: refused\n",
			vmdev->dev_num, vmdev->max_msg_size, VMSG_MIN_MSG_SIZE, VMSG_MAX_SIZE);
		ret = -EINVAL;
		goto err_release;
	}
	if (vmdev->revision != VMSG_REVISION) {
		dev_err(parent, "dev %u: bus protocol revision %u not supported (only %u): refused\n",
			vmdev->dev_num, vmdev->revision, VMSG_REVISION);
		ret = -EPROTONOSUPPORT;
		goto err_release;
	}

	ret = virtio_msg_get_info(vmdev);
	if (ret)
		goto err_release;

	vmdev->vqs = kcalloc(vmdev->info.max_virtqueues, sizeof(*vmdev->vqs), GFP_KERNEL);
	if (vmdev->info.max_virtqueues && !vmdev->vqs) {
		ret = -ENOMEM;
		goto err_release;
	}
	/* Publish the bound only with the array: events look both up. */
	spin_lock_irq(&vmdev->vq_lock);
	vmdev->nvqs = vmdev->info.max_virtqueues;
	spin_unlock_irq(&vmdev->vq_lock);

	vmdev->vdev.id.device = vmdev->info.device_id;
	vmdev->vdev.id.vendor = vmdev->info.vendor_id;
	vmdev->vdev.dev.release = virtio_msg_release_dev;
	vmdev->vdev.config = &virtio_msg_config_ops;

	ret = register_virtio_device(&vmdev->vdev);
	if (ret) {
		/* 6.1: the device is initialised; release runs on the last put. */
		dev_err(parent, "dev %u: register_virtio_device failed: %d\n",
			vmdev->dev_num, ret);
		put_device(&vmdev->vdev.dev);
		return ret;
	}
	return 0;

err_release:
	kfree(vmdev->vqs);
	mutex_destroy(&vmdev->xfer_lock);
	ops->release(vmdev);
	return ret;
}
EXPORT_SYMBOL_GPL(virtio_msg_register);

/**
 * virtio_msg_unregister - remove a device registered with virtio_msg_register()
 * @vmdev: the device
 *
 * Unbinds the driver (which resets the device and deletes its virtqueues)
 * and drops the transport's reference.  @ops->release runs when the last
 * reference goes, possibly after this returns.  The bus must keep its
 * xfer/send/synchronize working until @ops->release.
 */
void virtio_msg_unregister(struct virtio_msg_device *vmdev)
{
	unregister_virtio_device(&vmdev->vdev);
}
EXPORT_SYMBOL_GPL(virtio_msg_unregister);

/**
 * virtio_msg_break - the bus lost @vmdev for good
 * @vmdev: a device registered with virtio_msg_register()
 *
 * For a bus that finds its peer dead (no PING answer) or a device
 * removed by surprise: the virtqueues are marked broken, so new buffers
 * are refused (-EIO) instead of waiting for a device that will not
 * answer.  The bus must also fail every later @xfer with -ENODEV, which
 * ends a reset at once (rings leaked).  The bus still unregisters the
 * device.  Process context.
 */
void virtio_msg_break(struct virtio_msg_device *vmdev)
{
	dev_err(vm_dev(vmdev), "dev %u: bus reports the device unreachable\n", vmdev->dev_num);
	if (device_is_registered(&vmdev->vdev.dev))
		virtio_break_device(&vmdev->vdev);
}
EXPORT_SYMBOL_GPL(virtio_msg_break);

static int virtio_msg_event_used(struct virtio_msg_device *vmdev, u32 index)
{
	struct virtqueue *vq;
	unsigned long flags;

	/*
	 * virtio_net schedules NAPI from its callback: with bottom halves
	 * disabled here, the softirq runs at local_bh_enable() instead of
	 * being left pending until some unrelated interrupt.
	 */
	local_bh_disable();
	/*
	 * The callback runs under vq_lock, as virtio_mmio's vm_interrupt()
	 * does under its lock: del_vqs cannot free the queue meanwhile.
	 */
	spin_lock_irqsave(&vmdev->vq_lock, flags);
	vq = index < vmdev->nvqs ? vmdev->vqs[index] : NULL;
	if (vq)
		vm_vq_interrupt(vq);
	/* Tested first: the line stays clean while events flow. */
	if (!READ_ONCE(vmdev->used_seen))
		WRITE_ONCE(vmdev->used_seen, true);
	spin_unlock_irqrestore(&vmdev->vq_lock, flags);
	local_bh_enable();

	if (!vq) {
		/* Racing del_vqs, or a device bug: either way nothing to do. */
		dev_dbg(vm_dev(vmdev), "dev %u: EVENT_USED for absent vq %u\n",
			vmdev->dev_num, index);
	}
	return 0;
}

/**
 * virtio_msg_event - deliver one device-to-driver event
 * @vmdev: the device the bus received it for
 * @msg: the message, as received (not yet validated)
 * @len: bytes received
 *
 * Called by the bus in process or softirq context, never in hardirq
 * context, from the moment virtio_msg_register() has been entered until
 * @ops->release.  Accepts EVENT_USED and EVENT_CONFIG.
 *
 * A malformed event is dropped with -EPROTO and a ratelimited error; it
 * does not break the device (draft: malformed messages are dropped), so
 * one corrupted message costs at most a missed notification.
 *
 * Return: 0 or -EPROTO.
 */
int virtio_msg_event(struct virtio_msg_device *vmdev, const struct vmsg_hdr *msg, size_t len)
{
	int ret;

	ret = vmsg_validate(msg, len, vmdev->max_msg_size);
	if (!ret && (vmsg_is_response(msg) || vmsg_is_bus(msg) ||
		     vmsg_dev_num(msg) != vmdev->dev_num ||
		     (msg->msg_id != VMSG_EVENT_USED && msg->msg_id != VMSG_EVENT_CONFIG)))
		ret = -EPROTO;
	if (ret) {
		/* Only a header that passed the size check may be traced. */
		if (msg && len >= VMSG_HDR_SIZE)
			vm_trace(recv, msg, VMSG_TRACE_NO_VQ, ret);
		dev_err_ratelimited(vm_dev(vmdev), "dev %u: bad event (%d), dropped\n",
				    vmdev->dev_num, ret);
		return -EPROTO;
	}

	if (msg->msg_id == VMSG_EVENT_USED) {
		u32 index = le32_to_cpu(((const struct vmsg_event_used *)
					 vmsg_cpayload(msg))->vq_index);

		vm_trace(recv, msg, index, 0);
		return virtio_msg_event_used(vmdev, index);
	}

	vm_trace(recv, msg, VMSG_TRACE_NO_VQ, 0);
	/*
	 * vdev.config_lock is initialised by register_virtio_device(); before
	 * device_add() no driver can want the change anyway.
	 */
	if (device_is_registered(&vmdev->vdev.dev))
		virtio_config_changed(&vmdev->vdev);
	return 0;
}
EXPORT_SYMBOL_GPL(virtio_msg_event);

MODULE_DESCRIPTION("virtio-msg transport");
MODULE_LICENSE("GPL");

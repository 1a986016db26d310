// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-msg loopback bus (virtio_msg_loop.ko)
 *
 * Plays the device side of virtio-msg inside the same kernel, so the
 * transport (virtio_msg.ko) and stock virtio drivers can be run and
 * measured without a second processor.  Modelled on drivers/vdpa/vdpa_sim:
 * this file is the bus (device registry, GET_DEVICES, the bus ops the
 * transport calls, device creation and teardown, stats); device.c is the
 * device side of the protocol and its kthread; ring.c is the device-side
 * split ring; blk.c and net.c only say what their device does with a
 * chain and how many of it there are.
 *
 * Layout.  A root device "virtio-msg-loop" parents every device.  At load
 * each model in vmsg_loop_models[] creates its instances, which are found
 * again with a bus GET_DEVICES request and registered with the transport.
 *
 * Device context.  Each device has a kthread of its own (device.c), as a
 * remote processor would: xfer hands a request over and sleeps until the
 * response or timeout_ms.  The send op runs under the driver's vq lock
 * with interrupts off and must not call back into the transport: by
 * default (mode=thread, mode=poll) it only sets a bit and wakes the
 * kthread; mode=inline (mode.c) handles the queue in the sender's context
 * and delivers the EVENT_USED from a tasklet.
 *
 * Requests and late answers.  One request slot per device (ld->slot).
 * Each request gets a new token; the kthread's answer is taken only if an
 * xfer still waits for that token, and is copied into the slot, never the
 * caller's buffer: an answer that comes after a timeout is dropped and
 * touches no freed memory.
 *
 * Lifetime.  After virtio_msg_register() a device is freed only from the
 * release op.  Release stops the kthread and forgets the rings; the memory
 * of a peer pair is freed when both ends are released, because each end's
 * kthread fills the other's RX queue.  Module exit unregisters every
 * device and waits for every release.
 *
 * Bus messages (GET_DEVICES, PING, EVENT_DEVICE) and the bus limits are in
 * busmsg.c, run-time device changes (add, remove, resize, link) in
 * hotplug.c.
 *
 * Knobs (module parameters, see MODULE_PARM_DESC): delay_ns, timeout_ms,
 * thread_nice here; mode, poll_us, inline_defer in mode.c; batch,
 * event_idx, zerocopy in device.c; fault, fault_count, fault_probability,
 * fault_seed and the debugfs files in fault.c; counters in
 * /sys/devices/virtio-msg-loop/stats.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

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

/* ---- knobs ---------------------------------------------------------- */

static unsigned int vmsg_loop_delay_ns;
unsigned int vmsg_loop_timeout_ms = 1000;

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

/* Setter and getter bodies for string-valued knobs (mode, fault). */
int vmsg_loop_set_enum(const char *val, const struct kernel_param *kp,
		       const char * const *names, size_t n)
{
	int i = __sysfs_match_string(names, n, val);
	char list[160];
	size_t j, len = 0;

	if (i >= 0) {
		WRITE_ONCE(*(int *)kp->arg, i);
		return 0;
	}
	for (j = 0; j < n; j++)
		len += scnprintf(list + len, sizeof(list) - len, "%s%s", j ? ", " : "", names[j]);
	pr_err("%s: not one of %s: %s\n", kp->name, list, val);
	return -EINVAL;
}

int vmsg_loop_get_enum(char *buf, const struct kernel_param *kp, const char * const *names)
{
	return sysfs_emit(buf, "%s\n", names[READ_ONCE(*(int *)kp->arg)]);
}

vmsg_loop_param_uint(delay_ns, vmsg_loop_delay_ns, 0, VMSG_LOOP_DELAY_MAX_NS, 0644);
MODULE_PARM_DESC(delay_ns, "Bus cost per message in either direction, ns, busy-waited by the sender (0..1000000, default 0)");
vmsg_loop_param_uint(timeout_ms, vmsg_loop_timeout_ms, 1, VMSG_LOOP_TIMEOUT_MAX_MS, 0644);
MODULE_PARM_DESC(timeout_ms, "How long a request waits for its response, ms (1..60000, default 1000)");

/* ---- registry -------------------------------------------------------- */

struct device *vmsg_loop_root;
/* Protects vmsg_loop_devs and each device's list, peer, state. */
DEFINE_MUTEX(vmsg_loop_lock);
LIST_HEAD(vmsg_loop_devs);

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
		if (ld->task && ld->state < VMSG_LOOP_STOPPING)
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
/* The device models, in the order their devices are numbered. */
static const struct vmsg_loop_model * const vmsg_loop_models[] = {
	&vmsg_blk_model,
	&vmsg_net_model,
};

/* Devices created and not yet released; module exit waits for 0. */
static atomic_t vmsg_loop_live = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(vmsg_loop_release_wq);
/* Runs releases (vmsg_loop_release_work()). */
static struct workqueue_struct *vmsg_loop_wq;

/* The modelled cost of moving one message across the bus. */
void vmsg_loop_bus_cost(void)
{
	unsigned int ns = READ_ONCE(vmsg_loop_delay_ns);

	if (!ns)
		return;
	if (ns >= NSEC_PER_USEC)
		udelay(ns / NSEC_PER_USEC);
	ndelay(ns % NSEC_PER_USEC);
}

/* ---- bus ops (driver side) ------------------------------------------ */

static int vmsg_loop_xfer(struct virtio_msg_device *vmdev, struct vmsg *req, struct vmsg *resp)
{
	struct vmsg_loop_dev *ld = to_loop_dev(vmdev);
	struct vmsg_loop_slot *slot = &ld->slot;
	u16 size = vmsg_size(&req->hdr);
	long left;
	int ret;

	if (size < VMSG_HDR_SIZE || size > sizeof(*req))
		return -EMSGSIZE;
	/* Removed, or the bus is broken (busmsg.c): no answer will come. */
	if (vmsg_loop_gone(ld))
		return -ENODEV;
	vmsg_loop_count(ld, VMSG_STAT_REQ);
	vmsg_loop_count(ld, VMSG_STAT_TO_DEV);
	vmsg_loop_bus_cost();

	spin_lock(&slot->lock);
	slot->token++;
	req->hdr.token = cpu_to_le16(slot->token);
	memcpy(&slot->req, req, size);
	slot->req_pending = true;
	slot->resp_ready = false;
	slot->waiting = true;
	spin_unlock(&slot->lock);
	if (ld->model->notify)
		ld->model->notify(ld);
	else
		wake_up(&ld->wq);

	/* A removal (user.c: the process went away) ends the wait at once. */
	left = wait_event_timeout(slot->wq, READ_ONCE(slot->resp_ready) || vmsg_loop_gone(ld),
				  msecs_to_jiffies(READ_ONCE(vmsg_loop_timeout_ms)));

	spin_lock(&slot->lock);
	if (slot->resp_ready) {
		/* What the device delivered, no more: the transport checks it. */
		memcpy(resp, &slot->resp, slot->resp_len);
		ret = slot->resp_len;
	} else {
		/* Withdraw the request if the device has not taken it yet. */
		slot->req_pending = false;
		ret = vmsg_loop_gone(ld) ? -ENODEV : -ETIMEDOUT;
	}
	slot->waiting = false;
	slot->resp_ready = false;
	spin_unlock(&slot->lock);
	if (ret < 0)
		dev_dbg(vmsg_loop_root, "dev %u: request 0x%02x timed out (%ld)\n",
			vmdev->dev_num, req->hdr.msg_id, left);
	return ret;
}

/*
 * EVENT_AVAIL: any context, interrupts possibly off; never calls back.
 * mode=thread and poll hand the queue to the kthread; mode=inline handles
 * it right here, as an FF-A direct request runs the partition on the
 * caller's CPU, and leaves the EVENT_USED to the tasklet (the notification
 * interrupt), which runs after send returned; with inline_defer the
 * tasklet handles the queue too.
 */
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
	vmsg_loop_count(ld, VMSG_STAT_TO_DEV);
	vmsg_loop_count(ld, VMSG_STAT_AVAIL);
	vmsg_loop_bus_cost();
	vmsg_loop_fault_avail(ld, index);
	return 0;
}

static void vmsg_loop_synchronize(struct virtio_msg_device *vmdev)
{
	struct vmsg_loop_dev *ld = to_loop_dev(vmdev);

	/* Events are delivered under event_lock only. */
	spin_lock_bh(&ld->event_lock);
	spin_unlock_bh(&ld->event_lock);
}

/* Free the queues that were allocated; none is in use any more. */
static void vmsg_loop_free_vqs(struct vmsg_loop_dev *ld)
{
	unsigned int i;

	for (i = 0; i < ld->nvqs; i++) {
		if (!ld->vqs[i])
			continue;
		free_page((unsigned long)ld->vqs[i]->bounce);
		kfree(ld->vqs[i]);
		ld->vqs[i] = NULL;
	}
}

static void vmsg_loop_free(struct vmsg_loop_dev *ld)
{
	lockdep_assert_held(&vmsg_loop_lock);
	list_del(&ld->list);
	/* A peer's kick may have raised it after our release. */
	irq_work_sync(&ld->irq_work);
	tasklet_kill(&ld->tasklet);
	if (ld->priv)
		ld->model->destroy(ld);
	vmsg_loop_free_vqs(ld);
	kfree(ld->config);
	kfree(ld);
}

/* Release, in process context: stop the kthread, forget the rings, free. */
static void vmsg_loop_release_work(struct work_struct *work)
{
	struct vmsg_loop_dev *ld = container_of(work, struct vmsg_loop_dev, release_work);
	unsigned int i;

	/* No nice changes from here on: the task goes away. */
	mutex_lock(&vmsg_loop_lock);
	ld->state = VMSG_LOOP_STOPPING;
	mutex_unlock(&vmsg_loop_lock);
	if (ld->task)
		kthread_stop(ld->task);
	/* Only the kthread arms it: it stays off now. */
	del_timer_sync(&ld->kick_timer);
	/* Raised again only by kicks, which find no ready queue after this. */
	irq_work_sync(&ld->irq_work);
	tasklet_kill(&ld->tasklet);
	/* The peer's kthread may still look at our RX queue: it finds none. */
	for (i = 0; i < ld->nvqs; i++) {
		if (!ld->vqs[i])
			continue;
		spin_lock_irq(&ld->vqs[i]->lock);
		vmsg_loop_vq_reset(ld->vqs[i]);
		spin_unlock_irq(&ld->vqs[i]->lock);
	}
	mutex_lock(&vmsg_loop_lock);
	ld->state = VMSG_LOOP_RELEASED;
	if (!ld->peer || ld->peer->state == VMSG_LOOP_RELEASED) {
		if (ld->peer)
			vmsg_loop_free(ld->peer);
		vmsg_loop_free(ld);
	}
	mutex_unlock(&vmsg_loop_lock);
	if (atomic_dec_and_test(&vmsg_loop_live))
		wake_up(&vmsg_loop_release_wq);
}

/*
 * The transport is done with @vmdev: from the return of this op no event
 * may reach it, although the kthread runs until the release work stops it.
 * Events are delivered under event_lock, so: mark the device gone under
 * it, which also waits for an event in flight, unless the release comes
 * from inside that event (the kthread dropping the last reference).  The
 * transport calls this from put_device() in process context (unregister,
 * a failed register); the rest, stopping the kthread and freeing, runs on
 * our workqueue, which module exit destroys (and so waits for) only after
 * every release.
 */
void vmsg_loop_release(struct virtio_msg_device *vmdev)
{
	struct vmsg_loop_dev *ld = to_loop_dev(vmdev);

	if (current == ld->task) {
		ld->gone = true;	/* our own event_lock section */
	} else {
		spin_lock_bh(&ld->event_lock);
		ld->gone = true;
		spin_unlock_bh(&ld->event_lock);
	}
	INIT_WORK(&ld->release_work, vmsg_loop_release_work);
	queue_work(vmsg_loop_wq, &ld->release_work);
}

/**
 * vmsg_loop_avail_deliver - an EVENT_AVAIL reaches the device
 * @ld: the device
 * @index: the queue the driver kicked
 *
 * By bus model: handled at once on the sender's CPU (mode=inline, as an
 * FF-A direct request runs the partition), else the device thread is woken.
 * Fault injection (fault.c) calls it for every EVENT_AVAIL it lets through.
 */
void vmsg_loop_avail_deliver(struct vmsg_loop_dev *ld, unsigned int index)
{
	if (vmsg_loop_mode_get() == VMSG_MODE_INLINE && !vmsg_loop_inline_defer())
		vmsg_loop_process_vq(ld, ld->vqs[index], true);
	else
		vmsg_loop_kick(ld, index);
}

static const struct virtio_msg_bus_ops vmsg_loop_bus_ops = {
	.xfer = vmsg_loop_xfer,
	.send = vmsg_loop_send,
	.synchronize = vmsg_loop_synchronize,
	.release = vmsg_loop_release,
};

/* ---- device creation and teardown ----------------------------------- */

/* The model's @ld->nvqs queues; on error the caller frees what was allocated. */
static int vmsg_loop_alloc_vqs(struct vmsg_loop_dev *ld)
{
	struct vmsg_loop_vq *vq;
	unsigned int i;

	for (i = 0; i < ld->nvqs; i++) {
		vq = kzalloc(sizeof(*vq), GFP_KERNEL);
		if (!vq)
			return -ENOMEM;
		ld->vqs[i] = vq;
		vq->ld = ld;
		vq->index = i;
		spin_lock_init(&vq->lock);
		vq->bounce = (void *)__get_free_page(GFP_KERNEL);
		if (!vq->bounce)
			return -ENOMEM;
	}
	return 0;
}

/* A device whose model data @priv exists before model->init (user.c). */
struct vmsg_loop_dev *vmsg_loop_create_priv(const struct vmsg_loop_model *model,
					    unsigned int index, u16 dev_num, void *priv)
{
	struct vmsg_loop_dev *ld;
	int ret;

	ld = kzalloc(sizeof(*ld), GFP_KERNEL);
	if (!ld)
		return ERR_PTR(-ENOMEM);
	ld->model = model;
	ld->priv = priv;
	ld->index = index;
	INIT_LIST_HEAD(&ld->list);
	init_waitqueue_head(&ld->wq);
	timer_setup(&ld->kick_timer, vmsg_loop_kick_timer, 0);
	init_waitqueue_head(&ld->slot.wq);
	spin_lock_init(&ld->slot.lock);
	spin_lock_init(&ld->event_lock);
	init_irq_work(&ld->irq_work, vmsg_loop_irq_work);
	tasklet_setup(&ld->tasklet, vmsg_loop_tasklet);
	ld->vmdev.ops = &vmsg_loop_bus_ops;
	ld->vmdev.bus_priv = ld;
	ld->vmdev.dev_num = dev_num;
	vmsg_loop_bus_limits(&ld->vmdev);
	/* The root device maps into the window (window.c). */
	ld->vmdev.access_platform = vmsg_loop_window_on();

	ret = model->init(ld, index);
	if (ret)
		goto err_free;
	if (WARN_ON_ONCE(!ld->nvqs || ld->nvqs > VMSG_LOOP_MAX_VQS)) {
		ret = -EINVAL;
		goto err_destroy;
	}
	ret = vmsg_loop_alloc_vqs(ld);
	if (ret)
		goto err_vqs;
	/* A device side elsewhere (model->notify) needs no kthread. */
	if (!model->notify) {
		ld->task = kthread_create(vmsg_loop_thread, ld, "vmsg-loop/%u", dev_num);
		if (IS_ERR(ld->task)) {
			ret = PTR_ERR(ld->task);
			ld->task = NULL;
			goto err_vqs;
		}
	}
	mutex_lock(&vmsg_loop_lock);
	if (ld->task)
		set_user_nice(ld->task, vmsg_loop_thread_nice);
	list_add_tail(&ld->list, &vmsg_loop_devs);
	mutex_unlock(&vmsg_loop_lock);
	atomic_inc(&vmsg_loop_live);
	if (ld->task)
		wake_up_process(ld->task);
	return ld;

err_vqs:
	vmsg_loop_free_vqs(ld);
err_destroy:
	model->destroy(ld);
err_free:
	kfree(ld->config);
	kfree(ld);
	pr_err("%s%u: cannot create device: %d\n", model->name, index, ret);
	return ERR_PTR(ret);
}

struct vmsg_loop_dev *vmsg_loop_create(const struct vmsg_loop_model *model, unsigned int index,
				       u16 dev_num)
{
	return vmsg_loop_create_priv(model, index, dev_num, NULL);
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
			if (ld->state == VMSG_LOOP_REGISTERED) {
				ld->state = VMSG_LOOP_HANDED;
				unreg = true;
				target = ld;
				break;
			}
			if (ld->state < VMSG_LOOP_HANDED) {
				ld->state = VMSG_LOOP_HANDED;
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

/* Every model's instances, in table order: device numbers follow it. */
static int vmsg_loop_create_all(void)
{
	const struct vmsg_loop_model *model;
	struct vmsg_loop_dev *ld, *prev = NULL;
	unsigned int m, i, n;
	u16 dev_num = 0;

	for (m = 0; m < ARRAY_SIZE(vmsg_loop_models); m++) {
		model = vmsg_loop_models[m];
		n = model->instances();
		for (i = 0; i < n; i++) {
			ld = vmsg_loop_create(model, i, dev_num++);
			if (IS_ERR(ld))
				return PTR_ERR(ld);
			if (!model->paired || i % 2 == 0) {
				prev = ld;
				continue;
			}
			/* Before any driver exists: no kthread looks at peer yet. */
			mutex_lock(&vmsg_loop_lock);
			prev->peer = ld;
			ld->peer = prev;
			mutex_unlock(&vmsg_loop_lock);
		}
	}
	return 0;
}

void vmsg_loop_register_all(void)
{
	struct vmsg_loop_dev *ld, *target;
	int ret;

	for (;;) {
		target = NULL;
		mutex_lock(&vmsg_loop_lock);
		list_for_each_entry(ld, &vmsg_loop_devs, list) {
			if (ld->state == VMSG_LOOP_FOUND) {
				ld->state = VMSG_LOOP_HANDED;
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
		target->state = VMSG_LOOP_REGISTERED;
		mutex_unlock(&vmsg_loop_lock);
	}
}

/* ---- stats ------------------------------------------------------------ */

static const char * const vmsg_loop_stat_names[VMSG_STAT_NR] = {
	[VMSG_STAT_TO_DEV] = "to_dev",
	[VMSG_STAT_TO_DRV] = "to_drv",
	[VMSG_STAT_AVAIL] = "avail",
	[VMSG_STAT_USED] = "used",
	[VMSG_STAT_REQ] = "req",
	[VMSG_STAT_CHAINS] = "chains",
	[VMSG_STAT_SUPPRESSED] = "suppressed",
	[VMSG_STAT_FAULTS] = "faults",
	[VMSG_STAT_DROPPED] = "dropped",
	[VMSG_STAT_NOBUF] = "nobuf",
	[VMSG_STAT_ERRORS] = "errors",
};

/* One line per device: "dev N model name value name value ...". */
static ssize_t stats_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vmsg_loop_dev *ld;
	unsigned int i;
	int len = 0;

	mutex_lock(&vmsg_loop_lock);
	list_for_each_entry(ld, &vmsg_loop_devs, list) {
		len += sysfs_emit_at(buf, len, "dev %u %s", ld->vmdev.dev_num, ld->model->name);
		for (i = 0; i < VMSG_STAT_NR; i++)
			len += sysfs_emit_at(buf, len, " %s %lld", vmsg_loop_stat_names[i],
					     (long long)atomic64_read(&ld->stats[i]));
		len += sysfs_emit_at(buf, len, "\n");
	}
	mutex_unlock(&vmsg_loop_lock);
	return len;
}

static ssize_t stats_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct vmsg_loop_dev *ld;
	unsigned int i;

	if (!sysfs_streq(buf, "0")) {
		pr_err("stats: write 0 to reset the counters\n");
		return -EINVAL;
	}
	mutex_lock(&vmsg_loop_lock);
	list_for_each_entry(ld, &vmsg_loop_devs, list)
		for (i = 0; i < VMSG_STAT_NR; i++)
			atomic64_set(&ld->stats[i], 0);
	mutex_unlock(&vmsg_loop_lock);
	return count;
}
static DEVICE_ATTR_RW(stats);

/* ---- module ----------------------------------------------------------- */

static int __init vmsg_loop_init(void)
{
	int ret;

	vmsg_loop_ram_init();
	vmsg_loop_fault_init();
	vmsg_loop_wq = alloc_workqueue("vmsg_loop", 0, 0);
	if (!vmsg_loop_wq) {
		ret = -ENOMEM;
		goto err_fault;
	}
	vmsg_loop_root = root_device_register("virtio-msg-loop");
	if (IS_ERR(vmsg_loop_root)) {
		ret = PTR_ERR(vmsg_loop_root);
		goto err_wq;
	}
	ret = vmsg_loop_window_init(vmsg_loop_root);
	if (ret) {
		pr_err("cannot allocate the DMA window: %d\n", ret);
		goto err_root;
	}
	ret = device_create_file(vmsg_loop_root, &dev_attr_stats);
	if (ret)
		goto err_window;
	ret = vmsg_loop_create_all();
	if (ret)
		goto err_devices;
	ret = vmsg_loop_enumerate();
	if (ret) {
		pr_err("GET_DEVICES enumeration failed: %d\n", ret);
		goto err_devices;
	}
	vmsg_loop_register_all();
	ret = vmsg_loop_hotplug_init();
	if (ret)
		goto err_devices;
	ret = vmsg_loop_user_init();
	if (ret)
		goto err_hotplug;
	vmsg_loop_ping_start();
	return 0;

err_hotplug:
	vmsg_loop_hotplug_exit();

err_devices:
	vmsg_loop_teardown();
	device_remove_file(vmsg_loop_root, &dev_attr_stats);
err_window:
	vmsg_loop_window_exit(vmsg_loop_root);
err_root:
	root_device_unregister(vmsg_loop_root);
err_wq:
	destroy_workqueue(vmsg_loop_wq);
err_fault:
	vmsg_loop_fault_exit();
	return ret;
}

static void __exit vmsg_loop_exit(void)
{
	/* No add, remove or PING from here on, and none in progress. */
	vmsg_loop_user_exit();
	vmsg_loop_hotplug_exit();
	vmsg_loop_ping_stop();
	vmsg_loop_teardown();
	device_remove_file(vmsg_loop_root, &dev_attr_stats);
	vmsg_loop_window_exit(vmsg_loop_root);
	root_device_unregister(vmsg_loop_root);
	/* Every release work has run; wait until the last one returned. */
	destroy_workqueue(vmsg_loop_wq);
	vmsg_loop_fault_exit();
}

module_init(vmsg_loop_init);
module_exit(vmsg_loop_exit);
MODULE_DESCRIPTION("virtio-msg loopback bus with blk and net device models");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-msg loopback bus: bus messages (draft 2025-12-01, "Bus messages")
 * and the limits the bus advertises.
 *
 * Both ends of the bus are in this module, so every bus message is one
 * function call from the driver side (vmsg_loop_bus_xfer()) to the device
 * side (vmsg_loop_bus_answer()) and back, or for an event from the device
 * side (vmsg_loop_announce()) to the driver side (vmsg_loop_bus_event()).
 * Each answer is validated as the transport validates its own.
 *
 *  - GET_DEVICES: the device numbers in use, a page of enum_count numbers
 *    per request; the driver side follows next_offset and refuses one that
 *    does not increase (enum_badnext=1 makes the device side send one).
 *  - PING: echoes its data.  With ping_ms > 0 the driver side pings every
 *    ping_ms; after VMSG_LOOP_PING_MISSES unanswered pings in a row the bus
 *    is broken: every device is broken (virtio_msg_break()) and every
 *    request fails with -ENODEV from then on, until the module is reloaded.
 *    ping_answer=0 makes the device side stop answering.
 *  - EVENT_DEVICE: READY registers the device with the transport, REMOVED
 *    unregisters it (hotplug.c sends them).
 *
 * Limits: max_msg_size and revision are what the bus tells the transport
 * for each device; the transport refuses values it cannot work with, so
 * these knobs exist to show that it does.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/workqueue.h>

#include "loop.h"

/* Bitmap bytes that fit a GET_DEVICES answer: 8 device numbers each. */
#define VMSG_LOOP_ENUM_MAX (8 * (VMSG_MAX_PAYLOAD - sizeof(struct vmsg_bus_devices)))
/* Unanswered pings in a row that break the bus. */
#define VMSG_LOOP_PING_MISSES 3
#define VMSG_LOOP_PING_MAX_MS 60000

static unsigned int vmsg_loop_enum_count = 64;
static bool vmsg_loop_enum_badnext;
static unsigned int vmsg_loop_max_msg_size = VMSG_MAX_SIZE;
static unsigned int vmsg_loop_revision = VMSG_REVISION;
static unsigned int vmsg_loop_ping_ms;
static bool vmsg_loop_ping_answer = true;

/* Set once the peer stopped answering PING; never cleared. */
static bool vmsg_loop_broken;
/* The PING token and data counter (ping work only). */
static u16 vmsg_loop_bus_token;
static u32 vmsg_loop_ping_data;
static unsigned int vmsg_loop_ping_missed;
static bool vmsg_loop_ping_on;
static void vmsg_loop_ping_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(vmsg_loop_ping, vmsg_loop_ping_work);
/* Serializes ping_ms writes with the start and stop of the work. */
static DEFINE_MUTEX(vmsg_loop_ping_lock);

static int vmsg_loop_set_enum_count(const char *val, const struct kernel_param *kp)
{
	unsigned int v;

	if (kstrtouint(val, 0, &v) || !v || v % 8 || v > VMSG_LOOP_ENUM_MAX) {
		pr_err("%s: not a multiple of 8 in 8..%zu: %s\n", kp->name, VMSG_LOOP_ENUM_MAX,
		       val);
		return -EINVAL;
	}
	WRITE_ONCE(vmsg_loop_enum_count, v);
	return 0;
}

static const struct kernel_param_ops vmsg_loop_enum_count_ops = {
	.set = vmsg_loop_set_enum_count,
	.get = param_get_uint,
};

module_param_cb(enum_count, &vmsg_loop_enum_count_ops, &vmsg_loop_enum_count, 0644);
MODULE_PARM_DESC(enum_count, "Device numbers per GET_DEVICES page, a multiple of 8 (8..2000, default 64)");
module_param_named(enum_badnext, vmsg_loop_enum_badnext, bool, 0644);
MODULE_PARM_DESC(enum_badnext, "Test: GET_DEVICES answers a next_offset that does not increase past a nonzero offset (default 0)");
/* Not range-checked here: the transport must refuse what it cannot use. */
vmsg_loop_param_uint(max_msg_size, vmsg_loop_max_msg_size, 0, VMSG_SIZE_LIMIT, 0444);
MODULE_PARM_DESC(max_msg_size, "Largest message the bus advertises to the transport, bytes (0..65535, default 264; the transport takes 48..264)");
vmsg_loop_param_uint(revision, vmsg_loop_revision, 0, U8_MAX, 0444);
MODULE_PARM_DESC(revision, "Protocol revision the bus advertises (0..255, default 1; the transport takes 1)");

static int vmsg_loop_set_ping_ms(const char *val, const struct kernel_param *kp)
{
	int ret;

	mutex_lock(&vmsg_loop_ping_lock);
	ret = vmsg_loop_set_uint(val, kp, 0, VMSG_LOOP_PING_MAX_MS);
	if (!ret && vmsg_loop_ping_on) {
		vmsg_loop_ping_missed = 0;
		if (vmsg_loop_ping_ms)
			mod_delayed_work(system_wq, &vmsg_loop_ping,
					 msecs_to_jiffies(vmsg_loop_ping_ms));
	}
	mutex_unlock(&vmsg_loop_ping_lock);
	return ret;
}

static const struct kernel_param_ops vmsg_loop_ping_ms_ops = {
	.set = vmsg_loop_set_ping_ms,
	.get = param_get_uint,
};

module_param_cb(ping_ms, &vmsg_loop_ping_ms_ops, &vmsg_loop_ping_ms, 0644);
MODULE_PARM_DESC(ping_ms, "Bus liveness: PING the device side every ping_ms ms, bus broken after 3 unanswered (0..60000, default 0 = off)");
module_param_named(ping_answer, vmsg_loop_ping_answer, bool, 0644);
MODULE_PARM_DESC(ping_answer, "Test: the device side answers PING (default 1); 0: it stops, as a dead peer would");

/* What the bus tells the transport about itself, for each device. */
void vmsg_loop_bus_limits(struct virtio_msg_device *vmdev)
{
	vmdev->max_msg_size = vmsg_loop_max_msg_size;
	vmdev->revision = vmsg_loop_revision;
}

/* Removed, or the whole bus broken: requests fail with -ENODEV. */
bool vmsg_loop_gone(struct vmsg_loop_dev *ld)
{
	return READ_ONCE(vmsg_loop_broken) || READ_ONCE(ld->unplugged);
}

/* ---- device side ------------------------------------------------------ */

/* Is @ld present on the bus, for GET_DEVICES?  vmsg_loop_lock held. */
static bool vmsg_loop_present(const struct vmsg_loop_dev *ld)
{
	return ld->state <= VMSG_LOOP_REGISTERED && !READ_ONCE(ld->unplugged);
}

/* GET_DEVICES: a bitmap of the device numbers in use, LSB first. */
static int vmsg_loop_get_devices(const struct vmsg *req, struct vmsg *resp)
{
	const struct vmsg_bus_devices_req *rq = vmsg_cpayload(&req->hdr);
	u16 off = le16_to_cpu(rq->offset), count = le16_to_cpu(rq->count);
	struct vmsg_bus_devices *rs;
	struct vmsg_loop_dev *ld;
	u16 n, next = 0;

	if (count / 8 > VMSG_MAX_PAYLOAD - sizeof(*rs))
		return -EINVAL;
	rs = vmsg_init(resp, VMSG_TYPE_BUS | VMSG_TYPE_RESPONSE, VMSG_BUS_GET_DEVICES, 0,
		       sizeof(*rs) + count / 8);
	rs->offset = rq->offset;
	rs->count = rq->count;
	mutex_lock(&vmsg_loop_lock);
	list_for_each_entry(ld, &vmsg_loop_devs, list) {
		if (!vmsg_loop_present(ld))
			continue;
		n = ld->vmdev.dev_num;
		if (n >= off && n - off < count)
			rs->bitmap[(n - off) / 8] |= BIT((n - off) % 8);
		else if (n >= off + count)
			next = off + count;
	}
	mutex_unlock(&vmsg_loop_lock);
	if (READ_ONCE(vmsg_loop_enum_badnext) && off)
		next = off;
	rs->next_offset = cpu_to_le16(next);
	return 0;
}

/*
 * The device side of a bus request: the answer in @resp, or -ETIMEDOUT
 * for none (as the driver side would see it after its timeout).
 */
static int vmsg_loop_bus_answer(const struct vmsg *req, struct vmsg *resp)
{
	const struct vmsg_bus_ping *rq = vmsg_cpayload(&req->hdr);
	struct vmsg_bus_ping *rs;
	int ret;

	ret = vmsg_validate(&req->hdr, vmsg_size(&req->hdr), VMSG_MAX_SIZE);
	if (ret || !vmsg_is_bus(&req->hdr) || vmsg_is_response(&req->hdr))
		return -ETIMEDOUT;	/* malformed: dropped */
	switch (req->hdr.msg_id) {
	case VMSG_BUS_GET_DEVICES:
		ret = vmsg_loop_get_devices(req, resp);
		break;
	case VMSG_BUS_PING:
		if (!READ_ONCE(vmsg_loop_ping_answer))
			return -ETIMEDOUT;
		rs = vmsg_init(resp, VMSG_TYPE_BUS | VMSG_TYPE_RESPONSE, VMSG_BUS_PING, 0,
			       sizeof(*rs));
		rs->data = rq->data;
		ret = 0;
		break;
	default:
		return -ETIMEDOUT;
	}
	if (ret)
		return -ETIMEDOUT;
	resp->hdr.token = req->hdr.token;
	return 0;
}

/* ---- driver side ------------------------------------------------------ */

/* One bus request and its validated answer. */
static int vmsg_loop_bus_xfer(struct vmsg *req, struct vmsg *resp)
{
	int ret;

	req->hdr.token = cpu_to_le16(++vmsg_loop_bus_token);
	vmsg_loop_bus_cost();
	ret = vmsg_loop_bus_answer(req, resp);
	if (!ret)
		ret = vmsg_loop_fault_bus(req, resp);
	if (ret)
		return ret;
	vmsg_loop_bus_cost();
	ret = vmsg_validate(&resp->hdr, vmsg_size(&resp->hdr), VMSG_MAX_SIZE);
	if (!ret)
		ret = vmsg_check_response(&req->hdr, &resp->hdr);
	if (!ret && resp->hdr.token != req->hdr.token)
		ret = -EPROTO;
	return ret;
}

/**
 * vmsg_loop_enumerate - find the devices with GET_DEVICES
 *
 * Pages through the device numbers enum_count at a time, following
 * next_offset, which must increase (0 ends): a device side that answers
 * otherwise would keep us looping.  Marks every new device reported as
 * found.  Called at load (and device changes are serialized by then).
 *
 * Return: 0, or -EPROTO for a bad answer, -ETIMEDOUT for none.
 */
int vmsg_loop_enumerate(void)
{
	struct vmsg_bus_devices_req *rq;
	const struct vmsg_bus_devices *rs;
	struct vmsg req, resp;
	struct vmsg_loop_dev *ld;
	unsigned int pages = 0;
	u16 off = 0, count, next;
	int ret;

	do {
		count = READ_ONCE(vmsg_loop_enum_count);
		rq = vmsg_init(&req, VMSG_TYPE_BUS, VMSG_BUS_GET_DEVICES, 0, sizeof(*rq));
		rq->offset = cpu_to_le16(off);
		rq->count = cpu_to_le16(count);
		ret = vmsg_loop_bus_xfer(&req, &resp);
		if (ret)
			return ret;
		rs = vmsg_cpayload(&resp.hdr);
		if (le16_to_cpu(rs->offset) != off || le16_to_cpu(rs->count) != count) {
			pr_err("GET_DEVICES answered offset %u count %u, asked %u %u\n",
			       le16_to_cpu(rs->offset), le16_to_cpu(rs->count), off, count);
			return -EPROTO;
		}
		pages++;
		mutex_lock(&vmsg_loop_lock);
		list_for_each_entry(ld, &vmsg_loop_devs, list) {
			u16 n = ld->vmdev.dev_num;

			if (n >= off && n - off < count &&
			    (rs->bitmap[(n - off) / 8] & BIT((n - off) % 8)) &&
			    ld->state == VMSG_LOOP_NEW)
				ld->state = VMSG_LOOP_FOUND;
		}
		mutex_unlock(&vmsg_loop_lock);
		next = le16_to_cpu(rs->next_offset);
		if (next && next <= off) {
			pr_err("GET_DEVICES next_offset %u does not increase past offset %u: refused\n",
			       next, off);
			return -EPROTO;
		}
		off = next;
	} while (off);
	pr_info("GET_DEVICES: %u page(s) of %u device numbers\n", pages, count);
	return 0;
}

/* EVENT_DEVICE received: register or unregister that device. */
static int vmsg_loop_bus_event(const struct vmsg *msg)
{
	const struct vmsg_bus_event_device *ev = vmsg_cpayload(&msg->hdr);
	struct vmsg_loop_dev *ld, *target = NULL;
	bool unreg = false;
	u16 n, state;
	int ret;

	ret = vmsg_validate(&msg->hdr, vmsg_size(&msg->hdr), VMSG_MAX_SIZE);
	if (!ret && (!vmsg_is_bus(&msg->hdr) || vmsg_is_response(&msg->hdr) ||
		     msg->hdr.msg_id != VMSG_BUS_EVENT_DEVICE))
		ret = -EPROTO;
	if (ret) {
		pr_err("bad bus event (%d), dropped\n", ret);
		return ret;
	}
	n = le16_to_cpu(ev->dev_num);
	state = le16_to_cpu(ev->state);
	mutex_lock(&vmsg_loop_lock);
	list_for_each_entry(ld, &vmsg_loop_devs, list) {
		if (ld->vmdev.dev_num != n || ld->state > VMSG_LOOP_REGISTERED)
			continue;
		if (state == VMSG_DEVICE_STATE_READY && ld->state == VMSG_LOOP_NEW) {
			ld->state = VMSG_LOOP_FOUND;
		} else if (state == VMSG_DEVICE_STATE_REMOVED) {
			unreg = ld->state == VMSG_LOOP_REGISTERED;
			ld->state = VMSG_LOOP_HANDED;
			target = ld;
		}
		break;
	}
	mutex_unlock(&vmsg_loop_lock);
	pr_info("EVENT_DEVICE dev %u state %u\n", n, state);
	if (state == VMSG_DEVICE_STATE_READY)
		vmsg_loop_register_all();
	else if (unreg)
		virtio_msg_unregister(&target->vmdev);
	else if (target)
		vmsg_loop_release(&target->vmdev);
	return 0;
}

/**
 * vmsg_loop_announce - the device side sends EVENT_DEVICE
 * @dev_num: the device
 * @state: VMSG_DEVICE_STATE_READY or VMSG_DEVICE_STATE_REMOVED
 *
 * Process context; the driver side handles it before this returns.
 */
void vmsg_loop_announce(u16 dev_num, u16 state)
{
	struct vmsg_bus_event_device *ev;
	struct vmsg m;

	ev = vmsg_init(&m, VMSG_TYPE_BUS, VMSG_BUS_EVENT_DEVICE, 0, sizeof(*ev));
	ev->dev_num = cpu_to_le16(dev_num);
	ev->state = cpu_to_le16(state);
	vmsg_loop_bus_cost();
	vmsg_loop_bus_event(&m);
}

/* ---- liveness --------------------------------------------------------- */

/* The peer is dead: every device broken, every request -ENODEV. */
static void vmsg_loop_break_bus(void)
{
	struct vmsg_loop_dev *ld;

	WRITE_ONCE(vmsg_loop_broken, true);
	pr_err("no PING answer %u times in a row (ping_ms %u): bus broken, devices broken\n",
	       VMSG_LOOP_PING_MISSES, READ_ONCE(vmsg_loop_ping_ms));
	mutex_lock(&vmsg_loop_lock);
	list_for_each_entry(ld, &vmsg_loop_devs, list)
		if (ld->state == VMSG_LOOP_REGISTERED)
			virtio_msg_break(&ld->vmdev);
	mutex_unlock(&vmsg_loop_lock);
}

static void vmsg_loop_ping_work(struct work_struct *work)
{
	const struct vmsg_bus_ping *rs;
	struct vmsg_bus_ping *rq;
	struct vmsg req, resp;
	unsigned int ms;
	int ret;

	mutex_lock(&vmsg_loop_ping_lock);
	ms = vmsg_loop_ping_ms;
	if (!ms || !vmsg_loop_ping_on || READ_ONCE(vmsg_loop_broken))
		goto out_unlock;
	rq = vmsg_init(&req, VMSG_TYPE_BUS, VMSG_BUS_PING, 0, sizeof(*rq));
	rq->data = cpu_to_le32(++vmsg_loop_ping_data);
	ret = vmsg_loop_bus_xfer(&req, &resp);
	rs = vmsg_cpayload(&resp.hdr);
	if (!ret && rs->data != rq->data)
		ret = -EPROTO;
	if (!ret) {
		vmsg_loop_ping_missed = 0;
	} else if (++vmsg_loop_ping_missed >= VMSG_LOOP_PING_MISSES) {
		vmsg_loop_break_bus();
		goto out_unlock;
	}
	schedule_delayed_work(&vmsg_loop_ping, msecs_to_jiffies(ms));
out_unlock:
	mutex_unlock(&vmsg_loop_ping_lock);
}

void vmsg_loop_ping_start(void)
{
	mutex_lock(&vmsg_loop_ping_lock);
	vmsg_loop_ping_on = true;
	if (vmsg_loop_ping_ms)
		schedule_delayed_work(&vmsg_loop_ping, msecs_to_jiffies(vmsg_loop_ping_ms));
	mutex_unlock(&vmsg_loop_ping_lock);
}

void vmsg_loop_ping_stop(void)
{
	mutex_lock(&vmsg_loop_ping_lock);
	vmsg_loop_ping_on = false;
	mutex_unlock(&vmsg_loop_ping_lock);
	cancel_delayed_work_sync(&vmsg_loop_ping);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-msg loopback bus: devices changed at run time, through files of
 * /sys/devices/virtio-msg-loop/:
 *
 *  add     "blk" (a new RAM disk of blk_mb MiB) or "net" (a new pair);
 *          the device side announces each new device with EVENT_DEVICE
 *          READY and the bus side registers it with the transport
 *  remove  a device number: surprise removal.  The device fails every
 *          request from then on (the bus answers -ENODEV) and completes
 *          every chain it is given with an error (blk IOERR, net frames
 *          dropped), then announces EVENT_DEVICE REMOVED and the bus side
 *          unregisters it.  Both ends of a net pair go together (the pair
 *          is one cable).  "add" brings a device back.
 *  resize  "DEV MIB": the RAM disk DEV now has MIB MiB (at most its
 *          size at creation); EVENT_CONFIG tells the driver
 *  link    "DEV 0|1": link status of net end DEV (VIRTIO_NET_F_STATUS);
 *          EVENT_CONFIG tells the driver
 *
 * A config change bumps the device's config generation and sends
 * EVENT_CONFIG with the bytes that changed.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_net.h>

#include "loop.h"

/* Devices on the bus at most (device numbers 0..VMSG_LOOP_MAX_DEVS - 1). */
#define VMSG_LOOP_MAX_DEVS 64
/* 512-byte sectors in a MiB, as a shift. */
#define VMSG_LOOP_MIB_SECTORS_SHIFT 11

/* Serializes add, remove, resize and link. */
static DEFINE_MUTEX(vmsg_loop_hotplug_lock);

/* The lowest device number free, or -ENOSPC.  vmsg_loop_lock held. */
static int vmsg_loop_free_num(void)
{
	struct vmsg_loop_dev *ld;
	u16 n;

	for (n = 0; n < VMSG_LOOP_MAX_DEVS; n++) {
		bool used = false;

		list_for_each_entry(ld, &vmsg_loop_devs, list)
			used |= ld->vmdev.dev_num == n;
		if (!used)
			return n;
	}
	return -ENOSPC;
}

/* The lowest index of @model free, in steps of @step.  vmsg_loop_lock held. */
static unsigned int vmsg_loop_free_index(const struct vmsg_loop_model *model, unsigned int step)
{
	struct vmsg_loop_dev *ld;
	unsigned int i;

	for (i = 0;; i += step) {
		bool used = false;

		list_for_each_entry(ld, &vmsg_loop_devs, list)
			used |= ld->model == model && ld->index / step == i / step;
		if (!used)
			return i;
	}
}

/* Create one device of @model; its number and index are the lowest free. */
static struct vmsg_loop_dev *vmsg_loop_add_one(const struct vmsg_loop_model *model,
					       unsigned int index)
{
	int num;

	mutex_lock(&vmsg_loop_lock);
	num = vmsg_loop_free_num();
	mutex_unlock(&vmsg_loop_lock);
	if (num < 0)
		return ERR_PTR(num);
	/* Numbers are only taken under the hotplug lock, which we hold. */
	return vmsg_loop_create(model, index, num);
}

static int vmsg_loop_add(const char *buf)
{
	const struct vmsg_loop_model *model;
	struct vmsg_loop_dev *a, *b = NULL;
	unsigned int index;

	if (sysfs_streq(buf, "blk")) {
		if (!vmsg_blk_mb) {
			pr_err("add: blk_mb=0, no disk size\n");
			return -EINVAL;
		}
		model = &vmsg_blk_model;
	} else if (sysfs_streq(buf, "net")) {
		model = &vmsg_net_model;
	} else {
		pr_err("add: not blk or net: %s\n", buf);
		return -EINVAL;
	}
	mutex_lock(&vmsg_loop_lock);
	index = vmsg_loop_free_index(model, model->paired ? 2 : 1);
	mutex_unlock(&vmsg_loop_lock);

	a = vmsg_loop_add_one(model, index);
	if (IS_ERR(a))
		return PTR_ERR(a);
	if (model->paired) {
		b = vmsg_loop_add_one(model, index + 1);
		if (IS_ERR(b)) {
			mutex_lock(&vmsg_loop_lock);
			a->state = VMSG_LOOP_HANDED;
			mutex_unlock(&vmsg_loop_lock);
			vmsg_loop_release(&a->vmdev);
			return PTR_ERR(b);
		}
		/* Before either is announced: no kthread looks at peer yet. */
		mutex_lock(&vmsg_loop_lock);
		a->peer = b;
		b->peer = a;
		mutex_unlock(&vmsg_loop_lock);
	}
	pr_info("add %s%u: dev %u\n", model->name, index, a->vmdev.dev_num);
	vmsg_loop_announce(a->vmdev.dev_num, VMSG_DEVICE_STATE_READY);
	if (b) {
		pr_info("add %s%u: dev %u\n", model->name, index + 1, b->vmdev.dev_num);
		vmsg_loop_announce(b->vmdev.dev_num, VMSG_DEVICE_STATE_READY);
	}
	return 0;
}

/**
 * vmsg_loop_add_priv - create a device of @model with the lowest free number
 * @model: its model (user.c)
 * @priv: the model's data, there before model->init
 *
 * Not announced: the caller sends EVENT_DEVICE READY when the device side
 * can answer.  Returns the device or an ERR_PTR.
 */
struct vmsg_loop_dev *vmsg_loop_add_priv(const struct vmsg_loop_model *model, void *priv)
{
	struct vmsg_loop_dev *ld;
	unsigned int index;
	int num;

	mutex_lock(&vmsg_loop_hotplug_lock);
	mutex_lock(&vmsg_loop_lock);
	index = vmsg_loop_free_index(model, 1);
	num = vmsg_loop_free_num();
	mutex_unlock(&vmsg_loop_lock);
	if (num < 0)
		ld = ERR_PTR(num);
	else
		ld = vmsg_loop_create_priv(model, index, num, priv);
	mutex_unlock(&vmsg_loop_hotplug_lock);
	return ld;
}

/* Device @n, present and not yet removed, or NULL.  vmsg_loop_lock held. */
static struct vmsg_loop_dev *vmsg_loop_find(unsigned int n)
{
	struct vmsg_loop_dev *ld;

	list_for_each_entry(ld, &vmsg_loop_devs, list)
		if (ld->vmdev.dev_num == n && ld->state <= VMSG_LOOP_REGISTERED &&
		    !ld->unplugged)
			return ld;
	return NULL;
}

/* Surprise removal of @ld: fail everything from now on.  vmsg_loop_lock held. */
static void vmsg_loop_unplug(struct vmsg_loop_dev *ld)
{
	unsigned int i;

	WRITE_ONCE(ld->unplugged, true);
	/* Chains already in the rings are completed with an error now. */
	for (i = 0; i < ld->nvqs; i++)
		vmsg_loop_kick(ld, i);
}

static int vmsg_loop_remove(const char *buf)
{
	struct vmsg_loop_dev *ld, *peer = NULL;
	unsigned int n;
	u16 num, peer_num = 0;

	if (kstrtouint(buf, 0, &n)) {
		pr_err("remove: not a device number: %s\n", buf);
		return -EINVAL;
	}
	mutex_lock(&vmsg_loop_lock);
	ld = vmsg_loop_find(n);
	if (!ld) {
		mutex_unlock(&vmsg_loop_lock);
		pr_err("remove: no device %u\n", n);
		return -ENODEV;
	}
	num = ld->vmdev.dev_num;
	vmsg_loop_unplug(ld);
	if (ld->peer && ld->peer->state <= VMSG_LOOP_REGISTERED && !ld->peer->unplugged) {
		peer = ld->peer;
		peer_num = peer->vmdev.dev_num;
		vmsg_loop_unplug(peer);
	}
	mutex_unlock(&vmsg_loop_lock);
	/* Only the bus side frees a device, after this: it was not freed yet. */
	pr_info("remove dev %u%s\n", num, peer ? " and its peer" : "");
	vmsg_loop_announce(num, VMSG_DEVICE_STATE_REMOVED);
	if (peer)
		vmsg_loop_announce(peer_num, VMSG_DEVICE_STATE_REMOVED);
	return 0;
}

/**
 * vmsg_loop_config_event - tell the driver that config bytes changed
 * @ld: the device; caller holds vmsg_loop_lock and @ld is registered
 * @offset: first byte that changed
 * @len: bytes that changed
 *
 * Bumps the configuration generation, then sends EVENT_CONFIG with the
 * status, the new generation and the changed bytes.
 */
static void vmsg_loop_config_event(struct vmsg_loop_dev *ld, u32 offset, u32 len)
{
	struct vmsg_event_config *ev;
	struct vmsg m;

	lockdep_assert_held(&vmsg_loop_lock);
	/* The new bytes are in place before the generation says so. */
	smp_wmb();
	WRITE_ONCE(ld->generation, ld->generation + 1);
	ev = vmsg_init(&m, 0, VMSG_EVENT_CONFIG, ld->vmdev.dev_num, sizeof(*ev) + len);
	ev->device_status = cpu_to_le32(READ_ONCE(ld->status));
	ev->generation = cpu_to_le32(ld->generation);
	ev->offset = cpu_to_le32(offset);
	ev->length = cpu_to_le32(len);
	memcpy(ev->data, ld->config + offset, len);
	vmsg_loop_send_event(ld, &m);
}

/* Parse "DEV VALUE" and find DEV, registered, of @model.  Returns it locked. */
static struct vmsg_loop_dev *vmsg_loop_parse_dev(const char *buf, const char *what,
						 const struct vmsg_loop_model *model,
						 unsigned int *val)
{
	struct vmsg_loop_dev *ld;
	unsigned int n;

	if (sscanf(buf, "%u %u", &n, val) != 2) {
		pr_err("%s: want \"DEV VALUE\": %s\n", what, buf);
		return ERR_PTR(-EINVAL);
	}
	mutex_lock(&vmsg_loop_lock);
	ld = vmsg_loop_find(n);
	if (!ld || ld->model != model || ld->state != VMSG_LOOP_REGISTERED) {
		mutex_unlock(&vmsg_loop_lock);
		pr_err("%s: no registered %s device %u\n", what, model->name, n);
		return ERR_PTR(-ENODEV);
	}
	return ld;
}

static int vmsg_loop_resize(const char *buf)
{
	struct vmsg_loop_dev *ld;
	unsigned int mb;
	int ret;

	ld = vmsg_loop_parse_dev(buf, "resize", &vmsg_blk_model, &mb);
	if (IS_ERR(ld))
		return PTR_ERR(ld);
	ret = vmsg_blk_resize(ld, (u64)mb << VMSG_LOOP_MIB_SECTORS_SHIFT);
	if (!ret)
		vmsg_loop_config_event(ld, offsetof(struct virtio_blk_config, capacity),
				       sizeof_field(struct virtio_blk_config, capacity));
	mutex_unlock(&vmsg_loop_lock);
	return ret;
}

static int vmsg_loop_link(const char *buf)
{
	struct vmsg_loop_dev *ld;
	unsigned int up;

	ld = vmsg_loop_parse_dev(buf, "link", &vmsg_net_model, &up);
	if (IS_ERR(ld))
		return PTR_ERR(ld);
	vmsg_net_set_link(ld, up);
	vmsg_loop_config_event(ld, offsetof(struct virtio_net_config, status),
			       sizeof_field(struct virtio_net_config, status));
	mutex_unlock(&vmsg_loop_lock);
	return 0;
}

#define VMSG_LOOP_STORE(name)							\
	static ssize_t name##_store(struct device *dev, struct device_attribute *attr, \
				    const char *buf, size_t count)		\
	{									\
		int ret;							\
										\
		mutex_lock(&vmsg_loop_hotplug_lock);				\
		ret = vmsg_loop_##name(buf);					\
		mutex_unlock(&vmsg_loop_hotplug_lock);				\
		return ret ? ret : count;					\
	}									\
	static DEVICE_ATTR_WO(name)

VMSG_LOOP_STORE(add);
VMSG_LOOP_STORE(remove);
VMSG_LOOP_STORE(resize);
VMSG_LOOP_STORE(link);

static struct attribute *vmsg_loop_hotplug_attrs[] = {
	&dev_attr_add.attr,
	&dev_attr_remove.attr,
	&dev_attr_resize.attr,
	&dev_attr_link.attr,
	NULL,
};

static const struct attribute_group vmsg_loop_hotplug_group = {
	.attrs = vmsg_loop_hotplug_attrs,
};

int vmsg_loop_hotplug_init(void)
{
	return sysfs_create_group(&vmsg_loop_root->kobj, &vmsg_loop_hotplug_group);
}

/* Waits for writes in progress (kernfs drains them). */
void vmsg_loop_hotplug_exit(void)
{
	sysfs_remove_group(&vmsg_loop_root->kobj, &vmsg_loop_hotplug_group);
}

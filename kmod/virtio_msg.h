/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-msg transport: the interface between the transport (virtio_msg.ko)
 * and the buses that carry its messages (loopback today; FF-A, mailbox or
 * shared memory later).
 *
 * A bus embeds a struct virtio_msg_device per device it finds, fills in the
 * "bus" fields and calls virtio_msg_register().  From then on the transport
 * turns every virtio_config_ops call into a request sent with @xfer, every
 * virtqueue notification into an EVENT_AVAIL sent with @send, and the bus
 * hands every device-to-driver event to virtio_msg_event().
 */
#ifndef _VIRTIO_MSG_H
#define _VIRTIO_MSG_H

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/workqueue.h>

#include "virtio_msg_wire.h"

struct virtio_msg_device;

/* The one bus protocol revision the transport speaks (draft 2025-12-01). */
#define VMSG_REVISION 1

/**
 * struct virtio_msg_bus_ops - what a bus provides to the transport
 * @xfer: send request @req and wait for its response, written to @resp
 *	(a VMSG_MAX_SIZE buffer).  The bus owns the token: it sets
 *	@req->hdr.token and checks that the response echoes it.  Returns the
 *	number of bytes received into @resp when a response arrived (the
 *	transport checks them against its msg_size and validates the
 *	contents; bytes past them are not looked at), -ETIMEDOUT when none
 *	came in time, -ENODEV when the device is gone for good (removed,
 *	or the bus broken: no answer will ever come), or another negative
 *	errno for a bus failure.  May sleep.  The transport sends one request at a time per device.
 * @send: send the event @msg (EVENT_AVAIL) to the device; no response.
 *	Called in any context, including with interrupts disabled: it must
 *	not sleep, nor call virtio_msg_event() itself.  A device that
 *	answers at once raises an interrupt instead (e.g. an irq_work whose
 *	bottom half delivers the event): taken only where the driver allows
 *	interrupts, as a real device's.  Returns 0 or a negative errno.
 * @synchronize: wait until no call of virtio_msg_event() for @vmdev is in
 *	progress.  Called after virtqueues were detached, before they are
 *	freed.
 * @release: the transport has dropped its last reference to @vmdev; the
 *	bus frees the structure that embeds it.
 */
struct virtio_msg_bus_ops {
	int (*xfer)(struct virtio_msg_device *vmdev, struct vmsg *req, struct vmsg *resp);
	int (*send)(struct virtio_msg_device *vmdev, struct vmsg *msg);
	void (*synchronize)(struct virtio_msg_device *vmdev);
	void (*release)(struct virtio_msg_device *vmdev);
};

/**
 * struct virtio_msg_device - one device reached over a virtio-msg bus
 * @vdev: the virtio device registered with the virtio core
 * @ops: bus operations (set by the bus)
 * @bus_priv: the bus's own per-device data (set by the bus)
 * @dev_num: device number on the bus (set by the bus)
 * @max_msg_size: largest message the bus carries, at most VMSG_MAX_SIZE
 *	(set by the bus)
 * @revision: protocol revision the bus advertises, VMSG_REVISION (set by
 *	the bus)
 * @access_platform: the bus maps the driver's memory for the device: the
 *	parent it registers with has DMA ops and a mask, so the device may
 *	offer VIRTIO_F_ACCESS_PLATFORM (set by the bus; refused otherwise)
 * @xfer_lock: serializes requests; protects @req, @resp and @info
 * @req: request buffer
 * @resp: response buffer
 * @info: GET_DEVICE_INFO answer, CPU order
 * @vq_lock: protects @vqs against event delivery
 * @vqs: virtqueues by index, NULL where none is set up
 * @nvqs: number of entries in @vqs
 * @quiesced: the device confirmed a reset (status read back 0) and has
 *	been given no ring since: ring memory may be freed (xfer_lock)
 * @wedged: the last reset was never confirmed: rings the device may use
 *	are leaked, never freed (xfer_lock)
 * @leaked_vqs: virtqueues leaked that way
 * @used_seen: an EVENT_USED arrived since @used_watch last looked
 * @used_watch: while virtqueues exist, looks at their used rings itself
 *	when no EVENT_USED came for VMSG_USED_WATCH_MS (a lost event)
 * @used_rescued: callbacks run by @used_watch that an event had not run
 * @gen_seen: configuration generation last handed to the core (xfer_lock)
 * @gen_moves: reads in a row that found it moved (xfer_lock)
 * @status_set: the status the driver last set, 0 after a confirmed reset;
 *	what get_status reports when the device cannot be read (xfer_lock)
 */
struct virtio_msg_device {
	struct virtio_device vdev;
	const struct virtio_msg_bus_ops *ops;
	void *bus_priv;
	u16 dev_num;
	u16 max_msg_size;
	u32 revision;
	bool access_platform;

	/* Transport private from here on. */
	struct mutex xfer_lock;
	struct vmsg req;
	struct vmsg resp;
	struct {
		u32 device_id;
		u32 vendor_id;
		u32 num_feature_bits;
		u32 config_size;
		u32 max_virtqueues;
	} info;
	spinlock_t vq_lock;
	struct virtqueue **vqs;
	unsigned int nvqs;
	bool quiesced;
	bool wedged;
	unsigned int leaked_vqs;
	bool used_seen;
	struct delayed_work used_watch;
	unsigned long used_rescued;
	u32 gen_seen;
	unsigned int gen_moves;
	u8 status_set;
};

static inline struct virtio_msg_device *to_vmdev(struct virtio_device *vdev)
{
	return container_of(vdev, struct virtio_msg_device, vdev);
}

int virtio_msg_register(struct device *parent, struct virtio_msg_device *vmdev);
void virtio_msg_unregister(struct virtio_msg_device *vmdev);
int virtio_msg_event(struct virtio_msg_device *vmdev, const struct vmsg_hdr *msg, size_t len);
void virtio_msg_break(struct virtio_msg_device *vmdev);

#endif /* _VIRTIO_MSG_H */

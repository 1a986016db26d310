// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * virtio-msg wire format: validation of received messages (draft
 * 2025-12-01) and message id names.
 *
 * Built into virtio_msg.ko, which exports it to virtio_msg_loop.ko, and
 * into the userspace unit tests (tests/unit), the fuzzer (tests/fuzz) and
 * bpf/msglat.  Every read is bounded by the length the caller received.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#else
#include <errno.h>
/* Userspace builds link this file directly: nothing to export, arrays sized as usual. */
#define EXPORT_SYMBOL_GPL(sym) extern int vmsg_no_export
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#include "virtio_msg_wire.h"

/**
 * vmsg_check_hdr - validate a received message's header against its length
 * @buf: received bytes
 * @len: number of bytes received
 * @max_size: largest message the bus allows
 *
 * Returns 0; -EMSGSIZE when @len is shorter than a header, longer than
 * @max_size or differs from msg_size; -EPROTO when reserved type bits are
 * set or a bus message names a device.
 */
int vmsg_check_hdr(const void *buf, size_t len, size_t max_size)
{
	const struct vmsg_hdr *hdr = buf;

	if (!buf || len < VMSG_HDR_SIZE || len > max_size || len > VMSG_SIZE_LIMIT)
		return -EMSGSIZE;
	if (vmsg_size(hdr) != len)
		return -EMSGSIZE;
	if (hdr->type & ~VMSG_TYPE_MASK)
		return -EPROTO;
	if (vmsg_is_bus(hdr) && vmsg_dev_num(hdr) != 0)
		return -EPROTO;
	return 0;
}
EXPORT_SYMBOL_GPL(vmsg_check_hdr);

/**
 * vmsg_fixed_size - payload size of a known message
 * @bus: nonzero for bus messages
 * @resp: nonzero for responses
 * @msg_id: message id
 *
 * Returns the size in bytes, VMSG_VAR when it is variable (vmsg_validate()
 * checks it against the message's length fields), -ENOMSG for an unknown
 * id or -EPROTO for an event marked as a response.
 */
int vmsg_fixed_size(int bus, int resp, __u8 msg_id)
{
	if (bus) {
		switch (msg_id) {
		case VMSG_BUS_GET_DEVICES:
			return resp ? VMSG_VAR : (int)sizeof(struct vmsg_bus_devices_req);
		case VMSG_BUS_PING:
			return sizeof(struct vmsg_bus_ping);
		case VMSG_BUS_EVENT_DEVICE:
			return resp ? -EPROTO : (int)sizeof(struct vmsg_bus_event_device);
		}
		return -ENOMSG;
	}
	switch (msg_id) {
	case VMSG_GET_DEVICE_INFO:
		return resp ? (int)sizeof(struct vmsg_device_info) : 0;
	case VMSG_GET_DEVICE_FEATURES:
		return resp ? VMSG_VAR : (int)sizeof(struct vmsg_features);
	case VMSG_SET_DRIVER_FEATURES:
		return resp ? 0 : VMSG_VAR;
	case VMSG_GET_CONFIG:
		return resp ? VMSG_VAR : (int)sizeof(struct vmsg_config_req);
	case VMSG_SET_CONFIG:
		return VMSG_VAR;
	case VMSG_GET_DEVICE_STATUS:
		return resp ? (int)sizeof(struct vmsg_status) : 0;
	case VMSG_SET_DEVICE_STATUS:
		return sizeof(struct vmsg_status);
	case VMSG_GET_VQUEUE:
		return resp ? (int)sizeof(struct vmsg_vqueue_info) : (int)sizeof(struct vmsg_index);
	case VMSG_SET_VQUEUE:
		return resp ? 0 : (int)sizeof(struct vmsg_vqueue_set);
	case VMSG_RESET_VQUEUE:
		return resp ? 0 : (int)sizeof(struct vmsg_index);
	case VMSG_GET_SHM:
		return resp ? (int)sizeof(struct vmsg_shm) : (int)sizeof(struct vmsg_index);
	case VMSG_EVENT_CONFIG:
		return resp ? -EPROTO : VMSG_VAR;
	case VMSG_EVENT_AVAIL:
		return resp ? -EPROTO : (int)sizeof(struct vmsg_event_avail);
	case VMSG_EVENT_USED:
		return resp ? -EPROTO : (int)sizeof(struct vmsg_event_used);
	}
	return -ENOMSG;
}

/* Bus GET_DEVICES response: one bitmap byte per 8 devices, nothing else. */
static int vmsg_check_devices(const struct vmsg_bus_devices *d, size_t plen)
{
	__u16 count;

	if (plen < sizeof(*d))
		return -EBADMSG;
	count = vmsg_le16_to_cpu(d->count);
	if (count % 8 || vmsg_le16_to_cpu(d->offset) % 8 || vmsg_le16_to_cpu(d->next_offset) % 8)
		return -EBADMSG;
	return plen == sizeof(*d) + count / 8 ? 0 : -EBADMSG;
}

/* Feature blocks: num_blocks 32-bit words, nothing else. */
static int vmsg_check_features(const struct vmsg_features *f, size_t plen)
{
	size_t want;

	if (plen < sizeof(*f))
		return -EBADMSG;
	/* divide rather than multiply: no wrap with a 32-bit size_t */
	want = (plen - sizeof(*f)) / 4;
	if ((plen - sizeof(*f)) % 4)
		return -EBADMSG;
	return want == vmsg_le32_to_cpu(f->num_blocks) ? 0 : -EBADMSG;
}

/*
 * Config data after a @head-byte header: offset and length in range (no
 * offset + length overflow), then exactly length bytes, or none at all when
 * @data_optional.
 */
static int vmsg_check_data(__le32 offset, __le32 length, size_t head, size_t plen,
			   int data_optional)
{
	__u32 len = vmsg_le32_to_cpu(length);

	if (vmsg_le32_to_cpu(offset) > VMSG_SIZE_LIMIT || len > VMSG_SIZE_LIMIT)
		return -EBADMSG;
	if (data_optional && plen == head)
		return 0;
	return plen == head + len ? 0 : -EBADMSG;
}

/* Variable-size payloads: the length fields must account for every byte. */
static int vmsg_check_var(const struct vmsg_hdr *hdr, int bus, int resp)
{
	const void *p = vmsg_cpayload(hdr);
	size_t plen = vmsg_payload_size(hdr);
	const struct vmsg_event_config *e = p;
	const struct vmsg_config *c = p;

	if (bus)
		return vmsg_check_devices(p, plen);

	switch (hdr->msg_id) {
	case VMSG_GET_DEVICE_FEATURES:
	case VMSG_SET_DRIVER_FEATURES:
		return vmsg_check_features(p, plen);
	case VMSG_GET_CONFIG:
	case VMSG_SET_CONFIG:
		if (plen < sizeof(*c))
			return -EBADMSG;
		/* A SET_CONFIG response may or may not echo the data. */
		return vmsg_check_data(c->offset, c->length, sizeof(*c), plen,
				       hdr->msg_id == VMSG_SET_CONFIG && resp);
	case VMSG_EVENT_CONFIG:
		if (plen < sizeof(*e))
			return -EBADMSG;
		return vmsg_check_data(e->offset, e->length, sizeof(*e), plen, 0);
	}
	return -ENOMSG;
}

/* Fixed-size requests whose fields have a range the receiver relies on. */
static int vmsg_check_fields(const struct vmsg_hdr *hdr, int bus, int resp)
{
	const void *p = vmsg_cpayload(hdr);

	if (resp)
		return 0;
	if (bus && hdr->msg_id == VMSG_BUS_GET_DEVICES) {
		const struct vmsg_bus_devices_req *d = p;

		if (vmsg_le16_to_cpu(d->offset) % 8 || vmsg_le16_to_cpu(d->count) % 8)
			return -EBADMSG;
	} else if (!bus && hdr->msg_id == VMSG_GET_CONFIG) {
		const struct vmsg_config_req *c = p;

		/* as for every other config message: no offset + length overflow */
		if (vmsg_le32_to_cpu(c->offset) > VMSG_SIZE_LIMIT ||
		    vmsg_le32_to_cpu(c->length) > VMSG_SIZE_LIMIT)
			return -EBADMSG;
	}
	return 0;
}

/**
 * vmsg_validate - validate a received message completely
 * @buf: received bytes
 * @len: number of bytes received
 * @max_size: largest message the bus allows
 *
 * Checks the header (vmsg_check_hdr()), that the id is known for its type,
 * that events are not marked as responses, and that the payload is exactly
 * as long as the message's fields say.  Bus-specific ids (0x80-0xff) pass
 * the header check only: their payload belongs to the bus.
 *
 * Returns 0 or a negative errno: -EMSGSIZE, -EPROTO, -ENOMSG (unknown id)
 * or -EBADMSG (payload size or length fields wrong).
 */
int vmsg_validate(const void *buf, size_t len, size_t max_size)
{
	const struct vmsg_hdr *hdr = buf;
	int bus, resp, want, ret;

	ret = vmsg_check_hdr(buf, len, max_size);
	if (ret)
		return ret;
	if (hdr->msg_id >= VMSG_ID_BUS_SPECIFIC_FIRST)
		return 0;
	bus = vmsg_is_bus(hdr);
	resp = vmsg_is_response(hdr);
	want = vmsg_fixed_size(bus, resp, hdr->msg_id);
	if (want == VMSG_VAR)
		return vmsg_check_var(hdr, bus, resp);
	if (want < 0)
		return want;
	if (vmsg_payload_size(hdr) != (__u16)want)
		return -EBADMSG;
	return vmsg_check_fields(hdr, bus, resp);
}
EXPORT_SYMBOL_GPL(vmsg_validate);

/**
 * vmsg_check_response - does @resp answer @req?
 * @req: the request that was sent
 * @resp: a validated message received as its answer
 *
 * Returns 0, or -EPROTO when type, id or device number do not match.  The
 * token is the bus's business and is checked there.
 */
int vmsg_check_response(const struct vmsg_hdr *req, const struct vmsg_hdr *resp)
{
	if (resp->type != (req->type | VMSG_TYPE_RESPONSE) || resp->msg_id != req->msg_id ||
	    resp->dev_num != req->dev_num)
		return -EPROTO;
	return 0;
}
EXPORT_SYMBOL_GPL(vmsg_check_response);

static const char *const vmsg_names[] = {
	[VMSG_GET_DEVICE_INFO] = "GET_DEVICE_INFO",
	[VMSG_GET_DEVICE_FEATURES] = "GET_DEVICE_FEATURES",
	[VMSG_SET_DRIVER_FEATURES] = "SET_DRIVER_FEATURES",
	[VMSG_GET_CONFIG] = "GET_CONFIG",
	[VMSG_SET_CONFIG] = "SET_CONFIG",
	[VMSG_GET_DEVICE_STATUS] = "GET_DEVICE_STATUS",
	[VMSG_SET_DEVICE_STATUS] = "SET_DEVICE_STATUS",
	[VMSG_GET_VQUEUE] = "GET_VQUEUE",
	[VMSG_SET_VQUEUE] = "SET_VQUEUE",
	[VMSG_RESET_VQUEUE] = "RESET_VQUEUE",
	[VMSG_GET_SHM] = "GET_SHM",
	[VMSG_EVENT_CONFIG] = "EVENT_CONFIG",
	[VMSG_EVENT_AVAIL] = "EVENT_AVAIL",
	[VMSG_EVENT_USED] = "EVENT_USED",
};

static const char *const vmsg_bus_names[] = {
	[VMSG_BUS_GET_DEVICES] = "BUS_GET_DEVICES",
	[VMSG_BUS_PING] = "BUS_PING",
	[VMSG_BUS_EVENT_DEVICE] = "BUS_EVENT_DEVICE",
};

/**
 * vmsg_id_name - printable name of a message id, for logs and tools
 * @bus: nonzero for bus messages
 * @msg_id: message id
 *
 * Returns "UNKNOWN" or "BUS_UNKNOWN" for an id without a name.
 */
const char *vmsg_id_name(int bus, __u8 msg_id)
{
	if (bus) {
		if (msg_id < ARRAY_SIZE(vmsg_bus_names) && vmsg_bus_names[msg_id])
			return vmsg_bus_names[msg_id];
		return "BUS_UNKNOWN";
	}
	if (msg_id < ARRAY_SIZE(vmsg_names) && vmsg_names[msg_id])
		return vmsg_names[msg_id];
	return "UNKNOWN";
}
EXPORT_SYMBOL_GPL(vmsg_id_name);

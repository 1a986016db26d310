/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * virtio-msg wire format: message header, message ids, payload layouts and
 * the validation every receiver runs before it looks inside a message.
 *
 * Follows the virtio-msg draft of 2025-12-01 (8-byte header with a bus-owned
 * token).  Every field is little endian.  This header is compiled into the
 * kernel transport, the loopback bus and the userspace unit tests and
 * fuzzers, so it includes nothing kernel-only and allocates nothing.
 *
 * A receiver must call vmsg_validate() on every message it takes from the
 * other side of the bus; after that, the payload accessors are safe to use
 * for the message's id and direction.  Message buffers must be at least
 * 8-byte aligned (struct vmsg is): the accessors read through struct
 * pointers.
 */
#ifndef _UAPI_VIRTIO_MSG_H
#define _UAPI_VIRTIO_MSG_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <asm/byteorder.h>
#define vmsg_le16_to_cpu(x) le16_to_cpu(x)
#define vmsg_le32_to_cpu(x) le32_to_cpu(x)
#define vmsg_le64_to_cpu(x) le64_to_cpu(x)
#define vmsg_cpu_to_le16(x) cpu_to_le16(x)
#define vmsg_cpu_to_le32(x) cpu_to_le32(x)
#define vmsg_cpu_to_le64(x) cpu_to_le64(x)
#else
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>
#ifndef __force
#define __force
#endif
/* No <endian.h>: its le16toh() needs _DEFAULT_SOURCE, which strict C11 users do not set. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define vmsg_le16_to_cpu(x) ((__u16)(__force __u16)(x))
#define vmsg_le32_to_cpu(x) ((__u32)(__force __u32)(x))
#define vmsg_le64_to_cpu(x) ((__u64)(__force __u64)(x))
#define vmsg_cpu_to_le16(x) ((__force __le16)(__u16)(x))
#define vmsg_cpu_to_le32(x) ((__force __le32)(__u32)(x))
#define vmsg_cpu_to_le64(x) ((__force __le64)(__u64)(x))
#else
#define vmsg_le16_to_cpu(x) ((__u16)__builtin_bswap16((__force __u16)(x)))
#define vmsg_le32_to_cpu(x) ((__u32)__builtin_bswap32((__force __u32)(x)))
#define vmsg_le64_to_cpu(x) ((__u64)__builtin_bswap64((__force __u64)(x)))
#define vmsg_cpu_to_le16(x) ((__force __le16)__builtin_bswap16(x))
#define vmsg_cpu_to_le32(x) ((__force __le32)__builtin_bswap32(x))
#define vmsg_cpu_to_le64(x) ((__force __le64)__builtin_bswap64(x))
#endif
#endif

/* Header type byte: bit 0 request/response, bit 1 transport/bus, rest 0. */
#define VMSG_TYPE_RESPONSE 0x01
#define VMSG_TYPE_BUS 0x02
#define VMSG_TYPE_MASK (VMSG_TYPE_RESPONSE | VMSG_TYPE_BUS)

/* Message id ranges (draft 2025-12-01, "Message ids"). */
#define VMSG_ID_EVENT_FIRST 0x40
#define VMSG_ID_BUS_SPECIFIC_FIRST 0x80

/* Transport messages. */
#define VMSG_GET_DEVICE_INFO 0x02
#define VMSG_GET_DEVICE_FEATURES 0x03
#define VMSG_SET_DRIVER_FEATURES 0x04
#define VMSG_GET_CONFIG 0x05
#define VMSG_SET_CONFIG 0x06
#define VMSG_GET_DEVICE_STATUS 0x07
#define VMSG_SET_DEVICE_STATUS 0x08
#define VMSG_GET_VQUEUE 0x09
#define VMSG_SET_VQUEUE 0x0a
#define VMSG_RESET_VQUEUE 0x0b
#define VMSG_GET_SHM 0x0c
#define VMSG_EVENT_CONFIG 0x40
#define VMSG_EVENT_AVAIL 0x41
#define VMSG_EVENT_USED 0x42

/* Bus messages (type has VMSG_TYPE_BUS, dev_num is 0). */
#define VMSG_BUS_GET_DEVICES 0x02
#define VMSG_BUS_PING 0x03
#define VMSG_BUS_EVENT_DEVICE 0x40

/* EVENT_DEVICE states. */
#define VMSG_DEVICE_STATE_READY 1
#define VMSG_DEVICE_STATE_REMOVED 2

#define VMSG_HDR_SIZE 8
/*
 * The draft recommends at most 264 bytes per message: one GET_CONFIG
 * response then carries up to 244 bytes of configuration space.
 */
#define VMSG_MAX_SIZE 264
#define VMSG_MAX_PAYLOAD (VMSG_MAX_SIZE - VMSG_HDR_SIZE)
/* The largest size a bus may declare (msg_size is 16 bits). */
#define VMSG_SIZE_LIMIT 65535

/* Feature bits travel in 32-bit blocks. */
#define VMSG_FEATURE_BLOCK_BITS 32
/* EVENT_AVAIL next_offset: bits 30:0 offset, bit 31 wrap counter. */
#define VMSG_NEXT_OFFSET_MASK 0x7fffffffu
#define VMSG_NEXT_WRAP (1u << 31)

struct vmsg_hdr {
	__u8 type;
	__u8 msg_id;
	__le16 dev_num;
	__le16 token;
	__le16 msg_size;
};

/* GET_DEVICE_INFO response */
struct vmsg_device_info {
	__le32 device_id;
	__le32 vendor_id;
	__le32 num_feature_bits;
	__le32 config_size;
	__le32 max_virtqueues;
	__le16 admin_vq_start;
	__le16 admin_vq_count;
};

/*
 * GET_DEVICE_FEATURES request (no features[]) and response,
 * SET_DRIVER_FEATURES request.
 */
struct vmsg_features {
	__le32 block_index;
	__le32 num_blocks;
	__le32 features[];
};

/* GET_CONFIG request */
struct vmsg_config_req {
	__le32 offset;
	__le32 length;
};

/*
 * GET_CONFIG response, SET_CONFIG request, SET_CONFIG response (data[]
 * optional there; length 0 means the write was rejected).
 */
struct vmsg_config {
	__le32 generation;
	__le32 offset;
	__le32 length;
	__u8 data[];
};

/*
 * GET_DEVICE_STATUS response, SET_DEVICE_STATUS request and response.
 */
struct vmsg_status {
	__le32 status;
};

/* GET_VQUEUE, RESET_VQUEUE and GET_SHM requests */
struct vmsg_index {
	__le32 index;
};

/* GET_VQUEUE response */
struct vmsg_vqueue_info {
	__le32 index;
	__le32 max_size; /* 0: this queue cannot be used */
	__le32 cur_size; /* 0: not configured */
	__le32 reserved;
	__le64 desc_addr;
	__le64 driver_addr;
	__le64 device_addr;
};

/* SET_VQUEUE request */
struct vmsg_vqueue_set {
	__le32 index;
	__le32 reserved0;
	__le32 size;
	__le32 reserved1;
	__le64 desc_addr;
	__le64 driver_addr;
	__le64 device_addr;
};

/* GET_SHM response; length 0 means no such region */
struct vmsg_shm {
	__le32 index;
	__le32 reserved;
	__le64 length;
	__le64 address;
};

/* EVENT_CONFIG, device to driver */
struct vmsg_event_config {
	__le32 device_status;
	__le32 generation;
	__le32 offset;
	__le32 length;
	__u8 data[];
};

/* EVENT_AVAIL, driver to device */
struct vmsg_event_avail {
	__le32 vq_index;
	__le32 next_offset;
};

/* EVENT_USED, device to driver */
struct vmsg_event_used {
	__le32 vq_index;
};

/* Bus GET_DEVICES request */
struct vmsg_bus_devices_req {
	__le16 offset; /* first device number, multiple of 8 */
	__le16 count; /* device numbers asked for, multiple of 8 */
};

/* Bus GET_DEVICES response: bit n of bitmap is device offset + n, LSB first */
struct vmsg_bus_devices {
	__le16 offset;
	__le16 count;
	__le16 next_offset; /* 0: no more devices */
	__u8 bitmap[];
};

/* Bus PING request and response */
struct vmsg_bus_ping {
	__le32 data;
};

/* Bus EVENT_DEVICE */
struct vmsg_bus_event_device {
	__le16 dev_num;
	__le16 state;
};

/* One message of at most VMSG_MAX_SIZE bytes, the size our buses use. */
struct vmsg {
	struct vmsg_hdr hdr;
	union {
		__u8 raw[VMSG_MAX_PAYLOAD];
		/* 8-byte payload fields are 8-aligned on the wire (draft). */
		__le64 align;
	} payload;
};

static inline void *vmsg_payload(struct vmsg_hdr *hdr)
{
	return (__u8 *)hdr + VMSG_HDR_SIZE;
}

static inline const void *vmsg_cpayload(const struct vmsg_hdr *hdr)
{
	return (const __u8 *)hdr + VMSG_HDR_SIZE;
}

static inline __u16 vmsg_size(const struct vmsg_hdr *hdr)
{
	return vmsg_le16_to_cpu(hdr->msg_size);
}

static inline __u16 vmsg_payload_size(const struct vmsg_hdr *hdr)
{
	return vmsg_size(hdr) - VMSG_HDR_SIZE;
}

static inline __u16 vmsg_dev_num(const struct vmsg_hdr *hdr)
{
	return vmsg_le16_to_cpu(hdr->dev_num);
}

static inline int vmsg_is_response(const struct vmsg_hdr *hdr)
{
	return !!(hdr->type & VMSG_TYPE_RESPONSE);
}

static inline int vmsg_is_bus(const struct vmsg_hdr *hdr)
{
	return !!(hdr->type & VMSG_TYPE_BUS);
}

static inline int vmsg_is_event(const struct vmsg_hdr *hdr)
{
	return hdr->msg_id >= VMSG_ID_EVENT_FIRST && hdr->msg_id < VMSG_ID_BUS_SPECIFIC_FIRST;
}

/**
 * vmsg_init - start a message: header filled, payload zeroed
 * @m: message buffer
 * @type: VMSG_TYPE_* bits
 * @msg_id: message id
 * @dev_num: device number (0 for bus messages)
 * @payload_size: payload bytes that follow the header (at most VMSG_MAX_PAYLOAD)
 *
 * The token is left 0: it belongs to the bus, which sets it on send.
 * Returns the payload, or NULL when @payload_size does not fit.
 */
static inline void *vmsg_init(struct vmsg *m, __u8 type, __u8 msg_id, __u16 dev_num,
			      size_t payload_size)
{
	if (payload_size > VMSG_MAX_PAYLOAD)
		return NULL;
	memset(m, 0, VMSG_HDR_SIZE + payload_size);
	m->hdr.type = type;
	m->hdr.msg_id = msg_id;
	m->hdr.dev_num = vmsg_cpu_to_le16(dev_num);
	m->hdr.msg_size = vmsg_cpu_to_le16((__u16)(VMSG_HDR_SIZE + payload_size));
	return m->payload.raw;
}

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
static inline int vmsg_check_hdr(const void *buf, size_t len, size_t max_size)
{
	const struct vmsg_hdr *hdr = (const struct vmsg_hdr *)buf;

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

/* Fixed payload sizes; -1 marks a variable size checked in vmsg_check_var(). */
#define VMSG_VAR (-1)

static inline int vmsg_fixed_size(int bus, int resp, __u8 msg_id)
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

/* Variable-size payloads: the length fields must account for every byte. */
static inline int vmsg_check_var(const struct vmsg_hdr *hdr, int bus, int resp)
{
	const __u8 *p = (const __u8 *)vmsg_cpayload(hdr);
	size_t plen = vmsg_payload_size(hdr);
	size_t want;

	if (bus) {
		/* GET_DEVICES response */
		const struct vmsg_bus_devices *d = (const struct vmsg_bus_devices *)p;
		__u16 count;

		if (plen < sizeof(*d))
			return -EBADMSG;
		count = vmsg_le16_to_cpu(d->count);
		if (count % 8 || vmsg_le16_to_cpu(d->offset) % 8 ||
		    vmsg_le16_to_cpu(d->next_offset) % 8)
			return -EBADMSG;
		return plen == sizeof(*d) + count / 8 ? 0 : -EBADMSG;
	}

	switch (hdr->msg_id) {
	case VMSG_GET_DEVICE_FEATURES:
	case VMSG_SET_DRIVER_FEATURES: {
		const struct vmsg_features *f = (const struct vmsg_features *)p;

		if (plen < sizeof(*f))
			return -EBADMSG;
		/* divide rather than multiply: no wrap with a 32-bit size_t */
		want = (plen - sizeof(*f)) / 4;
		if ((plen - sizeof(*f)) % 4)
			return -EBADMSG;
		return want == vmsg_le32_to_cpu(f->num_blocks) ? 0 : -EBADMSG;
	}
	case VMSG_GET_CONFIG:
	case VMSG_SET_CONFIG: {
		const struct vmsg_config *c = (const struct vmsg_config *)p;
		__u32 length;

		if (plen < sizeof(*c))
			return -EBADMSG;
		length = vmsg_le32_to_cpu(c->length);
		if (vmsg_le32_to_cpu(c->offset) > VMSG_SIZE_LIMIT || length > VMSG_SIZE_LIMIT)
			return -EBADMSG;
		/* A SET_CONFIG response may or may not echo the data. */
		if (hdr->msg_id == VMSG_SET_CONFIG && resp && plen == sizeof(*c))
			return 0;
		return plen == sizeof(*c) + length ? 0 : -EBADMSG;
	}
	case VMSG_EVENT_CONFIG: {
		const struct vmsg_event_config *e = (const struct vmsg_event_config *)p;
		__u32 length;

		if (plen < sizeof(*e))
			return -EBADMSG;
		length = vmsg_le32_to_cpu(e->length);
		if (vmsg_le32_to_cpu(e->offset) > VMSG_SIZE_LIMIT || length > VMSG_SIZE_LIMIT)
			return -EBADMSG;
		return plen == sizeof(*e) + length ? 0 : -EBADMSG;
	}
	}
	return -ENOMSG;
}

/* Fixed-size requests whose fields have a range the receiver relies on. */
static inline int vmsg_check_fields(const struct vmsg_hdr *hdr, int bus, int resp)
{
	const void *p = vmsg_cpayload(hdr);

	if (resp)
		return 0;
	if (bus && hdr->msg_id == VMSG_BUS_GET_DEVICES) {
		const struct vmsg_bus_devices_req *d = (const struct vmsg_bus_devices_req *)p;

		if (vmsg_le16_to_cpu(d->offset) % 8 || vmsg_le16_to_cpu(d->count) % 8)
			return -EBADMSG;
	} else if (!bus && hdr->msg_id == VMSG_GET_CONFIG) {
		const struct vmsg_config_req *c = (const struct vmsg_config_req *)p;

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
static inline int vmsg_validate(const void *buf, size_t len, size_t max_size)
{
	const struct vmsg_hdr *hdr = (const struct vmsg_hdr *)buf;
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

/**
 * vmsg_check_response - does @resp answer @req?
 * @req: the request that was sent
 * @resp: a validated message received as its answer
 *
 * Returns 0, or -EPROTO when type, id or device number do not match.  The
 * token is the bus's business and is checked there.
 */
static inline int vmsg_check_response(const struct vmsg_hdr *req, const struct vmsg_hdr *resp)
{
	if (resp->type != (req->type | VMSG_TYPE_RESPONSE) || resp->msg_id != req->msg_id ||
	    resp->dev_num != req->dev_num)
		return -EPROTO;
	return 0;
}

/**
 * vmsg_id_name - printable name of a message id, for logs and tools
 * @bus: nonzero for bus messages
 * @msg_id: message id
 */
static inline const char *vmsg_id_name(int bus, __u8 msg_id)
{
	if (bus) {
		switch (msg_id) {
		case VMSG_BUS_GET_DEVICES:
			return "BUS_GET_DEVICES";
		case VMSG_BUS_PING:
			return "BUS_PING";
		case VMSG_BUS_EVENT_DEVICE:
			return "BUS_EVENT_DEVICE";
		}
		return "BUS_UNKNOWN";
	}
	switch (msg_id) {
	case VMSG_GET_DEVICE_INFO:
		return "GET_DEVICE_INFO";
	case VMSG_GET_DEVICE_FEATURES:
		return "GET_DEVICE_FEATURES";
	case VMSG_SET_DRIVER_FEATURES:
		return "SET_DRIVER_FEATURES";
	case VMSG_GET_CONFIG:
		return "GET_CONFIG";
	case VMSG_SET_CONFIG:
		return "SET_CONFIG";
	case VMSG_GET_DEVICE_STATUS:
		return "GET_DEVICE_STATUS";
	case VMSG_SET_DEVICE_STATUS:
		return "SET_DEVICE_STATUS";
	case VMSG_GET_VQUEUE:
		return "GET_VQUEUE";
	case VMSG_SET_VQUEUE:
		return "SET_VQUEUE";
	case VMSG_RESET_VQUEUE:
		return "RESET_VQUEUE";
	case VMSG_GET_SHM:
		return "GET_SHM";
	case VMSG_EVENT_CONFIG:
		return "EVENT_CONFIG";
	case VMSG_EVENT_AVAIL:
		return "EVENT_AVAIL";
	case VMSG_EVENT_USED:
		return "EVENT_USED";
	}
	return "UNKNOWN";
}

#endif /* _UAPI_VIRTIO_MSG_H */

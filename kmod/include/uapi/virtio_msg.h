/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * virtio-msg wire format: message header, message ids and payload layouts.
 *
 * Follows the virtio-msg draft of 2025-12-01 (8-byte header with a bus-owned
 * token).  Every field is little endian.  Layout and constants only: the
 * validation every receiver runs before it looks inside a message, the
 * accessors and the message builder are in kmod/virtio_msg_wire.[ch], which
 * the modules, the userspace tests and the bpf tools build.
 */
#ifndef _UAPI_VIRTIO_MSG_H
#define _UAPI_VIRTIO_MSG_H

#include <linux/types.h>

/* Header type byte: bit 0 request/response, bit 1 transport/bus, rest 0. */
#define VMSG_TYPE_RESPONSE 0x01
#define VMSG_TYPE_BUS 0x02
#define VMSG_TYPE_MASK (VMSG_TYPE_RESPONSE | VMSG_TYPE_BUS)

/* Message id ranges (draft 2025-12-01, "Message ids"). */
#define VMSG_ID_EVENT_FIRST 0x40
#define VMSG_ID_BUS_SPECIFIC_FIRST 0x80

/* Transport messages. */
enum vmsg_msg_id {
	VMSG_GET_DEVICE_INFO = 0x02,
	VMSG_GET_DEVICE_FEATURES = 0x03,
	VMSG_SET_DRIVER_FEATURES = 0x04,
	VMSG_GET_CONFIG = 0x05,
	VMSG_SET_CONFIG = 0x06,
	VMSG_GET_DEVICE_STATUS = 0x07,
	VMSG_SET_DEVICE_STATUS = 0x08,
	VMSG_GET_VQUEUE = 0x09,
	VMSG_SET_VQUEUE = 0x0a,
	VMSG_RESET_VQUEUE = 0x0b,
	VMSG_GET_SHM = 0x0c,
	VMSG_EVENT_CONFIG = 0x40,
	VMSG_EVENT_AVAIL = 0x41,
	VMSG_EVENT_USED = 0x42,
};

/* Bus messages (type has VMSG_TYPE_BUS, dev_num is 0). */
enum vmsg_bus_msg_id {
	VMSG_BUS_GET_DEVICES = 0x02,
	VMSG_BUS_PING = 0x03,
	VMSG_BUS_EVENT_DEVICE = 0x40,
};

/* EVENT_DEVICE states. */
enum vmsg_device_state {
	VMSG_DEVICE_STATE_READY = 1,
	VMSG_DEVICE_STATE_REMOVED = 2,
};

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

/*
 * GET_SHM response; length 0 means no such region.  The one layout here that
 * is not the 2025-12-01 draft's (a 12-byte reply of 32-bit fields): it is the
 * 24-byte reply of the 2026 postings, because virtio's get_shm_region() takes
 * a u64 address and length and a region above 4 GiB must be expressible.
 * docs/protocol.md lists this departure.
 */
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

#endif /* _UAPI_VIRTIO_MSG_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * virtio-msg wire format: header accessors, the message builder and the
 * validation every receiver runs before it looks inside a message.  The
 * layouts are in include/uapi/virtio_msg.h.
 *
 * virtio_msg_wire.c is built into virtio_msg.ko (which exports it to the
 * loop bus) and into the userspace unit tests, fuzzer and bpf tools, so
 * this header and that file include nothing kernel-only without a
 * userspace alternative, and allocate nothing.
 *
 * A receiver must call vmsg_validate() on every message it takes from the
 * other side of the bus; after that, the payload accessors are safe to use
 * for the message's id and direction.  Message buffers must be at least
 * 8-byte aligned (struct vmsg is): the accessors read through struct
 * pointers.
 */
#ifndef _VIRTIO_MSG_WIRE_H
#define _VIRTIO_MSG_WIRE_H

#include "include/uapi/virtio_msg.h"

#ifdef __KERNEL__
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
#include <stddef.h>
#include <string.h>
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

/* vmsg_fixed_size(): the payload size is variable, checked against its length fields. */
#define VMSG_VAR (-1)

int vmsg_check_hdr(const void *buf, size_t len, size_t max_size);
int vmsg_fixed_size(int bus, int resp, __u8 msg_id);
int vmsg_validate(const void *buf, size_t len, size_t max_size);
int vmsg_check_response(const struct vmsg_hdr *req, const struct vmsg_hdr *resp);
const char *vmsg_id_name(int bus, __u8 msg_id);

#endif /* _VIRTIO_MSG_WIRE_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_wire.c - libFuzzer target for the virtio-msg wire format (kmod/virtio_msg_wire.[ch],
 * layouts in kmod/include/uapi/virtio_msg.h).
 *
 * Every input is one received message.  It is validated against several bus maximum sizes and
 * the result is compared with ref_validate(), an independent reading of the 2025-12-01 draft
 * written from the draft's message table (docs/protocol.md) and the header's documented
 * contract (not from its code).  When the message is valid, every accessor and payload decoder
 * the header offers is run over it (the input buffer is exactly sized, so ASan catches any read
 * past the message), the message is
 * rebuilt with vmsg_init() and compared byte for byte, and vmsg_check_response() is exercised
 * against a synthesized request or response.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio_msg_wire.h"

#define CHECK(cond)                                                                       \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "fuzz_wire: check failed: %s (line %d)\n", #cond, \
				__LINE__);                                                \
			abort();                                                          \
		}                                                                         \
	} while (0)

static volatile __u64 sink;

static __u16 rd16(const __u8 *p)
{
	return (__u16)(p[0] | p[1] << 8);
}

static __u32 rd32(const __u8 *p)
{
	return (__u32)rd16(p) | (__u32)rd16(p + 2) << 16;
}

/* ---- the oracle: byte-level, no header structs or helpers ---------------------------------- */

static int ref_payload(int bus, int resp, int id, const __u8 *p, size_t plen)
{
	__u32 n, off, len;

	if (bus) {
		switch (id) {
		case 0x02: /* GET_DEVICES */
			if (!resp) {
				if (plen != 4)
					return -EBADMSG;
				if (rd16(p) % 8 || rd16(p + 2) % 8)
					return -EBADMSG;
				return 0;
			}
			if (plen < 6)
				return -EBADMSG;
			if (rd16(p) % 8 || rd16(p + 2) % 8 || rd16(p + 4) % 8)
				return -EBADMSG;
			return plen == 6 + rd16(p + 2) / 8u ? 0 : -EBADMSG;
		case 0x03: /* PING */
			return plen == 4 ? 0 : -EBADMSG;
		case 0x40: /* EVENT_DEVICE */
			if (resp)
				return -EPROTO;
			return plen == 4 ? 0 : -EBADMSG;
		}
		return -ENOMSG;
	}
	switch (id) {
	case 0x02:
		return plen == (resp ? 24u : 0u) ? 0 : -EBADMSG;
	case 0x03:
	case 0x04:
		if ((id == 0x03) != resp) /* GET request / SET response: fixed */
			return plen == (resp ? 0u : 8u) ? 0 : -EBADMSG;
		if (plen < 8)
			return -EBADMSG;
		n = rd32(p + 4);
		return (plen - 8) % 4 == 0 && (plen - 8) / 4 == n ? 0 : -EBADMSG;
	case 0x05:
	case 0x06:
		if (id == 0x05 && !resp) {
			if (plen != 8)
				return -EBADMSG;
			if (rd32(p) > 65535 || rd32(p + 4) > 65535)
				return -EBADMSG;
			return 0;
		}
		if (plen < 12)
			return -EBADMSG;
		off = rd32(p + 4);
		len = rd32(p + 8);
		if (off > 65535 || len > 65535)
			return -EBADMSG;
		if (id == 0x06 && resp && plen == 12)
			return 0;
		return plen - 12 == len ? 0 : -EBADMSG;
	case 0x07:
		return plen == (resp ? 4u : 0u) ? 0 : -EBADMSG;
	case 0x08:
		return plen == 4 ? 0 : -EBADMSG;
	case 0x09:
		return plen == (resp ? 40u : 4u) ? 0 : -EBADMSG;
	case 0x0a:
		return plen == (resp ? 0u : 40u) ? 0 : -EBADMSG;
	case 0x0b:
		return plen == (resp ? 0u : 4u) ? 0 : -EBADMSG;
	case 0x0c:
		return plen == (resp ? 24u : 4u) ? 0 : -EBADMSG;
	case 0x40:
		if (resp)
			return -EPROTO;
		if (plen < 16)
			return -EBADMSG;
		off = rd32(p + 8);
		len = rd32(p + 12);
		if (off > 65535 || len > 65535)
			return -EBADMSG;
		return plen - 16 == len ? 0 : -EBADMSG;
	case 0x41:
		return resp ? -EPROTO : plen == 8 ? 0 : -EBADMSG;
	case 0x42:
		return resp ? -EPROTO : plen == 4 ? 0 : -EBADMSG;
	}
	return -ENOMSG;
}

static int ref_validate(const __u8 *b, size_t len, size_t max)
{
	if (len < 8 || len > max || len > 65535 || rd16(b + 6) != len)
		return -EMSGSIZE;
	if (b[0] & ~3)
		return -EPROTO;
	if ((b[0] & 2) && rd16(b + 2))
		return -EPROTO;
	if (b[1] >= 0x80)
		return 0;
	return ref_payload(b[0] & 2, b[0] & 1, b[1], b + 8, len - 8);
}

/* ---- decoders: read every field of a valid message ----------------------------------------- */

static void read_bytes(const __u8 *p, size_t n)
{
	__u64 s = 0;

	for (size_t i = 0; i < n; i++)
		s += p[i];
	sink += s;
}

static void decode_bus(const struct vmsg_hdr *h, int resp, size_t plen)
{
	const void *p = vmsg_cpayload(h);

	switch (h->msg_id) {
	case VMSG_BUS_GET_DEVICES:
		if (!resp) {
			const struct vmsg_bus_devices_req *q = p;

			sink += vmsg_le16_to_cpu(q->offset) + vmsg_le16_to_cpu(q->count);
		} else {
			const struct vmsg_bus_devices *d = p;
			__u16 count = vmsg_le16_to_cpu(d->count);

			CHECK(count % 8 == 0 && plen == sizeof(*d) + count / 8);
			sink += vmsg_le16_to_cpu(d->offset) + vmsg_le16_to_cpu(d->next_offset);
			read_bytes(d->bitmap, count / 8);
		}
		break;
	case VMSG_BUS_PING: {
		const struct vmsg_bus_ping *q = p;

		sink += vmsg_le32_to_cpu(q->data);
		break;
	}
	case VMSG_BUS_EVENT_DEVICE: {
		const struct vmsg_bus_event_device *e = p;

		CHECK(!resp);
		sink += vmsg_le16_to_cpu(e->dev_num) + vmsg_le16_to_cpu(e->state);
		break;
	}
	default:
		CHECK(h->msg_id >= VMSG_ID_BUS_SPECIFIC_FIRST);
		read_bytes(p, plen);
	}
}

static void decode_config(const struct vmsg_config *c, size_t plen, int data_optional)
{
	__u32 len = vmsg_le32_to_cpu(c->length);

	sink += vmsg_le32_to_cpu(c->generation) + vmsg_le32_to_cpu(c->offset);
	CHECK(vmsg_le32_to_cpu(c->offset) <= VMSG_SIZE_LIMIT && len <= VMSG_SIZE_LIMIT);
	if (data_optional && plen == sizeof(*c))
		return;
	CHECK(plen == sizeof(*c) + len);
	read_bytes(c->data, len);
}

static void decode_transport(const struct vmsg_hdr *h, int resp, size_t plen)
{
	const void *p = vmsg_cpayload(h);

	switch (h->msg_id) {
	case VMSG_GET_DEVICE_INFO:
		if (resp) {
			const struct vmsg_device_info *d = p;

			sink += vmsg_le32_to_cpu(d->device_id) + vmsg_le32_to_cpu(d->vendor_id) +
				vmsg_le32_to_cpu(d->num_feature_bits) +
				vmsg_le32_to_cpu(d->config_size) +
				vmsg_le32_to_cpu(d->max_virtqueues) +
				vmsg_le16_to_cpu(d->admin_vq_start) +
				vmsg_le16_to_cpu(d->admin_vq_count);
		}
		break;
	case VMSG_GET_DEVICE_FEATURES:
	case VMSG_SET_DRIVER_FEATURES: {
		const struct vmsg_features *f = p;
		int has_blocks = (h->msg_id == VMSG_GET_DEVICE_FEATURES) == resp;
		int has_hdr = has_blocks || !resp;

		if (!has_hdr)
			break;
		sink += vmsg_le32_to_cpu(f->block_index);
		if (has_blocks) {
			__u32 n = vmsg_le32_to_cpu(f->num_blocks);

			CHECK(plen == sizeof(*f) + 4 * (size_t)n);
			for (__u32 i = 0; i < n; i++)
				sink += vmsg_le32_to_cpu(f->features[i]);
		}
		break;
	}
	case VMSG_GET_CONFIG:
		if (!resp) {
			const struct vmsg_config_req *q = p;

			sink += vmsg_le32_to_cpu(q->offset) + vmsg_le32_to_cpu(q->length);
		} else {
			decode_config(p, plen, 0);
		}
		break;
	case VMSG_SET_CONFIG:
		decode_config(p, plen, resp);
		break;
	case VMSG_GET_DEVICE_STATUS:
	case VMSG_SET_DEVICE_STATUS:
		if (resp || h->msg_id == VMSG_SET_DEVICE_STATUS) {
			const struct vmsg_status *s = p;

			sink += vmsg_le32_to_cpu(s->status);
		}
		break;
	case VMSG_GET_VQUEUE:
		if (resp) {
			const struct vmsg_vqueue_info *v = p;

			sink += vmsg_le32_to_cpu(v->index) + vmsg_le32_to_cpu(v->max_size) +
				vmsg_le32_to_cpu(v->cur_size) + vmsg_le32_to_cpu(v->reserved) +
				vmsg_le64_to_cpu(v->desc_addr) + vmsg_le64_to_cpu(v->driver_addr) +
				vmsg_le64_to_cpu(v->device_addr);
			break;
		}
		/* fall through */
	case VMSG_RESET_VQUEUE:
		if (!resp) {
			const struct vmsg_index *i = p;

			sink += vmsg_le32_to_cpu(i->index);
		}
		break;
	case VMSG_SET_VQUEUE:
		if (!resp) {
			const struct vmsg_vqueue_set *s = p;

			sink += vmsg_le32_to_cpu(s->index) + vmsg_le32_to_cpu(s->reserved0) +
				vmsg_le32_to_cpu(s->size) + vmsg_le32_to_cpu(s->reserved1) +
				vmsg_le64_to_cpu(s->desc_addr) + vmsg_le64_to_cpu(s->driver_addr) +
				vmsg_le64_to_cpu(s->device_addr);
		}
		break;
	case VMSG_GET_SHM:
		if (resp) {
			const struct vmsg_shm *s = p;

			sink += vmsg_le32_to_cpu(s->index) + vmsg_le32_to_cpu(s->reserved) +
				vmsg_le64_to_cpu(s->length) + vmsg_le64_to_cpu(s->address);
		} else {
			const struct vmsg_index *i = p;

			sink += vmsg_le32_to_cpu(i->index);
		}
		break;
	case VMSG_EVENT_CONFIG: {
		const struct vmsg_event_config *e = p;
		__u32 len = vmsg_le32_to_cpu(e->length);

		CHECK(!resp && plen == sizeof(*e) + len);
		sink += vmsg_le32_to_cpu(e->device_status) + vmsg_le32_to_cpu(e->generation) +
			vmsg_le32_to_cpu(e->offset);
		read_bytes(e->data, len);
		break;
	}
	case VMSG_EVENT_AVAIL: {
		const struct vmsg_event_avail *a = p;
		__u32 next = vmsg_le32_to_cpu(a->next_offset);

		CHECK(!resp);
		sink += vmsg_le32_to_cpu(a->vq_index) + (next & VMSG_NEXT_OFFSET_MASK) +
			!!(next & VMSG_NEXT_WRAP);
		break;
	}
	case VMSG_EVENT_USED: {
		const struct vmsg_event_used *u = p;

		CHECK(!resp);
		sink += vmsg_le32_to_cpu(u->vq_index);
		break;
	}
	default:
		CHECK(h->msg_id >= VMSG_ID_BUS_SPECIFIC_FIRST);
		read_bytes(p, plen);
	}
}

/* ---- vmsg_check_response against synthesized partners ------------------------------------- */

static void check_pairs(const struct vmsg_hdr *h)
{
	struct vmsg_hdr other = *h, bad;

	if (vmsg_is_event(h) || h->msg_id >= VMSG_ID_BUS_SPECIFIC_FIRST)
		return;
	if (vmsg_is_response(h)) {
		/* h answers the request it came from */
		other.type = h->type & ~VMSG_TYPE_RESPONSE;
		other.token ^= 0x5a5a; /* the token is not checked here */
		CHECK(vmsg_check_response(&other, h) == 0);
		bad = *h;
		bad.msg_id ^= 1;
		CHECK(vmsg_check_response(&other, &bad) == -EPROTO);
		bad = *h;
		bad.dev_num = vmsg_cpu_to_le16(vmsg_dev_num(h) ^ 0x100);
		CHECK(vmsg_check_response(&other, &bad) == -EPROTO);
		bad = *h;
		bad.type ^= VMSG_TYPE_BUS;
		CHECK(vmsg_check_response(&other, &bad) == -EPROTO);
		/* a request is not its own answer */
		CHECK(vmsg_check_response(&other, &other) == -EPROTO);
	} else {
		other.type = h->type | VMSG_TYPE_RESPONSE;
		other.msg_size = vmsg_cpu_to_le16(VMSG_HDR_SIZE);
		CHECK(vmsg_check_response(h, &other) == 0);
		CHECK(vmsg_check_response(h, h) == -EPROTO);
		other.msg_id ^= 0x80;
		CHECK(vmsg_check_response(h, &other) == -EPROTO);
	}
}

/* ---- entry point ---------------------------------------------------------------------------- */

static const size_t max_sizes[] = {
	0,
	7,
	8,
	12,
	52,
	64,
	VMSG_MAX_SIZE - 1,
	VMSG_MAX_SIZE,
	4096,
	VMSG_SIZE_LIMIT,
	VMSG_SIZE_LIMIT + 1,
	SIZE_MAX,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct vmsg_hdr *h = (const struct vmsg_hdr *)data;
	int valid_at = -1, prev = 1;

	for (size_t i = 0; i < sizeof(max_sizes) / sizeof(max_sizes[0]); i++) {
		size_t max = max_sizes[i];
		int r = vmsg_validate(data, size, max);
		int hr = vmsg_check_hdr(data, size, max);
		int ref = ref_validate(data, size, max);

		if (r != ref) {
			fprintf(stderr,
				"fuzz_wire: vmsg_validate %d, oracle %d (len %zu max %zu)\n", r,
				ref, size, max);
			abort();
		}
		CHECK(r == 0 || r == -EMSGSIZE || r == -EPROTO || r == -ENOMSG || r == -EBADMSG);
		CHECK(hr == 0 || hr == -EMSGSIZE || hr == -EPROTO);
		if (hr)
			CHECK(r == hr);
		/* a larger bus never rejects what a smaller one accepts */
		if (prev == 0)
			CHECK(r == 0);
		prev = r;
		if (r == 0 && valid_at < 0)
			valid_at = (int)i;
	}
	/* the NULL buffer is never valid */
	CHECK(vmsg_validate(NULL, size, SIZE_MAX) == -EMSGSIZE);

	/* id names exist for any header */
	if (size >= 2) {
		CHECK(vmsg_id_name(0, data[1]) && vmsg_id_name(0, data[1])[0]);
		CHECK(vmsg_id_name(1, data[1]) && vmsg_id_name(1, data[1])[0]);
		vmsg_fixed_size(0, 0, data[1]);
		vmsg_fixed_size(0, 1, data[1]);
		vmsg_fixed_size(1, 0, data[1]);
		vmsg_fixed_size(1, 1, data[1]);
	}
	if (valid_at < 0)
		return 0;

	/* valid: the header agrees with itself and with the bytes */
	{
		size_t plen = vmsg_payload_size(h);
		int bus = vmsg_is_bus(h), resp = vmsg_is_response(h);
		struct vmsg m;
		void *p;

		CHECK(vmsg_size(h) == size && plen == size - VMSG_HDR_SIZE);
		CHECK(vmsg_dev_num(h) == rd16(data + 2));
		CHECK(bus == !!(data[0] & 2) && resp == !!(data[0] & 1));
		CHECK(vmsg_is_event(h) == (data[1] >= 0x40 && data[1] < 0x80));
		CHECK((const __u8 *)vmsg_cpayload(h) == data + VMSG_HDR_SIZE);
		CHECK(!bus || vmsg_dev_num(h) == 0);
		if (h->msg_id < VMSG_ID_BUS_SPECIFIC_FIRST) {
			int want = vmsg_fixed_size(bus, resp, h->msg_id);

			CHECK(want == VMSG_VAR || want == (int)plen);
		}
		if (bus)
			decode_bus(h, resp, plen);
		else
			decode_transport(h, resp, plen);
		check_pairs(h);

		/* rebuild it with vmsg_init(): same bytes, still valid */
		p = vmsg_init(&m, h->type, h->msg_id, vmsg_dev_num(h), plen);
		if (plen > VMSG_MAX_PAYLOAD) {
			CHECK(!p);
		} else {
			CHECK(p == m.payload.raw);
			memcpy(p, vmsg_cpayload(h), plen);
			m.hdr.token = h->token;
			CHECK(memcmp(&m, data, size) == 0);
			CHECK(vmsg_validate(&m, size, VMSG_MAX_SIZE) == 0);
		}
	}
	return 0;
}

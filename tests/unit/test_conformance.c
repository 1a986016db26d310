// SPDX-License-Identifier: GPL-2.0
/*
 * test_conformance.c - every message of kmod/include/uapi/virtio_msg.h against a table
 * transcribed from the message table of the OASIS virtio-msg transport draft of 2025-12-01
 * ("Transport messages" and "Bus messages"): message id, total size (8-byte header + fixed
 * payload) and each field's offset and size, then an encode / validate / decode round trip of
 * each through kmod/virtio_msg_wire.c.
 *
 * Confirmed from public text as well (implementations of the draft found with the search
 * tool: a Linux virtio-msg uapi header, an OP-TEE virtio-msg device and a Rust vsock device):
 * the header, the ids 0x02-0x0c and 0x40-0x42, GET_DEVICE_INFO's response, the feature block
 * messages, GET_CONFIG's request and response, GET_VQUEUE's response (index, max_size,
 * cur_size, three 64-bit addresses), EVENT_AVAIL (vq_index, next_offset), bus GET_DEVICES
 * request and response and PING.  Transcribed from the draft's table only: the reserved words
 * of GET_VQUEUE / SET_VQUEUE, SET_CONFIG's response, GET_SHM, EVENT_CONFIG, EVENT_USED and
 * EVENT_DEVICE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "virtio_msg_wire.h"

#define MAX_FIELDS 8

struct field {
	const char *name;
	size_t off, size;	  /* ours: offsetof, sizeof */
	size_t want_off, want_sz; /* the draft's */
};

/* How a variable part follows the fixed payload. */
enum var_kind {
	VAR_NONE,
	VAR_BYTES, /* data[]: the field named len_field counts bytes */
	VAR_WORDS, /* features[]: the field named len_field counts 32-bit words */
	VAR_BITS,  /* bitmap[]: the field named len_field counts bits (a multiple of 8) */
};

struct row {
	const char *name;
	int bus, resp;
	__u8 id, want_id;
	size_t fixed, want_size; /* ours: sizeof the payload struct; the draft: header + fixed */
	enum var_kind var;
	const char *len_field;
	struct field f[MAX_FIELDS];
};

#define F(type, member, want_off, want_sz)                                                      \
	{                                                                                       \
#member, offsetof(type, member), sizeof(((type *)0)->member), want_off, want_sz \
	}
/* a flexible array member: an offset, no size */
#define FA(type, member, want_off)                              \
	{                                                       \
#member, offsetof(type, member), 0, want_off, 0 \
	}
#define NOPAYLOAD 0

static const struct row rows[] = {
	{"GET_DEVICE_INFO req",
	 0,
	 0,
	 VMSG_GET_DEVICE_INFO,
	 0x02,
	 NOPAYLOAD,
	 8,
	 VAR_NONE,
	 NULL,
	 {{0}}},
	{"GET_DEVICE_INFO resp",
	 0,
	 1,
	 VMSG_GET_DEVICE_INFO,
	 0x02,
	 sizeof(struct vmsg_device_info),
	 8 + 24,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_device_info, device_id, 0, 4), F(struct vmsg_device_info, vendor_id, 4, 4),
	  F(struct vmsg_device_info, num_feature_bits, 8, 4),
	  F(struct vmsg_device_info, config_size, 12, 4),
	  F(struct vmsg_device_info, max_virtqueues, 16, 4),
	  F(struct vmsg_device_info, admin_vq_start, 20, 2),
	  F(struct vmsg_device_info, admin_vq_count, 22, 2)}},
	{"GET_DEVICE_FEATURES req",
	 0,
	 0,
	 VMSG_GET_DEVICE_FEATURES,
	 0x03,
	 sizeof(struct vmsg_features),
	 8 + 8,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_features, block_index, 0, 4), F(struct vmsg_features, num_blocks, 4, 4)}},
	{"GET_DEVICE_FEATURES resp",
	 0,
	 1,
	 VMSG_GET_DEVICE_FEATURES,
	 0x03,
	 sizeof(struct vmsg_features),
	 8 + 8,
	 VAR_WORDS,
	 "num_blocks",
	 {F(struct vmsg_features, block_index, 0, 4), F(struct vmsg_features, num_blocks, 4, 4),
	  FA(struct vmsg_features, features, 8)}},
	{"SET_DRIVER_FEATURES req",
	 0,
	 0,
	 VMSG_SET_DRIVER_FEATURES,
	 0x04,
	 sizeof(struct vmsg_features),
	 8 + 8,
	 VAR_WORDS,
	 "num_blocks",
	 {F(struct vmsg_features, block_index, 0, 4), F(struct vmsg_features, num_blocks, 4, 4),
	  FA(struct vmsg_features, features, 8)}},
	{"SET_DRIVER_FEATURES resp",
	 0,
	 1,
	 VMSG_SET_DRIVER_FEATURES,
	 0x04,
	 NOPAYLOAD,
	 8,
	 VAR_NONE,
	 NULL,
	 {{0}}},
	{"GET_CONFIG req",
	 0,
	 0,
	 VMSG_GET_CONFIG,
	 0x05,
	 sizeof(struct vmsg_config_req),
	 8 + 8,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_config_req, offset, 0, 4), F(struct vmsg_config_req, length, 4, 4)}},
	{"GET_CONFIG resp",
	 0,
	 1,
	 VMSG_GET_CONFIG,
	 0x05,
	 sizeof(struct vmsg_config),
	 8 + 12,
	 VAR_BYTES,
	 "length",
	 {F(struct vmsg_config, generation, 0, 4), F(struct vmsg_config, offset, 4, 4),
	  F(struct vmsg_config, length, 8, 4), FA(struct vmsg_config, data, 12)}},
	{"SET_CONFIG req",
	 0,
	 0,
	 VMSG_SET_CONFIG,
	 0x06,
	 sizeof(struct vmsg_config),
	 8 + 12,
	 VAR_BYTES,
	 "length",
	 {F(struct vmsg_config, generation, 0, 4), F(struct vmsg_config, offset, 4, 4),
	  F(struct vmsg_config, length, 8, 4), FA(struct vmsg_config, data, 12)}},
	{"SET_CONFIG resp",
	 0,
	 1,
	 VMSG_SET_CONFIG,
	 0x06,
	 sizeof(struct vmsg_config),
	 8 + 12,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_config, generation, 0, 4), F(struct vmsg_config, offset, 4, 4),
	  F(struct vmsg_config, length, 8, 4)}},
	{"GET_DEVICE_STATUS req",
	 0,
	 0,
	 VMSG_GET_DEVICE_STATUS,
	 0x07,
	 NOPAYLOAD,
	 8,
	 VAR_NONE,
	 NULL,
	 {{0}}},
	{"GET_DEVICE_STATUS resp",
	 0,
	 1,
	 VMSG_GET_DEVICE_STATUS,
	 0x07,
	 sizeof(struct vmsg_status),
	 8 + 4,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_status, status, 0, 4)}},
	{"SET_DEVICE_STATUS req",
	 0,
	 0,
	 VMSG_SET_DEVICE_STATUS,
	 0x08,
	 sizeof(struct vmsg_status),
	 8 + 4,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_status, status, 0, 4)}},
	{"SET_DEVICE_STATUS resp",
	 0,
	 1,
	 VMSG_SET_DEVICE_STATUS,
	 0x08,
	 sizeof(struct vmsg_status),
	 8 + 4,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_status, status, 0, 4)}},
	{"GET_VQUEUE req",
	 0,
	 0,
	 VMSG_GET_VQUEUE,
	 0x09,
	 sizeof(struct vmsg_index),
	 8 + 4,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_index, index, 0, 4)}},
	{"GET_VQUEUE resp",
	 0,
	 1,
	 VMSG_GET_VQUEUE,
	 0x09,
	 sizeof(struct vmsg_vqueue_info),
	 8 + 40,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_vqueue_info, index, 0, 4), F(struct vmsg_vqueue_info, max_size, 4, 4),
	  F(struct vmsg_vqueue_info, cur_size, 8, 4), F(struct vmsg_vqueue_info, reserved, 12, 4),
	  F(struct vmsg_vqueue_info, desc_addr, 16, 8),
	  F(struct vmsg_vqueue_info, driver_addr, 24, 8),
	  F(struct vmsg_vqueue_info, device_addr, 32, 8)}},
	{"SET_VQUEUE req",
	 0,
	 0,
	 VMSG_SET_VQUEUE,
	 0x0a,
	 sizeof(struct vmsg_vqueue_set),
	 8 + 40,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_vqueue_set, index, 0, 4), F(struct vmsg_vqueue_set, reserved0, 4, 4),
	  F(struct vmsg_vqueue_set, size, 8, 4), F(struct vmsg_vqueue_set, reserved1, 12, 4),
	  F(struct vmsg_vqueue_set, desc_addr, 16, 8),
	  F(struct vmsg_vqueue_set, driver_addr, 24, 8),
	  F(struct vmsg_vqueue_set, device_addr, 32, 8)}},
	{"SET_VQUEUE resp", 0, 1, VMSG_SET_VQUEUE, 0x0a, NOPAYLOAD, 8, VAR_NONE, NULL, {{0}}},
	{"RESET_VQUEUE req",
	 0,
	 0,
	 VMSG_RESET_VQUEUE,
	 0x0b,
	 sizeof(struct vmsg_index),
	 8 + 4,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_index, index, 0, 4)}},
	{"RESET_VQUEUE resp", 0, 1, VMSG_RESET_VQUEUE, 0x0b, NOPAYLOAD, 8, VAR_NONE, NULL, {{0}}},
	{"GET_SHM req",
	 0,
	 0,
	 VMSG_GET_SHM,
	 0x0c,
	 sizeof(struct vmsg_index),
	 8 + 4,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_index, index, 0, 4)}},
	{"GET_SHM resp",
	 0,
	 1,
	 VMSG_GET_SHM,
	 0x0c,
	 sizeof(struct vmsg_shm),
	 8 + 24,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_shm, index, 0, 4), F(struct vmsg_shm, reserved, 4, 4),
	  F(struct vmsg_shm, length, 8, 8), F(struct vmsg_shm, address, 16, 8)}},
	{"EVENT_CONFIG",
	 0,
	 0,
	 VMSG_EVENT_CONFIG,
	 0x40,
	 sizeof(struct vmsg_event_config),
	 8 + 16,
	 VAR_BYTES,
	 "length",
	 {F(struct vmsg_event_config, device_status, 0, 4),
	  F(struct vmsg_event_config, generation, 4, 4), F(struct vmsg_event_config, offset, 8, 4),
	  F(struct vmsg_event_config, length, 12, 4), FA(struct vmsg_event_config, data, 16)}},
	{"EVENT_AVAIL",
	 0,
	 0,
	 VMSG_EVENT_AVAIL,
	 0x41,
	 sizeof(struct vmsg_event_avail),
	 8 + 8,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_event_avail, vq_index, 0, 4),
	  F(struct vmsg_event_avail, next_offset, 4, 4)}},
	{"EVENT_USED",
	 0,
	 0,
	 VMSG_EVENT_USED,
	 0x42,
	 sizeof(struct vmsg_event_used),
	 8 + 4,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_event_used, vq_index, 0, 4)}},
	{"bus GET_DEVICES req",
	 1,
	 0,
	 VMSG_BUS_GET_DEVICES,
	 0x02,
	 sizeof(struct vmsg_bus_devices_req),
	 8 + 4,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_bus_devices_req, offset, 0, 2),
	  F(struct vmsg_bus_devices_req, count, 2, 2)}},
	{"bus GET_DEVICES resp",
	 1,
	 1,
	 VMSG_BUS_GET_DEVICES,
	 0x02,
	 sizeof(struct vmsg_bus_devices),
	 8 + 6,
	 VAR_BITS,
	 "count",
	 {F(struct vmsg_bus_devices, offset, 0, 2), F(struct vmsg_bus_devices, count, 2, 2),
	  F(struct vmsg_bus_devices, next_offset, 4, 2), FA(struct vmsg_bus_devices, bitmap, 6)}},
	{"bus PING req",
	 1,
	 0,
	 VMSG_BUS_PING,
	 0x03,
	 sizeof(struct vmsg_bus_ping),
	 8 + 4,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_bus_ping, data, 0, 4)}},
	{"bus PING resp",
	 1,
	 1,
	 VMSG_BUS_PING,
	 0x03,
	 sizeof(struct vmsg_bus_ping),
	 8 + 4,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_bus_ping, data, 0, 4)}},
	{"bus EVENT_DEVICE",
	 1,
	 0,
	 VMSG_BUS_EVENT_DEVICE,
	 0x40,
	 sizeof(struct vmsg_bus_event_device),
	 8 + 4,
	 VAR_NONE,
	 NULL,
	 {F(struct vmsg_bus_event_device, dev_num, 0, 2),
	  F(struct vmsg_bus_event_device, state, 2, 2)}},
};

/* Flexible array members: sizeof of one element, as offsetof-only fields have size 0 above. */
#define VAR_ELEM_WORD 4

static void test_header(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct vmsg_hdr), 8);
	assert_int_equal(VMSG_HDR_SIZE, 8);
	assert_int_equal(offsetof(struct vmsg_hdr, type), 0);
	assert_int_equal(offsetof(struct vmsg_hdr, msg_id), 1);
	assert_int_equal(offsetof(struct vmsg_hdr, dev_num), 2);
	assert_int_equal(offsetof(struct vmsg_hdr, token), 4);
	assert_int_equal(offsetof(struct vmsg_hdr, msg_size), 6);
	assert_int_equal(sizeof(((struct vmsg_hdr *)0)->msg_size), 2);
	assert_int_equal(VMSG_TYPE_RESPONSE, 0x01);
	assert_int_equal(VMSG_TYPE_BUS, 0x02);
	assert_int_equal(VMSG_DEVICE_STATE_READY, 1);
	assert_int_equal(VMSG_DEVICE_STATE_REMOVED, 2);
}

static void test_layouts(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		print_message("# %s\n", r->name);
		assert_int_equal(r->id, r->want_id);
		assert_int_equal(VMSG_HDR_SIZE + r->fixed, r->want_size);
		/* our size tables agree: fixed, or variable with that many fixed bytes */
		if (r->var == VAR_NONE && !(r->id == VMSG_SET_CONFIG && r->resp))
			assert_int_equal(vmsg_fixed_size(r->bus, r->resp, r->id), (int)r->fixed);
		else
			assert_int_equal(vmsg_fixed_size(r->bus, r->resp, r->id), VMSG_VAR);
		for (j = 0; j < MAX_FIELDS && r->f[j].name; j++) {
			const struct field *f = &r->f[j];

			print_message("#   %s\n", f->name);
			assert_int_equal(f->off, f->want_off);
			/* flexible arrays have no size of their own */
			if (f->want_sz)
				assert_int_equal(f->size, f->want_sz);
			/* every 64-bit field is 8-aligned in the message (draft) */
			if (f->want_sz == 8)
				assert_int_equal((VMSG_HDR_SIZE + f->off) % 8, 0);
		}
	}
}

static void put_le(__u8 *p, size_t size, __u64 v)
{
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = (__u8)(v >> (8 * i));
}

static __u64 get_le(const __u8 *p, size_t size)
{
	__u64 v = 0;
	size_t i;

	for (i = 0; i < size; i++)
		v |= (__u64)p[i] << (8 * i);
	return v;
}

/* Encode every field with a distinct value, validate, copy, validate, decode. */
static void test_round_trip(void **state)
{
	static struct vmsg m, rx;
	size_t i, j, extra, n = 2;
	__u8 type;
	__u8 *p;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		print_message("# %s\n", r->name);
		extra = r->var == VAR_BYTES   ? n
			: r->var == VAR_WORDS ? n * VAR_ELEM_WORD
			: r->var == VAR_BITS  ? n
					      : 0;
		type = (__u8)((r->bus ? VMSG_TYPE_BUS : 0) | (r->resp ? VMSG_TYPE_RESPONSE : 0));
		p = vmsg_init(&m, type, r->id, r->bus ? 0 : 7, r->fixed + extra);
		assert_non_null(p);
		m.hdr.token = vmsg_cpu_to_le16(0x1234);
		for (j = 0; j < MAX_FIELDS && r->f[j].name; j++) {
			const struct field *f = &r->f[j];
			/* small multiples of 8: in range for offsets, counts and bitmaps */
			__u64 v = 8 * (j + 1);

			if (!f->want_sz)
				continue;
			if (r->len_field && !strcmp(f->name, r->len_field))
				v = r->var == VAR_BITS ? n * 8 : n;
			put_le(p + f->off, f->size, v);
		}
		memset(p + r->fixed, 0x5a, extra);
		assert_int_equal(vmsg_validate(&m, VMSG_HDR_SIZE + r->fixed + extra, VMSG_MAX_SIZE),
				 0);
		memset(&rx, 0xa5, sizeof(rx));
		memcpy(&rx, &m, VMSG_HDR_SIZE + r->fixed + extra);
		assert_int_equal(
			vmsg_validate(&rx, VMSG_HDR_SIZE + r->fixed + extra, VMSG_MAX_SIZE), 0);
		assert_int_equal(rx.hdr.type, type);
		assert_int_equal(rx.hdr.msg_id, r->want_id);
		assert_int_equal(vmsg_le16_to_cpu(rx.hdr.token), 0x1234);
		assert_int_equal(vmsg_size(&rx.hdr), r->want_size + extra);
		for (j = 0; j < MAX_FIELDS && r->f[j].name; j++) {
			const struct field *f = &r->f[j];
			__u64 v = 8 * (j + 1);

			if (!f->want_sz)
				continue;
			if (r->len_field && !strcmp(f->name, r->len_field))
				v = r->var == VAR_BITS ? n * 8 : n;
			/* decoded at the draft's offset */
			assert_int_equal(get_le(rx.payload.raw + f->want_off, f->want_sz), v);
		}
		if (extra)
			assert_int_equal(rx.payload.raw[r->fixed + extra - 1], 0x5a);
		/* one byte short of what the fields say: refused */
		assert_int_not_equal(
			vmsg_validate(&rx, VMSG_HDR_SIZE + r->fixed + extra - 1, VMSG_MAX_SIZE), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests_name("conformance", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * test_wire.c - cmocka tests of the virtio-msg wire format (kmod/virtio_msg_wire.[ch], layouts in
 * kmod/include/uapi/virtio_msg.h): every message of the 2025-12-01 draft built with
 * vmsg_init(), validated, copied as raw bytes and decoded back; then malformed messages of
 * every kind the receiver must drop.
 *
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "virtio_msg_wire.h"

#define T_REQ 0
#define T_RESP VMSG_TYPE_RESPONSE
#define B_REQ VMSG_TYPE_BUS
#define B_RESP (VMSG_TYPE_BUS | VMSG_TYPE_RESPONSE)

#define le16 vmsg_cpu_to_le16
#define le32 vmsg_cpu_to_le32
#define le64 vmsg_cpu_to_le64
#define cpu16 vmsg_le16_to_cpu
#define cpu32 vmsg_le32_to_cpu
#define cpu64 vmsg_le64_to_cpu

/* A received message: a separate, exactly sized copy of what went on the wire. */
static struct vmsg rx;

static int validate(const struct vmsg *m)
{
	return vmsg_validate(m, vmsg_size(&m->hdr), VMSG_MAX_SIZE);
}

/*
 * Validate @m, "send" it (token set by the bus, bytes copied into rx), validate the copy and
 * check the header decodes back.  Returns the received payload.
 */
static const void *send_recv(struct vmsg *m, __u8 type, __u8 id, __u16 dev, size_t plen)
{
	size_t len = VMSG_HDR_SIZE + plen;

	m->hdr.token = le16(0xbeef);
	assert_int_equal(validate(m), 0);
	memset(&rx, 0xa5, sizeof(rx));
	memcpy(&rx, m, len);
	assert_int_equal(vmsg_validate(&rx, len, VMSG_MAX_SIZE), 0);
	assert_int_equal(vmsg_check_hdr(&rx, len, VMSG_MAX_SIZE), 0);
	assert_int_equal(rx.hdr.type, type);
	assert_int_equal(rx.hdr.msg_id, id);
	assert_int_equal(vmsg_dev_num(&rx.hdr), dev);
	assert_int_equal(cpu16(rx.hdr.token), 0xbeef);
	assert_int_equal(vmsg_size(&rx.hdr), len);
	assert_int_equal(vmsg_payload_size(&rx.hdr), plen);
	assert_int_equal(vmsg_is_response(&rx.hdr), !!(type & VMSG_TYPE_RESPONSE));
	assert_int_equal(vmsg_is_bus(&rx.hdr), !!(type & VMSG_TYPE_BUS));
	assert_ptr_equal(vmsg_cpayload(&rx.hdr), rx.payload.raw);
	assert_ptr_equal(vmsg_payload(&rx.hdr), rx.payload.raw);
	/* wire byte order of the header: little endian */
	assert_int_equal(((const __u8 *)&rx)[4], 0xef);
	assert_int_equal(((const __u8 *)&rx)[5], 0xbe);
	assert_int_equal(((const __u8 *)&rx)[6], len & 0xff);
	assert_int_equal(((const __u8 *)&rx)[7], len >> 8);
	return rx.payload.raw;
}

/* A header with arbitrary (possibly inconsistent) fields and @plen payload bytes. */
static void raw_msg(struct vmsg *m, __u8 type, __u8 id, __u16 dev, size_t plen)
{
	memset(m, 0, sizeof(*m));
	m->hdr.type = type;
	m->hdr.msg_id = id;
	m->hdr.dev_num = le16(dev);
	m->hdr.msg_size = le16((__u16)(VMSG_HDR_SIZE + plen));
}

/* ---- layout ---------------------------------------------------------------------------- */

static void test_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct vmsg_hdr), VMSG_HDR_SIZE);
	assert_int_equal(offsetof(struct vmsg_hdr, type), 0);
	assert_int_equal(offsetof(struct vmsg_hdr, msg_id), 1);
	assert_int_equal(offsetof(struct vmsg_hdr, dev_num), 2);
	assert_int_equal(offsetof(struct vmsg_hdr, token), 4);
	assert_int_equal(offsetof(struct vmsg_hdr, msg_size), 6);
	assert_int_equal(sizeof(struct vmsg), VMSG_MAX_SIZE);
	assert_int_equal(offsetof(struct vmsg, payload) % 8, 0);
	assert_int_equal(sizeof(struct vmsg_device_info), 24);
	assert_int_equal(sizeof(struct vmsg_features), 8);
	assert_int_equal(sizeof(struct vmsg_config_req), 8);
	assert_int_equal(sizeof(struct vmsg_config), 12);
	assert_int_equal(sizeof(struct vmsg_status), 4);
	assert_int_equal(sizeof(struct vmsg_index), 4);
	assert_int_equal(sizeof(struct vmsg_vqueue_info), 40);
	assert_int_equal(offsetof(struct vmsg_vqueue_info, desc_addr), 16);
	assert_int_equal(sizeof(struct vmsg_vqueue_set), 40);
	assert_int_equal(offsetof(struct vmsg_vqueue_set, size), 8);
	assert_int_equal(offsetof(struct vmsg_vqueue_set, desc_addr), 16);
	assert_int_equal(sizeof(struct vmsg_shm), 24);
	assert_int_equal(offsetof(struct vmsg_shm, length), 8);
	assert_int_equal(sizeof(struct vmsg_event_config), 16);
	assert_int_equal(sizeof(struct vmsg_event_avail), 8);
	assert_int_equal(sizeof(struct vmsg_event_used), 4);
	assert_int_equal(sizeof(struct vmsg_bus_devices_req), 4);
	assert_int_equal(sizeof(struct vmsg_bus_devices), 6);
	assert_int_equal(sizeof(struct vmsg_bus_ping), 4);
	assert_int_equal(sizeof(struct vmsg_bus_event_device), 4);
	assert_int_equal(VMSG_MAX_PAYLOAD - sizeof(struct vmsg_config), 244);
}

static void test_init(void **state)
{
	(void)state;
	struct vmsg m;
	__u8 *p;

	memset(&m, 0xff, sizeof(m));
	p = vmsg_init(&m, T_REQ, VMSG_GET_VQUEUE, 0x1234, 4);
	assert_ptr_equal(p, m.payload.raw);
	assert_int_equal(m.hdr.type, 0);
	assert_int_equal(m.hdr.msg_id, VMSG_GET_VQUEUE);
	assert_int_equal(vmsg_dev_num(&m.hdr), 0x1234);
	assert_int_equal(m.hdr.token, 0); /* the bus owns the token */
	assert_int_equal(vmsg_size(&m.hdr), 12);
	for (int i = 0; i < 4; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal(p[4], 0xff); /* nothing past the message is touched */

	assert_non_null(vmsg_init(&m, T_RESP, VMSG_GET_CONFIG, 1, VMSG_MAX_PAYLOAD));
	assert_int_equal(vmsg_size(&m.hdr), VMSG_MAX_SIZE);
	assert_null(vmsg_init(&m, T_RESP, VMSG_GET_CONFIG, 1, VMSG_MAX_PAYLOAD + 1));
	assert_null(vmsg_init(&m, T_RESP, VMSG_GET_CONFIG, 1, (size_t)-1));
	assert_non_null(vmsg_init(&m, T_REQ, VMSG_GET_DEVICE_INFO, 1, 0));
	assert_int_equal(vmsg_size(&m.hdr), VMSG_HDR_SIZE);
	assert_int_equal(vmsg_payload_size(&m.hdr), 0);
}

/* ---- round trips: transport requests and responses ------------------------------------- */

static void test_get_device_info(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_device_info *d;
	const struct vmsg_device_info *r;

	assert_non_null(vmsg_init(&m, T_REQ, VMSG_GET_DEVICE_INFO, 3, 0));
	send_recv(&m, T_REQ, VMSG_GET_DEVICE_INFO, 3, 0);

	d = vmsg_init(&m, T_RESP, VMSG_GET_DEVICE_INFO, 3, sizeof(*d));
	d->device_id = le32(1); /* net */
	d->vendor_id = le32(0x554d4551);
	d->num_feature_bits = le32(128);
	d->config_size = le32(0x40);
	d->max_virtqueues = le32(3);
	d->admin_vq_start = le16(0x102);
	d->admin_vq_count = le16(0x304);
	r = send_recv(&m, T_RESP, VMSG_GET_DEVICE_INFO, 3, sizeof(*d));
	assert_int_equal(cpu32(r->device_id), 1);
	assert_int_equal(cpu32(r->vendor_id), 0x554d4551);
	assert_int_equal(cpu32(r->num_feature_bits), 128);
	assert_int_equal(cpu32(r->config_size), 0x40);
	assert_int_equal(cpu32(r->max_virtqueues), 3);
	assert_int_equal(cpu16(r->admin_vq_start), 0x102);
	assert_int_equal(cpu16(r->admin_vq_count), 0x304);
	/* little endian on the wire */
	assert_int_equal(rx.payload.raw[4], 0x51);
	assert_int_equal(rx.payload.raw[7], 0x55);
	assert_int_equal(rx.payload.raw[20], 0x02);
	assert_int_equal(rx.payload.raw[21], 0x01);
}

static void test_get_device_features(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_features *f;
	const struct vmsg_features *r;
	size_t plen;

	f = vmsg_init(&m, T_REQ, VMSG_GET_DEVICE_FEATURES, 7, sizeof(*f));
	f->block_index = le32(1);
	f->num_blocks = le32(2);
	r = send_recv(&m, T_REQ, VMSG_GET_DEVICE_FEATURES, 7, sizeof(*f));
	assert_int_equal(cpu32(r->block_index), 1);
	assert_int_equal(cpu32(r->num_blocks), 2);

	for (__u32 n = 0; n <= 3; n++) {
		plen = sizeof(*f) + 4 * n;
		f = vmsg_init(&m, T_RESP, VMSG_GET_DEVICE_FEATURES, 7, plen);
		f->block_index = le32(1);
		f->num_blocks = le32(n);
		for (__u32 i = 0; i < n; i++)
			f->features[i] = le32(0x80000001u + i);
		r = send_recv(&m, T_RESP, VMSG_GET_DEVICE_FEATURES, 7, plen);
		assert_int_equal(cpu32(r->block_index), 1);
		assert_int_equal(cpu32(r->num_blocks), n);
		for (__u32 i = 0; i < n; i++)
			assert_int_equal(cpu32(r->features[i]), 0x80000001u + i);
	}
	/* the largest that fits in 264 bytes: 62 blocks */
	plen = VMSG_MAX_PAYLOAD;
	f = vmsg_init(&m, T_RESP, VMSG_GET_DEVICE_FEATURES, 7, plen);
	f->num_blocks = le32((VMSG_MAX_PAYLOAD - 8) / 4);
	send_recv(&m, T_RESP, VMSG_GET_DEVICE_FEATURES, 7, plen);
}

static void test_set_driver_features(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_features *f;
	const struct vmsg_features *r;

	f = vmsg_init(&m, T_REQ, VMSG_SET_DRIVER_FEATURES, 1, sizeof(*f) + 8);
	f->block_index = le32(0);
	f->num_blocks = le32(2);
	f->features[0] = le32(0xdeadbeef);
	f->features[1] = le32(0x00000001);
	r = send_recv(&m, T_REQ, VMSG_SET_DRIVER_FEATURES, 1, sizeof(*f) + 8);
	assert_int_equal(cpu32(r->block_index), 0);
	assert_int_equal(cpu32(r->num_blocks), 2);
	assert_int_equal(cpu32(r->features[0]), 0xdeadbeef);
	assert_int_equal(cpu32(r->features[1]), 1);
	assert_int_equal(rx.payload.raw[8], 0xef);

	/* zero blocks is a well-formed (if useless) request */
	f = vmsg_init(&m, T_REQ, VMSG_SET_DRIVER_FEATURES, 1, sizeof(*f));
	send_recv(&m, T_REQ, VMSG_SET_DRIVER_FEATURES, 1, sizeof(*f));

	assert_non_null(vmsg_init(&m, T_RESP, VMSG_SET_DRIVER_FEATURES, 1, 0));
	send_recv(&m, T_RESP, VMSG_SET_DRIVER_FEATURES, 1, 0);
}

static void test_get_config(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_config_req *q;
	const struct vmsg_config_req *rq;
	struct vmsg_config *c;
	const struct vmsg_config *r;

	q = vmsg_init(&m, T_REQ, VMSG_GET_CONFIG, 2, sizeof(*q));
	q->offset = le32(0x10);
	q->length = le32(6);
	rq = send_recv(&m, T_REQ, VMSG_GET_CONFIG, 2, sizeof(*q));
	assert_int_equal(cpu32(rq->offset), 0x10);
	assert_int_equal(cpu32(rq->length), 6);

	c = vmsg_init(&m, T_RESP, VMSG_GET_CONFIG, 2, sizeof(*c) + 6);
	c->generation = le32(9);
	c->offset = le32(0x10);
	c->length = le32(6);
	memcpy(c->data, "\x52\x54\x00\x12\x34\x56", 6);
	r = send_recv(&m, T_RESP, VMSG_GET_CONFIG, 2, sizeof(*c) + 6);
	assert_int_equal(cpu32(r->generation), 9);
	assert_int_equal(cpu32(r->offset), 0x10);
	assert_int_equal(cpu32(r->length), 6);
	assert_memory_equal(r->data, "\x52\x54\x00\x12\x34\x56", 6);

	/* zero-length read */
	c = vmsg_init(&m, T_RESP, VMSG_GET_CONFIG, 2, sizeof(*c));
	send_recv(&m, T_RESP, VMSG_GET_CONFIG, 2, sizeof(*c));

	/* 244 bytes: the most one 264-byte message carries */
	c = vmsg_init(&m, T_RESP, VMSG_GET_CONFIG, 2, VMSG_MAX_PAYLOAD);
	c->length = le32(244);
	for (int i = 0; i < 244; i++)
		c->data[i] = (__u8)i;
	r = send_recv(&m, T_RESP, VMSG_GET_CONFIG, 2, VMSG_MAX_PAYLOAD);
	assert_int_equal(cpu32(r->length), 244);
	assert_int_equal(r->data[243], 243);

	/* largest offsets still allowed (config space is at most 64 KiB) */
	c = vmsg_init(&m, T_RESP, VMSG_GET_CONFIG, 2, sizeof(*c) + 1);
	c->offset = le32(VMSG_SIZE_LIMIT);
	c->length = le32(1);
	send_recv(&m, T_RESP, VMSG_GET_CONFIG, 2, sizeof(*c) + 1);
}

static void test_set_config(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_config *c;
	const struct vmsg_config *r;

	c = vmsg_init(&m, T_REQ, VMSG_SET_CONFIG, 5, sizeof(*c) + 4);
	c->generation = le32(3);
	c->offset = le32(8);
	c->length = le32(4);
	memcpy(c->data, "\x01\x02\x03\x04", 4);
	r = send_recv(&m, T_REQ, VMSG_SET_CONFIG, 5, sizeof(*c) + 4);
	assert_int_equal(cpu32(r->generation), 3);
	assert_int_equal(cpu32(r->offset), 8);
	assert_int_equal(cpu32(r->length), 4);
	assert_memory_equal(r->data, "\x01\x02\x03\x04", 4);

	/* response echoing the data */
	c = vmsg_init(&m, T_RESP, VMSG_SET_CONFIG, 5, sizeof(*c) + 4);
	c->generation = le32(4);
	c->offset = le32(8);
	c->length = le32(4);
	memcpy(c->data, "\x01\x02\x03\x04", 4);
	r = send_recv(&m, T_RESP, VMSG_SET_CONFIG, 5, sizeof(*c) + 4);
	assert_int_equal(cpu32(r->generation), 4);
	assert_memory_equal(r->data, "\x01\x02\x03\x04", 4);

	/* response without data (data[] is optional there) */
	c = vmsg_init(&m, T_RESP, VMSG_SET_CONFIG, 5, sizeof(*c));
	c->generation = le32(4);
	c->offset = le32(8);
	c->length = le32(4);
	r = send_recv(&m, T_RESP, VMSG_SET_CONFIG, 5, sizeof(*c));
	assert_int_equal(cpu32(r->length), 4);

	/* rejected write: length 0 */
	c = vmsg_init(&m, T_RESP, VMSG_SET_CONFIG, 5, sizeof(*c));
	c->offset = le32(8);
	r = send_recv(&m, T_RESP, VMSG_SET_CONFIG, 5, sizeof(*c));
	assert_int_equal(cpu32(r->length), 0);
}

static void test_device_status(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_status *s;
	const struct vmsg_status *r;

	assert_non_null(vmsg_init(&m, T_REQ, VMSG_GET_DEVICE_STATUS, 1, 0));
	send_recv(&m, T_REQ, VMSG_GET_DEVICE_STATUS, 1, 0);

	s = vmsg_init(&m, T_RESP, VMSG_GET_DEVICE_STATUS, 1, sizeof(*s));
	s->status = le32(0x0f);
	r = send_recv(&m, T_RESP, VMSG_GET_DEVICE_STATUS, 1, sizeof(*s));
	assert_int_equal(cpu32(r->status), 0x0f);

	s = vmsg_init(&m, T_REQ, VMSG_SET_DEVICE_STATUS, 1, sizeof(*s));
	s->status = le32(0); /* reset */
	r = send_recv(&m, T_REQ, VMSG_SET_DEVICE_STATUS, 1, sizeof(*s));
	assert_int_equal(cpu32(r->status), 0);

	s = vmsg_init(&m, T_RESP, VMSG_SET_DEVICE_STATUS, 1, sizeof(*s));
	s->status = le32(0x8b);
	r = send_recv(&m, T_RESP, VMSG_SET_DEVICE_STATUS, 1, sizeof(*s));
	assert_int_equal(cpu32(r->status), 0x8b);
	assert_int_equal(rx.payload.raw[0], 0x8b);
}

static void test_vqueue(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_index *i;
	const struct vmsg_index *ri;
	struct vmsg_vqueue_info *v;
	const struct vmsg_vqueue_info *rv;
	struct vmsg_vqueue_set *s;
	const struct vmsg_vqueue_set *rs;

	i = vmsg_init(&m, T_REQ, VMSG_GET_VQUEUE, 4, sizeof(*i));
	i->index = le32(2);
	ri = send_recv(&m, T_REQ, VMSG_GET_VQUEUE, 4, sizeof(*i));
	assert_int_equal(cpu32(ri->index), 2);

	v = vmsg_init(&m, T_RESP, VMSG_GET_VQUEUE, 4, sizeof(*v));
	v->index = le32(2);
	v->max_size = le32(256);
	v->cur_size = le32(128);
	v->desc_addr = le64(0x0123456789abcdefull);
	v->driver_addr = le64(0x1000);
	v->device_addr = le64(0xffffffff00000000ull);
	rv = send_recv(&m, T_RESP, VMSG_GET_VQUEUE, 4, sizeof(*v));
	assert_int_equal(cpu32(rv->index), 2);
	assert_int_equal(cpu32(rv->max_size), 256);
	assert_int_equal(cpu32(rv->cur_size), 128);
	assert_int_equal(cpu32(rv->reserved), 0);
	assert_true(cpu64(rv->desc_addr) == 0x0123456789abcdefull);
	assert_true(cpu64(rv->driver_addr) == 0x1000);
	assert_true(cpu64(rv->device_addr) == 0xffffffff00000000ull);
	assert_int_equal(rx.payload.raw[16], 0xef);
	assert_int_equal(rx.payload.raw[23], 0x01);

	s = vmsg_init(&m, T_REQ, VMSG_SET_VQUEUE, 4, sizeof(*s));
	s->index = le32(1);
	s->size = le32(64);
	s->desc_addr = le64(0x7000);
	s->driver_addr = le64(0x8000);
	s->device_addr = le64(0x9000);
	rs = send_recv(&m, T_REQ, VMSG_SET_VQUEUE, 4, sizeof(*s));
	assert_int_equal(cpu32(rs->index), 1);
	assert_int_equal(cpu32(rs->reserved0), 0);
	assert_int_equal(cpu32(rs->size), 64);
	assert_int_equal(cpu32(rs->reserved1), 0);
	assert_true(cpu64(rs->desc_addr) == 0x7000);
	assert_true(cpu64(rs->driver_addr) == 0x8000);
	assert_true(cpu64(rs->device_addr) == 0x9000);

	assert_non_null(vmsg_init(&m, T_RESP, VMSG_SET_VQUEUE, 4, 0));
	send_recv(&m, T_RESP, VMSG_SET_VQUEUE, 4, 0);

	i = vmsg_init(&m, T_REQ, VMSG_RESET_VQUEUE, 4, sizeof(*i));
	i->index = le32(0xffffffff);
	ri = send_recv(&m, T_REQ, VMSG_RESET_VQUEUE, 4, sizeof(*i));
	assert_int_equal(cpu32(ri->index), 0xffffffff);

	assert_non_null(vmsg_init(&m, T_RESP, VMSG_RESET_VQUEUE, 4, 0));
	send_recv(&m, T_RESP, VMSG_RESET_VQUEUE, 4, 0);
}

static void test_get_shm(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_index *i;
	const struct vmsg_index *ri;
	struct vmsg_shm *s;
	const struct vmsg_shm *r;

	i = vmsg_init(&m, T_REQ, VMSG_GET_SHM, 9, sizeof(*i));
	i->index = le32(1);
	ri = send_recv(&m, T_REQ, VMSG_GET_SHM, 9, sizeof(*i));
	assert_int_equal(cpu32(ri->index), 1);

	s = vmsg_init(&m, T_RESP, VMSG_GET_SHM, 9, sizeof(*s));
	s->index = le32(1);
	s->length = le64(0x100000000ull);
	s->address = le64(0x4000000000ull);
	r = send_recv(&m, T_RESP, VMSG_GET_SHM, 9, sizeof(*s));
	assert_int_equal(cpu32(r->index), 1);
	assert_true(cpu64(r->length) == 0x100000000ull);
	assert_true(cpu64(r->address) == 0x4000000000ull);

	/* no such region */
	s = vmsg_init(&m, T_RESP, VMSG_GET_SHM, 9, sizeof(*s));
	s->index = le32(7);
	r = send_recv(&m, T_RESP, VMSG_GET_SHM, 9, sizeof(*s));
	assert_true(cpu64(r->length) == 0);
}

/* ---- round trips: events --------------------------------------------------------------- */

static void test_events(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_event_config *c;
	const struct vmsg_event_config *rc;
	struct vmsg_event_avail *a;
	const struct vmsg_event_avail *ra;
	struct vmsg_event_used *u;
	const struct vmsg_event_used *ru;

	c = vmsg_init(&m, T_REQ, VMSG_EVENT_CONFIG, 6, sizeof(*c) + 2);
	c->device_status = le32(0x0f);
	c->generation = le32(11);
	c->offset = le32(6);
	c->length = le32(2);
	c->data[0] = 0x01;
	c->data[1] = 0x00;
	rc = send_recv(&m, T_REQ, VMSG_EVENT_CONFIG, 6, sizeof(*c) + 2);
	assert_true(vmsg_is_event(&rx.hdr));
	assert_int_equal(cpu32(rc->device_status), 0x0f);
	assert_int_equal(cpu32(rc->generation), 11);
	assert_int_equal(cpu32(rc->offset), 6);
	assert_int_equal(cpu32(rc->length), 2);
	assert_int_equal(rc->data[0], 1);

	c = vmsg_init(&m, T_REQ, VMSG_EVENT_CONFIG, 6, sizeof(*c));
	c->device_status = le32(0x4f); /* NEEDS_RESET, no data */
	rc = send_recv(&m, T_REQ, VMSG_EVENT_CONFIG, 6, sizeof(*c));
	assert_int_equal(cpu32(rc->device_status), 0x4f);

	a = vmsg_init(&m, T_REQ, VMSG_EVENT_AVAIL, 6, sizeof(*a));
	a->vq_index = le32(1);
	a->next_offset = le32(VMSG_NEXT_WRAP | 0x1234);
	ra = send_recv(&m, T_REQ, VMSG_EVENT_AVAIL, 6, sizeof(*a));
	assert_true(vmsg_is_event(&rx.hdr));
	assert_int_equal(cpu32(ra->vq_index), 1);
	assert_int_equal(cpu32(ra->next_offset) & VMSG_NEXT_OFFSET_MASK, 0x1234);
	assert_true(cpu32(ra->next_offset) & VMSG_NEXT_WRAP);
	assert_int_equal(rx.payload.raw[7], 0x80);

	u = vmsg_init(&m, T_REQ, VMSG_EVENT_USED, 6, sizeof(*u));
	u->vq_index = le32(0);
	ru = send_recv(&m, T_REQ, VMSG_EVENT_USED, 6, sizeof(*u));
	assert_true(vmsg_is_event(&rx.hdr));
	assert_int_equal(cpu32(ru->vq_index), 0);
}

/* ---- round trips: bus messages --------------------------------------------------------- */

static void test_bus_get_devices(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_bus_devices_req *q;
	const struct vmsg_bus_devices_req *rq;
	struct vmsg_bus_devices *d;
	const struct vmsg_bus_devices *r;

	q = vmsg_init(&m, B_REQ, VMSG_BUS_GET_DEVICES, 0, sizeof(*q));
	q->offset = le16(8);
	q->count = le16(64);
	rq = send_recv(&m, B_REQ, VMSG_BUS_GET_DEVICES, 0, sizeof(*q));
	assert_int_equal(cpu16(rq->offset), 8);
	assert_int_equal(cpu16(rq->count), 64);

	d = vmsg_init(&m, B_RESP, VMSG_BUS_GET_DEVICES, 0, sizeof(*d) + 2);
	d->offset = le16(8);
	d->count = le16(16);
	d->next_offset = le16(0);
	d->bitmap[0] = 0x05; /* devices 8 and 10 */
	d->bitmap[1] = 0x80; /* device 23 */
	r = send_recv(&m, B_RESP, VMSG_BUS_GET_DEVICES, 0, sizeof(*d) + 2);
	assert_int_equal(cpu16(r->offset), 8);
	assert_int_equal(cpu16(r->count), 16);
	assert_int_equal(cpu16(r->next_offset), 0);
	assert_int_equal(r->bitmap[0], 0x05);
	assert_int_equal(r->bitmap[1], 0x80);

	/* empty answer with more to come */
	d = vmsg_init(&m, B_RESP, VMSG_BUS_GET_DEVICES, 0, sizeof(*d));
	d->next_offset = le16(0x100);
	r = send_recv(&m, B_RESP, VMSG_BUS_GET_DEVICES, 0, sizeof(*d));
	assert_int_equal(cpu16(r->next_offset), 0x100);
	assert_int_equal(rx.payload.raw[5], 0x01);
}

static void test_bus_ping(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_bus_ping *p;
	const struct vmsg_bus_ping *r;

	p = vmsg_init(&m, B_REQ, VMSG_BUS_PING, 0, sizeof(*p));
	p->data = le32(0xcafef00d);
	r = send_recv(&m, B_REQ, VMSG_BUS_PING, 0, sizeof(*p));
	assert_int_equal(cpu32(r->data), 0xcafef00d);

	p = vmsg_init(&m, B_RESP, VMSG_BUS_PING, 0, sizeof(*p));
	p->data = le32(0xcafef00d);
	r = send_recv(&m, B_RESP, VMSG_BUS_PING, 0, sizeof(*p));
	assert_int_equal(cpu32(r->data), 0xcafef00d);
	assert_int_equal(rx.payload.raw[0], 0x0d);
}

static void test_bus_event_device(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_bus_event_device *e;
	const struct vmsg_bus_event_device *r;

	e = vmsg_init(&m, B_REQ, VMSG_BUS_EVENT_DEVICE, 0, sizeof(*e));
	e->dev_num = le16(0x1234);
	e->state = le16(VMSG_DEVICE_STATE_READY);
	r = send_recv(&m, B_REQ, VMSG_BUS_EVENT_DEVICE, 0, sizeof(*e));
	assert_int_equal(cpu16(r->dev_num), 0x1234);
	assert_int_equal(cpu16(r->state), VMSG_DEVICE_STATE_READY);

	e = vmsg_init(&m, B_REQ, VMSG_BUS_EVENT_DEVICE, 0, sizeof(*e));
	e->dev_num = le16(1);
	e->state = le16(VMSG_DEVICE_STATE_REMOVED);
	r = send_recv(&m, B_REQ, VMSG_BUS_EVENT_DEVICE, 0, sizeof(*e));
	assert_int_equal(cpu16(r->state), VMSG_DEVICE_STATE_REMOVED);
}

static void test_bus_specific_ids(void **state)
{
	(void)state;
	struct vmsg m;

	/* 0x80-0xff: payload belongs to the bus, any size passes */
	for (int id = VMSG_ID_BUS_SPECIFIC_FIRST; id <= 0xff; id++) {
		for (size_t plen = 0; plen <= 13; plen += 13) {
			raw_msg(&m, B_REQ, (__u8)id, 0, plen);
			assert_int_equal(validate(&m), 0);
			raw_msg(&m, B_RESP, (__u8)id, 0, plen);
			assert_int_equal(validate(&m), 0);
			raw_msg(&m, T_REQ, (__u8)id, 5, plen);
			assert_int_equal(validate(&m), 0);
		}
	}
	/* but the header rules still apply */
	raw_msg(&m, B_REQ, 0x80, 1, 0);
	assert_int_equal(validate(&m), -EPROTO);
	raw_msg(&m, 0x04, 0x80, 0, 0);
	assert_int_equal(validate(&m), -EPROTO);
}

static void test_names_and_predicates(void **state)
{
	(void)state;
	static const struct {
		int bus;
		__u8 id;
		const char *name;
	} names[] = {
		{0, VMSG_GET_DEVICE_INFO, "GET_DEVICE_INFO"},
		{0, VMSG_GET_DEVICE_FEATURES, "GET_DEVICE_FEATURES"},
		{0, VMSG_SET_DRIVER_FEATURES, "SET_DRIVER_FEATURES"},
		{0, VMSG_GET_CONFIG, "GET_CONFIG"},
		{0, VMSG_SET_CONFIG, "SET_CONFIG"},
		{0, VMSG_GET_DEVICE_STATUS, "GET_DEVICE_STATUS"},
		{0, VMSG_SET_DEVICE_STATUS, "SET_DEVICE_STATUS"},
		{0, VMSG_GET_VQUEUE, "GET_VQUEUE"},
		{0, VMSG_SET_VQUEUE, "SET_VQUEUE"},
		{0, VMSG_RESET_VQUEUE, "RESET_VQUEUE"},
		{0, VMSG_GET_SHM, "GET_SHM"},
		{0, VMSG_EVENT_CONFIG, "EVENT_CONFIG"},
		{0, VMSG_EVENT_AVAIL, "EVENT_AVAIL"},
		{0, VMSG_EVENT_USED, "EVENT_USED"},
		{0, 0x00, "UNKNOWN"},
		{0, 0x0d, "UNKNOWN"},
		{0, 0xff, "UNKNOWN"},
		{1, VMSG_BUS_GET_DEVICES, "BUS_GET_DEVICES"},
		{1, VMSG_BUS_PING, "BUS_PING"},
		{1, VMSG_BUS_EVENT_DEVICE, "BUS_EVENT_DEVICE"},
		{1, 0x04, "BUS_UNKNOWN"},
		{1, 0x41, "BUS_UNKNOWN"},
	};
	struct vmsg_hdr h = {0};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_string_equal(vmsg_id_name(names[i].bus, names[i].id), names[i].name);
	for (int id = 0; id <= 0xff; id++) {
		assert_non_null(vmsg_id_name(0, (__u8)id));
		assert_non_null(vmsg_id_name(1, (__u8)id));
		h.msg_id = (__u8)id;
		assert_int_equal(vmsg_is_event(&h), id >= 0x40 && id <= 0x7f);
	}
	for (int t = 0; t < 4; t++) {
		h.type = (__u8)t;
		assert_int_equal(vmsg_is_response(&h), t & 1);
		assert_int_equal(vmsg_is_bus(&h), t >> 1);
	}
}

/* ---- malformed: header ----------------------------------------------------------------- */

static void test_short_buffer(void **state)
{
	(void)state;
	__u8 buf[VMSG_HDR_SIZE] = {0};

	assert_int_equal(vmsg_validate(NULL, 0, VMSG_MAX_SIZE), -EMSGSIZE);
	assert_int_equal(vmsg_validate(NULL, VMSG_HDR_SIZE, VMSG_MAX_SIZE), -EMSGSIZE);
	for (size_t len = 0; len < VMSG_HDR_SIZE; len++) {
		/* msg_size claims exactly the bytes we have */
		memset(buf, 0, sizeof(buf));
		buf[1] = VMSG_GET_DEVICE_INFO;
		buf[6] = (__u8)len;
		assert_int_equal(vmsg_validate(buf, len, VMSG_MAX_SIZE), -EMSGSIZE);
		assert_int_equal(vmsg_check_hdr(buf, len, VMSG_MAX_SIZE), -EMSGSIZE);
	}
}

static void test_size_mismatch(void **state)
{
	(void)state;
	struct vmsg m;

	/* GET_DEVICE_STATUS response: 12 bytes */
	raw_msg(&m, T_RESP, VMSG_GET_DEVICE_STATUS, 1, 4);
	assert_int_equal(vmsg_validate(&m, 12, VMSG_MAX_SIZE), 0);
	/* msg_size larger than what was received */
	assert_int_equal(vmsg_validate(&m, 11, VMSG_MAX_SIZE), -EMSGSIZE);
	assert_int_equal(vmsg_validate(&m, 8, VMSG_MAX_SIZE), -EMSGSIZE);
	/* trailing bytes after msg_size */
	assert_int_equal(vmsg_validate(&m, 13, VMSG_MAX_SIZE), -EMSGSIZE);
	assert_int_equal(vmsg_validate(&m, sizeof(m), VMSG_MAX_SIZE), -EMSGSIZE);
	/* msg_size smaller than a header */
	for (__u16 sz = 0; sz < VMSG_HDR_SIZE; sz++) {
		raw_msg(&m, T_REQ, VMSG_GET_DEVICE_INFO, 1, 0);
		m.hdr.msg_size = le16(sz);
		assert_int_equal(vmsg_validate(&m, VMSG_HDR_SIZE, VMSG_MAX_SIZE), -EMSGSIZE);
		assert_int_equal(vmsg_validate(&m, sz, VMSG_MAX_SIZE), -EMSGSIZE);
	}
	/* msg_size with the bytes swapped (big-endian sender) */
	raw_msg(&m, T_RESP, VMSG_GET_DEVICE_STATUS, 1, 4);
	m.hdr.msg_size = (__le16)0x0c00;
	assert_int_equal(vmsg_validate(&m, 12, VMSG_MAX_SIZE), -EMSGSIZE);
}

static void test_max_size(void **state)
{
	(void)state;
	static _Alignas(8) __u8 big[VMSG_SIZE_LIMIT + 64];
	struct vmsg_hdr *h = (struct vmsg_hdr *)big;
	struct vmsg_config *c = (struct vmsg_config *)(big + VMSG_HDR_SIZE);
	struct vmsg m;

	/* 264-byte GET_CONFIG response: fine at 264, too big for a smaller bus */
	raw_msg(&m, T_RESP, VMSG_GET_CONFIG, 1, VMSG_MAX_PAYLOAD);
	((struct vmsg_config *)m.payload.raw)->length = le32(244);
	assert_int_equal(vmsg_validate(&m, VMSG_MAX_SIZE, VMSG_MAX_SIZE), 0);
	assert_int_equal(vmsg_validate(&m, VMSG_MAX_SIZE, VMSG_MAX_SIZE - 1), -EMSGSIZE);
	assert_int_equal(vmsg_validate(&m, VMSG_MAX_SIZE, 64), -EMSGSIZE);
	assert_int_equal(vmsg_validate(&m, VMSG_MAX_SIZE, 0), -EMSGSIZE);
	assert_int_equal(vmsg_validate(&m, VMSG_MAX_SIZE, VMSG_SIZE_LIMIT), 0);

	/* header-only message on a bus whose max is the header */
	raw_msg(&m, T_REQ, VMSG_GET_DEVICE_INFO, 1, 0);
	assert_int_equal(vmsg_validate(&m, 8, 8), 0);
	assert_int_equal(vmsg_validate(&m, 8, 7), -EMSGSIZE);

	/* a bus allowing 64 KiB: 65535-byte message is fine */
	h->type = T_RESP;
	h->msg_id = VMSG_GET_CONFIG;
	h->dev_num = le16(1);
	h->msg_size = le16(VMSG_SIZE_LIMIT);
	c->length = le32(VMSG_SIZE_LIMIT - VMSG_HDR_SIZE - sizeof(*c));
	assert_int_equal(vmsg_validate(big, VMSG_SIZE_LIMIT, VMSG_SIZE_LIMIT), 0);
	assert_int_equal(vmsg_validate(big, VMSG_SIZE_LIMIT, (size_t)-1), 0);
	assert_int_equal(vmsg_validate(big, VMSG_SIZE_LIMIT, VMSG_SIZE_LIMIT - 1), -EMSGSIZE);
	/* more than 65535 bytes can never be one message, whatever max_size says */
	h->msg_size = le16((VMSG_SIZE_LIMIT + 1) & 0xffff); /* 0: wraps */
	assert_int_equal(vmsg_validate(big, VMSG_SIZE_LIMIT + 1, (size_t)-1), -EMSGSIZE);
	h->msg_size = le16(VMSG_HDR_SIZE + 16); /* low 16 bits of len = 65536 + 24 */
	assert_int_equal(vmsg_validate(big, VMSG_SIZE_LIMIT + 1 + VMSG_HDR_SIZE + 16, (size_t)-1),
			 -EMSGSIZE);
}

static void test_bad_type_bits(void **state)
{
	(void)state;
	struct vmsg m;

	for (int bit = 2; bit < 8; bit++) {
		for (int base = 0; base < 4; base++) {
			__u8 type = (__u8)(base | (1 << bit));

			raw_msg(&m, type, VMSG_GET_DEVICE_INFO, (base & VMSG_TYPE_BUS) ? 0 : 1, 0);
			assert_int_equal(validate(&m), -EPROTO);
			assert_int_equal(vmsg_check_hdr(&m, VMSG_HDR_SIZE, VMSG_MAX_SIZE), -EPROTO);
		}
	}
	raw_msg(&m, 0xff, VMSG_BUS_PING, 0, 4);
	assert_int_equal(validate(&m), -EPROTO);

	/* bus messages must not name a device */
	raw_msg(&m, B_REQ, VMSG_BUS_PING, 1, 4);
	assert_int_equal(validate(&m), -EPROTO);
	raw_msg(&m, B_RESP, VMSG_BUS_PING, 0x8000, 4);
	assert_int_equal(validate(&m), -EPROTO);
	raw_msg(&m, B_REQ, VMSG_BUS_EVENT_DEVICE, 0xffff, 4);
	assert_int_equal(validate(&m), -EPROTO);

	/* events never have responses */
	raw_msg(&m, T_RESP, VMSG_EVENT_AVAIL, 1, 8);
	assert_int_equal(validate(&m), -EPROTO);
	raw_msg(&m, T_RESP, VMSG_EVENT_USED, 1, 4);
	assert_int_equal(validate(&m), -EPROTO);
	raw_msg(&m, T_RESP, VMSG_EVENT_CONFIG, 1, 16);
	assert_int_equal(validate(&m), -EPROTO);
	raw_msg(&m, B_RESP, VMSG_BUS_EVENT_DEVICE, 0, 4);
	assert_int_equal(validate(&m), -EPROTO);
}

static int known_transport(int id)
{
	return (id >= VMSG_GET_DEVICE_INFO && id <= VMSG_GET_SHM) ||
	       (id >= VMSG_EVENT_CONFIG && id <= VMSG_EVENT_USED) || id >= 0x80;
}

static int known_bus(int id)
{
	return id == VMSG_BUS_GET_DEVICES || id == VMSG_BUS_PING || id == VMSG_BUS_EVENT_DEVICE ||
	       id >= 0x80;
}

static void test_unknown_ids(void **state)
{
	(void)state;
	struct vmsg m;
	int n = 0;

	for (int id = 0; id < 0x80; id++) {
		for (size_t plen = 0; plen <= 24; plen += 4) {
			if (!known_transport(id)) {
				raw_msg(&m, T_REQ, (__u8)id, 1, plen);
				assert_int_equal(validate(&m), -ENOMSG);
				raw_msg(&m, T_RESP, (__u8)id, 1, plen);
				assert_int_equal(validate(&m), -ENOMSG);
				assert_int_equal(vmsg_fixed_size(0, 0, (__u8)id), -ENOMSG);
				n++;
			}
			if (!known_bus(id)) {
				raw_msg(&m, B_REQ, (__u8)id, 0, plen);
				assert_int_equal(validate(&m), -ENOMSG);
				raw_msg(&m, B_RESP, (__u8)id, 0, plen);
				assert_int_equal(validate(&m), -ENOMSG);
				assert_int_equal(vmsg_fixed_size(1, 1, (__u8)id), -ENOMSG);
				n++;
			}
		}
	}
	assert_true(n > 0);
	/* transport ids are not bus ids and vice versa */
	raw_msg(&m, B_REQ, VMSG_GET_VQUEUE, 0, 4);
	assert_int_equal(validate(&m), -ENOMSG);
	raw_msg(&m, B_REQ, VMSG_EVENT_USED, 0, 4);
	assert_int_equal(validate(&m), -ENOMSG);
	raw_msg(&m, T_REQ, 0x00, 1, 0);
	assert_int_equal(validate(&m), -ENOMSG);
	raw_msg(&m, T_REQ, 0x01, 1, 0);
	assert_int_equal(validate(&m), -ENOMSG);
}

/* ---- malformed: fixed sizes ------------------------------------------------------------ */

static const struct fixed {
	__u8 type, id;
	int size;
} fixed[] = {
	{T_REQ, VMSG_GET_DEVICE_INFO, 0},
	{T_RESP, VMSG_GET_DEVICE_INFO, 24},
	{T_REQ, VMSG_GET_DEVICE_FEATURES, 8},
	{T_RESP, VMSG_SET_DRIVER_FEATURES, 0},
	{T_REQ, VMSG_GET_CONFIG, 8},
	{T_REQ, VMSG_GET_DEVICE_STATUS, 0},
	{T_RESP, VMSG_GET_DEVICE_STATUS, 4},
	{T_REQ, VMSG_SET_DEVICE_STATUS, 4},
	{T_RESP, VMSG_SET_DEVICE_STATUS, 4},
	{T_REQ, VMSG_GET_VQUEUE, 4},
	{T_RESP, VMSG_GET_VQUEUE, 40},
	{T_REQ, VMSG_SET_VQUEUE, 40},
	{T_RESP, VMSG_SET_VQUEUE, 0},
	{T_REQ, VMSG_RESET_VQUEUE, 4},
	{T_RESP, VMSG_RESET_VQUEUE, 0},
	{T_REQ, VMSG_GET_SHM, 4},
	{T_RESP, VMSG_GET_SHM, 24},
	{T_REQ, VMSG_EVENT_AVAIL, 8},
	{T_REQ, VMSG_EVENT_USED, 4},
	{B_REQ, VMSG_BUS_GET_DEVICES, 4},
	{B_REQ, VMSG_BUS_PING, 4},
	{B_RESP, VMSG_BUS_PING, 4},
	{B_REQ, VMSG_BUS_EVENT_DEVICE, 4},
};

static void test_fixed_sizes(void **state)
{
	(void)state;
	struct vmsg m;

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		const struct fixed *f = &fixed[i];
		int bus = !!(f->type & VMSG_TYPE_BUS);
		__u16 dev = bus ? 0 : 1;

		assert_int_equal(vmsg_fixed_size(bus, f->type & 1, f->id), f->size);
		for (int plen = 0; plen <= VMSG_MAX_PAYLOAD; plen++) {
			raw_msg(&m, f->type, f->id, dev, (size_t)plen);
			if (plen == f->size)
				assert_int_equal(validate(&m), 0);
			else if (validate(&m) != -EBADMSG)
				fail_msg("%s type %u payload %d (want %d): %d",
					 vmsg_id_name(bus, f->id), f->type, plen, f->size,
					 validate(&m));
		}
	}
}

static void test_var_sizes_table(void **state)
{
	(void)state;
	assert_int_equal(vmsg_fixed_size(0, 1, VMSG_GET_DEVICE_FEATURES), VMSG_VAR);
	assert_int_equal(vmsg_fixed_size(0, 0, VMSG_SET_DRIVER_FEATURES), VMSG_VAR);
	assert_int_equal(vmsg_fixed_size(0, 1, VMSG_GET_CONFIG), VMSG_VAR);
	assert_int_equal(vmsg_fixed_size(0, 0, VMSG_SET_CONFIG), VMSG_VAR);
	assert_int_equal(vmsg_fixed_size(0, 1, VMSG_SET_CONFIG), VMSG_VAR);
	assert_int_equal(vmsg_fixed_size(0, 0, VMSG_EVENT_CONFIG), VMSG_VAR);
	assert_int_equal(vmsg_fixed_size(1, 1, VMSG_BUS_GET_DEVICES), VMSG_VAR);
	assert_int_equal(vmsg_fixed_size(0, 1, VMSG_EVENT_CONFIG), -EPROTO);
	assert_int_equal(vmsg_fixed_size(0, 1, VMSG_EVENT_AVAIL), -EPROTO);
	assert_int_equal(vmsg_fixed_size(0, 1, VMSG_EVENT_USED), -EPROTO);
	assert_int_equal(vmsg_fixed_size(1, 1, VMSG_BUS_EVENT_DEVICE), -EPROTO);
}

/* ---- malformed: variable sizes --------------------------------------------------------- */

static void test_features_var(void **state)
{
	(void)state;
	static const __u8 types[] = {T_RESP, T_REQ};
	static const __u8 ids[] = {VMSG_GET_DEVICE_FEATURES, VMSG_SET_DRIVER_FEATURES};
	struct vmsg m;
	struct vmsg_features *f = (struct vmsg_features *)m.payload.raw;

	for (int k = 0; k < 2; k++) {
		/* shorter than block_index + num_blocks */
		for (size_t plen = 0; plen < 8; plen++) {
			raw_msg(&m, types[k], ids[k], 1, plen);
			assert_int_equal(validate(&m), -EBADMSG);
		}
		/* num_blocks vs bytes present */
		for (__u32 n = 0; n < 8; n++) {
			for (size_t plen = 8; plen <= 48; plen++) {
				raw_msg(&m, types[k], ids[k], 1, plen);
				f->num_blocks = le32(n);
				assert_int_equal(validate(&m), plen == 8 + 4 * n ? 0 : -EBADMSG);
			}
		}
		/* huge num_blocks must not wrap the size computation */
		static const __u32 huge[] = {0x40000000u, 0x40000001u, 0x3fffffffu,
					     0x80000000u, 0xffffffffu, 0xfffffffeu};
		for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
			for (size_t plen = 8; plen <= 16; plen += 4) {
				raw_msg(&m, types[k], ids[k], 1, plen);
				f->num_blocks = le32(huge[i]);
				assert_int_equal(validate(&m), -EBADMSG);
			}
		}
	}
}

static void test_config_var(void **state)
{
	(void)state;
	static const __u8 types[] = {T_RESP, T_REQ, T_RESP};
	static const __u8 ids[] = {VMSG_GET_CONFIG, VMSG_SET_CONFIG, VMSG_SET_CONFIG};
	struct vmsg m;
	struct vmsg_config *c = (struct vmsg_config *)m.payload.raw;

	for (int k = 0; k < 3; k++) {
		int set_resp = ids[k] == VMSG_SET_CONFIG && types[k] == T_RESP;

		for (size_t plen = 0; plen < 12; plen++) {
			raw_msg(&m, types[k], ids[k], 1, plen);
			assert_int_equal(validate(&m), -EBADMSG);
		}
		for (__u32 len = 0; len < 20; len++) {
			for (size_t plen = 12; plen <= 40; plen++) {
				int ok = plen == 12 + len || (set_resp && plen == 12);

				raw_msg(&m, types[k], ids[k], 1, plen);
				c->offset = le32(4);
				c->length = le32(len);
				if (validate(&m) != (ok ? 0 : -EBADMSG))
					fail_msg("%s type %u length %u payload %zu: %d",
						 vmsg_id_name(0, ids[k]), types[k], len, plen,
						 validate(&m));
			}
		}
		/* length larger than any message */
		raw_msg(&m, types[k], ids[k], 1, 12);
		c->length = le32(0xffffffff);
		assert_int_equal(validate(&m), -EBADMSG);
		raw_msg(&m, types[k], ids[k], 1, 16);
		c->length = le32(0xffffffff);
		assert_int_equal(validate(&m), -EBADMSG);
		raw_msg(&m, types[k], ids[k], 1, 16);
		c->length = le32(0x10004u); /* 4 + 64 KiB */
		assert_int_equal(validate(&m), -EBADMSG);
	}
}

static void test_event_config_var(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_event_config *e = (struct vmsg_event_config *)m.payload.raw;

	for (size_t plen = 0; plen < 16; plen++) {
		raw_msg(&m, T_REQ, VMSG_EVENT_CONFIG, 1, plen);
		assert_int_equal(validate(&m), -EBADMSG);
	}
	for (__u32 len = 0; len < 20; len++) {
		for (size_t plen = 16; plen <= 44; plen++) {
			raw_msg(&m, T_REQ, VMSG_EVENT_CONFIG, 1, plen);
			e->length = le32(len);
			assert_int_equal(validate(&m), plen == 16 + len ? 0 : -EBADMSG);
		}
	}
	raw_msg(&m, T_REQ, VMSG_EVENT_CONFIG, 1, 16);
	e->length = le32(0xffffffff);
	assert_int_equal(validate(&m), -EBADMSG);
}

static void test_config_offset_overflow(void **state)
{
	(void)state;
	static const __u32 offs[] = {0x10000u, 0x7fffffffu, 0xfffffffcu, 0xffffffffu};
	struct vmsg m;
	struct vmsg_config *c = (struct vmsg_config *)m.payload.raw;
	struct vmsg_event_config *e = (struct vmsg_event_config *)m.payload.raw;

	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		/* offset + 4 wraps (or leaves the 64 KiB config space): dropped */
		raw_msg(&m, T_RESP, VMSG_GET_CONFIG, 1, 16);
		c->offset = le32(offs[i]);
		c->length = le32(4);
		assert_int_equal(validate(&m), -EBADMSG);
		raw_msg(&m, T_REQ, VMSG_SET_CONFIG, 1, 16);
		c->offset = le32(offs[i]);
		c->length = le32(4);
		assert_int_equal(validate(&m), -EBADMSG);
		raw_msg(&m, T_RESP, VMSG_SET_CONFIG, 1, 12);
		c->offset = le32(offs[i]);
		c->length = le32(4);
		assert_int_equal(validate(&m), -EBADMSG);
		raw_msg(&m, T_REQ, VMSG_EVENT_CONFIG, 1, 20);
		e->offset = le32(offs[i]);
		e->length = le32(4);
		assert_int_equal(validate(&m), -EBADMSG);
	}
	/* the edge that is still allowed */
	raw_msg(&m, T_REQ, VMSG_SET_CONFIG, 1, 16);
	c->offset = le32(0xffff);
	c->length = le32(4);
	assert_int_equal(validate(&m), 0);
}

/*
 * HEADER BUG: the GET_CONFIG *request* (fixed 8-byte payload) never has its offset/length
 * checked.  Every other config message rejects offset or length > 65535 (so offset + length
 * cannot wrap a u32), but GET_CONFIG {offset 0xfffffff0, length 0x20} validates, and a device
 * doing the obvious "offset + length > config_size" in u32 sees 0x10 and reads out of bounds.
 * Expected: -EBADMSG, same rule as the responses.
 */
static void test_get_config_req_overflow(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_config_req *q = (struct vmsg_config_req *)m.payload.raw;

	raw_msg(&m, T_REQ, VMSG_GET_CONFIG, 1, 8);
	q->offset = le32(0xfffffff0u);
	q->length = le32(0x20);
	assert_int_equal(validate(&m), -EBADMSG);
	raw_msg(&m, T_REQ, VMSG_GET_CONFIG, 1, 8);
	q->offset = le32(0);
	q->length = le32(0xffffffffu);
	assert_int_equal(validate(&m), -EBADMSG);
}

static void test_bus_devices_var(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_bus_devices *d = (struct vmsg_bus_devices *)m.payload.raw;

	for (size_t plen = 0; plen < 6; plen++) {
		raw_msg(&m, B_RESP, VMSG_BUS_GET_DEVICES, 0, plen);
		assert_int_equal(validate(&m), -EBADMSG);
	}
	/* count vs bitmap bytes */
	for (__u16 count = 0; count <= 64; count++) {
		for (size_t plen = 6; plen <= 16; plen++) {
			int ok = count % 8 == 0 && plen == 6 + count / 8u;

			raw_msg(&m, B_RESP, VMSG_BUS_GET_DEVICES, 0, plen);
			d->count = le16(count);
			assert_int_equal(validate(&m), ok ? 0 : -EBADMSG);
		}
	}
	/* count not a multiple of 8 even when the bytes would round to it */
	raw_msg(&m, B_RESP, VMSG_BUS_GET_DEVICES, 0, 7);
	d->count = le16(9);
	assert_int_equal(validate(&m), -EBADMSG);
	raw_msg(&m, B_RESP, VMSG_BUS_GET_DEVICES, 0, 6);
	d->count = le16(7);
	assert_int_equal(validate(&m), -EBADMSG);
	/* offset and next_offset must be multiples of 8 too */
	raw_msg(&m, B_RESP, VMSG_BUS_GET_DEVICES, 0, 7);
	d->count = le16(8);
	d->offset = le16(4);
	assert_int_equal(validate(&m), -EBADMSG);
	raw_msg(&m, B_RESP, VMSG_BUS_GET_DEVICES, 0, 7);
	d->count = le16(8);
	d->next_offset = le16(12);
	assert_int_equal(validate(&m), -EBADMSG);
	/* largest count: 65528 needs 8191 bitmap bytes, more than 264 */
	raw_msg(&m, B_RESP, VMSG_BUS_GET_DEVICES, 0, VMSG_MAX_PAYLOAD);
	d->count = le16(0xfff8);
	assert_int_equal(validate(&m), -EBADMSG);
}

/*
 * HEADER BUG (gap): the GET_DEVICES request's offset and count must be multiples of 8 (draft,
 * and the header's own struct comment), but the request is only size-checked, so
 * {offset 0, count 5} or {offset 3, count 8} validate.  The response rule is enforced, so a
 * device answering such a request cannot produce a valid response.  Expected: -EBADMSG.
 */
static void test_bus_devices_req_multiple_of_8(void **state)
{
	(void)state;
	struct vmsg m;
	struct vmsg_bus_devices_req *q = (struct vmsg_bus_devices_req *)m.payload.raw;

	raw_msg(&m, B_REQ, VMSG_BUS_GET_DEVICES, 0, 4);
	q->offset = le16(0);
	q->count = le16(8);
	assert_int_equal(validate(&m), 0);
	q->count = le16(5);
	assert_int_equal(validate(&m), -EBADMSG);
	q->offset = le16(3);
	q->count = le16(8);
	assert_int_equal(validate(&m), -EBADMSG);
}

/* ---- vmsg_check_response --------------------------------------------------------------- */

static void test_check_response(void **state)
{
	(void)state;
	struct vmsg req, resp;

	assert_non_null(vmsg_init(&req, T_REQ, VMSG_GET_VQUEUE, 7, 4));
	req.hdr.token = le16(0x42);
	assert_non_null(vmsg_init(&resp, T_RESP, VMSG_GET_VQUEUE, 7, 48));
	resp.hdr.token = le16(0x42);
	assert_int_equal(vmsg_check_response(&req.hdr, &resp.hdr), 0);

	/* wrong id */
	resp.hdr.msg_id = VMSG_SET_VQUEUE;
	assert_int_equal(vmsg_check_response(&req.hdr, &resp.hdr), -EPROTO);
	resp.hdr.msg_id = VMSG_GET_VQUEUE;
	/* wrong device */
	resp.hdr.dev_num = le16(8);
	assert_int_equal(vmsg_check_response(&req.hdr, &resp.hdr), -EPROTO);
	resp.hdr.dev_num = le16(0x0700); /* byte-swapped */
	assert_int_equal(vmsg_check_response(&req.hdr, &resp.hdr), -EPROTO);
	resp.hdr.dev_num = le16(7);
	/* wrong type: not a response, bus instead of transport, stray bits */
	resp.hdr.type = T_REQ;
	assert_int_equal(vmsg_check_response(&req.hdr, &resp.hdr), -EPROTO);
	resp.hdr.type = B_RESP;
	assert_int_equal(vmsg_check_response(&req.hdr, &resp.hdr), -EPROTO);
	resp.hdr.type = T_RESP | 0x80;
	assert_int_equal(vmsg_check_response(&req.hdr, &resp.hdr), -EPROTO);
	resp.hdr.type = T_RESP;
	assert_int_equal(vmsg_check_response(&req.hdr, &resp.hdr), 0);

	/*
	 * Token: documented as the bus's business ("checked there"), so a token mismatch is
	 * NOT reported here.  Pinned so that a change of contract is noticed.
	 */
	resp.hdr.token = le16(0x43);
	assert_int_equal(vmsg_check_response(&req.hdr, &resp.hdr), 0);

	/* bus messages */
	assert_non_null(vmsg_init(&req, B_REQ, VMSG_BUS_PING, 0, 4));
	assert_non_null(vmsg_init(&resp, B_RESP, VMSG_BUS_PING, 0, 4));
	assert_int_equal(vmsg_check_response(&req.hdr, &resp.hdr), 0);
	resp.hdr.type = T_RESP;
	assert_int_equal(vmsg_check_response(&req.hdr, &resp.hdr), -EPROTO);
	resp.hdr.type = B_RESP;
	resp.hdr.msg_id = VMSG_BUS_GET_DEVICES;
	assert_int_equal(vmsg_check_response(&req.hdr, &resp.hdr), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_get_device_info),
		cmocka_unit_test(test_get_device_features),
		cmocka_unit_test(test_set_driver_features),
		cmocka_unit_test(test_get_config),
		cmocka_unit_test(test_set_config),
		cmocka_unit_test(test_device_status),
		cmocka_unit_test(test_vqueue),
		cmocka_unit_test(test_get_shm),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_bus_get_devices),
		cmocka_unit_test(test_bus_ping),
		cmocka_unit_test(test_bus_event_device),
		cmocka_unit_test(test_bus_specific_ids),
		cmocka_unit_test(test_names_and_predicates),
		cmocka_unit_test(test_short_buffer),
		cmocka_unit_test(test_size_mismatch),
		cmocka_unit_test(test_max_size),
		cmocka_unit_test(test_bad_type_bits),
		cmocka_unit_test(test_unknown_ids),
		cmocka_unit_test(test_fixed_sizes),
		cmocka_unit_test(test_var_sizes_table),
		cmocka_unit_test(test_features_var),
		cmocka_unit_test(test_config_var),
		cmocka_unit_test(test_event_config_var),
		cmocka_unit_test(test_config_offset_overflow),
		cmocka_unit_test(test_get_config_req_overflow),
		cmocka_unit_test(test_bus_devices_var),
		cmocka_unit_test(test_bus_devices_req_multiple_of_8),
		cmocka_unit_test(test_check_response),
	};

	return cmocka_run_group_tests_name("virtio_msg wire format", tests, NULL, NULL);
}

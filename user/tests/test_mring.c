// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * cmocka tests of libvmsgdev's shared message rings (mring.c): a producer and a consumer over
 * one control block and its slots in a test buffer, as the kernel and the process share them;
 * the other side's index written with garbage must be an error, never followed.
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmsgdev.h"

#define ENTRIES 4

static struct vmsg_lb_ring_ctl ctl;
static _Alignas(8) uint8_t slots[ENTRIES * VMSG_LB_RING_SLOT];
static struct vmsgdev_mring prod, cons;

static int setup(void **state)
{
	(void)state;
	memset(&ctl, 0, sizeof(ctl));
	memset(slots, 0, sizeof(slots));
	vmsgdev_mring_init(&prod, &ctl, slots, ENTRIES);
	vmsgdev_mring_init(&cons, &ctl, slots, ENTRIES);
	return 0;
}

static size_t make(struct vmsg *m, uint8_t tag, uint16_t payload)
{
	memset(m, 0, sizeof(*m));
	m->hdr.msg_id = tag;
	m->hdr.msg_size = htole16((uint16_t)(VMSG_HDR_SIZE + payload));
	memset(m->payload.raw, tag, payload);
	return VMSG_HDR_SIZE + payload;
}

/* messages come out as they went in, in order, across the wrap of the free-running index */
static void test_roundtrip_wrap(void **state)
{
	struct vmsg in, out;
	unsigned int i;
	size_t len;

	(void)state;
	for (i = 0; i < 3 * ENTRIES + 1; i++) {
		len = make(&in, (uint8_t)i, (uint16_t)(i * 20 % VMSG_MAX_PAYLOAD));
		assert_int_equal(vmsgdev_mring_push(&prod, &in, len), 0);
		assert_int_equal(vmsgdev_mring_queued(&prod), 1);
		assert_int_equal(vmsgdev_mring_pop(&cons, &out), (int)len);
		assert_memory_equal(&in, &out, len);
		assert_int_equal(vmsgdev_mring_queued(&prod), 0);
	}
	assert_int_equal(vmsgdev_mring_pop(&cons, &out), 0);
}

/* the index wraps around 2^32 too */
static void test_index_wrap(void **state)
{
	struct vmsg in, out;
	unsigned int i;

	(void)state;
	ctl.head = ctl.tail = UINT32_MAX - 1;
	prod.own = cons.own = UINT32_MAX - 1;
	for (i = 0; i < ENTRIES; i++)
		assert_int_equal(vmsgdev_mring_push(&prod, &in, make(&in, (uint8_t)i, 8)), 0);
	for (i = 0; i < ENTRIES; i++) {
		assert_int_equal(vmsgdev_mring_pop(&cons, &out), VMSG_HDR_SIZE + 8);
		assert_int_equal(out.hdr.msg_id, i);
	}
	assert_int_equal(ctl.head, 2);
}

static void test_full(void **state)
{
	struct vmsg m;
	size_t len = make(&m, 1, 4);
	unsigned int i;

	(void)state;
	for (i = 0; i < ENTRIES; i++)
		assert_int_equal(vmsgdev_mring_push(&prod, &m, len), 0);
	assert_int_equal(vmsgdev_mring_push(&prod, &m, len), -ENOSPC);
	assert_int_equal(vmsgdev_mring_pop(&cons, &m), (int)len);
	assert_int_equal(vmsgdev_mring_push(&prod, &m, len), 0);
	assert_int_equal(vmsgdev_mring_push(&prod, &m, VMSG_LB_RING_SLOT + 1), -EMSGSIZE);
	assert_int_equal(vmsgdev_mring_push(&prod, &m, 2), -EMSGSIZE);
}

/* a hostile peer: a tail or head beyond the ring is refused, nothing read or overwritten */
static void test_hostile_index(void **state)
{
	struct vmsg m;
	size_t len = make(&m, 7, 4);

	(void)state;
	ctl.tail = ENTRIES + 1; /* the producer claims more than the ring holds */
	assert_int_equal(vmsgdev_mring_pop(&cons, &m), -EIO);
	assert_int_equal(cons.own, 0);
	assert_int_equal(ctl.head, 0);
	ctl.tail = UINT32_MAX; /* "behind" the consumer: as far out of range */
	assert_int_equal(vmsgdev_mring_pop(&cons, &m), -EIO);
	ctl.tail = 0;
	ctl.head = 0x80000000u; /* the consumer's head out of range for the producer */
	assert_int_equal(vmsgdev_mring_push(&prod, &m, len), -EIO);
	assert_int_equal(prod.own, 0);
	assert_int_equal(ctl.tail, 0);
	ctl.head = 1; /* ahead of what was produced */
	assert_int_equal(vmsgdev_mring_push(&prod, &m, len), -EIO);
}

/* a slot whose header claims a bad size is consumed and refused */
static void test_bad_size(void **state)
{
	struct vmsg m;

	(void)state;
	make(&m, 3, 0);
	m.hdr.msg_size = htole16(VMSG_MAX_SIZE + 8);
	memcpy(slots, &m, VMSG_HDR_SIZE);
	ctl.tail = 1;
	assert_int_equal(vmsgdev_mring_pop(&cons, &m), -EMSGSIZE);
	assert_int_equal(ctl.head, 1);
	m.hdr.msg_size = htole16(3);
	memcpy(slots + VMSG_LB_RING_SLOT, &m, VMSG_HDR_SIZE);
	ctl.tail = 2;
	assert_int_equal(vmsgdev_mring_pop(&cons, &m), -EMSGSIZE);
	assert_int_equal(vmsgdev_mring_pop(&cons, &m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_roundtrip_wrap, setup),
		cmocka_unit_test_setup(test_index_wrap, setup),
		cmocka_unit_test_setup(test_full, setup),
		cmocka_unit_test_setup(test_hostile_index, setup),
		cmocka_unit_test_setup(test_bad_size, setup),
	};

	return cmocka_run_group_tests_name("mring", tests, NULL, NULL);
}

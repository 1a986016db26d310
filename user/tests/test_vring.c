// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * cmocka tests of libvmsgdev's split-ring helpers (vring.c): a ring laid out in a test buffer
 * whose "bus addresses" are offsets from BASE, translated as the window translation does.
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

#define BASE 0x100000ULL
#define MEM 65536
#define NUM 8
#define DESC 0x0
#define AVAIL 0x1000
#define USED 0x2000
#define DATA 0x4000

static _Alignas(16) uint8_t mem[MEM];
static struct vmsgdev_vq vq;
static struct vmsgdev_chain chain;

static void *xlate(void *opaque, uint64_t addr, uint64_t len)
{
	(void)opaque;
	if (addr < BASE || len > MEM || addr - BASE > MEM - len)
		return NULL;
	return mem + (addr - BASE);
}

static struct vring_desc *desc(unsigned int i)
{
	return (struct vring_desc *)(mem + DESC) + i;
}

static struct vring_avail *avail(void)
{
	return (struct vring_avail *)(mem + AVAIL);
}

static struct vring_used *used(void)
{
	return (struct vring_used *)(mem + USED);
}

/* avail_event: the 16 bits after the used ring's elements */
static uint16_t avail_event(void)
{
	uint16_t v;

	memcpy(&v, (uint8_t *)used()->ring + NUM * sizeof(struct vring_used_elem), sizeof(v));
	return le16toh(v);
}

static void set_desc(struct vring_desc *d, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	d->addr = htole64(addr);
	d->len = htole32(len);
	d->flags = htole16(flags);
	d->next = htole16(next);
}

static void make_avail(uint16_t head)
{
	uint16_t idx = le16toh(avail()->idx);

	avail()->ring[idx % NUM] = htole16(head);
	avail()->idx = htole16(idx + 1);
}

static int setup(void **state)
{
	(void)state;
	memset(mem, 0, sizeof(mem));
	assert_int_equal(vmsgdev_vq_setup(&vq, NUM, BASE + DESC, BASE + AVAIL, BASE + USED, true,
					  xlate, NULL),
			 0);
	return 0;
}

static void test_setup_refuses_bad_rings(void **state)
{
	struct vmsgdev_vq q;

	(void)state;
	assert_int_equal(
		vmsgdev_vq_setup(&q, 6, BASE, BASE + AVAIL, BASE + USED, false, xlate, NULL),
		-EINVAL);
	assert_int_equal(
		vmsgdev_vq_setup(&q, NUM, BASE + 8, BASE + AVAIL, BASE + USED, false, xlate, NULL),
		-EINVAL);
	assert_int_equal(
		vmsgdev_vq_setup(&q, NUM, 0x10, BASE + AVAIL, BASE + USED, false, xlate, NULL),
		-EFAULT);
	assert_int_equal(
		vmsgdev_vq_setup(&q, NUM, BASE, BASE + AVAIL, BASE + MEM - 4, false, xlate, NULL),
		-EFAULT);
	assert_false(q.ready);
}

static void test_pop_empty(void **state)
{
	(void)state;
	assert_int_equal(vmsgdev_vq_pop(&vq, &chain), 0);
}

static void test_pop_chain(void **state)
{
	(void)state;
	set_desc(desc(2), BASE + DATA, 16, VRING_DESC_F_NEXT, 5);
	set_desc(desc(5), BASE + DATA + 512, 4096, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	set_desc(desc(1), BASE + DATA + 8192, 1, VRING_DESC_F_WRITE, 0);
	make_avail(2);
	assert_int_equal(vmsgdev_vq_pop(&vq, &chain), 1);
	assert_int_equal(chain.head, 2);
	assert_int_equal(chain.nout, 1);
	assert_int_equal(chain.nin, 2);
	assert_int_equal(chain.out_len, 16);
	assert_int_equal(chain.in_len, 4097);
	assert_ptr_equal(chain.iov[1].iov_base, mem + DATA + 512);
	assert_int_equal(vmsgdev_vq_pop(&vq, &chain), 0);
}

static void test_pop_indirect(void **state)
{
	struct vring_desc *table = (struct vring_desc *)(mem + DATA + 12288);

	(void)state;
	set_desc(&table[0], BASE + DATA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(&table[1], BASE + DATA + 64, 1, VRING_DESC_F_WRITE, 0);
	set_desc(desc(0), BASE + DATA + 12288, 2 * sizeof(*table), VRING_DESC_F_INDIRECT, 0);
	make_avail(0);
	assert_int_equal(vmsgdev_vq_pop(&vq, &chain), 1);
	assert_int_equal(chain.nout, 1);
	assert_int_equal(chain.nin, 1);
}

static void test_bad_head_breaks(void **state)
{
	(void)state;
	make_avail(NUM);
	assert_int_equal(vmsgdev_vq_pop(&vq, &chain), -EIO);
	assert_true(vq.broken);
	assert_int_equal(vmsgdev_vq_pop(&vq, &chain), -EIO);
}

static void test_avail_too_far_breaks(void **state)
{
	(void)state;
	avail()->idx = htole16(NUM + 1);
	assert_int_equal(vmsgdev_vq_pop(&vq, &chain), -EIO);
	assert_true(vq.broken);
}

static void test_loop_breaks(void **state)
{
	(void)state;
	set_desc(desc(0), BASE + DATA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(desc(1), BASE + DATA, 16, VRING_DESC_F_NEXT, 0);
	make_avail(0);
	assert_int_equal(vmsgdev_vq_pop(&vq, &chain), -EIO);
	assert_true(vq.broken);
}

static void test_address_outside_faults(void **state)
{
	(void)state;
	set_desc(desc(0), 0x1000, 16, 0, 0);
	make_avail(0);
	assert_int_equal(vmsgdev_vq_pop(&vq, &chain), -EFAULT);
	assert_true(vq.broken);
}

static void test_readable_after_writable_breaks(void **state)
{
	(void)state;
	set_desc(desc(0), BASE + DATA, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	set_desc(desc(1), BASE + DATA, 16, 0, 0);
	make_avail(0);
	assert_int_equal(vmsgdev_vq_pop(&vq, &chain), -EIO);
}

static void test_push_publishes(void **state)
{
	(void)state;
	vmsgdev_vq_push(&vq, 3, 77);
	assert_int_equal(le16toh(used()->idx), 1);
	assert_int_equal(le32toh(used()->ring[0].id), 3);
	assert_int_equal(le32toh(used()->ring[0].len), 77);
}

static void test_event_idx_notify(void **state)
{
	__virtio16 *used_event = &avail()->ring[NUM];

	(void)state;
	/* first decision always notifies */
	vmsgdev_vq_push(&vq, 0, 1);
	assert_true(vmsgdev_vq_should_notify(&vq));
	/* the driver wants to hear only once used idx passes 5 */
	*used_event = htole16(5);
	vmsgdev_vq_push(&vq, 1, 1);
	assert_false(vmsgdev_vq_should_notify(&vq));
	vmsgdev_vq_push(&vq, 2, 1);
	vmsgdev_vq_push(&vq, 3, 1);
	vmsgdev_vq_push(&vq, 4, 1);
	vmsgdev_vq_push(&vq, 5, 1);
	assert_true(vmsgdev_vq_should_notify(&vq));
}

static void test_flags_notify(void **state)
{
	(void)state;
	vq.event_idx = false;
	avail()->flags = htole16(VRING_AVAIL_F_NO_INTERRUPT);
	vmsgdev_vq_push(&vq, 0, 1);
	assert_false(vmsgdev_vq_should_notify(&vq));
	avail()->flags = 0;
	assert_true(vmsgdev_vq_should_notify(&vq));
	vmsgdev_vq_disable_notify(&vq);
	assert_int_equal(le16toh(used()->flags), VRING_USED_F_NO_NOTIFY);
	assert_false(vmsgdev_vq_enable_notify(&vq));
	assert_int_equal(le16toh(used()->flags), 0);
}

static void test_enable_notify_sees_new(void **state)
{
	(void)state;
	assert_false(vmsgdev_vq_enable_notify(&vq));
	assert_int_equal(avail_event(), 0);
	set_desc(desc(0), BASE + DATA, 16, 0, 0);
	make_avail(0);
	assert_true(vmsgdev_vq_enable_notify(&vq));
	assert_int_equal(vmsgdev_vq_pop(&vq, &chain), 1);
	assert_false(vmsgdev_vq_enable_notify(&vq));
	assert_int_equal(avail_event(), 1);
}

static void test_iov_copy(void **state)
{
	uint8_t a[3], b[5], out[8] = {0}, in[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};

	(void)state;
	assert_int_equal(vmsgdev_buf_to_iov(iov, 2, 2, in, 8), 6);
	assert_int_equal(a[2], 1);
	assert_int_equal(b[4], 6);
	assert_int_equal(vmsgdev_iov_to_buf(iov, 2, 2, out, 8), 6);
	assert_memory_equal(out, in, 6);
	assert_int_equal(vmsgdev_iov_to_buf(iov, 2, 8, out, 8), 0);
}

/* The example devices' options: whole numbers in range, nothing else. */
static void test_parse_uint(void **state)
{
	unsigned int v = 7;

	(void)state;
	assert_int_equal(vmsgdev_parse_uint("t", "16", 1, 256, &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(vmsgdev_parse_uint("t", "0x10", 1, 256, &v), 0);
	assert_int_equal(v, 16);
	v = 7;
	assert_int_equal(vmsgdev_parse_uint("t", "abc", 0, 256, &v), -1);
	assert_int_equal(vmsgdev_parse_uint("t", "16k", 0, 256, &v), -1);
	assert_int_equal(vmsgdev_parse_uint("t", "", 0, 256, &v), -1);
	assert_int_equal(vmsgdev_parse_uint("t", "-1", 0, 256, &v), -1);
	assert_int_equal(vmsgdev_parse_uint("t", "0", 1, 256, &v), -1);
	assert_int_equal(vmsgdev_parse_uint("t", "257", 1, 256, &v), -1);
	assert_int_equal(vmsgdev_parse_uint("t", "99999999999999999999", 0, 256, &v), -1);
	assert_int_equal(v, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setup_refuses_bad_rings),
		cmocka_unit_test_setup(test_pop_empty, setup),
		cmocka_unit_test_setup(test_pop_chain, setup),
		cmocka_unit_test_setup(test_pop_indirect, setup),
		cmocka_unit_test_setup(test_bad_head_breaks, setup),
		cmocka_unit_test_setup(test_avail_too_far_breaks, setup),
		cmocka_unit_test_setup(test_loop_breaks, setup),
		cmocka_unit_test_setup(test_address_outside_faults, setup),
		cmocka_unit_test_setup(test_readable_after_writable_breaks, setup),
		cmocka_unit_test_setup(test_push_publishes, setup),
		cmocka_unit_test_setup(test_event_idx_notify, setup),
		cmocka_unit_test_setup(test_flags_notify, setup),
		cmocka_unit_test_setup(test_enable_notify_sees_new, setup),
		cmocka_unit_test(test_iov_copy),
		cmocka_unit_test(test_parse_uint),
	};

	return cmocka_run_group_tests_name("libvmsgdev ring", tests, NULL, NULL);
}

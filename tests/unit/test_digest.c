// SPDX-License-Identifier: GPL-2.0
/*
 * CRC32C header/data digests (kernel/proto/digest.c).
 *
 * The known answers are RFC 3720 appendix B.4 (kept by RFC 7143), which
 * lists each CRC as the 4 bytes in wire order, plus the standard CRC-32C
 * check value of "123456789" (0xe3069283).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "proto/digest.h"

static void kiss_expect_wire(u32 digest, u8 b0, u8 b1, u8 b2, u8 b3)
{
	const u8 want[KISS_DIGEST_LEN] = { b0, b1, b2, b3 };
	u8 wire[KISS_DIGEST_LEN];

	kiss_digest_put(digest, wire);
	assert_memory_equal(wire, want, sizeof(want));
	assert_true(kiss_digest_ok(digest, want));
}

static void test_rfc_zeros(void **state)
{
	u8 buf[32] = { 0 };

	assert_int_equal(kiss_digest_header(buf, sizeof(buf)), 0x8a9136aa);
	kiss_expect_wire(kiss_digest_header(buf, sizeof(buf)),
			 0xaa, 0x36, 0x91, 0x8a);
}

static void test_rfc_ones(void **state)
{
	u8 buf[32];

	memset(buf, 0xff, sizeof(buf));
	kiss_expect_wire(kiss_digest_header(buf, sizeof(buf)),
			 0x43, 0xab, 0xa8, 0x62);
}

static void test_rfc_incrementing(void **state)
{
	u8 buf[32];
	int i;

	for (i = 0; i < 32; i++)
		buf[i] = i;
	kiss_expect_wire(kiss_digest_header(buf, sizeof(buf)),
			 0x4e, 0x79, 0xdd, 0x46);
}

static void test_rfc_decrementing(void **state)
{
	u8 buf[32];
	int i;

	for (i = 0; i < 32; i++)
		buf[i] = 31 - i;
	kiss_expect_wire(kiss_digest_header(buf, sizeof(buf)),
			 0x5c, 0xdb, 0x3f, 0x11);
}

/* RFC 3720 B.4: "iSCSI - Read (10) Command PDU", a 48-byte BHS. */
static void test_rfc_read_pdu(void **state)
{
	static const u8 bhs[48] = {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
		0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};

	kiss_expect_wire(kiss_digest_header(bhs, sizeof(bhs)),
			 0x56, 0x3a, 0x96, 0xd9);
}

static void test_check_value(void **state)
{
	assert_int_equal(kiss_digest_header("123456789", 9), 0xe3069283);
}

static void test_empty(void **state)
{
	assert_int_equal(kiss_digest_header("", 0), 0);
	assert_int_equal(kiss_digest_data_vec(NULL, 0), 0);
}

static void test_pad_len(void **state)
{
	assert_int_equal(kiss_digest_pad_len(0), 0);
	assert_int_equal(kiss_digest_pad_len(1), 3);
	assert_int_equal(kiss_digest_pad_len(2), 2);
	assert_int_equal(kiss_digest_pad_len(3), 1);
	assert_int_equal(kiss_digest_pad_len(4), 0);
	assert_int_equal(kiss_digest_pad_len(8193), 3);
}

/* The data digest covers the zero pad (RFC 7143 section 11.1). */
static void test_data_includes_pad(void **state)
{
	u8 padded[8] = { 1, 2, 3, 4, 5, 0, 0, 0 };
	u32 len;

	assert_int_equal(kiss_digest_data(padded, 5),
			 kiss_digest_header(padded, 8));
	for (len = 0; len <= 8; len += 4)
		assert_int_equal(kiss_digest_data(padded, len),
				 kiss_digest_header(padded, len));
	assert_int_not_equal(kiss_digest_data(padded, 5),
			     kiss_digest_header(padded, 5));
}

/* Every split of a buffer gives the one-shot digest. */
static void test_split_equals_oneshot(void **state)
{
	static u8 buf[1031];
	struct kiss_digest_vec vec[3];
	size_t len, a, b;
	u32 whole, crc;

	srandom(7);
	for (len = 0; len < sizeof(buf); len++)
		buf[len] = random();

	for (len = 0; len <= sizeof(buf); len += 17) {
		whole = kiss_digest_data(buf, len);
		for (a = 0; a <= len; a += 13) {
			b = a + (len - a) / 2;
			vec[0] = (struct kiss_digest_vec){ buf, a };
			vec[1] = (struct kiss_digest_vec){ buf + a, b - a };
			vec[2] = (struct kiss_digest_vec){ buf + b, len - b };
			assert_int_equal(kiss_digest_data_vec(vec, 3), whole);

			crc = kiss_digest_init();
			crc = kiss_digest_update(crc, buf, a);
			crc = kiss_digest_update(crc, buf + a, len - a);
			crc = kiss_digest_pad(crc, len);
			assert_int_equal(kiss_digest_final(crc), whole);
		}
	}
}

/* Byte by byte, as a receiver fed odd socket reads would do it. */
static void test_bytewise_equals_oneshot(void **state)
{
	u8 buf[300];
	u32 crc = kiss_digest_init();
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = i * 7 + 3;
	for (i = 0; i < sizeof(buf); i++)
		crc = kiss_digest_update(crc, buf + i, 1);
	assert_int_equal(kiss_digest_final(crc),
			 kiss_digest_header(buf, sizeof(buf)));
}

static void test_put_get_roundtrip(void **state)
{
	u8 wire[KISS_DIGEST_LEN + 1];

	/* unaligned on purpose */
	kiss_digest_put(0x12345678, wire + 1);
	assert_int_equal(wire[1], 0x78);
	assert_int_equal(wire[4], 0x12);
	assert_int_equal(kiss_digest_get(wire + 1), 0x12345678);
}

static void test_corruption_detected(void **state)
{
	u8 buf[64];
	u8 wire[KISS_DIGEST_LEN];
	int bit;

	memset(buf, 0x5a, sizeof(buf));
	kiss_digest_put(kiss_digest_data(buf, sizeof(buf)), wire);
	for (bit = 0; bit < 64 * 8; bit++) {
		buf[bit / 8] ^= 1 << (bit % 8);
		assert_false(kiss_digest_ok(kiss_digest_data(buf, sizeof(buf)),
					    wire));
		buf[bit / 8] ^= 1 << (bit % 8);
	}
	assert_true(kiss_digest_ok(kiss_digest_data(buf, sizeof(buf)), wire));
	wire[3] ^= 0x80;
	assert_false(kiss_digest_ok(kiss_digest_data(buf, sizeof(buf)), wire));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_zeros),
		cmocka_unit_test(test_rfc_ones),
		cmocka_unit_test(test_rfc_incrementing),
		cmocka_unit_test(test_rfc_decrementing),
		cmocka_unit_test(test_rfc_read_pdu),
		cmocka_unit_test(test_check_value),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_pad_len),
		cmocka_unit_test(test_data_includes_pad),
		cmocka_unit_test(test_split_equals_oneshot),
		cmocka_unit_test(test_bytewise_equals_oneshot),
		cmocka_unit_test(test_put_get_roundtrip),
		cmocka_unit_test(test_corruption_detected),
	};

	return cmocka_run_group_tests_name("digest", tests, NULL, NULL);
}

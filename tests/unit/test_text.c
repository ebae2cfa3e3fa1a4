// SPDX-License-Identifier: GPL-2.0
/*
 * The iSCSI text format (kernel/proto/text.c, RFC 7143 6.1): the pair
 * iterator and each way a pair can be malformed, the C-bit accumulator,
 * output building and splitting, the value parsers, iSCSI names, UTF-8 and
 * the SendTargets address forms.
 *
 * Text literals carry their NUL delimiters inline ("A=1\0B=2\0"); TXT()
 * passes such a literal with its length, not counting the NUL the C
 * compiler adds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "proto/text.h"

#define TXT(lit)	(lit), (sizeof(lit) - 1)

/* Assert that @len bytes at @got are exactly the literal @lit. */
#define assert_bytes(got, len, lit)					\
	do {								\
		assert_int_equal((len), sizeof(lit) - 1);		\
		assert_memory_equal((got), (lit), sizeof(lit) - 1);	\
	} while (0)

static void fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
}

/* ------------------------------------------------------------------ */
/* Iterator                                                            */

static void test_iter_pairs(void **state)
{
	static const char t[] = "HeaderDigest=None\0MaxBurstLength=262144\0";
	struct kiss_text_iter it;
	struct kiss_text_pair p;

	(void)state;
	kiss_text_iter_init(&it, TXT(t));
	assert_int_equal(it.max_value, KISS_TEXT_LTDS_MAX);

	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_OK);
	assert_ptr_equal(p.key, t);
	assert_int_equal(p.key_len, 12);
	assert_ptr_equal(p.value, t + 13);
	assert_int_equal(p.value_len, 4);
	assert_memory_equal(p.value, "None", 4);
	assert_int_equal(p.value[p.value_len], '\0');
	assert_true(kiss_text_key_is(&p, "HeaderDigest"));
	assert_true(kiss_text_value_is(&p, "None"));

	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_OK);
	assert_ptr_equal(p.key, t + 18);
	assert_int_equal(p.key_len, 14);
	assert_int_equal(p.value_len, 6);
	assert_memory_equal(p.value, "262144", 6);

	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_END);
	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_END);
}

static void test_iter_empty_value_and_equals_in_value(void **state)
{
	/* A base64 CHAP value ends in '=': the key ends at the first '='. */
	static const char t[] = "SendTargets=\0CHAP_R=0bAAEC==\0";
	struct kiss_text_iter it;
	struct kiss_text_pair p;

	(void)state;
	kiss_text_iter_init(&it, TXT(t));
	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_OK);
	assert_true(kiss_text_key_is(&p, "SendTargets"));
	assert_int_equal(p.value_len, 0);
	assert_int_equal(p.value[0], '\0');
	assert_true(kiss_text_value_is(&p, ""));

	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_OK);
	assert_true(kiss_text_key_is(&p, "CHAP_R"));
	assert_true(kiss_text_value_is(&p, "0bAAEC=="));
	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_END);
}

static void test_iter_stray_nuls_and_empty(void **state)
{
	static const char t[] = "\0\0A=1\0\0\0B=2\0\0";
	struct kiss_text_iter it;
	struct kiss_text_pair p;

	(void)state;
	kiss_text_iter_init(&it, TXT(t));
	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_OK);
	assert_true(kiss_text_key_is(&p, "A"));
	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_OK);
	assert_true(kiss_text_key_is(&p, "B"));
	assert_true(kiss_text_value_is(&p, "2"));
	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_END);

	kiss_text_iter_init(&it, "", 0);
	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_END);
	kiss_text_iter_init(&it, TXT("\0\0\0"));
	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_END);
	/* The length bounds the walk, not the NUL after it. */
	kiss_text_iter_init(&it, "A=1", 0);
	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_END);
}

/* An error stops the walk where it is: the same error comes back. */
static void expect_error_at(const char *t, size_t len, unsigned int good,
			    enum kiss_text_status err)
{
	struct kiss_text_iter it;
	struct kiss_text_pair p;
	unsigned int i;

	kiss_text_iter_init(&it, t, len);
	for (i = 0; i < good; i++)
		assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_OK);
	assert_int_equal(kiss_text_next(&it, &p), err);
	assert_int_equal(kiss_text_next(&it, &p), err);
	assert_int_equal(kiss_text_validate(t, len), err);
}

static void test_malformed_no_equals(void **state)
{
	(void)state;
	expect_error_at(TXT("HeaderDigest\0"), 0, KISS_TEXT_ERR_NO_EQUALS);
	expect_error_at(TXT("A=1\0Foo\0B=2\0"), 1, KISS_TEXT_ERR_NO_EQUALS);
}

static void test_malformed_empty_key(void **state)
{
	(void)state;
	expect_error_at(TXT("=None\0"), 0, KISS_TEXT_ERR_EMPTY_KEY);
	expect_error_at(TXT("A=1\0=\0"), 1, KISS_TEXT_ERR_EMPTY_KEY);
}

static void test_malformed_key_too_long(void **state)
{
	char t[KISS_TEXT_KEY_MAX + 1 + 4];
	struct kiss_text_iter it;
	struct kiss_text_pair p;

	(void)state;
	/* 63 letters: the longest key. */
	fill(t, 'K', KISS_TEXT_KEY_MAX);
	memcpy(t + KISS_TEXT_KEY_MAX, "=1\0", 3);
	kiss_text_iter_init(&it, t, KISS_TEXT_KEY_MAX + 3);
	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_OK);
	assert_int_equal(p.key_len, KISS_TEXT_KEY_MAX);

	/* 64 letters. */
	fill(t, 'K', KISS_TEXT_KEY_MAX + 1);
	memcpy(t + KISS_TEXT_KEY_MAX + 1, "=1\0", 3);
	expect_error_at(t, KISS_TEXT_KEY_MAX + 4, 0,
			KISS_TEXT_ERR_KEY_TOO_LONG);
}

static void test_malformed_key_chars(void **state)
{
	(void)state;
	expect_error_at(TXT("Header Digest=None\0"), 0, KISS_TEXT_ERR_KEY_CHAR);
	expect_error_at(TXT("1Key=1\0"), 0, KISS_TEXT_ERR_KEY_CHAR);
	expect_error_at(TXT("_Key=1\0"), 0, KISS_TEXT_ERR_KEY_CHAR);
	expect_error_at(TXT("Key\xc3\xa9=1\0"), 0, KISS_TEXT_ERR_KEY_CHAR);
	expect_error_at(TXT("Key#=1\0"), 0, KISS_TEXT_ERR_KEY_CHAR);
	expect_error_at(TXT("Y#Key=1\0"), 0, KISS_TEXT_ERR_KEY_CHAR);
	expect_error_at(TXT("X-a#b=1\0"), 0, KISS_TEXT_ERR_KEY_CHAR);
	expect_error_at(TXT("Key\t=1\0"), 0, KISS_TEXT_ERR_KEY_CHAR);
	expect_error_at(TXT("A=1\0Key/x=1\0"), 1, KISS_TEXT_ERR_KEY_CHAR);
}

static void test_key_valid(void **state)
{
	char k[KISS_TEXT_KEY_MAX + 1];

	(void)state;
	assert_true(kiss_text_key_valid(TXT("MaxRecvDataSegmentLength")));
	assert_true(kiss_text_key_valid(TXT("iSCSIProtocolLevel")));
	assert_true(kiss_text_key_valid(TXT("X-com.example.a-b+c@d_e9")));
	assert_true(kiss_text_key_valid(TXT("X#NodeArchitecture")));
	assert_true(kiss_text_key_valid(TXT("a")));
	assert_false(kiss_text_key_valid("", 0));
	assert_false(kiss_text_key_valid(TXT("#X")));
	assert_false(kiss_text_key_valid(TXT("x#Node")));
	assert_false(kiss_text_key_valid(TXT("Key=")));
	assert_false(kiss_text_key_valid(TXT("Key,2")));
	fill(k, 'k', sizeof(k));
	assert_true(kiss_text_key_valid(k, KISS_TEXT_KEY_MAX));
	assert_false(kiss_text_key_valid(k, KISS_TEXT_KEY_MAX + 1));
}

static void test_malformed_value_too_long(void **state)
{
	char t[4 + KISS_TEXT_VALUE_MAX + 2];
	struct kiss_text_iter it;
	struct kiss_text_pair p;

	(void)state;
	memcpy(t, "Key=", 4);
	fill(t + 4, 'v', KISS_TEXT_VALUE_MAX + 1);
	t[4 + KISS_TEXT_VALUE_MAX + 1] = '\0';

	/* The default limit is the whole LTDS. */
	kiss_text_iter_init(&it, t, sizeof(t));
	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_OK);
	assert_int_equal(p.value_len, KISS_TEXT_VALUE_MAX + 1);

	kiss_text_iter_init(&it, t, sizeof(t));
	it.max_value = KISS_TEXT_VALUE_MAX;
	assert_int_equal(kiss_text_next(&it, &p),
			 KISS_TEXT_ERR_VALUE_TOO_LONG);
	assert_int_equal(kiss_text_next(&it, &p),
			 KISS_TEXT_ERR_VALUE_TOO_LONG);

	/* 255 bytes is still fine. */
	t[4 + KISS_TEXT_VALUE_MAX] = '\0';
	kiss_text_iter_init(&it, t, sizeof(t) - 1);
	it.max_value = KISS_TEXT_VALUE_MAX;
	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_OK);
	assert_int_equal(p.value_len, KISS_TEXT_VALUE_MAX);
	assert_int_equal(kiss_text_next(&it, &p), KISS_TEXT_END);
}

static void test_malformed_no_final_nul(void **state)
{
	(void)state;
	expect_error_at(TXT("A=1"), 0, KISS_TEXT_ERR_NO_NUL);
	expect_error_at(TXT("A=1\0B=2"), 1, KISS_TEXT_ERR_NO_NUL);
	/* Without a NUL there is no pair to look at for '=' either. */
	expect_error_at(TXT("A=1\0Foo"), 1, KISS_TEXT_ERR_NO_NUL);
	/* The NUL must be inside the length. */
	expect_error_at("A=1\0", 3, 0, KISS_TEXT_ERR_NO_NUL);
}

static void test_validate(void **state)
{
	(void)state;
	assert_int_equal(kiss_text_validate("", 0), KISS_TEXT_OK);
	assert_int_equal(kiss_text_validate(TXT("A=1\0B=\0\0")), KISS_TEXT_OK);
	/* The first error wins. */
	assert_int_equal(kiss_text_validate(TXT("A=1\0=x\0B\0")),
			 KISS_TEXT_ERR_EMPTY_KEY);
	/* Validation is syntax only: a repeated key is kiss_text_find's. */
	assert_int_equal(kiss_text_validate(TXT("A=1\0A=1\0")), KISS_TEXT_OK);
}

static void test_find(void **state)
{
	static const char t[] =
		"InitiatorName=iqn.1993-08.org.debian:01:host1\0"
		"SessionType=Normal\0"
		"TargetName=iqn.2026-11.org.example:disk1\0";
	struct kiss_text_pair p;

	(void)state;
	assert_int_equal(kiss_text_find(TXT(t), "SessionType", &p),
			 KISS_TEXT_OK);
	assert_true(kiss_text_value_is(&p, "Normal"));
	assert_false(kiss_text_value_is(&p, "Norma"));
	assert_false(kiss_text_value_is(&p, "Normal "));
	assert_int_equal(kiss_text_find(TXT(t), "TargetName", &p),
			 KISS_TEXT_OK);
	assert_true(kiss_text_value_is(&p,
				       "iqn.2026-11.org.example:disk1"));

	/* Exact key match only. */
	assert_int_equal(kiss_text_find(TXT(t), "Target", &p),
			 KISS_TEXT_ERR_NOT_FOUND);
	assert_int_equal(kiss_text_find(TXT(t), "sessiontype", &p),
			 KISS_TEXT_ERR_NOT_FOUND);
	assert_int_equal(kiss_text_find("", 0, "TargetName", &p),
			 KISS_TEXT_ERR_NOT_FOUND);
}

static void test_find_duplicate_and_malformed(void **state)
{
	struct kiss_text_pair p;

	(void)state;
	assert_int_equal(kiss_text_find(TXT("TargetName=iqn.a:b\0A=1\0"
					    "TargetName=iqn.a:c\0"),
					"TargetName", &p),
			 KISS_TEXT_ERR_DUPLICATE);
	/* A duplicate of another key does not matter to this one. */
	assert_int_equal(kiss_text_find(TXT("A=1\0B=2\0A=3\0"), "B", &p),
			 KISS_TEXT_OK);
	/* The whole text is checked, also after the key was found. */
	assert_int_equal(kiss_text_find(TXT("B=2\0=x\0"), "B", &p),
			 KISS_TEXT_ERR_EMPTY_KEY);
	assert_int_equal(kiss_text_find(TXT("B=2\0C=3"), "B", &p),
			 KISS_TEXT_ERR_NO_NUL);
	assert_int_equal(kiss_text_find(TXT("Bad Key=1\0B=2\0"), "B", &p),
			 KISS_TEXT_ERR_KEY_CHAR);
}

/* ------------------------------------------------------------------ */
/* Accumulation across the PDUs of a C-bit sequence                    */

static void test_accum_split_anywhere(void **state)
{
	static const char t[] =
		"InitiatorName=iqn.1993-08.org.debian:01:host1\0"
		"MaxBurstLength=16776192\0";
	/* Cuts inside a key, right after '=', inside a value, at a NUL. */
	static const size_t cuts[] = { 5, 14, 30, 46, 47, 60 };
	char buf[KISS_TEXT_LTDS_MAX];
	struct kiss_text_accum acc;
	struct kiss_text_pair p;
	size_t i, prev = 0;

	(void)state;
	kiss_text_accum_init(&acc, buf, sizeof(buf));
	assert_int_equal(acc.cap, KISS_TEXT_LTDS_MAX);
	assert_int_equal(acc.len, 0);
	for (i = 0; i <= ARRAY_SIZE(cuts); i++) {
		size_t end = i < ARRAY_SIZE(cuts) ? cuts[i] : sizeof(t) - 1;

		assert_int_equal(kiss_text_accum_add(&acc, t + prev,
						     end - prev),
				 KISS_TEXT_OK);
		/* Only the last piece ends the LTDS with a NUL. */
		if (end != 46 && end != sizeof(t) - 1)
			assert_int_equal(kiss_text_accum_finish(&acc),
					 KISS_TEXT_ERR_NO_NUL);
		prev = end;
	}
	assert_int_equal(acc.len, sizeof(t) - 1);
	assert_memory_equal(buf, t, sizeof(t) - 1);
	assert_int_equal(kiss_text_accum_finish(&acc), KISS_TEXT_OK);
	assert_int_equal(kiss_text_find(acc.buf, acc.len, "MaxBurstLength",
					&p), KISS_TEXT_OK);
	assert_true(kiss_text_value_is(&p, "16776192"));

	/* A PDU without data is fine, and so is an empty LTDS. */
	assert_int_equal(kiss_text_accum_add(&acc, NULL, 0), KISS_TEXT_OK);
	kiss_text_accum_reset(&acc);
	assert_int_equal(acc.len, 0);
	assert_int_equal(kiss_text_accum_finish(&acc), KISS_TEXT_OK);
}

static void test_accum_overflow(void **state)
{
	static char buf[KISS_TEXT_LTDS_MAX + 16];
	static char pdu[KISS_TEXT_LTDS_MAX + 1];
	struct kiss_text_accum acc;

	(void)state;
	fill(pdu, 'x', sizeof(pdu));
	/* The buffer is larger, but the cap is what was given. */
	kiss_text_accum_init(&acc, buf, KISS_TEXT_LTDS_MAX);

	/* One PDU over the cap: nothing appended. */
	assert_int_equal(kiss_text_accum_add(&acc, pdu, sizeof(pdu)),
			 KISS_TEXT_ERR_OVERFLOW);
	assert_int_equal(acc.len, 0);

	/* 8192 bytes in pieces exactly fills it. */
	assert_int_equal(kiss_text_accum_add(&acc, pdu, 8000), KISS_TEXT_OK);
	assert_int_equal(kiss_text_accum_add(&acc, pdu, 191), KISS_TEXT_OK);
	assert_int_equal(kiss_text_accum_add(&acc, "\0", 1), KISS_TEXT_OK);
	assert_int_equal(acc.len, KISS_TEXT_LTDS_MAX);
	assert_int_equal(kiss_text_accum_add(&acc, pdu, 0), KISS_TEXT_OK);

	/* One more byte does not fit and leaves the text as it was. */
	buf[KISS_TEXT_LTDS_MAX] = '#';
	assert_int_equal(kiss_text_accum_add(&acc, pdu, 1),
			 KISS_TEXT_ERR_OVERFLOW);
	assert_int_equal(acc.len, KISS_TEXT_LTDS_MAX);
	assert_int_equal(buf[KISS_TEXT_LTDS_MAX], '#');
	assert_int_equal(kiss_text_accum_finish(&acc), KISS_TEXT_OK);

	/* Reset starts a new LTDS. */
	kiss_text_accum_reset(&acc);
	assert_int_equal(kiss_text_accum_add(&acc, pdu, 100), KISS_TEXT_OK);
	assert_int_equal(acc.len, 100);
}

/* ------------------------------------------------------------------ */
/* Output: building and splitting                                      */

static void test_out_put(void **state)
{
	char buf[256];
	struct kiss_text_out out;

	(void)state;
	kiss_text_out_init(&out, buf, sizeof(buf));
	assert_int_equal(out.cap, sizeof(buf));
	assert_true(kiss_text_out_done(&out));
	assert_int_equal(kiss_text_put(&out, "HeaderDigest", "None"),
			 KISS_TEXT_OK);
	assert_int_equal(kiss_text_put_len(&out, "DataDigestXX", 10,
					   "CRC32C,None", 6), KISS_TEXT_OK);
	assert_int_equal(kiss_text_put(&out, "SendTargets", ""),
			 KISS_TEXT_OK);
	assert_int_equal(kiss_text_put_u64(&out, "MaxBurstLength", 262144),
			 KISS_TEXT_OK);
	assert_int_equal(kiss_text_put_u64(&out, "A", 0), KISS_TEXT_OK);
	assert_int_equal(kiss_text_put_u64(&out, "B", ~0ULL), KISS_TEXT_OK);
	assert_bytes(out.buf, out.len,
		     "HeaderDigest=None\0DataDigest=CRC32C\0SendTargets=\0"
		     "MaxBurstLength=262144\0A=0\0B=18446744073709551615\0");
	assert_false(out.overflow);
	assert_false(kiss_text_out_done(&out));
	assert_int_equal(kiss_text_validate(out.buf, out.len), KISS_TEXT_OK);

	kiss_text_out_reset(&out);
	assert_int_equal(out.len, 0);
	assert_int_equal(out.sent, 0);
}

static void test_out_overflow_all_or_nothing(void **state)
{
	char buf[16];
	struct kiss_text_out out;

	(void)state;
	memset(buf, '#', sizeof(buf));
	kiss_text_out_init(&out, buf, 10);
	assert_int_equal(kiss_text_put(&out, "A", "1"), KISS_TEXT_OK);
	/* "Key=Value\0" is 10 bytes, 6 are left. */
	assert_int_equal(kiss_text_put(&out, "Key", "Value"),
			 KISS_TEXT_ERR_OVERFLOW);
	assert_true(out.overflow);
	assert_int_equal(out.len, 4);
	/* Sticky: a pair that would fit is not written after a hole. */
	assert_int_equal(kiss_text_put(&out, "B", "2"),
			 KISS_TEXT_ERR_OVERFLOW);
	assert_int_equal(kiss_text_put_u64(&out, "C", 3),
			 KISS_TEXT_ERR_OVERFLOW);
	assert_int_equal(out.len, 4);
	assert_memory_equal(buf, "A=1\0######", 10);

	kiss_text_out_reset(&out);
	assert_false(out.overflow);
	/* Exactly the capacity fits. */
	assert_int_equal(kiss_text_put(&out, "Key", "Value"), KISS_TEXT_OK);
	assert_int_equal(out.len, 10);
	assert_int_equal(kiss_text_put(&out, "", ""), KISS_TEXT_ERR_OVERFLOW);
}

/* Hand out @out in pieces of at most @max; check them; return the count. */
static unsigned int split_all(struct kiss_text_out *out, size_t max,
			      char *joined)
{
	unsigned int pieces = 0;
	size_t total = 0;
	bool more;

	do {
		const char *d;
		size_t n;

		more = kiss_text_out_next(out, max, &d, &n);
		assert_true(n <= (max ? max : 1));
		assert_true(n > 0 || !more);
		memcpy(joined + total, d, n);
		total += n;
		pieces++;
		assert_int_equal(more, !kiss_text_out_done(out));
	} while (more);
	assert_int_equal(total, out->len);
	assert_memory_equal(joined, out->buf, out->len);
	return pieces;
}

static void test_out_split_at_mrdsl(void **state)
{
	static char buf[4096], joined[4096];
	struct kiss_text_out out;
	const char *d;
	size_t n, sent = 0;
	unsigned int i, pieces = 0;
	bool more;

	(void)state;
	/* A SendTargets answer of about 3.5 KiB, sent at MRDSL 512. */
	kiss_text_out_init(&out, buf, sizeof(buf));
	for (i = 0; i < 50; i++) {
		char name[64];
		u8 a[4] = { 192, 0, 2, (u8)i };

		snprintf(name, sizeof(name),
			 "iqn.2026-11.org.example:disk%u", i);
		assert_int_equal(kiss_text_put_target_name(&out, name),
				 KISS_TEXT_OK);
		assert_int_equal(kiss_text_put_target_address(&out, a, false,
							      3260, 1),
				 KISS_TEXT_OK);
	}
	assert_true(out.len > 6 * 512 && out.len < sizeof(buf));

	do {
		more = kiss_text_out_next(&out, 512, &d, &n);
		assert_true(n <= 512);
		/* No pair is 64 bytes long: only the last piece is short. */
		if (more)
			assert_true(n > 512 - 64);
		/* Each piece is whole pairs: it ends with a NUL. */
		assert_int_equal(d[n - 1], '\0');
		assert_int_equal(kiss_text_validate(d, n), KISS_TEXT_OK);
		assert_ptr_equal(d, buf + sent);
		sent += n;
		pieces++;
	} while (more);
	assert_int_equal(sent, out.len);
	assert_true(pieces >= (out.len + 511) / 512);
	assert_true(pieces <= (out.len + 447) / 448);
	assert_true(kiss_text_out_done(&out));
	/* Nothing left: an empty piece, C=0. */
	assert_false(kiss_text_out_next(&out, 512, &d, &n));
	assert_int_equal(n, 0);

	out.sent = 0;
	assert_int_equal(split_all(&out, 512, joined), pieces);
	out.sent = 0;
	assert_int_equal(split_all(&out, out.len, joined), 1);
}

static void test_out_split_exact_pieces(void **state)
{
	char buf[64], joined[64];
	struct kiss_text_out out;
	const char *d;
	size_t n;

	(void)state;
	kiss_text_out_init(&out, buf, sizeof(buf));
	kiss_text_put(&out, "A", "1");		/* 4 bytes */
	kiss_text_put(&out, "BB", "22");	/* 6 bytes */
	kiss_text_put(&out, "C", "3");		/* 4 bytes */

	/* 9: "A=1\0" (the next NUL is at 10). */
	assert_true(kiss_text_out_next(&out, 9, &d, &n));
	assert_bytes(d, n, "A=1\0");
	/* 6: exactly "BB=22\0", then the rest fits. */
	assert_true(kiss_text_out_next(&out, 6, &d, &n));
	assert_bytes(d, n, "BB=22\0");
	assert_false(kiss_text_out_next(&out, 6, &d, &n));
	assert_bytes(d, n, "C=3\0");

	/* A pair longer than the limit is cut at the limit. */
	out.sent = 0;
	assert_true(kiss_text_out_next(&out, 3, &d, &n));
	assert_bytes(d, n, "A=1");
	assert_true(kiss_text_out_next(&out, 3, &d, &n));
	assert_bytes(d, n, "\0");
	/* "A=1" "\0" "BB=" "22\0" "C=3" "\0" */
	out.sent = 0;
	assert_int_equal(split_all(&out, 3, joined), 6);

	/* A limit of 0 is taken as 1. */
	out.sent = 0;
	assert_true(kiss_text_out_next(&out, 0, &d, &n));
	assert_int_equal(n, 1);
	out.sent = 0;
	assert_int_equal(split_all(&out, 0, joined), 14);

	/* Nothing to send. */
	kiss_text_out_reset(&out);
	assert_false(kiss_text_out_next(&out, 512, &d, &n));
	assert_int_equal(n, 0);
}

/* ------------------------------------------------------------------ */
/* Values                                                              */

static void expect_number(const char *s, u64 want)
{
	u64 v = 12345;

	assert_int_equal(kiss_text_parse_number(s, strlen(s), &v),
			 KISS_TEXT_OK);
	assert_int_equal(v, want);
}

static void expect_not_number(const char *s)
{
	u64 v = 12345;

	assert_int_equal(kiss_text_parse_number(s, strlen(s), &v),
			 KISS_TEXT_ERR_NUMBER);
	assert_int_equal(v, 12345);	/* untouched */
}

static void test_number_decimal(void **state)
{
	(void)state;
	expect_number("0", 0);
	expect_number("1", 1);
	expect_number("262144", 262144);
	expect_number("16777215", 16777215);
	expect_number("18446744073709551615", ~0ULL);
	/* 2^64 and beyond */
	expect_not_number("18446744073709551616");
	expect_not_number("99999999999999999999");
	expect_not_number("184467440737095516150");
	/* decimal-constant: no leading zero */
	expect_not_number("01");
	expect_not_number("00");
}

static void test_number_hex(void **state)
{
	(void)state;
	expect_number("0x0", 0);
	expect_number("0x40000", 262144);
	expect_number("0X1f", 31);
	expect_number("0xFfFf", 65535);
	expect_number("0xffffffffffffffff", ~0ULL);
	/* Leading zeros are just more digits. */
	expect_number("0x00000000000000000001", 1);
	expect_not_number("0x10000000000000000");
	expect_not_number("0x");
	expect_not_number("0X");
	expect_not_number("0x1g");
	expect_not_number("0x-1");
	expect_not_number("x10");
	/* base64-constant is not a numerical-value */
	expect_not_number("0bAAAA");
}

static void test_number_junk(void **state)
{
	u64 v = 7;

	(void)state;
	assert_int_equal(kiss_text_parse_number("", 0, &v),
			 KISS_TEXT_ERR_NUMBER);
	assert_int_equal(kiss_text_parse_number(NULL, 0, &v),
			 KISS_TEXT_ERR_NUMBER);
	expect_not_number(" 1");
	expect_not_number("1 ");
	expect_not_number("+1");
	expect_not_number("-1");
	expect_not_number("1a");
	expect_not_number("a1");
	expect_not_number("1.0");
	expect_not_number("1,2");
	/* The length bounds the number. */
	assert_int_equal(kiss_text_parse_number("4096junk", 4, &v),
			 KISS_TEXT_OK);
	assert_int_equal(v, 4096);
}

static void test_bool(void **state)
{
	bool b = false;

	(void)state;
	assert_int_equal(kiss_text_parse_bool(TXT("Yes"), &b), KISS_TEXT_OK);
	assert_true(b);
	assert_int_equal(kiss_text_parse_bool(TXT("No"), &b), KISS_TEXT_OK);
	assert_false(b);
	b = true;
	assert_int_equal(kiss_text_parse_bool(TXT("yes"), &b),
			 KISS_TEXT_ERR_BOOLEAN);
	assert_int_equal(kiss_text_parse_bool(TXT("NO"), &b),
			 KISS_TEXT_ERR_BOOLEAN);
	assert_int_equal(kiss_text_parse_bool(TXT("Yes "), &b),
			 KISS_TEXT_ERR_BOOLEAN);
	assert_int_equal(kiss_text_parse_bool(TXT("1"), &b),
			 KISS_TEXT_ERR_BOOLEAN);
	assert_int_equal(kiss_text_parse_bool("", 0, &b),
			 KISS_TEXT_ERR_BOOLEAN);
	assert_int_equal(kiss_text_parse_bool("Yes", 2, &b),
			 KISS_TEXT_ERR_BOOLEAN);
	assert_true(b);	/* untouched */
}

static void test_list_select(void **state)
{
	static const char *const dig[] = { "None", "CRC32C" };

	(void)state;
	/* The initiator's order decides, not the target's. */
	assert_int_equal(kiss_text_list_select(TXT("CRC32C,None"), dig, 2), 1);
	assert_int_equal(kiss_text_list_select(TXT("None,CRC32C"), dig, 2), 0);
	assert_int_equal(kiss_text_list_select(TXT("None"), dig, 2), 0);
	/* Unknown values are skipped. */
	assert_int_equal(kiss_text_list_select(TXT("MD5,SHA1,CRC32C"), dig, 2),
			 1);
	assert_int_equal(kiss_text_list_select(TXT("MD5,SHA1"), dig, 2), -1);
	/* Whole values only. */
	assert_int_equal(kiss_text_list_select(TXT("CRC32"), dig, 2), -1);
	assert_int_equal(kiss_text_list_select(TXT("CRC32CX,none"), dig, 2),
			 -1);
	/* Empty elements are not values. */
	assert_int_equal(kiss_text_list_select("", 0, dig, 2), -1);
	assert_int_equal(kiss_text_list_select(TXT(",,None,"), dig, 2), 0);
	assert_int_equal(kiss_text_list_select(TXT("CRC32C,"), dig, 2), 1);
	/* The length bounds the list. */
	assert_int_equal(kiss_text_list_select("None", 3, dig, 2), -1);
	assert_int_equal(kiss_text_list_select("CRC32C,None", 6, dig + 1, 1),
			 0);
	/* Nothing supported. */
	assert_int_equal(kiss_text_list_select(TXT("None"), dig, 0), -1);
}

static void test_reserved(void **state)
{
	(void)state;
	assert_true(kiss_text_is_reserved(TXT("Reject")));
	assert_true(kiss_text_is_reserved(TXT("Irrelevant")));
	assert_true(kiss_text_is_reserved(TXT("NotUnderstood")));
	assert_false(kiss_text_is_reserved(TXT("None")));
	assert_false(kiss_text_is_reserved(TXT("reject")));
	assert_false(kiss_text_is_reserved(TXT("Rejected")));
	assert_false(kiss_text_is_reserved("", 0));
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(kiss_text_utf8_valid("", 0));
	assert_true(kiss_text_utf8_valid(TXT("kiss disk 1")));
	assert_true(kiss_text_utf8_valid(TXT("\xc3\xa9")));		/* é */
	assert_true(kiss_text_utf8_valid(TXT("\xc2\x80")));		/* U+80 */
	assert_true(kiss_text_utf8_valid(TXT("\xe2\x82\xac")));	/* € */
	assert_true(kiss_text_utf8_valid(TXT("\xe0\xa0\x80")));	/* U+800 */
	assert_true(kiss_text_utf8_valid(TXT("\xef\xbf\xbf")));	/* U+FFFF */
	assert_true(kiss_text_utf8_valid(TXT("\xf0\x90\x80\x80")));	/* U+10000 */
	assert_true(kiss_text_utf8_valid(TXT("\xf0\x9f\x98\x80")));
	assert_true(kiss_text_utf8_valid(TXT("\xf4\x8f\xbf\xbf")));	/* max */

	/* Overlong forms */
	assert_false(kiss_text_utf8_valid(TXT("\xc0\x80")));
	assert_false(kiss_text_utf8_valid(TXT("\xc1\xbf")));
	assert_false(kiss_text_utf8_valid(TXT("\xe0\x80\x80")));
	assert_false(kiss_text_utf8_valid(TXT("\xe0\x9f\xbf")));
	assert_false(kiss_text_utf8_valid(TXT("\xf0\x80\x80\x80")));
	assert_false(kiss_text_utf8_valid(TXT("\xf0\x8f\xbf\xbf")));
	/* Surrogates, beyond U+10FFFF, bytes never used */
	assert_false(kiss_text_utf8_valid(TXT("\xed\xa0\x80")));
	assert_false(kiss_text_utf8_valid(TXT("\xed\xbf\xbf")));
	assert_true(kiss_text_utf8_valid(TXT("\xed\x9f\xbf")));	/* U+D7FF */
	assert_false(kiss_text_utf8_valid(TXT("\xf4\x90\x80\x80")));
	assert_false(kiss_text_utf8_valid(TXT("\xf5\x80\x80\x80")));
	assert_false(kiss_text_utf8_valid(TXT("\xff")));
	assert_false(kiss_text_utf8_valid(TXT("\xfe")));
	/* Truncated, stray continuation, bad continuation */
	assert_false(kiss_text_utf8_valid(TXT("a\xc3")));
	assert_false(kiss_text_utf8_valid(TXT("\xe2\x82")));
	assert_false(kiss_text_utf8_valid(TXT("\xf0\x9f\x98")));
	assert_false(kiss_text_utf8_valid("\xc3\xa9", 1));
	assert_false(kiss_text_utf8_valid(TXT("\x80")));
	assert_false(kiss_text_utf8_valid(TXT("\xc3\x28")));
	assert_false(kiss_text_utf8_valid(TXT("\xe2\x28\xac")));
	/* NUL is never part of a text value */
	assert_false(kiss_text_utf8_valid(TXT("a\0b")));
}

static bool name_ok(const char *s)
{
	return kiss_text_iscsi_name_valid(s, strlen(s));
}

static void test_iscsi_name_iqn(void **state)
{
	char name[KISS_TEXT_NAME_MAX + 2];

	(void)state;
	/* RFC 7143 4.2.7.2 examples and typical initiators */
	assert_true(name_ok("iqn.2001-04.com.example:storage:diskarrays-sn-a8675309"));
	assert_true(name_ok("iqn.2001-04.com.example"));
	assert_true(name_ok("iqn.1999-07.com.os:hostid.77"));
	assert_true(name_ok("iqn.1993-08.org.debian:01:4b5fd3a8f0c"));
	assert_true(name_ok("iqn.1991-05.com.microsoft:host1.example.com"));
	assert_true(name_ok("iqn.2026-11.org.example:d\xc3\xadsk"));
	/* Not folded by stringprep here: upper case still logs in. */
	assert_true(name_ok("iqn.2001-04.com.example:Disk1"));

	assert_false(name_ok(""));
	assert_false(name_ok("iqn"));
	assert_false(name_ok("iqn."));
	assert_false(name_ok("IQN.2001-04.com.example"));
	assert_false(name_ok("iqn2001-04.com.example"));
	assert_false(name_ok("foo.2001-04.com.example"));
	assert_false(name_ok("iqn.2001-04.com.example:my disk"));
	assert_false(name_ok("iqn.2001-04.com.example:tab\there"));
	assert_false(name_ok("iqn.2001-04.com.example:\x7f"));
	assert_false(name_ok("iqn.2001-04.com.example:\xc0\x80"));
	assert_false(name_ok("iqn.2001-04.com.example:\xff"));
	assert_false(kiss_text_iscsi_name_valid(TXT("iqn.a\0b")));

	/* At most 223 bytes. */
	memcpy(name, "iqn.", 4);
	fill(name + 4, 'a', KISS_TEXT_NAME_MAX - 4);
	assert_true(kiss_text_iscsi_name_valid(name, KISS_TEXT_NAME_MAX));
	name[KISS_TEXT_NAME_MAX] = 'a';
	assert_false(kiss_text_iscsi_name_valid(name,
						KISS_TEXT_NAME_MAX + 1));
}

static void test_iscsi_name_eui_naa(void **state)
{
	(void)state;
	/* RFC 7143 4.2.7.3 (EUI-64) and 4.2.7.4 (NAA, 64 or 128 bits) */
	assert_true(name_ok("eui.02004567A425678D"));
	assert_true(name_ok("eui.02004567a425678d"));
	assert_true(name_ok("naa.52004567BA64678D"));
	assert_true(name_ok("naa.62004567BA64678D0123456789ABCDEF"));

	assert_false(name_ok("eui."));
	assert_false(name_ok("eui.02004567A425678"));		/* 15 */
	assert_false(name_ok("eui.02004567A425678D0"));		/* 17 */
	assert_false(name_ok("eui.02004567A425678G"));
	assert_false(name_ok("eui.0x004567A425678D"));
	assert_false(name_ok("EUI.02004567A425678D"));
	assert_false(name_ok("naa.52004567BA64678"));		/* 15 */
	assert_false(name_ok("naa.52004567BA64678D00"));	/* 18 */
	assert_false(name_ok("naa.52004567BA64678D01234567"));	/* 24 */
	assert_false(name_ok("naa.62004567BA64678D0123456789ABCDEF0"));
	assert_false(name_ok("naa.62004567BA64678D0123456789ABCDEX"));
	assert_false(name_ok("naa.52004567-A64678D"));
}

static void test_format_u64(void **state)
{
	char b[KISS_TEXT_U64_CHARS + 1];

	(void)state;
	assert_int_equal(kiss_text_format_u64(b, 0), 1);
	assert_string_equal(b, "0");
	assert_int_equal(kiss_text_format_u64(b, 10), 2);
	assert_string_equal(b, "10");
	assert_int_equal(kiss_text_format_u64(b, 16776192), 8);
	assert_string_equal(b, "16776192");
	assert_int_equal(kiss_text_format_u64(b, ~0ULL), KISS_TEXT_U64_CHARS);
	assert_string_equal(b, "18446744073709551615");
}

static void expect_addr(const u8 *a, bool v6, u16 port, u16 tpgt,
			const char *want)
{
	char b[KISS_TEXT_ADDR_MAX];
	size_t n;

	memset(b, '#', sizeof(b));
	n = kiss_text_format_address(b, sizeof(b), a, v6, port, tpgt);
	assert_string_equal(b, want);
	assert_int_equal(n, strlen(want));
}

static void test_address_ipv4(void **state)
{
	static const u8 a[4] = { 10, 1, 0, 45 };
	static const u8 zero[4], ones[4] = { 255, 255, 255, 255 };
	char b[32];

	(void)state;
	/* RFC 7143 Appendix C: TargetAddress=10.1.0.45:3000,1 */
	expect_addr(a, false, 3000, 1, "10.1.0.45:3000,1");
	expect_addr(a, false, 3260, 1, "10.1.0.45:3260,1");
	expect_addr(zero, false, 0, 0, "0.0.0.0:0,0");
	expect_addr(ones, false, 65535, 65535,
		    "255.255.255.255:65535,65535");

	/* Too small for the value and its NUL: nothing written. */
	memset(b, '#', sizeof(b));
	assert_int_equal(kiss_text_format_address(b, 16, a, false, 3260, 1),
			 0);
	assert_int_equal(b[0], '#');
	assert_int_equal(kiss_text_format_address(b, 17, a, false, 3260, 1),
			 16);
	assert_string_equal(b, "10.1.0.45:3260,1");
	assert_int_equal(kiss_text_format_address(b, 0, a, false, 3260, 1),
			 0);
}

#define LONGEST	"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535,65535"

static void test_address_ipv6(void **state)
{
	static const u8 doc1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const u8 any[16];
	static const u8 lo[16] = { [15] = 1 };
	static const u8 one[16] = { 0, 1 };
	/* 2001:db8:0:0:1:0:0:1: two runs of two, the first wins */
	static const u8 tie[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				    0, 1, 0, 0, 0, 0, 0, 1 };
	/* 2001:0:0:1:0:0:0:1: the longer run wins */
	static const u8 longer[16] = { 0x20, 0x01, 0, 0, 0, 0, 0, 1,
				       0, 0, 0, 0, 0, 0, 0, 1 };
	/* 2001:db8:0:1:1:1:1:1: one zero group is not shortened */
	static const u8 single[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1,
				       0, 1, 0, 1, 0, 1, 0, 1 };
	static const u8 mapped[16] = { [10] = 0xff, [11] = 0xff,
				       192, 0, 2, 1 };
	static const u8 link[16] = { 0xfe, 0x80, [8] = 0x02, 0x1e,
				     0x67, 0xff, 0xfe, 0x2a, 0x00, 0x0f };
	u8 all[16];

	(void)state;
	memset(all, 0xff, sizeof(all));
	expect_addr(doc1, true, 3260, 1, "[2001:db8::1]:3260,1");
	expect_addr(any, true, 3260, 1, "[::]:3260,1");
	expect_addr(lo, true, 3260, 2, "[::1]:3260,2");
	expect_addr(one, true, 860, 1, "[1::]:860,1");
	expect_addr(tie, true, 3260, 1, "[2001:db8::1:0:0:1]:3260,1");
	expect_addr(longer, true, 3260, 1, "[2001:0:0:1::1]:3260,1");
	expect_addr(single, true, 3260, 1, "[2001:db8:0:1:1:1:1:1]:3260,1");
	expect_addr(mapped, true, 3260, 1, "[::ffff:192.0.2.1]:3260,1");
	expect_addr(link, true, 3260, 1,
		    "[fe80::21e:67ff:fe2a:f]:3260,1");
	/* The longest form fits KISS_TEXT_ADDR_MAX exactly. */
	expect_addr(all, true, 65535, 65535, LONGEST);
	assert_int_equal(strlen(LONGEST) + 1, KISS_TEXT_ADDR_MAX);
}

#define RFC_TNAME	"iqn.1999-07.com.example:diskarray.sn.88"

static void test_send_targets_builders(void **state)
{
	static const u8 v4[4] = { 10, 1, 0, 45 };
	static const u8 v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x45 };
	char buf[512], host[KISS_TEXT_VALUE_MAX + 2];
	struct kiss_text_out out;

	(void)state;
	kiss_text_out_init(&out, buf, sizeof(buf));
	assert_int_equal(kiss_text_put_target_name(&out, RFC_TNAME),
			 KISS_TEXT_OK);
	assert_int_equal(kiss_text_put_target_address(&out, v4, false, 3260,
						      1), KISS_TEXT_OK);
	assert_int_equal(kiss_text_put_target_address(&out, v6, true, 3260,
						      2), KISS_TEXT_OK);
	assert_int_equal(kiss_text_put_target_host(&out, "san.example.com",
						   3260, 1), KISS_TEXT_OK);
	assert_int_equal(kiss_text_put_target_host(&out, "2001:db8::7",
						   3260, 3), KISS_TEXT_OK);
	assert_int_equal(kiss_text_put_target_host(&out, "[2001:db8::8]",
						   3260, 4), KISS_TEXT_OK);
	assert_int_equal(kiss_text_put_target_host(&out, "192.0.2.9", 3261,
						   5), KISS_TEXT_OK);
	assert_bytes(out.buf, out.len,
		     "TargetName=" RFC_TNAME "\0"
		     "TargetAddress=10.1.0.45:3260,1\0"
		     "TargetAddress=[2001:db8::45]:3260,2\0"
		     "TargetAddress=san.example.com:3260,1\0"
		     "TargetAddress=[2001:db8::7]:3260,3\0"
		     "TargetAddress=[2001:db8::8]:3260,4\0"
		     "TargetAddress=192.0.2.9:3261,5\0");

	/* A host name over 255 bytes is refused, 255 is taken. */
	kiss_text_out_reset(&out);
	fill(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	assert_int_equal(kiss_text_put_target_host(&out, host, 3260, 1),
			 KISS_TEXT_ERR_VALUE_TOO_LONG);
	assert_int_equal(out.len, 0);
	host[KISS_TEXT_VALUE_MAX] = '\0';
	assert_int_equal(kiss_text_put_target_host(&out, host, 3260, 1),
			 KISS_TEXT_OK);
	assert_int_equal(out.len, 14 + KISS_TEXT_VALUE_MAX + 7 + 1);

	/* No room: overflow, nothing written. */
	kiss_text_out_init(&out, buf, 20);
	assert_int_equal(kiss_text_put_target_address(&out, v4, false, 3260,
						      1),
			 KISS_TEXT_ERR_OVERFLOW);
	assert_int_equal(out.len, 0);
}

static void test_status_names(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < KISS_TEXT_STATUS_COUNT; i++) {
		const char *n = kiss_text_status_name(i);

		assert_non_null(n);
		assert_true(n[0] != '\0');
		for (j = 0; j < i; j++)
			assert_string_not_equal(n, kiss_text_status_name(j));
	}
	assert_string_equal(kiss_text_status_name(KISS_TEXT_STATUS_COUNT),
			    "unknown text status");
	assert_string_equal(kiss_text_status_name(-1), "unknown text status");
}

#define T(f) cmocka_unit_test(f)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_iter_pairs),
		T(test_iter_empty_value_and_equals_in_value),
		T(test_iter_stray_nuls_and_empty),
		T(test_malformed_no_equals),
		T(test_malformed_empty_key),
		T(test_malformed_key_too_long),
		T(test_malformed_key_chars),
		T(test_key_valid),
		T(test_malformed_value_too_long),
		T(test_malformed_no_final_nul),
		T(test_validate),
		T(test_find),
		T(test_find_duplicate_and_malformed),
		T(test_accum_split_anywhere),
		T(test_accum_overflow),
		T(test_out_put),
		T(test_out_overflow_all_or_nothing),
		T(test_out_split_at_mrdsl),
		T(test_out_split_exact_pieces),
		T(test_number_decimal),
		T(test_number_hex),
		T(test_number_junk),
		T(test_bool),
		T(test_list_select),
		T(test_reserved),
		T(test_utf8),
		T(test_iscsi_name_iqn),
		T(test_iscsi_name_eui_naa),
		T(test_format_u64),
		T(test_address_ipv4),
		T(test_address_ipv6),
		T(test_send_targets_builders),
		T(test_status_names),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}

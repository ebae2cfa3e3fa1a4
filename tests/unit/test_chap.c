// SPDX-License-Identifier: GPL-2.0
/*
 * CHAP (kernel/proto/chap.c): one case per rule.
 *
 * Known answers were computed outside kiss with OpenSSL's command line,
 * e.g. for the MD5 one (identifier 0x2a, secret "kiss-chap-secret-1",
 * challenge 00 01 .. 0f):
 *
 *   ch=$(for i in $(seq 0 15); do printf '\\x%02x' $i; done)
 *   printf "\x2akiss-chap-secret-1$ch" | openssl dgst -md5
 *
 * and likewise with -sha1, and with identifier 0x07, secret
 * "kiss-chap-secret-2", challenge a0 a1 .. bf for -sha256 and -sha3-256
 * (add "-binary | base64" for the base64 form); the mutual one is
 * identifier 0x99, secret "kiss-target-secret", challenge 10 11 .. 1f, MD5.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "proto/chap.h"
#include "kiss_test_crypto.h"

static const char init_name[] = "iqn.1993-08.org.debian:01:host1";
static const char init_secret[] = "kiss-chap-secret-1";
static const char tgt_name[] = "iqn.2026-11.org.example:disk1";
static const char tgt_secret[] = "kiss-target-secret";

static const struct kiss_chap_cred initiator = {
	.name = init_name, .name_len = sizeof(init_name) - 1,
	.secret = (const u8 *)init_secret,
	.secret_len = sizeof(init_secret) - 1,
};

static const struct kiss_chap_cred target = {
	.name = tgt_name, .name_len = sizeof(tgt_name) - 1,
	.secret = (const u8 *)tgt_secret, .secret_len = sizeof(tgt_secret) - 1,
};

/* 00 01 .. 0f */
static u8 ch16[16];
/* a0 a1 .. bf */
static u8 ch32[32];
/* 10 11 .. 1f: the initiator's challenge in the mutual cases */
static const char peer_ch16_hex[] = "0x101112131415161718191a1b1c1d1e1f";

/* H(0x07 || "kiss-chap-secret-2" || a0 a1 .. bf) with SHA-256 */
static const char sha256_resp_hex[] =
	"0x44496ced0fddb6364e158ef630af2f6400423020c501c69d609f2a2d2c8bfc4f";

static struct kiss_chap chap;

static int setup(void **state)
{
	int i;

	for (i = 0; i < 16; i++)
		ch16[i] = i;
	for (i = 0; i < 32; i++)
		ch32[i] = 0xa0 + i;
	memset(&chap, 0, sizeof(chap));
	return 0;
}

static void to_hex(const u8 *bin, size_t len, char *out, size_t size)
{
	int n = kiss_chap_encode_hex(bin, len, out, size - 1);

	assert_true(n > 0);
	out[n] = '\0';
}

/* Begin MD5 with id 0x2a and ch16; return the right CHAP_R in @hex. */
static void begin_md5(char *hex, size_t size)
{
	u8 resp[KISS_CHAP_DIGEST_MAX];

	assert_int_equal(kiss_chap_begin(&chap, KISS_CHAP_ALG_MD5, 0x2a, ch16,
					 sizeof(ch16)), 0);
	assert_int_equal(kiss_test_chap_response(KISS_CHAP_ALG_MD5, 0x2a,
						 init_secret,
						 strlen(init_secret), ch16,
						 sizeof(ch16), resp), 0);
	to_hex(resp, 16, hex, size);
}

static enum kiss_chap_status verify(const struct kiss_chap_cred *tgt,
				    const char *n, const char *r)
{
	return kiss_chap_verify(&chap, &kiss_test_hasher, &initiator, tgt,
				n, n ? strlen(n) : 0, r, r ? strlen(r) : 0);
}

static enum kiss_chap_status mutual(const struct kiss_chap_cred *tgt,
				    const char *i, const char *c,
				    char *buf, size_t size, size_t *written)
{
	return kiss_chap_mutual(&chap, &kiss_test_hasher, tgt,
				i, i ? strlen(i) : 0, c, c ? strlen(c) : 0,
				buf, size, written);
}

/* Leave @chap verified, ready for the mutual step. */
static void verified(void)
{
	char hex[80];

	begin_md5(hex, sizeof(hex));
	assert_int_equal(verify(&target, init_name, hex), KISS_CHAP_OK);
}

/* ---- known answers: the hasher and H(id || secret || challenge) ---- */

static void test_known_md5(void **state)
{
	static const u8 want[16] = {
		0x9f, 0x41, 0xc3, 0x66, 0x4b, 0xf0, 0xf6, 0x95,
		0x64, 0x24, 0x41, 0x74, 0xa4, 0x7f, 0xec, 0x49,
	};
	u8 out[KISS_CHAP_DIGEST_MAX];

	assert_int_equal(kiss_test_chap_response(KISS_CHAP_ALG_MD5, 0x2a,
						 init_secret,
						 strlen(init_secret), ch16,
						 sizeof(ch16), out), 0);
	assert_memory_equal(out, want, sizeof(want));
}

static void test_known_sha1(void **state)
{
	static const u8 want[20] = {
		0xf3, 0x7d, 0xdd, 0x5b, 0x51, 0x24, 0xac, 0xe6, 0x83, 0xbd,
		0xb6, 0x79, 0xe4, 0xef, 0x12, 0x2c, 0x1f, 0x5b, 0xf5, 0x88,
	};
	u8 out[KISS_CHAP_DIGEST_MAX];

	assert_int_equal(kiss_test_chap_response(KISS_CHAP_ALG_SHA1, 0x2a,
						 init_secret,
						 strlen(init_secret), ch16,
						 sizeof(ch16), out), 0);
	assert_memory_equal(out, want, sizeof(want));
}

static void test_known_sha3_256(void **state)
{
	static const u8 want[32] = {
		0xd8, 0x94, 0x58, 0xe8, 0x95, 0xb1, 0x9d, 0xd1,
		0x5b, 0x31, 0xf2, 0x2d, 0xaf, 0xb2, 0x1d, 0xac,
		0xc9, 0x15, 0xaf, 0xf8, 0x95, 0xfc, 0x28, 0xf7,
		0x59, 0x7e, 0xe4, 0x14, 0x9f, 0xed, 0x01, 0x06,
	};
	u8 out[KISS_CHAP_DIGEST_MAX];

	assert_int_equal(kiss_test_chap_response(KISS_CHAP_ALG_SHA3_256, 0x07,
						 "kiss-chap-secret-2", 18,
						 ch32, sizeof(ch32), out), 0);
	assert_memory_equal(out, want, sizeof(want));
}

/* End to end with a response that never went through kiss's hasher. */
static void test_verify_md5_known_answer(void **state)
{
	assert_int_equal(kiss_chap_begin(&chap, KISS_CHAP_ALG_MD5, 0x2a, ch16,
					 sizeof(ch16)), 0);
	assert_int_equal(verify(NULL, init_name,
				"0x9f41c3664bf0f69564244174a47fec49"),
			 KISS_CHAP_OK);
}

static void test_verify_sha256_known_answer(void **state)
{
	static const char secret[] = "kiss-chap-secret-2";
	const struct kiss_chap_cred cred = {
		.name = init_name, .name_len = strlen(init_name),
		.secret = (const u8 *)secret, .secret_len = strlen(secret),
	};
	const char *resp = sha256_resp_hex;

	assert_int_equal(kiss_chap_begin(&chap, KISS_CHAP_ALG_SHA256, 0x07,
					 ch32, sizeof(ch32)), 0);
	assert_int_equal(kiss_chap_verify(&chap, &kiss_test_hasher, &cred,
					  NULL, init_name, strlen(init_name),
					  resp, strlen(resp)), KISS_CHAP_OK);
}

/* The same response in base64 (RFC 7143 section 6.1 allows either). */
static void test_verify_sha256_base64(void **state)
{
	static const char secret[] = "kiss-chap-secret-2";
	const struct kiss_chap_cred cred = {
		.name = init_name, .name_len = strlen(init_name),
		.secret = (const u8 *)secret, .secret_len = strlen(secret),
	};
	static const char resp[] =
		"0bREls7Q/dtjZOFY72MK8vZABCMCDFAcadYJ8qLSyL/E8=";

	assert_int_equal(kiss_chap_begin(&chap, KISS_CHAP_ALG_SHA256, 0x07,
					 ch32, sizeof(ch32)), 0);
	assert_int_equal(kiss_chap_verify(&chap, &kiss_test_hasher, &cred,
					  NULL, init_name, strlen(init_name),
					  resp, strlen(resp)), KISS_CHAP_OK);
}

/* ---- the target's challenge ---- */

static void test_write_challenge(void **state)
{
	static const char want[] =
		"CHAP_A=5\0CHAP_I=42\0"
		"CHAP_C=0x000102030405060708090a0b0c0d0e0f";
	char buf[128];

	assert_int_equal(kiss_chap_begin(&chap, KISS_CHAP_ALG_MD5, 42, ch16,
					 sizeof(ch16)), 0);
	/* sizeof(want) counts the final NUL that ends the last pair */
	assert_int_equal(kiss_chap_write_challenge(&chap, buf, sizeof(buf)),
			 sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_write_challenge_nospc(void **state)
{
	char buf[128];
	int need;

	assert_int_equal(kiss_chap_begin(&chap, KISS_CHAP_ALG_SHA256, 255,
					 ch32, sizeof(ch32)), 0);
	need = kiss_chap_write_challenge(&chap, buf, sizeof(buf));
	assert_true(need > 0);
	assert_int_equal(kiss_chap_write_challenge(&chap, buf, need - 1),
			 -ENOSPC);
	assert_int_equal(kiss_chap_write_challenge(&chap, buf, 0), -ENOSPC);
}

static void test_write_challenge_not_begun(void **state)
{
	char buf[128];

	assert_int_equal(kiss_chap_write_challenge(&chap, buf, sizeof(buf)),
			 -EINVAL);
}

static void test_begin_rejects_bad_args(void **state)
{
	u8 big[KISS_CHAP_OWN_CHALLENGE_MAX + 1] = { 0 };

	assert_int_equal(kiss_chap_begin(&chap, KISS_CHAP_ALG_NONE, 1, ch16,
					 16), -EINVAL);
	assert_int_equal(kiss_chap_begin(&chap, 4, 1, ch16, 16), -EINVAL);
	assert_int_equal(kiss_chap_begin(&chap, KISS_CHAP_ALG_MD5, 1, ch16,
					 KISS_CHAP_CHALLENGE_MIN - 1), -EINVAL);
	assert_int_equal(kiss_chap_begin(&chap, KISS_CHAP_ALG_MD5, 1, big,
					 sizeof(big)), -EINVAL);
	assert_int_equal(kiss_chap_begin(&chap, KISS_CHAP_ALG_MD5, 1, big,
					 sizeof(big) - 1), 0);
}

/* ---- algorithm selection (RFC 7143 section 6.2.1) ---- */

static enum kiss_chap_alg sel(const char *offer, u32 allowed)
{
	return kiss_chap_select_alg(offer, strlen(offer), allowed);
}

static void test_select_initiator_order(void **state)
{
	assert_int_equal(sel("8,7,6,5", KISS_CHAP_ALGS_ALL),
			 KISS_CHAP_ALG_SHA3_256);
	assert_int_equal(sel("7,5", KISS_CHAP_ALGS_ALL), KISS_CHAP_ALG_SHA256);
	assert_int_equal(sel("5,7", KISS_CHAP_ALGS_ALL), KISS_CHAP_ALG_MD5);
	assert_int_equal(sel("5", KISS_CHAP_ALGS_ALL), KISS_CHAP_ALG_MD5);
}

static void test_select_respects_allowed(void **state)
{
	u32 no_md5 = KISS_CHAP_ALGS_ALL & ~KISS_CHAP_ALG_BIT(KISS_CHAP_ALG_MD5);
	u32 sha256_md5 = KISS_CHAP_ALG_BIT(KISS_CHAP_ALG_SHA256) |
			 KISS_CHAP_ALG_BIT(KISS_CHAP_ALG_MD5);

	assert_int_equal(sel("5,7", no_md5), KISS_CHAP_ALG_SHA256);
	assert_int_equal(sel("8,6,5", sha256_md5), KISS_CHAP_ALG_MD5);
	assert_int_equal(sel("5", no_md5), KISS_CHAP_ALG_NONE);
	assert_int_equal(sel("7", 0), KISS_CHAP_ALG_NONE);
}

static void test_select_skips_unknown(void **state)
{
	assert_int_equal(sel("1,4,9,255,7", KISS_CHAP_ALGS_ALL),
			 KISS_CHAP_ALG_SHA256);
	assert_int_equal(sel("None,x,,5", KISS_CHAP_ALGS_ALL),
			 KISS_CHAP_ALG_MD5);
	/* numbers past an octet, or past 2^64, are skipped, not wrapped */
	assert_int_equal(sel("261,99999999999999999999999,5",
			     KISS_CHAP_ALGS_ALL), KISS_CHAP_ALG_MD5);
	/* "07" is not a decimal-constant; "0x7" is a hex-constant */
	assert_int_equal(sel("07,5", KISS_CHAP_ALGS_ALL), KISS_CHAP_ALG_MD5);
	assert_int_equal(sel("0x7,5", KISS_CHAP_ALGS_ALL),
			 KISS_CHAP_ALG_SHA256);
}

static void test_select_nothing_acceptable(void **state)
{
	assert_int_equal(sel("", KISS_CHAP_ALGS_ALL), KISS_CHAP_ALG_NONE);
	assert_int_equal(sel(",", KISS_CHAP_ALGS_ALL), KISS_CHAP_ALG_NONE);
	assert_int_equal(sel("None", KISS_CHAP_ALGS_ALL), KISS_CHAP_ALG_NONE);
	assert_int_equal(kiss_chap_select_alg(NULL, 0, KISS_CHAP_ALGS_ALL),
			 KISS_CHAP_ALG_NONE);
	/* the length bounds the scan: "5" lies past it */
	assert_int_equal(kiss_chap_select_alg("1,5", 2, KISS_CHAP_ALGS_ALL),
			 KISS_CHAP_ALG_NONE);
}

/* ---- binary value decoding (RFC 7143 section 6.1) ---- */

static int dec(const char *val, u8 *out, size_t size, size_t *len)
{
	return kiss_chap_decode(val, strlen(val), out, size, len);
}

static void test_decode_hex(void **state)
{
	static const u8 want[] = { 0x00, 0xab, 0xcd, 0xef, 0x12 };
	u8 out[16];
	size_t len = 0;

	assert_int_equal(dec("0x00abcdef12", out, sizeof(out), &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(out, want, 5);
	assert_int_equal(dec("0X00ABcDeF12", out, sizeof(out), &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(out, want, 5);
}

/* An odd digit count reads as a number: "0x123" is 01 23. */
static void test_decode_hex_odd_length(void **state)
{
	u8 out[16];
	size_t len = 0;

	assert_int_equal(dec("0x123", out, sizeof(out), &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(out[0], 0x01);
	assert_int_equal(out[1], 0x23);
	assert_int_equal(dec("0xf", out, sizeof(out), &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(out[0], 0x0f);
}

static void test_decode_hex_bad_chars(void **state)
{
	u8 out[16];
	size_t len;

	assert_int_equal(dec("0x12g4", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0x12 4", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0x0x12", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(kiss_chap_decode("0x1\0002", 5, out, sizeof(out),
					  &len), -EINVAL);
}

static void test_decode_empty(void **state)
{
	u8 out[16];
	size_t len;

	assert_int_equal(dec("", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0x", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0b", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0b==", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(kiss_chap_decode(NULL, 0, out, sizeof(out), &len),
			 -EINVAL);
}

static void test_decode_no_prefix(void **state)
{
	u8 out[16];
	size_t len;

	assert_int_equal(dec("1234", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0y12", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("x012", out, sizeof(out), &len), -EINVAL);
}

/* CHAP_C and CHAP_R are at most 1024 bytes (RFC 7143 section 12.1.3). */
static void test_decode_too_long(void **state)
{
	static char val[2 + 2 * 1025 + 1];
	static u8 out[2048];
	size_t len = 0;

	memset(val, 'a', sizeof(val) - 1);
	val[0] = '0';
	val[1] = 'x';
	val[2 + 2 * 1024] = '\0';
	assert_int_equal(dec(val, out, sizeof(out), &len), 0);
	assert_int_equal(len, 1024);
	val[2 + 2 * 1024] = 'a';
	assert_int_equal(dec(val, out, sizeof(out), &len), -EMSGSIZE);
	/* one digit more is already a 1025th byte */
	val[2 + 2 * 1024 + 1] = '\0';
	assert_int_equal(dec(val, out, sizeof(out), &len), -EMSGSIZE);
}

static void test_decode_too_long_for_buffer(void **state)
{
	u8 out[4];
	size_t len;

	assert_int_equal(dec("0x01020304", out, 4, &len), 0);
	assert_int_equal(dec("0x0102030405", out, 4, &len), -EMSGSIZE);
	assert_int_equal(dec("0bAQIDBAU=", out, 4, &len), -EMSGSIZE);
}

static void test_decode_base64(void **state)
{
	u8 out[16];
	size_t len = 0;

	assert_int_equal(dec("0bAAEC", out, sizeof(out), &len), 0);
	assert_int_equal(len, 3);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 1);
	assert_int_equal(out[2], 2);
	assert_int_equal(dec("0B+/+/", out, sizeof(out), &len), 0);
	assert_int_equal(len, 3);
	assert_int_equal(out[0], 0xfb);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(out[2], 0xbf);
}

/* '=' padding is optional, but when present it must complete a quantum. */
static void test_decode_base64_padding(void **state)
{
	u8 out[16];
	size_t len = 0;

	assert_int_equal(dec("0bAAE=", out, sizeof(out), &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(dec("0bAAE", out, sizeof(out), &len), 0);
	assert_int_equal(len, 2);
	assert_int_equal(dec("0bAA==", out, sizeof(out), &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(dec("0bAA", out, sizeof(out), &len), 0);
	assert_int_equal(len, 1);

	assert_int_equal(dec("0bAA=", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0bAAE==", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0bAA===", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0bAA=A", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0bAAAA====", out, sizeof(out), &len), -EINVAL);
}

static void test_decode_base64_bad(void **state)
{
	u8 out[16];
	size_t len;

	/* one digit is 6 bits: not a byte */
	assert_int_equal(dec("0bA", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0bAAAAA", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0bAA*A", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0bAA-_", out, sizeof(out), &len), -EINVAL);
	/* non-zero bits past the last byte: not the canonical encoding */
	assert_int_equal(dec("0bAB==", out, sizeof(out), &len), -EINVAL);
	assert_int_equal(dec("0bAAF=", out, sizeof(out), &len), -EINVAL);
}

static void test_encode_decode_roundtrip(void **state)
{
	u8 bin[KISS_CHAP_BINARY_MAX], back[KISS_CHAP_BINARY_MAX];
	static char hex[2 + 2 * KISS_CHAP_BINARY_MAX];
	size_t n, len;
	int w;

	for (n = 0; n < sizeof(bin); n++)
		bin[n] = n * 31 + 7;
	for (n = 1; n <= sizeof(bin); n = n * 2 + 1) {
		w = kiss_chap_encode_hex(bin, n, hex, sizeof(hex));
		assert_int_equal(w, 2 + 2 * n);
		assert_int_equal(kiss_chap_decode(hex, w, back, sizeof(back),
						  &len), 0);
		assert_int_equal(len, n);
		assert_memory_equal(back, bin, n);
	}
	assert_int_equal(kiss_chap_encode_hex(bin, 4, hex, 9), -ENOSPC);
	assert_int_equal(kiss_chap_encode_hex(bin, KISS_CHAP_BINARY_MAX + 1,
					      hex, sizeof(hex)), -EINVAL);
}

/* ---- CHAP_I ---- */

static int pid(const char *val, u8 *id)
{
	return kiss_chap_parse_id(val, strlen(val), id);
}

static void test_parse_id(void **state)
{
	u8 id = 1;

	assert_int_equal(pid("0", &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(pid("255", &id), 0);
	assert_int_equal(id, 255);
	assert_int_equal(pid("0xff", &id), 0);
	assert_int_equal(id, 255);
	assert_int_equal(pid("0X0a", &id), 0);
	assert_int_equal(id, 10);
}

static void test_parse_id_bad(void **state)
{
	u8 id;

	assert_int_equal(pid("256", &id), -ERANGE);
	assert_int_equal(pid("0x100", &id), -ERANGE);
	assert_int_equal(pid("99999999999999999999999", &id), -ERANGE);
	assert_int_equal(pid("", &id), -EINVAL);
	assert_int_equal(pid("007", &id), -EINVAL);
	assert_int_equal(pid("-1", &id), -EINVAL);
	assert_int_equal(pid("12a", &id), -EINVAL);
	assert_int_equal(pid("0x", &id), -EINVAL);
	assert_int_equal(pid("0b/w==", &id), -EINVAL);
	assert_int_equal(kiss_chap_parse_id(NULL, 0, &id), -EINVAL);
}

/* ---- the initiator's response ---- */

static void test_verify_ok(void **state)
{
	char hex[80];

	begin_md5(hex, sizeof(hex));
	assert_int_equal(verify(&target, init_name, hex), KISS_CHAP_OK);
	assert_true(chap.verified);
}

static void test_verify_wrong_name(void **state)
{
	char hex[80];

	begin_md5(hex, sizeof(hex));
	assert_int_equal(verify(NULL, "iqn.1993-08.org.debian:01:host2", hex),
			 KISS_CHAP_ERR_NAME);
	/* a prefix of the name is not the name */
	assert_int_equal(verify(NULL, "iqn.1993-08.org.debian:01:host", hex),
			 KISS_CHAP_ERR_NAME);
	assert_int_equal(verify(NULL, "", hex), KISS_CHAP_ERR_NAME);
	assert_false(chap.verified);
}

static void test_verify_missing_keys(void **state)
{
	char hex[80];

	begin_md5(hex, sizeof(hex));
	assert_int_equal(verify(NULL, init_name, NULL), KISS_CHAP_ERR_MISSING);
	assert_int_equal(verify(NULL, NULL, hex), KISS_CHAP_ERR_MISSING);
}

static void test_verify_response_wrong_length(void **state)
{
	char hex[80];

	begin_md5(hex, sizeof(hex));
	/* a valid MD5 response less its last byte */
	hex[strlen(hex) - 2] = '\0';
	assert_int_equal(verify(NULL, init_name, hex),
			 KISS_CHAP_ERR_RESPONSE_LEN);
	/* a SHA-256-sized response to an MD5 challenge */
	assert_int_equal(verify(NULL, init_name, sha256_resp_hex),
			 KISS_CHAP_ERR_RESPONSE_LEN);
	/* longer than any digest */
	snprintf(hex, sizeof(hex), "%s00", sha256_resp_hex);
	assert_int_equal(verify(NULL, init_name, hex),
			 KISS_CHAP_ERR_RESPONSE_LEN);
}

static void test_verify_response_bad_encoding(void **state)
{
	char hex[80];

	begin_md5(hex, sizeof(hex));
	assert_int_equal(verify(NULL, init_name, hex + 2),
			 KISS_CHAP_ERR_ENCODING);
	hex[5] = 'z';
	assert_int_equal(verify(NULL, init_name, hex), KISS_CHAP_ERR_ENCODING);
}

static void test_verify_wrong_response(void **state)
{
	char hex[80];

	begin_md5(hex, sizeof(hex));
	hex[strlen(hex) - 1] ^= 1;	/* '9' <-> '8': one bit of the digest */
	assert_int_equal(verify(NULL, init_name, hex), KISS_CHAP_ERR_RESPONSE);
	assert_false(chap.verified);
}

/* A response computed for another CHAP_I is refused. */
static void test_verify_identifier_mismatch(void **state)
{
	u8 resp[KISS_CHAP_DIGEST_MAX];
	char hex[80];

	begin_md5(hex, sizeof(hex));
	assert_int_equal(kiss_test_chap_response(KISS_CHAP_ALG_MD5, 0x2b,
						 init_secret,
						 strlen(init_secret), ch16,
						 sizeof(ch16), resp), 0);
	to_hex(resp, 16, hex, sizeof(hex));
	assert_int_equal(verify(NULL, init_name, hex), KISS_CHAP_ERR_RESPONSE);
}

/* A response computed over another challenge is refused. */
static void test_verify_challenge_mismatch(void **state)
{
	u8 resp[KISS_CHAP_DIGEST_MAX];
	char hex[80];

	begin_md5(hex, sizeof(hex));
	assert_int_equal(kiss_test_chap_response(KISS_CHAP_ALG_MD5, 0x2a,
						 init_secret,
						 strlen(init_secret), ch32,
						 16, resp), 0);
	to_hex(resp, 16, hex, sizeof(hex));
	assert_int_equal(verify(NULL, init_name, hex), KISS_CHAP_ERR_RESPONSE);
}

/* RFC 7143 9.2.1: the same secret must not serve both directions. */
static void test_verify_same_secret_both_ways(void **state)
{
	const struct kiss_chap_cred same = {
		.name = tgt_name, .name_len = strlen(tgt_name),
		.secret = (const u8 *)init_secret,
		.secret_len = strlen(init_secret),
	};
	char hex[80];

	begin_md5(hex, sizeof(hex));
	assert_int_equal(verify(&same, init_name, hex),
			 KISS_CHAP_ERR_SAME_SECRET);
	assert_false(chap.verified);
}

static void test_verify_bad_config(void **state)
{
	struct kiss_chap_cred weak = initiator;
	struct kiss_chap_cred noname = target;
	char hex[80];

	begin_md5(hex, sizeof(hex));
	weak.secret_len = KISS_CHAP_SECRET_MIN - 1;
	assert_int_equal(kiss_chap_verify(&chap, &kiss_test_hasher, &weak,
					  NULL, init_name, strlen(init_name), hex,
					  strlen(hex)), KISS_CHAP_ERR_CONFIG);
	noname.name_len = 0;
	assert_int_equal(verify(&noname, init_name, hex), KISS_CHAP_ERR_CONFIG);
	assert_int_equal(kiss_chap_verify(&chap, &kiss_test_hasher, NULL,
					  NULL, init_name, strlen(init_name), hex,
					  strlen(hex)), KISS_CHAP_ERR_CONFIG);
}

static void test_verify_before_begin(void **state)
{
	assert_int_equal(verify(NULL, init_name,
				"0x9f41c3664bf0f69564244174a47fec49"),
			 KISS_CHAP_ERR_STATE);
}

static int failing_digest(void *priv, enum kiss_chap_alg alg,
			  const struct kiss_chap_vec *vec, unsigned int nvec,
			  u8 *out)
{
	return -ENOMEM;
}

static void test_verify_hash_failure(void **state)
{
	const struct kiss_chap_hasher broken = { .digest = failing_digest };
	char hex[80];

	begin_md5(hex, sizeof(hex));
	assert_int_equal(kiss_chap_verify(&chap, &broken, &initiator, NULL,
					  init_name, strlen(init_name), hex,
					  strlen(hex)), KISS_CHAP_ERR_HASH);
	assert_false(chap.verified);
}

/* ---- mutual CHAP ---- */

static void test_mutual_ok(void **state)
{
	static const char want[] =
		"CHAP_N=iqn.2026-11.org.example:disk1\0"
		"CHAP_R=0xa896f42cdad87e3dddbcda47b5e78a3e";
	char buf[256];
	size_t written = 1;

	verified();
	assert_int_equal(mutual(&target, "153", peer_ch16_hex, buf,
				sizeof(buf), &written), KISS_CHAP_OK);
	assert_int_equal(written, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

/* The initiator's identifier may be hex, its challenge base64. */
static void test_mutual_other_encodings(void **state)
{
	static const char want[] =
		"CHAP_N=iqn.2026-11.org.example:disk1\0"
		"CHAP_R=0xa896f42cdad87e3dddbcda47b5e78a3e";
	char buf[256];
	size_t written;

	verified();
	assert_int_equal(mutual(&target, "0x99", "0bEBESExQVFhcYGRobHB0eHw==",
				buf, sizeof(buf), &written), KISS_CHAP_OK);
	assert_int_equal(written, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_mutual_not_requested(void **state)
{
	char buf[256];
	size_t written = 1;

	verified();
	assert_int_equal(mutual(&target, NULL, NULL, buf, sizeof(buf),
				&written), KISS_CHAP_OK);
	assert_int_equal(written, 0);
	/* and without target credentials at all */
	assert_int_equal(mutual(NULL, NULL, NULL, buf, sizeof(buf), &written),
			 KISS_CHAP_OK);
}

/* RFC 7143 9.2.1: the target's own challenge sent back is refused. */
static void test_mutual_reflection(void **state)
{
	char buf[256];
	size_t written;

	verified();
	assert_int_equal(mutual(&target, "42",
				"0x000102030405060708090a0b0c0d0e0f",
				buf, sizeof(buf), &written),
			 KISS_CHAP_ERR_REFLECTED);
	assert_int_equal(written, 0);
}

/* Reflection is caught whatever the encoding and identifier. */
static void test_mutual_reflection_base64(void **state)
{
	char buf[256];
	size_t written;

	verified();
	assert_int_equal(mutual(&target, "7", "0bAAECAwQFBgcICQoLDA0ODw",
				buf, sizeof(buf), &written),
			 KISS_CHAP_ERR_REFLECTED);
}

static void test_mutual_challenge_short(void **state)
{
	char buf[256];
	size_t written;

	verified();
	assert_int_equal(mutual(&target, "1",
				"0x101112131415161718191a1b1c1d1e",
				buf, sizeof(buf), &written),
			 KISS_CHAP_ERR_CHALLENGE_SHORT);
}

static void test_mutual_challenge_long(void **state)
{
	static char val[2 + 2 * 1025 + 1];
	char buf[256];
	size_t written;

	memset(val, '7', sizeof(val) - 1);
	val[0] = '0';
	val[1] = 'x';
	verified();
	assert_int_equal(mutual(&target, "1", val, buf, sizeof(buf), &written),
			 KISS_CHAP_ERR_CHALLENGE_LONG);
}

/* The longest allowed challenge is answered. */
static void test_mutual_challenge_max(void **state)
{
	static char val[2 + 2 * 1024 + 1];
	char buf[256];
	size_t written;

	memset(val, '7', sizeof(val) - 1);
	val[0] = '0';
	val[1] = 'x';
	verified();
	assert_int_equal(mutual(&target, "1", val, buf, sizeof(buf), &written),
			 KISS_CHAP_OK);
	assert_true(written > 0);
}

static void test_mutual_challenge_bad_encoding(void **state)
{
	char buf[256];
	size_t written;

	verified();
	assert_int_equal(mutual(&target, "1",
				"101112131415161718191a1b1c1d1e1f",
				buf, sizeof(buf), &written),
			 KISS_CHAP_ERR_ENCODING);
}

static void test_mutual_bad_identifier(void **state)
{
	char buf[256];
	size_t written;

	verified();
	assert_int_equal(mutual(&target, "256", peer_ch16_hex, buf,
				sizeof(buf), &written),
			 KISS_CHAP_ERR_IDENTIFIER);
}

static void test_mutual_half_request(void **state)
{
	char buf[256];
	size_t written;

	verified();
	assert_int_equal(mutual(&target, NULL, peer_ch16_hex, buf,
				sizeof(buf), &written), KISS_CHAP_ERR_MISSING);
	verified();
	assert_int_equal(mutual(&target, "1", NULL, buf, sizeof(buf),
				&written), KISS_CHAP_ERR_MISSING);
}

static void test_mutual_not_configured(void **state)
{
	char buf[256];
	size_t written;

	verified();
	assert_int_equal(mutual(NULL, "1", peer_ch16_hex, buf, sizeof(buf),
				&written), KISS_CHAP_ERR_NO_MUTUAL);
}

static void test_mutual_before_verify(void **state)
{
	char buf[256];
	size_t written;
	char hex[80];

	assert_int_equal(mutual(&target, "1", peer_ch16_hex, buf, sizeof(buf),
				&written), KISS_CHAP_ERR_STATE);
	/* a failed verification does not open the mutual step either */
	begin_md5(hex, sizeof(hex));
	assert_int_equal(verify(NULL, init_name, "0x00"),
			 KISS_CHAP_ERR_RESPONSE_LEN);
	assert_int_equal(mutual(&target, "1", peer_ch16_hex, buf, sizeof(buf),
				&written), KISS_CHAP_ERR_STATE);
}

static void test_mutual_only_once(void **state)
{
	char buf[256];
	size_t written;

	verified();
	assert_int_equal(mutual(&target, "1", peer_ch16_hex, buf, sizeof(buf),
				&written), KISS_CHAP_OK);
	assert_int_equal(mutual(&target, "1", peer_ch16_hex, buf, sizeof(buf),
				&written), KISS_CHAP_ERR_STATE);
}

static void test_mutual_nospc(void **state)
{
	char buf[256];
	size_t written = 1;

	verified();
	assert_int_equal(mutual(&target, "1", peer_ch16_hex, buf, 40,
				&written), KISS_CHAP_ERR_NOSPC);
	assert_int_equal(written, 0);
}

/* ---- configuration checks ---- */

static void test_secret_check(void **state)
{
	static const char s[KISS_CHAP_SECRET_MAX + 1] = "x";

	assert_int_equal(kiss_chap_secret_check(s, 0), -EINVAL);
	assert_int_equal(kiss_chap_secret_check(s, 11), -EINVAL);
	assert_int_equal(kiss_chap_secret_check(s, 12), 0);
	assert_int_equal(kiss_chap_secret_check(s, 255), 0);
	assert_int_equal(kiss_chap_secret_check(s, 256), -EINVAL);
	assert_int_equal(kiss_chap_secret_check(NULL, 16), -EINVAL);
}

static void test_name_check(void **state)
{
	static char n[KISS_CHAP_NAME_MAX + 1];

	memset(n, 'n', sizeof(n));
	assert_int_equal(kiss_chap_name_check(n, 1), 0);
	assert_int_equal(kiss_chap_name_check(n, 255), 0);
	assert_int_equal(kiss_chap_name_check(n, 256), -EINVAL);
	assert_int_equal(kiss_chap_name_check(n, 0), -EINVAL);
	assert_int_equal(kiss_chap_name_check("a\0b", 3), -EINVAL);
	assert_int_equal(kiss_chap_name_check(NULL, 3), -EINVAL);
}

static void test_status_names(void **state)
{
	int s;

	for (s = KISS_CHAP_OK; s <= KISS_CHAP_ERR_NOSPC; s++)
		assert_string_not_equal(kiss_chap_status_name(s),
					"unknown CHAP status");
	assert_string_equal(kiss_chap_status_name(KISS_CHAP_ERR_NOSPC + 1),
			    "unknown CHAP status");
}

#define T(f)	cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_known_md5),
		T(test_known_sha1),
		T(test_known_sha3_256),
		T(test_verify_md5_known_answer),
		T(test_verify_sha256_known_answer),
		T(test_verify_sha256_base64),
		T(test_write_challenge),
		T(test_write_challenge_nospc),
		T(test_write_challenge_not_begun),
		T(test_begin_rejects_bad_args),
		T(test_select_initiator_order),
		T(test_select_respects_allowed),
		T(test_select_skips_unknown),
		T(test_select_nothing_acceptable),
		T(test_decode_hex),
		T(test_decode_hex_odd_length),
		T(test_decode_hex_bad_chars),
		T(test_decode_empty),
		T(test_decode_no_prefix),
		T(test_decode_too_long),
		T(test_decode_too_long_for_buffer),
		T(test_decode_base64),
		T(test_decode_base64_padding),
		T(test_decode_base64_bad),
		T(test_encode_decode_roundtrip),
		T(test_parse_id),
		T(test_parse_id_bad),
		T(test_verify_ok),
		T(test_verify_wrong_name),
		T(test_verify_missing_keys),
		T(test_verify_response_wrong_length),
		T(test_verify_response_bad_encoding),
		T(test_verify_wrong_response),
		T(test_verify_identifier_mismatch),
		T(test_verify_challenge_mismatch),
		T(test_verify_same_secret_both_ways),
		T(test_verify_bad_config),
		T(test_verify_before_begin),
		T(test_verify_hash_failure),
		T(test_mutual_ok),
		T(test_mutual_other_encodings),
		T(test_mutual_not_requested),
		T(test_mutual_reflection),
		T(test_mutual_reflection_base64),
		T(test_mutual_challenge_short),
		T(test_mutual_challenge_long),
		T(test_mutual_challenge_max),
		T(test_mutual_challenge_bad_encoding),
		T(test_mutual_bad_identifier),
		T(test_mutual_half_request),
		T(test_mutual_not_configured),
		T(test_mutual_before_verify),
		T(test_mutual_only_once),
		T(test_mutual_nospc),
		T(test_secret_check),
		T(test_name_check),
		T(test_status_names),
	};

	return cmocka_run_group_tests_name("chap", tests, NULL, NULL);
}

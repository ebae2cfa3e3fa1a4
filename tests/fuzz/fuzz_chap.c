// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for kernel/proto/chap.c: value decoding, algorithm
 * selection, response verification and mutual CHAP, with peer-controlled
 * text in every value.
 *
 * Input: one control byte, then fields separated by '\n':
 *   CHAP_A offer, CHAP_N, CHAP_R, CHAP_I, CHAP_C, and a free value that is
 *   only decoded.  A missing field is a key that was not sent.
 * Control byte: bits 0-1 pick the algorithm, bit 2 replaces CHAP_R with
 * the right response (to reach mutual CHAP), bit 3 drops the target's
 * credentials, bits 4-7 size the output buffer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "proto/chap.h"
#include "kiss_test_crypto.h"

#define FIELDS	6

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

static const enum kiss_chap_alg algs[] = {
	KISS_CHAP_ALG_MD5, KISS_CHAP_ALG_SHA1,
	KISS_CHAP_ALG_SHA256, KISS_CHAP_ALG_SHA3_256,
};

#define CHECK(c)	do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", \
				__FILE__, __LINE__, #c); abort(); } } while (0)

static void fuzz_decode(const char *val, size_t len)
{
	static u8 out[KISS_CHAP_BINARY_MAX], back[KISS_CHAP_BINARY_MAX];
	static char hex[2 + 2 * KISS_CHAP_BINARY_MAX];
	size_t out_len = 0, back_len = 0;
	size_t size = len % (sizeof(out) + 1);
	int ret, n;

	ret = kiss_chap_decode(val, len, out, size, &out_len);
	CHECK(ret == 0 || ret == -EINVAL || ret == -EMSGSIZE);
	if (ret)
		return;
	CHECK(out_len <= size && out_len <= KISS_CHAP_BINARY_MAX);
	CHECK(out_len >= 1);

	/* what decodes re-encodes, and decodes back to the same bytes */
	n = kiss_chap_encode_hex(out, out_len, hex, sizeof(hex));
	CHECK(n == (int)(2 + 2 * out_len));
	CHECK(!kiss_chap_decode(hex, n, back, sizeof(back), &back_len));
	CHECK(back_len == out_len && !memcmp(back, out, out_len));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct kiss_chap chap;
	const char *field[FIELDS] = { NULL };
	size_t flen[FIELDS] = { 0 };
	u8 challenge[KISS_CHAP_DIGEST_MAX];
	u8 resp[KISS_CHAP_DIGEST_MAX];
	char right_r[2 + 2 * KISS_CHAP_DIGEST_MAX];
	char out[512];
	enum kiss_chap_status st;
	enum kiss_chap_alg alg, picked;
	const struct kiss_chap_cred *tgt;
	size_t i, start, nf = 0, written, out_size;
	unsigned int dlen;
	u8 ctl, id;
	int n;

	if (!size)
		return 0;
	ctl = data[0];
	alg = algs[ctl & 3];
	tgt = ctl & 8 ? NULL : &target;
	out_size = (size_t)(ctl >> 4) * (sizeof(out) / 15);
	if (out_size > sizeof(out))
		out_size = sizeof(out);

	for (start = i = 1; i <= size && nf < FIELDS; i++) {
		if (i < size && data[i] != '\n')
			continue;
		field[nf] = (const char *)data + start;
		flen[nf++] = i - start;
		start = i + 1;
	}

	picked = kiss_chap_select_alg(field[0], flen[0], KISS_CHAP_ALGS_ALL);
	CHECK(picked == KISS_CHAP_ALG_NONE ||
	      (KISS_CHAP_ALGS_ALL & KISS_CHAP_ALG_BIT(picked)));
	if (field[3] && !kiss_chap_parse_id(field[3], flen[3], &id))
		CHECK(flen[3] >= 1);
	for (i = 0; i < FIELDS; i++)
		if (field[i])
			fuzz_decode(field[i], flen[i]);

	dlen = kiss_chap_digest_len(alg);
	for (i = 0; i < dlen; i++)
		challenge[i] = i * 17 + ctl;
	CHECK(!kiss_chap_begin(&chap, alg, ctl, challenge, dlen));
	n = kiss_chap_write_challenge(&chap, out, out_size);
	CHECK(n == -ENOSPC || (n > 0 && (size_t)n <= out_size && !out[n - 1]));

	if (ctl & 4) {
		CHECK(!kiss_test_chap_response(alg, ctl, init_secret,
					       strlen(init_secret), challenge,
					       dlen, resp));
		n = kiss_chap_encode_hex(resp, dlen, right_r, sizeof(right_r));
		CHECK(n > 0);
		field[2] = right_r;
		flen[2] = n;
		if (!field[1]) {
			field[1] = init_name;
			flen[1] = strlen(init_name);
		}
	}
	st = kiss_chap_verify(&chap, &kiss_test_hasher, &initiator, tgt,
			      field[1], flen[1], field[2], flen[2]);
	CHECK(st <= KISS_CHAP_ERR_NOSPC);
	CHECK((st == KISS_CHAP_OK) == chap.verified);
	if (st == KISS_CHAP_OK)
		CHECK(flen[1] == initiator.name_len &&
		      !memcmp(field[1], init_name, flen[1]));

	written = 12345;
	st = kiss_chap_mutual(&chap, &kiss_test_hasher, tgt, field[3], flen[3],
			      field[4], flen[4], out, out_size, &written);
	CHECK(st <= KISS_CHAP_ERR_NOSPC);
	if (st != KISS_CHAP_OK) {
		CHECK(written == 0);
	} else if (written) {
		CHECK(written <= out_size);
		CHECK(!memcmp(out, "CHAP_N=", 7));
		CHECK(!out[written - 1]);
		CHECK(field[3] && field[4]);
	}
	return 0;
}

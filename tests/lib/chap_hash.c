// SPDX-License-Identifier: GPL-2.0
/*
 * CHAP hashes for the userspace builds, through OpenSSL's EVP interface.
 */
#include <openssl/evp.h>

#include "kiss_test_crypto.h"

static const EVP_MD *kiss_test_md(enum kiss_chap_alg alg)
{
	switch (alg) {
	case KISS_CHAP_ALG_MD5:
		return EVP_md5();
	case KISS_CHAP_ALG_SHA1:
		return EVP_sha1();
	case KISS_CHAP_ALG_SHA256:
		return EVP_sha256();
	case KISS_CHAP_ALG_SHA3_256:
		return EVP_sha3_256();
	default:
		return NULL;
	}
}

static int kiss_test_digest(void *priv, enum kiss_chap_alg alg,
			    const struct kiss_chap_vec *vec, unsigned int nvec,
			    u8 *out)
{
	const EVP_MD *md = kiss_test_md(alg);
	unsigned int len = 0;
	EVP_MD_CTX *ctx;
	unsigned int i;
	int ok;

	if (!md)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, md, NULL);
	for (i = 0; ok && i < nvec; i++)
		ok = EVP_DigestUpdate(ctx, vec[i].base, vec[i].len);
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, &len);
	EVP_MD_CTX_free(ctx);
	if (!ok || len != kiss_chap_digest_len(alg))
		return -EIO;
	return 0;
}

const struct kiss_chap_hasher kiss_test_hasher = {
	.digest = kiss_test_digest,
};

int kiss_test_chap_response(enum kiss_chap_alg alg, u8 id,
			    const void *secret, size_t secret_len,
			    const void *challenge, size_t challenge_len,
			    u8 *out)
{
	const struct kiss_chap_vec vec[] = {
		{ .base = &id, .len = 1 },
		{ .base = secret, .len = secret_len },
		{ .base = challenge, .len = challenge_len },
	};

	return kiss_test_digest(NULL, alg, vec, 3, out);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-ins for what the module gets from the kernel: a software
 * CRC32C (kiss_crc32c_update(), declared in kernel/proto/port.h) and CHAP
 * hashes over OpenSSL's EVP (the module uses crypto_shash).
 */
#ifndef KISS_TEST_CRYPTO_H
#define KISS_TEST_CRYPTO_H

#include "proto/chap.h"

/* MD5, SHA-1, SHA-256 and SHA3-256 through OpenSSL libcrypto. */
extern const struct kiss_chap_hasher kiss_test_hasher;

/* One-shot H(id || secret || challenge), for building test vectors. */
int kiss_test_chap_response(enum kiss_chap_alg alg, u8 id,
			    const void *secret, size_t secret_len,
			    const void *challenge, size_t challenge_len,
			    u8 *out);

#endif /* KISS_TEST_CRYPTO_H */

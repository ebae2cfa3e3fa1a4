/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CHAP for iSCSI login, target side (RFC 7143 sections 12.1.3 and 9.2.1;
 * RFC 1994).
 *
 * The exchange, with the pieces here that do each step:
 *
 *   I->T  CHAP_A=<A1,A2,...>       kiss_chap_select_alg()
 *   T->I  CHAP_A, CHAP_I, CHAP_C   kiss_chap_begin(), kiss_chap_write_challenge()
 *   I->T  CHAP_N, CHAP_R           kiss_chap_verify()
 *         [+ CHAP_I, CHAP_C]       kiss_chap_mutual()
 *   T->I  [CHAP_N, CHAP_R]         (written by kiss_chap_mutual())
 *
 * A response is H(identifier || secret || challenge) where H is the
 * negotiated algorithm.  The hash is not implemented here: the caller
 * supplies it through struct kiss_chap_hasher (crypto_shash in the module,
 * OpenSSL in the tests).  So is the randomness for CHAP_I and CHAP_C.
 *
 * Every value argument is a (pointer, length) pair that need not be NUL
 * terminated; NULL means the key was not sent.  Nothing here allocates.
 */
#ifndef KISS_PROTO_CHAP_H
#define KISS_PROTO_CHAP_H

#include "port.h"

/*
 * CHAP_A values: IANA "PPP Authentication Algorithms" (5 is RFC 1994's
 * MD5; 6-8 were registered for iSCSI and are what open-iscsi and LIO use).
 */
enum kiss_chap_alg {
	KISS_CHAP_ALG_NONE = 0,
	KISS_CHAP_ALG_MD5 = 5,
	KISS_CHAP_ALG_SHA1 = 6,
	KISS_CHAP_ALG_SHA256 = 7,
	KISS_CHAP_ALG_SHA3_256 = 8,
};

/* Sets of algorithms the target allows, for kiss_chap_select_alg(). */
#define KISS_CHAP_ALG_BIT(alg)	(1U << (alg))
#define KISS_CHAP_ALGS_ALL	(KISS_CHAP_ALG_BIT(KISS_CHAP_ALG_MD5) |	\
				 KISS_CHAP_ALG_BIT(KISS_CHAP_ALG_SHA1) |	\
				 KISS_CHAP_ALG_BIT(KISS_CHAP_ALG_SHA256) |	\
				 KISS_CHAP_ALG_BIT(KISS_CHAP_ALG_SHA3_256))

/* Largest digest of the algorithms above (SHA-256, SHA3-256). */
#define KISS_CHAP_DIGEST_MAX	32

/* RFC 7143 12.1.3: CHAP_C and CHAP_R are at most 1024 bytes. */
#define KISS_CHAP_BINARY_MAX	1024

/*
 * Shortest challenge accepted from an initiator for mutual CHAP.  RFC 7143
 * sets no minimum; 16 bytes is MD5's digest size and what open-iscsi
 * sends, and a short challenge lets a rogue initiator collect responses
 * for an offline dictionary attack on the target's secret.
 */
#define KISS_CHAP_CHALLENGE_MIN	16

/* Longest challenge the target itself sends (it sends the digest size). */
#define KISS_CHAP_OWN_CHALLENGE_MAX	64

/*
 * Secrets: at least 12 bytes, because RFC 7143 9.2.1 requires IPsec for
 * secrets of fewer than 96 bits and kiss has no IPsec (open-iscsi refuses
 * to answer with such a secret too); at most 255, open-iscsi's limit.
 */
#define KISS_CHAP_SECRET_MIN	12
#define KISS_CHAP_SECRET_MAX	255

/* CHAP_N is a text value: RFC 7143 6.1 caps those at 255 bytes. */
#define KISS_CHAP_NAME_MAX	255

/* Outcome of a CHAP step.  Every failure fails the login (0x0201). */
enum kiss_chap_status {
	KISS_CHAP_OK = 0,
	KISS_CHAP_ERR_STATE,		/* step called out of order */
	KISS_CHAP_ERR_CONFIG,		/* credentials missing or invalid */
	KISS_CHAP_ERR_MISSING,		/* a required key was not sent */
	KISS_CHAP_ERR_ENCODING,		/* value is not a valid hex/base64 constant */
	KISS_CHAP_ERR_NAME,		/* CHAP_N is not the configured name */
	KISS_CHAP_ERR_RESPONSE_LEN,	/* CHAP_R is not one digest long */
	KISS_CHAP_ERR_RESPONSE,		/* CHAP_R is wrong */
	KISS_CHAP_ERR_SAME_SECRET,	/* CHAP_R made with the target's secret */
	KISS_CHAP_ERR_IDENTIFIER,	/* CHAP_I is not a number in 0..255 */
	KISS_CHAP_ERR_CHALLENGE_SHORT,	/* CHAP_C under KISS_CHAP_CHALLENGE_MIN */
	KISS_CHAP_ERR_CHALLENGE_LONG,	/* CHAP_C over KISS_CHAP_BINARY_MAX */
	KISS_CHAP_ERR_REFLECTED,	/* CHAP_C is the target's own challenge */
	KISS_CHAP_ERR_NO_MUTUAL,	/* target has no credentials to answer */
	KISS_CHAP_ERR_HASH,		/* the hash callback failed */
	KISS_CHAP_ERR_NOSPC,		/* output buffer too small */
};

/* One piece of the hash input. */
struct kiss_chap_vec {
	const void *base;
	size_t len;
};

/**
 * struct kiss_chap_hasher - the hash functions, supplied by the caller
 * @digest: hash the concatenation of @vec[0..@nvec-1] with @alg into @out,
 *	kiss_chap_digest_len(@alg) bytes; return 0 or a negative errno
 * @priv: passed to @digest
 */
struct kiss_chap_hasher {
	int (*digest)(void *priv, enum kiss_chap_alg alg,
		      const struct kiss_chap_vec *vec, unsigned int nvec,
		      u8 *out);
	void *priv;
};

/**
 * struct kiss_chap_cred - one side's CHAP name and secret
 * @name: CHAP_N, not NUL terminated
 * @name_len: its length
 * @secret: the shared secret, any bytes
 * @secret_len: its length
 */
struct kiss_chap_cred {
	const char *name;
	size_t name_len;
	const u8 *secret;
	size_t secret_len;
};

/**
 * struct kiss_chap - state of one CHAP exchange on one connection
 * @alg: negotiated algorithm
 * @id: CHAP_I the target sent
 * @verified: the initiator's response was good
 * @challenge_len: length of @challenge
 * @challenge: CHAP_C the target sent
 * @peer_challenge: scratch for the initiator's CHAP_C (mutual CHAP)
 *
 * About 1.1 KiB: keep it with the connection's login state, not on the
 * stack.
 */
struct kiss_chap {
	enum kiss_chap_alg alg;
	u8 id;
	bool verified;
	u32 challenge_len;
	u8 challenge[KISS_CHAP_OWN_CHALLENGE_MAX];
	u8 peer_challenge[KISS_CHAP_BINARY_MAX];
};

unsigned int kiss_chap_digest_len(enum kiss_chap_alg alg);
enum kiss_chap_alg kiss_chap_select_alg(const char *val, size_t len,
					u32 allowed);
int kiss_chap_begin(struct kiss_chap *chap, enum kiss_chap_alg alg, u8 id,
		    const u8 *challenge, size_t challenge_len);
int kiss_chap_write_challenge(const struct kiss_chap *chap, char *buf,
			      size_t size);
enum kiss_chap_status kiss_chap_verify(struct kiss_chap *chap,
				       const struct kiss_chap_hasher *hasher,
				       const struct kiss_chap_cred *initiator,
				       const struct kiss_chap_cred *target,
				       const char *chap_n, size_t n_len,
				       const char *chap_r, size_t r_len);
enum kiss_chap_status kiss_chap_mutual(struct kiss_chap *chap,
				       const struct kiss_chap_hasher *hasher,
				       const struct kiss_chap_cred *target,
				       const char *chap_i, size_t i_len,
				       const char *chap_c, size_t c_len,
				       char *buf, size_t size, size_t *written);

int kiss_chap_decode(const char *val, size_t len, u8 *out, size_t size,
		     size_t *out_len);
int kiss_chap_encode_hex(const u8 *bin, size_t len, char *out, size_t size);
int kiss_chap_parse_id(const char *val, size_t len, u8 *id);

int kiss_chap_secret_check(const void *secret, size_t len);
int kiss_chap_name_check(const char *name, size_t len);
const char *kiss_chap_status_name(enum kiss_chap_status status);

#endif /* KISS_PROTO_CHAP_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iSCSI header and data digests: CRC32C (RFC 7143 sections 11.1 and 13.1;
 * the algorithm is RFC 3720 appendix B.4, kept by RFC 7143).
 *
 * A digest is computed incrementally:
 *
 *	u32 crc = kiss_digest_init();
 *	crc = kiss_digest_update(crc, piece, len);	(any number of pieces)
 *	crc = kiss_digest_pad(crc, total_len);		(data digests, sending)
 *	kiss_digest_put(kiss_digest_final(crc), wire);
 *
 * The value travels as the 4 bytes of the CRC in little-endian order: the
 * RFC 3720 B.4 examples list 32 zero bytes as "aa 36 91 8a" (CRC value
 * 0x8a9136aa), and LIO and the Linux initiator send the crypto API's
 * little-endian crc32c output as is.
 */
#ifndef KISS_PROTO_DIGEST_H
#define KISS_PROTO_DIGEST_H

#include "port.h"

/* Length of a HeaderDigest or DataDigest on the wire. */
#define KISS_DIGEST_LEN		4

/* A data segment is padded to a multiple of this; the pad is digested. */
#define KISS_DIGEST_PAD_TO	4

/* One contiguous piece of a header or data segment. */
struct kiss_digest_vec {
	const void *base;
	size_t len;
};

/* Start a digest: CRC32C is seeded with all ones. */
static inline u32 kiss_digest_init(void)
{
	return ~0U;
}

/* Continue a digest over @len bytes at @buf. */
static inline u32 kiss_digest_update(u32 crc, const void *buf, size_t len)
{
	return kiss_crc32c_update(crc, buf, len);
}

/* Finish a digest: the CRC is inverted. */
static inline u32 kiss_digest_final(u32 crc)
{
	return ~crc;
}

/* Number of pad bytes after a data segment of @len bytes (0..3). */
static inline u32 kiss_digest_pad_len(size_t len)
{
	return (u32)(-len & (KISS_DIGEST_PAD_TO - 1));
}

u32 kiss_digest_pad(u32 crc, size_t data_len);
u32 kiss_digest_header(const void *hdr, size_t len);
u32 kiss_digest_data(const void *buf, size_t len);
u32 kiss_digest_data_vec(const struct kiss_digest_vec *vec, unsigned int nvec);
void kiss_digest_put(u32 digest, void *wire);
u32 kiss_digest_get(const void *wire);
bool kiss_digest_ok(u32 digest, const void *wire);

#endif /* KISS_PROTO_DIGEST_H */

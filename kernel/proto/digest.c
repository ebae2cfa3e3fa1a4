// SPDX-License-Identifier: GPL-2.0
/*
 * iSCSI CRC32C header and data digests (RFC 7143 sections 11.1, 13.1).
 *
 * The CRC itself is kiss_crc32c_update() from port.h: the kernel's
 * crc32c() in the module, a table implementation in the userspace tests.
 */
#include "digest.h"

static const u8 kiss_digest_zero_pad[KISS_DIGEST_PAD_TO];

/**
 * kiss_digest_pad() - digest the zero pad that follows a data segment
 * @crc: running digest
 * @data_len: length of the whole data segment, without its pad
 *
 * The data digest covers the pad bytes (RFC 7143 section 11.1).  A sender
 * pads with zeros; a receiver digests the pad bytes it actually received
 * instead of calling this.
 *
 * Return: the updated running digest.
 */
u32 kiss_digest_pad(u32 crc, size_t data_len)
{
	u32 pad = kiss_digest_pad_len(data_len);

	if (!pad)
		return crc;
	return kiss_digest_update(crc, kiss_digest_zero_pad, pad);
}

/**
 * kiss_digest_header() - HeaderDigest over a BHS and its AHS
 * @hdr: the 48-byte BHS, followed contiguously by any AHS
 * @len: 48 plus TotalAHSLength * 4
 *
 * Return: the final digest value, for kiss_digest_put()/kiss_digest_ok().
 */
u32 kiss_digest_header(const void *hdr, size_t len)
{
	return kiss_digest_final(kiss_digest_update(kiss_digest_init(),
						    hdr, len));
}

/**
 * kiss_digest_data() - DataDigest over a contiguous data segment
 * @buf: the data segment
 * @len: DataSegmentLength (the zero pad is digested after it)
 *
 * Return: the final digest value.
 */
u32 kiss_digest_data(const void *buf, size_t len)
{
	u32 crc = kiss_digest_update(kiss_digest_init(), buf, len);

	return kiss_digest_final(kiss_digest_pad(crc, len));
}

/**
 * kiss_digest_data_vec() - DataDigest over a data segment in pieces
 * @vec: the pieces, in order; their lengths may be anything
 * @nvec: number of pieces
 *
 * Gives the same value as kiss_digest_data() over the concatenation.
 *
 * Return: the final digest value.
 */
u32 kiss_digest_data_vec(const struct kiss_digest_vec *vec, unsigned int nvec)
{
	u32 crc = kiss_digest_init();
	size_t total = 0;
	unsigned int i;

	for (i = 0; i < nvec; i++) {
		crc = kiss_digest_update(crc, vec[i].base, vec[i].len);
		total += vec[i].len;
	}
	return kiss_digest_final(kiss_digest_pad(crc, total));
}

/**
 * kiss_digest_put() - store a digest in wire order
 * @digest: final digest value
 * @wire: 4 bytes, any alignment
 *
 * The wire carries the CRC least significant byte first (RFC 3720 B.4).
 */
void kiss_digest_put(u32 digest, void *wire)
{
	u8 *b = wire;

	b[0] = digest;
	b[1] = digest >> 8;
	b[2] = digest >> 16;
	b[3] = digest >> 24;
}

/**
 * kiss_digest_get() - load a digest received from the wire
 * @wire: 4 bytes, any alignment
 *
 * Return: the digest value, comparable with a computed one.
 */
u32 kiss_digest_get(const void *wire)
{
	const u8 *b = wire;

	return (u32)b[0] | (u32)b[1] << 8 | (u32)b[2] << 16 | (u32)b[3] << 24;
}

/**
 * kiss_digest_ok() - check a received digest
 * @digest: the value computed over what was received
 * @wire: the 4 digest bytes that followed it
 *
 * Return: true if they match.
 */
bool kiss_digest_ok(u32 digest, const void *wire)
{
	return kiss_digest_get(wire) == digest;
}

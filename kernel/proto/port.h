/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Portability layer for the kiss protocol core.
 *
 * Everything under kernel/proto/ is plain C that compiles unchanged into
 * kiss.ko and into the userspace unit tests and fuzzers.  This header is the
 * only place that knows which side it is on: it maps the handful of kernel
 * types and helpers the core uses onto libc when built outside the kernel.
 */
#ifndef KISS_PROTO_PORT_H
#define KISS_PROTO_PORT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include "../compat.h"		/* get_unaligned_*() moved in 6.12 */
#include <linux/crc32c.h>
#include <crypto/algapi.h>	/* crypto_memneq() */

/* Raw CRC32C update (no pre/post inversion): libcrc32c, accelerated. */
static inline u32 kiss_crc32c_update(u32 crc, const void *buf, size_t len)
{
	return crc32c(crc, buf, len);
}

/* Non-zero if the areas differ; time independent of where they differ. */
static inline int kiss_memneq(const void *a, const void *b, size_t len)
{
	return crypto_memneq(a, b, len);
}

#else /* !__KERNEL__ */

#include "kiss_uport.h"	/* userspace/lib/: libc stand-ins */

/* Software table implementation in tests/lib/crc32c.c; same contract. */
u32 kiss_crc32c_update(u32 crc, const void *buf, size_t len);

/* Timing only matters in the module, where this is crypto_memneq(). */
static inline int kiss_memneq(const void *a, const void *b, size_t len)
{
	const u8 *x = a, *y = b;
	u8 acc = 0;

	while (len--)
		acc |= *x++ ^ *y++;
	return acc != 0;
}

#endif /* __KERNEL__ */

#endif /* KISS_PROTO_PORT_H */

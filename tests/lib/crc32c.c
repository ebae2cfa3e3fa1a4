// SPDX-License-Identifier: GPL-2.0
/*
 * Software CRC32C (Castagnoli, reflected polynomial 0x82f63b78) for the
 * userspace builds.  Same contract as the kernel's crc32c(): a raw update
 * with no inversion, which kernel/proto/digest.c does itself.
 */
#include <pthread.h>

#include "proto/port.h"

static u32 kiss_crc32c_table[256];
static pthread_once_t kiss_crc32c_once = PTHREAD_ONCE_INIT;

static void kiss_crc32c_init_table(void)
{
	u32 i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ (c & 1 ? 0x82f63b78U : 0);
		kiss_crc32c_table[i] = c;
	}
}

u32 kiss_crc32c_update(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;

	pthread_once(&kiss_crc32c_once, kiss_crc32c_init_table);
	while (len--)
		crc = kiss_crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

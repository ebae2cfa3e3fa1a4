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

#else /* !__KERNEL__ */

#include "kiss_uport.h"	/* userspace/lib/: libc stand-ins */

#endif /* __KERNEL__ */

#endif /* KISS_PROTO_PORT_H */

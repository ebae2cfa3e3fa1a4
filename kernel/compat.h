/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels kiss supports (Debian's 6.1 and
 * 6.12) lives in this file, and only here.  Differences are detected by
 * Kbuild from the headers themselves (KISS_HAVE_* below), not by version
 * number, so that distribution backports are handled too.
 */
#ifndef KISS_COMPAT_H
#define KISS_COMPAT_H

/* 6.12 moved the unaligned access helpers out of asm/. */
#ifdef KISS_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#endif /* KISS_COMPAT_H */

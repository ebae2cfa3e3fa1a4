/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiss: an iSCSI target in the Linux kernel.  The module's private header:
 * every shared struct, the lock order and the prototypes live here.
 *
 * Lock order (outermost first):
 *   kiss_cfg_mutex		configfs mutations; never taken on the data path
 */
#ifndef KISS_H
#define KISS_H

#include <linux/mutex.h>

#include "compat.h"

extern struct mutex kiss_cfg_mutex;

int kiss_configfs_init(void);
void kiss_configfs_exit(void);

#endif /* KISS_H */

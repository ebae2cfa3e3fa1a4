// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: module init and exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "kiss.h"

/* Serialises every change to the configuration (see kiss.h). */
DEFINE_MUTEX(kiss_cfg_mutex);

static int __init kiss_init(void)
{
	int ret;

	ret = kiss_configfs_init();
	if (ret) {
		pr_err("cannot register configfs subsystem: %d\n", ret);
		return ret;
	}
	pr_info("iSCSI target loaded\n");
	return 0;
}

static void __exit kiss_exit(void)
{
	kiss_configfs_exit();
	pr_info("iSCSI target unloaded\n");
}

module_init(kiss_init);
module_exit(kiss_exit);

MODULE_DESCRIPTION("kiss: an iSCSI target (RFC 7143)");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: the configfs tree under /sys/kernel/config/kiss/.
 *
 * One value per file; objects are directories and relations symlinks, as
 * in nvmet.  Every mutation takes kiss_cfg_mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/configfs.h>
#include <linux/module.h>

#include "kiss.h"

static const struct config_item_type kiss_portals_type = {
	.ct_owner	= THIS_MODULE,
};

static const struct config_item_type kiss_targets_type = {
	.ct_owner	= THIS_MODULE,
};

static const struct config_item_type kiss_discovery_type = {
	.ct_owner	= THIS_MODULE,
};

static struct config_group kiss_portals_group;
static struct config_group kiss_targets_group;
static struct config_group kiss_discovery_group;

static const struct config_item_type kiss_root_type = {
	.ct_owner	= THIS_MODULE,
};

static struct configfs_subsystem kiss_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf	= "kiss",
			.ci_type	= &kiss_root_type,
		},
	},
};

int kiss_configfs_init(void)
{
	struct config_group *root = &kiss_subsys.su_group;
	int ret;

	config_group_init(root);
	mutex_init(&kiss_subsys.su_mutex);

	config_group_init_type_name(&kiss_portals_group, "portals",
				    &kiss_portals_type);
	configfs_add_default_group(&kiss_portals_group, root);
	config_group_init_type_name(&kiss_targets_group, "targets",
				    &kiss_targets_type);
	configfs_add_default_group(&kiss_targets_group, root);
	config_group_init_type_name(&kiss_discovery_group, "discovery",
				    &kiss_discovery_type);
	configfs_add_default_group(&kiss_discovery_group, root);

	ret = configfs_register_subsystem(&kiss_subsys);
	if (ret)
		pr_err("configfs_register_subsystem: %d\n", ret);
	return ret;
}

void kiss_configfs_exit(void)
{
	configfs_unregister_subsystem(&kiss_subsys);
}

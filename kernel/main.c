// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: module init and exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/workqueue.h>

#include "kiss.h"

#define CREATE_TRACE_POINTS
#include "kiss_trace.h"

/* Serialises every change to the configuration (see kiss.h). */
DEFINE_MUTEX(kiss_cfg_mutex);
LIST_HEAD(kiss_portals);
LIST_HEAD(kiss_targets);
struct kiss_auth kiss_discovery_auth;
bool kiss_discovery_enforce_auth;
struct workqueue_struct *kiss_wq;

static int __init kiss_init(void)
{
	int ret;

	/* Sends responses on behalf of bio completions; may run in reclaim. */
	kiss_wq = alloc_workqueue("kiss", WQ_MEM_RECLAIM | WQ_HIGHPRI, 0);
	if (!kiss_wq)
		return -ENOMEM;

	ret = kiss_configfs_init();
	if (ret) {
		pr_err("cannot register configfs subsystem: %d\n", ret);
		goto err_destroy_wq;
	}
	pr_info("iSCSI target loaded\n");
	return 0;

err_destroy_wq:
	destroy_workqueue(kiss_wq);
	return ret;
}

/*
 * configfs pins the module while any portal or target exists, so by the
 * time we get here every session has been closed by the removal of its
 * target.  Connections still logging in are closed here; destroying the
 * workqueue then waits for their last release work.
 */
static void __exit kiss_exit(void)
{
	kiss_configfs_exit();
	kiss_conn_stop_all();
	destroy_workqueue(kiss_wq);
	pr_info("iSCSI target unloaded\n");
}

module_init(kiss_init);
module_exit(kiss_exit);

MODULE_DESCRIPTION("kiss: an iSCSI target (RFC 7143)");
MODULE_LICENSE("GPL");

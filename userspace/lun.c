// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl: LUNs, a block device each.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kissctl.h"

/* Is the device @rdev already a LUN of some target? */
static int lun_find_device(dev_t rdev, char *iqn, size_t len, char *id,
			   size_t idlen)
{
	struct cfs_list t, l;
	char path[KISS_VALUE_MAX];
	struct stat st;
	size_t i, j;
	int found = 0;

	if (cfs_list(&t, "targets"))
		return 0;
	for (i = 0; i < t.n && !found; i++) {
		if (cfs_list(&l, "targets/%s/luns", t.names[i]))
			continue;
		for (j = 0; j < l.n && !found; j++) {
			if (cfs_read(path, sizeof(path), "targets/%s/luns/%s/path",
				     t.names[i], l.names[j]) || !path[0] ||
			    stat(path, &st) || !S_ISBLK(st.st_mode) ||
			    st.st_rdev != rdev)
				continue;
			snprintf(iqn, len, "%s", t.names[i]);
			snprintf(id, idlen, "%s", l.names[j]);
			found = 1;
		}
		cfs_list_free(&l);
	}
	cfs_list_free(&t);
	return found;
}

static int lun_enable(const char *iqn, unsigned int lun, const char *dev)
{
	int ret = cfs_write("1", "targets/%s/luns/%u/enable", iqn, lun);

	switch (ret) {
	case 0:
		return 0;
	case -EBUSY:
		kissctl_err("%s is in use (mounted or opened exclusively by something else)",
			    dev);
		break;
	case -ENOENT:
	case -ENXIO:
	case -ENODEV:
		kissctl_err("no such block device: %s", dev);
		break;
	default:
		kissctl_err("cannot enable LUN %u of target %s on %s: %s", lun, iqn,
			    dev, cfs_strerror(ret));
	}
	return -1;
}

int cmd_lun_add(int argc, char **argv)
{
	const char *pos[3] = { NULL }, *serial = NULL, *wwn_arg = NULL, *val;
	char dev[PATH_MAX], wwn[40], other[KISS_NAME_MAX + 1], id[16];
	bool readonly = false, shared = false;
	unsigned int lun;
	dev_t rdev;
	int i, r, n = 0, ret;

	for (i = 0; i < argc; i++) {
		if ((r = kissctl_opt(argc, argv, &i, "--serial", &val))) {
			if (r < 0)
				return 1;
			serial = val;
		} else if ((r = kissctl_opt(argc, argv, &i, "--wwn", &val))) {
			if (r < 0)
				return 1;
			wwn_arg = val;
		} else if (!strcmp(argv[i], "--readonly")) {
			readonly = true;
		} else if (!strcmp(argv[i], "--shared")) {
			shared = true;
		} else if (argv[i][0] == '-' && argv[i][1] &&
			   !isdigit((unsigned char)argv[i][1])) {
			return kissctl_unknown_opt(argv[i]);
		} else if (n == 3) {
			return kissctl_usage();
		} else {
			pos[n++] = argv[i];
		}
	}
	if (n != 3)
		return kissctl_usage();
	if (valid_iscsi_name(pos[0], "target name") || parse_lun(pos[1], &lun) ||
	    (serial && valid_serial(serial)) ||
	    (wwn_arg && parse_wwn(wwn_arg, wwn, sizeof(wwn))) ||
	    valid_block_device(pos[2], dev, sizeof(dev), &rdev) ||
	    cfs_check_loaded() || valid_target(pos[0]))
		return 1;
	if (cfs_exists("targets/%s/luns/%u", pos[0], lun)) {
		kissctl_err("LUN %u of target %s already exists", lun, pos[0]);
		return 1;
	}
	if (lun_find_device(rdev, other, sizeof(other), id, sizeof(id))) {
		kissctl_err("%s is already LUN %s of target %s", pos[2], id, other);
		return 1;
	}

	cfs_tx_begin();
	ret = cfs_mkdir("targets/%s/luns/%u", pos[0], lun);
	if (ret) {
		kissctl_err("cannot create LUN %u of target %s: %s", lun, pos[0],
			    cfs_strerror(ret));
		goto err_rollback;
	}
	ret = cfs_write(dev, "targets/%s/luns/%u/path", pos[0], lun);
	if (ret) {
		kissctl_err("cannot set the path of LUN %u to %s: %s", lun, dev,
			    cfs_strerror(ret));
		goto err_rollback;
	}
	ret = cfs_write(readonly ? "1" : "0", "targets/%s/luns/%u/readonly",
			pos[0], lun);
	/* fixed once enabled; not written at all unless asked (older kernels) */
	if (!ret && shared)
		ret = cfs_write("1", "targets/%s/luns/%u/shared", pos[0], lun);
	if (!ret && serial)
		ret = cfs_write(serial, "targets/%s/luns/%u/serial", pos[0], lun);
	if (!ret && wwn_arg)
		ret = cfs_write(wwn, "targets/%s/luns/%u/wwn", pos[0], lun);
	if (ret) {
		kissctl_err("cannot configure LUN %u of target %s: %s", lun, pos[0],
			    cfs_strerror(ret));
		goto err_rollback;
	}
	if (lun_enable(pos[0], lun, pos[2]))
		goto err_rollback;
	cfs_tx_commit();
	return 0;

err_rollback:
	cfs_tx_rollback();
	return 1;
}

/* Disable (the kernel waits for in-flight I/O), then remove. */
int lun_remove(const char *iqn, const char *id)
{
	int ret = cfs_write("0", "targets/%s/luns/%s/enable", iqn, id);

	if (ret) {
		kissctl_err("cannot disable LUN %s of target %s: %s", id, iqn,
			    cfs_strerror(ret));
		return -1;
	}
	ret = cfs_rmdir("targets/%s/luns/%s", iqn, id);
	if (ret) {
		kissctl_err("cannot remove LUN %s of target %s: %s", id, iqn,
			    cfs_strerror(ret));
		return -1;
	}
	return 0;
}

int cmd_lun_del(int argc, char **argv)
{
	unsigned int lun;
	char id[16];

	if (argc != 2 || argv[0][0] == '-')
		return kissctl_usage();
	if (valid_iscsi_name(argv[0], "target name") || parse_lun(argv[1], &lun) ||
	    cfs_check_loaded() || valid_target(argv[0]))
		return 1;
	snprintf(id, sizeof(id), "%u", lun);
	if (!cfs_is_dir("targets/%s/luns/%s", argv[0], id)) {
		kissctl_err("no LUN %u in target %s; see kissctl show %s", lun,
			    argv[0], argv[0]);
		return 1;
	}
	return lun_remove(argv[0], id) ? 1 : 0;
}

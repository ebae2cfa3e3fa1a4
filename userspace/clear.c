// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl clear: everything down, in reverse dependency order, so that the
 * module can be unloaded.  Best effort: one object that cannot go does not
 * stop the others; the exit status says whether all went.
 */
#include <stdio.h>
#include <string.h>

#include "kissctl.h"

int cmd_clear(int argc, char **argv)
{
	char user[KISS_VALUE_MAX], en[8];
	struct cfs_list l;
	int ret, failed = 0;
	size_t i;

	(void)argv;
	if (argc)
		return kissctl_usage();
	if (cfs_check_loaded())
		return 1;

	/* Targets first: each disabled, then its LUNs, ACLs and links. */
	cfs_list(&l, "targets");
	for (i = 0; i < l.n; i++)
		if (target_teardown(l.names[i]))
			failed++;
	cfs_list_free(&l);

	cfs_list(&l, "portals");
	for (i = 0; i < l.n; i++) {
		ret = cfs_write("0", "portals/%s/enable", l.names[i]);
		if (!ret)
			ret = cfs_rmdir("portals/%s", l.names[i]);
		if (ret) {
			kissctl_err("cannot remove portal %s: %s", l.names[i],
				    cfs_strerror(ret));
			failed++;
		}
	}
	cfs_list_free(&l);

	cfs_read(user, sizeof(user), "discovery/auth/userid");
	cfs_read(en, sizeof(en), "discovery/enforce_auth");
	if (user[0] || !strcmp(en, "1")) {
		ret = cfs_write("0", "discovery/enforce_auth");
		if (ret || auth_clear("discovery/auth")) {
			if (ret)
				kissctl_err("cannot turn off discovery CHAP: %s",
					    cfs_strerror(ret));
			failed++;
		}
	}
	if (!failed)
		secrets_del("");
	if (failed)
		kissctl_err("%d object%s left; see kissctl show", failed,
			    failed == 1 ? "" : "s");
	return failed ? 1 : 0;
}

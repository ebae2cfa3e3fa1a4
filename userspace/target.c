// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl: targets (add, del, set, get).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kissctl.h"

#define MAX_PORTAL_ARGS	32

struct portal_arg {
	char		name[KISS_PORTAL_NAME_MAX + 1];
	bool		create;
	struct kiss_addr addr;
};

/* Every --portal, resolved and deduplicated; no --portal: every portal. */
static int target_portals(const char **args, int n, struct portal_arg *p,
			  int *np)
{
	struct cfs_list l;
	int i, j;
	size_t k;

	*np = 0;
	for (i = 0; i < n; i++) {
		struct portal_arg *cur = &p[*np];

		if (portal_resolve(args[i], cur->name, sizeof(cur->name),
				   &cur->create, &cur->addr))
			return -1;
		for (j = 0; j < *np; j++)
			if (!strcmp(p[j].name, cur->name))
				break;
		if (j == *np)
			(*np)++;
	}
	if (n)
		return 0;
	if (cfs_list(&l, "portals") || !l.n) {
		kissctl_err("no portal to listen on: give --portal ADDR:PORT (e.g. --portal 0.0.0.0:3260)");
		cfs_list_free(&l);
		return -1;
	}
	for (k = 0; k < l.n && k < MAX_PORTAL_ARGS; k++) {
		snprintf(p[k].name, sizeof(p[k].name), "%s", l.names[k]);
		p[k].create = false;
	}
	*np = k;
	cfs_list_free(&l);
	return 0;
}

int cmd_target_add(int argc, char **argv)
{
	const char *iqn = NULL, *args[MAX_PORTAL_ARGS], *val;
	struct portal_arg portals[MAX_PORTAL_ARGS];
	char target[KISS_PORTAL_NAME_MAX + 16];
	int i, n = 0, np, r, ret;

	for (i = 0; i < argc; i++) {
		r = kissctl_opt(argc, argv, &i, "--portal", &val);
		if (r < 0)
			return 1;
		if (r) {
			if (n == MAX_PORTAL_ARGS) {
				kissctl_err("at most %d --portal options", MAX_PORTAL_ARGS);
				return 1;
			}
			args[n++] = val;
		} else if (argv[i][0] == '-') {
			return kissctl_unknown_opt(argv[i]);
		} else if (iqn) {
			return kissctl_usage();
		} else {
			iqn = argv[i];
		}
	}
	if (!iqn)
		return kissctl_usage();
	if (valid_iscsi_name(iqn, "target name") || cfs_check_loaded())
		return 1;
	if (cfs_exists("targets/%s", iqn)) {
		kissctl_err("target %s already exists", iqn);
		return 1;
	}
	if (target_portals(args, n, portals, &np))
		return 1;

	cfs_tx_begin();
	ret = cfs_mkdir("targets/%s", iqn);
	if (ret) {
		kissctl_err("cannot create target %s: %s", iqn, cfs_strerror(ret));
		goto err_rollback;
	}
	for (i = 0; i < np; i++) {
		if (portals[i].create &&
		    portal_create(portals[i].name, &portals[i].addr))
			goto err_rollback;
		snprintf(target, sizeof(target), "portals/%s", portals[i].name);
		ret = cfs_link(target, "targets/%s/portals/%s", iqn,
			       portals[i].name);
		if (ret) {
			kissctl_err("cannot link target %s to portal %s: %s", iqn,
				    portals[i].name, cfs_strerror(ret));
			goto err_rollback;
		}
	}
	ret = cfs_write("1", "targets/%s/enable", iqn);
	if (ret) {
		kissctl_err("cannot enable target %s: %s", iqn, cfs_strerror(ret));
		goto err_rollback;
	}
	cfs_tx_commit();
	return 0;

err_rollback:
	cfs_tx_rollback();
	return 1;
}

/*
 * Disable, then remove what is inside, then the target: LUNs (each
 * disabled first), ACLs, portal links.  Stops at the first error.
 */
int target_teardown(const char *iqn)
{
	char prefix[KISS_NAME_MAX + 16];
	struct cfs_list l;
	const char *what = "disable";
	size_t i;
	int ret;

	ret = cfs_write("0", "targets/%s/enable", iqn);
	if (ret)
		goto err;
	ret = cfs_list(&l, "targets/%s/luns", iqn);
	for (i = 0; !ret && i < l.n; i++)
		if (lun_remove(iqn, l.names[i]))
			ret = -1;
	cfs_list_free(&l);
	if (ret)
		return -1;
	what = "remove the ACLs of";
	ret = cfs_list(&l, "targets/%s/acls", iqn);
	for (i = 0; !ret && i < l.n; i++) {
		ret = cfs_rmdir("targets/%s/acls/%s", iqn, l.names[i]);
		if (!ret)
			acl_forget(iqn, l.names[i]);
	}
	cfs_list_free(&l);
	if (ret)
		goto err;
	what = "unlink the portals of";
	ret = cfs_list(&l, "targets/%s/portals", iqn);
	for (i = 0; !ret && i < l.n; i++)
		ret = cfs_unlink("targets/%s/portals/%s", iqn, l.names[i]);
	cfs_list_free(&l);
	if (ret)
		goto err;
	what = "remove";
	ret = cfs_rmdir("targets/%s", iqn);
	if (ret)
		goto err;
	snprintf(prefix, sizeof(prefix), "targets/%s/", iqn);
	secrets_del(prefix);
	return 0;
err:
	kissctl_err("cannot %s target %s: %s", what, iqn, cfs_strerror(ret));
	return -1;
}

int cmd_target_del(int argc, char **argv)
{
	if (argc != 1 || argv[0][0] == '-')
		return kissctl_usage();
	if (cfs_check_loaded() || valid_target(argv[0]))
		return 1;
	return target_teardown(argv[0]) ? 1 : 0;
}

struct key_val {
	const struct target_key *key;
	char	val[KISS_VALUE_MAX];
};

static struct key_val *kv_find(struct key_val *kv, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(kv[i].key->name, name))
			return &kv[i];
	return NULL;
}

/* FirstBurstLength must not exceed MaxBurstLength (RFC 7143 13.14). */
static int check_bursts(const char *iqn, struct key_val *kv, int n,
			unsigned long *old_mbl)
{
	struct key_val *f = kv_find(kv, n, "FirstBurstLength");
	struct key_val *m = kv_find(kv, n, "MaxBurstLength");
	unsigned long fv, mv;
	char buf[32];

	*old_mbl = 0;
	if (!cfs_read(buf, sizeof(buf), "targets/%s/params/MaxBurstLength", iqn))
		*old_mbl = strtoul(buf, NULL, 10);
	if (!f && !m)
		return 0;
	if (f)
		fv = strtoul(f->val, NULL, 10);
	else if (!cfs_read(buf, sizeof(buf), "targets/%s/params/FirstBurstLength", iqn))
		fv = strtoul(buf, NULL, 10);
	else
		return 0;
	mv = m ? strtoul(m->val, NULL, 10) : *old_mbl;
	if (!mv)
		return 0;
	if (fv > mv) {
		kissctl_err("FirstBurstLength (%lu) must not exceed MaxBurstLength (%lu)",
			    fv, mv);
		return -1;
	}
	return 0;
}

/*
 * tpgt and the ALUA port identity are what initiators tell paths apart
 * by: the kernel keeps them fixed while the target is enabled.  Say so,
 * and how, rather than pass on a bare EBUSY.
 */
static int check_offline(const char *iqn, struct key_val *kv, int n)
{
	struct key_val *en = kv_find(kv, n, "enable");
	char cur[8];
	int i;

	if ((en && !strcmp(en->val, "0")) ||
	    cfs_read(cur, sizeof(cur), "targets/%s/enable", iqn) ||
	    strcmp(cur, "1"))
		return 0;
	for (i = 0; i < n; i++) {
		if (!(kv[i].key->flags & TKF_OFFLINE))
			continue;
		kissctl_err("%s can only change while target %s is disabled (that closes its sessions): kissctl target set %s enable=0 %s=%s, then kissctl target set %s enable=1",
			    kv[i].key->name, iqn, iqn, kv[i].key->name, kv[i].val,
			    iqn);
		return -1;
	}
	return 0;
}

/*
 * The order of the writes: enable=0 first and enable=1 last, and of the
 * two burst lengths the one that keeps FirstBurstLength <= MaxBurstLength
 * true at every step.
 */
static int kv_rank(const struct key_val *kv, struct key_val *all, int n,
		   unsigned long old_mbl)
{
	const struct key_val *f = kv_find(all, n, "FirstBurstLength");
	const struct key_val *m = kv_find(all, n, "MaxBurstLength");
	const char *first;

	if (!strcmp(kv->key->name, "enable"))
		return strcmp(kv->val, "0") ? 3 : 0;
	if (f && m) {
		first = strtoul(f->val, NULL, 10) > old_mbl ?
			"MaxBurstLength" : "FirstBurstLength";
		if (!strcmp(kv->key->name, first))
			return 1;
	}
	return 2;
}

int cmd_target_set(int argc, char **argv)
{
	struct key_val kv[32];
	const struct target_key *k;
	unsigned long old_mbl;
	char keys[512];
	int i, n = 0, rank, ret;

	if (argc < 2 || argv[0][0] == '-')
		return kissctl_usage();
	if (argc - 1 > (int)(sizeof(kv) / sizeof(kv[0]))) {
		kissctl_err("too many KEY=VALUE pairs");
		return 1;
	}
	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq || eq == argv[i]) {
			kissctl_err("expected KEY=VALUE, not '%s'", argv[i]);
			return 1;
		}
		*eq = '\0';
		k = target_key_find(argv[i]);
		if (!k) {
			target_keys_list(keys, sizeof(keys));
			kissctl_err("unknown key '%s'; valid keys: %s", argv[i], keys);
			return 1;
		}
		if (kv_find(kv, n, k->name)) {
			kissctl_err("%s given twice", k->name);
			return 1;
		}
		if (target_key_check(k, eq + 1, kv[n].val, sizeof(kv[n].val)))
			return 1;
		kv[n++].key = k;
	}
	if (cfs_check_loaded() || valid_target(argv[0]) ||
	    check_offline(argv[0], kv, n) ||
	    check_bursts(argv[0], kv, n, &old_mbl))
		return 1;

	cfs_tx_begin();
	for (rank = 0; rank <= 3; rank++) {
		for (i = 0; i < n; i++) {
			if (kv_rank(&kv[i], kv, n, old_mbl) != rank)
				continue;
			ret = cfs_write(kv[i].val, "targets/%s/%s", argv[0],
					kv[i].key->file);
			if (ret) {
				kissctl_err("cannot set %s=%s on target %s: %s",
					    kv[i].key->name, kv[i].val, argv[0],
					    cfs_strerror(ret));
				cfs_tx_rollback();
				return 1;
			}
		}
	}
	cfs_tx_commit();
	return 0;
}

int cmd_target_get(int argc, char **argv)
{
	const struct target_key *k = NULL;
	char val[KISS_VALUE_MAX], keys[512];
	size_t i;
	int ret;

	if (argc < 1 || argc > 2 || argv[0][0] == '-')
		return kissctl_usage();
	if (argc == 2) {
		k = target_key_find(argv[1]);
		if (!k) {
			target_keys_list(keys, sizeof(keys));
			kissctl_err("unknown key '%s'; valid keys: %s", argv[1], keys);
			return 1;
		}
	}
	if (cfs_check_loaded() || valid_target(argv[0]))
		return 1;
	if (argc == 2) {
		ret = cfs_read(val, sizeof(val), "targets/%s/%s", argv[0], k->file);
		if (ret) {
			kissctl_err("cannot read %s of target %s: %s", k->name,
				    argv[0], cfs_strerror(ret));
			return 1;
		}
		printf("%s\n", val);
		return 0;
	}
	for (i = 0; i < target_keys_n; i++) {
		k = &target_keys[i];
		if (!cfs_read(val, sizeof(val), "targets/%s/%s", argv[0], k->file))
			printf("%s=%s\n", k->name, val);
	}
	return 0;
}

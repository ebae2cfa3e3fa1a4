// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl: initiator ACLs and the CHAP settings (per ACL, per target for
 * allow_any_initiator=1, and for discovery sessions).  Secrets are only
 * ever written, never read back or printed; the kernel cannot give them
 * back, so each one written is also kept in the secrets store for
 * "kissctl save" (store.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kissctl.h"

struct auth_args {
	struct kiss_chap chap, mutual;
	bool	has_chap, has_mutual, none, readonly;
};

/* --chap, --mutual, and --none or --readonly where @none / @ro allow. */
static int auth_opt(int argc, char **argv, int *i, struct auth_args *a,
		    bool none, bool ro)
{
	const char *val;
	int r;

	if ((r = kissctl_opt(argc, argv, i, "--chap", &val))) {
		if (r < 0 || parse_chap(val, "--chap", &a->chap))
			return -1;
		a->has_chap = true;
		return 1;
	}
	if ((r = kissctl_opt(argc, argv, i, "--mutual", &val))) {
		if (r < 0 || parse_chap(val, "--mutual", &a->mutual))
			return -1;
		a->has_mutual = true;
		return 1;
	}
	if (none && !strcmp(argv[*i], "--none")) {
		a->none = true;
		return 1;
	}
	if (ro && !strcmp(argv[*i], "--readonly")) {
		a->readonly = true;
		return 1;
	}
	return 0;
}

/* Write @a into the auth/ directory @dir; mutual cleared when not given. */
static int auth_write(const char *dir, const struct auth_args *a)
{
	int ret;

	/* mutual secret off first: the kernel refuses one secret both ways */
	ret = cfs_write_secret("", "%s/password_mutual", dir);
	if (!ret)
		ret = cfs_write(a->chap.user, "%s/userid", dir);
	if (!ret)
		ret = cfs_write_secret(a->chap.secret, "%s/password", dir);
	if (!ret)
		ret = cfs_write(a->has_mutual ? a->mutual.user : "",
				"%s/userid_mutual", dir);
	if (!ret && a->has_mutual)
		ret = cfs_write_secret(a->mutual.secret, "%s/password_mutual", dir);
	if (ret)
		kissctl_err("cannot set CHAP in %s: %s", dir, cfs_strerror(ret));
	return ret ? -1 : 0;
}

/* After the change to @dir is committed: what the store keeps. */
static void auth_remember(const char *dir, const struct auth_args *a)
{
	struct kiss_auth_rec r = { 0 };

	if (!a->has_chap) {
		secrets_del(dir);
		return;
	}
	snprintf(r.userid, sizeof(r.userid), "%s", a->chap.user);
	snprintf(r.password, sizeof(r.password), "%s", a->chap.secret);
	if (a->has_mutual) {
		snprintf(r.userid_mutual, sizeof(r.userid_mutual), "%s",
			 a->mutual.user);
		snprintf(r.password_mutual, sizeof(r.password_mutual), "%s",
			 a->mutual.secret);
	}
	secrets_put(dir, &r);
}

/*
 * No CHAP: an empty userid is what turns it off (configfs.md).  The
 * secrets are cleared too, but a kernel that refuses an empty secret
 * has already stopped using it.
 */
int auth_clear(const char *dir)
{
	int ret;

	ret = cfs_write("", "%s/userid_mutual", dir);
	if (!ret)
		ret = cfs_write("", "%s/userid", dir);
	if (ret) {
		kissctl_err("cannot clear CHAP in %s: %s", dir, cfs_strerror(ret));
		return -1;
	}
	cfs_write_secret("", "%s/password_mutual", dir);
	cfs_write_secret("", "%s/password", dir);
	return 0;
}

int cmd_acl_add(int argc, char **argv)
{
	struct auth_args a = { 0 };
	const char *pos[2];
	char dir[KISS_NAME_MAX * 2 + 32];
	int i, r, n = 0, ret;

	for (i = 0; i < argc; i++) {
		r = auth_opt(argc, argv, &i, &a, false, true);
		if (r < 0)
			return 1;
		if (r)
			continue;
		if (argv[i][0] == '-')
			return kissctl_unknown_opt(argv[i]);
		if (n == 2)
			return kissctl_usage();
		pos[n++] = argv[i];
	}
	if (n != 2)
		return kissctl_usage();
	if (valid_iscsi_name(pos[0], "target name") ||
	    valid_iscsi_name(pos[1], "initiator name") ||
	    valid_chap_pair(&a.chap, &a.mutual, a.has_chap, a.has_mutual) ||
	    cfs_check_loaded() || valid_target(pos[0]))
		return 1;
	if (cfs_exists("targets/%s/acls/%s", pos[0], pos[1])) {
		kissctl_err("ACL for %s in target %s already exists", pos[1], pos[0]);
		return 1;
	}

	cfs_tx_begin();
	ret = cfs_mkdir("targets/%s/acls/%s", pos[0], pos[1]);
	if (ret) {
		kissctl_err("cannot create the ACL for %s in target %s: %s", pos[1],
			    pos[0], cfs_strerror(ret));
		goto err_rollback;
	}
	if (a.readonly) {
		ret = cfs_write("1", "targets/%s/acls/%s/readonly", pos[0], pos[1]);
		if (ret) {
			kissctl_err("cannot make the ACL for %s read-only: %s",
				    pos[1], cfs_strerror(ret));
			goto err_rollback;
		}
	}
	snprintf(dir, sizeof(dir), "targets/%s/acls/%s/auth", pos[0], pos[1]);
	if (a.has_chap && auth_write(dir, &a))
		goto err_rollback;
	cfs_tx_commit();
	if (a.has_chap)
		auth_remember(dir, &a);
	return 0;

err_rollback:
	cfs_tx_rollback();
	return 1;
}

int cmd_acl_del(int argc, char **argv)
{
	int ret;

	if (argc != 2 || argv[0][0] == '-' || argv[1][0] == '-')
		return kissctl_usage();
	if (valid_iscsi_name(argv[0], "target name") ||
	    valid_iscsi_name(argv[1], "initiator name") ||
	    cfs_check_loaded() || valid_target(argv[0]))
		return 1;
	if (!cfs_is_dir("targets/%s/acls/%s", argv[0], argv[1])) {
		kissctl_err("no ACL for %s in target %s; see kissctl show %s",
			    argv[1], argv[0], argv[0]);
		return 1;
	}
	ret = cfs_rmdir("targets/%s/acls/%s", argv[0], argv[1]);
	if (ret) {
		kissctl_err("cannot remove the ACL for %s: %s", argv[1],
			    cfs_strerror(ret));
		return 1;
	}
	acl_forget(argv[0], argv[1]);
	return 0;
}

/* The secrets of an ACL that is gone. */
void acl_forget(const char *iqn, const char *ini)
{
	char prefix[KISS_NAME_MAX * 2 + 32];

	snprintf(prefix, sizeof(prefix), "targets/%s/acls/%s/", iqn, ini);
	secrets_del(prefix);
}

static void auth_print(const char *what, const char *dir, const char *enforce)
{
	char user[KISS_VALUE_MAX], muser[KISS_VALUE_MAX], en[8] = "";

	cfs_read(user, sizeof(user), "%s/userid", dir);
	cfs_read(muser, sizeof(muser), "%s/userid_mutual", dir);
	if (enforce)
		cfs_read(en, sizeof(en), "%s", enforce);
	if (!user[0]) {
		printf("%s: no CHAP%s\n", what,
		       enforce && !strcmp(en, "1") ? " (but enforce_auth=1)" : "");
		return;
	}
	printf("%s: CHAP user %s, mutual %s%s\n", what, user,
	       muser[0] ? "on" : "off",
	       !enforce ? "" : !strcmp(en, "1") ? ", required" : ", not required");
}

/*
 * Shared by "discovery auth" and "target auth": @dir is the auth/
 * directory, @enforce the enforce_auth file or NULL.
 */
static int auth_cmd(int argc, char **argv, const char *dir,
		    const char *enforce, const char *what)
{
	struct auth_args a = { 0 };
	int i, r;

	for (i = 0; i < argc; i++) {
		r = auth_opt(argc, argv, &i, &a, true, false);
		if (r < 0)
			return 1;
		if (!r)
			return argv[i][0] == '-' ? kissctl_unknown_opt(argv[i]) :
			       kissctl_usage();
	}
	if (a.none && (a.has_chap || a.has_mutual)) {
		kissctl_err("--none turns CHAP off; it does not go with --chap or --mutual");
		return 1;
	}
	if (valid_chap_pair(&a.chap, &a.mutual, a.has_chap, a.has_mutual) ||
	    cfs_check_loaded())
		return 1;
	if (!a.none && !a.has_chap) {
		auth_print(what, dir, enforce);
		return 0;
	}
	cfs_tx_begin();
	if (a.none) {
		r = enforce ? cfs_write("0", "%s", enforce) : 0;
		if (r) {
			kissctl_err("cannot write %s: %s", enforce, cfs_strerror(r));
			goto err_rollback;
		}
		if (auth_clear(dir))
			goto err_rollback;
	} else {
		if (auth_write(dir, &a))
			goto err_rollback;
		r = enforce ? cfs_write("1", "%s", enforce) : 0;
		if (r) {
			kissctl_err("cannot write %s: %s", enforce, cfs_strerror(r));
			goto err_rollback;
		}
	}
	cfs_tx_commit();
	auth_remember(dir, &a);
	return 0;

err_rollback:
	cfs_tx_rollback();
	return 1;
}

int cmd_discovery_auth(int argc, char **argv)
{
	return auth_cmd(argc, argv, "discovery/auth", "discovery/enforce_auth",
			"discovery");
}

int cmd_target_auth(int argc, char **argv)
{
	char dir[KISS_NAME_MAX + 32];

	if (argc < 1 || argv[0][0] == '-')
		return kissctl_usage();
	if (cfs_check_loaded() || valid_target(argv[0]))
		return 1;
	snprintf(dir, sizeof(dir), "targets/%s/auth", argv[0]);
	return auth_cmd(argc - 1, argv + 1, dir, NULL, argv[0]);
}

int cmd_acl_auth(int argc, char **argv)
{
	char dir[KISS_NAME_MAX * 2 + 32], what[KISS_NAME_MAX + 8];

	if (argc < 2 || argv[0][0] == '-' || argv[1][0] == '-')
		return kissctl_usage();
	if (valid_iscsi_name(argv[1], "initiator name") || cfs_check_loaded() ||
	    valid_target(argv[0]))
		return 1;
	if (!cfs_is_dir("targets/%s/acls/%s", argv[0], argv[1])) {
		kissctl_err("no ACL for %s in target %s; see kissctl show %s",
			    argv[1], argv[0], argv[0]);
		return 1;
	}
	snprintf(dir, sizeof(dir), "targets/%s/acls/%s/auth", argv[0], argv[1]);
	snprintf(what, sizeof(what), "acl %s", argv[1]);
	return auth_cmd(argc - 2, argv + 2, dir, NULL, what);
}

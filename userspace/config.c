// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl: the whole tree as JSON ("save", "show --json") and back
 * ("restore").  One schema for all three:
 *
 *   { "version": 1,
 *     "portals": [ { "name", "addr", "port", "enable",
 *                    "max_connections", "max_per_source" } ],
 *     "targets": [ { "name", "enable", "alias", "tpgt", "allow_any_initiator",
 *                    "params": { "MaxBurstLength": 1048576, ... },
 *                    "alua": { "group_id", "rel_port_id", "state",
 *                              "preferred" },
 *                    "auth": { "userid", "password", "userid_mutual",
 *                              "password_mutual" },
 *                    "portals": [ NAME ],
 *                    "luns": [ { "id", "path", "readonly", "shared", "serial",
 *                                "wwn", "enable" } ],
 *                    "acls": [ { "initiator", "readonly", "auth" } ] } ],
 *     "discovery": { "enforce_auth", "auth" } }
 *
 * "save" adds the secrets (from the store, see store.c) and leaves out a
 * portal's connection limits that are at their defaults; "show --json"
 * has every limit but no secrets, and adds what only the kernel knows: LUN
 * size and block_size, and the sessions of each target.  "restore"
 * ignores those, and sets an absent limit to its default.
 *
 * Restore checks the whole file before it touches configfs, then makes
 * the tree what the file says: objects the file does not name are
 * removed first, then portals, targets (attributes, params, auth, portal
 * links, LUNs, ACLs, enable last) and discovery are created or changed,
 * each value only if it differs, so a second run changes nothing.  All
 * of that is one undo log: if the kernel refuses something, what this
 * run created or changed is put back.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kissctl.h"

#define CONFIG_VERSION	1

static bool is_one(const char *v)
{
	return !strcmp(v, "1");
}

/* --- configfs to JSON --- */

static void set_str(json_t *o, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* @key = the value of the attribute at @fmt..., "" if unreadable. */
static void set_str(json_t *o, const char *key, const char *fmt, ...)
{
	char path[PATH_MAX], v[KISS_VALUE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	cfs_read(v, sizeof(v), "%s", path);
	json_object_set_new(o, key, json_string(v));
}

static void set_bool(json_t *o, const char *key, const char *path)
{
	char v[16];

	cfs_read(v, sizeof(v), "%s", path);
	json_object_set_new(o, key, json_boolean(is_one(v)));
}

/* A number as an integer, anything else as the string it is. */
static json_t *num_or_str(const char *v)
{
	char *end;
	unsigned long long n;

	if (!*v || *v == '-')
		return json_string(v);
	n = strtoull(v, &end, 10);
	return *end ? json_string(v) : json_integer((json_int_t)n);
}

static void set_num(json_t *o, const char *key, const char *path)
{
	char v[KISS_VALUE_MAX];

	cfs_read(v, sizeof(v), "%s", path);
	json_object_set_new(o, key, num_or_str(v));
}

struct tree_ctx {
	bool	secrets;	/* save: secrets in, or an error */
	bool	live;		/* show: sessions, size, block_size */
	int	missing;	/* secrets set but not known to kissctl */
};

/* The connection limits of a portal: for save, those not at the default. */
static void portal_limits_json(const struct tree_ctx *t, json_t *o,
			       const char *name)
{
	char v[KISS_VALUE_MAX];
	size_t i;

	for (i = 0; i < KISS_PORTAL_KEYS; i++) {
		const struct portal_key *k = &portal_keys[i];

		if (cfs_read(v, sizeof(v), "portals/%s/%s", name, k->k.file) ||
		    (!t->live && strtoul(v, NULL, 10) == k->dflt))
			continue;
		json_object_set_new(o, k->k.name, num_or_str(v));
	}
}

/*
 * One auth/ directory.  The kernel only says whether a secret is set; the
 * secret itself comes from the store, if kissctl wrote it for the same
 * user name.  @fix says how to set it again through kissctl.
 */
static json_t *auth_json(struct tree_ctx *t, const char *dir, const char *what,
			 const char *fix)
{
	char user[KISS_VALUE_MAX], muser[KISS_VALUE_MAX], pw[KISS_VALUE_MAX];
	char mpw[KISS_VALUE_MAX];
	struct kiss_auth_rec r;
	bool known = false;
	json_t *o = json_object();

	cfs_read(user, sizeof(user), "%s/userid", dir);
	cfs_read(muser, sizeof(muser), "%s/userid_mutual", dir);
	json_object_set_new(o, "userid", json_string(user));
	if (t->secrets) {
		cfs_read(pw, sizeof(pw), "%s/password", dir);
		cfs_read(mpw, sizeof(mpw), "%s/password_mutual", dir);
		known = !secrets_get(dir, &r) && !strcmp(r.userid, user);
		if (user[0] && pw[0] && !known) {
			kissctl_err("save: %s: the CHAP secret of user %s was not set by kissctl, and the kernel never gives it back; set it again with %s",
				    what, user, fix);
			t->missing++;
		} else if (muser[0] && mpw[0] &&
			   (!known || strcmp(r.userid_mutual, muser))) {
			kissctl_err("save: %s: the mutual CHAP secret of user %s was not set by kissctl, and the kernel never gives it back; set it again with %s",
				    what, muser, fix);
			t->missing++;
		}
		json_object_set_new(o, "password",
				    json_string(user[0] && known ? r.password : ""));
	}
	json_object_set_new(o, "userid_mutual", json_string(muser));
	if (t->secrets)
		json_object_set_new(o, "password_mutual",
				    json_string(muser[0] && known ?
						r.password_mutual : ""));
	return o;
}

/* Fields of a "sessions" line that are numbers; the rest are strings. */
static const char *const session_numbers[] = {
	"tsih", "cid", "mrdsl", "cmds", "read_bytes", "write_bytes", "errors",
	"tmfs",
};

/* "key=value key=value" as an object. */
json_t *session_json(const char *target, const char *line)
{
	json_t *o = json_object();
	const char *p = line;
	char key[64], val[KISS_VALUE_MAX];
	size_t i;

	if (target)
		json_object_set_new(o, "target", json_string(target));
	while (*p) {
		size_t tl = strcspn(p, " \t"), kl = strcspn(p, "=");
		bool num = false;

		if (kl < tl && kl < sizeof(key) && tl - kl - 1 < sizeof(val)) {
			snprintf(key, sizeof(key), "%.*s", (int)kl, p);
			snprintf(val, sizeof(val), "%.*s", (int)(tl - kl - 1),
				 p + kl + 1);
			for (i = 0; i < sizeof(session_numbers) /
				    sizeof(session_numbers[0]); i++)
				num |= !strcmp(key, session_numbers[i]);
			json_object_set_new(o, key, num ? num_or_str(val) :
					    json_string(val));
		}
		p += tl;
		p += strspn(p, " \t");
	}
	return o;
}

static json_t *sessions_json(const char *iqn)
{
	char *text, *line, *save = NULL;
	json_t *a = json_array();

	if (cfs_read_text(&text, "targets/%s/sessions", iqn))
		return a;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "initiator="))
			json_array_append_new(a, session_json(NULL, line));
	free(text);
	return a;
}

static json_t *lun_json(struct tree_ctx *t, const char *iqn, const char *id)
{
	char d[KISS_NAME_MAX + 32], p[KISS_NAME_MAX + 48];
	json_t *o = json_object();

	snprintf(d, sizeof(d), "targets/%s/luns/%s", iqn, id);
	json_object_set_new(o, "id", json_integer(atoi(id)));
	set_str(o, "path", "%s/path", d);
	snprintf(p, sizeof(p), "%s/readonly", d);
	set_bool(o, "readonly", p);
	snprintf(p, sizeof(p), "%s/shared", d);
	if (cfs_exists("%s", p))
		set_bool(o, "shared", p);
	/* serial and wwn read back derived once enabled: kept as they are */
	set_str(o, "serial", "%s/serial", d);
	set_str(o, "wwn", "%s/wwn", d);
	snprintf(p, sizeof(p), "%s/enable", d);
	set_bool(o, "enable", p);
	if (t->live) {
		snprintf(p, sizeof(p), "%s/size", d);
		set_num(o, "size", p);
		snprintf(p, sizeof(p), "%s/block_size", d);
		set_num(o, "block_size", p);
	}
	return o;
}

/*
 * Where target key @k goes in a target's object, and under which name:
 * params/X as "params": { "X" }, alua/X as "alua": { "X" }, the others
 * at the top.
 */
static const char *k_name(const struct target_key *k, json_t **in,
			  json_t *params, json_t *alua)
{
	if (target_key_is_param(k)) {
		*in = params;
		return k->name;
	}
	if (target_key_is_alua(k)) {
		*in = alua;
		return strchr(k->file, '/') + 1;
	}
	return k->name;
}

static json_t *target_json(struct tree_ctx *t, const char *iqn)
{
	char path[PATH_MAX], fix[KISS_NAME_MAX * 2 + 96], what[KISS_NAME_MAX * 2 + 32];
	json_t *o = json_object(), *params = json_object(), *a;
	json_t *alua = json_object();
	const struct target_key *k;
	struct cfs_list l;
	size_t i;

	json_object_set_new(o, "name", json_string(iqn));
	for (i = 0; i < target_keys_n; i++) {
		json_t *in = o;
		const char *name = k_name(&target_keys[i], &in, params, alua);

		k = &target_keys[i];
		snprintf(path, sizeof(path), "targets/%s/%s", iqn, k->file);
		if (!cfs_exists("%s", path))
			continue;
		if (k->kind == TK_BOOL01)
			set_bool(in, name, path);
		else if (k->kind == TK_RANGE)
			set_num(in, name, path);
		else
			set_str(in, name, "%s", path);
	}
	/* params a newer kernel has and kissctl does not know: as text */
	cfs_list(&l, "targets/%s/params", iqn);
	for (i = 0; i < l.n; i++)
		if (!json_object_get(params, l.names[i]))
			set_str(params, l.names[i], "targets/%s/params/%s", iqn,
				l.names[i]);
	cfs_list_free(&l);
	json_object_set_new(o, "params", params);
	/* a kernel without ALUA has no alua/: no "alua" then */
	if (json_object_size(alua))
		json_object_set_new(o, "alua", alua);
	else
		json_decref(alua);

	snprintf(path, sizeof(path), "targets/%s/auth", iqn);
	snprintf(what, sizeof(what), "target %s", iqn);
	snprintf(fix, sizeof(fix), "kissctl target auth %s --chap USER:SECRET", iqn);
	json_object_set_new(o, "auth", auth_json(t, path, what, fix));

	a = json_array();
	cfs_list(&l, "targets/%s/portals", iqn);
	for (i = 0; i < l.n; i++)
		json_array_append_new(a, json_string(l.names[i]));
	cfs_list_free(&l);
	json_object_set_new(o, "portals", a);

	a = json_array();
	cfs_list(&l, "targets/%s/luns", iqn);
	for (i = 0; i < l.n; i++)
		json_array_append_new(a, lun_json(t, iqn, l.names[i]));
	cfs_list_free(&l);
	json_object_set_new(o, "luns", a);

	a = json_array();
	cfs_list(&l, "targets/%s/acls", iqn);
	for (i = 0; i < l.n; i++) {
		json_t *acl = json_object();

		json_object_set_new(acl, "initiator", json_string(l.names[i]));
		snprintf(path, sizeof(path), "targets/%s/acls/%s/readonly", iqn,
			 l.names[i]);
		set_bool(acl, "readonly", path);
		snprintf(path, sizeof(path), "targets/%s/acls/%s/auth", iqn,
			 l.names[i]);
		snprintf(what, sizeof(what), "target %s: acl %s", iqn, l.names[i]);
		snprintf(fix, sizeof(fix), "kissctl acl auth %s %s --chap USER:SECRET",
			 iqn, l.names[i]);
		json_object_set_new(acl, "auth", auth_json(t, path, what, fix));
		json_array_append_new(a, acl);
	}
	cfs_list_free(&l);
	json_object_set_new(o, "acls", a);

	if (t->live)
		json_object_set_new(o, "sessions", sessions_json(iqn));
	return o;
}

/*
 * The tree; @only: just that target's object.  With @secrets, *@err is the
 * number of secrets that could not be included (each reported).
 */
json_t *tree_json(bool secrets, bool live, const char *only, int *err)
{
	struct tree_ctx t = { .secrets = secrets, .live = live };
	char addr[64];
	json_t *root, *a, *o;
	struct cfs_list l;
	size_t i;

	if (only) {
		root = target_json(&t, only);
		*err = t.missing;
		return root;
	}
	root = json_object();
	json_object_set_new(root, "version", json_integer(CONFIG_VERSION));
	a = json_array();
	cfs_list(&l, "portals");
	for (i = 0; i < l.n; i++) {
		char p[PATH_MAX];

		o = json_object();
		json_object_set_new(o, "name", json_string(l.names[i]));
		cfs_read(addr, sizeof(addr), "portals/%s/addr", l.names[i]);
		json_object_set_new(o, "addr", json_string(addr));
		snprintf(p, sizeof(p), "portals/%s/port", l.names[i]);
		set_num(o, "port", p);
		snprintf(p, sizeof(p), "portals/%s/enable", l.names[i]);
		set_bool(o, "enable", p);
		portal_limits_json(&t, o, l.names[i]);
		json_array_append_new(a, o);
	}
	cfs_list_free(&l);
	json_object_set_new(root, "portals", a);

	a = json_array();
	cfs_list(&l, "targets");
	for (i = 0; i < l.n; i++)
		json_array_append_new(a, target_json(&t, l.names[i]));
	cfs_list_free(&l);
	json_object_set_new(root, "targets", a);

	o = json_object();
	set_bool(o, "enforce_auth", "discovery/enforce_auth");
	json_object_set_new(o, "auth", auth_json(&t, "discovery/auth", "discovery",
						 "kissctl discovery auth --chap USER:SECRET"));
	json_object_set_new(root, "discovery", o);
	*err = t.missing;
	return root;
}

int json_print(json_t *j)
{
	if (json_dumpf(j, stdout, JSON_INDENT(2)) || putchar('\n') == EOF) {
		kissctl_err("cannot write the JSON");
		return -1;
	}
	return 0;
}

/* --- save --- */

static int file_arg(int argc, char **argv, const char **file)
{
	*file = KISS_CONFIG_FILE;
	if (argc > 1 || (argc == 1 && argv[0][0] == '-' && argv[0][1]))
		return -1;
	if (argc == 1)
		*file = argv[0];
	return 0;
}

int cmd_save(int argc, char **argv)
{
	const char *file;
	char *text;
	json_t *root;
	int missing, ret;

	if (file_arg(argc, argv, &file))
		return kissctl_usage();
	if (cfs_check_loaded())
		return 1;
	root = tree_json(true, false, NULL, &missing);
	if (missing) {
		json_decref(root);
		kissctl_err("save: nothing written to %s", file);
		return 1;
	}
	text = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	if (!text) {
		kissctl_err("save: out of memory");
		return 1;
	}
	if (!strcmp(file, "-")) {
		ret = puts(text) == EOF || fflush(stdout) ? -EIO : 0;
		free(text);
	} else {
		ret = fputs_atomic(file, text);
	}
	if (ret) {
		kissctl_err("save: cannot write %s: %s", file, strerror(-ret));
		return 1;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl restore: a file written by "kissctl save" (schema in config.c)
 * back into configfs.
 *
 * 1. The whole file is checked first, with the checks the commands use
 *    (names, ranges, block devices, CHAP secrets); the first problem is
 *    reported with the object it is in, and nothing is touched.
 * 2. Objects the file does not name are removed (targets, then LUNs, ACLs
 *    and portal links of the targets it names, then portals).
 * 3. Portals, targets and discovery are created or brought to what the
 *    file says, each value written only when it differs: restoring twice
 *    changes nothing the second time.  One undo log covers this step; if
 *    the kernel refuses something, it is all put back (secrets excepted:
 *    they cannot be read, so not restored to their old value).
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

/* --- step 1: checks --- */

static const char *type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/*
 * @o[@key] of type @want (JSON_TRUE: a boolean) into *@out, NULL if
 * absent.  -1 (said why) if present with another type, or absent and
 * @required.
 */
static int get(json_t *o, const char *key, json_type want, bool required,
	       json_t **out)
{
	json_t *v = json_object_get(o, key);
	bool ok;

	*out = v;
	if (!v) {
		if (!required)
			return 0;
		kissctl_err("%s: missing", key);
		return -1;
	}
	ok = want == JSON_TRUE ? json_is_boolean(v) : json_typeof(v) == want;
	if (ok)
		return 0;
	kissctl_err("%s: expected %s, not %s", key,
		    want == JSON_TRUE ? "true or false" :
		    want == JSON_INTEGER ? "an integer" :
		    want == JSON_STRING ? "a string" :
		    want == JSON_ARRAY ? "an array" : "an object", type_name(v));
	return -1;
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v ? v : dflt;
}

static bool bool_or(json_t *o, const char *key, bool dflt)
{
	json_t *v = json_object_get(o, key);

	return v ? json_is_true(v) : dflt;
}

/* Every key of @o is in @keys (NULL-terminated) or is a target key. */
static int known_keys(json_t *o, const char *const *keys, bool target)
{
	const char *key, *const *k;
	const struct target_key *tk;
	json_t *v;

	json_object_foreach(o, key, v) {
		for (k = keys; *k && strcmp(*k, key); k++)
			;
		if (*k)
			continue;
		tk = target ? target_key_find(key) : NULL;
		if (tk && !strchr(tk->file, '/') && !strcmp(tk->name, key))
			continue;
		kissctl_err("unknown key '%s'", key);
		return -1;
	}
	return 0;
}

/* A target key's JSON value, checked, as the text configfs takes. */
static int key_value(const struct target_key *k, json_t *v, char *norm,
		     size_t len)
{
	char buf[64];
	const char *s;

	switch (k->kind) {
	case TK_BOOL01:
		if (!json_is_boolean(v))
			goto type;
		s = json_is_true(v) ? "1" : "0";
		break;
	case TK_RANGE:
		if (!json_is_integer(v))
			goto type;
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		s = buf;
		break;
	default:
		if (!json_is_string(v))
			goto type;
		s = json_string_value(v);
		break;
	}
	return target_key_check(k, s, norm, len);
type:
	kissctl_err("%s: expected %s, not %s", k->name,
		    k->kind == TK_BOOL01 ? "true or false" :
		    k->kind == TK_RANGE ? "an integer" : "a string", type_name(v));
	return -1;
}

static bool has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * No "password" key: a file from show --json.  An empty one: saved from a
 * kernel that had the user name but no secret, restored as it was.
 */
static int check_secret(json_t *a, const char *user, const char *key)
{
	const char *secret = str_or(a, key, "");
	size_t l = strlen(secret);

	if (!json_object_get(a, key)) {
		kissctl_err("auth: no %s for user %s: kissctl show --json leaves secrets out; restore a file written by kissctl save",
			    key, user);
		return -1;
	}
	if (l && (l < KISS_SECRET_MIN || l > KISS_SECRET_MAX || has_ctrl(secret))) {
		kissctl_err("auth: %s of user %s must be %d to %d characters, no control characters",
			    key, user, KISS_SECRET_MIN, KISS_SECRET_MAX);
		return -1;
	}
	return 0;
}

static int check_auth(json_t *o)
{
	static const char *const keys[] = {
		"userid", "password", "userid_mutual", "password_mutual", NULL
	};
	const char *user, *muser;
	json_t *a, *v;
	size_t i;

	if (get(o, "auth", JSON_OBJECT, false, &a))
		return -1;
	if (!a)
		return 0;
	for (i = 0; keys[i]; i++)
		if (get(a, keys[i], JSON_STRING, false, &v))
			return -1;
	if (known_keys(a, keys, false))
		return -1;
	user = str_or(a, "userid", "");
	muser = str_or(a, "userid_mutual", "");
	if (strlen(user) > KISS_USERID_MAX || strlen(muser) > KISS_USERID_MAX ||
	    has_ctrl(user) || has_ctrl(muser)) {
		kissctl_err("auth: user names are at most %d bytes, no control characters",
			    KISS_USERID_MAX);
		return -1;
	}
	if (!user[0]) {
		if (muser[0]) {
			kissctl_err("auth: userid_mutual needs userid: the initiator authenticates first");
			return -1;
		}
		return 0;
	}
	if (check_secret(a, user, "password"))
		return -1;
	if (!muser[0])
		return 0;
	if (check_secret(a, muser, "password_mutual"))
		return -1;
	if (*str_or(a, "password", "") &&
	    !strcmp(str_or(a, "password", ""), str_or(a, "password_mutual", ""))) {
		kissctl_err("auth: password_mutual must differ from password (RFC 3720 8.2.1)");
		return -1;
	}
	return 0;
}

/* Block devices already named by the file: one LUN each. */
struct devs {
	dev_t	rdev[1024];
	char	where[1024][KISS_NAME_MAX + 24];
	size_t	n;
};

static int check_portal(json_t *p, json_t *all, size_t idx)
{
	static const char *const keys[] = {
		"name", "addr", "port", "enable", "max_connections",
		"max_per_source", NULL
	};
	char s[96], ctx[KISS_PORTAL_NAME_MAX + 32], norm[KISS_VALUE_MAX];
	json_t *name, *addr, *port, *en, *q;
	struct kiss_addr a;
	size_t i;

	snprintf(ctx, sizeof(ctx), "restore: portals[%zu]: ", idx);
	kissctl_err_ctx("%s", ctx);
	if (!json_is_object(p)) {
		kissctl_err("expected an object, not %s", type_name(p));
		return -1;
	}
	if (get(p, "name", JSON_STRING, true, &name))
		return -1;
	kissctl_err_ctx("restore: portal %s: ", json_string_value(name));
	if (valid_portal_name(json_string_value(name)) ||
	    get(p, "addr", JSON_STRING, true, &addr) ||
	    get(p, "port", JSON_INTEGER, false, &port) ||
	    get(p, "enable", JSON_TRUE, false, &en) || known_keys(p, keys, false))
		return -1;
	snprintf(s, sizeof(s), strchr(json_string_value(addr), ':') ? "[%s]:%" JSON_INTEGER_FORMAT :
		 "%s:%" JSON_INTEGER_FORMAT, json_string_value(addr),
		 port ? json_integer_value(port) : (json_int_t)KISS_DEFAULT_PORT);
	if (parse_addr(s, &a, false))
		return -1;
	for (i = 0; i < KISS_PORTAL_KEYS; i++) {
		q = json_object_get(p, portal_keys[i].k.name);
		if (q && key_value(&portal_keys[i].k, q, norm, sizeof(norm)))
			return -1;
	}
	json_array_foreach(all, i, q) {
		if (i >= idx)
			break;
		if (!strcmp(str_or(q, "name", ""), json_string_value(name))) {
			kissctl_err("named twice");
			return -1;
		}
	}
	return 0;
}

static int check_lun(json_t *l, const char *iqn, size_t idx, struct devs *d,
		     bool seen[KISS_MAX_LUNS])
{
	static const char *const keys[] = {
		"id", "path", "readonly", "shared", "serial", "wwn", "enable",
		"size", "block_size", NULL
	};
	char abs[PATH_MAX], wwn[40];
	json_t *id, *path, *v;
	unsigned int lun;
	dev_t rdev;
	size_t i;

	kissctl_err_ctx("restore: target %s: luns[%zu]: ", iqn, idx);
	if (!json_is_object(l)) {
		kissctl_err("expected an object, not %s", type_name(l));
		return -1;
	}
	if (get(l, "id", JSON_INTEGER, true, &id))
		return -1;
	if (json_integer_value(id) < 0 || json_integer_value(id) >= KISS_MAX_LUNS) {
		kissctl_err("id: LUN must be a number from 0 to %d, not %" JSON_INTEGER_FORMAT,
			    KISS_MAX_LUNS - 1, json_integer_value(id));
		return -1;
	}
	lun = json_integer_value(id);
	kissctl_err_ctx("restore: target %s: lun %u: ", iqn, lun);
	if (seen[lun]) {
		kissctl_err("named twice");
		return -1;
	}
	seen[lun] = true;
	if (get(l, "path", JSON_STRING, true, &path) ||
	    get(l, "readonly", JSON_TRUE, false, &v) ||
	    get(l, "shared", JSON_TRUE, false, &v) ||
	    get(l, "enable", JSON_TRUE, false, &v) ||
	    get(l, "serial", JSON_STRING, false, &v) ||
	    (v && json_string_length(v) && valid_serial(json_string_value(v))) ||
	    get(l, "wwn", JSON_STRING, false, &v) ||
	    (v && json_string_length(v) &&
	     parse_wwn(json_string_value(v), wwn, sizeof(wwn))) ||
	    get(l, "size", JSON_INTEGER, false, &v) ||
	    get(l, "block_size", JSON_INTEGER, false, &v) ||
	    known_keys(l, keys, false))
		return -1;
	if (!json_string_length(path) && !bool_or(l, "enable", true))
		return 0;	/* a LUN not configured yet */
	if (valid_block_device(json_string_value(path), abs, sizeof(abs), &rdev))
		return -1;
	for (i = 0; i < d->n; i++) {
		if (d->rdev[i] == rdev) {
			kissctl_err("%s is also %s", json_string_value(path),
				    d->where[i]);
			return -1;
		}
	}
	if (d->n < sizeof(d->rdev) / sizeof(d->rdev[0])) {
		d->rdev[d->n] = rdev;
		snprintf(d->where[d->n++], sizeof(d->where[0]), "LUN %u of %s",
			 lun, iqn);
	}
	return 0;
}

static int check_target(json_t *t, json_t *root, size_t idx, struct devs *d)
{
	static const char *const keys[] = {
		"name", "params", "alua", "auth", "portals", "luns", "acls",
		"sessions", NULL
	};
	static const char *const acl_keys[] = { "initiator", "readonly", "auth", NULL };
	bool seen[KISS_MAX_LUNS] = { false };
	char norm[KISS_VALUE_MAX];
	const struct target_key *k;
	json_t *name, *params, *alua, *portals, *luns, *acls, *v, *w, *q;
	const char *iqn, *key;
	unsigned long fbl = 0, mbl = 0;
	size_t i, j;

	kissctl_err_ctx("restore: targets[%zu]: ", idx);
	if (!json_is_object(t)) {
		kissctl_err("expected an object, not %s", type_name(t));
		return -1;
	}
	if (get(t, "name", JSON_STRING, true, &name))
		return -1;
	iqn = json_string_value(name);
	kissctl_err_ctx("restore: ");
	if (valid_iscsi_name(iqn, "target name"))
		return -1;
	kissctl_err_ctx("restore: target %s: ", iqn);
	json_array_foreach(json_object_get(root, "targets"), i, q) {
		if (i >= idx)
			break;
		if (!strcmp(str_or(q, "name", ""), iqn)) {
			kissctl_err("named twice");
			return -1;
		}
	}
	if (known_keys(t, keys, true) ||
	    get(t, "params", JSON_OBJECT, false, &params) ||
	    get(t, "alua", JSON_OBJECT, false, &alua) ||
	    get(t, "portals", JSON_ARRAY, false, &portals) ||
	    get(t, "luns", JSON_ARRAY, false, &luns) ||
	    get(t, "acls", JSON_ARRAY, false, &acls) ||
	    get(t, "sessions", JSON_ARRAY, false, &v))
		return -1;
	json_object_foreach(t, key, v) {
		k = target_key_find(key);
		if (k && !strchr(k->file, '/') && key_value(k, v, norm, sizeof(norm)))
			return -1;
	}
	json_object_foreach(params, key, v) {
		k = target_key_find(key);
		if (!k || !target_key_is_param(k)) {
			/* a param of a newer kernel: the kernel checks it */
			if (!json_is_string(v)) {
				kissctl_err("params: unknown key '%s'", key);
				return -1;
			}
			continue;
		}
		kissctl_err_ctx("restore: target %s: params: ", iqn);
		if (key_value(k, v, norm, sizeof(norm)))
			return -1;
		if (!strcmp(k->name, "FirstBurstLength"))
			fbl = strtoul(norm, NULL, 10);
		if (!strcmp(k->name, "MaxBurstLength"))
			mbl = strtoul(norm, NULL, 10);
	}
	json_object_foreach(alua, key, v) {
		k = alua_key_find(key);
		kissctl_err_ctx("restore: target %s: alua: ", iqn);
		if (!k) {
			kissctl_err("unknown key '%s'", key);
			return -1;
		}
		kissctl_err_ctx("restore: target %s: ", iqn);
		if (key_value(k, v, norm, sizeof(norm)))
			return -1;
	}
	kissctl_err_ctx("restore: target %s: ", iqn);
	if (fbl && mbl && fbl > mbl) {
		kissctl_err("FirstBurstLength (%lu) must not exceed MaxBurstLength (%lu)",
			    fbl, mbl);
		return -1;
	}
	if (check_auth(t))
		return -1;
	json_array_foreach(portals, i, v) {
		bool found = false;

		if (!json_is_string(v)) {
			kissctl_err("portals[%zu]: expected a portal name, not %s", i,
				    type_name(v));
			return -1;
		}
		json_array_foreach(json_object_get(root, "portals"), j, w)
			found |= !strcmp(str_or(w, "name", ""), json_string_value(v));
		if (!found) {
			kissctl_err("portal %s is not among the file's portals",
				    json_string_value(v));
			return -1;
		}
	}
	if (bool_or(t, "enable", true) && !json_array_size(portals)) {
		kissctl_err("enabled, but linked to no portal (add one to its \"portals\")");
		return -1;
	}
	json_array_foreach(luns, i, v)
		if (check_lun(v, iqn, i, d, seen))
			return -1;
	json_array_foreach(acls, i, v) {
		json_t *ini;

		kissctl_err_ctx("restore: target %s: acls[%zu]: ", iqn, i);
		if (!json_is_object(v)) {
			kissctl_err("expected an object, not %s", type_name(v));
			return -1;
		}
		if (get(v, "initiator", JSON_STRING, true, &ini))
			return -1;
		kissctl_err_ctx("restore: target %s: ", iqn);
		if (valid_iscsi_name(json_string_value(ini), "initiator name"))
			return -1;
		kissctl_err_ctx("restore: target %s: acl %s: ", iqn,
				json_string_value(ini));
		json_array_foreach(acls, j, w) {
			if (j >= i)
				break;
			if (!strcmp(str_or(w, "initiator", ""), json_string_value(ini))) {
				kissctl_err("named twice");
				return -1;
			}
		}
		if (get(v, "readonly", JSON_TRUE, false, &w) ||
		    known_keys(v, acl_keys, false) || check_auth(v))
			return -1;
	}
	return 0;
}

static int check_file(json_t *root)
{
	static const char *const keys[] = { "version", "portals", "targets",
					    "discovery", NULL };
	static const char *const dkeys[] = { "enforce_auth", "auth", NULL };
	struct devs *d;
	json_t *v, *portals, *targets, *disc;
	size_t i;
	int ret = -1;

	kissctl_err_ctx("restore: ");
	if (!json_is_object(root)) {
		kissctl_err("expected an object at the top, not %s", type_name(root));
		return -1;
	}
	if (known_keys(root, keys, false) ||
	    get(root, "version", JSON_INTEGER, false, &v) ||
	    get(root, "portals", JSON_ARRAY, false, &portals) ||
	    get(root, "targets", JSON_ARRAY, false, &targets) ||
	    get(root, "discovery", JSON_OBJECT, false, &disc))
		return -1;
	if (v && (json_integer_value(v) < 1 ||
		  json_integer_value(v) > CONFIG_VERSION)) {
		kissctl_err("version %" JSON_INTEGER_FORMAT " is not one this kissctl knows (1)",
			    json_integer_value(v));
		return -1;
	}
	json_array_foreach(portals, i, v)
		if (check_portal(v, portals, i))
			return -1;
	d = calloc(1, sizeof(*d));
	if (!d) {
		kissctl_err("out of memory");
		return -1;
	}
	json_array_foreach(targets, i, v)
		if (check_target(v, root, i, d))
			goto out;
	kissctl_err_ctx("restore: discovery: ");
	if (disc && (known_keys(disc, dkeys, false) ||
		     get(disc, "enforce_auth", JSON_TRUE, false, &v) ||
		     check_auth(disc)))
		goto out;
	if (bool_or(disc, "enforce_auth", false) &&
	    !*str_or(json_object_get(disc, "auth"), "userid", "")) {
		kissctl_err("enforce_auth needs a CHAP userid and password");
		goto out;
	}
	ret = 0;
out:
	free(d);
	return ret;
}

/* --- step 2: what the file does not name goes --- */

static json_t *find(json_t *arr, const char *key, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (!strcmp(str_or(v, key, ""), name))
			return v;
	return NULL;
}

static json_t *find_lun(json_t *arr, const char *id)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (json_integer_value(json_object_get(v, "id")) == atoi(id))
			return v;
	return NULL;
}

static json_t *find_str(json_t *arr, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(v), name))
			return v;
	return NULL;
}

static int remove_extra(json_t *root)
{
	json_t *targets = json_object_get(root, "targets");
	json_t *portals = json_object_get(root, "portals"), *t;
	struct cfs_list l, m;
	size_t i, j;
	int ret = 0;

	kissctl_err_ctx("restore: ");
	cfs_list(&l, "targets");
	for (i = 0; i < l.n && !ret; i++) {
		t = find(targets, "name", l.names[i]);
		if (!t) {
			ret = target_teardown(l.names[i]);
			continue;
		}
		kissctl_err_ctx("restore: target %s: ", l.names[i]);
		cfs_list(&m, "targets/%s/luns", l.names[i]);
		for (j = 0; j < m.n && !ret; j++)
			if (!find_lun(json_object_get(t, "luns"), m.names[j]))
				ret = lun_remove(l.names[i], m.names[j]);
		cfs_list_free(&m);
		cfs_list(&m, "targets/%s/acls", l.names[i]);
		for (j = 0; j < m.n && !ret; j++) {
			if (find(json_object_get(t, "acls"), "initiator", m.names[j]))
				continue;
			ret = cfs_rmdir("targets/%s/acls/%s", l.names[i], m.names[j]);
			if (ret)
				kissctl_err("cannot remove the ACL for %s: %s",
					    m.names[j], cfs_strerror(ret));
		}
		cfs_list_free(&m);
		cfs_list(&m, "targets/%s/portals", l.names[i]);
		for (j = 0; j < m.n && !ret; j++) {
			if (find_str(json_object_get(t, "portals"), m.names[j]))
				continue;
			ret = cfs_unlink("targets/%s/portals/%s", l.names[i],
					 m.names[j]);
			if (ret)
				kissctl_err("cannot unlink portal %s: %s", m.names[j],
					    cfs_strerror(ret));
		}
		cfs_list_free(&m);
		kissctl_err_ctx("restore: ");
	}
	cfs_list_free(&l);
	if (ret)
		return -1;
	cfs_list(&l, "portals");
	for (i = 0; i < l.n && !ret; i++) {
		if (find(portals, "name", l.names[i]))
			continue;
		ret = cfs_write("0", "portals/%s/enable", l.names[i]);
		if (!ret)
			ret = cfs_rmdir("portals/%s", l.names[i]);
		if (ret)
			kissctl_err("cannot remove portal %s: %s", l.names[i],
				    cfs_strerror(ret));
	}
	cfs_list_free(&l);
	return ret ? -1 : 0;
}

/* --- step 3: create and change --- */

static int set_attr(const char *val, const char *dir, const char *attr)
{
	char cur[KISS_VALUE_MAX];
	int ret;

	if (!cfs_read(cur, sizeof(cur), "%s/%s", dir, attr) && !strcmp(cur, val))
		return 0;
	ret = cfs_write(val, "%s/%s", dir, attr);
	if (ret) {
		kissctl_err("cannot set %s to '%s': %s", attr, val, cfs_strerror(ret));
		return -1;
	}
	return 0;
}

static bool attr_is(const char *dir, const char *attr, const char *val)
{
	char cur[KISS_VALUE_MAX];

	return !cfs_read(cur, sizeof(cur), "%s/%s", dir, attr) && !strcmp(cur, val);
}

static int make_dir(const char *dir, const char *what)
{
	int ret;

	if (cfs_is_dir("%s", dir))
		return 0;
	ret = cfs_mkdir("%s", dir);
	if (ret)
		kissctl_err("cannot create %s: %s", what, cfs_strerror(ret));
	return ret ? -1 : 0;
}

/*
 * An auth/ directory.  Written only when the user names differ from the
 * kernel's or the secrets from what kissctl last wrote there; @store
 * collects the secrets for the store.
 */
static int apply_auth(const char *dir, json_t *o, json_t *store)
{
	json_t *a = json_object_get(o, "auth");
	struct kiss_auth_rec r, have;
	char pw[8] = "", mpw[8] = "";
	int ret;

	memset(&r, 0, sizeof(r));
	snprintf(r.userid, sizeof(r.userid), "%s", str_or(a, "userid", ""));
	snprintf(r.password, sizeof(r.password), "%s", str_or(a, "password", ""));
	snprintf(r.userid_mutual, sizeof(r.userid_mutual), "%s",
		 str_or(a, "userid_mutual", ""));
	snprintf(r.password_mutual, sizeof(r.password_mutual), "%s",
		 str_or(a, "password_mutual", ""));
	if (!r.userid[0]) {
		if (attr_is(dir, "userid", "") && attr_is(dir, "userid_mutual", ""))
			return 0;
		return auth_clear(dir);
	}
	json_object_set_new(store, dir,
			    json_pack("{s:s, s:s, s:s, s:s}",
				      "userid", r.userid, "password", r.password,
				      "userid_mutual", r.userid_mutual,
				      "password_mutual", r.password_mutual));
	cfs_read(pw, sizeof(pw), "%s/password", dir);
	cfs_read(mpw, sizeof(mpw), "%s/password_mutual", dir);
	if (attr_is(dir, "userid", r.userid) &&
	    attr_is(dir, "userid_mutual", r.userid_mutual) &&
	    !pw[0] == !r.password[0] &&
	    (!r.userid_mutual[0] || !mpw[0] == !r.password_mutual[0]) &&
	    !secrets_get(dir, &have) && !memcmp(&have, &r, sizeof(r)))
		return 0;
	/* mutual off first: the kernel refuses the same secret both ways */
	ret = cfs_write_secret("", "%s/password_mutual", dir);
	if (!ret)
		ret = cfs_write("", "%s/userid_mutual", dir);
	if (!ret)
		ret = cfs_write(r.userid, "%s/userid", dir);
	if (!ret)
		ret = cfs_write_secret(r.password, "%s/password", dir);
	if (!ret && r.userid_mutual[0])
		ret = cfs_write(r.userid_mutual, "%s/userid_mutual", dir);
	if (!ret && r.userid_mutual[0])
		ret = cfs_write_secret(r.password_mutual, "%s/password_mutual", dir);
	if (ret)
		kissctl_err("cannot set CHAP: %s", cfs_strerror(ret));
	return ret ? -1 : 0;
}

/*
 * The connection limits: an absent one is the default.  A module without
 * them is fine as long as the file asks for the defaults.
 */
static int apply_portal_limits(const char *dir, json_t *p)
{
	char val[KISS_VALUE_MAX];
	size_t i;

	for (i = 0; i < KISS_PORTAL_KEYS; i++) {
		const struct portal_key *k = &portal_keys[i];
		json_t *v = json_object_get(p, k->k.name);

		if (v)
			key_value(&k->k, v, val, sizeof(val));
		else
			snprintf(val, sizeof(val), "%lu", k->dflt);
		if (!v && !cfs_exists("%s/%s", dir, k->k.file))
			continue;
		if (set_attr(val, dir, k->k.file))
			return -1;
	}
	return 0;
}

static int apply_portal(json_t *p)
{
	const char *name = str_or(p, "name", "");
	json_t *port = json_object_get(p, "port");
	char s[96], dir[KISS_PORTAL_NAME_MAX + 16], cur[64], curport[16];
	char portstr[16];
	struct kiss_addr a, c;
	bool on = bool_or(p, "enable", true), moved;
	int ret;

	kissctl_err_ctx("restore: portal %s: ", name);
	snprintf(s, sizeof(s), strchr(str_or(p, "addr", ""), ':') ? "[%s]:%" JSON_INTEGER_FORMAT :
		 "%s:%" JSON_INTEGER_FORMAT, str_or(p, "addr", ""),
		 port ? json_integer_value(port) : (json_int_t)KISS_DEFAULT_PORT);
	parse_addr(s, &a, true);
	snprintf(portstr, sizeof(portstr), "%u", a.port);
	snprintf(dir, sizeof(dir), "portals/%s", name);
	if (make_dir(dir, "the portal"))
		return -1;
	cfs_read(cur, sizeof(cur), "%s/addr", dir);
	cfs_read(curport, sizeof(curport), "%s/port", dir);
	snprintf(s, sizeof(s), strchr(cur, ':') ? "[%s]:%s" : "%s:%s", cur, curport);
	moved = parse_addr(s, &c, true) || strcmp(c.name, a.name);
	if (moved && !attr_is(dir, "enable", "0") && set_attr("0", dir, "enable"))
		return -1;
	if (moved && (set_attr(a.addr, dir, "addr") || set_attr(portstr, dir, "port")))
		return -1;
	if (apply_portal_limits(dir, p))
		return -1;
	if (attr_is(dir, "enable", on ? "1" : "0"))
		return 0;
	ret = cfs_write(on ? "1" : "0", "%s/enable", dir);
	if (ret == -EADDRINUSE)
		kissctl_err("cannot listen on %s: port in use", a.name);
	else if (ret)
		kissctl_err("cannot listen on %s: %s", a.name, cfs_strerror(ret));
	return ret ? -1 : 0;
}

static int apply_lun(const char *iqn, json_t *l)
{
	unsigned int id = json_integer_value(json_object_get(l, "id"));
	const char *path = str_or(l, "path", ""), *serial = str_or(l, "serial", "");
	bool on = bool_or(l, "enable", true);
	const char *ro = bool_or(l, "readonly", false) ? "1" : "0";
	const char *sh = bool_or(l, "shared", false) ? "1" : "0";
	char dir[KISS_NAME_MAX + 32], wwn[40] = "";
	bool change, off, has_shared;
	int ret;

	kissctl_err_ctx("restore: target %s: lun %u: ", iqn, id);
	if (*str_or(l, "wwn", ""))
		parse_wwn(str_or(l, "wwn", ""), wwn, sizeof(wwn));
	snprintf(dir, sizeof(dir), "targets/%s/luns/%u", iqn, id);
	if (make_dir(dir, "the LUN"))
		return -1;
	/* a kernel without shared LUNs: fine as long as none is asked for */
	has_shared = cfs_exists("%s/shared", dir) || bool_or(l, "shared", false);
	/* an empty serial or wwn means the default: left as the kernel has it */
	change = !attr_is(dir, "path", path) || !attr_is(dir, "readonly", ro) ||
		 (has_shared && !attr_is(dir, "shared", sh)) ||
		 (serial[0] && !attr_is(dir, "serial", serial)) ||
		 (wwn[0] && !attr_is(dir, "wwn", wwn));
	off = attr_is(dir, "enable", "0");
	if ((change || !on) && !off) {
		if (set_attr("0", dir, "enable"))
			return -1;
		off = true;
	}
	if (set_attr(path, dir, "path") || set_attr(ro, dir, "readonly") ||
	    (has_shared && set_attr(sh, dir, "shared")) ||
	    (serial[0] && set_attr(serial, dir, "serial")) ||
	    (wwn[0] && set_attr(wwn, dir, "wwn")))
		return -1;
	if (!on || !off)
		return 0;
	ret = cfs_write("1", "%s/enable", dir);
	switch (ret) {
	case 0:
		return 0;
	case -EBUSY:
		kissctl_err("%s is in use (mounted or opened exclusively by something else)",
			    path);
		break;
	case -ENOENT:
	case -ENXIO:
	case -ENODEV:
		kissctl_err("no such block device: %s", path);
		break;
	default:
		kissctl_err("cannot enable on %s: %s", path, cfs_strerror(ret));
	}
	return -1;
}

/* @k's value in the file, as configfs takes it (checked already). */
static void key_norm(const struct target_key *k, json_t *v, char *norm,
		     size_t len)
{
	if (key_value(k, v, norm, len))
		norm[0] = '\0';
}

static int apply_params(const char *iqn, json_t *params)
{
	char dir[KISS_NAME_MAX + 32], norm[KISS_VALUE_MAX], cur[32];
	const struct target_key *k;
	const char *key, *first = NULL;
	json_t *v, *f, *m;
	int pass;

	snprintf(dir, sizeof(dir), "targets/%s/params", iqn);
	/* keep FirstBurstLength <= MaxBurstLength at every step */
	f = json_object_get(params, "FirstBurstLength");
	m = json_object_get(params, "MaxBurstLength");
	if (f && m) {
		cfs_read(cur, sizeof(cur), "%s/MaxBurstLength", dir);
		first = json_integer_value(f) > (json_int_t)strtoul(cur, NULL, 10) ?
			"MaxBurstLength" : "FirstBurstLength";
	}
	for (pass = 0; pass < 2; pass++) {
		json_object_foreach(params, key, v) {
			bool is_first = first && !strcmp(key, first);

			if (pass == 0 ? !is_first : is_first)
				continue;
			k = target_key_find(key);
			if (k && !target_key_is_param(k))
				k = NULL;	/* checked: a string */
			if (k)
				key_norm(k, v, norm, sizeof(norm));
			else
				snprintf(norm, sizeof(norm), "%s", json_string_value(v));
			kissctl_err_ctx("restore: target %s: params: ", iqn);
			if (set_attr(norm, dir, k ? strchr(k->file, '/') + 1 : key))
				return -1;
		}
	}
	return 0;
}

/* Does the file change a key the kernel keeps fixed while enabled? */
static bool offline_change(const char *dir, json_t *t)
{
	char norm[KISS_VALUE_MAX];
	const struct target_key *k;
	json_t *v;
	size_t i;

	for (i = 0; i < target_keys_n; i++) {
		k = &target_keys[i];
		if (!(k->flags & TKF_OFFLINE))
			continue;
		v = target_key_is_alua(k) ?
			json_object_get(json_object_get(t, "alua"),
					strchr(k->file, '/') + 1) :
			json_object_get(t, k->name);
		if (!v)
			continue;
		key_norm(k, v, norm, sizeof(norm));
		if (!attr_is(dir, k->file, norm))
			return true;
	}
	return false;
}

static int apply_target(json_t *t, json_t *store)
{
	const char *iqn = str_or(t, "name", ""), *key;
	char dir[KISS_NAME_MAX + 32], sub[KISS_NAME_MAX * 2 + 48];
	char norm[KISS_VALUE_MAX], tgt[KISS_PORTAL_NAME_MAX + 16];
	const struct target_key *k;
	bool on = bool_or(t, "enable", true), off, busy = false;
	json_t *v;
	size_t i;
	int ret;

	kissctl_err_ctx("restore: target %s: ", iqn);
	snprintf(dir, sizeof(dir), "targets/%s", iqn);
	if (make_dir(dir, "the target"))
		return -1;
	/* tpgt and the ALUA port identity are fixed while enabled */
	busy = offline_change(dir, t);
	kissctl_err_ctx("restore: target %s: ", iqn);
	off = attr_is(dir, "enable", "0");
	if ((busy || !on) && !off) {
		if (set_attr("0", dir, "enable"))
			return -1;
		off = true;
	}
	json_object_foreach(t, key, v) {
		k = target_key_find(key);
		if (!k || strchr(k->file, '/') || !strcmp(k->name, "enable"))
			continue;
		key_norm(k, v, norm, sizeof(norm));
		kissctl_err_ctx("restore: target %s: ", iqn);
		if (set_attr(norm, dir, k->file))
			return -1;
	}
	if (apply_params(iqn, json_object_get(t, "params")))
		return -1;
	kissctl_err_ctx("restore: target %s: ", iqn);
	json_object_foreach(json_object_get(t, "alua"), key, v) {
		k = alua_key_find(key);
		key_norm(k, v, norm, sizeof(norm));
		if (set_attr(norm, dir, k->file))
			return -1;
	}
	snprintf(sub, sizeof(sub), "%s/auth", dir);
	if (apply_auth(sub, t, store))
		return -1;
	json_array_foreach(json_object_get(t, "portals"), i, v) {
		if (cfs_exists("%s/portals/%s", dir, json_string_value(v)))
			continue;
		snprintf(tgt, sizeof(tgt), "portals/%s", json_string_value(v));
		ret = cfs_link(tgt, "%s/portals/%s", dir, json_string_value(v));
		if (ret) {
			kissctl_err("cannot link portal %s: %s", json_string_value(v),
				    cfs_strerror(ret));
			return -1;
		}
	}
	json_array_foreach(json_object_get(t, "luns"), i, v)
		if (apply_lun(iqn, v))
			return -1;
	json_array_foreach(json_object_get(t, "acls"), i, v) {
		const char *ini = str_or(v, "initiator", "");

		kissctl_err_ctx("restore: target %s: acl %s: ", iqn, ini);
		snprintf(sub, sizeof(sub), "%s/acls/%s", dir, ini);
		if (make_dir(sub, "the ACL") ||
		    set_attr(bool_or(v, "readonly", false) ? "1" : "0", sub, "readonly"))
			return -1;
		snprintf(sub, sizeof(sub), "%s/acls/%s/auth", dir, ini);
		if (apply_auth(sub, v, store))
			return -1;
	}
	kissctl_err_ctx("restore: target %s: ", iqn);
	if (on && off && set_attr("1", dir, "enable"))
		return -1;
	return 0;
}

static int apply_discovery(json_t *d, json_t *store)
{
	bool on = bool_or(d, "enforce_auth", false);

	kissctl_err_ctx("restore: discovery: ");
	if (!on && set_attr("0", "discovery", "enforce_auth"))
		return -1;
	if (apply_auth("discovery/auth", d, store))
		return -1;
	if (on && set_attr("1", "discovery", "enforce_auth"))
		return -1;
	return 0;
}

static int apply(json_t *root, json_t *store)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(root, "portals"), i, v)
		if (apply_portal(v))
			return -1;
	json_array_foreach(json_object_get(root, "targets"), i, v)
		if (apply_target(v, store))
			return -1;
	return apply_discovery(json_object_get(root, "discovery"), store);
}

int cmd_restore(int argc, char **argv)
{
	const char *file = KISS_CONFIG_FILE;
	json_error_t e;
	json_t *root, *store;
	FILE *f;
	int ret;

	if (argc > 1 || (argc == 1 && argv[0][0] == '-' && argv[0][1]))
		return kissctl_usage();
	if (argc == 1)
		file = argv[0];
	if (cfs_check_loaded())
		return 1;
	f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	if (!f) {
		kissctl_err("restore: cannot read %s: %s", file, strerror(errno));
		return 1;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &e);
	if (f != stdin)
		fclose(f);
	if (!root) {
		kissctl_err("restore: %s:%d:%d: %s", file, e.line, e.column, e.text);
		return 1;
	}
	ret = check_file(root);
	if (!ret)
		ret = remove_extra(root);
	if (!ret) {
		store = json_object();
		cfs_tx_begin();
		ret = apply(root, store);
		kissctl_err_ctx(NULL);
		if (ret) {
			cfs_tx_rollback();
			kissctl_err("restore: stopped; what it had created or changed is undone");
		} else {
			cfs_tx_commit();
			secrets_replace(store);
		}
		json_decref(store);
	}
	kissctl_err_ctx(NULL);
	json_decref(root);
	return ret ? 1 : 0;
}

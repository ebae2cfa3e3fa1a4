// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl: portals, the listening sockets targets link to, and their
 * connection limits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kissctl.h"

/* The address a portal directory holds, as a struct kiss_addr. */
static int portal_addr(const char *name, struct kiss_addr *a)
{
	char addr[64], port[16], s[96];

	if (cfs_read(addr, sizeof(addr), "portals/%s/addr", name) ||
	    cfs_read(port, sizeof(port), "portals/%s/port", name))
		return -1;
	snprintf(s, sizeof(s), strchr(addr, ':') ? "[%s]:%s" : "%s:%s", addr,
		 port);
	return parse_addr(s, a, true);
}

/* Name of the portal listening on @a, if there is one. */
int portal_find_by_addr(const struct kiss_addr *a, char *name, size_t len)
{
	struct cfs_list l;
	struct kiss_addr pa;
	size_t i;
	int ret = -ENOENT;

	if (cfs_list(&l, "portals"))
		return -ENOENT;
	for (i = 0; i < l.n && ret; i++) {
		if (!portal_addr(l.names[i], &pa) && !strcmp(pa.name, a->name)) {
			snprintf(name, len, "%s", l.names[i]);
			ret = 0;
		}
	}
	cfs_list_free(&l);
	return ret;
}

/*
 * --portal ARG: an existing portal listening on ADDR:PORT, else a new one
 * named ADDR:PORT (*create set); or the name of an existing portal.
 */
int portal_resolve(const char *arg, char *name, size_t len, bool *create,
		   struct kiss_addr *a)
{
	struct kiss_addr pa;

	*create = false;
	if (parse_addr(arg, a, true)) {
		if (arg[0] && !strchr(arg, '/') && cfs_is_dir("portals/%s", arg)) {
			snprintf(name, len, "%s", arg);
			return 0;
		}
		return parse_addr(arg, a, false);
	}
	if (!portal_find_by_addr(a, name, len))
		return 0;
	if (cfs_is_dir("portals/%s", a->name)) {
		portal_addr(a->name, &pa);
		kissctl_err("portal %s exists but listens on %s; give it another address with kissctl portal del/add",
			    a->name, pa.name[0] ? pa.name : "nothing");
		return -1;
	}
	snprintf(name, len, "%s", a->name);
	*create = true;
	return 0;
}

/* mkdir, addr, port, enable; the caller's undo log removes it on error. */
int portal_create(const char *name, const struct kiss_addr *a)
{
	char port[16];
	int ret;

	ret = cfs_mkdir("portals/%s", name);
	if (ret) {
		kissctl_err("cannot create portal %s: %s", name, cfs_strerror(ret));
		return -1;
	}
	snprintf(port, sizeof(port), "%u", a->port);
	ret = cfs_write(a->addr, "portals/%s/addr", name);
	if (!ret)
		ret = cfs_write(port, "portals/%s/port", name);
	if (ret) {
		kissctl_err("cannot set the address of portal %s to %s: %s", name,
			    a->name, cfs_strerror(ret));
		return -1;
	}
	ret = cfs_write("1", "portals/%s/enable", name);
	if (ret == -EADDRINUSE) {
		kissctl_err("cannot listen on %s: port in use", a->name);
		return -1;
	}
	if (ret) {
		kissctl_err("cannot listen on %s: %s", a->name, cfs_strerror(ret));
		return -1;
	}
	return 0;
}

/* How many targets link to portal @name; @first gets one of them. */
int portal_users(const char *name, char *first, size_t len)
{
	struct cfs_list l;
	size_t i;
	int n = 0;

	first[0] = '\0';
	if (cfs_list(&l, "targets"))
		return 0;
	for (i = 0; i < l.n; i++) {
		if (cfs_exists("targets/%s/portals/%s", l.names[i], name)) {
			if (!n++)
				snprintf(first, len, "%s", l.names[i]);
		}
	}
	cfs_list_free(&l);
	return n;
}

int cmd_portal_add(int argc, char **argv)
{
	char other[KISS_PORTAL_NAME_MAX + 1];
	struct kiss_addr a;

	if (argc != 2 || argv[0][0] == '-' || argv[1][0] == '-')
		return kissctl_usage();
	if (valid_portal_name(argv[0]) || parse_addr(argv[1], &a, false) ||
	    cfs_check_loaded())
		return 1;
	if (cfs_exists("portals/%s", argv[0])) {
		kissctl_err("portal %s already exists", argv[0]);
		return 1;
	}
	if (!portal_find_by_addr(&a, other, sizeof(other))) {
		kissctl_err("portal %s already exists on %s", other, a.name);
		return 1;
	}
	cfs_tx_begin();
	if (portal_create(argv[0], &a)) {
		cfs_tx_rollback();
		return 1;
	}
	cfs_tx_commit();
	return 0;
}

/* An existing portal by NAME or by ADDR:PORT: its name in @name. */
static int portal_arg(const char *arg, char *name, size_t len)
{
	struct kiss_addr a;

	snprintf(name, len, "%s", arg);
	if (!strchr(arg, '/') && cfs_is_dir("portals/%s", arg))
		return 0;
	if (parse_addr(arg, &a, true) || portal_find_by_addr(&a, name, len)) {
		kissctl_err("no portal %s; see kissctl show", arg);
		return -1;
	}
	return 0;
}

int cmd_portal_del(int argc, char **argv)
{
	char name[KISS_PORTAL_NAME_MAX + 1], user[KISS_NAME_MAX + 1];
	int n, ret;

	if (argc != 1 || argv[0][0] == '-')
		return kissctl_usage();
	if (cfs_check_loaded() || portal_arg(argv[0], name, sizeof(name)))
		return 1;
	n = portal_users(name, user, sizeof(user));
	if (n) {
		kissctl_err("portal %s is used by target %s%s; delete the target first (kissctl target del)",
			    name, user, n > 1 ? " and others" : "");
		return 1;
	}
	cfs_tx_begin();
	ret = cfs_write("0", "portals/%s/enable", name);
	if (!ret)
		ret = cfs_rmdir("portals/%s", name);
	if (ret) {
		kissctl_err("cannot delete portal %s: %s", name, cfs_strerror(ret));
		cfs_tx_rollback();
		return 1;
	}
	cfs_tx_commit();
	return 0;
}

/* The connection limits of a portal, as the kernel bounds them. */
const struct portal_key portal_keys[KISS_PORTAL_KEYS] = {
	{ { "max_connections", "max_connections", TK_RANGE, 1, 65535, 0 },
	  KISS_PORTAL_MAX_CONNECTIONS },
	{ { "max_per_source", "max_per_source", TK_RANGE, 1, 65535, 0 },
	  KISS_PORTAL_MAX_PER_SOURCE },
};

/* Keys match without regard to case, as target keys do. */
const struct portal_key *portal_key_find(const char *name)
{
	size_t i;

	for (i = 0; i < KISS_PORTAL_KEYS; i++)
		if (!strcasecmp(name, portal_keys[i].k.name))
			return &portal_keys[i];
	return NULL;
}

static void portal_keys_list(char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < KISS_PORTAL_KEYS && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? " " : "",
				portal_keys[i].k.name);
}

/* For kissctl show: ", KEY=VALUE" for each limit not at its default. */
void portal_limits_text(const char *name, char *buf, size_t len)
{
	char v[KISS_VALUE_MAX];
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < KISS_PORTAL_KEYS && off < len; i++) {
		if (cfs_read(v, sizeof(v), "portals/%s/%s", name,
			     portal_keys[i].k.file) ||
		    strtoul(v, NULL, 10) == portal_keys[i].dflt)
			continue;
		off += snprintf(buf + off, len - off, ", %s=%s",
				portal_keys[i].k.name, v);
	}
}

int cmd_portal_set(int argc, char **argv)
{
	char name[KISS_PORTAL_NAME_MAX + 1], keys[128];
	char val[KISS_PORTAL_KEYS][KISS_VALUE_MAX];
	const struct portal_key *k[KISS_PORTAL_KEYS];
	const struct portal_key *pk;
	int i, j, n = 0, ret;

	if (argc < 2 || argv[0][0] == '-')
		return kissctl_usage();
	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq || eq == argv[i]) {
			kissctl_err("expected KEY=VALUE, not '%s'", argv[i]);
			return 1;
		}
		*eq = '\0';
		pk = portal_key_find(argv[i]);
		if (!pk) {
			portal_keys_list(keys, sizeof(keys));
			kissctl_err("unknown key '%s'; valid keys: %s", argv[i], keys);
			return 1;
		}
		/* each key once: n stays within KISS_PORTAL_KEYS */
		for (j = 0; j < n; j++) {
			if (k[j] == pk) {
				kissctl_err("%s given twice", pk->k.name);
				return 1;
			}
		}
		if (target_key_check(&pk->k, eq + 1, val[n], sizeof(val[n])))
			return 1;
		k[n++] = pk;
	}
	if (cfs_check_loaded() || portal_arg(argv[0], name, sizeof(name)))
		return 1;

	cfs_tx_begin();
	for (i = 0; i < n; i++) {
		ret = cfs_write(val[i], "portals/%s/%s", name, k[i]->k.file);
		if (ret) {
			kissctl_err("cannot set %s=%s on portal %s: %s",
				    k[i]->k.name, val[i], name, cfs_strerror(ret));
			cfs_tx_rollback();
			return 1;
		}
	}
	cfs_tx_commit();
	return 0;
}

int cmd_portal_get(int argc, char **argv)
{
	char name[KISS_PORTAL_NAME_MAX + 1], val[KISS_VALUE_MAX], keys[128];
	const struct portal_key *pk = NULL;
	size_t i;
	int ret;

	if (argc < 1 || argc > 2 || argv[0][0] == '-')
		return kissctl_usage();
	if (argc == 2) {
		pk = portal_key_find(argv[1]);
		if (!pk) {
			portal_keys_list(keys, sizeof(keys));
			kissctl_err("unknown key '%s'; valid keys: %s", argv[1], keys);
			return 1;
		}
	}
	if (cfs_check_loaded() || portal_arg(argv[0], name, sizeof(name)))
		return 1;
	for (i = 0; i < KISS_PORTAL_KEYS; i++) {
		if (pk && pk != &portal_keys[i])
			continue;
		ret = cfs_read(val, sizeof(val), "portals/%s/%s", name,
			       portal_keys[i].k.file);
		if (ret) {
			kissctl_err("cannot read %s of portal %s: %s",
				    portal_keys[i].k.name, name, cfs_strerror(ret));
			return 1;
		}
		if (pk)
			printf("%s\n", val);
		else
			printf("%s=%s\n", portal_keys[i].k.name, val);
	}
	return 0;
}

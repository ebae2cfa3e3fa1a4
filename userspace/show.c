// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl: output for people ("show") and the session table.  Nothing here
 * writes to configfs, and no secret is ever read.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kissctl.h"

static const char *human_size(const char *bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = strtod(bytes, NULL);
	size_t u = 0;

	while (v >= 1024 && u < sizeof(unit) / sizeof(unit[0]) - 1) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

static bool is_one(const char *v)
{
	return !strcmp(v, "1");
}

static void show_portals(void)
{
	char addr[64], port[16], en[8], user[KISS_NAME_MAX + 1], where[96];
	char limits[96];
	struct cfs_list l;
	size_t i;
	int n;

	cfs_list(&l, "portals");
	printf("portals:%s\n", l.n ? "" : " none");
	for (i = 0; i < l.n; i++) {
		cfs_read(addr, sizeof(addr), "portals/%s/addr", l.names[i]);
		cfs_read(port, sizeof(port), "portals/%s/port", l.names[i]);
		cfs_read(en, sizeof(en), "portals/%s/enable", l.names[i]);
		n = portal_users(l.names[i], user, sizeof(user));
		portal_limits_text(l.names[i], limits, sizeof(limits));
		snprintf(where, sizeof(where), strchr(addr, ':') ? "[%s]:%s" : "%s:%s",
			 addr, port);
		printf("  %s%s%s  %s, %d target%s%s\n", l.names[i],
		       strcmp(where, l.names[i]) ? "  " : "",
		       strcmp(where, l.names[i]) ? where : "",
		       is_one(en) ? "listening" : "disabled", n, n == 1 ? "" : "s",
		       limits);
	}
	cfs_list_free(&l);
}

/* Value of @key in a "key=value key=value" session line, or "-". */
static const char *session_field(const char *line, const char *key,
				 char *buf, size_t len)
{
	size_t kl = strlen(key);
	const char *p = line;

	while (*p) {
		size_t tl = strcspn(p, " \t");

		if (tl > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			size_t vl = tl - kl - 1;

			if (vl >= len)
				vl = len - 1;
			memcpy(buf, p + kl + 1, vl);
			buf[vl] = '\0';
			return buf;
		}
		p += tl;
		p += strspn(p, " \t");
	}
	snprintf(buf, len, "-");
	return buf;
}

static void show_sessions(const char *iqn)
{
	char *text, *line, *save = NULL;
	char ini[KISS_NAME_MAX + 1], peer[64], isid[16], tsih[8];

	if (cfs_read_text(&text, "targets/%s/sessions", iqn))
		return;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strstr(line, "initiator="))
			continue;
		printf("    session %s  isid %s  tsih %s  peer %s\n",
		       session_field(line, "initiator", ini, sizeof(ini)),
		       session_field(line, "isid", isid, sizeof(isid)),
		       session_field(line, "tsih", tsih, sizeof(tsih)),
		       session_field(line, "peer", peer, sizeof(peer)));
	}
	free(text);
}

/* "alua: group 1, port 1, active/optimized, preferred" */
static void show_alua(const char *iqn)
{
	char group[16], port[16], state[32], pref[8];

	if (!cfs_is_dir("targets/%s/alua", iqn))
		return;
	cfs_read(group, sizeof(group), "targets/%s/alua/group_id", iqn);
	cfs_read(port, sizeof(port), "targets/%s/alua/rel_port_id", iqn);
	cfs_read(state, sizeof(state), "targets/%s/alua/state", iqn);
	cfs_read(pref, sizeof(pref), "targets/%s/alua/preferred", iqn);
	printf("    alua: group %s, port %s, %s%s\n", group, port, state,
	       is_one(pref) ? ", preferred" : "");
}

static void show_target(const char *iqn)
{
	char v[KISS_VALUE_MAX], path[KISS_VALUE_MAX], size[32], ro[8], en[8];
	char user[KISS_VALUE_MAX], muser[KISS_VALUE_MAX], serial[80], sh[8];
	struct cfs_list l;
	size_t i;

	cfs_read(en, sizeof(en), "targets/%s/enable", iqn);
	printf("  %s  %s", iqn, is_one(en) ? "enabled" : "disabled");
	cfs_read(v, sizeof(v), "targets/%s/tpgt", iqn);
	if (v[0])
		printf(", tpgt %s", v);
	cfs_read(v, sizeof(v), "targets/%s/alias", iqn);
	if (v[0])
		printf(", alias \"%s\"", v);
	printf("\n");
	show_alua(iqn);

	cfs_list(&l, "targets/%s/portals", iqn);
	printf("    portals:%s", l.n ? "" : " none");
	for (i = 0; i < l.n; i++)
		printf(" %s", l.names[i]);
	printf("\n");
	cfs_list_free(&l);

	cfs_read(v, sizeof(v), "targets/%s/allow_any_initiator", iqn);
	cfs_read(user, sizeof(user), "targets/%s/auth/userid", iqn);
	if (is_one(v))
		printf("    access: any initiator, CHAP %s\n", user[0] ? "on" : "off");
	else
		printf("    access: initiators with an ACL\n");

	cfs_list(&l, "targets/%s/luns", iqn);
	for (i = 0; i < l.n; i++) {
		const char *id = l.names[i];

		cfs_read(path, sizeof(path), "targets/%s/luns/%s/path", iqn, id);
		cfs_read(v, sizeof(v), "targets/%s/luns/%s/size", iqn, id);
		cfs_read(ro, sizeof(ro), "targets/%s/luns/%s/readonly", iqn, id);
		cfs_read(en, sizeof(en), "targets/%s/luns/%s/enable", iqn, id);
		cfs_read(serial, sizeof(serial), "targets/%s/luns/%s/serial", iqn, id);
		cfs_read(sh, sizeof(sh), "targets/%s/luns/%s/shared", iqn, id);
		printf("    lun %s  %s  %s  %s  %s%s", id, path[0] ? path : "(no path)",
		       human_size(v[0] ? v : "0", size, sizeof(size)),
		       is_one(ro) ? "ro" : "rw",
		       is_one(en) ? "enabled" : "disabled",
		       is_one(sh) ? "  shared" : "");
		if (serial[0])
			printf("  serial %s", serial);
		printf("\n");
	}
	cfs_list_free(&l);

	cfs_list(&l, "targets/%s/acls", iqn);
	for (i = 0; i < l.n; i++) {
		const char *ini = l.names[i];

		cfs_read(user, sizeof(user), "targets/%s/acls/%s/auth/userid", iqn, ini);
		cfs_read(muser, sizeof(muser), "targets/%s/acls/%s/auth/userid_mutual",
			 iqn, ini);
		cfs_read(ro, sizeof(ro), "targets/%s/acls/%s/readonly", iqn, ini);
		printf("    acl %s  CHAP %s", ini, user[0] ? "on" : "off");
		if (user[0])
			printf(" (user %s), mutual %s", user, muser[0] ? "on" : "off");
		printf(", %s\n", is_one(ro) ? "ro" : "rw");
	}
	cfs_list_free(&l);
	show_sessions(iqn);
}

static void show_discovery(void)
{
	char user[KISS_VALUE_MAX], muser[KISS_VALUE_MAX], en[8];

	cfs_read(user, sizeof(user), "discovery/auth/userid");
	cfs_read(muser, sizeof(muser), "discovery/auth/userid_mutual");
	cfs_read(en, sizeof(en), "discovery/enforce_auth");
	if (user[0])
		printf("discovery: CHAP %s (user %s), mutual %s\n",
		       is_one(en) ? "required" : "offered", user,
		       muser[0] ? "on" : "off");
	else
		printf("discovery: no CHAP\n");
}

/* [--json] [IQN] for show and session list */
static int json_args(int argc, char **argv, bool *json, const char **iqn)
{
	int i;

	*json = false;
	*iqn = NULL;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			*json = true;
		else if (argv[i][0] == '-')
			return kissctl_unknown_opt(argv[i]);
		else if (*iqn)
			return kissctl_usage();
		else
			*iqn = argv[i];
	}
	if (cfs_check_loaded() || (*iqn && valid_target(*iqn)))
		return 1;
	return 0;
}

int cmd_show(int argc, char **argv)
{
	struct cfs_list l;
	const char *iqn;
	json_t *j;
	bool json;
	size_t i;
	int ret;

	ret = json_args(argc, argv, &json, &iqn);
	if (ret)
		return ret;
	if (json) {
		j = tree_json(false, true, iqn, &ret);
		ret = json_print(j);
		json_decref(j);
		return ret ? 1 : 0;
	}
	if (iqn) {
		show_target(iqn);
		return 0;
	}
	show_portals();
	cfs_list(&l, "targets");
	printf("targets:%s\n", l.n ? "" : " none");
	for (i = 0; i < l.n; i++)
		show_target(l.names[i]);
	cfs_list_free(&l);
	show_discovery();
	return 0;
}

/* --- session list --- */

/*
 * The columns: the fields Documentation/configfs.md lists, then any
 * other field the kernel reports, in the order first seen.
 */
#define MAX_COLS	32

static const char *const session_keys[] = {
	NULL, "initiator", "isid", "tsih", "cid", "peer", "local",
	"hdgst", "ddgst", "mrdsl", "cmds", "read_bytes", "write_bytes",
	"errors", "tmfs",
};
#define NKNOWN	(sizeof(session_keys) / sizeof(session_keys[0]))

struct table {
	char	*key[MAX_COLS];	/* NULL: the target */
	char	*head[MAX_COLS];
	size_t	ncols;
	char	**cell;		/* rows * MAX_COLS */
	size_t	rows;
	size_t	width[MAX_COLS];
};

static int table_col(struct table *t, const char *key)
{
	char *p;

	if (t->ncols == MAX_COLS)
		return 0;
	t->key[t->ncols] = key ? strdup(key) : NULL;
	t->head[t->ncols] = strdup(key ? key : "target");
	if ((key && !t->key[t->ncols]) || !t->head[t->ncols])
		return -1;
	for (p = t->head[t->ncols]; *p; p++)
		*p = toupper((unsigned char)*p);
	t->width[t->ncols] = strlen(t->head[t->ncols]);
	t->ncols++;
	return 0;
}

/* New fields of @line become columns. */
static int table_extra(struct table *t, const char *line)
{
	const char *p = line;
	char key[64];
	size_t i;

	while (*p) {
		size_t tl = strcspn(p, " \t"), kl = strcspn(p, "=");

		if (kl < tl && kl < sizeof(key)) {
			snprintf(key, sizeof(key), "%.*s", (int)kl, p);
			for (i = 0; i < t->ncols; i++)
				if (t->key[i] && !strcmp(t->key[i], key))
					break;
			if (i == t->ncols && table_col(t, key))
				return -1;
		}
		p += tl;
		p += strspn(p, " \t");
	}
	return 0;
}

static int table_add(struct table *t, const char *iqn, const char *line)
{
	char buf[KISS_VALUE_MAX], **c;
	size_t i, l;

	c = realloc(t->cell, (t->rows + 1) * MAX_COLS * sizeof(*c));
	if (!c)
		return -1;
	t->cell = c;
	c += t->rows * MAX_COLS;
	for (i = 0; i < t->ncols; i++) {
		c[i] = strdup(t->key[i] ?
			      session_field(line, t->key[i], buf, sizeof(buf)) :
			      iqn);
		if (!c[i]) {
			while (i--)
				free(c[i]);
			return -1;
		}
		l = strlen(c[i]);
		if (l > t->width[i])
			t->width[i] = l;
	}
	t->rows++;
	return 0;
}

/* Each session of @iqn: a row, or with @json an object in @arr. */
static int sessions_of(struct table *t, json_t *arr, const char *iqn, int pass)
{
	char *text, *line, *save = NULL;
	int ret = 0;

	if (cfs_read_text(&text, "targets/%s/sessions", iqn))
		return 0;
	for (line = strtok_r(text, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strstr(line, "initiator="))
			continue;
		if (arr)
			ret = json_array_append_new(arr, session_json(iqn, line));
		else if (pass == 0)
			ret = table_extra(t, line);
		else
			ret = table_add(t, iqn, line);
	}
	free(text);
	return ret;
}

static void table_print(const struct table *t)
{
	size_t i, r;

	for (i = 0; i < t->ncols; i++)
		printf("%-*s%s", i + 1 < t->ncols ? (int)t->width[i] : 0,
		       t->head[i], i + 1 < t->ncols ? "  " : "\n");
	for (r = 0; r < t->rows; r++)
		for (i = 0; i < t->ncols; i++)
			printf("%-*s%s", i + 1 < t->ncols ? (int)t->width[i] : 0,
			       t->cell[r * MAX_COLS + i],
			       i + 1 < t->ncols ? "  " : "\n");
}

static void table_free(struct table *t)
{
	size_t i, r;

	for (r = 0; r < t->rows; r++)
		for (i = 0; i < t->ncols; i++)
			free(t->cell[r * MAX_COLS + i]);
	free(t->cell);
	for (i = 0; i < t->ncols; i++) {
		free(t->key[i]);
		free(t->head[i]);
	}
}

int cmd_session_list(int argc, char **argv)
{
	struct table t = { 0 };
	struct cfs_list l = { 0 };
	json_t *arr = NULL;
	const char *iqn;
	bool json;
	size_t i;
	int ret, pass;

	ret = json_args(argc, argv, &json, &iqn);
	if (ret)
		return ret;
	if (json)
		arr = json_array();
	for (i = 0; i < NKNOWN && !ret; i++)
		ret = table_col(&t, session_keys[i]);
	if (!iqn)
		cfs_list(&l, "targets");
	for (pass = json ? 1 : 0; pass < 2 && !ret; pass++) {
		if (iqn)
			ret = sessions_of(&t, arr, iqn, pass);
		for (i = 0; i < l.n && !ret; i++)
			ret = sessions_of(&t, arr, l.names[i], pass);
	}
	cfs_list_free(&l);
	if (ret)
		kissctl_err("out of memory");
	else if (json)
		ret = json_print(arr);
	else
		table_print(&t);
	json_decref(arr);
	table_free(&t);
	return ret ? 1 : 0;
}

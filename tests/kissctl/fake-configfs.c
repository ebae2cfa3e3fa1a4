// SPDX-License-Identifier: GPL-2.0
/*
 * A fake of the kiss configfs tree over a plain directory, for testing
 * kissctl without the module: LD_PRELOAD this into kissctl with
 * KISS_CONFIGFS=/some/dir.  It does what configfs and the kernel side do
 * and a plain directory does not (Documentation/configfs.md):
 *
 * - mkdir of a portal, target, LUN or ACL creates its attributes and
 *   default groups; mkdir anywhere else is EPERM, as in configfs.
 * - rmdir removes them again; refused (ENOTEMPTY) while a target still has
 *   LUNs, ACLs or portal links, and (EBUSY) for a portal a target links to.
 * - symlinks only from targets/T/portals/NAME to portals/NAME; unlink of
 *   an attribute is EPERM.
 * - write() replaces the value and applies some of the kernel's rules:
 *   read-only attributes, 0/1 booleans, EBUSY for portal addr/port and LUN
 *   path while enabled, EADDRINUSE when an enabled portal already listens
 *   on the port, LUN enable needs a block device and fills in size.
 * - a portal's max_connections and max_per_source take 1..65535 at any
 *   time.
 * - like the kernel, tpgt and alua/group_id, alua/rel_port_id (1..65535)
 *   are EBUSY while the target is enabled, LUN serial, wwn and a change of
 *   readonly or shared while the LUN is, alua/state takes only the five
 *   access state names, and the first enable of a LUN fills in a derived
 *   serial and wwn when they are empty.
 * - secrets read back as "<set>" (or nothing), never the secret; what was
 *   written is kept in a hidden ".password" (".password_mutual") file
 *   next to it, for the tests to look at, and the same secret both ways
 *   is EINVAL.
 *
 * FAKE_CFS_FAIL="GLOB=ERRNO[;GLOB=ERRNO...]" makes writes to attributes
 * whose path (relative to the root) matches GLOB fail with ERRNO (a name:
 * EBUSY, EINVAL, ENXIO, ...); FAKE_CFS_FAIL_MKDIR does the same for mkdir.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int (*real_mkdir)(const char *, mode_t);
static int (*real_rmdir)(const char *);
static int (*real_unlink)(const char *);
static int (*real_symlink)(const char *, const char *);
static ssize_t (*real_write)(int, const void *, size_t);

__attribute__((constructor)) static void fake_init(void)
{
	real_mkdir = dlsym(RTLD_NEXT, "mkdir");
	real_rmdir = dlsym(RTLD_NEXT, "rmdir");
	real_unlink = dlsym(RTLD_NEXT, "unlink");
	real_symlink = dlsym(RTLD_NEXT, "symlink");
	real_write = dlsym(RTLD_NEXT, "write");
}

/* @path relative to KISS_CONFIGFS, or NULL if outside it. */
static const char *rel(const char *path)
{
	const char *root = getenv("KISS_CONFIGFS");
	size_t l;

	if (!root || !*root)
		return NULL;
	l = strlen(root);
	if (strncmp(path, root, l) || path[l] != '/')
		return NULL;
	return path + l + 1;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

enum kind { OTHER, PORTAL, TARGET, LUN, ACL };

/* What the object at @r is; @c gets its components. */
static enum kind classify(const char *r, char c[6][256])
{
	int n = 0;
	const char *p = r;

	while (*p && n < 6) {
		size_t l = strcspn(p, "/");

		if (l >= 256)
			return OTHER;
		memcpy(c[n], p, l);
		c[n++][l] = '\0';
		p += l;
		p += *p == '/';
	}
	if (*p)
		return OTHER;
	if (n == 2 && !strcmp(c[0], "portals"))
		return PORTAL;
	if (n == 2 && !strcmp(c[0], "targets"))
		return TARGET;
	if (n == 4 && !strcmp(c[0], "targets") && !strcmp(c[2], "luns"))
		return LUN;
	if (n == 4 && !strcmp(c[0], "targets") && !strcmp(c[2], "acls"))
		return ACL;
	return OTHER;
}

static void put(const char *dir, const char *name, const char *val)
{
	char path[PATH_MAX], buf[600];
	int fd, n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%s%s", val, *name == 's' &&
		     !strcmp(name, "sessions") ? "" : "\n");
	if (real_write(fd, buf, n) != n)
		perror("fake-configfs");
	close(fd);
}

static void get(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	buf[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static void sub(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void put_auth(const char *dir)
{
	char a[PATH_MAX];

	sub(a, sizeof(a), dir, "auth");
	real_mkdir(a, 0755);
	put(a, "userid", "");
	put(a, "password", "");
	put(a, "userid_mutual", "");
	put(a, "password_mutual", "");
}

static void populate(enum kind k, const char *d)
{
	char p[PATH_MAX];

	switch (k) {
	case PORTAL:
		put(d, "addr", "");
		put(d, "port", "3260");
		put(d, "enable", "0");
		put(d, "max_connections", "1024");
		put(d, "max_per_source", "64");
		break;
	case TARGET:
		put(d, "enable", "0");
		put(d, "alias", "");
		put(d, "tpgt", "1");
		put(d, "allow_any_initiator", "0");
		put(d, "sessions", "");
		sub(p, sizeof(p), d, "alua");
		real_mkdir(p, 0755);
		put(p, "group_id", "1");
		put(p, "rel_port_id", "1");
		put(p, "state", "active/optimized");
		put(p, "preferred", "0");
		sub(p, sizeof(p), d, "params");
		real_mkdir(p, 0755);
		put(p, "MaxRecvDataSegmentLength", "262144");
		put(p, "MaxBurstLength", "1048576");
		put(p, "FirstBurstLength", "65536");
		put(p, "MaxOutstandingR2T", "1");
		put(p, "ImmediateData", "Yes");
		put(p, "InitialR2T", "No");
		put(p, "HeaderDigest", "None,CRC32C");
		put(p, "DataDigest", "None,CRC32C");
		put(p, "QueueDepth", "128");
		put(p, "NopInInterval", "15");
		put(p, "NopInTimeout", "30");
		put_auth(d);
		sub(p, sizeof(p), d, "luns");
		real_mkdir(p, 0755);
		sub(p, sizeof(p), d, "acls");
		real_mkdir(p, 0755);
		sub(p, sizeof(p), d, "portals");
		real_mkdir(p, 0755);
		break;
	case LUN:
		put(d, "path", "");
		put(d, "readonly", "0");
		put(d, "shared", "0");
		put(d, "serial", "");
		put(d, "wwn", "");
		put(d, "enable", "0");
		put(d, "size", "0");
		put(d, "block_size", "0");
		break;
	case ACL:
		put(d, "readonly", "0");
		put_auth(d);
		break;
	default:
		break;
	}
}

static int errno_by_name(const char *s)
{
	static const struct { const char *n; int e; } t[] = {
		{ "EBUSY", EBUSY }, { "EINVAL", EINVAL }, { "ENXIO", ENXIO },
		{ "ENOENT", ENOENT }, { "EADDRINUSE", EADDRINUSE },
		{ "EADDRNOTAVAIL", EADDRNOTAVAIL }, { "ENOMEM", ENOMEM },
		{ "EPERM", EPERM }, { "EACCES", EACCES }, { "ENODEV", ENODEV },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(s, t[i].n))
			return t[i].e;
	return atoi(s) > 0 ? atoi(s) : EIO;
}

/* The errno FAKE_CFS_FAIL(_MKDIR) asks for @r, or 0. */
static int injected(const char *var, const char *r)
{
	const char *spec = getenv(var);
	char buf[1024], *tok, *save = NULL, *eq;

	if (!spec)
		return 0;
	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		eq = strrchr(tok, '=');
		if (!eq)
			continue;
		*eq = '\0';
		if (!fnmatch(tok, r, 0))
			return errno_by_name(eq + 1);
	}
	return 0;
}

int mkdir(const char *path, mode_t mode)
{
	const char *r = rel(path);
	char c[6][256];
	enum kind k;
	int err;

	if (!r)
		return real_mkdir(path, mode);
	k = classify(r, c);
	if (k == OTHER)
		return fail(EPERM);
	if (k == LUN) {
		char *end;
		long v = strtol(c[3], &end, 10);

		if (!c[3][0] || *end || v < 0 || v > 255)
			return fail(EINVAL);
	}
	err = injected("FAKE_CFS_FAIL_MKDIR", r);
	if (err)
		return fail(err);
	if (real_mkdir(path, mode))
		return -1;
	populate(k, path);
	return 0;
}

/* Remove everything under @path, then @path. */
static int remove_all(const char *path)
{
	struct dirent *de;
	struct stat st;
	char p[PATH_MAX];
	DIR *d = opendir(path);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub(p, sizeof(p), path, de->d_name);
		if (lstat(p, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			remove_all(p);
		else
			real_unlink(p);
	}
	closedir(d);
	return real_rmdir(path);
}

static bool dir_empty(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);
	bool empty = true;

	if (!d)
		return true;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

/* Does any target link to portal @name? */
static bool portal_linked(const char *name)
{
	char t[PATH_MAX], l[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	bool used = false;

	snprintf(t, sizeof(t), "%s/targets", getenv("KISS_CONFIGFS"));
	d = opendir(t);
	if (!d)
		return false;
	while ((de = readdir(d)) && !used) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(l, sizeof(l), "%s/%s/portals/%s", t, de->d_name, name);
		used = !lstat(l, &st);
	}
	closedir(d);
	return used;
}

int rmdir(const char *path)
{
	const char *r = rel(path);
	char c[6][256], p[PATH_MAX];
	struct stat st;
	enum kind k;

	if (!r)
		return real_rmdir(path);
	k = classify(r, c);
	if (k == OTHER)
		return fail(EPERM);
	if (lstat(path, &st) || !S_ISDIR(st.st_mode))
		return fail(ENOENT);
	if (k == TARGET) {
		static const char *const kids[] = { "luns", "acls", "portals" };
		size_t i;

		for (i = 0; i < 3; i++) {
			sub(p, sizeof(p), path, kids[i]);
			if (!dir_empty(p))
				return fail(ENOTEMPTY);
		}
	}
	if (k == PORTAL && portal_linked(c[1]))
		return fail(EBUSY);
	return remove_all(path);
}

int symlink(const char *target, const char *linkpath)
{
	const char *r = rel(linkpath), *tr = rel(target);
	char c[6][256], tc[6][256];
	struct stat st;
	int n = 0;
	const char *p;

	if (!r)
		return real_symlink(target, linkpath);
	for (p = r; *p; p++)
		n += *p == '/';
	if (n != 3 || strncmp(r, "targets/", 8) || !strstr(r, "/portals/"))
		return fail(EPERM);
	if (!tr || classify(tr, tc) != PORTAL || stat(target, &st))
		return fail(ENOENT);
	classify(r, c);
	if (strcmp(strrchr(r, '/') + 1, tc[1]))
		return fail(EINVAL);
	return real_symlink(target, linkpath);
}

int unlink(const char *path)
{
	const char *r = rel(path);
	struct stat st;

	if (!r)
		return real_unlink(path);
	if (lstat(path, &st))
		return fail(ENOENT);
	if (!S_ISLNK(st.st_mode))
		return fail(EPERM);
	return real_unlink(path);
}

static bool wildcard(const char *addr)
{
	return !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::");
}

/* Is another enabled portal listening where portal @name would? */
static bool port_in_use(const char *name)
{
	char dir[PATH_MAX], p[PATH_MAX], addr[64], port[16], a[64], po[16], en[8];
	struct dirent *de;
	DIR *d;
	bool busy = false;

	snprintf(dir, sizeof(dir), "%s/portals", getenv("KISS_CONFIGFS"));
	snprintf(p, sizeof(p), "%s/%s/addr", dir, name);
	get(p, addr, sizeof(addr));
	snprintf(p, sizeof(p), "%s/%s/port", dir, name);
	get(p, port, sizeof(port));
	d = opendir(dir);
	if (!d)
		return false;
	while ((de = readdir(d)) && !busy) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, name))
			continue;
		snprintf(p, sizeof(p), "%s/%s/enable", dir, de->d_name);
		get(p, en, sizeof(en));
		snprintf(p, sizeof(p), "%s/%s/addr", dir, de->d_name);
		get(p, a, sizeof(a));
		snprintf(p, sizeof(p), "%s/%s/port", dir, de->d_name);
		get(p, po, sizeof(po));
		busy = !strcmp(en, "1") && !strcmp(po, port) &&
		       (!strcmp(a, addr) || wildcard(a) || wildcard(addr));
	}
	closedir(d);
	return busy;
}

/* As kiss_lun_enable(): an empty serial or wwn gets one from a hash. */
static void derive_ids(const char *dir, const char *r)
{
	char p[PATH_MAX], cur[600], v[40];
	unsigned long long h = 1469598103934665603ULL;
	const char *c;

	for (c = r; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	sub(p, sizeof(p), dir, "serial");
	get(p, cur, sizeof(cur));
	if (!cur[0]) {
		snprintf(v, sizeof(v), "%016llx", h);
		put(dir, "serial", v);
	}
	sub(p, sizeof(p), dir, "wwn");
	get(p, cur, sizeof(cur));
	if (!cur[0]) {
		snprintf(v, sizeof(v), "3%015llx", h & 0xfffffffffffffffULL);
		put(dir, "wwn", v);
	}
}

/* The kernel's side of a write of @val to attribute @r (at @path). */
static int store(const char *path, const char *r, const char *val)
{
	char c[6][256], dir[PATH_MAX], p[PATH_MAX], cur[600];
	const char *base = strrchr(r, '/') ? strrchr(r, '/') + 1 : r;
	struct stat st;
	char *slash;
	int err;

	err = injected("FAKE_CFS_FAIL", r);
	if (err)
		return err;
	if (!strcmp(base, "sessions") || !strcmp(base, "size") ||
	    !strcmp(base, "block_size"))
		return EACCES;
	if ((!strcmp(base, "enable") || !strcmp(base, "readonly") ||
	     !strcmp(base, "shared") || !strcmp(base, "preferred") ||
	     !strcmp(base, "allow_any_initiator") ||
	     !strcmp(base, "enforce_auth")) && strcmp(val, "0") && strcmp(val, "1"))
		return EINVAL;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	/* RFC 7143 13.14: FirstBurstLength <= MaxBurstLength, at every step. */
	if (!fnmatch("targets/*/params/*BurstLength", r, 0)) {
		bool first = !strcmp(base, "FirstBurstLength");

		sub(p, sizeof(p), dir, first ? "MaxBurstLength" : "FirstBurstLength");
		get(p, cur, sizeof(cur));
		if (first ? atol(val) > atol(cur) : atol(val) < atol(cur))
			return EINVAL;
	}
	/* RFC 7143 9.2.1: not the same secret both ways */
	if ((!strcmp(base, "password") || !strcmp(base, "password_mutual")) && *val) {
		sub(p, sizeof(p), dir, !strcmp(base, "password") ?
		    ".password_mutual" : ".password");
		get(p, cur, sizeof(cur));
		if (!strcmp(cur, val))
			return EINVAL;
	}
	/* targets/T/alua/: the port identity is fixed while T is enabled */
	if (!fnmatch("targets/*/alua/*", r, FNM_PATHNAME)) {
		static const char *const states[] = {
			"active/optimized", "active/non-optimized", "standby",
			"unavailable", "transitioning",
		};
		size_t i;
		char *end;
		long v;

		if (!strcmp(base, "state")) {
			for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
				if (!strcmp(val, states[i]))
					return 0;
			return EINVAL;
		}
		if (strcmp(base, "group_id") && strcmp(base, "rel_port_id"))
			return 0;
		v = strtol(val, &end, 10);
		if (!*val || *end || v < 1 || v > 65535)
			return EINVAL;
		sub(p, sizeof(p), dir, "../enable");
		get(p, cur, sizeof(cur));
		return strcmp(cur, "1") ? 0 : EBUSY;
	}
	sub(p, sizeof(p), dir, "enable");
	get(p, cur, sizeof(cur));
	/* The object the attribute belongs to: its directory. */
	switch (base == r ? OTHER : classify(strndupa(r, base - r - 1), c)) {
	case PORTAL:
		if (!strcmp(base, "max_connections") ||
		    !strcmp(base, "max_per_source")) {
			char *end;
			long v = strtol(val, &end, 10);

			return !*val || *end || v < 1 || v > 65535 ? EINVAL : 0;
		}
		if ((!strcmp(base, "addr") || !strcmp(base, "port")) &&
		    !strcmp(cur, "1"))
			return EBUSY;
		if (!strcmp(base, "enable") && !strcmp(val, "1")) {
			sub(p, sizeof(p), dir, "addr");
			get(p, cur, sizeof(cur));
			if (!cur[0])
				return EINVAL;
			if (port_in_use(c[1]))
				return EADDRINUSE;
		}
		break;
	case TARGET:
		if (!strcmp(base, "tpgt") && !strcmp(cur, "1"))
			return EBUSY;
		if (!strcmp(base, "enable") && !strcmp(val, "1")) {
			sub(p, sizeof(p), dir, "portals");
			if (dir_empty(p))
				return EINVAL;
		}
		break;
	case LUN:
		if ((!strcmp(base, "path") || !strcmp(base, "serial") ||
		     !strcmp(base, "wwn")) && !strcmp(cur, "1"))
			return EBUSY;
		if ((!strcmp(base, "readonly") || !strcmp(base, "shared")) &&
		    !strcmp(cur, "1")) {
			sub(p, sizeof(p), dir, base);
			get(p, cur, sizeof(cur));
			if (strcmp(cur, val))
				return EBUSY;
		}
		if (!strcmp(base, "enable")) {
			bool on = !strcmp(val, "1");

			if (on) {
				sub(p, sizeof(p), dir, "path");
				get(p, cur, sizeof(cur));
				if (!cur[0])
					return EINVAL;
				if (stat(cur, &st))
					return ENOENT;
				if (!S_ISBLK(st.st_mode))
					return ENOTBLK;
			}
			put(dir, "size", on ? "1073741824" : "0");
			put(dir, "block_size", on ? "512" : "0");
			if (on)
				derive_ids(dir, r);
		}
		break;
	default:
		break;
	}
	return 0;
}

ssize_t write(int fd, const void *buf, size_t n)
{
	char link[64], path[PATH_MAX], val[600];
	const char *r, *base;
	ssize_t l;
	int err;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	l = readlink(link, path, sizeof(path) - 1);
	if (l <= 0)
		return real_write(fd, buf, n);
	path[l] = '\0';
	r = rel(path);
	if (!r)
		return real_write(fd, buf, n);
	if (n >= sizeof(val))
		return fail(EINVAL);
	memcpy(val, buf, n);
	val[n] = '\0';
	if (n && val[n - 1] == '\n')
		val[n - 1] = '\0';
	err = store(path, r, val);
	if (err)
		return fail(err);
	base = strrchr(r, '/') ? strrchr(r, '/') + 1 : r;
	if (!strcmp(base, "password") || !strcmp(base, "password_mutual")) {
		char dir[PATH_MAX], hidden[NAME_MAX], hp[PATH_MAX];
		const char *shown = *val ? "<set>\n" : "\n";

		snprintf(dir, sizeof(dir), "%.*s", (int)(strlen(path) - strlen(base) - 1),
			 path);
		snprintf(hidden, sizeof(hidden), ".%s", base);
		if (*val) {
			put(dir, hidden, val);
		} else {
			sub(hp, sizeof(hp), dir, hidden);
			real_unlink(hp);
		}
		if (ftruncate(fd, 0) ||
		    pwrite(fd, shown, strlen(shown), 0) != (ssize_t)strlen(shown))
			return -1;
		return n;
	}
	if (ftruncate(fd, 0) || pwrite(fd, buf, n, 0) != (ssize_t)n)
		return -1;
	return n;
}

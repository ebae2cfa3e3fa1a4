// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl: the files kissctl keeps outside configfs.
 *
 * The kernel never gives a CHAP secret back (reading password or
 * password_mutual says "<set>" or nothing), so kissctl remembers each
 * secret it writes in a root-only file, /etc/kiss/secrets.json
 * (KISS_SECRETS overrides it), keyed by the auth/ directory it went to:
 *
 *   { "version": 1, "auth": { "targets/IQN/acls/INI/auth": {
 *       "userid": "u", "password": "s", "userid_mutual": "", ... } } }
 *
 * "save" takes the secrets from there; what is set in the kernel but not
 * known here (written with echo) is reported, not guessed.
 *
 * Every file is replaced atomically: a temporary file in the same
 * directory, mode 0600, fsync, rename, fsync of the directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kissctl.h"

/* @path's directory into @dir (at least "."). */
static void dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

/* The directory of a kissctl file: created 0700 if missing (one level). */
static int dir_make(const char *dir)
{
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Replace @path with @data: nothing else ever sees a partial file, and
 * once this returns 0 the new contents survive a crash.  Returns -errno.
 */
int file_write_atomic(const char *path, const char *data, size_t len)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 16];
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t off = 0;
	ssize_t n;
	int fd, dfd, ret = 0;

	dir_of(path, dir, sizeof(dir));
	if (!*base)
		return -EISDIR;
	ret = dir_make(dir);
	if (ret)
		return ret;
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);	/* mode 0600 */
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0600))
		ret = -errno;
	while (!ret && off < len) {
		n = write(fd, data + off, len - off);
		if (n < 0 && errno != EINTR)
			ret = -errno;
		else if (n > 0)
			off += n;
	}
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return ret;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fsync(dfd))
		ret = -errno;
	close(dfd);
	return ret;
}

/* @text and a newline into @path, atomically; frees @text. */
int fputs_atomic(const char *path, char *text)
{
	size_t len = strlen(text);
	char *nl = realloc(text, len + 2);
	int ret;

	if (!nl) {
		free(text);
		return -ENOMEM;
	}
	memcpy(nl + len, "\n", 2);
	ret = file_write_atomic(path, nl, len + 1);
	free(nl);
	return ret;
}

/* --- the secrets store --- */

const char *secrets_path(void)
{
	const char *p = getenv("KISS_SECRETS");

	return p && *p ? p : KISS_SECRETS_FILE;
}

/*
 * Two kissctl at once must not lose each other's secrets: the store is
 * read, changed and replaced under an exclusive lock on its directory.
 */
static int secrets_lock(void)
{
	char dir[PATH_MAX];
	int fd;

	dir_of(secrets_path(), dir, sizeof(dir));
	if (dir_make(dir))
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void secrets_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* The store's "auth" object (new reference), or an empty one. */
static json_t *secrets_load(bool quiet)
{
	json_error_t e;
	json_t *root, *auth;

	root = json_load_file(secrets_path(), JSON_REJECT_DUPLICATES, &e);
	if (!root) {
		if (!quiet && access(secrets_path(), F_OK) == 0)
			kissctl_warn("%s:%d:%d: %s; its secrets are ignored",
				     secrets_path(), e.line, e.column, e.text);
		return json_object();
	}
	auth = json_object_get(root, "auth");
	auth = json_is_object(auth) ? json_incref(auth) : json_object();
	json_decref(root);
	return auth;
}

static int secrets_store(json_t *auth)
{
	json_t *root = json_pack("{s:i, s:O}", "version", 1, "auth", auth);
	char *text;
	int ret;

	text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
	json_decref(root);
	if (!text)
		return -ENOMEM;
	ret = fputs_atomic(secrets_path(), text);
	if (ret)
		kissctl_warn("cannot write %s: %s; kissctl save will not know the secrets set now",
			     secrets_path(), strerror(-ret));
	return ret;
}

static void rec_field(json_t *o, const char *key, char *dst, size_t len)
{
	const char *v = json_string_value(json_object_get(o, key));

	snprintf(dst, len, "%s", v ? v : "");
}

/* The secrets kissctl wrote to auth/ directory @dir: 0, or -ENOENT. */
int secrets_get(const char *dir, struct kiss_auth_rec *r)
{
	json_t *auth = secrets_load(false);
	json_t *o = json_object_get(auth, dir);
	int ret = -ENOENT;

	memset(r, 0, sizeof(*r));
	if (json_is_object(o)) {
		rec_field(o, "userid", r->userid, sizeof(r->userid));
		rec_field(o, "password", r->password, sizeof(r->password));
		rec_field(o, "userid_mutual", r->userid_mutual,
			  sizeof(r->userid_mutual));
		rec_field(o, "password_mutual", r->password_mutual,
			  sizeof(r->password_mutual));
		ret = 0;
	}
	json_decref(auth);
	return ret;
}

/* Remember what was just written to @dir (CHAP on). */
void secrets_put(const char *dir, const struct kiss_auth_rec *r)
{
	int lock = secrets_lock();
	json_t *auth = secrets_load(true);

	json_object_set_new(auth, dir,
			    json_pack("{s:s, s:s, s:s, s:s}",
				      "userid", r->userid,
				      "password", r->password,
				      "userid_mutual", r->userid_mutual,
				      "password_mutual", r->password_mutual));
	secrets_store(auth);
	json_decref(auth);
	secrets_unlock(lock);
}

/* Forget every directory starting with @prefix ("" = all). */
void secrets_del(const char *prefix)
{
	const char *key;
	json_t *auth, *v;
	void *tmp;
	bool changed = false;
	int lock;

	if (access(secrets_path(), F_OK))
		return;
	lock = secrets_lock();
	auth = secrets_load(true);
	json_object_foreach_safe(auth, tmp, key, v) {
		if (!strncmp(key, prefix, strlen(prefix))) {
			json_object_del(auth, key);
			changed = true;
		}
	}
	(void)v;
	if (changed)
		secrets_store(auth);
	json_decref(auth);
	secrets_unlock(lock);
}

/* The store becomes exactly @auth (after a restore). */
void secrets_replace(json_t *auth)
{
	int lock;

	if (!json_object_size(auth) && access(secrets_path(), F_OK))
		return;
	lock = secrets_lock();
	secrets_store(auth);
	secrets_unlock(lock);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl: access to the configfs tree.  KISS_CONFIGFS (environment) moves
 * the root, so the tool can be tested against a plain directory.
 *
 * Values are written the way "echo VALUE > file" writes them: one write(2)
 * of the value and a newline, so that the error of the kernel's store
 * method comes back from that write.  No O_CREAT and no O_TRUNC: configfs
 * attributes exist or they do not, and every open starts a fresh buffer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kissctl.h"

const char *cfs_root(void)
{
	const char *r = getenv("KISS_CONFIGFS");

	return r && *r ? r : KISS_CONFIGFS_ROOT;
}

int cfs_check_loaded(void)
{
	struct stat st;

	if (stat(cfs_root(), &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	kissctl_err("%s does not exist: load the module (modprobe kiss) and mount configfs",
		    cfs_root());
	return -1;
}

/* Absolute path of a printf-style path relative to the root. */
static int cfs_vpath(char *buf, size_t len, const char *fmt, va_list ap)
{
	int n = snprintf(buf, len, "%s/", cfs_root());
	int m;

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	m = vsnprintf(buf + n, len - n, fmt, ap);
	if (m < 0 || (size_t)m >= len - n)
		return -ENAMETOOLONG;
	return 0;
}

/* --- undo log --- */

enum cfs_undo_op { CFS_UNDO_RMDIR, CFS_UNDO_UNLINK, CFS_UNDO_WRITE };

struct cfs_undo {
	enum cfs_undo_op op;
	char	*path;
	char	*old;
};

static struct {
	struct cfs_undo	*v;
	size_t		n;
	bool		active;
} tx;

static void cfs_tx_free(void)
{
	size_t i;

	for (i = 0; i < tx.n; i++) {
		free(tx.v[i].path);
		free(tx.v[i].old);
	}
	free(tx.v);
	tx.v = NULL;
	tx.n = 0;
}

void cfs_tx_begin(void)
{
	cfs_tx_free();
	tx.active = true;
}

void cfs_tx_commit(void)
{
	cfs_tx_free();
	tx.active = false;
}

static void cfs_tx_log(enum cfs_undo_op op, const char *path, const char *old)
{
	struct cfs_undo *v;

	if (!tx.active)
		return;
	v = realloc(tx.v, (tx.n + 1) * sizeof(*v));
	if (!v)
		goto oom;
	tx.v = v;
	v[tx.n].op = op;
	v[tx.n].path = strdup(path);
	v[tx.n].old = old ? strdup(old) : NULL;
	if (!v[tx.n].path || (old && !v[tx.n].old))
		goto oom;
	tx.n++;
	return;
oom:
	kissctl_err("out of memory");
	exit(1);
}

/* Was @path's directory (or one above it) created by this command? */
static bool cfs_tx_created_parent(const char *path)
{
	size_t i, l;

	for (i = 0; i < tx.n; i++) {
		if (tx.v[i].op != CFS_UNDO_RMDIR)
			continue;
		l = strlen(tx.v[i].path);
		if (!strncmp(path, tx.v[i].path, l) && path[l] == '/')
			return true;
	}
	return false;
}

static const char *cfs_rel(const char *abs)
{
	size_t l = strlen(cfs_root());

	return strncmp(abs, cfs_root(), l) ? abs : abs + l + 1;
}

static int cfs_raw_write(const char *path, const char *val);

void cfs_tx_rollback(void)
{
	size_t i = tx.n;
	int ret;

	while (i--) {
		struct cfs_undo *u = &tx.v[i];

		switch (u->op) {
		case CFS_UNDO_RMDIR:
			ret = rmdir(u->path) ? -errno : 0;
			break;
		case CFS_UNDO_UNLINK:
			ret = unlink(u->path) ? -errno : 0;
			break;
		default:
			ret = cfs_raw_write(u->path, u->old);
			break;
		}
		if (ret)
			kissctl_err("rollback: cannot undo the change to %s: %s",
				    cfs_rel(u->path), cfs_strerror(ret));
	}
	cfs_tx_free();
	tx.active = false;
}

/* --- reads and writes --- */

static int cfs_raw_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int cfs_raw_write(const char *path, const char *val)
{
	char buf[KISS_VALUE_MAX + 2];
	size_t len = strlen(val);
	ssize_t n;
	int fd, err;

	if (len > KISS_VALUE_MAX)
		return -EINVAL;
	memcpy(buf, val, len);
	buf[len++] = '\n';
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	err = errno;
	/* configfs may report the store error only when the buffer is
	 * flushed, at close.
	 */
	if (close(fd) && n >= 0) {
		n = -1;
		err = errno;
	}
	if (n < 0)
		return -err;
	return (size_t)n == len ? 0 : -EIO;
}

bool cfs_exists(const char *fmt, ...)
{
	char path[PATH_MAX];
	struct stat st;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfs_vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	return !ret && lstat(path, &st) == 0;
}

bool cfs_is_dir(const char *fmt, ...)
{
	char path[PATH_MAX];
	struct stat st;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfs_vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	return !ret && lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Read one value, trailing newline removed; @buf is "" on error. */
int cfs_read(char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int ret;

	buf[0] = '\0';
	va_start(ap, fmt);
	ret = cfs_vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	ret = cfs_raw_read(path, buf, len);
	if (ret)
		buf[0] = '\0';
	return ret;
}

/* The whole of a multi-line file (sessions), malloc()ed, NUL-terminated. */
int cfs_read_text(char **out, const char *fmt, ...)
{
	char path[PATH_MAX], *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;
	va_list ap;
	int fd, ret;

	*out = NULL;
	va_start(ap, fmt);
	ret = cfs_vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			nb = realloc(buf, cap);
			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0)
			ret = -errno;
		else
			len += n;
	} while (n > 0 && len < (1U << 24));
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static int cfs_vwrite(const char *val, bool secret, const char *fmt,
		      va_list ap)
{
	char path[PATH_MAX], old[KISS_VALUE_MAX];
	const char *base;
	bool log;
	int ret;

	ret = cfs_vpath(path, sizeof(path), fmt, ap);
	if (ret)
		return ret;
	/*
	 * Attributes of an object this command created go away with its
	 * rmdir; "enable" is undone anyway, so the object is stopped before
	 * it is removed.  Secrets cannot be read back, so cannot be undone.
	 */
	base = strrchr(path, '/') + 1;
	log = tx.active && !secret &&
	      (!cfs_tx_created_parent(path) || !strcmp(base, "enable")) &&
	      !cfs_raw_read(path, old, sizeof(old));
	ret = cfs_raw_write(path, val);
	if (!ret && log)
		cfs_tx_log(CFS_UNDO_WRITE, path, old);
	return ret;
}

int cfs_write(const char *val, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfs_vwrite(val, false, fmt, ap);
	va_end(ap);
	return ret;
}

int cfs_write_secret(const char *val, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfs_vwrite(val, true, fmt, ap);
	va_end(ap);
	return ret;
}

/* --- objects and links --- */

int cfs_mkdir(const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfs_vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	if (mkdir(path, 0755))
		return -errno;
	cfs_tx_log(CFS_UNDO_RMDIR, path, NULL);
	return 0;
}

int cfs_rmdir(const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfs_vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	return rmdir(path) ? -errno : 0;
}

/* A symlink at @fmt... to the object @target_rel (both under the root). */
int cfs_link(const char *target_rel, const char *fmt, ...)
{
	char path[PATH_MAX], target[PATH_MAX];
	va_list ap;
	int ret, n;

	n = snprintf(target, sizeof(target), "%s/%s", cfs_root(), target_rel);
	if (n < 0 || (size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	ret = cfs_vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	if (symlink(target, path))
		return -errno;
	cfs_tx_log(CFS_UNDO_UNLINK, path, NULL);
	return 0;
}

int cfs_unlink(const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = cfs_vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	return unlink(path) ? -errno : 0;
}

static bool cfs_all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* LUN ids sort as numbers, everything else as bytes. */
static int cfs_name_cmp(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;

	if (cfs_all_digits(x) && cfs_all_digits(y)) {
		unsigned long nx = strtoul(x, NULL, 10);
		unsigned long ny = strtoul(y, NULL, 10);

		if (nx != ny)
			return nx < ny ? -1 : 1;
	}
	return strcmp(x, y);
}

/* The sorted entries of a directory; an absent directory is empty. */
int cfs_list(struct cfs_list *l, const char *fmt, ...)
{
	char path[PATH_MAX];
	struct dirent *de;
	va_list ap;
	DIR *d;
	int ret;

	l->names = NULL;
	l->n = 0;
	va_start(ap, fmt);
	ret = cfs_vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!ret && (de = readdir(d))) {
		char **nn, *name;

		if (de->d_name[0] == '.')
			continue;
		name = strdup(de->d_name);
		nn = name ? realloc(l->names, (l->n + 1) * sizeof(*nn)) : NULL;
		if (!nn) {
			free(name);
			ret = -ENOMEM;
			break;
		}
		l->names = nn;
		l->names[l->n++] = name;
	}
	closedir(d);
	if (ret) {
		cfs_list_free(l);
		return ret;
	}
	if (l->n)
		qsort(l->names, l->n, sizeof(*l->names), cfs_name_cmp);
	return 0;
}

void cfs_list_free(struct cfs_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	l->names = NULL;
	l->n = 0;
}

/* Words for what the kernel's configfs handlers return. */
const char *cfs_strerror(int err)
{
	switch (-err) {
	case EACCES:
	case EPERM:
		return "permission denied (run kissctl as root)";
	case EBUSY:
		return "busy: the object is in use or enabled; disable it first";
	case EINVAL:
		return "the kernel refused the value (dmesg names the allowed range)";
	case ENOENT:
		return "no such object or attribute (kiss module older than kissctl?)";
	case EEXIST:
		return "already exists";
	case ENOTEMPTY:
		return "not empty: remove what is inside first";
	case EADDRINUSE:
		return "port in use";
	case EADDRNOTAVAIL:
		return "address not available on this host";
	case ENXIO:
	case ENODEV:
		return "no such device";
	case ENOMEM:
	case ENOSPC:
		return "out of memory in the kernel";
	case ENAMETOOLONG:
		return "name too long";
	case EROFS:
		return "read-only";
	case EIO:
		return "I/O error";
	default:
		return strerror(-err);
	}
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KISSCTL_H
#define KISSCTL_H

#define KISS_CONFIGFS_ROOT	"/sys/kernel/config/kiss"

struct kissctl_cmd {
	const char *object;	/* "target", "lun", ... or NULL */
	const char *verb;	/* "add", "del", "show", ... */
	const char *usage;
	int (*run)(int argc, char **argv);
};

void kissctl_err(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* cfs.c: every access to configfs goes through here. */
const char *cfs_root(void);
int cfs_check_loaded(void);
int cfs_show_tree(const char *path, int depth);

#endif /* KISSCTL_H */

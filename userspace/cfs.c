// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl: access to the configfs tree.  KISS_CONFIGFS (environment) moves
 * the root, so the tool can be tested against a plain directory.
 */
#include <dirent.h>
#include <errno.h>
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

static int cfs_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print the tree under @path, directories first-level sorted, values inline. */
int cfs_show_tree(const char *path, int depth)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	DIR *d;
	int ret = 0;

	d = opendir(path);
	if (!d) {
		kissctl_err("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn) {
			ret = -1;
			break;
		}
		names = nn;
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			ret = -1;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cfs_name_cmp);

	for (i = 0; i < n; i++) {
		char child[4096];
		struct stat st;

		snprintf(child, sizeof(child), "%s/%s", path, names[i]);
		if (lstat(child, &st) != 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			printf("%*s%s -> (link)\n", depth * 2, "", names[i]);
		} else if (S_ISDIR(st.st_mode)) {
			printf("%*s%s/\n", depth * 2, "", names[i]);
			if (cfs_show_tree(child, depth + 1))
				ret = -1;
		} else {
			char buf[512] = "";
			FILE *f = fopen(child, "r");

			if (f) {
				size_t len = fread(buf, 1, sizeof(buf) - 1, f);

				buf[len] = '\0';
				buf[strcspn(buf, "\n")] = '\0';
				fclose(f);
			}
			printf("%*s%s = %s\n", depth * 2, "", names[i], buf);
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl: manage the kiss iSCSI target through configfs.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kissctl.h"

void kissctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("kissctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int cmd_show(int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		kissctl_err("show takes no arguments yet");
		return 1;
	}
	if (cfs_check_loaded())
		return 1;
	printf("%s/\n", cfs_root());
	return cfs_show_tree(cfs_root(), 1) ? 1 : 0;
}

static const struct kissctl_cmd commands[] = {
	{ NULL, "show", "kissctl show", cmd_show },
};

static void usage(FILE *f)
{
	size_t i;

	fputs("usage:\n", f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 1 : 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct kissctl_cmd *c = &commands[i];

		if (!c->object && !strcmp(argv[1], c->verb))
			return c->run(argc - 2, argv + 2);
		if (c->object && argc >= 3 && !strcmp(argv[1], c->object) &&
		    !strcmp(argv[2], c->verb))
			return c->run(argc - 3, argv + 3);
	}
	kissctl_err("unknown command '%s'; see kissctl --help", argv[1]);
	return 1;
}

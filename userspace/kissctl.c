// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl: manage the kiss iSCSI target through configfs.
 *
 * The command table and argument helpers.  Each command checks everything
 * it was given before it touches configfs, and rolls back what it created
 * when a step fails midway (cfs_tx_*).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kissctl.h"

static const struct kissctl_cmd commands[] = {
	{ "portal", "add", "NAME ADDR:PORT",
	  "Create portal NAME listening on ADDR:PORT (IPv6 in brackets: [::]:3260).",
	  cmd_portal_add },
	{ "portal", "del", "NAME",
	  "Stop and remove a portal.  Refused while a target links to it.",
	  cmd_portal_del },
	{ "portal", "set", "NAME KEY=VALUE...",
	  "Set connection limits of portal NAME (or the portal on ADDR:PORT).\n"
	  "Keys (any case):\n"
	  "  max_connections=1..65535  connections open through the portal at\n"
	  "                            once, logging in or logged in (default 1024)\n"
	  "  max_per_source=1..65535   of those, from one IP address (default 64)\n"
	  "A connection beyond either is closed as soon as it is accepted.  A new\n"
	  "limit applies to the next connection; open ones stay.",
	  cmd_portal_set },
	{ "portal", "get", "NAME [KEY]",
	  "Print KEY of portal NAME, or every KEY=VALUE (keys as for portal set).",
	  cmd_portal_get },
	{ "target", "add", "IQN [--portal ADDR:PORT]...",
	  "Create target IQN, link it to each portal and enable it.  A portal\n"
	  "listening on ADDR:PORT is reused; if there is none, one named ADDR:PORT\n"
	  "is created (e.g. 0.0.0.0:3260, [::1]:3260).  --portal also takes the\n"
	  "NAME of an existing portal.  Without --portal, every portal is linked.",
	  cmd_target_add },
	{ "target", "del", "IQN",
	  "Disable target IQN and remove it with its LUNs, ACLs and portal links.\n"
	  "Logged-in sessions are closed.  Portals stay.",
	  cmd_target_del },
	{ "target", "set", "IQN KEY=VALUE...",
	  "Set target attributes and negotiation defaults.  Keys (any case):\n"
	  "  enable=0|1  allow_any_initiator=0|1  alias=TEXT  tpgt=1..65535\n"
	  "  MaxRecvDataSegmentLength, MaxBurstLength, FirstBurstLength=512..16777215\n"
	  "  MaxOutstandingR2T=1..65535  QueueDepth=1..512\n"
	  "  ImmediateData, InitialR2T=Yes|No\n"
	  "  HeaderDigest, DataDigest=None|CRC32C|CRC32C,None|None,CRC32C\n"
	  "  NopInInterval=0..3600 (0 = off)  NopInTimeout=1..3600 (seconds)\n"
	  "  alua_group_id, alua_rel_port_id=1..65535  alua_preferred=0|1\n"
	  "  alua_state=active/optimized|active/non-optimized|standby|\n"
	  "             unavailable|transitioning\n"
	  "tpgt, alua_group_id and alua_rel_port_id only change while the target\n"
	  "is disabled (enable=0 in the same command).\n"
	  "All values are checked first; if the kernel refuses one, the ones\n"
	  "already written are put back.",
	  cmd_target_set },
	{ "target", "get", "IQN [KEY]",
	  "Print KEY of target IQN, or every KEY=VALUE (keys as for target set).",
	  cmd_target_get },
	{ "target", "auth", "IQN [--chap USER:SECRET [--mutual USER:SECRET] | --none]",
	  "CHAP asked of every initiator when allow_any_initiator=1.  Without\n"
	  "options, print the setting (never the secret).",
	  cmd_target_auth },
	{ "lun", "add", "IQN LUN DEVICE [--readonly] [--shared] [--serial S] [--wwn NAA]",
	  "Export block device DEVICE as LUN 0..255 of target IQN.  --serial sets\n"
	  "the unit serial number (VPD 0x80), --wwn the NAA identifier (VPD 0x83,\n"
	  "16 or 32 hex digits); set both to give a LUN the same identity on two\n"
	  "nodes.  --shared: other nodes export this device too (replicated), so\n"
	  "the LUN offers no reservations.  The device is opened exclusively.",
	  cmd_lun_add },
	{ "lun", "del", "IQN LUN",
	  "Disable LUN (waiting for its I/O) and remove it.",
	  cmd_lun_del },
	{ "acl", "add", "IQN INITIATOR_IQN [--chap USER:SECRET] [--mutual USER:SECRET] [--readonly]",
	  "Let INITIATOR_IQN log in to target IQN, with CHAP if --chap is given\n"
	  "(the initiator proves USER:SECRET) and mutual CHAP with --mutual (the\n"
	  "target proves USER:SECRET).  Secrets are 12 to 255 characters.\n"
	  "--readonly write-protects every LUN for this initiator.",
	  cmd_acl_add },
	{ "acl", "del", "IQN INITIATOR_IQN",
	  "Remove the ACL; the initiator's sessions are closed.",
	  cmd_acl_del },
	{ "acl", "auth", "IQN INITIATOR_IQN [--chap USER:SECRET [--mutual USER:SECRET] | --none]",
	  "Change the CHAP settings of an existing ACL (next login), or with\n"
	  "--none stop asking this initiator for CHAP.  Without options, print\n"
	  "the setting (never the secret).",
	  cmd_acl_auth },
	{ "discovery", "auth", "[--chap USER:SECRET [--mutual USER:SECRET] | --none]",
	  "Require CHAP on discovery sessions, or with --none stop requiring it.\n"
	  "Without options, print the setting (never the secret).",
	  cmd_discovery_auth },
	{ NULL, "show", "[--json] [IQN]",
	  "Portals, targets with their portals, LUNs, ACLs and sessions, and\n"
	  "discovery authentication.  Secrets are never shown.  --json prints the\n"
	  "schema of kissctl save without the secrets, plus each LUN's size and\n"
	  "block_size and each target's sessions; with IQN, that target's object.",
	  cmd_show },
	{ "session", "list", "[--json] [IQN]",
	  "One line per logged-in session: target, initiator, ISID, TSIH, CID,\n"
	  "peer and local address, digests, MaxRecvDataSegmentLength, counters,\n"
	  "and any other field the kernel reports.  --json: an array of objects.",
	  cmd_session_list },
	{ NULL, "save", "[FILE]",
	  "Write the whole configuration, CHAP secrets included, as JSON to FILE\n"
	  "(default " KISS_CONFIG_FILE ", - for standard output): a new\n"
	  "file of mode 0600, renamed over the old one.  The kernel never gives a\n"
	  "secret back: save takes them from " KISS_SECRETS_FILE ", where\n"
	  "kissctl keeps each secret it sets, and refuses (naming the object) if a\n"
	  "secret was set some other way.",
	  cmd_save },
	{ NULL, "restore", "[FILE]",
	  "Make the tree what FILE (default " KISS_CONFIG_FILE ") says: the\n"
	  "whole file is checked first; objects it does not name are removed; the\n"
	  "others are created or changed, only where they differ, so a second\n"
	  "restore changes nothing.  If the kernel refuses a value, the changes of\n"
	  "this restore are undone and the object is named.",
	  cmd_restore },
	{ NULL, "clear", "",
	  "Remove everything: targets (disabled first, then LUNs, ACLs, portal\n"
	  "links), portals, discovery CHAP.  Sessions are closed.",
	  cmd_clear },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const struct kissctl_cmd *current;
static char err_ctx[KISS_NAME_MAX * 2 + 64];

void kissctl_err_ctx(const char *fmt, ...)
{
	va_list ap;

	err_ctx[0] = '\0';
	if (!fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(err_ctx, sizeof(err_ctx), fmt, ap);
	va_end(ap);
}

void kissctl_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kissctl: %s", err_ctx);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void cmd_line(FILE *f, const struct kissctl_cmd *c, const char *indent)
{
	fprintf(f, "%skissctl %s%s%s%s%s\n", indent, c->object ? c->object : "",
		c->object ? " " : "", c->verb, c->args[0] ? " " : "", c->args);
}

void kissctl_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("kissctl: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Wrong arguments: the usage of the command, in one line. */
int kissctl_usage(void)
{
	fputs("kissctl: usage: ", stderr);
	cmd_line(stderr, current, "");
	return 1;
}

int kissctl_unknown_opt(const char *arg)
{
	kissctl_err("unknown option %s; see kissctl %s%s%s --help", arg,
		    current->object ? current->object : "",
		    current->object ? " " : "", current->verb);
	return 1;
}

/*
 * Is argv[*i] the option @name ("--name VALUE" or "--name=VALUE")?
 * 1 and *@val set, 0 if not, -1 (said why) if the value is missing.
 */
int kissctl_opt(int argc, char **argv, int *i, const char *name,
		const char **val)
{
	size_t l = strlen(name);

	if (!strcmp(argv[*i], name)) {
		if (*i + 1 >= argc) {
			kissctl_err("%s needs a value", name);
			return -1;
		}
		*val = argv[++*i];
		return 1;
	}
	if (!strncmp(argv[*i], name, l) && argv[*i][l] == '=') {
		*val = argv[*i] + l + 1;
		return 1;
	}
	return 0;
}

static void usage(FILE *f, const char *object)
{
	size_t i;

	fputs("usage:\n", f);
	for (i = 0; i < NCOMMANDS; i++)
		if (!object || (commands[i].object &&
				!strcmp(commands[i].object, object)))
			cmd_line(f, &commands[i], "  ");
	if (!object)
		fputs("\nkissctl CMD --help says more about each command.  The tree lives in\n"
		      "/sys/kernel/config/kiss (KISS_CONFIGFS overrides it).\n", f);
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

static int run(const struct kissctl_cmd *c, int argc, char **argv)
{
	int i;

	current = c;
	for (i = 0; i < argc; i++) {
		if (is_help(argv[i])) {
			fputs("usage: ", stdout);
			cmd_line(stdout, c, "");
			printf("\n%s\n", c->help);
			return 0;
		}
	}
	return c->run(argc, argv);
}

int main(int argc, char **argv)
{
	bool object = false;
	size_t i;

	if (argc < 2 || is_help(argv[1]) || !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout, NULL);
		return argc < 2 ? 1 : 0;
	}
	for (i = 0; i < NCOMMANDS; i++) {
		const struct kissctl_cmd *c = &commands[i];

		if (!c->object && !strcmp(argv[1], c->verb))
			return run(c, argc - 2, argv + 2);
		if (c->object && !strcmp(argv[1], c->object)) {
			object = true;
			if (argc >= 3 && !strcmp(argv[2], c->verb))
				return run(c, argc - 3, argv + 3);
		}
	}
	if (object && argc >= 3 && is_help(argv[2])) {
		usage(stdout, argv[1]);
		return 0;
	}
	if (object && argc >= 3)
		kissctl_err("unknown command '%s %s'; see kissctl %s --help",
			    argv[1], argv[2], argv[1]);
	else if (object)
		kissctl_err("%s needs a command; see kissctl %s --help", argv[1],
			    argv[1]);
	else
		kissctl_err("unknown command '%s'; see kissctl --help", argv[1]);
	return 1;
}

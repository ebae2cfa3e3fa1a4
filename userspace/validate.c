// SPDX-License-Identifier: GPL-2.0
/*
 * kissctl: checks of everything a user types, done before configfs is
 * touched.  The kernel validates again on write; these checks exist to
 * say precisely what is wrong, in one line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kissctl.h"

#define IQN_EXAMPLE "e.g. iqn.2026-11.org.example:disk1"

static bool is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return s[n] == '\0';
}

static int bad_name(const char *name, const char *what, const char *why)
{
	kissctl_err("bad %s '%s': %s; %s", what, name, why, IQN_EXAMPLE);
	return -1;
}

/*
 * RFC 3720 3.2.6.3 (RFC 7143 4.2.7): "iqn." yyyy-mm "." reversed domain
 * name [":" anything], "eui." 16 hex digits, or "naa." 16 or 32 hex digits
 * (RFC 3980).  iqn names are the normalized (lowercase) form.
 */
int valid_iscsi_name(const char *name, const char *what)
{
	size_t len = strlen(name);
	const char *p, *dom;
	char why[96];
	int month;

	if (!len)
		return bad_name(name, what, "empty");
	if (len > KISS_NAME_MAX)
		return bad_name(name, what, "longer than 223 bytes");
	if (!strncmp(name, "eui.", 4)) {
		if (!is_hex(name + 4, 16))
			return bad_name(name, what, "eui. must be followed by 16 hex digits");
		return 0;
	}
	if (!strncmp(name, "naa.", 4)) {
		if (!is_hex(name + 4, 16) && !is_hex(name + 4, 32))
			return bad_name(name, what, "naa. must be followed by 16 or 32 hex digits");
		return 0;
	}
	if (strncmp(name, "iqn.", 4))
		return bad_name(name, what, "must start with iqn., eui. or naa.");
	for (p = name; *p; p++) {
		if (isupper((unsigned char)*p))
			return bad_name(name, what, "uppercase letters (iSCSI names are lowercase)");
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    !strchr("-.:", *p)) {
			if (isprint((unsigned char)*p))
				snprintf(why, sizeof(why),
					 "character '%c' not allowed (only a-z 0-9 - . :)", *p);
			else
				snprintf(why, sizeof(why),
					 "byte 0x%02x not allowed (only a-z 0-9 - . :)",
					 (unsigned char)*p);
			return bad_name(name, what, why);
		}
	}
	p = name + 4;
	if (len < 11 || !isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || !isdigit((unsigned char)p[3]) || p[4] != '-' ||
	    !isdigit((unsigned char)p[5]) || !isdigit((unsigned char)p[6]))
		return bad_name(name, what, "expected a date yyyy-mm after iqn.");
	month = (p[5] - '0') * 10 + (p[6] - '0');
	if (month < 1 || month > 12)
		return bad_name(name, what, "month of the date must be 01 to 12");
	if (p[7] != '.')
		return bad_name(name, what, "expected '.' and a reversed domain name after the date");
	/* The naming authority: dot-separated labels up to ':' or the end. */
	dom = p + 8;
	for (p = dom; *p && *p != ':'; p++) {
		if (*p == '.' && (p == dom || p[-1] == '.'))
			break;
	}
	if (p == dom || (*p && *p != ':') || p[-1] == '.')
		return bad_name(name, what, "expected a reversed domain name (like org.example) after the date");
	return 0;
}

/* A well-formed name that exists under targets/. */
int valid_target(const char *iqn)
{
	if (valid_iscsi_name(iqn, "target name"))
		return -1;
	if (!cfs_is_dir("targets/%s", iqn)) {
		kissctl_err("no target %s; see kissctl show", iqn);
		return -1;
	}
	return 0;
}

int parse_lun(const char *s, unsigned int *lun)
{
	unsigned long v = 0;
	const char *p;

	for (p = s; *p && isdigit((unsigned char)*p) && v < 1000; p++)
		v = v * 10 + (*p - '0');
	if (!*s || *p || v >= KISS_MAX_LUNS) {
		kissctl_err("LUN must be a number from 0 to %d, not '%s'",
			    KISS_MAX_LUNS - 1, s);
		return -1;
	}
	*lun = v;
	return 0;
}

static int bad_addr(const char *s, bool quiet, const char *why)
{
	if (!quiet)
		kissctl_err("bad portal address '%s': %s; expected ADDR:PORT, e.g. 0.0.0.0:3260 or [::]:3260",
			    s, why);
	return -1;
}

/* ADDR:PORT with an IPv4 literal or an IPv6 literal in brackets. */
int parse_addr(const char *s, struct kiss_addr *a, bool quiet)
{
	char host[64];
	const char *port, *end;
	unsigned char bin[16];
	unsigned long v = 0;
	size_t hl;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return bad_addr(s, quiet, "missing ']'");
		hl = end - s - 1;
		if (end[1] != ':')
			return bad_addr(s, quiet, "missing :PORT");
		port = end + 2;
		if (hl >= sizeof(host))
			return bad_addr(s, quiet, "address too long");
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET6, host, bin) != 1)
			return bad_addr(s, quiet, "not an IPv6 address");
		a->v6 = true;
	} else {
		end = strrchr(s, ':');
		if (!end)
			return bad_addr(s, quiet, "missing :PORT");
		if (memchr(s, ':', end - s))
			return bad_addr(s, quiet, "IPv6 addresses go in brackets, [ADDR]:PORT");
		hl = end - s;
		port = end + 1;
		if (hl >= sizeof(host))
			return bad_addr(s, quiet, "address too long");
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET, host, bin) != 1)
			return bad_addr(s, quiet, "not an IPv4 address (host names are not resolved)");
	}
	for (end = port; isdigit((unsigned char)*end) && v <= 65535; end++)
		v = v * 10 + (*end - '0');
	if (!*port || *end || v < 1 || v > 65535)
		return bad_addr(s, quiet, "port must be 1 to 65535");
	inet_ntop(a->v6 ? AF_INET6 : AF_INET, bin, a->addr, sizeof(a->addr));
	a->port = v;
	snprintf(a->name, sizeof(a->name), a->v6 ? "[%s]:%u" : "%s:%u",
		 a->addr, a->port);
	return 0;
}

int valid_portal_name(const char *s)
{
	const char *p;

	if (!*s || strlen(s) > KISS_PORTAL_NAME_MAX || s[0] == '.') {
		kissctl_err("bad portal name '%s': 1 to %d characters, not starting with '.'",
			    s, KISS_PORTAL_NAME_MAX);
		return -1;
	}
	for (p = s; *p; p++) {
		if (!isgraph((unsigned char)*p) || *p == '/') {
			kissctl_err("bad portal name '%s': no '/', spaces or control characters",
				    s);
			return -1;
		}
	}
	return 0;
}

static bool has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* USER:SECRET for --chap and --mutual. */
int parse_chap(const char *s, const char *opt, struct kiss_chap *c)
{
	const char *colon = strchr(s, ':');
	size_t ul, sl;

	if (!colon) {
		kissctl_err("%s takes USER:SECRET, not '%s'", opt, s);
		return -1;
	}
	ul = colon - s;
	sl = strlen(colon + 1);
	if (!ul) {
		kissctl_err("%s: CHAP user name is empty", opt);
		return -1;
	}
	if (ul > KISS_USERID_MAX) {
		kissctl_err("%s: CHAP user name is longer than %d bytes", opt,
			    KISS_USERID_MAX);
		return -1;
	}
	if (sl < KISS_SECRET_MIN || sl > KISS_SECRET_MAX) {
		kissctl_err("%s: CHAP secret must be %d to %d characters (got %zu)",
			    opt, KISS_SECRET_MIN, KISS_SECRET_MAX, sl);
		return -1;
	}
	memcpy(c->user, s, ul);
	c->user[ul] = '\0';
	memcpy(c->secret, colon + 1, sl + 1);
	if (has_ctrl(c->user) || has_ctrl(c->secret)) {
		kissctl_err("%s: CHAP user name and secret must not contain control characters",
			    opt);
		return -1;
	}
	return 0;
}

int valid_chap_pair(const struct kiss_chap *chap,
		    const struct kiss_chap *mutual, bool has_chap,
		    bool has_mutual)
{
	if (has_mutual && !has_chap) {
		kissctl_err("--mutual needs --chap: the initiator authenticates first, then the target");
		return -1;
	}
	/* RFC 3720 8.2.1: a secret used in one direction MUST NOT be used in the other. */
	if (has_mutual && !strcmp(chap->secret, mutual->secret)) {
		kissctl_err("the --mutual secret must differ from the --chap secret (RFC 3720 8.2.1)");
		return -1;
	}
	return 0;
}

int valid_serial(const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (!isgraph((unsigned char)*p) || (unsigned char)*p > 0x7e)
			break;
	if (!*s || *p || p - s > KISS_SERIAL_MAX) {
		kissctl_err("bad --serial '%s': 1 to %d printable ASCII characters, no spaces",
			    s, KISS_SERIAL_MAX);
		return -1;
	}
	return 0;
}

/*
 * An NAA designator (SPC-4 7.8.6.6) as hex: 16 digits starting with 2, 3
 * or 5, or 32 digits starting with 6.  "naa." or "0x" in front is allowed.
 */
int parse_wwn(const char *s, char *out, size_t len)
{
	const char *h = s;
	size_t n, i;

	if (!strncasecmp(h, "naa.", 4) || !strncasecmp(h, "0x", 2))
		h += h[1] == 'x' || h[1] == 'X' ? 2 : 4;
	n = strlen(h);
	if (!((n == 16 && is_hex(h, 16) && strchr("235", h[0])) ||
	      (n == 32 && is_hex(h, 32) && h[0] == '6')) || n >= len) {
		kissctl_err("bad --wwn '%s': an NAA identifier is 16 hex digits starting with 2, 3 or 5, or 32 starting with 6",
			    s);
		return -1;
	}
	for (i = 0; i <= n; i++)
		out[i] = tolower((unsigned char)h[i]);
	return 0;
}

/*
 * @dev must be a block device.  @abs gets an absolute path (the kernel
 * opens it, not from our working directory); symlinks such as
 * /dev/disk/by-id/ are kept, they survive reboots.
 */
int valid_block_device(const char *dev, char *abs, size_t len, dev_t *rdev)
{
	char cwd[4096];
	struct stat st;
	int n;

	if (stat(dev, &st)) {
		if (errno == ENOENT || errno == ENOTDIR)
			kissctl_err("no such block device: %s", dev);
		else
			kissctl_err("cannot use %s: %s", dev, strerror(errno));
		return -1;
	}
	if (!S_ISBLK(st.st_mode)) {
		kissctl_err("%s is not a block device", dev);
		return -1;
	}
	if (dev[0] == '/')
		n = snprintf(abs, len, "%s", dev);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(abs, len, "%s/%s", cwd, dev);
	else
		n = -1;
	if (n < 0 || (size_t)n >= len || n > KISS_PATH_MAX) {
		kissctl_err("device path %s is too long (at most %d bytes)", dev,
			    KISS_PATH_MAX);
		return -1;
	}
	*rdev = st.st_rdev;
	return 0;
}

/* --- target attributes and negotiation defaults (configfs.md) --- */

const struct target_key target_keys[] = {
	{ "enable", "enable", TK_BOOL01, 0, 1, 0 },
	{ "alias", "alias", TK_TEXT, 0, KISS_ALIAS_MAX, 0 },
	{ "tpgt", "tpgt", TK_RANGE, 1, 65535, TKF_OFFLINE },
	{ "allow_any_initiator", "allow_any_initiator", TK_BOOL01, 0, 1, 0 },
	{ "MaxRecvDataSegmentLength", "params/MaxRecvDataSegmentLength",
	  TK_RANGE, 512, 16777215, 0 },
	{ "MaxBurstLength", "params/MaxBurstLength", TK_RANGE, 512, 16777215, 0 },
	{ "FirstBurstLength", "params/FirstBurstLength", TK_RANGE, 512, 16777215, 0 },
	{ "MaxOutstandingR2T", "params/MaxOutstandingR2T", TK_RANGE, 1, 65535, 0 },
	{ "ImmediateData", "params/ImmediateData", TK_YESNO, 0, 0, 0 },
	{ "InitialR2T", "params/InitialR2T", TK_YESNO, 0, 0, 0 },
	{ "HeaderDigest", "params/HeaderDigest", TK_DIGEST, 0, 0, 0 },
	{ "DataDigest", "params/DataDigest", TK_DIGEST, 0, 0, 0 },
	{ "QueueDepth", "params/QueueDepth", TK_RANGE, 1, 512, 0 },
	/* configfs.md gives no upper bound for these two; an hour is plenty. */
	{ "NopInInterval", "params/NopInInterval", TK_RANGE, 0, 3600, 0 },
	{ "NopInTimeout", "params/NopInTimeout", TK_RANGE, 1, 3600, 0 },
	/* implicit ALUA: the target's port and its target port group */
	{ "alua_group_id", "alua/group_id", TK_RANGE, 1, 65535, TKF_OFFLINE },
	{ "alua_rel_port_id", "alua/rel_port_id", TK_RANGE, 1, 65535, TKF_OFFLINE },
	{ "alua_state", "alua/state", TK_ALUA_STATE, 0, 0, 0 },
	{ "alua_preferred", "alua/preferred", TK_BOOL01, 0, 1, 0 },
};

const size_t target_keys_n = sizeof(target_keys) / sizeof(target_keys[0]);

/* Keys match without regard to case: "maxburstlength" is MaxBurstLength. */
const struct target_key *target_key_find(const char *name)
{
	size_t i;

	for (i = 0; i < target_keys_n; i++)
		if (!strcasecmp(name, target_keys[i].name))
			return &target_keys[i];
	return NULL;
}

/* A negotiation default (params/), or an attribute of alua/. */
bool target_key_is_param(const struct target_key *k)
{
	return !strncmp(k->file, "params/", 7);
}

bool target_key_is_alua(const struct target_key *k)
{
	return !strncmp(k->file, "alua/", 5);
}

/* The key of attribute @attr of alua/ ("state": alua_state), or NULL. */
const struct target_key *alua_key_find(const char *attr)
{
	size_t i;

	for (i = 0; i < target_keys_n; i++)
		if (target_key_is_alua(&target_keys[i]) &&
		    !strcmp(target_keys[i].file + 5, attr))
			return &target_keys[i];
	return NULL;
}

void target_keys_list(char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < target_keys_n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s", i ? " " : "",
				target_keys[i].name);
}

static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		int n = *s < 0x80 ? 0 : (*s & 0xe0) == 0xc0 ? 1 :
			(*s & 0xf0) == 0xe0 ? 2 : (*s & 0xf8) == 0xf0 ? 3 : -1;

		if (n < 0 || (n == 1 && *s < 0xc2))
			return false;
		for (s++; n; n--, s++)
			if ((*s & 0xc0) != 0x80)
				return false;
	}
	return true;
}

static const char *const digests[] = {
	"None", "CRC32C", "CRC32C,None", "None,CRC32C",
};

/* SPC-4 asymmetric access states, as kernel/alua.c names them. */
static const char *const alua_states[] = {
	"active/optimized", "active/non-optimized", "standby", "unavailable",
	"transitioning",
};

/* Check @val for @k and put the form the kernel expects in @norm. */
int target_key_check(const struct target_key *k, const char *val,
		     char *norm, size_t len)
{
	unsigned long v = 0;
	const char *p;
	size_t i;

	switch (k->kind) {
	case TK_BOOL01:
		if (strcmp(val, "0") && strcmp(val, "1")) {
			kissctl_err("%s must be 0 or 1, not '%s'", k->name, val);
			return -1;
		}
		snprintf(norm, len, "%s", val);
		return 0;
	case TK_RANGE:
		for (p = val; isdigit((unsigned char)*p) && v <= k->max; p++)
			v = v * 10 + (*p - '0');
		if (!*val || *p || v < k->min || v > k->max) {
			kissctl_err("%s must be %lu..%lu, not '%s'", k->name,
				    k->min, k->max, val);
			return -1;
		}
		snprintf(norm, len, "%lu", v);
		return 0;
	case TK_YESNO:
		if (strcasecmp(val, "Yes") && strcasecmp(val, "No")) {
			kissctl_err("%s must be Yes or No, not '%s'", k->name, val);
			return -1;
		}
		snprintf(norm, len, "%s", strcasecmp(val, "Yes") ? "No" : "Yes");
		return 0;
	case TK_DIGEST:
		for (i = 0; i < sizeof(digests) / sizeof(digests[0]); i++) {
			if (!strcasecmp(val, digests[i])) {
				snprintf(norm, len, "%s", digests[i]);
				return 0;
			}
		}
		kissctl_err("%s must be None, CRC32C, CRC32C,None or None,CRC32C, not '%s'",
			    k->name, val);
		return -1;
	case TK_ALUA_STATE:
		for (i = 0; i < sizeof(alua_states) / sizeof(alua_states[0]); i++) {
			if (!strcasecmp(val, alua_states[i])) {
				snprintf(norm, len, "%s", alua_states[i]);
				return 0;
			}
		}
		kissctl_err("%s must be active/optimized, active/non-optimized, standby, unavailable or transitioning, not '%s'",
			    k->name, val);
		return -1;
	case TK_TEXT:
		if (strlen(val) > k->max || has_ctrl(val) ||
		    !utf8_valid((const unsigned char *)val)) {
			kissctl_err("%s must be at most %lu bytes of printable UTF-8",
				    k->name, k->max);
			return -1;
		}
		snprintf(norm, len, "%s", val);
		return 0;
	}
	return -1;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: implicit asymmetric logical unit access (SPC-4 5.15).
 *
 * A kiss target has one target port (its name and TPGT), so it is one
 * target port group of one port: targets/<iqn>/alua/ holds the group's
 * identifier, the port's relative target port identifier and the access
 * state.  Nothing inside kiss changes the state; the cluster manager does,
 * through configfs, when the replicated device under the LUNs moves.
 * Two nodes that export one logical unit give their targets different
 * group and port identifiers, and the initiator (dm-multipath with
 * scsi_dh_alua) learns each path's state from REPORT TARGET PORT GROUPS
 * and from the unit attention a change raises.
 *
 * Only the local group is reported: a peer's state copied into this
 * node's configuration would go stale exactly when it matters, during a
 * failover.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/string.h>

#include "kiss.h"
#include "proto/scsi.h"

/* REPORT TARGET PORT GROUPS (SPC-4 6.36.2) */
#define KISS_RTPG_PREF		0x80
#define KISS_RTPG_T_SUP		0x80
#define KISS_RTPG_U_SUP		0x08
#define KISS_RTPG_S_SUP		0x04
#define KISS_RTPG_AN_SUP	0x02
#define KISS_RTPG_AO_SUP	0x01
#define KISS_RTPG_EXT_HDR	0x10	/* format type 001b */
#define KISS_RTPG_DESC_LEN	8
#define KISS_RTPG_PORT_LEN	4

static const char * const kiss_alua_names[] = {
	[KISS_ALUA_ACTIVE_OPTIMIZED]	= "active/optimized",
	[KISS_ALUA_ACTIVE_NONOPTIMIZED]	= "active/non-optimized",
	[KISS_ALUA_STANDBY]		= "standby",
	[KISS_ALUA_UNAVAILABLE]		= "unavailable",
	[KISS_ALUA_TRANSITIONING]	= "transitioning",
};

const char *kiss_alua_state_name(u8 state)
{
	if (state < ARRAY_SIZE(kiss_alua_names) && kiss_alua_names[state])
		return kiss_alua_names[state];
	return "?";
}

/**
 * kiss_alua_state_parse() - an access state from its configfs name
 * @s: "active/optimized", "active/non-optimized", "standby",
 *     "unavailable" or "transitioning", with or without a newline
 * @state: set on success
 *
 * Return: 0, or -EINVAL for anything else.
 */
int kiss_alua_state_parse(const char *s, u8 *state)
{
	u8 i;

	for (i = 0; i < ARRAY_SIZE(kiss_alua_names); i++) {
		if (kiss_alua_names[i] && sysfs_streq(kiss_alua_names[i], s)) {
			*state = i;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * kiss_alua_set_state() - change the target port group's access state
 * @target: the target
 * @state: a KISS_ALUA_* state
 *
 * Every I_T nexus is told with ASYMMETRIC ACCESS STATE CHANGED on each
 * of its LUNs (SPC-4 5.15.2.6); setting the state it already has tells
 * no one.  Context: process, configfs store under kiss_cfg_mutex.
 */
void kiss_alua_set_state(struct kiss_target *target, u8 state)
{
	if (READ_ONCE(target->alua.state) == state)
		return;
	WRITE_ONCE(target->alua.state, state);
	kiss_ua_set_target(target, KISS_MAX_LUNS, KISS_UA_ALUA_CHANGED, NULL);
	pr_info("%s: target port group %u now %s\n", target->name,
		target->alua.group_id, kiss_alua_state_name(state));
}

/* Standby (SPC-4 5.15.2.4.4): what describes the LU, not its medium. */
static bool kiss_alua_standby_ok(const struct kiss_cdb *c)
{
	switch (c->opcode) {
	case KISS_SCSI_INQUIRY:
	case KISS_SCSI_REPORT_LUNS:
	case KISS_SCSI_REQUEST_SENSE:
	case KISS_SCSI_MODE_SENSE_6:
	case KISS_SCSI_MODE_SENSE_10:
	case KISS_SCSI_MODE_SELECT_6:
	case KISS_SCSI_MODE_SELECT_10:
	case KISS_SCSI_PR_IN:
	case KISS_SCSI_PR_OUT:
	case KISS_SCSI_MAINTENANCE_IN:
	/* as LIO: Linux's sd reads the capacity of every path */
	case KISS_SCSI_READ_CAPACITY_10:
		return true;
	case KISS_SCSI_SERVICE_ACTION_IN_16:
		return c->sa == KISS_SAI_READ_CAPACITY_16;
	default:
		return false;
	}
}

/* Unavailable and transitioning (SPC-4 5.15.2.4.5, 5.15.2.4.6). */
static bool kiss_alua_unavailable_ok(const struct kiss_cdb *c)
{
	switch (c->opcode) {
	case KISS_SCSI_INQUIRY:
	case KISS_SCSI_REPORT_LUNS:
	case KISS_SCSI_REQUEST_SENSE:
		return true;
	case KISS_SCSI_MAINTENANCE_IN:
		return c->sa == KISS_MI_REPORT_TARGET_PGS;
	default:
		return false;
	}
}

/**
 * kiss_alua_check() - may the port's access state run this command?
 * @cmd: the command, its LUN pinned
 * @c: its decoded CDB
 *
 * Return: 0, or nonzero with @cmd failed with the NOT READY sense that
 * SPC-4 names for the state.
 */
int kiss_alua_check(struct kiss_cmd *cmd, const struct kiss_cdb *c)
{
	switch (READ_ONCE(cmd->sess->target->alua.state)) {
	case KISS_ALUA_STANDBY:
		if (kiss_alua_standby_ok(c))
			return 0;
		return kiss_scsi_fail_code(cmd, KISS_SENSE_ALUA_STANDBY);
	case KISS_ALUA_UNAVAILABLE:
		if (kiss_alua_unavailable_ok(c))
			return 0;
		return kiss_scsi_fail_code(cmd, KISS_SENSE_ALUA_UNAVAILABLE);
	case KISS_ALUA_TRANSITIONING:
		if (kiss_alua_unavailable_ok(c))
			return 0;
		return kiss_scsi_fail_code(cmd, KISS_SENSE_ALUA_TRANSITION);
	default:
		return 0;
	}
}

/**
 * kiss_alua_report() - REPORT TARGET PORT GROUPS parameter data
 * @target: the target
 * @extended: format 001b, with the extended header
 * @buf: at least KISS_ALUA_REPORT_MAX bytes, zeroed
 *
 * Return: the length of the data.
 */
int kiss_alua_report(const struct kiss_target *target, bool extended, u8 *buf)
{
	u32 hdr = extended ? 8 : 4;
	u8 *d = buf + hdr;
	u32 len;

	d[0] = READ_ONCE(target->alua.state);
	if (READ_ONCE(target->alua.preferred))
		d[0] |= KISS_RTPG_PREF;
	d[1] = KISS_RTPG_T_SUP | KISS_RTPG_U_SUP | KISS_RTPG_S_SUP |
	       KISS_RTPG_AN_SUP | KISS_RTPG_AO_SUP;
	put_unaligned_be16(READ_ONCE(target->alua.group_id), d + 2);
	d[7] = 1;			/* target port count */
	put_unaligned_be16(READ_ONCE(target->alua.rel_port_id),
			   d + KISS_RTPG_DESC_LEN + 2);
	len = hdr + KISS_RTPG_DESC_LEN + KISS_RTPG_PORT_LEN;
	put_unaligned_be32(len - 4, buf);
	if (extended)
		buf[4] = KISS_RTPG_EXT_HDR;	/* transition time unknown */
	return len;
}

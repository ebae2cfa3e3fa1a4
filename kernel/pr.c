// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: reservations and unit attentions, the state a logical unit keeps
 * per I_T nexus.
 *
 * An I_T nexus is an initiator port (iSCSI name plus ISID) seen through
 * the target's one target port.  Persistent reservations (SPC-4 5.9) are
 * keyed by it, so registrations outlive the session that made them and
 * come back with an initiator that logs in again with the same ISID.
 * SPC-2 RESERVE/RELEASE belongs to the session itself and ends with it,
 * as SPC-2 ends it on I_T nexus loss.
 *
 * All of a LUN's reservation state is under lun->res.lock, a spinlock:
 * every operation on it is a few list walks, and the nexus-loss hook runs
 * under RCU.  Unit attentions live in the session, under sess->ua_lock;
 * setting them walks target->sessions under target->sess_lock.  Order:
 * res.lock, then sess_lock, then ua_lock or a connection's tx_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kiss.h"
#include "proto/scsi.h"

/* The PERSISTENT RESERVE OUT basic parameter list (SPC-4 6.16.3). */
#define KISS_PROUT_PARAM_LEN	24
#define KISS_PROUT_SPEC_I_PT	BIT(3)
#define KISS_PROUT_ALL_TG_PT	BIT(2)
#define KISS_PROUT_APTPL	BIT(0)

/* Scope LU_SCOPE is the only one SPC-4 still defines. */
#define KISS_PR_SCOPE_LU	0

/* READ FULL STATUS: a descriptor's fixed part (SPC-4 6.15.5). */
#define KISS_PR_FULL_DESC_LEN	24

enum kiss_pr_type {
	KISS_PR_WRITE_EXCLUSIVE		= 1,
	KISS_PR_EXCLUSIVE_ACCESS	= 3,
	KISS_PR_WRITE_EXCLUSIVE_RO	= 5,
	KISS_PR_EXCLUSIVE_ACCESS_RO	= 6,
	KISS_PR_WRITE_EXCLUSIVE_AR	= 7,
	KISS_PR_EXCLUSIVE_ACCESS_AR	= 8,
};

/* ------------------------------------------------------------------ */
/* Unit attentions                                                     */

/* Highest priority first: the order kiss_ua_take() reports them in. */
static const enum kiss_sense_code kiss_ua_sense[KISS_UA_COUNT] = {
	[KISS_UA_POWER_ON]		= KISS_SENSE_POWER_ON_RESET,
	[KISS_UA_NEXUS_LOSS]		= KISS_SENSE_I_T_NEXUS_LOSS,
	[KISS_UA_RESET]			= KISS_SENSE_LUN_RESET,
	[KISS_UA_COMMANDS_CLEARED]	= KISS_SENSE_COMMANDS_CLEARED,
	[KISS_UA_RES_PREEMPTED]		= KISS_SENSE_RESERVATIONS_PREEMPTED,
	[KISS_UA_RES_RELEASED]		= KISS_SENSE_RESERVATIONS_RELEASED,
	[KISS_UA_REG_PREEMPTED]		= KISS_SENSE_REGISTRATIONS_PREEMPTED,
	[KISS_UA_MODE_CHANGED]		= KISS_SENSE_MODE_PARAMS_CHANGED,
	[KISS_UA_CAPACITY_CHANGED]	= KISS_SENSE_CAPACITY_CHANGED,
	[KISS_UA_ALUA_CHANGED]		= KISS_SENSE_ALUA_STATE_CHANGED,
	[KISS_UA_LUNS_CHANGED]		= KISS_SENSE_REPORTED_LUNS_CHANGED,
};

/**
 * kiss_ua_set() - establish a unit attention for one I_T_L nexus
 * @sess: the session (I_T nexus)
 * @lun_id: the LUN
 * @ua: which condition
 */
void kiss_ua_set(struct kiss_session *sess, u32 lun_id, enum kiss_ua ua)
{
	if (WARN_ON_ONCE(lun_id >= KISS_MAX_LUNS || ua >= KISS_UA_COUNT))
		return;
	spin_lock(&sess->ua_lock);
	sess->ua[lun_id] |= BIT(ua);
	spin_unlock(&sess->ua_lock);
}

/**
 * kiss_ua_set_target() - establish a unit attention for many nexuses
 * @target: the target whose sessions get it
 * @lun_id: the LUN, or KISS_MAX_LUNS for every LUN
 * @ua: which condition
 * @except: a session that does not get it (the one that caused it), or
 *	    NULL
 */
void kiss_ua_set_target(struct kiss_target *target, u32 lun_id,
			enum kiss_ua ua, const struct kiss_session *except)
{
	struct kiss_session *sess;
	u32 i;

	spin_lock(&target->sess_lock);
	list_for_each_entry(sess, &target->sessions, entry) {
		if (sess == except)
			continue;
		if (lun_id < KISS_MAX_LUNS) {
			kiss_ua_set(sess, lun_id, ua);
			continue;
		}
		for (i = 0; i < KISS_MAX_LUNS; i++)
			if (rcu_access_pointer(target->luns[i]))
				kiss_ua_set(sess, i, ua);
	}
	spin_unlock(&target->sess_lock);
}

/* An I_T nexus is named by its initiator's name and its ISID. */
static bool kiss_nexus_eq(const char *name, const u8 *isid,
			  const char *name2, const u8 *isid2)
{
	return !strcmp(name, name2) && !memcmp(isid, isid2, 6);
}

/* The nexus of a registration, among the target's sessions. */
static void kiss_ua_set_nexus(struct kiss_target *target, u32 lun_id,
			      const char *initiator, const u8 *isid,
			      enum kiss_ua ua)
{
	struct kiss_session *sess;

	spin_lock(&target->sess_lock);
	list_for_each_entry(sess, &target->sessions, entry)
		if (kiss_nexus_eq(sess->initiator, sess->isid, initiator,
				  isid))
			kiss_ua_set(sess, lun_id, ua);
	spin_unlock(&target->sess_lock);
}

/**
 * kiss_ua_take() - report and clear the highest unit attention pending
 * @sess: the session
 * @lun_id: the LUN the command addresses
 * @code: the condition's sense code, if one was pending
 *
 * Return: true if a unit attention was pending (and is now cleared).
 */
bool kiss_ua_take(struct kiss_session *sess, u32 lun_id,
		  enum kiss_sense_code *code)
{
	bool found = false;
	int bit;

	if (lun_id >= KISS_MAX_LUNS || !READ_ONCE(sess->ua[lun_id]))
		return false;
	spin_lock(&sess->ua_lock);
	if (sess->ua[lun_id]) {
		bit = __ffs(sess->ua[lun_id]);
		sess->ua[lun_id] &= ~BIT(bit);
		*code = kiss_ua_sense[bit];
		found = true;
	}
	spin_unlock(&sess->ua_lock);
	return found;
}

/* REPORT LUNS clears REPORTED LUNS DATA HAS CHANGED (SPC-4 6.33). */
void kiss_ua_clear(struct kiss_session *sess, u32 lun_id, enum kiss_ua ua)
{
	if (lun_id >= KISS_MAX_LUNS)
		return;
	spin_lock(&sess->ua_lock);
	sess->ua[lun_id] &= ~BIT(ua);
	spin_unlock(&sess->ua_lock);
}

/* ------------------------------------------------------------------ */
/* Reservation state                                                   */

void kiss_res_init(struct kiss_lun_res *res)
{
	spin_lock_init(&res->lock);
	INIT_LIST_HEAD(&res->regs);
}

void kiss_res_free(struct kiss_lun_res *res)
{
	struct kiss_pr_reg *reg, *tmp;

	list_for_each_entry_safe(reg, tmp, &res->regs, entry)
		kfree(reg);
	INIT_LIST_HEAD(&res->regs);
}

/* The registration of the initiator port @name, @isid, or NULL. */
static struct kiss_pr_reg *kiss_reg_find_port(struct kiss_lun_res *res,
					      const char *name, const u8 *isid)
{
	struct kiss_pr_reg *reg;

	list_for_each_entry(reg, &res->regs, entry)
		if (kiss_nexus_eq(reg->initiator, reg->isid, name, isid))
			return reg;
	return NULL;
}

static struct kiss_pr_reg *kiss_reg_find(struct kiss_lun_res *res,
					 const struct kiss_session *sess)
{
	return kiss_reg_find_port(res, sess->initiator, sess->isid);
}

static bool kiss_pr_type_all_reg(u8 type)
{
	return type == KISS_PR_WRITE_EXCLUSIVE_AR ||
	       type == KISS_PR_EXCLUSIVE_ACCESS_AR;
}

static bool kiss_pr_type_reg_only(u8 type)
{
	return type == KISS_PR_WRITE_EXCLUSIVE_RO ||
	       type == KISS_PR_EXCLUSIVE_ACCESS_RO;
}

/* Does @reg hold the persistent reservation (SPC-4 5.9.10)? */
static bool kiss_pr_is_holder(const struct kiss_lun_res *res,
			      const struct kiss_pr_reg *reg)
{
	if (!res->type || !reg)
		return false;
	return kiss_pr_type_all_reg(res->type) || res->holder == reg;
}

static void kiss_res_update_active(struct kiss_lun_res *res)
{
	WRITE_ONCE(res->active, res->spc2_holder || !list_empty(&res->regs));
}

/*
 * Which commands a reservation lets through, SPC-4 5.9.1 table 64 and
 * SBC-3 table 13: what neither reads nor writes the medium always runs;
 * reads are refused only by the exclusive-access types.
 */
enum kiss_res_class {
	KISS_RES_ALLOWED,
	KISS_RES_READ,
	KISS_RES_WRITE,
};

static enum kiss_res_class kiss_res_classify(const struct kiss_cdb *c)
{
	switch (c->opcode) {
	case KISS_SCSI_INQUIRY:
	case KISS_SCSI_REPORT_LUNS:
	case KISS_SCSI_REQUEST_SENSE:
	case KISS_SCSI_PR_IN:
	case KISS_SCSI_PR_OUT:		/* checked per service action */
	case KISS_SCSI_MAINTENANCE_IN:	/* RTPG, REPORT SUPPORTED OPCODES */
	case KISS_SCSI_TEST_UNIT_READY:
	case KISS_SCSI_READ_CAPACITY_10:
		return KISS_RES_ALLOWED;
	case KISS_SCSI_SERVICE_ACTION_IN_16:
		return c->sa == KISS_SAI_READ_CAPACITY_16 ? KISS_RES_ALLOWED :
							     KISS_RES_READ;
	case KISS_SCSI_RESERVE_6:
	case KISS_SCSI_RELEASE_6:
	case KISS_SCSI_RESERVE_10:
	case KISS_SCSI_RELEASE_10:
		return KISS_RES_WRITE;
	default:
		break;
	}
	switch (c->kind) {
	case KISS_CDB_READ:
	case KISS_CDB_VERIFY:
		return KISS_RES_READ;
	case KISS_CDB_OTHER:
		/* MODE SENSE, PRE-FETCH: reads; MODE SELECT & co: writes */
		return c->dir == KISS_DIR_OUT ||
		       c->opcode == KISS_SCSI_START_STOP_UNIT ||
		       c->opcode == KISS_SCSI_PREVENT_ALLOW ?
		       KISS_RES_WRITE : KISS_RES_READ;
	default:
		return KISS_RES_WRITE;
	}
}

/**
 * kiss_res_check() - does a reservation refuse this command?
 * @cmd: the command, its LUN pinned
 * @c: its decoded CDB
 *
 * Return: true if @cmd must end with RESERVATION CONFLICT.
 */
bool kiss_res_check(struct kiss_cmd *cmd, const struct kiss_cdb *c)
{
	struct kiss_lun_res *res = &cmd->lun->res;
	enum kiss_res_class class = kiss_res_classify(c);
	struct kiss_pr_reg *reg;
	bool conflict = false;

	if (!READ_ONCE(res->active))
		return false;

	spin_lock(&res->lock);
	if (res->spc2_holder && res->spc2_holder != cmd->sess) {
		/*
		 * SPC-2 7.21: another nexus's RESERVE lets only these
		 * through; RELEASE from us succeeds without effect.
		 */
		switch (c->opcode) {
		case KISS_SCSI_INQUIRY:
		case KISS_SCSI_REPORT_LUNS:
		case KISS_SCSI_REQUEST_SENSE:
		case KISS_SCSI_RELEASE_6:
		case KISS_SCSI_RELEASE_10:
		case KISS_SCSI_PR_IN:
		case KISS_SCSI_MAINTENANCE_IN:
			break;
		default:
			conflict = true;
			break;
		}
		goto out;
	}
	/* SPC-4 5.9.3: with registrations, RESERVE/RELEASE conflict. */
	if (!list_empty(&res->regs) &&
	    (c->opcode == KISS_SCSI_RESERVE_6 ||
	     c->opcode == KISS_SCSI_RESERVE_10 ||
	     c->opcode == KISS_SCSI_RELEASE_6 ||
	     c->opcode == KISS_SCSI_RELEASE_10)) {
		conflict = true;
		goto out;
	}
	if (!res->type || class == KISS_RES_ALLOWED)
		goto out;
	reg = kiss_reg_find(res, cmd->sess);
	if (kiss_pr_is_holder(res, reg))
		goto out;
	/* Registrants share the *_RO and *_AR reservations. */
	if (reg && (kiss_pr_type_reg_only(res->type) ||
		    kiss_pr_type_all_reg(res->type)))
		goto out;
	switch (res->type) {
	case KISS_PR_WRITE_EXCLUSIVE:
	case KISS_PR_WRITE_EXCLUSIVE_RO:
	case KISS_PR_WRITE_EXCLUSIVE_AR:
		conflict = class == KISS_RES_WRITE;
		break;
	default:
		conflict = true;
		break;
	}
out:
	spin_unlock(&res->lock);
	return conflict;
}

/**
 * kiss_res_nexus_lost() - a session ended: drop its SPC-2 reservations
 * @sess: the session, already off its target's list
 */
void kiss_res_nexus_lost(struct kiss_session *sess)
{
	struct kiss_target *target = sess->target;
	struct kiss_lun *lun;
	u32 i;

	if (!target)
		return;
	rcu_read_lock();
	for (i = 0; i < KISS_MAX_LUNS; i++) {
		lun = rcu_dereference(target->luns[i]);
		if (!lun || READ_ONCE(lun->res.spc2_holder) != sess)
			continue;
		spin_lock(&lun->res.lock);
		if (lun->res.spc2_holder == sess) {
			lun->res.spc2_holder = NULL;
			kiss_res_update_active(&lun->res);
		}
		spin_unlock(&lun->res.lock);
	}
	rcu_read_unlock();
}

/**
 * kiss_res_reset() - a LUN or target reset: SPC-2 reservations end
 * @lun: the LUN
 *
 * Persistent reservations survive resets (SPC-4 5.9.1).
 */
void kiss_res_reset(struct kiss_lun *lun)
{
	spin_lock(&lun->res.lock);
	lun->res.spc2_holder = NULL;
	kiss_res_update_active(&lun->res);
	spin_unlock(&lun->res.lock);
}

/* ------------------------------------------------------------------ */
/* RESERVE(6/10), RELEASE(6/10)                                        */

/**
 * kiss_res_reserve() - SPC-2 RESERVE and RELEASE
 * @cmd: the command; kiss_res_check() let it through
 * @reserve: RESERVE, else RELEASE
 *
 * A RESERVE held by another nexus ends @cmd with RESERVATION CONFLICT.
 */
void kiss_res_reserve(struct kiss_cmd *cmd, bool reserve)
{
	struct kiss_lun_res *res = &cmd->lun->res;

	spin_lock(&res->lock);
	if (reserve) {
		if (res->spc2_holder && res->spc2_holder != cmd->sess)
			cmd->status = KISS_SAM_STAT_RESERVATION_CONFLICT;
		else
			res->spc2_holder = cmd->sess;
	} else if (res->spc2_holder == cmd->sess) {
		res->spc2_holder = NULL;
	}
	kiss_res_update_active(res);
	spin_unlock(&res->lock);
}

/* ------------------------------------------------------------------ */
/* PERSISTENT RESERVE OUT                                              */

struct kiss_prout {
	u64	key;		/* RESERVATION KEY */
	u64	sa_key;		/* SERVICE ACTION RESERVATION KEY */
	u8	flags;
	u8	scope;
	u8	type;
};

static void kiss_pr_conflict(struct kiss_cmd *cmd)
{
	cmd->status = KISS_SAM_STAT_RESERVATION_CONFLICT;
}

static bool kiss_pr_type_valid(u8 type)
{
	switch (type) {
	case KISS_PR_WRITE_EXCLUSIVE:
	case KISS_PR_EXCLUSIVE_ACCESS:
	case KISS_PR_WRITE_EXCLUSIVE_RO:
	case KISS_PR_EXCLUSIVE_ACCESS_RO:
	case KISS_PR_WRITE_EXCLUSIVE_AR:
	case KISS_PR_EXCLUSIVE_ACCESS_AR:
		return true;
	default:
		return false;
	}
}

/* A unit attention for the nexus of @reg. */
static void kiss_pr_tell(struct kiss_lun *lun, const struct kiss_pr_reg *reg,
			 enum kiss_ua ua)
{
	kiss_ua_set_nexus(lun->target, lun->id, reg->initiator, reg->isid, ua);
}

/* RESERVATIONS RELEASED for every registrant but @except (SPC-4 5.9.11). */
static void kiss_pr_tell_released(struct kiss_lun *lun,
				  const struct kiss_pr_reg *except)
{
	struct kiss_pr_reg *other;

	list_for_each_entry(other, &lun->res.regs, entry)
		if (other != except)
			kiss_pr_tell(lun, other, KISS_UA_RES_RELEASED);
}

/*
 * PREEMPT AND ABORT (SPC-4 5.9.11.5) aborts the commands of the nexuses it
 * preempts.  Those still waiting for their data are refused when it comes
 * (kiss_scsi_exec() checks the reservation again).  Those at the device
 * cannot be recalled: the PREEMPT AND ABORT is answered only once they
 * have ended, so that when the preempting nexus hears GOOD nothing a
 * preempted nexus started can still reach the medium.  No thread waits
 * meanwhile.  The waiting ones are on lun->fence_waiters in the order in
 * which they preempted (under res->lock), and end in that order, each once
 * its own commands have ended: a later one need not count what an earlier
 * one counted, nor the earlier one itself, and never holds one back.
 */
struct kiss_pr_abort {
	struct kiss_cmd	*cmd;		/* the PREEMPT AND ABORT */
	bool		listed;		/* on lun->fence_waiters */
};

/* Move the waiters that may end now to @ready; under lun->fence_lock. */
static void kiss_pr_fence_pop(struct kiss_lun *lun, struct list_head *ready)
{
	struct kiss_cmd *pa, *tmp;

	list_for_each_entry_safe(pa, tmp, &lun->fence_waiters, fence_entry) {
		if (pa->fence_pending)
			break;
		list_move_tail(&pa->fence_entry, ready);
	}
}

static void kiss_pr_fence(struct kiss_pr_abort *abort,
			  const struct kiss_pr_reg *reg)
{
	struct kiss_cmd *pa = abort->cmd;
	struct kiss_lun *lun = pa->lun;
	struct kiss_session *sess;
	unsigned long flags;

	if (!abort->listed) {
		/* Held back by one until kiss_pr_fence_end(). */
		spin_lock_irqsave(&lun->fence_lock, flags);
		pa->fence_pending = 1;
		list_add_tail(&pa->fence_entry, &lun->fence_waiters);
		spin_unlock_irqrestore(&lun->fence_lock, flags);
		abort->listed = true;
	}
	spin_lock(&lun->target->sess_lock);
	list_for_each_entry(sess, &lun->target->sessions, entry)
		if (kiss_nexus_eq(sess->initiator, sess->isid, reg->initiator,
				  reg->isid))
			kiss_conn_fence(sess->conn, pa);
	spin_unlock(&lun->target->sess_lock);
}

/**
 * kiss_pr_fence_count() - one more command for a PREEMPT AND ABORT
 * @pa: the PREEMPT AND ABORT
 *
 * Context: kiss_conn_fence(), under the command's conn->tx_lock.
 */
void kiss_pr_fence_count(struct kiss_cmd *pa)
{
	spin_lock(&pa->lun->fence_lock);
	pa->fence_pending++;
	spin_unlock(&pa->lun->fence_lock);
}

/**
 * kiss_pr_unfence() - a command a PREEMPT AND ABORT waits for has ended
 * @cmd: the command (cmd->fence_pa set)
 * @ready: where the PREEMPT AND ABORTs to end now go
 *
 * Context: under @cmd's conn->tx_lock, interrupts off.
 */
void kiss_pr_unfence(struct kiss_cmd *cmd, struct list_head *ready)
{
	struct kiss_lun *lun = cmd->lun;

	spin_lock(&lun->fence_lock);
	cmd->fence_pa->fence_pending--;
	kiss_pr_fence_pop(lun, ready);
	spin_unlock(&lun->fence_lock);
}

/* Let @pa go; false if it may end now (kiss_pr_out()'s caller ends it). */
static bool kiss_pr_fence_end(struct kiss_cmd *pa)
{
	struct kiss_lun *lun = pa->lun;
	struct kiss_cmd *p, *tmp;
	unsigned long flags;
	LIST_HEAD(ready);
	bool wait = true;

	spin_lock_irqsave(&lun->fence_lock, flags);
	pa->fence_pending--;
	kiss_pr_fence_pop(lun, &ready);
	spin_unlock_irqrestore(&lun->fence_lock, flags);
	/* Later ones, done already, may have been waiting for this one. */
	list_for_each_entry_safe(p, tmp, &ready, fence_entry) {
		list_del_init(&p->fence_entry);
		if (p == pa)
			wait = false;
		else
			kiss_cmd_done(p);
	}
	return wait;
}

/*
 * Remove the registrations of other nexuses, every one (@all) or those
 * with @key, each told REGISTRATIONS PREEMPTED; how many went.  With
 * @abort (PREEMPT AND ABORT), their commands are fenced.
 */
static int kiss_pr_remove(struct kiss_lun *lun, bool all, u64 key,
			  struct kiss_pr_reg *keep,
			  struct kiss_pr_abort *abort)
{
	struct kiss_lun_res *res = &lun->res;
	struct kiss_pr_reg *other, *tmp;
	int n = 0;

	list_for_each_entry_safe(other, tmp, &res->regs, entry) {
		if (other == keep || (!all && other->key != key))
			continue;
		kiss_pr_tell(lun, other, KISS_UA_REG_PREEMPTED);
		if (abort)
			kiss_pr_fence(abort, other);
		if (res->holder == other)
			res->holder = NULL;
		list_del(&other->entry);
		res->nr_regs--;
		kfree(other);
		n++;
	}
	return n;
}

/* Drop @reg; the reservation goes with its holder (SPC-4 5.9.11). */
static void kiss_pr_unregister(struct kiss_lun *lun, struct kiss_pr_reg *reg)
{
	struct kiss_lun_res *res = &lun->res;
	bool release = false;

	if (res->type) {
		if (kiss_pr_type_all_reg(res->type))
			release = list_is_singular(&res->regs);
		else
			release = res->holder == reg;
	}
	list_del(&reg->entry);
	res->nr_regs--;
	if (release) {
		/* SPC-4 5.9.11.2: registrants-only types tell the others */
		if (kiss_pr_type_reg_only(res->type))
			kiss_pr_tell_released(lun, NULL);
		res->type = 0;
	}
	if (res->holder == reg)
		res->holder = NULL;
	kfree(reg);
}

static void kiss_prout_register(struct kiss_cmd *cmd,
				const struct kiss_prout *p, bool ignore_key,
				struct kiss_pr_reg **spare)
{
	struct kiss_lun *lun = cmd->lun;
	struct kiss_lun_res *res = &lun->res;
	struct kiss_pr_reg *reg = kiss_reg_find(res, cmd->sess);

	if (!reg) {
		if (!ignore_key && p->key) {
			kiss_pr_conflict(cmd);
			return;
		}
		if (!p->sa_key)
			return;		/* nothing to do (SPC-4 5.9.7) */
		if (res->nr_regs >= KISS_PR_MAX_REGS) {
			kiss_scsi_fail_code(cmd, KISS_SENSE_INSUFFICIENT_REG_RESOURCES);
			return;
		}
		reg = *spare;
		*spare = NULL;
		reg->key = p->sa_key;
		reg->all_tg_pt = p->flags & KISS_PROUT_ALL_TG_PT;
		strscpy(reg->initiator, cmd->sess->initiator,
			sizeof(reg->initiator));
		memcpy(reg->isid, cmd->sess->isid, sizeof(reg->isid));
		list_add_tail(&reg->entry, &res->regs);
		res->nr_regs++;
		res->generation++;
		return;
	}
	if (!ignore_key && p->key != reg->key) {
		kiss_pr_conflict(cmd);
		return;
	}
	if (p->sa_key)
		reg->key = p->sa_key;
	else
		kiss_pr_unregister(lun, reg);
	res->generation++;
}

static void kiss_prout_reserve(struct kiss_cmd *cmd,
			       const struct kiss_prout *p,
			       struct kiss_pr_reg *reg)
{
	struct kiss_lun_res *res = &cmd->lun->res;

	if (res->type) {
		/* SPC-4 5.9.9: the holder may repeat it, nobody else */
		if (!kiss_pr_is_holder(res, reg) || res->type != p->type)
			kiss_pr_conflict(cmd);
		return;
	}
	res->type = p->type;
	res->holder = reg;
}

static void kiss_prout_release(struct kiss_cmd *cmd,
			       const struct kiss_prout *p,
			       struct kiss_pr_reg *reg)
{
	struct kiss_lun *lun = cmd->lun;
	struct kiss_lun_res *res = &lun->res;

	if (!kiss_pr_is_holder(res, reg))
		return;		/* GOOD, nothing released (5.9.11.2) */
	if (res->type != p->type) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_INVALID_RELEASE_OF_PR);
		return;
	}
	if (res->type != KISS_PR_WRITE_EXCLUSIVE &&
	    res->type != KISS_PR_EXCLUSIVE_ACCESS)
		kiss_pr_tell_released(lun, reg);
	res->type = 0;
	res->holder = NULL;
}

static void kiss_prout_clear(struct kiss_cmd *cmd, struct kiss_pr_reg *reg)
{
	struct kiss_lun *lun = cmd->lun;
	struct kiss_lun_res *res = &lun->res;
	struct kiss_pr_reg *other, *tmp;

	list_for_each_entry_safe(other, tmp, &res->regs, entry) {
		if (other != reg)
			kiss_pr_tell(lun, other, KISS_UA_RES_PREEMPTED);
		list_del(&other->entry);
		kfree(other);
	}
	res->nr_regs = 0;
	res->type = 0;
	res->holder = NULL;
	res->generation++;
}

static void kiss_prout_preempt(struct kiss_cmd *cmd,
			       const struct kiss_prout *p,
			       struct kiss_pr_reg *reg,
			       struct kiss_pr_abort *abort)
{
	struct kiss_lun *lun = cmd->lun;
	struct kiss_lun_res *res = &lun->res;
	u8 old_type = res->type;

	/* SPC-4 5.9.11.4: an all-registrants reservation and key 0 */
	if (res->type && kiss_pr_type_all_reg(res->type) && !p->sa_key) {
		kiss_pr_remove(lun, true, 0, reg, abort);
		res->type = p->type;
		res->holder = reg;
		res->generation++;
		return;
	}
	if (!res->type || kiss_pr_type_all_reg(res->type) ||
	    !res->holder || res->holder->key != p->sa_key) {
		/* only registrations go (5.9.11.4.3) */
		if (!p->sa_key) {
			kiss_scsi_fail_code(cmd, KISS_SENSE_INVALID_FIELD_IN_PARAM);
			return;
		}
		if (!kiss_pr_remove(lun, false, p->sa_key, NULL, abort)) {
			kiss_pr_conflict(cmd);
			return;
		}
		res->generation++;
		return;
	}
	/* The holder is preempted: the reservation moves to us. */
	kiss_pr_remove(lun, false, p->sa_key, reg, abort);
	res->type = p->type;
	res->holder = reg;
	if (old_type != p->type)
		kiss_pr_tell_released(lun, reg);
	res->generation++;
}

/*
 * REGISTER AND MOVE (SPC-4 5.9.8): the holder hands its reservation, same
 * type, to another I_T nexus, which it registers with the service action
 * key (or whose key it replaces).  kiss has one target port, so the
 * relative target port must be its own; the destination need not be
 * logged in, as registrations are kept by initiator port.
 */
static void kiss_prout_move(struct kiss_cmd *cmd, const struct kiss_pr_move *m,
			    struct kiss_pr_reg **spare)
{
	struct kiss_lun *lun = cmd->lun;
	struct kiss_lun_res *res = &lun->res;
	u16 rtpi = READ_ONCE(lun->target->alua.rel_port_id);
	struct kiss_pr_reg *reg, *dest;

	reg = kiss_reg_find(res, cmd->sess);
	if (!reg || reg->key != m->key) {
		kiss_pr_conflict(cmd);
		return;
	}
	if (!m->sa_key || m->rtpi != rtpi ||
	    kiss_nexus_eq(reg->initiator, reg->isid, m->name, m->isid)) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_INVALID_FIELD_IN_PARAM);
		return;
	}
	if (!res->type) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_INVALID_FIELD_IN_CDB);
		return;
	}
	/* all-registrants reservations have no single holder to move */
	if (kiss_pr_type_all_reg(res->type) || !kiss_pr_is_holder(res, reg)) {
		kiss_pr_conflict(cmd);
		return;
	}
	dest = kiss_reg_find_port(res, m->name, m->isid);
	if (!dest) {
		if (res->nr_regs >= KISS_PR_MAX_REGS) {
			kiss_scsi_fail_code(cmd, KISS_SENSE_INSUFFICIENT_REG_RESOURCES);
			return;
		}
		dest = *spare;
		*spare = NULL;
		strscpy(dest->initiator, m->name, sizeof(dest->initiator));
		memcpy(dest->isid, m->isid, sizeof(dest->isid));
		list_add_tail(&dest->entry, &res->regs);
		res->nr_regs++;
	}
	dest->key = m->sa_key;
	res->holder = dest;
	if (m->unreg)
		kiss_pr_unregister(lun, reg);	/* no longer the holder */
	res->generation++;
}

/* PERSISTENT RESERVE OUT with REGISTER AND MOVE: its own parameter list. */
static void kiss_pr_register_and_move(struct kiss_cmd *cmd,
				      const struct kiss_cdb *c)
{
	struct kiss_lun_res *res = &cmd->lun->res;
	struct kiss_sense_info s;
	struct kiss_pr_reg *spare;
	struct kiss_pr_move *m;
	u32 len = c->param_len;
	u8 *buf;

	BUILD_BUG_ON(KISS_PR_NAME_MAX != KISS_NAME_MAX);
	if (len < KISS_PR_MOVE_HDR_LEN || len > KISS_PR_MOVE_MAX_LEN) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_PARAM_LIST_LENGTH);
		return;
	}
	buf = kmalloc(len, GFP_KERNEL);
	m = kmalloc(sizeof(*m), GFP_KERNEL);
	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	if (!buf || !m || !spare) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_INSUFFICIENT_REG_RESOURCES);
		goto out;
	}
	if (kiss_cmd_copy_from_buf(cmd, 0, buf, len) != len) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_PARAM_LIST_LENGTH);
		goto out;
	}
	if (kiss_pr_move_parse(buf, len, m, &s)) {
		kiss_scsi_fail(cmd, &s);
		goto out;
	}
	if (m->aptpl) {		/* not offered: see kiss_pr_out() */
		kiss_scsi_fail_code(cmd, KISS_SENSE_INVALID_FIELD_IN_PARAM);
		goto out;
	}
	spin_lock(&res->lock);
	if (res->spc2_holder && res->spc2_holder != cmd->sess)
		kiss_pr_conflict(cmd);
	else
		kiss_prout_move(cmd, m, &spare);
	kiss_res_update_active(res);
	spin_unlock(&res->lock);
out:
	kfree(spare);
	kfree(m);
	kfree(buf);
}

/**
 * kiss_pr_out() - PERSISTENT RESERVE OUT
 * @cmd: the command, its parameter list received
 * @c: its decoded CDB
 *
 * SPEC_I_PT and APTPL are refused as invalid fields: REPORT CAPABILITIES
 * says neither is offered.
 *
 * Return: true if @cmd ends later: a PREEMPT AND ABORT whose preempted
 * commands are still at the device (kiss_pr_fence()).
 */
bool kiss_pr_out(struct kiss_cmd *cmd, const struct kiss_cdb *c)
{
	struct kiss_lun_res *res = &cmd->lun->res;
	struct kiss_pr_abort abort = { .cmd = cmd };
	struct kiss_pr_reg *spare, *reg;
	u8 param[KISS_PROUT_PARAM_LEN];
	struct kiss_prout p;

	if (c->sa == KISS_PROUT_REGISTER_AND_MOVE) {
		kiss_pr_register_and_move(cmd, c);
		return false;
	}
	if (c->param_len != KISS_PROUT_PARAM_LEN) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_PARAM_LIST_LENGTH);
		return false;
	}
	if (kiss_cmd_copy_from_buf(cmd, 0, param, sizeof(param)) !=
	    sizeof(param)) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_PARAM_LIST_LENGTH);
		return false;
	}
	p.key = get_unaligned_be64(param);
	p.sa_key = get_unaligned_be64(param + 8);
	p.flags = param[20];
	p.scope = c->u.pr_out.scope;
	p.type = c->u.pr_out.type;

	if (c->sa > KISS_PROUT_REGISTER_AND_MOVE) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_INVALID_FIELD_IN_CDB);
		return false;
	}
	if (p.flags & (KISS_PROUT_SPEC_I_PT | KISS_PROUT_APTPL)) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_INVALID_FIELD_IN_PARAM);
		return false;
	}
	switch (c->sa) {
	case KISS_PROUT_RESERVE:
	case KISS_PROUT_RELEASE:
	case KISS_PROUT_PREEMPT:
	case KISS_PROUT_PREEMPT_AND_ABORT:
		if (p.scope != KISS_PR_SCOPE_LU || !kiss_pr_type_valid(p.type)) {
			kiss_scsi_fail_code(cmd, KISS_SENSE_INVALID_FIELD_IN_CDB);
			return false;
		}
		break;
	default:
		break;
	}

	/* A registration may be needed; allocate before taking the lock. */
	spare = kzalloc(sizeof(*spare), GFP_KERNEL);
	if (!spare) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_INSUFFICIENT_REG_RESOURCES);
		return false;
	}

	spin_lock(&res->lock);
	if (res->spc2_holder && res->spc2_holder != cmd->sess) {
		kiss_pr_conflict(cmd);
		goto out;
	}
	switch (c->sa) {
	case KISS_PROUT_REGISTER:
	case KISS_PROUT_REGISTER_AND_IGNORE:
		kiss_prout_register(cmd, &p,
				    c->sa == KISS_PROUT_REGISTER_AND_IGNORE,
				    &spare);
		goto out;
	default:
		break;
	}
	/* Every other service action: a registered nexus, its own key. */
	reg = kiss_reg_find(res, cmd->sess);
	if (!reg || reg->key != p.key) {
		kiss_pr_conflict(cmd);
		goto out;
	}
	switch (c->sa) {
	case KISS_PROUT_RESERVE:
		kiss_prout_reserve(cmd, &p, reg);
		break;
	case KISS_PROUT_RELEASE:
		kiss_prout_release(cmd, &p, reg);
		break;
	case KISS_PROUT_CLEAR:
		kiss_prout_clear(cmd, reg);
		break;
	default:	/* PREEMPT, PREEMPT AND ABORT */
		kiss_prout_preempt(cmd, &p, reg,
				   c->sa == KISS_PROUT_PREEMPT_AND_ABORT ?
				   &abort : NULL);
		break;
	}
out:
	kiss_res_update_active(res);
	spin_unlock(&res->lock);
	kfree(spare);
	return abort.listed && kiss_pr_fence_end(cmd);
}

/* ------------------------------------------------------------------ */
/* PERSISTENT RESERVE IN                                               */

/* The iSCSI TransportID of a registration (SPC-4 7.6.4.6); its length. */
static u32 kiss_pr_tpid(const struct kiss_pr_reg *reg, u8 *buf)
{
	u32 name_len = strlen(reg->initiator);
	/* name, ",i,0x", ISID, NUL, padded to a multiple of four */
	u32 len = ALIGN(name_len + KISS_TPID_ISID_LEN + 1, 4);

	if (buf) {
		buf[0] = KISS_TPID_FMT_PORT << 6 | KISS_TPID_PROTO_ISCSI;
		put_unaligned_be16(len, buf + 2);
		snprintf((char *)buf + 4, len, "%s" KISS_TPID_SEP "%6phN",
			 reg->initiator, reg->isid);
	}
	return 4 + len;
}

static u32 kiss_prin_read_keys(struct kiss_lun_res *res, u8 *buf, u32 size)
{
	struct kiss_pr_reg *reg;
	u32 len = 8;

	list_for_each_entry(reg, &res->regs, entry) {
		if (len + 8 <= size)
			put_unaligned_be64(reg->key, buf + len);
		len += 8;
	}
	put_unaligned_be32(len - 8, buf + 4);
	return len;
}

static u32 kiss_prin_read_reservation(struct kiss_lun_res *res, u8 *buf)
{
	if (!res->type) {
		put_unaligned_be32(0, buf + 4);
		return 8;
	}
	put_unaligned_be32(16, buf + 4);
	/* all-registrants types report key 0 (SPC-4 6.15.3.3) */
	if (!kiss_pr_type_all_reg(res->type) && res->holder)
		put_unaligned_be64(res->holder->key, buf + 8);
	buf[21] = (KISS_PR_SCOPE_LU << 4) | res->type;
	return 24;
}

static u32 kiss_prin_report_capabilities(u8 *buf)
{
	put_unaligned_be16(8, buf);
	buf[2] = BIT(4) | BIT(2);	/* CRH, ATP_C */
	buf[3] = BIT(7);		/* TMV: the type mask is valid */
	buf[4] = BIT(7) | BIT(6) | BIT(5) | BIT(3) | BIT(1);
	buf[5] = BIT(0);		/* EX_AC_AR */
	return 8;
}

static u32 kiss_prin_read_full_status(struct kiss_lun_res *res, u16 rtpi,
				      u8 *buf, u32 size)
{
	struct kiss_pr_reg *reg;
	u32 len = 8, dlen;
	u8 *d;

	list_for_each_entry(reg, &res->regs, entry) {
		dlen = KISS_PR_FULL_DESC_LEN + kiss_pr_tpid(reg, NULL);
		if (len + dlen <= size) {
			d = buf + len;
			put_unaligned_be64(reg->key, d);
			if (reg->all_tg_pt)
				d[12] |= BIT(1);
			if (kiss_pr_is_holder(res, reg)) {
				d[12] |= BIT(0);
				d[13] = (KISS_PR_SCOPE_LU << 4) | res->type;
			}
			put_unaligned_be16(rtpi, d + 18);
			put_unaligned_be32(dlen - KISS_PR_FULL_DESC_LEN,
					   d + 20);
			kiss_pr_tpid(reg, d + KISS_PR_FULL_DESC_LEN);
		}
		len += dlen;
	}
	put_unaligned_be32(len - 8, buf + 4);
	return len;
}

/**
 * kiss_pr_in() - PERSISTENT RESERVE IN
 * @cmd: the command
 * @c: its decoded CDB
 */
void kiss_pr_in(struct kiss_cmd *cmd, const struct kiss_cdb *c)
{
	struct kiss_lun_res *res = &cmd->lun->res;
	u16 rtpi = READ_ONCE(cmd->sess->target->alua.rel_port_id);
	/* as much as the initiator takes, at most what can be listed */
	u32 size = min_t(u32, cmd->data_len,
			 8 + KISS_PR_MAX_REGS * (KISS_PR_FULL_DESC_LEN +
						 KISS_PR_TPID_MAX_LEN));
	u32 len;
	u8 *buf;

	/* a registration's name is at most KISS_NAME_MAX */
	BUILD_BUG_ON(KISS_PR_NAME_MAX < KISS_NAME_MAX);
	size = max_t(u32, size, 24);
	buf = kzalloc(size, GFP_KERNEL);
	if (!buf) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_INTERNAL_TARGET_FAILURE);
		return;
	}
	spin_lock(&res->lock);
	put_unaligned_be32(res->generation, buf);
	switch (c->sa) {
	case KISS_PRIN_READ_KEYS:
		len = kiss_prin_read_keys(res, buf, size);
		break;
	case KISS_PRIN_READ_RESERVATION:
		len = kiss_prin_read_reservation(res, buf);
		break;
	case KISS_PRIN_REPORT_CAPABILITIES:
		memset(buf, 0, 8);
		len = kiss_prin_report_capabilities(buf);
		break;
	default:	/* READ FULL STATUS: the decoder took no other */
		len = kiss_prin_read_full_status(res, rtpi, buf, size);
		break;
	}
	spin_unlock(&res->lock);

	cmd->data_len = min(cmd->data_len, min(len, size));
	kiss_cmd_copy_to_buf(cmd, 0, buf, cmd->data_len);
	kfree(buf);
}

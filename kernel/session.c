// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: sessions.  A session is born when the leading connection's login
 * reaches Full Feature Phase and dies with that connection
 * (MaxConnections=1, ErrorRecoveryLevel=0).  While alive it sits on its
 * target's session list, where configfs can list and close it and a new
 * login from the same initiator and ISID can reinstate it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>

#include "kiss.h"

/* Woken whenever a session leaves a target's list. */
static DECLARE_WAIT_QUEUE_HEAD(kiss_sess_wq);
static atomic_t kiss_next_tsih = ATOMIC_INIT(0);

/**
 * kiss_target_find_get() - look a target up by name and pin it
 * @name: iSCSI name of the target
 *
 * Context: takes kiss_cfg_mutex.
 * Return: the target with a reference, or NULL.
 */
struct kiss_target *kiss_target_find_get(const char *name)
{
	struct kiss_target *t, *found = NULL;

	mutex_lock(&kiss_cfg_mutex);
	list_for_each_entry(t, &kiss_targets, entry) {
		if (!strcmp(t->name, name)) {
			kref_get(&t->ref);
			found = t;
			break;
		}
	}
	mutex_unlock(&kiss_cfg_mutex);
	return found;
}

/**
 * kiss_acl_find() - the ACL of an initiator in a target
 * @target: the target
 * @initiator: the initiator's iSCSI name
 *
 * Context: kiss_cfg_mutex held; the ACL is only valid while it is.
 */
struct kiss_acl *kiss_acl_find(struct kiss_target *target,
			       const char *initiator)
{
	struct kiss_acl *acl;

	lockdep_assert_held(&kiss_cfg_mutex);
	list_for_each_entry(acl, &target->acls, entry)
		if (!strcmp(acl->name, initiator))
			return acl;
	return NULL;
}

/**
 * kiss_target_on_portal() - may a login through @portal reach @target?
 * @target: the target
 * @portal: the portal the connection came in on (compared, not followed)
 *
 * Context: kiss_cfg_mutex held.
 */
bool kiss_target_on_portal(struct kiss_target *target,
			   struct kiss_portal *portal)
{
	struct kiss_portal_link *link;

	lockdep_assert_held(&kiss_cfg_mutex);
	list_for_each_entry(link, &target->portal_links, entry)
		if (link->portal == portal)
			return true;
	return false;
}

struct kiss_session *kiss_session_alloc(struct kiss_target *target,
					const char *initiator, const u8 *isid)
{
	struct kiss_session *sess;
	u16 tsih;

	sess = kzalloc(sizeof(*sess), GFP_KERNEL);
	if (!sess)
		return NULL;
	kref_init(&sess->ref);
	INIT_LIST_HEAD(&sess->entry);
	spin_lock_init(&sess->ua_lock);
	spin_lock_init(&sess->copy_lock);
	sess->target = target;
	sess->discovery = !target;
	strscpy(sess->initiator, initiator, sizeof(sess->initiator));
	memcpy(sess->isid, isid, sizeof(sess->isid));
	/* TSIH 0 is reserved for "new session" (RFC 7143 11.12.6). */
	do {
		tsih = (u16)atomic_inc_return(&kiss_next_tsih);
	} while (!tsih);
	sess->tsih = tsih;
	return sess;
}

static void kiss_session_free(struct kref *ref)
{
	struct kiss_session *sess = container_of(ref, struct kiss_session, ref);

	if (sess->target)
		kiss_target_put(sess->target);
	kfree(sess);
}

void kiss_session_put(struct kiss_session *sess)
{
	kref_put(&sess->ref, kiss_session_free);
}

/*
 * Close the session of @target whose initiator and ISID match, if any,
 * and wait until it is gone: session reinstatement (RFC 7143 6.3.5) for
 * ErrorRecoveryLevel 0 is "close the old one, then admit the new one".
 */
static void kiss_session_reinstate(struct kiss_target *target,
				   const char *initiator, const u8 *isid)
{
	struct kiss_session *sess, *old = NULL;

	spin_lock(&target->sess_lock);
	list_for_each_entry(sess, &target->sessions, entry) {
		if (!strcmp(sess->initiator, initiator) &&
		    !memcmp(sess->isid, isid, sizeof(sess->isid))) {
			old = sess;
			kref_get(&old->ref);
			/* Its conn lives while the session is listed. */
			kiss_conn_close(old->conn);
			break;
		}
	}
	spin_unlock(&target->sess_lock);
	if (!old)
		return;

	pr_info("%s: reinstating session of %s (tsih %u)\n", target->name,
		initiator, old->tsih);
	/* The old connection's teardown waits only for its own bios. */
	wait_event(kiss_sess_wq, list_empty_careful(&old->entry));
	kiss_session_put(old);
}

/**
 * kiss_session_register() - put a new session on its target's list
 * @sess: the session, its conn set
 *
 * Reinstates (closes) an older session with the same initiator and ISID
 * first.  Fails if the target was disabled meanwhile.
 *
 * Context: process; may sleep while the old session closes.
 * Return: 0 or -ENODEV.
 */
int kiss_session_register(struct kiss_session *sess)
{
	struct kiss_target *target = sess->target;
	int ret = 0;
	u32 i;

	if (!target)
		return 0;
	kiss_session_reinstate(target, sess->initiator, sess->isid);

	/*
	 * A new I_T nexus starts with POWER ON, RESET, OR BUS DEVICE RESET
	 * OCCURRED on every LUN (SAM-5 6.3.1); initiators expect it.
	 */
	memset(sess->ua, 0, sizeof(sess->ua));
	for (i = 0; i < KISS_MAX_LUNS; i++)
		sess->ua[i] = BIT(KISS_UA_POWER_ON);

	spin_lock(&target->sess_lock);
	if (target->enabled)
		list_add_tail(&sess->entry, &target->sessions);
	else
		ret = -ENODEV;
	spin_unlock(&target->sess_lock);
	return ret;
}

/* Take @sess off its target's list; wakes anyone waiting for that. */
void kiss_session_unregister(struct kiss_session *sess)
{
	struct kiss_target *target = sess->target;

	if (!target)
		return;
	spin_lock(&target->sess_lock);
	list_del_init(&sess->entry);
	spin_unlock(&target->sess_lock);
	/* SPC-2 reservations end with the I_T nexus */
	kiss_res_nexus_lost(sess);
	wake_up_all(&kiss_sess_wq);
}

static bool kiss_target_has_session_of(struct kiss_target *target,
				       const char *initiator)
{
	struct kiss_session *sess;
	bool found = false;

	spin_lock(&target->sess_lock);
	list_for_each_entry(sess, &target->sessions, entry) {
		if (!initiator || !strcmp(sess->initiator, initiator)) {
			found = true;
			break;
		}
	}
	spin_unlock(&target->sess_lock);
	return found;
}

/**
 * kiss_target_close_sessions_of() - close sessions and wait until gone
 * @target: the target
 * @initiator: only this initiator's sessions, or NULL for all
 *
 * Each connection is shut down; its rx thread then waits for the
 * commands it has in flight and takes the session off the list.
 *
 * Context: process.  May hold kiss_cfg_mutex: sessions in Full Feature
 * Phase never take it.
 */
void kiss_target_close_sessions_of(struct kiss_target *target,
				   const char *initiator)
{
	struct kiss_session *sess;

	/*
	 * Close again on each round: a login that passed its checks before
	 * the caller changed the configuration may still register.
	 */
	do {
		spin_lock(&target->sess_lock);
		list_for_each_entry(sess, &target->sessions, entry)
			if (!initiator || !strcmp(sess->initiator, initiator))
				kiss_conn_close(sess->conn);
		spin_unlock(&target->sess_lock);
	} while (!wait_event_timeout(kiss_sess_wq,
				     !kiss_target_has_session_of(target,
								 initiator),
				     HZ));
}

void kiss_target_close_sessions(struct kiss_target *target)
{
	kiss_target_close_sessions_of(target, NULL);
}

/* One line per session; the format is in Documentation/configfs.md. */
ssize_t kiss_target_sessions_show(struct kiss_target *target, char *page)
{
	struct kiss_session *sess;
	ssize_t len = 0;

	spin_lock(&target->sess_lock);
	list_for_each_entry(sess, &target->sessions, entry) {
		struct kiss_conn *conn = sess->conn;

		len += scnprintf(page + len, PAGE_SIZE - len,
				 "initiator=%s isid=%6phN tsih=%u cid=%u peer=%pISpc local=%pISpc hdgst=%s ddgst=%s mrdsl=%u cmds=%lld read_bytes=%lld write_bytes=%lld errors=%lld tmfs=%lld\n",
				 sess->initiator, sess->isid, sess->tsih,
				 conn->cid, &conn->peer, &conn->local,
				 sess->params.header_digest ? "CRC32C" : "None",
				 sess->params.data_digest ? "CRC32C" : "None",
				 sess->params.max_recv_dsl,
				 atomic64_read(&sess->cmds),
				 atomic64_read(&sess->read_bytes),
				 atomic64_read(&sess->write_bytes),
				 atomic64_read(&sess->errors),
				 atomic64_read(&sess->tmfs));
	}
	spin_unlock(&target->sess_lock);
	return len;
}

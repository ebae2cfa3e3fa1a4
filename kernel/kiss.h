/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiss: an iSCSI target in the Linux kernel.  The module's private header:
 * every shared struct, the lock order and the prototypes live here.
 *
 * Objects and lifetimes
 *   kiss_portal	a listening socket and its accept thread; a configfs item,
 *			also pinned (config_item_get()) by every connection
 *			accepted through it until that connection is freed
 *   kiss_target	a configfs group; kref'd by sessions (kiss_target_find_get)
 *   kiss_lun		a configfs group in a target; the block device it opens
 *			is pinned for I/O by lun->ref (percpu_ref), killed and
 *			drained before the device is released
 *   kiss_acl		an initiator allowed into a target, with its CHAP
 *   kiss_session	one iSCSI session (MaxConnections=1: one kiss_conn);
 *			kref'd, holds a target reference
 *   kiss_conn		one TCP connection: an rx thread that logs in, then
 *			reads and dispatches PDUs and sends the replies that
 *			need no I/O (R2T, NOP-In, Text, Logout, Reject); a tx
 *			thread that sends what command completions queue
 *			(Data-In, SCSI Response), the TMF answer and the
 *			keepalive NOP-Ins.  The rx thread answers itself a
 *			command that ends while it submits it.  Sends are
 *			serialised by
 *			conn->send_mutex, which also orders StatSN.  Freed
 *			by a work item that first kthread_stop()s the rx
 *			thread, so no module code runs after unload.
 *   kiss_cmd		one SCSI task, a slot in the connection's
 *			preallocated array (the negotiated queue depth plus a
 *			few for immediate commands)
 *
 * Lock order (outermost first)
 *   kiss_cfg_mutex	every configfs mutation, portal start/stop, target
 *			and ACL lookups at login; never taken in Full Feature
 *			Phase, so configfs may wait for sessions to close
 *			while holding it
 *   target->sess_lock	(spinlock) the target's session list
 *   conn->send_mutex	one PDU on the socket at a time
 *   conn->tx_lock	(spinlock) the tx queue, the command the rx thread
 *			runs and TMF bookkeeping; taken from bio
 *			completion (irq), so always irq-safe
 *
 * portal->conns_lock (mutex) a portal's open connections and their count;
 * taken with no other kiss lock held, by the accept thread and by the
 * work item that frees a connection
 *
 * Reservations and unit attentions (pr.c), separately:
 *   lun->res.lock	(spinlock) the LUN's reservations and registrations
 *   target->sess_lock	walked to find the nexuses a change concerns
 *   sess->ua_lock	(spinlock) the session's pending unit attentions
 *
 * The data path reads target->luns[] under RCU and pins a LUN with
 * percpu_ref_tryget_live(&lun->ref).
 */
#ifndef KISS_H
#define KISS_H

#include <linux/blk_types.h>
#include <linux/bvec.h>
#include <linux/completion.h>
#include <linux/configfs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu-refcount.h>
#include <linux/semaphore.h>
#include <linux/sizes.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "proto/pdu.h"
#include "proto/text.h"

#define KISS_NAME_MAX		223	/* RFC 7143 4.2.7.1: iSCSI names */
#define KISS_MAX_LUNS		256	/* LUN ids 0..255, single level */
#define KISS_DEFAULT_PORT	3260
#define KISS_DEFAULT_QUEUE_DEPTH 128
#define KISS_MAX_QUEUE_DEPTH	512
/* Largest transfer of one command; advertised in VPD B0. */
#define KISS_MAX_IO_BYTES	SZ_1M
#define KISS_MAX_IO_PAGES	(KISS_MAX_IO_BYTES >> PAGE_SHIFT)
/* A read or write of up to this many pages allocates no bio (bdev.c). */
#define KISS_INLINE_BVECS	8
/* Per connection: pages parked until TCP lets go of them (conn.c) */
#define KISS_PARKED_PAGES	256
/* MaxRecvDataSegmentLength during login (RFC 7143 13.12: 8192). */
#define KISS_LOGIN_MAX_DSL	8192
/* Longest a TMF answer waits for the aborted commands' bios. */
#define KISS_TMF_WAIT		(10 * HZ)
/* Bound on all the text of one login or text exchange. */
#define KISS_TEXT_MAX		(64 * 1024)
/* CDB in the BHS (16) plus an extended CDB AHS (SPC-4: up to 260). */
#define KISS_MAX_CDB_LEN	260
/* Fixed-format sense data is 18 bytes; room for descriptor format. */
#define KISS_SENSE_LEN		96
/* Persistent reservation registrations per LUN. */
#define KISS_PR_MAX_REGS	128

extern struct mutex kiss_cfg_mutex;

/* Asymmetric access states (SPC-4 6.36.2): the codes on the wire. */
enum kiss_alua_state {
	KISS_ALUA_ACTIVE_OPTIMIZED	= 0x0,
	KISS_ALUA_ACTIVE_NONOPTIMIZED	= 0x1,
	KISS_ALUA_STANDBY		= 0x2,
	KISS_ALUA_UNAVAILABLE		= 0x3,
	KISS_ALUA_TRANSITIONING		= 0xf,
};

/*
 * The target's port and its target port group (alua.c): identifiers
 * fixed while the target is enabled, the state changed at any time.
 */
struct kiss_alua {
	u16	group_id;
	u16	rel_port_id;
	u8	state;		/* enum kiss_alua_state */
	bool	preferred;
};

/* CHAP credentials; empty userid means "no CHAP". Secrets never leave. */
struct kiss_auth {
	char	userid[256];
	char	password[256];
	char	userid_mutual[256];
	char	password_mutual[256];
};

struct kiss_portal {
	struct config_group	group;
	struct list_head	entry;		/* kiss_portals */
	struct sockaddr_storage	addr;		/* addr + port */
	bool			enabled;
	int			nr_links;	/* targets linking here */
	struct socket		*sock;
	struct task_struct	*thread;
	/* limits on open connections (portal.c); read without a lock */
	u32			max_connections;	/* all sources */
	u32			max_per_source;		/* one address */
	/* every connection accepted here, from accept until it is freed */
	struct mutex		conns_lock;
	struct list_head	conns;		/* kiss_conn.portal_entry */
	u32			nr_conns;	/* under conns_lock */
};

/* One I_T nexus's persistent reservation registration (pr.c). */
struct kiss_pr_reg {
	struct list_head	entry;		/* kiss_lun_res.regs */
	u64			key;
	bool			all_tg_pt;
	u8			isid[6];
	char			initiator[KISS_NAME_MAX + 1];
};

struct kiss_session;

/* A LUN's reservations: SPC-2 RESERVE and persistent ones (pr.c). */
struct kiss_lun_res {
	spinlock_t		lock;		/* everything below */
	bool			active;		/* anything to check; lockless */
	u32			generation;	/* PRGENERATION */
	struct list_head	regs;
	u32			nr_regs;
	u8			type;		/* 0: no persistent reservation */
	struct kiss_pr_reg	*holder;	/* unused by all-registrants */
	struct kiss_session	*spc2_holder;	/* compared, never followed */
};

/* Latency buckets of a LUN: up to 64 us, then 4x wider each, the rest. */
#define KISS_LAT_BUCKETS	8
#define KISS_LAT_FIRST_NS	(64 * NSEC_PER_USEC)

/* Per-CPU counters of a LUN, summed when configfs reads them. */
struct kiss_lun_stats {
	u64	cmds;
	u64	read_bytes;
	u64	write_bytes;
	u64	errors;		/* CHECK CONDITION and worse */
	u64	latency[KISS_LAT_BUCKETS];
};

struct kiss_lun {
	struct config_group	group;
	struct kiss_lun_stats __percpu *stats;
	struct kiss_target	*target;
	u32			id;
	char			path[256];
	bool			readonly;
	bool			enabled;
	bool			shared;		/* on other nodes too: no PR */
	char			serial[64];	/* VPD 0x80 */
	u8			naa[16];	/* VPD 0x83 */
	u32			naa_len;	/* 8 or 16 */
	/* valid while enabled */
	struct percpu_ref	ref;		/* one per command in flight */
	struct completion	ref_done;
	struct kiss_bdev	bdev;		/* compat.h */
	u64			nr_blocks;
	u32			block_shift;
	bool			discard;	/* the device takes REQ_OP_DISCARD */
	bool			write_cache;	/* volatile cache: flushes matter */
	struct kiss_lun_res	res;		/* lives as long as the LUN */
	/* one COMPARE AND WRITE at a time; released from any context */
	struct semaphore	caw_sem;
	/* PREEMPT AND ABORTs waiting for preempted commands, in order (pr.c) */
	spinlock_t		fence_lock;	/* and each one's fence_pending */
	struct list_head	fence_waiters;
};

struct kiss_acl {
	struct config_group	group;
	struct config_group	auth_group;
	struct list_head	entry;		/* target->acls */
	char			name[KISS_NAME_MAX + 1];
	struct kiss_auth	auth;
	bool			readonly;
};

struct kiss_target_params {
	u32	max_recv_dsl;
	u32	max_burst;
	u32	first_burst;
	u32	max_outstanding_r2t;
	u32	queue_depth;
	bool	immediate_data;
	bool	initial_r2t;
	u8	header_digests;		/* KISS_DIGEST_BIT() set */
	u8	data_digests;
	u32	nopin_interval;		/* seconds; 0 = off */
	u32	nopin_timeout;		/* seconds */
};

struct kiss_target {
	struct config_group	group;
	struct config_group	params_group;
	struct config_group	auth_group;
	struct config_group	luns_group;
	struct config_group	acls_group;
	struct config_group	portals_group;
	struct list_head	entry;		/* kiss_targets */
	struct kref		ref;
	char			name[KISS_NAME_MAX + 1];
	char			alias[256];
	bool			enabled;
	bool			allow_any_initiator;
	u16			tpgt;
	struct kiss_alua	alua;
	struct config_group	alua_group;
	struct kiss_auth	auth;
	struct kiss_target_params params;
	struct kiss_lun __rcu	*luns[KISS_MAX_LUNS];
	struct list_head	acls;		/* under kiss_cfg_mutex */
	struct list_head	portal_links;	/* struct kiss_portal_link */
	spinlock_t		sess_lock;
	struct list_head	sessions;	/* under sess_lock */
};

struct kiss_portal_link {
	struct list_head	entry;		/* target->portal_links */
	struct kiss_portal	*portal;
};

/* Negotiated values a connection and session run with. */
struct kiss_conn_params {
	u32	max_recv_dsl;		/* what we receive */
	u32	max_xmit_dsl;		/* initiator's MaxRecvDataSegmentLength */
	u32	max_burst;
	u32	first_burst;
	u32	max_outstanding_r2t;
	u32	default_time2wait;
	u32	default_time2retain;
	bool	immediate_data;
	bool	initial_r2t;
	bool	header_digest;
	bool	data_digest;
};

enum kiss_cmd_state {
	KISS_CMD_FREE,
	KISS_CMD_RECV_DATA,	/* waiting for Data-Out */
	KISS_CMD_EXEC,		/* in scsi.c / bios in flight */
	KISS_CMD_RESPOND,	/* on conn->tx_queue, or conn->rx_cmd_done */
	KISS_CMD_SENDING,	/* answer going out: past any TMF's reach */
};

/**
 * struct kiss_cmd - one SCSI task: a slot of the connection's array
 *
 * Set by conn.c before kiss_scsi_prepare(): conn, sess, itt, cmd_sn,
 * lun_raw, cdb (cdb_len bytes, up to 16 + extended CDB AHS), edtl,
 * write, read.
 *
 * kiss_scsi_prepare() sets data_len: the bytes the CDB itself transfers
 * (the SCSI transfer length), and pins the LUN in @lun.  conn.c moves
 * min(data_len, edtl) bytes on the wire and reports the difference to
 * edtl as residual (RFC 7143 11.4.5); scsi.c may lower data_len for a read
 * while executing (e.g. INQUIRY returns less than its allocation length).
 *
 * The data buffer is @nr_pages whole pages described by @bvec (offset 0,
 * PAGE_SIZE each, the last one possibly shorter), @buf_len bytes in all.
 * Block I/O puts these very pages in bios; emulated commands reach them
 * with kiss_cmd_copy_from_buf()/kiss_cmd_copy_to_buf().
 *
 * Result: status (SAM status byte), sense/sense_len (CHECK CONDITION).
 */
struct kiss_cmd {
	struct kiss_conn	*conn;
	struct kiss_session	*sess;
	struct list_head	tx_entry;	/* conn->tx_queue */
	enum kiss_cmd_state	state;
	u32			idx;		/* slot number */
	u32			itt;
	u32			ttt;
	u32			cmd_sn;
	u8			lun_raw[8];
	u8			cdb[KISS_MAX_CDB_LEN];
	u32			cdb_len;
	u32			edtl;		/* Expected Data Transfer Length */
	bool			write;
	bool			read;
	bool			immediate;
	/* set by kiss_scsi_prepare() */
	struct kiss_lun		*lun;		/* pinned via lun->ref; or NULL */
	u32			data_len;
	/* data buffer */
	struct bio_vec		*bvec;		/* KISS_MAX_IO_PAGES entries */
	u32			nr_pages;
	u32			pages_held;	/* bvec[] beyond: no page */
	u32			buf_len;
	/* write: data received so far and R2T bookkeeping (conn.c) */
	u32			unsol_len;	/* immediate + unsolicited bytes */
	u32			data_received;
	u32			burst_end;	/* end of the current sequence */
	u32			r2t_offset;	/* next offset to solicit */
	u32			r2t_outstanding;
	u32			r2t_sn;
	u32			data_sn;	/* expected DataSN */
	/* result */
	u8			status;
	u8			sense[KISS_SENSE_LEN];
	u32			sense_len;
	/* block I/O (bdev.c) */
	atomic_t		bios_pending;
	blk_status_t		bio_status;
	/* the bio of a read or write of up to KISS_INLINE_BVECS pages */
	struct bio		inline_bio;
	struct bio_vec		inline_bvec[KISS_INLINE_BVECS];
	u64			start_ns;
	/* scsi.c private state for multi-step commands */
	unsigned long		scsi_priv[4];
	/* task management: no response, ever; tmf_wait: a TMF waits */
	bool			aborted;
	bool			tmf_wait;
	/* under conn->tx_lock: the PREEMPT AND ABORT that waits for it */
	struct kiss_cmd		*fence_pa;
	/* a PREEMPT AND ABORT: on lun->fence_waiters, commands to wait for */
	struct list_head	fence_entry;
	u32			fence_pending;
};

/* Unit attention conditions, highest priority first (pr.c). */
enum kiss_ua {
	KISS_UA_POWER_ON,
	KISS_UA_NEXUS_LOSS,
	KISS_UA_RESET,
	KISS_UA_COMMANDS_CLEARED,
	KISS_UA_RES_PREEMPTED,
	KISS_UA_RES_RELEASED,
	KISS_UA_REG_PREEMPTED,
	KISS_UA_MODE_CHANGED,
	KISS_UA_CAPACITY_CHANGED,
	KISS_UA_ALUA_CHANGED,
	KISS_UA_LUNS_CHANGED,
	KISS_UA_COUNT
};

enum kiss_conn_state {
	KISS_CONN_LOGIN,
	KISS_CONN_FULL_FEATURE,
	KISS_CONN_LOGGED_OUT,
	KISS_CONN_CLOSING,
};

/* EXTENDED COPY statuses kept for RECEIVE COPY RESULTS (xcopy.c). */
#define KISS_COPY_STATUS_SLOTS	4

struct kiss_copy_status {
	u64	seq;		/* 0: unused; higher: newer */
	u64	bytes;		/* written so far */
	u16	segments;	/* processed */
	u8	list_id;
	u8	status;		/* enum kiss_xcopy_status */
};

struct kiss_session {
	struct kref		ref;
	struct list_head	entry;		/* target->sessions */
	struct kiss_target	*target;	/* NULL for discovery */
	bool			discovery;
	bool			readonly;	/* from the ACL */
	char			initiator[KISS_NAME_MAX + 1];
	u8			isid[6];
	u16			tsih;
	struct kiss_conn	*conn;		/* MaxConnections=1 */
	struct kiss_conn_params	params;
	/* pending unit attentions per LUN: BIT(enum kiss_ua) */
	spinlock_t		ua_lock;
	u16			ua[KISS_MAX_LUNS];
	/* copies whose status the initiator may ask for, under copy_lock */
	spinlock_t		copy_lock;
	u64			copy_seq;
	struct kiss_copy_status	copies[KISS_COPY_STATUS_SLOTS];
	/* counters */
	atomic64_t		cmds;
	atomic64_t		read_bytes;
	atomic64_t		write_bytes;
	atomic64_t		errors;
	atomic64_t		tmfs;
};

struct kiss_login;

struct kiss_conn {
	struct list_head	entry;		/* every connection (conn.c) */
	struct socket		*sock;
	struct kiss_portal	*portal;	/* pinned until freed */
	struct list_head	portal_entry;	/* portal->conns */
	struct kiss_session	*sess;
	struct sockaddr_storage	peer;
	struct sockaddr_storage	local;
	enum kiss_conn_state	state;
	u16			cid;
	struct task_struct	*rx_thread;
	struct task_struct	*tx_thread;
	struct kiss_conn_params	params;
	bool			closing;	/* set once; wakes the tx thread */
	struct work_struct	close_work;	/* shuts the socket down */
	struct work_struct	release_work;	/* frees the connection */
	struct kiss_login	*login;		/* login.c; text in FFP */
	/* send side: one PDU on the socket at a time */
	struct mutex		send_mutex;
	u32			stat_sn;	/* under send_mutex */
	bool			tx_corked;	/* last PDU sent with MSG_MORE */
	u32			exp_stat_sn;	/* from the initiator */
	/* CmdSN window: exp_cmd_sn written by the rx thread only */
	u32			exp_cmd_sn;
	atomic_t		max_cmd_sn;	/* grows as slots free up */
	/*
	 * Under tx_lock: the commands whose response the tx thread sends;
	 * the command the rx thread is running (rx_cmd), and whether it has
	 * ended (rx_cmd_done), which the rx thread then answers itself
	 * (kiss_conn_rx_exec()).  tx_busy, set under tx_lock, cleared
	 * without it: the tx thread is sending a batch.
	 */
	spinlock_t		tx_lock;
	struct list_head	tx_queue;
	wait_queue_head_t	tx_wait;
	bool			tx_busy;
	struct kiss_cmd		*rx_cmd;
	bool			rx_cmd_done;
	/* preallocated command slots */
	struct kiss_cmd		*cmds;
	u32			nr_cmds;
	struct bio_vec		*bvecs;		/* nr_cmds * KISS_MAX_IO_PAGES */
	unsigned long		*slot_map;	/* set by the rx thread */
	/* pages the socket still held when their slot wanted them back */
	struct page		*parked[KISS_PARKED_PAGES];
	u32			park_head;	/* oldest; rx thread only */
	u32			nr_parked;
	wait_queue_head_t	drain_wait;	/* commands in flight went to 0 */
	atomic_t		in_flight;
	struct kiss_cmd		*last_cmd;	/* for unsolicited Data-Out */
	u32			ttt_gen;
	/* the one outstanding TMF, answered by the tx thread */
	u32			tmf_itt;
	u8			tmf_response;
	bool			tmf_ready;
	bool			tmf_cold;	/* TARGET COLD RESET */
	unsigned long		tmf_start;	/* jiffies */
	atomic_t		tmf_waiting;	/* aborted commands running */
	u32			queue_depth;	/* negotiated at login */
	unsigned long		login_deadline;	/* jiffies */
	/* keepalive */
	unsigned long		last_rx;	/* jiffies */
	u32			nopin_ttt;	/* outstanding ping, or reserved */
	u32			nopin_seq;
	unsigned long		nopin_sent;	/* jiffies */
	/* receive scratch: BHS + AHS + digest, and discarded data */
	u8			hdr[KISS_BHS_LEN + KISS_MAX_AHS_LEN + 4];
	void			*scratch;	/* one page */
};

/* main.c: the lists are under kiss_cfg_mutex */
extern struct list_head kiss_portals;
extern struct list_head kiss_targets;
extern struct kiss_auth kiss_discovery_auth;
extern bool kiss_discovery_enforce_auth;
extern struct workqueue_struct *kiss_wq;

/* configfs.c */
int kiss_configfs_init(void);
void kiss_configfs_exit(void);

/* portal.c: start and stop listening; kiss_cfg_mutex held */
int kiss_portal_enable(struct kiss_portal *portal);
void kiss_portal_disable(struct kiss_portal *portal);
/* portal.c: a connection counted against its portal's limits */
int kiss_portal_conn_add(struct kiss_portal *portal, struct kiss_conn *conn);
void kiss_portal_conn_del(struct kiss_conn *conn);

/* session.c */
struct kiss_session *kiss_session_alloc(struct kiss_target *target,
					const char *initiator, const u8 *isid);
void kiss_session_put(struct kiss_session *sess);
int kiss_session_register(struct kiss_session *sess);
void kiss_session_unregister(struct kiss_session *sess);
struct kiss_target *kiss_target_find_get(const char *name);
void kiss_target_put(struct kiss_target *target);
void kiss_target_release(struct kref *ref);	/* configfs drops the last */
void kiss_target_close_sessions(struct kiss_target *target);
void kiss_target_close_sessions_of(struct kiss_target *target,
				   const char *initiator);
ssize_t kiss_target_sessions_show(struct kiss_target *target, char *page);
bool kiss_target_on_portal(struct kiss_target *target,
			   struct kiss_portal *portal);
struct kiss_acl *kiss_acl_find(struct kiss_target *target,
			       const char *initiator);

/* lun.c: open/close the backing device; kiss_cfg_mutex held */
int kiss_lun_enable(struct kiss_lun *lun);
void kiss_lun_disable(struct kiss_lun *lun);
struct kiss_lun *kiss_lun_get(struct kiss_target *target, u64 lun_id);
void kiss_lun_check_capacity(struct kiss_lun *lun);
void kiss_lun_put(struct kiss_lun *lun);
void kiss_lun_account(struct kiss_lun *lun, const struct kiss_cmd *cmd,
		      u32 bytes);

/* scsi.c: the SCSI command set */
int kiss_scsi_prepare(struct kiss_cmd *cmd);
void kiss_scsi_exec(struct kiss_cmd *cmd);
void kiss_scsi_release(struct kiss_cmd *cmd);
enum kiss_sense_code;
struct kiss_sense_info;
int kiss_scsi_fail(struct kiss_cmd *cmd, const struct kiss_sense_info *s);
int kiss_scsi_fail_code(struct kiss_cmd *cmd, enum kiss_sense_code code);

/* xcopy.c: EXTENDED COPY between the target's LUNs */
void kiss_xcopy(struct kiss_cmd *cmd);
int kiss_xcopy_status(struct kiss_cmd *cmd, u8 list_id, u8 *buf);

/* bdev.c: block I/O on the command's pages; completes via kiss_cmd_done */
void kiss_bdev_rw(struct kiss_cmd *cmd, u64 lba, u32 nr_blocks, bool write,
		  bool fua);
void kiss_bdev_flush(struct kiss_cmd *cmd);
void kiss_bdev_discard(struct kiss_cmd *cmd, u64 lba, u64 nr_blocks);
int kiss_bdev_discard_add(struct kiss_cmd *cmd, u64 lba, u64 nr_blocks,
			  struct bio **chain);
void kiss_bdev_submit_chain(struct kiss_cmd *cmd, struct bio *bio, int err);
void kiss_bdev_write_same(struct kiss_cmd *cmd, u64 lba, u64 nr_blocks);
void kiss_bdev_compare(struct kiss_cmd *cmd, u64 lba, u32 nr_blocks);
void kiss_bdev_compare_and_write(struct kiss_cmd *cmd, u64 lba,
				 u32 nr_blocks, bool fua);
void kiss_bdev_orwrite(struct kiss_cmd *cmd, u64 lba, u32 nr_blocks, bool fua);

/* pr.c: reservations and unit attentions */
struct kiss_cdb;
void kiss_ua_set(struct kiss_session *sess, u32 lun_id, enum kiss_ua ua);
void kiss_ua_set_target(struct kiss_target *target, u32 lun_id,
			enum kiss_ua ua, const struct kiss_session *except);
bool kiss_ua_take(struct kiss_session *sess, u32 lun_id,
		  enum kiss_sense_code *code);
void kiss_ua_clear(struct kiss_session *sess, u32 lun_id, enum kiss_ua ua);
void kiss_res_init(struct kiss_lun_res *res);
void kiss_res_free(struct kiss_lun_res *res);
bool kiss_res_check(struct kiss_cmd *cmd, const struct kiss_cdb *c);
void kiss_res_nexus_lost(struct kiss_session *sess);
void kiss_res_reset(struct kiss_lun *lun);
void kiss_res_reserve(struct kiss_cmd *cmd, bool reserve);
bool kiss_pr_out(struct kiss_cmd *cmd, const struct kiss_cdb *c);
void kiss_pr_unfence(struct kiss_cmd *cmd, struct list_head *ready);
void kiss_pr_in(struct kiss_cmd *cmd, const struct kiss_cdb *c);

/* alua.c: target port group and access state */
const char *kiss_alua_state_name(u8 state);
int kiss_alua_state_parse(const char *s, u8 *state);
void kiss_alua_set_state(struct kiss_target *target, u8 state);
int kiss_alua_check(struct kiss_cmd *cmd, const struct kiss_cdb *c);
/* one group descriptor with one port, after an extended header */
#define KISS_ALUA_REPORT_MAX	(8 + 8 + 4)
int kiss_alua_report(const struct kiss_target *target, bool extended, u8 *buf);

/* conn.c */
int kiss_conn_start(struct kiss_portal *portal, struct socket *sock);
void kiss_conn_close(struct kiss_conn *conn);
void kiss_conn_fence(struct kiss_conn *conn, struct kiss_cmd *pa);
void kiss_pr_fence_count(struct kiss_cmd *pa);
void kiss_conn_stop_all(void);
int kiss_conn_recv(struct kiss_conn *conn, void *buf, u32 len);
int kiss_conn_recv_text(struct kiss_conn *conn,
			const struct kiss_pdu_info *info,
			struct kiss_text_accum *acc);
void kiss_conn_reject(struct kiss_conn *conn, u8 reason, const void *hdr);
int kiss_conn_recv_header(struct kiss_conn *conn,
			  const struct kiss_pdu_limits *lim,
			  struct kiss_pdu_info *info);
void kiss_cmd_done(struct kiss_cmd *cmd);
void kiss_cmd_set_sense(struct kiss_cmd *cmd, u8 key, u8 asc, u8 ascq);
size_t kiss_cmd_copy_to_buf(struct kiss_cmd *cmd, u32 offset,
			    const void *src, size_t len);
size_t kiss_cmd_copy_from_buf(struct kiss_cmd *cmd, u32 offset, void *dst,
			      size_t len);
int kiss_conn_send(struct kiss_conn *conn, void *bhs, const void *data,
		   u32 len);

/* login.c: the login phase, and Text requests in Full Feature Phase */
int kiss_login(struct kiss_conn *conn);
int kiss_text_request(struct kiss_conn *conn,
		      const struct kiss_pdu_info *info);
void kiss_login_free(struct kiss_conn *conn);

#endif /* KISS_H */

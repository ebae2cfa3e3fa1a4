/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiss: an iSCSI target in the Linux kernel.  The module's private header:
 * every shared struct, the lock order and the prototypes live here.
 *
 * Objects and lifetimes
 *   kiss_portal	a listening socket and its accept thread; a configfs item
 *   kiss_target	a configfs group; kref'd by sessions (kiss_target_get)
 *   kiss_lun		a configfs group in a target; the block device it opens
 *			is pinned for I/O by lun->ref (percpu_ref), killed and
 *			drained before the device is released
 *   kiss_acl		an initiator allowed into a target, with its CHAP
 *   kiss_session	one iSCSI session (MaxConnections=1: one kiss_conn);
 *			kref'd, holds a target reference
 *   kiss_conn		one TCP connection: an rx thread that reads and
 *			dispatches PDUs and sends the replies that need no
 *			I/O; a tx work item that sends what bio completions
 *			queue (Data-In, SCSI Response).  Sends are serialised
 *			by conn->send_mutex, which also orders StatSN
 *   kiss_cmd		one SCSI task, a slot in the connection's
 *			preallocated array (the negotiated queue depth)
 *
 * Lock order (outermost first)
 *   kiss_cfg_mutex	every configfs mutation, portal start/stop, target
 *			and session lists; never taken on the data path
 *   target->sess_lock	(spinlock) the target's session list
 *   conn->send_mutex	one PDU on the socket at a time
 *   conn->tx_lock	(spinlock) the tx queue; taken from bio completion
 *			(irq), so always with spin_lock_irqsave
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
#include <linux/sizes.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "proto/pdu.h"

#define KISS_NAME_MAX		223	/* RFC 7143 4.2.7.1: iSCSI names */
#define KISS_MAX_LUNS		256	/* LUN ids 0..255, single level */
#define KISS_DEFAULT_PORT	3260
#define KISS_DEFAULT_QUEUE_DEPTH 128
#define KISS_MAX_QUEUE_DEPTH	512
/* Largest transfer of one command; advertised in VPD B0. */
#define KISS_MAX_IO_BYTES	SZ_1M
#define KISS_MAX_IO_PAGES	(KISS_MAX_IO_BYTES >> PAGE_SHIFT)
/* MaxRecvDataSegmentLength during login (RFC 7143 13.12: 8192). */
#define KISS_LOGIN_MAX_DSL	8192
/* Bound on all the text of one login or text exchange. */
#define KISS_TEXT_MAX		(64 * 1024)

extern struct mutex kiss_cfg_mutex;

struct kiss_auth {
	char	userid[256];
	char	password[256];
	char	userid_mutual[256];
	char	password_mutual[256];
};

struct kiss_portal {
	struct config_group	group;
	struct list_head	entry;		/* kiss_portals */
	struct sockaddr_storage	addr;
	bool			enabled;
	struct socket		*sock;
	struct task_struct	*thread;
};

struct kiss_lun {
	struct config_group	group;
	struct kiss_target	*target;
	u32			id;
	char			path[256];
	bool			readonly;
	bool			enabled;
	char			serial[64];
	u8			naa[16];
	u32			naa_len;	/* 0: not configured */
	/* valid while enabled */
	struct percpu_ref	ref;
	struct completion	ref_done;
	struct kiss_bdev	bdev;		/* compat.h */
	u64			nr_blocks;
	u32			block_shift;
};

struct kiss_acl {
	struct config_group	group;
	struct list_head	entry;		/* target->acls */
	char			name[KISS_NAME_MAX + 1];
	struct kiss_auth	auth;
	bool			readonly;
};

struct kiss_target {
	struct config_group	group;
	struct list_head	entry;		/* kiss_targets */
	struct kref		ref;
	char			name[KISS_NAME_MAX + 1];
	char			alias[256];
	bool			enabled;
	bool			allow_any_initiator;
	u16			tpgt;
	struct kiss_auth	auth;
	struct kiss_target_params {
		u32	max_recv_dsl;
		u32	max_burst;
		u32	first_burst;
		u32	max_outstanding_r2t;
		u32	queue_depth;
		bool	immediate_data;
		bool	initial_r2t;
		bool	header_digest;	/* CRC32C allowed */
		bool	data_digest;
		u32	nopin_interval;	/* seconds; 0 = off */
		u32	nopin_timeout;
	} params;
	struct kiss_lun __rcu	*luns[KISS_MAX_LUNS];
	struct list_head	acls;
	struct list_head	portal_links;	/* struct kiss_portal_link */
	spinlock_t		sess_lock;
	struct list_head	sessions;
};

struct kiss_portal_link {
	struct list_head	entry;
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
	bool	data_pdu_in_order;
	bool	data_sequence_in_order;
};

enum kiss_cmd_state {
	KISS_CMD_FREE,
	KISS_CMD_RECV_DATA,	/* waiting for Data-Out */
	KISS_CMD_EXEC,		/* bios in flight */
	KISS_CMD_RESPOND,	/* on the tx queue */
	KISS_CMD_ABORTED,
};

struct kiss_cmd {
	struct kiss_conn	*conn;
	struct list_head	tx_entry;
	enum kiss_cmd_state	state;
	u32			itt;
	u32			ttt;
	u32			cmd_sn;
	u8			lun_raw[8];
	struct kiss_lun		*lun;		/* pinned via lun->ref */
	u8			cdb[16];
	u32			edtl;		/* Expected Data Transfer Length */
	bool			write;
	bool			read;
	/* data buffer: whole pages, bvecs over them */
	struct bio_vec		*bvec;
	u32			nr_pages;
	u32			buf_len;	/* bytes transferred (<= edtl) */
	/* write: data received so far and R2T bookkeeping */
	u32			data_received;
	u32			r2t_offset;	/* next offset to solicit */
	u32			r2t_outstanding;
	u32			r2t_sn;
	u32			data_sn;	/* expected DataSN */
	/* result */
	u8			status;
	u8			sense[32];
	u32			sense_len;
	u32			residual;
	u8			rsp_flags;
	atomic_t		bios_pending;
	blk_status_t		bio_status;
};

enum kiss_conn_state {
	KISS_CONN_LOGIN,
	KISS_CONN_FULL_FEATURE,
	KISS_CONN_LOGGED_OUT,
	KISS_CONN_CLOSING,
};

struct kiss_session {
	struct kref		ref;
	struct list_head	entry;		/* target->sessions */
	struct kiss_target	*target;	/* NULL for discovery */
	bool			discovery;
	char			initiator[KISS_NAME_MAX + 1];
	u8			isid[6];
	u16			tsih;
	struct kiss_conn	*conn;
	/* CmdSN window, rx thread only */
	u32			exp_cmd_sn;
	u32			queue_depth;
	/* counters */
	atomic64_t		cmds;
	atomic64_t		read_bytes;
	atomic64_t		write_bytes;
};

struct kiss_conn {
	struct socket		*sock;
	struct kiss_portal	*portal;
	struct kiss_session	*sess;
	struct sockaddr_storage	peer;
	struct sockaddr_storage	local;
	enum kiss_conn_state	state;
	u16			cid;
	struct task_struct	*rx_thread;
	struct task_struct	*tx_thread;
	struct kiss_conn_params	params;
	/* send side */
	struct mutex		send_mutex;
	u32			stat_sn;	/* under send_mutex */
	u32			exp_stat_sn;	/* from the initiator */
	/* commands whose response the tx work sends */
	spinlock_t		tx_lock;
	struct list_head	tx_queue;
	struct work_struct	tx_work;
	/* preallocated command slots */
	struct kiss_cmd		*cmds;
	u32			nr_cmds;
	atomic_t		max_cmd_sn;	/* grows as commands complete */
};

/* main.c: the lists are under kiss_cfg_mutex */
extern struct list_head kiss_portals;
extern struct list_head kiss_targets;
extern struct kiss_auth kiss_discovery_auth;
extern struct workqueue_struct *kiss_wq;

/* configfs.c */
int kiss_configfs_init(void);
void kiss_configfs_exit(void);

/* portal.c: start and stop listening; called with kiss_cfg_mutex held */
int kiss_portal_enable(struct kiss_portal *portal);
void kiss_portal_disable(struct kiss_portal *portal);

/* session.c */
struct kiss_target *kiss_target_get_by_name(const char *name);
void kiss_target_put(struct kiss_target *target);
void kiss_target_close_sessions(struct kiss_target *target);
ssize_t kiss_target_sessions_show(struct kiss_target *target, char *page);
bool kiss_target_on_portal(struct kiss_target *target,
			   struct kiss_portal *portal);

/* bdev.c: open/close the backing device; kiss_cfg_mutex held */
int kiss_lun_enable(struct kiss_lun *lun);
void kiss_lun_disable(struct kiss_lun *lun);
void kiss_bdev_submit(struct kiss_cmd *cmd);

/* scsi.c */
int kiss_scsi_prepare(struct kiss_cmd *cmd);
void kiss_scsi_exec(struct kiss_cmd *cmd);

/* conn.c */
int kiss_conn_start(struct kiss_portal *portal, struct socket *sock);
void kiss_cmd_done(struct kiss_cmd *cmd);
int kiss_conn_send(struct kiss_conn *conn, void *bhs, const void *data,
		   u32 len);
int kiss_conn_recv(struct kiss_conn *conn, void *buf, u32 len);

/* login.c */
int kiss_login(struct kiss_conn *conn);

#endif /* KISS_H */

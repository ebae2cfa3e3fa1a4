// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: connections.  Each connection has an rx thread, which logs in,
 * then reads PDUs one at a time (BHS, AHS, header digest, data, data
 * digest), and a tx thread, which sends what bio completions queue
 * (Data-In and SCSI Response) and the keepalive NOP-Ins.  Replies that
 * need no I/O (R2T, NOP-In, Text, Logout, Reject) are sent by the rx
 * thread itself, and so is the answer of a command that ends while the
 * rx thread submits it (kiss_conn_rx_exec());
 * conn->send_mutex keeps each PDU whole on the wire and hands out StatSN
 * in transmission order.
 *
 * Data-Out is received with sock_recvmsg() straight into the pages that
 * the command's bios are then built from; Data-In leaves from those pages
 * through kiss_send_pages() (sendpage / MSG_SPLICE_PAGES), never copied.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/sched/clock.h>
#include <linux/sched/isolation.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <scsi/scsi_proto.h>

#include "kiss.h"
#include "kiss_trace.h"
#include "proto/digest.h"
#include "proto/scsi.h"

/* Slots beyond the queue depth for immediate commands (no CmdSN). */
#define KISS_IMMEDIATE_SLOTS	4
/*
 * Pages a slot keeps for its next command (128 KiB with 4 KiB pages, the
 * usual largest I/O); the rest go back.  At QueueDepth 128 that is at
 * most 16.5 MiB per connection, what an initiator gets in flight at that
 * depth anyway.
 */
#define KISS_SLOT_CACHE_PAGES	32
/* A stalled peer cannot hold a send (and so send_mutex) longer. */
#define KISS_SEND_TIMEOUT	(30 * HZ)
/*
 * The most read data the rx thread sends itself, before it reads on: 64
 * KiB covers the small I/O where its saved wakeup counts; larger reads go
 * to the tx thread, which also computes their data digests.
 */
#define KISS_RX_ANSWER_MAX	SZ_64K
/* Bound on each receive during login, and on the whole login. */
#define KISS_LOGIN_TIMEOUT	(15 * HZ)
#define KISS_LOGIN_DEADLINE	(30 * HZ)
/* Connections still logging in, all portals together. */
#define KISS_MAX_LOGINS		64
/* Keepalive of discovery sessions, which have no target parameters. */
#define KISS_DISCOVERY_NOPIN_INTERVAL	15
#define KISS_DISCOVERY_NOPIN_TIMEOUT	30

/* Every connection, from accept to teardown: for module unload. */
static LIST_HEAD(kiss_conns);
static DEFINE_SPINLOCK(kiss_conns_lock);
static DECLARE_WAIT_QUEUE_HEAD(kiss_conns_wq);
static atomic_t kiss_nr_logins = ATOMIC_INIT(0);

static void kiss_conn_close_work(struct work_struct *work)
{
	struct kiss_conn *conn = container_of(work, struct kiss_conn,
					      close_work);

	kernel_sock_shutdown(conn->sock, SHUT_RDWR);
}

/**
 * kiss_conn_close() - make a connection go away
 * @conn: the connection
 *
 * Shuts the socket down (from a work item, so that this may be called
 * under a spinlock); the rx thread then sees the error and tears the
 * connection and its session down.
 *
 * Context: any.
 */
void kiss_conn_close(struct kiss_conn *conn)
{
	WRITE_ONCE(conn->closing, true);
	wake_up(&conn->tx_wait);
	queue_work(kiss_wq, &conn->close_work);
}

/* ------------------------------------------------------------------ */
/* Socket I/O                                                          */

static int kiss_conn_recv_iter(struct kiss_conn *conn, struct msghdr *msg)
{
	while (msg_data_left(msg)) {
		int ret;

		/* A byte now and then must not keep a login alive. */
		if (conn->state == KISS_CONN_LOGIN &&
		    time_after(jiffies, conn->login_deadline))
			return -ETIMEDOUT;
		ret = sock_recvmsg(conn->sock, msg, MSG_WAITALL);
		if (ret <= 0)
			return ret ? ret : -ECONNRESET;
	}
	conn->last_rx = jiffies;
	return 0;
}

/**
 * kiss_conn_recv() - receive exactly @len bytes into @buf
 * @conn: the connection
 * @buf: destination
 * @len: byte count
 *
 * Return: 0, or -errno when the connection failed or was closed.
 */
int kiss_conn_recv(struct kiss_conn *conn, void *buf, u32 len)
{
	struct msghdr msg = {};
	struct kvec iov = { .iov_base = buf, .iov_len = len };

	iov_iter_kvec(&msg.msg_iter, ITER_DEST, &iov, 1, len);
	return kiss_conn_recv_iter(conn, &msg);
}

/* Receive and drop @len bytes. */
static int kiss_conn_discard(struct kiss_conn *conn, u32 len)
{
	while (len) {
		u32 chunk = min_t(u32, len, PAGE_SIZE);
		int ret = kiss_conn_recv(conn, conn->scratch, chunk);

		if (ret)
			return ret;
		len -= chunk;
	}
	return 0;
}

/* Drop the data segment of the PDU in conn->hdr, digest included. */
static int kiss_conn_skip_data(struct kiss_conn *conn,
			       const struct kiss_pdu_info *info)
{
	if (!info->data_len)
		return 0;
	return kiss_conn_discard(conn, info->data_padded +
				 (conn->params.data_digest ? 4 : 0));
}

/* Receive @len bytes into the command's pages at @offset: zero copy. */
static int kiss_conn_recv_pages(struct kiss_conn *conn, struct kiss_cmd *cmd,
				u32 offset, u32 len)
{
	struct msghdr msg = {};

	iov_iter_bvec(&msg.msg_iter, ITER_DEST, cmd->bvec, cmd->nr_pages,
		      cmd->buf_len);
	iov_iter_advance(&msg.msg_iter, offset);
	iov_iter_truncate(&msg.msg_iter, len);
	return kiss_conn_recv_iter(conn, &msg);
}

/* CRC32C over @len bytes of the command's pages from @offset. */
static u32 kiss_cmd_crc(struct kiss_cmd *cmd, u32 crc, u32 offset, u32 len)
{
	u32 i = offset >> PAGE_SHIFT;

	offset &= ~PAGE_MASK;
	while (len) {
		u32 chunk = min_t(u32, len, cmd->bvec[i].bv_len - offset);
		void *p = kmap_local_page(cmd->bvec[i].bv_page);

		crc = kiss_digest_update(crc, p + offset, chunk);
		kunmap_local(p);
		len -= chunk;
		offset = 0;
		i++;
	}
	return crc;
}

static int kiss_conn_sendmsg(struct kiss_conn *conn, struct kvec *iov,
			     int nr, size_t len, int flags)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | flags };

	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, iov, nr, len);
	while (msg_data_left(&msg)) {
		int ret = sock_sendmsg(conn->sock, &msg);

		if (ret <= 0)
			return ret ? ret : -EPIPE;
	}
	return 0;
}

/* How traces name a connection: its session's TSIH, 0 during login. */
static u16 kiss_conn_tsih(const struct kiss_conn *conn)
{
	return conn->sess ? conn->sess->tsih : 0;
}

/*
 * Put one PDU on the wire: the BHS (its StatSN, ExpCmdSN and MaxCmdSN
 * stamped now), the header digest, then either @data or @len bytes of
 * @cmd's pages from @offset, padding and the data digest.  With @more the
 * sender has another PDU to follow at once: TCP may hold this one back
 * (MSG_MORE) to fill its segment, until a PDU without @more or
 * kiss_conn_push().
 */
static int kiss_conn_send_pdu(struct kiss_conn *conn, void *bhs,
			      const void *data, struct kiss_cmd *cmd,
			      u32 offset, u32 len, bool more)
{
	static const u8 zero_pad[4];
	struct kiss_sn sn;
	/* BHS, header digest, data, padding, data digest */
	struct kvec iov[5];
	u8 hdgst[4], ddgst[4];
	u32 pad = kiss_digest_pad_len(len);
	size_t total;
	int nr = 0, ret;

	mutex_lock(&conn->send_mutex);
	if (READ_ONCE(conn->closing) && conn->state != KISS_CONN_LOGGED_OUT) {
		ret = -ESHUTDOWN;
		goto out;
	}
	sn.stat_sn = conn->stat_sn;
	sn.exp_cmd_sn = READ_ONCE(conn->exp_cmd_sn);
	sn.max_cmd_sn = (u32)atomic_read(&conn->max_cmd_sn);
	kiss_pdu_set_sn(bhs, &sn);
	pr_debug("tx %s itt %#x statsn %u expcmdsn %u maxcmdsn %u len %u\n",
		 kiss_opcode_name(*(u8 *)bhs), get_unaligned_be32(bhs + 16),
		 sn.stat_sn, sn.exp_cmd_sn, sn.max_cmd_sn, len);
	trace_kiss_pdu_tx(kiss_conn_tsih(conn), *(u8 *)bhs & 0x3f,
			  get_unaligned_be32(bhs + 16), len);
	if (kiss_pdu_advances_stat_sn(bhs))
		conn->stat_sn++;

	iov[nr].iov_base = bhs;
	iov[nr++].iov_len = KISS_BHS_LEN;
	total = KISS_BHS_LEN;
	if (conn->params.header_digest) {
		kiss_digest_put(kiss_digest_header(bhs, KISS_BHS_LEN), hdgst);
		iov[nr].iov_base = hdgst;
		iov[nr++].iov_len = 4;
		total += 4;
	}
	if (len && data) {
		iov[nr].iov_base = (void *)data;
		iov[nr++].iov_len = len;
		total += len;
	}
	if (len && cmd) {
		/* Header first, then the pages themselves. */
		ret = kiss_conn_sendmsg(conn, iov, nr, total, MSG_MORE);
		if (ret)
			goto out;
		ret = kiss_send_pages(conn->sock, cmd->bvec, offset, len,
				      more || pad || conn->params.data_digest);
		if (ret)
			goto out;
		nr = 0;
		total = 0;
	}
	if (pad) {
		iov[nr].iov_base = (void *)zero_pad;
		iov[nr++].iov_len = pad;
		total += pad;
	}
	if (len && conn->params.data_digest) {
		u32 crc = kiss_digest_init();

		if (cmd)
			crc = kiss_cmd_crc(cmd, crc, offset, len);
		else
			crc = kiss_digest_update(crc, data, len);
		crc = kiss_digest_update(crc, zero_pad, pad);
		kiss_digest_put(kiss_digest_final(crc), ddgst);
		iov[nr].iov_base = ddgst;
		iov[nr++].iov_len = 4;
		total += 4;
	}
	ret = nr ? kiss_conn_sendmsg(conn, iov, nr, total,
				     more ? MSG_MORE : 0) : 0;
	WRITE_ONCE(conn->tx_corked, more);
out:
	/*
	 * A PDU cut short (a send timeout) leaves the stream unframed:
	 * nothing more may be sent on it.
	 */
	if (ret && ret != -ESHUTDOWN) {
		WRITE_ONCE(conn->closing, true);
		queue_work(kiss_wq, &conn->close_work);
	}
	mutex_unlock(&conn->send_mutex);
	return ret;
}

/**
 * kiss_conn_send() - send a PDU with an optional data segment
 * @conn: the connection
 * @bhs: the 48-byte header, built by a kiss_build_*() function
 * @data: the data segment, or NULL
 * @len: its length
 *
 * Return: 0 or -errno.
 */
int kiss_conn_send(struct kiss_conn *conn, void *bhs, const void *data,
		   u32 len)
{
	return kiss_conn_send_pdu(conn, bhs, data, NULL, 0, len, false);
}

/*
 * Send what PDUs sent with @more left in the socket, if the PDU that was
 * to follow them never came (a command aborted meanwhile).
 */
static void kiss_conn_push(struct kiss_conn *conn)
{
	mutex_lock(&conn->send_mutex);
	if (conn->tx_corked) {
		WRITE_ONCE(conn->tx_corked, false);
		/* Uncorking pushes the pending frames. */
		tcp_sock_set_cork(conn->sock->sk, false);
	}
	mutex_unlock(&conn->send_mutex);
}

void kiss_conn_reject(struct kiss_conn *conn, u8 reason, const void *hdr)
{
	u8 bhs[KISS_BHS_LEN];

	kiss_build_reject(bhs, reason, 0);
	kiss_conn_send(conn, bhs, hdr, KISS_BHS_LEN);
}

/* ------------------------------------------------------------------ */
/* Command slots and buffers                                           */

static struct kiss_cmd *kiss_cmd_alloc(struct kiss_conn *conn,
				       bool immediate)
{
	unsigned long idx;
	u32 first = immediate ? conn->nr_cmds - KISS_IMMEDIATE_SLOTS : 0;
	struct kiss_cmd *cmd;

	/* Ordinary commands are bounded by MaxCmdSN; immediate ones here. */
	idx = find_next_zero_bit(conn->slot_map, conn->nr_cmds, first);
	if (idx >= conn->nr_cmds)
		return NULL;
	/*
	 * Atomic: the thread that answers a command clears bits of the same
	 * words.  Acquire: pairs with kiss_cmd_free()'s clear_bit_unlock(),
	 * so the slot's pages are as that thread left them.
	 */
	test_and_set_bit_lock(idx, conn->slot_map);
	cmd = &conn->cmds[idx];
	WRITE_ONCE(cmd->state, KISS_CMD_RECV_DATA);
	cmd->lun = NULL;
	cmd->data_len = 0;
	cmd->buf_len = 0;
	cmd->unsol_len = 0;
	cmd->data_received = 0;
	cmd->r2t_offset = 0;
	cmd->r2t_outstanding = 0;
	cmd->r2t_sn = 0;
	cmd->data_sn = 0;
	cmd->status = 0;
	cmd->sense_len = 0;
	cmd->aborted = false;
	cmd->bio_status = BLK_STS_OK;
	atomic_set(&cmd->bios_pending, 0);
	memset(cmd->scsi_priv, 0, sizeof(cmd->scsi_priv));
	cmd->start_ns = local_clock();
	atomic_inc(&conn->in_flight);
	return cmd;
}

/*
 * A page the socket still references (a Data-In not yet acknowledged by
 * TCP, or not yet read by a loopback peer) must not be overwritten.  Park
 * it, and take back in its place the oldest parked page if TCP is done
 * with that one: a new page costs its clearing (init_on_alloc) as well as
 * the allocation.  The oldest parked page is let go when the ring is full.
 */
static struct page *kiss_conn_swap_page(struct kiss_conn *conn,
					struct page *busy)
{
	struct page *page = NULL;

	if (conn->nr_parked &&
	    (page_count(conn->parked[conn->park_head]) == 1 ||
	     conn->nr_parked == KISS_PARKED_PAGES)) {
		page = conn->parked[conn->park_head];
		conn->park_head = (conn->park_head + 1) % KISS_PARKED_PAGES;
		conn->nr_parked--;
		if (page_count(page) != 1) {
			put_page(page);
			page = NULL;
		}
	}
	conn->parked[(conn->park_head + conn->nr_parked) % KISS_PARKED_PAGES] =
		busy;
	conn->nr_parked++;
	return page;
}

static void kiss_conn_free_parked(struct kiss_conn *conn)
{
	while (conn->nr_parked) {
		put_page(conn->parked[conn->park_head]);
		conn->park_head = (conn->park_head + 1) % KISS_PARKED_PAGES;
		conn->nr_parked--;
	}
}

/*
 * Make the first @len bytes of the buffer hold private, writable pages.
 * Context: the rx thread (the parked pages are its own).
 */
static int kiss_cmd_alloc_buf(struct kiss_cmd *cmd, u32 len)
{
	u32 nr = DIV_ROUND_UP(len, PAGE_SIZE), i;

	/* Any of these may hold a page from here on, even if one fails. */
	cmd->pages_held = max(cmd->pages_held, nr);
	for (i = 0; i < nr; i++) {
		struct bio_vec *bv = &cmd->bvec[i];

		if (bv->bv_page && page_count(bv->bv_page) != 1)
			bv->bv_page = kiss_conn_swap_page(cmd->conn,
							  bv->bv_page);
		if (!bv->bv_page) {
			bv->bv_page = alloc_page(GFP_KERNEL);
			if (!bv->bv_page)
				return -ENOMEM;
		}
		bv->bv_offset = 0;
		bv->bv_len = min_t(u32, PAGE_SIZE, len - i * PAGE_SIZE);
	}
	cmd->nr_pages = nr;
	cmd->buf_len = len;
	return 0;
}

static void kiss_cmd_free_pages(struct kiss_cmd *cmd, u32 keep)
{
	u32 i;

	/* No early stop: a failed allocation can leave holes. */
	for (i = keep; i < cmd->pages_held; i++) {
		if (!cmd->bvec[i].bv_page)
			continue;
		put_page(cmd->bvec[i].bv_page);
		cmd->bvec[i].bv_page = NULL;
	}
	cmd->pages_held = min(cmd->pages_held, keep);
}

/* Release a slot; the command's response was sent or is not wanted. */
static void kiss_cmd_free(struct kiss_cmd *cmd)
{
	struct kiss_conn *conn = cmd->conn;
	unsigned long flags;

	kiss_scsi_release(cmd);
	kiss_cmd_free_pages(cmd, KISS_SLOT_CACHE_PAGES);
	cmd->nr_pages = 0;
	cmd->buf_len = 0;
	/* Under tx_lock: a TMF decides which commands it waits for. */
	spin_lock_irqsave(&conn->tx_lock, flags);
	WARN_ON_ONCE(cmd->fence_pa);
	if (cmd->tmf_wait) {
		cmd->tmf_wait = false;
		/* The tx thread sends the TMF response once none is left. */
		if (atomic_dec_and_test(&conn->tmf_waiting))
			wake_up(&conn->tx_wait);
	}
	cmd->state = KISS_CMD_FREE;
	spin_unlock_irqrestore(&conn->tx_lock, flags);
	/* A freed ordinary slot opens the CmdSN window by one. */
	if (!cmd->immediate)
		atomic_inc(&conn->max_cmd_sn);
	clear_bit_unlock(cmd->idx, conn->slot_map);
	if (atomic_dec_and_test(&conn->in_flight))
		wake_up_all(&conn->drain_wait);
}

/**
 * kiss_cmd_copy_to_buf() - fill the data buffer of an emulated command
 * @cmd: the command
 * @offset: where in the buffer
 * @src: the bytes
 * @len: how many
 *
 * Return: the bytes copied; less than @len when the buffer is shorter
 * (the initiator asked for less: the rest is residual).
 */
size_t kiss_cmd_copy_to_buf(struct kiss_cmd *cmd, u32 offset,
			    const void *src, size_t len)
{
	struct iov_iter it;

	if (offset >= cmd->buf_len)
		return 0;
	iov_iter_bvec(&it, ITER_DEST, cmd->bvec, cmd->nr_pages, cmd->buf_len);
	iov_iter_advance(&it, offset);
	return copy_to_iter(src, len, &it);
}

/**
 * kiss_cmd_copy_from_buf() - read the parameter data of a command
 * @cmd: the command
 * @offset: where in the buffer
 * @dst: destination
 * @len: how many bytes
 *
 * Return: the bytes copied.
 */
size_t kiss_cmd_copy_from_buf(struct kiss_cmd *cmd, u32 offset, void *dst,
			      size_t len)
{
	struct iov_iter it;

	if (offset >= cmd->buf_len)
		return 0;
	iov_iter_bvec(&it, ITER_SOURCE, cmd->bvec, cmd->nr_pages, cmd->buf_len);
	iov_iter_advance(&it, offset);
	return copy_from_iter(dst, len, &it);
}

/**
 * kiss_cmd_set_sense() - end a command with CHECK CONDITION
 * @cmd: the command
 * @key: sense key
 * @asc: additional sense code
 * @ascq: its qualifier
 */
void kiss_cmd_set_sense(struct kiss_cmd *cmd, u8 key, u8 asc, u8 ascq)
{
	struct kiss_sense_info s = { .key = key, .asc = asc, .ascq = ascq };

	cmd->sense_len = kiss_sense_build(cmd->sense, sizeof(cmd->sense), &s,
					  false);
	cmd->status = SAM_STAT_CHECK_CONDITION;
}

/**
 * kiss_cmd_done() - a command has its result; queue the response
 * @cmd: the command
 *
 * The command the rx thread is running (conn->rx_cmd) is left for
 * kiss_conn_rx_exec() to answer: no wakeup of the tx thread for it.
 *
 * Context: any, including bio completion in interrupt context.
 */
void kiss_cmd_done(struct kiss_cmd *cmd)
{
	struct kiss_conn *conn = cmd->conn;
	struct kiss_cmd *pa, *tmp;
	unsigned long flags;
	LIST_HEAD(ready);

	/*
	 * Wake the tx thread before unlocking: once the command is visible
	 * the connection may be freed as soon as it has been answered.
	 */
	spin_lock_irqsave(&conn->tx_lock, flags);
	cmd->state = KISS_CMD_RESPOND;
	if (cmd->fence_pa) {
		kiss_pr_unfence(cmd, &ready);
		cmd->fence_pa = NULL;
	}
	if (cmd == conn->rx_cmd) {
		conn->rx_cmd_done = true;
	} else {
		list_add_tail(&cmd->tx_entry, &conn->tx_queue);
		wake_up(&conn->tx_wait);
	}
	spin_unlock_irqrestore(&conn->tx_lock, flags);

	/* The PREEMPT AND ABORTs that waited for the last of them. */
	list_for_each_entry_safe(pa, tmp, &ready, fence_entry) {
		list_del_init(&pa->fence_entry);
		kiss_cmd_done(pa);
	}
}

/* ------------------------------------------------------------------ */
/* Responses (tx thread, or the rx thread for what ended in it)        */

/*
 * Residual of a finished command (RFC 7143 11.4.5): how the SCSI transfer
 * length compares with the initiator's EDTL, whatever the status, as LIO
 * reports it.
 */
static u8 kiss_cmd_residual(struct kiss_cmd *cmd, u32 *residual)
{
	*residual = 0;
	if (cmd->data_len == cmd->edtl)
		return 0;
	if (cmd->data_len < cmd->edtl) {
		*residual = cmd->edtl - cmd->data_len;
		return KISS_RSP_UNDERFLOW;
	}
	*residual = cmd->data_len - cmd->edtl;
	return KISS_RSP_OVERFLOW;
}

static int kiss_conn_send_data_in(struct kiss_conn *conn,
				  struct kiss_cmd *cmd, u32 len, u8 rflags,
				  u32 residual, bool more)
{
	u32 mxdsl = conn->params.max_xmit_dsl;
	u32 burst = conn->params.max_burst;
	u32 off = 0;
	u8 bhs[KISS_BHS_LEN];

	while (off < len) {
		/* No PDU straddles a MaxBurstLength sequence boundary. */
		u32 chunk = min3(mxdsl, len - off, burst - off % burst);
		bool last = off + chunk == len;
		/* F closes each sequence (RFC 7143 11.7.1). */
		bool final = last || (off + chunk) % burst == 0;
		int ret;

		kiss_build_data_in(bhs, cmd->lun_raw, cmd->itt, cmd->data_sn++,
				   off, chunk, final);
		if (last && cmd->status == SAM_STAT_GOOD)
			kiss_data_in_set_status(bhs, cmd->status, rflags,
						residual);
		ret = kiss_conn_send_pdu(conn, bhs, NULL, cmd, off, chunk,
					 more || !last);
		if (ret)
			return ret;
		off += chunk;
	}
	return 0;
}

/* Refused already (CHECK CONDITION, RESERVATION CONFLICT): no execution. */
static bool kiss_cmd_failed(const struct kiss_cmd *cmd)
{
	return cmd->status != SAM_STAT_GOOD || cmd->sense_len;
}

/* Answer @cmd; with @more, another answer follows at once. */
static void kiss_conn_respond(struct kiss_conn *conn, struct kiss_cmd *cmd,
			      bool more)
{
	struct kiss_session *sess = conn->sess;
	u8 bhs[KISS_BHS_LEN];
	u8 sense[KISS_SENSE_LEN + 2];
	u32 residual, len = 0;
	u8 rflags;

	trace_kiss_cmd_done(sess->tsih, cmd->itt, cmd->status,
			    cmd->sense_len > 2 ? cmd->sense[2] & 0x0f : 0,
			    cmd->data_len, cmd->aborted);
	if (cmd->aborted)
		return;
	rflags = kiss_cmd_residual(cmd, &residual);
	if (cmd->read && cmd->status == SAM_STAT_GOOD)
		len = min3(cmd->data_len, cmd->edtl, cmd->buf_len);
	if (cmd->lun) {
		u32 moved = cmd->write && !kiss_cmd_failed(cmd) ?
			    min(cmd->data_len, cmd->edtl) : len;

		kiss_lun_account(cmd->lun, cmd, moved);
	}
	if (len) {
		atomic64_add(len, &sess->read_bytes);
		kiss_conn_send_data_in(conn, cmd, len, rflags, residual, more);
		return;
	}
	if (cmd->sense_len) {
		put_unaligned_be16(cmd->sense_len, sense);
		memcpy(sense + 2, cmd->sense, cmd->sense_len);
		atomic64_inc(&sess->errors);
	}
	kiss_build_scsi_rsp(bhs, cmd->itt, cmd->status, rflags, residual,
			    cmd->read ? cmd->data_sn : cmd->r2t_sn,
			    cmd->sense_len);
	kiss_conn_send_pdu(conn, bhs, cmd->sense_len ? sense : NULL, NULL, 0,
			   cmd->sense_len ? cmd->sense_len + 2 : 0, more);
}

/*
 * A device that sits on a bio must not hold the TMF answer, and with it
 * the initiator's error handling, forever: after KISS_TMF_WAIT the answer
 * goes out anyway.  The commands still at the device stay aborted (they
 * never answer) and keep their slots until their bios end; they stop
 * counting for this TMF, so that a later one starts from zero.
 */
static bool kiss_conn_tmf_expired(struct kiss_conn *conn)
{
	unsigned long idx;

	if (time_before(jiffies, conn->tmf_start + KISS_TMF_WAIT))
		return false;
	spin_lock_irq(&conn->tx_lock);
	for (idx = 0; idx < conn->nr_cmds; idx++) {
		struct kiss_cmd *cmd = &conn->cmds[idx];

		if (cmd->tmf_wait) {
			cmd->tmf_wait = false;
			atomic_dec(&conn->tmf_waiting);
		}
	}
	spin_unlock_irq(&conn->tx_lock);
	pr_warn_ratelimited("%pISpc: task management answered before the aborted commands ended (device slow)\n",
			    &conn->peer);
	return true;
}

/**
 * kiss_conn_fence() - make a PREEMPT AND ABORT wait for @conn's commands
 * @conn: a connection of a nexus that @pa preempted
 * @pa: the PREEMPT AND ABORT; the commands at its LUN's device count
 *
 * A command an earlier PREEMPT AND ABORT counted already is left to it:
 * those end in order (kiss_pr_unfence()).  So is a PERSISTENT RESERVE
 * OUT, which never waits for a later one.
 *
 * Context: any; the caller keeps @conn alive (holds target->sess_lock).
 */
void kiss_conn_fence(struct kiss_conn *conn, struct kiss_cmd *pa)
{
	struct kiss_lun *lun = pa->lun;
	unsigned long flags;
	u32 idx;

	spin_lock_irqsave(&conn->tx_lock, flags);
	for (idx = 0; idx < conn->nr_cmds; idx++) {
		struct kiss_cmd *cmd = &conn->cmds[idx];

		/* Leaving EXEC takes tx_lock; entering it may not have. */
		if (smp_load_acquire(&cmd->state) != KISS_CMD_EXEC ||
		    cmd->lun != lun || cmd->fence_pa ||
		    cmd->cdb[0] == KISS_SCSI_PR_OUT)
			continue;
		cmd->fence_pa = pa;
		kiss_pr_fence_count(pa);
	}
	spin_unlock_irqrestore(&conn->tx_lock, flags);
}

/* TARGET COLD RESET: every connection to the target goes (RFC 7143 11.5.1) */
static void kiss_conn_cold_reset(struct kiss_target *target)
{
	struct kiss_session *sess;

	spin_lock(&target->sess_lock);
	list_for_each_entry(sess, &target->sessions, entry)
		kiss_conn_close(sess->conn);
	spin_unlock(&target->sess_lock);
}

static void kiss_conn_send_tmf_rsp(struct kiss_conn *conn)
{
	bool cold = conn->tmf_cold;
	u8 bhs[KISS_BHS_LEN];

	kiss_build_tmf_rsp(bhs, conn->tmf_itt, conn->tmf_response);
	/* Pairs with the rx thread's acquire: tmf_itt is free again. */
	smp_store_release(&conn->tmf_ready, false);
	kiss_conn_send(conn, bhs, NULL, 0);
	if (cold)
		kiss_conn_cold_reset(conn->sess->target);
}

/*
 * What a reset does beyond aborting tasks: SPC-2 reservations end, and
 * every other I_T nexus hears of it through a unit attention (SAM-5
 * 6.3.3, 6.3.4).  Persistent reservations survive.
 */
static void kiss_conn_tmf_reset(struct kiss_conn *conn, u8 function,
				const u8 *lun_raw)
{
	struct kiss_session *sess = conn->sess;
	struct kiss_target *target = sess->target;
	struct kiss_lun *lun;
	u64 id;
	u32 i;

	if (function == KISS_TMF_LUN_RESET) {
		if (kiss_scsilun_decode(lun_raw, 8, &id))
			return;
		lun = kiss_lun_get(target, id);
		if (!lun)
			return;
		kiss_res_reset(lun);
		kiss_ua_set_target(target, lun->id, KISS_UA_RESET, sess);
		kiss_lun_put(lun);
		return;
	}
	for (i = 0; i < KISS_MAX_LUNS; i++) {
		lun = kiss_lun_get(target, i);
		if (!lun)
			continue;
		kiss_res_reset(lun);
		kiss_lun_put(lun);
	}
	kiss_ua_set_target(target, KISS_MAX_LUNS, KISS_UA_RESET, sess);
}

/* Send a keepalive NOP-In, or give up on a peer that stopped answering. */
static void kiss_conn_keepalive(struct kiss_conn *conn)
{
	struct kiss_session *sess = conn->sess;
	u32 interval = KISS_DISCOVERY_NOPIN_INTERVAL;
	u32 timeout = KISS_DISCOVERY_NOPIN_TIMEOUT;
	u8 bhs[KISS_BHS_LEN];
	unsigned long now = jiffies;

	if (sess->target) {
		interval = READ_ONCE(sess->target->params.nopin_interval);
		timeout = READ_ONCE(sess->target->params.nopin_timeout);
	}
	if (!interval)
		return;
	if (conn->nopin_ttt != KISS_RESERVED_TAG) {
		if (time_after(now, conn->nopin_sent + timeout * HZ)) {
			pr_warn_ratelimited("%pISpc: no NOP-Out answer from %s in %u s, dropping the connection\n",
					    &conn->peer, sess->initiator,
					    timeout);
			kiss_conn_close(conn);
		}
		return;
	}
	if (time_before(now, READ_ONCE(conn->last_rx) + interval * HZ))
		return;
	conn->nopin_ttt = (conn->nopin_seq++ & 0x7fffffff) | 0x40000000;
	conn->nopin_sent = now;
	kiss_build_nop_in(bhs, NULL, KISS_RESERVED_TAG, conn->nopin_ttt, 0);
	kiss_conn_send(conn, bhs, NULL, 0);
}

/*
 * Answer the commands taken in @done.  Answers taken together go out
 * together: all but the last with MSG_MORE, so that TCP packs them into
 * as few segments as it can, and the initiator takes them in one receive.
 */
static void kiss_conn_answer(struct kiss_conn *conn, struct list_head *done)
{
	struct kiss_cmd *cmd, *tmp;

	/* Nothing to push either: another thread's batch ends with its own. */
	if (list_empty(done))
		return;

	list_for_each_entry_safe(cmd, tmp, done, tx_entry) {
		bool more = !list_is_last(&cmd->tx_entry, done);

		list_del(&cmd->tx_entry);
		kiss_conn_respond(conn, cmd, more);
		kiss_cmd_free(cmd);
	}
	if (READ_ONCE(conn->tx_corked))
		kiss_conn_push(conn);
}

/*
 * Can the rx thread answer @cmd itself without holding itself up?  A best
 * guess, from what it sees now: no PDU waits in the socket, the tx thread
 * has nothing queued and is not sending a batch (the rx thread would wait
 * for send_mutex), and the answer is small (KISS_RX_ANSWER_MAX of data)
 * and fits twice in the socket's send space.  The tx thread can still
 * fill that space first; then the rx thread waits in its send, as it may
 * for an R2T.
 */
static bool kiss_conn_rx_may_answer(struct kiss_conn *conn,
				    struct kiss_cmd *cmd)
{
	u32 mxdsl = max(conn->params.max_xmit_dsl, 512U);
	struct sock *sk = conn->sock->sk;
	int space = sk_stream_wspace(sk);
	size_t bytes;
	u32 len;

	lockdep_assert_held(&conn->tx_lock);
	if (READ_ONCE(conn->tx_busy) || !list_empty(&conn->tx_queue) ||
	    !skb_queue_empty_lockless(&sk->sk_receive_queue) ||
	    READ_ONCE(sk->sk_backlog.tail) || space <= 0)
		return false;
	len = cmd->read ? min3(cmd->data_len, cmd->edtl, cmd->buf_len) : 0;
	if (len > KISS_RX_ANSWER_MAX)
		return false;
	/* about what goes on the wire: data, headers, digests, sense */
	bytes = len + (len / mxdsl + 1) * (KISS_BHS_LEN + 8) +
		cmd->sense_len + 2;
	return 2 * bytes <= (size_t)space;
}

/*
 * Run @cmd, which the rx thread has all the data of.  If it ends before
 * kiss_scsi_exec() returns, or in the block softirq its submission raised
 * (run here, at the local_bh_enable(), rather than at this thread's next
 * receive or in ksoftirqd), the rx thread answers it itself: at queue
 * depth 1 that saves the tx thread's wakeup and two context switches per
 * command.  It goes to the tx thread instead when answering here could
 * hold up the rx thread.
 *
 * Only @cmd is kept back this way, never another command, and only until
 * this returns: whatever kiss_scsi_exec() sleeps on (a COMPARE AND WRITE
 * waiting for one before it to be answered), it never waits for an
 * answer that only the rx thread could send.
 */
static void kiss_conn_rx_exec(struct kiss_conn *conn, struct kiss_cmd *cmd)
{
	LIST_HEAD(done);

	spin_lock_irq(&conn->tx_lock);
	conn->rx_cmd = cmd;
	spin_unlock_irq(&conn->tx_lock);

	kiss_scsi_exec(cmd);
	local_bh_disable();
	local_bh_enable();

	spin_lock_irq(&conn->tx_lock);
	conn->rx_cmd = NULL;
	if (conn->rx_cmd_done) {
		conn->rx_cmd_done = false;
		if (kiss_conn_rx_may_answer(conn, cmd)) {
			cmd->state = KISS_CMD_SENDING;
			list_add_tail(&cmd->tx_entry, &done);
		} else {
			list_add_tail(&cmd->tx_entry, &conn->tx_queue);
			wake_up(&conn->tx_wait);
		}
	}
	spin_unlock_irq(&conn->tx_lock);
	kiss_conn_answer(conn, &done);
}

static int kiss_conn_tx_thread(void *data)
{
	struct kiss_conn *conn = data;

	while (!kthread_should_stop()) {
		struct kiss_cmd *cmd;
		LIST_HEAD(done);

		/*
		 * A TMF waiting for aborted commands is looked at again when
		 * the last of them is freed, or after a second.
		 */
		wait_event_interruptible_timeout(conn->tx_wait,
						 !list_empty_careful(&conn->tx_queue) ||
						 (READ_ONCE(conn->tmf_ready) &&
						  !atomic_read(&conn->tmf_waiting)) ||
						 kthread_should_stop(), HZ);
		/*
		 * Taking a command off the queue decides under tx_lock
		 * whether it is answered: a TMF that comes later finds it
		 * done and does not count it as aborted.
		 */
		spin_lock_irq(&conn->tx_lock);
		list_splice_init(&conn->tx_queue, &done);
		list_for_each_entry(cmd, &done, tx_entry)
			cmd->state = KISS_CMD_SENDING;
		conn->tx_busy = !list_empty(&done);
		spin_unlock_irq(&conn->tx_lock);
		kiss_conn_answer(conn, &done);
		WRITE_ONCE(conn->tx_busy, false);
		/* A TMF answers only after the commands it aborted ended. */
		if (smp_load_acquire(&conn->tmf_ready) &&
		    (!atomic_read(&conn->tmf_waiting) ||
		     kiss_conn_tmf_expired(conn))) {
			kiss_conn_send_tmf_rsp(conn);
		}
		if (!READ_ONCE(conn->closing))
			kiss_conn_keepalive(conn);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Full Feature Phase (rx thread)                                      */

/*
 * CmdSN rules for a non-immediate request (RFC 7143 3.2.2.1): only the
 * next expected one is taken; duplicates and PDUs outside the window are
 * dropped without a word.  With one connection there is no reordering,
 * so a gap means the initiator is broken: that PDU is dropped too.
 */
static bool kiss_conn_take_cmd_sn(struct kiss_conn *conn, u32 cmd_sn,
				  bool immediate, bool uses_slot)
{
	if (immediate)
		return true;
	if (cmd_sn != conn->exp_cmd_sn) {
		pr_debug("CmdSN %u dropped, expected %u\n", cmd_sn,
			 conn->exp_cmd_sn);
		return false;
	}
	if ((s32)(cmd_sn - (u32)atomic_read(&conn->max_cmd_sn)) > 0)
		return false;
	WRITE_ONCE(conn->exp_cmd_sn, cmd_sn + 1);
	/* Requests without a slot do not narrow the window. */
	if (!uses_slot)
		atomic_inc(&conn->max_cmd_sn);
	return true;
}

static struct kiss_cmd *kiss_conn_find_itt(struct kiss_conn *conn, u32 itt)
{
	unsigned long idx;

	for_each_set_bit(idx, conn->slot_map, conn->nr_cmds) {
		struct kiss_cmd *cmd = &conn->cmds[idx];

		if (cmd->itt == itt && cmd->state != KISS_CMD_FREE)
			return cmd;
	}
	return NULL;
}

static int kiss_conn_recv_data_digest(struct kiss_conn *conn, u32 crc)
{
	u8 wire[4];
	int ret;

	if (!conn->params.data_digest)
		return 0;
	ret = kiss_conn_recv(conn, wire, 4);
	if (ret)
		return ret;
	if (!kiss_digest_ok(kiss_digest_final(crc), wire)) {
		pr_warn_ratelimited("data digest error from %pISpc, dropping the connection\n",
				    &conn->peer);
		return -EBADMSG;
	}
	return 0;
}

/**
 * kiss_conn_recv_text() - receive a text data segment into @acc
 * @conn: the connection
 * @info: the PDU's header
 * @acc: where the text is gathered
 *
 * The segment comes a page at a time through conn->scratch, padding and
 * digest included, so that its length is bounded by the accumulator and
 * not by anything the initiator says.
 *
 * Return: 0; -EMSGSIZE when the text does not fit (the segment was read
 * all the same); other -errno when the connection failed.
 */
int kiss_conn_recv_text(struct kiss_conn *conn,
			const struct kiss_pdu_info *info,
			struct kiss_text_accum *acc)
{
	u32 done = 0, crc = kiss_digest_init();
	bool overflow = false;
	int ret;

	while (done < info->data_padded) {
		u32 chunk = min_t(u32, info->data_padded - done, PAGE_SIZE);
		u32 text = done < info->data_len ?
			   min(chunk, info->data_len - done) : 0;

		ret = kiss_conn_recv(conn, conn->scratch, chunk);
		if (ret)
			return ret;
		if (conn->params.data_digest)
			crc = kiss_digest_update(crc, conn->scratch, chunk);
		if (text && !overflow &&
		    kiss_text_accum_add(acc, conn->scratch, text))
			overflow = true;
		done += chunk;
	}
	if (info->data_len) {
		ret = kiss_conn_recv_data_digest(conn, crc);
		if (ret)
			return ret;
	}
	return overflow ? -EMSGSIZE : 0;
}

/*
 * Receive @len bytes of write data at @offset of @cmd, padding and digest
 * included: what falls inside the buffer lands in its pages, the rest
 * (data the initiator sends beyond what the CDB needs) is dropped.
 */
static int kiss_conn_recv_write_data(struct kiss_conn *conn,
				     struct kiss_cmd *cmd, u32 offset, u32 len)
{
	u32 in_buf = offset < cmd->buf_len ?
		     min(len, cmd->buf_len - offset) : 0;
	u32 pad = kiss_digest_pad_len(len);
	u32 crc = kiss_digest_init();
	int ret;

	if (in_buf) {
		ret = kiss_conn_recv_pages(conn, cmd, offset, in_buf);
		if (ret)
			return ret;
		if (conn->params.data_digest)
			crc = kiss_cmd_crc(cmd, crc, offset, in_buf);
	}
	while (in_buf < len + pad) {
		u32 chunk = min_t(u32, len + pad - in_buf, PAGE_SIZE);

		ret = kiss_conn_recv(conn, conn->scratch, chunk);
		if (ret)
			return ret;
		if (conn->params.data_digest)
			crc = kiss_digest_update(crc, conn->scratch, chunk);
		in_buf += chunk;
	}
	/* An empty data segment has no digest. */
	return len ? kiss_conn_recv_data_digest(conn, crc) : 0;
}

/* Solicit what is left of a write, up to MaxOutstandingR2T at a time. */
static int kiss_conn_send_r2ts(struct kiss_conn *conn, struct kiss_cmd *cmd)
{
	u8 bhs[KISS_BHS_LEN];

	while (cmd->r2t_offset < cmd->edtl &&
	       cmd->r2t_outstanding < conn->params.max_outstanding_r2t) {
		u32 len = min(cmd->edtl - cmd->r2t_offset,
			      conn->params.max_burst);
		int ret;

		kiss_build_r2t(bhs, cmd->lun_raw, cmd->itt, cmd->ttt,
			       cmd->r2t_sn++, cmd->r2t_offset, len);
		ret = kiss_conn_send(conn, bhs, NULL, 0);
		if (ret)
			return ret;
		cmd->r2t_offset += len;
		cmd->r2t_outstanding++;
	}
	return 0;
}

/* All the data a command waits for is in: run it, or answer its error. */
static void kiss_conn_exec(struct kiss_conn *conn, struct kiss_cmd *cmd)
{
	if (cmd == conn->last_cmd)
		conn->last_cmd = NULL;
	if (kiss_cmd_failed(cmd)) {
		kiss_cmd_done(cmd);
		return;
	}
	/* Release: kiss_conn_fence() finds cmd->lun set. */
	smp_store_release(&cmd->state, KISS_CMD_EXEC);
	if (cmd->write)
		atomic64_add(min(cmd->data_len, cmd->edtl),
			     &conn->sess->write_bytes);
	kiss_conn_rx_exec(conn, cmd);
}

/* How much a write expects in all: everything, or after an error only
 * what the initiator sends unasked.
 */
static u32 kiss_cmd_expected(struct kiss_cmd *cmd)
{
	return kiss_cmd_failed(cmd) ? cmd->unsol_len : cmd->edtl;
}

static int kiss_conn_scsi_cmd(struct kiss_conn *conn,
			      const struct kiss_pdu_info *info)
{
	const struct kiss_bhs_scsi_cmd *h = (const void *)conn->hdr;
	struct kiss_conn_params *p = &conn->params;
	struct kiss_ahs_info ahs = {};
	struct kiss_cmd *cmd;
	u32 cmd_sn = be32_to_cpu(h->cmd_sn);
	u32 edtl = be32_to_cpu(h->edtl);
	bool write = h->flags & KISS_CMD_WRITE;
	u32 imm = info->data_len;
	int ret;

	if (info->ahs_len &&
	    kiss_pdu_parse_ahs(conn->hdr + KISS_BHS_LEN, info->ahs_len, &ahs))
		return -EPROTO;
	/* Bidirectional commands are not supported. */
	if (ahs.has_bidi_len ||
	    (write && (h->flags & KISS_CMD_READ)))
		return -EPROTO;
	/* Immediate data only on writes, within the negotiated limits. */
	if (imm && (!write || !p->immediate_data || imm > p->first_burst ||
		    imm > edtl))
		return -EPROTO;

	if (!kiss_conn_take_cmd_sn(conn, cmd_sn, info->immediate, true))
		return kiss_conn_skip_data(conn, info);

	cmd = kiss_cmd_alloc(conn, info->immediate);
	if (!cmd) {
		/* Only an immediate command can find no slot. */
		kiss_conn_reject(conn, KISS_REJECT_IMMEDIATE_CMD, h);
		return kiss_conn_skip_data(conn, info);
	}
	atomic64_inc(&conn->sess->cmds);
	cmd->immediate = info->immediate;
	cmd->itt = info->itt;
	cmd->ttt = (conn->ttt_gen++ << 10 | cmd->idx) & 0x7fffffff;
	cmd->cmd_sn = cmd_sn;
	memcpy(cmd->lun_raw, h->lun, sizeof(cmd->lun_raw));
	memcpy(cmd->cdb, h->cdb, sizeof(h->cdb));
	cmd->cdb_len = sizeof(h->cdb);
	if (ahs.ext_cdb_len) {
		memcpy(cmd->cdb + 16, ahs.ext_cdb,
		       min_t(u32, ahs.ext_cdb_len, KISS_MAX_CDB_LEN - 16));
		cmd->cdb_len += min_t(u32, ahs.ext_cdb_len,
				      KISS_MAX_CDB_LEN - 16);
	}
	cmd->edtl = edtl;
	cmd->write = write;
	cmd->read = h->flags & KISS_CMD_READ;

	/* F=1 on the command: no unsolicited Data-Out follows it. */
	if (write)
		cmd->unsol_len = p->initial_r2t || info->final ? imm :
				 min(edtl, p->first_burst);
	trace_kiss_cmd_start(conn->sess->tsih, cmd->itt, cmd->cmd_sn,
			     cmd->cdb_len ? cmd->cdb[0] : 0, cmd->edtl);
	if (kiss_scsi_prepare(cmd) == 0) {
		u32 len = min(cmd->data_len, edtl);

		if ((cmd->write || cmd->read) && len &&
		    kiss_cmd_alloc_buf(cmd, len)) {
			kiss_cmd_set_sense(cmd, 0x0b, 0x55, 0x03); /* resources */
			cmd->buf_len = 0;
		}
	} else if (cmd->status == SAM_STAT_GOOD) {
		kiss_cmd_set_sense(cmd, 0x05, 0x24, 0x00);
	}

	if (!write) {
		kiss_conn_exec(conn, cmd);
		return 0;
	}
	if (imm) {
		ret = kiss_conn_recv_write_data(conn, cmd, 0, imm);
		if (ret)
			return ret;
		cmd->data_received = imm;
	}
	cmd->data_sn = 0;
	cmd->burst_end = cmd->unsol_len;
	cmd->r2t_offset = max(cmd->unsol_len, imm);
	if (cmd->data_received >= kiss_cmd_expected(cmd)) {
		kiss_conn_exec(conn, cmd);
		return 0;
	}
	conn->last_cmd = cmd;
	if (!kiss_cmd_failed(cmd))
		return kiss_conn_send_r2ts(conn, cmd);
	return 0;
}

static int kiss_conn_data_out(struct kiss_conn *conn,
			      const struct kiss_pdu_info *info)
{
	const struct kiss_bhs_data_out *h = (const void *)conn->hdr;
	u32 ttt = be32_to_cpu(h->ttt);
	u32 offset = be32_to_cpu(h->buffer_offset);
	u32 data_sn = be32_to_cpu(h->data_sn);
	u32 len = info->data_len;
	struct kiss_cmd *cmd = NULL;
	int ret;

	if (ttt != KISS_RESERVED_TAG) {
		u32 idx = ttt & 0x3ff;

		if (idx < conn->nr_cmds && conn->cmds[idx].ttt == ttt &&
		    test_bit(idx, conn->slot_map))
			cmd = &conn->cmds[idx];
	} else if (conn->last_cmd && conn->last_cmd->itt == info->itt) {
		cmd = conn->last_cmd;
	} else {
		cmd = kiss_conn_find_itt(conn, info->itt);
	}
	/* Data for a command that already ended (an error): dropped. */
	if (!cmd || cmd->state != KISS_CMD_RECV_DATA || cmd->itt != info->itt)
		return kiss_conn_skip_data(conn, info);

	/*
	 * DataPDUInOrder and DataSequenceInOrder are Yes: every PDU must
	 * continue exactly where the last one ended, unsolicited data stays
	 * within the first burst and solicited data comes after it.
	 */
	if (offset != cmd->data_received || len > cmd->edtl - offset ||
	    (ttt == KISS_RESERVED_TAG && offset + len > cmd->unsol_len) ||
	    (ttt != KISS_RESERVED_TAG && offset < cmd->unsol_len) ||
	    data_sn != cmd->data_sn) {
		pr_warn_ratelimited("%pISpc: bad Data-Out (itt %#x offset %u len %u datasn %u, expected offset %u datasn %u)\n",
				    &conn->peer, info->itt, offset, len,
				    data_sn, cmd->data_received, cmd->data_sn);
		kiss_conn_reject(conn, KISS_REJECT_PROTOCOL_ERROR, h);
		return -EPROTO;
	}
	ret = kiss_conn_recv_write_data(conn, cmd, offset, len);
	if (ret)
		return ret;
	cmd->data_received += len;
	cmd->data_sn++;
	if (info->final) {
		/* The sequence ends: DataSN starts over in the next one. */
		cmd->data_sn = 0;
		if (ttt != KISS_RESERVED_TAG && cmd->r2t_outstanding)
			cmd->r2t_outstanding--;
	}
	if (cmd->data_received >= kiss_cmd_expected(cmd)) {
		kiss_conn_exec(conn, cmd);
		return 0;
	}
	if (info->final && !kiss_cmd_failed(cmd))
		return kiss_conn_send_r2ts(conn, cmd);
	return 0;
}

static int kiss_conn_nop_out(struct kiss_conn *conn,
			     const struct kiss_pdu_info *info)
{
	const struct kiss_bhs_nop *h = (const void *)conn->hdr;
	u32 ttt = be32_to_cpu(h->ttt);
	u8 bhs[KISS_BHS_LEN];
	void *data = NULL;
	int ret;

	/* The answer to our keepalive ping: nothing to send back. */
	if (info->itt == KISS_RESERVED_TAG) {
		if (ttt == conn->nopin_ttt)
			conn->nopin_ttt = KISS_RESERVED_TAG;
		return kiss_conn_skip_data(conn, info);
	}
	/* The echo must fit the initiator's MaxRecvDataSegmentLength. */
	if (info->data_len > conn->params.max_xmit_dsl) {
		kiss_conn_reject(conn, KISS_REJECT_PROTOCOL_ERROR, h);
		return kiss_conn_skip_data(conn, info);
	}
	if (info->data_len) {
		data = kvmalloc(info->data_padded, GFP_KERNEL);
		if (!data)
			return -ENOMEM;
		ret = kiss_conn_recv(conn, data, info->data_padded);
		if (!ret && conn->params.data_digest) {
			u32 crc = kiss_digest_update(kiss_digest_init(), data,
						     info->data_padded);

			ret = kiss_conn_recv_data_digest(conn, crc);
		}
		if (ret)
			goto out;
	}
	ret = 0;
	if (!kiss_conn_take_cmd_sn(conn, be32_to_cpu(h->sn), info->immediate,
				   false))
		goto out;
	kiss_build_nop_in(bhs, h->lun, info->itt, KISS_RESERVED_TAG,
			  info->data_len);
	ret = kiss_conn_send(conn, bhs, data, info->data_len);
out:
	kvfree(data);
	return ret;
}

/* Free the writes that wait for Data-Out: rx thread only. */
static void kiss_conn_drop_waiting(struct kiss_conn *conn)
{
	unsigned long idx;

	conn->last_cmd = NULL;
	for_each_set_bit(idx, conn->slot_map, conn->nr_cmds) {
		struct kiss_cmd *cmd = &conn->cmds[idx];

		if (cmd->state == KISS_CMD_RECV_DATA) {
			cmd->aborted = true;
			kiss_cmd_free(cmd);
		}
	}
}

static int kiss_conn_logout(struct kiss_conn *conn,
			    const struct kiss_pdu_info *info)
{
	const struct kiss_bhs_logout_req *h = (const void *)conn->hdr;
	u8 reason = h->reason & 0x7f;
	u8 bhs[KISS_BHS_LEN];
	u8 response = KISS_LOGOUT_RSP_SUCCESS;

	if (!kiss_conn_take_cmd_sn(conn, be32_to_cpu(h->cmd_sn),
				   info->immediate, false))
		return 0;
	if (reason == KISS_LOGOUT_REMOVE_FOR_RECOVERY)
		response = KISS_LOGOUT_RSP_NO_RECOVERY;	/* ERL 0 */
	else if (reason == KISS_LOGOUT_CLOSE_CONNECTION &&
		 be16_to_cpu(h->cid) != conn->cid)
		response = KISS_LOGOUT_RSP_NO_CID;
	kiss_build_logout_rsp(bhs, info->itt, response, 0, 0);
	/*
	 * Writes still waiting for data will never get it: drop them; those
	 * at the device finish before the connection closes.
	 */
	kiss_conn_drop_waiting(conn);
	wait_event_timeout(conn->drain_wait,
			   atomic_read(&conn->in_flight) == 0, 30 * HZ);
	if (response != KISS_LOGOUT_RSP_SUCCESS)
		return kiss_conn_send(conn, bhs, NULL, 0);
	conn->state = KISS_CONN_LOGGED_OUT;
	kiss_conn_send(conn, bhs, NULL, 0);
	return -ECONNRESET;	/* done: tear down */
}

static int kiss_conn_tmf(struct kiss_conn *conn,
			 const struct kiss_pdu_info *info)
{
	const struct kiss_bhs_tmf_req *h = (const void *)conn->hdr;
	u8 function = h->function & 0x7f;
	u32 rtt = be32_to_cpu(h->rtt);
	unsigned long idx;
	u8 response = KISS_TMF_RSP_COMPLETE;
	unsigned int found;
	bool all;

	if (!kiss_conn_take_cmd_sn(conn, be32_to_cpu(h->cmd_sn),
				   info->immediate, false))
		return 0;
	/* Pairs with the tx thread's release once it built the answer. */
	if (smp_load_acquire(&conn->tmf_ready)) {
		/* One at a time: the initiator waits for each answer. */
		kiss_conn_reject(conn, KISS_REJECT_TASK_IN_PROGRESS, h);
		return 0;
	}

	switch (function) {
	case KISS_TMF_ABORT_TASK:
		all = false;
		break;
	case KISS_TMF_ABORT_TASK_SET:
	case KISS_TMF_CLEAR_TASK_SET:
		all = true;
		break;
	case KISS_TMF_LUN_RESET:
	case KISS_TMF_TARGET_WARM_RESET:
	case KISS_TMF_TARGET_COLD_RESET:
		all = true;
		kiss_conn_tmf_reset(conn, function, h->lun);
		break;
	default:
		all = false;
		response = KISS_TMF_RSP_NOT_SUPPORTED;
		break;
	}

	atomic64_inc(&conn->sess->tmfs);
	conn->tmf_itt = info->itt;
	conn->tmf_cold = function == KISS_TMF_TARGET_COLD_RESET;
	conn->tmf_start = jiffies;
	atomic_set(&conn->tmf_waiting, 0);
	if (response == KISS_TMF_RSP_COMPLETE) {
		found = 0;
		for_each_set_bit(idx, conn->slot_map, conn->nr_cmds) {
			struct kiss_cmd *cmd = &conn->cmds[idx];

			if (cmd->state == KISS_CMD_FREE ||
			    (!all && cmd->itt != rtt) ||
			    (function != KISS_TMF_TARGET_WARM_RESET &&
			     function != KISS_TMF_TARGET_COLD_RESET &&
			     memcmp(cmd->lun_raw, h->lun, 8)))
				continue;
			if (cmd->state == KISS_CMD_RECV_DATA) {
				if (cmd == conn->last_cmd)
					conn->last_cmd = NULL;
				cmd->aborted = true;
				kiss_cmd_free(cmd);
				found++;
				continue;
			}
			/*
			 * Running commands cannot be recalled from the
			 * device; the tx thread answers the TMF once they
			 * have finished, and sends nothing for them.  One
			 * whose answer is already going out has ended.
			 */
			spin_lock_irq(&conn->tx_lock);
			if (cmd->state == KISS_CMD_EXEC ||
			    cmd->state == KISS_CMD_RESPOND) {
				cmd->aborted = true;
				cmd->tmf_wait = true;
				atomic_inc(&conn->tmf_waiting);
				found++;
			}
			spin_unlock_irq(&conn->tx_lock);
		}
		/* RFC 7143 11.6.1: the task was answered or never came. */
		if (function == KISS_TMF_ABORT_TASK && !found)
			response = KISS_TMF_RSP_NO_TASK;
	}
	trace_kiss_tmf(conn->sess->tsih, info->itt, function, rtt, response);
	conn->tmf_response = response;
	/* Let the tx thread send it after anything already queued. */
	smp_store_release(&conn->tmf_ready, true);
	wake_up(&conn->tx_wait);
	return 0;
}

static int kiss_conn_text(struct kiss_conn *conn,
			  const struct kiss_pdu_info *info)
{
	const struct kiss_bhs_text *h = (const void *)conn->hdr;
	int ret;

	if (!kiss_conn_take_cmd_sn(conn, be32_to_cpu(h->sn), info->immediate,
				   false)) {
		return kiss_conn_skip_data(conn, info);
	}
	ret = kiss_text_request(conn, info);
	return ret;
}

static int kiss_conn_dispatch(struct kiss_conn *conn,
			      const struct kiss_pdu_info *info)
{
	switch (info->opcode) {
	case KISS_OP_SCSI_CMD:
		return kiss_conn_scsi_cmd(conn, info);
	case KISS_OP_DATA_OUT:
		return kiss_conn_data_out(conn, info);
	case KISS_OP_NOP_OUT:
		return kiss_conn_nop_out(conn, info);
	case KISS_OP_TEXT_REQ:
		return kiss_conn_text(conn, info);
	case KISS_OP_LOGOUT_REQ:
		return kiss_conn_logout(conn, info);
	case KISS_OP_TMF_REQ:
		return kiss_conn_tmf(conn, info);
	default:
		/* SNACK at ERL 0, or Login in FFP. */
		kiss_conn_reject(conn, KISS_REJECT_CMD_NOT_SUPPORTED, conn->hdr);
		return kiss_conn_skip_data(conn, info);
	}
}

/**
 * kiss_conn_recv_header() - read and check the next PDU header
 * @conn: the connection
 * @lim: what this phase allows
 * @info: filled in from the header
 *
 * Reads the BHS, the AHS and the header digest into conn->hdr.  A header
 * kiss_pdu_check() refuses is answered with a Reject and ends the
 * connection: after a bad length nothing on the stream can be trusted.
 * In login, an unsupported version and a PDU other than a Login Request
 * are left to the caller, which answers with a Login Response.
 *
 * Return: 0 or -errno: -EPROTONOSUPPORT, -EOPNOTSUPP for those two.
 */
int kiss_conn_recv_header(struct kiss_conn *conn,
			  const struct kiss_pdu_limits *lim,
			  struct kiss_pdu_info *info)
{
	int ret, err;

	ret = kiss_conn_recv(conn, conn->hdr, KISS_BHS_LEN);
	if (ret)
		return ret;
	pr_debug("rx %s itt %#x sn %u\n", kiss_opcode_name(conn->hdr[0]),
		 get_unaligned_be32(conn->hdr + 16),
		 get_unaligned_be32(conn->hdr + 24));
	err = kiss_pdu_check(conn->hdr, KISS_BHS_LEN, lim, info);
	if (err) {
		pr_warn_ratelimited("%pISpc: %s (opcode %#x), dropping the connection\n",
				    &conn->peer, kiss_pdu_err_str(err),
				    conn->hdr[0]);
		/* In login these get a Login Response: login.c sends it */
		if (lim->login && err == KISS_PDU_ERR_VERSION)
			return -EPROTONOSUPPORT;
		if (lim->login && err == KISS_PDU_ERR_NOT_ALLOWED)
			return -EOPNOTSUPP;
		kiss_conn_reject(conn, kiss_pdu_err_to_reject(err), conn->hdr);
		return -EPROTO;
	}
	trace_kiss_pdu_rx(kiss_conn_tsih(conn), info->opcode,
			  get_unaligned_be32(conn->hdr + 16), info->data_len);
	if (info->ahs_len) {
		ret = kiss_conn_recv(conn, conn->hdr + KISS_BHS_LEN,
				     info->ahs_len);
		if (ret)
			return ret;
	}
	if (conn->params.header_digest) {
		u8 wire[4];

		ret = kiss_conn_recv(conn, wire, 4);
		if (ret)
			return ret;
		if (!kiss_digest_ok(kiss_digest_header(conn->hdr, KISS_BHS_LEN +
						       info->ahs_len), wire)) {
			pr_warn_ratelimited("%pISpc: header digest error, dropping the connection\n",
					    &conn->peer);
			return -EBADMSG;
		}
	}
	conn->exp_stat_sn = get_unaligned_be32(conn->hdr + 28);
	return 0;
}

static int kiss_conn_full_feature(struct kiss_conn *conn)
{
	struct kiss_pdu_limits lim = {
		.max_recv_dsl = conn->params.max_recv_dsl,
		.discovery = conn->sess->discovery,
	};
	struct kiss_pdu_info info;
	int ret;

	while (!kthread_should_stop() && !READ_ONCE(conn->closing)) {
		ret = kiss_conn_recv_header(conn, &lim, &info);
		if (!ret)
			ret = kiss_conn_dispatch(conn, &info);
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Setup and teardown                                                  */

static int kiss_conn_alloc_slots(struct kiss_conn *conn, u32 depth)
{
	u32 i, nr = depth + KISS_IMMEDIATE_SLOTS;

	conn->cmds = kvcalloc(nr, sizeof(*conn->cmds), GFP_KERNEL);
	conn->bvecs = kvcalloc(nr * KISS_MAX_IO_PAGES, sizeof(*conn->bvecs),
			       GFP_KERNEL);
	conn->slot_map = bitmap_zalloc(nr, GFP_KERNEL);
	if (!conn->cmds || !conn->bvecs || !conn->slot_map)
		goto err_free;
	for (i = 0; i < nr; i++) {
		struct kiss_cmd *cmd = &conn->cmds[i];

		cmd->conn = conn;
		cmd->sess = conn->sess;
		cmd->idx = i;
		cmd->bvec = &conn->bvecs[i * KISS_MAX_IO_PAGES];
		INIT_LIST_HEAD(&cmd->tx_entry);
		INIT_LIST_HEAD(&cmd->fence_entry);
	}
	/* The session is listed already: kiss_conn_fence() may look. */
	spin_lock_irq(&conn->tx_lock);
	conn->nr_cmds = nr;
	spin_unlock_irq(&conn->tx_lock);
	return 0;

err_free:
	/*
	 * Nothing half made for kiss_conn_free_slots(): slots whose bvec
	 * pointer was never set would send it through NULL.
	 */
	bitmap_free(conn->slot_map);
	kvfree(conn->bvecs);
	kvfree(conn->cmds);
	conn->slot_map = NULL;
	conn->bvecs = NULL;
	conn->cmds = NULL;
	conn->nr_cmds = 0;
	return -ENOMEM;
}

static void kiss_conn_free_slots(struct kiss_conn *conn)
{
	u32 i;

	if (conn->cmds && conn->bvecs)
		for (i = 0; i < conn->nr_cmds; i++)
			kiss_cmd_free_pages(&conn->cmds[i], 0);
	kiss_conn_free_parked(conn);
	bitmap_free(conn->slot_map);
	kvfree(conn->bvecs);
	kvfree(conn->cmds);
}

/* Enter Full Feature Phase with the parameters the login settled. */
/*
 * The CPU a connection's two threads run on, taken in turn from the
 * online CPUs that kernel threads may use (isolcpus, nohz_full): a
 * connection's work stays on one CPU, with its socket and command slots
 * in that CPU's cache, and connections spread over the CPUs.  The threads
 * stay movable: taskset can place them elsewhere, and one whose CPU goes
 * offline moves on.
 */
static int kiss_conn_pick_cpu(void)
{
	static atomic_t next = ATOMIC_INIT(0);
	const struct cpumask *hk = housekeeping_cpumask(HK_TYPE_KTHREAD);
	unsigned int n, cpu;

	cpus_read_lock();
	n = cpumask_weight_and(cpu_online_mask, hk);
	cpu = n ? cpumask_nth_and((unsigned int)atomic_inc_return(&next) % n,
				  cpu_online_mask, hk) : nr_cpu_ids;
	cpus_read_unlock();
	return cpu < nr_cpu_ids ? cpu : -1;
}

static int kiss_conn_start_ffp(struct kiss_conn *conn)
{
	struct kiss_session *sess = conn->sess;
	int cpu = kiss_conn_pick_cpu();
	int ret;

	/* The depth the login's MaxCmdSN was computed from. */
	ret = kiss_conn_alloc_slots(conn, conn->queue_depth);
	if (ret)
		return ret;
	conn->sock->sk->sk_rcvtimeo = MAX_SCHEDULE_TIMEOUT;
	conn->tx_thread = kthread_create(kiss_conn_tx_thread, conn,
					 "kiss_tx/%u", sess->tsih);
	if (IS_ERR(conn->tx_thread)) {
		ret = PTR_ERR(conn->tx_thread);
		conn->tx_thread = NULL;
		return ret;
	}
	get_task_struct(conn->tx_thread);
	/* Best effort: a CPU that went offline meanwhile leaves them free. */
	if (cpu >= 0) {
		set_cpus_allowed_ptr(conn->tx_thread, cpumask_of(cpu));
		set_cpus_allowed_ptr(current, cpumask_of(cpu));
	}
	wake_up_process(conn->tx_thread);
	conn->state = KISS_CONN_FULL_FEATURE;
	return 0;
}

/* Free the commands still waiting for data; the rest end on their own. */
static void kiss_conn_drain(struct kiss_conn *conn)
{
	unsigned long idx;

	if (!conn->slot_map)
		return;
	kiss_conn_drop_waiting(conn);
	for_each_set_bit(idx, conn->slot_map, conn->nr_cmds)
		conn->cmds[idx].aborted = true;
	/* Bios cannot be recalled: wait for them, however long. */
	while (!wait_event_timeout(conn->drain_wait,
				   atomic_read(&conn->in_flight) == 0,
				   10 * HZ))
		pr_warn("%pISpc: waiting for %d commands to finish\n",
			&conn->peer, atomic_read(&conn->in_flight));
}

static void kiss_conn_release_work(struct work_struct *work)
{
	struct kiss_conn *conn = container_of(work, struct kiss_conn,
					      release_work);

	/* Off the list first: kiss_conn_stop_all() must not find it. */
	spin_lock(&kiss_conns_lock);
	list_del(&conn->entry);
	spin_unlock(&kiss_conns_lock);
	/* The rx thread waits in kthread_should_stop() for this. */
	kthread_stop(conn->rx_thread);
	put_task_struct(conn->rx_thread);
	cancel_work_sync(&conn->close_work);
	sock_release(conn->sock);
	/* Every way a connection ends comes here: it stops counting. */
	kiss_portal_conn_del(conn);
	free_page((unsigned long)conn->scratch);
	kiss_login_free(conn);
	kfree(conn);
	wake_up_all(&kiss_conns_wq);
}

static int kiss_conn_rx_thread(void *data)
{
	struct kiss_conn *conn = data;
	struct kiss_session *sess;
	int ret;

	ret = kiss_login(conn);
	atomic_dec(&kiss_nr_logins);
	if (!ret)
		ret = kiss_conn_start_ffp(conn);
	if (!ret) {
		sess = conn->sess;
		if (sess->target)
			pr_info("%s: %s logged in from %pISpc (tsih %u)\n",
				sess->target->name, sess->initiator,
				&conn->peer, sess->tsih);
		ret = kiss_conn_full_feature(conn);
	}

	kiss_conn_close(conn);
	kiss_conn_drain(conn);
	if (conn->tx_thread) {
		kthread_stop(conn->tx_thread);
		put_task_struct(conn->tx_thread);
	}
	sess = conn->sess;
	if (sess) {
		if (sess->target && conn->state != KISS_CONN_LOGIN)
			pr_info("%s: %s %s (tsih %u)\n", sess->target->name,
				sess->initiator,
				conn->state == KISS_CONN_LOGGED_OUT ?
				"logged out" : "connection closed", sess->tsih);
		kiss_session_unregister(sess);
		kiss_session_put(sess);
		conn->sess = NULL;
	}
	kiss_conn_free_slots(conn);

	queue_work(kiss_wq, &conn->release_work);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/**
 * kiss_conn_start() - take over a freshly accepted socket
 * @portal: the portal it came in on
 * @sock: the socket
 *
 * Refuses the connection beyond KISS_MAX_LOGINS logins in progress or
 * beyond the portal's limits (kiss_portal_conn_add()), before anything is
 * read from it.
 *
 * Return: 0, with the socket owned by the connection; or -errno, the
 * socket still the caller's: -EBUSY (a limit, already logged), -ENOTCONN
 * (the peer is gone already), -ENOMEM.
 */
int kiss_conn_start(struct kiss_portal *portal, struct socket *sock)
{
	struct kiss_conn *conn;
	int ret;

	/* Logins cost a thread and buffers: bound how many run at once. */
	if (atomic_inc_return(&kiss_nr_logins) > KISS_MAX_LOGINS) {
		pr_warn_ratelimited("portal %s (%pISpc): connection refused: %d logins in progress\n",
				    config_item_name(&portal->group.cg_item),
				    &portal->addr, KISS_MAX_LOGINS);
		ret = -EBUSY;
		goto err_count;
	}
	ret = -ENOMEM;
	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		goto err_count;
	conn->scratch = (void *)__get_free_page(GFP_KERNEL);
	if (!conn->scratch)
		goto err_free_conn;
	conn->sock = sock;
	conn->portal = portal;
	conn->state = KISS_CONN_LOGIN;
	conn->nopin_ttt = KISS_RESERVED_TAG;
	conn->last_rx = jiffies;
	conn->login_deadline = jiffies + KISS_LOGIN_DEADLINE;
	mutex_init(&conn->send_mutex);
	spin_lock_init(&conn->tx_lock);
	INIT_LIST_HEAD(&conn->tx_queue);
	init_waitqueue_head(&conn->tx_wait);
	init_waitqueue_head(&conn->drain_wait);
	INIT_WORK(&conn->close_work, kiss_conn_close_work);
	INIT_WORK(&conn->release_work, kiss_conn_release_work);
	conn->params.max_recv_dsl = KISS_LOGIN_MAX_DSL;
	conn->params.max_xmit_dsl = KISS_LOGIN_MAX_DSL;

	/* Without a peer address it cannot be counted: it is gone anyway. */
	if (kernel_getpeername(sock, (struct sockaddr *)&conn->peer) < 0) {
		ret = -ENOTCONN;
		goto err_free_page;
	}
	kernel_getsockname(sock, (struct sockaddr *)&conn->local);
	ret = kiss_portal_conn_add(portal, conn);
	if (ret)
		goto err_free_page;
	tcp_sock_set_nodelay(sock->sk);
	sock->sk->sk_sndtimeo = KISS_SEND_TIMEOUT;
	sock->sk->sk_rcvtimeo = KISS_LOGIN_TIMEOUT;

	conn->rx_thread = kthread_create(kiss_conn_rx_thread, conn, "kiss_rx");
	if (IS_ERR(conn->rx_thread)) {
		ret = PTR_ERR(conn->rx_thread);
		goto err_portal_del;
	}
	get_task_struct(conn->rx_thread);
	spin_lock(&kiss_conns_lock);
	list_add_tail(&conn->entry, &kiss_conns);
	spin_unlock(&kiss_conns_lock);
	wake_up_process(conn->rx_thread);
	return 0;

err_portal_del:
	kiss_portal_conn_del(conn);
err_free_page:
	free_page((unsigned long)conn->scratch);
err_free_conn:
	kfree(conn);
err_count:
	atomic_dec(&kiss_nr_logins);
	return ret;
}

/**
 * kiss_conn_stop_all() - close every connection and wait until gone
 *
 * For module unload: by then configfs is empty, so only connections
 * still logging in (or torn down) can be left.
 */
void kiss_conn_stop_all(void)
{
	struct kiss_conn *conn;

	spin_lock(&kiss_conns_lock);
	list_for_each_entry(conn, &kiss_conns, entry)
		kiss_conn_close(conn);
	spin_unlock(&kiss_conns_lock);
	wait_event(kiss_conns_wq, list_empty_careful(&kiss_conns));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: EXTENDED COPY(LID1) between logical units of one target.
 *
 * The parameter list is checked whole (kernel/proto/scsi.c) and its copy
 * targets resolved to this target's LUNs by NAA identifier before any
 * data moves; a copy then runs in a work item, one chunk at a time: a
 * read bio from the source into private pages, a write bio from them to
 * the destination.  The rx thread never waits for it.  An abort (TMF)
 * stops it between chunks; what was written stays written, as SPC-4
 * allows for an aborted copy.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "kiss.h"
#include "proto/scsi.h"

/* Bytes moved per read-then-write step. */
#define KISS_XCOPY_CHUNK	SZ_1M
#define KISS_XCOPY_PAGES	(KISS_XCOPY_CHUNK / PAGE_SIZE)

struct kiss_xcopy {
	struct work_struct	work;
	struct kiss_cmd		*cmd;
	int			slot;		/* sess->copies[], or -1 */
	u16			segments;	/* done */
	u64			bytes;		/* written */
	struct kiss_xcopy_list	list;
	struct kiss_lun		*luns[KISS_XCOPY_MAX_TARGETS];
	struct page		*pages[KISS_XCOPY_PAGES];
};

static void kiss_xcopy_free(struct kiss_xcopy *x)
{
	unsigned int i;

	for (i = 0; i < KISS_XCOPY_MAX_TARGETS; i++)
		if (x->luns[i])
			kiss_lun_put(x->luns[i]);
	for (i = 0; i < KISS_XCOPY_PAGES; i++)
		if (x->pages[i])
			__free_page(x->pages[i]);
	kfree(x);
}

/*
 * A status slot for a copy whose list identifier the initiator wants held
 * (LIST ID USAGE 00b): the slot of a finished copy with the same list
 * identifier, else a free one, else the oldest finished one.  -1 when all
 * are taken by copies in progress; the copy then runs unrecorded.
 */
static int kiss_xcopy_hold(struct kiss_session *sess, u8 list_id)
{
	struct kiss_copy_status *c, *slot = NULL;
	unsigned int i;

	spin_lock(&sess->copy_lock);
	for (i = 0; i < KISS_COPY_STATUS_SLOTS; i++) {
		c = &sess->copies[i];
		if (c->seq && c->status == KISS_XCOPY_IN_PROGRESS)
			continue;
		if (c->seq && c->list_id == list_id) {
			slot = c;
			break;
		}
		if (!slot || c->seq < slot->seq)
			slot = c;
	}
	if (slot) {
		slot->seq = ++sess->copy_seq;
		slot->list_id = list_id;
		slot->status = KISS_XCOPY_IN_PROGRESS;
		slot->segments = 0;
		slot->bytes = 0;
	}
	spin_unlock(&sess->copy_lock);
	return slot ? slot - sess->copies : -1;
}

/* The copy is over: record how it ended, free it, complete the command. */
static void kiss_xcopy_end(struct kiss_xcopy *x)
{
	struct kiss_cmd *cmd = x->cmd;
	struct kiss_session *sess = cmd->sess;
	struct kiss_copy_status *c;

	if (x->slot >= 0) {
		c = &sess->copies[x->slot];
		spin_lock(&sess->copy_lock);
		c->status = cmd->status == KISS_SAM_STAT_GOOD &&
			    !READ_ONCE(cmd->aborted) ?
			    KISS_XCOPY_DONE : KISS_XCOPY_DONE_ERRORS;
		c->segments = x->segments;
		c->bytes = x->bytes;
		spin_unlock(&sess->copy_lock);
	}
	kiss_xcopy_free(x);
	kiss_cmd_done(cmd);
}

/**
 * kiss_xcopy_status() - RECEIVE COPY RESULTS, COPY STATUS
 * @cmd: the command
 * @list_id: the LIST IDENTIFIER it asks about
 * @buf: KISS_XCOPY_COPY_STATUS_LEN bytes
 *
 * Return: the length of the data, or -ENOENT when this I_T nexus has no
 * copy with @list_id held.
 */
int kiss_xcopy_status(struct kiss_cmd *cmd, u8 list_id, u8 *buf)
{
	struct kiss_session *sess = cmd->sess;
	struct kiss_copy_status *c, *found = NULL;
	unsigned int i;
	int len = -ENOENT;

	spin_lock(&sess->copy_lock);
	for (i = 0; i < KISS_COPY_STATUS_SLOTS; i++) {
		c = &sess->copies[i];
		if (c->seq && c->list_id == list_id &&
		    (!found || c->seq > found->seq))
			found = c;
	}
	if (found)
		len = kiss_xcopy_copy_status(buf, found->status,
					     found->segments, found->bytes);
	spin_unlock(&sess->copy_lock);
	return len;
}

/* The target's LUN whose NAA identifier the descriptor names, pinned. */
static struct kiss_lun *kiss_xcopy_find(struct kiss_target *target,
					const struct kiss_xcopy_target *t)
{
	struct kiss_lun *lun;
	u32 i;

	if (t->nul || !t->naa)
		return NULL;
	for (i = 0; i < KISS_MAX_LUNS; i++) {
		lun = kiss_lun_get(target, i);
		if (!lun)
			continue;
		if (lun->naa_len == t->id_len &&
		    !memcmp(lun->naa, t->id, t->id_len))
			return lun;
		kiss_lun_put(lun);
	}
	return NULL;
}

/*
 * Everything a segment needs from its two LUNs: reachable, the block
 * size the descriptor gave, writable by this session, not reserved by
 * someone else (only the addressed LUN went through kiss_res_check()),
 * and the ranges inside both.
 */
static int kiss_xcopy_check(struct kiss_xcopy *x)
{
	struct kiss_cmd *cmd = x->cmd;
	struct kiss_sense_info s;
	u32 i;

	for (i = 0; i < x->list.nr_targets; i++) {
		const struct kiss_xcopy_target *t = &x->list.targets[i];
		struct kiss_lun *lun;

		lun = kiss_xcopy_find(cmd->sess->target, t);
		if (!lun)
			return kiss_scsi_fail_code(cmd,
					KISS_SENSE_COPY_TARGET_UNREACHABLE);
		x->luns[i] = lun;
		if (t->block_len != 1U << lun->block_shift) {
			kiss_sense_set(&s, KISS_SENSE_INVALID_FIELD_IN_PARAM);
			kiss_sense_set_field(&s, false,
					     KISS_XCOPY_HDR_LEN +
					     i * KISS_XCOPY_TARGET_LEN + 29,
					     -1);
			return kiss_scsi_fail(cmd, &s);
		}
		if (lun != cmd->lun && READ_ONCE(lun->res.active)) {
			cmd->status = KISS_SAM_STAT_RESERVATION_CONFLICT;
			return -EBUSY;
		}
	}
	for (i = 0; i < x->list.nr_segments; i++) {
		const struct kiss_xcopy_segment *g = &x->list.segments[i];
		struct kiss_lun *src = x->luns[g->src], *dst = x->luns[g->dst];

		if (dst->readonly || cmd->sess->readonly)
			return kiss_scsi_fail_code(cmd,
						   KISS_SENSE_WRITE_PROTECTED);
		if (src->block_shift != dst->block_shift ||
		    g->src_lba > src->nr_blocks ||
		    g->nr_blocks > src->nr_blocks - g->src_lba ||
		    g->dst_lba > dst->nr_blocks ||
		    g->nr_blocks > dst->nr_blocks - g->dst_lba) {
			/* SPC-4 6.4.5: the copy is aborted at that segment */
			kiss_sense_set(&s, KISS_SENSE_COPY_ABORTED);
			kiss_sense_set_info(&s, i);
			return kiss_scsi_fail(cmd, &s);
		}
	}
	return 0;
}

/* One bio over the first @bytes of the private pages; waits for it. */
static int kiss_xcopy_bio(struct kiss_xcopy *x, struct kiss_lun *lun,
			  u64 lba, u32 bytes, blk_opf_t opf)
{
	unsigned int n = DIV_ROUND_UP(bytes, PAGE_SIZE), i;
	struct bio *bio;
	int err;

	bio = bio_alloc(lun->bdev.bdev, n, opf, GFP_KERNEL);
	bio->bi_iter.bi_sector = lba << (lun->block_shift - SECTOR_SHIFT);
	for (i = 0; i < n; i++)
		__bio_add_page(bio, x->pages[i],
			       min_t(u32, PAGE_SIZE, bytes - i * PAGE_SIZE),
			       0);
	err = submit_bio_wait(bio);
	bio_put(bio);
	return err;
}

static int kiss_xcopy_segment_run(struct kiss_xcopy *x,
				  const struct kiss_xcopy_segment *g)
{
	struct kiss_lun *src = x->luns[g->src], *dst = x->luns[g->dst];
	u64 left = (u64)g->nr_blocks << src->block_shift;
	u64 src_lba = g->src_lba, dst_lba = g->dst_lba;
	struct kiss_sense_info s;
	int err = 0;
	bool write;

	while (left && !READ_ONCE(x->cmd->aborted)) {
		u32 bytes = min_t(u64, left, KISS_XCOPY_CHUNK);

		write = false;
		err = kiss_xcopy_bio(x, src, src_lba, bytes, REQ_OP_READ);
		if (!err) {
			write = true;
			err = kiss_xcopy_bio(x, dst, dst_lba, bytes,
					     REQ_OP_WRITE);
		}
		if (err)
			break;
		x->bytes += bytes;
		left -= bytes;
		src_lba += bytes >> src->block_shift;
		dst_lba += bytes >> dst->block_shift;
	}
	if (!err)
		return 0;
	/* the copy target's own error, reported as COPY ABORTED (SPC-4) */
	kiss_io_sense(kiss_io_status_from_errno(err), write, &s);
	s.key = KISS_SK_COPY_ABORTED;
	return kiss_scsi_fail(x->cmd, &s);
}

static void kiss_xcopy_work(struct work_struct *work)
{
	struct kiss_xcopy *x = container_of(work, struct kiss_xcopy, work);
	struct kiss_cmd *cmd = x->cmd;
	u32 i;

	for (i = 0; i < KISS_XCOPY_PAGES; i++) {
		x->pages[i] = alloc_page(GFP_KERNEL);
		if (!x->pages[i]) {
			kiss_scsi_fail_code(cmd,
					    KISS_SENSE_INTERNAL_TARGET_FAILURE);
			goto out;
		}
	}
	for (i = 0; i < x->list.nr_segments; i++) {
		if (kiss_xcopy_segment_run(x, &x->list.segments[i]) ||
		    READ_ONCE(cmd->aborted))
			break;
		x->segments++;
	}
out:
	kiss_xcopy_end(x);
}

/**
 * kiss_xcopy() - run EXTENDED COPY(LID1)
 * @cmd: the command, its parameter list all in
 *
 * Context: the rx thread.  The command completes through kiss_cmd_done(),
 * here when the list is refused or empty, else from the work item.
 */
void kiss_xcopy(struct kiss_cmd *cmd)
{
	u8 raw[KISS_XCOPY_MAX_LIST_LEN];
	struct kiss_sense_info s;
	struct kiss_xcopy *x;
	u32 len = cmd->buf_len;

	kiss_cmd_copy_from_buf(cmd, 0, raw, min_t(u32, len, sizeof(raw)));
	x = kzalloc(sizeof(*x), GFP_KERNEL);
	if (!x) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_INTERNAL_TARGET_FAILURE);
		kiss_cmd_done(cmd);
		return;
	}
	x->cmd = cmd;
	x->slot = -1;
	if (kiss_xcopy_parse(raw, len, &x->list, &s)) {
		kiss_scsi_fail(cmd, &s);
		goto end;
	}
	if (x->list.list_id_usage == KISS_XCOPY_LIST_ID_HOLD)
		x->slot = kiss_xcopy_hold(cmd->sess, x->list.list_id);
	if (!x->list.nr_segments || kiss_xcopy_check(x))
		goto end;
	INIT_WORK(&x->work, kiss_xcopy_work);
	queue_work(system_unbound_wq, &x->work);
	return;
end:
	kiss_xcopy_end(x);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: block I/O for SCSI commands.
 *
 * Modelled on nvmet's io-cmd-bdev.c: the command's own data pages go into
 * bios (no bounce copy), bios are chained so that the first one completes
 * last and completes the command, and everything is submitted under a
 * plug.  Every function here completes the command exactly once, through
 * kiss_cmd_done(), from bio completion (which may be irq context) or
 * directly when there is nothing to submit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "kiss.h"
#include "proto/scsi.h"

static inline sector_t kiss_lba_to_sector(const struct kiss_lun *lun, u64 lba)
{
	return lba << (lun->block_shift - SECTOR_SHIFT);
}

/* Turn a bio or errno failure into the SCSI status and sense of @cmd. */
static void kiss_bdev_set_error(struct kiss_cmd *cmd, int err, bool write)
{
	struct kiss_sense_info s;

	cmd->status = kiss_io_sense(kiss_io_status_from_errno(err), write, &s);
	cmd->sense_len = kiss_sense_build(cmd->sense, sizeof(cmd->sense), &s,
					  false);
}

/*
 * Completion of the first bio of a chain: bio_chain() holds it back until
 * every later bio has completed, and copies their first error into it.
 */
static void kiss_bdev_end_io(struct bio *bio)
{
	struct kiss_cmd *cmd = bio->bi_private;

	cmd->bio_status = bio->bi_status;
	if (unlikely(bio->bi_status)) {
		pr_err_ratelimited("%pg: I/O error %d, op %u\n", bio->bi_bdev,
				   blk_status_to_errno(bio->bi_status),
				   bio_op(bio));
		kiss_bdev_set_error(cmd, blk_status_to_errno(bio->bi_status),
				    op_is_write(bio_op(bio)));
	}
	if (bio == &cmd->inline_bio)
		bio_uninit(bio);
	else
		bio_put(bio);
	kiss_cmd_done(cmd);
}

static struct bio *kiss_bdev_bio_alloc(struct kiss_cmd *cmd,
				       unsigned int nr_vecs, blk_opf_t opf,
				       sector_t sector)
{
	struct bio *bio = bio_alloc(cmd->lun->bdev.bdev, bio_max_segs(nr_vecs),
				    opf, GFP_KERNEL);

	bio->bi_iter.bi_sector = sector;
	return bio;
}

/*
 * Add @len bytes of @page to the chain ending in *@biop, starting a new
 * bio (and submitting the full one) when it is full.  @sector is where the
 * page goes on the device; @vecs_left sizes the next bio.
 */
static void kiss_bdev_add_page(struct kiss_cmd *cmd, struct bio **biop,
			       struct page *page, unsigned int len,
			       unsigned int off, sector_t sector,
			       unsigned int vecs_left)
{
	while (bio_add_page(*biop, page, len, off) != len) {
		struct bio *prev = *biop;

		*biop = kiss_bdev_bio_alloc(cmd, vecs_left, prev->bi_opf,
					    sector);
		bio_chain(*biop, prev);
		submit_bio(prev);
	}
}

/**
 * kiss_bdev_rw - read or write blocks through the command's data pages
 * @cmd: the command; @cmd->lun is pinned
 * @lba: first logical block
 * @nr_blocks: blocks to transfer, starting in the first data page
 * @write: write the pages to the device, else read into them
 * @fua: force unit access (writes only)
 *
 * The pages are whole pages (see struct kiss_cmd), so a read may fill a
 * block past @cmd->buf_len in the last page: that is how an initiator
 * that asked for less than a block (EDTL not a multiple of the block
 * size) gets the first bytes of it.
 */
void kiss_bdev_rw(struct kiss_cmd *cmd, u64 lba, u32 nr_blocks, bool write,
		  bool fua)
{
	struct kiss_lun *lun = cmd->lun;
	u64 left = (u64)nr_blocks << lun->block_shift;
	sector_t sector = kiss_lba_to_sector(lun, lba);
	unsigned int nr_vecs = DIV_ROUND_UP(left, PAGE_SIZE);
	struct blk_plug plug;
	struct bio *bio;
	blk_opf_t opf;
	unsigned int i;

	if (!nr_blocks) {
		kiss_cmd_done(cmd);
		return;
	}
	if (WARN_ON_ONCE(nr_vecs > cmd->nr_pages)) {
		kiss_bdev_set_error(cmd, -EIO, write);
		kiss_cmd_done(cmd);
		return;
	}

	if (write) {
		opf = REQ_OP_WRITE | REQ_SYNC | REQ_IDLE;
		if (fua)
			opf |= REQ_FUA;
	} else {
		opf = REQ_OP_READ;
	}

	/*
	 * Small transfers, the ones whose rate counts, use the slot's own
	 * bio and vector (as nvmet's inline_bio): no allocation per I/O.
	 */
	if (nr_vecs <= KISS_INLINE_BVECS) {
		bio = &cmd->inline_bio;
		bio_init(bio, lun->bdev.bdev, cmd->inline_bvec,
			 ARRAY_SIZE(cmd->inline_bvec), opf);
		bio->bi_iter.bi_sector = sector;
	} else {
		bio = kiss_bdev_bio_alloc(cmd, nr_vecs, opf, sector);
	}
	bio->bi_private = cmd;
	bio->bi_end_io = kiss_bdev_end_io;

	blk_start_plug(&plug);
	for (i = 0; left; i++) {
		unsigned int len = min_t(u64, left, PAGE_SIZE);

		kiss_bdev_add_page(cmd, &bio, cmd->bvec[i].bv_page, len, 0,
				   sector, nr_vecs - i);
		sector += len >> SECTOR_SHIFT;
		left -= len;
	}
	submit_bio(bio);
	blk_finish_plug(&plug);
}

/**
 * kiss_bdev_flush - write the device's volatile cache to the medium
 * @cmd: the command; @cmd->lun is pinned
 *
 * An empty REQ_PREFLUSH write, as nvmet does; nothing at all when the
 * device has no volatile cache.
 */
void kiss_bdev_flush(struct kiss_cmd *cmd)
{
	struct bio *bio;

	if (!cmd->lun->write_cache) {
		kiss_cmd_done(cmd);
		return;
	}
	bio = bio_alloc(cmd->lun->bdev.bdev, 0, REQ_OP_WRITE | REQ_PREFLUSH,
			GFP_KERNEL);
	bio->bi_private = cmd;
	bio->bi_end_io = kiss_bdev_end_io;
	submit_bio(bio);
}

/**
 * kiss_bdev_discard_add - append discard bios for one range to a chain
 * @cmd: the command; @cmd->lun is pinned
 * @lba: first logical block
 * @nr_blocks: number of blocks, not zero
 * @chain: the chain so far (NULL at first); full bios are submitted
 *
 * Return: 0 or -errno.  Either way the chain must be finished with
 * kiss_bdev_submit_chain().
 */
int kiss_bdev_discard_add(struct kiss_cmd *cmd, u64 lba, u64 nr_blocks,
			  struct bio **chain)
{
	struct kiss_lun *lun = cmd->lun;

	return __blkdev_issue_discard(lun->bdev.bdev,
				      kiss_lba_to_sector(lun, lba),
				      kiss_lba_to_sector(lun, nr_blocks),
				      GFP_KERNEL, chain);
}

/**
 * kiss_bdev_submit_chain - submit the last bio of a chain, completing @cmd
 * @cmd: the command
 * @bio: the last bio built by the __blkdev_issue_*() helpers, or NULL
 * @err: 0, or the error that stopped building the chain
 *
 * The bios already submitted are children of @bio, so the command
 * completes when all of them have.  On @err, @bio is ended without being
 * submitted (its children still complete first).
 */
void kiss_bdev_submit_chain(struct kiss_cmd *cmd, struct bio *bio, int err)
{
	if (!bio) {
		if (err)
			kiss_bdev_set_error(cmd, err, true);
		kiss_cmd_done(cmd);
		return;
	}
	bio->bi_private = cmd;
	bio->bi_end_io = kiss_bdev_end_io;
	if (err) {
		bio->bi_status = errno_to_blk_status(err);
		bio_endio(bio);
		return;
	}
	submit_bio(bio);
}

/**
 * kiss_bdev_discard - discard one range of blocks
 * @cmd: the command; @cmd->lun is pinned and supports discard
 * @lba: first logical block
 * @nr_blocks: number of blocks; 0 completes at once
 */
void kiss_bdev_discard(struct kiss_cmd *cmd, u64 lba, u64 nr_blocks)
{
	struct bio *bio = NULL;
	int err = 0;

	if (nr_blocks) {
		struct blk_plug plug;

		blk_start_plug(&plug);
		err = kiss_bdev_discard_add(cmd, lba, nr_blocks, &bio);
		kiss_bdev_submit_chain(cmd, bio, err);
		blk_finish_plug(&plug);
		return;
	}
	kiss_bdev_submit_chain(cmd, NULL, 0);
}

/* The pattern page of a WRITE SAME is the first page of its first bio. */
static void kiss_bdev_write_same_end_io(struct bio *bio)
{
	__free_page(bio_first_page_all(bio));
	kiss_bdev_end_io(bio);
}

/**
 * kiss_bdev_write_same - write the command's first block to a range
 * @cmd: the command; its data is one logical block
 * @lba: first logical block
 * @nr_blocks: number of blocks, not zero; bounded by the Block Limits page
 *
 * A block of zeroes goes down as REQ_OP_WRITE_ZEROES when the device has
 * it (the block layer writes the zero page otherwise).  Any other pattern
 * is copied into one private page, repeated to fill it, and that page is
 * added to the bios as many times as the range needs.
 */
void kiss_bdev_write_same(struct kiss_cmd *cmd, u64 lba, u64 nr_blocks)
{
	struct kiss_lun *lun = cmd->lun;
	u32 bs = 1U << lun->block_shift;
	u64 left = nr_blocks << lun->block_shift;
	sector_t sector = kiss_lba_to_sector(lun, lba);
	struct blk_plug plug;
	struct page *page;
	struct bio *bio;
	unsigned int off;
	bool zero;
	u8 *src;
	int err;

	/* kiss_scsi_prepare() lets a WRITE SAME in with its block only */
	if (WARN_ON_ONCE(cmd->buf_len < bs)) {
		kiss_bdev_set_error(cmd, -EIO, true);
		kiss_cmd_done(cmd);
		return;
	}
	src = kmap_local_page(cmd->bvec[0].bv_page);
	zero = !memchr_inv(src, 0, bs);
	if (zero) {
		kunmap_local(src);
		bio = NULL;
		blk_start_plug(&plug);
		err = __blkdev_issue_zeroout(lun->bdev.bdev, sector,
					     left >> SECTOR_SHIFT, GFP_KERNEL,
					     &bio, BLKDEV_ZERO_NOUNMAP);
		kiss_bdev_submit_chain(cmd, bio, err);
		blk_finish_plug(&plug);
		return;
	}

	page = alloc_page(GFP_KERNEL);
	if (!page) {
		kunmap_local(src);
		kiss_bdev_set_error(cmd, -ENOMEM, true);
		kiss_cmd_done(cmd);
		return;
	}
	for (off = 0; off < PAGE_SIZE; off += bs)
		memcpy_to_page(page, off, src, bs);
	kunmap_local(src);

	bio = kiss_bdev_bio_alloc(cmd, DIV_ROUND_UP_ULL(left, PAGE_SIZE),
				  REQ_OP_WRITE | REQ_SYNC, sector);
	bio->bi_private = cmd;
	bio->bi_end_io = kiss_bdev_write_same_end_io;

	blk_start_plug(&plug);
	while (left) {
		unsigned int len = min_t(u64, left, PAGE_SIZE);

		kiss_bdev_add_page(cmd, &bio, page, len, 0, sector,
				   min_t(u64, DIV_ROUND_UP_ULL(left, PAGE_SIZE),
					 BIO_MAX_VECS));
		sector += len >> SECTOR_SHIFT;
		left -= len;
	}
	submit_bio(bio);
	blk_finish_plug(&plug);
}

/*
 * Write @nr_blocks blocks from the command's data at byte @off (a multiple
 * of the block size, not necessarily of the page size) to @lba.
 */
static void kiss_bdev_write_from(struct kiss_cmd *cmd, u32 off, u64 lba,
				 u32 nr_blocks, bool fua)
{
	struct kiss_lun *lun = cmd->lun;
	u32 left = nr_blocks << lun->block_shift;
	sector_t sector = kiss_lba_to_sector(lun, lba);
	unsigned int i = off >> PAGE_SHIFT, nr_vecs;
	blk_opf_t opf = REQ_OP_WRITE | REQ_SYNC | (fua ? REQ_FUA : 0);
	struct bio *bio;

	off &= ~PAGE_MASK;
	nr_vecs = DIV_ROUND_UP(off + left, PAGE_SIZE);
	if (WARN_ON_ONCE(i + nr_vecs > cmd->nr_pages)) {
		kiss_bdev_set_error(cmd, -EIO, true);
		kiss_cmd_done(cmd);
		return;
	}
	bio = kiss_bdev_bio_alloc(cmd, nr_vecs, opf, sector);
	bio->bi_private = cmd;
	bio->bi_end_io = kiss_bdev_end_io;
	for (; left; i++) {
		u32 len = min_t(u32, left, PAGE_SIZE - off);

		kiss_bdev_add_page(cmd, &bio, cmd->bvec[i].bv_page, len, off,
				   sector, nr_vecs);
		sector += len >> SECTOR_SHIFT;
		left -= len;
		off = 0;
	}
	submit_bio(bio);
}

/* What is done with the blocks read into private pages. */
enum kiss_bdev_cmp_op {
	KISS_BDEV_COMPARE,		/* VERIFY, BYTCHK=1 */
	KISS_BDEV_COMPARE_WRITE,	/* COMPARE AND WRITE */
	KISS_BDEV_OR_WRITE,		/* ORWRITE */
};

/*
 * VERIFY with BYTCHK=1, COMPARE AND WRITE and ORWRITE: the blocks are
 * read into private pages and compared with, or ORed into, the Data-Out
 * buffer in process context (a megabyte of memcmp does not belong in a
 * bio completion).
 */
struct kiss_bdev_cmp {
	struct work_struct	work;
	struct kiss_cmd		*cmd;
	u32			len;
	enum kiss_bdev_cmp_op	op;
	bool			fua;
	u64			lba;
	unsigned int		nr_pages;
	struct page		*pages[];
};

static void kiss_bdev_cmp_free(struct kiss_bdev_cmp *cmp)
{
	unsigned int i;

	for (i = 0; i < cmp->nr_pages; i++)
		__free_page(cmp->pages[i]);
	kfree(cmp);
}

/* Offset of the first byte that differs in @a and @b, or @len. */
static u32 kiss_bdev_mismatch(const u8 *a, const u8 *b, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			break;
	return i;
}

/* ORWRITE (SBC-3 5.8): the medium's blocks ORed into the Data-Out buffer */
static void kiss_bdev_or(struct kiss_bdev_cmp *cmp)
{
	struct kiss_cmd *cmd = cmp->cmd;
	u32 off, j;
	unsigned int i;

	for (i = 0, off = 0; off < cmp->len; i++, off += PAGE_SIZE) {
		u32 len = min_t(u32, cmp->len - off, PAGE_SIZE);
		u8 *a = kmap_local_page(cmd->bvec[i].bv_page);
		u8 *b = kmap_local_page(cmp->pages[i]);

		for (j = 0; j < len; j++)
			a[j] |= b[j];
		kunmap_local(b);
		kunmap_local(a);
	}
}

static void kiss_bdev_cmp_work(struct work_struct *work)
{
	struct kiss_bdev_cmp *cmp = container_of(work, struct kiss_bdev_cmp,
						 work);
	struct kiss_cmd *cmd = cmp->cmd;
	u64 lba = cmp->lba;
	bool fua = cmp->fua;
	u32 off = 0;
	unsigned int i;

	if (cmp->op == KISS_BDEV_OR_WRITE) {
		kiss_bdev_or(cmp);
		off = cmp->len;
		kiss_bdev_cmp_free(cmp);
		kiss_bdev_write_from(cmd, 0, lba, off >> cmd->lun->block_shift,
				     fua);
		return;
	}
	for (i = 0; off < cmp->len; i++) {
		u32 len = min_t(u32, cmp->len - off, PAGE_SIZE);
		u8 *a = kmap_local_page(cmd->bvec[i].bv_page);
		u8 *b = kmap_local_page(cmp->pages[i]);
		u32 at = len;

		if (memcmp(a, b, len))
			at = kiss_bdev_mismatch(a, b, len);
		kunmap_local(b);
		kunmap_local(a);
		if (at < len) {
			struct kiss_sense_info s;

			/* SBC-3 5.33: INFORMATION is the offset in the data */
			kiss_sense_set(&s, KISS_SENSE_MISCOMPARE);
			kiss_sense_set_info(&s, off + at);
			cmd->status = KISS_SAM_STAT_CHECK_CONDITION;
			cmd->sense_len = kiss_sense_build(cmd->sense,
							  sizeof(cmd->sense),
							  &s, false);
			break;
		}
		off += len;
	}
	if (cmp->op == KISS_BDEV_COMPARE_WRITE && off >= cmp->len) {
		off = cmp->len;
		kiss_bdev_cmp_free(cmp);
		kiss_bdev_write_from(cmd, off, lba, off >> cmd->lun->block_shift,
				     fua);
		return;
	}
	kiss_bdev_cmp_free(cmp);
	kiss_cmd_done(cmd);
}

static void kiss_bdev_cmp_end_io(struct bio *bio)
{
	struct kiss_bdev_cmp *cmp = bio->bi_private;
	struct kiss_cmd *cmd = cmp->cmd;

	cmd->bio_status = bio->bi_status;
	if (unlikely(bio->bi_status)) {
		kiss_bdev_set_error(cmd, blk_status_to_errno(bio->bi_status),
				    false);
		bio_put(bio);
		kiss_bdev_cmp_free(cmp);
		kiss_cmd_done(cmd);
		return;
	}
	bio_put(bio);
	INIT_WORK(&cmp->work, kiss_bdev_cmp_work);
	queue_work(system_unbound_wq, &cmp->work);
}

static void kiss_bdev_cmp_start(struct kiss_cmd *cmd, u64 lba, u32 nr_blocks,
				enum kiss_bdev_cmp_op op, bool fua)
{
	struct kiss_lun *lun = cmd->lun;
	u32 len = nr_blocks << lun->block_shift;
	unsigned int nr_pages = DIV_ROUND_UP(len, PAGE_SIZE);
	sector_t sector = kiss_lba_to_sector(lun, lba);
	struct kiss_bdev_cmp *cmp;
	struct blk_plug plug;
	struct bio *bio;
	unsigned int i;

	if (!nr_blocks) {
		kiss_cmd_done(cmd);
		return;
	}
	if (WARN_ON_ONCE(nr_pages > cmd->nr_pages))
		goto err;
	cmp = kzalloc(struct_size(cmp, pages, nr_pages), GFP_KERNEL);
	if (!cmp)
		goto err;
	cmp->cmd = cmd;
	cmp->len = len;
	cmp->op = op;
	cmp->fua = fua;
	cmp->lba = lba;
	for (i = 0; i < nr_pages; i++) {
		cmp->pages[i] = alloc_page(GFP_KERNEL);
		if (!cmp->pages[i]) {
			kiss_bdev_cmp_free(cmp);
			goto err;
		}
		cmp->nr_pages++;
	}

	bio = kiss_bdev_bio_alloc(cmd, nr_pages, REQ_OP_READ, sector);
	bio->bi_private = cmp;
	bio->bi_end_io = kiss_bdev_cmp_end_io;
	blk_start_plug(&plug);
	for (i = 0; i < nr_pages; i++) {
		unsigned int plen = min_t(u32, len, PAGE_SIZE);

		kiss_bdev_add_page(cmd, &bio, cmp->pages[i], plen, 0, sector,
				   nr_pages - i);
		sector += plen >> SECTOR_SHIFT;
		len -= plen;
	}
	submit_bio(bio);
	blk_finish_plug(&plug);
	return;

err:
	kiss_bdev_set_error(cmd, -ENOMEM, false);
	kiss_cmd_done(cmd);
}

/**
 * kiss_bdev_compare - compare blocks on the device with the command's data
 * @cmd: the command; its data holds @nr_blocks blocks
 * @lba: first logical block
 * @nr_blocks: number of blocks, at most KISS_MAX_IO_BYTES worth
 *
 * Completes with GOOD, or CHECK CONDITION MISCOMPARE whose INFORMATION
 * field is the offset of the first byte that differs.
 */
void kiss_bdev_compare(struct kiss_cmd *cmd, u64 lba, u32 nr_blocks)
{
	kiss_bdev_cmp_start(cmd, lba, nr_blocks, KISS_BDEV_COMPARE, false);
}

/**
 * kiss_bdev_compare_and_write - the I/O of COMPARE AND WRITE (SBC-3 5.3)
 * @cmd: the command; its data holds 2 * @nr_blocks blocks, the ones to
 *	 compare and then the ones to write
 * @lba: first logical block
 * @nr_blocks: number of blocks compared, and written
 * @fua: force unit access for the write
 *
 * Atomicity is the caller's: scsi.c holds the LUN's COMPARE AND WRITE
 * lock from before the read until the command is released.
 */
void kiss_bdev_compare_and_write(struct kiss_cmd *cmd, u64 lba,
				 u32 nr_blocks, bool fua)
{
	kiss_bdev_cmp_start(cmd, lba, nr_blocks, KISS_BDEV_COMPARE_WRITE, fua);
}

/**
 * kiss_bdev_orwrite - the I/O of ORWRITE(16) (SBC-3 5.8)
 * @cmd: the command; its data holds @nr_blocks blocks
 * @lba: first logical block
 * @nr_blocks: number of blocks
 * @fua: force unit access for the write
 *
 * Reads the blocks, ORs them into the command's data and writes that
 * back.  Atomicity is the caller's, as for COMPARE AND WRITE.
 */
void kiss_bdev_orwrite(struct kiss_cmd *cmd, u64 lba, u32 nr_blocks, bool fua)
{
	kiss_bdev_cmp_start(cmd, lba, nr_blocks, KISS_BDEV_OR_WRITE, fua);
}

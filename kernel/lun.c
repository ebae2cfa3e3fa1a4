// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: a LUN's backing block device.
 *
 * Enabling opens the device exclusively (the LUN is the holder, so a
 * second LUN, or a mount, on the same device gets -EBUSY), records its
 * geometry and publishes the LUN in target->luns[] for the data path.
 * Disabling unpublishes it, waits for the commands that still use it and
 * closes the device.
 *
 * The data path never takes kiss_cfg_mutex: it finds a LUN under RCU and
 * pins it with lun->ref (kiss_lun_get()/kiss_lun_put()), a percpu_ref so
 * that the per-command get/put costs no shared cache line.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/nospec.h>
#include <linux/percpu-refcount.h>
#include <linux/rcupdate.h>

#include <linux/sched/clock.h>

#include "kiss.h"
#include "proto/scsi.h"

/* How often kiss_lun_disable() says it is still waiting. */
#define KISS_LUN_DRAIN_LOG	(10 * HZ)

/* FNV-1a, 64 bits (http://www.isthe.com/chongo/tech/comp/fnv/). */
#define KISS_FNV64_OFFSET	0xcbf29ce484222325ULL
#define KISS_FNV64_PRIME	0x00000100000001b3ULL

static u64 kiss_fnv64(u64 h, const void *data, size_t len)
{
	const u8 *p = data;

	while (len--)
		h = (h ^ *p++) * KISS_FNV64_PRIME;
	return h;
}

/*
 * A 64-bit value that depends on the target name and the LUN id only:
 * the same on every boot, every machine and every architecture (the id
 * is hashed as 4 little-endian bytes).  FNV-1a is followed by the
 * MurmurHash3 finaliser so that LUNs 0 and 1 of a target differ in every
 * nibble, not only the low ones.
 */
static u64 kiss_lun_hash(const struct kiss_lun *lun)
{
	const char *name = lun->target->name;
	__le32 id = cpu_to_le32(lun->id);
	u64 h;

	h = kiss_fnv64(KISS_FNV64_OFFSET, name, strlen(name) + 1);
	h = kiss_fnv64(h, &id, sizeof(id));
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/*
 * Identifiers a LUN gets unless configfs set them.  Both are derived,
 * never random, so that an initiator sees the same device after a reboot
 * of the target (multipath and udev's by-id links rely on it).
 *
 * serial (VPD 0x80): the 64-bit hash in 16 hex digits.
 *
 * wwn (VPD 0x83): an 8-byte NAA designator of type 3, "locally
 * assigned" (SPC-4 7.8.6.6.3; the NAA values come from FC-FS): the NAA
 * nibble 3 followed by 60 bits of the same hash.  Types 2, 5 and 6 carry
 * an IEEE company id (OUI); kiss has none of its own and must not borrow
 * another vendor's (LIO's 0x001405 says "made by LIO"), and company id 0
 * is not a valid one.  "Locally assigned" only promises uniqueness within
 * what the assigner controls, here the target name, which RFC 7143
 * 4.2.7 already requires to be worldwide unique: two targets exported
 * under the same name would get the same wwn, so set wwn explicitly when
 * names are reused (e.g. copies of one configuration).
 */
static void kiss_lun_default_ids(struct kiss_lun *lun)
{
	u64 h = kiss_lun_hash(lun);

	if (!lun->serial[0])
		snprintf(lun->serial, sizeof(lun->serial), "%016llx", h);
	if (!lun->naa_len) {
		put_unaligned_be64((3ULL << 60) | (h & GENMASK_ULL(59, 0)),
				   lun->naa);
		lun->naa_len = 8;
	}
}

static void kiss_lun_ref_release(struct percpu_ref *ref)
{
	struct kiss_lun *lun = container_of(ref, struct kiss_lun, ref);

	complete(&lun->ref_done);
}

/**
 * kiss_lun_enable() - open the LUN's device and make the LUN visible
 * @lun: a disabled LUN whose path is set
 *
 * Context: kiss_cfg_mutex held.
 * Return: 0, or -errno (-EBUSY if the device is held by someone else,
 * -EACCES for a read-only device on a LUN that is not readonly, ...).
 */
int kiss_lun_enable(struct kiss_lun *lun)
{
	struct kiss_target *target = lun->target;
	struct block_device *bdev;
	unsigned int bs;
	int ret;

	lockdep_assert_held(&kiss_cfg_mutex);
	if (WARN_ON_ONCE(lun->enabled ||
			 rcu_access_pointer(target->luns[lun->id])))
		return -EEXIST;

	ret = kiss_bdev_open(&lun->bdev, lun->path, lun->readonly, lun);
	if (ret) {
		pr_warn_ratelimited("%s: LUN %u: cannot open %s: %d%s\n",
				    target->name, lun->id, lun->path, ret,
				    ret == -EBUSY ?
				    " (held by a mount, md, or another LUN)" :
				    "");
		return ret;
	}
	bdev = lun->bdev.bdev;
	bs = bdev_logical_block_size(bdev);
	lun->block_shift = ilog2(bs);
	lun->nr_blocks = bdev_nr_sectors(bdev) >>
			 (lun->block_shift - SECTOR_SHIFT);
	if (!lun->nr_blocks) {
		pr_warn_ratelimited("%s: LUN %u: %s is empty\n", target->name,
				    lun->id, lun->path);
		ret = -EINVAL;
		goto err_close;
	}
	lun->discard = bdev_max_discard_sectors(bdev) != 0;
	lun->write_cache = bdev_write_cache(bdev);
	kiss_lun_default_ids(lun);

	init_completion(&lun->ref_done);
	ret = percpu_ref_init(&lun->ref, kiss_lun_ref_release, 0, GFP_KERNEL);
	if (ret)
		goto err_close;

	lun->enabled = true;
	/* a RESERVE's holder may have gone while the LUN was away */
	kiss_res_reset(lun);
	/* publishes every field above to kiss_lun_get() */
	rcu_assign_pointer(target->luns[lun->id], lun);
	kiss_ua_set_target(target, KISS_MAX_LUNS, KISS_UA_LUNS_CHANGED, NULL);
	pr_info("%s: LUN %u: %s, %llu blocks of %u bytes%s%s%s\n",
		target->name, lun->id, lun->path, lun->nr_blocks, bs,
		lun->readonly ? ", read-only" : "",
		lun->write_cache ? ", write cache" : "",
		lun->discard ? ", discard" : "");
	return 0;

err_close:
	kiss_bdev_close(&lun->bdev);
	lun->nr_blocks = 0;
	lun->block_shift = 0;
	return ret;
}

/**
 * kiss_lun_disable() - hide the LUN, drain its commands, close the device
 * @lun: an enabled LUN
 *
 * New commands stop finding the LUN at once; the ones holding lun->ref
 * (from kiss_scsi_prepare() to their completion) are waited for.  Their
 * bios are bounded by the device, a command waiting for Data-Out by its
 * connection's keepalive (NopInTimeout), so the wait ends; it is logged
 * every 10 s so that a stuck device is visible.
 *
 * Context: kiss_cfg_mutex held; sleeps.
 */
void kiss_lun_disable(struct kiss_lun *lun)
{
	struct kiss_target *target = lun->target;
	unsigned long start = jiffies;

	lockdep_assert_held(&kiss_cfg_mutex);
	if (WARN_ON_ONCE(!lun->enabled))
		return;

	RCU_INIT_POINTER(target->luns[lun->id], NULL);
	kiss_ua_set_target(target, KISS_MAX_LUNS, KISS_UA_LUNS_CHANGED, NULL);
	/* after this, no kiss_lun_get() can still be looking at the LUN */
	synchronize_rcu();
	percpu_ref_kill(&lun->ref);
	if (!wait_for_completion_timeout(&lun->ref_done, KISS_LUN_DRAIN_LOG)) {
		/*
		 * A write waiting for Data-Out that never comes pins the
		 * LUN for as long as the initiator likes: end the sessions,
		 * which frees such commands; bios still at the device are
		 * waited for, since they cannot be recalled.
		 */
		pr_warn("%s: LUN %u: commands still in flight after %lu s, closing the target's sessions\n",
			target->name, lun->id, (jiffies - start) / HZ);
		kiss_target_close_sessions(target);
		/* (a completion is consumed by the wait that sees it) */
		while (!wait_for_completion_timeout(&lun->ref_done,
						    KISS_LUN_DRAIN_LOG))
			pr_warn("%s: LUN %u: still waiting for commands in flight after %lu s\n",
				target->name, lun->id, (jiffies - start) / HZ);
	}
	percpu_ref_exit(&lun->ref);
	kiss_bdev_close(&lun->bdev);
	lun->enabled = false;
	lun->nr_blocks = 0;
	lun->block_shift = 0;
	lun->discard = false;
	lun->write_cache = false;
	pr_info("%s: LUN %u: disabled\n", target->name, lun->id);
}

/**
 * kiss_lun_get() - find a LUN for a command and pin it
 * @target: the session's target
 * @lun_id: the LUN the initiator addressed (from the wire)
 *
 * Return: the LUN, to be released with kiss_lun_put(), or NULL if there
 * is no enabled LUN @lun_id.
 */
struct kiss_lun *kiss_lun_get(struct kiss_target *target, u64 lun_id)
{
	struct kiss_lun *lun;

	if (lun_id >= KISS_MAX_LUNS)
		return NULL;
	/* a bounds check the CPU cannot speculate past: @lun_id is remote */
	lun_id = array_index_nospec(lun_id, KISS_MAX_LUNS);

	rcu_read_lock();
	lun = rcu_dereference(target->luns[lun_id]);
	if (lun && !percpu_ref_tryget_live(&lun->ref))
		lun = NULL;
	rcu_read_unlock();
	return lun;
}

void kiss_lun_put(struct kiss_lun *lun)
{
	percpu_ref_put(&lun->ref);
}

/**
 * kiss_lun_account() - count a command that is being answered
 * @lun: its LUN, still pinned
 * @cmd: the command, its result set
 * @bytes: the data it moved
 *
 * Context: the thread that answers the command: the tx thread, or the rx
 * thread for what it answers itself.
 */
void kiss_lun_account(struct kiss_lun *lun, const struct kiss_cmd *cmd,
		      u32 bytes)
{
	struct kiss_lun_stats *st;
	u64 ns = local_clock() - cmd->start_ns;
	u64 limit = KISS_LAT_FIRST_NS;
	int b = 0;

	while (b < KISS_LAT_BUCKETS - 1 && ns > limit) {
		limit <<= 2;
		b++;
	}
	st = get_cpu_ptr(lun->stats);
	st->cmds++;
	if (cmd->write)
		st->write_bytes += bytes;
	else
		st->read_bytes += bytes;
	if (cmd->status != KISS_SAM_STAT_GOOD)
		st->errors++;
	st->latency[b]++;
	put_cpu_ptr(lun->stats);
}

/**
 * kiss_lun_check_capacity() - notice that the device under a LUN resized
 * @lun: an enabled LUN
 *
 * A device may grow or shrink under kiss (lvextend, losetup -c, a resized
 * RBD image).  The next command sees it: the LUN takes the new size, and
 * every I_T nexus, that command's included, is told with CAPACITY DATA HAS
 * CHANGED (SBC-3 4.10).  One load and compare when nothing changed.
 */
void kiss_lun_check_capacity(struct kiss_lun *lun)
{
	u64 now = bdev_nr_sectors(lun->bdev.bdev) >>
		  (lun->block_shift - SECTOR_SHIFT);
	u64 old = READ_ONCE(lun->nr_blocks);

	if (likely(now == old) || !now)
		return;
	/* one command among those racing here reports it */
	if (cmpxchg64(&lun->nr_blocks, old, now) != old)
		return;
	pr_info("%s: LUN %u: capacity changed from %llu to %llu blocks\n",
		lun->target->name, lun->id, old, now);
	kiss_ua_set_target(lun->target, lun->id, KISS_UA_CAPACITY_CHANGED,
			   NULL);
}

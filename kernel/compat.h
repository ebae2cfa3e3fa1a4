/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels kiss supports (Debian's 6.1 and
 * 6.12) lives in this file, and only here.  Differences are detected by
 * Kbuild from the headers themselves (KISS_HAVE_* in Kbuild), not by
 * version number, so that distribution backports are handled too.
 */
#ifndef KISS_COMPAT_H
#define KISS_COMPAT_H

/* 6.12 moved the unaligned access helpers out of asm/. */
#ifdef KISS_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#ifdef __KERNEL__

#include <linux/blkdev.h>
#include <linux/bvec.h>
#include <linux/err.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/uio.h>

/*
 * An exclusively opened block device.  6.12 hands out a struct file
 * (bdev_file_open_by_path); 6.1 the block_device and its mode.
 */
struct kiss_bdev {
	struct block_device	*bdev;
#ifdef KISS_HAVE_BDEV_FILE
	struct file		*file;
#else
	fmode_t			mode;
#endif
};

static inline int kiss_bdev_open(struct kiss_bdev *b, const char *path,
				 bool readonly, void *holder)
{
#ifdef KISS_HAVE_BDEV_FILE
	blk_mode_t mode = BLK_OPEN_READ | (readonly ? 0 : BLK_OPEN_WRITE);
	struct file *file = bdev_file_open_by_path(path, mode, holder, NULL);

	if (IS_ERR(file))
		return PTR_ERR(file);
	b->file = file;
	b->bdev = file_bdev(file);
#else
	fmode_t mode = FMODE_READ | FMODE_EXCL | (readonly ? 0 : FMODE_WRITE);
	struct block_device *bdev = blkdev_get_by_path(path, mode, holder);

	if (IS_ERR(bdev))
		return PTR_ERR(bdev);
	b->bdev = bdev;
	b->mode = mode;
#endif
	return 0;
}

static inline void kiss_bdev_close(struct kiss_bdev *b)
{
#ifdef KISS_HAVE_BDEV_FILE
	fput(b->file);
	b->file = NULL;
#else
	blkdev_put(b->bdev, b->mode);
#endif
	b->bdev = NULL;
}

/*
 * Send @len bytes of the pages in @bv, starting @offset bytes into the
 * first, without copying them: the socket takes its own page references
 * (sendpage on 6.1, MSG_SPLICE_PAGES on 6.5 and later).  @more is set
 * when another part of the same PDU follows.  Returns 0 or -errno.
 */
static inline int kiss_send_pages(struct socket *sock,
				  const struct bio_vec *bv, u32 offset,
				  u32 len, bool more)
{
#ifdef KISS_HAVE_SENDPAGE
	int flags = MSG_NOSIGNAL | MSG_SENDPAGE_NOTLAST;

	while (offset >= bv->bv_len) {
		offset -= bv->bv_len;
		bv++;
	}
	while (len) {
		u32 chunk = min(len, bv->bv_len - offset);
		int ret;

		if (chunk == len && !more)
			flags = MSG_NOSIGNAL;
		ret = kernel_sendpage(sock, bv->bv_page, bv->bv_offset + offset,
				      chunk, flags);
		if (ret <= 0)
			return ret ? ret : -EPIPE;
		/* kernel_sendpage may send less; resume within the page */
		offset += ret;
		len -= ret;
		if (offset == bv->bv_len) {
			offset = 0;
			bv++;
		}
	}
	return 0;
#else
	struct msghdr msg = {
		.msg_flags = MSG_SPLICE_PAGES | MSG_NOSIGNAL |
			     (more ? MSG_MORE : 0),
	};
	unsigned int nr = 0;
	u32 span = 0;

	while (offset >= bv->bv_len) {
		offset -= bv->bv_len;
		bv++;
	}
	while (span < offset + len)
		span += bv[nr++].bv_len;
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, nr, offset + len);
	iov_iter_advance(&msg.msg_iter, offset);
	while (msg_data_left(&msg)) {
		int ret = sock_sendmsg(sock, &msg);

		if (ret <= 0)
			return ret ? ret : -EPIPE;
	}
	return 0;
#endif
}

#endif /* __KERNEL__ */

#endif /* KISS_COMPAT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: the SCSI command set (SPC-4, SBC-3) on a block device.
 *
 * kiss_scsi_prepare() runs when a SCSI Command PDU arrives: it finds the
 * LUN, decodes the CDB (kernel/proto/scsi.c) and refuses what cannot run,
 * before any Data-Out is solicited.  kiss_scsi_exec() runs once the data
 * is in: block commands go to bdev.c, everything else is emulated here
 * into the command's data buffer.  Either way the command ends with one
 * kiss_cmd_done().  conn.c keeps the per-session counters and turns
 * data_len against the Expected Data Transfer Length into residuals.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kiss.h"
#include "proto/scsi.h"

/* Standard INQUIRY identification, space padded (SPC-4 6.6.2). */
#define KISS_INQ_VENDOR		"KISS    "
#define KISS_INQ_PRODUCT	"kiss iSCSI disk "
#define KISS_INQ_REVISION	"0001"
#define KISS_INQ_STD_LEN	96

/* Version descriptors (SPC-4 table 147). */
#define KISS_VD_SAM5		0x00a0
#define KISS_VD_ISCSI		0x0960
#define KISS_VD_SPC4		0x0460
#define KISS_VD_SBC3		0x04c0

/*
 * Emulated responses are built in one buffer of this size; the largest
 * is REPORT LUNS with every LUN (8 + 8 * KISS_MAX_LUNS bytes).
 */
#define KISS_EMUL_BUF_LEN	SZ_4K
static_assert(8 + 8 * KISS_MAX_LUNS <= KISS_EMUL_BUF_LEN);

/* UNMAP: descriptors per command, so that a list fits one page. */
#define KISS_UNMAP_MAX_DESC	255
#define KISS_UNMAP_DESC_LEN	16

/*
 * WRITE SAME: largest range.  The bios for it are built in the rx
 * thread, so this bounds the work one command can ask for; 0xffff blocks
 * is also LIO's default and what Linux assumes without the VPD page.
 */
#define KISS_WS_MAX_BLOCKS	0xffff
#define KISS_WS_MAX_BYTES	SZ_256M

/* cmd->scsi_priv[0] bits */
#define KISS_PRIV_CAW_LOCKED	BIT(0)	/* holds lun->caw_sem */

/* ILLEGAL REQUEST, INVALID FIELD IN COMMAND INFORMATION UNIT (SAM-5). */
#define KISS_ASC_INVALID_FIELD_IN_CMD_IU	0x0e
#define KISS_ASCQ_INVALID_FIELD_IN_CMD_IU	0x03

/* Mode pages kiss reports (SBC-3 6.4, SPC-4 7.5). */
#define KISS_MP_CACHING		0x08
#define KISS_MP_CONTROL		0x0a
#define KISS_MP_IE		0x1c
#define KISS_MP_ALL		0x3f
#define KISS_MP_MAX_LEN		20

enum kiss_mode_pc {
	KISS_PC_CURRENT		= 0,
	KISS_PC_CHANGEABLE	= 1,
	KISS_PC_DEFAULT		= 2,
	KISS_PC_SAVED		= 3,
};

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static inline u32 kiss_lun_bs(const struct kiss_lun *lun)
{
	return 1U << lun->block_shift;
}

/* End @cmd with CHECK CONDITION and sense data @s, in fixed format. */
int kiss_scsi_fail(struct kiss_cmd *cmd, const struct kiss_sense_info *s)
{
	cmd->status = KISS_SAM_STAT_CHECK_CONDITION;
	cmd->sense_len = kiss_sense_build(cmd->sense, sizeof(cmd->sense), s,
					  false);
	return -EINVAL;
}

/* End @cmd with CHECK CONDITION for @code; returns -EINVAL. */
int kiss_scsi_fail_code(struct kiss_cmd *cmd, enum kiss_sense_code code)
{
	struct kiss_sense_info s;

	kiss_sense_set(&s, code);
	return kiss_scsi_fail(cmd, &s);
}

/* INVALID FIELD IN CDB (or in the parameter list), pointing at the field. */
static int kiss_scsi_fail_field(struct kiss_cmd *cmd, bool in_cdb, u16 byte,
				int bit)
{
	struct kiss_sense_info s;

	kiss_sense_set(&s, in_cdb ? KISS_SENSE_INVALID_FIELD_IN_CDB :
				    KISS_SENSE_INVALID_FIELD_IN_PARAM);
	kiss_sense_set_field(&s, in_cdb, byte, bit);
	return kiss_scsi_fail(cmd, &s);
}

/*
 * The iSCSI header contradicts the CDB (SAM-5 5.3.2 lets a transport
 * report that as INVALID FIELD IN COMMAND INFORMATION UNIT).
 */
static int kiss_scsi_fail_iu(struct kiss_cmd *cmd)
{
	struct kiss_sense_info s;

	kiss_sense_set(&s, KISS_SENSE_INVALID_FIELD_IN_CDB);
	s.asc = KISS_ASC_INVALID_FIELD_IN_CMD_IU;
	s.ascq = KISS_ASCQ_INVALID_FIELD_IN_CMD_IU;
	return kiss_scsi_fail(cmd, &s);
}

/* Offset of the TRANSFER LENGTH (or NUMBER OF BLOCKS) field of a CDB. */
static u16 kiss_cdb_len_offset(const struct kiss_cdb *c)
{
	switch (c->len) {
	case 6:
		return 4;
	case 10:
		return 7;
	case 12:
		return 6;
	default:
		return c->opcode == KISS_SCSI_COMPARE_AND_WRITE ? 13 : 10;
	}
}

/* Commands an absent LUN still answers (SAM-5 5.9.4, SPC-4 6.6). */
static bool kiss_scsi_no_lun_ok(u8 opcode)
{
	return opcode == KISS_SCSI_INQUIRY ||
	       opcode == KISS_SCSI_REPORT_LUNS ||
	       opcode == KISS_SCSI_REQUEST_SENSE;
}

static bool kiss_scsi_readonly(const struct kiss_cmd *cmd)
{
	return cmd->lun->readonly || cmd->sess->readonly;
}

/*
 * Classes of commands this LUN does not offer: refused as an invalid
 * operation code, and left out of REPORT SUPPORTED OPERATION CODES.
 */
static unsigned int kiss_scsi_hidden(const struct kiss_lun *lun)
{
	/* SET TARGET PORT GROUPS: the states are the cluster's to set */
	unsigned int hide = KISS_OPF_ALUA;

	if (!lun->discard)
		hide |= KISS_OPF_THIN;
	/* another node's reservations would not be seen: none at all */
	if (READ_ONCE(lun->shared))
		hide |= KISS_OPF_PR | KISS_OPF_RESERVE;
	return hide;
}

/* Largest UNMAP range, in blocks: what one discard bio can carry. */
static u32 kiss_unmap_max_blocks(const struct kiss_lun *lun)
{
	u64 max = (u64)bdev_max_discard_sectors(lun->bdev.bdev) >>
		  (lun->block_shift - SECTOR_SHIFT);

	return min_t(u64, max, U32_MAX);
}

static u32 kiss_ws_max_blocks(const struct kiss_lun *lun)
{
	return min_t(u32, KISS_WS_MAX_BLOCKS,
		     KISS_WS_MAX_BYTES >> lun->block_shift);
}

/* ------------------------------------------------------------------ */
/* Prepare                                                             */

/*
 * Is the data the iSCSI header promises (R/W flags, EDTL) one the CDB
 * can run with?  Residuals themselves are conn.c's, from data_len.
 *
 * Data flowing the other way than the CDB says is refused; LIO would
 * write the Data-Out of a READ(10) flagged W to the medium.  For a
 * command whose Data-Out is its payload (WRITE, WRITE AND VERIFY, VERIFY
 * with BYTCHK=1) an EDTL short of the transfer length runs with the whole
 * blocks that arrive, overflow reported, as iscsi-test-cu's
 * iSCSIResiduals expects (LIO refuses every mismatch on these); a
 * partial block cannot be written and is refused; no data at all is
 * zero blocks.  A parameter list (UNMAP, MODE SELECT) cut short is
 * refused, as LIO does, and so is a WRITE SAME whose Data-Out is not
 * exactly its one block (SBC-3 5.45).
 */
static int kiss_scsi_check_iu(struct kiss_cmd *cmd, const struct kiss_cdb *c,
			      u64 len)
{
	/* Both have exactly one size of Data-Out (SBC-3 5.3, 5.45) */
	if ((c->kind == KISS_CDB_WRITE_SAME ||
	     c->kind == KISS_CDB_COMPARE_AND_WRITE) && cmd->edtl != len)
		return kiss_scsi_fail_field(cmd, true, kiss_cdb_len_offset(c),
					    -1);
	if (!len)
		return 0;
	/*
	 * With no data at all the R and W flags say nothing (RFC 7143).  A
	 * write without Data-Out would put stale pages on the medium: refused.
	 * A read flagged W runs, its Data-Out dropped and no Data-In sent,
	 * as LIO does (iscsi-test-cu's Read10Invalid expects GOOD).
	 */
	if (cmd->edtl && c->dir == KISS_DIR_OUT && !cmd->write)
		return kiss_scsi_fail_iu(cmd);
	if (c->dir != KISS_DIR_OUT)
		return 0;
	if (cmd->edtl >= len)
		return 0;
	if (c->kind == KISS_CDB_WRITE || c->kind == KISS_CDB_VERIFY) {
		if (cmd->edtl & (kiss_lun_bs(cmd->lun) - 1))
			return kiss_scsi_fail_iu(cmd);
		return 0;
	}
	return kiss_scsi_fail_field(cmd, true, kiss_cdb_len_offset(c), -1);
}

/* What each command may ask for, beyond what decoding checked. */
static int kiss_scsi_check_limits(struct kiss_cmd *cmd,
				  const struct kiss_cdb *c)
{
	struct kiss_lun *lun = cmd->lun;

	switch (c->kind) {
	case KISS_CDB_WRITE_SAME:
		if (c->unmap && !lun->discard)
			return kiss_scsi_fail_field(cmd, true, 1, 3);
		if (c->nr_blocks > kiss_ws_max_blocks(lun))
			return kiss_scsi_fail_field(cmd, true,
						    kiss_cdb_len_offset(c), -1);
		return 0;
	case KISS_CDB_COMPARE_AND_WRITE:
		if (c->nr_blocks > KISS_CAW_MAX_BLOCKS)
			return kiss_scsi_fail_field(cmd, true, 13, -1);
		return 0;
	default:
		return 0;
	}
}

/**
 * kiss_scsi_prepare() - check a new command and size its data
 * @cmd: the command, as conn.c filled it in
 *
 * Pins the addressed LUN in @cmd->lun (released by kiss_scsi_release(),
 * also after a refusal) and sets @cmd->data_len to the bytes the CDB
 * transfers.  The order of the checks is the order of SAM-5 and LIO: LUN,
 * operation code and fields, write protection, transfer size, LBA range,
 * then the iSCSI data phase against the CDB.
 *
 * Return: 0 if the command may proceed to its data phase; else nonzero,
 * with @cmd->status CHECK CONDITION and its sense data set.
 */
int kiss_scsi_prepare(struct kiss_cmd *cmd)
{
	struct kiss_target *target = cmd->sess->target;
	enum kiss_sense_code ua;
	struct kiss_sense_info s;
	struct kiss_lun *lun;
	struct kiss_cdb c;
	u64 lun_id, len;
	int ret;

	cmd->status = KISS_SAM_STAT_GOOD;
	cmd->sense_len = 0;
	cmd->data_len = 0;
	cmd->lun = NULL;
	if (target && !kiss_scsilun_decode(cmd->lun_raw, sizeof(cmd->lun_raw),
					   &lun_id))
		cmd->lun = kiss_lun_get(target, lun_id);
	lun = cmd->lun;
	if (!lun && (!cmd->cdb_len || !kiss_scsi_no_lun_ok(cmd->cdb[0])))
		return kiss_scsi_fail_code(cmd, KISS_SENSE_LUN_NOT_SUPPORTED);
	if (lun)
		kiss_lun_check_capacity(lun);
	/* SAM-5 5.14: reported first, to all but these three */
	if (lun && !kiss_scsi_no_lun_ok(cmd->cdb[0]) &&
	    kiss_ua_take(cmd->sess, lun->id, &ua))
		return kiss_scsi_fail_code(cmd, ua);

	ret = kiss_cdb_decode(cmd->cdb, cmd->cdb_len, &c);
	if (ret)
		return kiss_scsi_fail(cmd, &c.sense);
	if (!lun) {
		/* INQUIRY, REPORT LUNS or REQUEST SENSE: no block size */
		cmd->data_len = min_t(u32, c.alloc_len, KISS_MAX_IO_BYTES);
		return kiss_scsi_check_iu(cmd, &c, cmd->data_len);
	}
	if (c.flags & kiss_scsi_hidden(lun))
		return kiss_scsi_fail_code(cmd, KISS_SENSE_INVALID_OPCODE);
	ret = kiss_alua_check(cmd, &c);
	if (ret)
		return ret;
	if (kiss_res_check(cmd, &c)) {
		cmd->status = KISS_SAM_STAT_RESERVATION_CONFLICT;
		return -EBUSY;
	}
	if ((c.flags & KISS_OPF_WRITE) && kiss_scsi_readonly(cmd))
		return kiss_scsi_fail_code(cmd, KISS_SENSE_WRITE_PROTECTED);
	ret = kiss_scsi_check_limits(cmd, &c);
	if (ret)
		return ret;

	len = kiss_cdb_xfer_len(&c, kiss_lun_bs(lun));
	/* Allocation lengths may be large; kiss's answers are not. */
	if (c.kind == KISS_CDB_OTHER && c.dir == KISS_DIR_IN)
		len = min_t(u64, len, KISS_MAX_IO_BYTES);
	if (len > KISS_MAX_IO_BYTES)
		return kiss_scsi_fail_field(cmd, true, kiss_cdb_len_offset(&c),
					    -1);

	if (kiss_cdb_check_range(&c, lun->nr_blocks, &s))
		return kiss_scsi_fail(cmd, &s);

	/* Set first: a refusal below still reports its residual. */
	cmd->data_len = len;
	return kiss_scsi_check_iu(cmd, &c, len);
}

/**
 * kiss_scsi_release() - drop what kiss_scsi_prepare() took
 * @cmd: the command whose slot conn.c frees
 *
 * Called once the command's response is sent (or abandoned); no bio of
 * the command is in flight any more.  Safe on a command that never got
 * a LUN.
 */
void kiss_scsi_release(struct kiss_cmd *cmd)
{
	if (cmd->scsi_priv[0] & KISS_PRIV_CAW_LOCKED) {
		cmd->scsi_priv[0] &= ~KISS_PRIV_CAW_LOCKED;
		up(&cmd->lun->caw_sem);
	}
	if (cmd->lun) {
		kiss_lun_put(cmd->lun);
		cmd->lun = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* INQUIRY                                                             */

static void kiss_put_ascii(u8 *dst, const char *src, size_t len)
{
	memset(dst, ' ', len);
	memcpy(dst, src, min(strlen(src), len));
}

static u8 kiss_inq_peripheral(const struct kiss_cmd *cmd)
{
	/* qualifier 011b, type 1Fh: no logical unit here (SPC-4 6.6.2) */
	return cmd->lun ? 0x00 : 0x7f;
}

static int kiss_inq_standard(struct kiss_cmd *cmd, u8 *buf)
{
	buf[0] = kiss_inq_peripheral(cmd);
	buf[2] = 0x06;			/* SPC-4 */
	buf[3] = 0x10 | 0x02;		/* HISUP, response data format 2 */
	buf[4] = KISS_INQ_STD_LEN - 5;
	buf[5] = 0x10 | 0x08;		/* TPGS 01b: implicit ALUA; 3PC */
	buf[7] = 0x02;			/* CMDQUE */
	kiss_put_ascii(buf + 8, KISS_INQ_VENDOR, 8);
	kiss_put_ascii(buf + 16, KISS_INQ_PRODUCT, 16);
	kiss_put_ascii(buf + 32, KISS_INQ_REVISION, 4);
	put_unaligned_be16(KISS_VD_SAM5, buf + 58);
	put_unaligned_be16(KISS_VD_ISCSI, buf + 60);
	put_unaligned_be16(KISS_VD_SPC4, buf + 62);
	put_unaligned_be16(KISS_VD_SBC3, buf + 64);
	return KISS_INQ_STD_LEN;
}

static const u8 kiss_vpd_pages[] = { 0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2 };

static int kiss_vpd_supported(struct kiss_cmd *cmd, u8 *buf)
{
	unsigned int n = cmd->lun ? ARRAY_SIZE(kiss_vpd_pages) : 1;

	memcpy(buf + 4, kiss_vpd_pages, n);
	return 4 + n;
}

static int kiss_vpd_serial(struct kiss_cmd *cmd, u8 *buf)
{
	size_t n = strnlen(cmd->lun->serial, sizeof(cmd->lun->serial));

	memcpy(buf + 4, cmd->lun->serial, n);
	return 4 + n;
}

/*
 * One designation descriptor (SPC-4 7.8.6.1): @proto_cs is byte 0
 * (protocol identifier and code set), @piv_assoc_type byte 1.
 */
static int kiss_vpd_desig(u8 *p, u8 proto_cs, u8 piv_assoc_type,
			  const void *id, size_t len)
{
	p[0] = proto_cs;
	p[1] = piv_assoc_type;
	p[3] = len;
	memcpy(p + 4, id, len);
	return 4 + len;
}

#define KISS_CS_BINARY		0x01
#define KISS_CS_ASCII		0x02
#define KISS_CS_UTF8		0x03
#define KISS_PROTO_ISCSI	(0x5 << 4)
#define KISS_PIV		0x80
#define KISS_ASSOC_LU		0x00	/* association, bits 5:4 */
#define KISS_ASSOC_PORT		0x10
#define KISS_ASSOC_TARGET	0x20
#define KISS_DESIG_T10		0x1
#define KISS_DESIG_NAA		0x3
#define KISS_DESIG_REL_PORT	0x4
#define KISS_DESIG_TPG		0x5
#define KISS_DESIG_NAME		0x8

/*
 * A SCSI name string designator: NUL terminated and padded to a
 * multiple of 4 bytes (SPC-4 7.8.6.11).
 */
static __printf(3, 4) int kiss_vpd_name(u8 *p, u8 assoc, const char *fmt,
					 ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf((char *)p + 4, 256 - 4, fmt, ap);
	va_end(ap);
	n = min(n + 1, 256 - 4);
	n = round_up(n, 4);
	p[0] = KISS_PROTO_ISCSI | KISS_CS_UTF8;
	p[1] = KISS_PIV | assoc | KISS_DESIG_NAME;
	p[3] = n;
	return 4 + n;
}

/* Device Identification: LU, target port and target device (SPC-4 7.8.6). */
static int kiss_vpd_devid(struct kiss_cmd *cmd, u8 *buf)
{
	struct kiss_lun *lun = cmd->lun;
	struct kiss_target *target = cmd->sess->target;
	u16 tpgt = target->tpgt ? target->tpgt : 1;
	u8 *p = buf + 4;
	u8 rtpi[4] = { 0 }, tpg[4] = { 0 };
	u8 t10[8 + sizeof(lun->serial)];
	size_t n;

	if (lun->naa_len)
		p += kiss_vpd_desig(p, KISS_CS_BINARY,
				    KISS_ASSOC_LU | KISS_DESIG_NAA, lun->naa,
				    min_t(u32, lun->naa_len, sizeof(lun->naa)));
	/* T10 vendor id: what multipath tools show beside the NAA */
	n = strnlen(lun->serial, sizeof(lun->serial));
	if (n) {
		memcpy(t10, KISS_INQ_VENDOR, 8);
		memcpy(t10 + 8, lun->serial, n);
		p += kiss_vpd_desig(p, KISS_CS_ASCII,
				    KISS_ASSOC_LU | KISS_DESIG_T10, t10, 8 + n);
	}
	put_unaligned_be16(READ_ONCE(target->alua.rel_port_id), rtpi + 2);
	p += kiss_vpd_desig(p, KISS_PROTO_ISCSI | KISS_CS_BINARY,
			    KISS_PIV | KISS_ASSOC_PORT | KISS_DESIG_REL_PORT,
			    rtpi, sizeof(rtpi));
	/* the group REPORT TARGET PORT GROUPS describes (SPC-4 7.8.6.7) */
	put_unaligned_be16(READ_ONCE(target->alua.group_id), tpg + 2);
	p += kiss_vpd_desig(p, KISS_PROTO_ISCSI | KISS_CS_BINARY,
			    KISS_PIV | KISS_ASSOC_PORT | KISS_DESIG_TPG,
			    tpg, sizeof(tpg));
	p += kiss_vpd_name(p, KISS_ASSOC_PORT, "%s,t,0x%04x", target->name,
			   tpgt);
	p += kiss_vpd_name(p, KISS_ASSOC_TARGET, "%s", target->name);
	return p - buf;
}

/* Block Limits (SBC-3 6.5.3). */
static int kiss_vpd_block_limits(struct kiss_cmd *cmd, u8 *buf)
{
	struct kiss_lun *lun = cmd->lun;
	struct block_device *bdev = lun->bdev.bdev;
	u32 max_xfer = KISS_MAX_IO_BYTES >> lun->block_shift;
	u32 gran = bdev_io_min(bdev) >> lun->block_shift;
	u32 opt = (u32)bdev_io_opt(bdev) >> lun->block_shift;

	buf[3] = 0x3c;
	buf[4] = 0x01;			/* WSNZ */
	buf[5] = KISS_CAW_MAX_BLOCKS;	/* MAXIMUM COMPARE AND WRITE LENGTH */
	put_unaligned_be16(max_t(u32, gran, 1), buf + 6);
	put_unaligned_be32(max_xfer, buf + 8);
	put_unaligned_be32(min(opt, max_xfer), buf + 12);
	if (lun->discard) {
		u32 ugran = bdev_discard_granularity(bdev) >> lun->block_shift;
		u32 align = (u32)bdev_discard_alignment(bdev) >>
			    lun->block_shift;

		put_unaligned_be32(kiss_unmap_max_blocks(lun), buf + 20);
		put_unaligned_be32(KISS_UNMAP_MAX_DESC, buf + 24);
		put_unaligned_be32(max_t(u32, ugran, 1), buf + 28);
		if (align)
			put_unaligned_be32(0x80000000 | align, buf + 32);
	}
	put_unaligned_be64(kiss_ws_max_blocks(lun), buf + 36);
	return 64;
}

/* Block Device Characteristics (SBC-3 6.5.2). */
static int kiss_vpd_block_chars(struct kiss_cmd *cmd, u8 *buf)
{
	buf[3] = 0x3c;
	/* 1: non-rotating; a rotating device does not tell its rate */
	if (bdev_nonrot(cmd->lun->bdev.bdev))
		put_unaligned_be16(1, buf + 4);
	return 64;
}

/* Logical Block Provisioning (SBC-3 6.5.4). */
static int kiss_vpd_lbp(struct kiss_cmd *cmd, u8 *buf)
{
	buf[3] = 0x04;
	if (cmd->lun->discard) {
		buf[5] = 0x80 | 0x40 | 0x20;	/* LBPU, LBPWS, LBPWS10 */
		buf[6] = 0x02;			/* thin provisioned */
	}
	return 8;
}

static int kiss_emul_inquiry(struct kiss_cmd *cmd, const struct kiss_cdb *c,
			     u8 *buf)
{
	u8 page = c->u.inquiry.page;
	int len;

	if (!c->u.inquiry.evpd)
		return kiss_inq_standard(cmd, buf);
	if (!cmd->lun && page != 0x00)
		return kiss_scsi_fail_field(cmd, true, 2, -1);

	buf[0] = kiss_inq_peripheral(cmd);
	buf[1] = page;
	switch (page) {
	case 0x00:
		len = kiss_vpd_supported(cmd, buf);
		break;
	case 0x80:
		len = kiss_vpd_serial(cmd, buf);
		break;
	case 0x83:
		len = kiss_vpd_devid(cmd, buf);
		break;
	case 0xb0:
		len = kiss_vpd_block_limits(cmd, buf);
		break;
	case 0xb1:
		len = kiss_vpd_block_chars(cmd, buf);
		break;
	case 0xb2:
		len = kiss_vpd_lbp(cmd, buf);
		break;
	default:
		return kiss_scsi_fail_field(cmd, true, 2, -1);
	}
	put_unaligned_be16(len - 4, buf + 2);
	return len;
}

/* ------------------------------------------------------------------ */
/* Other emulated commands                                             */

static int kiss_emul_request_sense(struct kiss_cmd *cmd,
				   const struct kiss_cdb *c, u8 *buf)
{
	struct kiss_sense_info s;

	enum kiss_sense_code ua;

	/* No deferred errors are kept; a unit attention is reported once. */
	if (!cmd->lun)
		kiss_sense_set(&s, KISS_SENSE_LUN_NOT_SUPPORTED);
	else if (kiss_ua_take(cmd->sess, cmd->lun->id, &ua))
		kiss_sense_set(&s, ua);
	else
		kiss_sense_set(&s, KISS_SENSE_NO_SENSE);
	return kiss_sense_build(buf, KISS_SENSE_MAX_LEN, &s,
				c->u.request_sense.desc);
}

/* Every enabled LUN of the target (SPC-4 6.33). */
static int kiss_emul_report_luns(struct kiss_cmd *cmd,
				 const struct kiss_cdb *c, u8 *buf)
{
	struct kiss_target *target = cmd->sess->target;
	u32 n = 0, i;

	/* 01h: well known LUNs only, and kiss has none */
	if (target && c->u.report_luns.select_report != 0x01) {
		rcu_read_lock();
		for (i = 0; i < KISS_MAX_LUNS; i++)
			if (rcu_access_pointer(target->luns[i]) &&
			    !kiss_scsilun_encode(i, buf + 8 + 8 * n))
				n++;
		rcu_read_unlock();
		/* LUN 0 answers even when empty (SAM-5 4.6.4) */
		if (!n) {
			kiss_scsilun_encode(0, buf + 8);
			n = 1;
		}
		/* the change is now reported, for every LUN (SPC-4 6.33) */
		for (i = 0; i < KISS_MAX_LUNS; i++)
			kiss_ua_clear(cmd->sess, i, KISS_UA_LUNS_CHANGED);
	}
	put_unaligned_be32(8 * n, buf);
	return 8 + 8 * n;
}

static int kiss_emul_read_capacity_10(struct kiss_cmd *cmd,
				      const struct kiss_cdb *c, u8 *buf)
{
	struct kiss_lun *lun = cmd->lun;

	put_unaligned_be32(min_t(u64, lun->nr_blocks - 1, U32_MAX), buf);
	put_unaligned_be32(kiss_lun_bs(lun), buf + 4);
	return 8;
}

static int kiss_emul_read_capacity_16(struct kiss_cmd *cmd,
				      const struct kiss_cdb *c, u8 *buf)
{
	struct kiss_lun *lun = cmd->lun;
	struct block_device *bdev = lun->bdev.bdev;
	u32 phys = bdev_physical_block_size(bdev) >> lun->block_shift;
	u32 lowest = (u32)bdev_alignment_offset(bdev) >> lun->block_shift;
	u16 prov = lowest & 0x3fff;

	put_unaligned_be64(lun->nr_blocks - 1, buf);
	put_unaligned_be32(kiss_lun_bs(lun), buf + 8);
	buf[13] = phys > 1 ? ilog2(phys) : 0;
	if (lun->discard)
		prov |= 0x8000;		/* LBPME */
	put_unaligned_be16(prov, buf + 14);
	return 32;
}

/* GET LBA STATUS: kiss cannot see the mapping, so "mapped or unknown". */
static int kiss_emul_get_lba_status(struct kiss_cmd *cmd,
				    const struct kiss_cdb *c, u8 *buf)
{
	u64 left = cmd->lun->nr_blocks - c->lba;

	put_unaligned_be32(4 + 16, buf);
	put_unaligned_be64(c->lba, buf + 8);
	put_unaligned_be32(min_t(u64, left, U32_MAX), buf + 16);
	return 8 + 16;
}

static int kiss_emul_rtpg(struct kiss_cmd *cmd, const struct kiss_cdb *c,
			  u8 *buf)
{
	BUILD_BUG_ON(KISS_ALUA_REPORT_MAX > KISS_EMUL_BUF_LEN);
	return kiss_alua_report(cmd->sess->target, c->u.rtpg.format == 1,
				buf);
}

/*
 * READ DEFECT DATA (SBC-3 5.16, 5.17): a block device under kiss has no
 * defect list of its own to show, so the lists asked for are valid and
 * empty, in the format asked for.
 */
static int kiss_emul_read_defect_data(struct kiss_cmd *cmd,
				      const struct kiss_cdb *c, u8 *buf)
{
	/* PLISTV, GLISTV are where REQ_PLIST, REQ_GLIST were */
	buf[1] = c->u.defect.lists | c->u.defect.format;
	return c->opcode == KISS_SCSI_READ_DEFECT_DATA_10 ? 4 : 8;
}

static int kiss_emul_copy_results(struct kiss_cmd *cmd,
				  const struct kiss_cdb *c, u8 *buf)
{
	int len;

	BUILD_BUG_ON(KISS_XCOPY_OP_PARAMS_LEN > KISS_EMUL_BUF_LEN);
	BUILD_BUG_ON(KISS_XCOPY_COPY_STATUS_LEN > KISS_EMUL_BUF_LEN);
	if (c->sa == KISS_RCR_OPERATING_PARAMS)
		return kiss_xcopy_op_params(buf);
	/* COPY STATUS: a list identifier this nexus has no copy for */
	len = kiss_xcopy_status(cmd, c->u.rcr.list_id, buf);
	if (len < 0)
		return kiss_scsi_fail_field(cmd, true, 2, -1);
	return len;
}

static int kiss_emul_rsoc(struct kiss_cmd *cmd, const struct kiss_cdb *c,
			  u8 *buf)
{
	struct kiss_sense_info s;
	int len;

	len = kiss_rsoc_build(buf, KISS_EMUL_BUF_LEN, c,
			      kiss_scsi_hidden(cmd->lun), &s);
	if (len < 0)
		return kiss_scsi_fail(cmd, &s);
	return min(len, KISS_EMUL_BUF_LEN);
}

/* ------------------------------------------------------------------ */
/* MODE SENSE and MODE SELECT                                          */

/*
 * Build mode page @page for page control @pc at @p.  Nothing is
 * changeable, and default and current values are the same.
 */
static int kiss_mode_page(const struct kiss_cmd *cmd, u8 page, u8 pc, u8 *p)
{
	bool values = pc != KISS_PC_CHANGEABLE;

	switch (page) {
	case KISS_MP_CACHING:
		p[0] = KISS_MP_CACHING;
		p[1] = 0x12;
		if (values && cmd->lun->write_cache)
			p[2] = 0x04;		/* WCE */
		return 20;
	case KISS_MP_CONTROL:
		p[0] = KISS_MP_CONTROL;
		p[1] = 0x0a;
		if (values) {
			p[3] = 0x10;		/* unrestricted reordering */
			put_unaligned_be16(0xffff, p + 8); /* busy timeout */
		}
		return 12;
	case KISS_MP_IE:
		p[0] = KISS_MP_IE;
		p[1] = 0x0a;
		return 12;
	default:
		return 0;
	}
}

static const u8 kiss_mode_pages[] = {
	KISS_MP_CACHING, KISS_MP_CONTROL, KISS_MP_IE,
};

static int kiss_emul_mode_sense(struct kiss_cmd *cmd, const struct kiss_cdb *c,
				u8 *buf)
{
	struct kiss_lun *lun = cmd->lun;
	bool ten = c->opcode == KISS_SCSI_MODE_SENSE_10;
	bool llba = ten && c->u.mode_sense.llbaa;
	u8 page = c->u.mode_sense.page, sub = c->u.mode_sense.subpage;
	u8 pc = c->u.mode_sense.pc;
	u32 hdr = ten ? 8 : 4, bdl = 0, len, i;

	if (pc == KISS_PC_SAVED)
		return kiss_scsi_fail_code(cmd,
					   KISS_SENSE_SAVING_PARAMS_UNSUPPORTED);
	if (sub && !(page == KISS_MP_ALL && sub == 0xff))
		return kiss_scsi_fail_field(cmd, true, 3, -1);

	len = hdr;
	if (!c->u.mode_sense.dbd) {
		u8 *d = buf + hdr;

		if (llba) {
			put_unaligned_be64(lun->nr_blocks, d);
			put_unaligned_be32(kiss_lun_bs(lun), d + 12);
			bdl = 16;
		} else {
			put_unaligned_be32(min_t(u64, lun->nr_blocks,
						 0xffffff), d);
			d[0] = 0;		/* density code */
			put_unaligned_be32(kiss_lun_bs(lun), d + 4);
			d[4] = 0;
			bdl = 8;
		}
		len += bdl;
	}
	if (page == KISS_MP_ALL) {
		for (i = 0; i < ARRAY_SIZE(kiss_mode_pages); i++)
			len += kiss_mode_page(cmd, kiss_mode_pages[i], pc,
					      buf + len);
	} else {
		u32 n = kiss_mode_page(cmd, page, pc, buf + len);

		if (!n)
			return kiss_scsi_fail_field(cmd, true, 2, 5);
		len += n;
	}

	/* DPOFUA: both honoured; WP for a read-only LUN or session */
	if (ten) {
		put_unaligned_be16(len - 2, buf);
		buf[3] = 0x10 | (kiss_scsi_readonly(cmd) ? 0x80 : 0);
		buf[4] = llba && bdl ? 0x01 : 0;	/* LONGLBA */
		put_unaligned_be16(bdl, buf + 6);
	} else {
		buf[0] = len - 1;
		buf[2] = 0x10 | (kiss_scsi_readonly(cmd) ? 0x80 : 0);
		buf[3] = bdl;
	}
	return len;
}

/*
 * MODE SELECT: nothing is changeable, so a parameter list is accepted
 * when every page in it says what MODE SENSE reports, as LIO does, and
 * refused with a pointer to the first byte that differs otherwise.
 */
static int kiss_emul_mode_select(struct kiss_cmd *cmd,
				 const struct kiss_cdb *c)
{
	bool ten = c->opcode == KISS_SCSI_MODE_SELECT_10;
	u32 hdr = ten ? 8 : 4, len = cmd->buf_len, off, bdl, i;
	u8 cur[KISS_MP_MAX_LEN];
	u8 *buf;
	int ret = 0;

	if (!len)
		return 0;
	if (!c->u.mode_select.pf)
		return kiss_scsi_fail_field(cmd, true, 1, 4);
	if (len < hdr)
		return kiss_scsi_fail_code(cmd, KISS_SENSE_PARAM_LIST_LENGTH);
	buf = kmalloc(len, GFP_KERNEL);
	if (!buf)
		return kiss_scsi_fail_code(cmd,
					   KISS_SENSE_INTERNAL_TARGET_FAILURE);
	kiss_cmd_copy_from_buf(cmd, 0, buf, len);

	bdl = ten ? get_unaligned_be16(buf + 6) : buf[3];
	off = hdr + bdl;
	if (off > len) {
		ret = kiss_scsi_fail_code(cmd, KISS_SENSE_PARAM_LIST_LENGTH);
		goto out;
	}
	/* the block length in a block descriptor cannot change */
	if (bdl == 8 || bdl == 16) {
		u32 at = bdl == 8 ? hdr + 4 : hdr + 12;

		if ((get_unaligned_be32(buf + at) & (bdl == 8 ? 0xffffff :
							~0U)) !=
		    kiss_lun_bs(cmd->lun)) {
			ret = kiss_scsi_fail_field(cmd, false, at, -1);
			goto out;
		}
	}
	while (off < len) {
		u8 page = buf[off] & 0x3f;
		u32 n;

		if (buf[off] & 0x40) {		/* SPF: no subpages here */
			ret = kiss_scsi_fail_field(cmd, false, off, 6);
			goto out;
		}
		memset(cur, 0, sizeof(cur));
		n = kiss_mode_page(cmd, page, KISS_PC_CURRENT, cur);
		if (!n) {
			ret = kiss_scsi_fail_field(cmd, false, off, 5);
			goto out;
		}
		if (off + 2 > len || off + n > len) {
			ret = kiss_scsi_fail_code(cmd,
						  KISS_SENSE_PARAM_LIST_LENGTH);
			goto out;
		}
		/* PS (bit 7 of byte 0) is reserved in MODE SELECT */
		for (i = 1; i < n; i++) {
			if (buf[off + i] != cur[i]) {
				ret = kiss_scsi_fail_field(cmd, false, off + i,
							   -1);
				goto out;
			}
		}
		off += n;
	}
out:
	kfree(buf);
	return ret;
}

/* ------------------------------------------------------------------ */
/* UNMAP                                                               */

/*
 * Read descriptor @i of an UNMAP parameter list: the LBA and number of
 * blocks, checked against the Block Limits page and the capacity.
 */
static int kiss_unmap_desc(struct kiss_cmd *cmd, u32 i, u64 *lba, u32 *nr)
{
	struct kiss_lun *lun = cmd->lun;
	u32 off = 8 + i * KISS_UNMAP_DESC_LEN;
	struct kiss_sense_info s;
	u8 d[KISS_UNMAP_DESC_LEN];

	kiss_cmd_copy_from_buf(cmd, off, d, sizeof(d));
	*lba = get_unaligned_be64(d);
	*nr = get_unaligned_be32(d + 8);
	if (*nr > kiss_unmap_max_blocks(lun))
		return kiss_scsi_fail_field(cmd, false, off + 8, -1);
	if (*nr > lun->nr_blocks || *lba > lun->nr_blocks - *nr) {
		kiss_sense_set(&s, KISS_SENSE_LBA_OUT_OF_RANGE);
		return kiss_scsi_fail(cmd, &s);
	}
	return 0;
}

/* UNMAP (SBC-3 5.28): every descriptor is checked before any discard. */
static void kiss_scsi_unmap(struct kiss_cmd *cmd)
{
	u32 len = cmd->buf_len, nr_desc, nr, i;
	struct bio *chain = NULL;
	struct blk_plug plug;
	u8 hdr[8];
	u64 lba;
	int err = 0;

	if (!len)
		goto done;
	if (len < sizeof(hdr)) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_PARAM_LIST_LENGTH);
		goto done;
	}
	kiss_cmd_copy_from_buf(cmd, 0, hdr, sizeof(hdr));
	/* a BLOCK DESCRIPTOR DATA LENGTH past the data is cut to it (LIO) */
	nr_desc = min_t(u32, get_unaligned_be16(hdr + 2), len - 8) /
		  KISS_UNMAP_DESC_LEN;
	if (nr_desc > KISS_UNMAP_MAX_DESC) {
		kiss_scsi_fail_field(cmd, false, 2, -1);
		goto done;
	}
	for (i = 0; i < nr_desc; i++)
		if (kiss_unmap_desc(cmd, i, &lba, &nr))
			goto done;

	blk_start_plug(&plug);
	for (i = 0; i < nr_desc && !err; i++) {
		kiss_unmap_desc(cmd, i, &lba, &nr);
		if (nr)
			err = kiss_bdev_discard_add(cmd, lba, nr, &chain);
	}
	kiss_bdev_submit_chain(cmd, chain, err);
	blk_finish_plug(&plug);
	return;
done:
	kiss_cmd_done(cmd);
}

/* ------------------------------------------------------------------ */
/* Execute                                                             */

/*
 * Run an emulated command that answers with data built in a private
 * buffer; the answer is cut to the allocation length (data_len) and
 * data_len lowered to what there is, which conn.c reports as underflow.
 */
static void kiss_scsi_emulate(struct kiss_cmd *cmd, const struct kiss_cdb *c,
			      int (*fn)(struct kiss_cmd *cmd,
					const struct kiss_cdb *c, u8 *buf))
{
	u8 *buf = kzalloc(KISS_EMUL_BUF_LEN, GFP_KERNEL);
	int len;

	if (!buf) {
		kiss_scsi_fail_code(cmd, KISS_SENSE_INTERNAL_TARGET_FAILURE);
		goto done;
	}
	len = fn(cmd, c, buf);
	if (len >= 0) {
		cmd->data_len = min_t(u32, cmd->data_len, len);
		kiss_cmd_copy_to_buf(cmd, 0, buf, cmd->data_len);
	}
	kfree(buf);
done:
	kiss_cmd_done(cmd);
}

/* READ, WRITE and WRITE AND VERIFY: the command's pages go to bios. */
static void kiss_scsi_rw(struct kiss_cmd *cmd, const struct kiss_cdb *c)
{
	struct kiss_lun *lun = cmd->lun;
	bool write = c->kind == KISS_CDB_WRITE;
	u32 nr;

	/*
	 * buf_len is min(data_len, EDTL).  A write has whole blocks only
	 * (kiss_scsi_check_iu()); a read of a partial last block reads all
	 * of it into the whole page behind the buffer.
	 */
	if (write)
		nr = cmd->buf_len >> lun->block_shift;
	else
		nr = DIV_ROUND_UP(cmd->buf_len, kiss_lun_bs(lun));
	kiss_bdev_rw(cmd, c->lba, nr, write, c->fua);
}

static void kiss_scsi_write_same(struct kiss_cmd *cmd,
				 const struct kiss_cdb *c)
{
	if (c->unmap)
		kiss_bdev_discard(cmd, c->lba, c->nr_blocks);
	else
		kiss_bdev_write_same(cmd, c->lba, c->nr_blocks);
}

/*
 * COMPARE AND WRITE runs alone among the LUN's COMPARE AND WRITEs, from
 * before its read to after its response (the lock goes in
 * kiss_scsi_release()), which is the atomicity VMware's ATS locking
 * relies on.  Plain writes are not held back, as in LIO.
 */
static void kiss_scsi_caw(struct kiss_cmd *cmd, const struct kiss_cdb *c)
{
	if (!c->nr_blocks) {
		kiss_cmd_done(cmd);
		return;
	}
	down(&cmd->lun->caw_sem);
	cmd->scsi_priv[0] |= KISS_PRIV_CAW_LOCKED;
	kiss_bdev_compare_and_write(cmd, c->lba, c->nr_blocks, c->fua);
}

/*
 * ORWRITE reads, ORs and writes back: it holds the same lock as COMPARE
 * AND WRITE, so that the two never interleave on a LUN.
 */
static void kiss_scsi_orwrite(struct kiss_cmd *cmd, const struct kiss_cdb *c)
{
	u32 nr = cmd->buf_len >> cmd->lun->block_shift;

	if (!nr) {
		kiss_cmd_done(cmd);
		return;
	}
	down(&cmd->lun->caw_sem);
	cmd->scsi_priv[0] |= KISS_PRIV_CAW_LOCKED;
	kiss_bdev_orwrite(cmd, c->lba, nr, c->fua);
}

static void kiss_scsi_verify(struct kiss_cmd *cmd, const struct kiss_cdb *c)
{
	/* BYTCHK=0: the medium is whatever the device says it is */
	if (!c->bytchk) {
		kiss_cmd_done(cmd);
		return;
	}
	kiss_bdev_compare(cmd, c->lba, cmd->buf_len >> cmd->lun->block_shift);
}

/**
 * kiss_scsi_exec() - run a prepared command whose data is all in
 * @cmd: a command kiss_scsi_prepare() accepted
 *
 * Context: the connection's rx thread; may allocate with GFP_KERNEL and
 * submit bios, never waits for them.  The command completes through
 * kiss_cmd_done(), here or from bio completion.
 */
void kiss_scsi_exec(struct kiss_cmd *cmd)
{
	struct kiss_cdb c;

	/* prepare accepted these very bytes */
	if (WARN_ON_ONCE(kiss_cdb_decode(cmd->cdb, cmd->cdb_len, &c))) {
		kiss_scsi_fail(cmd, &c.sense);
		kiss_cmd_done(cmd);
		return;
	}
	/*
	 * kiss_scsi_prepare() checked the reservations before the Data-Out
	 * was solicited.  A PREEMPT (AND ABORT) from the nexus that fences
	 * this one may have been answered since: what the fenced nexus was
	 * still sending must not reach the medium now.
	 */
	if (cmd->write && cmd->lun && kiss_res_check(cmd, &c)) {
		cmd->status = KISS_SAM_STAT_RESERVATION_CONFLICT;
		kiss_cmd_done(cmd);
		return;
	}

	switch (c.opcode) {
	case KISS_SCSI_READ_6:
	case KISS_SCSI_READ_10:
	case KISS_SCSI_READ_12:
	case KISS_SCSI_READ_16:
	case KISS_SCSI_WRITE_6:
	case KISS_SCSI_WRITE_10:
	case KISS_SCSI_WRITE_12:
	case KISS_SCSI_WRITE_16:
	case KISS_SCSI_WRITE_VERIFY_10:
	case KISS_SCSI_WRITE_VERIFY_12:
	case KISS_SCSI_WRITE_VERIFY_16:
		kiss_scsi_rw(cmd, &c);
		return;
	case KISS_SCSI_SYNC_CACHE_10:
	case KISS_SCSI_SYNC_CACHE_16:
		kiss_bdev_flush(cmd);
		return;
	case KISS_SCSI_COMPARE_AND_WRITE:
		kiss_scsi_caw(cmd, &c);
		return;
	case KISS_SCSI_ORWRITE_16:
		kiss_scsi_orwrite(cmd, &c);
		return;
	case KISS_SCSI_WRITE_SAME_10:
	case KISS_SCSI_WRITE_SAME_16:
		kiss_scsi_write_same(cmd, &c);
		return;
	case KISS_SCSI_UNMAP:
		kiss_scsi_unmap(cmd);
		return;
	case KISS_SCSI_VERIFY_10:
	case KISS_SCSI_VERIFY_12:
	case KISS_SCSI_VERIFY_16:
		kiss_scsi_verify(cmd, &c);
		return;
	case KISS_SCSI_INQUIRY:
		kiss_scsi_emulate(cmd, &c, kiss_emul_inquiry);
		return;
	case KISS_SCSI_REQUEST_SENSE:
		kiss_scsi_emulate(cmd, &c, kiss_emul_request_sense);
		return;
	case KISS_SCSI_REPORT_LUNS:
		kiss_scsi_emulate(cmd, &c, kiss_emul_report_luns);
		return;
	case KISS_SCSI_READ_CAPACITY_10:
		kiss_scsi_emulate(cmd, &c, kiss_emul_read_capacity_10);
		return;
	case KISS_SCSI_SERVICE_ACTION_IN_16:
		kiss_scsi_emulate(cmd, &c,
				  c.sa == KISS_SAI_READ_CAPACITY_16 ?
				  kiss_emul_read_capacity_16 :
				  kiss_emul_get_lba_status);
		return;
	case KISS_SCSI_MAINTENANCE_IN:
		kiss_scsi_emulate(cmd, &c,
				  c.sa == KISS_MI_REPORT_TARGET_PGS ?
				  kiss_emul_rtpg : kiss_emul_rsoc);
		return;
	case KISS_SCSI_MODE_SENSE_6:
	case KISS_SCSI_MODE_SENSE_10:
		kiss_scsi_emulate(cmd, &c, kiss_emul_mode_sense);
		return;
	case KISS_SCSI_EXTENDED_COPY:
		kiss_xcopy(cmd);
		return;
	case KISS_SCSI_READ_DEFECT_DATA_10:
	case KISS_SCSI_READ_DEFECT_DATA_12:
		kiss_scsi_emulate(cmd, &c, kiss_emul_read_defect_data);
		return;
	case KISS_SCSI_RECEIVE_COPY_RESULTS:
		kiss_scsi_emulate(cmd, &c, kiss_emul_copy_results);
		return;
	case KISS_SCSI_MODE_SELECT_6:
	case KISS_SCSI_MODE_SELECT_10:
		kiss_emul_mode_select(cmd, &c);
		break;
	case KISS_SCSI_PR_IN:
		kiss_pr_in(cmd, &c);
		break;
	case KISS_SCSI_PR_OUT:
		if (kiss_pr_out(cmd, &c))
			return;		/* ends when what it fenced has */
		break;
	case KISS_SCSI_RESERVE_6:
	case KISS_SCSI_RESERVE_10:
		kiss_res_reserve(cmd, true);
		break;
	case KISS_SCSI_RELEASE_6:
	case KISS_SCSI_RELEASE_10:
		kiss_res_reserve(cmd, false);
		break;
	case KISS_SCSI_TEST_UNIT_READY:
	case KISS_SCSI_START_STOP_UNIT:
	case KISS_SCSI_PREVENT_ALLOW:
	case KISS_SCSI_PRE_FETCH_10:
	case KISS_SCSI_PRE_FETCH_16:
		/* nothing to do: the LUN is there and the range is valid */
		break;
	default:
		kiss_scsi_fail_code(cmd, KISS_SENSE_INVALID_OPCODE);
		break;
	}
	kiss_cmd_done(cmd);
}

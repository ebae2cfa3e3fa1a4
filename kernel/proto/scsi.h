/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SCSI command decoding, sense data and the supported-opcode table
 * (SAM-5, SPC-4, SBC-3).
 *
 * kiss_cdb_decode() is the only place that reads a CDB: it refuses what
 * kiss does not implement, with the sense data the initiator should see,
 * and hands the executor a struct kiss_cdb in which every length and
 * address is already decoded.  The table behind it is also what REPORT
 * SUPPORTED OPERATION CODES reports, so the bits a CDB may set and the
 * usage map an initiator is told about cannot drift apart.
 *
 * Nothing here allocates, and every function takes a buffer and its
 * length and never reads or writes past it.
 */
#ifndef KISS_PROTO_SCSI_H
#define KISS_PROTO_SCSI_H

#include "port.h"

#define KISS_CDB_MAX_LEN	16	/* longest CDB kiss decodes */
#define KISS_LUN_LEN		8	/* SAM-5 LUN structure */
#define KISS_MAX_LUN		16383	/* flat space addressing limit */

/* Longest sense kiss builds: descriptor format, INFORMATION and SKS. */
#define KISS_SENSE_FIXED_LEN	18
#define KISS_SENSE_MAX_LEN	28

/* COMPARE AND WRITE blocks per command (Block Limits VPD page). */
#define KISS_CAW_MAX_BLOCKS	1

/* Operation codes (SPC-4 and SBC-3). */
enum kiss_scsi_opcode {
	KISS_SCSI_TEST_UNIT_READY	= 0x00,
	KISS_SCSI_REQUEST_SENSE		= 0x03,
	KISS_SCSI_READ_6		= 0x08,
	KISS_SCSI_WRITE_6		= 0x0a,
	KISS_SCSI_INQUIRY		= 0x12,
	KISS_SCSI_MODE_SELECT_6		= 0x15,
	KISS_SCSI_RESERVE_6		= 0x16,
	KISS_SCSI_RELEASE_6		= 0x17,
	KISS_SCSI_MODE_SENSE_6		= 0x1a,
	KISS_SCSI_START_STOP_UNIT	= 0x1b,
	KISS_SCSI_PREVENT_ALLOW		= 0x1e,
	KISS_SCSI_READ_CAPACITY_10	= 0x25,
	KISS_SCSI_READ_10		= 0x28,
	KISS_SCSI_WRITE_10		= 0x2a,
	KISS_SCSI_WRITE_VERIFY_10	= 0x2e,
	KISS_SCSI_VERIFY_10		= 0x2f,
	KISS_SCSI_PRE_FETCH_10		= 0x34,
	KISS_SCSI_SYNC_CACHE_10		= 0x35,
	KISS_SCSI_READ_DEFECT_DATA_10	= 0x37,
	KISS_SCSI_WRITE_SAME_10		= 0x41,
	KISS_SCSI_UNMAP			= 0x42,
	KISS_SCSI_MODE_SELECT_10	= 0x55,
	KISS_SCSI_RESERVE_10		= 0x56,
	KISS_SCSI_RELEASE_10		= 0x57,
	KISS_SCSI_MODE_SENSE_10		= 0x5a,
	KISS_SCSI_PR_IN			= 0x5e,
	KISS_SCSI_PR_OUT		= 0x5f,
	KISS_SCSI_EXTENDED_COPY		= 0x83,
	KISS_SCSI_RECEIVE_COPY_RESULTS	= 0x84,
	KISS_SCSI_READ_16		= 0x88,
	KISS_SCSI_COMPARE_AND_WRITE	= 0x89,
	KISS_SCSI_WRITE_16		= 0x8a,
	KISS_SCSI_ORWRITE_16		= 0x8b,
	KISS_SCSI_WRITE_VERIFY_16	= 0x8e,
	KISS_SCSI_VERIFY_16		= 0x8f,
	KISS_SCSI_PRE_FETCH_16		= 0x90,
	KISS_SCSI_SYNC_CACHE_16		= 0x91,
	KISS_SCSI_WRITE_SAME_16		= 0x93,
	KISS_SCSI_SERVICE_ACTION_IN_16	= 0x9e,
	KISS_SCSI_REPORT_LUNS		= 0xa0,
	KISS_SCSI_MAINTENANCE_IN	= 0xa3,
	KISS_SCSI_MAINTENANCE_OUT	= 0xa4,
	KISS_SCSI_READ_12		= 0xa8,
	KISS_SCSI_WRITE_12		= 0xaa,
	KISS_SCSI_WRITE_VERIFY_12	= 0xae,
	KISS_SCSI_VERIFY_12		= 0xaf,
	KISS_SCSI_READ_DEFECT_DATA_12	= 0xb7,
};

/* Service actions: SERVICE ACTION IN(16), MAINTENANCE IN/OUT. */
enum kiss_scsi_service_action {
	KISS_SAI_READ_CAPACITY_16	= 0x10,
	KISS_SAI_GET_LBA_STATUS		= 0x12,
	KISS_MI_REPORT_TARGET_PGS	= 0x0a,
	KISS_MI_REPORT_SUPPORTED_OPCODES = 0x0c,
	KISS_MO_SET_TARGET_PGS		= 0x0a,
	KISS_XCOPY_LID1			= 0x00,	/* EXTENDED COPY(LID1) */
	KISS_RCR_COPY_STATUS		= 0x00,	/* RECEIVE COPY RESULTS */
	KISS_RCR_OPERATING_PARAMS	= 0x03,
};

/* PERSISTENT RESERVE IN service actions (SPC-4 6.15.1). */
enum kiss_prin_sa {
	KISS_PRIN_READ_KEYS		= 0x00,
	KISS_PRIN_READ_RESERVATION	= 0x01,
	KISS_PRIN_REPORT_CAPABILITIES	= 0x02,
	KISS_PRIN_READ_FULL_STATUS	= 0x03,
};

/* PERSISTENT RESERVE OUT service actions (SPC-4 6.16.2). */
enum kiss_prout_sa {
	KISS_PROUT_REGISTER		= 0x00,
	KISS_PROUT_RESERVE		= 0x01,
	KISS_PROUT_RELEASE		= 0x02,
	KISS_PROUT_CLEAR		= 0x03,
	KISS_PROUT_PREEMPT		= 0x04,
	KISS_PROUT_PREEMPT_AND_ABORT	= 0x05,
	KISS_PROUT_REGISTER_AND_IGNORE	= 0x06,
	KISS_PROUT_REGISTER_AND_MOVE	= 0x07,
};

/* SAM-5 status codes. */
enum kiss_sam_status {
	KISS_SAM_STAT_GOOD			= 0x00,
	KISS_SAM_STAT_CHECK_CONDITION		= 0x02,
	KISS_SAM_STAT_CONDITION_MET		= 0x04,
	KISS_SAM_STAT_BUSY			= 0x08,
	KISS_SAM_STAT_RESERVATION_CONFLICT	= 0x18,
	KISS_SAM_STAT_TASK_SET_FULL		= 0x28,
	KISS_SAM_STAT_ACA_ACTIVE		= 0x30,
	KISS_SAM_STAT_TASK_ABORTED		= 0x40,
};

/* Sense keys (SPC-4 table 47). */
enum kiss_sense_key {
	KISS_SK_NO_SENSE	= 0x0,
	KISS_SK_RECOVERED_ERROR	= 0x1,
	KISS_SK_NOT_READY	= 0x2,
	KISS_SK_MEDIUM_ERROR	= 0x3,
	KISS_SK_HARDWARE_ERROR	= 0x4,
	KISS_SK_ILLEGAL_REQUEST	= 0x5,
	KISS_SK_UNIT_ATTENTION	= 0x6,
	KISS_SK_DATA_PROTECT	= 0x7,
	KISS_SK_COPY_ABORTED	= 0xa,
	KISS_SK_ABORTED_COMMAND	= 0xb,
	KISS_SK_MISCOMPARE	= 0xe,
};

/* The conditions kiss reports, each a sense key with its ASC/ASCQ. */
enum kiss_sense_code {
	KISS_SENSE_NO_SENSE,			/* 0 00/00 */
	KISS_SENSE_LUN_NOT_READY,		/* 2 04/00 */
	KISS_SENSE_ALUA_TRANSITION,		/* 2 04/0A */
	KISS_SENSE_ALUA_STANDBY,		/* 2 04/0B */
	KISS_SENSE_ALUA_UNAVAILABLE,		/* 2 04/0C */
	KISS_SENSE_LUN_COMM_FAILURE,		/* 2 08/00 */
	KISS_SENSE_WRITE_ERROR,			/* 3 0C/00 */
	KISS_SENSE_READ_ERROR,			/* 3 11/00 */
	KISS_SENSE_INTERNAL_TARGET_FAILURE,	/* 4 44/00 */
	KISS_SENSE_PARAM_LIST_LENGTH,		/* 5 1A/00 */
	KISS_SENSE_INVALID_OPCODE,		/* 5 20/00 */
	KISS_SENSE_LBA_OUT_OF_RANGE,		/* 5 21/00 */
	KISS_SENSE_INVALID_FIELD_IN_CDB,	/* 5 24/00 */
	KISS_SENSE_LUN_NOT_SUPPORTED,		/* 5 25/00 */
	KISS_SENSE_INVALID_FIELD_IN_PARAM,	/* 5 26/00 */
	KISS_SENSE_INVALID_RELEASE_OF_PR,	/* 5 26/04 */
	KISS_SENSE_TOO_MANY_TARGET_DESC,	/* 5 26/06 */
	KISS_SENSE_UNSUPPORTED_TARGET_DESC,	/* 5 26/07 */
	KISS_SENSE_TOO_MANY_SEGMENT_DESC,	/* 5 26/08 */
	KISS_SENSE_UNSUPPORTED_SEGMENT_DESC,	/* 5 26/09 */
	KISS_SENSE_SAVING_PARAMS_UNSUPPORTED,	/* 5 39/00 */
	KISS_SENSE_INSUFFICIENT_REG_RESOURCES,	/* 5 55/04 */
	KISS_SENSE_POWER_ON_RESET,		/* 6 29/00 */
	KISS_SENSE_LUN_RESET,			/* 6 29/03 */
	KISS_SENSE_I_T_NEXUS_LOSS,		/* 6 29/07 */
	KISS_SENSE_MODE_PARAMS_CHANGED,		/* 6 2A/01 */
	KISS_SENSE_RESERVATIONS_PREEMPTED,	/* 6 2A/03 */
	KISS_SENSE_RESERVATIONS_RELEASED,	/* 6 2A/04 */
	KISS_SENSE_REGISTRATIONS_PREEMPTED,	/* 6 2A/05 */
	KISS_SENSE_ALUA_STATE_CHANGED,		/* 6 2A/06 */
	KISS_SENSE_CAPACITY_CHANGED,		/* 6 2A/09 */
	KISS_SENSE_COMMANDS_CLEARED,		/* 6 2F/00 */
	KISS_SENSE_INQUIRY_DATA_CHANGED,	/* 6 3F/03 */
	KISS_SENSE_REPORTED_LUNS_CHANGED,	/* 6 3F/0E */
	KISS_SENSE_WRITE_PROTECTED,		/* 7 27/00 */
	KISS_SENSE_SPACE_ALLOC_FAILED,		/* 7 27/07 */
	KISS_SENSE_COPY_ABORTED,		/* A 00/00 */
	KISS_SENSE_COPY_TARGET_UNREACHABLE,	/* A 0D/02 */
	KISS_SENSE_COMMAND_ABORTED,		/* B 00/00 */
	KISS_SENSE_UNEXPECTED_UNSOLICITED_DATA,	/* B 0C/0C */
	KISS_SENSE_NOT_ENOUGH_UNSOLICITED_DATA,	/* B 0C/0D */
	KISS_SENSE_SNACK_REJECTED,		/* B 11/13 */
	KISS_SENSE_PROTOCOL_CRC_ERROR,		/* B 47/05 */
	KISS_SENSE_DATA_PHASE_ERROR,		/* B 4B/00 */
	KISS_SENSE_TOO_MUCH_WRITE_DATA,		/* B 4B/02 */
	KISS_SENSE_MISCOMPARE,			/* E 1D/00 */
	KISS_SENSE_COUNT,
};

/*
 * What a sense buffer says, independent of its format.  The sense-key
 * specific bytes are only ever a field pointer here (SPC-4 4.5.2.4.2):
 * with ILLEGAL REQUEST they point at the byte, and optionally the bit,
 * of the CDB (@cd) or parameter list that was refused.
 */
struct kiss_sense_info {
	u8	key;
	u8	asc;
	u8	ascq;
	bool	info_valid;	/* @info holds the INFORMATION field */
	u64	info;
	bool	sksv;		/* the field pointer below is valid */
	bool	cd;		/* it points into the CDB, not the data */
	bool	bpv;		/* @bit is valid */
	u8	bit;		/* 0..7, the field's most significant bit */
	u16	field;		/* byte offset */
};

/* What a command does to the medium, which decides how it executes. */
enum kiss_cdb_kind {
	KISS_CDB_OTHER,			/* no block data, or not to the medium */
	KISS_CDB_READ,
	KISS_CDB_WRITE,			/* WRITE and WRITE AND VERIFY */
	KISS_CDB_VERIFY,
	KISS_CDB_WRITE_SAME,
	KISS_CDB_FLUSH,			/* SYNCHRONIZE CACHE */
	KISS_CDB_UNMAP,
	KISS_CDB_COMPARE_AND_WRITE,
};

/* Direction of the data phase, from the target's point of view. */
enum kiss_data_dir {
	KISS_DIR_NONE,
	KISS_DIR_IN,			/* Data-In: target to initiator */
	KISS_DIR_OUT,			/* Data-Out: initiator to target */
};

/* Properties of a command in the opcode table. */
#define KISS_OPF_DECODED	BIT(0)	/* kiss_cdb_decode() accepts it */
#define KISS_OPF_SA		BIT(1)	/* identified by a service action */
#define KISS_OPF_WRITE		BIT(2)	/* changes the medium */
#define KISS_OPF_THIN		BIT(3)	/* needs thin provisioning */
#define KISS_OPF_PR		BIT(4)	/* persistent reservations */
#define KISS_OPF_ALUA		BIT(5)	/* explicit ALUA: SET TARGET PORT GROUPS */
#define KISS_OPF_RESERVE	BIT(6)	/* SPC-2 RESERVE/RELEASE */

/* Why kiss_cdb_decode() or kiss_cdb_check_range() refused; negated. */
enum kiss_cdb_err {
	KISS_CDB_OK = 0,
	KISS_CDB_ERR_SHORT,		/* fewer bytes than the opcode needs */
	KISS_CDB_ERR_OPCODE,		/* operation code not supported */
	KISS_CDB_ERR_SERVICE_ACTION,	/* service action not supported */
	KISS_CDB_ERR_FIELD,		/* reserved bit or unsupported value */
	KISS_CDB_ERR_RANGE,		/* LBA range beyond the medium */
	KISS_CDB_ERR_COUNT,
};

/*
 * A decoded CDB.  Fields a command does not have are zero.  nr_blocks is
 * the transfer, verification or prefetch length in logical blocks with
 * the 6-byte "0 means 256" rule already applied; alloc_len is the
 * ALLOCATION LENGTH of a command returning data and param_len the
 * PARAMETER LIST LENGTH of one sending a parameter list.
 */
struct kiss_cdb {
	u8			opcode;
	u8			len;		/* CDB length of the opcode group */
	u16			sa;		/* service action, if KISS_OPF_SA */
	u16			flags;		/* KISS_OPF_* */
	enum kiss_cdb_kind	kind;
	enum kiss_data_dir	dir;
	bool			has_lba;	/* lba/nr_blocks address the medium */
	u64			lba;
	u32			nr_blocks;
	u32			alloc_len;
	u32			param_len;
	u8			group;		/* GROUP NUMBER (not acted on) */
	u8			bytchk;		/* VERIFY/WRITE AND VERIFY: 0 or 1 */
	bool			fua;
	bool			dpo;
	bool			unmap;		/* WRITE SAME */
	bool			anchor;		/* never set: ANC_SUP is 0 */
	bool			immed;
	union {
		struct {
			bool	evpd;
			u8	page;
		} inquiry;
		struct {
			bool	dbd;
			bool	llbaa;
			u8	pc;		/* page control */
			u8	page;
			u8	subpage;
		} mode_sense;
		struct {
			bool	pf;
		} mode_select;
		struct {
			bool	start;
			bool	loej;
			bool	no_flush;
			u8	power_condition;
		} start_stop;
		struct {
			u8	prevent;
		} prevent;
		struct {
			bool	desc;		/* descriptor format wanted */
		} request_sense;
		struct {
			u8	select_report;
		} report_luns;
		struct {
			u8	options;	/* REPORTING OPTIONS */
			bool	rctd;
			u8	opcode;
			u16	sa;
		} rsoc;
		struct {
			u8	format;		/* PARAMETER DATA FORMAT */
		} rtpg;
		struct {
			u8	lists;		/* REQ_PLIST | REQ_GLIST */
			u8	format;		/* DEFECT LIST FORMAT */
		} defect;
		struct {
			u8	scope;
			u8	type;
		} pr_out;
		struct {
			u8	list_id;	/* COPY STATUS */
		} rcr;
	} u;
	struct kiss_sense_info	sense;		/* why decoding failed */
};

/*
 * One row of the opcode table.  @usage is the CDB USAGE DATA of SPC-4
 * 6.35.2 (the bits the device server evaluates) without the service
 * action, which is always byte 1 bits 4:0 when KISS_OPF_SA is set;
 * @ignore the bits it accepts without looking at them (obsolete, vendor
 * specific, the SCSI-2 LUN field, GROUP NUMBER).  Every other bit is
 * reserved and refused.
 */
struct kiss_opcode_info {
	const char	*name;
	u8		opcode;
	u8		cdb_len;
	u16		sa;
	u16		flags;
	u8		kind;		/* enum kiss_cdb_kind */
	u8		usage[KISS_CDB_MAX_LEN];
	u8		ignore[KISS_CDB_MAX_LEN];
};

/* Result of a block device request, as the kernel side classifies it. */
enum kiss_io_status {
	KISS_IO_OK,
	KISS_IO_ERROR,		/* -EIO */
	KISS_IO_MEDIUM,		/* -ENODATA (BLK_STS_MEDIUM) */
	KISS_IO_PROTECTION,	/* -EILSEQ (BLK_STS_PROTECTION) */
	KISS_IO_NOSPC,		/* -ENOSPC: thin pool exhausted */
	KISS_IO_NOTSUPP,	/* -EOPNOTSUPP */
	KISS_IO_READONLY,	/* -EROFS, -EACCES, -EPERM */
	KISS_IO_TIMEOUT,	/* -ETIMEDOUT, -ETIME */
	KISS_IO_TRANSPORT,	/* -ENOLINK (BLK_STS_TRANSPORT) */
	KISS_IO_OFFLINE,	/* -ENODEV, -ENXIO */
	KISS_IO_TARGET,		/* -EREMOTEIO (BLK_STS_TARGET) */
	KISS_IO_CONFLICT,	/* -EBADE: reservation conflict */
	KISS_IO_RESOURCE,	/* -ENOMEM, -EBUSY, -EAGAIN */
};

int kiss_cdb_group_len(u8 opcode);
int kiss_cdb_decode(const u8 *cdb, size_t len, struct kiss_cdb *out);
int kiss_cdb_check_range(const struct kiss_cdb *c, u64 nr_lbas_of_device,
			 struct kiss_sense_info *s);
u64 kiss_cdb_xfer_len(const struct kiss_cdb *c, u32 block_size);
const char *kiss_cdb_err_str(int err);

const struct kiss_opcode_info *kiss_opcode_lookup(u8 opcode, u16 sa);
const struct kiss_opcode_info *kiss_opcode_at(size_t i);
size_t kiss_rsoc_all(u8 *buf, size_t size, bool rctd, unsigned int hide);
int kiss_rsoc_one(u8 *buf, size_t size, u8 options, u8 opcode, u16 sa,
		  bool rctd, unsigned int hide, struct kiss_sense_info *s);
int kiss_rsoc_build(u8 *buf, size_t size, const struct kiss_cdb *c,
		    unsigned int hide, struct kiss_sense_info *s);

void kiss_sense_set(struct kiss_sense_info *s, enum kiss_sense_code code);
void kiss_sense_set_field(struct kiss_sense_info *s, bool in_cdb, u16 byte,
			  int bit);
void kiss_sense_set_info(struct kiss_sense_info *s, u64 info);
size_t kiss_sense_build(u8 *buf, size_t size, const struct kiss_sense_info *s,
			bool descriptor);
int kiss_sense_parse(const u8 *buf, size_t len, struct kiss_sense_info *s);

enum kiss_io_status kiss_io_status_from_errno(int err);
u8 kiss_io_sense(enum kiss_io_status st, bool write,
		 struct kiss_sense_info *s);

int kiss_scsilun_encode(u64 lun, u8 *out);
int kiss_scsilun_decode(const u8 *buf, size_t len, u64 *lun);

/*
 * EXTENDED COPY(LID1) parameter lists (SPC-4 6.4): identification
 * descriptor CSCDs and block-to-block segments, no inline data.  The
 * limits are what RECEIVE COPY RESULTS reports.
 */
#define KISS_XCOPY_MAX_TARGETS	2
#define KISS_XCOPY_MAX_SEGMENTS	8
#define KISS_XCOPY_HDR_LEN	16
#define KISS_XCOPY_TARGET_LEN	32
#define KISS_XCOPY_B2B_LEN	28
#define KISS_XCOPY_MAX_LIST_LEN	(KISS_XCOPY_HDR_LEN +			\
				 KISS_XCOPY_MAX_TARGETS * KISS_XCOPY_TARGET_LEN + \
				 KISS_XCOPY_MAX_SEGMENTS * KISS_XCOPY_B2B_LEN)
#define KISS_XCOPY_DESIG_MAX	20
#define KISS_XCOPY_OP_PARAMS_LEN	46
#define KISS_XCOPY_COPY_STATUS_LEN	12

/* LIST ID USAGE: 00b, the copy manager holds the copy's status. */
#define KISS_XCOPY_LIST_ID_HOLD		0

/* COPY MANAGER STATUS of RECEIVE COPY RESULTS, COPY STATUS (SPC-3). */
enum kiss_xcopy_status {
	KISS_XCOPY_IN_PROGRESS	= 0x00,
	KISS_XCOPY_DONE		= 0x01,
	KISS_XCOPY_DONE_ERRORS	= 0x02,
};

struct kiss_xcopy_target {
	bool	nul;		/* a null device: not offered */
	bool	naa;		/* the designator is a logical unit's NAA */
	u8	id_len;
	u8	id[KISS_XCOPY_DESIG_MAX];
	u32	block_len;
};

struct kiss_xcopy_segment {
	u16	src;		/* indexes into the targets, checked */
	u16	dst;
	u16	nr_blocks;
	u64	src_lba;
	u64	dst_lba;
};

struct kiss_xcopy_list {
	u8	list_id;
	u8	list_id_usage;	/* LIST ID USAGE, 0..3 */
	u8	nr_targets;
	u8	nr_segments;
	struct kiss_xcopy_target	targets[KISS_XCOPY_MAX_TARGETS];
	struct kiss_xcopy_segment	segments[KISS_XCOPY_MAX_SEGMENTS];
};

int kiss_xcopy_parse(const u8 *buf, u32 len, struct kiss_xcopy_list *l,
		     struct kiss_sense_info *s);
u32 kiss_xcopy_op_params(u8 *buf);
u32 kiss_xcopy_copy_status(u8 *buf, enum kiss_xcopy_status status,
			   u16 segments, u64 bytes);

/*
 * An iSCSI TransportID (SPC-4 7.6.4.6) in the format that names an
 * initiator port: a 4-byte header (FORMAT CODE, PROTOCOL IDENTIFIER,
 * ADDITIONAL LENGTH), then "name,i,0xISID" with 12 hex digits of ISID, a
 * NUL, padded to a multiple of four.
 */
#define KISS_TPID_PROTO_ISCSI	0x5
#define KISS_TPID_FMT_PORT	0x1
#define KISS_TPID_SEP		",i,0x"
#define KISS_TPID_SEP_LEN	5
#define KISS_TPID_ISID_DIGITS	12
#define KISS_TPID_ISID_LEN	(KISS_TPID_SEP_LEN + KISS_TPID_ISID_DIGITS)

/*
 * PERSISTENT RESERVE OUT, REGISTER AND MOVE: the parameter list (SPC-4
 * 6.17.4), a 24-byte header and one such TransportID.
 */
#define KISS_PR_MOVE_HDR_LEN	24
#define KISS_PR_NAME_MAX	223	/* RFC 7143 4.2.7.1 */
#define KISS_PR_TPID_MIN_LEN	24	/* SPC-4: ADDITIONAL LENGTH >= 20 */
#define KISS_PR_TPID_MAX_LEN \
	(4 + ((KISS_PR_NAME_MAX + KISS_TPID_ISID_LEN + 1 + 3) & ~3))
#define KISS_PR_MOVE_MAX_LEN	(KISS_PR_MOVE_HDR_LEN + KISS_PR_TPID_MAX_LEN)

struct kiss_pr_move {
	u64	key;		/* RESERVATION KEY */
	u64	sa_key;		/* SERVICE ACTION RESERVATION KEY */
	bool	unreg;
	bool	aptpl;
	u16	rtpi;		/* RELATIVE TARGET PORT IDENTIFIER */
	u8	isid[6];
	char	name[KISS_PR_NAME_MAX + 1];
};

int kiss_pr_move_parse(const u8 *buf, u32 len, struct kiss_pr_move *m,
		       struct kiss_sense_info *s);

#endif /* KISS_PROTO_SCSI_H */

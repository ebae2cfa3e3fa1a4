/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iSCSI PDU layouts (RFC 7143 section 11), their validation and the
 * builders for every PDU a target sends.
 *
 * Every struct here is the exact wire image of a 48-byte Basic Header
 * Segment; multi-byte fields are big endian.  Nothing in this file trusts
 * a byte it was given: kiss_pdu_check() must accept a header before any
 * other code looks at it.
 */
#ifndef KISS_PROTO_PDU_H
#define KISS_PROTO_PDU_H

#include "port.h"

#define KISS_BHS_LEN		48
#define KISS_DIGEST_LEN		4
#define KISS_RESERVED_TAG	0xffffffffu
/* DataSegmentLength is 24 bits on the wire. */
#define KISS_MAX_DSL		0xffffffu
/* TotalAHSLength is in 4-byte words, one byte wide. */
#define KISS_MAX_AHS_LEN	(255u * 4)

/* Opcodes sent by initiators (RFC 7143 section 11.1.1). */
enum kiss_iop {
	KISS_OP_NOP_OUT		= 0x00,
	KISS_OP_SCSI_CMD	= 0x01,
	KISS_OP_TMF_REQ		= 0x02,
	KISS_OP_LOGIN_REQ	= 0x03,
	KISS_OP_TEXT_REQ	= 0x04,
	KISS_OP_DATA_OUT	= 0x05,
	KISS_OP_LOGOUT_REQ	= 0x06,
	KISS_OP_SNACK_REQ	= 0x10,
};

/* Opcodes sent by targets. */
enum kiss_top {
	KISS_OP_NOP_IN		= 0x20,
	KISS_OP_SCSI_RSP	= 0x21,
	KISS_OP_TMF_RSP		= 0x22,
	KISS_OP_LOGIN_RSP	= 0x23,
	KISS_OP_TEXT_RSP	= 0x24,
	KISS_OP_DATA_IN		= 0x25,
	KISS_OP_LOGOUT_RSP	= 0x26,
	KISS_OP_R2T		= 0x31,
	KISS_OP_ASYNC_MSG	= 0x32,
	KISS_OP_REJECT		= 0x3f,
};

#define KISS_OPCODE_MASK	0x3f
#define KISS_OP_IMMEDIATE	0x40

#define KISS_FLAG_FINAL		0x80

/* SCSI Command flags (byte 1). */
#define KISS_CMD_READ		0x40
#define KISS_CMD_WRITE		0x20
#define KISS_CMD_ATTR_MASK	0x07

/* SCSI Response and Data-In flags (byte 1). */
#define KISS_RSP_BIDI_OVERFLOW	0x10
#define KISS_RSP_BIDI_UNDERFLOW	0x08
#define KISS_RSP_OVERFLOW	0x04
#define KISS_RSP_UNDERFLOW	0x02
#define KISS_DATA_IN_ACK	0x40
#define KISS_DATA_IN_STATUS	0x01

/* Login/Text flags (byte 1). */
#define KISS_LOGIN_TRANSIT	0x80
#define KISS_TEXT_CONTINUE	0x40
#define KISS_LOGIN_CSG_SHIFT	2
#define KISS_LOGIN_CSG_MASK	0x0c
#define KISS_LOGIN_NSG_MASK	0x03

enum kiss_login_stage {
	KISS_STAGE_SECURITY	= 0,
	KISS_STAGE_OPERATIONAL	= 1,
	KISS_STAGE_FULL_FEATURE	= 3,
};

/* Login Status-Class and Status-Detail (RFC 7143 section 11.13.5). */
enum kiss_login_status {
	KISS_LOGIN_SUCCESS			= 0x0000,
	KISS_LOGIN_TARGET_MOVED_TEMP		= 0x0101,
	KISS_LOGIN_TARGET_MOVED_PERM		= 0x0102,
	KISS_LOGIN_INITIATOR_ERROR		= 0x0200,
	KISS_LOGIN_AUTH_FAILED			= 0x0201,
	KISS_LOGIN_FORBIDDEN			= 0x0202,
	KISS_LOGIN_NOT_FOUND			= 0x0203,
	KISS_LOGIN_TARGET_REMOVED		= 0x0204,
	KISS_LOGIN_UNSUPPORTED_VERSION		= 0x0205,
	KISS_LOGIN_TOO_MANY_CONNECTIONS		= 0x0206,
	KISS_LOGIN_MISSING_PARAMETER		= 0x0207,
	KISS_LOGIN_CANT_INCLUDE_IN_SESSION	= 0x0208,
	KISS_LOGIN_SESSION_TYPE_UNSUPPORTED	= 0x0209,
	KISS_LOGIN_SESSION_DOES_NOT_EXIST	= 0x020a,
	KISS_LOGIN_INVALID_DURING_LOGIN		= 0x020b,
	KISS_LOGIN_TARGET_ERROR			= 0x0300,
	KISS_LOGIN_SERVICE_UNAVAILABLE		= 0x0301,
	KISS_LOGIN_OUT_OF_RESOURCES		= 0x0302,
};

/* Task management functions (RFC 7143 section 11.5.1). */
enum kiss_tmf_function {
	KISS_TMF_ABORT_TASK		= 1,
	KISS_TMF_ABORT_TASK_SET		= 2,
	KISS_TMF_CLEAR_ACA		= 3,
	KISS_TMF_CLEAR_TASK_SET		= 4,
	KISS_TMF_LUN_RESET		= 5,
	KISS_TMF_TARGET_WARM_RESET	= 6,
	KISS_TMF_TARGET_COLD_RESET	= 7,
	KISS_TMF_TASK_REASSIGN		= 8,
};

/* TMF response codes (RFC 7143 section 11.6.1). */
enum kiss_tmf_response {
	KISS_TMF_RSP_COMPLETE		= 0,
	KISS_TMF_RSP_NO_TASK		= 1,
	KISS_TMF_RSP_NO_LUN		= 2,
	KISS_TMF_RSP_TASK_ALLEGIANT	= 3,
	KISS_TMF_RSP_NO_REASSIGN	= 4,
	KISS_TMF_RSP_NOT_SUPPORTED	= 5,
	KISS_TMF_RSP_AUTH_FAILED	= 6,
	KISS_TMF_RSP_REJECTED		= 255,
};

/* Logout reason and response codes (RFC 7143 sections 11.14.1, 11.15.1). */
enum kiss_logout_reason {
	KISS_LOGOUT_CLOSE_SESSION	= 0,
	KISS_LOGOUT_CLOSE_CONNECTION	= 1,
	KISS_LOGOUT_REMOVE_FOR_RECOVERY	= 2,
};

enum kiss_logout_response {
	KISS_LOGOUT_RSP_SUCCESS		= 0,
	KISS_LOGOUT_RSP_NO_CID		= 1,
	KISS_LOGOUT_RSP_NO_RECOVERY	= 2,
	KISS_LOGOUT_RSP_CLEANUP_FAILED	= 3,
};

/* Reject reasons (RFC 7143 section 11.17.1). */
enum kiss_reject_reason {
	KISS_REJECT_DATA_DIGEST		= 0x02,
	KISS_REJECT_SNACK		= 0x03,
	KISS_REJECT_PROTOCOL_ERROR	= 0x04,
	KISS_REJECT_CMD_NOT_SUPPORTED	= 0x05,
	KISS_REJECT_IMMEDIATE_CMD	= 0x06,
	KISS_REJECT_TASK_IN_PROGRESS	= 0x07,
	KISS_REJECT_INVALID_DATA_ACK	= 0x08,
	KISS_REJECT_INVALID_PDU_FIELD	= 0x09,
	KISS_REJECT_OUT_OF_RESOURCES	= 0x0a,
	KISS_REJECT_WAITING_FOR_LOGOUT	= 0x0c,
};

/* AsyncEvent codes (RFC 7143 section 11.9.1). */
enum kiss_async_event {
	KISS_ASYNC_SCSI_EVENT		= 0,
	KISS_ASYNC_REQUEST_LOGOUT	= 1,
	KISS_ASYNC_DROP_CONNECTION	= 2,
	KISS_ASYNC_DROP_SESSION		= 3,
	KISS_ASYNC_RENEGOTIATE		= 4,
	KISS_ASYNC_VENDOR		= 255,
};

/* AHS types (RFC 7143 section 11.2.2). */
enum kiss_ahs_type {
	KISS_AHS_EXTENDED_CDB		= 1,
	KISS_AHS_BIDI_READ_LEN		= 2,
};

/* SCSI Response "Response" byte. */
#define KISS_SCSI_RSP_COMPLETED		0x00
#define KISS_SCSI_RSP_TARGET_FAILURE	0x01

/* Generic view: the fields every BHS shares. */
struct kiss_bhs {
	u8	opcode;
	u8	flags;
	u8	rsvd2[2];
	u8	ahs_len;	/* TotalAHSLength, 4-byte words */
	u8	dsl[3];		/* DataSegmentLength */
	u8	lun[8];
	__be32	itt;
	u8	rest[28];
} __packed;

struct kiss_bhs_scsi_cmd {
	u8	opcode;
	u8	flags;
	u8	rsvd2[2];
	u8	ahs_len;
	u8	dsl[3];
	u8	lun[8];
	__be32	itt;
	__be32	edtl;		/* Expected Data Transfer Length */
	__be32	cmd_sn;
	__be32	exp_stat_sn;
	u8	cdb[16];
} __packed;

struct kiss_bhs_scsi_rsp {
	u8	opcode;
	u8	flags;
	u8	response;
	u8	status;
	u8	ahs_len;
	u8	dsl[3];
	u8	rsvd8[8];
	__be32	itt;
	__be32	snack_tag;
	__be32	stat_sn;
	__be32	exp_cmd_sn;
	__be32	max_cmd_sn;
	__be32	exp_data_sn;
	__be32	bidi_residual;
	__be32	residual;
} __packed;

struct kiss_bhs_tmf_req {
	u8	opcode;
	u8	function;	/* bit 7 always 1 */
	u8	rsvd2[2];
	u8	ahs_len;
	u8	dsl[3];
	u8	lun[8];
	__be32	itt;
	__be32	rtt;		/* Referenced Task Tag */
	__be32	cmd_sn;
	__be32	exp_stat_sn;
	__be32	ref_cmd_sn;
	__be32	exp_data_sn;
	u8	rsvd40[8];
} __packed;

struct kiss_bhs_tmf_rsp {
	u8	opcode;
	u8	flags;
	u8	response;
	u8	rsvd3;
	u8	ahs_len;
	u8	dsl[3];
	u8	rsvd8[8];
	__be32	itt;
	u8	rsvd20[4];
	__be32	stat_sn;
	__be32	exp_cmd_sn;
	__be32	max_cmd_sn;
	u8	rsvd36[12];
} __packed;

struct kiss_bhs_data_out {
	u8	opcode;
	u8	flags;
	u8	rsvd2[2];
	u8	ahs_len;
	u8	dsl[3];
	u8	lun[8];
	__be32	itt;
	__be32	ttt;
	u8	rsvd24[4];
	__be32	exp_stat_sn;
	u8	rsvd32[4];
	__be32	data_sn;
	__be32	buffer_offset;
	u8	rsvd44[4];
} __packed;

struct kiss_bhs_data_in {
	u8	opcode;
	u8	flags;
	u8	rsvd2;
	u8	status;
	u8	ahs_len;
	u8	dsl[3];
	u8	lun[8];
	__be32	itt;
	__be32	ttt;
	__be32	stat_sn;
	__be32	exp_cmd_sn;
	__be32	max_cmd_sn;
	__be32	data_sn;
	__be32	buffer_offset;
	__be32	residual;
} __packed;

struct kiss_bhs_r2t {
	u8	opcode;
	u8	flags;
	u8	rsvd2[2];
	u8	ahs_len;
	u8	dsl[3];
	u8	lun[8];
	__be32	itt;
	__be32	ttt;
	__be32	stat_sn;
	__be32	exp_cmd_sn;
	__be32	max_cmd_sn;
	__be32	r2t_sn;
	__be32	buffer_offset;
	__be32	desired_len;
} __packed;

struct kiss_bhs_async {
	u8	opcode;
	u8	flags;
	u8	rsvd2[2];
	u8	ahs_len;
	u8	dsl[3];
	u8	lun[8];
	__be32	itt;		/* always 0xffffffff */
	u8	rsvd20[4];
	__be32	stat_sn;
	__be32	exp_cmd_sn;
	__be32	max_cmd_sn;
	u8	event;
	u8	vcode;
	__be16	param1;
	__be16	param2;
	__be16	param3;
	u8	rsvd44[4];
} __packed;

struct kiss_bhs_text {		/* Text Request and Text Response */
	u8	opcode;
	u8	flags;
	u8	rsvd2[2];
	u8	ahs_len;
	u8	dsl[3];
	u8	lun[8];
	__be32	itt;
	__be32	ttt;
	__be32	sn;		/* CmdSN (request) or StatSN (response) */
	__be32	exp_sn;		/* ExpStatSN (request) or ExpCmdSN */
	__be32	max_cmd_sn;	/* response only */
	u8	rsvd36[12];
} __packed;

struct kiss_bhs_login_req {
	u8	opcode;
	u8	flags;
	u8	version_max;
	u8	version_min;
	u8	ahs_len;
	u8	dsl[3];
	u8	isid[6];
	__be16	tsih;
	__be32	itt;
	__be16	cid;
	u8	rsvd22[2];
	__be32	cmd_sn;
	__be32	exp_stat_sn;
	u8	rsvd32[16];
} __packed;

struct kiss_bhs_login_rsp {
	u8	opcode;
	u8	flags;
	u8	version_max;
	u8	version_active;
	u8	ahs_len;
	u8	dsl[3];
	u8	isid[6];
	__be16	tsih;
	__be32	itt;
	u8	rsvd20[4];
	__be32	stat_sn;
	__be32	exp_cmd_sn;
	__be32	max_cmd_sn;
	u8	status_class;
	u8	status_detail;
	u8	rsvd38[10];
} __packed;

struct kiss_bhs_logout_req {
	u8	opcode;
	u8	reason;		/* bit 7 always 1 */
	u8	rsvd2[2];
	u8	ahs_len;
	u8	dsl[3];
	u8	rsvd8[8];
	__be32	itt;
	__be16	cid;
	u8	rsvd22[2];
	__be32	cmd_sn;
	__be32	exp_stat_sn;
	u8	rsvd32[16];
} __packed;

struct kiss_bhs_logout_rsp {
	u8	opcode;
	u8	flags;
	u8	response;
	u8	rsvd3;
	u8	ahs_len;
	u8	dsl[3];
	u8	rsvd8[8];
	__be32	itt;
	u8	rsvd20[4];
	__be32	stat_sn;
	__be32	exp_cmd_sn;
	__be32	max_cmd_sn;
	u8	rsvd36[4];
	__be16	time2wait;
	__be16	time2retain;
	u8	rsvd44[4];
} __packed;

struct kiss_bhs_snack {
	u8	opcode;
	u8	flags;		/* bit 7 always 1, low nibble Type */
	u8	rsvd2[2];
	u8	ahs_len;
	u8	dsl[3];
	u8	lun[8];
	__be32	itt;
	__be32	ttt;
	u8	rsvd24[4];
	__be32	exp_stat_sn;
	u8	rsvd32[8];
	__be32	beg_run;
	__be32	run_length;
} __packed;

struct kiss_bhs_reject {
	u8	opcode;
	u8	flags;
	u8	reason;
	u8	rsvd3;
	u8	ahs_len;
	u8	dsl[3];
	u8	rsvd8[8];
	__be32	itt;		/* always 0xffffffff */
	u8	rsvd20[4];
	__be32	stat_sn;
	__be32	exp_cmd_sn;
	__be32	max_cmd_sn;
	__be32	data_sn;	/* DataSN/R2TSN, or reserved */
	u8	rsvd40[8];
} __packed;

struct kiss_bhs_nop {		/* NOP-Out and NOP-In */
	u8	opcode;
	u8	flags;
	u8	rsvd2[2];
	u8	ahs_len;
	u8	dsl[3];
	u8	lun[8];
	__be32	itt;
	__be32	ttt;
	__be32	sn;		/* CmdSN (out) or StatSN (in) */
	__be32	exp_sn;		/* ExpStatSN (out) or ExpCmdSN (in) */
	__be32	max_cmd_sn;	/* NOP-In only */
	u8	rsvd36[12];
} __packed;

/* Why kiss_pdu_check() refused a header. */
enum kiss_pdu_err {
	KISS_PDU_OK = 0,
	KISS_PDU_ERR_SHORT,		/* fewer than 48 bytes */
	KISS_PDU_ERR_OPCODE,		/* reserved or unknown opcode */
	KISS_PDU_ERR_TARGET_OPCODE,	/* a target opcode sent to us */
	KISS_PDU_ERR_NOT_ALLOWED,	/* opcode not valid in this phase */
	KISS_PDU_ERR_DSL,		/* DataSegmentLength above the limit */
	KISS_PDU_ERR_UNEXPECTED_DATA,	/* data on a PDU that carries none */
	KISS_PDU_ERR_AHS,		/* AHS on a PDU that carries none */
	KISS_PDU_ERR_FLAGS,		/* a forbidden flag combination */
	KISS_PDU_ERR_FIELD,		/* a field outside its defined values */
	KISS_PDU_ERR_VERSION,		/* login version range unusable */
	KISS_PDU_ERR_AHS_MALFORMED,	/* AHS entries do not fit */
	KISS_PDU_ERR_COUNT,
};

/* What the receiver of a header allows at this point of the connection. */
struct kiss_pdu_limits {
	u32	max_recv_dsl;	/* our MaxRecvDataSegmentLength */
	bool	login;		/* still in the login phase */
	bool	discovery;	/* a discovery session: no SCSI/TMF/Data */
};

/* What kiss_pdu_check() learnt from a header it accepted. */
struct kiss_pdu_info {
	u8	opcode;
	bool	immediate;
	bool	final;
	u32	ahs_len;	/* bytes of AHS following the BHS */
	u32	data_len;	/* DataSegmentLength */
	u32	data_padded;	/* rounded up to a multiple of 4 */
	u32	itt;
};

/* Parsed Additional Header Segments of a SCSI Command. */
struct kiss_ahs_info {
	const u8	*ext_cdb;	/* CDB bytes beyond the first 16 */
	u32		ext_cdb_len;
	bool		has_bidi_len;
	u32		bidi_read_len;
};

/* The three sequence numbers every target PDU carries. */
struct kiss_sn {
	u32	stat_sn;
	u32	exp_cmd_sn;
	u32	max_cmd_sn;
};

static inline u8 kiss_bhs_opcode(const void *bhs)
{
	return ((const u8 *)bhs)[0] & KISS_OPCODE_MASK;
}

static inline u32 kiss_bhs_dsl(const void *bhs)
{
	return get_unaligned_be24(((const struct kiss_bhs *)bhs)->dsl);
}

static inline u32 kiss_pad4(u32 len)
{
	return (len + 3) & ~3u;
}

/* Serial number arithmetic on 32-bit sequence numbers (RFC 1982). */
static inline bool kiss_sn_lt(u32 a, u32 b)
{
	return a != b && (s32)(a - b) < 0;
}

static inline bool kiss_sn_lte(u32 a, u32 b)
{
	return a == b || kiss_sn_lt(a, b);
}

enum kiss_cmdsn_verdict {
	KISS_CMDSN_IN_WINDOW,	/* ExpCmdSN <= CmdSN <= MaxCmdSN */
	KISS_CMDSN_OLD,		/* below ExpCmdSN: a duplicate, drop it */
	KISS_CMDSN_BEYOND,	/* above MaxCmdSN: outside the window */
};

enum kiss_cmdsn_verdict kiss_cmdsn_check(u32 cmd_sn, u32 exp_cmd_sn,
					 u32 max_cmd_sn);

int kiss_pdu_check(const void *buf, size_t len,
		   const struct kiss_pdu_limits *lim,
		   struct kiss_pdu_info *info);
int kiss_pdu_parse_ahs(const u8 *ahs, size_t len, struct kiss_ahs_info *out);
u8 kiss_pdu_err_to_reject(int err);
const char *kiss_pdu_err_str(int err);
const char *kiss_opcode_name(u8 opcode);

/*
 * Builders fill every field of a target PDU except StatSN, ExpCmdSN and
 * MaxCmdSN, which sit at the same offsets in every target PDU and are
 * stamped by kiss_pdu_set_sn() when the PDU is put on the wire, so that
 * they follow the order of transmission.
 */
void kiss_pdu_set_sn(void *bhs, const struct kiss_sn *sn);
bool kiss_pdu_advances_stat_sn(const void *bhs);

void kiss_build_nop_in(void *bhs, const u8 *lun, u32 itt, u32 ttt,
		       u32 data_len);
void kiss_build_scsi_rsp(void *bhs, u32 itt, u8 status, u8 flags,
			 u32 residual, u32 exp_data_sn, u32 sense_len);
void kiss_build_data_in(void *bhs, const u8 *lun, u32 itt, u32 data_sn,
			u32 offset, u32 len, bool final);
void kiss_data_in_set_status(void *bhs, u8 status, u8 flags, u32 residual);
void kiss_build_r2t(void *bhs, const u8 *lun, u32 itt, u32 ttt, u32 r2t_sn,
		    u32 offset, u32 len);
void kiss_build_tmf_rsp(void *bhs, u32 itt, u8 response);
void kiss_build_login_rsp(void *bhs, const struct kiss_bhs_login_req *req,
			  u8 flags, u16 tsih, u16 status, u32 data_len);
void kiss_build_text_rsp(void *bhs, u32 itt, u32 ttt, bool final,
			 u32 data_len);
void kiss_build_logout_rsp(void *bhs, u32 itt, u8 response, u16 time2wait,
			   u16 time2retain);
void kiss_build_reject(void *bhs, u8 reason, u32 data_sn);
void kiss_build_async(void *bhs, const u8 *lun, u8 event, u16 param1,
		      u16 param2, u16 param3, u32 data_len);

#endif /* KISS_PROTO_PDU_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * iSCSI PDU validation and target PDU builders (RFC 7143 section 11).
 */
#include "pdu.h"

static_assert(sizeof(struct kiss_bhs) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_scsi_cmd) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_scsi_rsp) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_tmf_req) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_tmf_rsp) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_data_out) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_data_in) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_r2t) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_async) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_text) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_login_req) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_login_rsp) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_logout_req) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_logout_rsp) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_snack) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_reject) == KISS_BHS_LEN);
static_assert(sizeof(struct kiss_bhs_nop) == KISS_BHS_LEN);

enum kiss_cmdsn_verdict kiss_cmdsn_check(u32 cmd_sn, u32 exp_cmd_sn,
					 u32 max_cmd_sn)
{
	if (kiss_sn_lt(cmd_sn, exp_cmd_sn))
		return KISS_CMDSN_OLD;
	if (kiss_sn_lt(max_cmd_sn, cmd_sn))
		return KISS_CMDSN_BEYOND;
	return KISS_CMDSN_IN_WINDOW;
}

static bool kiss_is_target_opcode(u8 op)
{
	switch (op) {
	case KISS_OP_NOP_IN:
	case KISS_OP_SCSI_RSP:
	case KISS_OP_TMF_RSP:
	case KISS_OP_LOGIN_RSP:
	case KISS_OP_TEXT_RSP:
	case KISS_OP_DATA_IN:
	case KISS_OP_LOGOUT_RSP:
	case KISS_OP_R2T:
	case KISS_OP_ASYNC_MSG:
	case KISS_OP_REJECT:
		return true;
	default:
		return false;
	}
}

static int kiss_check_login_req(const struct kiss_bhs_login_req *req)
{
	bool transit = req->flags & KISS_LOGIN_TRANSIT;
	bool cont = req->flags & KISS_TEXT_CONTINUE;
	u8 csg = (req->flags & KISS_LOGIN_CSG_MASK) >> KISS_LOGIN_CSG_SHIFT;
	u8 nsg = req->flags & KISS_LOGIN_NSG_MASK;

	/* RFC 7143 11.12.2: T and C must not both be set. */
	if (transit && cont)
		return KISS_PDU_ERR_FLAGS;
	/* Stage 2 is reserved; nobody logs in from full feature phase. */
	if (csg == 2 || csg == KISS_STAGE_FULL_FEATURE)
		return KISS_PDU_ERR_FIELD;
	/* NSG is only meaningful with T, and then only forwards. */
	if (transit && (nsg == 2 || nsg <= csg))
		return KISS_PDU_ERR_FIELD;
	/* RFC 7143 11.12.4: kiss speaks version 0, in range only if min is 0 */
	if (req->version_min != 0 || req->version_min > req->version_max)
		return KISS_PDU_ERR_VERSION;
	return KISS_PDU_OK;
}

/*
 * Opcode specific rules.  Returns KISS_PDU_OK or the first rule the header
 * breaks; ahs_len and dsl have already been decoded by the caller.
 */
static int kiss_check_opcode(const u8 *b, u8 op, u32 ahs_len, u32 dsl,
			     const struct kiss_pdu_limits *lim)
{
	bool immediate = b[0] & KISS_OP_IMMEDIATE;
	u8 flags = b[1];
	u32 itt = get_unaligned_be32(b + 16);

	switch (op) {
	case KISS_OP_NOP_OUT:
		if (lim->login)
			return KISS_PDU_ERR_NOT_ALLOWED;
		if (!(flags & KISS_FLAG_FINAL))
			return KISS_PDU_ERR_FLAGS;
		/* A NOP-Out that expects no answer must be immediate. */
		if (itt == KISS_RESERVED_TAG && !immediate)
			return KISS_PDU_ERR_FLAGS;
		break;
	case KISS_OP_SCSI_CMD:
		if (lim->login || lim->discovery)
			return KISS_PDU_ERR_NOT_ALLOWED;
		/* Immediate and unsolicited data only come with a write. */
		if (!(flags & KISS_CMD_WRITE)) {
			if (dsl)
				return KISS_PDU_ERR_UNEXPECTED_DATA;
			if (!(flags & KISS_FLAG_FINAL))
				return KISS_PDU_ERR_FLAGS;
		}
		if (itt == KISS_RESERVED_TAG)
			return KISS_PDU_ERR_FIELD;
		return KISS_PDU_OK;	/* the only PDU that may carry AHS */
	case KISS_OP_TMF_REQ:
		if (lim->login || lim->discovery)
			return KISS_PDU_ERR_NOT_ALLOWED;
		if (!(flags & KISS_FLAG_FINAL))
			return KISS_PDU_ERR_FLAGS;
		if (dsl)
			return KISS_PDU_ERR_UNEXPECTED_DATA;
		break;
	case KISS_OP_LOGIN_REQ:
		if (!lim->login)
			return KISS_PDU_ERR_NOT_ALLOWED;
		if (ahs_len)
			return KISS_PDU_ERR_AHS;
		return kiss_check_login_req((const void *)b);
	case KISS_OP_TEXT_REQ:
		if (lim->login)
			return KISS_PDU_ERR_NOT_ALLOWED;
		if ((flags & KISS_FLAG_FINAL) && (flags & KISS_TEXT_CONTINUE))
			return KISS_PDU_ERR_FLAGS;
		if (itt == KISS_RESERVED_TAG)
			return KISS_PDU_ERR_FIELD;
		break;
	case KISS_OP_DATA_OUT:
		if (lim->login || lim->discovery)
			return KISS_PDU_ERR_NOT_ALLOWED;
		break;
	case KISS_OP_LOGOUT_REQ:
		if (lim->login)
			return KISS_PDU_ERR_NOT_ALLOWED;
		if (!(flags & KISS_FLAG_FINAL))
			return KISS_PDU_ERR_FLAGS;
		if ((flags & 0x7f) > KISS_LOGOUT_REMOVE_FOR_RECOVERY)
			return KISS_PDU_ERR_FIELD;
		if (dsl)
			return KISS_PDU_ERR_UNEXPECTED_DATA;
		break;
	case KISS_OP_SNACK_REQ:
		if (lim->login || lim->discovery)
			return KISS_PDU_ERR_NOT_ALLOWED;
		if (!(flags & KISS_FLAG_FINAL))
			return KISS_PDU_ERR_FLAGS;
		if (dsl)
			return KISS_PDU_ERR_UNEXPECTED_DATA;
		break;
	default:
		return kiss_is_target_opcode(op) ? KISS_PDU_ERR_TARGET_OPCODE :
						   KISS_PDU_ERR_OPCODE;
	}
	/* Only SCSI Command PDUs carry AHS (RFC 7143 11.2.2). */
	if (ahs_len)
		return KISS_PDU_ERR_AHS;
	return KISS_PDU_OK;
}

/**
 * kiss_pdu_check() - validate a Basic Header Segment received from a peer
 * @buf: the bytes received, at least the 48 of the BHS
 * @len: number of valid bytes at @buf
 * @lim: what the connection allows now
 * @info: filled with the decoded common fields when the header is accepted
 *
 * Return: KISS_PDU_OK, or an enum kiss_pdu_err saying what is wrong.  The
 * lengths in @info are only meaningful on success, and are then bounded:
 * ahs_len by KISS_MAX_AHS_LEN and data_len by @lim->max_recv_dsl.
 */
int kiss_pdu_check(const void *buf, size_t len,
		   const struct kiss_pdu_limits *lim,
		   struct kiss_pdu_info *info)
{
	const u8 *b = buf;
	u32 ahs_len, dsl;
	u8 op;
	int ret;

	if (!buf || len < KISS_BHS_LEN)
		return KISS_PDU_ERR_SHORT;

	op = b[0] & KISS_OPCODE_MASK;
	ahs_len = (u32)b[4] * 4;
	dsl = get_unaligned_be24(b + 5);

	ret = kiss_check_opcode(b, op, ahs_len, dsl, lim);
	if (ret)
		return ret;
	if (dsl > lim->max_recv_dsl)
		return KISS_PDU_ERR_DSL;

	info->opcode = op;
	info->immediate = b[0] & KISS_OP_IMMEDIATE;
	info->final = b[1] & KISS_FLAG_FINAL;
	info->ahs_len = ahs_len;
	info->data_len = dsl;
	info->data_padded = kiss_pad4(dsl);
	info->itt = get_unaligned_be32(b + 16);
	return KISS_PDU_OK;
}

/**
 * kiss_pdu_parse_ahs() - walk the AHS of a SCSI Command
 * @ahs: the AHS bytes, TotalAHSLength * 4 of them
 * @len: that length
 * @out: where the extended CDB and bidirectional read length are noted
 *
 * Each AHS is AHSLength (2 bytes), AHSType (1 byte) and AHSLength bytes of
 * payload, padded to 4 bytes.  Every entry must fit, each known type may
 * appear once, and unknown types are refused.
 *
 * Return: KISS_PDU_OK or KISS_PDU_ERR_AHS_MALFORMED.
 */
int kiss_pdu_parse_ahs(const u8 *ahs, size_t len, struct kiss_ahs_info *out)
{
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len) {
		u32 alen, total;
		u8 type;

		if (len - pos < 4)
			return KISS_PDU_ERR_AHS_MALFORMED;
		alen = get_unaligned_be16(ahs + pos);
		type = ahs[pos + 2];
		total = kiss_pad4(3 + alen);
		if (total > len - pos)
			return KISS_PDU_ERR_AHS_MALFORMED;

		switch (type) {
		case KISS_AHS_EXTENDED_CDB:
			/* A reserved byte, then at least one CDB byte. */
			if (out->ext_cdb || alen < 2)
				return KISS_PDU_ERR_AHS_MALFORMED;
			out->ext_cdb = ahs + pos + 4;
			out->ext_cdb_len = alen - 1;
			break;
		case KISS_AHS_BIDI_READ_LEN:
			if (out->has_bidi_len || alen != 5)
				return KISS_PDU_ERR_AHS_MALFORMED;
			out->has_bidi_len = true;
			out->bidi_read_len = get_unaligned_be32(ahs + pos + 4);
			break;
		default:
			return KISS_PDU_ERR_AHS_MALFORMED;
		}
		pos += total;
	}
	return KISS_PDU_OK;
}

/* The Reject reason (RFC 7143 11.17.1) that matches a validation error. */
u8 kiss_pdu_err_to_reject(int err)
{
	switch (err) {
	case KISS_PDU_ERR_OPCODE:
	case KISS_PDU_ERR_TARGET_OPCODE:
		return KISS_REJECT_CMD_NOT_SUPPORTED;
	case KISS_PDU_ERR_FIELD:
	case KISS_PDU_ERR_AHS_MALFORMED:
		return KISS_REJECT_INVALID_PDU_FIELD;
	default:
		return KISS_REJECT_PROTOCOL_ERROR;
	}
}

const char *kiss_pdu_err_str(int err)
{
	static const char * const names[KISS_PDU_ERR_COUNT] = {
		[KISS_PDU_OK]			= "ok",
		[KISS_PDU_ERR_SHORT]		= "short header",
		[KISS_PDU_ERR_OPCODE]		= "reserved opcode",
		[KISS_PDU_ERR_TARGET_OPCODE]	= "target opcode from initiator",
		[KISS_PDU_ERR_NOT_ALLOWED]	= "opcode not allowed now",
		[KISS_PDU_ERR_DSL]		= "DataSegmentLength too large",
		[KISS_PDU_ERR_UNEXPECTED_DATA]	= "data segment not allowed",
		[KISS_PDU_ERR_AHS]		= "AHS not allowed",
		[KISS_PDU_ERR_FLAGS]		= "invalid flags",
		[KISS_PDU_ERR_FIELD]		= "invalid field",
		[KISS_PDU_ERR_VERSION]		= "invalid version range",
		[KISS_PDU_ERR_AHS_MALFORMED]	= "malformed AHS",
	};

	if (err < 0 || err >= KISS_PDU_ERR_COUNT)
		return "unknown";
	return names[err];
}

const char *kiss_opcode_name(u8 opcode)
{
	switch (opcode & KISS_OPCODE_MASK) {
	case KISS_OP_NOP_OUT:		return "NOP-Out";
	case KISS_OP_SCSI_CMD:		return "SCSI Command";
	case KISS_OP_TMF_REQ:		return "Task Management Request";
	case KISS_OP_LOGIN_REQ:		return "Login Request";
	case KISS_OP_TEXT_REQ:		return "Text Request";
	case KISS_OP_DATA_OUT:		return "SCSI Data-Out";
	case KISS_OP_LOGOUT_REQ:	return "Logout Request";
	case KISS_OP_SNACK_REQ:		return "SNACK Request";
	case KISS_OP_NOP_IN:		return "NOP-In";
	case KISS_OP_SCSI_RSP:		return "SCSI Response";
	case KISS_OP_TMF_RSP:		return "Task Management Response";
	case KISS_OP_LOGIN_RSP:		return "Login Response";
	case KISS_OP_TEXT_RSP:		return "Text Response";
	case KISS_OP_DATA_IN:		return "SCSI Data-In";
	case KISS_OP_LOGOUT_RSP:	return "Logout Response";
	case KISS_OP_R2T:		return "R2T";
	case KISS_OP_ASYNC_MSG:		return "Asynchronous Message";
	case KISS_OP_REJECT:		return "Reject";
	default:			return "reserved";
	}
}

/* StatSN, ExpCmdSN and MaxCmdSN are at bytes 24, 28, 32 of every target PDU. */
void kiss_pdu_set_sn(void *bhs, const struct kiss_sn *sn)
{
	u8 *b = bhs;

	put_unaligned_be32(sn->stat_sn, b + 24);
	put_unaligned_be32(sn->exp_cmd_sn, b + 28);
	put_unaligned_be32(sn->max_cmd_sn, b + 32);
}

/*
 * Whether sending this target PDU consumes a StatSN.  Data-In only does
 * when it carries status; R2T carries the next StatSN without taking one;
 * a NOP-In that pings the initiator (TTT set) does not take one either.
 */
bool kiss_pdu_advances_stat_sn(const void *bhs)
{
	const u8 *b = bhs;

	switch (b[0] & KISS_OPCODE_MASK) {
	case KISS_OP_DATA_IN:
		return b[1] & KISS_DATA_IN_STATUS;
	case KISS_OP_R2T:
		return false;
	case KISS_OP_NOP_IN:
		return get_unaligned_be32(b + 20) == KISS_RESERVED_TAG;
	default:
		return true;
	}
}

/* Start a target PDU: zero it, set opcode, F bit and DataSegmentLength. */
static void kiss_bhs_init(void *bhs, u8 opcode, u8 flags, u32 data_len)
{
	struct kiss_bhs *h = bhs;

	memset(h, 0, KISS_BHS_LEN);
	h->opcode = opcode;
	h->flags = flags;
	put_unaligned_be24(data_len & KISS_MAX_DSL, h->dsl);
}

void kiss_build_nop_in(void *bhs, const u8 *lun, u32 itt, u32 ttt,
		       u32 data_len)
{
	struct kiss_bhs_nop *h = bhs;

	kiss_bhs_init(h, KISS_OP_NOP_IN, KISS_FLAG_FINAL, data_len);
	if (lun)
		memcpy(h->lun, lun, sizeof(h->lun));
	h->itt = cpu_to_be32(itt);
	h->ttt = cpu_to_be32(ttt);
}

void kiss_build_scsi_rsp(void *bhs, u32 itt, u8 status, u8 flags,
			 u32 residual, u32 exp_data_sn, u32 sense_len)
{
	struct kiss_bhs_scsi_rsp *h = bhs;

	/* The data segment is the SenseLength field plus the sense bytes. */
	kiss_bhs_init(h, KISS_OP_SCSI_RSP, KISS_FLAG_FINAL | flags,
		      sense_len ? sense_len + 2 : 0);
	h->response = KISS_SCSI_RSP_COMPLETED;
	h->status = status;
	h->itt = cpu_to_be32(itt);
	h->exp_data_sn = cpu_to_be32(exp_data_sn);
	if (flags & (KISS_RSP_OVERFLOW | KISS_RSP_UNDERFLOW))
		h->residual = cpu_to_be32(residual);
}

void kiss_build_data_in(void *bhs, const u8 *lun, u32 itt, u32 data_sn,
			u32 offset, u32 len, bool final)
{
	struct kiss_bhs_data_in *h = bhs;

	kiss_bhs_init(h, KISS_OP_DATA_IN, final ? KISS_FLAG_FINAL : 0, len);
	if (lun)
		memcpy(h->lun, lun, sizeof(h->lun));
	h->itt = cpu_to_be32(itt);
	h->ttt = cpu_to_be32(KISS_RESERVED_TAG);
	h->data_sn = cpu_to_be32(data_sn);
	h->buffer_offset = cpu_to_be32(offset);
}

/*
 * Fold the SCSI status into the last Data-In of a command (S bit); only
 * legal without sense data (RFC 7143 11.7.4).
 */
void kiss_data_in_set_status(void *bhs, u8 status, u8 flags, u32 residual)
{
	struct kiss_bhs_data_in *h = bhs;

	h->flags |= KISS_FLAG_FINAL | KISS_DATA_IN_STATUS |
		    (flags & (KISS_RSP_OVERFLOW | KISS_RSP_UNDERFLOW));
	h->status = status;
	if (flags & (KISS_RSP_OVERFLOW | KISS_RSP_UNDERFLOW))
		h->residual = cpu_to_be32(residual);
}

void kiss_build_r2t(void *bhs, const u8 *lun, u32 itt, u32 ttt, u32 r2t_sn,
		    u32 offset, u32 len)
{
	struct kiss_bhs_r2t *h = bhs;

	kiss_bhs_init(h, KISS_OP_R2T, KISS_FLAG_FINAL, 0);
	if (lun)
		memcpy(h->lun, lun, sizeof(h->lun));
	h->itt = cpu_to_be32(itt);
	h->ttt = cpu_to_be32(ttt);
	h->r2t_sn = cpu_to_be32(r2t_sn);
	h->buffer_offset = cpu_to_be32(offset);
	h->desired_len = cpu_to_be32(len);
}

void kiss_build_tmf_rsp(void *bhs, u32 itt, u8 response)
{
	struct kiss_bhs_tmf_rsp *h = bhs;

	kiss_bhs_init(h, KISS_OP_TMF_RSP, KISS_FLAG_FINAL, 0);
	h->response = response;
	h->itt = cpu_to_be32(itt);
}

/*
 * @flags carries T, C, CSG and NSG exactly as they go on the wire; the
 * version fields say kiss speaks version 0 only, the one RFC 7143 defines.
 */
void kiss_build_login_rsp(void *bhs, const struct kiss_bhs_login_req *req,
			  u8 flags, u16 tsih, u16 status, u32 data_len)
{
	struct kiss_bhs_login_rsp *h = bhs;

	kiss_bhs_init(h, KISS_OP_LOGIN_RSP, flags, data_len);
	h->version_max = 0;
	h->version_active = 0;
	memcpy(h->isid, req->isid, sizeof(h->isid));
	h->tsih = cpu_to_be16(tsih);
	h->itt = req->itt;
	h->status_class = status >> 8;
	h->status_detail = status & 0xff;
}

void kiss_build_text_rsp(void *bhs, u32 itt, u32 ttt, bool final,
			 u32 data_len)
{
	struct kiss_bhs_text *h = bhs;

	kiss_bhs_init(h, KISS_OP_TEXT_RSP,
		      final ? KISS_FLAG_FINAL : KISS_TEXT_CONTINUE, data_len);
	h->itt = cpu_to_be32(itt);
	h->ttt = cpu_to_be32(final ? KISS_RESERVED_TAG : ttt);
}

void kiss_build_logout_rsp(void *bhs, u32 itt, u8 response, u16 time2wait,
			   u16 time2retain)
{
	struct kiss_bhs_logout_rsp *h = bhs;

	kiss_bhs_init(h, KISS_OP_LOGOUT_RSP, KISS_FLAG_FINAL, 0);
	h->response = response;
	h->itt = cpu_to_be32(itt);
	h->time2wait = cpu_to_be16(time2wait);
	h->time2retain = cpu_to_be16(time2retain);
}

/* The data segment of a Reject is the rejected BHS, 48 bytes. */
void kiss_build_reject(void *bhs, u8 reason, u32 data_sn)
{
	struct kiss_bhs_reject *h = bhs;

	kiss_bhs_init(h, KISS_OP_REJECT, KISS_FLAG_FINAL, KISS_BHS_LEN);
	h->reason = reason;
	h->itt = cpu_to_be32(KISS_RESERVED_TAG);
	h->data_sn = cpu_to_be32(data_sn);
}

void kiss_build_async(void *bhs, const u8 *lun, u8 event, u16 param1,
		      u16 param2, u16 param3, u32 data_len)
{
	struct kiss_bhs_async *h = bhs;

	kiss_bhs_init(h, KISS_OP_ASYNC_MSG, KISS_FLAG_FINAL, data_len);
	if (lun)
		memcpy(h->lun, lun, sizeof(h->lun));
	h->itt = cpu_to_be32(KISS_RESERVED_TAG);
	h->event = event;
	h->param1 = cpu_to_be16(param1);
	h->param2 = cpu_to_be16(param2);
	h->param3 = cpu_to_be16(param3);
}

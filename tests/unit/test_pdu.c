// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for kernel/proto/pdu.c: BHS layouts, header validation, AHS
 * parsing, CmdSN window and the target PDU builders.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "proto/pdu.h"

static const struct kiss_pdu_limits ffp = { .max_recv_dsl = 8192 };
static const struct kiss_pdu_limits login = {
	.max_recv_dsl = 8192, .login = true,
};
static const struct kiss_pdu_limits discovery = {
	.max_recv_dsl = 8192, .discovery = true,
};

/* A header with opcode, flags, TotalAHSLength (words), DSL and ITT set. */
static void hdr(u8 *b, u8 opcode, u8 flags, u8 ahs_words, u32 dsl, u32 itt)
{
	memset(b, 0, KISS_BHS_LEN);
	b[0] = opcode;
	b[1] = flags;
	b[4] = ahs_words;
	put_unaligned_be24(dsl, b + 5);
	put_unaligned_be32(itt, b + 16);
}

static int check(const u8 *b, const struct kiss_pdu_limits *lim)
{
	struct kiss_pdu_info info;

	return kiss_pdu_check(b, KISS_BHS_LEN, lim, &info);
}

static void test_layout_offsets(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct kiss_bhs_scsi_cmd, edtl), 20);
	assert_int_equal(offsetof(struct kiss_bhs_scsi_cmd, cdb), 32);
	assert_int_equal(offsetof(struct kiss_bhs_scsi_rsp, exp_data_sn), 36);
	assert_int_equal(offsetof(struct kiss_bhs_scsi_rsp, residual), 44);
	assert_int_equal(offsetof(struct kiss_bhs_tmf_req, ref_cmd_sn), 32);
	assert_int_equal(offsetof(struct kiss_bhs_data_out, buffer_offset), 40);
	assert_int_equal(offsetof(struct kiss_bhs_data_in, residual), 44);
	assert_int_equal(offsetof(struct kiss_bhs_r2t, desired_len), 44);
	assert_int_equal(offsetof(struct kiss_bhs_async, event), 36);
	assert_int_equal(offsetof(struct kiss_bhs_login_req, cid), 20);
	assert_int_equal(offsetof(struct kiss_bhs_login_req, tsih), 14);
	assert_int_equal(offsetof(struct kiss_bhs_login_rsp, status_class), 36);
	assert_int_equal(offsetof(struct kiss_bhs_logout_rsp, time2wait), 40);
	assert_int_equal(offsetof(struct kiss_bhs_snack, run_length), 44);
	assert_int_equal(offsetof(struct kiss_bhs_reject, data_sn), 36);
	assert_int_equal(offsetof(struct kiss_bhs_nop, max_cmd_sn), 32);
}

static void test_short_header(void **state)
{
	struct kiss_pdu_info info;
	u8 b[KISS_BHS_LEN];

	(void)state;
	hdr(b, KISS_OP_NOP_OUT | KISS_OP_IMMEDIATE, 0x80, 0, 0, 1);
	assert_int_equal(kiss_pdu_check(b, 47, &ffp, &info),
			 KISS_PDU_ERR_SHORT);
	assert_int_equal(kiss_pdu_check(NULL, 48, &ffp, &info),
			 KISS_PDU_ERR_SHORT);
	assert_int_equal(kiss_pdu_check(b, 48, &ffp, &info), KISS_PDU_OK);
}

static void test_reserved_opcodes(void **state)
{
	static const u8 reserved[] = { 0x07, 0x08, 0x0f, 0x11, 0x1c, 0x1e,
				       0x1f, 0x27, 0x30, 0x3c, 0x3e };
	u8 b[KISS_BHS_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(reserved); i++) {
		hdr(b, reserved[i], 0x80, 0, 0, 1);
		assert_int_equal(check(b, &ffp), KISS_PDU_ERR_OPCODE);
	}
	assert_int_equal(kiss_pdu_err_to_reject(KISS_PDU_ERR_OPCODE),
			 KISS_REJECT_CMD_NOT_SUPPORTED);
}

static void test_target_opcodes(void **state)
{
	static const u8 top[] = { 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26,
				  0x31, 0x32, 0x3f };
	u8 b[KISS_BHS_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(top); i++) {
		hdr(b, top[i], 0x80, 0, 0, 1);
		assert_int_equal(check(b, &ffp), KISS_PDU_ERR_TARGET_OPCODE);
	}
}

static void test_dsl_limit(void **state)
{
	struct kiss_pdu_info info;
	u8 b[KISS_BHS_LEN];

	(void)state;
	hdr(b, KISS_OP_SCSI_CMD, 0x80 | KISS_CMD_WRITE, 0, 8192, 7);
	assert_int_equal(kiss_pdu_check(b, 48, &ffp, &info), KISS_PDU_OK);
	assert_int_equal(info.data_len, 8192);
	hdr(b, KISS_OP_SCSI_CMD, 0x80 | KISS_CMD_WRITE, 0, 8193, 7);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_DSL);
	hdr(b, KISS_OP_SCSI_CMD, 0x80 | KISS_CMD_WRITE, 0, 0xffffff, 7);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_DSL);
	assert_int_equal(kiss_pdu_err_to_reject(KISS_PDU_ERR_DSL),
			 KISS_REJECT_PROTOCOL_ERROR);
}

static void test_info_fields(void **state)
{
	struct kiss_pdu_info info;
	u8 b[KISS_BHS_LEN];

	(void)state;
	hdr(b, KISS_OP_SCSI_CMD | KISS_OP_IMMEDIATE, KISS_CMD_WRITE, 5, 1001,
	    0x12345678);
	assert_int_equal(kiss_pdu_check(b, 48, &ffp, &info), KISS_PDU_OK);
	assert_int_equal(info.opcode, KISS_OP_SCSI_CMD);
	assert_true(info.immediate);
	assert_false(info.final);
	assert_int_equal(info.ahs_len, 20);
	assert_int_equal(info.data_len, 1001);
	assert_int_equal(info.data_padded, 1004);
	assert_int_equal(info.itt, 0x12345678);
}

static void test_phase_rules(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	/* Login only during login, everything else only after it. */
	hdr(b, KISS_OP_LOGIN_REQ | KISS_OP_IMMEDIATE, 0x81, 0, 0, 1);
	assert_int_equal(check(b, &login), KISS_PDU_OK);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_NOT_ALLOWED);
	hdr(b, KISS_OP_SCSI_CMD, 0x80, 0, 0, 1);
	assert_int_equal(check(b, &login), KISS_PDU_ERR_NOT_ALLOWED);
	assert_int_equal(check(b, &discovery), KISS_PDU_ERR_NOT_ALLOWED);
	hdr(b, KISS_OP_TEXT_REQ, 0x80, 0, 0, 1);
	assert_int_equal(check(b, &login), KISS_PDU_ERR_NOT_ALLOWED);
	assert_int_equal(check(b, &discovery), KISS_PDU_OK);
	hdr(b, KISS_OP_DATA_OUT, 0x80, 0, 0, 1);
	assert_int_equal(check(b, &discovery), KISS_PDU_ERR_NOT_ALLOWED);
	hdr(b, KISS_OP_TMF_REQ | KISS_OP_IMMEDIATE, 0x81, 0, 0, 1);
	assert_int_equal(check(b, &discovery), KISS_PDU_ERR_NOT_ALLOWED);
	hdr(b, KISS_OP_SNACK_REQ, 0x80, 0, 0, 1);
	assert_int_equal(check(b, &discovery), KISS_PDU_ERR_NOT_ALLOWED);
	hdr(b, KISS_OP_LOGOUT_REQ | KISS_OP_IMMEDIATE, 0x80, 0, 0, 1);
	assert_int_equal(check(b, &discovery), KISS_PDU_OK);
	assert_int_equal(check(b, &login), KISS_PDU_ERR_NOT_ALLOWED);
	hdr(b, KISS_OP_NOP_OUT | KISS_OP_IMMEDIATE, 0x80, 0, 0, 1);
	assert_int_equal(check(b, &login), KISS_PDU_ERR_NOT_ALLOWED);
}

static void login_flags(u8 *b, u8 flags)
{
	hdr(b, KISS_OP_LOGIN_REQ | KISS_OP_IMMEDIATE, flags, 0, 0, 1);
}

static void test_login_flags(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	login_flags(b, 0x81);		/* T, CSG 0 -> NSG 1 */
	assert_int_equal(check(b, &login), KISS_PDU_OK);
	login_flags(b, 0x87);		/* T, CSG 1 -> NSG 3 */
	assert_int_equal(check(b, &login), KISS_PDU_OK);
	login_flags(b, 0x83);		/* T, CSG 0 -> NSG 3 */
	assert_int_equal(check(b, &login), KISS_PDU_OK);
	login_flags(b, 0x04);		/* no T, CSG 1 */
	assert_int_equal(check(b, &login), KISS_PDU_OK);
	login_flags(b, 0x40);		/* C, CSG 0 */
	assert_int_equal(check(b, &login), KISS_PDU_OK);
	/* RFC 7143 11.12.2: T and C together are a protocol error. */
	login_flags(b, 0xc1);
	assert_int_equal(check(b, &login), KISS_PDU_ERR_FLAGS);
}

static void test_login_stages(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	login_flags(b, 0x08);		/* CSG 2 is reserved */
	assert_int_equal(check(b, &login), KISS_PDU_ERR_FIELD);
	login_flags(b, 0x0c);		/* CSG 3: already in FFP */
	assert_int_equal(check(b, &login), KISS_PDU_ERR_FIELD);
	login_flags(b, 0x82);		/* T to reserved stage 2 */
	assert_int_equal(check(b, &login), KISS_PDU_ERR_FIELD);
	login_flags(b, 0x80);		/* T from 0 to 0 */
	assert_int_equal(check(b, &login), KISS_PDU_ERR_FIELD);
	login_flags(b, 0x84);		/* T from 1 back to 0 */
	assert_int_equal(check(b, &login), KISS_PDU_ERR_FIELD);
	login_flags(b, 0x85);		/* T from 1 to 1 */
	assert_int_equal(check(b, &login), KISS_PDU_ERR_FIELD);
}

static void test_login_version(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	login_flags(b, 0x81);
	b[2] = 0;			/* Version-max */
	b[3] = 1;			/* Version-min */
	assert_int_equal(check(b, &login), KISS_PDU_ERR_VERSION);
	b[2] = 2;			/* 1..2: no version 0 */
	assert_int_equal(check(b, &login), KISS_PDU_ERR_VERSION);
	b[3] = 0;			/* 0..2 */
	assert_int_equal(check(b, &login), KISS_PDU_OK);
	b[2] = 0xff;
	b[3] = 0x80;
	assert_int_equal(check(b, &login), KISS_PDU_ERR_VERSION);
}

static void test_login_ahs(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	hdr(b, KISS_OP_LOGIN_REQ | KISS_OP_IMMEDIATE, 0x81, 1, 0, 1);
	assert_int_equal(check(b, &login), KISS_PDU_ERR_AHS);
}

static void test_nop_out_rules(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	hdr(b, KISS_OP_NOP_OUT, 0x00, 0, 0, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_FLAGS);
	/* ITT 0xffffffff (no answer wanted) requires the I bit. */
	hdr(b, KISS_OP_NOP_OUT, 0x80, 0, 0, KISS_RESERVED_TAG);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_FLAGS);
	hdr(b, KISS_OP_NOP_OUT | KISS_OP_IMMEDIATE, 0x80, 0, 0,
	    KISS_RESERVED_TAG);
	assert_int_equal(check(b, &ffp), KISS_PDU_OK);
	/* Ping data is allowed, AHS is not. */
	hdr(b, KISS_OP_NOP_OUT, 0x80, 0, 100, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_OK);
	hdr(b, KISS_OP_NOP_OUT, 0x80, 1, 0, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_AHS);
}

static void test_scsi_cmd_rules(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	/* Immediate data only with W. */
	hdr(b, KISS_OP_SCSI_CMD, 0x80 | KISS_CMD_READ, 0, 512, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_UNEXPECTED_DATA);
	hdr(b, KISS_OP_SCSI_CMD, 0x80 | KISS_CMD_WRITE, 0, 512, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_OK);
	/* F=0 announces unsolicited Data-Out: only for a write. */
	hdr(b, KISS_OP_SCSI_CMD, KISS_CMD_READ, 0, 0, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_FLAGS);
	hdr(b, KISS_OP_SCSI_CMD, KISS_CMD_WRITE, 0, 0, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_OK);
	/* The reserved tag cannot name a task. */
	hdr(b, KISS_OP_SCSI_CMD, 0x80, 0, 0, KISS_RESERVED_TAG);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_FIELD);
	/* AHS is allowed on SCSI Command. */
	hdr(b, KISS_OP_SCSI_CMD, 0x80 | KISS_CMD_READ, 5, 0, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_OK);
}

static void test_tmf_rules(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	hdr(b, KISS_OP_TMF_REQ | KISS_OP_IMMEDIATE, 0x01, 0, 0, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_FLAGS);
	hdr(b, KISS_OP_TMF_REQ | KISS_OP_IMMEDIATE, 0x81, 0, 4, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_UNEXPECTED_DATA);
	hdr(b, KISS_OP_TMF_REQ | KISS_OP_IMMEDIATE, 0x81, 1, 0, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_AHS);
	/* An unknown function is answered, not rejected (11.6.1). */
	hdr(b, KISS_OP_TMF_REQ | KISS_OP_IMMEDIATE, 0x80 | 0x7f, 0, 0, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_OK);
}

static void test_text_logout_snack_rules(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	hdr(b, KISS_OP_TEXT_REQ, 0x80 | KISS_TEXT_CONTINUE, 0, 0, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_FLAGS);
	hdr(b, KISS_OP_TEXT_REQ, KISS_TEXT_CONTINUE, 0, 100, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_OK);
	hdr(b, KISS_OP_TEXT_REQ, 0x80, 0, 0, KISS_RESERVED_TAG);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_FIELD);

	hdr(b, KISS_OP_LOGOUT_REQ, 0x80 | 3, 0, 0, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_FIELD);
	assert_int_equal(kiss_pdu_err_to_reject(KISS_PDU_ERR_FIELD),
			 KISS_REJECT_INVALID_PDU_FIELD);
	hdr(b, KISS_OP_LOGOUT_REQ, 0x01, 0, 0, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_FLAGS);
	hdr(b, KISS_OP_LOGOUT_REQ, 0x81, 0, 8, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_UNEXPECTED_DATA);
	hdr(b, KISS_OP_LOGOUT_REQ, 0x81, 0, 0, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_OK);

	hdr(b, KISS_OP_SNACK_REQ, 0x01, 0, 0, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_FLAGS);
	hdr(b, KISS_OP_SNACK_REQ, 0x81, 0, 4, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_UNEXPECTED_DATA);
}

static void test_data_out_ahs(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	hdr(b, KISS_OP_DATA_OUT, 0x80, 0, 4096, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_OK);
	hdr(b, KISS_OP_DATA_OUT, 0x80, 2, 4096, 1);
	assert_int_equal(check(b, &ffp), KISS_PDU_ERR_AHS);
}

static void test_ahs_extended_cdb(void **state)
{
	struct kiss_ahs_info ai;
	u8 ahs[20] = { 0 };

	(void)state;
	/* A 32-byte CDB: 16 extra bytes plus the reserved byte. */
	put_unaligned_be16(17, ahs);
	ahs[2] = KISS_AHS_EXTENDED_CDB;
	ahs[4] = 0xaa;
	assert_int_equal(kiss_pdu_parse_ahs(ahs, sizeof(ahs), &ai),
			 KISS_PDU_OK);
	assert_ptr_equal(ai.ext_cdb, ahs + 4);
	assert_int_equal(ai.ext_cdb_len, 16);
	assert_false(ai.has_bidi_len);
	/* One byte too long for the buffer. */
	put_unaligned_be16(18, ahs);
	assert_int_equal(kiss_pdu_parse_ahs(ahs, sizeof(ahs), &ai),
			 KISS_PDU_ERR_AHS_MALFORMED);
	/* No CDB byte at all. */
	put_unaligned_be16(1, ahs);
	assert_int_equal(kiss_pdu_parse_ahs(ahs, 4, &ai),
			 KISS_PDU_ERR_AHS_MALFORMED);
}

static void test_ahs_bidi_and_duplicates(void **state)
{
	struct kiss_ahs_info ai;
	u8 ahs[16] = { 0 };

	(void)state;
	put_unaligned_be16(5, ahs);
	ahs[2] = KISS_AHS_BIDI_READ_LEN;
	put_unaligned_be32(65536, ahs + 4);
	assert_int_equal(kiss_pdu_parse_ahs(ahs, 8, &ai), KISS_PDU_OK);
	assert_true(ai.has_bidi_len);
	assert_int_equal(ai.bidi_read_len, 65536);
	/* The same type twice. */
	memcpy(ahs + 8, ahs, 8);
	assert_int_equal(kiss_pdu_parse_ahs(ahs, 16, &ai),
			 KISS_PDU_ERR_AHS_MALFORMED);
	/* Wrong length for the type. */
	put_unaligned_be16(4, ahs);
	assert_int_equal(kiss_pdu_parse_ahs(ahs, 8, &ai),
			 KISS_PDU_ERR_AHS_MALFORMED);
}

static void test_ahs_unknown_and_truncated(void **state)
{
	struct kiss_ahs_info ai;
	u8 ahs[8] = { 0 };

	(void)state;
	put_unaligned_be16(1, ahs);
	ahs[2] = 0x3f;
	assert_int_equal(kiss_pdu_parse_ahs(ahs, 4, &ai),
			 KISS_PDU_ERR_AHS_MALFORMED);
	/* An empty AHS is fine; fewer than 4 trailing bytes is not. */
	assert_int_equal(kiss_pdu_parse_ahs(ahs, 0, &ai), KISS_PDU_OK);
	assert_int_equal(kiss_pdu_parse_ahs(ahs, 3, &ai),
			 KISS_PDU_ERR_AHS_MALFORMED);
	/* A length of 0xffff cannot overflow the bound check. */
	put_unaligned_be16(0xffff, ahs);
	ahs[2] = KISS_AHS_EXTENDED_CDB;
	assert_int_equal(kiss_pdu_parse_ahs(ahs, 8, &ai),
			 KISS_PDU_ERR_AHS_MALFORMED);
}

static void test_cmdsn_window(void **state)
{
	(void)state;
	assert_int_equal(kiss_cmdsn_check(10, 10, 20), KISS_CMDSN_IN_WINDOW);
	assert_int_equal(kiss_cmdsn_check(20, 10, 20), KISS_CMDSN_IN_WINDOW);
	assert_int_equal(kiss_cmdsn_check(9, 10, 20), KISS_CMDSN_OLD);
	assert_int_equal(kiss_cmdsn_check(21, 10, 20), KISS_CMDSN_BEYOND);
	/* Across the 2^32 wrap. */
	assert_int_equal(kiss_cmdsn_check(2, 0xfffffff0u, 5),
			 KISS_CMDSN_IN_WINDOW);
	assert_int_equal(kiss_cmdsn_check(0xffffffefu, 0xfffffff0u, 5),
			 KISS_CMDSN_OLD);
	assert_int_equal(kiss_cmdsn_check(6, 0xfffffff0u, 5),
			 KISS_CMDSN_BEYOND);
	/* An empty window (MaxCmdSN = ExpCmdSN - 1) admits nothing. */
	assert_int_equal(kiss_cmdsn_check(10, 10, 9), KISS_CMDSN_BEYOND);
	assert_true(kiss_sn_lt(0xffffffffu, 0));
	assert_false(kiss_sn_lt(0, 0xffffffffu));
	assert_true(kiss_sn_lte(7, 7));
}

static const struct kiss_sn sn = {
	.stat_sn = 100, .exp_cmd_sn = 200, .max_cmd_sn = 327,
};

static void assert_sn(const u8 *b, int off)
{
	assert_int_equal(get_unaligned_be32(b + off), 100);
	assert_int_equal(get_unaligned_be32(b + off + 4), 200);
	assert_int_equal(get_unaligned_be32(b + off + 8), 327);
}

static void test_build_scsi_rsp(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	memset(b, 0xee, sizeof(b));
	kiss_build_scsi_rsp(b, 0x11, 0x02, KISS_RSP_UNDERFLOW, 512, 3,
			    18);
	assert_int_equal(b[0], KISS_OP_SCSI_RSP);
	assert_int_equal(b[1], 0x80 | KISS_RSP_UNDERFLOW);
	assert_int_equal(b[2], 0);
	assert_int_equal(b[3], 0x02);
	assert_int_equal(b[4], 0);
	assert_int_equal(kiss_bhs_dsl(b), 20);	/* SenseLength + 18 */
	assert_int_equal(get_unaligned_be32(b + 16), 0x11);
	kiss_pdu_set_sn(b, &sn);
	assert_sn(b, 24);
	assert_int_equal(get_unaligned_be32(b + 36), 3);
	assert_int_equal(get_unaligned_be32(b + 44), 512);
	/* No residual flag, no residual count. */
	kiss_build_scsi_rsp(b, 0x11, 0, 0, 512, 0, 0);
	assert_int_equal(kiss_bhs_dsl(b), 0);
	assert_int_equal(get_unaligned_be32(b + 44), 0);
}

static void test_build_data_in(void **state)
{
	static const u8 lun[8] = { 0, 5 };
	u8 b[KISS_BHS_LEN];

	(void)state;
	kiss_build_data_in(b, lun, 9, 4, 8192, 4096, false);
	assert_int_equal(b[0], KISS_OP_DATA_IN);
	assert_int_equal(b[1], 0);
	assert_int_equal(kiss_bhs_dsl(b), 4096);
	assert_memory_equal(b + 8, lun, 8);
	assert_int_equal(get_unaligned_be32(b + 20), KISS_RESERVED_TAG);
	assert_int_equal(get_unaligned_be32(b + 24), 0);  /* no S bit yet */
	assert_int_equal(get_unaligned_be32(b + 36), 4);
	assert_int_equal(get_unaligned_be32(b + 40), 8192);
	kiss_data_in_set_status(b, 0, KISS_RSP_OVERFLOW, 100);
	assert_int_equal(b[1], 0x80 | KISS_RSP_OVERFLOW | KISS_DATA_IN_STATUS);
	kiss_pdu_set_sn(b, &sn);
	assert_sn(b, 24);
	assert_int_equal(get_unaligned_be32(b + 44), 100);
}

static void test_build_r2t(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	kiss_build_r2t(b, NULL, 1, 2, 3, 65536, 262144);
	assert_int_equal(b[0], KISS_OP_R2T);
	assert_int_equal(b[1], 0x80);
	assert_int_equal(kiss_bhs_dsl(b), 0);
	assert_int_equal(get_unaligned_be32(b + 20), 2);
	kiss_pdu_set_sn(b, &sn);
	assert_sn(b, 24);
	assert_int_equal(get_unaligned_be32(b + 36), 3);
	assert_int_equal(get_unaligned_be32(b + 40), 65536);
	assert_int_equal(get_unaligned_be32(b + 44), 262144);
}

static void test_build_login_rsp(void **state)
{
	struct kiss_bhs_login_req req;
	u8 b[KISS_BHS_LEN];

	(void)state;
	memset(&req, 0, sizeof(req));
	memcpy(req.isid, "\x80\x12\x34\x56\x78\x9a", 6);
	req.itt = cpu_to_be32(0xabcdef);
	kiss_build_login_rsp(b, &req, 0x87, 0x1234,
			     KISS_LOGIN_AUTH_FAILED, 300);
	assert_int_equal(b[0], KISS_OP_LOGIN_RSP);
	assert_int_equal(b[1], 0x87);
	assert_int_equal(b[2], 0);
	assert_int_equal(b[3], 0);
	assert_int_equal(kiss_bhs_dsl(b), 300);
	assert_memory_equal(b + 8, req.isid, 6);
	assert_int_equal(get_unaligned_be16(b + 14), 0x1234);
	assert_int_equal(get_unaligned_be32(b + 16), 0xabcdef);
	kiss_pdu_set_sn(b, &sn);
	assert_sn(b, 24);
	assert_int_equal(b[36], 2);
	assert_int_equal(b[37], 1);
}

static void test_build_text_rsp(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	kiss_build_text_rsp(b, 5, 77, false, 8192);
	assert_int_equal(b[1], KISS_TEXT_CONTINUE);
	assert_int_equal(get_unaligned_be32(b + 20), 77);
	kiss_pdu_set_sn(b, &sn);
	assert_sn(b, 24);
	/* The last response ends the exchange: TTT back to reserved. */
	kiss_build_text_rsp(b, 5, 77, true, 10);
	assert_int_equal(b[1], 0x80);
	assert_int_equal(get_unaligned_be32(b + 20), KISS_RESERVED_TAG);
}

static void test_build_misc(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	kiss_build_logout_rsp(b, 3, KISS_LOGOUT_RSP_SUCCESS, 2, 20);
	assert_int_equal(b[0], KISS_OP_LOGOUT_RSP);
	kiss_pdu_set_sn(b, &sn);
	assert_sn(b, 24);
	assert_int_equal(get_unaligned_be16(b + 40), 2);
	assert_int_equal(get_unaligned_be16(b + 42), 20);

	kiss_build_reject(b, KISS_REJECT_PROTOCOL_ERROR, 0);
	assert_int_equal(b[0], KISS_OP_REJECT);
	assert_int_equal(b[2], KISS_REJECT_PROTOCOL_ERROR);
	assert_int_equal(kiss_bhs_dsl(b), KISS_BHS_LEN);
	assert_int_equal(get_unaligned_be32(b + 16), KISS_RESERVED_TAG);

	kiss_build_tmf_rsp(b, 8, KISS_TMF_RSP_NO_TASK);
	assert_int_equal(b[0], KISS_OP_TMF_RSP);
	assert_int_equal(b[2], KISS_TMF_RSP_NO_TASK);
	kiss_pdu_set_sn(b, &sn);
	assert_sn(b, 24);

	kiss_build_nop_in(b, NULL, 4, KISS_RESERVED_TAG, 0);
	assert_int_equal(b[0], KISS_OP_NOP_IN);
	assert_int_equal(get_unaligned_be32(b + 16), 4);
	kiss_pdu_set_sn(b, &sn);
	assert_sn(b, 24);

	kiss_build_async(b, NULL, KISS_ASYNC_REQUEST_LOGOUT, 0, 2, 20,
			 0);
	assert_int_equal(b[0], KISS_OP_ASYNC_MSG);
	assert_int_equal(b[36], KISS_ASYNC_REQUEST_LOGOUT);
	assert_int_equal(get_unaligned_be16(b + 40), 2);
	assert_int_equal(get_unaligned_be32(b + 16), KISS_RESERVED_TAG);
}

static void test_stat_sn_rules(void **state)
{
	u8 b[KISS_BHS_LEN];

	(void)state;
	kiss_build_data_in(b, NULL, 1, 0, 0, 512, true);
	assert_false(kiss_pdu_advances_stat_sn(b));
	kiss_data_in_set_status(b, 0, 0, 0);
	assert_true(kiss_pdu_advances_stat_sn(b));
	kiss_build_r2t(b, NULL, 1, 2, 0, 0, 512);
	assert_false(kiss_pdu_advances_stat_sn(b));
	/* A NOP-In answering a ping takes a StatSN, one asking for a ping not. */
	kiss_build_nop_in(b, NULL, 4, KISS_RESERVED_TAG, 0);
	assert_true(kiss_pdu_advances_stat_sn(b));
	kiss_build_nop_in(b, NULL, KISS_RESERVED_TAG, 9, 0);
	assert_false(kiss_pdu_advances_stat_sn(b));
	kiss_build_scsi_rsp(b, 1, 0, 0, 0, 0, 0);
	assert_true(kiss_pdu_advances_stat_sn(b));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(kiss_opcode_name(0x41), "SCSI Command");
	assert_string_equal(kiss_opcode_name(0x3e), "reserved");
	assert_string_equal(kiss_pdu_err_str(KISS_PDU_ERR_DSL),
			    "DataSegmentLength too large");
	assert_string_equal(kiss_pdu_err_str(-1), "unknown");
	assert_string_equal(kiss_pdu_err_str(KISS_PDU_ERR_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_offsets),
		cmocka_unit_test(test_short_header),
		cmocka_unit_test(test_reserved_opcodes),
		cmocka_unit_test(test_target_opcodes),
		cmocka_unit_test(test_dsl_limit),
		cmocka_unit_test(test_info_fields),
		cmocka_unit_test(test_phase_rules),
		cmocka_unit_test(test_login_flags),
		cmocka_unit_test(test_login_stages),
		cmocka_unit_test(test_login_version),
		cmocka_unit_test(test_login_ahs),
		cmocka_unit_test(test_nop_out_rules),
		cmocka_unit_test(test_scsi_cmd_rules),
		cmocka_unit_test(test_tmf_rules),
		cmocka_unit_test(test_text_logout_snack_rules),
		cmocka_unit_test(test_data_out_ahs),
		cmocka_unit_test(test_ahs_extended_cdb),
		cmocka_unit_test(test_ahs_bidi_and_duplicates),
		cmocka_unit_test(test_ahs_unknown_and_truncated),
		cmocka_unit_test(test_cmdsn_window),
		cmocka_unit_test(test_build_scsi_rsp),
		cmocka_unit_test(test_build_data_in),
		cmocka_unit_test(test_build_r2t),
		cmocka_unit_test(test_build_login_rsp),
		cmocka_unit_test(test_build_text_rsp),
		cmocka_unit_test(test_build_misc),
		cmocka_unit_test(test_stat_sn_rules),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("pdu", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for kernel/proto/scsi.c: CDB decoding rules, LBA range
 * checks, the opcode table and REPORT SUPPORTED OPERATION CODES, sense
 * data in both formats, errno mapping and LUN addressing.  Expected sense
 * bytes are written out by hand from SPC-4 4.5.2 and 4.5.3.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "proto/scsi.h"

#define BS	512u

static int decode(const u8 *cdb, struct kiss_cdb *c)
{
	return kiss_cdb_decode(cdb, KISS_CDB_MAX_LEN, c);
}

/* ILLEGAL REQUEST with a field pointer into the CDB. */
static void assert_cdb_field(const struct kiss_sense_info *s, u8 asc,
			     u16 byte, int bit)
{
	assert_int_equal(s->key, KISS_SK_ILLEGAL_REQUEST);
	assert_int_equal(s->asc, asc);
	assert_int_equal(s->ascq, 0);
	assert_true(s->sksv);
	assert_true(s->cd);
	assert_int_equal(s->field, byte);
	if (bit < 0) {
		assert_false(s->bpv);
	} else {
		assert_true(s->bpv);
		assert_int_equal(s->bit, bit);
	}
}

static void assert_invalid_field(const u8 *cdb, u16 byte, int bit)
{
	struct kiss_cdb c;

	assert_int_equal(decode(cdb, &c), -KISS_CDB_ERR_FIELD);
	assert_cdb_field(&c.sense, 0x24, byte, bit);
}

/* A CDB for a table row that kiss_cdb_decode() accepts. */
static void base_cdb(const struct kiss_opcode_info *op, u8 *cdb)
{
	memset(cdb, 0, KISS_CDB_MAX_LEN);
	cdb[0] = op->opcode;
	if (op->flags & KISS_OPF_SA)
		cdb[1] = (u8)op->sa;
	/* WRITE SAME of zero blocks is refused (WSNZ). */
	if (op->opcode == KISS_SCSI_WRITE_SAME_10)
		cdb[8] = 1;
	if (op->opcode == KISS_SCSI_WRITE_SAME_16)
		cdb[13] = 1;
}

static void test_group_len(void **state)
{
	(void)state;
	assert_int_equal(kiss_cdb_group_len(0x00), 6);
	assert_int_equal(kiss_cdb_group_len(0x1f), 6);
	assert_int_equal(kiss_cdb_group_len(0x20), 10);
	assert_int_equal(kiss_cdb_group_len(0x5f), 10);
	assert_int_equal(kiss_cdb_group_len(0x60), 0);
	assert_int_equal(kiss_cdb_group_len(0x7f), 0);
	assert_int_equal(kiss_cdb_group_len(0x80), 16);
	assert_int_equal(kiss_cdb_group_len(0x9f), 16);
	assert_int_equal(kiss_cdb_group_len(0xa0), 12);
	assert_int_equal(kiss_cdb_group_len(0xbf), 12);
	assert_int_equal(kiss_cdb_group_len(0xc0), 0);
	assert_int_equal(kiss_cdb_group_len(0xff), 0);
}

/* Sorted, lengths from the group, usage maps well formed. */
static void test_table_consistent(void **state)
{
	const struct kiss_opcode_info *op, *prev = NULL;
	size_t i, n = 0;
	int j;

	(void)state;
	for (i = 0; (op = kiss_opcode_at(i)); i++, prev = op) {
		n++;
		assert_non_null(op->name);
		assert_int_equal(op->cdb_len, kiss_cdb_group_len(op->opcode));
		if (prev)
			assert_true(prev->opcode < op->opcode ||
				    (prev->opcode == op->opcode &&
				     prev->sa < op->sa));
		if (op->flags & KISS_OPF_SA)
			assert_true(op->sa <= 0x1f);
		else
			assert_int_equal(op->sa, 0);
		assert_ptr_equal(kiss_opcode_lookup(op->opcode, op->sa), op);
		for (j = 0; j < KISS_CDB_MAX_LEN; j++) {
			assert_int_equal(op->usage[j] & op->ignore[j], 0);
			if (j >= op->cdb_len) {
				assert_int_equal(op->usage[j], 0);
				assert_int_equal(op->ignore[j], 0);
			}
		}
		if (!(op->flags & KISS_OPF_DECODED))
			continue;
		assert_int_equal(op->usage[0], op->opcode);
		/* The service action is added when reported. */
		if (op->flags & KISS_OPF_SA)
			assert_int_equal(op->usage[1] & 0x1f, 0);
		/* NACA and LINK evaluated, vendor bits and FLAG ignored. */
		assert_int_equal(op->usage[op->cdb_len - 1], 0x05);
		assert_int_equal(op->ignore[op->cdb_len - 1], 0xc2);
	}
	assert_null(kiss_opcode_at(n));
	assert_true(n >= 50);
	assert_null(kiss_opcode_lookup(0xc0, 0));
	assert_null(kiss_opcode_lookup(KISS_SCSI_SERVICE_ACTION_IN_16, 0x11));
	/* An opcode without service actions ignores @sa. */
	assert_non_null(kiss_opcode_lookup(KISS_SCSI_READ_10, 7));
}

/* Every opcode the brief names is in the table. */
static void test_table_complete(void **state)
{
	static const u8 decoded[] = {
		0x00, 0x03, 0x08, 0x0a, 0x12, 0x15, 0x16, 0x17, 0x1a, 0x1b,
		0x1e, 0x25, 0x28, 0x2a, 0x2e, 0x2f, 0x34, 0x35, 0x37, 0x41,
		0x42, 0x55, 0x56, 0x57, 0x5a, 0x5e, 0x5f, 0x83, 0x84, 0x88,
		0x89, 0x8a, 0x8b, 0x8e, 0x8f, 0x90, 0x91, 0x93, 0x9e, 0xa0,
		0xa3, 0xa4, 0xa8, 0xaa, 0xae, 0xaf, 0xb7,
	};
	const struct kiss_opcode_info *op;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(decoded); i++) {
		u8 sa = 0;

		if (decoded[i] == 0x9e)
			sa = KISS_SAI_READ_CAPACITY_16;
		else if (decoded[i] == 0xa3)
			sa = KISS_MI_REPORT_SUPPORTED_OPCODES;
		else if (decoded[i] == 0xa4)
			sa = KISS_MO_SET_TARGET_PGS;
		else if (decoded[i] == 0x84)
			sa = KISS_RCR_OPERATING_PARAMS;
		op = kiss_opcode_lookup(decoded[i], sa);
		assert_non_null(op);
		assert_true(op->flags & KISS_OPF_DECODED);
	}
	op = kiss_opcode_lookup(0x9e, KISS_SAI_GET_LBA_STATUS);
	assert_true(op && (op->flags & KISS_OPF_THIN));
	/* implicit ALUA only: REPORT is offered, SET is the explicit kind */
	op = kiss_opcode_lookup(0xa3, KISS_MI_REPORT_TARGET_PGS);
	assert_true(op && !(op->flags & KISS_OPF_ALUA));
	op = kiss_opcode_lookup(0xa4, KISS_MO_SET_TARGET_PGS);
	assert_true(op && (op->flags & KISS_OPF_ALUA));
	for (i = 0; i <= KISS_PRIN_READ_FULL_STATUS; i++)
		assert_non_null(kiss_opcode_lookup(KISS_SCSI_PR_IN, i));
	for (i = 0; i <= KISS_PROUT_REGISTER_AND_MOVE; i++)
		assert_non_null(kiss_opcode_lookup(KISS_SCSI_PR_OUT, i));
}

/*
 * For every decoded command: the all-zero CDB is accepted, every ignored
 * bit is accepted, and every reserved bit is refused with a field pointer
 * to exactly that byte and bit.
 */
static void test_table_reserved_bits(void **state)
{
	const struct kiss_opcode_info *op;
	u8 cdb[KISS_CDB_MAX_LEN];
	struct kiss_cdb c;
	size_t i;
	int byte, bit;

	(void)state;
	for (i = 0; (op = kiss_opcode_at(i)); i++) {
		if (!(op->flags & KISS_OPF_DECODED))
			continue;
		base_cdb(op, cdb);
		assert_int_equal(decode(cdb, &c), 0);
		assert_int_equal(c.opcode, op->opcode);
		assert_int_equal(c.len, op->cdb_len);
		assert_int_equal(c.flags, op->flags);
		assert_int_equal(c.kind, op->kind);
		for (byte = 1; byte < op->cdb_len; byte++) {
			u8 allowed = op->usage[byte] | op->ignore[byte];

			if (byte == 1 && (op->flags & KISS_OPF_SA))
				allowed |= 0x1f;
			for (bit = 0; bit < 8; bit++) {
				u8 m = 1u << bit;

				base_cdb(op, cdb);
				cdb[byte] |= m;
				if (op->ignore[byte] & m)
					assert_int_equal(decode(cdb, &c), 0);
				else if (!(allowed & m))
					assert_invalid_field(cdb, byte, bit);
			}
		}
	}
}

static void test_read6_zero_is_256(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_READ_6, 0x01, 0x02, 0x03, 0 };
	struct kiss_cdb c;

	(void)state;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.kind, KISS_CDB_READ);
	assert_int_equal(c.dir, KISS_DIR_IN);
	assert_true(c.has_lba);
	assert_int_equal(c.lba, 0x010203);
	assert_int_equal(c.nr_blocks, 256);
	assert_int_equal(kiss_cdb_xfer_len(&c, BS), 256 * BS);
	cdb[4] = 1;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.nr_blocks, 1);
	/* WRITE(6) too, and a 10-byte length of 0 is 0 blocks. */
	cdb[0] = KISS_SCSI_WRITE_6;
	cdb[4] = 0;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.kind, KISS_CDB_WRITE);
	assert_int_equal(c.nr_blocks, 256);
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_READ_10;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.nr_blocks, 0);
	assert_int_equal(kiss_cdb_xfer_len(&c, BS), 0);
}

/* The SCSI-2 LUN bits of a 6-byte CDB are not part of the LBA. */
static void test_read6_lun_bits_ignored(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_READ_6, 0xff, 0xff, 0xff, 8 };
	struct kiss_cdb c;

	(void)state;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.lba, 0x1fffff);
	assert_int_equal(c.nr_blocks, 8);
}

static void test_write10_fua(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = {
		KISS_SCSI_WRITE_10, 0x08, 0x12, 0x34, 0x56, 0x78, 0x05,
		0x01, 0x00, 0x00,
	};
	struct kiss_cdb c;

	(void)state;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.kind, KISS_CDB_WRITE);
	assert_int_equal(c.dir, KISS_DIR_OUT);
	assert_true(c.flags & KISS_OPF_WRITE);
	assert_true(c.fua);
	assert_false(c.dpo);
	assert_int_equal(c.lba, 0x12345678);
	assert_int_equal(c.nr_blocks, 256);
	assert_int_equal(c.group, 5);
	assert_int_equal(kiss_cdb_xfer_len(&c, 4096), 256 * 4096);
	/* DPO, and the obsolete FUA_NV is accepted and ignored. */
	cdb[1] = 0x12;
	assert_int_equal(decode(cdb, &c), 0);
	assert_false(c.fua);
	assert_true(c.dpo);
}

static void test_read12_read16_fields(void **state)
{
	u8 r12[KISS_CDB_MAX_LEN] = {
		KISS_SCSI_READ_12, 0x18, 0, 0, 0x10, 0, 0, 0x01, 0, 0, 0x83,
	};
	u8 r16[KISS_CDB_MAX_LEN] = {
		KISS_SCSI_READ_16, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
		0x07, 0x08, 0x00, 0x00, 0x10, 0x00, 0xc4,
	};
	struct kiss_cdb c;

	(void)state;
	assert_int_equal(decode(r12, &c), 0);
	assert_int_equal(c.lba, 0x1000);
	assert_int_equal(c.nr_blocks, 0x10000);
	assert_int_equal(c.group, 3);
	assert_true(c.fua && c.dpo);
	/* DLD2 and DLD1:0 are command duration hints: ignored. */
	assert_int_equal(decode(r16, &c), 0);
	assert_int_equal(c.lba, 0x0102030405060708ULL);
	assert_int_equal(c.nr_blocks, 0x1000);
	assert_int_equal(c.group, 4);
}

static void test_read16_lba_overflow(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_READ_16 };
	struct kiss_sense_info s;
	struct kiss_cdb c;

	(void)state;
	put_unaligned_be64(0xfffffffffffffffeULL, cdb + 2);
	put_unaligned_be32(4, cdb + 10);
	assert_int_equal(decode(cdb, &c), 0);
	/* lba + nr_blocks wraps to 2: must not look like "inside". */
	assert_int_equal(kiss_cdb_check_range(&c, 1000, &s),
			 -KISS_CDB_ERR_RANGE);
	assert_int_equal(s.key, KISS_SK_ILLEGAL_REQUEST);
	assert_int_equal(s.asc, 0x21);
	assert_int_equal(s.ascq, 0x00);
	assert_int_equal(kiss_cdb_check_range(&c, ~0ULL, &s),
			 -KISS_CDB_ERR_RANGE);
	/* Even the largest device cannot hold LBA 2^64-1 plus a block. */
	put_unaligned_be64(~0ULL, cdb + 2);
	put_unaligned_be32(1, cdb + 10);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(kiss_cdb_check_range(&c, ~0ULL, &s),
			 -KISS_CDB_ERR_RANGE);
	/* A huge block count from LBA 0. */
	put_unaligned_be64(0, cdb + 2);
	put_unaligned_be32(0xffffffff, cdb + 10);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(kiss_cdb_check_range(&c, 1000, &s),
			 -KISS_CDB_ERR_RANGE);
	assert_int_equal(kiss_cdb_xfer_len(&c, 4096), 0xffffffffULL * 4096);
}

static void test_range_boundaries(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_READ_10 };
	struct kiss_sense_info s;
	struct kiss_cdb c;

	(void)state;
	put_unaligned_be32(90, cdb + 2);
	put_unaligned_be16(10, cdb + 7);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(kiss_cdb_check_range(&c, 100, &s), 0);
	assert_int_equal(kiss_cdb_check_range(&c, 99, &s),
			 -KISS_CDB_ERR_RANGE);
	/* Zero blocks at the capacity is fine, one past it is not. */
	put_unaligned_be32(100, cdb + 2);
	put_unaligned_be16(0, cdb + 7);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(kiss_cdb_check_range(&c, 100, &s), 0);
	put_unaligned_be32(101, cdb + 2);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(kiss_cdb_check_range(&c, 100, &s),
			 -KISS_CDB_ERR_RANGE);
	/* GET LBA STATUS: the starting LBA must be on the medium. */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_SERVICE_ACTION_IN_16;
	cdb[1] = KISS_SAI_GET_LBA_STATUS;
	put_unaligned_be64(99, cdb + 2);
	assert_int_equal(decode(cdb, &c), 0);
	assert_true(c.has_lba);
	assert_int_equal(kiss_cdb_check_range(&c, 100, &s), 0);
	put_unaligned_be64(100, cdb + 2);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(kiss_cdb_check_range(&c, 100, &s),
			 -KISS_CDB_ERR_RANGE);
	/* Commands without an LBA always pass. */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_INQUIRY;
	assert_int_equal(decode(cdb, &c), 0);
	assert_false(c.has_lba);
	assert_int_equal(kiss_cdb_check_range(&c, 0, &s), 0);
}

static void test_unsupported_opcode(void **state)
{
	static const u8 ops[] = {
		0x01, 0x1d, 0x3b, 0x4d, 0x7f, 0x60, 0xc0,
		0xff,
	};
	u8 cdb[KISS_CDB_MAX_LEN];
	u8 sense[KISS_SENSE_FIXED_LEN];
	struct kiss_cdb c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		memset(cdb, 0, sizeof(cdb));
		cdb[0] = ops[i];
		assert_int_equal(decode(cdb, &c), -KISS_CDB_ERR_OPCODE);
		assert_int_equal(c.opcode, ops[i]);
		assert_cdb_field(&c.sense, 0x20, 0, -1);
	}
	/* SKSV, C/D, no BPV; field pointer 0: c0 00 00. */
	assert_int_equal(kiss_sense_build(sense, sizeof(sense), &c.sense,
					  false), 18);
	assert_int_equal(sense[2], 0x05);
	assert_int_equal(sense[12], 0x20);
	assert_int_equal(sense[15], 0xc0);
	assert_int_equal(sense[16], 0x00);
	assert_int_equal(sense[17], 0x00);
}

static void test_unsupported_service_action(void **state)
{
	static const u8 bad[][2] = {
		{ KISS_SCSI_SERVICE_ACTION_IN_16, 0x11 },
		{ KISS_SCSI_SERVICE_ACTION_IN_16, 0x00 },
		{ KISS_SCSI_MAINTENANCE_IN, 0x05 },
		{ KISS_SCSI_MAINTENANCE_OUT, 0x06 },
		{ KISS_SCSI_PR_IN, 0x04 },
		{ KISS_SCSI_PR_OUT, 0x08 },
		{ KISS_SCSI_PR_OUT, 0x1f },
	};
	u8 cdb[KISS_CDB_MAX_LEN];
	struct kiss_cdb c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(cdb, 0, sizeof(cdb));
		cdb[0] = bad[i][0];
		cdb[1] = bad[i][1];
		assert_int_equal(decode(cdb, &c),
				 -KISS_CDB_ERR_SERVICE_ACTION);
		assert_cdb_field(&c.sense, 0x24, 1, 4);
	}
}

static void test_reserved_bits_refused(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN];

	(void)state;
	/* READ(10) byte 1 bit 2 (RARC in SBC-4, not supported). */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_READ_10;
	cdb[1] = 0x04;
	assert_invalid_field(cdb, 1, 2);
	/* GROUP NUMBER bit 7 of READ(10). */
	cdb[1] = 0;
	cdb[6] = 0x80;
	assert_invalid_field(cdb, 6, 7);
	/* The highest offending bit is reported, first byte first. */
	cdb[6] = 0x40;
	cdb[9] = 0x38;
	assert_invalid_field(cdb, 6, 6);
	cdb[6] = 0;
	assert_invalid_field(cdb, 9, 5);
	/* INQUIRY byte 1 bit 2; TEST UNIT READY byte 2. */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_INQUIRY;
	cdb[1] = 0x04;
	assert_invalid_field(cdb, 1, 2);
	memset(cdb, 0, sizeof(cdb));
	cdb[2] = 0x01;
	assert_invalid_field(cdb, 2, 0);
	/* RESERVE(10) third-party reservations. */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_RESERVE_10;
	cdb[1] = 0x10;
	assert_invalid_field(cdb, 1, 4);
}

static void test_control_byte(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_TEST_UNIT_READY };
	struct kiss_cdb c;

	(void)state;
	cdb[5] = 0x04;		/* NACA: kiss has no ACA */
	assert_invalid_field(cdb, 5, 2);
	cdb[5] = 0x01;		/* LINK */
	assert_invalid_field(cdb, 5, 0);
	cdb[5] = 0xc2;		/* vendor specific and obsolete FLAG */
	assert_int_equal(decode(cdb, &c), 0);
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_WRITE_16;
	cdb[15] = 0x05;
	assert_invalid_field(cdb, 15, 2);
	cdb[15] = 0x01;
	assert_invalid_field(cdb, 15, 0);
}

static void test_protection_refused(void **state)
{
	static const u8 ops[] = {
		KISS_SCSI_READ_10, KISS_SCSI_WRITE_12, KISS_SCSI_READ_16,
		KISS_SCSI_VERIFY_10, KISS_SCSI_WRITE_VERIFY_16,
		KISS_SCSI_WRITE_SAME_10, KISS_SCSI_COMPARE_AND_WRITE,
	};
	u8 cdb[KISS_CDB_MAX_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		memset(cdb, 0, sizeof(cdb));
		cdb[0] = ops[i];
		cdb[1] = 0x20;
		assert_invalid_field(cdb, 1, 7);
	}
}

static void test_verify_bytchk(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_VERIFY_16 };
	struct kiss_cdb c;

	(void)state;
	put_unaligned_be64(7, cdb + 2);
	put_unaligned_be32(3, cdb + 10);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.kind, KISS_CDB_VERIFY);
	assert_int_equal(c.bytchk, 0);
	assert_int_equal(c.dir, KISS_DIR_NONE);
	assert_int_equal(kiss_cdb_xfer_len(&c, BS), 0);
	cdb[1] = 0x02 | 0x10;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.bytchk, 1);
	assert_true(c.dpo);
	assert_int_equal(c.dir, KISS_DIR_OUT);
	assert_int_equal(kiss_cdb_xfer_len(&c, BS), 3 * BS);
	cdb[1] = 0x04;
	assert_invalid_field(cdb, 1, 2);
	cdb[1] = 0x06;
	assert_invalid_field(cdb, 1, 2);
}

static void test_write_and_verify(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_WRITE_VERIFY_10 };
	struct kiss_cdb c;

	(void)state;
	put_unaligned_be16(2, cdb + 7);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.kind, KISS_CDB_WRITE);
	assert_true(c.flags & KISS_OPF_WRITE);
	assert_true(c.fua);
	assert_int_equal(c.dir, KISS_DIR_OUT);
	assert_int_equal(kiss_cdb_xfer_len(&c, BS), 2 * BS);
	/* Reserved bit 3 that LIO reads as FUA: accepted. */
	cdb[1] = 0x08 | 0x02;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.bytchk, 1);
	assert_int_equal(kiss_cdb_xfer_len(&c, BS), 2 * BS);
	cdb[1] = 0x06;
	assert_invalid_field(cdb, 1, 2);
}

static void test_write_same(void **state)
{
	u8 ws10[KISS_CDB_MAX_LEN] = { KISS_SCSI_WRITE_SAME_10 };
	u8 ws16[KISS_CDB_MAX_LEN] = { KISS_SCSI_WRITE_SAME_16 };
	struct kiss_cdb c;

	(void)state;
	put_unaligned_be32(1000, ws10 + 2);
	put_unaligned_be16(64, ws10 + 7);
	ws10[1] = 0x08;
	assert_int_equal(decode(ws10, &c), 0);
	assert_int_equal(c.kind, KISS_CDB_WRITE_SAME);
	assert_true(c.unmap);
	assert_int_equal(c.lba, 1000);
	assert_int_equal(c.nr_blocks, 64);
	assert_int_equal(c.dir, KISS_DIR_OUT);
	assert_int_equal(kiss_cdb_xfer_len(&c, BS), BS);
	ws10[1] = 0x18;			/* ANCHOR: ANC_SUP is 0 */
	assert_invalid_field(ws10, 1, 4);
	ws10[1] = 0x10;
	assert_invalid_field(ws10, 1, 4);
	ws10[1] = 0x04;			/* PBDATA */
	assert_invalid_field(ws10, 1, 2);
	ws10[1] = 0x02;			/* LBDATA */
	assert_invalid_field(ws10, 1, 1);
	ws10[1] = 0;
	put_unaligned_be16(0, ws10 + 7);
	assert_invalid_field(ws10, 7, -1);

	put_unaligned_be64(1ULL << 40, ws16 + 2);
	put_unaligned_be32(0x10000, ws16 + 10);
	assert_int_equal(decode(ws16, &c), 0);
	assert_int_equal(c.lba, 1ULL << 40);
	assert_int_equal(c.nr_blocks, 0x10000);
	assert_false(c.unmap);
	ws16[1] = 0x01;			/* NDOB */
	assert_invalid_field(ws16, 1, 0);
	ws16[1] = 0;
	put_unaligned_be32(0, ws16 + 10);
	assert_invalid_field(ws16, 10, -1);
}

static void test_unmap(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_UNMAP };
	struct kiss_cdb c;

	(void)state;
	put_unaligned_be16(24, cdb + 7);
	cdb[6] = 0x02;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.kind, KISS_CDB_UNMAP);
	assert_true(c.flags & KISS_OPF_THIN);
	assert_int_equal(c.param_len, 24);
	assert_int_equal(c.dir, KISS_DIR_OUT);
	assert_false(c.has_lba);
	assert_int_equal(kiss_cdb_xfer_len(&c, BS), 24);
	cdb[1] = 0x01;
	assert_invalid_field(cdb, 1, 0);
}

static void test_compare_and_write(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_COMPARE_AND_WRITE, 0x08 };
	struct kiss_cdb c;

	(void)state;
	put_unaligned_be64(77, cdb + 2);
	cdb[13] = 1;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.kind, KISS_CDB_COMPARE_AND_WRITE);
	assert_true(c.fua);
	assert_int_equal(c.lba, 77);
	assert_int_equal(c.nr_blocks, 1);
	assert_int_equal(kiss_cdb_xfer_len(&c, BS), 2 * BS);
	cdb[13] = 0;			/* not an error, nothing to do */
	assert_int_equal(decode(cdb, &c), 0);
	cdb[13] = 2;
	assert_invalid_field(cdb, 13, -1);
	cdb[13] = 1;
	cdb[12] = 1;			/* reserved */
	assert_invalid_field(cdb, 12, 0);
}

static void test_sync_cache_prefetch(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_SYNC_CACHE_16, 0x02 };
	struct kiss_sense_info s;
	struct kiss_cdb c;

	(void)state;
	put_unaligned_be64(5, cdb + 2);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.kind, KISS_CDB_FLUSH);
	assert_true(c.immed);
	assert_int_equal(c.dir, KISS_DIR_NONE);
	assert_int_equal(kiss_cdb_xfer_len(&c, BS), 0);
	/* Zero blocks: to the end of the medium. */
	assert_int_equal(kiss_cdb_check_range(&c, 5, &s), 0);
	assert_int_equal(kiss_cdb_check_range(&c, 4, &s),
			 -KISS_CDB_ERR_RANGE);
	/* SYNC_NV is obsolete and ignored. */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_SYNC_CACHE_10;
	cdb[1] = 0x04;
	assert_int_equal(decode(cdb, &c), 0);
	assert_false(c.immed);
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_PRE_FETCH_10;
	cdb[1] = 0x02;
	put_unaligned_be16(8, cdb + 7);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.kind, KISS_CDB_OTHER);
	assert_true(c.has_lba);
	assert_true(c.immed);
	assert_int_equal(c.nr_blocks, 8);
	assert_int_equal(c.dir, KISS_DIR_NONE);
}

static void test_inquiry(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_INQUIRY, 0x01, 0x83, 0x01,
				     0x00 };
	struct kiss_cdb c;

	(void)state;
	assert_int_equal(decode(cdb, &c), 0);
	assert_true(c.u.inquiry.evpd);
	assert_int_equal(c.u.inquiry.page, 0x83);
	assert_int_equal(c.alloc_len, 256);
	assert_int_equal(c.dir, KISS_DIR_IN);
	assert_int_equal(kiss_cdb_xfer_len(&c, BS), 256);
	/* A page code without EVPD. */
	cdb[1] = 0;
	assert_invalid_field(cdb, 2, -1);
	/* The obsolete CMDDT is ignored. */
	cdb[1] = 0x02;
	cdb[2] = 0;
	assert_int_equal(decode(cdb, &c), 0);
	assert_false(c.u.inquiry.evpd);
}

static void test_mode_sense_select(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_MODE_SENSE_10, 0x18, 0x48,
				     0x01, 0, 0, 0, 0x02, 0x00 };
	struct kiss_cdb c;

	(void)state;
	assert_int_equal(decode(cdb, &c), 0);
	assert_true(c.u.mode_sense.dbd);
	assert_true(c.u.mode_sense.llbaa);
	assert_int_equal(c.u.mode_sense.pc, 1);
	assert_int_equal(c.u.mode_sense.page, 0x08);
	assert_int_equal(c.u.mode_sense.subpage, 1);
	assert_int_equal(c.alloc_len, 512);
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_MODE_SENSE_6;
	cdb[2] = 0x3f;
	cdb[4] = 0xc0;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.u.mode_sense.page, 0x3f);
	assert_int_equal(c.alloc_len, 0xc0);
	/* LLBAA does not exist in MODE SENSE(6). */
	cdb[1] = 0x10;
	assert_invalid_field(cdb, 1, 4);

	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_MODE_SELECT_6;
	cdb[1] = 0x10;
	cdb[4] = 24;
	assert_int_equal(decode(cdb, &c), 0);
	assert_true(c.u.mode_select.pf);
	assert_int_equal(c.param_len, 24);
	assert_int_equal(c.dir, KISS_DIR_OUT);
	cdb[1] = 0x11;			/* SP: nothing is saveable */
	assert_invalid_field(cdb, 1, 0);
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_MODE_SELECT_10;
	cdb[1] = 0x10;
	put_unaligned_be16(300, cdb + 7);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.param_len, 300);
}

static void test_misc_commands(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_REQUEST_SENSE, 0x01, 0, 0,
				     252 };
	struct kiss_cdb c;

	(void)state;
	assert_int_equal(decode(cdb, &c), 0);
	assert_true(c.u.request_sense.desc);
	assert_int_equal(c.alloc_len, 252);

	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_START_STOP_UNIT;
	cdb[1] = 0x01;
	cdb[3] = 0x0f;			/* modifier: ignored */
	cdb[4] = 0x37;
	assert_int_equal(decode(cdb, &c), 0);
	assert_true(c.immed);
	assert_int_equal(c.u.start_stop.power_condition, 3);
	assert_true(c.u.start_stop.no_flush);
	assert_true(c.u.start_stop.loej);
	assert_true(c.u.start_stop.start);
	cdb[4] = 0x08;
	assert_invalid_field(cdb, 4, 3);

	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_PREVENT_ALLOW;
	cdb[4] = 0x01;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.u.prevent.prevent, 1);
	assert_int_equal(c.dir, KISS_DIR_NONE);

	/* READ CAPACITY(10): obsolete LBA and PMI ignored, 8 bytes back. */
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_READ_CAPACITY_10;
	cdb[5] = 0x10;
	cdb[8] = 0x01;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.dir, KISS_DIR_IN);
	assert_int_equal(kiss_cdb_xfer_len(&c, BS), 8);
}

static void test_report_luns(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_REPORT_LUNS, 0, 0x02 };
	struct kiss_cdb c;

	(void)state;
	put_unaligned_be32(4096, cdb + 6);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.u.report_luns.select_report, 2);
	assert_int_equal(c.alloc_len, 4096);
	/* SPC-4 no longer requires 16 bytes: a short one is accepted. */
	put_unaligned_be32(4, cdb + 6);
	assert_int_equal(decode(cdb, &c), 0);
	cdb[2] = 0x10;
	assert_invalid_field(cdb, 2, -1);
}

static void test_service_action_in(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_SERVICE_ACTION_IN_16,
				     KISS_SAI_READ_CAPACITY_16 };
	struct kiss_cdb c;

	(void)state;
	put_unaligned_be32(32, cdb + 10);
	cdb[5] = 0xff;			/* obsolete LBA */
	cdb[14] = 0x01;			/* obsolete PMI */
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.sa, KISS_SAI_READ_CAPACITY_16);
	assert_int_equal(c.alloc_len, 32);
	assert_false(c.has_lba);
	cdb[1] |= 0x20;
	assert_invalid_field(cdb, 1, 5);

	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_SERVICE_ACTION_IN_16;
	cdb[1] = KISS_SAI_GET_LBA_STATUS;
	put_unaligned_be64(0x123456789aULL, cdb + 2);
	put_unaligned_be32(24, cdb + 10);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.sa, KISS_SAI_GET_LBA_STATUS);
	assert_int_equal(c.lba, 0x123456789aULL);
	assert_int_equal(c.alloc_len, 24);
	assert_int_equal(c.dir, KISS_DIR_IN);
}

static void test_maintenance_in(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_MAINTENANCE_IN,
				     KISS_MI_REPORT_SUPPORTED_OPCODES,
				     0x82, 0x9e, 0x00, 0x10 };
	struct kiss_cdb c;

	(void)state;
	put_unaligned_be32(512, cdb + 6);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.sa, KISS_MI_REPORT_SUPPORTED_OPCODES);
	assert_true(c.u.rsoc.rctd);
	assert_int_equal(c.u.rsoc.options, 2);
	assert_int_equal(c.u.rsoc.opcode, 0x9e);
	assert_int_equal(c.u.rsoc.sa, 0x10);
	assert_int_equal(c.alloc_len, 512);
	cdb[2] = 0x04;
	assert_invalid_field(cdb, 2, 2);
	cdb[2] = 0x08;			/* reserved */
	assert_invalid_field(cdb, 2, 3);

	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_MAINTENANCE_IN;
	cdb[1] = 0x20 | KISS_MI_REPORT_TARGET_PGS;
	put_unaligned_be32(1024, cdb + 6);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.sa, KISS_MI_REPORT_TARGET_PGS);
	assert_int_equal(c.u.rtpg.format, 1);
	assert_false(c.flags & KISS_OPF_ALUA);
	cdb[1] = 0x40 | KISS_MI_REPORT_TARGET_PGS;
	assert_invalid_field(cdb, 1, 7);

	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_MAINTENANCE_OUT;
	cdb[1] = KISS_MO_SET_TARGET_PGS;
	put_unaligned_be32(12, cdb + 6);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.param_len, 12);
	assert_int_equal(c.dir, KISS_DIR_OUT);
}

static void test_persistent_reserve(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_PR_IN,
				     KISS_PRIN_READ_FULL_STATUS };
	struct kiss_cdb c;

	(void)state;
	put_unaligned_be16(8192, cdb + 7);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.sa, KISS_PRIN_READ_FULL_STATUS);
	assert_true(c.flags & KISS_OPF_PR);
	assert_int_equal(c.alloc_len, 8192);
	assert_int_equal(c.dir, KISS_DIR_IN);

	memset(cdb, 0, sizeof(cdb));
	cdb[0] = KISS_SCSI_PR_OUT;
	cdb[1] = KISS_PROUT_PREEMPT_AND_ABORT;
	cdb[2] = 0x05;
	put_unaligned_be32(24, cdb + 5);
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(c.sa, KISS_PROUT_PREEMPT_AND_ABORT);
	assert_int_equal(c.u.pr_out.scope, 0);
	assert_int_equal(c.u.pr_out.type, 5);
	assert_int_equal(c.param_len, 24);
	assert_int_equal(c.dir, KISS_DIR_OUT);
	cdb[3] = 0x01;
	assert_invalid_field(cdb, 3, 0);
}

/* Only the CDB length the opcode needs is read, never more. */
static void test_short_cdb(void **state)
{
	struct kiss_cdb c;
	u8 *cdb;

	(void)state;
	assert_int_equal(kiss_cdb_decode(NULL, 0, &c), -KISS_CDB_ERR_SHORT);
	assert_int_equal(c.sense.key, KISS_SK_ILLEGAL_REQUEST);
	assert_int_equal(c.sense.asc, 0x24);
	cdb = calloc(1, 6);
	assert_non_null(cdb);
	assert_int_equal(kiss_cdb_decode(cdb, 0, &c), -KISS_CDB_ERR_SHORT);
	assert_int_equal(kiss_cdb_decode(cdb, 5, &c), -KISS_CDB_ERR_SHORT);
	assert_int_equal(kiss_cdb_decode(cdb, 6, &c), 0);
	cdb[0] = KISS_SCSI_READ_10;
	assert_int_equal(kiss_cdb_decode(cdb, 6, &c), -KISS_CDB_ERR_SHORT);
	assert_false(c.sense.sksv);
	free(cdb);
	cdb = calloc(1, 16);
	assert_non_null(cdb);
	cdb[0] = KISS_SCSI_READ_16;
	assert_int_equal(kiss_cdb_decode(cdb, 15, &c), -KISS_CDB_ERR_SHORT);
	assert_int_equal(kiss_cdb_decode(cdb, 16, &c), 0);
	free(cdb);
}

/* SPC-4 4.5.3, table 48: 18 bytes, additional sense length 10. */
static void test_sense_fixed_layout(void **state)
{
	static const u8 want_field[18] = {
		0x70, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x0a,
		0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0xcf,
		0x00, 0x01,
	};
	static const u8 want_info[18] = {
		0xf0, 0x00, 0x0e, 0x00, 0x00, 0x12, 0x34, 0x0a,
		0x00, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x00,
		0x00, 0x00,
	};
	static const u8 want_param[18] = {
		0x70, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x0a,
		0x00, 0x00, 0x00, 0x00, 0x26, 0x00, 0x00, 0x80,
		0x01, 0x02,
	};
	struct kiss_sense_info s;
	u8 buf[32];

	(void)state;
	/* INVALID FIELD IN CDB, byte 1 bit 7: SKSV|C/D|BPV|7 = 0xcf. */
	kiss_sense_set(&s, KISS_SENSE_INVALID_FIELD_IN_CDB);
	kiss_sense_set_field(&s, true, 1, 7);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(kiss_sense_build(buf, sizeof(buf), &s, false), 18);
	assert_memory_equal(buf, want_field, 18);
	assert_int_equal(buf[18], 0xaa);

	/* MISCOMPARE at offset 0x1234: VALID and INFORMATION. */
	kiss_sense_set(&s, KISS_SENSE_MISCOMPARE);
	kiss_sense_set_info(&s, 0x1234);
	assert_int_equal(kiss_sense_build(buf, sizeof(buf), &s, false), 18);
	assert_memory_equal(buf, want_info, 18);

	/* INVALID FIELD IN PARAMETER LIST, byte 258, no bit: C/D clear. */
	kiss_sense_set(&s, KISS_SENSE_INVALID_FIELD_IN_PARAM);
	kiss_sense_set_field(&s, false, 0x0102, -1);
	assert_int_equal(kiss_sense_build(buf, sizeof(buf), &s, false), 18);
	assert_memory_equal(buf, want_param, 18);

	/* INFORMATION beyond 32 bits: VALID clear, not truncated. */
	kiss_sense_set(&s, KISS_SENSE_MISCOMPARE);
	kiss_sense_set_info(&s, 0x100000000ULL);
	assert_int_equal(kiss_sense_build(buf, sizeof(buf), &s, false), 18);
	assert_int_equal(buf[0], 0x70);
	assert_int_equal(get_unaligned_be32(buf + 3), 0);
}

/* SPC-4 4.5.2, tables 28, 31 and 32. */
static void test_sense_descriptor_layout(void **state)
{
	static const u8 want_full[28] = {
		0x72, 0x0e, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x14,
		/* INFORMATION descriptor */
		0x00, 0x0a, 0x80, 0x00, 0x11, 0x22, 0x33, 0x44,
		0x55, 0x66, 0x77, 0x88,
		/* sense key specific descriptor: field pointer */
		0x02, 0x06, 0x00, 0x00, 0x80, 0x00, 0x05, 0x00,
	};
	static const u8 want_plain[8] = {
		0x72, 0x06, 0x29, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const u8 want_field[16] = {
		0x72, 0x05, 0x24, 0x00, 0x00, 0x00, 0x00, 0x08,
		0x02, 0x06, 0x00, 0x00, 0xc9, 0x00, 0x0f, 0x00,
	};
	struct kiss_sense_info s;
	u8 buf[40];

	(void)state;
	kiss_sense_set(&s, KISS_SENSE_MISCOMPARE);
	kiss_sense_set_info(&s, 0x1122334455667788ULL);
	kiss_sense_set_field(&s, false, 5, -1);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(kiss_sense_build(buf, sizeof(buf), &s, true), 28);
	assert_memory_equal(buf, want_full, 28);
	assert_int_equal(buf[28], 0xaa);

	kiss_sense_set(&s, KISS_SENSE_POWER_ON_RESET);
	assert_int_equal(kiss_sense_build(buf, sizeof(buf), &s, true), 8);
	assert_memory_equal(buf, want_plain, 8);

	/* Field pointer with a bit: byte 15 bit 1, C/D set = 0xc9. */
	kiss_sense_set(&s, KISS_SENSE_INVALID_FIELD_IN_CDB);
	kiss_sense_set_field(&s, true, 15, 1);
	assert_int_equal(kiss_sense_build(buf, sizeof(buf), &s, true), 16);
	assert_memory_equal(buf, want_field, 16);
}

static void test_sense_truncated(void **state)
{
	struct kiss_sense_info s;
	u8 buf[32];
	size_t n;

	(void)state;
	kiss_sense_set(&s, KISS_SENSE_LBA_OUT_OF_RANGE);
	kiss_sense_set_info(&s, 1);
	kiss_sense_set_field(&s, true, 2, -1);
	assert_int_equal(kiss_sense_build(NULL, 0, &s, false), 0);
	assert_int_equal(kiss_sense_build(NULL, 0, &s, true), 0);
	for (n = 1; n < sizeof(buf); n++) {
		memset(buf, 0xaa, sizeof(buf));
		assert_int_equal(kiss_sense_build(buf, n, &s, false),
				 min_t(size_t, n, 18));
		assert_int_equal(buf[n], 0xaa);
		memset(buf, 0xaa, sizeof(buf));
		assert_int_equal(kiss_sense_build(buf, n, &s, true),
				 min_t(size_t, n, 28));
		assert_int_equal(buf[n], 0xaa);
		/* The additional sense length still says the full length. */
		if (n >= 8)
			assert_int_equal(buf[7], 20);
	}
}

static void test_sense_parse(void **state)
{
	static const u8 junk[] = { 0x00, 0x01, 0x02 };
	/* A descriptor past the additional sense length is not read. */
	static const u8 overrun[] = {
		0x72, 0x05, 0x24, 0x00, 0x00, 0x00, 0x00, 0x08,
		0x02, 0x06, 0x00, 0x00, 0x80, 0x00, 0x05, 0x00,
		0x00, 0x0a, 0x80,
	};
	struct kiss_sense_info s, p;
	u8 buf[KISS_SENSE_MAX_LEN];
	int desc;

	(void)state;
	for (desc = 0; desc < 2; desc++) {
		kiss_sense_set(&s, KISS_SENSE_INVALID_FIELD_IN_CDB);
		kiss_sense_set_field(&s, true, 9, 3);
		kiss_sense_set_info(&s, 4321);
		kiss_sense_build(buf, sizeof(buf), &s, desc);
		assert_int_equal(kiss_sense_parse(buf, sizeof(buf), &p), 0);
		assert_int_equal(p.key, KISS_SK_ILLEGAL_REQUEST);
		assert_int_equal(p.asc, 0x24);
		assert_true(p.info_valid);
		assert_int_equal(p.info, 4321);
		assert_true(p.sksv && p.cd && p.bpv);
		assert_int_equal(p.bit, 3);
		assert_int_equal(p.field, 9);
	}
	assert_int_equal(kiss_sense_parse(NULL, 0, &p), -EINVAL);
	assert_int_equal(kiss_sense_parse(junk, sizeof(junk), &p), -EINVAL);
	kiss_sense_build(buf, sizeof(buf), &s, false);
	assert_int_equal(kiss_sense_parse(buf, 13, &p), -EINVAL);
	assert_int_equal(kiss_sense_parse(buf, 14, &p), 0);
	assert_false(p.sksv);		/* bytes 15-17 not there */
	assert_int_equal(kiss_sense_parse(overrun, sizeof(overrun), &p), 0);
	assert_true(p.sksv);
	assert_false(p.info_valid);
}

static void test_sense_table(void **state)
{
	static const struct {
		enum kiss_sense_code code;
		u8 key, asc, ascq;
	} want[] = {
		{ KISS_SENSE_NO_SENSE, 0x0, 0x00, 0x00 },
		{ KISS_SENSE_LUN_NOT_READY, 0x2, 0x04, 0x00 },
		{ KISS_SENSE_ALUA_TRANSITION, 0x2, 0x04, 0x0a },
		{ KISS_SENSE_ALUA_STANDBY, 0x2, 0x04, 0x0b },
		{ KISS_SENSE_ALUA_UNAVAILABLE, 0x2, 0x04, 0x0c },
		{ KISS_SENSE_READ_ERROR, 0x3, 0x11, 0x00 },
		{ KISS_SENSE_WRITE_ERROR, 0x3, 0x0c, 0x00 },
		{ KISS_SENSE_INTERNAL_TARGET_FAILURE, 0x4, 0x44, 0x00 },
		{ KISS_SENSE_INVALID_OPCODE, 0x5, 0x20, 0x00 },
		{ KISS_SENSE_LBA_OUT_OF_RANGE, 0x5, 0x21, 0x00 },
		{ KISS_SENSE_INVALID_FIELD_IN_CDB, 0x5, 0x24, 0x00 },
		{ KISS_SENSE_LUN_NOT_SUPPORTED, 0x5, 0x25, 0x00 },
		{ KISS_SENSE_INVALID_FIELD_IN_PARAM, 0x5, 0x26, 0x00 },
		{ KISS_SENSE_PARAM_LIST_LENGTH, 0x5, 0x1a, 0x00 },
		{ KISS_SENSE_WRITE_PROTECTED, 0x7, 0x27, 0x00 },
		{ KISS_SENSE_SPACE_ALLOC_FAILED, 0x7, 0x27, 0x07 },
		{ KISS_SENSE_POWER_ON_RESET, 0x6, 0x29, 0x00 },
		{ KISS_SENSE_REPORTED_LUNS_CHANGED, 0x6, 0x3f, 0x0e },
		{ KISS_SENSE_CAPACITY_CHANGED, 0x6, 0x2a, 0x09 },
		{ KISS_SENSE_ALUA_STATE_CHANGED, 0x6, 0x2a, 0x06 },
		{ KISS_SENSE_PROTOCOL_CRC_ERROR, 0xb, 0x47, 0x05 },
		{ KISS_SENSE_DATA_PHASE_ERROR, 0xb, 0x4b, 0x00 },
		{ KISS_SENSE_NOT_ENOUGH_UNSOLICITED_DATA, 0xb, 0x0c, 0x0d },
		{ KISS_SENSE_MISCOMPARE, 0xe, 0x1d, 0x00 },
	};
	struct kiss_sense_info s;
	size_t i;
	int code;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		memset(&s, 0xff, sizeof(s));
		kiss_sense_set(&s, want[i].code);
		assert_int_equal(s.key, want[i].key);
		assert_int_equal(s.asc, want[i].asc);
		assert_int_equal(s.ascq, want[i].ascq);
		assert_false(s.info_valid);
		assert_false(s.sksv);
	}
	/* Every named condition has a key, except NO SENSE itself. */
	for (code = 1; code < KISS_SENSE_COUNT; code++) {
		kiss_sense_set(&s, code);
		assert_int_not_equal(s.key, KISS_SK_NO_SENSE);
	}
	kiss_sense_set(&s, KISS_SENSE_COUNT);
	assert_int_equal(s.asc, 0x44);
}

static void test_io_sense(void **state)
{
	struct kiss_sense_info s;

	(void)state;
	assert_int_equal(kiss_io_sense(kiss_io_status_from_errno(-EIO), false,
				       &s), KISS_SAM_STAT_CHECK_CONDITION);
	assert_int_equal(s.key, KISS_SK_MEDIUM_ERROR);
	assert_int_equal(s.asc, 0x11);
	kiss_io_sense(kiss_io_status_from_errno(-EIO), true, &s);
	assert_int_equal(s.key, KISS_SK_MEDIUM_ERROR);
	assert_int_equal(s.asc, 0x0c);
	assert_int_equal(s.ascq, 0x00);
	kiss_io_sense(kiss_io_status_from_errno(-ENODATA), false, &s);
	assert_int_equal(s.asc, 0x11);
	kiss_io_sense(kiss_io_status_from_errno(-ENOSPC), true, &s);
	assert_int_equal(s.key, KISS_SK_DATA_PROTECT);
	assert_int_equal(s.asc, 0x27);
	assert_int_equal(s.ascq, 0x07);
	kiss_io_sense(kiss_io_status_from_errno(EOPNOTSUPP), true, &s);
	assert_int_equal(s.key, KISS_SK_ILLEGAL_REQUEST);
	assert_int_equal(s.asc, 0x20);
	kiss_io_sense(kiss_io_status_from_errno(-EROFS), true, &s);
	assert_int_equal(s.key, KISS_SK_DATA_PROTECT);
	assert_int_equal(s.asc, 0x27);
	assert_int_equal(s.ascq, 0x00);
	kiss_io_sense(kiss_io_status_from_errno(-ETIMEDOUT), false, &s);
	assert_int_equal(s.key, KISS_SK_NOT_READY);
	assert_int_equal(s.asc, 0x08);
	kiss_io_sense(kiss_io_status_from_errno(-EREMOTEIO), false, &s);
	assert_int_equal(s.key, KISS_SK_HARDWARE_ERROR);
	assert_int_equal(s.asc, 0x44);
	assert_int_equal(kiss_io_sense(kiss_io_status_from_errno(-EBADE),
				       true, &s),
			 KISS_SAM_STAT_RESERVATION_CONFLICT);
	assert_int_equal(s.key, KISS_SK_NO_SENSE);
	assert_int_equal(kiss_io_sense(kiss_io_status_from_errno(-EAGAIN),
				       true, &s), KISS_SAM_STAT_BUSY);
	assert_int_equal(kiss_io_sense(kiss_io_status_from_errno(0),
				       true, &s), KISS_SAM_STAT_GOOD);
	/* Unknown errors are treated as I/O errors. */
	assert_int_equal(kiss_io_status_from_errno(-EXDEV), KISS_IO_ERROR);
	assert_int_equal(kiss_io_status_from_errno(INT_MIN), KISS_IO_ERROR);
	assert_int_equal(kiss_io_sense(99, false, &s),
			 KISS_SAM_STAT_CHECK_CONDITION);
	assert_int_equal(s.asc, 0x44);
}

static void test_lun_encode(void **state)
{
	static const u8 lun0[8] = { 0 };
	static const u8 lun255[8] = { 0x00, 0xff };
	static const u8 lun256[8] = { 0x41, 0x00 };
	static const u8 lun16383[8] = { 0x7f, 0xff };
	u8 out[8];

	(void)state;
	assert_int_equal(kiss_scsilun_encode(0, out), 0);
	assert_memory_equal(out, lun0, 8);
	assert_int_equal(kiss_scsilun_encode(255, out), 0);
	assert_memory_equal(out, lun255, 8);
	assert_int_equal(kiss_scsilun_encode(256, out), 0);
	assert_memory_equal(out, lun256, 8);
	assert_int_equal(kiss_scsilun_encode(16383, out), 0);
	assert_memory_equal(out, lun16383, 8);
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(kiss_scsilun_encode(16384, out), -ERANGE);
	assert_memory_equal(out, lun0, 8);
	assert_int_equal(kiss_scsilun_encode(~0ULL, out), -ERANGE);
}

static void test_lun_decode(void **state)
{
	static const u8 flat5[8] = { 0x40, 0x05 };
	static const u8 bus1[8] = { 0x01, 0x00 };
	static const u8 lu_method[8] = { 0x80, 0x01 };
	static const u8 extended[8] = { 0xc0, 0x01 };
	static const u8 level2[8] = { 0x00, 0x01, 0x00, 0x02 };
	static const u8 level4[8] = { 0x00, 0x01, 0, 0, 0, 0, 0, 0x01 };
	u8 buf[8];
	u64 lun, n;

	(void)state;
	for (n = 0; n <= KISS_MAX_LUN; n++) {
		assert_int_equal(kiss_scsilun_encode(n, buf), 0);
		assert_int_equal(kiss_scsilun_decode(buf, 8, &lun), 0);
		assert_int_equal(lun, n);
	}
	assert_int_equal(kiss_scsilun_decode(flat5, 8, &lun), 0);
	assert_int_equal(lun, 5);
	lun = 77;
	assert_int_equal(kiss_scsilun_decode(bus1, 8, &lun), -EINVAL);
	assert_int_equal(kiss_scsilun_decode(lu_method, 8, &lun), -EINVAL);
	assert_int_equal(kiss_scsilun_decode(extended, 8, &lun), -EINVAL);
	assert_int_equal(kiss_scsilun_decode(level2, 8, &lun), -EINVAL);
	assert_int_equal(kiss_scsilun_decode(level4, 8, &lun), -EINVAL);
	assert_int_equal(lun, 77);
	assert_int_equal(kiss_scsilun_decode(flat5, 7, &lun), -EINVAL);
	assert_int_equal(kiss_scsilun_decode(NULL, 8, &lun), -EINVAL);
}

static size_t nr_reported(unsigned int hide)
{
	const struct kiss_opcode_info *op;
	size_t i, n = 0;

	for (i = 0; (op = kiss_opcode_at(i)); i++)
		if ((op->flags & KISS_OPF_DECODED) && !(op->flags & hide))
			n++;
	return n;
}

static void test_rsoc_all(void **state)
{
	size_t n = nr_reported(0), full = 4 + n * 8, i;
	const struct kiss_opcode_info *op;
	u8 buf[2048];
	bool seen_rc16 = false;

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(kiss_rsoc_all(buf, sizeof(buf), false, 0), full);
	assert_int_equal(get_unaligned_be32(buf), full - 4);
	assert_int_equal(buf[full], 0xaa);
	for (i = 0; i < n; i++) {
		const u8 *d = buf + 4 + i * 8;

		op = kiss_opcode_lookup(d[0], get_unaligned_be16(d + 2));
		assert_non_null(op);
		assert_true(op->flags & KISS_OPF_DECODED);
		assert_int_equal(d[1], 0);
		assert_int_equal(d[4], 0);
		assert_int_equal(d[5], (op->flags & KISS_OPF_SA) ? 1 : 0);
		assert_int_equal(get_unaligned_be16(d + 6), op->cdb_len);
		if (d[0] == 0x9e && d[3] == 0x10)
			seen_rc16 = true;
	}
	assert_true(seen_rc16);

	/* With RCTD: 20-byte descriptors, CTDP, timeouts length 0x0a. */
	full = 4 + n * 20;
	assert_int_equal(kiss_rsoc_all(buf, sizeof(buf), true, 0), full);
	assert_int_equal(get_unaligned_be32(buf), full - 4);
	assert_int_equal(buf[4 + 5] & 0x02, 0x02);
	assert_int_equal(get_unaligned_be16(buf + 4 + 8), 0x0a);

	/* Hidden classes are left out. */
	assert_int_equal(kiss_rsoc_all(NULL, 0, false,
				       KISS_OPF_PR | KISS_OPF_ALUA),
			 4 + nr_reported(KISS_OPF_PR | KISS_OPF_ALUA) * 8);
	assert_int_equal(nr_reported(0) -
			 nr_reported(KISS_OPF_PR | KISS_OPF_ALUA), 4 + 8 + 1);
}

/* A small allocation length: never a byte past the buffer. */
static void test_rsoc_all_bounded(void **state)
{
	size_t full = kiss_rsoc_all(NULL, 0, false, 0), size;
	u8 ref[2048], buf[64];

	(void)state;
	assert_int_equal(kiss_rsoc_all(ref, sizeof(ref), false, 0), full);
	for (size = 0; size < sizeof(buf) - 1; size++) {
		memset(buf, 0xaa, sizeof(buf));
		assert_int_equal(kiss_rsoc_all(buf, size, false, 0), full);
		if (size)
			assert_memory_equal(buf, ref, size);
		assert_int_equal(buf[size], 0xaa);
	}
}

static void test_rsoc_one(void **state)
{
	const struct kiss_opcode_info *op;
	struct kiss_sense_info s;
	u8 buf[64];

	(void)state;
	/* READ(10): supported, CDB usage data from the table. */
	op = kiss_opcode_lookup(KISS_SCSI_READ_10, 0);
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(kiss_rsoc_one(buf, sizeof(buf), 1, KISS_SCSI_READ_10,
				       0, false, 0, &s), 14);
	assert_int_equal(buf[0], 0);
	assert_int_equal(buf[1], 0x03);
	assert_int_equal(get_unaligned_be16(buf + 2), 10);
	assert_memory_equal(buf + 4, op->usage, 10);
	assert_int_equal(buf[4], 0x28);
	assert_int_equal(buf[5], 0xf8);
	assert_int_equal(buf[13], 0x05);
	assert_int_equal(buf[14], 0xaa);
	/* With RCTD: CTDP and a timeouts descriptor. */
	assert_int_equal(kiss_rsoc_one(buf, sizeof(buf), 3, KISS_SCSI_READ_10,
				       0, true, 0, &s), 26);
	assert_int_equal(buf[1], 0x83);
	assert_int_equal(get_unaligned_be16(buf + 14), 0x0a);
	/* Options 010b on an opcode without service actions. */
	assert_int_equal(kiss_rsoc_one(buf, sizeof(buf), 2, KISS_SCSI_READ_10,
				       0, false, 0, &s), -KISS_CDB_ERR_FIELD);
	assert_cdb_field(&s, 0x24, 2, 2);
	/* Options 001b on one with them. */
	assert_int_equal(kiss_rsoc_one(buf, sizeof(buf), 1,
				       KISS_SCSI_SERVICE_ACTION_IN_16,
				       KISS_SAI_READ_CAPACITY_16, false, 0,
				       &s), -KISS_CDB_ERR_FIELD);
	assert_int_equal(kiss_rsoc_one(buf, sizeof(buf), 4, KISS_SCSI_READ_10,
				       0, false, 0, &s), -KISS_CDB_ERR_FIELD);
	assert_int_equal(kiss_rsoc_one(buf, sizeof(buf), 0, KISS_SCSI_READ_10,
				       0, false, 0, &s), -KISS_CDB_ERR_FIELD);
	/* READ CAPACITY(16) by service action: usage has the SA. */
	assert_int_equal(kiss_rsoc_one(buf, sizeof(buf), 2,
				       KISS_SCSI_SERVICE_ACTION_IN_16,
				       KISS_SAI_READ_CAPACITY_16, false, 0,
				       &s), 20);
	assert_int_equal(buf[1], 0x03);
	assert_int_equal(buf[4], 0x9e);
	assert_int_equal(buf[5], 0x10);
	/* REPORT TARGET PORT GROUPS: PARAMETER DATA FORMAT and the SA. */
	assert_int_equal(kiss_rsoc_one(buf, sizeof(buf), 3,
				       KISS_SCSI_MAINTENANCE_IN,
				       KISS_MI_REPORT_TARGET_PGS, false, 0,
				       &s), 16);
	assert_int_equal(buf[5], 0xea);
	assert_int_equal(buf[10], 0xff);
	/* Unknown service action, undecoded and unknown opcodes, hidden. */
	assert_int_equal(kiss_rsoc_one(buf, sizeof(buf), 2,
				       KISS_SCSI_SERVICE_ACTION_IN_16, 0x11,
				       false, 0, &s), 4);
	assert_int_equal(buf[1], 0x01);
	assert_int_equal(get_unaligned_be16(buf + 2), 0);
	assert_int_equal(kiss_rsoc_one(buf, sizeof(buf), 1, KISS_SCSI_UNMAP,
				       0, true, KISS_OPF_THIN, &s),
			 4);
	assert_int_equal(buf[1], 0x01);
	assert_int_equal(kiss_rsoc_one(buf, sizeof(buf), 3, 0xc0, 0, false, 0,
				       &s), 4);
	assert_int_equal(buf[1], 0x01);
	assert_int_equal(kiss_rsoc_one(buf, sizeof(buf), 1, KISS_SCSI_UNMAP,
				       0, false, KISS_OPF_THIN, &s), 4);
	assert_int_equal(buf[1], 0x01);
	/* Bounded by a tiny buffer. */
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(kiss_rsoc_one(buf, 3, 1, KISS_SCSI_WRITE_16, 0,
				       false, 0, &s), 20);
	assert_int_equal(buf[1], 0x03);
	assert_int_equal(buf[3], 0xaa);
	assert_int_equal(kiss_rsoc_one(NULL, 0, 1, KISS_SCSI_WRITE_16, 0,
				       false, 0, &s), 20);
}

static void test_rsoc_build(void **state)
{
	u8 cdb[KISS_CDB_MAX_LEN] = { KISS_SCSI_MAINTENANCE_IN,
				     KISS_MI_REPORT_SUPPORTED_OPCODES };
	struct kiss_sense_info s;
	struct kiss_cdb c;
	u8 buf[16];

	(void)state;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(kiss_rsoc_build(buf, sizeof(buf), &c, 0, &s),
			 (int)kiss_rsoc_all(NULL, 0, false, 0));
	cdb[2] = 0x01;
	cdb[3] = KISS_SCSI_INQUIRY;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(kiss_rsoc_build(buf, sizeof(buf), &c, 0, &s), 10);
	assert_int_equal(buf[4], KISS_SCSI_INQUIRY);
	cdb[2] = 0x02;
	assert_int_equal(decode(cdb, &c), 0);
	assert_int_equal(kiss_rsoc_build(buf, sizeof(buf), &c, 0, &s),
			 -KISS_CDB_ERR_FIELD);
}

/* An EXTENDED COPY(LID1) list: @nt CSCDs, @ns block-to-block segments. */
static u32 xcopy_list(u8 *buf, unsigned int nt, unsigned int ns)
{
	static const u8 naa[16] = { 0x30, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	u32 off = KISS_XCOPY_HDR_LEN;
	unsigned int i;

	memset(buf, 0, 1024);
	buf[0] = 1;				/* list identifier */
	put_unaligned_be16(nt * KISS_XCOPY_TARGET_LEN, buf + 2);
	put_unaligned_be32(ns * KISS_XCOPY_B2B_LEN, buf + 8);
	for (i = 0; i < nt; i++, off += KISS_XCOPY_TARGET_LEN) {
		buf[off] = 0xe4;
		buf[off + 4] = 0x01;		/* binary */
		buf[off + 5] = 0x03;		/* LU, NAA */
		buf[off + 7] = sizeof(naa);
		memcpy(buf + off + 8, naa, sizeof(naa));
		put_unaligned_be32(512, buf + off + 28);
	}
	for (i = 0; i < ns; i++, off += KISS_XCOPY_B2B_LEN) {
		buf[off] = 0x02;
		put_unaligned_be16(0x18, buf + off + 2);
		put_unaligned_be16(nt - 1, buf + off + 6);
		put_unaligned_be16(2048, buf + off + 10);
		put_unaligned_be64(i, buf + off + 12);
		put_unaligned_be64(100000 + i, buf + off + 20);
	}
	return off;
}

static void assert_xcopy_refused(const u8 *buf, u32 len, u8 key, u8 asc,
				 u8 ascq)
{
	struct kiss_xcopy_list l;
	struct kiss_sense_info s;

	assert_int_equal(kiss_xcopy_parse(buf, len, &l, &s), -EINVAL);
	assert_int_equal(s.key, key);
	assert_int_equal(s.asc, asc);
	assert_int_equal(s.ascq, ascq);
}

static void test_xcopy_parse(void **state)
{
	struct kiss_xcopy_list l;
	struct kiss_sense_info s;
	u8 buf[1024] = { 0 };
	u32 len;

	(void)state;
	/* nothing to copy */
	assert_int_equal(kiss_xcopy_parse(buf, 0, &l, &s), 0);
	assert_int_equal(l.nr_segments, 0);

	len = xcopy_list(buf, 2, 2);
	buf[1] = 0x10;				/* LIST ID USAGE 10b */
	assert_int_equal(kiss_xcopy_parse(buf, len, &l, &s), 0);
	assert_int_equal(l.list_id, 1);
	assert_int_equal(l.list_id_usage, 2);
	assert_int_equal(l.nr_targets, 2);
	assert_int_equal(l.nr_segments, 2);
	assert_true(l.targets[1].naa);
	assert_int_equal(l.targets[1].id_len, 16);
	assert_int_equal(l.targets[1].block_len, 512);
	assert_int_equal(l.segments[1].src, 0);
	assert_int_equal(l.segments[1].dst, 1);
	assert_int_equal(l.segments[1].nr_blocks, 2048);
	assert_int_equal(l.segments[1].src_lba, 1);
	assert_int_equal(l.segments[1].dst_lba, 100001);
	/* more bytes than the lists need are fine */
	assert_int_equal(kiss_xcopy_parse(buf, len + 100, &l, &s), 0);

	/* a list cut short: PARAMETER LIST LENGTH ERROR */
	assert_xcopy_refused(buf, len - 1, 5, 0x1a, 0);
	assert_xcopy_refused(buf, 15, 5, 0x1a, 0);
	/* the limits RECEIVE COPY RESULTS reports, list length first */
	len = xcopy_list(buf, 3, 1);
	assert_xcopy_refused(buf, len, 5, 0x26, 0x06);
	len = xcopy_list(buf, 1, 9);
	assert_xcopy_refused(buf, len, 5, 0x26, 0x08);
	len = xcopy_list(buf, 3, 9);
	assert_xcopy_refused(buf, len, 5, 0x1a, 0);
	/* descriptor types kiss does not offer */
	len = xcopy_list(buf, 1, 1);
	buf[KISS_XCOPY_HDR_LEN] = 0xe0;
	assert_xcopy_refused(buf, len, 5, 0x26, 0x07);
	len = xcopy_list(buf, 1, 1);
	buf[KISS_XCOPY_HDR_LEN + KISS_XCOPY_TARGET_LEN] = 0x03;
	assert_xcopy_refused(buf, len, 5, 0x26, 0x09);
	/* a segment naming a CSCD that is not there: COPY ABORTED */
	len = xcopy_list(buf, 1, 1);
	buf[KISS_XCOPY_HDR_LEN + KISS_XCOPY_TARGET_LEN + 7] = 1;
	assert_xcopy_refused(buf, len, 0xa, 0x0d, 0x02);
	/* inline data, a designator longer than a descriptor holds */
	len = xcopy_list(buf, 1, 1);
	buf[15] = 4;
	assert_xcopy_refused(buf, len, 5, 0x26, 0);
	len = xcopy_list(buf, 1, 1);
	buf[KISS_XCOPY_HDR_LEN + 7] = 21;
	assert_xcopy_refused(buf, len, 5, 0x26, 0);
	/* a segment descriptor length that overruns the list */
	len = xcopy_list(buf, 1, 1);
	put_unaligned_be16(0x40, buf + KISS_XCOPY_HDR_LEN +
			   KISS_XCOPY_TARGET_LEN + 2);
	assert_xcopy_refused(buf, len, 5, 0x1a, 0);
	/* the NUL bit is the caller's to refuse */
	len = xcopy_list(buf, 1, 1);
	buf[KISS_XCOPY_HDR_LEN + 1] = 0x20;
	assert_int_equal(kiss_xcopy_parse(buf, len, &l, &s), 0);
	assert_true(l.targets[0].nul);

	assert_int_equal(kiss_xcopy_op_params(buf), KISS_XCOPY_OP_PARAMS_LEN);
	assert_int_equal(get_unaligned_be16(buf + 8), KISS_XCOPY_MAX_TARGETS);
	assert_int_equal(get_unaligned_be16(buf + 10),
			 KISS_XCOPY_MAX_SEGMENTS);
	assert_int_equal(buf[43], 2);

	/* COPY STATUS: 8 bytes after the length, the count in KiB */
	memset(buf, 0xee, 16);
	assert_int_equal(kiss_xcopy_copy_status(buf, KISS_XCOPY_DONE, 3,
						(5ULL << 20) + 1023),
			 KISS_XCOPY_COPY_STATUS_LEN);
	assert_int_equal(get_unaligned_be32(buf), 8);
	assert_int_equal(buf[4], 0x01);
	assert_int_equal(get_unaligned_be16(buf + 5), 3);
	assert_int_equal(buf[7], 1);
	assert_int_equal(get_unaligned_be32(buf + 8), 5 * 1024);
	assert_int_equal(buf[12], 0xee);
	kiss_xcopy_copy_status(buf, KISS_XCOPY_IN_PROGRESS, 0, 1ULL << 60);
	assert_int_equal(buf[4], 0);
	assert_int_equal(get_unaligned_be32(buf + 8), 0xffffffff);
}

/* A REGISTER AND MOVE list to @tpid_text's port; the list's length. */
static u32 pr_move_list(u8 *buf, const char *tpid_text)
{
	u32 text_len = strlen(tpid_text) + 1;
	u32 add_len = (text_len + 3) & ~3u;

	if (add_len < 20)
		add_len = 20;
	memset(buf, 0, KISS_PR_MOVE_HDR_LEN + 4 + add_len);
	put_unaligned_be64(0x1111, buf);
	put_unaligned_be64(0x2222, buf + 8);
	buf[17] = 0x02;				/* UNREG */
	put_unaligned_be16(3, buf + 18);	/* RTPI */
	put_unaligned_be32(4 + add_len, buf + 20);
	buf[24] = 0x45;				/* format 01b, iSCSI */
	put_unaligned_be16(add_len, buf + 26);
	memcpy(buf + 28, tpid_text, text_len);
	return KISS_PR_MOVE_HDR_LEN + 4 + add_len;
}

static void assert_pr_move_refused(const u8 *buf, u32 len, u8 asc,
				   int field)
{
	struct kiss_pr_move m;
	struct kiss_sense_info s;
	u8 sense[KISS_SENSE_MAX_LEN];

	assert_int_equal(kiss_pr_move_parse(buf, len, &m, &s), -EINVAL);
	assert_int_equal(s.key, 5);
	assert_int_equal(s.asc, asc);
	assert_int_equal(s.ascq, 0);
	if (field < 0)
		return;
	/* the sense-key specific field points into the parameter list */
	assert_int_equal(kiss_sense_build(sense, sizeof(sense), &s, false),
			 KISS_SENSE_FIXED_LEN);
	assert_int_equal(sense[15] & 0xc0, 0x80);	/* SKSV, C/D = 0 */
	assert_int_equal(get_unaligned_be16(sense + 16), field);
}

static void test_pr_move_parse(void **state)
{
	static const char port[] = "iqn.2026-11.org.kiss:node2,i,0x23d000000a1B";
	struct kiss_pr_move m;
	struct kiss_sense_info s;
	u8 buf[KISS_PR_MOVE_MAX_LEN + 64];
	char name[KISS_PR_NAME_MAX + 2];
	char text[KISS_PR_NAME_MAX + 32];
	u32 len;

	(void)state;
	len = pr_move_list(buf, port);
	assert_int_equal(len % 4, 0);
	assert_int_equal(kiss_pr_move_parse(buf, len, &m, &s), 0);
	assert_int_equal(m.key, 0x1111);
	assert_int_equal(m.sa_key, 0x2222);
	assert_true(m.unreg);
	assert_false(m.aptpl);
	assert_int_equal(m.rtpi, 3);
	assert_string_equal(m.name, "iqn.2026-11.org.kiss:node2");
	assert_memory_equal(m.isid, "\x23\xd0\x00\x00\x0a\x1b", 6);

	/* the list is the header and the TransportID, to the byte */
	assert_pr_move_refused(buf, len - 4, 0x1a, -1);
	assert_pr_move_refused(buf, len + 4, 0x1a, -1);
	assert_pr_move_refused(buf, 23, 0x1a, -1);
	assert_pr_move_refused(buf, 0, 0x1a, -1);
	/* TRANSPORTID PARAMETER DATA LENGTH below what an iSCSI one needs */
	len = pr_move_list(buf, port);
	put_unaligned_be32(20, buf + 20);
	assert_pr_move_refused(buf, 44, 0x26, 20);
	/* not iSCSI; a name without ISID (format 00b) names no port */
	len = pr_move_list(buf, port);
	buf[24] = 0x44;
	assert_pr_move_refused(buf, len, 0x26, 24);
	buf[24] = 0x05;
	assert_pr_move_refused(buf, len, 0x26, 24);
	/* ADDITIONAL LENGTH: a multiple of four, and what the list holds */
	len = pr_move_list(buf, port);
	put_unaligned_be16(get_unaligned_be16(buf + 26) - 4, buf + 26);
	assert_pr_move_refused(buf, len, 0x26, 26);
	len = pr_move_list(buf, port);
	put_unaligned_be16(get_unaligned_be16(buf + 26) - 1, buf + 26);
	assert_pr_move_refused(buf, len, 0x26, 26);

	/* malformed ports */
	len = pr_move_list(buf, "iqn.2026-11.org.kiss:node2,i,0x23d000000a1");
	assert_pr_move_refused(buf, len, 0x26, 28);
	len = pr_move_list(buf, "iqn.2026-11.org.kiss:node2,i,0x23d000000a1bc");
	assert_pr_move_refused(buf, len, 0x26, 28);
	len = pr_move_list(buf, "iqn.2026-11.org.kiss:node2,i,0x23d000000a1g");
	assert_pr_move_refused(buf, len, 0x26, 28);
	len = pr_move_list(buf, "iqn.2026-11.org.kiss:node2,t,0x23d000000a1b");
	assert_pr_move_refused(buf, len, 0x26, 28);
	len = pr_move_list(buf, ",i,0x23d000000a1b");
	assert_pr_move_refused(buf, len, 0x26, 28);
	len = pr_move_list(buf, "iqn.2026-11.org kiss:node2,i,0x23d000000a1b");
	assert_pr_move_refused(buf, len, 0x26, 28);
	len = pr_move_list(buf, "iqn.2026-11.org.kiss:node2");
	assert_pr_move_refused(buf, len, 0x26, 28);
	/* no NUL inside ADDITIONAL LENGTH: the ISID runs to its end */
	len = pr_move_list(buf, port);
	assert_int_equal(get_unaligned_be16(buf + 26), 44);
	buf[28 + 43] = 'c';
	assert_pr_move_refused(buf, len, 0x26, 28);
	/* a TransportID longer than any iSCSI port's */
	len = pr_move_list(buf, port);
	put_unaligned_be32(KISS_PR_TPID_MAX_LEN + 4, buf + 20);
	put_unaligned_be16(KISS_PR_TPID_MAX_LEN, buf + 26);
	assert_pr_move_refused(buf, KISS_PR_MOVE_MAX_LEN + 4, 0x26, 20);

	/* the longest name fits; one more character does not */
	memset(name, 'n', sizeof(name));
	name[KISS_PR_NAME_MAX] = '\0';
	snprintf(text, sizeof(text), "%s,i,0x000000000001", name);
	len = pr_move_list(buf, text);
	assert_int_equal(len, KISS_PR_MOVE_MAX_LEN);
	assert_int_equal(kiss_pr_move_parse(buf, len, &m, &s), 0);
	assert_int_equal(strlen(m.name), KISS_PR_NAME_MAX);
	name[KISS_PR_NAME_MAX] = 'n';
	name[KISS_PR_NAME_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "%s,i,0x000000000001", name);
	len = pr_move_list(buf, text);
	assert_pr_move_refused(buf, len, 0x26, 28);
}

static void test_err_str(void **state)
{
	(void)state;
	assert_string_equal(kiss_cdb_err_str(0), "ok");
	assert_string_equal(kiss_cdb_err_str(-KISS_CDB_ERR_RANGE),
			    "LBA out of range");
	assert_string_equal(kiss_cdb_err_str(KISS_CDB_ERR_OPCODE),
			    "unsupported operation code");
	assert_string_equal(kiss_cdb_err_str(-KISS_CDB_ERR_COUNT), "unknown");
	assert_string_equal(kiss_cdb_err_str(-1000), "unknown");
	assert_string_equal(kiss_cdb_err_str(INT_MIN), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_len),
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_table_reserved_bits),
		cmocka_unit_test(test_read6_zero_is_256),
		cmocka_unit_test(test_read6_lun_bits_ignored),
		cmocka_unit_test(test_write10_fua),
		cmocka_unit_test(test_read12_read16_fields),
		cmocka_unit_test(test_read16_lba_overflow),
		cmocka_unit_test(test_range_boundaries),
		cmocka_unit_test(test_unsupported_opcode),
		cmocka_unit_test(test_unsupported_service_action),
		cmocka_unit_test(test_reserved_bits_refused),
		cmocka_unit_test(test_control_byte),
		cmocka_unit_test(test_protection_refused),
		cmocka_unit_test(test_verify_bytchk),
		cmocka_unit_test(test_write_and_verify),
		cmocka_unit_test(test_write_same),
		cmocka_unit_test(test_unmap),
		cmocka_unit_test(test_compare_and_write),
		cmocka_unit_test(test_sync_cache_prefetch),
		cmocka_unit_test(test_inquiry),
		cmocka_unit_test(test_mode_sense_select),
		cmocka_unit_test(test_misc_commands),
		cmocka_unit_test(test_report_luns),
		cmocka_unit_test(test_service_action_in),
		cmocka_unit_test(test_maintenance_in),
		cmocka_unit_test(test_persistent_reserve),
		cmocka_unit_test(test_short_cdb),
		cmocka_unit_test(test_sense_fixed_layout),
		cmocka_unit_test(test_sense_descriptor_layout),
		cmocka_unit_test(test_sense_truncated),
		cmocka_unit_test(test_sense_parse),
		cmocka_unit_test(test_sense_table),
		cmocka_unit_test(test_io_sense),
		cmocka_unit_test(test_lun_encode),
		cmocka_unit_test(test_lun_decode),
		cmocka_unit_test(test_rsoc_all),
		cmocka_unit_test(test_rsoc_all_bounded),
		cmocka_unit_test(test_rsoc_one),
		cmocka_unit_test(test_rsoc_build),
		cmocka_unit_test(test_xcopy_parse),
		cmocka_unit_test(test_pr_move_parse),
		cmocka_unit_test(test_err_str),
	};

	return cmocka_run_group_tests_name("scsi", tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * SCSI CDB decoding, sense data, the supported-opcode table and LUN
 * addressing (SAM-5, SPC-4, SBC-3).
 *
 * Which bits of a CDB kiss accepts follows LIO's target_core_sbc.c and
 * target_core_spc.c where the standards leave room: protection
 * information, ANCHOR and the obsolete PBDATA/LBDATA are refused because
 * kiss implements none of them, while obsolete and vendor specific bits
 * that real initiators still set (FUA_NV, the SCSI-2 LUN field, the
 * control byte's vendor bits) are ignored.
 */
#include "scsi.h"

/* Control byte: NACA and LINK are checked, both must be zero. */
#define KISS_CTL_USE	0x05
/* Control byte: vendor specific bits 7:6 and the obsolete FLAG bit. */
#define KISS_CTL_IGN	0xc2
/* Byte 1 bits 7:5 carried the LUN in SCSI-2; reserved since. */
#define KISS_LUN_IGN	0xe0
/* GROUP NUMBER (6 bits in SBC-4): decoded, but nothing acts on it. */
#define KISS_GRP_IGN	0x3f

#define KISS_NO_BIT	(-1)

#define KISS_BLK6(op)	{ op, 0x1f, 0xff, 0xff, 0xff, KISS_CTL_USE }

/* PERSISTENT RESERVE IN and OUT: one row per service action. */
#define KISS_PRIN(_sa, _name) {						\
	.name = _name, .opcode = KISS_SCSI_PR_IN, .cdb_len = 10,	\
	.sa = _sa, .flags = KISS_OPF_DECODED | KISS_OPF_SA | KISS_OPF_PR, \
	.usage = { KISS_SCSI_PR_IN, 0, 0, 0, 0, 0, 0, 0xff, 0xff,	\
		   KISS_CTL_USE },					\
	.ignore = { [9] = KISS_CTL_IGN },				\
}

#define KISS_PROUT(_sa, _name) {					\
	.name = _name, .opcode = KISS_SCSI_PR_OUT, .cdb_len = 10,	\
	.sa = _sa, .flags = KISS_OPF_DECODED | KISS_OPF_SA | KISS_OPF_PR, \
	.usage = { KISS_SCSI_PR_OUT, 0, 0xff, 0, 0, 0xff, 0xff, 0xff,	\
		   0xff, KISS_CTL_USE },				\
	.ignore = { [9] = KISS_CTL_IGN },				\
}

/*
 * Sorted by opcode, then service action, for kiss_opcode_lookup().  The
 * CDB layouts are SPC-4 and SBC-3 (r36) section by section; a bit that
 * neither @usage nor @ignore has is reserved, and kiss_cdb_decode()
 * refuses it with a field pointer.  Every service action here is byte 1
 * bits 4:0; it is left out of @usage and added when reported.
 */
static const struct kiss_opcode_info kiss_opcodes[] = {
	{
		.name = "TEST UNIT READY", .opcode = 0x00, .cdb_len = 6,
		.flags = KISS_OPF_DECODED,
		.usage = { 0x00, 0, 0, 0, 0, KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN, 0, 0, 0, KISS_CTL_IGN },
	}, {
		.name = "REQUEST SENSE", .opcode = 0x03, .cdb_len = 6,
		.flags = KISS_OPF_DECODED,
		.usage = { 0x03, 0x01, 0, 0, 0xff, KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN, 0, 0, 0, KISS_CTL_IGN },
	}, {
		.name = "READ(6)", .opcode = 0x08, .cdb_len = 6,
		.kind = KISS_CDB_READ, .flags = KISS_OPF_DECODED,
		.usage = KISS_BLK6(0x08),
		.ignore = { 0, KISS_LUN_IGN, 0, 0, 0, KISS_CTL_IGN },
	}, {
		.name = "WRITE(6)", .opcode = 0x0a, .cdb_len = 6,
		.kind = KISS_CDB_WRITE,
		.flags = KISS_OPF_DECODED | KISS_OPF_WRITE,
		.usage = KISS_BLK6(0x0a),
		.ignore = { 0, KISS_LUN_IGN, 0, 0, 0, KISS_CTL_IGN },
	}, {
		/* Byte 1 bit 1 is the obsolete CMDDT. */
		.name = "INQUIRY", .opcode = 0x12, .cdb_len = 6,
		.flags = KISS_OPF_DECODED,
		.usage = { 0x12, 0x01, 0xff, 0xff, 0xff, KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN | 0x02, 0, 0, 0, KISS_CTL_IGN },
	}, {
		.name = "MODE SELECT(6)", .opcode = 0x15, .cdb_len = 6,
		.flags = KISS_OPF_DECODED,
		.usage = { 0x15, 0x11, 0, 0, 0xff, KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN, 0, 0, 0, KISS_CTL_IGN },
	}, {
		/* Extents and third-party reservations are refused. */
		.name = "RESERVE(6)", .opcode = 0x16, .cdb_len = 6,
		.flags = KISS_OPF_DECODED | KISS_OPF_RESERVE,
		.usage = { 0x16, 0, 0, 0, 0, KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN, 0xff, 0xff, 0xff, KISS_CTL_IGN },
	}, {
		.name = "RELEASE(6)", .opcode = 0x17, .cdb_len = 6,
		.flags = KISS_OPF_DECODED | KISS_OPF_RESERVE,
		.usage = { 0x17, 0, 0, 0, 0, KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN, 0xff, 0xff, 0xff, KISS_CTL_IGN },
	}, {
		.name = "MODE SENSE(6)", .opcode = 0x1a, .cdb_len = 6,
		.flags = KISS_OPF_DECODED,
		.usage = { 0x1a, 0x08, 0xff, 0xff, 0xff, KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN, 0, 0, 0, KISS_CTL_IGN },
	}, {
		/* No power conditions: the modifier is not looked at. */
		.name = "START STOP UNIT", .opcode = 0x1b, .cdb_len = 6,
		.flags = KISS_OPF_DECODED,
		.usage = { 0x1b, 0x01, 0, 0, 0xf7, KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN, 0, 0x0f, 0, KISS_CTL_IGN },
	}, {
		.name = "PREVENT ALLOW MEDIUM REMOVAL", .opcode = 0x1e,
		.cdb_len = 6, .flags = KISS_OPF_DECODED,
		.usage = { 0x1e, 0, 0, 0, 0x03, KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN, 0, 0, 0, KISS_CTL_IGN },
	}, {
		/* RELADR, LBA and PMI are obsolete (SBC-4) and ignored. */
		.name = "READ CAPACITY(10)", .opcode = 0x25, .cdb_len = 10,
		.flags = KISS_OPF_DECODED,
		.usage = { 0x25, 0, 0, 0, 0, 0, 0, 0, 0, KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN | 0x01, 0xff, 0xff, 0xff, 0xff,
			    0, 0, 0x01, KISS_CTL_IGN },
	}, {
		/* FUA_NV and RELADR (byte 1 bits 1:0) are obsolete. */
		.name = "READ(10)", .opcode = 0x28, .cdb_len = 10,
		.kind = KISS_CDB_READ, .flags = KISS_OPF_DECODED,
		.usage = { 0x28, 0xf8, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff,
			   KISS_CTL_USE },
		.ignore = { 0, 0x03, 0, 0, 0, 0, KISS_GRP_IGN, 0, 0,
			    KISS_CTL_IGN },
	}, {
		.name = "WRITE(10)", .opcode = 0x2a, .cdb_len = 10,
		.kind = KISS_CDB_WRITE,
		.flags = KISS_OPF_DECODED | KISS_OPF_WRITE,
		.usage = { 0x2a, 0xf8, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff,
			   KISS_CTL_USE },
		.ignore = { 0, 0x03, 0, 0, 0, 0, KISS_GRP_IGN, 0, 0,
			    KISS_CTL_IGN },
	}, {
		/*
		 * Byte 1 bit 3 is reserved, but LIO reads it as FUA, so an
		 * initiator may set it; the write goes through anyway.
		 */
		.name = "WRITE AND VERIFY(10)", .opcode = 0x2e, .cdb_len = 10,
		.kind = KISS_CDB_WRITE,
		.flags = KISS_OPF_DECODED | KISS_OPF_WRITE,
		.usage = { 0x2e, 0xf6, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff,
			   KISS_CTL_USE },
		.ignore = { 0, 0x09, 0, 0, 0, 0, KISS_GRP_IGN, 0, 0,
			    KISS_CTL_IGN },
	}, {
		.name = "VERIFY(10)", .opcode = 0x2f, .cdb_len = 10,
		.kind = KISS_CDB_VERIFY, .flags = KISS_OPF_DECODED,
		.usage = { 0x2f, 0xf6, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff,
			   KISS_CTL_USE },
		.ignore = { 0, 0x01, 0, 0, 0, 0, KISS_GRP_IGN, 0, 0,
			    KISS_CTL_IGN },
	}, {
		.name = "PRE-FETCH(10)", .opcode = 0x34, .cdb_len = 10,
		.flags = KISS_OPF_DECODED,
		.usage = { 0x34, 0x02, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff,
			   KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN | 0x01, 0, 0, 0, 0, KISS_GRP_IGN,
			    0, 0, KISS_CTL_IGN },
	}, {
		/* SYNC_NV and RELADR are obsolete. */
		.name = "SYNCHRONIZE CACHE(10)", .opcode = 0x35, .cdb_len = 10,
		.kind = KISS_CDB_FLUSH, .flags = KISS_OPF_DECODED,
		.usage = { 0x35, 0x02, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff,
			   KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN | 0x05, 0, 0, 0, 0, KISS_GRP_IGN,
			    0, 0, KISS_CTL_IGN },
	}, {
		/* SBC-3 5.16: no defects to report, in any format */
		.name = "READ DEFECT DATA(10)", .opcode = 0x37, .cdb_len = 10,
		.flags = KISS_OPF_DECODED,
		.usage = { 0x37, 0, 0x1f, 0, 0, 0, 0, 0xff, 0xff,
			   KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN, [9] = KISS_CTL_IGN },
	}, {
		/* PBDATA and LBDATA are evaluated only to be refused. */
		.name = "WRITE SAME(10)", .opcode = 0x41, .cdb_len = 10,
		.kind = KISS_CDB_WRITE_SAME,
		.flags = KISS_OPF_DECODED | KISS_OPF_WRITE,
		.usage = { 0x41, 0xfe, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff,
			   KISS_CTL_USE },
		.ignore = { 0, 0x01, 0, 0, 0, 0, KISS_GRP_IGN, 0, 0,
			    KISS_CTL_IGN },
	}, {
		.name = "UNMAP", .opcode = 0x42, .cdb_len = 10,
		.kind = KISS_CDB_UNMAP,
		.flags = KISS_OPF_DECODED | KISS_OPF_WRITE | KISS_OPF_THIN,
		.usage = { 0x42, 0x01, 0, 0, 0, 0, 0, 0xff, 0xff,
			   KISS_CTL_USE },
		.ignore = { 0, 0, 0, 0, 0, 0, KISS_GRP_IGN, 0, 0,
			    KISS_CTL_IGN },
	}, {
		.name = "MODE SELECT(10)", .opcode = 0x55, .cdb_len = 10,
		.flags = KISS_OPF_DECODED,
		.usage = { 0x55, 0x11, 0, 0, 0, 0, 0, 0xff, 0xff,
			   KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN, 0, 0, 0, 0, 0, 0, 0,
			    KISS_CTL_IGN },
	}, {
		/*
		 * 3RDPTY and LONGID are refused as reserved; the obsolete
		 * reservation identification and the third party device id
		 * mean nothing without them.
		 */
		.name = "RESERVE(10)", .opcode = 0x56, .cdb_len = 10,
		.flags = KISS_OPF_DECODED | KISS_OPF_RESERVE,
		.usage = { 0x56, 0, 0, 0, 0, 0, 0, 0xff, 0xff, KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN | 0x01, 0xff, 0xff, 0, 0, 0, 0, 0,
			    KISS_CTL_IGN },
	}, {
		.name = "RELEASE(10)", .opcode = 0x57, .cdb_len = 10,
		.flags = KISS_OPF_DECODED | KISS_OPF_RESERVE,
		.usage = { 0x57, 0, 0, 0, 0, 0, 0, 0xff, 0xff, KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN | 0x01, 0xff, 0xff, 0, 0, 0, 0, 0,
			    KISS_CTL_IGN },
	}, {
		.name = "MODE SENSE(10)", .opcode = 0x5a, .cdb_len = 10,
		.flags = KISS_OPF_DECODED,
		.usage = { 0x5a, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff,
			   KISS_CTL_USE },
		.ignore = { 0, KISS_LUN_IGN, 0, 0, 0, 0, 0, 0, 0,
			    KISS_CTL_IGN },
	},
	KISS_PRIN(KISS_PRIN_READ_KEYS, "PERSISTENT RESERVE IN/READ KEYS"),
	KISS_PRIN(KISS_PRIN_READ_RESERVATION,
		  "PERSISTENT RESERVE IN/READ RESERVATION"),
	KISS_PRIN(KISS_PRIN_REPORT_CAPABILITIES,
		  "PERSISTENT RESERVE IN/REPORT CAPABILITIES"),
	KISS_PRIN(KISS_PRIN_READ_FULL_STATUS,
		  "PERSISTENT RESERVE IN/READ FULL STATUS"),
	KISS_PROUT(KISS_PROUT_REGISTER, "PERSISTENT RESERVE OUT/REGISTER"),
	KISS_PROUT(KISS_PROUT_RESERVE, "PERSISTENT RESERVE OUT/RESERVE"),
	KISS_PROUT(KISS_PROUT_RELEASE, "PERSISTENT RESERVE OUT/RELEASE"),
	KISS_PROUT(KISS_PROUT_CLEAR, "PERSISTENT RESERVE OUT/CLEAR"),
	KISS_PROUT(KISS_PROUT_PREEMPT, "PERSISTENT RESERVE OUT/PREEMPT"),
	KISS_PROUT(KISS_PROUT_PREEMPT_AND_ABORT,
		   "PERSISTENT RESERVE OUT/PREEMPT AND ABORT"),
	KISS_PROUT(KISS_PROUT_REGISTER_AND_IGNORE,
		   "PERSISTENT RESERVE OUT/REGISTER AND IGNORE EXISTING KEY"),
	KISS_PROUT(KISS_PROUT_REGISTER_AND_MOVE,
		   "PERSISTENT RESERVE OUT/REGISTER AND MOVE"),
	{
		/* SPC-4 6.4: copies between the target's own LUNs. */
		.name = "EXTENDED COPY(LID1)", .opcode = 0x83, .cdb_len = 16,
		.sa = KISS_XCOPY_LID1,
		.flags = KISS_OPF_DECODED | KISS_OPF_SA | KISS_OPF_WRITE,
		.usage = { 0x83, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff,
			   0xff, 0, KISS_CTL_USE },
		.ignore = { [15] = KISS_CTL_IGN },
	}, {
		.name = "RECEIVE COPY RESULTS/COPY STATUS",
		.opcode = 0x84, .cdb_len = 16,
		.sa = KISS_RCR_COPY_STATUS,
		.flags = KISS_OPF_DECODED | KISS_OPF_SA,
		.usage = { 0x84, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff,
			   0xff, 0, KISS_CTL_USE },
		.ignore = { [15] = KISS_CTL_IGN },
	}, {
		.name = "RECEIVE COPY RESULTS/OPERATING PARAMETERS",
		.opcode = 0x84, .cdb_len = 16,
		.sa = KISS_RCR_OPERATING_PARAMS,
		.flags = KISS_OPF_DECODED | KISS_OPF_SA,
		.usage = { 0x84, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff,
			   0xff, 0, KISS_CTL_USE },
		.ignore = { [15] = KISS_CTL_IGN },
	}, {
		/* Byte 1 bit 0 and byte 14 bits 7:6 are the DLD hints. */
		.name = "READ(16)", .opcode = 0x88, .cdb_len = 16,
		.kind = KISS_CDB_READ, .flags = KISS_OPF_DECODED,
		.usage = { 0x88, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
			   KISS_CTL_USE },
		.ignore = { 0, 0x03, [14] = 0xc0 | KISS_GRP_IGN,
			    [15] = KISS_CTL_IGN },
	}, {
		.name = "COMPARE AND WRITE", .opcode = 0x89, .cdb_len = 16,
		.kind = KISS_CDB_COMPARE_AND_WRITE,
		.flags = KISS_OPF_DECODED | KISS_OPF_WRITE,
		.usage = { 0x89, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0, 0, 0, 0xff, 0, KISS_CTL_USE },
		.ignore = { 0, 0x02, [14] = KISS_GRP_IGN,
			    [15] = KISS_CTL_IGN },
	}, {
		.name = "WRITE(16)", .opcode = 0x8a, .cdb_len = 16,
		.kind = KISS_CDB_WRITE,
		.flags = KISS_OPF_DECODED | KISS_OPF_WRITE,
		.usage = { 0x8a, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
			   KISS_CTL_USE },
		.ignore = { 0, 0x03, [14] = 0xc0 | KISS_GRP_IGN,
			    [15] = KISS_CTL_IGN },
	}, {
		/* SBC-3 5.8: byte 1 bit 1 is FUA_NV, a hint */
		.name = "ORWRITE(16)", .opcode = 0x8b, .cdb_len = 16,
		.kind = KISS_CDB_WRITE,
		.flags = KISS_OPF_DECODED | KISS_OPF_WRITE,
		.usage = { 0x8b, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
			   KISS_CTL_USE },
		.ignore = { 0, 0x02, [14] = KISS_GRP_IGN,
			    [15] = KISS_CTL_IGN },
	}, {
		.name = "WRITE AND VERIFY(16)", .opcode = 0x8e, .cdb_len = 16,
		.kind = KISS_CDB_WRITE,
		.flags = KISS_OPF_DECODED | KISS_OPF_WRITE,
		.usage = { 0x8e, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
			   KISS_CTL_USE },
		.ignore = { 0, 0x08, [14] = KISS_GRP_IGN,
			    [15] = KISS_CTL_IGN },
	}, {
		.name = "VERIFY(16)", .opcode = 0x8f, .cdb_len = 16,
		.kind = KISS_CDB_VERIFY, .flags = KISS_OPF_DECODED,
		.usage = { 0x8f, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
			   KISS_CTL_USE },
		.ignore = { [14] = KISS_GRP_IGN, [15] = KISS_CTL_IGN },
	}, {
		.name = "PRE-FETCH(16)", .opcode = 0x90, .cdb_len = 16,
		.flags = KISS_OPF_DECODED,
		.usage = { 0x90, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
			   KISS_CTL_USE },
		.ignore = { [14] = KISS_GRP_IGN, [15] = KISS_CTL_IGN },
	}, {
		.name = "SYNCHRONIZE CACHE(16)", .opcode = 0x91, .cdb_len = 16,
		.kind = KISS_CDB_FLUSH, .flags = KISS_OPF_DECODED,
		.usage = { 0x91, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
			   KISS_CTL_USE },
		.ignore = { 0, 0x04, [14] = KISS_GRP_IGN,
			    [15] = KISS_CTL_IGN },
	}, {
		/* NDOB (byte 1 bit 0) is evaluated only to be refused. */
		.name = "WRITE SAME(16)", .opcode = 0x93, .cdb_len = 16,
		.kind = KISS_CDB_WRITE_SAME,
		.flags = KISS_OPF_DECODED | KISS_OPF_WRITE,
		.usage = { 0x93, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
			   KISS_CTL_USE },
		.ignore = { [14] = KISS_GRP_IGN, [15] = KISS_CTL_IGN },
	}, {
		/* The obsolete LBA and PMI fields are ignored. */
		.name = "READ CAPACITY(16)", .opcode = 0x9e, .cdb_len = 16,
		.sa = KISS_SAI_READ_CAPACITY_16,
		.flags = KISS_OPF_DECODED | KISS_OPF_SA,
		.usage = { 0x9e, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			   0xff, 0xff, 0xff, 0xff, 0, KISS_CTL_USE },
		.ignore = { 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			    0xff, 0, 0, 0, 0, 0x01, KISS_CTL_IGN },
	}, {
		.name = "GET LBA STATUS", .opcode = 0x9e, .cdb_len = 16,
		.sa = KISS_SAI_GET_LBA_STATUS,
		.flags = KISS_OPF_DECODED | KISS_OPF_SA | KISS_OPF_THIN,
		.usage = { 0x9e, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0,
			   KISS_CTL_USE },
		.ignore = { [15] = KISS_CTL_IGN },
	}, {
		.name = "REPORT LUNS", .opcode = 0xa0, .cdb_len = 12,
		.flags = KISS_OPF_DECODED,
		.usage = { 0xa0, 0, 0xff, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0,
			   KISS_CTL_USE },
		.ignore = { [11] = KISS_CTL_IGN },
	}, {
		.name = "REPORT TARGET PORT GROUPS", .opcode = 0xa3,
		.cdb_len = 12, .sa = KISS_MI_REPORT_TARGET_PGS,
		.flags = KISS_OPF_DECODED | KISS_OPF_SA,
		.usage = { 0xa3, 0xe0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0,
			   KISS_CTL_USE },
		.ignore = { [11] = KISS_CTL_IGN },
	}, {
		.name = "REPORT SUPPORTED OPERATION CODES", .opcode = 0xa3,
		.cdb_len = 12, .sa = KISS_MI_REPORT_SUPPORTED_OPCODES,
		.flags = KISS_OPF_DECODED | KISS_OPF_SA,
		.usage = { 0xa3, 0, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0, KISS_CTL_USE },
		.ignore = { [11] = KISS_CTL_IGN },
	}, {
		.name = "SET TARGET PORT GROUPS", .opcode = 0xa4,
		.cdb_len = 12, .sa = KISS_MO_SET_TARGET_PGS,
		.flags = KISS_OPF_DECODED | KISS_OPF_SA | KISS_OPF_ALUA,
		.usage = { 0xa4, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0,
			   KISS_CTL_USE },
		.ignore = { [11] = KISS_CTL_IGN },
	}, {
		/* Byte 10 bit 7 is restricted for MMC (streaming). */
		.name = "READ(12)", .opcode = 0xa8, .cdb_len = 12,
		.kind = KISS_CDB_READ, .flags = KISS_OPF_DECODED,
		.usage = { 0xa8, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0, KISS_CTL_USE },
		.ignore = { 0, 0x03, [10] = 0x80 | KISS_GRP_IGN,
			    [11] = KISS_CTL_IGN },
	}, {
		.name = "WRITE(12)", .opcode = 0xaa, .cdb_len = 12,
		.kind = KISS_CDB_WRITE,
		.flags = KISS_OPF_DECODED | KISS_OPF_WRITE,
		.usage = { 0xaa, 0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0, KISS_CTL_USE },
		.ignore = { 0, 0x03, [10] = 0x80 | KISS_GRP_IGN,
			    [11] = KISS_CTL_IGN },
	}, {
		.name = "WRITE AND VERIFY(12)", .opcode = 0xae, .cdb_len = 12,
		.kind = KISS_CDB_WRITE,
		.flags = KISS_OPF_DECODED | KISS_OPF_WRITE,
		.usage = { 0xae, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0, KISS_CTL_USE },
		.ignore = { 0, 0x09, [10] = KISS_GRP_IGN,
			    [11] = KISS_CTL_IGN },
	}, {
		.name = "VERIFY(12)", .opcode = 0xaf, .cdb_len = 12,
		.kind = KISS_CDB_VERIFY, .flags = KISS_OPF_DECODED,
		.usage = { 0xaf, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0, KISS_CTL_USE },
		.ignore = { 0, 0x01, [10] = KISS_GRP_IGN,
			    [11] = KISS_CTL_IGN },
	}, {
		.name = "READ DEFECT DATA(12)", .opcode = 0xb7, .cdb_len = 12,
		.flags = KISS_OPF_DECODED,
		.usage = { 0xb7, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			   0xff, 0xff, 0, KISS_CTL_USE },
		.ignore = { [11] = KISS_CTL_IGN },
	},
};

/**
 * kiss_cdb_group_len() - CDB length implied by an operation code
 * @opcode: the first byte of the CDB
 *
 * Return: 6, 10, 12 or 16, or 0 for group 3 (variable length, which kiss
 * does not support) and the vendor specific groups 6 and 7.
 */
int kiss_cdb_group_len(u8 opcode)
{
	switch (opcode >> 5) {
	case 0:
		return 6;
	case 1:
	case 2:
		return 10;
	case 4:
		return 16;
	case 5:
		return 12;
	default:
		return 0;
	}
}

/* First row for @opcode, or the row after where it would be. */
static size_t kiss_opcode_first(u8 opcode)
{
	size_t lo = 0, hi = ARRAY_SIZE(kiss_opcodes);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (kiss_opcodes[mid].opcode < opcode)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool kiss_opcode_has_sa(u8 opcode)
{
	size_t i = kiss_opcode_first(opcode);

	return i < ARRAY_SIZE(kiss_opcodes) &&
	       kiss_opcodes[i].opcode == opcode &&
	       (kiss_opcodes[i].flags & KISS_OPF_SA);
}

/**
 * kiss_opcode_lookup() - find a command in the opcode table
 * @opcode: operation code
 * @sa: service action; ignored for an opcode that has none
 *
 * Return: the table row, which may describe a command kiss knows but does
 * not decode (no KISS_OPF_DECODED), or NULL.
 */
const struct kiss_opcode_info *kiss_opcode_lookup(u8 opcode, u16 sa)
{
	size_t i;

	for (i = kiss_opcode_first(opcode); i < ARRAY_SIZE(kiss_opcodes); i++) {
		const struct kiss_opcode_info *op = &kiss_opcodes[i];

		if (op->opcode != opcode)
			break;
		if (!(op->flags & KISS_OPF_SA) || op->sa == sa)
			return op;
	}
	return NULL;
}

/**
 * kiss_opcode_at() - walk the opcode table
 * @i: row index, from 0
 *
 * Return: row @i, or NULL past the end.
 */
const struct kiss_opcode_info *kiss_opcode_at(size_t i)
{
	return i < ARRAY_SIZE(kiss_opcodes) ? &kiss_opcodes[i] : NULL;
}

static const struct {
	u8	key;
	u8	asc;
	u8	ascq;
} kiss_sense_table[KISS_SENSE_COUNT] = {
	[KISS_SENSE_NO_SENSE]		= { KISS_SK_NO_SENSE, 0x00, 0x00 },
	[KISS_SENSE_LUN_NOT_READY]	= { KISS_SK_NOT_READY, 0x04, 0x00 },
	[KISS_SENSE_ALUA_TRANSITION]	= { KISS_SK_NOT_READY, 0x04, 0x0a },
	[KISS_SENSE_ALUA_STANDBY]	= { KISS_SK_NOT_READY, 0x04, 0x0b },
	[KISS_SENSE_ALUA_UNAVAILABLE]	= { KISS_SK_NOT_READY, 0x04, 0x0c },
	[KISS_SENSE_LUN_COMM_FAILURE]	= { KISS_SK_NOT_READY, 0x08, 0x00 },
	[KISS_SENSE_WRITE_ERROR]	= { KISS_SK_MEDIUM_ERROR, 0x0c, 0x00 },
	[KISS_SENSE_READ_ERROR]		= { KISS_SK_MEDIUM_ERROR, 0x11, 0x00 },
	[KISS_SENSE_INTERNAL_TARGET_FAILURE] = {
		KISS_SK_HARDWARE_ERROR, 0x44, 0x00 },
	[KISS_SENSE_PARAM_LIST_LENGTH]	= {
		KISS_SK_ILLEGAL_REQUEST, 0x1a, 0x00 },
	[KISS_SENSE_INVALID_OPCODE]	= {
		KISS_SK_ILLEGAL_REQUEST, 0x20, 0x00 },
	[KISS_SENSE_LBA_OUT_OF_RANGE]	= {
		KISS_SK_ILLEGAL_REQUEST, 0x21, 0x00 },
	[KISS_SENSE_INVALID_FIELD_IN_CDB] = {
		KISS_SK_ILLEGAL_REQUEST, 0x24, 0x00 },
	[KISS_SENSE_LUN_NOT_SUPPORTED]	= {
		KISS_SK_ILLEGAL_REQUEST, 0x25, 0x00 },
	[KISS_SENSE_INVALID_FIELD_IN_PARAM] = {
		KISS_SK_ILLEGAL_REQUEST, 0x26, 0x00 },
	[KISS_SENSE_INVALID_RELEASE_OF_PR] = {
		KISS_SK_ILLEGAL_REQUEST, 0x26, 0x04 },
	[KISS_SENSE_TOO_MANY_TARGET_DESC] = {
		KISS_SK_ILLEGAL_REQUEST, 0x26, 0x06 },
	[KISS_SENSE_UNSUPPORTED_TARGET_DESC] = {
		KISS_SK_ILLEGAL_REQUEST, 0x26, 0x07 },
	[KISS_SENSE_TOO_MANY_SEGMENT_DESC] = {
		KISS_SK_ILLEGAL_REQUEST, 0x26, 0x08 },
	[KISS_SENSE_UNSUPPORTED_SEGMENT_DESC] = {
		KISS_SK_ILLEGAL_REQUEST, 0x26, 0x09 },
	[KISS_SENSE_INSUFFICIENT_REG_RESOURCES] = {
		KISS_SK_ILLEGAL_REQUEST, 0x55, 0x04 },
	[KISS_SENSE_SAVING_PARAMS_UNSUPPORTED] = {
		KISS_SK_ILLEGAL_REQUEST, 0x39, 0x00 },
	[KISS_SENSE_POWER_ON_RESET]	= {
		KISS_SK_UNIT_ATTENTION, 0x29, 0x00 },
	[KISS_SENSE_LUN_RESET]		= {
		KISS_SK_UNIT_ATTENTION, 0x29, 0x03 },
	[KISS_SENSE_I_T_NEXUS_LOSS]	= {
		KISS_SK_UNIT_ATTENTION, 0x29, 0x07 },
	[KISS_SENSE_MODE_PARAMS_CHANGED] = {
		KISS_SK_UNIT_ATTENTION, 0x2a, 0x01 },
	[KISS_SENSE_RESERVATIONS_PREEMPTED] = {
		KISS_SK_UNIT_ATTENTION, 0x2a, 0x03 },
	[KISS_SENSE_RESERVATIONS_RELEASED] = {
		KISS_SK_UNIT_ATTENTION, 0x2a, 0x04 },
	[KISS_SENSE_REGISTRATIONS_PREEMPTED] = {
		KISS_SK_UNIT_ATTENTION, 0x2a, 0x05 },
	[KISS_SENSE_ALUA_STATE_CHANGED]	= {
		KISS_SK_UNIT_ATTENTION, 0x2a, 0x06 },
	[KISS_SENSE_CAPACITY_CHANGED]	= {
		KISS_SK_UNIT_ATTENTION, 0x2a, 0x09 },
	[KISS_SENSE_COMMANDS_CLEARED]	= {
		KISS_SK_UNIT_ATTENTION, 0x2f, 0x00 },
	[KISS_SENSE_INQUIRY_DATA_CHANGED] = {
		KISS_SK_UNIT_ATTENTION, 0x3f, 0x03 },
	[KISS_SENSE_REPORTED_LUNS_CHANGED] = {
		KISS_SK_UNIT_ATTENTION, 0x3f, 0x0e },
	[KISS_SENSE_WRITE_PROTECTED]	= { KISS_SK_DATA_PROTECT, 0x27, 0x00 },
	[KISS_SENSE_SPACE_ALLOC_FAILED]	= { KISS_SK_DATA_PROTECT, 0x27, 0x07 },
	[KISS_SENSE_COPY_ABORTED]	= { KISS_SK_COPY_ABORTED, 0x00, 0x00 },
	[KISS_SENSE_COPY_TARGET_UNREACHABLE] = {
		KISS_SK_COPY_ABORTED, 0x0d, 0x02 },
	/* RFC 7143 11.4.7.2 names these for iSCSI transport failures. */
	[KISS_SENSE_COMMAND_ABORTED]	= {
		KISS_SK_ABORTED_COMMAND, 0x00, 0x00 },
	[KISS_SENSE_UNEXPECTED_UNSOLICITED_DATA] = {
		KISS_SK_ABORTED_COMMAND, 0x0c, 0x0c },
	[KISS_SENSE_NOT_ENOUGH_UNSOLICITED_DATA] = {
		KISS_SK_ABORTED_COMMAND, 0x0c, 0x0d },
	[KISS_SENSE_SNACK_REJECTED]	= {
		KISS_SK_ABORTED_COMMAND, 0x11, 0x13 },
	[KISS_SENSE_PROTOCOL_CRC_ERROR]	= {
		KISS_SK_ABORTED_COMMAND, 0x47, 0x05 },
	[KISS_SENSE_DATA_PHASE_ERROR]	= {
		KISS_SK_ABORTED_COMMAND, 0x4b, 0x00 },
	[KISS_SENSE_TOO_MUCH_WRITE_DATA] = {
		KISS_SK_ABORTED_COMMAND, 0x4b, 0x02 },
	[KISS_SENSE_MISCOMPARE]		= { KISS_SK_MISCOMPARE, 0x1d, 0x00 },
};

/**
 * kiss_sense_set() - reset sense information to a named condition
 * @s: filled in; INFORMATION and the field pointer are cleared
 * @code: the condition; out of range gives INTERNAL TARGET FAILURE
 */
void kiss_sense_set(struct kiss_sense_info *s, enum kiss_sense_code code)
{
	if ((unsigned int)code >= KISS_SENSE_COUNT)
		code = KISS_SENSE_INTERNAL_TARGET_FAILURE;
	memset(s, 0, sizeof(*s));
	s->key = kiss_sense_table[code].key;
	s->asc = kiss_sense_table[code].asc;
	s->ascq = kiss_sense_table[code].ascq;
}

/**
 * kiss_sense_set_field() - point the sense data at the offending field
 * @s: sense information, normally ILLEGAL REQUEST
 * @in_cdb: the field is in the CDB (else in the parameter list)
 * @byte: offset of the field's first byte
 * @bit: the field's most significant bit, or negative for a whole byte
 */
void kiss_sense_set_field(struct kiss_sense_info *s, bool in_cdb, u16 byte,
			  int bit)
{
	s->sksv = true;
	s->cd = in_cdb;
	s->field = byte;
	s->bpv = bit >= 0 && bit < 8;
	s->bit = s->bpv ? bit : 0;
}

/**
 * kiss_sense_set_info() - set the INFORMATION field
 * @s: sense information
 * @info: e.g. the offset of the first miscompare
 */
void kiss_sense_set_info(struct kiss_sense_info *s, u64 info)
{
	s->info_valid = true;
	s->info = info;
}

/* Byte 15 (fixed) or 4 (descriptor) onwards: SPC-4 4.5.2.4.2. */
static void kiss_sks_put(u8 *p, const struct kiss_sense_info *s)
{
	p[0] = 0x80 | (s->cd ? 0x40 : 0) | (s->bpv ? 0x08 | (s->bit & 7) : 0);
	put_unaligned_be16(s->field, p + 1);
}

static void kiss_sks_get(const u8 *p, struct kiss_sense_info *s)
{
	if (!(p[0] & 0x80))
		return;
	s->sksv = true;
	s->cd = p[0] & 0x40;
	s->bpv = p[0] & 0x08;
	s->bit = s->bpv ? p[0] & 7 : 0;
	s->field = get_unaligned_be16(p + 1);
}

/**
 * kiss_sense_build() - write sense data in fixed or descriptor format
 * @buf: destination
 * @size: bytes available at @buf (may be 0)
 * @s: what to report
 * @descriptor: descriptor format (0x72, SPC-4 4.5.2) instead of fixed
 *	format (0x70, SPC-4 4.5.3)
 *
 * Fixed format is always 18 bytes.  An INFORMATION value that does not
 * fit its 4 bytes is left out with VALID clear rather than truncated.
 * Descriptor format carries the INFORMATION and sense-key specific
 * descriptors when they are valid.  Sense data that does not fit @size is
 * truncated, as SPC-4 allows; the ADDITIONAL SENSE LENGTH still gives the
 * full length.
 *
 * Return: bytes written, at most @size and KISS_SENSE_MAX_LEN.
 */
size_t kiss_sense_build(u8 *buf, size_t size, const struct kiss_sense_info *s,
			bool descriptor)
{
	u8 img[KISS_SENSE_MAX_LEN] = { 0 };
	size_t len;

	if (!descriptor) {
		img[0] = 0x70;
		if (s->info_valid && s->info <= 0xffffffffULL) {
			img[0] |= 0x80;
			put_unaligned_be32((u32)s->info, img + 3);
		}
		img[2] = s->key & 0x0f;
		img[7] = KISS_SENSE_FIXED_LEN - 8;
		img[12] = s->asc;
		img[13] = s->ascq;
		if (s->sksv)
			kiss_sks_put(img + 15, s);
		len = KISS_SENSE_FIXED_LEN;
	} else {
		img[0] = 0x72;
		img[1] = s->key & 0x0f;
		img[2] = s->asc;
		img[3] = s->ascq;
		len = 8;
		if (s->info_valid) {
			img[len] = 0x00;		/* INFORMATION */
			img[len + 1] = 0x0a;
			img[len + 2] = 0x80;		/* VALID */
			put_unaligned_be64(s->info, img + len + 4);
			len += 12;
		}
		if (s->sksv) {
			img[len] = 0x02;		/* sense key specific */
			img[len + 1] = 0x06;
			kiss_sks_put(img + len + 4, s);
			len += 8;
		}
		img[7] = len - 8;
	}
	len = min(len, size);
	if (len)
		memcpy(buf, img, len);
	return len;
}

/**
 * kiss_sense_parse() - read sense data in either format
 * @buf: sense data
 * @len: bytes at @buf
 * @s: filled with what was found
 *
 * Descriptors that do not fit, and unknown ones, are skipped.
 *
 * Return: 0, or -EINVAL if @buf is not sense data kiss understands or is
 * too short to hold the sense key, ASC and ASCQ.
 */
int kiss_sense_parse(const u8 *buf, size_t len, struct kiss_sense_info *s)
{
	size_t pos, end;

	memset(s, 0, sizeof(*s));
	if (!buf || !len)
		return -EINVAL;
	switch (buf[0] & 0x7f) {
	case 0x70:
	case 0x71:
		if (len < 14)
			return -EINVAL;
		s->key = buf[2] & 0x0f;
		if (buf[0] & 0x80) {
			s->info_valid = true;
			s->info = get_unaligned_be32(buf + 3);
		}
		s->asc = buf[12];
		s->ascq = buf[13];
		if (len >= KISS_SENSE_FIXED_LEN && buf[7] >= 10)
			kiss_sks_get(buf + 15, s);
		return 0;
	case 0x72:
	case 0x73:
		if (len < 8)
			return -EINVAL;
		s->key = buf[1] & 0x0f;
		s->asc = buf[2];
		s->ascq = buf[3];
		end = min_t(size_t, len, 8 + (size_t)buf[7]);
		for (pos = 8; pos + 2 <= end; pos += 2 + (size_t)buf[pos + 1]) {
			const u8 *d = buf + pos;

			if (pos + 2 + d[1] > end)
				break;
			if (d[0] == 0x00 && d[1] >= 0x0a) {
				s->info_valid = d[2] & 0x80;
				if (s->info_valid)
					s->info = get_unaligned_be64(d + 4);
			} else if (d[0] == 0x02 && d[1] >= 0x06) {
				kiss_sks_get(d + 4, s);
			}
		}
		return 0;
	default:
		return -EINVAL;
	}
}

static int kiss_cdb_refuse(struct kiss_cdb *c, enum kiss_sense_code code,
			   enum kiss_cdb_err err, u16 byte, int bit)
{
	kiss_sense_set(&c->sense, code);
	kiss_sense_set_field(&c->sense, true, byte, bit);
	return -err;
}

static int kiss_cdb_invalid(struct kiss_cdb *c, u16 byte, int bit)
{
	return kiss_cdb_refuse(c, KISS_SENSE_INVALID_FIELD_IN_CDB,
			       KISS_CDB_ERR_FIELD, byte, bit);
}

static int kiss_top_bit(u8 v)
{
	int bit = 7;

	while (bit > 0 && !(v & (1u << bit)))
		bit--;
	return bit;
}

/* Every bit the row neither uses nor ignores must be zero. */
static int kiss_cdb_check_reserved(const u8 *cdb,
				   const struct kiss_opcode_info *op,
				   struct kiss_cdb *c)
{
	u8 i;

	for (i = 1; i < op->cdb_len; i++) {
		u8 allowed = op->usage[i] | op->ignore[i];
		u8 bad;

		if (i == 1 && (op->flags & KISS_OPF_SA))
			allowed |= 0x1f;
		bad = cdb[i] & ~allowed;
		if (bad)
			return kiss_cdb_invalid(c, i, kiss_top_bit(bad));
	}
	return 0;
}

/* LBA, length and group of the 10, 12 and 16 byte block commands. */
static void kiss_cdb_get_blocks(const u8 *cdb, struct kiss_cdb *c)
{
	switch (c->len) {
	case 10:
		c->lba = get_unaligned_be32(cdb + 2);
		c->group = cdb[6] & KISS_GRP_IGN;
		c->nr_blocks = get_unaligned_be16(cdb + 7);
		break;
	case 12:
		c->lba = get_unaligned_be32(cdb + 2);
		c->nr_blocks = get_unaligned_be32(cdb + 6);
		c->group = cdb[10] & KISS_GRP_IGN;
		break;
	default:
		c->lba = get_unaligned_be64(cdb + 2);
		c->nr_blocks = get_unaligned_be32(cdb + 10);
		c->group = cdb[14] & KISS_GRP_IGN;
		break;
	}
	c->has_lba = true;
}

/* kiss has no protection information: RD/WR/VRPROTECT must be 0. */
static int kiss_cdb_no_protect(const u8 *cdb, struct kiss_cdb *c)
{
	return (cdb[1] & 0xe0) ? kiss_cdb_invalid(c, 1, 7) : 0;
}

static int kiss_cdb_rw(const u8 *cdb, struct kiss_cdb *c)
{
	if (c->len == 6) {
		/* 21-bit LBA; the top 3 bits are the SCSI-2 LUN. */
		c->lba = get_unaligned_be24(cdb + 1) & 0x1fffff;
		c->nr_blocks = cdb[4] ? cdb[4] : 256;
		c->has_lba = true;
		return 0;
	}
	kiss_cdb_get_blocks(cdb, c);
	c->dpo = cdb[1] & 0x10;
	c->fua = cdb[1] & 0x08;
	return kiss_cdb_no_protect(cdb, c);
}

static int kiss_cdb_verify(const u8 *cdb, struct kiss_cdb *c)
{
	kiss_cdb_get_blocks(cdb, c);
	c->dpo = cdb[1] & 0x10;
	c->bytchk = (cdb[1] >> 1) & 3;
	/* Verification means the medium: the write must reach it first. */
	if (c->kind == KISS_CDB_WRITE)
		c->fua = true;
	if (kiss_cdb_no_protect(cdb, c))
		return -KISS_CDB_ERR_FIELD;
	/* 10b is reserved; 11b (one block for all) LIO refuses too. */
	if (c->bytchk > 1)
		return kiss_cdb_invalid(c, 1, 2);
	return 0;
}

static int kiss_cdb_write_same(const u8 *cdb, struct kiss_cdb *c)
{
	kiss_cdb_get_blocks(cdb, c);
	c->unmap = cdb[1] & 0x08;
	if (kiss_cdb_no_protect(cdb, c))
		return -KISS_CDB_ERR_FIELD;
	/* ANC_SUP is 0 in the Logical Block Provisioning VPD page. */
	if (cdb[1] & 0x10)
		return kiss_cdb_invalid(c, 1, 4);
	if (cdb[1] & 0x04)			/* PBDATA */
		return kiss_cdb_invalid(c, 1, 2);
	if (cdb[1] & 0x02)			/* LBDATA */
		return kiss_cdb_invalid(c, 1, 1);
	if (c->len == 16 && (cdb[1] & 0x01))	/* NDOB */
		return kiss_cdb_invalid(c, 1, 0);
	/* WSNZ is 1 in the Block Limits VPD page: 0 is not "to the end". */
	if (!c->nr_blocks)
		return kiss_cdb_invalid(c, c->len == 10 ? 7 : 10, KISS_NO_BIT);
	return 0;
}

static int kiss_cdb_compare_and_write(const u8 *cdb, struct kiss_cdb *c)
{
	c->lba = get_unaligned_be64(cdb + 2);
	c->nr_blocks = cdb[13];
	c->group = cdb[14] & KISS_GRP_IGN;
	c->has_lba = true;
	c->dpo = cdb[1] & 0x10;
	c->fua = cdb[1] & 0x08;
	if (kiss_cdb_no_protect(cdb, c))
		return -KISS_CDB_ERR_FIELD;
	if (c->nr_blocks > KISS_CAW_MAX_BLOCKS)
		return kiss_cdb_invalid(c, 13, KISS_NO_BIT);
	return 0;
}

static int kiss_cdb_maintenance_in(const u8 *cdb, struct kiss_cdb *c)
{
	c->alloc_len = get_unaligned_be32(cdb + 6);
	if (c->sa == KISS_MI_REPORT_TARGET_PGS) {
		c->u.rtpg.format = cdb[1] >> 5;
		/* 000b length only, 001b extended header. */
		if (c->u.rtpg.format > 1)
			return kiss_cdb_invalid(c, 1, 7);
		return 0;
	}
	c->u.rsoc.rctd = cdb[2] & 0x80;
	c->u.rsoc.options = cdb[2] & 0x07;
	c->u.rsoc.opcode = cdb[3];
	c->u.rsoc.sa = get_unaligned_be16(cdb + 4);
	if (c->u.rsoc.options > 3)
		return kiss_cdb_invalid(c, 2, 2);
	return 0;
}

/* The fields of each command, and the values kiss cannot honour. */
static int kiss_cdb_fields(const u8 *cdb, struct kiss_cdb *c)
{
	switch (c->opcode) {
	case KISS_SCSI_READ_6:
	case KISS_SCSI_READ_10:
	case KISS_SCSI_READ_12:
	case KISS_SCSI_READ_16:
	case KISS_SCSI_WRITE_6:
	case KISS_SCSI_WRITE_10:
	case KISS_SCSI_WRITE_12:
	case KISS_SCSI_WRITE_16:
	case KISS_SCSI_ORWRITE_16:
		return kiss_cdb_rw(cdb, c);
	case KISS_SCSI_VERIFY_10:
	case KISS_SCSI_VERIFY_12:
	case KISS_SCSI_VERIFY_16:
	case KISS_SCSI_WRITE_VERIFY_10:
	case KISS_SCSI_WRITE_VERIFY_12:
	case KISS_SCSI_WRITE_VERIFY_16:
		return kiss_cdb_verify(cdb, c);
	case KISS_SCSI_WRITE_SAME_10:
	case KISS_SCSI_WRITE_SAME_16:
		return kiss_cdb_write_same(cdb, c);
	case KISS_SCSI_COMPARE_AND_WRITE:
		return kiss_cdb_compare_and_write(cdb, c);
	case KISS_SCSI_SYNC_CACHE_10:
	case KISS_SCSI_SYNC_CACHE_16:
	case KISS_SCSI_PRE_FETCH_10:
	case KISS_SCSI_PRE_FETCH_16:
		kiss_cdb_get_blocks(cdb, c);
		c->immed = cdb[1] & 0x02;
		return 0;
	case KISS_SCSI_UNMAP:
		c->group = cdb[6] & KISS_GRP_IGN;
		c->param_len = get_unaligned_be16(cdb + 7);
		if (cdb[1] & 0x01)		/* ANCHOR, ANC_SUP is 0 */
			return kiss_cdb_invalid(c, 1, 0);
		return 0;
	case KISS_SCSI_REQUEST_SENSE:
		c->u.request_sense.desc = cdb[1] & 0x01;
		c->alloc_len = cdb[4];
		return 0;
	case KISS_SCSI_INQUIRY:
		c->u.inquiry.evpd = cdb[1] & 0x01;
		c->u.inquiry.page = cdb[2];
		c->alloc_len = get_unaligned_be16(cdb + 3);
		if (!c->u.inquiry.evpd && c->u.inquiry.page)
			return kiss_cdb_invalid(c, 2, KISS_NO_BIT);
		return 0;
	case KISS_SCSI_MODE_SELECT_6:
	case KISS_SCSI_MODE_SELECT_10:
		c->u.mode_select.pf = cdb[1] & 0x10;
		c->param_len = c->len == 6 ? cdb[4] :
					     get_unaligned_be16(cdb + 7);
		/* Nothing is saved across power cycles: no SP. */
		if (cdb[1] & 0x01)
			return kiss_cdb_invalid(c, 1, 0);
		return 0;
	case KISS_SCSI_MODE_SENSE_6:
	case KISS_SCSI_MODE_SENSE_10:
		c->u.mode_sense.dbd = cdb[1] & 0x08;
		c->u.mode_sense.llbaa = c->len == 10 && (cdb[1] & 0x10);
		c->u.mode_sense.pc = cdb[2] >> 6;
		c->u.mode_sense.page = cdb[2] & 0x3f;
		c->u.mode_sense.subpage = cdb[3];
		c->alloc_len = c->len == 6 ? cdb[4] :
					     get_unaligned_be16(cdb + 7);
		return 0;
	case KISS_SCSI_START_STOP_UNIT:
		c->immed = cdb[1] & 0x01;
		c->u.start_stop.power_condition = cdb[4] >> 4;
		c->u.start_stop.no_flush = cdb[4] & 0x04;
		c->u.start_stop.loej = cdb[4] & 0x02;
		c->u.start_stop.start = cdb[4] & 0x01;
		return 0;
	case KISS_SCSI_PREVENT_ALLOW:
		c->u.prevent.prevent = cdb[4] & 0x03;
		return 0;
	case KISS_SCSI_READ_CAPACITY_10:
		c->alloc_len = 8;	/* no field: the data is 8 bytes */
		return 0;
	case KISS_SCSI_SERVICE_ACTION_IN_16:
		c->alloc_len = get_unaligned_be32(cdb + 10);
		if (c->sa == KISS_SAI_GET_LBA_STATUS) {
			c->lba = get_unaligned_be64(cdb + 2);
			c->has_lba = true;
		}
		return 0;
	case KISS_SCSI_REPORT_LUNS:
		c->u.report_luns.select_report = cdb[2];
		c->alloc_len = get_unaligned_be32(cdb + 6);
		/* All, well known, or both; not the SPC-5 additions. */
		if (cdb[2] > 2)
			return kiss_cdb_invalid(c, 2, KISS_NO_BIT);
		return 0;
	case KISS_SCSI_MAINTENANCE_IN:
		return kiss_cdb_maintenance_in(cdb, c);
	case KISS_SCSI_MAINTENANCE_OUT:
		c->param_len = get_unaligned_be32(cdb + 6);
		return 0;
	case KISS_SCSI_RESERVE_10:
	case KISS_SCSI_RELEASE_10:
		c->param_len = get_unaligned_be16(cdb + 7);
		return 0;
	case KISS_SCSI_PR_IN:
		c->alloc_len = get_unaligned_be16(cdb + 7);
		return 0;
	case KISS_SCSI_EXTENDED_COPY:
		c->param_len = get_unaligned_be32(cdb + 10);
		return 0;
	case KISS_SCSI_READ_DEFECT_DATA_10:
		c->u.defect.lists = cdb[2] & 0x18;
		c->u.defect.format = cdb[2] & 0x07;
		c->alloc_len = get_unaligned_be16(cdb + 7);
		return 0;
	case KISS_SCSI_READ_DEFECT_DATA_12:
		c->u.defect.lists = cdb[1] & 0x18;
		c->u.defect.format = cdb[1] & 0x07;
		c->alloc_len = get_unaligned_be32(cdb + 6);
		return 0;
	case KISS_SCSI_RECEIVE_COPY_RESULTS:
		c->u.rcr.list_id = cdb[2];
		c->alloc_len = get_unaligned_be32(cdb + 10);
		return 0;
	case KISS_SCSI_PR_OUT:
		c->u.pr_out.scope = cdb[2] >> 4;
		c->u.pr_out.type = cdb[2] & 0x0f;
		c->param_len = get_unaligned_be32(cdb + 5);
		return 0;
	default:	/* TEST UNIT READY, RESERVE(6), RELEASE(6) */
		return 0;
	}
}

static enum kiss_data_dir kiss_cdb_dir(const struct kiss_cdb *c)
{
	switch (c->kind) {
	case KISS_CDB_READ:
		return KISS_DIR_IN;
	case KISS_CDB_WRITE:
	case KISS_CDB_WRITE_SAME:
	case KISS_CDB_COMPARE_AND_WRITE:
		return KISS_DIR_OUT;
	case KISS_CDB_VERIFY:
		return c->bytchk ? KISS_DIR_OUT : KISS_DIR_NONE;
	case KISS_CDB_FLUSH:
		return KISS_DIR_NONE;
	default:
		if (c->alloc_len)
			return KISS_DIR_IN;
		return c->param_len ? KISS_DIR_OUT : KISS_DIR_NONE;
	}
}

/**
 * kiss_cdb_decode() - decode and validate a CDB
 * @cdb: the CDB bytes
 * @len: bytes available at @cdb; only the opcode's CDB length is read
 * @out: the decoded command; on failure, out->sense says why
 *
 * Refuses, with ILLEGAL REQUEST and a field pointer into the CDB: an
 * operation code (20/00) or service action (24/00) kiss does not
 * decode, a reserved bit set, NACA or LINK set, and values kiss does not
 * implement (protection information, ANCHOR, BYTCHK 1xb, WRITE SAME of
 * zero blocks, COMPARE AND WRITE of more than KISS_CAW_MAX_BLOCKS, ...).
 * The LBA range is checked separately by kiss_cdb_check_range().
 *
 * Return: 0, or a negated enum kiss_cdb_err.
 */
int kiss_cdb_decode(const u8 *cdb, size_t len, struct kiss_cdb *out)
{
	const struct kiss_opcode_info *op;
	int clen, ret;
	u8 ctl;

	memset(out, 0, sizeof(*out));
	if (!cdb || !len) {
		kiss_sense_set(&out->sense, KISS_SENSE_INVALID_FIELD_IN_CDB);
		return -KISS_CDB_ERR_SHORT;
	}
	out->opcode = cdb[0];
	clen = kiss_cdb_group_len(cdb[0]);
	if (!clen)
		return kiss_cdb_refuse(out, KISS_SENSE_INVALID_OPCODE,
				       KISS_CDB_ERR_OPCODE, 0, KISS_NO_BIT);
	if (len < (size_t)clen) {
		kiss_sense_set(&out->sense, KISS_SENSE_INVALID_FIELD_IN_CDB);
		return -KISS_CDB_ERR_SHORT;
	}
	out->len = clen;

	op = kiss_opcode_lookup(cdb[0], cdb[1] & 0x1f);
	if (!op || !(op->flags & KISS_OPF_DECODED)) {
		if (kiss_opcode_has_sa(cdb[0]))
			return kiss_cdb_refuse(out,
					       KISS_SENSE_INVALID_FIELD_IN_CDB,
					       KISS_CDB_ERR_SERVICE_ACTION,
					       1, 4);
		return kiss_cdb_refuse(out, KISS_SENSE_INVALID_OPCODE,
				       KISS_CDB_ERR_OPCODE, 0, KISS_NO_BIT);
	}
	out->flags = op->flags;
	out->kind = op->kind;
	if (op->flags & KISS_OPF_SA)
		out->sa = op->sa;

	ret = kiss_cdb_check_reserved(cdb, op, out);
	if (ret)
		return ret;
	/* kiss has no ACA (NormACA=0 in INQUIRY) and no linked commands. */
	ctl = cdb[clen - 1];
	if (ctl & 0x04)
		return kiss_cdb_invalid(out, clen - 1, 2);
	if (ctl & 0x01)
		return kiss_cdb_invalid(out, clen - 1, 0);

	ret = kiss_cdb_fields(cdb, out);
	if (ret)
		return ret;
	out->dir = kiss_cdb_dir(out);
	return 0;
}

/**
 * kiss_cdb_check_range() - check a decoded command against the capacity
 * @c: a command kiss_cdb_decode() accepted
 * @nr_lbas_of_device: number of logical blocks of the LUN
 * @s: set to LBA OUT OF RANGE (21/00) on failure
 *
 * The blocks [lba, lba + nr_blocks) must lie on the medium, computed
 * without overflow, so that an LBA near 2^64 cannot wrap around.  As in
 * LIO, zero blocks at lba == capacity is accepted; SYNCHRONIZE CACHE and
 * PRE-FETCH of zero blocks (to the end of the medium) the same way.  GET
 * LBA STATUS needs its starting LBA on the medium.  Commands without an
 * LBA always pass.
 *
 * Return: 0 or -KISS_CDB_ERR_RANGE.
 */
int kiss_cdb_check_range(const struct kiss_cdb *c, u64 nr_lbas_of_device,
			 struct kiss_sense_info *s)
{
	u64 n = nr_lbas_of_device;
	bool ok;

	if (!c->has_lba)
		return 0;
	if (c->opcode == KISS_SCSI_SERVICE_ACTION_IN_16)
		ok = c->lba < n;
	else
		ok = c->nr_blocks <= n && c->lba <= n - c->nr_blocks;
	if (ok)
		return 0;
	kiss_sense_set(s, KISS_SENSE_LBA_OUT_OF_RANGE);
	return -KISS_CDB_ERR_RANGE;
}

/**
 * kiss_cdb_xfer_len() - bytes the data phase of a command should carry
 * @c: a command kiss_cdb_decode() accepted
 * @block_size: logical block size of the LUN
 *
 * What the CDB asks for, to compare with the iSCSI Expected Data Transfer
 * Length for residuals; 64 bits so that no product can overflow.
 *
 * Return: the byte count; 0 when the command moves no data.
 */
u64 kiss_cdb_xfer_len(const struct kiss_cdb *c, u32 block_size)
{
	switch (c->kind) {
	case KISS_CDB_READ:
	case KISS_CDB_WRITE:
		return (u64)c->nr_blocks * block_size;
	case KISS_CDB_VERIFY:
		return c->bytchk ? (u64)c->nr_blocks * block_size : 0;
	case KISS_CDB_WRITE_SAME:
		return block_size;
	case KISS_CDB_COMPARE_AND_WRITE:
		/* The compare data, then the write data. */
		return 2 * (u64)c->nr_blocks * block_size;
	case KISS_CDB_FLUSH:
		return 0;
	default:
		if (c->dir == KISS_DIR_IN)
			return c->alloc_len;
		return c->dir == KISS_DIR_OUT ? c->param_len : 0;
	}
}

const char *kiss_cdb_err_str(int err)
{
	static const char * const names[KISS_CDB_ERR_COUNT] = {
		[KISS_CDB_OK]			= "ok",
		[KISS_CDB_ERR_SHORT]		= "CDB too short",
		[KISS_CDB_ERR_OPCODE]		= "unsupported operation code",
		[KISS_CDB_ERR_SERVICE_ACTION]	= "unsupported service action",
		[KISS_CDB_ERR_FIELD]		= "invalid field in CDB",
		[KISS_CDB_ERR_RANGE]		= "LBA out of range",
	};

	if (err <= -KISS_CDB_ERR_COUNT || err >= KISS_CDB_ERR_COUNT)
		return "unknown";
	return names[err < 0 ? -err : err];
}

/* Reported by REPORT SUPPORTED OPERATION CODES under this @hide mask. */
static bool kiss_opcode_reported(const struct kiss_opcode_info *op,
				 unsigned int hide)
{
	return (op->flags & KISS_OPF_DECODED) && !(op->flags & hide);
}

/* Copy what fits of @len bytes destined for offset @pos of @buf. */
static void kiss_put(u8 *buf, size_t size, size_t pos, const void *src,
		     size_t len)
{
	if (pos >= size)
		return;
	memcpy(buf + pos, src, min(len, size - pos));
}

#define KISS_TIMEOUTS_LEN	12

/* Command timeouts descriptor (SPC-4 6.35.4): no timeouts specified. */
static void kiss_timeouts_put(u8 *p)
{
	memset(p, 0, KISS_TIMEOUTS_LEN);
	put_unaligned_be16(KISS_TIMEOUTS_LEN - 2, p);
}

/**
 * kiss_rsoc_all() - REPORT SUPPORTED OPERATION CODES, all commands
 * @buf: destination, may be NULL if @size is 0
 * @size: bytes available at @buf, e.g. min(buffer, ALLOCATION LENGTH)
 * @rctd: append a command timeouts descriptor to each descriptor
 * @hide: KISS_OPF_* classes this LUN does not offer (e.g. KISS_OPF_THIN
 *	without discard, KISS_OPF_PR before persistent reservations)
 *
 * Writes the parameter data of reporting options 000b (SPC-4 6.35.3):
 * the COMMAND DATA LENGTH header and one command descriptor per decoded
 * command, truncated to @size.
 *
 * Return: the full length of the parameter data, which may exceed @size.
 */
size_t kiss_rsoc_all(u8 *buf, size_t size, bool rctd, unsigned int hide)
{
	size_t i, pos = 4;
	u8 hdr[4];

	for (i = 0; i < ARRAY_SIZE(kiss_opcodes); i++) {
		const struct kiss_opcode_info *op = &kiss_opcodes[i];
		u8 d[8 + KISS_TIMEOUTS_LEN] = { 0 };
		size_t dlen = 8;

		if (!kiss_opcode_reported(op, hide))
			continue;
		d[0] = op->opcode;
		if (op->flags & KISS_OPF_SA) {
			put_unaligned_be16(op->sa, d + 2);
			d[5] |= 0x01;		/* SERVACTV */
		}
		put_unaligned_be16(op->cdb_len, d + 6);
		if (rctd) {
			d[5] |= 0x02;		/* CTDP */
			kiss_timeouts_put(d + 8);
			dlen += KISS_TIMEOUTS_LEN;
		}
		kiss_put(buf, size, pos, d, dlen);
		pos += dlen;
	}
	put_unaligned_be32(pos - 4, hdr);
	kiss_put(buf, size, 0, hdr, sizeof(hdr));
	return pos;
}

/**
 * kiss_rsoc_one() - REPORT SUPPORTED OPERATION CODES, one command
 * @buf: destination, may be NULL if @size is 0
 * @size: bytes available at @buf
 * @options: REPORTING OPTIONS 001b, 010b or 011b
 * @opcode: REQUESTED OPERATION CODE
 * @sa: REQUESTED SERVICE ACTION
 * @rctd: append a command timeouts descriptor
 * @hide: KISS_OPF_* classes reported as not supported
 * @s: set to INVALID FIELD IN CDB on failure
 *
 * Writes the one_command parameter data (SPC-4 6.35.2): SUPPORT 011b
 * with the CDB USAGE DATA for a command kiss decodes, else SUPPORT 001b
 * and nothing after byte 3.  Options 001b for an opcode that has service
 * actions, 010b for one that has none, and options above 011b are
 * refused, as SPC-4 requires.
 *
 * Return: the full length of the parameter data (which may exceed
 * @size), or -KISS_CDB_ERR_FIELD.
 */
int kiss_rsoc_one(u8 *buf, size_t size, u8 options, u8 opcode, u16 sa,
		  bool rctd, unsigned int hide, struct kiss_sense_info *s)
{
	u8 img[4 + KISS_CDB_MAX_LEN + KISS_TIMEOUTS_LEN] = { 0 };
	const struct kiss_opcode_info *op;
	bool has_sa = kiss_opcode_has_sa(opcode);
	size_t len = 4;

	if (options < 1 || options > 3 || (options == 1 && has_sa) ||
	    (options == 2 && !has_sa)) {
		kiss_sense_set(s, KISS_SENSE_INVALID_FIELD_IN_CDB);
		kiss_sense_set_field(s, true, 2, 2);
		return -KISS_CDB_ERR_FIELD;
	}
	op = kiss_opcode_lookup(opcode, sa);
	if (op && kiss_opcode_reported(op, hide)) {
		img[1] = 0x03;		/* supported, conforming */
		put_unaligned_be16(op->cdb_len, img + 2);
		memcpy(img + 4, op->usage, op->cdb_len);
		/* SPC-4: the service action goes where the CDB has it. */
		if (op->flags & KISS_OPF_SA)
			img[5] |= op->sa;
		len += op->cdb_len;
		if (rctd) {
			img[1] |= 0x80;	/* CTDP */
			kiss_timeouts_put(img + len);
			len += KISS_TIMEOUTS_LEN;
		}
	} else {
		img[1] = 0x01;		/* not supported */
	}
	kiss_put(buf, size, 0, img, len);
	return len;
}

/**
 * kiss_rsoc_build() - REPORT SUPPORTED OPERATION CODES from its CDB
 * @buf: destination, may be NULL if @size is 0
 * @size: bytes available at @buf
 * @c: the decoded REPORT SUPPORTED OPERATION CODES command
 * @hide: KISS_OPF_* classes this LUN does not offer
 * @s: set on failure
 *
 * Return: as kiss_rsoc_all() or kiss_rsoc_one(), by reporting options.
 */
int kiss_rsoc_build(u8 *buf, size_t size, const struct kiss_cdb *c,
		    unsigned int hide, struct kiss_sense_info *s)
{
	if (!c->u.rsoc.options)
		return kiss_rsoc_all(buf, size, c->u.rsoc.rctd, hide);
	return kiss_rsoc_one(buf, size, c->u.rsoc.options, c->u.rsoc.opcode,
			     c->u.rsoc.sa, c->u.rsoc.rctd, hide, s);
}

/**
 * kiss_io_status_from_errno() - classify a block layer error
 * @err: an errno, negative or not, e.g. from blk_status_to_errno()
 *
 * Return: the class kiss_io_sense() maps to SCSI status and sense.
 */
enum kiss_io_status kiss_io_status_from_errno(int err)
{
	/* Unsigned, so that INT_MIN does not overflow. */
	switch (err < 0 ? 0u - (unsigned int)err : (unsigned int)err) {
	case 0:
		return KISS_IO_OK;
	case ENODATA:
		return KISS_IO_MEDIUM;
	case EILSEQ:
		return KISS_IO_PROTECTION;
	case ENOSPC:
		return KISS_IO_NOSPC;
	case EOPNOTSUPP:
		return KISS_IO_NOTSUPP;
	case EROFS:
	case EACCES:
	case EPERM:
		return KISS_IO_READONLY;
	case ETIMEDOUT:
	case ETIME:
		return KISS_IO_TIMEOUT;
	case ENOLINK:
		return KISS_IO_TRANSPORT;
	case ENODEV:
	case ENXIO:
		return KISS_IO_OFFLINE;
	case EREMOTEIO:
		return KISS_IO_TARGET;
	case EBADE:
		return KISS_IO_CONFLICT;
	case ENOMEM:
	case EBUSY:
	case EAGAIN:
		return KISS_IO_RESOURCE;
	default:
		return KISS_IO_ERROR;
	}
}

/**
 * kiss_io_sense() - SCSI status and sense for a failed block request
 * @st: the failure class
 * @write: the request wrote to the medium
 * @s: set to the sense data, NO SENSE unless the status is CHECK CONDITION
 *
 * A media or unclassified failure is MEDIUM ERROR (11/00 reading, 0C/00
 * writing); an exhausted thin pool DATA PROTECT 27/07 (SBC-3 4.7.3.7);
 * an unreachable backend NOT READY 08/00, so that initiators retry; a
 * transient shortage BUSY.
 *
 * Return: the SAM status to send.
 */
u8 kiss_io_sense(enum kiss_io_status st, bool write, struct kiss_sense_info *s)
{
	enum kiss_sense_code code;

	switch (st) {
	case KISS_IO_OK:
		kiss_sense_set(s, KISS_SENSE_NO_SENSE);
		return KISS_SAM_STAT_GOOD;
	case KISS_IO_CONFLICT:
		kiss_sense_set(s, KISS_SENSE_NO_SENSE);
		return KISS_SAM_STAT_RESERVATION_CONFLICT;
	case KISS_IO_RESOURCE:
		kiss_sense_set(s, KISS_SENSE_NO_SENSE);
		return KISS_SAM_STAT_BUSY;
	case KISS_IO_ERROR:
	case KISS_IO_MEDIUM:
	case KISS_IO_PROTECTION:
		code = write ? KISS_SENSE_WRITE_ERROR : KISS_SENSE_READ_ERROR;
		break;
	case KISS_IO_NOSPC:
		code = KISS_SENSE_SPACE_ALLOC_FAILED;
		break;
	case KISS_IO_NOTSUPP:
		code = KISS_SENSE_INVALID_OPCODE;
		break;
	case KISS_IO_READONLY:
		code = KISS_SENSE_WRITE_PROTECTED;
		break;
	case KISS_IO_TIMEOUT:
	case KISS_IO_TRANSPORT:
	case KISS_IO_OFFLINE:
		code = KISS_SENSE_LUN_COMM_FAILURE;
		break;
	default:
		code = KISS_SENSE_INTERNAL_TARGET_FAILURE;
		break;
	}
	kiss_sense_set(s, code);
	return KISS_SAM_STAT_CHECK_CONDITION;
}

/**
 * kiss_scsilun_encode() - a LUN number as an 8-byte SAM-5 LUN
 * @lun: LUN number, at most KISS_MAX_LUN
 * @out: KISS_LUN_LEN bytes
 *
 * Single level: peripheral device addressing (00b) below 256, as every
 * initiator expects LUN 0..255 to look; flat space addressing (01b) for
 * 256 to 16383.
 *
 * Return: 0, or -ERANGE (and @out zeroed) for a larger number.
 */
int kiss_scsilun_encode(u64 lun, u8 *out)
{
	memset(out, 0, KISS_LUN_LEN);
	if (lun < 256) {
		out[1] = (u8)lun;
		return 0;
	}
	if (lun <= KISS_MAX_LUN) {
		out[0] = 0x40 | (u8)(lun >> 8);
		out[1] = (u8)lun;
		return 0;
	}
	return -ERANGE;
}

/**
 * kiss_scsilun_decode() - an 8-byte SAM-5 LUN as a LUN number
 * @buf: the LUN field, e.g. of a SCSI Command PDU
 * @len: bytes at @buf
 * @lun: the number, on success
 *
 * Accepts the single-level forms kiss_scsilun_encode() produces (and flat
 * space for numbers below 256).  Refuses a peripheral device address with
 * a bus identifier, logical unit and extended addressing, and anything in
 * the second to fourth levels: kiss has no LUN hierarchy, so such a LUN
 * names nothing (LOGICAL UNIT NOT SUPPORTED).
 *
 * Return: 0 or -EINVAL.
 */
int kiss_scsilun_decode(const u8 *buf, size_t len, u64 *lun)
{
	size_t i;

	if (!buf || len < KISS_LUN_LEN)
		return -EINVAL;
	for (i = 2; i < KISS_LUN_LEN; i++)
		if (buf[i])
			return -EINVAL;
	switch (buf[0] >> 6) {
	case 0:
		if (buf[0] & 0x3f)
			return -EINVAL;
		*lun = buf[1];
		return 0;
	case 1:
		*lun = (u64)(buf[0] & 0x3f) << 8 | buf[1];
		return 0;
	default:
		return -EINVAL;
	}
}

/* ------------------------------------------------------------------ */
/* EXTENDED COPY(LID1) parameter lists (SPC-4 6.4.3)                   */

#define KISS_XCOPY_IDENT_DESC	0xe4	/* identification descriptor CSCD */
#define KISS_XCOPY_SEG_B2B	0x02	/* block device to block device */
#define KISS_XCOPY_B2B_DESC_LEN	0x18	/* its DESCRIPTOR LENGTH field */
#define KISS_DESIG_ASSOC_LU	0x00
#define KISS_DESIG_TYPE_NAA	0x03

static int kiss_param_refuse(struct kiss_sense_info *s,
			     enum kiss_sense_code code, int field, int bit)
{
	kiss_sense_set(s, code);
	if (field >= 0)
		kiss_sense_set_field(s, false, field, bit);
	return -EINVAL;
}

/* One CSCD descriptor at @p, offset @off of the list. */
static int kiss_xcopy_target(const u8 *p, u32 off, struct kiss_xcopy_target *t,
			     struct kiss_sense_info *s)
{
	if (p[0] != KISS_XCOPY_IDENT_DESC)
		return kiss_param_refuse(s, KISS_SENSE_UNSUPPORTED_TARGET_DESC,
					 off, KISS_NO_BIT);
	/*
	 * A block device (peripheral type 0).  LU ID TYPE is not looked at:
	 * the designator names the logical unit, and libiscsi 1.19 expects
	 * a reserved LU ID TYPE to be ignored, as LIO does.
	 */
	if (p[1] & 0x1f)
		return kiss_param_refuse(s, KISS_SENSE_INVALID_FIELD_IN_PARAM,
					 off + 1, 4);
	t->nul = p[1] & 0x20;
	t->naa = (p[5] & 0x30) == KISS_DESIG_ASSOC_LU &&
		 (p[5] & 0x0f) == KISS_DESIG_TYPE_NAA;
	t->id_len = p[7];
	if (t->id_len > KISS_XCOPY_DESIG_MAX)
		return kiss_param_refuse(s, KISS_SENSE_INVALID_FIELD_IN_PARAM,
					 off + 7, KISS_NO_BIT);
	memcpy(t->id, p + 8, t->id_len);
	t->block_len = get_unaligned_be32(p + 28) & 0xffffff;
	return 0;
}

/* One block-to-block segment descriptor, its length already checked. */
static int kiss_xcopy_segment(const u8 *p, u32 off, u8 nr_targets,
			      struct kiss_xcopy_segment *g,
			      struct kiss_sense_info *s)
{
	if (p[0] != KISS_XCOPY_SEG_B2B)
		return kiss_param_refuse(s, KISS_SENSE_UNSUPPORTED_SEGMENT_DESC,
					 off, KISS_NO_BIT);
	if (get_unaligned_be16(p + 2) != KISS_XCOPY_B2B_DESC_LEN)
		return kiss_param_refuse(s, KISS_SENSE_INVALID_FIELD_IN_PARAM,
					 off + 2, KISS_NO_BIT);
	g->src = get_unaligned_be16(p + 4);
	g->dst = get_unaligned_be16(p + 6);
	/* a CSCD that is not in the list cannot be reached (SPC-4 6.4.5) */
	if (g->src >= nr_targets || g->dst >= nr_targets) {
		kiss_sense_set(s, KISS_SENSE_COPY_TARGET_UNREACHABLE);
		return -EINVAL;
	}
	g->nr_blocks = get_unaligned_be16(p + 10);
	g->src_lba = get_unaligned_be64(p + 12);
	g->dst_lba = get_unaligned_be64(p + 20);
	return 0;
}

/**
 * kiss_xcopy_parse() - check an EXTENDED COPY(LID1) parameter list
 * @buf: the parameter list
 * @len: its length (the PARAMETER LIST LENGTH that arrived)
 * @l: filled in: the copy targets and the segments, in order
 * @s: on failure, the sense to refuse the command with
 *
 * Everything is checked before any data moves: the lengths against
 * @len and the limits, every descriptor's type and fields, and the
 * segments' target indexes.  Resolving the targets to logical units,
 * block sizes and LBA ranges is the caller's.  An empty list is a copy of
 * nothing.
 *
 * Return: 0, or -EINVAL with @s set.
 */
int kiss_xcopy_parse(const u8 *buf, u32 len, struct kiss_xcopy_list *l,
		     struct kiss_sense_info *s)
{
	u32 tgt_len, seg_len, off, end, i;

	memset(l, 0, sizeof(*l));
	if (!len)
		return 0;
	if (len < KISS_XCOPY_HDR_LEN)
		return kiss_param_refuse(s, KISS_SENSE_PARAM_LIST_LENGTH, -1,
					 0);
	l->list_id = buf[0];
	l->list_id_usage = (buf[1] >> 3) & 3;
	tgt_len = get_unaligned_be16(buf + 2);
	seg_len = get_unaligned_be32(buf + 8);
	/* no inline data: MAXIMUM INLINE DATA LENGTH is 0 */
	if (get_unaligned_be32(buf + 12))
		return kiss_param_refuse(s, KISS_SENSE_INVALID_FIELD_IN_PARAM,
					 12, KISS_NO_BIT);
	if ((u64)KISS_XCOPY_HDR_LEN + tgt_len + seg_len > len ||
	    (u64)KISS_XCOPY_HDR_LEN + tgt_len + seg_len >
	    KISS_XCOPY_MAX_LIST_LEN)
		return kiss_param_refuse(s, KISS_SENSE_PARAM_LIST_LENGTH, -1,
					 0);
	if (tgt_len % KISS_XCOPY_TARGET_LEN)
		return kiss_param_refuse(s, KISS_SENSE_INVALID_FIELD_IN_PARAM,
					 2, KISS_NO_BIT);
	if (tgt_len / KISS_XCOPY_TARGET_LEN > KISS_XCOPY_MAX_TARGETS)
		return kiss_param_refuse(s, KISS_SENSE_TOO_MANY_TARGET_DESC,
					 -1, 0);
	l->nr_targets = tgt_len / KISS_XCOPY_TARGET_LEN;

	/* count the segments first: too many is refused before any type */
	off = KISS_XCOPY_HDR_LEN + tgt_len;
	end = off + seg_len;
	for (i = 0; off < end; i++) {
		if (end - off < 4)
			return kiss_param_refuse(s,
						 KISS_SENSE_PARAM_LIST_LENGTH,
						 -1, 0);
		if (i == KISS_XCOPY_MAX_SEGMENTS)
			return kiss_param_refuse(s,
						 KISS_SENSE_TOO_MANY_SEGMENT_DESC,
						 -1, 0);
		off += 4 + get_unaligned_be16(buf + off + 2);
	}
	if (off != end)
		return kiss_param_refuse(s, KISS_SENSE_PARAM_LIST_LENGTH, -1,
					 0);
	l->nr_segments = i;

	for (i = 0; i < l->nr_targets; i++) {
		off = KISS_XCOPY_HDR_LEN + i * KISS_XCOPY_TARGET_LEN;
		if (kiss_xcopy_target(buf + off, off, &l->targets[i], s))
			return -EINVAL;
	}
	off = KISS_XCOPY_HDR_LEN + tgt_len;
	for (i = 0; i < l->nr_segments; i++) {
		if (kiss_xcopy_segment(buf + off, off, l->nr_targets,
				       &l->segments[i], s))
			return -EINVAL;
		off += KISS_XCOPY_B2B_LEN;
	}
	return 0;
}

/**
 * kiss_xcopy_op_params() - RECEIVE COPY RESULTS, OPERATING PARAMETERS
 * @buf: KISS_XCOPY_OP_PARAMS_LEN bytes, zeroed
 *
 * Return: the length of the data (SPC-4 6.18.4).
 */
u32 kiss_xcopy_op_params(u8 *buf)
{
	put_unaligned_be32(KISS_XCOPY_OP_PARAMS_LEN - 4, buf);
	buf[4] = 0x01;			/* SNLID: no list identifier needed */
	put_unaligned_be16(KISS_XCOPY_MAX_TARGETS, buf + 8);
	put_unaligned_be16(KISS_XCOPY_MAX_SEGMENTS, buf + 10);
	put_unaligned_be32(KISS_XCOPY_MAX_LIST_LEN, buf + 12);
	/* a segment moves at most 65535 blocks of at most 4 KiB */
	put_unaligned_be32(0xffff * 4096, buf + 16);
	put_unaligned_be16(1, buf + 34);	/* total concurrent copies */
	buf[36] = 1;				/* maximum concurrent copies */
	buf[37] = 9;				/* data segment granularity */
	buf[43] = 2;			/* implemented descriptor list */
	buf[44] = KISS_XCOPY_SEG_B2B;
	buf[45] = KISS_XCOPY_IDENT_DESC;
	return KISS_XCOPY_OP_PARAMS_LEN;
}

/**
 * kiss_xcopy_copy_status() - RECEIVE COPY RESULTS, COPY STATUS
 * @buf: KISS_XCOPY_COPY_STATUS_LEN bytes
 * @status: the COPY MANAGER STATUS
 * @segments: the segments processed
 * @bytes: the bytes written, reported in KiB
 *
 * Return: the length of the data (SPC-3 6.17.3).
 */
u32 kiss_xcopy_copy_status(u8 *buf, enum kiss_xcopy_status status,
			   u16 segments, u64 bytes)
{
	memset(buf, 0, KISS_XCOPY_COPY_STATUS_LEN);
	put_unaligned_be32(KISS_XCOPY_COPY_STATUS_LEN - 4, buf);
	buf[4] = status;		/* HDD 0: no data held */
	put_unaligned_be16(segments, buf + 5);
	buf[7] = 1;			/* TRANSFER COUNT UNITS: KiB */
	put_unaligned_be32(min_t(u64, bytes >> 10, 0xffffffff), buf + 8);
	return KISS_XCOPY_COPY_STATUS_LEN;
}

/* ------------------------------------------------------------------ */
/* PERSISTENT RESERVE OUT: REGISTER AND MOVE                          */

/* The text of an iSCSI TransportID, "name,i,0xISID", @len bytes at @p. */
static int kiss_pr_tpid_port(const u8 *p, u32 len, struct kiss_pr_move *m)
{
	u32 n, i;
	int d;

	/* the name: no spaces or control characters, up to the separator */
	for (n = 0; n < len && p[n] != ','; n++)
		if (p[n] <= ' ' || p[n] == 0x7f)
			return -EINVAL;
	if (!n || n > KISS_PR_NAME_MAX ||
	    len - n < KISS_TPID_SEP_LEN + KISS_TPID_ISID_DIGITS + 1 ||
	    memcmp(p + n, KISS_TPID_SEP, KISS_TPID_SEP_LEN))
		return -EINVAL;
	memcpy(m->name, p, n);
	m->name[n] = '\0';
	p += n + KISS_TPID_SEP_LEN;
	/* exactly the 12 digits of the 6-byte ISID, then NUL */
	memset(m->isid, 0, sizeof(m->isid));
	for (i = 0; i < KISS_TPID_ISID_DIGITS; i++) {
		d = hex_to_bin(p[i]);
		if (d < 0)
			return -EINVAL;
		m->isid[i / 2] |= d << (i % 2 ? 0 : 4);
	}
	return p[i] ? -EINVAL : 0;
}

/**
 * kiss_pr_move_parse() - check a REGISTER AND MOVE parameter list
 * @buf: the parameter list
 * @len: its length (the PARAMETER LIST LENGTH that arrived)
 * @m: filled in: the keys, the flags and the destination I_T nexus
 * @s: on failure, the sense to refuse the command with
 *
 * The list must be exactly the header and the TransportID its length
 * field gives.  Only an iSCSI TransportID that names an initiator port
 * (format 01b, with the ISID) can be a destination: a name alone is an
 * initiator device, which may have several ports.  What the keys, the
 * flags and the relative target port must be is the caller's to check.
 *
 * Return: 0, or -EINVAL with @s set.
 */
int kiss_pr_move_parse(const u8 *buf, u32 len, struct kiss_pr_move *m,
		       struct kiss_sense_info *s)
{
	u32 tpid_len, add_len;
	const u8 *tpid;

	memset(m, 0, sizeof(*m));
	if (len < KISS_PR_MOVE_HDR_LEN)
		goto length;
	tpid = buf + KISS_PR_MOVE_HDR_LEN;
	tpid_len = get_unaligned_be32(buf + 20);
	if ((u64)KISS_PR_MOVE_HDR_LEN + tpid_len != len)
		goto length;
	m->key = get_unaligned_be64(buf);
	m->sa_key = get_unaligned_be64(buf + 8);
	m->unreg = buf[17] & 0x02;
	m->aptpl = buf[17] & 0x01;
	m->rtpi = get_unaligned_be16(buf + 18);

	if (tpid_len < KISS_PR_TPID_MIN_LEN || tpid_len > KISS_PR_TPID_MAX_LEN)
		return kiss_param_refuse(s, KISS_SENSE_INVALID_FIELD_IN_PARAM,
					 20, KISS_NO_BIT);
	if ((tpid[0] & 0x0f) != KISS_TPID_PROTO_ISCSI)
		return kiss_param_refuse(s, KISS_SENSE_INVALID_FIELD_IN_PARAM,
					 KISS_PR_MOVE_HDR_LEN, 3);
	if (tpid[0] >> 6 != KISS_TPID_FMT_PORT)
		return kiss_param_refuse(s, KISS_SENSE_INVALID_FIELD_IN_PARAM,
					 KISS_PR_MOVE_HDR_LEN, 7);
	add_len = get_unaligned_be16(tpid + 2);
	if (add_len % 4 || add_len + 4 != tpid_len)
		return kiss_param_refuse(s, KISS_SENSE_INVALID_FIELD_IN_PARAM,
					 KISS_PR_MOVE_HDR_LEN + 2, KISS_NO_BIT);
	if (kiss_pr_tpid_port(tpid + 4, add_len, m))
		return kiss_param_refuse(s, KISS_SENSE_INVALID_FIELD_IN_PARAM,
					 KISS_PR_MOVE_HDR_LEN + 4, KISS_NO_BIT);
	return 0;

length:
	return kiss_param_refuse(s, KISS_SENSE_PARAM_LIST_LENGTH, -1, 0);
}

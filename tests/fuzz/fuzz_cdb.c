// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the SCSI core: any byte string is a CDB (decoded
 * from a buffer of exactly its length, so reading past it is caught), an
 * LBA range check, REPORT SUPPORTED OPERATION CODES and sense data into
 * buffers of exact, fuzzed sizes, a LUN and raw sense data to parse.
 *
 * The bytes after the header are also parsed as EXTENDED COPY and
 * REGISTER AND MOVE parameter lists.
 *
 * Layout: byte 0 options (sense format, RCTD, hidden classes), byte 1 an
 * output buffer size, bytes 2-9 the capacity, the rest the CDB.
 */
#include <stdlib.h>

#include "proto/scsi.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#define HEADER	10

static void check_sense(const struct kiss_sense_info *s, size_t out_size,
			bool desc)
{
	u8 full[KISS_SENSE_MAX_LEN];
	struct kiss_sense_info p;
	u8 *out = out_size ? malloc(out_size) : NULL;
	size_t n;

	if (out_size && !out)
		abort();
	n = kiss_sense_build(out, out_size, s, desc);
	if (n > out_size || n > KISS_SENSE_MAX_LEN)
		abort();
	free(out);

	n = kiss_sense_build(full, sizeof(full), s, desc);
	if (n < (desc ? 8u : (size_t)KISS_SENSE_FIXED_LEN) ||
	    (!desc && n != KISS_SENSE_FIXED_LEN))
		abort();
	if ((size_t)full[7] + 8 != n)
		abort();
	if (kiss_sense_parse(full, n, &p))
		abort();
	if (p.key != (s->key & 0x0f) || p.asc != s->asc || p.ascq != s->ascq)
		abort();
	if (p.sksv != s->sksv)
		abort();
	if (s->sksv && (p.cd != s->cd || p.bpv != s->bpv ||
			p.field != s->field || (s->bpv && p.bit != (s->bit & 7))))
		abort();
	if (s->info_valid && (desc || s->info <= 0xffffffffULL) &&
	    (!p.info_valid || p.info != s->info))
		abort();
}

static void check_decoded(const u8 *cdb, size_t len, const struct kiss_cdb *c,
			  u64 capacity, const u8 *hdr)
{
	const struct kiss_opcode_info *op;
	struct kiss_sense_info s;
	struct kiss_cdb again;
	unsigned int hide = (hdr[0] >> 2) & 0x3c;
	size_t out_size = hdr[1];
	u64 xfer;
	int ret;

	if (c->len != kiss_cdb_group_len(c->opcode) || c->len > len)
		abort();
	op = kiss_opcode_lookup(c->opcode, c->sa);
	if (!op || !(op->flags & KISS_OPF_DECODED) || op->flags != c->flags ||
	    op->kind != c->kind)
		abort();
	if ((c->kind == KISS_CDB_READ || c->kind == KISS_CDB_WRITE) &&
	    !c->has_lba)
		abort();
	if (c->len == 6 && c->has_lba && (c->nr_blocks < 1 ||
					  c->nr_blocks > 256 ||
					  c->lba > 0x1fffff))
		abort();
	if (c->anchor || c->bytchk > 1 || c->dir > KISS_DIR_OUT)
		abort();
	if (c->kind == KISS_CDB_WRITE_SAME && !c->nr_blocks)
		abort();
	if (c->kind == KISS_CDB_COMPARE_AND_WRITE &&
	    c->nr_blocks > KISS_CAW_MAX_BLOCKS)
		abort();
	xfer = kiss_cdb_xfer_len(c, 4096);
	if (xfer > 2 * 4096 * (u64)c->nr_blocks + c->alloc_len + c->param_len +
	    4096)
		abort();
	if (c->dir == KISS_DIR_NONE && xfer)
		abort();

	/* Only the opcode's CDB length is read: the rest cannot matter. */
	if (kiss_cdb_decode(cdb, c->len, &again) || again.lba != c->lba ||
	    again.nr_blocks != c->nr_blocks || again.kind != c->kind ||
	    again.alloc_len != c->alloc_len || again.param_len != c->param_len)
		abort();

	ret = kiss_cdb_check_range(c, capacity, &s);
	if (ret == 0 && c->has_lba) {
		u64 end;

		if (__builtin_add_overflow(c->lba, c->nr_blocks, &end) ||
		    end > capacity)
			abort();
	} else if (ret) {
		if (ret != -KISS_CDB_ERR_RANGE || !c->has_lba ||
		    s.key != KISS_SK_ILLEGAL_REQUEST || s.asc != 0x21)
			abort();
	}

	if (c->opcode == KISS_SCSI_MAINTENANCE_IN &&
	    c->sa == KISS_MI_REPORT_SUPPORTED_OPCODES) {
		u8 *out = out_size ? malloc(out_size) : NULL;

		if (out_size && !out)
			abort();
		ret = kiss_rsoc_build(out, out_size, c, hide, &s);
		if (ret < 0 && (ret != -KISS_CDB_ERR_FIELD || !s.sksv ||
				s.asc != 0x24))
			abort();
		if (ret >= 0 && ret < 4)
			abort();
		free(out);
	}
}

/* Parameter lists, parsed from a buffer of exactly @len bytes. */
static void check_param_lists(const u8 *buf, size_t len)
{
	struct kiss_xcopy_list l;
	struct kiss_pr_move m;
	struct kiss_sense_info s;
	unsigned int i;

	if (!kiss_xcopy_parse(buf, len, &l, &s)) {
		if (l.nr_targets > KISS_XCOPY_MAX_TARGETS ||
		    l.nr_segments > KISS_XCOPY_MAX_SEGMENTS)
			abort();
		for (i = 0; i < l.nr_segments; i++)
			if (l.segments[i].src >= l.nr_targets ||
			    l.segments[i].dst >= l.nr_targets)
				abort();
	} else if (s.key != KISS_SK_ILLEGAL_REQUEST &&
		   s.key != KISS_SK_COPY_ABORTED) {
		abort();
	}

	if (!kiss_pr_move_parse(buf, len, &m, &s)) {
		if (len < KISS_PR_MOVE_HDR_LEN + KISS_PR_TPID_MIN_LEN ||
		    len > KISS_PR_MOVE_MAX_LEN || !m.name[0] ||
		    strlen(m.name) > KISS_PR_NAME_MAX || strchr(m.name, ','))
			abort();
	} else if (s.key != KISS_SK_ILLEGAL_REQUEST ||
		   (s.asc != 0x1a && s.asc != 0x26)) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct kiss_sense_info s, p;
	struct kiss_cdb c;
	const u8 *cdb;
	u8 *copy;
	size_t len, out_size;
	u64 capacity, lun;
	int ret;

	if (size < HEADER)
		return 0;
	out_size = data[1];
	capacity = get_unaligned_be64(data + 2);
	cdb = data + HEADER;
	len = size - HEADER;

	/* An exact-size copy: any read past @len is an ASan report. */
	copy = len ? malloc(len) : NULL;
	if (len && !copy)
		abort();
	if (len)
		memcpy(copy, cdb, len);
	ret = kiss_cdb_decode(copy, len, &c);
	if (ret > 0 || ret <= -KISS_CDB_ERR_COUNT || ret == -KISS_CDB_ERR_RANGE)
		abort();
	if (!kiss_cdb_err_str(ret)[0] || !strcmp(kiss_cdb_err_str(ret),
						 "unknown"))
		abort();
	if (ret) {
		if (c.sense.key != KISS_SK_ILLEGAL_REQUEST ||
		    (c.sense.asc != 0x20 && c.sense.asc != 0x24))
			abort();
		if (c.sense.sksv && (!c.sense.cd || c.sense.bit > 7 ||
				     c.sense.field >= KISS_CDB_MAX_LEN ||
				     (c.len && c.sense.field >= c.len)))
			abort();
		if ((ret == -KISS_CDB_ERR_OPCODE) != (c.sense.asc == 0x20))
			abort();
		check_sense(&c.sense, out_size & 31, data[0] & 1);
	} else {
		check_decoded(copy, len, &c, capacity, data);
	}
	free(copy);

	/* The one-command writer with any opcode, SA and options. */
	if (len >= 4) {
		u8 *out = out_size ? malloc(out_size) : NULL;

		if (out_size && !out)
			abort();
		ret = kiss_rsoc_one(out, out_size, cdb[0] & 7, cdb[1],
				    get_unaligned_be16(cdb + 2), data[0] & 2,
				    (data[0] >> 2) & 0x3c, &s);
		if (ret != -KISS_CDB_ERR_FIELD &&
		    (ret < 4 || ret > 4 + KISS_CDB_MAX_LEN + 12))
			abort();
		free(out);
		if (kiss_rsoc_all(NULL, 0, data[0] & 2, 0) < 4)
			abort();
	}

	/* The same bytes as EXTENDED COPY and REGISTER AND MOVE lists. */
	copy = len ? malloc(len) : NULL;
	if (len && !copy)
		abort();
	if (len)
		memcpy(copy, cdb, len);
	check_param_lists(copy, len);
	free(copy);

	/* Sense information from raw bytes. */
	if (len >= 16) {
		memset(&s, 0, sizeof(s));
		s.key = cdb[0];
		s.asc = cdb[1];
		s.ascq = cdb[2];
		s.info_valid = cdb[3] & 1;
		s.sksv = cdb[3] & 2;
		s.cd = cdb[3] & 4;
		s.bpv = cdb[3] & 8;
		s.bit = cdb[3] >> 4;
		s.field = get_unaligned_be16(cdb + 4);
		s.info = get_unaligned_be64(cdb + 6);
		check_sense(&s, out_size & 31, data[0] & 1);
	}

	/* Parse anything as sense data; a LUN from the first 8 bytes. */
	if (!kiss_sense_parse(cdb, len, &p) && (p.key > 0x0f || p.bit > 7))
		abort();
	if (!kiss_scsilun_decode(cdb, len, &lun)) {
		u8 enc[KISS_LUN_LEN];
		u64 back;

		if (lun > KISS_MAX_LUN || kiss_scsilun_encode(lun, enc) ||
		    kiss_scsilun_decode(enc, sizeof(enc), &back) || back != lun)
			abort();
	}

	/* Any errno maps to a SAM status. */
	if (len >= 4) {
		int err = (int)get_unaligned_be32(cdb);
		u8 st = kiss_io_sense(kiss_io_status_from_errno(err), cdb[0] & 1,
				      &s);

		if (st != KISS_SAM_STAT_GOOD &&
		    st != KISS_SAM_STAT_CHECK_CONDITION &&
		    st != KISS_SAM_STAT_BUSY &&
		    st != KISS_SAM_STAT_RESERVATION_CONFLICT)
			abort();
		if ((st == KISS_SAM_STAT_CHECK_CONDITION) !=
		    (s.key != KISS_SK_NO_SENSE))
			abort();
	}
	return 0;
}

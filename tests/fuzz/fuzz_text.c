// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the text format and the negotiator: a whole login
 * (and the Text requests after it) driven by fuzzed key=value data.
 *
 * Input: two control bytes, then requests separated by '\n'.  The first
 * byte of a request picks what it is: 'S' a security-stage Login request,
 * 'F' a Text request, 'E' the end of login (kiss_neg_finish()), anything
 * else an operational-stage Login request; the rest is its text.  The
 * first control byte picks the target configuration (bits 0-1), a leading
 * or an added connection (bit 2), the PDU size the text arrives in (bits
 * 3-5) and the size of the answer buffer (bits 6-7); the second one the
 * most text a request may carry (bits 0-1), so that inputs shorter than
 * 8 KiB reach the accumulator's overflow too.
 *
 * Invariants: the iterator walks only inside the text and every pair it
 * returns is well formed; an error is sticky; the accumulator takes
 * exactly what fits; an answer never goes past its buffer, is left as it
 * was on failure and is itself valid text; the pieces it is sent in fit
 * the data segment size kiss may send; each answer to an offer is one the
 * key's result function admits (RFC 7143 6.2.2) and is the value then in
 * force; every parameter stays within its key's range, and after
 * kiss_neg_finish() within what kiss accepts.
 */
#include <stdlib.h>

#include "proto/text.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#define U24_MAX		0xffffffu

static struct kiss_neg neg;
static struct kiss_neg_config cfg;
static struct kiss_neg_params session;
static char ltds[KISS_TEXT_LTDS_MAX];
static char obuf[KISS_TEXT_LTDS_MAX];
static char joined[KISS_TEXT_LTDS_MAX];

#define CHECK(c)	do { if (!(c)) abort(); } while (0)

static void config(unsigned int variant)
{
	kiss_neg_config_default(&cfg);
	switch (variant) {
	case 1:		/* digests required, the cautious data path */
		cfg.header_digests = KISS_DIGEST_BIT(KISS_DIGEST_CRC32C);
		cfg.data_digests = KISS_DIGEST_BIT(KISS_DIGEST_CRC32C);
		cfg.immediate_data = false;
		cfg.initial_r2t = true;
		break;
	case 2:		/* small everything, an alias */
		cfg.max_recv_dsl = 512;
		cfg.max_xmit_dsl = 512;
		cfg.max_burst_length = 4096;
		cfg.first_burst_length = 2048;
		strcpy(cfg.target_alias, "kiss \xc3\xa9");
		cfg.tpgt = 65535;
		break;
	case 3:		/* generous limits, no digests */
		cfg.header_digests = KISS_DIGEST_BIT(KISS_DIGEST_NONE);
		cfg.data_digests = KISS_DIGEST_BIT(KISS_DIGEST_NONE);
		cfg.max_burst_length = U24_MAX;
		cfg.first_burst_length = U24_MAX;
		cfg.error_recovery_level = 2;
		cfg.max_connections = 4;
		cfg.max_outstanding_r2t = 8;
		cfg.default_time2wait = 0;
		cfg.default_time2retain = 3600;
		cfg.protocol_level = 0;
		break;
	default:
		break;
	}
	CHECK(kiss_neg_config_valid(&cfg));
}

/* Walk @len bytes of text, checking each pair; return the final status. */
static enum kiss_text_status walk(const char *t, size_t len)
{
	struct kiss_text_iter it;
	struct kiss_text_pair p, first = { 0 };
	enum kiss_text_status st, again;
	const char *prev_end = t;
	unsigned int n = 0;

	/* With the simple-value limit, nothing longer comes through. */
	kiss_text_iter_init(&it, t, len);
	it.max_value = KISS_TEXT_VALUE_MAX;
	while ((st = kiss_text_next(&it, &p)) == KISS_TEXT_OK)
		CHECK(p.value_len <= KISS_TEXT_VALUE_MAX);

	kiss_text_iter_init(&it, t, len);
	while ((st = kiss_text_next(&it, &p)) == KISS_TEXT_OK) {
		CHECK(p.key >= prev_end);
		CHECK(p.key_len >= 1 && p.key_len <= KISS_TEXT_KEY_MAX);
		CHECK(kiss_text_key_valid(p.key, p.key_len));
		CHECK(p.key[p.key_len] == '=');
		CHECK(p.value == p.key + p.key_len + 1);
		CHECK(p.value + p.value_len < t + len);
		CHECK(p.value[p.value_len] == '\0');
		CHECK(!memchr(p.value, '\0', p.value_len));
		CHECK(it.pos <= len);
		prev_end = p.value + p.value_len + 1;
		if (!n++)
			first = p;
	}
	CHECK((unsigned int)st < KISS_TEXT_STATUS_COUNT);
	CHECK(kiss_text_status_name(st)[0] != '\0');
	/* Errors are sticky, and so is the end. */
	again = kiss_text_next(&it, &p);
	CHECK(again == st);
	CHECK(kiss_text_validate(t, len) ==
	      (st == KISS_TEXT_END ? KISS_TEXT_OK : st));

	if (n) {
		char key[KISS_TEXT_KEY_MAX + 1];
		enum kiss_text_status f;

		memcpy(key, first.key, first.key_len);
		key[first.key_len] = '\0';
		f = kiss_text_find(t, len, key, &p);
		if (st != KISS_TEXT_END)
			CHECK(f == st || f == KISS_TEXT_ERR_DUPLICATE);
		else
			CHECK(f == KISS_TEXT_OK || f == KISS_TEXT_ERR_DUPLICATE);
		if (f == KISS_TEXT_OK)
			CHECK(p.key == first.key);
	}
	return st;
}

/* Gather @len bytes in PDUs of @piece bytes; false if they do not fit. */
static bool gather(struct kiss_text_accum *acc, const char *t, size_t len,
		   size_t piece)
{
	size_t off = 0;

	kiss_text_accum_reset(acc);
	if (!piece)
		piece = len ? len : 1;
	while (off < len) {
		size_t n = len - off < piece ? len - off : piece;
		u32 before = acc->len;

		if (kiss_text_accum_add(acc, t + off, n) != KISS_TEXT_OK) {
			CHECK(before + n > acc->cap);
			CHECK(acc->len == before);
			return false;
		}
		CHECK(acc->len == before + n);
		CHECK(acc->len <= acc->cap);
		off += n;
	}
	CHECK(acc->len == len);
	CHECK(!len || !memcmp(acc->buf, t, len));
	if (kiss_text_accum_finish(acc) != KISS_TEXT_OK) {
		CHECK(len && t[len - 1] != '\0');
		return false;
	}
	return true;
}

static void check_names(void)
{
	size_t n;

	n = strnlen(neg.initiator_name, sizeof(neg.initiator_name));
	CHECK(n < sizeof(neg.initiator_name));
	CHECK(!n || kiss_text_iscsi_name_valid(neg.initiator_name, n));
	n = strnlen(neg.target_name, sizeof(neg.target_name));
	CHECK(n < sizeof(neg.target_name));
	CHECK(!n || kiss_text_iscsi_name_valid(neg.target_name, n));
	n = strnlen(neg.initiator_alias, sizeof(neg.initiator_alias));
	CHECK(n < sizeof(neg.initiator_alias));
	CHECK(kiss_text_utf8_valid(neg.initiator_alias, n));
	CHECK(strnlen(neg.send_targets_value,
		      sizeof(neg.send_targets_value)) <
	      sizeof(neg.send_targets_value));
	CHECK(strnlen(neg.err_key, sizeof(neg.err_key)) <
	      sizeof(neg.err_key));
}

/* Every value within its key's range (RFC 7143 13). */
static void check_ranges(const struct kiss_neg_params *p)
{
	CHECK(p->max_recv_dsl >= 512 && p->max_recv_dsl <= U24_MAX);
	CHECK(p->max_xmit_dsl >= 512 && p->max_xmit_dsl <= cfg.max_xmit_dsl);
	CHECK(p->max_recv_dsl == 8192 || p->max_recv_dsl == cfg.max_recv_dsl);
	CHECK(p->max_burst_length >= 512 && p->max_burst_length <= U24_MAX);
	CHECK(p->first_burst_length >= 512 &&
	      p->first_burst_length <= U24_MAX);
	CHECK(p->default_time2wait <= 3600);
	CHECK(p->default_time2retain <= 3600);
	CHECK(p->max_outstanding_r2t >= 1);
	CHECK(p->max_connections >= 1);
	CHECK(p->error_recovery_level <= 2);
	CHECK(p->protocol_level <= 31);
	CHECK(p->header_digest <= KISS_DIGEST_CRC32C);
	CHECK(p->data_digest <= KISS_DIGEST_CRC32C);
	CHECK(p->session_type <= KISS_SESSION_DISCOVERY);
	check_names();
}

/* Keys a Discovery session or an added connection does not negotiate. */
static void check_untouched(const struct kiss_neg_params *p,
			    const struct kiss_neg_params *was)
{
	CHECK(p->max_burst_length == was->max_burst_length);
	CHECK(p->first_burst_length == was->first_burst_length);
	CHECK(p->max_outstanding_r2t == was->max_outstanding_r2t);
	CHECK(p->max_connections == was->max_connections);
	CHECK(p->initial_r2t == was->initial_r2t);
	CHECK(p->immediate_data == was->immediate_data);
	CHECK(p->data_pdu_in_order == was->data_pdu_in_order);
	CHECK(p->data_sequence_in_order == was->data_sequence_in_order);
}

/* After kiss_neg_finish(): nothing kiss cannot work with. */
static void check_finished(const struct kiss_neg_params *start)
{
	const struct kiss_neg_params *p = &neg.p;

	check_ranges(p);
	CHECK(!kiss_neg_pending(&neg));
	CHECK(neg.initiator_name[0]);
	CHECK(p->session_type == KISS_SESSION_DISCOVERY || neg.target_name[0]);
	CHECK(cfg.header_digests & KISS_DIGEST_BIT(p->header_digest));
	CHECK(cfg.data_digests & KISS_DIGEST_BIT(p->data_digest));
	if (!neg.leading || p->session_type == KISS_SESSION_DISCOVERY) {
		check_untouched(p, start);
		return;
	}
	CHECK(p->max_burst_length <= cfg.max_burst_length);
	CHECK(p->max_outstanding_r2t <= cfg.max_outstanding_r2t);
	CHECK(p->max_connections <= cfg.max_connections);
	CHECK(p->error_recovery_level <= cfg.error_recovery_level);
	CHECK(p->protocol_level <= cfg.protocol_level);
	CHECK(!p->immediate_data || cfg.immediate_data);
	CHECK(!cfg.initial_r2t || p->initial_r2t);
	CHECK(!cfg.data_pdu_in_order || p->data_pdu_in_order);
	CHECK(!cfg.data_sequence_in_order || p->data_sequence_in_order);
	/* 13.14, unless FirstBurstLength is Irrelevant */
	if (!p->initial_r2t || p->immediate_data) {
		CHECK(p->first_burst_length <= cfg.first_burst_length);
		CHECK(p->first_burst_length <= p->max_burst_length);
	}
}

/* The value in force of a negotiated key, or -1 for other keys. */
static long param_of(const struct kiss_neg_params *p, int key)
{
	switch (key) {
	case KISS_KEY_HEADER_DIGEST:
		return p->header_digest;
	case KISS_KEY_DATA_DIGEST:
		return p->data_digest;
	case KISS_KEY_MAX_CONNECTIONS:
		return p->max_connections;
	case KISS_KEY_INITIAL_R2T:
		return p->initial_r2t;
	case KISS_KEY_IMMEDIATE_DATA:
		return p->immediate_data;
	case KISS_KEY_MAX_BURST_LENGTH:
		return p->max_burst_length;
	case KISS_KEY_FIRST_BURST_LENGTH:
		return p->first_burst_length;
	case KISS_KEY_DEFAULT_TIME2WAIT:
		return p->default_time2wait;
	case KISS_KEY_DEFAULT_TIME2RETAIN:
		return p->default_time2retain;
	case KISS_KEY_MAX_OUTSTANDING_R2T:
		return p->max_outstanding_r2t;
	case KISS_KEY_DATA_PDU_IN_ORDER:
		return p->data_pdu_in_order;
	case KISS_KEY_DATA_SEQUENCE_IN_ORDER:
		return p->data_sequence_in_order;
	case KISS_KEY_ERROR_RECOVERY_LEVEL:
		return p->error_recovery_level;
	case KISS_KEY_PROTOCOL_LEVEL:
		return p->protocol_level;
	default:
		return -1;
	}
}

/* Is @v one of the comma-separated values of @list? */
static bool in_list(const char *list, size_t len, const char *v, size_t vlen)
{
	size_t start = 0;

	while (start <= len) {
		const char *c = memchr(list + start, ',', len - start);
		size_t end = c ? (size_t)(c - list) : len;

		if (end - start == vlen && !memcmp(list + start, v, vlen))
			return true;
		start = end + 1;
	}
	return false;
}

/*
 * One answer of kiss to an offer of the initiator (RFC 7143 6.2.2): the
 * result function must admit it, and it is the value now in force.
 */
static void check_admissible(int key, const struct kiss_text_pair *offer,
			     const struct kiss_text_pair *ans)
{
	const struct kiss_key_def *d = kiss_key_get(key);
	long cur = param_of(&neg.p, key);
	u64 o, a;
	bool ob, ab;

	if (kiss_text_is_reserved(ans->value, ans->value_len))
		return;
	switch (d->type) {
	case KISS_KT_MIN:
	case KISS_KT_MAX:
		CHECK(!kiss_text_parse_number(offer->value, offer->value_len,
					      &o));
		CHECK(!kiss_text_parse_number(ans->value, ans->value_len, &a));
		CHECK(a >= d->min && a <= d->max);
		CHECK(d->type == KISS_KT_MIN ? a <= o : a >= o);
		break;
	case KISS_KT_AND:
	case KISS_KT_OR:
		CHECK(!kiss_text_parse_bool(offer->value, offer->value_len,
					    &ob));
		CHECK(!kiss_text_parse_bool(ans->value, ans->value_len, &ab));
		CHECK(d->type == KISS_KT_AND ? !ab || ob : ab || !ob);
		a = ab;
		break;
	case KISS_KT_LIST:
		/* One value, taken from the offered list. */
		CHECK(!memchr(ans->value, ',', ans->value_len));
		CHECK(in_list(offer->value, offer->value_len, ans->value,
			      ans->value_len));
		a = kiss_text_value_is(ans, "CRC32C");
		break;
	default:
		return;
	}
	if (cur >= 0)
		CHECK((u64)cur == a);
}

/*
 * Each pair kiss sends answers a key of @req, or is one of its own
 * declarations or offers.
 */
static void check_answers(const char *req, size_t req_len,
			  enum kiss_login_stage stage,
			  const struct kiss_text_out *out)
{
	struct kiss_text_iter it;
	struct kiss_text_pair ans, offer;

	kiss_text_iter_init(&it, out->buf, out->len);
	while (kiss_text_next(&it, &ans) == KISS_TEXT_OK) {
		char name[KISS_TEXT_KEY_MAX + 1];
		int key = kiss_key_lookup(ans.key, ans.key_len);
		enum kiss_text_status f;

		memcpy(name, ans.key, ans.key_len);
		name[ans.key_len] = '\0';
		f = kiss_text_find(req, req_len, name, &offer);
		if (key < 0) {
			/*
			 * Unknown keys are not remembered: one sent twice
			 * is answered twice.
			 */
			CHECK(f == KISS_TEXT_OK || f == KISS_TEXT_ERR_DUPLICATE);
			CHECK(kiss_text_value_is(&ans, "NotUnderstood") ||
			      kiss_text_value_is(&ans, "Reject"));
			continue;
		}
		CHECK(f == KISS_TEXT_OK || f == KISS_TEXT_ERR_NOT_FOUND);
		if (f == KISS_TEXT_ERR_NOT_FOUND) {
			/* kiss's own: declarations or offers, in login. */
			CHECK(stage != KISS_STAGE_FULL_FEATURE);
			CHECK(key == KISS_KEY_TARGET_ALIAS ||
			      key == KISS_KEY_TARGET_PORTAL_GROUP_TAG ||
			      key == KISS_KEY_MAX_RECV_DSL ||
			      neg.state[key] == KISS_NKS_OFFERED);
			continue;
		}
		CHECK(kiss_text_key_is(&ans, kiss_key_get(key)->name));
		if (stage != KISS_STAGE_FULL_FEATURE)
			check_admissible(key, &offer, &ans);
	}
}

/* An answer: valid text, sent in pieces that fit @max. */
static void check_answer(struct kiss_text_out *out, u32 from, size_t max)
{
	struct kiss_text_iter it;
	struct kiss_text_pair p;
	enum kiss_text_status st;
	size_t total = 0;
	bool more;

	CHECK(out->len <= out->cap);
	CHECK(kiss_text_validate(out->buf + from, out->len - from) ==
	      KISS_TEXT_OK);
	kiss_text_iter_init(&it, out->buf + from, out->len - from);
	while ((st = kiss_text_next(&it, &p)) == KISS_TEXT_OK)
		CHECK(p.value_len <= KISS_TEXT_VALUE_MAX);
	CHECK(st == KISS_TEXT_END);

	out->sent = 0;
	do {
		const char *d;
		size_t n;

		more = kiss_text_out_next(out, max, &d, &n);
		CHECK(n <= max);
		CHECK(d == out->buf + total);
		/* Whole pairs, unless one pair alone is over the limit. */
		if (more && n < max)
			CHECK(d[n - 1] == '\0');
		memcpy(joined + total, d, n);
		total += n;
	} while (more);
	CHECK(total == out->len);
	CHECK(kiss_text_out_done(out));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const size_t pieces[8] = { 0, 1, 3, 7, 48, 512, 4096, 8192 };
	static const size_t caps[4] = { KISS_TEXT_LTDS_MAX, 1024, 100, 16 };
	static const size_t ltds_caps[4] = { KISS_TEXT_LTDS_MAX, 1024, 256, 48 };
	struct kiss_neg_params start;
	struct kiss_text_accum acc;
	struct kiss_text_out out;
	bool over = false, finished = false;
	const char *t, *end;
	u8 ctl, ctl2;

	if (size < 2)
		return 0;
	ctl = data[0];
	ctl2 = data[1];
	config(ctl & 3);
	if (ctl & 4) {
		kiss_neg_params_default(&session);
		session.max_burst_length = 131072;
		session.initial_r2t = false;
		session.max_connections = 2;
		kiss_neg_init(&neg, &cfg, &session);
		CHECK(!neg.leading);
	} else {
		kiss_neg_init(&neg, &cfg, NULL);
		CHECK(neg.leading);
	}
	start = neg.p;
	check_ranges(&neg.p);
	/* At the end of the arrays: a byte past the cap is a global overflow. */
	kiss_text_accum_init(&acc, ltds + sizeof(ltds) - ltds_caps[ctl2 & 3],
			     ltds_caps[ctl2 & 3]);
	kiss_text_out_init(&out, obuf + sizeof(obuf) - caps[ctl >> 6],
			   caps[ctl >> 6]);

	t = (const char *)data + 2;
	end = (const char *)data + size;
	while (t < end) {
		const char *nl = memchr(t, '\n', end - t);
		const char *next = nl ? nl + 1 : end;
		size_t len = (nl ? nl : end) - t;
		enum kiss_login_stage stage = KISS_STAGE_OPERATIONAL;
		enum kiss_neg_status ret;
		char kind = 'O';
		u32 saved;
		bool saved_overflow, ffp;

		if (len) {
			kind = t[0];
			t++;
			len--;
		}
		if (kind == 'S')
			stage = KISS_STAGE_SECURITY;
		else if (kind == 'F')
			stage = KISS_STAGE_FULL_FEATURE;
		walk(t, len);
		if (kind == 'E') {
			if (!over && !finished) {
				ret = kiss_neg_finish(&neg);
				CHECK((unsigned int)ret < KISS_NEG_STATUS_COUNT);
				finished = ret == KISS_NEG_OK;
				over = !finished;
				if (finished)
					check_finished(&start);
			}
			t = next;
			continue;
		}
		/* Login requests before the end, Text requests after it. */
		ffp = stage == KISS_STAGE_FULL_FEATURE;
		if (over || finished != ffp ||
		    !gather(&acc, t, len, pieces[(ctl >> 3) & 7])) {
			t = next;
			continue;
		}

		saved = out.len;
		saved_overflow = out.overflow;
		ret = kiss_neg_request(&neg, stage, acc.buf, acc.len, &out);
		CHECK((unsigned int)ret < KISS_NEG_STATUS_COUNT);
		CHECK(kiss_neg_status_name(ret)[0] != '\0');
		CHECK(kiss_neg_login_status(ret) == KISS_LOGIN_SUCCESS ||
		      kiss_neg_login_status(ret) == KISS_LOGIN_INITIATOR_ERROR ||
		      kiss_neg_login_status(ret) ==
		      KISS_LOGIN_MISSING_PARAMETER ||
		      kiss_neg_login_status(ret) ==
		      KISS_LOGIN_OUT_OF_RESOURCES);
		CHECK((ret == KISS_NEG_OK) ==
		      (kiss_neg_login_status(ret) == KISS_LOGIN_SUCCESS));
		CHECK(out.len <= out.cap);
		check_names();
		if (ret != KISS_NEG_OK) {
			CHECK(out.len == saved);
			CHECK(out.overflow == saved_overflow);
			CHECK(ret != KISS_NEG_ERR_TEXT ||
			      neg.text_err != KISS_TEXT_OK);
			/* A failed Login request ends the login. */
			if (stage != KISS_STAGE_FULL_FEATURE)
				over = true;
		} else {
			check_ranges(&neg.p);
			check_answer(&out, saved, neg.p.max_xmit_dsl);
			check_answers(acc.buf, acc.len, stage, &out);
			if (neg.p.session_type == KISS_SESSION_DISCOVERY ||
			    !neg.leading)
				check_untouched(&neg.p, &start);
		}
		kiss_text_out_reset(&out);
		t = next;
	}
	if (!over && !finished && kiss_neg_finish(&neg) == KISS_NEG_OK)
		check_finished(&start);
	return 0;
}

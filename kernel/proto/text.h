/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iSCSI text: key=value data segments (RFC 7143 section 6.1) and the
 * negotiation of every login and text key (sections 6.2-6.6 and 13).
 *
 * Two layers:
 *
 * - text.c: the text format.  kiss_text_accum gathers a logical text data
 *   segment (LTDS) from the PDUs of a C-bit sequence into a caller buffer;
 *   kiss_text_next() walks its key=value pairs, refusing malformed ones with
 *   a reason; kiss_text_out collects a response and hands it out again in
 *   pieces that fit the peer's MaxRecvDataSegmentLength (C bit set on all
 *   but the last); small value parsers and the SendTargets builders.
 *
 * - params.c: the table of keys (type, phase, range, default) and the
 *   target-side negotiator.  struct kiss_neg lives with the connection's
 *   login state; kiss_neg_request() takes one complete LTDS from the
 *   initiator, checks it against the phase rules, and appends the target's
 *   answers (and its own declarations and offers) to a kiss_text_out.  The
 *   resulting operational parameters are in kiss_neg.p.
 *
 * Login flow for the caller (login.c):
 *
 *	first request: kiss_text_find() TargetName/SessionType to pick the
 *	target, fill a kiss_neg_config from it, kiss_neg_init();
 *	each request (after the C=0 PDU): kiss_neg_request(); route AuthMethod
 *	and CHAP_* (skipped by the negotiator) to chap.c; send the response;
 *	before answering a T=1 request that enters Full Feature Phase:
 *	kiss_neg_pending() must be false and kiss_neg_finish() must succeed.
 *
 * Nothing here allocates: every buffer belongs to the caller.
 */
#ifndef KISS_PROTO_TEXT_H
#define KISS_PROTO_TEXT_H

#include "port.h"
#include "pdu.h"

/* RFC 7143 6.1: a key name (standard-label) has at most 63 characters. */
#define KISS_TEXT_KEY_MAX		63
/* RFC 7143 6.1: a simple-value has at most 255 bytes unless said otherwise. */
#define KISS_TEXT_VALUE_MAX		255
/* RFC 7143 4.2.7.1: an iSCSI name has at most 223 bytes. */
#define KISS_TEXT_NAME_MAX		223
/*
 * RFC 7143 6.1: every implementation must take at least 8192 bytes of
 * key=value data in a negotiation sequence; kiss takes exactly that much in
 * one login or text LTDS (SRP, which needs 64 KiB, is not offered).
 */
#define KISS_TEXT_LTDS_MAX		8192
/* Largest number of bytes kiss_text_format_u64() writes, NUL excluded. */
#define KISS_TEXT_U64_CHARS		20
/* "[" IPv6 "]:" port "," tag, NUL included. */
#define KISS_TEXT_ADDR_MAX		(1 + 39 + 2 + 5 + 1 + 5 + 1)

/* Why a piece of text was refused. */
enum kiss_text_status {
	KISS_TEXT_OK = 0,
	KISS_TEXT_END,			/* no more pairs */
	KISS_TEXT_ERR_NO_EQUALS,	/* a pair without '=' */
	KISS_TEXT_ERR_EMPTY_KEY,	/* "=value" */
	KISS_TEXT_ERR_KEY_TOO_LONG,	/* key over KISS_TEXT_KEY_MAX */
	KISS_TEXT_ERR_KEY_CHAR,		/* key not a standard-label */
	KISS_TEXT_ERR_VALUE_TOO_LONG,	/* value over the iterator's limit */
	KISS_TEXT_ERR_NO_NUL,		/* last pair not NUL terminated */
	KISS_TEXT_ERR_OVERFLOW,		/* text does not fit the buffer */
	KISS_TEXT_ERR_DUPLICATE,	/* the key appears twice */
	KISS_TEXT_ERR_NOT_FOUND,	/* the key is absent */
	KISS_TEXT_ERR_NUMBER,		/* not a decimal or hex constant */
	KISS_TEXT_ERR_BOOLEAN,		/* not "Yes" or "No" */
	KISS_TEXT_STATUS_COUNT
};

const char *kiss_text_status_name(enum kiss_text_status status);

/**
 * struct kiss_text_pair - one key=value pair inside a text buffer
 * @key: first byte of the key (not NUL terminated: it ends at '=')
 * @key_len: length of the key, 1..KISS_TEXT_KEY_MAX
 * @value: first byte of the value; @value[@value_len] is the NUL delimiter
 * @value_len: length of the value, possibly 0
 */
struct kiss_text_pair {
	const char *key;
	const char *value;
	u32 key_len;
	u32 value_len;
};

/**
 * struct kiss_text_iter - a walk over the pairs of one LTDS
 * @buf: the text
 * @len: its length
 * @pos: offset of the next pair
 * @max_value: longest value accepted (KISS_TEXT_LTDS_MAX after init)
 */
struct kiss_text_iter {
	const char *buf;
	u32 len;
	u32 pos;
	u32 max_value;
};

void kiss_text_iter_init(struct kiss_text_iter *it, const char *buf,
			 size_t len);
enum kiss_text_status kiss_text_next(struct kiss_text_iter *it,
				     struct kiss_text_pair *pair);
enum kiss_text_status kiss_text_validate(const char *buf, size_t len);
enum kiss_text_status kiss_text_find(const char *buf, size_t len,
				     const char *key,
				     struct kiss_text_pair *pair);
bool kiss_text_key_is(const struct kiss_text_pair *pair, const char *key);
bool kiss_text_value_is(const struct kiss_text_pair *pair, const char *val);
bool kiss_text_key_valid(const char *key, size_t len);

/**
 * struct kiss_text_accum - a logical text data segment being received
 * @buf: caller memory, @cap bytes
 * @cap: the most text accepted (KISS_TEXT_LTDS_MAX for login)
 * @len: bytes gathered so far
 */
struct kiss_text_accum {
	char *buf;
	u32 cap;
	u32 len;
};

void kiss_text_accum_init(struct kiss_text_accum *acc, char *buf, size_t cap);
void kiss_text_accum_reset(struct kiss_text_accum *acc);
enum kiss_text_status kiss_text_accum_add(struct kiss_text_accum *acc,
					  const void *data, size_t len);
enum kiss_text_status kiss_text_accum_finish(const struct kiss_text_accum *acc);

/**
 * struct kiss_text_out - key=value text being built, then sent in pieces
 * @buf: caller memory, @cap bytes
 * @cap: its size
 * @len: bytes written
 * @sent: bytes already handed out by kiss_text_out_next()
 * @overflow: a put did not fit; nothing after it was written
 */
struct kiss_text_out {
	char *buf;
	u32 cap;
	u32 len;
	u32 sent;
	bool overflow;
};

void kiss_text_out_init(struct kiss_text_out *out, char *buf, size_t cap);
void kiss_text_out_reset(struct kiss_text_out *out);
enum kiss_text_status kiss_text_put(struct kiss_text_out *out,
				    const char *key, const char *value);
enum kiss_text_status kiss_text_put_len(struct kiss_text_out *out,
					const char *key, size_t key_len,
					const char *value, size_t value_len);
enum kiss_text_status kiss_text_put_u64(struct kiss_text_out *out,
					const char *key, u64 value);
bool kiss_text_out_next(struct kiss_text_out *out, size_t max,
			const char **data, size_t *len);

static inline bool kiss_text_out_done(const struct kiss_text_out *out)
{
	return out->sent >= out->len;
}

/* Values (RFC 7143 6.1). */
enum kiss_text_status kiss_text_parse_number(const char *s, size_t len,
					     u64 *val);
enum kiss_text_status kiss_text_parse_bool(const char *s, size_t len,
					   bool *val);
int kiss_text_list_select(const char *list, size_t len,
			  const char *const *supported, unsigned int n);
bool kiss_text_is_reserved(const char *s, size_t len);
bool kiss_text_utf8_valid(const char *s, size_t len);
bool kiss_text_iscsi_name_valid(const char *s, size_t len);
size_t kiss_text_format_u64(char *buf, u64 v);

/* SendTargets responses (RFC 7143 13.3, 13.8). */
size_t kiss_text_format_address(char *buf, size_t size, const u8 *addr,
				bool ipv6, u16 port, u16 tpgt);
enum kiss_text_status kiss_text_put_target_name(struct kiss_text_out *out,
						const char *name);
enum kiss_text_status kiss_text_put_target_address(struct kiss_text_out *out,
						   const u8 *addr, bool ipv6,
						   u16 port, u16 tpgt);
enum kiss_text_status kiss_text_put_target_host(struct kiss_text_out *out,
						const char *host, u16 port,
						u16 tpgt);

/* ------------------------------------------------------------------ */
/* Keys (RFC 7143 section 13, RFC 7144 for iSCSIProtocolLevel).        */

enum kiss_key {
	KISS_KEY_HEADER_DIGEST,
	KISS_KEY_DATA_DIGEST,
	KISS_KEY_MAX_CONNECTIONS,
	KISS_KEY_SEND_TARGETS,
	KISS_KEY_TARGET_NAME,
	KISS_KEY_INITIATOR_NAME,
	KISS_KEY_TARGET_ALIAS,
	KISS_KEY_INITIATOR_ALIAS,
	KISS_KEY_TARGET_ADDRESS,
	KISS_KEY_TARGET_PORTAL_GROUP_TAG,
	KISS_KEY_INITIAL_R2T,
	KISS_KEY_IMMEDIATE_DATA,
	KISS_KEY_MAX_RECV_DSL,
	KISS_KEY_MAX_BURST_LENGTH,
	KISS_KEY_FIRST_BURST_LENGTH,
	KISS_KEY_DEFAULT_TIME2WAIT,
	KISS_KEY_DEFAULT_TIME2RETAIN,
	KISS_KEY_MAX_OUTSTANDING_R2T,
	KISS_KEY_DATA_PDU_IN_ORDER,
	KISS_KEY_DATA_SEQUENCE_IN_ORDER,
	KISS_KEY_ERROR_RECOVERY_LEVEL,
	KISS_KEY_SESSION_TYPE,
	KISS_KEY_TASK_REPORTING,
	KISS_KEY_PROTOCOL_LEVEL,
	KISS_KEY_AUTH_METHOD,
	KISS_KEY_OF_MARKER,
	KISS_KEY_IF_MARKER,
	KISS_KEY_OF_MARK_INT,
	KISS_KEY_IF_MARK_INT,
	KISS_KEY_RDMA_EXTENSIONS,
	KISS_KEY_INITIATOR_RDSL,
	KISS_KEY_TARGET_RDSL,
	KISS_KEY_COUNT
};

/* How a key is negotiated (RFC 7143 6.2). */
enum kiss_key_type {
	KISS_KT_LIST,		/* list-of-values, first supported wins */
	KISS_KT_MIN,		/* numerical, result is the minimum */
	KISS_KT_MAX,		/* numerical, result is the maximum */
	KISS_KT_AND,		/* boolean, result is the AND */
	KISS_KT_OR,		/* boolean, result is the OR */
	KISS_KT_DECLARE,	/* declarative: no answer */
	KISS_KT_SEND_TARGETS,	/* answered by the caller's target list */
	KISS_KT_AUTH,		/* security: routed to the CHAP code */
	KISS_KT_OBSOLETE,	/* RFC 7143 13.25: answered "Reject" */
	KISS_KT_IRRELEVANT,	/* iSER-only with RDMAExtensions=No */
};

/* When a key may be sent ("Use" in RFC 7143 13). */
#define KISS_USE_IO		0x01	/* login of any connection */
#define KISS_USE_LO		0x02	/* login of the leading connection */
#define KISS_USE_FFPO		0x04	/* Full Feature Phase only */
#define KISS_USE_ALL		0x08	/* login and Full Feature Phase */
#define KISS_USE_SECURITY	0x10	/* security stage only */

/* Who may send it, and when it does not apply. */
#define KISS_KEYF_FROM_INITIATOR	0x01
#define KISS_KEYF_FROM_TARGET		0x02
#define KISS_KEYF_NO_DISCOVERY		0x04	/* Irrelevant if Discovery */
#define KISS_KEYF_CONNECTION		0x08	/* scope CO, not SW */
#define KISS_KEYF_SECURITY_OK		0x10	/* declarative, fine in SNS */

/**
 * struct kiss_key_def - one row of the key table
 * @name: the key, as on the wire
 * @type: enum kiss_key_type
 * @use: KISS_USE_*
 * @flags: KISS_KEYF_*
 * @max_len: longest value accepted from the initiator
 * @min: smallest numerical value
 * @max: largest numerical value
 * @dflt: RFC default (numbers and booleans; lists: index 0 is "None")
 */
struct kiss_key_def {
	const char *name;
	u8 type;
	u8 use;
	u8 flags;
	u16 max_len;
	u32 min;
	u32 max;
	u32 dflt;
};

const struct kiss_key_def *kiss_key_get(enum kiss_key key);
int kiss_key_lookup(const char *name, size_t len);
bool kiss_key_is_auth(const char *name, size_t len);
bool kiss_key_is_extension(const char *name, size_t len);

/* ------------------------------------------------------------------ */
/* Target-side negotiation.                                           */

enum kiss_digest_type {
	KISS_DIGEST_NONE = 0,
	KISS_DIGEST_CRC32C = 1,
};

#define KISS_DIGEST_BIT(d)	(1U << (d))
#define KISS_DIGESTS_ALL	(KISS_DIGEST_BIT(KISS_DIGEST_NONE) |	\
				 KISS_DIGEST_BIT(KISS_DIGEST_CRC32C))

enum kiss_session_type {
	KISS_SESSION_NORMAL = 0,
	KISS_SESSION_DISCOVERY = 1,
};

/* Protocol level of RFC 7143 (RFC 7144 defines 2). */
#define KISS_PROTOCOL_LEVEL	1

/**
 * struct kiss_neg_config - what the target accepts and prefers
 * @max_recv_dsl: MaxRecvDataSegmentLength kiss declares (512..2^24-1)
 * @max_xmit_dsl: cap on the data segments kiss sends, whatever the
 *	initiator declares (512..2^24-1)
 * @max_burst_length: largest MaxBurstLength accepted
 * @first_burst_length: largest FirstBurstLength accepted
 * @default_time2wait: kiss's DefaultTime2Wait (result is the maximum)
 * @default_time2retain: largest DefaultTime2Retain accepted
 * @max_outstanding_r2t: largest MaxOutstandingR2T accepted
 * @max_connections: largest MaxConnections accepted
 * @tpgt: TargetPortalGroupTag of the portal group serving the login
 * @error_recovery_level: largest ErrorRecoveryLevel accepted
 * @protocol_level: largest iSCSIProtocolLevel accepted
 * @header_digests: KISS_DIGEST_BIT() set of HeaderDigest values allowed
 * @data_digests: the same for DataDigest
 * @initial_r2t: Yes forces InitialR2T=Yes (OR); No follows the initiator
 * @immediate_data: No forces ImmediateData=No (AND); Yes follows it
 * @data_pdu_in_order: Yes forces DataPDUInOrder=Yes (OR)
 * @data_sequence_in_order: Yes forces DataSequenceInOrder=Yes (OR)
 * @target_alias: TargetAlias to declare, empty for none (UTF-8)
 *
 * Allowed digests are a set, not a preference list: as responder the
 * target must pick the first value of the initiator's list that it allows
 * (RFC 7143 6.2.1), so its own order never matters.
 */
struct kiss_neg_config {
	u32 max_recv_dsl;
	u32 max_xmit_dsl;
	u32 max_burst_length;
	u32 first_burst_length;
	u16 default_time2wait;
	u16 default_time2retain;
	u16 max_outstanding_r2t;
	u16 max_connections;
	u16 tpgt;
	u8 error_recovery_level;
	u8 protocol_level;
	u8 header_digests;
	u8 data_digests;
	bool initial_r2t;
	bool immediate_data;
	bool data_pdu_in_order;
	bool data_sequence_in_order;
	char target_alias[KISS_TEXT_VALUE_MAX + 1];
};

/**
 * struct kiss_neg_params - negotiated operational parameters
 * @max_recv_dsl: largest data segment the initiator may send to kiss
 *	(kiss's declaration, 8192 until it is made)
 * @max_xmit_dsl: largest data segment kiss may send (the initiator's
 *	declaration capped by the config, 8192 until it is made)
 * @max_burst_length: MaxBurstLength
 * @first_burst_length: FirstBurstLength
 * @default_time2wait: DefaultTime2Wait
 * @default_time2retain: DefaultTime2Retain
 * @max_outstanding_r2t: MaxOutstandingR2T
 * @max_connections: MaxConnections
 * @error_recovery_level: ErrorRecoveryLevel
 * @protocol_level: iSCSIProtocolLevel
 * @header_digest: enum kiss_digest_type
 * @data_digest: enum kiss_digest_type
 * @session_type: enum kiss_session_type
 * @initial_r2t: InitialR2T
 * @immediate_data: ImmediateData
 * @data_pdu_in_order: DataPDUInOrder
 * @data_sequence_in_order: DataSequenceInOrder
 */
struct kiss_neg_params {
	u32 max_recv_dsl;
	u32 max_xmit_dsl;
	u32 max_burst_length;
	u32 first_burst_length;
	u16 default_time2wait;
	u16 default_time2retain;
	u16 max_outstanding_r2t;
	u16 max_connections;
	u8 error_recovery_level;
	u8 protocol_level;
	u8 header_digest;
	u8 data_digest;
	u8 session_type;
	bool initial_r2t;
	bool immediate_data;
	bool data_pdu_in_order;
	bool data_sequence_in_order;
};

/* Why a negotiation failed; kiss_neg_login_status() maps to the wire. */
enum kiss_neg_status {
	KISS_NEG_OK = 0,
	KISS_NEG_ERR_TEXT,		/* malformed text: see kiss_neg.text_err */
	KISS_NEG_ERR_DUPLICATE,		/* key sent twice (RFC 7143 6.2) */
	KISS_NEG_ERR_PHASE,		/* key not allowed in this stage */
	KISS_NEG_ERR_SENDER,		/* target-only key from the initiator */
	KISS_NEG_ERR_RESERVED,		/* Reject/Irrelevant/... offered */
	KISS_NEG_ERR_DECLARATION,	/* bad declarative value */
	KISS_NEG_ERR_ANSWER,		/* inadmissible answer to a kiss offer */
	KISS_NEG_ERR_UNANSWERED,	/* kiss offers still open at the end */
	KISS_NEG_ERR_UNACCEPTABLE,	/* result outside the target's limits */
	KISS_NEG_ERR_MISSING,		/* InitiatorName or TargetName missing */
	KISS_NEG_ERR_NOSPC,		/* response buffer too small */
	KISS_NEG_STATUS_COUNT
};

/* Per-key negotiation state, kept across the requests of a login. */
enum kiss_neg_key_state {
	KISS_NKS_NONE = 0,	/* untouched: the value is the default */
	KISS_NKS_DONE,		/* offered and answered, or declared */
	KISS_NKS_OFFERED,	/* kiss offered it, the answer is due */
};

/**
 * struct kiss_neg_slot - one key of the request being processed
 * @value: the raw value, inside the caller's request text
 * @value_len: its length
 * @present: the key is in this request
 * @answer: enum (private to params.c) of what to answer
 * @num: parsed number, boolean or list index
 */
struct kiss_neg_slot {
	const char *value;
	u32 value_len;
	u8 present;
	u8 answer;
	u32 num;
};

/**
 * struct kiss_neg - negotiation state of one connection
 * @cfg: the target's configuration (a copy)
 * @p: current values: RFC defaults, then the results
 * @state: enum kiss_neg_key_state per key
 * @offer: value kiss offered, per key in KISS_NKS_OFFERED
 * @slot: scratch for the request being processed
 * @text_err: the text error behind KISS_NEG_ERR_TEXT
 * @err_key: the key behind the last error (empty if none)
 * @requests: login requests processed
 * @leading: leading connection of a new session
 * @declared_mrdsl: kiss has declared MaxRecvDataSegmentLength
 * @send_targets: the last Text request asked for SendTargets
 * @finished: kiss_neg_finish() succeeded
 * @initiator_name: InitiatorName, NUL terminated (empty if not sent)
 * @target_name: TargetName (empty if not sent)
 * @initiator_alias: InitiatorAlias (empty if not sent or not UTF-8)
 * @send_targets_value: SendTargets value ("All", a name, or empty)
 *
 * About 2 KiB: keep it with the connection, not on the stack.
 */
struct kiss_neg {
	struct kiss_neg_config cfg;
	struct kiss_neg_params p;
	u8 state[KISS_KEY_COUNT];
	u32 offer[KISS_KEY_COUNT];
	struct kiss_neg_slot slot[KISS_KEY_COUNT];
	enum kiss_text_status text_err;
	char err_key[KISS_TEXT_KEY_MAX + 1];
	u32 requests;
	bool leading;
	bool declared_mrdsl;
	bool send_targets;
	bool finished;
	char initiator_name[KISS_TEXT_NAME_MAX + 1];
	char target_name[KISS_TEXT_NAME_MAX + 1];
	char initiator_alias[KISS_TEXT_VALUE_MAX + 1];
	char send_targets_value[KISS_TEXT_NAME_MAX + 1];
};

void kiss_neg_config_default(struct kiss_neg_config *cfg);
bool kiss_neg_config_valid(const struct kiss_neg_config *cfg);
void kiss_neg_params_default(struct kiss_neg_params *p);
void kiss_neg_init(struct kiss_neg *neg, const struct kiss_neg_config *cfg,
		   const struct kiss_neg_params *session);
enum kiss_neg_status kiss_neg_request(struct kiss_neg *neg,
				      enum kiss_login_stage stage,
				      const char *text, size_t len,
				      struct kiss_text_out *out);
bool kiss_neg_pending(const struct kiss_neg *neg);
enum kiss_neg_status kiss_neg_finish(struct kiss_neg *neg);
u16 kiss_neg_login_status(enum kiss_neg_status status);
const char *kiss_neg_status_name(enum kiss_neg_status status);

#endif /* KISS_PROTO_TEXT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * The iSCSI login and text keys (RFC 7143 section 13) and their
 * negotiation on the target side (sections 6.2 to 6.6).
 *
 * A request is handled in passes, so that nothing changes unless the
 * whole request is good:
 *
 *	scan	walk the text once: syntax, phase, sender and duplicate
 *		checks; note each known key's value in its slot;
 *	compute	decide each answer on a scratch copy of the parameters,
 *		SessionType first (it makes keys irrelevant) and
 *		FirstBurstLength last (it depends on three other keys);
 *	emit	walk the text again and append the answers in request
 *		order, NotUnderstood for unknown keys;
 *	apply	commit the scratch parameters and the key states, then add
 *		the target's own declarations and offers.
 *
 * Decisions where the RFC leaves a choice, each with its section:
 *
 * - An offered value that is malformed or out of range is answered
 *   "Reject" (6.2.2 allows Reject or an admissible value); a bad
 *   declarative value (MaxRecvDataSegmentLength, SessionType, the names)
 *   cannot be answered and fails the login.
 * - A key sent twice in one login, or twice in one Text request, fails it
 *   (6.2: "Login reject (initiator error)").  One exception: libiscsi
 *   sends InitiatorName, InitiatorAlias, TargetName and SessionType again
 *   in its operational stage after a security stage, so a repeat with the
 *   value in force is let through; it changes nothing.  InitiatorName,
 *   TargetName and SessionType are only declared in the first request
 *   (6.3): login.c picked the target and its policy from that one.
 * - Operational keys in the security stage, security keys in the
 *   operational stage, Full-Feature-only keys in login, leading-only keys
 *   on another connection and target-only keys from the initiator fail
 *   the login (13: Use/Senders), as LIO does.  In a Text request keys
 *   that are only for login are answered "Reject" instead, since a Text
 *   request cannot be refused with a login status.
 * - IFMarker and OFMarker are answered "Reject", the value 13.25 says an
 *   implementation SHOULD send (LIO since 4.2 too; open-iscsi and the
 *   Windows initiator ignore the answer); IFMarkInt and OFMarkInt "Reject"
 *   as 13.25 requires.
 * - Every offer gets an answer, also the ones 6.2.2 lets a responder skip
 *   (OR with Yes, AND with No): initiators that wait for one exist.
 * - SendTargets=All in a Normal session is answered "Reject" (13.3, the
 *   value All is for Discovery sessions).
 * - The target offers a key itself only when the value in force (the
 *   default, the initiator not having offered it) is one it cannot work
 *   with, e.g. CRC32C required while the default is None; it declares
 *   MaxRecvDataSegmentLength in its first operational-stage response and
 *   TargetPortalGroupTag (13.9) and TargetAlias in its first response of
 *   a Normal session.
 */
#include "text.h"

#define KISS_U24_MAX	0xffffffu

#define KISS_KEYF_BOTH	(KISS_KEYF_FROM_INITIATOR | KISS_KEYF_FROM_TARGET)
#define KISS_KEYF_I	KISS_KEYF_FROM_INITIATOR
#define KISS_KEYF_T	KISS_KEYF_FROM_TARGET
#define KISS_KEYF_ND	KISS_KEYF_NO_DISCOVERY
#define KISS_KEYF_CO	KISS_KEYF_CONNECTION
#define KISS_KEYF_SEC	KISS_KEYF_SECURITY_OK
#define KISS_VMAX	KISS_TEXT_VALUE_MAX

static const struct kiss_key_def kiss_keys[KISS_KEY_COUNT] = {
	[KISS_KEY_HEADER_DIGEST] = {
		"HeaderDigest", KISS_KT_LIST, KISS_USE_IO,
		KISS_KEYF_BOTH | KISS_KEYF_CO, KISS_VMAX, 0, 1,
		KISS_DIGEST_NONE },
	[KISS_KEY_DATA_DIGEST] = {
		"DataDigest", KISS_KT_LIST, KISS_USE_IO,
		KISS_KEYF_BOTH | KISS_KEYF_CO, KISS_VMAX, 0, 1,
		KISS_DIGEST_NONE },
	[KISS_KEY_MAX_CONNECTIONS] = {
		"MaxConnections", KISS_KT_MIN, KISS_USE_LO,
		KISS_KEYF_BOTH | KISS_KEYF_ND, KISS_VMAX, 1, 65535, 1 },
	[KISS_KEY_SEND_TARGETS] = {
		"SendTargets", KISS_KT_SEND_TARGETS, KISS_USE_FFPO,
		KISS_KEYF_I, KISS_VMAX, 0, 0, 0 },
	[KISS_KEY_TARGET_NAME] = {
		"TargetName", KISS_KT_DECLARE, KISS_USE_IO,
		KISS_KEYF_BOTH | KISS_KEYF_SEC, KISS_TEXT_NAME_MAX, 0, 0, 0 },
	[KISS_KEY_INITIATOR_NAME] = {
		"InitiatorName", KISS_KT_DECLARE, KISS_USE_IO,
		KISS_KEYF_I | KISS_KEYF_SEC, KISS_TEXT_NAME_MAX, 0, 0, 0 },
	[KISS_KEY_TARGET_ALIAS] = {
		"TargetAlias", KISS_KT_DECLARE, KISS_USE_ALL,
		KISS_KEYF_T | KISS_KEYF_SEC, KISS_VMAX, 0, 0, 0 },
	[KISS_KEY_INITIATOR_ALIAS] = {
		"InitiatorAlias", KISS_KT_DECLARE, KISS_USE_ALL,
		KISS_KEYF_I | KISS_KEYF_SEC, KISS_VMAX, 0, 0, 0 },
	[KISS_KEY_TARGET_ADDRESS] = {
		"TargetAddress", KISS_KT_DECLARE, KISS_USE_ALL,
		KISS_KEYF_T | KISS_KEYF_SEC, KISS_VMAX, 0, 0, 0 },
	[KISS_KEY_TARGET_PORTAL_GROUP_TAG] = {
		"TargetPortalGroupTag", KISS_KT_DECLARE, KISS_USE_IO,
		KISS_KEYF_T | KISS_KEYF_SEC, KISS_VMAX, 0, 65535, 0 },
	[KISS_KEY_INITIAL_R2T] = {
		"InitialR2T", KISS_KT_OR, KISS_USE_LO,
		KISS_KEYF_BOTH | KISS_KEYF_ND, KISS_VMAX, 0, 1, 1 },
	[KISS_KEY_IMMEDIATE_DATA] = {
		"ImmediateData", KISS_KT_AND, KISS_USE_LO,
		KISS_KEYF_BOTH | KISS_KEYF_ND, KISS_VMAX, 0, 1, 1 },
	[KISS_KEY_MAX_RECV_DSL] = {
		"MaxRecvDataSegmentLength", KISS_KT_DECLARE, KISS_USE_ALL,
		KISS_KEYF_BOTH | KISS_KEYF_CO, KISS_VMAX, 512, KISS_U24_MAX,
		8192 },
	[KISS_KEY_MAX_BURST_LENGTH] = {
		"MaxBurstLength", KISS_KT_MIN, KISS_USE_LO,
		KISS_KEYF_BOTH | KISS_KEYF_ND, KISS_VMAX, 512, KISS_U24_MAX,
		262144 },
	[KISS_KEY_FIRST_BURST_LENGTH] = {
		"FirstBurstLength", KISS_KT_MIN, KISS_USE_LO,
		KISS_KEYF_BOTH | KISS_KEYF_ND, KISS_VMAX, 512, KISS_U24_MAX,
		65536 },
	[KISS_KEY_DEFAULT_TIME2WAIT] = {
		"DefaultTime2Wait", KISS_KT_MAX, KISS_USE_LO,
		KISS_KEYF_BOTH, KISS_VMAX, 0, 3600, 2 },
	[KISS_KEY_DEFAULT_TIME2RETAIN] = {
		"DefaultTime2Retain", KISS_KT_MIN, KISS_USE_LO,
		KISS_KEYF_BOTH, KISS_VMAX, 0, 3600, 20 },
	[KISS_KEY_MAX_OUTSTANDING_R2T] = {
		"MaxOutstandingR2T", KISS_KT_MIN, KISS_USE_LO,
		KISS_KEYF_BOTH | KISS_KEYF_ND, KISS_VMAX, 1, 65535, 1 },
	[KISS_KEY_DATA_PDU_IN_ORDER] = {
		"DataPDUInOrder", KISS_KT_OR, KISS_USE_LO,
		KISS_KEYF_BOTH | KISS_KEYF_ND, KISS_VMAX, 0, 1, 1 },
	[KISS_KEY_DATA_SEQUENCE_IN_ORDER] = {
		"DataSequenceInOrder", KISS_KT_OR, KISS_USE_LO,
		KISS_KEYF_BOTH | KISS_KEYF_ND, KISS_VMAX, 0, 1, 1 },
	[KISS_KEY_ERROR_RECOVERY_LEVEL] = {
		"ErrorRecoveryLevel", KISS_KT_MIN, KISS_USE_LO,
		KISS_KEYF_BOTH, KISS_VMAX, 0, 2, 0 },
	[KISS_KEY_SESSION_TYPE] = {
		"SessionType", KISS_KT_DECLARE, KISS_USE_LO,
		KISS_KEYF_I | KISS_KEYF_SEC, KISS_VMAX, 0, 0, 0 },
	[KISS_KEY_TASK_REPORTING] = {
		"TaskReporting", KISS_KT_LIST, KISS_USE_LO,
		KISS_KEYF_BOTH | KISS_KEYF_ND, KISS_VMAX, 0, 0, 0 },
	[KISS_KEY_PROTOCOL_LEVEL] = {
		"iSCSIProtocolLevel", KISS_KT_MIN, KISS_USE_LO,
		KISS_KEYF_BOTH, KISS_VMAX, 0, 31, 1 },
	[KISS_KEY_AUTH_METHOD] = {
		"AuthMethod", KISS_KT_AUTH, KISS_USE_IO | KISS_USE_SECURITY,
		KISS_KEYF_BOTH | KISS_KEYF_CO, KISS_VMAX, 0, 0, 0 },
	[KISS_KEY_OF_MARKER] = {
		"OFMarker", KISS_KT_OBSOLETE, KISS_USE_IO,
		KISS_KEYF_BOTH | KISS_KEYF_CO, KISS_VMAX, 0, 0, 0 },
	[KISS_KEY_IF_MARKER] = {
		"IFMarker", KISS_KT_OBSOLETE, KISS_USE_IO,
		KISS_KEYF_BOTH | KISS_KEYF_CO, KISS_VMAX, 0, 0, 0 },
	[KISS_KEY_OF_MARK_INT] = {
		"OFMarkInt", KISS_KT_OBSOLETE, KISS_USE_IO,
		KISS_KEYF_BOTH | KISS_KEYF_CO, KISS_VMAX, 0, 0, 0 },
	[KISS_KEY_IF_MARK_INT] = {
		"IFMarkInt", KISS_KT_OBSOLETE, KISS_USE_IO,
		KISS_KEYF_BOTH | KISS_KEYF_CO, KISS_VMAX, 0, 0, 0 },
	/* RFC 7145 (iSER): kiss is TCP only, so RDMAExtensions is No. */
	[KISS_KEY_RDMA_EXTENSIONS] = {
		"RDMAExtensions", KISS_KT_AND, KISS_USE_LO,
		KISS_KEYF_BOTH | KISS_KEYF_ND, KISS_VMAX, 0, 1, 0 },
	[KISS_KEY_INITIATOR_RDSL] = {
		"InitiatorRecvDataSegmentLength", KISS_KT_IRRELEVANT,
		KISS_USE_IO, KISS_KEYF_BOTH | KISS_KEYF_CO, KISS_VMAX, 0, 0, 0 },
	[KISS_KEY_TARGET_RDSL] = {
		"TargetRecvDataSegmentLength", KISS_KT_IRRELEVANT,
		KISS_USE_IO, KISS_KEYF_BOTH | KISS_KEYF_CO, KISS_VMAX, 0, 0, 0 },
};

/* Values of the list keys kiss knows, indexed as in the params. */
static const char *const kiss_digest_names[] = { "None", "CRC32C" };
static const char *const kiss_task_reporting_names[] = { "RFC3720" };

/* What to do with a key of the request (kiss_neg_slot.answer). */
enum kiss_neg_answer {
	KISS_ANS_NONE = 0,	/* not in the request, or nothing to do */
	KISS_ANS_SKIP,		/* AuthMethod: the caller's */
	KISS_ANS_OFFER,		/* an offer, to be answered */
	KISS_ANS_REPLY,		/* a reply to a kiss offer, to be checked */
	KISS_ANS_VALUE,		/* answer with the value in slot.num */
	KISS_ANS_REJECT,	/* answer "Reject" */
	KISS_ANS_IRRELEVANT,	/* answer "Irrelevant" */
	KISS_ANS_DECLARED,	/* a declaration: apply, no answer */
	KISS_ANS_ACCEPTED,	/* a good reply: apply slot.num, no answer */
	KISS_ANS_NOTED,		/* a reply of Irrelevant: no change */
};

static const char *const kiss_neg_status_names[KISS_NEG_STATUS_COUNT] = {
	[KISS_NEG_OK]			= "ok",
	[KISS_NEG_ERR_TEXT]		= "malformed text",
	[KISS_NEG_ERR_DUPLICATE]	= "key negotiated twice",
	[KISS_NEG_ERR_PHASE]		= "key not allowed in this phase",
	[KISS_NEG_ERR_SENDER]		= "key only a target may send",
	[KISS_NEG_ERR_RESERVED]		= "reserved value offered",
	[KISS_NEG_ERR_DECLARATION]	= "invalid declarative value",
	[KISS_NEG_ERR_ANSWER]		= "inadmissible answer to target offer",
	[KISS_NEG_ERR_UNANSWERED]	= "target offer not answered",
	[KISS_NEG_ERR_UNACCEPTABLE]	= "value not acceptable to the target",
	[KISS_NEG_ERR_MISSING]		= "InitiatorName or TargetName missing",
	[KISS_NEG_ERR_NOSPC]		= "response too long",
};

const char *kiss_neg_status_name(enum kiss_neg_status status)
{
	if ((unsigned int)status >= KISS_NEG_STATUS_COUNT)
		return "unknown negotiation status";
	return kiss_neg_status_names[status];
}

/* The Login Response status (RFC 7143 11.13.5) for a failed negotiation. */
u16 kiss_neg_login_status(enum kiss_neg_status status)
{
	switch (status) {
	case KISS_NEG_OK:
		return KISS_LOGIN_SUCCESS;
	case KISS_NEG_ERR_MISSING:
		return KISS_LOGIN_MISSING_PARAMETER;
	case KISS_NEG_ERR_NOSPC:
		return KISS_LOGIN_OUT_OF_RESOURCES;
	default:
		return KISS_LOGIN_INITIATOR_ERROR;
	}
}

const struct kiss_key_def *kiss_key_get(enum kiss_key key)
{
	if ((unsigned int)key >= KISS_KEY_COUNT)
		return NULL;
	return &kiss_keys[key];
}

/* The table index of a key (exact, case-sensitive match), or -1. */
int kiss_key_lookup(const char *name, size_t len)
{
	int i;

	for (i = 0; i < KISS_KEY_COUNT; i++)
		if (strlen(kiss_keys[i].name) == len &&
		    !memcmp(kiss_keys[i].name, name, len))
			return i;
	return -1;
}

static bool kiss_key_has_prefix(const char *name, size_t len,
				const char *prefix)
{
	size_t n = strlen(prefix);

	return len > n && !memcmp(name, prefix, n);
}

/*
 * Keys of the authentication methods (RFC 7143 12): the login state
 * machine hands these to chap.c; the negotiator leaves them alone in the
 * security stage and refuses them elsewhere.
 */
bool kiss_key_is_auth(const char *name, size_t len)
{
	return kiss_key_has_prefix(name, len, "CHAP_") ||
	       kiss_key_has_prefix(name, len, "SRP_") ||
	       kiss_key_has_prefix(name, len, "KRB_") ||
	       kiss_key_has_prefix(name, len, "SPKM_");
}

/* X- private and X# public extension keys (RFC 7143 13.22, 13.26). */
bool kiss_key_is_extension(const char *name, size_t len)
{
	return kiss_key_has_prefix(name, len, "X-") ||
	       kiss_key_has_prefix(name, len, "X#");
}

void kiss_neg_config_default(struct kiss_neg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_recv_dsl = 262144;
	cfg->max_xmit_dsl = 262144;
	cfg->max_burst_length = 1048576;
	cfg->first_burst_length = 65536;
	cfg->default_time2wait = 2;
	cfg->default_time2retain = 20;
	cfg->max_outstanding_r2t = 1;
	cfg->max_connections = 1;
	cfg->tpgt = 1;
	cfg->error_recovery_level = 0;
	cfg->protocol_level = KISS_PROTOCOL_LEVEL;
	cfg->header_digests = KISS_DIGESTS_ALL;
	cfg->data_digests = KISS_DIGESTS_ALL;
	cfg->initial_r2t = false;
	cfg->immediate_data = true;
	cfg->data_pdu_in_order = true;
	cfg->data_sequence_in_order = true;
}

/* Every value within its key's range, and FirstBurstLength in MaxBurst. */
bool kiss_neg_config_valid(const struct kiss_neg_config *cfg)
{
	size_t alias_len = strnlen(cfg->target_alias,
				   sizeof(cfg->target_alias));

	return cfg->max_recv_dsl >= 512 && cfg->max_recv_dsl <= KISS_U24_MAX &&
	       cfg->max_xmit_dsl >= 512 && cfg->max_xmit_dsl <= KISS_U24_MAX &&
	       cfg->max_burst_length >= 512 &&
	       cfg->max_burst_length <= KISS_U24_MAX &&
	       cfg->first_burst_length >= 512 &&
	       cfg->first_burst_length <= cfg->max_burst_length &&
	       cfg->default_time2wait <= 3600 &&
	       cfg->default_time2retain <= 3600 &&
	       cfg->max_outstanding_r2t >= 1 && cfg->max_connections >= 1 &&
	       cfg->error_recovery_level <= 2 && cfg->protocol_level <= 31 &&
	       cfg->header_digests && !(cfg->header_digests & ~KISS_DIGESTS_ALL) &&
	       cfg->data_digests && !(cfg->data_digests & ~KISS_DIGESTS_ALL) &&
	       alias_len < sizeof(cfg->target_alias) &&
	       kiss_text_utf8_valid(cfg->target_alias, alias_len);
}

/* The values in force before any negotiation (RFC 7143 13). */
void kiss_neg_params_default(struct kiss_neg_params *p)
{
	memset(p, 0, sizeof(*p));
	p->max_recv_dsl = 8192;
	p->max_xmit_dsl = 8192;
	p->max_burst_length = 262144;
	p->first_burst_length = 65536;
	p->default_time2wait = 2;
	p->default_time2retain = 20;
	p->max_outstanding_r2t = 1;
	p->max_connections = 1;
	p->error_recovery_level = 0;
	p->protocol_level = 1;
	p->header_digest = KISS_DIGEST_NONE;
	p->data_digest = KISS_DIGEST_NONE;
	p->session_type = KISS_SESSION_NORMAL;
	p->initial_r2t = true;
	p->immediate_data = true;
	p->data_pdu_in_order = true;
	p->data_sequence_in_order = true;
}

/**
 * kiss_neg_init - start negotiating on a new connection
 * @neg: the state, caller memory
 * @cfg: the target's configuration, copied
 * @session: the session's parameters when this connection joins an
 *	existing session (session-wide values are kept, connection values
 *	start from the defaults), or NULL for the leading connection
 */
void kiss_neg_init(struct kiss_neg *neg, const struct kiss_neg_config *cfg,
		   const struct kiss_neg_params *session)
{
	memset(neg, 0, sizeof(*neg));
	neg->cfg = *cfg;
	neg->cfg.target_alias[sizeof(neg->cfg.target_alias) - 1] = '\0';
	if (session) {
		neg->p = *session;
		neg->p.header_digest = KISS_DIGEST_NONE;
		neg->p.data_digest = KISS_DIGEST_NONE;
		neg->p.max_recv_dsl = 8192;
	} else {
		kiss_neg_params_default(&neg->p);
		neg->leading = true;
	}
	neg->p.max_xmit_dsl = min_t(u32, 8192, cfg->max_xmit_dsl);
}

/* The current value of a negotiated key. */
static u32 kiss_neg_get(const struct kiss_neg_params *p, int key)
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
		return 0;
	}
}

static void kiss_neg_set(struct kiss_neg_params *p, int key, u32 v)
{
	switch (key) {
	case KISS_KEY_HEADER_DIGEST:
		p->header_digest = v;
		break;
	case KISS_KEY_DATA_DIGEST:
		p->data_digest = v;
		break;
	case KISS_KEY_MAX_CONNECTIONS:
		p->max_connections = v;
		break;
	case KISS_KEY_INITIAL_R2T:
		p->initial_r2t = v;
		break;
	case KISS_KEY_IMMEDIATE_DATA:
		p->immediate_data = v;
		break;
	case KISS_KEY_MAX_BURST_LENGTH:
		p->max_burst_length = v;
		break;
	case KISS_KEY_FIRST_BURST_LENGTH:
		p->first_burst_length = v;
		break;
	case KISS_KEY_DEFAULT_TIME2WAIT:
		p->default_time2wait = v;
		break;
	case KISS_KEY_DEFAULT_TIME2RETAIN:
		p->default_time2retain = v;
		break;
	case KISS_KEY_MAX_OUTSTANDING_R2T:
		p->max_outstanding_r2t = v;
		break;
	case KISS_KEY_DATA_PDU_IN_ORDER:
		p->data_pdu_in_order = v;
		break;
	case KISS_KEY_DATA_SEQUENCE_IN_ORDER:
		p->data_sequence_in_order = v;
		break;
	case KISS_KEY_ERROR_RECOVERY_LEVEL:
		p->error_recovery_level = v;
		break;
	case KISS_KEY_PROTOCOL_LEVEL:
		p->protocol_level = v;
		break;
	default:
		break;
	}
}

/* The value kiss brings to a MIN, MAX, AND or OR negotiation. */
static u32 kiss_neg_own(const struct kiss_neg_config *cfg, int key)
{
	switch (key) {
	case KISS_KEY_MAX_CONNECTIONS:
		return cfg->max_connections;
	case KISS_KEY_INITIAL_R2T:
		return cfg->initial_r2t;
	case KISS_KEY_IMMEDIATE_DATA:
		return cfg->immediate_data;
	case KISS_KEY_MAX_BURST_LENGTH:
		return cfg->max_burst_length;
	case KISS_KEY_FIRST_BURST_LENGTH:
		return cfg->first_burst_length;
	case KISS_KEY_DEFAULT_TIME2WAIT:
		return cfg->default_time2wait;
	case KISS_KEY_DEFAULT_TIME2RETAIN:
		return cfg->default_time2retain;
	case KISS_KEY_MAX_OUTSTANDING_R2T:
		return cfg->max_outstanding_r2t;
	case KISS_KEY_DATA_PDU_IN_ORDER:
		return cfg->data_pdu_in_order;
	case KISS_KEY_DATA_SEQUENCE_IN_ORDER:
		return cfg->data_sequence_in_order;
	case KISS_KEY_ERROR_RECOVERY_LEVEL:
		return cfg->error_recovery_level;
	case KISS_KEY_PROTOCOL_LEVEL:
		return cfg->protocol_level;
	default:
		return 0;	/* RDMAExtensions */
	}
}

/* Keys kiss checks against its limits, and may offer. */
static bool kiss_neg_negotiated(int key)
{
	switch (kiss_keys[key].type) {
	case KISS_KT_LIST:
		return key != KISS_KEY_TASK_REPORTING;
	case KISS_KT_MIN:
	case KISS_KT_MAX:
	case KISS_KT_AND:
	case KISS_KT_OR:
		return true;
	default:
		return false;
	}
}

/* RFC 7143 13: "Irrelevant when ..." */
static bool kiss_neg_relevant(int key, const struct kiss_neg_params *p)
{
	if ((kiss_keys[key].flags & KISS_KEYF_NO_DISCOVERY) &&
	    p->session_type == KISS_SESSION_DISCOVERY)
		return false;
	if (key == KISS_KEY_FIRST_BURST_LENGTH && p->initial_r2t &&
	    !p->immediate_data)
		return false;
	return true;
}

/*
 * Can kiss work with @v for @key under @p?  Only capabilities count:
 * DefaultTime2Wait and DefaultTime2Retain are preferences, any value
 * works with ErrorRecoveryLevel 0.
 */
static bool kiss_neg_acceptable(const struct kiss_neg_config *cfg,
				const struct kiss_neg_params *p, int key,
				u32 v)
{
	switch (key) {
	case KISS_KEY_HEADER_DIGEST:
		return v < 2 && (cfg->header_digests & KISS_DIGEST_BIT(v));
	case KISS_KEY_DATA_DIGEST:
		return v < 2 && (cfg->data_digests & KISS_DIGEST_BIT(v));
	case KISS_KEY_FIRST_BURST_LENGTH:
		return v <= cfg->first_burst_length &&
		       v <= p->max_burst_length;
	case KISS_KEY_MAX_BURST_LENGTH:
	case KISS_KEY_MAX_OUTSTANDING_R2T:
	case KISS_KEY_MAX_CONNECTIONS:
	case KISS_KEY_ERROR_RECOVERY_LEVEL:
	case KISS_KEY_PROTOCOL_LEVEL:
		return v <= kiss_neg_own(cfg, key);
	case KISS_KEY_IMMEDIATE_DATA:
	case KISS_KEY_RDMA_EXTENSIONS:
		return kiss_neg_own(cfg, key) || !v;
	case KISS_KEY_INITIAL_R2T:
	case KISS_KEY_DATA_PDU_IN_ORDER:
	case KISS_KEY_DATA_SEQUENCE_IN_ORDER:
		return !kiss_neg_own(cfg, key) || v;
	default:
		return true;
	}
}

/* Should the state of @key be checked on this connection? */
static bool kiss_neg_checked(const struct kiss_neg *neg, int key)
{
	if (!kiss_neg_negotiated(key))
		return false;
	if ((kiss_keys[key].use & KISS_USE_LO) && !neg->leading)
		return false;
	return kiss_neg_relevant(key, &neg->p);
}

static bool kiss_neg_value_is(const struct kiss_neg_slot *slot,
			      const char *s)
{
	return strlen(s) == slot->value_len &&
	       !memcmp(slot->value, s, slot->value_len);
}

static enum kiss_neg_status kiss_neg_fail(struct kiss_neg *neg,
					  enum kiss_neg_status st,
					  const char *key, size_t len)
{
	len = min_t(size_t, len, KISS_TEXT_KEY_MAX);
	memcpy(neg->err_key, key, len);
	neg->err_key[len] = '\0';
	return st;
}

static enum kiss_neg_status kiss_neg_fail_key(struct kiss_neg *neg,
					      enum kiss_neg_status st, int key)
{
	return kiss_neg_fail(neg, st, kiss_keys[key].name,
			     strlen(kiss_keys[key].name));
}

/*
 * A login request after the first one carries InitiatorName, TargetName,
 * SessionType or an InitiatorAlias already declared: only the value in
 * force may be repeated.
 */
static enum kiss_neg_status kiss_neg_redeclare(struct kiss_neg *neg, int key,
					       const struct kiss_neg_slot *slot)
{
	const char *cur;

	switch (key) {
	case KISS_KEY_INITIATOR_NAME:
		cur = neg->initiator_name;
		break;
	case KISS_KEY_TARGET_NAME:
		cur = neg->target_name;
		break;
	case KISS_KEY_INITIATOR_ALIAS:
		cur = neg->initiator_alias;
		break;
	default:
		cur = neg->p.session_type == KISS_SESSION_DISCOVERY ?
		      "Discovery" : "Normal";
		break;
	}
	if (kiss_neg_value_is(slot, cur))
		return KISS_NEG_OK;
	return kiss_neg_fail_key(neg, neg->state[key] == KISS_NKS_DONE ?
				 KISS_NEG_ERR_DUPLICATE : KISS_NEG_ERR_PHASE,
				 key);
}

/*
 * Keys that may only be repeated unchanged: the names and SessionType
 * after the first request, InitiatorAlias once declared.
 */
static bool kiss_neg_first_only(const struct kiss_neg *neg, int key)
{
	switch (key) {
	case KISS_KEY_INITIATOR_NAME:
	case KISS_KEY_TARGET_NAME:
	case KISS_KEY_SESSION_TYPE:
		return neg->requests != 0;
	case KISS_KEY_INITIATOR_ALIAS:
		return neg->state[key] == KISS_NKS_DONE;
	default:
		return false;
	}
}

/* Pass 1: syntax, phase, sender and duplicates; fill the slots. */
static enum kiss_neg_status kiss_neg_scan(struct kiss_neg *neg,
					  enum kiss_login_stage stage,
					  const char *text, size_t len)
{
	struct kiss_text_iter it;
	struct kiss_text_pair pair;
	enum kiss_text_status st;
	enum kiss_neg_status ret;

	kiss_text_iter_init(&it, text, len);
	while ((st = kiss_text_next(&it, &pair)) == KISS_TEXT_OK) {
		int key = kiss_key_lookup(pair.key, pair.key_len);
		const struct kiss_key_def *def;
		struct kiss_neg_slot *slot;

		if (key < 0) {
			if (stage == KISS_STAGE_OPERATIONAL &&
			    kiss_key_is_auth(pair.key, pair.key_len))
				return kiss_neg_fail(neg, KISS_NEG_ERR_PHASE,
						     pair.key, pair.key_len);
			continue;
		}
		def = &kiss_keys[key];
		slot = &neg->slot[key];
		if (!(def->flags & KISS_KEYF_FROM_INITIATOR))
			return kiss_neg_fail_key(neg, KISS_NEG_ERR_SENDER, key);
		if (slot->present)
			return kiss_neg_fail_key(neg, KISS_NEG_ERR_DUPLICATE,
						 key);
		slot->present = 1;
		slot->value = pair.value;
		slot->value_len = pair.value_len;

		if (stage == KISS_STAGE_FULL_FEATURE) {
			if (!(def->use & (KISS_USE_ALL | KISS_USE_FFPO))) {
				slot->answer = KISS_ANS_REJECT;
				continue;
			}
		} else if (def->type == KISS_KT_AUTH) {
			if (stage != KISS_STAGE_SECURITY)
				return kiss_neg_fail_key(neg,
							 KISS_NEG_ERR_PHASE,
							 key);
			slot->answer = KISS_ANS_SKIP;
			continue;
		} else if ((def->use & KISS_USE_FFPO) ||
			   (stage == KISS_STAGE_SECURITY &&
			    !(def->flags & KISS_KEYF_SECURITY_OK)) ||
			   ((def->use & KISS_USE_LO) && !neg->leading)) {
			return kiss_neg_fail_key(neg, KISS_NEG_ERR_PHASE, key);
		} else if (kiss_neg_first_only(neg, key)) {
			ret = kiss_neg_redeclare(neg, key, slot);
			if (ret)
				return ret;
			continue;	/* nothing to answer or change */
		} else if (neg->state[key] == KISS_NKS_DONE) {
			return kiss_neg_fail_key(neg, KISS_NEG_ERR_DUPLICATE,
						 key);
		} else if (neg->state[key] == KISS_NKS_OFFERED) {
			slot->answer = KISS_ANS_REPLY;
			continue;
		}
		if (kiss_text_is_reserved(pair.value, pair.value_len))
			return kiss_neg_fail_key(neg, KISS_NEG_ERR_RESERVED, key);
		slot->answer = KISS_ANS_OFFER;
	}
	if (st != KISS_TEXT_END) {
		neg->text_err = st;
		return KISS_NEG_ERR_TEXT;
	}
	return KISS_NEG_OK;
}

/* Select from a list key's values those in @allowed (bit per index). */
static int kiss_neg_list_select(const struct kiss_neg_slot *slot,
				const char *const *names, unsigned int n,
				u32 allowed)
{
	const char *subset[2];
	int map[2];
	unsigned int i, m = 0;
	int idx;

	for (i = 0; i < n && m < ARRAY_SIZE(subset); i++) {
		if (!(allowed & BIT(i)))
			continue;
		subset[m] = names[i];
		map[m++] = i;
	}
	idx = kiss_text_list_select(slot->value, slot->value_len, subset, m);
	return idx < 0 ? -1 : map[idx];
}

/* Pass 2 for a declaration from the initiator. */
static enum kiss_neg_status kiss_neg_declaration(struct kiss_neg *neg,
						 int key,
						 struct kiss_neg_params *np)
{
	struct kiss_neg_slot *slot = &neg->slot[key];
	u64 v;

	slot->answer = KISS_ANS_DECLARED;
	switch (key) {
	case KISS_KEY_INITIATOR_NAME:
	case KISS_KEY_TARGET_NAME:
		if (!kiss_text_iscsi_name_valid(slot->value, slot->value_len))
			return kiss_neg_fail_key(neg, KISS_NEG_ERR_DECLARATION,
						 key);
		break;
	case KISS_KEY_SESSION_TYPE:
		if (kiss_neg_value_is(slot, "Normal"))
			np->session_type = KISS_SESSION_NORMAL;
		else if (kiss_neg_value_is(slot, "Discovery"))
			np->session_type = KISS_SESSION_DISCOVERY;
		else
			return kiss_neg_fail_key(neg, KISS_NEG_ERR_DECLARATION,
						 key);
		break;
	case KISS_KEY_MAX_RECV_DSL:
		if (slot->value_len > KISS_TEXT_VALUE_MAX ||
		    kiss_text_parse_number(slot->value, slot->value_len, &v) ||
		    v < kiss_keys[key].min || v > kiss_keys[key].max)
			return kiss_neg_fail_key(neg, KISS_NEG_ERR_DECLARATION,
						 key);
		np->max_xmit_dsl = min_t(u64, v, neg->cfg.max_xmit_dsl);
		break;
	default:
		break;		/* InitiatorAlias: checked when copied */
	}
	return KISS_NEG_OK;
}

/* Pass 2 for SendTargets (Text requests only). */
static void kiss_neg_send_targets(struct kiss_neg *neg,
				  const struct kiss_neg_params *np)
{
	struct kiss_neg_slot *slot = &neg->slot[KISS_KEY_SEND_TARGETS];

	slot->answer = KISS_ANS_DECLARED;
	if (kiss_neg_value_is(slot, "All")) {
		if (np->session_type != KISS_SESSION_DISCOVERY)
			slot->answer = KISS_ANS_REJECT;
	} else if (slot->value_len &&
		   !kiss_text_iscsi_name_valid(slot->value, slot->value_len)) {
		slot->answer = KISS_ANS_REJECT;
	}
}

/* Pass 2 for an offer of a negotiated key. */
static void kiss_neg_offer(struct kiss_neg *neg, int key,
			   struct kiss_neg_params *np)
{
	const struct kiss_key_def *def = &kiss_keys[key];
	struct kiss_neg_slot *slot = &neg->slot[key];
	u32 own = kiss_neg_own(&neg->cfg, key);
	int idx = -1;
	bool b;
	u64 v;

	slot->answer = KISS_ANS_REJECT;
	if (!kiss_neg_relevant(key, np)) {
		slot->answer = KISS_ANS_IRRELEVANT;
		return;
	}
	if (slot->value_len > def->max_len)
		return;

	switch (def->type) {
	case KISS_KT_LIST:
		if (key == KISS_KEY_TASK_REPORTING)
			idx = kiss_neg_list_select(slot,
						   kiss_task_reporting_names,
						   1, 1);
		else
			idx = kiss_neg_list_select(slot, kiss_digest_names, 2,
						   key == KISS_KEY_HEADER_DIGEST ?
						   neg->cfg.header_digests :
						   neg->cfg.data_digests);
		if (idx < 0)
			return;
		slot->num = idx;
		break;
	case KISS_KT_MIN:
	case KISS_KT_MAX:
		if (kiss_text_parse_number(slot->value, slot->value_len, &v) ||
		    v < def->min || v > def->max)
			return;
		if (def->type == KISS_KT_MAX)
			slot->num = max_t(u64, v, own);
		else
			slot->num = min_t(u64, v, own);
		/* 13.14: FirstBurstLength must not exceed MaxBurstLength. */
		if (key == KISS_KEY_FIRST_BURST_LENGTH)
			slot->num = min(slot->num, np->max_burst_length);
		break;
	case KISS_KT_AND:
	case KISS_KT_OR:
		if (kiss_text_parse_bool(slot->value, slot->value_len, &b))
			return;
		slot->num = def->type == KISS_KT_AND ? b && own : b || own;
		break;
	default:
		return;
	}
	slot->answer = KISS_ANS_VALUE;
	kiss_neg_set(np, key, slot->num);
}

/*
 * Pass 2 for the initiator's reply to a kiss offer: the reply must be a
 * value the selection function allows (RFC 7143 6.2.1, 6.2.2); "Reject"
 * leaves a value kiss cannot work with, or it would not have offered.
 */
static enum kiss_neg_status kiss_neg_reply(struct kiss_neg *neg, int key,
					   struct kiss_neg_params *np)
{
	const struct kiss_key_def *def = &kiss_keys[key];
	struct kiss_neg_slot *slot = &neg->slot[key];
	u32 offer = neg->offer[key];
	bool ok = false, b;
	int idx;
	u64 v;

	if (kiss_neg_value_is(slot, "Irrelevant")) {
		slot->answer = KISS_ANS_NOTED;
		return KISS_NEG_OK;
	}
	if (kiss_neg_value_is(slot, "Reject"))
		return kiss_neg_fail_key(neg, KISS_NEG_ERR_UNACCEPTABLE, key);

	switch (def->type) {
	case KISS_KT_LIST:
		idx = kiss_neg_list_select(slot, kiss_digest_names, 2, offer);
		ok = idx >= 0 &&
		     kiss_neg_value_is(slot, kiss_digest_names[idx]);
		v = idx;
		break;
	case KISS_KT_MIN:
	case KISS_KT_MAX:
		if (kiss_text_parse_number(slot->value, slot->value_len, &v))
			break;
		if (def->type == KISS_KT_MIN)
			ok = v >= def->min && v <= offer;
		else
			ok = v <= def->max && v >= offer;
		break;
	case KISS_KT_AND:
	case KISS_KT_OR:
		if (kiss_text_parse_bool(slot->value, slot->value_len, &b))
			break;
		v = b;
		ok = def->type == KISS_KT_AND ? offer || !b : !offer || b;
		break;
	default:
		break;
	}
	if (!ok)
		return kiss_neg_fail_key(neg, KISS_NEG_ERR_ANSWER, key);
	slot->num = v;
	slot->answer = KISS_ANS_ACCEPTED;
	kiss_neg_set(np, key, slot->num);
	return KISS_NEG_OK;
}

static enum kiss_neg_status kiss_neg_compute_key(struct kiss_neg *neg,
						 int key,
						 struct kiss_neg_params *np)
{
	struct kiss_neg_slot *slot = &neg->slot[key];

	if (slot->answer == KISS_ANS_REPLY)
		return kiss_neg_reply(neg, key, np);
	if (slot->answer != KISS_ANS_OFFER)
		return KISS_NEG_OK;

	switch (kiss_keys[key].type) {
	case KISS_KT_DECLARE:
		return kiss_neg_declaration(neg, key, np);
	case KISS_KT_SEND_TARGETS:
		kiss_neg_send_targets(neg, np);
		break;
	case KISS_KT_OBSOLETE:
		slot->answer = KISS_ANS_REJECT;
		break;
	case KISS_KT_IRRELEVANT:
		slot->answer = KISS_ANS_IRRELEVANT;
		break;
	default:
		kiss_neg_offer(neg, key, np);
		break;
	}
	return KISS_NEG_OK;
}

/* Pass 2: SessionType first, FirstBurstLength last. */
static enum kiss_neg_status kiss_neg_compute(struct kiss_neg *neg,
					     struct kiss_neg_params *np)
{
	enum kiss_neg_status ret;
	int key;

	ret = kiss_neg_compute_key(neg, KISS_KEY_SESSION_TYPE, np);
	if (ret)
		return ret;
	for (key = 0; key < KISS_KEY_COUNT; key++) {
		if (key == KISS_KEY_SESSION_TYPE ||
		    key == KISS_KEY_FIRST_BURST_LENGTH)
			continue;
		ret = kiss_neg_compute_key(neg, key, np);
		if (ret)
			return ret;
	}
	return kiss_neg_compute_key(neg, KISS_KEY_FIRST_BURST_LENGTH, np);
}

static enum kiss_text_status kiss_neg_emit_key(const struct kiss_neg *neg,
					       int key,
					       struct kiss_text_out *out)
{
	const struct kiss_key_def *def = &kiss_keys[key];
	const struct kiss_neg_slot *slot = &neg->slot[key];

	switch (slot->answer) {
	case KISS_ANS_REJECT:
		return kiss_text_put(out, def->name, "Reject");
	case KISS_ANS_IRRELEVANT:
		return kiss_text_put(out, def->name, "Irrelevant");
	case KISS_ANS_VALUE:
		break;
	default:
		return KISS_TEXT_OK;
	}
	switch (def->type) {
	case KISS_KT_LIST:
		if (key == KISS_KEY_TASK_REPORTING)
			return kiss_text_put(out, def->name,
					     kiss_task_reporting_names[0]);
		return kiss_text_put(out, def->name,
				     kiss_digest_names[slot->num]);
	case KISS_KT_AND:
	case KISS_KT_OR:
		return kiss_text_put(out, def->name, slot->num ? "Yes" : "No");
	default:
		return kiss_text_put_u64(out, def->name, slot->num);
	}
}

/* Pass 3: the answers, in the order of the request. */
static enum kiss_neg_status kiss_neg_emit(struct kiss_neg *neg,
					  enum kiss_login_stage stage,
					  const char *text, size_t len,
					  struct kiss_text_out *out)
{
	struct kiss_text_iter it;
	struct kiss_text_pair pair;
	enum kiss_text_status st = KISS_TEXT_OK;

	kiss_text_iter_init(&it, text, len);
	while (!st && kiss_text_next(&it, &pair) == KISS_TEXT_OK) {
		int key = kiss_key_lookup(pair.key, pair.key_len);

		if (key >= 0)
			st = kiss_neg_emit_key(neg, key, out);
		else if (!kiss_key_is_auth(pair.key, pair.key_len))
			st = kiss_text_put_len(out, pair.key, pair.key_len,
					       "NotUnderstood", 13);
		else if (stage == KISS_STAGE_FULL_FEATURE)
			st = kiss_text_put_len(out, pair.key, pair.key_len,
					       "Reject", 6);
	}
	return st ? KISS_NEG_ERR_NOSPC : KISS_NEG_OK;
}

static void kiss_neg_copy(char *dst, size_t size,
			  const struct kiss_neg_slot *slot)
{
	size_t n = min_t(size_t, slot->value_len, size - 1);

	memcpy(dst, slot->value, n);
	dst[n] = '\0';
}

/* Pass 4: commit what the request changed. */
static void kiss_neg_apply(struct kiss_neg *neg, bool login,
			   const struct kiss_neg_params *np)
{
	const struct kiss_neg_slot *slot = neg->slot;
	int key;

	neg->p = *np;
	for (key = 0; key < KISS_KEY_COUNT; key++) {
		if (!slot[key].present || slot[key].answer == KISS_ANS_SKIP)
			continue;
		if (login)
			neg->state[key] = KISS_NKS_DONE;
		if (slot[key].answer != KISS_ANS_DECLARED)
			continue;
		switch (key) {
		case KISS_KEY_INITIATOR_NAME:
			kiss_neg_copy(neg->initiator_name,
				      sizeof(neg->initiator_name), &slot[key]);
			break;
		case KISS_KEY_TARGET_NAME:
			kiss_neg_copy(neg->target_name,
				      sizeof(neg->target_name), &slot[key]);
			break;
		case KISS_KEY_INITIATOR_ALIAS:
			/* Informational only: a bad alias is dropped. */
			neg->initiator_alias[0] = '\0';
			if (slot[key].value_len <= KISS_TEXT_VALUE_MAX &&
			    kiss_text_utf8_valid(slot[key].value,
						 slot[key].value_len))
				kiss_neg_copy(neg->initiator_alias,
					      sizeof(neg->initiator_alias),
					      &slot[key]);
			break;
		case KISS_KEY_SEND_TARGETS:
			neg->send_targets = true;
			kiss_neg_copy(neg->send_targets_value,
				      sizeof(neg->send_targets_value),
				      &slot[key]);
			break;
		default:
			break;
		}
	}
}

/* Every checked key that is settled must be one kiss can work with. */
static enum kiss_neg_status kiss_neg_check(struct kiss_neg *neg,
					   bool all)
{
	int key;

	for (key = 0; key < KISS_KEY_COUNT; key++) {
		if (!all && neg->state[key] != KISS_NKS_DONE)
			continue;
		if (!kiss_neg_checked(neg, key))
			continue;
		if (!kiss_neg_acceptable(&neg->cfg, &neg->p, key,
					 kiss_neg_get(&neg->p, key)))
			return kiss_neg_fail_key(neg,
						 KISS_NEG_ERR_UNACCEPTABLE,
						 key);
	}
	return KISS_NEG_OK;
}

static enum kiss_text_status kiss_neg_put_offer(struct kiss_neg *neg,
						int key,
						struct kiss_text_out *out)
{
	const struct kiss_key_def *def = &kiss_keys[key];
	u32 v = kiss_neg_own(&neg->cfg, key);
	u32 allowed;

	switch (def->type) {
	case KISS_KT_LIST:
		allowed = key == KISS_KEY_HEADER_DIGEST ?
			  neg->cfg.header_digests : neg->cfg.data_digests;
		neg->offer[key] = allowed;
		if (allowed == KISS_DIGESTS_ALL)
			return kiss_text_put(out, def->name, "CRC32C,None");
		return kiss_text_put(out, def->name,
				     (allowed & KISS_DIGEST_BIT(KISS_DIGEST_CRC32C)) ?
				     "CRC32C" : "None");
	case KISS_KT_AND:
	case KISS_KT_OR:
		neg->offer[key] = v;
		return kiss_text_put(out, def->name, v ? "Yes" : "No");
	default:
		if (key == KISS_KEY_FIRST_BURST_LENGTH)
			v = min(v, neg->p.max_burst_length);
		neg->offer[key] = v;
		return kiss_text_put_u64(out, def->name, v);
	}
}

/*
 * After the answers: the target's declarations, and its offers for keys
 * whose value in force it cannot work with.
 */
static enum kiss_neg_status kiss_neg_own_keys(struct kiss_neg *neg,
					      enum kiss_login_stage stage,
					      bool first,
					      struct kiss_text_out *out)
{
	enum kiss_text_status st = KISS_TEXT_OK;
	int key;

	if (first && neg->p.session_type == KISS_SESSION_NORMAL) {
		if (neg->cfg.target_alias[0])
			st = kiss_text_put(out, "TargetAlias",
					   neg->cfg.target_alias);
		if (!st)
			st = kiss_text_put_u64(out, "TargetPortalGroupTag",
					       neg->cfg.tpgt);
	}
	if (stage != KISS_STAGE_OPERATIONAL)
		return st ? KISS_NEG_ERR_NOSPC : KISS_NEG_OK;

	if (!st && !neg->declared_mrdsl) {
		st = kiss_text_put_u64(out, "MaxRecvDataSegmentLength",
				       neg->cfg.max_recv_dsl);
		neg->declared_mrdsl = true;
		neg->p.max_recv_dsl = neg->cfg.max_recv_dsl;
	}
	for (key = 0; !st && key < KISS_KEY_COUNT; key++) {
		if (neg->state[key] != KISS_NKS_NONE ||
		    !kiss_neg_checked(neg, key) ||
		    kiss_neg_acceptable(&neg->cfg, &neg->p, key,
					kiss_neg_get(&neg->p, key)))
			continue;
		st = kiss_neg_put_offer(neg, key, out);
		neg->state[key] = KISS_NKS_OFFERED;
	}
	return st ? KISS_NEG_ERR_NOSPC : KISS_NEG_OK;
}

/**
 * kiss_neg_request - negotiate one request from the initiator
 * @neg: the connection's negotiation state
 * @stage: KISS_STAGE_SECURITY or KISS_STAGE_OPERATIONAL (the request's
 *	CSG) for a Login request, KISS_STAGE_FULL_FEATURE for a Text request
 * @text: the whole LTDS (kiss_text_accum), NUL-terminated pairs
 * @len: its length
 * @out: where the answers are appended
 *
 * Known keys are answered, unknown ones NotUnderstood; AuthMethod and the
 * CHAP_* (SRP_*, ...) keys of the security stage are left to the caller,
 * which appends its own answers to @out.  In the first request of a Normal
 * session the target declares TargetPortalGroupTag (and TargetAlias); in
 * its first operational-stage answer MaxRecvDataSegmentLength, and it
 * offers the keys it needs changed (kiss_neg_pending() is then true until
 * the initiator has answered them).  A Text request's SendTargets is left
 * in @neg->send_targets for the caller to answer.
 *
 * On failure @out is as it was and, in login, the login must fail with
 * kiss_neg_login_status(); @neg->err_key names the key at fault.
 *
 * Return: KISS_NEG_OK or why the request is refused.
 */
enum kiss_neg_status kiss_neg_request(struct kiss_neg *neg,
				      enum kiss_login_stage stage,
				      const char *text, size_t len,
				      struct kiss_text_out *out)
{
	bool login = stage != KISS_STAGE_FULL_FEATURE;
	bool first = login && !neg->requests;
	u32 saved_len = out->len;
	bool saved_overflow = out->overflow;
	struct kiss_neg_params np;
	enum kiss_neg_status ret;

	neg->err_key[0] = '\0';
	neg->text_err = KISS_TEXT_OK;
	memset(neg->slot, 0, sizeof(neg->slot));
	if (!login) {
		neg->send_targets = false;
		neg->send_targets_value[0] = '\0';
	} else if (stage != KISS_STAGE_SECURITY &&
		   stage != KISS_STAGE_OPERATIONAL) {
		return KISS_NEG_ERR_PHASE;
	}

	ret = kiss_neg_scan(neg, stage, text, len);
	if (ret)
		goto fail;
	np = neg->p;
	ret = kiss_neg_compute(neg, &np);
	if (ret)
		goto fail;
	ret = kiss_neg_emit(neg, stage, text, len, out);
	if (ret)
		goto fail;
	kiss_neg_apply(neg, login, &np);
	if (!login)
		return KISS_NEG_OK;

	/* 13.4, 13.5: both names come in the first request. */
	ret = KISS_NEG_ERR_MISSING;
	if (first && !neg->initiator_name[0])
		goto fail;
	if (first && neg->p.session_type == KISS_SESSION_NORMAL &&
	    !neg->target_name[0])
		goto fail;
	ret = kiss_neg_check(neg, false);
	if (ret)
		goto fail;
	ret = kiss_neg_own_keys(neg, stage, first, out);
	if (ret)
		goto fail;
	neg->requests++;
	return KISS_NEG_OK;

fail:
	out->len = saved_len;
	out->overflow = saved_overflow;
	return ret;
}

/* Are offers of the target still waiting for the initiator's answer? */
bool kiss_neg_pending(const struct kiss_neg *neg)
{
	int key;

	for (key = 0; key < KISS_KEY_COUNT; key++)
		if (neg->state[key] == KISS_NKS_OFFERED)
			return true;
	return false;
}

/**
 * kiss_neg_finish - end of login: check the parameters as a whole
 * @neg: the connection's negotiation state
 *
 * RFC 7143 6.2: a target checks the integrity rules before new values
 * take effect.  Called when the target is about to answer a request that
 * moves to Full Feature Phase; @neg->p then holds the parameters.
 *
 * Return: KISS_NEG_OK, KISS_NEG_ERR_UNANSWERED if an offer of the target
 * is still open, KISS_NEG_ERR_MISSING without the names, or
 * KISS_NEG_ERR_UNACCEPTABLE if a value in force is beyond the target.
 */
enum kiss_neg_status kiss_neg_finish(struct kiss_neg *neg)
{
	enum kiss_neg_status ret;

	if (neg->finished)
		return KISS_NEG_OK;
	if (kiss_neg_pending(neg))
		return KISS_NEG_ERR_UNANSWERED;
	if (!neg->initiator_name[0] ||
	    (neg->p.session_type == KISS_SESSION_NORMAL &&
	     !neg->target_name[0]))
		return KISS_NEG_ERR_MISSING;
	ret = kiss_neg_check(neg, true);
	if (ret)
		return ret;
	neg->finished = true;
	return KISS_NEG_OK;
}

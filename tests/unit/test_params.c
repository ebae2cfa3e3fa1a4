// SPDX-License-Identifier: GPL-2.0
/*
 * The target-side negotiator (kernel/proto/params.c, RFC 7143 6.2-6.6 and
 * 13): one case per rule, then whole logins.  Every case checks the exact
 * bytes kiss answers, not only the status.
 *
 * The configuration is kiss_neg_config_default() unless a case says
 * otherwise: MaxRecvDataSegmentLength 262144, MaxBurstLength up to 1 MiB,
 * FirstBurstLength up to 64 KiB, DefaultTime2Wait 2, DefaultTime2Retain up
 * to 20, one R2T, one connection, ERL 0, both digests allowed,
 * InitialR2T=No and ImmediateData=Yes accepted, data in order, TPGT 1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "proto/text.h"

#define INAME	"iqn.1993-08.org.debian:01:host1"
#define TNAME	"iqn.2026-11.org.example:disk1"
#define NAMES	"InitiatorName=" INAME "\0TargetName=" TNAME "\0"
/* kiss's declaration in its first operational-stage answer */
#define DECL	"MaxRecvDataSegmentLength=262144\0"
#define TPGT	"TargetPortalGroupTag=1\0"

#define SEC	KISS_STAGE_SECURITY
#define OPER	KISS_STAGE_OPERATIONAL
#define FFP	KISS_STAGE_FULL_FEATURE

/* The state is about 2 KiB: not on the stack, as in the module. */
static struct kiss_neg neg;
static struct kiss_neg_config cfg;
static char obuf[KISS_TEXT_LTDS_MAX];
static struct kiss_text_out out;

#define REQ(stage, lit)	\
	kiss_neg_request(&neg, (stage), (lit), sizeof(lit) - 1, &out)
#define OP(lit)		REQ(OPER, lit)
#define assert_out(lit)	check_out((lit), sizeof(lit) - 1, __LINE__)

/* Text with its NULs shown as '|', for failure messages. */
static const char *show(const char *s, size_t len)
{
	static char b[2][2048];
	static int which;
	char *p = b[which ^= 1];
	size_t i;

	for (i = 0; i < len && i < sizeof(b[0]) - 1; i++)
		p[i] = s[i] ? s[i] : '|';
	p[i] = '\0';
	return p;
}

static void check_out(const char *want, size_t len, int line)
{
	if (out.len == len && !memcmp(out.buf, want, len))
		return;
	print_error("line %d: answer differs\n  want \"%s\"\n  got  \"%s\"\n",
		    line, show(want, len), show(out.buf, out.len));
	fail();
}

static int setup(void **state)
{
	(void)state;
	kiss_neg_config_default(&cfg);
	return 0;
}

/* A leading connection of a new session, with @cfg. */
static void begin(void)
{
	kiss_neg_init(&neg, &cfg, NULL);
	kiss_text_out_init(&out, obuf, sizeof(obuf));
}

/* begin() and a security stage with the names; the answer is dropped. */
static void secure(void)
{
	begin();
	assert_int_equal(REQ(SEC, NAMES "SessionType=Normal\0"
				  "AuthMethod=None\0"), KISS_NEG_OK);
	assert_out(TPGT);
	kiss_text_out_reset(&out);
}

static void expect_fail(enum kiss_neg_status got, enum kiss_neg_status want,
			const char *key)
{
	assert_int_equal(got, want);
	assert_string_equal(neg.err_key, key);
	/* A refused request leaves the answer as it was. */
	assert_int_equal(out.len, 0);
	assert_false(out.overflow);
}

/* ------------------------------------------------------------------ */
/* Result functions (RFC 7143 6.2.2, 13)                               */

/* Numerical MIN: the answer is the smaller of offer and kiss's limit. */
static void test_min_max_burst_length(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("MaxBurstLength=16776192\0"), KISS_NEG_OK);
	assert_out("MaxBurstLength=1048576\0" DECL);
	assert_int_equal(neg.p.max_burst_length, 1048576);

	secure();
	assert_int_equal(OP("MaxBurstLength=131072\0"), KISS_NEG_OK);
	assert_out("MaxBurstLength=131072\0" DECL);
	assert_int_equal(neg.p.max_burst_length, 131072);

	/* Hex is a numerical value too; answers are decimal. */
	secure();
	assert_int_equal(OP("MaxBurstLength=0x40000\0"), KISS_NEG_OK);
	assert_out("MaxBurstLength=262144\0" DECL);
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
}

/* MIN on a key that is a preference, not a capability. */
static void test_min_error_recovery_level(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("ErrorRecoveryLevel=2\0DefaultTime2Retain=3600\0"
			    "MaxOutstandingR2T=16\0"), KISS_NEG_OK);
	assert_out("ErrorRecoveryLevel=0\0DefaultTime2Retain=20\0"
		   "MaxOutstandingR2T=1\0" DECL);
	assert_int_equal(neg.p.error_recovery_level, 0);
	assert_int_equal(neg.p.default_time2retain, 20);
	assert_int_equal(neg.p.max_outstanding_r2t, 1);
}

/* Numerical MAX: DefaultTime2Wait is the larger of the two. */
static void test_max_default_time2wait(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("DefaultTime2Wait=0\0"), KISS_NEG_OK);
	assert_out("DefaultTime2Wait=2\0" DECL);
	assert_int_equal(neg.p.default_time2wait, 2);

	secure();
	assert_int_equal(OP("DefaultTime2Wait=3600\0"), KISS_NEG_OK);
	assert_out("DefaultTime2Wait=3600\0" DECL);
	assert_int_equal(neg.p.default_time2wait, 3600);

	cfg.default_time2wait = 20;
	secure();
	assert_int_equal(OP("DefaultTime2Wait=2\0"), KISS_NEG_OK);
	assert_out("DefaultTime2Wait=20\0" DECL);
	assert_int_equal(neg.p.default_time2wait, 20);
}

/* Boolean AND: ImmediateData is Yes only if both say Yes. */
static void test_and_immediate_data(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("ImmediateData=Yes\0"), KISS_NEG_OK);
	assert_out("ImmediateData=Yes\0" DECL);
	assert_true(neg.p.immediate_data);

	secure();
	assert_int_equal(OP("ImmediateData=No\0"), KISS_NEG_OK);
	assert_out("ImmediateData=No\0" DECL);
	assert_false(neg.p.immediate_data);

	cfg.immediate_data = false;
	secure();
	assert_int_equal(OP("ImmediateData=Yes\0"), KISS_NEG_OK);
	assert_out("ImmediateData=No\0" DECL);
	assert_false(neg.p.immediate_data);
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
}

/* Boolean OR: InitialR2T is Yes if either says Yes. */
static void test_or_initial_r2t(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("InitialR2T=No\0"), KISS_NEG_OK);
	assert_out("InitialR2T=No\0" DECL);
	assert_false(neg.p.initial_r2t);

	secure();
	assert_int_equal(OP("InitialR2T=Yes\0"), KISS_NEG_OK);
	assert_out("InitialR2T=Yes\0" DECL);
	assert_true(neg.p.initial_r2t);

	cfg.initial_r2t = true;
	secure();
	assert_int_equal(OP("InitialR2T=No\0DataPDUInOrder=No\0"),
			 KISS_NEG_OK);
	/* DataPDUInOrder is OR too, and kiss wants Yes. */
	assert_out("InitialR2T=Yes\0DataPDUInOrder=Yes\0" DECL);
	assert_true(neg.p.initial_r2t);
	assert_true(neg.p.data_pdu_in_order);
}

/* List: the first value of the initiator's list that kiss allows. */
static void test_list_first_supported(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("HeaderDigest=CRC32C,None\0"
			    "DataDigest=None,CRC32C\0"), KISS_NEG_OK);
	assert_out("HeaderDigest=CRC32C\0DataDigest=None\0" DECL);
	assert_int_equal(neg.p.header_digest, KISS_DIGEST_CRC32C);
	assert_int_equal(neg.p.data_digest, KISS_DIGEST_NONE);

	/* Unknown values in the list are skipped. */
	secure();
	assert_int_equal(OP("HeaderDigest=MD5,CRC32C\0"), KISS_NEG_OK);
	assert_out("HeaderDigest=CRC32C\0" DECL);
}

static void test_list_none_only(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("HeaderDigest=None\0DataDigest=None\0"),
			 KISS_NEG_OK);
	assert_out("HeaderDigest=None\0DataDigest=None\0" DECL);

	/* kiss configured without digests picks None from the list. */
	cfg.header_digests = KISS_DIGEST_BIT(KISS_DIGEST_NONE);
	cfg.data_digests = KISS_DIGEST_BIT(KISS_DIGEST_NONE);
	secure();
	assert_int_equal(OP("HeaderDigest=CRC32C,None\0"
			    "DataDigest=CRC32C,None\0"), KISS_NEG_OK);
	assert_out("HeaderDigest=None\0DataDigest=None\0" DECL);
	assert_int_equal(neg.p.header_digest, KISS_DIGEST_NONE);
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
}

/* No value kiss knows: "Reject", and the default stays in force. */
static void test_list_unknown_values_reject(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("HeaderDigest=MD5,SHA1\0DataDigest=\0"),
			 KISS_NEG_OK);
	assert_out("HeaderDigest=Reject\0DataDigest=Reject\0" DECL);
	assert_int_equal(neg.p.header_digest, KISS_DIGEST_NONE);
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);

	/* Values are case-sensitive. */
	secure();
	assert_int_equal(OP("HeaderDigest=crc32c,none\0"), KISS_NEG_OK);
	assert_out("HeaderDigest=Reject\0" DECL);
}

/* A digest kiss requires, refused by the initiator: the login fails. */
static void test_list_required_digest_refused(void **state)
{
	(void)state;
	cfg.header_digests = KISS_DIGEST_BIT(KISS_DIGEST_CRC32C);
	secure();
	expect_fail(OP("HeaderDigest=None\0"), KISS_NEG_ERR_UNACCEPTABLE,
		    "HeaderDigest");
	assert_int_equal(kiss_neg_login_status(KISS_NEG_ERR_UNACCEPTABLE),
			 KISS_LOGIN_INITIATOR_ERROR);
}

/* Declarative: MaxRecvDataSegmentLength is not answered. */
static void test_declarative_mrdsl(void **state)
{
	(void)state;
	secure();
	/* Until declared, both directions are 8192 (RFC 7143 13.12). */
	assert_int_equal(neg.p.max_xmit_dsl, 8192);
	assert_int_equal(neg.p.max_recv_dsl, 8192);
	assert_int_equal(OP("MaxRecvDataSegmentLength=65536\0"),
			 KISS_NEG_OK);
	assert_out(DECL);
	assert_int_equal(neg.p.max_xmit_dsl, 65536);
	assert_int_equal(neg.p.max_recv_dsl, 262144);

	/* kiss declares once per login. */
	kiss_text_out_reset(&out);
	assert_int_equal(OP("MaxConnections=1\0"), KISS_NEG_OK);
	assert_out("MaxConnections=1\0");

	/* What kiss sends is capped by its configuration. */
	cfg.max_xmit_dsl = 131072;
	cfg.max_recv_dsl = 8192;
	secure();
	assert_int_equal(OP("MaxRecvDataSegmentLength=16777215\0"),
			 KISS_NEG_OK);
	assert_out("MaxRecvDataSegmentLength=8192\0");
	assert_int_equal(neg.p.max_xmit_dsl, 131072);
	assert_int_equal(neg.p.max_recv_dsl, 8192);
}

/* A bad declaration cannot be answered: the login fails. */
static void test_declarative_bad_value(void **state)
{
	(void)state;
	secure();
	expect_fail(OP("MaxRecvDataSegmentLength=511\0"),
		    KISS_NEG_ERR_DECLARATION, "MaxRecvDataSegmentLength");
	expect_fail(OP("MaxRecvDataSegmentLength=16777216\0"),
		    KISS_NEG_ERR_DECLARATION, "MaxRecvDataSegmentLength");
	expect_fail(OP("MaxRecvDataSegmentLength=0x1000000\0"),
		    KISS_NEG_ERR_DECLARATION, "MaxRecvDataSegmentLength");
	expect_fail(OP("MaxRecvDataSegmentLength=8k\0"),
		    KISS_NEG_ERR_DECLARATION, "MaxRecvDataSegmentLength");
	expect_fail(OP("MaxRecvDataSegmentLength=\0"),
		    KISS_NEG_ERR_DECLARATION, "MaxRecvDataSegmentLength");
	/* Nothing was declared by the failed requests. */
	assert_int_equal(neg.p.max_xmit_dsl, 8192);
	assert_int_equal(OP("MaxRecvDataSegmentLength=512\0"), KISS_NEG_OK);
	assert_int_equal(neg.p.max_xmit_dsl, 512);
}

/* ------------------------------------------------------------------ */
/* Irrelevant, NotUnderstood, Reject                                   */

/* RFC 7143 13.10-13.20: keys of data transfer are Irrelevant. */
static void test_irrelevant_in_discovery(void **state)
{
	(void)state;
	/* Limits that would make kiss offer keys in a Normal session. */
	cfg.max_burst_length = 4096;
	cfg.first_burst_length = 4096;
	cfg.immediate_data = false;
	begin();
	assert_int_equal(REQ(SEC, "InitiatorName=" INAME "\0"
				  "SessionType=Discovery\0AuthMethod=None\0"),
			 KISS_NEG_OK);
	/* No TargetPortalGroupTag in a Discovery session. */
	assert_out("");
	assert_int_equal(neg.p.session_type, KISS_SESSION_DISCOVERY);

	assert_int_equal(OP("HeaderDigest=None\0DataDigest=None\0"
			    "DefaultTime2Wait=2\0DefaultTime2Retain=0\0"
			    "ErrorRecoveryLevel=0\0InitialR2T=Yes\0"
			    "ImmediateData=Yes\0MaxBurstLength=16776192\0"
			    "FirstBurstLength=262144\0MaxOutstandingR2T=1\0"
			    "MaxConnections=1\0DataPDUInOrder=Yes\0"
			    "DataSequenceInOrder=Yes\0"
			    "TaskReporting=RFC3720\0RDMAExtensions=No\0"
			    "MaxRecvDataSegmentLength=32768\0"),
			 KISS_NEG_OK);
	assert_out("HeaderDigest=None\0DataDigest=None\0"
		   "DefaultTime2Wait=2\0DefaultTime2Retain=0\0"
		   "ErrorRecoveryLevel=0\0InitialR2T=Irrelevant\0"
		   "ImmediateData=Irrelevant\0MaxBurstLength=Irrelevant\0"
		   "FirstBurstLength=Irrelevant\0"
		   "MaxOutstandingR2T=Irrelevant\0MaxConnections=Irrelevant\0"
		   "DataPDUInOrder=Irrelevant\0"
		   "DataSequenceInOrder=Irrelevant\0"
		   "TaskReporting=Irrelevant\0RDMAExtensions=Irrelevant\0"
		   DECL);
	assert_false(kiss_neg_pending(&neg));
	/* No TargetName is needed, and nothing was changed. */
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
	assert_int_equal(neg.p.max_burst_length, 262144);
	assert_int_equal(neg.p.max_xmit_dsl, 32768);
}

/* RFC 7145: with RDMAExtensions=No the iSER keys are Irrelevant. */
static void test_irrelevant_iser_keys(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("RDMAExtensions=Yes\0"
			    "InitiatorRecvDataSegmentLength=262144\0"
			    "TargetRecvDataSegmentLength=262144\0"),
			 KISS_NEG_OK);
	assert_out("RDMAExtensions=No\0"
		   "InitiatorRecvDataSegmentLength=Irrelevant\0"
		   "TargetRecvDataSegmentLength=Irrelevant\0" DECL);

	secure();
	assert_int_equal(OP("RDMAExtensions=No\0"), KISS_NEG_OK);
	assert_out("RDMAExtensions=No\0" DECL);
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
}

/* RFC 7143 13.14: FirstBurstLength with InitialR2T=Yes, ImmediateData=No. */
static void test_irrelevant_first_burst(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("InitialR2T=Yes\0ImmediateData=No\0"
			    "FirstBurstLength=65536\0"), KISS_NEG_OK);
	assert_out("InitialR2T=Yes\0ImmediateData=No\0"
		   "FirstBurstLength=Irrelevant\0" DECL);
}

/* Unknown keys, X- and X# extensions: NotUnderstood, in any stage. */
static void test_not_understood(void **state)
{
	(void)state;
	begin();
	assert_int_equal(REQ(SEC, NAMES "X-org.example.hint=1\0"
				  "AuthMethod=None\0"), KISS_NEG_OK);
	assert_out("X-org.example.hint=NotUnderstood\0" TPGT);
	kiss_text_out_reset(&out);

	assert_int_equal(OP("X-com.example.feature=Yes\0FooBar=1\0"
			    "X#NodeArchitecture=Linux/6.1\0"
			    "MaxConnections=1\0headerdigest=None\0"),
			 KISS_NEG_OK);
	assert_out("X-com.example.feature=NotUnderstood\0"
		   "FooBar=NotUnderstood\0"
		   "X#NodeArchitecture=NotUnderstood\0MaxConnections=1\0"
		   "headerdigest=NotUnderstood\0" DECL);
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
}

/* Offers out of range or malformed: "Reject", the default stays. */
static void test_reject_out_of_range(void **state)
{
	char req[512], *p = req;
	size_t n;

	(void)state;
	secure();
	assert_int_equal(OP("MaxBurstLength=511\0FirstBurstLength=16777216\0"
			    "DefaultTime2Wait=3601\0DefaultTime2Retain=0x\0"
			    "MaxOutstandingR2T=0\0MaxConnections=65536\0"
			    "ErrorRecoveryLevel=3\0ImmediateData=yes\0"
			    "InitialR2T=\0iSCSIProtocolLevel=32\0"
			    "DataPDUInOrder=1\0DataSequenceInOrder=Maybe\0"
			    "TaskReporting=FastAbort\0"),
			 KISS_NEG_OK);
	assert_out("MaxBurstLength=Reject\0FirstBurstLength=Reject\0"
		   "DefaultTime2Wait=Reject\0DefaultTime2Retain=Reject\0"
		   "MaxOutstandingR2T=Reject\0MaxConnections=Reject\0"
		   "ErrorRecoveryLevel=Reject\0ImmediateData=Reject\0"
		   "InitialR2T=Reject\0iSCSIProtocolLevel=Reject\0"
		   "DataPDUInOrder=Reject\0DataSequenceInOrder=Reject\0"
		   "TaskReporting=Reject\0" DECL);
	assert_int_equal(neg.p.max_burst_length, 262144);
	assert_int_equal(neg.p.first_burst_length, 65536);
	assert_int_equal(neg.p.default_time2wait, 2);
	assert_int_equal(neg.p.default_time2retain, 20);
	assert_true(neg.p.initial_r2t);
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);

	/*
	 * A value over 255 bytes is refused even when it would parse:
	 * "0x000...01" is 1.
	 */
	secure();
	memcpy(p, "DefaultTime2Retain=0x", 21);
	p += 21;
	memset(p, '0', 254);
	p += 254;
	memcpy(p, "1", 2);
	n = p + 2 - req;
	assert_int_equal(kiss_neg_request(&neg, OPER, req, n, &out),
			 KISS_NEG_OK);
	assert_out("DefaultTime2Retain=Reject\0" DECL);
	assert_int_equal(neg.p.default_time2retain, 20);
}

/* Reject, Irrelevant and NotUnderstood are answers, never offers. */
static void test_reserved_value_offered(void **state)
{
	(void)state;
	secure();
	expect_fail(OP("MaxBurstLength=Reject\0"), KISS_NEG_ERR_RESERVED,
		    "MaxBurstLength");
	expect_fail(OP("InitialR2T=Irrelevant\0"), KISS_NEG_ERR_RESERVED,
		    "InitialR2T");
	expect_fail(OP("HeaderDigest=NotUnderstood\0"),
		    KISS_NEG_ERR_RESERVED, "HeaderDigest");
	begin();
	expect_fail(REQ(SEC, NAMES "InitiatorAlias=Reject\0"),
		    KISS_NEG_ERR_RESERVED, "InitiatorAlias");
}

/* RFC 7143 13.25: IFMarker/OFMarker SHOULD, the MarkInts MUST be Reject. */
static void test_obsolete_marker_keys(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("IFMarker=No\0OFMarker=No\0"
			    "IFMarkInt=2048~65535\0OFMarkInt=2048~65535\0"),
			 KISS_NEG_OK);
	assert_out("IFMarker=Reject\0OFMarker=Reject\0IFMarkInt=Reject\0"
		   "OFMarkInt=Reject\0" DECL);
	/* The login goes on. */
	assert_false(kiss_neg_pending(&neg));
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);

	secure();
	assert_int_equal(OP("IFMarker=Yes\0OFMarker=Yes\0"), KISS_NEG_OK);
	assert_out("IFMarker=Reject\0OFMarker=Reject\0" DECL);
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
}

/* ------------------------------------------------------------------ */
/* FirstBurstLength and MaxBurstLength (RFC 7143 13.14)                */

/* Both in one request: FirstBurstLength is capped by the result. */
static void test_first_burst_capped_by_max_burst(void **state)
{
	(void)state;
	secure();
	/* FirstBurstLength first: the order of the text does not matter. */
	assert_int_equal(OP("FirstBurstLength=65536\0MaxBurstLength=8192\0"),
			 KISS_NEG_OK);
	assert_out("FirstBurstLength=8192\0MaxBurstLength=8192\0" DECL);
	assert_int_equal(neg.p.first_burst_length, 8192);
	assert_int_equal(neg.p.max_burst_length, 8192);
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);

	/* Both over kiss's limits. */
	secure();
	assert_int_equal(OP("MaxBurstLength=16776192\0"
			    "FirstBurstLength=16776192\0"), KISS_NEG_OK);
	assert_out("MaxBurstLength=1048576\0FirstBurstLength=65536\0" DECL);
}

/* MaxBurstLength lowered alone: kiss offers a FirstBurstLength to fit. */
static void test_first_burst_offered_by_target(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("MaxBurstLength=4096\0"), KISS_NEG_OK);
	assert_out("MaxBurstLength=4096\0" DECL "FirstBurstLength=4096\0");
	assert_true(kiss_neg_pending(&neg));
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_ERR_UNANSWERED);
	kiss_text_out_reset(&out);

	/* MIN: the answer may not exceed the offer. */
	expect_fail(OP("FirstBurstLength=8192\0"), KISS_NEG_ERR_ANSWER,
		    "FirstBurstLength");
	assert_true(kiss_neg_pending(&neg));

	assert_int_equal(OP("FirstBurstLength=2048\0"), KISS_NEG_OK);
	assert_out("");
	assert_false(kiss_neg_pending(&neg));
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
	assert_int_equal(neg.p.first_burst_length, 2048);
	/* Finished once is finished. */
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
}

/* Settled FirstBurstLength, then a MaxBurstLength below it: refused. */
static void test_first_burst_then_lower_max_burst(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("FirstBurstLength=65536\0"), KISS_NEG_OK);
	assert_out("FirstBurstLength=65536\0" DECL);
	kiss_text_out_reset(&out);
	expect_fail(OP("MaxBurstLength=8192\0"), KISS_NEG_ERR_UNACCEPTABLE,
		    "FirstBurstLength");
}

/* ------------------------------------------------------------------ */
/* Phase, sender and repetition rules                                  */

/* RFC 7143 6.2: a key twice in one negotiation is a protocol error. */
static void test_duplicate_in_one_request(void **state)
{
	(void)state;
	secure();
	expect_fail(OP("MaxBurstLength=4096\0InitialR2T=No\0"
		       "MaxBurstLength=4096\0"), KISS_NEG_ERR_DUPLICATE,
		    "MaxBurstLength");
	assert_int_equal(kiss_neg_login_status(KISS_NEG_ERR_DUPLICATE),
			 KISS_LOGIN_INITIATOR_ERROR);
	/* Nothing of the refused request was applied. */
	assert_false(neg.declared_mrdsl);
	assert_true(neg.p.initial_r2t);

	begin();
	expect_fail(REQ(SEC, NAMES "InitiatorName=" INAME "\0"),
		    KISS_NEG_ERR_DUPLICATE, "InitiatorName");
}

static void test_duplicate_across_requests(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("MaxBurstLength=131072\0"), KISS_NEG_OK);
	kiss_text_out_reset(&out);
	expect_fail(OP("MaxBurstLength=131072\0"), KISS_NEG_ERR_DUPLICATE,
		    "MaxBurstLength");
	assert_int_equal(OP("MaxRecvDataSegmentLength=8192\0"), KISS_NEG_OK);
	assert_out("");
	expect_fail(OP("MaxRecvDataSegmentLength=8192\0"),
		    KISS_NEG_ERR_DUPLICATE, "MaxRecvDataSegmentLength");
}

/* Operational keys are not allowed in the security stage. */
static void test_security_stage_refuses_operational(void **state)
{
	(void)state;
	begin();
	expect_fail(REQ(SEC, NAMES "HeaderDigest=None\0"), KISS_NEG_ERR_PHASE,
		    "HeaderDigest");
	begin();
	expect_fail(REQ(SEC, NAMES "MaxRecvDataSegmentLength=8192\0"),
		    KISS_NEG_ERR_PHASE, "MaxRecvDataSegmentLength");
	begin();
	expect_fail(REQ(SEC, NAMES "IFMarker=No\0"), KISS_NEG_ERR_PHASE,
		    "IFMarker");
	assert_int_equal(kiss_neg_login_status(KISS_NEG_ERR_PHASE),
			 KISS_LOGIN_INITIATOR_ERROR);
}

/* Any-Stage keys in the security stage; the CHAP keys are the caller's. */
static void test_security_stage_keys(void **state)
{
	(void)state;
	strcpy(cfg.target_alias, "kiss disk \xc3\xa9");
	begin();
	assert_int_equal(REQ(SEC, "InitiatorName=" INAME "\0"
				  "InitiatorAlias=host1\0"
				  "TargetName=" TNAME "\0SessionType=Normal\0"
				  "AuthMethod=CHAP,None\0CHAP_A=5\0"),
			 KISS_NEG_OK);
	assert_out("TargetAlias=kiss disk \xc3\xa9\0" TPGT);
	assert_string_equal(neg.initiator_name, INAME);
	assert_string_equal(neg.target_name, TNAME);
	assert_string_equal(neg.initiator_alias, "host1");
	assert_int_equal(neg.p.session_type, KISS_SESSION_NORMAL);

	/* Later security requests: nothing from the negotiator. */
	kiss_text_out_reset(&out);
	assert_int_equal(REQ(SEC, "CHAP_N=user\0CHAP_R=0x0102\0"),
			 KISS_NEG_OK);
	assert_out("");
}

/* AuthMethod and CHAP_* outside the security stage. */
static void test_auth_keys_outside_security(void **state)
{
	(void)state;
	secure();
	expect_fail(OP("AuthMethod=None\0"), KISS_NEG_ERR_PHASE,
		    "AuthMethod");
	expect_fail(OP("CHAP_A=5\0"), KISS_NEG_ERR_PHASE, "CHAP_A");
	expect_fail(OP("SRP_U=user\0"), KISS_NEG_ERR_PHASE, "SRP_U");
}

/* Full-Feature-only keys in login; target-only keys from the initiator. */
static void test_phase_and_sender(void **state)
{
	(void)state;
	secure();
	expect_fail(OP("SendTargets=All\0"), KISS_NEG_ERR_PHASE,
		    "SendTargets");
	begin();
	expect_fail(REQ(SEC, NAMES "TargetAlias=evil\0"), KISS_NEG_ERR_SENDER,
		    "TargetAlias");
	begin();
	expect_fail(REQ(SEC, NAMES "TargetPortalGroupTag=1\0"),
		    KISS_NEG_ERR_SENDER, "TargetPortalGroupTag");
	secure();
	expect_fail(OP("TargetAddress=10.0.0.1:3260,1\0"),
		    KISS_NEG_ERR_SENDER, "TargetAddress");
	begin();
	assert_int_equal(kiss_neg_request(&neg, 2, "", 0, &out),
			 KISS_NEG_ERR_PHASE);
}

/* RFC 7143 6.3, 13.4, 13.5: the names come in the first request. */
static void test_missing_names(void **state)
{
	(void)state;
	begin();
	expect_fail(REQ(SEC, "TargetName=" TNAME "\0SessionType=Normal\0"
			     "AuthMethod=None\0"), KISS_NEG_ERR_MISSING, "");
	assert_int_equal(kiss_neg_login_status(KISS_NEG_ERR_MISSING),
			 KISS_LOGIN_MISSING_PARAMETER);

	/*
	 * A Normal session needs TargetName, also when it goes straight
	 * to the operational stage.
	 */
	begin();
	expect_fail(REQ(SEC, "InitiatorName=" INAME "\0AuthMethod=None\0"),
		    KISS_NEG_ERR_MISSING, "");
	begin();
	expect_fail(OP("InitiatorName=" INAME "\0HeaderDigest=None\0"),
		    KISS_NEG_ERR_MISSING, "");

	/* A Discovery session does not. */
	begin();
	assert_int_equal(REQ(SEC, "InitiatorName=" INAME "\0"
				  "SessionType=Discovery\0"), KISS_NEG_OK);

	/* Nothing negotiated at all. */
	begin();
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_ERR_MISSING);
}

static void test_bad_declarations(void **state)
{
	(void)state;
	begin();
	expect_fail(REQ(SEC, "InitiatorName=host1\0TargetName=" TNAME "\0"),
		    KISS_NEG_ERR_DECLARATION, "InitiatorName");
	begin();
	expect_fail(REQ(SEC, "InitiatorName=\0TargetName=" TNAME "\0"),
		    KISS_NEG_ERR_DECLARATION, "InitiatorName");
	begin();
	expect_fail(REQ(SEC, "InitiatorName=" INAME "\0"
			     "TargetName=eui.0123\0"),
		    KISS_NEG_ERR_DECLARATION, "TargetName");
	begin();
	expect_fail(REQ(SEC, NAMES "SessionType=normal\0"),
		    KISS_NEG_ERR_DECLARATION, "SessionType");
	assert_int_equal(kiss_neg_login_status(KISS_NEG_ERR_DECLARATION),
			 KISS_LOGIN_INITIATOR_ERROR);
}

/* The alias is informational: one that is not UTF-8 is dropped. */
static void test_initiator_alias(void **state)
{
	(void)state;
	begin();
	assert_int_equal(REQ(SEC, NAMES "InitiatorAlias=h\xc3\xb6st\0"),
			 KISS_NEG_OK);
	assert_string_equal(neg.initiator_alias, "h\xc3\xb6st");
	begin();
	assert_int_equal(REQ(SEC, NAMES "InitiatorAlias=h\xffst\0"),
			 KISS_NEG_OK);
	assert_string_equal(neg.initiator_alias, "");
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
}

/* libiscsi repeats its names in the operational stage after CHAP. */
static void test_names_repeated_after_security(void **state)
{
	(void)state;
	begin();
	assert_int_equal(REQ(SEC, NAMES "InitiatorAlias=host1\0"
				  "SessionType=Normal\0"
				  "AuthMethod=CHAP,None\0"), KISS_NEG_OK);
	assert_out(TPGT);
	kiss_text_out_reset(&out);
	assert_int_equal(REQ(SEC, "CHAP_A=5\0"), KISS_NEG_OK);
	assert_int_equal(REQ(SEC, "CHAP_N=user\0CHAP_R=0x0102\0"),
			 KISS_NEG_OK);
	assert_out("");

	assert_int_equal(OP("InitiatorName=" INAME "\0InitiatorAlias=host1\0"
			    "TargetName=" TNAME "\0SessionType=Normal\0"
			    "HeaderDigest=None\0DataDigest=None\0"
			    "MaxRecvDataSegmentLength=262144\0"),
			 KISS_NEG_OK);
	assert_out("HeaderDigest=None\0DataDigest=None\0" DECL);
	assert_string_equal(neg.target_name, TNAME);
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
}

/* ...but may not change them, nor pick a session type late. */
static void test_names_changed_after_first_request(void **state)
{
	(void)state;
	secure();
	expect_fail(OP("TargetName=iqn.2026-11.org.example:disk2\0"),
		    KISS_NEG_ERR_DUPLICATE, "TargetName");
	expect_fail(OP("InitiatorName=iqn.1993-08.org.debian:01:other\0"),
		    KISS_NEG_ERR_DUPLICATE, "InitiatorName");
	expect_fail(OP("SessionType=Discovery\0"), KISS_NEG_ERR_DUPLICATE,
		    "SessionType");

	/* SessionType not sent first means Normal, for good. */
	begin();
	assert_int_equal(REQ(SEC, NAMES "AuthMethod=None\0"), KISS_NEG_OK);
	kiss_text_out_reset(&out);
	expect_fail(OP("SessionType=Discovery\0"), KISS_NEG_ERR_PHASE,
		    "SessionType");
	assert_int_equal(OP("SessionType=Normal\0"), KISS_NEG_OK);
	assert_int_equal(neg.p.session_type, KISS_SESSION_NORMAL);

	/* A Discovery session cannot name a target later. */
	begin();
	assert_int_equal(REQ(SEC, "InitiatorName=" INAME "\0"
				  "SessionType=Discovery\0"), KISS_NEG_OK);
	expect_fail(OP("TargetName=" TNAME "\0"), KISS_NEG_ERR_PHASE,
		    "TargetName");

	/* The alias may come late, but not change. */
	secure();
	assert_int_equal(OP("InitiatorAlias=host1\0"), KISS_NEG_OK);
	kiss_text_out_reset(&out);
	assert_string_equal(neg.initiator_alias, "host1");
	expect_fail(OP("InitiatorAlias=host2\0"), KISS_NEG_ERR_DUPLICATE,
		    "InitiatorAlias");
	assert_int_equal(OP("InitiatorAlias=host1\0"), KISS_NEG_OK);
	assert_out("");
}

/* A connection joining a session: session-wide keys are settled. */
static void test_non_leading_connection(void **state)
{
	struct kiss_neg_params sp;

	(void)state;
	kiss_neg_params_default(&sp);
	sp.max_burst_length = 131072;
	sp.initial_r2t = false;
	sp.header_digest = KISS_DIGEST_CRC32C;
	sp.max_recv_dsl = 262144;
	sp.max_xmit_dsl = 65536;
	kiss_neg_init(&neg, &cfg, &sp);
	kiss_text_out_init(&out, obuf, sizeof(obuf));
	assert_false(neg.leading);
	assert_int_equal(neg.p.max_burst_length, 131072);
	assert_false(neg.p.initial_r2t);
	/* Connection-only keys start over. */
	assert_int_equal(neg.p.header_digest, KISS_DIGEST_NONE);
	assert_int_equal(neg.p.max_recv_dsl, 8192);
	assert_int_equal(neg.p.max_xmit_dsl, 8192);

	assert_int_equal(REQ(SEC, NAMES "AuthMethod=None\0"), KISS_NEG_OK);
	assert_out(TPGT);
	kiss_text_out_reset(&out);
	assert_int_equal(OP("HeaderDigest=CRC32C\0"
			    "MaxRecvDataSegmentLength=65536\0"), KISS_NEG_OK);
	assert_out("HeaderDigest=CRC32C\0" DECL);
	kiss_text_out_reset(&out);
	/* LO keys only on the leading connection (RFC 7143 13). */
	expect_fail(OP("MaxBurstLength=4096\0"), KISS_NEG_ERR_PHASE,
		    "MaxBurstLength");
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
	assert_int_equal(neg.p.header_digest, KISS_DIGEST_CRC32C);
	assert_int_equal(neg.p.max_burst_length, 131072);

	kiss_neg_init(&neg, &cfg, &sp);
	kiss_text_out_reset(&out);
	expect_fail(REQ(SEC, NAMES "SessionType=Normal\0"),
		    KISS_NEG_ERR_PHASE, "SessionType");
}

/* ------------------------------------------------------------------ */
/* kiss's own offers                                                   */

/* CRC32C required and not offered: kiss offers it and waits. */
static void test_target_offers_required_digest(void **state)
{
	(void)state;
	cfg.header_digests = KISS_DIGEST_BIT(KISS_DIGEST_CRC32C);
	secure();
	assert_int_equal(OP("DataDigest=None\0"), KISS_NEG_OK);
	assert_out("DataDigest=None\0" DECL "HeaderDigest=CRC32C\0");
	assert_true(kiss_neg_pending(&neg));
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_ERR_UNANSWERED);
	assert_int_equal(kiss_neg_login_status(KISS_NEG_ERR_UNANSWERED),
			 KISS_LOGIN_INITIATOR_ERROR);
	kiss_text_out_reset(&out);

	/* The answer must be a value of the offered list. */
	expect_fail(OP("HeaderDigest=None\0"), KISS_NEG_ERR_ANSWER,
		    "HeaderDigest");
	expect_fail(OP("HeaderDigest=CRC32C,None\0"), KISS_NEG_ERR_ANSWER,
		    "HeaderDigest");
	expect_fail(OP("HeaderDigest=NotUnderstood\0"), KISS_NEG_ERR_ANSWER,
		    "HeaderDigest");
	/* Reject leaves None, which kiss cannot work with. */
	expect_fail(OP("HeaderDigest=Reject\0"), KISS_NEG_ERR_UNACCEPTABLE,
		    "HeaderDigest");

	assert_int_equal(OP("HeaderDigest=CRC32C\0"), KISS_NEG_OK);
	assert_out("");
	assert_false(kiss_neg_pending(&neg));
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
	assert_int_equal(neg.p.header_digest, KISS_DIGEST_CRC32C);

	/* Both digests required: kiss offers both, in table order. */
	cfg.data_digests = KISS_DIGEST_BIT(KISS_DIGEST_CRC32C);
	secure();
	assert_int_equal(OP("MaxConnections=1\0"), KISS_NEG_OK);
	assert_out("MaxConnections=1\0" DECL "HeaderDigest=CRC32C\0"
		   "DataDigest=CRC32C\0");
}

/* ImmediateData=No required: the AND offer only admits No. */
static void test_target_offers_immediate_data_no(void **state)
{
	(void)state;
	cfg.immediate_data = false;
	secure();
	assert_int_equal(OP("MaxRecvDataSegmentLength=8192\0"), KISS_NEG_OK);
	assert_out(DECL "ImmediateData=No\0");
	kiss_text_out_reset(&out);
	expect_fail(OP("ImmediateData=Yes\0"), KISS_NEG_ERR_ANSWER,
		    "ImmediateData");
	assert_int_equal(OP("ImmediateData=No\0"), KISS_NEG_OK);
	assert_out("");
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
	assert_false(neg.p.immediate_data);

	/* Skipping the operational stage: kiss never got to offer. */
	secure();
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_ERR_UNACCEPTABLE);
	assert_string_equal(neg.err_key, "ImmediateData");
}

/* ------------------------------------------------------------------ */
/* Other keys                                                          */

/* RFC 7144: iSCSIProtocolLevel is MIN; TaskReporting a list. */
static void test_protocol_level_and_task_reporting(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("iSCSIProtocolLevel=2\0"
			    "TaskReporting=ResponseFence,RFC3720\0"),
			 KISS_NEG_OK);
	assert_out("iSCSIProtocolLevel=1\0TaskReporting=RFC3720\0" DECL);
	assert_int_equal(neg.p.protocol_level, 1);

	secure();
	assert_int_equal(OP("iSCSIProtocolLevel=0\0"), KISS_NEG_OK);
	assert_out("iSCSIProtocolLevel=0\0" DECL);
	assert_int_equal(neg.p.protocol_level, 0);
}

/* ------------------------------------------------------------------ */
/* Text requests in Full Feature Phase                                 */

static void login_default(void)
{
	secure();
	assert_int_equal(OP("HeaderDigest=None\0DataDigest=None\0"
			    "MaxRecvDataSegmentLength=262144\0"),
			 KISS_NEG_OK);
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
	kiss_text_out_reset(&out);
}

static void test_text_request(void **state)
{
	(void)state;
	login_default();
	assert_int_equal(REQ(FFP, "MaxRecvDataSegmentLength=16384\0"
				  "HeaderDigest=CRC32C\0MaxBurstLength=4096\0"
				  "X-com.example.foo=1\0CHAP_A=5\0"
				  "InitiatorAlias=renamed\0"
				  "AuthMethod=None\0"),
			 KISS_NEG_OK);
	/* Login-only keys are Reject: a Text request has no login status. */
	assert_out("HeaderDigest=Reject\0MaxBurstLength=Reject\0"
		   "X-com.example.foo=NotUnderstood\0CHAP_A=Reject\0"
		   "AuthMethod=Reject\0");
	/* MaxRecvDataSegmentLength may be declared again (Use: ALL). */
	assert_int_equal(neg.p.max_xmit_dsl, 16384);
	assert_int_equal(neg.p.max_burst_length, 262144);
	assert_int_equal(neg.p.header_digest, KISS_DIGEST_NONE);
	assert_string_equal(neg.initiator_alias, "renamed");
	assert_false(neg.send_targets);

	/* ...and again in the next Text request. */
	kiss_text_out_reset(&out);
	assert_int_equal(REQ(FFP, "MaxRecvDataSegmentLength=8192\0"),
			 KISS_NEG_OK);
	assert_out("");
	assert_int_equal(neg.p.max_xmit_dsl, 8192);

	/* Twice in one Text request is still an error. */
	expect_fail(REQ(FFP, "MaxRecvDataSegmentLength=8192\0"
			     "MaxRecvDataSegmentLength=8192\0"),
		    KISS_NEG_ERR_DUPLICATE, "MaxRecvDataSegmentLength");
}

static void test_send_targets(void **state)
{
	(void)state;
	/* Discovery session: All, a name, or the empty value. */
	begin();
	assert_int_equal(REQ(SEC, "InitiatorName=" INAME "\0"
				  "SessionType=Discovery\0"), KISS_NEG_OK);
	assert_int_equal(OP("MaxRecvDataSegmentLength=32768\0"), KISS_NEG_OK);
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
	kiss_text_out_reset(&out);

	assert_int_equal(REQ(FFP, "SendTargets=All\0"), KISS_NEG_OK);
	assert_out("");
	assert_true(neg.send_targets);
	assert_string_equal(neg.send_targets_value, "All");

	assert_int_equal(REQ(FFP, "SendTargets=" TNAME "\0"), KISS_NEG_OK);
	assert_true(neg.send_targets);
	assert_string_equal(neg.send_targets_value, TNAME);

	assert_int_equal(REQ(FFP, "X-foo=1\0"), KISS_NEG_OK);
	assert_out("X-foo=NotUnderstood\0");
	assert_false(neg.send_targets);
	assert_string_equal(neg.send_targets_value, "");
	kiss_text_out_reset(&out);

	assert_int_equal(REQ(FFP, "SendTargets=not a name\0"), KISS_NEG_OK);
	assert_out("SendTargets=Reject\0");
	assert_false(neg.send_targets);
	kiss_text_out_reset(&out);

	/* Normal session: All is for Discovery (RFC 7143 13.3). */
	login_default();
	assert_int_equal(REQ(FFP, "SendTargets=All\0"), KISS_NEG_OK);
	assert_out("SendTargets=Reject\0");
	assert_false(neg.send_targets);
	kiss_text_out_reset(&out);
	assert_int_equal(REQ(FFP, "SendTargets=\0"), KISS_NEG_OK);
	assert_out("");
	assert_true(neg.send_targets);
	assert_string_equal(neg.send_targets_value, "");
}

/* ------------------------------------------------------------------ */
/* Errors of the text and of the answer buffer                         */

static void test_malformed_text(void **state)
{
	(void)state;
	secure();
	expect_fail(OP("HeaderDigest=None\0Foo\0"), KISS_NEG_ERR_TEXT, "");
	assert_int_equal(neg.text_err, KISS_TEXT_ERR_NO_EQUALS);
	expect_fail(OP("HeaderDigest=None"), KISS_NEG_ERR_TEXT, "");
	assert_int_equal(neg.text_err, KISS_TEXT_ERR_NO_NUL);
	expect_fail(OP("Header Digest=None\0"), KISS_NEG_ERR_TEXT, "");
	assert_int_equal(neg.text_err, KISS_TEXT_ERR_KEY_CHAR);
	assert_int_equal(kiss_neg_login_status(KISS_NEG_ERR_TEXT),
			 KISS_LOGIN_INITIATOR_ERROR);
	/* The negotiation can go on: the text error is reset. */
	assert_int_equal(OP("HeaderDigest=None\0"), KISS_NEG_OK);
	assert_int_equal(neg.text_err, KISS_TEXT_OK);
	assert_string_equal(neg.err_key, "");
}

static void test_nospc(void **state)
{
	(void)state;
	secure();
	/* "HeaderDigest=None\0" is 18 bytes: the second answer is cut. */
	kiss_text_out_init(&out, obuf, 20);
	expect_fail(OP("HeaderDigest=None\0DataDigest=None\0"),
		    KISS_NEG_ERR_NOSPC, "");
	assert_int_equal(kiss_neg_login_status(KISS_NEG_ERR_NOSPC),
			 KISS_LOGIN_OUT_OF_RESOURCES);

	/* The answers fit, kiss's declaration does not. */
	secure();
	kiss_text_out_init(&out, obuf, 18);
	expect_fail(OP("HeaderDigest=None\0"), KISS_NEG_ERR_NOSPC, "");

	/* Text already in the buffer is kept. */
	secure();
	kiss_text_out_init(&out, obuf, 40);
	kiss_text_put(&out, "AuthMethod", "None");
	assert_int_equal(OP("HeaderDigest=None\0DataDigest=None\0"),
			 KISS_NEG_ERR_NOSPC);
	assert_out("AuthMethod=None\0");
	assert_false(out.overflow);
}

/* ------------------------------------------------------------------ */
/* Whole logins                                                        */

/* The operational keys of a typical open-iscsi login. */
#define OPEN_ISCSI_OP \
	"HeaderDigest=None\0DataDigest=None\0DefaultTime2Wait=2\0"	\
	"DefaultTime2Retain=0\0IFMarker=No\0OFMarker=No\0"		\
	"ErrorRecoveryLevel=0\0InitialR2T=No\0ImmediateData=Yes\0"	\
	"MaxBurstLength=16776192\0FirstBurstLength=262144\0"		\
	"MaxOutstandingR2T=1\0MaxConnections=1\0DataPDUInOrder=Yes\0"	\
	"DataSequenceInOrder=Yes\0MaxRecvDataSegmentLength=262144\0"

#define OPEN_ISCSI_ANSWER \
	"HeaderDigest=None\0DataDigest=None\0DefaultTime2Wait=2\0"	\
	"DefaultTime2Retain=0\0IFMarker=Reject\0OFMarker=Reject\0"	\
	"ErrorRecoveryLevel=0\0InitialR2T=No\0ImmediateData=Yes\0"	\
	"MaxBurstLength=1048576\0FirstBurstLength=65536\0"		\
	"MaxOutstandingR2T=1\0MaxConnections=1\0DataPDUInOrder=Yes\0"	\
	"DataSequenceInOrder=Yes\0" DECL

static void test_open_iscsi_login(void **state)
{
	const struct kiss_neg_params *p = &neg.p;

	(void)state;
	begin();
	assert_int_equal(REQ(SEC, "InitiatorName=" INAME "\0"
				  "InitiatorAlias=host1\0"
				  "TargetName=" TNAME "\0SessionType=Normal\0"
				  "AuthMethod=None\0"), KISS_NEG_OK);
	assert_out(TPGT);
	kiss_text_out_reset(&out);

	assert_int_equal(OP(OPEN_ISCSI_OP), KISS_NEG_OK);
	assert_out(OPEN_ISCSI_ANSWER);
	assert_false(kiss_neg_pending(&neg));
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
	assert_true(neg.finished);
	assert_int_equal(neg.requests, 2);

	assert_int_equal(p->max_recv_dsl, 262144);
	assert_int_equal(p->max_xmit_dsl, 262144);
	assert_int_equal(p->max_burst_length, 1048576);
	assert_int_equal(p->first_burst_length, 65536);
	assert_int_equal(p->default_time2wait, 2);
	assert_int_equal(p->default_time2retain, 0);
	assert_int_equal(p->max_outstanding_r2t, 1);
	assert_int_equal(p->max_connections, 1);
	assert_int_equal(p->error_recovery_level, 0);
	assert_int_equal(p->protocol_level, 1);
	assert_int_equal(p->header_digest, KISS_DIGEST_NONE);
	assert_int_equal(p->data_digest, KISS_DIGEST_NONE);
	assert_int_equal(p->session_type, KISS_SESSION_NORMAL);
	assert_false(p->initial_r2t);
	assert_true(p->immediate_data);
	assert_true(p->data_pdu_in_order);
	assert_true(p->data_sequence_in_order);
	assert_string_equal(neg.initiator_name, INAME);
	assert_string_equal(neg.target_name, TNAME);
	assert_string_equal(neg.initiator_alias, "host1");
}

/* The same keys in PDUs split anywhere give the same answer. */
static void test_login_split_across_pdus(void **state)
{
	static const char op[] = OPEN_ISCSI_OP;
	static const size_t piece[] = { 1, 7, 48, 100, sizeof(op) - 1 };
	char ltds[KISS_TEXT_LTDS_MAX];
	struct kiss_text_accum acc;
	size_t i, off;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(piece); i++) {
		secure();
		kiss_text_accum_init(&acc, ltds, sizeof(ltds));
		for (off = 0; off < sizeof(op) - 1; off += piece[i]) {
			size_t n = min(piece[i], sizeof(op) - 1 - off);

			assert_int_equal(kiss_text_accum_add(&acc, op + off,
							     n),
					 KISS_TEXT_OK);
		}
		assert_int_equal(kiss_text_accum_finish(&acc), KISS_TEXT_OK);
		assert_int_equal(kiss_neg_request(&neg, OPER, acc.buf,
						  acc.len, &out),
				 KISS_NEG_OK);
		assert_out(OPEN_ISCSI_ANSWER);
		assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
	}
}

/* The operational stage over two requests (T=0, then T=1). */
static void test_login_over_two_requests(void **state)
{
	(void)state;
	secure();
	assert_int_equal(OP("HeaderDigest=None\0DataDigest=None\0"
			    "MaxRecvDataSegmentLength=262144\0"), KISS_NEG_OK);
	assert_out("HeaderDigest=None\0DataDigest=None\0" DECL);
	kiss_text_out_reset(&out);
	assert_int_equal(OP("MaxBurstLength=262144\0ImmediateData=Yes\0"
			    "InitialR2T=No\0"), KISS_NEG_OK);
	/* No second declaration. */
	assert_out("MaxBurstLength=262144\0ImmediateData=Yes\0"
		   "InitialR2T=No\0");
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
	assert_false(neg.p.initial_r2t);
	assert_int_equal(neg.requests, 3);
}

#define RFC_TNAME	"iqn.1999-07.com.example:diskarray.sn.88"

/*
 * After RFC 7143 Appendix B: no security stage; the initiator offers both
 * digests with CRC32C first and the target picks it.
 */
static void test_rfc_login_with_digests(void **state)
{
	(void)state;
	begin();
	assert_int_equal(OP("InitiatorName=iqn.1999-07.com.os:hostid.77\0"
			    "TargetName=" RFC_TNAME "\0"
			    "HeaderDigest=CRC32C,None\0"
			    "DataDigest=CRC32C,None\0"
			    "MaxRecvDataSegmentLength=65536\0"), KISS_NEG_OK);
	assert_out("HeaderDigest=CRC32C\0DataDigest=CRC32C\0" TPGT DECL);
	assert_int_equal(kiss_neg_finish(&neg), KISS_NEG_OK);
	assert_int_equal(neg.p.header_digest, KISS_DIGEST_CRC32C);
	assert_int_equal(neg.p.data_digest, KISS_DIGEST_CRC32C);
	assert_int_equal(neg.p.max_xmit_dsl, 65536);
	assert_string_equal(neg.target_name, RFC_TNAME);
}

/* ------------------------------------------------------------------ */
/* Tables and mappings                                                 */

static void test_login_status_mapping(void **state)
{
	int s;

	(void)state;
	for (s = 0; s < KISS_NEG_STATUS_COUNT; s++) {
		u16 want = KISS_LOGIN_INITIATOR_ERROR;

		if (s == KISS_NEG_OK)
			want = KISS_LOGIN_SUCCESS;
		else if (s == KISS_NEG_ERR_MISSING)
			want = KISS_LOGIN_MISSING_PARAMETER;
		else if (s == KISS_NEG_ERR_NOSPC)
			want = KISS_LOGIN_OUT_OF_RESOURCES;
		assert_int_equal(kiss_neg_login_status(s), want);
	}
	assert_int_equal(KISS_LOGIN_MISSING_PARAMETER, 0x0207);
	assert_int_equal(KISS_LOGIN_OUT_OF_RESOURCES, 0x0302);
	assert_int_equal(KISS_LOGIN_INITIATOR_ERROR, 0x0200);
}

static void test_status_names(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < KISS_NEG_STATUS_COUNT; i++) {
		const char *n = kiss_neg_status_name(i);

		assert_non_null(n);
		assert_true(n[0] != '\0');
		for (j = 0; j < i; j++)
			assert_string_not_equal(n, kiss_neg_status_name(j));
	}
	assert_string_equal(kiss_neg_status_name(KISS_NEG_STATUS_COUNT),
			    "unknown negotiation status");
}

static void test_key_table(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < KISS_KEY_COUNT; i++) {
		const struct kiss_key_def *d = kiss_key_get(i);

		assert_non_null(d);
		assert_non_null(d->name);
		assert_int_equal(kiss_key_lookup(d->name, strlen(d->name)), i);
		assert_true(kiss_text_key_valid(d->name, strlen(d->name)));
		assert_true(d->flags & (KISS_KEYF_FROM_INITIATOR |
					KISS_KEYF_FROM_TARGET));
		assert_true(d->max_len <= KISS_TEXT_VALUE_MAX);
		if (d->type == KISS_KT_MIN || d->type == KISS_KT_MAX) {
			assert_true(d->min <= d->dflt);
			assert_true(d->dflt <= d->max);
		}
	}
	assert_null(kiss_key_get(KISS_KEY_COUNT));
	assert_int_equal(kiss_key_lookup("headerdigest", 12), -1);
	assert_int_equal(kiss_key_lookup("HeaderDigest", 6), -1);
	assert_int_equal(kiss_key_lookup("", 0), -1);
	assert_int_equal(kiss_key_get(KISS_KEY_MAX_BURST_LENGTH)->max,
			 16777215);
	assert_int_equal(kiss_key_get(KISS_KEY_DEFAULT_TIME2WAIT)->max, 3600);
	assert_int_equal(kiss_key_get(KISS_KEY_DEFAULT_TIME2WAIT)->type,
			 KISS_KT_MAX);
	assert_int_equal(kiss_key_get(KISS_KEY_INITIAL_R2T)->type, KISS_KT_OR);
	assert_int_equal(kiss_key_get(KISS_KEY_IMMEDIATE_DATA)->type,
			 KISS_KT_AND);
	assert_int_equal(kiss_key_get(KISS_KEY_IF_MARKER)->type,
			 KISS_KT_OBSOLETE);

	assert_true(kiss_key_is_auth("CHAP_A", 6));
	assert_true(kiss_key_is_auth("SRP_U", 5));
	assert_true(kiss_key_is_auth("KRB_AP_REQ", 10));
	assert_true(kiss_key_is_auth("SPKM_REQ", 8));
	assert_false(kiss_key_is_auth("CHAP_", 5));
	assert_false(kiss_key_is_auth("AuthMethod", 10));
	assert_true(kiss_key_is_extension("X-foo", 5));
	assert_true(kiss_key_is_extension("X#NodeArchitecture", 18));
	assert_false(kiss_key_is_extension("X-", 2));
	assert_false(kiss_key_is_extension("Xfoo", 4));
}

/* RFC 7143 13: the values in force before anything is negotiated. */
static void test_defaults(void **state)
{
	struct kiss_neg_params p;

	(void)state;
	kiss_neg_params_default(&p);
	assert_int_equal(p.max_recv_dsl, 8192);
	assert_int_equal(p.max_xmit_dsl, 8192);
	assert_int_equal(p.max_burst_length, 262144);
	assert_int_equal(p.first_burst_length, 65536);
	assert_int_equal(p.default_time2wait, 2);
	assert_int_equal(p.default_time2retain, 20);
	assert_int_equal(p.max_outstanding_r2t, 1);
	assert_int_equal(p.max_connections, 1);
	assert_int_equal(p.error_recovery_level, 0);
	assert_int_equal(p.protocol_level, 1);
	assert_int_equal(p.header_digest, KISS_DIGEST_NONE);
	assert_int_equal(p.data_digest, KISS_DIGEST_NONE);
	assert_int_equal(p.session_type, KISS_SESSION_NORMAL);
	assert_true(p.initial_r2t);
	assert_true(p.immediate_data);
	assert_true(p.data_pdu_in_order);
	assert_true(p.data_sequence_in_order);
}

static void test_config_valid(void **state)
{
	struct kiss_neg_config c;

	(void)state;
	kiss_neg_config_default(&c);
	assert_true(kiss_neg_config_valid(&c));

#define BAD(stmt)						\
	do {							\
		kiss_neg_config_default(&c);			\
		stmt;						\
		assert_false(kiss_neg_config_valid(&c));	\
	} while (0)
	BAD(c.max_recv_dsl = 511);
	BAD(c.max_recv_dsl = 16777216);
	BAD(c.max_xmit_dsl = 511);
	BAD(c.max_burst_length = 511);
	BAD(c.max_burst_length = 16777216);
	BAD(c.first_burst_length = c.max_burst_length + 1);
	BAD(c.default_time2wait = 3601);
	BAD(c.default_time2retain = 3601);
	BAD(c.max_outstanding_r2t = 0);
	BAD(c.max_connections = 0);
	BAD(c.error_recovery_level = 3);
	BAD(c.protocol_level = 32);
	BAD(c.header_digests = 0);
	BAD(c.header_digests = 4);
	BAD(c.data_digests = 0);
	BAD(strcpy(c.target_alias, "bad \xff"));
	BAD(memset(c.target_alias, 'a', sizeof(c.target_alias)));
#undef BAD

	kiss_neg_config_default(&c);
	c.first_burst_length = c.max_burst_length;
	c.max_recv_dsl = 16777215;
	strcpy(c.target_alias, "kiss \xc3\xa9");
	assert_true(kiss_neg_config_valid(&c));
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_min_max_burst_length),
		T(test_min_error_recovery_level),
		T(test_max_default_time2wait),
		T(test_and_immediate_data),
		T(test_or_initial_r2t),
		T(test_list_first_supported),
		T(test_list_none_only),
		T(test_list_unknown_values_reject),
		T(test_list_required_digest_refused),
		T(test_declarative_mrdsl),
		T(test_declarative_bad_value),
		T(test_irrelevant_in_discovery),
		T(test_irrelevant_iser_keys),
		T(test_irrelevant_first_burst),
		T(test_not_understood),
		T(test_reject_out_of_range),
		T(test_reserved_value_offered),
		T(test_obsolete_marker_keys),
		T(test_first_burst_capped_by_max_burst),
		T(test_first_burst_offered_by_target),
		T(test_first_burst_then_lower_max_burst),
		T(test_duplicate_in_one_request),
		T(test_duplicate_across_requests),
		T(test_security_stage_refuses_operational),
		T(test_security_stage_keys),
		T(test_auth_keys_outside_security),
		T(test_phase_and_sender),
		T(test_missing_names),
		T(test_bad_declarations),
		T(test_initiator_alias),
		T(test_names_repeated_after_security),
		T(test_names_changed_after_first_request),
		T(test_non_leading_connection),
		T(test_target_offers_required_digest),
		T(test_target_offers_immediate_data_no),
		T(test_protocol_level_and_task_reporting),
		T(test_text_request),
		T(test_send_targets),
		T(test_malformed_text),
		T(test_nospc),
		T(test_open_iscsi_login),
		T(test_login_split_across_pdus),
		T(test_login_over_two_requests),
		T(test_rfc_login_with_digests),
		T(test_login_status_mapping),
		T(test_status_names),
		T(test_key_table),
		T(test_defaults),
		T(test_config_valid),
	};

	return cmocka_run_group_tests_name("params", tests, NULL, NULL);
}

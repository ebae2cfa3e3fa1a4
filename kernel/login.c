// SPDX-License-Identifier: GPL-2.0
/*
 * kiss: the login phase (RFC 7143 sections 6 and 11.12-11.13) and Text
 * requests in Full Feature Phase.
 *
 * The rx thread runs kiss_login() before anything else.  Each Login
 * request's text is gathered (C bit) into a logical text data segment,
 * negotiated by kernel/proto/params.c, authenticated by kernel/proto/chap.c
 * when CHAP is in force, and answered; the answer is split into pieces
 * of at most 8192 bytes when needed.  Any failure sends a Login Response
 * with the status class and detail that say why, and ends the connection.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/ipv6.h>

#include "kiss.h"
#include "proto/chap.h"
#include "proto/text.h"

/* Algorithms kiss accepts for CHAP (open-iscsi offers SHA3-256 first). */
#define KISS_CHAP_ALGS	KISS_CHAP_ALGS_ALL

enum kiss_auth_state {
	KISS_AUTH_START,	/* waiting for AuthMethod */
	KISS_AUTH_CHAP_A,	/* CHAP chosen, waiting for CHAP_A */
	KISS_AUTH_CHAP_R,	/* challenge sent, waiting for CHAP_N/CHAP_R */
	KISS_AUTH_DONE,		/* authenticated, or no authentication */
};

/**
 * struct kiss_login - login state of a connection, kept for Text
 * @neg: negotiation state; in Full Feature Phase it answers Text keys
 * @req: the request text being gathered
 * @acc: its accumulator
 * @rsp: the answer being sent
 * @out: its builder
 * @chap: CHAP exchange
 * @auth: credentials for this login (a copy: configfs may change them)
 * @auth_state: where the security negotiation is
 * @auth_required: CHAP is configured for this initiator
 * @target: the target, referenced; NULL for discovery
 * @stage: current stage (CSG we expect)
 * @readonly: the initiator's ACL is read-only
 * @text_ttt: TTT of a Text response still being handed out, or reserved
 * @text_gathering: a Text request with the C bit is being gathered
 * @chap_buf: CHAP answers being written
 */
struct kiss_login {
	struct kiss_neg		neg;
	char			req[KISS_TEXT_LTDS_MAX];
	struct kiss_text_accum	acc;
	char			*rsp;
	struct kiss_text_out	out;
	struct kiss_chap	chap;
	struct kiss_auth	auth;
	enum kiss_auth_state	auth_state;
	bool			auth_required;
	struct kiss_target	*target;
	u8			stage;
	bool			readonly;
	u32			text_ttt;
	bool			text_gathering;
	char			chap_buf[2 * KISS_CHAP_BINARY_MAX + 64];
};

void kiss_login_free(struct kiss_conn *conn)
{
	struct kiss_login *l = conn->login;

	if (!l)
		return;
	if (l->target)
		kiss_target_put(l->target);
	kvfree(l->rsp);
	memzero_explicit(&l->auth, sizeof(l->auth));
	kfree(l);
	conn->login = NULL;
}

/* ------------------------------------------------------------------ */
/* CHAP hashing with the kernel's crypto API                           */

static const char *kiss_chap_alg_name(enum kiss_chap_alg alg)
{
	switch (alg) {
	case KISS_CHAP_ALG_MD5:
		return "md5";
	case KISS_CHAP_ALG_SHA1:
		return "sha1";
	case KISS_CHAP_ALG_SHA256:
		return "sha256";
	case KISS_CHAP_ALG_SHA3_256:
		return "sha3-256";
	default:
		return NULL;
	}
}

static int kiss_chap_digest(void *priv, enum kiss_chap_alg alg,
			    const struct kiss_chap_vec *vec, unsigned int nvec,
			    u8 *out)
{
	const char *name = kiss_chap_alg_name(alg);
	struct crypto_shash *tfm;
	unsigned int i;
	int ret;

	if (!name)
		return -EINVAL;
	tfm = crypto_alloc_shash(name, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	{
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		ret = crypto_shash_init(desc);
		for (i = 0; !ret && i < nvec; i++)
			ret = crypto_shash_update(desc, vec[i].base,
						  vec[i].len);
		if (!ret)
			ret = crypto_shash_final(desc, out);
		shash_desc_zero(desc);
	}
	crypto_free_shash(tfm);
	return ret;
}

static const struct kiss_chap_hasher kiss_chap_hasher = {
	.digest = kiss_chap_digest,
};

/* Only algorithms this kernel can compute are offered. */
static u32 kiss_chap_algs_available(void)
{
	static const enum kiss_chap_alg algs[] = {
		KISS_CHAP_ALG_MD5, KISS_CHAP_ALG_SHA1, KISS_CHAP_ALG_SHA256,
		KISS_CHAP_ALG_SHA3_256,
	};
	u32 set = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(algs); i++)
		if (crypto_has_shash(kiss_chap_alg_name(algs[i]), 0, 0))
			set |= KISS_CHAP_ALG_BIT(algs[i]);
	return set & KISS_CHAP_ALGS;
}

static void kiss_cred(struct kiss_chap_cred *c, const char *name,
		      const char *secret)
{
	c->name = name;
	c->name_len = strlen(name);
	c->secret = (const u8 *)secret;
	c->secret_len = strlen(secret);
}

/* Value of @key in the request, or NULL (and 0) if absent. */
static const char *kiss_login_value(struct kiss_login *l, const char *key,
				    size_t *len)
{
	struct kiss_text_pair pair;

	if (kiss_text_find(l->acc.buf, l->acc.len, key, &pair)) {
		*len = 0;
		return NULL;
	}
	*len = pair.value_len;
	return pair.value;
}

/* Does the list-of-values @list (RFC 7143 6.1) hold @item? */
static bool kiss_list_has(const char *list, size_t len, const char *item)
{
	return kiss_text_list_select(list, len, &item, 1) >= 0;
}

/*
 * The security stage: AuthMethod, then CHAP_A, then CHAP_N/CHAP_R (and the
 * initiator's challenge for mutual CHAP).  Appends kiss's answers to
 * l->out.  Returns a login status (0 for success so far).
 */
static u16 kiss_login_security(struct kiss_conn *conn, struct kiss_login *l)
{
	const char *v, *n, *r, *i, *c;
	size_t vlen, nlen, rlen, ilen, clen;
	struct kiss_chap_cred init_cred, tgt_cred;
	bool mutual = l->auth.userid_mutual[0] && l->auth.password_mutual[0];
	char *buf = l->chap_buf;
	enum kiss_chap_status st;
	int ret;

	switch (l->auth_state) {
	case KISS_AUTH_START:
		v = kiss_login_value(l, "AuthMethod", &vlen);
		if (!v)
			return l->auth_required ? KISS_LOGIN_AUTH_FAILED : 0;
		if (l->auth_required) {
			if (!kiss_list_has(v, vlen, "CHAP"))
				goto refuse_method;
			kiss_text_put(&l->out, "AuthMethod", "CHAP");
			l->auth_state = KISS_AUTH_CHAP_A;
			/* CHAP_A may come in the same request. */
			if (!kiss_login_value(l, "CHAP_A", &vlen))
				return 0;
			break;
		}
		if (!kiss_list_has(v, vlen, "None"))
			goto refuse_method;
		kiss_text_put(&l->out, "AuthMethod", "None");
		l->auth_state = KISS_AUTH_DONE;
		return 0;
	case KISS_AUTH_DONE:
		return 0;
	default:
		break;
	}

	if (l->auth_state == KISS_AUTH_CHAP_A) {
		enum kiss_chap_alg alg;
		u8 challenge[KISS_CHAP_OWN_CHALLENGE_MAX];
		u8 id;

		v = kiss_login_value(l, "CHAP_A", &vlen);
		if (!v)
			return KISS_LOGIN_AUTH_FAILED;
		alg = kiss_chap_select_alg(v, vlen, kiss_chap_algs_available());
		if (alg == KISS_CHAP_ALG_NONE) {
			kiss_text_put(&l->out, "CHAP_A", "Reject");
			return KISS_LOGIN_AUTH_FAILED;
		}
		get_random_bytes(&id, sizeof(id));
		get_random_bytes(challenge, kiss_chap_digest_len(alg));
		if (kiss_chap_begin(&l->chap, alg, id, challenge,
				    kiss_chap_digest_len(alg)))
			return KISS_LOGIN_TARGET_ERROR;
		ret = kiss_chap_write_challenge(&l->chap, buf, sizeof(l->chap_buf));
		if (ret < 0)
			return KISS_LOGIN_TARGET_ERROR;
		/* The pairs are NUL-separated already: append them raw. */
		if (l->out.len + ret > l->out.cap)
			return KISS_LOGIN_TARGET_ERROR;
		memcpy(l->out.buf + l->out.len, buf, ret);
		l->out.len += ret;
		l->auth_state = KISS_AUTH_CHAP_R;
		return 0;
	}

	/* KISS_AUTH_CHAP_R */
	n = kiss_login_value(l, "CHAP_N", &nlen);
	r = kiss_login_value(l, "CHAP_R", &rlen);
	i = kiss_login_value(l, "CHAP_I", &ilen);
	c = kiss_login_value(l, "CHAP_C", &clen);
	kiss_cred(&init_cred, l->auth.userid, l->auth.password);
	if (mutual)
		kiss_cred(&tgt_cred, l->auth.userid_mutual,
			  l->auth.password_mutual);
	st = kiss_chap_verify(&l->chap, &kiss_chap_hasher, &init_cred,
			      mutual ? &tgt_cred : NULL, n, nlen, r, rlen);
	if (st != KISS_CHAP_OK) {
		pr_warn_ratelimited("%pISpc: CHAP authentication of %s failed: %s\n",
				    &conn->peer, l->neg.initiator_name,
				    kiss_chap_status_name(st));
		return KISS_LOGIN_AUTH_FAILED;
	}
	if (i || c) {
		size_t written;

		if (!mutual) {
			pr_warn_ratelimited("%pISpc: %s asks for mutual CHAP, which is not configured\n",
					    &conn->peer, l->neg.initiator_name);
			return KISS_LOGIN_AUTH_FAILED;
		}
		st = kiss_chap_mutual(&l->chap, &kiss_chap_hasher, &tgt_cred,
				      i, ilen, c, clen, buf, sizeof(l->chap_buf),
				      &written);
		if (st != KISS_CHAP_OK) {
			pr_warn_ratelimited("%pISpc: mutual CHAP with %s failed: %s\n",
					    &conn->peer, l->neg.initiator_name,
					    kiss_chap_status_name(st));
			return KISS_LOGIN_AUTH_FAILED;
		}
		if (l->out.len + written > l->out.cap)
			return KISS_LOGIN_TARGET_ERROR;
		memcpy(l->out.buf + l->out.len, buf, written);
		l->out.len += written;
	} else if (mutual && l->auth_required) {
		/* The target is configured to prove itself: insist. */
		pr_warn_ratelimited("%pISpc: %s did not ask for mutual CHAP\n",
				    &conn->peer, l->neg.initiator_name);
	}
	l->auth_state = KISS_AUTH_DONE;
	return 0;

refuse_method:
	kiss_text_put(&l->out, "AuthMethod", "Reject");
	pr_warn_ratelimited("%pISpc: %s offers no acceptable AuthMethod\n",
			    &conn->peer, l->neg.initiator_name);
	return KISS_LOGIN_AUTH_FAILED;
}

/* ------------------------------------------------------------------ */
/* First request: who is logging in, and to what                      */

static void kiss_neg_config_from_target(struct kiss_neg_config *cfg,
					const struct kiss_target *t)
{
	const struct kiss_target_params *p = &t->params;

	cfg->max_recv_dsl = p->max_recv_dsl;
	cfg->max_burst_length = p->max_burst;
	cfg->first_burst_length = p->first_burst;
	cfg->max_outstanding_r2t = p->max_outstanding_r2t;
	cfg->immediate_data = p->immediate_data;
	cfg->initial_r2t = p->initial_r2t;
	cfg->header_digests = p->header_digests;
	cfg->data_digests = p->data_digests;
	cfg->tpgt = t->tpgt;
	strscpy(cfg->target_alias, t->alias, sizeof(cfg->target_alias));
}

static u16 kiss_login_first(struct kiss_conn *conn, struct kiss_login *l)
{
	struct kiss_neg_config cfg;
	struct kiss_target *t = NULL;
	struct kiss_acl *acl;
	char name[KISS_NAME_MAX + 1];
	const char *v, *why = "";
	size_t len;
	bool discovery;
	u16 status = 0;

	kiss_neg_config_default(&cfg);
	/* kiss needs data in order; it does not reassemble. */
	cfg.data_pdu_in_order = true;
	cfg.data_sequence_in_order = true;
	cfg.max_connections = 1;
	cfg.error_recovery_level = 0;

	v = kiss_login_value(l, "InitiatorName", &len);
	if (!v || !kiss_text_iscsi_name_valid(v, len))
		return KISS_LOGIN_MISSING_PARAMETER;
	v = kiss_login_value(l, "SessionType", &len);
	discovery = v && len == 9 && !memcmp(v, "Discovery", 9);

	if (discovery) {
		mutex_lock(&kiss_cfg_mutex);
		l->auth = kiss_discovery_auth;
		l->auth_required = kiss_discovery_enforce_auth;
		mutex_unlock(&kiss_cfg_mutex);
		goto negotiate;
	}

	v = kiss_login_value(l, "TargetName", &len);
	if (!v)
		return KISS_LOGIN_MISSING_PARAMETER;
	if (len > KISS_NAME_MAX)
		return KISS_LOGIN_NOT_FOUND;
	memcpy(name, v, len);
	name[len] = '\0';
	t = kiss_target_find_get(name);
	if (!t) {
		pr_info_ratelimited("%pISpc: login to unknown target %s refused\n",
				    &conn->peer, name);
		return KISS_LOGIN_NOT_FOUND;
	}
	l->target = t;
	v = kiss_login_value(l, "InitiatorName", &len);
	memcpy(name, v, len);
	name[len] = '\0';

	mutex_lock(&kiss_cfg_mutex);
	if (!t->enabled) {
		why = "target disabled";
		status = KISS_LOGIN_NOT_FOUND;
		goto unlock;
	}
	if (!kiss_target_on_portal(t, conn->portal)) {
		why = "not served on this portal";
		status = KISS_LOGIN_NOT_FOUND;
		goto unlock;
	}
	acl = kiss_acl_find(t, name);
	if (acl) {
		l->auth = acl->auth;
		l->readonly = acl->readonly;
	} else if (t->allow_any_initiator) {
		l->auth = t->auth;
	} else {
		why = "not in the ACL";
		status = KISS_LOGIN_FORBIDDEN;
		goto unlock;
	}
	l->auth_required = l->auth.userid[0] != '\0';
	kiss_neg_config_from_target(&cfg, t);
unlock:
	mutex_unlock(&kiss_cfg_mutex);
	if (status) {
		pr_info_ratelimited("%pISpc: login of %s to %s refused: %s\n",
				    &conn->peer, name, t->name, why);
		return status;
	}
	if (l->auth_required && !l->auth.password[0])
		return KISS_LOGIN_AUTH_FAILED;

negotiate:
	if (!kiss_neg_config_valid(&cfg))
		return KISS_LOGIN_TARGET_ERROR;
	kiss_neg_init(&l->neg, &cfg, NULL);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The login loop                                                      */

static int kiss_login_send(struct kiss_conn *conn,
			   const struct kiss_bhs_login_req *req, u8 flags,
			   u16 tsih, u16 status, const void *data, u32 len)
{
	u8 bhs[KISS_BHS_LEN];

	kiss_build_login_rsp(bhs, req, flags, tsih, status, len);
	return kiss_conn_send(conn, bhs, data, len);
}

static int kiss_login_fail(struct kiss_conn *conn,
			   const struct kiss_bhs_login_req *req, u16 status)
{
	struct kiss_login *l = conn->login;

	pr_info_ratelimited("%pISpc: login of %s failed (status %#06x)\n",
			    &conn->peer,
			    l && l->neg.initiator_name[0] ?
			    l->neg.initiator_name : "?", status);
	kiss_login_send(conn, req, 0, 0, status, NULL, 0);
	return -EACCES;
}

/* Send l->out in login responses of at most 8192 bytes (C bit). */
static int kiss_login_answer(struct kiss_conn *conn,
			     struct kiss_bhs_login_req *req, u8 flags,
			     u16 tsih)
{
	struct kiss_login *l = conn->login;
	struct kiss_pdu_limits lim = {
		.max_recv_dsl = KISS_LOGIN_MAX_DSL, .login = true,
	};
	struct kiss_pdu_info info;
	const char *data;
	size_t len;
	int ret;

	for (;;) {
		kiss_text_out_next(&l->out, KISS_LOGIN_MAX_DSL, &data, &len);
		if (kiss_text_out_done(&l->out))
			return kiss_login_send(conn, req, flags, tsih, 0, data,
					       len);
		/* More to come: C=1, T=0, and the initiator asks again. */
		ret = kiss_login_send(conn, req,
				      (flags & ~KISS_LOGIN_TRANSIT &
				       ~KISS_LOGIN_NSG_MASK) |
				      KISS_TEXT_CONTINUE, tsih, 0, data, len);
		if (ret)
			return ret;
		ret = kiss_conn_recv_header(conn, &lim, &info);
		if (ret)
			return ret;
		if (info.opcode != KISS_OP_LOGIN_REQ || info.data_len)
			return -EPROTO;
		memcpy(req, conn->hdr, KISS_BHS_LEN);
	}
}

static int kiss_login_alloc(struct kiss_conn *conn)
{
	struct kiss_login *l;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	l->rsp = kvmalloc(KISS_TEXT_MAX, GFP_KERNEL);
	if (!l->rsp) {
		kfree(l);
		return -ENOMEM;
	}
	kiss_text_accum_init(&l->acc, l->req, sizeof(l->req));
	kiss_text_out_init(&l->out, l->rsp, KISS_TEXT_MAX);
	l->text_ttt = KISS_RESERVED_TAG;
	conn->login = l;
	return 0;
}

/* Login succeeded: the session and the parameters it runs with. */
static u16 kiss_login_complete(struct kiss_conn *conn,
			       const struct kiss_bhs_login_req *req)
{
	struct kiss_login *l = conn->login;
	const struct kiss_neg_params *p = &l->neg.p;
	struct kiss_session *sess;

	if (kiss_neg_finish(&l->neg))
		return KISS_LOGIN_INITIATOR_ERROR;
	/* One connection per session (MaxConnections=1): no joining. */
	if (req->tsih)
		return KISS_LOGIN_SESSION_DOES_NOT_EXIST;

	sess = kiss_session_alloc(l->target, l->neg.initiator_name, req->isid);
	if (!sess)
		return KISS_LOGIN_OUT_OF_RESOURCES;
	/* The session owns the target reference now. */
	l->target = NULL;
	sess->conn = conn;
	sess->readonly = l->readonly;
	conn->params.max_recv_dsl = p->max_recv_dsl;
	conn->params.max_xmit_dsl = p->max_xmit_dsl;
	conn->params.max_burst = p->max_burst_length;
	conn->params.first_burst = p->first_burst_length;
	conn->params.max_outstanding_r2t = p->max_outstanding_r2t;
	conn->params.default_time2wait = p->default_time2wait;
	conn->params.default_time2retain = p->default_time2retain;
	conn->params.immediate_data = p->immediate_data;
	conn->params.initial_r2t = p->initial_r2t;
	sess->params = conn->params;
	sess->params.header_digest = p->header_digest == KISS_DIGEST_CRC32C;
	sess->params.data_digest = p->data_digest == KISS_DIGEST_CRC32C;
	conn->sess = sess;
	/* The final Login Response opens the whole window. */
	conn->queue_depth = sess->target ?
			    READ_ONCE(sess->target->params.queue_depth) : 1;
	atomic_set(&conn->max_cmd_sn,
		   conn->exp_cmd_sn - 1 + conn->queue_depth);
	if (kiss_session_register(sess))
		return KISS_LOGIN_TARGET_REMOVED;
	return 0;
}

/**
 * kiss_login() - run the login phase of a new connection
 * @conn: the connection, its rx thread calling
 *
 * Return: 0 with conn->sess set and conn->params negotiated, ready for
 * Full Feature Phase; or -errno, the connection to be closed.
 */
int kiss_login(struct kiss_conn *conn)
{
	struct kiss_pdu_limits lim = {
		.max_recv_dsl = KISS_LOGIN_MAX_DSL, .login = true,
	};
	struct kiss_bhs_login_req req;
	struct kiss_pdu_info info;
	struct kiss_login *l;
	bool first = true;
	int ret;

	ret = kiss_login_alloc(conn);
	if (ret)
		return ret;
	l = conn->login;
	l->stage = KISS_STAGE_SECURITY;

	for (;;) {
		u8 csg, nsg, flags;
		bool transit;
		u16 status;

		ret = kiss_conn_recv_header(conn, &lim, &info);
		if (ret && ret != -EPROTONOSUPPORT && ret != -EOPNOTSUPP)
			return ret;
		memcpy(&req, conn->hdr, sizeof(req));
		/* RFC 7143 6: anything but a Login Request ends the login */
		if (ret == -EOPNOTSUPP)
			return kiss_login_fail(conn, &req,
					       KISS_LOGIN_INVALID_DURING_LOGIN);
		if (first) {
			conn->cid = be16_to_cpu(req.cid);
			conn->exp_cmd_sn = be32_to_cpu(req.cmd_sn);
			conn->stat_sn = be32_to_cpu(req.exp_stat_sn);
			/* A window of one until the session exists. */
			atomic_set(&conn->max_cmd_sn, conn->exp_cmd_sn);
		}
		if (ret == -EPROTONOSUPPORT)
			return kiss_login_fail(conn, &req,
					       KISS_LOGIN_UNSUPPORTED_VERSION);

		/* Gather the text; a C=1 request is acknowledged empty. */
		ret = kiss_conn_recv_text(conn, &info, &l->acc);
		if (ret == -EMSGSIZE)
			return kiss_login_fail(conn, &req,
					       KISS_LOGIN_INITIATOR_ERROR);
		if (ret)
			return ret;
		if (req.flags & KISS_TEXT_CONTINUE) {
			if (req.flags & KISS_LOGIN_TRANSIT)
				return kiss_login_fail(conn, &req,
						       KISS_LOGIN_INITIATOR_ERROR);
			ret = kiss_login_send(conn, &req,
					      l->stage << KISS_LOGIN_CSG_SHIFT,
					      0, 0, NULL, 0);
			if (ret)
				return ret;
			continue;
		}
		if (kiss_text_accum_finish(&l->acc))
			return kiss_login_fail(conn, &req,
					       KISS_LOGIN_INITIATOR_ERROR);

		csg = (req.flags & KISS_LOGIN_CSG_MASK) >> KISS_LOGIN_CSG_SHIFT;
		nsg = req.flags & KISS_LOGIN_NSG_MASK;
		transit = req.flags & KISS_LOGIN_TRANSIT;
		if (first) {
			status = kiss_login_first(conn, l);
			if (status)
				return kiss_login_fail(conn, &req, status);
			/* Skipping security is only for who needs no CHAP. */
			if (csg == KISS_STAGE_OPERATIONAL) {
				if (l->auth_required)
					return kiss_login_fail(conn, &req,
							       KISS_LOGIN_AUTH_FAILED);
				l->auth_state = KISS_AUTH_DONE;
				l->stage = KISS_STAGE_OPERATIONAL;
			}
			first = false;
		}
		if (csg != l->stage || csg == KISS_STAGE_FULL_FEATURE ||
		    (transit && nsg <= csg) || nsg == 2)
			return kiss_login_fail(conn, &req,
					       KISS_LOGIN_INITIATOR_ERROR);

		kiss_text_out_reset(&l->out);
		ret = kiss_neg_request(&l->neg, csg, l->acc.buf, l->acc.len,
				       &l->out);
		if (ret) {
			pr_info_ratelimited("%pISpc: negotiation failed: %s (key %s)\n",
					    &conn->peer,
					    kiss_neg_status_name(ret),
					    l->neg.err_key);
			return kiss_login_fail(conn, &req,
					       kiss_neg_login_status(ret));
		}
		if (csg == KISS_STAGE_SECURITY) {
			status = kiss_login_security(conn, l);
			if (status)
				return kiss_login_fail(conn, &req, status);
			/* No leaving security before CHAP is done. */
			if (l->auth_state != KISS_AUTH_DONE)
				transit = false;
		} else if (transit && kiss_neg_pending(&l->neg)) {
			/* Our offers are unanswered: stay, and say so. */
			transit = false;
		}
		kiss_text_accum_reset(&l->acc);

		flags = csg << KISS_LOGIN_CSG_SHIFT;
		if (transit)
			flags |= KISS_LOGIN_TRANSIT | nsg;
		if (transit && nsg == KISS_STAGE_FULL_FEATURE) {
			status = kiss_login_complete(conn, &req);
			if (status)
				return kiss_login_fail(conn, &req, status);
			ret = kiss_login_answer(conn, &req, flags,
						conn->sess->tsih);
			if (ret)
				return ret;
			/* Digests start with the next PDU. */
			conn->params.header_digest =
				conn->sess->params.header_digest;
			conn->params.data_digest =
				conn->sess->params.data_digest;
			return 0;
		}
		ret = kiss_login_answer(conn, &req, flags, 0);
		if (ret)
			return ret;
		if (transit)
			l->stage = nsg;
	}
}

/* ------------------------------------------------------------------ */
/* Text requests in Full Feature Phase, SendTargets                    */

static bool kiss_initiator_may_see(struct kiss_target *t,
				   const char *initiator)
{
	return t->enabled &&
	       (t->allow_any_initiator || kiss_acl_find(t, initiator));
}

static void kiss_send_targets_one(struct kiss_conn *conn,
				  struct kiss_text_out *out,
				  struct kiss_target *t)
{
	struct kiss_portal_link *link;

	kiss_text_put_target_name(out, t->name);
	list_for_each_entry(link, &t->portal_links, entry) {
		struct kiss_portal *p = link->portal;
		const struct sockaddr_storage *a = &p->addr;
		u16 port;
		bool wildcard;

		if (!p->enabled)
			continue;
		/* A wildcard portal is announced as the address reached. */
		if (a->ss_family == AF_INET6)
			wildcard = ipv6_addr_any(&((struct sockaddr_in6 *)a)->sin6_addr);
		else
			wildcard = !((struct sockaddr_in *)a)->sin_addr.s_addr;
		port = ntohs(a->ss_family == AF_INET6 ?
			     ((const struct sockaddr_in6 *)a)->sin6_port :
			     ((const struct sockaddr_in *)a)->sin_port);
		if (wildcard) {
			if (conn->local.ss_family != a->ss_family)
				continue;
			a = &conn->local;
		}
		if (a->ss_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 = (const void *)a;

			kiss_text_put_target_address(out,
						     sin6->sin6_addr.s6_addr,
						     true, port, t->tpgt);
		} else {
			const struct sockaddr_in *sin = (const void *)a;

			kiss_text_put_target_address(out,
						     (const u8 *)&sin->sin_addr,
						     false, port, t->tpgt);
		}
	}
}

/*
 * kiss_cfg_mutex in Full Feature Phase: configfs may hold it while it
 * waits for this very session to close, so never block on it; give up
 * when the connection is being closed.
 */
static int kiss_cfg_lock_ffp(struct kiss_conn *conn)
{
	while (!mutex_trylock(&kiss_cfg_mutex)) {
		if (READ_ONCE(conn->closing) || kthread_should_stop())
			return -ESHUTDOWN;
		msleep(20);
	}
	return 0;
}

static int kiss_send_targets(struct kiss_conn *conn,
			     struct kiss_text_out *out, const char *what)
{
	const char *initiator = conn->sess->initiator;
	struct kiss_target *t;

	if (kiss_cfg_lock_ffp(conn))
		return -ESHUTDOWN;
	list_for_each_entry(t, &kiss_targets, entry) {
		if (!kiss_initiator_may_see(t, initiator))
			continue;
		if (!strcmp(what, "All")) {
			if (!conn->sess->discovery)
				continue;	/* 13.3: All is for discovery */
		} else if (what[0] ? strcmp(what, t->name) :
			   t != conn->sess->target) {
			continue;
		}
		kiss_send_targets_one(conn, out, t);
	}
	mutex_unlock(&kiss_cfg_mutex);
	return 0;
}

/**
 * kiss_text_request() - answer a Text request in Full Feature Phase
 * @conn: the connection
 * @info: the request's header, its CmdSN already taken
 *
 * Return: 0, or -errno to drop the connection.
 */
int kiss_text_request(struct kiss_conn *conn,
		      const struct kiss_pdu_info *info)
{
	const struct kiss_bhs_text *h = (const void *)conn->hdr;
	struct kiss_login *l = conn->login;
	u32 ttt = be32_to_cpu(h->ttt);
	u8 bhs[KISS_BHS_LEN];
	const char *data;
	size_t len;
	int ret;

	if (ttt != KISS_RESERVED_TAG && ttt != l->text_ttt)
		return -EPROTO;
	if (ttt != KISS_RESERVED_TAG && !l->text_gathering) {
		/* The initiator asks for the rest of a long answer. */
		ret = kiss_conn_recv_text(conn, info, &l->acc);
		if (ret)
			return ret;
		goto send;
	}
	if (!l->text_gathering) {
		kiss_text_out_reset(&l->out);
		kiss_text_accum_reset(&l->acc);
	}
	l->text_gathering = false;
	l->text_ttt = KISS_RESERVED_TAG;
	ret = kiss_conn_recv_text(conn, info, &l->acc);
	if (ret == -EMSGSIZE) {
		kiss_text_accum_reset(&l->acc);
		kiss_conn_reject(conn, KISS_REJECT_PROTOCOL_ERROR, h);
		return 0;
	}
	if (ret)
		return ret;
	if (h->flags & KISS_TEXT_CONTINUE) {
		/* More request text follows: acknowledge with a TTT. */
		l->text_gathering = true;
		l->text_ttt = (l->text_ttt + 1) & 0x7fffffff;
		kiss_build_text_rsp(bhs, info->itt, l->text_ttt, false, 0);
		/* An empty acknowledgment: F=0 and C=0 (RFC 7143 11.11.2). */
		bhs[1] &= ~KISS_TEXT_CONTINUE;
		return kiss_conn_send(conn, bhs, NULL, 0);
	}
	if (kiss_text_accum_finish(&l->acc) ||
	    kiss_neg_request(&l->neg, KISS_STAGE_FULL_FEATURE, l->acc.buf,
			     l->acc.len, &l->out)) {
		kiss_text_accum_reset(&l->acc);
		kiss_conn_reject(conn, KISS_REJECT_PROTOCOL_ERROR, h);
		return 0;
	}
	kiss_text_accum_reset(&l->acc);
	/* MaxRecvDataSegmentLength may be declared again in FFP. */
	WRITE_ONCE(conn->params.max_xmit_dsl, l->neg.p.max_xmit_dsl);
	if (l->neg.send_targets &&
	    kiss_send_targets(conn, &l->out, l->neg.send_targets_value))
		return -ESHUTDOWN;

send:
	kiss_text_out_next(&l->out, conn->params.max_xmit_dsl, &data, &len);
	if (kiss_text_out_done(&l->out)) {
		l->text_ttt = KISS_RESERVED_TAG;
		kiss_build_text_rsp(bhs, info->itt, 0, true, len);
	} else {
		l->text_ttt = (l->text_ttt + 1) & 0x7fffffff;
		kiss_build_text_rsp(bhs, info->itt, l->text_ttt, false, len);
	}
	return kiss_conn_send(conn, bhs, data, len);
}

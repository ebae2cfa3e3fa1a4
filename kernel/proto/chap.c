// SPDX-License-Identifier: GPL-2.0
/*
 * CHAP for iSCSI login, target side (RFC 7143 sections 12.1.3 and 9.2.1,
 * RFC 1994): algorithm choice, challenge, response checks, mutual CHAP,
 * and the binary value encodings of RFC 7143 section 6.1.
 */
#include "chap.h"

static const char kiss_chap_hex_digits[] = "0123456789abcdef";

/* Bounded writer for key=value\0 output. */
struct kiss_chap_out {
	char *buf;
	size_t size;
	size_t pos;
	bool overflow;
};

static void kiss_chap_put(struct kiss_chap_out *o, const void *p, size_t len)
{
	if (o->overflow || len > o->size - o->pos) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->pos, p, len);
	o->pos += len;
}

static void kiss_chap_put_str(struct kiss_chap_out *o, const char *s)
{
	kiss_chap_put(o, s, strlen(s));
}

/* The NUL that ends every key=value pair (RFC 7143 section 6.1). */
static void kiss_chap_put_end(struct kiss_chap_out *o)
{
	kiss_chap_put(o, "", 1);
}

static void kiss_chap_put_u32(struct kiss_chap_out *o, u32 v)
{
	char tmp[10];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = '0' + v % 10;
		v /= 10;
	} while (v);
	kiss_chap_put(o, tmp + n, sizeof(tmp) - n);
}

static void kiss_chap_put_hex(struct kiss_chap_out *o, const u8 *bin,
			      size_t len)
{
	char pair[2];
	size_t i;

	kiss_chap_put(o, "0x", 2);
	for (i = 0; i < len; i++) {
		pair[0] = kiss_chap_hex_digits[bin[i] >> 4];
		pair[1] = kiss_chap_hex_digits[bin[i] & 0xf];
		kiss_chap_put(o, pair, 2);
	}
}

static int kiss_chap_b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/**
 * kiss_chap_digest_len() - digest size of a CHAP algorithm
 * @alg: CHAP_A value
 *
 * Return: the size in bytes, or 0 if kiss does not know @alg.
 */
unsigned int kiss_chap_digest_len(enum kiss_chap_alg alg)
{
	switch (alg) {
	case KISS_CHAP_ALG_MD5:
		return 16;
	case KISS_CHAP_ALG_SHA1:
		return 20;
	case KISS_CHAP_ALG_SHA256:
	case KISS_CHAP_ALG_SHA3_256:
		return 32;
	default:
		return 0;
	}
}

/*
 * A numerical-value (RFC 7143 section 6.1): a decimal-constant ("0", or
 * digits without a leading zero) or a hex-constant ("0x" and 1+ digits),
 * here at most @max.
 */
static int kiss_chap_parse_num(const char *s, size_t len, u32 max, u32 *out)
{
	u64 v = 0;
	size_t i;
	int d;

	if (!len)
		return -EINVAL;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < len; i++) {
			d = hex_to_bin(s[i]);
			if (d < 0)
				return -EINVAL;
			v = v * 16 + d;
			if (v > max)
				return -ERANGE;
		}
	} else {
		if (s[0] == '0' && len > 1)
			return -EINVAL;
		for (i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -EINVAL;
			v = v * 10 + (s[i] - '0');
			if (v > max)
				return -ERANGE;
		}
	}
	*out = v;
	return 0;
}

/**
 * kiss_chap_parse_id() - parse a CHAP_I value
 * @val: the value, a decimal or hex constant
 * @len: its length
 * @id: the identifier, on success
 *
 * The identifier is one octet (RFC 1994 section 4.1).
 *
 * Return: 0, or -EINVAL if @val is not a number, -ERANGE if above 255.
 */
int kiss_chap_parse_id(const char *val, size_t len, u8 *id)
{
	u32 v;
	int ret;

	if (!val)
		return -EINVAL;
	ret = kiss_chap_parse_num(val, len, 255, &v);
	if (ret)
		return ret;
	*id = v;
	return 0;
}

/**
 * kiss_chap_select_alg() - answer an initiator's CHAP_A offer
 * @val: the CHAP_A value, a comma-separated list
 * @len: its length
 * @allowed: KISS_CHAP_ALG_BIT()s of the algorithms the target may use
 *
 * This is a list negotiation, so the answer is the first value in the
 * initiator's list that the target supports and allows (RFC 7143 section
 * 6.2.1): the initiator's order wins, and the target's policy is the
 * @allowed set.  Elements that are not numbers, or unknown algorithms, are
 * skipped.
 *
 * Return: the algorithm, or KISS_CHAP_ALG_NONE if none is acceptable (the
 * target then answers CHAP_A=Reject and fails the login).
 */
enum kiss_chap_alg kiss_chap_select_alg(const char *val, size_t len,
					u32 allowed)
{
	size_t start = 0;
	size_t i;
	u32 alg;

	if (!val)
		return KISS_CHAP_ALG_NONE;
	for (i = 0; i <= len; i++) {
		if (i < len && val[i] != ',')
			continue;
		/* digest_len() first: it bounds alg for the shift */
		if (!kiss_chap_parse_num(val + start, i - start, 255, &alg) &&
		    kiss_chap_digest_len(alg) &&
		    (allowed & KISS_CHAP_ALG_BIT(alg)))
			return alg;
		start = i + 1;
	}
	return KISS_CHAP_ALG_NONE;
}

/**
 * kiss_chap_begin() - start an exchange with the target's challenge
 * @chap: state for this connection
 * @alg: algorithm from kiss_chap_select_alg()
 * @id: CHAP_I, random (or at least different on each exchange)
 * @challenge: CHAP_C, random, fresh for each exchange
 * @challenge_len: its length: use kiss_chap_digest_len(@alg), as LIO does;
 *	KISS_CHAP_CHALLENGE_MIN..KISS_CHAP_OWN_CHALLENGE_MAX
 *
 * Return: 0, or -EINVAL for an unknown algorithm or a bad length.
 */
int kiss_chap_begin(struct kiss_chap *chap, enum kiss_chap_alg alg, u8 id,
		    const u8 *challenge, size_t challenge_len)
{
	if (!kiss_chap_digest_len(alg))
		return -EINVAL;
	if (challenge_len < KISS_CHAP_CHALLENGE_MIN ||
	    challenge_len > KISS_CHAP_OWN_CHALLENGE_MAX)
		return -EINVAL;
	chap->alg = alg;
	chap->id = id;
	chap->verified = false;
	chap->challenge_len = challenge_len;
	memcpy(chap->challenge, challenge, challenge_len);
	return 0;
}

/**
 * kiss_chap_write_challenge() - the target's CHAP_A, CHAP_I, CHAP_C
 * @chap: state after kiss_chap_begin()
 * @buf: output, receives "CHAP_A=a\0CHAP_I=i\0CHAP_C=0x...\0"
 * @size: room in @buf
 *
 * Return: the number of bytes written, -ENOSPC if @buf is too small, or
 * -EINVAL if the exchange was not begun.
 */
int kiss_chap_write_challenge(const struct kiss_chap *chap, char *buf,
			      size_t size)
{
	struct kiss_chap_out o = { .buf = buf, .size = size };

	if (!kiss_chap_digest_len(chap->alg))
		return -EINVAL;
	kiss_chap_put_str(&o, "CHAP_A=");
	kiss_chap_put_u32(&o, chap->alg);
	kiss_chap_put_end(&o);
	kiss_chap_put_str(&o, "CHAP_I=");
	kiss_chap_put_u32(&o, chap->id);
	kiss_chap_put_end(&o);
	kiss_chap_put_str(&o, "CHAP_C=");
	kiss_chap_put_hex(&o, chap->challenge, chap->challenge_len);
	kiss_chap_put_end(&o);
	return o.overflow ? -ENOSPC : (int)o.pos;
}

/* Response = H(identifier || secret || challenge) (RFC 1994 section 4.1). */
static int kiss_chap_response(const struct kiss_chap_hasher *hasher,
			      enum kiss_chap_alg alg, u8 id,
			      const u8 *secret, size_t secret_len,
			      const u8 *challenge, size_t challenge_len,
			      u8 *out)
{
	const struct kiss_chap_vec vec[] = {
		{ .base = &id, .len = 1 },
		{ .base = secret, .len = secret_len },
		{ .base = challenge, .len = challenge_len },
	};

	return hasher->digest(hasher->priv, alg, vec, ARRAY_SIZE(vec), out);
}

/*
 * Configured credentials are checked again here: an empty secret would
 * let anyone compute the response.
 */
static bool kiss_chap_cred_ok(const struct kiss_chap_cred *cred)
{
	return !kiss_chap_name_check(cred->name, cred->name_len) &&
	       !kiss_chap_secret_check(cred->secret, cred->secret_len);
}

/**
 * kiss_chap_verify() - check the initiator's CHAP_N and CHAP_R
 * @chap: state after kiss_chap_begin() and the challenge was sent
 * @hasher: the hash functions
 * @initiator: the name and secret the initiator must prove
 * @target: the target's own credentials for mutual CHAP, or NULL if none
 * @chap_n: CHAP_N value, or NULL if not sent
 * @n_len: its length
 * @chap_r: CHAP_R value, or NULL if not sent
 * @r_len: its length
 *
 * CHAP_N must equal the configured name byte for byte; CHAP_R must be one
 * digest long and equal H(CHAP_I || secret || CHAP_C), compared in
 * constant time.  If the target has its own secret, a response equal to
 * the one that secret would give is refused even when it is right, since
 * it means the same secret is used in both directions (RFC 7143 section
 * 9.2.1).
 *
 * Return: KISS_CHAP_OK, after which kiss_chap_mutual() may run, or why not.
 */
enum kiss_chap_status kiss_chap_verify(struct kiss_chap *chap,
				       const struct kiss_chap_hasher *hasher,
				       const struct kiss_chap_cred *initiator,
				       const struct kiss_chap_cred *target,
				       const char *chap_n, size_t n_len,
				       const char *chap_r, size_t r_len)
{
	unsigned int dlen = kiss_chap_digest_len(chap->alg);
	u8 got[KISS_CHAP_DIGEST_MAX];
	u8 want[KISS_CHAP_DIGEST_MAX];
	bool wrong, same = false;
	size_t got_len;
	int ret;

	chap->verified = false;
	if (!dlen)
		return KISS_CHAP_ERR_STATE;
	if (!initiator || !kiss_chap_cred_ok(initiator) ||
	    (target && !kiss_chap_cred_ok(target)))
		return KISS_CHAP_ERR_CONFIG;
	if (!chap_n || !chap_r)
		return KISS_CHAP_ERR_MISSING;
	if (n_len != initiator->name_len ||
	    memcmp(chap_n, initiator->name, n_len))
		return KISS_CHAP_ERR_NAME;

	ret = kiss_chap_decode(chap_r, r_len, got, sizeof(got), &got_len);
	if (ret == -EMSGSIZE)
		return KISS_CHAP_ERR_RESPONSE_LEN;
	if (ret)
		return KISS_CHAP_ERR_ENCODING;
	if (got_len != dlen)
		return KISS_CHAP_ERR_RESPONSE_LEN;

	if (kiss_chap_response(hasher, chap->alg, chap->id, initiator->secret,
			       initiator->secret_len, chap->challenge,
			       chap->challenge_len, want))
		return KISS_CHAP_ERR_HASH;
	wrong = kiss_memneq(got, want, dlen);

	if (target) {
		if (kiss_chap_response(hasher, chap->alg, chap->id,
				       target->secret, target->secret_len,
				       chap->challenge, chap->challenge_len,
				       want))
			return KISS_CHAP_ERR_HASH;
		same = !kiss_memneq(got, want, dlen);
	}
	if (same)
		return KISS_CHAP_ERR_SAME_SECRET;
	if (wrong)
		return KISS_CHAP_ERR_RESPONSE;
	chap->verified = true;
	return KISS_CHAP_OK;
}

/**
 * kiss_chap_mutual() - answer the initiator's challenge (mutual CHAP)
 * @chap: state after a successful kiss_chap_verify()
 * @hasher: the hash functions
 * @target: the target's name and secret, or NULL if it has none
 * @chap_i: the initiator's CHAP_I value, or NULL if not sent
 * @i_len: its length
 * @chap_c: the initiator's CHAP_C value, or NULL if not sent
 * @c_len: its length
 * @buf: output, receives "CHAP_N=name\0CHAP_R=0x...\0"
 * @size: room in @buf
 * @written: bytes written to @buf (0 when the initiator did not ask)
 *
 * The initiator asks by sending CHAP_I and CHAP_C with its response.  Its
 * challenge must be KISS_CHAP_CHALLENGE_MIN..KISS_CHAP_BINARY_MAX bytes and
 * must not be the target's own challenge reflected back (RFC 7143 section
 * 9.2.1: the target would be computing the initiator's answer for it).
 * The state is used up: a second call fails.
 *
 * Return: KISS_CHAP_OK (with *@written 0 if mutual CHAP was not asked for),
 * or why not.
 */
enum kiss_chap_status kiss_chap_mutual(struct kiss_chap *chap,
				       const struct kiss_chap_hasher *hasher,
				       const struct kiss_chap_cred *target,
				       const char *chap_i, size_t i_len,
				       const char *chap_c, size_t c_len,
				       char *buf, size_t size, size_t *written)
{
	struct kiss_chap_out o = { .buf = buf, .size = size };
	u8 resp[KISS_CHAP_DIGEST_MAX];
	size_t clen;
	u8 id;
	int ret;

	*written = 0;
	if (!chap->verified)
		return KISS_CHAP_ERR_STATE;
	if (!chap_i && !chap_c)
		return KISS_CHAP_OK;
	chap->verified = false;
	if (!chap_i || !chap_c)
		return KISS_CHAP_ERR_MISSING;
	if (!target)
		return KISS_CHAP_ERR_NO_MUTUAL;
	if (!kiss_chap_cred_ok(target))
		return KISS_CHAP_ERR_CONFIG;
	if (kiss_chap_parse_id(chap_i, i_len, &id))
		return KISS_CHAP_ERR_IDENTIFIER;

	ret = kiss_chap_decode(chap_c, c_len, chap->peer_challenge,
			       sizeof(chap->peer_challenge), &clen);
	if (ret == -EMSGSIZE)
		return KISS_CHAP_ERR_CHALLENGE_LONG;
	if (ret)
		return KISS_CHAP_ERR_ENCODING;
	if (clen < KISS_CHAP_CHALLENGE_MIN)
		return KISS_CHAP_ERR_CHALLENGE_SHORT;
	if (clen == chap->challenge_len &&
	    !memcmp(chap->peer_challenge, chap->challenge, clen))
		return KISS_CHAP_ERR_REFLECTED;

	if (kiss_chap_response(hasher, chap->alg, id, target->secret,
			       target->secret_len, chap->peer_challenge, clen,
			       resp))
		return KISS_CHAP_ERR_HASH;

	kiss_chap_put_str(&o, "CHAP_N=");
	kiss_chap_put(&o, target->name, target->name_len);
	kiss_chap_put_end(&o);
	kiss_chap_put_str(&o, "CHAP_R=");
	kiss_chap_put_hex(&o, resp, kiss_chap_digest_len(chap->alg));
	kiss_chap_put_end(&o);
	if (o.overflow)
		return KISS_CHAP_ERR_NOSPC;
	*written = o.pos;
	return KISS_CHAP_OK;
}

static int kiss_chap_decode_hex(const char *s, size_t n, u8 *out,
				size_t size, size_t *out_len)
{
	size_t nbytes = n / 2 + (n & 1);
	size_t i;

	for (i = 0; i < n; i++)
		if (hex_to_bin(s[i]) < 0)
			return -EINVAL;
	if (nbytes > KISS_CHAP_BINARY_MAX || nbytes > size)
		return -EMSGSIZE;

	/* An odd digit count is a number: the first digit stands alone. */
	i = 0;
	if (n & 1)
		*out++ = hex_to_bin(s[i++]);
	for (; i < n; i += 2)
		*out++ = hex_to_bin(s[i]) << 4 |
			 hex_to_bin(s[i + 1]);
	*out_len = nbytes;
	return 0;
}

static int kiss_chap_decode_b64(const char *s, size_t n, u8 *out,
				size_t size, size_t *out_len)
{
	size_t digits = 0;
	size_t nbytes, i;
	unsigned int bits = 0;
	u32 acc = 0;

	while (digits < n && s[digits] != '=') {
		if (kiss_chap_b64_val(s[digits]) < 0)
			return -EINVAL;
		digits++;
	}
	for (i = digits; i < n; i++)
		if (s[i] != '=')
			return -EINVAL;
	/* Padding is optional, but if present it completes a quantum. */
	if (n > digits && (n - digits > 2 || n % 4))
		return -EINVAL;
	if (!digits || digits % 4 == 1)
		return -EINVAL;
	nbytes = digits * 3 / 4;
	if (nbytes > KISS_CHAP_BINARY_MAX || nbytes > size)
		return -EMSGSIZE;

	for (i = 0; i < digits; i++) {
		acc = acc << 6 | kiss_chap_b64_val(s[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*out++ = acc >> bits;
			acc &= (1U << bits) - 1;
		}
	}
	/* Only the canonical encoding: leftover bits are zero (RFC 4648 3.5) */
	if (acc)
		return -EINVAL;
	*out_len = nbytes;
	return 0;
}

/**
 * kiss_chap_decode() - decode a binary value (RFC 7143 section 6.1)
 * @val: "0x" or "0X" and hex digits, or "0b" or "0B" and base64
 * @len: length of @val
 * @out: decoded bytes (contents undefined on error)
 * @size: room in @out
 * @out_len: number of decoded bytes, on success
 *
 * A hex constant of n digits is (n + 1) / 2 bytes, an odd count having an
 * implied leading zero digit; a base64 constant of n digits (without the
 * optional '=' pad) is n * 3 / 4 bytes.  At least one digit is required.
 *
 * Return: 0, -EINVAL if @val is malformed, or -EMSGSIZE if the value is
 * longer than @size or than KISS_CHAP_BINARY_MAX.
 */
int kiss_chap_decode(const char *val, size_t len, u8 *out, size_t size,
		     size_t *out_len)
{
	if (!val || len < 3 || val[0] != '0')
		return -EINVAL;
	switch (val[1]) {
	case 'x':
	case 'X':
		return kiss_chap_decode_hex(val + 2, len - 2, out, size,
					    out_len);
	case 'b':
	case 'B':
		return kiss_chap_decode_b64(val + 2, len - 2, out, size,
					    out_len);
	default:
		return -EINVAL;
	}
}

/**
 * kiss_chap_encode_hex() - encode bytes as a hex constant
 * @bin: the bytes
 * @len: how many, at most KISS_CHAP_BINARY_MAX
 * @out: receives "0x" and 2 * @len lower-case digits, not NUL terminated
 * @size: room in @out
 *
 * Return: characters written, -ENOSPC if @out is too small, or -EINVAL.
 */
int kiss_chap_encode_hex(const u8 *bin, size_t len, char *out, size_t size)
{
	struct kiss_chap_out o = { .buf = out, .size = size };

	if (len > KISS_CHAP_BINARY_MAX)
		return -EINVAL;
	kiss_chap_put_hex(&o, bin, len);
	return o.overflow ? -ENOSPC : (int)o.pos;
}

/**
 * kiss_chap_secret_check() - may this be a CHAP secret?
 * @secret: the secret
 * @len: its length
 *
 * For configuration (configfs, kissctl): KISS_CHAP_SECRET_MIN (12, i.e.
 * 96 bits, RFC 7143 section 9.2.1) to KISS_CHAP_SECRET_MAX (255) bytes.
 *
 * Return: 0 or -EINVAL.
 */
int kiss_chap_secret_check(const void *secret, size_t len)
{
	if (!secret || len < KISS_CHAP_SECRET_MIN ||
	    len > KISS_CHAP_SECRET_MAX)
		return -EINVAL;
	return 0;
}

/**
 * kiss_chap_name_check() - may this be a CHAP name?
 * @name: the name (CHAP_N)
 * @len: its length
 *
 * 1 to KISS_CHAP_NAME_MAX bytes, no NUL (it ends a key=value pair).
 *
 * Return: 0 or -EINVAL.
 */
int kiss_chap_name_check(const char *name, size_t len)
{
	if (!name || !len || len > KISS_CHAP_NAME_MAX ||
	    memchr(name, '\0', len))
		return -EINVAL;
	return 0;
}

/**
 * kiss_chap_status_name() - short text for a status, for logs
 * @status: a CHAP step's outcome
 *
 * Return: a static string.
 */
const char *kiss_chap_status_name(enum kiss_chap_status status)
{
	switch (status) {
	case KISS_CHAP_OK:
		return "ok";
	case KISS_CHAP_ERR_STATE:
		return "CHAP step out of order";
	case KISS_CHAP_ERR_CONFIG:
		return "CHAP credentials not configured or invalid";
	case KISS_CHAP_ERR_MISSING:
		return "CHAP key missing";
	case KISS_CHAP_ERR_ENCODING:
		return "CHAP value not a valid hex or base64 constant";
	case KISS_CHAP_ERR_NAME:
		return "CHAP_N does not match";
	case KISS_CHAP_ERR_RESPONSE_LEN:
		return "CHAP_R has the wrong length";
	case KISS_CHAP_ERR_RESPONSE:
		return "CHAP_R is wrong";
	case KISS_CHAP_ERR_SAME_SECRET:
		return "CHAP secret is the same in both directions";
	case KISS_CHAP_ERR_IDENTIFIER:
		return "CHAP_I is not a number in 0..255";
	case KISS_CHAP_ERR_CHALLENGE_SHORT:
		return "CHAP_C is too short";
	case KISS_CHAP_ERR_CHALLENGE_LONG:
		return "CHAP_C is too long";
	case KISS_CHAP_ERR_REFLECTED:
		return "CHAP_C reflects the target's challenge";
	case KISS_CHAP_ERR_NO_MUTUAL:
		return "mutual CHAP asked but not configured";
	case KISS_CHAP_ERR_HASH:
		return "CHAP hash failed";
	case KISS_CHAP_ERR_NOSPC:
		return "CHAP reply does not fit";
	}
	return "unknown CHAP status";
}

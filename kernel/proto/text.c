// SPDX-License-Identifier: GPL-2.0
/*
 * The iSCSI text format (RFC 7143 section 6.1): walking, gathering and
 * building key=value data segments, and parsing the values in them.
 */
#include "text.h"

/* Buffers are far smaller; this only keeps lengths in a u32. */
#define KISS_TEXT_BUF_MAX	BIT(30)

static const char *const kiss_text_status_names[KISS_TEXT_STATUS_COUNT] = {
	[KISS_TEXT_OK]			= "ok",
	[KISS_TEXT_END]			= "end of text",
	[KISS_TEXT_ERR_NO_EQUALS]	= "key=value pair without '='",
	[KISS_TEXT_ERR_EMPTY_KEY]	= "empty key",
	[KISS_TEXT_ERR_KEY_TOO_LONG]	= "key longer than 63 bytes",
	[KISS_TEXT_ERR_KEY_CHAR]	= "illegal character in key",
	[KISS_TEXT_ERR_VALUE_TOO_LONG]	= "value too long",
	[KISS_TEXT_ERR_NO_NUL]		= "text not NUL terminated",
	[KISS_TEXT_ERR_OVERFLOW]	= "text too long",
	[KISS_TEXT_ERR_DUPLICATE]	= "duplicate key",
	[KISS_TEXT_ERR_NOT_FOUND]	= "key not found",
	[KISS_TEXT_ERR_NUMBER]		= "not a number",
	[KISS_TEXT_ERR_BOOLEAN]		= "not Yes or No",
};

const char *kiss_text_status_name(enum kiss_text_status status)
{
	if ((unsigned int)status >= KISS_TEXT_STATUS_COUNT)
		return "unknown text status";
	return kiss_text_status_names[status];
}

static bool kiss_text_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool kiss_text_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Compare a (pointer, length) string with a C string. */
static bool kiss_text_eq(const char *s, size_t len, const char *cstr)
{
	return strlen(cstr) == len && !memcmp(s, cstr, len);
}

/**
 * kiss_text_key_valid - is this a well-formed key name?
 * @key: the key, not NUL terminated
 * @len: its length
 *
 * RFC 7143 6.1: a key is a standard-label, 1 to 63 letters, digits, '.',
 * '-', '+', '@' or '_'.  The RFC also says it begins with a capital
 * letter, but its own iSCSIProtocolLevel does not, so any letter is taken.
 * "X#" (13.26, IANA-registered extensions) is the one place '#' appears.
 */
bool kiss_text_key_valid(const char *key, size_t len)
{
	size_t i;

	if (!len || len > KISS_TEXT_KEY_MAX || !kiss_text_is_alpha(key[0]))
		return false;
	for (i = 1; i < len; i++) {
		char c = key[i];

		if (kiss_text_is_alpha(c) || kiss_text_is_digit(c))
			continue;
		if (c == '.' || c == '-' || c == '+' || c == '@' || c == '_')
			continue;
		if (c == '#' && i == 1 && key[0] == 'X')
			continue;
		return false;
	}
	return true;
}

void kiss_text_iter_init(struct kiss_text_iter *it, const char *buf,
			 size_t len)
{
	it->buf = buf;
	it->len = len > KISS_TEXT_BUF_MAX ? KISS_TEXT_BUF_MAX : (u32)len;
	it->pos = 0;
	it->max_value = KISS_TEXT_LTDS_MAX;
}

/**
 * kiss_text_next - the next key=value pair of a text segment
 * @it: the walk, set up by kiss_text_iter_init()
 * @pair: filled in on KISS_TEXT_OK
 *
 * Stray NUL bytes between pairs are skipped, as open-iscsi does; every
 * pair must end with a NUL (RFC 7143 6.1), the last one included.  On an
 * error the walk does not advance: calling again returns the same error.
 *
 * Return: KISS_TEXT_OK, KISS_TEXT_END after the last pair, or the reason
 * the next pair is malformed.
 */
enum kiss_text_status kiss_text_next(struct kiss_text_iter *it,
				     struct kiss_text_pair *pair)
{
	const char *p, *eq, *nul;
	u32 rest, pair_len, key_len;

	while (it->pos < it->len && it->buf[it->pos] == '\0')
		it->pos++;
	if (it->pos >= it->len)
		return KISS_TEXT_END;

	p = it->buf + it->pos;
	rest = it->len - it->pos;
	nul = memchr(p, '\0', rest);
	if (!nul)
		return KISS_TEXT_ERR_NO_NUL;
	pair_len = nul - p;
	eq = memchr(p, '=', pair_len);
	if (!eq)
		return KISS_TEXT_ERR_NO_EQUALS;
	key_len = eq - p;
	if (!key_len)
		return KISS_TEXT_ERR_EMPTY_KEY;
	if (key_len > KISS_TEXT_KEY_MAX)
		return KISS_TEXT_ERR_KEY_TOO_LONG;
	if (!kiss_text_key_valid(p, key_len))
		return KISS_TEXT_ERR_KEY_CHAR;
	if (pair_len - key_len - 1 > it->max_value)
		return KISS_TEXT_ERR_VALUE_TOO_LONG;

	pair->key = p;
	pair->key_len = key_len;
	pair->value = eq + 1;
	pair->value_len = pair_len - key_len - 1;
	it->pos += pair_len + 1;
	return KISS_TEXT_OK;
}

/* Check every pair of a text segment. */
enum kiss_text_status kiss_text_validate(const char *buf, size_t len)
{
	struct kiss_text_iter it;
	struct kiss_text_pair pair;
	enum kiss_text_status st;

	kiss_text_iter_init(&it, buf, len);
	do {
		st = kiss_text_next(&it, &pair);
	} while (st == KISS_TEXT_OK);
	return st == KISS_TEXT_END ? KISS_TEXT_OK : st;
}

/**
 * kiss_text_find - the value of one key in a text segment
 * @buf: the text
 * @len: its length
 * @key: the key to look for, NUL terminated
 * @pair: filled in when the key is found once
 *
 * The whole segment is checked, so that a malformed pair or a second
 * instance of @key after the first is not missed.
 *
 * Return: KISS_TEXT_OK, KISS_TEXT_ERR_NOT_FOUND, KISS_TEXT_ERR_DUPLICATE,
 * or the text error of the first malformed pair.
 */
enum kiss_text_status kiss_text_find(const char *buf, size_t len,
				     const char *key,
				     struct kiss_text_pair *pair)
{
	struct kiss_text_iter it;
	struct kiss_text_pair cur;
	enum kiss_text_status st;
	bool found = false;

	kiss_text_iter_init(&it, buf, len);
	while ((st = kiss_text_next(&it, &cur)) == KISS_TEXT_OK) {
		if (!kiss_text_key_is(&cur, key))
			continue;
		if (found)
			return KISS_TEXT_ERR_DUPLICATE;
		found = true;
		*pair = cur;
	}
	if (st != KISS_TEXT_END)
		return st;
	return found ? KISS_TEXT_OK : KISS_TEXT_ERR_NOT_FOUND;
}

bool kiss_text_key_is(const struct kiss_text_pair *pair, const char *key)
{
	return kiss_text_eq(pair->key, pair->key_len, key);
}

bool kiss_text_value_is(const struct kiss_text_pair *pair, const char *val)
{
	return kiss_text_eq(pair->value, pair->value_len, val);
}

void kiss_text_accum_init(struct kiss_text_accum *acc, char *buf, size_t cap)
{
	acc->buf = buf;
	acc->cap = cap > KISS_TEXT_BUF_MAX ? KISS_TEXT_BUF_MAX : (u32)cap;
	acc->len = 0;
}

void kiss_text_accum_reset(struct kiss_text_accum *acc)
{
	acc->len = 0;
}

/**
 * kiss_text_accum_add - append one PDU's data segment to the LTDS
 * @acc: the segment being gathered
 * @data: the PDU's text (padding excluded)
 * @len: its length
 *
 * A key=value pair may be split anywhere between PDUs (RFC 7143 6.1), so
 * the pieces are only joined here; kiss_text_accum_finish() and the
 * iterator judge the result once the PDU with C=0 is in.
 *
 * Return: KISS_TEXT_OK, or KISS_TEXT_ERR_OVERFLOW (nothing appended) when
 * the segment would exceed the buffer.
 */
enum kiss_text_status kiss_text_accum_add(struct kiss_text_accum *acc,
					  const void *data, size_t len)
{
	if (len > acc->cap - acc->len)
		return KISS_TEXT_ERR_OVERFLOW;
	if (len)
		memcpy(acc->buf + acc->len, data, len);
	acc->len += len;
	return KISS_TEXT_OK;
}

/* The C=0 PDU is in: the LTDS must end with the last pair's NUL. */
enum kiss_text_status kiss_text_accum_finish(const struct kiss_text_accum *acc)
{
	if (acc->len && acc->buf[acc->len - 1] != '\0')
		return KISS_TEXT_ERR_NO_NUL;
	return KISS_TEXT_OK;
}

void kiss_text_out_init(struct kiss_text_out *out, char *buf, size_t cap)
{
	out->buf = buf;
	out->cap = cap > KISS_TEXT_BUF_MAX ? KISS_TEXT_BUF_MAX : (u32)cap;
	kiss_text_out_reset(out);
}

void kiss_text_out_reset(struct kiss_text_out *out)
{
	out->len = 0;
	out->sent = 0;
	out->overflow = false;
}

/**
 * kiss_text_put_len - append key=value and its NUL
 * @out: the text being built
 * @key: the key
 * @key_len: its length
 * @value: the value, without NUL bytes
 * @value_len: its length
 *
 * All or nothing: a pair that does not fit is not written, and once one
 * has not fit no later pair is written either, so the text never has a
 * hole in it.
 *
 * Return: KISS_TEXT_OK or KISS_TEXT_ERR_OVERFLOW.
 */
enum kiss_text_status kiss_text_put_len(struct kiss_text_out *out,
					const char *key, size_t key_len,
					const char *value, size_t value_len)
{
	size_t need = key_len + 1 + value_len + 1;
	char *p;

	if (out->overflow || need > out->cap - out->len) {
		out->overflow = true;
		return KISS_TEXT_ERR_OVERFLOW;
	}
	p = out->buf + out->len;
	memcpy(p, key, key_len);
	p[key_len] = '=';
	if (value_len)
		memcpy(p + key_len + 1, value, value_len);
	p[key_len + 1 + value_len] = '\0';
	out->len += need;
	return KISS_TEXT_OK;
}

enum kiss_text_status kiss_text_put(struct kiss_text_out *out,
				    const char *key, const char *value)
{
	return kiss_text_put_len(out, key, strlen(key), value, strlen(value));
}

enum kiss_text_status kiss_text_put_u64(struct kiss_text_out *out,
					const char *key, u64 value)
{
	char num[KISS_TEXT_U64_CHARS + 1];
	size_t n = kiss_text_format_u64(num, value);

	return kiss_text_put_len(out, key, strlen(key), num, n);
}

/**
 * kiss_text_out_next - the next piece of a built text, for one PDU
 * @out: the text
 * @max: the most bytes the PDU may carry (the initiator's
 *	MaxRecvDataSegmentLength); 0 is taken as 1
 * @data: set to the first byte of the piece
 * @len: set to its length (0 when there is nothing left)
 *
 * A piece ends after the last NUL that fits, so pairs are only split when
 * one is longer than @max: RFC 7143 6.1 allows splitting anywhere, but
 * some initiators cope badly with a pair cut in two.
 *
 * Return: true when text remains after this piece: send it with C=1.
 */
bool kiss_text_out_next(struct kiss_text_out *out, size_t max,
			const char **data, size_t *len)
{
	u32 rest = out->len - out->sent;
	u32 n;

	if (!max)
		max = 1;
	*data = out->buf + out->sent;
	if (rest <= max) {
		n = rest;
	} else {
		n = max;
		while (n && out->buf[out->sent + n - 1] != '\0')
			n--;
		if (!n)
			n = max;
	}
	*len = n;
	out->sent += n;
	return out->sent < out->len;
}

/**
 * kiss_text_parse_number - parse a numerical-value (RFC 7143 6.1)
 * @s: the value, not NUL terminated
 * @len: its length
 * @val: the number
 *
 * A decimal-constant ("0", or digits without a leading zero) or a
 * hex-constant ("0x" or "0X" and one or more hex digits), below 2^64.
 *
 * Return: KISS_TEXT_OK or KISS_TEXT_ERR_NUMBER.
 */
enum kiss_text_status kiss_text_parse_number(const char *s, size_t len,
					     u64 *val)
{
	u64 v = 0;
	size_t i;

	if (!len)
		return KISS_TEXT_ERR_NUMBER;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < len; i++) {
			int d = hex_to_bin(s[i]);

			if (d < 0 || v >> 60)
				return KISS_TEXT_ERR_NUMBER;
			v = v << 4 | (u64)d;
		}
		*val = v;
		return KISS_TEXT_OK;
	}
	if (s[0] == '0' && len > 1)
		return KISS_TEXT_ERR_NUMBER;
	for (i = 0; i < len; i++) {
		u64 d;

		if (!kiss_text_is_digit(s[i]))
			return KISS_TEXT_ERR_NUMBER;
		d = (u64)(s[i] - '0');
		if (v > (~0ULL - d) / 10)
			return KISS_TEXT_ERR_NUMBER;
		v = v * 10 + d;
	}
	*val = v;
	return KISS_TEXT_OK;
}

enum kiss_text_status kiss_text_parse_bool(const char *s, size_t len,
					   bool *val)
{
	if (kiss_text_eq(s, len, "Yes")) {
		*val = true;
		return KISS_TEXT_OK;
	}
	if (kiss_text_eq(s, len, "No")) {
		*val = false;
		return KISS_TEXT_OK;
	}
	return KISS_TEXT_ERR_BOOLEAN;
}

/**
 * kiss_text_list_select - answer a list negotiation (RFC 7143 6.2.1)
 * @list: the offered list-of-values, comma separated, in the originator's
 *	order of preference
 * @len: its length
 * @supported: the values the responder may choose
 * @n: how many
 *
 * Values the responder does not know are ignored, as the RFC requires.
 *
 * Return: the index in @supported of the first offered value that is in
 * it, or -1 when there is none (answer "Reject").
 */
int kiss_text_list_select(const char *list, size_t len,
			  const char *const *supported, unsigned int n)
{
	size_t start = 0, end;
	unsigned int i;

	while (start <= len) {
		const char *comma = memchr(list + start, ',', len - start);

		end = comma ? (size_t)(comma - list) : len;
		for (i = 0; i < n; i++)
			if (kiss_text_eq(list + start, end - start,
					 supported[i]))
				return i;
		start = end + 1;
	}
	return -1;
}

/* RFC 7143 6.2: these constants are answers, never offers. */
bool kiss_text_is_reserved(const char *s, size_t len)
{
	return kiss_text_eq(s, len, "Reject") ||
	       kiss_text_eq(s, len, "Irrelevant") ||
	       kiss_text_eq(s, len, "NotUnderstood");
}

/**
 * kiss_text_utf8_valid - is this well-formed UTF-8 without NUL bytes?
 * @s: the bytes
 * @len: how many
 *
 * Overlong forms, surrogates and code points above U+10FFFF are refused.
 */
bool kiss_text_utf8_valid(const char *s, size_t len)
{
	const u8 *b = (const u8 *)s;
	size_t i = 0;

	while (i < len) {
		u32 c = b[i];
		unsigned int n, k;
		u32 cp;

		if (!c)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (len - i - 1 < n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((b[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (b[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static bool kiss_text_all_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (hex_to_bin(s[i]) < 0)
			return false;
	return true;
}

/**
 * kiss_text_iscsi_name_valid - is this a plausible iSCSI name?
 * @s: the name, not NUL terminated
 * @len: its length
 *
 * RFC 7143 4.2.7: at most 223 bytes; "eui." and 16 hex digits, "naa." and
 * 16 or 32 hex digits, or "iqn." and the rest.  The rest of an iqn name is
 * checked for UTF-8 and for the absence of spaces and control characters
 * only: the full stringprep profile (RFC 3722) is not applied, so that a
 * name with an upper-case letter, which stringprep would have folded,
 * still logs in (LIO and ctld do the same).
 */
bool kiss_text_iscsi_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len <= 4 || len > KISS_TEXT_NAME_MAX)
		return false;
	if (!memcmp(s, "eui.", 4))
		return len == 4 + 16 && kiss_text_all_hex(s + 4, 16);
	if (!memcmp(s, "naa.", 4))
		return (len == 4 + 16 || len == 4 + 32) &&
		       kiss_text_all_hex(s + 4, len - 4);
	if (memcmp(s, "iqn.", 4))
		return false;
	for (i = 4; i < len; i++) {
		u8 c = s[i];

		if (c <= 0x20 || c == 0x7f)
			return false;
	}
	return kiss_text_utf8_valid(s, len);
}

/* Write @v in decimal and a NUL; return the number of digits. */
size_t kiss_text_format_u64(char *buf, u64 v)
{
	char tmp[KISS_TEXT_U64_CHARS];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

static size_t kiss_text_format_hex16(char *buf, u16 v)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = 0;
	int shift;
	bool started = false;

	for (shift = 12; shift >= 0; shift -= 4) {
		unsigned int d = (v >> shift) & 0xf;

		if (!d && !started && shift)
			continue;
		started = true;
		buf[n++] = digits[d];
	}
	return n;
}

static size_t kiss_text_format_ipv4(char *buf, const u8 *a)
{
	size_t n = 0;
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			buf[n++] = '.';
		n += kiss_text_format_u64(buf + n, a[i]);
	}
	return n;
}

/* RFC 5952 text form: lower case, longest zero run (of 2+) as "::". */
static size_t kiss_text_format_ipv6(char *buf, const u8 *a)
{
	static const u8 mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	int best = -1, best_len = 0, run = -1, i;
	size_t n = 0;
	u16 g[8];

	if (!memcmp(a, mapped, sizeof(mapped))) {
		memcpy(buf, "::ffff:", 7);
		return 7 + kiss_text_format_ipv4(buf + 7, a + 12);
	}
	for (i = 0; i < 8; i++) {
		g[i] = (u16)(a[2 * i] << 8 | a[2 * i + 1]);
		if (g[i]) {
			run = -1;
			continue;
		}
		if (run < 0)
			run = i;
		if (i - run + 1 > best_len) {
			best = run;
			best_len = i - run + 1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (i == best) {
			buf[n++] = ':';
			buf[n++] = ':';
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			buf[n++] = ':';
		n += kiss_text_format_hex16(buf + n, g[i]);
	}
	buf[n] = '\0';
	return n;
}

/**
 * kiss_text_format_address - a TargetAddress value (RFC 7143 13.8)
 * @buf: where to write, NUL terminated
 * @size: its size; KISS_TEXT_ADDR_MAX always suffices
 * @addr: 4 bytes of IPv4 or 16 of IPv6, network order
 * @ipv6: which
 * @port: TCP port
 * @tpgt: portal group tag
 *
 * "a.b.c.d:port,tpgt" or "[v6]:port,tpgt" (brackets per RFC 7143 13.8 and
 * RFC 3986).
 *
 * Return: the length written, or 0 if @size is too small.
 */
size_t kiss_text_format_address(char *buf, size_t size, const u8 *addr,
				bool ipv6, u16 port, u16 tpgt)
{
	char tmp[KISS_TEXT_ADDR_MAX + KISS_TEXT_U64_CHARS];
	size_t n = 0;

	if (ipv6) {
		tmp[n++] = '[';
		n += kiss_text_format_ipv6(tmp + n, addr);
		tmp[n++] = ']';
	} else {
		n += kiss_text_format_ipv4(tmp, addr);
	}
	tmp[n++] = ':';
	n += kiss_text_format_u64(tmp + n, port);
	tmp[n++] = ',';
	n += kiss_text_format_u64(tmp + n, tpgt);
	if (n + 1 > size)
		return 0;
	memcpy(buf, tmp, n + 1);
	return n;
}

enum kiss_text_status kiss_text_put_target_name(struct kiss_text_out *out,
						const char *name)
{
	return kiss_text_put(out, "TargetName", name);
}

enum kiss_text_status kiss_text_put_target_address(struct kiss_text_out *out,
						   const u8 *addr, bool ipv6,
						   u16 port, u16 tpgt)
{
	char val[KISS_TEXT_ADDR_MAX];
	size_t n = kiss_text_format_address(val, sizeof(val), addr, ipv6,
					    port, tpgt);

	return kiss_text_put_len(out, "TargetAddress", 13, val, n);
}

/**
 * kiss_text_put_target_host - TargetAddress from a host name or literal
 * @out: the text being built
 * @host: DNS name, IPv4 literal, or IPv6 literal with or without brackets
 * @port: TCP port
 * @tpgt: portal group tag
 *
 * An IPv6 literal (a host with a ':') is put in brackets.
 *
 * Return: KISS_TEXT_OK, KISS_TEXT_ERR_VALUE_TOO_LONG for a host over 255
 * bytes, or KISS_TEXT_ERR_OVERFLOW.
 */
enum kiss_text_status kiss_text_put_target_host(struct kiss_text_out *out,
						const char *host, u16 port,
						u16 tpgt)
{
	char val[KISS_TEXT_VALUE_MAX + 2 + 2 * KISS_TEXT_U64_CHARS + 4];
	size_t hlen = strnlen(host, KISS_TEXT_VALUE_MAX + 1);
	bool bracket = memchr(host, ':', hlen) && host[0] != '[';
	size_t n = 0;

	if (hlen > KISS_TEXT_VALUE_MAX)
		return KISS_TEXT_ERR_VALUE_TOO_LONG;
	if (bracket)
		val[n++] = '[';
	memcpy(val + n, host, hlen);
	n += hlen;
	if (bracket)
		val[n++] = ']';
	val[n++] = ':';
	n += kiss_text_format_u64(val + n, port);
	val[n++] = ',';
	n += kiss_text_format_u64(val + n, tpgt);
	return kiss_text_put_len(out, "TargetAddress", 13, val, n);
}

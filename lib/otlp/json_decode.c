/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OTLP/JSON -> protobuf, in one pass over the JSON text.
 *
 * The parser is a recursive descent over RFC 8259 driven by the schema of
 * json_schema.c: each value is converted as it is read and its protobuf
 * encoding appended to the output. Rules (OTLP specification,
 * protocol/otlp.md "JSON Protobuf Encoding", and the proto3 JSON mapping it
 * refers to):
 *  - keys are lowerCamelCase; the original snake_case names are accepted too;
 *  - unknown keys are ignored, their values skipped but still syntax-checked;
 *  - trace_id/span_id/parent_span_id are hex (case-insensitive, exact length,
 *    "" means absent), other bytes are base64 (standard or URL-safe alphabet,
 *    padding optional);
 *  - enums are integers or their names, 64-bit integers numbers or strings,
 *    doubles numbers or "NaN"/"Infinity"/"-Infinity"; null means absent;
 *  - scalar fields holding their default value are not written, unless the
 *    field has explicit presence (oneof members, proto3 optional).
 *
 * Lengths of nested messages. A message's length prefix precedes its bytes
 * but is known only once the message is closed. Each message is therefore
 * given a five-byte length slot, filled when it closes with a deliberately
 * non-minimal varint (last byte 0x00) that already holds the message's final,
 * compacted length: a closing message knows how many bytes its descendants'
 * slots will give back (their "savings"). One forward pass at the end then
 * rewrites every slot minimally and slides the bytes down. Leaf length
 * prefixes (strings, bytes, packed arrays) are always minimal, so a 5-byte
 * varint ending in 0x00 identifies a slot with no side table. Total work is
 * linear in the output size; the output must stay below 2^28 bytes so that
 * every length fits the slot's four payload bytes.
 *
 * Error offsets are byte offsets in the JSON text: the offending byte, the
 * start of a value of the wrong type, or the end of the text when it is
 * truncated. Syntax errors take precedence over schema errors: a value of the
 * wrong type is first skipped (syntax-checked), so a malformed or too deeply
 * nested document is reported as such.
 *
 * No allocation beyond what the output buffer does (a fixed buffer never
 * allocates), no locks, no syscalls. Recursion depth is bounded by
 * OG_OTLP_JSON_MAX_DEPTH.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "og_pb.h"
#include "otlp_json_private.h"

/* A message length slot: 5 bytes, so any length below 2^28 fits. */
#define SLOT_LEN   5
#define MAX_OUTPUT (1u << 28)

struct jdec {
	const uint8_t *base; /* first byte of the JSON text */
	const uint8_t *p;    /* cursor */
	const uint8_t *end;
	struct og_wbuf *out;
	uint32_t depth; /* current JSON nesting */
	uint64_t err_off;
};

static int
fail(struct jdec *d, const uint8_t *at, enum og_otlp_err code)
{
	d->err_off = (uint64_t)(at - d->base);
	return -(int)code;
}

static inline void
skip_ws(struct jdec *d)
{
	const uint8_t *p = d->p;

	while (p < d->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	d->p = p;
}

/* ---- output ---------------------------------------------------------- */

/* Room for @p n more bytes at out->data + out->len, or NULL (NO_SPACE). */
static inline uint8_t *
room(struct jdec *d, size_t n)
{
	struct og_wbuf *b = d->out;

	if (og_unlikely(b->len + n > b->cap) && !og_wbuf_reserve(b, n))
		return NULL;
	return b->data + b->len;
}

static inline void
put_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t
tag_of(const struct og_json_field *f, unsigned int wt)
{
	return og_pb_tag(f->number, wt);
}

/* ---- strings (RFC 8259 §7) and UTF-8 (RFC 3629 §4) -------------------- */

static inline int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Four hex digits of a \u escape at p (bounds checked by the caller). */
static inline int
hex4(const uint8_t *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);

		if (h < 0)
			return -1;
		v = (v << 4) | h;
	}
	return v;
}

/*
 * True when one of the 8 bytes of @p w needs a closer look inside a string:
 * '"', '\\', a control character (< 0x20) or a non-ASCII byte.
 */
static inline bool
swar_special(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
	uint64_t t = ((q - ones) & ~q) | ((b - ones) & ~b) | (w - ones * 0x20) | w;

	return (t & highs) != 0;
}

/*
 * Scan the string whose opening quote is at d->p: validate escapes
 * (surrogates must pair, RFC 8259 §7) and UTF-8, leave d->p after the closing
 * quote. @p raw and @p rawlen give the bytes between the quotes, @p esc whether they
 * hold an escape (then they must go through unescape()).
 */
static int
scan_string(struct jdec *d, const uint8_t **raw, size_t *rawlen, bool *esc)
{
	const uint8_t *s = d->p + 1, *end = d->end;
	bool e = false;

	for (;;) {
#ifdef __SSE2__
		/* 16 bytes at a time: '"', '\\', and (signed) < 0x20, which also catches >= 0x80 */
		while (end - s >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
			__m128i t =
				_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
							  _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
					     _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
			int m = _mm_movemask_epi8(t);

			if (m != 0) {
				s += __builtin_ctz((unsigned int)m);
				break;
			}
			s += 16;
		}
#endif
		while (end - s >= 8) {
			uint64_t w;

			memcpy(&w, s, 8);
			if (swar_special(w))
				break;
			s += 8;
		}
		if (s >= end)
			return fail(d, end, OG_OTLP_ERR_JSON_SYNTAX);
		uint8_t c = *s;

		if (c == '"')
			break;
		if (c == '\\') {
			e = true;
			if (end - s < 2)
				return fail(d, end, OG_OTLP_ERR_JSON_SYNTAX);
			switch (s[1]) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				s += 2;
				break;
			case 'u': {
				int u;

				if (end - s < 6)
					return fail(d, end, OG_OTLP_ERR_JSON_SYNTAX);
				u = hex4(s + 2);
				if (u < 0)
					return fail(d, s, OG_OTLP_ERR_JSON_SYNTAX);
				if (u >= 0xdc00 && u <= 0xdfff) /* lone low surrogate */
					return fail(d, s, OG_OTLP_ERR_JSON_BAD_UTF8);
				if (u >= 0xd800 && u <= 0xdbff) {
					int lo;

					if (end - s < 12)
						return fail(d, end, OG_OTLP_ERR_JSON_SYNTAX);
					if (s[6] != '\\' || s[7] != 'u')
						return fail(d, s, OG_OTLP_ERR_JSON_BAD_UTF8);
					lo = hex4(s + 8);
					if (lo < 0)
						return fail(d, s + 6, OG_OTLP_ERR_JSON_SYNTAX);
					if (lo < 0xdc00 || lo > 0xdfff)
						return fail(d, s, OG_OTLP_ERR_JSON_BAD_UTF8);
					s += 12;
				} else
					s += 6;
				break;
			}
			default:
				return fail(d, s, OG_OTLP_ERR_JSON_SYNTAX);
			}
		} else if (c < 0x20) {
			return fail(d, s, OG_OTLP_ERR_JSON_SYNTAX);
		} else if (c >= 0x80) {
			size_t n = og_json_utf8_seq(s, end);

			if (n == 0)
				return fail(d, s, OG_OTLP_ERR_JSON_BAD_UTF8);
			s += n;
		} else
			s++;
	}
	*raw = d->p + 1;
	*rawlen = (size_t)(s - *raw);
	*esc = e;
	d->p = s + 1;
	return 0;
}

/* Decode the escapes of a string scan_string() accepted; returns its length. */
static size_t
unescape(uint8_t *dst, const uint8_t *s, size_t n)
{
	const uint8_t *end = s + n;
	uint8_t *o = dst;

	while (s < end) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		switch (s[1]) {
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u': {
			uint32_t cp = (uint32_t)hex4(s + 2);

			if (cp >= 0xd800 && cp <= 0xdbff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     ((uint32_t)hex4(s + 8) - 0xdc00);
				s += 6;
			}
			if (cp < 0x80) {
				*o++ = (uint8_t)cp;
			} else if (cp < 0x800) {
				*o++ = (uint8_t)(0xc0 | (cp >> 6));
				*o++ = (uint8_t)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				*o++ = (uint8_t)(0xe0 | (cp >> 12));
				*o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
				*o++ = (uint8_t)(0x80 | (cp & 0x3f));
			} else {
				*o++ = (uint8_t)(0xf0 | (cp >> 18));
				*o++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
				*o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
				*o++ = (uint8_t)(0x80 | (cp & 0x3f));
			}
			s += 6;
			continue;
		}
		default: /* '"', '\\', '/' */
			*o++ = s[1];
			break;
		}
		s += 2;
	}
	return (size_t)(o - dst);
}

/*
 * Read a string value into a small caller buffer (ids, numbers, enum names).
 * A string longer than @p cap (after unescaping) gives *len = cap + 1.
 */
static int
small_string(struct jdec *d, uint8_t *buf, size_t cap, size_t *len)
{
	const uint8_t *raw;
	size_t n;
	bool esc;
	int rc = scan_string(d, &raw, &n, &esc);

	if (rc < 0)
		return rc;
	if (!esc) {
		if (n > cap) {
			*len = cap + 1;
			return 0;
		}
		memcpy(buf, raw, n);
		*len = n;
		return 0;
	}
	/* unescaping only shrinks, and a \u escape yields at most 4 bytes from 6 */
	if (n > 6 * cap) {
		*len = cap + 1;
		return 0;
	}
	{
		uint8_t tmp[6 * 64];

		n = unescape(tmp, raw, n);
		if (n > cap) {
			*len = cap + 1;
			return 0;
		}
		memcpy(buf, tmp, n);
		*len = n;
	}
	return 0;
}

/* ---- numbers (RFC 8259 §6) ------------------------------------------- */

struct jnum {
	uint64_t mant; /* significant digits, as long as they fit */
	int32_t exp10; /* value = mant * 10^exp10 */
	bool neg;
	bool big;	  /* more digits than mant holds */
	bool is_int;	  /* no fraction, no exponent */
	const uint8_t *s; /* the text */
	size_t len;
};

/*
 * Scan a JSON number at [s, end). Returns the bytes consumed, 0 when there is
 * no valid number there.
 */
static size_t
scan_number(const uint8_t *s, const uint8_t *end, struct jnum *n)
{
	const uint8_t *p = s;
	int32_t e = 0;

	n->mant = 0;
	n->exp10 = 0;
	n->neg = false;
	n->big = false;
	n->is_int = true;
	if (p < end && *p == '-') {
		n->neg = true;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9')
		return 0;
	if (*p == '0') {
		p++;
	} else {
		while (p < end && *p >= '0' && *p <= '9') {
			unsigned int dg = (unsigned int)(*p - '0');

			if (!n->big && n->mant <= (UINT64_MAX - dg) / 10) {
				n->mant = n->mant * 10 + dg;
			} else {
				n->big = true;
				n->exp10++;
			}
			p++;
		}
	}
	if (p < end && *p == '.') {
		p++;
		n->is_int = false;
		if (p >= end || *p < '0' || *p > '9')
			return 0;
		while (p < end && *p >= '0' && *p <= '9') {
			unsigned int dg = (unsigned int)(*p - '0');

			if (!n->big && n->mant <= (UINT64_MAX - dg) / 10) {
				n->mant = n->mant * 10 + dg;
				n->exp10--;
			} else
				n->big = true;
			p++;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		bool eneg = false;

		p++;
		n->is_int = false;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p >= end || *p < '0' || *p > '9')
			return 0;
		while (p < end && *p >= '0' && *p <= '9') {
			if (e < 100000)
				e = e * 10 + (*p - '0');
			p++;
		}
		n->exp10 += eneg ? -e : e;
	}
	n->s = s;
	n->len = (size_t)(p - s);
	return n->len;
}

/* Exact powers of ten representable in a double (Clinger's fast path). */
static const double pow10_exact[] = {
	1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,	1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/*
 * Value of a scanned number as a double. With at most 53 bits of mantissa
 * and a power of ten that is itself exact, one IEEE multiplication or
 * division is correctly rounded; anything else goes to strtod(), which
 * rounds correctly (C locale decimal point assumed).
 */
static bool
num_to_double(const struct jnum *n, double *out)
{
	double v;

	if (!n->big && n->mant <= (1ull << 53) && n->exp10 >= -22 && n->exp10 <= 22) {
		v = (double)n->mant;
		v = n->exp10 < 0 ? v / pow10_exact[-n->exp10] : v * pow10_exact[n->exp10];
		*out = n->neg ? -v : v;
		return true;
	}
	{
		char buf[512];

		if (n->len >= sizeof(buf))
			return false;
		memcpy(buf, n->s, n->len);
		buf[n->len] = 0;
		v = strtod(buf, NULL);
		if (isinf(v)) /* out of range of a double */
			return false;
		*out = v;
	}
	return true;
}

/*
 * Value of a scanned number as an integer in [lo, hi] (signed when @p is_signed,
 * two's complement in the result). A fraction or exponent is accepted when
 * the value is integral (1e3, 2.0), as proto3 JSON parsers do.
 */
static bool
num_to_int(const struct jnum *n, bool is_signed, uint64_t max_pos, uint64_t max_neg, uint64_t *out)
{
	uint64_t m = n->mant;
	int32_t e = n->exp10;

	if (n->big)
		return false;
	while (e < 0) {
		if (m % 10 != 0)
			return false;
		m /= 10;
		e++;
	}
	while (e > 0 && m != 0) {
		if (m > UINT64_MAX / 10)
			return false;
		m *= 10;
		e--;
	}
	if (n->neg && m != 0) {
		if (!is_signed || m > max_neg)
			return false;
		*out = (uint64_t)0 - m;
		return true;
	}
	if (m > max_pos)
		return false;
	*out = m;
	return true;
}

/* ---- skipping (unknown keys; syntax check of mistyped values) ---------- */

static int skip_value(struct jdec *d);

static int
lit(struct jdec *d, const char *w, size_t n)
{
	if ((size_t)(d->end - d->p) < n || memcmp(d->p, w, n) != 0) {
		/* truncated literal: point at the end, else at the bad byte */
		for (size_t i = 0; i < n; i++)
			if (d->p + i >= d->end || d->p[i] != (uint8_t)w[i])
				return fail(d, d->p + i, OG_OTLP_ERR_JSON_SYNTAX);
	}
	d->p += n;
	return 0;
}

/* A byte where a value should start but none can: syntax or UTF-8 error. */
static int
bad_value_start(struct jdec *d)
{
	if (d->p >= d->end)
		return fail(d, d->end, OG_OTLP_ERR_JSON_SYNTAX);
	if (*d->p >= 0x80 && og_json_utf8_seq(d->p, d->end) == 0)
		return fail(d, d->p, OG_OTLP_ERR_JSON_BAD_UTF8);
	return fail(d, d->p, OG_OTLP_ERR_JSON_SYNTAX);
}

static int
enter(struct jdec *d)
{
	if (++d->depth > OG_OTLP_JSON_MAX_DEPTH)
		return fail(d, d->p, OG_OTLP_ERR_JSON_TOO_DEEP);
	d->p++;
	return 0;
}

/*
 * After a member or element: skip ws and expect @p close or ','.
 * Returns 1 at the close (consumed), 0 after a comma, or an error.
 */
static inline int
next_or_close(struct jdec *d, uint8_t close)
{
	skip_ws(d);
	if (og_unlikely(d->p >= d->end))
		return fail(d, d->end, OG_OTLP_ERR_JSON_SYNTAX);
	if (*d->p == ',') {
		d->p++;
		skip_ws(d);
		return 0;
	}
	if (*d->p == close) {
		d->p++;
		d->depth--;
		return 1;
	}
	return bad_value_start(d);
}

static int
skip_value(struct jdec *d)
{
	const uint8_t *raw;
	size_t n;
	bool esc;
	struct jnum num;
	int rc;

	skip_ws(d);
	if (d->p >= d->end)
		return fail(d, d->end, OG_OTLP_ERR_JSON_SYNTAX);
	switch (*d->p) {
	case '"':
		return scan_string(d, &raw, &n, &esc);
	case '{':
		if ((rc = enter(d)) < 0)
			return rc;
		skip_ws(d);
		if (d->p < d->end && *d->p == '}') {
			d->p++;
			d->depth--;
			return 0;
		}
		for (;;) {
			if (d->p >= d->end || *d->p != '"')
				return bad_value_start(d);
			if ((rc = scan_string(d, &raw, &n, &esc)) < 0)
				return rc;
			skip_ws(d);
			if (d->p >= d->end || *d->p != ':')
				return bad_value_start(d);
			d->p++;
			if ((rc = skip_value(d)) < 0)
				return rc;
			if ((rc = next_or_close(d, '}')) != 0)
				return rc < 0 ? rc : 0;
		}
	case '[':
		if ((rc = enter(d)) < 0)
			return rc;
		skip_ws(d);
		if (d->p < d->end && *d->p == ']') {
			d->p++;
			d->depth--;
			return 0;
		}
		for (;;) {
			if ((rc = skip_value(d)) < 0)
				return rc;
			if ((rc = next_or_close(d, ']')) != 0)
				return rc < 0 ? rc : 0;
		}
	case 't':
		return lit(d, "true", 4);
	case 'f':
		return lit(d, "false", 5);
	case 'n':
		return lit(d, "null", 4);
	default:
		if (scan_number(d->p, d->end, &num) == 0) {
			if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9')) {
				/* a number cut short: report where it stops */
				const uint8_t *q = d->p + 1;

				while (q < d->end &&
				       ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' ||
					*q == 'E' || *q == '+' || *q == '-'))
					q++;
				return fail(d, q, OG_OTLP_ERR_JSON_SYNTAX);
			}
			return bad_value_start(d);
		}
		d->p += num.len;
		return 0;
	}
}

/*
 * The value at d->p has the wrong JSON type for its field. Syntax errors take
 * precedence: skip it first, then report the type error at its start.
 */
static int
type_error(struct jdec *d)
{
	const uint8_t *at = d->p;
	int rc = skip_value(d);

	if (rc < 0)
		return rc;
	return fail(d, at, OG_OTLP_ERR_JSON_TYPE);
}

/* ---- field values ------------------------------------------------------ */

static int dec_message(struct jdec *d, const struct og_json_msg *m, uint32_t *savings);

/* Write a length-delimited field from bytes already in hand. */
static int
put_bytes_field(struct jdec *d, const struct og_json_field *f, const uint8_t *s, size_t n,
		const uint8_t *at)
{
	uint8_t *o = room(d, 2 + 5 + n);
	size_t k;

	if (o == NULL)
		return fail(d, at, OG_OTLP_ERR_NO_SPACE);
	k = og_pb_varint_put(o, tag_of(f, OG_PB_WT_LEN));
	k += og_pb_varint_put(o + k, n);
	memcpy(o + k, s, n);
	d->out->len += k + n;
	return 0;
}

static int
dec_string(struct jdec *d, const struct og_json_field *f, bool force)
{
	const uint8_t *at = d->p, *raw;
	size_t n, k;
	bool esc;
	uint8_t *o;
	int rc = scan_string(d, &raw, &n, &esc);

	if (rc < 0)
		return rc;
	if (n == 0 && !force)
		return 0;
	if (!esc)
		return put_bytes_field(d, f, raw, n, at);
	/* unescape after the widest header, then slide down behind the real one */
	o = room(d, 16 + n);
	if (o == NULL)
		return fail(d, at, OG_OTLP_ERR_NO_SPACE);
	n = unescape(o + 16, raw, n);
	k = og_pb_varint_put(o, tag_of(f, OG_PB_WT_LEN));
	k += og_pb_varint_put(o + k, n);
	memmove(o + k, o + 16, n);
	d->out->len += k + n;
	return 0;
}

static const int8_t b64_table[256] = {
	['A'] = 1,  ['B'] = 2,	['C'] = 3,  ['D'] = 4,	['E'] = 5,  ['F'] = 6,	['G'] = 7,
	['H'] = 8,  ['I'] = 9,	['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
	['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
	['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28,
	['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
	['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
	['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
	['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63,
	['/'] = 64, ['-'] = 63, ['_'] = 64,
}; /* value + 1; 0 = not in either alphabet (RFC 4648 §4 and §5) */

/*
 * Base64 (RFC 4648 §4, or the URL-safe alphabet of §5) in place: src and dst
 * may overlap with dst <= src. Padding is optional; when present it must
 * complete the last quantum. Returns the decoded length, or -1.
 */
static long
b64_decode(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t pad = 0, full, i;
	uint8_t *o = dst;
	uint32_t acc;

	while (n > 0 && src[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	if (n % 4 == 1 || (pad && (n + pad) % 4 != 0))
		return -1;
	full = n / 4 * 4;
	for (i = 0; i < full; i += 4) {
		int a = b64_table[src[i]], b = b64_table[src[i + 1]], c = b64_table[src[i + 2]],
		    e = b64_table[src[i + 3]];

		if (!a || !b || !c || !e)
			return -1;
		acc = (uint32_t)(a - 1) << 18 | (uint32_t)(b - 1) << 12 | (uint32_t)(c - 1) << 6 |
		      (uint32_t)(e - 1);
		o[0] = (uint8_t)(acc >> 16);
		o[1] = (uint8_t)(acc >> 8);
		o[2] = (uint8_t)acc;
		o += 3;
	}
	if (n - full >= 2) {
		int a = b64_table[src[full]], b = b64_table[src[full + 1]];
		int c = n - full == 3 ? b64_table[src[full + 2]] : 1;

		if (!a || !b || !c)
			return -1;
		acc = (uint32_t)(a - 1) << 18 | (uint32_t)(b - 1) << 12 | (uint32_t)(c - 1) << 6;
		*o++ = (uint8_t)(acc >> 16);
		if (n - full == 3)
			*o++ = (uint8_t)(acc >> 8);
	}
	return (long)(o - dst);
}

static int
dec_bytes(struct jdec *d, const struct og_json_field *f, bool force)
{
	const uint8_t *at = d->p, *raw;
	size_t n, k;
	bool esc;
	uint8_t *o;
	long dl;
	int rc = scan_string(d, &raw, &n, &esc);

	if (rc < 0)
		return rc;
	if (n == 0 && !force)
		return 0;
	/*
	 * Copy (or unescape) the text after room for the widest header, decode
	 * it in place, then slide the result behind the real header.
	 */
	o = room(d, 16 + n);
	if (o == NULL)
		return fail(d, at, OG_OTLP_ERR_NO_SPACE);
	if (esc)
		n = unescape(o + 16, raw, n);
	else
		memcpy(o + 16, raw, n);
	dl = b64_decode(o + 16, o + 16, n);
	if (dl < 0)
		return fail(d, at, OG_OTLP_ERR_JSON_BAD_BASE64);
	if (dl == 0 && !force)
		return 0;
	k = og_pb_varint_put(o, tag_of(f, OG_PB_WT_LEN));
	k += og_pb_varint_put(o + k, (uint64_t)dl);
	memmove(o + k, o + 16, (size_t)dl);
	d->out->len += k + (size_t)dl;
	return 0;
}

static int
dec_id(struct jdec *d, const struct og_json_field *f)
{
	const uint8_t *at = d->p;
	uint8_t txt[32], id[16];
	size_t n;
	int rc = small_string(d, txt, sizeof(txt), &n);

	if (rc < 0)
		return rc;
	if (n == 0) /* OTLP/JSON: an empty id is an absent id */
		return 0;
	if (n != 2u * f->id_len)
		return fail(d, at, OG_OTLP_ERR_JSON_BAD_HEX);
	for (size_t i = 0; i < f->id_len; i++) {
		int hi = hexval(txt[2 * i]), lo = hexval(txt[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return fail(d, at, OG_OTLP_ERR_JSON_BAD_HEX);
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	return put_bytes_field(d, f, id, f->id_len, at);
}

/*
 * A number, or a string holding one (proto3 JSON allows both for every
 * numeric type; OTLP/JSON writes 64-bit integers as strings).
 */
static int
read_num(struct jdec *d, struct jnum *num, uint8_t *buf, size_t cap, bool *is_str, size_t *slen)
{
	int rc;

	*is_str = false;
	if (*d->p == '"') {
		size_t n;

		if ((rc = small_string(d, buf, cap, &n)) < 0)
			return rc;
		*is_str = true;
		*slen = n;
		if (n > cap || scan_number(buf, buf + n, num) != n)
			num->len = 0; /* not a number: the caller decides */
		return 0;
	}
	if (*d->p != '-' && (*d->p < '0' || *d->p > '9'))
		return type_error(d);
	if (scan_number(d->p, d->end, num) == 0)
		return skip_value(d); /* reports the syntax error */
	d->p += num->len;
	return 0;
}

static int
find_enum(const struct og_json_enum *e, const uint8_t *s, size_t n, int32_t *v)
{
	for (uint16_t i = 0; i < e->n; i++) {
		if (strlen(e->vals[i].name) == n && memcmp(e->vals[i].name, s, n) == 0) {
			*v = e->vals[i].value;
			return 0;
		}
	}
	return -1;
}

/* Range of each integer type: largest positive value, largest |negative|. */
static void
int_range(uint8_t type, bool *is_signed, uint64_t *max_pos, uint64_t *max_neg)
{
	*is_signed = true;
	switch (type) {
	case OG_JT_INT32:
	case OG_JT_SINT32:
	case OG_JT_ENUM:
		*max_pos = INT32_MAX;
		*max_neg = (uint64_t)INT32_MAX + 1;
		break;
	case OG_JT_INT64:
	case OG_JT_SFIXED64:
		*max_pos = INT64_MAX;
		*max_neg = (uint64_t)INT64_MAX + 1;
		break;
	case OG_JT_UINT32:
	case OG_JT_FIXED32:
		*is_signed = false;
		*max_pos = UINT32_MAX;
		*max_neg = 0;
		break;
	default: /* UINT64, FIXED64 */
		*is_signed = false;
		*max_pos = UINT64_MAX;
		*max_neg = 0;
		break;
	}
}

/* Append the wire encoding of integer @p v (two's complement bits) of field f. */
static inline size_t
put_int(uint8_t *o, const struct og_json_field *f, uint64_t v)
{
	switch (f->type) {
	case OG_JT_FIXED32:
		put_le(o, v, 4);
		return 4;
	case OG_JT_FIXED64:
	case OG_JT_SFIXED64:
		put_le(o, v, 8);
		return 8;
	case OG_JT_SINT32: {
		int32_t s = (int32_t)(uint32_t)v;

		return og_pb_varint_put(o, (uint32_t)(((uint32_t)s << 1) ^ (uint32_t)(s >> 31)));
	}
	case OG_JT_INT32:
	case OG_JT_ENUM:
		/* negative int32 is sign-extended to 10 bytes (protobuf encoding) */
		return og_pb_varint_put(o, (uint64_t)(int64_t)(int32_t)(uint32_t)v);
	default:
		return og_pb_varint_put(o, v);
	}
}

/*
 * Read one scalar value of field @p f (not a message, string or bytes) and
 * return its wire bits in *bits (double: IEEE bits; bool: 0/1).
 */
static int
read_scalar(struct jdec *d, const struct og_json_field *f, uint64_t *bits)
{
	const uint8_t *at = d->p;
	struct jnum num;
	uint8_t buf[64];
	bool is_str, sgn;
	size_t slen = 0;
	uint64_t mp, mn;
	int rc;

	if (f->type == OG_JT_BOOL) {
		*bits = *d->p == 't';
		if (*d->p == 't')
			return lit(d, "true", 4);
		if (*d->p == 'f')
			return lit(d, "false", 5);
		return type_error(d);
	}
	if (f->type == OG_JT_DOUBLE) {
		double v;

		if ((rc = read_num(d, &num, buf, sizeof(buf), &is_str, &slen)) < 0)
			return rc;
		if (is_str && num.len == 0) {
			if (slen == 3 && memcmp(buf, "NaN", 3) == 0)
				v = NAN;
			else if (slen == 8 && memcmp(buf, "Infinity", 8) == 0)
				v = INFINITY;
			else if (slen == 9 && memcmp(buf, "-Infinity", 9) == 0)
				v = -INFINITY;
			else
				return fail(d, at, OG_OTLP_ERR_JSON_BAD_NUMBER);
		} else if (!num_to_double(&num, &v))
			return fail(d, at, OG_OTLP_ERR_JSON_BAD_NUMBER);
		memcpy(bits, &v, 8);
		return 0;
	}
	if ((rc = read_num(d, &num, buf, sizeof(buf), &is_str, &slen)) < 0)
		return rc;
	if (is_str && num.len == 0) {
		int32_t ev;

		if (f->type == OG_JT_ENUM && slen <= sizeof(buf) &&
		    find_enum(f->enm, buf, slen, &ev) == 0) {
			*bits = (uint64_t)(int64_t)ev;
			return 0;
		}
		return fail(d, at,
			    f->type == OG_JT_ENUM ? OG_OTLP_ERR_JSON_TYPE
						  : OG_OTLP_ERR_JSON_BAD_NUMBER);
	}
	int_range(f->type, &sgn, &mp, &mn);
	if (!num_to_int(&num, sgn, mp, mn, bits))
		return fail(d, at, OG_OTLP_ERR_JSON_BAD_NUMBER);
	return 0;
}

static int
dec_scalar(struct jdec *d, const struct og_json_field *f, bool force)
{
	const uint8_t *at = d->p;
	uint64_t bits;
	unsigned int wt = og_json_wire_type(f);
	uint8_t *o;
	size_t k;
	int rc = read_scalar(d, f, &bits);

	if (rc < 0)
		return rc;
	if (bits == 0 && !force)
		return 0;
	o = room(d, 2 + 10);
	if (o == NULL)
		return fail(d, at, OG_OTLP_ERR_NO_SPACE);
	k = og_pb_varint_put(o, tag_of(f, wt));
	if (f->type == OG_JT_DOUBLE) {
		put_le(o + k, bits, 8);
		k += 8;
	} else
		k += put_int(o + k, f, bits);
	d->out->len += k;
	return 0;
}

static int
dec_submessage(struct jdec *d, const struct og_json_field *f, uint32_t *savings)
{
	const uint8_t *at = d->p;
	struct og_wbuf *b = d->out;
	uint32_t child = 0;
	size_t slot, start, len, k;
	uint8_t *o;
	int rc;

	if (*d->p != '{')
		return type_error(d);
	o = room(d, 2 + SLOT_LEN);
	if (o == NULL)
		return fail(d, at, OG_OTLP_ERR_NO_SPACE);
	k = og_pb_varint_put(o, tag_of(f, OG_PB_WT_LEN));
	slot = b->len + k;
	b->len = start = slot + SLOT_LEN;
	if ((rc = dec_message(d, &og_json_msgs[f->msg], &child)) < 0)
		return rc;
	/* final length: what was written, less what the nested slots give back */
	len = b->len - start - child;
	if (len >= MAX_OUTPUT)
		return fail(d, at, OG_OTLP_ERR_TOO_LARGE);
	o = b->data + slot;
	o[0] = (uint8_t)(len | 0x80);
	o[1] = (uint8_t)((len >> 7) | 0x80);
	o[2] = (uint8_t)((len >> 14) | 0x80);
	o[3] = (uint8_t)((len >> 21) | 0x80);
	o[4] = 0;
	*savings += child + (uint32_t)(SLOT_LEN - og_pb_varint_size(len));
	return 0;
}

/* A packed repeated scalar: [v, v, ...] -> one length-delimited field. */
static int
dec_packed(struct jdec *d, const struct og_json_field *f)
{
	const uint8_t *at = d->p;
	struct og_wbuf *b = d->out;
	size_t start, plen, vl;
	uint8_t *o;
	int rc;

	if ((rc = enter(d)) < 0)
		return rc;
	skip_ws(d);
	if (d->p < d->end && *d->p == ']') {
		d->p++;
		d->depth--;
		return 0;
	}
	/* tag and a one-byte length; widened at the end if the array is long */
	o = room(d, 3);
	if (o == NULL)
		return fail(d, at, OG_OTLP_ERR_NO_SPACE);
	b->len += og_pb_varint_put(o, tag_of(f, OG_PB_WT_LEN)) + 1;
	start = b->len;
	for (;;) {
		const uint8_t *vat = d->p;
		uint64_t bits;

		if (d->p >= d->end)
			return fail(d, d->end, OG_OTLP_ERR_JSON_SYNTAX);
		if (*d->p == 'n')
			return type_error(d);
		if ((rc = read_scalar(d, f, &bits)) < 0)
			return rc;
		o = room(d, 10);
		if (o == NULL)
			return fail(d, vat, OG_OTLP_ERR_NO_SPACE);
		if (f->type == OG_JT_DOUBLE) {
			put_le(o, bits, 8);
			b->len += 8;
		} else
			b->len += put_int(o, f, bits);
		if ((rc = next_or_close(d, ']')) < 0)
			return rc;
		if (rc == 1)
			break;
	}
	plen = b->len - start;
	if (plen >= MAX_OUTPUT)
		return fail(d, at, OG_OTLP_ERR_TOO_LARGE);
	vl = og_pb_varint_size(plen);
	if (vl > 1) {
		if (room(d, vl - 1) == NULL)
			return fail(d, at, OG_OTLP_ERR_NO_SPACE);
		memmove(b->data + start + vl - 1, b->data + start, plen);
		b->len += vl - 1;
	}
	og_pb_varint_put(b->data + start - 1, plen);
	return 0;
}

/* One value (an element, or the value of a singular field). */
static inline int
dec_value(struct jdec *d, const struct og_json_field *f, bool force, uint32_t *savings)
{
	switch (f->type) {
	case OG_JT_MESSAGE:
		return dec_submessage(d, f, savings);
	case OG_JT_STRING:
		if (*d->p != '"')
			return type_error(d);
		return dec_string(d, f, force);
	case OG_JT_BYTES:
		if (*d->p != '"')
			return type_error(d);
		return dec_bytes(d, f, force);
	case OG_JT_ID:
		if (*d->p != '"')
			return type_error(d);
		return dec_id(d, f);
	default:
		return dec_scalar(d, f, force);
	}
}

static int
dec_field(struct jdec *d, const struct og_json_field *f, uint32_t *savings)
{
	int rc;

	skip_ws(d);
	if (d->p >= d->end)
		return fail(d, d->end, OG_OTLP_ERR_JSON_SYNTAX);
	if (*d->p == 'n') /* null: the field is absent */
		return lit(d, "null", 4);
	if (!(f->flags & OG_JF_REPEATED))
		return dec_value(d, f, (f->flags & OG_JF_PRESENCE) != 0, savings);
	if (*d->p != '[')
		return type_error(d);
	if (f->flags & OG_JF_PACKED)
		return dec_packed(d, f);
	if ((rc = enter(d)) < 0)
		return rc;
	skip_ws(d);
	if (d->p < d->end && *d->p == ']') {
		d->p++;
		d->depth--;
		return 0;
	}
	for (;;) {
		if (d->p >= d->end)
			return fail(d, d->end, OG_OTLP_ERR_JSON_SYNTAX);
		if (*d->p == 'n') /* an element cannot be absent */
			return type_error(d);
		/* every element is written, default or not: position is data */
		if ((rc = dec_value(d, f, true, savings)) < 0)
			return rc;
		if ((rc = next_or_close(d, ']')) < 0)
			return rc;
		if (rc == 1)
			return 0;
	}
}

static inline const struct og_json_field *
find_field(const struct og_json_msg *m, const uint8_t *k, size_t n)
{
	const struct og_json_field *f = m->fields, *e = f + m->n_fields;

	if (n == 0)
		return NULL;
	/* length and first byte rule out nearly every other field cheaply */
	for (; f < e; f++)
		if (f->json_len == n && (uint8_t)f->json[0] == k[0] && memcmp(f->json, k, n) == 0)
			return f;
	for (f = m->fields; f < e; f++)
		if (f->proto_len == n && (uint8_t)f->proto[0] == k[0] &&
		    memcmp(f->proto, k, n) == 0)
			return f;
	return NULL;
}

/* An object for message @p m, cursor on its '{'. */
static int
dec_message(struct jdec *d, const struct og_json_msg *m, uint32_t *savings)
{
	const uint8_t *raw;
	size_t n;
	bool esc;
	int rc;

	if ((rc = enter(d)) < 0)
		return rc;
	skip_ws(d);
	if (d->p < d->end && *d->p == '}') {
		d->p++;
		d->depth--;
		return 0;
	}
	for (;;) {
		const struct og_json_field *f;

		if (d->p >= d->end || *d->p != '"')
			return bad_value_start(d);
		if ((rc = scan_string(d, &raw, &n, &esc)) < 0)
			return rc;
		if (esc) {
			/* keys are ASCII names: unescape when short, else unknown */
			uint8_t key[64];

			f = NULL;
			if (n <= sizeof(key)) {
				n = unescape(key, raw, n);
				f = find_field(m, key, n);
			}
		} else
			f = find_field(m, raw, n);
		skip_ws(d);
		if (d->p >= d->end || *d->p != ':')
			return bad_value_start(d);
		d->p++;
		if (f != NULL)
			rc = dec_field(d, f, savings);
		else
			rc = skip_value(d); /* unknown key: ignored (OTLP/JSON) */
		if (rc < 0)
			return rc;
		if ((rc = next_or_close(d, '}')) < 0)
			return rc;
		if (rc == 1)
			return 0;
	}
}

/*
 * Rewrite every message slot of [start, end) with a minimal varint, sliding
 * the bytes down. Returns the new end.
 */
static size_t
compact(uint8_t *buf, size_t start, size_t end)
{
	size_t r = start, w = start;

	while (r < end) {
		uint64_t tag = 0, len;
		size_t t0 = r, n;
		unsigned int sh = 0;

		do {
			tag |= (uint64_t)(buf[r] & 0x7f) << sh;
			sh += 7;
		} while (buf[r++] & 0x80);
		switch (tag & 7) {
		case 0:
			while (buf[r++] & 0x80)
				;
			break;
		case 1:
			r += 8;
			break;
		case 5:
			r += 4;
			break;
		default: /* 2 */
			if ((buf[r] & 0x80) && (buf[r + 1] & 0x80) && (buf[r + 2] & 0x80) &&
			    (buf[r + 3] & 0x80) && buf[r + 4] == 0) {
				/* a slot: keep the tag, shrink the length, walk into it */
				len = (uint64_t)(buf[r] & 0x7f) |
				      (uint64_t)(buf[r + 1] & 0x7f) << 7 |
				      (uint64_t)(buf[r + 2] & 0x7f) << 14 |
				      (uint64_t)(buf[r + 3] & 0x7f) << 21;
				n = r - t0;
				memmove(buf + w, buf + t0, n);
				w += n;
				w += og_pb_varint_put(buf + w, len);
				r += SLOT_LEN;
				continue;
			}
			len = 0;
			sh = 0;
			do {
				len |= (uint64_t)(buf[r] & 0x7f) << sh;
				sh += 7;
			} while (buf[r++] & 0x80);
			r += len;
			break;
		}
		n = r - t0;
		if (w != t0)
			memmove(buf + w, buf + t0, n);
		w += n;
	}
	return w;
}

int
og_otlp_json_to_pb(enum og_otlp_signal sig, const uint8_t *json, size_t len, struct og_wbuf *out,
		   struct og_otlp_error *err)
{
	static const uint8_t empty[1];
	struct jdec d = { .out = out };
	size_t start = out->len;
	uint32_t savings = 0;
	int rc;

	if (json == NULL) { /* an empty body may come as (NULL, 0) */
		json = empty;
		len = 0;
	}
	d.base = d.p = json;
	d.end = json + len;

	if ((unsigned int)sig >= OG_OTLP_SIGNAL_MAX)
		sig = OG_OTLP_TRACES;
	if (len >= MAX_OUTPUT) {
		rc = fail(&d, json, OG_OTLP_ERR_TOO_LARGE);
		goto done;
	}
	/* RFC 8259 §8.1: a parser MAY ignore a byte order mark */
	if (len >= 3 && json[0] == 0xef && json[1] == 0xbb && json[2] == 0xbf)
		d.p += 3;
	skip_ws(&d);
	if (d.p >= d.end) {
		rc = fail(&d, d.end, OG_OTLP_ERR_JSON_SYNTAX);
		goto done;
	}
	if (*d.p != '{') {
		rc = type_error(&d);
		goto done;
	}
	rc = dec_message(&d, &og_json_msgs[og_json_request_msg(sig)], &savings);
	if (rc < 0)
		goto done;
	skip_ws(&d);
	if (d.p != d.end) {
		rc = bad_value_start(&d);
		goto done;
	}
	if (savings != 0)
		out->len = compact(out->data, start, out->len);
	rc = OG_OK;
done:
	if (rc < 0) {
		out->len = start;
		if (rc == -OG_OTLP_ERR_NO_SPACE)
			out->overflow = true;
	}
	if (err != NULL) {
		err->code = rc < 0 ? (enum og_otlp_err) - rc : OG_OTLP_ERR_NONE;
		err->offset = rc < 0 ? d.err_off : 0;
	}
	return rc;
}

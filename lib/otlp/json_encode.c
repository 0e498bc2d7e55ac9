/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * protobuf -> canonical OTLP/JSON, walking the body with the schema of
 * json_schema.c. This is a tool path (otlpcat, JSON answers, tests): a body
 * spread over several segments is first copied into one buffer.
 *
 * Output rules (OTLP specification, protocol/otlp.md "JSON Protobuf
 * Encoding", and the proto3 JSON mapping):
 *  - keys are lowerCamelCase, in .proto declaration order;
 *  - trace_id/span_id/parent_span_id as lowercase hex, other bytes as
 *    base64 (RFC 4648 §4, padded);
 *  - int64, uint64, fixed64 and sfixed64 as decimal strings, 32-bit integers
 *    and enums as numbers;
 *  - doubles as numbers, NaN and infinities as "NaN", "Infinity",
 *    "-Infinity"; the shortest of %.15g/%.16g/%.17g that reads back to the
 *    same double, so JSON -> protobuf -> JSON is a fixed point;
 *  - scalar fields holding their default value are omitted unless the field
 *    has explicit presence; repeated fields are arrays (packed and unpacked
 *    encodings both accepted), empty ones omitted;
 *  - a singular field that occurs more than once: the last occurrence wins
 *    (for messages too: occurrences are not merged);
 *  - unknown fields are skipped.
 *
 * Strings are escaped per RFC 8259 §7 ('"', '\\' and control characters).
 * Invalid UTF-8 in a protobuf string does not stop the encoding: each byte
 * that does not start a valid UTF-8 sequence (RFC 3629 §4) is replaced with
 * U+FFFD and the walk goes on at the next byte, so the output is always valid
 * JSON (and valid UTF-8).
 *
 * Malformed protobuf stops the encoding with an OG_OTLP_ERR_* and the byte
 * offset in the body; the output buffer is left as it was.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "og_pb.h"
#include "otlp_json_private.h"

struct jenc {
	const uint8_t *base; /* first byte of the (linearised) body */
	struct og_wbuf *out;
	uint64_t err_off;
};

static int
fail(struct jenc *e, const uint8_t *at, enum og_otlp_err code)
{
	e->err_off = (uint64_t)(at - e->base);
	return -(int)code;
}

/* ---- protobuf wire format ---------------------------------------------- */

/* One field of a message, as read by next_field(). */
struct pbf {
	const uint8_t *at; /* its tag */
	uint32_t number;
	unsigned int wt;
	uint64_t v;	     /* varint value, fixed bits, or length */
	const uint8_t *data; /* wt 2: the bytes */
};

/*
 * Read the field at *pp (before @p end) and advance past it. Checks the
 * wire structure only (protobuf encoding guide: wire types 0, 1, 2, 5;
 * groups are not accepted).
 */
static int
next_field(struct jenc *e, const uint8_t **pp, const uint8_t *end, struct pbf *f)
{
	const uint8_t *p = *pp;
	uint64_t tag;
	int n = og_pb_varint_get(p, end, &tag);

	f->at = p;
	if (n <= 0)
		return fail(e, p, n == 0 ? OG_OTLP_ERR_TRUNCATED : OG_OTLP_ERR_VARINT_TOO_LONG);
	if (og_pb_tag_field(tag) == 0)
		return fail(e, p, OG_OTLP_ERR_BAD_FIELD_NUMBER);
	if (og_pb_tag_field(tag) > UINT32_MAX / 2)
		return fail(e, p, OG_OTLP_ERR_BAD_FIELD_NUMBER);
	f->number = (uint32_t)og_pb_tag_field(tag);
	f->wt = og_pb_tag_wt(tag);
	p += n;
	switch (f->wt) {
	case OG_PB_WT_VARINT:
		n = og_pb_varint_get(p, end, &f->v);
		if (n <= 0)
			return fail(e, n == 0 ? end : p,
				    n == 0 ? OG_OTLP_ERR_TRUNCATED : OG_OTLP_ERR_VARINT_TOO_LONG);
		p += n;
		break;
	case OG_PB_WT_I64:
	case OG_PB_WT_I32: {
		size_t w = f->wt == OG_PB_WT_I64 ? 8 : 4;

		if ((size_t)(end - p) < w)
			return fail(e, end, OG_OTLP_ERR_TRUNCATED);
		f->v = 0;
		for (size_t i = 0; i < w; i++)
			f->v |= (uint64_t)p[i] << (8 * i);
		p += w;
		break;
	}
	case OG_PB_WT_LEN:
		n = og_pb_varint_get(p, end, &f->v);
		if (n <= 0)
			return fail(e, n == 0 ? end : p,
				    n == 0 ? OG_OTLP_ERR_TRUNCATED : OG_OTLP_ERR_VARINT_TOO_LONG);
		p += n;
		if (f->v > (uint64_t)(end - p))
			return fail(e, f->at, OG_OTLP_ERR_LENGTH_PAST_PARENT);
		f->data = p;
		p += f->v;
		break;
	default:
		return fail(e, f->at, OG_OTLP_ERR_BAD_WIRE_TYPE);
	}
	*pp = p;
	return 0;
}

/* Element width of a packed fixed-size type, 0 for varint types. */
static size_t
fixed_width(const struct og_json_field *sf)
{
	unsigned int wt = og_json_wire_type(sf);

	return wt == OG_PB_WT_I64 ? 8 : wt == OG_PB_WT_I32 ? 4 : 0;
}

/* Where the occurrences of one schema field are in a message. */
struct occ {
	const uint8_t *first; /* tag of the first occurrence, NULL when absent */
	const uint8_t *stop;  /* end of the last occurrence */
	struct pbf last;      /* the last occurrence (last one wins for singular fields) */
};

/*
 * Check the wire structure of a message and the wire types of its known
 * fields, and note where each schema field occurs, so that the output needs
 * no further search: repeated fields are read between their first and last
 * occurrence (usually one contiguous run), singular ones from their last.
 */
static int
check_message(struct jenc *e, const uint8_t *p, const uint8_t *end, const struct og_json_msg *m,
	      struct occ *occ)
{
	struct pbf f;
	int rc;

	OG_ASSERT(m->n_fields <= OG_JSON_MAX_FIELDS);
	for (uint32_t i = 0; i < m->n_fields; i++)
		occ[i].first = NULL;
	while (p < end) {
		const struct og_json_field *sf;
		unsigned int want;

		if ((rc = next_field(e, &p, end, &f)) < 0)
			return rc;
		sf = og_json_field_by_number(m, f.number);
		if (sf == NULL)
			continue; /* unknown field: skipped */
		want = og_json_wire_type(sf);
		if (f.wt != want) {
			/* repeated numeric fields may be packed, whatever the schema says */
			if (!(f.wt == 2 && want != 2 && (sf->flags & OG_JF_REPEATED)))
				return fail(e, f.at, OG_OTLP_ERR_WRONG_WIRE_TYPE);
			size_t w = fixed_width(sf);

			if (w != 0 && f.v % w != 0)
				return fail(e, f.at, OG_OTLP_ERR_BAD_PACKED);
			if (w == 0) {
				const uint8_t *q = f.data, *qe = f.data + f.v;
				uint64_t v;

				while (q < qe) {
					int n = og_pb_varint_get(q, qe, &v);

					if (n <= 0)
						return fail(e, q, OG_OTLP_ERR_BAD_PACKED);
					q += n;
				}
			}
		}
		struct occ *o = &occ[sf - m->fields];

		if (o->first == NULL)
			o->first = f.at;
		o->stop = p;
		o->last = f;
	}
	return 0;
}

/* ---- JSON output ----------------------------------------------------- */

static inline void
put(struct jenc *e, const char *s, size_t n)
{
	struct og_wbuf *b = e->out;

	if (og_unlikely(b->len + n > b->cap) && !og_wbuf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static inline void
putc_(struct jenc *e, char c)
{
	struct og_wbuf *b = e->out;

	if (og_unlikely(b->len + 1 > b->cap) && !og_wbuf_reserve(b, 1))
		return;
	b->data[b->len++] = (uint8_t)c;
}

/* A string, escaped per RFC 8259 §7, invalid UTF-8 replaced (see top). */
static void
put_string(struct jenc *e, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *end = s + n, *run = s;

	putc_(e, '"');
	while (s < end) {
		uint8_t c = *s;
		const char *esc = NULL;
		char u[6];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0x80) {
			size_t k = og_json_utf8_seq(s, end);

			if (k != 0) {
				s += k;
				continue;
			}
		}
		put(e, (const char *)run, (size_t)(s - run));
		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			break;
		}
		if (esc != NULL)
			put(e, esc, 2);
		else if (c < 0x20) {
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			put(e, u, 6);
		} else
			put(e, "\xef\xbf\xbd", 3); /* U+FFFD REPLACEMENT CHARACTER */
		s++;
		run = s;
	}
	put(e, (const char *)run, (size_t)(s - run));
	putc_(e, '"');
}

static void
put_hex(struct jenc *e, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	putc_(e, '"');
	for (size_t i = 0; i < n; i++) {
		char h[2] = { hex[s[i] >> 4], hex[s[i] & 15] };

		put(e, h, 2);
	}
	putc_(e, '"');
}

/* Base64, RFC 4648 §4, with padding. */
static void
put_base64(struct jenc *e, const uint8_t *s, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	putc_(e, '"');
	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		char q[4] = { a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], a[v & 63] };

		put(e, q, 4);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)s[i] << 16;
		char q[4] = { a[v >> 18], a[(v >> 12) & 63], '=', '=' };

		put(e, q, 4);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		char q[4] = { a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], '=' };

		put(e, q, 4);
	}
	putc_(e, '"');
}

static void
put_double(struct jenc *e, double v)
{
	char buf[40];

	if (isnan(v)) {
		put(e, "\"NaN\"", 5);
		return;
	}
	if (isinf(v)) {
		if (v > 0)
			put(e, "\"Infinity\"", 10);
		else
			put(e, "\"-Infinity\"", 11);
		return;
	}
	/* shortest precision that reads back exactly (C locale assumed) */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (prec == 17 || strtod(buf, NULL) == v)
			break;
	}
	put(e, buf, strlen(buf));
}

/* ---- the walk --------------------------------------------------------- */

static int enc_message(struct jenc *e, const uint8_t *p, const uint8_t *end,
		       const struct og_json_msg *m, uint32_t depth);

/* Write one scalar element of numeric/bool/enum field @p sf with wire value @p v. */
static void
put_scalar(struct jenc *e, const struct og_json_field *sf, uint64_t v)
{
	char buf[32];

	switch (sf->type) {
	case OG_JT_BOOL:
		if (v != 0)
			put(e, "true", 4);
		else
			put(e, "false", 5);
		return;
	case OG_JT_INT32:
	case OG_JT_ENUM:
		snprintf(buf, sizeof(buf), "%d", (int)(int32_t)(uint32_t)v);
		break;
	case OG_JT_UINT32:
	case OG_JT_FIXED32:
		snprintf(buf, sizeof(buf), "%u", (unsigned int)(uint32_t)v);
		break;
	case OG_JT_SINT32: {
		uint32_t z = (uint32_t)v;

		snprintf(buf, sizeof(buf), "%d", (int)(int32_t)((z >> 1) ^ (0u - (z & 1))));
		break;
	}
	case OG_JT_INT64:
	case OG_JT_SFIXED64:
		snprintf(buf, sizeof(buf), "\"%lld\"", (long long)(int64_t)v);
		break;
	case OG_JT_UINT64:
	case OG_JT_FIXED64:
		snprintf(buf, sizeof(buf), "\"%llu\"", (unsigned long long)v);
		break;
	case OG_JT_DOUBLE: {
		double d;

		memcpy(&d, &v, 8);
		put_double(e, d);
		return;
	}
	default:
		return;
	}
	put(e, buf, strlen(buf));
}

/* Is wire value @p f the default of @p sf (so omitted without presence)? */
static bool
is_default(const struct og_json_field *sf, const struct pbf *f)
{
	switch (sf->type) {
	case OG_JT_STRING:
	case OG_JT_BYTES:
	case OG_JT_ID:
		return f->v == 0;
	case OG_JT_MESSAGE:
		return false;
	case OG_JT_INT32:
	case OG_JT_ENUM:
	case OG_JT_UINT32:
	case OG_JT_SINT32:
	case OG_JT_FIXED32:
		return (uint32_t)f->v == 0;
	default: /* 64-bit and double (+0.0 only: -0.0 is written) */
		return f->v == 0;
	}
}

/* Write one element/value of field @p sf from field occurrence @p f. */
static int
put_value(struct jenc *e, const struct og_json_field *sf, const struct pbf *f, uint32_t depth)
{
	switch (sf->type) {
	case OG_JT_STRING:
		put_string(e, f->data, f->v);
		return 0;
	case OG_JT_BYTES:
		put_base64(e, f->data, f->v);
		return 0;
	case OG_JT_ID:
		put_hex(e, f->data, f->v);
		return 0;
	case OG_JT_MESSAGE:
		return enc_message(e, f->data, f->data + f->v, &og_json_msgs[sf->msg], depth + 1);
	default:
		put_scalar(e, sf, f->v);
		return 0;
	}
}

static void
put_key(struct jenc *e, const struct og_json_field *sf, bool *first)
{
	if (!*first)
		putc_(e, ',');
	*first = false;
	putc_(e, '"');
	put(e, sf->json, sf->json_len);
	put(e, "\":", 2);
}

/* The elements of one packed occurrence of a repeated numeric field. */
static void
put_packed(struct jenc *e, const struct og_json_field *sf, const struct pbf *f, bool *first_el)
{
	const uint8_t *q = f->data, *qe = f->data + f->v;
	size_t w = fixed_width(sf);

	while (q < qe) {
		uint64_t v = 0;

		if (w != 0) {
			for (size_t i = 0; i < w; i++)
				v |= (uint64_t)q[i] << (8 * i);
			q += w;
		} else
			q += og_pb_varint_get(q, qe, &v); /* checked by check_message() */
		if (!*first_el)
			putc_(e, ',');
		*first_el = false;
		put_scalar(e, sf, v);
	}
}

static int
enc_message(struct jenc *e, const uint8_t *p, const uint8_t *end, const struct og_json_msg *m,
	    uint32_t depth)
{
	struct occ occ[OG_JSON_MAX_FIELDS];
	bool first = true;
	int rc;

	if (depth > OG_OTLP_JSON_MAX_DEPTH)
		return fail(e, p, OG_OTLP_ERR_TOO_DEEP);
	if ((rc = check_message(e, p, end, m, occ)) < 0)
		return rc;
	putc_(e, '{');
	for (uint32_t i = 0; i < m->n_fields; i++) {
		const struct og_json_field *sf = &m->fields[i];
		const uint8_t *q = occ[i].first, *qe = occ[i].stop;
		struct pbf f;

		if (q == NULL)
			continue;
		if (!(sf->flags & OG_JF_REPEATED)) {
			if (!(sf->flags & OG_JF_PRESENCE) && is_default(sf, &occ[i].last))
				continue;
			put_key(e, sf, &first);
			if ((rc = put_value(e, sf, &occ[i].last, depth)) < 0)
				return rc;
			continue;
		}
		/* repeated: every occurrence, packed ones expanded; [] is omitted */
		size_t mark = e->out->len;
		bool was_first = first, first_el = true;

		put_key(e, sf, &first);
		putc_(e, '[');
		while (q < qe) {
			next_field(e, &q, qe, &f); /* checked above */
			if (f.number != sf->number)
				continue;
			if (f.wt == 2 && sf->type != OG_JT_MESSAGE && sf->type != OG_JT_STRING &&
			    sf->type != OG_JT_BYTES && sf->type != OG_JT_ID) {
				put_packed(e, sf, &f, &first_el);
				continue;
			}
			if (!first_el)
				putc_(e, ',');
			first_el = false;
			if ((rc = put_value(e, sf, &f, depth)) < 0)
				return rc;
		}
		if (first_el) {
			e->out->len = OG_MIN(mark, e->out->len);
			first = was_first;
			continue;
		}
		putc_(e, ']');
	}
	putc_(e, '}');
	if (e->out->overflow)
		return fail(e, p, OG_OTLP_ERR_NO_SPACE);
	return 0;
}

int
og_otlp_pb_to_json(enum og_otlp_signal sig, const struct og_seg *segs, uint32_t nseg,
		   struct og_wbuf *out, struct og_otlp_error *err)
{
	struct jenc e = { .out = out };
	size_t start = out->len;
	uint64_t total = og_segs_total(segs, nseg);
	uint8_t *lin = NULL;
	const uint8_t *body;
	int rc;

	if ((unsigned int)sig >= OG_OTLP_SIGNAL_MAX)
		sig = OG_OTLP_TRACES;
	if (total == 0) {
		static const uint8_t empty[1];

		body = empty; /* segments may hold NULL with length 0 */
	} else if (nseg == 1) {
		body = segs[0].data;
	} else {
		/* tool path: linearise the chain once */
		lin = malloc(total ? total : 1);
		if (lin == NULL) {
			e.err_off = 0;
			rc = -OG_OTLP_ERR_NO_SPACE;
			goto done;
		}
		og_segs_copy(segs, nseg, 0, total, lin);
		body = lin;
	}
	e.base = body;
	rc = enc_message(&e, body, body + total, &og_json_msgs[og_json_request_msg(sig)], 0);
	if (rc == 0 && out->overflow)
		rc = fail(&e, body + total, OG_OTLP_ERR_NO_SPACE);
done:
	free(lin);
	if (rc < 0) {
		out->len = start;
		if (rc == -OG_OTLP_ERR_NO_SPACE)
			out->overflow = true;
	}
	if (err != NULL) {
		err->code = rc < 0 ? (enum og_otlp_err) - rc : OG_OTLP_ERR_NONE;
		err->offset = rc < 0 ? e.err_off : 0;
	}
	return rc < 0 ? rc : OG_OK;
}

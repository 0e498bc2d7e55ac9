/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encoders of what the client is told (docs/design.md §3, §4): the
 * Export*ServiceResponse of a successful request, with partial_success only
 * when items were rejected (OTLP spec, "Partial Success"), and the
 * google.rpc.Status body of an error answer (OTLP spec, "Failures").
 *
 * Protobuf goes through the nanopb encoders generated from proto/; JSON is
 * written by hand following the proto3 JSON mapping (lowerCamelCase names,
 * int64 as a decimal string, default values omitted). Messages may come from
 * anywhere (backend answers, client bytes), so strings are made valid UTF-8
 * on the way out — protobuf `string` fields must be UTF-8 and JSON text must
 * be (RFC 8259 section 8.1) — each byte that does not belong to a well
 * formed sequence (RFC 3629 section 4) becomes U+FFFD.
 *
 * Off the hot path: one answer per request, written into an og_wbuf.
 *
 * The decoders read what a backend answers us (the otlp-http backend): its
 * partial_success, or the google.rpc.Status of a refusal.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <pb.h>
#include <pb_encode.h>

#include "og_otlp.h"
#include "og_pb.h"

#include "proto/google_rpc_status.pb.h"
#include "proto/otlp_logs_service.pb.h"
#include "proto/otlp_metrics_service.pb.h"
#include "proto/otlp_trace_service.pb.h"

static const uint8_t utf8_replacement[3] = { 0xef, 0xbf, 0xbd }; /* U+FFFD */

/*
 * Length of the well-formed UTF-8 sequence at @p p (RFC 3629 section 4,
 * "UTF8-octets"), or 0 when the byte there does not start one.
 */
static size_t
utf8_seq_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	uint8_t lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0; /* continuation byte, C0/C1 overlong, or over U+10FFFF */
	if (n < len)
		return 0;
	/* the second byte's range excludes overlongs, surrogates and > U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

/* Size of @p s once made valid UTF-8. */
static size_t
utf8_clean_len(const uint8_t *s, size_t n)
{
	size_t out = 0;

	while (n > 0) {
		size_t l = utf8_seq_len(s, n);

		out += l ? l : sizeof(utf8_replacement);
		l = l ? l : 1;
		s += l;
		n -= l;
	}
	return out;
}

/* ---- protobuf ------------------------------------------------------------ */

static bool
wbuf_write(pb_ostream_t *stream, const pb_byte_t *buf, size_t count)
{
	struct og_wbuf *w = stream->state;

	og_wbuf_put(w, buf, count);
	return !w->overflow;
}

/* Callback of every string field we encode: the message, made valid UTF-8. */
static bool
encode_string(pb_ostream_t *stream, const pb_field_t *field, void *const *arg)
{
	const uint8_t *s = *arg;
	size_t n;

	if (s == NULL || *s == 0)
		return true; /* proto3: an empty string is not written */
	n = strlen((const char *)s);
	if (!pb_encode_tag_for_field(stream, field) ||
	    !pb_encode_varint(stream, utf8_clean_len(s, n)))
		return false;
	while (n > 0) {
		size_t run = 0, l;

		while (run < n && (l = utf8_seq_len(s + run, n - run)) != 0)
			run += l;
		if (!pb_write(stream, s, run))
			return false;
		s += run;
		n -= run;
		if (n > 0) {
			if (!pb_write(stream, utf8_replacement, sizeof(utf8_replacement)))
				return false;
			s++;
			n--;
		}
	}
	return true;
}

static int
pb_finish(struct og_wbuf *out, size_t start, bool ok)
{
	if (ok && !out->overflow)
		return OG_OK;
	out->len = start; /* nothing partial is left behind */
	out->overflow = true;
	return -OG_OTLP_ERR_NO_SPACE;
}

static int
response_pb(enum og_otlp_signal sig, int64_t rejected, const char *msg, struct og_wbuf *out)
{
	pb_ostream_t os = { .callback = wbuf_write, .state = out, .max_size = SIZE_MAX };
	pb_callback_t text = { .funcs.encode = encode_string, .arg = (void *)(uintptr_t)msg };
	size_t start = out->len;
	bool ok;

	if (rejected == 0)
		return OG_OK; /* an empty message is zero bytes */
	switch (sig) {
	case OG_OTLP_TRACES: {
		opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse r = {
			.has_partial_success = true,
			.partial_success = { .rejected_spans = rejected, .error_message = text },
		};

		ok = pb_encode(
			&os, &opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_msg,
			&r);
		break;
	}
	case OG_OTLP_METRICS: {
		opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceResponse r = {
			.has_partial_success = true,
			.partial_success = { .rejected_data_points = rejected,
					     .error_message = text },
		};

		ok = pb_encode(
			&os,
			&opentelemetry_proto_collector_metrics_v1_ExportMetricsServiceResponse_msg,
			&r);
		break;
	}
	default: {
		opentelemetry_proto_collector_logs_v1_ExportLogsServiceResponse r = {
			.has_partial_success = true,
			.partial_success = { .rejected_log_records = rejected,
					     .error_message = text },
		};

		ok = pb_encode(&os,
			       &opentelemetry_proto_collector_logs_v1_ExportLogsServiceResponse_msg,
			       &r);
		break;
	}
	}
	return pb_finish(out, start, ok);
}

/* ---- JSON ---------------------------------------------------------------- */

/*
 * A JSON string (RFC 8259 section 7): quotation mark, reverse solidus and
 * control characters escaped (controls as \u00XX), other bytes as they are
 * when they form valid UTF-8, else U+FFFD.
 */
static void
json_string(struct og_wbuf *out, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = (const uint8_t *)str;
	size_t n = strlen(str);

	og_wbuf_putc(out, '"');
	while (n > 0) {
		size_t l = utf8_seq_len(s, n);

		if (l == 0) {
			og_wbuf_put(out, utf8_replacement, sizeof(utf8_replacement));
			l = 1;
		} else if (*s == '"' || *s == '\\') {
			uint8_t esc[2] = { '\\', *s };

			og_wbuf_put(out, esc, 2);
		} else if (*s < 0x20) {
			uint8_t esc[6] = {
				'\\', 'u', '0', '0', (uint8_t)hex[*s >> 4], (uint8_t)hex[*s & 15]
			};

			og_wbuf_put(out, esc, sizeof(esc));
		} else {
			og_wbuf_put(out, s, l);
		}
		s += l;
		n -= l;
	}
	og_wbuf_putc(out, '"');
}

static int
json_finish(struct og_wbuf *out, size_t start)
{
	if (!out->overflow)
		return OG_OK;
	out->len = start;
	return -OG_OTLP_ERR_NO_SPACE;
}

static int
response_json(enum og_otlp_signal sig, int64_t rejected, const char *msg, struct og_wbuf *out)
{
	/* proto3 JSON names of rejected_spans / rejected_data_points / rejected_log_records */
	static const char *const count_name[OG_OTLP_SIGNAL_MAX] = {
		[OG_OTLP_TRACES] = "rejectedSpans",
		[OG_OTLP_METRICS] = "rejectedDataPoints",
		[OG_OTLP_LOGS] = "rejectedLogRecords",
	};
	size_t start = out->len;

	if (rejected == 0) {
		og_wbuf_puts(out, "{}");
		return json_finish(out, start);
	}
	/* int64 is a JSON string in the proto3 JSON mapping */
	og_wbuf_printf(out, "{\"partialSuccess\":{\"%s\":\"%lld\"", count_name[sig],
		       (long long)rejected);
	if (msg != NULL && *msg != 0) {
		og_wbuf_puts(out, ",\"errorMessage\":");
		json_string(out, msg);
	}
	og_wbuf_puts(out, "}}");
	return json_finish(out, start);
}

/* ---- API ----------------------------------------------------------------- */

int
og_otlp_response_encode(enum og_otlp_signal sig, enum og_otlp_encoding enc, uint64_t rejected,
			const char *msg, struct og_wbuf *out)
{
	/* the field is an int64: a count past its range is reported as the maximum */
	int64_t n = rejected > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)rejected;

	if ((unsigned int)sig >= OG_OTLP_SIGNAL_MAX)
		return -EINVAL;
	if (enc == OG_OTLP_ENC_PROTO)
		return response_pb(sig, n, msg, out);
	if (enc == OG_OTLP_ENC_JSON)
		return response_json(sig, n, msg, out);
	return -EINVAL;
}

int
og_otlp_status_encode(enum og_otlp_encoding enc, int32_t code, const char *msg, struct og_wbuf *out)
{
	size_t start = out->len;

	if (enc == OG_OTLP_ENC_PROTO) {
		pb_ostream_t os = { .callback = wbuf_write, .state = out, .max_size = SIZE_MAX };
		google_rpc_Status st = {
			.code = code,
			.message = { .funcs.encode = encode_string, .arg = (void *)(uintptr_t)msg },
		};

		return pb_finish(out, start, pb_encode(&os, &google_rpc_Status_msg, &st));
	}
	if (enc != OG_OTLP_ENC_JSON)
		return -EINVAL;
	og_wbuf_printf(out, "{\"code\":%d", (int)code);
	if (msg != NULL && *msg != 0) {
		og_wbuf_puts(out, ",\"message\":");
		json_string(out, msg);
	}
	og_wbuf_putc(out, '}');
	return json_finish(out, start);
}

/* ---- decoding a backend's answer ---------------------------------------- */

/* One field of a contiguous message. */
struct rsp_field {
	uint64_t fn;
	uint32_t wt;
	uint64_t v;	     /* VARINT value, or LEN length */
	const uint8_t *data; /* LEN bytes */
};

/*
 * Read the field at *pp before @p end and advance past it (Protocol Buffers,
 * "Encoding": "Message Structure"). @return 0 or a negated OG_OTLP_ERR_*.
 */
static int
rsp_next(const uint8_t **pp, const uint8_t *end, struct rsp_field *f)
{
	const uint8_t *p = *pp;
	uint64_t tag;
	int n = og_pb_varint_get(p, end, &tag);

	if (n <= 0)
		return n == 0 ? -OG_OTLP_ERR_TRUNCATED : -OG_OTLP_ERR_VARINT_TOO_LONG;
	p += n;
	f->fn = og_pb_tag_field(tag);
	f->wt = og_pb_tag_wt(tag);
	f->v = 0;
	f->data = NULL;
	if (f->fn == 0 || f->fn > OG_PB_MAX_FIELD)
		return -OG_OTLP_ERR_BAD_FIELD_NUMBER;
	switch (f->wt) {
	case OG_PB_WT_VARINT:
	case OG_PB_WT_LEN:
		n = og_pb_varint_get(p, end, &f->v);
		if (n <= 0)
			return n == 0 ? -OG_OTLP_ERR_TRUNCATED : -OG_OTLP_ERR_VARINT_TOO_LONG;
		p += n;
		if (f->wt == OG_PB_WT_LEN) {
			if (f->v > (uint64_t)(end - p))
				return -OG_OTLP_ERR_LENGTH_PAST_PARENT;
			f->data = p;
			p += f->v;
		}
		break;
	case OG_PB_WT_I64:
	case OG_PB_WT_I32: {
		size_t w = f->wt == OG_PB_WT_I64 ? 8 : 4;

		if ((size_t)(end - p) < w)
			return -OG_OTLP_ERR_TRUNCATED;
		p += w;
		break;
	}
	default:
		return -OG_OTLP_ERR_BAD_WIRE_TYPE;
	}
	*pp = p;
	return 0;
}

/* ExportXServiceResponse.partial_success, the same for the three signals. */
static int
partial_decode(const uint8_t *p, const uint8_t *end, struct og_otlp_partial_success *ps)
{
	while (p < end) {
		struct rsp_field f;
		int rc = rsp_next(&p, end, &f);

		if (rc < 0)
			return rc;
		if (f.fn == 1) { /* rejected_{spans,data_points,log_records}: int64 */
			if (f.wt != OG_PB_WT_VARINT)
				return -OG_OTLP_ERR_WRONG_WIRE_TYPE;
			/* a negative count (a backend's bug) rejects nothing */
			ps->rejected = (int64_t)f.v < 0 ? 0 : f.v;
		} else if (f.fn == 2) { /* error_message */
			if (f.wt != OG_PB_WT_LEN)
				return -OG_OTLP_ERR_WRONG_WIRE_TYPE;
			ps->msg = f.data;
			ps->msg_len = (size_t)f.v;
		}
	}
	return OG_OK;
}

int
og_otlp_response_decode(const uint8_t *body, size_t len, struct og_otlp_partial_success *ps)
{
	/* an empty answer may come as (NULL, 0): no arithmetic on NULL */
	const uint8_t *p = body, *end = len != 0 ? body + len : body;
	int rc = OG_OK;

	memset(ps, 0, sizeof(*ps));
	while (p < end && rc == OG_OK) {
		struct rsp_field f;

		rc = rsp_next(&p, end, &f);
		if (rc < 0 || f.fn != 1)
			continue;
		if (f.wt != OG_PB_WT_LEN) {
			rc = -OG_OTLP_ERR_WRONG_WIRE_TYPE;
			continue;
		}
		/* a repeated singular field: the last one wins, as before */
		memset(ps, 0, sizeof(*ps));
		rc = partial_decode(f.data, f.data + f.v, ps);
	}
	if (rc < 0)
		memset(ps, 0, sizeof(*ps));
	return rc;
}

int
og_otlp_status_decode(const uint8_t *body, size_t len, int32_t *code, const uint8_t **msg,
		      size_t *msg_len)
{
	/* an empty answer may come as (NULL, 0): no arithmetic on NULL */
	const uint8_t *p = body, *end = len != 0 ? body + len : body;
	int32_t c = 0;

	*msg = NULL;
	*msg_len = 0;
	while (p < end) {
		struct rsp_field f;
		int rc = rsp_next(&p, end, &f);

		if (rc < 0) {
			*msg = NULL;
			*msg_len = 0;
			return rc;
		}
		if (f.fn == 1 && f.wt == OG_PB_WT_VARINT) {
			c = (int32_t)f.v; /* int32: the low 32 bits */
		} else if (f.fn == 2 && f.wt == OG_PB_WT_LEN) {
			*msg = f.data;
			*msg_len = (size_t)f.v;
		} else if (f.fn <= 2) {
			*msg = NULL;
			*msg_len = 0;
			return -OG_OTLP_ERR_WRONG_WIRE_TYPE;
		}
	}
	if (code != NULL)
		*code = c;
	return OG_OK;
}

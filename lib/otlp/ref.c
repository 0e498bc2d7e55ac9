/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reference decoder: a full nanopb decode of an Export*ServiceRequest, to
 * cross-check the zero-copy scanner (scan.c). Every field of the telemetry
 * messages is generated as a callback (proto/otlp_*.options), so one generic
 * callback sees each field: it recurses into submessages, decodes scalars
 * and records ids.
 *
 * nanopb is more lenient than the protobuf encoding rules the scanner
 * enforces (Protocol Buffers, "Encoding": varints, tags, wire types): it
 * does not check the wire type of callback fields, reads tags and lengths as
 * 32-bit varints, treats tag 0 as end of message in null-terminated mode, and
 * skips unknown varints of any length. So each message's own fields are
 * first checked by wire_check() against the message's nanopb descriptor,
 * then nanopb decodes the message. wire_check() skips over submessage values;
 * they are checked when nanopb enters them, so every byte is checked once.
 */
#include <stdbool.h>
#include <string.h>

#include <pb.h>
#include <pb_common.h>
#include <pb_decode.h>

#include "og_otlp.h"
#include "og_otlp_ref.h"

#include "proto/otlp_logs_service.pb.h"
#include "proto/otlp_metrics_service.pb.h"
#include "proto/otlp_trace_service.pb.h"

/* Short names for the generated identifiers. */
#define PBT(x) opentelemetry_proto_##x
#define PBD(x) (&opentelemetry_proto_##x##_msg)

/* Storage for any message being decoded (all-callback structs). */
union any_msg {
	PBT(collector_trace_v1_ExportTraceServiceRequest) treq;
	PBT(collector_metrics_v1_ExportMetricsServiceRequest) mreq;
	PBT(collector_logs_v1_ExportLogsServiceRequest) lreq;
	PBT(common_v1_AnyValue) anyvalue;
	PBT(common_v1_ArrayValue) arrayvalue;
	PBT(common_v1_KeyValueList) kvlist;
	PBT(common_v1_KeyValue) kv;
	PBT(common_v1_InstrumentationScope) scope;
	PBT(common_v1_EntityRef) entityref;
	PBT(resource_v1_Resource) resource;
	PBT(trace_v1_ResourceSpans) rspans;
	PBT(trace_v1_ScopeSpans) sspans;
	PBT(trace_v1_Span) span;
	PBT(trace_v1_Span_Event) event;
	PBT(trace_v1_Span_Link) link;
	PBT(trace_v1_Status) status;
	PBT(metrics_v1_ResourceMetrics) rmetrics;
	PBT(metrics_v1_ScopeMetrics) smetrics;
	PBT(metrics_v1_Metric) metric;
	PBT(metrics_v1_Gauge) gauge;
	PBT(metrics_v1_Sum) sum;
	PBT(metrics_v1_Histogram) histogram;
	PBT(metrics_v1_ExponentialHistogram) ehistogram;
	PBT(metrics_v1_Summary) summary;
	PBT(metrics_v1_NumberDataPoint) ndp;
	PBT(metrics_v1_HistogramDataPoint) hdp;
	PBT(metrics_v1_ExponentialHistogramDataPoint) edp;
	PBT(metrics_v1_ExponentialHistogramDataPoint_Buckets) buckets;
	PBT(metrics_v1_SummaryDataPoint) sdp;
	PBT(metrics_v1_SummaryDataPoint_ValueAtQuantile) quantile;
	PBT(metrics_v1_Exemplar) exemplar;
	PBT(logs_v1_ResourceLogs) rlogs;
	PBT(logs_v1_ScopeLogs) slogs;
	PBT(logs_v1_LogRecord) logrecord;
};

/* An id as encoded: its length and at most its first 16 bytes. */
struct ref_id {
	uint8_t b[16];
	size_t len;
};

enum { ID_TRACE, ID_SPAN, ID_PARENT, ID_MAX };

struct ref_ctx {
	struct og_otlp_ref_result *out;
	const char *err; /* first error found by our own checks */
};

/* One message being decoded: the callbacks' argument. */
struct ref_frame {
	struct ref_ctx *ctx;
	const pb_msgdesc_t *desc;
	unsigned int depth;
	struct ref_id id[ID_MAX]; /* Span, LogRecord */
};

static bool decode_msg(pb_istream_t *stream, const pb_msgdesc_t *desc, struct ref_ctx *ctx,
		       unsigned int depth);

uint64_t
og_otlp_ref_fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL; /* FNV-1a 64-bit prime */
	}
	return h;
}

uint64_t
og_otlp_ref_fnv_ids(uint64_t h, const uint8_t *trace_id, size_t trace_id_len,
		    const uint8_t *span_id, size_t span_id_len, const uint8_t *parent_span_id,
		    size_t parent_span_id_len)
{
	h = og_otlp_ref_fnv(h, trace_id, OG_MIN(trace_id_len, 16));
	h = og_otlp_ref_fnv(h, span_id, OG_MIN(span_id_len, 8));
	return og_otlp_ref_fnv(h, parent_span_id, OG_MIN(parent_span_id_len, 8));
}

/* ---- wire checks --------------------------------------------------------- */

/*
 * Read a varint (Protocol Buffers, "Base 128 Varints"): at most 10 bytes, and
 * the 10th may only carry bit 63.
 */
static bool
rd_varint(const uint8_t **pp, size_t *n, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;

	for (unsigned int i = 0; i < 10; i++) {
		if (i == *n)
			return false;
		if (i == 9 && p[i] > 1)
			return false;
		r |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*pp = p + i + 1;
			*n -= i + 1;
			*v = r;
			return true;
		}
	}
	return false;
}

static bool
ltype_is_numeric(pb_type_t lt)
{
	return lt <= PB_LTYPE_FIXED64; /* BOOL, VARINT, UVARINT, SVARINT, FIXED32/64 */
}

/* The one wire type the schema gives a field of this nanopb LTYPE. */
static unsigned int
ltype_wire(pb_type_t lt)
{
	switch (lt) {
	case PB_LTYPE_BOOL:
	case PB_LTYPE_VARINT:
	case PB_LTYPE_UVARINT:
	case PB_LTYPE_SVARINT:
		return PB_WT_VARINT;
	case PB_LTYPE_FIXED32:
		return PB_WT_32BIT;
	case PB_LTYPE_FIXED64:
		return PB_WT_64BIT;
	default:
		return PB_WT_STRING;
	}
}

/* A packed run must hold a whole number of elements (Encoding, "Packed"). */
static const char *
packed_check(pb_type_t lt, const uint8_t *p, size_t len)
{
	uint64_t v;

	if (lt == PB_LTYPE_FIXED64)
		return len % 8 ? "packed fixed64 length is not a multiple of 8" : NULL;
	if (lt == PB_LTYPE_FIXED32)
		return len % 4 ? "packed fixed32 length is not a multiple of 4" : NULL;
	while (len > 0)
		if (!rd_varint(&p, &len, &v))
			return "packed varints do not end at the field's length";
	return NULL;
}

/*
 * Check one message's own fields (not the inside of its submessages) against
 * its schema. Returns NULL when they are well formed, else why not.
 */
static const char *
wire_check(const uint8_t *p, size_t n, const pb_msgdesc_t *desc, void *msg)
{
	pb_field_iter_t it;
	bool have_iter = pb_field_iter_begin(&it, desc, msg);

	while (n > 0) {
		uint64_t tag, fnum, len = 0;
		unsigned int wt;

		if (!rd_varint(&p, &n, &tag))
			return "bad tag varint";
		fnum = tag >> 3;
		wt = (unsigned int)(tag & 7);
		if (fnum == 0)
			return "field number 0";
		if (wt == 3 || wt == 4 || wt == 6 || wt == 7)
			return "bad wire type";
		if (fnum > 0x1fffffff)
			return "field number over 2^29-1";
		if (wt == PB_WT_STRING) {
			if (!rd_varint(&p, &n, &len))
				return "bad length varint";
			if (len > n)
				return "length past parent";
		}
		if (have_iter && fnum <= desc->largest_tag &&
		    pb_field_iter_find(&it, (uint32_t)fnum)) {
			pb_type_t lt = PB_LTYPE(it.type);

			if (wt != ltype_wire(lt)) {
				const char *e;

				/* repeated numeric fields: packed or not */
				if (!(wt == PB_WT_STRING && ltype_is_numeric(lt) &&
				      PB_HTYPE(it.type) == PB_HTYPE_REPEATED))
					return "wrong wire type for a known field";
				e = packed_check(lt, p, (size_t)len);
				if (e != NULL)
					return e;
			}
		}
		switch (wt) {
		case PB_WT_VARINT:
			if (!rd_varint(&p, &n, &len))
				return "bad varint";
			break;
		case PB_WT_64BIT:
			len = 8;
			break;
		case PB_WT_32BIT:
			len = 4;
			break;
		default:
			break;
		}
		if (wt != PB_WT_VARINT) {
			if (len > n)
				return "truncated";
			p += len;
			n -= (size_t)len;
		}
	}
	return NULL;
}

/* ---- decoding ------------------------------------------------------------ */

static bool
is_id_field(const struct ref_frame *f, uint32_t tag, unsigned int *which)
{
	if (f->desc == PBD(trace_v1_Span)) {
		switch (tag) {
		case 1:
			*which = ID_TRACE;
			return true;
		case 2:
			*which = ID_SPAN;
			return true;
		case 4:
			*which = ID_PARENT;
			return true;
		default:
			return false;
		}
	}
	if (f->desc == PBD(logs_v1_LogRecord)) {
		if (tag == 9) {
			*which = ID_TRACE;
			return true;
		}
		if (tag == 10) {
			*which = ID_SPAN;
			return true;
		}
	}
	return false;
}

/* The one callback of every field of every message. */
static bool
field_cb(pb_istream_t *stream, const pb_field_t *field, void **arg)
{
	struct ref_frame *f = *arg;
	uint64_t u;
	int64_t s;
	uint32_t u32;
	unsigned int which;

	switch (PB_LTYPE(field->type)) {
	case PB_LTYPE_SUBMESSAGE:
	case PB_LTYPE_SUBMSG_W_CB:
		return decode_msg(stream, field->submsg_desc, f->ctx, f->depth + 1);
	case PB_LTYPE_BYTES:
	case PB_LTYPE_STRING:
	case PB_LTYPE_FIXED_LENGTH_BYTES:
		if (is_id_field(f, field->tag, &which)) {
			/* last occurrence wins; longer ids are kept for the length check */
			struct ref_id *id = &f->id[which];

			id->len = stream->bytes_left;
			if (!pb_read(stream, id->b, OG_MIN(id->len, sizeof(id->b))))
				return false;
		}
		return pb_read(stream, NULL, stream->bytes_left);
	default:
		break;
	}
	/* a numeric element; nanopb calls again for each element of a packed run */
	if (stream->bytes_left == 0)
		return true; /* empty packed run */
	switch (PB_LTYPE(field->type)) {
	case PB_LTYPE_SVARINT:
		return pb_decode_svarint(stream, &s);
	case PB_LTYPE_FIXED32:
		return pb_decode_fixed32(stream, &u32);
	case PB_LTYPE_FIXED64:
		return pb_decode_fixed64(stream, &u);
	default:
		return pb_decode_varint(stream, &u);
	}
}

static bool
all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void
reject(struct og_otlp_ref_result *out, enum og_otlp_reject r)
{
	out->by_reason[r]++;
	out->n_rejected++;
}

/* Span checks, in the order of otlp_reject.def; the first failure is the reason. */
static void
span_done(struct og_otlp_ref_result *out, const struct ref_id *id)
{
	const struct ref_id *t = &id[ID_TRACE], *sp = &id[ID_SPAN], *pa = &id[ID_PARENT];

	out->n_items++;
	out->id_digest =
		og_otlp_ref_fnv_ids(out->id_digest, t->b, t->len, sp->b, sp->len, pa->b, pa->len);
	if (t->len != 16)
		reject(out, OG_OTLP_REJECT_TRACE_ID_LENGTH);
	else if (all_zero(t->b, 16))
		reject(out, OG_OTLP_REJECT_TRACE_ID_ZERO);
	else if (sp->len != 8)
		reject(out, OG_OTLP_REJECT_SPAN_ID_LENGTH);
	else if (all_zero(sp->b, 8))
		reject(out, OG_OTLP_REJECT_SPAN_ID_ZERO);
	else if (pa->len != 0 && pa->len != 8)
		reject(out, OG_OTLP_REJECT_PARENT_SPAN_ID_LENGTH);
}

/* LogRecord ids are optional, but when present must be well formed. */
static void
log_done(struct og_otlp_ref_result *out, const struct ref_id *id)
{
	const struct ref_id *t = &id[ID_TRACE], *sp = &id[ID_SPAN];

	out->n_items++;
	out->id_digest = og_otlp_ref_fnv_ids(out->id_digest, t->b, t->len, sp->b, sp->len, NULL, 0);
	if (t->len != 0 && t->len != 16)
		reject(out, OG_OTLP_REJECT_LOG_TRACE_ID_LENGTH);
	else if (t->len == 16 && all_zero(t->b, 16))
		reject(out, OG_OTLP_REJECT_LOG_TRACE_ID_ZERO);
	else if (sp->len != 0 && sp->len != 8)
		reject(out, OG_OTLP_REJECT_LOG_SPAN_ID_LENGTH);
	else if (sp->len == 8 && all_zero(sp->b, 8))
		reject(out, OG_OTLP_REJECT_LOG_SPAN_ID_ZERO);
}

static void
msg_done(const struct ref_frame *f)
{
	struct og_otlp_ref_result *out = f->ctx->out;
	const pb_msgdesc_t *d = f->desc;

	if (d == PBD(trace_v1_Span))
		span_done(out, f->id);
	else if (d == PBD(logs_v1_LogRecord))
		log_done(out, f->id);
	else if (d == PBD(metrics_v1_NumberDataPoint) || d == PBD(metrics_v1_HistogramDataPoint) ||
		 d == PBD(metrics_v1_ExponentialHistogramDataPoint) ||
		 d == PBD(metrics_v1_SummaryDataPoint))
		out->n_items++;
	else if (d == PBD(trace_v1_ScopeSpans) || d == PBD(metrics_v1_ScopeMetrics) ||
		 d == PBD(logs_v1_ScopeLogs))
		out->n_scopes++;
	else if (f->depth == 1)
		out->n_resources++; /* Resource{Spans,Metrics,Logs} */
}

/* Check, then decode, one message whose bytes are all of @p stream. */
static bool
decode_msg(pb_istream_t *stream, const pb_msgdesc_t *desc, struct ref_ctx *ctx, unsigned int depth)
{
	struct ref_frame f = { .ctx = ctx, .desc = desc, .depth = depth };
	union any_msg m;
	pb_field_iter_t it;

	if (depth > OG_OTLP_MAX_DEPTH) {
		ctx->err = "nesting deeper than OG_OTLP_MAX_DEPTH";
		return false;
	}
	memset(&m, 0, sizeof(m));
	/* every buffer stream's state is its read pointer (pb_decode.c buf_read) */
	ctx->err = wire_check(stream->state, stream->bytes_left, desc, &m);
	if (ctx->err != NULL)
		return false;
	if (pb_field_iter_begin(&it, desc, &m)) {
		do {
			if (PB_ATYPE(it.type) == PB_ATYPE_CALLBACK) {
				pb_callback_t *cb = it.pData;

				cb->funcs.decode = field_cb;
				cb->arg = &f;
			}
		} while (pb_field_iter_next(&it));
	}
	if (!pb_decode(stream, desc, &m)) {
		if (ctx->err == NULL)
			ctx->err = PB_GET_ERROR(stream);
		return false;
	}
	msg_done(&f);
	return true;
}

int
og_otlp_ref_decode(enum og_otlp_signal sig, const uint8_t *buf, size_t len,
		   struct og_otlp_ref_result *out)
{
	static const pb_msgdesc_t *const roots[OG_OTLP_SIGNAL_MAX] = {
		[OG_OTLP_TRACES] = PBD(collector_trace_v1_ExportTraceServiceRequest),
		[OG_OTLP_METRICS] = PBD(collector_metrics_v1_ExportMetricsServiceRequest),
		[OG_OTLP_LOGS] = PBD(collector_logs_v1_ExportLogsServiceRequest),
	};
	struct ref_ctx ctx = { .out = out };
	pb_istream_t stream;

	memset(out, 0, sizeof(*out));
	out->id_digest = OG_OTLP_REF_FNV_INIT;
	if ((unsigned int)sig >= OG_OTLP_SIGNAL_MAX) {
		out->errmsg = "unknown signal";
		return -1;
	}
	stream = pb_istream_from_buffer(len ? buf : (const uint8_t *)"", len);
	if (!decode_msg(&stream, roots[sig], &ctx, 0)) {
		out->errmsg = ctx.err != NULL ? ctx.err : "decode failed";
		return -1;
	}
	return 0;
}

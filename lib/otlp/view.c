/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Views for the rules stage: iterate the spans of a scanned traces body and
 * the attributes of a span or of a resource, over segments, without copying
 * more than ids and scalars. Strings and nested values are given by range.
 *
 * The body has passed og_otlp_scan(); these readers still check every bound
 * so that a wrong body can only give an error, never a read out of range.
 * Field numbers: opentelemetry-proto v1.11.0 trace/v1/trace.proto
 * (ResourceSpans, ScopeSpans, Span, Status) and common/v1/common.proto
 * (KeyValue, AnyValue).
 */
#include <string.h>

#include "og_otlp.h"
#include "otlp_scan_private.h"

static void
cursor_init(struct og_otlp_cursor *c, const struct og_seg *segs, uint32_t nseg)
{
	c->segs = segs;
	c->nseg = nseg;
	c->si = 0;
	c->base = 0;
}

static inline struct og_otlp_range
field_range(const struct otlp_field *f)
{
	return (struct og_otlp_range){ (uint32_t)f->off, (uint32_t)f->len };
}

/* Copy an id (bytes field) into @p dst of @p cap bytes; the length as
 * encoded is kept (clamped to 255), the copy to what fits. Last one wins. */
static int
copy_id(struct og_otlp_cursor *c, const struct otlp_field *f, uint8_t *dst, uint32_t cap,
	uint8_t *len)
{
	memset(dst, 0, cap);
	*len = (uint8_t)OG_MIN(f->len, 255u);
	return otlp_rd_bytes(c, f->off, (uint32_t)OG_MIN(f->len, (uint64_t)cap), dst);
}

/* Status { message = 2; code = 3 } */
static int
parse_status(struct og_otlp_cursor *c, const struct otlp_field *st, struct og_otlp_span_view *v)
{
	uint64_t pos = st->off, end = st->off + st->len;
	struct otlp_field f;

	while (pos < end) {
		int rc = otlp_rd_field(c, &pos, end, &f);

		if (rc < 0)
			return rc;
		if (f.fn == 2 && f.wt == OG_PB_WT_LEN)
			v->status_message = field_range(&f);
		else if (f.fn == 3 && f.wt == OG_PB_WT_VARINT)
			v->status_code = (uint32_t)f.v;
	}
	return 0;
}

static int
parse_span(struct og_otlp_cursor *c, const struct otlp_field *sp, struct og_otlp_span_view *v)
{
	uint64_t pos = sp->off, end = sp->off + sp->len;
	struct otlp_field f;
	int rc = 0;

	while (pos < end && rc == 0) {
		rc = otlp_rd_field(c, &pos, end, &f);
		if (rc < 0)
			break;
		switch (f.fn << 3 | f.wt) {
		case 1 << 3 | OG_PB_WT_LEN:
			rc = copy_id(c, &f, v->trace_id, sizeof(v->trace_id), &v->trace_id_len);
			break;
		case 2 << 3 | OG_PB_WT_LEN:
			rc = copy_id(c, &f, v->span_id, sizeof(v->span_id), &v->span_id_len);
			break;
		case 4 << 3 | OG_PB_WT_LEN:
			rc = copy_id(c, &f, v->parent_span_id, sizeof(v->parent_span_id),
				     &v->parent_span_id_len);
			break;
		case 5 << 3 | OG_PB_WT_LEN:
			v->name = field_range(&f);
			break;
		case 6 << 3 | OG_PB_WT_VARINT:
			v->kind = (uint32_t)f.v;
			break;
		case 7 << 3 | OG_PB_WT_I64:
			v->start_time_unix_nano = f.v;
			break;
		case 8 << 3 | OG_PB_WT_I64:
			v->end_time_unix_nano = f.v;
			break;
		case 15 << 3 | OG_PB_WT_LEN: /* repeated occurrences merge */
			rc = parse_status(c, &f, v);
			break;
		default:
			break;
		}
	}
	return rc;
}

void
og_otlp_span_iter_init(struct og_otlp_span_iter *it, const struct og_seg *segs, uint32_t nseg,
		       const struct og_otlp_resource *r, uint32_t res_idx)
{
	cursor_init(&it->cur, segs, nseg);
	it->scope_end = 0;
	if (r != NULL) {
		it->pos = r->body.off;
		it->res_end = (uint64_t)r->body.off + r->body.len;
		it->body_end = it->res_end;
		it->resource = res_idx;
		it->level = 1;
		it->whole = 0;
	} else {
		it->pos = 0;
		it->body_end = og_segs_total(segs, nseg);
		it->res_end = 0;
		it->resource = UINT32_MAX; /* the first entry makes it 0 */
		it->level = 0;
		it->whole = 1;
	}
}

int
og_otlp_span_iter_next(struct og_otlp_span_iter *it, struct og_otlp_span_view *v)
{
	struct otlp_field f;
	int rc;

	for (;;) {
		switch (it->level) {
		case 2: /* ScopeSpans { scope = 1; spans = 2; schema_url = 3 } */
			if (it->pos >= it->scope_end) {
				it->level = 1;
				break;
			}
			rc = otlp_rd_field(&it->cur, &it->pos, it->scope_end, &f);
			if (rc < 0)
				return rc;
			if (f.fn == 2 && f.wt == OG_PB_WT_LEN) {
				memset(v, 0, sizeof(*v));
				v->span = field_range(&f);
				v->resource = it->resource;
				rc = parse_span(&it->cur, &f, v);
				return rc < 0 ? rc : 1;
			}
			break;
		case 1: /* ResourceSpans { resource = 1; scope_spans = 2; ... } */
			if (it->pos >= it->res_end) {
				if (!it->whole)
					return 0;
				it->level = 0;
				break;
			}
			rc = otlp_rd_field(&it->cur, &it->pos, it->res_end, &f);
			if (rc < 0)
				return rc;
			if (f.fn == 2 && f.wt == OG_PB_WT_LEN) {
				it->pos = f.off;
				it->scope_end = f.off + f.len;
				it->level = 2;
			}
			break;
		default: /* ExportTraceServiceRequest { resource_spans = 1 } */
			if (it->pos >= it->body_end)
				return 0;
			rc = otlp_rd_field(&it->cur, &it->pos, it->body_end, &f);
			if (rc < 0)
				return rc;
			if (f.fn == 1 && f.wt == OG_PB_WT_LEN) {
				it->pos = f.off;
				it->res_end = f.off + f.len;
				it->resource++;
				it->level = 1;
			}
			break;
		}
	}
}

void
og_otlp_attr_iter_init(struct og_otlp_attr_iter *it, const struct og_seg *segs, uint32_t nseg,
		       struct og_otlp_range msg, uint32_t field)
{
	cursor_init(&it->cur, segs, nseg);
	it->pos = msg.off;
	it->end = (uint64_t)msg.off + msg.len;
	it->field = field;
	it->outer_pos = it->outer_end = 0;
	it->outer_field = 0;
}

void
og_otlp_span_attr_iter_init(struct og_otlp_attr_iter *it, const struct og_seg *segs, uint32_t nseg,
			    const struct og_otlp_span_view *sv)
{
	og_otlp_attr_iter_init(it, segs, nseg, sv->span, 9); /* Span.attributes = 9 */
}

void
og_otlp_resource_attr_iter_init(struct og_otlp_attr_iter *it, const struct og_seg *segs,
				uint32_t nseg, const struct og_otlp_resource *r)
{
	cursor_init(&it->cur, segs, nseg);
	it->pos = it->end = 0;
	it->field = 1;	     /* Resource.attributes = 1 */
	it->outer_field = 1; /* Resource{Spans,Metrics,Logs}.resource = 1 */
	it->outer_pos = r->body.off;
	it->outer_end = (uint64_t)r->body.off + r->body.len;
}

/* AnyValue's oneof; a later member replaces an earlier one (and a repeated
 * KeyValue.value merges, which for a oneof is the same). */
static int
parse_anyvalue(struct og_otlp_cursor *c, const struct otlp_field *av, struct og_otlp_attr *a)
{
	uint64_t pos = av->off, end = av->off + av->len;
	struct otlp_field f;

	while (pos < end) {
		int rc = otlp_rd_field(c, &pos, end, &f);

		if (rc < 0)
			return rc;
		switch (f.fn << 3 | f.wt) {
		case 1 << 3 | OG_PB_WT_LEN:
			a->type = OG_OTLP_VAL_STRING;
			a->v.r = field_range(&f);
			break;
		case 2 << 3 | OG_PB_WT_VARINT:
			a->type = OG_OTLP_VAL_BOOL;
			a->v.b = f.v != 0;
			break;
		case 3 << 3 | OG_PB_WT_VARINT:
			a->type = OG_OTLP_VAL_INT;
			a->v.i = (int64_t)f.v;
			break;
		case 4 << 3 | OG_PB_WT_I64:
			a->type = OG_OTLP_VAL_DOUBLE;
			memcpy(&a->v.d, &f.v, sizeof(a->v.d));
			break;
		case 5 << 3 | OG_PB_WT_LEN:
			a->type = OG_OTLP_VAL_ARRAY;
			a->v.r = field_range(&f);
			break;
		case 6 << 3 | OG_PB_WT_LEN:
			a->type = OG_OTLP_VAL_KVLIST;
			a->v.r = field_range(&f);
			break;
		case 7 << 3 | OG_PB_WT_LEN:
			a->type = OG_OTLP_VAL_BYTES;
			a->v.r = field_range(&f);
			break;
		default: /* string_value_strindex (profiles only), unknown */
			break;
		}
	}
	return 0;
}

/* KeyValue { key = 1; value = 2; key_strindex = 3 } */
static int
parse_kv(struct og_otlp_cursor *c, const struct otlp_field *kv, struct og_otlp_attr *a)
{
	uint64_t pos = kv->off, end = kv->off + kv->len;
	struct otlp_field f;

	memset(a, 0, sizeof(*a));
	while (pos < end) {
		int rc = otlp_rd_field(c, &pos, end, &f);

		if (rc < 0)
			return rc;
		if (f.fn == 1 && f.wt == OG_PB_WT_LEN)
			a->key = field_range(&f);
		else if (f.fn == 2 && f.wt == OG_PB_WT_LEN) {
			rc = parse_anyvalue(c, &f, a);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

int
og_otlp_attr_iter_next(struct og_otlp_attr_iter *it, struct og_otlp_attr *a)
{
	struct otlp_field f;
	int rc;

	for (;;) {
		if (it->pos >= it->end) {
			/* resource attributes: the next Resource message */
			if (it->outer_field == 0 || it->outer_pos >= it->outer_end)
				return 0;
			rc = otlp_rd_field(&it->cur, &it->outer_pos, it->outer_end, &f);
			if (rc < 0)
				return rc;
			if (f.fn == it->outer_field && f.wt == OG_PB_WT_LEN) {
				it->pos = f.off;
				it->end = f.off + f.len;
			}
			continue;
		}
		rc = otlp_rd_field(&it->cur, &it->pos, it->end, &f);
		if (rc < 0)
			return rc;
		if (f.fn == it->field && f.wt == OG_PB_WT_LEN) {
			rc = parse_kv(&it->cur, &f, a);
			return rc < 0 ? rc : 1;
		}
	}
}

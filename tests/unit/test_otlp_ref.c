/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the nanopb reference decoder (lib/otlp/ref.c): the sample bodies
 * decode to their manifest counts, each wire rule rejects a hand-built body,
 * each item reject reason is counted, and the id digest is the documented
 * one.
 */
#include <stdlib.h>
#include <string.h>

#include "og_otlp.h"
#include "og_otlp_ref.h"
#include "og_test.h"

/* ---- a tiny protobuf writer ----------------------------------------------- */

struct pbw {
	uint8_t *b;
	size_t len, cap;
};

static void
w_raw(struct pbw *w, const void *p, size_t n)
{
	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2 + 64;
		w->b = realloc(w->b, w->cap);
		if (w->b == NULL)
			abort();
	}
	if (n)
		memcpy(w->b + w->len, p, n);
	w->len += n;
}

static void
w_byte(struct pbw *w, uint8_t c)
{
	w_raw(w, &c, 1);
}

static void
w_varint(struct pbw *w, uint64_t v)
{
	while (v >= 0x80) {
		w_byte(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	w_byte(w, (uint8_t)v);
}

static void
w_tag(struct pbw *w, uint32_t field, unsigned int wt)
{
	w_varint(w, ((uint64_t)field << 3) | wt);
}

static void
w_bytes(struct pbw *w, uint32_t field, const void *p, size_t n)
{
	w_tag(w, field, 2);
	w_varint(w, n);
	w_raw(w, p, n);
}

/* Append @p sub as a length-delimited field and free it. */
static void
w_msg(struct pbw *w, uint32_t field, struct pbw *sub)
{
	w_bytes(w, field, sub->b, sub->len);
	free(sub->b);
	memset(sub, 0, sizeof(*sub));
}

static void
w_fixed64(struct pbw *w, uint32_t field, uint64_t v)
{
	w_tag(w, field, 1);
	for (int i = 0; i < 8; i++)
		w_byte(w, (uint8_t)(v >> (8 * i)));
}

static void
w_uvarint(struct pbw *w, uint32_t field, uint64_t v)
{
	w_tag(w, field, 0);
	w_varint(w, v);
}

static const uint8_t tid_ok[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t sid_ok[8] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };
static const uint8_t zeros[32];
static const uint8_t long_id[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17 };

/* A Span with the given ids (NULL = absent) and an extra raw tail. */
static void
span_with(struct pbw *span, const uint8_t *tid, size_t tl, const uint8_t *sid, size_t sl,
	  const uint8_t *pid, size_t pl)
{
	if (tid)
		w_bytes(span, 1, tid, tl);
	if (sid)
		w_bytes(span, 2, sid, sl);
	if (pid)
		w_bytes(span, 4, pid, pl);
	w_bytes(span, 5, "op", 2);
	w_fixed64(span, 7, 1000);
	w_fixed64(span, 8, 2000);
}

/* Request = one ResourceSpans > one ScopeSpans > the given spans. */
static void
traces_req(struct pbw *req, struct pbw *spans, size_t n)
{
	struct pbw ss = { 0 }, rs = { 0 }, res = { 0 }, kv = { 0 }, av = { 0 };

	w_bytes(&av, 1, "svc", 3);
	w_bytes(&kv, 1, "service.name", 12);
	w_msg(&kv, 2, &av);
	w_msg(&res, 1, &kv);
	w_msg(&rs, 1, &res);
	for (size_t i = 0; i < n; i++)
		w_msg(&ss, 2, &spans[i]);
	w_msg(&rs, 2, &ss);
	w_msg(req, 1, &rs);
}

static void agree(enum og_otlp_signal sig, const uint8_t *b, size_t len, size_t seg_len,
		  const char *what, size_t at);

/* Decode with the reference; every hand-built body is also checked against the scanner. */
static int
ref(enum og_otlp_signal sig, const struct pbw *w, struct og_otlp_ref_result *r)
{
	agree(sig, w->b, w->len, 0, "hand-built body", w->len);
	agree(sig, w->b, w->len, 1, "hand-built body in 1-byte segments", w->len);
	return og_otlp_ref_decode(sig, w->b, w->len, r);
}

/* A one-span request whose Span gets @p extra appended after valid ids. */
static int
span_extra(const struct pbw *extra, struct og_otlp_ref_result *r)
{
	struct pbw span = { 0 }, req = { 0 };
	int rc;

	span_with(&span, tid_ok, 16, sid_ok, 8, NULL, 0);
	w_raw(&span, extra->b, extra->len);
	traces_req(&req, &span, 1);
	rc = ref(OG_OTLP_TRACES, &req, r);
	free(req.b);
	return rc;
}

/* ---- samples -------------------------------------------------------------- */

struct sample {
	char name[64];
	char file[96];
	enum og_otlp_signal sig;
	uint64_t resources, items;
};

/* Value of "key" inside [p, end): a string into @p s or a number into @p v. */
static int
manifest_get(const char *p, const char *end, const char *key, char *s, size_t scap, uint64_t *v)
{
	char k[64];
	const char *q;

	snprintf(k, sizeof(k), "\"%s\"", key);
	q = strstr(p, k);
	if (q == NULL || q >= end)
		return -1;
	q = strchr(q + strlen(k), ':') + 1;
	while (*q == ' ')
		q++;
	if (*q == '"') {
		size_t n = strcspn(q + 1, "\"");

		if (s == NULL || n >= scap)
			return -1;
		memcpy(s, q + 1, n);
		s[n] = 0;
		return 0;
	}
	if (v == NULL)
		return -1;
	*v = strtoull(q, NULL, 10);
	return 0;
}

static size_t
load_manifest(struct sample *out, size_t cap)
{
	size_t len, n = 0;
	char *m = (char *)og_test_read_file("samples/MANIFEST.json", &len);
	const char *p = m;

	m[len] = 0;
	while ((p = strstr(p, "\"name\"")) != NULL && n < cap) {
		const char *end = strstr(p + 1, "\"name\"");
		struct sample *s = &out[n];
		char sig[16];

		if (end == NULL)
			end = m + len;
		CU_ASSERT_FATAL(manifest_get(p, end, "name", s->name, sizeof(s->name), NULL) == 0);
		CU_ASSERT_FATAL(manifest_get(p, end, "signal", sig, sizeof(sig), NULL) == 0);
		CU_ASSERT_FATAL(manifest_get(p, end, "protobuf", s->file, sizeof(s->file), NULL) ==
				0);
		CU_ASSERT_FATAL(manifest_get(p, end, "resources", NULL, 0, &s->resources) == 0);
		s->sig = strcmp(sig, "traces") == 0    ? OG_OTLP_TRACES
			 : strcmp(sig, "metrics") == 0 ? OG_OTLP_METRICS
						       : OG_OTLP_LOGS;
		CU_ASSERT_FATAL(manifest_get(p, end, "spans", NULL, 0, &s->items) == 0 ||
				manifest_get(p, end, "data_points", NULL, 0, &s->items) == 0 ||
				manifest_get(p, end, "log_records", NULL, 0, &s->items) == 0);
		n++;
		p = end;
	}
	free(m);
	return n;
}

static void
test_samples(void)
{
	struct sample s[32];
	size_t n = load_manifest(s, OG_ARRAY_SIZE(s));

	CU_ASSERT(n >= 10);
	for (size_t i = 0; i < n; i++) {
		char rel[160];
		size_t len;
		uint8_t *buf;
		struct og_otlp_ref_result r;

		snprintf(rel, sizeof(rel), "samples/%s", s[i].file);
		buf = og_test_read_file(rel, &len);
		CU_ASSERT_EQUAL(og_otlp_ref_decode(s[i].sig, buf, len, &r), 0);
		CU_ASSERT_PTR_NULL(r.errmsg);
		CU_ASSERT_EQUAL(r.n_resources, s[i].resources);
		CU_ASSERT_EQUAL(r.n_items, s[i].items);
		CU_ASSERT(r.n_scopes >= r.n_resources);
		CU_ASSERT_EQUAL(r.n_rejected, 0);
		/* every span has ids; data points add nothing (SDK log records carry none) */
		if (s[i].sig == OG_OTLP_TRACES) {
			CU_ASSERT(r.id_digest != OG_OTLP_REF_FNV_INIT);
		}
		if (s[i].sig == OG_OTLP_METRICS) {
			CU_ASSERT_EQUAL(r.id_digest, OG_OTLP_REF_FNV_INIT);
		}
		/* the same bytes as the wrong signal are not counted as items */
		if (s[i].sig == OG_OTLP_TRACES &&
		    og_otlp_ref_decode(OG_OTLP_LOGS, buf, len, &r) == 0) {
			CU_ASSERT_EQUAL(r.n_items, 0);
		}
		free(buf);
	}
}

static void
test_empty_and_signal(void)
{
	struct og_otlp_ref_result r;

	for (int sig = 0; sig < OG_OTLP_SIGNAL_MAX; sig++) {
		CU_ASSERT_EQUAL(og_otlp_ref_decode(sig, NULL, 0, &r), 0);
		CU_ASSERT_EQUAL(r.n_resources + r.n_items + r.n_scopes, 0);
	}
	CU_ASSERT_EQUAL(og_otlp_ref_decode(OG_OTLP_SIGNAL_MAX, NULL, 0, &r), -1);
}

/* ---- wire rules ----------------------------------------------------------- */

static void
test_field_zero(void)
{
	struct og_otlp_ref_result r;
	struct pbw w = { 0 };
	uint8_t zero_tag[] = { 0x00 };

	/* nanopb alone would stop at a 0x00 tag byte and accept */
	w_raw(&w, zero_tag, 1);
	CU_ASSERT_EQUAL(ref(OG_OTLP_TRACES, &w, &r), -1);
	w.len = 0;
	w_uvarint(&w, 0, 5); /* field 0, varint */
	CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
	w.len = 0;
	w_bytes(&w, 0, "x", 1); /* field 0, length-delimited */
	CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
	w.len = 0;
	w_raw(&w, zero_tag, 1); /* 0x00 at the end of a Span */
	CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
	free(w.b);
}

static void
test_bad_wire_types(void)
{
	struct og_otlp_ref_result r;
	struct pbw w = { 0 };

	for (unsigned int wt = 3; wt <= 7; wt++) {
		if (wt == 5)
			continue;
		w.len = 0;
		w_tag(&w, 99, wt); /* unknown field, but no wire type to skip it */
		w_varint(&w, 0);
		CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
		CU_ASSERT_EQUAL(ref(OG_OTLP_METRICS, &w, &r), -1);
	}
	free(w.b);
}

static void
test_wrong_wire_type(void)
{
	struct og_otlp_ref_result r;
	struct pbw w = { 0 };

	/* resource_spans as a varint */
	w_uvarint(&w, 1, 1);
	CU_ASSERT_EQUAL(ref(OG_OTLP_TRACES, &w, &r), -1);
	/* Span.kind (enum) as fixed32 */
	w.len = 0;
	w_tag(&w, 6, 5);
	w_raw(&w, zeros, 4);
	CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
	/* Span.kind packed: a singular field may not be packed */
	w.len = 0;
	w_bytes(&w, 6, "\x01", 1);
	CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
	/* Span.start_time_unix_nano (fixed64) as varint */
	w.len = 0;
	w_uvarint(&w, 7, 1);
	CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
	/* Span.name as fixed64 */
	w.len = 0;
	w_fixed64(&w, 5, 1);
	CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
	/* Span.status (message) as varint */
	w.len = 0;
	w_uvarint(&w, 15, 0);
	CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
	/* control: the right wire types are fine */
	w.len = 0;
	w_uvarint(&w, 6, 2);
	w_fixed64(&w, 7, 5);
	w_bytes(&w, 15, "\x18\x02", 2); /* Status.code = 2 */
	CU_ASSERT_EQUAL(span_extra(&w, &r), 0);
	CU_ASSERT_EQUAL(r.n_items, 1);
	free(w.b);
}

/* A traces request whose Resource holds @p res_extra and one valid span. */
static int
resource_extra(const struct pbw *res_extra, struct og_otlp_ref_result *r)
{
	struct pbw res = { 0 }, rs = { 0 }, ss = { 0 }, span = { 0 }, req = { 0 };
	int rc;

	w_raw(&res, res_extra->b, res_extra->len);
	w_msg(&rs, 1, &res);
	span_with(&span, tid_ok, 16, sid_ok, 8, NULL, 0);
	w_msg(&ss, 2, &span);
	w_msg(&rs, 2, &ss);
	w_msg(&req, 1, &rs);
	rc = ref(OG_OTLP_TRACES, &req, r);
	free(req.b);
	return rc;
}

/* Fields of v1.11.0 outside the signals proper are known, so checked. */
static void
test_newer_fields(void)
{
	struct og_otlp_ref_result r;
	struct pbw w = { 0 }, er = { 0 }, kv = { 0 }, av = { 0 };

	/* Resource.entity_refs = 3 (EntityRef): a message */
	w_bytes(&er, 2, "service", 7);
	w_bytes(&er, 3, "service.name", 12);
	w_msg(&w, 3, &er);
	CU_ASSERT_EQUAL(resource_extra(&w, &r), 0);
	CU_ASSERT_EQUAL(r.n_items, 1);
	w.len = 0;
	w_uvarint(&w, 3, 1);
	CU_ASSERT_EQUAL(resource_extra(&w, &r), -1);
	/* EntityRef.id_keys = 3 is a repeated string: never a varint */
	w.len = 0;
	w_uvarint(&er, 3, 1);
	w_msg(&w, 3, &er);
	CU_ASSERT_EQUAL(resource_extra(&w, &r), -1);
	/* KeyValue.key_strindex = 3 and AnyValue.string_value_strindex = 8: varints */
	w.len = 0;
	w_uvarint(&av, 8, 4);
	w_uvarint(&kv, 3, 2);
	w_msg(&kv, 2, &av);
	w_msg(&w, 1, &kv);
	CU_ASSERT_EQUAL(resource_extra(&w, &r), 0);
	w.len = 0;
	w_bytes(&kv, 3, "k", 1);
	w_msg(&w, 1, &kv);
	CU_ASSERT_EQUAL(resource_extra(&w, &r), -1);
	w.len = 0;
	w_bytes(&av, 8, "s", 1);
	w_msg(&kv, 2, &av);
	w_msg(&w, 1, &kv);
	CU_ASSERT_EQUAL(resource_extra(&w, &r), -1);
	free(w.b);
}

static void
test_varints(void)
{
	struct og_otlp_ref_result r;
	struct pbw w = { 0 };
	uint8_t v10_ok[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	uint8_t v10_bad[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
	uint8_t v11[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
	uint8_t tag_long[] = { 0xb0, 0x80, 0x80, 0x80, 0x00 }; /* field 6 varint, padded */

	/* unknown varint field 99 with a 10-byte value: valid */
	w_tag(&w, 99, 0);
	w_raw(&w, v10_ok, sizeof(v10_ok));
	CU_ASSERT_EQUAL(span_extra(&w, &r), 0);
	/* the same as a known field (Span.kind) */
	w.len = 0;
	w_tag(&w, 6, 0);
	w_raw(&w, v10_ok, sizeof(v10_ok));
	CU_ASSERT_EQUAL(span_extra(&w, &r), 0);
	/* bits beyond 64 */
	w.len = 0;
	w_tag(&w, 99, 0);
	w_raw(&w, v10_bad, sizeof(v10_bad));
	CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
	/* 11 bytes, even though the value is 0 */
	w.len = 0;
	w_tag(&w, 99, 0);
	w_raw(&w, v11, sizeof(v11));
	CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
	w.len = 0;
	w_tag(&w, 6, 0);
	w_raw(&w, v11, sizeof(v11));
	CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
	/* a padded (non-minimal) tag is still a valid varint */
	w.len = 0;
	w_raw(&w, tag_long, sizeof(tag_long));
	w_varint(&w, 3);
	CU_ASSERT_EQUAL(span_extra(&w, &r), 0);
	/* a varint cut by the end of its message */
	w.len = 0;
	w_tag(&w, 6, 0);
	w_byte(&w, 0x80);
	CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
	free(w.b);
}

static void
test_length_past_parent(void)
{
	struct og_otlp_ref_result r;
	struct pbw w = { 0 }, span = { 0 }, req = { 0 };

	/* inside a Span: a name whose length runs past the Span (but not the body) */
	span_with(&span, tid_ok, 16, sid_ok, 8, NULL, 0);
	w_tag(&span, 5, 2);
	w_varint(&span, 4);
	traces_req(&req, &span, 1);
	CU_ASSERT_EQUAL(ref(OG_OTLP_TRACES, &req, &r), -1);
	/* truncation at the top level */
	w_bytes(&w, 1, "", 0);
	w_tag(&w, 1, 2);
	w_varint(&w, 10);
	w_raw(&w, "abc", 3);
	CU_ASSERT_EQUAL(ref(OG_OTLP_TRACES, &w, &r), -1);
	/* a fixed64 cut short */
	w.len = 0;
	w_tag(&w, 7, 1);
	w_raw(&w, zeros, 7);
	CU_ASSERT_EQUAL(span_extra(&w, &r), -1);
	free(w.b);
	free(req.b);
}

/* A metrics request with one histogram data point holding @p dp_extra. */
static int
histogram_with(const struct pbw *dp_extra, struct og_otlp_ref_result *r, bool exponential)
{
	struct pbw dp = { 0 }, h = { 0 }, m = { 0 }, sm = { 0 }, rm = { 0 }, req = { 0 };
	int rc;

	w_fixed64(&dp, 3, 42);
	w_raw(&dp, dp_extra->b, dp_extra->len);
	w_msg(&h, 1, &dp);
	w_bytes(&m, 1, "m", 1);
	w_msg(&m, exponential ? 10 : 9, &h);
	w_msg(&sm, 2, &m);
	w_msg(&rm, 2, &sm);
	w_msg(&req, 1, &rm);
	rc = ref(OG_OTLP_METRICS, &req, r);
	free(req.b);
	return rc;
}

static void
test_packed(void)
{
	struct og_otlp_ref_result r;
	struct pbw w = { 0 }, b = { 0 };

	/* bucket_counts (repeated fixed64) packed, 2 elements */
	w_bytes(&w, 6, zeros, 16);
	CU_ASSERT_EQUAL(histogram_with(&w, &r, false), 0);
	CU_ASSERT_EQUAL(r.n_items, 1);
	/* ... unpacked, 2 elements */
	w.len = 0;
	w_fixed64(&w, 6, 1);
	w_fixed64(&w, 6, 2);
	CU_ASSERT_EQUAL(histogram_with(&w, &r, false), 0);
	/* packed, empty */
	w.len = 0;
	w_bytes(&w, 6, zeros, 0);
	CU_ASSERT_EQUAL(histogram_with(&w, &r, false), 0);
	/* packed with 12 bytes */
	w.len = 0;
	w_bytes(&w, 6, zeros, 12);
	CU_ASSERT_EQUAL(histogram_with(&w, &r, false), -1);
	/* explicit_bounds (repeated double) packed with 7 bytes */
	w.len = 0;
	w_bytes(&w, 7, zeros, 7);
	CU_ASSERT_EQUAL(histogram_with(&w, &r, false), -1);
	/* explicit_bounds as a varint */
	w.len = 0;
	w_uvarint(&w, 7, 1);
	CU_ASSERT_EQUAL(histogram_with(&w, &r, false), -1);

	/* Buckets.bucket_counts (repeated uint64): packed varints */
	w.len = 0;
	w_bytes(&b, 2, "\x01\x81\x01\x7f", 4);
	w_msg(&w, 8, &b);
	CU_ASSERT_EQUAL(histogram_with(&w, &r, true), 0);
	CU_ASSERT_EQUAL(r.n_items, 1);
	/* ... unpacked */
	w.len = 0;
	w_uvarint(&b, 2, 300);
	w_uvarint(&b, 2, 1);
	w_msg(&w, 9, &b);
	CU_ASSERT_EQUAL(histogram_with(&w, &r, true), 0);
	/* a packed run whose last varint does not end */
	w.len = 0;
	w_bytes(&b, 2, "\x01\x81", 2);
	w_msg(&w, 8, &b);
	CU_ASSERT_EQUAL(histogram_with(&w, &r, true), -1);
	/* ... or as fixed64 */
	w.len = 0;
	w_fixed64(&b, 2, 1);
	w_msg(&w, 8, &b);
	CU_ASSERT_EQUAL(histogram_with(&w, &r, true), -1);
	free(w.b);
}

/*
 * A one-span request whose span has one attribute nested so that the
 * innermost message sits at depth @p depth (>= 5): Span is at 3, KeyValue
 * at 4, then AnyValue and ArrayValue alternate from 5.
 */
static int
nested(unsigned int depth, struct og_otlp_ref_result *r)
{
	struct pbw cur = { 0 }, next = { 0 }, span = { 0 }, req = { 0 }, kv = { 0 };
	int rc;

	for (unsigned int d = depth; d > 5; d--) {
		/* d odd: cur is an AnyValue, wrapped in an ArrayValue (values = 1);
		 * d even: cur is an ArrayValue, wrapped in an AnyValue (array_value = 5) */
		w_msg(&next, d % 2 ? 1 : 5, &cur);
		cur = next;
		memset(&next, 0, sizeof(next));
	}
	w_bytes(&kv, 1, "k", 1);
	w_msg(&kv, 2, &cur); /* depth 5: an AnyValue */
	span_with(&span, tid_ok, 16, sid_ok, 8, NULL, 0);
	w_msg(&span, 9, &kv);
	traces_req(&req, &span, 1);
	rc = ref(OG_OTLP_TRACES, &req, r);
	free(req.b);
	return rc;
}

static void
test_depth(void)
{
	struct og_otlp_ref_result r;

	CU_ASSERT_EQUAL(nested(5, &r), 0);
	CU_ASSERT_EQUAL(nested(31, &r), 0);
	CU_ASSERT_EQUAL(nested(OG_OTLP_MAX_DEPTH, &r), 0);
	CU_ASSERT_EQUAL(r.n_items, 1);
	CU_ASSERT_EQUAL(nested(OG_OTLP_MAX_DEPTH + 1, &r), -1);
	CU_ASSERT_EQUAL(nested(200, &r), -1);
}

static void
test_unknown_fields(void)
{
	struct og_otlp_ref_result r, base;
	struct pbw u = { 0 }, span = { 0 }, req = { 0 };

	w_uvarint(&u, 99, 7);
	w_fixed64(&u, 100, 7);
	w_bytes(&u, 101, "xyz", 3);
	w_tag(&u, 102, 5);
	w_raw(&u, zeros, 4);
	w_uvarint(&u, 0x1fffffff, 1); /* the largest field number */

	span_with(&span, tid_ok, 16, sid_ok, 8, NULL, 0);
	traces_req(&req, &span, 1);
	CU_ASSERT_EQUAL(ref(OG_OTLP_TRACES, &req, &base), 0);
	free(req.b);
	memset(&req, 0, sizeof(req));

	/* at the top level, in the Span and inside the ResourceSpans */
	span_with(&span, tid_ok, 16, sid_ok, 8, NULL, 0);
	w_raw(&span, u.b, u.len);
	w_raw(&req, u.b, u.len);
	traces_req(&req, &span, 1);
	w_raw(&req, u.b, u.len);
	CU_ASSERT_EQUAL(ref(OG_OTLP_TRACES, &req, &r), 0);
	CU_ASSERT_EQUAL(r.n_items, base.n_items);
	CU_ASSERT_EQUAL(r.n_resources, base.n_resources);
	CU_ASSERT_EQUAL(r.n_scopes, base.n_scopes);
	CU_ASSERT_EQUAL(r.id_digest, base.id_digest);
	free(req.b);
	free(u.b);
}

/* ---- items ---------------------------------------------------------------- */

static void
test_span_rejects(void)
{
	struct pbw spans[9] = { { 0 } }, req = { 0 };
	struct og_otlp_ref_result r;
	uint64_t h = OG_OTLP_REF_FNV_INIT;

	span_with(&spans[0], tid_ok, 16, sid_ok, 8, NULL, 0);	/* ok */
	span_with(&spans[1], NULL, 0, sid_ok, 8, NULL, 0);	/* TRACE_ID_LENGTH */
	span_with(&spans[2], long_id, 20, sid_ok, 8, NULL, 0);	/* TRACE_ID_LENGTH */
	span_with(&spans[3], zeros, 16, zeros, 3, NULL, 0);	/* TRACE_ID_ZERO */
	span_with(&spans[4], tid_ok, 16, sid_ok, 7, NULL, 0);	/* SPAN_ID_LENGTH */
	span_with(&spans[5], tid_ok, 16, zeros, 8, NULL, 0);	/* SPAN_ID_ZERO */
	span_with(&spans[6], tid_ok, 16, sid_ok, 8, sid_ok, 4); /* PARENT_SPAN_ID_LENGTH */
	span_with(&spans[7], tid_ok, 16, sid_ok, 8, sid_ok, 8); /* ok */
	span_with(&spans[8], zeros, 16, sid_ok, 8, NULL, 0);	/* last trace_id wins: */
	w_bytes(&spans[8], 1, tid_ok, 16);			/* ok */
	h = og_otlp_ref_fnv_ids(h, tid_ok, 16, sid_ok, 8, NULL, 0);
	h = og_otlp_ref_fnv_ids(h, NULL, 0, sid_ok, 8, NULL, 0);
	h = og_otlp_ref_fnv_ids(h, long_id, 20, sid_ok, 8, NULL, 0); /* clipped to 16 */
	h = og_otlp_ref_fnv_ids(h, zeros, 16, zeros, 3, NULL, 0);
	h = og_otlp_ref_fnv_ids(h, tid_ok, 16, sid_ok, 7, NULL, 0);
	h = og_otlp_ref_fnv_ids(h, tid_ok, 16, zeros, 8, NULL, 0);
	h = og_otlp_ref_fnv_ids(h, tid_ok, 16, sid_ok, 8, sid_ok, 4);
	h = og_otlp_ref_fnv_ids(h, tid_ok, 16, sid_ok, 8, sid_ok, 8);
	h = og_otlp_ref_fnv_ids(h, tid_ok, 16, sid_ok, 8, NULL, 0);
	traces_req(&req, spans, 9);

	CU_ASSERT_EQUAL(ref(OG_OTLP_TRACES, &req, &r), 0);
	CU_ASSERT_EQUAL(r.n_items, 9);
	CU_ASSERT_EQUAL(r.n_rejected, 6);
	CU_ASSERT_EQUAL(r.by_reason[OG_OTLP_REJECT_TRACE_ID_LENGTH], 2);
	CU_ASSERT_EQUAL(r.by_reason[OG_OTLP_REJECT_TRACE_ID_ZERO], 1);
	CU_ASSERT_EQUAL(r.by_reason[OG_OTLP_REJECT_SPAN_ID_LENGTH], 1);
	CU_ASSERT_EQUAL(r.by_reason[OG_OTLP_REJECT_SPAN_ID_ZERO], 1);
	CU_ASSERT_EQUAL(r.by_reason[OG_OTLP_REJECT_PARENT_SPAN_ID_LENGTH], 1);
	CU_ASSERT_EQUAL(r.by_reason[OG_OTLP_REJECT_LOG_TRACE_ID_LENGTH], 0);
	CU_ASSERT_EQUAL(r.id_digest, h);
	free(req.b);
}

static void
test_log_rejects(void)
{
	static const struct {
		const uint8_t *t;
		size_t tl;
		const uint8_t *s;
		size_t sl;
	} logs[] = {
		{ NULL, 0, NULL, 0 },	    /* ok: ids are optional */
		{ tid_ok, 16, sid_ok, 8 },  /* ok */
		{ tid_ok, 15, NULL, 0 },    /* LOG_TRACE_ID_LENGTH */
		{ long_id, 20, zeros, 8 },  /* LOG_TRACE_ID_LENGTH (first check wins) */
		{ zeros, 16, sid_ok, 8 },   /* LOG_TRACE_ID_ZERO */
		{ tid_ok, 16, long_id, 9 }, /* LOG_SPAN_ID_LENGTH */
		{ NULL, 0, zeros, 8 },	    /* LOG_SPAN_ID_ZERO */
		{ zeros, 0, zeros, 0 },	    /* ok: present but empty */
	};
	struct pbw sl = { 0 }, rl = { 0 }, req = { 0 };
	struct og_otlp_ref_result r;
	uint64_t h = OG_OTLP_REF_FNV_INIT;

	for (size_t i = 0; i < OG_ARRAY_SIZE(logs); i++) {
		struct pbw lr = { 0 }, body = { 0 };

		w_fixed64(&lr, 1, 5);
		w_bytes(&body, 1, "hello", 5);
		w_msg(&lr, 5, &body);
		if (logs[i].t)
			w_bytes(&lr, 9, logs[i].t, logs[i].tl);
		if (logs[i].s)
			w_bytes(&lr, 10, logs[i].s, logs[i].sl);
		w_bytes(&lr, 12, "event", 5);
		w_msg(&sl, 2, &lr);
		h = og_otlp_ref_fnv_ids(h, logs[i].t, logs[i].tl, logs[i].s, logs[i].sl, NULL, 0);
	}
	w_msg(&rl, 2, &sl);
	w_msg(&req, 1, &rl);
	CU_ASSERT_EQUAL(ref(OG_OTLP_LOGS, &req, &r), 0);
	CU_ASSERT_EQUAL(r.n_resources, 1);
	CU_ASSERT_EQUAL(r.n_scopes, 1);
	CU_ASSERT_EQUAL(r.n_items, OG_ARRAY_SIZE(logs));
	CU_ASSERT_EQUAL(r.n_rejected, 5);
	CU_ASSERT_EQUAL(r.by_reason[OG_OTLP_REJECT_LOG_TRACE_ID_LENGTH], 2);
	CU_ASSERT_EQUAL(r.by_reason[OG_OTLP_REJECT_LOG_TRACE_ID_ZERO], 1);
	CU_ASSERT_EQUAL(r.by_reason[OG_OTLP_REJECT_LOG_SPAN_ID_LENGTH], 1);
	CU_ASSERT_EQUAL(r.by_reason[OG_OTLP_REJECT_LOG_SPAN_ID_ZERO], 1);
	CU_ASSERT_EQUAL(r.by_reason[OG_OTLP_REJECT_TRACE_ID_LENGTH], 0);
	CU_ASSERT_EQUAL(r.id_digest, h);
	free(req.b);
}

static void
test_metric_kinds(void)
{
	struct pbw sm = { 0 }, rm = { 0 }, req = { 0 };
	struct og_otlp_ref_result r;
	/* Metric.data field numbers: gauge 5, sum 7, histogram 9, exp 10, summary 11 */
	static const uint32_t kinds[] = { 5, 7, 9, 10, 11 };

	for (size_t k = 0; k < OG_ARRAY_SIZE(kinds); k++) {
		struct pbw m = { 0 }, data = { 0 };

		for (size_t i = 0; i <= k; i++) { /* k + 1 points of kind k */
			struct pbw dp = { 0 };

			w_fixed64(&dp, 3, 1);
			w_msg(&data, 1, &dp);
		}
		w_bytes(&m, 1, "metric", 6);
		w_msg(&m, kinds[k], &data);
		w_msg(&sm, 2, &m);
	}
	w_msg(&rm, 2, &sm);
	w_bytes(&sm, 3, "schema", 6); /* a second, empty ScopeMetrics */
	w_msg(&rm, 2, &sm);
	w_msg(&req, 1, &rm);
	w_bytes(&req, 1, "", 0); /* an empty ResourceMetrics */
	CU_ASSERT_EQUAL(ref(OG_OTLP_METRICS, &req, &r), 0);
	CU_ASSERT_EQUAL(r.n_resources, 2);
	CU_ASSERT_EQUAL(r.n_scopes, 2);
	CU_ASSERT_EQUAL(r.n_items, 1 + 2 + 3 + 4 + 5);
	CU_ASSERT_EQUAL(r.n_rejected, 0);
	CU_ASSERT_EQUAL(r.id_digest, OG_OTLP_REF_FNV_INIT);
	free(req.b);
}

static void
test_fnv(void)
{
	/* FNV-1a 64 test vectors (draft-eastlake-fnv, section 8.2 / reference code) */
	CU_ASSERT_EQUAL(og_otlp_ref_fnv(OG_OTLP_REF_FNV_INIT, "", 0), 0xcbf29ce484222325ULL);
	CU_ASSERT_EQUAL(og_otlp_ref_fnv(OG_OTLP_REF_FNV_INIT, "a", 1), 0xaf63dc4c8601ec8cULL);
	CU_ASSERT_EQUAL(og_otlp_ref_fnv(OG_OTLP_REF_FNV_INIT, "foobar", 6), 0x85944171f73967e8ULL);
	CU_ASSERT_EQUAL(og_otlp_ref_fnv_ids(OG_OTLP_REF_FNV_INIT, (const uint8_t *)"foo", 3,
					    (const uint8_t *)"ba", 2, (const uint8_t *)"r", 1),
			0x85944171f73967e8ULL);
}

/* ---- agreement with the scanner ------------------------------------------ */

/*
 * Scanner-side id digest. The span/log views (view.c) are not there yet, so
 * this walks request > resource entry (1) > Scope* entry (2) > item (2) by
 * hand over a body both decoders accepted, and feeds the ids to
 * og_otlp_ref_fnv_ids() as a view would hold them.
 */
struct fld {
	uint64_t num;
	unsigned int wt;
	const uint8_t *v;
	size_t len;
};

static bool
rd_var(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (unsigned int i = 0; i < 10 && *p < end; i++) {
		uint8_t c = *(*p)++;

		*v |= (uint64_t)(c & 0x7f) << (7 * i);
		if (!(c & 0x80))
			return true;
	}
	return false;
}

/* Next field of a well-formed message; false at its end. */
static bool
next_fld(const uint8_t **p, const uint8_t *end, struct fld *f)
{
	uint64_t tag, v;

	if (*p >= end || !rd_var(p, end, &tag))
		return false;
	f->num = tag >> 3;
	f->wt = (unsigned int)(tag & 7);
	f->v = *p;
	switch (f->wt) {
	case 0:
		rd_var(p, end, &v);
		break;
	case 1:
		*p += 8;
		break;
	case 5:
		*p += 4;
		break;
	default:
		rd_var(p, end, &v);
		f->v = *p;
		*p += v;
		break;
	}
	f->len = (size_t)(*p - f->v);
	return true;
}

static uint64_t
walk_digest(enum og_otlp_signal sig, const uint8_t *b, size_t len)
{
	uint64_t h = OG_OTLP_REF_FNV_INIT;
	const uint8_t *p = b;
	struct fld r, s, it, f;

	while (next_fld(&p, b + len, &r)) {
		const uint8_t *rp = r.v;

		if (r.num != 1 || r.wt != 2)
			continue;
		while (next_fld(&rp, r.v + r.len, &s)) {
			const uint8_t *sp = s.v;

			if (s.num != 2 || s.wt != 2)
				continue;
			while (next_fld(&sp, s.v + s.len, &it)) {
				const uint8_t *ip = it.v;
				struct fld id[3] = { { 0 } };

				if (it.num != 2 || it.wt != 2 || sig == OG_OTLP_METRICS)
					continue;
				while (next_fld(&ip, it.v + it.len, &f)) {
					if (f.wt != 2)
						continue;
					if (sig == OG_OTLP_TRACES && (f.num == 1 || f.num == 2))
						id[f.num - 1] = f;
					else if (sig == OG_OTLP_TRACES && f.num == 4)
						id[2] = f;
					else if (sig == OG_OTLP_LOGS && (f.num == 9 || f.num == 10))
						id[f.num - 9] = f;
				}
				h = og_otlp_ref_fnv_ids(h, id[0].v, id[0].len, id[1].v, id[1].len,
							id[2].v, id[2].len);
			}
		}
	}
	return h;
}

static struct og_otlp_resource agree_res[8192];
static unsigned int n_disagree;

/* Scan @p b in @p seg_len segments and compare with the reference. */
static void
agree(enum og_otlp_signal sig, const uint8_t *b, size_t len, size_t seg_len, const char *what,
      size_t at)
{
	struct og_otlp_ref_result r;
	struct og_otlp_scan sc;
	struct og_seg one = { b, (uint32_t)len }, *segs = &one;
	uint32_t nseg = len ? 1 : 0;
	int rrc, src;
	bool same;

	if (seg_len && len)
		segs = og_test_split(b, len, seg_len, &nseg);
	memset(&sc, 0, sizeof(sc));
	sc.signal = sig;
	sc.res = agree_res;
	sc.res_cap = OG_ARRAY_SIZE(agree_res);
	rrc = og_otlp_ref_decode(sig, b, len, &r);
	src = og_otlp_scan(segs, nseg, &sc);
	same = (rrc == 0) == (src == OG_OK);
	if (same && rrc == 0) {
		same = r.n_resources == sc.n_resources && r.n_scopes == sc.n_scopes &&
		       r.n_items == sc.n_items && r.n_rejected == sc.n_rejected &&
		       memcmp(r.by_reason, sc.by_reason, sizeof(r.by_reason)) == 0 &&
		       r.id_digest == walk_digest(sig, b, len);
	}
	if (!same && n_disagree++ < 20)
		fprintf(stderr,
			"\n  disagree: %s at %zu (%zu bytes): ref %d (%s) res %u scopes %u items "
			"%llu rej %llu; scan %d (%s at %llu) res %u scopes %u items %llu rej %llu",
			what, at, len, rrc, r.errmsg ? r.errmsg : "ok", r.n_resources, r.n_scopes,
			(unsigned long long)r.n_items, (unsigned long long)r.n_rejected, src,
			og_otlp_err_name(sc.err.code), (unsigned long long)sc.err.offset,
			sc.n_resources, sc.n_scopes, (unsigned long long)sc.n_items,
			(unsigned long long)sc.n_rejected);
	CU_ASSERT(same);
	if (segs != &one)
		free(segs);
}

/* xorshift64*: a fixed sequence, so a failure reproduces */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void
test_agree_samples(void)
{
	struct sample s[32];
	size_t n = load_manifest(s, OG_ARRAY_SIZE(s));

	for (size_t i = 0; i < n; i++) {
		char rel[160];
		size_t len;
		uint8_t *buf;

		snprintf(rel, sizeof(rel), "samples/%s", s[i].file);
		buf = og_test_read_file(rel, &len);
		agree(s[i].sig, buf, len, 0, s[i].name, 0);
		agree(s[i].sig, buf, len, 1448, s[i].name, 1448);
		free(buf);
	}
}

static void
test_agree_truncations(void)
{
	struct sample s[32];
	size_t n = load_manifest(s, OG_ARRAY_SIZE(s));

	for (size_t i = 0; i < n; i++) {
		char rel[160];
		size_t len;
		uint8_t *buf;

		snprintf(rel, sizeof(rel), "samples/%s", s[i].file);
		buf = og_test_read_file(rel, &len);
		/*
		 * The small samples (up to ~20 KB: traces-1, traces-64, logs-*,
		 * metrics-4x3): every cut in the first and last 2 KB, where the
		 * framing of every level is, and every 7th byte in between (the
		 * run time must stay within the sanitizer build's test timeout).
		 */
		for (size_t cut = 0; len <= 24 * 1024 && cut < len; cut++)
			if (cut < 2048 || len - cut <= 2048 || cut % 7 == 0)
				agree(s[i].sig, buf, cut, 0, s[i].name, cut);
		free(buf);
	}
}

static void
test_agree_flips(void)
{
	struct sample s[32];
	size_t n = load_manifest(s, OG_ARRAY_SIZE(s));
	uint64_t seed = 0x6f746c7067617465ULL; /* fixed */

	for (size_t i = 0; i < n; i++) {
		char rel[160];
		size_t len;
		uint8_t *buf;
		unsigned int rounds;

		snprintf(rel, sizeof(rel), "samples/%s", s[i].file);
		buf = og_test_read_file(rel, &len);
		rounds = len < 40000 ? 1000 : len < 200000 ? 150 : 0;
		for (unsigned int k = 0; k < rounds; k++) {
			size_t off = rnd(&seed) % len;
			uint8_t old = buf[off], v = (uint8_t)rnd(&seed);
			size_t off2 = rnd(&seed) % len;
			uint8_t old2 = buf[off2];

			/* one byte set to a random value (never itself), sometimes two */
			buf[off] = v == old ? (uint8_t)~old : v;
			if (k % 4 == 3)
				buf[off2] ^= (uint8_t)(1u << (rnd(&seed) % 8));
			agree(s[i].sig, buf, len, k % 8 == 0 ? 97 : 0, s[i].name, off);
			buf[off2] = old2;
			buf[off] = old;
		}
		free(buf);
	}
}

static CU_TestInfo ref_tests[] = {
	{ "samples decode to the manifest counts", test_samples },
	{ "empty body and bad signal", test_empty_and_signal },
	{ "field number 0 is invalid", test_field_zero },
	{ "wire types 3, 4, 6, 7 are invalid", test_bad_wire_types },
	{ "known field with a wrong wire type is invalid", test_wrong_wire_type },
	{ "EntityRef and string-table index fields are checked", test_newer_fields },
	{ "varint length and overflow", test_varints },
	{ "length past parent and truncation", test_length_past_parent },
	{ "packed and unpacked repeated numerics", test_packed },
	{ "nesting depth limit", test_depth },
	{ "unknown fields are skipped", test_unknown_fields },
	{ "span reject reasons and id digest", test_span_rejects },
	{ "log record reject reasons and id digest", test_log_rejects },
	{ "all five data point kinds are items", test_metric_kinds },
	{ "FNV-1a digest", test_fnv },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo agree_tests[] = {
	{ "samples, one segment and 1448-byte segments", test_agree_samples },
	{ "every truncation of the small samples", test_agree_truncations },
	{ "random byte changes (fixed seed)", test_agree_flips },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "otlp_ref", NULL, NULL, NULL, NULL, ref_tests },
	{ "otlp_ref_vs_scan", NULL, NULL, NULL, NULL, agree_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}

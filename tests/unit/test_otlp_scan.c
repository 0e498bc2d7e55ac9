/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The zero-copy scanner (scan.c), the pieces API and the views (view.c):
 * sample bodies under every segmentation, truncation, one hand-built body per
 * error code, reject reasons, pieces re-scanned, span and attribute views.
 */
#include <errno.h>
#include <string.h>

#include "og_otlp.h"
#include "og_test.h"

/* ---- a tiny protobuf writer ------------------------------------------- */

static void
pb_varint(struct og_wbuf *w, uint64_t v)
{
	while (v >= 0x80) {
		og_wbuf_putc(w, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	og_wbuf_putc(w, (uint8_t)v);
}

static void
pb_tag(struct og_wbuf *w, uint32_t fn, uint32_t wt)
{
	pb_varint(w, ((uint64_t)fn << 3) | wt);
}

static void
pb_uint(struct og_wbuf *w, uint32_t fn, uint64_t v)
{
	pb_tag(w, fn, 0);
	pb_varint(w, v);
}

static void
pb_fixed64(struct og_wbuf *w, uint32_t fn, uint64_t v)
{
	pb_tag(w, fn, 1);
	for (int i = 0; i < 8; i++)
		og_wbuf_putc(w, (uint8_t)(v >> (8 * i)));
}

static void
pb_fixed32(struct og_wbuf *w, uint32_t fn, uint32_t v)
{
	pb_tag(w, fn, 5);
	for (int i = 0; i < 4; i++)
		og_wbuf_putc(w, (uint8_t)(v >> (8 * i)));
}

static void
pb_bytes(struct og_wbuf *w, uint32_t fn, const void *p, size_t n)
{
	pb_tag(w, fn, 2);
	pb_varint(w, n);
	og_wbuf_put(w, p, n);
}

static void
pb_str(struct og_wbuf *w, uint32_t fn, const char *s)
{
	pb_bytes(w, fn, s, strlen(s));
}

/* Append @p child as message field @p fn and free it. */
static void
pb_msg(struct og_wbuf *w, uint32_t fn, struct og_wbuf *child)
{
	pb_bytes(w, fn, child->data, child->len);
	og_wbuf_free(child);
}

static struct og_wbuf
pb_new(void)
{
	struct og_wbuf w;

	og_wbuf_init_growable(&w);
	return w;
}

/* A KeyValue with a string value. */
static void
pb_attr_str(struct og_wbuf *w, uint32_t fn, const char *k, const char *v)
{
	struct og_wbuf kv = pb_new(), av = pb_new();

	pb_str(&av, 1, v);
	pb_str(&kv, 1, k);
	pb_msg(&kv, 2, &av);
	pb_msg(w, fn, &kv);
}

static const uint8_t TID[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t SID[8] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };
static const uint8_t ZERO[16];

/* A span with the given ids (NULL: absent), a name and one attribute. */
static void
pb_span(struct og_wbuf *w, const uint8_t *tid, size_t tl, const uint8_t *sid, size_t sl,
	const uint8_t *pid, size_t pl, const char *name)
{
	struct og_wbuf s = pb_new();

	if (tid)
		pb_bytes(&s, 1, tid, tl);
	if (sid)
		pb_bytes(&s, 2, sid, sl);
	if (pid)
		pb_bytes(&s, 4, pid, pl);
	pb_str(&s, 5, name);
	pb_uint(&s, 6, 2);
	pb_fixed64(&s, 7, 1000);
	pb_fixed64(&s, 8, 2000);
	pb_attr_str(&s, 9, "k", "v");
	pb_msg(w, 2, &s);
}

static void
pb_good_span(struct og_wbuf *w, const char *name)
{
	pb_span(w, TID, 16, SID, 8, NULL, 0, name);
}

/* Wrap spans (already framed as ScopeSpans.spans) into a whole request. */
static struct og_wbuf
pb_wrap_trace(struct og_wbuf *spans)
{
	struct og_wbuf ss = pb_new(), rs = pb_new(), req = pb_new(), res = pb_new(), sc = pb_new();

	pb_attr_str(&res, 1, "service.name", "t");
	pb_msg(&rs, 1, &res);
	pb_str(&sc, 1, "scope");
	pb_msg(&ss, 1, &sc);
	og_wbuf_put(&ss, spans->data, spans->len);
	og_wbuf_free(spans);
	pb_msg(&rs, 2, &ss);
	pb_msg(&req, 1, &rs);
	return req;
}

/* ---- scanning helpers ----------------------------------------------- */

#define RES_CAP 64
#define REJ_CAP 256

static struct og_otlp_resource g_res[RES_CAP];
static struct og_otlp_rejected_item g_rej[REJ_CAP];

static int
scan_segs(const struct og_seg *segs, uint32_t nseg, enum og_otlp_signal sig, struct og_otlp_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->signal = sig;
	s->res = g_res;
	s->res_cap = RES_CAP;
	s->rej = g_rej;
	s->rej_cap = REJ_CAP;
	return og_otlp_scan(segs, nseg, s);
}

/* Scan @p buf cut into segments of @p seg_len bytes (0: one segment). */
static int
scan_buf(const uint8_t *buf, size_t len, size_t seg_len, enum og_otlp_signal sig,
	 struct og_otlp_scan *s)
{
	struct og_seg one = { buf, (uint32_t)len };
	struct og_seg *segs;
	uint32_t nseg;
	int rc;

	if (seg_len == 0 || len == 0)
		return scan_segs(&one, 1, sig, s);
	segs = og_test_split(buf, len, seg_len, &nseg);
	rc = scan_segs(segs, nseg, sig, s);
	free(segs);
	return rc;
}

static int
scan_split2(const uint8_t *buf, size_t len, size_t cut, enum og_otlp_signal sig,
	    struct og_otlp_scan *s)
{
	struct og_seg segs[2] = { { buf, (uint32_t)cut }, { buf + cut, (uint32_t)(len - cut) } };

	return scan_segs(segs, 2, sig, s);
}

/* Scan a hand-built body as one segment and, for extra cover, as 1-byte
 * segments; both must agree on the result code, the error and the counts. */
static int
scan_w(const struct og_wbuf *w, enum og_otlp_signal sig, struct og_otlp_scan *s)
{
	struct og_otlp_scan s1;
	int rc1 = scan_buf(w->data, w->len, 1, sig, &s1);
	int rc = scan_buf(w->data, w->len, 0, sig, s);

	CU_ASSERT_EQUAL(rc, rc1);
	CU_ASSERT_EQUAL(s->err.code, s1.err.code);
	CU_ASSERT_EQUAL(s->err.offset, s1.err.offset);
	CU_ASSERT_EQUAL(s->n_items, s1.n_items);
	CU_ASSERT_EQUAL(s->n_rejected, s1.n_rejected);
	return rc;
}

/* ---- samples ---------------------------------------------------------- */

struct sample {
	char name[64];
	enum og_otlp_signal sig;
	uint32_t resources;
	uint64_t items;
	uint8_t *buf;
	size_t len;
};

static struct sample samples[32];
static unsigned int n_samples;

static const char *
json_after(const char *p, const char *end, const char *key)
{
	const char *q = strstr(p, key);

	return (q != NULL && q < end) ? q + strlen(key) : NULL;
}

/* Read MANIFEST.json: a list of flat objects with name, signal and counts. */
static int
load_manifest(void)
{
	size_t len;
	char *m = (char *)og_test_read_file("samples/MANIFEST.json", &len);
	const char *p = m;

	m[len] = 0;
	while ((p = strstr(p, "\"name\"")) != NULL && n_samples < OG_ARRAY_SIZE(samples)) {
		struct sample *s = &samples[n_samples];
		const char *end = strstr(p + 1, "\"name\"");
		const char *q;
		char path[128];

		if (end == NULL)
			end = m + len;
		q = json_after(p, end, "\"name\": \"");
		if (q == NULL)
			break;
		snprintf(s->name, sizeof(s->name), "%.*s", (int)(strchr(q, '"') - q), q);
		q = json_after(p, end, "\"signal\": \"");
		s->sig = strncmp(q, "traces", 6) == 0	 ? OG_OTLP_TRACES
			 : strncmp(q, "metrics", 7) == 0 ? OG_OTLP_METRICS
							 : OG_OTLP_LOGS;
		s->resources = (uint32_t)strtoul(json_after(p, end, "\"resources\": "), NULL, 10);
		q = json_after(p, end, "\"spans\": ");
		if (q == NULL)
			q = json_after(p, end, "\"data_points\": ");
		if (q == NULL)
			q = json_after(p, end, "\"log_records\": ");
		s->items = strtoull(q, NULL, 10);
		snprintf(path, sizeof(path), "samples/%s.pb", s->name);
		s->buf = og_test_read_file(path, &s->len);
		n_samples++;
		p = end;
	}
	free(m);
	return n_samples >= 10 ? 0 : -1;
}

static int
suite_init(void)
{
	return load_manifest();
}

static int
suite_clean(void)
{
	for (unsigned int i = 0; i < n_samples; i++)
		free(samples[i].buf);
	return 0;
}

static struct sample *
sample(const char *name)
{
	for (unsigned int i = 0; i < n_samples; i++)
		if (strcmp(samples[i].name, name) == 0)
			return &samples[i];
	CU_FAIL_FATAL("no such sample");
	return NULL;
}

static void
check_same(const struct og_otlp_scan *a, const struct og_otlp_scan *ref,
	   const struct og_otlp_resource *ref_res)
{
	CU_ASSERT_EQUAL(a->n_resources, ref->n_resources);
	CU_ASSERT_EQUAL(a->n_scopes, ref->n_scopes);
	CU_ASSERT_EQUAL(a->n_items, ref->n_items);
	CU_ASSERT_EQUAL(a->n_rejected, ref->n_rejected);
	CU_ASSERT(memcmp(a->res, ref_res, sizeof(*ref_res) * ref->n_resources) == 0);
}

static void
test_samples_counts(void)
{
	static const size_t seglens[] = { 0, 1448, 1, 7, 4096 };

	CU_ASSERT_EQUAL(n_samples, 10);
	for (unsigned int i = 0; i < n_samples; i++) {
		struct sample *sm = &samples[i];
		struct og_otlp_resource ref_res[RES_CAP];
		struct og_otlp_scan ref, s;

		CU_ASSERT_EQUAL_FATAL(scan_buf(sm->buf, sm->len, 0, sm->sig, &ref), OG_OK);
		CU_ASSERT_EQUAL(ref.n_resources, sm->resources);
		CU_ASSERT_EQUAL(ref.n_items, sm->items);
		CU_ASSERT_EQUAL(ref.n_rejected, 0);
		CU_ASSERT(ref.n_scopes >= ref.n_resources);
		/* resource entries tile the body */
		CU_ASSERT_EQUAL(g_res[0].hdr.off, 0);
		CU_ASSERT_EQUAL(g_res[ref.n_resources - 1].hdr.off +
					g_res[ref.n_resources - 1].hdr.len,
				sm->len);
		{
			uint64_t sum = 0;

			for (uint32_t r = 0; r < ref.n_resources; r++)
				sum += g_res[r].n_items;
			CU_ASSERT_EQUAL(sum, sm->items);
		}
		memcpy(ref_res, g_res, sizeof(ref_res));
		for (unsigned int k = 1; k < OG_ARRAY_SIZE(seglens); k++) {
			CU_ASSERT_EQUAL(scan_buf(sm->buf, sm->len, seglens[k], sm->sig, &s), OG_OK);
			check_same(&s, &ref, ref_res);
		}
	}
}

/* Split into two segments at every offset (every sample up to 40 KB; a
 * stride for the larger ones). */
static void
test_samples_split2(void)
{
	for (unsigned int i = 0; i < n_samples; i++) {
		struct sample *sm = &samples[i];
		struct og_otlp_resource ref_res[RES_CAP];
		struct og_otlp_scan ref, s;
		size_t step = sm->len <= 40000 ? 1 : 997;
		unsigned int bad = 0;

		CU_ASSERT_EQUAL_FATAL(scan_buf(sm->buf, sm->len, 0, sm->sig, &ref), OG_OK);
		memcpy(ref_res, g_res, sizeof(ref_res));
		for (size_t cut = 0; cut <= sm->len; cut += step) {
			if (scan_split2(sm->buf, sm->len, cut, sm->sig, &s) != OG_OK ||
			    s.n_items != ref.n_items || s.n_scopes != ref.n_scopes ||
			    memcmp(g_res, ref_res, sizeof(*g_res) * ref.n_resources) != 0)
				bad++;
		}
		CU_ASSERT_EQUAL(bad, 0);
	}
}

/* Cut at every byte: only cuts at top-level entry boundaries are valid
 * (shorter) requests; everything else is TRUNCATED at the entry's tag. */
static void
test_truncation(void)
{
	static const char *const names[] = { "traces-1", "traces-64", "logs-100", "metrics-4x3",
					     "traces-multi-resource" };

	for (unsigned int i = 0; i < OG_ARRAY_SIZE(names); i++) {
		struct sample *sm = sample(names[i]);
		struct og_otlp_resource ref_res[RES_CAP];
		struct og_otlp_scan ref, s;
		unsigned int bad = 0;

		CU_ASSERT_EQUAL_FATAL(scan_buf(sm->buf, sm->len, 0, sm->sig, &ref), OG_OK);
		memcpy(ref_res, g_res, sizeof(ref_res));
		for (size_t cut = 0; cut < sm->len; cut++) {
			uint32_t r = 0;
			int rc;

			while (r < ref.n_resources &&
			       ref_res[r].hdr.off + ref_res[r].hdr.len <= cut)
				r++;
			/* r: the entry the cut falls in (or starts at) */
			rc = scan_buf(sm->buf, cut, cut % 3 == 0 ? 0 : 1 + cut % 50, sm->sig, &s);
			if (ref_res[r].hdr.off == cut) {
				if (rc != OG_OK || s.n_resources != r)
					bad++;
			} else if (rc != -OG_OTLP_ERR_TRUNCATED ||
				   s.err.code != OG_OTLP_ERR_TRUNCATED ||
				   s.err.offset != ref_res[r].hdr.off) {
				bad++;
			}
		}
		CU_ASSERT_EQUAL(bad, 0);
	}
}

/* ---- malformed bodies: one per error code ---------------------------- */

static void
expect_err(const struct og_wbuf *w, enum og_otlp_signal sig, enum og_otlp_err code, uint64_t off)
{
	struct og_otlp_scan s;
	int rc = scan_w(w, sig, &s);

	CU_ASSERT_EQUAL(rc, -(int)code);
	CU_ASSERT_EQUAL(s.err.code, code);
	CU_ASSERT_EQUAL(s.err.offset, off);
	if (rc != -(int)code || s.err.offset != off)
		fprintf(stderr, "\n  expected %s@%llu got rc %d %s@%llu\n", og_otlp_err_name(code),
			(unsigned long long)off, rc, og_otlp_err_name(s.err.code),
			(unsigned long long)s.err.offset);
}

/* A request whose only span is @p span_body (raw bytes of a Span value);
 * *span_at receives the offset of the span value in the body. */
static struct og_wbuf
trace_with_span_bytes(const uint8_t *span_body, size_t n, size_t *span_at)
{
	struct og_wbuf spans = pb_new(), req;

	pb_bytes(&spans, 2, span_body, n);
	req = pb_wrap_trace(&spans);
	*span_at = req.len - n;
	return req;
}

static void
test_err_varints(void)
{
	struct og_wbuf w = pb_new();
	/* 10-byte tag with the 10th byte = 1: bits beyond 64 -> too long */
	static const uint8_t ten_bad[] = { 0x88, 0x80, 0x80, 0x80, 0x80,
					   0x80, 0x80, 0x80, 0x80, 0x02 };
	static const uint8_t eleven[] = { 0x38, 0x80, 0x80, 0x80, 0x80, 0x80,
					  0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
	/* field 7 (unknown at the top level) wire type 0, overlong but within 10 bytes */
	static const uint8_t padded_ok[] = { 0x38, 0x80, 0x80, 0x80, 0x80,
					     0x80, 0x80, 0x80, 0x80, 0x01 };
	size_t at;
	uint8_t span[64];
	struct og_otlp_scan s;

	og_wbuf_put(&w, ten_bad, sizeof(ten_bad));
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_VARINT_TOO_LONG, 0);
	w.len = 0;
	/* a value varint of 11 bytes, after a valid tag */
	og_wbuf_put(&w, eleven, sizeof(eleven));
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_VARINT_TOO_LONG, 1);
	w.len = 0;
	og_wbuf_put(&w, padded_ok, sizeof(padded_ok));
	CU_ASSERT_EQUAL(scan_w(&w, OG_OTLP_TRACES, &s), OG_OK);
	/* the largest 10-byte varint (2^64 - 1) is fine */
	w.len = 0;
	pb_uint(&w, 7, UINT64_MAX);
	CU_ASSERT_EQUAL(w.len, 11);
	CU_ASSERT_EQUAL(scan_w(&w, OG_OTLP_TRACES, &s), OG_OK);
	og_wbuf_free(&w);

	/* inside a span: an 11-byte kind varint */
	memcpy(span, "\x30\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11);
	w = trace_with_span_bytes(span, 11, &at);
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_VARINT_TOO_LONG, at + 1);
	og_wbuf_free(&w);
	/* a varint cut by the end of its message -> TRUNCATED at the field */
	memcpy(span, "\x30\xff", 2);
	w = trace_with_span_bytes(span, 2, &at);
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_TRUNCATED, at);
	og_wbuf_free(&w);
	/* a tag cut by the end of its message */
	memcpy(span, "\x80", 1);
	w = trace_with_span_bytes(span, 1, &at);
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_TRUNCATED, at);
	og_wbuf_free(&w);
	/* a fixed64 cut by the end of its message */
	memcpy(span, "\x39\1\2\3\4\5\6\7", 8);
	w = trace_with_span_bytes(span, 8, &at);
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_TRUNCATED, at);
	og_wbuf_free(&w);
	/* a fixed32 cut by the end of its message */
	memcpy(span, "\x85\x01\1\2\3", 5);
	w = trace_with_span_bytes(span, 5, &at);
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_TRUNCATED, at);
	og_wbuf_free(&w);
}

static void
test_err_wire_types(void)
{
	static const uint8_t wts[] = { 3, 4, 6, 7 };
	struct og_wbuf w;
	size_t at;
	uint8_t span[8];

	for (unsigned int i = 0; i < OG_ARRAY_SIZE(wts); i++) {
		/* at the top level, on a known and on an unknown field */
		w = pb_new();
		pb_tag(&w, 1, wts[i]);
		expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_BAD_WIRE_TYPE, 0);
		w.len = 0;
		pb_uint(&w, 9, 1);
		pb_tag(&w, 9, wts[i]);
		expect_err(&w, OG_OTLP_METRICS, OG_OTLP_ERR_BAD_WIRE_TYPE, 2);
		og_wbuf_free(&w);
		/* inside a span */
		span[0] = (uint8_t)(5 << 3 | wts[i]);
		w = trace_with_span_bytes(span, 1, &at);
		expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_BAD_WIRE_TYPE, at);
		og_wbuf_free(&w);
	}
	/* field number 0 (any wire type), also before a bad wire type */
	w = pb_new();
	pb_uint(&w, 0, 5);
	expect_err(&w, OG_OTLP_LOGS, OG_OTLP_ERR_BAD_FIELD_NUMBER, 0);
	w.len = 0;
	pb_tag(&w, 0, 3);
	expect_err(&w, OG_OTLP_LOGS, OG_OTLP_ERR_BAD_FIELD_NUMBER, 0);
	w.len = 0;
	/* a tag over 32 bits: field number beyond 2^29 - 1 */
	pb_varint(&w, (1ull << 32) | 0);
	expect_err(&w, OG_OTLP_LOGS, OG_OTLP_ERR_BAD_FIELD_NUMBER, 0);
	og_wbuf_free(&w);
	span[0] = 0x02; /* field 0, LEN */
	span[1] = 0x00;
	w = trace_with_span_bytes(span, 2, &at);
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_BAD_FIELD_NUMBER, at);
	og_wbuf_free(&w);
}

/* A known field with a wire type its schema does not allow, per kind. */
static void
test_err_wrong_wire_type(void)
{
	struct og_wbuf w = pb_new();
	size_t at;
	uint8_t span[16];
	static const struct {
		uint8_t bytes[10];
		uint8_t n;
	} cases[] = {
		{ { 0x08, 0x01 }, 2 },	     /* trace_id (bytes) as varint */
		{ { 0x28, 0x01 }, 2 },	     /* name (string) as varint */
		{ { 0x32, 0x00 }, 2 },	     /* kind (enum) as LEN: not packable */
		{ { 0x38, 0x01 }, 2 },	     /* start time (fixed64) as varint */
		{ { 0x3d, 1, 2, 3, 4 }, 5 }, /* start time (fixed64) as fixed32 */
		{ { 0x4d, 1, 2, 3, 4 }, 5 }, /* attributes (message) as fixed32 */
		{ { 0x7a, 0x00 }, 2 },	     /* status (message) ok: LEN */
		{ { 0x80, 0x01, 0x01 }, 3 }, /* flags (fixed32) as varint */
		{ { 0x81, 0x01, 1, 2, 3, 4, 5, 6, 7, 8 }, 10 }, /* flags as fixed64 */
	};

	/* the request's resource entry as varint */
	pb_uint(&w, 1, 1);
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_WRONG_WIRE_TYPE, 0);
	og_wbuf_free(&w);
	for (unsigned int i = 0; i < OG_ARRAY_SIZE(cases); i++) {
		struct og_otlp_scan s;

		memcpy(span, cases[i].bytes, cases[i].n);
		w = trace_with_span_bytes(span, cases[i].n, &at);
		if (cases[i].bytes[0] == 0x7a) {
			CU_ASSERT_EQUAL(scan_w(&w, OG_OTLP_TRACES, &s), OG_OK);
		} else {
			expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_WRONG_WIRE_TYPE, at);
		}
		og_wbuf_free(&w);
	}
}

static void
test_err_lengths(void)
{
	struct og_wbuf w = pb_new();
	size_t at;
	uint8_t span[16];

	/* top level: past the whole body is TRUNCATED */
	pb_tag(&w, 1, 2);
	pb_varint(&w, 5);
	og_wbuf_put(&w, "abcd", 4);
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_TRUNCATED, 0);
	/* ... also for an unknown top-level field, and a huge length */
	w.len = 0;
	pb_tag(&w, 4, 2);
	pb_varint(&w, UINT64_MAX);
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_TRUNCATED, 0);
	og_wbuf_free(&w);
	/* nested: past the parent */
	memcpy(span,
	       "\x2a\x05"
	       "abcd",
	       6); /* name of 5 in a span of 6 */
	w = trace_with_span_bytes(span, 6, &at);
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_LENGTH_PAST_PARENT, at);
	og_wbuf_free(&w);
	memcpy(span, "\x7a\x03\x12\x05xy", 6); /* status.message past status */
	w = trace_with_span_bytes(span, 6, &at);
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_LENGTH_PAST_PARENT, at + 2);
	og_wbuf_free(&w);
	memcpy(span, "\xfa\x07\x05xy", 5); /* unknown field 127 past the span */
	w = trace_with_span_bytes(span, 5, &at);
	expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_LENGTH_PAST_PARENT, at);
	og_wbuf_free(&w);
}

/* Nested ArrayValues: the innermost AnyValue at message depth @p depth. */
static struct og_wbuf
deep_trace(unsigned int depth)
{
	/* req 0, ResourceSpans 1, ScopeSpans 2, Span 3, KeyValue 4, AnyValue 5,
	 * then ArrayValue/AnyValue pairs. */
	struct og_wbuf av = pb_new(), spans = pb_new(), span = pb_new(), kv = pb_new();

	CU_ASSERT_FATAL(depth >= 5 && (depth - 5) % 2 == 0);
	pb_str(&av, 1, "leaf");
	for (unsigned int d = depth; d > 5; d -= 2) {
		struct og_wbuf arr = pb_new(), outer = pb_new();

		pb_msg(&arr, 1, &av);
		pb_msg(&outer, 5, &arr);
		av = outer;
	}
	pb_str(&kv, 1, "deep");
	pb_msg(&kv, 2, &av);
	pb_bytes(&span, 1, TID, 16);
	pb_bytes(&span, 2, SID, 8);
	pb_msg(&span, 9, &kv);
	pb_msg(&spans, 2, &span);
	return pb_wrap_trace(&spans);
}

static void
test_err_depth(void)
{
	struct og_otlp_scan s;
	struct og_wbuf w;

	w = deep_trace(31);
	CU_ASSERT_EQUAL(scan_w(&w, OG_OTLP_TRACES, &s), OG_OK);
	CU_ASSERT_EQUAL(s.n_items, 1);
	og_wbuf_free(&w);
	w = deep_trace(33);
	{
		int rc = scan_w(&w, OG_OTLP_TRACES, &s);

		CU_ASSERT_EQUAL(rc, -OG_OTLP_ERR_TOO_DEEP);
		CU_ASSERT_EQUAL(s.err.code, OG_OTLP_ERR_TOO_DEEP);
		/* the failing field is the innermost array's AnyValue: its tag
		 * is 1 + 1 + strlen("leaf") bytes before the end */
		CU_ASSERT(s.err.offset < w.len);
	}
	og_wbuf_free(&w);
	/* exactly at the limit: a depth-32 message is fine (an empty
	 * ArrayValue inside the depth-31 AnyValue) */
	{
		struct og_wbuf av = pb_new(), spans = pb_new(), span = pb_new(), kv = pb_new(),
			       empty = pb_new();

		pb_msg(&av, 5, &empty); /* AnyValue(d) { ArrayValue(d+1) {} } */
		for (unsigned int d = 31; d > 5; d -= 2) {
			struct og_wbuf arr = pb_new(), outer = pb_new();

			pb_msg(&arr, 1, &av);
			pb_msg(&outer, 5, &arr);
			av = outer;
		}
		pb_str(&kv, 1, "deep");
		pb_msg(&kv, 2, &av);
		pb_bytes(&span, 1, TID, 16);
		pb_bytes(&span, 2, SID, 8);
		pb_msg(&span, 9, &kv);
		pb_msg(&spans, 2, &span);
		w = pb_wrap_trace(&spans);
		CU_ASSERT_EQUAL(scan_w(&w, OG_OTLP_TRACES, &s), OG_OK);
		/* one level more: ArrayValue(32) { AnyValue(33) {} } */
		og_wbuf_free(&w);
	}
	{
		struct og_wbuf av = pb_new(), spans = pb_new(), span = pb_new(), kv = pb_new(),
			       empty = pb_new(), arr0 = pb_new();
		size_t tag33;

		pb_msg(&arr0, 1, &empty); /* ArrayValue(32) { AnyValue(33) } */
		pb_msg(&av, 5, &arr0);
		for (unsigned int d = 31; d > 5; d -= 2) {
			struct og_wbuf arr = pb_new(), outer = pb_new();

			pb_msg(&arr, 1, &av);
			pb_msg(&outer, 5, &arr);
			av = outer;
		}
		pb_str(&kv, 1, "deep");
		pb_msg(&kv, 2, &av);
		pb_bytes(&span, 1, TID, 16);
		pb_bytes(&span, 2, SID, 8);
		pb_msg(&span, 9, &kv);
		pb_msg(&spans, 2, &span);
		w = pb_wrap_trace(&spans);
		/* the depth-33 AnyValue's tag: the last 2 bytes of the body
		 * are its tag and zero length */
		tag33 = w.len - 2;
		expect_err(&w, OG_OTLP_TRACES, OG_OTLP_ERR_TOO_DEEP, tag33);
		og_wbuf_free(&w);
	}
}

static void
test_err_packed_and_resources(void)
{
	struct og_wbuf w = pb_new(), rm = pb_new(), sm = pb_new(), m = pb_new(), h = pb_new(),
		       dp = pb_new();
	struct og_otlp_scan s;
	size_t at;

	/* HistogramDataPoint.explicit_bounds packed with 12 bytes */
	pb_fixed64(&dp, 4, 3);
	pb_tag(&dp, 7, 2);
	pb_varint(&dp, 12);
	og_wbuf_put(&dp, "0123456789ab", 12);
	pb_msg(&h, 1, &dp);
	pb_msg(&m, 9, &h);
	pb_msg(&sm, 2, &m);
	pb_msg(&rm, 2, &sm);
	pb_msg(&w, 1, &rm);
	at = w.len - 14;
	expect_err(&w, OG_OTLP_METRICS, OG_OTLP_ERR_BAD_PACKED, at);
	og_wbuf_free(&w);

	/* Buckets.bucket_counts packed varints ending past the field */
	{
		struct og_wbuf b = pb_new(), e = pb_new(), d = pb_new();

		w = pb_new();
		rm = pb_new();
		sm = pb_new();
		m = pb_new();
		pb_tag(&b, 2, 2);
		pb_varint(&b, 3);
		og_wbuf_put(&b, "\x01\x02\x83", 3); /* last varint continues */
		pb_uint(&b, 1, 1);		    /* a byte that would end it */
		pb_msg(&d, 8, &b);
		pb_msg(&e, 1, &d);
		pb_msg(&m, 10, &e);
		pb_msg(&sm, 2, &m);
		pb_msg(&rm, 2, &sm);
		pb_msg(&w, 1, &rm);
		at = w.len - 7;
		expect_err(&w, OG_OTLP_METRICS, OG_OTLP_ERR_BAD_PACKED, at);
		og_wbuf_free(&w);
	}

	/* more entries than res_cap */
	w = pb_new();
	for (int i = 0; i < 3; i++) {
		struct og_wbuf rl = pb_new();

		pb_str(&rl, 3, "schema");
		pb_msg(&w, 1, &rl);
	}
	memset(&s, 0, sizeof(s));
	s.signal = OG_OTLP_LOGS;
	s.res = g_res;
	s.res_cap = 2;
	{
		struct og_seg seg = { w.data, (uint32_t)w.len };

		CU_ASSERT_EQUAL(og_otlp_scan(&seg, 1, &s), -OG_OTLP_ERR_TOO_MANY_RESOURCES);
		CU_ASSERT_EQUAL(s.err.code, OG_OTLP_ERR_TOO_MANY_RESOURCES);
		CU_ASSERT_EQUAL(s.err.offset, 20);
		s.res_cap = 3;
		CU_ASSERT_EQUAL(og_otlp_scan(&seg, 1, &s), OG_OK);
		CU_ASSERT_EQUAL(s.n_resources, 3);
	}
	og_wbuf_free(&w);
}

/* ---- accepted variants ---------------------------------------------- */

static void
test_empty_and_unknown_signal(void)
{
	struct og_otlp_scan s;
	struct og_seg seg = { NULL, 0 };

	CU_ASSERT_EQUAL(scan_segs(&seg, 1, OG_OTLP_TRACES, &s), OG_OK);
	CU_ASSERT_EQUAL(s.n_resources, 0);
	CU_ASSERT_EQUAL(scan_segs(NULL, 0, OG_OTLP_LOGS, &s), OG_OK);
	memset(&s, 0, sizeof(s));
	s.signal = OG_OTLP_SIGNAL_MAX;
	CU_ASSERT_EQUAL(og_otlp_scan(&seg, 1, &s), -EINVAL);
}

/* ---- suite ------------------------------------------------------------ */

static CU_TestInfo scan_tests[] = {
	{ "samples: manifest counts under every segmentation", test_samples_counts },
	{ "samples: split in two at every offset", test_samples_split2 },
	{ "truncation at every byte", test_truncation },
	{ "varint errors", test_err_varints },
	{ "bad wire types and field numbers", test_err_wire_types },
	{ "wrong wire type on known fields", test_err_wrong_wire_type },
	{ "lengths past parent", test_err_lengths },
	{ "nesting depth limit", test_err_depth },
	{ "bad packed, too many resources", test_err_packed_and_resources },
	{ "empty body, bad signal", test_empty_and_unknown_signal },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "otlp_scan", suite_init, suite_clean, NULL, NULL, scan_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}

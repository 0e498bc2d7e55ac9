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

/* Under sanitizers (10x slower) the mid-sized samples take a stride; the
 * small ones (traces-1, logs-*) still get every offset. */
#if defined(__SANITIZE_ADDRESS__)
#define SPLIT_STEP_MID 7
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPLIT_STEP_MID 7
#endif
#endif
#ifndef SPLIT_STEP_MID
#define SPLIT_STEP_MID 1
#endif

/* Split into two segments at every offset (the samples up to 21 KB; a
 * stride for the larger ones). */
static void
test_samples_split2(void)
{
	for (unsigned int i = 0; i < n_samples; i++) {
		struct sample *sm = &samples[i];
		struct og_otlp_resource ref_res[RES_CAP];
		struct og_otlp_scan ref, s;
		size_t step = sm->len <= 12000 ? 1 : sm->len <= 21000 ? SPLIT_STEP_MID : 997;
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
	static const char *const names[] = { "traces-1", "traces-64", "logs-100", "metrics-4x3" };

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

/* ---- unknown fields, packed encodings --------------------------------- */

/* Add one unknown field of every valid wire type (field numbers beyond the
 * table and inside it). */
static void
pb_unknowns(struct og_wbuf *w, bool on)
{
	if (!on)
		return;
	pb_uint(w, 99, 7);
	pb_fixed64(w, 1000, 1);
	pb_str(w, 536870911, "unknown"); /* the largest field number */
	pb_fixed32(w, 100, 3);
}

/* A traces request exercising every message type, with or without unknown
 * fields at every level. */
static struct og_wbuf
rich_trace(bool unk)
{
	struct og_wbuf req = pb_new(), rs = pb_new(), res = pb_new(), ss = pb_new(),
		       scope = pb_new(), span = pb_new(), ev = pb_new(), link = pb_new(),
		       st = pb_new(), kv = pb_new(), av = pb_new(), arr = pb_new(), kvl = pb_new(),
		       er = pb_new();

	pb_unknowns(&req, unk);
	/* Resource with an EntityRef */
	pb_attr_str(&res, 1, "service.name", "svc");
	pb_str(&er, 2, "service");
	pb_str(&er, 3, "service.name");
	pb_unknowns(&er, unk);
	pb_msg(&res, 3, &er);
	pb_unknowns(&res, unk);
	if (unk)
		pb_fixed64(&res, 5, 1); /* inside the Resource table's range */
	pb_msg(&rs, 1, &res);
	pb_unknowns(&rs, unk);
	/* scope */
	pb_str(&scope, 1, "lib");
	pb_attr_str(&scope, 3, "a", "b");
	pb_unknowns(&scope, unk);
	pb_msg(&ss, 1, &scope);
	pb_unknowns(&ss, unk);
	/* span with events, links, status and nested attribute values */
	pb_bytes(&span, 1, TID, 16);
	pb_bytes(&span, 2, SID, 8);
	pb_str(&span, 3, "w3c=state");
	pb_bytes(&span, 4, SID, 8);
	pb_str(&span, 5, "op");
	pb_fixed32(&span, 16, 0x101);
	pb_fixed64(&ev, 1, 5);
	pb_str(&ev, 2, "event");
	pb_attr_str(&ev, 3, "e", "1");
	pb_unknowns(&ev, unk);
	pb_msg(&span, 11, &ev);
	pb_bytes(&link, 1, TID, 16);
	pb_bytes(&link, 2, SID, 8);
	pb_attr_str(&link, 4, "l", "1");
	pb_fixed32(&link, 6, 1);
	pb_unknowns(&link, unk);
	pb_msg(&span, 13, &link);
	pb_str(&st, 2, "ok");
	pb_uint(&st, 3, 1);
	pb_unknowns(&st, unk);
	if (unk) {		       /* unknown fields inside the tables' range */
		pb_uint(&st, 1, 1);    /* Status: reserved 1 */
		pb_str(&rs, 9, "x");   /* ResourceSpans */
		pb_fixed32(&ss, 4, 1); /* ScopeSpans */
	}
	pb_msg(&span, 15, &st);
	{
		struct og_wbuf v1 = pb_new(), v2 = pb_new(), kv2 = pb_new(), v3 = pb_new();

		pb_uint(&v1, 3, 42);
		pb_unknowns(&v1, unk);
		pb_msg(&arr, 1, &v1);
		pb_fixed64(&v2, 4, 0x3ff0000000000000ull);
		pb_msg(&arr, 1, &v2);
		pb_unknowns(&arr, unk);
		pb_str(&kv2, 1, "inner");
		pb_uint(&v3, 2, 1);
		pb_msg(&kv2, 2, &v3);
		pb_unknowns(&kv2, unk);
		pb_msg(&kvl, 1, &kv2);
		pb_unknowns(&kvl, unk);
	}
	pb_msg(&av, 5, &arr);
	pb_unknowns(&av, unk);
	pb_str(&kv, 1, "arr");
	pb_msg(&kv, 2, &av);
	pb_unknowns(&kv, unk);
	pb_msg(&span, 9, &kv);
	av = pb_new();
	kv = pb_new();
	pb_msg(&av, 6, &kvl);
	pb_str(&kv, 1, "map");
	pb_msg(&kv, 2, &av);
	pb_msg(&span, 9, &kv);
	pb_unknowns(&span, unk);
	pb_msg(&ss, 2, &span);
	pb_good_span(&ss, "second");
	pb_unknowns(&ss, unk);
	pb_msg(&rs, 2, &ss);
	pb_msg(&req, 1, &rs);
	pb_unknowns(&req, unk);
	return req;
}

/* A metrics request with every data point kind; @p packed picks the packed
 * encoding of the repeated numeric fields. */
static struct og_wbuf
rich_metrics(bool unk, bool packed)
{
	struct og_wbuf req = pb_new(), rm = pb_new(), sm = pb_new(), m = pb_new(), g = pb_new(),
		       h = pb_new(), e = pb_new(), su = pb_new(), sum = pb_new();

	pb_unknowns(&req, unk);
	for (int i = 0; i < 2; i++) { /* Gauge and Sum: NumberDataPoint */
		struct og_wbuf dp = pb_new(), ex = pb_new();

		pb_attr_str(&dp, 7, "k", "v");
		pb_fixed64(&dp, 3, 9);
		pb_fixed64(&dp, i ? 6 : 4, 1);
		pb_fixed64(&ex, 2, 1);
		pb_bytes(&ex, 4, SID, 8);
		pb_bytes(&ex, 5, TID, 16);
		pb_attr_str(&ex, 7, "f", "x");
		pb_unknowns(&ex, unk);
		pb_msg(&dp, 5, &ex);
		pb_uint(&dp, 8, 1);
		pb_unknowns(&dp, unk);
		pb_msg(i ? &sum : &g, 1, &dp);
	}
	pb_uint(&sum, 2, 2);
	pb_uint(&sum, 3, 1);
	pb_unknowns(&g, unk);
	pb_unknowns(&sum, unk);
	{ /* Histogram */
		struct og_wbuf dp = pb_new();

		pb_fixed64(&dp, 4, 6);
		if (packed) {
			pb_tag(&dp, 6, 2);
			pb_varint(&dp, 24);
			for (int k = 0; k < 3; k++)
				og_wbuf_put(&dp, "\x02\0\0\0\0\0\0\0", 8);
			pb_tag(&dp, 7, 2);
			pb_varint(&dp, 16);
			og_wbuf_put(&dp, "\0\0\0\0\0\0\xf0\x3f\0\0\0\0\0\0\0\x40", 16);
		} else {
			for (int k = 0; k < 3; k++)
				pb_fixed64(&dp, 6, 2);
			pb_fixed64(&dp, 7, 0x3ff0000000000000ull);
			pb_fixed64(&dp, 7, 0x4000000000000000ull);
		}
		pb_fixed64(&dp, 11, 0);
		pb_fixed64(&dp, 12, 0);
		pb_unknowns(&dp, unk);
		pb_msg(&h, 1, &dp);
		pb_uint(&h, 2, 1);
	}
	{ /* ExponentialHistogram with Buckets */
		struct og_wbuf dp = pb_new(), b = pb_new();

		pb_uint(&dp, 6, 3); /* sint32 scale */
		pb_uint(&b, 1, 1);
		if (packed) {
			pb_tag(&b, 2, 2);
			pb_varint(&b, 12);
			og_wbuf_put(&b, "\x01\x80\x01\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12);
		} else {
			pb_uint(&b, 2, 1);
			pb_uint(&b, 2, 128);
			pb_uint(&b, 2, UINT64_MAX);
		}
		pb_unknowns(&b, unk);
		pb_msg(&dp, 8, &b);
		pb_fixed64(&dp, 14, 0);
		pb_unknowns(&dp, unk);
		pb_msg(&e, 1, &dp);
	}
	{ /* Summary with quantiles */
		struct og_wbuf dp = pb_new(), q = pb_new();

		pb_fixed64(&q, 1, 0);
		pb_fixed64(&q, 2, 0);
		pb_unknowns(&q, unk);
		pb_msg(&dp, 6, &q);
		pb_unknowns(&dp, unk);
		pb_msg(&su, 1, &dp);
	}
	pb_str(&m, 1, "m");
	pb_msg(&m, 5, &g);
	pb_unknowns(&m, unk);
	pb_msg(&sm, 2, &m);
	m = pb_new();
	pb_msg(&m, 7, &sum);
	pb_msg(&sm, 2, &m);
	m = pb_new();
	pb_msg(&m, 9, &h);
	pb_msg(&sm, 2, &m);
	m = pb_new();
	pb_msg(&m, 10, &e);
	pb_msg(&sm, 2, &m);
	m = pb_new();
	pb_msg(&m, 11, &su);
	pb_attr_str(&m, 12, "meta", "data");
	pb_msg(&sm, 2, &m);
	pb_unknowns(&sm, unk);
	pb_msg(&rm, 2, &sm);
	pb_unknowns(&rm, unk);
	pb_msg(&req, 1, &rm);
	return req;
}

static void
test_unknown_fields(void)
{
	struct og_otlp_scan a, b;
	struct og_wbuf w0 = rich_trace(false), w1 = rich_trace(true);

	CU_ASSERT_EQUAL(scan_w(&w0, OG_OTLP_TRACES, &a), OG_OK);
	CU_ASSERT_EQUAL(scan_w(&w1, OG_OTLP_TRACES, &b), OG_OK);
	CU_ASSERT(w1.len > w0.len + 100);
	CU_ASSERT_EQUAL(a.n_items, 2);
	CU_ASSERT_EQUAL(b.n_items, 2);
	CU_ASSERT_EQUAL(a.n_scopes, 1);
	CU_ASSERT_EQUAL(b.n_scopes, 1);
	CU_ASSERT_EQUAL(b.n_resources, 1);
	CU_ASSERT_EQUAL(b.n_rejected, 0);
	og_wbuf_free(&w0);
	og_wbuf_free(&w1);
	for (int packed = 0; packed < 2; packed++) {
		w0 = rich_metrics(false, packed);
		w1 = rich_metrics(true, packed);
		CU_ASSERT_EQUAL(scan_w(&w0, OG_OTLP_METRICS, &a), OG_OK);
		CU_ASSERT_EQUAL(scan_w(&w1, OG_OTLP_METRICS, &b), OG_OK);
		CU_ASSERT_EQUAL(a.n_items, 5);
		CU_ASSERT_EQUAL(b.n_items, 5);
		CU_ASSERT_EQUAL(b.n_scopes, 1);
		og_wbuf_free(&w0);
		og_wbuf_free(&w1);
	}
	/* the same schema bytes under the wrong signal: fields mean other
	 * things and wire types clash */
	w0 = rich_metrics(false, true);
	CU_ASSERT(scan_w(&w0, OG_OTLP_LOGS, &a) < 0);
	og_wbuf_free(&w0);
}

static void check_pieces_sig(enum og_otlp_signal sig, uint8_t *buf, size_t len, size_t seg_len,
			     uint64_t want_rejected, uint32_t want_skipped);

/* ---- reject reasons --------------------------------------------------- */

struct span_case {
	const uint8_t *tid;
	size_t tl;
	const uint8_t *sid;
	size_t sl;
	const uint8_t *pid;
	size_t pl;
	int reason; /* -1: accepted */
};

static const uint8_t LONG[17] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };

static const struct span_case span_cases[] = {
	{ TID, 16, SID, 8, NULL, 0, -1 },
	{ TID, 15, SID, 8, NULL, 0, OG_OTLP_REJECT_TRACE_ID_LENGTH },
	{ NULL, 0, SID, 8, NULL, 0, OG_OTLP_REJECT_TRACE_ID_LENGTH },
	{ LONG, 17, SID, 8, NULL, 0, OG_OTLP_REJECT_TRACE_ID_LENGTH },
	{ ZERO, 16, SID, 8, NULL, 0, OG_OTLP_REJECT_TRACE_ID_ZERO },
	{ ZERO, 16, SID, 3, NULL, 0, OG_OTLP_REJECT_TRACE_ID_ZERO }, /* first check wins */
	{ TID, 16, SID, 7, NULL, 0, OG_OTLP_REJECT_SPAN_ID_LENGTH },
	{ TID, 16, NULL, 0, NULL, 0, OG_OTLP_REJECT_SPAN_ID_LENGTH },
	{ TID, 16, ZERO, 8, NULL, 0, OG_OTLP_REJECT_SPAN_ID_ZERO },
	{ TID, 16, ZERO, 8, SID, 2, OG_OTLP_REJECT_SPAN_ID_ZERO },
	{ TID, 16, SID, 8, SID, 4, OG_OTLP_REJECT_PARENT_SPAN_ID_LENGTH },
	{ TID, 16, SID, 8, LONG, 9, OG_OTLP_REJECT_PARENT_SPAN_ID_LENGTH },
	{ TID, 16, SID, 8, SID, 8, -1 },
	{ TID, 16, SID, 8, ZERO, 8, -1 }, /* a zero parent is not checked */
	{ TID, 16, SID, 8, SID, 0, -1 },  /* present but empty */
	{ TID, 16, SID, 8, NULL, 0, -1 },
};

static void
test_span_rejects(void)
{
	struct og_wbuf spans = pb_new(), w;
	size_t at[OG_ARRAY_SIZE(span_cases) + 1], base;
	uint64_t want[OG_OTLP_REJECT_MAX] = { 0 };
	struct og_otlp_scan s;
	uint32_t k = 0;

	for (unsigned int i = 0; i < OG_ARRAY_SIZE(span_cases); i++) {
		const struct span_case *c = &span_cases[i];

		at[i] = spans.len;
		pb_span(&spans, c->tid, c->tl, c->sid, c->sl, c->pid, c->pl, "s");
		if (c->reason >= 0)
			want[c->reason]++;
	}
	at[OG_ARRAY_SIZE(span_cases)] = spans.len;
	base = 0;
	{
		size_t n = spans.len;

		w = pb_wrap_trace(&spans);
		base = w.len - n; /* the spans are the body's tail */
	}
	CU_ASSERT_EQUAL_FATAL(scan_w(&w, OG_OTLP_TRACES, &s), OG_OK);
	CU_ASSERT_EQUAL(s.n_items, OG_ARRAY_SIZE(span_cases));
	CU_ASSERT_EQUAL(s.n_rejected, 11);
	CU_ASSERT(memcmp(s.by_reason, want, sizeof(want)) == 0);
	CU_ASSERT_EQUAL(s.n_rej_listed, 11);
	CU_ASSERT_EQUAL(s.rej_overflow, 0);
	CU_ASSERT_EQUAL(g_res[0].n_rejected, 11);
	CU_ASSERT_EQUAL(g_res[0].first_rej, 0);
	for (unsigned int i = 0; i < OG_ARRAY_SIZE(span_cases); i++) {
		if (span_cases[i].reason < 0)
			continue;
		CU_ASSERT_EQUAL(g_rej[k].reason, (enum og_otlp_reject)span_cases[i].reason);
		CU_ASSERT_EQUAL(g_rej[k].hdr.off, base + at[i]);
		CU_ASSERT_EQUAL(g_rej[k].hdr.len, at[i + 1] - at[i]);
		CU_ASSERT_EQUAL(g_rej[k].resource, 0);
		CU_ASSERT_EQUAL(w.data[g_rej[k].scope.off], 0x12);
		CU_ASSERT_EQUAL(g_rej[k].scope.off + g_rej[k].scope.len, w.len);
		k++;
	}
	/* the list overflows but the counts stay exact */
	memset(&s, 0, sizeof(s));
	s.signal = OG_OTLP_TRACES;
	s.res = g_res;
	s.res_cap = RES_CAP;
	s.rej = g_rej;
	s.rej_cap = 3;
	{
		struct og_seg seg = { w.data, (uint32_t)w.len };
		struct og_otlp_piece pcs[8];
		uint32_t n;

		CU_ASSERT_EQUAL(og_otlp_scan(&seg, 1, &s), OG_OK);
		CU_ASSERT_EQUAL(s.n_rejected, 11);
		CU_ASSERT_EQUAL(s.n_rej_listed, 3);
		CU_ASSERT_EQUAL(s.rej_overflow, 1);
		CU_ASSERT_EQUAL(og_otlp_resource_pieces(&s, &seg, 1, 0, pcs, 8, &n), -EINVAL);
	}
	og_wbuf_free(&w);

	/* last one wins: a bad trace_id followed by a good one is fine, and
	 * the other way round is not */
	spans = pb_new();
	{
		struct og_wbuf sp = pb_new();

		pb_bytes(&sp, 1, ZERO, 16);
		pb_bytes(&sp, 1, TID, 16);
		pb_bytes(&sp, 2, SID, 8);
		pb_msg(&spans, 2, &sp);
		sp = pb_new();
		pb_bytes(&sp, 1, TID, 16);
		pb_bytes(&sp, 2, SID, 8);
		pb_bytes(&sp, 1, TID, 3);
		pb_msg(&spans, 2, &sp);
	}
	w = pb_wrap_trace(&spans);
	CU_ASSERT_EQUAL(scan_w(&w, OG_OTLP_TRACES, &s), OG_OK);
	CU_ASSERT_EQUAL(s.n_rejected, 1);
	CU_ASSERT_EQUAL(s.by_reason[OG_OTLP_REJECT_TRACE_ID_LENGTH], 1);
	og_wbuf_free(&w);
}

static void
test_log_rejects(void)
{
	static const struct {
		const uint8_t *tid;
		size_t tl;
		const uint8_t *sid;
		size_t sl;
		int reason;
	} cases[] = {
		{ NULL, 0, NULL, 0, -1 },
		{ TID, 16, SID, 8, -1 },
		{ TID, 0, SID, 0, -1 },
		{ TID, 16, NULL, 0, -1 },
		{ NULL, 0, SID, 8, -1 },
		{ TID, 15, SID, 8, OG_OTLP_REJECT_LOG_TRACE_ID_LENGTH },
		{ LONG, 17, NULL, 0, OG_OTLP_REJECT_LOG_TRACE_ID_LENGTH },
		{ ZERO, 16, SID, 2, OG_OTLP_REJECT_LOG_TRACE_ID_ZERO },
		{ TID, 16, SID, 9 - 2, OG_OTLP_REJECT_LOG_SPAN_ID_LENGTH },
		{ NULL, 0, LONG, 9, OG_OTLP_REJECT_LOG_SPAN_ID_LENGTH },
		{ TID, 16, ZERO, 8, OG_OTLP_REJECT_LOG_SPAN_ID_ZERO },
		{ NULL, 0, ZERO, 8, OG_OTLP_REJECT_LOG_SPAN_ID_ZERO },
	};
	struct og_wbuf req = pb_new(), rl = pb_new(), sl = pb_new();
	uint64_t want[OG_OTLP_REJECT_MAX] = { 0 };
	struct og_otlp_scan s;

	for (unsigned int i = 0; i < OG_ARRAY_SIZE(cases); i++) {
		struct og_wbuf lr = pb_new(), body = pb_new();

		pb_fixed64(&lr, 1, 1);
		pb_uint(&lr, 2, 9);
		pb_str(&body, 1, "hello");
		pb_msg(&lr, 5, &body);
		if (cases[i].tid)
			pb_bytes(&lr, 9, cases[i].tid, cases[i].tl);
		if (cases[i].sid)
			pb_bytes(&lr, 10, cases[i].sid, cases[i].sl);
		pb_str(&lr, 12, "event.name");
		pb_msg(&sl, 2, &lr);
		if (cases[i].reason >= 0)
			want[cases[i].reason]++;
	}
	pb_msg(&rl, 2, &sl);
	pb_msg(&req, 1, &rl);
	CU_ASSERT_EQUAL(scan_w(&req, OG_OTLP_LOGS, &s), OG_OK);
	CU_ASSERT_EQUAL(s.n_items, OG_ARRAY_SIZE(cases));
	CU_ASSERT_EQUAL(s.n_rejected, 7);
	CU_ASSERT(memcmp(s.by_reason, want, sizeof(want)) == 0);
	for (uint32_t i = 0; i < s.n_rej_listed; i++)
		CU_ASSERT_EQUAL(req.data[g_rej[i].hdr.off], 0x12);
	/* forwarding without them */
	check_pieces_sig(OG_OTLP_LOGS, req.data, req.len, 0, 7, 0);
	check_pieces_sig(OG_OTLP_LOGS, req.data, req.len, 5, 7, 0);
	og_wbuf_free(&req);
}

/* ---- pieces ------------------------------------------------------------ */

/* Concatenate every resource entry's pieces into a new request. */
static struct og_wbuf
rebuild(const struct og_otlp_scan *s, const struct og_seg *segs, uint32_t nseg, uint32_t *skipped)
{
	struct og_wbuf out = pb_new();
	struct og_otlp_piece pcs[256];

	*skipped = 0;
	for (uint32_t r = 0; r < s->n_resources; r++) {
		uint32_t n = 0;

		CU_ASSERT_EQUAL_FATAL(og_otlp_resource_pieces(s, segs, nseg, r, pcs, 256, &n), 0);
		if (n == 0)
			(*skipped)++;
		for (uint32_t i = 0; i < n; i++) {
			if (pcs[i].lit_len) {
				og_wbuf_put(&out, pcs[i].lit, pcs[i].lit_len);
			} else {
				og_wbuf_reserve(&out, pcs[i].r.len);
				CU_ASSERT_EQUAL(og_segs_copy(segs, nseg, pcs[i].r.off, pcs[i].r.len,
							     out.data + out.len),
						0);
				out.len += pcs[i].r.len;
			}
		}
	}
	return out;
}

/* The span ids of a body, in order, skipping the spans at @p skip ranges. */
static uint32_t
span_ids(const struct og_seg *segs, uint32_t nseg, const struct og_otlp_rejected_item *skip,
	 uint32_t nskip, uint8_t (*ids)[8], uint32_t cap)
{
	struct og_otlp_span_iter it;
	struct og_otlp_span_view v;
	uint32_t n = 0, k = 0;
	int rc;

	og_otlp_span_iter_init(&it, segs, nseg, NULL, 0);
	while ((rc = og_otlp_span_iter_next(&it, &v)) == 1) {
		while (k < nskip && skip[k].hdr.off + skip[k].hdr.len <= v.span.off)
			k++;
		if (k < nskip && skip[k].hdr.off < v.span.off)
			continue;
		if (n < cap)
			memcpy(ids[n], v.span_id, 8);
		n++;
	}
	CU_ASSERT_EQUAL(rc, 0);
	return n;
}

static void
check_pieces_sig(enum og_otlp_signal sig, uint8_t *buf, size_t len, size_t seg_len,
		 uint64_t want_rejected, uint32_t want_skipped)
{
	static uint8_t ids_a[4096][8], ids_b[4096][8];
	struct og_otlp_rejected_item rej[REJ_CAP];
	struct og_otlp_scan s, s2;
	struct og_seg one = { buf, (uint32_t)len }, *segs = &one;
	uint32_t nseg = 1, skipped, na, nb;
	struct og_wbuf out;

	if (seg_len)
		segs = og_test_split(buf, len, seg_len, &nseg);
	CU_ASSERT_EQUAL_FATAL(scan_segs(segs, nseg, sig, &s), OG_OK);
	CU_ASSERT_EQUAL(s.n_rejected, want_rejected);
	memcpy(rej, g_rej, sizeof(rej));
	out = rebuild(&s, segs, nseg, &skipped);
	CU_ASSERT_EQUAL(skipped, want_skipped);
	CU_ASSERT_EQUAL_FATAL(scan_buf(out.data, out.len, 0, sig, &s2), OG_OK);
	CU_ASSERT_EQUAL(s2.n_items, s.n_items - s.n_rejected);
	CU_ASSERT_EQUAL(s2.n_rejected, 0);
	CU_ASSERT_EQUAL(s2.n_resources, s.n_resources - skipped);
	CU_ASSERT(s2.n_scopes <= s.n_scopes);
	if (sig != OG_OTLP_TRACES)
		goto out;
	na = span_ids(segs, nseg, rej, s.n_rej_listed, ids_a, 4096);
	{
		struct og_seg o = { out.data, (uint32_t)out.len };

		nb = span_ids(&o, 1, NULL, 0, ids_b, 4096);
	}
	CU_ASSERT_EQUAL(na, s.n_items - s.n_rejected);
	CU_ASSERT_EQUAL(na, nb);
	CU_ASSERT(memcmp(ids_a, ids_b, 8 * OG_MIN(na, 4096u)) == 0);
out:
	og_wbuf_free(&out);
	if (segs != &one)
		free(segs);
}

static void
check_pieces(uint8_t *buf, size_t len, size_t seg_len, uint64_t want_rejected,
	     uint32_t want_skipped)
{
	check_pieces_sig(OG_OTLP_TRACES, buf, len, seg_len, want_rejected, want_skipped);
}

static void
test_pieces(void)
{
	struct og_wbuf spans = pb_new(), w;
	struct og_otlp_scan s;
	struct og_otlp_piece pcs[64];
	uint32_t n;

	/* rejects first, adjacent, last, with unknown fields between */
	pb_span(&spans, ZERO, 16, SID, 8, NULL, 0, "r0");
	pb_good_span(&spans, "a");
	pb_unknowns(&spans, true);
	pb_span(&spans, TID, 16, ZERO, 8, NULL, 0, "r1");
	pb_span(&spans, TID, 3, SID, 8, NULL, 0, "r2");
	pb_good_span(&spans, "b");
	pb_span(&spans, TID, 16, SID, 8, SID, 2, "r3");
	w = pb_wrap_trace(&spans);
	check_pieces(w.data, w.len, 0, 4, 0);
	check_pieces(w.data, w.len, 1, 4, 0);
	check_pieces(w.data, w.len, 7, 4, 0);
	/* too small an array */
	CU_ASSERT_EQUAL(scan_w(&w, OG_OTLP_TRACES, &s), OG_OK);
	{
		struct og_seg seg = { w.data, (uint32_t)w.len };

		CU_ASSERT_EQUAL(og_otlp_resource_pieces(&s, &seg, 1, 0, pcs, 2, &n), -ENOSPC);
		CU_ASSERT_EQUAL(og_otlp_resource_pieces(&s, &seg, 1, 1, pcs, 64, &n), -EINVAL);
		CU_ASSERT_EQUAL(og_otlp_resource_pieces(&s, &seg, 1, 0, pcs, 64, &n), 0);
		/* resource tag+len, range, scope tag+len, then ranges between
		 * the rejected spans (r0 first: none before it) */
		CU_ASSERT(n >= 5);
		CU_ASSERT_EQUAL(pcs[0].lit_len, 3);
		CU_ASSERT_EQUAL(pcs[0].lit[0], 0x0a);
		CU_ASSERT_EQUAL(pcs[1].lit_len, 0);
		CU_ASSERT_EQUAL(pcs[1].r.off, g_res[0].body.off);
	}
	og_wbuf_free(&w);

	/* a resource entry whose spans are all rejected is skipped; one
	 * without spans is forwarded as is */
	{
		struct og_wbuf req = pb_new(), a = pb_new(), b = pb_new(), c = pb_new();

		pb_span(&a, ZERO, 16, SID, 8, NULL, 0, "x");
		pb_span(&a, TID, 1, SID, 8, NULL, 0, "y");
		a = pb_wrap_trace(&a);
		pb_good_span(&b, "z");
		b = pb_wrap_trace(&b);
		pb_str(&c, 3, "https://schema"); /* ResourceSpans with only schema_url */
		og_wbuf_put(&req, a.data, a.len);
		og_wbuf_put(&req, b.data, b.len);
		pb_msg(&req, 1, &c);
		og_wbuf_put(&req, a.data, a.len);
		check_pieces(req.data, req.len, 0, 4, 2);
		check_pieces(req.data, req.len, 3, 4, 2);
		og_wbuf_free(&a);
		og_wbuf_free(&b);
		og_wbuf_free(&req);
	}
}

/* Real bodies with every 5th span's trace_id zeroed (and every 7th span's
 * span_id): pieces rebuild a request holding exactly the others. */
static void
test_pieces_samples(void)
{
	static const char *const names[] = { "traces-multi-resource", "traces-64", "traces-512" };

	for (unsigned int i = 0; i < OG_ARRAY_SIZE(names); i++) {
		struct sample *sm = sample(names[i]);
		uint8_t *buf = malloc(sm->len);
		struct og_seg seg = { buf, (uint32_t)sm->len };
		struct og_otlp_span_iter it;
		struct og_otlp_span_view v;
		uint32_t k = 0;
		uint64_t nrej = 0;

		memcpy(buf, sm->buf, sm->len);
		og_otlp_span_iter_init(&it, &seg, 1, NULL, 0);
		while (og_otlp_span_iter_next(&it, &v) == 1) {
			/* find the ids inside the span's bytes and zero them */
			uint8_t *sp = buf + v.span.off;
			uint8_t *t = memmem(sp, v.span.len, v.trace_id, 16);
			uint8_t *sid = memmem(sp, v.span.len, v.span_id, 8);

			CU_ASSERT_FATAL(t != NULL && sid != NULL);
			if (k % 5 == 0) {
				memset(t, 0, 16);
				nrej++;
			} else if (k % 7 == 0) {
				memset(sid, 0, 8);
				nrej++;
			}
			k++;
		}
		CU_ASSERT_EQUAL(k, sm->items);
		check_pieces(buf, sm->len, 0, nrej, 0);
		check_pieces(buf, sm->len, 1448, nrej, 0);
		check_pieces(buf, sm->len, 13, nrej, 0);
		free(buf);
	}
}

/* ---- views ------------------------------------------------------------- */

static bool
range_is(const struct og_seg *segs, uint32_t nseg, struct og_otlp_range r, const char *s)
{
	char tmp[256];

	if (r.len != strlen(s) || r.len >= sizeof(tmp))
		return false;
	if (og_segs_copy(segs, nseg, r.off, r.len, tmp) != 0)
		return false;
	return memcmp(tmp, s, r.len) == 0;
}

/* Values from tests/data/samples/traces-1.json. */
static void
check_traces1(const struct og_seg *segs, uint32_t nseg)
{
	static const uint8_t tid[16] = { 0x40, 0x1d, 0x90, 0xe6, 0x6c, 0x20, 0xf3, 0x0d,
					 0x97, 0x37, 0x79, 0x08, 0xd6, 0x41, 0x48, 0xc7 };
	static const uint8_t sid[8] = { 0x04, 0x38, 0xe6, 0x94, 0xa3, 0xa5, 0xa0, 0xe3 };
	static const char *const keys[] = {
		"http.request.method", "http.route", "http.response.status_code",
		"server.address",      "url.full",   "user_agent.original"
	};
	static const char *const vals[] = { "GET",
					    "/api/v1/orders",
					    NULL,
					    "api.example.internal",
					    "https://api.example.internal/api/v1/orders?q=c656dd92",
					    "client/21" };
	static const char *const rkeys[] = { "service.name", "service.version", "host.name",
					     "deployment.environment.name" };
	static const char *const rvals[] = { "svc-0-3c88", "1.6.0", "node-811601", "staging" };
	struct og_otlp_span_iter it;
	struct og_otlp_span_view v;
	struct og_otlp_attr_iter ai;
	struct og_otlp_attr a;
	struct og_otlp_scan s;
	unsigned int n = 0;

	CU_ASSERT_EQUAL_FATAL(scan_segs(segs, nseg, OG_OTLP_TRACES, &s), OG_OK);
	og_otlp_span_iter_init(&it, segs, nseg, &g_res[0], 0);
	CU_ASSERT_EQUAL_FATAL(og_otlp_span_iter_next(&it, &v), 1);
	CU_ASSERT(memcmp(v.trace_id, tid, 16) == 0);
	CU_ASSERT(memcmp(v.span_id, sid, 8) == 0);
	CU_ASSERT_EQUAL(v.trace_id_len, 16);
	CU_ASSERT_EQUAL(v.span_id_len, 8);
	CU_ASSERT_EQUAL(v.parent_span_id_len, 0);
	CU_ASSERT_EQUAL(v.kind, 1);
	CU_ASSERT_EQUAL(v.start_time_unix_nano, 1795290999196000000ull);
	CU_ASSERT_EQUAL(v.end_time_unix_nano, 1795290999196524336ull);
	CU_ASSERT_EQUAL(v.status_code, 2);
	CU_ASSERT(range_is(segs, nseg, v.name, "op 0"));
	CU_ASSERT(range_is(segs, nseg, v.status_message, "failed 0"));
	CU_ASSERT_EQUAL(v.resource, 0);

	og_otlp_span_attr_iter_init(&ai, segs, nseg, &v);
	while (og_otlp_attr_iter_next(&ai, &a) == 1) {
		CU_ASSERT_FATAL(n < OG_ARRAY_SIZE(keys));
		CU_ASSERT(range_is(segs, nseg, a.key, keys[n]));
		if (vals[n] != NULL) {
			CU_ASSERT_EQUAL(a.type, OG_OTLP_VAL_STRING);
			CU_ASSERT(range_is(segs, nseg, a.v.r, vals[n]));
		} else {
			CU_ASSERT_EQUAL(a.type, OG_OTLP_VAL_INT);
			CU_ASSERT_EQUAL(a.v.i, 500);
		}
		n++;
	}
	CU_ASSERT_EQUAL(n, 6);
	CU_ASSERT_EQUAL(og_otlp_span_iter_next(&it, &v), 0);

	n = 0;
	og_otlp_resource_attr_iter_init(&ai, segs, nseg, &g_res[0]);
	while (og_otlp_attr_iter_next(&ai, &a) == 1) {
		CU_ASSERT_FATAL(n < OG_ARRAY_SIZE(rkeys));
		CU_ASSERT(range_is(segs, nseg, a.key, rkeys[n]));
		CU_ASSERT_EQUAL(a.type, OG_OTLP_VAL_STRING);
		CU_ASSERT(range_is(segs, nseg, a.v.r, rvals[n]));
		n++;
	}
	CU_ASSERT_EQUAL(n, 4);
}

static void
test_views_traces1(void)
{
	struct sample *sm = sample("traces-1");
	struct og_seg one = { sm->buf, (uint32_t)sm->len }, *segs;
	uint32_t nseg;

	check_traces1(&one, 1);
	for (size_t l = 1; l < 40; l += 3) {
		segs = og_test_split(sm->buf, sm->len, l, &nseg);
		check_traces1(segs, nseg);
		free(segs);
	}
}

static void
test_views_values(void)
{
	struct og_wbuf w = rich_trace(true);
	struct og_seg *segs;
	uint32_t nseg;

	for (size_t l = 0; l < 6; l++) {
		struct og_seg one = { w.data, (uint32_t)w.len };
		struct og_otlp_span_iter it;
		struct og_otlp_span_view v;
		struct og_otlp_attr_iter ai, ai2;
		struct og_otlp_attr a;
		struct og_otlp_scan s;

		segs = l ? og_test_split(w.data, w.len, l, &nseg) : &one;
		if (!l)
			nseg = 1;
		CU_ASSERT_EQUAL_FATAL(scan_segs(segs, nseg, OG_OTLP_TRACES, &s), OG_OK);
		og_otlp_span_iter_init(&it, segs, nseg, NULL, 0);
		CU_ASSERT_EQUAL_FATAL(og_otlp_span_iter_next(&it, &v), 1);
		CU_ASSERT_EQUAL(v.parent_span_id_len, 8);
		CU_ASSERT(memcmp(v.parent_span_id, SID, 8) == 0);
		CU_ASSERT_EQUAL(v.status_code, 1);
		CU_ASSERT(range_is(segs, nseg, v.status_message, "ok"));
		og_otlp_span_attr_iter_init(&ai, segs, nseg, &v);
		/* arr = [42, 1.0] */
		CU_ASSERT_EQUAL_FATAL(og_otlp_attr_iter_next(&ai, &a), 1);
		CU_ASSERT(range_is(segs, nseg, a.key, "arr"));
		CU_ASSERT_EQUAL(a.type, OG_OTLP_VAL_ARRAY);
		og_otlp_attr_iter_init(&ai2, segs, nseg, a.v.r, 1);
		/* an ArrayValue holds AnyValues, not KeyValues: read as
		 * KeyValues they have no key (field 1 of AnyValue is a string,
		 * so only check the count) */
		{
			int cnt = 0;

			while (og_otlp_attr_iter_next(&ai2, &a) == 1)
				cnt++;
			CU_ASSERT_EQUAL(cnt, 2);
		}
		/* map = { inner: true } */
		CU_ASSERT_EQUAL_FATAL(og_otlp_attr_iter_next(&ai, &a), 1);
		CU_ASSERT(range_is(segs, nseg, a.key, "map"));
		CU_ASSERT_EQUAL(a.type, OG_OTLP_VAL_KVLIST);
		og_otlp_attr_iter_init(&ai2, segs, nseg, a.v.r, 1);
		CU_ASSERT_EQUAL_FATAL(og_otlp_attr_iter_next(&ai2, &a), 1);
		CU_ASSERT(range_is(segs, nseg, a.key, "inner"));
		CU_ASSERT_EQUAL(a.type, OG_OTLP_VAL_BOOL);
		CU_ASSERT_EQUAL(a.v.b, 1);
		CU_ASSERT_EQUAL(og_otlp_attr_iter_next(&ai2, &a), 0);
		CU_ASSERT_EQUAL(og_otlp_attr_iter_next(&ai, &a), 0);
		/* the second span */
		CU_ASSERT_EQUAL_FATAL(og_otlp_span_iter_next(&it, &v), 1);
		CU_ASSERT(range_is(segs, nseg, v.name, "second"));
		CU_ASSERT_EQUAL(v.kind, 2);
		CU_ASSERT_EQUAL(v.start_time_unix_nano, 1000);
		CU_ASSERT_EQUAL(og_otlp_span_iter_next(&it, &v), 0);
		if (segs != &one)
			free(segs);
	}
	og_wbuf_free(&w);

	/* every value type, and a value given twice (oneof: last wins) */
	{
		struct og_wbuf spans = pb_new(), sp = pb_new(), kv;
		struct og_seg seg;
		struct og_otlp_span_iter it;
		struct og_otlp_span_view v;
		struct og_otlp_attr_iter ai;
		struct og_otlp_attr a;
		static const enum og_otlp_value_type want[] = {
			OG_OTLP_VAL_INT,   OG_OTLP_VAL_DOUBLE, OG_OTLP_VAL_BOOL,
			OG_OTLP_VAL_BYTES, OG_OTLP_VAL_EMPTY,  OG_OTLP_VAL_STRING,
		};
		double d;
		int i = 0;

		pb_bytes(&sp, 1, TID, 16);
		pb_bytes(&sp, 2, SID, 8);
		for (int t = 0; t < 6; t++) {
			struct og_wbuf av = pb_new();

			kv = pb_new();
			pb_str(&kv, 1, "k");
			switch (t) {
			case 0:
				pb_uint(&av, 3, (uint64_t)-7);
				break;
			case 1:
				pb_fixed64(&av, 4, 0x400c000000000000ull); /* 3.5 */
				break;
			case 2:
				pb_uint(&av, 2, 1);
				break;
			case 3:
				pb_bytes(&av, 7, "\0\1\2", 3);
				break;
			case 4:
				break;
			case 5:
				pb_uint(&av, 3, 1);
				pb_str(&av, 1, "later");
				break;
			}
			if (t != 4)
				pb_msg(&kv, 2, &av);
			else
				og_wbuf_free(&av);
			pb_msg(&sp, 9, &kv);
		}
		pb_msg(&spans, 2, &sp);
		w = pb_wrap_trace(&spans);
		seg.data = w.data;
		seg.len = (uint32_t)w.len;
		og_otlp_span_iter_init(&it, &seg, 1, NULL, 0);
		CU_ASSERT_EQUAL_FATAL(og_otlp_span_iter_next(&it, &v), 1);
		og_otlp_span_attr_iter_init(&ai, &seg, 1, &v);
		while (og_otlp_attr_iter_next(&ai, &a) == 1) {
			CU_ASSERT_FATAL(i < 6);
			CU_ASSERT_EQUAL(a.type, want[i]);
			i++;
			if (a.type == OG_OTLP_VAL_INT) {
				CU_ASSERT_EQUAL(a.v.i, -7);
			} else if (a.type == OG_OTLP_VAL_DOUBLE) {
				d = a.v.d;
				CU_ASSERT_DOUBLE_EQUAL(d, 3.5, 0.0);
			} else if (a.type == OG_OTLP_VAL_BYTES) {
				CU_ASSERT_EQUAL(a.v.r.len, 3);
			} else if (a.type == OG_OTLP_VAL_STRING) {
				CU_ASSERT(range_is(&seg, 1, a.v.r, "later"));
			}
		}
		CU_ASSERT_EQUAL(i, 6);
		og_wbuf_free(&w);
	}
}

/* The whole-body span iterator visits every span with its resource index. */
static void
test_views_multi_resource(void)
{
	struct sample *sm = sample("traces-multi-resource");
	struct og_seg *segs;
	uint32_t nseg, per_res[RES_CAP] = { 0 }, n = 0;
	struct og_otlp_span_iter it;
	struct og_otlp_span_view v;
	struct og_otlp_scan s;

	segs = og_test_split(sm->buf, sm->len, 1448, &nseg);
	CU_ASSERT_EQUAL_FATAL(scan_segs(segs, nseg, OG_OTLP_TRACES, &s), OG_OK);
	og_otlp_span_iter_init(&it, segs, nseg, NULL, 0);
	while (og_otlp_span_iter_next(&it, &v) == 1) {
		CU_ASSERT_FATAL(v.resource < s.n_resources);
		CU_ASSERT(v.span.off >= g_res[v.resource].body.off);
		CU_ASSERT(v.span.off + v.span.len <=
			  g_res[v.resource].body.off + g_res[v.resource].body.len);
		CU_ASSERT_EQUAL(v.trace_id_len, 16);
		per_res[v.resource]++;
		n++;
	}
	CU_ASSERT_EQUAL(n, sm->items);
	for (uint32_t r = 0; r < s.n_resources; r++) {
		uint32_t m = 0;

		CU_ASSERT_EQUAL(per_res[r], g_res[r].n_items);
		og_otlp_span_iter_init(&it, segs, nseg, &g_res[r], r);
		while (og_otlp_span_iter_next(&it, &v) == 1) {
			CU_ASSERT_EQUAL(v.resource, r);
			m++;
		}
		CU_ASSERT_EQUAL(m, g_res[r].n_items);
	}
	free(segs);
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
	{ "unknown fields at every level, packed and unpacked", test_unknown_fields },
	{ "span reject reasons and ranges", test_span_rejects },
	{ "log record reject reasons", test_log_rejects },
	{ "pieces drop exactly the rejected items", test_pieces },
	{ "pieces on real bodies", test_pieces_samples },
	{ "span and attribute views on traces-1", test_views_traces1 },
	{ "attribute value types", test_views_values },
	{ "span iterator over several resources", test_views_multi_resource },
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

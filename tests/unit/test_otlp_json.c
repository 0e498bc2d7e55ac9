/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OTLP/JSON transcoding: og_otlp_json_to_pb() and og_otlp_pb_to_json() on
 * the SDK samples (counts, fixed point, ids) and on hand-made edge cases.
 * Protobuf results are checked with a small wire walker of this file, not
 * with the codec under test.
 */
#include <math.h>
#include <string.h>

#include "og_otlp.h"
#include "og_test.h"
#include "otlp_json_private.h"

/* ---- helpers ---------------------------------------------------------- */

static uint8_t pbuf[1 << 16];
static size_t plen;
static struct og_otlp_error jerr;

/* JSON text -> protobuf into pbuf/plen; returns the codec's return value. */
static int
j2p(enum og_otlp_signal sig, const char *json)
{
	struct og_wbuf b;
	int rc;

	og_wbuf_init_fixed(&b, pbuf, sizeof(pbuf));
	rc = og_otlp_json_to_pb(sig, (const uint8_t *)json, strlen(json), &b, &jerr);
	plen = b.len;
	return rc;
}

/* Same, into a caller buffer (growable result freed by the caller). */
static int
j2p_buf(enum og_otlp_signal sig, const uint8_t *json, size_t len, struct og_wbuf *b)
{
	og_wbuf_init_growable(b);
	return og_otlp_json_to_pb(sig, json, len, b, &jerr);
}

/* protobuf -> JSON as a malloc'd NUL-terminated string (NULL on error). */
static char *
p2j(enum og_otlp_signal sig, const uint8_t *pb, size_t len)
{
	struct og_seg s = { pb, (uint32_t)len };
	struct og_wbuf b;

	og_wbuf_init_growable(&b);
	if (og_otlp_pb_to_json(sig, &s, 1, &b, &jerr) != OG_OK) {
		og_wbuf_free(&b);
		return NULL;
	}
	og_wbuf_putc(&b, 0);
	return (char *)b.data;
}

/* Round trip a JSON text through protobuf and back; malloc'd or NULL. */
static char *
j2j(enum og_otlp_signal sig, const char *json)
{
	if (j2p(sig, json) != OG_OK)
		return NULL;
	return p2j(sig, pbuf, plen);
}

/* Offset of the first @p needle in @p hay (the expected error offset). */
static uint64_t
off_of(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);

	return p ? (uint64_t)(p - hay) : UINT64_MAX;
}

/* Minimal protobuf reader for the checks. */
struct rd {
	const uint8_t *p, *end;
};

static bool
rd_varint(struct rd *r, uint64_t *v)
{
	unsigned int sh = 0;

	*v = 0;
	while (r->p < r->end && sh < 64) {
		uint8_t c = *r->p++;

		*v |= (uint64_t)(c & 0x7f) << sh;
		if (!(c & 0x80))
			return true;
		sh += 7;
	}
	return false;
}

/* Next field: number, wire type, and value (varint/fixed) or bytes (wt 2). */
static bool
rd_field(struct rd *r, uint32_t *num, unsigned int *wt, uint64_t *v, struct rd *sub)
{
	uint64_t tag;

	if (r->p >= r->end || !rd_varint(r, &tag))
		return false;
	*num = (uint32_t)(tag >> 3);
	*wt = (unsigned int)(tag & 7);
	switch (*wt) {
	case 0:
		return rd_varint(r, v);
	case 1:
	case 5: {
		size_t w = *wt == 1 ? 8 : 4;

		if ((size_t)(r->end - r->p) < w)
			return false;
		*v = 0;
		for (size_t i = 0; i < w; i++)
			*v |= (uint64_t)r->p[i] << (8 * i);
		r->p += w;
		return true;
	}
	case 2:
		if (!rd_varint(r, v) || *v > (uint64_t)(r->end - r->p))
			return false;
		sub->p = r->p;
		sub->end = r->p + *v;
		r->p += *v;
		return true;
	default:
		return false;
	}
}

/* Find the first field @p num of a message; false when absent. */
static bool
rd_find(struct rd m, uint32_t want, uint64_t *v, struct rd *sub)
{
	uint32_t num;
	unsigned int wt;

	while (rd_field(&m, &num, &wt, v, sub))
		if (num == want)
			return true;
	return false;
}

/* Walk a path of (field number) through first occurrences. */
static bool
rd_path(const uint8_t *pb, size_t len, const uint32_t *path, size_t n, uint64_t *v, struct rd *out)
{
	struct rd m = { pb, pb + len };

	for (size_t i = 0; i < n; i++) {
		struct rd sub = { NULL, NULL };

		if (!rd_find(m, path[i], v, &sub))
			return false;
		m = sub;
	}
	*out = m;
	return true;
}

struct counts {
	uint32_t resources;
	uint64_t items;
	bool ok;
};

/* Resources and items (spans, data points, log records) of a request. */
static struct counts
count_items(enum og_otlp_signal sig, const uint8_t *pb, size_t len)
{
	struct counts c = { 0, 0, true };
	struct rd top = { pb, pb + len }, rs, ss, it, dat, dp;
	uint32_t num;
	unsigned int wt;
	uint64_t v;

	while (top.p < top.end) {
		if (!rd_field(&top, &num, &wt, &v, &rs) || num != 1 || wt != 2)
			goto bad;
		c.resources++;
		while (rs.p < rs.end) {
			if (!rd_field(&rs, &num, &wt, &v, &ss))
				goto bad;
			if (num != 2)
				continue;
			while (ss.p < ss.end) {
				if (!rd_field(&ss, &num, &wt, &v, &it))
					goto bad;
				if (num != 2)
					continue;
				if (sig != OG_OTLP_METRICS) {
					c.items++;
					continue;
				}
				/* Metric: gauge 5, sum 7, histogram 9, exp 10, summary 11 */
				while (it.p < it.end) {
					if (!rd_field(&it, &num, &wt, &v, &dat))
						goto bad;
					if (num != 5 && num != 7 && num != 9 && num != 10 &&
					    num != 11)
						continue;
					while (dat.p < dat.end) {
						if (!rd_field(&dat, &num, &wt, &v, &dp))
							goto bad;
						if (num == 1)
							c.items++;
					}
				}
			}
		}
	}
	return c;
bad:
	c.ok = false;
	return c;
}

static void
add_id(char (*hex)[33], size_t cap, size_t *n, const uint8_t *p, uint64_t len)
{
	if (*n >= cap || len == 0)
		return;
	hex[*n][0] = 0;
	for (uint64_t i = 0; i < len && i < 16; i++)
		sprintf(hex[*n] + 2 * i, "%02x", p[i]);
	(*n)++;
}

/*
 * Every id of a request, in any order: spans (trace 1, span 2, parent 4) and
 * their links (13: trace 1, span 2), log records (trace 9, span 10).
 */
static size_t
collect_ids(enum og_otlp_signal sig, const uint8_t *pb, size_t len, char (*hex)[33], size_t cap)
{
	struct rd top = { pb, pb + len }, rs, ss, it, f, l;
	uint32_t num, n2;
	unsigned int wt;
	uint64_t v;
	size_t n = 0;

	while (rd_field(&top, &num, &wt, &v, &rs))
		while (rd_field(&rs, &num, &wt, &v, &ss)) {
			if (num != 2)
				continue;
			while (rd_field(&ss, &num, &wt, &v, &it)) {
				if (num != 2)
					continue;
				while (rd_field(&it, &num, &wt, &v, &f)) {
					if (sig == OG_OTLP_LOGS && (num == 9 || num == 10))
						add_id(hex, cap, &n, f.p, v);
					if (sig != OG_OTLP_TRACES)
						continue;
					if (num == 1 || num == 2 || num == 4)
						add_id(hex, cap, &n, f.p, v);
					if (num == 13)
						while (rd_field(&f, &n2, &wt, &v, &l))
							if (n2 == 1 || n2 == 2)
								add_id(hex, cap, &n, l.p, v);
				}
			}
		}
	return n;
}

/*
 * Every non-empty id value of a JSON text, by key. One linear pass (strstr
 * from each match would be quadratic under ASan, which measures the
 * haystack on every call).
 */
static size_t
json_ids(const char *json, size_t len, char (*hex)[33], size_t cap)
{
	const char *keys[] = { "\"traceId\":\"", "\"spanId\":\"", "\"parentSpanId\":\"" };
	size_t n = 0;

	for (size_t i = 0; i < len && n < cap; i++) {
		if (json[i] != '"')
			continue;
		for (size_t k = 0; k < OG_ARRAY_SIZE(keys); k++) {
			size_t kl = strlen(keys[k]), l = 0;
			const char *v = json + i + kl;

			if (len - i < kl || memcmp(json + i, keys[k], kl) != 0)
				continue;
			while (v + l < json + len && v[l] != '"' && l < 32)
				l++;
			if (l > 0) {
				memcpy(hex[n], v, l);
				hex[n][l] = 0;
				n++;
			}
			i += kl + l;
			break;
		}
	}
	return n;
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* ---- samples ---------------------------------------------------------- */

struct sample {
	char name[64];
	enum og_otlp_signal sig;
	uint32_t resources;
	uint64_t items;
};

static struct sample samples[32];
static size_t n_samples;

/* Read MANIFEST.json: name, signal, resources and item count of each sample. */
static int
load_manifest(void)
{
	size_t len;
	char *m = (char *)og_test_read_file("samples/MANIFEST.json", &len);
	char *p = m;

	m[len] = 0;
	n_samples = 0;
	while ((p = strstr(p, "\"name\": \"")) != NULL && n_samples < OG_ARRAY_SIZE(samples)) {
		struct sample *s = &samples[n_samples];
		char *end, *q;

		p += 9;
		end = strstr(p, "\"name\": \"");
		if (end == NULL)
			end = m + len;
		sscanf(p, "%63[^\"]", s->name);
		q = strstr(p, "\"signal\": \"");
		s->sig = strncmp(q + 11, "metrics", 7) == 0 ? OG_OTLP_METRICS
			 : strncmp(q + 11, "logs", 4) == 0  ? OG_OTLP_LOGS
							    : OG_OTLP_TRACES;
		q = strstr(p, "\"resources\": ");
		s->resources = (uint32_t)strtoul(q + 13, NULL, 10);
		q = strstr(p, s->sig == OG_OTLP_TRACES ? "\"spans\": "
			      : s->sig == OG_OTLP_LOGS ? "\"log_records\": "
						       : "\"data_points\": ");
		s->items = strtoull(strchr(q, ':') + 1, NULL, 10);
		if (q > end)
			return -1;
		n_samples++;
	}
	free(m);
	return n_samples > 0 ? 0 : -1;
}

static uint8_t *
read_sample(const struct sample *s, const char *ext, size_t *len)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "samples/%.63s.%.8s", s->name, ext);
	return og_test_read_file(rel, len);
}

/* (a) sample.json -> protobuf has the manifest's counts. */
static void
test_samples_counts(void)
{
	CU_ASSERT_FATAL(load_manifest() == 0);
	CU_ASSERT(n_samples >= 10);
	for (size_t i = 0; i < n_samples; i++) {
		const struct sample *s = &samples[i];
		size_t jl;
		uint8_t *json = read_sample(s, "json", &jl);
		struct og_wbuf b;
		struct counts c;

		CU_ASSERT_EQUAL_FATAL(j2p_buf(s->sig, json, jl, &b), OG_OK);
		c = count_items(s->sig, b.data, b.len);
		CU_ASSERT_TRUE(c.ok);
		/* the scanner of the protobuf path accepts it, with the same counts */
		{
			static struct og_otlp_resource res[64];
			struct og_otlp_scan sc;
			struct og_seg seg = { b.data, (uint32_t)b.len };

			memset(&sc, 0, sizeof(sc));
			sc.signal = s->sig;
			sc.res = res;
			sc.res_cap = OG_ARRAY_SIZE(res);
			CU_ASSERT_EQUAL(og_otlp_scan(&seg, 1, &sc), OG_OK);
			CU_ASSERT_EQUAL(sc.n_resources, s->resources);
			CU_ASSERT_EQUAL(sc.n_items, s->items);
			CU_ASSERT_EQUAL(sc.n_rejected, 0);
		}
		CU_ASSERT_EQUAL(c.resources, s->resources);
		CU_ASSERT_EQUAL(c.items, s->items);
		if (c.resources != s->resources || c.items != s->items)
			fprintf(stderr, "%s: %u/%lu vs %u/%lu\n", s->name, c.resources,
				(unsigned long)c.items, s->resources, (unsigned long)s->items);
		og_wbuf_free(&b);
		free(json);
	}
}

/*
 * (b) pb -> json -> pb -> json is a fixed point; and the SDK's protobuf and
 * our transcoding of the SDK's JSON give the same canonical JSON.
 */
static void
test_samples_fixed_point(void)
{
	for (size_t i = 0; i < n_samples; i++) {
		const struct sample *s = &samples[i];
		size_t jl, pl;
		uint8_t *json = read_sample(s, "json", &jl), *pb = read_sample(s, "pb", &pl);
		char *j1 = p2j(s->sig, pb, pl), *j2, *j3;
		struct og_wbuf b;

		CU_ASSERT_PTR_NOT_NULL_FATAL(j1);
		CU_ASSERT_EQUAL_FATAL(j2p_buf(s->sig, (uint8_t *)j1, strlen(j1), &b), OG_OK);
		j2 = p2j(s->sig, b.data, b.len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(j2);
		CU_ASSERT_STRING_EQUAL(j1, j2);
		og_wbuf_free(&b);

		CU_ASSERT_EQUAL_FATAL(j2p_buf(s->sig, json, jl, &b), OG_OK);
		j3 = p2j(s->sig, b.data, b.len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(j3);
		CU_ASSERT_STRING_EQUAL(j1, j3);
		og_wbuf_free(&b);

		/* segmented input gives the same output */
		{
			uint32_t nseg;
			struct og_seg *segs = og_test_split(pb, pl, 7, &nseg);
			struct og_wbuf o;

			og_wbuf_init_growable(&o);
			CU_ASSERT_EQUAL(og_otlp_pb_to_json(s->sig, segs, nseg, &o, &jerr), OG_OK);
			CU_ASSERT(o.len == strlen(j1) && memcmp(o.data, j1, o.len) == 0);
			og_wbuf_free(&o);
			free(segs);
		}
		free(j1);
		free(j2);
		free(j3);
		free(json);
		free(pb);
	}
}

/* (c) the hex ids of the JSON are the bytes of the protobuf, both ways. */
static void
test_samples_ids(void)
{
	static char a[16384][33], b[16384][33], c[16384][33];
	size_t total = 0;

	for (size_t i = 0; i < n_samples; i++) {
		const struct sample *s = &samples[i];
		size_t jl, pl, na, nb, nc;
		uint8_t *json, *pb;
		struct og_wbuf w;

		json = read_sample(s, "json", &jl);
		pb = read_sample(s, "pb", &pl);
		json[jl] = 0;
		na = json_ids((char *)json, jl, a, OG_ARRAY_SIZE(a));
		nb = collect_ids(s->sig, pb, pl, b, OG_ARRAY_SIZE(b));
		CU_ASSERT_EQUAL_FATAL(j2p_buf(s->sig, json, jl, &w), OG_OK);
		nc = collect_ids(s->sig, w.data, w.len, c, OG_ARRAY_SIZE(c));
		CU_ASSERT_EQUAL(na, nb);
		CU_ASSERT_EQUAL(nb, nc);
		if (s->sig == OG_OTLP_TRACES)
			CU_ASSERT(nb >= 2 * s->items);
		qsort(a, na, sizeof(a[0]), cmp_id);
		qsort(b, nb, sizeof(b[0]), cmp_id);
		qsort(c, nc, sizeof(c[0]), cmp_id);
		for (size_t k = 0; k < na && k < nb && k < nc; k++) {
			CU_ASSERT_STRING_EQUAL(a[k], b[k]);
			CU_ASSERT_STRING_EQUAL(b[k], c[k]);
		}
		total += nb;
		og_wbuf_free(&w);
		free(json);
		free(pb);
	}
	CU_ASSERT(total > 10000);
}

/* ---- ids -------------------------------------------------------------- */

#define SPAN_JSON(body) "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{" body "}]}]}]}"
static const uint32_t span_path[] = { 1, 2, 2 };

static void
test_hex_ids(void)
{
	static const uint8_t want[] = {
		0x0a, 0x20, 0x12, 0x1e, 0x12, 0x1c, 0x0a, 0x10, 0x01, 0x23, 0x45, 0x67,
		0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
		0x12, 0x08, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18,
	};
	const char *base = "\"traceId\":\"0123456789abcdeffedcba9876543210\","
			   "\"spanId\":\"a1b2c3d4e5f60718\"";
	struct rd sp;
	uint64_t v;

	CU_ASSERT_EQUAL(
		j2p(OG_OTLP_TRACES, SPAN_JSON("\"traceId\":\"0123456789abcdeffedcba9876543210\","
					      "\"spanId\":\"a1b2c3d4e5f60718\"")),
		OG_OK);
	CU_ASSERT(plen == sizeof(want) && memcmp(pbuf, want, plen) == 0);
	(void)base;
	/* uppercase and mixed case: the same bytes */
	CU_ASSERT_EQUAL(
		j2p(OG_OTLP_TRACES, SPAN_JSON("\"traceId\":\"0123456789ABCDEFFEDCBA9876543210\","
					      "\"spanId\":\"A1b2C3d4E5f60718\"")),
		OG_OK);
	CU_ASSERT(plen == sizeof(want) && memcmp(pbuf, want, plen) == 0);
	/* canonical output is lowercase */
	{
		char *j = p2j(OG_OTLP_TRACES, pbuf, plen);

		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		CU_ASSERT_PTR_NOT_NULL(
			strstr(j, "\"traceId\":\"0123456789abcdeffedcba9876543210\""));
		CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"spanId\":\"a1b2c3d4e5f60718\""));
		free(j);
	}
	/* wrong lengths and bad digits */
	CU_ASSERT_EQUAL(
		j2p(OG_OTLP_TRACES, SPAN_JSON("\"traceId\":\"0123456789abcdeffedcba987654321\"")),
		-OG_OTLP_ERR_JSON_BAD_HEX);
	CU_ASSERT_EQUAL(jerr.code, OG_OTLP_ERR_JSON_BAD_HEX);
	CU_ASSERT_EQUAL(jerr.offset, off_of(SPAN_JSON("\"traceId\":\"0"), "\"0"));
	CU_ASSERT_EQUAL(
		j2p(OG_OTLP_TRACES, SPAN_JSON("\"traceId\":\"0123456789abcdeffedcba98765432100\"")),
		-OG_OTLP_ERR_JSON_BAD_HEX);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"spanId\":\"a1b2c3d4e5f6071g\"")),
			-OG_OTLP_ERR_JSON_BAD_HEX);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"spanId\":\"a1b2c3d4e5f6071\"")),
			-OG_OTLP_ERR_JSON_BAD_HEX);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"parentSpanId\":\"0000\"")),
			-OG_OTLP_ERR_JSON_BAD_HEX);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"spanId\":1234")), -OG_OTLP_ERR_JSON_TYPE);
	/* escaped hex digits are still hex */
	CU_ASSERT_EQUAL(
		j2p(OG_OTLP_TRACES, SPAN_JSON("\"spanId\":\"\\u0061\\u0031b2c3d4e5f60718\"")),
		OG_OK);
	CU_ASSERT(rd_path(pbuf, plen, span_path, 3, &v, &sp));
	CU_ASSERT(rd_find(sp, 2, &v, &sp) && v == 8 && sp.p[0] == 0xa1);
	/* empty ids are absent */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"traceId\":\"\",\"spanId\":\"\","
						      "\"parentSpanId\":\"\",\"name\":\"x\"")),
			OG_OK);
	CU_ASSERT(rd_path(pbuf, plen, span_path, 3, &v, &sp));
	CU_ASSERT_FALSE(rd_find(sp, 1, &v, &(struct rd){ 0 }));
	CU_ASSERT_FALSE(rd_find(sp, 2, &v, &(struct rd){ 0 }));
	CU_ASSERT_FALSE(rd_find(sp, 4, &v, &(struct rd){ 0 }));
	CU_ASSERT_TRUE(rd_find(sp, 5, &v, &(struct rd){ 0 }));
	/* logs and exemplars: hex too */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_LOGS, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{"
					  "\"traceId\":\"000102030405060708090A0B0C0D0E0F\","
					  "\"spanId\":\"0001020304050607\"}]}]}]}"),
			OG_OK);
	CU_ASSERT(rd_path(pbuf, plen, span_path, 3, &v, &sp));
	{
		struct rd f;

		CU_ASSERT(rd_find(sp, 9, &v, &f) && v == 16 && f.p[15] == 0x0f);
		CU_ASSERT(rd_find(sp, 10, &v, &f) && v == 8 && f.p[7] == 0x07);
	}
}

/* ---- numbers ---------------------------------------------------------- */

#define ATTR_JSON(val)                                                                      \
	"{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":{" val \
	"}}]}}]}"
static const uint32_t value_path[] = { 1, 1, 1, 2 };

/* The AnyValue of ATTR_JSON: its single field. */
static bool
any_value(uint32_t *num, uint64_t *v)
{
	struct rd m, sub;
	unsigned int wt;
	uint64_t x;

	if (!rd_path(pbuf, plen, value_path, 4, &x, &m))
		return false;
	return rd_field(&m, num, &wt, v, &sub) && m.p == m.end;
}

static void
test_int64(void)
{
	uint32_t num;
	uint64_t v;
	struct rd sp;

	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"intValue\":\"123\"")), OG_OK);
	CU_ASSERT(any_value(&num, &v) && num == 3 && v == 123);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"intValue\":123")), OG_OK);
	CU_ASSERT(any_value(&num, &v) && num == 3 && v == 123);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"intValue\":-5")), OG_OK);
	CU_ASSERT(any_value(&num, &v) && num == 3 && (int64_t)v == -5);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"intValue\":\"-9223372036854775808\"")),
			OG_OK);
	CU_ASSERT(any_value(&num, &v) && (int64_t)v == INT64_MIN);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"intValue\":9223372036854775807")), OG_OK);
	CU_ASSERT(any_value(&num, &v) && v == INT64_MAX);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"intValue\":1e3")), OG_OK);
	CU_ASSERT(any_value(&num, &v) && v == 1000);
	/* presence: zero is written, it is not an empty AnyValue */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"intValue\":0")), OG_OK);
	CU_ASSERT(any_value(&num, &v) && num == 3 && v == 0);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"intValue\":9223372036854775808")),
			-OG_OTLP_ERR_JSON_BAD_NUMBER);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"intValue\":1.5")),
			-OG_OTLP_ERR_JSON_BAD_NUMBER);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"intValue\":\"12x\"")),
			-OG_OTLP_ERR_JSON_BAD_NUMBER);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"intValue\":true")),
			-OG_OTLP_ERR_JSON_TYPE);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"intValue\":01")),
			-OG_OTLP_ERR_JSON_SYNTAX);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"intValue\":-")), -OG_OTLP_ERR_JSON_SYNTAX);

	/* fixed64 timestamps: as number and as string, same bytes */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"startTimeUnixNano\":1795290999196000000")),
			OG_OK);
	CU_ASSERT(rd_path(pbuf, plen, span_path, 3, &v, &sp));
	CU_ASSERT(rd_find(sp, 7, &v, &(struct rd){ 0 }) && v == 1795290999196000000ull);
	CU_ASSERT_EQUAL(
		j2p(OG_OTLP_TRACES, SPAN_JSON("\"startTimeUnixNano\":\"18446744073709551615\"")),
		OG_OK);
	CU_ASSERT(rd_path(pbuf, plen, span_path, 3, &v, &sp));
	CU_ASSERT(rd_find(sp, 7, &v, &(struct rd){ 0 }) && v == UINT64_MAX);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"startTimeUnixNano\":-1")),
			-OG_OTLP_ERR_JSON_BAD_NUMBER);
	/* 32-bit range */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"droppedAttributesCount\":4294967296")),
			-OG_OTLP_ERR_JSON_BAD_NUMBER);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"droppedAttributesCount\":\"7\"")), OG_OK);
	CU_ASSERT(rd_path(pbuf, plen, span_path, 3, &v, &sp));
	CU_ASSERT(rd_find(sp, 10, &v, &(struct rd){ 0 }) && v == 7);
	/* defaults are not written */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"droppedAttributesCount\":0,\"kind\":0,"
						      "\"name\":\"\",\"flags\":0")),
			OG_OK);
	CU_ASSERT(rd_path(pbuf, plen, span_path, 3, &v, &sp));
	CU_ASSERT(sp.p == sp.end);
	/* canonical output: 64-bit as strings, 32-bit as numbers */
	{
		char *j = j2j(
			OG_OTLP_TRACES,
			SPAN_JSON("\"startTimeUnixNano\":5,\"droppedLinksCount\":\"6\","
				  "\"attributes\":[{\"key\":\"a\",\"value\":{\"intValue\":-2}}]"));

		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"startTimeUnixNano\":\"5\""));
		CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"droppedLinksCount\":6"));
		CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"intValue\":\"-2\""));
		free(j);
	}
}

static void
test_enum_names(void)
{
	uint8_t a[256];
	size_t al;
	struct rd sp;
	uint64_t v;

	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"kind\":2,\"status\":{\"code\":2}")),
			OG_OK);
	memcpy(a, pbuf, plen);
	al = plen;
	CU_ASSERT_EQUAL(
		j2p(OG_OTLP_TRACES, SPAN_JSON("\"kind\":\"SPAN_KIND_SERVER\","
					      "\"status\":{\"code\":\"STATUS_CODE_ERROR\"}")),
		OG_OK);
	CU_ASSERT(plen == al && memcmp(pbuf, a, al) == 0);
	CU_ASSERT(rd_path(pbuf, plen, span_path, 3, &v, &sp));
	CU_ASSERT(rd_find(sp, 6, &v, &(struct rd){ 0 }) && v == 2);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"kind\":\"SPAN_KIND_BOGUS\"")),
			-OG_OTLP_ERR_JSON_TYPE);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"kind\":\"span_kind_server\"")),
			-OG_OTLP_ERR_JSON_TYPE);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_LOGS, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{"
					  "\"severityNumber\":\"SEVERITY_NUMBER_WARN\"}]}]}]}"),
			OG_OK);
	CU_ASSERT(rd_path(pbuf, plen, span_path, 3, &v, &sp));
	CU_ASSERT(rd_find(sp, 2, &v, &(struct rd){ 0 }) && v == 13);
	{
		char *j =
			j2j(OG_OTLP_METRICS,
			    "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"sum\":{"
			    "\"aggregationTemporality\":\"AGGREGATION_TEMPORALITY_DELTA\"}}]}]}]}");

		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"aggregationTemporality\":1"));
		free(j);
	}
}

static void
test_doubles(void)
{
	uint32_t num;
	uint64_t v;
	double d;
	char *j;

	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"doubleValue\":\"NaN\"")), OG_OK);
	CU_ASSERT(any_value(&num, &v) && num == 4);
	memcpy(&d, &v, 8);
	CU_ASSERT(isnan(d));
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"doubleValue\":\"Infinity\"")), OG_OK);
	CU_ASSERT(any_value(&num, &v));
	memcpy(&d, &v, 8);
	CU_ASSERT(isinf(d) && d > 0);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"doubleValue\":\"-Infinity\"")), OG_OK);
	CU_ASSERT(any_value(&num, &v));
	memcpy(&d, &v, 8);
	CU_ASSERT(isinf(d) && d < 0);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"doubleValue\":0.1")), OG_OK);
	CU_ASSERT(any_value(&num, &v));
	memcpy(&d, &v, 8);
	CU_ASSERT(d == 0.1);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"doubleValue\":-2.5e-3")), OG_OK);
	CU_ASSERT(any_value(&num, &v));
	memcpy(&d, &v, 8);
	CU_ASSERT(d == -2.5e-3);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"doubleValue\":1.7976931348623157e308")),
			OG_OK);
	CU_ASSERT(any_value(&num, &v));
	memcpy(&d, &v, 8);
	CU_ASSERT(d == 1.7976931348623157e308);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"doubleValue\":1e400")),
			-OG_OTLP_ERR_JSON_BAD_NUMBER);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"doubleValue\":\"nan\"")),
			-OG_OTLP_ERR_JSON_BAD_NUMBER);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"doubleValue\":NaN")),
			-OG_OTLP_ERR_JSON_SYNTAX);
	/* canonical output */
	j = j2j(OG_OTLP_TRACES, ATTR_JSON("\"doubleValue\":\"-Infinity\""));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "{\"doubleValue\":\"-Infinity\"}"));
	free(j);
	j = j2j(OG_OTLP_TRACES, ATTR_JSON("\"doubleValue\":\"NaN\""));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "{\"doubleValue\":\"NaN\"}"));
	free(j);
	j = j2j(OG_OTLP_TRACES, ATTR_JSON("\"doubleValue\":0.1"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "{\"doubleValue\":0.1}"));
	free(j);
	j = j2j(OG_OTLP_TRACES, ATTR_JSON("\"doubleValue\":0"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_PTR_NOT_NULL(strstr(j, "{\"doubleValue\":0}"));
	free(j);
}

/* ---- keys --------------------------------------------------------------- */

static void
test_unknown_and_snake_keys(void)
{
	uint8_t a[512];
	size_t al;

	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES,
			    SPAN_JSON("\"traceId\":\"0123456789abcdeffedcba9876543210\","
				      "\"spanId\":\"a1b2c3d4e5f60718\",\"name\":\"n\","
				      "\"startTimeUnixNano\":\"10\",\"droppedLinksCount\":3")),
			OG_OK);
	memcpy(a, pbuf, plen);
	al = plen;
	/* unknown keys everywhere, with nested objects, arrays and escapes */
	CU_ASSERT_EQUAL(
		j2p(OG_OTLP_TRACES,
		    "{\"x\":{\"a\":[1,2,{\"b\":null}],\"c\":\"\\u00e9\"},\"resourceSpans\":[{\"y\":"
		    "[[],"
		    "{}],\"scopeSpans\":[{\"spans\":[{\"traceId\":"
		    "\"0123456789abcdeffedcba9876543210\","
		    "\"zz\":true,\"spanId\":\"a1b2c3d4e5f60718\",\"name\":\"n\",\"q\":-1.5e3,"
		    "\"startTimeUnixNano\":\"10\",\"droppedLinksCount\":3,\"w\":false}]}]}],\"v\":"
		    "null}"),
		OG_OK);
	CU_ASSERT(plen == al && memcmp(pbuf, a, al) == 0);
	/* snake_case names are accepted */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES,
			    "{\"resource_spans\":[{\"scope_spans\":[{\"spans\":[{"
			    "\"trace_id\":\"0123456789abcdeffedcba9876543210\","
			    "\"span_id\":\"a1b2c3d4e5f60718\",\"name\":\"n\","
			    "\"start_time_unix_nano\":\"10\",\"dropped_links_count\":3}]}]}]}"),
			OG_OK);
	CU_ASSERT(plen == al && memcmp(pbuf, a, al) == 0);
	/* an escaped key is still the key */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES,
			    "{\"resource\\u0053pans\":[{\"scopeSpans\":[{\"spans\":[{"
			    "\"traceId\":\"0123456789abcdeffedcba9876543210\","
			    "\"spanId\":\"a1b2c3d4e5f60718\",\"name\":\"n\","
			    "\"startTimeUnixNano\":\"10\",\"droppedLinksCount\":3}]}]}]}"),
			OG_OK);
	CU_ASSERT(plen == al && memcmp(pbuf, a, al) == 0);
	/* unknown values are still syntax-checked */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, "{\"x\":[1,2,}"), -OG_OTLP_ERR_JSON_SYNTAX);
	CU_ASSERT_EQUAL(jerr.offset, 10);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, "{\"x\":{\"a\" 1}}"), -OG_OTLP_ERR_JSON_SYNTAX);
	CU_ASSERT_EQUAL(jerr.offset, 10);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, "{\"x\":tru}"), -OG_OTLP_ERR_JSON_SYNTAX);
	/* null is absent, also for messages and arrays */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, "{\"resourceSpans\":[{\"resource\":null,"
					    "\"scopeSpans\":null,\"schemaUrl\":null}]}"),
			OG_OK);
	CU_ASSERT(plen == 2 && pbuf[0] == 0x0a && pbuf[1] == 0);
	/* but not inside an array */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, "{\"resourceSpans\":[null]}"), -OG_OTLP_ERR_JSON_TYPE);
	CU_ASSERT_EQUAL(jerr.offset, 18);
	/* wrong JSON types */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, "{\"resourceSpans\":{}}"), -OG_OTLP_ERR_JSON_TYPE);
	CU_ASSERT_EQUAL(jerr.offset, 17);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, SPAN_JSON("\"name\":5")), -OG_OTLP_ERR_JSON_TYPE);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, "[]"), -OG_OTLP_ERR_JSON_TYPE);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, "{} x"), -OG_OTLP_ERR_JSON_SYNTAX);
	CU_ASSERT_EQUAL(jerr.offset, 3);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, "{\"resourceSpans\":[{},]}"), -OG_OTLP_ERR_JSON_SYNTAX);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ""), -OG_OTLP_ERR_JSON_SYNTAX);
}

/* ---- strings ----------------------------------------------------------- */

static void
test_escapes(void)
{
	static const char want[] = "a\"b\\c/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x00z";
	struct rd m, s;
	uint64_t v;
	char *j;

	CU_ASSERT_EQUAL(
		j2p(OG_OTLP_TRACES,
		    ATTR_JSON("\"stringValue\":\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u0041\\u00e9"
			      "\\u20AC\\ud83d\\ude00\\u0000z\"")),
		OG_OK);
	CU_ASSERT_FATAL(rd_path(pbuf, plen, value_path, 4, &v, &m));
	CU_ASSERT_FATAL(rd_find(m, 1, &v, &s));
	CU_ASSERT_EQUAL(v, sizeof(want) - 1);
	CU_ASSERT(memcmp(s.p, want, sizeof(want) - 1) == 0);
	/* raw UTF-8 passes through */
	CU_ASSERT_EQUAL(
		j2p(OG_OTLP_TRACES, ATTR_JSON("\"stringValue\":\"\xc3\xa9\xf0\x9f\x98\x80\"")),
		OG_OK);
	/* and out again: escapes where RFC 8259 needs them, UTF-8 kept */
	j = j2j(OG_OTLP_TRACES,
		ATTR_JSON("\"stringValue\":\"q\\\"\\\\\\u0001\\u001f\\t\\u00e9/\""));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(j, "{\"stringValue\":\"q\\\"\\\\\\u0001\\u001f\\t\xc3\xa9/\"}"));
	free(j);
	/* empty string with presence is written */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"stringValue\":\"\"")), OG_OK);
	CU_ASSERT(rd_path(pbuf, plen, value_path, 4, &v, &m) && rd_find(m, 1, &v, &s) && v == 0);

	/* broken escapes and surrogates */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"stringValue\":\"\\ud83d\"")),
			-OG_OTLP_ERR_JSON_BAD_UTF8);
	CU_ASSERT_EQUAL(jerr.offset, off_of(ATTR_JSON("\"stringValue\":\"\\ud83d\""), "\\ud83d"));
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"stringValue\":\"\\ude00\"")),
			-OG_OTLP_ERR_JSON_BAD_UTF8);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"stringValue\":\"\\ud83d\\u0041\"")),
			-OG_OTLP_ERR_JSON_BAD_UTF8);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"stringValue\":\"\\x\"")),
			-OG_OTLP_ERR_JSON_SYNTAX);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"stringValue\":\"\\u12G4\"")),
			-OG_OTLP_ERR_JSON_SYNTAX);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"stringValue\":\"a\tb\"")),
			-OG_OTLP_ERR_JSON_SYNTAX);
	CU_ASSERT_EQUAL(jerr.offset, off_of(ATTR_JSON("\"stringValue\":\"a\tb\""), "\t"));
}

static void
test_bad_utf8(void)
{
	const char *bad[] = {
		"\xff", "\xc0\x80", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80", "\x80", "\xc3",
	};
	size_t at = off_of(ATTR_JSON("\"stringValue\":\"a#"), "#");

	for (size_t i = 0; i < OG_ARRAY_SIZE(bad); i++) {
		char j[256];

		snprintf(j, sizeof(j), ATTR_JSON("\"stringValue\":\"a%s\""), bad[i]);
		CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, j), -OG_OTLP_ERR_JSON_BAD_UTF8);
		CU_ASSERT_EQUAL(jerr.offset, at);
		/* in an unknown key's value and in a key too */
		snprintf(j, sizeof(j), "{\"x\":\"%s\"}", bad[i]);
		CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, j), -OG_OTLP_ERR_JSON_BAD_UTF8);
		CU_ASSERT_EQUAL(jerr.offset, 6);
		snprintf(j, sizeof(j), "{\"%s\":1}", bad[i]);
		CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, j), -OG_OTLP_ERR_JSON_BAD_UTF8);
		/* outside any string */
		snprintf(j, sizeof(j), "{%s}", bad[i]);
		CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, j), -OG_OTLP_ERR_JSON_BAD_UTF8);
		CU_ASSERT_EQUAL(jerr.offset, 1);
	}
	/* protobuf -> JSON repairs invalid UTF-8 with U+FFFD */
	{
		static const uint8_t pb[] = {
			0x0a, 0x14, 0x0a, 0x12, 0x0a, 0x10, 0x0a, 0x01, 'k',  0x12, 0x0b,
			0x0a, 0x09, 'a',  0xff, 'b',  0xc3, 0xa9, 0xe2, 0x82, 'c',  0x22,
		};
		char *j = p2j(OG_OTLP_TRACES, pb, sizeof(pb));

		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		CU_ASSERT_PTR_NOT_NULL(strstr(j, "\"stringValue\":\"a\xef\xbf\xbd"
						 "b\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd"
						 "c\\\"\""));
		/* and the repaired JSON is accepted */
		CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, j), OG_OK);
		free(j);
	}
}

/* ---- bytes ------------------------------------------------------------- */

static void
test_base64(void)
{
	const char *ok[] = { "AQID/w==", "AQID/w", "AQID_w", "AQID_w==" };
	uint32_t num;
	uint64_t v;
	struct rd m, s;
	char j[256], *out;

	for (size_t i = 0; i < OG_ARRAY_SIZE(ok); i++) {
		snprintf(j, sizeof(j), ATTR_JSON("\"bytesValue\":\"%s\""), ok[i]);
		CU_ASSERT_EQUAL_FATAL(j2p(OG_OTLP_TRACES, j), OG_OK);
		CU_ASSERT(rd_path(pbuf, plen, value_path, 4, &v, &m) && rd_find(m, 7, &v, &s));
		CU_ASSERT(v == 4 && s.p[0] == 1 && s.p[1] == 2 && s.p[2] == 3 && s.p[3] == 0xff);
	}
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"bytesValue\":\"\\u0041QID\"")), OG_OK);
	CU_ASSERT(rd_path(pbuf, plen, value_path, 4, &v, &m) && rd_find(m, 7, &v, &s) && v == 3);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"bytesValue\":\"\"")), OG_OK);
	CU_ASSERT(any_value(&num, &v) && num == 7 && v == 0);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"bytesValue\":\"AQI*\"")),
			-OG_OTLP_ERR_JSON_BAD_BASE64);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"bytesValue\":\"AQIDB\"")),
			-OG_OTLP_ERR_JSON_BAD_BASE64);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"bytesValue\":\"AQ=\"")),
			-OG_OTLP_ERR_JSON_BAD_BASE64);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, ATTR_JSON("\"bytesValue\":\"A=QI\"")),
			-OG_OTLP_ERR_JSON_BAD_BASE64);
	out = j2j(OG_OTLP_TRACES, ATTR_JSON("\"bytesValue\":\"AQID_w\""));
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"bytesValue\":\"AQID/w==\"}"));
	free(out);
}

/* ---- metrics: packed fields, oneofs, nesting of AnyValue ----------------- */

static void
test_metrics_packed(void)
{
	const char *in =
		"{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"name\":\"h\","
		"\"histogram\":{\"aggregationTemporality\":2,\"dataPoints\":[{\"count\":\"6\","
		"\"sum\":0,\"bucketCounts\":[\"1\",2,\"3\"],\"explicitBounds\":[1,2.5],"
		"\"exemplars\":[{\"asInt\":\"-4\",\"spanId\":\"0102030405060708\"}]}]}},"
		"{\"name\":\"e\",\"exponentialHistogram\":{\"dataPoints\":[{\"scale\":-3,"
		"\"positive\":{\"offset\":-2,\"bucketCounts\":[\"300\",0,7]},"
		"\"zeroThreshold\":0.5}]}},"
		"{\"name\":\"s\",\"summary\":{\"dataPoints\":[{\"quantileValues\":"
		"[{\"quantile\":0.5,\"value\":3}]}]}},"
		"{\"name\":\"g\",\"gauge\":{\"dataPoints\":[{\"asDouble\":0}]}}]}]}]}";
	const uint32_t hdp[] = { 1, 2, 2, 9, 1 };
	struct rd dp, f;
	uint64_t v;
	char *j1, *j2;
	double d;

	CU_ASSERT_EQUAL_FATAL(j2p(OG_OTLP_METRICS, in), OG_OK);
	CU_ASSERT_FATAL(rd_path(pbuf, plen, hdp, 5, &v, &dp));
	/* bucket_counts: packed fixed64, 3 elements */
	CU_ASSERT(rd_find(dp, 6, &v, &f) && v == 24 && f.p[0] == 1 && f.p[8] == 2 && f.p[16] == 3);
	/* explicit_bounds: packed double */
	CU_ASSERT(rd_find(dp, 7, &v, &f) && v == 16);
	memcpy(&d, f.p + 8, 8);
	CU_ASSERT(d == 2.5);
	/* optional sum = 0 is present */
	CU_ASSERT(rd_find(dp, 5, &v, &(struct rd){ 0 }) && v == 0);
	CU_ASSERT(rd_find(dp, 4, &v, &(struct rd){ 0 }) && v == 6);
	CU_ASSERT(count_items(OG_OTLP_METRICS, pbuf, plen).items == 4);

	/* round trip is a fixed point, and keeps what matters */
	j1 = p2j(OG_OTLP_METRICS, pbuf, plen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j1);
	CU_ASSERT_PTR_NOT_NULL(strstr(j1, "\"bucketCounts\":[\"1\",\"2\",\"3\"]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j1, "\"explicitBounds\":[1,2.5]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j1, "\"sum\":0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j1, "\"asInt\":\"-4\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(j1, "\"scale\":-3"));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(j1, "\"positive\":{\"offset\":-2,\"bucketCounts\":[\"300\",\"0\",\"7\"]}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j1, "\"quantileValues\":[{\"quantile\":0.5,\"value\":3}]"));
	CU_ASSERT_PTR_NOT_NULL(strstr(j1, "\"dataPoints\":[{\"asDouble\":0}]"));
	j2 = j2j(OG_OTLP_METRICS, j1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j2);
	CU_ASSERT_STRING_EQUAL(j1, j2);
	free(j1);
	free(j2);

	/* an unpacked repeated field in protobuf is read as well */
	{
		static const uint8_t pb[] = {
			0x0a, 0x1a, 0x12, 0x18, 0x12, 0x16, 0x4a, 0x14, 0x0a, 0x12, 0x31, 1, 0, 0,
			0,    0,    0,	  0,	0,    0x31, 2,	  0,	0,    0,    0,	  0, 0, 0,
		};
		char *j = p2j(OG_OTLP_METRICS, pb, sizeof(pb));

		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		CU_ASSERT_STRING_EQUAL(j, "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{"
					  "\"histogram\":{\"dataPoints\":[{\"bucketCounts\":"
					  "[\"1\",\"2\"]}]}}]}]}]}");
		free(j);
	}
	CU_ASSERT_EQUAL(
		j2p(OG_OTLP_METRICS,
		    "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"histogram\":{"
		    "\"dataPoints\":[{\"bucketCounts\":[1,null]}]}}]}]}]}"),
		-OG_OTLP_ERR_JSON_TYPE);
	CU_ASSERT_EQUAL(
		j2p(OG_OTLP_METRICS,
		    "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{\"histogram\":{"
		    "\"dataPoints\":[{\"bucketCounts\":[]}]}}]}]}]}"),
		OG_OK);
}

/* Build an AnyValue nested @p n arrays deep (malloc'd, NUL-terminated). */
static char *
nested_any(int n)
{
	struct og_wbuf b;

	og_wbuf_init_growable(&b);
	og_wbuf_puts(&b, "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"k\","
			 "\"value\":");
	for (int i = 0; i < n; i++)
		og_wbuf_puts(&b, "{\"arrayValue\":{\"values\":[");
	og_wbuf_puts(&b, "{\"intValue\":\"7\"}");
	for (int i = 0; i < n; i++)
		og_wbuf_puts(&b, "]}}");
	og_wbuf_puts(&b, "}]}}]}");
	og_wbuf_putc(&b, 0);
	if (b.overflow)
		abort();
	return (char *)b.data;
}

static void
test_deep_nesting(void)
{
	size_t n = 10000;
	char *s = malloc(5 * n + 16), *j;

	if (s == NULL)
		abort();
	memset(s, '[', n);
	s[n] = 0;
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, s), -OG_OTLP_ERR_JSON_TOO_DEEP);
	memcpy(s, "{\"x\":", 5);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, s), -OG_OTLP_ERR_JSON_TOO_DEEP);
	for (size_t i = 0; i < n; i++)
		memcpy(s + 5 * i, "{\"a\":", 5);
	s[5 * n] = 0;
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, s), -OG_OTLP_ERR_JSON_TOO_DEEP);
	CU_ASSERT(jerr.offset < 5 * (OG_OTLP_MAX_DEPTH * 3 + 32));
	free(s);

	/* AnyValue nesting: OG_OTLP_MAX_DEPTH levels pass (and round trip), 1000 do not */
	s = nested_any(OG_OTLP_MAX_DEPTH);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, s), OG_OK);
	j = p2j(OG_OTLP_TRACES, pbuf, plen);
	CU_ASSERT_PTR_NOT_NULL(j);
	if (j != NULL)
		CU_ASSERT_PTR_NOT_NULL(strstr(j, "{\"intValue\":\"7\"}"));
	free(j);
	free(s);
	s = nested_any(1000);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_TRACES, s), -OG_OTLP_ERR_JSON_TOO_DEEP);
	free(s);

	/* protobuf nested 1000 AnyValue/ArrayValue levels: an error, not a crash */
	{
		size_t lv = 2000, cap = lv * 6 + 16;
		uint8_t *pb = malloc(cap), *tmp = malloc(cap);
		size_t len = 0;

		/* innermost first: AnyValue{int_value 7}, then wrap alternately */
		pb[len++] = 0x18;
		pb[len++] = 7;
		for (size_t i = 0; i < lv; i++) {
			uint8_t hdr[8];
			size_t h = 0, l = len;

			hdr[h++] = (i % 2 == 0)
					   ? 0x0a
					   : 0x2a; /* ArrayValue.values / AnyValue.array_value */
			while (l >= 0x80) {
				hdr[h++] = (uint8_t)(l | 0x80);
				l >>= 7;
			}
			hdr[h++] = (uint8_t)l;
			memcpy(tmp, hdr, h);
			memcpy(tmp + h, pb, len);
			memcpy(pb, tmp, h + len);
			len += h;
		}
		/* wrap into request > ResourceSpans > Resource > KeyValue.value */
		{
			uint8_t *w = malloc(len + 32);
			size_t o = 0;
			size_t kv = 3 + 4 + len; /* key "k", value tag and 3-byte length */
			size_t res = 4 + kv;	 /* Resource.attributes */
			size_t rs = 4 + res;	 /* ResourceSpans.resource */
			const size_t l3[] = { rs, res, kv };
			const uint8_t tags[] = { 0x0a, 0x0a, 0x0a };

			for (int i = 0; i < 3; i++) {
				w[o++] = tags[i];
				w[o++] = (uint8_t)(l3[i] | 0x80);
				w[o++] = (uint8_t)((l3[i] >> 7) | 0x80);
				w[o++] = (uint8_t)(l3[i] >> 14);
			}
			w[o++] = 0x0a;
			w[o++] = 1;
			w[o++] = 'k';
			w[o++] = 0x12;
			w[o++] = (uint8_t)(len | 0x80);
			w[o++] = (uint8_t)((len >> 7) | 0x80);
			w[o++] = (uint8_t)(len >> 14);
			memcpy(w + o, pb, len);
			o += len;
			{
				struct og_seg sg = { w, (uint32_t)o };
				struct og_wbuf b;
				int rc;

				og_wbuf_init_growable(&b);
				rc = og_otlp_pb_to_json(OG_OTLP_TRACES, &sg, 1, &b, &jerr);
				CU_ASSERT_EQUAL(rc, -OG_OTLP_ERR_TOO_DEEP);
				CU_ASSERT(jerr.offset > 0 && jerr.offset < o);
				og_wbuf_free(&b);
			}
			free(w);
		}
		free(pb);
		free(tmp);
	}
}

/* ---- robustness --------------------------------------------------------- */

static void
test_truncation(void)
{
	size_t jl, pl;
	uint8_t *json = og_test_read_file("samples/traces-1.json", &jl);
	uint8_t *pb = og_test_read_file("samples/traces-1.pb", &pl);

	/* strip a trailing newline: the cut must be inside the document */
	while (jl > 0 && (json[jl - 1] == '\n' || json[jl - 1] == ' '))
		jl--;
	for (size_t n = 0; n < jl; n++) {
		uint8_t *cut = malloc(n ? n : 1); /* exact size: ASan sees overreads */
		struct og_wbuf b;
		int rc;

		memcpy(cut, json, n);
		og_wbuf_init_growable(&b);
		rc = og_otlp_json_to_pb(OG_OTLP_TRACES, cut, n, &b, &jerr);
		CU_ASSERT(rc < 0);
		CU_ASSERT_EQUAL(b.len, 0);
		CU_ASSERT(jerr.offset <= n);
		/* a cut document is a syntax error reported at (or right before) its end */
		CU_ASSERT_EQUAL(jerr.code, OG_OTLP_ERR_JSON_SYNTAX);
		CU_ASSERT(jerr.offset + 8 >= n);
		og_wbuf_free(&b);
		free(cut);
	}
	/* protobuf cut at every byte: an error with an offset inside, or (0) empty */
	for (size_t n = 0; n < pl; n++) {
		uint8_t *cut = malloc(n ? n : 1);
		struct og_seg s = { cut, (uint32_t)n };
		struct og_wbuf b;
		int rc;

		memcpy(cut, pb, n);
		og_wbuf_init_growable(&b);
		rc = og_otlp_pb_to_json(OG_OTLP_TRACES, &s, 1, &b, &jerr);
		if (n == 0)
			CU_ASSERT_EQUAL(rc, OG_OK);
		if (n > 0) {
			CU_ASSERT(rc < 0);
			CU_ASSERT(jerr.offset <= n);
		}
		og_wbuf_free(&b);
		free(cut);
	}
	free(json);
	free(pb);
}

static void
test_bad_protobuf(void)
{
	static const struct {
		uint8_t b[12];
		size_t n;
		enum og_otlp_err code;
		uint64_t off;
	} cases[] = {
		{ { 0x0a, 0x05, 0x01 }, 3, OG_OTLP_ERR_LENGTH_PAST_PARENT, 0 },
		{ { 0x0b, 0x00 }, 2, OG_OTLP_ERR_BAD_WIRE_TYPE, 0 },
		{ { 0x08, 0x01 }, 2, OG_OTLP_ERR_WRONG_WIRE_TYPE, 0 },
		{ { 0x00, 0x01 }, 2, OG_OTLP_ERR_BAD_FIELD_NUMBER, 0 },
		{ { 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 },
		  12,
		  OG_OTLP_ERR_VARINT_TOO_LONG,
		  1 },
		{ { 0x0a, 0x02, 0x12, 0x03 }, 4, OG_OTLP_ERR_LENGTH_PAST_PARENT, 2 },
		{ { 0x0a, 0x02, 0x18, 0x01 }, 4, OG_OTLP_ERR_WRONG_WIRE_TYPE, 2 },
		{ { 0x11, 0x01, 0x02 }, 3, OG_OTLP_ERR_TRUNCATED, 3 },
	};

	for (size_t i = 0; i < OG_ARRAY_SIZE(cases); i++) {
		struct og_seg s = { cases[i].b, (uint32_t)cases[i].n };
		struct og_wbuf b;

		og_wbuf_init_growable(&b);
		CU_ASSERT_EQUAL(og_otlp_pb_to_json(OG_OTLP_TRACES, &s, 1, &b, &jerr),
				-(int)cases[i].code);
		CU_ASSERT_EQUAL(jerr.code, cases[i].code);
		CU_ASSERT_EQUAL(jerr.offset, cases[i].off);
		CU_ASSERT_EQUAL(b.len, 0);
		og_wbuf_free(&b);
	}
	/* unknown fields are skipped */
	{
		static const uint8_t pb[] = { 0x78, 0x05, 0x0a, 0x00, 0x7a, 0x01, 0xff };
		char *j = p2j(OG_OTLP_TRACES, pb, sizeof(pb));

		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		CU_ASSERT_STRING_EQUAL(j, "{\"resourceSpans\":[{}]}");
		free(j);
	}
}

static void
test_no_space(void)
{
	size_t jl, pl;
	uint8_t *json = og_test_read_file("samples/traces-1.json", &jl);
	uint8_t mem[4096];
	struct og_wbuf b;
	size_t need;
	int rc;

	og_wbuf_init_growable(&b);
	CU_ASSERT_EQUAL_FATAL(og_otlp_json_to_pb(OG_OTLP_TRACES, json, jl, &b, &jerr), OG_OK);
	need = b.len;
	og_wbuf_free(&b);
	for (size_t cap = 0; cap < need; cap++) {
		og_wbuf_init_fixed(&b, mem, cap);
		rc = og_otlp_json_to_pb(OG_OTLP_TRACES, json, jl, &b, &jerr);
		CU_ASSERT_EQUAL(rc, -OG_OTLP_ERR_NO_SPACE);
		CU_ASSERT_EQUAL(b.len, 0);
		CU_ASSERT_TRUE(b.overflow);
		CU_ASSERT(jerr.offset < jl);
	}
	/* room for the output before compaction: fits */
	og_wbuf_init_fixed(&b, mem, sizeof(mem));
	CU_ASSERT_EQUAL(og_otlp_json_to_pb(OG_OTLP_TRACES, json, jl, &b, &jerr), OG_OK);
	CU_ASSERT_EQUAL(b.len, need);

	/* protobuf -> JSON into a fixed buffer */
	{
		uint8_t *pb = og_test_read_file("samples/traces-1.pb", &pl);
		struct og_seg s = { pb, (uint32_t)pl };
		char *ref = p2j(OG_OTLP_TRACES, pb, pl);

		CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
		for (size_t cap = 0; cap < strlen(ref); cap += 7) {
			og_wbuf_init_fixed(&b, mem, cap);
			CU_ASSERT_EQUAL(og_otlp_pb_to_json(OG_OTLP_TRACES, &s, 1, &b, &jerr),
					-OG_OTLP_ERR_NO_SPACE);
			CU_ASSERT_EQUAL(b.len, 0);
		}
		og_wbuf_init_fixed(&b, mem, strlen(ref));
		CU_ASSERT_EQUAL(og_otlp_pb_to_json(OG_OTLP_TRACES, &s, 1, &b, &jerr), OG_OK);
		CU_ASSERT(b.len == strlen(ref) && memcmp(mem, ref, b.len) == 0);
		free(ref);
		free(pb);
	}
	free(json);
}

static void
test_empty(void)
{
	struct og_seg s = { (const uint8_t *)"", 0 };
	struct og_wbuf b;
	uint8_t mem[8];

	for (int sig = 0; sig < OG_OTLP_SIGNAL_MAX; sig++) {
		CU_ASSERT_EQUAL(j2p(sig, "{}"), OG_OK);
		CU_ASSERT_EQUAL(plen, 0);
		CU_ASSERT_EQUAL(j2p(sig, " \r\n\t{ } \n"), OG_OK);
		CU_ASSERT_EQUAL(plen, 0);
		CU_ASSERT_EQUAL(j2p(sig, "\xef\xbb\xbf{}"), OG_OK);
		og_wbuf_init_fixed(&b, mem, sizeof(mem));
		CU_ASSERT_EQUAL(og_otlp_pb_to_json(sig, &s, 1, &b, &jerr), OG_OK);
		CU_ASSERT(b.len == 2 && memcmp(mem, "{}", 2) == 0);
	}
	/* a fixed buffer of 0 bytes holds the empty request */
	og_wbuf_init_fixed(&b, mem, 0);
	CU_ASSERT_EQUAL(og_otlp_json_to_pb(OG_OTLP_LOGS, (const uint8_t *)"{}", 2, &b, &jerr),
			OG_OK);
	/* the signal picks the top-level key */
	CU_ASSERT_EQUAL(j2p(OG_OTLP_LOGS, "{\"resourceSpans\":[{}]}"), OG_OK);
	CU_ASSERT_EQUAL(plen, 0);
	CU_ASSERT_EQUAL(j2p(OG_OTLP_LOGS, "{\"resourceLogs\":[{}]}"), OG_OK);
	CU_ASSERT_EQUAL(plen, 2);
}

/*
 * Deterministic mutations of traces-1 and metrics-4x3 (JSON and protobuf):
 * never a crash (ASan/UBSan builds watch); whatever the decoder accepts is
 * protobuf that the encoder accepts, and its JSON is a fixed point.
 */
static void
test_mutations(void)
{
	static const char *files[][2] = { { "samples/traces-1.json", "samples/traces-1.pb" },
					  { "samples/metrics-4x3.json",
					    "samples/metrics-4x3.pb" } };
	static const uint8_t pick[] = { '{', '}', '[', ']', '"',  '\\', ':',  ',',  '0',  '-',
					'e', 'n', 'u', ' ', 0x00, 0x80, 0xc3, 0xff, 0x0a, 0x12 };
	uint32_t rnd = 12345;
	unsigned int accepted = 0;

	for (size_t fi = 0; fi < OG_ARRAY_SIZE(files); fi++) {
		enum og_otlp_signal sig = fi == 0 ? OG_OTLP_TRACES : OG_OTLP_METRICS;
		size_t jl, pl;
		uint8_t *json = og_test_read_file(files[fi][0], &jl);
		uint8_t *pb = og_test_read_file(files[fi][1], &pl);
		uint8_t *m = malloc(OG_MAX(jl, pl));

		for (int it = 0; it < 1500; it++) {
			int which = it & 1;
			size_t len = which ? pl : jl;
			struct og_wbuf b;
			struct og_seg seg;
			int rc;

			memcpy(m, which ? pb : json, len);
			for (int k = 0; k < 1 + (it % 3); k++) {
				rnd = rnd * 1103515245u + 12345u;
				m[(rnd >> 8) % len] = (which || (rnd & 1))
							      ? (uint8_t)(rnd >> 16)
							      : pick[(rnd >> 16) % sizeof(pick)];
			}
			og_wbuf_init_growable(&b);
			if (which) {
				seg.data = m;
				seg.len = (uint32_t)len;
				rc = og_otlp_pb_to_json(sig, &seg, 1, &b, &jerr);
				CU_ASSERT(rc == OG_OK ||
					  (jerr.code != OG_OTLP_ERR_NONE && jerr.offset <= len));
				og_wbuf_free(&b);
				continue;
			}
			rc = og_otlp_json_to_pb(sig, m, len, &b, &jerr);
			CU_ASSERT(rc == OG_OK ||
				  (jerr.code != OG_OTLP_ERR_NONE && jerr.offset <= len));
			if (rc == OG_OK) {
				char *j1 = p2j(sig, b.data, b.len), *j2;

				accepted++;
				CU_ASSERT_PTR_NOT_NULL_FATAL(j1);
				j2 = j2j(sig, j1);
				CU_ASSERT_PTR_NOT_NULL_FATAL(j2);
				CU_ASSERT_STRING_EQUAL(j1, j2);
				free(j1);
				free(j2);
			}
			og_wbuf_free(&b);
		}
		free(m);
		free(json);
		free(pb);
	}
	CU_ASSERT(accepted > 0); /* some mutations land in string contents */
}

/* The schema table is consistent: unique numbers and names, sane types. */
static void
test_schema(void)
{
	for (int i = 0; i < OG_JM_MAX; i++) {
		const struct og_json_msg *m = &og_json_msgs[i];

		CU_ASSERT_PTR_NOT_NULL_FATAL(m->name);
		CU_ASSERT(m->n_fields > 0 && m->n_fields <= OG_JSON_MAX_FIELDS);
		for (int a = 0; a < m->n_fields; a++) {
			const struct og_json_field *f = &m->fields[a];

			CU_ASSERT(f->number > 0 && f->number < 32);
			CU_ASSERT_EQUAL(strlen(f->json), f->json_len);
			CU_ASSERT_EQUAL(strlen(f->proto), f->proto_len);
			CU_ASSERT(og_json_field_by_number(m, f->number) == f);
			if (f->type == OG_JT_MESSAGE)
				CU_ASSERT(f->msg < OG_JM_MAX && f->msg != OG_JM_TRACE_REQ);
			if (f->type == OG_JT_ID)
				CU_ASSERT(f->id_len == 8 || f->id_len == 16);
			if (f->type == OG_JT_ENUM)
				CU_ASSERT(f->enm != NULL && f->enm->n > 0);
			if (f->flags & OG_JF_PACKED)
				CU_ASSERT(og_json_wire_type(f) != 2);
			for (int b = 0; b < a; b++) {
				CU_ASSERT(m->fields[b].number != f->number);
				CU_ASSERT(strcmp(m->fields[b].json, f->json) != 0);
			}
		}
	}
	/* spot checks against opentelemetry-proto */
	CU_ASSERT_EQUAL(og_json_field_by_number(&og_json_msgs[OG_JM_SPAN], 16)->type,
			OG_JT_FIXED32);
	CU_ASSERT_EQUAL(og_json_field_by_number(&og_json_msgs[OG_JM_LOG_RECORD], 12)->type,
			OG_JT_STRING);
	CU_ASSERT_EQUAL(og_json_field_by_number(&og_json_msgs[OG_JM_NUMBER_DP], 6)->type,
			OG_JT_SFIXED64);
	CU_ASSERT_EQUAL(og_json_field_by_number(&og_json_msgs[OG_JM_EXP_HISTOGRAM_DP], 6)->type,
			OG_JT_SINT32);
}

static CU_TestInfo json_tests[] = {
	{ "schema table is consistent", test_schema },
	{ "samples: json -> pb has the manifest counts", test_samples_counts },
	{ "samples: pb -> json -> pb -> json fixed point", test_samples_fixed_point },
	{ "samples: hex ids equal protobuf bytes", test_samples_ids },
	{ "hex ids: case, length, empty", test_hex_ids },
	{ "64-bit integers as strings and numbers", test_int64 },
	{ "enums by name", test_enum_names },
	{ "doubles, NaN and infinities", test_doubles },
	{ "unknown and snake_case keys, null, types", test_unknown_and_snake_keys },
	{ "escapes and surrogate pairs", test_escapes },
	{ "invalid UTF-8", test_bad_utf8 },
	{ "base64 bytes", test_base64 },
	{ "metrics: packed, optional, oneof", test_metrics_packed },
	{ "deep nesting", test_deep_nesting },
	{ "truncation at every byte", test_truncation },
	{ "malformed protobuf", test_bad_protobuf },
	{ "fixed output buffer too small", test_no_space },
	{ "empty request", test_empty },
	{ "mutated inputs", test_mutations },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "otlp_json", NULL, NULL, NULL, NULL, json_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request bodies: loaded from files or generated, gzip'd once at start, and
 * their items counted by the same scanner otlpgate uses (og_otlp_scan), so
 * spans/s never rests on a file name. Also the sink's item count.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "og_otlp.h"
#include "og_pb.h"
#include "otlpgen.h"

/* Enough for the largest batch otlpgate sends: one entry per request. */
#define SCAN_RES_CAP 65536

int
gen_path_signal(const char *path)
{
	size_t n = strlen(path);

	/* OTLP/HTTP 1.11 "OTLP/HTTP Request": /v1/traces, /v1/metrics, /v1/logs */
	if (n >= 10 && strcmp(path + n - 10, "/v1/traces") == 0)
		return OG_OTLP_TRACES;
	if (n >= 11 && strcmp(path + n - 11, "/v1/metrics") == 0)
		return OG_OTLP_METRICS;
	if (n >= 8 && strcmp(path + n - 8, "/v1/logs") == 0)
		return OG_OTLP_LOGS;
	return -1;
}

static int64_t
scan_items(const struct og_seg *segs, uint32_t nseg, enum og_otlp_signal sig)
{
	static __thread struct og_otlp_resource *res;
	struct og_otlp_scan s;

	if (res == NULL) {
		/* once per thread, at the first count: not per request */
		res = calloc(SCAN_RES_CAP, sizeof(*res));
		if (res == NULL)
			return -1;
	}
	memset(&s, 0, sizeof(s));
	s.signal = sig;
	s.res = res;
	s.res_cap = SCAN_RES_CAP;
	if (og_otlp_scan(segs, nseg, &s) != OG_OK)
		return -1;
	return (int64_t)s.n_items;
}

int64_t
gen_count_items(const struct og_seg *segs, uint32_t nseg, enum og_otlp_signal sig, bool gzip,
		struct og_inflater *inf, uint8_t *scratch, size_t scratch_cap)
{
	struct og_seg one;
	size_t n;

	if (!gzip)
		return scan_items(segs, nseg, sig);
	if (inf == NULL ||
	    og_gzip_inflate(inf, segs, nseg, scratch, scratch_cap, &n, NULL) != OG_OK)
		return -1;
	one.data = scratch;
	one.len = (uint32_t)n;
	return scan_items(&one, 1, sig);
}

static int
set_gzip(struct gen_body *b, bool gzip)
{
	struct og_wbuf w;

	b->plain_len = b->len;
	b->gzip = gzip;
	if (!gzip)
		return 0;
	og_wbuf_init_growable(&w);
	/* level 1: the egress default; the ratio, not the speed, matters here */
	if (og_gzip_deflate(b->data, b->len, &w, 1) != OG_OK) {
		og_wbuf_free(&w);
		return -ENOMEM;
	}
	free(b->data);
	b->data = w.data;
	b->len = (uint32_t)w.len;
	return 0;
}

static void
set_name(struct gen_body *b, const char *file)
{
	const char *base = strrchr(file, '/');

	snprintf(b->name, sizeof(b->name), "%s", base != NULL ? base + 1 : file);
}

int
gen_body_load(struct gen_body *b, const char *file, enum og_otlp_signal sig, bool gzip)
{
	FILE *f = fopen(file, "rb");
	struct og_seg seg;
	long n;
	int64_t items;

	memset(b, 0, sizeof(*b));
	if (f == NULL) {
		fprintf(stderr, "otlpgen: --body: cannot open '%s': %s\n", file, strerror(errno));
		return -errno;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || n > INT32_MAX ||
	    fseek(f, 0, SEEK_SET) != 0 || (b->data = malloc((size_t)n)) == NULL ||
	    fread(b->data, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "otlpgen: --body: cannot read '%s' (empty or too large)\n", file);
		fclose(f);
		gen_body_free(b);
		return -EIO;
	}
	fclose(f);
	b->len = (uint32_t)n;
	set_name(b, file);
	if (n >= 2 && b->data[0] == 0x1f && b->data[1] == 0x8b) {
		/* a .gz file: keep it plain in memory, re-compress below if asked */
		struct og_inflater *inf = og_inflater_create();
		size_t cap = (size_t)64 << 20, out_len = 0;
		uint8_t *out = malloc(cap);
		int rc;

		seg.data = b->data;
		seg.len = b->len;
		rc = inf != NULL && out != NULL
			     ? og_gzip_inflate(inf, &seg, 1, out, cap, &out_len, NULL)
			     : -1;
		og_inflater_free(inf);
		if (rc != OG_OK) {
			free(out);
			fprintf(stderr, "otlpgen: --body: '%s': bad gzip data\n", file);
			gen_body_free(b);
			return -EINVAL;
		}
		free(b->data);
		b->data = out;
		b->len = (uint32_t)out_len;
	}
	seg.data = b->data;
	seg.len = b->len;
	items = scan_items(&seg, 1, sig);
	if (items < 0) {
		fprintf(stderr, "otlpgen: --body: '%s' is not a valid OTLP %s request\n", file,
			og_otlp_signal_name(sig));
		gen_body_free(b);
		return -EINVAL;
	}
	b->items = (uint64_t)items;
	if (set_gzip(b, gzip) != 0) {
		gen_body_free(b);
		return -ENOMEM;
	}
	return 0;
}

void
gen_body_free(struct gen_body *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

/* ---- protobuf writer for generated bodies --------------------------------- */

static void
put_varint(struct og_wbuf *w, uint64_t v)
{
	uint8_t b[OG_PB_VARINT_MAX];

	og_wbuf_put(w, b, og_pb_varint_put(b, v));
}

/* A length-delimited field: tag, length, bytes. */
static void
put_bytes(struct og_wbuf *w, uint32_t field, const void *p, size_t n)
{
	put_varint(w, og_pb_tag(field, OG_PB_WT_LEN));
	put_varint(w, n);
	og_wbuf_put(w, p, n);
}

static void
put_str(struct og_wbuf *w, uint32_t field, const char *s)
{
	put_bytes(w, field, s, strlen(s));
}

static void
put_fixed64(struct og_wbuf *w, uint32_t field, uint64_t v)
{
	put_varint(w, og_pb_tag(field, OG_PB_WT_I64));
	for (int i = 0; i < 8; i++)
		og_wbuf_putc(w, (uint8_t)(v >> (8 * i)));
}

/* KeyValue { key = 1; AnyValue value = 2 { string_value = 1 } } */
static void
put_kv(struct og_wbuf *w, uint32_t field, const char *key, const char *val, size_t val_len)
{
	struct og_wbuf any, kv;

	og_wbuf_init_growable(&any);
	og_wbuf_init_growable(&kv);
	put_bytes(&any, 1, val, val_len);
	put_str(&kv, 1, key);
	put_bytes(&kv, 2, any.data, any.len);
	put_bytes(w, field, kv.data, kv.len);
	w->overflow |= any.overflow || kv.overflow;
	og_wbuf_free(&any);
	og_wbuf_free(&kv);
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

int
gen_body_synth(struct gen_body *b, const struct gen_synth *s, bool gzip)
{
	struct og_wbuf req, rs, res, ss, scope, span;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	char *val;
	int rc = 0;

	memset(b, 0, sizeof(*b));
	if (s->spans == 0)
		return -EINVAL;
	val = malloc(s->value_bytes + 1);
	if (val == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->value_bytes; i++)
		val[i] = (char)('a' + i % 26);
	og_wbuf_init_growable(&req);
	og_wbuf_init_growable(&rs);
	og_wbuf_init_growable(&res);
	og_wbuf_init_growable(&ss);
	og_wbuf_init_growable(&scope);
	og_wbuf_init_growable(&span);

	/* Resource { attributes = 1 } */
	put_kv(&res, 1, "service.name", "otlpgen", 7);
	/* InstrumentationScope { name = 1; version = 2 } */
	put_str(&scope, 1, "otlpgen");
	put_str(&scope, 2, "1");
	/* ScopeSpans { scope = 1; spans = 2 } */
	put_bytes(&ss, 1, scope.data, scope.len);
	for (uint32_t i = 0; i < s->spans; i++) {
		uint8_t tid[16], sid[8];
		uint64_t r = xorshift(&seed);

		/* non-zero ids (OTLP 1.11: all-zero ids are invalid) */
		memcpy(tid, &r, 8);
		r = xorshift(&seed);
		memcpy(tid + 8, &r, 8);
		r = xorshift(&seed) | 1;
		memcpy(sid, &r, 8);
		span.len = 0;
		/* Span: trace_id 1, span_id 2, name 5, kind 6, start 7, end 8, attributes 9 */
		put_bytes(&span, 1, tid, 16);
		put_bytes(&span, 2, sid, 8);
		put_str(&span, 5, "otlpgen-span");
		put_varint(&span, og_pb_tag(6, OG_PB_WT_VARINT));
		put_varint(&span, 2); /* SPAN_KIND_SERVER */
		put_fixed64(&span, 7, 1700000000000000000ull + i * 1000ull);
		put_fixed64(&span, 8, 1700000000000000000ull + i * 1000ull + 500);
		for (uint32_t a = 0; a < s->attrs; a++) {
			char key[32];

			snprintf(key, sizeof(key), "attr.%u", a);
			put_kv(&span, 9, key, val, s->value_bytes);
		}
		put_bytes(&ss, 2, span.data, span.len);
	}
	/* ResourceSpans { resource = 1; scope_spans = 2 } */
	put_bytes(&rs, 1, res.data, res.len);
	put_bytes(&rs, 2, ss.data, ss.len);
	/* ExportTraceServiceRequest { resource_spans = 1 } */
	put_bytes(&req, 1, rs.data, rs.len);
	if (req.overflow || rs.overflow || res.overflow || ss.overflow || scope.overflow ||
	    span.overflow || req.len > INT32_MAX) {
		og_wbuf_free(&req);
		rc = -ENOMEM;
	} else {
		b->data = req.data;
		b->len = (uint32_t)req.len;
		b->items = s->spans;
		snprintf(b->name, sizeof(b->name), "gen:spans=%u,attrs=%u,value-bytes=%u", s->spans,
			 s->attrs, s->value_bytes);
		rc = set_gzip(b, gzip);
	}
	og_wbuf_free(&rs);
	og_wbuf_free(&res);
	og_wbuf_free(&ss);
	og_wbuf_free(&scope);
	og_wbuf_free(&span);
	free(val);
	return rc;
}

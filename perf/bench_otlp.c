/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmark of the OTLP codec on tests/data/samples/traces-512 (512 spans,
 * 6-10 attributes each, as the OpenTelemetry JS SDK sends them):
 *  - og_otlp_scan(), full validation, one segment and 1448-byte segments
 *    (TCP MSS-sized mbufs);
 *  - the views (span iterator + attribute iterator over every span);
 *  - nanopb full decode (og_otlp_ref_decode) and the scanner/nanopb ratio;
 *  - OTLP/JSON to protobuf (MB/s of JSON) and gzip inflate (GB/s of output).
 *
 * Each figure runs for about a second in chunks of about half a millisecond timed
 * with CLOCK_MONOTONIC. It reports the mean over all chunks and the best
 * chunk: on a shared or loaded machine the best chunk is the one the CPU was
 * really ours, the mean what we got. One `bench=NAME key=value ...` line per
 * figure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "og_otlp.h"
#include "og_otlp_ref.h"

#define SEG_MSS 1448

struct meas {
	double best; /* seconds per iteration, best chunk */
	double mean; /* seconds per iteration over all chunks */
};

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Read a file below $OG_TEST_DATA (set by meson) or tests/data. */
static uint8_t *
og_bench_read(const char *rel, size_t *len)
{
	const char *dir = getenv("OG_TEST_DATA");
	char path[1024];
	uint8_t *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/data", rel);
	f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s: read failed\n", path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

typedef int (*bench_fn)(void *arg);

static struct meas
measure(bench_fn fn, void *arg, double seconds)
{
	struct meas m = { 1e9, 0 };
	double t0, start, total = 0;
	uint64_t iters = 0, chunk = 1;

	/* calibrate a chunk of about 0.5 ms: short enough to fit between
	 * preemptions on a loaded machine */
	t0 = now();
	fn(arg);
	chunk = (uint64_t)(0.0005 / OG_MAX(now() - t0, 1e-9));
	chunk = OG_MAX(chunk, 1);
	start = now();
	while (now() - start < seconds) {
		double a = now(), d;

		for (uint64_t i = 0; i < chunk; i++)
			fn(arg);
		d = now() - a;
		total += d;
		iters += chunk;
		if (d / (double)chunk < m.best)
			m.best = d / (double)chunk;
	}
	m.mean = total / (double)iters;
	return m;
}

/* ---- scanner ----------------------------------------------------------- */

struct scan_arg {
	struct og_seg *segs;
	uint32_t nseg;
	struct og_otlp_scan s;
	struct og_otlp_resource res[64];
	struct og_otlp_rejected_item rej[64];
};

static int
run_scan(void *p)
{
	struct scan_arg *a = p;

	return og_otlp_scan(a->segs, a->nseg, &a->s);
}

/* The rules stage's reading: every span, every attribute. */
static int
run_views(void *p)
{
	struct scan_arg *a = p;
	struct og_otlp_span_iter it;
	struct og_otlp_span_view v;
	struct og_otlp_attr_iter ai;
	struct og_otlp_attr at;
	int n = 0;

	og_otlp_span_iter_init(&it, a->segs, a->nseg, NULL, 0);
	while (og_otlp_span_iter_next(&it, &v) == 1) {
		og_otlp_span_attr_iter_init(&ai, a->segs, a->nseg, &v);
		while (og_otlp_attr_iter_next(&ai, &at) == 1)
			n++;
	}
	return n;
}

/* ---- the others --------------------------------------------------------- */

struct buf_arg {
	const uint8_t *buf;
	size_t len;
	struct og_otlp_ref_result ref;
	struct og_wbuf out;
	struct og_otlp_error err;
	struct og_inflater *inf;
	struct og_seg seg;
	uint8_t *obuf;
	size_t ocap, olen;
};

static int
run_ref(void *p)
{
	struct buf_arg *a = p;

	return og_otlp_ref_decode(OG_OTLP_TRACES, a->buf, a->len, &a->ref);
}

static int
run_json(void *p)
{
	struct buf_arg *a = p;

	a->out.len = 0;
	return og_otlp_json_to_pb(OG_OTLP_TRACES, a->buf, a->len, &a->out, &a->err);
}

static int
run_gunzip(void *p)
{
	struct buf_arg *a = p;

	return og_gzip_inflate(a->inf, &a->seg, 1, a->obuf, a->ocap, &a->olen, &a->err);
}

static void
report_scan(const char *name, struct meas m, uint64_t spans, size_t bytes)
{
	printf("%-14s %7.1f ns/span  %6.2f Mspans/s  %5.2f GB/s  (mean %5.2f GB/s)\n", name,
	       m.best * 1e9 / (double)spans, (double)spans / m.best / 1e6,
	       (double)bytes / m.best / 1e9, (double)bytes / m.mean / 1e9);
	printf("bench=%s spans=%llu bytes=%zu ns_per_span=%.1f spans_per_s=%.0f gbps=%.3f "
	       "mean_gbps=%.3f\n",
	       name, (unsigned long long)spans, bytes, m.best * 1e9 / (double)spans,
	       (double)spans / m.best, (double)bytes / m.best / 1e9, (double)bytes / m.mean / 1e9);
}

int
main(void)
{
	size_t len, jlen, glen;
	uint8_t *body = og_bench_read("samples/traces-512.pb", &len);
	uint8_t *json = og_bench_read("samples/traces-512.json", &jlen);
	uint8_t *gz = og_bench_read("samples/traces-512.pb.gz", &glen);
	struct og_seg one = { body, (uint32_t)len };
	static struct og_seg segs[4096];
	struct scan_arg sa;
	struct buf_arg ba;
	struct meas scan1, scan_mss, m;
	uint32_t nseg = 0;
	uint64_t spans;

	for (size_t off = 0; off < len; off += SEG_MSS) {
		segs[nseg].data = body + off;
		segs[nseg].len = (uint32_t)OG_MIN((size_t)SEG_MSS, len - off);
		nseg++;
	}
	memset(&sa, 0, sizeof(sa));
	sa.s.signal = OG_OTLP_TRACES;
	sa.s.res = sa.res;
	sa.s.res_cap = 64;
	sa.s.rej = sa.rej;
	sa.s.rej_cap = 64;
	sa.segs = &one;
	sa.nseg = 1;
	if (run_scan(&sa) != OG_OK || sa.s.n_items != 512) {
		fprintf(stderr, "traces-512.pb does not scan to 512 spans\n");
		return 1;
	}
	spans = sa.s.n_items;
	printf("traces-512.pb: %zu bytes, %llu spans, %u segments of %d bytes\n", len,
	       (unsigned long long)spans, nseg, SEG_MSS);

	scan1 = measure(run_scan, &sa, 1.0);
	report_scan("scan_1seg", scan1, spans, len);
	sa.segs = segs;
	sa.nseg = nseg;
	scan_mss = measure(run_scan, &sa, 1.0);
	report_scan("scan_1448", scan_mss, spans, len);
	m = measure(run_views, &sa, 1.0);
	report_scan("views_1448", m, spans, len);

	memset(&ba, 0, sizeof(ba));
	ba.buf = body;
	ba.len = len;
	if (run_ref(&ba) == 0 && ba.ref.n_items == spans) {
		m = measure(run_ref, &ba, 1.0);
		report_scan("nanopb_full", m, spans, len);
		printf("bench=scan_vs_nanopb ratio_1seg=%.1f ratio_1448=%.1f "
		       "mean_ratio_1448=%.1f\n",
		       m.best / scan1.best, m.best / scan_mss.best, m.mean / scan_mss.mean);
	} else {
		printf("bench=nanopb_full skipped=1\n");
	}

	ba.buf = json;
	ba.len = jlen;
	og_wbuf_init_growable(&ba.out);
	if (run_json(&ba) == OG_OK) {
		m = measure(run_json, &ba, 1.0);
		printf("json_to_pb     %7.1f ns/span  %6.1f MB/s of JSON (mean %6.1f)\n",
		       m.best * 1e9 / (double)spans, (double)jlen / m.best / 1e6,
		       (double)jlen / m.mean / 1e6);
		printf("bench=json_to_pb json_bytes=%zu ns_per_span=%.1f spans_per_s=%.0f "
		       "mbps=%.1f "
		       "mean_mbps=%.1f\n",
		       jlen, m.best * 1e9 / (double)spans, (double)spans / m.best,
		       (double)jlen / m.best / 1e6, (double)jlen / m.mean / 1e6);
	} else {
		printf("bench=json_to_pb skipped=1\n");
	}
	og_wbuf_free(&ba.out);

	ba.inf = og_inflater_create();
	ba.seg.data = gz;
	ba.seg.len = (uint32_t)glen;
	ba.ocap = len + 4096;
	ba.obuf = malloc(ba.ocap);
	if (ba.inf != NULL && ba.obuf != NULL && run_gunzip(&ba) == OG_OK && ba.olen == len) {
		m = measure(run_gunzip, &ba, 1.0);
		printf("gzip_inflate   %7.1f ns/span  %5.2f GB/s of output (mean %5.2f)\n",
		       m.best * 1e9 / (double)spans, (double)len / m.best / 1e9,
		       (double)len / m.mean / 1e9);
		printf("bench=gzip_inflate in_bytes=%zu out_bytes=%zu gbps=%.3f mean_gbps=%.3f\n",
		       glen, len, (double)len / m.best / 1e9, (double)len / m.mean / 1e9);
	} else {
		printf("bench=gzip_inflate skipped=1\n");
	}
	og_inflater_free(ba.inf);
	free(ba.obuf);
	free(body);
	free(json);
	free(gz);
	return 0;
}

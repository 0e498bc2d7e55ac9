/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * otlpgen's parts that need no EAL: the latency histogram against known
 * distributions, argument errors, generated bodies (scanned back with the
 * OTLP views), gzip bodies that inflate back, and item counting of sample
 * files.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "og_otlp.h"
#include "og_test.h"
#include "otlpgen.h"

/* ---- histogram ------------------------------------------------------------- */

static struct gen_hist H;

/* within @p pct percent of @p want */
static int
near(uint64_t got, uint64_t want, double pct)
{
	double d = (double)got - (double)want;

	return (d < 0 ? -d : d) <= (double)want * pct / 100.0;
}

static void
test_hist_uniform(void)
{
	gen_hist_reset(&H);
	/* 1..100000 ns, once each: the q quantile is q * 100000 */
	for (uint64_t v = 1; v <= 100000; v++)
		gen_hist_add(&H, v);
	CU_ASSERT_EQUAL(H.n, 100000);
	CU_ASSERT(near(gen_hist_quantile(&H, 0.50), 50000, 2));
	CU_ASSERT(near(gen_hist_quantile(&H, 0.99), 99000, 2));
	CU_ASSERT(near(gen_hist_quantile(&H, 0.999), 99900, 2));
	CU_ASSERT(near(gen_hist_quantile(&H, 0.10), 10000, 2));
	CU_ASSERT_EQUAL(gen_hist_quantile(&H, 1.0), 100000); /* capped at the max */
}

static void
test_hist_exact_small(void)
{
	gen_hist_reset(&H);
	CU_ASSERT_EQUAL(gen_hist_quantile(&H, 0.5), 0); /* empty */
	/* below 128 every value has its own bucket */
	for (uint64_t v = 0; v < 100; v++)
		gen_hist_add(&H, v);
	CU_ASSERT_EQUAL(gen_hist_quantile(&H, 0.50), 49);
	CU_ASSERT_EQUAL(gen_hist_quantile(&H, 0.01), 0);
	CU_ASSERT_EQUAL(gen_hist_quantile(&H, 1.0), 99);
}

static void
test_hist_bimodal_tail(void)
{
	gen_hist_reset(&H);
	/* 990 fast answers at 20 us, 10 slow ones at 5 ms: p50 fast, p999 slow */
	for (int i = 0; i < 990; i++)
		gen_hist_add(&H, 20000);
	for (int i = 0; i < 10; i++)
		gen_hist_add(&H, 5000000);
	CU_ASSERT(near(gen_hist_quantile(&H, 0.50), 20000, 2));
	CU_ASSERT(near(gen_hist_quantile(&H, 0.99), 20000, 2));
	CU_ASSERT(near(gen_hist_quantile(&H, 0.995), 5000000, 2));
	CU_ASSERT(near(gen_hist_quantile(&H, 0.999), 5000000, 2));
	CU_ASSERT_EQUAL(H.max, 5000000);
}

static void
test_hist_index_monotonic(void)
{
	uint32_t prev = 0;

	/* buckets never go backwards and every value is within 1/64 of its bucket */
	for (uint64_t v = 1; v < (1ull << 36); v = v * 17 / 16 + 1) {
		uint32_t i = gen_hist_index(v);

		CU_ASSERT(i >= prev);
		CU_ASSERT(i < GEN_HIST_BUCKETS);
		prev = i;
	}
	CU_ASSERT_EQUAL(gen_hist_index(UINT64_MAX), GEN_HIST_BUCKETS - 1);
}

static void
test_hist_merge(void)
{
	static struct gen_hist a, b;

	gen_hist_reset(&a);
	gen_hist_reset(&b);
	for (int i = 0; i < 500; i++)
		gen_hist_add(&a, 1000);
	for (int i = 0; i < 500; i++)
		gen_hist_add(&b, 3000);
	gen_hist_merge(&a, &b);
	CU_ASSERT_EQUAL(a.n, 1000);
	CU_ASSERT(near(gen_hist_quantile(&a, 0.25), 1000, 2));
	CU_ASSERT(near(gen_hist_quantile(&a, 0.75), 3000, 2));
}

/* ---- arguments --------------------------------------------------------------- */

static int
parse(struct gen_opts *o, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "otlpgen";
	va_start(ap, o);
	for (char *a; (a = va_arg(ap, char *)) != NULL;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return gen_parse_args(argc, argv, o);
}

#define P(...) parse(&o, __VA_ARGS__, (char *)NULL)

static void
test_args_ok(void)
{
	struct gen_opts o;

	CU_ASSERT_EQUAL(P("--port-ip", "0=198.18.0.1/24", "--target", "198.18.0.2:4318", "--conns",
			  "10000", "--body", "a.pb", "--body", "b.pb", "--gzip", "--rate", "2500.5",
			  "--duration", "7", "--warmup", "1", "--pipeline", "4", "--sink",
			  "0.0.0.0:14318", "--sink-count-items"),
			0);
	CU_ASSERT_EQUAL(o.n_ports, 1);
	CU_ASSERT_EQUAL(o.ports[0].prefix_len, 24);
	CU_ASSERT_EQUAL(o.target_port, 4318);
	CU_ASSERT_EQUAL(o.conns, 10000);
	CU_ASSERT_EQUAL(o.n_bodies, 2);
	CU_ASSERT(o.gzip);
	CU_ASSERT(o.rate > 2500.4 && o.rate < 2500.6);
	CU_ASSERT(o.duration_s > 6.99 && o.duration_s < 7.01);
	CU_ASSERT_EQUAL(o.pipeline, 4);
	CU_ASSERT_EQUAL(o.sink_port, 14318);
	CU_ASSERT_EQUAL(o.sink_be, 0);
	CU_ASSERT(o.sink_count_items);
	CU_ASSERT_EQUAL(o.slow_conns, 0); /* no attack unless asked */
	CU_ASSERT_EQUAL(o.slow_interval_ms, 2000);

	CU_ASSERT_EQUAL(P("--port-ip", "0=198.18.0.1/24", "--target", "198.18.0.2:4318", "--gen",
			  "attrs=3,spans=7", "--requests", "100"),
			0);
	CU_ASSERT(o.synth_on);
	CU_ASSERT_EQUAL(o.synth.spans, 7);
	CU_ASSERT_EQUAL(o.synth.attrs, 3);
	CU_ASSERT_EQUAL(o.synth.value_bytes, 16); /* default kept */
	CU_ASSERT_EQUAL(o.requests, 100);
	CU_ASSERT(o.duration_s == 0); /* --requests replaces the duration */

	/* the attack beside the load */
	CU_ASSERT_EQUAL(P("--port-ip", "0=198.18.0.1/24", "--target", "198.18.0.2:4318", "--body",
			  "a.pb", "--slow-conns", "10000", "--slow-interval", "500"),
			0);
	CU_ASSERT_EQUAL(o.slow_conns, 10000);
	CU_ASSERT_EQUAL(o.slow_interval_ms, 500);
	CU_ASSERT_EQUAL(o.conns, 16); /* the legitimate load keeps its default */
	CU_ASSERT_EQUAL(P("--port-ip", "0=198.18.0.1/24", "--target", "198.18.0.2:4318", "--body",
			  "a.pb", "--slow-conns", "0"),
			0);
	CU_ASSERT_EQUAL(o.slow_conns, 0);
	CU_ASSERT_EQUAL(o.slow_interval_ms, 2000);

	/* a sink alone runs until stopped */
	CU_ASSERT_EQUAL(P("--port-ip", "0=198.18.0.1/24", "--sink", "198.18.0.1:14318"), 0);
	CU_ASSERT(o.duration_s == 0);
	CU_ASSERT_EQUAL(o.target_port, 0);
}

static void
test_args_errors(void)
{
	struct gen_opts o;
	const char *ip = "0=198.18.0.1/24", *t = "198.18.0.2:4318";

	/* each is a usage error (-1, one line on stderr) */
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--bogus"), -1);
	CU_ASSERT_EQUAL(P("--target", t, "--body", "a"), -1); /* no --port-ip */
	CU_ASSERT_EQUAL(P("--port-ip", "0=198.18.0.1", "--sink", "0.0.0.0:1"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", "x=198.18.0.1/24", "--sink", "0.0.0.0:1"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", "0=198.18.0.1/33", "--sink", "0.0.0.0:1"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip), -1);		/* neither client nor sink */
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t), -1); /* no body */
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", "198.18.0.2", "--body", "a"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", "198.18.0.2:0", "--body", "a"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", "198.18.0.2:70000", "--body", "a"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--conns", "0"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--conns", "1x"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--rate", "-1"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--pipeline", "65"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--duration", "0"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--duration", "5",
			  "--requests", "10"),
			-1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--warmup", "1",
			  "--requests", "10"),
			-1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--gen", "spans=1"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--gen", "spans=0"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--gen", "colour=red"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--gen", "spans=1", "--path", "/v1/logs"),
			-1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--path", "/x"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "stray"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--conns"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--slow-conns", "-1"), -1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--slow-conns", "1e4"),
			-1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--slow-conns", "1000001"),
			-1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--slow-interval", "0"),
			-1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--slow-interval", "2s"),
			-1);
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--target", t, "--body", "a", "--slow-interval"), -1);
	/* slow connections go to --target: a sink alone has none */
	CU_ASSERT_EQUAL(P("--port-ip", ip, "--sink", "0.0.0.0:1", "--slow-conns", "10"), -1);
}

/* A slow connection's bytes: the head's lines, then fields that never end it. */
static void
test_slow_bytes(void)
{
	static const char head[] = "POST /v1/traces HTTP/1.1\r\nHost: h\r\n";
	const uint32_t hl = sizeof(head) - 1;
	char sent[8192];
	uint64_t n = sizeof(sent) - 1;

	for (uint64_t i = 0; i < n; i++)
		sent[i] = (char)gen_slow_byte(head, hl, i);
	sent[n] = '\0';
	CU_ASSERT_EQUAL(memcmp(sent, head, hl), 0);
	CU_ASSERT_EQUAL(memcmp(sent + hl, GEN_SLOW_FILLER GEN_SLOW_FILLER,
			       2 * (sizeof(GEN_SLOW_FILLER) - 1)),
			0);
	/* RFC 9112 2.1: an empty line ends the head; there is none, ever */
	CU_ASSERT_PTR_NULL(strstr(sent, "\r\n\r\n"));
	CU_ASSERT_PTR_NULL(strstr(sent, "\n\n"));
	/* and far on (a day at one byte every 2 s) it is still a header field */
	CU_ASSERT_EQUAL(gen_slow_byte(head, hl, hl + 43200 * (sizeof(GEN_SLOW_FILLER) - 1)), 'X');
}

/* ---- bodies ------------------------------------------------------------------ */

static void
check_synth(uint32_t spans, uint32_t attrs, uint32_t vbytes)
{
	struct gen_synth s = { .spans = spans, .attrs = attrs, .value_bytes = vbytes };
	struct gen_body b;
	struct og_otlp_resource res[4];
	struct og_otlp_scan sc;
	struct og_otlp_span_iter it;
	struct og_otlp_span_view v;
	struct og_seg seg;
	uint32_t n = 0;

	CU_ASSERT_EQUAL_FATAL(gen_body_synth(&b, &s, false), 0);
	CU_ASSERT_EQUAL(b.items, spans);
	seg.data = b.data;
	seg.len = b.len;
	memset(&sc, 0, sizeof(sc));
	sc.signal = OG_OTLP_TRACES;
	sc.res = res;
	sc.res_cap = 4;
	CU_ASSERT_EQUAL_FATAL(og_otlp_scan(&seg, 1, &sc), OG_OK);
	CU_ASSERT_EQUAL(sc.n_items, spans);
	CU_ASSERT_EQUAL(sc.n_rejected, 0); /* ids are valid */
	CU_ASSERT_EQUAL(sc.n_resources, 1);
	og_otlp_span_iter_init(&it, &seg, 1, NULL, 0);
	while (og_otlp_span_iter_next(&it, &v) == 1) {
		struct og_otlp_attr_iter ai;
		struct og_otlp_attr a;
		uint32_t na = 0;

		CU_ASSERT_EQUAL(v.trace_id_len, 16);
		CU_ASSERT_EQUAL(v.span_id_len, 8);
		og_otlp_span_attr_iter_init(&ai, &seg, 1, &v);
		while (og_otlp_attr_iter_next(&ai, &a) == 1) {
			CU_ASSERT_EQUAL(a.type, OG_OTLP_VAL_STRING);
			CU_ASSERT_EQUAL(a.v.r.len, vbytes);
			na++;
		}
		CU_ASSERT_EQUAL(na, attrs);
		n++;
	}
	CU_ASSERT_EQUAL(n, spans);
	gen_body_free(&b);
}

static void
test_synth_counts(void)
{
	check_synth(1, 0, 0);
	check_synth(7, 3, 5);
	check_synth(512, 8, 16);
	check_synth(100, 20, 300); /* multi-byte lengths everywhere */
}

static void
test_synth_gzip_inflates_back(void)
{
	struct gen_synth s = { .spans = 64, .attrs = 4, .value_bytes = 32 };
	struct gen_body plain, gz;
	struct og_inflater *inf = og_inflater_create();
	size_t cap = 1 << 20, n = 0;
	uint8_t *out = malloc(cap);
	struct og_seg seg;

	CU_ASSERT_FATAL(inf != NULL && out != NULL);
	CU_ASSERT_EQUAL_FATAL(gen_body_synth(&plain, &s, false), 0);
	CU_ASSERT_EQUAL_FATAL(gen_body_synth(&gz, &s, true), 0);
	CU_ASSERT(gz.gzip);
	CU_ASSERT_EQUAL(gz.plain_len, plain.len);
	CU_ASSERT(gz.len < plain.len); /* repetitive: compresses */
	CU_ASSERT_EQUAL(gz.data[0], 0x1f);
	CU_ASSERT_EQUAL(gz.data[1], 0x8b);
	seg.data = gz.data;
	seg.len = gz.len;
	CU_ASSERT_EQUAL(og_gzip_inflate(inf, &seg, 1, out, cap, &n, NULL), OG_OK);
	CU_ASSERT_EQUAL(n, plain.len);
	CU_ASSERT(memcmp(out, plain.data, plain.len) == 0);
	/* the sink's count of a gzip body */
	CU_ASSERT_EQUAL(gen_count_items(&seg, 1, OG_OTLP_TRACES, true, inf, out, cap), 64);
	seg.data = plain.data;
	seg.len = plain.len;
	CU_ASSERT_EQUAL(gen_count_items(&seg, 1, OG_OTLP_TRACES, false, NULL, NULL, 0), 64);
	/* not a valid request */
	seg.len = plain.len - 3;
	CU_ASSERT_EQUAL(gen_count_items(&seg, 1, OG_OTLP_TRACES, false, NULL, NULL, 0), -1);
	gen_body_free(&plain);
	gen_body_free(&gz);
	og_inflater_free(inf);
	free(out);
}

static void
sample_path(char *buf, size_t n, const char *name)
{
	const char *dir = getenv("OG_TEST_DATA");

	snprintf(buf, n, "%s/samples/%s", dir ? dir : "tests/data", name);
}

static void
test_load_samples(void)
{
	struct gen_body b;
	char path[1024];

	/* counts come from scanning, not from the name */
	sample_path(path, sizeof(path), "traces-512.pb");
	CU_ASSERT_EQUAL_FATAL(gen_body_load(&b, path, OG_OTLP_TRACES, false), 0);
	CU_ASSERT_EQUAL(b.items, 512);
	CU_ASSERT_EQUAL(b.len, 162909);
	CU_ASSERT(!b.gzip);
	gen_body_free(&b);
	/* a .gz file is counted inflated and re-compressed for --gzip */
	sample_path(path, sizeof(path), "traces-64.pb.gz");
	CU_ASSERT_EQUAL_FATAL(gen_body_load(&b, path, OG_OTLP_TRACES, true), 0);
	CU_ASSERT_EQUAL(b.items, 64);
	CU_ASSERT_EQUAL(b.plain_len, 20507);
	CU_ASSERT(b.gzip);
	gen_body_free(&b);
	sample_path(path, sizeof(path), "traces-64.pb.gz");
	CU_ASSERT_EQUAL_FATAL(gen_body_load(&b, path, OG_OTLP_TRACES, false), 0);
	CU_ASSERT_EQUAL(b.len, 20507); /* sent plain */
	gen_body_free(&b);
	sample_path(path, sizeof(path), "logs-100.pb");
	CU_ASSERT_EQUAL_FATAL(gen_body_load(&b, path, OG_OTLP_LOGS, false), 0);
	CU_ASSERT_EQUAL(b.items, 100);
	gen_body_free(&b);
	/* a traces body is not a valid metrics request, and JSON is not protobuf */
	sample_path(path, sizeof(path), "metrics-4x3.json");
	CU_ASSERT(gen_body_load(&b, path, OG_OTLP_METRICS, false) < 0);
	sample_path(path, sizeof(path), "no-such-file.pb");
	CU_ASSERT(gen_body_load(&b, path, OG_OTLP_TRACES, false) < 0);
}

static void
test_path_signal(void)
{
	CU_ASSERT_EQUAL(gen_path_signal("/v1/traces"), OG_OTLP_TRACES);
	CU_ASSERT_EQUAL(gen_path_signal("/otel/v1/metrics"), OG_OTLP_METRICS);
	CU_ASSERT_EQUAL(gen_path_signal("/v1/logs"), OG_OTLP_LOGS);
	CU_ASSERT_EQUAL(gen_path_signal("/v1/trace"), -1);
	CU_ASSERT_EQUAL(gen_path_signal(""), -1);
}

static CU_TestInfo hist_tests[] = {
	{ "uniform 1..100000: p10/p50/p99/p999 within 2%, p100 exact", test_hist_uniform },
	{ "small values are exact", test_hist_exact_small },
	{ "bimodal: the tail shows at p995/p999", test_hist_bimodal_tail },
	{ "bucket index monotonic and bounded", test_hist_index_monotonic },
	{ "merge", test_hist_merge },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo args_tests[] = {
	{ "valid command lines", test_args_ok },
	{ "every bad option is an error", test_args_errors },
	{ "slow connections never end their head", test_slow_bytes },
	CU_TEST_INFO_NULL,
};

static CU_TestInfo body_tests[] = {
	{ "generated bodies scan with the requested counts", test_synth_counts },
	{ "gzip body inflates back; sink counts it", test_synth_gzip_inflates_back },
	{ "sample files: items from the scanner", test_load_samples },
	{ "path names the signal", test_path_signal },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "otlpgen histogram", NULL, NULL, NULL, NULL, hist_tests },
	{ "otlpgen arguments", NULL, NULL, NULL, NULL, args_tests },
	{ "otlpgen bodies", NULL, NULL, NULL, NULL, body_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return og_test_main(suites);
}

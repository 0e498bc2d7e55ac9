/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The receive path on one core (issue 4, "Benchmark"): TCP input (lib/tcp),
 * HTTP parsing, decode (gzip, scan) and the hand-off to the batcher, with
 * the null backend completing every batch. Driven in-process by the peer of
 * tests/unit/rcv_peer.h from segments built before the clock starts; only
 * the calls into the stack, its timers and the batcher are timed.
 *
 * The machine is shared and loaded: time is the thread's CPU time, taken
 * in chunks of at least 2 ms of work; the figures are those of the fastest
 * chunk (what an uncontended core does) and of the median chunk (the first
 * chunks also pay page faults on first touch of the pools: --no-huge).
 * Prints one `bench=receiver ...` line per figure (docs/performance.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_mbuf.h>

#include "og_otlp.h"
#include "rcv_peer.h"

#define BURST	   32
#define CHUNK_NS   2000000ull
#define MAX_PKTS   24576
#define MAX_CONNS  100
#define RUN_CHUNKS 100

static struct rte_mbuf *pkts[MAX_PKTS];

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static uint8_t *
read_sample(const char *rel, size_t *len)
{
	char path[1024];
	const char *dir = getenv("OG_TEST_DATA");
	FILE *f;
	uint8_t *buf;
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
	buf = malloc((size_t)n);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(2);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

struct scenario {
	const char *name;
	const char *file;
	bool gzip;
	unsigned int conns;
	unsigned int per_conn; /* requests per connection per round (window-bound) */
};

/* Count and check the answers: every request must have had 200. */
static uint64_t
take_answers(struct rp_conn **c, unsigned int n, uint64_t *bad)
{
	struct rp_resp r;
	uint64_t ok = 0;

	for (unsigned int i = 0; i < n; i++) {
		int rc;

		while ((rc = rp_resp_take(c[i], &r)) == 1) {
			if (r.status == 200)
				ok++;
			else
				(*bad)++;
		}
		if (rc < 0)
			(*bad)++;
	}
	return ok;
}

/* Process what the stack sent (responses, ACKs) without timing it. */
static void
peer_rx(struct rp_env *e)
{
	bool paused = e->batcher_paused;

	e->batcher_paused = true;
	rp_pump(e);
	e->batcher_paused = paused;
}

static void
run(const struct scenario *sc)
{
	struct rp_env_conf ec = {
		.name = "bench",
		.null_backend = true,
		.budget = 4ull << 30,
		.max_body = 64u << 20,
		.n_pkts = MAX_PKTS + 8192,
		.n_bufs = 64,
		.max_conns = 256,
	};
	struct rp_env *e = rp_env_create(&ec);
	struct rp_conn *c[MAX_CONNS];
	size_t body_len, hl;
	uint8_t *body = read_sample(sc->file, &body_len), *req;
	char head[512];
	uint64_t items, bad = 0;
	double rate[RUN_CHUNKS];
	uint64_t answered = 0, sent = 0, heap0;
	struct og_seg seg;
	struct og_otlp_resource res[16];
	struct og_otlp_scan scan = { .signal = OG_OTLP_TRACES, .res = res, .res_cap = 16 };
	uint8_t *inflated = NULL;

	if (e == NULL) {
		fprintf(stderr, "environment: failed\n");
		exit(1);
	}
	/* the span count from the body itself */
	if (sc->gzip) {
		struct og_inflater *inf = og_inflater_create();
		size_t out_len = 0;

		inflated = malloc(64u << 20);
		seg.data = body;
		seg.len = (uint32_t)body_len;
		if (og_gzip_inflate(inf, &seg, 1, inflated, 64u << 20, &out_len, NULL) != OG_OK)
			exit(1);
		og_inflater_free(inf);
		seg.data = inflated;
		seg.len = (uint32_t)out_len;
	} else {
		seg.data = body;
		seg.len = (uint32_t)body_len;
	}
	if (og_otlp_scan(&seg, 1, &scan) != OG_OK)
		exit(1);
	items = scan.n_items;
	free(inflated);

	hl = rp_head(head, sizeof(head), "POST", "/v1/traces", "application/x-protobuf",
		     sc->gzip ? "gzip" : "", body_len, false, NULL);
	req = malloc(hl + body_len);
	memcpy(req, head, hl);
	memcpy(req + hl, body, body_len);
	for (unsigned int i = 0; i < sc->conns; i++) {
		c[i] = rp_connect(e);
		if (c[i] == NULL) {
			fprintf(stderr, "connect failed\n");
			exit(1);
		}
	}
	heap0 = og_rcv_stats(e->rcv)->ctr[OG_RCV_CTR_HEAP_BUFFERS];

	for (unsigned int chunk = 0; chunk < RUN_CHUNKS; chunk++) {
		uint64_t ns = 0, reqs = 0;

		while (ns < CHUNK_NS) {
			unsigned int n = 0;
			uint64_t t0;

			/* build a round: per_conn requests on every connection, interleaved */
			for (unsigned int k = 0; k < sc->per_conn; k++)
				for (unsigned int i = 0; i < sc->conns; i++)
					for (size_t off = 0; off < hl + body_len; off += RP_MSS) {
						uint32_t len = (uint32_t)RTE_MIN(
							(size_t)RP_MSS, hl + body_len - off);

						pkts[n] = rp_build(c[i], req + off, len);
						if (pkts[n++] == NULL) {
							fprintf(stderr, "out of mbufs\n");
							exit(1);
						}
					}
			/* the receive path, timed */
			t0 = cpu_ns();
			for (unsigned int i = 0; i < n; i += BURST) {
				og_tcp_input_burst(e->st, pkts + i,
						   (uint16_t)RTE_MIN((unsigned int)BURST, n - i),
						   e->now_us);
				og_batcher_run(e->batcher, e->now_us);
			}
			e->now_us += 10;
			og_tcp_timers_run(e->st, e->now_us);
			og_batcher_run(e->batcher, e->now_us);
			ns += cpu_ns() - t0;
			reqs += (uint64_t)sc->per_conn * sc->conns;
			peer_rx(e);
			answered += take_answers(c, sc->conns, &bad);
		}
		sent += reqs;
		rate[chunk] = (double)ns / (double)reqs;
	}
	qsort(rate, RUN_CHUNKS, sizeof(rate[0]), cmp_double);
	rp_advance(e, 10000);
	answered += take_answers(c, sc->conns, &bad);
	if (answered != sent || bad != 0) {
		fprintf(stderr,
			"%s: %" PRIu64 " requests, %" PRIu64 " answered 200, %" PRIu64 " other\n",
			sc->name, sent, answered, bad);
		exit(1);
	}
	{
		double ns_req = rate[0], median = rate[RUN_CHUNKS / 2];
		double spans_s = 1e9 / ns_req * (double)items;
		double cpu_s_per_mspan = ns_req / (double)items * 1e6 / 1e9;

		printf("%-28s %8.0f ns/request  %9.0f requests/s  %11.0f spans/s  %6.3f CPU-s per "
		       "million spans  (median %8.0f ns/request; %" PRIu64
		       " requests, heap buffers %" PRIu64 ")\n",
		       sc->name, ns_req, 1e9 / ns_req, spans_s, cpu_s_per_mspan, median, sent,
		       og_rcv_stats(e->rcv)->ctr[OG_RCV_CTR_HEAP_BUFFERS] - heap0);
		printf("bench=receiver scenario=%s conns=%u spans_per_req=%" PRIu64
		       " ns_per_req=%.0f reqs_per_s=%.0f spans_per_s=%.0f cpu_s_per_mspans=%.3f "
		       "median_ns_per_req=%.0f\n",
		       sc->name, sc->conns, items, ns_req, 1e9 / ns_req, spans_s, cpu_s_per_mspan,
		       median);
	}
	for (unsigned int i = 0; i < sc->conns; i++)
		rp_fin(c[i]);
	rp_advance(e, 2000000);
	rp_env_free(e);
	free(req);
	free(body);
}

int
main(int argc, char **argv)
{
	static const struct scenario all[] = {
		{ "traces-512.pb/1conn", "samples/traces-512.pb", false, 1, 1 },
		{ "traces-512.pb/100conns", "samples/traces-512.pb", false, 100, 1 },
		{ "traces-1.pb/1conn", "samples/traces-1.pb", false, 1, 200 },
		{ "traces-1.pb/100conns", "samples/traces-1.pb", false, 100, 8 },
		{ "traces-512.pb.gz/1conn", "samples/traces-512.pb.gz", true, 1, 8 },
		{ "traces-512.pb.gz/100conns", "samples/traces-512.pb.gz", true, 100, 1 },
		{ "traces-1.pb.gz/1conn", "samples/traces-1.pb.gz", true, 1, 200 },
		{ "traces-1.pb.gz/100conns", "samples/traces-1.pb.gz", true, 100, 8 },
	};
	const char *only = argc > 1 ? argv[1] : NULL;

	if (rp_eal_init("bench_receiver", 1024) != 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	for (unsigned int i = 0; i < RTE_DIM(all); i++)
		if (only == NULL || strstr(all[i].name, only) != NULL)
			run(&all[i]);
	rp_eal_fini();
	return 0;
}

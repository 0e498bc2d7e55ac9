/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/pipeline and the file backend: cost per request record of the hand-off
 * (alloc, budget charge, piece, enqueue, batching, completion, free) with
 * the null backend, and the file backend's write rate. Prints one
 * `bench=NAME key=value ...` line per figure (docs/performance.md).
 * usage: bench_pipeline [scenario-substring]
 *
 * run() is kept out of line so an instruction count can be limited to it:
 *   valgrind --tool=callgrind --toggle-collect=run bench_pipeline pipeline_null
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "og_backend_file.h"
#include "og_backend_null.h"
#include "og_pipeline.h"

static uint64_t
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
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

/* A body in 1448-byte segments, as TCP delivers it. */
static struct rte_mbuf *
chain(struct rte_mempool *mp, const uint8_t *buf, size_t len)
{
	struct rte_mbuf *head = NULL, *tail = NULL;

	for (size_t off = 0; off < len; off += 1448) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint16_t n = (uint16_t)(len - off < 1448 ? len - off : 1448);

		memcpy(rte_pktmbuf_append(m, n), buf + off, n);
		if (head == NULL) {
			head = m;
		} else {
			tail->next = m;
			head->nb_segs++;
			head->pkt_len += n;
		}
		tail = m;
	}
	return head;
}

static const char *only; /* scenarios whose name holds it; NULL: all */

/* One turn of the loop: the batcher, then the lcore's egress if given. */
static void
turn(struct og_batcher *bt, struct og_egress *eg, uint64_t us)
{
	og_batcher_run(bt, us);
	if (eg != NULL)
		og_egress_run(eg, us);
}

/*
 * Run @p n records of @p items items and @p len bytes (one piece each: the
 * body as one resource entry) through a batcher to @p be. With @p lcore_eg
 * the backend is driven by that egress, turned after the batcher as the
 * appliance's one-lcore loop does (app_ingest_run()); without, by the
 * batcher's own.
 */
static __attribute__((noinline)) void
run(const char *bench, struct og_backend *be, struct og_egress *lcore_eg, struct rte_mempool *recs,
    struct rte_mempool *clones, struct rte_mbuf *master, size_t len, uint64_t items, unsigned int n)
{
	struct og_budget budget;
	struct og_batcher_conf c = { .name = bench, .socket = SOCKET_ID_ANY, .n_backends = 1 };
	struct og_batcher *bt;
	struct og_otlp_piece p = { .r = { 0, (uint32_t)len } };
	uint64_t t0, w0, cpu, wall, us = 0;
	unsigned int sent = 0;

	if (only != NULL && strstr(bench, only) == NULL)
		return;
	c.backends[0] = be;
	c.egress[0] = lcore_eg; /* on this lcore: a FIFO */
	bt = og_batcher_create(&c);
	/* bounded like the appliance: about 1500 records of 20 KB in flight */
	og_budget_init(&budget, 32u << 20, 32u << 20, 16u << 20);
	t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	w0 = now_ns(CLOCK_MONOTONIC);
	while (sent < n) {
		struct og_rec *r = og_rec_alloc(recs);

		if (r == NULL || og_rec_charge(r, &budget, len + sizeof(*r)) != 0) {
			og_rec_free(r);
			turn(bt, lcore_eg, us++);
			continue;
		}
		r->sig = OG_OTLP_TRACES;
		r->items = items;
		r->body = master ? rte_pktmbuf_clone(master, clones) : NULL;
		if (master != NULL && r->body == NULL) {
			og_rec_free(r);
			turn(bt, lcore_eg, us++);
			continue;
		}
		og_rec_add_piece(r, &p);
		if (og_batcher_enqueue(bt, r) != 0) {
			og_rec_free(r);
			turn(bt, lcore_eg, us++);
			continue;
		}
		sent++;
		if ((sent & 31) == 0)
			turn(bt, lcore_eg, us++);
	}
	while (og_batcher_drain(bt, us) != 0) {
		if (lcore_eg != NULL)
			og_egress_run(lcore_eg, us);
		us++;
		if (master)
			usleep(50);
	}
	cpu = now_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	wall = now_ns(CLOCK_MONOTONIC) - w0;
	printf("bench=%s records=%u ns_per_record=%.1f items_per_s=%.0f mb_per_s_wall=%.1f "
	       "dataplane_cpu_ns_per_record=%.1f\n",
	       bench, n, (double)wall / n, (double)n * items * 1e9 / wall,
	       (double)n * len / 1e6 / ((double)wall / 1e9), (double)cpu / n);
	og_batcher_free(bt);
}

int
main(int argc, char **argv)
{
	char prefix[64], dir[] = "/tmp/og_bench_pipe_XXXXXX", uri[128], cmd[160];
	char *eal[] = { argv[0],
			"--no-huge",
			"--no-pci",
			"-m",
			"512",
			"--file-prefix",
			prefix,
			"--log-level",
			"lib.*:error",
			"--log-level",
			"otlpgate.*:warning",
			NULL };
	struct rte_mempool *mbufs, *clones, *recs;
	struct og_backend *be;
	struct og_egress *eg;
	struct rte_mbuf *master;
	uint8_t *body;
	size_t len;

	only = argc > 1 ? argv[1] : NULL;
	snprintf(prefix, sizeof(prefix), "bench_pipeline_%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0)
		return 2;
	mbufs = rte_pktmbuf_pool_create("bp_mbufs", 1023, 0, 0, 2048, SOCKET_ID_ANY);
	clones = rte_pktmbuf_pool_create("bp_clones", 65535, 256, 0, 0, SOCKET_ID_ANY);
	recs = og_rec_pool_create("bp_recs", 8191, SOCKET_ID_ANY);
	if (mbufs == NULL || clones == NULL || recs == NULL)
		return 2;
	og_backend_register(&og_backend_null_ops);
	og_backend_register(&og_backend_file_ops);
	body = read_sample("samples/traces-64.pb", &len);
	master = chain(mbufs, body, len);

	/* what a body costs by itself: clone and free of a 15-segment chain */
	if (only == NULL || strstr("mbuf_clone_free", only) != NULL) {
		uint64_t t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);

		for (int i = 0; i < 200000; i++)
			rte_pktmbuf_free(rte_pktmbuf_clone(master, clones));
		printf("bench=mbuf_clone_free segs=%u cpu_ns_per_chain=%.1f\n", master->nb_segs,
		       (double)(now_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / 200000);
	}

	/* the hand-off alone: no body, one piece, null backend */
	be = og_backend_create("null", 0);
	run("pipeline_null", be, NULL, recs, clones, NULL, len, 64, 2000000);
	/* with bodies: indirect clones of a 1448-byte-segment chain */
	run("pipeline_null_bodies", be, NULL, recs, clones, master, len, 64, 200000);
	/* the hand-off again, driven by an lcore's egress as the appliance does */
	eg = og_egress_create(&(struct og_egress_conf){ .name = "bench", .socket = SOCKET_ID_ANY });
	if (eg == NULL)
		return 2;
	run("pipeline_null_lcore", be, eg, recs, clones, NULL, len, 64, 2000000);
	og_egress_free(eg);
	og_backend_destroy(be);

	/* the file backend writing delimited protobuf to /tmp */
	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(uri, sizeof(uri), "file:%s", dir);
	be = og_backend_create(uri, 0);
	run("pipeline_file_pb", be, NULL, recs, clones, master, len, 64, 20000);
	og_backend_destroy(be);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, rte_eal_get_runtime_dir());
	rte_pktmbuf_free(master);
	free(body);
	rte_eal_cleanup();
	return system(cmd) == 0 ? 0 : 1;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The egress path on one core (issue 5, "Benchmark"): records of
 * traces-512.pb go through a batcher to the otlp-http backend
 * (drivers/backend/otlp_http), which POSTs them over a lib/tcp stack; a
 * second lib/tcp stack in the same thread plays the OTLP/HTTP backend: it
 * reads each request (Content-Length framing) and answers 200 with an empty
 * body. The two stacks are joined back to back: what one sends is the other's
 * input, with the checksum offloaded (tx_csum_offload, and
 * RTE_MBUF_F_RX_L4_CKSUM_GOOD on delivery), as a NIC would do it.
 *
 * Timed: the egress side only, as thread CPU time: og_batcher_run() (flush,
 * and the batcher's own og_egress on the same lcore: submit, the driver's
 * poll: request building, gzip, sending), the egress stack's input (ACKs
 * and responses) and timers. Not timed: making the
 * records (the receiver's work) and everything the sink stack does. The
 * latency is wall-clock time from a record's og_batcher_enqueue() to the
 * completion that covers it (completions taken in order: with several
 * connections it is the n-th completion against the n-th record).
 *
 * Prints one `bench=egress ...` line per scenario (docs/performance.md).
 * usage: bench_egress [scenario-substring]
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "og_backend_otlp_http.h"
#include "og_otlp.h"
#include "og_pipeline.h"
#include "og_tcp.h"

#define SEG	  1448
#define QCAP	  65536
#define MAX_SINK  32
#define MAX_RECS  4096
#define N_RECORDS 1536 /* per scenario: 786,432 spans */
#define EG_ADDR	  RTE_IPV4(10, 0, 0, 1)
#define SINK_ADDR RTE_IPV4(10, 0, 0, 2)
#define SINK_PORT 4318

static const char RESP[] = "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
			   "Content-Length: 0\r\n\r\n";

/* Packets on the wire, one queue per direction. */
struct wire {
	struct rte_mbuf *m[QCAP];
	unsigned int n;
	uint64_t dropped;
};
static struct wire to_sink, to_egress;

/* The sink's side of one connection. */
struct sink_conn {
	struct og_tcp_conn *c;
	char head[4096];
	uint32_t hlen;
	uint64_t body_left;
	bool in_body;
	unsigned int owed; /* answers not yet taken by TCP */
};

static struct {
	struct og_tcp_stack *st;
	struct rte_mempool *resp_pool;
	struct sink_conn conns[MAX_SINK];
	unsigned int n_conns;
	uint64_t requests, body_bytes, bad;
} sink;

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint16_t
wire_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct wire *w = arg;
	uint16_t i;

	for (i = 0; i < n && w->n < QCAP; i++)
		w->m[w->n++] = pkts[i];
	w->dropped += n - i;
	return i;
}

/* Deliver every queued packet to @p st, as a NIC with checksum offload would. */
static void
wire_deliver(struct wire *w, struct og_tcp_stack *st, uint64_t now_us)
{
	unsigned int off = 0;

	for (unsigned int i = 0; i < w->n; i++)
		w->m[i]->ol_flags = RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	while (off < w->n) {
		uint16_t k = (uint16_t)RTE_MIN(w->n - off, 32u);

		og_tcp_input_burst(st, &w->m[off], k, now_us);
		off += k;
	}
	w->n = 0;
}

static void
wire_drop(struct wire *w)
{
	rte_pktmbuf_free_bulk(w->m, w->n);
	w->n = 0;
}

/* --- the sink: Content-Length requests, 200 with an empty body --- */

static void
sink_answer(struct sink_conn *k)
{
	while (k->owed > 0) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(sink.resp_pool);

		if (m == NULL)
			return;
		memcpy(rte_pktmbuf_append(m, sizeof(RESP) - 1), RESP, sizeof(RESP) - 1);
		if (og_tcp_send(k->c, m) != 0) {
			rte_pktmbuf_free(m);
			return; /* sendable() comes back */
		}
		k->owed--;
	}
}

static void
sink_head_done(struct sink_conn *k)
{
	const char *cl = NULL;

	k->head[k->hlen] = '\0';
	for (char *p = k->head; *p; p++)
		if (strncasecmp(p, "\ncontent-length:", 16) == 0) {
			cl = p + 16;
			break;
		}
	if (strncmp(k->head, "POST /v1/traces HTTP/1.1\r\n", 26) != 0 || cl == NULL)
		sink.bad++;
	k->body_left = cl ? strtoull(cl, NULL, 10) : 0;
	k->in_body = true;
	k->hlen = 0;
}

static void
sink_bytes(struct sink_conn *k, const uint8_t *p, uint32_t len)
{
	while (len > 0) {
		if (!k->in_body) {
			if (k->hlen + 1 >= sizeof(k->head)) {
				sink.bad++;
				k->hlen = 0;
			}
			k->head[k->hlen++] = (char)*p++;
			len--;
			if (k->hlen >= 4 && memcmp(k->head + k->hlen - 4, "\r\n\r\n", 4) == 0)
				sink_head_done(k);
		} else {
			uint32_t n = (uint32_t)RTE_MIN((uint64_t)len, k->body_left);

			k->body_left -= n;
			sink.body_bytes += n;
			p += n;
			len -= n;
		}
		if (k->in_body && k->body_left == 0) {
			k->in_body = false;
			sink.requests++;
			k->owed++;
		}
	}
}

static void *
sink_accepted(void *arg, struct og_tcp_conn *c)
{
	struct sink_conn *k;

	(void)arg;
	if (sink.n_conns == MAX_SINK)
		return NULL;
	k = &sink.conns[sink.n_conns++];
	memset(k, 0, sizeof(*k));
	k->c = c;
	return k;
}

static void
sink_recv(void *ctx, struct og_tcp_conn *c, struct rte_mbuf *data)
{
	struct sink_conn *k = ctx;
	uint32_t total = data->pkt_len;

	for (struct rte_mbuf *m = data; m != NULL; m = m->next)
		sink_bytes(k, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
	og_tcp_recv_done(c, total);
	rte_pktmbuf_free(data);
	sink_answer(k);
}

static void
sink_sendable(void *ctx, struct og_tcp_conn *c)
{
	(void)c;
	sink_answer(ctx);
}

static void
sink_peer_closed(void *ctx, struct og_tcp_conn *c)
{
	(void)ctx;
	og_tcp_close(c);
}

static void
sink_closed(void *ctx, struct og_tcp_conn *c, int reason)
{
	struct sink_conn *k = ctx;

	(void)c;
	(void)reason;
	k->c = NULL;
}

static const struct og_tcp_app sink_app = {
	.accepted = sink_accepted,
	.recv = sink_recv,
	.sendable = sink_sendable,
	.peer_closed = sink_peer_closed,
	.closed = sink_closed,
};

/* --- the egress side --- */

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

static struct rte_mbuf *
chain_of(struct rte_mempool *mp, const uint8_t *buf, size_t len)
{
	struct rte_mbuf *head = NULL, *tail = NULL;

	for (size_t off = 0; off < len; off += SEG) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint16_t n = (uint16_t)RTE_MIN(len - off, (size_t)SEG);

		if (m == NULL)
			exit(1);
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

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct scenario {
	const char *name;
	const char *compression;
	uint32_t batch_items;
	unsigned int conns;
};

static struct rte_mempool *pkt_pool, *clone_pool, *hdr_pool, *drv_hdr_pool, *ref_pool, *rec_pool;
static struct rte_mbuf *master;
static struct og_otlp_piece pieces[64];
static uint32_t n_pieces;
static uint64_t spans_per_rec, piece_bytes;
static uint64_t t_enq[N_RECORDS];
static uint64_t lat_ns[N_RECORDS];

static uint64_t
exported_items(void)
{
	struct og_pipe_stats s;

	og_pipe_stats_sum(&s);
	return s.be[OG_PIPE_BE_ITEMS_EXPORTED][0][OG_OTLP_TRACES];
}

static int
run(const struct scenario *sc)
{
	struct og_tcp_conf tc;
	struct og_tcp_stack *eg;
	struct og_backend *be;
	struct og_batcher *bt;
	struct og_batcher_conf bc = { .name = "bench_eg",
				      .socket = SOCKET_ID_ANY,
				      .n_backends = 1 };
	struct og_budget budget;
	struct og_backend_env env;
	struct og_ohttp_stats os;
	char uri[256];
	uint64_t exp0, done = 0, enq = 0, cpu = 0, idle = 0, n_idle = 0, w0, wall, batches0, now_us;
	/* enough records to fill every request slot of the driver, no more:
	 * the latency is then the request's, not the batcher queue's */
	uint64_t window = (uint64_t)(sc->batch_items / 512) * sc->conns * 2;
	int rc = 0;

	og_tcp_conf_init(&tc);
	tc.hdr_pool = hdr_pool;
	tc.clone_pool = clone_pool;
	tc.tx_csum_offload = true;
	tc.max_conns = 64;
	for (int i = 0; i < 16; i++)
		tc.secret[i] = (uint8_t)(0x3c ^ (i * 31));
	tc.tx = wire_tx;
	tc.tx_arg = &to_sink;
	eg = og_tcp_stack_create(&tc);
	tc.tx_arg = &to_egress;
	tc.secret[0] ^= 0xff;
	sink.st = og_tcp_stack_create(&tc);
	if (eg == NULL || sink.st == NULL ||
	    og_tcp_listen(sink.st, rte_cpu_to_be_32(SINK_ADDR), rte_cpu_to_be_16(SINK_PORT),
			  &sink_app, NULL) != 0) {
		fprintf(stderr, "stacks: failed\n");
		exit(1);
	}
	memset(sink.conns, 0, sizeof(sink.conns));
	sink.n_conns = 0;
	sink.requests = sink.body_bytes = sink.bad = 0;

	snprintf(uri, sizeof(uri),
		 "otlp-http://10.0.0.2:%u?conns=%u&max_inflight=%u&compression=%s&timeout_ms=10000",
		 SINK_PORT, sc->conns, sc->conns * 2, sc->compression);
	be = og_backend_create(uri, 0);
	if (be == NULL) {
		fprintf(stderr, "%s: backend failed\n", uri);
		exit(1);
	}
	env = (struct og_backend_env){ .tcp = eg,
				       .src_addr_be = rte_cpu_to_be_32(EG_ADDR),
				       .hdr_pool = drv_hdr_pool,
				       .ref_pool = ref_pool,
				       .socket = SOCKET_ID_ANY };
	if (og_backend_attach(be, &env) != 0) {
		fprintf(stderr, "attach failed\n");
		exit(1);
	}
	bc.backends[0] = be;
	bc.max_items = sc->batch_items;
	bc.max_bytes = 64u << 20;
	bt = og_batcher_create(&bc);
	og_budget_init(&budget, 1ull << 30, 1ull << 30, 1ull << 29);
	if (bt == NULL) {
		fprintf(stderr, "batcher failed\n");
		exit(1);
	}
	exp0 = exported_items();
	batches0 = sink.requests;
	w0 = mono_ns();
	while (done < N_RECORDS) {
		uint64_t t0, got;
		unsigned int in, work;

		/* the receiver's part, not timed: records referencing the body */
		while (enq < N_RECORDS && enq - done < window) {
			struct og_rec *r = og_rec_alloc(rec_pool);

			if (r == NULL)
				break;
			if (og_rec_charge(r, &budget, piece_bytes + sizeof(*r)) != 0 ||
			    (r->body = rte_pktmbuf_clone(master, clone_pool)) == NULL ||
			    og_rec_pieces_reserve(r, n_pieces) != 0) {
				og_rec_free(r);
				break;
			}
			r->sig = OG_OTLP_TRACES;
			r->items = spans_per_rec;
			for (uint32_t i = 0; i < n_pieces; i++)
				og_rec_add_piece(r, &pieces[i]);
			og_pipe_count(OG_PIPE_SIG_ITEMS_RECEIVED, OG_OTLP_TRACES, spans_per_rec);
			t_enq[enq] = mono_ns();
			if (og_batcher_enqueue(bt, r) != 0) {
				og_rec_free(r);
				break;
			}
			enq++;
		}
		now_us = mono_ns() / 1000;
		/* the egress side, timed */
		in = to_egress.n;
		t0 = cpu_ns();
		wire_deliver(&to_egress, eg, now_us);
		og_tcp_timers_run(eg, now_us);
		work = og_batcher_run(bt, now_us);
		t0 = cpu_ns() - t0;
		/* a turn that took nothing in and sent nothing is the polling
		 * loop idling (waiting for the sink): counted apart */
		if (in == 0 && work == 0 && to_sink.n == 0) {
			idle += t0;
			n_idle++;
		} else {
			cpu += t0;
		}
		/* the sink, not timed */
		wire_deliver(&to_sink, sink.st, now_us);
		og_tcp_timers_run(sink.st, now_us);
		for (unsigned int i = 0; i < sink.n_conns; i++)
			if (sink.conns[i].c != NULL && sink.conns[i].owed)
				sink_answer(&sink.conns[i]);

		got = (exported_items() - exp0) / spans_per_rec;
		if (got > done) {
			uint64_t t = mono_ns();

			for (; done < got && done < N_RECORDS; done++)
				lat_ns[done] = t - t_enq[done];
		}
		if (mono_ns() - w0 > 120ull * 1000000000ull) {
			fprintf(stderr, "%s: stuck after %" PRIu64 " of %u records\n", sc->name,
				done, N_RECORDS);
			rc = 1;
			break;
		}
	}
	wall = mono_ns() - w0;
	while (og_batcher_drain(bt, mono_ns() / 1000) != 0) {
		wire_deliver(&to_egress, eg, mono_ns() / 1000);
		wire_deliver(&to_sink, sink.st, mono_ns() / 1000);
		for (unsigned int i = 0; i < sink.n_conns; i++)
			if (sink.conns[i].c != NULL && sink.conns[i].owed)
				sink_answer(&sink.conns[i]);
	}
	og_backend_otlp_http_stats(be, &os);
	if (rc == 0) {
		uint64_t batches = sink.requests - batches0, spans = done * spans_per_rec;
		double cpu_s = (double)cpu / 1e9;
		uint64_t sent = os.ctr[OG_OHTTP_BYTES_SENT];

		qsort(lat_ns, done, sizeof(lat_ns[0]), cmp_u64);
		if (sink.bad || os.ctr[OG_OHTTP_RETRIES] || os.ctr[OG_OHTTP_PERMANENT] ||
		    batches != os.ctr[OG_OHTTP_RESP_2XX]) {
			fprintf(stderr,
				"%s: sink bad %" PRIu64 ", retries %" PRIu64 ", permanent %" PRIu64
				", 2xx %" PRIu64 " for %" PRIu64 " requests\n",
				sc->name, sink.bad, os.ctr[OG_OHTTP_RETRIES],
				os.ctr[OG_OHTTP_PERMANENT], os.ctr[OG_OHTTP_RESP_2XX], batches);
			rc = 1;
		}
		if (strcmp(sc->compression, "none") == 0 && os.ctr[OG_OHTTP_COPIED] != 0) {
			fprintf(stderr, "%s: %" PRIu64 " bytes copied with compression=none\n",
				sc->name, os.ctr[OG_OHTTP_COPIED]);
			rc = 1;
		}
		printf("%-28s %6" PRIu64 " batches (%4.1f records each) %8.0f batches/s %6.2f M "
		       "spans/s %6.2f Gbit/s body %6.2f Gbit/s wire  latency p50 %6.2f ms p99 "
		       "%6.2f ms  (wall %.2f s, egress CPU %.3f s)\n",
		       sc->name, batches, (double)done / (double)batches, (double)batches / cpu_s,
		       (double)spans / cpu_s / 1e6, (double)(done * piece_bytes) * 8 / cpu_s / 1e9,
		       (double)sent * 8 / cpu_s / 1e9, (double)lat_ns[done / 2] / 1e6,
		       (double)lat_ns[done * 99 / 100] / 1e6, (double)wall / 1e9, cpu_s);
		printf("bench=egress scenario=%s batches=%" PRIu64 " batches_per_s=%.0f "
		       "spans_per_s=%.0f gbit_per_s=%.3f wire_gbit_per_s=%.3f ns_per_batch=%.0f "
		       "lat_p50_us=%.0f lat_p99_us=%.0f sent_bytes=%" PRIu64
		       " copied_bytes=%" PRIu64 "\n",
		       sc->name, batches, (double)batches / cpu_s, (double)spans / cpu_s,
		       (double)(done * piece_bytes) * 8 / cpu_s / 1e9,
		       (double)sent * 8 / cpu_s / 1e9, (double)cpu / (double)batches,
		       (double)lat_ns[done / 2] / 1e3, (double)lat_ns[done * 99 / 100] / 1e3, sent,
		       os.ctr[OG_OHTTP_COPIED]);
	}
	{
		const struct og_tcp_stats *ts = og_tcp_stats(eg);

		printf("  egress TCP: %" PRIu64 " segments out, %" PRIu64 " retransmitted, %" PRIu64
		       " RTOs, %" PRIu64 " fast retransmits; wire drops %" PRIu64 "/%" PRIu64
		       "; driver request latency mean %.2f ms over %" PRIu64
		       "; idle polling %.3f s in %" PRIu64 " turns (not counted)\n",
		       ts->cnt[OG_TCP_CNT_SEGS_OUT], ts->cnt[OG_TCP_CNT_RETRANS_SEGS],
		       ts->cnt[OG_TCP_CNT_RTO_FIRED], ts->cnt[OG_TCP_CNT_FAST_RETRANS],
		       to_sink.dropped, to_egress.dropped,
		       os.lat_count ? (double)os.lat_sum_us / (double)os.lat_count / 1e3 : 0.0,
		       os.lat_count, (double)idle / 1e9, n_idle);
	}
	og_batcher_free(bt);
	og_backend_destroy(be);
	og_tcp_stack_free(eg);
	og_tcp_stack_free(sink.st);
	wire_drop(&to_sink);
	wire_drop(&to_egress);
	return rc;
}

static const struct scenario scenarios[] = {
	{ "none/16-records/2-conns", "none", 8192, 2 },
	{ "gzip/16-records/2-conns", "gzip", 8192, 2 },
	{ "none/1-record/2-conns", "none", 512, 2 },
	{ "gzip/1-record/2-conns", "gzip", 512, 2 },
};

int
main(int argc, char **argv)
{
	char prefix[64], cmd[PATH_MAX + 16];
	char *eal[] = { argv[0],
			"--no-huge",
			"--no-pci",
			"-m",
			"1024",
			"--file-prefix",
			prefix,
			"--log-level",
			"lib.*:error",
			"--log-level",
			"otlpgate.*:warning",
			NULL };
	struct og_otlp_resource res[64];
	struct og_otlp_scan scan = { .signal = OG_OTLP_TRACES, .res = res, .res_cap = 64 };
	struct og_seg seg;
	uint8_t *body;
	size_t len;
	int rc = 0;

	snprintf(prefix, sizeof(prefix), "bench_egress_%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pkt_pool = rte_pktmbuf_pool_create("eg_pkt", 4095, 0, 0, SEG + RTE_PKTMBUF_HEADROOM,
					   SOCKET_ID_ANY);
	clone_pool = rte_pktmbuf_pool_create("eg_clone", 262143, 256, 0, 0, SOCKET_ID_ANY);
	hdr_pool = rte_pktmbuf_pool_create("eg_hdr", 65535, 256, 0, RTE_PKTMBUF_HEADROOM + 128,
					   SOCKET_ID_ANY);
	drv_hdr_pool = rte_pktmbuf_pool_create("eg_dhdr", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					       SOCKET_ID_ANY);
	ref_pool = rte_pktmbuf_pool_create("eg_ref", 262143, 256, 0, 0, SOCKET_ID_ANY);
	sink.resp_pool = rte_pktmbuf_pool_create("eg_resp", 4095, 0, 0, 256, SOCKET_ID_ANY);
	rec_pool = og_rec_pool_create("eg_rec", MAX_RECS - 1, SOCKET_ID_ANY);
	if (pkt_pool == NULL || clone_pool == NULL || hdr_pool == NULL || drv_hdr_pool == NULL ||
	    ref_pool == NULL || sink.resp_pool == NULL || rec_pool == NULL) {
		fprintf(stderr, "pools: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	og_backend_register(&og_backend_otlp_http_ops);

	/* the body once, and its resource entries as the receiver finds them */
	body = read_sample("samples/traces-512.pb", &len);
	master = chain_of(pkt_pool, body, len);
	seg.data = body;
	seg.len = (uint32_t)len;
	if (og_otlp_scan(&seg, 1, &scan) != OG_OK || scan.n_resources == 0) {
		fprintf(stderr, "traces-512.pb: scan failed\n");
		return 1;
	}
	spans_per_rec = scan.n_items;
	for (uint32_t i = 0; i < scan.n_resources && i < RTE_DIM(pieces); i++) {
		memset(&pieces[i], 0, sizeof(pieces[i]));
		pieces[i].r = res[i].hdr;
		piece_bytes += res[i].hdr.len;
		n_pieces++;
	}
	printf("traces-512.pb: %zu bytes, %" PRIu64 " spans in %u resource entries; %u records "
	       "per scenario\n",
	       len, spans_per_rec, n_pieces, N_RECORDS);

	for (unsigned int i = 0; i < RTE_DIM(scenarios); i++)
		if (argc < 2 || strstr(scenarios[i].name, argv[1]) != NULL)
			rc |= run(&scenarios[i]);

	rte_pktmbuf_free(master);
	free(body);
	og_backend_unregister_all();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}

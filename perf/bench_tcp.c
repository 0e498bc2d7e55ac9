/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmarks of lib/tcp through the in-process simulator (one core):
 *  - in-order receive: segments/s and Gbit/s of payload, ACKs generated;
 *  - connection setup + teardown per second;
 *  - receive with 1, 1,000 and 100,000 open connections, round robin (the
 *    figure at 100,000 must stay within 80% of the figure at 1: no O(n)).
 * Only og_tcp_input_burst() is timed; building the peer's packets and
 * draining the ACKs are not. Received packets carry
 * RTE_MBUF_F_RX_L4_CKSUM_GOOD, as from a NIC that checks TCP checksums.
 *
 * Time is summed per chunk of CHUNK_SEGS segments. Each figure gives the
 * mean over the run and the fastest chunk: on a shared machine (steal, a
 * neighbour's cache traffic) the mean moves 10x between identical runs,
 * while the fastest chunk is the one the core was ours. A chunk spans
 * CHUNK_SEGS distinct connections once there are that many, so its cache
 * misses are those of the workload; the scaling ratio compares fastest
 * chunks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "og_tcp_sim.h"

#define SEG	   1448
#define BURST	   32
#define LPORT	   8080
#define LADDR	   0xc0000202u
#define PEER_ISN   1000u
#define CHUNK_SEGS (16 * BURST)

static uint64_t
now_ns(void)
{
	struct timespec ts;

	/* thread CPU time: the figures hold on a loaded machine too */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void *
b_accepted(void *arg, struct og_tcp_conn *c)
{
	(void)arg;
	return c;
}

static void
b_recv(void *ctx, struct og_tcp_conn *c, struct rte_mbuf *m)
{
	(void)ctx;
	og_tcp_recv_done(c, m->pkt_len);
	rte_pktmbuf_free(m);
}

static void
b_peer_closed(void *ctx, struct og_tcp_conn *c)
{
	(void)ctx;
	og_tcp_close(c);
}

static const struct og_tcp_app bench_app = {
	.accepted = b_accepted,
	.recv = b_recv,
	.peer_closed = b_peer_closed,
};

struct peer {
	uint32_t addr;
	uint16_t port;
	uint32_t iss;  /* the stack's ISS */
	uint32_t next; /* our next sequence number */
};

static void
peer_seg(struct og_tcp_sim_seg *g, const struct peer *p, uint8_t flags, uint32_t len)
{
	memset(g, 0, sizeof(*g));
	g->saddr = p->addr;
	g->daddr = LADDR;
	g->sport = p->port;
	g->dport = LPORT;
	g->seq = p->next;
	g->ack = p->iss + 1;
	g->flags = flags;
	g->win = 65535;
	g->len = len;
}

/* Open the connection of @p p: SYN, SYN-ACK, ACK. */
static int
peer_open(struct og_tcp_sim *sim, struct peer *p)
{
	struct og_tcp_sim_seg g, r;

	p->next = PEER_ISN;
	peer_seg(&g, p, TCP_TH_SYN, 0);
	g.opts.has_mss = true;
	g.opts.mss = 1460;
	g.opts.has_ws = true;
	g.opts.wscale = 7;
	og_tcp_sim_inject(sim, &g);
	if (og_tcp_sim_pop(sim, &r) != 0 || r.flags != (TCP_TH_SYN | TCP_TH_ACK))
		return -1;
	p->iss = r.seq;
	p->next = PEER_ISN + 1;
	peer_seg(&g, p, TCP_TH_ACK, 0);
	og_tcp_sim_inject(sim, &g);
	return 0;
}

static struct og_tcp_sim *
make_sim(uint32_t max_conns)
{
	struct og_tcp_conf conf;
	struct og_tcp_sim *sim;

	og_tcp_conf_init(&conf);
	conf.max_conns = max_conns;
	conf.rcv_buf = 1 << 20;
	conf.syncookie_threshold = UINT32_MAX;
	sim = og_tcp_sim_create(&conf, 16384);
	if (sim == NULL || og_tcp_listen(og_tcp_sim_stack(sim), rte_cpu_to_be_32(LADDR),
					 rte_cpu_to_be_16(LPORT), &bench_app, NULL) != 0) {
		fprintf(stderr, "bench_tcp: cannot create the simulator\n");
		exit(1);
	}
	return sim;
}

struct rx_time {
	uint64_t ns;	     /* inside og_tcp_input_burst(), all segments */
	double best_chunk;   /* ns per segment, fastest whole chunk */
	double median_chunk; /* ns per segment, median chunk */
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Receive @p nseg in-order segments spread round robin over @p n peers.
 * Times only og_tcp_input_burst().
 */
static struct rx_time
rx_run(struct og_tcp_sim *sim, struct peer *peers, uint32_t n, uint32_t nseg)
{
	struct og_tcp_stack *st = og_tcp_sim_stack(sim);
	struct rx_time t = { 0 };
	struct rte_mbuf *pkts[BURST];
	uint32_t nchunks = 0, k = 0, chunk_segs = 0;
	double *chunks = calloc(nseg / CHUNK_SEGS + 1, sizeof(*chunks));
	uint64_t chunk_ns = 0;

	for (uint32_t done = 0; done < nseg;) {
		uint16_t b = 0;
		uint64_t t0;

		while (b < BURST && done + b < nseg) {
			struct og_tcp_sim_seg g;
			struct peer *p = &peers[k];

			k = k + 1 == n ? 0 : k + 1;
			peer_seg(&g, p, TCP_TH_ACK, SEG);
			pkts[b] = og_tcp_sim_build(sim, &g);
			if (pkts[b] == NULL) {
				fprintf(stderr, "bench_tcp: pool empty\n");
				exit(1);
			}
			pkts[b]->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
			p->next += SEG;
			b++;
		}
		t0 = now_ns();
		og_tcp_input_burst(st, pkts, b, og_tcp_sim_now(sim));
		t0 = now_ns() - t0;
		t.ns += t0;
		chunk_ns += t0;
		chunk_segs += b;
		if (chunk_segs >= CHUNK_SEGS) {
			chunks[nchunks++] = (double)chunk_ns / chunk_segs;
			chunk_ns = 0;
			chunk_segs = 0;
		}
		done += b;
		og_tcp_sim_discard(sim); /* the ACKs */
	}
	if (nchunks == 0) /* shorter than one chunk */
		chunks[nchunks++] = (double)t.ns / OG_MAX(nseg, 1);
	qsort(chunks, nchunks, sizeof(*chunks), cmp_double);
	t.best_chunk = chunks[0];
	t.median_chunk = chunks[nchunks / 2];
	free(chunks);
	return t;
}

static double
bench_rx_conns(uint32_t n, uint32_t nseg, bool print_tp)
{
	struct og_tcp_sim *sim = make_sim(n + 16);
	struct peer *peers = calloc(n, sizeof(*peers));
	const struct og_tcp_stats *s = og_tcp_stats(og_tcp_sim_stack(sim));
	struct rx_time t;
	uint64_t acks0, ns;
	double segs_s;

	for (uint32_t i = 0; i < n; i++) {
		peers[i].addr = 0x0a000000u + 1 + i / 50000;
		peers[i].port = (uint16_t)(10000 + i % 50000);
		if (peer_open(sim, &peers[i]) != 0) {
			fprintf(stderr, "bench_tcp: open %u failed\n", i);
			exit(1);
		}
		og_tcp_sim_discard(sim);
	}
	rx_run(sim, peers, n, OG_MIN(nseg / 4, 4 * n + 1000)); /* warm up */
	acks0 = s->cnt[OG_TCP_CNT_SEGS_OUT];
	t = rx_run(sim, peers, n, nseg);
	ns = t.ns;
	segs_s = nseg / (ns / 1e9);
	if (print_tp) {
		double best_s = 1e9 / t.best_chunk, med_s = 1e9 / t.median_chunk;

		printf("tcp rx in-order 1 conn: fastest chunk %.1f ns/segment, %.2f Mseg/s, "
		       "%.2f Gbit/s payload; median chunk %.1f ns/segment, %.2f Gbit/s; "
		       "%.2f ACKs/segment\n",
		       t.best_chunk, best_s / 1e6, best_s * SEG * 8 / 1e9, t.median_chunk,
		       med_s * SEG * 8 / 1e9, (double)(s->cnt[OG_TCP_CNT_SEGS_OUT] - acks0) / nseg);
		printf("bench=tcp_rx_inorder best_chunk_ns_per_seg=%.1f "
		       "median_chunk_ns_per_seg=%.1f "
		       "segs_per_s=%.0f gbps=%.2f\n",
		       t.best_chunk, t.median_chunk, best_s, best_s * SEG * 8 / 1e9);
	}
	printf("tcp rx with %u open connections: %.1f ns/segment (chunks: fastest %.1f, "
	       "median %.1f), %.2f Mseg/s\n",
	       n, (double)ns / nseg, t.best_chunk, t.median_chunk, segs_s / 1e6);
	printf("bench=tcp_rx_conns conns=%u ns_per_seg=%.1f best_chunk_ns_per_seg=%.1f "
	       "median_chunk_ns_per_seg=%.1f segs_per_s=%.0f\n",
	       n, (double)ns / nseg, t.best_chunk, t.median_chunk, segs_s);
	free(peers);
	og_tcp_sim_free(sim);
	return 1e9 / t.best_chunk;
}

static void
bench_setup_teardown(uint32_t nconn)
{
	struct og_tcp_sim *sim = make_sim(1024);
	struct og_tcp_stack *st = og_tcp_sim_stack(sim);
	uint64_t t0 = now_ns(), ns;

	for (uint32_t i = 0; i < nconn; i++) {
		struct peer p = { 0x0a000001u + i / 50000, (uint16_t)(10000 + i % 50000), 0, 0 };
		struct og_tcp_sim_seg g;

		/* SYN / SYN-ACK / ACK, peer FIN, our FIN (from peer_closed), last ACK */
		if (peer_open(sim, &p) != 0)
			exit(1);
		peer_seg(&g, &p, TCP_TH_FIN | TCP_TH_ACK, 0);
		og_tcp_sim_inject(sim, &g);
		p.next++;
		peer_seg(&g, &p, TCP_TH_ACK, 0);
		g.ack = p.iss + 2;
		og_tcp_sim_inject(sim, &g);
		og_tcp_sim_discard(sim);
	}
	ns = now_ns() - t0;
	if (og_tcp_stats(st)->cnt[OG_TCP_CNT_CLOSED_ORDERLY] != nconn)
		fprintf(stderr, "bench_tcp: only %llu orderly closes\n",
			(unsigned long long)og_tcp_stats(st)->cnt[OG_TCP_CNT_CLOSED_ORDERLY]);
	printf("tcp setup+teardown: %.0f ns/connection, %.0f connections/s (6 segments each, "
	       "packet building included)\n",
	       (double)ns / nconn, nconn / (ns / 1e9));
	printf("bench=tcp_conn_cycle ns_per_conn=%.0f conns_per_s=%.0f\n", (double)ns / nconn,
	       nconn / (ns / 1e9));
	og_tcp_sim_free(sim);
}

/*
 * usage: bench_tcp [CONNS SEGMENTS]
 * With arguments, only the receive run with CONNS open connections and
 * SEGMENTS timed segments: a short run for profilers (callgrind, perf).
 */
int
main(int argc, char **argv)
{
	double one, many;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (og_tcp_sim_eal_init(1024) != 0) {
		fprintf(stderr, "bench_tcp: EAL init failed\n");
		return 1;
	}
	if (argc == 3) {
		long nc = strtol(argv[1], NULL, 10), ns = strtol(argv[2], NULL, 10);

		if (nc < 1 || nc > 1000000 || ns < 1 || ns > 100000000) {
			fprintf(stderr, "usage: bench_tcp [CONNS SEGMENTS]\n");
			return 2;
		}
		bench_rx_conns((uint32_t)nc, (uint32_t)ns, nc == 1);
		return 0;
	}
	one = bench_rx_conns(1, 500000, true);
	bench_setup_teardown(50000);
	bench_rx_conns(1000, 500000, false);
	many = bench_rx_conns(100000, 500000, false);
	printf("tcp rx 100000 vs 1 connection (fastest chunks): %.0f%%\n", 100.0 * many / one);
	printf("bench=tcp_rx_scaling ratio_pct=%.0f\n", 100.0 * many / one);
	return 0;
}

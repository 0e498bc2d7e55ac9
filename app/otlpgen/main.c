/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * otlpgen: EAL and port bring-up, one polling loop on the main lcore that
 * runs lib/net, lib/tcp, the client and the sink, the phases of a run
 * (connect, warmup, measure, drain, linger) and the report. The slow
 * connections of --slow-conns (slow.c) run beside the client until it
 * closes its connections.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "og_net.h"
#include "og_tcp.h"
#include "otlpgen.h"

#define RX_BURST 32
#define RX_DRAIN 32
/* time allowed for every connection to come up before warmup starts anyway */
#define RAMP_MAX_S 10.0
/* after the measured interval: answers to requests already sent */
#define DRAIN_MAX_S 2.0
/* linger without item counting: ends after this long without a sink request */
#define SINK_QUIET_S 1.0

static volatile bool force_quit;
/* the loop's longest pause and pauses over 10 ms: a busy machine shows here */
static uint64_t gap_max_tsc, gaps_10ms;
static struct gen_opts opts;
static struct og_net_ctx *nets[GEN_MAX_PORTS];

enum phase { PH_RAMP, PH_WARMUP, PH_RUN, PH_DRAIN, PH_LINGER, PH_END };

static void
on_signal(int sig)
{
	(void)sig;
	force_quit = true;
}

static uint16_t
loop_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	(void)arg;
	if (opts.n_ports == 1)
		return og_net_output_burst(nets[0], pkts, n);
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(pkts[i], struct rte_ipv4_hdr *);
		unsigned int p = 0;

		for (unsigned int k = 0; k < opts.n_ports; k++)
			if (opts.ports[k].addr_be == ip->src_addr)
				p = k;
		og_net_output_burst(nets[p], &pkts[i], 1);
	}
	return n;
}

/* ---- report --------------------------------------------------------------- */

struct snap {
	uint64_t tsc;
	struct gen_client_stats c;
	struct gen_sink_stats s;
	struct gen_slow_stats sl;
	uint64_t busy, total;
};

/* the slow connections, if any: global like opts, read by take() and the report */
static struct gen_slow *slow;

static void
take(struct snap *sn, uint64_t tsc, const struct gen_client *g, const struct gen_sink *s,
     uint64_t busy, uint64_t total)
{
	sn->tsc = tsc;
	if (slow != NULL)
		sn->sl = *gen_slow_stats(slow);
	if (g != NULL)
		sn->c = *gen_client_stats(g);
	if (s != NULL)
		sn->s = *gen_sink_stats(s);
	sn->busy = busy;
	sn->total = total;
}

static void
progress(const struct snap *a, const struct snap *b, uint64_t hz, const struct gen_client *g,
	 const struct gen_sink *s)
{
	double dt = (double)(b->tsc - a->tsc) / (double)hz;

	if (dt <= 0)
		return;
	if (g != NULL)
		printf("otlpgen: conns=%u req/s=%.0f spans/s=%.0f Gbps=%.3f errors=%" PRIu64
		       " reconnects=%" PRIu64,
		       gen_client_conns_up(g), (double)(b->c.answered - a->c.answered) / dt,
		       (double)(b->c.items_ok - a->c.items_ok) / dt,
		       (double)(b->c.bytes_ok - a->c.bytes_ok) * 8 / dt / 1e9,
		       (b->c.answered + b->c.lost - b->c.ok) -
			       (a->c.answered + a->c.lost - a->c.ok),
		       b->c.reconnects - a->c.reconnects);
	else
		printf("otlpgen:");
	if (slow != NULL)
		printf(" slow_up=%u slow_closed=%" PRIu64 " slow_reopened=%" PRIu64, b->sl.up,
		       b->sl.closed, b->sl.reopened);
	if (s != NULL)
		printf(" sink_req/s=%.0f sink_items=%" PRIu64,
		       (double)(b->s.requests - a->s.requests) / dt, b->s.items);
	printf(" busy=%.0f%%\n", b->total > a->total ? 100.0 * (double)(b->busy - a->busy) /
							       (double)(b->total - a->total)
						     : 0.0);
	fflush(stdout);
}

static void
report(const struct snap *t0, const struct snap *t1, const struct snap *fin, uint64_t hz,
       const struct gen_client *g, const struct gen_sink *s)
{
	double dt = (double)(t1->tsc - t0->tsc) / (double)hz;
	double busy = t1->total > t0->total ? 100.0 * (double)(t1->busy - t0->busy) /
						      (double)(t1->total - t0->total)
					    : 0.0;

	if (dt <= 0)
		dt = 1e-9;
	if (g != NULL) {
		const struct gen_client_stats *a = &t0->c, *b = &t1->c;
		const struct gen_hist *h = gen_client_hist(g);
		uint64_t answered = b->answered - a->answered, lost = b->lost - a->lost;
		uint64_t ok = b->ok - a->ok, req = answered + lost;
		double p50 = (double)gen_hist_quantile(h, 0.50) / 1000;
		double p99 = (double)gen_hist_quantile(h, 0.99) / 1000;
		double p999 = (double)gen_hist_quantile(h, 0.999) / 1000;

		printf("otlpgen: client: %.3f s measured, %" PRIu64 " requests (%" PRIu64
		       " ok), %.0f req/s, %.0f spans/s, %.3f Gbps, latency p50 %.1f us p99 %.1f "
		       "us p999 %.1f us max %.1f us, otlpgen busy %.1f%%\n",
		       dt, req, ok, (double)answered / dt, (double)(b->items_ok - a->items_ok) / dt,
		       (double)(b->bytes_ok - a->bytes_ok) * 8 / dt / 1e9, p50, p99, p999,
		       (double)h->max / 1000, busy);
		if (slow != NULL)
			printf("otlpgen: slow: %u connections, %u up at the end; measured: %" PRIu64
			       " closed by the server (%" PRIu64 " after an answer), %" PRIu64
			       " reopened, %" PRIu64 " opens failed, %" PRIu64 " head bytes sent\n",
			       opts.slow_conns, t1->sl.up, t1->sl.closed - t0->sl.closed,
			       t1->sl.answered - t0->sl.answered, t1->sl.reopened - t0->sl.reopened,
			       t1->sl.open_fail - t0->sl.open_fail, t1->sl.bytes - t0->sl.bytes);
		printf("otlpgen client: requests=%" PRIu64 " ok=%" PRIu64 " errors=%" PRIu64, req,
		       ok, req - ok);
		for (unsigned int i = 0; i < 600; i++)
			if ((i < 200 || i >= 300) && b->status[i] != a->status[i])
				printf(" status_%u=%" PRIu64, i, b->status[i] - a->status[i]);
		printf(" lost=%" PRIu64 " items=%" PRIu64 " req_per_s=%.0f spans_per_s=%.0f "
		       "gbps=%.3f p50_us=%.1f p99_us=%.1f p999_us=%.1f reconnects=%" PRIu64
		       " conn_failures=%" PRIu64 " proto_errors=%" PRIu64
		       " duration_s=%.3f busy_pct=%.1f",
		       lost, b->items_ok - a->items_ok, (double)answered / dt,
		       (double)(b->items_ok - a->items_ok) / dt,
		       (double)(b->bytes_ok - a->bytes_ok) * 8 / dt / 1e9, p50, p99, p999,
		       b->reconnects - a->reconnects, b->conn_fail - a->conn_fail,
		       b->proto_err - a->proto_err, dt, busy);
		/* the slow connections end the line (zeros without them) */
		printf(" slow_conns=%u slow_up=%u slow_closed=%" PRIu64 " slow_answered=%" PRIu64
		       " slow_reopened=%" PRIu64 " slow_open_failures=%" PRIu64
		       " slow_bytes=%" PRIu64 "\n",
		       opts.slow_conns, t1->sl.up, t1->sl.closed - t0->sl.closed,
		       t1->sl.answered - t0->sl.answered, t1->sl.reopened - t0->sl.reopened,
		       t1->sl.open_fail - t0->sl.open_fail, t1->sl.bytes - t0->sl.bytes);
	}
	if (s != NULL) {
		const struct gen_sink_stats *a = &t0->s, *e = &fin->s;

		printf("otlpgen: sink: %" PRIu64 " requests, %" PRIu64 " body bytes, %" PRIu64
		       " items%s, %" PRIu64 " bad, %" PRIu64 " connections\n",
		       e->requests - a->requests, e->bytes - a->bytes, e->items - a->items,
		       opts.sink_count_items ? "" : " (not counted)", e->bad - a->bad,
		       e->conns - a->conns);
		printf("otlpgen sink: requests=%" PRIu64 " bytes=%" PRIu64 " items=%" PRIu64
		       " bad=%" PRIu64 " req_per_s=%.0f items_per_s=%.0f\n",
		       e->requests - a->requests, e->bytes - a->bytes, e->items - a->items,
		       e->bad - a->bad, (double)(t1->s.requests - a->requests) / dt,
		       (double)(t1->s.items - a->items) / dt);
	}
	fflush(stdout);
}

/* Non-zero drop reasons and loss-related TCP counters, for diagnosis. */
static void
report_stack(const struct og_tcp_stack *tcp)
{
	const struct og_tcp_stats *ts = og_tcp_stats(tcp);

	printf("otlpgen: drops:");
	for (unsigned int p = 0; p < opts.n_ports; p++) {
		const struct og_net_stats *ns = og_net_stats(nets[p]);

		for (unsigned int d = 0; d < OG_NET_DROP_MAX; d++)
			if (ns->drop[d] != 0)
				printf(" net_%s=%" PRIu64, og_net_drop_name(d), ns->drop[d]);
	}
	for (unsigned int d = 0; d < OG_TCP_DROP_MAX; d++)
		if (ts->drop[d] != 0)
			printf(" tcp_%s=%" PRIu64, og_tcp_drop_name((enum og_tcp_drop)d),
			       ts->drop[d]);
	for (unsigned int p = 0; p < opts.n_ports; p++) {
		struct rte_eth_stats es;

		if (rte_eth_stats_get(opts.ports[p].port_id, &es) == 0)
			printf(" port%u_imissed=%" PRIu64 " port%u_rx_nombuf=%" PRIu64
			       " port%u_oerrors=%" PRIu64,
			       opts.ports[p].port_id, es.imissed, opts.ports[p].port_id,
			       es.rx_nombuf, opts.ports[p].port_id, es.oerrors);
	}
	printf(" loop_gap_max_us=%" PRIu64 " loop_gaps_over_10ms=%" PRIu64,
	       gap_max_tsc * 1000000 / rte_get_tsc_hz(), gaps_10ms);
	printf("\notlpgen: tcp:");
	for (unsigned int c = 0; c < OG_TCP_CNT_MAX; c++)
		if (ts->cnt[c] != 0)
			printf(" %s=%" PRIu64, og_tcp_cnt_name((enum og_tcp_cnt)c), ts->cnt[c]);
	printf("\n");
}

/* ---- main ----------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	struct rte_mempool *mp = NULL, *hdr_mp = NULL, *clone_mp = NULL, *body_mp = NULL;
	struct gen_body bodies[GEN_MAX_BODIES];
	unsigned int n_bodies = 0;
	struct og_tcp_stack *tcp = NULL;
	struct gen_client *g = NULL;
	struct gen_sink *s = NULL;
	struct snap base, last, end, fin;
	struct gen_env env;
	struct og_tcp_conf tc;
	bool tx_offload = true;
	int split, rc, status = EXIT_FAILURE, sig;
	uint64_t hz, busy = 0, total = 0;

	memset(bodies, 0, sizeof(bodies));
	{
		char *app_argv[argc + 1];
		int app_argc;

		split = og_args_split(argc, argv, app_argv, &app_argc);
		if (og_args_help(split, argv)) {
			gen_usage(argv[0]);
			return 0;
		}
		rc = gen_parse_args(app_argc, app_argv, &opts);
		if (rc > 0)
			return 0;
		if (rc < 0)
			return 2;
	}
	/* bodies before EAL: a bad file costs nothing */
	sig = gen_path_signal(opts.path);
	if (opts.target_port != 0) {
		if (opts.synth_on) {
			if (gen_body_synth(&bodies[0], &opts.synth, opts.gzip) != 0) {
				fprintf(stderr, "otlpgen: --gen: cannot build the body\n");
				gen_body_free(&bodies[0]);
				return 2;
			}
			n_bodies = 1;
		}
		for (unsigned int i = 0; i < opts.n_bodies; i++) {
			if (gen_body_load(&bodies[i], opts.bodies[i], (enum og_otlp_signal)sig,
					  opts.gzip) != 0) {
				for (unsigned int k = 0; k < i; k++)
					gen_body_free(&bodies[k]);
				return 2;
			}
			n_bodies++;
		}
		for (unsigned int i = 0; i < n_bodies; i++)
			printf("otlpgen: body %s: %u bytes%s (%u plain), %" PRIu64 " items\n",
			       bodies[i].name, bodies[i].len, bodies[i].gzip ? " gzip" : "",
			       bodies[i].plain_len, bodies[i].items);
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = rte_eal_init(split, argv);
	if (rc < 0) {
		fprintf(stderr, "otlpgen: EAL init failed: %s\n", rte_strerror(rte_errno));
		status = 2;
		goto out_bodies;
	}
	hz = rte_get_tsc_hz();
	for (unsigned int p = 0; p < opts.n_ports; p++)
		if (!rte_eth_dev_is_valid_port(opts.ports[p].port_id)) {
			fprintf(stderr, "otlpgen: --port-ip: no ethdev port %u (%u available)\n",
				opts.ports[p].port_id, rte_eth_dev_count_avail());
			status = 2;
			goto out;
		}
	mp = rte_pktmbuf_pool_create("gen_mbuf", opts.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	hdr_mp = rte_pktmbuf_pool_create("gen_hdr", opts.mbufs, 256, 0, RTE_PKTMBUF_HEADROOM + 512,
					 (int)rte_socket_id());
	clone_mp = rte_pktmbuf_pool_create("gen_clone", opts.mbufs * 2, 256, 0, 0,
					   (int)rte_socket_id());
	if (n_bodies != 0)
		body_mp = rte_pktmbuf_pool_create(
			"gen_body", gen_client_body_mbufs(&opts, bodies, n_bodies) + 1, 0, 0,
			RTE_PKTMBUF_HEADROOM + GEN_BODY_SEG, (int)rte_socket_id());
	if (mp == NULL || hdr_mp == NULL || clone_mp == NULL ||
	    (n_bodies != 0 && body_mp == NULL)) {
		fprintf(stderr,
			"otlpgen: mempools of %u mbufs: %s (try fewer --mbufs or more -m)\n",
			opts.mbufs, rte_strerror(rte_errno));
		goto out;
	}
	for (unsigned int p = 0; p < opts.n_ports; p++) {
		const struct og_port_info *pi;
		struct og_net_conf nc;

		rc = og_port_init(opts.ports[p].port_id, 1, mp, NULL);
		if (rc != 0) {
			fprintf(stderr, "otlpgen: port %u: %s\n", opts.ports[p].port_id,
				rte_strerror(-rc));
			goto out;
		}
		pi = og_port_info(opts.ports[p].port_id);
		tx_offload &= pi->tx_tcp_cksum && pi->tx_ip_cksum;
		memset(&nc, 0, sizeof(nc));
		nc.port_id = opts.ports[p].port_id;
		nc.queue_id = 0;
		nc.socket_id = (int)rte_socket_id();
		nc.mp = mp;
		nc.addr_be = opts.ports[p].addr_be;
		nc.prefix_len = opts.ports[p].prefix_len;
		nc.gateway_be = opts.gateway_be;
		nc.mac = pi->mac;
		nets[p] = og_net_ctx_create(&nc);
		if (nets[p] == NULL) {
			fprintf(stderr, "otlpgen: port %u: network context failed\n",
				opts.ports[p].port_id);
			goto out;
		}
	}
	og_tcp_conf_init(&tc);
	tc.max_conns = (opts.target_port ? (opts.conns + opts.slow_conns) * 2 : 0) + 4096;
	tc.hdr_pool = hdr_mp;
	/*
	 * One stack serves client and sink: the client only receives answers,
	 * so the sink's window is the stack's.
	 */
	if (opts.sink_port != 0)
		tc.rcv_buf = opts.sink_rcv_buf;
	tc.clone_pool = clone_mp;
	tc.tx_csum_offload = tx_offload;
	tc.tx = loop_tx;
	/* pipelined requests of the largest body fit the send queue at once */
	for (unsigned int i = 0; i < n_bodies; i++) {
		uint64_t want = ((uint64_t)bodies[i].len + 1024) * opts.pipeline;

		if (want > 64u << 20)
			want = 64u << 20;
		if (want > tc.snd_buf)
			tc.snd_buf = (uint32_t)want;
	}
	for (unsigned int i = 0; i < sizeof(tc.secret); i += 8) {
		uint64_t r = rte_rand();

		memcpy(tc.secret + i, &r, RTE_MIN(sizeof(r), sizeof(tc.secret) - i));
	}
	tcp = og_tcp_stack_create(&tc);
	if (tcp == NULL) {
		fprintf(stderr, "otlpgen: TCP stack: no memory (try fewer --conns or more -m)\n");
		goto out;
	}
	memset(&env, 0, sizeof(env));
	env.tcp = tcp;
	env.hdr_pool = hdr_mp;
	env.clone_pool = clone_mp;
	env.body_pool = body_mp;
	env.src_be = opts.ports[0].addr_be;
	env.tsc_hz = hz;
	if (opts.sink_port != 0) {
		s = gen_sink_create(&opts, &env);
		if (s == NULL)
			goto out;
	}
	if (opts.target_port != 0) {
		g = gen_client_create(&opts, &env, bodies, n_bodies);
		if (g == NULL) {
			fprintf(stderr, "otlpgen: client set-up failed (no memory)\n");
			goto out;
		}
	}
	if (opts.slow_conns != 0) {
		slow = gen_slow_create(&opts, &env);
		if (slow == NULL) {
			fprintf(stderr, "otlpgen: slow connections: no memory\n");
			goto out;
		}
	}
	for (unsigned int p = 0; p < opts.n_ports; p++)
		og_net_announce(nets[p]);

	{
		enum phase ph = g != NULL ? PH_RAMP : PH_RUN;
		uint64_t t_launch = rte_rdtsc(), t_phase = t_launch, t_report;
		uint64_t report_every = (uint64_t)(opts.report_interval_s * (double)hz);
		uint64_t last_sink_req = 0, last_sink_tsc = t_launch;
		uint64_t tsc_per_us = hz / 1000000 ? hz / 1000000 : 1;
		struct rte_mbuf *pkts[RX_BURST], *segs[2 * RX_BURST + 1];

		take(&base, t_launch, g, s, 0, 0);
		last = base;
		end = base;
		t_report = t_launch + report_every;
		if (g == NULL)
			printf("otlpgen: sink only: running until SIGINT/SIGTERM%s\n",
			       opts.duration_s > 0 ? " or --duration" : "");
		uint64_t t_prev = rte_rdtsc();

		while (ph != PH_END) {
			uint64_t t0 = rte_rdtsc(), now_us = t0 / tsc_per_us;
			bool work = false;

			if (t0 - t_prev > gap_max_tsc)
				gap_max_tsc = t0 - t_prev;
			if (t0 - t_prev > hz / 100)
				gaps_10ms++;
			t_prev = t0;

			/*
			 * Read what is queued (up to RX_DRAIN bursts) before the
			 * timers run: after the process was descheduled, ACKs
			 * waiting in the ring must count before an RTO fires.
			 */
			for (unsigned int p = 0; p < opts.n_ports; p++) {
				for (unsigned int b = 0; b < RX_DRAIN; b++) {
					uint16_t n, nt;

					n = rte_eth_rx_burst(opts.ports[p].port_id, 0, pkts,
							     RX_BURST);
					if (n == 0)
						break;
					work = true;
					og_net_input_burst(nets[p], pkts, n, now_us, segs, &nt);
					if (nt != 0)
						og_tcp_input_burst(tcp, segs, nt, now_us);
					if (n < RX_BURST)
						break;
				}
			}
			og_tcp_timers_run(tcp, now_us);
			if (g != NULL && (ph == PH_RAMP || ph == PH_WARMUP || ph == PH_RUN)) {
				uint64_t sent = gen_client_stats(g)->sent;

				/* connections first: requests start with the measurement */
				gen_client_run(g, t0, ph != PH_RAMP);
				work |= gen_client_stats(g)->sent != sent;
			}
			if (slow != NULL && ph <= PH_DRAIN) {
				uint64_t sent = gen_slow_stats(slow)->bytes;

				gen_slow_run(slow, t0);
				work |= gen_slow_stats(slow)->bytes != sent;
			}
			for (unsigned int p = 0; p < opts.n_ports; p++) {
				const struct og_net_stats *ns = og_net_stats(nets[p]);
				uint64_t tx = ns->ctr[OG_NET_CTR_TX_PKTS];

				og_net_timers_run(nets[p], now_us);
				og_net_tx_flush(nets[p]);
				work |= ns->ctr[OG_NET_CTR_TX_PKTS] != tx;
			}
			{
				uint64_t d = rte_rdtsc() - t0;

				total += d;
				if (work)
					busy += d;
				else if (opts.idle_sleep_us != 0)
					rte_delay_us_sleep(opts.idle_sleep_us);
			}

			/* phases */
			if (force_quit && ph < PH_DRAIN) {
				take(&end, t0, g, s, busy, total);
				if (ph < PH_RUN)
					base = end;
				if (g != NULL)
					gen_client_close_all(g);
				if (slow != NULL)
					gen_slow_close_all(slow);
				ph = PH_END;
				break;
			}
			if (force_quit)
				break;
			switch (ph) {
			case PH_RAMP:
				if ((gen_client_conns_up(g) == opts.conns &&
				     (slow == NULL ||
				      gen_slow_stats(slow)->up == opts.slow_conns)) ||
				    t0 - t_phase > (uint64_t)(RAMP_MAX_S * (double)hz)) {
					printf("otlpgen: %u/%u connections up\n",
					       gen_client_conns_up(g), opts.conns);
					if (slow != NULL)
						printf("otlpgen: %u/%u slow connections up\n",
						       gen_slow_stats(slow)->up, opts.slow_conns);
					fflush(stdout); /* a script may wait for this line */
					ph = opts.warmup_s > 0 ? PH_WARMUP : PH_RUN;
					t_phase = t0;
					take(&base, t0, g, s, busy, total);
					gen_client_measure_start(g);
				}
				break;
			case PH_WARMUP:
				if (t0 - t_phase >= (uint64_t)(opts.warmup_s * (double)hz)) {
					ph = PH_RUN;
					t_phase = t0;
					take(&base, t0, g, s, busy, total);
					gen_client_measure_start(g);
				}
				break;
			case PH_RUN:
				if ((opts.duration_s > 0 &&
				     t0 - t_phase >= (uint64_t)(opts.duration_s * (double)hz)) ||
				    (g != NULL && gen_client_done(g))) {
					take(&end, t0, g, s, busy, total);
					if (g == NULL) {
						ph = PH_END;
						break;
					}
					gen_client_stop_sending(g);
					ph = PH_DRAIN;
					t_phase = t0;
				}
				break;
			case PH_DRAIN:
				if (gen_client_idle(g) ||
				    t0 - t_phase > (uint64_t)(DRAIN_MAX_S * (double)hz)) {
					gen_client_close_all(g);
					if (slow != NULL)
						gen_slow_close_all(slow);
					ph = s != NULL ? PH_LINGER : PH_END;
					t_phase = t0;
					last_sink_tsc = t0;
				}
				break;
			case PH_LINGER: {
				const struct gen_sink_stats *ss = gen_sink_stats(s);
				const struct gen_client_stats *cs = gen_client_stats(g);

				if (ss->requests != last_sink_req) {
					last_sink_req = ss->requests;
					last_sink_tsc = t0;
				}
				if (t0 - t_phase > (uint64_t)(opts.linger_s * (double)hz) ||
				    (opts.sink_count_items &&
				     ss->items - base.s.items >= cs->items_ok - base.c.items_ok) ||
				    (!opts.sink_count_items &&
				     t0 - last_sink_tsc > (uint64_t)(SINK_QUIET_S * (double)hz)))
					ph = PH_END;
				break;
			}
			default:
				break;
			}
			if (report_every != 0 && t0 >= t_report) {
				struct snap now_sn;

				take(&now_sn, t0, g, s, busy, total);
				progress(&last, &now_sn, hz, g, s);
				last = now_sn;
				t_report = t0 + report_every;
			}
		}
		if (end.tsc == t_launch) /* stopped before measuring */
			take(&end, rte_rdtsc(), g, s, busy, total);
		take(&fin, rte_rdtsc(), g, s, busy, total);
		/* FINs queued by close_all: give them a moment to leave */
		for (uint64_t t = rte_rdtsc(); rte_rdtsc() - t < hz / 20;) {
			uint64_t now_us = rte_rdtsc() / tsc_per_us;

			for (unsigned int p = 0; p < opts.n_ports; p++) {
				uint16_t n, nt;

				n = rte_eth_rx_burst(opts.ports[p].port_id, 0, pkts, RX_BURST);
				if (n != 0) {
					og_net_input_burst(nets[p], pkts, n, now_us, segs, &nt);
					if (nt != 0)
						og_tcp_input_burst(tcp, segs, nt, now_us);
				}
			}
			og_tcp_timers_run(tcp, now_us);
			for (unsigned int p = 0; p < opts.n_ports; p++)
				og_net_tx_flush(nets[p]);
		}
		report_stack(tcp);
		report(&base, &end, &fin, hz, g, s);
		if (opts.hold) {
			/*
			 * Nothing polls the ports from here on: when the peer
			 * goes, the memif PMD tears its rings down in its
			 * interrupt thread, which is only safe while no lcore
			 * is inside a burst.
			 */
			fflush(stdout);
			while (!force_quit)
				usleep(20000);
		}
	}
	status = EXIT_SUCCESS;
out:
	/* the stack first: its closed() callbacks still reach client and sink */
	og_tcp_stack_free(tcp);
	gen_client_free(g);
	gen_slow_free(slow);
	gen_sink_free(s);
	for (unsigned int p = 0; p < opts.n_ports; p++) {
		og_net_ctx_free(nets[p]);
		if (og_port_info(opts.ports[p].port_id) != NULL)
			og_port_close(opts.ports[p].port_id);
	}
	rte_mempool_free(body_mp);
	rte_mempool_free(clone_mp);
	rte_mempool_free(hdr_mp);
	rte_mempool_free(mp);
	rte_eal_cleanup();
out_bodies:
	for (unsigned int i = 0; i < n_bodies; i++)
		gen_body_free(&bodies[i]);
	return status;
}

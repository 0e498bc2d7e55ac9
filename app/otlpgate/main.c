/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * otlpgate: EAL and application start-up, one dataplane loop per lcore,
 * the telemetry control thread, and an orderly stop on SIGINT/SIGTERM.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "app.h"
#include "og_metric.h"
#include "og_telemetry.h"

RTE_LOG_REGISTER(og_app_logtype, otlpgate.app, INFO);

#define RX_BURST 32

static volatile bool force_quit;
static struct app_opts opts;
static struct app_lcore *lcores[RTE_MAX_LCORE];
static struct og_tcp_stack *stacks[RTE_MAX_LCORE];
static unsigned int n_lcores, n_stacks;
static unsigned int n_rx; /* RX lcores: one TCP stack each (resolve_roles()) */
static uint64_t tsc_per_us;
/* wall clock at start, for the Date header: unix seconds = unix0 + TSC delta */
static uint64_t unix0_s, tsc0;

static void
on_signal(int sig)
{
	(void)sig;
	force_quit = true;
}

/*
 * lib/tcp's output: choose the port by the segment's source address (the
 * address the connection was accepted on), then lib/net adds Ethernet.
 */
static uint16_t
lcore_tx(void *arg, struct rte_mbuf **pkts, uint16_t n)
{
	struct app_lcore *lc = arg;

	if (lc->n_ports == 1)
		return og_net_output_burst(lc->net[0], pkts, n);
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(pkts[i], struct rte_ipv4_hdr *);
		uint16_t p = 0;

		for (uint16_t k = 0; k < lc->n_ports; k++)
			if (og_net_addr(lc->net[k]) == ip->src_addr)
				p = k;
		og_net_output_burst(lc->net[p], &pkts[i], 1);
	}
	return n;
}

/* Active opens pick source ports whose replies RSS brings back here. */
static bool
lcore_rss_ok(void *arg, uint32_t saddr_be, uint32_t daddr_be, uint16_t sport_be, uint16_t dport_be)
{
	struct app_lcore *lc = arg;

	for (uint16_t k = 0; k < lc->n_ports; k++)
		if (og_net_addr(lc->net[k]) == saddr_be)
			return og_port_rss_queue(opts.ports[k].port_id, saddr_be, daddr_be,
						 sport_be, dport_be) == lc->queue_id;
	return true;
}

/* Every lcore's part of the SIGTERM drain is done. */
static bool
all_drained(void)
{
	for (unsigned int i = 0; i < n_lcores; i++)
		if (!__atomic_load_n(&lcores[i]->drained, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

/* NIC RX, lib/net and lib/tcp for @p lc's queue; true when packets came. */
static bool
lcore_rx(struct app_lcore *lc, uint64_t now_us)
{
	struct rte_mbuf *pkts[RX_BURST];
	struct rte_mbuf *tcp[2 * RX_BURST + 1];
	const struct og_rcv_stats *rs = lc->rcv != NULL ? og_rcv_stats(lc->rcv) : NULL;
	uint64_t t0 = rte_rdtsc(), http0 = 0, dec0 = 0, d;
	bool work = false;

	if (rs != NULL) {
		http0 = rs->cyc_http;
		dec0 = rs->cyc_decode;
	}
	for (uint16_t p = 0; p < lc->n_ports; p++) {
		uint16_t n, nt;

		n = rte_eth_rx_burst(opts.ports[p].port_id, lc->queue_id, pkts, RX_BURST);
#ifndef OG_FAULT_INJECTION
		/* fault builds call it anyway: delayed packets come out there */
		if (n == 0)
			continue;
#endif
		work |= n != 0;
		og_net_input_burst(lc->net[p], pkts, n, now_us, tcp, &nt);
		if (nt != 0)
			og_tcp_input_burst(lc->tcp, tcp, nt, now_us);
	}
	og_tcp_timers_run(lc->tcp, now_us);
	d = rte_rdtsc() - t0;
	if (rs != NULL) {
		/* the receiver ran inside TCP input: its share is its own stages */
		uint64_t h = rs->cyc_http - http0, k = rs->cyc_decode - dec0;

		lc->iter[APP_STAGE_HTTP] += h;
		lc->iter[APP_STAGE_DECODE] += k;
		d = d > h + k ? d - h - k : 0;
	}
	lc->iter[APP_STAGE_RX_TCP] += d;
	return work;
}

/* ARP retries and NIC TX flush; true when packets left. */
static bool
lcore_tx_flush(struct app_lcore *lc, uint64_t now_us)
{
	uint64_t t0 = rte_rdtsc();
	bool work = false;

	for (uint16_t p = 0; p < lc->n_ports; p++) {
		const struct og_net_stats *s = og_net_stats(lc->net[p]);
		uint64_t tx = s->ctr[OG_NET_CTR_TX_PKTS] + s->drop[OG_NET_DROP_TX_FULL];

		og_net_timers_run(lc->net[p], now_us);
		og_net_tx_flush(lc->net[p]);
		work |= s->ctr[OG_NET_CTR_TX_PKTS] + s->drop[OG_NET_DROP_TX_FULL] != tx;
	}
	lc->iter[APP_STAGE_TX] += rte_rdtsc() - t0;
	return work;
}

static int
lcore_loop(void *arg)
{
	struct app_lcore *lc = arg;
	bool ingest = app_ingest_enabled(&opts);
	uint64_t drain_until = 0;

	APP_LOG(INFO, "lcore %u: roles%s%s%s%s", lc->lcore_id, lc->roles & APP_ROLE_RX ? " rx" : "",
		lc->roles & APP_ROLE_BATCH ? " batch" : "", lc->roles & APP_ROLE_TX ? " tx" : "",
		lc->roles & APP_ROLE_RX ? " (queue pair on every port)" : "");
	for (;;) {
		uint64_t t0 = rte_rdtsc();
		uint64_t now_us = t0 / tsc_per_us;
		bool work = false;

		if (force_quit) {
			/*
			 * SIGTERM: refuse new requests (503, Connection: close) and
			 * deliver what was accepted, for at most --drain-timeout.
			 * Every lcore keeps turning until all have done their part:
			 * RX lcores still carry the answers and egress traffic.
			 */
			if (!ingest)
				break;
			if (drain_until == 0) {
				drain_until = now_us + (uint64_t)opts.drain_timeout_s * 1000000;
				app_ingest_stop_accepting(lc);
				APP_LOG(INFO, "lcore %u: draining (at most %u s)", lc->lcore_id,
					opts.drain_timeout_s);
			}
			__atomic_store_n(&lc->drained, app_ingest_drained(lc, now_us),
					 __ATOMIC_RELEASE);
			if (all_drained() || now_us >= drain_until)
				break;
		}
		if (lc->rcv != NULL)
			og_rcv_tick(lc->rcv, now_us,
				    unix0_s + (t0 - tsc0) / (tsc_per_us * 1000000));
		if (lc->tcp != NULL)
			work |= lcore_rx(lc, now_us);
		work |= app_ingest_run(lc, now_us);
		if (lc->tcp != NULL)
			work |= lcore_tx_flush(lc, now_us);
		uint64_t d = rte_rdtsc() - t0;

		lc->total_cycles += d;
		/*
		 * Stages count busy iterations: polling an empty queue is no
		 * stage. An iteration does one burst per port and bounded work
		 * per stage, tens of microseconds; one of a millisecond or more
		 * was preempted (a shared or unisolated core: the TSC runs on)
		 * or decoded a very large body. Those go whole to long_cycles,
		 * so one stall does not read as a stage's cost.
		 */
		bool long_iter = work && d >= tsc_per_us * 1000;

		for (unsigned int k = 0; k < APP_STAGE_MAX; k++) {
			if (work && !long_iter)
				lc->stage[k] += lc->iter[k];
			lc->iter[k] = 0;
		}
		if (long_iter) {
			lc->long_iters++;
			lc->long_cycles += d;
		}
		if (work)
			lc->busy_cycles += d;
		else if (opts.idle_sleep_us != 0) {
			/* a shared machine: give the CPU back instead of spinning */
			uint64_t s0 = rte_rdtsc();

			rte_delay_us_sleep(opts.idle_sleep_us);
			lc->total_cycles += rte_rdtsc() - s0;
		}
	}
	return 0;
}

static void
collect_lcore(void *arg, struct og_metric_out *out)
{
	bool busy = arg != NULL;

	for (unsigned int i = 0; i < n_lcores; i++) {
		char labels[32];

		snprintf(labels, sizeof(labels), "lcore=\"%u\"", lcores[i]->lcore_id);
		og_metric_sample(out, labels,
				 busy ? lcores[i]->busy_cycles : lcores[i]->total_cycles);
	}
}

static const char *const stage_names[APP_STAGE_MAX] = {
	[APP_STAGE_RX_TCP] = "rx_tcp", [APP_STAGE_HTTP] = "http", [APP_STAGE_DECODE] = "decode",
	[APP_STAGE_BATCH] = "batch",   [APP_STAGE_TX] = "tx",
};

static void
collect_stage(void *arg, struct og_metric_out *out)
{
	(void)arg;
	for (unsigned int i = 0; i < n_lcores; i++)
		for (unsigned int k = 0; k < APP_STAGE_MAX; k++) {
			char labels[48];

			snprintf(labels, sizeof(labels), "lcore=\"%u\",stage=\"%s\"",
				 lcores[i]->lcore_id, stage_names[k]);
			og_metric_sample(out, labels,
					 __atomic_load_n(&lcores[i]->stage[k], __ATOMIC_RELAXED));
		}
}

static void
collect_long(void *arg, struct og_metric_out *out)
{
	bool cycles = arg != NULL;

	for (unsigned int i = 0; i < n_lcores; i++) {
		char labels[32];

		snprintf(labels, sizeof(labels), "lcore=\"%u\"", lcores[i]->lcore_id);
		og_metric_sample(out, labels,
				 cycles ? lcores[i]->long_cycles : lcores[i]->long_iters);
	}
}

static void
collect_tsc_hz(void *arg, struct og_metric_out *out)
{
	(void)arg;
	og_metric_sample(out, NULL, rte_get_tsc_hz());
}

/* the app's own metrics: dataplane lcores and the stages of the data path */
static const struct og_metric_group app_metrics[] = {
	OG_METRIC_ONE("otlpgate_lcore_busy_cycles_total",
		      "TSC cycles of dataplane loop iterations that received or sent packets",
		      OG_METRIC_COUNTER, collect_lcore, (void *)1),
	OG_METRIC_ONE("otlpgate_lcore_cycles_total", "TSC cycles of all dataplane loop iterations",
		      OG_METRIC_COUNTER, collect_lcore, NULL),
	OG_METRIC_ONE("otlpgate_stage_cycles_total",
		      "TSC cycles spent in each stage of the data path: rx_tcp (NIC RX, IPv4, "
		      "TCP), http (parsing, answers), decode (inflate, scan, records), batch, tx "
		      "(backends, NIC TX)",
		      OG_METRIC_COUNTER, collect_stage, NULL),
	OG_METRIC_ONE("otlpgate_lcore_long_iterations_total",
		      "Busy loop iterations of 1 ms or more (preempted, or a very large body): in "
		      "no stage",
		      OG_METRIC_COUNTER, collect_long, NULL),
	OG_METRIC_ONE("otlpgate_lcore_long_iteration_cycles_total",
		      "TSC cycles of busy loop iterations of 1 ms or more", OG_METRIC_COUNTER,
		      collect_long, (void *)1),
	OG_METRIC_ONE("otlpgate_lcore_tsc_hz",
		      "TSC frequency: divides the cycle counters into seconds", OG_METRIC_GAUGE,
		      collect_tsc_hz, NULL),
};

static int
register_metrics(void)
{
	/* each layer registers its own metrics (lib/common/og_metric.h) */
	int rc = og_net_metrics_register();

	if (rc == 0)
		rc = og_tcp_metrics_register(stacks, n_stacks);
	if (rc == 0)
		rc = app_ingest_register_metrics();
	if (rc == 0)
		rc = og_metric_register_groups(app_metrics, RTE_DIM(app_metrics));
	return rc;
}

static struct app_lcore *
lcore_setup(unsigned int lcore_id, uint8_t roles, uint16_t queue_id, struct rte_mempool *mp,
	    struct rte_mempool *hdr_mp, struct rte_mempool *clone_mp, bool tx_offload)
{
	int socket = (int)rte_lcore_to_socket_id(lcore_id);
	struct app_lcore *lc;
	struct og_tcp_conf tc;
	char name[RTE_MEMPOOL_NAMESIZE];

	lc = rte_zmalloc_socket("og_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE, socket);
	if (lc == NULL)
		return NULL;
	lc->lcore_id = lcore_id;
	lc->roles = roles;
	lc->queue_id = queue_id;
	/* not draining yet; an lcore without ingest work has none to do */
	lc->drained = false;
	if (!(roles & APP_ROLE_RX))
		return lc; /* batching only: no queue, no stack */
	for (unsigned int p = 0; p < opts.n_ports; p++) {
		const struct og_port_info *pi = og_port_info(opts.ports[p].port_id);
		struct og_net_conf nc = {
			.port_id = opts.ports[p].port_id,
			.queue_id = queue_id,
			.socket_id = socket,
			.mp = mp,
			.addr_be = opts.ports[p].addr_be,
			.prefix_len = opts.ports[p].prefix_len,
			.gateway_be = opts.gateway_be,
			.mac = pi->mac,
			.fault = opts.fault,
		};

		lc->net[p] = og_net_ctx_create(&nc);
		if (lc->net[p] == NULL)
			return NULL;
		lc->n_ports++;
	}
	og_tcp_conf_init(&tc);
	tc.max_conns = opts.max_conns;
	/*
	 * --max-conns-per-source is for the appliance; RSS spreads one
	 * address's connections (their source ports differ) evenly over the
	 * RX queues, so each stack allows its share, rounded up.
	 */
	tc.max_conns_per_source =
		(uint32_t)(((uint64_t)opts.max_conns_per_source + n_rx - 1) / n_rx);
	tc.hdr_pool = hdr_mp;
	tc.clone_pool = clone_mp;
	tc.tx_csum_offload = tx_offload;
	tc.tx = lcore_tx;
	tc.tx_arg = lc;
	tc.rss_ok = lcore_rss_ok;
	tc.rss_arg = lc;
	for (unsigned int i = 0; i < sizeof(tc.secret); i += 8) {
		uint64_t r = rte_rand();

		memcpy(tc.secret + i, &r, RTE_MIN(sizeof(r), sizeof(tc.secret) - i));
	}
	lc->tcp = og_tcp_stack_create(&tc);
	if (lc->tcp == NULL)
		return NULL;
	snprintf(name, sizeof(name), "og_diag_%u", lcore_id);
	lc->diag_pool = rte_mempool_create(name, opts.max_conns, 64, 0, 0, NULL, NULL, NULL, NULL,
					   socket, RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
	if (lc->diag_pool == NULL)
		return NULL;
	return lc;
}

static void
lcore_free(struct app_lcore *lc)
{
	if (lc == NULL)
		return;
	/* The stack first: aborting connections returns echo state and mbufs. */
	og_tcp_stack_free(lc->tcp);
	app_ingest_lcore_free(lc);
	for (unsigned int p = 0; p < lc->n_ports; p++)
		og_net_ctx_free(lc->net[p]);
	rte_mempool_free(lc->diag_pool);
	rte_free(lc);
}

/*
 * Check the role options against the EAL's lcores, or apply the default:
 * every lcore RX, the first (main) lcore also batch and TX.
 */
static int
resolve_roles(void)
{
	unsigned int lcore_id, n_b = 0, n_t = 0, first = rte_get_main_lcore();

	if (!opts.roles_given) {
		RTE_LCORE_FOREACH (lcore_id)
			opts.roles[lcore_id] = APP_ROLE_RX;
		opts.roles[first] |= APP_ROLE_BATCH | APP_ROLE_TX;
	}
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++)
		if (opts.roles[i] != 0 && !rte_lcore_is_enabled(i)) {
			fprintf(stderr,
				"otlpgate: lcore roles: lcore %u is not an EAL lcore (-l)\n", i);
			return -EINVAL;
		}
	n_rx = 0;
	RTE_LCORE_FOREACH (lcore_id) {
		uint8_t r = opts.roles[lcore_id];

		if (r == 0) {
			fprintf(stderr,
				"otlpgate: lcore roles: lcore %u has no role (give it one of "
				"--rx-lcores, --batch-lcores, --tx-lcores, or drop it from -l)\n",
				lcore_id);
			return -EINVAL;
		}
		if ((r & APP_ROLE_TX) && !(r & APP_ROLE_RX)) {
			fprintf(stderr,
				"otlpgate: --tx-lcores: lcore %u is not an RX lcore: a TX lcore's "
				"backend connections need its queue pair\n",
				lcore_id);
			return -EINVAL;
		}
		n_rx += (r & APP_ROLE_RX) != 0;
		n_b += (r & APP_ROLE_BATCH) != 0;
		n_t += (r & APP_ROLE_TX) != 0;
	}
	if (n_rx == 0 || n_b == 0 || n_t == 0) {
		fprintf(stderr, "otlpgate: lcore roles: %s has no lcore\n",
			n_rx == 0  ? "--rx-lcores"
			: n_b == 0 ? "--batch-lcores"
				   : "--tx-lcores");
		return -EINVAL;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct rte_mempool *mp = NULL, *hdr_mp = NULL, *clone_mp = NULL;
	struct og_telemetry_server *tel = NULL;
	struct app_lcore *first_rx, *main_lc;
	unsigned int n;
	bool tx_offload = true;
	unsigned int lcore_id;
	int split, rc, status = EXIT_FAILURE;
	uint16_t q;

	/* Our arguments are checked before EAL starts: a typo costs nothing. */
	{
		char *app_argv[argc + 1];
		int app_argc;

		split = og_args_split(argc, argv, app_argv, &app_argc);
		if (og_args_help(split, argv)) {
			app_usage(argv[0]);
			return 0;
		}
		rc = app_parse_args(app_argc, app_argv, &opts);
		if (rc > 0)
			return 0;
		if (rc < 0)
			return 2;
	}

	/* before EAL: a stop asked for during a slow start still stops cleanly */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = rte_eal_init(split, argv);
	if (rc < 0) {
		fprintf(stderr, "otlpgate: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	if (opts.log_level != 0)
		rte_log_set_level_pattern("otlpgate.*", (uint32_t)opts.log_level);
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		unix0_s = (uint64_t)ts.tv_sec;
		tsc0 = rte_rdtsc();
	}
	tsc_per_us = rte_get_tsc_hz() / 1000000;
	if (tsc_per_us == 0)
		tsc_per_us = 1;

	for (unsigned int p = 0; p < opts.n_ports; p++) {
		if (!rte_eth_dev_is_valid_port(opts.ports[p].port_id)) {
			fprintf(stderr, "otlpgate: --port-ip: no ethdev port %u (%u available)\n",
				opts.ports[p].port_id, rte_eth_dev_count_avail());
			status = 2;
			goto out;
		}
	}
	n_lcores = rte_lcore_count();
	rc = resolve_roles();
	if (rc != 0) {
		status = 2;
		goto out;
	}
	if (opts.mbufs == 0) {
		opts.mbufs = app_mbufs_default(
			&opts,
			rte_mempool_calc_obj_size(
				sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE, 0, NULL));
		APP_LOG(INFO, "mbufs %u (default: half the pool holds one --max-body body)",
			opts.mbufs);
	}
	mp = rte_pktmbuf_pool_create("og_mbuf", opts.mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	/* header mbufs: headroom + Ethernet, IPv4 and TCP headers with options */
	hdr_mp = rte_pktmbuf_pool_create("og_hdr", opts.mbufs, 256, 0, RTE_PKTMBUF_HEADROOM + 192,
					 (int)rte_socket_id());
	/* indirect mbufs referencing send-queue payload need no data room */
	clone_mp = rte_pktmbuf_pool_create("og_clone", opts.mbufs * 2, 256, 0, 0,
					   (int)rte_socket_id());
	if (mp == NULL || hdr_mp == NULL || clone_mp == NULL) {
		APP_LOG(ERR, "mempools of %u mbufs: %s (try fewer --mbufs or more memory)",
			opts.mbufs, rte_strerror(rte_errno));
		goto out;
	}
	for (unsigned int p = 0; p < opts.n_ports; p++) {
		const struct og_port_info *pi;

		rc = og_port_init(opts.ports[p].port_id, (uint16_t)n_rx, mp, NULL);
		if (rc != 0) {
			APP_LOG(ERR, "port %u: %s", opts.ports[p].port_id, rte_strerror(-rc));
			goto out;
		}
		pi = og_port_info(opts.ports[p].port_id);
		/*
		 * Without RSS a peer's packets land on whichever queue it (or the
		 * kernel, for TAP) picks, not the one whose lcore holds the
		 * connection: several RX lcores need a port that steers.
		 */
		if (n_rx > 1 && !pi->rss) {
			APP_LOG(ERR,
				"port %u has no RSS: give one RX lcore (--rx-lcores); batch "
				"and TX roles can still go to other lcores",
				opts.ports[p].port_id);
			status = 2;
			goto out;
		}
		tx_offload &= pi->tx_tcp_cksum && pi->tx_ip_cksum;
	}
	rc = app_ingest_init(&opts, (uint64_t)opts.mbufs * rte_mempool_calc_obj_size(
								   mp->elt_size, mp->flags, NULL));
	if (rc != 0)
		goto out;
	q = 0;
	n = 0;
	RTE_LCORE_FOREACH (lcore_id) {
		uint8_t roles = opts.roles[lcore_id];
		struct app_lcore *lc =
			lcore_setup(lcore_id, roles, q, mp, hdr_mp, clone_mp, tx_offload);

		lcores[n++] = lc;
		if (lc == NULL) {
			APP_LOG(ERR, "lcore %u: setup failed", lcore_id);
			goto out;
		}
		if (!(roles & APP_ROLE_RX))
			continue;
		stacks[n_stacks++] = lc->tcp;
		rc = app_diag_listen(lc, &opts);
		if (rc != 0) {
			APP_LOG(ERR, "diagnostic services: %s", strerror(-rc));
			goto out;
		}
		q++;
	}
	rc = app_ingest_lcores(lcores, n_lcores, &opts, mp, clone_mp);
	if (rc != 0) {
		APP_LOG(ERR, "OTLP/HTTP receiver: %s", strerror(-rc));
		goto out;
	}
	first_rx = lcores[0];
	for (unsigned int i = 0; i < n_lcores; i++)
		if (lcores[i]->roles & APP_ROLE_RX) {
			first_rx = lcores[i];
			break;
		}
	/* RFC 5227 section 3: announce our addresses once we can answer. */
	for (unsigned int p = 0; p < opts.n_ports; p++)
		og_net_announce(first_rx->net[p]);

	rc = register_metrics();
	if (rc == 0)
		rc = og_telemetry_register_dpdk();
	if (rc != 0) {
		APP_LOG(ERR, "telemetry registration: %s", strerror(-rc));
		goto out;
	}
	tel = og_telemetry_start(opts.telemetry);
	if (tel == NULL) {
		APP_LOG(ERR, "telemetry server on %s could not start", opts.telemetry);
		goto out;
	}
	APP_LOG(INFO, "running on %u lcore(s)%s%s", n_lcores,
		opts.echo_port ? ", echo service on" : "", opts.discard_port ? ", discard on" : "");
	if (opts.max_conns_per_source != 0)
		APP_LOG(INFO, "TCP connections per client address: %u (%u per RX lcore)",
			opts.max_conns_per_source,
			(uint32_t)(((uint64_t)opts.max_conns_per_source + n_rx - 1) / n_rx));
	else
		APP_LOG(INFO, "TCP connections per client address: no limit");

	main_lc = NULL;
	for (unsigned int i = 0; i < n_lcores; i++) {
		if (lcores[i]->lcore_id == rte_get_main_lcore())
			main_lc = lcores[i];
		else
			rte_eal_remote_launch(lcore_loop, lcores[i], lcores[i]->lcore_id);
	}
	/* The main lcore is a dataplane lcore too. */
	lcore_loop(main_lc);
	rte_eal_mp_wait_lcore();
	APP_LOG(INFO, "stopping");
	app_ingest_report_undelivered();
	status = EXIT_SUCCESS;
out:
	force_quit = true;
	rte_eal_mp_wait_lcore();
	og_telemetry_stop(tel);
	og_metric_unregister_all();
	app_ingest_stop_backends();
	for (unsigned int i = 0; i < n_lcores; i++) {
		lcore_free(lcores[i]);
		lcores[i] = NULL;
	}
	for (unsigned int p = 0; p < opts.n_ports; p++)
		og_port_close(opts.ports[p].port_id);
	app_ingest_fini();
	rte_mempool_free(clone_mp);
	rte_mempool_free(hdr_mp);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return status;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ingest path of the appliance: the admission budget, the backends
 * (drivers registered here), and on the dataplane lcore a batcher and an
 * OTLP/HTTP receiver listening on every port address (or the one given).
 * Lcore roles (docs/lcores.md): each RX lcore has a receiver feeding its
 * own batcher over an SP/SC ring; a batching lcore runs the batchers given
 * to it; each backend is driven by the og_egress of one TX lcore, which
 * gets the batches over SP/SC rings from batchers on other lcores and over
 * plain FIFOs from those on its own. With one lcore everything runs to
 * completion in its loop.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "app.h"
#include "og_backend_file.h"
#include "og_backend_null.h"
#include "og_backend_otlp_http.h"
#include "og_otlp.h"
#include "og_metric.h"

static struct og_budget budget;
static struct og_backend *backends[APP_MAX_BACKENDS];
static unsigned int n_backends;
static struct og_rcv *rcvs[RTE_MAX_LCORE];
static unsigned int n_rcvs;
static struct rte_mempool *rec_pool;
static struct og_batcher *batchers[RTE_MAX_LCORE];

bool
app_ingest_enabled(const struct app_opts *o)
{
	return o->n_backends > 0 && !o->otlp_http_off;
}

int
app_ingest_init(const struct app_opts *o, uint64_t pool_bytes)
{
	uint64_t mem = o->memory;

	if (!app_ingest_enabled(o)) {
		APP_LOG(INFO, "OTLP/HTTP receiver off (%s)",
			o->otlp_http_off ? "--otlp-http off" : "no --backend given");
		return 0;
	}
	og_backend_register(&og_backend_file_ops);
	og_backend_register(&og_backend_null_ops);
	og_backend_register(&og_backend_otlp_http_ops);
	for (unsigned int i = 0; i < o->n_backends; i++) {
		backends[i] = og_backend_create(o->backends[i], (uint16_t)i);
		if (backends[i] == NULL) {
			APP_LOG(ERR, "--backend %s: could not be set up (see the line above)",
				o->backends[i]);
			return -EINVAL;
		}
		n_backends++;
		/*
		 * A backend's label is its URI without the query: two that differ
		 * only in options (gzip and none to the same sink) get "#N", N
		 * their place on the command line, so their series stay apart.
		 */
		for (unsigned int k = 0; k < i; k++)
			if (strcmp(backends[k]->name, backends[i]->name) == 0) {
				size_t l = strlen(backends[i]->name);

				l = RTE_MIN(l, sizeof(backends[i]->name) - 8);
				snprintf(backends[i]->name + l, sizeof(backends[i]->name) - l,
					 "#%u", i + 1);
				APP_LOG(INFO,
					"--backend %s: labelled '%s' (same URI as --backend %u)",
					o->backends[i], backends[i]->name, k + 1);
				break;
			}
	}
	/*
	 * Accepted bodies stay in received mbufs until delivered: by default
	 * half the mbuf pool may be held, so the other half keeps receiving
	 * (ACKs from backends included) when backends are slow. The pool is
	 * sized so that this half holds one --max-body body (app_mbufs_default()).
	 */
	if (mem == 0)
		mem = pool_bytes / 2;
	og_budget_init(&budget, mem, mem / 10 * 9, mem / 10 * 7);
	rec_pool = og_rec_pool_create("og_rec", 8191, (int)rte_socket_id());
	if (rec_pool == NULL) {
		APP_LOG(ERR, "record pool: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	APP_LOG(INFO, "memory budget %" PRIu64 " MiB (%s), %u backend(s)", mem >> 20,
		o->memory != 0 ? "--memory" : "half the mbuf pool", n_backends);
	app_log_body_limit(o, og_budget_max_grant(&budget));
	APP_LOG(INFO,
		"deadlines: request head %us, body at least %u bytes/s (0: none), keep-alive %us",
		o->header_timeout_s, o->body_min_rate, o->keepalive_timeout_s);
	return 0;
}

void
app_log_body_limit(const struct app_opts *o, uint64_t grant)
{
	uint64_t limit = og_rcv_body_limit(o->max_body, grant);

	if (limit == o->max_body)
		APP_LOG(INFO, "body limit %" PRIu64 " bytes (--max-body)", limit);
	else
		APP_LOG(WARNING,
			"body limit %" PRIu64 " bytes, not --max-body %" PRIu64
			": the memory budget grants one request at most %" PRIu64
			" bytes and a body reserves 5/3 of its size as received; larger "
			"bodies get 413 (raise --memory or --mbufs)",
			limit, o->max_body, grant);
}

uint32_t
app_mbufs_default(const struct app_opts *o, uint64_t obj_size)
{
	uint64_t need, mem, n;

	if (!app_ingest_enabled(o) || obj_size == 0)
		return APP_MBUFS_MIN_DEFAULT;
	/*
	 * Half the pool is the default budget and a request is granted up to
	 * its high mark (nine tenths): make that hold one --max-body body as
	 * received (og_rcv_body_need()), so that with the defaults an idle
	 * appliance never refuses a single request it accepts the size of.
	 */
	need = og_rcv_body_need(o->max_body);
	mem = (need + 8) / 9 * 10 + 10;
	n = (2 * mem + obj_size - 1) / obj_size;
	if (n < APP_MBUFS_MIN_DEFAULT)
		n = APP_MBUFS_MIN_DEFAULT;
	return (uint32_t)RTE_MIN(n, (uint64_t)1 << 26);
}

/*
 * The source address toward @p daddr_be: the --port-ip address whose subnet
 * holds it, else the first port's (lib/net routes through --gateway).
 */
static uint32_t
backend_src_addr(const struct app_opts *o, uint32_t daddr_be)
{
	for (unsigned int p = 0; p < o->n_ports && daddr_be != 0; p++) {
		uint8_t len = o->ports[p].prefix_len;
		uint32_t mask = len == 0 ? 0 : htonl(~0u << (32 - len));

		if ((o->ports[p].addr_be & mask) == (daddr_be & mask))
			return o->ports[p].addr_be;
	}
	return o->n_ports > 0 ? o->ports[0].addr_be : 0;
}

/* The lcore that drives backend @p i: the TX lcores take them round robin. */
static struct app_lcore *
tx_lcore_of(struct app_lcore **lcs, unsigned int n, unsigned int i)
{
	unsigned int n_tx = 0, k = 0;

	for (unsigned int l = 0; l < n; l++)
		n_tx += (lcs[l]->roles & APP_ROLE_TX) != 0;
	i %= n_tx;
	for (unsigned int l = 0; l < n; l++)
		if ((lcs[l]->roles & APP_ROLE_TX) && k++ == i)
			return lcs[l];
	return NULL;
}

/* The lcore that runs the batcher of the @p j-th RX lcore (round robin). */
static struct app_lcore *
batch_lcore_of(struct app_lcore **lcs, unsigned int n, unsigned int j)
{
	unsigned int n_b = 0, k = 0;

	for (unsigned int l = 0; l < n; l++)
		n_b += (lcs[l]->roles & APP_ROLE_BATCH) != 0;
	j %= n_b;
	for (unsigned int l = 0; l < n; l++)
		if ((lcs[l]->roles & APP_ROLE_BATCH) && k++ == j)
			return lcs[l];
	return NULL;
}

static int
setup_rx(struct app_lcore *lc, struct app_lcore *blc, struct app_lcore **tx,
	 const struct app_opts *o, struct rte_mempool *mp, struct rte_mempool *ref_mp)
{
	struct og_batcher_conf bc = { 0 };
	struct og_rcv_conf rc = { 0 };
	char name[32];
	int err;

	snprintf(name, sizeof(name), "og_b%u", lc->lcore_id);
	bc.name = name;
	bc.socket = (int)rte_lcore_to_socket_id(blc->lcore_id);
	bc.max_items = o->batch_max_items;
	bc.max_bytes = o->batch_max_bytes;
	bc.timeout_us = (uint64_t)o->batch_timeout_ms * 1000;
	bc.ring_size = 8192;
	bc.n_backends = n_backends;
	for (unsigned int i = 0; i < n_backends; i++) {
		bc.backends[i] = backends[i];
		bc.egress[i] = tx[i]->egress;
		/* a FIFO when the batching lcore drives the backend too */
		bc.egress_remote[i] = tx[i] != blc;
	}
	lc->batcher = og_batcher_create(&bc);
	if (lc->batcher == NULL)
		return -ENOMEM;
	blc->bt_run[blc->n_bt_run++] = lc->batcher;

	snprintf(name, sizeof(name), "og_r%u", lc->lcore_id);
	rc.name = name;
	rc.socket = (int)rte_lcore_to_socket_id(lc->lcore_id);
	rc.tcp = lc->tcp;
	rc.batcher = lc->batcher;
	rc.budget = &budget;
	rc.rec_pool = rec_pool;
	rc.resp_pool = mp;
	rc.ref_pool = ref_mp;
	rc.max_conns = o->max_conns;
	rc.max_body = o->max_body;
	rc.retry_after_s = o->retry_after_s;
	rc.header_timeout_ms = o->header_timeout_s * 1000;
	rc.body_min_rate = o->body_min_rate != 0 ? o->body_min_rate : OG_RCV_NO_MIN_RATE;
	rc.keepalive_ms = o->keepalive_timeout_s * 1000;
	lc->rcv = og_rcv_create(&rc);
	if (lc->rcv == NULL)
		return -ENOMEM;
	batchers[n_rcvs] = lc->batcher;
	rcvs[n_rcvs++] = lc->rcv;
	if (o->otlp_addr_be != 0) {
		err = og_rcv_listen(lc->rcv, o->otlp_addr_be, htons(o->otlp_port));
	} else {
		err = 0;
		for (unsigned int p = 0; err == 0 && p < o->n_ports; p++)
			err = og_rcv_listen(lc->rcv, o->ports[p].addr_be, htons(o->otlp_port));
	}
	if (err != 0)
		APP_LOG(ERR, "OTLP/HTTP listen on port %u: %s", o->otlp_port, strerror(-err));
	return err;
}

int
app_ingest_lcores(struct app_lcore **lcs, unsigned int n, const struct app_opts *o,
		  struct rte_mempool *mp, struct rte_mempool *ref_mp)
{
	struct app_lcore *tx[APP_MAX_BACKENDS];
	unsigned int j = 0;
	int err;

	if (!app_ingest_enabled(o))
		return 0;
	/* each backend on its TX lcore's stack (egress connections) */
	for (unsigned int i = 0; i < n_backends; i++) {
		struct og_backend_env env = { 0 };

		tx[i] = tx_lcore_of(lcs, n, i);
		env.tcp = tx[i]->tcp;
		env.src_addr_be = backend_src_addr(o, og_backend_otlp_http_daddr(backends[i]));
		env.hdr_pool = mp;
		env.ref_pool = ref_mp;
		env.socket = (int)rte_lcore_to_socket_id(tx[i]->lcore_id);
		err = og_backend_attach(backends[i], &env);
		if (err != 0) {
			APP_LOG(ERR, "--backend %s: %s", backends[i]->name, strerror(-err));
			return err;
		}
		APP_LOG(INFO, "--backend %s: on lcore %u", backends[i]->name, tx[i]->lcore_id);
	}
	for (unsigned int l = 0; l < n; l++) {
		struct og_egress_conf ec = { 0 };
		char name[24];

		if (!(lcs[l]->roles & APP_ROLE_TX))
			continue;
		snprintf(name, sizeof(name), "l%u", lcs[l]->lcore_id);
		ec.name = name;
		ec.socket = (int)rte_lcore_to_socket_id(lcs[l]->lcore_id);
		lcs[l]->egress = og_egress_create(&ec);
		if (lcs[l]->egress == NULL)
			return -ENOMEM;
	}
	for (unsigned int l = 0; l < n; l++) {
		struct app_lcore *blc;

		if (!(lcs[l]->roles & APP_ROLE_RX))
			continue;
		blc = batch_lcore_of(lcs, n, j++);
		err = setup_rx(lcs[l], blc, tx, o, mp, ref_mp);
		if (err != 0)
			return err;
		APP_LOG(INFO, "lcore %u: receiver, batched on lcore %u", lcs[l]->lcore_id,
			blc->lcore_id);
	}
	return 0;
}

bool
app_ingest_run(struct app_lcore *lc, uint64_t now_us)
{
	unsigned int work = 0;
	uint64_t t0;

	if (lc->n_bt_run != 0) {
		t0 = rte_rdtsc();
		for (unsigned int i = 0; i < lc->n_bt_run; i++)
			work += og_batcher_run(lc->bt_run[i], now_us);
		lc->iter[APP_STAGE_BATCH] += rte_rdtsc() - t0;
	}
	/* after the batchers: what they flushed this turn is submitted now */
	if (lc->egress != NULL) {
		t0 = rte_rdtsc();
		work += og_egress_run(lc->egress, now_us);
		lc->iter[APP_STAGE_TX] += rte_rdtsc() - t0;
	}
	return work != 0;
}

static void
collect_ring(void *arg, struct og_metric_out *out)
{
	(void)arg;
	for (unsigned int i = 0; i < n_rcvs; i++) {
		char labels[32];

		snprintf(labels, sizeof(labels), "lcore=\"%u\"", i);
		og_metric_sample(out, labels, rte_ring_count(og_batcher_ring(batchers[i])));
	}
}

int
app_ingest_register_metrics(void)
{
	int rc;

	if (n_rcvs == 0)
		return 0;
	rc = og_pipeline_metrics_register(backends, n_backends, &budget);
	if (rc == 0)
		rc = og_rcv_metrics_register(rcvs, n_rcvs);
	if (rc == 0)
		rc = og_backend_otlp_http_register_metrics();
	if (rc == 0)
		rc = og_metric_register(
			"otlpgate_pipeline_ring_records",
			"Request records waiting in a batcher's ring (ring occupancy)",
			OG_METRIC_GAUGE, collect_ring, NULL);
	return rc;
}

void
app_ingest_stop_accepting(struct app_lcore *lc)
{
	if (lc->rcv != NULL)
		og_rcv_set_draining(lc->rcv, true);
}

/*
 * SIGTERM: this lcore's part is done when its batchers hold nothing (their
 * in-flight count includes batches handed to an egress, this lcore's or
 * another's) and its egress has submitted everything it was handed.
 */
bool
app_ingest_drained(struct app_lcore *lc, uint64_t now_us)
{
	bool done = true;

	for (unsigned int i = 0; i < lc->n_bt_run; i++)
		done &= og_batcher_drain(lc->bt_run[i], now_us) == 0;
	if (lc->egress != NULL) {
		og_egress_run(lc->egress, now_us);
		done &= og_egress_idle(lc->egress);
	}
	return done;
}

void
app_ingest_report_undelivered(void)
{
	struct og_pipe_stats s;

	if (n_rcvs == 0)
		return;
	og_pipe_stats_sum(&s);
	for (unsigned int b = 0; b < n_backends; b++)
		for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++) {
			uint64_t q = s.be[OG_PIPE_BE_ITEMS_QUEUED][backends[b]->idx][g];

			if (q != 0)
				APP_LOG(ERR, "not delivered to %s: %" PRIu64 " %s items",
					backends[b]->name, q, og_otlp_signal_name(g));
		}
}

void
app_ingest_lcore_free(struct app_lcore *lc)
{
	og_rcv_free(lc->rcv);
	lc->rcv = NULL;
	og_batcher_free(lc->batcher);
	lc->batcher = NULL;
	lc->n_bt_run = 0;
	og_egress_free(lc->egress); /* its feeds, filled by the batchers */
	lc->egress = NULL;
}

void
app_ingest_stop_backends(void)
{
	/* joins the drivers' threads: nothing touches a batch after this */
	for (unsigned int i = 0; i < n_backends; i++)
		og_backend_destroy(backends[i]);
	n_backends = 0;
}

void
app_ingest_fini(void)
{
	n_rcvs = 0;
	rte_mempool_free(rec_pool);
	rec_pool = NULL;
}

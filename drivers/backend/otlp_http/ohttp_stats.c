/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The otlp-http backend's counters as otlpgate_egress_* metrics, each with a
 * backend="<URI>" label (docs/metrics.md), registered by the driver itself
 * from ohttp_counters.def. Collectors run on the control
 * thread and read counters the lcore writes with plain stores: a value may
 * be a scrape late, never torn (aligned 64-bit words).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "og_metric.h"
#include "ohttp_private.h"

#define LBL OG_METRIC_LABELS_MAX

static const struct og_metric_def ctr_defs[] = {
#define OH_CTR OG_METRIC_DEF_ROW
#include "ohttp_counters.def"
#undef OH_CTR
};

static const uint64_t lat_bounds[] = { OG_OHTTP_LAT_BOUNDS };

/* the backends alive (created on the control path, before the lcores run) */
static struct ohttp *alive[OG_MAX_BACKENDS];
static unsigned int n_alive;

uint64_t
og_ohttp_lat_bound(unsigned int i)
{
	return i < RTE_DIM(lat_bounds) ? lat_bounds[i] : UINT64_MAX;
}

void
oh_registry_add(struct ohttp *o)
{
	if (n_alive < RTE_DIM(alive))
		alive[n_alive++] = o;
}

void
oh_registry_del(struct ohttp *o)
{
	for (unsigned int i = 0; i < n_alive; i++)
		if (alive[i] == o) {
			alive[i] = alive[--n_alive];
			return;
		}
}

uint64_t
og_backend_otlp_http_copied_bytes(void)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < n_alive; i++)
		sum += __atomic_load_n(&alive[i]->stats.ctr[OG_OHTTP_COPIED], __ATOMIC_RELAXED);
	return sum;
}

static void
label(char *l, const struct ohttp *o)
{
	snprintf(l, LBL, "backend=\"%s\"", o->be->name);
}

static void
collect_ctr(void *arg, struct og_metric_out *out)
{
	unsigned int c = og_metric_row(out);

	(void)arg;
	for (unsigned int i = 0; i < n_alive; i++) {
		char l[LBL];

		label(l, alive[i]);
		og_metric_sample(out, l,
				 __atomic_load_n(&alive[i]->stats.ctr[c], __ATOMIC_RELAXED));
	}
}

enum { G_BREAKER, G_INFLIGHT, G_CONNS };

static const struct og_metric_def gauge_defs[] = {
	[G_BREAKER] = { "otlpgate_egress_breaker_state",
			"Circuit breaker: 0 closed, 1 open (no requests), 2 half-open (one probe)",
			OG_METRIC_GAUGE },
	[G_INFLIGHT] = { "otlpgate_egress_batches_in_flight",
			 "Batches the backend holds: being sent, awaiting an answer or a retry",
			 OG_METRIC_GAUGE },
	[G_CONNS] = { "otlpgate_egress_connections", "Established connections to the backend",
		      OG_METRIC_GAUGE },
};

static void
collect_gauge(void *arg, struct og_metric_out *out)
{
	(void)arg;
	for (unsigned int i = 0; i < n_alive; i++) {
		const struct og_ohttp_stats *s = &alive[i]->stats;
		char l[LBL];
		uint32_t v;

		switch (og_metric_row(out)) {
		case G_BREAKER:
			v = __atomic_load_n(&s->breaker, __ATOMIC_RELAXED);
			break;
		case G_INFLIGHT:
			v = __atomic_load_n(&s->inflight, __ATOMIC_RELAXED);
			break;
		default:
			v = __atomic_load_n(&s->conns_up, __ATOMIC_RELAXED);
			break;
		}
		label(l, alive[i]);
		og_metric_sample(out, l, v);
	}
}

static void
collect_latency(void *arg, struct og_metric_out *out)
{
	(void)arg;
	for (unsigned int i = 0; i < n_alive; i++) {
		const struct og_ohttp_stats *s = &alive[i]->stats;
		char l[LBL];

		label(l, alive[i]);
		og_metric_sample_hist(out, l, s->lat_bucket, OG_OHTTP_LAT_N, og_ohttp_lat_bound,
				      __atomic_load_n(&s->lat_sum_us, __ATOMIC_RELAXED),
				      __atomic_load_n(&s->lat_count, __ATOMIC_RELAXED));
	}
}

static const struct og_metric_group groups[] = {
	{ ctr_defs, OG_OHTTP_CTR_MAX, collect_ctr, NULL },
	{ gauge_defs, RTE_DIM(gauge_defs), collect_gauge, NULL },
	OG_METRIC_ONE("otlpgate_egress_request_duration_microseconds",
		      "Time from a request's first byte handed to TCP to its complete response",
		      OG_METRIC_HISTOGRAM, collect_latency, NULL),
};

int
og_backend_otlp_http_register_metrics(void)
{
	if (n_alive == 0)
		return 0;
	return og_metric_register_groups(groups, RTE_DIM(groups));
}

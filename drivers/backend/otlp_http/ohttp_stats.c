/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The otlp-http backend's counters as otlpgate_egress_* metrics, each with a
 * backend="<URI>" label (docs/metrics.md). Collectors run on the control
 * thread and read counters the lcore writes with plain stores: a value may
 * be a scrape late, never torn (aligned 64-bit words).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "og_telemetry.h"
#include "ohttp_private.h"

#define LBL 192

static const char *const ctr_names[] = {
#define OH_CTR(e, name, help) name,
#include "ohttp_counters.def"
#undef OH_CTR
};

static const char *const ctr_help[] = {
#define OH_CTR(e, name, help) help,
#include "ohttp_counters.def"
#undef OH_CTR
};

static const uint64_t lat_bounds[] = { OG_OHTTP_LAT_BOUNDS };

/* the backends alive (created on the control path, before the lcores run) */
static struct ohttp *alive[OG_MAX_BACKENDS];
static unsigned int n_alive;

const char *
og_ohttp_ctr_name(unsigned int c)
{
	return c < OG_OHTTP_CTR_MAX ? ctr_names[c] : NULL;
}

const char *
og_ohttp_ctr_help(unsigned int c)
{
	return c < OG_OHTTP_CTR_MAX ? ctr_help[c] : NULL;
}

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
	unsigned int c = (unsigned int)(uintptr_t)arg;

	for (unsigned int i = 0; i < n_alive; i++) {
		char l[LBL];

		label(l, alive[i]);
		og_metric_sample(out, l,
				 __atomic_load_n(&alive[i]->stats.ctr[c], __ATOMIC_RELAXED));
	}
}

enum { G_BREAKER, G_INFLIGHT, G_CONNS };

static void
collect_gauge(void *arg, struct og_metric_out *out)
{
	for (unsigned int i = 0; i < n_alive; i++) {
		const struct og_ohttp_stats *s = &alive[i]->stats;
		char l[LBL];
		uint32_t v;

		switch ((uintptr_t)arg) {
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
		uint64_t cum = 0;
		char l[LBL + 32];

		for (unsigned int b = 0; b < OG_OHTTP_LAT_N; b++) {
			uint64_t bound = og_ohttp_lat_bound(b);

			cum += __atomic_load_n(&s->lat_bucket[b], __ATOMIC_RELAXED);
			if (bound == UINT64_MAX)
				snprintf(l, sizeof(l), "backend=\"%s\",le=\"+Inf\"",
					 alive[i]->be->name);
			else
				snprintf(l, sizeof(l), "backend=\"%s\",le=\"%" PRIu64 "\"",
					 alive[i]->be->name, bound);
			og_metric_sample_suffix(out, "_bucket", l, cum);
		}
		label(l, alive[i]);
		og_metric_sample_suffix(out, "_sum", l,
					__atomic_load_n(&s->lat_sum_us, __ATOMIC_RELAXED));
		og_metric_sample_suffix(out, "_count", l,
					__atomic_load_n(&s->lat_count, __ATOMIC_RELAXED));
	}
}

int
og_backend_otlp_http_register_metrics(void)
{
	static const struct {
		const char *name, *help;
	} gauges[] = {
		[G_BREAKER] = { "otlpgate_egress_breaker_state",
				"Circuit breaker: 0 closed, 1 open (no requests), 2 half-open "
				"(one probe)" },
		[G_INFLIGHT] = { "otlpgate_egress_batches_in_flight",
				 "Batches the backend holds: being sent, awaiting an answer or "
				 "a retry" },
		[G_CONNS] = { "otlpgate_egress_connections",
			      "Established connections to the backend" },
	};
	int rc = 0;

	if (n_alive == 0)
		return 0;
	for (unsigned int c = 0; rc == 0 && c < OG_OHTTP_CTR_MAX; c++)
		rc = og_metric_register(ctr_names[c], ctr_help[c], OG_METRIC_COUNTER, collect_ctr,
					(void *)(uintptr_t)c);
	for (unsigned int g = 0; rc == 0 && g < RTE_DIM(gauges); g++)
		rc = og_metric_register(gauges[g].name, gauges[g].help, OG_METRIC_GAUGE,
					collect_gauge, (void *)(uintptr_t)g);
	if (rc == 0)
		rc = og_metric_register("otlpgate_egress_request_duration_microseconds",
					"Time from a request's first byte handed to TCP to its "
					"complete response",
					OG_METRIC_HISTOGRAM, collect_latency, NULL);
	return rc;
}

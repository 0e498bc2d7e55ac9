/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Metric sources of the ingest path: lib/pipeline's accounting (the item
 * counters of DESIGN.md §3, per signal and backend, batches, the memory
 * budget) and lib/receiver's requests, errors and latency. Names and help
 * come from the layers' .def files.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "og_http.h"
#include "og_otlp.h"
#include "og_pipeline.h"
#include "og_receiver.h"
#include "telemetry_private.h"

#define LBL 192

/* --- lib/pipeline --- */

static struct og_backend *const *pipe_bes;
static unsigned int pipe_nbe;
static const struct og_budget *pipe_budget;

/*
 * One sum of the per-lcore counters per scrape: every pipeline metric of a
 * scrape comes from the same snapshot, so the invariant of DESIGN.md §3
 * holds between them (a sum per metric would mix moments).
 */
static const struct og_pipe_stats *
pipe_snap(void)
{
	static struct og_pipe_stats snap;
	static uint64_t gen = UINT64_MAX;

	if (tel_scrape_gen() != gen) {
		og_pipe_stats_sum(&snap);
		gen = tel_scrape_gen();
	}
	return &snap;
}

static void
collect_pipe_sig(void *arg, struct og_metric_out *out)
{
	const struct og_pipe_stats *s = pipe_snap();
	unsigned int c = (unsigned int)(uintptr_t)arg;

	for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++) {
		char l[LBL];

		snprintf(l, sizeof(l), "signal=\"%s\"", og_otlp_signal_name(g));
		og_metric_sample(out, l, s->sig[c][g]);
	}
}

static void
collect_pipe_be(void *arg, struct og_metric_out *out)
{
	const struct og_pipe_stats *s = pipe_snap();
	unsigned int c = (unsigned int)(uintptr_t)arg;

	for (unsigned int b = 0; b < pipe_nbe; b++)
		for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++) {
			char l[LBL];

			snprintf(l, sizeof(l), "backend=\"%s\",signal=\"%s\"", pipe_bes[b]->name,
				 og_otlp_signal_name(g));
			og_metric_sample(out, l, s->be[c][pipe_bes[b]->idx][g]);
		}
}

static void
collect_pipe_lc(void *arg, struct og_metric_out *out)
{
	const struct og_pipe_stats *s = pipe_snap();

	og_metric_sample(out, NULL, s->lc[(uintptr_t)arg]);
}

static void
collect_pipe_flushed(void *arg, struct og_metric_out *out)
{
	const struct og_pipe_stats *s = pipe_snap();

	(void)arg;
	for (unsigned int b = 0; b < pipe_nbe; b++)
		for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++)
			for (unsigned int t = 0; t < OG_PIPE_TRIGGER_MAX; t++) {
				char l[LBL];

				snprintf(l, sizeof(l),
					 "backend=\"%s\",signal=\"%s\",trigger=\"%s\"",
					 pipe_bes[b]->name, og_otlp_signal_name(g),
					 og_pipe_trigger_name(t));
				og_metric_sample(out, l, s->flushed[pipe_bes[b]->idx][g][t]);
			}
}

/* A fixed-bucket histogram per signal, cumulative on the way out. */
static void
emit_hist(struct og_metric_out *out, const struct og_pipe_hist *h, unsigned int nb,
	  uint64_t (*bound)(unsigned int), const char *sig)
{
	uint64_t cum = 0;
	char l[LBL];

	for (unsigned int i = 0; i < nb; i++) {
		uint64_t b = bound(i);

		cum += h->bucket[i];
		if (b == UINT64_MAX)
			snprintf(l, sizeof(l), "signal=\"%s\",le=\"+Inf\"", sig);
		else
			snprintf(l, sizeof(l), "signal=\"%s\",le=\"%" PRIu64 "\"", sig, b);
		og_metric_sample_suffix(out, "_bucket", l, cum);
	}
	snprintf(l, sizeof(l), "signal=\"%s\"", sig);
	og_metric_sample_suffix(out, "_sum", l, h->sum);
	og_metric_sample_suffix(out, "_count", l, h->count);
}

static void
collect_pipe_hist(void *arg, struct og_metric_out *out)
{
	const struct og_pipe_stats *s = pipe_snap();
	bool bytes = arg != NULL;

	for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++)
		if (bytes)
			emit_hist(out, &s->batch_bytes[g], OG_PIPE_HIST_BYTES_N,
				  og_pipe_hist_bytes_bound, og_otlp_signal_name(g));
		else
			emit_hist(out, &s->batch_items[g], OG_PIPE_HIST_ITEMS_N,
				  og_pipe_hist_items_bound, og_otlp_signal_name(g));
}

/* Per backend: arrival of a request to its backend's 2xx, in µs. */
static void
collect_pipe_e2e(void *arg, struct og_metric_out *out)
{
	const struct og_pipe_stats *s = pipe_snap();

	(void)arg;
	for (unsigned int b = 0; b < pipe_nbe; b++) {
		const unsigned int x = pipe_bes[b]->idx;
		const char *be = pipe_bes[b]->name;
		uint64_t cum = 0;
		char l[LBL];

		for (unsigned int i = 0; i < OG_PIPE_HIST_E2E_N; i++) {
			uint64_t bound = og_pipe_hist_e2e_bound(i);

			cum += s->e2e[x].bucket[i];
			if (bound == UINT64_MAX)
				snprintf(l, sizeof(l), "backend=\"%s\",le=\"+Inf\"", be);
			else
				snprintf(l, sizeof(l), "backend=\"%s\",le=\"%" PRIu64 "\"", be,
					 bound);
			og_metric_sample_suffix(out, "_bucket", l, cum);
		}
		snprintf(l, sizeof(l), "backend=\"%s\"", be);
		og_metric_sample_suffix(out, "_sum", l, s->e2e[x].sum);
		og_metric_sample_suffix(out, "_count", l, s->e2e[x].count);
	}
}

static void
collect_budget(void *arg, struct og_metric_out *out)
{
	uint64_t v;

	switch ((uintptr_t)arg) {
	case 0:
		v = og_budget_used(pipe_budget);
		break;
	case 1:
		v = pipe_budget->limit;
		break;
	case 2:
		v = og_budget_accepting(pipe_budget);
		break;
	default:
		v = __atomic_load_n(&pipe_budget->refusals, __ATOMIC_RELAXED);
		break;
	}
	og_metric_sample(out, NULL, v);
}

int
og_telemetry_register_pipeline(struct og_backend *const *bes, unsigned int n,
			       const struct og_budget *budget)
{
	static const struct {
		const char *name, *help;
		enum og_metric_type type;
	} budget_metrics[] = {
		{ "otlpgate_memory_budget_used_bytes", "Bytes reserved in the admission budget",
		  OG_METRIC_GAUGE },
		{ "otlpgate_memory_budget_limit_bytes", "Size of the admission budget (--memory)",
		  OG_METRIC_GAUGE },
		{ "otlpgate_memory_budget_accepting",
		  "1 while the budget accepts requests, 0 between the high and low water marks",
		  OG_METRIC_GAUGE },
		{ "otlpgate_memory_budget_refusals_total", "Reservations the budget refused",
		  OG_METRIC_COUNTER },
	};
	int rc = 0;

	pipe_bes = bes;
	pipe_nbe = n;
	pipe_budget = budget;
	for (unsigned int c = 0; rc == 0 && c < OG_PIPE_SIG_MAX; c++)
		rc = og_metric_register(og_pipe_sig_ctr_name(c), og_pipe_sig_ctr_help(c),
					OG_METRIC_COUNTER, collect_pipe_sig, (void *)(uintptr_t)c);
	for (unsigned int c = 0; rc == 0 && c < OG_PIPE_BE_MAX; c++)
		rc = og_metric_register(og_pipe_be_ctr_name(c), og_pipe_be_ctr_help(c),
					og_pipe_metric_is_gauge(og_pipe_be_ctr_name(c))
						? OG_METRIC_GAUGE
						: OG_METRIC_COUNTER,
					collect_pipe_be, (void *)(uintptr_t)c);
	for (unsigned int c = 0; rc == 0 && c < OG_PIPE_LC_MAX; c++)
		rc = og_metric_register(og_pipe_lc_ctr_name(c), og_pipe_lc_ctr_help(c),
					og_pipe_metric_is_gauge(og_pipe_lc_ctr_name(c))
						? OG_METRIC_GAUGE
						: OG_METRIC_COUNTER,
					collect_pipe_lc, (void *)(uintptr_t)c);
	if (rc == 0)
		rc = og_metric_register("otlpgate_batches_flushed_total",
					"Batches flushed to a backend, by why they were flushed",
					OG_METRIC_COUNTER, collect_pipe_flushed, NULL);
	if (rc == 0)
		rc = og_metric_register("otlpgate_batch_items", "Items per batch submitted",
					OG_METRIC_HISTOGRAM, collect_pipe_hist, NULL);
	if (rc == 0)
		rc = og_metric_register("otlpgate_batch_size_bytes",
					"Body bytes per batch submitted", OG_METRIC_HISTOGRAM,
					collect_pipe_hist, (void *)1);
	if (rc == 0)
		rc = og_metric_register("otlpgate_e2e_latency_microseconds",
					"Time from a request's first byte to the backend's 2xx for "
					"the batch that carried it, per backend",
					OG_METRIC_HISTOGRAM, collect_pipe_e2e, NULL);
	for (unsigned int i = 0; rc == 0 && budget != NULL && i < RTE_DIM(budget_metrics); i++)
		rc = og_metric_register(budget_metrics[i].name, budget_metrics[i].help,
					budget_metrics[i].type, collect_budget,
					(void *)(uintptr_t)i);
	return rc;
}

/* --- lib/receiver --- */

static struct og_rcv *const *rcvs;
static unsigned int n_rcvs;

static void
rcv_sum(struct og_rcv_stats *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < n_rcvs; i++) {
		const uint64_t *src;
		uint64_t *dst = (uint64_t *)s;

		if (rcvs[i] == NULL)
			continue;
		/* every field is a uint64_t: sum them as one array */
		src = (const uint64_t *)og_rcv_stats(rcvs[i]);
		for (size_t k = 0; k < offsetof(struct og_rcv_stats, lat_count) / 8 + 1; k++)
			dst[k] += src[k];
	}
}

static void
collect_rcv_ctr(void *arg, struct og_metric_out *out)
{
	struct og_rcv_stats s;
	uint64_t v;

	rcv_sum(&s);
	v = s.ctr[(uintptr_t)arg];
	/* one figure for every byte the CPU wrote: ingest and egress (issue 5) */
	if ((uintptr_t)arg == OG_RCV_CTR_COPIED_BYTES)
		for (unsigned int b = 0; b < pipe_nbe; b++)
			v += __atomic_load_n(&pipe_bes[b]->copied_bytes, __ATOMIC_RELAXED);
	og_metric_sample(out, NULL, v);
}

static void
collect_rcv_requests(void *arg, struct og_metric_out *out)
{
	struct og_rcv_stats s;

	(void)arg;
	rcv_sum(&s);
	for (unsigned int g = 0; g < OG_RCV_SIG_N; g++)
		for (unsigned int e = 0; e < OG_RCV_ENC_N; e++)
			for (unsigned int c = 0; c < OG_RCV_COMP_N; c++)
				for (unsigned int t = 0; t < OG_RCV_ST_MAX; t++) {
					uint64_t v = s.requests[g][e][c][t];
					char l[LBL];

					/* the 540-cell matrix: only cells that happened */
					if (v == 0)
						continue;
					snprintf(l, sizeof(l),
						 "signal=\"%s\",encoding=\"%s\",compression=\"%s\","
						 "code=\"%d\"",
						 og_rcv_sig_name(g), og_rcv_enc_name(e),
						 og_rcv_comp_name(c), og_rcv_status_code(t));
					og_metric_sample(out, l, v);
				}
}

static void
collect_rcv_reasons(void *arg, struct og_metric_out *out)
{
	struct og_rcv_stats s;

	rcv_sum(&s);
	switch ((uintptr_t)arg) {
	case 0:
		for (unsigned int i = 1; i < OG_HTTP_ERR_MAX; i++) {
			char l[LBL];

			snprintf(l, sizeof(l), "reason=\"%s\"", og_http_err_name(i));
			og_metric_sample(out, l, s.http_errors[i]);
		}
		break;
	case 1:
		for (unsigned int i = 1; i < OG_OTLP_ERR_MAX; i++) {
			char l[LBL];

			snprintf(l, sizeof(l), "reason=\"%s\"", og_otlp_err_name(i));
			og_metric_sample(out, l, s.decode_errors[i]);
		}
		break;
	default:
		for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++)
			for (unsigned int i = 0; i < OG_OTLP_REJECT_MAX; i++) {
				char l[LBL];

				snprintf(l, sizeof(l), "signal=\"%s\",reason=\"%s\"",
					 og_otlp_signal_name(g), og_otlp_reject_name(i));
				og_metric_sample(out, l, s.rejected[g][i]);
			}
		break;
	}
}

static void
collect_rcv_latency(void *arg, struct og_metric_out *out)
{
	struct og_rcv_stats s;
	uint64_t cum = 0;

	(void)arg;
	rcv_sum(&s);
	for (unsigned int i = 0; i < OG_RCV_LAT_N; i++) {
		uint64_t b = og_rcv_lat_bound(i);
		char l[LBL];

		cum += s.lat_bucket[i];
		if (b == UINT64_MAX)
			snprintf(l, sizeof(l), "le=\"+Inf\"");
		else
			snprintf(l, sizeof(l), "le=\"%" PRIu64 "\"", b);
		og_metric_sample_suffix(out, "_bucket", l, cum);
	}
	og_metric_sample_suffix(out, "_sum", NULL, s.lat_sum_us);
	og_metric_sample_suffix(out, "_count", NULL, s.lat_count);
}

int
og_telemetry_register_receiver(struct og_rcv *const *r, unsigned int n)
{
	int rc = 0;

	rcvs = r;
	n_rcvs = n;
	for (unsigned int c = 0; rc == 0 && c < OG_RCV_CTR_MAX; c++) {
		const char *name = og_rcv_ctr_name(c);
		size_t len = strlen(name);
		bool counter = len > 6 && strcmp(name + len - 6, "_total") == 0;

		rc = og_metric_register(name, og_rcv_ctr_help(c),
					counter ? OG_METRIC_COUNTER : OG_METRIC_GAUGE,
					collect_rcv_ctr, (void *)(uintptr_t)c);
	}
	if (rc == 0)
		rc = og_metric_register("otlpgate_http_requests_total",
					"OTLP/HTTP requests answered, by signal (path), encoding, "
					"compression and status code",
					OG_METRIC_COUNTER, collect_rcv_requests, NULL);
	if (rc == 0)
		rc = og_metric_register("otlpgate_http_errors_total",
					"Requests refused by the HTTP parser, by reason "
					"(lib/http/http_error.def)",
					OG_METRIC_COUNTER, collect_rcv_reasons, (void *)0);
	if (rc == 0)
		rc = og_metric_register("otlpgate_decode_errors_total",
					"Bodies answered 400 because they could not be decoded, by "
					"reason (lib/otlp/otlp_error.def)",
					OG_METRIC_COUNTER, collect_rcv_reasons, (void *)1);
	if (rc == 0)
		rc = og_metric_register("otlpgate_items_rejected_by_reason_total",
					"Items rejected as invalid, by signal and reason "
					"(lib/otlp/otlp_reject.def)",
					OG_METRIC_COUNTER, collect_rcv_reasons, (void *)2);
	if (rc == 0)
		rc = og_metric_register("otlpgate_http_request_duration_microseconds",
					"Time from a request's first byte to its response being "
					"queued on the connection",
					OG_METRIC_HISTOGRAM, collect_rcv_latency, NULL);
	return rc;
}

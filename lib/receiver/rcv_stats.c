/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The receiver's counters: names and labels from receiver_counters.def,
 * and lib/receiver's metrics in the registry (requests by signal, encoding,
 * compression and status, HTTP and decode errors, rejected items by reason,
 * request latency), summed over the receivers once per scrape.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "og_metric.h"
#include "rcv_private.h"

static const struct og_metric_def ctr_defs[] = {
#define OG_RCV_CTR OG_METRIC_DEF_ROW
#include "receiver_counters.def"
};
static const int status_codes[] = {
#define OG_RCV_STATUS(e, code) code,
#include "receiver_counters.def"
};
static const char *const timeout_names[OG_RCV_TIMEOUT_MAX] = {
#define OG_RCV_TIMEOUT(e, name, help) name,
#include "receiver_closures.def"
};
static const char *const evict_names[OG_RCV_EVICT_MAX] = {
#define OG_RCV_EVICT(e, name, help) name,
#include "receiver_closures.def"
};
static const char *const enc_names[OG_RCV_ENC_N] = { "protobuf", "json", "other" };
static const char *const comp_names[OG_RCV_COMP_N] = { "identity", "gzip", "other" };
static const uint64_t lat_bounds[] = { OG_RCV_LAT_BOUNDS };

int
og_rcv_status_code(unsigned int s)
{
	return s < RTE_DIM(status_codes) ? status_codes[s] : 0;
}

OG_NAME_LOOKUP(og_rcv_enc_name, unsigned int, enc_names, NULL)
OG_NAME_LOOKUP(og_rcv_comp_name, unsigned int, comp_names, NULL)
OG_NAME_LOOKUP(og_rcv_timeout_name, unsigned int, timeout_names, NULL)
OG_NAME_LOOKUP(og_rcv_evict_name, unsigned int, evict_names, NULL)

const char *
og_rcv_sig_name(unsigned int s)
{
	if (s < OG_OTLP_SIGNAL_MAX)
		return og_otlp_signal_name((enum og_otlp_signal)s);
	return s == OG_RCV_SIG_NONE ? "none" : NULL;
}

uint64_t
og_rcv_lat_bound(unsigned int i)
{
	return i < RTE_DIM(lat_bounds) ? lat_bounds[i] : UINT64_MAX;
}

/* --- metrics --- */

#define LBL OG_METRIC_LABELS_MAX

static struct og_rcv *const *met_rcvs;
static unsigned int met_n;

#define SUM_FIELD(dst, src, f) \
	og_metric_sum_u64((uint64_t *)&(dst)->f, (const uint64_t *)&(src)->f, sizeof((dst)->f) / 8)

static void
snap_sum(void *buf, void *arg)
{
	struct og_rcv_stats *s = buf;

	(void)arg;
	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < met_n; i++) {
		const struct og_rcv_stats *r;

		if (met_rcvs[i] == NULL)
			continue;
		r = og_rcv_stats(met_rcvs[i]);
		SUM_FIELD(s, r, ctr);
		SUM_FIELD(s, r, requests);
		SUM_FIELD(s, r, http_errors);
		SUM_FIELD(s, r, decode_errors);
		SUM_FIELD(s, r, rejected);
		SUM_FIELD(s, r, timeouts);
		SUM_FIELD(s, r, evictions);
		SUM_FIELD(s, r, lat_bucket);
		SUM_FIELD(s, r, lat_sum_us);
		SUM_FIELD(s, r, lat_count);
	}
}

static struct og_rcv_stats snap_buf;
static struct og_metric_snap snap = { .sum = snap_sum, .buf = &snap_buf };
static struct og_metric_array ctr_array = { &snap, offsetof(struct og_rcv_stats, ctr) };

static void
collect_requests(void *arg, struct og_metric_out *out)
{
	const struct og_rcv_stats *s = og_metric_snap_get(&snap);

	(void)arg;
	for (unsigned int g = 0; g < OG_RCV_SIG_N; g++)
		for (unsigned int e = 0; e < OG_RCV_ENC_N; e++)
			for (unsigned int c = 0; c < OG_RCV_COMP_N; c++)
				for (unsigned int t = 0; t < OG_RCV_ST_MAX; t++) {
					uint64_t v = s->requests[g][e][c][t];
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

static const char *
http_err_name(unsigned int i)
{
	return og_http_err_name((enum og_http_err)i);
}

static const char *
decode_err_name(unsigned int i)
{
	return og_otlp_err_name((enum og_otlp_err)i);
}

static const char *
reject_name(unsigned int i)
{
	return og_otlp_reject_name((enum og_otlp_reject)i);
}

enum { R_HTTP, R_DECODE, R_REJECTED, R_TIMEOUT, R_EVICT };

/* errors from 1: 0 is each table's "no error" */
static void
collect_reasons(void *arg, struct og_metric_out *out)
{
	const struct og_rcv_stats *s = og_metric_snap_get(&snap);

	(void)arg;
	switch (og_metric_row(out)) {
	case R_HTTP:
		og_metric_sample_names(out, NULL, "reason", http_err_name, s->http_errors, 1,
				       OG_HTTP_ERR_MAX);
		break;
	case R_DECODE:
		og_metric_sample_names(out, NULL, "reason", decode_err_name, s->decode_errors, 1,
				       OG_OTLP_ERR_MAX);
		break;
	case R_TIMEOUT:
		og_metric_sample_names(out, NULL, "reason", og_rcv_timeout_name, s->timeouts, 0,
				       OG_RCV_TIMEOUT_MAX);
		break;
	case R_EVICT:
		og_metric_sample_names(out, NULL, "kind", og_rcv_evict_name, s->evictions, 0,
				       OG_RCV_EVICT_MAX);
		break;
	default:
		for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++) {
			char l[LBL];

			snprintf(l, sizeof(l), "signal=\"%s\"",
				 og_otlp_signal_name((enum og_otlp_signal)g));
			og_metric_sample_names(out, l, "reason", reject_name, s->rejected[g], 0,
					       OG_OTLP_REJECT_MAX);
		}
		break;
	}
}

static const struct og_metric_def reason_defs[] = {
	[R_HTTP] = { "otlpgate_http_errors_total",
		     "Requests refused by the HTTP parser, by reason (lib/http/http_error.def)",
		     OG_METRIC_COUNTER },
	[R_DECODE] = { "otlpgate_decode_errors_total",
		       "Bodies answered 400 because they could not be decoded, by reason "
		       "(lib/otlp/otlp_error.def)",
		       OG_METRIC_COUNTER },
	[R_REJECTED] = { "otlpgate_items_rejected_by_reason_total",
			 "Items rejected as invalid, by signal and reason "
			 "(lib/otlp/otlp_reject.def)",
			 OG_METRIC_COUNTER },
	[R_TIMEOUT] = { "otlpgate_http_timeouts_total",
			"Connections the receiver ended because a client missed a deadline, by "
			"reason (lib/receiver/receiver_closures.def)",
			OG_METRIC_COUNTER },
	[R_EVICT] = { "otlpgate_http_evictions_total",
		      "Connections aborted to make room for new ones when the connection table "
		      "was nearly full, by what they were doing "
		      "(lib/receiver/receiver_closures.def)",
		      OG_METRIC_COUNTER },
};

static void
collect_latency(void *arg, struct og_metric_out *out)
{
	const struct og_rcv_stats *s = og_metric_snap_get(&snap);

	(void)arg;
	og_metric_sample_hist(out, NULL, s->lat_bucket, OG_RCV_LAT_N, og_rcv_lat_bound,
			      s->lat_sum_us, s->lat_count);
}

static const struct og_metric_group groups[] = {
	{ ctr_defs, OG_RCV_CTR_MAX, og_metric_collect_array, &ctr_array },
	OG_METRIC_ONE("otlpgate_http_requests_total",
		      "OTLP/HTTP requests answered, by signal (path), encoding, compression and "
		      "status code",
		      OG_METRIC_COUNTER, collect_requests, NULL),
	{ reason_defs, RTE_DIM(reason_defs), collect_reasons, NULL },
	OG_METRIC_ONE("otlpgate_http_request_duration_microseconds",
		      "Time from a request's first byte to its response being queued on the "
		      "connection",
		      OG_METRIC_HISTOGRAM, collect_latency, NULL),
};

int
og_rcv_metrics_register(struct og_rcv *const *rcvs, unsigned int n)
{
	met_rcvs = rcvs;
	met_n = n;
	return og_metric_register_groups(groups, RTE_DIM(groups));
}

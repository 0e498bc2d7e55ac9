/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Latency histogram: log-linear buckets (see otlpgen.h), so a percentile
 * costs one pass over a few thousand counters and recording costs no more
 * than a bit scan, whatever the range of the latencies.
 */
#include <math.h>
#include <string.h>

#include "otlpgen.h"

void
gen_hist_reset(struct gen_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void
gen_hist_merge(struct gen_hist *to, const struct gen_hist *from)
{
	for (uint32_t i = 0; i < GEN_HIST_BUCKETS; i++)
		to->b[i] += from->b[i];
	to->n += from->n;
	if (from->max > to->max)
		to->max = from->max;
}

/* Lowest value and width of bucket @p i: the inverse of gen_hist_index(). */
static void
bucket_range(uint32_t i, uint64_t *lo, uint64_t *width)
{
	uint32_t e, sub;

	if (i < (2u << GEN_HIST_SUB_BITS)) {
		*lo = i;
		*width = 1;
		return;
	}
	e = (i >> GEN_HIST_SUB_BITS) + GEN_HIST_SUB_BITS - 1;
	sub = i & ((1u << GEN_HIST_SUB_BITS) - 1);
	*lo = ((uint64_t)(1u << GEN_HIST_SUB_BITS) + sub) << (e - GEN_HIST_SUB_BITS);
	*width = 1ull << (e - GEN_HIST_SUB_BITS);
}

uint64_t
gen_hist_quantile(const struct gen_hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (h->n == 0)
		return 0;
	if (q <= 0)
		q = 1e-12;
	if (q > 1)
		q = 1;
	rank = (uint64_t)ceil(q * (double)h->n);
	if (rank == 0)
		rank = 1;
	if (rank >= h->n)
		return h->max; /* the top rank is the largest value, known exactly */
	for (uint32_t i = 0; i < GEN_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			uint64_t lo, w, v;

			bucket_range(i, &lo, &w);
			v = lo + w / 2;
			return v > h->max ? h->max : v;
		}
	}
	return h->max;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Accounting (docs/design.md §3): per-lcore counters generated from
 * pipeline_counters.def, their names, summing, the no-silent-loss
 * invariant, and lib/pipeline's metrics in the registry.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_pause.h>
#include <rte_spinlock.h>

#include "og_metric.h"
#include "og_otlp.h"
#include "pipeline_private.h"

struct og_pipe_stats og_pipe_stats_tab[RTE_MAX_LCORE + 1];

const struct og_metric_def og_pipe_sig_defs[OG_PIPE_SIG_MAX] = {
#define OG_PIPE_SIG OG_METRIC_DEF_ROW
#include "pipeline_counters.def"
};
const struct og_metric_def og_pipe_be_defs[OG_PIPE_BE_MAX] = {
#define OG_PIPE_BE OG_METRIC_DEF_ROW
#include "pipeline_counters.def"
};
const struct og_metric_def og_pipe_lc_defs[OG_PIPE_LC_MAX] = {
#define OG_PIPE_LC OG_METRIC_DEF_ROW
#include "pipeline_counters.def"
};
static const char *const trigger_names[] = {
#define OG_PIPE_TRIGGER(e, label) label,
#include "pipeline_counters.def"
};

static const uint64_t items_bounds[] = { OG_PIPE_HIST_ITEMS_BOUNDS };
static const uint64_t bytes_bounds[] = { OG_PIPE_HIST_BYTES_BOUNDS };
static const uint64_t e2e_bounds[] = { OG_PIPE_HIST_E2E_BOUNDS };

_Static_assert(OG_ARRAY_SIZE(items_bounds) + 1 == OG_PIPE_HIST_ITEMS_N, "items buckets");
_Static_assert(OG_ARRAY_SIZE(bytes_bounds) + 1 == OG_PIPE_HIST_BYTES_N, "bytes buckets");
_Static_assert(OG_ARRAY_SIZE(e2e_bounds) + 1 == OG_PIPE_HIST_E2E_N, "e2e buckets");

#define NAME_AT(tab, i) ((i) < OG_ARRAY_SIZE(tab) ? (tab)[i] : NULL)

const char *
og_pipe_trigger_name(unsigned int t)
{
	return NAME_AT(trigger_names, t);
}

uint64_t
og_pipe_hist_items_bound(unsigned int i)
{
	return i < OG_ARRAY_SIZE(items_bounds) ? items_bounds[i] : UINT64_MAX;
}

uint64_t
og_pipe_hist_bytes_bound(unsigned int i)
{
	return i < OG_ARRAY_SIZE(bytes_bounds) ? bytes_bounds[i] : UINT64_MAX;
}

uint64_t
og_pipe_hist_e2e_bound(unsigned int i)
{
	return i < OG_ARRAY_SIZE(e2e_bounds) ? e2e_bounds[i] : UINT64_MAX;
}

/* bucket[] has nb + 1 slots, the last one +Inf */
static void
hist_add(struct og_pipe_stats *st, uint64_t *bucket, uint64_t *sum, uint64_t *count,
	 const uint64_t *bounds, unsigned int nb, uint64_t v)
{
	unsigned int i = 0;

	while (i < nb && v > bounds[i])
		i++;
	pipe_add(st, &bucket[i], 1);
	pipe_add(st, sum, v);
	pipe_add(st, count, 1);
}

#define HIST_ADD(st, h, bounds, v) \
	hist_add(st, (h)->bucket, &(h)->sum, &(h)->count, bounds, OG_ARRAY_SIZE(bounds), v)

void
pipe_count_e2e(struct og_pipe_stats *st, uint16_t be, uint64_t us)
{
	HIST_ADD(st, &st->e2e[be], e2e_bounds, us);
}

void
pipe_count_flush(struct og_pipe_stats *st, uint16_t be, enum og_otlp_signal sig,
		 enum og_pipe_trigger t, uint64_t items, uint64_t bytes)
{
	pipe_add(st, &st->flushed[be][sig][t], 1);
	HIST_ADD(st, &st->batch_items[sig], items_bounds, items);
	HIST_ADD(st, &st->batch_bytes[sig], bytes_bounds, bytes);
}

const struct og_pipe_stats *
og_pipeline_stats(unsigned int lcore)
{
	return lcore <= RTE_MAX_LCORE ? &og_pipe_stats_tab[lcore] : NULL;
}

static void
add_all(uint64_t *dst, const uint64_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* every member is (an array of) uint64_t, padding only at the end */
#define STATS_WORDS                                                                 \
	((offsetof(struct og_pipe_stats, e2e) + sizeof(og_pipe_stats_tab[0].e2e)) / \
	 sizeof(uint64_t))

/* Non-EAL threads share the last slot: they take turns in a section. */
static rte_spinlock_recursive_t shared_lock = RTE_SPINLOCK_RECURSIVE_INITIALIZER;

void
pipe_acct_begin(struct og_pipe_stats *st)
{
	if (st == &og_pipe_stats_tab[RTE_MAX_LCORE])
		rte_spinlock_recursive_lock(&shared_lock);
	if (st->depth++ == 0) {
		/* odd: a section is open; the counters' stores come after */
		__atomic_store_n(&st->seq, st->seq + 1, __ATOMIC_RELAXED);
		rte_atomic_thread_fence(__ATOMIC_RELEASE);
	}
}

void
pipe_acct_end(struct og_pipe_stats *st)
{
	if (--st->depth == 0)
		__atomic_store_n(&st->seq, st->seq + 1, __ATOMIC_RELEASE);
	if (st == &og_pipe_stats_tab[RTE_MAX_LCORE])
		rte_spinlock_recursive_unlock(&shared_lock);
}

void
og_pipe_acct_begin(void)
{
	pipe_acct_begin(pipe_stats_self());
}

void
og_pipe_acct_end(void)
{
	pipe_acct_end(pipe_stats_self());
}

void
og_pipe_stats_sum(struct og_pipe_stats *out)
{
	uint64_t tmp[STATS_WORDS];

	memset(out, 0, sizeof(*out));
	for (unsigned int l = 0; l <= RTE_MAX_LCORE; l++) {
		const struct og_pipe_stats *s = &og_pipe_stats_tab[l];
		uint64_t s0, s1;

		/*
		 * Seqlock read: copy the slot while no section is open on it and
		 * none opened meanwhile, so each lcore's balanced updates are in
		 * the copy all or none. A slot that never opens sections
		 * (seq 0) copies at once.
		 */
		for (;;) {
			s0 = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
			if (s0 & 1) {
				rte_pause();
				continue;
			}
			for (size_t i = 0; i < STATS_WORDS; i++)
				tmp[i] = __atomic_load_n(&((const uint64_t *)s)[i],
							 __ATOMIC_RELAXED);
			rte_atomic_thread_fence(__ATOMIC_ACQUIRE);
			s1 = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
			if (s0 == s1)
				break;
		}
		/* the struct is made of uint64_t only: sum it as an array */
		add_all((uint64_t *)out, tmp, STATS_WORDS);
	}
}

void
og_pipe_stats_reset(void)
{
	memset(og_pipe_stats_tab, 0, sizeof(og_pipe_stats_tab));
}

void
og_pipe_count(enum og_pipe_sig_ctr c, enum og_otlp_signal sig, uint64_t n)
{
	struct og_pipe_stats *st = pipe_stats_self();

	if (c < OG_PIPE_SIG_MAX && (unsigned int)sig < OG_OTLP_SIGNAL_MAX)
		pipe_add(st, &st->sig[c][sig], n);
}

void
og_pipe_count_copied(uint64_t n)
{
	struct og_pipe_stats *st = pipe_stats_self();

	pipe_add(st, &st->lc[OG_PIPE_LC_COPIED_BYTES], n);
}

int
og_pipe_check_invariant(const struct og_pipe_stats *s, unsigned int n_backends, char *why,
			size_t why_len)
{
	for (unsigned int be = 0; be < n_backends && be < OG_MAX_BACKENDS; be++) {
		for (unsigned int sig = 0; sig < OG_OTLP_SIGNAL_MAX; sig++) {
			uint64_t recv = s->sig[OG_PIPE_SIG_ITEMS_RECEIVED][sig];
			uint64_t ends = s->be[OG_PIPE_BE_ITEMS_EXPORTED][be][sig] +
					s->be[OG_PIPE_BE_ITEMS_BACKEND_REJECTED][be][sig] +
					s->sig[OG_PIPE_SIG_ITEMS_REJECTED][sig] +
					s->sig[OG_PIPE_SIG_ITEMS_DROPPED_BY_RULE][sig] +
					s->sig[OG_PIPE_SIG_ITEMS_REFUSED][sig] +
					s->be[OG_PIPE_BE_ITEMS_QUEUED][be][sig];

			if (recv != ends) {
				if (why != NULL)
					snprintf(why, why_len,
						 "backend %u signal %u: received %" PRIu64
						 " != exported %" PRIu64
						 " + backend_rejected %" PRIu64
						 " + rejected %" PRIu64 " + dropped %" PRIu64
						 " + refused %" PRIu64 " + queued %" PRId64,
						 be, sig, recv,
						 s->be[OG_PIPE_BE_ITEMS_EXPORTED][be][sig],
						 s->be[OG_PIPE_BE_ITEMS_BACKEND_REJECTED][be][sig],
						 s->sig[OG_PIPE_SIG_ITEMS_REJECTED][sig],
						 s->sig[OG_PIPE_SIG_ITEMS_DROPPED_BY_RULE][sig],
						 s->sig[OG_PIPE_SIG_ITEMS_REFUSED][sig],
						 (int64_t)s->be[OG_PIPE_BE_ITEMS_QUEUED][be][sig]);
				return -1;
			}
		}
	}
	return 0;
}

/*
 * --- metrics, registered by lib/pipeline itself ---
 *
 * One sum of the per-lcore counters per scrape: every pipeline metric of a
 * scrape comes from the same snapshot, so the invariant of docs/design.md §3
 * holds between them (a sum per metric would mix moments).
 */

#define LBL OG_METRIC_LABELS_MAX

static struct og_backend *const *met_bes;
static unsigned int met_nbe;
static const struct og_budget *met_budget;

static void
snap_sum(void *buf, void *arg)
{
	(void)arg;
	og_pipe_stats_sum(buf);
}

static struct og_pipe_stats snap_buf;
static struct og_metric_snap snap = { .sum = snap_sum, .buf = &snap_buf };
static struct og_metric_array lc_array = { &snap, offsetof(struct og_pipe_stats, lc) };

static const char *
signal_name(unsigned int g)
{
	return og_otlp_signal_name((enum og_otlp_signal)g);
}

static void
collect_sig(void *arg, struct og_metric_out *out)
{
	const struct og_pipe_stats *s = og_metric_snap_get(&snap);

	(void)arg;
	og_metric_sample_names(out, NULL, "signal", signal_name, s->sig[og_metric_row(out)], 0,
			       OG_OTLP_SIGNAL_MAX);
}

static void
be_label(char *l, const struct og_backend *be)
{
	snprintf(l, LBL, "backend=\"%s\"", be->name);
}

static void
collect_be(void *arg, struct og_metric_out *out)
{
	const struct og_pipe_stats *s = og_metric_snap_get(&snap);

	(void)arg;
	for (unsigned int b = 0; b < met_nbe; b++) {
		char l[LBL];

		be_label(l, met_bes[b]);
		og_metric_sample_names(out, l, "signal", signal_name,
				       s->be[og_metric_row(out)][met_bes[b]->idx], 0,
				       OG_OTLP_SIGNAL_MAX);
	}
}

static const char *
trigger_name(unsigned int t)
{
	return og_pipe_trigger_name(t);
}

static void
collect_flushed(void *arg, struct og_metric_out *out)
{
	const struct og_pipe_stats *s = og_metric_snap_get(&snap);

	(void)arg;
	for (unsigned int b = 0; b < met_nbe; b++)
		for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++) {
			char l[LBL];

			snprintf(l, sizeof(l), "backend=\"%s\",signal=\"%s\"", met_bes[b]->name,
				 signal_name(g));
			og_metric_sample_names(out, l, "trigger", trigger_name,
					       s->flushed[met_bes[b]->idx][g], 0,
					       OG_PIPE_TRIGGER_MAX);
		}
}

/* arg NULL: items per batch; otherwise bytes per batch; per signal */
static void
collect_batch_hist(void *arg, struct og_metric_out *out)
{
	const struct og_pipe_stats *s = og_metric_snap_get(&snap);

	for (unsigned int g = 0; g < OG_OTLP_SIGNAL_MAX; g++) {
		const struct og_pipe_hist *h =
			arg != NULL ? &s->batch_bytes[g] : &s->batch_items[g];
		char l[LBL];

		snprintf(l, sizeof(l), "signal=\"%s\"", signal_name(g));
		if (arg != NULL)
			og_metric_sample_hist(out, l, h->bucket, OG_PIPE_HIST_BYTES_N,
					      og_pipe_hist_bytes_bound, h->sum, h->count);
		else
			og_metric_sample_hist(out, l, h->bucket, OG_PIPE_HIST_ITEMS_N,
					      og_pipe_hist_items_bound, h->sum, h->count);
	}
}

/* Per backend: arrival of a request to its backend's 2xx, in µs. */
static void
collect_e2e(void *arg, struct og_metric_out *out)
{
	const struct og_pipe_stats *s = og_metric_snap_get(&snap);

	(void)arg;
	for (unsigned int b = 0; b < met_nbe; b++) {
		const unsigned int x = met_bes[b]->idx;
		char l[LBL];

		be_label(l, met_bes[b]);
		og_metric_sample_hist(out, l, s->e2e[x].bucket, OG_PIPE_HIST_E2E_N,
				      og_pipe_hist_e2e_bound, s->e2e[x].sum, s->e2e[x].count);
	}
}

enum { BUDGET_USED, BUDGET_LIMIT, BUDGET_ACCEPTING, BUDGET_REFUSALS };

static const struct og_metric_def budget_defs[] = {
	[BUDGET_USED] = { "otlpgate_memory_budget_used_bytes",
			  "Bytes reserved in the admission budget", OG_METRIC_GAUGE },
	[BUDGET_LIMIT] = { "otlpgate_memory_budget_limit_bytes",
			   "Size of the admission budget (--memory)", OG_METRIC_GAUGE },
	[BUDGET_ACCEPTING] = { "otlpgate_memory_budget_accepting",
			       "1 while the budget accepts requests, 0 between the high and low "
			       "water marks",
			       OG_METRIC_GAUGE },
	[BUDGET_REFUSALS] = { "otlpgate_memory_budget_refusals_total",
			      "Reservations the budget refused", OG_METRIC_COUNTER },
};

static void
collect_budget(void *arg, struct og_metric_out *out)
{
	uint64_t v;

	(void)arg;
	switch (og_metric_row(out)) {
	case BUDGET_USED:
		v = og_budget_used(met_budget);
		break;
	case BUDGET_LIMIT:
		v = met_budget->limit;
		break;
	case BUDGET_ACCEPTING:
		v = og_budget_accepting(met_budget);
		break;
	default:
		v = __atomic_load_n(&met_budget->refusals, __ATOMIC_RELAXED);
		break;
	}
	og_metric_sample(out, NULL, v);
}

static const struct og_metric_group groups[] = {
	{ og_pipe_sig_defs, OG_PIPE_SIG_MAX, collect_sig, NULL },
	{ og_pipe_be_defs, OG_PIPE_BE_MAX, collect_be, NULL },
	{ og_pipe_lc_defs, OG_PIPE_LC_MAX, og_metric_collect_array, &lc_array },
	OG_METRIC_ONE("otlpgate_batches_flushed_total",
		      "Batches flushed to a backend, by why they were flushed", OG_METRIC_COUNTER,
		      collect_flushed, NULL),
	OG_METRIC_ONE("otlpgate_batch_items", "Items per batch submitted", OG_METRIC_HISTOGRAM,
		      collect_batch_hist, NULL),
	OG_METRIC_ONE("otlpgate_batch_size_bytes", "Body bytes per batch submitted",
		      OG_METRIC_HISTOGRAM, collect_batch_hist, (void *)1),
	OG_METRIC_ONE("otlpgate_e2e_latency_microseconds",
		      "Time from a request's first byte to the backend's 2xx for the batch that "
		      "carried it, per backend",
		      OG_METRIC_HISTOGRAM, collect_e2e, NULL),
};

int
og_pipeline_metrics_register(struct og_backend *const *bes, unsigned int n,
			     const struct og_budget *budget)
{
	int rc;

	met_bes = bes;
	met_nbe = n;
	met_budget = budget;
	rc = og_metric_register_groups(groups, OG_ARRAY_SIZE(groups));
	if (rc == 0 && budget != NULL)
		rc = og_metric_register_table(budget_defs, OG_ARRAY_SIZE(budget_defs),
					      collect_budget, NULL);
	return rc;
}

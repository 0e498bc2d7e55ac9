/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Accounting (DESIGN.md §3): per-lcore counters generated from
 * pipeline_counters.def, their names, summing, and the no-silent-loss
 * invariant.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_atomic.h>
#include <rte_pause.h>
#include <rte_spinlock.h>

#include "pipeline_private.h"

struct og_pipe_stats og_pipe_stats_tab[RTE_MAX_LCORE + 1];

static const char *const sig_names[] = {
#define OG_PIPE_SIG(e, name, help) name,
#include "pipeline_counters.def"
};
static const char *const sig_helps[] = {
#define OG_PIPE_SIG(e, name, help) help,
#include "pipeline_counters.def"
};
static const char *const be_names[] = {
#define OG_PIPE_BE(e, name, help) name,
#include "pipeline_counters.def"
};
static const char *const be_helps[] = {
#define OG_PIPE_BE(e, name, help) help,
#include "pipeline_counters.def"
};
static const char *const lc_names[] = {
#define OG_PIPE_LC(e, name, help) name,
#include "pipeline_counters.def"
};
static const char *const lc_helps[] = {
#define OG_PIPE_LC(e, name, help) help,
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
og_pipe_sig_ctr_name(unsigned int c)
{
	return NAME_AT(sig_names, c);
}

const char *
og_pipe_sig_ctr_help(unsigned int c)
{
	return NAME_AT(sig_helps, c);
}

const char *
og_pipe_be_ctr_name(unsigned int c)
{
	return NAME_AT(be_names, c);
}

const char *
og_pipe_be_ctr_help(unsigned int c)
{
	return NAME_AT(be_helps, c);
}

const char *
og_pipe_lc_ctr_name(unsigned int c)
{
	return NAME_AT(lc_names, c);
}

const char *
og_pipe_lc_ctr_help(unsigned int c)
{
	return NAME_AT(lc_helps, c);
}

const char *
og_pipe_trigger_name(unsigned int t)
{
	return NAME_AT(trigger_names, t);
}

bool
og_pipe_metric_is_gauge(const char *name)
{
	size_t n = strlen(name);

	/* Prometheus convention: counters, and only counters, end in _total */
	return n < 6 || strcmp(name + n - 6, "_total") != 0;
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

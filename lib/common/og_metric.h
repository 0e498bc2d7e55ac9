/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The metric registry, under every library (as rte_telemetry sits under
 * DPDK's libraries): each layer registers its own metrics at start from its
 * own .def rows, and an exposition (lib/telemetry: Prometheus text, DPDK
 * telemetry) walks the registry on every scrape with og_metric_foreach().
 *
 * Registration and scrapes happen on control threads; a mutex orders them.
 * Dataplane lcores never touch the registry: they only increment their own
 * counters, which collectors sum at scrape time.
 */
#ifndef OG_METRIC_H
#define OG_METRIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "og_metric_types.h"

/**
 * Expand one row of a counter .def file, OG_X(ENUM, "name", TYPE, "help"),
 * into a struct og_metric_def initialiser (TYPE is COUNTER or GAUGE).
 */
#define OG_METRIC_DEF_ROW(e, name, type, help) { name, help, OG_METRIC_##type },

/**
 * Register a metric. @p name must follow Prometheus naming
 * ([a-zA-Z_:][a-zA-Z0-9_:]*), counters end in _total. @p name and @p help
 * must stay valid (string literals or .def tables).
 *
 * @return 0, -EINVAL (bad name, type or collector), -EEXIST (name taken) or
 *   -ENOSPC.
 */
int og_metric_register(const char *name, const char *help, enum og_metric_type type,
		       og_metric_collect_t collect, void *arg);

/**
 * Register the @p n rows of a .def table, in order, all with the same
 * collector and argument; the collector tells them apart with
 * og_metric_row(). @p defs must stay valid.
 *
 * @return 0, or the first -errno of og_metric_register() (rows registered
 *   before it stay).
 */
int og_metric_register_table(const struct og_metric_def *defs, unsigned int n,
			     og_metric_collect_t collect, void *arg);

/**
 * A group of one metric, for a static table of struct og_metric_group at
 * file scope.
 */
#define OG_METRIC_ONE(name, help, type, collect, arg)                                   \
	{                                                                               \
		(const struct og_metric_def[]){ { name, help, type } }, 1, collect, arg \
	}

/**
 * Register @p n groups in order (og_metric_register_table() for each): how
 * a layer registers all its metrics from one static table.
 *
 * @return 0, or the first -errno (metrics registered before it stay).
 */
int og_metric_register_groups(const struct og_metric_group *g, unsigned int n);

/** Remove every registered metric (at shutdown, and between tests). */
void og_metric_unregister_all(void);

/** The row of the metric being collected (og_metric_register_table()). */
static inline unsigned int
og_metric_row(const struct og_metric_out *out)
{
	return out->m->row;
}

/**
 * Call @p fn for each registered metric whose name starts with @p prefix
 * (all when NULL), in registration order, under the registry lock. Each
 * call is one scrape: og_metric_snap_get() sums at most once inside it.
 */
void og_metric_foreach(const char *prefix, void (*fn)(void *ctx, const struct og_metric *m),
		       void *ctx);

/**
 * Write one sample from inside a collector. @p labels is the text inside
 * the braces, e.g. `lcore="3"` or `port="0",queue="1"`, or NULL for none;
 * label values must not need escaping.
 */
void og_metric_sample(struct og_metric_out *out, const char *labels, uint64_t value);

/**
 * Write one sample of a histogram's series @p suffix ("_bucket" with an
 * le label, "_sum", "_count"), from inside the collector of an
 * OG_METRIC_HISTOGRAM metric.
 */
void og_metric_sample_suffix(struct og_metric_out *out, const char *suffix, const char *labels,
			     uint64_t value);

/**
 * Write a whole histogram: the cumulative `_bucket{...,le="B"}` series of
 * @p nb per-bucket (not cumulative) counts, the last one +Inf, then `_sum`
 * and `_count`. @p bound gives bucket i's upper bound (UINT64_MAX for
 * +Inf). @p labels (NULL for none) go before le and on _sum/_count.
 * Buckets are read with relaxed atomic loads: another lcore may be
 * writing them.
 */
void og_metric_sample_hist(struct og_metric_out *out, const char *labels, const uint64_t *bucket,
			   unsigned int nb, uint64_t (*bound)(unsigned int), uint64_t sum,
			   uint64_t count);

/**
 * Write one sample per entry of a name table: `{labels,}key="name(i)"`
 * with value @p v[i], for i in [@p first, @p n). @p labels may be NULL.
 * For counters by reason (drops, errors) and gauges by state.
 */
void og_metric_sample_names(struct og_metric_out *out, const char *labels, const char *key,
			    og_metric_name_fn name, const uint64_t *v, unsigned int first,
			    unsigned int n);

/**
 * The snapshot of @p s for the current scrape: calls s->sum the first
 * time in a scrape, then returns the same s->buf until the next one.
 * Call from collectors only (under the registry lock).
 */
const void *og_metric_snap_get(struct og_metric_snap *s);

/**
 * Collector for a table registered with og_metric_register_table() whose
 * @p arg is a struct og_metric_array: one sample without labels, word
 * og_metric_row() of the array, from the scrape's snapshot.
 */
void og_metric_collect_array(void *arg, struct og_metric_out *out);

/**
 * Add @p n counters of @p src into @p dst (dst[i] += src[i]), reading
 * @p src with relaxed atomic loads: the per-lcore sums of every layer.
 */
static inline void
og_metric_sum_u64(uint64_t *dst, const uint64_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/** "counter", "gauge" or "histogram" (the # TYPE word). */
const char *og_metric_type_name(enum og_metric_type t);

#endif /* OG_METRIC_H */

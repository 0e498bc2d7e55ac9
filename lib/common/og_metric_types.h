/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Types of the metric registry (lib/common): metric kinds, the rows of the
 * layers' counter .def files, the collector callback, the sample sink and the
 * per-scrape snapshot. Structs and enums only; the functions are in
 * og_metric.h.
 */
#ifndef OG_METRIC_TYPES_H
#define OG_METRIC_TYPES_H

#include <stddef.h>
#include <stdint.h>

/** Prometheus metric types we export. */
enum og_metric_type {
	OG_METRIC_COUNTER = 0, /**< monotonic, name ends in _total */
	OG_METRIC_GAUGE,       /**< a level that goes up and down */
	OG_METRIC_HISTOGRAM,   /**< _bucket{le=...}, _sum and _count series
				  (og_metric_sample_hist()) */
};

/**
 * One row of a counter .def file: OG_X(ENUM, "name", TYPE, "help") expands
 * into `{ "name", "help", OG_METRIC_##TYPE }` (OG_METRIC_DEF_ROW()).
 */
struct og_metric_def {
	const char *name;
	const char *help;
	enum og_metric_type type;
};

struct og_metric_out;

/**
 * Metrics registered together (og_metric_register_groups()): the @c n rows
 * of @c defs, all collected by @c collect with @c arg, told apart by
 * og_metric_row(). A single metric is a group of one (OG_METRIC_ONE()).
 */
struct og_metric_group {
	const struct og_metric_def *defs;
	unsigned int n;
	void (*collect)(void *arg, struct og_metric_out *out);
	void *arg;
};

/** Longest metric name or label string accepted. */
#define OG_METRIC_NAME_MAX 96

/** Longest label set a helper of og_metric.h builds. */
#define OG_METRIC_LABELS_MAX 256

/** A registered metric (what og_metric_foreach() hands to an exposition). */
struct og_metric {
	const char *name;
	const char *help;
	enum og_metric_type type;
	/** called once per scrape, on the control thread */
	void (*collect)(void *arg, struct og_metric_out *out);
	void *arg;
	/** index of the row in its table (og_metric_register_table()), else 0 */
	unsigned int row;
};

/**
 * Where a collector writes its samples. The exposition (lib/telemetry)
 * provides @c emit and @c sink; collectors only call og_metric_sample*().
 */
struct og_metric_out {
	/** write one sample of @c m (series suffix @c suffix) */
	void (*emit)(struct og_metric_out *o, const char *labels, uint64_t v);
	const struct og_metric *m; /**< the metric being collected */
	void *sink;		   /**< the exposition's output */
	unsigned int n;		   /**< samples written so far */
	const char *suffix; /**< histogram series: "_bucket", "_sum", "_count"; NULL otherwise */
};

/**
 * A collector: sums its per-lcore values and writes one sample per label
 * set with og_metric_sample(). Runs on the control thread, never on a
 * dataplane lcore, so it may take its time (but not block).
 */
typedef void (*og_metric_collect_t)(void *arg, struct og_metric_out *out);

/** Name of entry @p i of a reason or label table; NULL when out of range. */
typedef const char *(*og_metric_name_fn)(unsigned int i);

/**
 * A library's per-scrape snapshot of its counters: @c sum fills @c buf
 * (summing the per-lcore copies) at most once per scrape, so every metric
 * of one scrape reads the same moment (og_metric_snap_get()).
 */
struct og_metric_snap {
	void (*sum)(void *buf, void *arg); /**< fill @c buf from the live counters */
	void *arg;			   /**< passed to @c sum */
	void *buf;			   /**< the snapshot, owned by the library */
	uint64_t gen;			   /**< registry-private: scrape + 1 of @c buf */
};

/**
 * A table of uint64_t inside a snapshot: row i of a table registered with
 * og_metric_collect_array() reads word i at @c off in the snapshot.
 */
struct og_metric_array {
	struct og_metric_snap *snap;
	size_t off; /**< byte offset of the uint64_t array in snap->buf */
};

#endif /* OG_METRIC_TYPES_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Types of lib/telemetry: metric kinds, the collector callback and the
 * sample sink it writes to. Structs and enums only; the functions are in
 * og_telemetry.h.
 */
#ifndef OG_TELEMETRY_TYPES_H
#define OG_TELEMETRY_TYPES_H

#include <stdint.h>

/** Prometheus metric types we export. */
enum og_metric_type {
	OG_METRIC_COUNTER = 0, /**< monotonic, name ends in _total */
	OG_METRIC_GAUGE,       /**< a level that goes up and down */
	OG_METRIC_HISTOGRAM,   /**< _bucket{le=...}, _sum and _count series
				  (og_metric_sample_suffix()) */
};

/** Where a collector writes its samples (opaque). */
struct og_metric_out;

/**
 * A collector: sums its per-lcore values and writes one sample per label
 * set with og_metric_sample(). Runs on the control thread, never on a
 * dataplane lcore, so it may take its time (but not block).
 */
typedef void (*og_metric_collect_t)(void *arg, struct og_metric_out *out);

/** The telemetry HTTP server (opaque). */
struct og_telemetry_server;

/** Longest metric name or label string accepted. */
#define OG_METRIC_NAME_MAX 96

#endif /* OG_TELEMETRY_TYPES_H */

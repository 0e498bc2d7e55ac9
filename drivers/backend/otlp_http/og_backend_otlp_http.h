/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The OTLP/HTTP egress backend:
 * `otlp-http://ADDR:PORT[/base-path][?conns=N&timeout_ms=N&compression=none|gzip
 * &max_inflight=N&sndbuf=BYTES&header=Name:Value...]`.
 *
 * Each batch is POSTed to base-path + /v1/traces, /v1/metrics or /v1/logs
 * as application/x-protobuf over HTTP/1.1 on lib/tcp client connections of
 * the lcore that polls the backend (og_backend_attach()). The body is our
 * framing plus indirect mbufs pointing into the received data: span bytes
 * are never copied with compression=none (docs/design.md §2). 2xx completes the
 * batch (partial_success counted), 429/502/503/504, timeouts and lost
 * connections are retried forever with exponential backoff and full jitter
 * (Retry-After honoured), other statuses drop the batch (counted, logged).
 * A circuit breaker stops new batches while the backend keeps failing.
 * See docs/backends.md.
 */
#ifndef OG_BACKEND_OTLP_HTTP_H
#define OG_BACKEND_OTLP_HTTP_H

#include <stdint.h>

#include "og_pipeline.h"

/** Operations of the otlp-http backend; register with og_backend_register(). */
extern const struct og_backend_ops og_backend_otlp_http_ops;

/** Counters of one otlp-http backend (ohttp_counters.def). */
enum og_ohttp_ctr {
#define OH_CTR(e, name, type, help) OG_OHTTP_##e,
#include "ohttp_counters.def"
#undef OH_CTR
	OG_OHTTP_CTR_MAX,
};

/** Circuit breaker states (the value of otlpgate_egress_breaker_state). */
enum og_ohttp_breaker {
	OG_OHTTP_BREAKER_CLOSED = 0, /**< requests flow */
	OG_OHTTP_BREAKER_OPEN,	     /**< failing: no new batch, no request */
	OG_OHTTP_BREAKER_HALF_OPEN,  /**< one probe request decides */
};

/** Buckets of the request latency histogram, microseconds (+Inf implied). */
#define OG_OHTTP_LAT_BOUNDS 1000, 5000, 10000, 50000, 100000, 500000, 1000000, 5000000, 10000000
#define OG_OHTTP_LAT_N	    10 /**< buckets, +Inf included */

/**
 * What an otlp-http backend did so far. Written by its lcore only; other
 * threads read it through og_backend_otlp_http_stats() (values may be a
 * little stale).
 */
struct og_ohttp_stats {
	uint64_t ctr[OG_OHTTP_CTR_MAX];
	uint64_t lat_bucket[OG_OHTTP_LAT_N]; /**< not cumulative */
	uint64_t lat_sum_us;
	uint64_t lat_count;
	uint32_t breaker;  /**< enum og_ohttp_breaker */
	uint32_t inflight; /**< batches taken and not completed */
	uint32_t conns_up; /**< established connections */
};

/**
 * Copy @p be's counters into @p out.
 *
 * @return 0, or -EINVAL when @p be is not an otlp-http backend.
 */
int og_backend_otlp_http_stats(const struct og_backend *be, struct og_ohttp_stats *out);

/**
 * The backend's IPv4 address (network byte order), so the application can
 * pick the source address of the port on its subnet; 0 when @p be is not an
 * otlp-http backend.
 */
uint32_t og_backend_otlp_http_daddr(const struct og_backend *be);

/** Upper bound of latency bucket @p i in microseconds (UINT64_MAX: +Inf). */
uint64_t og_ohttp_lat_bound(unsigned int i);

/**
 * Register the otlpgate_egress_* metrics of every otlp-http backend
 * created so far in the registry (lib/common/og_metric.h; control path,
 * once at start).
 *
 * @return 0 (also when there is none), or -errno from og_metric_register().
 */
int og_backend_otlp_http_register_metrics(void);

/** Sum of otlpgate_egress_copied_bytes_total over every otlp-http backend. */
uint64_t og_backend_otlp_http_copied_bytes(void);

#endif /* OG_BACKEND_OTLP_HTTP_H */

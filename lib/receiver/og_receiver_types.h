/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Types of the OTLP/HTTP receiver: its settings and its counters. Structs
 * and enums only; the functions are in og_receiver.h.
 */
#ifndef OG_RECEIVER_TYPES_H
#define OG_RECEIVER_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "og_http_types.h"
#include "og_otlp_types.h"

struct rte_mempool;
struct og_tcp_stack;
struct og_batcher;
struct og_budget;
struct og_rcv;

/** Settings of og_rcv_create(); zero fields take the defaults. */
struct og_rcv_conf {
	const char *name; /**< names the receiver's pools; unique per process */
	int socket;
	struct og_tcp_stack *tcp;      /**< the lcore's stack (required) */
	struct og_batcher *batcher;    /**< where accepted records go (required) */
	struct og_budget *budget;      /**< admission (required; may be shared) */
	struct rte_mempool *rec_pool;  /**< og_rec_pool_create() (required) */
	struct rte_mempool *resp_pool; /**< mbufs with data room for responses (required) */
	struct rte_mempool
		*ref_pool;  /**< mbufs without data room: indirect and external (required) */
	uint32_t max_conns; /**< connection contexts; default 4096 */
	struct og_http_limits http; /**< zero fields: og_http_limits_default() */
	uint64_t max_body;	    /**< body limit, as sent and decoded; default 64 MiB
				     (og_rcv_body_limit() lowers it to the budget) */
	uint32_t retry_after_s;	    /**< Retry-After of 503 answers; default 1 */
	uint32_t buf_size;	    /**< decode buffer pool element; default 1 MiB */
	uint32_t n_bufs;	    /**< decode buffers; default 16 */
	uint32_t max_resources;	    /**< resource entries per request; default 16384 */
	uint32_t max_rejected;	    /**< rejected items listed per request; default 65536 */
	/**
	 * After an answer with Connection: close, read and drop input for at
	 * most this long, until the client closes (RFC 9112 9.6); default 2000.
	 */
	uint32_t linger_ms;
	/**
	 * A request head must be complete within this long of its first byte;
	 * a new connection's first head, of the accept (docs/receiver.md,
	 * "Hostile clients"); default 10000.
	 */
	uint32_t header_timeout_ms;
	/**
	 * A request body must arrive at this many bytes per second at least,
	 * averaged over each body_rate_window_ms; default 1024,
	 * OG_RCV_NO_MIN_RATE: no minimum.
	 */
	uint32_t body_min_rate;
	uint32_t body_rate_window_ms; /**< default 10000 */
	/** An idle keep-alive connection is closed after this long; default 60000. */
	uint32_t keepalive_ms;
	/**
	 * The same under pressure (connections above 3/4 of max_conns, or an
	 * eviction in the last 10 s); default 5000, at most keepalive_ms.
	 */
	uint32_t keepalive_busy_ms;
};

/** og_rcv_conf.body_min_rate: no minimum rate for request bodies. */
#define OG_RCV_NO_MIN_RATE UINT32_MAX

/** Receiver counters (receiver_counters.def). */
enum og_rcv_ctr {
#define OG_RCV_CTR(e, name, type, help) OG_RCV_CTR_##e,
#include "receiver_counters.def"
	OG_RCV_CTR_MAX,
};

/** Statuses the request counter tells apart (receiver_counters.def). */
enum og_rcv_status {
#define OG_RCV_STATUS(e, code) OG_RCV_ST_##e,
#include "receiver_counters.def"
	OG_RCV_ST_MAX,
};

/** Deadlines missed (receiver_closures.def). */
enum og_rcv_timeout {
#define OG_RCV_TIMEOUT(e, name, help) OG_RCV_TIMEOUT_##e,
#include "receiver_closures.def"
	OG_RCV_TIMEOUT_MAX,
};

/** Connections evicted for new ones, by what they were doing (receiver_closures.def). */
enum og_rcv_evict {
#define OG_RCV_EVICT(e, name, help) OG_RCV_EVICT_##e,
#include "receiver_closures.def"
	OG_RCV_EVICT_MAX,
};

/** The signal label of a request: its path; NONE for any other path. */
#define OG_RCV_SIG_NONE OG_OTLP_SIGNAL_MAX
#define OG_RCV_SIG_N	(OG_OTLP_SIGNAL_MAX + 1)
/** Encoding of a request's body, and its label (og_rcv_enc_name()). */
enum og_rcv_enc {
	OG_RCV_ENC_PROTOBUF = 0, /**< application/x-protobuf */
	OG_RCV_ENC_JSON,	 /**< application/json */
	OG_RCV_ENC_OTHER,	 /**< unknown or absent Content-Type: refused (415) */
	OG_RCV_ENC_N,
};
/** Compression of a request's body, and its label (og_rcv_comp_name()). */
enum og_rcv_comp {
	OG_RCV_COMP_IDENTITY = 0,
	OG_RCV_COMP_GZIP,
	OG_RCV_COMP_OTHER, /**< any other Content-Encoding: refused (415) */
	OG_RCV_COMP_N,
};

/** Request latency buckets (µs, first byte to response queued), +Inf implied. */
#define OG_RCV_LAT_BOUNDS 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 1000000
#define OG_RCV_LAT_N	  12

/**
 * Counters of one receiver (one lcore), written by that lcore with plain +=;
 * the control thread reads and sums them (values may be a loop iteration old).
 */
struct og_rcv_stats {
	uint64_t ctr[OG_RCV_CTR_MAX];
	/** requests by signal (path), encoding, compression and status */
	uint64_t requests[OG_RCV_SIG_N][OG_RCV_ENC_N][OG_RCV_COMP_N][OG_RCV_ST_MAX];
	uint64_t http_errors[OG_HTTP_ERR_MAX];			   /**< by parse error */
	uint64_t decode_errors[OG_OTLP_ERR_MAX];		   /**< 400s by reason */
	uint64_t rejected[OG_OTLP_SIGNAL_MAX][OG_OTLP_REJECT_MAX]; /**< items by reason */
	uint64_t timeouts[OG_RCV_TIMEOUT_MAX];			   /**< by deadline */
	uint64_t evictions[OG_RCV_EVICT_MAX];			   /**< by kind */
	uint64_t lat_bucket[OG_RCV_LAT_N];			   /**< not cumulative; +Inf last */
	uint64_t lat_sum_us;
	uint64_t lat_count;
	/** TSC cycles in HTTP (parsing, answers) and in decoding (inflate,
	 *  scan, records, hand-off): otlpgate_stage_cycles_total */
	uint64_t cyc_http;
	uint64_t cyc_decode;
} __rte_cache_aligned;

#endif /* OG_RECEIVER_TYPES_H */

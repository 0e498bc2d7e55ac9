/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Types of lib/pipeline: request records, the admission budget, batches,
 * backends and their operations, the batcher's settings and the accounting.
 * Structs and enums only; the functions are in og_pipeline.h.
 */
#ifndef OG_PIPELINE_TYPES_H
#define OG_PIPELINE_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "og_common.h"
#include "og_otlp_types.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;
struct og_backend;
struct og_batcher;
struct og_egress;
struct og_tcp_stack;

/** Pieces a record holds without a separate array. */
#define OG_REC_INLINE_PIECES 16
/** Records one batch can hold; a full batch is flushed (trigger "records"). */
#define OG_BATCH_MAX_RECS 512
/** Backends one process can have (fan-out width and stats dimension). */
#define OG_MAX_BACKENDS 8
/** Backend operation tables og_backend_register() can hold. */
#define OG_MAX_BACKEND_TYPES 16

/**
 * Byte-based admission shared by every receiving lcore (docs/design.md §3:
 * memory is reserved before a request is accepted, never allocated and then
 * checked). Above @c high the budget stops accepting until usage falls to
 * @c low (hysteresis, so clients see a steady 503 rather than flapping).
 */
struct og_budget {
	uint64_t used;	    /**< bytes reserved now (atomic) */
	uint32_t accepting; /**< 1 while below the high mark (atomic) */
	uint64_t limit;	    /**< reservations never take used above this */
	uint64_t high;	    /**< crossing it stops acceptance */
	uint64_t low;	    /**< falling to it resumes acceptance */
	uint64_t peak;	    /**< highest used seen (atomic, for telemetry) */
	uint64_t refusals;  /**< reservations refused (atomic) */
} __rte_cache_aligned;

/**
 * One accepted request on its way to the backends. Allocated from a
 * mempool (og_rec_pool_create()); owns its body and, when the inline array
 * is too small, a piece array. Pieces are ranges of the body by absolute
 * offset (or small literals): concatenated they are resource entries of an
 * Export*ServiceRequest (docs/design.md §2), so batches need no re-encoding.
 */
struct og_rec {
	enum og_otlp_signal sig;
	uint32_t n_pieces;
	struct og_otlp_piece *pieces; /**< inline_pieces or a reserved array */
	uint32_t pieces_cap;	      /**< capacity of @c pieces */
	uint32_t bytes;		      /**< sum of the pieces' lengths */
	/**
	 * The body's mbuf chain; owned by the record and freed with it. For
	 * gzip or JSON requests the receiver makes it an mbuf with an attached
	 * external buffer: the pipeline does not care.
	 */
	struct rte_mbuf *body;
	uint64_t items;		  /**< accepted items carried */
	uint64_t mem;		  /**< bytes charged to @c budget, released on free */
	struct og_budget *budget; /**< where @c mem was reserved (og_rec_charge()) */
	uint64_t arrival_us;
	uint32_t refs; /**< backends still holding it (atomic) */
	uint32_t alloc_lcore;
	struct og_otlp_piece inline_pieces[OG_REC_INLINE_PIECES];
};

/** Why a batch was flushed (pipeline_counters.def). */
enum og_pipe_trigger {
#define OG_PIPE_TRIGGER(e, label) OG_PIPE_TRIGGER_##e,
#include "pipeline_counters.def"
	OG_PIPE_TRIGGER_MAX,
};

/**
 * A batch: records of one signal for one backend, whose pieces concatenated
 * form one Export*ServiceRequest of @c bytes bytes. Allocated from the
 * batcher's pool; the backend owns it from a successful submit until it calls
 * og_batch_complete().
 */
struct og_batch {
	enum og_otlp_signal sig;
	enum og_pipe_trigger trigger; /**< why it was flushed */
	struct og_backend *be;
	struct og_batcher *owner;
	uint64_t items;
	uint64_t bytes; /**< body bytes: sum of the records' bytes */
	uint64_t created_us;
	uint32_t attempts; /**< submits tried (busy answers included) */
	uint32_t n_recs;
	void *drv;	 /**< driver scratch */
	int64_t drv_val; /**< driver scratch (e.g. the errno of a failed write) */
	struct og_rec *recs[OG_BATCH_MAX_RECS];
};

/** How a backend ended a batch. */
enum og_batch_outcome {
	OG_BATCH_OK = 0,   /**< delivered (minus rejected_items, if any) */
	OG_BATCH_REJECTED, /**< permanent refusal of the whole batch */
};

/**
 * What a driver that talks to the network gets from the lcore that runs its
 * egress (og_backend_attach()): that lcore's TCP stack, a source address
 * and the pools to build request chains from. Valid until the backend is
 * destroyed.
 */
struct og_backend_env {
	struct og_tcp_stack *tcp;     /**< the lcore's stack (lib/tcp) */
	uint32_t src_addr_be;	      /**< local address for active opens */
	struct rte_mempool *hdr_pool; /**< direct mbufs: request heads, framing */
	struct rte_mempool *ref_pool; /**< indirect mbufs referencing record bodies */
	int socket;		      /**< NUMA socket of the lcore */
};

/**
 * A backend driver. Every function runs on the lcore of the egress that
 * drives the backend (egress.c, the only caller of submit and poll), except
 * create/destroy (control path). A driver completes each batch it took
 * exactly once with og_batch_complete().
 */
struct og_backend_ops {
	const char *scheme; /**< "file", "null"; URI prefix before ':' */
	/** Parse @p rest (after "scheme:", query included; "" when none) and
	 *  set up be->priv. 0 or -errno; logs the reason. */
	int (*create)(struct og_backend *be, const char *rest);
	/** Take a batch: 0 = taken (and maybe already completed), -EAGAIN =
	 *  busy, the egress keeps it and retries. Any other value breaks the
	 *  contract: the egress completes the batch as rejected. Must not block. */
	int (*submit)(struct og_backend *be, struct og_batch *b);
	/** Called on every egress turn: drive I/O, report completions.
	 *  May be NULL. */
	void (*poll)(struct og_backend *be, uint64_t now_us);
	/** Release everything; called after a drain (nothing in flight). */
	void (*destroy)(struct og_backend *be);
	/** Optional: take the network of the lcore that will poll it (called
	 *  once, before the first submit). 0 or -errno. */
	int (*attach)(struct og_backend *be, const struct og_backend_env *env);
};

/** A configured backend (og_backend_create()). */
struct og_backend {
	const struct og_backend_ops *ops;
	char name[128]; /**< label value: the URI without its query, quotes and backslashes replaced
			 */
	uint16_t idx;	/**< index in the stats arrays, < OG_MAX_BACKENDS */
	void *priv;	/**< the driver's */
};

/** Settings of og_batcher_create(); zero fields take the defaults. */
struct og_batcher_conf {
	const char *name;    /**< names the ring and pool; unique per process */
	int socket;	     /**< NUMA socket (SOCKET_ID_ANY) */
	uint32_t max_items;  /**< flush at this many items; default 8192 */
	uint64_t max_bytes;  /**< flush before exceeding this; default 4 MiB */
	uint64_t timeout_us; /**< flush a batch this old; default 200000 */
	uint32_t ring_size;  /**< records in the ring; power of two, default 4096 */
	uint32_t n_batches;  /**< batch pool size; default 16 per backend and signal */
	uint32_t n_backends; /**< 1..OG_MAX_BACKENDS */
	struct og_backend *backends[OG_MAX_BACKENDS]; /**< fan-out: each gets every record */
	/**
	 * The egress that drives backends[i] (og_egress_create()): the
	 * batcher hands it every batch for that backend and never calls the
	 * driver itself. NULL: the batcher's own egress, run inside
	 * og_batcher_run() and og_batcher_drain().
	 */
	struct og_egress *egress[OG_MAX_BACKENDS];
	/**
	 * egress[i] runs on another lcore than the batcher: batches go over an
	 * SP/SC ring. false: the same lcore, over a plain FIFO (no atomics).
	 */
	bool egress_remote[OG_MAX_BACKENDS];
};

/** Settings of og_egress_create(). */
struct og_egress_conf {
	const char *name; /**< names its rings; unique per process, < 24 characters */
	int socket;	  /**< NUMA socket (SOCKET_ID_ANY) */
};

/** Per-signal counters (pipeline_counters.def). */
enum og_pipe_sig_ctr {
#define OG_PIPE_SIG(e, name, type, help) OG_PIPE_SIG_##e,
#include "pipeline_counters.def"
	OG_PIPE_SIG_MAX,
};

/** Per-backend, per-signal counters (pipeline_counters.def). */
enum og_pipe_be_ctr {
#define OG_PIPE_BE(e, name, type, help) OG_PIPE_BE_##e,
#include "pipeline_counters.def"
	OG_PIPE_BE_MAX,
};

/** Per-lcore counters (pipeline_counters.def). */
enum og_pipe_lc_ctr {
#define OG_PIPE_LC(e, name, type, help) OG_PIPE_LC_##e,
#include "pipeline_counters.def"
	OG_PIPE_LC_MAX,
};

/** Upper bounds of the batch size histograms' buckets (+Inf is implied). */
#define OG_PIPE_HIST_ITEMS_BOUNDS 1, 10, 100, 1000, 10000, 100000
#define OG_PIPE_HIST_BYTES_BOUNDS 1024, 16384, 65536, 262144, 1048576, 4194304, 16777216
#define OG_PIPE_HIST_ITEMS_N	  7 /**< buckets, +Inf included */
/** Upper bounds (µs) of the end-to-end latency histogram's buckets. */
#define OG_PIPE_HIST_E2E_BOUNDS                                                                \
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, \
		2500000, 5000000, 10000000, 30000000
#define OG_PIPE_HIST_E2E_N   18
#define OG_PIPE_HIST_BYTES_N 8

/**
 * A fixed-bucket histogram: @c bucket[i] counts observations <= bound i and
 * > bound i-1 (not cumulative; the exporter accumulates); the last bucket is
 * +Inf.
 */
struct og_pipe_hist {
	uint64_t bucket[OG_PIPE_HIST_BYTES_N];
	uint64_t sum;
	uint64_t count;
};

/**
 * Counters of one lcore. Written with plain += by that lcore only (threads
 * that are not EAL lcores share one extra slot, written atomically); the
 * control thread sums them. Gauges are sums of increments and decrements
 * done on possibly different lcores, in wrapping unsigned arithmetic: only
 * the sum over lcores means anything.
 */
struct og_pipe_stats {
	uint64_t sig[OG_PIPE_SIG_MAX][OG_OTLP_SIGNAL_MAX];
	uint64_t be[OG_PIPE_BE_MAX][OG_MAX_BACKENDS][OG_OTLP_SIGNAL_MAX];
	uint64_t lc[OG_PIPE_LC_MAX];
	/** batches flushed, by backend, signal and trigger */
	uint64_t flushed[OG_MAX_BACKENDS][OG_OTLP_SIGNAL_MAX][OG_PIPE_TRIGGER_MAX];
	struct og_pipe_hist batch_items[OG_OTLP_SIGNAL_MAX];
	struct og_pipe_hist batch_bytes[OG_OTLP_SIGNAL_MAX];
	/**
	 * Per backend: each request's time from its first byte's arrival to the
	 * backend's acknowledgement (2xx) of the batch that carried it, in µs
	 * of the batching lcore's clock (og_batcher_run()'s now_us).
	 */
	struct {
		uint64_t bucket[OG_PIPE_HIST_E2E_N];
		uint64_t sum;
		uint64_t count;
	} e2e[OG_MAX_BACKENDS];
	/*
	 * Not summed: a sequence count (odd while an accounting section is
	 * open, og_pipe_acct_begin()) so readers copy the slot consistently,
	 * and the owner's nesting depth.
	 */
	uint64_t seq;
	uint32_t depth;
} __rte_cache_aligned;

#endif /* OG_PIPELINE_TYPES_H */

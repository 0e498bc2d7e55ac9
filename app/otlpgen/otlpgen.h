/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * otlpgen internals: options, request bodies, the latency histogram, the
 * client (gen.c) and the sink (sink.c). Only app/otlpgen and its unit test
 * include this. args.c, body.c and hist.c need no EAL, so the unit test
 * links them alone.
 */
#ifndef OTLPGEN_H
#define OTLPGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "og_common.h"
#include "og_otlp_types.h"

#define GEN_MAX_PORTS	 4
#define GEN_MAX_BODIES	 16
#define GEN_MAX_PIPELINE 64

/* ---- options (args.c) ------------------------------------------------------ */

struct gen_port_ip {
	uint16_t port_id;
	uint32_t addr_be;
	uint8_t prefix_len;
};

/** Parameters of a generated body (--gen). */
struct gen_synth {
	uint32_t spans;	      /**< spans per request */
	uint32_t attrs;	      /**< string attributes per span */
	uint32_t value_bytes; /**< bytes of each attribute value */
};

/** Application arguments (after "--"). */
struct gen_opts {
	struct gen_port_ip ports[GEN_MAX_PORTS];
	unsigned int n_ports;
	uint32_t gateway_be;
	/* client: on when --target is given */
	uint32_t target_be;
	uint16_t target_port; /**< host order; 0: no client */
	uint32_t conns;
	const char *bodies[GEN_MAX_BODIES];
	unsigned int n_bodies;
	bool synth_on;
	struct gen_synth synth;
	bool gzip;
	const char *path;
	double rate;	   /**< requests/s over all connections; 0: as fast as answered */
	double duration_s; /**< measured seconds after warmup; 0: unbounded */
	uint64_t requests; /**< requests to send in all; 0: unbounded */
	double warmup_s;
	uint32_t pipeline;
	/* attack (slow.c): on when --slow-conns is given with --target */
	uint32_t slow_conns;	   /**< slowloris connections; 0: none */
	uint32_t slow_interval_ms; /**< between two bytes of one slow connection */
	/* sink: on when --sink is given */
	uint32_t sink_be;
	uint16_t sink_port; /**< host order; 0: no sink */
	bool sink_count_items;
	uint32_t sink_rcv_buf; /**< receive buffer (window) of sink connections, bytes */
	double linger_s;       /**< with client and sink: wait for the egress to arrive */
	bool hold;	       /**< after the report, stop polling; close ports on SIGTERM */
	double report_interval_s;
	uint32_t mbufs;
	uint32_t idle_sleep_us;
};

/**
 * Parse the application arguments into @p o (defaults first).
 *
 * @return 0; 1 when --help was printed; -1 after printing a one-line error
 *   naming the option to stderr (the caller exits 2).
 */
int gen_parse_args(int argc, char **argv, struct gen_opts *o);

/** Print the usage text to stdout. */
void gen_usage(const char *prog);

struct og_inflater;

/* ---- bodies (body.c) ------------------------------------------------------- */

/** One request body, as sent. */
struct gen_body {
	uint8_t *data; /**< malloc'd: the bytes on the wire (gzip'd with --gzip) */
	uint32_t len;
	uint32_t plain_len; /**< before gzip */
	uint64_t items;	    /**< spans, data points or log records (og_otlp_scan) */
	bool gzip;
	char name[64];
};

/** The OTLP signal a request path names (/v1/traces, ...); -1 when none. */
int gen_path_signal(const char *path);

/**
 * Load a body file; counts its items with og_otlp_scan() (the file name is
 * not trusted). A file starting with the gzip magic is inflated to be
 * counted and, unless @p gzip, sent inflated.
 *
 * @return 0, or -errno after printing one line to stderr (-EINVAL: not a
 *   valid request of @p sig).
 */
int gen_body_load(struct gen_body *b, const char *file, enum og_otlp_signal sig, bool gzip);

/**
 * Encode an ExportTraceServiceRequest with one resource, one scope and
 * @p s->spans spans, each with @p s->attrs string attributes of
 * @p s->value_bytes bytes, then gzip it when @p gzip.
 *
 * @return 0 or -ENOMEM / -EINVAL.
 */
int gen_body_synth(struct gen_body *b, const struct gen_synth *s, bool gzip);

/** Free a body's bytes. */
void gen_body_free(struct gen_body *b);

/**
 * Count the items of an OTLP body of @p sig held in @p nseg segments,
 * inflating it first into @p scratch (@p scratch_cap bytes) when @p gzip.
 *
 * @return the item count, or -1 when the body is not a valid request.
 */
int64_t gen_count_items(const struct og_seg *segs, uint32_t nseg, enum og_otlp_signal sig,
			bool gzip, struct og_inflater *inf, uint8_t *scratch, size_t scratch_cap);

/* ---- latency histogram (hist.c) -------------------------------------------- */

/*
 * Log-linear: values below 2^GEN_HIST_SUB_BITS are exact; above, each power
 * of two is cut into 2^GEN_HIST_SUB_BITS buckets (1.6% wide with 6 bits),
 * up to 2^GEN_HIST_MAX_EXP ns (about 18 minutes). Recording is a few
 * instructions and no allocation.
 */
#define GEN_HIST_SUB_BITS 6
#define GEN_HIST_MAX_EXP  40
#define GEN_HIST_BUCKETS  ((GEN_HIST_MAX_EXP - GEN_HIST_SUB_BITS + 1) << GEN_HIST_SUB_BITS)

struct gen_hist {
	uint64_t n;
	uint64_t max;
	uint64_t b[GEN_HIST_BUCKETS];
};

/** Bucket index of @p v (values past the range land in the last bucket). */
static inline uint32_t
gen_hist_index(uint64_t v)
{
	uint32_t e;

	if (v >> GEN_HIST_MAX_EXP)
		return GEN_HIST_BUCKETS - 1;
	if (v < (1u << GEN_HIST_SUB_BITS))
		return (uint32_t)v;
	e = 63 - (uint32_t)__builtin_clzll(v);
	return ((e - GEN_HIST_SUB_BITS + 1) << GEN_HIST_SUB_BITS) +
	       (uint32_t)((v >> (e - GEN_HIST_SUB_BITS)) & ((1u << GEN_HIST_SUB_BITS) - 1));
}

/** Record one value (nanoseconds). */
static inline void
gen_hist_add(struct gen_hist *h, uint64_t v)
{
	h->b[gen_hist_index(v)]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

/** Forget every value. */
void gen_hist_reset(struct gen_hist *h);

/** Add the values of @p from to @p to. */
void gen_hist_merge(struct gen_hist *to, const struct gen_hist *from);

/**
 * The @p q quantile (0 < q <= 1): the middle of the bucket holding the
 * value of rank ceil(q * n), never above the largest value recorded.
 *
 * @return the value, 0 when the histogram is empty.
 */
uint64_t gen_hist_quantile(const struct gen_hist *h, double q);

/* ---- client and sink (gen.c, sink.c) --------------------------------------- */

struct og_tcp_stack;
struct rte_mempool;

/** What the client and the sink need from the process: pools, stack, clock. */
struct gen_env {
	struct og_tcp_stack *tcp;
	struct rte_mempool *hdr_pool;	/**< small direct mbufs: request/response heads */
	struct rte_mempool *clone_pool; /**< indirect mbufs: body references */
	struct rte_mempool *body_pool;	/**< large direct mbufs holding bodies */
	uint32_t src_be;		/**< our address */
	uint64_t tsc_hz;
};

/** Client counters; a snapshot at the end of warmup is subtracted. */
struct gen_client_stats {
	uint64_t sent;	   /**< requests handed to TCP */
	uint64_t answered; /**< responses received */
	uint64_t ok;	   /**< 2xx responses */
	uint64_t lost;	   /**< requests whose connection ended before the answer */
	uint64_t items_ok; /**< items of requests answered 2xx */
	uint64_t bytes_ok; /**< HTTP request bytes (head + body) of requests answered 2xx */
	uint64_t reconnects;
	uint64_t conn_fail; /**< active opens that failed */
	uint64_t proto_err; /**< unparsable responses */
	uint64_t status[600];
};

struct gen_client;
struct gen_sink;

/** Sink counters. */
struct gen_sink_stats {
	uint64_t requests;
	uint64_t bytes; /**< body bytes as received */
	uint64_t items;
	uint64_t bad; /**< unparsable requests or bodies whose items could not be counted */
	uint64_t conns;
};

struct gen_client *gen_client_create(const struct gen_opts *o, const struct gen_env *env,
				     const struct gen_body *bodies, unsigned int n_bodies);
/**
 * Open connections and, when @p send, send what the rate and the pipelines
 * allow. Call every loop iteration.
 */
void gen_client_run(struct gen_client *g, uint64_t now_tsc, bool send);
/** Stop sending new requests (answers are still read). */
void gen_client_stop_sending(struct gen_client *g);
/** True when nothing is in flight. */
bool gen_client_idle(const struct gen_client *g);
/** True when --requests were all answered or lost. */
bool gen_client_done(const struct gen_client *g);
const struct gen_client_stats *gen_client_stats(const struct gen_client *g);
const struct gen_hist *gen_client_hist(const struct gen_client *g);
/** Start measuring: zero the histogram (stats are snapshotted by the caller). */
void gen_client_measure_start(struct gen_client *g);
uint32_t gen_client_conns_up(const struct gen_client *g);
/** Close every connection gracefully (FIN after what is queued); no reopening. */
void gen_client_close_all(struct gen_client *g);
/** Body mbufs gen_client_create() needs (replicas included), to size the body pool. */
uint32_t gen_client_body_mbufs(const struct gen_opts *o, const struct gen_body *bodies,
			       unsigned int n_bodies);
/** Payload bytes per body mbuf (the body pool's data room must hold them). */
#define GEN_BODY_SEG 60000
void gen_client_free(struct gen_client *g);

struct gen_sink *gen_sink_create(const struct gen_opts *o, const struct gen_env *env);
const struct gen_sink_stats *gen_sink_stats(const struct gen_sink *s);
void gen_sink_free(struct gen_sink *s);

/* ---- slow connections (slow.c) --------------------------------------------- */

/*
 * What a slow connection sends after the head's first lines: header fields
 * without end. RFC 9112 2.1 ends a head at the first empty line, and this
 * filler never makes one, so the head can never complete.
 */
#define GEN_SLOW_FILLER "X-Slow: 1\r\n"

/**
 * Byte @p off of what a slow connection sends: @p head (@p head_len bytes,
 * the request line and fields, each ending in CRLF), then GEN_SLOW_FILLER
 * over and over.
 */
static inline uint8_t
gen_slow_byte(const char *head, uint32_t head_len, uint64_t off)
{
	static const char filler[] = GEN_SLOW_FILLER;

	if (off < head_len)
		return (uint8_t)head[off];
	return (uint8_t)filler[(off - head_len) % (sizeof(filler) - 1)];
}

/** Slow-connection counters, from the start of the run. */
struct gen_slow_stats {
	uint64_t bytes;	    /**< head bytes handed to TCP */
	uint64_t closed;    /**< established slow connections ended by the server (FIN or RST) */
	uint64_t answered;  /**< of those, the ones that had received bytes (an answer: 408) */
	uint64_t reopened;  /**< connections established again after a closure */
	uint64_t open_fail; /**< opens that failed (reset, timed out, no port) */
	uint64_t no_mbuf;   /**< bytes not sent for lack of an mbuf (sent at the next interval) */
	uint32_t up;	    /**< established now */
};

struct gen_slow;

/**
 * The slowloris side of the client (--slow-conns): connections to
 * --target that send one byte of a request head every --slow-interval and
 * never finish it; one the server closes is reopened at once.
 *
 * @return NULL when out of memory.
 */
struct gen_slow *gen_slow_create(const struct gen_opts *o, const struct gen_env *env);
/** Open connections and send the bytes that are due. Call every loop iteration. */
void gen_slow_run(struct gen_slow *s, uint64_t now_tsc);
const struct gen_slow_stats *gen_slow_stats(const struct gen_slow *s);
/** Close every slow connection (FIN); no reopening, no more bytes. */
void gen_slow_close_all(struct gen_slow *s);
void gen_slow_free(struct gen_slow *s);

#endif /* OTLPGEN_H */

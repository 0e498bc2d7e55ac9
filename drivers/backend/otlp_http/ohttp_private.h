/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the otlp-http backend, shared by its .c files only.
 */
#ifndef OHTTP_PRIVATE_H
#define OHTTP_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>
#include <rte_mbuf.h>

#include "og_backend_otlp_http.h"
#include "og_http.h"
#include "og_otlp.h"
#include "og_tcp.h"

extern int og_ohttp_logtype;
#define OH_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, og_ohttp_logtype, "otlp-http: " fmt "\n", ##__VA_ARGS__)

#define OH_MAX_CONNS	16 /* connections per backend */
#define OH_MAX_INFLIGHT 64 /* batches a backend holds at once */
/*
 * Default TCP send buffer of an egress connection: a whole batch (the
 * default --batch-max-items of 512-span requests is about 2.6 MB) can be
 * handed to TCP at once, so the window, not the application's refills,
 * paces it. The bytes are the received mbufs, referenced: no copy.
 */
#define OH_SND_BUF (4u << 20)
/*
 * compression=none: a request's body is referenced a few records at a time,
 * at most about this many mbufs per step (one step when dispatched, then one
 * per poll while TCP has taken the rest): a 2.6 MB batch is ~1,800
 * references, which built at once made a 1.6 ms loop iteration.
 */
#define OH_BUILD_SEGS 256
/*
 * compression=gzip: input bytes deflated per step (whole records, at least
 * one). ISA-L level 1 took 14 ms of CPU for a 2.6 MB batch here; a step of
 * this much is well under a millisecond. The request is sent once whole:
 * its head carries the compressed length.
 */
#define OH_GZ_STEP_BYTES   (128u << 10)
#define OH_RESP_KEEP	   4096 /* response body bytes kept (partial_success, messages) */
#define OH_MSG_MAX	   200	/* bytes of a refusal's body logged and reported */
#define OH_EXTRA_MAX	   1024 /* extra header lines, in total */
#define OH_PATH_MAX	   256
#define OH_BACKOFF_BASE_US 100000ull   /* retry backoff: 100 ms ... */
#define OH_BACKOFF_CAP_US  30000000ull /* ... to 30 s, full jitter */
#define OH_BREAKER_FAILS   5	       /* consecutive failures that open the breaker */
#define OH_BREAKER_BASE_US 1000000ull  /* first open period; doubles up to the cap */

struct ohttp;

/* A batch the backend took: waiting (conn < 0) or on a connection. */
struct oh_slot {
	struct og_batch *b;
	uint64_t seq;		/* order taken: oldest first */
	uint64_t not_before_us; /* retry time */
	uint32_t tries;		/* failed attempts so far */
	int16_t conn;		/* connection carrying it, -1 when waiting */
	bool used;
};

enum oh_cstate {
	OH_DOWN = 0,   /* no connection; reconnect at retry_at_us */
	OH_CONNECTING, /* SYN sent */
	OH_READY,      /* established: idle, or carrying one request */
	OH_CLOSING,    /* closing after the peer's FIN or Connection: close */
};

/* A request body under construction: its chain and what it holds. */
struct oh_build {
	struct ohttp *o;
	struct rte_mbuf *head, *tail;
	uint64_t len;
	uint32_t segs;
	uint64_t ref, framing, copied;
	struct og_deflater *dfl; /* compression=gzip: the connection's */
};

struct oh_conn {
	struct ohttp *o;
	struct og_tcp_conn *c;
	enum oh_cstate st;
	uint16_t idx;
	bool up;	 /* counted in conns_up */
	bool timed_out;	 /* aborted by us for timeout_ms */
	bool probe;	 /* its request is the half-open breaker's probe */
	bool deliberate; /* aborted by us after an early answer: not a failure */
	bool head_seen;
	struct oh_slot *req;	  /* the request it carries, or NULL */
	struct rte_mbuf *pending; /* rest of the request not yet taken by TCP */
	struct rte_mbuf *pending_tail;
	uint32_t build_next; /* compression=none: next record of req's batch to reference */
	uint64_t built;	     /* body bytes referenced so far */
	/* compression=gzip: this connection's deflater and its request's output so far */
	struct og_deflater *dfl;
	struct oh_build gz;
	bool gz_done;	      /* the compressed request is whole and pending */
	uint64_t started_us;  /* connect or request start */
	uint64_t retry_at_us; /* when DOWN: next connect */
	uint32_t fails;	      /* consecutive connection failures (backoff) */
	struct og_http_resp_parser rp;
	uint32_t body_len;
	bool body_trunc;
	uint8_t body[OH_RESP_KEEP];
};

struct ohttp {
	struct og_backend *be;
	uint32_t daddr_be;
	uint16_t dport_be;
	char host[32];
	char path[OG_OTLP_SIGNAL_MAX][OH_PATH_MAX];
	char extra[OH_EXTRA_MAX];
	uint32_t n_conns;
	uint32_t max_inflight;
	uint32_t snd_buf; /* TCP send buffer of each connection (sndbuf) */
	uint64_t timeout_us;
	bool gzip;
	bool attached;
	bool destroying;
	struct og_backend_env env;
	uint64_t now_us;
	uint64_t mono0_us; /* now_us when unix0_s was read */
	uint64_t unix0_s;
	uint64_t seq;
	uint32_t n_taken;
	struct oh_slot slots[OH_MAX_INFLIGHT];
	/* circuit breaker */
	enum og_ohttp_breaker breaker;
	uint32_t consec_fails;
	uint32_t opens_in_row;
	uint64_t breaker_until_us;
	bool probe_out;
	/* log rate limit: 5 lines a second */
	uint64_t log_sec;
	uint32_t log_n;
	struct og_ohttp_stats stats;
	struct oh_conn conns[OH_MAX_CONNS];
};

/* ohttp_req.c: building requests. */

/* Records of k's batch not yet referenced (none) or compressed (gzip). */
bool oh_building(const struct oh_conn *k);
/*
 * The head of batch @p b's request, chained in front of @p bd's body, with
 * bd->len as Content-Length; *out the head, *tail the chain's last mbuf.
 * 0, -ENOBUFS (try again later) or -EIO.
 */
int oh_request_head(struct ohttp *o, struct og_batch *b, const struct oh_build *bd,
		    struct rte_mbuf **out, struct rte_mbuf **tail);
/* A fresh gzip member and an empty output for k's request. */
void oh_gz_begin(struct oh_conn *k);
/* Build the next part of k's request (one step: OH_BUILD_SEGS or OH_GZ_STEP_BYTES). */
void oh_build_step(struct oh_conn *k);

/* ohttp_conn.c: connections, dispatch, answers, breaker, timeouts. */

/* Open -> half-open once the breaker's period is over. */
void oh_breaker_tick(struct ohttp *o);
/* Batch @p s leaves the backend with outcome @p out. */
void oh_slot_complete(struct ohttp *o, struct oh_slot *s, enum og_batch_outcome out,
		      uint64_t rejected, const char *msg);
/* The connection is done with its request (completed or to be retried). */
void oh_conn_release(struct oh_conn *k);
/* Hand TCP as much of k's pending request as its send space takes. */
void oh_conn_push(struct oh_conn *k);
/* Start due batches on idle connections. */
void oh_dispatch(struct ohttp *o);
/* Abort connections whose connect or request took longer than timeout_us. */
void oh_check_timeouts(struct ohttp *o);
/* Open the connections that are down and due (one while half-open). */
void oh_reconnect(struct ohttp *o);

/* ohttp_uri.c: parse "//ADDR:PORT[/base][?query]" into @p o (0 or -EINVAL, logged). */
int oh_uri_parse(struct ohttp *o, const char *rest);

/* ohttp_stats.c: the backends alive, for the metrics' collectors. */
void oh_registry_add(struct ohttp *o);
void oh_registry_del(struct ohttp *o);

#endif /* OHTTP_PRIVATE_H */

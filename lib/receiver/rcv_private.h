/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of lib/receiver; never included from outside.
 */
#ifndef RCV_PRIVATE_H
#define RCV_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_log.h>
#include <rte_mbuf.h>

#include "og_common.h"
#include "og_http.h"
#include "og_otlp.h"
#include "og_pipeline.h"
#include "og_receiver.h"
#include "og_tcp.h"

extern int og_rcv_logtype;
#define RCV_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, og_rcv_logtype, "receiver: " fmt "\n", ##__VA_ARGS__)

/* Where a connection is in its current request. */
enum rcv_state {
	RCV_IDLE = 0, /* between requests */
	RCV_BODY,     /* collecting an accepted request's body */
	RCV_DISCARD,  /* reading and dropping a refused request's body; answer at END */
	RCV_CLOSING,  /* answered and closing: input is ignored */
	RCV_LINGER,   /* answered and half-closed: input is read and dropped (rcv_conn.c) */
};

/* An answer decided before the body was read (RCV_DISCARD). */
struct rcv_pending {
	int status;
	int32_t rpc_code;
	const char *msg;
};

/* Per-connection state, from the receiver's pool. */
struct rcv_conn {
	struct og_rcv *rcv;
	struct og_tcp_conn *c;
	enum rcv_state state;
	bool peer_closed;
	bool close_after; /* og_tcp_close() once the output queue is empty */
	bool keep_alive;  /* of the current request */
	bool started;	  /* a request's first byte arrived (t_first_us is set) */

	/* current request */
	uint8_t sig;  /* enum og_otlp_signal, or OG_RCV_SIG_NONE */
	uint8_t enc;  /* 0 protobuf, 1 json, 2 other */
	uint8_t comp; /* 0 identity, 1 gzip, 2 other */
	struct rcv_pending pend;
	uint64_t t_first_us;
	struct rte_mbuf *body; /* the body as referenced segments */
	struct rte_mbuf *body_tail;
	uint64_t body_len;
	uint64_t mem;	   /* budget bytes reserved for this request */
	uint64_t mem_used; /* of which actually used by held segments */

	/* responses og_tcp_send() could not take yet, in order */
	struct rte_mbuf *out_head;
	struct rte_mbuf *out_tail;
	uint32_t out_n;
	/* received bytes not yet released to the window (held while out_n is high) */
	uint32_t unreleased;
	/* RCV_LINGER: on og_rcv's linger list until the client's FIN or this time */
	uint64_t linger_until_us;
	TAILQ_ENTRY(rcv_conn) linger_link;

	struct og_http_parser hp; /* its memory follows the struct */
};

/*
 * Decoded bodies up to this size are copied into mbufs and hold no decode
 * buffer (rcv_buf.c); they are decoded in the receiver's scratch buffers.
 */
#define RCV_SMALL_BODY 16384u

/* The receiver of one lcore. */
struct og_rcv {
	struct og_rcv_conf conf;
	struct rte_mempool *conn_pool;
	struct rte_mempool *buf_pool; /* decode buffers */
	void *scratch[2];	      /* small decode buffers (RCV_SMALL_BODY), see rcv_buf.c */
	struct og_inflater *inflater;
	struct og_seg *segs; /* scratch: the body's segments */
	uint32_t segs_cap;
	struct og_otlp_resource *res;
	struct og_otlp_rejected_item *rej;
	struct og_otlp_piece *pieces;
	uint32_t pieces_cap;
	uint64_t now_us;
	/* RCV_LINGER connections, oldest first: all linger conf.linger_ms */
	TAILQ_HEAD(, rcv_conn) linger;
	bool draining;
	char date[32];
	uint64_t date_s;
	struct og_rcv_stats stats;
};

/* Where a decoded body lives: referenced segments, or one decode buffer. */
struct rcv_body {
	struct rte_mbuf *chain; /* owned */
	uint64_t len;
};

/* rcv_buf.c: decode buffers shared by the mbufs that reference them */
void *rcv_buf_alloc(struct og_rcv *r, uint64_t len, uint64_t *charged);
/* A free scratch buffer of RCV_SMALL_BODY bytes (no budget), or NULL. */
void *rcv_buf_scratch(struct og_rcv *r);
void rcv_buf_free(void *data);
bool rcv_buf_is_scratch(const void *data);
struct rte_mbuf *rcv_buf_chain(struct og_rcv *r, void *data, uint64_t len);
int rcv_buf_pool_create(struct og_rcv *r);
void rcv_buf_pool_free(struct og_rcv *r);
/*
 * Copy a small decoded body (at most RCV_SMALL_BODY bytes) into a chain of
 * mbufs from @p mp. The caller holds @p held bytes of budget for the body;
 * on success the reservation is settled to *charged (the mbufs' real size)
 * and the caller frees its buffer. -EINVAL (does not apply) or -ENOBUFS
 * (no mbufs or budget): nothing changed.
 */
int rcv_buf_copy(struct og_rcv *r, struct rte_mempool *mp, const void *data, uint64_t len,
		 uint64_t held, struct rte_mbuf **chain, uint64_t *charged);
/* Budget cost of holding one object of @p mp: header to trailer. */
uint64_t rcv_pool_cost(const struct rte_mempool *mp);

/* rcv_decode.c: a complete body -> answer (and record) */
struct rcv_answer {
	int status;
	int32_t rpc_code;
	uint64_t rejected;
	char msg[256];
};
void rcv_process(struct rcv_conn *k, struct rcv_answer *a);

/* rcv_conn.c */
void rcv_count_request(struct og_rcv *r, const struct rcv_conn *k, int status);

static inline void
rcv_count(struct og_rcv *r, enum og_rcv_ctr c, uint64_t n)
{
	r->stats.ctr[c] += n;
}

#endif /* RCV_PRIVATE_H */

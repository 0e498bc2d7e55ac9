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

/*
 * The receiver in three parts, so that another front end (OTLP/gRPC on
 * HTTP/2) can reuse the last two without the first:
 *   rcv_conn.c    the OTLP/HTTP front end: lib/tcp callbacks, HTTP/1.1
 *                 (lib/http), connection life cycle, answers on the wire;
 *   rcv_req.c     a request: labels, admission, body assembly, decode and
 *   rcv_decode.c  hand-off (no HTTP/1.1 here);
 *   rcv_answer.c  an answer: status and google.rpc.Code chosen together,
 *                 and its body (no HTTP/1.1 here).
 */

/* ---- answers (rcv_answer.c) ------------------------------------------- */

/* Room for an answer's formatted message (og_rcv.text). */
#define RCV_TEXT_MAX 256

/*
 * An answer, built once where it is decided: the OTLP/HTTP status and the
 * google.rpc.Code that goes with it (the code of the google.rpc.Status
 * body; a gRPC front end's grpc-status), so the code chosen is the code
 * sent. A value: copy it freely; @c msg must outlive it (a literal, or
 * og_rcv.text until the next answer is built).
 */
struct rcv_answer {
	uint16_t status;   /* HTTP status */
	uint8_t code;	   /* enum og_otlp_rpc_code */
	bool retry;	   /* refused for now: the client should retry later */
	uint64_t rejected; /* 200: items rejected (partial_success) */
	const char *msg;
};

/* The google.rpc.Code an OTLP/HTTP status stands for. */
enum og_otlp_rpc_code rcv_status_code(int status);
/* An answer with @p status, its code and the message literal @p msg. */
void rcv_answer_set(struct rcv_answer *a, int status, const char *msg);
/* As rcv_answer_set(), the message formatted into @p text (RCV_TEXT_MAX). */
void rcv_answer_fmt(struct rcv_answer *a, char *text, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* 200: accepted, @p rejected items rejected for the reasons in @p msg. */
void rcv_answer_ok(struct rcv_answer *a, uint64_t rejected, const char *msg);
/*
 * The answer's body in @p enc: an Export*ServiceResponse of @p sig for 200
 * (another signal than the three: traces'), else a google.rpc.Status
 * {code, message}. OG_OK, or the encoder's error with @p out unchanged.
 */
int rcv_answer_body(const struct rcv_answer *a, unsigned int sig, enum og_otlp_encoding enc,
		    struct og_wbuf *out);

/* ---- a request (rcv_req.c, rcv_decode.c) ------------------------------ */

/* One request, from its labels to its answer; any front end's. */
struct rcv_req {
	uint8_t sig;  /* enum og_otlp_signal, or OG_RCV_SIG_NONE */
	uint8_t enc;  /* enum og_rcv_enc */
	uint8_t comp; /* enum og_rcv_comp */
	uint64_t t_first_us;
	struct rte_mbuf *body; /* the body as referenced segments */
	struct rte_mbuf *body_tail;
	uint64_t body_len;
	uint64_t mem;	   /* budget bytes reserved for this request */
	uint64_t mem_used; /* of which actually used by held segments */
};

/* The encoding answers to @p q are written in (protobuf unless JSON). */
static inline enum og_otlp_encoding
rcv_req_answer_enc(const struct rcv_req *q)
{
	return q->enc == OG_RCV_ENC_JSON ? OG_OTLP_ENC_JSON : OG_OTLP_ENC_PROTO;
}

/* ---- the OTLP/HTTP front end (rcv_conn.c) ----------------------------- */

/* Where a connection is in its current request. */
enum rcv_state {
	RCV_IDLE = 0, /* between requests */
	RCV_BODY,     /* collecting an accepted request's body */
	RCV_DISCARD,  /* reading and dropping a refused request's body; answer at END */
	RCV_CLOSING,  /* answered and closing: input is ignored */
	RCV_LINGER,   /* answered and half-closed: input is read and dropped (rcv_conn.c) */
};

/*
 * The deadline list a connection is on (rcv_conn.c). Every connection of a
 * list shares one duration, so each list is a FIFO, oldest first, and only
 * its head is looked at by og_rcv_tick(): O(1) per event, no timer.
 */
enum rcv_dl {
	RCV_DL_NONE = 0, /* closing: lib/tcp's timers only */
	RCV_DL_HEAD,	 /* a request head in progress, or none yet on a new connection */
	RCV_DL_BODY,	 /* RCV_BODY or RCV_DISCARD: its rate is checked each window */
	RCV_DL_IDLE,	 /* keep-alive, between requests, nothing received */
	RCV_DL_LINGER,	 /* RCV_LINGER */
	RCV_DL_MAX,
};

/* Per-connection state, from the receiver's pool. */
struct rcv_conn {
	struct og_rcv *rcv;
	struct og_tcp_conn *c;
	enum rcv_state state;
	bool peer_closed;
	bool close_after; /* og_tcp_close() once the output queue is empty */
	bool keep_alive;  /* of the current request */
	bool started;	  /* a request's first byte arrived (req.t_first_us is set) */

	struct rcv_req req;	/* the current request */
	struct rcv_answer pend; /* RCV_DISCARD: decided from the head (literal message) */

	/* responses og_tcp_send() could not take yet, in order */
	struct rte_mbuf *out_head;
	struct rte_mbuf *out_tail;
	uint32_t out_n;
	/* received bytes not yet released to the window (held while out_n is high) */
	uint32_t unreleased;
	/* on og_rcv's list dl since dl_since_us (HEAD: since the first byte or the
	 * accept; BODY: since the last rate check) */
	uint8_t dl; /* enum rcv_dl */
	uint64_t dl_since_us;
	TAILQ_ENTRY(rcv_conn) dl_link;
	/* body bytes of the current request, and their count at the last check */
	uint64_t body_in;
	uint64_t body_mark;

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
	/* connections by deadline list (enum rcv_dl), oldest first */
	TAILQ_HEAD(rcv_dl_list, rcv_conn) dl[RCV_DL_MAX];
	uint64_t pressure_until_us; /* an eviction keeps keep-alives short until then */
	bool draining;
	char date[32];
	uint64_t date_s;
	char text[RCV_TEXT_MAX]; /* message of the answer being built */
	struct og_rcv_stats stats;
};

/*
 * The listener's og_tcp_app.evict (rcv_conn.c): abort the oldest idle
 * keep-alive connection, else the oldest with a request head in progress;
 * never one reading a body or with an answer waiting. True when one went.
 */
bool rcv_evict(void *arg);

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

/* rcv_req.c: a request's admission, body and end */
/* The effective body limit now: --max-body, or less when the budget caps it. */
uint64_t rcv_body_limit(const struct og_rcv *r);
/*
 * Reserve @p n bytes of budget for a request that holds @p held already:
 * the one place that tells "can never fit" from "not now". 0; -EMSGSIZE
 * (413, counted: held + n is more than the budget can ever grant one
 * request) or -ENOBUFS (503, counted: others hold the budget) with the
 * refusal in *a (413: formatted into r->text).
 */
int rcv_reserve(struct og_rcv *r, uint64_t held, uint64_t n, struct rcv_answer *a);
/*
 * Admit a request whose labels are set: its encoding and compression, its
 * length against the effective body limit, then memory for its body,
 * reserved whole when its length is known (@p known, @p len), else while it
 * arrives. 0, or -ENOTSUP (415), -EMSGSIZE (413: never retry; its message is
 * in r->text, answer it at once) or -ENOBUFS (503) with the refusal in *a.
 */
int rcv_req_admit(struct og_rcv *r, struct rcv_req *q, bool known, uint64_t len,
		  struct rcv_answer *a);
/*
 * Body bytes [p, p+len) inside segment @p m join the request's body: @p m
 * itself when *kept is false (then *kept is set), else an indirect mbuf.
 * 0, or -ENOBUFS (503) or -EMSGSIZE (413: past the effective body limit, or
 * more memory than one request can be granted) with the request dropped
 * and the refusal in *a.
 */
int rcv_req_add(struct og_rcv *r, struct rcv_req *q, struct rte_mbuf *m, const uint8_t *p,
		uint32_t len, bool *kept, struct rcv_answer *a);
/* The body is complete: decode it, hand it off and decide the answer. */
void rcv_req_end(struct og_rcv *r, struct rcv_req *q, struct rcv_answer *a);
/* Free the request's body and give back its reservation. */
void rcv_req_drop(struct og_rcv *r, struct rcv_req *q);
/* Count an answered request by its labels and @p status, and its latency. */
void rcv_req_count(struct og_rcv *r, const struct rcv_req *q, int status);

/* rcv_decode.c: a complete body -> answer (and record) */
void rcv_process(struct og_rcv *r, struct rcv_req *q, struct rcv_answer *a);

static inline void
rcv_count(struct og_rcv *r, enum og_rcv_ctr c, uint64_t n)
{
	r->stats.ctr[c] += n;
}

#endif /* RCV_PRIVATE_H */
